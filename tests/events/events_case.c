/*
 * events_case.c - runs one table of event-pattern cases (tests/events/cases/
 * *.jsonl) against the events engine.
 *
 *   events_case CASES.jsonl
 *
 * Each line is one case, citing the Amazon EventBridge User Guide page it
 * follows:
 *
 *   {"name": "...", "page": "eb-create-pattern-operators.html#...",
 *    "pattern": {...} | "pattern text",
 *    "event": {...}, "match": true | false}
 *   {"name": "...", "page": "...", "pattern": ...,
 *    "error": {"path": "$.detail.x[0].numeric", "code": "EINVAL", "msg": "substring"}}
 *
 * A pattern given as an object is written out and parsed back as text, so
 * the text path (size limit, duplicate keys) runs too; a pattern given as a
 * string is parsed as it stands. A match case must give the expected answer
 * through the direct evaluator, mm_events_test_pattern, and a matcher
 * holding only that pattern. Finally all valid patterns of the table are
 * compiled into one matcher, and for every event of the table it must
 * report exactly the patterns the direct evaluator says match.
 */
#include "mamori/events.h"
#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, cases;

#define CHECK(cond, ...)                  \
  do {                                    \
    if (!(cond)) {                        \
      fprintf(stderr, "FAIL %s: ", name); \
      fprintf(stderr, __VA_ARGS__);       \
      fputc('\n', stderr);                \
      failures++;                         \
    }                                     \
  } while (0)

#define MAX_CASES 512

typedef struct table {
  mm_events_pattern *pats[MAX_CASES]; /* valid patterns, parsed */
  mm_json_doc *events[MAX_CASES];     /* the events */
  size_t npats, nevents;
} table;

/* The pattern's text: the string itself, or the object written compactly. */
static int pattern_text(const mm_json_value *pat, mm_buf *out) {
  if (mm_json_is_string(pat)) return mm_buf_append(out, mm_json_str(pat), mm_json_len(pat));
  return mm_json_write(out, pat, 0);
}

static void check_error(const char *name, const mm_error *err, const mm_json_value *want) {
  const char *path = mm_json_str(mm_json_get(want, "path"));
  const char *code = mm_json_str(mm_json_get(want, "code"));
  const char *msg = mm_json_str(mm_json_get(want, "msg"));
  if (path)
    CHECK(strcmp(err->path, path) == 0, "error path %s, want %s (%s)", err->path, path, err->msg);
  if (code)
    CHECK(strcmp(mm_status_name(err->code), code) == 0, "error code %s, want %s (%s)",
          mm_status_name(err->code), code, err->msg);
  if (msg) CHECK(strstr(err->msg, msg) != NULL, "error message '%s' lacks '%s'", err->msg, msg);
}

/* The answer of a matcher holding p alone. */
static bool single_matcher(mm_events_pattern *p, const mm_json_value *event) {
  mm_events_builder *b = mm_events_builder_new();
  mm_events_builder_add(b, MM_STR("only"), p, NULL);
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *ctx = mm_events_ctx_new(m);
  bool hit = m && ctx && mm_events_match(m, ctx, event, NULL) == 1;
  mm_events_ctx_free(ctx);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  return hit;
}

static void run_match_case(const char *name, const char *text, size_t len, const mm_json_value *rec,
                           table *t) {
  mm_error err;
  mm_error_clear(&err);
  bool want = mm_json_is_true(mm_json_get(rec, "match"));
  const mm_json_value *event = mm_json_get(rec, "event");
  mm_events_pattern *p = mm_events_pattern_parse(text, len, &err);
  CHECK(p != NULL, "pattern rejected at %s: %s", err.path, err.msg);
  if (!p) return;
  CHECK(mm_events_pattern_matches(p, event) == want, "direct evaluation says %d", !want);
  mm_buf ev = MM_BUF_INIT;
  mm_json_write(&ev, event, 0);
  int rc = mm_events_test_pattern(text, len, ev.ptr, ev.len, &err);
  CHECK(rc == (want ? 1 : 0), "test_pattern says %d", rc);
  mm_buf_free(&ev);
  mm_events_pattern *again = mm_events_pattern_parse(text, len, NULL);
  CHECK(single_matcher(again, event) == want, "single-pattern matcher says %d", !want);
  t->pats[t->npats++] = p;
}

static void run_case(const mm_json_value *rec, table *t) {
  const char *name = mm_json_str(mm_json_get(rec, "name"));
  if (!name) name = "(unnamed)";
  const mm_json_value *pat = mm_json_get(rec, "pattern"), *event = mm_json_get(rec, "event");
  cases++;
  CHECK(mm_json_str(mm_json_get(rec, "page")) != NULL, "case cites no User Guide page");
  mm_buf text = MM_BUF_INIT;
  pattern_text(pat, &text);
  if (event && t->nevents < MAX_CASES) {
    mm_buf ev = MM_BUF_INIT;
    mm_json_write(&ev, event, 0);
    t->events[t->nevents++] = mm_json_parse(ev.ptr, ev.len, NULL, NULL);
    mm_buf_free(&ev);
  }
  const mm_json_value *want_err = mm_json_get(rec, "error");
  if (want_err) {
    mm_error err;
    mm_error_clear(&err);
    mm_events_pattern *p = mm_events_pattern_parse(text.ptr ? text.ptr : "", text.len, &err);
    CHECK(p == NULL, "pattern accepted, want an error at %s",
          mm_json_str(mm_json_get(want_err, "path")));
    if (!p) check_error(name, &err, want_err);
    mm_events_pattern_free(p);
  } else if (t->npats < MAX_CASES) {
    run_match_case(name, text.ptr ? text.ptr : "", text.len, rec, t);
  }
  mm_buf_free(&text);
}

/* Every valid pattern of the table in one matcher, against every event. */
static void cross_check(table *t) {
  const char *name = "(whole table)";
  mm_events_builder *b = mm_events_builder_new();
  char id[32];
  for (size_t i = 0; i < t->npats; i++) { /* the matcher takes the patterns over */
    snprintf(id, sizeof(id), "p%zu", i);
    mm_events_builder_add(b, mm_str_from(id), t->pats[i], NULL);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *ctx = mm_events_ctx_new(m);
  CHECK(m && ctx, "compile failed");
  for (size_t e = 0; m && ctx && e < t->nevents; e++) {
    const mm_json_value *ev = mm_json_doc_root(t->events[e]);
    const uint32_t *idx;
    size_t n = mm_events_match(m, ctx, ev, &idx), k = 0;
    for (size_t i = 0; i < t->npats; i++) {
      bool direct = mm_events_pattern_matches(mm_events_matcher_pattern(m, i), ev);
      bool reported = k < n && idx[k] == i;
      if (reported) k++;
      CHECK(direct == reported, "event %zu, pattern %zu: direct %d, matcher %d", e, i, direct,
            reported);
    }
    CHECK(k == n, "event %zu: matcher reported extra patterns", e);
  }
  mm_events_ctx_free(ctx);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  for (size_t e = 0; e < t->nevents; e++) mm_json_doc_free(t->events[e]);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: events_case CASES.jsonl\n");
    return 2;
  }
  mm_error err;
  mm_json_reader *r = mm_json_reader_open_path(argv[1], MM_JSON_STREAM_LINES, NULL, &err);
  if (!r) {
    fprintf(stderr, "%s: %s\n", argv[1], err.msg);
    return 1;
  }
  static table t;
  mm_json_record rec;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      fprintf(stderr, "%s:%u:%u: %s\n", argv[1], err.line, err.column, err.msg);
      failures++;
      continue;
    }
    run_case(rec.value, &t);
  }
  mm_json_reader_close(r);
  cross_check(&t);
  printf("%d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
