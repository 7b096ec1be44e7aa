/*
 * fuzz_time.c - libFuzzer target for the time module.
 *
 * Parses the input under every flag set. Whatever is accepted must be an
 * instant within MM_TIME_MIN..MM_TIME_MAX that survives format -> parse
 * unchanged (RFC 3339 with microseconds), formats to the same text again,
 * and formats in every style. Whatever is refused must come with its
 * status in the mm_error and a position inside the input.
 */
#include "mamori/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const uint8_t *data, size_t size) {
  fprintf(stderr, "time: %s for \"%.*s\"\n", what, (int)size, (const char *)data);
  abort();
}

static void check_accepted(mm_time t, const uint8_t *data, size_t size) {
  char text[MM_TIME_FORMAT_MAX], again[MM_TIME_FORMAT_MAX];
  mm_time back;
  if (t < MM_TIME_MIN || t > MM_TIME_MAX) die("instant out of range", data, size);
  if (!mm_time_format(t, MM_TIME_RFC3339_US, text, sizeof(text))) die("format failed", data, size);
  if (mm_time_parse_iso8601(mm_str_from(text), &back, NULL) != MM_OK || back != t)
    die("format -> parse changed the instant", data, size);
  if (!mm_time_format(back, MM_TIME_RFC3339_US, again, sizeof(again)) || strcmp(text, again))
    die("format -> parse -> format changed the text", data, size);
  for (int style = MM_TIME_RFC3339; style <= MM_TIME_EPOCH_MSEC; style++)
    if (!mm_time_format(t, (mm_time_style)style, text, sizeof(text)))
      die("a style failed", data, size);
  mm_time_civil c;
  if (mm_time_to_civil(t, &c) != MM_OK || mm_time_from_civil(&c, &back) != MM_OK || back != t)
    die("civil round trip", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const unsigned modes[] = {MM_TIME_ISO8601, MM_TIME_IAM, MM_TIME_EPOCH_S, MM_TIME_EPOCH_MS,
                                   MM_TIME_ISO8601 | MM_TIME_EPOCH_MS};
  mm_str s = {(const char *)data, size};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    mm_time t = 0;
    mm_error err;
    int rc = mm_time_parse(s, modes[i], &t, &err);
    if (rc == MM_OK) {
      check_accepted(t, data, size);
      continue;
    }
    if (err.code != rc || err.offset > size) die("error record inconsistent", data, size);
    if (rc != MM_ESYNTAX && rc != MM_ETRUNC && rc != MM_ERANGE)
      die("unexpected status", data, size);
  }
  return 0;
}
