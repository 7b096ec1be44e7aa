/*
 * waf_glue.c - the gateway's hand-off to the WAF engine: one loaded web ACL
 * per site, a pool of evaluation contexts (one is needed per thread at a
 * time), an in-process rate store per site, the country database shared by
 * all, and the translation of a decision into what the proxy does.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "gateway/redis_rate.h"
#include "mamori/alloc.h"
#include "mamori/waf.h"

#ifndef MM_WAF_MANAGED_DEFAULT
#define MM_WAF_MANAGED_DEFAULT "data/managed"
#endif

#define CTX_POOL  64     /* contexts kept for reuse: more than any worker count */
#define RATE_KEYS 100000 /* distinct rate-limit keys a site tracks */

struct mm__gw_waf {
  mm_waf_acl *acl;
  mm_waf_rate_store *rate;
  mm_waf_config cfg;
  uint8_t token_key[32];
  pthread_mutex_t lock;
  mm_waf_ctx *pool[CTX_POOL];
  size_t n_pool;
};

/* The country database is read once per process and never freed: every
 * site and every reload shares it. Absent (no tor-geoipdb): countries are
 * unknown and GeoMatch does not match. */
static pthread_once_t geo_once = PTHREAD_ONCE_INIT;
static mm_waf_geo *geo;

static void geo_open(void) {
  mm_error err;
  geo = mm_waf_geo_open_default(&err);
}

/* A random key per process: tokens do not survive a restart, which only
 * means clients solve the challenge again. */
static void random_key(uint8_t *key, size_t n) {
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, key, n) : -1;
  if (fd >= 0) close(fd);
  if (got != (ssize_t)n)
    for (size_t i = 0; i < n; i++) key[i] = (uint8_t)(i * 131 + (size_t)&geo_once);
}

static char *read_all(const char *path, size_t *len, mm_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    mm_error_set(err, MM_EIO, "cannot open web ACL %s", path);
    return NULL;
  }
  mm_buf b = MM_BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mm_buf_append(&b, chunk, n);
  fclose(f);
  if (b.oom) {
    mm_buf_free(&b);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  *len = b.len;
  return b.ptr ? b.ptr : mm_calloc(1, 1);
}

static mm_waf_rate_store *make_rate_store(const mm_gateway_config *cfg, const char *site,
                                          mm_error *err) {
  if (!cfg->rate_redis[0]) {
    mm_waf_rate_store *s = mm_waf_rate_store_memory(RATE_KEYS);
    if (!s) mm_error_set(err, MM_ENOMEM, "out of memory");
    return s;
  }
  char prefix[96];
  snprintf(prefix, sizeof prefix, "mamori:rate:%s:", site);
  mm__gw_redis_options o = {cfg->rate_redis, cfg->rate_timeout_ms, cfg->rate_retry_ms, prefix};
  return mm__gw_redis_rate_store_opts(&o, err);
}

mm_waf_rate_store *mm__gw_waf_rate(mm__gw_waf *w) { return w->rate; }

mm__gw_waf *mm__gw_waf_load(const char *acl_path, const mm_gateway_config *cfg, const char *site,
                            mm_error *err) {
  size_t len;
  char *text = read_all(acl_path, &len, err);
  if (!text) return NULL;
  mm__gw_waf *w = mm_calloc(1, sizeof *w);
  mm_waf_loader *l = mm_waf_loader_new();
  if (!w || !l) {
    mm_free(text);
    mm_free(w);
    mm_waf_loader_free(l);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  if (mm_waf_loader_set_managed_dir(l, MM_WAF_MANAGED_DEFAULT, err) == MM_OK)
    w->acl = mm_waf_acl_load(l, text, len, err);
  mm_waf_loader_free(l);
  mm_free(text);
  if (!w->acl) {
    mm_free(w);
    return NULL;
  }
  pthread_once(&geo_once, geo_open);
  w->rate = make_rate_store(cfg, site, err);
  if (!w->rate) {
    mm_waf_acl_free(w->acl);
    mm_free(w);
    return NULL;
  }
  random_key(w->token_key, sizeof w->token_key);
  w->cfg.geo = geo;
  w->cfg.rate = w->rate;
  w->cfg.token_key = (mm_str){(const char *)w->token_key, sizeof w->token_key};
  pthread_mutex_init(&w->lock, NULL);
  return w;
}

void mm__gw_waf_free(mm__gw_waf *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n_pool; i++) mm_waf_ctx_free(w->pool[i]);
  mm_waf_acl_free(w->acl);
  mm_waf_rate_store_free(w->rate);
  pthread_mutex_destroy(&w->lock);
  mm_free(w);
}

static mm_waf_ctx *ctx_take(mm__gw_waf *w) {
  pthread_mutex_lock(&w->lock);
  mm_waf_ctx *c = w->n_pool ? w->pool[--w->n_pool] : NULL;
  pthread_mutex_unlock(&w->lock);
  return c ? c : mm_waf_ctx_new(w->acl, &w->cfg);
}

static void ctx_give(mm__gw_waf *w, mm_waf_ctx *c) {
  pthread_mutex_lock(&w->lock);
  if (w->n_pool < CTX_POOL) w->pool[w->n_pool++] = c, c = NULL;
  pthread_mutex_unlock(&w->lock);
  mm_waf_ctx_free(c);
}

static void put_headers(mm_buf *out, const mm_waf_header *h, size_t n) {
  for (size_t i = 0; i < n; i++)
    mm_buf_printf(out, "%.*s: %.*s\r\n", (int)h[i].name.len, h[i].name.ptr, (int)h[i].value.len,
                  h[i].value.ptr);
}

/* Labels travel to the origin in one header, as a comma-separated list, so
 * that the application can act on what the web ACL saw. */
static void put_labels(mm_buf *out, const mm_waf_result *r) {
  if (!r->n_labels) return;
  mm_buf_puts(out, "x-mamori-waf-labels: ");
  for (size_t i = 0; i < r->n_labels; i++)
    mm_buf_printf(out, "%s%.*s", i ? "," : "", (int)r->labels[i].len, r->labels[i].ptr);
  mm_buf_puts(out, "\r\n");
}

mm_str mm__gw_waf_key(const mm__gw_waf *w) {
  return (mm_str){(const char *)w->token_key, sizeof w->token_key};
}

static mm_str host_of(const mm_http_head *head) {
  for (size_t i = 0; i < head->n_headers; i++)
    if (mm_str_ieq(head->headers[i].name, MM_STR("Host"))) return head->headers[i].value;
  return (mm_str){"", 0};
}

int mm__gw_waf_inspect(mm__gw_waf *w, const mm_http_head *head, mm_str body, mm_str client_ip,
                       const mm_waf_tls_hello *tls, mm__gw_waf_result *res, mm_buf *log) {
  mm_waf_ctx *ctx = ctx_take(w);
  if (!ctx) return MM_ENOMEM;
  mm_waf_request req = {.method = head->method,
                        .uri = head->uri,
                        .version = head->version,
                        .headers = head->headers,
                        .n_headers = head->n_headers,
                        .body = body,
                        .body_length = body.len,
                        .client_ip = client_ip,
                        .tls = tls};
  mm_waf_result r;
  int rc = mm_waf_evaluate(ctx, &req, &r);
  if (rc == MM_OK) {
    for (size_t i = 0; i < r.n_hits; i++)
      if (r.hits[i].action == MM_WAF_COUNT) res->counted = true;
    for (size_t i = 0; i < r.n_labels && res->n_labels < MM_GW_BLOCK_LABELS; i++)
      snprintf(res->labels[res->n_labels++], sizeof res->labels[0], "%.*s", (int)r.labels[i].len,
               r.labels[i].ptr);
    if (r.action == MM_WAF_ALLOW) {
      put_headers(&res->headers, r.inserted_headers, r.n_inserted_headers);
      put_labels(&res->headers, &r);
    } else if (r.action == MM_WAF_CAPTCHA || r.action == MM_WAF_CHALLENGE) {
      res->block = true;
      res->status = r.response_code;
      snprintf(res->rule, sizeof res->rule, "%.*s", (int)r.terminating_rule.len,
               r.terminating_rule.ptr);
      snprintf(res->content_type, sizeof res->content_type, "text/html; charset=utf-8");
      mm__gw_interstitial_page(mm__gw_waf_key(w), r.action == MM_WAF_CAPTCHA, client_ip,
                               host_of(head), head->uri, &res->body);
    } else {
      res->block = true;
      res->status = r.response_code ? r.response_code : 403;
      snprintf(res->rule, sizeof res->rule, "%.*s", (int)r.terminating_rule.len,
               r.terminating_rule.ptr);
      snprintf(res->content_type, sizeof res->content_type, "%.*s",
               (int)r.response_content_type.len, r.response_content_type.ptr);
      mm_buf_append(&res->body, r.response_body.ptr, r.response_body.len);
      put_headers(&res->headers, r.response_headers, r.n_response_headers);
    }
    if (log && mm_waf_log_record(w->acl, &req, &r, log) == MM_OK) mm_buf_putc(log, '\n');
  }
  ctx_give(w, ctx);
  return rc;
}
