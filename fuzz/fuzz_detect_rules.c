/*
 * fuzz_detect_rules.c - libFuzzer target for the detection rule loader
 * (src/detect/rules.c) and the engine built from what it accepts.
 *
 * Invariants: no crash, no leak, no hang; a rejected text adds no rule and
 * names a JSON path that starts with "$"; an accepted text yields rules
 * whose info is complete, and an engine built from them runs a fixed
 * CloudTrail event and writes every finding in all three shapes as JSON
 * that parses back.
 */
#include "fuzz.h"
#include "mamori/detect.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char event[] =
    "{\"eventVersion\":\"1.09\",\"eventTime\":\"2024-07-31T13:06:24Z\","
    "\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StopLogging\","
    "\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"userIdentity\":{\"type\":\"IAMUser\",\"accessKeyId\":\"AKIAEXAMPLE\",\"userName\":\"a\"},"
    "\"requestParameters\":{\"name\":\"t\",\"userName\":\"b\"}}";

static void check_findings(mm_detect_engine *e) {
  mm_buf b = MM_BUF_INIT;
  for (size_t i = 0; i < mm_detect_engine_finding_count(e); i++) {
    for (int how = 0; how < 3; how++) {
      mm_buf_clear(&b);
      if (mm_detect_finding_write(mm_detect_engine_finding(e, i), (mm_detect_output)how, &b) !=
          MM_OK)
        continue;
      mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
      FUZZ_CHECK(doc != NULL);
      mm_json_doc_free(doc);
    }
  }
  mm_buf_free(&b);
}

static void run(mm_detect_rules *rs) {
  mm_error err;
  mm_detect_engine *e = mm_detect_engine_new(rs, NULL, &err);
  if (!e) return;
  mm_json_doc *doc = mm_json_parse(event, sizeof(event) - 1, NULL, NULL);
  mm_detect_record rec;
  memset(&rec, 0, sizeof(rec));
  if (doc &&
      mm_detect_json_record(mm_json_doc_root(doc), MM_DETECT_CLOUDTRAIL, &rec, NULL) == MM_OK)
    for (int i = 0; i < 3; i++) mm_detect_engine_feed(e, &rec);
  check_findings(e);
  mm_json_doc_free(doc);
  mm_detect_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_detect_rules *rs = mm_detect_rules_new();
  if (!rs) return 0;
  mm_error err;
  mm_error_clear(&err);
  int rc = mm_detect_rules_add_json(rs, (const char *)data, size, "fuzz.json", &err);
  if (rc != MM_OK) {
    FUZZ_CHECK(mm_detect_rules_count(rs) == 0);
    FUZZ_CHECK(err.code == rc);
    FUZZ_CHECK(err.line > 0 || err.path[0] == '$' || rc == MM_ENOMEM);
    mm_detect_rules_free(rs);
    return 0;
  }
  for (size_t i = 0; i < mm_detect_rules_count(rs); i++) {
    mm_detect_rule_info ri;
    FUZZ_CHECK(mm_detect_rules_info(rs, i, &ri) == MM_OK);
    FUZZ_CHECK(ri.id && ri.id[0] && ri.type && ri.type[0] && ri.title && ri.resource);
  }
  run(rs);
  return 0;
}
