/*
 * gateway/redis_rate.h - a rate store (include/mamori/waf.h,
 * mm_waf_rate_store) kept in Redis, so that several gateways count the
 * requests of one rate-based rule together.
 *
 * Wire format: RESP2 (https://redis.io/docs/reference/protocol-spec/),
 * the subset this client sends and reads:
 *
 *   request   *<n>\r\n then n times $<len>\r\n<bytes>\r\n   (array of bulk strings)
 *   replies   +<text>\r\n         simple string
 *             -<text>\r\n         error ("NOSCRIPT ...", "ERR ...")
 *             :<digits>\r\n       integer (the script's count)
 *             $<len>\r\n<bytes>\r\n, $-1\r\n   bulk string, nil
 *
 * Data in Redis, one hash per (window, aggregate key), expiring:
 *
 *   key     "mamori:rate:<window_sec>:<key bytes>"
 *   field   "h"          the newest second counted (caller's clock, epoch s)
 *   field   "t"          requests in the seconds (h - window, h]
 *   field   "<second>"   requests counted in that second
 *   TTL     window + MM_GW_REDIS_TTL_SLACK seconds after the last add
 *
 * One call is one round trip: EVALSHA of the script in redis_rate.c (EVAL
 * with the whole script when Redis answers NOSCRIPT, e.g. after a restart).
 * Times come from the caller (the request's time), never from Redis's
 * clock, so that gateways agree and tests are deterministic; the TTL only
 * collects keys nobody adds to any more.
 *
 * Failure: connect, send and receive share one budget of timeout_ms per
 * call; any failure closes that connection, returns a status at once
 * (the WAF then does not match: AWS fails open on rate limiting), is
 * counted, and logged once per outage. After a failed connect, calls fail
 * at once for retry_ms before the next connect is tried, so an unreachable
 * Redis costs each request nothing.
 */
#ifndef MM_GATEWAY_REDIS_RATE_H
#define MM_GATEWAY_REDIS_RATE_H

#include "mamori/error.h"
#include "mamori/str.h"
#include "mamori/waf.h"

/* ---- limits ------------------------------------------------------------------- */

#ifndef MM_GW_REDIS_TIMEOUT_MS
#define MM_GW_REDIS_TIMEOUT_MS 5 /* per call: same-rack Redis answers in well under 1 ms */
#endif
#ifndef MM_GW_REDIS_RETRY_MS
#define MM_GW_REDIS_RETRY_MS 1000 /* after a failed connect: fail fast this long */
#endif
#ifndef MM_GW_REDIS_POOL
#define MM_GW_REDIS_POOL 64 /* idle connections kept: one per worker (MM_GW_MAX_WORKERS) */
#endif
#ifndef MM_GW_REDIS_REPLY_MAX
#define MM_GW_REDIS_REPLY_MAX 4096 /* bytes of one reply: ours are an integer or an error */
#endif
#ifndef MM_GW_REDIS_TTL_SLACK
#define MM_GW_REDIS_TTL_SLACK 60 /* s a key outlives its window: clocks of gateways differ */
#endif

/* ---- the store ---------------------------------------------------------------- */

typedef struct mm__gw_redis_options {
  const char *addr;    /* "host:port", "[v6]:port"; numeric or "localhost" */
  uint32_t timeout_ms; /* budget of one call; 0 = MM_GW_REDIS_TIMEOUT_MS */
  uint32_t retry_ms;   /* fail-fast time after a failed connect; 0 = MM_GW_REDIS_RETRY_MS */
  const char *prefix;  /* key prefix; NULL = "mamori:rate:" */
} mm__gw_redis_options;

/* Counters since the store was made (for /metrics). */
typedef struct mm__gw_redis_stats {
  uint64_t calls;    /* add() calls */
  uint64_t errors;   /* add() calls that returned a failure (all causes below) */
  uint64_t timeouts; /* ... because the budget ran out */
  uint64_t refused;  /* ... because connecting failed or was in its retry pause */
  uint64_t protocol; /* ... because Redis answered an error or something unexpected */
  uint64_t connects; /* connections opened */
  uint64_t noscript; /* EVALSHA answered NOSCRIPT (script sent again with EVAL) */
  bool up;           /* the last call succeeded */
} mm__gw_redis_stats;

/* A store on the Redis at addr. Does not connect (the first add() does):
 * fails only for a bad address or no memory (MM_EINVAL / MM_ENOMEM in
 * err). Free with mm_waf_rate_store_free. */
mm_waf_rate_store *mm__gw_redis_rate_store(const char *addr, uint32_t timeout_ms, mm_error *err);
mm_waf_rate_store *mm__gw_redis_rate_store_opts(const mm__gw_redis_options *o, mm_error *err);

/* One PING round trip (for `mamori gateway check` and start-up logs). */
int mm__gw_redis_ping(mm_waf_rate_store *s, mm_error *err);

/* Counters of s; false when s is not a Redis store. */
bool mm__gw_redis_stats_get(const mm_waf_rate_store *s, mm__gw_redis_stats *out);

/* Prometheus text for the Redis stores among stores[0..n) (families
 * mamori_rate_store_redis_*, each once, a sample per store labelled
 * site=sites[i]); other stores are skipped. */
int mm__gw_redis_metrics_write(mm_waf_rate_store *const *stores, const char *const *sites, size_t n,
                               mm_buf *out);

#endif /* MM_GATEWAY_REDIS_RATE_H */
