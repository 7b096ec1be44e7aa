/*
 * glob_internal.h - what the files of the glob module share (mm__glob_*):
 * the compiled pattern's layout and the UTF-8 character rules. Never
 * included outside src/core/glob*.c.
 *
 * Pattern grammar (per component when MM_GLOB_ARN):
 *
 *   pattern  = *( star / segment )
 *   star     = "*"
 *   segment  = 1*( any / literal )        ; maximal run between stars
 *   any      = "?"                        ; unless MM_GLOB_NO_QMARK
 *   literal  = escape / char
 *   escape   = "\" ( "*" / "\" / "?" )    ; only with MM_GLOB_ESCAPE ("?"
 *                                         ;  only when "?" is a wildcard)
 *   char     = one UTF-8 character, see below
 *
 * Characters. Bytes are read left to right: a well-formed UTF-8 sequence
 * (RFC 3629 section 4) is one character, any other byte is a character on
 * its own. Every byte that is not a continuation byte (10xxxxxx) starts a
 * character; a continuation byte starts one unless a lead byte at most
 * three bytes before it begins a well-formed sequence that covers it. That
 * makes "is offset i a character boundary" a local question (mm__glob_is_boundary).
 *
 * Compiled layout: one block holding the header, then regions of one type
 * each, so the block can be sized exactly before it is filled:
 *
 *   mm_glob      flags, the programs (1, or 6 with MM_GLOB_ARN)
 *   mm__glob_prog    segments of one pattern or ARN component, and its shape
 *   mm__glob_seg     a segment: pieces, literal bytes, how it is searched
 *   mm__glob_piece   a run of literal bytes or a run of `?`
 *   mm__glob_chunk   Shift-And tables for <= 64 characters of a segment
 *   uint64_t     class and multi-byte masks of the chunks
 *   uint32_t     multi-byte literal characters of the chunks (packed)
 *   char         literal bytes, escapes removed
 *
 * Matching a program (glob_match.c): the first segment is compared at the
 * start of the text unless the pattern starts with `*`, the last at the end
 * unless it ends with `*`; each segment between two stars is searched for
 * leftmost from where the previous one ended. Since `*` matches anything,
 * taking the leftmost (earliest-ending: a segment has a fixed number of
 * characters) occurrence of each middle segment leaves the most text for
 * what follows, so the greedy choice never has to be undone.
 */
#ifndef MAMORI_GLOB_INTERNAL_H
#define MAMORI_GLOB_INTERNAL_H

#include "mamori/glob.h"
#include "mamori/limits.h"

/* Characters one Shift-And word tracks. */
#define MM__GLOB_WORD_BITS 64
/* Words of Shift-And state for the longest possible segment. */
#define MM__GLOB_MAX_WORDS ((MM_GLOB_MAX_PATTERN + MM__GLOB_WORD_BITS - 1) / MM__GLOB_WORD_BITS)
_Static_assert(MM__GLOB_MAX_WORDS <= 4096,
               "MM_GLOB_MAX_PATTERN too large for the matcher's stack state");

/* A program's shape; the fast paths of glob_match.c. */
enum mm__glob_kind {
  MM__GLOB_EXACT,   /* no `*`: 0 or 1 segment, anchored at both ends */
  MM__GLOB_ANY,     /* only `*`: matches every text */
  MM__GLOB_PREFIX,  /* seg `*` */
  MM__GLOB_SUFFIX,  /* `*` seg */
  MM__GLOB_INFIX,   /* `*` seg `*` */
  MM__GLOB_GENERAL, /* anything else */
};

/* How a segment between two stars is found. */
enum mm__glob_search {
  MM__GLOB_SEARCH_MEMMEM,    /* case-sensitive literal that cannot split a character */
  MM__GLOB_SEARCH_SKIP,      /* only `?`: the next nchar characters */
  MM__GLOB_SEARCH_CHAR,      /* one literal character: compare each text character */
  MM__GLOB_SEARCH_SHIFT_AND, /* anything else: the chunk tables */
};

typedef struct mm__glob_piece {
  uint32_t off;  /* literal: first byte in the segment's lit */
  uint32_t len;  /* literal bytes; 0 = a run of `?` */
  uint32_t nany; /* `?` in the run (len == 0) */
  bool open_end; /* literal ends in an unfinished UTF-8 sequence: check the boundary */
} mm__glob_piece;

typedef struct mm__glob_chunk {
  const uint64_t
      *cmask; /* [class]: atoms a 1-byte character of that class meets; [0] = `?` atoms */
  const uint32_t *mb_code; /* [n_mb] multi-byte literal characters, packed, ascending */
  const uint64_t *mb_mask; /* [n_mb] atoms each one meets, `?` atoms included */
  uint32_t n_mb;           /* distinct multi-byte literal characters */
  uint32_t natom;          /* characters of the segment this chunk covers, 1..64 */
  uint8_t cls[256];        /* byte -> class; 0 = no literal atom is this byte */
} mm__glob_chunk;

typedef struct mm__glob_seg {
  const mm__glob_piece *piece; /* [npiece] in pattern order */
  const mm__glob_chunk *chunk; /* [nchunk] when searched by Shift-And, else NULL */
  const char *lit;             /* [nlit] literal bytes of all pieces, escapes removed */
  uint32_t npiece;             /* pieces */
  uint32_t nchunk;             /* ceil(nchar / 64) when Shift-And, else 0 */
  uint32_t nlit;               /* literal bytes */
  uint32_t nchar;              /* characters every match spans */
  uint8_t search;              /* enum mm__glob_search; meaningful between two stars */
  bool literal;                /* a single literal piece, no `?` */
  bool head_cont;              /* lit starts with a continuation byte: check the start boundary */
} mm__glob_seg;

typedef struct mm__glob_prog {
  const mm__glob_seg *seg; /* [nseg] in pattern order */
  uint32_t nseg;           /* segments */
  uint8_t kind;            /* enum mm__glob_kind */
  bool lead_star;          /* pattern starts with `*` */
  bool trail_star;         /* pattern ends with `*` */
} mm__glob_prog;

struct mm_glob {
  const mm__glob_prog *prog; /* [nprog] */
  uint32_t nprog;            /* 1; 6 with MM_GLOB_ARN; 0 = matches nothing */
  unsigned flags;            /* as compiled */
  bool match_all;            /* MM_GLOB_ARN pattern of `*` only */
  bool heap;                 /* mm_malloc'd: mm_glob_free releases it */
};

/* Sentinel offset: no match. */
#define MM__GLOB_FAIL SIZE_MAX

/* Does the compiled program match the whole of t[0..n)? */
bool mm__glob_prog_match(const mm__glob_prog *p, bool nocase, const uint8_t *t, size_t n);

/* ---- UTF-8 characters ------------------------------------------------- */

static inline bool mm__glob_is_cont(uint8_t b) { return (b & 0xc0) == 0x80; }

/* Length of the well-formed UTF-8 sequence that starts at p[0..n), or 0
 * when p[0] does not start one (RFC 3629 section 4, table of well-formed
 * byte sequences: the second byte's range depends on the first). */
static inline size_t mm__glob_utf8_len(const uint8_t *p, size_t n) {
  uint8_t b = p[0], lo = 0x80, hi = 0xbf;
  size_t len;
  if (b < 0xc2 || b > 0xf4) return 0;
  len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  if (b == 0xe0) lo = 0xa0;
  if (b == 0xed) hi = 0x9f;
  if (b == 0xf0) lo = 0x90;
  if (b == 0xf4) hi = 0x8f;
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (!mm__glob_is_cont(p[i])) return 0;
  return len;
}

/* Bytes of the character that starts at offset i of t[0..n) (i < n). */
static inline size_t mm__glob_char_len(const uint8_t *t, size_t n, size_t i) {
  if (t[i] < 0x80) return 1;
  size_t len = mm__glob_utf8_len(t + i, n - i);
  return len ? len : 1;
}

/* Is offset i (0 <= i <= n) a character boundary of t[0..n)? */
static inline bool mm__glob_is_boundary(const uint8_t *t, size_t n, size_t i) {
  if (i == 0 || i == n || !mm__glob_is_cont(t[i])) return true;
  for (size_t back = 1; back <= 3 && back <= i; back++) {
    if (mm__glob_is_cont(t[i - back])) continue;
    /* The nearest lead byte: i is inside its sequence when it covers i. */
    return mm__glob_utf8_len(t + i - back, n - (i - back)) <= back;
  }
  return true; /* no lead within reach: t[i] is a stray continuation byte */
}

/* Start of the character that ends at boundary i > 0 of t[0..n). */
static inline size_t mm__glob_char_start_before(const uint8_t *t, size_t n, size_t i) {
  if (!mm__glob_is_cont(t[i - 1])) return i - 1;
  for (size_t back = 2; back <= 4 && back <= i; back++) {
    if (mm__glob_is_cont(t[i - back])) continue;
    return mm__glob_utf8_len(t + i - back, n - (i - back)) == back ? i - back : i - 1;
  }
  return i - 1;
}

/* A multi-byte character packed into 32 bits (its bytes, big-endian). */
static inline uint32_t mm__glob_pack(const uint8_t *p, size_t len) {
  uint32_t v = 0;
  for (size_t i = 0; i < len; i++) v = v << 8 | p[i];
  return v;
}

#endif /* MAMORI_GLOB_INTERNAL_H */
