/*
 * fuzz_glob.c - libFuzzer target for the glob module.
 *
 * The first byte picks the flags (its low five bits: every combination of
 * MM_GLOB_* is one mutation away); the rest is split at its first NUL byte
 * into a pattern and a text (no NUL: the first half is the pattern). The
 * compiled matcher and the one-shot matcher must agree with the
 * dynamic-programming reference of tests/core/test_glob_ref.h, including on
 * which patterns are invalid. Inputs are capped at 400 bytes so the
 * reference's O(pattern x text) table stays cheap. (test_glob_random.c
 * checks all 32 flag sets on every pair.)
 */
#include "mamori/glob.h"
#include "../tests/core/test_glob_ref.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *p, size_t np, const uint8_t *t, size_t nt, unsigned flags) {
  int want = ref_glob_match(p, np, t, nt, flags);
  mm_glob *g = mm_glob_compile((mm_str){(const char *)p, np}, flags, NULL, NULL);
  int got = g ? mm_glob_matches(g, (mm_str){(const char *)t, nt}) : -1;
  int once = mm_glob_match((mm_str){(const char *)p, np}, (mm_str){(const char *)t, nt}, flags);
  mm_glob_free(g);
  if (got == want && (once < 0 ? -1 : once) == want) return;
  fprintf(stderr, "glob mismatch: flags %#x reference %d compiled %d one-shot %d\n", flags, want,
          got, once);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 400) return 0;
  unsigned flags = data[0] & MM_GLOB_ALL_FLAGS;
  data++, size--;
  const uint8_t *nul = memchr(data, 0, size);
  size_t np = nul ? (size_t)(nul - data) : size / 2;
  const uint8_t *t = nul ? nul + 1 : data + np;
  size_t nt = size - np - (nul ? 1 : 0);
  check(data, np, t, nt, flags);
  return 0;
}
