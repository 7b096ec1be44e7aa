/*
 * mamori/events.h - Amazon EventBridge event patterns: parsing and
 * validation, single-pattern evaluation, and a compiled matcher that tests
 * an event against many patterns at once.
 *
 * The pattern language is EventBridge's, as the Amazon EventBridge User
 * Guide documents it ("Event patterns", "Content filtering in event
 * patterns", "Comparison operators", "Matching values in arrays"):
 *
 *   exact values      "state": ["running", 300, true, null]   (numbers by value)
 *   prefix / suffix   {"prefix": "us-"}, {"suffix": {"equals-ignore-case": ".PNG"}}
 *   equals-ignore-case{"equals-ignore-case": "alice"}
 *   wildcard          {"wildcard": "*.png"}
 *   anything-but      {"anything-but": "x" | 1 | ["a","b"] | [1,2] |
 *                      {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": ...}}
 *   numeric           {"numeric": [">", 0, "<=", 5]}, {"numeric": ["=", 3]}
 *   cidr              {"cidr": "10.0.0.0/24"}, {"cidr": "2001:db8::/32"}
 *   exists            {"exists": true | false}
 *   $or               "$or": [ {...}, {...} ]
 *
 * A pattern's fields are ANDed; the values listed for one field are ORed.
 * Array semantics: an event field whose value is an array (of values, of
 * arrays, of objects) contributes every leaf value under it to its path, and
 * a pattern field matches when any of those values matches (the User Guide's
 * "the intersection of the event pattern array and the event array is
 * non-empty"). Each field of a pattern is matched on its own: two fields need
 * not be satisfied inside the same element of an array of objects (Event
 * Ruler's rulesForEvent behaviour, not rulesForJSONEvent's). docs/events.md
 * has every operator with an example, the errors and the limits.
 *
 * Threads: a parsed pattern and a compiled matcher are immutable and may be
 * used from any number of threads at once; each thread matching with a
 * matcher needs its own mm_events_ctx (scratch state, reused across events).
 */
#ifndef MAMORI_EVENTS_H
#define MAMORI_EVENTS_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/json.h"
#include "mamori/str.h"

/* ---- one pattern ------------------------------------------------------- */

/* A validated pattern, with its `$or` alternatives expanded. Immutable. */
typedef struct mm_events_pattern mm_events_pattern;

/* Parse and validate pattern text. NULL with err filled on failure: the
 * JSON's own errors (MM_ESYNTAX with line and column), or MM_EINVAL /
 * MM_ELIMIT with err->path naming the offending part of the pattern
 * ("$.detail.state[0].numeric") and err->msg saying what is wrong. */
MM_API mm_events_pattern *mm_events_pattern_parse(const char *json, size_t len, mm_error *err);
/* The same from a parsed JSON value (which may be freed afterwards). */
MM_API mm_events_pattern *mm_events_pattern_from_value(const mm_json_value *pattern, mm_error *err);
MM_API void mm_events_pattern_free(mm_events_pattern *p);
/* Alternatives the pattern expands to (1 without `$or`). */
MM_API size_t mm_events_pattern_alternatives(const mm_events_pattern *p);
/* Does event match p? Evaluates the pattern directly against the event's
 * tree: the reference the compiled matcher is tested against. */
MM_API bool mm_events_pattern_matches(const mm_events_pattern *p, const mm_json_value *event);

/* One-shot, as TestEventPattern: 1 match, 0 no match, or a negative
 * mm_status with err filled. A pattern error's err->path starts with "$"; an
 * event error's err->path is "event" (and err->line/column locate it). */
MM_API int mm_events_test_pattern(const char *pattern, size_t pattern_len, const char *event,
                                  size_t event_len, mm_error *err);

/* ---- many patterns ------------------------------------------------------ */

typedef struct mm_events_builder mm_events_builder;
/* A compiled set of patterns. Immutable; share it between threads. */
typedef struct mm_events_matcher mm_events_matcher;
/* Per-thread scratch state for matching; reuse it for every event. */
typedef struct mm_events_ctx mm_events_ctx;

MM_API mm_events_builder *mm_events_builder_new(void);
MM_API void mm_events_builder_free(mm_events_builder *b);
/* Add pattern p under id (copied). b takes p over, also when adding fails
 * (p is then freed). Ids need not be unique: matches are reported by index.
 * MM_OK, MM_EINVAL (p NULL), MM_ELIMIT (MM_EVENTS_MAX_PATTERNS) or MM_ENOMEM. */
MM_API int mm_events_builder_add(mm_events_builder *b, mm_str id, mm_events_pattern *p,
                                 mm_error *err);
/* Parse pattern text and add it; errors as mm_events_pattern_parse. */
MM_API int mm_events_builder_add_json(mm_events_builder *b, mm_str id, const char *json, size_t len,
                                      mm_error *err);
/* Patterns added so far. */
MM_API size_t mm_events_builder_count(const mm_events_builder *b);

/* Compile what b holds into a matcher, which takes the patterns over: b is
 * left empty (add more and compile again, or free it). NULL with err
 * (MM_ENOMEM) on failure; b then keeps its patterns. */
MM_API mm_events_matcher *mm_events_compile(mm_events_builder *b, mm_error *err);
MM_API void mm_events_matcher_free(mm_events_matcher *m);
/* Patterns in m, and the id of pattern index i (in the order added). */
MM_API size_t mm_events_matcher_count(const mm_events_matcher *m);
MM_API mm_str mm_events_matcher_id(const mm_events_matcher *m, size_t index);
/* Pattern index i of m (owned by m), or NULL. */
MM_API const mm_events_pattern *mm_events_matcher_pattern(const mm_events_matcher *m, size_t index);

/* Scratch state for m; NULL when memory runs out. One per thread. */
MM_API mm_events_ctx *mm_events_ctx_new(const mm_events_matcher *m);
MM_API void mm_events_ctx_free(mm_events_ctx *ctx);

/* Match event against every pattern of m. Returns how many patterns
 * matched; *indexes (may be NULL) receives their indexes in ascending
 * order, valid until the next call with ctx. Never allocates; never fails.
 * ctx must have been made for m. */
MM_API size_t mm_events_match(const mm_events_matcher *m, mm_events_ctx *ctx,
                              const mm_json_value *event, const uint32_t **indexes);

#endif /* MAMORI_EVENTS_H */
