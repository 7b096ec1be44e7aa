/*
 * tests/waf/waf_corpus.h - what the detector tests share: running every line
 * of a corpus file in ../shared/data through a detector and counting how
 * many it flags.
 */
#ifndef MM_TESTS_WAF_CORPUS_H
#define MM_TESTS_WAF_CORPUS_H

#include "test.h"

typedef struct rate {
  long hit, total;
} rate;

/* How a corpus line is given: as it is, URL-encoded (libinjection's data/
 * files: blank and "#" lines skipped), or either (flagged when one form is). */
enum { RAW, ENCODED, RAW_OR_DECODED };

typedef bool (*corpus_detector)(const uint8_t *s, size_t n, void *arg);

/* Run every line of path through detect (arg passed along). */
static inline rate corpus_rate(const char *path, int form, corpus_detector detect, void *arg) {
  rate r = {0, 0};
  size_t len;
  char *buf = mm_test_read_file(path, &len);
  if (!buf) MM_TEST_FAIL("cannot read %s", path);
  for (char *line = buf; line < buf + len;) {
    char *nl = memchr(line, '\n', (size_t)(buf + len - line));
    char *end = nl ? nl : buf + len;
    size_t n = (size_t)(end - line);
    if (n && line[n - 1] == '\r') n--;
    if (!(n == 0 || (form == ENCODED && line[0] == '#'))) {
      bool hit = form != ENCODED && detect((const uint8_t *)line, n, arg);
      if (!hit && form != RAW)
        hit = detect((const uint8_t *)line, mm_test_url_decode(line, n), arg);
      r.total++;
      r.hit += hit;
    }
    line = end + 1;
  }
  free(buf);
  return r;
}

static inline double pct(rate r) { return r.total ? 100.0 * (double)r.hit / (double)r.total : 0; }

#endif /* MM_TESTS_WAF_CORPUS_H */
