/*
 * test_iam_policy.c - unit tests of the IAM engine's compiler: every
 * grammar error reports its JSON path, limits hold, exact decimals compare
 * right, and (FAULT_LOOP) every allocation failure while compiling a policy
 * or reading and deciding a request is reported and frees what it took.
 */
#include "test.h"

#include "iam/iam_int.h"
#include "mamori/iam.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* Compile text and expect failure with code and path. */
static void expect_error(const char *text, int code, const char *path) {
  mm_error err;
  mm_error_clear(&err);
  mm_iam_policy *p = mm_iam_policy_compile(text, strlen(text), NULL, &err);
  if (p) {
    mm_iam_policy_free(p);
    MM_TEST_FAIL("compiled, but expected %s at %s: %s", mm_status_name(code), path, text);
  }
  if (err.code != code || strcmp(err.path, path) != 0)
    MM_TEST_FAIL("%s: want %s at %s, got %s at %s (%s)", text, mm_status_name(code), path,
                 mm_status_name(err.code), err.path, err.msg);
  mm_test_checks++;
}

TEST(grammar_errors_carry_paths) {
  expect_error("[]", MM_EINVAL, "$");
  expect_error("{}", MM_EINVAL, "$");
  expect_error("{\"Statement\": [], \"Foo\": 1}", MM_EINVAL, "$.Foo");
  expect_error("{\"Version\": \"2020-01-01\", \"Statement\": []}", MM_EINVAL, "$.Version");
  expect_error("{\"Id\": 5, \"Statement\": []}", MM_EINVAL, "$.Id");
  expect_error("{\"Statement\": 5}", MM_EINVAL, "$.Statement");
  expect_error("{\"Statement\": [5]}", MM_EINVAL, "$.Statement[0]");
  expect_error(
      "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},"
      " {\"Effect\": \"allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}",
      MM_EINVAL, "$.Statement[1].Effect");
  expect_error("{\"Statement\": {\"Action\": \"*\", \"Resource\": \"*\"}}", MM_EINVAL,
               "$.Statement");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Resource\": \"*\"}}", MM_EINVAL,
               "$.Statement");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"NotAction\": \"*\"}}",
               MM_EINVAL, "$.Statement.NotAction");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [], \"Resource\": \"*\"}}",
               MM_EINVAL, "$.Statement.Action");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:*\", 7]}}", MM_EINVAL,
               "$.Statement.Action[1]");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:*\", \"GetObject\"]}}",
               MM_EINVAL, "$.Statement.Action[1]");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"\"}}",
               MM_EINVAL, "$.Statement.Resource");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Sid\": []}}",
               MM_EINVAL, "$.Statement.Sid");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Bogus\": 1}}",
               MM_EINVAL, "$.Statement.Bogus");
}

TEST(principal_errors_carry_paths) {
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Principal\": \"arn\"}}",
      MM_EINVAL, "$.Statement.Principal");
  expect_error("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Principal\": {}}}",
               MM_EINVAL, "$.Statement.Principal");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Principal\": {\"Group\": \"x\"}}}",
      MM_EINVAL, "$.Statement.Principal.Group");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Principal\": {\"AWS\": [\"111122223333\", \"arn:aws:iam::1:user/a*\"]}}}",
      MM_EINVAL, "$.Statement.Principal.AWS[1]");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Deny\", \"Action\": \"*\", "
      "\"NotPrincipal\": {\"Service\": 5}}}",
      MM_EINVAL, "$.Statement.NotPrincipal.Service");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Deny\", \"Action\": \"*\", "
      "\"Principal\": \"*\", \"NotPrincipal\": \"*\"}}",
      MM_EINVAL, "$.Statement.NotPrincipal");
}

TEST(condition_errors_carry_paths) {
  expect_error(
      "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\"}, {\"Effect\": \"Allow\", "
      "\"Action\": \"*\", \"Condition\": {\"StringLike\": [\"x\"]}}]}",
      MM_EINVAL, "$.Statement[1].Condition.StringLike");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"StringLikes\": {\"k\": \"v\"}}}}",
      MM_EINVAL, "$.Statement.Condition.StringLikes");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"NullIfExists\": {\"k\": \"true\"}}}}",
      MM_EINVAL, "$.Statement.Condition.NullIfExists");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"NumericLessThan\": {\"s3:max-keys\": [\"1\", \"ten\"]}}}}",
      MM_EINVAL, "$.Statement.Condition.NumericLessThan[\"s3:max-keys\"][1]");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"DateLessThan\": {\"aws:CurrentTime\": \"2024-13-01\"}}}}",
      MM_EINVAL, "$.Statement.Condition.DateLessThan[\"aws:CurrentTime\"]");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/33\"}}}}",
      MM_EINVAL, "$.Statement.Condition.IpAddress[\"aws:SourceIp\"]");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"yes\"}}}}",
      MM_EINVAL, "$.Statement.Condition.Bool[\"aws:SecureTransport\"]");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"BinaryEquals\": {\"k\": \"***\"}}}}",
      MM_EINVAL, "$.Statement.Condition.BinaryEquals.k");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"StringEquals\": {\"k\": {\"a\": 1}}}}}",
      MM_EINVAL, "$.Statement.Condition.StringEquals.k");
  expect_error(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"StringEquals\": {\"k\": []}}}}",
      MM_EINVAL, "$.Statement.Condition.StringEquals.k");
  expect_error(
      "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Condition\": {\"StringEquals\": {\"k\": \"${aws:username\"}}}}",
      MM_EINVAL, "$.Statement.Condition.StringEquals.k");
  expect_error(
      "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Resource\": [\"*\", \"arn:aws:s3:::${}\"]}}",
      MM_EINVAL, "$.Statement.Resource[1]");
}

TEST(json_errors_keep_line_and_column) {
  mm_error err;
  mm_iam_policy *p = mm_iam_policy_compile(S("{\"Statement\":\n [,]}"), NULL, &err);
  ASSERT_TRUE(p == NULL);
  ASSERT_EQ(err.code, MM_ESYNTAX);
  ASSERT_EQ(err.line, 2);
}

TEST(kind_rules) {
  const char *with_principal =
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", "
      "\"Resource\": \"*\", \"Principal\": \"*\"}}";
  const char *without =
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}";
  mm_iam_compile_options id = {MM_IAM_KIND_IDENTITY, NULL}, res = {MM_IAM_KIND_RESOURCE, "bucket"};
  mm_error err;
  ASSERT_TRUE(mm_iam_policy_compile(with_principal, strlen(with_principal), &id, &err) == NULL);
  ASSERT_EQ_STR(err.path, "$.Statement");
  ASSERT_TRUE(mm_iam_policy_compile(without, strlen(without), &res, &err) == NULL);
  mm_iam_policy *p = mm_iam_policy_compile(with_principal, strlen(with_principal), &res, &err);
  ASSERT_TRUE(p != NULL);
  ASSERT_EQ_STR(mm_iam_policy_name(p), "bucket");
  ASSERT_EQ(mm_iam_policy_statement_count(p), 1);
  ASSERT_TRUE(mm_iam_policy_has_allow(p));
  mm_iam_policy_free(p);
}

TEST(limits_are_enforced) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, "{\"Statement\": [");
  for (int i = 0; i <= MM_IAM_MAX_STATEMENTS; i++)
    mm_buf_printf(&b, "%s{\"Effect\":\"Deny\",\"Action\":\"*\"}", i ? "," : "");
  mm_buf_puts(&b, "]}");
  mm_error err;
  ASSERT_TRUE(mm_iam_policy_compile(b.ptr, b.len, NULL, &err) == NULL);
  ASSERT_EQ(err.code, MM_ELIMIT);
  ASSERT_EQ_STR(err.path, "$.Statement");
  mm_buf_clear(&b);
  for (size_t i = 0; i < MM_IAM_MAX_POLICY_SIZE; i += 8) mm_buf_puts(&b, "        ");
  mm_buf_puts(&b, "{}");
  ASSERT_TRUE(mm_iam_policy_compile(b.ptr, b.len, NULL, &err) == NULL);
  ASSERT_EQ(err.code, MM_ELIMIT);
  mm_buf_free(&b);
}

static int dec_cmp(const char *a, const char *b) {
  mm__iam_decimal x, y;
  if (!mm__iam_decimal_parse(mm_str_from(a), &x) || !mm__iam_decimal_parse(mm_str_from(b), &y))
    return 99;
  return mm__iam_decimal_cmp(&x, &y);
}

TEST(decimals_compare_exactly) {
  ASSERT_EQ(dec_cmp("10", "10.0"), 0);
  ASSERT_EQ(dec_cmp("010", "1e1"), 0);
  ASSERT_EQ(dec_cmp("0.001", "1E-3"), 0);
  ASSERT_EQ(dec_cmp("-0", "0.000"), 0);
  ASSERT_EQ(dec_cmp("9007199254740993", "9007199254740992"), 1);
  ASSERT_EQ(dec_cmp("-5", "-4.9"), -1);
  ASSERT_EQ(dec_cmp("-0.1", "0"), -1);
  ASSERT_EQ(dec_cmp("123.45", "123.4500001"), -1);
  ASSERT_EQ(dec_cmp("1e5", "99999.9999"), 1);
  ASSERT_EQ(dec_cmp("abc", "1"), 99);
  ASSERT_EQ(dec_cmp("1.", "1"), 0);
  ASSERT_EQ(dec_cmp("", "1"), 99);
  ASSERT_EQ(dec_cmp("1e", "1"), 99);
  ASSERT_EQ(dec_cmp("1e999999999", "1"), 99);
  ASSERT_EQ(dec_cmp("12345678901234567890123456789012345678901", "1"), 99);
}

static const char rich_policy[] =
    "{\"Version\": \"2012-10-17\", \"Id\": \"rich\", \"Statement\": ["
    " {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": [\"111122223333\","
    "  \"arn:aws:iam::111122223333:user/alice\"], \"Service\": \"s3.amazonaws.com\"},"
    "  \"Action\": [\"s3:Get*\", \"s3:List*\"], \"Resource\": "
    "[\"arn:aws:s3:::b/${aws:username}/*\","
    "  \"arn:aws:s3:::b\"], \"Condition\": {\"StringLike\": {\"s3:prefix\": [\"home/*\", "
    "\"${aws:username}\"]},"
    "  \"IpAddress\": {\"aws:SourceIp\": [\"10.0.0.0/8\", \"2001:db8::/32\"]},"
    "  \"NumericLessThan\": {\"s3:max-keys\": \"100\"}, \"DateGreaterThan\": {\"aws:CurrentTime\": "
    "\"2020-01-01\"},"
    "  \"ForAnyValue:StringEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}, \"BoolIfExists\": "
    "{\"aws:SecureTransport\": true},"
    "  \"ArnLike\": {\"aws:SourceArn\": \"arn:aws:sns:*:*:t\"}, \"BinaryEquals\": {\"k\": "
    "\"QQ==\"},"
    "  \"Null\": {\"aws:TokenIssueTime\": \"true\"}}},"
    " {\"Effect\": \"Deny\", \"NotPrincipal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},"
    "  \"NotAction\": \"iam:*\", \"NotResource\": \"arn:aws:s3:::safe/*\"}]}";

TEST(fault_injection_compile) {
  FAULT_LOOP({
    mm_error err;
    mm_iam_policy *p = mm_iam_policy_compile(rich_policy, sizeof(rich_policy) - 1, NULL, &err);
    if (p)
      ASSERT_EQ(mm_iam_policy_statement_count(p), 2);
    else
      ASSERT_EQ(err.code, MM_ENOMEM);
    mm_iam_policy_free(p);
  });
}

static const char rich_request[] =
    "{\"principal\": {\"arn\": \"arn:aws:iam::111122223333:user/alice\", \"tags\": {\"team\": "
    "\"red\"},"
    " \"ouPath\": [\"o-1/r-1/\"]}, \"action\": \"s3:GetObject\","
    " \"resource\": {\"arn\": \"arn:aws:s3:::b/alice/x\", \"tags\": {\"env\": \"dev\"}},"
    " \"context\": {\"aws:SourceIp\": \"10.1.1.1\", \"s3:prefix\": \"home/x\", \"s3:max-keys\": 5,"
    "  \"aws:CurrentTime\": \"2024-01-01T00:00:00Z\", \"aws:TagKeys\": [\"b\"], "
    "\"aws:SecureTransport\": true,"
    "  \"aws:SourceArn\": \"arn:aws:sns:us-east-1:1:t\", \"k\": \"QQ\"},"
    " \"policies\": {\"identity\": [{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": "
    "\"Allow\","
    "  \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\"}}],"
    "  \"boundary\": {\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": "
    "\"*\"}},"
    "  \"scp\": [[{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": "
    "\"*\"}}]],"
    "  \"rcp\": [[{\"Statement\": {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": "
    "\"kms:*\","
    "   \"Resource\": \"*\"}}]]}}";

static void decide_rich(void) {
  mm_error err;
  mm_json_doc *doc = mm_json_parse(rich_request, sizeof(rich_request) - 1, NULL, &err);
  if (!doc) return;
  mm_iam_query *q = mm_iam_query_parse(mm_json_doc_root(doc), &err);
  mm_json_doc_free(doc);
  if (!q) return;
  mm_iam_result r;
  mm_buf ex = MM_BUF_INIT;
  int rc = mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &r, &ex);
  if (rc == MM_OK)
    ASSERT_EQ(r.decision, MM_IAM_ALLOWED);
  else
    ASSERT_TRUE(r.decision == MM_IAM_IMPLICIT_DENY && rc == MM_ENOMEM);
  mm_buf_free(&ex);
  mm_iam_query_free(q);
}

TEST(fault_injection_query_and_evaluate) {
  decide_rich();
  FAULT_LOOP(decide_rich());
}

TEST(evaluation_without_explanation_does_not_allocate) {
  mm_error err;
  mm_json_doc *doc = mm_json_parse(rich_request, sizeof(rich_request) - 1, NULL, &err);
  mm_iam_query *q = mm_iam_query_parse(mm_json_doc_root(doc), &err);
  mm_json_doc_free(doc);
  ASSERT_TRUE(q != NULL);
  mm_iam_result r;
  mm_test_fail_alloc(1);
  int rc = mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &r, NULL);
  int injected = mm_test_alloc_injected;
  mm_test_fail_alloc(0);
  ASSERT_EQ(rc, MM_OK);
  ASSERT_EQ(injected, 0);
  ASSERT_EQ(r.decision, MM_IAM_ALLOWED);
  mm_iam_query_free(q);
}

/* An error during evaluation denies, even when the failing statement is a
 * Deny that would not have applied: a policy variable whose value exceeds
 * MM_IAM_MAX_EXPANSION cannot be compared, so the request is refused. */
TEST(evaluation_error_denies) {
  mm_buf big = MM_BUF_INIT;
  for (int i = 0; i < MM_IAM_MAX_EXPANSION + 10; i++) mm_buf_putc(&big, 'x');
  const char *allow =
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}";
  const char *deny =
      "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Deny\", \"Action\": \"*\","
      " \"Resource\": \"*\", \"Condition\": {\"StringEquals\": {\"aws:PrincipalTag/x\":"
      " \"${aws:PrincipalTag/big}\"}}}}";
  mm_error err;
  mm_iam_policy *a = mm_iam_policy_compile(allow, strlen(allow), NULL, &err);
  mm_iam_policy *d = mm_iam_policy_compile(deny, strlen(deny), NULL, &err);
  ASSERT_TRUE(a && d);
  mm_str bigv[] = {{big.ptr, big.len}}, small[] = {MM_STR("y")};
  mm_iam_context_entry ctx[] = {{MM_STR("aws:PrincipalTag/big"), bigv, 1},
                                {MM_STR("aws:PrincipalTag/x"), small, 1}};
  mm_iam_request req = {0};
  req.principal.type = MM_IAM_PRINCIPAL_USER;
  req.principal.arn = MM_STR("arn:aws:iam::111122223333:user/alice");
  req.action = MM_STR("s3:GetObject");
  req.resource.arn = MM_STR("arn:aws:s3:::b/k");
  req.context = ctx;
  req.context_count = 2;
  const mm_iam_policy *ids[] = {a, d};
  mm_iam_policies pol = {0};
  pol.identity = (mm_iam_policy_list){ids, 2};
  mm_iam_result r;
  ASSERT_EQ(mm_iam_evaluate(&req, &pol, &r, NULL), MM_ELIMIT);
  ASSERT_EQ(r.decision, MM_IAM_IMPLICIT_DENY);
  ASSERT_EQ(r.status, MM_ELIMIT);
  mm_buf ex = MM_BUF_INIT; /* explaining gives the same answer */
  ASSERT_EQ(mm_iam_evaluate(&req, &pol, &r, &ex), MM_ELIMIT);
  ASSERT_EQ(r.decision, MM_IAM_IMPLICIT_DENY);
  mm_buf_free(&ex);
  ids[1] = a; /* without the failing statement the same request is allowed */
  ASSERT_EQ(mm_iam_evaluate(&req, &pol, &r, NULL), MM_OK);
  ASSERT_EQ(r.decision, MM_IAM_ALLOWED);
  mm_iam_policy_free(a);
  mm_iam_policy_free(d);
  mm_buf_free(&big);
}

TEST(query_errors_carry_paths) {
  static const struct {
    const char *json, *path;
  } rows[] = {
      {"{\"action\": \"s3:GetObject\", \"bogus\": 1}", "$.bogus"},
      {"{\"principal\": {\"type\": \"robot\"}, \"action\": \"s3:GetObject\"}", "$.principal.type"},
      {"{\"principal\": \"arn:aws:iam::1:user/a\"}", "$"},
      {"{\"action\": \"s3:GetObject\", \"context\": {\"k\": {\"x\": 1}}}", "$.context.k"},
      {"{\"action\": \"s3:GetObject\", \"policies\": {\"identity\": [{\"Statement\": "
       "{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}, {\"Statement\": "
       "{\"Effect\": \"Maybe\", \"Action\": \"*\", \"Resource\": \"*\"}}]}}",
       "$.policies.identity[1].Statement.Effect"},
      {"{\"action\": \"s3:GetObject\", \"policies\": {\"scp\": [[{\"Statement\": {\"Effect\": "
       "\"Allow\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\"}}]]}}",
       "$.policies.scp[0][0].Statement"},
      {"{\"action\": \"s3:GetObject\", \"policies\": {\"resource\": {\"Statement\": {\"Effect\": "
       "\"Allow\", \"Action\": \"*\"}}}}",
       "$.policies.resource.Statement"},
      {"{\"action\": \"s3:GetObject\", \"policies\": {\"nope\": []}}", "$.policies.nope"},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(rows); i++) {
    mm_error err;
    mm_json_doc *doc = mm_json_parse(rows[i].json, strlen(rows[i].json), NULL, &err);
    ASSERT_TRUE(doc != NULL);
    mm_iam_query *q = mm_iam_query_parse(mm_json_doc_root(doc), &err);
    mm_json_doc_free(doc);
    if (q) mm_iam_query_free(q);
    ASSERT_TRUE(q == NULL);
    ASSERT_EQ_STR(err.path, rows[i].path);
  }
}

int main(void) {
  RUN(grammar_errors_carry_paths);
  RUN(principal_errors_carry_paths);
  RUN(condition_errors_carry_paths);
  RUN(json_errors_keep_line_and_column);
  RUN(kind_rules);
  RUN(limits_are_enforced);
  RUN(decimals_compare_exactly);
  RUN(fault_injection_compile);
  RUN(fault_injection_query_and_evaluate);
  RUN(evaluation_without_explanation_does_not_allocate);
  RUN(evaluation_error_denies);
  RUN(query_errors_carry_paths);
  return mm_test_summary();
}
