/*
 * pattern.c - parsing and validating an EventBridge event pattern into the
 * form of events_int.h, with its `$or`s multiplied out into alternatives.
 *
 * Follows the Amazon EventBridge User Guide, "Creating event patterns" and
 * "Event pattern syntax" (eb-create-pattern.html: fields are ANDed, a
 * field's values are listed in an array and ORed, nested objects follow the
 * event's nesting), "Comparison operators" ($or: "Location is New York, or
 * Day is Monday") and what EventBridge rejects: empty objects and arrays,
 * leaf values outside an array, arrays inside a value list, operator
 * objects with an unknown or more than one key, `$or` with fewer than two
 * patterns. Every error names the JSON path of the offending part, e.g.
 * "$.detail.state[0].numeric[2]", in err->path.
 */
#include "events/events_int.h"

#include "mamori/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- errors and paths ------------------------------------------------------ */

int mm__events_fail(mm__events_parser *p, int code, const char *fmt, ...) {
  if (!p->err) return code;
  va_list ap;
  va_start(ap, fmt);
  char msg[MM_ERROR_MSG_MAX];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  mm_error_set(p->err, code, "%s", msg);
  mm_error_set_path(p->err, p->path);
  return code;
}

int mm__events_dup(mm__events_parser *p, mm_str s, mm_str *out) {
  char *copy = mm_arena_strndup(p->arena, s.ptr ? s.ptr : "", s.len);
  if (!copy) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  *out = (mm_str){copy, s.len};
  return MM_OK;
}

static void path_append(mm__events_parser *p, const char *s, size_t n) {
  size_t room = sizeof(p->path) - 1 - p->path_len;
  if (n > room) n = room;
  memcpy(p->path + p->path_len, s, n);
  p->path_len += n;
  p->path[p->path_len] = '\0';
}

/* A name that reads unambiguously after a dot. */
static bool plain_name(mm_str key) {
  if (key.len == 0) return false;
  for (size_t i = 0; i < key.len; i++) {
    char c = key.ptr[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '$';
    if (!ok) return false;
  }
  return true;
}

size_t mm__events_path_key(mm__events_parser *p, mm_str key) {
  size_t old = p->path_len;
  if (plain_name(key)) {
    path_append(p, ".", 1);
    path_append(p, key.ptr, key.len);
    return old;
  }
  mm_buf b = MM_BUF_INIT; /* ["key"], escaped as JSON */
  mm_buf_putc(&b, '[');
  mm_json_append_string(&b, key.ptr ? key.ptr : "", key.len);
  mm_buf_putc(&b, ']');
  if (!b.oom) path_append(p, b.ptr, b.len);
  mm_buf_free(&b);
  return old;
}

size_t mm__events_path_index(mm__events_parser *p, size_t i) {
  size_t old = p->path_len;
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "[%zu]", i);
  path_append(p, buf, (size_t)n);
  return old;
}

/* ---- alternatives while parsing ------------------------------------------------ */

/* A list of alternatives under construction: each a list of fields. */
typedef struct alt_list {
  mm__events_alt *v; /* n of them, in the arena */
  size_t n;          /* alternatives */
} alt_list;

static int alts_one_empty(mm__events_parser *p, alt_list *out) {
  out->v = mm_arena_calloc(p->arena, 1, sizeof(*out->v));
  out->n = 1;
  return out->v ? MM_OK : mm__events_fail(p, MM_ENOMEM, "out of memory");
}

/* Every alternative of a combined with every alternative of b. */
static int alts_cross(mm__events_parser *p, alt_list *a, const alt_list *b) {
  if (a->n * b->n > MM_EVENTS_MAX_ALTERNATIVES)
    return mm__events_fail(p, MM_ELIMIT, "$or expands to more than %d alternatives",
                           MM_EVENTS_MAX_ALTERNATIVES);
  mm__events_alt *out = mm_arena_calloc(p->arena, a->n * b->n, sizeof(*out));
  if (!out) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  for (size_t i = 0; i < a->n; i++) {
    for (size_t j = 0; j < b->n; j++) {
      mm__events_alt *o = &out[i * b->n + j];
      o->nfields = a->v[i].nfields + b->v[j].nfields;
      const mm__events_field **f = mm_arena_calloc(p->arena, o->nfields, sizeof(*f));
      if (!f) return mm__events_fail(p, MM_ENOMEM, "out of memory");
      if (a->v[i].nfields) memcpy(f, a->v[i].fields, a->v[i].nfields * sizeof(*f));
      if (b->v[j].nfields)
        memcpy(f + a->v[i].nfields, b->v[j].fields, b->v[j].nfields * sizeof(*f));
      o->fields = f;
    }
  }
  a->v = out, a->n = a->n * b->n;
  return MM_OK;
}

/* ---- fields ------------------------------------------------------------------------ */

/* One entry of a field's value list: an exact value or an operator object. */
static int parse_value(mm__events_parser *p, const mm_json_value *v, mm__events_cond *c) {
  if (!mm_json_is_object(v)) {
    c->op = mm__events_op_exact();
    return c->op->parse(p, v, c);
  }
  if (mm_json_len(v) != 1)
    return mm__events_fail(p, MM_EINVAL, "an operator object has exactly one key, not %zu",
                           mm_json_len(v));
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *key, *operand;
  mm_json_iter_next(&it, &key, &operand);
  mm_str name = mm_json_get_str(key);
  mm__events_path_key(p, name);
  c->op = mm__events_op_find(name);
  if (!c->op)
    return mm__events_fail(p, MM_EINVAL, "unknown operator '%.*s'", (int)name.len, name.ptr);
  return c->op->parse(p, operand, c);
}

/* The path of a field named key under the current object. */
static int field_path(mm__events_parser *p, mm_str key, mm__events_field *f) {
  mm_str *path = mm_arena_calloc(p->arena, p->nsegs + 1, sizeof(*path));
  if (!path) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  memcpy(path, p->segs, p->nsegs * sizeof(*path));
  int rc = mm__events_dup(p, key, &path[p->nsegs]);
  f->path = path, f->depth = (uint32_t)p->nsegs + 1;
  return rc;
}

static int parse_field(mm__events_parser *p, mm_str key, const mm_json_value *list,
                       const mm__events_field **out) {
  size_t n = mm_json_len(list);
  if (n == 0) return mm__events_fail(p, MM_EINVAL, "empty arrays are not allowed");
  if (n > MM_EVENTS_MAX_VALUES)
    return mm__events_fail(p, MM_ELIMIT, "a field lists at most %d values", MM_EVENTS_MAX_VALUES);
  mm__events_field *f = mm_arena_calloc(p->arena, 1, sizeof(*f));
  mm__events_cond *conds = mm_arena_calloc(p->arena, n, sizeof(*conds));
  if (!f || !conds) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  int rc = field_path(p, key, f);
  mm_json_iter it = mm_json_iter_init(list);
  const mm_json_value *v;
  for (size_t i = 0; rc == MM_OK && mm_json_iter_next(&it, NULL, &v); i++) {
    size_t mark = mm__events_path_index(p, i);
    if ((rc = parse_value(p, v, &conds[i])) != MM_OK) break;
    mm__events_path_pop(p, mark);
    if (conds[i].op->index == MM__EV_IDX_EXISTS && !conds[i].flag) f->absent_ok = true;
  }
  f->conds = conds, f->nconds = (uint32_t)n;
  *out = f;
  return rc;
}

/* ---- objects and $or ------------------------------------------------------------ */

static int parse_object(mm__events_parser *p, const mm_json_value *obj, alt_list *out);

static int parse_or(mm__events_parser *p, const mm_json_value *list, alt_list *out) {
  size_t n = mm_json_len(list);
  if (!mm_json_is_array(list) || n < 2)
    return mm__events_fail(p, MM_EINVAL, "$or needs an array of at least two patterns");
  out->n = 0;
  out->v = NULL;
  mm_json_iter it = mm_json_iter_init(list);
  const mm_json_value *v;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &v); i++) {
    size_t mark = mm__events_path_index(p, i);
    alt_list sub;
    int rc = parse_object(p, v, &sub);
    if (rc) return rc;
    if (out->n + sub.n > MM_EVENTS_MAX_ALTERNATIVES)
      return mm__events_fail(p, MM_ELIMIT, "$or expands to more than %d alternatives",
                             MM_EVENTS_MAX_ALTERNATIVES);
    mm__events_alt *all = mm_arena_calloc(p->arena, out->n + sub.n, sizeof(*all));
    if (!all) return mm__events_fail(p, MM_ENOMEM, "out of memory");
    if (out->n) memcpy(all, out->v, out->n * sizeof(*all));
    memcpy(all + out->n, sub.v, sub.n * sizeof(*all));
    out->v = all, out->n += sub.n;
    mm__events_path_pop(p, mark);
  }
  return MM_OK;
}

/* A nested field object: its alternatives, with the name on the path. */
static int parse_nested(mm__events_parser *p, mm_str key, const mm_json_value *obj, alt_list *out) {
  int rc = mm__events_dup(p, key, &p->segs[p->nsegs]);
  if (rc) return rc;
  p->nsegs++;
  rc = parse_object(p, obj, out);
  p->nsegs--;
  return rc;
}

/* A leaf field joins every alternative built so far. */
static int parse_leaf_member(mm__events_parser *p, mm_str key, const mm_json_value *v,
                             alt_list *cur) {
  const mm__events_field *f = NULL;
  int rc = parse_field(p, key, v, &f);
  if (rc) return rc;
  const mm__events_field **fs = mm_arena_calloc(p->arena, 1, sizeof(*fs));
  if (!fs) return mm__events_fail(p, MM_ENOMEM, "out of memory");
  fs[0] = f;
  mm__events_alt one = {1, fs};
  alt_list sub = {&one, 1};
  return alts_cross(p, cur, &sub);
}

static int parse_member(mm__events_parser *p, mm_str key, const mm_json_value *v, alt_list *cur) {
  alt_list sub;
  int rc;
  if (mm_str_eq(key, MM_STR("$or")))
    rc = parse_or(p, v, &sub);
  else if (mm_json_is_object(v))
    rc = parse_nested(p, key, v, &sub);
  else if (mm_json_is_array(v))
    return parse_leaf_member(p, key, v, cur);
  else
    return mm__events_fail(p, MM_EINVAL, "a field's value must be an array or an object, not %s",
                           mm_json_type_name(mm_json_type_of(v)));
  return rc ? rc : alts_cross(p, cur, &sub);
}

static int parse_object(mm__events_parser *p, const mm_json_value *obj, alt_list *out) {
  if (!mm_json_is_object(obj))
    return mm__events_fail(p, MM_EINVAL, "a pattern must be a JSON object, not %s",
                           mm_json_type_name(mm_json_type_of(obj)));
  if (mm_json_len(obj) == 0) return mm__events_fail(p, MM_EINVAL, "empty objects are not allowed");
  if (p->depth >= MM_EVENTS_MAX_DEPTH)
    return mm__events_fail(p, MM_ELIMIT, "patterns nest at most %d objects deep",
                           MM_EVENTS_MAX_DEPTH);
  p->depth++;
  int rc = alts_one_empty(p, out);
  mm_json_iter it = mm_json_iter_init(obj);
  const mm_json_value *k, *v;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &v)) {
    size_t mark = mm__events_path_key(p, mm_json_get_str(k));
    if ((rc = parse_member(p, mm_json_get_str(k), v, out)) == MM_OK) mm__events_path_pop(p, mark);
  }
  p->depth--;
  return rc;
}

/* ---- public ------------------------------------------------------------------------ */

mm_events_pattern *mm_events_pattern_from_value(const mm_json_value *pattern, mm_error *err) {
  mm_events_pattern *pat = mm_calloc(1, sizeof(*pat));
  if (!pat) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  mm_arena_init(&pat->arena, 4096);
  mm__events_parser *p = mm_calloc(1, sizeof(*p));
  alt_list alts = {NULL, 0};
  int rc = p ? MM_OK : mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc == MM_OK) {
    p->arena = &pat->arena, p->err = err, p->path[0] = '$', p->path_len = 1;
    rc = parse_object(p, pattern, &alts);
  }
  mm_free(p);
  if (rc != MM_OK) {
    mm_events_pattern_free(pat);
    return NULL;
  }
  pat->alts = alts.v, pat->nalts = (uint32_t)alts.n;
  return pat;
}

mm_events_pattern *mm_events_pattern_parse(const char *json, size_t len, mm_error *err) {
  if (len > MM_EVENTS_MAX_PATTERN_SIZE) {
    mm_error_set(err, MM_ELIMIT, "pattern is %zu bytes; the limit is %d", len,
                 MM_EVENTS_MAX_PATTERN_SIZE);
    mm_error_set_path(err, "$");
    return NULL;
  }
  mm_json_options opt = {0, 0, 0, MM_JSON_REJECT_DUPLICATES};
  mm_json_doc *doc = mm_json_parse(json, len, &opt, err);
  if (!doc) return NULL;
  mm_events_pattern *p = mm_events_pattern_from_value(mm_json_doc_root(doc), err);
  mm_json_doc_free(doc);
  return p;
}

void mm_events_pattern_free(mm_events_pattern *p) {
  if (!p) return;
  mm_arena_destroy(&p->arena);
  mm_free(p);
}

size_t mm_events_pattern_alternatives(const mm_events_pattern *p) { return p ? p->nalts : 0; }
