/*
 * events_int.h - what the files of src/events/ share: the parsed form of a
 * pattern, the operator table and the leaf values events are matched on.
 *
 * Grammar (Amazon EventBridge User Guide, "Event patterns", "Content
 * filtering in event patterns", "Comparison operators"):
 *
 *   pattern   := object                     (non-empty)
 *   object    := { member, ... }            (non-empty; members ANDed)
 *   member    := key : object               nested field
 *              | key : [ value, ... ]       leaf field; values ORed; 1..MAX_VALUES
 *              | "$or" : [ object, object, ... ]   two or more alternatives
 *   value     := string | number | true | false | null      exact match
 *              | { operator : operand }     exactly one key
 *
 *   operator            operand
 *   prefix, suffix      string | { "equals-ignore-case": string }
 *   equals-ignore-case  string
 *   wildcard            string ('*' only, '\*' '\\' escapes, no "**")
 *   anything-but        string | number | [string, ...] | [number, ...]
 *                       | { prefix | suffix: string (non-empty) }
 *                       | { equals-ignore-case | wildcard: string | [string, ...] }
 *   numeric             [ "=", n ] | [ ">"|">=", n ] | [ "<"|"<=", n ]
 *                       | [ ">"|">=", lo, "<"|"<=", hi ]   lo < hi; |n| <= 1e9
 *   cidr                "address/length", IPv4 or IPv6
 *   exists              true | false
 *
 * A parsed pattern is a list of alternatives (its `$or`s multiplied out);
 * an alternative is a list of fields (all must be satisfied); a field is a
 * path from the event's root and a list of conditions (any may match a leaf
 * value at that path). All of it lives in the pattern's arena.
 */
#ifndef MAMORI_EVENTS_INT_H
#define MAMORI_EVENTS_INT_H

#include "mamori/arena.h"
#include "mamori/events.h"
#include "mamori/glob.h"
#include "mamori/ip.h"

#include "events/limits.h"

/* ---- leaf values ------------------------------------------------------- */

/* The kinds of leaf value an event holds (and an exact pattern value). */
enum {
  MM__EV_NULL = 1,
  MM__EV_FALSE = 2,
  MM__EV_TRUE = 3,
  MM__EV_NUMBER = 4,
  MM__EV_STRING = 5,
};

/* One leaf value of an event, decoded once. */
typedef struct mm__events_leaf {
  uint8_t kind; /* MM__EV_* */
  mm_str str;   /* kind STRING: the unescaped bytes */
  double num;   /* kind NUMBER: the value (+-HUGE_VAL beyond double's range) */
} mm__events_leaf;

/* Decode v (a scalar) as a leaf; false for arrays, objects and NULL. */
bool mm__events_leaf_of(const mm_json_value *v, mm__events_leaf *out);
/* The hash key of a number: its double's bits, with -0 folded into 0, so
 * that 300, 300.0 and 3e2 share one key. */
uint64_t mm__events_number_key(double d);

/* ---- conditions and the operator table --------------------------------- */

/* How the compiled matcher indexes an operator's conditions (matcher.c). */
enum {
  MM__EV_IDX_EXACT = 1,  /* hash of the value */
  MM__EV_IDX_NOCASE = 2, /* ASCII case-folded hash of the string */
  MM__EV_IDX_PREFIX = 3, /* hash of the value's head, one probe per distinct length */
  MM__EV_IDX_SUFFIX = 4, /* the same on the value's tail */
  MM__EV_IDX_CIDR = 5,   /* prefix set lookup */
  MM__EV_IDX_EXISTS = 6, /* any leaf (true) or no leaf (false) */
  MM__EV_IDX_SCAN = 7,   /* op->match on every leaf: numeric, wildcard, anything-but */
};

/* anything-but's forms (mm__events_cond.kind). */
enum {
  MM__EV_NOT_STRINGS = 1, /* strs[0..n) */
  MM__EV_NOT_NUMBERS = 2, /* nums[0..n) */
  MM__EV_NOT_PREFIX = 3,  /* strs[0] */
  MM__EV_NOT_SUFFIX = 4,  /* strs[0] */
  MM__EV_NOT_NOCASE = 5,  /* strs[0..n), equals-ignore-case */
  MM__EV_NOT_WILDCARD = 6 /* globs[0..n) */
};

/* numeric bounds present (mm__events_cond.range). */
enum {
  MM__EV_LO = 1u << 0,      /* lo is a bound */
  MM__EV_LO_INCL = 1u << 1, /* ">=" rather than ">" */
  MM__EV_HI = 1u << 2,      /* hi is a bound */
  MM__EV_HI_INCL = 1u << 3, /* "<=" rather than "<" */
};

typedef struct mm__events_op mm__events_op;

/* One value listed for a field: an exact value or an operator. */
typedef struct mm__events_cond {
  const mm__events_op *op;     /* its row in the operator table */
  uint8_t kind;                /* exact: MM__EV_* of the value; anything-but: MM__EV_NOT_* */
  uint8_t range;               /* numeric: MM__EV_LO... */
  bool flag;                   /* prefix/suffix: ignore case; exists: true or false */
  mm_str str;                  /* exact string, prefix, suffix, equals-ignore-case */
  double num;                  /* exact number */
  double lo, hi;               /* numeric bounds, as range says */
  mm_cidr cidr;                /* cidr */
  const mm_glob *glob;         /* wildcard (in the pattern's arena) */
  const mm_str *strs;          /* anything-but strings */
  const double *nums;          /* anything-but numbers */
  const mm_glob *const *globs; /* anything-but wildcards */
  size_t n;                    /* entries in strs, nums or globs */
} mm__events_cond;

typedef struct mm__events_parser mm__events_parser;

/* A row of the operator table (STYLE.md 10): adding an operator is a parse
 * and a match function and one row in operators.c. */
struct mm__events_op {
  const char *name; /* key of the operator object; "" for exact values */
  const char *page; /* User Guide section it follows */
  int (*parse)(mm__events_parser *p, const mm_json_value *operand, mm__events_cond *out);
  bool (*match)(const mm__events_cond *c, const mm__events_leaf *leaf);
  uint8_t index; /* MM__EV_IDX_*: how matcher.c indexes it */
};

/* The row for exact values, and the row named name (NULL when unknown). */
const mm__events_op *mm__events_op_exact(void);
const mm__events_op *mm__events_op_find(mm_str name);
/* Does leaf satisfy c? (exists:false is never satisfied by a leaf.) */
static inline bool mm__events_cond_match(const mm__events_cond *c, const mm__events_leaf *leaf) {
  return c->op->match(c, leaf);
}

/* ---- parsing ----------------------------------------------------------- */

/* Validation state: where in the pattern we are, for error paths. */
struct mm__events_parser {
  mm_arena *arena;                      /* the pattern's; everything parsed lives here */
  mm_error *err;                        /* may be NULL */
  char path[512];                       /* JSON path of the value being parsed ("$.a[0]") */
  size_t path_len;                      /* bytes used in path */
  size_t depth;                         /* objects entered */
  size_t nsegs;                         /* field names entered (depth minus `$or` levels) */
  mm_str segs[MM_EVENTS_MAX_DEPTH + 1]; /* field names from the root (arena copies) */
};

/* Fill p->err with code, the message and the current path; returns code. */
int mm__events_fail(mm__events_parser *p, int code, const char *fmt, ...) MM_PRINTF(3, 4);
/* Copy s into the pattern's arena (*out); MM_OK or MM_ENOMEM (reported). */
int mm__events_dup(mm__events_parser *p, mm_str s, mm_str *out);
/* Append ".key" (or ["key"]) / "[i]" to the path; returns the old length
 * for mm__events_path_pop. */
size_t mm__events_path_key(mm__events_parser *p, mm_str key);
size_t mm__events_path_index(mm__events_parser *p, size_t i);
static inline void mm__events_path_pop(mm__events_parser *p, size_t len) {
  p->path_len = len;
  p->path[len] = '\0';
}

/* ---- parsed patterns --------------------------------------------------- */

typedef struct mm__events_field {
  const mm_str *path;           /* field names from the event's root */
  uint32_t depth;               /* names in path (>= 1) */
  uint32_t nconds;              /* conditions, ORed */
  const mm__events_cond *conds; /* nconds of them */
  bool absent_ok;               /* lists {"exists": false}: no leaf satisfies it */
} mm__events_field;

typedef struct mm__events_alt {
  uint32_t nfields;                      /* fields, ANDed (>= 1) */
  const mm__events_field *const *fields; /* nfields of them */
} mm__events_alt;

struct mm_events_pattern {
  mm_arena arena;             /* owns everything below */
  uint32_t nalts;             /* alternatives (>= 1) */
  const mm__events_alt *alts; /* nalts of them */
};

/* Leaf values at field f's path in event, collected by walk_leaves. */
typedef bool (*mm__events_leaf_fn)(void *ctx, const mm__events_leaf *leaf);
/* Call fn on each leaf at path[0..depth) under v (arrays expanded at any
 * level). Stops and returns true when fn does. */
bool mm__events_walk_path(const mm_json_value *v, const mm_str *path, uint32_t depth,
                          mm__events_leaf_fn fn, void *ctx);

/* Is field f satisfied by event (an object, or NULL for "no fields")? Some
 * leaf at its path matches one of its conditions, or it lists
 * {"exists": false} and no leaf lies there. */
bool mm__events_field_matches(const mm__events_field *f, const mm_json_value *event);

#endif /* MAMORI_EVENTS_INT_H */
