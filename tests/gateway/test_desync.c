/*
 * test_desync.c - the request-smuggling classification (src/gateway/desync.c)
 * against every case of aws/http-desync-guardian's test suite
 * (github.com/aws/http-desync-guardian, tests/ YAML files, Apache-2.0; read in
 * place from ../shared/data/http/desync-guardian): each case's tier, reason
 * and required message substrings; and the mitigation-mode table of
 * "Configure desync mitigation mode for your Classic Load Balancer"
 * (docs.aws.amazon.com/elasticloadbalancing/latest/classic/
 * config-desync-mitigation-mode.html).
 */
#include <yaml.h>

#include "mamori/http.h"
#include "test.h"

#define DG_DIR     MM_SHARED_DATA "/http/desync-guardian"
#define MAX_HDRS   64
#define MAX_ITEMS  8
#define FIELD_SIZE 1024

/* One case, its strings decoded: YAML's "\xNN" escapes stand for raw bytes
 * (the suite's README), so code points U+0080..U+00FF become one byte. */
typedef struct dg_case {
  char name[FIELD_SIZE], method[FIELD_SIZE], uri[FIELD_SIZE], version[FIELD_SIZE];
  char hname[MAX_HDRS][FIELD_SIZE], hvalue[MAX_HDRS][FIELD_SIZE];
  size_t hname_len[MAX_HDRS], hvalue_len[MAX_HDRS];
  size_t n_headers;
  char tier[64], reason[64];
  char items[MAX_ITEMS][FIELD_SIZE];
  size_t n_items;
  size_t uri_len;
} dg_case;

static size_t decode_scalar(const yaml_node_t *n, char *out) {
  const uint8_t *s = n->data.scalar.value;
  size_t len = n->data.scalar.length, o = 0;
  for (size_t i = 0; i < len && o + 1 < FIELD_SIZE; i++) {
    if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < len) {
      out[o++] = (char)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3f));
      i++;
    } else {
      out[o++] = (char)s[i];
    }
  }
  out[o] = '\0';
  return o;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
      return yaml_document_get_node(d, p->value);
  }
  return NULL;
}

static size_t scalar_or_empty(yaml_document_t *d, yaml_node_t *map, const char *key, char *out) {
  yaml_node_t *n = map_get(d, map, key);
  if (!n || n->type != YAML_SCALAR_NODE) return (out[0] = '\0'), 0;
  return decode_scalar(n, out);
}

static void read_case(yaml_document_t *d, yaml_node_t *node, dg_case *c) {
  memset(c, 0, sizeof *c);
  scalar_or_empty(d, node, "name", c->name);
  scalar_or_empty(d, node, "method", c->method);
  c->uri_len = scalar_or_empty(d, node, "uri", c->uri);
  scalar_or_empty(d, node, "version", c->version);
  yaml_node_t *hs = map_get(d, node, "headers");
  if (hs && hs->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = hs->data.sequence.items.start;
         it < hs->data.sequence.items.top && c->n_headers < MAX_HDRS; it++) {
      yaml_node_t *h = yaml_document_get_node(d, *it);
      c->hname_len[c->n_headers] = scalar_or_empty(d, h, "name", c->hname[c->n_headers]);
      c->hvalue_len[c->n_headers] = scalar_or_empty(d, h, "value", c->hvalue[c->n_headers]);
      c->n_headers++;
    }
  yaml_node_t *exp = map_get(d, node, "expected");
  scalar_or_empty(d, exp, "tier", c->tier);
  scalar_or_empty(d, exp, "reason", c->reason);
  yaml_node_t *items = map_get(d, exp, "required_message_items");
  if (items && items->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = items->data.sequence.items.start;
         it < items->data.sequence.items.top && c->n_items < MAX_ITEMS; it++)
      decode_scalar(yaml_document_get_node(d, *it), c->items[c->n_items++]);
}

static int cases_run, cases_failed;

static void check_case(const char *file, const dg_case *c) {
  mm_http_header hdrs[MAX_HDRS];
  for (size_t i = 0; i < c->n_headers; i++) {
    hdrs[i].name = (mm_str){c->hname[i], c->hname_len[i]};
    hdrs[i].value = (mm_str){c->hvalue[i], c->hvalue_len[i]};
  }
  mm_http_head h = {mm_str_from(c->method), (mm_str){c->uri, c->uri_len}, mm_str_from(c->version),
                    hdrs, c->n_headers};
  mm_http_verdict v;
  mm_http_classify(&h, &v);
  cases_run++;
  bool ok = strcmp(mm_http_tier_name(v.tier), c->tier) == 0 &&
            strcmp(mm_http_reason_name(v.reason), c->reason) == 0;
  for (size_t i = 0; ok && i < c->n_items; i++) ok = strstr(v.message, c->items[i]) != NULL;
  if (!ok) {
    cases_failed++;
    fprintf(stderr, "%s: \"%s\": expected %s/%s, got %s/%s (%s)\n", file, c->name, c->tier,
            c->reason, mm_http_tier_name(v.tier), mm_http_reason_name(v.reason), v.message);
  }
}

static void run_file(const char *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", DG_DIR, file);
  FILE *f = fopen(path, "rb");
  if (!f) MM_TEST_FAIL("cannot open %s", path);
  yaml_parser_t p;
  yaml_document_t d;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_file(&p, f);
  int loaded = yaml_parser_load(&p, &d);
  fclose(f);
  if (!loaded) {
    yaml_parser_delete(&p);
    MM_TEST_FAIL("%s: YAML error: %s", file, p.problem ? p.problem : "?");
  }
  yaml_node_t *root = yaml_document_get_root_node(&d);
  static dg_case c;
  if (root && root->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top;
         it++) {
      read_case(&d, yaml_document_get_node(&d, *it), &c);
      check_case(file, &c);
    }
  yaml_document_delete(&d);
  yaml_parser_delete(&p);
}

/* Every file of the suite; 159 cases in all (shared/data/README.md). */
TEST(desync_guardian_suite) {
  static const char *const files[] = {"acceptable.yaml",
                                      "ambiguous.yaml",
                                      "bad-header-characters.yaml",
                                      "edge-cases.yaml",
                                      "more-compliant-tests.yaml",
                                      "real-life-test-cases.yaml",
                                      "rfc-compliant.yaml",
                                      "severe.yaml",
                                      "single-case.yaml",
                                      "uri-specific-test-cases.yaml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) run_file(files[i]);
  printf("desync-guardian: %d cases, %d failed\n", cases_run, cases_failed);
  ASSERT_EQ(cases_run, 159);
  ASSERT_EQ(cases_failed, 0);
}

/* The table under "Modes" on config-desync-mitigation-mode.html. */
TEST(mitigation_modes) {
  static const struct {
    mm_http_mode mode;
    mm_http_action act[4]; /* Compliant, Acceptable, Ambiguous, Severe */
  } table[] = {
      {MM_HTTP_MODE_MONITOR, {MM_HTTP_FORWARD, MM_HTTP_FORWARD, MM_HTTP_FORWARD, MM_HTTP_FORWARD}},
      {MM_HTTP_MODE_DEFENSIVE,
       {MM_HTTP_FORWARD, MM_HTTP_FORWARD, MM_HTTP_FORWARD_CLOSE, MM_HTTP_REJECT}},
      {MM_HTTP_MODE_STRICTEST, {MM_HTTP_FORWARD, MM_HTTP_REJECT, MM_HTTP_REJECT, MM_HTTP_REJECT}},
  };
  for (size_t m = 0; m < 3; m++)
    for (int t = MM_HTTP_COMPLIANT; t <= MM_HTTP_SEVERE; t++)
      ASSERT_EQ(mm_http_mode_action(table[m].mode, (mm_http_tier)t), table[m].act[t]);
  mm_http_mode mode;
  ASSERT_EQ(mm_http_mode_parse(MM_STR("strictest"), &mode), MM_OK);
  ASSERT_EQ(mode, MM_HTTP_MODE_STRICTEST);
  ASSERT_EQ(mm_http_mode_parse(MM_STR("Defensive"), &mode), MM_EINVAL);
  ASSERT_TRUE(strcmp(mm_http_mode_name(MM_HTTP_MODE_DEFENSIVE), "defensive") == 0);
}

/* Hostile heads: long runs of bad bytes must stay inside the message. */
TEST(message_is_bounded) {
  static char big[4096];
  memset(big, 0x01, sizeof big);
  mm_http_header h = {{big, sizeof big}, {big, sizeof big}};
  mm_http_head head = {MM_STR("POST"), {big, sizeof big}, MM_STR("HTTP/1.1"), &h, 1};
  mm_http_verdict v;
  mm_http_classify(&head, &v);
  ASSERT_TRUE(strlen(v.message) < MM_HTTP_MESSAGE_MAX);
  ASSERT_EQ(v.tier, MM_HTTP_AMBIGUOUS);
}

int main(void) {
  RUN(desync_guardian_suite);
  RUN(mitigation_modes);
  RUN(message_is_bounded);
  return mm_test_summary();
}
