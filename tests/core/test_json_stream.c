/*
 * test_json_stream.c - the streaming reader: every mode (AUTO, LINES,
 * DOCUMENT, RECORDS), every source (memory, path, fd, FILE*), gzip (single
 * and concatenated members, truncated, trailing garbage, corrupt; made here
 * with zlib), positions, error recovery, record limits, chunk boundaries
 * and allocation failures.
 *
 * Most cases compare a transcript: one line per call,
 *   ok LINE:COLUMN@OFFSET #INDEX <value written compactly>
 *   err STATUS LINE:COLUMN
 * ending with "eof".
 */
#include "mamori/json.h"
#include "test.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

/* Read r to the end (at most 100000 calls) into a transcript. */
static void transcript(mm_json_reader *r, mm_buf *t) {
  mm_json_record rec;
  mm_error err;
  for (int calls = 0; calls < 100000; calls++) {
    mm_error_clear(&err);
    int rc = mm_json_reader_next(r, &rec, &err);
    if (rc == MM_EOF) {
      mm_buf_puts(t, "eof");
      return;
    }
    if (rc == MM_OK) {
      mm_buf_printf(t, "ok %llu:%u@%llu #%llu ", (unsigned long long)rec.line, rec.column,
                    (unsigned long long)rec.offset, (unsigned long long)rec.index);
      mm_json_write(t, rec.value, 0);
      mm_buf_putc(t, '\n');
    } else {
      mm_buf_printf(t, "err %s %u:%u\n", mm_status_name(rc), err.line, err.column);
    }
  }
  mm_buf_puts(t, "(no end)");
}

static void expect_mem(const char *in, size_t len, mm_json_stream_mode mode,
                       const mm_json_options *opt, const char *want) {
  mm_error err;
  mm_json_reader *r = mm_json_reader_open_mem(in, len, mode, opt, &err);
  ASSERT_TRUE(r != NULL);
  mm_buf t = MM_BUF_INIT;
  transcript(r, &t);
  mm_json_reader_close(r);
  if (strcmp(t.ptr, want) != 0) {
    fprintf(stderr, "input: %.*s\n--- got:\n%s\n--- want:\n%s\n", (int)len, in, t.ptr, want);
    mm_buf_free(&t);
    MM_TEST_FAIL("transcript differs");
  }
  mm_buf_free(&t);
}
#define EXPECT(in, mode, want) expect_mem((in), strlen(in), (mode), NULL, (want))

static size_t gzip(const void *in, size_t len, unsigned char *out, size_t cap) {
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = (Bytef *)(uintptr_t)in;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  return n;
}

static char *read_file(const char *path, size_t *len) {
  char *p = mm_test_read_file(path, len);
  ASSERT_TRUE(p != NULL);
  return p;
}

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  ASSERT_TRUE(f != NULL);
  ASSERT_EQ(fwrite(data, 1, len, f), len);
  fclose(f);
}

/* ---- modes ----------------------------------------------------------------------------- */

TEST(lines_mode_positions_and_blank_lines) {
  EXPECT("{\"a\":1}\n\n  {\"b\":2}\r\n[3]\n \n\"s\"", MM_JSON_STREAM_LINES,
         "ok 1:1@0 #0 {\"a\":1}\n"
         "ok 3:3@11 #1 {\"b\":2}\n"
         "ok 4:1@20 #2 [3]\n"
         "ok 6:1@26 #3 \"s\"\n"
         "eof");
  EXPECT("", MM_JSON_STREAM_LINES, "eof");
  EXPECT("\n\n", MM_JSON_STREAM_LINES, "eof");
}

TEST(lines_mode_reports_bad_lines_and_goes_on) {
  size_t len;
  char *in = read_file("data/json/lines_with_errors.jsonl", &len);
  const char *want =
      "ok 1:1@0 #0 {\"eventName\":\"ConsoleLogin\",\"n\":1}\n"
      "err ESYNTAX 3:32\n"
      "ok 4:4@72 #1 {\"eventName\":\"PutObject\",\"n\":3}\n"
      "err ETRUNC 5:34\n"
      "ok 6:1@138 #2 {\"eventName\":\"ListBuckets\",\"n\":5}\n"
      "eof";
  expect_mem(in, len, MM_JSON_STREAM_LINES, NULL, want);
  expect_mem(in, len, MM_JSON_STREAM_AUTO, NULL, want); /* detected as JSON Lines */
  free(in);
}

TEST(records_wrapper_yields_elements) {
  size_t len;
  char *in = read_file("data/json/cloudtrail_records.json", &len);
  mm_error err;
  mm_json_reader *r = mm_json_reader_open_mem(in, len, MM_JSON_STREAM_RECORDS, NULL, &err);
  mm_json_record rec;
  const char *names[] = {"GetPasswordData", "GetObject", "CreateAccessKey"};
  uint64_t lines[] = {3, 13, 21};
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(mm_json_reader_next(r, &rec, &err), MM_OK);
    ASSERT_EQ_STR(mm_json_str(mm_json_get(rec.value, "eventName")), names[i]);
    ASSERT_EQ(rec.line, lines[i]);
    ASSERT_EQ(rec.column, 5);
    ASSERT_EQ(rec.index, (uint64_t)i);
    ASSERT_EQ(in[rec.offset], '{');
  }
  const mm_json_value *key = mm_json_get(mm_json_get(rec.value, "responseElements"), "accessKey");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(key, "status")), "Active");
  ASSERT_EQ(mm_json_reader_next(r, &rec, &err), MM_EOF);
  ASSERT_EQ(mm_json_reader_next(r, &rec, &err), MM_EOF);
  mm_json_reader_close(r);
  /* AUTO unwraps it the same way */
  r = mm_json_reader_open_mem(in, len, MM_JSON_STREAM_AUTO, NULL, &err);
  int n = 0;
  while (mm_json_reader_next(r, &rec, &err) == MM_OK) n++;
  ASSERT_EQ(n, 3);
  mm_json_reader_close(r);
  free(in);
}

TEST(auto_mode_shapes) {
  /* CloudTrail sample files are often a bare array */
  EXPECT(" [ {\"a\":1} ,\n {\"b\":[2]} ] ", MM_JSON_STREAM_AUTO,
         "ok 1:4@3 #0 {\"a\":1}\nok 2:2@14 #1 {\"b\":[2]}\neof");
  EXPECT("[]", MM_JSON_STREAM_AUTO, "eof");
  EXPECT("[[1],[2]] [3]", MM_JSON_STREAM_AUTO,
         "ok 1:2@1 #0 [1]\nok 1:6@5 #1 [2]\nok 1:12@11 #2 3\neof");
  /* whitespace inside the wrapper's opening; members after the array */
  EXPECT("{ \"Records\" :\n[1, \"]\"] , \"x\": {\"y\": \"}\"}}\n{\"Records\":[true]}",
         MM_JSON_STREAM_AUTO, "ok 2:2@15 #0 1\nok 2:5@18 #1 \"]\"\nok 3:13@54 #2 true\neof");
  /* an object that is not a wrapper, pretty-printed: one document */
  EXPECT("{\n  \"Recordz\": [1]\n}\n", MM_JSON_STREAM_AUTO, "ok 1:1@0 #0 {\"Recordz\":[1]}\neof");
  /* a sequence of values, pretty or not */
  EXPECT("1 2\n\"x\" {\n}\nnull", MM_JSON_STREAM_AUTO,
         "ok 1:1@0 #0 1\nok 1:3@2 #1 2\nok 2:1@4 #2 \"x\"\nok 2:5@8 #3 {}\nok 4:1@12 #4 null\neof");
  /* a byte order mark opens the file */
  EXPECT("\xef\xbb\xbf{\"a\":1}\n", MM_JSON_STREAM_AUTO, "ok 1:4@3 #0 {\"a\":1}\neof");
  EXPECT("", MM_JSON_STREAM_AUTO, "eof");
  EXPECT(" \n ", MM_JSON_STREAM_AUTO, "eof");
}

TEST(records_mode_requires_the_shape) {
  EXPECT("{\"Records\":[]}", MM_JSON_STREAM_RECORDS, "eof");
  EXPECT("{\"Other\":[1]}", MM_JSON_STREAM_RECORDS, "err ESYNTAX 1:1\neof");
  EXPECT("[1,2] 3", MM_JSON_STREAM_RECORDS, "ok 1:2@1 #0 1\nok 1:4@3 #1 2\nerr ESYNTAX 1:7\neof");
}

TEST(document_mode) {
  EXPECT("  {\"a\":[1,2]}  \n", MM_JSON_STREAM_DOCUMENT, "ok 1:3@2 #0 {\"a\":[1,2]}\neof");
  EXPECT("[1,2]", MM_JSON_STREAM_DOCUMENT, "ok 1:1@0 #0 [1,2]\neof"); /* not unwrapped */
  EXPECT("42", MM_JSON_STREAM_DOCUMENT, "ok 1:1@0 #0 42\neof");
  EXPECT("{}{}", MM_JSON_STREAM_DOCUMENT, "ok 1:1@0 #0 {}\nerr ESYNTAX 1:3\neof");
  EXPECT("", MM_JSON_STREAM_DOCUMENT, "err ETRUNC 1:1\neof");
  EXPECT("  \n", MM_JSON_STREAM_DOCUMENT, "err ETRUNC 2:1\neof");
  EXPECT("{\"a\":\n", MM_JSON_STREAM_DOCUMENT, "err ETRUNC 2:1\neof");
}

TEST(array_errors_continue_or_stop) {
  /* a bad element inside a well-formed array: reported, then the next */
  EXPECT("{\"Records\":[{\"a\":1},\n  {\"b\": tru},\n  {\"c\":3}]}", MM_JSON_STREAM_RECORDS,
         "ok 1:13@12 #0 {\"a\":1}\nerr ESYNTAX 2:9\nok 3:3@37 #1 {\"c\":3}\neof");
  /* truncated: the complete records first, then the error, then the end */
  EXPECT("{\"Records\":[{\"a\":1},{\"b\":2},{\"c\":", MM_JSON_STREAM_RECORDS,
         "ok 1:13@12 #0 {\"a\":1}\nok 1:21@20 #1 {\"b\":2}\nerr ETRUNC 1:29\neof");
  EXPECT("[1,2", MM_JSON_STREAM_AUTO, "ok 1:2@1 #0 1\nerr ETRUNC 1:4\neof");
  EXPECT("[1,2,", MM_JSON_STREAM_AUTO, "ok 1:2@1 #0 1\nok 1:4@3 #1 2\nerr ETRUNC 1:6\neof");
  EXPECT("{\"Records\":[1]", MM_JSON_STREAM_RECORDS, "ok 1:13@12 #0 1\nerr ETRUNC 1:15\neof");
  EXPECT("[1 2]", MM_JSON_STREAM_AUTO, "ok 1:2@1 #0 1\nerr ESYNTAX 1:4\neof");
  EXPECT("[1,]", MM_JSON_STREAM_AUTO, "ok 1:2@1 #0 1\nerr ESYNTAX 1:4\neof");
  EXPECT("[,1]", MM_JSON_STREAM_AUTO, "err ESYNTAX 1:2\nerr ESYNTAX 1:3\neof");
  EXPECT("]", MM_JSON_STREAM_AUTO, "err ESYNTAX 1:1\neof");
}

TEST(record_limit) {
  mm_json_options opt = {.max_record = 40};
  const char *lines =
      "{\"a\":1}\n{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n";
  expect_mem(lines, strlen(lines), MM_JSON_STREAM_LINES, &opt,
             "ok 1:1@0 #0 {\"a\":1}\nerr ELIMIT 2:1\nok 3:1@68 #1 {\"b\":2}\neof");
  const char *recs =
      "[{\"a\":1},{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},{\"b\":2}]";
  expect_mem(recs, strlen(recs), MM_JSON_STREAM_AUTO, &opt,
             "ok 1:2@1 #0 {\"a\":1}\nerr ELIMIT 1:10\neof");
}

/* ---- gzip ------------------------------------------------------------------------------ */

TEST(gzip_single_and_concatenated_members) {
  const char *a = "{\"n\":1}\n{\"n\":2}\n", *b = "{\"n\":3}\n";
  unsigned char gz[512];
  size_t n1 = gzip(a, strlen(a), gz, sizeof(gz));
  const char *want12 = "ok 1:1@0 #0 {\"n\":1}\nok 2:1@8 #1 {\"n\":2}\n";
  mm_buf w = MM_BUF_INIT;
  mm_buf_printf(&w, "%seof", want12);
  expect_mem((const char *)gz, n1, MM_JSON_STREAM_AUTO, NULL, w.ptr);
  size_t n2 = gzip(b, strlen(b), gz + n1, sizeof(gz) - n1);
  mm_buf_clear(&w);
  mm_buf_printf(&w, "%sok 3:1@16 #2 {\"n\":3}\neof", want12);
  expect_mem((const char *)gz, n1 + n2, MM_JSON_STREAM_LINES, NULL, w.ptr);
  /* an empty member in between is fine too */
  size_t n3 = gzip("", 0, gz + n1 + n2, sizeof(gz) - n1 - n2);
  expect_mem((const char *)gz, n1 + n2 + n3, MM_JSON_STREAM_LINES, NULL, w.ptr);
  mm_buf_free(&w);
}

TEST(gzip_damage_is_reported_after_the_good_records) {
  char text[4096];
  size_t len = 0;
  for (int i = 0; i < 100; i++)
    len += (size_t)snprintf(text + len, sizeof(text) - len, "{\"n\":%d}\n", i);
  unsigned char gz[4096], bad[4200];
  size_t n = gzip(text, len, gz, sizeof(gz));
  mm_error err;
  mm_json_record rec;
  /* truncated: some records, then ETRUNC, then the end */
  mm_json_reader *r = mm_json_reader_open_mem(gz, n - 30, MM_JSON_STREAM_AUTO, NULL, &err);
  int ok = 0, rc;
  int64_t last = -1;
  while ((rc = mm_json_reader_next(r, &rec, &err)) == MM_OK) {
    int64_t v;
    mm_json_get_int64(mm_json_get(rec.value, "n"), &v);
    ASSERT_EQ(v, last + 1);
    last = v, ok++;
  }
  ASSERT_EQ(rc, MM_ETRUNC);
  ASSERT_TRUE(strstr(err.msg, "gzip") != NULL);
  ASSERT_TRUE(ok > 50 && ok < 100);
  ASSERT_EQ(mm_json_reader_next(r, &rec, &err), MM_EOF);
  mm_json_reader_close(r);
  /* trailing garbage: all records, then MM_EIO */
  memcpy(bad, gz, n);
  memcpy(bad + n, "garbage", 7);
  r = mm_json_reader_open_mem(bad, n + 7, MM_JSON_STREAM_LINES, NULL, &err);
  for (ok = 0; (rc = mm_json_reader_next(r, &rec, &err)) == MM_OK;) ok++;
  ASSERT_EQ(ok, 100);
  ASSERT_EQ(rc, MM_EIO);
  ASSERT_EQ(mm_json_reader_next(r, &rec, &err), MM_EOF);
  mm_json_reader_close(r);
  /* corrupt data in the middle */
  memcpy(bad, gz, n);
  for (size_t i = n / 2; i < n / 2 + 8; i++) bad[i] ^= 0x5a;
  r = mm_json_reader_open_mem(bad, n, MM_JSON_STREAM_LINES, NULL, &err);
  int errors = 0;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) errors += rc != MM_OK;
  ASSERT_TRUE(errors >= 1);
  mm_json_reader_close(r);
  /* only the magic */
  expect_mem("\x1f\x8b", 2, MM_JSON_STREAM_AUTO, NULL, "err ETRUNC 1:1\neof");
}

/* ---- sources and chunk boundaries ------------------------------------------------------ */

/* ~1.5 MB of JSON Lines whose strings hold brackets, quotes, backslashes and
 * UTF-8, so records straddle every read-chunk boundary. */
static void big_lines(mm_buf *b, int count) {
  for (int i = 0; i < count; i++)
    mm_buf_printf(b, "{\"i\":%d,\"s\":\"x]}[{\\\"\\\\%*s\xc3\xa9\",\"a\":[%d,{\"k\":\"}\"}]}\n", i,
                  i % 97, "", i);
}

static void check_big(mm_json_reader *r, int count, bool lines) {
  mm_json_record rec;
  mm_error err;
  int rc, n = 0;
  while ((rc = mm_json_reader_next(r, &rec, &err)) == MM_OK) {
    int64_t v;
    ASSERT_EQ(mm_json_get_int64(mm_json_get(rec.value, "i"), &v), MM_OK);
    ASSERT_EQ(v, n);
    if (lines) ASSERT_EQ(rec.line, (uint64_t)n + 1);
    n++;
  }
  if (rc != MM_EOF) MM_TEST_FAIL("record %d: %s (line %u)", n, err.msg, err.line);
  ASSERT_EQ(n, count);
}

TEST(big_inputs_from_every_source) {
  int count = 20000;
  mm_buf b = MM_BUF_INIT, rec = MM_BUF_INIT;
  big_lines(&b, count);
  ASSERT_TRUE(b.len > 3 * MM_JSON_READ_CHUNK);
  /* the same records as a CloudTrail file: {"Records":[ ... ]} */
  mm_buf_puts(&rec, "{\"Records\":[\n");
  for (size_t i = 0, start = 0; i < b.len; i++)
    if (b.ptr[i] == '\n') {
      mm_buf_append(&rec, b.ptr + start, i - start);
      mm_buf_puts(&rec, i + 1 < b.len ? ",\n" : "\n]}\n");
      start = i + 1;
    }
  size_t cap = b.len + 1024;
  unsigned char *gz = malloc(cap), *gzr = malloc(rec.len + 1024);
  size_t gzlen = gzip(b.ptr, b.len, gz, cap), gzrlen = gzip(rec.ptr, rec.len, gzr, rec.len + 1024);
  const char *path = "json_stream_test.tmp", *gzpath = "json_stream_test.tmp.gz";
  write_file(path, b.ptr, b.len);
  write_file(gzpath, gz, gzlen);
  mm_error err;
  mm_json_reader *r;
  r = mm_json_reader_open_mem(b.ptr, b.len, MM_JSON_STREAM_AUTO, NULL, &err);
  check_big(r, count, true);
  mm_json_reader_close(r);
  r = mm_json_reader_open_mem(gz, gzlen, MM_JSON_STREAM_LINES, NULL, &err);
  check_big(r, count, true);
  mm_json_reader_close(r);
  r = mm_json_reader_open_mem(rec.ptr, rec.len, MM_JSON_STREAM_RECORDS, NULL, &err);
  check_big(r, count, false);
  mm_json_reader_close(r);
  r = mm_json_reader_open_mem(gzr, gzrlen, MM_JSON_STREAM_AUTO, NULL, &err);
  check_big(r, count, false);
  mm_json_reader_close(r);
  r = mm_json_reader_open_path(path, MM_JSON_STREAM_AUTO, NULL, &err);
  ASSERT_TRUE(r != NULL);
  check_big(r, count, true);
  mm_json_reader_close(r);
  r = mm_json_reader_open_path(gzpath, MM_JSON_STREAM_AUTO, NULL, &err);
  check_big(r, count, true);
  mm_json_reader_close(r);
  int fd = open(gzpath, O_RDONLY);
  r = mm_json_reader_open_fd(fd, MM_JSON_STREAM_LINES, NULL, &err);
  check_big(r, count, true);
  mm_json_reader_close(r);
  close(fd);
  FILE *f = fopen(path, "rb");
  r = mm_json_reader_open_file(f, MM_JSON_STREAM_LINES, NULL, &err);
  check_big(r, count, true);
  mm_json_reader_close(r);
  fclose(f);
  remove(path);
  remove(gzpath);
  free(gz);
  free(gzr);
  mm_buf_free(&b);
  mm_buf_free(&rec);
}

TEST(pipe_like_stdin) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const char *in = "{\"a\":1}\n{\"a\":2}\n";
  ASSERT_EQ(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
  close(fds[1]);
  mm_error err;
  mm_json_reader *r = mm_json_reader_open_fd(fds[0], MM_JSON_STREAM_AUTO, NULL, &err);
  mm_buf t = MM_BUF_INIT;
  transcript(r, &t);
  ASSERT_EQ_STR(t.ptr, "ok 1:1@0 #0 {\"a\":1}\nok 2:1@8 #1 {\"a\":2}\neof");
  mm_json_reader_close(r);
  close(fds[0]);
  mm_buf_free(&t);
}

TEST(open_failures) {
  mm_error err;
  ASSERT_TRUE(mm_json_reader_open_path("data/json/does-not-exist.json", MM_JSON_STREAM_AUTO, NULL,
                                       &err) == NULL);
  ASSERT_EQ(err.code, MM_EIO);
  ASSERT_TRUE(mm_json_reader_open_fd(-1, MM_JSON_STREAM_AUTO, NULL, &err) == NULL);
  ASSERT_TRUE(mm_json_reader_open_file(NULL, MM_JSON_STREAM_AUTO, NULL, &err) == NULL);
  ASSERT_TRUE(mm_json_reader_open_mem(NULL, 3, MM_JSON_STREAM_AUTO, NULL, &err) == NULL);
  mm_json_reader_close(NULL);
}

/* ---- allocation failures --------------------------------------------------------------------- */

static void drain(mm_json_reader *r) {
  mm_json_record rec;
  mm_error err;
  for (int calls = 0; calls < 10000; calls++)
    if (mm_json_reader_next(r, &rec, &err) == MM_EOF) return;
  MM_TEST_FAIL("reader did not end");
}

TEST(stream_survives_allocation_failures) {
  size_t len;
  char *ct = read_file("data/json/cloudtrail_records.json", &len);
  unsigned char gz[4096];
  size_t gzlen = gzip(ct, len, gz, sizeof(gz));
  char *lines = read_file("data/json/lines_with_errors.jsonl", &len);
  const char *path = "json_stream_fault.tmp.gz";
  write_file(path, gz, gzlen);
  FAULT_LOOP({
    mm_error err;
    mm_json_reader *r = mm_json_reader_open_mem(lines, len, MM_JSON_STREAM_AUTO, NULL, &err);
    if (r) drain(r);
    mm_json_reader_close(r);
  });
  FAULT_LOOP({
    mm_error err;
    mm_json_reader *r = mm_json_reader_open_mem(gz, gzlen, MM_JSON_STREAM_AUTO, NULL, &err);
    if (r) drain(r);
    mm_json_reader_close(r);
  });
  FAULT_LOOP({
    mm_error err;
    mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_RECORDS, NULL, &err);
    if (r) drain(r);
    mm_json_reader_close(r);
  });
  remove(path);
  free(ct);
  free(lines);
}

int main(void) {
  RUN(lines_mode_positions_and_blank_lines);
  RUN(lines_mode_reports_bad_lines_and_goes_on);
  RUN(records_wrapper_yields_elements);
  RUN(auto_mode_shapes);
  RUN(records_mode_requires_the_shape);
  RUN(document_mode);
  RUN(array_errors_continue_or_stop);
  RUN(record_limit);
  RUN(gzip_single_and_concatenated_members);
  RUN(gzip_damage_is_reported_after_the_good_records);
  RUN(big_inputs_from_every_source);
  RUN(pipe_like_stdin);
  RUN(open_failures);
  RUN(stream_survives_allocation_failures);
  return mm_test_summary();
}
