/*
 * gateway/gw.h - what the gateway's files share: the loaded configuration
 * (sites, origins, limits), the chunked decoder, the per-gateway counters
 * and the WAF hand-off.
 */
#ifndef MM_GATEWAY_GW_H
#define MM_GATEWAY_GW_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "mamori/gateway.h"
#include "mamori/http.h"
#include "mamori/str.h"

/* ---- limits (each a default the config may lower or raise) --------------- */

#define MM_GW_HEAD_BYTES     16384 /* request head: nginx's large_client_header_buffers order */
#define MM_GW_HEADERS        100   /* header lines a request may have */
#define MM_GW_BODY_BYTES     (10u << 20) /* request body buffered for inspection */
#define MM_GW_HEADER_TIMEOUT 10000       /* ms to receive a whole head (slowloris) */
#define MM_GW_BODY_TIMEOUT   30000       /* ms to receive a whole body */
#define MM_GW_IDLE_TIMEOUT   60000       /* ms a keep-alive connection may sit idle */
#define MM_GW_ORIGIN_TIMEOUT 30000       /* ms for an origin to connect and answer */
#define MM_GW_PER_IP         256         /* concurrent connections from one client address */
#define MM_GW_MAX_SITES      256
#define MM_GW_MAX_ORIGINS    16 /* origins in one site's group */
#define MM_GW_MAX_WORKERS    64

/* ---- configuration -------------------------------------------------------------- */

typedef struct mm__gw_origin {
  char name[64]; /* "127.0.0.1:8081", for logs and metrics */
  struct sockaddr_storage addr;
  socklen_t addr_len;
  atomic_bool down; /* the health checker's view */
} mm__gw_origin;

typedef struct mm__gw_waf mm__gw_waf;

typedef struct mm__gw_site {
  char name[64];
  char **hosts; /* lower-case host names ("*" = any, "*.example.com") */
  size_t n_hosts;
  mm__gw_origin origins[MM_GW_MAX_ORIGINS];
  size_t n_origins;
  mm__gw_waf *waf;       /* NULL: no web ACL */
  char health_path[256]; /* "" = no active health checks */
  uint32_t health_interval_ms;
  struct mm__gw_ddos *ddos; /* automatic L7 mitigation, or NULL (off) */
  struct ssl_ctx_st *tls;   /* this site's certificate (SSL_CTX), or NULL */
  unsigned char *ocsp;      /* DER OCSP response to staple, or NULL */
  long ocsp_len;
} mm__gw_site;

typedef struct mm__gw_limits {
  size_t head_bytes, headers, body_bytes, per_ip;
  uint32_t header_timeout_ms, body_timeout_ms, idle_timeout_ms, origin_timeout_ms;
} mm__gw_limits;

struct mm_gateway_config {
  atomic_int refs; /* requests in flight + the gateway's own */
  char listen[128];
  struct sockaddr_storage listen_addr;
  socklen_t listen_len;
  unsigned workers; /* 0 = one per core */
  mm_http_mode desync_mode;
  mm__gw_limits limits;
  char access_log[512];   /* "" = none, "-" = stdout */
  char waf_log[512];      /* "" = none */
  char metrics_path[128]; /* served to loopback clients; "" = off */
  char demo_origin[128];  /* "" = no built-in demo origin */
  char rate_redis[128];   /* rate-based rules count in Redis here; "" = in process */
  uint32_t rate_timeout_ms, rate_retry_ms;
  char tls_listen[128]; /* "" = no HTTPS listener */
  struct sockaddr_storage tls_addr;
  socklen_t tls_len;
  struct ssl_ctx_st *tls; /* the handshake's first context: SNI picks a site's */
  mm__gw_site sites[MM_GW_MAX_SITES];
  size_t n_sites;
};

mm_gateway_config *mm__gw_config_ref(mm_gateway_config *c);
void mm__gw_config_unref(mm_gateway_config *c);
/* The site serving host (case-insensitive, port ignored), or NULL. */
const mm__gw_site *mm__gw_site_for(const mm_gateway_config *c, mm_str host);
/* "host:port" or "[v6]:port" into addr. */
int mm__gw_parse_addr(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                      mm_error *err);

/* ---- TLS (tls.c) ------------------------------------------------------------------ */

/* Load site s's certificate, key and OCSP response (paths already resolved)
 * into s->tls / s->ocsp. */
int mm__gw_tls_site(mm__gw_site *s, const char *cert, const char *key, const char *ocsp,
                    mm_error *err);
/* Build c->tls, the context every handshake starts on (SNI callback, ALPN,
 * ClientHello capture), once the sites are loaded. */
int mm__gw_tls_config(mm_gateway_config *c, mm_error *err);
/* Free what the two above made. */
void mm__gw_tls_free_site(mm__gw_site *s);
void mm__gw_tls_free_config(mm_gateway_config *c);

/* ---- chunked transfer coding --------------------------------------------------- */

typedef struct mm__chunked {
  int state;
  unsigned digits;
  uint32_t line;
  uint64_t remaining;
} mm__chunked;

void mm__chunked_init(mm__chunked *c);
bool mm__chunked_done(const mm__chunked *c);
/* Decode in[0..n): chunk data goes to out (NULL: validate only; out may be
 * in itself), *out_len bytes of it; *used bytes of in were consumed (fewer
 * than n once the last chunk and trailers ended). MM_OK or MM_ESYNTAX. */
int mm__chunked_feed(mm__chunked *c, const uint8_t *in, size_t n, uint8_t *out, size_t *out_len,
                     size_t *used);

/* ---- counters (Prometheus /metrics) -------------------------------------------- */

#define MM_GW_LATENCY_BUCKETS 12
#define MM_GW_METRIC_NAMES    128 /* distinct rule / label names counted each */
#define MM_GW_BLOCK_LABELS    16  /* labels of one blocked request counted */

typedef struct mm__gw_named_count {
  char name[160];
  uint64_t n;
} mm__gw_named_count;

typedef struct mm__gw_metrics {
  atomic_uint_fast64_t requests;         /* requests answered */
  atomic_uint_fast64_t status[6];        /* by class: 1xx..5xx (index 1..5) */
  atomic_uint_fast64_t waf_blocked;      /* answered by a WAF Block/Captcha/Challenge */
  atomic_uint_fast64_t waf_counted;      /* Count matches */
  atomic_uint_fast64_t ddos_blocked;     /* answered 403 by an automatic mitigation rule */
  atomic_uint_fast64_t desync[4];        /* by tier */
  atomic_uint_fast64_t desync_rejected;  /* 400 for the mitigation mode */
  atomic_uint_fast64_t origin_errors;    /* connect/read failures */
  atomic_uint_fast64_t origin_failovers; /* requests sent on to the next origin */
  atomic_uint_fast64_t timeouts;         /* connections closed for a timeout */
  atomic_uint_fast64_t per_ip_refused;   /* connections over the per-IP cap */
  atomic_uint_fast64_t connections;      /* open client connections */
  atomic_uint_fast64_t latency[MM_GW_LATENCY_BUCKETS + 1]; /* cumulative le buckets + count */
  atomic_uint_fast64_t latency_sum_us;
  /* blocks by terminating rule and by label: names seen first are kept,
   * later ones past the table's size are counted under "other" */
  pthread_mutex_t names_lock;
  mm__gw_named_count by_rule[MM_GW_METRIC_NAMES];
  mm__gw_named_count by_label[MM_GW_METRIC_NAMES];
  size_t n_rules, n_labels;
} mm__gw_metrics;

void mm__gw_metrics_observe(mm__gw_metrics *m, int status, uint64_t latency_us);
/* Count one blocked request under its terminating rule and each label. */
void mm__gw_metrics_block(mm__gw_metrics *m, const char *rule, const char *const *labels,
                          size_t n_labels);
/* The Prometheus text exposition of m (and the origins' health) into out. */
int mm__gw_metrics_write(const mm__gw_metrics *m, const mm_gateway_config *cfg, mm_buf *out);

/* ---- the WAF hand-off ------------------------------------------------------------ */

/* What the web ACL decided for one request. */
typedef struct mm__gw_waf_result {
  bool block;                           /* answer with status/body/headers below, do not forward */
  int status;                           /* block: 403 by default, 405 Captcha, 202 Challenge */
  mm_buf body;                          /* block: response body */
  mm_buf headers;                       /* block: extra response headers; allow: headers to insert
                                           into the forwarded request ("name: value\r\n" lines) */
  bool counted;                         /* some rule counted */
  char content_type[64];                /* block: of body ("" = text/plain) */
  char rule[160];                       /* block: the terminating rule */
  char labels[MM_GW_BLOCK_LABELS][160]; /* block: the request's labels */
  size_t n_labels;
} mm__gw_waf_result;

/* Load site's web ACL; rate-based rules count where cfg says (in process
 * or in Redis, under a key prefix naming the site). */
mm__gw_waf *mm__gw_waf_load(const char *acl_path, const mm_gateway_config *cfg, const char *site,
                            mm_error *err);
/* The site's rate store (for metrics). */
struct mm_waf_rate_store *mm__gw_waf_rate(mm__gw_waf *w);
void mm__gw_waf_free(mm__gw_waf *w);
/* Inspect one request; the AWS WAF log record goes to log (may be NULL). */
struct mm_waf_tls_hello;
int mm__gw_waf_inspect(mm__gw_waf *w, const mm_http_head *head, mm_str body, mm_str client_ip,
                       const struct mm_waf_tls_hello *tls, mm__gw_waf_result *res, mm_buf *log);

/* The path the Challenge and CAPTCHA pages post back to. */
#define MM_GW_VERIFY_PATH "/__mamori/verify"

/* The Challenge (captcha false) or CAPTCHA page for a request to uri. */
void mm__gw_interstitial_page(mm_str key, bool captcha, mm_str client_ip, mm_str host, mm_str uri,
                              mm_buf *body);
/* Check a page's form post; on MM_OK, cookie holds the Set-Cookie value
 * (aws-waf-token) and location where to send the client back. */
int mm__gw_interstitial_verify(mm_str key, mm_str form, mm_str client_ip, mm_str host,
                               mm_buf *cookie, mm_buf *location);
/* The site's token key (shared by the WAF engine and the pages). */
mm_str mm__gw_waf_key(const mm__gw_waf *w);

/* ---- the demo origin -------------------------------------------------------------- */

/* Serve the built-in demo application on addr in a thread of its own. */
int mm__gw_demo_start(const char *addr, mm_error *err);

#endif /* MM_GATEWAY_GW_H */
