/*
 * context.c - the request context an evaluation sees: the caller's context
 * keys, plus the global keys AWS derives from the principal and resource
 * when the caller did not give them (aws:PrincipalArn, aws:PrincipalAccount,
 * aws:PrincipalOrgID, aws:PrincipalType, aws:username,
 * aws:PrincipalServiceName, aws:PrincipalIsAWSService, aws:ResourceAccount,
 * aws:ResourceOrgID), and the role ARN behind a role session.
 *
 * Implements "AWS global condition context keys"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
 * for a role session aws:PrincipalArn is the role's ARN, not the session's;
 * aws:username exists for IAM users only. Keys are case-insensitive.
 */
#include "iam_int.h"

#include <string.h>

/* The n-th colon-separated field of an ARN (0-based), or empty. */
static mm_str arn_field(mm_str arn, int n) {
  size_t start = 0;
  if (!arn.ptr) return (mm_str){NULL, 0};
  for (int f = 0; f < n; f++) {
    const char *c = memchr(arn.ptr + start, ':', arn.len - start);
    if (!c) return (mm_str){NULL, 0};
    start = (size_t)(c - arn.ptr) + 1;
  }
  const char *end = memchr(arn.ptr + start, ':', arn.len - start);
  size_t stop = end ? (size_t)(end - arn.ptr) : arn.len;
  return (mm_str){arn.ptr + start, stop - start};
}

/* Append s to buf at *n when it fits; false when it does not. */
static bool put_str(char *buf, size_t size, size_t *n, mm_str s) {
  if (s.len >= size - *n) return false;
  if (s.len) memcpy(buf + *n, s.ptr, s.len);
  *n += s.len;
  return true;
}

/* arn:P:sts::ACCT:assumed-role/NAME/SESSION -> arn:P:iam::ACCT:role/NAME,
 * written with memcpy: this runs once per evaluation of a role session. */
static mm_str derive_role_arn(mm__iam_eval *ev, mm_str arn) {
  static const char marker[] = ":assumed-role/";
  const char *m = memmem(arn.ptr, arn.len, marker, sizeof(marker) - 1);
  if (!m) return mm_str_has_prefix(arn_field(arn, 5), MM_STR("role/")) ? arn : (mm_str){NULL, 0};
  const char *name = m + sizeof(marker) - 1, *end = arn.ptr + arn.len;
  const char *slash = memchr(name, '/', (size_t)(end - name));
  mm_str role = {name, (size_t)((slash ? slash : end) - name)};
  size_t n = 0, size = sizeof(ev->role_buf);
  bool ok = put_str(ev->role_buf, size, &n, MM_STR("arn:")) &&
            put_str(ev->role_buf, size, &n, arn_field(arn, 1)) &&
            put_str(ev->role_buf, size, &n, MM_STR(":iam::")) &&
            put_str(ev->role_buf, size, &n, arn_field(arn, 4)) &&
            put_str(ev->role_buf, size, &n, MM_STR(":role/")) &&
            put_str(ev->role_buf, size, &n, role);
  return ok ? (mm_str){ev->role_buf, n} : (mm_str){NULL, 0};
}

static void derive(mm__iam_eval *ev, const char *key, mm_str value) {
  if (!value.ptr || ev->n_derived >= MM__IAM_DERIVED_MAX) return;
  size_t i = ev->n_derived++;
  ev->derived_values[i] = value;
  ev->derived[i] = (mm_iam_context_entry){mm_str_from(key), &ev->derived_values[i], 1};
}

static const char *principal_type_value(mm_iam_principal_type t) {
  switch (t) {
    case MM_IAM_PRINCIPAL_ROOT:
      return "Account";
    case MM_IAM_PRINCIPAL_USER:
      return "User";
    case MM_IAM_PRINCIPAL_ROLE:
      return "AssumedRole";
    case MM_IAM_PRINCIPAL_FEDERATED_USER:
      return "FederatedUser";
    case MM_IAM_PRINCIPAL_ANONYMOUS:
      return "Anonymous";
    default:
      return NULL;
  }
}

static mm_str user_name(mm_str arn) {
  const char *slash = arn.len ? memrchr(arn.ptr, '/', arn.len) : NULL;
  return slash ? (mm_str){slash + 1, (size_t)(arn.ptr + arn.len - slash - 1)} : (mm_str){NULL, 0};
}

static void derive_principal_keys(mm__iam_eval *ev) {
  const mm_iam_principal *p = &ev->req->principal;
  bool service = p->type == MM_IAM_PRINCIPAL_SERVICE;
  mm_str arn = p->type == MM_IAM_PRINCIPAL_ROLE ? ev->role_arn : p->arn;
  if (p->type != MM_IAM_PRINCIPAL_ANONYMOUS && !service && p->type != MM_IAM_PRINCIPAL_FEDERATED)
    derive(ev, "aws:PrincipalArn", arn.len ? arn : (mm_str){NULL, 0});
  if (ev->account.len) derive(ev, "aws:PrincipalAccount", ev->account);
  if (p->org_id.len) derive(ev, "aws:PrincipalOrgID", p->org_id);
  const char *type = principal_type_value(p->type);
  if (type) derive(ev, "aws:PrincipalType", mm_str_from(type));
  if (p->type == MM_IAM_PRINCIPAL_USER) derive(ev, "aws:username", user_name(p->arn));
  if (service) derive(ev, "aws:PrincipalServiceName", p->arn);
  derive(ev, "aws:PrincipalIsAWSService", service ? MM_STR("true") : MM_STR("false"));
}

int mm__iam_eval_init(mm__iam_eval *ev, const mm_iam_request *req, const mm_iam_policies *pol) {
  const mm_iam_principal *p = &req->principal;
  ev->req = req;
  ev->w = NULL;
  ev->status = MM_OK;
  ev->shadow = false;
  ev->n_derived = 0;
  ev->boundary_present = pol->boundary != NULL;
  ev->account = p->account.len ? p->account : arn_field(p->arn, 4);
  if (p->type == MM_IAM_PRINCIPAL_SERVICE || p->type == MM_IAM_PRINCIPAL_FEDERATED ||
      p->type == MM_IAM_PRINCIPAL_ANONYMOUS)
    ev->account = p->account;
  ev->resource_account = req->resource.account.len ? req->resource.account : ev->account;
  const char *colon = req->action.len ? memchr(req->action.ptr, ':', req->action.len) : NULL;
  ev->service = (mm_str){req->action.ptr, colon ? (size_t)(colon - req->action.ptr) : 0};
  ev->role_arn = (mm_str){NULL, 0};
  if (p->type == MM_IAM_PRINCIPAL_ROLE)
    ev->role_arn = p->role_arn.len ? p->role_arn : derive_role_arn(ev, p->arn);
  derive_principal_keys(ev);
  if (ev->resource_account.len) derive(ev, "aws:ResourceAccount", ev->resource_account);
  if (req->resource.org_id.len) derive(ev, "aws:ResourceOrgID", req->resource.org_id);
  return MM_OK;
}

const mm_iam_context_entry *mm__iam_lookup(const mm__iam_eval *ev, mm_str key) {
  const mm_iam_request *r = ev->req;
  for (size_t i = 0; i < r->context_count; i++)
    if (mm_str_ieq(r->context[i].key, key)) return &r->context[i];
  for (size_t i = 0; i < ev->n_derived; i++)
    if (mm_str_ieq(ev->derived[i].key, key)) return &ev->derived[i];
  return NULL;
}

/* An element checked only for the explanation, after the statement already
 * failed, would not have been checked without one: its errors must not turn
 * the decision, or explaining would change the answer. */
bool mm__iam_soft_failure(mm__iam_eval *ev, int rc) {
  if (rc == MM_ETYPE || rc == MM_ENOENT) return true;
  if (ev->status == MM_OK && !ev->shadow) ev->status = rc;
  return false;
}
