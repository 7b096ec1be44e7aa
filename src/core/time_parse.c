/*
 * time_parse.c - reading timestamps: ISO 8601 / RFC 3339 text and epoch
 * numbers, in the forms AWS writes and accepts.
 *
 * Specifications: RFC 3339 section 5.6 (the date-time grammar, with its
 * NOTEs allowing "t", "z" and a space for "T"), section 5.7 (leap seconds);
 * ISO 8601-1:2019 (basic format, reduced precision); the W3C "Date and Time
 * Formats" profile that IAM's Date condition operators name ("IAM JSON
 * policy elements: Condition operators"); aws:EpochTime ("AWS global
 * condition context keys"); SigV4's X-Amz-Date (basic format). The forms
 * and every choice made where they leave room are listed in
 * include/mamori/time.h. Grammar, as accepted here:
 *
 *   iso       = ext-date [ sep ext-time [ zone ] ] / year "-" month
 *             / basic-date [ ("T" / "t") basic-time [ zone ] ]
 *   ext-date  = year "-" month "-" day        ; 2024-07-30
 *   ext-time  = hour ":" minute [ ":" second [ frac ] ]
 *   basic-date= year month day                ; 20240730
 *   basic-time= hour minute [ second [ frac ] ]
 *   sep       = "T" / "t" / " "
 *   frac      = "." 1*9DIGIT                  ; MM_TIME_MAX_FRACTION_DIGITS
 *   zone      = "Z" / "z" / ("+" / "-") hour [ [":"] minute ]
 *   epoch-s   = ["-"] 1*DIGIT [ frac ]
 *   epoch-ms  = ["-"] 1*DIGIT
 */
#include "time_internal.h"

#include <string.h>

/* The parser's cursor. */
typedef struct tparse {
  const char *s; /* the text */
  size_t n;      /* its length */
  size_t i;      /* next byte to read */
  mm_error *err; /* where failures go; may be NULL */
} tparse;

/* The fields of an ISO 8601 text as read. */
typedef struct iso_fields {
  int year, month, day;     /* calendar date, validated as read */
  int hour, minute, second; /* 0 when absent; second may be 60 */
  int usec;                 /* fraction, truncated to microseconds */
  int offset;               /* local time minus UTC, in minutes */
  size_t second_at;         /* where the seconds are (leap-second errors) */
  bool basic;               /* basic format (no '-' or ':') */
} iso_fields;

/* Record a failure at byte `at`. */
static int fail(tparse *p, int code, size_t at, const char *what) {
  return mm_error_at(p->err, code, p->s, p->n, at, "%s", what);
}

static bool at_end(const tparse *p) { return p->i >= p->n; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool peek(const tparse *p, char c) { return p->i < p->n && p->s[p->i] == c; }

/* Read exactly `count` digits into *out. */
static int digits(tparse *p, int count, int *out, const char *what) {
  int v = 0;
  for (int k = 0; k < count; k++, p->i++) {
    if (at_end(p)) return fail(p, MM_ETRUNC, p->i, what);
    if (!is_digit(p->s[p->i])) return fail(p, MM_ESYNTAX, p->i, what);
    v = v * 10 + (p->s[p->i] - '0');
  }
  *out = v;
  return MM_OK;
}

static int expect(tparse *p, char c, const char *what) {
  if (at_end(p)) return fail(p, MM_ETRUNC, p->i, what);
  if (p->s[p->i] != c) return fail(p, MM_ESYNTAX, p->i, what);
  p->i++;
  return MM_OK;
}

/* `count` digits in [lo, hi] into *out; out of range is MM_ERANGE at the
 * field's first digit. */
static int field(tparse *p, int count, int lo, int hi, int *out, const char *what,
                 const char *range) {
  size_t at = p->i;
  int rc = digits(p, count, out, what);
  if (rc == MM_OK && (*out < lo || *out > hi)) rc = fail(p, MM_ERANGE, at, range);
  return rc;
}

/* ---- fractions ----------------------------------------------------------- */

/* "." 1*9DIGIT into microseconds, truncated; *sub_us says whether a nonzero
 * digit was cut (negative epoch values round toward the past with it). */
static int fraction(tparse *p, int *usec, bool *sub_us) {
  int v = 0, k = 0;
  *sub_us = false;
  p->i++; /* '.' */
  for (; !at_end(p) && is_digit(p->s[p->i]); k++, p->i++) {
    if (k == MM_TIME_MAX_FRACTION_DIGITS)
      return fail(p, MM_ESYNTAX, p->i, "too many fraction digits");
    if (k < 6)
      v = v * 10 + (p->s[p->i] - '0');
    else if (p->s[p->i] != '0')
      *sub_us = true;
  }
  if (k == 0)
    return fail(p, at_end(p) ? MM_ETRUNC : MM_ESYNTAX, p->i, "expected a digit after '.'");
  for (; k < 6; k++) v *= 10;
  *usec = v;
  return MM_OK;
}

/* ---- ISO 8601 / RFC 3339 ------------------------------------------------- */

/* Month and day of an extended date; "YYYY-MM" alone is the W3C
 * year-and-month form. */
static int ext_date(tparse *p, iso_fields *f) {
  int rc;
  p->i++; /* '-' */
  if ((rc = field(p, 2, 1, 12, &f->month, "expected a two-digit month", "month out of range")))
    return rc;
  f->day = 1;
  if (at_end(p)) return MM_OK;
  if ((rc = expect(p, '-', "expected '-' before the day"))) return rc;
  return field(p, 2, 1, mm_time_days_in_month(f->year, f->month), &f->day,
               "expected a two-digit day", "day out of range for the month");
}

static int basic_date(tparse *p, iso_fields *f) {
  int rc;
  f->basic = true;
  if ((rc = field(p, 2, 1, 12, &f->month, "expected a two-digit month", "month out of range")))
    return rc;
  return field(p, 2, 1, mm_time_days_in_month(f->year, f->month), &f->day,
               "expected a two-digit day", "day out of range for the month");
}

static int date(tparse *p, iso_fields *f) {
  int rc = field(p, 4, MM_TIME_MIN_YEAR, MM_TIME_MAX_YEAR, &f->year, "expected a four-digit year",
                 "year out of range");
  if (rc) return rc;
  if (peek(p, '-')) return ext_date(p, f);
  if (at_end(p)) return fail(p, MM_ETRUNC, p->i, "a year alone is not a date");
  return basic_date(p, f);
}

/* Seconds and fraction, after "hh:mm" (or "hhmm"). */
static int seconds(tparse *p, iso_fields *f) {
  bool sub_us;
  int rc;
  f->second_at = p->i;
  if ((rc = field(p, 2, 0, 60, &f->second, "expected two-digit seconds", "second out of range")))
    return rc;
  return peek(p, '.') ? fraction(p, &f->usec, &sub_us) : MM_OK;
}

static int time_of_day(tparse *p, iso_fields *f) {
  int rc;
  if ((rc = field(p, 2, 0, 23, &f->hour, "expected a two-digit hour", "hour out of range")))
    return rc;
  if (!f->basic && (rc = expect(p, ':', "expected ':' after the hour"))) return rc;
  if ((rc = field(p, 2, 0, 59, &f->minute, "expected two-digit minutes", "minute out of range")))
    return rc;
  if (f->basic && !at_end(p) && is_digit(p->s[p->i])) return seconds(p, f);
  if (!f->basic && peek(p, ':')) return p->i++, seconds(p, f);
  return MM_OK;
}

/* "Z", "z", "+hh", "+hhmm", "+hh:mm" (or '-'); nothing means UTC. */
static int zone(tparse *p, iso_fields *f) {
  int rc, hh, mm = 0;
  if (at_end(p)) return MM_OK;
  char c = p->s[p->i];
  if (c == 'Z' || c == 'z') return p->i++, MM_OK;
  if (c != '+' && c != '-') return fail(p, MM_ESYNTAX, p->i, "expected 'Z' or an offset");
  p->i++;
  if ((rc = field(p, 2, 0, 23, &hh, "expected two-digit offset hours", "offset hour out of range")))
    return rc;
  bool colon = peek(p, ':');
  if (colon) p->i++;
  if ((colon || !at_end(p)) && (rc = field(p, 2, 0, 59, &mm, "expected two-digit offset minutes",
                                           "offset minute out of range")))
    return rc;
  f->offset = (c == '-' ? -1 : 1) * (hh * 60 + mm);
  return MM_OK;
}

static int date_time(tparse *p, iso_fields *f) {
  int rc;
  if ((rc = date(p, f)) || at_end(p)) return rc;
  char c = p->s[p->i];
  if (!(c == 'T' || c == 't' || (c == ' ' && !f->basic)))
    return fail(p, MM_ESYNTAX, p->i, f->basic ? "expected 'T' after the date" : "expected 'T'");
  p->i++;
  if ((rc = time_of_day(p, f)) || (rc = zone(p, f))) return rc;
  return at_end(p) ? MM_OK : fail(p, MM_ESYNTAX, p->i, "unexpected text after the time");
}

/* Combine the fields into an instant; the leap second and the range of
 * the result are checked here, once the offset is known. */
static int iso_instant(tparse *p, iso_fields *f, mm_time *out) {
  int64_t days = mm__time_days_from_civil(f->year, f->month, f->day);
  int utc_minute = ((f->hour * 60 + f->minute - f->offset) % 1440 + 1440) % 1440;
  if (f->second == 60) {
    if (utc_minute != 1439) return fail(p, MM_ERANGE, f->second_at, "second 60 outside 23:59 UTC");
    f->second = 59, f->usec = 999999; /* the leap second folds into 23:59:59.999999 */
  }
  mm_time t = mm__time_from_fields(days, f->hour, f->minute, f->second, f->usec) -
              (int64_t)f->offset * 60 * MM_TIME_US_PER_SEC;
  if (t < MM_TIME_MIN || t > MM_TIME_MAX)
    return fail(p, MM_ERANGE, 0, "instant outside the years 0001-9999 in UTC");
  *out = t;
  return MM_OK;
}

static int parse_iso(tparse *p, mm_time *out) {
  iso_fields f = {0};
  int rc = date_time(p, &f);
  return rc ? rc : iso_instant(p, &f, out);
}

/* ---- epoch numbers ------------------------------------------------------- */

/* ["-"] 1*DIGIT into *v; more than 15 digits is out of every range here. */
static int integer(tparse *p, int64_t *v, bool *neg) {
  size_t start;
  *neg = peek(p, '-');
  if (*neg) p->i++;
  *v = 0;
  for (start = p->i; !at_end(p) && is_digit(p->s[p->i]); p->i++) {
    if (p->i - start == 15) return fail(p, MM_ERANGE, start, "epoch value out of range");
    *v = *v * 10 + (p->s[p->i] - '0');
  }
  if (p->i == start)
    return fail(p, at_end(p) ? MM_ETRUNC : MM_ESYNTAX, p->i, "expected a decimal number");
  if (*neg) *v = -*v;
  return MM_OK;
}

static int parse_epoch_ms(tparse *p, mm_time *out) {
  int64_t ms;
  bool neg;
  int rc = integer(p, &ms, &neg);
  if (rc) return rc;
  if (!at_end(p)) return fail(p, MM_ESYNTAX, p->i, "epoch milliseconds must be an integer");
  if (mm_time_from_epoch_ms(ms, out)) return fail(p, MM_ERANGE, 0, "epoch value out of range");
  return MM_OK;
}

static int parse_epoch_s(tparse *p, mm_time *out) {
  int64_t s;
  int usec = 0, rc;
  bool neg, sub_us = false;
  mm_time t;
  if ((rc = integer(p, &s, &neg))) return rc;
  if (peek(p, '.') && (rc = fraction(p, &usec, &sub_us))) return rc;
  if (!at_end(p)) return fail(p, MM_ESYNTAX, p->i, "unexpected text after the number");
  if (mm_time_from_epoch_s(s, &t)) return fail(p, MM_ERANGE, 0, "epoch value out of range");
  /* The fraction has the number's sign; cut digits round toward the past. */
  t += neg ? -(int64_t)usec - sub_us : usec;
  if (t < MM_TIME_MIN || t > MM_TIME_MAX) return fail(p, MM_ERANGE, 0, "epoch value out of range");
  *out = t;
  return MM_OK;
}

/* ["-"] digits ["." digits] and nothing else. */
static bool looks_numeric(mm_str s) {
  size_t i = s.len && s.ptr[0] == '-', digits_seen = 0;
  for (; i < s.len && is_digit(s.ptr[i]); i++) digits_seen++;
  if (digits_seen == 0) return false;
  if (i < s.len && s.ptr[i] == '.')
    for (i++; i < s.len && is_digit(s.ptr[i]); i++) continue;
  return i == s.len;
}

/* ---- public API ---------------------------------------------------------- */

int mm_time_parse(mm_str text, unsigned flags, mm_time *out, mm_error *err) {
  const unsigned epoch = flags & (MM_TIME_EPOCH_S | MM_TIME_EPOCH_MS);
  if (flags == 0 || (flags & ~(unsigned)MM_TIME_ALL_FLAGS) ||
      epoch == (MM_TIME_EPOCH_S | MM_TIME_EPOCH_MS))
    return mm_error_set(err, MM_EINVAL, "invalid time flags 0x%x", flags);
  tparse p = {text.ptr ? text.ptr : "", text.len, 0, err};
  mm_time t;
  int rc;
  if (epoch && (looks_numeric(text) || !(flags & MM_TIME_ISO8601)))
    rc = epoch == MM_TIME_EPOCH_S ? parse_epoch_s(&p, &t) : parse_epoch_ms(&p, &t);
  else if (p.n == 0)
    rc = fail(&p, MM_ETRUNC, 0, "empty timestamp");
  else
    rc = parse_iso(&p, &t);
  if (rc == MM_OK) *out = t;
  return rc;
}

int mm_time_parse_iso8601(mm_str text, mm_time *out, mm_error *err) {
  return mm_time_parse(text, MM_TIME_ISO8601, out, err);
}
