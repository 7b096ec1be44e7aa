/*
 * fuzz_waf_transform.c - libFuzzer target for the AWS WAF text
 * transformations (src/waf/transform.h).
 *
 * The first byte picks what runs: below MM__WAF_T_COUNT, that one
 * transformation; otherwise a chain whose length is 1 + (second byte % 10)
 * and whose steps are named by the next bytes (each modulo the number of
 * types). The rest is the input. Checked on every run:
 *   - no crash, no out-of-bounds access: each transformation is also called
 *     directly on a heap copy of the input into a heap buffer of exactly its
 *     documented bound, so ASan sees any byte read or written beyond them;
 *   - the output length is within that bound and both paths agree;
 *   - f(f(x)) == f(x) for the transformations the table marks idempotent
 *     (LOWERCASE, COMPRESS_WHITE_SPACE, REMOVE_NULLS, NORMALIZE_PATH ...);
 *   - a few per-type facts: LOWERCASE leaves no A-Z, REMOVE_NULLS no NUL,
 *     COMPRESS_WHITE_SPACE no two spaces in a row, NORMALIZE_PATH no "//";
 *   - a chain gives what applying its steps one after another gives.
 */
#include "waf/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm__waf_scratch scratch, scratch2; /* reused across runs, as a server would */

#define CHECK(cond, type)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s: %s failed\n", mm__waf_transform_name(type), #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static bool has_pair(mm_str s, const char *pair) {
  for (size_t i = 0; i + 1 < s.len; i++)
    if (s.ptr[i] == pair[0] && s.ptr[i + 1] == pair[1]) return true;
  return false;
}

static void check_facts(mm__waf_transform_type t, mm_str out) {
  if (t == MM__WAF_T_LOWERCASE)
    for (size_t i = 0; i < out.len; i++) CHECK(!(out.ptr[i] >= 'A' && out.ptr[i] <= 'Z'), t);
  if (t == MM__WAF_T_REMOVE_NULLS) CHECK(memchr(out.ptr, 0, out.len) == NULL, t);
  if (t == MM__WAF_T_COMPRESS_WHITE_SPACE) CHECK(!has_pair(out, "  "), t);
  if (t == MM__WAF_T_NORMALIZE_PATH || t == MM__WAF_T_NORMALIZE_PATH_WIN)
    CHECK(!has_pair(out, "//"), t);
  if (t == MM__WAF_T_MD5) CHECK(out.len == MM__WAF_MD5_LEN, t);
  if (t == MM__WAF_T_SHA256) CHECK(out.len == MM__WAF_SHA256_LEN, t);
}

static void one(mm__waf_transform_type t, const uint8_t *in, size_t n) {
  size_t bound;
  mm_str out, again;
  CHECK(mm__waf_transform_bound(t, n, &bound), t);
  CHECK(mm__waf_transform_apply(t, (mm_str){(const char *)in, n}, &scratch, &out) == MM_OK, t);
  CHECK(t == MM__WAF_T_NONE || out.len <= bound, t);
  check_facts(t, out);
  if (mm__waf_transforms[t].fn) { /* exact-size heap buffers: ASan guards both ends */
    char *copy = malloc(n ? n : 1);
    uint8_t *exact = malloc(bound ? bound : 1);
    if (n) memcpy(copy, in, n);
    size_t len = mm__waf_transforms[t].fn((mm_str){copy, n}, exact);
    CHECK(len == out.len && (len == 0 || memcmp(exact, out.ptr, len) == 0), t);
    free(copy);
    free(exact);
  }
  if (mm__waf_transforms[t].idempotent) {
    CHECK(mm__waf_transform_apply(t, out, &scratch2, &again) == MM_OK, t);
    CHECK(mm_str_eq(out, again), t);
  }
}

static void chain(const uint8_t *spec, size_t steps, const uint8_t *in, size_t n) {
  mm__waf_chain c;
  mm__waf_chain_init(&c);
  for (size_t i = 0; i < steps; i++)
    if (mm__waf_chain_add(&c, (uint32_t)(steps - i) * 7,
                          (mm__waf_transform_type)(spec[i] % MM__WAF_T_COUNT), NULL) != MM_OK)
      abort();
  mm_str got;
  if (mm__waf_chain_apply(&c, (mm_str){(const char *)in, n}, &scratch, &got) != MM_OK) return;
  /* the same steps one by one, lowest priority first, each into a fresh copy */
  char *cur = malloc(n ? n : 1);
  size_t len = n;
  if (n) memcpy(cur, in, n);
  for (size_t k = 0; k < c.count; k++) {
    mm_str step;
    if (mm__waf_transform_apply(c.steps[k].type, (mm_str){cur, len}, &scratch2, &step) != MM_OK)
      abort();
    char *next = malloc(step.len ? step.len : 1);
    if (step.len) memcpy(next, step.ptr, step.len);
    free(cur);
    cur = next, len = step.len;
  }
  if (!mm_str_eq(got, (mm_str){cur, len})) {
    fprintf(stderr, "chain of %zu steps differs from its steps applied one by one\n", c.count);
    abort();
  }
  free(cur);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (1u << 16)) return 0;
  uint8_t pick = data[0];
  if (pick < MM__WAF_T_COUNT) {
    one((mm__waf_transform_type)pick, data + 1, size - 1);
    return 0;
  }
  if (size < 2) return 0;
  size_t steps = 1 + data[1] % MM_WAF_MAX_TEXT_TRANSFORMATIONS;
  if (size < 2 + steps) return 0;
  chain(data + 2, steps, data + 2 + steps, size - 2 - steps);
  return 0;
}
