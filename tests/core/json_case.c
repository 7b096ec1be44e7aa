/*
 * json_case.c - runs one JSONTestSuite file (github.com/nst/JSONTestSuite,
 * test_parsing/ and test_transform/) against the JSON module.
 *
 *   json_case EXPECTATIONS FILE
 *
 * The expected outcome comes from the file name: y_* must parse, n_* must
 * fail with an error that has a line and a column; anything else (i_* and
 * test_transform/) must have a line in EXPECTATIONS (json_i_expectations.txt):
 *
 *   name | accept or reject | summary (may be empty) | why
 *
 * Every accepted file also goes through the invariants the module promises:
 * write -> parse gives an equal tree, writing twice gives the same bytes, the
 * pretty form parses to an equal tree, parsing into an arena agrees, and the
 * streaming reader (DOCUMENT mode, from memory) yields the same single value.
 * The summary pins the choices the suite leaves open: the compact output,
 * and for a first array element that is a number its int64/uint64/double
 * readings, for a string its bytes in hex, for an object the value that
 * lookup returns for its first key (duplicate keys).
 */
#include "mamori/json.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
      failures++;                                          \
    }                                                      \
  } while (0)

/* name without directory and ".json" */
static void case_name(const char *path, char *out, size_t size) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  snprintf(out, size, "%s", base);
  size_t n = strlen(out);
  if (n > 5 && strcmp(out + n - 5, ".json") == 0) out[n - 5] = '\0';
}

/* Trimmed copy of the '|'-separated field at *p; advances *p past it. */
static void next_field(char **p, char *out, size_t size) {
  char *bar = strchr(*p, '|'), *end = bar ? bar : *p + strlen(*p);
  char *s = *p;
  while (s < end && (*s == ' ' || *s == '\t')) s++;
  char *e = end;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n')) e--;
  snprintf(out, size, "%.*s", (int)(e - s), s);
  *p = bar ? bar + 1 : end;
}

/* Find name's line: outcome into *accept, summary into sum. */
static bool lookup(const char *expect_path, const char *name, bool *accept, char *sum,
                   size_t sum_size) {
  FILE *f = fopen(expect_path, "r");
  char line[2048], field[256];
  bool found = false;
  while (f && !found && fgets(line, sizeof(line), f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char *p = line;
    next_field(&p, field, sizeof(field));
    if (strcmp(field, name) != 0) continue;
    next_field(&p, field, sizeof(field));
    *accept = strcmp(field, "accept") == 0;
    next_field(&p, sum, sum_size);
    found = true;
  }
  if (f) fclose(f);
  return found;
}

static void summarize_number(mm_buf *s, const mm_json_value *n) {
  int64_t i;
  uint64_t u;
  double d;
  if (mm_json_get_int64(n, &i) == MM_OK)
    mm_buf_printf(s, " int64=%lld", (long long)i);
  else
    mm_buf_puts(s, " int64=ERANGE");
  if (mm_json_get_uint64(n, &u) == MM_OK)
    mm_buf_printf(s, " uint64=%llu", (unsigned long long)u);
  else
    mm_buf_puts(s, " uint64=ERANGE");
  int rc = mm_json_get_double(n, &d);
  mm_buf_printf(s, " double=%s%.17g", rc == MM_ERANGE ? "ERANGE:" : "", d);
}

static void summarize(mm_buf *s, const mm_json_value *root) {
  mm_json_write(s, root, 0);
  const mm_json_value *first = mm_json_at(root, 0);
  if (mm_json_is_number(first)) summarize_number(s, first);
  if (mm_json_is_string(first)) {
    mm_buf_puts(s, " hex=");
    mm_str str = mm_json_get_str(first);
    for (size_t i = 0; i < str.len; i++) mm_buf_printf(s, "%02x", (unsigned char)str.ptr[i]);
  }
  mm_json_iter it = mm_json_iter_init(root);
  const mm_json_value *k;
  if (mm_json_is_object(root) && mm_json_iter_next(&it, &k, NULL)) {
    mm_buf_printf(s, " get(%s)=", mm_json_str(k));
    mm_json_write(s, mm_json_getn(root, mm_json_str(k), mm_json_len(k)), 0);
  }
}

/* The streaming reader agrees: one value equal to root, or (root NULL) at
 * least one error. */
static void check_reader(const char *text, size_t len, const mm_json_value *root) {
  mm_error err;
  mm_json_record rec;
  mm_json_reader *r = mm_json_reader_open_mem(text, len, MM_JSON_STREAM_DOCUMENT, NULL, &err);
  CHECK(r != NULL, "reader open");
  if (!r) return;
  int values = 0, errors = 0, rc;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc == MM_OK) {
      values++;
      if (root) CHECK(mm_json_equal(rec.value, root), "reader value differs from the parse");
    } else {
      errors++;
      CHECK(err.line >= 1 && err.column >= 1, "reader error without position: %s", err.msg);
    }
  }
  if (root)
    CHECK(values == 1 && errors == 0, "reader: %d values, %d errors", values, errors);
  else
    CHECK(errors >= 1, "reader accepted what the parser rejects");
  mm_json_reader_close(r);
}

static void check_accepted(const char *text, size_t len, const mm_json_value *root,
                           const char *want_summary) {
  mm_buf w1 = MM_BUF_INIT, w2 = MM_BUF_INIT, pretty = MM_BUF_INIT, sum = MM_BUF_INIT;
  mm_error err;
  CHECK(mm_json_write(&w1, root, 0) == MM_OK, "write");
  mm_json_doc *d2 = mm_json_parse(w1.ptr, w1.len, NULL, &err);
  CHECK(d2 != NULL, "written text does not parse: %s", err.msg);
  CHECK(mm_json_equal(root, mm_json_doc_root(d2)), "write -> parse changed the tree");
  mm_json_write(&w2, mm_json_doc_root(d2), 0);
  CHECK(w1.len == w2.len && memcmp(w1.ptr, w2.ptr, w1.len) == 0, "writing twice differs");
  mm_json_write(&pretty, root, MM_JSON_WRITE_PRETTY);
  mm_json_doc *d3 = mm_json_parse(pretty.ptr, pretty.len, NULL, &err);
  CHECK(d3 && mm_json_equal(root, mm_json_doc_root(d3)), "pretty form differs");
  mm_arena a;
  mm_arena_init(&a, 0);
  CHECK(mm_json_equal(root, mm_json_parse_arena(&a, text, len, NULL, &err)), "arena parse differs");
  mm_arena_destroy(&a);
  check_reader(text, len, root);
  if (want_summary && want_summary[0]) {
    summarize(&sum, root);
    CHECK(strcmp(sum.ptr, want_summary) == 0, "summary\n  got:  %s\n  want: %s", sum.ptr,
          want_summary);
  }
  mm_json_doc_free(d2);
  mm_json_doc_free(d3);
  mm_buf_free(&w1);
  mm_buf_free(&w2);
  mm_buf_free(&pretty);
  mm_buf_free(&sum);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: json_case EXPECTATIONS FILE\n");
    return 2;
  }
  char name[256], sum[1024] = "";
  case_name(argv[2], name, sizeof(name));
  bool accept = strncmp(name, "y_", 2) == 0;
  bool pinned = !accept && strncmp(name, "n_", 2) != 0;
  if (pinned && !lookup(argv[1], name, &accept, sum, sizeof(sum))) {
    fprintf(stderr, "FAIL: %s has no line in %s\n", name, argv[1]);
    return 1;
  }
  size_t len = 0;
  char *text = mm_test_read_file(argv[2], &len);
  if (!text) {
    fprintf(stderr, "FAIL: cannot read %s\n", argv[2]);
    return 1;
  }
  mm_error err;
  mm_error_clear(&err);
  mm_json_doc *doc = mm_json_parse(text, len, NULL, &err);
  char msg[512];
  if (doc)
    printf("%s: accepted\n", name);
  else
    printf("%s: rejected (%s) %s\n", name, mm_status_name(err.code),
           mm_error_format(&err, msg, sizeof(msg)));
  CHECK(!doc == !accept, "expected %s", accept ? "accept" : "reject");
  if (doc && accept) check_accepted(text, len, mm_json_doc_root(doc), sum);
  if (!doc) {
    CHECK(err.code != MM_OK && err.line >= 1 && err.column >= 1 && err.msg[0],
          "error without code/line/column/message");
    check_reader(text, len, NULL);
  }
  mm_json_doc_free(doc);
  free(text);
  return failures ? 1 : 0;
}
