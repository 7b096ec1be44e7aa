/*
 * operators.c - the event-pattern operators: one table row each, with the
 * function that validates the operand and the one that tests a leaf value.
 *
 * Follows the Amazon EventBridge User Guide, "Content filtering in event
 * patterns" and "Comparison operators for use in event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * prefix, suffix (both also with equals-ignore-case), equals-ignore-case,
 * wildcard, anything-but (value, list, prefix, suffix, equals-ignore-case,
 * wildcard), numeric, cidr, exists, and exact values (strings, numbers
 * compared by value, true, false, null). Case folding is ASCII, as in the
 * rest of mamori. String operators never match non-string values; the
 * string forms of anything-but match every value that is not a string
 * excluded by them (as Event Ruler does), the numeric form only numbers.
 */
#include "events/events_int.h"

#include <math.h>
#include <string.h>

/* ---- leaves -------------------------------------------------------------- */

bool mm__events_leaf_of(const mm_json_value *v, mm__events_leaf *out) {
  memset(out, 0, sizeof(*out));
  switch (mm_json_type_of(v)) {
    case MM_JSON_NULL:
      out->kind = MM__EV_NULL;
      return true;
    case MM_JSON_BOOL:
      out->kind = mm_json_is_true(v) ? MM__EV_TRUE : MM__EV_FALSE;
      return true;
    case MM_JSON_STRING:
      out->kind = MM__EV_STRING, out->str = mm_json_get_str(v);
      return true;
    case MM_JSON_NUMBER:
      out->kind = MM__EV_NUMBER, mm_json_get_double(v, &out->num);
      return true;
    default:
      return false;
  }
}

uint64_t mm__events_number_key(double d) {
  if (d == 0) d = 0; /* -0 and 0 are one value */
  uint64_t bits;
  memcpy(&bits, &d, sizeof(bits));
  return bits;
}

static bool ieq(mm_str a, mm_str b) { return mm_str_ieq(a, b); }
static bool has_prefix(mm_str s, mm_str p, bool nocase) {
  return s.len >= p.len && (nocase ? ieq((mm_str){s.ptr, p.len}, p) : mm_str_has_prefix(s, p));
}
static bool has_suffix(mm_str s, mm_str p, bool nocase) {
  if (s.len < p.len) return false;
  mm_str tail = {s.ptr + s.len - p.len, p.len};
  return nocase ? ieq(tail, p) : mm_str_eq(tail, p);
}

/* ---- operand helpers ------------------------------------------------------ */

static int need_string(mm__events_parser *p, const mm_json_value *v, const char *what,
                       mm_str *out) {
  if (!mm_json_is_string(v))
    return mm__events_fail(p, MM_EINVAL, "%s needs a string, not %s", what,
                           mm_json_type_name(mm_json_type_of(v)));
  return mm__events_dup(p, mm_json_get_str(v), out);
}

/* The one member of an operator object, or an error. */
static int single_member(mm__events_parser *p, const mm_json_value *obj, const char *what,
                         mm_str *key, const mm_json_value **val) {
  if (!mm_json_is_object(obj) || mm_json_len(obj) != 1)
    return mm__events_fail(p, MM_EINVAL, "%s needs an object with exactly one key", what);
  mm_json_iter it = mm_json_iter_init(obj);
  const mm_json_value *k;
  mm_json_iter_next(&it, &k, val);
  *key = mm_json_get_str(k);
  return MM_OK;
}

static int compile_glob(mm__events_parser *p, mm_str text, const mm_glob **out) {
  mm_error gerr;
  mm_error_clear(&gerr);
  mm_glob *g = mm_glob_compile(text, MM_GLOB_EVENTBRIDGE, p->arena, &gerr);
  if (!g && gerr.code == MM_ENOMEM) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  if (!g)
    return mm__events_fail(p, MM_EINVAL, "bad wildcard '%.*s': %s", (int)text.len, text.ptr,
                           gerr.msg);
  *out = g;
  return MM_OK;
}

/* ---- exact values --------------------------------------------------------- */

static int parse_exact(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  mm__events_leaf leaf;
  if (!mm__events_leaf_of(v, &leaf))
    return mm__events_fail(p, MM_EINVAL,
                           "a value must be a string, number, true, false, null or an "
                           "operator object, not %s",
                           mm_json_type_name(mm_json_type_of(v)));
  if (leaf.kind == MM__EV_NUMBER && isinf(leaf.num))
    return mm__events_fail(p, MM_ERANGE, "number out of range");
  c->kind = leaf.kind, c->num = leaf.num;
  return leaf.kind == MM__EV_STRING ? mm__events_dup(p, leaf.str, &c->str) : MM_OK;
}

static bool match_exact(const mm__events_cond *c, const mm__events_leaf *l) {
  if (c->kind != l->kind) return false;
  if (l->kind == MM__EV_STRING) return mm_str_eq(c->str, l->str);
  if (l->kind == MM__EV_NUMBER) return c->num == l->num;
  return true;
}

/* ---- prefix, suffix, equals-ignore-case ------------------------------------ */

/* string | {"equals-ignore-case": string} */
static int parse_affix(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c,
                       const char *what) {
  if (mm_json_is_string(v)) return need_string(p, v, what, &c->str);
  if (!mm_json_is_object(v))
    return mm__events_fail(p, MM_EINVAL,
                           "%s needs a string or {\"equals-ignore-case\": string}, not %s", what,
                           mm_json_type_name(mm_json_type_of(v)));
  mm_str key;
  const mm_json_value *inner;
  int rc = single_member(p, v, what, &key, &inner);
  if (rc) return rc;
  size_t mark = mm__events_path_key(p, key);
  if (!mm_str_eq(key, MM_STR("equals-ignore-case")))
    rc = mm__events_fail(p, MM_EINVAL, "unknown %s option '%.*s' (only equals-ignore-case)", what,
                         (int)key.len, key.ptr);
  else
    rc = need_string(p, inner, "equals-ignore-case", &c->str);
  if (rc == MM_OK) mm__events_path_pop(p, mark);
  c->flag = true;
  return rc;
}

static int parse_prefix(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  return parse_affix(p, v, c, "prefix");
}
static int parse_suffix(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  return parse_affix(p, v, c, "suffix");
}
static bool match_prefix(const mm__events_cond *c, const mm__events_leaf *l) {
  return l->kind == MM__EV_STRING && has_prefix(l->str, c->str, c->flag);
}
static bool match_suffix(const mm__events_cond *c, const mm__events_leaf *l) {
  return l->kind == MM__EV_STRING && has_suffix(l->str, c->str, c->flag);
}

static int parse_nocase(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  return need_string(p, v, "equals-ignore-case", &c->str);
}
static bool match_nocase(const mm__events_cond *c, const mm__events_leaf *l) {
  return l->kind == MM__EV_STRING && ieq(l->str, c->str);
}

/* ---- wildcard -------------------------------------------------------------- */

static int parse_wildcard(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  int rc = need_string(p, v, "wildcard", &c->str);
  return rc ? rc : compile_glob(p, c->str, &c->glob);
}
static bool match_wildcard(const mm__events_cond *c, const mm__events_leaf *l) {
  return l->kind == MM__EV_STRING && mm_glob_matches(c->glob, l->str);
}

/* ---- exists ---------------------------------------------------------------- */

static int parse_exists(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  if (!mm_json_is_bool(v))
    return mm__events_fail(p, MM_EINVAL, "exists needs true or false, not %s",
                           mm_json_type_name(mm_json_type_of(v)));
  c->flag = mm_json_is_true(v);
  return MM_OK;
}
/* Any leaf proves existence; absence is judged per field (absent_ok). */
static bool match_exists(const mm__events_cond *c, const mm__events_leaf *l) {
  (void)l;
  return c->flag;
}

/* ---- cidr ------------------------------------------------------------------ */

static int parse_cidr(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  mm_str s;
  int rc = need_string(p, v, "cidr", &s);
  if (rc) return rc;
  if (!memchr(s.ptr, '/', s.len))
    return mm__events_fail(p, MM_EINVAL, "cidr needs address/length, not '%.*s'", (int)s.len,
                           s.ptr);
  mm_error cerr;
  mm_error_clear(&cerr);
  if (mm_cidr_parse(s.ptr, s.len, MM_CIDR_MASK_HOST, &c->cidr, &cerr) != MM_OK)
    return mm__events_fail(p, MM_EINVAL, "bad cidr '%.*s': %s", (int)s.len, s.ptr, cerr.msg);
  c->str = s;
  return MM_OK;
}
static bool match_cidr(const mm__events_cond *c, const mm__events_leaf *l) {
  mm_ip_addr a;
  return l->kind == MM__EV_STRING && mm_ip_parse(l->str.ptr, l->str.len, &a, NULL) == MM_OK &&
         mm_cidr_contains(&c->cidr, &a);
}

/* ---- numeric --------------------------------------------------------------- */

typedef struct numeric_op {
  const char *name; /* as written */
  uint8_t bits;     /* MM__EV_LO... it sets; 0 for "=" */
} numeric_op;

static const numeric_op numeric_ops[] = {
    {"=", 0},
    {">", MM__EV_LO},
    {">=", MM__EV_LO | MM__EV_LO_INCL},
    {"<", MM__EV_HI},
    {"<=", MM__EV_HI | MM__EV_HI_INCL},
};

static const numeric_op *numeric_op_of(const mm_json_value *v) {
  for (size_t i = 0; v && mm_json_is_string(v) && i < MM_ARRAY_LEN(numeric_ops); i++)
    if (mm_str_eq(mm_json_get_str(v), mm_str_from(numeric_ops[i].name))) return &numeric_ops[i];
  return NULL;
}

/* The number at index i of the operand, within MM_EVENTS_NUMERIC_MAX. */
static int numeric_bound(mm__events_parser *p, const mm_json_value *arr, size_t i, double *out) {
  size_t mark = mm__events_path_index(p, i);
  const mm_json_value *v = mm_json_at(arr, i);
  int rc = MM_OK;
  if (!mm_json_is_number(v))
    rc = mm__events_fail(p, MM_EINVAL, "numeric needs a number here");
  else if (mm_json_get_double(v, out) != MM_OK || fabs(*out) > MM_EVENTS_NUMERIC_MAX)
    rc = mm__events_fail(p, MM_ERANGE, "numeric bounds must lie within +-%g",
                         (double)MM_EVENTS_NUMERIC_MAX);
  if (rc == MM_OK) mm__events_path_pop(p, mark);
  return rc;
}

/* One operator/number pair at index i; sets the bits it may set. */
static int numeric_pair(mm__events_parser *p, const mm_json_value *arr, size_t i,
                        mm__events_cond *c) {
  size_t mark = mm__events_path_index(p, i);
  const numeric_op *op = numeric_op_of(mm_json_at(arr, i));
  if (!op) return mm__events_fail(p, MM_EINVAL, "numeric needs one of = > >= < <= here");
  bool lower = op->bits & MM__EV_LO, upper = op->bits & MM__EV_HI;
  bool after_lower_only = (c->range & MM__EV_LO) && !(c->range & MM__EV_HI);
  if (i > 0 && !after_lower_only)
    return mm__events_fail(p, MM_EINVAL, "nothing may follow '=', '<' or '<='");
  if (i > 0 && !upper)
    return mm__events_fail(p, MM_EINVAL, "only '<' or '<=' may follow a lower bound");
  mm__events_path_pop(p, mark);
  if (i + 1 >= mm_json_len(arr)) {
    mm__events_path_index(p, i);
    return mm__events_fail(p, MM_EINVAL, "'%s' needs a number after it", op->name);
  }
  double n;
  int rc = numeric_bound(p, arr, i + 1, &n);
  if (rc) return rc;
  c->range |= op->bits;
  if (lower)
    c->lo = n;
  else if (upper)
    c->hi = n;
  else
    c->lo = c->hi = n, c->range = MM__EV_LO | MM__EV_LO_INCL | MM__EV_HI | MM__EV_HI_INCL;
  return MM_OK;
}

static int parse_numeric(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  size_t n = mm_json_len(v);
  if (!mm_json_is_array(v) || n == 0)
    return mm__events_fail(p, MM_EINVAL, "numeric needs a non-empty array");
  if (n != 2 && n != 4)
    return mm__events_fail(p, MM_EINVAL, "numeric needs [op, n] or [>/>=, lo, </<=, hi]");
  for (size_t i = 0; i < n; i += 2) {
    int rc = numeric_pair(p, v, i, c);
    if (rc) return rc;
  }
  if ((c->range & MM__EV_LO) && (c->range & MM__EV_HI) && n == 4 && !(c->lo < c->hi))
    return mm__events_fail(p, MM_EINVAL, "numeric lower bound must be less than the upper");
  return MM_OK;
}

static bool match_numeric(const mm__events_cond *c, const mm__events_leaf *l) {
  if (l->kind != MM__EV_NUMBER) return false;
  double x = l->num;
  if (c->range & MM__EV_LO && !(c->range & MM__EV_LO_INCL ? x >= c->lo : x > c->lo)) return false;
  if (c->range & MM__EV_HI && !(c->range & MM__EV_HI_INCL ? x <= c->hi : x < c->hi)) return false;
  return true;
}

/* ---- anything-but ------------------------------------------------------------ */

/* anything-but [s, ...] or [n, ...]: all strings or all numbers. */
static int parse_not_list(mm__events_parser *p, const mm_json_value *arr, mm__events_cond *c) {
  size_t n = mm_json_len(arr);
  if (n == 0) return mm__events_fail(p, MM_EINVAL, "anything-but needs a non-empty list");
  if (n > MM_EVENTS_MAX_VALUES)
    return mm__events_fail(p, MM_ELIMIT, "anything-but lists at most %d values",
                           MM_EVENTS_MAX_VALUES);
  mm_str *strs = mm_arena_calloc(p->arena, n, sizeof(*strs));
  double *nums = mm_arena_calloc(p->arena, n, sizeof(*nums));
  if (!strs || !nums) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  bool first_str = mm_json_is_string(mm_json_at(arr, 0));
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mark = mm__events_path_index(p, i);
    if (!mm_json_is_string(e) && !mm_json_is_number(e))
      return mm__events_fail(p, MM_EINVAL, "anything-but lists only strings or only numbers");
    if (mm_json_is_string(e) != first_str)
      return mm__events_fail(p, MM_EINVAL, "anything-but cannot mix strings and numbers");
    if (first_str && mm__events_dup(p, mm_json_get_str(e), &strs[i]) != MM_OK) return MM_ENOMEM;
    if (!first_str && mm_json_get_double(e, &nums[i]) != MM_OK)
      return mm__events_fail(p, MM_ERANGE, "number out of range");
    mm__events_path_pop(p, mark);
  }
  c->kind = first_str ? MM__EV_NOT_STRINGS : MM__EV_NOT_NUMBERS;
  c->strs = strs, c->nums = nums, c->n = n;
  return MM_OK;
}

/* equals-ignore-case / wildcard inside anything-but: a string or a list. */
static int parse_not_strings(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c,
                             bool wildcard) {
  size_t n = mm_json_is_array(v) ? mm_json_len(v) : 1;
  if (mm_json_is_array(v) && n == 0)
    return mm__events_fail(p, MM_EINVAL, "anything-but needs a non-empty list");
  if (n > MM_EVENTS_MAX_VALUES)
    return mm__events_fail(p, MM_ELIMIT, "anything-but lists at most %d values",
                           MM_EVENTS_MAX_VALUES);
  mm_str *strs = mm_arena_calloc(p->arena, n, sizeof(*strs));
  const mm_glob **globs = mm_arena_calloc(p->arena, n, sizeof(*globs));
  if (!strs || !globs) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    size_t mark = mm_json_is_array(v) ? mm__events_path_index(p, i) : p->path_len;
    const mm_json_value *e = mm_json_is_array(v) ? mm_json_at(v, i) : v;
    int rc = need_string(p, e, wildcard ? "wildcard" : "equals-ignore-case", &strs[i]);
    if (rc == MM_OK && wildcard) rc = compile_glob(p, strs[i], &globs[i]);
    if (rc) return rc;
    mm__events_path_pop(p, mark);
  }
  c->kind = wildcard ? MM__EV_NOT_WILDCARD : MM__EV_NOT_NOCASE;
  c->strs = strs, c->globs = globs, c->n = n;
  return MM_OK;
}

static int parse_not_object(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  mm_str key;
  const mm_json_value *inner;
  int rc = single_member(p, v, "anything-but", &key, &inner);
  if (rc) return rc;
  mm__events_path_key(p, key);
  bool prefix = mm_str_eq(key, MM_STR("prefix")), suffix = mm_str_eq(key, MM_STR("suffix"));
  if (prefix || suffix) {
    mm_str *s = mm_arena_calloc(p->arena, 1, sizeof(*s));
    if (!s) return mm__events_fail(p, MM_ENOMEM, "out of memory");
    if ((rc = need_string(p, inner, prefix ? "prefix" : "suffix", s)) != MM_OK) return rc;
    if (s->len == 0)
      return mm__events_fail(p, MM_EINVAL, "anything-but %s must not be empty",
                             prefix ? "prefix" : "suffix");
    c->kind = prefix ? MM__EV_NOT_PREFIX : MM__EV_NOT_SUFFIX, c->strs = s, c->n = 1;
    return MM_OK;
  }
  if (mm_str_eq(key, MM_STR("equals-ignore-case"))) return parse_not_strings(p, inner, c, false);
  if (mm_str_eq(key, MM_STR("wildcard"))) return parse_not_strings(p, inner, c, true);
  return mm__events_fail(p, MM_EINVAL, "unknown anything-but operator '%.*s'", (int)key.len,
                         key.ptr);
}

static int parse_anything_but(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  if (mm_json_is_array(v)) return parse_not_list(p, v, c);
  if (mm_json_is_object(v)) return parse_not_object(p, v, c);
  if (!mm_json_is_string(v) && !mm_json_is_number(v))
    return mm__events_fail(p, MM_EINVAL,
                           "anything-but needs a string, a number, a list or an object, not %s",
                           mm_json_type_name(mm_json_type_of(v)));
  mm_str *s = mm_arena_calloc(p->arena, 1, sizeof(*s));
  double *d = mm_arena_calloc(p->arena, 1, sizeof(*d));
  if (!s || !d) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  if (mm_json_is_string(v) && mm__events_dup(p, mm_json_get_str(v), s) != MM_OK) return MM_ENOMEM;
  if (mm_json_is_string(v))
    c->kind = MM__EV_NOT_STRINGS;
  else if (mm_json_get_double(v, d) != MM_OK)
    return mm__events_fail(p, MM_ERANGE, "number out of range");
  else
    c->kind = MM__EV_NOT_NUMBERS;
  c->strs = s, c->nums = d, c->n = 1;
  return MM_OK;
}

/* Is the leaf one of what c excludes? */
static bool excluded(const mm__events_cond *c, const mm__events_leaf *l) {
  bool str = l->kind == MM__EV_STRING;
  switch (c->kind) {
    case MM__EV_NOT_PREFIX:
      return str && has_prefix(l->str, c->strs[0], false);
    case MM__EV_NOT_SUFFIX:
      return str && has_suffix(l->str, c->strs[0], false);
    default:
      break;
  }
  for (size_t i = 0; i < c->n; i++) {
    if (c->kind == MM__EV_NOT_STRINGS && str && mm_str_eq(l->str, c->strs[i])) return true;
    if (c->kind == MM__EV_NOT_NOCASE && str && ieq(l->str, c->strs[i])) return true;
    if (c->kind == MM__EV_NOT_WILDCARD && str && mm_glob_matches(c->globs[i], l->str)) return true;
    if (c->kind == MM__EV_NOT_NUMBERS && l->kind == MM__EV_NUMBER && l->num == c->nums[i])
      return true;
  }
  return false;
}

static bool match_anything_but(const mm__events_cond *c, const mm__events_leaf *l) {
  if (c->kind == MM__EV_NOT_NUMBERS && l->kind != MM__EV_NUMBER) return false;
  return !excluded(c, l);
}

/* ---- the table --------------------------------------------------------------- */

static const mm__events_op ops[] = {
    {"", "eb-create-pattern.html#eb-filtering-match-values", parse_exact, match_exact,
     MM__EV_IDX_EXACT},
    {"prefix", "eb-create-pattern-operators.html#eb-filtering-prefix-matching", parse_prefix,
     match_prefix, MM__EV_IDX_PREFIX},
    {"suffix", "eb-create-pattern-operators.html#eb-filtering-suffix-matching", parse_suffix,
     match_suffix, MM__EV_IDX_SUFFIX},
    {"equals-ignore-case", "eb-create-pattern-operators.html#eb-filtering-equals-ignore-case",
     parse_nocase, match_nocase, MM__EV_IDX_NOCASE},
    {"wildcard", "eb-create-pattern-operators.html#eb-filtering-wildcard-matching", parse_wildcard,
     match_wildcard, MM__EV_IDX_SCAN},
    {"anything-but", "eb-create-pattern-operators.html#eb-filtering-anything-but",
     parse_anything_but, match_anything_but, MM__EV_IDX_SCAN},
    {"numeric", "eb-create-pattern-operators.html#eb-filtering-numeric-matching", parse_numeric,
     match_numeric, MM__EV_IDX_SCAN},
    {"cidr", "eb-create-pattern-operators.html#eb-filtering-ip-matching", parse_cidr, match_cidr,
     MM__EV_IDX_CIDR},
    {"exists", "eb-create-pattern-operators.html#eb-filtering-exists-matching", parse_exists,
     match_exists, MM__EV_IDX_EXISTS},
};

const mm__events_op *mm__events_op_exact(void) { return &ops[0]; }

const mm__events_op *mm__events_op_find(mm_str name) {
  for (size_t i = 1; i < MM_ARRAY_LEN(ops); i++)
    if (mm_str_eq(name, mm_str_from(ops[i].name))) return &ops[i];
  return NULL;
}
