/*
 * tests/test.h - the small harness every C test in tests/ uses.
 *
 * A test file defines TEST(name) functions and a main() that RUNs them and
 * returns mm_test_summary(). A failed ASSERT prints file:line, the
 * expression and both values, then abandons the current test (longjmp) and
 * the next one runs. Fault injection (STYLE.md 14): mm_test_fail_alloc(n)
 * makes the n-th allocation from now on fail; FAULT_LOOP runs a block with
 * n = 1, 2, ... until the block completes with no injected failure, so every
 * allocation failure point of the code under test is visited once.
 */
#ifndef MAMORI_TEST_H
#define MAMORI_TEST_H

#include "mamori/alloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf mm_test_jmp;
static int mm_test_failed, mm_test_passed, mm_test_checks;
static const char *mm_test_current;

#define TEST(name) static void name(void)

static inline void mm_test_run(const char *name, void (*fn)(void)) {
  mm_test_current = name;
  if (setjmp(mm_test_jmp) == 0) {
    fn();
    mm_test_passed++;
  } else {
    mm_test_failed++;
  }
}
#define RUN(name) mm_test_run(#name, name)

static inline int mm_test_summary(void) {
  printf("%d passed, %d failed (%d checks)\n", mm_test_passed, mm_test_failed, mm_test_checks);
  return mm_test_failed ? 1 : 0;
}

#define MM_TEST_FAIL(...)                                                   \
  do {                                                                      \
    fprintf(stderr, "%s:%d: in %s: ", __FILE__, __LINE__, mm_test_current); \
    fprintf(stderr, __VA_ARGS__);                                           \
    fputc('\n', stderr);                                                    \
    longjmp(mm_test_jmp, 1);                                                \
  } while (0)

#define ASSERT_TRUE(x)                               \
  do {                                               \
    mm_test_checks++;                                \
    if (!(x)) MM_TEST_FAIL("expected true: %s", #x); \
  } while (0)

#define ASSERT_FALSE(x)                              \
  do {                                               \
    mm_test_checks++;                                \
    if ((x)) MM_TEST_FAIL("expected false: %s", #x); \
  } while (0)

#define ASSERT_EQ(a, b)                                                   \
  do {                                                                    \
    long long a_ = (long long)(a), b_ = (long long)(b);                   \
    mm_test_checks++;                                                     \
    if (a_ != b_) MM_TEST_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_); \
  } while (0)

#define ASSERT_EQ_U64(a, b)                                                          \
  do {                                                                               \
    uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                 \
    mm_test_checks++;                                                                \
    if (a_ != b_) MM_TEST_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, a_, b_); \
  } while (0)

#define ASSERT_EQ_DBL(a, b)                                                    \
  do {                                                                         \
    double a_ = (double)(a), b_ = (double)(b);                                 \
    mm_test_checks++;                                                          \
    if (!(a_ == b_)) MM_TEST_FAIL("%s == %s: %.17g != %.17g", #a, #b, a_, b_); \
  } while (0)

#define ASSERT_EQ_STR(a, b)                                                                       \
  do {                                                                                            \
    const char *a_ = (a), *b_ = (b);                                                              \
    mm_test_checks++;                                                                             \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                        \
      MM_TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
  } while (0)

/* Compare a byte slice with a C string, printing both. */
#define ASSERT_EQ_MEM(ptr, len, str)                                                       \
  do {                                                                                     \
    const char *p_ = (const char *)(ptr), *s_ = (str);                                     \
    size_t n_ = (size_t)(len);                                                             \
    mm_test_checks++;                                                                      \
    if (n_ != strlen(s_) || (n_ && memcmp(p_, s_, n_) != 0))                               \
      MM_TEST_FAIL("%s == %s: \"%.*s\" != \"%s\"", #ptr, #str, (int)n_, p_ ? p_ : "", s_); \
  } while (0)

/* ---- random numbers and files ------------------------------------------- */

/* A deterministic generator (splitmix64) for randomized cross-checks: a
 * test sets mm_test_rng_state to its own seed and prints it on failure. */
static uint64_t mm_test_rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t mm_test_rng(void) {
  uint64_t z = (mm_test_rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The whole file, NUL-terminated, in a malloc'd buffer (the caller frees
 * it), its length in *len (may be NULL); NULL when it cannot be read. */
static inline char *mm_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 > cap) {
      char *grown = realloc(buf, cap = cap * 2 + 4096);
      if (!grown) abort();
      buf = grown;
    }
    got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
  } while (got > 0);
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/* Split a case-table line at tabs into at most max fields (the last keeps
 * any further tabs); returns how many. The line is modified in place. */
static inline int mm_test_split_tabs(char *line, char **field, int max) {
  int k = 0;
  while (k < max) {
    field[k++] = line;
    char *tab = strchr(line, '\t');
    if (!tab) break;
    *tab = '\0';
    line = tab + 1;
  }
  return k;
}

/* ---- fault injection ---------------------------------------------------- */

static long mm_test_alloc_countdown; /* fail when it reaches 0; <0: never */
static int mm_test_alloc_injected;   /* failures injected since arming */

static void *mm_test_fault_malloc(size_t n, void *ctx) {
  (void)ctx;
  if (mm_test_alloc_countdown >= 0 && mm_test_alloc_countdown-- == 0)
    return mm_test_alloc_injected++, NULL;
  return malloc(n);
}
static void *mm_test_fault_realloc(void *p, size_t n, void *ctx) {
  (void)ctx;
  if (mm_test_alloc_countdown >= 0 && mm_test_alloc_countdown-- == 0)
    return mm_test_alloc_injected++, NULL;
  return realloc(p, n);
}
static void mm_test_fault_free(void *p, void *ctx) {
  (void)ctx;
  free(p);
}

/* Fail the n-th allocation from now (1 = the next); n <= 0 disarms. */
static inline void mm_test_fail_alloc(long n) {
  static const mm_allocator fault = {mm_test_fault_malloc, mm_test_fault_realloc,
                                     mm_test_fault_free, NULL};
  mm_test_alloc_countdown = n > 0 ? n - 1 : -1;
  mm_test_alloc_injected = 0;
  mm_set_allocator(n > 0 ? &fault : NULL);
}

/* Run body with the 1st, 2nd, ... allocation failing until a run sees no
 * injected failure. body must free everything on every path; ASan's leak
 * checker then proves it. */
#define FAULT_LOOP(body)                                      \
  do {                                                        \
    for (long fault_n_ = 1; fault_n_ < 1000000; fault_n_++) { \
      mm_test_fail_alloc(fault_n_);                           \
      body;                                                   \
      int done_ = mm_test_alloc_injected == 0;                \
      mm_test_fail_alloc(0);                                  \
      if (done_) break;                                       \
    }                                                         \
  } while (0)

/* URL-decode s[0..n) in place ("%XX" and "+" as in form values; a "%" not
 * followed by two hex digits stays as it is); returns the new length. The
 * corpora in ../shared/data store payloads URL-encoded. */
static inline size_t mm_test_url_decode(char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int hi = -1, lo = -1;
    if (s[i] == '%' && i + 2 < n) {
      hi = isxdigit((unsigned char)s[i + 1]) ? (s[i + 1] | 32) : -1;
      lo = isxdigit((unsigned char)s[i + 2]) ? (s[i + 2] | 32) : -1;
    }
    if (s[i] == '+') {
      s[o++] = ' ';
    } else if (hi >= 0 && lo >= 0) {
      hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
      lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
      s[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      s[o++] = s[i];
    }
  }
  return o;
}

#endif /* MAMORI_TEST_H */
