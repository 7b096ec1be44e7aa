/*
 * glob_match.c - running a compiled wildcard pattern over a text.
 *
 * A program is segments separated by `*` (glob_internal.h). The segment
 * before the first `*` must match at the start of the text, the one after
 * the last `*` at the end, and the ones in between are searched for,
 * leftmost first, each from where the previous one ended: with `*` free to
 * absorb anything, the earliest end is always the best choice, so nothing is
 * ever retried and the text is read once. Searching uses memmem for
 * case-sensitive literals that cannot split a UTF-8 character, and the
 * Shift-And algorithm (Baeza-Yates and Gonnet, "A new approach to text
 * searching", CACM 35(10), 1992) for the rest: bit j of the state says "the
 * first j+1 characters of the segment end here", and each text character
 * updates every bit at once with a shift and an AND.
 *
 * The text is walked by UTF-8 characters (glob_internal.h): `?` takes one
 * character, and literal runs must begin and end on character boundaries.
 */
#include "glob_internal.h"

#include <string.h>

/* The text being matched. */
typedef struct glob_text {
  const uint8_t *t; /* bytes */
  size_t n;         /* length */
  bool nocase;      /* MM_GLOB_NOCASE */
} glob_text;

/* Do lit[0..len) and the text at `at` hold the same bytes (ASCII letters
 * folded under nocase)? The caller checked that len bytes remain. */
static bool lit_eq(const glob_text *x, size_t at, const char *lit, size_t len) {
  const uint8_t *p = x->t + at;
  if (!x->nocase) return memcmp(p, lit, len) == 0;
  for (size_t i = 0; i < len; i++)
    if (mm_ascii_lower((char)p[i]) != mm_ascii_lower(lit[i])) return false;
  return true;
}

/* Advance over k characters from boundary pos; MM__GLOB_FAIL when the text ends
 * first. */
static size_t skip_chars(const glob_text *x, size_t pos, uint32_t k) {
  for (; k > 0; k--) {
    if (pos >= x->n) return MM__GLOB_FAIL;
    pos += mm__glob_char_len(x->t, x->n, pos);
  }
  return pos;
}

/* Match segment s at boundary pos; the offset just past it, or MM__GLOB_FAIL. */
static size_t seg_match_at(const mm__glob_seg *s, const glob_text *x, size_t pos) {
  for (uint32_t i = 0; i < s->npiece; i++) {
    const mm__glob_piece *pc = &s->piece[i];
    if (pc->len == 0) {
      if ((pos = skip_chars(x, pos, pc->nany)) == MM__GLOB_FAIL) return MM__GLOB_FAIL;
      continue;
    }
    if (x->n - pos < pc->len || !lit_eq(x, pos, s->lit + pc->off, pc->len)) return MM__GLOB_FAIL;
    pos += pc->len;
    if (pc->open_end && !mm__glob_is_boundary(x->t, x->n, pos)) return MM__GLOB_FAIL;
  }
  return pos;
}

/* Does segment s match the end of the text, starting at or after boundary
 * `from`? A segment spans a fixed number of characters, so its start is
 * found by stepping back that many from the end. */
static bool seg_match_end(const mm__glob_seg *s, const glob_text *x, size_t from) {
  size_t start = x->n;
  if (s->literal) {
    if (x->n - from < s->nlit) return false;
    start = x->n - s->nlit;
    if (s->head_cont && !mm__glob_is_boundary(x->t, x->n, start)) return false;
    return lit_eq(x, start, s->lit, s->nlit);
  }
  for (uint32_t k = 0; k < s->nchar; k++) {
    if (start <= from) return false;
    start = mm__glob_char_start_before(x->t, x->n, start);
  }
  return seg_match_at(s, x, start) == x->n;
}

/* ---- Shift-And --------------------------------------------------------- */

/* The atoms of chunk c that the character p[0..cl) satisfies. */
static uint64_t chunk_mask(const mm__glob_chunk *c, const uint8_t *p, size_t cl) {
  if (cl == 1) return c->cmask[c->cls[p[0]]];
  uint32_t code = mm__glob_pack(p, cl), lo = 0, hi = c->n_mb;
  while (lo < hi) { /* binary search among the chunk's multi-byte literals */
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->mb_code[mid] == code) return c->mb_mask[mid];
    if (c->mb_code[mid] < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return c->cmask[0]; /* only `?` takes it */
}

/* Segment of <= 64 characters: one word of state. The hot loop. */
static size_t shift_and_1(const mm__glob_chunk *c, const glob_text *x, size_t from) {
  const uint64_t accept = (uint64_t)1 << (c->natom - 1);
  uint64_t state = 0;
  for (size_t i = from; i < x->n;) {
    uint8_t b = x->t[i];
    size_t cl = b < 0x80 ? 1 : mm__glob_char_len(x->t, x->n, i);
    uint64_t mask = cl == 1 ? c->cmask[c->cls[b]] : chunk_mask(c, x->t + i, cl);
    state = ((state << 1) | 1) & mask;
    i += cl;
    if (state & accept) return i;
  }
  return MM__GLOB_FAIL;
}

/* Longer segment: one word per chunk of 64 characters, the shift carrying
 * from each word into the next. */
static size_t shift_and_n(const mm__glob_seg *s, const glob_text *x, size_t from) {
  uint64_t state[MM__GLOB_MAX_WORDS];
  const uint32_t last = s->nchunk - 1;
  const uint64_t accept = (uint64_t)1 << (s->chunk[last].natom - 1);
  memset(state, 0, s->nchunk * sizeof(uint64_t));
  for (size_t i = from; i < x->n;) {
    size_t cl = mm__glob_char_len(x->t, x->n, i);
    uint64_t carry = 1;
    for (uint32_t w = 0; w <= last; w++) {
      uint64_t next = ((state[w] << 1) | carry) & chunk_mask(&s->chunk[w], x->t + i, cl);
      carry = state[w] >> (MM__GLOB_WORD_BITS - 1);
      state[w] = next;
    }
    i += cl;
    if (state[last] & accept) return i;
  }
  return MM__GLOB_FAIL;
}

/* A segment of one literal character: the first text character equal to
 * it (same length, same bytes, ASCII letters folded under nocase). */
static size_t search_char(const mm__glob_seg *s, const glob_text *x, size_t from) {
  for (size_t i = from; i < x->n;) {
    size_t cl = mm__glob_char_len(x->t, x->n, i);
    if (cl == s->nlit && lit_eq(x, i, s->lit, cl)) return i + cl;
    i += cl;
  }
  return MM__GLOB_FAIL;
}

/* Leftmost occurrence of segment s at or after boundary `from`; the offset
 * just past it, or MM__GLOB_FAIL. */
static size_t seg_search(const mm__glob_seg *s, const glob_text *x, size_t from) {
  switch (s->search) {
    case MM__GLOB_SEARCH_MEMMEM: {
      const uint8_t *hit = memmem(x->t + from, x->n - from, s->lit, s->nlit);
      return hit ? (size_t)(hit - x->t) + s->nlit : MM__GLOB_FAIL;
    }
    case MM__GLOB_SEARCH_SKIP:
      return skip_chars(x, from, s->nchar);
    case MM__GLOB_SEARCH_CHAR:
      return search_char(s, x, from);
    default:
      return s->nchunk == 1 ? shift_and_1(s->chunk, x, from) : shift_and_n(s, x, from);
  }
}

/* ---- programs ---------------------------------------------------------- */

/* Literal prefix with no `?`: one comparison and, if the literal ends in an
 * unfinished UTF-8 sequence, a boundary check. */
static bool match_prefix(const mm__glob_seg *s, const glob_text *x) {
  if (!s->literal) return seg_match_at(s, x, 0) != MM__GLOB_FAIL;
  if (x->n < s->nlit || !lit_eq(x, 0, s->lit, s->nlit)) return false;
  return !s->piece[0].open_end || mm__glob_is_boundary(x->t, x->n, s->nlit);
}

static bool match_exact(const mm__glob_prog *p, const glob_text *x) {
  if (p->nseg == 0) return x->n == 0;
  const mm__glob_seg *s = &p->seg[0];
  if (s->literal) return x->n == s->nlit && lit_eq(x, 0, s->lit, s->nlit);
  return seg_match_at(s, x, 0) == x->n;
}

static bool match_general(const mm__glob_prog *p, const glob_text *x) {
  uint32_t i = 0, end = p->trail_star ? p->nseg : p->nseg - 1;
  size_t pos = 0;
  if (!p->lead_star) {
    if ((pos = seg_match_at(&p->seg[0], x, 0)) == MM__GLOB_FAIL) return false;
    i = 1;
  }
  for (; i < end; i++)
    if ((pos = seg_search(&p->seg[i], x, pos)) == MM__GLOB_FAIL) return false;
  return p->trail_star || seg_match_end(&p->seg[p->nseg - 1], x, pos);
}

bool mm__glob_prog_match(const mm__glob_prog *p, bool nocase, const uint8_t *t, size_t n) {
  glob_text x = {t, n, nocase};
  switch (p->kind) {
    case MM__GLOB_EXACT:
      return match_exact(p, &x);
    case MM__GLOB_ANY:
      return true;
    case MM__GLOB_PREFIX:
      return match_prefix(&p->seg[0], &x);
    case MM__GLOB_SUFFIX:
      return seg_match_end(&p->seg[0], &x, 0);
    case MM__GLOB_INFIX:
      return seg_search(&p->seg[0], &x, 0) != MM__GLOB_FAIL;
    default:
      return match_general(p, &x);
  }
}
