/*
 * fuzz_waf_sqli.c - libFuzzer target for the SQLi detector
 * (src/waf/sqli.h). The first byte picks the sensitivity (even LOW, odd
 * HIGH); the rest is the inspected value. Checked on every run:
 *   - no crash, no out-of-bounds read (ASan), no undefined behaviour (UBSan),
 *     no hang (libFuzzer's -timeout; the detector is linear);
 *   - a match names a shape and a context, has 1 to MM__WAF_DETECT_MAX_SPANS
 *     spans, each inside the input and in order, and a NUL-terminated
 *     fingerprint;
 *   - the answer is the same when asked twice and whether or not the match
 *     is wanted (m == NULL);
 *   - whatever LOW flags, HIGH flags too (HIGH only adds shapes).
 */
#include "waf/sqli.h"

#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_match(const mm__waf_detect_match *m, size_t n) {
  FUZZ_CHECK(m->shape != NULL);
  FUZZ_CHECK(m->context <= MM__WAF_SQLI_CTX_DQUOTE);
  FUZZ_CHECK(m->nspans >= 1 && m->nspans <= MM__WAF_DETECT_MAX_SPANS);
  FUZZ_CHECK(memchr(m->fp, 0, sizeof m->fp) != NULL && m->fp[0] != 0);
  for (int k = 0; k < m->nspans; k++) {
    FUZZ_CHECK(m->spans[k].len > 0);
    FUZZ_CHECK((size_t)m->spans[k].off + m->spans[k].len <= n);
    if (k) FUZZ_CHECK(m->spans[k].off >= m->spans[k - 1].off);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  int level = data[0] & 1 ? MM__WAF_SQLI_HIGH : MM__WAF_SQLI_LOW;
  const uint8_t *s = data + 1;
  size_t n = size - 1;
  mm__waf_detect_match m;
  bool hit = mm__waf_sqli(s, n, level, &m);
  if (hit) check_match(&m, n);
  FUZZ_CHECK(mm__waf_sqli(s, n, level, NULL) == hit);
  mm__waf_detect_match again;
  FUZZ_CHECK(mm__waf_sqli(s, n, level, &again) == hit);
  if (hit) FUZZ_CHECK(again.nspans == m.nspans && strcmp(again.shape, m.shape) == 0);
  if (level == MM__WAF_SQLI_LOW && hit) FUZZ_CHECK(mm__waf_sqli(s, n, MM__WAF_SQLI_HIGH, NULL));
  return 0;
}
