/*
 * test_events_matcher.c - the compiled multi-pattern matcher against the
 * direct evaluation of each pattern on its own, over thousands of generated
 * patterns and events; compile under fault injection; the builder, ids,
 * limits reached through parsed values, and scratch-context reuse.
 */
#include "test.h"

#include "mamori/events.h"
#include "mamori/json.h"

/* ---- a small deterministic generator -------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

static const char *const paths[][3] = {{"a"}, {"b"}, {"c", "d"}, {"c", "e"}, {"f", "g", "h"}};
static const size_t path_len[] = {1, 1, 2, 2, 3};
static const char *const strs[] = {"x",        "y",        "xy",          "Xy",        "",
                                   "10.0.0.1", "10.1.0.9", "2001:db8::1", "dir/a.png", "abc"};
static const char *const nums[] = {"0", "1", "1.5", "-2", "300", "3e2", "-0"};

static void gen_scalar(mm_buf *b) {
  switch (rnd(6)) {
    case 0:
      mm_buf_puts(b, rnd(2) ? "true" : "false");
      break;
    case 1:
      mm_buf_puts(b, "null");
      break;
    case 2:
    case 3:
      mm_buf_puts(b, nums[rnd(MM_ARRAY_LEN(nums))]);
      break;
    default: {
      const char *s = strs[rnd(MM_ARRAY_LEN(strs))];
      mm_json_append_string(b, s, strlen(s));
    }
  }
}

static void gen_string(mm_buf *b) {
  const char *s = strs[rnd(MM_ARRAY_LEN(strs))];
  mm_json_append_string(b, s, strlen(s));
}

static void gen_operator(mm_buf *b) {
  static const char *const ops[] = {"{\"prefix\":\"x\"}",
                                    "{\"prefix\":{\"equals-ignore-case\":\"X\"}}",
                                    "{\"suffix\":\"y\"}",
                                    "{\"suffix\":{\"equals-ignore-case\":\"Y\"}}",
                                    "{\"equals-ignore-case\":\"xy\"}",
                                    "{\"wildcard\":\"*y\"}",
                                    "{\"wildcard\":\"dir/*.png\"}",
                                    "{\"anything-but\":\"x\"}",
                                    "{\"anything-but\":[\"x\",\"y\"]}",
                                    "{\"anything-but\":[1,300]}",
                                    "{\"anything-but\":{\"prefix\":\"x\"}}",
                                    "{\"anything-but\":{\"suffix\":\"y\"}}",
                                    "{\"anything-but\":{\"equals-ignore-case\":\"XY\"}}",
                                    "{\"anything-but\":{\"wildcard\":\"*b*\"}}",
                                    "{\"numeric\":[\">\",0]}",
                                    "{\"numeric\":[\">=\",-2,\"<\",1.5]}",
                                    "{\"numeric\":[\"=\",300]}",
                                    "{\"numeric\":[\"<=\",0]}",
                                    "{\"cidr\":\"10.0.0.0/8\"}",
                                    "{\"cidr\":\"10.1.0.0/16\"}",
                                    "{\"cidr\":\"2001:db8::/32\"}",
                                    "{\"cidr\":\"::ffff:10.0.0.0/104\"}",
                                    "{\"exists\":true}",
                                    "{\"exists\":false}",
                                    "{\"prefix\":\"\"}"};
  mm_buf_puts(b, ops[rnd(MM_ARRAY_LEN(ops))]);
}

static void gen_values(mm_buf *b) {
  size_t n = 1 + rnd(3);
  mm_buf_putc(b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) mm_buf_putc(b, ',');
    uint32_t k = rnd(4);
    if (k == 0)
      gen_string(b);
    else if (k == 1)
      gen_scalar(b);
    else
      gen_operator(b);
  }
  mm_buf_putc(b, ']');
}

/* A field at path p, written as nested objects. */
static void gen_field(mm_buf *b, size_t p) {
  for (size_t i = 0; i < path_len[p]; i++) {
    mm_json_append_string(b, paths[p][i], strlen(paths[p][i]));
    mm_buf_putc(b, ':');
    if (i + 1 < path_len[p]) mm_buf_putc(b, '{');
  }
  gen_values(b);
  for (size_t i = 1; i < path_len[p]; i++) mm_buf_putc(b, '}');
}

static void gen_fields(mm_buf *b, size_t n) {
  unsigned used = 0;
  for (size_t i = 0; i < n; i++) {
    size_t p = rnd(MM_ARRAY_LEN(path_len));
    if (used & (1u << p) || (p >= 2 && p <= 3 && used & (3u << 2)))
      continue; /* no duplicate keys */
    if (used) mm_buf_putc(b, ',');
    used |= 1u << p;
    gen_field(b, p);
  }
  if (!used) gen_field(b, 0);
}

static void gen_pattern(mm_buf *b) {
  mm_buf_putc(b, '{');
  gen_fields(b, 1 + rnd(3));
  if (rnd(4) == 0) {
    mm_buf_puts(b, ",\"$or\":[{");
    gen_fields(b, 1 + rnd(2));
    mm_buf_puts(b, "},{");
    gen_fields(b, 1 + rnd(2));
    mm_buf_puts(b, "}]");
  }
  mm_buf_putc(b, '}');
}

static void gen_value(mm_buf *b, int depth) {
  uint32_t k = rnd(depth > 2 ? 3 : 5);
  if (k == 3 || k == 4) { /* an array of values, of arrays or of objects */
    size_t n = rnd(3);
    mm_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
      if (i) mm_buf_putc(b, ',');
      if (k == 4 && depth < 3) {
        mm_buf_puts(b, "{\"d\":");
        gen_value(b, depth + 1);
        mm_buf_puts(b, ",\"g\":{\"h\":");
        gen_value(b, depth + 1);
        mm_buf_putc(b, '}');
        mm_buf_putc(b, '}');
      } else
        gen_value(b, depth + 1);
    }
    mm_buf_putc(b, ']');
  } else if (k == 0)
    gen_string(b);
  else
    gen_scalar(b);
}

static void gen_event(mm_buf *b) {
  static const char *const keys[] = {"a", "b", "c", "f"};
  mm_buf_putc(b, '{');
  bool first = true;
  for (size_t i = 0; i < MM_ARRAY_LEN(keys); i++) {
    if (rnd(4) == 0) continue;
    if (!first) mm_buf_putc(b, ',');
    first = false;
    mm_buf_printf(b, "\"%s\":", keys[i]);
    if (i < 2)
      gen_value(b, 0);
    else if (i == 2) {
      bool arr = rnd(3) == 0; /* an array of objects */
      mm_buf_puts(b, arr ? "[{\"d\":" : "{\"d\":");
      gen_value(b, 1);
      mm_buf_puts(b, ",\"e\":");
      gen_value(b, 1);
      mm_buf_puts(b, arr ? "},{\"e\":\"x\"}]" : "}");
    } else {
      mm_buf_puts(b, "{\"g\":{\"h\":");
      gen_value(b, 1);
      mm_buf_puts(b, "}}");
    }
  }
  mm_buf_putc(b, '}');
}

/* ---- tests ----------------------------------------------------------------------- */

#define NPATTERNS 3000
#define NEVENTS   3000

TEST(matcher_agrees_with_direct_evaluation) {
  static mm_events_pattern *own[NPATTERNS];
  mm_events_builder *b = mm_events_builder_new();
  size_t n = 0;
  char id[32];
  for (size_t i = 0; i < NPATTERNS; i++) {
    mm_buf t = MM_BUF_INIT;
    gen_pattern(&t);
    mm_error err;
    mm_events_pattern *p = mm_events_pattern_parse(t.ptr, t.len, &err);
    if (!p) MM_TEST_FAIL("generated pattern rejected: %s at %s: %s", t.ptr, err.path, err.msg);
    own[n] = mm_events_pattern_parse(t.ptr, t.len, NULL); /* our copy for direct evaluation */
    snprintf(id, sizeof(id), "p%zu", n);
    ASSERT_EQ(mm_events_builder_add(b, mm_str_from(id), p, NULL), MM_OK);
    n++;
    mm_buf_free(&t);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *c = mm_events_ctx_new(m);
  ASSERT_TRUE(m && c);
  ASSERT_EQ(mm_events_matcher_count(m), n);
  size_t total = 0;
  for (size_t e = 0; e < NEVENTS; e++) {
    mm_buf t = MM_BUF_INIT;
    gen_event(&t);
    mm_json_doc *d = mm_json_parse(t.ptr, t.len, NULL, NULL);
    if (!d) MM_TEST_FAIL("generated event invalid: %s", t.ptr);
    const uint32_t *idx;
    size_t got = mm_events_match(m, c, mm_json_doc_root(d), &idx), k = 0;
    for (size_t i = 0; i < n; i++) {
      bool direct = mm_events_pattern_matches(own[i], mm_json_doc_root(d));
      bool reported = k < got && idx[k] == i;
      k += reported;
      if (direct != reported) {
        MM_TEST_FAIL("event %s, pattern %zu: direct %d, matcher %d", t.ptr, i, direct, reported);
      }
    }
    ASSERT_EQ(k, got);
    total += got;
    mm_json_doc_free(d);
    mm_buf_free(&t);
  }
  ASSERT_TRUE(total > NEVENTS); /* the generator produces matches, not only misses */
  for (size_t i = 0; i < n; i++) mm_events_pattern_free(own[i]);
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
}

static const char *const fault_patterns[] = {
    "{\"source\":[\"aws.ec2\",\"aws.s3\"],\"detail\":{\"n\":[{\"numeric\":[\">\",0]}]}}",
    "{\"ip\":[{\"cidr\":\"10.0.0.0/8\"},{\"cidr\":\"10.1.0.0/16\"}],\"x\":[{\"prefix\":\"a\"}]}",
    "{\"$or\":[{\"a\":[{\"suffix\":{\"equals-ignore-case\":\"B\"}}]},{\"b\":[{\"exists\":false}]}]"
    "}",
    "{\"w\":[{\"wildcard\":\"*x*\"},{\"anything-but\":{\"wildcard\":[\"a*\",\"*b\"]}},null,true,1]"
    "}",
    "{\"e\":[{\"equals-ignore-case\":\"Q\"},{\"anything-but\":[\"a\",\"b\"]}]}",
};

static int compile_all(void) {
  mm_events_builder *b = mm_events_builder_new();
  mm_events_matcher *m = NULL;
  mm_events_ctx *c = NULL;
  int rc = b ? MM_OK : MM_ENOMEM;
  for (size_t i = 0; rc == MM_OK && i < MM_ARRAY_LEN(fault_patterns); i++)
    rc = mm_events_builder_add_json(b, MM_STR("id"), fault_patterns[i], strlen(fault_patterns[i]),
                                    NULL);
  if (rc == MM_OK && (m = mm_events_compile(b, NULL)) != NULL && (c = mm_events_ctx_new(m))) {
    const char *ev =
        "{\"source\":\"aws.ec2\",\"detail\":{\"n\":3},\"ip\":\"10.1.1.1\",\"x\":\"ab\"}";
    mm_json_doc *d = mm_json_parse(ev, strlen(ev), NULL, NULL);
    if (d) mm_events_match(m, c, mm_json_doc_root(d), NULL);
    mm_json_doc_free(d);
  }
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  return rc;
}

TEST(compile_under_fault_injection) {
  FAULT_LOOP(compile_all());
  ASSERT_EQ(compile_all(), MM_OK);
}

TEST(parse_under_fault_injection) {
  FAULT_LOOP({
    for (size_t i = 0; i < MM_ARRAY_LEN(fault_patterns); i++) {
      mm_error err;
      mm_events_pattern *p =
          mm_events_pattern_parse(fault_patterns[i], strlen(fault_patterns[i]), &err);
      if (!p && err.code != MM_ENOMEM) MM_TEST_FAIL("pattern %zu: %s", i, err.msg);
      mm_events_pattern_free(p);
    }
  });
}

TEST(ids_indexes_and_reuse) {
  mm_events_builder *b = mm_events_builder_new();
  ASSERT_EQ(mm_events_builder_add_json(b, MM_STR("one"), "{\"a\":[\"x\"]}", 11, NULL), MM_OK);
  ASSERT_EQ(mm_events_builder_add_json(b, MM_STR("two"), "{\"a\":[{\"prefix\":\"x\"}]}", 22, NULL),
            MM_OK);
  mm_error err;
  ASSERT_TRUE(mm_events_builder_add_json(b, MM_STR("bad"), "{\"a\":[]}", 8, &err) != MM_OK);
  ASSERT_EQ_STR(err.path, "$.a");
  ASSERT_EQ(mm_events_builder_count(b), 2);
  mm_events_matcher *m = mm_events_compile(b, NULL);
  ASSERT_EQ(mm_events_builder_count(b), 0);
  mm_events_ctx *c = mm_events_ctx_new(m);
  ASSERT_EQ_MEM(mm_events_matcher_id(m, 1).ptr, mm_events_matcher_id(m, 1).len, "two");
  mm_json_doc *d = mm_json_parse("{\"a\":\"xz\"}", 10, NULL, NULL);
  const uint32_t *idx;
  for (int round = 0; round < 3; round++) { /* the context is reused */
    ASSERT_EQ(mm_events_match(m, c, mm_json_doc_root(d), &idx), 1);
    ASSERT_EQ(idx[0], 1);
  }
  mm_json_doc_free(d);
  d = mm_json_parse("{\"a\":[\"x\",\"x\"]}", 15, NULL, NULL);
  ASSERT_EQ(mm_events_match(m, c, mm_json_doc_root(d), &idx), 2);
  ASSERT_EQ(idx[0], 0);
  ASSERT_EQ(idx[1], 1);
  mm_json_doc_free(d);
  ASSERT_EQ(mm_events_match(m, c, NULL, &idx), 0);
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
}

TEST(values_limit_through_parsed_value) {
  mm_buf t = MM_BUF_INIT;
  mm_buf_puts(&t, "{\"a\":[");
  for (int i = 0; i < 1025; i++) mm_buf_printf(&t, "%s%d", i ? "," : "", i);
  mm_buf_puts(&t, "]}");
  mm_json_doc *d = mm_json_parse(t.ptr, t.len, NULL, NULL);
  mm_error err;
  ASSERT_TRUE(mm_events_pattern_from_value(mm_json_doc_root(d), &err) == NULL);
  ASSERT_EQ(err.code, MM_ELIMIT);
  ASSERT_EQ_STR(err.path, "$.a");
  mm_json_doc_free(d);
  mm_buf_free(&t);
}

TEST(test_pattern_one_shot) {
  mm_error err;
  ASSERT_EQ(mm_events_test_pattern("{\"a\":[1]}", 9, "{\"a\":1.0}", 9, &err), 1);
  ASSERT_EQ(mm_events_test_pattern("{\"a\":[1]}", 9, "{\"a\":2}", 7, &err), 0);
  ASSERT_EQ(mm_events_test_pattern("{\"a\":[1]}", 9, "{\"a\":", 5, &err), MM_ETRUNC);
  ASSERT_EQ_STR(err.path, "event");
  ASSERT_EQ(mm_events_test_pattern("{\"a\":1}", 7, "{}", 2, &err), MM_EINVAL);
  ASSERT_EQ_STR(err.path, "$.a");
}

/* Regression (found by fuzz_event_pattern): a key counted twice must not
 * be kept pointing into a scratch buffer that a longer key then moves. */
TEST(shared_long_keys) {
  mm_events_builder *b = mm_events_builder_new();
  static const size_t lens[] = {300, 300, 3000, 300, 3000};
  for (size_t i = 0; i < MM_ARRAY_LEN(lens); i++) {
    mm_buf t = MM_BUF_INIT;
    mm_buf_puts(&t, "{\"a\":[\"");
    for (size_t k = 0; k < lens[i]; k++) mm_buf_putc(&t, 'k');
    mm_buf_puts(&t, "\"]}");
    ASSERT_EQ(mm_events_builder_add_json(b, MM_STR("long"), t.ptr, t.len, NULL), MM_OK);
    mm_buf_free(&t);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  ASSERT_TRUE(m != NULL);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
}

/* Fields shared by many patterns are not indexed but checked on the leaves
 * recorded at their path; past MM__EV_MAX_RECORDS leaves the matcher walks
 * the event again. Both must agree with the direct evaluation. */
TEST(recorded_fields_and_overflow) {
  mm_events_builder *b = mm_events_builder_new();
  char text[128];
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof(text), "{\"a\":[\"k%d\"],\"b\":[\"x\"],\"c\":[{\"exists\":false}]}", i);
    ASSERT_EQ(mm_events_builder_add_json(b, MM_STR("r"), text, strlen(text), NULL), MM_OK);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *c = mm_events_ctx_new(m);
  ASSERT_TRUE(m && c);
  for (int variant = 0; variant < 6; variant++) {
    mm_buf t = MM_BUF_INIT;
    mm_buf_puts(&t, "{\"a\":[\"k3\",\"k7\"],\"b\":[");
    int n = variant < 3 ? 5 : 3000; /* 3000 leaves overflow the records */
    for (int i = 0; i < n; i++) mm_buf_printf(&t, "%s%d", i ? "," : "", i);
    if (variant % 3 != 1) mm_buf_puts(&t, ",\"x\"");
    mm_buf_puts(&t, variant % 3 == 2 ? "],\"c\":1}" : "]}");
    mm_json_doc *d = mm_json_parse(t.ptr, t.len, NULL, NULL);
    ASSERT_TRUE(d != NULL);
    const uint32_t *idx;
    size_t got = mm_events_match(m, c, mm_json_doc_root(d), &idx), want = 0;
    for (size_t i = 0; i < mm_events_matcher_count(m); i++)
      want += mm_events_pattern_matches(mm_events_matcher_pattern(m, i), mm_json_doc_root(d));
    ASSERT_EQ(got, want);
    ASSERT_EQ(got, variant % 3 == 0 ? 2 : 0);
    mm_json_doc_free(d);
    mm_buf_free(&t);
  }
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
}

int main(void) {
  RUN(matcher_agrees_with_direct_evaluation);
  RUN(compile_under_fault_injection);
  RUN(parse_under_fault_injection);
  RUN(ids_indexes_and_reuse);
  RUN(values_limit_through_parsed_value);
  RUN(test_pattern_one_shot);
  RUN(shared_long_keys);
  RUN(recorded_fields_and_overflow);
  return mm_test_summary();
}
