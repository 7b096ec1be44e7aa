/*
 * validate_arn.c - the validator's checks of Action / NotAction and
 * Resource / NotResource: action syntax and existence against the catalog,
 * the SCP and RCP action rules, ARN grammar (prefix, six fields, partition,
 * service case, Region, account), ARN formats against the service's
 * resource types, redundant entries, and the iam:PassRole and
 * iam:CreateServiceLinkedRole families of findings.
 *
 * Sources: "IAM policy validation check reference" (codes, messages),
 * "IAM JSON policy elements: Action / Resource", "Amazon Resource Names
 * (ARNs)" (arn:partition:service:region:account-id:resource), "RCP syntax"
 * (RCPs name only s3, sts, sqs, secretsmanager and kms actions) and the
 * Service Authorization Reference's ARN formats (the catalog).
 */
#include "validate_int.h"

#include "mamori/glob.h"

#include <stdio.h>
#include <string.h>

#define CUT(s) (int)((s).len > 120 ? 120 : (s).len), (s).ptr

static bool has_wild(mm_str s) { return memchr(s.ptr, '*', s.len) || memchr(s.ptr, '?', s.len); }

static void type_mismatch(mm__iam_vctx *x, const mm__iam_vnode *n, const char *want) {
  mm__iam_vfind(x, MM__IAM_C_DATA_TYPE_MISMATCH, n, false, NULL,
                "The text does not match the expected JSON data type %s.", want);
}

/* Shape of a string-or-array element: wrong types and empty arrays. */
static void check_list_shape(mm__iam_vctx *x, const mm__iam_vnode *el, mm__iam_check_id empty,
                             const char *empty_msg) {
  if (mm_json_is_string(el->v)) return;
  if (!mm_json_is_array(el->v)) {
    type_mismatch(x, el, "Array");
    return;
  }
  if (el->n == 0) {
    mm__iam_vfind(x, empty, el, false, NULL, "%s", empty_msg);
    return;
  }
  for (uint32_t i = 0; i < el->n; i++)
    if (!mm_json_is_string(el->kids[i].v)) type_mismatch(x, &el->kids[i], "String");
}

/* ---- actions ------------------------------------------------------------------- */

static const char *const rcp_services[] = {"s3", "sts", "sqs", "secretsmanager", "kms"};

static void check_org_action(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str a, mm_str svc) {
  if (x->type == MM_IAM_POLICY_SCP) {
    const char *star = memchr(a.ptr, '*', a.len);
    if (memchr(a.ptr, '?', a.len) || (star && star != a.ptr + a.len - 1))
      mm__iam_vfind(
          x, MM__IAM_C_SCP_SYNTAX_ERROR_ACTION_WILDCARD, n, false, NULL,
          "SCP actions can include wildcards (*) only at the end of a string. Update %.*s.",
          CUT(a));
  }
  if (x->type != MM_IAM_POLICY_RCP || mm_str_eq(a, MM_STR("*"))) return;
  for (size_t i = 0; i < MM_ARRAY_LEN(rcp_services); i++)
    if (mm_str_eq(svc, mm_str_from(rcp_services[i]))) return;
  mm__iam_vfind(x, MM__IAM_C_RCP_SYNTAX_ERROR_ACTION, n, false, NULL,
                "RCPs only support specifying select service prefixes in the Action element. Learn "
                "more here.");
}

static void check_action_catalog(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str a, mm_str svc) {
  const mm_iam_catalog_service *s = mm_iam_catalog_service_find(x->cat, svc);
  if (!s) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_SERVICE_IN_ACTION, n, false, NULL,
                  "The service %.*s specified in the action does not exist.", CUT(svc));
    return;
  }
  if (!mm_str_eq(s->prefix, svc)) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_SERVICE_IN_ACTION, n, false, NULL,
                  "The service %.*s specified in the action does not exist. Did you mean "
                  "%.*s?",
                  CUT(svc), CUT(s->prefix));
    return;
  }
  size_t total = 0;
  bool known = has_wild(a)
                   ? mm_iam_catalog_expand(x->cat, a, NULL, 0, &total, NULL) == MM_OK && total > 0
                   : mm_iam_catalog_action_find(x->cat, a) != NULL;
  if (!known)
    mm__iam_vfind(x, MM__IAM_C_INVALID_ACTION, n, false, NULL, "The action %.*s does not exist.",
                  CUT(a));
}

static void check_action(mm__iam_vctx *x, const mm__iam_vnode *n) {
  mm_str a = mm_json_get_str(n->v);
  if (mm__iam_vhas_variable(a)) {
    mm__iam_vcheck_variables(x, n, false);
    return;
  }
  if (mm_str_eq(a, MM_STR("*"))) {
    check_org_action(x, n, a, MM_STR("*"));
    return;
  }
  const char *colon = memchr(a.ptr, ':', a.len);
  if (!colon || colon == a.ptr || colon == a.ptr + a.len - 1) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_ACTION, n, false, NULL, "The action %.*s does not exist.",
                  CUT(a));
    return;
  }
  mm_str svc = {a.ptr, (size_t)(colon - a.ptr)};
  check_org_action(x, n, a, svc);
  if (has_wild(svc)) {
    mm__iam_vfind(x, MM__IAM_C_WILDCARD_IN_SERVICE_NAME, n, false, NULL,
                  "Avoid using wildcards (*, ?) in the service name because it might grant "
                  "unintended access to other AWS services with similar names.");
    return;
  }
  if (x->cat) check_action_catalog(x, n, a, svc);
}

/* Entry a is covered by entry b: the same text, or a literal name that b's
 * wildcard matches, or anything when b is "*". */
static bool covered(mm_str a, mm_str b, unsigned flags) {
  if (flags == MM_GLOB_IAM_ACTION ? mm_str_ieq(a, b) : mm_str_eq(a, b)) return true;
  if (mm_str_eq(b, MM_STR("*"))) return true;
  if (has_wild(a) || !has_wild(b) || mm__iam_vhas_variable(a) || mm__iam_vhas_variable(b))
    return false;
  return mm_glob_match(b, a, flags) == 1;
}

static void check_redundant(mm__iam_vctx *x, mm__iam_vlist l, bool action) {
  if (l.n < 2 || l.n > MM_IAM_VALIDATE_MAX_PAIRWISE) return;
  unsigned flags = action ? MM_GLOB_IAM_ACTION : MM_GLOB_IAM_ARN;
  size_t count = 0;
  bool *red = mm_arena_calloc(x->tmp, l.n, sizeof(*red));
  if (!red) {
    x->status = MM_ENOMEM;
    return;
  }
  for (size_t i = 0; i < l.n; i++)
    for (size_t j = 0; j < l.n && !red[i]; j++) {
      mm_str a = mm_json_get_str(l.items[i]->v), b = mm_json_get_str(l.items[j]->v);
      bool same = action ? mm_str_ieq(a, b) : mm_str_eq(a, b);
      if (i != j && (same ? j < i : covered(a, b, flags))) red[i] = true, count++;
    }
  for (size_t i = 0; i < l.n; i++) {
    if (!red[i]) continue;
    mm_str a = mm_json_get_str(l.items[i]->v);
    if (action)
      mm__iam_vfind(x, MM__IAM_C_REDUNDANT_ACTION, l.items[i], false, NULL,
                    "The %zu action(s) are redundant because they provide similar permissions. "
                    "Update the policy to remove the redundant action such as: %.*s.",
                    count, CUT(a));
    else
      mm__iam_vfind(x, MM__IAM_C_REDUNDANT_RESOURCE, l.items[i], false, NULL,
                    "The %zu resource ARN(s) are redundant because they reference the same "
                    "resource. Review the use of wildcards (*)",
                    count);
  }
}

void mm__iam_vcheck_actions(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->action) return;
  check_list_shape(x, s->action, MM__IAM_C_EMPTY_ARRAY_ACTION,
                   "This statement includes no actions and does not affect the policy. Specify "
                   "actions.");
  if (s->not_action && x->type == MM_IAM_POLICY_RCP)
    mm__iam_vfind(x, MM__IAM_C_RCP_SYNTAX_ERROR_NOTACTION, s->action, true, NULL,
                  "RCPs do not support the NotAction element. Update to use the Action element.");
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  for (size_t i = 0; i < l.n; i++) check_action(x, l.items[i]);
  check_redundant(x, l, true);
}

/* ---- ARNs -------------------------------------------------------------------------- */

typedef struct arn_parts {
  mm_str part[6]; /* arn, partition, service, region, account, resource */
} arn_parts;

/* Split at the first five colons; false when there are fewer. */
static bool arn_split(mm_str s, arn_parts *p) {
  size_t k = 0, from = 0;
  for (size_t i = 0; i < s.len && k < 5; i++)
    if (s.ptr[i] == ':') p->part[k++] = (mm_str){s.ptr + from, i - from}, from = i + 1;
  if (k < 5) return false;
  p->part[5] = (mm_str){s.ptr + from, s.len - from};
  return true;
}

static bool dynamic(mm_str s) { return has_wild(s) || mm__iam_vhas_variable(s); }

static const char *const partitions[] = {"aws",       "aws-cn",    "aws-us-gov", "aws-iso",
                                         "aws-iso-b", "aws-iso-e", "aws-iso-f",  "aws-eusc"};

static bool known_partition(mm_str p) {
  for (size_t i = 0; i < MM_ARRAY_LEN(partitions); i++)
    if (mm_str_eq(p, mm_str_from(partitions[i]))) return true;
  return false;
}

static bool is_lower_alpha(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A Region code: two letters, one or more "-word" parts, a final "-digits"
 * ("us-east-1", "us-gov-west-1", "cn-north-1", "eu-isoe-west-1"). */

bool mm__iam_vregion_ok(mm_str r) {
  size_t i = 0, words = 0;
  if (r.len < 4 || !is_lower_alpha(r.ptr[0]) || !is_lower_alpha(r.ptr[1]) || r.ptr[2] != '-')
    return false;
  for (i = 3; i < r.len && r.ptr[i] != '\0';) {
    size_t w = i;
    while (i < r.len && is_lower_alpha(r.ptr[i])) i++;
    if (i == w || i >= r.len || r.ptr[i] != '-') break;
    words++, i++;
  }
  if (words == 0 || i >= r.len) return false;
  for (; i < r.len; i++)
    if (!is_digit(r.ptr[i])) return false;
  return true;
}

static bool account_ok(mm_str a) {
  if (mm_str_eq(a, MM_STR("aws"))) return true; /* AWS managed policies: arn:aws:iam::aws:policy/ */
  if (a.len != 12) return false;
  for (size_t i = 0; i < a.len; i++)
    if (!is_digit(a.ptr[i])) return false;
  return true;
}

static bool has_upper(mm_str s) {
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') return true;
  return false;
}

/* What the service's ARN formats say of the Region and account fields. */
typedef struct field_use {
  bool region_any, region_all, account_any, account_all;
} field_use;

static void add_fields(field_use *u, const mm_iam_catalog_resource *r) {
  for (size_t j = 0; j < r->n_arns; j++) {
    arn_parts f;
    if (!arn_split(r->arns[j], &f)) continue;
    u->region_any |= f.part[3].len > 0, u->region_all &= f.part[3].len > 0;
    u->account_any |= f.part[4].len > 0, u->account_all &= f.part[4].len > 0;
  }
}

/* Whether some format of r matches the ARN's resource part with any
 * Region and account, empty or not. */
static bool matches_relaxed(const mm_iam_catalog_resource *r, const char *const *relaxed) {
  for (size_t i = 0; i < 4; i++)
    if (relaxed[i] && mm_iam_catalog_resource_matches(r, mm_str_from(relaxed[i]))) return true;
  return false;
}

/* The field use of the resource types that match the ARN when its Region
 * and account are left open, or of every type when none does. */
static field_use service_fields(const mm_iam_catalog_service *s, const char *const *relaxed) {
  field_use u = {false, true, false, true};
  bool any = false;
  for (size_t pass = 0; pass < 2 && !any; pass++)
    for (size_t i = 0; i < s->n_resources; i++) {
      if (pass == 0 && !matches_relaxed(&s->resources[i], relaxed)) continue;
      any = true;
      add_fields(&u, &s->resources[i]);
    }
  if (!any) u.region_all = u.account_all = false;
  return u;
}

/* The ARN with each ${...} replaced by '*', for matching against formats. */
static mm_str starred(mm__iam_vctx *x, mm_str s) {
  if (!mm__iam_vhas_variable(s)) return s;
  char *out = mm_arena_alloc(x->tmp, s.len + 1);
  if (!out) return x->status = MM_ENOMEM, (mm_str){NULL, 0};
  size_t k = 0;
  for (size_t i = 0; i < s.len; i++) {
    const char *close = i + 1 < s.len && s.ptr[i] == '$' && s.ptr[i + 1] == '{'
                            ? memchr(s.ptr + i, '}', s.len - i)
                            : NULL;
    if (close)
      out[k++] = '*', i = (size_t)(close - s.ptr);
    else
      out[k++] = s.ptr[i];
  }
  return (mm_str){out, k};
}

static bool matches_service(mm__iam_vctx *x, const mm_iam_catalog_service *s, mm_str arn) {
  mm_str t = starred(x, arn);
  for (size_t i = 0; t.ptr && i < s->n_resources; i++)
    if (mm_iam_catalog_resource_matches(&s->resources[i], t)) return true;
  return false;
}

static void check_arn_catalog(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str arn,
                              const arn_parts *p) {
  mm_str svc = p->part[2], region = p->part[3], account = p->part[4];
  const mm_iam_catalog_service *s = mm_iam_catalog_service_find(x->cat, svc);
  if (!s) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_SERVICE, n, false, NULL,
                  "The service %.*s does not exist. Use a valid service name.", CUT(svc));
    return;
  }
  static const char *const fields[4][2] = {
      {"", ""}, {"us-east-1", ""}, {"", "111122223333"}, {"us-east-1", "111122223333"}};
  char bufs[4][MM_IAM_MAX_ARN];
  const char *relaxed[4] = {NULL, NULL, NULL, NULL};
  mm_str rest = starred(x, p->part[5]);
  for (size_t i = 0; i < 4 && rest.ptr && p->part[5].len < 1800; i++) {
    snprintf(bufs[i], sizeof(bufs[i]), "arn:%.*s:%.*s:%s:%s:%.*s", CUT(p->part[1]), CUT(svc),
             fields[i][0], fields[i][1], (int)rest.len, rest.ptr);
    relaxed[i] = bufs[i];
  }
  field_use u = service_fields(s, relaxed);
  bool bad = true;
  if (region.len && !u.region_any)
    mm__iam_vfind(x, MM__IAM_C_ARN_REGION_NOT_ALLOWED, n, false, NULL,
                  "The service %.*s does not support specifying a Region in the resource ARN.",
                  CUT(s->prefix));
  else if (!region.len && u.region_all)
    mm__iam_vfind(x, MM__IAM_C_MISSING_ARN_REGION, n, false, NULL,
                  "Add a Region to the %.*s resource ARN.", CUT(s->prefix));
  else if (account.len && !u.account_any)
    mm__iam_vfind(x, MM__IAM_C_ARN_ACCOUNT_NOT_ALLOWED, n, false, NULL,
                  "The service %.*s does not support specifying an account ID in the resource ARN.",
                  CUT(s->prefix));
  else if (!account.len && u.account_all)
    mm__iam_vfind(
        x, MM__IAM_C_MISSING_ARN_ACCOUNT, n, false, NULL,
        "The resource %.*s in the arn is missing an account id. Please provide a 12 digit "
        "account id.",
        CUT(p->part[5]));
  else
    bad = false;
  if (!bad && !matches_service(x, s, arn))
    mm__iam_vfind(
        x, MM__IAM_C_INVALID_ARN_RESOURCE, n, false, NULL,
        "Resource ARN does not match the expected ARN format. Update the resource portion "
        "of the ARN.");
}

/* Grammar of one ARN; false when it is too broken for the catalog checks. */
static bool check_arn_grammar(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str arn, arn_parts *p) {
  if (!mm__iam_vprefix(arn, "arn:") && !mm__iam_vprefix(arn, "${"))
    return mm__iam_vfind(x, MM__IAM_C_INVALID_ARN_PREFIX, n, false, NULL,
                         "Add the required prefix (arn) to the resource ARN."),
           false;
  if (!arn_split(arn, p))
    return mm__iam_vfind(x, MM__IAM_C_MISSING_ARN_FIELD, n, false, NULL,
                         "Resource ARNs must include at least 6 fields in the following structure: "
                         "arn:partition:service:region:account:resource"),
           false;
  bool ok = true;
  if (!dynamic(p->part[1]) && !known_partition(p->part[1]))
    mm__iam_vfind(x, MM__IAM_C_INVALID_PARTITION, n, false, NULL,
                  "The resource ARN for the service %.*s does not support the partition %.*s. Use "
                  "the supported values: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, "
                  "aws-iso-f, aws-eusc",
                  CUT(p->part[2]), CUT(p->part[1])),
        ok = false;
  if (dynamic(p->part[2]))
    return mm__iam_vfind(x, MM__IAM_C_WILDCARD_IN_SERVICE_NAME, n, false, NULL,
                         "Avoid using wildcards (*, ?) in the service name because it might grant "
                         "unintended access to other AWS services with similar names."),
           false;
  if (has_upper(p->part[2]))
    mm__iam_vfind(x, MM__IAM_C_INVALID_ARN_SERVICE_CASE, n, false, NULL,
                  "Update the service name %.*s in the resource ARN to use all lowercase letters.",
                  CUT(p->part[2])),
        ok = false;
  if (p->part[3].len && !dynamic(p->part[3]) && !mm__iam_vregion_ok(p->part[3]))
    mm__iam_vfind(x, MM__IAM_C_INVALID_ARN_REGION, n, false, NULL,
                  "The Region %.*s is not valid for this resource. Update the resource ARN to "
                  "include a supported Region.",
                  CUT(p->part[3])),
        ok = false;
  if (p->part[4].len && !dynamic(p->part[4]) && !account_ok(p->part[4]))
    mm__iam_vfind(x, MM__IAM_C_INVALID_ARN_ACCOUNT, n, false, NULL,
                  "The resource ARN account ID %.*s is not valid. Provide a 12-digit account ID.",
                  CUT(p->part[4])),
        ok = false;
  return ok;
}

static void check_resource(mm__iam_vctx *x, const mm__iam_vnode *n) {
  mm_str r = mm_json_get_str(n->v);
  mm__iam_vcheck_variables(x, n, true);
  if (mm_str_eq(r, MM_STR("*")) || mm__iam_vprefix(r, "${")) return;
  arn_parts p;
  if (check_arn_grammar(x, n, r, &p) && x->cat) check_arn_catalog(x, n, r, &p);
}

/* Does some action of the statement (literal names of arn's service) take
 * a resource of arn's type? true when the question cannot be settled: a
 * wildcard or unknown action, or no action of that service. */
static bool some_action_takes(mm__iam_vctx *x, mm__iam_vlist actions, mm_str svc, mm_str arn) {
  bool asked = false;
  for (size_t i = 0; i < actions.n; i++) {
    mm_str a = mm_json_get_str(actions.items[i]->v);
    const char *colon = memchr(a.ptr, ':', a.len);
    if (!colon || !mm_str_ieq((mm_str){a.ptr, (size_t)(colon - a.ptr)}, svc)) continue;
    if (has_wild(a)) return true;
    const mm_iam_catalog_action *act = mm_iam_catalog_action_find(x->cat, a);
    if (!act) return true; /* reported as INVALID_ACTION already */
    asked = true;
    if (mm_iam_catalog_action_match_arn(act, arn)) return true;
  }
  return !asked;
}

/* A resource that no action of the statement can take (s3:GetObject on a
 * bucket ARN) grants nothing: the same check as INVALID_ARN_RESOURCE, per
 * action ("The resource ARN must match the specifications for known
 * resource types", access-analyzer-reference-policy-checks.html). */
static void check_resource_types(mm__iam_vctx *x, const mm__iam_vstmt *s, mm__iam_vlist l) {
  if (!x->cat || !s->action || s->not_action || s->not_resource) return;
  mm__iam_vlist actions = mm__iam_vstrings(x, s->action);
  for (size_t i = 0; i < l.n; i++) {
    mm_str r = mm_json_get_str(l.items[i]->v);
    arn_parts p;
    if (mm_str_eq(r, MM_STR("*")) || !arn_split(r, &p) || has_wild(p.part[2]) ||
        !mm_iam_catalog_service_find(x->cat, p.part[2]))
      continue;
    mm_str t = starred(x, r);
    if (!t.ptr || !matches_service(x, mm_iam_catalog_service_find(x->cat, p.part[2]), r)) continue;
    if (!some_action_takes(x, actions, p.part[2], t))
      mm__iam_vfind(x, MM__IAM_C_INVALID_ARN_RESOURCE, l.items[i], false, NULL,
                    "Resource ARN does not match the expected ARN format. Update the resource "
                    "portion of the ARN: no action of this statement takes a resource of its "
                    "type.");
  }
}

void mm__iam_vcheck_resources(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->resource) return;
  check_list_shape(x, s->resource, MM__IAM_C_EMPTY_ARRAY_RESOURCE,
                   "This statement includes no resources and does not affect the policy. Specify "
                   "resources.");
  mm__iam_vlist l = mm__iam_vstrings(x, s->resource);
  for (size_t i = 0; i < l.n; i++) check_resource(x, l.items[i]);
  check_resource_types(x, s, l);
  check_redundant(x, l, false);
}

/* ---- iam:PassRole and iam:CreateServiceLinkedRole ------------------------------------ */

/* The six findings of one family, in the order star-resource with a
 * literal action, with a wildcard action, with NotAction; NotResource with
 * a literal action, with a wildcard action, with NotAction. */
typedef struct family {
  const char *action;       /* "iam:PassRole" */
  mm__iam_check_id ids[6];  /* see above */
  const char *msgs[6];      /* AWS's findingDetails */
  bool waived_by_passed_to; /* iam:PassedToService removes the star-resource findings */
} family;

static const family families[] = {
    {"iam:PassRole",
     {MM__IAM_C_PASS_ROLE_WITH_STAR_IN_RESOURCE,
      MM__IAM_C_PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE,
      MM__IAM_C_PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
      MM__IAM_C_PASS_ROLE_WITH_NOT_RESOURCE,
      MM__IAM_C_PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
      MM__IAM_C_PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE},
     {"Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive "
      "because it allows iam:PassRole permissions on multiple resources. We recommend that you "
      "specify resource ARNs or add the iam:PassedToService condition key to your statement.",
      "Using wildcards (*) in the action and the resource can be overly permissive because it "
      "allows iam:PassRole permissions on all resources. We recommend that you specify resource "
      "ARNs or add the iam:PassedToService condition key to your statement.",
      "Using a resource with wildcards (*) and NotAction can be overly permissive because it "
      "allows iam:PassRole permissions on all resources. We recommend that you specify resource "
      "ARNs or add the iam:PassedToService condition key to your statement.",
      "Using the iam:PassRole action with NotResource can be overly permissive because it can "
      "allow iam:PassRole permissions on multiple resources. We recommend that you specify "
      "resource ARNs instead.",
      "Using an action with a wildcard (*) and NotResource can be overly permissive because it can "
      "allow iam:PassRole permissions on multiple resources. We recommend that you specify "
      "resource ARNs instead.",
      "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole "
      "permissions on multiple resources.. We recommend that you specify resource ARNs instead."},
     true},
    {"iam:CreateServiceLinkedRole",
     {MM__IAM_C_CREATE_SLR_WITH_STAR_IN_RESOURCE,
      MM__IAM_C_CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE,
      MM__IAM_C_CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
      MM__IAM_C_CREATE_SLR_WITH_NOT_RESOURCE,
      MM__IAM_C_CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
      MM__IAM_C_CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE},
     {"Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow "
      "creation of unintended service-linked roles. We recommend that you specify resource ARNs "
      "instead.",
      "Using wildcards (*) in the action and the resource can allow creation of unintended "
      "service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all "
      "resources. We recommend that you specify resource ARNs instead.",
      "Using a resource with wildcards (*) and NotAction can allow creation of unintended "
      "service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all "
      "resources. We recommend that you specify resource ARNs instead.",
      "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of "
      "unintended service-linked roles for multiple resources. We recommend that you specify "
      "resource ARNs instead.",
      "Using an action with a wildcard(*) and NotResource can allow creation of unintended "
      "service-linked roles because it can allow iam:CreateServiceLinkedRole permissions on "
      "multiple resources. We recommend that you specify resource ARNs instead.",
      "Using NotAction with NotResource can allow creation of unintended service-linked roles "
      "because it allows iam:CreateServiceLinkedRole permissions on multiple resources. We "
      "recommend that you specify resource ARNs instead."},
     false},
};

/* A Resource entry that names every role: "*", or an IAM ARN whose
 * resource part (after "role/" and a service-role path) starts with '*'.
 * "arn:aws:iam::*:role/Service*" names a service's roles and is spared, as
 * Access Analyzer spares it. */
static bool star_role(mm_str r) {
  if (mm_str_eq(r, MM_STR("*"))) return true;
  arn_parts p;
  if (!arn_split(r, &p) || mm_glob_match(p.part[2], MM_STR("iam"), MM_GLOB_IAM) != 1) return false;
  mm_str rest = p.part[5];
  const char *skips[] = {"role/aws-service-role/", "role/"};
  for (size_t i = 0; i < MM_ARRAY_LEN(skips); i++)
    if (mm__iam_vprefix(rest, skips[i])) {
      rest.ptr += strlen(skips[i]), rest.len -= strlen(skips[i]);
      break;
    }
  return rest.len > 0 && (rest.ptr[0] == '*' || rest.ptr[0] == '?');
}

/* 0: the statement's actions do not reach the action; 1 a literal names
 * it; 2 only a wildcard does; 3 NotAction leaves it in. */
static int reach(mm__iam_vctx *x, const mm__iam_vstmt *s, const char *action) {
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  bool literal = false, wild = false;
  for (size_t i = 0; i < l.n; i++) {
    mm_str a = mm_json_get_str(l.items[i]->v);
    if (mm_glob_match(a, mm_str_from(action), MM_GLOB_IAM_ACTION) != 1) continue;
    if (has_wild(a))
      wild = true;
    else
      literal = true;
  }
  if (s->not_action) return literal || wild ? 0 : 3;
  return literal ? 1 : wild ? 2 : 0;
}

static void check_family(mm__iam_vctx *x, const mm__iam_vstmt *s, const family *f) {
  int how = reach(x, s, f->action);
  if (how == 0) return;
  if (s->not_resource) {
    mm__iam_vfind(x, f->ids[3 + how - 1], s->resource, true, NULL, "%s", f->msgs[3 + how - 1]);
    return;
  }
  if (f->waived_by_passed_to && mm__iam_vstmt_has_key(s, "iam:PassedToService")) return;
  mm__iam_vlist l = mm__iam_vstrings(x, s->resource);
  for (size_t i = 0; i < l.n; i++)
    if (star_role(mm_json_get_str(l.items[i]->v))) {
      mm__iam_vfind(x, f->ids[how - 1], l.items[i], false, NULL, "%s", f->msgs[how - 1]);
      return;
    }
}

void mm__iam_vcheck_passrole(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->allow || !s->action || !s->resource) return;
  if (x->type == MM_IAM_POLICY_SCP || x->type == MM_IAM_POLICY_RCP) return;
  for (size_t i = 0; i < MM_ARRAY_LEN(families); i++) check_family(x, s, &families[i]);
}
