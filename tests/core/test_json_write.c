/*
 * test_json_write.c - JSON output: escaping (RFC 8259 section 7), shortest
 * round-trip doubles, the streaming writer (compact and pretty, misuse),
 * tree serialization, and allocation failures.
 */
#include "mamori/json.h"
#include "test.h"

#include <float.h>
#include <locale.h>
#include <math.h>

static const char *escaped(const char *s, size_t len, mm_buf *b) {
  mm_buf_clear(b);
  ASSERT_EQ(mm_json_append_string(b, s, len), MM_OK);
  return b->ptr;
}

TEST(escapes_control_quote_backslash) {
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ_STR(escaped("a\"b\\c/d", 7, &b), "\"a\\\"b\\\\c/d\"");
  ASSERT_EQ_STR(escaped("\b\f\n\r\t", 5, &b), "\"\\b\\f\\n\\r\\t\"");
  ASSERT_EQ_STR(escaped("\x01\x1f\x7f", 3, &b), "\"\\u0001\\u001f\x7f\"");
  ASSERT_EQ_STR(escaped("a\0b", 3, &b), "\"a\\u0000b\"");
  ASSERT_EQ_STR(escaped("", 0, &b), "\"\"");
  /* every control character */
  for (int c = 0; c < 0x20; c++) {
    char in = (char)c, want[16];
    const char *shorts = "\b\f\n\r\t", *letters = "bfnrt";
    const char *at = c ? strchr(shorts, c) : NULL;
    if (at)
      snprintf(want, sizeof(want), "\"\\%c\"", letters[at - shorts]);
    else
      snprintf(want, sizeof(want), "\"\\u%04x\"", c);
    ASSERT_EQ_STR(escaped(&in, 1, &b), want);
  }
  mm_buf_clear(&b);
  ASSERT_EQ(mm_json_append_escaped(&b, "x\"y", 3), MM_OK);
  ASSERT_EQ_STR(b.ptr, "x\\\"y");
  mm_buf_free(&b);
}

TEST(utf8_verbatim_invalid_replaced) {
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ_STR(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, &b),
                "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  ASSERT_EQ_STR(escaped("a\xff"
                        "b",
                        3, &b),
                "\"a\xef\xbf\xbd"
                "b\"");
  ASSERT_EQ_STR(escaped("\xc0\xaf", 2, &b), "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
  ASSERT_EQ_STR(escaped("\xed\xa0\x80", 3, &b), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  ASSERT_EQ_STR(escaped("x\xe2\x82", 3, &b),
                "\"x\xef\xbf\xbd\xef\xbf\xbd\""); /* truncated at end */
  /* long runs cross the 16-byte fast path */
  char longs[100];
  memset(longs, 'a', sizeof(longs));
  longs[37] = '"';
  longs[80] = '\n';
  escaped(longs, sizeof(longs), &b);
  ASSERT_EQ(b.len, 104);
  ASSERT_TRUE(memcmp(b.ptr + 38, "\\\"", 2) == 0);
  /* the output always parses back to the input when the input is valid */
  static const char s[] = "tab\there \"quoted\" back\\slash \xe2\x9c\x93 nul\0end";
  escaped(s, sizeof(s) - 1, &b);
  mm_error err;
  mm_json_doc *d = mm_json_parse(b.ptr, b.len, NULL, &err);
  ASSERT_TRUE(d != NULL);
  mm_str got = mm_json_get_str(mm_json_doc_root(d));
  ASSERT_EQ(got.len, sizeof(s) - 1);
  ASSERT_EQ(memcmp(got.ptr, s, sizeof(s) - 1), 0);
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

static const char *dbl(double d, mm_buf *b, int want_rc) {
  mm_buf_clear(b);
  ASSERT_EQ(mm_json_append_double(b, d), want_rc);
  return b->ptr;
}

TEST(doubles_shortest_round_trip) {
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ_STR(dbl(0.1, &b, MM_OK), "0.1");
  ASSERT_EQ_STR(dbl(1.5, &b, MM_OK), "1.5");
  ASSERT_EQ_STR(dbl(100, &b, MM_OK), "100");
  ASSERT_EQ_STR(dbl(-0.0, &b, MM_OK), "-0");
  ASSERT_EQ_STR(dbl(1e300, &b, MM_OK), "1e+300");
  ASSERT_EQ_STR(dbl(0.1 + 0.2, &b, MM_OK), "0.30000000000000004");
  ASSERT_EQ_STR(dbl(1.0 / 3, &b, MM_OK), "0.3333333333333333");
  ASSERT_EQ_STR(dbl(DBL_MAX, &b, MM_OK), "1.7976931348623157e+308");
  ASSERT_EQ_STR(dbl(NAN, &b, MM_ERANGE), "null");
  ASSERT_EQ_STR(dbl(-INFINITY, &b, MM_ERANGE), "null");
  /* random bit patterns: the text parses back to the same double */
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof(d));
    if (!isfinite(d)) continue;
    dbl(d, &b, MM_OK);
    mm_error err;
    mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, &err);
    ASSERT_TRUE(doc != NULL);
    double back;
    mm_json_get_double(mm_json_doc_root(doc), &back);
    if (memcmp(&back, &d, sizeof(d)) != 0) MM_TEST_FAIL("%s does not round-trip", b.ptr);
    mm_json_doc_free(doc);
  }
  mm_buf_free(&b);
}

TEST(doubles_ignore_the_global_locale) {
  const char *locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "C.UTF-8"};
  for (size_t i = 0; i < MM_ARRAY_LEN(locales); i++)
    if (setlocale(LC_NUMERIC, locales[i])) break;
  mm_buf b = MM_BUF_INIT;
  mm_json_append_double(&b, 2.5);
  setlocale(LC_NUMERIC, "C");
  ASSERT_EQ_STR(b.ptr, "2.5");
  mm_buf_free(&b);
}

/* ---- the streaming writer ------------------------------------------------------------ */

static void write_sample(mm_json_writer *w) {
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "action", 6);
  mm_json_write_string(w, "BLOCK", 5);
  mm_json_write_key(w, "n", 1);
  mm_json_write_array_begin(w);
  mm_json_write_int64(w, INT64_MIN);
  mm_json_write_uint64(w, UINT64_MAX);
  mm_json_write_double(w, 0.25);
  mm_json_write_bool(w, true);
  mm_json_write_bool(w, false);
  mm_json_write_null(w);
  mm_json_write_array_begin(w);
  mm_json_write_array_end(w);
  mm_json_write_object_begin(w);
  mm_json_write_object_end(w);
  mm_json_write_array_end(w);
  mm_json_write_key(w, "raw", 3);
  mm_json_write_raw(w, "{\"x\":[1]}", 9);
  mm_json_write_key(w, "h\"k", 3);
  mm_json_write_string(w, "line\nbreak", 10);
  mm_json_write_object_end(w);
}

TEST(writer_compact) {
  mm_buf b = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &b, 0);
  write_sample(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  ASSERT_EQ_STR(b.ptr,
                "{\"action\":\"BLOCK\",\"n\":[-9223372036854775808,18446744073709551615,"
                "0.25,true,false,null,[],{}],\"raw\":{\"x\":[1]},\"h\\\"k\":\"line\\nbreak\"}");
  mm_buf_free(&b);
}

TEST(writer_pretty) {
  mm_buf b = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &b, MM_JSON_WRITE_PRETTY);
  write_sample(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  ASSERT_EQ_STR(b.ptr,
                "{\n"
                "  \"action\": \"BLOCK\",\n"
                "  \"n\": [\n"
                "    -9223372036854775808,\n"
                "    18446744073709551615,\n"
                "    0.25,\n"
                "    true,\n"
                "    false,\n"
                "    null,\n"
                "    [],\n"
                "    {}\n"
                "  ],\n"
                "  \"raw\": {\"x\":[1]},\n"
                "  \"h\\\"k\": \"line\\nbreak\"\n"
                "}");
  mm_buf_free(&b);
}

TEST(writer_misuse_is_sticky) {
  mm_buf b = MM_BUF_INIT;
  mm_json_writer w;
  /* a value where a key is due */
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_object_begin(&w);
  ASSERT_EQ(mm_json_write_int64(&w, 1), MM_EINVAL);
  ASSERT_EQ(mm_json_write_key(&w, "a", 1), MM_EINVAL); /* sticky */
  ASSERT_EQ(mm_json_writer_finish(&w), MM_EINVAL);
  /* a key in an array, a key after a key */
  mm_buf_clear(&b);
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_array_begin(&w);
  ASSERT_EQ(mm_json_write_key(&w, "a", 1), MM_EINVAL);
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "a", 1);
  ASSERT_EQ(mm_json_write_key(&w, "b", 1), MM_EINVAL);
  /* mismatched and unbalanced ends; an end right after a key */
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_array_begin(&w);
  ASSERT_EQ(mm_json_write_object_end(&w), MM_EINVAL);
  mm_json_writer_init(&w, &b, 0);
  ASSERT_EQ(mm_json_write_array_end(&w), MM_EINVAL);
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "a", 1);
  ASSERT_EQ(mm_json_write_object_end(&w), MM_EINVAL);
  /* two top-level values; an unfinished one; nothing at all */
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_null(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  ASSERT_EQ(mm_json_write_null(&w), MM_EINVAL);
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_array_begin(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_EINVAL);
  mm_json_writer_init(&w, &b, 0);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_EINVAL);
  /* NaN is written as null, reported, and the writer goes on */
  mm_buf_clear(&b);
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_array_begin(&w);
  ASSERT_EQ(mm_json_write_double(&w, NAN), MM_ERANGE);
  ASSERT_EQ(mm_json_write_int64(&w, 2), MM_OK);
  mm_json_write_array_end(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  ASSERT_EQ_STR(b.ptr, "[null,2]");
  /* nesting past the limit */
  mm_json_writer_init(&w, &b, 0);
  for (int i = 0; i < MM_JSON_MAX_DEPTH; i++) ASSERT_EQ(mm_json_write_array_begin(&w), MM_OK);
  ASSERT_EQ(mm_json_write_array_begin(&w), MM_EINVAL);
  mm_buf_free(&b);
}

TEST(writer_embeds_parsed_values) {
  mm_error err;
  mm_json_doc *d = mm_json_parse("{\"a\":[1,2.50],\"b\":{}}", 21, NULL, &err);
  mm_buf b = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &b, MM_JSON_WRITE_PRETTY);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "doc", 3);
  mm_json_write_dom(&w, mm_json_doc_root(d));
  mm_json_write_object_end(&w);
  ASSERT_EQ(mm_json_writer_finish(&w), MM_OK);
  ASSERT_EQ_STR(b.ptr,
                "{\n  \"doc\": {\n    \"a\": [\n      1,\n      2.50\n    ],\n"
                "    \"b\": {}\n  }\n}");
  ASSERT_EQ(mm_json_write_dom(&w, NULL), MM_EINVAL);
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

/* ---- serializing a tree ------------------------------------------------------------------ */

TEST(tree_compact_and_pretty) {
  const char *in =
      " { \"a\" : [ 1 , -0.0 , 1E5 , \"x\\u0001\\/\" , [ ] , { } , null ] ,"
      " \"b\" : { \"c\" : true } , \"a\" : false } ";
  mm_error err;
  mm_json_doc *d = mm_json_parse(in, strlen(in), NULL, &err);
  ASSERT_TRUE(d != NULL);
  mm_buf b = MM_BUF_INIT;
  ASSERT_EQ(mm_json_write(&b, mm_json_doc_root(d), 0), MM_OK);
  ASSERT_EQ_STR(b.ptr,
                "{\"a\":[1,-0.0,1E5,\"x\\u0001/\",[],{},null],\"b\":{\"c\":true},\"a\":false}");
  mm_buf_clear(&b);
  ASSERT_EQ(mm_json_write(&b, mm_json_doc_root(d), MM_JSON_WRITE_PRETTY), MM_OK);
  ASSERT_EQ_STR(b.ptr,
                "{\n  \"a\": [\n    1,\n    -0.0,\n    1E5,\n    \"x\\u0001/\",\n    [],\n"
                "    {},\n    null\n  ],\n  \"b\": {\n    \"c\": true\n  },\n  \"a\": false\n}");
  mm_buf_clear(&b);
  ASSERT_EQ(mm_json_write(&b, mm_json_get(mm_json_doc_root(d), "b"), 0), MM_OK);
  ASSERT_EQ_STR(b.ptr, "{\"c\":true}");
  mm_buf_clear(&b);
  mm_json_iter it = mm_json_iter_init(mm_json_doc_root(d));
  const mm_json_value *first_a;
  mm_json_iter_next(&it, NULL, &first_a); /* mm_json_get would give the last "a" */
  ASSERT_EQ(mm_json_write(&b, mm_json_at(first_a, 1), 0), MM_OK);
  ASSERT_EQ_STR(b.ptr, "-0.0");
  ASSERT_EQ(mm_json_write(&b, NULL, 0), MM_EINVAL);
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

TEST(write_survives_allocation_failures) {
  mm_error err;
  const char *in = "{\"a\":[1,2,{\"b\":\"x\\ny\"}],\"c\":\"\xc3\xa9\",\"d\":[[[[]]]]}";
  mm_json_doc *d = mm_json_parse(in, strlen(in), NULL, &err);
  mm_buf want = MM_BUF_INIT;
  mm_json_write(&want, mm_json_doc_root(d), MM_JSON_WRITE_PRETTY);
  FAULT_LOOP({
    mm_buf b = MM_BUF_INIT;
    int rc = mm_json_write(&b, mm_json_doc_root(d), MM_JSON_WRITE_PRETTY);
    if (rc == MM_OK)
      ASSERT_EQ_STR(b.ptr, want.ptr);
    else
      ASSERT_TRUE(rc == MM_ENOMEM && b.oom);
    mm_buf_free(&b);
  });
  FAULT_LOOP({
    mm_buf b = MM_BUF_INIT;
    mm_json_writer w;
    mm_json_writer_init(&w, &b, 0);
    write_sample(&w);
    int rc = mm_json_writer_finish(&w);
    ASSERT_TRUE(rc == MM_OK || rc == MM_ENOMEM);
    mm_buf_free(&b);
  });
  /* deep trees: the frame stack grows on the heap */
  size_t n = 1000;
  char *deep = malloc(2 * n);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  mm_json_options opt = {.max_depth = n};
  mm_json_doc *dd = mm_json_parse(deep, 2 * n, &opt, &err);
  FAULT_LOOP({
    mm_buf b = MM_BUF_INIT;
    int rc = mm_json_write(&b, mm_json_doc_root(dd), 0);
    ASSERT_TRUE(rc == MM_OK ? b.len == 2 * n : rc == MM_ENOMEM);
    mm_buf_free(&b);
  });
  free(deep);
  mm_json_doc_free(dd);
  mm_json_doc_free(d);
  mm_buf_free(&want);
}

int main(void) {
  RUN(escapes_control_quote_backslash);
  RUN(utf8_verbatim_invalid_replaced);
  RUN(doubles_shortest_round_trip);
  RUN(doubles_ignore_the_global_locale);
  RUN(writer_compact);
  RUN(writer_pretty);
  RUN(writer_misuse_is_sticky);
  RUN(writer_embeds_parsed_values);
  RUN(tree_compact_and_pretty);
  RUN(write_survives_allocation_failures);
  return mm_test_summary();
}
