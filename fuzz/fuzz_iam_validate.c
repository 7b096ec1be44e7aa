/*
 * fuzz_iam_validate.c - libFuzzer target for the IAM policy validator.
 *
 * The input is validated as each of the four policy types, with the
 * committed catalog (loaded once, when MAMORI_IAM_CATALOG or the built-in
 * path can be read) and without it. Invariants: no crash, leak or hang;
 * every finding has a known issue code, a message and locations whose
 * spans lie inside the input (start <= end <= size, lines counted from 1);
 * a finding's type is the one its code has in the check table; each
 * finding's JSON and (for the first type) the SARIF log are valid JSON.
 */
#include "mamori/iam.h"
#include "mamori/json.h"

#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef MM_IAM_CATALOG_DEFAULT
#define MM_IAM_CATALOG_DEFAULT "data/iam/catalog.txt.gz"
#endif

static const mm_iam_catalog *catalog(void) {
  static mm_iam_catalog *cat;
  static bool tried;
  if (!tried) {
    const char *env = getenv("MAMORI_IAM_CATALOG");
    tried = true;
    cat = mm_iam_catalog_load(env && *env ? env : MM_IAM_CATALOG_DEFAULT, NULL);
  }
  return cat;
}

static void check_finding(const mm_iam_finding *f, size_t size) {
  const mm_iam_check *c = mm_iam_validate_check_find(f->code);
  FUZZ_CHECK(c != NULL);
  FUZZ_CHECK(c->type == f->type);
  FUZZ_CHECK(f->message && f->message[0]);
  for (size_t i = 0; i < f->n_locations; i++) {
    const mm_iam_location *l = &f->locations[i];
    FUZZ_CHECK(l->start.offset <= l->end.offset && l->end.offset <= size);
    FUZZ_CHECK(l->start.line >= 1 && l->end.line >= l->start.line);
  }
  mm_buf out = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &out, 0);
  FUZZ_CHECK(mm_iam_finding_write_json(f, &w) == MM_OK && mm_json_writer_finish(&w) == MM_OK);
  mm_json_doc *doc = mm_json_parse(out.ptr, out.len, NULL, NULL);
  FUZZ_CHECK(doc != NULL);
  mm_json_doc_free(doc);
  mm_buf_free(&out);
}

static void run(const mm_iam_catalog *cat, const char *text, size_t size, mm_iam_policy_type t,
                bool sarif) {
  mm_iam_validate_options opt = {t, NULL, 0};
  mm_iam_validation *v = mm_iam_validate(cat, text, size, &opt, NULL);
  FUZZ_CHECK(v != NULL);
  for (size_t i = 0; i < mm_iam_validation_count(v); i++)
    check_finding(mm_iam_validation_at(v, i), size);
  if (!sarif) {
    mm_iam_validation_free(v);
    return;
  }
  mm_buf out = MM_BUF_INIT;
  FUZZ_CHECK(mm_iam_validation_sarif((const mm_iam_validation *const *)&v, NULL, 1, 0, &out) ==
             MM_OK);
  mm_json_doc *doc = mm_json_parse(out.ptr, out.len, NULL, NULL);
  FUZZ_CHECK(doc != NULL);
  mm_json_doc_free(doc);
  mm_buf_free(&out);
  mm_iam_validation_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = size ? (const char *)data : "";
  for (int t = 0; t < 4; t++) run(catalog(), text, size, (mm_iam_policy_type)t, t == 0);
  run(NULL, text, size, MM_IAM_POLICY_RESOURCE, false);
  return 0;
}
