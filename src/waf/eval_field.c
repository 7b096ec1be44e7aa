/*
 * eval_field.c - the request components a FieldToMatch names, as AWS WAF
 * extracts them (Developer Guide "Request components in AWS WAF",
 * waf-rule-statement-fields-list.html; "Oversize web request components",
 * waf-oversize-request-components.html), and their transformation.
 *
 *   | field               | values inspected                                     |
 *   | ------------------- | ---------------------------------------------------- |
 *   | SingleHeader        | the named header's value; repeated headers are joined |
 *   |                     | with ", " (RFC 9110 section 5.3 field combination)   |
 *   | Headers             | names (KEY), values (VALUE) or both (ALL) of the     |
 *   |                     | first 200 headers within the first 8 KB             |
 *   | Cookies             | the same for the Cookie header's name=value pairs    |
 *   | UriPath             | the request-target up to '?' or '#', as received     |
 *   | QueryString         | after '?' up to '#', as received                     |
 *   | SingleQueryArgument | the values of the named argument (case-insensitive)  |
 *   | AllQueryArguments   | the values of every argument                         |
 *   | Body                | the first body-limit bytes                           |
 *   | JsonBody            | eval_json.c                                          |
 *   | Method              | the method                                           |
 *   | HeaderOrder         | header names, lower-cased, joined by ':'             |
 *   | JA3/JA4Fingerprint  | the fingerprint of the ClientHello                   |
 *   | UriFragment         | after '#'                                            |
 *
 * Header and cookie sizes count each "name: value" line's bytes. Query
 * arguments split at '&', name from value at the first '='; at most
 * MM_WAF_MAX_QUERY_ARGS are read. Pre-parse transformations rewrite the
 * query string before it is split.
 */
#include "waf/eval.h"

#include "mamori/alloc.h"

#include <string.h>

/* A growable list of values in the request arena. */
typedef struct vlist {
  mm_str *v;
  size_t n, cap;
} vlist;

static int vpush(mm_waf_ctx *ctx, vlist *l, mm_str s) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    mm_str *p = mm_arena_alloc(&ctx->arena, cap * sizeof(*p));
    if (!p) return MM_ENOMEM;
    if (l->n) memcpy(p, l->v, l->n * sizeof(*p));
    l->v = p;
    l->cap = cap;
  }
  l->v[l->n++] = s;
  return MM_OK;
}

const mm_waf_header *mm__waf_header(const mm_waf_request *r, mm_str name) {
  for (size_t i = 0; i < r->n_headers; i++)
    if (mm_str_ieq(r->headers[i].name, name)) return &r->headers[i];
  return NULL;
}

void mm__waf_request_facts(mm_waf_ctx *ctx) {
  mm_str u = ctx->req->uri;
  const char *q = memchr(u.ptr ? u.ptr : "", '?', u.len);
  const char *h = memchr(u.ptr ? u.ptr : "", '#', u.len);
  if (q && h && h < q) q = NULL; /* '?' inside the fragment */
  const char *end = u.ptr + u.len;
  const char *path_end = q ? q : h ? h : end;
  ctx->path = (mm_str){u.ptr, (size_t)(path_end - u.ptr)};
  ctx->query = q ? (mm_str){q + 1, (size_t)((h ? h : end) - q - 1)} : (mm_str){"", 0};
  ctx->has_fragment = h != NULL;
  ctx->fragment = h ? (mm_str){h + 1, (size_t)(end - h - 1)} : (mm_str){"", 0};
  ctx->cookies_done = false;
  ctx->geo_done = false;
  ctx->ja_done = false;
  ctx->client_ok =
      ctx->req->client_ip.len &&
      mm_ip_parse(ctx->req->client_ip.ptr, ctx->req->client_ip.len, &ctx->client, NULL) == MM_OK;
}

static mm_str trim(mm_str s) {
  while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
  while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
  return s;
}

/* Cookie: "a=b; c=d" (RFC 6265 section 5.4), every Cookie header in order. */
void mm__waf_cookies(mm_waf_ctx *ctx) {
  if (ctx->cookies_done) return;
  ctx->cookies_done = true;
  ctx->n_cookies = 0;
  ctx->cookies_oversize = false;
  size_t cap = 0, bytes = 0;
  const mm_waf_request *r = ctx->req;
  for (size_t i = 0; i < r->n_headers; i++) {
    if (!mm_str_ieq(r->headers[i].name, MM_STR("cookie"))) continue;
    mm_str v = r->headers[i].value;
    size_t start = 0;
    for (size_t k = 0; k <= v.len; k++) {
      if (k < v.len && v.ptr[k] != ';') continue;
      mm_str pair = trim((mm_str){v.ptr + start, k - start});
      start = k + 1;
      if (!pair.len) continue;
      bytes += pair.len + 2;
      if (ctx->n_cookies >= MM_WAF_INSPECT_HEADERS_MAX || bytes > MM_WAF_INSPECT_HEADERS_BYTES) {
        ctx->cookies_oversize = true;
        continue;
      }
      if (ctx->n_cookies == cap) {
        size_t nc = cap ? cap * 2 : 16;
        mm__waf_kv *p = mm_arena_alloc(&ctx->arena, nc * sizeof(*p));
        if (!p) return;
        if (cap) memcpy(p, ctx->cookies, ctx->n_cookies * sizeof(*p));
        ctx->cookies = p;
        cap = nc;
      }
      const char *eq = memchr(pair.ptr, '=', pair.len);
      mm__waf_kv *kv = &ctx->cookies[ctx->n_cookies++];
      kv->name = eq ? trim((mm_str){pair.ptr, (size_t)(eq - pair.ptr)}) : pair;
      kv->value =
          eq ? trim((mm_str){eq + 1, pair.len - (size_t)(eq - pair.ptr) - 1}) : (mm_str){"", 0};
    }
  }
  if (ctx->cookies_oversize) ctx->oversize |= MM_WAF_OVERSIZE_COOKIES;
}

/* COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA: later values of a name join the
 * first occurrence's, separated by ','. */
static int combine_dups(mm_waf_ctx *ctx, mm__waf_kv *kv, size_t *n) {
  size_t out = 0;
  for (size_t i = 0; i < *n; i++) {
    size_t j = 0;
    while (j < out && !mm_str_eq(kv[j].name, kv[i].name)) j++;
    if (j == out) {
      kv[out++] = kv[i];
      continue;
    }
    char *p = mm_arena_alloc(&ctx->arena, kv[j].value.len + 1 + kv[i].value.len + 1);
    if (!p) return MM_ENOMEM;
    memcpy(p, kv[j].value.ptr, kv[j].value.len);
    p[kv[j].value.len] = ',';
    memcpy(p + kv[j].value.len + 1, kv[i].value.ptr, kv[i].value.len);
    kv[j].value = (mm_str){p, kv[j].value.len + 1 + kv[i].value.len};
  }
  *n = out;
  return MM_OK;
}

int mm__waf_query_args(mm_waf_ctx *ctx, mm_str q, const uint8_t *pre, size_t n_pre,
                       mm__waf_kv **out, size_t *n) {
  bool combine = false;
  for (size_t i = 0; i < n_pre; i++) {
    mm__waf_transform_type t = MM__WAF_T_NONE;
    if (pre[i] == MM__WAF_PP_COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA) combine = true;
    if (pre[i] == MM__WAF_PP_URL_DECODE) t = MM__WAF_T_URL_DECODE;
    if (pre[i] == MM__WAF_PP_URL_DECODE_UNI) t = MM__WAF_T_URL_DECODE_UNI;
    if (pre[i] == MM__WAF_PP_REPLACE_SEMICOLONS_WITH_AMPERSANDS) {
      char *p = mm_arena_memdup(&ctx->arena, q.ptr ? q.ptr : "", q.len + 1);
      if (!p) return MM_ENOMEM;
      for (size_t k = 0; k < q.len; k++)
        if (p[k] == ';') p[k] = '&';
      q.ptr = p;
    }
    if (t != MM__WAF_T_NONE) {
      mm__waf_chain c;
      mm__waf_chain_init(&c);
      c.steps[0] = (mm__waf_chain_step){0, t};
      c.count = 1;
      int rc = mm__waf_transform_copy(ctx, &c, q, &q);
      if (rc) return rc;
    }
  }
  size_t count = 1;
  for (size_t i = 0; i < q.len; i++) count += q.ptr[i] == '&';
  if (count > MM_WAF_MAX_QUERY_ARGS) count = MM_WAF_MAX_QUERY_ARGS;
  mm__waf_kv *kv = mm_arena_alloc(&ctx->arena, count * sizeof(*kv));
  if (!kv) return MM_ENOMEM;
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= q.len && k < count; i++) {
    if (i < q.len && q.ptr[i] != '&') continue;
    mm_str a = {q.ptr + start, i - start};
    start = i + 1;
    if (!a.len) continue;
    const char *eq = memchr(a.ptr, '=', a.len);
    kv[k].name = eq ? (mm_str){a.ptr, (size_t)(eq - a.ptr)} : a;
    kv[k].value = eq ? (mm_str){eq + 1, a.len - (size_t)(eq - a.ptr) - 1} : (mm_str){"", 0};
    k++;
  }
  *n = k;
  *out = kv;
  return combine ? combine_dups(ctx, kv, n) : MM_OK;
}

int mm__waf_transform_copy(mm_waf_ctx *ctx, const mm__waf_chain *c, mm_str s, mm_str *out) {
  mm_str t;
  int rc = mm__waf_chain_apply(c, s, &ctx->scratch, &t);
  if (rc) return rc;
  if (t.ptr == s.ptr) {
    *out = s; /* nothing changed: the request's own bytes are stable */
    return MM_OK;
  }
  char *p = mm_arena_memdup(&ctx->arena, t.len ? t.ptr : "", t.len ? t.len : 1);
  if (!p) return MM_ENOMEM;
  *out = (mm_str){p, t.len};
  return MM_OK;
}

void mm__waf_fingerprints(mm_waf_ctx *ctx) {
  if (ctx->ja_done) return;
  ctx->ja_done = true;
  ctx->res->ja3[0] = ctx->res->ja4[0] = '\0';
  if (!ctx->req->tls) return;
  if (mm_waf_ja3(ctx->req->tls, ctx->res->ja3, NULL) != MM_OK) ctx->res->ja3[0] = '\0';
  if (mm_waf_ja4(ctx->req->tls, ctx->res->ja4) != MM_OK) ctx->res->ja4[0] = '\0';
}

/* ---- extraction -------------------------------------------------------------------- */

static bool name_listed(const mm__waf_field *f, mm_str name, bool nocase) {
  for (size_t i = 0; i < f->n_names; i++)
    if (nocase ? mm_str_ieq(f->names[i], name) : mm_str_eq(f->names[i], name)) return true;
  return false;
}

static bool pattern_keeps(const mm__waf_field *f, mm_str name, bool nocase) {
  if (f->pattern == MM__WAF_PAT_ALL) return true;
  bool listed = name_listed(f, name, nocase);
  return f->pattern == MM__WAF_PAT_INCLUDED ? listed : !listed;
}

static int push_kv(mm_waf_ctx *ctx, vlist *l, const mm__waf_field *f, mm_str k, mm_str v) {
  int rc = MM_OK;
  if (f->scope != MM__WAF_SCOPE_VALUE) rc = vpush(ctx, l, k);
  if (!rc && f->scope != MM__WAF_SCOPE_KEY) rc = vpush(ctx, l, v);
  return rc;
}

static int headers_values(mm_waf_ctx *ctx, const mm__waf_field *f, vlist *l, bool *over) {
  const mm_waf_request *r = ctx->req;
  size_t bytes = 0;
  for (size_t i = 0; i < r->n_headers; i++) {
    bytes += r->headers[i].name.len + r->headers[i].value.len + 4;
    if (i >= MM_WAF_INSPECT_HEADERS_MAX || bytes > MM_WAF_INSPECT_HEADERS_BYTES) {
      *over = true;
      break;
    }
    if (!pattern_keeps(f, r->headers[i].name, true)) continue;
    int rc = push_kv(ctx, l, f, r->headers[i].name, r->headers[i].value);
    if (rc) return rc;
  }
  if (*over) ctx->oversize |= MM_WAF_OVERSIZE_HEADERS;
  return MM_OK;
}

static int header_order(mm_waf_ctx *ctx, vlist *l, bool *over) {
  const mm_waf_request *r = ctx->req;
  size_t len = 0, n = r->n_headers;
  if (n > MM_WAF_INSPECT_HEADERS_MAX) n = MM_WAF_INSPECT_HEADERS_MAX, *over = true;
  for (size_t i = 0; i < n; i++) len += r->headers[i].name.len + 1;
  char *p = mm_arena_alloc(&ctx->arena, len + 1);
  if (!p) return MM_ENOMEM;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o + r->headers[i].name.len > MM_WAF_INSPECT_HEADERS_BYTES) {
      *over = true;
      break;
    }
    if (i) p[o++] = ':';
    for (size_t k = 0; k < r->headers[i].name.len; k++)
      p[o++] = mm_ascii_lower(r->headers[i].name.ptr[k]);
  }
  if (*over) ctx->oversize |= MM_WAF_OVERSIZE_HEADERS;
  return vpush(ctx, l, (mm_str){p, o});
}

static int single_header(mm_waf_ctx *ctx, const mm__waf_field *f, vlist *l) {
  const mm_waf_request *r = ctx->req;
  mm_str joined = {NULL, 0};
  for (size_t i = 0; i < r->n_headers; i++) {
    if (!mm_str_ieq(r->headers[i].name, f->name)) continue;
    mm_str v = r->headers[i].value;
    if (!joined.ptr) {
      joined = v;
      continue;
    }
    char *p = mm_arena_alloc(&ctx->arena, joined.len + 2 + v.len + 1);
    if (!p) return MM_ENOMEM;
    memcpy(p, joined.ptr, joined.len);
    memcpy(p + joined.len, ", ", 2);
    memcpy(p + joined.len + 2, v.ptr, v.len);
    joined = (mm_str){p, joined.len + 2 + v.len};
  }
  return joined.ptr ? vpush(ctx, l, joined) : MM_OK;
}

static int query_values(mm_waf_ctx *ctx, const mm__waf_field *f, vlist *l) {
  mm__waf_kv *kv;
  size_t n;
  int rc = mm__waf_query_args(ctx, ctx->query, f->preparse, f->n_preparse, &kv, &n);
  for (size_t i = 0; i < n && rc == MM_OK; i++)
    if (f->kind == MM__WAF_F_ALL_QUERY_ARGS || mm_str_ieq(kv[i].name, f->name))
      rc = vpush(ctx, l, kv[i].value);
  return rc;
}

static int cookie_values(mm_waf_ctx *ctx, const mm__waf_field *f, vlist *l, bool *over) {
  mm__waf_cookies(ctx);
  *over = ctx->cookies_oversize;
  for (size_t i = 0; i < ctx->n_cookies; i++) {
    if (!pattern_keeps(f, ctx->cookies[i].name, false)) continue;
    int rc = push_kv(ctx, l, f, ctx->cookies[i].name, ctx->cookies[i].value);
    if (rc) return rc;
  }
  return MM_OK;
}

static mm_str body_part(mm_waf_ctx *ctx, bool *over) {
  mm_str b = ctx->req->body;
  uint64_t full = ctx->req->body_length > b.len ? ctx->req->body_length : b.len;
  if (full > ctx->body_limit) {
    *over = true;
    ctx->oversize |= MM_WAF_OVERSIZE_BODY;
  }
  if (b.len > ctx->body_limit) b.len = ctx->body_limit;
  if (ctx->res->body_inspected < b.len) ctx->res->body_inspected = b.len;
  return b;
}

/* Fill l with f's raw values; *status as MM__WAF_IN_*. */
static int extract(mm_waf_ctx *ctx, const mm__waf_field *f, vlist *l, uint8_t *status) {
  bool over = false;
  int rc = MM_OK;
  *status = MM__WAF_IN_VALUES;
  switch (f->kind) {
    case MM__WAF_F_SINGLE_HEADER:
      rc = single_header(ctx, f, l);
      break;
    case MM__WAF_F_HEADERS:
      rc = headers_values(ctx, f, l, &over);
      break;
    case MM__WAF_F_COOKIES:
      rc = cookie_values(ctx, f, l, &over);
      break;
    case MM__WAF_F_URI_PATH:
      rc = vpush(ctx, l, ctx->path);
      break;
    case MM__WAF_F_QUERY_STRING:
      rc = vpush(ctx, l, ctx->query);
      break;
    case MM__WAF_F_SINGLE_QUERY_ARG:
    case MM__WAF_F_ALL_QUERY_ARGS:
      rc = query_values(ctx, f, l);
      break;
    case MM__WAF_F_BODY:
      rc = vpush(ctx, l, body_part(ctx, &over));
      break;
    case MM__WAF_F_JSON_BODY: {
      mm_str b = body_part(ctx, &over);
      if (over && f->oversize != MM__WAF_OVER_CONTINUE) break;
      bool complete = true;
      rc = mm__waf_json_values(ctx, f, b, &l->v, &l->n, &complete);
      l->cap = l->n;
      if (!rc && !complete && !over && f->fallback != MM__WAF_FB_NONE) {
        if (f->fallback == MM__WAF_FB_EVAL_AS_STRING) {
          l->n = 0;
          rc = vpush(ctx, l, b);
        } else {
          *status = f->fallback == MM__WAF_FB_MATCH ? MM__WAF_IN_MATCH : MM__WAF_IN_NO_MATCH;
        }
      }
      break;
    }
    case MM__WAF_F_METHOD:
      rc = vpush(ctx, l, ctx->req->method);
      break;
    case MM__WAF_F_HEADER_ORDER:
      rc = header_order(ctx, l, &over);
      break;
    case MM__WAF_F_JA3:
    case MM__WAF_F_JA4: {
      mm__waf_fingerprints(ctx);
      const char *fp = f->kind == MM__WAF_F_JA3 ? ctx->res->ja3 : ctx->res->ja4;
      if (!fp[0])
        *status = f->fallback == MM__WAF_FB_MATCH ? MM__WAF_IN_MATCH : MM__WAF_IN_NO_MATCH;
      else
        rc = vpush(ctx, l, mm_str_from(fp));
      break;
    }
    case MM__WAF_F_URI_FRAGMENT:
      if (!ctx->has_fragment && f->fallback != MM__WAF_FB_NONE)
        *status = f->fallback == MM__WAF_FB_MATCH ? MM__WAF_IN_MATCH : MM__WAF_IN_NO_MATCH;
      else
        rc = vpush(ctx, l, ctx->fragment);
      break;
    default:
      break;
  }
  if (over && f->oversize != MM__WAF_OVER_CONTINUE)
    *status = f->oversize == MM__WAF_OVER_MATCH ? MM__WAF_IN_MATCH : MM__WAF_IN_NO_MATCH;
  return rc;
}

mm__waf_input_state *mm__waf_input_get(mm_waf_ctx *ctx, uint32_t id) {
  mm__waf_input_state *st = &ctx->inputs[id];
  if (st->gen == ctx->gen) return st;
  const mm__waf_input *in = &ctx->acl->inputs[id];
  vlist l = {0};
  uint8_t status;
  if (extract(ctx, in->field, &l, &status)) return NULL;
  for (size_t i = 0; i < l.n; i++)
    if (mm__waf_transform_copy(ctx, in->chain, l.v[i], &l.v[i])) return NULL;
  st->status = status;
  st->vals = l.v;
  st->n = l.n;
  st->scanned = false;
  st->bits = NULL;
  st->gen = ctx->gen;
  return st;
}
