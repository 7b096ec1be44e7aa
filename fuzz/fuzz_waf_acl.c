/*
 * fuzz_waf_acl.c - libFuzzer target for the web ACL loader
 * (mm_waf_acl_load), with one IPSet and one RegexPatternSet in the loader so
 * that references can resolve.
 *
 * Checked on every input:
 *   - a failure has a known status and a message; a JSON-level failure
 *     names a JSON path that starts with '$' (or none for a syntax error);
 *   - a success has a name, a capacity equal to the sum of its rules', and
 *     evaluates a fixed request to a decision whose log record is JSON.
 */
#include "fuzz.h"
#include "mamori/waf.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char IPSET[] =
    "{\"IPSet\":{\"Name\":\"s\",\"ARN\":\"arn:ip\",\"Addresses\":[\"10.0.0.0/8\"]}}";
static const char REGEX[] =
    "{\"RegexPatternSet\":{\"Name\":\"r\",\"ARN\":\"arn:re\","
    "\"RegularExpressionList\":[{\"RegexString\":\"a+b\"}]}}";

static void check_acl(const mm_waf_acl *acl) {
  uint32_t sum = 0, wcu;
  mm_str name;
  for (size_t i = 0; mm_waf_acl_rule_capacity(acl, i, &name, &wcu); i++) sum += wcu;
  FUZZ_CHECK(sum == mm_waf_acl_capacity(acl));
  FUZZ_CHECK(mm_waf_acl_name(acl).len > 0);
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, NULL);
  if (!ctx) return;
  static const mm_waf_header h[] = {{{"Host", 4}, {"example.com", 11}},
                                    {{"Cookie", 6}, {"a=b; c", 6}}};
  mm_waf_request r = {.method = {"POST", 4},
                      .uri = {"/a?b=c&d#e", 10},
                      .version = {"HTTP/1.1", 8},
                      .headers = h,
                      .n_headers = 2,
                      .body = {"{\"x\":[1,\"y\"]}", 13},
                      .client_ip = {"10.1.1.1", 8}};
  mm_waf_result res;
  if (mm_waf_evaluate(ctx, &r, &res) == MM_OK) {
    FUZZ_CHECK((unsigned)res.action <= MM_WAF_CHALLENGE && res.action != MM_WAF_COUNT);
    mm_buf log = MM_BUF_INIT;
    if (mm_waf_log_record(acl, &r, &res, &log) == MM_OK) {
      mm_json_doc *d = mm_json_parse(log.ptr, log.len, NULL, NULL);
      FUZZ_CHECK(d != NULL);
      mm_json_doc_free(d);
    }
    mm_buf_free(&log);
  }
  mm_waf_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_waf_loader *l = mm_waf_loader_new();
  if (!l) return 0;
  mm_waf_loader_add_json(l, IPSET, sizeof(IPSET) - 1, NULL);
  mm_waf_loader_add_json(l, REGEX, sizeof(REGEX) - 1, NULL);
  mm_error err;
  mm_waf_acl *acl = mm_waf_acl_load(l, (const char *)data, size, &err);
  if (acl) {
    check_acl(acl);
  } else {
    FUZZ_CHECK(err.code < 0 && err.msg[0]);
    FUZZ_CHECK(err.path[0] == '\0' || err.path[0] == '$');
  }
  mm_waf_acl_free(acl);
  mm_waf_loader_free(l);
  return 0;
}
