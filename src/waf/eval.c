/*
 * eval.c - evaluating a request against a web ACL: rules in Priority order,
 * statements, actions, labels and rule groups, as the AWS WAF Developer
 * Guide describes them ("Rule action", waf-rule-action.html; "Processing
 * order of rules and rule groups", web-acl-processing-order.html; "Labels
 * on web requests", waf-labels.html; "CAPTCHA and Challenge",
 * waf-captcha-and-challenge.html; "Rule group override options",
 * web-acl-rule-group-override-options.html).
 *
 *  - Rules run by ascending Priority. Allow and Block terminate; Count adds
 *    the rule's labels (and InsertHeaders) and goes on. Captcha and
 *    Challenge go on like Count when the request carries a valid token,
 *    otherwise they terminate with 405 / 202.
 *  - A rule group (RuleGroupReference, ManagedRuleGroup) runs its rules in
 *    its own Priority order in place of the referencing rule: an Allow or
 *    Block inside it terminates the whole web ACL. ExcludedRules and
 *    RuleActionOverrides replace a named rule's action; OverrideAction
 *    Count turns every action of the group into Count. A ScopeDownStatement
 *    that does not match skips the group.
 *  - Labels are visible to LabelMatch in rules evaluated later (a rule
 *    never sees its own). A GeoMatch adds awswaf:clientip:geo:country:<CC>
 *    and awswaf:clientip:geo:region:<CC>-<region> whenever it is evaluated
 *    (awswaf:forwardedip:... with a ForwardedIPConfig).
 *  - And/Or short-circuit: their result is the same as AWS's, since
 *    statements have no effect but labels from GeoMatch, which AWS also
 *    adds only when it evaluates the statement.
 */
#include "waf/eval.h"

#include "mamori/alloc.h"

#include <stdio.h>
#include <string.h>

#if __has_include("waf/sqli.h")
#include "waf/sqli.h"
#endif
#if __has_include("waf/xss.h")
#include "waf/xss.h"
#endif

/* ---- context ------------------------------------------------------------------------- */

mm_waf_ctx *mm_waf_ctx_new(const mm_waf_acl *acl, const mm_waf_config *cfg) {
  mm_waf_ctx *ctx = mm_calloc(1, sizeof(*ctx));
  if (!ctx) return NULL;
  ctx->acl = acl;
  if (cfg) ctx->cfg = *cfg;
  mm_arena_init(&ctx->arena, 0);
  mm__waf_scratch_init(&ctx->scratch);
  ctx->inputs = mm_calloc(acl->n_inputs ? acl->n_inputs : 1, sizeof(*ctx->inputs));
  ctx->hs_scratch = mm__waf_hs_scratch_new(acl);
  ctx->pcre_md = mm__waf_pcre_match_data_new();
  if (!ctx->inputs || !ctx->hs_scratch || !ctx->pcre_md) {
    mm_waf_ctx_free(ctx);
    return NULL;
  }
  uint32_t limit = ctx->cfg.body_limit ? ctx->cfg.body_limit : acl->body_limit;
  ctx->body_limit = limit > MM_WAF_BODY_LIMIT_MAX ? MM_WAF_BODY_LIMIT_MAX : limit;
  return ctx;
}

void mm_waf_ctx_free(mm_waf_ctx *ctx) {
  if (!ctx) return;
  mm_free(ctx->inputs);
  mm__waf_hs_scratch_free(ctx->hs_scratch);
  if (ctx->pcre_md) mm__waf_pcre_match_data_free(ctx->pcre_md);
  mm__waf_scratch_free(&ctx->scratch);
  mm_arena_destroy(&ctx->arena);
  mm_free(ctx);
}

/* Grow an arena array of elem-byte items to hold one more. */
static int grow(mm_waf_ctx *ctx, void **arr, size_t *cap, size_t n, size_t elem) {
  if (n < *cap) return MM_OK;
  size_t c = *cap ? *cap * 2 : 16;
  void *p = mm_arena_alloc(&ctx->arena, c * elem);
  if (!p) return MM_ENOMEM;
  if (n) memcpy(p, *arr, n * elem);
  *arr = p;
  *cap = c;
  return MM_OK;
}

int mm__waf_add_label(mm_waf_ctx *ctx, mm_str label) {
  for (size_t i = 0; i < ctx->n_labels; i++)
    if (mm_str_eq(ctx->labels[i], label)) return MM_OK;
  if (ctx->n_labels >= MM_WAF_MAX_LABELS) return MM_OK;
  int rc = grow(ctx, (void **)&ctx->labels, &ctx->cap_labels, ctx->n_labels, sizeof(mm_str));
  if (!rc) ctx->labels[ctx->n_labels++] = label;
  return rc;
}

static int add_labelf(mm_waf_ctx *ctx, const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b);
  char *p = mm_arena_alloc(&ctx->arena, n + 1);
  if (!p) return MM_ENOMEM;
  snprintf(p, n + 1, "%s%s", a, b);
  return mm__waf_add_label(ctx, (mm_str){p, n});
}

/* ---- text statements -------------------------------------------------------------------- */

static bool word_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool byte_match_one(const mm__waf_stmt *s, mm_str v) {
  mm_str w = s->search;
  if (v.len < w.len) return false;
  switch (s->position) {
    case MM__WAF_POS_EXACTLY:
      return mm_str_eq(v, w);
    case MM__WAF_POS_STARTS:
      return memcmp(v.ptr, w.ptr, w.len) == 0;
    case MM__WAF_POS_ENDS:
      return memcmp(v.ptr + v.len - w.len, w.ptr, w.len) == 0;
    default:
      break;
  }
  /* CONTAINS / CONTAINS_WORD without a Vectorscan bit (never, in practice). */
  for (const char *p = v.ptr; (p = memmem(p, v.len - (size_t)(p - v.ptr), w.ptr, w.len)); p++) {
    if (s->position == MM__WAF_POS_CONTAINS) return true;
    bool l = p == v.ptr || !word_char(p[-1]);
    bool r = p + w.len == v.ptr + v.len || !word_char(p[w.len]);
    if (l && r) return true;
  }
  return false;
}

/* Scan every value of the input once with its Vectorscan database. */
static int ensure_scanned(mm_waf_ctx *ctx, uint32_t id, mm__waf_input_state *st) {
  if (st->scanned) return MM_OK;
  const mm__waf_input *in = &ctx->acl->inputs[id];
  size_t words = (in->n_bits + 63) / 64;
  st->bits = mm_arena_calloc(&ctx->arena, words ? words : 1, sizeof(uint64_t));
  if (!st->bits) return MM_ENOMEM;
  for (size_t i = 0; i < st->n && in->db; i++) {
    int rc = mm__waf_hs_scan(in, ctx->hs_scratch, st->vals[i], st->bits);
    if (rc) return rc;
  }
  st->scanned = true;
  return MM_OK;
}

static bool pattern_hit(mm_waf_ctx *ctx, const mm__waf_pattern *p, mm__waf_input_state *st) {
  if (p->pcre) {
    for (size_t i = 0; i < st->n; i++)
      if (mm__waf_pcre_match(p->pcre, st->vals[i], ctx->pcre_md)) return true;
    return false;
  }
  return p->bit != UINT32_MAX && (st->bits[p->bit / 64] >> (p->bit % 64) & 1);
}

static bool size_cmp(uint8_t op, uint64_t a, uint64_t b) {
  switch (op) {
    case MM__WAF_CMP_EQ:
      return a == b;
    case MM__WAF_CMP_NE:
      return a != b;
    case MM__WAF_CMP_LE:
      return a <= b;
    case MM__WAF_CMP_LT:
      return a < b;
    case MM__WAF_CMP_GE:
      return a >= b;
    default:
      return a > b;
  }
}

/* Record a SQLi/XSS match for the log (tokens of the match joined by ' '). */
static void add_detail(mm_waf_ctx *ctx, const mm__waf_stmt *s, mm_str v, const void *mv) {
  size_t cap = ctx->n_details; /* details are rare: grow to exactly one more */
  if (grow(ctx, (void **)&ctx->details, &cap, ctx->n_details, sizeof(*ctx->details))) return;
  mm_waf_match_detail *d = &ctx->details[ctx->n_details];
  d->condition = s->kind == MM__WAF_S_SQLI ? "SQL_INJECTION" : "XSS";
  d->location = mm__waf_field_location(&s->field);
  d->sensitivity = s->kind == MM__WAF_S_SQLI ? (s->sensitivity ? "HIGH" : "LOW") : NULL;
  d->matched = (mm_str){"", 0};
#if __has_include("waf/sqli.h")
  const mm__waf_detect_match *m = mv;
  size_t len = 0;
  for (size_t i = 0; m && i < m->nspans; i++) len += m->spans[i].len + 1;
  char *p = len ? mm_arena_alloc(&ctx->arena, len) : NULL;
  size_t o = 0;
  for (size_t i = 0; p && i < m->nspans; i++) {
    if (m->spans[i].off + (size_t)m->spans[i].len > v.len) continue;
    if (o) p[o++] = ' ';
    memcpy(p + o, v.ptr + m->spans[i].off, m->spans[i].len);
    o += m->spans[i].len;
  }
  if (p) d->matched = (mm_str){p, o};
#else
  (void)v, (void)mv;
#endif
  ctx->n_details++;
}

static bool detect(mm_waf_ctx *ctx, const mm__waf_stmt *s, mm__waf_input_state *st) {
#if __has_include("waf/sqli.h") && __has_include("waf/xss.h")
  for (size_t i = 0; i < st->n; i++) {
    mm__waf_detect_match m;
    memset(&m, 0, sizeof(m));
    const uint8_t *b = (const uint8_t *)(st->vals[i].ptr ? st->vals[i].ptr : "");
    bool hit = s->kind == MM__WAF_S_SQLI ? mm__waf_sqli(b, st->vals[i].len, s->sensitivity, &m)
                                         : mm__waf_xss(b, st->vals[i].len, &m);
    if (hit) {
      add_detail(ctx, s, st->vals[i], &m);
      return true;
    }
  }
#else
  (void)ctx, (void)s, (void)st;
#endif
  return false;
}

/* 1 match, 0 no match, <0 error. */
static int eval_text(mm_waf_ctx *ctx, const mm__waf_stmt *s) {
  mm__waf_input_state *st = mm__waf_input_get(ctx, s->input);
  if (!st) return MM_ENOMEM;
  if (st->status != MM__WAF_IN_VALUES) return st->status == MM__WAF_IN_MATCH;
  switch (s->kind) {
    case MM__WAF_S_SIZE:
      for (size_t i = 0; i < st->n; i++)
        if (size_cmp(s->cmp, st->vals[i].len, s->size)) return 1;
      return 0;
    case MM__WAF_S_SQLI:
    case MM__WAF_S_XSS:
      return detect(ctx, s, st);
    default:
      break;
  }
  if (s->kind == MM__WAF_S_BYTE_MATCH && s->position < MM__WAF_POS_CONTAINS) {
    for (size_t i = 0; i < st->n; i++)
      if (byte_match_one(s, st->vals[i])) return 1;
    return 0;
  }
  int rc = ensure_scanned(ctx, s->input, st);
  if (rc) return rc;
  for (size_t i = 0; i < s->n_patterns; i++)
    if (pattern_hit(ctx, &s->patterns[i], st)) return 1;
  if (s->kind == MM__WAF_S_BYTE_MATCH && s->patterns && s->patterns[0].bit == UINT32_MAX &&
      !s->patterns[0].pcre)
    for (size_t i = 0; i < st->n; i++)
      if (byte_match_one(s, st->vals[i])) return 1;
  return 0;
}

/* ---- addresses ----------------------------------------------------------------------------- */

/* The addresses a forwarded-IP header holds (comma-separated), parsed. */
static size_t forwarded_ips(mm_waf_ctx *ctx, const mm__waf_fwd *f, mm_ip_addr *out, size_t max) {
  const mm_waf_header *h = mm__waf_header(ctx->req, f->header);
  if (!h) return 0;
  size_t n = 0, start = 0;
  mm_str v = h->value;
  for (size_t i = 0; i <= v.len && n < max; i++) {
    if (i < v.len && v.ptr[i] != ',') continue;
    mm_str a = {v.ptr + start, i - start};
    start = i + 1;
    while (a.len && (a.ptr[0] == ' ' || a.ptr[0] == '\t')) a.ptr++, a.len--;
    while (a.len && (a.ptr[a.len - 1] == ' ' || a.ptr[a.len - 1] == '\t')) a.len--;
    if (mm_ip_parse(a.ptr, a.len, &out[n], NULL) != MM_OK) return 0; /* malformed: fallback */
    n++;
  }
  return n;
}

/* The address a statement inspects; false when there is none (fallback). */
static bool stmt_addr(mm_waf_ctx *ctx, const mm__waf_fwd *f, mm_ip_addr *a) {
  if (!f->on) {
    *a = ctx->client;
    return ctx->client_ok;
  }
  mm_ip_addr ips[1];
  if (!forwarded_ips(ctx, f, ips, 1)) return false;
  *a = ips[0];
  return true;
}

static int eval_ipset(mm_waf_ctx *ctx, const mm__waf_stmt *s) {
  if (!s->fwd.on) return ctx->client_ok && mm_ipset_contains(s->ipset, &ctx->client);
  mm_ip_addr ips[64];
  size_t n = forwarded_ips(ctx, &s->fwd, ips, MM_ARRAY_LEN(ips));
  if (!n) return s->fwd.fallback_match;
  if (s->fwd.position == MM__WAF_FWD_FIRST) return mm_ipset_contains(s->ipset, &ips[0]);
  if (s->fwd.position == MM__WAF_FWD_LAST) return mm_ipset_contains(s->ipset, &ips[n - 1]);
  for (size_t i = 0; i < n; i++)
    if (mm_ipset_contains(s->ipset, &ips[i])) return 1;
  return 0;
}

static bool geo_of(mm_waf_ctx *ctx, const mm_ip_addr *a, mm_waf_geo_result *g) {
  memset(g, 0, sizeof(*g));
  return ctx->cfg.geo && mm_waf_geo_lookup(ctx->cfg.geo, a, g);
}

static int geo_labels(mm_waf_ctx *ctx, const mm_waf_geo_result *g, bool fwd) {
  if (!g->country[0]) return MM_OK;
  const char *pre = fwd ? "awswaf:forwardedip:geo:" : "awswaf:clientip:geo:";
  char buf[64];
  snprintf(buf, sizeof(buf), "%scountry:", pre);
  int rc = add_labelf(ctx, buf, g->country);
  if (!rc && g->region[0]) {
    char r[16];
    snprintf(buf, sizeof(buf), "%sregion:", pre);
    snprintf(r, sizeof(r), "%s-%s", g->country, g->region);
    rc = add_labelf(ctx, buf, r);
  }
  return rc;
}

static int eval_geo(mm_waf_ctx *ctx, const mm__waf_stmt *s) {
  mm_ip_addr a;
  if (!stmt_addr(ctx, &s->fwd, &a)) return s->fwd.on && s->fwd.fallback_match;
  mm_waf_geo_result g;
  geo_of(ctx, &a, &g);
  if (s->kind == MM__WAF_S_ASN) {
    for (size_t i = 0; i < s->n_asns; i++)
      if (g.asn && g.asn == s->asns[i]) return 1;
    return 0;
  }
  int rc = geo_labels(ctx, &g, s->fwd.on);
  if (rc) return rc;
  for (size_t i = 0; i < s->n_countries; i++)
    if (g.country[0] && memcmp(g.country, s->countries[i], 2) == 0) return 1;
  return 0;
}

/* ---- labels --------------------------------------------------------------------------------- */

/* LABEL: the label is the key, or ends with ":" + key. NAMESPACE: the
 * label's namespace (up to its last ':') is the key or ends with ":" + key
 * (waf-rule-statement-type-label-match.html: a key may give the fully
 * qualified name or only its trailing components). */
static bool label_matches(const mm__waf_stmt *s, mm_str label) {
  mm_str k = s->key;
  if (s->namespace_scope) {
    size_t last = label.len;
    while (last > 0 && label.ptr[last - 1] != ':') last--;
    label.len = last;
  }
  if (mm_str_eq(label, k)) return true;
  return label.len > k.len && label.ptr[label.len - k.len - 1] == ':' &&
         memcmp(label.ptr + label.len - k.len, k.ptr, k.len) == 0;
}

static int eval_label(mm_waf_ctx *ctx, const mm__waf_stmt *s) {
  for (size_t i = 0; i < ctx->n_labels; i++)
    if (label_matches(s, ctx->labels[i])) return 1;
  return 0;
}

/* ---- statements ----------------------------------------------------------------------------- */

static int eval_stmt(mm_waf_ctx *ctx, const mm__waf_stmt *s, uint32_t depth);

static int eval_logical(mm_waf_ctx *ctx, const mm__waf_stmt *s, uint32_t depth) {
  if (s->kind == MM__WAF_S_NOT) {
    int r = eval_stmt(ctx, s->children[0], depth + 1);
    return r < 0 ? r : !r;
  }
  bool and_ = s->kind == MM__WAF_S_AND;
  for (size_t i = 0; i < s->n_children; i++) {
    int r = eval_stmt(ctx, s->children[i], depth + 1);
    if (r < 0) return r;
    if (and_ && !r) return 0;
    if (!and_ && r) return 1;
  }
  return and_;
}

static int eval_stmt(mm_waf_ctx *ctx, const mm__waf_stmt *s, uint32_t depth) {
  if (depth > MM_WAF_MAX_STMT_DEPTH + 2) return MM_ELIMIT;
  switch (s->kind) {
    case MM__WAF_S_BYTE_MATCH:
    case MM__WAF_S_SQLI:
    case MM__WAF_S_XSS:
    case MM__WAF_S_REGEX:
    case MM__WAF_S_REGEX_SET:
    case MM__WAF_S_SIZE:
      return eval_text(ctx, s);
    case MM__WAF_S_IP_SET:
      return eval_ipset(ctx, s);
    case MM__WAF_S_GEO:
    case MM__WAF_S_ASN:
      return eval_geo(ctx, s);
    case MM__WAF_S_LABEL:
      return eval_label(ctx, s);
    case MM__WAF_S_AND:
    case MM__WAF_S_OR:
    case MM__WAF_S_NOT:
      return eval_logical(ctx, s, depth);
    default:
      return 0; /* rate-based and group statements are handled by rules */
  }
}

/* ---- rate-based rules ---------------------------------------------------------------------- */

/* Append one key component, length-prefixed so that ("a:", "b") and ("a",
 * ":b") differ. */
static void key_part(mm_buf *k, mm_str v) {
  mm_buf_printf(k, "%zu:", v.len);
  mm_buf_append(k, v.ptr ? v.ptr : "", v.len);
}

static bool custom_key(mm_waf_ctx *ctx, const mm__waf_rate_key *k, mm_buf *key) {
  mm_str v = {NULL, 0};
  char ipbuf[MM_IP_TEXT_MAX];
  switch (k->kind) {
    case MM__WAF_RK_HEADER: {
      const mm_waf_header *h = mm__waf_header(ctx->req, k->name);
      if (h) v = h->value;
      break;
    }
    case MM__WAF_RK_COOKIE:
      mm__waf_cookies(ctx);
      for (size_t i = 0; i < ctx->n_cookies && !v.ptr; i++)
        if (mm_str_eq(ctx->cookies[i].name, k->name)) v = ctx->cookies[i].value;
      break;
    case MM__WAF_RK_QUERY_ARG: {
      mm__waf_kv *kv;
      size_t n;
      if (mm__waf_query_args(ctx, ctx->query, NULL, 0, &kv, &n)) return false;
      for (size_t i = 0; i < n && !v.ptr; i++)
        if (mm_str_ieq(kv[i].name, k->name)) v = kv[i].value;
      break;
    }
    case MM__WAF_RK_QUERY_STRING:
      if (ctx->query.len) v = ctx->query;
      break;
    case MM__WAF_RK_METHOD:
      v = ctx->req->method;
      break;
    case MM__WAF_RK_IP:
      if (ctx->client_ok) v = (mm_str){ipbuf, mm_ip_format(&ctx->client, ipbuf, sizeof(ipbuf))};
      break;
    case MM__WAF_RK_URI_PATH:
      v = ctx->path;
      break;
    case MM__WAF_RK_JA3:
    case MM__WAF_RK_JA4:
      mm__waf_fingerprints(ctx);
      v = mm_str_from(k->kind == MM__WAF_RK_JA3 ? ctx->res->ja3 : ctx->res->ja4);
      if (!v.len) v.ptr = NULL;
      break;
    case MM__WAF_RK_ASN: {
      mm_waf_geo_result g;
      if (ctx->client_ok && geo_of(ctx, &ctx->client, &g) && g.asn) {
        int n = snprintf(ipbuf, sizeof(ipbuf), "%u", g.asn);
        v = (mm_str){ipbuf, (size_t)n};
      }
      break;
    }
    case MM__WAF_RK_LABEL_NAMESPACE: {
      /* Every label in the namespace, joined: the names form the key. */
      mm_str ns = k->name;
      bool any = false;
      for (size_t i = 0; i < ctx->n_labels; i++)
        if (mm_str_has_prefix(ctx->labels[i], ns)) {
          key_part(key, ctx->labels[i]);
          any = true;
        }
      return any;
    }
    default:
      return false; /* FORWARDED_IP: handled by the caller */
  }
  if (!v.ptr) return false;
  if (k->chain.count && mm__waf_transform_copy(ctx, &k->chain, v, &v)) return false;
  key_part(key, v);
  return true;
}

/* The aggregation key of a rate-based statement; false when the request
 * lacks a component (AWS then neither counts nor limits it). */
static bool rate_key(mm_waf_ctx *ctx, const mm__waf_stmt *s, mm_buf *key) {
  char ipbuf[MM_IP_TEXT_MAX];
  /* Keyed by the web ACL (ARN, else name) and the statement's ordinal, so
   * that processes sharing a store (the gateway's Redis) share counts. */
  mm_str id = ctx->acl->arn.len ? ctx->acl->arn : ctx->acl->name;
  key_part(key, id);
  mm_buf_printf(key, "/%u|", s->rate_id);
  mm_ip_addr fwd;
  bool fwd_ok = s->fwd.on && stmt_addr(ctx, &s->fwd, &fwd);
  switch (s->agg) {
    case 0: /* IP */
      if (!ctx->client_ok) return false;
      key_part(key, (mm_str){ipbuf, mm_ip_format(&ctx->client, ipbuf, sizeof(ipbuf))});
      return true;
    case 1: /* FORWARDED_IP */
      if (!fwd_ok) return false;
      key_part(key, (mm_str){ipbuf, mm_ip_format(&fwd, ipbuf, sizeof(ipbuf))});
      return true;
    case 2:
      return true; /* CONSTANT */
    default:
      break;
  }
  for (size_t i = 0; i < s->n_keys; i++) {
    if (s->keys[i].kind == MM__WAF_RK_FORWARDED_IP) {
      if (!fwd_ok) return false;
      key_part(key, (mm_str){ipbuf, mm_ip_format(&fwd, ipbuf, sizeof(ipbuf))});
    } else if (!custom_key(ctx, &s->keys[i], key)) {
      return false;
    }
  }
  return true;
}

static const char *const AGG_NAMES[] = {"IP", "FORWARDED_IP", "CONSTANT", "CUSTOM_KEYS"};

/* 1 when the aggregate's count in the window exceeds Limit. */
static int eval_rate(mm_waf_ctx *ctx, const mm__waf_stmt *s, mm_str *logged_key) {
  if (s->scope_down) {
    int r = eval_stmt(ctx, s->scope_down, 1);
    if (r <= 0) return r;
  }
  if (!ctx->cfg.rate) return 0;
  mm_buf key = MM_BUF_INIT;
  int match = 0;
  if (rate_key(ctx, s, &key) && !key.oom) {
    uint64_t count = 0;
    mm_time now = ctx->req->time ? ctx->req->time : mm_time_now();
    if (ctx->cfg.rate->add(ctx->cfg.rate->self, (mm_str){key.ptr, key.len}, now, s->window,
                           &count) == MM_OK)
      match = count > s->limit;
    const char *bar = memchr(key.ptr, '|', key.len);
    size_t off = bar ? (size_t)(bar - key.ptr) + 1 : 0;
    char *p = mm_arena_memdup(&ctx->arena, key.ptr + off, key.len - off + 1);
    *logged_key = p ? (mm_str){p, key.len - off} : (mm_str){"", 0};
  }
  mm_buf_free(&key);
  return match;
}

/* ---- rules and actions ---------------------------------------------------------------------- */

static int add_hit(mm_waf_ctx *ctx, const mm__waf_rule *top, const mm__waf_rule *inner,
                   mm_waf_action action, bool terminating, bool excluded, mm_waf_rule_hit **out) {
  int rc = grow(ctx, (void **)&ctx->hits, &ctx->cap_hits, ctx->n_hits, sizeof(*ctx->hits));
  if (rc) return rc;
  mm_waf_rule_hit *h = &ctx->hits[ctx->n_hits++];
  memset(h, 0, sizeof(*h));
  const mm__waf_stmt *s = top->stmt;
  h->rule = top->name;
  h->group_rule = inner ? inner->name : (mm_str){"", 0};
  h->group_id = inner ? s->group_id : (mm_str){"", 0};
  h->action = action;
  h->terminating = terminating;
  h->excluded = excluded;
  h->rule_type = s->kind == MM__WAF_S_RATE        ? MM_WAF_RULE_RATE_BASED
                 : s->kind == MM__WAF_S_MANAGED   ? MM_WAF_RULE_MANAGED
                 : s->kind == MM__WAF_S_GROUP_REF ? MM_WAF_RULE_GROUP
                                                  : MM_WAF_RULE_REGULAR;
  h->details = ctx->details;
  h->n_details = ctx->n_details;
  if (out) *out = h;
  return MM_OK;
}

static int insert_headers(mm_waf_ctx *ctx, const mm__waf_rule *r) {
  for (size_t i = 0; i < r->n_insert; i++) {
    int rc = grow(ctx, (void **)&ctx->inserted, &ctx->cap_inserted, ctx->n_inserted,
                  sizeof(*ctx->inserted));
    if (rc) return rc;
    ctx->inserted[ctx->n_inserted++] = r->insert[i];
  }
  return MM_OK;
}

/* Captcha/Challenge: NULL when the request's token is valid. */
static const char *token_failure(mm_waf_ctx *ctx, const mm__waf_rule *r, bool captcha) {
  mm__waf_cookies(ctx);
  mm_str tok = {"", 0};
  for (size_t i = 0; i < ctx->n_cookies; i++)
    if (mm_str_eq(ctx->cookies[i].name, MM_STR("aws-waf-token"))) tok = ctx->cookies[i].value;
  const mm_waf_header *h = mm__waf_header(ctx->req, MM_STR("host"));
  uint32_t imm = r->immunity ? r->immunity
                 : captcha   ? ctx->acl->captcha_immunity
                             : ctx->acl->challenge_immunity;
  mm_time now = ctx->req->time ? ctx->req->time : mm_time_now();
  return mm__waf_token_check(ctx->cfg.token_key, tok, ctx->req->client_ip,
                             h ? h->value : (mm_str){"", 0}, now / 1000000, imm, captcha);
}

/* Apply a matched rule's action. Returns 1 when it terminates evaluation. */
static int apply(mm_waf_ctx *ctx, const mm__waf_rule *top, const mm__waf_rule *inner,
                 mm_waf_action action, bool excluded) {
  const mm__waf_rule *r = inner ? inner : top;
  for (size_t i = 0; i < r->n_labels; i++) {
    int rc = mm__waf_add_label(ctx, r->labels[i]);
    if (rc) return rc;
  }
  mm_waf_result *res = ctx->res;
  bool terminating = action == MM_WAF_ALLOW || action == MM_WAF_BLOCK;
  if (action == MM_WAF_CAPTCHA || action == MM_WAF_CHALLENGE) {
    const char *why = token_failure(ctx, r, action == MM_WAF_CAPTCHA);
    terminating = why != NULL;
    int rc =
        add_labelf(ctx, "awswaf:managed:token:",
                   why ? (strcmp(why, "TOKEN_MISSING") == 0 ? "absent" : "rejected") : "accepted");
    if (rc) return rc;
    if (why) res->token_failure = why;
  }
  mm_waf_rule_hit *h;
  int rc = add_hit(ctx, top, inner, action, terminating, excluded, &h);
  if (rc) return rc;
  if (top->stmt->kind == MM__WAF_S_RATE) {
    h->rate_limit = top->stmt->limit;
    h->rate_window = top->stmt->window;
    h->rate_key_type = AGG_NAMES[top->stmt->agg];
  }
  if (action == MM_WAF_ALLOW || action == MM_WAF_COUNT || !terminating)
    if ((rc = insert_headers(ctx, r))) return rc;
  if (!terminating) return 0;
  res->action = action;
  res->terminating_rule = top->name;
  res->terminating_type = h->rule_type;
  res->response_code = action == MM_WAF_BLOCK       ? 403
                       : action == MM_WAF_CAPTCHA   ? 405
                       : action == MM_WAF_CHALLENGE ? 202
                                                    : 0;
  if (action == MM_WAF_BLOCK && r->response_code) {
    res->custom_response = true;
    res->response_code = r->response_code;
    res->response_body = r->body;
    res->response_content_type = r->content_type;
    res->response_headers = r->resp_headers;
    res->n_response_headers = r->n_resp_headers;
  }
  return 1;
}

static const mm__waf_override *find_override(const mm__waf_stmt *s, mm_str name) {
  const mm__waf_override *found = NULL;
  for (size_t i = 0; i < s->n_overrides; i++)
    if (mm_str_eq(s->overrides[i].name, name)) {
      /* RuleActionOverrides take precedence over ExcludedRules. */
      if (!found || !s->overrides[i].excluded) found = &s->overrides[i];
    }
  return found;
}

static int eval_group(mm_waf_ctx *ctx, const mm__waf_rule *top) {
  const mm__waf_stmt *s = top->stmt;
  if (s->scope_down) {
    int r = eval_stmt(ctx, s->scope_down, 1);
    if (r <= 0) return r;
  }
  const mm__waf_group *g = s->group;
  for (size_t i = 0; i < g->n_rules; i++) {
    const mm__waf_rule *inner = &g->rules[i];
    ctx->details = NULL;
    ctx->n_details = 0;
    mm_str key = {NULL, 0};
    int m = inner->stmt->kind == MM__WAF_S_RATE ? eval_rate(ctx, inner->stmt, &key)
                                                : eval_stmt(ctx, inner->stmt, 0);
    if (m <= 0) {
      if (m < 0) return m;
      continue;
    }
    mm_waf_action a = inner->action;
    const mm__waf_override *o = find_override(s, inner->name);
    if (o) a = o->action;
    if (top->override_count) a = MM_WAF_COUNT;
    int t = apply(ctx, top, inner, a, o && o->excluded);
    if (t) return t;
  }
  return 0;
}

static int eval_rule(mm_waf_ctx *ctx, const mm__waf_rule *r) {
  ctx->details = NULL;
  ctx->n_details = 0;
  const mm__waf_stmt *s = r->stmt;
  if (s->kind == MM__WAF_S_MANAGED || s->kind == MM__WAF_S_GROUP_REF) return eval_group(ctx, r);
  mm_str key = {NULL, 0};
  int m = s->kind == MM__WAF_S_RATE ? eval_rate(ctx, s, &key) : eval_stmt(ctx, s, 0);
  if (m <= 0) return m;
  int t = apply(ctx, r, NULL, (mm_waf_action)r->action, false);
  if (t >= 0 && s->kind == MM__WAF_S_RATE && ctx->n_hits) ctx->hits[ctx->n_hits - 1].rate_key = key;
  return t;
}

static void finish(mm_waf_ctx *ctx, mm_waf_result *res, bool by_default) {
  const mm_waf_acl *acl = ctx->acl;
  if (by_default) {
    res->action = (mm_waf_action)acl->default_action;
    res->terminating_rule = MM_STR("Default_Action");
    res->terminating_type = MM_WAF_RULE_REGULAR;
    res->response_code = acl->default_action == MM_WAF_BLOCK ? 403 : 0;
    if (acl->default_action == MM_WAF_ALLOW) insert_headers(ctx, &acl->default_rule);
    if (acl->default_action == MM_WAF_BLOCK && acl->default_rule.response_code) {
      const mm__waf_rule *r = &acl->default_rule;
      res->custom_response = true;
      res->response_code = r->response_code;
      res->response_body = r->body;
      res->response_content_type = r->content_type;
      res->response_headers = r->resp_headers;
      res->n_response_headers = r->n_resp_headers;
    }
  }
  res->labels = ctx->labels;
  res->n_labels = ctx->n_labels;
  res->hits = ctx->hits;
  res->n_hits = ctx->n_hits;
  res->inserted_headers = ctx->inserted;
  res->n_inserted_headers = ctx->n_inserted;
  res->oversize = ctx->oversize;
  if (!ctx->geo_done && ctx->client_ok) {
    mm_waf_geo_result g;
    geo_of(ctx, &ctx->client, &g);
    memcpy(ctx->geo.country, g.country, sizeof(g.country));
    ctx->geo_done = true;
  }
  res->country = ctx->geo.country;
  mm__waf_fingerprints(ctx);
}

static void reset(mm_waf_ctx *ctx, const mm_waf_request *req, mm_waf_result *res) {
  mm_arena_reset(&ctx->arena);
  if (++ctx->gen == 0) { /* wrapped: forget every cached input */
    memset(ctx->inputs, 0, ctx->acl->n_inputs * sizeof(*ctx->inputs));
    ctx->gen = 1;
  }
  memset(res, 0, sizeof(*res));
  memset(&ctx->geo, 0, sizeof(ctx->geo));
  ctx->req = req;
  ctx->res = res;
  ctx->labels = NULL;
  ctx->n_labels = ctx->cap_labels = 0;
  ctx->hits = NULL;
  ctx->n_hits = ctx->cap_hits = 0;
  ctx->inserted = NULL;
  ctx->n_inserted = ctx->cap_inserted = 0;
  ctx->oversize = 0;
  ctx->cookies = NULL;
  ctx->n_cookies = 0;
  mm__waf_request_facts(ctx);
  mm_time t = req->time ? req->time : mm_time_now();
  res->timestamp_ms = t / 1000;
  if (req->id.len) {
    size_t n = req->id.len < sizeof(res->request_id) ? req->id.len : sizeof(res->request_id) - 1;
    memcpy(res->request_id, req->id.ptr, n);
  } else {
    uint64_t h = mm_hash(&t, sizeof(t), (uint64_t)(uintptr_t)ctx ^ ctx->gen);
    snprintf(res->request_id, sizeof(res->request_id), "%016llx%08x", (unsigned long long)h,
             ctx->gen);
  }
}

int mm_waf_evaluate(mm_waf_ctx *ctx, const mm_waf_request *req, mm_waf_result *res) {
  reset(ctx, req, res);
  const mm_waf_acl *acl = ctx->acl;
  for (size_t i = 0; i < acl->n_rules; i++) {
    int t = eval_rule(ctx, &acl->rules[i]);
    if (t < 0) return t;
    if (t > 0) {
      finish(ctx, res, false);
      return MM_OK;
    }
  }
  finish(ctx, res, true);
  return MM_OK;
}
