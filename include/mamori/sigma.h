/*
 * mamori/sigma.h - Sigma rules (https://github.com/SigmaHQ/sigma-specification)
 * converted to mamori detection rules.
 *
 * A Sigma rule over AWS CloudTrail (logsource product: aws, service:
 * cloudtrail) becomes one detection rule: a JSON object holding an
 * EventBridge event pattern (mamori/events.h) or a boolean tree of them,
 * an optional threshold, and the rule's title, id, author, references and
 * level (as a GuardDuty-style severity). docs/sigma.md lists the supported
 * syntax (selections, lists, modifiers, wildcards, conditions, count
 * aggregations), how case-insensitive matching is kept, what is rejected
 * and why, and the licence duty: SigmaHQ rules are under the Detection Rule
 * License, which asks that the rule's author be shown wherever the rule or
 * a match of it is shown; the converted rule keeps "author" for that.
 */
#ifndef MAMORI_SIGMA_H
#define MAMORI_SIGMA_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/str.h"

/* Convert one Sigma rule (YAML text of len bytes) and append the rule JSON
 * (one object, compact) to rule_json. Returns MM_OK; or MM_ESYNTAX (bad
 * YAML or condition syntax), MM_EINVAL (a construct mamori cannot convert
 * faithfully, named in err->msg), MM_ELIMIT, MM_ENOMEM, with err's line
 * and column locating the problem in the YAML. rule_json is unchanged on
 * failure. Thread-safe; no global state. */
MM_API int mm_sigma_to_rule(const char *yaml, size_t len, mm_buf *rule_json, mm_error *err);

#endif /* MAMORI_SIGMA_H */
