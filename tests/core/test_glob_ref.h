/*
 * tests/core/test_glob_ref.h - a slow, obviously correct wildcard matcher to
 * check mm_glob against: the pattern and the text are decoded into arrays
 * of characters, and a dynamic program over (pattern token, text character)
 * decides the match in O(|pattern| * |text|). It shares no code with
 * src/core/glob*.c on purpose: its UTF-8 rule decodes the code point and
 * rejects overlong forms, surrogates and values above U+10FFFF, where the
 * library checks byte ranges (the same set, reached another way).
 *
 * Used by test_glob_random.c and fuzz/fuzz_glob.c.
 */
#ifndef MAMORI_TEST_GLOB_REF_H
#define MAMORI_TEST_GLOB_REF_H

#include "mamori/glob.h"

#include <stdlib.h>
#include <string.h>

enum { REF_LIT, REF_ANY, REF_STAR };

typedef struct ref_tok {
  int kind;     /* REF_LIT, REF_ANY or REF_STAR */
  uint64_t key; /* REF_LIT: the character, see ref_key */
} ref_tok;

/* Bytes of the well-formed multi-byte UTF-8 character at p[0..n), else 0. */
static inline size_t ref_utf8(const unsigned char *p, size_t n) {
  unsigned b = p[0];
  size_t len;
  uint32_t cp, min;
  if ((b & 0xe0) == 0xc0)
    len = 2, cp = b & 0x1f, min = 0x80;
  else if ((b & 0xf0) == 0xe0)
    len = 3, cp = b & 0x0f, min = 0x800;
  else if ((b & 0xf8) == 0xf0)
    len = 4, cp = b & 0x07, min = 0x10000;
  else
    return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/* A character as a comparable number: its length and bytes, ASCII letters
 * folded to lower case under nocase. */
static inline uint64_t ref_key(const unsigned char *p, size_t len, int nocase) {
  uint64_t key = (uint64_t)len << 32;
  for (size_t i = 0; i < len; i++) {
    unsigned c = p[i];
    if (nocase && len == 1 && c >= 'A' && c <= 'Z') c += 'a' - 'A';
    key |= (uint64_t)c << (8 * (len - 1 - i));
  }
  return key;
}

static inline size_t ref_char_len(const unsigned char *p, size_t n) {
  size_t len = ref_utf8(p, n);
  return len ? len : 1;
}

/* Decode text into keys (room for n); returns how many. */
static inline size_t ref_text(const unsigned char *t, size_t n, int nocase, uint64_t *out) {
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    size_t len = ref_char_len(t + i, n - i);
    out[k++] = ref_key(t + i, len, nocase);
    i += len;
  }
  return k;
}

/* Decode pattern p[0..n) into tokens (room for n); -1 when invalid. */
static inline long ref_pattern(const unsigned char *p, size_t n, unsigned flags, ref_tok *out) {
  int qmark = !(flags & MM_GLOB_NO_QMARK), nocase = (flags & MM_GLOB_NOCASE) != 0;
  long k = 0;
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c == '*') {
      if ((flags & MM_GLOB_NO_STARSTAR) && k > 0 && out[k - 1].kind == REF_STAR) return -1;
      out[k++] = (ref_tok){REF_STAR, 0}, i++;
    } else if (c == '?' && qmark) {
      out[k++] = (ref_tok){REF_ANY, 0}, i++;
    } else if (c == '\\' && (flags & MM_GLOB_ESCAPE)) {
      if (i + 1 >= n) return -1;
      unsigned e = p[i + 1];
      if (!(e == '*' || e == '\\' || (e == '?' && qmark))) return -1;
      out[k++] = (ref_tok){REF_LIT, ref_key(p + i + 1, 1, nocase)}, i += 2;
    } else {
      size_t len = ref_char_len(p + i, n - i);
      out[k++] = (ref_tok){REF_LIT, ref_key(p + i, len, nocase)}, i += len;
    }
  }
  return k;
}

/* can[j]: tokens i.. match characters j..; computed for i = np down to 0. */
static inline int ref_dp(const ref_tok *p, size_t np, const uint64_t *t, size_t nt) {
  unsigned char *next = calloc(nt + 1, 1), *cur = calloc(nt + 1, 1), *tmp;
  if (!next || !cur) abort();
  next[nt] = 1;
  for (size_t i = np; i-- > 0;) {
    for (size_t j = nt + 1; j-- > 0;) {
      if (p[i].kind == REF_STAR)
        cur[j] = next[j] || (j < nt && cur[j + 1]);
      else if (p[i].kind == REF_ANY)
        cur[j] = j < nt && next[j + 1];
      else
        cur[j] = j < nt && t[j] == p[i].key && next[j + 1];
    }
    tmp = next, next = cur, cur = tmp;
  }
  int hit = next[0];
  free(next);
  free(cur);
  return hit;
}

/* Match one pattern (or ARN component) against one text: 1, 0, -1 invalid. */
static inline int ref_match_plain(const unsigned char *p, size_t np, const unsigned char *t,
                                  size_t nt, unsigned flags) {
  ref_tok *tok = malloc((np + 1) * sizeof(*tok));
  uint64_t *chars = malloc((nt + 1) * sizeof(*chars));
  if (!tok || !chars) abort();
  long ntok = ref_pattern(p, np, flags, tok);
  int hit = -1;
  if (ntok >= 0)
    hit = ref_dp(tok, (size_t)ntok, chars, ref_text(t, nt, (flags & MM_GLOB_NOCASE) != 0, chars));
  free(tok);
  free(chars);
  return hit;
}

/* Offsets of the (up to six) colon-separated ARN components of s[0..n). */
static inline int ref_arn_split(const unsigned char *s, size_t n, size_t lo[6], size_t hi[6]) {
  int k = 0;
  lo[0] = 0;
  for (size_t i = 0; i < n && k < 5; i++)
    if (s[i] == ':') hi[k] = i, lo[++k] = i + 1;
  hi[k] = n;
  return k + 1;
}

/* The reference: 1 match, 0 no match, -1 invalid pattern. */
static inline int ref_glob_match(const void *pattern, size_t np, const void *text, size_t nt,
                                 unsigned flags) {
  const unsigned char *p = pattern, *t = text;
  if (!(flags & MM_GLOB_ARN)) return ref_match_plain(p, np, t, nt, flags);
  size_t plo[6], phi[6], tlo[6], thi[6];
  int pn = ref_arn_split(p, np, plo, phi), tn = ref_arn_split(t, nt, tlo, thi);
  for (int k = 0; k < pn; k++) /* every component must be valid */
    if (ref_match_plain(p + plo[k], phi[k] - plo[k], (const unsigned char *)"", 0, flags) < 0)
      return -1;
  size_t stars = 0;
  while (stars < np && p[stars] == '*') stars++;
  if (np > 0 && stars == np) return 1; /* "*" alone matches everything */
  if (pn < 6 || tn < 6) return 0;
  for (int k = 0; k < 6; k++)
    if (!ref_match_plain(p + plo[k], phi[k] - plo[k], t + tlo[k], thi[k] - tlo[k], flags)) return 0;
  return 1;
}

#endif /* MAMORI_TEST_GLOB_REF_H */
