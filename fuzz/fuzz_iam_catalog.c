/*
 * fuzz_iam_catalog.c - the IAM catalog parser (src/iam/catalog.c) on
 * arbitrary bytes. Invariants: no crash, leak or hang; a rejected file has
 * an error with a status, a message and a position inside the input; an
 * accepted one finds each action it lists by the action's full name, and
 * expansion counts agree with the statistics.
 */
#include "fuzz.h"
#include "mamori/iam.h"

#include <string.h>

static void check_rejected(const mm_error *err, size_t size) {
  FUZZ_CHECK(err->code < 0 && err->msg[0] != '\0');
  FUZZ_CHECK(err->line == 0 || err->offset <= size);
}

static void check_accepted(const mm_iam_catalog *c) {
  mm_iam_catalog_stats st;
  mm_iam_catalog_get_stats(c, &st);
  const mm_iam_catalog_action *found[64];
  size_t total = 0;
  FUZZ_CHECK(mm_iam_catalog_expand(c, MM_STR("*"), found, 64, &total, NULL) == MM_OK);
  FUZZ_CHECK(total == st.actions);
  for (size_t i = 0; i < total && i < 64; i++) {
    const mm_iam_catalog_action *a = mm_iam_catalog_action_find(c, found[i]->full);
    FUZZ_CHECK(a != NULL && mm_str_ieq(a->full, found[i]->full));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_error err;
  mm_error_clear(&err);
  mm_iam_catalog *c = mm_iam_catalog_parse((const char *)data, size, &err);
  if (!c) {
    check_rejected(&err, size);
    return 0;
  }
  check_accepted(c);
  mm_iam_catalog_free(c);
  return 0;
}
