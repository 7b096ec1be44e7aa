/*
 * principal.c - the Principal and NotPrincipal elements: parsing every form
 * ("*", {"AWS": ...}, {"Service": ...}, {"Federated": ...},
 * {"CanonicalUser": ...}, each a string or an array) and deciding how a
 * statement names the caller.
 *
 * Implements "AWS JSON policy elements: Principal"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)
 * and "NotPrincipal"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html):
 *  - an account id or arn:aws:iam::ID:root names the whole account, which
 *    in the account's own resource policies delegates to its identity
 *    policies;
 *  - a role ARN names every session of the role; a role-session ARN, a user
 *    ARN, a federated-user ARN, a service, a federated provider or a
 *    canonical user names that caller itself; "*" names everyone,
 *    anonymous callers included. No other wildcard is allowed in a principal;
 *  - NotPrincipal: AWS checks the account, then the role, then the session,
 *    so a caller escapes only when every one of those layers is listed; and
 *    with Deny it "will always deny any IAM principal that has a
 *    permissions boundary policy attached" (access_policies_boundaries.html).
 */
#include "iam_int.h"

#include <string.h>

/* ---- parsing --------------------------------------------------------------------- */

static bool is_account_id(mm_str s) {
  if (s.len != 12) return false;
  for (size_t i = 0; i < 12; i++)
    if (s.ptr[i] < '0' || s.ptr[i] > '9') return false;
  return true;
}

/* arn:PARTITION:iam::ACCOUNT:root -> the account id, else empty. */
static mm_str root_arn_account(mm_str s) {
  if (!mm_str_has_prefix(s, MM_STR("arn:")) || !mm_str_has_suffix(s, MM_STR(":root")))
    return (mm_str){NULL, 0};
  const char *iam = memmem(s.ptr, s.len, ":iam::", 6);
  if (!iam) return (mm_str){NULL, 0};
  mm_str acct = {iam + 6, (size_t)(s.ptr + s.len - 5 - (iam + 6))};
  return is_account_id(acct) ? acct : (mm_str){NULL, 0};
}

typedef struct principal_build {
  mm_arena *a;                    /* the policy's arena */
  mm__iam_principal_entry *items; /* entries so far */
  size_t n, cap;                  /* used, allocated */
  bool any;                       /* "*" seen */
} principal_build;

static int add_entry(principal_build *b, mm__iam_principal_kind kind, mm_str v, char *path,
                     mm_error *err) {
  if (v.len == 0) return mm__iam_fail(err, MM_EINVAL, path, "empty principal");
  if (kind == MM__IAM_P_AWS && v.len == 1 && v.ptr[0] == '*') return b->any = true, MM_OK;
  if (memchr(v.ptr, '*', v.len) || memchr(v.ptr, '?', v.len))
    return mm__iam_fail(err, MM_EINVAL, path,
                        "a principal cannot hold a wildcard other than \"*\" alone");
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 4;
    mm__iam_principal_entry *grown = mm_arena_calloc(b->a, cap, sizeof(*grown));
    if (!grown) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
    if (b->n) memcpy(grown, b->items, b->n * sizeof(*grown));
    b->items = grown, b->cap = cap;
  }
  mm__iam_principal_entry *e = &b->items[b->n];
  mm_str acct = root_arn_account(v);
  e->kind = kind;
  e->account = kind == MM__IAM_P_AWS && (is_account_id(v) || acct.len);
  if (mm__iam_dup(b->a, acct.len ? acct : v, &e->value) != MM_OK)
    return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  b->n++;
  return MM_OK;
}

static int add_values(principal_build *b, mm__iam_principal_kind kind, const mm_json_value *v,
                      char *path, size_t size, mm_error *err) {
  if (mm_json_is_string(v)) return add_entry(b, kind, mm_json_get_str(v), path, err);
  if (!mm_json_is_array(v) || mm_json_len(v) == 0)
    return mm__iam_fail(err, MM_EINVAL, path, "must be a string or a non-empty array of strings");
  if (mm_json_len(v) > MM_IAM_MAX_VALUES)
    return mm__iam_fail(err, MM_ELIMIT, path, "too many principals (limit %d)", MM_IAM_MAX_VALUES);
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *e;
  int rc = MM_OK;
  for (size_t i = 0; rc == MM_OK && mm_json_iter_next(&it, NULL, &e); i++) {
    size_t old = mm__iam_path_index(path, size, i);
    rc = mm_json_is_string(e) ? add_entry(b, kind, mm_json_get_str(e), path, err)
                              : mm__iam_fail(err, MM_EINVAL, path, "principals must be strings");
    path[old] = '\0';
  }
  return rc;
}

static bool principal_kind(mm_str key, mm__iam_principal_kind *kind) {
  static const struct {
    const char *name;
    mm__iam_principal_kind kind;
  } rows[] = {
      {"AWS", MM__IAM_P_AWS},
      {"Service", MM__IAM_P_SERVICE},
      {"Federated", MM__IAM_P_FEDERATED},
      {"CanonicalUser", MM__IAM_P_CANONICAL},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++)
    if (mm_str_eq(key, mm_str_from(rows[i].name))) return *kind = rows[i].kind, true;
  return false;
}

int mm__iam_principal_parse(mm_arena *a, const mm_json_value *v, bool *any_out,
                            mm__iam_principal_entry **out, size_t *count, char *path,
                            size_t path_len, mm_error *err) {
  principal_build b = {a, NULL, 0, 0, false};
  int rc = MM_OK;
  if (mm_json_is_string(v)) {
    if (!mm_str_eq(mm_json_get_str(v), MM_STR("*")))
      return mm__iam_fail(err, MM_EINVAL, path,
                          "a principal string must be \"*\"; name others as {\"AWS\": ...}");
    b.any = true;
  } else if (!mm_json_is_object(v) || mm_json_len(v) == 0) {
    return mm__iam_fail(err, MM_EINVAL, path, "a principal must be \"*\" or a non-empty object");
  }
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *val;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &val)) {
    mm_str key = mm_json_get_str(k);
    mm__iam_principal_kind kind;
    size_t old = mm__iam_path_key(path, path_len, key.ptr, key.len);
    rc = principal_kind(key, &kind)
             ? add_values(&b, kind, val, path, path_len, err)
             : mm__iam_fail(err, MM_EINVAL, path,
                            "unknown principal type (AWS, Service, Federated, CanonicalUser)");
    path[old] = '\0';
  }
  *any_out = b.any;
  *out = b.items;
  *count = b.n;
  return rc;
}

/* ---- matching -------------------------------------------------------------------- */

static bool has_account(mm_iam_principal_type t) {
  return t == MM_IAM_PRINCIPAL_ROOT || t == MM_IAM_PRINCIPAL_USER || t == MM_IAM_PRINCIPAL_ROLE ||
         t == MM_IAM_PRINCIPAL_FEDERATED_USER;
}

/* How one entry names the caller. */
static mm__iam_match entry_match(const mm__iam_eval *ev, const mm__iam_principal_entry *e) {
  const mm_iam_principal *p = &ev->req->principal;
  switch (e->kind) {
    case MM__IAM_P_AWS:
      if (e->account)
        return has_account(p->type) && mm_str_eq(e->value, ev->account) ? MM__IAM_MATCH_ACCOUNT
                                                                        : MM__IAM_MATCH_NONE;
      if (!has_account(p->type)) return MM__IAM_MATCH_NONE;
      /* The role first: a caller given by its role ARN alone is still a
       * session of that role, limited by its boundary. */
      if (p->type == MM_IAM_PRINCIPAL_ROLE && mm_str_eq(e->value, ev->role_arn))
        return MM__IAM_MATCH_ROLE;
      if (p->type != MM_IAM_PRINCIPAL_ROOT && mm_str_eq(e->value, p->arn))
        return MM__IAM_MATCH_DIRECT;
      return MM__IAM_MATCH_NONE;
    case MM__IAM_P_SERVICE:
      return p->type == MM_IAM_PRINCIPAL_SERVICE && mm_str_ieq(e->value, p->arn)
                 ? MM__IAM_MATCH_DIRECT
                 : MM__IAM_MATCH_NONE;
    case MM__IAM_P_FEDERATED:
      return p->type == MM_IAM_PRINCIPAL_FEDERATED && mm_str_eq(e->value, p->arn)
                 ? MM__IAM_MATCH_DIRECT
                 : MM__IAM_MATCH_NONE;
    case MM__IAM_P_CANONICAL:
      return p->canonical_user.len && mm_str_eq(e->value, p->canonical_user) ? MM__IAM_MATCH_DIRECT
                                                                             : MM__IAM_MATCH_NONE;
    case MM__IAM_P_ANY:
      return MM__IAM_MATCH_DIRECT;
  }
  return MM__IAM_MATCH_NONE;
}

static mm__iam_match best_match(const mm__iam_eval *ev, const mm__iam_stmt *s) {
  if (s->principal_any) return MM__IAM_MATCH_DIRECT;
  mm__iam_match best = MM__IAM_MATCH_NONE;
  for (size_t i = 0; i < s->n_principals; i++) {
    mm__iam_match m = entry_match(ev, &s->principals[i]);
    if (m > best) best = m;
  }
  return best;
}

/* Is one layer of the caller (its account, role or own ARN) listed? */
static bool layer_listed(const mm__iam_eval *ev, const mm__iam_stmt *s, mm__iam_match layer) {
  for (size_t i = 0; i < s->n_principals; i++)
    if (entry_match(ev, &s->principals[i]) == layer) return true;
  return false;
}

/* NotPrincipal: is the caller excepted? Each layer AWS checks must be listed. */
static bool not_principal_excepts(const mm__iam_eval *ev, const mm__iam_stmt *s) {
  const mm_iam_principal *p = &ev->req->principal;
  if (s->principal_any) return true;
  if (p->type == MM_IAM_PRINCIPAL_ANONYMOUS) return false;
  if (!has_account(p->type)) return layer_listed(ev, s, MM__IAM_MATCH_DIRECT);
  if (!layer_listed(ev, s, MM__IAM_MATCH_ACCOUNT)) return false;
  if (p->type == MM_IAM_PRINCIPAL_ROOT) return true;
  if (p->type == MM_IAM_PRINCIPAL_ROLE && !layer_listed(ev, s, MM__IAM_MATCH_ROLE)) return false;
  bool sessionless = p->type == MM_IAM_PRINCIPAL_ROLE && mm_str_eq(p->arn, ev->role_arn);
  return sessionless || layer_listed(ev, s, MM__IAM_MATCH_DIRECT);
}

mm__iam_match mm__iam_principal_match(const mm__iam_eval *ev, const mm__iam_stmt *s) {
  if (!s->not_principal) return best_match(ev, s);
  mm_iam_principal_type t = ev->req->principal.type;
  bool bounded = ev->boundary_present && (t == MM_IAM_PRINCIPAL_USER || t == MM_IAM_PRINCIPAL_ROLE);
  if (!s->allow && bounded) return MM__IAM_MATCH_DIRECT;
  return not_principal_excepts(ev, s) ? MM__IAM_MATCH_NONE : MM__IAM_MATCH_DIRECT;
}
