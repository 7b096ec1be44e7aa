/*
 * fuzz_dnslog.c - libFuzzer target for the JSON log readers (Route 53
 * Resolver query logs, CloudTrail, auto-sniffed).
 *
 * The input is read under each format. Invariants: no crash; the reader
 * ends; every record is an object whose checked members hold (DNS:
 * query_name a string; CloudTrail: eventName and eventSource strings); and
 * every error names a line within the input.
 */
#include "mamori/detect.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what) {
  fprintf(stderr, "dnslog: %s\n", what);
  abort();
}

static void read_all(const uint8_t *data, size_t size, mm_detect_format format) {
  mm_detect_options o = {0};
  o.format = format;
  o.max_record = 4096;
  mm_error err;
  mm_detect_reader *r = mm_detect_reader_open_mem(data, size, &o, &err);
  if (!r) return;
  uint64_t lines = 1;
  for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      if (err.line > lines) die("error line beyond the input");
      continue;
    }
    if (!mm_json_is_object(rec.value)) die("record is not an object");
    if (rec.format == MM_DETECT_DNS && !mm_json_is_string(mm_json_get(rec.value, "query_name")))
      die("DNS record without query_name");
    if (rec.format == MM_DETECT_CLOUDTRAIL &&
        (!mm_json_is_string(mm_json_get(rec.value, "eventName")) ||
         !mm_json_is_string(mm_json_get(rec.value, "eventSource"))))
      die("CloudTrail record without eventName/eventSource");
  }
  mm_detect_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_all(data, size, MM_DETECT_DNS);
  read_all(data, size, MM_DETECT_CLOUDTRAIL);
  read_all(data, size, MM_DETECT_AUTO);
  return 0;
}
