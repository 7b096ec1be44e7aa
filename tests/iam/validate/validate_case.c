/*
 * validate_case.c - runs one policy validation case (a tests/iam/validate/cases file):
 *
 *   {"page": the AWS page (and anchor) the case comes from,
 *    "type": "IDENTITY_POLICY" | "RESOURCE_POLICY" | "SERVICE_CONTROL_POLICY" |
 *            "RESOURCE_CONTROL_POLICY" (default IDENTITY_POLICY),
 *    "policy": the document as JSON (written pretty, two-space indent), or
 *    "text": the document as exact text (for malformed JSON),
 *    "catalog": false to validate without the IAM catalog (default true),
 *    "expect": [{"issueCode", "path"?: "Statement[0].Action[1]",
 *                "findingType"?, "line"?, "column"? (1-based)}, ...],
 *    "absent": [issue codes that must not be reported],
 *    "only": true when no finding but the expected ones may appear}
 *
 * Exit 0 when the findings match; otherwise every finding is printed.
 */
#include "mamori/iam.h"
#include "mamori/json.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

#ifndef MM_IAM_CATALOG_PATH
#define MM_IAM_CATALOG_PATH "data/iam/catalog.txt.gz"
#endif

static void dump(const mm_iam_validation *v) {
  for (size_t i = 0; i < mm_iam_validation_count(v); i++) {
    const mm_iam_finding *f = mm_iam_validation_at(v, i);
    mm_buf path = MM_BUF_INIT;
    if (f->n_locations) mm_iam_location_path_text(&f->locations[0], &path);
    fprintf(stderr, "  %s %s at %s (%u:%u): %s\n", mm_iam_finding_type_name(f->type), f->code,
            path.ptr ? path.ptr : "-", f->n_locations ? f->locations[0].start.line : 0,
            f->n_locations ? f->locations[0].start.column + 1 : 0, f->message);
    mm_buf_free(&path);
  }
}

static bool finding_matches(const mm_iam_finding *f, const mm_json_value *want) {
  const char *code = mm_json_str(mm_json_get(want, "issueCode"));
  const char *path = mm_json_str(mm_json_get(want, "path"));
  const char *type = mm_json_str(mm_json_get(want, "findingType"));
  int64_t line = 0, col = 0;
  if (!code || strcmp(code, f->code) != 0) return false;
  if (type && strcmp(type, mm_iam_finding_type_name(f->type)) != 0) return false;
  const mm_iam_location *l = f->n_locations ? &f->locations[0] : NULL;
  if (mm_json_get_int64(mm_json_get(want, "line"), &line) == MM_OK && (!l || l->start.line != line))
    return false;
  if (mm_json_get_int64(mm_json_get(want, "column"), &col) == MM_OK &&
      (!l || l->start.column + 1 != col))
    return false;
  if (!path) return true;
  mm_buf text = MM_BUF_INIT;
  if (l) mm_iam_location_path_text(l, &text);
  bool ok = strcmp(text.ptr ? text.ptr : "", path) == 0;
  mm_buf_free(&text);
  return ok;
}

static int check(const mm_iam_validation *v, const mm_json_value *c) {
  int bad = 0;
  mm_json_iter it = mm_json_iter_init(mm_json_get(c, "expect"));
  const mm_json_value *want;
  size_t expected = 0;
  while (mm_json_iter_next(&it, NULL, &want)) {
    bool found = false;
    for (size_t i = 0; i < mm_iam_validation_count(v) && !found; i++)
      found = finding_matches(mm_iam_validation_at(v, i), want);
    if (!found) {
      mm_buf w = MM_BUF_INIT;
      mm_json_write(&w, want, 0);
      fprintf(stderr, "expected finding missing: %s\n", w.ptr);
      mm_buf_free(&w);
      bad++;
    }
    expected++;
  }
  it = mm_json_iter_init(mm_json_get(c, "absent"));
  while (mm_json_iter_next(&it, NULL, &want))
    for (size_t i = 0; i < mm_iam_validation_count(v); i++)
      if (strcmp(mm_iam_validation_at(v, i)->code, mm_json_str(want) ? mm_json_str(want) : "") == 0)
        fprintf(stderr, "unexpected finding: %s\n", mm_json_str(want)), bad++;
  if (mm_json_is_true(mm_json_get(c, "only")) && mm_iam_validation_count(v) != expected)
    fprintf(stderr, "%zu findings, %zu expected\n", mm_iam_validation_count(v), expected), bad++;
  return bad;
}

static int run(const mm_json_value *c, const mm_iam_catalog *cat) {
  mm_buf text = MM_BUF_INIT;
  const mm_json_value *raw = mm_json_get(c, "text");
  if (raw)
    mm_buf_append(&text, mm_json_str(raw), mm_json_len(raw));
  else
    mm_json_write(&text, mm_json_get(c, "policy"), MM_JSON_WRITE_PRETTY);
  mm_iam_validate_options opt = {MM_IAM_POLICY_IDENTITY, NULL, 0};
  const mm_json_value *type = mm_json_get(c, "type");
  if (type && !mm_iam_policy_type_parse(mm_json_get_str(type), &opt.type))
    return fprintf(stderr, "bad type\n"), 1;
  bool use_cat =
      !mm_json_is_bool(mm_json_get(c, "catalog")) || mm_json_is_true(mm_json_get(c, "catalog"));
  mm_error err;
  mm_iam_validation *v =
      mm_iam_validate(use_cat ? cat : NULL, text.ptr ? text.ptr : "", text.len, &opt, &err);
  int bad = v ? check(v, c) : (fprintf(stderr, "validate failed: %s\n", err.msg), 1);
  if (bad) fprintf(stderr, "policy:\n%s\nfindings:\n", text.ptr ? text.ptr : ""), dump(v);
  mm_iam_validation_free(v);
  mm_buf_free(&text);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: iam_validate_case CASE.json\n"), 2;
  size_t len = 0;
  char *data = mm_test_read_file(argv[1], &len);
  mm_error err;
  mm_json_doc *doc = data ? mm_json_parse(data, len, NULL, &err) : NULL;
  mm_iam_catalog *cat = mm_iam_catalog_load(MM_IAM_CATALOG_PATH, &err);
  int rc = 2;
  if (!doc || !cat || !mm_json_get(mm_json_doc_root(doc), "page"))
    fprintf(stderr, "%s: cannot read the case, its page or the catalog\n", argv[1]);
  else
    rc = run(mm_json_doc_root(doc), cat) ? 1 : 0;
  mm_iam_catalog_free(cat);
  mm_json_doc_free(doc);
  free(data);
  return rc;
}
