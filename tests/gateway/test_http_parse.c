/*
 * test_http_parse.c - the request-head wire parser (src/gateway/http_parse.c)
 * and its hand-off to the desync classification: the shapes RFC 7230
 * allows, the ones smuggling attacks use, and incomplete or oversized heads.
 */
#include "mamori/http.h"
#include "test.h"

#define MAX_HDRS 16

static mm_http_head head;
static mm_http_header hdrs[MAX_HDRS];
static size_t head_len;
static mm_error err;

static int parse(const char *raw) {
  return mm_http_parse_head(raw, strlen(raw), 8192, &head, hdrs, MAX_HDRS, &head_len, &err);
}

static mm_http_verdict classify(const char *raw) {
  mm_http_verdict v;
  ASSERT_EQ(parse(raw), MM_OK);
  mm_http_classify(&head, &v);
  return v;
}

#define ASSERT_STR(s, lit) ASSERT_TRUE(mm_str_eq((s), MM_STR(lit)))

TEST(simple_request) {
  const char *raw = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-A:  v  \r\n\r\nBODY";
  ASSERT_EQ(parse(raw), MM_OK);
  ASSERT_STR(head.method, "GET");
  ASSERT_STR(head.uri, "/a?b=c");
  ASSERT_STR(head.version, "HTTP/1.1");
  ASSERT_EQ(head.n_headers, 2);
  ASSERT_STR(hdrs[0].name, "Host");
  ASSERT_STR(hdrs[1].value, "v");
  ASSERT_EQ(head_len, strlen(raw) - 4);
}

/* RFC 7230 3.5: a lone LF ends a line, and empty lines before the request
 * line are ignored. */
TEST(lf_line_ends_and_leading_empty_lines) {
  ASSERT_EQ(parse("\r\n\nGET / HTTP/1.0\nA: b\n\n"), MM_OK);
  ASSERT_STR(head.version, "HTTP/1.0");
  ASSERT_EQ(head.n_headers, 1);
}

TEST(incomplete_and_oversized) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n"), MM_ETRUNC);
  ASSERT_EQ(parse("GET / HTTP/1.1"), MM_ETRUNC);
  char big[9000];
  memset(big, 'a', sizeof big);
  memcpy(big, "GET /", 5);
  ASSERT_EQ(mm_http_parse_head(big, sizeof big, 8192, &head, hdrs, MAX_HDRS, &head_len, &err),
            MM_ELIMIT);
}

TEST(too_many_headers) {
  char raw[1024];
  int n = snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\n");
  for (int i = 0; i <= MAX_HDRS; i++) n += snprintf(raw + n, sizeof raw - (size_t)n, "A: b\r\n");
  snprintf(raw + n, sizeof raw - (size_t)n, "\r\n");
  ASSERT_EQ(parse(raw), MM_ELIMIT);
  ASSERT_EQ(err.line, MAX_HDRS + 2);
}

TEST(syntax_errors_are_located) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n"), MM_ESYNTAX);
  ASSERT_EQ(err.line, 3);
  ASSERT_EQ(err.column, 1);
  ASSERT_EQ(parse(" / HTTP/1.1\r\n\r\n"), MM_ESYNTAX);
  ASSERT_EQ(parse("GET / HTTP/1.1\r\n folded\r\n\r\n"), MM_ESYNTAX);
}

/* Smuggling shapes through the parser: what the classifier must see. */
TEST(smuggling_shapes) {
  mm_http_verdict v = classify(
      "POST / HTTP/1.1\r\nContent-Length: 4\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_BOTH_TE_CL_PRESENT);
  v = classify("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_SUSPICIOUS_HEADER);
  v = classify("POST / HTTP/1.1\r\nX: a\r\n Transfer-Encoding: chunked\r\n\r\n");
  ASSERT_EQ(v.tier, MM_HTTP_SEVERE); /* obs-fold keeps CRLF in the value */
  ASSERT_EQ(v.reason, MM_HTTP_R_BAD_HEADER);
  v = classify("POST / HTTP/1.1\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_BAD_HEADER);
  v = classify("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_MULTIPLE_CONTENT_LENGTH);
  v = classify("GET /a b HTTP/1.1\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_SPACE_IN_URI);
  v = classify("GET /\r\n\r\n");
  ASSERT_EQ(v.reason, MM_HTTP_R_NON_COMPLIANT_VERSION);
  v = classify("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  ASSERT_EQ(v.tier, MM_HTTP_COMPLIANT);
}

int main(void) {
  RUN(simple_request);
  RUN(lf_line_ends_and_leading_empty_lines);
  RUN(incomplete_and_oversized);
  RUN(too_many_headers);
  RUN(syntax_errors_are_located);
  RUN(smuggling_shapes);
  return mm_test_summary();
}
