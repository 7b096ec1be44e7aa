/*
 * eval.c - evaluating one parsed pattern directly against an event's tree,
 * and the one-shot TestEventPattern equivalent.
 *
 * Follows the Amazon EventBridge User Guide, "Event patterns" (a pattern
 * matches when every field it names matches) and "Arrays in event patterns"
 * (eb-event-patterns-arrays.html: "If the value in the event is an array,
 * then the event pattern matches if the intersection of the event pattern
 * array and the event array is non-empty"). Arrays are transparent at every
 * level: the leaves of an array of arrays or of objects all count for the
 * path that leads to them, and each field is judged on its own. This is the
 * slow, obviously-correct path; matcher.c is the fast one and the tests hold
 * the two to the same answers.
 */
#include "events/events_int.h"

#include <string.h>

bool mm__events_walk_path(const mm_json_value *v, const mm_str *path, uint32_t depth,
                          mm__events_leaf_fn fn, void *ctx) {
  if (mm_json_is_array(v)) {
    mm_json_iter it = mm_json_iter_init(v);
    const mm_json_value *e;
    while (mm_json_iter_next(&it, NULL, &e))
      if (mm__events_walk_path(e, path, depth, fn, ctx)) return true;
    return false;
  }
  if (depth == 0) {
    mm__events_leaf leaf;
    return mm__events_leaf_of(v, &leaf) && fn(ctx, &leaf);
  }
  if (!mm_json_is_object(v)) return false;
  mm_json_iter it = mm_json_iter_init(v); /* every member of that name: duplicates count */
  const mm_json_value *k, *m;
  while (mm_json_iter_next(&it, &k, &m))
    if (mm_str_eq(mm_json_get_str(k), path[0]) &&
        mm__events_walk_path(m, path + 1, depth - 1, fn, ctx))
      return true;
  return false;
}

typedef struct field_eval {
  const mm__events_field *f; /* the field being judged */
  bool seen;                 /* some leaf lies at its path */
} field_eval;

static bool leaf_satisfies(void *ctx, const mm__events_leaf *leaf) {
  field_eval *fe = ctx;
  fe->seen = true;
  for (uint32_t i = 0; i < fe->f->nconds; i++)
    if (mm__events_cond_match(&fe->f->conds[i], leaf)) return true;
  return false;
}

bool mm__events_field_matches(const mm__events_field *f, const mm_json_value *event) {
  field_eval fe = {f, false};
  if (mm__events_walk_path(event, f->path, f->depth, leaf_satisfies, &fe)) return true;
  return !fe.seen && f->absent_ok;
}

static bool alt_matches(const mm__events_alt *a, const mm_json_value *event) {
  for (uint32_t i = 0; i < a->nfields; i++)
    if (!mm__events_field_matches(a->fields[i], event)) return false;
  return true;
}

bool mm_events_pattern_matches(const mm_events_pattern *p, const mm_json_value *event) {
  if (!p) return false;
  if (!mm_json_is_object(event)) event = NULL; /* no fields at all: only absence can match */
  for (uint32_t i = 0; i < p->nalts; i++)
    if (alt_matches(&p->alts[i], event)) return true;
  return false;
}

int mm_events_test_pattern(const char *pattern, size_t pattern_len, const char *event,
                           size_t event_len, mm_error *err) {
  mm_error local;
  if (!err) err = &local;
  mm_error_clear(err);
  mm_events_pattern *p = mm_events_pattern_parse(pattern, pattern_len, err);
  if (!p) return err->code ? err->code : MM_EINVAL;
  int rc;
  mm_json_doc *doc = mm_json_parse(event, event_len, NULL, err);
  if (!doc) {
    rc = err->code ? err->code : MM_ESYNTAX;
    mm_error_set_path(err, "event");
  } else {
    rc = mm_events_pattern_matches(p, mm_json_doc_root(doc)) ? 1 : 0;
  }
  mm_json_doc_free(doc);
  mm_events_pattern_free(p);
  return rc;
}
