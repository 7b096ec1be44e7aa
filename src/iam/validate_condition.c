/*
 * validate_condition.c - the validator's checks of the Condition element:
 * operators (unknown, Null with IfExists or a set qualifier), condition keys
 * (format, global and service keys against the catalog, tag keys without a
 * tag, keys an action does not support, untrustworthy and unpaired keys),
 * qualifiers against single- and multivalued keys, operator families
 * against key types, and values by operator (numbers, dates, Booleans,
 * base64, CIDR blocks and private ranges of aws:SourceIp, VPC and VPC
 * endpoint ids, Regions, wildcards without Like).
 *
 * Sources: "IAM policy validation check reference" (codes, messages),
 * "IAM JSON policy elements: Condition operators", "Single-valued vs.
 * multivalued context keys", "AWS global condition context keys", and the
 * catalog's key types (the Service Authorization Reference).
 */
#include "iam_int.h"
#include "validate_int.h"

#include "mamori/hash.h"

#include "mamori/alloc.h"

#include <stdio.h>
#include <string.h>

#define CUT(s) (int)((s).len > 120 ? 120 : (s).len), (s).ptr

enum { FAM_STRING, FAM_NUMERIC, FAM_DATE, FAM_BOOL, FAM_BINARY, FAM_IP, FAM_ARN, FAM_NULL };

/* One operator as written, read. */
typedef struct vop {
  mm_str text;           /* as written */
  const mm__iam_op *op;  /* the table row, or NULL when unknown */
  int fam;               /* FAM_* */
  bool for_all, for_any; /* set qualifier */
  bool if_exists;        /* ...IfExists */
  bool like;             /* StringLike / StringNotLike */
} vop;

static void type_mismatch(mm__iam_vctx *x, const mm__iam_vnode *n, const char *want) {
  mm__iam_vfind(x, MM__IAM_C_DATA_TYPE_MISMATCH, n, false, NULL,
                "The text does not match the expected JSON data type %s.", want);
}

static int family_of(const char *name) {
  static const struct {
    const char *prefix;
    int fam;
  } rows[] = {{"String", FAM_STRING},   {"Numeric", FAM_NUMERIC}, {"Date", FAM_DATE},
              {"Bool", FAM_BOOL},       {"Binary", FAM_BINARY},   {"IpAddress", FAM_IP},
              {"NotIpAddress", FAM_IP}, {"Arn", FAM_ARN},         {"Null", FAM_NULL}};
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++)
    if (strncmp(name, rows[i].prefix, strlen(rows[i].prefix)) == 0) return rows[i].fam;
  return FAM_STRING;
}

/* Read an operator: ForAllValues:/ForAnyValue:, the name, IfExists. Null
 * with IfExists is kept (its own finding), any other unknown name not. */
static vop read_op(mm_str s) {
  vop o = {s, NULL, FAM_STRING, false, false, false, false};
  if (mm__iam_vprefix(s, "ForAllValues:"))
    o.for_all = true, s.ptr += 13, s.len -= 13;
  else if (mm__iam_vprefix(s, "ForAnyValue:"))
    o.for_any = true, s.ptr += 12, s.len -= 12;
  o.op = mm__iam_operator_find(s);
  if (!o.op && s.len > 8 && mm_str_ieq((mm_str){s.ptr + s.len - 8, 8}, MM_STR("IfExists"))) {
    o.op = mm__iam_operator_find((mm_str){s.ptr, s.len - 8});
    o.if_exists = o.op != NULL;
  }
  if (o.op) o.fam = family_of(o.op->name), o.like = strstr(o.op->name, "Like") != NULL;
  return o;
}

/* ---- policy variables -------------------------------------------------------------- */

static void check_one_variable(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str s, size_t at) {
  const char *close = memchr(s.ptr + at, '}', s.len - at);
  if (!close) {
    mm__iam_vfind_sub(x, MM__IAM_C_MISSING_BRACE_IN_VARIABLE, n, at, s.len - at,
                      "The policy variable is missing a closing curly brace. Add } after the "
                      "variable text.");
    return;
  }
  size_t end = (size_t)(close - s.ptr) + 1, len = end - at;
  mm_str body = {s.ptr + at + 2, end - at - 3};
  size_t i = 0;
  while (i < body.len && body.ptr[i] == ' ') i++;
  if (i == body.len) {
    mm__iam_vfind_sub(x, MM__IAM_C_EMPTY_VARIABLE, n, at, len,
                      "Empty policy variable. Remove the ${ } variable structure or provide a "
                      "variable within the structure.");
    return;
  }
  const char *comma = memchr(body.ptr, ',', body.len);
  mm_str name = {body.ptr, comma ? (size_t)(comma - body.ptr) : body.len};
  while (comma && name.len && name.ptr[name.len - 1] == ' ') name.len--;
  if (memchr(name.ptr, ' ', name.len)) {
    mm__iam_vfind_sub(x, MM__IAM_C_UNSUPPORTED_SPACE_IN_VARIABLE, n, at, len,
                      "A space is not supported within the policy variable text. Remove the "
                      "space.");
    return;
  }
  if (!comma) return;
  mm_str d = {comma + 1, (size_t)(body.ptr + body.len - comma - 1)};
  while (d.len && d.ptr[0] == ' ') d.ptr++, d.len--;
  while (d.len && d.ptr[d.len - 1] == ' ') d.len--;
  if (d.len < 2 || d.ptr[0] != '\'' || d.ptr[d.len - 1] != '\'')
    mm__iam_vfind_sub(x, MM__IAM_C_MISSING_QUOTE_IN_VARIABLE, n, at, len,
                      "The policy variable default value must begin and end with a single quote. "
                      "Add the missing quote.");
}

void mm__iam_vcheck_variables(mm__iam_vctx *x, const mm__iam_vnode *n, bool allowed) {
  mm_str s = mm_json_get_str(n->v);
  if (!mm__iam_vhas_variable(s)) return;
  size_t first = 0;
  while (!(s.ptr[first] == '$' && s.ptr[first + 1] == '{')) first++;
  const char *close = memchr(s.ptr + first, '}', s.len - first);
  size_t vlen = close ? (size_t)(close - s.ptr) + 1 - first : s.len - first;
  if (!allowed) {
    mm__iam_vfind_sub(x, MM__IAM_C_VARIABLE_UNSUPPORTED_IN_ELEMENT, n, first, vlen,
                      "Policy variables are supported in the Resource and Condition "
                      "elements. Remove the policy variable %.*s from this element.",
                      (int)(vlen > 120 ? 120 : vlen), s.ptr + first);
    return;
  }
  if (!x->variables) {
    mm__iam_vfind_sub(x, MM__IAM_C_VARIABLE_UNSUPPORTED_IN_VERSION, n, first, vlen,
                      "To include variables in your policy, use the policy version "
                      "2012-10-17 or later.");
    return;
  }
  for (size_t i = 0; i + 1 < s.len && x->status == MM_OK; i++)
    if (s.ptr[i] == '$' && s.ptr[i + 1] == '{') check_one_variable(x, n, s, i);
}

/* ---- keys --------------------------------------------------------------------------- */

/* Whether a tag-family key was written without its tag ("aws:ResourceTag",
 * "aws:RequestTag/"). */
static bool missing_tag(const mm__iam_vctx *x, mm_str key) {
  char buf[260];
  if (key.len > 200) return false;
  size_t n = key.len;
  memcpy(buf, key.ptr, n);
  if (!n || buf[n - 1] != '/') buf[n++] = '/';
  buf[n++] = 'x';
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(x->cat, (mm_str){buf, n});
  return k && k->family && k->prefix.len == n - 1 && mm_str_ieq(k->prefix, (mm_str){buf, n - 1});
}

static bool idp_key(mm_str service) { return memchr(service.ptr, '.', service.len) != NULL; }

/* Known key: the catalog's entry, or NULL after reporting what is wrong. */
static const mm_iam_catalog_key *check_key_name(mm__iam_vctx *x, const mm__iam_vnode *kn) {
  mm_str key = kn->key;
  const char *colon = memchr(key.ptr, ':', key.len);
  if (mm__iam_vhas_variable(key)) return NULL;
  if (!colon || colon == key.ptr || colon == key.ptr + key.len - 1)
    return mm__iam_vfind(x, MM__IAM_C_INVALID_CONDITION_KEY_FORMAT, kn, true, NULL,
                         "The condition key format is not valid. Use the format service:keyname."),
           NULL;
  mm_str svc = {key.ptr, (size_t)(colon - key.ptr)};
  bool global = mm_str_ieq(svc, MM_STR("aws"));
  if (global && mm_str_ieq(key, MM_STR("aws:ARN")))
    return mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_GLOBAL_CONDITION_KEY, kn, true, NULL,
                         "The condition key aws:ARN is not supported. Use aws:PrincipalArn or "
                         "aws:SourceArn instead."),
           NULL;
  if (!x->cat) return NULL;
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(x->cat, key);
  if (k) return k;
  if (missing_tag(x, key))
    mm__iam_vfind(x, MM__IAM_C_MISSING_TAG_KEY_IN_CONDITION, kn, true, NULL,
                  "The condition key %.*s must include a tag key to control access based on tags. "
                  "Use the format %.*s/tag-key and specify a key name for tag-key.",
                  CUT(key), (int)(key.len && key.ptr[key.len - 1] == '/' ? key.len - 1 : key.len),
                  key.ptr);
  else if (global)
    mm__iam_vfind(x, MM__IAM_C_INVALID_GLOBAL_CONDITION_KEY, kn, true, NULL,
                  "The condition key %.*s does not exist. Use a valid condition key.", CUT(key));
  else if (idp_key(svc))
    return NULL; /* identity-provider claims (accounts.google.com:aud) are not in the catalog */
  else if (!mm_iam_catalog_service_find(x->cat, svc))
    mm__iam_vfind(x, MM__IAM_C_INVALID_SERVICE, kn, true, NULL,
                  "The service %.*s does not exist. Use a valid service name.", CUT(svc));
  else
    mm__iam_vfind(
        x, MM__IAM_C_INVALID_SERVICE_CONDITION_KEY, kn, true, NULL,
        "The condition key %.*s does not exist in the service %.*s. Use a valid condition "
        "key.",
        CUT(key), CUT(svc));
  return NULL;
}

static bool multivalued(const mm_iam_catalog_key *k) { return mm__iam_vprefix(k->type, "ArrayOf"); }

/* The operator family a key type wants, and its name for messages. */
static int type_family(mm_str t, const char **name) {
  if (mm__iam_vprefix(t, "ArrayOf")) t.ptr += 7, t.len -= 7;
  static const struct {
    const char *type, *name;
    int fam;
  } rows[] = {{"String", "String", FAM_STRING},    {"ARN", "ARN", FAM_ARN},
              {"Numeric", "Numeric", FAM_NUMERIC}, {"Long", "Numeric", FAM_NUMERIC},
              {"Integer", "Numeric", FAM_NUMERIC}, {"Date", "Date", FAM_DATE},
              {"Bool", "Bool", FAM_BOOL},          {"Boolean", "Bool", FAM_BOOL},
              {"IPAddress", "IpAddress", FAM_IP},  {"Binary", "Binary", FAM_BINARY}};
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++)
    if (mm_str_ieq(t, mm_str_from(rows[i].type))) return *name = rows[i].name, rows[i].fam;
  return *name = NULL, -1;
}

static void check_key_semantics(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o,
                                const mm__iam_vnode *kn, const mm_iam_catalog_key *k) {
  mm_str key = kn->key;
  if (o->fam != FAM_NULL && !o->for_all && !o->for_any && multivalued(k))
    mm__iam_vfind(x, MM__IAM_C_MISSING_QUALIFIER, kn, true, NULL,
                  "The request context key %.*s has multiple values. Use the ForAllValues or "
                  "ForAnyValue condition key qualifiers in your policy.",
                  CUT(key));
  if (o->for_all && s->allow && !multivalued(k))
    mm__iam_vfind(x, MM__IAM_C_FORALLVALUES_WITH_SINGLE_VALUED_KEY, kn, true, NULL,
                  "Using ForAllValues qualifier with the single-valued condition key %.*s can be "
                  "overly permissive. We recommend that you remove ForAllValues:.",
                  CUT(key));
  const char *want = NULL;
  int fam = type_family(k->type, &want);
  if (fam < 0 || o->fam == FAM_NULL || o->fam == fam) return;
  if (fam == FAM_ARN && o->fam == FAM_STRING) {
    if (o->like)
      mm__iam_vfind(
          x, MM__IAM_C_STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS, kn, true, NULL,
          "Use the operator type ARN instead of operator %.*s for the condition key %.*s.",
          CUT(o->text), CUT(key));
    return;
  }
  mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH, kn, true, NULL,
                "Use the operator type %s instead of operator %.*s for the condition key %.*s.",
                want, CUT(o->text), CUT(key));
}

static void check_key_policy(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o,
                             const mm__iam_vnode *kn) {
  mm_str key = kn->key;
  if (mm_str_ieq(key, MM_STR("aws:UserAgent")) || mm_str_ieq(key, MM_STR("aws:Referer")))
    mm__iam_vfind(x, MM__IAM_C_UNTRUSTWORTHY_CONDITION_KEY, kn, true, NULL,
                  "The %.*s condition key is not recommended for access control as it can be "
                  "spoofed/manipulated by the caller.",
                  CUT(key));
  if (o->for_any && key.len > 4 && mm_str_ieq((mm_str){key.ptr + key.len - 4, 4}, MM_STR(":aud")))
    mm__iam_vfind(x, MM__IAM_C_FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE, kn, true, NULL,
                  "Using ForAnyValue qualifier with the single-valued condition key %.*s can be "
                  "overly permissive. We recommend that you remove ForAnyValue:.",
                  CUT(key));
  if (o->fam == FAM_STRING && mm_str_ieq(key, MM_STR("s3:prefix")) &&
      ((s->deny && !o->op->negated) || (s->allow && o->op->negated)))
    mm__iam_vfind(
        x, MM__IAM_C_S3_PREFIX_IN_NEGATIVE_CONTEXT, kn, true, NULL,
        "Using the s3:prefix condition key in a Deny statement or with a negated string "
        "operator does not block listing the objects under the matching prefixes. A "
        "request that specifies a shorter prefix does not match the condition and can "
        "still list those objects. To restrict listing to specific prefixes, use s3:prefix "
        "with StringLike in an Allow statement, or use a Deny statement with "
        "StringNotLike.");
  if (s->allow && mm_str_ieq(key, MM_STR("aws:VpcSourceIp")) &&
      !mm__iam_vstmt_has_key(s, "aws:SourceVpc") && !mm__iam_vstmt_has_key(s, "aws:SourceVpce"))
    mm__iam_vfind(
        x, MM__IAM_C_MISSING_PAIRED_CONDITION_KEYS, kn, true, NULL,
        "Using the condition key aws:VpcSourceIp can be overly permissive without also "
        "using the following condition keys: aws:SourceVpc, aws:SourceVpce. Condition keys "
        "like this one are more secure when paired with a related key. We recommend that "
        "you add the related condition keys to the same condition block.");
  if (s->allow && mm_str_ieq(key, MM_STR("dynamodb:Attributes")) &&
      !mm__iam_vstmt_has_key(s, "dynamodb:Select"))
    mm__iam_vfind(x, MM__IAM_C_DYNAMODB_ATTRIBUTES_WITHOUT_SELECT, kn, true, NULL,
                  "Restricting dynamodb:Attributes without also setting dynamodb:Select to "
                  "SPECIFIC_ATTRIBUTES allows all attributes to be returned on read requests that "
                  "omit a projection expression. We recommend that you also set dynamodb:Select to "
                  "SPECIFIC_ATTRIBUTES.");
}

/* ---- values --------------------------------------------------------------------------- */

/* A scalar value's text ("true" for the JSON literal), false for others. */
static bool scalar(const mm_json_value *v, mm_str *out) {
  if (mm_json_is_string(v)) return *out = mm_json_get_str(v), true;
  if (mm_json_is_number(v)) return *out = mm_json_number_raw(v), true;
  if (mm_json_is_bool(v)) return *out = mm_json_is_true(v) ? MM_STR("true") : MM_STR("false"), true;
  return false;
}

static bool base64_ok(mm_str s) {
  while (s.len && s.ptr[s.len - 1] == '=') s.len--;
  if (s.len % 4 == 1) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/'))
      return false;
  }
  return true;
}

static bool all_digits(mm_str s) {
  size_t i = s.len && s.ptr[0] == '-';
  for (; i < s.len; i++)
    if ((s.ptr[i] < '0' || s.ptr[i] > '9') && s.ptr[i] != '.') return false;
  return s.len > 0;
}

static bool private_block(const mm_cidr *c) {
  const uint8_t *b = c->addr.bytes;
  if (c->addr.family == MM_IP_V4)
    return (c->len >= 8 && (b[0] == 10 || b[0] == 127)) ||
           (c->len >= 12 && b[0] == 172 && (b[1] & 0xf0) == 16) ||
           (c->len >= 16 && ((b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)));
  return (c->len >= 7 && (b[0] & 0xfe) == 0xfc) ||
         (c->len >= 10 && b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

/* An IpAddress value: 1 private, 0 public, -1 not a block (reported). */
static int check_ip(mm__iam_vctx *x, const vop *o, const mm__iam_vnode *n, mm_str v) {
  mm_cidr c;
  if (mm_cidr_parse(v.ptr, v.len, MM_CIDR_IAM, &c, NULL) != MM_OK)
    return mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH_IP_RANGE, n, false, NULL,
                         "The condition operator %.*s is used with an invalid IP range value. "
                         "Specify the IP range in standard CIDR format.",
                         CUT(o->text)),
           -1;
  mm_cidr strict;
  if (mm_cidr_parse(v.ptr, v.len, MM_CIDR_BARE_ADDR, &strict, NULL) != MM_OK) {
    char buf[MM_CIDR_TEXT_MAX];
    mm_cidr_format(&c, buf, sizeof(buf));
    mm__iam_vfind(x, MM__IAM_C_IMPROVE_IP_RANGE, n, false, NULL,
                  "The non-zero bits in the IP address after the masked bits are ignored. Replace "
                  "address with %s.",
                  buf);
  }
  return private_block(&c);
}

static bool vpc_id_ok(mm_str v, const char *prefix) {
  size_t p = strlen(prefix), n = v.len - p;
  if (v.len < p || memcmp(v.ptr, prefix, p) != 0 || (n != 8 && n != 17)) return false;
  for (size_t i = p; i < v.len; i++) {
    char c = v.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

static void check_string_value(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o, mm_str key,
                               const mm__iam_vnode *n, mm_str v) {
  bool wild = memchr(v.ptr, '*', v.len) || memchr(v.ptr, '?', v.len);
  if (wild && !o->like && o->fam == FAM_STRING && !mm__iam_vhas_variable(v))
    mm__iam_vfind(
        x, MM__IAM_C_WILDCARD_WITHOUT_LIKE_OPERATOR, n, false, NULL,
        "Your condition value includes a * or ? character. If you meant to use a wildcard "
        "(*, ?), update the condition operator to include Like.");
  if (wild || mm__iam_vhas_variable(v) || o->fam != FAM_STRING) {
    if (wild && mm_str_ieq(key, MM_STR("token.actions.githubusercontent.com:sub")) &&
        !mm__iam_vstmt_has_key(s, "token.actions.githubusercontent.com:ref"))
      mm__iam_vfind(
          x, MM__IAM_C_SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED, n, false, NULL,
          "Using a wildcard (*) in token.actions.githubusercontent.com:sub can allow "
          "requests from more sources than you intended. Specify the value of "
          "token.actions.githubusercontent.com:sub with the repository and branch name. If "
          "the subject claim does not include the branch, specify it in a "
          "token.actions.githubusercontent.com:ref condition key.");
    return;
  }
  if (mm_str_ieq(key, MM_STR("aws:SourceVpc")) && !vpc_id_ok(v, "vpc-"))
    mm__iam_vfind(x, MM__IAM_C_INVALID_VPC_FORMAT, n, false, NULL,
                  "The VPC identifier in the condition key value is not valid. Use the prefix "
                  "'vpc-' followed by 8 or 17 alphanumeric characters.");
  if (mm_str_ieq(key, MM_STR("aws:SourceVpce")) && !vpc_id_ok(v, "vpce-"))
    mm__iam_vfind(x, MM__IAM_C_INVALID_VPCE_FORMAT, n, false, NULL,
                  "The VPCE identifier in the condition key value is not valid.  Use the prefix "
                  "'vpce-' followed by 8 or 17 alphanumeric characters.");
  if (mm_str_ieq(key, MM_STR("aws:RequestedRegion")) && !mm__iam_vregion_ok(v))
    mm__iam_vfind(x, MM__IAM_C_INVALID_REGION, n, false, NULL,
                  "The Region %.*s is not valid. Update the condition value to a supported Region.",
                  CUT(v));
}

/* One value; returns check_ip's answer for IP values, else 0. */
static int check_value(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o, mm_str key,
                       const mm__iam_vnode *n, size_t count) {
  mm_str v;
  if (!scalar(n->v, &v)) return type_mismatch(x, n, "String"), 0;
  if (mm__iam_vhas_variable(v) && mm_json_is_string(n->v)) {
    if (o->fam != FAM_STRING && o->fam != FAM_ARN)
      return mm__iam_vfind(x, MM__IAM_C_INVALID_VARIABLE_FOR_OPERATOR, n, false, NULL,
                           "Policy variables can only be used with String and ARN operators."),
             0;
    mm__iam_vcheck_variables(x, n, true);
  }
  mm__iam_decimal d;
  mm_time t;
  switch (o->fam) {
    case FAM_NUMERIC:
      if (!mm__iam_decimal_parse(v, &d))
        mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH_NUMBER, n, false, NULL,
                      "Add a valid numeric value for the condition operator %.*s.", CUT(o->text));
      return 0;
    case FAM_DATE:
      if (mm_json_is_number(n->v) || all_digits(v))
        mm__iam_vfind(x, MM__IAM_C_INVALID_DATE_VALUE, n, false, NULL,
                      "The date %.*s might not resolve as expected. We recommend that you use the "
                      "YYYY-MM-DD format.",
                      CUT(v));
      else if (mm_time_parse(v, MM_TIME_IAM, &t, NULL) != MM_OK)
        mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH_DATE, n, false, NULL,
                      "The date condition operator is used with an invalid value. Specify a valid "
                      "date using YYYY-MM-DD or other ISO 8601 date/time format.");
      return 0;
    case FAM_BOOL:
    case FAM_NULL:
      if (!mm_str_ieq(v, MM_STR("true")) && !mm_str_ieq(v, MM_STR("false")))
        mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH_BOOLEAN, n, false, NULL,
                      "Add a valid Boolean value (true or false) for the condition operator %.*s.",
                      CUT(o->text));
      return 0;
    case FAM_BINARY:
      if (!base64_ok(v))
        mm__iam_vfind(x, MM__IAM_C_TYPE_MISMATCH_STRING, n, false, NULL,
                      "Add a valid base64-encoded string value for the condition operator %.*s.",
                      CUT(o->text));
      return 0;
    case FAM_IP:
      return check_ip(x, o, n, v);
    default:
      (void)count;
      check_string_value(x, s, o, key, n, v);
      return 0;
  }
}

static void check_empty_values(mm__iam_vctx *x, const vop *o, const mm__iam_vnode *kn) {
  mm_str key = kn->key;
  if (o->for_all)
    mm__iam_vfind(
        x, MM__IAM_C_EMPTY_ARRAY_CONDITION_FORALLVALUES, kn, false, NULL,
        "The ForAllValues prefix with an empty condition key matches only if the key %.*s "
        "is missing from the request context. To determine if the request context is "
        "empty, we recommend that you use the Null condition operator with the value of "
        "true instead.",
        CUT(key));
  else if (o->for_any)
    mm__iam_vfind(
        x, MM__IAM_C_EMPTY_ARRAY_CONDITION_FORANYVALUE, kn, false, NULL,
        "The ForAnyValue prefix with an empty condition key %.*s never matches the request "
        "context and it does not affect the policy. Specify conditions.",
        CUT(key));
  else if (o->if_exists)
    mm__iam_vfind(x, MM__IAM_C_EMPTY_ARRAY_CONDITION_IFEXISTS, kn, false, NULL,
                  "The IfExists suffix with an empty condition key matches only if the key %.*s is "
                  "missing from the request context. To determine if the request context is empty, "
                  "we recommend that you use the Null condition operator with the value of true "
                  "instead.",
                  CUT(key));
  else
    mm__iam_vfind(x, MM__IAM_C_EMPTY_ARRAY_CONDITION, kn, false, NULL,
                  "There are no values for the condition key %.*s and it does not affect the "
                  "policy. Specify conditions.",
                  CUT(key));
}

static void check_private(mm__iam_vctx *x, const vop *o, const mm__iam_vnode *kn, size_t priv,
                          size_t pub) {
  if (!mm_str_ieq(kn->key, MM_STR("aws:SourceIp")) || priv == 0) return;
  bool neg = o->op->negated;
  if (pub == 0 && !neg)
    mm__iam_vfind(
        x, MM__IAM_C_PRIVATE_IP_ADDRESS, kn, true, NULL,
        "aws:SourceIp works only for public IP address ranges. The values for condition "
        "key aws:SourceIp include only private IP addresses and will not have the desired "
        "effect. Update the value to include only public IP addresses.");
  else if (pub == 0)
    mm__iam_vfind(x, MM__IAM_C_PRIVATE_NOT_IP_ADDRESS, kn, true, NULL,
                  "The values for condition key aws:SourceIp include only private IP addresses and "
                  "has no effect. aws:SourceIp works only for public IP address ranges. Update the "
                  "value to include only public IP addresses.");
  else
    mm__iam_vfind(
        x, neg ? MM__IAM_C_PRIVATE_NOT_IP_ADDRESS_SUBSET : MM__IAM_C_PRIVATE_IP_ADDRESS_SUBSET, kn,
        true, NULL,
        "The values for condition key aws:SourceIp include a mix of private and public IP "
        "addresses. The private addresses %s aws:SourceIp works only for public IP address "
        "ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.",
        neg ? "have no effect." : "will not have the desired effect.");
}

static void check_values(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o,
                         const mm__iam_vnode *kn) {
  bool arr = mm_json_is_array(kn->v);
  if (arr && kn->n == 0) {
    check_empty_values(x, o, kn);
    return;
  }
  size_t n = arr ? kn->n : 1, priv = 0, pub = 0;
  mm_json_type first = mm_json_type_of(arr ? kn->kids[0].v : kn->v);
  bool mixed = false;
  for (size_t i = 0; i < n && x->status == MM_OK; i++) {
    const mm__iam_vnode *vn = arr ? &kn->kids[i] : kn;
    mixed |= mm_json_type_of(vn->v) != first;
    int ip = check_value(x, s, o, kn->key, vn, n);
    priv += ip == 1, pub += ip == 0;
  }
  if (mixed)
    mm__iam_vfind(x, MM__IAM_C_INVALID_CONDITION_DATA_TYPE, kn, false, NULL,
                  "The condition value data types do not match. Use condition values of the same "
                  "JSON data type.");
  if (n > 1 && (o->fam == FAM_BOOL || o->fam == FAM_NULL))
    mm__iam_vfind(
        x, MM__IAM_C_INVALID_CONDITION_MULTIPLE_BOOLEAN, kn, false, NULL,
        "The condition key does not support multiple Boolean values. Use a single Boolean "
        "value.");
  if (o->fam == FAM_IP) check_private(x, o, kn, priv, pub);
  bool ordered = o->fam == FAM_NUMERIC && o->op->arg != 0 && !o->for_all && !o->for_any;
  if (ordered && n > 1) {
    bool less = strstr(o->op->name, "Less") != NULL;
    mm__iam_vfind(
        x, MM__IAM_C_REDUNDANT_CONDITION_VALUE_NUM, kn, false, NULL,
        "Multiple values in %.*s are redundant. Replace with the %s single value for %.*s.",
        CUT(o->text), less ? "greatest" : "least", CUT(kn->key));
  }
}

/* ---- blocks ------------------------------------------------------------------------- */

static void check_condition_key(mm__iam_vctx *x, const mm__iam_vstmt *s, const vop *o,
                                const mm__iam_vnode *kn) {
  if (mm__iam_vhas_variable(kn->key))
    mm__iam_vfind(x, MM__IAM_C_VARIABLE_UNSUPPORTED_IN_ELEMENT, kn, true, NULL,
                  "Policy variables are supported in the Resource and Condition elements. Remove "
                  "the policy variable %.*s from this element.",
                  CUT(kn->key));
  const mm_iam_catalog_key *k = check_key_name(x, kn);
  if (k) check_key_semantics(x, s, o, kn, k);
  check_key_policy(x, s, o, kn);
  if (!mm_json_is_array(kn->v) && !mm_json_is_string(kn->v) && !mm_json_is_number(kn->v) &&
      !mm_json_is_bool(kn->v)) {
    type_mismatch(x, kn, "Array");
    return;
  }
  check_values(x, s, o, kn);
}

/* Keys equal but for case, found through a case-insensitive map of the
 * first spelling of each. */
static void check_duplicate_keys(mm__iam_vctx *x, const mm__iam_vnode *block) {
  mm_map seen;
  mm_map_init(&seen, true);
  for (uint32_t i = 0; i < block->n && x->status == MM_OK; i++) {
    const mm__iam_vnode *k = &block->kids[i];
    const mm__iam_vnode *first = mm_map_get(&seen, k->key);
    if (!first && k->key.ptr && mm_map_put(&seen, k->key, (void *)k, NULL) != MM_OK)
      x->status = MM_ENOMEM;
    if (first && !mm_str_eq(first->key, k->key))
      mm__iam_vfind(x, MM__IAM_C_DUPLICATE_KEYS_WITH_DIFFERENT_CASE, k, true, first,
                    "The condition key %.*s appears more than once with different capitalization "
                    "in the same condition block. Remove the duplicate condition keys.",
                    CUT(k->key));
  }
  mm_map_free(&seen);
}

static void check_block(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *b) {
  vop o = read_op(b->key);
  mm_str base = b->key;
  const char *colon = memchr(base.ptr, ':', base.len);
  if (colon && (mm__iam_vprefix(base, "ForAllValues:") || mm__iam_vprefix(base, "ForAnyValue:")))
    base = (mm_str){colon + 1, base.len - (size_t)(colon + 1 - base.ptr)};
  if ((o.op && o.fam == FAM_NULL && o.if_exists) ||
      (!o.op && mm_str_ieq(base, MM_STR("NullIfExists")))) {
    mm__iam_vfind(x, MM__IAM_C_NULL_WITH_IF_EXISTS, b, true, NULL,
                  "The Null condition operator cannot be used with the IfExists suffix. "
                  "Update the operator or the suffix.");
    return;
  }
  if (!o.op) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_CONDITION_OPERATOR, b, true, NULL,
                  "The condition operator %.*s is not valid. Use a valid condition operator.",
                  CUT(b->key));
    return;
  }
  if (o.fam == FAM_NULL && (o.for_all || o.for_any))
    mm__iam_vfind(x, MM__IAM_C_NULL_WITH_QUALIFIER, b, true, NULL,
                  "Avoid using the Null condition operator with the ForAllValues or ForAnyValue "
                  "qualifiers because they always return a true or false respectively.");
  if (!mm_json_is_object(b->v)) {
    type_mismatch(x, b, "Object");
    return;
  }
  if (b->n == 0) {
    mm__iam_vfind(x, MM__IAM_C_EMPTY_OBJECT_CONDITION, b, false, NULL,
                  "This condition block is empty and it does not affect the policy. Specify "
                  "conditions.");
    return;
  }
  check_duplicate_keys(x, b);
  for (uint32_t i = 0; i < b->n && x->status == MM_OK; i++)
    check_condition_key(x, s, &o, &b->kids[i]);
}

/* ---- keys against the statement's actions --------------------------------------------- */

/* Whether a key list entry (a name or a family with a placeholder) names key. */
static bool listed(mm_str entry, mm_str key) {
  for (size_t i = 0; i < entry.len; i++)
    if (entry.ptr[i] == '$' || entry.ptr[i] == '<')
      return key.len > i && mm_str_ieq((mm_str){entry.ptr, i}, (mm_str){key.ptr, i});
  return mm_str_ieq(entry, key);
}

static bool list_has(const mm_str *l, size_t n, mm_str key) {
  for (size_t i = 0; i < n; i++)
    if (listed(l[i], key)) return true;
  return false;
}

/* Whether the action itself or one of its resource types lists key (global
 * keys included: this is about aws:ResourceTag, which the catalog lists per
 * action and resource type). */
static bool action_lists(const mm_iam_catalog_action *a, mm_str key) {
  if (list_has(a->keys, a->n_keys, key)) return true;
  for (size_t i = 0; i < a->n_refs; i++)
    if (list_has(a->refs[i].keys, a->refs[i].n_keys, key) ||
        list_has(a->refs[i].type->keys, a->refs[i].type->n_keys, key))
      return true;
  return false;
}

static void unsupported_actions(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *kn,
                                const mm_iam_catalog_key *k) {
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  char list[600];
  size_t used = 0, bad = 0;
  list[0] = '\0';
  for (size_t i = 0; i < l.n && x->work > 0; i++, x->work--) {
    mm_str a = mm_json_get_str(l.items[i]->v);
    const mm_iam_catalog_action *act = memchr(a.ptr, '*', a.len) || memchr(a.ptr, '?', a.len)
                                           ? NULL
                                           : mm_iam_catalog_action_find(x->cat, a);
    if (!act || mm_iam_catalog_action_supports_key(x->cat, act, kn->key)) continue;
    if (used < sizeof(list) - 130)
      used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.*s", bad ? ", " : "",
                               CUT(act->full));
    bad++;
  }
  (void)k;
  if (bad)
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_ACTION_FOR_CONDITION_KEY, kn, true, NULL,
                  "The following actions: %s are not supported by the condition key %.*s. The "
                  "condition will not be evaluated for these actions. We recommend that you move "
                  "these actions to a different statement without this condition key.",
                  list, CUT(kn->key));
}

/* Services reached by the statement's actions none of whose actions list
 * the tag key, comma-separated into out; their number. */
static size_t tag_services(mm__iam_vctx *x, const mm__iam_vstmt *s, mm_str key, char *out,
                           size_t size) {
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  size_t count = 0, used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < l.n && x->status == MM_OK; i++) {
    mm_str a = mm_json_get_str(l.items[i]->v);
    size_t total = 0;
    if (mm_iam_catalog_expand(x->cat, a, NULL, 0, &total, NULL) != MM_OK || total == 0) continue;
    if (total > MM_IAM_VALIDATE_MAX_EXPANSION || total > x->work) return 0; /* out of budget */
    x->work -= total;
    const mm_iam_catalog_action **acts = mm_calloc(total, sizeof(*acts));
    if (!acts) return x->status = MM_ENOMEM, 0;
    mm_iam_catalog_expand(x->cat, a, acts, total, &total, NULL);
    for (size_t j = 0; j < total;) { /* the expansion is grouped by service */
      const mm_iam_catalog_service *svc = acts[j]->service;
      bool any = false;
      for (; j < total && acts[j]->service == svc; j++) any |= action_lists(acts[j], key);
      char item[130];
      int n = snprintf(item, sizeof(item), "%.*s", CUT(svc->prefix));
      if (any || n <= 0 || strstr(out, item)) continue;
      if (used + (size_t)n + 3 < size)
        used += (size_t)snprintf(out + used, size - used, "%s%s", count ? ", " : "", item);
      count++;
    }
    mm_free(acts);
  }
  return count;
}

static void check_tag_key(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *kn) {
  mm_str key = kn->key;
  if (!mm__iam_vprefix(key, "aws:ResourceTag/") || (!s->allow && !s->deny) || !s->action) return;
  if (s->not_action) {
    mm__iam_vfind(x,
                  s->allow
                      ? MM__IAM_C_ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE
                      : MM__IAM_C_DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE,
                  kn, true, NULL,
                  s->allow ? "Using the effect Allow with NotAction and the tag condition key "
                             "%.*s allows only service actions that support the condition key. "
                             "The condition key doesn't apply to some service actions. We "
                             "recommend that you use Action instead of NotAction."
                           : "Using the effect Deny with NotAction and the tag condition key "
                             "%.*s can be overly permissive because some service actions are "
                             "not denied by this statement. This is because the condition key "
                             "doesn't apply to some service actions. We recommend that you use "
                             "Action instead of NotAction.",
                  CUT(key));
    return;
  }
  char names[400];
  if (tag_services(x, s, key, names, sizeof(names)) == 0) return;
  if (s->allow)
    mm__iam_vfind(
        x, MM__IAM_C_ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, kn, true, NULL,
        "Using the effect Allow with the tag condition key %.*s and actions for services "
        "with the following prefixes does not affect the policy: %s. Actions for the listed "
        "service are not allowed by this statement. We recommend that you move these "
        "actions to a different statement without this condition key.",
        CUT(key), names);
  else
    mm__iam_vfind(
        x, MM__IAM_C_DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, kn, true, NULL,
        "Using the effect Deny with the tag condition key %.*s and actions for services "
        "with the following prefixes can be overly permissive: %s. Actions for the listed "
        "services are not denied by this statement. We recommend that you move these "
        "actions to a different statement without this condition key.",
        CUT(key), names);
}

/* Checks that need the statement's actions, once per key. */
static void check_keys_against_actions(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  const mm__iam_vnode *c = s->condition;
  if (!x->cat || !s->action) return;
  for (uint32_t i = 0; i < c->n; i++) {
    const mm__iam_vnode *b = &c->kids[i];
    if (!read_op(b->key).op || !mm_json_is_object(b->v)) continue;
    for (uint32_t j = 0; j < b->n && x->status == MM_OK; j++) {
      const mm__iam_vnode *kn = &b->kids[j];
      const mm_iam_catalog_key *k = mm_iam_catalog_key_find(x->cat, kn->key);
      check_tag_key(x, s, kn);
      if (k && k->service && !s->not_action) unsupported_actions(x, s, kn, k);
    }
  }
}

void mm__iam_vcheck_conditions(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  const mm__iam_vnode *c = s->condition;
  if (!c) return;
  if (!mm_json_is_object(c->v)) {
    type_mismatch(x, c, "Object");
    return;
  }
  if (c->n == 0) {
    mm__iam_vfind(x, MM__IAM_C_EMPTY_OBJECT_CONDITION, c, false, NULL,
                  "This condition block is empty and it does not affect the policy. Specify "
                  "conditions.");
    return;
  }
  for (uint32_t i = 0; i < c->n && x->status == MM_OK; i++) check_block(x, s, &c->kids[i]);
  check_keys_against_actions(x, s);
}
