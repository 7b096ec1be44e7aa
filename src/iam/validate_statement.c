/*
 * validate_statement.c - the validator's grammar checks: the document
 * (Version, Id, Statement), each statement's elements (Sid, Effect, the
 * Principal/Action/Resource pairs), what each policy type requires or
 * forbids, Sid uniqueness, redundant statements and the size quotas.
 *
 * Sources: "IAM policy validation check reference" (the codes and
 * messages), "IAM JSON policy element reference"
 * (reference_policies_elements.html), "IAM and AWS STS quotas" (identity
 * policies: 6,144 characters without white space), "Quotas for AWS
 * Organizations" (SCPs and RCPs: 5,120 characters).
 */
#include "validate_int.h"

#include "mamori/hash.h"

#include <string.h>

/* Quotas (characters). AWS's resource policies differ per service; 20,480
 * is Amazon S3's bucket policy quota, the most common resource policy. */
#define QUOTA_IDENTITY 6144
#define QUOTA_RESOURCE 20480
#define QUOTA_ORGS     5120

static const char *json_type_word(const mm_json_value *v) {
  switch (mm_json_type_of(v)) {
    case MM_JSON_OBJECT:
      return "Object";
    case MM_JSON_ARRAY:
      return "Array";
    case MM_JSON_STRING:
      return "String";
    case MM_JSON_NUMBER:
      return "Number";
    case MM_JSON_BOOL:
      return "Boolean";
    default:
      return "Null";
  }
}

static void type_mismatch(mm__iam_vctx *x, const mm__iam_vnode *n, const char *want) {
  (void)json_type_word;
  mm__iam_vfind(x, MM__IAM_C_DATA_TYPE_MISMATCH, n, false, NULL,
                "The text does not match the expected JSON data type %s.", want);
}

/* ---- statements ------------------------------------------------------------------ */

typedef struct slot_row {
  const char *name; /* element */
  int slot;         /* 0 sid, 1 effect, 2 principal, 3 action, 4 resource, 5 condition */
  bool negated;     /* the Not form */
} slot_row;

static const slot_row slot_rows[] = {
    {"Sid", 0, false},         {"Effect", 1, false},     {"Principal", 2, false},
    {"NotPrincipal", 2, true}, {"Action", 3, false},     {"NotAction", 3, true},
    {"Resource", 4, false},    {"NotResource", 4, true}, {"Condition", 5, false},
};

static void put_slot(mm__iam_vctx *x, mm__iam_vstmt *s, const slot_row *r,
                     const mm__iam_vnode *kid) {
  const mm__iam_vnode **slots[] = {&s->sid,    &s->effect,   &s->principal,
                                   &s->action, &s->resource, &s->condition};
  bool *neg[] = {NULL, NULL, &s->not_principal, &s->not_action, &s->not_resource, NULL};
  const mm__iam_vnode **slot = slots[r->slot];
  if (*slot && neg[r->slot] && *neg[r->slot] != r->negated) {
    const char *a = slot_rows[r->slot == 2 ? 2 : r->slot == 3 ? 4 : 6].name;
    const char *b = slot_rows[r->slot == 2 ? 3 : r->slot == 3 ? 5 : 7].name;
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_ELEMENT_COMBINATION, kid, true, NULL,
                  "The policy elements %s and %s can not be used in the same statement. Remove "
                  "one of these elements.",
                  a, b);
    return;
  }
  *slot = kid;
  if (neg[r->slot]) *neg[r->slot] = r->negated;
}

static void split_statement(mm__iam_vctx *x, const mm__iam_vnode *st, mm__iam_vstmt *s) {
  memset(s, 0, sizeof(*s));
  s->node = st;
  for (uint32_t i = 0; i < st->n; i++) {
    const mm__iam_vnode *kid = &st->kids[i];
    const slot_row *r = NULL;
    for (size_t j = 0; j < MM_ARRAY_LEN(slot_rows) && !r; j++)
      if (mm_str_eq(kid->key, mm_str_from(slot_rows[j].name))) r = &slot_rows[j];
    if (r)
      put_slot(x, s, r, kid);
    else
      mm__iam_vfind(x, MM__IAM_C_INVALID_POLICY_ELEMENT, kid, true, NULL,
                    "The policy element %.*s is not valid.",
                    (int)(kid->key.len > 80 ? 80 : kid->key.len), kid->key.ptr);
  }
}

static bool alnum_only(mm_str s) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

static void check_sid(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->sid) return;
  if (!mm_json_is_string(s->sid->v)) {
    type_mismatch(x, s->sid, "String");
    return;
  }
  mm_str sid = mm_json_get_str(s->sid->v);
  if (sid.len == 0)
    mm__iam_vfind(x, MM__IAM_C_EMPTY_SID_VALUE, s->sid, false, NULL,
                  "Add a value to the empty string in the Sid element.");
  else if (x->type != MM_IAM_POLICY_RESOURCE && !alnum_only(sid))
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_SID, s->sid, false, NULL,
                  "Update the characters in the Sid element to use one of the following character "
                  "types: [a-z, A-Z, 0-9]");
}

static void check_effect(mm__iam_vctx *x, mm__iam_vstmt *s) {
  if (!s->effect) {
    mm__iam_vfind(x, MM__IAM_C_MISSING_EFFECT, s->node, false, NULL,
                  "Add an Effect element to the policy statement with a value of Allow or "
                  "Deny.");
    return;
  }
  if (!mm_json_is_string(s->effect->v)) {
    type_mismatch(x, s->effect, "String");
    return;
  }
  mm_str e = mm_json_get_str(s->effect->v);
  s->allow = mm_str_eq(e, MM_STR("Allow"));
  s->deny = mm_str_eq(e, MM_STR("Deny"));
  if (!s->allow && !s->deny)
    mm__iam_vfind(x, MM__IAM_C_INVALID_EFFECT, s->effect, false, NULL,
                  "The effect %.*s is not valid. Use Allow or Deny.",
                  (int)(e.len > 80 ? 80 : e.len), e.ptr);
}

/* A role trust statement: every action is sts:AssumeRole* or one of the
 * session actions a trust policy grants with it. */
static bool trust_statement(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->action || s->not_action) return false;
  mm__iam_vlist l = mm__iam_vstrings(x, s->action);
  bool assume = false;
  for (size_t i = 0; i < l.n; i++) {
    mm_str a = mm_json_get_str(l.items[i]->v);
    bool ar = mm__iam_vprefix(a, "sts:AssumeRole");
    if (!ar && !mm_str_ieq(a, MM_STR("sts:TagSession")) &&
        !mm_str_ieq(a, MM_STR("sts:SetSourceIdentity")) && !mm_str_ieq(a, MM_STR("sts:SetContext")))
      return false;
    assume |= ar;
  }
  return assume;
}

/* What each policy type requires of Principal and Resource. */
static void check_required(mm__iam_vctx *x, const mm__iam_vstmt *s) {
  if (!s->action)
    mm__iam_vfind(x, MM__IAM_C_MISSING_ACTION, s->node, false, NULL,
                  "Add an Action or NotAction element to the policy statement.");
  if (!s->resource && !(x->type == MM_IAM_POLICY_RESOURCE && s->trust))
    mm__iam_vfind(x, MM__IAM_C_MISSING_RESOURCE, s->node, false, NULL,
                  "Add a Resource or NotResource element to the policy statement.");
  bool wants = x->type == MM_IAM_POLICY_RESOURCE || x->type == MM_IAM_POLICY_RCP;
  if (wants && !s->principal)
    mm__iam_vfind(x, MM__IAM_C_MISSING_PRINCIPAL, s->node, false, NULL,
                  "Add a Principal element to the policy statement.");
  if (!s->principal) return;
  if (x->type == MM_IAM_POLICY_IDENTITY)
    mm__iam_vfind(x, MM__IAM_C_UNSUPPORTED_PRINCIPAL, s->principal, true, NULL,
                  "The policy type IDENTITY_POLICY does not support the Principal element. Remove "
                  "the Principal element.");
  if (x->type == MM_IAM_POLICY_SCP)
    mm__iam_vfind(x, MM__IAM_C_SCP_SYNTAX_ERROR_PRINCIPAL, s->principal, true, NULL,
                  "SCPs do not support specifying principals. Remove the Principal or NotPrincipal "
                  "element.");
}

static void check_statement(mm__iam_vctx *x, const mm__iam_vnode *st, mm__iam_vstmt *s) {
  if (!mm_json_is_object(st->v)) {
    memset(s, 0, sizeof(*s));
    {
      type_mismatch(x, st, "Object");
      return;
    }
  }
  split_statement(x, st, s);
  check_sid(x, s);
  check_effect(x, s);
  s->trust = trust_statement(x, s);
  check_required(x, s);
  mm__iam_vcheck_actions(x, s);
  mm__iam_vcheck_resources(x, s);
  mm__iam_vcheck_passrole(x, s);
  mm__iam_vcheck_principal(x, s);
  mm__iam_vcheck_conditions(x, s);
}

/* ---- across statements -------------------------------------------------------------- */

/* Repeated Sids, found through a map of the first statement of each. */
static void check_sids(mm__iam_vctx *x, const mm__iam_vstmt *st, size_t n) {
  bool required = x->type != MM_IAM_POLICY_RESOURCE;
  mm_map seen;
  mm_map_init(&seen, false);
  for (size_t i = 0; i < n && x->status == MM_OK; i++) {
    if (!st[i].sid || !mm_json_is_string(st[i].sid->v)) continue;
    mm_str a = mm_json_get_str(st[i].sid->v);
    const mm__iam_vstmt *first = a.len ? mm_map_get(&seen, a) : NULL;
    if (!first && a.len && mm_map_put(&seen, a, (void *)&st[i], NULL) != MM_OK)
      x->status = MM_ENOMEM;
    if (!first) continue;
    if (required)
      mm__iam_vfind(x, MM__IAM_C_UNIQUE_SIDS_REQUIRED, st[i].sid, false, first->sid,
                    "Duplicate statement IDs are not supported for this policy type. Update the "
                    "Sid value.");
    else
      mm__iam_vfind(x, MM__IAM_C_UNIQUE_SIDS_RECOMMENDED, st[i].sid, false, first->sid,
                    "We recommend that you use statement IDs that are unique to your policy. "
                    "Update the Sid value.");
  }
  mm_map_free(&seen);
}

/* Two statements are the same when all their members but Sid are equal. */
static bool same_statement(const mm__iam_vnode *a, const mm__iam_vnode *b) {
  if (!mm_json_is_object(a->v) || !mm_json_is_object(b->v)) return false;
  uint32_t na = 0, nb = 0;
  for (uint32_t i = 0; i < a->n; i++) {
    if (mm_str_eq(a->kids[i].key, MM_STR("Sid"))) continue;
    na++;
    const mm__iam_vnode *o = mm__iam_vchild(b, a->kids[i].key.ptr);
    if (!o || !mm_str_eq(o->key, a->kids[i].key) || !mm_json_equal(o->v, a->kids[i].v))
      return false;
  }
  for (uint32_t i = 0; i < b->n; i++) nb += !mm_str_eq(b->kids[i].key, MM_STR("Sid"));
  return na == nb;
}

static void check_redundant_statements(mm__iam_vctx *x, const mm__iam_vstmt *st, size_t n) {
  if (n > MM_IAM_VALIDATE_MAX_PAIRWISE) return;
  for (size_t i = 1; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (st[i].node && st[j].node && same_statement(st[i].node, st[j].node)) {
        mm__iam_vfind(x, MM__IAM_C_REDUNDANT_STATEMENT, st[i].node, false, st[j].node,
                      "The statements are redundant because they provide identical permissions. "
                      "Update the policy to remove the redundant statement.");
        break;
      }
}

/* ---- the document ------------------------------------------------------------------ */

static size_t count_chars(const char *s, size_t len, bool skip_space) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c & 0xc0) == 0x80) continue;
    if (skip_space && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) continue;
    n++;
  }
  return n;
}

static void check_size(mm__iam_vctx *x, const mm__iam_vnode *root) {
  bool orgs = x->type == MM_IAM_POLICY_SCP || x->type == MM_IAM_POLICY_RCP;
  size_t n = count_chars(x->text, x->len, !orgs);
  if (x->type == MM_IAM_POLICY_SCP && n > QUOTA_ORGS)
    mm__iam_vfind(x, MM__IAM_C_POLICY_SIZE_EXCEEDS_SCP_QUOTA, root, false, NULL,
                  "The %zu characters in the service control policy (SCP) exceed the %d character "
                  "maximum for SCPs. We recommend that you use multiple granular policies.",
                  n, QUOTA_ORGS);
  if (x->type == MM_IAM_POLICY_RCP && n > QUOTA_ORGS)
    mm__iam_vfind(x, MM__IAM_C_POLICY_SIZE_EXCEEDS_RCP_QUOTA, root, false, NULL,
                  "The %zu characters in the resource control policy (RCP) exceed the %d character "
                  "maximum for RCPs. We recommend that you use multiple granular policies.",
                  n, QUOTA_ORGS);
  if (x->type == MM_IAM_POLICY_IDENTITY && n > QUOTA_IDENTITY)
    mm__iam_vfind(x, MM__IAM_C_POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA, root, false, NULL,
                  "The %zu characters in the identity policy, excluding whitespace, exceed the %d "
                  "character maximum for inline and managed policies. We recommend that you use "
                  "multiple granular policies.",
                  n, QUOTA_IDENTITY);
  if (x->type == MM_IAM_POLICY_RESOURCE && n > QUOTA_RESOURCE)
    mm__iam_vfind(x, MM__IAM_C_POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA, root, false, NULL,
                  "The %zu characters in the resource policy exceed the %d character maximum for "
                  "resource policies. We recommend that you use multiple granular policies.",
                  n, QUOTA_RESOURCE);
}

static void check_version(mm__iam_vctx *x, const mm__iam_vnode *root) {
  const mm__iam_vnode *v = mm__iam_vchild(root, "Version");
  x->no_version = v == NULL;
  if (!v) {
    mm__iam_vfind(x, MM__IAM_C_MISSING_VERSION, root, false, NULL,
                  "We recommend that you specify the Version element to help you with "
                  "debugging permission issues.");
    return;
  }
  if (!mm_json_is_string(v->v)) {
    type_mismatch(x, v, "String");
    return;
  }
  mm_str s = mm_json_get_str(v->v);
  x->variables = mm_str_eq(s, MM_STR("2012-10-17"));
  x->version_2008 = mm_str_eq(s, MM_STR("2008-10-17"));
  if (!x->variables && !x->version_2008)
    mm__iam_vfind(x, MM__IAM_C_INVALID_VERSION, v, false, NULL,
                  "The version %.*s is not valid. Use one of the following versions: 2012-10-17, "
                  "2008-10-17",
                  (int)(s.len > 40 ? 40 : s.len), s.ptr);
}

static void check_top_members(mm__iam_vctx *x, const mm__iam_vnode *root) {
  for (uint32_t i = 0; i < root->n; i++) {
    const mm__iam_vnode *k = &root->kids[i];
    if (mm_str_eq(k->key, MM_STR("Id"))) {
      if (!mm_json_is_string(k->v)) type_mismatch(x, k, "String");
    } else if (!mm_str_eq(k->key, MM_STR("Version")) && !mm_str_eq(k->key, MM_STR("Statement"))) {
      mm__iam_vfind(x, MM__IAM_C_INVALID_POLICY_ELEMENT, k, true, NULL,
                    "The policy element %.*s is not valid.",
                    (int)(k->key.len > 80 ? 80 : k->key.len), k->key.ptr);
    }
  }
}

static void check_statements(mm__iam_vctx *x, const mm__iam_vnode *root) {
  const mm__iam_vnode *st = mm__iam_vchild(root, "Statement");
  if (!st || (mm_json_is_array(st->v) && st->n == 0)) {
    mm__iam_vfind(x, MM__IAM_C_MISSING_STATEMENT, st ? st : root, false, NULL,
                  "Add a statement to the policy");
    return;
  }
  if (!mm_json_is_array(st->v) && !mm_json_is_object(st->v)) {
    type_mismatch(x, st, "Array");
    return;
  }
  bool one = mm_json_is_object(st->v);
  size_t n = one ? 1 : st->n;
  mm__iam_vstmt *all = mm_arena_calloc(x->tmp, n, sizeof(*all));
  if (!all) {
    x->status = MM_ENOMEM;
    return;
  }
  for (size_t i = 0; i < n && x->status == MM_OK; i++)
    check_statement(x, one ? st : &st->kids[i], &all[i]);
  check_sids(x, all, n);
  check_redundant_statements(x, all, n);
}

void mm__iam_vcheck_document(mm__iam_vctx *x, const mm__iam_vnode *root) {
  if (!mm_json_is_object(root->v)) {
    type_mismatch(x, root, "Object");
    return;
  }
  check_version(x, root);
  check_top_members(x, root);
  check_statements(x, root);
  check_size(x, root);
}
