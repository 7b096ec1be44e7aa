/*
 * test_glob_random.c - mm_glob against the reference matcher of
 * test_glob_ref.h (a dynamic program over decoded characters) on thousands
 * of random small patterns and texts, in all 32 flag combinations, built
 * from an alphabet chosen to hit every rule: letters of both cases, the
 * wildcards and the backslash, ':' (ARN components), and UTF-8 in all its
 * forms: 2-, 3- and 4-byte characters, a lone lead byte, a stray
 * continuation byte, a truncated sequence, a byte that is never UTF-8.
 * Long segments (> 64 characters, several Shift-And words) get their own
 * round. The generator is seeded, so a failure reproduces; it prints the
 * pattern, the text and the flags in hex.
 */
#include "mamori/glob.h"
#include "test.h"
#include "test_glob_ref.h"

static size_t pick(size_t n) { return (size_t)(mm_test_rng() % n); }

static const char *const alphabet[] = {
    "a",
    "a",
    "a",
    "b",
    "b",
    "A",
    "B",
    "*",
    "*",
    "?",
    "?",
    "\\",
    ":",
    "\xc3\xa9",         /* é */
    "\xc3\x89",         /* É */
    "\xe2\x82\xac",     /* € */
    "\xf0\x9f\x98\x80", /* U+1F600 */
    "\xc3",             /* lone lead byte */
    "\xa9",             /* stray continuation byte */
    "\xe2\x82",         /* truncated € */
    "\xff",             /* never UTF-8 */
    "\xed\x9f\xbf",     /* U+D7FF, the last before the surrogates */
    "\xed\xa0\x80",     /* a surrogate: three characters */
    "\xe0\x80\xaf",     /* overlong '/': three characters */
    "\xf4\x90\x80\x80", /* above U+10FFFF: four characters */
};

typedef struct sbuf {
  char b[2048];
  size_t n;
} sbuf;

static void put(sbuf *s, const char *piece) {
  size_t len = strlen(piece);
  if (s->n + len < sizeof(s->b)) memcpy(s->b + s->n, piece, len), s->n += len;
}

static void random_string(sbuf *s, size_t max_pieces) {
  s->n = 0;
  for (size_t k = pick(max_pieces + 1); k > 0; k--) put(s, alphabet[pick(MM_ARRAY_LEN(alphabet))]);
}

/* A text the pattern likely matches: wildcards replaced by random pieces. */
static void instantiate(sbuf *t, const sbuf *p) {
  t->n = 0;
  for (size_t i = 0; i < p->n; i++) {
    char c = p->b[i], one[2] = {c, 0};
    if (c == '*') {
      for (size_t k = pick(3); k > 0; k--) put(t, alphabet[pick(MM_ARRAY_LEN(alphabet))]);
    } else if (c == '?') {
      put(t, alphabet[pick(MM_ARRAY_LEN(alphabet))]);
    } else if (c == '\\' && i + 1 < p->n && pick(2)) {
      one[0] = p->b[++i]; /* as if the escape were on */
      put(t, one);
    } else {
      put(t, one);
    }
  }
}

static void hex(const sbuf *s, char *out, size_t size) {
  size_t k = 0;
  for (size_t i = 0; i < s->n && k + 3 < size; i++)
    k += (size_t)snprintf(out + k, size - k, "%02x", (unsigned char)s->b[i]);
  out[k] = '\0';
}

static void check(const sbuf *p, const sbuf *t, unsigned flags) {
  int want = ref_glob_match(p->b, p->n, t->b, t->n, flags);
  mm_glob *g = mm_glob_compile((mm_str){p->b, p->n}, flags, NULL, NULL);
  int got = g ? mm_glob_matches(g, (mm_str){t->b, t->n}) : -1;
  int once = mm_glob_match((mm_str){p->b, p->n}, (mm_str){t->b, t->n}, flags);
  mm_glob_free(g);
  mm_test_checks++;
  if (got != want || (once < 0 ? -1 : once) != want) {
    char hp[4200], ht[4200];
    hex(p, hp, sizeof(hp));
    hex(t, ht, sizeof(ht));
    MM_TEST_FAIL("pattern %s text %s flags %#x: reference %d, compiled %d, one-shot %d", hp, ht,
                 flags, want, got, once);
  }
}

TEST(random_small_patterns_all_flags) {
  sbuf p, t;
  for (int iter = 0; iter < 4000; iter++) {
    random_string(&p, 10);
    if (iter % 2)
      instantiate(&t, &p);
    else
      random_string(&t, 14);
    for (unsigned flags = 0; flags <= MM_GLOB_ALL_FLAGS; flags++) check(&p, &t, flags);
  }
}

/* ARN-shaped inputs: six components more often than not. */
TEST(random_arn_shaped) {
  sbuf p, t, part;
  for (int iter = 0; iter < 3000; iter++) {
    p.n = 0;
    size_t parts = 4 + pick(4);
    for (size_t k = 0; k < parts; k++) {
      random_string(&part, 3);
      if (k) put(&p, ":");
      part.b[part.n] = '\0';
      put(&p, part.b);
    }
    instantiate(&t, &p);
    if (pick(4) == 0) random_string(&t, 12);
    check(&p, &t, MM_GLOB_ARN);
    check(&p, &t, MM_GLOB_ARN | MM_GLOB_NOCASE);
    check(&p, &t, MM_GLOB_ARN | MM_GLOB_EVENTBRIDGE);
  }
}

/* Segments of 65-300 characters between stars: several Shift-And words. */
TEST(random_long_segments) {
  static const char *const seg_alpha[] = {"a", "a", "b", "?", "A", "\xc3\xa9", "\xa9"};
  sbuf p, t;
  for (int iter = 0; iter < 300; iter++) {
    p.n = 0;
    put(&p, "*");
    for (size_t k = 65 + pick(236); k > 0; k--) put(&p, seg_alpha[pick(MM_ARRAY_LEN(seg_alpha))]);
    put(&p, "*");
    instantiate(&t, &p);
    if (pick(2) && t.n > 3) t.b[pick(t.n)] = 'b'; /* a near miss */
    check(&p, &t, 0);
    check(&p, &t, MM_GLOB_NOCASE);
    check(&p, &t, MM_GLOB_NO_QMARK);
  }
}

/* A piece of the alphabet that is not a wildcard or a backslash. */
static const char *literal_piece(void) {
  const char *piece;
  do piece = alphabet[pick(MM_ARRAY_LEN(alphabet))];
  while (!strcmp(piece, "*") || !strcmp(piece, "?") || !strcmp(piece, "\\"));
  return piece;
}

/* Patterns with many small segments between stars, texts from them. */
TEST(random_many_segments) {
  sbuf p, t;
  for (int iter = 0; iter < 2000; iter++) {
    p.n = 0;
    for (size_t k = 2 + pick(8); k > 0; k--) {
      put(&p, "*");
      for (size_t j = 1 + pick(3); j > 0; j--) put(&p, literal_piece());
    }
    if (pick(2)) put(&p, "*");
    instantiate(&t, &p);
    if (pick(3) == 0 && t.n) t.n--;
    check(&p, &t, 0);
    check(&p, &t, MM_GLOB_NOCASE);
    if (pick(2)) random_string(&t, 14);
    check(&p, &t, MM_GLOB_NOCASE);
  }
}

int main(void) {
  printf("seed %#llx\n", (unsigned long long)mm_test_rng_state);
  RUN(random_small_patterns_all_flags);
  RUN(random_arn_shaped);
  RUN(random_long_segments);
  RUN(random_many_segments);
  return mm_test_summary();
}
