/*
 * iam_case.c - runs one IAM decision case (tests/iam/cases/NAME.json):
 *
 *   {"description": "what the case shows",
 *    "doc": "https://docs.aws.amazon.com/... (the page the expectation comes from)",
 *    "principal": ..., "action": ..., "resource": ..., "context": ...,
 *    "policies": {...},                      (the request format of docs/iam.md)
 *    "expect": {"decision": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied",
 *               "decidedBy": "identity" | "resource" | ... (optional)}}
 *
 * The request is decided twice, with and without an explanation, and both
 * decisions must equal the expectation; the explanation must be valid JSON.
 */
#include "mamori/iam.h"
#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

static int check(const mm_json_value *root, const char *path) {
  const mm_json_value *expect = mm_json_get(root, "expect");
  const char *want = mm_json_str(mm_json_get(expect, "decision"));
  const char *want_by = mm_json_str(mm_json_get(expect, "decidedBy"));
  if (!want || !mm_json_str(mm_json_get(root, "doc"))) {
    fprintf(stderr, "%s: a case needs expect.decision and doc\n", path);
    return 1;
  }
  mm_error err;
  mm_iam_query *q = mm_iam_query_parse(root, &err);
  if (!q) {
    char buf[512];
    fprintf(stderr, "%s: %s\n", path, mm_error_format(&err, buf, sizeof(buf)));
    return 1;
  }
  mm_iam_result fast, slow;
  mm_buf ex = MM_BUF_INIT;
  mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &fast, NULL);
  mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &slow, &ex);
  int fails = 0;
  const char *got = mm_iam_decision_name(fast.decision), *by = mm_iam_kind_name(fast.decided_by);
  if (strcmp(got, want) != 0 || (want_by && strcmp(by, want_by) != 0)) {
    fprintf(stderr, "%s: want %s (by %s), got %s (by %s): %s\n", path, want,
            want_by ? want_by : "any", got, by, fast.reason);
    fails++;
  }
  if (slow.decision != fast.decision || slow.decided_by != fast.decided_by) {
    fprintf(stderr, "%s: the explained decision differs\n", path);
    fails++;
  }
  mm_json_doc *d = mm_json_parse(ex.ptr ? ex.ptr : "", ex.len, NULL, NULL);
  if (!d) fprintf(stderr, "%s: explanation is not JSON\n", path), fails++;
  if (fails) fprintf(stderr, "explanation: %s\n", ex.ptr ? ex.ptr : "");
  mm_json_doc_free(d);
  mm_buf_free(&ex);
  mm_iam_query_free(q);
  return fails != 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: iam_case CASE.json\n"), 2;
  size_t len = 0;
  char *text = read_all(argv[1], &len);
  if (!text) return fprintf(stderr, "%s: cannot read\n", argv[1]), 1;
  mm_error err;
  mm_json_doc *doc = mm_json_parse(text, len, NULL, &err);
  int rc = 1;
  if (doc)
    rc = check(mm_json_doc_root(doc), argv[1]);
  else
    fprintf(stderr, "%s:%u:%u: %s\n", argv[1], err.line, err.column, err.msg);
  mm_json_doc_free(doc);
  free(text);
  return rc;
}
