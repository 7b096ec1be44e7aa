/*
 * gateway/ddos.h - automatic application-layer (L7) DDoS mitigation for
 * one site, as AWS Shield Advanced does it ("Shield Advanced automatic
 * application layer DDoS mitigation", ddos-automatic-app-layer-response
 * and ddos-automatic-app-layer-response-behavior in the AWS WAF developer
 * guide): a baseline of the site's request rate is learned; when traffic
 * departs from it, the signature that isolates the attack traffic from the
 * normal traffic is identified, checked against the historical traffic
 * ("rare in the baseline"), and placed as a temporary rule with the action
 * configured for the site, Count or Block; the rule is removed when the
 * attack subsides.
 *
 * Threads: observe() is called by every worker for every request of the
 * site (lock-free but for sampled requests, about 128 a second); tick()
 * once a second from any one worker's timer (concurrent callers return at
 * once); metrics() at any time. An instance is made from a configuration
 * and never changes it; a reload makes a new instance.
 *
 * Algorithm, per tick (ddos.c has the details and docs/gateway-ddos-
 * redis.md the user's view):
 *
 *   r      requests/s since the last tick; u = r minus what active rules matched
 *   mu,sd  exponentially weighted mean and deviation of r, time constant
 *          baseline_sec, learned from calm seconds only
 *   T      attack threshold = max(min_attack_rps, factor * mu + 3 * sd)
 *   attack r > T for detect_sec consecutive seconds, after learning_sec
 *   rule   among the sampled requests no rule matched, per dimension (client
 *          IP, client /24 or /48, User-Agent, JA3, header order, path), the
 *          value v with the largest estimated excess rate
 *             a(v) = rate(v) - share_baseline(v) * mu
 *          that covers at least half the excess (a(v) >= 0.5 * (u - mu)) and
 *          had at most max_baseline_share of the baseline's requests;
 *          near-ties (within 10%) go to the earlier dimension in that list
 *   end    r <= T for hold_sec consecutive seconds: every rule is removed
 */
#ifndef MM_GATEWAY_DDOS_H
#define MM_GATEWAY_DDOS_H

#include <stdint.h>

#include "mamori/http.h"
#include "mamori/ip.h"
#include "mamori/str.h"

/* ---- limits and defaults -------------------------------------------------------- */

#ifndef MM_GW_DDOS_RULES
#define MM_GW_DDOS_RULES 8 /* rules at once per site: attacks rarely have more vectors */
#endif
#ifndef MM_GW_DDOS_SAMPLES
#define MM_GW_DDOS_SAMPLES 256 /* sampled requests a second: +-3% share estimates */
#endif
#ifndef MM_GW_DDOS_BASELINE_VALUES
#define MM_GW_DDOS_BASELINE_VALUES 1024 /* values remembered per dimension (heavy hitters) */
#endif
#ifndef MM_GW_DDOS_TEXT
#define MM_GW_DDOS_TEXT 64 /* bytes of a signature value kept for logs and metrics */
#endif
#define MM_GW_DDOS_MIN_SAMPLES 8 /* samples a signature needs in its second */

#define MM_GW_DDOS_DEFAULT_LEARNING 600  /* s: 10 minutes of traffic before acting */
#define MM_GW_DDOS_DEFAULT_FACTOR   3.0  /* attack above 3x the baseline (+3 deviations) */
#define MM_GW_DDOS_DEFAULT_MIN_RPS  100  /* never an attack below 100 requests/s */
#define MM_GW_DDOS_DEFAULT_HOLD     60   /* s of calm before rules are removed */
#define MM_GW_DDOS_DEFAULT_DETECT   3    /* s over the threshold before acting */
#define MM_GW_DDOS_DEFAULT_BASELINE 300  /* s: time constant of the moving baseline */
#define MM_GW_DDOS_DEFAULT_SHARE    0.05 /* a signature had at most 5% of normal traffic */

/* ---- configuration ------------------------------------------------------------------ */

typedef enum mm__gw_ddos_mode {
  MM_GW_DDOS_OFF = 0, /* observe() always allows; nothing is learned */
  MM_GW_DDOS_COUNT,   /* rules count (logged, metrics) but never block */
  MM_GW_DDOS_BLOCK,   /* rules block */
} mm__gw_ddos_mode;

/* A line of the DDoS log (JSON, no newline). */
typedef void (*mm__gw_ddos_log_fn)(void *arg, const char *line, size_t len);

typedef struct mm__gw_ddos_config {
  char site[64]; /* for logs and metrics labels */
  mm__gw_ddos_mode mode;
  uint32_t learning_sec;     /* 0 = MM_GW_DDOS_DEFAULT_LEARNING */
  double factor;             /* 0 = MM_GW_DDOS_DEFAULT_FACTOR; >= 1 */
  double min_attack_rps;     /* 0 = MM_GW_DDOS_DEFAULT_MIN_RPS */
  uint32_t hold_sec;         /* 0 = MM_GW_DDOS_DEFAULT_HOLD */
  uint32_t detect_sec;       /* 0 = MM_GW_DDOS_DEFAULT_DETECT */
  uint32_t baseline_sec;     /* 0 = MM_GW_DDOS_DEFAULT_BASELINE */
  double max_baseline_share; /* 0 = MM_GW_DDOS_DEFAULT_SHARE; in (0, 1] */
  mm__gw_ddos_log_fn log;    /* NULL: mm_log at warn level, component "ddos" */
  void *log_arg;
} mm__gw_ddos_config;

/* ---- the detector --------------------------------------------------------------------- */

typedef struct mm__gw_ddos mm__gw_ddos;

/* What observe() needs of a request; everything borrowed for the call. */
typedef struct mm__gw_ddos_request {
  mm_ip_addr client;             /* the client address the per-IP cap uses */
  mm_str uri;                    /* request-target; the query is ignored */
  const mm_http_header *headers; /* in the order received (User-Agent, header order) */
  size_t n_headers;
  mm_str ja3; /* JA3 fingerprint (hash text) of the TLS ClientHello; empty: plain HTTP */
} mm__gw_ddos_request;

typedef enum mm__gw_ddos_verdict {
  MM_GW_DDOS_ALLOW = 0,
  MM_GW_DDOS_COUNTED, /* a rule matched in count mode: forward, log, count */
  MM_GW_DDOS_BLOCKED, /* a rule matched in block mode: answer 403, do not forward */
} mm__gw_ddos_verdict;

/* A detector for one site; NULL for no memory or a bad value (factor < 1,
 * share outside (0, 1]). Allocates everything it will ever use here. */
mm__gw_ddos *mm__gw_ddos_new(const mm__gw_ddos_config *cfg);
void mm__gw_ddos_free(mm__gw_ddos *d);

/* Account one request (now_ms: its time, epoch or monotonic ms, the same
 * clock as tick's) and say what the active rules decide. d may be NULL. */
mm__gw_ddos_verdict mm__gw_ddos_observe(mm__gw_ddos *d, const mm__gw_ddos_request *req,
                                        uint64_t now_ms);

/* The once-a-second evaluation: baseline, detection, rules in and out,
 * log lines. Calls less than a second after the last one do nothing. */
void mm__gw_ddos_tick(mm__gw_ddos *d, uint64_t now_ms);

/* Prometheus text for several sites' detectors (each family once, a
 * sample per site), or for one. */
int mm__gw_ddos_metrics_write(mm__gw_ddos *const *ds, size_t n, mm_buf *out);
int mm__gw_ddos_metrics(mm__gw_ddos *d, mm_buf *out);

/* ---- inspection (tests, `mamori gateway` status) ----------------------------------------- */

typedef enum mm__gw_ddos_dim {
  MM_GW_DDOS_DIM_IP = 0,
  MM_GW_DDOS_DIM_PREFIX, /* /24 (IPv4), /48 (IPv6) */
  MM_GW_DDOS_DIM_UA,
  MM_GW_DDOS_DIM_JA3,
  MM_GW_DDOS_DIM_HEADER_ORDER,
  MM_GW_DDOS_DIM_PATH,
  MM_GW_DDOS_DIMS
} mm__gw_ddos_dim;

/* "ip", "prefix", "user_agent", "ja3", "header_order", "path". */
const char *mm__gw_ddos_dim_name(mm__gw_ddos_dim dim);

typedef struct mm__gw_ddos_rule_info {
  mm__gw_ddos_dim dim;
  char value[MM_GW_DDOS_TEXT + 4]; /* as logged ("203.0.113.7", "198.51.100.0/24", ...) */
  uint64_t matched;                /* requests matched so far */
} mm__gw_ddos_rule_info;

typedef struct mm__gw_ddos_state {
  bool learning;
  bool attack;          /* an attack episode is open */
  double rate_rps;      /* at the last tick */
  double baseline_rps;  /* mu */
  double deviation_rps; /* sd */
  double threshold_rps; /* T */
  size_t n_rules;
  mm__gw_ddos_rule_info rules[MM_GW_DDOS_RULES];
  uint64_t installed, removed, attacks; /* totals */
} mm__gw_ddos_state;

void mm__gw_ddos_state_get(mm__gw_ddos *d, mm__gw_ddos_state *out);

#endif /* MM_GATEWAY_DDOS_H */
