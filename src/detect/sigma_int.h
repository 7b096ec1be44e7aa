/*
 * sigma_int.h - what the files of the Sigma converter share: the YAML tree
 * (sigma_yaml.c), the detection's intermediate tree (built by sigma.c and
 * sigma_cond.c), and the value conversion (sigma_value.c).
 *
 * The conversion runs in four steps, all memory in one arena:
 *
 *   YAML text --libyaml events--> sg_node tree            sigma_yaml.c
 *   detection selections -------> sg_expr per selection   sigma.c
 *     (field|modifiers: values)   with EventBridge value   sigma_value.c
 *                                  matchers as JSON text
 *   condition string ------------> sg_expr over them       sigma_cond.c
 *   sg_expr ----------------------> "pattern" or
 *                                   "condition" JSON       sigma.c
 *
 * Sigma value syntax (Sigma specification, "Value modifiers" and "Wildcards"):
 *
 *   *  any run of characters        \*  a literal *     \\  a literal \
 *   ?  any one character            \?  a literal ?     \x  a literal \ and x
 *   modifiers after the field name: field|contains|all: [...]
 */
#ifndef MAMORI_DETECT_SIGMA_INT_H
#define MAMORI_DETECT_SIGMA_INT_H

#include "detect/sigma.h"
#include "mamori/arena.h"

/* ---- sigma_yaml.c: the YAML tree --------------------------------------- */

typedef enum sg_kind { SG_SCALAR, SG_SEQ, SG_MAP } sg_kind;

typedef struct sg_node {
  sg_kind kind;
  bool plain;            /* scalar: unquoted and untagged, so null/bool/int typed */
  const char *str;       /* scalar: bytes, NUL-terminated (arena) */
  size_t len;            /* scalar: bytes */
  struct sg_node *first; /* seq: items; map: key, value, key, value ... */
  struct sg_node *next;  /* next sibling */
  size_t n;              /* seq: items; map: pairs */
  uint32_t line, column; /* 1-based position in the YAML text */
} sg_node;

/* Parse one YAML document into a tree in a. NULL with err (MM_ESYNTAX with
 * line and column, MM_EINVAL for aliases or several documents, MM_ELIMIT,
 * MM_ENOMEM). */
sg_node *mm__sigma_yaml_parse(mm_arena *a, const char *text, size_t len, mm_error *err);
/* The value of key in a map, or NULL. */
sg_node *mm__sigma_map_get(const sg_node *map, const char *key);
/* Is the scalar a YAML null (plain "null", "Null", "NULL", "~" or empty)? */
bool mm__sigma_is_null(const sg_node *n);
/* Fill err with code and message at n's position; returns code. */
int mm__sigma_fail(mm_error *err, int code, const sg_node *n, const char *fmt, ...) MM_PRINTF(4, 5);

/* ---- the detection's tree ------------------------------------------------ */

typedef enum sg_op {
  SG_AND,      /* every kid (n >= 1) */
  SG_OR,       /* some kid (n >= 1) */
  SG_NOT,      /* kid[0] does not hold */
  SG_FIELD,    /* the field's values match one of the matchers */
  SG_SEARCH,   /* a leaf at or below the field (or anywhere: field "") matches */
  SG_FIELDREF, /* the field's value compares with the ref field's */
} sg_op;

typedef struct sg_expr {
  sg_op op;
  struct sg_expr **kids; /* AND, OR, NOT */
  size_t n;              /* kids */
  const char *field;     /* FIELD, SEARCH, FIELDREF: dotted path (arena) */
  const char *matchers;  /* FIELD, SEARCH: EventBridge value matchers as JSON
                            text, comma separated, no brackets (arena) */
  const char *ref;       /* FIELDREF: the other field */
  const char *refop;     /* FIELDREF: "equals", "contains", "startswith", "endswith" */
  uint32_t line, column; /* FIELD, SEARCH, FIELDREF: where the value stood */
} sg_expr;

/* Notes on approximations made while converting (carried into the rule's
 * "sigma.notes"), deduplicated. */
#define SG_MAX_NOTES 8
typedef struct sg_ctx {
  mm_arena *arena;
  mm_error *err;
  const char *notes[SG_MAX_NOTES]; /* static strings */
  size_t nnotes;
  const sg_node *at; /* the value being converted (positions leaves) */
} sg_ctx;

void mm__sigma_note(sg_ctx *c, const char *note);
sg_expr *mm__sigma_expr(sg_ctx *c, sg_op op, size_t nkids);

/* ---- sigma_value.c: one field and its values ---------------------------- */

/* The expression for `key: value` of a selection map: key is
 * "field|mod|mod" (field may be empty: a keyword search), value a scalar or
 * a list of scalars. NULL with c->err filled. */
sg_expr *mm__sigma_field_expr(sg_ctx *c, const sg_node *key, const sg_node *value);
/* The expression for a list of keywords (a selection that is a list of
 * scalars, or one scalar): a search of the whole record. */
sg_expr *mm__sigma_keywords_expr(sg_ctx *c, const sg_node *value);

/* ---- sigma_cond.c: the condition string ----------------------------------- */

/* A named selection of the detection. */
typedef struct sg_selection {
  const char *name; /* the key in detection (arena) */
  size_t len;
  sg_expr *expr;
} sg_selection;

/* An aggregation: `| count(distinct) by group > N`. */
typedef struct sg_agg {
  bool present;
  const char *distinct; /* count(field): the field, or NULL */
  const char *group_by; /* by field, or NULL */
  uint64_t count;       /* the threshold: fire when the count reaches it */
} sg_agg;

/* Parse the condition string held by node (a scalar) over the selections.
 * NULL with c->err (MM_ESYNTAX / MM_EINVAL with line and column). */
sg_expr *mm__sigma_condition(sg_ctx *c, const sg_node *node, const sg_selection *sel, size_t nsel,
                             sg_agg *agg);

#endif /* MAMORI_DETECT_SIGMA_INT_H */
