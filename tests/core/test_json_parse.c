/*
 * test_json_parse.c - the JSON parser and the tree accessors: types,
 * strings and every escape, UTF-8 validation, numbers, duplicate keys,
 * large-object lookup, error positions, limits, memory reuse and
 * allocation failures. Conformance against JSONTestSuite lives in
 * json_case.c / json_suite.cmake.
 */
#include "mamori/json.h"
#include "test.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>

static mm_json_doc *parse(const char *text) {
  mm_error err;
  mm_error_clear(&err);
  mm_json_doc *d = mm_json_parse(text, strlen(text), NULL, &err);
  if (!d) fprintf(stderr, "parse failed: %s (%s)\n", err.msg, text);
  return d;
}

/* Parse expecting failure; returns the code and fills *err. */
static int parse_fail(const char *text, size_t len, const mm_json_options *opt, mm_error *err) {
  mm_error_clear(err);
  mm_json_doc *d = mm_json_parse(text, len, opt, err);
  if (d) {
    mm_json_doc_free(d);
    return MM_OK;
  }
  return err->code;
}

TEST(types_and_accessors) {
  mm_json_doc *d =
      parse("{\"a\":1,\"b\":[true,false,null],\"c\":\"x\\u00e9y\",\"d\":-1.5e3,\"e\":{}}");
  ASSERT_TRUE(d != NULL);
  const mm_json_value *r = mm_json_doc_root(d);
  ASSERT_EQ(mm_json_type_of(r), MM_JSON_OBJECT);
  ASSERT_EQ(mm_json_len(r), 5);
  const mm_json_value *b = mm_json_get(r, "b");
  ASSERT_TRUE(mm_json_is_array(b));
  ASSERT_EQ(mm_json_len(b), 3);
  ASSERT_TRUE(mm_json_is_true(mm_json_at(b, 0)));
  ASSERT_TRUE(mm_json_is_bool(mm_json_at(b, 1)) && !mm_json_is_true(mm_json_at(b, 1)));
  ASSERT_TRUE(mm_json_is_null(mm_json_at(b, 2)));
  ASSERT_TRUE(mm_json_at(b, 3) == NULL);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(r, "c")), "x\xc3\xa9y");
  ASSERT_EQ(mm_json_len(mm_json_get(r, "c")), 4);
  double dv;
  ASSERT_EQ(mm_json_get_double(mm_json_get(r, "d"), &dv), MM_OK);
  ASSERT_EQ_DBL(dv, -1500.0);
  int64_t iv;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(r, "a"), &iv), MM_OK);
  ASSERT_EQ(iv, 1);
  ASSERT_EQ(mm_json_get_int64(mm_json_get(r, "d"), &iv), MM_ERANGE);
  ASSERT_EQ(mm_json_get_int64(mm_json_get(r, "c"), &iv), MM_ETYPE);
  ASSERT_TRUE(mm_json_is_object(mm_json_get(r, "e")) && mm_json_len(mm_json_get(r, "e")) == 0);
  ASSERT_TRUE(mm_json_get(r, "zz") == NULL);
  ASSERT_EQ_STR(mm_json_type_name(MM_JSON_OBJECT), "object");
  ASSERT_EQ_STR(mm_json_type_name((mm_json_type)99), "invalid");
  /* document order */
  const char *order[] = {"a", "b", "c", "d", "e"};
  mm_json_iter it = mm_json_iter_init(r);
  const mm_json_value *k, *v;
  int i = 0;
  while (mm_json_iter_next(&it, &k, &v)) ASSERT_EQ_STR(mm_json_str(k), order[i++]);
  ASSERT_EQ(i, 5);
  it = mm_json_iter_init(b);
  for (i = 0; mm_json_iter_next(&it, &k, &v); i++)
    ASSERT_TRUE(k == NULL && v == mm_json_at(b, (size_t)i));
  ASSERT_EQ(i, 3);
  mm_json_doc_free(d);
}

TEST(null_values_are_absent_everywhere) {
  const mm_json_value *n = NULL;
  int64_t i;
  uint64_t u;
  double d;
  ASSERT_EQ(mm_json_type_of(n), MM_JSON_INVALID);
  ASSERT_EQ(mm_json_len(n), 0);
  ASSERT_TRUE(mm_json_str(n) == NULL && mm_json_get_str(n).ptr == NULL);
  ASSERT_TRUE(mm_json_get(n, "a") == NULL && mm_json_at(n, 0) == NULL);
  ASSERT_EQ(mm_json_get_int64(n, &i), MM_ETYPE);
  ASSERT_EQ(mm_json_get_uint64(n, &u), MM_ETYPE);
  ASSERT_EQ(mm_json_get_double(n, &d), MM_ETYPE);
  ASSERT_TRUE(mm_json_number_raw(n).ptr == NULL);
  mm_json_iter it = mm_json_iter_init(n);
  ASSERT_FALSE(mm_json_iter_next(&it, NULL, NULL));
  ASSERT_TRUE(mm_json_doc_root(NULL) == NULL);
  mm_json_doc_free(NULL);
  ASSERT_TRUE(mm_json_equal(NULL, NULL));
}

TEST(scalars_at_top_level) {
  const char *texts[] = {"0", "-1", "\"s\"", "true", "false", "null", " 1.5 ", "\n[]\n"};
  for (size_t i = 0; i < MM_ARRAY_LEN(texts); i++) {
    mm_json_doc *d = parse(texts[i]);
    ASSERT_TRUE(d != NULL);
    mm_json_doc_free(d);
  }
}

/* ---- strings ------------------------------------------------------------------ */

TEST(every_escape) {
  mm_json_doc *d = parse(
      "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\", \"a\\u0000b\"]");
  ASSERT_TRUE(d != NULL);
  const mm_json_value *r = mm_json_doc_root(d);
  ASSERT_EQ_MEM(mm_json_str(mm_json_at(r, 0)), mm_json_len(mm_json_at(r, 0)), "\"\\/\b\f\n\r\t");
  ASSERT_EQ_MEM(mm_json_str(mm_json_at(r, 1)), mm_json_len(mm_json_at(r, 1)),
                "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  mm_str s = mm_json_get_str(mm_json_at(r, 2));
  ASSERT_EQ(s.len, 3);
  ASSERT_EQ(memcmp(s.ptr, "a\0b", 4), 0); /* NUL inside, and NUL-terminated */
  mm_json_doc_free(d);
}

TEST(long_strings_with_escapes_at_every_offset) {
  /* Escapes at every position relative to the 16-byte scan blocks. */
  for (int pos = 0; pos < 40; pos++) {
    char text[128], want[128];
    int n = 0, w = 0;
    text[n++] = '"';
    for (int i = 0; i < 50; i++) {
      if (i == pos) {
        memcpy(text + n, "\\n\\u00e9", 8), n += 8;
        want[w++] = '\n', want[w++] = (char)0xc3, want[w++] = (char)0xa9;
      }
      text[n++] = (char)('a' + i % 26);
      want[w++] = (char)('a' + i % 26);
    }
    text[n++] = '"';
    text[n] = want[w] = '\0';
    mm_json_doc *d = parse(text);
    ASSERT_TRUE(d != NULL);
    ASSERT_EQ_STR(mm_json_str(mm_json_doc_root(d)), want);
    mm_json_doc_free(d);
  }
}

TEST(lone_surrogates_become_replacement_or_fail) {
  mm_json_doc *d = parse("[\"\\ud800\", \"\\udc00x\", \"\\ud800\\u0041\", \"\\ud800\\ud800\"]");
  ASSERT_TRUE(d != NULL);
  const mm_json_value *r = mm_json_doc_root(d);
  ASSERT_EQ_STR(mm_json_str(mm_json_at(r, 0)), "\xef\xbf\xbd");
  ASSERT_EQ_STR(mm_json_str(mm_json_at(r, 1)), "\xef\xbf\xbdx");
  ASSERT_EQ_STR(mm_json_str(mm_json_at(r, 2)),
                "\xef\xbf\xbd"
                "A");
  ASSERT_EQ_STR(mm_json_str(mm_json_at(r, 3)), "\xef\xbf\xbd\xef\xbf\xbd");
  mm_json_doc_free(d);
  mm_json_options opt = {.flags = MM_JSON_REJECT_LONE_SURROGATES};
  mm_error err;
  ASSERT_EQ(parse_fail("[\"ab\\udc00\"]", 12, &opt, &err), MM_EUTF8);
  ASSERT_EQ(err.column, 5);
  const char *pair = "[\"\\ud83d\\ude00\"]";
  ASSERT_EQ(parse_fail(pair, strlen(pair), &opt, &err), MM_OK);
}

TEST(bad_escapes) {
  const char *bad[] = {"[\"\\x\"]", "[\"\\u12G4\"]", "[\"\\u12\"]", "[\"\\U0041\"]", "[\"\\'\"]"};
  mm_error err;
  for (size_t i = 0; i < MM_ARRAY_LEN(bad); i++) {
    ASSERT_EQ(parse_fail(bad[i], strlen(bad[i]), NULL, &err), MM_ESYNTAX);
    ASSERT_EQ(err.line, 1);
    ASSERT_TRUE(err.column >= 3);
  }
}

/* ---- UTF-8 (RFC 8259 8.1, Unicode table 3-7) ---------------------------------------- */

TEST(utf8_valid_sequences) {
  const char *ok[] = {
      "\"\xc2\x80\"",         "\"\xdf\xbf\"",         "\"\xe0\xa0\x80\"",
      "\"\xed\x9f\xbf\"",     "\"\xee\x80\x80\"",     "\"\xef\xbf\xbf\"",
      "\"\xf0\x90\x80\x80\"", "\"\xf4\x8f\xbf\xbf\"", "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\""};
  for (size_t i = 0; i < MM_ARRAY_LEN(ok); i++) {
    mm_json_doc *d = parse(ok[i]);
    ASSERT_TRUE(d != NULL);
    mm_json_doc_free(d);
  }
}

TEST(utf8_invalid_sequences_located) {
  struct {
    const char *text;
    uint32_t column;
  } bad[] = {
      {"[\"ab\xc0\xaf\"]", 5},       /* overlong '/' */
      {"[\"\xc1\xbf\"]", 3},         /* overlong */
      {"[\"\xe0\x80\xaf\"]", 3},     /* overlong 3-byte */
      {"[\"\xf0\x80\x80\xaf\"]", 3}, /* overlong 4-byte */
      {"[\"x\xed\xa0\x80\"]", 4},    /* UTF-8-encoded surrogate D800 */
      {"[\"\xed\xbf\xbf\"]", 3},     /* surrogate DFFF */
      {"[\"\xf4\x90\x80\x80\"]", 3}, /* > U+10FFFF */
      {"[\"\xf5\x80\x80\x80\"]", 3},
      {"[\"\x80\"]", 3}, /* lone continuation */
      {"[\"\xc3\"]", 3}, /* truncated before the quote */
      {"[\"\xe2\x82\"]", 3},
      {"[\"\xfe\"]", 3},
      {"[\"\xff\"]", 3},
      {"[\"abcdefghijklmnopqrs\xff\"]", 22}, /* past the first 16-byte block */
  };
  mm_error err;
  for (size_t i = 0; i < MM_ARRAY_LEN(bad); i++) {
    ASSERT_EQ(parse_fail(bad[i].text, strlen(bad[i].text), NULL, &err), MM_EUTF8);
    ASSERT_EQ(err.column, bad[i].column);
  }
  ASSERT_EQ(parse_fail("\"\xe2\x82", 3, NULL, &err), MM_EUTF8);   /* truncated at the end */
  ASSERT_EQ(parse_fail("[\xc3\xa9]", 4, NULL, &err), MM_ESYNTAX); /* non-ASCII outside strings */
}

/* ---- errors: code, line, column ------------------------------------------------------ */

TEST(error_positions) {
  struct {
    const char *text;
    int code;
    uint32_t line, column;
  } cases[] = {
      {"{\n  \"a\": 1,\n  \"b\" 2\n}", MM_ESYNTAX, 3, 7},
      {"[1,]", MM_ESYNTAX, 1, 4},
      {"[1 2]", MM_ESYNTAX, 1, 4},
      {"{\"a\":1,}", MM_ESYNTAX, 1, 8},
      {"{\"a\" : 1 , 2}", MM_ESYNTAX, 1, 12},
      {"[01]", MM_ESYNTAX, 1, 3},
      {"[1.]", MM_ESYNTAX, 1, 4},
      {"[1e]", MM_ESYNTAX, 1, 4},
      {"[-]", MM_ESYNTAX, 1, 3},
      {"[.5]", MM_ESYNTAX, 1, 2},
      {"[+1]", MM_ESYNTAX, 1, 2},
      {"[NaN]", MM_ESYNTAX, 1, 2},
      {"[Infinity]", MM_ESYNTAX, 1, 2},
      {"[nul]", MM_ESYNTAX, 1, 2},
      {"[truex]", MM_ESYNTAX, 1, 6},
      {"{\"a\":1}x", MM_ESYNTAX, 1, 8},
      {"[1] // c", MM_ESYNTAX, 1, 5},
      {"[/* c */ 1]", MM_ESYNTAX, 1, 2},
      {"[\"a\tb\"]", MM_ESYNTAX, 1, 4},
      {"\"a\nb\"", MM_ESYNTAX, 1, 3},
      {"['a']", MM_ESYNTAX, 1, 2},
      {"{a:1}", MM_ESYNTAX, 1, 2},
      {"[\f]", MM_ESYNTAX, 1, 2},
      {"\xef\xbb\xbf[1,]", MM_ESYNTAX, 1, 7},
      {"", MM_ETRUNC, 1, 1},
      {"   \n  ", MM_ETRUNC, 2, 3},
      {"[\"abc", MM_ETRUNC, 1, 6},
      {"{\"a\":", MM_ETRUNC, 1, 6},
      {"[1,\n2", MM_ETRUNC, 2, 2},
      {"{\"a\":1\r\n,\r\n", MM_ETRUNC, 3, 1},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    mm_error err;
    int rc = parse_fail(cases[i].text, strlen(cases[i].text), NULL, &err);
    if (rc != cases[i].code || err.line != cases[i].line || err.column != cases[i].column)
      MM_TEST_FAIL("case %zu: got %s %u:%u (%s), want %s %u:%u", i, mm_status_name(rc), err.line,
                   err.column, err.msg, mm_status_name(cases[i].code), cases[i].line,
                   cases[i].column);
    ASSERT_TRUE(err.msg[0] != '\0');
    ASSERT_EQ(err.offset + 1 >= err.column, 1);
  }
  mm_error err;
  ASSERT_EQ(parse_fail("[1]\0", 4, NULL, &err), MM_ESYNTAX); /* NUL after the value */
  ASSERT_EQ(err.column, 4);
  ASSERT_EQ(parse_fail("[\"a\0\"]", 6, NULL, &err), MM_ESYNTAX); /* raw NUL in a string */
  ASSERT_EQ(err.column, 4);
}

TEST(bom_skipped_unless_rejected) {
  mm_json_doc *d = parse("\xef\xbb\xbf{\"a\":1}");
  ASSERT_TRUE(d != NULL);
  mm_json_doc_free(d);
  mm_json_options opt = {.flags = MM_JSON_REJECT_BOM};
  mm_error err;
  ASSERT_EQ(parse_fail("\xef\xbb\xbf{}", 5, &opt, &err), MM_ESYNTAX);
  ASSERT_EQ(err.column, 1);
}

/* The parser guesses the length of each whitespace run from the last one
 * at the same depth: wrong guesses, long runs and odd blanks must not
 * matter. */
TEST(whitespace_runs_of_every_length) {
  static const char blanks[] = " \t\r\n";
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '{');
  for (int i = 0; i < 60; i++) {
    mm_buf_printf(&b, "%s", i ? "," : "");
    for (int k = 0; k < (i * 7) % 41; k++) mm_buf_putc(&b, blanks[(i + k) % 4]);
    mm_buf_printf(&b, "\"k%d\"%*s:%*s[%*s%d%*s]", i, i % 3, "", i % 5, "", i % 17, "", i, i % 19,
                  "");
  }
  for (int k = 0; k < 33; k++) mm_buf_putc(&b, blanks[k % 4]);
  mm_buf_puts(&b, "}\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
  mm_json_doc *d = parse(b.ptr);
  ASSERT_TRUE(d != NULL);
  for (int i = 0; i < 60; i++) {
    char key[8];
    int64_t v;
    snprintf(key, sizeof(key), "k%d", i);
    ASSERT_EQ(mm_json_get_int64(mm_json_at(mm_json_get(mm_json_doc_root(d), key), 0), &v), MM_OK);
    ASSERT_EQ(v, i);
  }
  mm_json_doc_free(d);
  mm_buf_free(&b);
  mm_error err;
  static const char ctrl[] = "[1,\n   \x01 2]", nul[] = "{\"a\":1,\n  \"b\":2,\n  \x00\"c\":3}";
  ASSERT_EQ(parse_fail(ctrl, sizeof(ctrl) - 1, NULL, &err), MM_ESYNTAX);
  ASSERT_EQ(err.line, 2);
  ASSERT_EQ(err.column, 4);
  ASSERT_EQ(parse_fail(nul, sizeof(nul) - 1, NULL, &err), MM_ESYNTAX);
  ASSERT_EQ(err.line, 3);
  ASSERT_EQ(err.column, 3);
}

/* ---- limits ---------------------------------------------------------------------------- */

static char *nested(size_t depth, char open, char close) {
  char *s = malloc(2 * depth + 1);
  memset(s, open, depth);
  memset(s + depth, close, depth);
  s[2 * depth] = '\0';
  return s;
}

TEST(depth_limit_default_and_per_call) {
  mm_error err;
  char *ok = nested(MM_JSON_MAX_DEPTH, '[', ']');
  ASSERT_EQ(parse_fail(ok, strlen(ok), NULL, &err), MM_OK);
  free(ok);
  char *deep = nested(MM_JSON_MAX_DEPTH + 1, '[', ']');
  ASSERT_EQ(parse_fail(deep, strlen(deep), NULL, &err), MM_ELIMIT);
  ASSERT_EQ(err.column, MM_JSON_MAX_DEPTH + 1);
  mm_json_options opt = {.max_depth = 3};
  ASSERT_EQ(parse_fail("[[[1]]]", 7, &opt, &err), MM_OK);
  ASSERT_EQ(parse_fail("[[{\"a\":[]}]]", 12, &opt, &err), MM_ELIMIT);
  ASSERT_EQ(err.column, 8);
  opt.max_depth = MM_JSON_MAX_DEPTH + 1; /* raised per call */
  ASSERT_EQ(parse_fail(deep, strlen(deep), &opt, &err), MM_OK);
  free(deep);
}

TEST(depth_bomb_fails_on_the_limit_not_the_stack) {
  size_t n = 100000;
  char *bomb = malloc(n);
  memset(bomb, '[', n);
  mm_error err;
  ASSERT_EQ(parse_fail(bomb, n, NULL, &err), MM_ELIMIT);
  ASSERT_EQ(err.line, 1);
  ASSERT_EQ(err.column, MM_JSON_MAX_DEPTH + 1);
  /* Raised far beyond any stack's recursion depth, it still only fails at
   * the end of the input: the parser does not recurse. */
  mm_json_options opt = {.max_depth = 1000000};
  ASSERT_EQ(parse_fail(bomb, n, &opt, &err), MM_ETRUNC);
  free(bomb);
  char *objs = malloc(6 * n + 1), *p = objs;
  for (size_t i = 0; i < n; i++) memcpy(p, "{\"a\":", 5), p += 5;
  ASSERT_EQ(parse_fail(objs, (size_t)(p - objs), NULL, &err), MM_ELIMIT);
  free(objs);
}

TEST(deep_tree_is_walked_without_recursion) {
  size_t n = 200000;
  char *s = nested(n, '[', ']');
  mm_json_options opt = {.max_depth = n};
  mm_error err;
  mm_json_doc *d = mm_json_parse(s, 2 * n, &opt, &err);
  ASSERT_TRUE(d != NULL);
  mm_buf out = MM_BUF_INIT;
  ASSERT_EQ(mm_json_write(&out, mm_json_doc_root(d), 0), MM_OK);
  ASSERT_EQ(out.len, 2 * n);
  ASSERT_TRUE(mm_json_equal(mm_json_doc_root(d), mm_json_doc_root(d)));
  mm_buf_free(&out);
  mm_json_doc_free(d);
  free(s);
}

TEST(size_limit_per_call) {
  mm_json_options opt = {.max_size = 10};
  mm_error err;
  ASSERT_EQ(parse_fail("[1,2,3,4]", 9, &opt, &err), MM_OK);
  ASSERT_EQ(parse_fail("[1,2,3,45]", 10, &opt, &err), MM_OK);
  ASSERT_EQ(parse_fail("[1,2,3,456]", 11, &opt, &err), MM_ELIMIT);
}

/* ---- numbers (RFC 8259 section 6) ---------------------------------------------------- */

static const mm_json_value *first(mm_json_doc *d) { return mm_json_at(mm_json_doc_root(d), 0); }

TEST(integers_exact_at_the_edges) {
  mm_json_doc *d = parse(
      "[-9223372036854775808, 9223372036854775807, 9223372036854775808,"
      " 18446744073709551615, 18446744073709551616, -9223372036854775809,"
      " 9007199254740993, 0, -0, 12345678901234567890123]");
  const mm_json_value *r = mm_json_doc_root(d);
  int64_t i;
  uint64_t u;
  double x;
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 0), &i), MM_OK);
  ASSERT_TRUE(i == INT64_MIN);
  ASSERT_EQ(mm_json_get_uint64(mm_json_at(r, 0), &u), MM_ERANGE);
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 1), &i), MM_OK);
  ASSERT_TRUE(i == INT64_MAX);
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 2), &i), MM_ERANGE);
  ASSERT_EQ(mm_json_get_uint64(mm_json_at(r, 2), &u), MM_OK);
  ASSERT_EQ_U64(u, 9223372036854775808ull);
  ASSERT_EQ(mm_json_get_uint64(mm_json_at(r, 3), &u), MM_OK);
  ASSERT_EQ_U64(u, UINT64_MAX);
  ASSERT_EQ(mm_json_get_uint64(mm_json_at(r, 4), &u), MM_ERANGE);
  ASSERT_EQ(mm_json_get_double(mm_json_at(r, 4), &x), MM_OK);
  ASSERT_EQ_DBL(x, 18446744073709551616.0);
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 5), &i), MM_ERANGE);
  ASSERT_EQ(mm_json_get_double(mm_json_at(r, 5), &x), MM_OK);
  ASSERT_EQ_DBL(x, -9223372036854775808.0);
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 6), &i), MM_OK);
  ASSERT_EQ(i, 9007199254740993LL); /* not representable as double: int64 keeps it */
  ASSERT_EQ(mm_json_get_int64(mm_json_at(r, 8), &i), MM_OK);
  ASSERT_EQ(i, 0);
  ASSERT_EQ(mm_json_get_double(mm_json_at(r, 8), &x), MM_OK);
  ASSERT_TRUE(x == 0 && signbit(x)); /* -0 */
  ASSERT_EQ(mm_json_get_double(mm_json_at(r, 7), &x), MM_OK);
  ASSERT_TRUE(x == 0 && !signbit(x));
  ASSERT_EQ(mm_json_get_double(mm_json_at(r, 9), &x), MM_OK);
  ASSERT_EQ_DBL(x, 12345678901234567890123.0);
  mm_str raw = mm_json_number_raw(mm_json_at(r, 9));
  ASSERT_EQ_MEM(raw.ptr, raw.len, "12345678901234567890123");
  mm_json_doc_free(d);
}

TEST(doubles_and_range) {
  struct {
    const char *text;
    double want;
    int rc;
  } cases[] = {
      {"[0.1]", 0.1, MM_OK},
      {"[-0.0]", -0.0, MM_OK},
      {"[1e22]", 1e22, MM_OK},
      {"[1e23]", 1e23, MM_OK},
      {"[1.7976931348623157e308]", 1.7976931348623157e308, MM_OK},
      {"[2.2250738585072014e-308]", 2.2250738585072014e-308, MM_OK},
      {"[4.9e-324]", 4.9e-324, MM_OK},
      {"[1e-400]", 0.0, MM_OK},
      {"[0e99999999999]", 0.0, MM_OK},
      {"[1e400]", HUGE_VAL, MM_ERANGE},
      {"[-1e400]", -HUGE_VAL, MM_ERANGE},
      {"[1.8e308]", HUGE_VAL, MM_ERANGE},
      {"[3.14159265358979323846264338327950288]", 3.14159265358979323846, MM_OK},
      {"[0.1000000000000000055511151231257827]", 0.1, MM_OK},
      {"[123456789012345678e-18]", 0.123456789012345678, MM_OK},
      {"[1E+2]", 100.0, MM_OK},
      {"[9007199254740993.0]", 9007199254740992.0, MM_OK},
      {"[0.000001234]", 0.000001234, MM_OK},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    mm_json_doc *d = parse(cases[i].text);
    ASSERT_TRUE(d != NULL);
    double x;
    ASSERT_EQ(mm_json_get_double(first(d), &x), cases[i].rc);
    ASSERT_EQ_DBL(x, cases[i].want);
    ASSERT_EQ(signbit(x) != 0, signbit(cases[i].want) != 0);
    mm_str raw = mm_json_number_raw(first(d));
    ASSERT_EQ(raw.len, strlen(cases[i].text) - 2); /* raw text kept as written */
    mm_json_doc_free(d);
  }
}

/* The fast paths must agree with strtod for every shape of number. */
TEST(doubles_agree_with_strtod) {
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  for (int n = 0; n < 200000; n++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    char text[64];
    unsigned digits = 1 + (unsigned)(seed % 20), frac = (unsigned)((seed >> 8) % 4);
    int exp = (int)((seed >> 16) % 700) - 350;
    uint64_t mant = (seed >> 20) % 10000000000000000000ull;
    int len =
        snprintf(text, sizeof(text), "%s%llu", (seed >> 63) ? "-" : "",
                 (unsigned long long)(mant % (digits >= 19 ? UINT64_MAX : 1ull << (3 * digits))));
    if (frac == 1)
      len += snprintf(text + len, sizeof(text) - (size_t)len, ".%u", (unsigned)(seed >> 40) % 1000);
    if (frac >= 2)
      len += snprintf(text + len, sizeof(text) - (size_t)len, "e%d", exp / (frac == 2 ? 10 : 1));
    mm_error err;
    mm_json_doc *d = mm_json_parse(text, (size_t)len, NULL, &err);
    ASSERT_TRUE(d != NULL);
    double got, want = strtod_l(text, NULL, c);
    mm_json_get_double(mm_json_doc_root(d), &got);
    if (memcmp(&got, &want, sizeof(got)) != 0)
      MM_TEST_FAIL("%s: got %.17g want %.17g", text, got, want);
    mm_json_doc_free(d);
  }
  freelocale(c);
}

TEST(numbers_ignore_the_global_locale) {
  /* A program may set a locale whose decimal point is ','. */
  const char *locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "C.UTF-8"};
  for (size_t i = 0; i < MM_ARRAY_LEN(locales); i++)
    if (setlocale(LC_NUMERIC, locales[i])) break;
  mm_json_doc *d = parse("[1.000000000000000000001e-300]");
  double x;
  mm_json_get_double(first(d), &x);
  setlocale(LC_NUMERIC, "C");
  ASSERT_EQ_DBL(x, 1e-300);
  mm_json_doc_free(d);
}

/* ---- objects: duplicates, lookup ------------------------------------------------------ */

TEST(duplicate_keys_kept_last_wins) {
  mm_json_doc *d = parse("{\"a\":1,\"b\":2,\"a\":3}");
  const mm_json_value *r = mm_json_doc_root(d), *k, *v;
  ASSERT_EQ(mm_json_len(r), 3);
  int64_t i;
  mm_json_get_int64(mm_json_get(r, "a"), &i);
  ASSERT_EQ(i, 3);
  mm_json_iter it = mm_json_iter_init(r);
  int64_t seen[3];
  for (int n = 0; mm_json_iter_next(&it, &k, &v); n++) mm_json_get_int64(v, &seen[n]);
  ASSERT_TRUE(seen[0] == 1 && seen[1] == 2 && seen[2] == 3);
  mm_json_doc_free(d);
}

TEST(duplicate_keys_rejected_on_request) {
  mm_json_options opt = {.flags = MM_JSON_REJECT_DUPLICATES};
  mm_error err;
  const char *t = "{\"a\":1,\n \"b\":{\"x\":1,\"y\":2},\n \"a\":2}";
  ASSERT_EQ(parse_fail(t, strlen(t), &opt, &err), MM_ESYNTAX);
  ASSERT_EQ(err.line, 3);
  ASSERT_EQ(err.column, 2);
  ASSERT_TRUE(strstr(err.msg, "\"a\"") != NULL);
  ASSERT_EQ(parse_fail("{\"a\":{\"a\":1}}", 13, &opt, &err), MM_OK); /* nested: not a duplicate */
  ASSERT_EQ(parse_fail("{\"a\\u0000\":1,\"a\":2}", 19, &opt, &err), MM_OK); /* different bytes */
  /* a large (indexed) object */
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '{');
  for (int i = 0; i < 100; i++) mm_buf_printf(&b, "\"k%d\":%d,", i, i);
  mm_buf_puts(&b, "\"k57\":0}");
  ASSERT_EQ(parse_fail(b.ptr, b.len, NULL, &err), MM_OK);
  ASSERT_EQ(parse_fail(b.ptr, b.len, &opt, &err), MM_ESYNTAX);
  ASSERT_EQ(err.offset, b.len - 8);
  mm_buf_free(&b);
}

TEST(large_object_lookup) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '{');
  for (int i = 0; i < 5000; i++)
    mm_buf_printf(&b, "%s\"key-%d\":[%d,{\"n\":%d}]", i ? "," : "", i, i, i);
  mm_buf_puts(&b, ",\"key-7\":\"last\"}");
  mm_json_doc *d = parse(b.ptr);
  ASSERT_TRUE(d != NULL);
  const mm_json_value *r = mm_json_doc_root(d);
  ASSERT_EQ(mm_json_len(r), 5001);
  for (int i = 0; i < 5000; i++) {
    char key[32];
    snprintf(key, sizeof(key), "key-%d", i);
    const mm_json_value *v = mm_json_get(r, key);
    if (i == 7) {
      ASSERT_EQ_STR(mm_json_str(v), "last");
      continue;
    }
    int64_t n;
    ASSERT_EQ(mm_json_get_int64(mm_json_get(mm_json_at(v, 1), "n"), &n), MM_OK);
    ASSERT_EQ(n, i);
  }
  ASSERT_TRUE(mm_json_get(r, "key-5000") == NULL);
  ASSERT_TRUE(mm_json_get(r, "") == NULL);
  ASSERT_TRUE(mm_json_getn(r, "key-1\0", 6) == NULL);
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

typedef struct shared_lookup {
  const mm_json_value *root;
  int found;
} shared_lookup;

static void *lookup_thread(void *arg) {
  shared_lookup *s = arg;
  for (int rep = 0; rep < 20; rep++)
    for (int i = 0; i < 100; i++) {
      char key[16];
      snprintf(key, sizeof(key), "k%d", i);
      if (mm_json_get(s->root, key)) s->found++;
    }
  return NULL;
}

TEST(tree_is_shared_between_threads) {
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '{');
  for (int i = 0; i < 100; i++) mm_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
  mm_buf_putc(&b, '}');
  mm_json_doc *d = parse(b.ptr);
  shared_lookup s[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    s[i] = (shared_lookup){mm_json_doc_root(d), 0};
    ASSERT_EQ(pthread_create(&t[i], NULL, lookup_thread, &s[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    ASSERT_EQ(s[i].found, 2000);
  }
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

/* ---- memory ------------------------------------------------------------------------------ */

TEST(doc_reuse_and_growth) {
  mm_json_doc *d = mm_json_doc_new();
  mm_error err;
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '[');
  for (int i = 0; i < 100000; i++) mm_buf_puts(&b, i ? ",1" : "1"); /* denser than estimated */
  mm_buf_putc(&b, ']');
  ASSERT_EQ(mm_json_doc_parse(d, b.ptr, b.len, NULL, &err), MM_OK);
  ASSERT_EQ(mm_json_len(mm_json_doc_root(d)), 100000);
  ASSERT_EQ(mm_json_doc_parse(d, "{\"x\":true}", 10, NULL, &err), MM_OK);
  ASSERT_TRUE(mm_json_is_true(mm_json_get(mm_json_doc_root(d), "x")));
  ASSERT_EQ(mm_json_doc_parse(d, "[", 1, NULL, &err), MM_ETRUNC);
  ASSERT_TRUE(mm_json_doc_root(d) == NULL);
  ASSERT_EQ(mm_json_doc_parse(d, b.ptr, b.len, NULL, &err), MM_OK);
  ASSERT_EQ(mm_json_len(mm_json_doc_root(d)), 100000);
  mm_json_doc_free(d);
  mm_buf_free(&b);
}

TEST(parse_into_an_arena) {
  mm_arena a;
  mm_arena_init(&a, 0);
  mm_error err;
  mm_buf b = MM_BUF_INIT;
  mm_buf_putc(&b, '[');
  for (int i = 0; i < 20000; i++) mm_buf_puts(&b, i ? ",[]" : "[]");
  mm_buf_putc(&b, ']');
  const mm_json_value *r = mm_json_parse_arena(&a, b.ptr, b.len, NULL, &err);
  ASSERT_TRUE(r != NULL);
  ASSERT_EQ(mm_json_len(r), 20000);
  ASSERT_TRUE(mm_json_parse_arena(&a, "[1", 2, NULL, &err) == NULL);
  ASSERT_EQ(err.code, MM_ETRUNC);
  mm_json_options opt = {.max_size = 3};
  ASSERT_TRUE(mm_json_parse_arena(&a, "[1,2]", 5, &opt, &err) == NULL);
  ASSERT_EQ(err.code, MM_ELIMIT);
  mm_arena_destroy(&a);
  mm_buf_free(&b);
}

TEST(equality_is_deep_and_exact) {
  mm_json_doc *a = parse("{\"a\":[1,{\"b\":\"c\"}],\"d\":1.0}");
  mm_json_doc *b = parse(" { \"a\" : [ 1 , { \"b\" : \"c\" } ] , \"d\" : 1.0 } ");
  mm_json_doc *c = parse("{\"a\":[1,{\"b\":\"c\"}],\"d\":1}");
  mm_json_doc *e = parse("{\"a\":[1,{\"b\":\"C\"}],\"d\":1.0}");
  mm_json_doc *f = parse("{\"d\":1.0,\"a\":[1,{\"b\":\"c\"}]}");
  ASSERT_TRUE(mm_json_equal(mm_json_doc_root(a), mm_json_doc_root(b)));
  ASSERT_FALSE(mm_json_equal(mm_json_doc_root(a), mm_json_doc_root(c)));
  ASSERT_FALSE(mm_json_equal(mm_json_doc_root(a), mm_json_doc_root(e)));
  ASSERT_FALSE(mm_json_equal(mm_json_doc_root(a), mm_json_doc_root(f)));
  ASSERT_FALSE(mm_json_equal(mm_json_doc_root(a), NULL));
  mm_json_doc_free(a), mm_json_doc_free(b), mm_json_doc_free(c), mm_json_doc_free(e),
      mm_json_doc_free(f);
}

static const char fault_doc[] =
    "{\"Records\":[{\"eventName\":\"GetObject\",\"n\":[1,2.5,-3e2],\"s\":\"a\\u00e9\\n\"},"
    "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,"
    "\"k10\":0,\"k11\":1,\"k12\":2,\"k13\":3,\"k14\":4,\"k15\":5,\"k16\":6,\"k17\":7,\"k18\":8,"
    "\"k19\":9,\"k20\":0,\"k21\":1,\"k22\":2,\"k23\":3,\"k24\":4,\"k25\":5,\"k26\":6,\"k27\":7,"
    "\"k28\":8,\"k29\":9,\"k30\":0,\"k31\":1,\"k32\":2}],"
    "\"dense\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}";

TEST(parse_survives_allocation_failures) {
  FAULT_LOOP({
    mm_error err;
    mm_json_doc *d = mm_json_parse(fault_doc, sizeof(fault_doc) - 1, NULL, &err);
    if (d)
      ASSERT_EQ(mm_json_len(mm_json_get(mm_json_doc_root(d), "dense")), 38);
    else
      ASSERT_EQ(err.code, MM_ENOMEM);
    mm_json_doc_free(d);
  });
  FAULT_LOOP({
    mm_arena a;
    mm_arena_init(&a, 256);
    mm_error err;
    const mm_json_value *r = mm_json_parse_arena(&a, fault_doc, sizeof(fault_doc) - 1, NULL, &err);
    if (!r) ASSERT_EQ(err.code, MM_ENOMEM);
    mm_arena_destroy(&a);
  });
  /* a reused document keeps working after a failure */
  mm_json_doc *d = mm_json_doc_new();
  FAULT_LOOP({
    mm_error err;
    int rc = mm_json_doc_parse(d, fault_doc, sizeof(fault_doc) - 1, NULL, &err);
    ASSERT_TRUE(rc == MM_OK || rc == MM_ENOMEM);
  });
  mm_error err;
  ASSERT_EQ(mm_json_doc_parse(d, fault_doc, sizeof(fault_doc) - 1, NULL, &err), MM_OK);
  mm_json_doc_free(d);
}

int main(void) {
  RUN(types_and_accessors);
  RUN(null_values_are_absent_everywhere);
  RUN(scalars_at_top_level);
  RUN(every_escape);
  RUN(long_strings_with_escapes_at_every_offset);
  RUN(lone_surrogates_become_replacement_or_fail);
  RUN(bad_escapes);
  RUN(utf8_valid_sequences);
  RUN(utf8_invalid_sequences_located);
  RUN(error_positions);
  RUN(bom_skipped_unless_rejected);
  RUN(whitespace_runs_of_every_length);
  RUN(depth_limit_default_and_per_call);
  RUN(depth_bomb_fails_on_the_limit_not_the_stack);
  RUN(deep_tree_is_walked_without_recursion);
  RUN(size_limit_per_call);
  RUN(integers_exact_at_the_edges);
  RUN(doubles_and_range);
  RUN(doubles_agree_with_strtod);
  RUN(numbers_ignore_the_global_locale);
  RUN(duplicate_keys_kept_last_wins);
  RUN(duplicate_keys_rejected_on_request);
  RUN(large_object_lookup);
  RUN(tree_is_shared_between_threads);
  RUN(doc_reuse_and_growth);
  RUN(parse_into_an_arena);
  RUN(equality_is_deep_and_exact);
  RUN(parse_survives_allocation_failures);
  return mm_test_summary();
}
