/*
 * policy.c - compiling an IAM policy document: the top-level elements
 * (Version, Id, Statement) and each statement's Sid, Effect, Action /
 * NotAction and Resource / NotResource. Principal and Condition are parsed
 * by principal.c and condition.c. Every error names the JSON path of the
 * offending part.
 *
 * Implements the grammar of "IAM JSON policy element reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html)
 * and "Grammar of the IAM JSON policy language"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 * Version: 2012-10-17 enables policy variables; 2008-10-17, or no Version,
 * makes ${...} literal text (reference_policies_elements_version.html).
 */
#include "iam_int.h"

#include "mamori/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- paths and errors ------------------------------------------------------- */

static bool plain_name(const char *key, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++) {
    char c = key[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

size_t mm__iam_path_key(char *path, size_t size, const char *key, size_t len) {
  size_t old = strlen(path);
  int n = len > 100 ? 100 : (int)len; /* a path stays readable: keys are cut */
  if (plain_name(key, len))
    snprintf(path + old, size - old, ".%.*s", n, key);
  else
    snprintf(path + old, size - old, "[\"%.*s\"]", n, key);
  return old;
}

size_t mm__iam_path_index(char *path, size_t size, size_t i) {
  size_t old = strlen(path);
  snprintf(path + old, size - old, "[%zu]", i);
  return old;
}

int mm__iam_fail(mm_error *err, int code, const char *path, const char *fmt, ...) {
  if (!err) return code;
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  mm_error_set(err, code, "%s", msg);
  mm_error_set_path(err, path);
  return code;
}

int mm__iam_dup(mm_arena *a, mm_str in, mm_str *out) {
  char *c = mm_arena_strndup(a, in.ptr ? in.ptr : "", in.len);
  if (!c) return MM_ENOMEM;
  *out = (mm_str){c, in.len};
  return MM_OK;
}

/* ---- names ------------------------------------------------------------------- */

const char *mm_iam_kind_name(mm_iam_kind kind) {
  static const char *const names[] = {"none",    "identity", "resource", "boundary",
                                      "session", "scp",      "rcp",      "vpc-endpoint"};
  return (unsigned)kind < MM_ARRAY_LEN(names) ? names[kind] : "none";
}

const char *mm_iam_decision_name(mm_iam_decision d) {
  if (d == MM_IAM_ALLOWED) return "Allowed";
  if (d == MM_IAM_EXPLICIT_DENY) return "ExplicitlyDenied";
  return "ImplicitlyDenied";
}

/* ---- string lists ------------------------------------------------------------- */

/* A string or a non-empty array of strings (Action, Resource): the values in
 * *items (borrowed from the DOM), their count in *n. */
static int string_list(mm_arena *a, const mm_json_value *v, const char *what, char *path,
                       const mm_json_value ***items, size_t *n, mm_error *err) {
  if (mm_json_is_string(v)) {
    *items = mm_arena_alloc(a, sizeof(**items));
    if (!*items) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
    (*items)[0] = v;
    *n = 1;
    return MM_OK;
  }
  if (!mm_json_is_array(v))
    return mm__iam_fail(err, MM_EINVAL, path, "%s must be a string or an array of strings", what);
  size_t count = mm_json_len(v);
  if (count == 0) return mm__iam_fail(err, MM_EINVAL, path, "%s must not be empty", what);
  if (count > MM_IAM_MAX_VALUES)
    return mm__iam_fail(err, MM_ELIMIT, path, "%s has %zu entries (limit %d)", what, count,
                        MM_IAM_MAX_VALUES);
  *items = mm_arena_calloc(a, count, sizeof(**items));
  if (!*items) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    if (!mm_json_is_string(e)) {
      size_t old = mm__iam_path_index(path, MM_ERROR_PATH_MAX, i);
      int rc = mm__iam_fail(err, MM_EINVAL, path, "%s entries must be strings, not %s", what,
                            mm_json_type_name(mm_json_type_of(e)));
      path[old] = '\0';
      return rc;
    }
    (*items)[i] = e;
  }
  *n = count;
  return MM_OK;
}

/* ---- Action / NotAction ------------------------------------------------------------ */

static bool action_shape_ok(mm_str s) {
  if (s.len == 1 && s.ptr[0] == '*') return true;
  const char *colon = memchr(s.ptr, ':', s.len);
  return colon && colon != s.ptr && colon != s.ptr + s.len - 1;
}

/* The service prefix of an action pattern when it is literal, so that
 * evaluation can skip patterns of other services with one comparison. */
static mm_str action_service(mm_str action) {
  const char *colon = memchr(action.ptr, ':', action.len);
  mm_str svc = {action.ptr, colon ? (size_t)(colon - action.ptr) : 0};
  if (!colon || memchr(svc.ptr, '*', svc.len) || memchr(svc.ptr, '?', svc.len))
    return (mm_str){NULL, 0};
  return svc;
}

static int compile_action(mm_arena *a, const mm_json_value *e, mm__iam_pattern *out, char *path,
                          mm_error *err) {
  if (mm__iam_dup(a, mm_json_get_str(e), &out->text) != MM_OK)
    return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  if (!action_shape_ok(out->text))
    return mm__iam_fail(err, MM_EINVAL, path, "action \"%.*s\" is neither \"*\" nor service:action",
                        (int)(out->text.len > 80 ? 80 : out->text.len), out->text.ptr);
  mm_error gerr;
  out->glob = mm_glob_compile(out->text, MM_GLOB_IAM_ACTION, a, &gerr);
  if (!out->glob) return mm__iam_fail(err, gerr.code, path, "action: %s", gerr.msg);
  out->service = action_service(out->text);
  return MM_OK;
}

static int compile_resource(mm_arena *a, const mm_json_value *e, bool variables,
                            mm__iam_pattern *out, char *path, mm_error *err) {
  if (mm__iam_dup(a, mm_json_get_str(e), &out->text) != MM_OK)
    return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  if (out->text.len == 0) return mm__iam_fail(err, MM_EINVAL, path, "empty resource");
  if (variables) {
    int rc = mm__iam_tmpl_parse(a, out->text, &out->tmpl, err);
    if (rc != MM_OK) return mm_error_set_path(err, path), rc;
    if (out->tmpl) return MM_OK;
  }
  mm_error gerr;
  out->glob = mm_glob_compile(out->text, MM_GLOB_IAM_ARN, a, &gerr);
  if (!out->glob) return mm__iam_fail(err, gerr.code, path, "resource: %s", gerr.msg);
  return MM_OK;
}

/* Action, NotAction, Resource or NotResource: compile each entry. */
static int compile_patterns(mm_arena *a, const mm_json_value *v, bool resource, bool variables,
                            const char *what, char *path, const mm__iam_pattern **out, size_t *n,
                            mm_error *err) {
  const mm_json_value **items = NULL;
  int rc = string_list(a, v, what, path, &items, n, err);
  if (rc != MM_OK) return rc;
  mm__iam_pattern *p = mm_arena_calloc(a, *n, sizeof(*p));
  if (!p) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  for (size_t i = 0; i < *n && rc == MM_OK; i++) {
    size_t old = v == items[0] ? strlen(path) : mm__iam_path_index(path, MM_ERROR_PATH_MAX, i);
    rc = resource ? compile_resource(a, items[i], variables, &p[i], path, err)
                  : compile_action(a, items[i], &p[i], path, err);
    path[old] = '\0';
  }
  *out = p;
  return rc;
}

/* ---- statements ------------------------------------------------------------------ */

typedef struct stmt_parts {
  const mm_json_value *sid, *effect, *principal, *action, *resource, *condition;
  bool not_principal, not_action, not_resource;
} stmt_parts;

/* Which member of a statement is this? Pairs (Action/NotAction ...) share a
 * slot, so a statement cannot have both. */
static const mm_json_value **stmt_slot(stmt_parts *sp, mm_str k, bool *negated) {
  static const struct {
    const char *name;
    size_t off;
    bool neg;
  } rows[] = {
      {"Sid", offsetof(stmt_parts, sid), false},
      {"Effect", offsetof(stmt_parts, effect), false},
      {"Principal", offsetof(stmt_parts, principal), false},
      {"NotPrincipal", offsetof(stmt_parts, principal), true},
      {"Action", offsetof(stmt_parts, action), false},
      {"NotAction", offsetof(stmt_parts, action), true},
      {"Resource", offsetof(stmt_parts, resource), false},
      {"NotResource", offsetof(stmt_parts, resource), true},
      {"Condition", offsetof(stmt_parts, condition), false},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++)
    if (mm_str_eq(k, mm_str_from(rows[i].name))) {
      *negated = rows[i].neg;
      return (const mm_json_value **)((char *)sp + rows[i].off);
    }
  return NULL;
}

static void set_negation(stmt_parts *sp, const mm_json_value **slot, bool neg) {
  if (slot == &sp->principal) sp->not_principal = neg;
  if (slot == &sp->action) sp->not_action = neg;
  if (slot == &sp->resource) sp->not_resource = neg;
}

static int stmt_split(const mm_json_value *v, stmt_parts *sp, char *path, mm_error *err) {
  memset(sp, 0, sizeof(*sp));
  if (!mm_json_is_object(v))
    return mm__iam_fail(err, MM_EINVAL, path, "a statement must be an object, not %s",
                        mm_json_type_name(mm_json_type_of(v)));
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *val;
  while (mm_json_iter_next(&it, &k, &val)) {
    mm_str key = mm_json_get_str(k);
    bool neg = false;
    const mm_json_value **slot = stmt_slot(sp, key, &neg);
    size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, key.ptr, key.len);
    int rc = MM_OK;
    if (!slot)
      rc = mm__iam_fail(err, MM_EINVAL, path, "unknown statement element \"%.*s\"",
                        (int)(key.len > 60 ? 60 : key.len), key.ptr);
    else if (*slot)
      rc = mm__iam_fail(err, MM_EINVAL, path, "element given twice (or with its Not form)");
    path[old] = '\0';
    if (rc != MM_OK) return rc;
    *slot = val;
    set_negation(sp, slot, neg);
  }
  return MM_OK;
}

static int stmt_effect(const stmt_parts *sp, mm__iam_stmt *s, char *path, mm_error *err) {
  if (!sp->effect) return mm__iam_fail(err, MM_EINVAL, path, "statement has no Effect");
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, "Effect", 6);
  mm_str e = mm_json_get_str(sp->effect);
  int rc = MM_OK;
  if (mm_str_eq(e, MM_STR("Allow")))
    s->allow = true;
  else if (!mm_str_eq(e, MM_STR("Deny")))
    rc = mm__iam_fail(err, MM_EINVAL, path, "Effect must be \"Allow\" or \"Deny\"");
  path[old] = '\0';
  return rc;
}

static int stmt_sid(mm_arena *a, const stmt_parts *sp, mm__iam_stmt *s, char *path, mm_error *err) {
  if (!sp->sid) return MM_OK;
  if (!mm_json_is_string(sp->sid)) {
    size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, "Sid", 3);
    int rc = mm__iam_fail(err, MM_EINVAL, path, "Sid must be a string");
    path[old] = '\0';
    return rc;
  }
  if (mm__iam_dup(a, mm_json_get_str(sp->sid), &s->sid) != MM_OK)
    return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  return MM_OK;
}

/* Kind-specific rules: identity-like policies name no principal; resource-
 * like ones must (IAM JSON policy elements: Principal). */
static int stmt_kind_rules(const stmt_parts *sp, mm_iam_kind kind, char *path, mm_error *err) {
  bool identity_like = kind == MM_IAM_KIND_IDENTITY || kind == MM_IAM_KIND_BOUNDARY ||
                       kind == MM_IAM_KIND_SESSION || kind == MM_IAM_KIND_SCP;
  bool resource_like =
      kind == MM_IAM_KIND_RESOURCE || kind == MM_IAM_KIND_RCP || kind == MM_IAM_KIND_VPC_ENDPOINT;
  if (identity_like && sp->principal)
    return mm__iam_fail(err, MM_EINVAL, path, "a %s policy cannot have %s", mm_iam_kind_name(kind),
                        sp->not_principal ? "NotPrincipal" : "Principal");
  if (resource_like && !sp->principal)
    return mm__iam_fail(err, MM_EINVAL, path, "a %s policy statement needs a Principal",
                        mm_iam_kind_name(kind));
  if (identity_like && !sp->resource)
    return mm__iam_fail(err, MM_EINVAL, path, "statement has no Resource or NotResource");
  return MM_OK;
}

static int stmt_principal(mm_arena *a, const stmt_parts *sp, mm__iam_stmt *s, char *path,
                          mm_error *err) {
  if (!sp->principal) return MM_OK;
  s->has_principal = true;
  s->not_principal = sp->not_principal;
  const char *name = sp->not_principal ? "NotPrincipal" : "Principal";
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, name, strlen(name));
  mm__iam_principal_entry *entries = NULL;
  int rc = mm__iam_principal_parse(a, sp->principal, &s->principal_any, &entries, &s->n_principals,
                                   path, MM_ERROR_PATH_MAX, err);
  s->principals = entries;
  path[old] = '\0';
  return rc;
}

static int stmt_actions(mm_arena *a, const stmt_parts *sp, mm__iam_stmt *s, char *path,
                        mm_error *err) {
  if (!sp->action)
    return mm__iam_fail(err, MM_EINVAL, path, "statement has no Action or NotAction");
  const char *name = sp->not_action ? "NotAction" : "Action";
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, name, strlen(name));
  s->not_action = sp->not_action;
  int rc =
      compile_patterns(a, sp->action, false, false, name, path, &s->actions, &s->n_actions, err);
  path[old] = '\0';
  return rc;
}

static int stmt_resources(mm_arena *a, const stmt_parts *sp, bool variables, mm__iam_stmt *s,
                          char *path, mm_error *err) {
  if (!sp->resource) return MM_OK; /* trust policies have none: any resource */
  const char *name = sp->not_resource ? "NotResource" : "Resource";
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, name, strlen(name));
  s->has_resource = true;
  s->not_resource = sp->not_resource;
  int rc = compile_patterns(a, sp->resource, true, variables, name, path, &s->resources,
                            &s->n_resources, err);
  path[old] = '\0';
  return rc;
}

static int stmt_conditions(mm_arena *a, const stmt_parts *sp, bool variables, mm__iam_stmt *s,
                           char *path, mm_error *err) {
  if (!sp->condition) return MM_OK;
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, "Condition", 9);
  mm__iam_cond *conds = NULL;
  int rc = mm__iam_condition_parse(a, sp->condition, variables, &conds, &s->n_conds, path,
                                   MM_ERROR_PATH_MAX, err);
  s->conds = conds;
  path[old] = '\0';
  return rc;
}

static int compile_statement(mm_iam_policy *p, const mm_json_value *v, mm__iam_stmt *s, char *path,
                             mm_error *err) {
  stmt_parts sp;
  int rc;
  if ((rc = stmt_split(v, &sp, path, err)) != MM_OK) goto out;
  if ((rc = stmt_sid(&p->arena, &sp, s, path, err)) != MM_OK) goto out;
  if ((rc = stmt_effect(&sp, s, path, err)) != MM_OK) goto out;
  if ((rc = stmt_kind_rules(&sp, p->kind, path, err)) != MM_OK) goto out;
  if ((rc = stmt_principal(&p->arena, &sp, s, path, err)) != MM_OK) goto out;
  if ((rc = stmt_actions(&p->arena, &sp, s, path, err)) != MM_OK) goto out;
  if ((rc = stmt_resources(&p->arena, &sp, p->variables, s, path, err)) != MM_OK) goto out;
  rc = stmt_conditions(&p->arena, &sp, p->variables, s, path, err);
out:
  return rc;
}

/* ---- the document ------------------------------------------------------------------ */

static int compile_statements(mm_iam_policy *p, const mm_json_value *st, char *path,
                              mm_error *err) {
  bool single = mm_json_is_object(st);
  if (!single && !mm_json_is_array(st))
    return mm__iam_fail(err, MM_EINVAL, path, "Statement must be an object or an array");
  size_t n = single ? 1 : mm_json_len(st);
  if (n > MM_IAM_MAX_STATEMENTS)
    return mm__iam_fail(err, MM_ELIMIT, path, "%zu statements (limit %d)", n,
                        MM_IAM_MAX_STATEMENTS);
  p->stmts = mm_arena_calloc(&p->arena, n ? n : 1, sizeof(*p->stmts));
  if (!p->stmts) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  mm_json_iter it = mm_json_iter_init(st);
  const mm_json_value *e = st;
  for (size_t i = 0; i < n; i++) {
    if (!single) mm_json_iter_next(&it, NULL, &e);
    size_t old = single ? strlen(path) : mm__iam_path_index(path, MM_ERROR_PATH_MAX, i);
    p->stmts[i].index = (uint32_t)i;
    int rc = compile_statement(p, e, &p->stmts[i], path, err);
    path[old] = '\0';
    if (rc != MM_OK) return rc;
    p->has_allow |= p->stmts[i].allow;
  }
  p->n = n;
  return MM_OK;
}

static int compile_version(mm_iam_policy *p, const mm_json_value *v, char *path, mm_error *err) {
  mm_str s = mm_json_get_str(v);
  if (mm_str_eq(s, MM_STR("2012-10-17"))) return p->variables = true, MM_OK;
  if (mm_str_eq(s, MM_STR("2008-10-17"))) return MM_OK;
  return mm__iam_fail(err, MM_EINVAL, path, "Version must be \"2012-10-17\" or \"2008-10-17\"");
}

static int compile_name(mm_iam_policy *p, const mm_json_value *id, const char *given, char *path,
                        mm_error *err) {
  if (id && !mm_json_is_string(id))
    return mm__iam_fail(err, MM_EINVAL, path, "Id must be a string");
  mm_str name = given ? mm_str_from(given) : mm_json_get_str(id);
  p->name = mm_arena_strndup(&p->arena, name.ptr ? name.ptr : "", name.len);
  return p->name ? MM_OK : mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
}

/* Top-level members: Version, Id, Statement, nothing else. */
static int compile_document(mm_iam_policy *p, const mm_json_value *doc, const char *given_name,
                            char *path, mm_error *err) {
  if (!mm_json_is_object(doc))
    return mm__iam_fail(err, MM_EINVAL, path, "a policy must be a JSON object");
  const mm_json_value *version = NULL, *id = NULL, *statement = NULL, *k, *v;
  mm_json_iter it = mm_json_iter_init(doc);
  while (mm_json_iter_next(&it, &k, &v)) {
    mm_str key = mm_json_get_str(k);
    const mm_json_value **slot = mm_str_eq(key, MM_STR("Version"))     ? &version
                                 : mm_str_eq(key, MM_STR("Id"))        ? &id
                                 : mm_str_eq(key, MM_STR("Statement")) ? &statement
                                                                       : NULL;
    size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, key.ptr, key.len);
    int rc = MM_OK;
    if (!slot)
      rc = mm__iam_fail(err, MM_EINVAL, path, "unknown policy element");
    else if (*slot)
      rc = mm__iam_fail(err, MM_EINVAL, path, "element given twice");
    else if (slot == &version)
      rc = compile_version(p, v, path, err);
    else if (slot == &id)
      rc = compile_name(p, v, given_name, path, err);
    path[old] = '\0';
    if (rc != MM_OK) return rc;
    *slot = v;
  }
  if (!id && compile_name(p, NULL, given_name, path, err) != MM_OK) return MM_ENOMEM;
  if (!statement) return mm__iam_fail(err, MM_EINVAL, path, "policy has no Statement");
  size_t old = mm__iam_path_key(path, MM_ERROR_PATH_MAX, "Statement", 9);
  int rc = compile_statements(p, statement, path, err);
  path[old] = '\0';
  return rc;
}

mm_iam_policy *mm_iam_policy_compile_json(const mm_json_value *doc,
                                          const mm_iam_compile_options *opt, mm_error *err) {
  char path[MM_ERROR_PATH_MAX] = "$";
  mm_iam_policy *p = mm_calloc(1, sizeof(*p));
  if (!p) {
    mm__iam_fail(err, MM_ENOMEM, "", "out of memory");
    goto out;
  }
  mm_arena_init(&p->arena, 4096);
  p->kind = opt ? opt->kind : MM_IAM_KIND_NONE;
  if (compile_document(p, doc, opt ? opt->name : NULL, path, err) != MM_OK) {
    mm_iam_policy_free(p);
    p = NULL;
  }
out:
  return p;
}

mm_iam_policy *mm_iam_policy_compile(const char *text, size_t len,
                                     const mm_iam_compile_options *opt, mm_error *err) {
  mm_json_options jo = {0};
  jo.max_depth = MM_IAM_MAX_DEPTH;
  jo.max_size = MM_IAM_MAX_POLICY_SIZE;
  if (len > MM_IAM_MAX_POLICY_SIZE) {
    mm__iam_fail(err, MM_ELIMIT, "", "policy is %zu bytes (limit %zu)", len,
                 (size_t)MM_IAM_MAX_POLICY_SIZE);
    return NULL;
  }
  mm_json_doc *doc = mm_json_parse(text, len, &jo, err);
  if (!doc) return NULL;
  mm_iam_policy *p = mm_iam_policy_compile_json(mm_json_doc_root(doc), opt, err);
  mm_json_doc_free(doc);
  return p;
}

void mm_iam_policy_free(mm_iam_policy *p) {
  if (!p) return;
  mm_arena_destroy(&p->arena);
  mm_free(p);
}

size_t mm_iam_policy_statement_count(const mm_iam_policy *p) { return p ? p->n : 0; }
bool mm_iam_policy_has_allow(const mm_iam_policy *p) { return p && p->has_allow; }
const char *mm_iam_policy_name(const mm_iam_policy *p) { return p && p->name ? p->name : ""; }
