/*
 * operators.c - the IAM condition operators, as one table of rows {name,
 * doc anchor, parse, eval, negated} (STYLE.md 10): 27 operators in eight
 * families. Each row's eval is the positive comparison of one context value
 * with one policy value; negated rows reuse it and condition.c inverts.
 *
 * Implements "IAM JSON policy elements: Condition operators"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 *  - String: Equals exact and case-sensitive, EqualsIgnoreCase ASCII-folded,
 *    Like with * and ? (case-sensitive); policy variables allowed;
 *  - Numeric: compared exactly as decimals (no double rounding);
 *  - Date: ISO 8601 (W3C profiles) or epoch seconds, to the microsecond;
 *  - Bool: "true"/"false", case-insensitive;
 *  - BinaryEquals: base64 values compared as bytes;
 *  - IpAddress/NotIpAddress: CIDR blocks (a bare address is /32 or /128);
 *  - Arn: "Each of the six colon-delimited components of the ARN is checked
 *    separately"; ArnEquals and ArnLike both accept wildcards;
 *  - Null: whether the key is absent (handled by condition.c).
 * A context value of the wrong form (a Numeric key holding "abc") returns
 * MM_ETYPE and a policy variable without value MM_ENOENT: the condition is
 * then false. Any other negative status (MM_ELIMIT, MM_ENOMEM) is an
 * evaluation error, and the whole request is denied.
 */
#include "iam_int.h"

#include <string.h>

enum { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
enum { STR_EXACT = 0, STR_NOCASE = 1, STR_LIKE = 2 };

static bool cmp_holds(int cmp, int kind) {
  switch (kind) {
    case CMP_EQ:
      return cmp == 0;
    case CMP_LT:
      return cmp < 0;
    case CMP_LE:
      return cmp <= 0;
    case CMP_GT:
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

/* ---- String -------------------------------------------------------------------- */

static int parse_string(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                        mm_error *err) {
  if (variables) {
    int rc = mm__iam_tmpl_parse(a, v->text, &v->tmpl, err);
    if (rc != MM_OK || v->tmpl) return rc;
  }
  if (op->arg != STR_LIKE) return MM_OK;
  mm_error gerr;
  v->u.glob = mm_glob_compile(v->text, MM_GLOB_IAM, a, &gerr);
  return v->u.glob ? MM_OK : mm_error_set(err, gerr.code, "%s", gerr.msg);
}

/* The policy value with its variables replaced (glob: in the escape
 * dialect). MM_OK, MM_ENOENT or MM_ELIMIT. */
static int expand(const mm__iam_eval *ev, const mm__iam_value *pv, bool glob, char *buf,
                  size_t size, mm_str *out) {
  size_t len = 0;
  int rc = mm__iam_tmpl_expand(ev, pv->tmpl, glob, buf, size, &len, NULL);
  *out = (mm_str){buf, len};
  return rc;
}

static int eval_string(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                       mm_str cv) {
  char buf[MM_IAM_MAX_EXPANSION];
  mm_str want = pv->text;
  int rc = pv->tmpl ? expand(ev, pv, op->arg == STR_LIKE, buf, sizeof(buf), &want) : MM_OK;
  if (rc != MM_OK) return rc;
  if (op->arg == STR_EXACT) return mm_str_eq(want, cv);
  if (op->arg == STR_NOCASE) return mm_str_ieq(want, cv);
  if (!pv->tmpl) return mm_glob_matches(pv->u.glob, cv);
  return mm__iam_match_expansion(want, cv, false);
}

/* ---- Numeric -------------------------------------------------------------------- */

static int parse_numeric(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                         mm_error *err) {
  (void)op, (void)variables;
  v->u.num = mm_arena_alloc(a, sizeof(*v->u.num));
  if (!v->u.num) return mm_error_set(err, MM_ENOMEM, "out of memory");
  if (!mm__iam_decimal_parse(v->text, v->u.num))
    return mm_error_set(err, MM_EINVAL, "\"%.*s\" is not a number",
                        (int)(v->text.len > 60 ? 60 : v->text.len), v->text.ptr);
  return MM_OK;
}

static int eval_numeric(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                        mm_str cv) {
  (void)ev;
  mm__iam_decimal d;
  if (!mm__iam_decimal_parse(cv, &d)) return MM_ETYPE;
  return cmp_holds(mm__iam_decimal_cmp(&d, pv->u.num), op->arg);
}

/* ---- Date ----------------------------------------------------------------------- */

static int parse_date(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                      mm_error *err) {
  (void)a, (void)op, (void)variables;
  mm_error terr;
  if (mm_time_parse(v->text, MM_TIME_IAM, &v->u.time, &terr) != MM_OK)
    return mm_error_set(err, MM_EINVAL, "\"%.*s\" is not a date: %s",
                        (int)(v->text.len > 60 ? 60 : v->text.len), v->text.ptr, terr.msg);
  return MM_OK;
}

static int eval_date(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                     mm_str cv) {
  (void)ev;
  mm_time t;
  if (mm_time_parse(cv, MM_TIME_IAM, &t, NULL) != MM_OK) return MM_ETYPE;
  return cmp_holds(t < pv->u.time ? -1 : t > pv->u.time, op->arg);
}

/* ---- Bool and Null ----------------------------------------------------------------- */

static int parse_bool(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                      mm_error *err) {
  (void)a, (void)variables;
  v->u.flag = mm_str_ieq(v->text, MM_STR("true"));
  if (!v->u.flag && !mm_str_ieq(v->text, MM_STR("false")))
    return mm_error_set(err, MM_EINVAL, "%s takes \"true\" or \"false\"", op->name);
  return MM_OK;
}

static int eval_bool(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                     mm_str cv) {
  (void)ev, (void)op;
  if (mm_str_ieq(cv, MM_STR("true"))) return pv->u.flag;
  if (mm_str_ieq(cv, MM_STR("false"))) return !pv->u.flag;
  return 0;
}

/* Null compares presence, never values: condition.c decides before eval. */
static int eval_null(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                     mm_str cv) {
  (void)ev, (void)op, (void)pv, (void)cv;
  return MM_ETYPE;
}

/* ---- Binary ----------------------------------------------------------------------- */

static int b64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Standard base64 with optional padding into out (at least len bytes);
 * false when malformed. */
static bool b64_decode(mm_str s, char *out, size_t *n) {
  while (s.len && s.ptr[s.len - 1] == '=') s.len--;
  if (s.len % 4 == 1) return false;
  uint32_t acc = 0;
  size_t bits = 0, k = 0;
  for (size_t i = 0; i < s.len; i++) {
    int d = b64_digit(s.ptr[i]);
    if (d < 0) return false;
    acc = (acc << 6) | (uint32_t)d;
    bits += 6;
    if (bits >= 8) bits -= 8, out[k++] = (char)((acc >> bits) & 0xff);
  }
  *n = k;
  return true;
}

static int parse_binary(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                        mm_error *err) {
  (void)op, (void)variables;
  char *out = mm_arena_alloc(a, v->text.len + 1);
  size_t n = 0;
  if (!out) return mm_error_set(err, MM_ENOMEM, "out of memory");
  if (!b64_decode(v->text, out, &n)) return mm_error_set(err, MM_EINVAL, "not base64");
  v->u.bytes = (mm_str){out, n};
  return MM_OK;
}

static int eval_binary(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                       mm_str cv) {
  (void)ev, (void)op;
  char buf[MM_IAM_MAX_EXPANSION];
  size_t n = 0;
  if (cv.len > sizeof(buf) || !b64_decode(cv, buf, &n)) return MM_ETYPE;
  return mm_str_eq((mm_str){buf, n}, pv->u.bytes);
}

/* ---- IP --------------------------------------------------------------------------- */

static int parse_ip(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                    mm_error *err) {
  (void)a, (void)op, (void)variables;
  mm_error ierr;
  if (mm_cidr_parse(v->text.ptr, v->text.len, MM_CIDR_IAM, &v->u.cidr, &ierr) != MM_OK)
    return mm_error_set(err, MM_EINVAL, "\"%.*s\" is not an IP address or CIDR block: %s",
                        (int)(v->text.len > 60 ? 60 : v->text.len), v->text.ptr, ierr.msg);
  return MM_OK;
}

static int eval_ip(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                   mm_str cv) {
  (void)ev, (void)op;
  mm_ip_addr addr;
  if (mm_ip_parse(cv.ptr, cv.len, &addr, NULL) != MM_OK) return MM_ETYPE;
  return mm_cidr_contains(&pv->u.cidr, &addr);
}

/* ---- ARN -------------------------------------------------------------------------- */

static int parse_arn(mm_arena *a, const mm__iam_op *op, bool variables, mm__iam_value *v,
                     mm_error *err) {
  (void)op;
  if (variables) {
    int rc = mm__iam_tmpl_parse(a, v->text, &v->tmpl, err);
    if (rc != MM_OK || v->tmpl) return rc;
  }
  mm_error gerr;
  v->u.glob = mm_glob_compile(v->text, MM_GLOB_IAM_ARN, a, &gerr);
  return v->u.glob ? MM_OK : mm_error_set(err, gerr.code, "%s", gerr.msg);
}

static int eval_arn(const mm__iam_eval *ev, const mm__iam_op *op, const mm__iam_value *pv,
                    mm_str cv) {
  (void)op;
  if (!pv->tmpl) return mm_glob_matches(pv->u.glob, cv);
  char buf[MM_IAM_MAX_EXPANSION];
  mm_str want;
  int rc = expand(ev, pv, true, buf, sizeof(buf), &want);
  if (rc != MM_OK) return rc;
  return mm__iam_match_expansion(want, cv, true);
}

/* ---- the table -------------------------------------------------------------------- */

#define ROW(name, anchor, parse, eval, neg, arg) \
  { name, anchor, parse, eval, neg, true, false, arg }

const mm__iam_op mm__iam_operators[] = {
    ROW("StringEquals", "#Conditions_String", parse_string, eval_string, false, STR_EXACT),
    ROW("StringNotEquals", "#Conditions_String", parse_string, eval_string, true, STR_EXACT),
    ROW("StringEqualsIgnoreCase", "#Conditions_String", parse_string, eval_string, false,
        STR_NOCASE),
    ROW("StringNotEqualsIgnoreCase", "#Conditions_String", parse_string, eval_string, true,
        STR_NOCASE),
    ROW("StringLike", "#Conditions_String", parse_string, eval_string, false, STR_LIKE),
    ROW("StringNotLike", "#Conditions_String", parse_string, eval_string, true, STR_LIKE),
    ROW("NumericEquals", "#Conditions_Numeric", parse_numeric, eval_numeric, false, CMP_EQ),
    ROW("NumericNotEquals", "#Conditions_Numeric", parse_numeric, eval_numeric, true, CMP_EQ),
    ROW("NumericLessThan", "#Conditions_Numeric", parse_numeric, eval_numeric, false, CMP_LT),
    ROW("NumericLessThanEquals", "#Conditions_Numeric", parse_numeric, eval_numeric, false, CMP_LE),
    ROW("NumericGreaterThan", "#Conditions_Numeric", parse_numeric, eval_numeric, false, CMP_GT),
    ROW("NumericGreaterThanEquals", "#Conditions_Numeric", parse_numeric, eval_numeric, false,
        CMP_GE),
    ROW("DateEquals", "#Conditions_Date", parse_date, eval_date, false, CMP_EQ),
    ROW("DateNotEquals", "#Conditions_Date", parse_date, eval_date, true, CMP_EQ),
    ROW("DateLessThan", "#Conditions_Date", parse_date, eval_date, false, CMP_LT),
    ROW("DateLessThanEquals", "#Conditions_Date", parse_date, eval_date, false, CMP_LE),
    ROW("DateGreaterThan", "#Conditions_Date", parse_date, eval_date, false, CMP_GT),
    ROW("DateGreaterThanEquals", "#Conditions_Date", parse_date, eval_date, false, CMP_GE),
    ROW("Bool", "#Conditions_Boolean", parse_bool, eval_bool, false, 0),
    ROW("BinaryEquals", "#Conditions_BinaryEquals", parse_binary, eval_binary, false, 0),
    ROW("IpAddress", "#Conditions_IPAddress", parse_ip, eval_ip, false, 0),
    ROW("NotIpAddress", "#Conditions_IPAddress", parse_ip, eval_ip, true, 0),
    ROW("ArnEquals", "#Conditions_ARN", parse_arn, eval_arn, false, 0),
    ROW("ArnLike", "#Conditions_ARN", parse_arn, eval_arn, false, 0),
    ROW("ArnNotEquals", "#Conditions_ARN", parse_arn, eval_arn, true, 0),
    ROW("ArnNotLike", "#Conditions_ARN", parse_arn, eval_arn, true, 0),
    {"Null", "#Conditions_Null", parse_bool, eval_null, false, false, true, 0},
};

const size_t mm__iam_operator_count = MM_ARRAY_LEN(mm__iam_operators);

/* Operator names are matched case-insensitively, like condition keys. */
const mm__iam_op *mm__iam_operator_find(mm_str name) {
  for (size_t i = 0; i < mm__iam_operator_count; i++)
    if (mm_str_ieq(name, mm_str_from(mm__iam_operators[i].name))) return &mm__iam_operators[i];
  return NULL;
}
