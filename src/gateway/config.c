/*
 * config.c - the gateway's JSON configuration (docs/gateway.md): parsed
 * and validated whole before anything uses it, so that a bad reload leaves
 * the running configuration serving.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/ddos.h"
#include "gateway/gw.h"
#include "mamori/alloc.h"
#include "mamori/json.h"

/* ---- addresses -------------------------------------------------------------- */

int mm__gw_parse_addr(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                      mm_error *err) {
  char host[128];
  const char *colon = strrchr(text, ':');
  if (!colon || colon == text || strlen(colon + 1) == 0)
    return mm_error_set(err, MM_EINVAL, "'%s' is not host:port", text);
  size_t hlen = (size_t)(colon - text);
  if (text[0] == '[' && hlen >= 2 && text[hlen - 1] == ']') text++, hlen -= 2;
  if (hlen >= sizeof host) return mm_error_set(err, MM_EINVAL, "host too long in '%s'", text);
  memcpy(host, text, hlen);
  host[hlen] = '\0';
  char *end;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (*end || port > 65535) return mm_error_set(err, MM_EINVAL, "bad port in '%s'", text);
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *len = sizeof *v6;
  } else {
    return mm_error_set(err, MM_EINVAL, "'%s' is not an IP address (names are not resolved)", host);
  }
  return MM_OK;
}

/* ---- helpers ------------------------------------------------------------------ */

static int bad(mm_error *err, const char *path, const char *msg) {
  mm_error_set(err, MM_EINVAL, "%s", msg);
  mm_error_set_path(err, path);
  return MM_EINVAL;
}

static int copy_string(const mm_json_value *v, const char *path, char *dst, size_t size,
                       mm_error *err) {
  if (!v) return MM_OK;
  if (!mm_json_is_string(v)) return bad(err, path, "must be a string");
  if (mm_json_len(v) >= size) return bad(err, path, "too long");
  memcpy(dst, mm_json_str(v), mm_json_len(v) + 1);
  return MM_OK;
}

/* A relative path is taken from the config file's folder. */
static int copy_path(const mm_json_value *v, const char *path, const char *base, char *dst,
                     size_t size, mm_error *err) {
  char tmp[512] = "";
  int rc = copy_string(v, path, tmp, sizeof tmp, err);
  if (rc != MM_OK || !tmp[0]) return rc;
  int n = (tmp[0] == '/' || strcmp(tmp, "-") == 0 || !base || !base[0])
              ? snprintf(dst, size, "%s", tmp)
              : snprintf(dst, size, "%s/%s", base, tmp);
  return n > 0 && (size_t)n < size ? MM_OK : bad(err, path, "path too long");
}

static int get_u32(const mm_json_value *obj, const char *key, const char *path, uint32_t *out,
                   mm_error *err) {
  const mm_json_value *v = mm_json_get(obj, key);
  uint64_t n;
  if (!v) return MM_OK;
  if (mm_json_get_uint64(v, &n) != MM_OK || n > UINT32_MAX)
    return bad(err, path, "must be a non-negative integer below 2^32");
  *out = (uint32_t)n;
  return MM_OK;
}

static int get_size(const mm_json_value *obj, const char *key, const char *path, size_t *out,
                    mm_error *err) {
  uint32_t n = (uint32_t)*out;
  int rc = get_u32(obj, key, path, &n, err);
  *out = n;
  return rc;
}

static int check_keys(const mm_json_value *obj, const char *path, const char *const *allowed,
                      mm_error *err) {
  if (!mm_json_is_object(obj)) return bad(err, path, "must be an object");
  mm_json_iter it = mm_json_iter_init(obj);
  const mm_json_value *k;
  while (mm_json_iter_next(&it, &k, NULL)) {
    bool known = false;
    for (size_t i = 0; allowed[i] && !known; i++) known = strcmp(mm_json_str(k), allowed[i]) == 0;
    if (!known) {
      char p[256];
      snprintf(p, sizeof p, "%s.%s", path, mm_json_str(k));
      return bad(err, p, "unknown member");
    }
  }
  return MM_OK;
}

/* ---- sections ------------------------------------------------------------------ */

static int parse_limits(const mm_json_value *v, mm__gw_limits *l, mm_error *err) {
  static const char *const keys[] = {"header_bytes",       "headers",           "body_bytes",
                                     "connections_per_ip", "header_timeout_ms", "body_timeout_ms",
                                     "idle_timeout_ms",    "origin_timeout_ms", NULL};
  if (!v) return MM_OK;
  int rc = check_keys(v, "$.limits", keys, err);
  if (rc == MM_OK) rc = get_size(v, "header_bytes", "$.limits.header_bytes", &l->head_bytes, err);
  if (rc == MM_OK) rc = get_size(v, "headers", "$.limits.headers", &l->headers, err);
  if (rc == MM_OK) rc = get_size(v, "body_bytes", "$.limits.body_bytes", &l->body_bytes, err);
  if (rc == MM_OK)
    rc = get_size(v, "connections_per_ip", "$.limits.connections_per_ip", &l->per_ip, err);
  if (rc == MM_OK)
    rc = get_u32(v, "header_timeout_ms", "$.limits.header_timeout_ms", &l->header_timeout_ms, err);
  if (rc == MM_OK)
    rc = get_u32(v, "body_timeout_ms", "$.limits.body_timeout_ms", &l->body_timeout_ms, err);
  if (rc == MM_OK)
    rc = get_u32(v, "idle_timeout_ms", "$.limits.idle_timeout_ms", &l->idle_timeout_ms, err);
  if (rc == MM_OK)
    rc = get_u32(v, "origin_timeout_ms", "$.limits.origin_timeout_ms", &l->origin_timeout_ms, err);
  if (rc == MM_OK && (l->head_bytes < 1024 || l->headers < 8 || l->headers > 10000))
    return bad(err, "$.limits", "header_bytes must be >= 1024 and headers 8..10000");
  return rc;
}

static int parse_hosts(const mm_json_value *v, const char *path, mm__gw_site *s, mm_error *err) {
  size_t n = v ? mm_json_len(v) : 0;
  if (v && (!mm_json_is_array(v) || n == 0)) return bad(err, path, "must be a non-empty array");
  s->hosts = mm_calloc(n ? n : 1, sizeof *s->hosts);
  if (!s->hosts) return mm_error_set(err, MM_ENOMEM, "out of memory");
  if (!v) {
    s->hosts[0] = mm_strndup("*", 1);
    s->n_hosts = s->hosts[0] ? 1 : 0;
    return s->n_hosts ? MM_OK : mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *h;
  while (mm_json_iter_next(&it, NULL, &h)) {
    if (!mm_json_is_string(h) || mm_json_len(h) == 0) return bad(err, path, "hosts are strings");
    char *copy = mm_strndup(mm_json_str(h), mm_json_len(h));
    if (!copy) return mm_error_set(err, MM_ENOMEM, "out of memory");
    for (char *c = copy; *c; c++) *c = mm_ascii_lower(*c);
    s->hosts[s->n_hosts++] = copy;
  }
  return MM_OK;
}

static int parse_origins(const mm_json_value *v, const char *path, mm__gw_site *s, mm_error *err) {
  if (!mm_json_is_array(v) || mm_json_len(v) == 0)
    return bad(err, path, "must be a non-empty array of \"host:port\"");
  if (mm_json_len(v) > MM_GW_MAX_ORIGINS) return bad(err, path, "more than 16 origins");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *o;
  while (mm_json_iter_next(&it, NULL, &o)) {
    mm__gw_origin *dst = &s->origins[s->n_origins];
    if (copy_string(o, path, dst->name, sizeof dst->name, err) != MM_OK || !mm_json_is_string(o))
      return bad(err, path, "origins are \"host:port\" strings");
    if (mm__gw_parse_addr(dst->name, &dst->addr, &dst->addr_len, err) != MM_OK) {
      mm_error_set_path(err, path);
      return MM_EINVAL;
    }
    atomic_init(&dst->down, false);
    s->n_origins++;
  }
  return MM_OK;
}

/* "tls": {"cert": PEM chain, "key": PEM key, "ocsp": DER OCSP response}. */
static int parse_site_tls(const mm_json_value *v, const char *site_path, const char *base,
                          mm__gw_site *s, mm_error *err) {
  static const char *const keys[] = {"cert", "key", "ocsp", NULL};
  char path[160], cert[512] = "", key[512] = "", ocsp[512] = "";
  snprintf(path, sizeof path, "%s.tls", site_path);
  int rc = check_keys(v, path, keys, err);
  if (rc == MM_OK) rc = copy_path(mm_json_get(v, "cert"), path, base, cert, sizeof cert, err);
  if (rc == MM_OK) rc = copy_path(mm_json_get(v, "key"), path, base, key, sizeof key, err);
  if (rc == MM_OK) rc = copy_path(mm_json_get(v, "ocsp"), path, base, ocsp, sizeof ocsp, err);
  if (rc == MM_OK && (!cert[0] || !key[0])) rc = bad(err, path, "needs cert and key");
  if (rc == MM_OK && mm__gw_tls_site(s, cert, key, ocsp, err) != MM_OK) {
    mm_error_set_path(err, path);
    rc = MM_EINVAL;
  }
  return rc;
}

static int get_double(const mm_json_value *obj, const char *key, const char *path, double *out,
                      mm_error *err) {
  const mm_json_value *v = mm_json_get(obj, key);
  if (!v) return MM_OK;
  if (mm_json_get_double(v, out) != MM_OK || *out < 0)
    return bad(err, path, "must be a number >= 0");
  return MM_OK;
}

/* "ddos": {"mode": "off"|"count"|"block", "learning_sec", "factor",
 * "min_attack_rps", "hold_sec", "detect_sec", "baseline_sec",
 * "max_baseline_share"} (docs/gateway.md). */
static int parse_site_ddos(const mm_json_value *v, const char *site_path, mm__gw_site *s,
                           mm_error *err) {
  static const char *const keys[] = {"mode",           "learning_sec",       "factor",
                                     "min_attack_rps", "hold_sec",           "detect_sec",
                                     "baseline_sec",   "max_baseline_share", NULL};
  char path[160];
  snprintf(path, sizeof path, "%s.ddos", site_path);
  int rc = check_keys(v, path, keys, err);
  if (rc != MM_OK) return rc;
  mm__gw_ddos_config c = {0};
  snprintf(c.site, sizeof c.site, "%s", s->name);
  mm_str mode = mm_json_get_str(mm_json_get(v, "mode"));
  if (mm_str_eq(mode, MM_STR("block")))
    c.mode = MM_GW_DDOS_BLOCK;
  else if (mm_str_eq(mode, MM_STR("count")))
    c.mode = MM_GW_DDOS_COUNT;
  else if (mm_str_eq(mode, MM_STR("off")))
    return MM_OK;
  else
    return bad(err, path, "mode must be \"off\", \"count\" or \"block\"");
  rc = get_u32(v, "learning_sec", path, &c.learning_sec, err);
  if (rc == MM_OK) rc = get_double(v, "factor", path, &c.factor, err);
  if (rc == MM_OK) rc = get_double(v, "min_attack_rps", path, &c.min_attack_rps, err);
  if (rc == MM_OK) rc = get_u32(v, "hold_sec", path, &c.hold_sec, err);
  if (rc == MM_OK) rc = get_u32(v, "detect_sec", path, &c.detect_sec, err);
  if (rc == MM_OK) rc = get_u32(v, "baseline_sec", path, &c.baseline_sec, err);
  if (rc == MM_OK) rc = get_double(v, "max_baseline_share", path, &c.max_baseline_share, err);
  if (rc == MM_OK && !(s->ddos = mm__gw_ddos_new(&c)))
    rc = bad(err, path, "factor must be >= 1 and max_baseline_share in (0, 1]");
  return rc;
}

static int parse_site(const mm_json_value *v, size_t index, const char *base, mm__gw_site *s,
                      const mm_gateway_config *cfg, mm_error *err) {
  static const char *const keys[] = {"name",         "hosts", "origins", "web_acl",
                                     "health_check", "tls",   "ddos",    NULL};
  char path[96], sub[128];
  snprintf(path, sizeof path, "$.sites[%zu]", index);
  int rc = check_keys(v, path, keys, err);
  snprintf(s->name, sizeof s->name, "site%zu", index);
  snprintf(sub, sizeof sub, "%s.name", path);
  if (rc == MM_OK) rc = copy_string(mm_json_get(v, "name"), sub, s->name, sizeof s->name, err);
  snprintf(sub, sizeof sub, "%s.hosts", path);
  if (rc == MM_OK) rc = parse_hosts(mm_json_get(v, "hosts"), sub, s, err);
  snprintf(sub, sizeof sub, "%s.origins", path);
  if (rc == MM_OK) rc = parse_origins(mm_json_get(v, "origins"), sub, s, err);
  const mm_json_value *hc = mm_json_get(v, "health_check");
  if (rc == MM_OK && hc) {
    static const char *const hkeys[] = {"path", "interval_ms", NULL};
    snprintf(sub, sizeof sub, "%s.health_check", path);
    s->health_interval_ms = 5000;
    rc = check_keys(hc, sub, hkeys, err);
    if (rc == MM_OK)
      rc = copy_string(mm_json_get(hc, "path"), sub, s->health_path, sizeof s->health_path, err);
    if (rc == MM_OK) rc = get_u32(hc, "interval_ms", sub, &s->health_interval_ms, err);
    if (rc == MM_OK && (s->health_path[0] != '/' || s->health_interval_ms < 100))
      rc = bad(err, sub, "needs a path starting with '/' and interval_ms >= 100");
  }
  const mm_json_value *tls = mm_json_get(v, "tls");
  if (rc == MM_OK && tls) rc = parse_site_tls(tls, path, base, s, err);
  char acl[512] = "";
  snprintf(sub, sizeof sub, "%s.web_acl", path);
  if (rc == MM_OK) rc = copy_path(mm_json_get(v, "web_acl"), sub, base, acl, sizeof acl, err);
  const mm_json_value *ddos = mm_json_get(v, "ddos");
  if (rc == MM_OK && ddos) rc = parse_site_ddos(ddos, path, s, err);
  if (rc == MM_OK && acl[0]) {
    s->waf = mm__gw_waf_load(acl, cfg, s->name, err);
    if (!s->waf) {
      if (!err->path[0]) mm_error_set_path(err, sub);
      rc = err->code ? err->code : MM_EINVAL;
    }
  }
  return rc;
}

/* "rate_store": {"redis": "host:port", "timeout_ms": 5, "retry_ms": 1000}:
 * rate-based rules count in Redis, shared by every gateway using it. */
static int parse_rate_store(const mm_json_value *v, mm_gateway_config *c, mm_error *err) {
  static const char *const keys[] = {"redis", "timeout_ms", "retry_ms", NULL};
  if (!v) return MM_OK;
  int rc = check_keys(v, "$.rate_store", keys, err);
  if (rc == MM_OK)
    rc = copy_string(mm_json_get(v, "redis"), "$.rate_store.redis", c->rate_redis,
                     sizeof c->rate_redis, err);
  if (rc == MM_OK)
    rc = get_u32(v, "timeout_ms", "$.rate_store.timeout_ms", &c->rate_timeout_ms, err);
  if (rc == MM_OK) rc = get_u32(v, "retry_ms", "$.rate_store.retry_ms", &c->rate_retry_ms, err);
  struct sockaddr_storage ss;
  socklen_t sl;
  if (rc == MM_OK &&
      (!c->rate_redis[0] || mm__gw_parse_addr(c->rate_redis, &ss, &sl, err) != MM_OK))
    rc = bad(err, "$.rate_store.redis", "needs a \"host:port\" address");
  return rc;
}

static void free_sites(mm_gateway_config *c) {
  for (size_t i = 0; i < c->n_sites; i++) {
    mm__gw_site *s = &c->sites[i];
    for (size_t h = 0; h < s->n_hosts; h++) mm_free(s->hosts[h]);
    mm_free(s->hosts);
    mm__gw_waf_free(s->waf);
    mm__gw_ddos_free(s->ddos);
    mm__gw_tls_free_site(s);
  }
  mm__gw_tls_free_config(c);
}

static int parse_root(const mm_json_value *root, const char *base, mm_gateway_config *c,
                      mm_error *err) {
  static const char *const keys[] = {"listen",      "tls_listen", "workers", "desync_mode",
                                     "limits",      "access_log", "waf_log", "metrics_path",
                                     "demo_origin", "rate_store", "sites",   NULL};
  int rc = check_keys(root, "$", keys, err);
  if (rc != MM_OK) return rc;
  snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
  rc = copy_string(mm_json_get(root, "listen"), "$.listen", c->listen, sizeof c->listen, err);
  if (rc == MM_OK && mm__gw_parse_addr(c->listen, &c->listen_addr, &c->listen_len, err) != MM_OK)
    rc = bad(err, "$.listen", err->msg);
  if (rc == MM_OK) rc = get_u32(root, "workers", "$.workers", &c->workers, err);
  if (rc == MM_OK && c->workers > MM_GW_MAX_WORKERS) rc = bad(err, "$.workers", "at most 64");
  const mm_json_value *mode = mm_json_get(root, "desync_mode");
  if (rc == MM_OK && mode && mm_http_mode_parse(mm_json_get_str(mode), &c->desync_mode) != MM_OK)
    rc = bad(err, "$.desync_mode", "must be \"monitor\", \"defensive\" or \"strictest\"");
  if (rc == MM_OK) rc = parse_limits(mm_json_get(root, "limits"), &c->limits, err);
  if (rc == MM_OK)
    rc = copy_path(mm_json_get(root, "access_log"), "$.access_log", base, c->access_log,
                   sizeof c->access_log, err);
  if (rc == MM_OK)
    rc = copy_path(mm_json_get(root, "waf_log"), "$.waf_log", base, c->waf_log, sizeof c->waf_log,
                   err);
  if (rc == MM_OK)
    rc = copy_string(mm_json_get(root, "metrics_path"), "$.metrics_path", c->metrics_path,
                     sizeof c->metrics_path, err);
  if (rc == MM_OK)
    rc = copy_string(mm_json_get(root, "demo_origin"), "$.demo_origin", c->demo_origin,
                     sizeof c->demo_origin, err);
  if (rc == MM_OK) rc = parse_rate_store(mm_json_get(root, "rate_store"), c, err);
  const mm_json_value *sites = mm_json_get(root, "sites");
  if (rc == MM_OK && (!mm_json_is_array(sites) || mm_json_len(sites) == 0))
    rc = bad(err, "$.sites", "must be a non-empty array");
  if (rc == MM_OK && mm_json_len(sites) > MM_GW_MAX_SITES) rc = bad(err, "$.sites", "too many");
  mm_json_iter it = mm_json_iter_init(rc == MM_OK ? sites : NULL);
  const mm_json_value *s;
  while (rc == MM_OK && mm_json_iter_next(&it, NULL, &s)) {
    rc = parse_site(s, c->n_sites, base, &c->sites[c->n_sites], c, err);
    c->n_sites++;
  }
  if (rc == MM_OK)
    rc = copy_string(mm_json_get(root, "tls_listen"), "$.tls_listen", c->tls_listen,
                     sizeof c->tls_listen, err);
  if (rc == MM_OK && c->tls_listen[0]) {
    if (mm__gw_parse_addr(c->tls_listen, &c->tls_addr, &c->tls_len, err) != MM_OK)
      rc = bad(err, "$.tls_listen", err->msg);
    else if (mm__gw_tls_config(c, err) != MM_OK)
      mm_error_set_path(err, "$.tls_listen"), rc = MM_EINVAL;
  }
  return rc;
}

mm_gateway_config *mm_gateway_config_parse(const char *json, size_t len, const char *base_dir,
                                           mm_error *err) {
  mm_error_clear(err);
  mm_json_doc *doc = mm_json_parse(json, len, NULL, err);
  if (!doc) return NULL;
  mm_gateway_config *c = mm_calloc(1, sizeof *c);
  if (!c) {
    mm_json_doc_free(doc);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  atomic_init(&c->refs, 1);
  c->desync_mode = MM_HTTP_MODE_DEFENSIVE;
  c->limits = (mm__gw_limits){MM_GW_HEAD_BYTES,   MM_GW_HEADERS,        MM_GW_BODY_BYTES,
                              MM_GW_PER_IP,       MM_GW_HEADER_TIMEOUT, MM_GW_BODY_TIMEOUT,
                              MM_GW_IDLE_TIMEOUT, MM_GW_ORIGIN_TIMEOUT};
  int rc = parse_root(mm_json_doc_root(doc), base_dir, c, err);
  mm_json_doc_free(doc);
  if (rc != MM_OK) {
    free_sites(c);
    mm_free(c);
    return NULL;
  }
  return c;
}

mm_gateway_config *mm_gateway_config_load(const char *path, mm_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    mm_error_set(err, MM_EIO, "cannot open %s", path);
    return NULL;
  }
  mm_buf b = MM_BUF_INIT;
  char chunk[65536];
  size_t n;
  int rc = MM_OK;
  while (rc == MM_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = mm_buf_append(&b, chunk, n);
  fclose(f);
  if (rc != MM_OK) {
    mm_buf_free(&b);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  char base[512];
  const char *slash = strrchr(path, '/');
  snprintf(base, sizeof base, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  mm_gateway_config *c = mm_gateway_config_parse(b.ptr ? b.ptr : "", b.len, base, err);
  mm_buf_free(&b);
  return c;
}

mm_gateway_config *mm__gw_config_ref(mm_gateway_config *c) {
  atomic_fetch_add(&c->refs, 1);
  return c;
}

void mm__gw_config_unref(mm_gateway_config *c) {
  if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
    free_sites(c);
    mm_free(c);
  }
}

void mm_gateway_config_free(mm_gateway_config *c) { mm__gw_config_unref(c); }

/* "*" matches every host, "*.example.com" every subdomain of example.com. */
static bool host_matches(const char *pattern, mm_str host) {
  if (strcmp(pattern, "*") == 0) return true;
  if (pattern[0] == '*' && pattern[1] == '.') {
    mm_str suffix = mm_str_from(pattern + 1);
    return host.len > suffix.len && mm_str_has_suffix(host, suffix);
  }
  return mm_str_eq(host, mm_str_from(pattern));
}

const mm__gw_site *mm__gw_site_for(const mm_gateway_config *c, mm_str host) {
  char lower[256];
  size_t n = 0;
  /* strip the port, lower-case */
  const char *end = host.ptr + host.len;
  if (host.len && host.ptr[0] == '[') {
    const char *rb = memchr(host.ptr, ']', host.len);
    if (rb) end = rb + 1;
  } else {
    const char *colon = memchr(host.ptr, ':', host.len);
    if (colon) end = colon;
  }
  for (const char *p = host.ptr; p < end && n < sizeof lower; p++) lower[n++] = mm_ascii_lower(*p);
  mm_str h = {lower, n};
  for (size_t i = 0; i < c->n_sites; i++)
    for (size_t j = 0; j < c->sites[i].n_hosts; j++)
      if (host_matches(c->sites[i].hosts[j], h)) return &c->sites[i];
  return NULL;
}
