/*
 * test_events_ruler.c - the events engine against aws/event-ruler's test
 * corpus (@ 337e8d99; Apache-2.0), read in place from
 * ${MM_SHARED_DATA}/events/event-ruler (never copied into the repository).
 *
 *  - resources/correctness-cases.json: 51 {name, rule, event} cases with no
 *    stored answer; ruler_correctness_expectations.txt holds the answer we
 *    wrote for each from the EventBridge User Guide ("Arrays in event
 *    patterns", "exists matching"), and both the direct evaluator and the
 *    compiled matcher must give it;
 *  - data/arrayRule1..3 on arrayEvent1..4: the upstream expectations for
 *    rulesForEvent, the semantics mamori implements (each field of a
 *    pattern judged on its own): arrayEvent1 -> rule1 and rule2, arrayEvent2
 *    -> none, arrayEvent3 -> rule3, arrayEvent4 -> rule3;
 *  - data/orRelationshipRules.json: each rule compiles, to 2, 4, 3, 4 and 2
 *    alternatives; data/wrongOrRelationshipRules.json: each is rejected;
 *    data/normalRulesWithOrWording.json: the first three are rejected (a
 *    `$or` that is not a list of two or more patterns); the fourth is valid
 *    EventBridge syntax read literally (fields named "numeric" with exact
 *    values), so mamori accepts it;
 *  - data/bigEventRule.json matches data/bigEvent.json.
 */
#include "test.h"

#include "mamori/events.h"
#include "mamori/json.h"

#ifndef MM_SHARED_DATA
#define MM_SHARED_DATA "../../../shared/data"
#endif
#define RULER MM_SHARED_DATA "/events/event-ruler/"

static mm_json_doc *load(const char *path) {
  mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_DOCUMENT, NULL, NULL);
  if (!r) return NULL;
  mm_json_record rec;
  mm_json_doc *doc = NULL;
  if (mm_json_reader_next(r, &rec, NULL) == MM_OK) {
    mm_buf b = MM_BUF_INIT;
    mm_json_write(&b, rec.value, 0);
    doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
    mm_buf_free(&b);
  }
  mm_json_reader_close(r);
  return doc;
}

/* The expected answer for a case name, from the expectations table. */
static int expected(const char *name) {
  FILE *f = fopen(MM_EVENTS_TEST_DIR "/ruler_correctness_expectations.txt", "r");
  char line[1024];
  int want = -1;
  size_t n = strlen(name);
  while (f && want < 0 && fgets(line, sizeof(line), f))
    if (line[0] != '#' && strncmp(line, name, n) == 0 && line[n] == '\t')
      want = strncmp(line + n + 1, "true", 4) == 0;
  if (f) fclose(f);
  return want;
}

static bool matcher_says(const mm_json_value *rule, const mm_json_value *event) {
  mm_events_builder *b = mm_events_builder_new();
  mm_events_builder_add(b, MM_STR("r"), mm_events_pattern_from_value(rule, NULL), NULL);
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *c = mm_events_ctx_new(m);
  bool hit = mm_events_match(m, c, event, NULL) == 1;
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  return hit;
}

TEST(correctness_cases) {
  mm_json_doc *doc = load(RULER "resources/correctness-cases.json");
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *cases = mm_json_doc_root(doc);
  ASSERT_EQ(mm_json_len(cases), 51);
  mm_json_iter it = mm_json_iter_init(cases);
  const mm_json_value *c;
  int checked = 0;
  while (mm_json_iter_next(&it, NULL, &c)) {
    const char *name = mm_json_str(mm_json_get(c, "name"));
    int want = expected(name);
    if (want < 0) MM_TEST_FAIL("no expectation for '%s'", name);
    mm_error err;
    mm_events_pattern *p = mm_events_pattern_from_value(mm_json_get(c, "rule"), &err);
    if (!p) MM_TEST_FAIL("'%s': rule rejected: %s", name, err.msg);
    bool direct = mm_events_pattern_matches(p, mm_json_get(c, "event"));
    bool fast = matcher_says(mm_json_get(c, "rule"), mm_json_get(c, "event"));
    mm_events_pattern_free(p);
    if (direct != (want == 1) || fast != (want == 1))
      MM_TEST_FAIL("'%s': want %d, direct %d, matcher %d", name, want, direct, fast);
    checked++;
  }
  ASSERT_EQ(checked, 51);
  mm_json_doc_free(doc);
}

TEST(array_rules) {
  static const char *const rules[] = {"arrayRule1", "arrayRule2", "arrayRule3"};
  static const struct {
    const char *event;
    unsigned want;
  } events[] = {
      {"arrayEvent1", 1u | 2u}, {"arrayEvent2", 0}, {"arrayEvent3", 4u}, {"arrayEvent4", 4u}};
  mm_events_builder *b = mm_events_builder_new();
  char path[512];
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), RULER "data/%s.json", rules[i]);
    mm_json_doc *d = load(path);
    ASSERT_TRUE(d != NULL);
    ASSERT_EQ(mm_events_builder_add(b, mm_str_from(rules[i]),
                                    mm_events_pattern_from_value(mm_json_doc_root(d), NULL), NULL),
              MM_OK);
    mm_json_doc_free(d);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *c = mm_events_ctx_new(m);
  ASSERT_TRUE(m && c);
  for (size_t e = 0; e < MM_ARRAY_LEN(events); e++) {
    snprintf(path, sizeof(path), RULER "data/%s.json", events[e].event);
    mm_json_doc *d = load(path);
    ASSERT_TRUE(d != NULL);
    const uint32_t *idx;
    size_t n = mm_events_match(m, c, mm_json_doc_root(d), &idx);
    unsigned got = 0, direct = 0;
    for (size_t i = 0; i < n; i++) got |= 1u << idx[i];
    for (size_t i = 0; i < 3; i++)
      if (mm_events_pattern_matches(mm_events_matcher_pattern(m, i), mm_json_doc_root(d)))
        direct |= 1u << i;
    mm_json_doc_free(d);
    ASSERT_EQ(got, events[e].want);
    ASSERT_EQ(direct, events[e].want);
  }
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
}

/* Compile each rule of an array file; alts[i] the expected alternatives
 * (0 = must be rejected). */
static void rules_file(const char *file, const size_t *alts, size_t n) {
  char path[512];
  snprintf(path, sizeof(path), RULER "data/%s", file);
  mm_json_doc *d = load(path);
  ASSERT_TRUE(d != NULL);
  ASSERT_EQ(mm_json_len(mm_json_doc_root(d)), n);
  for (size_t i = 0; i < n; i++) {
    mm_error err;
    mm_error_clear(&err);
    mm_events_pattern *p = mm_events_pattern_from_value(mm_json_at(mm_json_doc_root(d), i), &err);
    if (alts[i] == 0 && p) MM_TEST_FAIL("%s rule %zu accepted", file, i);
    if (alts[i] && !p) MM_TEST_FAIL("%s rule %zu rejected at %s: %s", file, i, err.path, err.msg);
    if (p) ASSERT_EQ(mm_events_pattern_alternatives(p), alts[i]);
    mm_events_pattern_free(p);
  }
  mm_json_doc_free(d);
}

TEST(or_rules) {
  static const size_t good[] = {2, 4, 3, 4, 2}, wrong[] = {0, 0}, wording[] = {0, 0, 0, 2};
  rules_file("orRelationshipRules.json", good, 5);
  rules_file("wrongOrRelationshipRules.json", wrong, 2);
  rules_file("normalRulesWithOrWording.json", wording, 4);
}

TEST(big_event) {
  mm_json_doc *rule = load(RULER "data/bigEventRule.json");
  mm_json_doc *event = load(RULER "data/bigEvent.json");
  ASSERT_TRUE(rule && event);
  mm_events_pattern *p = mm_events_pattern_from_value(mm_json_doc_root(rule), NULL);
  ASSERT_TRUE(p != NULL);
  ASSERT_TRUE(mm_events_pattern_matches(p, mm_json_doc_root(event)));
  ASSERT_TRUE(matcher_says(mm_json_doc_root(rule), mm_json_doc_root(event)));
  mm_events_pattern_free(p);
  mm_json_doc_free(rule);
  mm_json_doc_free(event);
}

int main(void) {
  RUN(correctness_cases);
  RUN(array_rules);
  RUN(or_rules);
  RUN(big_event);
  return mm_test_summary();
}
