/*
 * test_iam_validate.c - unit tests of the policy validator beyond the
 * data-driven cases: the check table, locations (path elements, line,
 * column, offset, substrings), the ValidatePolicyFinding JSON shape, the
 * SARIF 2.1.0 shape, suppression, hostile input (nesting, size, wildcards,
 * invalid UTF-8, every byte) and allocation failures.
 *
 * Shapes: "ValidatePolicyFinding", "Location", "PathElement", "Span",
 * "Position" (IAM Access Analyzer API reference) and SARIF 2.1.0 (OASIS).
 */
#include "mamori/iam.h"
#include "mamori/json.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static mm_iam_catalog *cat;

static mm_iam_validation *validate(const char *text, mm_iam_policy_type type) {
  mm_iam_validate_options opt = {type, NULL, 0};
  mm_error err;
  return mm_iam_validate(cat, text, strlen(text), &opt, &err);
}

static const mm_iam_finding *find(const mm_iam_validation *v, const char *code) {
  for (size_t i = 0; i < mm_iam_validation_count(v); i++)
    if (strcmp(mm_iam_validation_at(v, i)->code, code) == 0) return mm_iam_validation_at(v, i);
  return NULL;
}

TEST(check_table_is_consistent) {
  size_t n = 0;
  const mm_iam_check *c = mm_iam_validate_checks(&n);
  ASSERT_TRUE(n >= 100);
  for (size_t i = 0; i < n; i++) {
    ASSERT_TRUE(strstr(c[i].link, "access-analyzer-reference-policy-checks.html#") != NULL);
    ASSERT_TRUE(mm_iam_validate_check_find(c[i].code) == &c[i]);
    for (size_t j = 0; j < i; j++) ASSERT_TRUE(strcmp(c[i].code, c[j].code) != 0);
  }
  ASSERT_TRUE(mm_iam_validate_check_find("NO_SUCH_CODE") == NULL);
}

TEST(policy_type_names) {
  mm_iam_policy_type t;
  ASSERT_TRUE(mm_iam_policy_type_parse(MM_STR("SERVICE_CONTROL_POLICY"), &t));
  ASSERT_EQ(t, MM_IAM_POLICY_SCP);
  ASSERT_TRUE(mm_iam_policy_type_parse(MM_STR("rcp"), &t));
  ASSERT_EQ(t, MM_IAM_POLICY_RCP);
  ASSERT_FALSE(mm_iam_policy_type_parse(MM_STR("trust"), &t));
  ASSERT_EQ_STR(mm_iam_policy_type_name(MM_IAM_POLICY_RESOURCE), "RESOURCE_POLICY");
  ASSERT_EQ_STR(mm_iam_finding_type_name(MM_IAM_FINDING_SECURITY_WARNING), "SECURITY_WARNING");
}

static const char clean[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
    "\"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\"}]}";

TEST(clean_policy_has_no_finding) {
  mm_iam_validation *v = validate(clean, MM_IAM_POLICY_IDENTITY);
  ASSERT_TRUE(v != NULL);
  ASSERT_EQ(mm_iam_validation_count(v), 0);
  ASSERT_FALSE(mm_iam_validation_blocking(v));
  mm_iam_validation_free(v);
}

TEST(location_of_an_action) {
  const char *text =
      "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": "
      "\"Allow\",\n    \"Action\": [\"s3:GetObject\", \"s3:Nope\"],\n    "
      "\"Resource\": \"*\"\n  }]\n}";
  mm_iam_validation *v = validate(text, MM_IAM_POLICY_IDENTITY);
  const mm_iam_finding *f = find(v, "INVALID_ACTION");
  ASSERT_TRUE(f != NULL);
  ASSERT_EQ(f->type, MM_IAM_FINDING_ERROR);
  ASSERT_EQ(f->n_locations, 1);
  const mm_iam_location *l = &f->locations[0];
  ASSERT_EQ(l->n_path, 4);
  ASSERT_EQ(l->path[0].kind, MM_IAM_PATH_VALUE);
  ASSERT_EQ_MEM(l->path[0].text.ptr, l->path[0].text.len, "Statement");
  ASSERT_EQ(l->path[1].kind, MM_IAM_PATH_INDEX);
  ASSERT_EQ(l->path[1].index, 0);
  ASSERT_EQ(l->path[3].index, 1);
  ASSERT_EQ(l->start.line, 5);
  ASSERT_EQ(l->start.column, 31);
  ASSERT_EQ(l->end.column, 40);
  ASSERT_EQ_MEM(text + l->start.offset, l->end.offset - l->start.offset, "\"s3:Nope\"");
  mm_buf p = MM_BUF_INIT;
  ASSERT_EQ(mm_iam_location_path_text(l, &p), MM_OK);
  ASSERT_EQ_STR(p.ptr, "Statement[0].Action[1]");
  mm_buf_free(&p);
  mm_iam_validation_free(v);
}

TEST(key_location_and_columns_count_code_points) {
  /* "é" is two bytes, one column. */
  const char *text =
      "{\"Version\":\"2012-10-17\",\"Id\":\"é\",\"Statement\":{\"Effect\":\"Allow\","
      "\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
      "{\"aws:Nope\":\"x\"}}}}";
  mm_iam_validation *v = validate(text, MM_IAM_POLICY_IDENTITY);
  const mm_iam_finding *f = find(v, "INVALID_GLOBAL_CONDITION_KEY");
  ASSERT_TRUE(f != NULL);
  const mm_iam_location *l = &f->locations[0];
  ASSERT_EQ(l->path[l->n_path - 1].kind, MM_IAM_PATH_KEY);
  ASSERT_EQ_MEM(text + l->start.offset, l->end.offset - l->start.offset, "\"aws:Nope\"");
  ASSERT_EQ(l->start.column + 1, l->start.offset); /* one two-byte character before it */
  mm_iam_validation_free(v);
}

TEST(variable_location_is_a_substring) {
  const char *text =
      "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
      "\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${ }/x\"}}";
  mm_iam_validation *v = validate(text, MM_IAM_POLICY_IDENTITY);
  const mm_iam_finding *f = find(v, "EMPTY_VARIABLE");
  ASSERT_TRUE(f != NULL);
  const mm_iam_location *l = &f->locations[0];
  ASSERT_EQ(l->path[l->n_path - 1].kind, MM_IAM_PATH_SUBSTRING);
  ASSERT_EQ(l->path[l->n_path - 1].start, 15);
  ASSERT_EQ(l->path[l->n_path - 1].length, 4);
  ASSERT_EQ_MEM(text + l->start.offset, l->end.offset - l->start.offset, "${ }");
  mm_iam_validation_free(v);
}

TEST(json_shape_is_access_analyzers) {
  mm_iam_validation *v = validate(
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Nope\", "
      "\"Resource\": \"*\"}}",
      MM_IAM_POLICY_IDENTITY);
  const mm_iam_finding *f = find(v, "INVALID_ACTION");
  ASSERT_TRUE(f != NULL);
  mm_buf out = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &out, 0);
  ASSERT_EQ(mm_iam_finding_write_json(f, &w), MM_OK);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  mm_json_doc *doc = mm_json_parse(out.ptr, out.len, NULL, NULL);
  const mm_json_value *r = mm_json_doc_root(doc);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "findingType")), "ERROR");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "issueCode")), "INVALID_ACTION");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "findingDetails")),
                "The action s3:Nope does not exist.");
  ASSERT_TRUE(strstr(mm_json_str(mm_json_get(r, "learnMoreLink")), "error-invalid-action") != NULL);
  const mm_json_value *loc = mm_json_at(mm_json_get(r, "locations"), 0);
  const mm_json_value *path = mm_json_get(loc, "path");
  ASSERT_EQ(mm_json_len(path), 2);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_at(path, 0), "value")), "Statement");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_at(path, 1), "value")), "Action");
  const mm_json_value *start = mm_json_get(mm_json_get(loc, "span"), "start");
  int64_t line = 0, col = 0, off = 0;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(start, "line"), &line), MM_OK);
  ASSERT_EQ(mm_json_get_int64(mm_json_get(start, "column"), &col), MM_OK);
  ASSERT_EQ(mm_json_get_int64(mm_json_get(start, "offset"), &off), MM_OK);
  ASSERT_EQ(line, 1);
  ASSERT_EQ(col, 44);
  ASSERT_EQ(off, 44);
  mm_json_doc_free(doc);
  mm_buf_free(&out);
  mm_iam_validation_free(v);
}

TEST(sarif_shape) {
  mm_iam_validation *v[2] = {validate("{\"Statement\": []}", MM_IAM_POLICY_IDENTITY),
                             validate(clean, MM_IAM_POLICY_IDENTITY)};
  const char *files[2] = {"a.json", "b.json"};
  mm_buf out = MM_BUF_INIT;
  ASSERT_EQ(mm_iam_validation_sarif((const mm_iam_validation *const *)v, files, 2, 0, &out), MM_OK);
  mm_json_doc *doc = mm_json_parse(out.ptr, out.len, NULL, NULL);
  const mm_json_value *r = mm_json_doc_root(doc);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "version")), "2.1.0");
  ASSERT_EQ(mm_json_len(mm_json_get(r, "runs")), 1);
  const mm_json_value *run = mm_json_at(mm_json_get(r, "runs"), 0);
  const mm_json_value *driver = mm_json_get(mm_json_get(run, "tool"), "driver");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(driver, "name")), "mamori");
  size_t n_checks = 0;
  mm_iam_validate_checks(&n_checks);
  ASSERT_EQ(mm_json_len(mm_json_get(driver, "rules")), n_checks);
  const mm_json_value *results = mm_json_get(run, "results");
  ASSERT_EQ(mm_json_len(results), 2); /* MISSING_VERSION and MISSING_STATEMENT in a.json */
  const mm_json_value *res = mm_json_at(results, 1);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(res, "ruleId")), "MISSING_STATEMENT");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(res, "level")), "error");
  int64_t idx = -1;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(res, "ruleIndex"), &idx), MM_OK);
  const mm_json_value *rule = mm_json_at(mm_json_get(driver, "rules"), (size_t)idx);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(rule, "id")), "MISSING_STATEMENT");
  const mm_json_value *phys =
      mm_json_get(mm_json_at(mm_json_get(res, "locations"), 0), "physicalLocation");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_get(phys, "artifactLocation"), "uri")), "a.json");
  int64_t line = 0, col = 0;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(mm_json_get(phys, "region"), "startLine"), &line), MM_OK);
  ASSERT_EQ(mm_json_get_int64(mm_json_get(mm_json_get(phys, "region"), "startColumn"), &col),
            MM_OK);
  ASSERT_EQ(line, 1);
  ASSERT_EQ(col, 15); /* 1-based: the '[' at byte 14 */
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_at(results, 0), "level")), "warning");
  mm_json_doc_free(doc);
  mm_buf_free(&out);
  mm_iam_validation_free(v[0]);
  mm_iam_validation_free(v[1]);
}

TEST(suppression) {
  const char *codes[] = {"MISSING_VERSION"};
  mm_iam_validate_options opt = {MM_IAM_POLICY_IDENTITY, codes, 1};
  const char *text =
      "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}";
  mm_iam_validation *v = mm_iam_validate(cat, text, strlen(text), &opt, NULL);
  ASSERT_TRUE(find(v, "MISSING_VERSION") == NULL);
  ASSERT_TRUE(find(v, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE") != NULL);
  ASSERT_TRUE(mm_iam_validation_blocking(v));
  mm_iam_validation_free(v);
}

TEST(without_catalog) {
  mm_iam_validate_options opt = {MM_IAM_POLICY_IDENTITY, NULL, 0};
  const char *text =
      "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
      "\"s3:Nope\",\"Resource\":\"*\"}}";
  mm_iam_validation *v = mm_iam_validate(NULL, text, strlen(text), &opt, NULL);
  ASSERT_EQ(mm_iam_validation_count(v), 0);
  mm_iam_validation_free(v);
}

TEST(deep_nesting_is_a_finding) {
  char text[4096];
  size_t n = 0;
  n += (size_t)snprintf(text, sizeof(text), "{\"Statement\":");
  for (int i = 0; i < 1000; i++) text[n++] = '[';
  text[n] = '\0';
  mm_iam_validation *v = validate(text, MM_IAM_POLICY_IDENTITY);
  const mm_iam_finding *f = find(v, "JSON_SYNTAX_ERROR");
  ASSERT_TRUE(f != NULL);
  ASSERT_EQ(f->locations[0].start.line, 1);
  mm_iam_validation_free(v);
}

TEST(huge_policy_is_bounded) {
  size_t cap = 2u << 20, n = 0;
  char *text = mm_malloc(cap + 64);
  ASSERT_TRUE(text != NULL);
  n += (size_t)snprintf(text, 64, "{\"Statement\":[");
  while (n + 80 < cap)
    n += (size_t)snprintf(text + n, 80,
                          "{\"Effect\":\"Allow\",\"Action\":\"s3:Nope\",\"Resource\":\"*\"},");
  text[n - 1] = ']';
  text[n++] = '}';
  mm_iam_validation *v = mm_iam_validate(cat, text, n, NULL, NULL);
  ASSERT_TRUE(find(v, "JSON_SYNTAX_ERROR") != NULL); /* beyond MM_IAM_VALIDATE_MAX_SIZE */
  mm_iam_validation_free(v);
  n = (size_t)snprintf(text, 64, "{\"Statement\":[");
  while (n + 80 < (900u << 10))
    n += (size_t)snprintf(text + n, 80,
                          "{\"Effect\":\"Allow\",\"Action\":\"s3:Nope\",\"Resource\":\"*\"},");
  text[n - 1] = ']';
  text[n++] = '}';
  v = mm_iam_validate(cat, text, n, NULL, NULL);
  ASSERT_EQ(mm_iam_validation_count(v), 1000); /* MM_IAM_VALIDATE_MAX_FINDINGS */
  ASSERT_TRUE(mm_iam_validation_dropped(v) > 10000);
  ASSERT_TRUE(find(v, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA") != NULL ||
              mm_iam_validation_dropped(v) > 0);
  mm_iam_validation_free(v);
  mm_free(text);
}

TEST(hostile_wildcards_and_bytes) {
  static const char *const inputs[] = {
      "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*:*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?\","
      "\"Resource\":\"arn:*:*:*:*:*********************************************************\"}}",
      "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"*\",\"*\",\"*\"],\"Resource\":"
      "\"arn:aws:s3:::${${${${${\",\"Condition\":{\"StringLike\":{\"aws:ResourceTag/\":\"${\"}}}}",
      "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\","
      "\"Resource\":"
      "\"*\",\"Condition\":{\"ForAnyValue:StringEquals\":{\"aws:ResourceTag/a\":[]}}}}",
      "\"just a string\"",
      "[]",
      "",
      "{\"Statement\":\"\xff\xfe\"}",
      "{\"Statement\":{\"Principal\":{\"AWS\":[1,{},null]},\"Condition\":{\"IpAddress\":"
      "{\"aws:SourceIp\":[\"::1/200\",\"1.2.3.4/33\",\"\"]}}}}",
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(inputs); i++)
    for (int t = 0; t < 4; t++) {
      mm_iam_validation *v = validate(inputs[i], (mm_iam_policy_type)t);
      ASSERT_TRUE(v != NULL);
      mm_buf out = MM_BUF_INIT;
      ASSERT_EQ(mm_iam_validation_sarif((const mm_iam_validation *const *)&v, NULL, 1, 0, &out),
                MM_OK);
      mm_buf_free(&out);
      mm_iam_validation_free(v);
    }
}

/* Documents built to make pairwise checks quadratic: thousands of equal
 * Sids, of condition keys differing in case, of "*" actions with a tag key.
 * They must finish (maps, the pairwise limit and the work budget). */
static char *repeat(const char *head, const char *unit, const char *tail, size_t bytes,
                    size_t *len) {
  size_t n = 0, ul = strlen(unit);
  char *t = mm_malloc(bytes + 256);
  if (!t) return NULL;
  n += (size_t)snprintf(t, 128, "%s", head);
  while (n + ul + 64 < bytes) memcpy(t + n, unit, ul), n += ul;
  if (t[n - 1] == ',') n--;
  n += (size_t)snprintf(t + n, 128, "%s", tail);
  *len = n;
  return t;
}

TEST(hostile_quadratic_inputs_finish) {
  static const char *const units[][3] = {
      {"{\"Statement\":[",
       "{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},", "]}"},
      {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
       "\"StringEquals\":{",
       "\"aws:SourceVpc\":\"x\",\"AWS:SOURCEVPC\":\"y\",", "}}}}"},
      {"{\"Statement\":[",
       "{\"Effect\":\"Deny\",\"Action\":[\"*\",\"s3:*\"],\"Resource\":\"*\",\"Condition\":{"
       "\"StringEquals\":{\"aws:ResourceTag/a\":\"b\",\"s3:prefix\":\"c\"}}},",
       "]}"},
      {"{\"Statement\":{\"Effect\":\"Allow\",\"Resource\":\"*\",\"Action\":[", "\"s3:GetObject\",",
       "]}}"},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(units); i++) {
    size_t len = 0;
    char *text = repeat(units[i][0], units[i][1], units[i][2], 900u << 10, &len);
    ASSERT_TRUE(text != NULL);
    mm_iam_validation *v = mm_iam_validate(cat, text, len, NULL, NULL);
    ASSERT_TRUE(v != NULL);
    ASSERT_TRUE(find(v, "JSON_SYNTAX_ERROR") == NULL);
    ASSERT_TRUE(mm_iam_validation_count(v) > 0);
    mm_iam_validation_free(v);
    mm_free(text);
  }
}

TEST(allocation_failures_are_reported) {
  const char *text =
      "{\"Statement\":[{\"Sid\":\"a b\",\"Effect\":\"Allow\",\"Action\":[\"s3:Nope\","
      "\"iam:PassRole\"],\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
      "{\"aws:Nope\":\"${x\"}}}]}";
  FAULT_LOOP({
    mm_error err;
    mm_iam_validation *v = mm_iam_validate(cat, text, strlen(text), NULL, &err);
    if (v) ASSERT_TRUE(mm_iam_validation_count(v) >= 4);
    if (!v) ASSERT_EQ(err.code, MM_ENOMEM);
    mm_iam_validation_free(v);
  });
}

int main(void) {
  mm_error err;
  cat = mm_iam_catalog_load(MM_IAM_CATALOG_PATH, &err);
  if (!cat) return fprintf(stderr, "catalog: %s\n", err.msg), 1;
  RUN(check_table_is_consistent);
  RUN(policy_type_names);
  RUN(clean_policy_has_no_finding);
  RUN(location_of_an_action);
  RUN(key_location_and_columns_count_code_points);
  RUN(variable_location_is_a_substring);
  RUN(json_shape_is_access_analyzers);
  RUN(sarif_shape);
  RUN(suppression);
  RUN(without_catalog);
  RUN(deep_nesting_is_a_finding);
  RUN(huge_policy_is_bounded);
  RUN(hostile_wildcards_and_bytes);
  RUN(hostile_quadratic_inputs_finish);
  RUN(allocation_failures_are_reported);
  mm_iam_catalog_free(cat);
  return mm_test_summary();
}
