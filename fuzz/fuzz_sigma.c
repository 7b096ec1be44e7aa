/*
 * fuzz_sigma.c - libFuzzer target for the Sigma converter (mamori/sigma.h)
 * and the rule condition evaluator (src/detect/condition.c).
 *
 * The input is a Sigma rule (YAML). Invariants:
 *   - a rejected rule says why (a negative code and a message) and leaves
 *     the output buffer untouched;
 *   - a converted rule is valid JSON that compiles with
 *     mm__detect_cond_compile (every rule the converter writes loads), and
 *     evaluates on a few fixed CloudTrail records without fault;
 *   - converting twice gives the same bytes (no hidden state).
 */
#include "detect/sigma.h"
#include "fuzz.h"
#include "mamori/json.h"
#include "mamori/sigma.h"

#include <string.h>

static const char *const events[] = {
    "{}",
    "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"userIdentity\":"
    "{\"type\":\"Root\",\"arn\":\"arn:aws:iam::1:root\"},\"requestParameters\":{\"userName\":"
    "\"x\",\"a\":[1,true,null,{\"b\":\"Suspended\"}]},\"errorCode\":null}",
    "{\"eventName\":[\"a\",\"b\"],\"sourceIPAddress\":\"10.0.0.1\",\"n\":42}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *yaml = (const char *)data;
  mm_buf out = MM_BUF_INIT, again = MM_BUF_INIT;
  mm_error err;
  int rc = mm_sigma_to_rule(yaml, size, &out, &err);
  if (rc != MM_OK) {
    FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0] != '\0');
    FUZZ_CHECK(out.len == 0);
    return 0;
  }
  FUZZ_CHECK(mm_sigma_to_rule(yaml, size, &again, NULL) == MM_OK);
  FUZZ_CHECK(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0);
  mm_json_doc *rule = mm_json_parse(out.ptr, out.len, NULL, &err);
  FUZZ_CHECK(rule != NULL);
  mm__detect_cond *c = mm__detect_cond_compile(mm_json_doc_root(rule), &err);
  if (!c) fprintf(stderr, "does not load: %s at %s\n%s\n", err.msg, err.path, out.ptr);
  FUZZ_CHECK(c != NULL);
  for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
    mm_json_doc *ev = mm_json_parse(events[i], strlen(events[i]), NULL, NULL);
    FUZZ_CHECK(ev != NULL);
    (void)mm__detect_cond_eval(c, mm_json_doc_root(ev));
    mm_json_doc_free(ev);
  }
  mm__detect_cond_free(c);
  mm_json_doc_free(rule);
  mm_buf_free(&out);
  mm_buf_free(&again);
  return 0;
}
