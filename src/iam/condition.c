/*
 * condition.c - the Condition element: parsing operator blocks (with the
 * ForAllValues:/ForAnyValue: qualifiers and the IfExists suffix) and
 * deciding whether a statement's conditions hold for a request.
 *
 * Implements "IAM JSON policy elements: Condition"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html),
 * "Condition operators" (..._condition_operators.html) and "Set operators
 * for multivalued context keys"
 * (reference_policies_condition-single-vs-multi-valued-context-keys.html):
 *  - all operators of a block must hold, all keys of an operator must hold,
 *    and a key holds when the context value matches any of the policy values;
 *    a negated operator (StringNotEquals ...) holds when it matches none;
 *  - a key absent from the request (or with an empty set of values) makes
 *    a positive operator false and a negated one true, ...IfExists true,
 *    ForAllValues true and ForAnyValue false; Null tests presence only;
 *  - several context values without a qualifier: positive operators hold
 *    when any value matches, negated ones when none does;
 *  - ForAllValues: every context value must satisfy the operator;
 *    ForAnyValue: at least one must;
 *  - condition key names are case-insensitive;
 *  - a context value of the wrong form, or a policy variable without a
 *    value, makes the condition false whatever the operator; a limit or
 *    memory failure is an evaluation error, and the request is denied.
 */
#include "iam_int.h"

#include <string.h>

/* ---- parsing ------------------------------------------------------------------- */

typedef struct op_name {
  const mm__iam_op *op;        /* the table row */
  mm__iam_qualifier qualifier; /* ForAllValues:/ForAnyValue: */
  bool if_exists;              /* the IfExists suffix */
} op_name;

static bool has_prefix_nocase(mm_str s, mm_str prefix) {
  return s.len >= prefix.len && mm_str_ieq((mm_str){s.ptr, prefix.len}, prefix);
}

static bool split_operator(mm_str s, op_name *out) {
  out->qualifier = MM__IAM_Q_NONE;
  out->if_exists = false;
  if (has_prefix_nocase(s, MM_STR("ForAllValues:"))) {
    out->qualifier = MM__IAM_Q_FOR_ALL;
    s.ptr += 13, s.len -= 13;
  } else if (has_prefix_nocase(s, MM_STR("ForAnyValue:"))) {
    out->qualifier = MM__IAM_Q_FOR_ANY;
    s.ptr += 12, s.len -= 12;
  }
  out->op = mm__iam_operator_find(s);
  if (!out->op && s.len > 8 && mm_str_ieq((mm_str){s.ptr + s.len - 8, 8}, MM_STR("IfExists"))) {
    out->op = mm__iam_operator_find((mm_str){s.ptr, s.len - 8});
    out->if_exists = out->op && out->op->if_exists_ok;
    if (!out->if_exists) out->op = NULL;
  }
  return out->op != NULL;
}

/* A scalar condition value's text: a string, a number's raw text, or
 * "true"/"false". */
static bool scalar_text(const mm_json_value *v, mm_str *out) {
  if (mm_json_is_string(v)) return *out = mm_json_get_str(v), true;
  if (mm_json_is_number(v)) return *out = mm_json_number_raw(v), true;
  if (mm_json_is_bool(v)) return *out = mm_json_is_true(v) ? MM_STR("true") : MM_STR("false"), true;
  return false;
}

static int parse_value(mm_arena *a, const mm__iam_op *op, bool variables, const mm_json_value *jv,
                       mm__iam_value *v, char *path, mm_error *err) {
  mm_str text;
  if (!scalar_text(jv, &text))
    return mm__iam_fail(err, MM_EINVAL, path,
                        "a condition value must be a string, number or "
                        "boolean, not %s",
                        mm_json_type_name(mm_json_type_of(jv)));
  if (mm__iam_dup(a, text, &v->text) != MM_OK)
    return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  int rc = op->parse(a, op, variables, v, err);
  if (rc != MM_OK) mm_error_set_path(err, path);
  return rc;
}

static int parse_values(mm_arena *a, const op_name *on, bool variables, const mm_json_value *jv,
                        mm__iam_cond *c, char *path, size_t size, mm_error *err) {
  bool list = mm_json_is_array(jv);
  size_t n = list ? mm_json_len(jv) : 1;
  if (n == 0) return mm__iam_fail(err, MM_EINVAL, path, "a condition key needs at least one value");
  if (n > MM_IAM_MAX_VALUES)
    return mm__iam_fail(err, MM_ELIMIT, path, "%zu values (limit %d)", n, MM_IAM_MAX_VALUES);
  mm__iam_value *vals = mm_arena_calloc(a, n, sizeof(*vals));
  if (!vals) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  mm_json_iter it = mm_json_iter_init(jv);
  const mm_json_value *e = jv;
  int rc = MM_OK;
  for (size_t i = 0; i < n && rc == MM_OK; i++) {
    if (list) mm_json_iter_next(&it, NULL, &e);
    size_t old = list ? mm__iam_path_index(path, size, i) : strlen(path);
    rc = parse_value(a, on->op, variables, e, &vals[i], path, err);
    path[old] = '\0';
  }
  c->values = vals;
  c->count = n;
  return rc;
}

static size_t count_keys(const mm_json_value *cond) {
  size_t n = 0;
  mm_json_iter it = mm_json_iter_init(cond);
  const mm_json_value *v;
  while (mm_json_iter_next(&it, NULL, &v)) n += mm_json_is_object(v) ? mm_json_len(v) : 1;
  return n;
}

/* One operator block {"StringLike": {"key": values, ...}}, appended at
 * conds[*n]. */
static int parse_block(mm_arena *a, mm_str op_text, const mm_json_value *block, bool variables,
                       mm__iam_cond *conds, size_t *n, char *path, size_t size, mm_error *err) {
  op_name on;
  if (!split_operator(op_text, &on))
    return mm__iam_fail(err, MM_EINVAL, path, "unknown condition operator \"%.*s\"",
                        (int)(op_text.len > 60 ? 60 : op_text.len), op_text.ptr);
  if (!mm_json_is_object(block) || mm_json_len(block) == 0)
    return mm__iam_fail(err, MM_EINVAL, path, "an operator needs an object of condition keys");
  mm_json_iter it = mm_json_iter_init(block);
  const mm_json_value *k, *v;
  int rc = MM_OK;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &v)) {
    mm__iam_cond *c = &conds[(*n)++];
    mm_str key = mm_json_get_str(k);
    size_t old = mm__iam_path_key(path, size, key.ptr, key.len);
    c->op = on.op, c->qualifier = on.qualifier, c->if_exists = on.if_exists;
    if (key.len == 0) rc = mm__iam_fail(err, MM_EINVAL, path, "empty condition key");
    if (rc == MM_OK &&
        (mm__iam_dup(a, op_text, &c->op_text) != MM_OK || mm__iam_dup(a, key, &c->key) != MM_OK))
      rc = mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
    if (rc == MM_OK) rc = parse_values(a, &on, variables, v, c, path, size, err);
    path[old] = '\0';
  }
  return rc;
}

int mm__iam_condition_parse(mm_arena *a, const mm_json_value *v, bool variables, mm__iam_cond **out,
                            size_t *count, char *path, size_t path_len, mm_error *err) {
  *out = NULL, *count = 0;
  if (!mm_json_is_object(v))
    return mm__iam_fail(err, MM_EINVAL, path, "Condition must be an object");
  size_t total = count_keys(v);
  if (total > MM_IAM_MAX_CONDITIONS)
    return mm__iam_fail(err, MM_ELIMIT, path, "%zu conditions (limit %d)", total,
                        MM_IAM_MAX_CONDITIONS);
  mm__iam_cond *conds = mm_arena_calloc(a, total ? total : 1, sizeof(*conds));
  if (!conds) return mm__iam_fail(err, MM_ENOMEM, path, "out of memory");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *block;
  int rc = MM_OK;
  size_t n = 0;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &block)) {
    mm_str op_text = mm_json_get_str(k);
    size_t old = mm__iam_path_key(path, path_len, op_text.ptr, op_text.len);
    rc = parse_block(a, op_text, block, variables, conds, &n, path, path_len, err);
    path[old] = '\0';
  }
  *out = conds;
  *count = n;
  return rc;
}

/* ---- evaluation -------------------------------------------------------------------- */

/* Does context value cv match any policy value? 1, 0 or <0 (error). */
static int value_matches(const mm__iam_eval *ev, const mm__iam_cond *c, mm_str cv) {
  for (size_t i = 0; i < c->count; i++) {
    int m = c->op->eval(ev, c->op, &c->values[i], cv);
    if (m != 0) return m;
  }
  return 0;
}

static int absent_result(const mm__iam_cond *c) {
  if (c->if_exists || c->qualifier == MM__IAM_Q_FOR_ALL) return 1;
  if (c->qualifier == MM__IAM_Q_FOR_ANY) return 0;
  return c->op->negated;
}

static int null_result(const mm__iam_cond *c, bool present) {
  for (size_t i = 0; i < c->count; i++)
    if (c->values[i].u.flag == !present) return 1;
  return 0;
}

/* 1 holds, 0 does not, <0 error (which the caller treats as "does not"). */
static int present_result(const mm__iam_eval *ev, const mm__iam_cond *c,
                          const mm_iam_context_entry *e) {
  size_t hits = 0;
  for (size_t i = 0; i < e->count; i++) {
    int m = value_matches(ev, c, e->values[i]);
    if (m < 0) return m;
    hits += (size_t)(c->op->negated ? !m : m);
  }
  bool all = hits == e->count, any = hits > 0;
  if (c->qualifier == MM__IAM_Q_FOR_ALL) return all;
  if (c->qualifier == MM__IAM_Q_FOR_ANY) return any;
  return c->op->negated ? all : any;
}

static void trace_strings(mm_json_writer *w, const char *key, const mm_str *v, size_t n,
                          size_t stride) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < n; i++) {
    const mm_str *s = (const mm_str *)(const void *)((const char *)v + i * stride);
    mm_json_write_string(w, s->ptr, s->len);
  }
  mm_json_write_array_end(w);
}

static void trace_condition(mm_json_writer *w, const mm__iam_cond *c, const mm_iam_context_entry *e,
                            int r) {
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "operator", 8);
  mm_json_write_string(w, c->op_text.ptr, c->op_text.len);
  mm_json_write_key(w, "key", 3);
  mm_json_write_string(w, c->key.ptr, c->key.len);
  trace_strings(w, "values", &c->values[0].text, c->count, sizeof(c->values[0]));
  if (e)
    trace_strings(w, "seen", e->values, e->count, sizeof(e->values[0]));
  else
    mm_json_write_key(w, "seen", 4), mm_json_write_null(w);
  mm_json_write_key(w, "result", 6);
  mm_json_write_bool(w, r > 0);
  if (r < 0) {
    mm_json_write_key(w, "error", 5);
    const char *why = "a context value has the wrong form, or a policy variable has no value";
    mm_json_write_string(w, why, strlen(why));
  }
  mm_json_write_object_end(w);
}

static int condition_holds(mm__iam_eval *ev, const mm__iam_cond *c) {
  const mm_iam_context_entry *e = mm__iam_lookup(ev, c->key);
  bool present = e && e->count > 0;
  int r = c->op->is_null ? null_result(c, present)
          : present      ? present_result(ev, c, e)
                         : absent_result(c);
  if (r < 0) mm__iam_soft_failure(ev, r);
  if (ev->w) trace_condition(ev->w, c, present ? e : NULL, r);
  return r;
}

bool mm__iam_conditions_hold(mm__iam_eval *ev, const mm__iam_stmt *s) {
  bool all = true;
  if (ev->w && s->n_conds) {
    mm_json_write_key(ev->w, "conditions", 10);
    mm_json_write_array_begin(ev->w);
  }
  bool shadow = ev->shadow;
  for (size_t i = 0; i < s->n_conds; i++) {
    if (condition_holds(ev, &s->conds[i]) <= 0) all = false;
    if (!all && !ev->w) break;   /* without an explanation, stop at the first failure */
    ev->shadow = shadow || !all; /* the rest only explains */
  }
  ev->shadow = shadow;
  if (ev->w && s->n_conds) mm_json_write_array_end(ev->w);
  return all;
}
