/*
 * ddos.c - automatic L7 DDoS mitigation for one site (gateway/ddos.h), as
 * AWS Shield Advanced describes its own: "compares current traffic
 * patterns against historic traffic baselines to detect deviations",
 * "attempts to identify an attack signature that isolates the attack
 * traffic from the normal traffic", "evaluates the identified attack
 * signature against the historical traffic patterns", places it as a rule
 * with the configured action (Count or Block), and removes it when the
 * attack subsides (AWS WAF developer guide: ddos-automatic-app-layer-
 * response, ddos-automatic-app-layer-response-behavior).
 *
 * Hot path (observe): one relaxed atomic increment for the second's count;
 * when rules are active, the request's signature hashes for the dimensions
 * they use and one atomic load per rule; one request in `stride` (the
 * stride keeps about MM_GW_DDOS_SAMPLES / 2 a second) is copied, under a
 * mutex, into the second's sample buffer. Nothing else is shared.
 *
 * Once a second (tick) the buffers swap, and the single ticking thread
 * updates the baseline (mean and variance of the rate, exponentially
 * weighted) and, in calm seconds, per dimension a bounded table of the
 * values seen and their decayed request weight (heavy hitters: when a
 * table is full its lighter half is dropped). In an attack it counts the
 * values among the sampled requests no rule matched and installs the rule
 * ddos.h describes. Memory is allocated once, in mm__gw_ddos_new (plus the
 * log line buffer, which grows to the longest line once): no amount or
 * variety of traffic makes it grow.
 *
 * A rule is one atomic 64-bit word: the value's 61-bit keyed hash and its
 * dimension + 1 in the low 3 bits (0 = empty). The hash seed is random per
 * detector, so a client cannot craft a collision with another's value.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/ddos.h"
#include "mamori/alloc.h"
#include "mamori/hash.h"
#include "mamori/json.h"
#include "mamori/log.h"
#include "mamori/time.h"

#define DIMS      MM_GW_DDOS_DIMS
#define TEXT_DIMS 4 /* UA, JA3, header order, path keep their text in samples */
#define SLOTS     (2 * MM_GW_DDOS_BASELINE_VALUES) /* open addressing, half full at most */
#define COVERAGE  0.5 /* a signature explains at least half the excess rate */
#define NEAR_TIE  0.9 /* candidates within 10% of the best: the earlier dimension wins */

typedef struct sample {
  uint64_t h[DIMS];                          /* the request's value hashes */
  mm_ip_addr ip;                             /* for the IP and prefix texts */
  bool matched;                              /* a rule matched it */
  char text[TEXT_DIMS][MM_GW_DDOS_TEXT + 4]; /* UA, JA3, header order, path; cut */
} sample;

typedef struct sig_entry {
  uint64_t hash; /* 0 = empty slot */
  double w;      /* decayed requests seen with this value */
} sig_entry;

/* Values of one dimension in calm traffic: their decayed weights. */
typedef struct sig_table {
  sig_entry slots[SLOTS];
  size_t live;  /* entries in use (<= MM_GW_DDOS_BASELINE_VALUES) */
  double total; /* decayed weight of every request folded in, dropped ones included */
} sig_table;

typedef struct rule {
  _Atomic uint64_t key;         /* (hash & ~7) | (dim + 1); 0 = empty. Hot path reads. */
  atomic_uint_fast64_t matched; /* requests matched since installed. Hot path adds. */
  /* the rest belongs to the ticking thread */
  uint64_t matched_seen;           /* matched at the last tick */
  uint64_t id;                     /* 1, 2, ... per detector */
  uint64_t installed_ms;           /* tick clock */
  int dim;                         /* mm__gw_ddos_dim */
  char value[MM_GW_DDOS_TEXT + 4]; /* as logged */
} rule;

/* One value's tally in a second's samples. */
typedef struct tally {
  uint64_t hash;  /* 0 = empty */
  uint32_t n;     /* samples with it */
  uint32_t first; /* index of the first such sample (for its text) */
} tally;

struct mm__gw_ddos {
  mm__gw_ddos_config cfg; /* defaults resolved */
  uint64_t seed;          /* value hashes, random per detector */
  /* ---- shared with observe() ---- */
  atomic_uint_fast64_t second_count; /* requests since the last tick */
  atomic_uint_fast64_t stride_mask;  /* sample the requests whose number & mask is 0 */
  atomic_uint n_rules;               /* active rules (0: fast path) */
  atomic_uint dim_mask;              /* dimensions the active rules use */
  atomic_uint_fast64_t counted, blocked;
  rule rules[MM_GW_DDOS_RULES];
  pthread_mutex_t sample_lock; /* guards cur and n_cur (read without it to skip a full buffer) */
  sample *cur;                 /* the open second's samples */
  atomic_size_t n_cur;
  sample bufs[2][MM_GW_DDOS_SAMPLES];
  /* ---- the ticking thread's (tick_lock) ---- */
  pthread_mutex_t tick_lock;
  bool started;
  uint64_t start_ms, last_ms;
  bool have_baseline;
  double mu, var, rate, unmatched, thr;
  unsigned over_run, calm_run; /* consecutive seconds over / not over T */
  bool attack, no_sig_logged;
  uint64_t requests; /* counted by closed seconds */
  uint64_t attacks, installed, removed, unmitigated_sec, next_id;
  sig_table sig[DIMS];
  tally tallies[2 * MM_GW_DDOS_SAMPLES];
  sig_entry scratch[MM_GW_DDOS_BASELINE_VALUES];
  mm_buf line; /* the log line being written */
};

static const char *const dim_names[DIMS] = {"ip",  "prefix",       "user_agent",
                                            "ja3", "header_order", "path"};

const char *mm__gw_ddos_dim_name(mm__gw_ddos_dim dim) {
  return (unsigned)dim < DIMS ? dim_names[dim] : "?";
}

/* ---- a request's signature values ------------------------------------------------ */

static uint64_t nonzero(uint64_t h) { return h ? h : 1; }

static mm_ip_addr prefix_of(mm_ip_addr a) {
  if (a.family == MM_IP_V4)
    a.bytes[3] = 0; /* /24 */
  else
    memset(a.bytes + 6, 0, 10); /* /48 */
  return a;
}

static mm_str path_of(mm_str uri) {
  for (size_t i = 0; i < uri.len; i++)
    if (uri.ptr[i] == '?' || uri.ptr[i] == '#') return (mm_str){uri.ptr, i};
  return uri;
}

static mm_str user_agent_of(const mm__gw_ddos_request *q, bool *found) {
  for (size_t i = 0; i < q->n_headers; i++)
    if (mm_str_ieq(q->headers[i].name, MM_STR("user-agent"))) {
      *found = true;
      return q->headers[i].value;
    }
  *found = false;
  return MM_STR("");
}

/* Header names in order, case folded, as one hash. */
static uint64_t header_order_hash(const mm__gw_ddos_request *q, uint64_t seed) {
  uint64_t h = seed;
  for (size_t i = 0; i < q->n_headers; i++) {
    uint64_t pair[2] = {h, mm_hash_lower(q->headers[i].name.ptr, q->headers[i].name.len, seed)};
    h = mm_hash(pair, sizeof pair, seed);
  }
  return h;
}

/* The hashes of the dimensions in mask; the others are left alone. */
static void hash_request(const mm__gw_ddos *d, const mm__gw_ddos_request *q, unsigned mask,
                         uint64_t *h) {
  uint64_t s = d->seed;
  mm_ip_addr ip = mm_ip_unmap(&q->client), pre = prefix_of(ip);
  if (mask & (1u << MM_GW_DDOS_DIM_IP)) h[MM_GW_DDOS_DIM_IP] = mm_hash(&ip, sizeof ip, s + 1);
  if (mask & (1u << MM_GW_DDOS_DIM_PREFIX))
    h[MM_GW_DDOS_DIM_PREFIX] = mm_hash(&pre, sizeof pre, s + 2);
  if (mask & (1u << MM_GW_DDOS_DIM_UA)) {
    bool found;
    mm_str ua = user_agent_of(q, &found);
    h[MM_GW_DDOS_DIM_UA] = mm_hash(ua.ptr, ua.len, s + (found ? 3 : 33));
  }
  if (mask & (1u << MM_GW_DDOS_DIM_JA3))
    h[MM_GW_DDOS_DIM_JA3] = mm_hash(q->ja3.ptr, q->ja3.len, s + 4);
  if (mask & (1u << MM_GW_DDOS_DIM_HEADER_ORDER))
    h[MM_GW_DDOS_DIM_HEADER_ORDER] = header_order_hash(q, s + 5);
  if (mask & (1u << MM_GW_DDOS_DIM_PATH)) {
    mm_str p = path_of(q->uri);
    h[MM_GW_DDOS_DIM_PATH] = mm_hash(p.ptr, p.len, s + 6);
  }
  for (int k = 0; k < DIMS; k++)
    if (mask & (1u << k)) h[k] = nonzero(h[k]);
}

/* Printable, cut text: bytes outside 0x20-0x7e become '?'. */
static void put_text(char *dst, mm_str v, const char *none) {
  if (!v.len) v = mm_str_from(none);
  size_t n = v.len < MM_GW_DDOS_TEXT ? v.len : MM_GW_DDOS_TEXT;
  for (size_t i = 0; i < n; i++) dst[i] = v.ptr[i] >= 0x20 && v.ptr[i] < 0x7f ? v.ptr[i] : '?';
  if (v.len > n) memcpy(dst + n, "...", 3), n += 3;
  dst[n] = '\0';
}

static void header_order_text(char *dst, const mm__gw_ddos_request *q) {
  size_t n = 0;
  for (size_t i = 0; i < q->n_headers && n < MM_GW_DDOS_TEXT; i++) {
    if (i) dst[n++] = ',';
    for (size_t k = 0; k < q->headers[i].name.len && n < MM_GW_DDOS_TEXT; k++) {
      char c = mm_ascii_lower(q->headers[i].name.ptr[k]);
      dst[n++] = c >= 0x20 && c < 0x7f ? c : '?';
    }
  }
  if (n >= MM_GW_DDOS_TEXT) memcpy(dst + n, "...", 3), n += 3;
  dst[n] = '\0';
}

static void record(mm__gw_ddos *d, const mm__gw_ddos_request *q, const uint64_t *h, bool matched) {
  pthread_mutex_lock(&d->sample_lock);
  size_t n = atomic_load_explicit(&d->n_cur, memory_order_relaxed);
  if (n < MM_GW_DDOS_SAMPLES) {
    atomic_store_explicit(&d->n_cur, n + 1, memory_order_relaxed);
    sample *s = &d->cur[n];
    memcpy(s->h, h, sizeof s->h);
    s->ip = mm_ip_unmap(&q->client);
    s->matched = matched;
    bool found;
    put_text(s->text[0], user_agent_of(q, &found), "(none)");
    put_text(s->text[1], q->ja3, "(none)");
    header_order_text(s->text[2], q);
    put_text(s->text[3], path_of(q->uri), "/");
  }
  pthread_mutex_unlock(&d->sample_lock);
}

/* ---- the hot path ------------------------------------------------------------------ */

static uint64_t rule_key(uint64_t hash, int dim) {
  return (hash & ~UINT64_C(7)) | (uint64_t)(dim + 1);
}

static mm__gw_ddos_verdict match(mm__gw_ddos *d, const uint64_t *h) {
  for (int k = 0; k < MM_GW_DDOS_RULES; k++) {
    uint64_t key = atomic_load_explicit(&d->rules[k].key, memory_order_acquire);
    if (!key) continue;
    int dim = (int)(key & 7) - 1;
    if (rule_key(h[dim], dim) != key) continue;
    atomic_fetch_add_explicit(&d->rules[k].matched, 1, memory_order_relaxed);
    bool block = d->cfg.mode == MM_GW_DDOS_BLOCK;
    atomic_fetch_add_explicit(block ? &d->blocked : &d->counted, 1, memory_order_relaxed);
    return block ? MM_GW_DDOS_BLOCKED : MM_GW_DDOS_COUNTED;
  }
  return MM_GW_DDOS_ALLOW;
}

mm__gw_ddos_verdict mm__gw_ddos_observe(mm__gw_ddos *d, const mm__gw_ddos_request *req,
                                        uint64_t now_ms) {
  (void)now_ms; /* counts go to the second the last tick opened */
  if (!d || d->cfg.mode == MM_GW_DDOS_OFF || !req) return MM_GW_DDOS_ALLOW;
  uint64_t i = atomic_fetch_add_explicit(&d->second_count, 1, memory_order_relaxed);
  bool sampled = (i & atomic_load_explicit(&d->stride_mask, memory_order_relaxed)) == 0 &&
                 atomic_load_explicit(&d->n_cur, memory_order_relaxed) < MM_GW_DDOS_SAMPLES;
  bool rules = atomic_load_explicit(&d->n_rules, memory_order_acquire) > 0;
  if (!sampled && !rules) return MM_GW_DDOS_ALLOW;
  unsigned mask = sampled ? (1u << DIMS) - 1 : atomic_load(&d->dim_mask);
  uint64_t h[DIMS] = {0};
  hash_request(d, req, mask, h);
  mm__gw_ddos_verdict v = rules ? match(d, h) : MM_GW_DDOS_ALLOW;
  if (sampled) record(d, req, h, v != MM_GW_DDOS_ALLOW);
  return v;
}

/* ---- the baseline of values (heavy hitters with decay) ---------------------------------- */

static sig_entry *sig_find(sig_table *t, uint64_t h) {
  for (size_t i = h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1))
    if (t->slots[i].hash == h || t->slots[i].hash == 0) return &t->slots[i];
}

static int cmp_weight(const void *a, const void *b) {
  double x = ((const sig_entry *)a)->w, y = ((const sig_entry *)b)->w;
  return x < y ? 1 : x > y ? -1 : 0; /* heaviest first */
}

/* Keep the heavier half of a full table. */
static void sig_prune(sig_table *t, sig_entry *scratch) {
  size_t n = 0;
  for (size_t i = 0; i < SLOTS; i++)
    if (t->slots[i].hash) scratch[n++] = t->slots[i];
  qsort(scratch, n, sizeof *scratch, cmp_weight);
  memset(t->slots, 0, sizeof t->slots);
  t->live = n / 2;
  for (size_t i = 0; i < t->live; i++) *sig_find(t, scratch[i].hash) = scratch[i];
}

static void sig_add(sig_table *t, uint64_t h, double w, sig_entry *scratch) {
  t->total += w;
  sig_entry *e = sig_find(t, h);
  if (e->hash) {
    e->w += w;
    return;
  }
  if (t->live >= MM_GW_DDOS_BASELINE_VALUES) {
    sig_prune(t, scratch);
    e = sig_find(t, h);
  }
  *e = (sig_entry){h, w};
  t->live++;
}

static double sig_share(sig_table *t, uint64_t h) {
  sig_entry *e = sig_find(t, h);
  return e->hash && t->total > 0 ? e->w / t->total : 0;
}

static void sig_decay(sig_table *t, double f) {
  for (size_t i = 0; i < SLOTS; i++) t->slots[i].w *= f;
  t->total *= f;
}

/* Fold a calm second's samples into the value tables, each sample standing
 * for per_sample requests. */
static void learn_values(mm__gw_ddos *d, const sample *s, size_t ns, double per_sample,
                         double secs) {
  double tau =
      d->cfg.learning_sec > d->cfg.baseline_sec ? d->cfg.learning_sec : d->cfg.baseline_sec;
  double f = exp(-secs / tau);
  for (int k = 0; k < DIMS; k++) {
    sig_decay(&d->sig[k], f);
    for (size_t i = 0; i < ns; i++) sig_add(&d->sig[k], s[i].h[k], per_sample, d->scratch);
  }
}

/* ---- the rate baseline ------------------------------------------------------------------- */

/* Exponentially weighted mean and variance (West's incremental form);
 * speed < 1 slows the update. */
static void learn_rate(mm__gw_ddos *d, double x, double secs, double speed) {
  if (!d->have_baseline) {
    d->mu = x, d->var = 0, d->have_baseline = true;
    return;
  }
  double alpha = (1 - exp(-secs / d->cfg.baseline_sec)) * speed;
  double diff = x - d->mu, incr = alpha * diff;
  d->mu += incr;
  d->var = (1 - alpha) * (d->var + diff * incr);
}

static double threshold(const mm__gw_ddos *d) {
  double t = d->cfg.factor * d->mu + 3 * sqrt(d->var > 0 ? d->var : 0);
  return t > d->cfg.min_attack_rps ? t : d->cfg.min_attack_rps;
}

/* ---- the log --------------------------------------------------------------------------- */

static void log_start(mm__gw_ddos *d, const char *event) {
  char when[MM_TIME_FORMAT_MAX];
  mm_time_format(mm_time_now(), MM_TIME_RFC3339_MS, when, sizeof when);
  mm_buf_clear(&d->line);
  mm_buf_printf(&d->line,
                "{\"time\":\"%s\",\"component\":\"ddos\",\"event\":\"%s\",\"site\":", when, event);
  mm_json_append_string(&d->line, d->cfg.site, strlen(d->cfg.site));
  mm_buf_printf(&d->line,
                ",\"action\":\"%s\",\"rate_rps\":%.1f,\"unmatched_rps\":%.1f,"
                "\"baseline_rps\":%.1f,\"threshold_rps\":%.1f",
                d->cfg.mode == MM_GW_DDOS_BLOCK ? "BLOCK" : "COUNT", d->rate, d->unmatched, d->mu,
                d->thr);
}

static void log_rule(mm__gw_ddos *d, const rule *r) {
  mm_buf_printf(&d->line, ",\"rule\":%" PRIu64 ",\"dimension\":\"%s\",\"value\":", r->id,
                dim_names[r->dim]);
  mm_json_append_string(&d->line, r->value, strlen(r->value));
}

static void log_end(mm__gw_ddos *d) {
  mm_buf_putc(&d->line, '}');
  if (d->line.oom) return;
  if (d->cfg.log)
    d->cfg.log(d->cfg.log_arg, d->line.ptr, d->line.len);
  else
    mm_log(MM_LOG_WARN, "ddos", "%s", d->line.ptr);
}

/* ---- rules in and out --------------------------------------------------------------------- */

static void publish_mask(mm__gw_ddos *d) {
  unsigned mask = 0, n = 0;
  for (int k = 0; k < MM_GW_DDOS_RULES; k++)
    if (atomic_load(&d->rules[k].key)) mask |= 1u << d->rules[k].dim, n++;
  atomic_store(&d->dim_mask, mask);
  atomic_store_explicit(&d->n_rules, n, memory_order_release);
}

typedef struct candidate {
  int dim;
  uint64_t hash;
  double excess, rate, share; /* a(v), rate(v), share_baseline(v) */
  uint32_t first;             /* a sample holding the value */
} candidate;

static void value_text(const sample *s, int dim, char *out, size_t size) {
  char ip[MM_CIDR_TEXT_MAX];
  if (dim == MM_GW_DDOS_DIM_IP) {
    mm_ip_format(&s->ip, out, size);
  } else if (dim == MM_GW_DDOS_DIM_PREFIX) {
    mm_cidr c;
    mm_ip_addr p = prefix_of(s->ip);
    mm_cidr_make(&p, s->ip.family == MM_IP_V4 ? 24 : 48, &c);
    mm_cidr_format(&c, ip, sizeof ip);
    snprintf(out, size, "%s", ip);
  } else {
    snprintf(out, size, "%s", s->text[dim - MM_GW_DDOS_DIM_UA]);
  }
}

/* The best value of one dimension among the unmatched samples. */
static bool best_in_dim(mm__gw_ddos *d, int dim, const sample *s, size_t ns, size_t nu,
                        double excess, candidate *out) {
  memset(d->tallies, 0, sizeof d->tallies);
  const size_t cap = sizeof d->tallies / sizeof d->tallies[0];
  for (size_t i = 0; i < ns; i++) {
    if (s[i].matched) continue;
    size_t j = s[i].h[dim] & (cap - 1);
    while (d->tallies[j].hash && d->tallies[j].hash != s[i].h[dim]) j = (j + 1) & (cap - 1);
    if (!d->tallies[j].hash) d->tallies[j] = (tally){s[i].h[dim], 0, (uint32_t)i};
    d->tallies[j].n++;
  }
  bool found = false;
  for (size_t j = 0; j < cap; j++) {
    const tally *t = &d->tallies[j];
    if (!t->hash || t->n < MM_GW_DDOS_MIN_SAMPLES) continue;
    double rate = (double)t->n / (double)nu * d->unmatched;
    double share = sig_share(&d->sig[dim], t->hash);
    double a = rate - share * d->mu;
    if (a < COVERAGE * excess || share > d->cfg.max_baseline_share) continue;
    if (!found || a > out->excess) *out = (candidate){dim, t->hash, a, rate, share, t->first};
    found = true;
  }
  return found;
}

static void install(mm__gw_ddos *d, const candidate *c, const sample *s, uint64_t now_ms) {
  rule *r = NULL;
  for (int k = 0; k < MM_GW_DDOS_RULES && !r; k++)
    if (!atomic_load(&d->rules[k].key)) r = &d->rules[k];
  if (!r) return;
  r->id = ++d->next_id;
  r->dim = c->dim;
  r->installed_ms = now_ms;
  atomic_store(&r->matched, 0);
  r->matched_seen = 0;
  value_text(&s[c->first], c->dim, r->value, sizeof r->value);
  atomic_store_explicit(&r->key, rule_key(c->hash, c->dim), memory_order_release);
  publish_mask(d);
  d->installed++;
  log_start(d, "rule_installed");
  log_rule(d, r);
  mm_buf_printf(&d->line, ",\"signature_rps\":%.1f,\"baseline_share\":%.4f", c->rate, c->share);
  log_end(d);
}

/* Find and install the signature of the excess the rules do not match yet.
 * False when none isolates it. */
static bool mitigate(mm__gw_ddos *d, const sample *s, size_t ns, uint64_t now_ms) {
  if (atomic_load(&d->n_rules) >= MM_GW_DDOS_RULES) return false;
  size_t nu = 0;
  for (size_t i = 0; i < ns; i++) nu += !s[i].matched;
  double excess = d->unmatched - d->mu;
  if (nu < MM_GW_DDOS_MIN_SAMPLES || excess <= 0) return false;
  candidate best[DIMS];
  bool have[DIMS];
  double top = 0;
  for (int k = 0; k < DIMS; k++) {
    have[k] = best_in_dim(d, k, s, ns, nu, excess, &best[k]);
    if (have[k] && best[k].excess > top) top = best[k].excess;
  }
  for (int k = 0; k < DIMS; k++)
    if (have[k] && best[k].excess >= NEAR_TIE * top) {
      install(d, &best[k], s, now_ms);
      return true;
    }
  return false;
}

static void remove_all(mm__gw_ddos *d, uint64_t now_ms) {
  for (int k = 0; k < MM_GW_DDOS_RULES; k++) {
    rule *r = &d->rules[k];
    if (!atomic_load(&r->key)) continue;
    atomic_store_explicit(&r->key, 0, memory_order_release);
    d->removed++;
    log_start(d, "rule_removed");
    log_rule(d, r);
    mm_buf_printf(&d->line, ",\"matched\":%" PRIu64 ",\"active_sec\":%" PRIu64,
                  (uint64_t)atomic_load(&r->matched), (now_ms - r->installed_ms) / 1000);
    log_end(d);
  }
  publish_mask(d);
}

/* ---- the tick -------------------------------------------------------------------------- */

/* The sampling stride for the next second: a power of two (a mask, not a
 * division, on the hot path) that keeps about MM_GW_DDOS_SAMPLES / 2
 * samples at last second's rate, leaving room for a rise. */
static uint64_t stride_mask_for(uint64_t last_second) {
  uint64_t stride = 1;
  while (stride < UINT64_C(1) << 40 && last_second / stride > MM_GW_DDOS_SAMPLES / 2) stride <<= 1;
  return stride - 1;
}

/* Swap the sample buffers; the closed second's samples and their count. */
static sample *swap_samples(mm__gw_ddos *d, size_t *n) {
  pthread_mutex_lock(&d->sample_lock);
  sample *closed = d->cur;
  *n = atomic_load(&d->n_cur);
  d->cur = closed == d->bufs[0] ? d->bufs[1] : d->bufs[0];
  atomic_store(&d->n_cur, 0);
  pthread_mutex_unlock(&d->sample_lock);
  return closed;
}

/* Requests/s the rules matched since the last tick. */
static double matched_rate(mm__gw_ddos *d, double secs) {
  uint64_t n = 0;
  for (int k = 0; k < MM_GW_DDOS_RULES; k++) {
    rule *r = &d->rules[k];
    if (!atomic_load(&r->key)) continue;
    uint64_t m = atomic_load(&r->matched);
    n += m - r->matched_seen;
    r->matched_seen = m;
  }
  return (double)n / secs;
}

static void episode_start(mm__gw_ddos *d) {
  d->attack = true;
  d->attacks++;
  d->calm_run = 0;
  d->no_sig_logged = false;
  log_start(d, "attack_started");
  log_end(d);
}

static void episode_end(mm__gw_ddos *d, uint64_t now_ms) {
  remove_all(d, now_ms);
  d->attack = false;
  d->over_run = 0;
  log_start(d, "attack_ended");
  log_end(d);
}

/* In an attack: rules for what is not matched yet; the episode ends after
 * hold_sec calm seconds. */
static void in_attack(mm__gw_ddos *d, bool over, const sample *s, size_t ns, double secs,
                      uint64_t now_ms) {
  if (!over) {
    learn_rate(d, d->unmatched, secs, 1);
    if (++d->calm_run >= d->cfg.hold_sec) episode_end(d, now_ms);
    return;
  }
  d->calm_run = 0;
  if (d->unmatched <= d->thr) {
    learn_rate(d, d->unmatched, secs, 1); /* the rules hold the attack: the rest is normal */
    return;
  }
  if (mitigate(d, s, ns, now_ms)) return;
  /* Nothing isolates the excess: a lasting rise becomes the baseline, slowly. */
  learn_rate(d, d->unmatched, secs, 0.1);
  d->unmitigated_sec++;
  if (!d->no_sig_logged) {
    d->no_sig_logged = true;
    log_start(d, "no_signature");
    log_end(d);
  }
}

static void evaluate(mm__gw_ddos *d, double secs, uint64_t n, const sample *s, size_t ns,
                     uint64_t now_ms) {
  bool learning = now_ms - d->start_ms < (uint64_t)d->cfg.learning_sec * 1000 || !d->have_baseline;
  d->thr = d->have_baseline ? threshold(d) : d->cfg.min_attack_rps;
  bool over = d->rate > d->thr;
  if (!learning && !d->attack) {
    d->over_run = over ? d->over_run + 1 : 0;
    if (d->over_run >= d->cfg.detect_sec) episode_start(d);
  }
  if (d->attack) {
    in_attack(d, over, s, ns, secs, now_ms);
  } else if (learning || !over) {
    learn_rate(d, d->rate, secs, 1);
    if (ns) learn_values(d, s, ns, (double)n / (double)ns, secs);
  }
}

void mm__gw_ddos_tick(mm__gw_ddos *d, uint64_t now_ms) {
  if (!d || d->cfg.mode == MM_GW_DDOS_OFF || pthread_mutex_trylock(&d->tick_lock) != 0) return;
  if (!d->started) {
    d->started = true;
    d->start_ms = d->last_ms = now_ms;
    atomic_store(&d->second_count, 0);
    size_t ns;
    swap_samples(d, &ns);
  } else if (now_ms >= d->last_ms + 1000) {
    double secs = (double)(now_ms - d->last_ms) / 1000.0;
    d->last_ms = now_ms;
    uint64_t n = atomic_exchange(&d->second_count, 0);
    size_t ns;
    const sample *s = swap_samples(d, &ns);
    d->rate = (double)n / secs;
    double m = matched_rate(d, secs);
    d->unmatched = d->rate > m ? d->rate - m : 0;
    d->requests += n;
    atomic_store(&d->stride_mask, stride_mask_for(n));
    evaluate(d, secs, n, s, ns, now_ms);
  }
  pthread_mutex_unlock(&d->tick_lock);
}

/* ---- making and freeing -------------------------------------------------------------------- */

static uint64_t random_seed(const void *salt) {
  uint64_t v = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &v, sizeof v) != (ssize_t)sizeof v) v = 0;
    close(fd);
  }
  return v ^ mm_hash(&salt, sizeof salt, (uint64_t)mm_time_now());
}

static bool resolve(mm__gw_ddos_config *c) {
  if (!c->learning_sec) c->learning_sec = MM_GW_DDOS_DEFAULT_LEARNING;
  if (c->factor == 0) c->factor = MM_GW_DDOS_DEFAULT_FACTOR;
  if (c->min_attack_rps == 0) c->min_attack_rps = MM_GW_DDOS_DEFAULT_MIN_RPS;
  if (!c->hold_sec) c->hold_sec = MM_GW_DDOS_DEFAULT_HOLD;
  if (!c->detect_sec) c->detect_sec = MM_GW_DDOS_DEFAULT_DETECT;
  if (!c->baseline_sec) c->baseline_sec = MM_GW_DDOS_DEFAULT_BASELINE;
  if (c->max_baseline_share == 0) c->max_baseline_share = MM_GW_DDOS_DEFAULT_SHARE;
  c->site[sizeof c->site - 1] = '\0';
  return c->factor >= 1 && c->min_attack_rps > 0 && c->max_baseline_share > 0 &&
         c->max_baseline_share <= 1 && (unsigned)c->mode <= MM_GW_DDOS_BLOCK;
}

mm__gw_ddos *mm__gw_ddos_new(const mm__gw_ddos_config *cfg) {
  mm__gw_ddos_config c = *cfg;
  if (!resolve(&c)) return NULL;
  mm__gw_ddos *d = mm_calloc(1, sizeof *d);
  if (!d) return NULL;
  if (pthread_mutex_init(&d->sample_lock, NULL) != 0) {
    mm_free(d);
    return NULL;
  }
  if (pthread_mutex_init(&d->tick_lock, NULL) != 0) {
    pthread_mutex_destroy(&d->sample_lock);
    mm_free(d);
    return NULL;
  }
  d->cfg = c;
  d->seed = random_seed(d);
  d->cur = d->bufs[0];
  atomic_init(&d->stride_mask, 0);
  return d;
}

void mm__gw_ddos_free(mm__gw_ddos *d) {
  if (!d) return;
  mm_buf_free(&d->line);
  pthread_mutex_destroy(&d->sample_lock);
  pthread_mutex_destroy(&d->tick_lock);
  mm_free(d);
}

/* ---- state and metrics ---------------------------------------------------------------------- */

/* Still learning at the last tick (tick_lock held). */
static bool learning_now(const mm__gw_ddos *d) {
  return !d->have_baseline || d->last_ms - d->start_ms < (uint64_t)d->cfg.learning_sec * 1000;
}

void mm__gw_ddos_state_get(mm__gw_ddos *d, mm__gw_ddos_state *out) {
  memset(out, 0, sizeof *out);
  if (!d) return;
  pthread_mutex_lock(&d->tick_lock);
  out->learning = learning_now(d);
  out->attack = d->attack;
  out->rate_rps = d->rate;
  out->baseline_rps = d->mu;
  out->deviation_rps = sqrt(d->var > 0 ? d->var : 0);
  out->threshold_rps = d->thr;
  for (int k = 0; k < MM_GW_DDOS_RULES; k++) {
    const rule *r = &d->rules[k];
    if (!atomic_load(&r->key)) continue;
    mm__gw_ddos_rule_info *i = &out->rules[out->n_rules++];
    i->dim = (mm__gw_ddos_dim)r->dim;
    memcpy(i->value, r->value, sizeof i->value);
    i->matched = atomic_load(&r->matched);
  }
  out->installed = d->installed;
  out->removed = d->removed;
  out->attacks = d->attacks;
  pthread_mutex_unlock(&d->tick_lock);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(mm_buf *out, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"')
      mm_buf_putc(out, '\\'), mm_buf_putc(out, *s);
    else if (*s == '\n')
      mm_buf_puts(out, "\\n");
    else
      mm_buf_putc(out, *s);
  }
}

typedef struct family {
  const char *name, *type, *help;
} family;

static const family families[] = {
    {"mamori_ddos_requests_total", "counter", "Requests the L7 DDoS detector saw."},
    {"mamori_ddos_rate_rps", "gauge", "Requests per second at the last evaluation."},
    {"mamori_ddos_baseline_rps", "gauge", "Learned baseline of requests per second."},
    {"mamori_ddos_threshold_rps", "gauge", "Rate above which traffic is an attack."},
    {"mamori_ddos_learning", "gauge", "1 while the baseline is being learned."},
    {"mamori_ddos_under_attack", "gauge", "1 while an attack episode is open."},
    {"mamori_ddos_attacks_total", "counter", "Attack episodes detected."},
    {"mamori_ddos_rules_installed_total", "counter", "Mitigation rules installed."},
    {"mamori_ddos_rules_removed_total", "counter", "Mitigation rules removed."},
    {"mamori_ddos_rules_active", "gauge", "Mitigation rules in place."},
    {"mamori_ddos_counted_total", "counter", "Requests a count-mode rule matched."},
    {"mamori_ddos_blocked_total", "counter", "Requests a block-mode rule blocked."},
    {"mamori_ddos_unmitigated_seconds_total", "counter",
     "Attack seconds no signature could isolate."},
    {"mamori_ddos_rule_matched_total", "counter", "Requests each active rule matched."},
};

static void site_sample(mm_buf *out, const char *name, mm__gw_ddos *d, double v) {
  mm_buf_printf(out, "%s{site=\"", name);
  label(out, d->cfg.site);
  mm_buf_printf(out, "\"} %.17g\n", v);
}

static void rule_samples(mm_buf *out, const char *name, mm__gw_ddos *d) {
  for (int k = 0; k < MM_GW_DDOS_RULES; k++) {
    const rule *r = &d->rules[k];
    if (!atomic_load(&r->key)) continue;
    mm_buf_printf(out, "%s{site=\"", name);
    label(out, d->cfg.site);
    mm_buf_printf(out, "\",rule=\"%" PRIu64 "\",dimension=\"%s\",value=\"", r->id,
                  dim_names[r->dim]);
    label(out, r->value);
    mm_buf_printf(out, "\"} %" PRIu64 "\n", (uint64_t)atomic_load(&r->matched));
  }
}

/* Family f's value for d (tick_lock held). */
static double family_value(mm__gw_ddos *d, size_t f) {
  switch (f) {
    case 0:
      return (double)(d->requests + atomic_load(&d->second_count));
    case 1:
      return d->rate;
    case 2:
      return d->mu;
    case 3:
      return d->thr;
    case 4:
      return learning_now(d);
    case 5:
      return d->attack;
    case 6:
      return (double)d->attacks;
    case 7:
      return (double)d->installed;
    case 8:
      return (double)d->removed;
    case 9:
      return atomic_load(&d->n_rules);
    case 10:
      return (double)atomic_load(&d->counted);
    case 11:
      return (double)atomic_load(&d->blocked);
    default:
      return (double)d->unmitigated_sec;
  }
}

int mm__gw_ddos_metrics_write(mm__gw_ddos *const *ds, size_t n, mm_buf *out) {
  const size_t nf = sizeof families / sizeof families[0];
  for (size_t f = 0; f < nf; f++) {
    mm_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", families[f].name, families[f].help,
                  families[f].name, families[f].type);
    for (size_t i = 0; i < n; i++) {
      mm__gw_ddos *d = ds[i];
      if (!d) continue;
      pthread_mutex_lock(&d->tick_lock);
      if (f == nf - 1)
        rule_samples(out, families[f].name, d);
      else
        site_sample(out, families[f].name, d, family_value(d, f));
      pthread_mutex_unlock(&d->tick_lock);
    }
  }
  return out->oom ? MM_ENOMEM : MM_OK;
}

int mm__gw_ddos_metrics(mm__gw_ddos *d, mm_buf *out) {
  return mm__gw_ddos_metrics_write(&d, 1, out);
}
