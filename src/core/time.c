/*
 * time.c - mm_time's calendar arithmetic (instant <-> civil fields), epoch
 * numbers, and writing the timestamp forms AWS uses.
 *
 * An mm_time is microseconds since 1970-01-01T00:00:00Z without leap seconds
 * (POSIX time, IEEE Std 1003.1 "Seconds Since the Epoch"). Civil fields are
 * proleptic Gregorian, computed here with integer arithmetic only: no
 * gmtime/timegm, no locale, no TZ. Output forms: RFC 3339 section 5.6
 * date-time in UTC ("Z"), as CloudTrail's eventTime and EventBridge's time
 * use it; the ISO 8601 basic form of SigV4's X-Amz-Date and credential
 * scope (AWS General Reference, "Elements of an AWS API request
 * signature"); and epoch milliseconds, the "timestamp" of AWS WAF logs
 * (AWS WAF Developer Guide, "Log fields for protection pack (web ACL)
 * traffic").
 */
#include "time_internal.h"

#include <string.h>
#include <time.h>

/* ---- calendar ---------------------------------------------------------- */

/* Days before the first of each month in a common year. */
static const int days_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

bool mm_time_is_leap_year(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int mm_time_days_in_month(int year, int month) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return days[month - 1] + (month == 2 && mm_time_is_leap_year(year));
}

int64_t mm__time_days_from_civil(int year, int month, int day) {
  int leap_day = month > 2 && mm_time_is_leap_year(year);
  return MM_TIME__DAYS_TO_YEAR(year) + days_before_month[month - 1] + leap_day + day - 1;
}

/* Year and 0-based day of the year of day number `days` (within range).
 * Counts whole 400-, 100-, 4- and 1-year cycles from 0001-01-01; the last
 * day of a 400-year (or 4-year) cycle would count as a fifth 100-year (or
 * 1-year) cycle, hence the clamps. */
static void year_from_days(int64_t days, int *year, int *yday0) {
  int64_t n = days + 719162; /* days since 0001-01-01, >= 0 */
  int64_t n400 = n / 146097, r = n % 146097;
  int64_t n100 = r / 36524;
  if (n100 == 4) n100 = 3;
  r -= n100 * 36524;
  int64_t n4 = r / 1461;
  r %= 1461;
  int64_t n1 = r / 365;
  if (n1 == 4) n1 = 3;
  r -= n1 * 365;
  *year = (int)(400 * n400 + 100 * n100 + 4 * n4 + n1 + 1);
  *yday0 = (int)r;
}

/* Month and day of a 0-based day of the year. */
static void month_from_yday(int year, int yday0, int *month, int *day) {
  int leap = mm_time_is_leap_year(year), m = 12;
  while (m > 1 && yday0 < days_before_month[m - 1] + (m > 2 && leap)) m--;
  *month = m;
  *day = yday0 - days_before_month[m - 1] - (m > 2 && leap) + 1;
}

/* Floor division, for instants before the epoch. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int mm_time_to_civil(mm_time t, mm_time_civil *out) {
  if (t < MM_TIME_MIN || t > MM_TIME_MAX) return MM_ERANGE;
  int64_t secs = floor_div(t, MM_TIME_US_PER_SEC);
  int64_t days = floor_div(secs, MM__TIME_SEC_PER_DAY);
  int sod = (int)(secs - days * MM__TIME_SEC_PER_DAY), yday0;
  year_from_days(days, &out->year, &yday0);
  month_from_yday(out->year, yday0, &out->month, &out->day);
  out->hour = sod / 3600;
  out->minute = sod / 60 % 60;
  out->second = sod % 60;
  out->usec = (int)(t - secs * MM_TIME_US_PER_SEC);
  out->weekday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
  out->yday = yday0 + 1;
  return MM_OK;
}

static bool civil_valid(const mm_time_civil *c) {
  return c->year >= MM_TIME_MIN_YEAR && c->year <= MM_TIME_MAX_YEAR && c->day >= 1 &&
         c->day <= mm_time_days_in_month(c->year, c->month) && c->hour >= 0 && c->hour <= 23 &&
         c->minute >= 0 && c->minute <= 59 && c->second >= 0 && c->second <= 59 && c->usec >= 0 &&
         c->usec <= 999999;
}

int mm_time_from_civil(const mm_time_civil *c, mm_time *out) {
  if (!civil_valid(c)) return MM_ERANGE;
  int64_t days = mm__time_days_from_civil(c->year, c->month, c->day);
  *out = mm__time_from_fields(days, c->hour, c->minute, c->second, c->usec);
  return MM_OK;
}

/* ---- epoch numbers ----------------------------------------------------- */

int mm_time_from_epoch_s(int64_t s, mm_time *out) {
  if (s < MM_TIME_MIN / MM_TIME_US_PER_SEC || s > MM_TIME_MAX / MM_TIME_US_PER_SEC)
    return MM_ERANGE;
  *out = s * MM_TIME_US_PER_SEC;
  return MM_OK;
}

int mm_time_from_epoch_ms(int64_t ms, mm_time *out) {
  if (ms < MM_TIME_MIN / MM_TIME_US_PER_MS || ms > MM_TIME_MAX / MM_TIME_US_PER_MS)
    return MM_ERANGE;
  *out = ms * MM_TIME_US_PER_MS;
  return MM_OK;
}

int64_t mm_time_to_epoch_s(mm_time t) { return floor_div(t, MM_TIME_US_PER_SEC); }
int64_t mm_time_to_epoch_ms(mm_time t) { return floor_div(t, MM_TIME_US_PER_MS); }

mm_time mm_time_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (mm_time)ts.tv_sec * MM_TIME_US_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- formatting -------------------------------------------------------- */

/* v (>= 0) as exactly width digits, zero-padded, at p; returns the end. */
static char *put_num(char *p, int64_t v, int width) {
  for (int i = width - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
  return p + width;
}

/* v as a decimal integer, with '-' when negative. */
static char *put_int(char *p, int64_t v) {
  char digits[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do digits[n++] = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0) *p++ = '-';
  while (n > 0) *p++ = digits[--n];
  return p;
}

/* YYYY-MM-DD, or YYYYMMDD when basic. */
static char *put_date(char *p, const mm_time_civil *c, bool basic) {
  p = put_num(p, c->year, 4);
  if (!basic) *p++ = '-';
  p = put_num(p, c->month, 2);
  if (!basic) *p++ = '-';
  return put_num(p, c->day, 2);
}

/* Thh:mm:ss, or Thhmmss when basic. */
static char *put_time(char *p, const mm_time_civil *c, bool basic) {
  *p++ = 'T';
  p = put_num(p, c->hour, 2);
  if (!basic) *p++ = ':';
  p = put_num(p, c->minute, 2);
  if (!basic) *p++ = ':';
  return put_num(p, c->second, 2);
}

/* What each style writes, in order: the date, the time of day, a fraction
 * of `frac` digits, "Z"; or only a signed epoch count of `unit`. */
typedef struct style_spec {
  bool date;    /* YYYY-MM-DD (YYYYMMDD when basic) */
  bool time;    /* Thh:mm:ss (Thhmmss when basic) */
  bool basic;   /* ISO 8601 basic format: no '-' or ':' */
  bool zulu;    /* trailing "Z" */
  int frac;     /* fraction digits: 0, 3 or 6 */
  int64_t unit; /* epoch styles: microseconds per unit; 0 otherwise */
} style_spec;

static const style_spec styles[] = {
    [MM_TIME_RFC3339] = {true, true, false, true, 0, 0},
    [MM_TIME_RFC3339_MS] = {true, true, false, true, 3, 0},
    [MM_TIME_RFC3339_US] = {true, true, false, true, 6, 0},
    [MM_TIME_BASIC] = {true, true, true, true, 0, 0},
    [MM_TIME_DATE] = {true, false, false, false, 0, 0},
    [MM_TIME_BASIC_DATE] = {true, false, true, false, 0, 0},
    [MM_TIME_EPOCH_SEC] = {false, false, false, false, 0, MM_TIME_US_PER_SEC},
    [MM_TIME_EPOCH_MSEC] = {false, false, false, false, 0, MM_TIME_US_PER_MS},
};

/* The text of t in style into out[MM_TIME_FORMAT_MAX]; its length, or 0. */
static size_t format_into(mm_time t, mm_time_style style, char *out) {
  mm_time_civil c;
  char *p = out;
  if ((unsigned)style >= MM_ARRAY_LEN(styles) || mm_time_to_civil(t, &c) != MM_OK) return 0;
  const style_spec *sp = &styles[style];
  if (sp->unit) p = put_int(p, floor_div(t, sp->unit));
  if (sp->date) p = put_date(p, &c, sp->basic);
  if (sp->time) p = put_time(p, &c, sp->basic);
  if (sp->frac) {
    *p++ = '.';
    p = put_num(p, sp->frac == 3 ? c.usec / 1000 : c.usec, sp->frac);
  }
  if (sp->zulu) *p++ = 'Z';
  *p = '\0';
  return (size_t)(p - out);
}

size_t mm_time_format(mm_time t, mm_time_style style, char *buf, size_t size) {
  char tmp[MM_TIME_FORMAT_MAX];
  size_t len = format_into(t, style, tmp);
  if (len == 0 || len >= size) {
    if (size) buf[0] = '\0';
    return 0;
  }
  memcpy(buf, tmp, len + 1);
  return len;
}

int mm_time_format_buf(mm_time t, mm_time_style style, mm_buf *b) {
  char tmp[MM_TIME_FORMAT_MAX];
  size_t len = format_into(t, style, tmp);
  if (len == 0) return MM_ERANGE;
  return mm_buf_append(b, tmp, len);
}
