/*
 * metrics.c - the gateway's counters and their Prometheus text exposition
 * (served at the configured metrics_path to loopback clients).
 */
#include <inttypes.h>

#include "gateway/gw.h"

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

static void counter(mm_buf *out, const char *name, const char *help, uint64_t v) {
  mm_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name,
                v);
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
  mm_buf_puts(out,
              "# HELP mamori_origin_up Whether the health checks see the origin up.\n"
              "# TYPE mamori_origin_up gauge\n");
  for (size_t i = 0; i < cfg->n_sites; i++)
    for (size_t k = 0; k < cfg->sites[i].n_origins; k++)
      mm_buf_printf(out, "mamori_origin_up{site=\"%s\",origin=\"%s\"} %d\n", cfg->sites[i].name,
                    cfg->sites[i].origins[k].name, !atomic_load(&cfg->sites[i].origins[k].down));
  return MM_OK;
}
