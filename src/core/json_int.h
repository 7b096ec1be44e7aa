/*
 * json_int.h - what the files of the json module share: the node layout of
 * a parsed tree, the document, and a few helpers.
 *
 * The tree is an array of 16-byte nodes in document (pre-)order, like
 * yyjson's: a container is followed by its whole subtree, so a parse writes
 * nodes strictly left to right and the next sibling of a node lies `span`
 * nodes further on. No node holds a pointer to another node, so the array
 * may be moved (realloc) while it is being built.
 *
 *   node         tag (64 bits)                       uni (64 bits)
 *   ----------   ---------------------------------   ------------------------------
 *   null         type                                -
 *   bool         type | MM__JSON_TRUE?               -
 *   string, key  type | len << 8                     str: NUL-terminated bytes
 *   number       type | INT? UINT? HUGE? | rawlen<<8 str: raw text (not terminated)
 *     + 2nd node 0 (never visited)                   i (INT) / u (UINT) / d (else)
 *   array        type | count << 8                   size: span in nodes, itself included
 *   object       type | INDEXED? | members << 8      size, or idx when INDEXED
 *
 * An object's members are its key node followed by the value's subtree.
 * While a container is open (during the parse), uni.size holds the index of
 * the enclosing container (MM__JSON_NO_PARENT at the root) instead.
 *
 * Strings and raw numbers point into the document's private, padded copy of
 * the input, in which strings were unescaped in place (unescaping only ever
 * shrinks text) and NUL-terminated where their closing quote was.
 */
#ifndef MAMORI_JSON_INT_H
#define MAMORI_JSON_INT_H

#include "mamori/json.h"

/* tag bits */
#define MM__JSON_TYPE_MASK 0x7u
#define MM__JSON_TRUE      0x08u /* bool: true */
#define MM__JSON_INT       0x08u /* number: 2nd node holds an exact int64 */
#define MM__JSON_UINT      0x10u /* number: 2nd node holds an exact uint64 > INT64_MAX */
#define MM__JSON_HUGE      0x20u /* number: beyond double's range; d is +-HUGE_VAL */
#define MM__JSON_INDEXED   0x40u /* object: uni.idx is a hash index */
#define MM__JSON_LEN_SHIFT 8
#define MM__JSON_NO_PARENT UINT64_MAX

/* Bytes of zeros after the input copy: the parser reads ahead (16-byte
 * loads, 4-byte literal compares) without bounds checks, and the first zero
 * stops every scan, because NUL is valid nowhere outside a string and is a
 * control character (an error) inside one. */
#define MM__JSON_PAD 64

/* Hash index of a large object, built once at parse time (immutable). */
typedef struct mm__json_index {
  uint64_t span;    /* the object's span in nodes (uni.size's stand-in) */
  uint64_t seed;    /* mm_hash seed, per document */
  uint32_t mask;    /* slot count - 1 (a power of two minus one) */
  uint32_t slots[]; /* offset of a key node from the object node; 0 = empty */
} mm__json_index;

struct mm_json_value {
  uint64_t tag; /* type, flags, length or count: see the table above */
  union {
    const char *str;           /* string bytes, number raw text */
    uint64_t size;             /* container span (or parent while open) */
    const mm__json_index *idx; /* INDEXED object */
    int64_t i;                 /* number 2nd node: INT */
    uint64_t u;                /* number 2nd node: UINT */
    double d;                  /* number 2nd node: otherwise */
  } uni;
};

struct mm_json_doc {
  mm_arena arena;            /* hash indexes; reset at each parse */
  char *buf;                 /* padded copy of the last input; mm_malloc'd */
  size_t buf_cap;            /* bytes allocated at buf */
  mm_json_value *vals;       /* node array; mm_malloc'd, grown by mm_realloc */
  size_t vals_cap;           /* nodes allocated at vals */
  const mm_json_value *root; /* vals[0] after a successful parse, else NULL */
};

static inline unsigned mm__json_type(const mm_json_value *v) {
  return (unsigned)(v->tag & MM__JSON_TYPE_MASK);
}
static inline size_t mm__json_len(const mm_json_value *v) {
  return (size_t)(v->tag >> MM__JSON_LEN_SHIFT);
}
/* Nodes taken by v and its subtree: the distance to its next sibling. */
static inline size_t mm__json_span(const mm_json_value *v) {
  unsigned t = mm__json_type(v);
  if (t >= MM_JSON_ARRAY)
    return (size_t)((v->tag & MM__JSON_INDEXED) ? v->uni.idx->span : v->uni.size);
  return t == MM_JSON_NUMBER ? 2 : 1;
}

/* The parser's state, shared with json_object.c. */
typedef struct mm__json_parser {
  const char *text;    /* the caller's input, for error positions */
  size_t len;          /* its length */
  uint8_t *buf;        /* padded private copy; strings unescaped in place */
  mm_json_value *vals; /* node array */
  size_t cap;          /* nodes allocated */
  mm_json_doc *doc;    /* owner of vals (realloc), or NULL: arena mode */
  mm_arena *arena;     /* hash indexes; in arena mode also vals */
  size_t max_depth;    /* open containers allowed */
  unsigned flags;      /* MM_JSON_REJECT_* */
  uint64_t seed;       /* hash seed of this document's indexes */
  mm_error *err;       /* caller's, may be NULL */
  int code;            /* status of the first failure (err may be NULL) */
} mm__json_parser;

/* The object obj (its span and member count already set) just closed:
 * build its hash index when it has MM_JSON_INDEX_MIN members or more, and
 * look for duplicate names with MM_JSON_REJECT_DUPLICATES. MM_OK, or the
 * error (filled, p->code set). */
int mm__json_finish_object(mm__json_parser *p, mm_json_value *obj);

/* The "C" locale, created once (pthread_once); NULL only if the C library
 * cannot create it, in which case callers fall back to the global locale. */
void *mm__json_c_locale(void);
/* strtod in the "C" locale on s, which must be NUL-terminated after the
 * number. */
double mm__json_strtod(const char *s);

#endif /* MAMORI_JSON_INT_H */
