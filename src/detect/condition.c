/*
 * condition.c - a detection rule's matching part, compiled and evaluated:
 * one EventBridge pattern, or the boolean tree sigma.h describes (allOf,
 * anyOf, not, pattern, search, fieldref).
 *
 * This is the reference evaluator: it decides each pattern leaf with
 * mm_events_pattern_matches, directly on the record's tree. An engine that
 * compiles every rule's patterns into one matcher must agree with it.
 * Fields are dotted paths and arrays are transparent at every level, as in
 * EventBridge ("Arrays in event patterns"): a path names every value that
 * lies at it through any arrays on the way.
 */
#include "detect/sigma.h"
#include "mamori/alloc.h"
#include "mamori/events.h"

#include <stdio.h>
#include <string.h>

typedef enum ckind { CK_PATTERN, CK_ALL, CK_ANY, CK_NOT, CK_SEARCH, CK_FIELDREF } ckind;
typedef enum refop { REF_EQUALS, REF_CONTAINS, REF_STARTSWITH, REF_ENDSWITH } refop;

struct mm__detect_cond {
  ckind kind;
  mm_events_pattern *pattern;   /* PATTERN; SEARCH: {"v": match} */
  struct mm__detect_cond **kid; /* ALL, ANY (n >= 1), NOT (n == 1) */
  size_t n;
  char *field; /* SEARCH, FIELDREF: dotted path, NUL-terminated (owned) */
  char *ref;   /* FIELDREF: the other path (owned) */
  refop op;    /* FIELDREF */
};

void mm__detect_cond_free(mm__detect_cond *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) mm__detect_cond_free(c->kid[i]);
  mm_free(c->kid);
  mm_events_pattern_free(c->pattern);
  mm_free(c->field);
  mm_free(c->ref);
  mm_free(c);
}

/* ---- compiling ------------------------------------------------------------------ */

typedef struct cc {
  mm_error *err;
  char path[MM_ERROR_PATH_MAX]; /* JSON path of the node being compiled */
} cc;

static mm__detect_cond *compile_node(cc *k, const mm_json_value *v, int depth);

static int cc_fail(cc *k, int code, const char *msg) {
  mm_error_set(k->err, code, "%s", msg);
  mm_error_set_path(k->err, k->path);
  return code;
}

/* Append s to the path (cut at its capacity). */
static void path_cat(char *path, const char *s) {
  size_t have = strlen(path), add = strlen(s);
  if (have + add >= MM_ERROR_PATH_MAX) add = MM_ERROR_PATH_MAX - 1 - have;
  memcpy(path + have, s, add);
  path[have + add] = '\0';
}

/* Extend the path by ".key" or "[i]" for the duration of a call; returns
 * the old length to restore. */
static size_t path_push_key(cc *k, const char *key) {
  size_t old = strlen(k->path);
  path_cat(k->path, ".");
  path_cat(k->path, key);
  return old;
}

static size_t path_push_index(cc *k, size_t i) {
  size_t old = strlen(k->path);
  char idx[32];
  snprintf(idx, sizeof idx, "[%zu]", i);
  path_cat(k->path, idx);
  return old;
}

static mm__detect_cond *node_new(cc *k, ckind kind) {
  mm__detect_cond *c = mm_calloc(1, sizeof *c);
  if (!c) cc_fail(k, MM_ENOMEM, "out of memory");
  if (c) c->kind = kind;
  return c;
}

static mm__detect_cond *compile_pattern(cc *k, const mm_json_value *v) {
  mm__detect_cond *c = node_new(k, CK_PATTERN);
  if (!c) return NULL;
  mm_error perr;
  mm_error_clear(&perr);
  c->pattern = mm_events_pattern_from_value(v, &perr);
  if (c->pattern) return c;
  mm_free(c);
  if (k->err) {
    *k->err = perr;
    char full[MM_ERROR_PATH_MAX] = "";
    path_cat(full, k->path);
    path_cat(full, perr.path[0] == '$' ? perr.path + 1 : "");
    mm_error_set_path(k->err, full);
  }
  return NULL;
}

static mm__detect_cond *compile_list(cc *k, ckind kind, const mm_json_value *v, int depth) {
  size_t n = mm_json_len(v);
  if (!mm_json_is_array(v) || n == 0)
    return cc_fail(k, MM_EINVAL, "allOf and anyOf need a non-empty array of conditions"), NULL;
  mm__detect_cond *c = node_new(k, kind);
  if (c && !(c->kid = mm_calloc(n, sizeof *c->kid))) cc_fail(k, MM_ENOMEM, "out of memory");
  if (!c || !c->kid) return mm__detect_cond_free(c), NULL;
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *item;
  while (mm_json_iter_next(&it, NULL, &item)) {
    size_t old = path_push_index(k, c->n);
    mm__detect_cond *kid = compile_node(k, item, depth + 1);
    k->path[old] = '\0';
    if (!kid) return mm__detect_cond_free(c), NULL;
    c->kid[c->n++] = kid;
  }
  return c;
}

static char *dup_string(cc *k, const mm_json_value *obj, const char *key, bool required) {
  const mm_json_value *s = mm_json_get(obj, key);
  if (!s && !required) return mm_strndup("", 0);
  if (!mm_json_is_string(s)) {
    char msg[64];
    snprintf(msg, sizeof msg, "'%s' must be a string", key);
    return cc_fail(k, MM_EINVAL, msg), NULL;
  }
  char *d = mm_strndup(mm_json_str(s), mm_json_len(s));
  if (!d) cc_fail(k, MM_ENOMEM, "out of memory");
  return d;
}

static mm__detect_cond *compile_search(cc *k, const mm_json_value *v) {
  const mm_json_value *match = mm_json_get(v, "match");
  if (!mm_json_is_object(v) || !mm_json_is_array(match) || mm_json_len(match) == 0)
    return cc_fail(k, MM_EINVAL, "search needs {\"field\": path, \"match\": [values]}"), NULL;
  mm__detect_cond *c = node_new(k, CK_SEARCH);
  if (!c || !(c->field = dup_string(k, v, "field", false))) return mm__detect_cond_free(c), NULL;
  mm_buf text = MM_BUF_INIT;
  mm_buf_puts(&text, "{\"v\":");
  mm_json_write(&text, match, 0);
  mm_buf_putc(&text, '}');
  mm_error perr;
  mm_error_clear(&perr);
  if (!text.oom) c->pattern = mm_events_pattern_parse(text.ptr, text.len, &perr);
  mm_buf_free(&text);
  if (c->pattern) return c;
  mm__detect_cond_free(c);
  return cc_fail(k, perr.code ? perr.code : MM_ENOMEM, perr.msg[0] ? perr.msg : "out of memory"),
         NULL;
}

static mm__detect_cond *compile_fieldref(cc *k, const mm_json_value *v) {
  static const char *const ops[] = {"equals", "contains", "startswith", "endswith"};
  if (!mm_json_is_object(v))
    return cc_fail(k, MM_EINVAL, "fieldref needs {\"field\", \"ref\", \"op\"}"), NULL;
  mm__detect_cond *c = node_new(k, CK_FIELDREF);
  if (!c || !(c->field = dup_string(k, v, "field", true)) ||
      !(c->ref = dup_string(k, v, "ref", true)))
    return mm__detect_cond_free(c), NULL;
  const mm_json_value *op = mm_json_get(v, "op");
  size_t i = 0;
  while (op && i < MM_ARRAY_LEN(ops) && !mm_str_eq(mm_json_get_str(op), mm_str_from(ops[i]))) i++;
  if (i == MM_ARRAY_LEN(ops)) {
    mm__detect_cond_free(c);
    return cc_fail(k, MM_EINVAL, "op must be equals, contains, startswith or endswith"), NULL;
  }
  c->op = (refop)i;
  return c;
}

static mm__detect_cond *compile_node(cc *k, const mm_json_value *v, int depth) {
  if (depth > MM_DETECT_COND_MAX_DEPTH)
    return cc_fail(k, MM_ELIMIT, "condition nested too deep"), NULL;
  if (!mm_json_is_object(v) || mm_json_len(v) != 1)
    return cc_fail(k, MM_EINVAL,
                   "a condition is an object with one of allOf, anyOf, not, pattern, search, "
                   "fieldref"),
           NULL;
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *key, *val;
  mm_json_iter_next(&it, &key, &val);
  const char *name = mm_json_str(key);
  size_t old = path_push_key(k, name);
  mm__detect_cond *c = NULL;
  if (strcmp(name, "pattern") == 0) {
    c = compile_pattern(k, val);
  } else if (strcmp(name, "allOf") == 0 || strcmp(name, "anyOf") == 0) {
    c = compile_list(k, name[0] == 'a' && name[1] == 'l' ? CK_ALL : CK_ANY, val, depth);
  } else if (strcmp(name, "not") == 0) {
    mm__detect_cond *kid = compile_node(k, val, depth + 1);
    c = kid ? node_new(k, CK_NOT) : NULL;
    if (c && !(c->kid = mm_calloc(1, sizeof *c->kid))) mm__detect_cond_free(c), c = NULL;
    if (c) c->kid[c->n++] = kid;
    if (!c) mm__detect_cond_free(kid);
  } else if (strcmp(name, "search") == 0) {
    c = compile_search(k, val);
  } else if (strcmp(name, "fieldref") == 0) {
    c = compile_fieldref(k, val);
  } else {
    k->path[old] = '\0';
    return cc_fail(k, MM_EINVAL,
                   "unknown condition (allOf, anyOf, not, pattern, search, fieldref)"),
           NULL;
  }
  if (c) k->path[old] = '\0';
  return c;
}

mm__detect_cond *mm__detect_cond_compile_tree(const mm_json_value *cond, mm_error *err) {
  cc k = {.err = err, .path = "$"};
  return compile_node(&k, cond, 0);
}

mm__detect_cond *mm__detect_cond_compile(const mm_json_value *rule, mm_error *err) {
  const mm_json_value *cond = mm_json_get(rule, "condition");
  const mm_json_value *pat = mm_json_get(rule, "pattern");
  cc k = {.err = err, .path = "$"};
  if ((cond != NULL) == (pat != NULL))
    return cc_fail(&k, MM_EINVAL, "a rule has either \"pattern\" or \"condition\""), NULL;
  if (pat) {
    snprintf(k.path, sizeof k.path, "$.pattern");
    return compile_pattern(&k, pat);
  }
  snprintf(k.path, sizeof k.path, "$.condition");
  return compile_node(&k, cond, 0);
}

/* ---- evaluating ---------------------------------------------------------------- */

typedef bool (*visit_fn)(const mm_json_value *v, void *ctx);

/* Call fn on every value at path under v (arrays transparent); stop when
 * fn returns false. */
static bool at_path(const mm_json_value *v, const char *path, visit_fn fn, void *ctx) {
  if (!v) return true;
  if (mm_json_is_array(v)) {
    mm_json_iter it = mm_json_iter_init(v);
    const mm_json_value *e;
    while (mm_json_iter_next(&it, NULL, &e))
      if (!at_path(e, path, fn, ctx)) return false;
    return true;
  }
  if (!*path) return fn(v, ctx);
  const char *dot = strchr(path, '.');
  size_t seg = dot ? (size_t)(dot - path) : strlen(path);
  return at_path(mm_json_getn(v, path, seg), dot ? dot + 1 : path + seg, fn, ctx);
}

/* Append every leaf (string, number, bool, null) under v to out, JSON. */
static bool leaves(const mm_json_value *v, void *ctx) {
  mm_buf *out = ctx;
  mm_json_type t = mm_json_type_of(v);
  if (t == MM_JSON_ARRAY || t == MM_JSON_OBJECT) {
    mm_json_iter it = mm_json_iter_init(v);
    const mm_json_value *e;
    while (mm_json_iter_next(&it, NULL, &e)) leaves(e, ctx);
    return !out->oom;
  }
  if (out->len > 6) mm_buf_putc(out, ','); /* past the opening {"v":[ */
  mm_json_write(out, v, 0);
  return !out->oom;
}

static bool eval_search(const mm__detect_cond *c, const mm_json_value *event) {
  mm_buf text = MM_BUF_INIT;
  mm_buf_puts(&text, "{\"v\":[");
  at_path(event, c->field, leaves, &text);
  mm_buf_puts(&text, "]}");
  bool hit = false;
  mm_json_doc *d = text.oom ? NULL : mm_json_parse(text.ptr, text.len, NULL, NULL);
  if (d) hit = mm_events_pattern_matches(c->pattern, mm_json_doc_root(d));
  mm_json_doc_free(d);
  mm_buf_free(&text);
  return hit;
}

/* Scalars at a path, as text (strings, number text, true/false). */
typedef struct texts {
  mm_str s[MM_DETECT_FIELDREF_MAX_VALUES];
  size_t n;
} texts;

static bool collect_text(const mm_json_value *v, void *ctx) {
  texts *t = ctx;
  if (t->n == MM_DETECT_FIELDREF_MAX_VALUES) return false;
  mm_json_type ty = mm_json_type_of(v);
  if (ty == MM_JSON_STRING) t->s[t->n++] = mm_json_get_str(v);
  if (ty == MM_JSON_NUMBER) t->s[t->n++] = mm_json_number_raw(v);
  if (ty == MM_JSON_BOOL) t->s[t->n++] = mm_str_from(mm_json_is_true(v) ? "true" : "false");
  return true;
}

static bool icontains(mm_str hay, mm_str needle) {
  if (needle.len > hay.len) return false;
  for (size_t i = 0; i + needle.len <= hay.len; i++)
    if (mm_str_ieq((mm_str){hay.ptr + i, needle.len}, needle)) return true;
  return false;
}

static bool ref_match(refop op, mm_str a, mm_str b) {
  switch (op) {
    case REF_EQUALS:
      return mm_str_ieq(a, b);
    case REF_CONTAINS:
      return icontains(a, b);
    case REF_STARTSWITH:
      return a.len >= b.len && mm_str_ieq((mm_str){a.ptr, b.len}, b);
    case REF_ENDSWITH:
      return a.len >= b.len && mm_str_ieq((mm_str){a.ptr + a.len - b.len, b.len}, b);
  }
  return false;
}

static bool eval_fieldref(const mm__detect_cond *c, const mm_json_value *event) {
  texts *a = mm_malloc(sizeof *a), *b = mm_malloc(sizeof *b);
  bool hit = false;
  if (a && b) {
    a->n = b->n = 0;
    at_path(event, c->field, collect_text, a);
    at_path(event, c->ref, collect_text, b);
    for (size_t i = 0; i < a->n && !hit; i++)
      for (size_t j = 0; j < b->n && !hit; j++) hit = ref_match(c->op, a->s[i], b->s[j]);
  }
  mm_free(a);
  mm_free(b);
  return hit;
}

bool mm__detect_cond_eval(const mm__detect_cond *c, const mm_json_value *event) {
  switch (c->kind) {
    case CK_PATTERN:
      return mm_events_pattern_matches(c->pattern, event);
    case CK_ALL:
      for (size_t i = 0; i < c->n; i++)
        if (!mm__detect_cond_eval(c->kid[i], event)) return false;
      return true;
    case CK_ANY:
      for (size_t i = 0; i < c->n; i++)
        if (mm__detect_cond_eval(c->kid[i], event)) return true;
      return false;
    case CK_NOT:
      return !mm__detect_cond_eval(c->kid[0], event);
    case CK_SEARCH:
      return eval_search(c, event);
    case CK_FIELDREF:
      return eval_fieldref(c, event);
  }
  return false;
}

bool mm__detect_condition_matches(const mm_json_value *rule, const mm_json_value *event) {
  mm__detect_cond *c = mm__detect_cond_compile(rule, NULL);
  bool hit = c && mm__detect_cond_eval(c, event);
  mm__detect_cond_free(c);
  return hit;
}
