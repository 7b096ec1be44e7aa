/*
 * mamori/gateway.h - the edge gateway: an HTTP/1.1 reverse proxy with the
 * desync classification and the WAF inline, several sites by Host, origin
 * groups with failover and health checks, graceful reload and shutdown.
 * docs/gateway.md documents the configuration file.
 */
#ifndef MAMORI_GATEWAY_H
#define MAMORI_GATEWAY_H

#include "mamori/common.h"
#include "mamori/error.h"

/* A validated configuration. Reference-counted: a reload swaps in a new one
 * while requests in flight finish on the one they started with. */
typedef struct mm_gateway_config mm_gateway_config;

/* Parse configuration JSON; relative paths in it (web ACLs, logs) are taken
 * from base_dir. NULL with err (a JSON path in err->path) on any error:
 * nothing is half loaded. */
MM_API mm_gateway_config *mm_gateway_config_parse(const char *json, size_t len,
                                                  const char *base_dir, mm_error *err);
/* The same from a file. */
MM_API mm_gateway_config *mm_gateway_config_load(const char *path, mm_error *err);
/* Drop the caller's reference. */
MM_API void mm_gateway_config_free(mm_gateway_config *c);

typedef struct mm_gateway mm_gateway;

/* Bind the listening address (one SO_REUSEPORT socket per worker), start
 * the workers (and the demo origin and health checks if configured). The
 * gateway takes cfg over. NULL with err on failure. */
MM_API mm_gateway *mm_gateway_start(mm_gateway_config *cfg, mm_error *err);
/* The port the gateway listens on (useful with port 0). */
MM_API int mm_gateway_port(const mm_gateway *g);
/* The HTTPS port (tls_listen), or 0 when there is none. */
MM_API int mm_gateway_tls_port(const mm_gateway *g);
/* Swap in a new configuration (taken over, also on failure): requests in
 * flight finish on the old one. The listening address cannot change: a
 * config that changes it is refused with MM_EINVAL and the old one stays. */
MM_API int mm_gateway_reload(mm_gateway *g, mm_gateway_config *cfg, mm_error *err);
/* Stop accepting, let requests in flight finish (at most drain_ms), stop
 * the workers and free everything. */
MM_API void mm_gateway_stop(mm_gateway *g, unsigned drain_ms);

#endif /* MAMORI_GATEWAY_H */
