/*
 * test_detect_cis.c - the CIS AWS Foundations CloudWatch.1-14 rules
 * (data/detect/rules/cis-cloudwatch.json): Security Hub's metric filters
 * ("Security Hub controls for CloudWatch", AWS Security Hub User Guide) as
 * EventBridge patterns.
 *
 * Each of the 14 rules has its id, type and pattern; the pattern parses;
 * each tests/detect/cis/cloudwatch-N.json holds CloudTrail records the
 * control's metric filter counts ("match") and near misses it does not
 * ("nomatch"). The 14 patterns are also compiled into one matcher, which
 * must report, for every record, exactly the rules the direct evaluation
 * reports.
 */
#include "detect/sigma.h"
#include "mamori/events.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define RULES  MM_DETECT_TEST_DIR "/../../data/detect/rules/cis-cloudwatch.json"
#define CASES  MM_DETECT_TEST_DIR "/cis"
#define NRULES 14

static mm_json_doc *load(const char *path) {
  size_t len = 0;
  char *text = mm_test_read_file(path, &len);
  if (!text) MM_TEST_FAIL("cannot read %s", path);
  mm_error err;
  mm_json_doc *d = mm_json_parse(text, len, NULL, &err);
  free(text);
  if (!d) MM_TEST_FAIL("%s:%u:%u: %s", path, err.line, err.column, err.msg);
  return d;
}

static mm_events_matcher *all_rules(const mm_json_value *rules) {
  mm_events_builder *b = mm_events_builder_new();
  ASSERT_TRUE(b != NULL);
  for (size_t i = 0; i < NRULES; i++) {
    const mm_json_value *r = mm_json_at(rules, i);
    mm_buf text = MM_BUF_INIT;
    ASSERT_EQ(mm_json_write(&text, mm_json_get(r, "pattern"), 0), MM_OK);
    mm_error err;
    if (mm_events_builder_add_json(b, mm_json_get_str(mm_json_get(r, "id")), text.ptr, text.len,
                                   &err) != MM_OK)
      MM_TEST_FAIL("rule %zu: %s at %s", i + 1, err.msg, err.path);
    mm_buf_free(&text);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  ASSERT_TRUE(m != NULL);
  mm_events_builder_free(b);
  return m;
}

/* The matcher and the direct evaluation agree on rec, and rule `want`
 * (0-based) matches or not as expected. */
static void check_record(const mm_events_matcher *m, mm_events_ctx *ctx,
                         mm__detect_cond *const *conds, const mm_json_value *rec, size_t want,
                         bool expect, const char *file) {
  const uint32_t *idx;
  size_t n = mm_events_match(m, ctx, rec, &idx), k = 0;
  for (size_t i = 0; i < NRULES; i++) {
    bool direct = mm__detect_cond_eval(conds[i], rec), reported = k < n && idx[k] == i;
    k += reported;
    if (direct != reported)
      MM_TEST_FAIL("%s: rule %zu: matcher %d, direct %d", file, i + 1, reported, direct);
    if (i == want && direct != expect) {
      mm_buf b = MM_BUF_INIT;
      mm_json_write(&b, rec, 0);
      MM_TEST_FAIL("%s: CloudWatch.%zu should %smatch %.300s", file, i + 1, expect ? "" : "not ",
                   b.ptr);
    }
  }
}

TEST(cis_cloudwatch_rules) {
  mm_json_doc *doc = load(RULES);
  const mm_json_value *rules = mm_json_doc_root(doc);
  ASSERT_EQ(mm_json_len(rules), NRULES);
  mm__detect_cond *conds[NRULES];
  for (size_t i = 0; i < NRULES; i++) {
    const mm_json_value *r = mm_json_at(rules, i);
    char id[64], type[64];
    snprintf(id, sizeof id, "mamori.cis.cloudwatch.%zu", i + 1);
    snprintf(type, sizeof type, "Policy:CIS/CloudWatch.%zu", i + 1);
    ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "id")), id);
    ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "type")), type);
    ASSERT_TRUE(mm_json_is_string(mm_json_get(r, "author")));
    ASSERT_TRUE(mm_json_is_number(mm_json_get(r, "severity")));
    mm_error err;
    conds[i] = mm__detect_cond_compile(r, &err);
    if (!conds[i]) MM_TEST_FAIL("%s: %s at %s", id, err.msg, err.path);
  }
  mm_events_matcher *m = all_rules(rules);
  mm_events_ctx *ctx = mm_events_ctx_new(m);
  size_t pos = 0, neg = 0;
  for (size_t i = 0; i < NRULES; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/cloudwatch-%zu.json", CASES, i + 1);
    mm_json_doc *ex = load(path);
    const mm_json_value *root = mm_json_doc_root(ex);
    ASSERT_TRUE(mm_json_len(mm_json_get(root, "match")) >= 1);
    ASSERT_TRUE(mm_json_len(mm_json_get(root, "nomatch")) >= 1);
    for (int want = 1; want >= 0; want--) {
      mm_json_iter it = mm_json_iter_init(mm_json_get(root, want ? "match" : "nomatch"));
      const mm_json_value *rec;
      while (mm_json_iter_next(&it, NULL, &rec)) {
        check_record(m, ctx, conds, rec, i, want, path);
        want ? pos++ : neg++;
      }
    }
    mm_json_doc_free(ex);
  }
  printf("cis: %d rules, %zu positive and %zu near-miss records\n", NRULES, pos, neg);
  for (size_t i = 0; i < NRULES; i++) mm__detect_cond_free(conds[i]);
  mm_events_ctx_free(ctx);
  mm_events_matcher_free(m);
  mm_json_doc_free(doc);
}

int main(void) {
  RUN(cis_cloudwatch_rules);
  return mm_test_summary();
}
