/*
 * query.c - a request and its policies read from JSON, the format of
 * `mamori iam eval` and of the test cases (docs/iam.md, "Request format"):
 *
 *   {"principal": "ARN" | {"arn", "type", "account", "orgId", "ouPath",
 *                          "tags": {k: v}, "roleArn", "canonicalUser",
 *                          "managementAccount", "serviceLinkedRole"},
 *    "action": "s3:GetObject",
 *    "resource": "ARN" | {"arn", "account", "orgId", "tags", "managementAccount"},
 *    "context": {"aws:SourceIp": "10.1.2.3", "aws:TagKeys": ["a", "b"]},
 *    "policies": {"identity": [P...], "resource" | "trust" | "keyPolicy": P,
 *                 "boundary": P, "session": P, "scp": [[P...]...],
 *                 "rcp": [[P...]...], "vpcEndpoint": P, "resourceMustAllow": bool}}
 *
 * where P is a policy document, a string holding one, or {"name": ...,
 * "document": ...}. Tags become aws:PrincipalTag/k and aws:ResourceTag/k,
 * ouPath aws:PrincipalOrgPaths, as AWS puts them in the request context
 * (reference_policies_condition-keys.html). The principal's type, when not
 * given, is read from its ARN. Everything is copied: the query outlives
 * the JSON it came from.
 */
#include "iam_int.h"

#include "mamori/alloc.h"

#include <stdio.h>
#include <string.h>

typedef struct owned_policy {
  mm_iam_policy *p;          /* compiled; freed with the query */
  struct owned_policy *next; /* list link */
} owned_policy;

struct mm_iam_query {
  mm_arena arena;            /* owns every string and array below */
  mm_iam_request req;        /* the request */
  mm_iam_policies pol;       /* its policies */
  owned_policy *owned;       /* compiled policies to free */
  mm_iam_context_entry *ctx; /* req.context, growable within ctx_cap */
  size_t ctx_cap;            /* entries allocated */
};

typedef struct qparse {
  mm_iam_query *q;              /* being filled */
  char path[MM_ERROR_PATH_MAX]; /* JSON path of what is being read */
  mm_error *err;                /* where failures go */
} qparse;

static int fail(qparse *qp, int code, const char *msg) {
  return mm__iam_fail(qp->err, code, qp->path, "%s", msg);
}

static int dup_str(qparse *qp, const mm_json_value *v, mm_str *out) {
  if (!mm_json_is_string(v)) return fail(qp, MM_EINVAL, "must be a string");
  if (mm__iam_dup(&qp->q->arena, mm_json_get_str(v), out) != MM_OK)
    return fail(qp, MM_ENOMEM, "out of memory");
  return MM_OK;
}

/* Called for each member of an object: its name, its value, the caller's arg. */
typedef int (*member_fn)(qparse *qp, mm_str key, const mm_json_value *v, void *arg);

/* Call fn for each member of object v in document order, with the member's
 * name appended to qp->path while it runs, so that an error names the member.
 * Stops at the first failure. */
static int each_member(qparse *qp, const mm_json_value *v, member_fn fn, void *arg) {
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *x;
  int rc = MM_OK;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &x)) {
    mm_str key = mm_json_get_str(k);
    size_t old = mm__iam_path_key(qp->path, sizeof(qp->path), key.ptr, key.len);
    rc = fn(qp, key, x, arg);
    qp->path[old] = '\0';
  }
  return rc;
}

/* ---- context ----------------------------------------------------------------------- */

static bool scalar_text(const mm_json_value *v, mm_str *out) {
  if (mm_json_is_string(v)) return *out = mm_json_get_str(v), true;
  if (mm_json_is_number(v)) return *out = mm_json_number_raw(v), true;
  if (mm_json_is_bool(v)) return *out = mm_json_is_true(v) ? MM_STR("true") : MM_STR("false"), true;
  return false;
}

static int add_context(qparse *qp, mm_str key, const mm_json_value *v) {
  mm_iam_query *q = qp->q;
  if (q->req.context_count >= q->ctx_cap) return fail(qp, MM_ELIMIT, "too many context keys");
  bool list = mm_json_is_array(v);
  size_t n = list ? mm_json_len(v) : 1;
  if (n > MM_IAM_MAX_CONTEXT) return fail(qp, MM_ELIMIT, "too many values");
  mm_str *vals = mm_arena_calloc(&q->arena, n ? n : 1, sizeof(*vals));
  mm_iam_context_entry *e = &q->ctx[q->req.context_count];
  if (!vals || mm__iam_dup(&q->arena, key, &e->key) != MM_OK)
    return fail(qp, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *x = v;
  for (size_t i = 0; i < n; i++) {
    mm_str t;
    if (list) mm_json_iter_next(&it, NULL, &x);
    if (!scalar_text(x, &t))
      return fail(qp, MM_EINVAL, "context values are strings, numbers or booleans");
    if (mm__iam_dup(&q->arena, t, &vals[i]) != MM_OK) return fail(qp, MM_ENOMEM, "out of memory");
  }
  e->values = vals;
  e->count = n;
  q->req.context_count++;
  return MM_OK;
}

static int context_member(qparse *qp, mm_str key, const mm_json_value *v, void *arg) {
  (void)arg;
  return add_context(qp, key, v);
}

static int read_context(qparse *qp, const mm_json_value *v) {
  if (!mm_json_is_object(v)) return fail(qp, MM_EINVAL, "context must be an object");
  return each_member(qp, v, context_member, NULL);
}

/* One tag {name: value}: the context key prefix + name (arg is the prefix). */
static int tag_member(qparse *qp, mm_str name, const mm_json_value *v, void *arg) {
  char key[512];
  int n = snprintf(key, sizeof(key), "%s%.*s", (const char *)arg, (int)name.len, name.ptr);
  if (n < 0 || (size_t)n >= sizeof(key)) return fail(qp, MM_ELIMIT, "tag key too long");
  if (!mm_json_is_string(v)) return fail(qp, MM_EINVAL, "a tag value must be a string");
  return add_context(qp, (mm_str){key, (size_t)n}, v);
}

/* tags {k: v} -> prefix + k */
static int read_tags(qparse *qp, const char *prefix, const mm_json_value *v) {
  if (!mm_json_is_object(v)) return fail(qp, MM_EINVAL, "tags must be an object");
  return each_member(qp, v, tag_member, (void *)prefix);
}

/* ---- principal and resource ----------------------------------------------------------- */

static bool type_from_name(mm_str s, mm_iam_principal_type *t) {
  static const struct {
    const char *name;
    mm_iam_principal_type type;
  } rows[] = {
      {"anonymous", MM_IAM_PRINCIPAL_ANONYMOUS},
      {"root", MM_IAM_PRINCIPAL_ROOT},
      {"account", MM_IAM_PRINCIPAL_ROOT},
      {"user", MM_IAM_PRINCIPAL_USER},
      {"iamuser", MM_IAM_PRINCIPAL_USER},
      {"role", MM_IAM_PRINCIPAL_ROLE},
      {"assumedrole", MM_IAM_PRINCIPAL_ROLE},
      {"assumed-role", MM_IAM_PRINCIPAL_ROLE},
      {"federated-user", MM_IAM_PRINCIPAL_FEDERATED_USER},
      {"federateduser", MM_IAM_PRINCIPAL_FEDERATED_USER},
      {"service", MM_IAM_PRINCIPAL_SERVICE},
      {"awsservice", MM_IAM_PRINCIPAL_SERVICE},
      {"federated", MM_IAM_PRINCIPAL_FEDERATED},
      {"webidentity", MM_IAM_PRINCIPAL_FEDERATED},
      {"saml", MM_IAM_PRINCIPAL_FEDERATED},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++)
    if (mm_str_ieq(s, mm_str_from(rows[i].name))) return *t = rows[i].type, true;
  return false;
}

static bool has(mm_str s, const char *needle) {
  return s.len && memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}

static mm_iam_principal_type type_from_arn(mm_str arn) {
  if (arn.len == 0) return MM_IAM_PRINCIPAL_ANONYMOUS;
  if (has(arn, ":iam::") && mm_str_has_suffix(arn, MM_STR(":root"))) return MM_IAM_PRINCIPAL_ROOT;
  if (has(arn, ":user/")) return MM_IAM_PRINCIPAL_USER;
  if (has(arn, ":assumed-role/") || has(arn, ":role/")) return MM_IAM_PRINCIPAL_ROLE;
  if (has(arn, ":federated-user/")) return MM_IAM_PRINCIPAL_FEDERATED_USER;
  if (has(arn, ":saml-provider/") || has(arn, ":oidc-provider/")) return MM_IAM_PRINCIPAL_FEDERATED;
  if (mm_str_has_suffix(arn, MM_STR(".amazonaws.com"))) return MM_IAM_PRINCIPAL_SERVICE;
  return MM_IAM_PRINCIPAL_USER;
}

static int read_bool(qparse *qp, const mm_json_value *v, bool *out) {
  if (!mm_json_is_bool(v)) return fail(qp, MM_EINVAL, "must be true or false");
  *out = mm_json_is_true(v);
  return MM_OK;
}

/* arg: a bool set when the member names the principal's type. */
static int principal_member(qparse *qp, mm_str k, const mm_json_value *v, void *arg) {
  mm_iam_principal *p = &qp->q->req.principal;
  bool *typed = arg;
  if (mm_str_eq(k, MM_STR("arn"))) return dup_str(qp, v, &p->arn);
  if (mm_str_eq(k, MM_STR("account"))) return dup_str(qp, v, &p->account);
  if (mm_str_eq(k, MM_STR("orgId"))) return dup_str(qp, v, &p->org_id);
  if (mm_str_eq(k, MM_STR("roleArn"))) return dup_str(qp, v, &p->role_arn);
  if (mm_str_eq(k, MM_STR("canonicalUser"))) return dup_str(qp, v, &p->canonical_user);
  if (mm_str_eq(k, MM_STR("managementAccount"))) return read_bool(qp, v, &p->management_account);
  if (mm_str_eq(k, MM_STR("serviceLinkedRole"))) return read_bool(qp, v, &p->service_linked);
  if (mm_str_eq(k, MM_STR("tags"))) return read_tags(qp, "aws:PrincipalTag/", v);
  if (mm_str_eq(k, MM_STR("ouPath"))) return add_context(qp, MM_STR("aws:PrincipalOrgPaths"), v);
  if (mm_str_eq(k, MM_STR("type"))) {
    *typed = true;
    return type_from_name(mm_json_get_str(v), &p->type)
               ? MM_OK
               : fail(qp, MM_EINVAL,
                      "type is root, user, role, federated-user, service, "
                      "federated or anonymous");
  }
  return fail(qp, MM_EINVAL, "unknown principal field");
}

static int read_principal(qparse *qp, const mm_json_value *v) {
  mm_iam_principal *p = &qp->q->req.principal;
  bool typed = false;
  int rc = MM_OK;
  if (mm_json_is_string(v)) {
    rc = dup_str(qp, v, &p->arn);
  } else if (mm_json_is_object(v)) {
    rc = each_member(qp, v, principal_member, &typed);
  } else {
    rc = fail(qp, MM_EINVAL, "principal must be an ARN or an object");
  }
  if (rc == MM_OK && !typed) p->type = type_from_arn(p->arn);
  return rc;
}

static int resource_member(qparse *qp, mm_str k, const mm_json_value *v, void *arg) {
  mm_iam_resource *r = &qp->q->req.resource;
  (void)arg;
  if (mm_str_eq(k, MM_STR("arn"))) return dup_str(qp, v, &r->arn);
  if (mm_str_eq(k, MM_STR("account"))) return dup_str(qp, v, &r->account);
  if (mm_str_eq(k, MM_STR("orgId"))) return dup_str(qp, v, &r->org_id);
  if (mm_str_eq(k, MM_STR("managementAccount"))) return read_bool(qp, v, &r->management_account);
  if (mm_str_eq(k, MM_STR("tags"))) return read_tags(qp, "aws:ResourceTag/", v);
  return fail(qp, MM_EINVAL, "unknown resource field");
}

static int read_resource(qparse *qp, const mm_json_value *v) {
  if (mm_json_is_string(v)) return dup_str(qp, v, &qp->q->req.resource.arn);
  if (!mm_json_is_object(v)) return fail(qp, MM_EINVAL, "resource must be an ARN or an object");
  return each_member(qp, v, resource_member, NULL);
}

/* ---- policies ------------------------------------------------------------------------- */

/* Prefix a compile error's path ("$.Statement[0]") with where the policy
 * sits in the request ("$.policies.identity[0]"). */
static void relocate(qparse *qp) {
  char full[2 * MM_ERROR_PATH_MAX];
  const char *inner = qp->err ? qp->err->path : "";
  snprintf(full, sizeof(full), "%s%s", qp->path, inner[0] == '$' ? inner + 1 : inner);
  mm_error_set_path(qp->err, full); /* cut to MM_ERROR_PATH_MAX */
}

static int compile_one(qparse *qp, const mm_json_value *v, mm_iam_kind kind,
                       const mm_iam_policy **out) {
  mm_iam_compile_options opt = {kind, NULL};
  const mm_json_value *doc = v;
  char name[128] = "";
  if (mm_json_is_object(v) && mm_json_get(v, "document")) {
    doc = mm_json_get(v, "document");
    if (mm_json_is_string(mm_json_get(v, "name")))
      snprintf(name, sizeof(name), "%s", mm_json_str(mm_json_get(v, "name")));
    opt.name = name;
  }
  mm_iam_policy *p = mm_json_is_string(doc)
                         ? mm_iam_policy_compile(mm_json_str(doc), mm_json_len(doc), &opt, qp->err)
                         : mm_iam_policy_compile_json(doc, &opt, qp->err);
  if (!p) return relocate(qp), qp->err ? qp->err->code : MM_EINVAL;
  owned_policy *o = mm_arena_alloc(&qp->q->arena, sizeof(*o));
  if (!o) return mm_iam_policy_free(p), fail(qp, MM_ENOMEM, "out of memory");
  o->p = p, o->next = qp->q->owned, qp->q->owned = o;
  *out = p;
  return MM_OK;
}

/* A policy or an array of them into a list. */
static int compile_list(qparse *qp, const mm_json_value *v, mm_iam_kind kind,
                        mm_iam_policy_list *out) {
  bool list = mm_json_is_array(v);
  size_t n = list ? mm_json_len(v) : 1;
  if (n > MM_IAM_MAX_POLICIES) return fail(qp, MM_ELIMIT, "too many policies");
  const mm_iam_policy **items = mm_arena_calloc(&qp->q->arena, n ? n : 1, sizeof(*items));
  if (!items) return fail(qp, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *x = v;
  int rc = MM_OK;
  for (size_t i = 0; i < n && rc == MM_OK; i++) {
    if (list) mm_json_iter_next(&it, NULL, &x);
    size_t old = list ? mm__iam_path_index(qp->path, sizeof(qp->path), i) : strlen(qp->path);
    rc = compile_one(qp, x, kind, &items[i]);
    qp->path[old] = '\0';
  }
  out->items = items;
  out->count = n;
  return rc;
}

/* [[P...], [P...]]: one list per level, root first. */
static int compile_levels(qparse *qp, const mm_json_value *v, mm_iam_kind kind,
                          const mm_iam_policy_list **out, size_t *levels) {
  if (!mm_json_is_array(v)) return fail(qp, MM_EINVAL, "an array of levels (root first)");
  size_t n = mm_json_len(v);
  mm_iam_policy_list *lv = mm_arena_calloc(&qp->q->arena, n ? n : 1, sizeof(*lv));
  if (!lv) return fail(qp, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *x;
  int rc = MM_OK;
  for (size_t i = 0; rc == MM_OK && mm_json_iter_next(&it, NULL, &x); i++) {
    size_t old = mm__iam_path_index(qp->path, sizeof(qp->path), i);
    rc = compile_list(qp, x, kind, &lv[i]);
    qp->path[old] = '\0';
  }
  *out = lv;
  *levels = n;
  return rc;
}

static int single(qparse *qp, const mm_json_value *v, mm_iam_kind kind,
                  const mm_iam_policy **slot) {
  if (*slot) return fail(qp, MM_EINVAL, "a resource policy was already given");
  return compile_one(qp, v, kind, slot);
}

static int policies_member(qparse *qp, mm_str k, const mm_json_value *v, void *arg) {
  mm_iam_policies *pol = &qp->q->pol;
  (void)arg;
  if (mm_str_eq(k, MM_STR("identity")))
    return compile_list(qp, v, MM_IAM_KIND_IDENTITY, &pol->identity);
  if (mm_str_eq(k, MM_STR("resource"))) return single(qp, v, MM_IAM_KIND_RESOURCE, &pol->resource);
  if (mm_str_eq(k, MM_STR("trust")) || mm_str_eq(k, MM_STR("keyPolicy"))) {
    pol->resource_must_allow = true;
    return single(qp, v, MM_IAM_KIND_RESOURCE, &pol->resource);
  }
  if (mm_str_eq(k, MM_STR("boundary")))
    return compile_one(qp, v, MM_IAM_KIND_BOUNDARY, &pol->boundary);
  if (mm_str_eq(k, MM_STR("session")))
    return compile_one(qp, v, MM_IAM_KIND_SESSION, &pol->session);
  if (mm_str_eq(k, MM_STR("vpcEndpoint")))
    return compile_one(qp, v, MM_IAM_KIND_VPC_ENDPOINT, &pol->vpc_endpoint);
  if (mm_str_eq(k, MM_STR("scp")))
    return compile_levels(qp, v, MM_IAM_KIND_SCP, &pol->scp, &pol->scp_levels);
  if (mm_str_eq(k, MM_STR("rcp")))
    return compile_levels(qp, v, MM_IAM_KIND_RCP, &pol->rcp, &pol->rcp_levels);
  if (mm_str_eq(k, MM_STR("resourceMustAllow"))) return read_bool(qp, v, &pol->resource_must_allow);
  return fail(qp, MM_EINVAL,
              "unknown policy kind (identity, resource, trust, keyPolicy, boundary, "
              "session, scp, rcp, vpcEndpoint)");
}

static int read_policies(qparse *qp, const mm_json_value *v) {
  if (!mm_json_is_object(v)) return fail(qp, MM_EINVAL, "policies must be an object");
  return each_member(qp, v, policies_member, NULL);
}

/* ---- the query ------------------------------------------------------------------------ */

/* Members a test case or a request file may carry besides the request. */
static bool ignored_member(mm_str k) {
  static const char *const names[] = {"expect", "doc", "description", "name", "comment", "id"};
  for (size_t i = 0; i < MM_ARRAY_LEN(names); i++)
    if (mm_str_eq(k, mm_str_from(names[i]))) return true;
  return false;
}

static int query_member(qparse *qp, mm_str k, const mm_json_value *v, void *arg) {
  (void)arg;
  if (mm_str_eq(k, MM_STR("principal"))) return read_principal(qp, v);
  if (mm_str_eq(k, MM_STR("action"))) return dup_str(qp, v, &qp->q->req.action);
  if (mm_str_eq(k, MM_STR("resource"))) return read_resource(qp, v);
  if (mm_str_eq(k, MM_STR("context"))) return read_context(qp, v);
  if (mm_str_eq(k, MM_STR("policies"))) return read_policies(qp, v);
  if (ignored_member(k)) return MM_OK;
  return fail(qp, MM_EINVAL, "unknown request field");
}

/* Upper bound of context entries: every key, tag and ouPath. */
static size_t context_capacity(const mm_json_value *root) {
  const mm_json_value *p = mm_json_get(root, "principal"), *r = mm_json_get(root, "resource");
  return mm_json_len(mm_json_get(root, "context")) + mm_json_len(mm_json_get(p, "tags")) +
         mm_json_len(mm_json_get(r, "tags")) + 1;
}

static int query_fill(qparse *qp, const mm_json_value *root) {
  mm_iam_query *q = qp->q;
  if (!mm_json_is_object(root)) return fail(qp, MM_EINVAL, "a request must be a JSON object");
  q->ctx_cap = context_capacity(root);
  if (q->ctx_cap > MM_IAM_MAX_CONTEXT) return fail(qp, MM_ELIMIT, "too many context keys");
  q->ctx = mm_arena_calloc(&q->arena, q->ctx_cap, sizeof(*q->ctx));
  if (!q->ctx) return fail(qp, MM_ENOMEM, "out of memory");
  q->req.context = q->ctx;
  q->req.resource.arn = MM_STR("*");
  int rc = each_member(qp, root, query_member, NULL);
  if (rc == MM_OK && q->req.action.len == 0) rc = fail(qp, MM_EINVAL, "the request has no action");
  return rc;
}

mm_iam_query *mm_iam_query_parse(const mm_json_value *root, mm_error *err) {
  mm_iam_query *q = mm_calloc(1, sizeof(*q));
  if (!q) {
    mm__iam_fail(err, MM_ENOMEM, "", "out of memory");
    return NULL;
  }
  mm_arena_init(&q->arena, 4096);
  qparse qp = {q, "$", err};
  if (query_fill(&qp, root) != MM_OK) {
    mm_iam_query_free(q);
    q = NULL;
  }
  return q;
}

const mm_iam_request *mm_iam_query_request(const mm_iam_query *q) { return &q->req; }
const mm_iam_policies *mm_iam_query_policies(const mm_iam_query *q) { return &q->pol; }

void mm_iam_query_free(mm_iam_query *q) {
  if (!q) return;
  for (owned_policy *o = q->owned; o; o = o->next) mm_iam_policy_free(o->p);
  mm_arena_destroy(&q->arena);
  mm_free(q);
}

const char *mm_iam_principal_type_name(mm_iam_principal_type t) {
  static const char *const names[] = {"anonymous",      "root",    "user",     "role",
                                      "federated-user", "service", "federated"};
  return (unsigned)t < MM_ARRAY_LEN(names) ? names[t] : "anonymous";
}
