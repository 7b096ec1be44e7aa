/*
 * test_waf_transform.c - unit tests of the text-transformation table,
 * chains and scratch buffers (src/waf/transform.h). The byte-for-byte
 * behaviour of each transformation is data: the .tsv files of tests/waf/transform/.
 *
 * Here: the table matches the API's 31 names; lookup is case-sensitive;
 * chains keep Priority order, refuse duplicate priorities and an 11th
 * entry (AWS WAF quotas: 10 per statement); a TextTransformations array
 * loads from the API's JSON or is refused with a JSON path; a NONE-only chain copies
 * nothing; scratch buffers stop allocating once grown (FAULT_LOOP over the
 * allocation points); every transformation survives hostile and large
 * inputs within its bound, in linear time; idempotence where claimed.
 */
#include "waf/transform.h"

#include "test.h"

static const char *const api_names[] = {"NONE",
                                        "COMPRESS_WHITE_SPACE",
                                        "HTML_ENTITY_DECODE",
                                        "LOWERCASE",
                                        "CMD_LINE",
                                        "URL_DECODE",
                                        "BASE64_DECODE",
                                        "HEX_DECODE",
                                        "MD5",
                                        "REPLACE_COMMENTS",
                                        "ESCAPE_SEQ_DECODE",
                                        "SQL_HEX_DECODE",
                                        "CSS_DECODE",
                                        "JS_DECODE",
                                        "NORMALIZE_PATH",
                                        "NORMALIZE_PATH_WIN",
                                        "REMOVE_NULLS",
                                        "REPLACE_NULLS",
                                        "BASE64_DECODE_EXT",
                                        "URL_DECODE_UNI",
                                        "UTF8_TO_UNICODE",
                                        "REMOVE_WHITESPACE",
                                        "TRIM",
                                        "TRIM_LEFT",
                                        "TRIM_RIGHT",
                                        "REMOVE_COMMENTS_CHAR",
                                        "UPPERCASE",
                                        "CMD_LINE_WIN",
                                        "CMD_LINE_UNIX",
                                        "JS_DECODE_EXT",
                                        "SHA256"};

/* The table has a row for every name of the API's enum, in its order. */
TEST(table_matches_api_enum) {
  ASSERT_EQ(MM_ARRAY_LEN(api_names), MM__WAF_T_COUNT);
  for (size_t i = 0; i < MM__WAF_T_COUNT; i++) {
    mm__waf_transform_type t;
    ASSERT_EQ_STR(mm__waf_transforms[i].aws_name, api_names[i]);
    ASSERT_EQ(mm__waf_transform_lookup(mm_str_from(api_names[i]), &t), MM_OK);
    ASSERT_EQ(t, i);
    ASSERT_TRUE(mm__waf_transforms[i].doc != NULL);
    ASSERT_TRUE(i == MM__WAF_T_NONE || mm__waf_transforms[i].fn != NULL);
  }
}

TEST(lookup_is_case_sensitive) {
  mm__waf_transform_type t;
  ASSERT_EQ(mm__waf_transform_lookup(MM_STR("url_decode"), &t), MM_ENOENT);
  ASSERT_EQ(mm__waf_transform_lookup(MM_STR("URL_DECODE "), &t), MM_ENOENT);
  ASSERT_EQ(mm__waf_transform_lookup(MM_STR(""), &t), MM_ENOENT);
  ASSERT_EQ(mm__waf_transform_lookup(MM_STR("URL_DECODE"), &t), MM_OK);
  ASSERT_EQ(t, MM__WAF_T_URL_DECODE);
  ASSERT_EQ_STR(mm__waf_transform_name(MM__WAF_T_SHA256), "SHA256");
  ASSERT_EQ_STR(mm__waf_transform_name(MM__WAF_T_COUNT), "?");
}

TEST(chain_sorted_by_priority) {
  mm__waf_chain c;
  mm__waf_chain_init(&c);
  ASSERT_EQ(mm__waf_chain_add(&c, 7, MM__WAF_T_LOWERCASE, NULL), MM_OK);
  ASSERT_EQ(mm__waf_chain_add(&c, 0, MM__WAF_T_URL_DECODE, NULL), MM_OK);
  ASSERT_EQ(mm__waf_chain_add(&c, 3, MM__WAF_T_URL_DECODE, NULL), MM_OK);
  ASSERT_EQ(c.count, 3);
  ASSERT_EQ(c.steps[0].priority, 0);
  ASSERT_EQ(c.steps[1].priority, 3);
  ASSERT_EQ(c.steps[2].priority, 7);
  ASSERT_EQ(c.steps[2].type, MM__WAF_T_LOWERCASE);
}

TEST(chain_refuses_duplicate_priority_and_unknown_type) {
  mm__waf_chain c;
  mm_error err;
  mm__waf_chain_init(&c);
  ASSERT_EQ(mm__waf_chain_add(&c, 1, MM__WAF_T_LOWERCASE, NULL), MM_OK);
  ASSERT_EQ(mm__waf_chain_add(&c, 1, MM__WAF_T_UPPERCASE, &err), MM_EINVAL);
  ASSERT_TRUE(strstr(err.msg, "priority 1") != NULL);
  ASSERT_EQ(mm__waf_chain_add(&c, 2, MM__WAF_T_COUNT, &err), MM_EINVAL);
  ASSERT_EQ(mm__waf_chain_add_name(&c, 2, MM_STR("Lowercase"), &err), MM_ENOENT);
  ASSERT_TRUE(strstr(err.msg, "Lowercase") != NULL);
  ASSERT_EQ(c.count, 1); /* unchanged by the failures */
  ASSERT_EQ(mm__waf_chain_add_name(&c, 2, MM_STR("LOWERCASE"), NULL), MM_OK);
  ASSERT_EQ(c.count, 2); /* the same type twice is fine */
}

TEST(chain_limit_is_ten) {
  mm__waf_chain c;
  mm_error err;
  mm__waf_chain_init(&c);
  for (uint32_t p = 0; p < MM_WAF_MAX_TEXT_TRANSFORMATIONS; p++)
    ASSERT_EQ(mm__waf_chain_add(&c, 100 - p, MM__WAF_T_URL_DECODE, NULL), MM_OK);
  ASSERT_EQ(mm__waf_chain_add(&c, 1000, MM__WAF_T_NONE, &err), MM_ELIMIT);
  ASSERT_TRUE(strstr(err.msg, "10") != NULL);
  ASSERT_EQ(c.count, MM_WAF_MAX_TEXT_TRANSFORMATIONS);
  ASSERT_EQ(MM_WAF_MAX_TEXT_TRANSFORMATIONS, 10);
}

/* No transformation, or only NONE: the input itself, no allocation. */
TEST(none_chain_is_zero_copy) {
  mm__waf_chain c;
  mm__waf_scratch s;
  mm_str in = MM_STR("A%41"), out;
  mm__waf_chain_init(&c);
  mm__waf_scratch_init(&s);
  ASSERT_EQ(mm__waf_chain_apply(&c, in, &s, &out), MM_OK);
  ASSERT_TRUE(out.ptr == in.ptr && out.len == in.len);
  ASSERT_EQ(mm__waf_chain_add(&c, 0, MM__WAF_T_NONE, NULL), MM_OK);
  ASSERT_EQ(mm__waf_chain_add(&c, 1, MM__WAF_T_NONE, NULL), MM_OK);
  mm_test_fail_alloc(1); /* any allocation would now fail */
  int rc = mm__waf_chain_apply(&c, in, &s, &out);
  mm_test_fail_alloc(0);
  ASSERT_EQ(rc, MM_OK);
  ASSERT_TRUE(out.ptr == in.ptr);
  ASSERT_TRUE(s.buf[0] == NULL && s.buf[1] == NULL);
}

static void chain_of(mm__waf_chain *c, const mm__waf_transform_type *types, size_t n) {
  mm__waf_chain_init(c);
  for (size_t i = 0; i < n; i++)
    ASSERT_EQ(mm__waf_chain_add(c, (uint32_t)i, types[i], NULL), MM_OK);
}

/* Every allocation of a chain's first run fails in turn: the call reports
 * MM_ENOMEM and leaks nothing (ASan); then a run succeeds. */
TEST(chain_fault_loop) {
  static const mm__waf_transform_type types[] = {MM__WAF_T_URL_DECODE, MM__WAF_T_UTF8_TO_UNICODE,
                                                 MM__WAF_T_LOWERCASE, MM__WAF_T_SHA256};
  mm__waf_chain c;
  chain_of(&c, types, MM_ARRAY_LEN(types));
  int failures = 0;
  FAULT_LOOP({
    mm__waf_scratch s;
    mm_str out;
    mm__waf_scratch_init(&s);
    int rc = mm__waf_chain_apply(&c, MM_STR("%C3%A9t%C3%A9"), &s, &out);
    if (rc != MM_OK)
      failures++;
    else
      ASSERT_EQ(out.len, MM__WAF_SHA256_LEN);
    ASSERT_TRUE(rc == MM_OK || rc == MM_ENOMEM);
    mm__waf_scratch_free(&s);
  });
  ASSERT_TRUE(failures >= 2); /* both ping-pong buffers are allocation points */
}

/* Once the scratch has grown to a field's size, applying again allocates
 * nothing: the hot path is malloc-free. */
TEST(scratch_reuse_allocates_nothing) {
  static const mm__waf_transform_type types[] = {
      MM__WAF_T_URL_DECODE_UNI, MM__WAF_T_HTML_ENTITY_DECODE, MM__WAF_T_JS_DECODE,
      MM__WAF_T_CSS_DECODE,     MM__WAF_T_UTF8_TO_UNICODE,    MM__WAF_T_LOWERCASE};
  mm__waf_chain c;
  mm__waf_scratch s;
  mm_str out;
  chain_of(&c, types, MM_ARRAY_LEN(types));
  mm__waf_scratch_init(&s);
  ASSERT_EQ(mm__waf_chain_apply(&c, MM_STR("%u00e9&lt;\\x41 long enough input"), &s, &out), MM_OK);
  mm_test_fail_alloc(1);
  int rc = MM_OK;
  for (int i = 0; i < 1000 && rc == MM_OK; i++)
    rc = mm__waf_chain_apply(&c, MM_STR("%3Cscript%3E \\u0041 &#x41; \\41 "), &s, &out);
  mm_test_fail_alloc(0);
  ASSERT_EQ(rc, MM_OK);
  ASSERT_EQ_MEM(out.ptr, out.len, "<script> a a ! "); /* JS_DECODE reads \\41 as octal */
  mm__waf_scratch_free(&s);
}

/* A chain whose bound would pass MM_WAF_MAX_TRANSFORM_BYTES is refused
 * before anything is allocated for it. */
TEST(growth_limit) {
  size_t bound;
  ASSERT_FALSE(mm__waf_transform_bound(MM__WAF_T_UTF8_TO_UNICODE, SIZE_MAX / 2, &bound));
  ASSERT_TRUE(mm__waf_transform_bound(MM__WAF_T_MD5, SIZE_MAX, &bound));
  ASSERT_EQ(bound, 16);
  mm__waf_scratch s;
  mm_str out;
  mm__waf_scratch_init(&s);
  size_t n = MM_WAF_MAX_TRANSFORM_BYTES / 3 + 1;
  char *big = calloc(n, 1);
  ASSERT_TRUE(big != NULL);
  int rc = mm__waf_transform_apply(MM__WAF_T_UTF8_TO_UNICODE, (mm_str){big, n}, &s, &out);
  free(big);
  ASSERT_EQ(rc, MM_ELIMIT);
  ASSERT_TRUE(s.buf[0] == NULL);
  ASSERT_EQ(mm__waf_transform_apply(MM__WAF_T_COUNT, MM_STR("x"), &s, &out), MM_EINVAL);
}

/* Inputs built to hit every decoder's broken paths, repeated to a few MB:
 * nothing crashes, every output stays in bound, and (under ASan) nothing is
 * read out of bounds. Any quadratic behaviour would show as a timeout. */
static const char *const hostile[] = {
    "%",  "%u",   "%uFF", "&#",           "&#x", "\\",         "\\u", "\\u{", "\\x",          "\\0",
    "/*", "*/",   "<!--", "0x",           "../", "/..",        "//",  "\xC3", "\xF0\x9F\x98", "=",
    "==", "\\\n", "&amp", "\xED\xA0\x80", "%%%", "\\uD83D\\u", "--",  "#"};

TEST(hostile_inputs_stay_in_bound) {
  size_t cap = 4u << 20, n = 0;
  char *buf = malloc(cap);
  ASSERT_TRUE(buf != NULL);
  for (size_t k = 0; n + 16 < cap; k++) {
    const char *h = hostile[k % MM_ARRAY_LEN(hostile)];
    size_t len = strlen(h);
    memcpy(buf + n, h, len);
    n += len;
  }
  mm__waf_scratch s;
  mm__waf_scratch_init(&s);
  for (size_t t = 0; t < MM__WAF_T_COUNT; t++) {
    mm_str out;
    size_t bound;
    ASSERT_EQ(mm__waf_transform_apply((mm__waf_transform_type)t, (mm_str){buf, n}, &s, &out),
              MM_OK);
    ASSERT_TRUE(mm__waf_transform_bound((mm__waf_transform_type)t, n, &bound));
    ASSERT_TRUE(t == MM__WAF_T_NONE || out.len <= bound);
  }
  mm__waf_scratch_free(&s);
  free(buf);
}

/* Random short inputs over an alphabet rich in escape characters: bounds
 * hold and the transformations the table calls idempotent are. */
TEST(random_bounds_and_idempotence) {
  static const char alphabet[] = "%uU+&#x;\\/*.-<!>=0123456789abcfABCF \t\n\xA0\xC3\xA9\xFF";
  mm__waf_scratch s1, s2;
  mm__waf_scratch_init(&s1);
  mm__waf_scratch_init(&s2);
  mm_test_rng_state = 20261128;
  char in[64];
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = mm_test_rng() % sizeof in;
    for (size_t i = 0; i < n; i++) in[i] = alphabet[mm_test_rng() % (sizeof alphabet - 1)];
    mm__waf_transform_type t = (mm__waf_transform_type)(mm_test_rng() % MM__WAF_T_COUNT);
    mm_str once, twice;
    size_t bound;
    ASSERT_EQ(mm__waf_transform_apply(t, (mm_str){in, n}, &s1, &once), MM_OK);
    ASSERT_TRUE(mm__waf_transform_bound(t, n, &bound));
    ASSERT_TRUE(once.len <= bound || t == MM__WAF_T_NONE);
    if (!mm__waf_transforms[t].idempotent) continue;
    ASSERT_EQ(mm__waf_transform_apply(t, once, &s2, &twice), MM_OK);
    if (!mm_str_eq(once, twice))
      MM_TEST_FAIL("%s is not idempotent on iteration %d", mm__waf_transform_name(t), iter);
  }
  mm__waf_scratch_free(&s1);
  mm__waf_scratch_free(&s2);
}

/* RFC 1321 appendix A.5 and FIPS 180-4 examples, as hex. */
static void hex_of(const uint8_t *p, size_t n, char *hex) {
  for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", p[i]);
}

TEST(digests_match_published_vectors) {
  uint8_t d[32];
  char hex[65];
  hex_of(d, mm__waf_t_md5(MM_STR("message digest"), d), hex);
  ASSERT_EQ_STR(hex, "f96b697d7cb7938d525a2f31aaf161d0");
  hex_of(d, mm__waf_t_md5(MM_STR(""), d), hex);
  ASSERT_EQ_STR(hex, "d41d8cd98f00b204e9800998ecf8427e");
  hex_of(d, mm__waf_t_sha256(MM_STR("abc"), d), hex);
  ASSERT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hex_of(d, mm__waf_t_sha256(MM_STR("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), d),
         hex);
  ASSERT_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* Load a TextTransformations array as the WAFv2 API shapes it; returns the
 * status, the chain in *c, the error in *err. */
static int from_json(const char *json, mm__waf_chain *c, mm_error *err) {
  mm_json_doc *doc = mm_json_parse(json, strlen(json), NULL, err);
  if (!doc) MM_TEST_FAIL("bad JSON in test: %s", json);
  mm_error_clear(err);
  int rc = mm__waf_chain_from_json(c, mm_json_doc_root(doc), "$.TT", err);
  mm_json_doc_free(doc);
  return rc;
}

TEST(chain_from_api_json) {
  mm__waf_chain c;
  mm_error err;
  ASSERT_EQ(from_json("[{\"Priority\": 1, \"Type\": \"LOWERCASE\"},"
                      " {\"Type\": \"URL_DECODE\", \"Priority\": 0}]",
                      &c, &err),
            MM_OK);
  ASSERT_EQ(c.count, 2);
  ASSERT_EQ(c.steps[0].type, MM__WAF_T_URL_DECODE);
  ASSERT_EQ(c.steps[1].type, MM__WAF_T_LOWERCASE);
  ASSERT_EQ(from_json("[]", &c, &err), MM_OK);
  ASSERT_EQ(c.count, 0);
}

/* Each malformed element is refused with a JSON path and leaves the chain
 * empty: never half loaded. */
TEST(chain_from_json_errors) {
  static const struct {
    const char *json;
    int status;
    const char *path;
  } bad[] = {
      {"{}", MM_ETYPE, "$.TT"},
      {"[1]", MM_ETYPE, "$.TT[0]"},
      {"[{\"Priority\":0,\"Type\":\"NONE\"},{\"Priority\":1,\"Type\":\"url_decode\"}]", MM_ENOENT,
       "$.TT[1].Type"},
      {"[{\"Priority\":0}]", MM_ESYNTAX, "$.TT[0].Type"},
      {"[{\"Type\":\"NONE\"}]", MM_ESYNTAX, "$.TT[0].Priority"},
      {"[{\"Priority\":0,\"Type\":\"NONE\",\"Name\":1}]", MM_ESYNTAX, "$.TT[0].Name"},
      {"[{\"Priority\":-1,\"Type\":\"NONE\"}]", MM_ERANGE, "$.TT[0].Priority"},
      {"[{\"Priority\":2147483648,\"Type\":\"NONE\"}]", MM_ERANGE, "$.TT[0].Priority"},
      {"[{\"Priority\":1.5,\"Type\":\"NONE\"}]", MM_ERANGE, "$.TT[0].Priority"},
      {"[{\"Priority\":\"1\",\"Type\":\"NONE\"}]", MM_ETYPE, "$.TT[0].Priority"},
      {"[{\"Priority\":0,\"Type\":5}]", MM_ETYPE, "$.TT[0].Type"},
      {"[{\"Priority\":3,\"Type\":\"NONE\"},{\"Priority\":3,\"Type\":\"TRIM\"}]", MM_EINVAL,
       "$.TT[1].Priority"},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(bad); i++) {
    mm__waf_chain c;
    mm_error err;
    ASSERT_EQ(from_json(bad[i].json, &c, &err), bad[i].status);
    ASSERT_EQ_STR(err.path, bad[i].path);
    ASSERT_EQ(c.count, 0);
  }
  /* eleven elements: the quota of 10 */
  char json[1024];
  size_t n = 0;
  n += (size_t)snprintf(json + n, sizeof json - n, "[");
  for (int i = 0; i < 11; i++)
    n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"Priority\":%d,\"Type\":\"NONE\"}",
                          i ? "," : "", i);
  snprintf(json + n, sizeof json - n, "]");
  mm__waf_chain c;
  mm_error err;
  ASSERT_EQ(from_json(json, &c, &err), MM_ELIMIT);
  ASSERT_EQ_STR(err.path, "$.TT[10]");
  ASSERT_EQ(c.count, 0);
}

int main(void) {
  RUN(chain_from_api_json);
  RUN(chain_from_json_errors);
  RUN(table_matches_api_enum);
  RUN(lookup_is_case_sensitive);
  RUN(chain_sorted_by_priority);
  RUN(chain_refuses_duplicate_priority_and_unknown_type);
  RUN(chain_limit_is_ten);
  RUN(none_chain_is_zero_copy);
  RUN(chain_fault_loop);
  RUN(scratch_reuse_allocates_nothing);
  RUN(growth_limit);
  RUN(hostile_inputs_stay_in_bound);
  RUN(random_bounds_and_idempotence);
  RUN(digests_match_published_vectors);
  return mm_test_summary();
}
