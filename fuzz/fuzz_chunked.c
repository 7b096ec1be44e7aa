/*
 * fuzz_chunked.c - libFuzzer target for the gateway's chunked decoder.
 *
 * Decoding the input whole and decoding it split at every tenth byte must
 * agree (status, bytes consumed, output); the output is never longer than
 * the input, and nothing is consumed past the end of the last chunk.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gateway/gw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *whole = malloc(size + 1), *split = malloc(size + 1);
  mm__chunked a, b;
  mm__chunked_init(&a);
  mm__chunked_init(&b);
  size_t out_a, used_a;
  int rc_a = mm__chunked_feed(&a, data, size, whole, &out_a, &used_a);
  FUZZ_CHECK(out_a <= used_a && used_a <= size);
  FUZZ_CHECK(rc_a == MM_OK || rc_a == MM_ESYNTAX);
  size_t out_b = 0, used_b = 0;
  int rc_b = MM_OK;
  while (used_b < size && rc_b == MM_OK && !mm__chunked_done(&b)) {
    size_t step = size - used_b < 10 ? size - used_b : 10, o, u;
    rc_b = mm__chunked_feed(&b, data + used_b, step, split + out_b, &o, &u);
    out_b += o;
    used_b += u;
    if (rc_b == MM_OK && u < step) break; /* the body ended inside this piece */
  }
  FUZZ_CHECK(rc_a == rc_b && out_a == out_b && used_a == used_b);
  FUZZ_CHECK(memcmp(whole, split, out_a) == 0);
  FUZZ_CHECK(mm__chunked_done(&a) == mm__chunked_done(&b));
  free(whole);
  free(split);
  return 0;
}
