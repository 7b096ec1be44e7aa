/*
 * fuzz.h - what the libFuzzer targets share: FUZZ_CHECK, an invariant that
 * aborts (so libFuzzer saves the input as a crash) and names itself.
 */
#ifndef MAMORI_FUZZ_H
#define MAMORI_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(x)                                                           \
  do {                                                                          \
    if (!(x)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
      abort();                                                                  \
    }                                                                           \
  } while (0)

#endif /* MAMORI_FUZZ_H */
