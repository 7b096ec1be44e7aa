/*
 * validate_principal.c - the validator's checks of Principal and
 * NotPrincipal: the element's shape and keys, wildcards, service principal
 * and federated principal forms, unique IDs where ARNs belong, what RCPs
 * allow, and the trust-policy warnings (service principals without a
 * source condition, OIDC and GitHub principals without a claim condition,
 * a SAML provider with the web-identity action and the reverse).
 *
 * Sources: "IAM policy validation check reference" (codes, messages),
 * "IAM JSON policy elements: Principal" (reference_policies_elements_principal.html),
 * "RCP syntax" (Organizations: Principal "*" only, no NotPrincipal) and
 * "Configuring a role for GitHub OIDC identity provider".
 */
#include "validate_int.h"

#include <stdio.h>
#include <string.h>

#define CUT(s) (int)((s).len > 120 ? 120 : (s).len), (s).ptr

static const char *const principal_keys[] = {"AWS", "Service", "Federated", "CanonicalUser"};

static void type_mismatch(mm__iam_vctx *x, const mm__iam_vnode *n, const char *want) {
  mm__iam_vfind(x, MM__IAM_C_DATA_TYPE_MISMATCH, n, false, NULL,
                "The text does not match the expected JSON data type %s.", want);
}

bool mm__iam_vstmt_has_key(const mm__iam_vstmt *s, const char *key) {
  const mm__iam_vnode *c = s->condition;
  for (uint32_t i = 0; c && mm_json_is_object(c->v) && i < c->n; i++)
    for (uint32_t j = 0; mm_json_is_object(c->kids[i].v) && j < c->kids[i].n; j++)
      if (mm_str_ieq(c->kids[i].kids[j].key, mm_str_from(key))) return true;
  return false;
}

/* Whether the statement has a condition key that starts with prefix. */
static bool has_key_prefix(const mm__iam_vstmt *s, mm_str prefix) {
  const mm__iam_vnode *c = s->condition;
  for (uint32_t i = 0; c && mm_json_is_object(c->v) && i < c->n; i++)
    for (uint32_t j = 0; mm_json_is_object(c->kids[i].v) && j < c->kids[i].n; j++) {
      mm_str k = c->kids[i].kids[j].key;
      if (k.len > prefix.len && mm_str_ieq((mm_str){k.ptr, prefix.len}, prefix)) return true;
    }
  return false;
}

static bool all_digits(mm_str s) {
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] < '0' || s.ptr[i] > '9') return false;
  return s.len > 0;
}

static bool has_wild(mm_str s) { return memchr(s.ptr, '*', s.len) || memchr(s.ptr, '?', s.len); }

/* ---- AWS ------------------------------------------------------------------------ */

static void check_aws(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str v) {
  if (mm_str_eq(v, MM_STR("*"))) return;
  if (has_wild(v)) {
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, n, false, NULL,
                  "Wildcards (*, ?) are not supported with the principal key AWS. Replace the "
                  "wildcard with a valid principal value.");
    return;
  }
  if (mm__iam_vprefix(v, "AROA")) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_ROLE_REFERENCE, n, false, NULL,
                  "The Principal element includes the IAM role ID %.*s. We recommend that you "
                  "use a role ARN instead.",
                  CUT(v));
    return;
  }
  if (mm__iam_vprefix(v, "AIDA")) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_USER_REFERENCE, n, false, NULL,
                  "The Principal element includes the IAM user ID %.*s. We recommend that you "
                  "use a user ARN instead.",
                  CUT(v));
    return;
  }
  if (!(v.len == 12 && all_digits(v)) && !mm__iam_vprefix(v, "arn:"))
    mm__iam_vfind(x, MM__IAM_C_INVALID_PRINCIPAL_FORMAT, n, false, NULL,
                  "The Principal element contents are not valid. Specify a key-value pair in the "
                  "Principal element.");
}

/* ---- Service --------------------------------------------------------------------- */

static bool service_principal_ok(mm_str v) {
  static const char *const ends[] = {".amazonaws.com", ".amazonaws.com.cn", ".amazon.com",
                                     ".c2s.ic.gov", ".sc2s.sgov.gov"};
  for (size_t i = 0; i < v.len; i++) {
    char c = v.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  for (size_t i = 0; i < MM_ARRAY_LEN(ends); i++) {
    size_t n = strlen(ends[i]);
    if (v.len > n && memcmp(v.ptr + v.len - n, ends[i], n) == 0) return true;
  }
  return false;
}

static void check_service(mm__iam_vctx *x, const mm__iam_vnode *n, mm_str v) {
  if (mm_str_eq(v, MM_STR("*")) || has_wild(v)) {
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, n, false, NULL,
                  "Wildcards (*, ?) are not supported with the principal key Service. Replace "
                  "the wildcard with a valid principal value.");
    return;
  }
  if (!service_principal_ok(v))
    mm__iam_vfind(x, MM__IAM_C_INVALID_SERVICE_PRINCIPAL_FORMAT, n, false, NULL,
                  "The service principal does not match the expected format. Use the format "
                  "{service-name}.amazonaws.com.");
}

/* ---- Federated -------------------------------------------------------------------- */

/* The identity provider's host: the text after ":oidc-provider/" of an
 * ARN, or the value itself ("accounts.google.com"). Empty for SAML. */
static mm_str oidc_host(mm_str v) {
  static const char tag[] = ":oidc-provider/";
  for (size_t i = 0; i + sizeof(tag) - 1 <= v.len; i++)
    if (memcmp(v.ptr + i, tag, sizeof(tag) - 1) == 0)
      return (mm_str){v.ptr + i + sizeof(tag) - 1, v.len - i - (sizeof(tag) - 1)};
  if (mm__iam_vprefix(v, "arn:")) return (mm_str){NULL, 0};
  return v;
}

static bool is_saml(mm_str v) {
  static const char tag[] = ":saml-provider/";
  for (size_t i = 0; i + sizeof(tag) - 1 <= v.len; i++)
    if (memcmp(v.ptr + i, tag, sizeof(tag) - 1) == 0) return true;
  return false;
}

/* The trust statement's action that does not fit the provider's kind. */
static void check_federated_action(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *n,
                                   mm_str v) {
  const char *wrong = is_saml(v) ? "sts:AssumeRoleWithWebIdentity" : "sts:AssumeRoleWithSAML";
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  for (size_t i = 0; i < l.n && !s->not_action; i++)
    if (mm_str_ieq(mm_json_get_str(l.items[i]->v), mm_str_from(wrong))) {
      mm__iam_vfind(x, MM__IAM_C_MISMATCHED_ACTION_FOR_PRINCIPAL, l.items[i], false, n,
                    "The %s action is invalid with the following principal(s): %.*s. Use a "
                    "SAML provider principal with the sts:AssumeRoleWithSAML action or use an "
                    "OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. "
                    "Ensure the provider is Federated if you use either of the two options.",
                    wrong, CUT(v));
      return;
    }
}

static void check_oidc_conditions(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *n,
                                  mm_str host) {
  if (!s->allow || !host.len) return;
  if (mm_str_eq(host, MM_STR("token.actions.githubusercontent.com"))) {
    if (!mm__iam_vstmt_has_key(s, "token.actions.githubusercontent.com:sub"))
      mm__iam_vfind(x, MM__IAM_C_MISSING_GITHUB_REPO_CONDITION_KEY, n, false, NULL,
                    "Granting a federated GitHub principal permissions without a condition key can "
                    "allow more sources to assume the role than you intended. Add the "
                    "token.actions.githubusercontent.com:sub condition key and specify the branch "
                    "and repository name in the value.");
    return;
  }
  char buf[300];
  int k = snprintf(buf, sizeof(buf), "%.*s:", CUT(host));
  if (k > 0 && !has_key_prefix(s, (mm_str){buf, (size_t)k}))
    mm__iam_vfind(
        x, MM__IAM_C_MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL, n, false, NULL,
        "Using an Open ID Connect principal without a condition can be overly permissive. "
        "Add condition keys with a prefix that matches your federated OIDC principals to "
        "ensure that only the intended identity provider assumes the role.");
}

static void check_federated(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *n,
                            mm_str v) {
  if (has_wild(v)) {
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, n, false, NULL,
                  "Wildcards (*, ?) are not supported with the principal key Federated. "
                  "Replace the wildcard with a valid principal value.");
    return;
  }
  if (x->type != MM_IAM_POLICY_RESOURCE || !s->trust) {
    mm__iam_vfind(x, MM__IAM_C_FEDERATED_PRINCIPAL_NOT_SUPPORTED, n, false, NULL,
                  "The policy type does not support a federated identity provider in the "
                  "principal element. Use a supported principal.");
    return;
  }
  check_federated_action(x, s, n, v);
  check_oidc_conditions(x, s, n, is_saml(v) ? (mm_str){NULL, 0} : oidc_host(v));
}

/* ---- the element ------------------------------------------------------------------ */

static void check_value(mm__iam_vctx *x, const mm__iam_vstmt *s, mm_str key,
                        const mm__iam_vnode *n) {
  mm_str v = mm_json_get_str(n->v);
  if (mm__iam_vhas_variable(v)) {
    mm__iam_vcheck_variables(x, n, false);
    return;
  }
  if (mm_str_eq(key, MM_STR("AWS"))) check_aws(x, n, v);
  if (mm_str_eq(key, MM_STR("Service"))) check_service(x, n, v);
  if (mm_str_eq(key, MM_STR("Federated"))) check_federated(x, s, n, v);
}

static void check_member(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *m) {
  bool known = false;
  for (size_t i = 0; i < MM_ARRAY_LEN(principal_keys); i++)
    known |= mm_str_eq(m->key, mm_str_from(principal_keys[i]));
  if (!known) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_PRINCIPAL_KEY, m, true, NULL,
                  "The principal key %.*s is not valid.", CUT(m->key));
    return;
  }
  if (mm_json_is_array(m->v) && m->n == 0) {
    mm__iam_vfind(x, MM__IAM_C_EMPTY_ARRAY_PRINCIPAL, m, false, NULL,
                  "This statement includes no principals and does not affect the policy. "
                  "Specify principals.");
    return;
  }
  if (!mm_json_is_string(m->v) && !mm_json_is_array(m->v)) {
    type_mismatch(x, m, "Array");
    return;
  }
  for (uint32_t i = 0; mm_json_is_array(m->v) && i < m->n; i++)
    if (!mm_json_is_string(m->kids[i].v)) type_mismatch(x, &m->kids[i], "String");
  mm__iam_vlist l = mm__iam_vstrings(x, m);
  for (size_t i = 0; i < l.n; i++) check_value(x, s, m->key, l.items[i]);
}

/* RCPs: Principal "*" only (the string or {"AWS": "*"}), never NotPrincipal. */
static bool principal_is_star(const mm__iam_vnode *p) {
  if (mm_json_is_string(p->v)) return mm_str_eq(mm_json_get_str(p->v), MM_STR("*"));
  const mm__iam_vnode *aws = mm__iam_vchild(p, "AWS");
  return mm_json_is_object(p->v) && p->n == 1 && aws && mm_json_is_string(aws->v) &&
         mm_str_eq(mm_json_get_str(aws->v), MM_STR("*"));
}

static void check_rcp(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (x->type != MM_IAM_POLICY_RCP) return;
  if (s->principal && (s->not_principal || !principal_is_star(s->principal)))
    mm__iam_vfind(x, MM__IAM_C_RCP_SYNTAX_ERROR_PRINCIPAL, s->principal, true, NULL,
                  "The Principal element contents are not valid. RCPs only support specifying all "
                  "principals (\"*\") in the Principal element. The NotPrincipal element is not "
                  "supported for RCPs.");
  bool star_res = s->resource && !s->not_resource && mm_json_is_string(s->resource->v) &&
                  mm_str_eq(mm_json_get_str(s->resource->v), MM_STR("*"));
  if (s->allow && (s->condition || !star_res || (s->principal && !principal_is_star(s->principal))))
    mm__iam_vfind(x, MM__IAM_C_RCP_SYNTAX_ERROR_ALLOW, s->effect, false, NULL,
                  "RCPs only support specifying all principals (\"*\") in the Principal element, "
                  "all resources (\"*\") in the Resource element, and no Condition element with an "
                  "effect of Allow.");
}

/* ---- role trust statements ---------------------------------------------------------- */

/* A Federated value: a domain (accounts.google.com) or a SAML or OIDC
 * provider ARN. */
static bool federated_syntax_ok(mm_str v) {
  if (mm__iam_vprefix(v, "arn:")) return is_saml(v) || oidc_host(v).len > 0;
  bool dot = false;
  for (size_t i = 0; i < v.len; i++) {
    char c = v.ptr[i];
    dot |= c == '.';
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == '/' || c == '_' || c == ':'))
      return false;
  }
  return dot;
}

static void check_trust_federated(mm__iam_vctx *x, const mm__iam_vnode *p) {
  mm__iam_vlist l = mm__iam_vstrings(x, mm__iam_vchild(p, "Federated"));
  for (size_t i = 0; i < l.n; i++) {
    mm_str v = mm_json_get_str(l.items[i]->v);
    if (!has_wild(v) && !mm__iam_vhas_variable(v) && !federated_syntax_ok(v))
      mm__iam_vfind(x, MM__IAM_C_INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY,
                    l.items[i], false, NULL,
                    "The principal value specifies a federated principal that does not match the "
                    "expected format. Update the federated principal to a domain name or a SAML "
                    "metadata ARN.");
  }
}

/* "arn:aws:sts::A:assumed-role/R/S" next to "arn:aws:iam::A:role/R". */
static void check_redundant_sessions(mm__iam_vctx *x, const mm__iam_vnode *p) {
  mm__iam_vlist l = mm__iam_vstrings(x, mm__iam_vchild(p, "AWS"));
  for (size_t i = 0; i < l.n && l.n <= MM_IAM_VALIDATE_MAX_PAIRWISE; i++) {
    mm_str s = mm_json_get_str(l.items[i]->v);
    const char *tag = ":assumed-role/";
    const char *at = NULL;
    for (size_t k = 0; k + strlen(tag) <= s.len && !at; k++)
      if (memcmp(s.ptr + k, tag, strlen(tag)) == 0) at = s.ptr + k;
    const char *slash =
        at ? memchr(at + strlen(tag), '/', (size_t)(s.ptr + s.len - at - strlen(tag))) : NULL;
    if (!slash || !mm__iam_vprefix(s, "arn:")) continue;
    const char *colon = memchr(s.ptr + 4, ':', s.len - 4); /* after the partition */
    if (!colon) continue;
    char role[600];
    int n = snprintf(role, sizeof(role), "%.*s:iam:%.*s:role/%.*s", (int)(colon - s.ptr), s.ptr,
                     (int)(at - colon - 5 > 0 ? at - (colon + 5) : 0), colon + 5,
                     (int)(slash - at - strlen(tag)), at + strlen(tag));
    for (size_t j = 0; n > 0 && (size_t)n < sizeof(role) && j < l.n; j++)
      if (j != i && mm_str_eq(mm_json_get_str(l.items[j]->v), (mm_str){role, (size_t)n})) {
        mm__iam_vfind(
            x, MM__IAM_C_REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY, l.items[i], false, l.items[j],
            "The assumed-role principal %.*s is redundant with its parent role %s. Remove "
            "the assumed-role principal.",
            CUT(s), role);
        break;
      }
  }
}

static bool has_action(mm__iam_vctx *x, const mm__iam_vstmt *s, const char *action) {
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  for (size_t i = 0; i < l.n; i++)
    if (mm_str_ieq(mm_json_get_str(l.items[i]->v), mm_str_from(action))) return true;
  return false;
}

static void check_roles_anywhere(mm__iam_vctx *x, const mm__iam_vstmt *s, const mm__iam_vnode *p) {
  mm__iam_vlist l = mm__iam_vstrings(x, mm__iam_vchild(p, "Service"));
  bool ra = false;
  for (size_t i = 0; i < l.n; i++)
    ra |= mm_str_eq(mm_json_get_str(l.items[i]->v), MM_STR("rolesanywhere.amazonaws.com"));
  if (ra && (!has_action(x, s, "sts:AssumeRole") || !has_action(x, s, "sts:SetSourceIdentity") ||
             !has_action(x, s, "sts:TagSession")))
    mm__iam_vfind(x, MM__IAM_C_MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY, s->action, false,
                  NULL,
                  "The rolesanywhere.amazonaws.com service principal requires the sts:AssumeRole, "
                  "sts:SetSourceIdentity, and sts:TagSession permissions to assume a role. Add the "
                  "missing permissions to the policy.");
}

/* A RESOURCE_POLICY statement that only grants sts:AssumeRole* is a role
 * trust statement: no NotPrincipal, no "*" principal, no Resource. */
static void check_trust(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  const mm__iam_vnode *p = s->principal;
  if (x->type != MM_IAM_POLICY_RESOURCE || !s->trust) return;
  if (s->resource)
    mm__iam_vfind(x, MM__IAM_C_ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE, s->resource, true, NULL,
                  "Role trust policies apply to the role that they are attached to. You cannot "
                  "specify a resource. Remove the Resource or NotResource element.");
  if (!p) return;
  if (s->not_principal)
    mm__iam_vfind(x, MM__IAM_C_ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL, p, true, NULL,
                  "Role trust policies do not support NotPrincipal. Update the policy to use a "
                  "Principal element instead.");
  else if (principal_is_star(p))
    mm__iam_vfind(x, MM__IAM_C_ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, p, false, NULL,
                  "\"Principal:\" \"*\" is not supported in the principal element of a role trust "
                  "policy. Replace the wildcard with a valid principal value.");
  if (!mm_json_is_object(p->v)) return;
  check_trust_federated(x, p);
  check_redundant_sessions(x, p);
  check_roles_anywhere(x, s, p);
}

static bool has_service_key(const mm__iam_vnode *p) {
  return mm_json_is_object(p->v) && mm__iam_vchild(p, "Service") != NULL;
}

static void check_service_source(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  static const char *const keys[] = {"aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID",
                                     "aws:SourceOrgPaths"};
  if (x->type != MM_IAM_POLICY_RESOURCE || !s->allow || s->trust || s->not_principal) return;
  if (!has_service_key(s->principal)) return;
  for (size_t i = 0; i < MM_ARRAY_LEN(keys); i++)
    if (mm__iam_vstmt_has_key(s, keys[i])) return;
  mm__iam_vfind(x, MM__IAM_C_RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL, s->principal, false, NULL,
                "Granting access to a service principal without specifying a source is overly "
                "permissive. Use aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or "
                "aws:SourceOrgPaths condition key to grant fine-grained access.");
}

void mm__iam_vcheck_principal(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  check_rcp(x, s);
  check_trust(x, s);
  const mm__iam_vnode *p = s->principal;
  if (!p || x->type == MM_IAM_POLICY_IDENTITY || x->type == MM_IAM_POLICY_SCP) return;
  if (s->not_principal && s->allow)
    mm__iam_vfind(x, MM__IAM_C_ALLOW_WITH_NOT_PRINCIPAL, p, true, NULL,
                  "Using Allow with NotPrincipal can be overly permissive. We recommend that you "
                  "use Principal instead.");
  if (mm_json_is_string(p->v)) {
    mm_str v = mm_json_get_str(p->v);
    if (!mm_str_eq(v, MM_STR("*")))
      mm__iam_vfind(x, MM__IAM_C_INVALID_PRINCIPAL_FORMAT, p, false, NULL,
                    "The Principal element contents are not valid. Specify a key-value pair in the "
                    "Principal element.");
    return;
  }
  if (!mm_json_is_object(p->v)) {
    mm__iam_vfind(x, MM__IAM_C_INVALID_PRINCIPAL_FORMAT, p, false, NULL,
                  "The Principal element contents are not valid. Specify a key-value pair in "
                  "the Principal element.");
    return;
  }
  if (p->n == 0) {
    mm__iam_vfind(x, MM__IAM_C_EMPTY_OBJECT_PRINCIPAL, p, false, NULL,
                  "This statement includes no principals and does not affect the policy. "
                  "Specify principals.");
    return;
  }
  for (uint32_t i = 0; i < p->n; i++) check_member(x, s, &p->kids[i]);
  check_service_source(x, s);
}
