/*
 * json_parse.c - the strict, non-recursive JSON parser (RFC 8259).
 *
 * One pass over a private copy of the input, padded with zeros
 * (MM__JSON_PAD), so that no scan needs a bounds check: the first zero stops
 * it. Grammar: RFC 8259 section 2 (values, whitespace), 4 (objects),
 * 5 (arrays), 6 (numbers), 7 (strings and escapes), 8.1-8.2 (UTF-8, lone
 * surrogates), 9 (limits). The input must be UTF-8 (section 8.1): strings
 * are validated (no overlongs, no UTF-8-encoded surrogates, nothing above
 * U+10FFFF, no truncated sequences); outside strings only ASCII is valid.
 *
 * Speed comes from: a goto state machine instead of recursion (the stack of
 * open containers is threaded through the nodes themselves), nodes written
 * left to right into one array sized from the input length, strings
 * unescaped in place in the copy (no second buffer), 16-byte SSE2 scans for
 * the end of plain string runs and for whitespace, and integers and short
 * decimals converted exactly without strtod (Clinger's fast path).
 */
#include "json_int.h"

#include "mamori/alloc.h"
#include "mamori/hash.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The parser's state (json_int.h); the short name keeps the hot code readable. */
typedef mm__json_parser parser;

/* ---- the "C" locale for strtod_l and snprintf --------------------------- */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

void *mm__json_c_locale(void) {
  pthread_once(&c_locale_once, c_locale_init);
  return c_locale;
}

double mm__json_strtod(const char *s) {
  locale_t loc = mm__json_c_locale();
  return loc ? strtod_l(s, NULL, loc) : strtod(s, NULL);
}

/* ---- errors --------------------------------------------------------------- */

static int fail(parser *p, int code, const uint8_t *at, const char *what) {
  size_t off = (size_t)(at - p->buf);
  if (code == MM_ESYNTAX && off >= p->len) code = MM_ETRUNC;
  p->code = code;
  if (off >= p->len && code == MM_ETRUNC)
    return mm_error_at(p->err, code, p->text, p->len, p->len, "unexpected end of input: %s", what);
  return mm_error_at(p->err, code, p->text, p->len, off, "%s", what);
}

/* A byte that cannot start or continue what was expected: name it. */
static int fail_unexpected(parser *p, const uint8_t *at, const char *what) {
  size_t off = (size_t)(at - p->buf);
  if (off >= p->len) return fail(p, MM_ETRUNC, at, what);
  unsigned c = *at;
  p->code = MM_ESYNTAX;
  if (c >= 0x20 && c < 0x7f)
    return mm_error_at(p->err, MM_ESYNTAX, p->text, p->len, off, "unexpected '%c': %s", (int)c,
                       what);
  return mm_error_at(p->err, MM_ESYNTAX, p->text, p->len, off, "unexpected byte 0x%02x: %s", c,
                     what);
}

/* ---- whitespace (RFC 8259 section 2: space, tab, LF, CR) ------------------- */

static uint8_t *skip_ws_slow(uint8_t *s) {
#ifdef __SSE2__
  for (;;) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ws = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')),
                     _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))));
    unsigned m = (unsigned)_mm_movemask_epi8(ws) ^ 0xffffu;
    if (m) return s + __builtin_ctz(m);
    s += 16;
  }
#else
  while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') s++;
  return s;
#endif
}

/* Most tokens follow no whitespace (compact JSON) or one space (": "); a
 * newline and indentation (pretty JSON) take the 16-byte path. */
static inline uint8_t *skip_ws(uint8_t *s) {
  if (MM_LIKELY(*s > ' ')) return s;
  if (*s == ' ' && s[1] > ' ') return s + 1;
  return skip_ws_slow(s);
}

#ifdef __SSE2__
/* Bit i set when s[i] is JSON whitespace. */
static inline unsigned ws_mask16(const uint8_t *s) {
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
  __m128i ws = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))));
  return (unsigned)_mm_movemask_epi8(ws);
}
#endif

/* Whitespace between members or elements. In pretty-printed JSON it is a
 * newline and the same indentation as last time at this depth, so guess
 * that length (*guess) and check the guess: the check is a well-predicted
 * branch, so the CPU goes on parsing at the guessed position instead of
 * waiting for the scan to compute where the next token starts. */
static inline uint8_t *skip_ws_guess(uint8_t *s, uint8_t *guess) {
  if (MM_LIKELY(*s > ' ')) return s;
#ifdef __SSE2__
  unsigned n = *guess, m = ws_mask16(s);
  if ((m & ((2u << n) - 1)) == (1u << n) - 1) return s + n; /* exactly n blanks */
  if (m != 0xffffu) {
    n = (unsigned)__builtin_ctz(~m);
    *guess = (uint8_t)n;
    return s + n;
  }
  return skip_ws_slow(s + 16);
#else
  (void)guess;
  return skip_ws_slow(s);
#endif
}

/* ---- strings (RFC 8259 section 7) ----------------------------------------- */

/* Bit i set when s[i] is '"', '\\', a control character or a non-ASCII
 * byte: the bytes a plain run stops at. */
static inline unsigned special_mask16(const uint8_t *s) {
#ifdef __SSE2__
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
  __m128i q = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  __m128i b = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  __m128i c = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)); /* signed: also >= 0x80 */
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
#else
  unsigned m = 0;
  for (unsigned i = 0; i < 16; i++)
    if (s[i] == '"' || s[i] == '\\' || s[i] < 0x20 || s[i] >= 0x80) m |= 1u << i;
  return m;
#endif
}

static inline void copy16(uint8_t *d, const uint8_t *s) {
#ifdef __SSE2__
  _mm_storeu_si128((__m128i *)(void *)d, _mm_loadu_si128((const __m128i *)(const void *)s));
#else
  memmove(d, s, 16);
#endif
}

static inline bool is_cont(uint8_t c) { return (c & 0xc0) == 0x80; }

/* Length of the valid UTF-8 sequence starting with the non-ASCII byte s[0],
 * or 0 (Unicode 15, table 3-7). The zero padding ends truncated sequences. */
static size_t utf8_seq(const uint8_t *s) {
  uint8_t c = s[0];
  if (c < 0xc2) return 0; /* continuation byte, or overlong C0/C1 */
  if (c < 0xe0) return is_cont(s[1]) ? 2 : 0;
  if (c < 0xf0) {
    uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf; /* overlong, surrogate */
    return (s[1] >= lo && s[1] <= hi && is_cont(s[2])) ? 3 : 0;
  }
  if (c < 0xf5) {
    uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf; /* overlong, > U+10FFFF */
    return (s[1] >= lo && s[1] <= hi && is_cont(s[2]) && is_cont(s[3])) ? 4 : 0;
  }
  return 0;
}

static const int8_t hex_val[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16}; /* value + 1; 0 = not a
                                                                                hex digit */

/* The 4 hex digits at s as a code unit, or -1. */
static int32_t hex4(const uint8_t *s) {
  int32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_val[s[i]];
    if (!h) return -1;
    v = v * 16 + (h - 1);
  }
  return v;
}

static uint8_t *put_utf8(uint8_t *d, uint32_t cp) {
  if (cp < 0x80) {
    *d++ = (uint8_t)cp;
  } else if (cp < 0x800) {
    *d++ = (uint8_t)(0xc0 | (cp >> 6));
    *d++ = (uint8_t)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *d++ = (uint8_t)(0xe0 | (cp >> 12));
    *d++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    *d++ = (uint8_t)(0x80 | (cp & 0x3f));
  } else {
    *d++ = (uint8_t)(0xf0 | (cp >> 18));
    *d++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    *d++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    *d++ = (uint8_t)(0x80 | (cp & 0x3f));
  }
  return d;
}

static const uint8_t short_escape[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                          ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};

/* Decode the escape at s (s[0] == '\\') into *d. Returns the byte after it,
 * or NULL with the error filled. A high surrogate followed by an escaped low
 * one combine (section 7); a lone one becomes U+FFFD or, with
 * MM_JSON_REJECT_LONE_SURROGATES, an error (section 8.2). */
static uint8_t *unescape(parser *p, uint8_t *s, uint8_t **d) {
  uint8_t e = short_escape[s[1]];
  if (e) {
    *(*d)++ = e;
    return s + 2;
  }
  if (s[1] != 'u') return fail_unexpected(p, s + 1, "invalid escape"), NULL;
  int32_t cu = hex4(s + 2);
  if (cu < 0) return fail(p, MM_ESYNTAX, s, "invalid \\u escape: 4 hex digits expected"), NULL;
  uint8_t *next = s + 6;
  uint32_t cp = (uint32_t)cu;
  if (cp >= 0xd800 && cp <= 0xdfff) {
    int32_t lo = (cp <= 0xdbff && next[0] == '\\' && next[1] == 'u') ? hex4(next + 2) : -1;
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
      next += 6;
    } else if (p->flags & MM_JSON_REJECT_LONE_SURROGATES) {
      return fail(p, MM_EUTF8, s, "lone surrogate escape"), NULL;
    } else {
      cp = 0xfffd;
    }
  }
  *d = put_utf8(*d, cp);
  return next;
}

static int fail_in_string(parser *p, const uint8_t *s) {
  if (*s >= 0x80) return fail(p, MM_EUTF8, s, "invalid UTF-8 in string");
  if ((size_t)(s - p->buf) >= p->len) return fail(p, MM_ETRUNC, s, "unterminated string");
  return fail(p, MM_ESYNTAX, s, "control character in string (must be escaped)");
}

static inline void set_string(mm_json_value *v, uint8_t *start, size_t len) {
  v->tag = MM_JSON_STRING | ((uint64_t)len << MM__JSON_LEN_SHIFT);
  v->uni.str = (const char *)start;
}

/* The rest of a string whose first escape is at s: from here on the text
 * moves down to d as it is decoded. */
static uint8_t *read_string_escaped(parser *p, uint8_t *start, uint8_t *s, mm_json_value *v) {
  uint8_t *d = s;
  for (;;) {
    if (*s == '\\') {
      if (!(s = unescape(p, s, &d))) return NULL;
      continue;
    }
    unsigned m = special_mask16(s);
    if (!m) {
      copy16(d, s); /* safe: d < s, and all 16 source bytes are loaded */
      s += 16, d += 16;
      continue;
    }
    unsigned k = (unsigned)__builtin_ctz(m);
    memmove(d, s, k);
    s += k, d += k;
    if (*s == '"') {
      *d = '\0';
      set_string(v, start, (size_t)(d - start));
      return s + 1;
    }
    if (*s < 0x80) {
      if (*s == '\\') continue;
      return fail_in_string(p, s), NULL;
    }
    size_t n = utf8_seq(s);
    if (!n) return fail_in_string(p, s), NULL;
    memmove(d, s, n);
    s += n, d += n;
  }
}

/* A string at s (s[0] == '"') into v. Returns the byte after the closing
 * quote, or NULL with the error filled. Plain strings are never moved:
 * only their closing quote is overwritten with NUL. */
static inline uint8_t *read_string(parser *p, uint8_t *s, mm_json_value *v) {
  uint8_t *start = ++s;
  for (;;) {
    unsigned m = special_mask16(s);
    if (MM_LIKELY(!m)) {
      s += 16;
      continue;
    }
    s += __builtin_ctz(m);
    if (MM_LIKELY(*s == '"')) {
      *s = '\0';
      set_string(v, start, (size_t)(s - start));
      return s + 1;
    }
    if (*s == '\\') return read_string_escaped(p, start, s, v);
    if (*s < 0x80) return fail_in_string(p, s), NULL;
    do {
      size_t n = utf8_seq(s);
      if (!n) return fail_in_string(p, s), NULL;
      s += n;
    } while (*s >= 0x80);
  }
}

/* ---- numbers (RFC 8259 section 6) ----------------------------------------- */

static inline bool is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The integer start[neg..end) when it has more than 19 digits: fits uint64? */
static bool big_uint(const uint8_t *s, const uint8_t *end, uint64_t *out) {
  uint64_t u = 0;
  for (; s < end; s++)
    if (__builtin_mul_overflow(u, 10, &u) || __builtin_add_overflow(u, (uint64_t)(*s - '0'), &u))
      return false;
  *out = u;
  return true;
}

/* The double of the number text at start..end (already validated). */
static double slow_double(uint8_t *start, uint8_t *end) {
  uint8_t saved = *end;
  *end = '\0'; /* the copy is ours; strtod must stop exactly here */
  double d = mm__json_strtod((const char *)start);
  *end = saved;
  return d;
}

static void set_integer(mm_json_value *v, bool neg, uint64_t m) {
  if (neg ? m <= (uint64_t)INT64_MAX + 1 : m <= (uint64_t)INT64_MAX) {
    v[0].tag |= MM__JSON_INT;
    v[1].uni.i = neg ? (int64_t)(0 - m) : (int64_t)m; /* 0 - 2^63 wraps to INT64_MIN */
  } else if (!neg) {
    v[0].tag |= MM__JSON_UINT;
    v[1].uni.u = m;
  } else {
    v[1].uni.d = -(double)m; /* -2^63-1 .. -(10^19-1): one rounding, correct */
  }
}

/* What scanning a number found: value = m * 10^exp10, exactly unless
 * inexact (digits beyond the 19 that m holds were not all zero). */
typedef struct num_scan {
  uint64_t m;       /* the first 19 significant digits */
  int nd;           /* digits in m */
  int64_t exp10;    /* decimal exponent applied to m */
  bool inexact;     /* nonzero digits were dropped */
  bool integer;     /* no fraction, no exponent */
  bool neg;         /* leading '-' */
  uint8_t *int_end; /* end of the integer part */
} num_scan;

static inline void add_digit(num_scan *n, uint8_t c, bool fraction) {
  if (fraction && n->m == 0 && c == '0')
    n->exp10--; /* leading zero of 0.00x */
  else if (n->nd < 19)
    n->m = n->m * 10 + (uint64_t)(c - '0'), n->nd++, n->exp10 -= fraction;
  else
    n->exp10 += !fraction, n->inexact |= c != '0';
}

/* The grammar of section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * Returns the byte after the number, or NULL with the error filled. */
static uint8_t *scan_number(parser *p, uint8_t *s, num_scan *n) {
  s += n->neg = *s == '-';
  if (*s == '0') {
    if (is_digit(*++s)) return fail(p, MM_ESYNTAX, s, "leading zero in number"), NULL;
  } else if (is_digit(*s)) {
    do add_digit(n, *s, false);
    while (is_digit(*++s));
  } else {
    return fail_unexpected(p, s, "digit expected in number"), NULL;
  }
  n->int_end = s;
  if (*s == '.') {
    n->integer = false;
    if (!is_digit(*++s)) return fail_unexpected(p, s, "digit expected after '.'"), NULL;
    do add_digit(n, *s, true);
    while (is_digit(*++s));
  }
  if ((*s | 0x20) == 'e') {
    n->integer = false;
    bool eneg = *++s == '-';
    s += (*s == '-' || *s == '+');
    if (!is_digit(*s)) return fail_unexpected(p, s, "digit expected in exponent"), NULL;
    int64_t e = 0;
    do e = e < 1000000 ? e * 10 + (*s - '0') : e; /* saturate: 1e1000000 is inf anyway */
    while (is_digit(*++s));
    n->exp10 += eneg ? -e : e;
  }
  return s;
}

/* The exact integer, or the correctly rounded double, of start..end. */
static void number_value(mm_json_value *v, const num_scan *n, uint8_t *start, uint8_t *end) {
  uint64_t u;
  if (n->integer) {
    if (n->nd < 19 || (!n->inexact && n->exp10 == 0))
      set_integer(v, n->neg, n->m);
    else if (big_uint(start + n->neg, n->int_end, &u))
      set_integer(v, n->neg, u);
    else
      v[1].uni.d = slow_double(start, end);
  } else if (n->m == 0) {
    v[1].uni.d = n->neg ? -0.0 : 0.0;
  } else if (!n->inexact && n->m <= (1ull << 53) && n->exp10 >= -22 && n->exp10 <= 22) {
    double d = (double)n->m; /* Clinger: both operands exact, so one rounding */
    d = n->exp10 >= 0 ? d * pow10_exact[n->exp10] : d / pow10_exact[-n->exp10];
    v[1].uni.d = n->neg ? -d : d;
  } else {
    v[1].uni.d = slow_double(start, end);
  }
  if (!(v[0].tag & (MM__JSON_INT | MM__JSON_UINT)) && isinf(v[1].uni.d)) v[0].tag |= MM__JSON_HUGE;
}

/* A number at s into v[0..2). Returns the byte after it, or NULL. What
 * follows is not checked here: the state machine expects ',' ']' '}'. */
static uint8_t *read_number(parser *p, uint8_t *s, mm_json_value *v) {
  num_scan n = {.integer = true};
  uint8_t *end = scan_number(p, s, &n);
  if (!end) return NULL;
  v[0].tag = MM_JSON_NUMBER | ((uint64_t)(end - s) << MM__JSON_LEN_SHIFT);
  v[0].uni.str = (const char *)s;
  number_value(v, &n, s, end);
  return end;
}

/* ---- node storage ----------------------------------------------------------- */

/* Make room for at least `want` nodes, keeping the first `used`. The new
 * size extrapolates from the share of the input parsed so far, so that a
 * document denser than the first estimate grows about once. */
static int grow_nodes(parser *p, size_t used, size_t consumed) {
  size_t want = p->cap + p->cap / 2;
  if (consumed > 0) {
    double ratio = (double)p->len / (double)consumed;
    double guess = (double)used * ratio * 1.1 + 64;
    if (guess > (double)want && guess < (double)(SIZE_MAX / 2 / sizeof(mm_json_value)))
      want = (size_t)guess;
  }
  mm_json_value *nv;
  if (p->doc) {
    nv = mm_realloc(p->vals, want * sizeof(*nv));
    if (nv) p->doc->vals = nv, p->doc->vals_cap = want;
  } else {
    nv = mm_arena_alloc(p->arena, want * sizeof(*nv));
    if (nv) memcpy(nv, p->vals, used * sizeof(*nv));
  }
  if (!nv) return mm_error_set(p->err, MM_ENOMEM, "out of memory for %zu JSON values", want);
  p->vals = nv;
  p->cap = want;
  return MM_OK;
}

/* ---- the state machine ----------------------------------------------------- */

/*
 * States (labels):
 *   value      - a value starts at s (after whitespace)
 *   arr_open   - '[' at s          obj_open - '{' at s
 *   key        - a member name starts at s ('"')
 *   after_val  - a value just ended: count it, then ',' or the closing bracket
 *   close      - the innermost container just closed at s-1
 *   doc_end    - the top-level value is complete: only whitespace may follow
 * The open containers form a stack linked through their uni.size (parent
 * index); `ctn` is the innermost (NULL at top level), `count` its elements
 * so far and `in_obj` its kind, kept in registers; a parent's count waits in
 * its tag while a child is open.
 */
static int parse_tree(parser *p, uint8_t *s) {
  mm_json_value *vals = p->vals, *v = vals, *ctn = NULL;
  mm_json_value *vlimit = vals + p->cap - 2; /* a number takes 2 nodes */
  uint64_t count = 0;
  bool in_obj = false;
  size_t depth = 0;
  uint8_t guess[64] = {0}; /* last whitespace run length per depth (mod 64) */
  int rc;

#define GROW()                                                               \
  do {                                                                       \
    size_t vi_ = (size_t)(v - vals), ci_ = ctn ? (size_t)(ctn - vals) : 0;   \
    if ((rc = grow_nodes(p, vi_, (size_t)(s - p->buf))) != MM_OK) return rc; \
    vals = p->vals, v = vals + vi_, ctn = ctn ? vals + ci_ : NULL;           \
    vlimit = vals + p->cap - 2;                                              \
  } while (0)
#define OPEN(type)                                                         \
  do {                                                                     \
    if (++depth > p->max_depth)                                            \
      return fail(p, MM_ELIMIT, s, "nesting deeper than the depth limit"); \
    if (ctn) ctn->tag = mm__json_type(ctn) | count << MM__JSON_LEN_SHIFT;  \
    v->tag = (type);                                                       \
    v->uni.size = ctn ? (uint64_t)(ctn - vals) : MM__JSON_NO_PARENT;       \
    ctn = v++;                                                             \
    count = 0;                                                             \
    in_obj = (type) == MM_JSON_OBJECT;                                     \
    s = skip_ws_guess(s + 1, &guess[depth & 63]);                          \
  } while (0)

  s = skip_ws(s);
value:
  if (MM_UNLIKELY(v >= vlimit)) GROW();
  if (MM_LIKELY(*s == '"')) { /* the commonest value in AWS documents */
    if (!(s = read_string(p, s, v))) return p->code;
    v++;
    goto after_val;
  }
  switch (*s) {
    case '{':
      goto obj_open;
    case '[':
      goto arr_open;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      if (!(s = read_number(p, s, v))) return p->code;
      v += 2;
      goto after_val;
    case 't':
      if (memcmp(s, "true", 4) != 0) return fail_unexpected(p, s, "value expected");
      v->tag = MM_JSON_BOOL | MM__JSON_TRUE, v++, s += 4;
      goto after_val;
    case 'f':
      if (memcmp(s, "false", 5) != 0) return fail_unexpected(p, s, "value expected");
      v->tag = MM_JSON_BOOL, v++, s += 5;
      goto after_val;
    case 'n':
      if (memcmp(s, "null", 4) != 0) return fail_unexpected(p, s, "value expected");
      v->tag = MM_JSON_NULL, v++, s += 4;
      goto after_val;
    default:
      return fail_unexpected(p, s, "value expected");
  }

arr_open:
  OPEN(MM_JSON_ARRAY);
  if (*s == ']') {
    s++;
    goto close;
  }
  goto value;

obj_open:
  OPEN(MM_JSON_OBJECT);
  if (*s == '}') {
    s++;
    goto close;
  }
  if (*s != '"') return fail_unexpected(p, s, "member name (a string) expected");
key:
  if (MM_UNLIKELY(v >= vlimit)) GROW();
  if (!(s = read_string(p, s, v))) return p->code;
  v++;
  s = skip_ws(s);
  if (MM_UNLIKELY(*s != ':')) return fail_unexpected(p, s, "':' expected after member name");
  s = skip_ws(s + 1);
  goto value;

after_val:
  if (MM_UNLIKELY(!ctn)) goto doc_end;
  count++;
  s = skip_ws_guess(s, &guess[(depth + 32) & 63]); /* before a closing bracket */
  if (in_obj) {
    if (MM_LIKELY(*s == ',')) {
      s = skip_ws_guess(s + 1, &guess[depth & 63]);
      if (MM_LIKELY(*s == '"')) goto key;
      return fail_unexpected(p, s, "member name (a string) expected");
    }
    if (*s == '}') {
      s++;
      goto close;
    }
    return fail_unexpected(p, s, "',' or '}' expected");
  }
  if (MM_LIKELY(*s == ',')) {
    s = skip_ws_guess(s + 1, &guess[depth & 63]);
    goto value;
  }
  if (*s == ']') {
    s++;
    goto close;
  }
  return fail_unexpected(p, s, "',' or ']' expected");

close : {
  uint64_t parent = ctn->uni.size;
  ctn->tag = mm__json_type(ctn) | count << MM__JSON_LEN_SHIFT;
  ctn->uni.size = (uint64_t)(v - ctn);
  depth--;
  if (in_obj && (count >= MM_JSON_INDEX_MIN || (p->flags & MM_JSON_REJECT_DUPLICATES)) &&
      (rc = mm__json_finish_object(p, ctn)) != MM_OK)
    return rc;
  if (parent == MM__JSON_NO_PARENT) goto doc_end;
  ctn = vals + parent;
  count = mm__json_len(ctn);
  in_obj = mm__json_type(ctn) == MM_JSON_OBJECT;
  goto after_val;
}

doc_end:
  s = skip_ws(s);
  if ((size_t)(s - p->buf) != p->len)
    return fail_unexpected(p, s, "end of input expected after the value");
  return MM_OK;
#undef GROW
#undef OPEN
}

/* ---- entry points ----------------------------------------------------------- */

static uint64_t doc_seed(const void *where) {
  /* Per document and per process (ASLR): keys cannot be prepared offline to
   * collide in the index (hash flooding would make parsing quadratic). */
  return mm_hash(&where, sizeof(where), (uint64_t)(uintptr_t)&c_locale_once);
}

/* Nodes for a first try: ~1 per 12 input bytes covers pretty and compact
 * CloudTrail (15-20 bytes per node); denser input grows once. */
static size_t initial_nodes(size_t len) { return len / 12 + 16; }

static int check_options(const mm_json_options *opt, size_t len, parser *p) {
  size_t max_size = opt && opt->max_size ? opt->max_size : MM_JSON_MAX_SIZE;
  if (max_size > UINT32_MAX) max_size = UINT32_MAX;
  p->max_depth = opt && opt->max_depth ? opt->max_depth : MM_JSON_MAX_DEPTH;
  p->flags = opt ? opt->flags : 0;
  if (len > max_size)
    return mm_error_set(p->err, MM_ELIMIT, "document of %zu bytes exceeds the size limit (%zu)",
                        len, max_size);
  return MM_OK;
}

/* Copy the input, skip a BOM, run the machine. */
static int run(parser *p) {
  memcpy(p->buf, p->text, p->len);
  memset(p->buf + p->len, 0, MM__JSON_PAD);
  uint8_t *s = p->buf;
  if (p->len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
    if (p->flags & MM_JSON_REJECT_BOM) return fail(p, MM_ESYNTAX, s, "byte order mark");
    s += 3;
  }
  return parse_tree(p, s);
}

int mm_json_doc_parse(mm_json_doc *doc, const char *text, size_t len, const mm_json_options *opt,
                      mm_error *err) {
  parser p = {.text = text, .len = len, .doc = doc, .arena = &doc->arena, .err = err};
  doc->root = NULL;
  mm_arena_reset(&doc->arena);
  int rc = check_options(opt, len, &p);
  if (rc) return rc;
  if (doc->buf_cap < len + MM__JSON_PAD) {
    mm_free(doc->buf);
    doc->buf_cap = 0;
    if (!(doc->buf = mm_malloc(len + MM__JSON_PAD)))
      return mm_error_set(err, MM_ENOMEM, "out of memory copying %zu bytes of JSON", len);
    doc->buf_cap = len + MM__JSON_PAD;
  }
  size_t want = initial_nodes(len);
  if (doc->vals_cap < want) {
    mm_json_value *nv = mm_realloc(doc->vals, want * sizeof(*nv));
    if (!nv) return mm_error_set(err, MM_ENOMEM, "out of memory for %zu JSON values", want);
    doc->vals = nv, doc->vals_cap = want;
  }
  p.buf = (uint8_t *)doc->buf;
  p.vals = doc->vals;
  p.cap = doc->vals_cap;
  p.seed = doc_seed(doc);
  if ((rc = run(&p)) != MM_OK) return rc;
  doc->root = doc->vals;
  return MM_OK;
}

mm_json_doc *mm_json_doc_new(void) {
  mm_json_doc *doc = mm_calloc(1, sizeof(*doc));
  if (doc) mm_arena_init(&doc->arena, 4096);
  return doc;
}

void mm_json_doc_free(mm_json_doc *doc) {
  if (!doc) return;
  mm_arena_destroy(&doc->arena);
  mm_free(doc->buf);
  mm_free(doc->vals);
  mm_free(doc);
}

const mm_json_value *mm_json_doc_root(const mm_json_doc *doc) { return doc ? doc->root : NULL; }

mm_json_doc *mm_json_parse(const char *text, size_t len, const mm_json_options *opt,
                           mm_error *err) {
  mm_json_doc *doc = mm_json_doc_new();
  if (!doc) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  if (mm_json_doc_parse(doc, text, len, opt, err) != MM_OK) {
    mm_json_doc_free(doc);
    return NULL;
  }
  return doc;
}

const mm_json_value *mm_json_parse_arena(mm_arena *a, const char *text, size_t len,
                                         const mm_json_options *opt, mm_error *err) {
  parser p = {.text = text, .len = len, .arena = a, .err = err};
  if (check_options(opt, len, &p) != MM_OK) return NULL;
  p.buf = mm_arena_alloc(a, len + MM__JSON_PAD);
  p.cap = initial_nodes(len);
  p.vals = mm_arena_alloc(a, p.cap * sizeof(mm_json_value));
  if (!p.buf || !p.vals) {
    mm_error_set(err, MM_ENOMEM, "out of memory parsing %zu bytes of JSON", len);
    return NULL;
  }
  p.seed = doc_seed(a);
  return run(&p) == MM_OK ? p.vals : NULL;
}
