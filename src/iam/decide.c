/*
 * decide.c - the decision for one request across every kind of policy:
 * explicit deny anywhere, then SCPs (every level of the OU path must
 * allow), RCPs, the VPC endpoint policy, then resource-based and
 * identity-based policies with permissions boundaries and session policies,
 * within an account or across accounts.
 *
 * Implements, in this order:
 *  - "Policy evaluation logic" and its flow chart
 *    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html):
 *    an explicit deny in any applicable policy wins; otherwise a request is
 *    implicitly denied unless allowed; the root user has full access within
 *    its account except for what SCPs, RCPs and resource policies deny;
 *  - SCPs ("SCP evaluation", organizations/latest/userguide/
 *    orgs_manage_policies_scps_evaluation.html): for principals of member
 *    accounts only (not the management account, not service-linked roles,
 *    not service principals), each level from the root to the account must
 *    have an applicable Allow;
 *  - RCPs ("RCP evaluation", orgs_manage_policies_rcps.html): for resources
 *    of member accounts, every caller (AWS service principals included) but
 *    service-linked roles; RCPFullAWSAccess is attached to every level and cannot be
 *    detached, so only their Deny statements matter;
 *  - VPC endpoint policies (vpc/latest/privatelink/vpc-endpoints-access.html):
 *    the endpoint's policy must allow as well;
 *  - "Determining whether a request is allowed or denied within an account"
 *    and the table of resource-policy principals on "Permissions boundaries
 *    for IAM entities" and "Session policies": a resource policy that names
 *    the IAM user, the role session or the federated-user session allows by
 *    itself; one that names the role is limited by the boundary and the
 *    session policy; one that names the account delegates to the identity
 *    policies;
 *  - "Cross-account policy evaluation logic": the principal's account
 *    (identity policies, boundary, session policy) and the resource's
 *    account (its resource policy) must both allow;
 *  - role trust policies and KMS key policies must allow explicitly, even
 *    within the account ("IAM role trust policy", kms/latest/developerguide/key-policies.html).
 */
#include "iam_int.h"

#include <stdio.h>
#include <string.h>

/* What each kind of policy said. */
typedef struct outcome {
  mm__iam_policy_result identity; /* union of the identity policies */
  mm__iam_policy_result resource; /* the resource policy */
  mm__iam_policy_result boundary; /* the permissions boundary */
  mm__iam_policy_result session;  /* the session policy */
  mm__iam_policy_result vpc;      /* the VPC endpoint policy */
  bool scp_deny;                  /* an SCP denied */
  bool scp_every_level;           /* every SCP level allowed */
  bool rcp_deny;                  /* an RCP denied */
} outcome;

/* Which kinds apply to this caller. */
typedef struct applies {
  bool identity, boundary, session, scp, rcp, resource, vpc;
  bool must_allow; /* the resource policy must allow explicitly */
} applies;

static bool has_account(mm_iam_principal_type t) {
  return t == MM_IAM_PRINCIPAL_ROOT || t == MM_IAM_PRINCIPAL_USER || t == MM_IAM_PRINCIPAL_ROLE ||
         t == MM_IAM_PRINCIPAL_FEDERATED_USER;
}

/* sts:AssumeRole and its family act on a role, whose trust policy must
 * allow; every kms: action needs the key policy's allow. */
static bool action_needs_resource_allow(mm_str a) {
  static const char *const trust[] = {
      "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
      "sts:TagSession", "sts:SetSourceIdentity",  "sts:SetContext"};
  for (size_t i = 0; i < MM_ARRAY_LEN(trust); i++)
    if (mm_str_ieq(a, mm_str_from(trust[i]))) return true;
  return a.len > 4 && mm_str_ieq((mm_str){a.ptr, 4}, MM_STR("kms:"));
}

static void find_applicable(const mm_iam_request *req, const mm_iam_policies *pol, applies *ap) {
  mm_iam_principal_type t = req->principal.type;
  bool account_caller = has_account(t);
  ap->identity = t == MM_IAM_PRINCIPAL_USER || t == MM_IAM_PRINCIPAL_ROLE ||
                 t == MM_IAM_PRINCIPAL_FEDERATED_USER;
  ap->boundary = pol->boundary && (t == MM_IAM_PRINCIPAL_USER || t == MM_IAM_PRINCIPAL_ROLE);
  ap->session = t == MM_IAM_PRINCIPAL_ROLE || t == MM_IAM_PRINCIPAL_FEDERATED_USER;
  bool slr = req->principal.service_linked;
  ap->scp = account_caller && !slr && !req->principal.management_account && pol->scp_levels > 0;
  /* RCPs bind AWS service principals too: AWS's own RCP examples deny
   * service principals with aws:PrincipalIsAWSService (KMS developer guide,
   * "Resource control policies in AWS KMS"); only service-linked roles are
   * exempt (organizations/latest/userguide/orgs_manage_policies_rcps.html). */
  ap->rcp = !slr && !req->resource.management_account && pol->rcp_levels > 0;
  ap->resource = pol->resource != NULL;
  ap->vpc = pol->vpc_endpoint != NULL;
  ap->must_allow = pol->resource_must_allow || action_needs_resource_allow(req->action);
}

static void merge(mm__iam_policy_result *into, const mm__iam_policy_result *r) {
  into->deny |= r->deny;
  into->allow |= r->allow;
  if (r->allow_match > into->allow_match) into->allow_match = r->allow_match;
}

static void eval_one(mm__iam_eval *ev, const mm_iam_policy *p, mm_iam_kind kind, const char *label,
                     mm__iam_policy_result *into) {
  mm__iam_policy_result r;
  mm__iam_policy_eval(ev, p, kind, label, &r);
  merge(into, &r);
}

/* Evaluate each level of an SCP or RCP chain; *deny if any denied, return
 * whether every level allowed. */
static bool eval_levels(mm__iam_eval *ev, const mm_iam_policy_list *levels, size_t n,
                        mm_iam_kind kind, bool *deny) {
  bool every = true;
  char label[48] = ""; /* written only when explaining */
  for (size_t l = 0; l < n; l++) {
    mm__iam_policy_result lvl = {0};
    for (size_t i = 0; i < levels[l].count; i++) {
      if (ev->w) snprintf(label, sizeof(label), "%s[%zu][%zu]", mm_iam_kind_name(kind), l, i);
      eval_one(ev, levels[l].items[i], kind, label, &lvl);
    }
    *deny |= lvl.deny;
    every &= lvl.allow;
  }
  return every;
}

static void eval_all(mm__iam_eval *ev, const mm_iam_policies *pol, const applies *ap, outcome *o) {
  memset(o, 0, sizeof(*o));
  if (ap->scp)
    o->scp_every_level = eval_levels(ev, pol->scp, pol->scp_levels, MM_IAM_KIND_SCP, &o->scp_deny);
  if (ap->rcp) eval_levels(ev, pol->rcp, pol->rcp_levels, MM_IAM_KIND_RCP, &o->rcp_deny);
  if (ap->vpc) eval_one(ev, pol->vpc_endpoint, MM_IAM_KIND_VPC_ENDPOINT, "vpc-endpoint", &o->vpc);
  if (ap->resource) eval_one(ev, pol->resource, MM_IAM_KIND_RESOURCE, "resource", &o->resource);
  char label[32] = "";
  for (size_t i = 0; ap->identity && i < pol->identity.count; i++) {
    if (ev->w) snprintf(label, sizeof(label), "identity[%zu]", i);
    eval_one(ev, pol->identity.items[i], MM_IAM_KIND_IDENTITY, label, &o->identity);
  }
  if (ap->boundary) eval_one(ev, pol->boundary, MM_IAM_KIND_BOUNDARY, "boundary", &o->boundary);
  if (ap->session && pol->session)
    eval_one(ev, pol->session, MM_IAM_KIND_SESSION, "session", &o->session);
}

/* ---- combining ------------------------------------------------------------------- */

/* Set the result; returns 0 so that deciding functions can end with it. */
static int decide(mm_iam_result *r, mm_iam_decision d, mm_iam_kind k, const char *why) {
  r->decision = d;
  r->decided_by = k;
  r->reason = why;
  return 0;
}

static bool explicit_deny(const outcome *o, mm_iam_result *r) {
  const struct {
    bool deny;
    mm_iam_kind kind;
  } order[] = {
      {o->scp_deny, MM_IAM_KIND_SCP},           {o->rcp_deny, MM_IAM_KIND_RCP},
      {o->vpc.deny, MM_IAM_KIND_VPC_ENDPOINT},  {o->resource.deny, MM_IAM_KIND_RESOURCE},
      {o->identity.deny, MM_IAM_KIND_IDENTITY}, {o->boundary.deny, MM_IAM_KIND_BOUNDARY},
      {o->session.deny, MM_IAM_KIND_SESSION},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(order); i++)
    if (order[i].deny) {
      decide(r, MM_IAM_EXPLICIT_DENY, order[i].kind, "a Deny statement applies");
      return true;
    }
  return false;
}

/* The session policy's verdict: a GetFederationToken session without a
 * session policy has no permissions of its own (STS GetFederationToken API
 * reference); a role session without one is not limited. */
static bool session_ok(const mm_iam_request *req, const applies *ap, const outcome *o,
                       const mm_iam_policies *pol) {
  if (req->principal.type == MM_IAM_PRINCIPAL_FEDERATED_USER && !pol->session) return false;
  return !(ap->session && pol->session && !o->session.allow);
}

/* The principal's own chain: identity policies, boundary, session policy.
 * Returns the kind that fails, or NONE when the chain allows. */
static mm_iam_kind chain_failure(bool limits_session, const applies *ap, const outcome *o) {
  if (!o->identity.allow) return MM_IAM_KIND_IDENTITY;
  if (ap->boundary && !o->boundary.allow) return MM_IAM_KIND_BOUNDARY;
  if (!limits_session) return MM_IAM_KIND_SESSION;
  return MM_IAM_KIND_NONE;
}

static const char *failure_reason(mm_iam_kind k) {
  switch (k) {
    case MM_IAM_KIND_IDENTITY:
      return "no identity-based policy allows the action";
    case MM_IAM_KIND_BOUNDARY:
      return "the permissions boundary does not allow the action";
    case MM_IAM_KIND_SESSION:
      return "the session policy does not allow the action";
    default:
      return "nothing allows the action";
  }
}

/* Root user: full access within its account, unless the resource policy
 * must allow explicitly; across accounts the resource policy decides. */
static int decide_root(bool same, const applies *ap, const outcome *o, mm_iam_result *r) {
  if (same && !ap->must_allow)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_NONE,
                  "the root user has full access to its account");
  if (o->resource.allow)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_RESOURCE,
                  "the resource policy allows the root user");
  return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_RESOURCE,
                "the resource policy does not allow the root user");
}

static int decide_same_account(mm_iam_kind fail, bool sess_ok, const applies *ap, const outcome *o,
                               mm_iam_result *r) {
  mm__iam_match m = o->resource.allow ? o->resource.allow_match : MM__IAM_MATCH_NONE;
  bool limits_ok = (!ap->boundary || o->boundary.allow) && sess_ok;
  if (m == MM__IAM_MATCH_DIRECT)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_RESOURCE,
                  "the resource policy allows this principal by name");
  if (m == MM__IAM_MATCH_ROLE && limits_ok)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_RESOURCE,
                  "the resource policy allows the role, within its boundary and session policy");
  if (ap->must_allow && m == MM__IAM_MATCH_NONE)
    return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_RESOURCE,
                  "this resource's policy must allow explicitly, and it does not");
  if (fail == MM_IAM_KIND_NONE)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_IDENTITY,
                  "an identity-based policy allows the action");
  return decide(r, MM_IAM_IMPLICIT_DENY, fail, failure_reason(fail));
}

static int decide_cross_account(mm_iam_kind fail, const outcome *o, mm_iam_result *r) {
  if (fail != MM_IAM_KIND_NONE) return decide(r, MM_IAM_IMPLICIT_DENY, fail, failure_reason(fail));
  if (o->resource.allow)
    return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_RESOURCE,
                  "both the principal's account and the resource's policy allow");
  return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_RESOURCE,
                "cross-account: the resource policy does not allow this principal");
}

static int combine(const mm__iam_eval *ev, const mm_iam_policies *pol, const applies *ap,
                   const outcome *o, mm_iam_result *r) {
  const mm_iam_request *req = ev->req;
  mm_iam_principal_type t = req->principal.type;
  if (explicit_deny(o, r)) return 0;
  if (ap->scp && !o->scp_every_level)
    return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_SCP,
                  "an SCP level does not allow the action");
  if (ap->vpc && !o->vpc.allow)
    return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_VPC_ENDPOINT,
                  "the VPC endpoint policy does not allow the request");
  bool same = mm_str_eq(ev->account, ev->resource_account);
  if (t == MM_IAM_PRINCIPAL_ROOT) return decide_root(same, ap, o, r);
  if (!has_account(t)) {
    if (o->resource.allow && o->resource.allow_match == MM__IAM_MATCH_DIRECT)
      return decide(r, MM_IAM_ALLOWED, MM_IAM_KIND_RESOURCE,
                    "the resource policy allows this principal");
    return decide(r, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_RESOURCE,
                  "only a resource policy can allow this principal, and none does");
  }
  bool sess_ok = session_ok(req, ap, o, pol);
  mm_iam_kind fail = chain_failure(sess_ok, ap, o);
  return same ? decide_same_account(fail, sess_ok, ap, o, r) : decide_cross_account(fail, o, r);
}

/* ---- the entry point ---------------------------------------------------------------- */

static size_t policy_count(const mm_iam_policies *pol) {
  size_t n = pol->identity.count + 4;
  for (size_t i = 0; i < pol->scp_levels; i++) n += pol->scp[i].count;
  for (size_t i = 0; i < pol->rcp_levels; i++) n += pol->rcp[i].count;
  return n;
}

static void explain_begin(mm_json_writer *w, mm_buf *explain) {
  mm_json_writer_init(w, explain, 0);
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "policies", 8);
  mm_json_write_array_begin(w);
}

static int explain_end(mm_json_writer *w) {
  mm_json_write_array_end(w);
  mm_json_write_object_end(w);
  return mm_json_writer_finish(w);
}

int mm_iam_evaluate(const mm_iam_request *req, const mm_iam_policies *pol, mm_iam_result *out,
                    mm_buf *explain) {
  mm__iam_eval ev;
  mm_json_writer w;
  applies ap;
  outcome o;
  int rc = MM_OK;
  decide(out, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_NONE, "nothing allows the action");
  out->status = MM_OK;
  if (policy_count(pol) > MM_IAM_MAX_POLICIES) {
    rc = MM_ELIMIT;
    goto out;
  }
  mm__iam_eval_init(&ev, req, pol);
  if (explain) explain_begin(&w, explain), ev.w = &w;
  find_applicable(req, pol, &ap);
  eval_all(&ev, pol, &ap, &o);
  if (explain && (rc = explain_end(&w)) != MM_OK) goto out;
  if ((rc = ev.status) != MM_OK) goto out;
  combine(&ev, pol, &ap, &o, out);
out:
  if (rc != MM_OK) {
    decide(out, MM_IAM_IMPLICIT_DENY, MM_IAM_KIND_NONE, "evaluation failed: denied");
    out->status = rc;
  }
  return rc;
}

int mm_iam_result_json(const mm_iam_result *r, const mm_buf *explain, mm_buf *out) {
  mm_json_writer w;
  const char *d = mm_iam_decision_name(r->decision), *k = mm_iam_kind_name(r->decided_by);
  mm_json_writer_init(&w, out, 0);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "decision", 8);
  mm_json_write_string(&w, d, strlen(d));
  mm_json_write_key(&w, "decidedBy", 9);
  mm_json_write_string(&w, k, strlen(k));
  mm_json_write_key(&w, "reason", 6);
  mm_json_write_string(&w, r->reason ? r->reason : "", r->reason ? strlen(r->reason) : 0);
  if (r->status != MM_OK) {
    mm_json_write_key(&w, "error", 5);
    mm_json_write_string(&w, mm_strerror(r->status), strlen(mm_strerror(r->status)));
  }
  if (explain && explain->len) {
    mm_json_write_key(&w, "explanation", 11);
    mm_json_write_raw(&w, explain->ptr, explain->len);
  }
  mm_json_write_object_end(&w);
  return mm_json_writer_finish(&w);
}
