/*
 * detect/rules_int.h - what rules.c (loading), engine.c (running) and
 * findings.c (writing) share: the parsed rule, its condition tree, its
 * threshold, and the finding store's interface.
 *
 * A rule's condition is a tree of nodes in one array (node 0 is the root):
 *
 *   op      meaning                     fields used
 *   ------  --------------------------  -----------------------------------
 *   LEAF    one EventBridge pattern     leaf: the rule's leaf number
 *   ALL     every child is true         first, n: children in kids[]
 *   ANY     some child is true          first, n
 *   NOT     the one child is false      first (n = 1)
 *   FUNC    "search" / "fieldref"       leaf: index into funcs[] (condition.c
 *                                       evaluates it on the record: what an
 *                                       EventBridge pattern cannot say)
 *
 * A rule's leaves are numbered 0..nleaves-1 within the rule; the engine
 * numbers them globally (leaf_base + leaf) and gives all of them to one
 * mm_events matcher.
 */
#ifndef MM_DETECT_RULES_INT_H
#define MM_DETECT_RULES_INT_H

#include "detect/hit.h"
#include "detect/limits.h"
#include "mamori/arena.h"
#include "mamori/detect.h"
#include "mamori/events.h"
#include "mamori/hash.h"

typedef enum mm__rule_op {
  MM__RULE_LEAF,
  MM__RULE_ALL,
  MM__RULE_ANY,
  MM__RULE_NOT,
  MM__RULE_FUNC /* a "search" or "fieldref" leaf (sigma.h), evaluated on the record */
} mm__rule_op;

typedef struct mm__rule_node {
  uint8_t op;     /* mm__rule_op */
  uint32_t first; /* ALL/ANY/NOT: index of the first child in kids[] */
  uint32_t n;     /* children */
  uint32_t leaf;  /* LEAF: the rule's leaf number */
} mm__rule_node;

/* A dotted path into a record ("userIdentity.sessionContext.sessionIssuer.arn"). */
typedef struct mm__rule_path {
  mm_str seg[8]; /* segments (arena) */
  uint32_t n;    /* segments used */
  const char *text;
} mm__rule_path;

typedef struct mm__rule_threshold {
  uint32_t count;                                 /* events (or distinct values) to fire */
  uint32_t window_sec;                            /* all within this many seconds */
  uint32_t ngroup;                                /* group_by paths */
  mm__rule_path group_by[MM_DETECT_MAX_GROUP_BY]; /* the grouping key */
  bool distinct;                                  /* count distinct values of `field` */
  mm__rule_path field;                            /* the distinct field */
} mm__rule_threshold;

/* Threat-list kinds a rule may ask for (intel.h's mm__intel_kind). */
typedef struct mm__rule_intel {
  mm__rule_path ip; /* the field holding the address ("sourceIPAddress") */
  unsigned kinds;   /* bit (1 << mm__intel_kind) per accepted kind */
  int custom;       /* -1 any list, 0 shipped lists only, 1 user lists only */
} mm__rule_intel;

/* Built-in stateful checks a rule may add to its pattern (engine.c). */
typedef enum mm__rule_check {
  MM__CHECK_NONE = 0,
  MM__CHECK_INSTANCE_CREDS_OUTSIDE, /* "instance-credentials-outside-aws" */
  MM__CHECK_INSTANCE_CREDS_INSIDE,  /* "instance-credentials-inside-aws" */
  MM__CHECK_CROSS_PRINCIPAL,        /* "other-principal": request names another user */
  MM__CHECK_ANONYMOUS_POLICY,       /* "anonymous-policy-statement": Allow to "*", no Condition */
} mm__rule_check;

typedef struct mm__rule {
  const char *id, *type, *title, *description, *author, *origin; /* arena */
  double severity;                                               /* 1.0-8.9 */
  mm_detect_format source;                                       /* CLOUDTRAIL, FLOW, DNS */
  mm__detect_resource resource;                                  /* what findings are about */
  mm__rule_node *nodes; /* condition tree, nodes[0] the root (arena) */
  uint32_t nnodes;
  uint32_t *kids;                 /* child node indexes (arena) */
  uint32_t nleaves;               /* leaf patterns */
  mm_events_pattern **leaves;     /* nleaves; owned until the engine compiles them */
  struct mm__detect_cond **funcs; /* FUNC leaves (owned; condition.c) */
  uint32_t nfuncs;
  uint32_t leaf_base; /* engine: global number of leaf 0 */
  bool has_threshold;
  mm__rule_threshold threshold;
  bool has_intel;
  mm__rule_intel intel;
  mm__rule_check check;
  mm__rule_path other_field; /* CROSS_PRINCIPAL: request field naming a user */
  bool always;               /* condition true with no leaf matched: run on every record */
} mm__rule;

struct mm_detect_rules {
  mm_arena arena; /* strings, nodes, paths */
  mm__rule *v;    /* rules (heap) */
  size_t n, cap;
  mm_map ids; /* id -> rule index + 1 */
};

/* Resolve a dotted path in a record; NULL when absent. */
const mm_json_value *mm__rule_path_get(const mm__rule_path *p, const mm_json_value *rec);
/* Evaluate rule r's condition given which of its pattern leaves matched
 * (hit[leaf]) and the record (for FUNC leaves; NULL: FUNC leaves count as
 * true, which is how loading decides whether a rule must run on every
 * record). */
bool mm__rule_eval(const mm__rule *r, const uint8_t *hit, const mm_json_value *rec);
const char *mm__rule_resource_name(mm__detect_resource r);

/* ---- findings.c: the finding store ------------------------------------------ */

typedef struct mm__findings mm__findings;

mm__findings *mm__findings_new(const char *detector_id, mm_detect_finding_fn fn, void *ud);
void mm__findings_free(mm__findings *fs);
/* Aggregate one hit: a new finding or a repeat of one. title, description
 * and author (each may be NULL) describe the rule; the author is shown with
 * every finding (the Detection Rule License asks it of Sigma rules). */
void mm__findings_add(mm__findings *fs, const mm__detect_hit *hit, const char *title,
                      const char *description, const char *author);
/* The account and region of the last flow or DNS record, for hits that
 * come without a record (net.c reports windows at flush). Copied. */
void mm__findings_context(mm__findings *fs, mm_str account, mm_str region);
size_t mm__findings_count(const mm__findings *fs);
const mm_detect_finding *mm__findings_at(const mm__findings *fs, size_t i);

#endif /* MM_DETECT_RULES_INT_H */
