/*
 * request_json.c - one record of the JSON request corpus format into an
 * mm_waf_request (the format is documented in include/mamori/waf.h and
 * docs/waf-requests.md).
 *
 * A record either spells the request out ("method", "uri", "version",
 * "headers" as [name, value] pairs or as an object, "body" or
 * "body_base64") or carries it raw ("raw": a request as
 * mm_waf_request_parse_raw reads it); both may add the connection's facts:
 * "client_ip", "id", "time" (ISO 8601 text or epoch milliseconds) and "tls"
 * (the ClientHello facts JA3/JA4 are computed from). Members not named here
 * are ignored, so that a corpus may carry its own annotations ("expect",
 * "comment"). Every string is copied into the caller's arena; every error
 * names the JSON path of the offending value.
 */
#include "mamori/waf.h"
#include "waf/limits.h"
#include "waf/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct jctx {
  mm_arena *a;   /* where the request's strings and arrays go */
  mm_error *err; /* may be NULL */
} jctx;

static int jfail(jctx *c, int code, const char *path, const char *fmt, ...) MM_PRINTF(4, 5);
static int jfail(jctx *c, int code, const char *path, const char *fmt, ...) {
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  mm_error_set(c->err, code, "%s: %s", path, msg);
  mm_error_set_path(c->err, path);
  return code;
}

static int oom(jctx *c) { return mm_error_set(c->err, MM_ENOMEM, "out of memory"); }

static int copy_str(jctx *c, mm_str s, mm_str *out) {
  char *p = mm_arena_strndup(c->a, s.ptr ? s.ptr : "", s.len);
  if (!p) return oom(c);
  *out = (mm_str){p, s.len};
  return MM_OK;
}

/* Member key of obj as a string copied into the arena; absent leaves *out
 * alone. */
static int opt_string(jctx *c, const mm_json_value *obj, const char *key, mm_str *out) {
  const mm_json_value *v = mm_json_get(obj, key);
  if (!v) return MM_OK;
  char path[64];
  snprintf(path, sizeof path, "$.%s", key);
  if (!mm_json_is_string(v)) return jfail(c, MM_EINVAL, path, "expected a string");
  return copy_str(c, mm_json_get_str(v), out);
}

/* ---- the request spelled out ------------------------------------------------- */

/* One header; pair says the path names a [name, value] array (so that
 * the name is at [0] and the value at [1]) rather than an object member. */
static int add_header(jctx *c, mm_waf_header *h, const mm_json_value *name,
                      const mm_json_value *value, const char *path, bool pair) {
  char p[96];
  if (!mm_json_is_string(name) || !mm__waf_is_token(mm_json_get_str(name))) {
    snprintf(p, sizeof p, "%s%s", path, pair ? "[0]" : "");
    return jfail(c, MM_EINVAL, p, "a header name must be a non-empty token (RFC 9110 5.6.2)");
  }
  if (!mm_json_is_string(value)) {
    snprintf(p, sizeof p, "%s%s", path, pair ? "[1]" : "");
    return jfail(c, MM_EINVAL, p, "a header value must be a string");
  }
  int rc = copy_str(c, mm_json_get_str(name), &h->name);
  return rc ? rc : copy_str(c, mm_json_get_str(value), &h->value);
}

static int read_headers(jctx *c, const mm_json_value *hv, mm_waf_request *req) {
  if (!hv) return MM_OK;
  bool object = mm_json_is_object(hv);
  if (!object && !mm_json_is_array(hv))
    return jfail(c, MM_EINVAL, "$.headers", "expected an array of [name, value] or an object");
  size_t n = mm_json_len(hv);
  if (n > MM_WAF_MAX_HEADERS)
    return jfail(c, MM_ELIMIT, "$.headers", "%zu headers: more than MM_WAF_MAX_HEADERS (%d)", n,
                 MM_WAF_MAX_HEADERS);
  mm_waf_header *h = mm_arena_calloc(c->a, n ? n : 1, sizeof *h);
  if (!h) return oom(c);
  mm_json_iter it = mm_json_iter_init(hv);
  const mm_json_value *k, *v;
  for (size_t i = 0; mm_json_iter_next(&it, &k, &v); i++) {
    char path[96];
    int rc;
    if (object) {
      snprintf(path, sizeof path, "$.headers.%.60s", mm_json_str(k));
      rc = add_header(c, &h[i], k, v, path, false);
    } else {
      snprintf(path, sizeof path, "$.headers[%zu]", i);
      if (!mm_json_is_array(v) || mm_json_len(v) != 2)
        return jfail(c, MM_EINVAL, path, "expected [name, value]");
      rc = add_header(c, &h[i], mm_json_at(v, 0), mm_json_at(v, 1), path, true);
    }
    if (rc) return rc;
  }
  req->headers = h;
  req->n_headers = n;
  return MM_OK;
}

/* RFC 4648 section 4 base64; the padding is optional, nothing else is. */
static int b64_value(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

static int decode_base64(jctx *c, mm_str in, mm_str *out) {
  size_t len = in.len;
  while (len > 0 && in.len - len < 2 && in.ptr[len - 1] == '=') len--;
  if ((len < in.len && in.len % 4 != 0) || len % 4 == 1)
    return jfail(c, MM_EINVAL, "$.body_base64", "not base64: wrong length or padding");
  char *p = mm_arena_alloc(c->a, len / 4 * 3 + 3);
  if (!p) return oom(c);
  size_t n = 0;
  uint32_t acc = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64_value((unsigned char)in.ptr[i]);
    if (v < 0)
      return jfail(c, MM_EINVAL, "$.body_base64", "not base64: byte %zu is not in the alphabet", i);
    acc = acc << 6 | (uint32_t)v;
    if (i % 4 == 3) {
      p[n++] = (char)(acc >> 16);
      p[n++] = (char)(acc >> 8);
      p[n++] = (char)acc;
    }
  }
  if (len % 4 == 2) p[n++] = (char)(acc >> 4);
  if (len % 4 == 3) {
    p[n++] = (char)(acc >> 10);
    p[n++] = (char)(acc >> 2);
  }
  *out = (mm_str){p, n};
  return MM_OK;
}

static int read_body(jctx *c, const mm_json_value *v, mm_waf_request *req) {
  const mm_json_value *b = mm_json_get(v, "body"), *b64 = mm_json_get(v, "body_base64");
  int rc = MM_OK;
  if (b && b64) return jfail(c, MM_EINVAL, "$.body_base64", "give \"body\" or \"body_base64\"");
  if (b) rc = opt_string(c, v, "body", &req->body);
  if (b64) {
    if (!mm_json_is_string(b64)) return jfail(c, MM_EINVAL, "$.body_base64", "expected a string");
    rc = decode_base64(c, mm_json_get_str(b64), &req->body);
  }
  req->body_length = req->body.len;
  return rc;
}

static int from_fields(jctx *c, const mm_json_value *v, mm_waf_request *req) {
  req->method = MM_STR("GET");
  req->version = MM_STR("HTTP/1.1");
  int rc = opt_string(c, v, "method", &req->method);
  if (!rc && !mm__waf_is_token(req->method))
    rc = jfail(c, MM_EINVAL, "$.method", "a method must be a non-empty token (RFC 9110 5.6.2)");
  if (!rc && !mm_json_get(v, "uri")) rc = jfail(c, MM_EINVAL, "$", "missing \"uri\" (or \"raw\")");
  if (!rc) rc = opt_string(c, v, "uri", &req->uri);
  if (!rc && req->uri.len == 0) rc = jfail(c, MM_EINVAL, "$.uri", "empty request-target");
  if (!rc) rc = opt_string(c, v, "version", &req->version);
  if (!rc) rc = read_headers(c, mm_json_get(v, "headers"), req);
  if (!rc) rc = read_body(c, v, req);
  return rc;
}

/* ---- the request raw ------------------------------------------------------------- */

static int from_raw(jctx *c, const mm_json_value *v, const mm_json_value *raw,
                    mm_waf_request *req) {
  static const char *const spelled[] = {"method",  "uri",  "version",
                                        "headers", "body", "body_base64"};
  for (size_t i = 0; i < MM_ARRAY_LEN(spelled); i++)
    if (mm_json_get(v, spelled[i])) {
      char path[32];
      snprintf(path, sizeof path, "$.%s", spelled[i]);
      return jfail(c, MM_EINVAL, path, "not allowed together with \"raw\"");
    }
  if (!mm_json_is_string(raw)) return jfail(c, MM_EINVAL, "$.raw", "expected a string");
  mm_str text = {0};
  int rc = copy_str(c, mm_json_get_str(raw), &text);
  if (rc) return rc;
  rc = mm_waf_request_parse_raw(c->a, text.ptr, text.len, req, c->err);
  if (rc) mm_error_set_path(c->err, "$.raw");
  return rc;
}

/* ---- the connection's facts ------------------------------------------------------ */

static int read_u16_list(jctx *c, const mm_json_value *tls, const char *key, unsigned max,
                         const uint16_t **out, size_t *n_out) {
  const mm_json_value *arr = mm_json_get(tls, key);
  char path[96];
  snprintf(path, sizeof path, "$.tls.%s", key);
  if (!arr) return MM_OK;
  if (!mm_json_is_array(arr)) return jfail(c, MM_EINVAL, path, "expected an array of numbers");
  size_t n = mm_json_len(arr);
  if (n > MM_WAF_MAX_TLS_LIST)
    return jfail(c, MM_ELIMIT, path, "more than MM_WAF_MAX_TLS_LIST (%d) entries",
                 MM_WAF_MAX_TLS_LIST);
  uint16_t *vals = mm_arena_calloc(c->a, n ? n : 1, sizeof *vals);
  if (!vals) return oom(c);
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    uint64_t u;
    if (mm_json_get_uint64(e, &u) != MM_OK || u > max) {
      snprintf(path, sizeof path, "$.tls.%s[%zu]", key, i);
      return jfail(c, MM_EINVAL, path, "expected an integer 0-%u", max);
    }
    vals[i] = (uint16_t)u;
  }
  *out = vals;
  *n_out = n;
  return MM_OK;
}

static int read_bool(jctx *c, const mm_json_value *tls, const char *key, bool *out) {
  const mm_json_value *b = mm_json_get(tls, key);
  if (!b) return MM_OK;
  char path[64];
  snprintf(path, sizeof path, "$.tls.%s", key);
  if (!mm_json_is_bool(b)) return jfail(c, MM_EINVAL, path, "expected true or false");
  *out = mm_json_is_true(b);
  return MM_OK;
}

static int read_tls_scalars(jctx *c, const mm_json_value *tls, mm_waf_tls_hello *h) {
  const mm_json_value *ver = mm_json_get(tls, "version"), *alpn = mm_json_get(tls, "alpn");
  uint64_t u = 0x0303;
  if (ver && (mm_json_get_uint64(ver, &u) != MM_OK || u > 0xffff))
    return jfail(c, MM_EINVAL, "$.tls.version", "expected an integer 0-65535 (771 = TLS 1.2)");
  h->legacy_version = (uint16_t)u;
  if (alpn && !mm_json_is_string(alpn))
    return jfail(c, MM_EINVAL, "$.tls.alpn", "expected a string");
  int rc = alpn ? copy_str(c, mm_json_get_str(alpn), &h->alpn) : MM_OK;
  if (!rc) rc = read_bool(c, tls, "sni", &h->has_sni);
  if (!rc) rc = read_bool(c, tls, "quic", &h->quic);
  return rc;
}

static int read_tls(jctx *c, const mm_json_value *tls, mm_waf_request *req) {
  if (!tls) return MM_OK;
  if (!mm_json_is_object(tls)) return jfail(c, MM_EINVAL, "$.tls", "expected an object");
  mm_waf_tls_hello *h = mm_arena_calloc(c->a, 1, sizeof *h);
  if (!h) return oom(c);
  const uint16_t *pf = NULL;
  int rc = read_tls_scalars(c, tls, h);
  if (!rc) rc = read_u16_list(c, tls, "ciphers", 0xffff, &h->ciphers, &h->n_ciphers);
  if (!rc) rc = read_u16_list(c, tls, "extensions", 0xffff, &h->extensions, &h->n_extensions);
  if (!rc) rc = read_u16_list(c, tls, "groups", 0xffff, &h->groups, &h->n_groups);
  if (!rc) rc = read_u16_list(c, tls, "sig_algs", 0xffff, &h->sig_algs, &h->n_sig_algs);
  if (!rc) rc = read_u16_list(c, tls, "versions", 0xffff, &h->versions, &h->n_versions);
  if (!rc) rc = read_u16_list(c, tls, "point_formats", 0xff, &pf, &h->n_point_formats);
  if (rc) return rc;
  uint8_t *fmts = mm_arena_alloc(c->a, h->n_point_formats + 1);
  if (!fmts) return oom(c);
  for (size_t i = 0; i < h->n_point_formats; i++) fmts[i] = (uint8_t)pf[i];
  h->point_formats = fmts;
  req->tls = h;
  return MM_OK;
}

static int read_time(jctx *c, const mm_json_value *t, mm_waf_request *req) {
  if (!t) return MM_OK;
  mm_error terr;
  int64_t ms;
  if (mm_json_is_number(t)) {
    if (mm_json_get_int64(t, &ms) != MM_OK || mm_time_from_epoch_ms(ms, &req->time) != MM_OK)
      return jfail(c, MM_EINVAL, "$.time", "expected epoch milliseconds within years 1-9999");
    return MM_OK;
  }
  if (!mm_json_is_string(t))
    return jfail(c, MM_EINVAL, "$.time", "expected ISO 8601 text or epoch milliseconds");
  if (mm_time_parse_iso8601(mm_json_get_str(t), &req->time, &terr) != MM_OK)
    return jfail(c, MM_EINVAL, "$.time", "%s", terr.msg);
  return MM_OK;
}

static int read_connection(jctx *c, const mm_json_value *v, mm_waf_request *req) {
  int rc = opt_string(c, v, "client_ip", &req->client_ip);
  if (!rc && req->client_ip.ptr) {
    mm_ip_addr ip;
    mm_error ierr;
    if (mm_ip_parse(req->client_ip.ptr, req->client_ip.len, &ip, &ierr) != MM_OK)
      rc = jfail(c, MM_EINVAL, "$.client_ip", "%s", ierr.msg);
  }
  if (!rc) rc = opt_string(c, v, "id", &req->id);
  if (!rc) rc = read_time(c, mm_json_get(v, "time"), req);
  if (!rc) rc = read_tls(c, mm_json_get(v, "tls"), req);
  return rc;
}

int mm_waf_request_from_json(mm_arena *a, const mm_json_value *v, mm_waf_request *req,
                             mm_error *err) {
  jctx c = {a, err};
  memset(req, 0, sizeof *req);
  mm_error_clear(err);
  if (!mm_json_is_object(v)) return jfail(&c, MM_EINVAL, "$", "a request record must be an object");
  const mm_json_value *raw = mm_json_get(v, "raw");
  int rc = raw ? from_raw(&c, v, raw, req) : from_fields(&c, v, req);
  if (!rc) rc = read_connection(&c, v, req);
  if (rc) memset(req, 0, sizeof *req);
  return rc;
}
