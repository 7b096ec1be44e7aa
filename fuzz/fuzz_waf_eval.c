/*
 * fuzz_waf_eval.c - libFuzzer target for request evaluation: a fixed web
 * ACL that uses every field and most statements, and arbitrary request
 * bytes read by mm_waf_request_parse_raw.
 *
 * Checked on every input that parses: evaluation succeeds (or reports a
 * limit), the decision is terminal (never COUNT), every hit names a rule of
 * the ACL, and the log record is valid JSON.
 */
#include "fuzz.h"
#include "mamori/waf.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TT "[{\"Priority\":0,\"Type\":\"URL_DECODE\"},{\"Priority\":1,\"Type\":\"LOWERCASE\"}]"
#define R(n, p, a, s) \
  "{\"Name\":\"" n "\",\"Priority\":" #p ",\"Action\":{\"" a "\":{}},\"Statement\":" s "}"
#define BM(s, f, pos)                                                       \
  "{\"ByteMatchStatement\":{\"SearchString\":\"" s "\",\"FieldToMatch\":" f \
  ",\"PositionalConstraint\":\"" pos "\",\"TextTransformations\":" TT "}}"

static const char ACL[] =
    "{\"Name\":\"fuzz\",\"DefaultAction\":{\"Allow\":{}},\"Rules\":["
    R("h", 1, "Count", BM("x", "{\"Headers\":{\"MatchPattern\":{\"All\":{}},\"MatchScope\":\"ALL\",\"OversizeHandling\":\"CONTINUE\"}}", "CONTAINS")) ","
    R("c", 2, "Count", BM("y", "{\"Cookies\":{\"MatchPattern\":{\"All\":{}},\"MatchScope\":\"KEY\",\"OversizeHandling\":\"MATCH\"}}", "CONTAINS_WORD")) ","
    R("j", 3, "Count", BM("z", "{\"JsonBody\":{\"MatchPattern\":{\"IncludedPaths\":[\"/a\"]},\"MatchScope\":\"ALL\"}}", "EXACTLY")) ","
    R("q", 4, "Count", "{\"RegexMatchStatement\":{\"RegexString\":\"(a|b)+c$\",\"FieldToMatch\":{\"AllQueryArguments\":{}},\"TextTransformations\":" TT ",\"PreParseTextTransformations\":[{\"Priority\":0,\"Type\":\"URL_DECODE\"}]}}") ","
    R("s", 5, "Count", "{\"SqliMatchStatement\":{\"FieldToMatch\":{\"Body\":{}},\"TextTransformations\":" TT "}}") ","
    R("x", 6, "Count", "{\"XssMatchStatement\":{\"FieldToMatch\":{\"UriPath\":{}},\"TextTransformations\":" TT "}}") ","
    R("o", 7, "Count", BM("a", "{\"HeaderOrder\":{\"OversizeHandling\":\"NO_MATCH\"}}", "STARTS_WITH")) ","
    R("l", 8, "Block", "{\"AndStatement\":{\"Statements\":[{\"LabelMatchStatement\":{\"Scope\":\"NAMESPACE\",\"Key\":\"t\"}},"
      "{\"SizeConstraintStatement\":{\"FieldToMatch\":{\"QueryString\":{}},\"ComparisonOperator\":\"GT\",\"Size\":100,\"TextTransformations\":" TT "}}]}}")
    "]}";

static mm_waf_acl *acl;
static mm_waf_ctx *ctx;
static mm_arena arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!acl) {
    acl = mm_waf_acl_load(NULL, ACL, sizeof(ACL) - 1, NULL);
    FUZZ_CHECK(acl != NULL);
    ctx = mm_waf_ctx_new(acl, NULL);
    FUZZ_CHECK(ctx != NULL);
    mm_arena_init(&arena, 0);
  }
  mm_arena_reset(&arena);
  mm_waf_request r;
  if (mm_waf_request_parse_raw(&arena, (const char *)data, size, &r, NULL) != MM_OK) return 0;
  r.client_ip = (mm_str){"192.0.2.1", 9};
  mm_waf_result res;
  int rc = mm_waf_evaluate(ctx, &r, &res);
  FUZZ_CHECK(rc == MM_OK || rc == MM_ELIMIT || rc == MM_ENOMEM);
  if (rc != MM_OK) return 0;
  FUZZ_CHECK(res.action != MM_WAF_COUNT);
  for (size_t i = 0; i < res.n_hits; i++) FUZZ_CHECK(res.hits[i].rule.len == 1);
  mm_buf log = MM_BUF_INIT;
  if (mm_waf_log_record(acl, &r, &res, &log) == MM_OK) {
    mm_json_doc *d = mm_json_parse(log.ptr, log.len, NULL, NULL);
    FUZZ_CHECK(d != NULL);
    mm_json_doc_free(d);
  }
  mm_buf_free(&log);
  return 0;
}
