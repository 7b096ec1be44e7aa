/*
 * test_waf_request.c - the request readers: raw HTTP/1.1 text
 * (mm_waf_request_parse_raw, RFC 9112) and JSON corpus records
 * (mm_waf_request_from_json).
 *
 * Here: request line, header lines, CRLF and LF, leading empty lines;
 * Content-Length cuts and full lengths; chunked bodies de-chunked with
 * strict chunk sizes (RFC 9112 section 7.1); obsolete line folding,
 * whitespace before the colon, bare CR, NUL and control bytes refused with
 * their line and column; the header count, line and section limits
 * (src/waf/limits.h) refused with MM_ELIMIT at the line that crosses them
 * (10,000 headers); invalid UTF-8 kept as bytes. JSON records: spelled out
 * (headers as pairs or an object, body or body_base64), raw, and the
 * connection's facts (client_ip, id, time, tls), each error with its JSON
 * path. Both readers under allocation failure (FAULT_LOOP).
 */
#include "mamori/json.h"
#include "mamori/waf.h"
#include "waf/limits.h"

#include "test.h"

static mm_arena arena;

static int parse(const char *text, mm_waf_request *req, mm_error *err) {
  mm_arena_reset(&arena);
  return mm_waf_request_parse_raw(&arena, text, strlen(text), req, err);
}

static const mm_waf_header *header(const mm_waf_request *r, size_t i) {
  if (i >= r->n_headers) MM_TEST_FAIL("no header %zu (%zu headers)", i, r->n_headers);
  return &r->headers[i];
}

/* ---- raw requests --------------------------------------------------------------- */

TEST(raw_get_crlf) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("GET /a/b?x=1&y=2#frag HTTP/1.1\r\nHost: example.com\r\n"
                  "User-Agent:  curl/8.0 \t\r\nAccept:\r\n\r\n",
                  &r, &err),
            MM_OK);
  ASSERT_EQ_MEM(r.method.ptr, r.method.len, "GET");
  ASSERT_EQ_MEM(r.uri.ptr, r.uri.len, "/a/b?x=1&y=2#frag");
  ASSERT_EQ_MEM(r.version.ptr, r.version.len, "HTTP/1.1");
  ASSERT_EQ(r.n_headers, 3);
  ASSERT_EQ_MEM(header(&r, 0)->name.ptr, header(&r, 0)->name.len, "Host");
  ASSERT_EQ_MEM(header(&r, 1)->value.ptr, header(&r, 1)->value.len, "curl/8.0");
  ASSERT_EQ(header(&r, 2)->value.len, 0);
  ASSERT_EQ(r.body.len, 0);
  ASSERT_EQ(r.body_length, 0);
  ASSERT_TRUE(r.tls == NULL);
}

TEST(raw_lf_only_and_leading_empty_lines) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("\r\n\nPOST /f HTTP/1.0\nContent-Type: text/plain\n\nhello", &r, &err), MM_OK);
  ASSERT_EQ_MEM(r.method.ptr, r.method.len, "POST");
  ASSERT_EQ_MEM(r.version.ptr, r.version.len, "HTTP/1.0");
  ASSERT_EQ(r.n_headers, 1);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "hello");
  ASSERT_EQ(r.body_length, 5);
}

TEST(raw_header_section_may_end_with_the_text) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: a", &r, &err), MM_OK);
  ASSERT_EQ(r.n_headers, 1);
  ASSERT_EQ_MEM(r.headers[0].value.ptr, r.headers[0].value.len, "a");
  ASSERT_EQ(parse("GET / HTTP/1.1", &r, &err), MM_OK);
  ASSERT_EQ(r.n_headers, 0);
}

TEST(raw_content_length_cuts_and_reports_full_length) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef", &r, &err), MM_OK);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "abc");
  ASSERT_EQ(r.body_length, 3);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc", &r, &err), MM_OK);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "abc");
  ASSERT_EQ_U64(r.body_length, 100000);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nabc", &r, &err),
            MM_OK);
  ASSERT_EQ(r.body.len, 2);
}

TEST(raw_content_length_errors) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(
      parse("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", &r, &err),
      MM_ESYNTAX);
  ASSERT_EQ(err.line, 3);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabcd", &r, &err), MM_ESYNTAX);
  ASSERT_EQ(err.line, 2);
  ASSERT_EQ(err.column, 18);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r, &err), MM_ESYNTAX);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", &r, &err),
            MM_ERANGE);
}

TEST(raw_chunked_body_is_dechunked) {
  /* RFC 9112 section 7.1, with a chunk extension and a trailer. */
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
                  "4\r\nWiki\r\n5;name=value\r\npedia\r\nE \r\n in\r\n\r\nchunks.\r\n"
                  "0\r\nExpires: never\r\n\r\n",
                  &r, &err),
            MM_OK);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "Wikipedia in\r\n\r\nchunks.");
  ASSERT_EQ(r.body_length, r.body.len);
  ASSERT_EQ(
      parse("POST / HTTP/1.1\nTransfer-Encoding: gzip, chunked\n\na\n0123456789\n0\n", &r, &err),
      MM_OK);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "0123456789");
}

TEST(raw_chunked_errors_are_located) {
  mm_waf_request r;
  mm_error err;
  const char *head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  char buf[256];
  static const struct {
    const char *body;
    int code;
    uint32_t line, column;
  } cases[] = {
      {"0x4\r\nabcd\r\n0\r\n\r\n", MM_ESYNTAX, 4, 2},      /* no 0x prefix */
      {"-1\r\n", MM_ESYNTAX, 4, 1},                        /* no sign */
      {" 4\r\nabcd\r\n0\r\n\r\n", MM_ESYNTAX, 4, 1},       /* no leading space */
      {"4 x\r\nabcd\r\n0\r\n\r\n", MM_ESYNTAX, 4, 3},      /* only ';' after BWS */
      {"10000000000000000\r\n", MM_ERANGE, 4, 1},          /* 17 hex digits */
      {"4\r\nabcdX\r\n0\r\n\r\n", MM_ESYNTAX, 5, 5},       /* data longer than its size */
      {"4\r\nab", MM_ETRUNC, 5, 3},                        /* truncated data */
      {"4\r\nabcd\r\n", MM_ETRUNC, 6, 1},                  /* no last chunk */
      {"4;a=\x01\r\nabcd\r\n0\r\n\r\n", MM_ESYNTAX, 4, 5}, /* control byte in extension */
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    snprintf(buf, sizeof buf, "%s%s", head, cases[i].body);
    int rc = parse(buf, &r, &err);
    if (rc != cases[i].code || err.line != cases[i].line || err.column != cases[i].column)
      MM_TEST_FAIL("case %zu: rc %d line %u column %u (%s)", i, rc, err.line, err.column, err.msg);
  }
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx", &r, &err), MM_ESYNTAX);
  ASSERT_EQ(err.line, 2);
}

TEST(raw_line_errors_are_located) {
  mm_waf_request r;
  mm_error err;
  static const struct {
    const char *text;
    int code;
    uint32_t line, column;
  } cases[] = {
      {"GET /\r\n\r\n", MM_ESYNTAX, 1, 6},
      {"GET  / HTTP/1.1\r\n", MM_ESYNTAX, 1, 5},
      {"GET / HTTP/1.1 \r\n", MM_ESYNTAX, 1, 7},
      {"GET / HTTP/2\r\n", MM_ESYNTAX, 1, 7},
      {"G(T / HTTP/1.1\r\n", MM_ESYNTAX, 1, 2},
      {"GET /a\tb HTTP/1.1\r\n", MM_ESYNTAX, 1, 7},
      {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", MM_ESYNTAX, 3, 1},
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", MM_ESYNTAX, 2, 5},
      {"GET / HTTP/1.1\r\n: a\r\n\r\n", MM_ESYNTAX, 2, 1},
      {"GET / HTTP/1.1\r\nHost a\r\n\r\n", MM_ESYNTAX, 2, 5},
      {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", MM_ESYNTAX, 2, 5},
      {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", MM_ESYNTAX, 2, 5},
      {"GET / HTTP/1.1\rHost: a\r\n\r\n", MM_ESYNTAX, 1, 15},
      {"\r\n\r\n", MM_ETRUNC, 3, 1},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    int rc = parse(cases[i].text, &r, &err);
    if (rc != cases[i].code || err.line != cases[i].line || err.column != cases[i].column)
      MM_TEST_FAIL("case %zu: rc %d at %u:%u (%s)", i, rc, err.line, err.column, err.msg);
  }
}

TEST(raw_nul_byte_in_a_header_is_refused_with_its_offset) {
  static const char text[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
  mm_waf_request r;
  mm_error err;
  mm_arena_reset(&arena);
  ASSERT_EQ(mm_waf_request_parse_raw(&arena, text, sizeof text - 1, &r, &err), MM_ESYNTAX);
  ASSERT_EQ(err.offset, 20);
  ASSERT_EQ(err.line, 2);
  ASSERT_EQ(err.column, 5);
  /* NUL in the body is data. */
  static const char body[] = "POST / HTTP/1.1\r\n\r\na\0b";
  ASSERT_EQ(mm_waf_request_parse_raw(&arena, body, sizeof body - 1, &r, &err), MM_OK);
  ASSERT_EQ(r.body.len, 3);
}

TEST(raw_invalid_utf8_is_kept_as_bytes) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse("GET /\xff\xc0\xaf HTTP/1.1\r\nX: \xed\xa0\x80\xfe\r\n\r\n", &r, &err), MM_OK);
  ASSERT_EQ_MEM(r.uri.ptr, r.uri.len, "/\xff\xc0\xaf");
  ASSERT_EQ_MEM(r.headers[0].value.ptr, r.headers[0].value.len, "\xed\xa0\x80\xfe");
}

/* "GET / HTTP/1.1\r\nX: " + 40 value bytes (tabs, 'v', 0xE9) with bad at
 * index at, then the empty line; into text, returns the length. */
static size_t value_case(char *text, unsigned char bad, size_t at) {
  static const char head[] = "GET / HTTP/1.1\r\nX: ";
  size_t n = sizeof head - 1;
  memcpy(text, head, n);
  for (size_t k = 0; k < 40; k++) text[n + k] = (char)(k % 3 == 0 ? 'v' : k % 3 == 1 ? '\t' : 0xe9);
  text[n + at] = (char)bad;
  memcpy(text + n + 40, "v\r\n\r\n", 5);
  return n + 45;
}

/* "GET /" + 40 target bytes with bad at index at + " HTTP/1.1\r\n\r\n". */
static size_t target_case(char *text, unsigned char bad, size_t at) {
  memcpy(text, "GET /", 5);
  memset(text + 5, 'a', 40);
  text[5 + at] = (char)bad;
  memcpy(text + 45, " HTTP/1.1\r\n\r\n", 13);
  return 58;
}

TEST(raw_control_bytes_found_at_every_position) {
  /* The scanners skip clean 8-byte words: a bad byte anywhere in a long
   * value or target must still be found, at its own column; tabs and bytes
   * 0x80-0xFF must still pass (the tests above). */
  static const unsigned char bad[] = {0x00, 0x01, 0x0b, 0x1f, 0x7f};
  char text[128];
  for (size_t b = 0; b < sizeof bad; b++)
    for (size_t at = 0; at < 40; at++) {
      mm_waf_request r;
      mm_error err;
      mm_arena_reset(&arena);
      size_t n = value_case(text, bad[b], at);
      int rc = mm_waf_request_parse_raw(&arena, text, n, &r, &err);
      if (rc != MM_ESYNTAX || err.line != 2 || err.column != 4 + at)
        MM_TEST_FAIL("value byte %02x at %zu: rc %d at %u:%u", bad[b], at, rc, err.line,
                     err.column);
      n = target_case(text, bad[b], at);
      rc = mm_waf_request_parse_raw(&arena, text, n, &r, &err);
      if (rc != MM_ESYNTAX || err.line != 1 || err.column != 6 + at)
        MM_TEST_FAIL("target byte %02x at %zu: rc %d at %u:%u", bad[b], at, rc, err.line,
                     err.column);
    }
  mm_waf_request r;
  mm_error err;
  size_t n = value_case(text, 'v', 0);
  ASSERT_EQ(mm_waf_request_parse_raw(&arena, text, n, &r, &err), MM_OK);
  ASSERT_EQ(r.headers[0].value.len, 41);
}

static char *build_headers(size_t n, size_t value_len) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, "GET / HTTP/1.1\r\n");
  for (size_t i = 0; i < n; i++) {
    mm_buf_printf(&b, "X-%zu: ", i);
    for (size_t k = 0; k < value_len; k++) mm_buf_putc(&b, 'v');
    mm_buf_puts(&b, "\r\n");
  }
  mm_buf_puts(&b, "\r\n");
  if (b.oom) abort();
  return b.ptr;
}

TEST(raw_ten_thousand_headers_hit_the_limit_at_their_line) {
  char *text = build_headers(10000, 1);
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse(text, &r, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 1 + MM_WAF_MAX_HEADERS + 1);
  ASSERT_EQ(err.column, 1);
  mm_free(text);
  text = build_headers(MM_WAF_MAX_HEADERS, 1);
  ASSERT_EQ(parse(text, &r, &err), MM_OK);
  ASSERT_EQ(r.n_headers, MM_WAF_MAX_HEADERS);
  mm_free(text);
}

TEST(raw_huge_header_line_and_section_hit_their_limits) {
  char *text = build_headers(1, MM_WAF_MAX_HEADER_LINE);
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse(text, &r, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 2);
  mm_free(text);
  text = build_headers(1, 9000); /* beyond AWS's 8 KB, within ours: parsed */
  ASSERT_EQ(parse(text, &r, &err), MM_OK);
  ASSERT_EQ(r.headers[0].value.len, 9000);
  mm_free(text);
  text = build_headers(40, 30000); /* 40 x 30 KB > 1 MiB section */
  ASSERT_EQ(parse(text, &r, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 2 + MM_WAF_MAX_HEADER_SECTION / 30000);
  mm_free(text);
}

TEST(raw_request_line_limit) {
  size_t n = MM_WAF_MAX_REQUEST_LINE + 10;
  char *text = mm_malloc(n + 32);
  memcpy(text, "GET /", 5);
  memset(text + 5, 'a', n);
  memcpy(text + 5 + n, " HTTP/1.1\r\n\r\n", 14);
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(parse(text, &r, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 1);
  mm_free(text);
}

TEST(raw_parse_survives_allocation_failures) {
  const char *text =
      "POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  FAULT_LOOP({
    mm_arena a;
    mm_arena_init(&a, 256);
    mm_waf_request r;
    int rc = mm_waf_request_parse_raw(&a, text, strlen(text), &r, NULL);
    if (rc == MM_OK)
      ASSERT_EQ_MEM(r.body.ptr, r.body.len, "abc");
    else
      ASSERT_EQ(rc, MM_ENOMEM);
    mm_arena_destroy(&a);
  });
}

/* ---- JSON corpus records ------------------------------------------------------- */

static int from_json(const char *json, mm_waf_request *r, mm_error *err) {
  mm_arena_reset(&arena);
  mm_error perr;
  const mm_json_value *v = mm_json_parse_arena(&arena, json, strlen(json), NULL, &perr);
  if (!v) MM_TEST_FAIL("bad test JSON: %s", perr.msg);
  return mm_waf_request_from_json(&arena, v, r, err);
}

TEST(json_record_spelled_out) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(
      from_json("{\"method\":\"POST\",\"uri\":\"/login?next=%2F\",\"version\":\"HTTP/2.0\","
                "\"headers\":[[\"Host\",\"example.com\"],[\"X\",\"a\\u0000b\"],[\"X\",\"2\"]],"
                "\"body\":\"user=a&pw=b\",\"client_ip\":\"2001:db8::1\",\"id\":\"r-1\","
                "\"time\":\"2024-01-01T00:00:01Z\",\"comment\":\"ignored\"}",
                &r, &err),
      MM_OK);
  ASSERT_EQ_MEM(r.method.ptr, r.method.len, "POST");
  ASSERT_EQ_MEM(r.uri.ptr, r.uri.len, "/login?next=%2F");
  ASSERT_EQ_MEM(r.version.ptr, r.version.len, "HTTP/2.0");
  ASSERT_EQ(r.n_headers, 3);
  ASSERT_EQ(r.headers[1].value.len, 3); /* the NUL is kept */
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "user=a&pw=b");
  ASSERT_EQ(r.body_length, 11);
  ASSERT_EQ_MEM(r.client_ip.ptr, r.client_ip.len, "2001:db8::1");
  ASSERT_EQ_MEM(r.id.ptr, r.id.len, "r-1");
  ASSERT_EQ(r.time, INT64_C(1704067201000000));
}

TEST(json_defaults_and_headers_object) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(
      from_json("{\"uri\":\"/\",\"headers\":{\"Host\":\"h\",\"Accept\":\"*/*\"},\"time\":1000}", &r,
                &err),
      MM_OK);
  ASSERT_EQ_MEM(r.method.ptr, r.method.len, "GET");
  ASSERT_EQ_MEM(r.version.ptr, r.version.len, "HTTP/1.1");
  ASSERT_EQ(r.n_headers, 2);
  ASSERT_EQ_MEM(r.headers[1].name.ptr, r.headers[1].name.len, "Accept");
  ASSERT_EQ(r.time, 1000000);
  ASSERT_EQ(r.client_ip.len, 0);
}

TEST(json_body_base64) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(from_json("{\"uri\":\"/\",\"body_base64\":\"AP9hYmM=\"}", &r, &err), MM_OK);
  ASSERT_EQ(r.body.len, 5);
  ASSERT_EQ_MEM(r.body.ptr + 2, 3, "abc");
  ASSERT_EQ((unsigned char)r.body.ptr[1], 0xff);
  ASSERT_EQ(from_json("{\"uri\":\"/\",\"body_base64\":\"YWJjZA\"}", &r, &err), MM_OK);
  ASSERT_EQ_MEM(r.body.ptr, r.body.len, "abcd");
  ASSERT_EQ(from_json("{\"uri\":\"/\",\"body_base64\":\"YW*j\"}", &r, &err), MM_EINVAL);
  ASSERT_EQ_STR(err.path, "$.body_base64");
  ASSERT_EQ(from_json("{\"uri\":\"/\",\"body_base64\":\"YWJ=\",\"body\":\"x\"}", &r, &err),
            MM_EINVAL);
}

TEST(json_raw_record) {
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(
      from_json("{\"raw\":\"GET /x HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n\",\"client_ip\":\"192.0.2.1\","
                "\"tls\":{\"ciphers\":[4865],\"alpn\":\"h2\",\"sni\":true}}",
                &r, &err),
      MM_OK);
  ASSERT_EQ_MEM(r.uri.ptr, r.uri.len, "/x");
  ASSERT_EQ(r.n_headers, 1);
  ASSERT_EQ_MEM(r.client_ip.ptr, r.client_ip.len, "192.0.2.1");
  ASSERT_TRUE(r.tls != NULL);
  ASSERT_EQ(r.tls->legacy_version, 0x0303);
  ASSERT_EQ(r.tls->n_ciphers, 1);
  ASSERT_EQ(r.tls->ciphers[0], 0x1301);
  ASSERT_TRUE(r.tls->has_sni);
  ASSERT_FALSE(r.tls->quic);
  ASSERT_EQ_MEM(r.tls->alpn.ptr, r.tls->alpn.len, "h2");
  /* The raw text's own errors keep their line and column, under $.raw. */
  ASSERT_EQ(from_json("{\"raw\":\"GET / HTTP/1.1\\nHost : h\\n\\n\"}", &r, &err), MM_ESYNTAX);
  ASSERT_EQ_STR(err.path, "$.raw");
  ASSERT_EQ(err.line, 2);
  ASSERT_EQ(err.column, 5);
}

TEST(json_errors_name_their_path) {
  static const struct {
    const char *json;
    int code;
    const char *path;
  } cases[] = {
      {"[]", MM_EINVAL, "$"},
      {"{\"method\":\"GET\"}", MM_EINVAL, "$"},
      {"{\"uri\":\"\"}", MM_EINVAL, "$.uri"},
      {"{\"uri\":1}", MM_EINVAL, "$.uri"},
      {"{\"uri\":\"/\",\"method\":\"G T\"}", MM_EINVAL, "$.method"},
      {"{\"uri\":\"/\",\"headers\":[[\"A\",\"1\"],[\"B C\",\"2\"]]}", MM_EINVAL, "$.headers[1][0]"},
      {"{\"uri\":\"/\",\"headers\":[[\"A\",\"1\"],[\"B\"]]}", MM_EINVAL, "$.headers[1]"},
      {"{\"uri\":\"/\",\"headers\":[[\"A\",1]]}", MM_EINVAL, "$.headers[0][1]"},
      {"{\"uri\":\"/\",\"headers\":{\"A\":1}}", MM_EINVAL, "$.headers.A"},
      {"{\"uri\":\"/\",\"headers\":\"x\"}", MM_EINVAL, "$.headers"},
      {"{\"uri\":\"/\",\"client_ip\":\"10.1\"}", MM_EINVAL, "$.client_ip"},
      {"{\"uri\":\"/\",\"time\":\"yesterday\"}", MM_EINVAL, "$.time"},
      {"{\"uri\":\"/\",\"time\":1.5}", MM_EINVAL, "$.time"},
      {"{\"uri\":\"/\",\"tls\":{\"ciphers\":[1,2,65536]}}", MM_EINVAL, "$.tls.ciphers[2]"},
      {"{\"uri\":\"/\",\"tls\":{\"point_formats\":[256]}}", MM_EINVAL, "$.tls.point_formats[0]"},
      {"{\"uri\":\"/\",\"tls\":{\"sni\":1}}", MM_EINVAL, "$.tls.sni"},
      {"{\"uri\":\"/\",\"tls\":{\"version\":-1}}", MM_EINVAL, "$.tls.version"},
      {"{\"uri\":\"/\",\"tls\":[]}", MM_EINVAL, "$.tls"},
      {"{\"raw\":\"GET / HTTP/1.1\\n\\n\",\"uri\":\"/\"}", MM_EINVAL, "$.uri"},
      {"{\"raw\":5}", MM_EINVAL, "$.raw"},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    mm_waf_request r;
    mm_error err;
    int rc = from_json(cases[i].json, &r, &err);
    if (rc != cases[i].code || strcmp(err.path, cases[i].path) != 0)
      MM_TEST_FAIL("case %zu %s: rc %d path %s (%s)", i, cases[i].json, rc, err.path, err.msg);
  }
}

TEST(json_ten_thousand_headers_hit_the_limit) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, "{\"uri\":\"/\",\"headers\":[");
  for (int i = 0; i < 10000; i++) mm_buf_printf(&b, "%s[\"X\",\"%d\"]", i ? "," : "", i);
  mm_buf_puts(&b, "]}");
  mm_waf_request r;
  mm_error err;
  ASSERT_EQ(from_json(b.ptr, &r, &err), MM_ELIMIT);
  ASSERT_EQ_STR(err.path, "$.headers");
  mm_buf_free(&b);
}

TEST(json_survives_allocation_failures) {
  const char *json =
      "{\"method\":\"PUT\",\"uri\":\"/a\",\"headers\":[[\"A\",\"b\"]],\"body_base64\":"
      "\"YWJj\",\"client_ip\":\"::1\",\"tls\":{\"ciphers\":[1,2],\"groups\":[29],"
      "\"point_formats\":[0],\"alpn\":\"h2\"}}";
  mm_error perr;
  mm_json_doc *doc = mm_json_parse(json, strlen(json), NULL, &perr);
  ASSERT_TRUE(doc != NULL);
  FAULT_LOOP({
    mm_arena a;
    mm_arena_init(&a, 128);
    mm_waf_request r;
    int rc = mm_waf_request_from_json(&a, mm_json_doc_root(doc), &r, NULL);
    if (rc == MM_OK)
      ASSERT_EQ_MEM(r.body.ptr, r.body.len, "abc");
    else
      ASSERT_EQ(rc, MM_ENOMEM);
    mm_arena_destroy(&a);
  });
  mm_json_doc_free(doc);
}

int main(void) {
  mm_arena_init(&arena, 0);
  RUN(raw_get_crlf);
  RUN(raw_lf_only_and_leading_empty_lines);
  RUN(raw_header_section_may_end_with_the_text);
  RUN(raw_content_length_cuts_and_reports_full_length);
  RUN(raw_content_length_errors);
  RUN(raw_chunked_body_is_dechunked);
  RUN(raw_chunked_errors_are_located);
  RUN(raw_line_errors_are_located);
  RUN(raw_nul_byte_in_a_header_is_refused_with_its_offset);
  RUN(raw_invalid_utf8_is_kept_as_bytes);
  RUN(raw_control_bytes_found_at_every_position);
  RUN(raw_ten_thousand_headers_hit_the_limit_at_their_line);
  RUN(raw_huge_header_line_and_section_hit_their_limits);
  RUN(raw_request_line_limit);
  RUN(raw_parse_survives_allocation_failures);
  RUN(json_record_spelled_out);
  RUN(json_defaults_and_headers_object);
  RUN(json_body_base64);
  RUN(json_raw_record);
  RUN(json_errors_name_their_path);
  RUN(json_ten_thousand_headers_hit_the_limit);
  RUN(json_survives_allocation_failures);
  mm_arena_destroy(&arena);
  return mm_test_summary();
}
