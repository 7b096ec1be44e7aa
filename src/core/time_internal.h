/*
 * time_internal.h - what the files of the time module share (mm__time_*):
 * the calendar arithmetic. Never included outside src/core/time*.c.
 *
 * Calendar: proleptic Gregorian, years MM_TIME_MIN_YEAR..MM_TIME_MAX_YEAR
 * (>= 1, so C's truncating division is floor division in these formulas).
 * Day numbers count from 1970-01-01 (day 0).
 */
#ifndef MAMORI_TIME_INTERNAL_H
#define MAMORI_TIME_INTERNAL_H

#include "mamori/time.h"

#define MM__TIME_SEC_PER_DAY 86400

/* Day number of year-month-day; the fields must already be valid. */
int64_t mm__time_days_from_civil(int year, int month, int day);

/* The instant of valid civil fields: no range check on the result. */
static inline mm_time mm__time_from_fields(int64_t days, int hour, int minute, int second,
                                           int usec) {
  int64_t secs = days * MM__TIME_SEC_PER_DAY + hour * 3600 + minute * 60 + second;
  return secs * MM_TIME_US_PER_SEC + usec;
}

#endif /* MAMORI_TIME_INTERNAL_H */
