/*
 * test_glob.c - the glob module against AWS's documented examples
 * (data/glob/cases.tsv, one case per line with its source page), plus
 * compile errors, the fast-path shapes, UTF-8 edge cases, ARN components,
 * hostile patterns on large texts, and allocation failures.
 * test_glob_random.c cross-checks against a reference matcher.
 */
#include "mamori/arena.h"
#include "mamori/glob.h"
#include "test.h"

#define CASES_FILE "data/glob/cases.tsv"

/* ---- helpers ------------------------------------------------------------ */

static mm_str S(const char *s) { return mm_str_from(s); }

/* Compile (heap), match, free; asserts the pattern compiles. */
static bool gmatch(const char *pattern, const char *text, unsigned flags) {
  mm_error err;
  mm_glob *g = mm_glob_compile(S(pattern), flags, NULL, &err);
  if (!g) MM_TEST_FAIL("compile \"%s\" (flags %#x): %s", pattern, flags, err.msg);
  bool hit = mm_glob_matches(g, S(text));
  mm_glob_free(g);
  /* The one-shot path and the compiled one must agree. */
  int once = mm_glob_match(S(pattern), S(text), flags);
  if (once != (int)hit) MM_TEST_FAIL("one-shot %d != compiled %d for \"%s\"", once, hit, pattern);
  return hit;
}

/* flags column: "-" or a comma list of names. */
static unsigned parse_flags(const char *s) {
  static const struct {
    const char *name;
    unsigned flags;
  } names[] = {{"nocase", MM_GLOB_NOCASE},     {"noq", MM_GLOB_NO_QMARK},
               {"escape", MM_GLOB_ESCAPE},     {"nostarstar", MM_GLOB_NO_STARSTAR},
               {"arn", MM_GLOB_ARN},           {"iam", MM_GLOB_IAM},
               {"action", MM_GLOB_IAM_ACTION}, {"eventbridge", MM_GLOB_EVENTBRIDGE}};
  unsigned flags = 0;
  while (*s && *s != '-') {
    size_t len = strcspn(s, ",");
    size_t i = 0;
    while (i < MM_ARRAY_LEN(names) &&
           !(strlen(names[i].name) == len && !strncmp(names[i].name, s, len)))
      i++;
    if (i == MM_ARRAY_LEN(names)) MM_TEST_FAIL("unknown flag in \"%s\"", s);
    flags |= names[i].flags;
    s += len + (s[len] == ',');
  }
  return flags;
}

static void run_case(char *field[4], const char *source, int lineno) {
  unsigned flags = parse_flags(field[1]);
  mm_error err;
  mm_glob *g = mm_glob_compile(S(field[2]), flags, NULL, &err);
  mm_test_checks++;
  if (!strcmp(field[0], "error")) {
    if (g)
      MM_TEST_FAIL("line %d (%s): \"%s\" compiled, expected an error", lineno, source, field[2]);
    if (err.code != MM_ESYNTAX) MM_TEST_FAIL("line %d: code %d", lineno, err.code);
    return;
  }
  if (!g) MM_TEST_FAIL("line %d (%s): \"%s\": %s", lineno, source, field[2], err.msg);
  bool want = !strcmp(field[0], "yes"), hit = mm_glob_matches(g, S(field[3]));
  mm_glob_free(g);
  if (hit != want)
    MM_TEST_FAIL("line %d (%s): \"%s\" vs \"%s\" [%s]: got %s", lineno, source, field[2], field[3],
                 field[1], hit ? "match" : "no match");
  ASSERT_EQ(mm_glob_match(S(field[2]), S(field[3]), flags), want);
}

/* ---- the AWS documentation table --------------------------------------- */

TEST(aws_documentation_cases) {
  size_t len;
  char *text = mm_test_read_file(CASES_FILE, &len);
  ASSERT_TRUE(text != NULL);
  const char *source = "?";
  int lineno = 0, cases = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    lineno++;
    char *field[4];
    if (!strncmp(line, "@source ", 8)) source = line + 8;
    if (line[0] == '#' || line[0] == '@' || !line[0]) continue;
    if (mm_test_split_tabs(line, field, 4) != 4)
      MM_TEST_FAIL("line %d: not 4 tab-separated fields", lineno);
    run_case(field, source, lineno);
    cases++;
  }
  free(text);
  ASSERT_TRUE(cases >= 100);
}

/* ---- syntax and limits ---------------------------------------------------- */

static void expect_error(const char *pattern, unsigned flags, int code, size_t offset) {
  mm_error err;
  mm_error_clear(&err);
  ASSERT_TRUE(mm_glob_compile(S(pattern), flags, NULL, &err) == NULL);
  ASSERT_EQ(err.code, code);
  if (code == MM_ESYNTAX) ASSERT_EQ(err.offset, offset);
  if (code == MM_ESYNTAX) ASSERT_EQ(err.column, offset + 1);
  ASSERT_EQ(mm_glob_validate(S(pattern), flags, NULL), code);
  ASSERT_EQ(mm_glob_match(S(pattern), S("x"), flags), code);
}

TEST(compile_errors_carry_positions) {
  expect_error("ab\\c", MM_GLOB_ESCAPE, MM_ESYNTAX, 2);
  expect_error("abc\\", MM_GLOB_ESCAPE, MM_ESYNTAX, 3);
  expect_error("a\\?", MM_GLOB_EVENTBRIDGE, MM_ESYNTAX, 1);
  expect_error("ab**", MM_GLOB_NO_STARSTAR, MM_ESYNTAX, 3);
  expect_error("arn:aws:s3:::b\\:x", MM_GLOB_ARN | MM_GLOB_ESCAPE, MM_ESYNTAX, 14);
  expect_error("arn:aws:s3:b\\", MM_GLOB_ARN | MM_GLOB_ESCAPE, MM_ESYNTAX, 12);
  expect_error("x", 1u << 20, MM_EINVAL, 0);
  ASSERT_EQ(mm_glob_validate(S("a\\*b"), MM_GLOB_EVENTBRIDGE, NULL), MM_OK);
  ASSERT_EQ(mm_glob_validate(S("a**b"), MM_GLOB_IAM, NULL), MM_OK);
}

TEST(pattern_length_limit) {
  size_t n = MM_GLOB_MAX_PATTERN;
  char *p = malloc(n + 1);
  memset(p, 'a', n + 1);
  p[0] = '*';
  mm_error err;
  ASSERT_TRUE(mm_glob_compile((mm_str){p, n + 1}, 0, NULL, &err) == NULL);
  ASSERT_EQ(err.code, MM_ELIMIT);
  mm_glob *g = mm_glob_compile((mm_str){p, n}, 0, NULL, &err);
  ASSERT_TRUE(g != NULL);
  ASSERT_TRUE(mm_glob_matches(g, (mm_str){p + 1, n - 1}));
  ASSERT_FALSE(mm_glob_matches(g, (mm_str){p + 1, n - 2}));
  mm_glob_free(g);
  free(p);
}

/* ---- shapes and fast paths ------------------------------------------------ */

TEST(exact_and_empty) {
  ASSERT_TRUE(gmatch("", "", 0));
  ASSERT_FALSE(gmatch("", "a", 0));
  ASSERT_TRUE(gmatch("abc", "abc", 0));
  ASSERT_FALSE(gmatch("abc", "abcd", 0));
  ASSERT_FALSE(gmatch("abc", "ab", 0));
  ASSERT_TRUE(gmatch("aBc", "AbC", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("a?c", "abc", 0));
  ASSERT_FALSE(gmatch("a?c", "ac", 0));
  ASSERT_TRUE(gmatch("???", "abc", 0));
  ASSERT_TRUE(gmatch("a?c", "a?c", MM_GLOB_NO_QMARK));
  ASSERT_FALSE(gmatch("a?c", "abc", MM_GLOB_NO_QMARK));
}

TEST(star_shapes) {
  ASSERT_TRUE(gmatch("*", "", 0));
  ASSERT_TRUE(gmatch("***", "anything", 0));
  ASSERT_TRUE(gmatch("pre*", "pre", 0));
  ASSERT_TRUE(gmatch("pre*", "prefix", 0));
  ASSERT_FALSE(gmatch("pre*", "pr", 0));
  ASSERT_TRUE(gmatch("PRE*", "prefix", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*fix", "suffix", 0));
  ASSERT_FALSE(gmatch("*fix", "fi", 0));
  ASSERT_TRUE(gmatch("*FIX", "suffix", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*in*", "in", 0));
  ASSERT_TRUE(gmatch("*in*", "xxinxx", 0));
  ASSERT_FALSE(gmatch("*in*", "i n", 0));
  ASSERT_TRUE(gmatch("*IN*", "xxinxx", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*i?n*", "xxiXnxx", 0));
  ASSERT_TRUE(gmatch("a*b*c", "abc", 0));
  ASSERT_TRUE(gmatch("a*b*c", "aXbXc", 0));
  ASSERT_FALSE(gmatch("a*b*c", "aXcXb", 0));
  ASSERT_TRUE(gmatch("a*bc*bc", "abcbc", 0));
  ASSERT_FALSE(gmatch("a*bc*bc", "abc", 0));
  ASSERT_TRUE(gmatch("*?", "x", 0));
  ASSERT_FALSE(gmatch("*??", "x", 0));
  ASSERT_TRUE(gmatch("?*?", "xy", 0));
  ASSERT_TRUE(gmatch("*a*", "a", 0));
  ASSERT_TRUE(gmatch("ab*ba", "aba", 0) == false);
  ASSERT_TRUE(gmatch("ab*ba", "abba", 0));
}

/* ---- UTF-8 ----------------------------------------------------------------- */

TEST(question_mark_takes_one_utf8_character) {
  ASSERT_TRUE(gmatch("?", "\xc3\xa9", 0));         /* é: 2 bytes */
  ASSERT_TRUE(gmatch("?", "\xe2\x82\xac", 0));     /* €: 3 bytes */
  ASSERT_TRUE(gmatch("?", "\xf0\x9f\x98\x80", 0)); /* 😀: 4 bytes */
  ASSERT_FALSE(gmatch("??", "\xf0\x9f\x98\x80", 0));
  ASSERT_TRUE(gmatch("a?c",
                     "a\xe6\x97\xa5"
                     "c",
                     0)); /* a日c */
  ASSERT_TRUE(gmatch("*?\xe6\x97\xa5", "\xe6\x97\xa5\xe6\x97\xa5", 0));
  ASSERT_TRUE(gmatch("*\xe6\x97\xa5?*", "x\xe6\x97\xa5\xe6\x9c\xacx", MM_GLOB_NOCASE));
}

TEST(invalid_utf8_bytes_are_characters_of_their_own) {
  ASSERT_TRUE(gmatch("?", "\xc3", 0));                /* lone lead byte */
  ASSERT_TRUE(gmatch("??", "\xc3(", 0));              /* lead + ASCII: two */
  ASSERT_TRUE(gmatch("??", "\x80\x80", 0));           /* stray continuations */
  ASSERT_TRUE(gmatch("???", "\xe0\x80\x80", 0));      /* overlong: three bytes */
  ASSERT_TRUE(gmatch("???", "\xed\xa0\x80", 0));      /* surrogate: three bytes */
  ASSERT_TRUE(gmatch("????", "\xf4\x90\x80\x80", 0)); /* above U+10FFFF */
  ASSERT_TRUE(gmatch("??", "\xe2\x82", 0));           /* truncated € */
  ASSERT_TRUE(gmatch("?", "\xe2\x82\xac", 0));
}

TEST(literals_never_split_a_character) {
  ASSERT_FALSE(gmatch("\xc3*", "\xc3\xa9", 0)); /* lone C3 is not é */
  ASSERT_TRUE(gmatch("\xc3*", "\xc3x", 0));
  ASSERT_FALSE(gmatch("*\xa9", "\xc3\xa9", 0)); /* nor is A9 */
  ASSERT_TRUE(gmatch("*\xa9", "a\xa9", 0));
  ASSERT_FALSE(gmatch("*\xa9*", "\xc3\xa9", 0));
  ASSERT_TRUE(gmatch("*\xa9*", "x\xa9y", 0));
  ASSERT_FALSE(gmatch("*\xe2\x82*", "\xe2\x82\xac", 0)); /* € does not contain its head */
  ASSERT_TRUE(gmatch("*\xe2\x82*", "\xe2\x82x", 0));
  ASSERT_FALSE(gmatch("\xe2\x82", "\xe2\x82\xac", 0));
  ASSERT_FALSE(gmatch("x*\xe2\x82", "x\xe2\x82\xac", 0));
  ASSERT_TRUE(gmatch("x*\xe2\x82", "x\xe2\x82", 0));
  ASSERT_FALSE(gmatch("*\xe2\x82?", "\xe2\x82\xac", 0));
  ASSERT_TRUE(gmatch("*\xe2\x82?", "\xe2\x82\xe2\x82\xac", 0));
  ASSERT_FALSE(gmatch("*\x82\xac", "\xe2\x82\xac", 0));
  ASSERT_TRUE(gmatch("*\x82\xac",
                     "\xe2\xe2\x82\xac"
                     "\x82\xac",
                     0)); /* [E2][€][82][AC] */
  ASSERT_TRUE(gmatch("*\x82\xac", "a\x82\xac", 0));
}

/* Segments of one character between stars take their own search. */
TEST(one_character_segments) {
  ASSERT_FALSE(gmatch("*\xc3*", "\xc3\xa9", 0)); /* lone lead vs é */
  ASSERT_FALSE(gmatch("*\xc3*", "\xc3\xa9", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*\xc3*", "x\xc3y", 0));
  ASSERT_TRUE(gmatch("*\xc3\xa9*", "\xc3\xa9", MM_GLOB_NOCASE));
  ASSERT_FALSE(gmatch("*\xc3\xa9*", "\xc3\x89", MM_GLOB_NOCASE)); /* É: no folding past ASCII */
  ASSERT_FALSE(gmatch("*\xc3\xa9*", "\xc3", MM_GLOB_NOCASE));
  ASSERT_FALSE(gmatch("*\xc3\xa9*", "x\xc3", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*A*", "xay", MM_GLOB_NOCASE));
  ASSERT_TRUE(gmatch("*a*B*c", "xAyBzC", MM_GLOB_NOCASE));
  ASSERT_FALSE(gmatch("*a*B*c", "xAyCzB", MM_GLOB_NOCASE));
}

/* ---- ARN components -------------------------------------------------------- */

TEST(arn_wildcards_stay_in_their_component) {
  const unsigned A = MM_GLOB_ARN;
  ASSERT_TRUE(gmatch("arn:*:*:*:*:*", "arn:aws:s3:::b", A));
  ASSERT_TRUE(gmatch("arn:*:*:*:*:*", "arn:::::", A));
  ASSERT_FALSE(gmatch("arn:*:*:*:*:*", "arn::::", A));
  ASSERT_FALSE(gmatch("arn:*:*:*:*", "arn:aws:s3:::b", A)); /* five components */
  ASSERT_TRUE(gmatch("arn:aws:*:*:*:*", "arn:aws:s3:us-east-1:123:x:y:z", A));
  ASSERT_FALSE(gmatch("arn:aws:s?:::*", "arn:aws:s3x:::b", A));
  ASSERT_TRUE(gmatch("arn:aws:s3:::*/*", "arn:aws:s3:::b/k", A));
  ASSERT_FALSE(gmatch("arn:aws:s3:::*/*", "arn:aws:s3:::b", A));
  ASSERT_TRUE(gmatch("arn:aws:s3:::a:b*", "arn:aws:s3:::a:bc", A)); /* resource keeps ':' */
  ASSERT_FALSE(gmatch("arn:aws:s3:::a:b*", "arn:aws:s3:::a:c", A));
  ASSERT_FALSE(gmatch("arn:aws:*:123", "arn:aws:s3:x:123:r", A));
  ASSERT_TRUE(gmatch("*", "anything:at:all", A));
  ASSERT_TRUE(gmatch("**", "x", A));
  ASSERT_FALSE(gmatch("", "", A));
  ASSERT_FALSE(gmatch("*:*:*:*:*:*", "a:b:c", A));
  ASSERT_TRUE(gmatch("*:*:*:*:*:*", "a:b:c:d:e:f:g", A));
  ASSERT_TRUE(gmatch("ARN:AWS:S3:::B*", "arn:aws:s3:::bucket", A | MM_GLOB_NOCASE));
}

/* ---- hostile inputs ----------------------------------------------------- */

static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  if (!s) abort();
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

TEST(hostile_pattern_on_100k_of_a) {
  char *text = repeat('a', 100 * 1024);
  ASSERT_FALSE(gmatch("a*a*a*a*a*a*b", text, 0));
  ASSERT_TRUE(gmatch("a*a*a*a*a*a*a", text, 0));
  ASSERT_FALSE(gmatch("*a*a*a*a*a*a*b*", text, 0));
  ASSERT_FALSE(gmatch("a*a?a*a?a*a?b", text, MM_GLOB_NOCASE));
  ASSERT_FALSE(gmatch("*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab*", text, 0));
  ASSERT_FALSE(gmatch("*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab*", text, MM_GLOB_NOCASE));
  ASSERT_FALSE(gmatch("*a?a?a?a?a?a?a?a?a?a?a?a?a?b*", text, 0));
  free(text);
}

/* A segment far longer than 64 characters, against a megabyte. */
TEST(hostile_long_segments_on_1m) {
  size_t n = 1 << 20, m = 1000;
  char *text = repeat('a', n);
  char *pat = repeat('a', m + 3);
  pat[0] = '*', pat[m + 1] = 'b', pat[m + 2] = '*';
  ASSERT_FALSE(gmatch(pat, text, 0));
  ASSERT_FALSE(gmatch(pat, text, MM_GLOB_NOCASE));
  pat[m / 2] = '?';
  ASSERT_FALSE(gmatch(pat, text, 0));
  text[n - 1] = 'b';
  ASSERT_TRUE(gmatch(pat, text, 0));
  ASSERT_TRUE(gmatch(pat, text, MM_GLOB_NOCASE));
  pat[m + 2] = '\0'; /* now a suffix pattern */
  ASSERT_TRUE(gmatch(pat, text, 0));
  free(pat);
  free(text);
}

TEST(hostile_many_stars_on_1m) {
  size_t n = 1 << 20;
  char *text = repeat('a', n);
  char pat[4001];
  for (int i = 0; i < 2000; i++) pat[2 * i] = 'a', pat[2 * i + 1] = '*';
  pat[3999] = 'b', pat[4000] = '\0';
  ASSERT_FALSE(gmatch(pat, text, 0));
  pat[3999] = 'a';
  ASSERT_TRUE(gmatch(pat, text, MM_GLOB_NOCASE));
  free(text);
  /* Non-ASCII text on the Shift-And path. */
  char *wide = malloc(3 * (n / 3) + 2);
  for (size_t i = 0; i + 3 <= n; i += 3) memcpy(wide + i, "\xe6\x97\xa5", 3);
  wide[3 * (n / 3)] = '\0';
  ASSERT_TRUE(gmatch("*\xe6\x97\xa5?\xe6\x97\xa5*", wide, 0));
  ASSERT_FALSE(gmatch("*\xe6\x97\xa5?\xe6\x9c\xac*", wide, 0));
  ASSERT_FALSE(gmatch("*\xe6\x97\xa5?\xe6\x9c\xac*", wide, MM_GLOB_NOCASE));
  free(wide);
}

TEST(hostile_arn_on_1m) {
  size_t n = 1 << 20;
  char *text = repeat(':', n);
  ASSERT_FALSE(gmatch("arn:*:*:*:*:*a*a*a*b", text, MM_GLOB_ARN));
  memcpy(text, "arn:aws:s3:::", 13);
  ASSERT_TRUE(gmatch("arn:*:*:*:*:*:*:*", text, MM_GLOB_ARN));
  ASSERT_FALSE(gmatch("arn:*:*:*:*:*:*:*a", text, MM_GLOB_ARN));
  free(text);
}

/* ---- memory ------------------------------------------------------------ */

TEST(arena_owns_compiled_patterns) {
  mm_arena a;
  mm_arena_init(&a, 0);
  mm_glob *g = mm_glob_compile(S("arn:aws:iam::*:role/*"), MM_GLOB_ARN, &a, NULL);
  ASSERT_TRUE(g != NULL);
  ASSERT_EQ(mm_glob_flags(g), MM_GLOB_ARN);
  ASSERT_TRUE(mm_glob_matches(g, S("arn:aws:iam::1:role/r")));
  mm_glob_free(g); /* arena-owned: does nothing */
  ASSERT_TRUE(mm_glob_matches(g, S("arn:aws:iam::1:role/r")));
  mm_arena_destroy(&a);
  mm_glob_free(NULL);
}

TEST(compile_survives_allocation_failures) {
  char big[3000];
  for (size_t i = 0; i < sizeof(big) - 1; i++) big[i] = "ab?*"[i % 4];
  big[sizeof(big) - 1] = '\0';
  FAULT_LOOP({
    mm_error err;
    mm_glob *g = mm_glob_compile(S("*x?y*z*"), MM_GLOB_NOCASE, NULL, &err);
    if (g)
      ASSERT_TRUE(mm_glob_matches(g, S("aXbYcZ")));
    else
      ASSERT_EQ(err.code, MM_ENOMEM);
    mm_glob_free(g);
  });
  FAULT_LOOP({
    mm_arena a;
    mm_arena_init(&a, 256);
    mm_glob *g = mm_glob_compile(S(big), 0, &a, NULL);
    if (g) ASSERT_FALSE(mm_glob_matches(g, S("ab")));
    mm_arena_destroy(&a);
  });
  FAULT_LOOP({ /* the one-shot matcher's heap path */
               int rc = mm_glob_match(S(big), S("abab"), 0);
               ASSERT_TRUE(rc == 0 || rc == MM_ENOMEM);
  });
}

int main(void) {
  RUN(aws_documentation_cases);
  RUN(compile_errors_carry_positions);
  RUN(pattern_length_limit);
  RUN(exact_and_empty);
  RUN(star_shapes);
  RUN(question_mark_takes_one_utf8_character);
  RUN(invalid_utf8_bytes_are_characters_of_their_own);
  RUN(literals_never_split_a_character);
  RUN(one_character_segments);
  RUN(arn_wildcards_stay_in_their_component);
  RUN(hostile_pattern_on_100k_of_a);
  RUN(hostile_long_segments_on_1m);
  RUN(hostile_many_stars_on_1m);
  RUN(hostile_arn_on_1m);
  RUN(arena_owns_compiled_patterns);
  RUN(compile_survives_allocation_failures);
  return mm_test_summary();
}
