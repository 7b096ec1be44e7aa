/*
 * matcher_int.h - the compiled matcher's layout, shared by matcher.c
 * (building it) and match.c (running it). The design is described at the
 * top of matcher.c and in docs/events.md.
 */
#ifndef MAMORI_EVENTS_MATCHER_INT_H
#define MAMORI_EVENTS_MATCHER_INT_H

#include "events/events_int.h"

#include "mamori/hash.h"

#include <string.h>

/* ---- compiled structures -------------------------------------------------- */

/* A growable list of requirement ids (arena memory). */
typedef struct mm__events_ids {
  uint32_t n;   /* ids used */
  uint32_t cap; /* ids allocated */
  uint32_t *v;  /* the ids */
} mm__events_ids;

typedef struct mm__events_scan {
  const mm__events_cond *cond; /* run on every leaf at the path */
  uint32_t req;                /* requirement it satisfies */
} mm__events_scan;

/* One distinct prefix (or suffix) of a field. */
typedef struct mm__events_affix_entry {
  mm_str s;            /* the affix (pattern memory) */
  uint32_t req;        /* while building: one requirement naming it */
  uint32_t parent;     /* longest other entry that is an affix of s, or MM__EV_NONE */
  mm__events_ids *own; /* requirements naming exactly s */
  mm__events_ids *all; /* own plus those of every entry that is an affix of s */
} mm__events_affix_entry;

#define MM__EV_NONE UINT32_MAX

/* The prefixes or suffixes of one field in one case mode, sorted (suffixes
 * compared from their last byte) so that the longest one a value starts
 * (ends) with is found by one binary search and a short walk up parents:
 * the largest entry <= the value begins with every entry that is an affix
 * of the value. */
typedef struct mm__events_affix {
  mm__events_affix_entry *v; /* n entries, heap */
  uint32_t n, cap;           /* used, allocated */
  bool tail;                 /* suffixes */
  bool nocase;               /* equals-ignore-case */
} mm__events_affix;

typedef struct mm__events_cidr {
  mm_cidr block;       /* as written (host bits cleared) */
  mm__events_ids *own; /* requirements naming exactly this block */
  mm__events_ids *all; /* own plus those of every block containing it */
} mm__events_cidr;

/* Everything that tests leaf values at one path. */
typedef struct mm__events_slot {
  mm_map exact;               /* string -> mm__events_ids* */
  mm_map numbers;             /* 8-byte number key -> mm__events_ids* */
  mm_map nocase;              /* equals-ignore-case, folded */
  mm__events_ids *literal[4]; /* MM__EV_NULL, FALSE, TRUE */
  mm__events_affix prefix[2]; /* [0] case-sensitive, [1] ignoring case */
  mm__events_affix suffix[2]; /* likewise */
  mm__events_cidr *cidrs;     /* distinct blocks */
  uint32_t ncidrs, cidr_cap;  /* used, allocated */
  mm_ipset *ipset;            /* value = index into cidrs; NULL without cidr */
  mm__events_ids *exists;     /* exists:true */
  mm__events_scan *scans;     /* numeric, wildcard, anything-but */
  uint32_t nscans, scan_cap;  /* used, allocated */
  bool record;                /* leaves here are recorded for checking fields */
} mm__events_slot;

/* Leaves one event may record for checking fields that are not indexed;
 * past this, those fields are checked by walking the event again. A
 * CloudTrail record has ~50 leaves in all; 1024 is 16 KiB of scratch. */
#ifndef MM__EV_MAX_RECORDS
#define MM__EV_MAX_RECORDS 1024
#endif

typedef struct mm__events_record {
  const mm_json_value *leaf; /* a leaf value at the slot's path */
  uint32_t next;             /* previous record of the same slot, or MM__EV_NONE */
} mm__events_record;

typedef struct mm__events_node mm__events_node;

typedef struct mm__events_edge {
  mm_str name;           /* field name (arena) */
  mm__events_node *node; /* the child */
} mm__events_edge;

struct mm__events_node {
  mm_map children;        /* field name -> mm__events_node*, while building */
  mm__events_edge *edges; /* the children sorted by (length, bytes), once built */
  uint32_t nedges;        /* entries in edges */
  int32_t field;          /* index into fields, or -1 */
};

/* Order of edges: shorter names first, then bytes. Most member names of an
 * event differ in length from every child's, so a probe costs a few length
 * comparisons, cheaper than hashing each member name. */
static inline int mm__events_name_cmp(mm_str a, mm_str b) {
  if (a.len != b.len) return a.len < b.len ? -1 : 1;
  return a.len ? memcmp(a.ptr, b.ptr, a.len) : 0;
}

/* The child of n named name, or NULL (binary search). */
static inline const mm__events_node *mm__events_child(const mm__events_node *n, mm_str name) {
  uint32_t lo = 0, hi = n->nedges;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int d = mm__events_name_cmp(n->edges[mid].name, name);
    if (d == 0) return n->edges[mid].node;
    if (d < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* Fields of other alternatives sharing a non-anchor field's conditions at
 * most this many times are indexed too, so that checking them costs a
 * stamp lookup instead of a walk of the event; commoner ones (errorCode
 * exists, userIdentity.type Root) are checked directly, and only for
 * candidates. */
#ifndef MM__EV_INDEX_COST
#define MM__EV_INDEX_COST 16
#endif

typedef struct mm__events_req {
  uint32_t alt;              /* alternative it belongs to */
  const mm__events_field *f; /* the field, in a pattern the matcher owns */
  uint32_t slot;             /* its path's slot (leaves recorded there if not indexed) */
  bool indexed;              /* its conditions are in the index (anchor or cheap) */
} mm__events_req;

#define MM__EV_NO_ANCHOR UINT32_MAX

typedef struct mm__events_anchored {
  uint32_t pattern; /* index of the pattern it expands */
  uint32_t anchor;  /* the indexed requirement, or MM__EV_NO_ANCHOR */
  uint32_t first;   /* its requirements are first .. first + nreqs */
  uint32_t nreqs;
} mm__events_anchored;

struct mm_events_matcher {
  mm_arena arena;          /* nodes, ids, copies of keys */
  mm__events_node *root;   /* the path trie */
  mm__events_slot *fields; /* nfields, heap (grows while compiling) */
  uint32_t nfields, field_cap;
  mm__events_node **nodes; /* every node, to free their maps */
  uint32_t nnodes, node_cap;
  mm__events_req *reqs; /* nreqs */
  uint32_t nreqs;
  mm__events_anchored *alts; /* nalts */
  uint32_t nalts;
  uint32_t *always; /* alternatives with no positive requirement */
  uint32_t nalways;
  mm_events_pattern **patterns; /* npatterns, owned */
  mm_str *ids;                  /* npatterns, in the arena */
  uint32_t npatterns;
};

struct mm_events_ctx {
  const mm_events_matcher *m; /* the matcher it was made for */
  uint32_t gen;               /* generation of the current event */
  uint32_t *req_stamp;        /* nreqs: gen when satisfied */
  uint32_t *pat_stamp;        /* npatterns: gen when reported */
  uint32_t *cands;            /* candidate alternatives (nalts room) */
  uint32_t ncands;
  uint32_t *results; /* matching pattern indexes (npatterns room) */
  uint32_t nresults;
  uint32_t *slot_stamp;       /* nfields: gen when slot_head is valid */
  uint32_t *slot_head;        /* nfields: newest record of the slot */
  mm__events_record *records; /* MM__EV_MAX_RECORDS */
  uint32_t nrecords;          /* used this event */
  bool overflow;              /* some leaf could not be recorded */
};

struct mm_events_builder {
  mm_events_pattern **patterns; /* n, owned */
  char **ids;                   /* n, mm_strndup'd */
  size_t *id_lens;
  size_t n, cap;
};

/* ---- affix order -------------------------------------------------------------- */

/* Byte i of s counted from its start (prefixes) or its end (suffixes). */
static inline unsigned char mm__events_affix_byte(const mm__events_affix *a, mm_str s, size_t i) {
  char c = a->tail ? s.ptr[s.len - 1 - i] : s.ptr[i];
  return (unsigned char)(a->nocase ? mm_ascii_lower(c) : c);
}

static inline int mm__events_affix_cmp(const mm__events_affix *a, mm_str x, mm_str y) {
  size_t n = x.len < y.len ? x.len : y.len;
  for (size_t i = 0; i < n; i++) {
    int d = (int)mm__events_affix_byte(a, x, i) - (int)mm__events_affix_byte(a, y, i);
    if (d) return d;
  }
  return (x.len > y.len) - (x.len < y.len);
}

/* Is x a prefix (suffix) of s? */
static inline bool mm__events_affix_of(const mm__events_affix *a, mm_str x, mm_str s) {
  if (x.len > s.len) return false;
  for (size_t i = 0; i < x.len; i++)
    if (mm__events_affix_byte(a, x, i) != mm__events_affix_byte(a, s, i)) return false;
  return true;
}

#endif /* MAMORI_EVENTS_MATCHER_INT_H */
