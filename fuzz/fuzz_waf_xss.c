/*
 * fuzz_waf_xss.c - libFuzzer target for the XSS detector (src/waf/xss.h).
 * The input is the inspected value. Checked on every run:
 *   - no crash, no out-of-bounds read (ASan), no undefined behaviour (UBSan),
 *     no hang (libFuzzer's -timeout; the detector is linear);
 *   - a match names a shape and a context, has 1 to MM__WAF_DETECT_MAX_SPANS
 *     spans, each inside the input, and a NUL-terminated fingerprint;
 *   - the answer is the same when asked twice and with m == NULL.
 */
#include "waf/xss.h"

#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm__waf_detect_match m;
  bool hit = mm__waf_xss(data, size, &m);
  if (hit) {
    FUZZ_CHECK(m.shape != NULL);
    FUZZ_CHECK(m.context <= MM__WAF_XSS_CTX_TAG);
    FUZZ_CHECK(m.nspans >= 1 && m.nspans <= MM__WAF_DETECT_MAX_SPANS);
    FUZZ_CHECK(memchr(m.fp, 0, sizeof m.fp) != NULL && m.fp[0] != 0);
    for (int k = 0; k < m.nspans; k++) {
      FUZZ_CHECK(m.spans[k].len > 0);
      FUZZ_CHECK((size_t)m.spans[k].off + m.spans[k].len <= size);
    }
  }
  FUZZ_CHECK(mm__waf_xss(data, size, NULL) == hit);
  mm__waf_detect_match again;
  FUZZ_CHECK(mm__waf_xss(data, size, &again) == hit);
  if (hit) FUZZ_CHECK(strcmp(again.shape, m.shape) == 0);
  return 0;
}
