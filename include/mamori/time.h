/*
 * mamori/time.h - instants as one int64, and the timestamp forms AWS uses:
 * ISO 8601 / RFC 3339 text (IAM Date conditions, CloudTrail eventTime,
 * EventBridge time, SigV4 X-Amz-Date), epoch seconds (IAM aws:EpochTime)
 * and epoch milliseconds (AWS WAF log timestamp).
 *
 * The representation. mm_time counts microseconds since 1970-01-01T00:00:00Z
 * in UTC, on the proleptic Gregorian calendar, without leap seconds (POSIX
 * time: every day has 86,400 seconds). Instants lie within years
 * MM_TIME_MIN_YEAR..MM_TIME_MAX_YEAR (limits.h; 0001-9999): MM_TIME_MIN is
 * 0001-01-01T00:00:00Z, MM_TIME_MAX is 9999-12-31T23:59:59.999999Z. All
 * arithmetic is integer and ours: no gmtime/timegm, no locale, no TZ.
 *
 * Text forms mm_time_parse accepts with MM_TIME_ISO8601 (ISO 8601-1:2019,
 * RFC 3339 section 5.6 and the W3C profile IAM names):
 *
 *   2024-07-30                         date: midnight UTC
 *   2024-07                            W3C year and month: the 1st, midnight
 *   2024-07-30T21:31Z                  no seconds
 *   2024-07-30T21:31:21Z               seconds
 *   2024-07-30T21:31:21.123456789Z     1-9 fraction digits
 *   2024-07-30t21:31:21z               lower-case t and z (RFC 3339 5.6 NOTE)
 *   2024-07-30 21:31:21Z               space separator (RFC 3339 5.6 NOTE)
 *   2024-07-30T21:31:21+09:00          offsets +hh:mm, -hhmm, +hh, -00:00
 *   2024-07-30T21:31:21                no offset: taken as UTC
 *   20240730                           basic date (SigV4 credential scope)
 *   20240730T213121Z                   basic date-time (SigV4 X-Amz-Date),
 *                                      also with hhmm, a fraction, +hhmm
 *
 * Choices, documented once here:
 *   - Fractions beyond microseconds are truncated toward the past (never
 *     rounded, so no instant moves into the next second, day or year).
 *   - Hour 24 is rejected (RFC 3339 allows 00-23; ISO 8601-1:2019 dropped
 *     24:00). Offsets are at most 23:59.
 *   - Second 60 (a leap second, RFC 3339 5.7) is accepted only where UTC
 *     has one: at 23:59 UTC once the offset is applied, on any day. mm_time
 *     has no leap seconds, so it becomes 23:59:59.999999 of that day: it
 *     sorts after every earlier instant and before the next day.
 *   - Bare digits: with MM_TIME_EPOCH_S (or _MS) a string of only digits is
 *     epoch seconds (milliseconds), never the basic date "YYYYMMDD"; the W3C
 *     forms IAM accepts all contain '-', so MM_TIME_IAM reads "20240730" as
 *     20,240,730 seconds after the epoch. Without an epoch flag, 8 digits are
 *     a basic date and other digit strings are errors. The year-only form
 *     "2024" is not accepted for the same reason.
 *   - No leading or trailing spaces; ',' is not a decimal sign.
 *
 * Errors carry the byte offset (and column) of the first offending byte:
 * MM_ESYNTAX for the wrong character, MM_ETRUNC when the text ends early,
 * MM_ERANGE for a field out of range (month 13, February 30, hour 24, an
 * instant outside the years above).
 */
#ifndef MAMORI_TIME_H
#define MAMORI_TIME_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/limits.h"
#include "mamori/str.h"

_Static_assert(MM_TIME_MIN_YEAR >= 1 && MM_TIME_MAX_YEAR <= 9999 &&
                   MM_TIME_MIN_YEAR <= MM_TIME_MAX_YEAR,
               "time years must lie within 0001-9999 (four-digit ISO 8601 years)");

/* Microseconds since 1970-01-01T00:00:00Z, UTC, no leap seconds. */
typedef int64_t mm_time;

#define MM_TIME_US_PER_MS  INT64_C(1000)
#define MM_TIME_US_PER_SEC INT64_C(1000000)
#define MM_TIME_US_PER_DAY INT64_C(86400000000)

/* Days from 1970-01-01 to January 1st of year y (y >= 1). */
#define MM_TIME__DAYS_TO_YEAR(y) \
  (INT64_C(365) * ((y)-1) + ((y)-1) / 4 - ((y)-1) / 100 + ((y)-1) / 400 - INT64_C(719162))

#define MM_TIME_MIN (MM_TIME__DAYS_TO_YEAR(MM_TIME_MIN_YEAR) * MM_TIME_US_PER_DAY)
#define MM_TIME_MAX (MM_TIME__DAYS_TO_YEAR(MM_TIME_MAX_YEAR + 1) * MM_TIME_US_PER_DAY - 1)

/* ---- parsing ---------------------------------------------------------- */

enum {
  MM_TIME_ISO8601 = 1u << 0,  /* the text forms listed above */
  MM_TIME_EPOCH_S = 1u << 1,  /* [-]digits[.1-9 digits]: epoch seconds (aws:EpochTime) */
  MM_TIME_EPOCH_MS = 1u << 2, /* [-]digits: epoch milliseconds (AWS WAF timestamp) */
};

/* Every flag. */
#define MM_TIME_ALL_FLAGS 0x7u

/* IAM Date condition values: "one of the W3C implementations of the ISO
 * 8601 date formats" or epoch seconds. */
#define MM_TIME_IAM (MM_TIME_ISO8601 | MM_TIME_EPOCH_S)

/* Parse text under flags (at least one; MM_TIME_EPOCH_S and _MS exclude
 * each other: MM_EINVAL). On success stores the instant in *out and returns
 * MM_OK; otherwise returns the error, fills err (may be NULL) with its
 * message and position, and leaves *out alone. */
MM_API int mm_time_parse(mm_str text, unsigned flags, mm_time *out, mm_error *err);

/* mm_time_parse with MM_TIME_ISO8601. */
MM_API int mm_time_parse_iso8601(mm_str text, mm_time *out, mm_error *err);

/* ---- formatting ------------------------------------------------------- */

typedef enum mm_time_style {
  MM_TIME_RFC3339,    /* 2024-07-30T21:31:21Z          CloudTrail eventTime, EventBridge time */
  MM_TIME_RFC3339_MS, /* 2024-07-30T21:31:21.123Z */
  MM_TIME_RFC3339_US, /* 2024-07-30T21:31:21.123456Z   lossless */
  MM_TIME_BASIC,      /* 20240730T213121Z              SigV4 X-Amz-Date */
  MM_TIME_DATE,       /* 2024-07-30 */
  MM_TIME_BASIC_DATE, /* 20240730                      SigV4 credential scope */
  MM_TIME_EPOCH_SEC,  /* 1722375081                    floor of the instant */
  MM_TIME_EPOCH_MSEC, /* 1722375081123                 AWS WAF log "timestamp" */
} mm_time_style;

#define MM_TIME_CLOUDTRAIL MM_TIME_RFC3339    /* eventTime: seconds, Z */
#define MM_TIME_WAF_LOG    MM_TIME_EPOCH_MSEC /* timestamp: epoch milliseconds */

/* Bytes any style needs, NUL included. */
#define MM_TIME_FORMAT_MAX 32

/* Write t in style to buf (NUL-terminated). Returns the length without the
 * NUL, or 0 when t is outside MM_TIME_MIN..MM_TIME_MAX, style is unknown,
 * or size is too small (MM_TIME_FORMAT_MAX always suffices). Sub-second
 * digits are truncated, never rounded. */
MM_API size_t mm_time_format(mm_time t, mm_time_style style, char *buf, size_t size);

/* Append t in style to b; MM_OK, MM_ERANGE or MM_ENOMEM. */
MM_API int mm_time_format_buf(mm_time t, mm_time_style style, mm_buf *b);

/* ---- civil fields ----------------------------------------------------- */

typedef struct mm_time_civil {
  int year;    /* MM_TIME_MIN_YEAR..MM_TIME_MAX_YEAR */
  int month;   /* 1-12 */
  int day;     /* 1-31, within the month */
  int hour;    /* 0-23 */
  int minute;  /* 0-59 */
  int second;  /* 0-59 */
  int usec;    /* 0-999999 */
  int weekday; /* 0 = Sunday .. 6 = Saturday; set by mm_time_to_civil, ignored on input */
  int yday;    /* 1-366, day of the year; set by mm_time_to_civil, ignored on input */
} mm_time_civil;

/* Split t into UTC calendar fields; MM_OK, or MM_ERANGE outside the range. */
MM_API int mm_time_to_civil(mm_time t, mm_time_civil *out);
/* The instant of c's fields (UTC); MM_OK, or MM_ERANGE when a field is out
 * of its range (weekday and yday are not read). */
MM_API int mm_time_from_civil(const mm_time_civil *c, mm_time *out);

/* Gregorian leap year: divisible by 4, except centuries not divisible by 400. */
MM_API bool mm_time_is_leap_year(int year);
/* 28-31, or 0 when month is not 1-12. */
MM_API int mm_time_days_in_month(int year, int month);

/* ---- epoch numbers ---------------------------------------------------- */

/* s seconds (ms milliseconds) since the epoch; MM_OK or MM_ERANGE. */
MM_API int mm_time_from_epoch_s(int64_t s, mm_time *out);
MM_API int mm_time_from_epoch_ms(int64_t ms, mm_time *out);
/* Whole seconds (milliseconds) since the epoch, rounded toward the past. */
MM_API int64_t mm_time_to_epoch_s(mm_time t);
MM_API int64_t mm_time_to_epoch_ms(mm_time t);

/* The current time from the system's real-time clock (for services; engines
 * take the time as input). */
MM_API mm_time mm_time_now(void);

#endif /* MAMORI_TIME_H */
