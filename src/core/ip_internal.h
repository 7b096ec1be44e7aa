/*
 * ip_internal.h - what the files of the ip module share (mm__ip_*): the
 * 128-bit key arithmetic, the builder's entries and the compiled set's
 * layout. Never included outside src/core/ip*.c.
 *
 * Text grammar (RFC 4291 section 2.2, RFC 4632 section 3.1), as parsed by
 * ip_addr.c and ip_cidr.c:
 *
 *   address  = ipv4 / ipv6                 ; ipv6 when the text holds ':'
 *   ipv4     = dec "." dec "." dec "." dec
 *   dec      = "0" / %x31-39 *2DIGIT       ; value 0-255, no leading zero
 *   ipv6     = groups with at most one "::" standing for >= 1 zero groups,
 *              8 groups in all, the last two of which may be one ipv4
 *   group    = 1*4HEXDIG                   ; either case
 *   cidr     = address "/" length          ; MM_CIDR_BARE_ADDR: address alone
 *   length   = "0" / %x31-39 *2DIGIT       ; <= 32 (ipv4) or <= 128 (ipv6)
 *   range    = address "-" address         ; same family, first <= last
 *
 * Compiled set (ipset_compile.c), per family: every entry is an inclusive
 * interval [first, last]; a sweep over them yields sorted disjoint
 * intervals, each with the value of the narrowest entry covering it:
 *
 *   index[b]   b = top `bits` bits of an address; index[b] is the number of
 *              intervals whose first address lies below bucket b (2^bits + 1
 *              slots, so index[b + 1] ends bucket b)
 *   iv[i]      interval i: first address (searched), last address, value;
 *              one record, so the search and the answer share a cache line
 *
 * lookup(x): b = top bits of x; binary search iv[index[b]..index[b+1]) for
 * the last interval starting at or below x (or interval index[b] - 1,
 * which starts before bucket b); x is in the set when x <= iv[i].last.
 * About one interval per bucket, so a lookup costs two memory reads. The
 * search runs `steps` rounds for every address of a set and picks its
 * answer without branches: nothing for the CPU to mispredict, so it keeps
 * several lookups' memory reads in flight at once. iv[count] is a sentinel
 * the search may read (never match) when a bucket is empty.
 */
#ifndef MAMORI_IP_INTERNAL_H
#define MAMORI_IP_INTERNAL_H

#include "mamori/ip.h"

/* ---- 128-bit keys: an address as a number ----------------------------- */

typedef struct mm__ip_key {
  uint64_t hi; /* bits 127..64 (bytes 0..7 of an IPv6 address) */
  uint64_t lo; /* bits 63..0 */
} mm__ip_key;

static inline bool mm__ip_key_lt(mm__ip_key a, mm__ip_key b) {
  return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}
static inline bool mm__ip_key_eq(mm__ip_key a, mm__ip_key b) {
  return a.hi == b.hi && a.lo == b.lo;
}
static inline mm__ip_key mm__ip_key_sub(mm__ip_key a, mm__ip_key b) {
  mm__ip_key r = {a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo};
  return r;
}
static inline mm__ip_key mm__ip_key_inc(mm__ip_key a) {
  mm__ip_key r = {a.hi + (a.lo == UINT64_MAX), a.lo + 1};
  return r;
}
static inline mm__ip_key mm__ip_key_dec(mm__ip_key a) {
  mm__ip_key r = {a.hi - (a.lo == 0), a.lo - 1};
  return r;
}

/* The key of an IPv6 address (bytes in network order) and back. */
mm__ip_key mm__ip_key_from_bytes(const uint8_t bytes[16]);
void mm__ip_key_to_bytes(mm__ip_key k, uint8_t bytes[16]);

/* ---- parsing ------------------------------------------------------------ */

/* Parse t[start..end) as an address; error offsets count from t, so that a
 * CIDR block or a range reports positions in its whole text (ip_addr.c). */
int mm__ip_parse_span(const char *t, size_t start, size_t end, mm_ip_addr *out, mm_error *err);

/* ---- lookups ------------------------------------------------------------ */

/* Lookups a batch keeps in flight at once: enough to cover DRAM latency
 * (~170 ns on the machine of docs/core/ip.md) at ~10 ns of work each. */
#define MM__IPSET_GROUP 16

#if defined(__GNUC__)
#define MM__PREFETCH(p) __builtin_prefetch(p)
#else
#define MM__PREFETCH(p) ((void)(p))
#endif

/* ---- the builder -------------------------------------------------------- */

typedef struct mm__ip_entry4 {
  uint32_t first; /* first address, host byte order */
  uint32_t last;  /* last address, inclusive */
  uint32_t value; /* caller's value */
  uint32_t seq;   /* order of addition: a later entry wins a tie */
} mm__ip_entry4;

typedef struct mm__ip_entry6 {
  mm__ip_key first; /* first address */
  mm__ip_key last;  /* last address, inclusive */
  uint32_t value;   /* caller's value */
  uint32_t seq;     /* order of addition, shared with the IPv4 entries */
} mm__ip_entry6;

struct mm_ipset_builder {
  mm__ip_entry4 *v4; /* IPv4 entries (and IPv4-mapped ones), in any order */
  size_t n4, cap4;   /* used and allocated entries */
  mm__ip_entry6 *v6; /* IPv6 entries */
  size_t n6, cap6;
  uint32_t seq; /* entries added so far: the next entry's seq */
};

/* ---- the compiled set --------------------------------------------------- */

typedef struct mm__ip_iv4 {
  uint32_t first; /* first address of the interval */
  uint32_t last;  /* last address, inclusive */
  uint32_t value; /* value of the narrowest entry covering it */
} mm__ip_iv4;

typedef struct mm__ip_iv6 {
  mm__ip_key first; /* first address of the interval */
  mm__ip_key last;  /* last address, inclusive */
  uint32_t value;   /* value of the narrowest entry covering it */
} mm__ip_iv6;

typedef struct mm__ip_table4 {
  uint32_t *index; /* 2^bits + 1 slots; see the top of this file */
  mm__ip_iv4 *iv;  /* count intervals, ascending, then a sentinel */
  size_t count;    /* intervals */
  unsigned bits;   /* index bits, 1..MM_IPSET_INDEX_BITS */
  unsigned steps;  /* binary search steps: ceil(log2(largest bucket)) */
} mm__ip_table4;

typedef struct mm__ip_table6 {
  uint32_t *index; /* 2^bits + 1 slots over the top bits of key.hi */
  mm__ip_iv6 *iv;  /* count intervals, ascending, then a sentinel */
  size_t count;    /* intervals */
  unsigned bits;   /* index bits, 1..MM_IPSET_INDEX_BITS */
  unsigned steps;  /* binary search steps: ceil(log2(largest bucket)) */
} mm__ip_table6;

struct mm_ipset {
  mm__ip_table4 v4; /* IPv4 and IPv4-mapped entries */
  mm__ip_table6 v6; /* other IPv6 entries */
  size_t entries;   /* entries compiled in */
  size_t bytes;     /* heap bytes held, this struct included */
};

#endif /* MAMORI_IP_INTERNAL_H */
