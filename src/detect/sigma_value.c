/*
 * sigma_value.c - one Sigma field condition (`field|modifiers: values`) into
 * EventBridge value matchers.
 *
 * Sigma matches strings case-insensitively unless `cased` is given, and
 * values carry the wildcards * and ? (Sigma specification, "Wildcards",
 * "Value modifiers"). EventBridge has equals-ignore-case and case-insensitive
 * prefix and suffix, but its wildcard is case-sensitive and has no
 * one-character form. So a value becomes:
 *
 *   abc            {"equals-ignore-case": "abc"}        (cased: "abc")
 *   abc*           {"prefix": {"equals-ignore-case": "abc"}}
 *   *abc           {"suffix": {"equals-ignore-case": "abc"}}
 *   * alone        {"wildcard": "*"}                    any string
 *   a*b, *abc*     {"wildcard": "a*b"}                  case-sensitive (noted)
 *   a?b            rejected: no EventBridge equivalent
 *   null           [null, {"exists": false}]            null or absent
 *   "true"/"42"    also the JSON true / 42, since Sigma compares text and
 *                  CloudTrail writes booleans and numbers unquoted
 *
 * Modifiers: contains, startswith, endswith, all, cased, re (with i, m, s),
 * cidr, exists, lt/lte/gt/gte, base64, base64offset, fieldref. A regex is
 * converted when it is a literal or an alternation of literals, with .* (and
 * .+, widened to .*) and ^/$ anchors; anything else is rejected with the
 * construct named.
 *
 * Fields that hold objects in a CloudTrail record (requestParameters,
 * responseElements ...; CloudTrail User Guide, "CloudTrail record
 * contents") are matched by a "search" of their leaves, since an
 * EventBridge pattern field matches leaf values only.
 */
#include "detect/sigma_int.h"

#include <string.h>

/* ---- modifiers -------------------------------------------------------------- */

enum {
  M_CONTAINS = 1u << 0,
  M_STARTSWITH = 1u << 1,
  M_ENDSWITH = 1u << 2,
  M_ALL = 1u << 3,
  M_CASED = 1u << 4,
  M_RE = 1u << 5,
  M_RE_I = 1u << 6,
  M_RE_M = 1u << 7,
  M_RE_S = 1u << 8,
  M_CIDR = 1u << 9,
  M_EXISTS = 1u << 10,
  M_NUMERIC = 1u << 11,
  M_BASE64 = 1u << 12,
  M_BASE64OFF = 1u << 13,
  M_FIELDREF = 1u << 14,
};
#define M_POS (M_CONTAINS | M_STARTSWITH | M_ENDSWITH)

static const struct {
  const char *name;
  unsigned flag;
  const char *numeric; /* EventBridge operator for lt/lte/gt/gte */
} modifiers[] = {
    {"contains", M_CONTAINS, NULL},
    {"startswith", M_STARTSWITH, NULL},
    {"endswith", M_ENDSWITH, NULL},
    {"all", M_ALL, NULL},
    {"cased", M_CASED, NULL},
    {"re", M_RE, NULL},
    {"i", M_RE_I, NULL},
    {"m", M_RE_M, NULL},
    {"s", M_RE_S, NULL},
    {"cidr", M_CIDR, NULL},
    {"exists", M_EXISTS, NULL},
    {"lt", M_NUMERIC, "<"},
    {"lte", M_NUMERIC, "<="},
    {"gt", M_NUMERIC, ">"},
    {"gte", M_NUMERIC, ">="},
    {"base64", M_BASE64, NULL},
    {"base64offset", M_BASE64OFF, NULL},
    {"fieldref", M_FIELDREF, NULL},
};

typedef struct fspec {
  const char *field;   /* dotted path, "" for a keyword search (arena) */
  unsigned mods;       /* M_* */
  const char *numeric; /* lt/lte/gt/gte operator */
  bool object;         /* the field holds an object in CloudTrail: search */
} fspec;

/* Fields that hold objects (or arrays of objects) in a CloudTrail record. */
static const char *const object_fields[] = {
    "userIdentity",
    "userIdentity.sessionContext",
    "userIdentity.sessionContext.attributes",
    "userIdentity.sessionContext.sessionIssuer",
    "userIdentity.sessionContext.webIdFederationData",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "resources",
    "serviceEventDetails",
    "tlsDetails",
    "insightDetails",
    "edgeDeviceDetails",
    "addendum",
};

static bool is_object_field(const char *f) {
  for (size_t i = 0; i < MM_ARRAY_LEN(object_fields); i++)
    if (strcmp(f, object_fields[i]) == 0) return true;
  return false;
}

static int find_modifier(const char *m, size_t len) {
  for (size_t i = 0; i < MM_ARRAY_LEN(modifiers); i++)
    if (strlen(modifiers[i].name) == len && memcmp(modifiers[i].name, m, len) == 0) return (int)i;
  return -1;
}

static int bad_modifier(sg_ctx *c, const sg_node *key, const char *m, size_t len) {
  static const char *const known[] = {"windash", "wide", "utf16", "utf16le", "utf16be", "expand"};
  for (size_t i = 0; i < MM_ARRAY_LEN(known); i++)
    if (strlen(known[i]) == len && memcmp(known[i], m, len) == 0)
      return mm__sigma_fail(c->err, MM_EINVAL, key,
                            "modifier '%.*s' is not supported: it applies to Windows command "
                            "lines, UTF-16 text or placeholders, not to CloudTrail JSON",
                            (int)len, m);
  return mm__sigma_fail(c->err, MM_EINVAL, key, "unknown modifier '%.*s'", (int)len, m);
}

/* Which modifier combinations make sense (Sigma specification). */
static int check_mods(sg_ctx *c, const sg_node *key, const fspec *f) {
  unsigned m = f->mods, pos = m & M_POS;
  const char *why = NULL;
  if (pos & (pos - 1)) why = "contains, startswith and endswith exclude each other";
  if ((m & (M_RE_I | M_RE_M | M_RE_S)) && !(m & M_RE)) why = "i, m and s only follow re";
  if ((m & M_RE) && (m & (M_POS | M_CASED | M_BASE64 | M_BASE64OFF)))
    why = "re cannot be combined with contains, startswith, endswith, cased or base64";
  if ((m & (M_CIDR | M_EXISTS | M_NUMERIC)) && (m & ~(M_CIDR | M_EXISTS | M_NUMERIC | M_ALL)))
    why = "cidr, exists, lt, lte, gt and gte stand alone";
  if ((m & M_BASE64OFF) && !(m & M_CONTAINS)) why = "base64offset needs contains";
  if ((m & M_BASE64) && (m & M_BASE64OFF)) why = "base64 and base64offset exclude each other";
  if ((m & M_FIELDREF) && (m & ~(M_FIELDREF | M_POS | M_ALL)))
    why = "fieldref combines only with contains, startswith, endswith and all";
  if (!f->field[0] && (m & (M_EXISTS | M_FIELDREF | M_NUMERIC | M_CIDR)))
    why = "a keyword search (no field name) cannot use exists, fieldref, cidr or numeric modifiers";
  return why ? mm__sigma_fail(c->err, MM_EINVAL, key, "modifiers: %s", why) : MM_OK;
}

/* Split "field|mod|mod" into f. */
static int parse_key(sg_ctx *c, const sg_node *key, fspec *f) {
  if (key->kind != SG_SCALAR)
    return mm__sigma_fail(c->err, MM_EINVAL, key, "a selection's keys are field names");
  const char *s = key->str, *bar = memchr(s, '|', key->len);
  size_t flen = bar ? (size_t)(bar - s) : key->len;
  f->field = mm_arena_strndup(c->arena, s, flen);
  if (!f->field) return mm_error_set(c->err, MM_ENOMEM, "out of memory");
  for (size_t i = 0; i < flen; i++)
    if (s[i] == '.' && (i == 0 || i + 1 == flen || s[i + 1] == '.'))
      return mm__sigma_fail(c->err, MM_EINVAL, key, "field '%s' has an empty path segment",
                            f->field);
  while (bar) {
    const char *m = bar + 1, *end = s + key->len;
    bar = memchr(m, '|', (size_t)(end - m));
    size_t mlen = bar ? (size_t)(bar - m) : (size_t)(end - m);
    int i = find_modifier(m, mlen);
    if (i < 0) return bad_modifier(c, key, m, mlen);
    f->mods |= modifiers[i].flag;
    if (modifiers[i].numeric) f->numeric = modifiers[i].numeric;
  }
  f->object = is_object_field(f->field);
  return check_mods(c, key, f);
}

/* ---- wildcard values --------------------------------------------------------- */

/* A value being assembled: its EventBridge wildcard text and its literal
 * bytes, with where its stars are. */
typedef struct wpat {
  mm_buf wild;    /* EventBridge wildcard syntax: * for a star, \* and \\ escaped */
  mm_buf lit;     /* the literal bytes, stars left out */
  size_t stars;   /* runs of stars (consecutive ones collapse) */
  bool lead;      /* starts with a star */
  bool last_star; /* the last thing added was a star */
} wpat;

static void wp_lit(wpat *p, char ch) {
  if (ch == '*' || ch == '\\') mm_buf_putc(&p->wild, '\\');
  mm_buf_putc(&p->wild, ch);
  mm_buf_putc(&p->lit, ch);
  p->last_star = false;
}

static void wp_star(wpat *p) {
  if (p->last_star) return;
  if (p->wild.len == 0) p->lead = true;
  p->stars++;
  mm_buf_putc(&p->wild, '*');
  p->last_star = true;
}

static void wp_free(wpat *p) {
  mm_buf_free(&p->wild);
  mm_buf_free(&p->lit);
}

static bool has_letters(const mm_buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    char lower = mm_ascii_lower(b->ptr[i]);
    if (lower >= 'a' && lower <= 'z') return true;
  }
  return false;
}

static void put_affix(mm_buf *out, const char *op, const mm_buf *lit, bool ci) {
  mm_buf_printf(out, "{\"%s\":", op);
  if (ci) mm_buf_puts(out, "{\"equals-ignore-case\":");
  mm_json_append_string(out, lit->ptr ? lit->ptr : "", lit->len);
  mm_buf_puts(out, ci ? "}}" : "}");
}

/* Append p's matcher (with a leading comma when out is not empty). */
static void wp_emit(sg_ctx *c, wpat *p, bool ci, mm_buf *out) {
  if (out->len) mm_buf_putc(out, ',');
  const char *lit = p->lit.ptr ? p->lit.ptr : "";
  bool trail = p->last_star;
  if (p->stars == 0 && (p->lit.len == 0 || !ci)) {
    mm_json_append_string(out, lit, p->lit.len);
  } else if (p->stars == 0) {
    mm_buf_puts(out, "{\"equals-ignore-case\":");
    mm_json_append_string(out, lit, p->lit.len);
    mm_buf_putc(out, '}');
  } else if (p->stars == 1 && p->lit.len == 0) {
    mm_buf_puts(out, "{\"wildcard\":\"*\"}");
  } else if (p->stars == 1 && trail) {
    put_affix(out, "prefix", &p->lit, ci);
  } else if (p->stars == 1 && p->lead) {
    put_affix(out, "suffix", &p->lit, ci);
  } else {
    mm_buf_puts(out, "{\"wildcard\":");
    mm_json_append_string(out, p->wild.ptr, p->wild.len);
    mm_buf_putc(out, '}');
    if (ci && has_letters(&p->lit))
      mm__sigma_note(c,
                     "contains and inner wildcards match case-sensitively (EventBridge's "
                     "wildcard has no equals-ignore-case form)");
  }
}

/* Sigma's value syntax into p: * a star; \*, \? and \\ escapes; any other
 * backslash literal. ? is refused. */
static int parse_sigma_string(sg_ctx *c, const sg_node *at, const char *s, size_t len, wpat *p) {
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    if (ch == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
      wp_lit(p, s[++i]);
    } else if (ch == '*') {
      wp_star(p);
    } else if (ch == '?') {
      return mm__sigma_fail(c->err, MM_EINVAL, at,
                            "value '%s': the one-character wildcard '?' has no EventBridge "
                            "equivalent (write \\? for a literal '?')",
                            s);
    } else {
      wp_lit(p, ch);
    }
  }
  return MM_OK;
}

/* ---- regular expressions ------------------------------------------------------ */

static bool re_meta(char ch) { return ch && strchr("()[]{}?+*|^$.", ch) != NULL; }

static bool is_alnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* One alternative of a regex (no '|' inside) into p; anchored says where
 * ^ and $ stood. */
static int re_alternative(sg_ctx *c, const sg_node *at, const char *s, size_t len, wpat *p) {
  bool anchored_start = len && s[0] == '^';
  bool anchored_end = len > 1 && s[len - 1] == '$' && s[len - 2] != '\\';
  if (len == 1 && s[0] == '$') anchored_end = true;
  size_t i = anchored_start, end = len - anchored_end;
  if (anchored_start && anchored_end && end < i) end = i;
  if (!anchored_start) wp_star(p);
  for (; i < end; i++) {
    char ch = s[i];
    if (ch == '\\' && i + 1 < end && !is_alnum(s[i + 1])) {
      wp_lit(p, s[++i]);
    } else if (ch == '.' && i + 1 < end && (s[i + 1] == '*' || s[i + 1] == '+')) {
      if (s[i + 1] == '+')
        mm__sigma_note(c, "regex '.+' converted as '.*': an empty run also matches");
      wp_star(p);
      i++;
    } else if (ch == '\\' || re_meta(ch)) {
      int w = ch == '\\' && i + 1 < end ? 2 : 1;
      return mm__sigma_fail(c->err, MM_EINVAL, at,
                            "regex '%s': '%.*s' has no EventBridge equivalent (only literals, "
                            "'.*', '.+', '^', '$' and top-level '|' convert)",
                            at->str, w, s + i);
    } else {
      wp_lit(p, ch);
    }
  }
  if (!anchored_end) wp_star(p);
  return MM_OK;
}

/* Strip one pair of parentheses around the whole expression (after ^, before
 * $), as in ^(a|b)$. Returns the inner span in *s, *len and re-adds anchors
 * by reporting them. */
static void re_unwrap(const char **s, size_t *len, bool *start, bool *end) {
  const char *t = *s;
  size_t n = *len;
  *start = n && t[0] == '^';
  *end = n > 1 && t[n - 1] == '$' && t[n - 2] != '\\';
  size_t b = *start, e = n - *end;
  if (e < b + 2 || t[b] != '(' || t[e - 1] != ')') return;
  int depth = 0;
  for (size_t i = b; i < e; i++) {
    if (t[i] == '\\') {
      i++;
      continue;
    }
    depth += t[i] == '(' ? 1 : t[i] == ')' ? -1 : 0;
    if (depth == 0 && i + 1 < e) return; /* the first group closes early */
  }
  b += (e - b > 3 && t[b + 1] == '?' && t[b + 2] == ':') ? 3 : 1;
  *s = t + b;
  *len = e - 1 - b;
}

static int regex_matchers(sg_ctx *c, const sg_node *at, const fspec *f, mm_buf *out) {
  const char *s = at->str;
  size_t len = at->len;
  bool start = false, end = false, unwrapped;
  const char *orig = s;
  re_unwrap(&s, &len, &start, &end);
  unwrapped = s != orig;
  if (!unwrapped) start = end = false; /* each alternative keeps its own anchors */
  if (f->mods & (M_RE_M | M_RE_S))
    mm__sigma_note(c, "regex flags m and s are implied: '*' spans lines");
  for (size_t i = 0, from = 0; i <= len; i++) {
    if (i < len && s[i] == '\\') {
      i++;
      continue;
    }
    if (i < len && s[i] != '|') continue;
    /* an alternative [from, i), with the outer anchors re-applied */
    mm_buf alt = MM_BUF_INIT;
    if (start) mm_buf_putc(&alt, '^');
    mm_buf_append(&alt, s + from, i - from);
    if (end) mm_buf_putc(&alt, '$');
    wpat p = {MM_BUF_INIT, MM_BUF_INIT, 0, false, false};
    int rc = alt.oom ? mm_error_set(c->err, MM_ENOMEM, "out of memory")
                     : re_alternative(c, at, alt.ptr ? alt.ptr : "", alt.len, &p);
    if (rc == MM_OK) wp_emit(c, &p, (f->mods & M_RE_I) != 0, out);
    wp_free(&p);
    mm_buf_free(&alt);
    if (rc != MM_OK) return rc;
    from = i + 1;
  }
  if ((f->mods & M_RE_I) == 0) return MM_OK;
  /* re|i with a wildcard cannot be expressed: wp_emit noted it; refuse */
  if (strstr(out->ptr ? out->ptr : "", "\"wildcard\""))
    return mm__sigma_fail(c->err, MM_EINVAL, at,
                          "regex '%s' with flag i needs a case-insensitive wildcard, which "
                          "EventBridge does not have",
                          at->str);
  return MM_OK;
}

/* ---- base64 ------------------------------------------------------------------- */

static void b64(const unsigned char *in, size_t n, mm_buf *out) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    mm_buf_putc(out, tab[v >> 18 & 63]);
    mm_buf_putc(out, tab[v >> 12 & 63]);
    mm_buf_putc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
    mm_buf_putc(out, i + 2 < n ? tab[v & 63] : '=');
  }
}

/* The literal (already parsed into lit) base64-encoded, as one literal
 * (base64) or as the three shifted encodings whose middle is stable
 * whatever the value's offset in the encoded text (base64offset). */
static int base64_variants(sg_ctx *c, const sg_node *at, const fspec *f, const wpat *src,
                           mm_buf *out) {
  if (src->stars)
    return mm__sigma_fail(c->err, MM_EINVAL, at, "base64 values cannot hold wildcards");
  static const size_t start[3] = {0, 2, 3};
  static const size_t cut[3] = {0, 3, 2}; /* chars dropped at the end, by (len + i) % 3 */
  size_t variants = (f->mods & M_BASE64OFF) ? 3 : 1;
  for (size_t i = 0; i < variants; i++) {
    mm_buf raw = MM_BUF_INIT, enc = MM_BUF_INIT;
    for (size_t k = 0; k < i; k++) mm_buf_putc(&raw, ' ');
    mm_buf_append(&raw, src->lit.ptr ? src->lit.ptr : "", src->lit.len);
    b64((const unsigned char *)(raw.ptr ? raw.ptr : ""), raw.len, &enc);
    size_t from = variants == 3 ? start[i] : 0;
    size_t drop = variants == 3 ? cut[(src->lit.len + i) % 3] : 0;
    wpat p = {MM_BUF_INIT, MM_BUF_INIT, 0, false, false};
    if (f->mods & (M_CONTAINS | M_ENDSWITH)) wp_star(&p);
    for (size_t k = from; k + drop < enc.len; k++) wp_lit(&p, enc.ptr[k]);
    if (f->mods & (M_CONTAINS | M_STARTSWITH)) wp_star(&p);
    wp_emit(c, &p, false, out); /* base64 text is case-sensitive by nature */
    wp_free(&p);
    mm_buf_free(&raw);
    mm_buf_free(&enc);
  }
  return MM_OK;
}

/* ---- one value ------------------------------------------------------------------ */

/* Is s a JSON number (so it may be written as one)? */
static bool json_number(const char *s, size_t len) {
  size_t i = 0;
  if (i < len && s[i] == '-') i++;
  if (i >= len || !(s[i] >= '0' && s[i] <= '9')) return false;
  if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') return false;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  if (i < len && s[i] == '.') {
    if (++i >= len || !(s[i] >= '0' && s[i] <= '9')) return false;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    if (++i < len && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= len || !(s[i] >= '0' && s[i] <= '9')) return false;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  }
  return i == len && len <= 32;
}

static bool ieq(const sg_node *v, const char *lit) {
  return mm_str_ieq((mm_str){v->str, v->len}, mm_str_from(lit));
}

/* The JSON true/false/number a plain value also stands for. */
static void typed_variants(const sg_node *v, mm_buf *out) {
  if (ieq(v, "true") || ieq(v, "false")) {
    mm_buf_puts(out, ieq(v, "true") ? ",true" : ",false");
  } else if (json_number(v->str, v->len)) {
    mm_buf_putc(out, ',');
    mm_buf_append(out, v->str, v->len);
  }
}

/* Matchers for one scalar value v under spec f, appended to out. */
static int value_matchers(sg_ctx *c, const fspec *f, const sg_node *v, mm_buf *out) {
  unsigned m = f->mods;
  if (m & M_RE) return regex_matchers(c, v, f, out);
  if (m & M_CIDR) {
    mm_buf_puts(out, out->len ? ",{\"cidr\":" : "{\"cidr\":");
    mm_json_append_string(out, v->str, v->len);
    return mm_buf_putc(out, '}'), MM_OK;
  }
  if (m & M_NUMERIC) {
    if (!json_number(v->str, v->len))
      return mm__sigma_fail(c->err, MM_EINVAL, v, "%s needs a number, not '%s'", f->numeric,
                            v->str);
    mm_buf_printf(out, "%s{\"numeric\":[\"%s\",%s]}", out->len ? "," : "", f->numeric, v->str);
    return MM_OK;
  }
  wpat p = {MM_BUF_INIT, MM_BUF_INIT, 0, false, false};
  int rc = MM_OK;
  if ((m & (M_CONTAINS | M_ENDSWITH)) && !(m & (M_BASE64 | M_BASE64OFF))) wp_star(&p);
  rc = parse_sigma_string(c, v, v->str, v->len, &p);
  if (rc == MM_OK && !(m & (M_BASE64 | M_BASE64OFF)) && (m & (M_CONTAINS | M_STARTSWITH)))
    wp_star(&p);
  if (rc == MM_OK && (m & (M_BASE64 | M_BASE64OFF))) {
    rc = base64_variants(c, v, f, &p, out);
  } else if (rc == MM_OK) {
    wp_emit(c, &p, (m & M_CASED) == 0, out);
    if (!(m & M_POS) && p.stars == 0) typed_variants(v, out);
  }
  wp_free(&p);
  return rc;
}

/* ---- expressions ----------------------------------------------------------------- */

static sg_expr *leaf(sg_ctx *c, const fspec *f, mm_buf *matchers) {
  if (matchers->oom) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
  bool search = f->object || !f->field[0];
  sg_expr *e = mm__sigma_expr(c, search ? SG_SEARCH : SG_FIELD, 0);
  if (!e) return NULL;
  e->field = f->field;
  e->line = c->at ? c->at->line : 0;
  e->column = c->at ? c->at->column : 0;
  e->matchers = mm_arena_strndup(c->arena, matchers->ptr ? matchers->ptr : "", matchers->len);
  if (!e->matchers) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
  return e;
}

static sg_expr *leaf_text(sg_ctx *c, const fspec *f, const char *text) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, text);
  sg_expr *e = leaf(c, f, &b);
  mm_buf_free(&b);
  return e;
}

static sg_expr *negate(sg_ctx *c, sg_expr *e) {
  sg_expr *n = e ? mm__sigma_expr(c, SG_NOT, 1) : NULL;
  if (n) n->kids[0] = e;
  return n;
}

/* field|exists: true/false. On an object field, "exists" means some leaf
 * lies below it (an EventBridge exists looks at leaves of the path only). */
static sg_expr *exists_expr(sg_ctx *c, const fspec *f, const sg_node *v) {
  bool want;
  if (ieq(v, "true"))
    want = true;
  else if (ieq(v, "false"))
    want = false;
  else
    return mm__sigma_fail(c->err, MM_EINVAL, v, "exists needs true or false"), NULL;
  if (f->object) {
    sg_expr *e = leaf_text(c, f, "{\"exists\":true}");
    return want ? e : negate(c, e);
  }
  return leaf_text(c, f, want ? "{\"exists\":true}" : "{\"exists\":false}");
}

static sg_expr *fieldref_expr(sg_ctx *c, const fspec *f, const sg_node *v) {
  if (v->kind != SG_SCALAR || !v->len)
    return mm__sigma_fail(c->err, MM_EINVAL, v, "fieldref needs a field name"), NULL;
  sg_expr *e = mm__sigma_expr(c, SG_FIELDREF, 0);
  if (!e) return NULL;
  e->field = f->field;
  e->line = v->line;
  e->column = v->column;
  e->ref = mm_arena_strndup(c->arena, v->str, v->len);
  e->refop = (f->mods & M_CONTAINS)     ? "contains"
             : (f->mods & M_STARTSWITH) ? "startswith"
             : (f->mods & M_ENDSWITH)   ? "endswith"
                                        : "equals";
  return e->ref ? e : (mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL);
}

/* A null value: the field is null or absent. */
static sg_expr *null_expr(sg_ctx *c, const fspec *f, const sg_node *v) {
  if (f->mods & ~M_ALL)
    return mm__sigma_fail(c->err, MM_EINVAL, v, "a null value takes no modifiers"), NULL;
  if (!f->field[0]) return mm__sigma_fail(c->err, MM_EINVAL, v, "a keyword cannot be null"), NULL;
  fspec plain = *f;
  plain.object = false; /* null / absent is about the field itself */
  return leaf_text(c, &plain, "null,{\"exists\":false}");
}

/* The expression for one value (a scalar) under spec f. */
static sg_expr *one_value(sg_ctx *c, const fspec *f, const sg_node *v) {
  if (v->kind != SG_SCALAR)
    return mm__sigma_fail(c->err, MM_EINVAL, v, "a field's value is a scalar or a list of them"),
           NULL;
  c->at = v;
  if (mm__sigma_is_null(v)) return null_expr(c, f, v);
  if (f->mods & M_EXISTS) return exists_expr(c, f, v);
  if (f->mods & M_FIELDREF) return fieldref_expr(c, f, v);
  mm_buf b = MM_BUF_INIT;
  int rc = value_matchers(c, f, v, &b);
  sg_expr *e = rc == MM_OK ? leaf(c, f, &b) : NULL;
  mm_buf_free(&b);
  return e;
}

/* The values of a list: each one's expression, joined by AND (all) or OR. */
static sg_expr *list_values(sg_ctx *c, const fspec *f, const sg_node *list) {
  if (list->n == 0)
    return mm__sigma_fail(c->err, MM_EINVAL, list, "an empty list of values matches nothing"), NULL;
  sg_expr *e = mm__sigma_expr(c, (f->mods & M_ALL) ? SG_AND : SG_OR, list->n);
  if (!e) return NULL;
  size_t i = 0;
  for (const sg_node *v = list->first; v; v = v->next)
    if (!(e->kids[i++] = one_value(c, f, v))) return NULL;
  return e;
}

sg_expr *mm__sigma_field_expr(sg_ctx *c, const sg_node *key, const sg_node *value) {
  fspec f = {0};
  if (parse_key(c, key, &f) != MM_OK) return NULL;
  if (value->kind == SG_SEQ) return list_values(c, &f, value);
  return one_value(c, &f, value);
}

sg_expr *mm__sigma_keywords_expr(sg_ctx *c, const sg_node *value) {
  fspec f = {.field = "", .mods = M_CONTAINS};
  /* a keyword matches anywhere in the record: Sigma's keyword search is a
   * substring search of the whole event */
  if (value->kind == SG_SEQ) return list_values(c, &f, value);
  return one_value(c, &f, value);
}
