/*
 * test_detect_engine.c - the rule loader's errors (each with its file and
 * JSON path), condition trees, thresholds, aggregation of repeats into one
 * finding, the GuardDuty, ASFF and EventBridge shapes (every required ASFF
 * attribute), and fault injection over loading and running.
 */
#include "test.h"

#include "mamori/detect.h"
#include "mamori/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------------- */

static int load(const char *json, mm_error *err, mm_detect_rules **out) {
  mm_detect_rules *rs = mm_detect_rules_new();
  if (!rs) return MM_ENOMEM;
  int rc = mm_detect_rules_add_json(rs, json, strlen(json), "t.json", err);
  if (out && rc == MM_OK)
    *out = rs;
  else
    mm_detect_rules_free(rs);
  return rc;
}

/* The error of loading json: its code, path and message checked. */
static void expect_error(const char *json, int code, const char *path, const char *msg_part) {
  mm_error err;
  mm_error_clear(&err);
  int rc = load(json, &err, NULL);
  if (rc != code) MM_TEST_FAIL("%s: want %d, got %d (%s)", json, code, rc, err.msg);
  ASSERT_EQ_STR(err.path, path);
  if (!strstr(err.msg, msg_part)) MM_TEST_FAIL("message '%s' lacks '%s'", err.msg, msg_part);
  ASSERT_TRUE(strncmp(err.msg, "t.json: ", 8) == 0);
}

#define BASE "\"id\":\"r\",\"type\":\"T:IAMUser/X\",\"severity\":5"

static mm_detect_engine *engine(const char *rules) {
  mm_detect_rules *rs = NULL;
  mm_error err;
  if (load(rules, &err, &rs) != MM_OK) MM_TEST_FAIL("rules: %s", err.msg);
  mm_detect_engine *e = mm_detect_engine_new(rs, NULL, &err);
  if (!e) MM_TEST_FAIL("engine: %s", err.msg);
  return e;
}

/* Feed one CloudTrail event (JSON text). */
static size_t feed(mm_detect_engine *e, const char *json) {
  mm_error err;
  mm_json_doc *doc = mm_json_parse(json, strlen(json), NULL, &err);
  if (!doc) MM_TEST_FAIL("event: %s", err.msg);
  mm_detect_record rec;
  memset(&rec, 0, sizeof(rec));
  if (mm_detect_json_record(mm_json_doc_root(doc), MM_DETECT_CLOUDTRAIL, &rec, &err) != MM_OK)
    MM_TEST_FAIL("record: %s", err.msg);
  size_t n = mm_detect_engine_feed(e, &rec);
  mm_json_doc_free(doc);
  return n;
}

static char event_buf[1024];
static const char *event(const char *name, const char *time, const char *extra) {
  snprintf(event_buf, sizeof(event_buf),
           "{\"eventVersion\":\"1.09\",\"eventTime\":\"%s\",\"eventSource\":\"iam.amazonaws.com\","
           "\"eventName\":\"%s\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"198.51.100.7\","
           "\"recipientAccountId\":\"111122223333\",\"userIdentity\":{\"type\":\"IAMUser\","
           "\"arn\":\"arn:aws:iam::111122223333:user/alice\",\"accessKeyId\":\"AKIAEXAMPLE\","
           "\"principalId\":\"AIDAEXAMPLE\",\"userName\":\"alice\"}%s}",
           time, name, extra);
  return event_buf;
}

/* ---- loading errors ---------------------------------------------------------------- */

TEST(rule_errors_name_their_path) {
  expect_error("[{" BASE ",\"pattern\":{\"a\":[1]}}, {\"id\":\"s\"}]", MM_EINVAL, "$[1]",
               "missing member 'type'");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"threshold\":{\"count\":0}}", MM_EINVAL,
               "$.threshold.count", "integer from 1");
  expect_error("{" BASE ",\"pattern\":{\"a\":[{\"numeric\":[\"<\"]}]}}", MM_EINVAL,
               "$.pattern.a[0].numeric", "");
  expect_error("{" BASE ",\"condition\":{\"allOf\":[{\"pattern\":{\"a\":[1]}},{\"nope\":1}]}}",
               MM_EINVAL, "$.condition.allOf[1].nope", "unknown condition");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"severity\":11}", MM_EINVAL, "$.severity",
               "0.1 to 10");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"source\":\"waf\"}", MM_EINVAL, "$.source",
               "cloudtrail");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"condition\":{\"pattern\":{\"a\":[1]}}}",
               MM_EINVAL, "$", "exactly one");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"colour\":1}", MM_EINVAL, "$.colour",
               "unknown member");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"intel\":{\"field\":\"x\",\"kind\":\"bad\"}}",
               MM_EINVAL, "$.intel.kind", "unknown list kind");
  expect_error("{" BASE ",\"pattern\":{\"a\":[1]},\"check\":\"bad\"}", MM_EINVAL, "$.check",
               "unknown check");
  expect_error("{" BASE
               ",\"pattern\":{\"a\":[1]},\"threshold\":{\"count\":2,\"group_by\":\"a..b\"}}",
               MM_EINVAL, "$.threshold.group_by", "empty segment");
  expect_error("[{" BASE ",\"pattern\":{\"a\":[1]}},{" BASE ",\"pattern\":{\"a\":[2]}}]", MM_EINVAL,
               "$[1].id", "duplicate rule id");
}

TEST(rule_json_errors_have_line_and_column) {
  mm_error err;
  ASSERT_EQ(load("[{\n  \"id\": }", &err, NULL), MM_ESYNTAX);
  ASSERT_EQ(err.line, 2);
  ASSERT_TRUE(strncmp(err.msg, "t.json: ", 8) == 0);
}

TEST(deep_conditions_are_refused) {
  char buf[4096];
  size_t n = (size_t)snprintf(buf, sizeof(buf), "{" BASE ",\"condition\":");
  for (int i = 0; i < 12; i++) n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"not\":");
  n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"pattern\":{\"a\":[1]}}");
  for (int i = 0; i < 12; i++) buf[n++] = '}';
  buf[n++] = '}';
  buf[n] = '\0';
  mm_error err;
  ASSERT_EQ(load(buf, &err, NULL), MM_ELIMIT);
}

TEST(a_failed_text_adds_nothing) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  const char *good = "{" BASE ",\"pattern\":{\"a\":[1]}}";
  ASSERT_EQ(mm_detect_rules_add_json(rs, good, strlen(good), NULL, &err), MM_OK);
  const char *bad = "[{\"id\":\"r2\",\"type\":\"x\",\"severity\":2,\"pattern\":{\"a\":[1]}},{}]";
  ASSERT_EQ(mm_detect_rules_add_json(rs, bad, strlen(bad), NULL, &err), MM_EINVAL);
  ASSERT_EQ(mm_detect_rules_count(rs), 1);
  /* r2 was rolled back: it may be added now. */
  const char *r2 = "{\"id\":\"r2\",\"type\":\"x\",\"severity\":2,\"pattern\":{\"a\":[1]}}";
  ASSERT_EQ(mm_detect_rules_add_json(rs, r2, strlen(r2), NULL, &err), MM_OK);
  ASSERT_EQ(mm_detect_rules_count(rs), 2);
  mm_detect_rules_free(rs);
}

TEST(load_missing_path_is_eio) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  ASSERT_EQ(mm_detect_rules_load(rs, "/nonexistent/rules.json", &err), MM_EIO);
  mm_detect_rules_free(rs);
}

TEST(shipped_rules_load) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  int rc = mm_detect_rules_load(rs, MM_DETECT_DATA_DIR "/rules", &err);
  if (rc != MM_OK) MM_TEST_FAIL("%s", err.msg);
  ASSERT_TRUE(mm_detect_rules_count(rs) >= 60);
  mm_detect_rules_free(rs);
}

/* ---- evaluation ---------------------------------------------------------------------- */

TEST(condition_trees) {
  mm_detect_engine *e = engine(
      "[{\"id\":\"a\",\"type\":\"T:IAMUser/A\",\"severity\":2,\"condition\":{\"allOf\":["
      "{\"pattern\":{\"eventName\":[{\"prefix\":\"Create\"}]}},"
      "{\"not\":{\"pattern\":{\"eventName\":[\"CreateTag\"]}}}]}},"
      "{\"id\":\"n\",\"type\":\"T:IAMUser/N\",\"severity\":2,"
      "\"condition\":{\"not\":{\"pattern\":{\"eventName\":[{\"prefix\":\"Get\"}]}}}}]");
  ASSERT_EQ(feed(e, event("CreateUser", "2024-07-31T13:00:00Z", "")), 2);
  ASSERT_EQ(feed(e, event("CreateTag", "2024-07-31T13:00:00Z", "")), 1); /* only the not-rule */
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:00Z", "")), 0);
  mm_detect_engine_free(e);
}

TEST(threshold_counts_within_the_window) {
  mm_detect_engine *e = engine(
      "{\"id\":\"t\",\"type\":\"T:IAMUser/T\",\"severity\":2,\"pattern\":{\"eventName\":"
      "[\"GetUser\"]},\"threshold\":{\"count\":3,\"window_sec\":60,\"group_by\":"
      "[\"userIdentity.arn\"]}}");
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:00Z", "")), 0);
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:30Z", "")), 0);
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:05:00Z", "")), 0); /* the first two expired */
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:05:10Z", "")), 0);
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:05:20Z", "")), 1);
  const mm_detect_finding *f = mm_detect_engine_finding(e, 0);
  ASSERT_EQ(mm_detect_finding_count(f), 3);
  ASSERT_EQ(mm_detect_finding_last_seen(f) - mm_detect_finding_first_seen(f),
            20 * MM_TIME_US_PER_SEC);
  mm_detect_engine_free(e);
}

TEST(threshold_distinct_values) {
  mm_detect_engine *e = engine(
      "{\"id\":\"t\",\"type\":\"T:IAMUser/T\",\"severity\":2,\"pattern\":{\"eventName\":"
      "[\"GetUser\"]},\"threshold\":{\"count\":2,\"window_sec\":600,\"distinct\":"
      "\"requestParameters.userName\"}}");
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:00Z",
                          ",\"requestParameters\":{\"userName\":\"a\"}")),
            0);
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:01Z",
                          ",\"requestParameters\":{\"userName\":\"a\"}")),
            0);
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:02Z", "")), 0); /* no value: not counted */
  ASSERT_EQ(feed(e, event("GetUser", "2024-07-31T13:00:03Z",
                          ",\"requestParameters\":{\"userName\":\"b\"}")),
            1);
  mm_detect_engine_free(e);
}

/* "search" and "fieldref" leaves (sigma.h) are evaluated on the record. */
TEST(search_and_fieldref_leaves) {
  mm_detect_engine *e = engine(
      "[{\"id\":\"f\",\"type\":\"T:IAMUser/F\",\"severity\":2,\"condition\":{\"allOf\":["
      "{\"pattern\":{\"eventName\":[\"CreateAccessKey\"]}},"
      "{\"not\":{\"fieldref\":{\"field\":\"userIdentity.userName\","
      "\"ref\":\"requestParameters.userName\",\"op\":\"equals\"}}}]}},"
      "{\"id\":\"s\",\"type\":\"T:IAMUser/S\",\"severity\":2,\"condition\":"
      "{\"search\":{\"field\":\"requestParameters\",\"match\":[{\"wildcard\":\"*evil*\"}]}}}]");
  ASSERT_EQ(feed(e, event("CreateAccessKey", "2024-07-31T13:00:00Z",
                          ",\"requestParameters\":{\"userName\":\"alice\"}")),
            0);
  ASSERT_EQ(feed(e, event("CreateAccessKey", "2024-07-31T13:00:00Z",
                          ",\"requestParameters\":{\"userName\":\"bob\"}")),
            1);
  ASSERT_EQ(feed(e, event("PutObject", "2024-07-31T13:00:00Z",
                          ",\"requestParameters\":{\"a\":[{\"b\":\"an evil key\"}]}")),
            1);
  mm_detect_engine_free(e);
  expect_error("{" BASE ",\"condition\":{\"search\":{\"field\":1}}}", MM_EINVAL,
               "$.condition.search", "");
}

/* ---- findings ------------------------------------------------------------------------- */

static mm_detect_engine *stop_logging_engine(void) {
  return engine(
      "{\"id\":\"ct\",\"type\":\"Stealth:IAMUser/CloudTrailLoggingDisabled\","
      "\"severity\":2,\"title\":\"Trail stopped\",\"pattern\":{\"eventName\":[\"StopLogging\"]}}");
}

TEST(repeats_aggregate_into_one_finding) {
  mm_detect_engine *e = stop_logging_engine();
  ASSERT_EQ(feed(e, event("StopLogging", "2024-07-31T13:00:00Z", "")), 1);
  ASSERT_EQ(feed(e, event("StopLogging", "2024-07-31T12:00:00Z", "")), 1);
  ASSERT_EQ(feed(e, event("StopLogging", "2024-07-31T14:00:00Z", "")), 1);
  ASSERT_EQ(mm_detect_engine_finding_count(e), 1);
  const mm_detect_finding *f = mm_detect_engine_finding(e, 0);
  ASSERT_EQ(mm_detect_finding_count(f), 3);
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_detect_finding_write(f, MM_DETECT_OUT_GUARDDUTY, &b), MM_OK);
  mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *g = mm_json_doc_root(doc), *svc = mm_json_get(g, "service");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(g, "schemaVersion")), "2.0");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(g, "accountId")), "111122223333");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(g, "region")), "eu-west-1");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(g, "partition")), "aws");
  ASSERT_EQ(mm_json_len(mm_json_get(g, "id")), 32);
  ASSERT_TRUE(strstr(mm_json_str(mm_json_get(g, "arn")),
                     "arn:aws:guardduty:eu-west-1:111122223333:detector/") != NULL);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_get(g, "resource"), "resourceType")), "AccessKey");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_get(mm_json_get(g, "resource"), "accessKeyDetails"),
                                        "accessKeyId")),
                "AKIAEXAMPLE");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(svc, "serviceName")), "guardduty");
  int64_t count;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(svc, "count"), &count), MM_OK);
  ASSERT_EQ(count, 3);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(svc, "eventFirstSeen")), "2024-07-31T12:00:00Z");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(svc, "eventLastSeen")), "2024-07-31T14:00:00Z");
  const mm_json_value *act = mm_json_get(mm_json_get(svc, "action"), "awsApiCallAction");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(act, "api")), "StopLogging");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_get(act, "remoteIpDetails"), "ipAddressV4")),
                "198.51.100.7");
  mm_json_doc_free(doc);
  mm_buf_free(&b);
  mm_detect_engine_free(e);
}

TEST(different_resources_are_different_findings) {
  mm_detect_engine *e = stop_logging_engine();
  feed(e, event("StopLogging", "2024-07-31T13:00:00Z", ""));
  feed(e, event("StopLogging", "2024-07-31T13:00:00Z", ",\"sourceIPAddress\":\"203.0.113.1\""));
  ASSERT_EQ(mm_detect_engine_finding_count(e), 2);
  ASSERT_TRUE(strcmp(mm_detect_finding_id(mm_detect_engine_finding(e, 0)),
                     mm_detect_finding_id(mm_detect_engine_finding(e, 1))) != 0);
  mm_detect_engine_free(e);
}

/* Every attribute ASFF requires ("Required attributes", AWS Security
 * Finding Format, Security Hub User Guide). */
TEST(asff_has_every_required_attribute) {
  mm_detect_engine *e = stop_logging_engine();
  feed(e, event("StopLogging", "2024-07-31T13:00:00Z", ""));
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_detect_finding_write(mm_detect_engine_finding(e, 0), MM_DETECT_OUT_ASFF, &b), MM_OK);
  mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *a = mm_json_doc_root(doc);
  static const char *const required[] = {
      "AwsAccountId", "CreatedAt",     "Description", "GeneratorId", "Id",    "ProductArn",
      "Resources",    "SchemaVersion", "Severity",    "Title",       "Types", "UpdatedAt"};
  for (size_t i = 0; i < MM_ARRAY_LEN(required); i++)
    if (!mm_json_get(a, required[i])) MM_TEST_FAIL("ASFF lacks %s", required[i]);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(a, "SchemaVersion")), "2018-10-08");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(a, "ProductArn")),
                "arn:aws:securityhub:eu-west-1::product/aws/guardduty");
  ASSERT_EQ_STR(mm_json_str(mm_json_at(mm_json_get(a, "Types"), 0)),
                "TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled");
  const mm_json_value *sev = mm_json_get(a, "Severity");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(sev, "Label")), "LOW");
  int64_t norm;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(sev, "Normalized"), &norm), MM_OK);
  ASSERT_EQ(norm, 20);
  const mm_json_value *res = mm_json_at(mm_json_get(a, "Resources"), 0);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(res, "Type")), "AwsIamAccessKey");
  ASSERT_TRUE(mm_json_get(res, "Id") != NULL);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(a, "CreatedAt")), "2024-07-31T13:00:00.000Z");
  mm_json_doc_free(doc);
  mm_buf_free(&b);
  mm_detect_engine_free(e);
}

TEST(asff_types_and_labels) {
  mm_buf b = MM_BUF_INIT;
  mm_detect_asff_type("Policy:IAMUser/RootCredentialUsage", &b);
  ASSERT_EQ_STR(b.ptr,
                "Software and Configuration Checks/AWS Security Best Practices/"
                "Policy:IAMUser-RootCredentialUsage");
  mm_buf_clear(&b);
  mm_detect_asff_type("mamori:Persistence:IAMUser/LoginProfileCreated", &b);
  ASSERT_EQ_STR(b.ptr, "TTPs/Persistence/mamori:Persistence:IAMUser-LoginProfileCreated");
  mm_buf_free(&b);
  ASSERT_EQ_STR(mm_detect_severity_label(3.9), "LOW");
  ASSERT_EQ_STR(mm_detect_severity_label(4.0), "MEDIUM");
  ASSERT_EQ_STR(mm_detect_severity_label(8.0), "HIGH");
  ASSERT_EQ_STR(mm_detect_severity_label(9.5), "CRITICAL");
}

TEST(eventbridge_envelope) {
  mm_detect_engine *e = stop_logging_engine();
  feed(e, event("StopLogging", "2024-07-31T13:00:00Z", ""));
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_detect_finding_write(mm_detect_engine_finding(e, 0), MM_DETECT_OUT_EVENTBRIDGE, &b),
            MM_OK);
  mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
  const mm_json_value *v = mm_json_doc_root(doc);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "version")), "0");
  ASSERT_EQ(mm_json_len(mm_json_get(v, "id")), 36);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "detail-type")), "GuardDuty Finding");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "source")), "aws.guardduty");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "account")), "111122223333");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "region")), "eu-west-1");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(v, "time")), "2024-07-31T13:00:00Z");
  ASSERT_TRUE(mm_json_is_array(mm_json_get(v, "resources")));
  ASSERT_EQ_STR(mm_json_str(mm_json_get(mm_json_get(v, "detail"), "type")),
                "Stealth:IAMUser/CloudTrailLoggingDisabled");
  /* An EventBridge rule for GuardDuty findings matches it. */
  const char *pat =
      "{\"source\":[\"aws.guardduty\"],\"detail\":{\"severity\":[{\"numeric\":[\"<\",4]}]}}";
  ASSERT_EQ(mm_events_test_pattern(pat, strlen(pat), b.ptr, b.len, NULL), 1);
  mm_json_doc_free(doc);
  mm_buf_free(&b);
  mm_detect_engine_free(e);
}

/* ---- fault injection ------------------------------------------------------------------- */

static void load_and_run(void) {
  mm_detect_rules *rs = mm_detect_rules_new();
  if (!rs) return;
  mm_error err;
  const char *r =
      "[{\"id\":\"a\",\"type\":\"T:IAMUser/"
      "A\",\"severity\":2,\"pattern\":{\"eventName\":[\"GetUser\"]},"
      "\"threshold\":{\"count\":2,\"window_sec\":60,\"group_by\":\"userIdentity.arn\"}},"
      "{\"id\":\"b\",\"type\":\"T:IAMUser/B\",\"severity\":2,\"condition\":{\"anyOf\":["
      "{\"pattern\":{\"eventName\":[\"GetUser\"]}},{\"not\":{\"pattern\":{\"x\":[1]}}}]}}]";
  if (mm_detect_rules_add_json(rs, r, strlen(r), "f.json", &err) != MM_OK) {
    mm_detect_rules_free(rs);
    return;
  }
  mm_detect_engine *e = mm_detect_engine_new(rs, NULL, &err);
  if (!e) return;
  const char *ev = event("GetUser", "2024-07-31T13:00:00Z", "");
  mm_json_doc *doc = mm_json_parse(ev, strlen(ev), NULL, &err);
  if (doc) {
    mm_detect_record rec;
    memset(&rec, 0, sizeof(rec));
    if (mm_detect_json_record(mm_json_doc_root(doc), MM_DETECT_CLOUDTRAIL, &rec, &err) == MM_OK) {
      mm_detect_engine_feed(e, &rec);
      mm_detect_engine_feed(e, &rec);
    }
    mm_json_doc_free(doc);
  }
  mm_buf b = MM_BUF_INIT;
  if (mm_detect_engine_finding_count(e))
    (void)mm_detect_finding_write(mm_detect_engine_finding(e, 0), MM_DETECT_OUT_ASFF, &b);
  mm_buf_free(&b);
  mm_detect_engine_free(e);
}

TEST(fault_injection) { FAULT_LOOP(load_and_run()); }

int main(void) {
  RUN(rule_errors_name_their_path);
  RUN(rule_json_errors_have_line_and_column);
  RUN(deep_conditions_are_refused);
  RUN(a_failed_text_adds_nothing);
  RUN(load_missing_path_is_eio);
  RUN(shipped_rules_load);
  RUN(condition_trees);
  RUN(threshold_counts_within_the_window);
  RUN(threshold_distinct_values);
  RUN(search_and_fieldref_leaves);
  RUN(repeats_aggregate_into_one_finding);
  RUN(different_resources_are_different_findings);
  RUN(asff_has_every_required_attribute);
  RUN(asff_types_and_labels);
  RUN(eventbridge_envelope);
  RUN(fault_injection);
  return mm_test_summary();
}
