/*
 * eval.c - does a statement apply to a request, and what does one policy
 * say: the Effect of each statement whose Principal, Action, Resource and
 * Condition all match, with an explanation record per statement.
 *
 * Implements "Policy evaluation logic" for a single policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
 * and the elements' matching rules: Action and NotAction names are
 * case-insensitive with * and ? ("IAM JSON policy elements: Action");
 * Resource and NotResource ARNs match component by component with * and ?,
 * case-sensitively, after policy variables are replaced ("Resource");
 * a statement without Resource (a trust policy's) covers any resource;
 * Principal matters only in resource-like policies (resource, RCP, VPC
 * endpoint), where a statement without one names no one.
 */
#include "iam_int.h"

#include <string.h>

static bool resource_like(mm_iam_kind k) {
  return k == MM_IAM_KIND_RESOURCE || k == MM_IAM_KIND_RCP || k == MM_IAM_KIND_VPC_ENDPOINT;
}

/* A pattern whose literal service prefix differs from the request's cannot
 * match: one case-insensitive comparison instead of a wildcard match. */
static bool action_matches(const mm__iam_eval *ev, const mm__iam_stmt *s) {
  bool any = false;
  for (size_t i = 0; i < s->n_actions && !any; i++) {
    const mm__iam_pattern *p = &s->actions[i];
    if (p->service.len && !mm_str_ieq(p->service, ev->service)) continue;
    any = mm_glob_matches(p->glob, ev->req->action);
  }
  return s->not_action ? !any : any;
}

/* 1 match, 0 not, MM_ENOENT a policy variable without value (*missing
 * names it), or another negative status. */
static int pattern_matches(const mm__iam_eval *ev, const mm__iam_pattern *p, mm_str arn,
                           mm_str *missing) {
  if (p->glob) return mm_glob_matches(p->glob, arn);
  char buf[MM_IAM_MAX_EXPANSION];
  size_t len = 0;
  int rc = mm__iam_tmpl_expand(ev, p->tmpl, true, buf, sizeof(buf), &len, missing);
  if (rc != MM_OK) return rc;
  return mm__iam_match_expansion((mm_str){buf, len}, arn, true);
}

static int resource_matches(const mm__iam_eval *ev, const mm__iam_stmt *s, mm_str *missing) {
  if (!s->has_resource) return 1;
  bool any = false;
  for (size_t i = 0; i < s->n_resources && !any; i++) {
    int m = pattern_matches(ev, &s->resources[i], ev->req->resource.arn, missing);
    if (m < 0) return m;
    any = m;
  }
  return s->not_resource ? !any : any;
}

static const char *match_name(mm__iam_match m) {
  static const char *const names[] = {"not named", "account", "role", "direct"};
  return names[m];
}

static void trace_begin(mm_json_writer *w, const mm__iam_stmt *s) {
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "index", 5);
  mm_json_write_uint64(w, s->index);
  if (s->sid.len) {
    mm_json_write_key(w, "sid", 3);
    mm_json_write_string(w, s->sid.ptr, s->sid.len);
  }
  mm_json_write_key(w, "effect", 6);
  mm_json_write_string(w, s->allow ? "Allow" : "Deny", s->allow ? 5 : 4);
}

static void trace_bool(mm_json_writer *w, const char *key, bool v) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_bool(w, v);
}

/* The Principal check (resource-like kinds only): how the statement names
 * the caller, MM__IAM_MATCH_NONE when it does not. */
static mm__iam_match principal_check(mm__iam_eval *ev, const mm__iam_stmt *s) {
  mm__iam_match how = s->has_principal ? mm__iam_principal_match(ev, s) : MM__IAM_MATCH_NONE;
  if (ev->w) {
    const char *m = s->has_principal ? match_name(how) : "statement has no Principal";
    mm_json_write_key(ev->w, "principal", 9);
    mm_json_write_string(ev->w, m, strlen(m));
  }
  return how;
}

static bool action_check(mm__iam_eval *ev, const mm__iam_stmt *s) {
  bool act = action_matches(ev, s);
  if (ev->w) trace_bool(ev->w, "action", act);
  return act;
}

/* A policy variable without value makes the resource not match and is
 * named in the explanation; a limit or memory failure is recorded. */
static bool resource_check(mm__iam_eval *ev, const mm__iam_stmt *s) {
  mm_str missing = {NULL, 0};
  int res = resource_matches(ev, s, &missing);
  if (res < 0) mm__iam_soft_failure(ev, res);
  if (ev->w) trace_bool(ev->w, "resource", res > 0);
  if (ev->w && res < 0) {
    mm_json_write_key(ev->w, "unresolved", 10);
    mm_json_write_string(ev->w, missing.ptr ? missing.ptr : "", missing.len);
  }
  return res > 0;
}

/* Does s apply? *how: for resource-like kinds, how its Principal names the
 * caller. With an explanation every element is checked and recorded;
 * without, the first mismatch ends the check. */
static bool statement_applies(mm__iam_eval *ev, const mm__iam_stmt *s, mm_iam_kind as,
                              mm__iam_match *how) {
  bool stop_early = !ev->w; /* explaining checks every element */
  *how = resource_like(as) ? principal_check(ev, s) : MM__IAM_MATCH_DIRECT;
  bool ok = *how != MM__IAM_MATCH_NONE;
  if (!ok && stop_early) return false;
  ev->shadow = !ok;
  ok = action_check(ev, s) && ok;
  if (!ok && stop_early) return false;
  ev->shadow = !ok;
  ok = resource_check(ev, s) && ok;
  if (!ok && stop_early) return false;
  ev->shadow = !ok;
  ok = mm__iam_conditions_hold(ev, s) && ok;
  ev->shadow = false;
  return ok;
}

static void record(mm__iam_policy_result *out, const mm__iam_stmt *s, mm__iam_match how) {
  if (!s->allow) {
    out->deny = true;
    return;
  }
  out->allow = true;
  if (how > out->allow_match) out->allow_match = how;
}

static void trace_policy_begin(mm_json_writer *w, const mm_iam_policy *p, mm_iam_kind as,
                               const char *label) {
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "policy", 6);
  mm_json_write_string(w, label, strlen(label));
  mm_json_write_key(w, "kind", 4);
  mm_json_write_string(w, mm_iam_kind_name(as), strlen(mm_iam_kind_name(as)));
  if (p->name && p->name[0]) {
    mm_json_write_key(w, "name", 4);
    mm_json_write_string(w, p->name, strlen(p->name));
  }
  mm_json_write_key(w, "statements", 10);
  mm_json_write_array_begin(w);
}

void mm__iam_policy_eval(mm__iam_eval *ev, const mm_iam_policy *p, mm_iam_kind as,
                         const char *label, mm__iam_policy_result *out) {
  mm_json_writer *w = ev->w;
  memset(out, 0, sizeof(*out));
  if (w) trace_policy_begin(w, p, as, label);
  for (size_t i = 0; i < p->n; i++) {
    const mm__iam_stmt *s = &p->stmts[i];
    mm__iam_match how = MM__IAM_MATCH_NONE;
    if (w) trace_begin(w, s);
    bool applies = statement_applies(ev, s, as, &how);
    if (applies) record(out, s, how);
    if (w) trace_bool(w, "applies", applies), mm_json_write_object_end(w);
  }
  if (w) {
    mm_json_write_array_end(w);
    trace_bool(w, "allows", out->allow);
    trace_bool(w, "denies", out->deny);
    mm_json_write_object_end(w);
  }
}
