/*
 * test_detect_reader.c - the detect readers beyond the case files: the
 * field table against the public X-map, formats, typed flow records, line
 * limits, truncated gzip, descriptors (the stdin path), the CloudTrail
 * corpora of ../shared/data read in place without an error, and fault
 * injection over every reader path.
 */
#include "mamori/detect.h"
#include "detect/limits.h"
#include "test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char v2_line[] =
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
    "1418530010 1418530070 ACCEPT OK";

/* Read everything; count records and errors. */
static void drain(mm_detect_reader *r, uint64_t *records, uint64_t *errors) {
  mm_detect_record rec;
  mm_error err;
  int rc;
  *records = *errors = 0;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc == MM_OK)
      ++*records;
    else
      ++*errors;
  }
}

TEST(field_table_matches_the_public_map) {
#define CHECK_ROW(id, name, version)                                   \
  ASSERT_EQ_STR(mm_detect_flow_field_name(MM_DETECT_FLOW_##id), name); \
  ASSERT_EQ(mm_detect_flow_field_version(MM_DETECT_FLOW_##id), version);
  MM_DETECT_FLOW_FIELD_MAP(CHECK_ROW)
#undef CHECK_ROW
  ASSERT_TRUE(mm_detect_flow_field_name(MM_DETECT_FLOW_FIELD_COUNT) == NULL);
}

TEST(format_string_round_trip) {
  const char *text = "${version} ${vpc-id} ${pkt-srcaddr} ${flow-direction} ${traffic-path}";
  mm_detect_flow_format *fmt = mm_detect_flow_format_parse(text, strlen(text), NULL);
  ASSERT_TRUE(fmt != NULL);
  ASSERT_EQ(mm_detect_flow_format_count(fmt), 5);
  ASSERT_EQ(mm_detect_flow_format_field(fmt, 2), MM_DETECT_FLOW_PKT_SRCADDR);
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_detect_flow_format_write(fmt, &b), MM_OK);
  ASSERT_EQ_STR(b.ptr, text);
  mm_buf_free(&b);
  mm_detect_flow_format_free(fmt);
}

TEST(format_errors_have_columns) {
  mm_error err;
  const char *unknown = "${version} ${nope}";
  ASSERT_TRUE(mm_detect_flow_format_parse(unknown, strlen(unknown), &err) == NULL);
  ASSERT_EQ(err.code, MM_EINVAL);
  ASSERT_EQ(err.column, 12);
  const char *twice = "version srcaddr version";
  ASSERT_TRUE(mm_detect_flow_format_parse(twice, strlen(twice), &err) == NULL);
  ASSERT_EQ(err.column, 17);
  ASSERT_TRUE(mm_detect_flow_format_parse("  ", 2, &err) == NULL);
  mm_detect_options o = {0};
  o.flow_format = "${version} ${bogus}";
  ASSERT_TRUE(mm_detect_reader_open_mem("", 0, &o, &err) == NULL);
  ASSERT_EQ(err.code, MM_EINVAL);
}

TEST(typed_flow_record) {
  mm_detect_flow f;
  ASSERT_EQ(
      mm_detect_flow_parse(mm_detect_flow_format_default(), v2_line, strlen(v2_line), &f, NULL),
      MM_OK);
  ASSERT_EQ(f.version, 2);
  ASSERT_EQ(f.srcport, 20641);
  ASSERT_EQ(f.dstport, 22);
  ASSERT_EQ(f.protocol, 6);
  ASSERT_EQ(f.packets, 20);
  ASSERT_EQ(f.bytes, 4249);
  ASSERT_EQ(f.start, 1418530010);
  ASSERT_EQ(f.end, 1418530070);
  ASSERT_EQ(f.action, MM_DETECT_ACTION_ACCEPT);
  ASSERT_EQ(f.log_status, MM_DETECT_STATUS_OK);
  ASSERT_EQ(mm_ip_v4_value(&f.srcaddr), 0xac1f108bu);
  ASSERT_TRUE(mm_detect_flow_has(&f, MM_DETECT_FLOW_INTERFACE_ID));
  ASSERT_FALSE(mm_detect_flow_has(&f, MM_DETECT_FLOW_VPC_ID));
  ASSERT_EQ_MEM(f.text[MM_DETECT_FLOW_ACCOUNT_ID].ptr, f.text[MM_DETECT_FLOW_ACCOUNT_ID].len,
                "123456789010");
}

TEST(typed_only_reader_has_no_dom) {
  mm_detect_options o = {0};
  o.format = MM_DETECT_FLOW;
  o.flags = MM_DETECT_FLOW_TYPED_ONLY;
  mm_detect_reader *r = mm_detect_reader_open_mem(v2_line, strlen(v2_line), &o, NULL);
  ASSERT_TRUE(r != NULL);
  mm_detect_record rec;
  ASSERT_EQ(mm_detect_reader_next(r, &rec, NULL), MM_OK);
  ASSERT_TRUE(rec.value == NULL);
  ASSERT_EQ(rec.flow->dstport, 22);
  ASSERT_EQ(rec.time, INT64_C(1418530010) * MM_TIME_US_PER_SEC);
  ASSERT_EQ(mm_detect_reader_next(r, &rec, NULL), MM_EOF);
  mm_detect_reader_close(r);
}

TEST(long_line_is_one_error) {
  mm_buf in = MM_BUF_INIT;
  mm_buf_printf(&in, "%s\n", v2_line);
  for (int i = 0; i < 3000; i++) mm_buf_puts(&in, "x ");
  mm_buf_printf(&in, "\n%s\n", v2_line);
  mm_detect_options o = {0};
  o.max_line = 1000;
  mm_detect_reader *r = mm_detect_reader_open_mem(in.ptr, in.len, &o, NULL);
  mm_detect_record rec;
  mm_error err;
  ASSERT_EQ(mm_detect_reader_next(r, &rec, &err), MM_OK);
  ASSERT_EQ(mm_detect_reader_next(r, &rec, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 2);
  ASSERT_EQ(mm_detect_reader_next(r, &rec, &err), MM_OK);
  ASSERT_EQ(rec.line, 3);
  ASSERT_EQ(mm_detect_reader_next(r, &rec, &err), MM_EOF);
  ASSERT_EQ(mm_detect_reader_stats(r).errors, 1);
  mm_detect_reader_close(r);
  mm_buf_free(&in);
}

/* gzip of text, cut to keep bytes (0 = whole). */
static unsigned char *gz(const char *text, size_t len, size_t *out_len) {
  uLong cap = compressBound((uLong)len) + 64;
  unsigned char *out = malloc(cap);
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = (Bytef *)(uintptr_t)text;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  deflate(&zs, Z_FINISH);
  *out_len = zs.total_out;
  deflateEnd(&zs);
  return out;
}

TEST(truncated_gzip_keeps_what_was_read) {
  mm_buf in = MM_BUF_INIT;
  for (int i = 0; i < 20000; i++) mm_buf_printf(&in, "%s\n", v2_line);
  size_t n;
  unsigned char *z = gz(in.ptr, in.len, &n);
  mm_detect_reader *r = mm_detect_reader_open_mem(z, n / 2, NULL, NULL);
  uint64_t records, errors;
  drain(r, &records, &errors);
  ASSERT_TRUE(records > 100);
  ASSERT_TRUE(errors >= 1);
  mm_detect_reader_close(r);
  /* two concatenated members are one stream (RFC 1952 2.2) */
  unsigned char *two = malloc(2 * n);
  memcpy(two, z, n);
  memcpy(two + n, z, n);
  r = mm_detect_reader_open_mem(two, 2 * n, NULL, NULL);
  drain(r, &records, &errors);
  ASSERT_EQ(records, 40000);
  ASSERT_EQ(errors, 0);
  mm_detect_reader_close(r);
  free(two);
  free(z);
  mm_buf_free(&in);
}

/* Write text into a pipe from a child, read it through open_fd as stdin is. */
static void via_pipe(const char *text, size_t len, uint64_t *records, uint64_t *errors,
                     mm_detect_format *format) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    ssize_t w = write(fds[1], text, len);
    _exit(w == (ssize_t)len ? 0 : 1);
  }
  close(fds[1]);
  mm_detect_reader *r = mm_detect_reader_open_fd(fds[0], NULL, NULL);
  drain(r, records, errors);
  *format = mm_detect_reader_format(r);
  mm_detect_reader_close(r);
  close(fds[0]);
}

TEST(descriptor_input_is_sniffed) {
  const char ct[] =
      "\n\n{\"Records\":[{\"eventTime\":\"2024-07-31T13:06:24Z\",\"eventSource\":"
      "\"iam.amazonaws.com\",\"eventName\":\"CreateUser\"}]}\n";
  uint64_t records, errors;
  mm_detect_format f;
  via_pipe(ct, strlen(ct), &records, &errors, &f);
  ASSERT_EQ(records, 1);
  ASSERT_EQ(errors, 0);
  ASSERT_EQ(f, MM_DETECT_CLOUDTRAIL);
  size_t n;
  unsigned char *z = gz(ct, strlen(ct), &n);
  via_pipe((const char *)z, n, &records, &errors, &f);
  ASSERT_EQ(records, 1);
  free(z);
  via_pipe(v2_line, strlen(v2_line), &records, &errors, &f);
  ASSERT_EQ(records, 1);
  ASSERT_EQ(f, MM_DETECT_FLOW);
}

/* ---- the corpora ----------------------------------------------------------- */

static int corpus_files, corpus_records, corpus_errors;

static void read_corpus_file(const char *path) {
  mm_detect_options o = {0};
  o.format = MM_DETECT_CLOUDTRAIL;
  mm_error err;
  mm_detect_reader *r = mm_detect_reader_open_path(path, &o, &err);
  ASSERT_TRUE(r != NULL);
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) fprintf(stderr, "%s:%u:%u: %s\n", path, err.line, err.column, err.msg);
    if (rc == MM_OK)
      corpus_records++;
    else
      corpus_errors++;
  }
  mm_detect_reader_close(r);
  corpus_files++;
}

static bool has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Every file under dir ending with suffix, recursively. */
static void walk(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      walk(path, suffix);
    else if (has_suffix(path, suffix))
      read_corpus_file(path);
  }
  closedir(d);
}

TEST(stratus_detonation_logs_read_without_error) {
  corpus_files = corpus_records = corpus_errors = 0;
  walk(MM_SHARED_DATA "/detect/stratus/detonation-logs", ".json");
  printf("stratus: %d files, %d records, %d errors\n", corpus_files, corpus_records, corpus_errors);
  ASSERT_EQ(corpus_files, 35);
  ASSERT_TRUE(corpus_records >= 300);
  ASSERT_EQ(corpus_errors, 0);
}

TEST(traildiscover_events_read_without_error) {
  corpus_files = corpus_records = corpus_errors = 0;
  walk(MM_SHARED_DATA "/detect/traildiscover/events", ".json.cloudtrail");
  printf("traildiscover: %d files, %d records, %d errors\n", corpus_files, corpus_records,
         corpus_errors);
  ASSERT_TRUE(corpus_files >= 300);
  ASSERT_TRUE(corpus_records >= 300);
  ASSERT_EQ(corpus_errors, 0);
}

/* ---- fault injection --------------------------------------------------------- */

static void read_all_mem(const void *data, size_t len, const mm_detect_options *o) {
  mm_detect_reader *r = mm_detect_reader_open_mem(data, len, o, NULL);
  if (!r) return;
  uint64_t records, errors;
  drain(r, &records, &errors);
  mm_detect_reader_close(r);
}

static void read_all_file(const void *data, size_t len, const mm_detect_options *o) {
  FILE *f = tmpfile();
  fwrite(data, 1, len, f);
  rewind(f);
  mm_detect_reader *r = mm_detect_reader_open_file(f, o, NULL);
  if (r) {
    uint64_t records, errors;
    drain(r, &records, &errors);
    mm_detect_reader_close(r);
  }
  fclose(f);
}

TEST(fault_loop_over_the_readers) {
  const char flow[] = "version srcaddr dstaddr dstport\n2 10.0.0.1 10.0.0.2 22\n2 x 1 2\n";
  const char ct[] =
      "{\"Records\":[{\"eventTime\":\"2024-07-31T13:06:24Z\",\"eventSource\":"
      "\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"eventCategory\":\"Data\"},"
      "{\"eventName\":\"X\"}]}";
  const char dns[] = "{\"query_name\":\"a.\",\"query_timestamp\":\"2021-02-04T17:51:55Z\"}\n";
  size_t n;
  unsigned char *z = gz(ct, strlen(ct), &n);
  mm_detect_options fo = {0};
  fo.flow_format = "${version} ${srcaddr} ${dstaddr} ${dstport}";
  FAULT_LOOP(read_all_mem(flow, strlen(flow), &fo));
  FAULT_LOOP(read_all_mem(ct, strlen(ct), NULL));
  FAULT_LOOP(read_all_mem(dns, strlen(dns), NULL));
  FAULT_LOOP(read_all_mem(z, n, NULL));
  FAULT_LOOP(read_all_file(z, n, NULL));
  FAULT_LOOP(read_all_file(flow, strlen(flow), NULL));
  free(z);
  ASSERT_TRUE(1);
}

int main(void) {
  RUN(field_table_matches_the_public_map);
  RUN(format_string_round_trip);
  RUN(format_errors_have_columns);
  RUN(typed_flow_record);
  RUN(typed_only_reader_has_no_dom);
  RUN(long_line_is_one_error);
  RUN(truncated_gzip_keeps_what_was_read);
  RUN(descriptor_input_is_sniffed);
  RUN(stratus_detonation_logs_read_without_error);
  RUN(traildiscover_events_read_without_error);
  RUN(fault_loop_over_the_readers);
  return mm_test_summary();
}
