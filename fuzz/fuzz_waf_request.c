/*
 * fuzz_waf_request.c - libFuzzer target for the request readers: raw
 * HTTP/1.1 text (mm_waf_request_parse_raw) and JSON corpus records
 * (mm_waf_request_from_json).
 *
 * The first byte picks the reader: even, the rest is a raw request; odd,
 * the rest is JSON (a record, or anything). The input is copied into a heap
 * buffer of exactly its size so that ASan sees any read beyond it.
 * Checked on every input:
 *   - raw: a success yields a token method, a request-target without SP or
 *     CTL, header names that are tokens and values without CR, LF or NUL,
 *     at most MM_WAF_MAX_HEADERS headers, a body no longer than the input
 *     and not longer than body_length; and the request line and header
 *     lines written back out ("name:value", LF) parse again to the same
 *     method, target, version and headers (a chunked request may then lack
 *     its body: MM_ETRUNC is the only other answer allowed);
 *   - an error has a known status and, for raw text, a position inside it;
 *   - JSON: a success yields a token method, a non-empty target and at most
 *     MM_WAF_MAX_HEADERS headers; an error names a JSON path.
 */
#include "fuzz.h"
#include "mamori/alloc.h"
#include "mamori/waf.h"
#include "waf/limits.h"
#include "waf/request.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_arena arena, arena2;
static bool arenas_ready;

static bool has_byte(mm_str s, const char *set, size_t n) {
  for (size_t i = 0; i < s.len; i++)
    if (memchr(set, s.ptr[i], n)) return true;
  return false;
}

static void check_request(const mm_waf_request *r) {
  FUZZ_CHECK(mm__waf_is_token(r->method));
  FUZZ_CHECK(r->uri.len > 0);
  FUZZ_CHECK(r->n_headers <= MM_WAF_MAX_HEADERS);
  for (size_t i = 0; i < r->n_headers; i++) FUZZ_CHECK(mm__waf_is_token(r->headers[i].name));
}

static bool same_str(mm_str a, mm_str b) { return mm_str_eq(a, b); }

static void reparse(const mm_waf_request *r) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_append(&b, r->method.ptr, r->method.len);
  mm_buf_putc(&b, ' ');
  mm_buf_append(&b, r->uri.ptr, r->uri.len);
  mm_buf_putc(&b, ' ');
  mm_buf_append(&b, r->version.ptr, r->version.len);
  mm_buf_putc(&b, '\n');
  for (size_t i = 0; i < r->n_headers; i++) {
    mm_buf_append(&b, r->headers[i].name.ptr, r->headers[i].name.len);
    mm_buf_putc(&b, ':');
    mm_buf_append(&b, r->headers[i].value.ptr, r->headers[i].value.len);
    mm_buf_putc(&b, '\n');
  }
  mm_buf_putc(&b, '\n');
  if (b.oom) abort();
  mm_waf_request r2;
  mm_error err;
  mm_arena_reset(&arena2);
  int rc = mm_waf_request_parse_raw(&arena2, b.ptr, b.len, &r2, &err);
  if (rc == MM_ETRUNC) {
    mm_buf_free(&b);
    return;
  }
  FUZZ_CHECK(rc == MM_OK);
  FUZZ_CHECK(same_str(r->method, r2.method) && same_str(r->uri, r2.uri));
  FUZZ_CHECK(same_str(r->version, r2.version) && r->n_headers == r2.n_headers);
  for (size_t i = 0; i < r->n_headers; i++) {
    FUZZ_CHECK(same_str(r->headers[i].name, r2.headers[i].name));
    FUZZ_CHECK(same_str(r->headers[i].value, r2.headers[i].value));
  }
  mm_buf_free(&b);
}

static void fuzz_raw(const char *text, size_t len) {
  mm_waf_request r;
  mm_error err;
  mm_arena_reset(&arena);
  int rc = mm_waf_request_parse_raw(&arena, text, len, &r, &err);
  if (rc != MM_OK) {
    FUZZ_CHECK(rc == MM_ESYNTAX || rc == MM_ELIMIT || rc == MM_ETRUNC || rc == MM_ERANGE ||
               rc == MM_ENOMEM);
    FUZZ_CHECK(rc == MM_ENOMEM || (err.line > 0 && err.offset <= len));
    return;
  }
  check_request(&r);
  FUZZ_CHECK(!has_byte(r.uri, " \r\n\t\0", 5));
  for (size_t i = 0; i < r.n_headers; i++) FUZZ_CHECK(!has_byte(r.headers[i].value, "\r\n\0", 3));
  FUZZ_CHECK(r.body.len <= len && r.body.len <= r.body_length);
  reparse(&r);
}

static void fuzz_json(const char *text, size_t len) {
  mm_error err;
  mm_arena_reset(&arena);
  const mm_json_value *v = mm_json_parse_arena(&arena, text, len, NULL, &err);
  if (!v) return;
  mm_waf_request r;
  int rc = mm_waf_request_from_json(&arena, v, &r, &err);
  if (rc == MM_OK) {
    check_request(&r);
  } else {
    FUZZ_CHECK(err.path[0] == '$');
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!arenas_ready) {
    mm_arena_init(&arena, 0);
    mm_arena_init(&arena2, 0);
    arenas_ready = true;
  }
  if (size == 0) return 0;
  size_t n = size - 1;
  char *copy = mm_malloc(n ? n : 1);
  if (!copy) return 0;
  memcpy(copy, data + 1, n);
  if (data[0] & 1)
    fuzz_json(copy, n);
  else
    fuzz_raw(copy, n);
  mm_free(copy);
  return 0;
}
