/*
 * field_parse.c - reading a statement's FieldToMatch (and its
 * PreParseTextTransformations) into an mm__waf_field.
 *
 * Shapes: WAFv2 API "FieldToMatch" and the member types it names
 * (SingleHeader, SingleQueryArgument, AllQueryArguments, UriPath,
 * QueryString, Body, Method, JsonBody, Headers, Cookies, HeaderOrder,
 * JA3Fingerprint, JA4Fingerprint, UriFragment), "HeaderMatchPattern",
 * "CookieMatchPattern", "JsonMatchPattern", and
 * "PreParseTextTransformation" (only with SingleQueryArgument and
 * AllQueryArguments, waf-rule-statement-preparse-transformation.html).
 * Exactly one member of FieldToMatch may be given.
 *
 * Header and query-argument names compare case-insensitively (API
 * SingleHeader / SingleQueryArgument: "isn't case sensitive"), so they are
 * stored lower-cased; cookie names are case-sensitive and kept as written.
 */
#include "waf/acl.h"

#include <string.h>

static const char *const FIELD_NAMES[MM__WAF_F_COUNT + 1] = {
    [MM__WAF_F_SINGLE_HEADER] = "SingleHeader",
    [MM__WAF_F_HEADERS] = "Headers",
    [MM__WAF_F_COOKIES] = "Cookies",
    [MM__WAF_F_URI_PATH] = "UriPath",
    [MM__WAF_F_QUERY_STRING] = "QueryString",
    [MM__WAF_F_SINGLE_QUERY_ARG] = "SingleQueryArgument",
    [MM__WAF_F_ALL_QUERY_ARGS] = "AllQueryArguments",
    [MM__WAF_F_BODY] = "Body",
    [MM__WAF_F_JSON_BODY] = "JsonBody",
    [MM__WAF_F_METHOD] = "Method",
    [MM__WAF_F_HEADER_ORDER] = "HeaderOrder",
    [MM__WAF_F_JA3] = "JA3Fingerprint",
    [MM__WAF_F_JA4] = "JA4Fingerprint",
    [MM__WAF_F_URI_FRAGMENT] = "UriFragment",
    [MM__WAF_F_COUNT] = NULL};

/* The log's terminatingRuleMatchDetails location for a field. */
const char *mm__waf_field_location(const mm__waf_field *f) {
  static const char *const loc[MM__WAF_F_COUNT] = {
      [MM__WAF_F_SINGLE_HEADER] = "HEADER",
      [MM__WAF_F_HEADERS] = "HEADER",
      [MM__WAF_F_COOKIES] = "COOKIE",
      [MM__WAF_F_URI_PATH] = "URI",
      [MM__WAF_F_QUERY_STRING] = "QUERY_STRING",
      [MM__WAF_F_SINGLE_QUERY_ARG] = "SINGLE_QUERY_ARG",
      [MM__WAF_F_ALL_QUERY_ARGS] = "ALL_QUERY_ARGS",
      [MM__WAF_F_BODY] = "BODY",
      [MM__WAF_F_JSON_BODY] = "BODY",
      [MM__WAF_F_METHOD] = "METHOD",
      [MM__WAF_F_HEADER_ORDER] = "HEADER_ORDER",
      [MM__WAF_F_JA3] = "JA3_FINGERPRINT",
      [MM__WAF_F_JA4] = "JA4_FINGERPRINT",
      [MM__WAF_F_URI_FRAGMENT] = "URI_FRAGMENT"};
  return (unsigned)f->kind < MM__WAF_F_COUNT ? loc[f->kind] : "UNKNOWN";
}

static const char *const OVERSIZE[] = {"CONTINUE", "MATCH", "NO_MATCH", NULL};
static const char *const SCOPES[] = {"ALL", "KEY", "VALUE", NULL};

static mm_str lower_dup(mm__waf_parse *ps, mm_str s) {
  mm_str d = mm__waf_dup(ps, s);
  for (size_t i = 0; d.ptr && i < d.len; i++) ((char *)d.ptr)[i] = mm_ascii_lower(d.ptr[i]);
  return d;
}

static int parse_name(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                      mm__waf_field *f) {
  static const char *const m[] = {"Name", NULL};
  mm_str name;
  int rc = mm__waf_check_members(ps, v, path, m);
  if (!rc) rc = mm__waf_get_string(ps, v, "Name", path, true, &name);
  if (rc) return rc;
  /* API: Name has 1 to 64 (SingleHeader) or 1 to 30 (SingleQueryArgument) characters. */
  size_t max = f->kind == MM__WAF_F_SINGLE_HEADER ? 64 : 30;
  if (name.len == 0 || name.len > max) {
    mm__waf_path_push(path, "Name");
    return mm__waf_fail(ps, path, MM_EINVAL, "Name has 1 to %zu characters", max);
  }
  f->name = lower_dup(ps, name);
  return MM_OK;
}

/* An array of strings (IncludedHeaders, IncludedPaths ...): 1 to max. */
static int parse_names(mm__waf_parse *ps, const mm_json_value *arr, mm__waf_path *path, size_t max,
                       bool lower, bool pointers, mm__waf_field *f) {
  if (!mm_json_is_array(arr) || mm_json_len(arr) == 0 || mm_json_len(arr) > max)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an array of 1 to %zu strings", max);
  size_t n = mm_json_len(arr);
  mm_str *names = mm_arena_calloc(&ps->acl->arena, n, sizeof(*names));
  if (!names) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    mm_str s = mm_json_get_str(e);
    bool bad = !mm_json_is_string(e) || s.len == 0 || (pointers && s.ptr[0] != '/');
    if (bad) {
      mm__waf_path_index(path, i);
      return mm__waf_fail(ps, path, MM_EINVAL,
                          pointers ? "expected a JSON Pointer (RFC 6901) starting with '/'"
                                   : "expected a non-empty string");
    }
    names[i] = lower ? lower_dup(ps, s) : mm__waf_dup(ps, s);
  }
  f->names = names;
  f->n_names = n;
  return MM_OK;
}

/* MatchPattern {All:{}} | {Included..:[..]} | {Excluded..:[..]}. */
static int parse_pattern(mm__waf_parse *ps, const mm_json_value *mp, mm__waf_path *path,
                         const char *inc, const char *exc, bool lower, bool pointers,
                         mm__waf_field *f) {
  const char *allowed[] = {"All", inc, exc, NULL};
  int rc = mm__waf_check_members(ps, mp, path, allowed);
  if (rc) return rc;
  if (mm_json_len(mp) != 1)
    return mm__waf_fail(ps, path, MM_EINVAL, "MatchPattern needs exactly one of All, %s%s%s", inc,
                        exc ? ", " : "", exc ? exc : "");
  const mm_json_value *v;
  size_t mark;
  if ((v = mm_json_get(mp, "All"))) {
    static const char *const none[] = {NULL};
    mark = mm__waf_path_push(path, "All");
    rc = mm__waf_check_members(ps, v, path, none);
    f->pattern = MM__WAF_PAT_ALL;
  } else if ((v = mm_json_get(mp, inc))) {
    mark = mm__waf_path_push(path, inc);
    rc = parse_names(ps, v, path, 199, lower, pointers, f);
    f->pattern = MM__WAF_PAT_INCLUDED;
  } else {
    v = mm_json_get(mp, exc);
    mark = mm__waf_path_push(path, exc);
    rc = parse_names(ps, v, path, 199, lower, pointers, f);
    f->pattern = MM__WAF_PAT_EXCLUDED;
  }
  if (!rc) mm__waf_path_pop(path, mark);
  return rc;
}

static int get_u8_enum(mm__waf_parse *ps, const mm_json_value *v, const char *member,
                       mm__waf_path *path, const char *const *names, bool required, uint8_t *out,
                       int base) {
  int idx = -1;
  int rc = mm__waf_get_enum(ps, v, member, path, names, required, &idx);
  if (!rc && idx >= 0) *out = (uint8_t)(idx + base);
  return rc;
}

/* Headers, Cookies, JsonBody. */
static int parse_multi(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_field *f) {
  bool json = f->kind == MM__WAF_F_JSON_BODY, cookies = f->kind == MM__WAF_F_COOKIES;
  static const char *const jm[] = {"MatchPattern", "MatchScope", "InvalidFallbackBehavior",
                                   "OversizeHandling", NULL};
  static const char *const hm[] = {"MatchPattern", "MatchScope", "OversizeHandling", NULL};
  static const char *const fb[] = {"MATCH", "NO_MATCH", "EVALUATE_AS_STRING", NULL};
  int rc = mm__waf_check_members(ps, v, path, json ? jm : hm);
  if (!rc) rc = get_u8_enum(ps, v, "MatchScope", path, SCOPES, true, &f->scope, 0);
  if (!rc) rc = get_u8_enum(ps, v, "OversizeHandling", path, OVERSIZE, !json, &f->oversize, 0);
  if (!rc && json)
    rc = get_u8_enum(ps, v, "InvalidFallbackBehavior", path, fb, false, &f->fallback, 1);
  if (rc) return rc;
  const mm_json_value *mp = mm_json_get(v, "MatchPattern");
  size_t mark = mm__waf_path_push(path, "MatchPattern");
  if (!mp) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  rc = json ? parse_pattern(ps, mp, path, "IncludedPaths", NULL, false, true, f)
       : cookies
           ? parse_pattern(ps, mp, path, "IncludedCookies", "ExcludedCookies", false, false, f)
           : parse_pattern(ps, mp, path, "IncludedHeaders", "ExcludedHeaders", true, false, f);
  if (!rc) mm__waf_path_pop(path, mark);
  return rc;
}

static int parse_member(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                        mm__waf_field *f) {
  static const char *const none[] = {NULL};
  static const char *const over[] = {"OversizeHandling", NULL};
  static const char *const fallback[] = {"FallbackBehavior", NULL};
  static const char *const fbv[] = {"MATCH", "NO_MATCH", NULL};
  int rc;
  switch (f->kind) {
    case MM__WAF_F_SINGLE_HEADER:
    case MM__WAF_F_SINGLE_QUERY_ARG:
      return parse_name(ps, v, path, f);
    case MM__WAF_F_HEADERS:
    case MM__WAF_F_COOKIES:
    case MM__WAF_F_JSON_BODY:
      return parse_multi(ps, v, path, f);
    case MM__WAF_F_BODY:
    case MM__WAF_F_HEADER_ORDER:
      rc = mm__waf_check_members(ps, v, path, over);
      if (!rc)
        rc = get_u8_enum(ps, v, "OversizeHandling", path, OVERSIZE,
                         f->kind == MM__WAF_F_HEADER_ORDER, &f->oversize, 0);
      return rc;
    case MM__WAF_F_JA3:
    case MM__WAF_F_JA4:
    case MM__WAF_F_URI_FRAGMENT:
      rc = mm__waf_check_members(ps, v, path, fallback);
      if (!rc)
        rc = get_u8_enum(ps, v, "FallbackBehavior", path, fbv, f->kind != MM__WAF_F_URI_FRAGMENT,
                         &f->fallback, 1);
      return rc;
    default:
      return mm__waf_check_members(ps, v, path, none);
  }
}

static int parse_preparse(mm__waf_parse *ps, const mm_json_value *arr, mm__waf_path *path,
                          mm__waf_field *f) {
  static const char *const types[] = {"NONE",
                                      "URL_DECODE",
                                      "URL_DECODE_UNI",
                                      "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA",
                                      "REPLACE_SEMICOLONS_WITH_AMPERSANDS",
                                      NULL};
  static const char *const m[] = {"Priority", "Type", NULL};
  if (f->kind != MM__WAF_F_SINGLE_QUERY_ARG && f->kind != MM__WAF_F_ALL_QUERY_ARGS)
    return mm__waf_fail(ps, path, MM_EINVAL,
                        "pre-parse transformations apply to SingleQueryArgument and "
                        "AllQueryArguments only");
  if (!mm_json_is_array(arr) || mm_json_len(arr) > MM_WAF_MAX_TEXT_TRANSFORMATIONS)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an array of at most %d transformations",
                        MM_WAF_MAX_TEXT_TRANSFORMATIONS);
  uint64_t prio[MM_WAF_MAX_TEXT_TRANSFORMATIONS];
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mark = mm__waf_path_index(path, i);
    int t = 0;
    int rc = mm__waf_check_members(ps, e, path, m);
    if (!rc) rc = mm__waf_get_uint(ps, e, "Priority", path, true, 0, INT32_MAX, &prio[i]);
    if (!rc) rc = mm__waf_get_enum(ps, e, "Type", path, types, true, &t);
    if (rc) return rc;
    /* Insert in priority order; priorities must differ (as TextTransformation's). */
    size_t j = f->n_preparse;
    for (size_t k = 0; k < j; k++)
      if (prio[k] == prio[i]) {
        mm__waf_path_push(path, "Priority");
        return mm__waf_fail(ps, path, MM_EINVAL, "duplicate Priority");
      }
    uint64_t p = prio[i];
    while (j > 0 && prio[j - 1] > p) {
      prio[j] = prio[j - 1];
      f->preparse[j] = f->preparse[j - 1];
      j--;
    }
    prio[j] = p;
    f->preparse[j] = (uint8_t)t;
    f->n_preparse++;
    mm__waf_path_pop(path, mark);
  }
  return MM_OK;
}

int mm__waf_field_parse(mm__waf_parse *ps, const mm_json_value *stmt, mm__waf_path *path,
                        mm__waf_field *f) {
  memset(f, 0, sizeof(*f));
  const mm_json_value *ftm = mm_json_get(stmt, "FieldToMatch");
  size_t mark = mm__waf_path_push(path, "FieldToMatch");
  if (!ftm) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  int rc = mm__waf_check_members(ps, ftm, path, FIELD_NAMES);
  if (rc) return rc;
  if (mm_json_len(ftm) != 1)
    return mm__waf_fail(ps, path, MM_EINVAL, "FieldToMatch needs exactly one member");
  mm_json_iter it = mm_json_iter_init(ftm);
  const mm_json_value *k, *v;
  mm_json_iter_next(&it, &k, &v);
  for (int i = 0; i < MM__WAF_F_COUNT; i++)
    if (strcmp(FIELD_NAMES[i], mm_json_str(k)) == 0) f->kind = (mm__waf_field_kind)i;
  size_t m2 = mm__waf_path_push(path, mm_json_str(k));
  if ((rc = parse_member(ps, v, path, f))) return rc;
  mm__waf_path_pop(path, m2);
  mm__waf_path_pop(path, mark);
  const mm_json_value *pp = mm_json_get(stmt, "PreParseTextTransformations");
  if (pp) {
    mark = mm__waf_path_push(path, "PreParseTextTransformations");
    if ((rc = parse_preparse(ps, pp, path, f))) return rc;
    mm__waf_path_pop(path, mark);
  }
  return MM_OK;
}

bool mm__waf_field_equal(const mm__waf_field *a, const mm__waf_field *b) {
  if (a->kind != b->kind || a->scope != b->scope || a->oversize != b->oversize ||
      a->fallback != b->fallback || a->pattern != b->pattern || a->n_names != b->n_names ||
      a->n_preparse != b->n_preparse || !mm_str_eq(a->name, b->name))
    return false;
  for (size_t i = 0; i < a->n_names; i++)
    if (!mm_str_eq(a->names[i], b->names[i])) return false;
  return memcmp(a->preparse, b->preparse, a->n_preparse) == 0;
}
