/*
 * test_waf_acl.c - the web ACL engine with requests built in memory: the
 * pattern plan (one Vectorscan database per input, inputs shared), hostile
 * requests within limits (huge headers, 10,000 query arguments, deeply
 * nested JSON, invalid UTF-8, NUL bytes, broken percent-encoding, a regex
 * built to backtrack), tokens, and allocation failures while loading and
 * evaluating. The data-driven cases are in cases/ (acl_case.c).
 */
#include "mamori/alloc.h"
#include "mamori/waf.h"
#include "waf/acl.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE(name, prio, stmt) \
  "{\"Name\":\"" name "\",\"Priority\":" #prio ",\"Action\":{\"Block\":{}},\"Statement\":" stmt "}"
#define BM(s, field, pos, tt)                                                   \
  "{\"ByteMatchStatement\":{\"SearchString\":\"" s "\",\"FieldToMatch\":" field \
  ",\"PositionalConstraint\":\"" pos "\",\"TextTransformations\":" tt "}}"
#define RE(r, field, tt)                                                        \
  "{\"RegexMatchStatement\":{\"RegexString\":\"" r "\",\"FieldToMatch\":" field \
  ",\"TextTransformations\":" tt "}}"
#define NONE       "[{\"Priority\":0,\"Type\":\"NONE\"}]"
#define LOWER      "[{\"Priority\":0,\"Type\":\"LOWERCASE\"}]"
#define ACL(rules) "{\"Name\":\"t\",\"DefaultAction\":{\"Allow\":{}},\"Rules\":[" rules "]}"

static const char PLAN_ACL[] =
    ACL(RULE("a", 1, BM("one", "{\"QueryString\":{}}", "CONTAINS", LOWER)) "," RULE(
        "b", 2,
        BM("two", "{\"QueryString\":{}}", "CONTAINS",
           LOWER)) "," RULE("c", 3,
                            RE("th(r|R)ee$", "{\"QueryString\":{}}",
                               LOWER)) "," RULE("d", 4,
                                                BM("four", "{\"QueryString\":{}}", "CONTAINS",
                                                   NONE)) "," RULE("e", 5,
                                                                   RE("(a|aa)+$", "{\"Body\":{}}",
                                                                      NONE)) "," RULE("f", 6,
                                                                                      "{\"SqliMatch"
                                                                                      "Statement\":"
                                                                                      "{\"FieldToMa"
                                                                                      "tch\":{"
                                                                                      "\"AllQueryAr"
                                                                                      "guments\":{}"
                                                                                      "},"
                                                                                      "\"TextTransf"
                                                                                      "ormations\":"
                                                                                      "[{"
                                                                                      "\"Priority\""
                                                                                      ":0,\"Type\":"
                                                                                      "\"URL_"
                                                                                      "DECODE\"}]}"
                                                                                      "}") "," RULE("g",
                                                                                                    7,
                                                                                                    "{\"XssMatchStatement\":{\"FieldToMatch\":{\"JsonBody\":{\"MatchPattern\":"
                                                                                                    "{\"All\":{}},\"MatchScope\":\"VALUE\"}},\"TextTransformations\":" NONE
                                                                                                    "}}"));

static mm_waf_acl *load(const char *text) {
  mm_error err;
  mm_waf_acl *acl = mm_waf_acl_load(NULL, text, strlen(text), &err);
  if (!acl) fprintf(stderr, "load: %s: %s\n", err.path, err.msg);
  return acl;
}

static mm_waf_request request(const char *uri, const mm_waf_header *h, size_t nh, mm_str body) {
  mm_waf_request r;
  memset(&r, 0, sizeof(r));
  r.method = MM_STR("GET");
  r.uri = mm_str_from(uri);
  r.version = MM_STR("HTTP/1.1");
  r.headers = h;
  r.n_headers = nh;
  r.body = body;
  r.client_ip = MM_STR("192.0.2.1");
  return r;
}

static mm_waf_result eval(mm_waf_ctx *ctx, const mm_waf_request *r) {
  mm_waf_result res;
  ASSERT_EQ(mm_waf_evaluate(ctx, r, &res), MM_OK);
  return res;
}

TEST(plan_groups_patterns_per_input) {
  mm_waf_acl *acl = load(PLAN_ACL);
  ASSERT_TRUE(acl != NULL);
  /* query+LOWERCASE, query+NONE, body, args+URL_DECODE, json body. */
  ASSERT_EQ(acl->n_inputs, 5);
  ASSERT_EQ(acl->inputs[0].n_bits, 3); /* one, two, th(r|R)ee$ in one database */
  ASSERT_TRUE(acl->inputs[0].db != NULL);
  ASSERT_EQ(acl->inputs[1].n_bits, 1);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  mm_waf_request r = request("/?x=THREE", NULL, 0, (mm_str){"", 0});
  mm_waf_result res = eval(ctx, &r);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  ASSERT_EQ_MEM(res.terminating_rule.ptr, res.terminating_rule.len, "c");
  r.uri = MM_STR("/?x=Two&four");
  res = eval(ctx, &r);
  ASSERT_EQ_MEM(res.terminating_rule.ptr, res.terminating_rule.len, "b");
  r.uri = MM_STR("/?x=FOUR");
  res = eval(ctx, &r);
  ASSERT_EQ(res.action, MM_WAF_ALLOW); /* "four" is case-sensitive without LOWERCASE */
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(backtracking_regex_is_linear) {
  mm_waf_acl *acl = load(PLAN_ACL);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  static char body[8192];
  memset(body, 'a', sizeof(body) - 1);
  body[sizeof(body) - 1] = 'b'; /* (a|aa)+$ fails only after trying everything */
  mm_waf_request r = request("/", NULL, 0, (mm_str){body, sizeof(body)});
  mm_waf_result res = eval(ctx, &r);
  ASSERT_EQ(res.action, MM_WAF_ALLOW);
  body[sizeof(body) - 1] = 'a';
  res = eval(ctx, &r);
  ASSERT_EQ_MEM(res.terminating_rule.ptr, res.terminating_rule.len, "e");
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(pcre2_fallback_for_what_vectorscan_refuses) {
  /* \\G (match at the start) is PCRE syntax Vectorscan does not compile. */
  mm_waf_acl *acl = load(ACL(RULE("g", 1, RE("\\\\Gadm[i]n", "{\"UriPath\":{}}", NONE)) "," RULE(
      "h", 2, RE("x{2}y", "{\"UriPath\":{}}", NONE))));
  ASSERT_TRUE(acl != NULL);
  ASSERT_EQ(acl->n_pcres, 1);
  ASSERT_EQ(acl->inputs[0].n_bits, 1);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  mm_waf_request r = request("admin", NULL, 0, (mm_str){"", 0});
  mm_waf_result res = eval(ctx, &r);
  ASSERT_EQ_MEM(res.terminating_rule.ptr, res.terminating_rule.len, "g");
  r.uri = MM_STR("/admin");
  res = eval(ctx, &r);
  ASSERT_EQ(res.action, MM_WAF_ALLOW);
  r.uri = MM_STR("/xxy");
  res = eval(ctx, &r);
  ASSERT_EQ_MEM(res.terminating_rule.ptr, res.terminating_rule.len, "h");
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(hostile_many_query_args) {
  mm_waf_acl *acl = load(PLAN_ACL);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  mm_buf uri = MM_BUF_INIT;
  mm_buf_puts(&uri, "/?");
  for (int i = 0; i < 10000; i++) mm_buf_printf(&uri, "a%d=%%zz%%%d&", i, i % 10);
  mm_buf_puts(&uri, "last=1%27%20or%201=1--");
  mm_waf_request r = request(uri.ptr, NULL, 0, (mm_str){"", 0});
  mm_waf_result res = eval(ctx, &r);
  ASSERT_TRUE(res.action == MM_WAF_ALLOW || res.action == MM_WAF_BLOCK);
  mm_buf_free(&uri);
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(hostile_headers_and_bytes) {
  mm_waf_acl *acl = load(ACL(RULE("h", 1,
                                  BM("evil",
                                     "{\"Headers\":{\"MatchPattern\":{\"All\":{}},"
                                     "\"MatchScope\":\"ALL\",\"OversizeHandling\":"
                                     "\"NO_MATCH\"}}",
                                     "CONTAINS", NONE))));
  ASSERT_TRUE(acl != NULL);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  static mm_waf_header h[1000];
  static char big[100000];
  memset(big, 'x', sizeof(big));
  memcpy(big + 50000, "evil\0\xff\xfe%%%", 10);
  for (size_t i = 0; i < MM_ARRAY_LEN(h); i++)
    h[i] = (mm_waf_header){MM_STR("X-Big"), (mm_str){big, sizeof(big)}};
  mm_waf_request r = request("/%zz%", h, MM_ARRAY_LEN(h), (mm_str){"", 0});
  mm_waf_result res = eval(ctx, &r);
  ASSERT_EQ(res.action, MM_WAF_ALLOW); /* oversize: NO_MATCH */
  ASSERT_TRUE(res.oversize & MM_WAF_OVERSIZE_HEADERS);
  mm_buf log = MM_BUF_INIT;
  ASSERT_EQ(mm_waf_log_record(acl, &r, &res, &log), MM_OK);
  mm_json_doc *doc = mm_json_parse(log.ptr, log.len, NULL, NULL);
  ASSERT_TRUE(doc != NULL); /* invalid UTF-8 and NUL are escaped, the record stays JSON */
  mm_json_doc_free(doc);
  mm_buf_free(&log);
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(hostile_nested_json_body) {
  mm_waf_acl *acl = load(PLAN_ACL);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, &(mm_waf_config){.body_limit = 1 << 20});
  size_t n = 200000;
  char *body = malloc(2 * n + 40);
  memset(body, '[', n);
  memcpy(body + n, "\"<script>alert(1)</script>\"", 27);
  memset(body + n + 27, ']', n);
  mm_waf_request r = request("/", NULL, 0, (mm_str){body, 2 * n + 27});
  r.method = MM_STR("POST");
  mm_waf_result res = eval(ctx, &r);
  /* Past MM_WAF_JSON_BODY_DEPTH the body is invalid JSON: nothing inspected. */
  ASSERT_EQ(res.action, MM_WAF_ALLOW);
  free(body);
  mm_waf_ctx_free(ctx);
  mm_waf_acl_free(acl);
}

TEST(tokens_round_trip) {
  mm_buf tok = MM_BUF_INIT;
  ASSERT_EQ(
      mm_waf_token_make(MM_STR("key"), MM_STR("192.0.2.1"), MM_STR("Example.com"), 1000, 990, &tok),
      MM_OK);
  mm_str t = {tok.ptr, tok.len};
  ASSERT_TRUE(mm__waf_token_check(MM_STR("key"), t, MM_STR("192.0.2.1"), MM_STR("example.com"),
                                  1100, 300, true) == NULL);
  ASSERT_EQ_STR(mm__waf_token_check(MM_STR("key"), t, MM_STR("192.0.2.2"), MM_STR("example.com"),
                                    1100, 300, true),
                "TOKEN_INVALID");
  ASSERT_EQ_STR(mm__waf_token_check(MM_STR("key"), t, MM_STR("192.0.2.1"), MM_STR("example.com"),
                                    1400, 300, true),
                "TOKEN_EXPIRED");
  tok.ptr[3] ^= 1;
  ASSERT_EQ_STR(mm__waf_token_check(MM_STR("key"), t, MM_STR("192.0.2.1"), MM_STR("example.com"),
                                    1100, 300, true),
                "TOKEN_INVALID");
  mm_buf_free(&tok);
}

TEST(hmac_rfc4231_case2) {
  /* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
  uint8_t mac[32];
  mm__waf_hmac_sha256(MM_STR("Jefe"), MM_STR("what do ya want for nothing?"), mac);
  static const uint8_t want[4] = {0x5b, 0xdc, 0xc1, 0x46};
  ASSERT_TRUE(memcmp(mac, want, 4) == 0);
  ASSERT_EQ(mac[31], 0x43);
}

TEST(load_and_eval_survive_allocation_failures) {
  FAULT_LOOP({
    mm_waf_acl *acl = mm_waf_acl_load(NULL, PLAN_ACL, strlen(PLAN_ACL), NULL);
    mm_waf_ctx *ctx = acl ? mm_waf_ctx_new(acl, NULL) : NULL;
    if (ctx) {
      mm_waf_request r = request("/?x=three&y=%3Cscript%3E", NULL, 0, (mm_str){"[\"a\"]", 5});
      mm_waf_result res;
      mm_buf log = MM_BUF_INIT;
      if (mm_waf_evaluate(ctx, &r, &res) == MM_OK) mm_waf_log_record(acl, &r, &res, &log);
      mm_buf_free(&log);
    }
    mm_waf_ctx_free(ctx);
    mm_waf_acl_free(acl);
  });
}

int main(void) {
  RUN(plan_groups_patterns_per_input);
  RUN(backtracking_regex_is_linear);
  RUN(pcre2_fallback_for_what_vectorscan_refuses);
  RUN(hostile_many_query_args);
  RUN(hostile_headers_and_bytes);
  RUN(hostile_nested_json_body);
  RUN(tokens_round_trip);
  RUN(hmac_rfc4231_case2);
  RUN(load_and_eval_survive_allocation_failures);
  return mm_test_summary();
}
