/*
 * fuzz_event_pattern.c - libFuzzer target for the events engine
 * (mamori/events.h).
 *
 * The input is read three ways:
 *   1. as a pattern: whatever is rejected must say why (a code and a
 *      message, and for pattern errors a JSON path starting with "$");
 *      whatever compiles is matched against a few fixed events and against
 *      the input itself read as an event, and the compiled matcher (holding
 *      this pattern among fixed ones) must agree with the direct evaluation
 *      of every pattern it holds;
 *   2. split at the first newline into a pattern and an event: the same
 *      agreement on that event;
 *   3. mm_events_test_pattern on the split must agree with both.
 */
#include "fuzz.h"
#include "mamori/events.h"
#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fixed_patterns[] = {
    "{\"a\":[\"x\",1,null]}",
    "{\"a\":[{\"prefix\":\"x\"}],\"b\":[{\"exists\":false}]}",
    "{\"$or\":[{\"a\":[{\"numeric\":[\">\",0]}]},{\"b\":{\"c\":[{\"cidr\":\"10.0.0.0/8\"}]}}]}",
    "{\"a\":[{\"anything-but\":[\"x\"]}]}",
};

static const char *const fixed_events[] = {
    "{}",
    "{\"a\":\"x\"}",
    "{\"a\":[1,\"xy\",null,true],\"b\":{\"c\":\"10.2.3.4\"}}",
    "{\"a\":[{\"a\":\"x\"}],\"b\":[[{\"c\":[\"::ffff:10.0.0.1\"]}]]}",
    "{\"source\":\"aws.ec2\",\"detail\":{\"state\":\"terminated\",\"n\":3}}",
};

static void check_error(const mm_error *err) {
  FUZZ_CHECK(err->code < 0 && err->msg[0] != '\0');
  if (err->code == MM_EINVAL || err->code == MM_ELIMIT || err->code == MM_ERANGE)
    FUZZ_CHECK(err->path[0] == '$' || err->line > 0);
}

/* A matcher holding the fixed patterns and p (which it takes over). */
static mm_events_matcher *matcher_with(mm_events_pattern *p) {
  mm_events_builder *b = mm_events_builder_new();
  FUZZ_CHECK(b != NULL);
  for (size_t i = 0; i < sizeof(fixed_patterns) / sizeof(*fixed_patterns); i++)
    FUZZ_CHECK(mm_events_builder_add_json(b, (mm_str){"f", 1}, fixed_patterns[i],
                                          strlen(fixed_patterns[i]), NULL) == MM_OK);
  FUZZ_CHECK(mm_events_builder_add(b, (mm_str){"fuzz", 4}, p, NULL) == MM_OK);
  mm_events_matcher *m = mm_events_compile(b, NULL);
  FUZZ_CHECK(m != NULL);
  mm_events_builder_free(b);
  return m;
}

/* The matcher's answer equals the direct evaluation of each pattern. */
static void agree(const mm_events_matcher *m, mm_events_ctx *c, const mm_json_value *event) {
  const uint32_t *idx;
  size_t n = mm_events_match(m, c, event, &idx), k = 0;
  for (size_t i = 0; i < mm_events_matcher_count(m); i++) {
    bool direct = mm_events_pattern_matches(mm_events_matcher_pattern(m, i), event);
    bool reported = k < n && idx[k] == i;
    k += reported;
    FUZZ_CHECK(direct == reported);
  }
  FUZZ_CHECK(k == n);
}

static void agree_text(const mm_events_matcher *m, mm_events_ctx *c, const char *t, size_t n) {
  mm_json_doc *d = mm_json_parse(t, n, NULL, NULL);
  if (d) agree(m, c, mm_json_doc_root(d));
  mm_json_doc_free(d);
}

/* Compile t as a pattern; when it compiles, hold it to the invariants on
 * the given event text (and the fixed events when all is true). */
static bool try_pattern(const char *t, size_t n, const char *ev, size_t evlen, bool all) {
  mm_error err;
  mm_error_clear(&err);
  mm_events_pattern *p = mm_events_pattern_parse(t, n, &err);
  if (!p) {
    check_error(&err);
    return false;
  }
  FUZZ_CHECK(mm_events_pattern_alternatives(p) >= 1);
  mm_events_matcher *m = matcher_with(p);
  mm_events_ctx *c = mm_events_ctx_new(m);
  FUZZ_CHECK(c != NULL);
  for (size_t i = 0; all && i < sizeof(fixed_events) / sizeof(*fixed_events); i++)
    agree_text(m, c, fixed_events[i], strlen(fixed_events[i]));
  agree_text(m, c, ev, evlen);
  int one = mm_events_test_pattern(t, n, ev, evlen, &err);
  if (one >= 0) {
    mm_json_doc *d = mm_json_parse(ev, evlen, NULL, NULL);
    FUZZ_CHECK(d != NULL);
    FUZZ_CHECK(one == (int)mm_events_pattern_matches(mm_events_matcher_pattern(m, 4),
                                                     mm_json_doc_root(d)));
    mm_json_doc_free(d);
  }
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *t = (const char *)data;
  try_pattern(t, size, t, size, true); /* 1: the input as pattern and as event */
  const char *nl = memchr(t, '\n', size);
  if (nl) { /* 2, 3: pattern line, event rest */
    size_t plen = (size_t)(nl - t);
    try_pattern(t, plen, nl + 1, size - plen - 1, false);
  }
  return 0;
}
