/*
 * metrics.c - the gateway's counters and their Prometheus text exposition
 * (served at the configured metrics_path to loopback clients).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gateway/ddos.h"
#include "gateway/gw.h"
#include "gateway/redis_rate.h"

/* Latency bucket upper bounds, microseconds (Prometheus "le"). */
static const uint64_t bounds_us[MM_GW_LATENCY_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};

void mm__gw_metrics_observe(mm__gw_metrics *m, int status, uint64_t latency_us) {
  atomic_fetch_add(&m->requests, 1);
  if (status >= 100 && status < 600) atomic_fetch_add(&m->status[status / 100], 1);
  for (int i = 0; i < MM_GW_LATENCY_BUCKETS; i++)
    if (latency_us <= bounds_us[i]) atomic_fetch_add(&m->latency[i], 1);
  atomic_fetch_add(&m->latency[MM_GW_LATENCY_BUCKETS], 1);
  atomic_fetch_add(&m->latency_sum_us, latency_us);
}

static mm__gw_named_count *find_name(mm__gw_named_count *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}

/* The last slot is kept for "other", so that a flood of distinct names
 * cannot grow the exposition without bound. */
static void count_name(mm__gw_named_count *t, size_t *n, const char *name) {
  mm__gw_named_count *e = find_name(t, *n, name);
  if (!e && *n >= MM_GW_METRIC_NAMES - 1) e = find_name(t, *n, name = "other");
  if (!e) {
    e = &t[(*n)++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->n = 0;
  }
  e->n++;
}

void mm__gw_metrics_block(mm__gw_metrics *m, const char *rule, const char *const *labels,
                          size_t n_labels) {
  pthread_mutex_lock(&m->names_lock);
  count_name(m->by_rule, &m->n_rules, rule);
  for (size_t i = 0; i < n_labels; i++) count_name(m->by_label, &m->n_labels, labels[i]);
  pthread_mutex_unlock(&m->names_lock);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label_value(mm_buf *out, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"') mm_buf_putc(out, '\\');
    if (*v == '\n') {
      mm_buf_puts(out, "\\n");
      continue;
    }
    mm_buf_putc(out, *v);
  }
}

static void named_counts(mm_buf *out, const char *metric, const char *help, const char *label,
                         const mm__gw_named_count *t, size_t n) {
  mm_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
  for (size_t i = 0; i < n; i++) {
    mm_buf_printf(out, "%s{%s=\"", metric, label);
    label_value(out, t[i].name);
    mm_buf_printf(out, "\"} %" PRIu64 "\n", t[i].n);
  }
}

static void counter(mm_buf *out, const char *name, const char *help, uint64_t v) {
  mm_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name,
                v);
}

/* The sites' DDoS detectors and Redis rate stores, one family each. */
static void site_metrics(const mm_gateway_config *cfg, mm_buf *out) {
  mm__gw_ddos *ds[MM_GW_MAX_SITES];
  mm_waf_rate_store *stores[MM_GW_MAX_SITES];
  const char *names[MM_GW_MAX_SITES];
  size_t nd = 0, ns = 0;
  for (size_t i = 0; i < cfg->n_sites; i++) {
    if (cfg->sites[i].ddos) ds[nd++] = cfg->sites[i].ddos;
    if (cfg->sites[i].waf) {
      stores[ns] = mm__gw_waf_rate(cfg->sites[i].waf);
      names[ns++] = cfg->sites[i].name;
    }
  }
  if (nd) mm__gw_ddos_metrics_write(ds, nd, out);
  if (ns) mm__gw_redis_metrics_write(stores, names, ns, out);
}

int mm__gw_metrics_write(const mm__gw_metrics *m, const mm_gateway_config *cfg, mm_buf *out) {
  static const char *const tiers[] = {"Compliant", "Acceptable", "Ambiguous", "Severe"};
  counter(out, "mamori_requests_total", "Requests answered.", atomic_load(&m->requests));
  mm_buf_puts(out,
              "# HELP mamori_responses_total Responses by status class.\n"
              "# TYPE mamori_responses_total counter\n");
  for (int i = 1; i <= 5; i++)
    mm_buf_printf(out, "mamori_responses_total{class=\"%dxx\"} %" PRIu64 "\n", i,
                  (uint64_t)atomic_load(&m->status[i]));
  counter(out, "mamori_waf_blocked_total", "Requests the web ACL blocked.",
          atomic_load(&m->waf_blocked));
  pthread_mutex_lock((pthread_mutex_t *)&m->names_lock);
  named_counts(out, "mamori_waf_blocked_by_rule_total", "Blocked requests by terminating rule.",
               "rule", m->by_rule, m->n_rules);
  named_counts(out, "mamori_waf_blocked_by_label_total", "Blocked requests by label.", "label",
               m->by_label, m->n_labels);
  pthread_mutex_unlock((pthread_mutex_t *)&m->names_lock);
  counter(out, "mamori_waf_counted_total", "Requests a Count rule matched.",
          atomic_load(&m->waf_counted));
  mm_buf_puts(out,
              "# HELP mamori_desync_requests_total Requests by desync classification.\n"
              "# TYPE mamori_desync_requests_total counter\n");
  for (int i = 0; i < 4; i++)
    mm_buf_printf(out, "mamori_desync_requests_total{tier=\"%s\"} %" PRIu64 "\n", tiers[i],
                  (uint64_t)atomic_load(&m->desync[i]));
  counter(out, "mamori_desync_rejected_total", "Requests refused by the mitigation mode.",
          atomic_load(&m->desync_rejected));
  counter(out, "mamori_origin_errors_total", "Origin connect, send or read failures.",
          atomic_load(&m->origin_errors));
  counter(out, "mamori_origin_failovers_total", "Requests sent on to the next origin.",
          atomic_load(&m->origin_failovers));
  counter(out, "mamori_timeouts_total", "Connections closed for a timeout.",
          atomic_load(&m->timeouts));
  counter(out, "mamori_per_ip_refused_total", "Connections refused over the per-IP cap.",
          atomic_load(&m->per_ip_refused));
  mm_buf_printf(out,
                "# HELP mamori_connections Open client connections.\n# TYPE mamori_connections "
                "gauge\nmamori_connections %" PRIu64 "\n",
                (uint64_t)atomic_load(&m->connections));
  mm_buf_puts(out,
              "# HELP mamori_request_duration_seconds Time from head to response.\n"
              "# TYPE mamori_request_duration_seconds histogram\n");
  for (int i = 0; i < MM_GW_LATENCY_BUCKETS; i++)
    mm_buf_printf(out, "mamori_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                  (double)bounds_us[i] / 1e6, (uint64_t)atomic_load(&m->latency[i]));
  uint64_t count = atomic_load(&m->latency[MM_GW_LATENCY_BUCKETS]);
  mm_buf_printf(out,
                "mamori_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64
                "\nmamori_request_duration_seconds_sum %g\nmamori_request_duration_seconds_count "
                "%" PRIu64 "\n",
                count, (double)atomic_load(&m->latency_sum_us) / 1e6, count);
  counter(out, "mamori_ddos_blocked_total", "Requests blocked by automatic DDoS mitigation.",
          atomic_load(&m->ddos_blocked));
  site_metrics(cfg, out);
  mm_buf_puts(out,
              "# HELP mamori_origin_up Whether the health checks see the origin up.\n"
              "# TYPE mamori_origin_up gauge\n");
  for (size_t i = 0; i < cfg->n_sites; i++)
    for (size_t k = 0; k < cfg->sites[i].n_origins; k++)
      mm_buf_printf(out, "mamori_origin_up{site=\"%s\",origin=\"%s\"} %d\n", cfg->sites[i].name,
                    cfg->sites[i].origins[k].name, !atomic_load(&cfg->sites[i].origins[k].down));
  return MM_OK;
}
