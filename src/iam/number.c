/*
 * number.c - exact decimals for the Numeric condition operators. AWS
 * compares numbers, not text ("NumericEquals" of "10" and "10.0" holds), and
 * a double would make 9007199254740993 equal 9007199254740992, so values are
 * kept as significant digits and a decimal exponent and compared exactly.
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric)
 */
#include "iam_int.h"

#include <string.h>

/* Largest exponent magnitude accepted: far beyond any counter, small enough
 * that exponent arithmetic cannot overflow int32. */
#define EXP_LIMIT 100000

typedef struct num_scan {
  mm_str s; /* the text */
  size_t i; /* position */
} num_scan;

static bool digit_at(const num_scan *sc) {
  return sc->i < sc->s.len && sc->s.ptr[sc->i] >= '0' && sc->s.ptr[sc->i] <= '9';
}

/* Collect the mantissa's digits (integer part, then fraction), dropping
 * leading zeros; *point is how many digits lie before the decimal point. */
static bool scan_mantissa(num_scan *sc, mm__iam_decimal *d, int32_t *point) {
  bool any = false, frac = false;
  int32_t pt = 0;
  for (; sc->i < sc->s.len; sc->i++) {
    char c = sc->s.ptr[sc->i];
    if (c == '.' && !frac) {
      frac = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any = true;
    if (!frac) pt++;
    if (d->ndigits == 0 && c == '0') {
      pt--; /* a leading zero is no digit: before the point it was counted
               above, after it it shifts the value right */
      continue;
    }
    if (d->ndigits >= MM_IAM_MAX_NUMBER_DIGITS) return false;
    d->digits[d->ndigits++] = c;
  }
  *point = pt;
  return any;
}

static bool scan_exponent(num_scan *sc, int32_t *e) {
  *e = 0;
  if (sc->i >= sc->s.len || (sc->s.ptr[sc->i] != 'e' && sc->s.ptr[sc->i] != 'E')) return true;
  sc->i++;
  bool neg = false;
  if (sc->i < sc->s.len && (sc->s.ptr[sc->i] == '+' || sc->s.ptr[sc->i] == '-'))
    neg = sc->s.ptr[sc->i++] == '-';
  if (!digit_at(sc)) return false;
  int32_t v = 0;
  for (; digit_at(sc); sc->i++) {
    v = v * 10 + (sc->s.ptr[sc->i] - '0');
    if (v > EXP_LIMIT) return false;
  }
  *e = neg ? -v : v;
  return true;
}

bool mm__iam_decimal_parse(mm_str s, mm__iam_decimal *out) {
  memset(out, 0, sizeof(*out));
  num_scan sc = {s, 0};
  if (sc.i < s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) out->neg = s.ptr[sc.i++] == '-';
  int32_t point = 0, e = 0;
  if (!scan_mantissa(&sc, out, &point) || !scan_exponent(&sc, &e) || sc.i != s.len) return false;
  while (out->ndigits && out->digits[out->ndigits - 1] == '0') out->ndigits--;
  if (out->ndigits == 0) return out->neg = false, out->exp = 0, true;
  out->exp = point + e;
  return true;
}

static int magnitude_cmp(const mm__iam_decimal *a, const mm__iam_decimal *b) {
  if (a->exp != b->exp) return a->exp < b->exp ? -1 : 1;
  size_t n = a->ndigits < b->ndigits ? a->ndigits : b->ndigits;
  int c = memcmp(a->digits, b->digits, n);
  if (c) return c < 0 ? -1 : 1;
  return a->ndigits == b->ndigits ? 0 : (a->ndigits < b->ndigits ? -1 : 1);
}

int mm__iam_decimal_cmp(const mm__iam_decimal *a, const mm__iam_decimal *b) {
  bool az = a->ndigits == 0, bz = b->ndigits == 0;
  if (az || bz) {
    int sa = az ? 0 : (a->neg ? -1 : 1), sb = bz ? 0 : (b->neg ? -1 : 1);
    return sa < sb ? -1 : sa > sb;
  }
  if (a->neg != b->neg) return a->neg ? -1 : 1;
  int m = magnitude_cmp(a, b);
  return a->neg ? -m : m;
}
