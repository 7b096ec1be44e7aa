/*
 * acl_stmt.c - the 16 WAFv2 rule statements: one row each in STATEMENTS[]
 * ({AWS member name, parse}), read from the API's Statement object, which
 * holds exactly one of them. Each parse fills an mm__waf_stmt, checks the
 * members AWS defines (API Reference pages ByteMatchStatement,
 * SqliMatchStatement, XssMatchStatement, RegexMatchStatement,
 * RegexPatternSetReferenceStatement, IPSetReferenceStatement,
 * GeoMatchStatement, AsnMatchStatement, SizeConstraintStatement,
 * LabelMatchStatement, AndStatement, OrStatement, NotStatement,
 * RateBasedStatement, ManagedRuleGroupStatement,
 * RuleGroupReferenceStatement) and computes the statement's WCUs (wcu.c).
 *
 * Nesting is bounded by MM_WAF_MAX_STMT_DEPTH; a RateBased, ManagedRuleGroup
 * or RuleGroupReference statement may only be a rule's top statement (the
 * API nests them nowhere else), and scope-down statements may not contain
 * them either.
 */
#include "waf/acl.h"

#include "mamori/alloc.h"

#include <string.h>

typedef int (*stmt_parse_fn)(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                             mm__waf_stmt *s);

static int parse_text_common(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                             mm__waf_stmt *s) {
  int rc = mm__waf_field_parse(ps, v, path, &s->field);
  if (rc) return rc;
  const mm_json_value *tt = mm_json_get(v, "TextTransformations");
  size_t mark = mm__waf_path_push(path, "TextTransformations");
  if (!tt) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  mm_error e;
  mm_error_clear(&e);
  rc = mm__waf_chain_from_json(&s->chain, tt, path->buf, &e);
  if (rc) {
    if (ps->err && ps->err->code == MM_OK) *ps->err = e;
    return rc;
  }
  mm__waf_path_pop(path, mark);
  return mm__waf_input_intern(ps->acl, &s->field, &s->chain, &s->input)
             ? mm__waf_fail(ps, path, MM_ENOMEM, "out of memory")
             : MM_OK;
}

/* Escape bytes as \xHH so that any string is a literal Vectorscan/PCRE2 regex. */
static mm_str literal_regex(mm__waf_parse *ps, mm_str lit, bool word) {
  static const char hex[] = "0123456789abcdef";
  const char *pre = word ? "(?:^|[^A-Za-z0-9_])" : "", *post = word ? "(?:[^A-Za-z0-9_]|$)" : "";
  size_t n = strlen(pre) + lit.len * 4 + strlen(post);
  char *p = mm_arena_alloc(&ps->acl->arena, n + 1);
  if (!p) return (mm_str){NULL, 0};
  size_t o = 0;
  memcpy(p, pre, strlen(pre));
  o += strlen(pre);
  for (size_t i = 0; i < lit.len; i++) {
    uint8_t c = (uint8_t)lit.ptr[i];
    p[o++] = '\\';
    p[o++] = 'x';
    p[o++] = hex[c >> 4];
    p[o++] = hex[c & 15];
  }
  memcpy(p + o, post, strlen(post));
  o += strlen(post);
  p[o] = '\0';
  return (mm_str){p, o};
}

static int add_pattern(mm__waf_parse *ps, mm__waf_stmt *s, mm_str re) {
  mm__waf_pattern *p = mm_arena_calloc(&ps->acl->arena, s->n_patterns + 1, sizeof(*p));
  if (!p || !re.ptr) return MM_ENOMEM;
  if (s->n_patterns) memcpy(p, s->patterns, s->n_patterns * sizeof(*p));
  p[s->n_patterns] = (mm__waf_pattern){.bit = UINT32_MAX, .text = re};
  s->patterns = p;
  s->n_patterns++;
  return MM_OK;
}

/* base64 (RFC 4648, padding optional) of s into out; false when malformed. */
static bool b64_decode(mm_str s, char *out, size_t *n) {
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0, i = 0;
  for (; i < s.len && s.ptr[i] != '='; i++) {
    char c = s.ptr[i];
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (v < 0) return false;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (char)(acc >> bits & 0xff);
    }
  }
  for (; i < s.len; i++)
    if (s.ptr[i] != '=') return false;
  *n = o;
  return true;
}

static int parse_byte_match(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                            mm__waf_stmt *s) {
  static const char *const m[] = {"SearchString",
                                  "SearchStringBase64",
                                  "FieldToMatch",
                                  "TextTransformations",
                                  "PositionalConstraint",
                                  "PreParseTextTransformations",
                                  NULL};
  static const char *const pos[] = {"EXACTLY",  "STARTS_WITH",   "ENDS_WITH",
                                    "CONTAINS", "CONTAINS_WORD", NULL};
  int p = 0;
  mm_str plain, b64;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_enum(ps, v, "PositionalConstraint", path, pos, true, &p);
  if (!rc) rc = mm__waf_get_string(ps, v, "SearchString", path, false, &plain);
  if (!rc) rc = mm__waf_get_string(ps, v, "SearchStringBase64", path, false, &b64);
  if (rc) return rc;
  bool has_plain = mm_json_get(v, "SearchString"), has_b64 = mm_json_get(v, "SearchStringBase64");
  if (has_plain == has_b64)
    return mm__waf_fail(ps, path, MM_EINVAL,
                        "give exactly one of SearchString, SearchStringBase64");
  bool decode = has_b64 || (ps->loader && (ps->loader->flags & MM_WAF_LOAD_SEARCH_BASE64));
  mm_str src = has_b64 ? b64 : plain;
  size_t mark = mm__waf_path_push(path, has_b64 ? "SearchStringBase64" : "SearchString");
  char *buf = mm_arena_alloc(&ps->acl->arena, src.len + 1);
  if (!buf) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  size_t n = src.len;
  if (decode) {
    if (!b64_decode(src, buf, &n)) return mm__waf_fail(ps, path, MM_EINVAL, "invalid base64");
  } else {
    memcpy(buf, src.ptr, n);
  }
  buf[n] = '\0';
  if (n == 0 || n > MM_WAF_MAX_SEARCH_STRING)
    return mm__waf_fail(ps, path, MM_EINVAL, "the search string has 1 to %d bytes",
                        MM_WAF_MAX_SEARCH_STRING);
  s->search = (mm_str){buf, n};
  s->position = (uint8_t)p;
  if (p == MM__WAF_POS_CONTAINS_WORD)
    for (size_t i = 0; i < n; i++) {
      char c = buf[i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
        return mm__waf_fail(ps, path, MM_EINVAL,
                            "CONTAINS_WORD needs a search string of A-Z a-z 0-9 _ only");
    }
  mm__waf_path_pop(path, mark);
  if ((rc = parse_text_common(ps, v, path, s))) return rc;
  if (p == MM__WAF_POS_CONTAINS || p == MM__WAF_POS_CONTAINS_WORD)
    if (add_pattern(ps, s, literal_regex(ps, s->search, p == MM__WAF_POS_CONTAINS_WORD)))
      return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  return MM_OK;
}

static int parse_sqli(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                      mm__waf_stmt *s) {
  static const char *const m[] = {"FieldToMatch", "TextTransformations", "SensitivityLevel",
                                  "PreParseTextTransformations", NULL};
  static const char *const lv[] = {"LOW", "HIGH", NULL};
  int sens = 0;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_enum(ps, v, "SensitivityLevel", path, lv, false, &sens);
  s->sensitivity = (uint8_t)sens;
  return rc ? rc : parse_text_common(ps, v, path, s);
}

static int parse_xss(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                     mm__waf_stmt *s) {
  static const char *const m[] = {"FieldToMatch", "TextTransformations",
                                  "PreParseTextTransformations", NULL};
  int rc = mm__waf_check_members(ps, v, path, m);
  return rc ? rc : parse_text_common(ps, v, path, s);
}

static int check_regex(mm__waf_parse *ps, mm__waf_path *path, mm_str re) {
  char why[160];
  if (re.len == 0 || re.len > MM_WAF_MAX_REGEX_LEN)
    return mm__waf_fail(ps, path, MM_EINVAL, "a regex has 1 to %d characters",
                        MM_WAF_MAX_REGEX_LEN);
  if (mm__waf_regex_check(re, why, sizeof(why)) != MM_OK)
    return mm__waf_fail(ps, path, MM_EINVAL, "invalid regex: %s", why);
  return MM_OK;
}

static int parse_regex(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_stmt *s) {
  static const char *const m[] = {"RegexString", "FieldToMatch", "TextTransformations",
                                  "PreParseTextTransformations", NULL};
  mm_str re;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "RegexString", path, true, &re);
  if (rc) return rc;
  size_t mark = mm__waf_path_push(path, "RegexString");
  if ((rc = check_regex(ps, path, re))) return rc;
  mm__waf_path_pop(path, mark);
  if ((rc = parse_text_common(ps, v, path, s))) return rc;
  return add_pattern(ps, s, mm__waf_dup(ps, re)) ? mm__waf_fail(ps, path, MM_ENOMEM, "oom") : MM_OK;
}

static int parse_regex_set(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                           mm__waf_stmt *s) {
  static const char *const m[] = {"ARN", "FieldToMatch", "TextTransformations",
                                  "PreParseTextTransformations", NULL};
  mm_str arn;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "ARN", path, true, &arn);
  if (rc) return rc;
  const mm__waf_regex_src *src = ps->loader ? mm__waf_loader_regex(ps->loader, arn) : NULL;
  size_t mark = mm__waf_path_push(path, "ARN");
  if (!src) return mm__waf_fail(ps, path, MM_ENOENT, "no RegexPatternSet with this ARN was loaded");
  mm__waf_path_pop(path, mark);
  if ((rc = parse_text_common(ps, v, path, s))) return rc;
  for (size_t i = 0; i < src->n; i++)
    if (add_pattern(ps, s, mm__waf_dup(ps, src->regexes[i])))
      return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  return MM_OK;
}

static int parse_fwd(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path, bool position,
                     mm__waf_fwd *f) {
  static const char *const m1[] = {"HeaderName", "FallbackBehavior", NULL};
  static const char *const m2[] = {"HeaderName", "FallbackBehavior", "Position", NULL};
  static const char *const fb[] = {"MATCH", "NO_MATCH", NULL};
  static const char *const pos[] = {"FIRST", "LAST", "ANY", NULL};
  int fallback = 0, p = 0;
  mm_str h;
  int rc = mm__waf_check_members(ps, v, path, position ? m2 : m1);
  if (!rc) rc = mm__waf_get_string(ps, v, "HeaderName", path, true, &h);
  if (!rc) rc = mm__waf_get_enum(ps, v, "FallbackBehavior", path, fb, true, &fallback);
  if (!rc && position) rc = mm__waf_get_enum(ps, v, "Position", path, pos, true, &p);
  if (rc) return rc;
  if (h.len == 0 || h.len > 255) {
    mm__waf_path_push(path, "HeaderName");
    return mm__waf_fail(ps, path, MM_EINVAL, "HeaderName has 1 to 255 characters");
  }
  f->on = true;
  f->header = mm__waf_dup(ps, h);
  f->fallback_match = fallback == 0;
  f->position = (uint8_t)p;
  return MM_OK;
}

static int parse_opt_fwd(mm__waf_parse *ps, const mm_json_value *v, const char *member,
                         mm__waf_path *path, bool position, mm__waf_fwd *f) {
  const mm_json_value *fw = mm_json_get(v, member);
  if (!fw) return MM_OK;
  size_t mark = mm__waf_path_push(path, member);
  int rc = parse_fwd(ps, fw, path, position, f);
  if (!rc) mm__waf_path_pop(path, mark);
  return rc;
}

static int parse_ip_set(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                        mm__waf_stmt *s) {
  static const char *const m[] = {"ARN", "IPSetForwardedIPConfig", NULL};
  mm_str arn;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "ARN", path, true, &arn);
  if (!rc) rc = parse_opt_fwd(ps, v, "IPSetForwardedIPConfig", path, true, &s->fwd);
  if (rc) return rc;
  const mm__waf_ipset_src *src = ps->loader ? mm__waf_loader_ipset(ps->loader, arn) : NULL;
  size_t mark = mm__waf_path_push(path, "ARN");
  if (!src) return mm__waf_fail(ps, path, MM_ENOENT, "no IPSet with this ARN was loaded");
  mm__waf_path_pop(path, mark);
  mm_waf_acl *acl = ps->acl;
  if (acl->n_ipsets == acl->cap_ipsets) {
    size_t cap = acl->cap_ipsets ? acl->cap_ipsets * 2 : 8;
    mm_ipset **p = mm_realloc(acl->ipsets, cap * sizeof(*p));
    if (!p) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
    acl->ipsets = p;
    acl->cap_ipsets = cap;
  }
  mm_ipset_builder *b = mm_ipset_builder_new();
  if (!b) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_error e;
  mm_error_clear(&e);
  for (size_t i = 0; i < src->n && rc == MM_OK; i++)
    rc = mm_ipset_add_text(b, src->addrs[i].ptr, src->addrs[i].len, MM_CIDR_WAF, 1, &e);
  s->ipset = rc == MM_OK ? mm_ipset_compile(b, &e) : NULL;
  mm_ipset_builder_free(b);
  if (!s->ipset) return mm__waf_fail(ps, path, rc ? rc : MM_ENOMEM, "IP set: %s", e.msg);
  acl->ipsets[acl->n_ipsets++] = s->ipset;
  return MM_OK;
}

static int parse_geo(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                     mm__waf_stmt *s) {
  static const char *const m[] = {"CountryCodes", "ForwardedIPConfig", NULL};
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = parse_opt_fwd(ps, v, "ForwardedIPConfig", path, false, &s->fwd);
  if (rc) return rc;
  const mm_json_value *cc = mm_json_get(v, "CountryCodes");
  size_t mark = mm__waf_path_push(path, "CountryCodes");
  if (!mm_json_is_array(cc) || mm_json_len(cc) == 0)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected a non-empty array of country codes");
  s->n_countries = mm_json_len(cc);
  s->countries = mm_arena_calloc(&ps->acl->arena, s->n_countries, 3);
  if (!s->countries) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(cc);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    mm_str c = mm_json_get_str(e);
    if (c.len != 2 || c.ptr[0] < 'A' || c.ptr[0] > 'Z' || c.ptr[1] < 'A' || c.ptr[1] > 'Z') {
      mm__waf_path_index(path, i);
      return mm__waf_fail(ps, path, MM_EINVAL, "expected an ISO 3166-1 alpha-2 code (\"US\")");
    }
    memcpy(s->countries[i], c.ptr, 2);
  }
  mm__waf_path_pop(path, mark);
  ps->acl->needs_geo = true;
  return MM_OK;
}

static int parse_asn(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                     mm__waf_stmt *s) {
  static const char *const m[] = {"AsnList", "ForwardedIPConfig", NULL};
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = parse_opt_fwd(ps, v, "ForwardedIPConfig", path, false, &s->fwd);
  if (rc) return rc;
  const mm_json_value *al = mm_json_get(v, "AsnList");
  size_t mark = mm__waf_path_push(path, "AsnList");
  /* API AsnMatchStatement: AsnList has 1 to 100 items, 0 to 4294967295. */
  if (!mm_json_is_array(al) || mm_json_len(al) == 0 || mm_json_len(al) > 100)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an array of 1 to 100 ASNs");
  s->n_asns = mm_json_len(al);
  s->asns = mm_arena_calloc(&ps->acl->arena, s->n_asns, sizeof(uint32_t));
  if (!s->asns) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(al);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    uint64_t a;
    if (mm_json_get_uint64(e, &a) != MM_OK || a > UINT32_MAX) {
      mm__waf_path_index(path, i);
      return mm__waf_fail(ps, path, MM_ERANGE, "expected an ASN from 0 to 4294967295");
    }
    s->asns[i] = (uint32_t)a;
  }
  mm__waf_path_pop(path, mark);
  ps->acl->needs_geo = true;
  return MM_OK;
}

static int parse_size(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                      mm__waf_stmt *s) {
  static const char *const m[] = {"FieldToMatch",        "ComparisonOperator",          "Size",
                                  "TextTransformations", "PreParseTextTransformations", NULL};
  static const char *const ops[] = {"EQ", "NE", "LE", "LT", "GE", "GT", NULL};
  int op = 0;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_enum(ps, v, "ComparisonOperator", path, ops, true, &op);
  /* API SizeConstraintStatement: Size 0 to 21474836480. */
  if (!rc) rc = mm__waf_get_uint(ps, v, "Size", path, true, 0, 21474836480ull, &s->size);
  s->cmp = (uint8_t)op;
  return rc ? rc : parse_text_common(ps, v, path, s);
}

static int parse_label(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_stmt *s) {
  static const char *const m[] = {"Scope", "Key", NULL};
  static const char *const scopes[] = {"LABEL", "NAMESPACE", NULL};
  int scope = 0;
  mm_str key;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_enum(ps, v, "Scope", path, scopes, true, &scope);
  if (!rc) rc = mm__waf_get_string(ps, v, "Key", path, true, &key);
  if (rc) return rc;
  if (key.len == 0 || key.len > 1024) {
    mm__waf_path_push(path, "Key");
    return mm__waf_fail(ps, path, MM_EINVAL, "Key has 1 to 1024 characters");
  }
  s->namespace_scope = scope == 1;
  /* A NAMESPACE key is matched as "<key>:" whether or not it ends with ':'. */
  if (s->namespace_scope && key.ptr[key.len - 1] != ':') {
    char *p = mm_arena_alloc(&ps->acl->arena, key.len + 2);
    if (!p) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
    memcpy(p, key.ptr, key.len);
    p[key.len] = ':';
    p[key.len + 1] = '\0';
    s->key = (mm_str){p, key.len + 1};
  } else {
    s->key = mm__waf_dup(ps, key);
  }
  return MM_OK;
}

static int parse_child(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_stmt **out) {
  if (ps->depth >= MM_WAF_MAX_STMT_DEPTH)
    return mm__waf_fail(ps, path, MM_ELIMIT, "statements nest deeper than %d",
                        MM_WAF_MAX_STMT_DEPTH);
  ps->depth++;
  int rc = mm__waf_stmt_parse(ps, v, path, out);
  ps->depth--;
  if (rc) return rc;
  mm__waf_stmt_kind k = (*out)->kind;
  if (k == MM__WAF_S_RATE || k == MM__WAF_S_MANAGED || k == MM__WAF_S_GROUP_REF)
    return mm__waf_fail(ps, path, MM_EINVAL,
                        "rate-based and rule group statements cannot be nested");
  return MM_OK;
}

static int parse_logical(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                         mm__waf_stmt *s) {
  static const char *const m[] = {"Statements", NULL};
  int rc = mm__waf_check_members(ps, v, path, m);
  if (rc) return rc;
  const mm_json_value *arr = mm_json_get(v, "Statements");
  size_t mark = mm__waf_path_push(path, "Statements");
  if (!mm_json_is_array(arr) || mm_json_len(arr) < 2)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an array of at least 2 statements");
  s->n_children = mm_json_len(arr);
  s->children = mm_arena_calloc(&ps->acl->arena, s->n_children, sizeof(*s->children));
  if (!s->children) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mk = mm__waf_path_index(path, i);
    if ((rc = parse_child(ps, e, path, &s->children[i]))) return rc;
    mm__waf_path_pop(path, mk);
  }
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_not(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                     mm__waf_stmt *s) {
  static const char *const m[] = {"Statement", NULL};
  int rc = mm__waf_check_members(ps, v, path, m);
  if (rc) return rc;
  s->children = mm_arena_calloc(&ps->acl->arena, 1, sizeof(*s->children));
  if (!s->children) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  s->n_children = 1;
  size_t mark = mm__waf_path_push(path, "Statement");
  if (!mm_json_get(v, "Statement")) return mm__waf_fail(ps, path, MM_EINVAL, "missing member");
  if ((rc = parse_child(ps, mm_json_get(v, "Statement"), path, &s->children[0]))) return rc;
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_scope_down(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                            mm__waf_stmt *s) {
  const mm_json_value *sd = mm_json_get(v, "ScopeDownStatement");
  if (!sd) return MM_OK;
  size_t mark = mm__waf_path_push(path, "ScopeDownStatement");
  int rc = parse_child(ps, sd, path, &s->scope_down);
  if (!rc) mm__waf_path_pop(path, mark);
  return rc;
}

/* Overrides: ExcludedRules [{Name}] and RuleActionOverrides [{Name, ActionToUse}]. */
static int parse_overrides(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                           mm__waf_stmt *s) {
  const mm_json_value *ex = mm_json_get(v, "ExcludedRules"),
                      *ro = mm_json_get(v, "RuleActionOverrides");
  size_t n = mm_json_len(ex) + mm_json_len(ro);
  if (!n) return MM_OK;
  s->overrides = mm_arena_calloc(&ps->acl->arena, n, sizeof(*s->overrides));
  if (!s->overrides) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  for (int which = 0; which < 2; which++) {
    const mm_json_value *arr = which ? ro : ex;
    if (!arr) continue;
    size_t mark = mm__waf_path_push(path, which ? "RuleActionOverrides" : "ExcludedRules");
    if (!mm_json_is_array(arr)) return mm__waf_fail(ps, path, MM_ETYPE, "expected an array");
    mm_json_iter it = mm_json_iter_init(arr);
    const mm_json_value *e;
    for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
      static const char *const m0[] = {"Name", NULL};
      static const char *const m1[] = {"Name", "ActionToUse", NULL};
      size_t mk = mm__waf_path_index(path, i);
      mm__waf_override *o = &s->overrides[s->n_overrides];
      mm__waf_rule tmp = {0};
      mm_str name;
      int rc = mm__waf_check_members(ps, e, path, which ? m1 : m0);
      if (!rc) rc = mm__waf_get_string(ps, e, "Name", path, true, &name);
      if (rc) return rc;
      if (which) {
        const mm_json_value *a = mm_json_get(e, "ActionToUse");
        size_t mk2 = mm__waf_path_push(path, "ActionToUse");
        if (!a) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
        if ((rc = mm__waf_action_parse(ps, a, path, &tmp))) return rc;
        mm__waf_path_pop(path, mk2);
      }
      o->name = mm__waf_dup(ps, name);
      o->action = which ? tmp.action : MM_WAF_COUNT;
      o->excluded = !which;
      s->n_overrides++;
      mm__waf_path_pop(path, mk);
    }
    mm__waf_path_pop(path, mark);
  }
  return MM_OK;
}

static int parse_managed(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                         mm__waf_stmt *s) {
  static const char *const m[] = {"VendorName",
                                  "Name",
                                  "Version",
                                  "ExcludedRules",
                                  "ScopeDownStatement",
                                  "ManagedRuleGroupConfigs",
                                  "RuleActionOverrides",
                                  NULL};
  mm_str vendor, name, version;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "VendorName", path, true, &vendor);
  if (!rc) rc = mm__waf_get_string(ps, v, "Name", path, true, &name);
  if (!rc) rc = mm__waf_get_string(ps, v, "Version", path, false, &version);
  if (!rc) rc = parse_scope_down(ps, v, path, s);
  if (!rc) rc = parse_overrides(ps, v, path, s);
  if (!rc) rc = mm__waf_loader_managed(ps, vendor, name, version, path, &s->group);
  if (rc) return rc;
  size_t n = vendor.len + 1 + name.len;
  char *id = mm_arena_alloc(&ps->acl->arena, n + 1);
  if (!id) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  memcpy(id, vendor.ptr, vendor.len);
  id[vendor.len] = '#';
  memcpy(id + vendor.len + 1, name.ptr, name.len);
  id[n] = '\0';
  s->group_id = (mm_str){id, n};
  return MM_OK;
}

static int parse_group_ref(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                           mm__waf_stmt *s) {
  static const char *const m[] = {"ARN", "ExcludedRules", "RuleActionOverrides", NULL};
  mm_str arn;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "ARN", path, true, &arn);
  if (!rc) rc = parse_overrides(ps, v, path, s);
  if (rc) return rc;
  size_t mark = mm__waf_path_push(path, "ARN");
  if ((rc = mm__waf_loader_group(ps, arn, path, &s->group))) return rc;
  mm__waf_path_pop(path, mark);
  s->group_id = mm__waf_dup(ps, arn);
  return MM_OK;
}

/* Rate-based custom keys (API RateBasedStatementCustomKey): at most 5. */
static int parse_rate_key(mm__waf_parse *ps, const mm_json_value *e, mm__waf_path *path,
                          mm__waf_rate_key *k) {
  static const char *const kinds[] = {"Header",
                                      "Cookie",
                                      "QueryArgument",
                                      "QueryString",
                                      "HTTPMethod",
                                      "ForwardedIP",
                                      "IP",
                                      "LabelNamespace",
                                      "UriPath",
                                      "JA3Fingerprint",
                                      "JA4Fingerprint",
                                      "ASN",
                                      NULL};
  int rc = mm__waf_check_members(ps, e, path, kinds);
  if (rc) return rc;
  if (mm_json_len(e) != 1)
    return mm__waf_fail(ps, path, MM_EINVAL, "a custom key has exactly one member");
  mm_json_iter it = mm_json_iter_init(e);
  const mm_json_value *key, *v;
  mm_json_iter_next(&it, &key, &v);
  for (int i = 0; kinds[i]; i++)
    if (strcmp(kinds[i], mm_json_str(key)) == 0) k->kind = (mm__waf_rate_key_kind)i;
  size_t mark = mm__waf_path_push(path, mm_json_str(key));
  static const char *const named[] = {"Name", "TextTransformations", NULL};
  static const char *const text[] = {"TextTransformations", NULL};
  static const char *const ns[] = {"Namespace", NULL};
  static const char *const fb[] = {"FallbackBehavior", NULL};
  static const char *const none[] = {NULL};
  mm_str name = {"", 0};
  switch (k->kind) {
    case MM__WAF_RK_HEADER:
    case MM__WAF_RK_COOKIE:
    case MM__WAF_RK_QUERY_ARG:
      rc = mm__waf_check_members(ps, v, path, named);
      if (!rc) rc = mm__waf_get_string(ps, v, "Name", path, true, &name);
      break;
    case MM__WAF_RK_QUERY_STRING:
    case MM__WAF_RK_URI_PATH:
      rc = mm__waf_check_members(ps, v, path, text);
      break;
    case MM__WAF_RK_LABEL_NAMESPACE:
      rc = mm__waf_check_members(ps, v, path, ns);
      if (!rc) rc = mm__waf_get_string(ps, v, "Namespace", path, true, &name);
      break;
    case MM__WAF_RK_JA3:
    case MM__WAF_RK_JA4:
      rc = mm__waf_check_members(ps, v, path, fb);
      break;
    default:
      rc = mm__waf_check_members(ps, v, path, none);
  }
  if (rc) return rc;
  if (k->kind == MM__WAF_RK_HEADER || k->kind == MM__WAF_RK_QUERY_ARG) {
    k->name = mm__waf_dup(ps, name);
    for (size_t i = 0; i < k->name.len; i++)
      ((char *)k->name.ptr)[i] = mm_ascii_lower(k->name.ptr[i]);
  } else {
    k->name = mm__waf_dup(ps, name);
  }
  const mm_json_value *tt = mm_json_get(v, "TextTransformations");
  if (tt) {
    size_t mk = mm__waf_path_push(path, "TextTransformations");
    mm_error er;
    mm_error_clear(&er);
    if ((rc = mm__waf_chain_from_json(&k->chain, tt, path->buf, &er))) {
      if (ps->err && ps->err->code == MM_OK) *ps->err = er;
      return rc;
    }
    mm__waf_path_pop(path, mk);
  }
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_rate(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                      mm__waf_stmt *s) {
  static const char *const m[] = {"Limit",
                                  "EvaluationWindowSec",
                                  "AggregateKeyType",
                                  "ScopeDownStatement",
                                  "ForwardedIPConfig",
                                  "CustomKeys",
                                  NULL};
  static const char *const agg[] = {"IP", "FORWARDED_IP", "CONSTANT", "CUSTOM_KEYS", NULL};
  int a = 0;
  uint64_t win = 300;
  int rc = mm__waf_check_members(ps, v, path, m);
  /* API RateBasedStatement: Limit 10 to 2000000000; EvaluationWindowSec 60,
   * 120, 300 (default) or 600. */
  if (!rc) rc = mm__waf_get_uint(ps, v, "Limit", path, true, 10, 2000000000, &s->limit);
  if (!rc) rc = mm__waf_get_uint(ps, v, "EvaluationWindowSec", path, false, 60, 600, &win);
  if (!rc && win != 60 && win != 120 && win != 300 && win != 600) {
    mm__waf_path_push(path, "EvaluationWindowSec");
    return mm__waf_fail(ps, path, MM_EINVAL, "EvaluationWindowSec is 60, 120, 300 or 600");
  }
  if (!rc) rc = mm__waf_get_enum(ps, v, "AggregateKeyType", path, agg, true, &a);
  if (!rc) rc = parse_opt_fwd(ps, v, "ForwardedIPConfig", path, false, &s->fwd);
  if (!rc) rc = parse_scope_down(ps, v, path, s);
  if (rc) return rc;
  s->window = (uint32_t)win;
  s->agg = (uint8_t)a;
  s->rate_id = ps->acl->n_rate++;
  const mm_json_value *ck = mm_json_get(v, "CustomKeys");
  if ((a == 3) != (ck != NULL))
    return mm__waf_fail(ps, path, MM_EINVAL, "CustomKeys goes with AggregateKeyType CUSTOM_KEYS");
  if (a == 1 && !s->fwd.on)
    return mm__waf_fail(ps, path, MM_EINVAL, "FORWARDED_IP needs ForwardedIPConfig");
  if (a == 2 && !s->scope_down)
    return mm__waf_fail(ps, path, MM_EINVAL, "CONSTANT needs a ScopeDownStatement");
  if (!ck) return MM_OK;
  size_t mark = mm__waf_path_push(path, "CustomKeys");
  if (!mm_json_is_array(ck) || mm_json_len(ck) == 0 || mm_json_len(ck) > 5)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an array of 1 to 5 custom keys");
  s->n_keys = mm_json_len(ck);
  s->keys = mm_arena_calloc(&ps->acl->arena, s->n_keys, sizeof(*s->keys));
  if (!s->keys) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(ck);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mk = mm__waf_path_index(path, i);
    if ((rc = parse_rate_key(ps, e, path, &s->keys[i]))) return rc;
    if (s->keys[i].kind == MM__WAF_RK_FORWARDED_IP && !s->fwd.on)
      return mm__waf_fail(ps, path, MM_EINVAL, "ForwardedIP needs ForwardedIPConfig");
    mm__waf_path_pop(path, mk);
  }
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

/* ---- the table ------------------------------------------------------------------ */

typedef struct stmt_row {
  const char *name;
  mm__waf_stmt_kind kind;
  stmt_parse_fn parse;
} stmt_row;

static const stmt_row STATEMENTS[] = {
    {"ByteMatchStatement", MM__WAF_S_BYTE_MATCH, parse_byte_match},
    {"SqliMatchStatement", MM__WAF_S_SQLI, parse_sqli},
    {"XssMatchStatement", MM__WAF_S_XSS, parse_xss},
    {"RegexMatchStatement", MM__WAF_S_REGEX, parse_regex},
    {"RegexPatternSetReferenceStatement", MM__WAF_S_REGEX_SET, parse_regex_set},
    {"IPSetReferenceStatement", MM__WAF_S_IP_SET, parse_ip_set},
    {"GeoMatchStatement", MM__WAF_S_GEO, parse_geo},
    {"AsnMatchStatement", MM__WAF_S_ASN, parse_asn},
    {"SizeConstraintStatement", MM__WAF_S_SIZE, parse_size},
    {"LabelMatchStatement", MM__WAF_S_LABEL, parse_label},
    {"AndStatement", MM__WAF_S_AND, parse_logical},
    {"OrStatement", MM__WAF_S_OR, parse_logical},
    {"NotStatement", MM__WAF_S_NOT, parse_not},
    {"RateBasedStatement", MM__WAF_S_RATE, parse_rate},
    {"ManagedRuleGroupStatement", MM__WAF_S_MANAGED, parse_managed},
    {"RuleGroupReferenceStatement", MM__WAF_S_GROUP_REF, parse_group_ref},
};

int mm__waf_stmt_parse(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_stmt **out) {
  if (!mm_json_is_object(v) || mm_json_len(v) != 1)
    return mm__waf_fail(ps, path, MM_EINVAL, "a Statement holds exactly one statement");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *inner;
  mm_json_iter_next(&it, &k, &inner);
  const stmt_row *row = NULL;
  for (size_t i = 0; i < MM_ARRAY_LEN(STATEMENTS) && !row; i++)
    if (strcmp(STATEMENTS[i].name, mm_json_str(k)) == 0) row = &STATEMENTS[i];
  size_t mark = mm__waf_path_push(path, mm_json_str(k));
  if (!row) return mm__waf_fail(ps, path, MM_EINVAL, "unknown statement \"%s\"", mm_json_str(k));
  mm__waf_stmt *s = mm_arena_calloc(&ps->acl->arena, 1, sizeof(*s));
  if (!s) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  s->kind = row->kind;
  s->input = UINT32_MAX;
  int rc = row->parse(ps, inner, path, s);
  if (rc) return rc;
  s->wcu = mm__waf_stmt_wcu(s);
  mm__waf_path_pop(path, mark);
  *out = s;
  return MM_OK;
}
