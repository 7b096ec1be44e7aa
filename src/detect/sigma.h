/*
 * sigma.h - Sigma rules (YAML) converted to mamori detection rules (JSON),
 * and the evaluator of a rule's condition tree.
 *
 * A mamori detection rule (docs/sigma.md, docs/detect.md) is a JSON object:
 *
 *   id, type, severity, title, description, author, references, source,
 *   resource                        carried to every finding
 *   pattern    P                    an EventBridge event pattern (events.h), or
 *   condition  C                    a boolean tree whose leaves are patterns:
 *   threshold  {count, window_sec, group_by, distinct}   optional
 *   sigma      {level, status, tags, falsepositives, notes ...}   provenance
 *
 *   C := {"pattern": P}                          P matches the record
 *      | {"allOf": [C, ...]}                     every C holds (at least one)
 *      | {"anyOf": [C, ...]}                     some C holds (at least one)
 *      | {"not": C}                              C does not hold
 *      | {"search": {"field": F, "match": V}}    some leaf value at or below
 *                                                field F (dotted path; "" = the
 *                                                whole record), through objects
 *                                                and arrays, matches one of the
 *                                                EventBridge value matchers V
 *                                                (the array a pattern field
 *                                                holds: ["x", {"wildcard":..}])
 *      | {"fieldref": {"field": F, "ref": G,     some value at F equals (or
 *                      "op": OP}}                contains, starts or ends with,
 *                                                OP) some value at G, ASCII
 *                                                case-insensitively
 *
 * "search" and "fieldref" express what an EventBridge pattern cannot: a
 * Sigma `contains` on a field that holds an object (requestParameters), a
 * keyword search, a `fieldref` comparison of two fields. The converter uses
 * them only there; everything else compiles to patterns, as large as
 * possible, so that the engine's one matcher does the work.
 */
#ifndef MAMORI_DETECT_SIGMA_H
#define MAMORI_DETECT_SIGMA_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/json.h"
#include "mamori/str.h"

/* ---- limits (STYLE.md 6): each overridable at build time ------------------ */

/* Bytes of one Sigma rule: 256 KiB. The largest SigmaHQ rule is ~30 KB
 * (long keyword lists); the cap bounds what libyaml and the tree hold. */
#ifndef MM_SIGMA_MAX_YAML
#define MM_SIGMA_MAX_YAML ((size_t)256 << 10)
#endif
/* YAML nodes (scalars, lists, maps) of one rule: 20,000; a real rule has a
 * few hundred. Bounds the tree whatever the input's shape. */
#ifndef MM_SIGMA_MAX_NODES
#define MM_SIGMA_MAX_NODES 20000
#endif
/* Nesting of YAML lists and maps: 32. A rule nests 4 deep (detection >
 * selection > field > values); libyaml itself has no limit. */
#ifndef MM_SIGMA_MAX_DEPTH
#define MM_SIGMA_MAX_DEPTH 32
#endif
/* Bytes of the condition string: 4096, and nesting of parentheses and
 * `not` in it: 64. The condition parser recurses once per level. */
#ifndef MM_SIGMA_MAX_COND
#define MM_SIGMA_MAX_COND 4096
#endif
#ifndef MM_SIGMA_MAX_COND_DEPTH
#define MM_SIGMA_MAX_COND_DEPTH 64
#endif
/* Bytes of the rule JSON written: 1 MiB. A condition may name one selection
 * many times ("a and a and ..."); this bounds the copies. */
#ifndef MM_SIGMA_MAX_RULE_JSON
#define MM_SIGMA_MAX_RULE_JSON ((size_t)1 << 20)
#endif
/* Nesting of a condition tree read back from JSON: 64 (the evaluator
 * recurses once per level). */
#ifndef MM_DETECT_COND_MAX_DEPTH
#define MM_DETECT_COND_MAX_DEPTH 64
#endif
/* Values at one path that a fieldref compares: 1024 on each side (a
 * CloudTrail field holds one; arrays of thousands are not compared). */
#ifndef MM_DETECT_FIELDREF_MAX_VALUES
#define MM_DETECT_FIELDREF_MAX_VALUES 1024
#endif

/* ---- conversion (sigma.c, sigma_cond.c, sigma_value.c) ------------------ */

/* Convert one Sigma rule (YAML text) into one mamori rule JSON object,
 * appended to rule_json. MM_OK; or MM_ESYNTAX (YAML or condition syntax,
 * with line and column), MM_EINVAL (valid YAML that is not a supported
 * Sigma rule: err->msg names the construct, err->line/column locate it),
 * MM_ELIMIT, MM_ENOMEM. rule_json is left as it was on failure. */
int mm__detect_sigma_to_rule(const char *yaml, size_t len, mm_buf *rule_json, mm_error *err);

/* ---- evaluation (condition.c) -------------------------------------------- */

typedef struct mm__detect_cond mm__detect_cond;

/* Compile the matching part of a rule object (its "pattern" or its
 * "condition") into an immutable tree. NULL with err (MM_EINVAL with a
 * JSON path such as "$.condition.allOf[1].not", MM_ELIMIT, MM_ENOMEM). */
mm__detect_cond *mm__detect_cond_compile(const mm_json_value *rule, mm_error *err);
/* Compile a condition tree C (the value of "condition"). */
mm__detect_cond *mm__detect_cond_compile_tree(const mm_json_value *cond, mm_error *err);
void mm__detect_cond_free(mm__detect_cond *c);
/* Does the record match? Thread-safe on a shared tree. "search" leaves
 * allocate scratch memory; when that fails they do not match. */
bool mm__detect_cond_eval(const mm__detect_cond *c, const mm_json_value *event);

/* One-shot reference: compile rule, evaluate event, free. false when the
 * rule does not compile. */
bool mm__detect_condition_matches(const mm_json_value *rule, const mm_json_value *event);

#endif /* MAMORI_DETECT_SIGMA_H */
