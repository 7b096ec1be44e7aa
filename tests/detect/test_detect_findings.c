/*
 * test_detect_findings.c - every finding type the shipped rules raise, case
 * by case: tests/detect/findings/<name>-positive.json must raise its type,
 * <name>-negative.json must not. A case file is
 *
 *   {"doc": the AWS (or Stratus Red Team) page whose logic it follows,
 *    "note": what the records show,
 *    "expect": [types that must be raised], "expect_not": [types that must not],
 *    "intel": {"default": {FILE: text}, "custom": {FILE: text}},   optional lists
 *    "records": [CloudTrail events]}
 *
 * The records go through mm_detect_json_record and an engine with every
 * shipped rule (data/detect/rules). Last, every finding type of the shipped
 * rules must have been expected by a positive case and refused by a
 * negative one.
 */
#include "test.h"

#include "mamori/detect.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TYPES 256

static const char *types[MAX_TYPES]; /* every type of the shipped rules */
static bool seen_pos[MAX_TYPES], seen_neg[MAX_TYPES];
static size_t ntypes;
static char case_path[1024];
static char tmp_root[] = "/tmp/mm-detect-findings-XXXXXX";

static int type_index(const char *t) {
  for (size_t i = 0; i < ntypes; i++)
    if (strcmp(types[i], t) == 0) return (int)i;
  return -1;
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[1200];
  mkdir(dir, 0700);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* The case's lists written to tmp_root/<n>/{default,custom}; the dirs set. */
static void write_intel(const mm_json_value *intel, int n, char *def, char *cus, size_t size) {
  def[0] = cus[0] = '\0';
  const char *which[] = {"default", "custom"};
  char *out[] = {def, cus};
  for (int k = 0; k < 2; k++) {
    const mm_json_value *files = mm_json_get(intel, which[k]);
    if (!files) continue;
    snprintf(out[k], size, "%s/%d-%s", tmp_root, n, which[k]);
    mm_json_iter it = mm_json_iter_init(files);
    const mm_json_value *key, *val;
    while (mm_json_iter_next(&it, &key, &val))
      write_file(out[k], mm_json_str(key), mm_json_str(val));
  }
}

static bool raised(mm_detect_engine *e, const char *type) {
  for (size_t i = 0; i < mm_detect_engine_finding_count(e); i++)
    if (strcmp(mm_detect_finding_type(mm_detect_engine_finding(e, i)), type) == 0) return true;
  return false;
}

static void dump(mm_detect_engine *e) {
  for (size_t i = 0; i < mm_detect_engine_finding_count(e); i++)
    fprintf(stderr, "  raised: %s\n", mm_detect_finding_type(mm_detect_engine_finding(e, i)));
}

static mm_detect_engine *engine_for(const mm_json_value *c, int n) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  if (mm_detect_rules_load(rs, MM_DETECT_DATA_DIR "/rules", &err) != MM_OK) {
    fprintf(stderr, "rules: %s\n", err.msg);
    mm_detect_rules_free(rs);
    return NULL;
  }
  char def[1100], cus[1100];
  write_intel(mm_json_get(c, "intel"), n, def, cus, sizeof(def));
  mm_detect_engine_options o = {0};
  o.default_intel_dir = def[0] ? def : NULL;
  o.intel_dir = cus[0] ? cus : NULL;
  mm_detect_engine *e = mm_detect_engine_new(rs, &o, &err);
  if (!e) fprintf(stderr, "engine: %s\n", err.msg);
  return e;
}

static void check_list(mm_detect_engine *e, const mm_json_value *list, bool want) {
  mm_json_iter it = mm_json_iter_init(list);
  const mm_json_value *t;
  while (mm_json_iter_next(&it, NULL, &t)) {
    const char *type = mm_json_str(t);
    int ti = type_index(type);
    if (ti < 0) MM_TEST_FAIL("%s: type %s is not raised by any shipped rule", case_path, type);
    (want ? seen_pos : seen_neg)[ti] = true;
    mm_test_checks++;
    if (raised(e, type) != want) {
      dump(e);
      MM_TEST_FAIL("%s: %s %s", case_path, type, want ? "not raised" : "raised");
    }
  }
}

static int case_number;

TEST(one_case) {
  size_t len;
  char *text = mm_test_read_file(case_path, &len);
  ASSERT_TRUE(text != NULL);
  mm_error err;
  mm_json_doc *doc = mm_json_parse(text, len, NULL, &err);
  free(text);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *c = mm_json_doc_root(doc);
  ASSERT_TRUE(mm_json_get_str(mm_json_get(c, "doc")).len > 0); /* cites its page */
  mm_detect_engine *e = engine_for(c, case_number++);
  ASSERT_TRUE(e != NULL);
  mm_json_iter it = mm_json_iter_init(mm_json_get(c, "records"));
  const mm_json_value *r;
  while (mm_json_iter_next(&it, NULL, &r)) {
    mm_detect_record rec;
    memset(&rec, 0, sizeof(rec));
    if (mm_detect_json_record(r, MM_DETECT_CLOUDTRAIL, &rec, &err) != MM_OK)
      MM_TEST_FAIL("%s: bad record: %s", case_path, err.msg);
    mm_detect_engine_feed(e, &rec);
  }
  check_list(e, mm_json_get(c, "expect"), true);
  check_list(e, mm_json_get(c, "expect_not"), false);
  mm_detect_engine_free(e);
  mm_json_doc_free(doc);
}

TEST(every_type_has_both_cases) {
  for (size_t i = 0; i < ntypes; i++) {
    mm_test_checks++;
    if (!seen_pos[i] || !seen_neg[i])
      MM_TEST_FAIL("%s lacks a %s case", types[i], seen_pos[i] ? "negative" : "positive");
  }
  printf("%zu finding types, each with a positive and a negative case\n", ntypes);
}

static mm_detect_rules *shipped;

static void collect_types(void) {
  shipped = mm_detect_rules_new();
  mm_error err;
  if (mm_detect_rules_load(shipped, MM_DETECT_DATA_DIR "/rules", &err) != MM_OK) {
    fprintf(stderr, "shipped rules: %s\n", err.msg);
    exit(1);
  }
  for (size_t i = 0; i < mm_detect_rules_count(shipped); i++) {
    mm_detect_rule_info ri;
    mm_detect_rules_info(shipped, i, &ri);
    /* This table covers the GuardDuty and mamori CloudTrail rule files; the
     * CIS and Sigma rule sets have their own tests. */
    const char *base = strrchr(ri.origin, '/');
    base = base ? base + 1 : ri.origin;
    if (strncmp(base, "guardduty-", 10) != 0 && strncmp(base, "mamori-", 7) != 0) continue;
    if (type_index(ri.type) < 0 && ntypes < MAX_TYPES) types[ntypes++] = ri.type;
  }
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void) {
  collect_types();
  if (!mkdtemp(tmp_root)) return 1;
  DIR *d = opendir(MM_DETECT_TEST_DIR "/findings");
  if (!d) return 1;
  char *names[512];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 512)
    if (strstr(de->d_name, ".json")) names[n++] = strdup(de->d_name);
  closedir(d);
  qsort(names, n, sizeof(*names), cmp);
  for (size_t i = 0; i < n; i++) {
    snprintf(case_path, sizeof(case_path), "%s/findings/%s", MM_DETECT_TEST_DIR, names[i]);
    mm_test_run(names[i], one_case);
    free(names[i]);
  }
  RUN(every_type_has_both_cases);
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
  mm_detect_rules_free(shipped);
  return mm_test_summary();
}
