/*
 * test_detect_sigma.c - the Sigma converter (mamori/sigma.h) and the rule
 * condition evaluator (src/detect/condition.c).
 *
 *  - every SigmaHQ CloudTrail rule in ../shared/data/detect/sigma-aws
 *    converts; its rule JSON carries id, type, severity, author; each
 *    pattern in it parses with mm_events_pattern_parse; and the rule matches
 *    every record of tests/detect/sigma/<rule>.json "match" and none of its
 *    "nomatch" (records written for each rule's detection logic);
 *  - feature cases (tests/detect/sigma/features/, one .yml each): small Sigma rules
 *    that carry their own expectations (x-match / x-nomatch: CloudTrail
 *    records as JSON strings; x-pattern: the exact pattern expected;
 *    x-error: the failure expected, as "CODE LINE:COLUMN text");
 *  - allocation failures at every point of a conversion and of an
 *    evaluation are handled and leak nothing.
 */
#include "detect/sigma_int.h"
#include "mamori/events.h"
#include "mamori/sigma.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define SIGMA_DIR MM_SHARED_DATA "/detect/sigma-aws/cloudtrail"
#define EXAMPLES  MM_DETECT_TEST_DIR "/sigma"
#define FEATURES  MM_DETECT_TEST_DIR "/sigma/features"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending with suffix, sorted; *n of them (free each). */
static char **list_dir(const char *dir, const char *suffix, size_t *n) {
  DIR *d = opendir(dir);
  char **names = NULL;
  size_t cap = 0;
  *n = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name), sl = strlen(suffix);
    if (len <= sl || strcmp(e->d_name + len - sl, suffix) != 0) continue;
    if (*n == cap) names = realloc(names, (cap = cap * 2 + 16) * sizeof *names);
    names[(*n)++] = strdup(e->d_name);
  }
  if (d) closedir(d);
  if (*n) qsort(names, *n, sizeof *names, cmp_str);
  return names;
}

static void free_list(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* Every "pattern" in a condition tree parses as an EventBridge pattern. */
static size_t check_patterns(const mm_json_value *node) {
  size_t found = 0;
  if (mm_json_is_array(node) || mm_json_is_object(node)) {
    mm_json_iter it = mm_json_iter_init(node);
    const mm_json_value *k, *v;
    while (mm_json_iter_next(&it, &k, &v)) {
      if (k && strcmp(mm_json_str(k), "pattern") == 0) {
        mm_buf text = MM_BUF_INIT;
        ASSERT_EQ(mm_json_write(&text, v, 0), MM_OK);
        mm_error err;
        mm_events_pattern *p = mm_events_pattern_parse(text.ptr, text.len, &err);
        if (!p) MM_TEST_FAIL("pattern %s: %s", text.ptr, err.msg);
        mm_events_pattern_free(p);
        mm_buf_free(&text);
        found++;
      } else {
        found += check_patterns(v);
      }
    }
  }
  return found;
}

/* Convert yaml; the rule JSON parsed (NULL with err on failure). */
static mm_json_doc *convert(const char *yaml, size_t len, mm_error *err) {
  mm_buf out = MM_BUF_INIT;
  int rc = mm_sigma_to_rule(yaml, len, &out, err);
  mm_json_doc *d = rc == MM_OK ? mm_json_parse(out.ptr, out.len, NULL, err) : NULL;
  mm_buf_free(&out);
  return d;
}

/* Evaluate the rule on each record of list; every one must give want. */
static size_t expect_all(const char *name, const mm__detect_cond *c, const mm_json_value *list,
                         bool want) {
  mm_json_iter it = mm_json_iter_init(list);
  const mm_json_value *rec;
  size_t n = 0;
  while (mm_json_iter_next(&it, NULL, &rec)) {
    if (mm__detect_cond_eval(c, rec) != want) {
      mm_buf b = MM_BUF_INIT;
      mm_json_write(&b, rec, 0);
      MM_TEST_FAIL("%s: %s record %zu should %smatch: %.300s", name, want ? "match" : "nomatch", n,
                   want ? "" : "not ", b.ptr);
    }
    n++;
  }
  return n;
}

static void check_rule_shape(const char *name, const mm_json_value *rule) {
  const char *type = mm_json_str(mm_json_get(rule, "type"));
  const char *author = mm_json_str(mm_json_get(rule, "author"));
  if (!type || strncmp(type, "Sigma:", 6) != 0) MM_TEST_FAIL("%s: type %s", name, type);
  if (!author || !*author) MM_TEST_FAIL("%s: no author (the DRL asks for it)", name);
  ASSERT_TRUE(mm_json_is_string(mm_json_get(rule, "id")));
  ASSERT_TRUE(mm_json_is_number(mm_json_get(rule, "severity")));
  ASSERT_EQ_STR(mm_json_str(mm_json_get(rule, "source")), "cloudtrail");
}

TEST(sigmahq_cloudtrail_rules) {
  size_t n;
  char **names = list_dir(SIGMA_DIR, ".yml", &n);
  ASSERT_EQ(n, 57);
  size_t matched = 0, missed = 0, patterns = 0;
  for (size_t i = 0; i < n; i++) {
    char path[1024], ex[1024];
    snprintf(path, sizeof path, "%s/%s", SIGMA_DIR, names[i]);
    snprintf(ex, sizeof ex, "%s/%.*s.json", EXAMPLES, (int)(strlen(names[i]) - 4), names[i]);
    size_t len = 0, exlen = 0;
    char *yaml = mm_test_read_file(path, &len), *examples = mm_test_read_file(ex, &exlen);
    if (!yaml || !examples) MM_TEST_FAIL("%s: cannot read the rule or %s", names[i], ex);
    mm_error err;
    mm_json_doc *rule = convert(yaml, len, &err);
    if (!rule) MM_TEST_FAIL("%s:%u:%u: %s", names[i], err.line, err.column, err.msg);
    const mm_json_value *r = mm_json_doc_root(rule);
    check_rule_shape(names[i], r);
    const mm_json_value *pat = mm_json_get(r, "pattern");
    patterns += pat ? 1 : check_patterns(mm_json_get(r, "condition"));
    mm__detect_cond *c = mm__detect_cond_compile(r, &err);
    if (!c) MM_TEST_FAIL("%s: rule does not compile: %s at %s", names[i], err.msg, err.path);
    mm_json_doc *exd = mm_json_parse(examples, exlen, NULL, &err);
    if (!exd) MM_TEST_FAIL("%s: %s", ex, err.msg);
    const mm_json_value *match = mm_json_get(mm_json_doc_root(exd), "match");
    const mm_json_value *nomatch = mm_json_get(mm_json_doc_root(exd), "nomatch");
    ASSERT_TRUE(mm_json_len(match) >= 1 && mm_json_len(nomatch) >= 1);
    matched += expect_all(names[i], c, match, true);
    missed += expect_all(names[i], c, nomatch, false);
    mm__detect_cond_free(c);
    mm_json_doc_free(exd);
    mm_json_doc_free(rule);
    free(yaml);
    free(examples);
  }
  printf("sigma: %zu rules, %zu patterns, %zu positive and %zu near-miss records\n", n, patterns,
         matched, missed);
  free_list(names, n);
}

/* Every example file belongs to a rule of the corpus. */
TEST(examples_name_rules) {
  size_t n;
  char **names = list_dir(EXAMPLES, ".json", &n);
  ASSERT_EQ(n, 57);
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%.*s.yml", SIGMA_DIR, (int)(strlen(names[i]) - 5), names[i]);
    FILE *f = fopen(path, "rb");
    if (!f) MM_TEST_FAIL("%s names no rule", names[i]);
    fclose(f);
  }
  free_list(names, n);
}

/* ---- feature cases ------------------------------------------------------------ */

/* Records of an x-match / x-nomatch list (JSON strings) against c. */
static void feature_records(const char *name, const mm__detect_cond *c, const sg_node *list,
                            bool want) {
  for (const sg_node *v = list ? list->first : NULL; v; v = v->next) {
    mm_error err;
    mm_json_doc *d = mm_json_parse(v->str, v->len, NULL, &err);
    if (!d) MM_TEST_FAIL("%s: bad record at line %u: %s", name, v->line, err.msg);
    bool got = mm__detect_cond_eval(c, mm_json_doc_root(d));
    mm_json_doc_free(d);
    if (got != want)
      MM_TEST_FAIL("%s: record at line %u should %smatch: %s", name, v->line, want ? "" : "not ",
                   v->str);
  }
}

/* x-error: "CODE LINE:COLUMN text" against what the conversion reported. */
static void feature_error(const char *name, const sg_node *want, int rc, const mm_error *err) {
  char code[16] = "", text[200] = "";
  unsigned line = 0, col = 0;
  sscanf(want->str, "%15s %u:%u %199[^\n]", code, &line, &col, text);
  if (rc == MM_OK) MM_TEST_FAIL("%s: converted, expected %s", name, want->str);
  if (strcmp(mm_status_name(rc), code) != 0 || err->line != line || err->column != col ||
      !strstr(err->msg, text))
    MM_TEST_FAIL("%s: got %s %u:%u %s; expected %s", name, mm_status_name(rc), err->line,
                 err->column, err->msg, want->str);
}

static void run_feature(const char *name, const char *yaml, size_t len) {
  mm_arena a;
  mm_arena_init(&a, 0);
  mm_error err;
  const sg_node *root = mm__sigma_yaml_parse(&a, yaml, len, &err);
  sg_node line_err = {.kind = SG_SCALAR};
  const char *xe = strstr(yaml, "\nx-error: ");
  if (!root && xe) { /* YAML the parser refuses: read x-error off its line */
    line_err.str = strndup(xe + 10, strcspn(xe + 10, "\n"));
    line_err.len = strlen(line_err.str);
  }
  if (!root && !xe) MM_TEST_FAIL("%s: %s", name, err.msg);
  mm_buf out = MM_BUF_INIT;
  int rc = mm_sigma_to_rule(yaml, len, &out, &err);
  const sg_node *want_err = root ? mm__sigma_map_get(root, "x-error") : &line_err;
  if (want_err) {
    feature_error(name, want_err, rc, &err);
  } else {
    if (rc != MM_OK) MM_TEST_FAIL("%s:%u:%u: %s", name, err.line, err.column, err.msg);
    mm_json_doc *d = mm_json_parse(out.ptr, out.len, NULL, &err);
    ASSERT_TRUE(d != NULL);
    const mm_json_value *r = mm_json_doc_root(d);
    const sg_node *want_pat = mm__sigma_map_get(root, "x-pattern");
    if (want_pat) {
      mm_buf got = MM_BUF_INIT;
      mm_json_write(&got, mm_json_get(r, "pattern"), 0);
      if (!got.ptr || strcmp(got.ptr, want_pat->str) != 0)
        MM_TEST_FAIL("%s: pattern\n  got  %s\n  want %s", name, got.ptr, want_pat->str);
      mm_buf_free(&got);
    }
    const sg_node *want_thr = mm__sigma_map_get(root, "x-threshold");
    if (want_thr) {
      mm_buf got = MM_BUF_INIT;
      mm_json_write(&got, mm_json_get(r, "threshold"), 0);
      if (!got.ptr || strcmp(got.ptr, want_thr->str) != 0)
        MM_TEST_FAIL("%s: threshold\n  got  %s\n  want %s", name, got.ptr, want_thr->str);
      mm_buf_free(&got);
    }
    mm__detect_cond *c = mm__detect_cond_compile(r, &err);
    if (!c) MM_TEST_FAIL("%s: %s at %s", name, err.msg, err.path);
    feature_records(name, c, mm__sigma_map_get(root, "x-match"), true);
    feature_records(name, c, mm__sigma_map_get(root, "x-nomatch"), false);
    mm__detect_cond_free(c);
    mm_json_doc_free(d);
  }
  mm_buf_free(&out);
  free((char *)line_err.str);
  mm_arena_destroy(&a);
}

TEST(feature_cases) {
  size_t n;
  char **names = list_dir(FEATURES, ".yml", &n);
  ASSERT_TRUE(n >= 20);
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FEATURES, names[i]);
    size_t len;
    char *yaml = mm_test_read_file(path, &len);
    ASSERT_TRUE(yaml != NULL);
    run_feature(names[i], yaml, len);
    free(yaml);
  }
  printf("sigma: %zu feature cases\n", n);
  free_list(names, n);
}

/* ---- bad input, API edges ----------------------------------------------------- */

TEST(api_edges) {
  mm_buf out = MM_BUF_INIT;
  mm_error err;
  ASSERT_EQ(mm_sigma_to_rule(NULL, 0, &out, &err), MM_EINVAL);
  ASSERT_EQ(mm_sigma_to_rule("", 0, &out, &err), MM_EINVAL);
  ASSERT_EQ(mm_sigma_to_rule("[1", 2, &out, &err), MM_ESYNTAX);
  ASSERT_EQ(out.len, 0);
  /* a nesting bomb stops at the depth limit */
  mm_buf deep = MM_BUF_INIT;
  for (int i = 0; i < 10000; i++) mm_buf_putc(&deep, '[');
  ASSERT_EQ(mm_sigma_to_rule(deep.ptr, deep.len, &out, &err), MM_ELIMIT);
  /* an oversized rule */
  ASSERT_EQ(mm_sigma_to_rule(deep.ptr, MM_SIGMA_MAX_YAML + 1, &out, NULL), MM_ELIMIT);
  mm_buf_free(&deep);
  /* a rule tree that is not a condition */
  const char * xor = "{\"condition\":{\"xor\":[]}}";
  mm_json_doc *d = mm_json_parse(xor, strlen(xor), NULL, NULL);
  ASSERT_TRUE(mm__detect_cond_compile(mm_json_doc_root(d), &err) == NULL);
  ASSERT_EQ_STR(err.path, "$.condition");
  ASSERT_FALSE(mm__detect_condition_matches(mm_json_doc_root(d), mm_json_doc_root(d)));
  mm_json_doc_free(d);
  const char *bad = "{\"condition\":{\"allOf\":[{\"pattern\":{\"a\":[{\"nope\":1}]}}]}}";
  d = mm_json_parse(bad, strlen(bad), NULL, NULL);
  ASSERT_TRUE(d != NULL);
  ASSERT_TRUE(mm__detect_cond_compile(mm_json_doc_root(d), &err) == NULL);
  ASSERT_EQ_STR(err.path, "$.condition.allOf[0].pattern.a[0].nope");
  mm_json_doc_free(d);
  mm_buf_free(&out);
}

/* ---- fault injection ------------------------------------------------------------ */

static const char fault_rule[] =
    "title: fault\nid: f\nauthor: me\nlevel: high\n"
    "logsource: {product: aws, service: cloudtrail}\n"
    "detection:\n"
    "  sel: {eventSource: s3.amazonaws.com, eventName|startswith: [Put, Delete]}\n"
    "  a: {errorCode: null}\n  b: {errorCode: Success}\n"
    "  obj: {requestParameters|contains|all: [Suspended, x]}\n"
    "  ref: {userIdentity.arn|fieldref|endswith: requestParameters.userName}\n"
    "  k: [evil, 'bad*thing']\n"
    "  condition: sel and 1 of a or b and not (obj or ref) and not k | count(eventName) by "
    "sourceIPAddress > 3\n"
    "  timeframe: 5m\n";

static const char fault_event[] =
    "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"requestParameters\":"
    "{\"userName\":\"alice\",\"x\":[\"Suspended\",{\"y\":1}]},\"userIdentity\":{\"arn\":\"u/"
    "alice\"}}";

static void fault_once(void) {
  mm_buf out = MM_BUF_INIT;
  mm_error err;
  if (mm_sigma_to_rule(fault_rule, sizeof fault_rule - 1, &out, &err) == MM_OK) {
    mm_json_doc *rule = mm_json_parse(out.ptr, out.len, NULL, NULL);
    mm_json_doc *ev = mm_json_parse(fault_event, sizeof fault_event - 1, NULL, NULL);
    mm__detect_cond *c = rule ? mm__detect_cond_compile(mm_json_doc_root(rule), NULL) : NULL;
    if (c && ev) (void)mm__detect_cond_eval(c, mm_json_doc_root(ev));
    mm__detect_cond_free(c);
    mm_json_doc_free(ev);
    mm_json_doc_free(rule);
  } else {
    ASSERT_TRUE(out.len == 0 && err.code != MM_OK);
  }
  mm_buf_free(&out);
}

TEST(fault_injection) {
  mm_buf out = MM_BUF_INIT;
  mm_error err;
  int rc = mm_sigma_to_rule(fault_rule, sizeof fault_rule - 1, &out, &err);
  if (rc != MM_OK) MM_TEST_FAIL("%u:%u: %s", err.line, err.column, err.msg);
  mm_buf_free(&out);
  FAULT_LOOP(fault_once());
}

int main(void) {
  RUN(sigmahq_cloudtrail_rules);
  RUN(examples_name_rules);
  RUN(feature_cases);
  RUN(api_edges);
  RUN(fault_injection);
  return mm_test_summary();
}
