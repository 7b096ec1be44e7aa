/*
 * fuzz_http.c - libFuzzer target for the gateway's request-head parser and
 * the desync classification.
 *
 * Whatever the parser accepts must lie inside the input (every name, value
 * and request-line part), end at *head_len <= size with an empty line, and
 * classify to a known tier and reason with a NUL-terminated message.
 * Whatever it refuses must say where.
 */
#include "fuzz.h"
#include "mamori/http.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HDRS 100

static bool inside(mm_str s, const uint8_t *data, size_t size) {
  return s.len == 0 ||
         ((const uint8_t *)s.ptr >= data && (const uint8_t *)s.ptr + s.len <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_http_head head;
  mm_http_header hdrs[MAX_HDRS];
  size_t head_len = 0;
  mm_error err;
  int rc =
      mm_http_parse_head((const char *)data, size, 1 << 16, &head, hdrs, MAX_HDRS, &head_len, &err);
  if (rc != MM_OK) {
    FUZZ_CHECK(rc == MM_ETRUNC || rc == MM_ESYNTAX || rc == MM_ELIMIT);
    FUZZ_CHECK(err.code == rc);
    FUZZ_CHECK(rc != MM_ESYNTAX || err.offset <= size);
    return 0;
  }
  FUZZ_CHECK(head_len >= 2 && head_len <= size && data[head_len - 1] == '\n');
  FUZZ_CHECK(head.n_headers <= MAX_HDRS);
  FUZZ_CHECK(inside(head.method, data, size) && inside(head.uri, data, size) &&
             inside(head.version, data, size));
  for (size_t i = 0; i < head.n_headers; i++)
    FUZZ_CHECK(inside(hdrs[i].name, data, size) && inside(hdrs[i].value, data, size));
  mm_http_verdict v;
  mm_http_classify(&head, &v);
  FUZZ_CHECK(v.tier >= MM_HTTP_COMPLIANT && v.tier <= MM_HTTP_SEVERE);
  FUZZ_CHECK(v.reason < MM_HTTP_REASON_COUNT);
  FUZZ_CHECK(memchr(v.message, '\0', sizeof v.message) != NULL);
  for (int m = MM_HTTP_MODE_MONITOR; m <= MM_HTTP_MODE_STRICTEST; m++) {
    mm_http_action a = mm_http_mode_action((mm_http_mode)m, v.tier);
    FUZZ_CHECK(a == MM_HTTP_FORWARD || v.tier != MM_HTTP_COMPLIANT);
  }
  return 0;
}
