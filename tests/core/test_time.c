/*
 * test_time.c - the time module: the tables of valid and invalid timestamps
 * (data/time/valid.tsv and invalid.tsv, with the AWS or RFC page each follows), every styles'
 * output, random round trips (format -> parse = identity), civil fields
 * against the C library's gmtime_r, and every day of years 0001-9999.
 */
#include "mamori/time.h"
#include "test.h"

#include <time.h>

/* ---- helpers ------------------------------------------------------------ */

static mm_str S(const char *s) { return mm_str_from(s); }

/* A uniformly random instant in [MM_TIME_MIN, MM_TIME_MAX]. */
static mm_time random_instant(void) {
  uint64_t span = (uint64_t)(MM_TIME_MAX - MM_TIME_MIN) + 1;
  return MM_TIME_MIN + (mm_time)(mm_test_rng() % span);
}

static unsigned mode_flags(const char *mode) {
  if (!strcmp(mode, "iso")) return MM_TIME_ISO8601;
  if (!strcmp(mode, "iam")) return MM_TIME_IAM;
  if (!strcmp(mode, "epoch_s")) return MM_TIME_EPOCH_S;
  if (!strcmp(mode, "epoch_ms")) return MM_TIME_EPOCH_MS;
  if (!strcmp(mode, "both")) return MM_TIME_EPOCH_S | MM_TIME_EPOCH_MS;
  if (!strcmp(mode, "none")) return 0;
  MM_TEST_FAIL("unknown mode \"%s\"", mode);
}

typedef void (*row_fn)(char **field, int nfield, int lineno, const char *source);

/* Feed every case line of a table to fn; returns the number of cases. */
static int for_each_row(const char *path, row_fn fn) {
  char *text = mm_test_read_file(path, NULL);
  if (!text) MM_TEST_FAIL("cannot read %s", path);
  const char *source = "?";
  int lineno = 0, cases = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    lineno++;
    if (line[0] == '@') source = line;
    if (line[0] == '#' || line[0] == '@' || !line[0]) continue;
    char *field[5];
    fn(field, mm_test_split_tabs(line, field, 5), lineno, source);
    cases++;
  }
  free(text);
  return cases;
}

static void check_valid(char **field, int nfield, int lineno, const char *source) {
  mm_time t = 0;
  mm_error err;
  char out[MM_TIME_FORMAT_MAX];
  if (nfield < 3) MM_TEST_FAIL("line %d: expected 3 fields", lineno);
  int rc = mm_time_parse(S(field[1]), mode_flags(field[0]), &t, &err);
  if (rc != MM_OK) MM_TEST_FAIL("line %d (%s): \"%s\": %s", lineno, source, field[1], err.msg);
  ASSERT_TRUE(mm_time_format(t, MM_TIME_RFC3339_US, out, sizeof(out)) > 0);
  if (strcmp(out, field[2]))
    MM_TEST_FAIL("line %d (%s): \"%s\" -> %s, expected %s", lineno, source, field[1], out,
                 field[2]);
  mm_time back;
  ASSERT_EQ(mm_time_parse_iso8601(S(out), &back, NULL), MM_OK);
  ASSERT_EQ(back, t);
}

static void check_invalid(char **field, int nfield, int lineno, const char *source) {
  mm_time t = 12345;
  mm_error err;
  mm_error_clear(&err);
  if (nfield < 4) MM_TEST_FAIL("line %d: expected 4 fields", lineno);
  int rc = mm_time_parse(S(field[1]), mode_flags(field[0]), &t, &err);
  mm_test_checks++;
  if (rc == MM_OK) MM_TEST_FAIL("line %d (%s): \"%s\" was accepted", lineno, source, field[1]);
  if (strcmp(mm_status_name(rc), field[2]) ||
      (rc != MM_EINVAL && err.offset != strtoul(field[3], NULL, 10)))
    MM_TEST_FAIL("line %d (%s): \"%s\": %s at %zu (%s), expected %s at %s", lineno, source,
                 field[1], mm_status_name(rc), err.offset, err.msg, field[2], field[3]);
  ASSERT_EQ(err.code, rc);
  ASSERT_EQ(t, 12345); /* untouched on failure */
}

/* ---- tables --------------------------------------------------------------- */

TEST(valid_timestamps) { ASSERT_TRUE(for_each_row("data/time/valid.tsv", check_valid) >= 60); }
TEST(invalid_timestamps) {
  ASSERT_TRUE(for_each_row("data/time/invalid.tsv", check_invalid) >= 60);
}

TEST(error_carries_line_and_column) {
  mm_error err;
  mm_time t;
  ASSERT_EQ(mm_time_parse_iso8601(S("2024-02-30"), &t, &err), MM_ERANGE);
  ASSERT_EQ(err.line, 1);
  ASSERT_EQ(err.column, 9);
  char buf[128];
  ASSERT_EQ_STR(mm_error_format(&err, buf, sizeof(buf)),
                "line 1, column 9: day out of range for the month");
}

/* ---- formatting ------------------------------------------------------------ */

TEST(every_style) {
  static const struct {
    mm_time_style style;
    const char *text;
  } want[] = {
      {MM_TIME_RFC3339, "2024-07-30T21:31:21Z"},
      {MM_TIME_RFC3339_MS, "2024-07-30T21:31:21.123Z"},
      {MM_TIME_RFC3339_US, "2024-07-30T21:31:21.123456Z"},
      {MM_TIME_BASIC, "20240730T213121Z"},
      {MM_TIME_DATE, "2024-07-30"},
      {MM_TIME_BASIC_DATE, "20240730"},
      {MM_TIME_EPOCH_SEC, "1722375081"},
      {MM_TIME_EPOCH_MSEC, "1722375081123"},
      {MM_TIME_CLOUDTRAIL, "2024-07-30T21:31:21Z"},
      {MM_TIME_WAF_LOG, "1722375081123"},
  };
  mm_time t;
  char out[MM_TIME_FORMAT_MAX];
  ASSERT_EQ(mm_time_parse_iso8601(S("2024-07-30T21:31:21.1234567Z"), &t, NULL), MM_OK);
  for (size_t i = 0; i < MM_ARRAY_LEN(want); i++) {
    ASSERT_EQ(mm_time_format(t, want[i].style, out, sizeof(out)), strlen(want[i].text));
    ASSERT_EQ_STR(out, want[i].text);
  }
}

TEST(format_limits_and_failures) {
  char out[MM_TIME_FORMAT_MAX];
  ASSERT_TRUE(mm_time_format(MM_TIME_MIN, MM_TIME_RFC3339_US, out, sizeof(out)) > 0);
  ASSERT_EQ_STR(out, "0001-01-01T00:00:00.000000Z");
  ASSERT_TRUE(mm_time_format(MM_TIME_MAX, MM_TIME_RFC3339_US, out, sizeof(out)) > 0);
  ASSERT_EQ_STR(out, "9999-12-31T23:59:59.999999Z");
  ASSERT_TRUE(mm_time_format(MM_TIME_MIN, MM_TIME_EPOCH_MSEC, out, sizeof(out)) > 0);
  ASSERT_EQ_STR(out, "-62135596800000");
  ASSERT_TRUE(mm_time_format(-1, MM_TIME_EPOCH_SEC, out, sizeof(out)) > 0);
  ASSERT_EQ_STR(out, "-1"); /* floor, not truncation toward zero */
  ASSERT_TRUE(mm_time_format(-1, MM_TIME_RFC3339_US, out, sizeof(out)) > 0);
  ASSERT_EQ_STR(out, "1969-12-31T23:59:59.999999Z");
  ASSERT_EQ(mm_time_format(MM_TIME_MIN - 1, MM_TIME_RFC3339, out, sizeof(out)), 0);
  ASSERT_EQ_STR(out, "");
  ASSERT_EQ(mm_time_format(MM_TIME_MAX + 1, MM_TIME_DATE, out, sizeof(out)), 0);
  ASSERT_EQ(mm_time_format(0, (mm_time_style)99, out, sizeof(out)), 0);
  ASSERT_EQ(mm_time_format(0, MM_TIME_RFC3339, out, 20), 0); /* needs 21 with the NUL */
  ASSERT_EQ(mm_time_format(0, MM_TIME_RFC3339, out, 21), 20);
  ASSERT_EQ(mm_time_format(0, MM_TIME_RFC3339, NULL, 0), 0);
}

TEST(format_into_buffer) {
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_time_format_buf(0, MM_TIME_RFC3339, &b), MM_OK);
  ASSERT_EQ(mm_buf_putc(&b, ' '), MM_OK);
  ASSERT_EQ(mm_time_format_buf(86400 * MM_TIME_US_PER_SEC, MM_TIME_BASIC_DATE, &b), MM_OK);
  ASSERT_EQ_STR(b.ptr, "1970-01-01T00:00:00Z 19700102");
  ASSERT_EQ(mm_time_format_buf(MM_TIME_MAX + 1, MM_TIME_RFC3339, &b), MM_ERANGE);
  mm_buf_free(&b);
  FAULT_LOOP({
    mm_buf fb = MM_BUF_INIT;
    int rc = mm_time_format_buf(0, MM_TIME_RFC3339_US, &fb);
    ASSERT_TRUE(rc == MM_OK || rc == MM_ENOMEM);
    mm_buf_free(&fb);
  });
}

/* ---- round trips -------------------------------------------------------- */

/* format in style, parse back under flags, compare with t cut to unit. */
static void round_trip(mm_time t, mm_time_style style, unsigned flags, int64_t unit) {
  char out[MM_TIME_FORMAT_MAX];
  mm_time back;
  mm_error err;
  ASSERT_TRUE(mm_time_format(t, style, out, sizeof(out)) > 0);
  if (mm_time_parse(S(out), flags, &back, &err) != MM_OK)
    MM_TEST_FAIL("\"%s\" (style %d): %s", out, style, err.msg);
  int64_t floor_t = t - ((t % unit) + unit) % unit;
  if (back != floor_t)
    MM_TEST_FAIL("\"%s\": %lld != %lld", out, (long long)back, (long long)floor_t);
}

TEST(random_round_trips) {
  for (int i = 0; i < 200000; i++) {
    mm_time t = random_instant();
    round_trip(t, MM_TIME_RFC3339_US, MM_TIME_ISO8601, 1);
    round_trip(t, MM_TIME_RFC3339_MS, MM_TIME_ISO8601, MM_TIME_US_PER_MS);
    round_trip(t, MM_TIME_RFC3339, MM_TIME_IAM, MM_TIME_US_PER_SEC);
    round_trip(t, MM_TIME_BASIC, MM_TIME_ISO8601, MM_TIME_US_PER_SEC);
    round_trip(t, MM_TIME_DATE, MM_TIME_IAM, MM_TIME_US_PER_DAY);
    round_trip(t, MM_TIME_BASIC_DATE, MM_TIME_ISO8601, MM_TIME_US_PER_DAY);
    round_trip(t, MM_TIME_EPOCH_SEC, MM_TIME_IAM, MM_TIME_US_PER_SEC);
    round_trip(t, MM_TIME_EPOCH_MSEC, MM_TIME_EPOCH_MS, MM_TIME_US_PER_MS);
  }
  round_trip(MM_TIME_MIN, MM_TIME_RFC3339_US, MM_TIME_ISO8601, 1);
  round_trip(MM_TIME_MAX, MM_TIME_RFC3339_US, MM_TIME_ISO8601, 1);
  round_trip(MM_TIME_MAX, MM_TIME_EPOCH_MSEC, MM_TIME_EPOCH_MS, MM_TIME_US_PER_MS);
}

/* Offsets: the same instant written with every whole-minute offset. */
TEST(offsets_shift_the_instant) {
  mm_time base, t;
  char text[64];
  ASSERT_EQ(mm_time_parse_iso8601(S("2024-12-31T23:30:00Z"), &base, NULL), MM_OK);
  for (int off = -(23 * 60 + 59); off <= 23 * 60 + 59; off += 7) {
    mm_time_civil c;
    ASSERT_EQ(mm_time_to_civil(base + (int64_t)off * 60 * MM_TIME_US_PER_SEC, &c), MM_OK);
    int a = off < 0 ? -off : off;
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month, c.day,
             c.hour, c.minute, c.second, off < 0 ? '-' : '+', a / 60, a % 60);
    ASSERT_EQ(mm_time_parse_iso8601(S(text), &t, NULL), MM_OK);
    ASSERT_EQ(t, base);
  }
}

/* ---- civil fields ------------------------------------------------------ */

static void expect_gmtime(int64_t secs) {
  time_t tt = (time_t)secs;
  struct tm tm;
  mm_time_civil c;
  ASSERT_TRUE(gmtime_r(&tt, &tm) != NULL);
  ASSERT_EQ(mm_time_to_civil(secs * MM_TIME_US_PER_SEC, &c), MM_OK);
  if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
      c.hour != tm.tm_hour || c.minute != tm.tm_min || c.second != tm.tm_sec ||
      c.weekday != tm.tm_wday || c.yday != tm.tm_yday + 1)
    MM_TEST_FAIL(
        "%lld: mm %04d-%02d-%02d %02d:%02d:%02d wd%d yd%d, libc %04d-%02d-%02d %02d:%02d:%02d "
        "wd%d yd%d",
        (long long)secs, c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday, c.yday,
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday,
        tm.tm_yday + 1);
  mm_time back;
  ASSERT_EQ(mm_time_from_civil(&c, &back), MM_OK);
  ASSERT_EQ(back, secs * MM_TIME_US_PER_SEC);
}

TEST(civil_matches_gmtime) {
  ASSERT_TRUE(sizeof(time_t) == 8);
  const int64_t lo = MM_TIME_MIN / MM_TIME_US_PER_SEC, hi = MM_TIME_MAX / MM_TIME_US_PER_SEC;
  for (int i = 0; i < 200000; i++)
    expect_gmtime(lo + (int64_t)(mm_test_rng() % (uint64_t)(hi - lo + 1)));
  static const int64_t edges[] = {0,
                                  -1,
                                  1,
                                  86399,
                                  86400,
                                  -86400,
                                  -86401,
                                  951782400 /* 2000-02-29 */,
                                  -2203891200 /* 1900-03-01 */,
                                  4107542400 /* 2100-03-01 */};
  for (size_t i = 0; i < MM_ARRAY_LEN(edges); i++) expect_gmtime(edges[i]);
  expect_gmtime(lo);
  expect_gmtime(hi);
}

/* Every day of years 0001-9999: consecutive, valid, and invertible. */
TEST(every_day_is_consecutive) {
  mm_time_civil prev, c;
  ASSERT_EQ(mm_time_to_civil(MM_TIME_MIN, &prev), MM_OK);
  ASSERT_EQ(prev.year, 1);
  ASSERT_EQ(prev.weekday, 1); /* 0001-01-01 was a Monday (proleptic Gregorian) */
  int64_t days = 0;
  for (mm_time t = MM_TIME_MIN + MM_TIME_US_PER_DAY; t <= MM_TIME_MAX; t += MM_TIME_US_PER_DAY) {
    ASSERT_EQ(mm_time_to_civil(t, &c), MM_OK);
    bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1 &&
                      prev.day == mm_time_days_in_month(prev.year, prev.month);
    bool next_year =
        c.year == prev.year + 1 && c.month == 1 && c.day == 1 && prev.month == 12 && prev.day == 31;
    if (!(next_day || next_month || next_year) || c.weekday != (prev.weekday + 1) % 7)
      MM_TEST_FAIL("%04d-%02d-%02d follows %04d-%02d-%02d", c.year, c.month, c.day, prev.year,
                   prev.month, prev.day);
    if (c.month == 1 && c.day == 1 && c.yday != 1) MM_TEST_FAIL("yday %d on Jan 1", c.yday);
    mm_time back;
    if (mm_time_from_civil(&c, &back) != MM_OK || back != t)
      MM_TEST_FAIL("day %lld", (long long)days);
    prev = c;
    days++;
  }
  ASSERT_EQ(days + 1, 3652059); /* days in 9999 Gregorian years */
  ASSERT_EQ(prev.year, 9999);
  ASSERT_EQ(prev.yday, 365);
}

TEST(civil_validation) {
  mm_time t;
  mm_time_civil ok = {2024, 2, 29, 23, 59, 59, 999999, 0, 0};
  ASSERT_EQ(mm_time_from_civil(&ok, &t), MM_OK);
  mm_time_civil bad[] = {
      {2023, 2, 29, 0, 0, 0, 0, 0, 0}, {2024, 13, 1, 0, 0, 0, 0, 0, 0},
      {2024, 0, 1, 0, 0, 0, 0, 0, 0},  {2024, 1, 0, 0, 0, 0, 0, 0, 0},
      {2024, 1, 1, 24, 0, 0, 0, 0, 0}, {2024, 1, 1, 0, 60, 0, 0, 0, 0},
      {2024, 1, 1, 0, 0, 60, 0, 0, 0}, {2024, 1, 1, 0, 0, 0, 1000000, 0, 0},
      {0, 1, 1, 0, 0, 0, 0, 0, 0},     {10000, 1, 1, 0, 0, 0, 0, 0, 0},
      {2024, 1, 1, -1, 0, 0, 0, 0, 0}, {2024, 1, 1, 0, 0, 0, -1, 0, 0},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(bad); i++)
    ASSERT_EQ(mm_time_from_civil(&bad[i], &t), MM_ERANGE);
  mm_time_civil c;
  ASSERT_EQ(mm_time_to_civil(MM_TIME_MAX + 1, &c), MM_ERANGE);
  ASSERT_EQ(mm_time_to_civil(MM_TIME_MIN - 1, &c), MM_ERANGE);
}

TEST(leap_years) {
  ASSERT_TRUE(mm_time_is_leap_year(2000));
  ASSERT_FALSE(mm_time_is_leap_year(1900));
  ASSERT_TRUE(mm_time_is_leap_year(2024));
  ASSERT_FALSE(mm_time_is_leap_year(2023));
  ASSERT_FALSE(mm_time_is_leap_year(2100));
  ASSERT_TRUE(mm_time_is_leap_year(1600));
  ASSERT_EQ(mm_time_days_in_month(2000, 2), 29);
  ASSERT_EQ(mm_time_days_in_month(1900, 2), 28);
  ASSERT_EQ(mm_time_days_in_month(2024, 2), 29);
  ASSERT_EQ(mm_time_days_in_month(2024, 4), 30);
  ASSERT_EQ(mm_time_days_in_month(2024, 12), 31);
  ASSERT_EQ(mm_time_days_in_month(2024, 13), 0);
  ASSERT_EQ(mm_time_days_in_month(2024, 0), 0);
}

/* ---- epoch numbers --------------------------------------------------------- */

TEST(epoch_numbers) {
  mm_time t;
  ASSERT_EQ(mm_time_from_epoch_s(1722375081, &t), MM_OK);
  ASSERT_EQ(t, INT64_C(1722375081000000));
  ASSERT_EQ(mm_time_from_epoch_s(MM_TIME_MAX / MM_TIME_US_PER_SEC + 1, &t), MM_ERANGE);
  ASSERT_EQ(mm_time_from_epoch_s(INT64_MIN, &t), MM_ERANGE);
  ASSERT_EQ(mm_time_from_epoch_ms(1576280412771, &t), MM_OK);
  ASSERT_EQ(mm_time_to_epoch_ms(t), 1576280412771);
  ASSERT_EQ(mm_time_to_epoch_s(t), 1576280412);
  ASSERT_EQ(mm_time_from_epoch_ms(INT64_MAX, &t), MM_ERANGE);
  ASSERT_EQ(mm_time_to_epoch_s(-1), -1);
  ASSERT_EQ(mm_time_to_epoch_ms(-1), -1);
  ASSERT_EQ(mm_time_to_epoch_s(-1000000), -1);
  ASSERT_EQ(mm_time_to_epoch_s(MM_TIME_MIN), -62135596800);
}

TEST(now_is_plausible) {
  mm_time now = mm_time_now();
  mm_time_civil c;
  ASSERT_EQ(mm_time_to_civil(now, &c), MM_OK);
  ASSERT_TRUE(c.year >= 2024 && c.year < 2200);
}

int main(void) {
  mm_test_rng_state = 0x2545f4914f6cdd1dull;
  RUN(valid_timestamps);
  RUN(invalid_timestamps);
  RUN(error_carries_line_and_column);
  RUN(every_style);
  RUN(format_limits_and_failures);
  RUN(format_into_buffer);
  RUN(random_round_trips);
  RUN(offsets_shift_the_instant);
  RUN(civil_matches_gmtime);
  RUN(every_day_is_consecutive);
  RUN(civil_validation);
  RUN(leap_years);
  RUN(epoch_numbers);
  RUN(now_is_plausible);
  return mm_test_summary();
}
