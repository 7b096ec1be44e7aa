/*
 * test_detect_net.c - the VPC Flow Log and DNS detectors (src/detect/net*.c).
 *
 * Data first: every .case file in tests/detect/net/ is one scenario written
 * from the trigger GuardDuty documents for a finding type ("GuardDuty EC2
 * finding types",
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html),
 * positive (_pos) or negative (_neg). A case holds lines:
 *
 *   config KEY=VALUE ...        mm__detect_net_config fields (window_sec=60 ...)
 *   intel KIND[:custom] ENTRY   a threat-list entry (TXT syntax); KIND "trusted"
 *                               makes a trusted-IP list
 *   format FIELDS...            the flow-log format (header syntax); default v2
 *   flow LINE                   one flow-log line
 *   dns JSON                    one Route 53 Resolver query log record
 *   repeat N flow|dns TEMPLATE  N lines (a single line is index 0); {i} = 0..N-1, {p} = 1000+i,
 *                               {h} = 1+i%250, {t} = 1700000000+i,
 *                               {x} = 48 pseudo-random base32 characters
 *   expect TYPE COUNT [SEV]     exactly COUNT hits of TYPE (severity SEV)
 *
 * Any hit of a type without an expect line fails the case. Beyond the
 * cases: the DGA score's rates on maltrail's malware domains and on benign
 * names, the registered-domain rule, bounded tables, fault injection.
 */
#include "detect/intel.h"
#include "detect/net.h"
#include "detect/net_int.h"
#include "mamori/detect.h"
#include "test.h"

#include <dirent.h>
#include <math.h>

/* ---- hits --------------------------------------------------------------------- */

#define MAX_TYPES 64

typedef struct tally {
  char types[MAX_TYPES][64];
  unsigned count[MAX_TYPES];
  double sev[MAX_TYPES];
  size_t n;
  uint64_t total;
} tally;

static void on_hit(void *ud, const mm__detect_hit *h) {
  tally *t = ud;
  t->total++;
  ASSERT_TRUE(h->type && h->rule_id && h->count >= 1 && h->resource_id.len > 0);
  ASSERT_TRUE(h->first_seen <= h->last_seen);
  for (size_t i = 0; i < t->n; i++) {
    if (strcmp(t->types[i], h->type) == 0) {
      t->count[i]++;
      t->sev[i] = h->severity;
      return;
    }
  }
  if (t->n == MAX_TYPES) return;
  snprintf(t->types[t->n], sizeof t->types[0], "%s", h->type);
  t->count[t->n] = 1;
  t->sev[t->n++] = h->severity;
}

/* ---- case files ------------------------------------------------------------------ */

typedef struct ncase {
  mm__detect_net_config cfg;
  mm_buf lists[MM__INTEL_KIND_COUNT][2]; /* TXT text per kind, default / custom */
  mm_buf trusted;
  mm_detect_flow_format *fmt;
} ncase;

static void set_config(mm__detect_net_config *c, const char *kv) {
  char key[64];
  double v;
  ASSERT_EQ(sscanf(kv, "%63[^=]=%lf", key, &v), 2);
#define FIELD(name)                     \
  do {                                  \
    if (strcmp(key, #name) == 0) {      \
      c->name = (__typeof__(c->name))v; \
      return;                           \
    }                                   \
  } while (0)
  FIELD(portscan_ports);
  FIELD(sweep_hosts);
  FIELD(bruteforce_tries);
  FIELD(window_sec);
  FIELD(dos_pps);
  FIELD(spam_hosts);
  FIELD(tor_relay_peers);
  FIELD(learn_sec);
  FIELD(volume_windows);
  FIELD(volume_sigma);
  FIELD(volume_min_bytes);
  FIELD(exfil_queries);
  FIELD(exfil_min_len);
  FIELD(dga_cutoff);
#undef FIELD
  MM_TEST_FAIL("unknown config key %s", key);
}

static void add_intel(ncase *k, char *spec, const char *entry) {
  bool custom = false;
  char *colon = strchr(spec, ':');
  if (colon) {
    *colon = '\0';
    custom = strcmp(colon + 1, "custom") == 0;
  }
  mm_buf *b;
  if (strcmp(spec, "trusted") == 0) {
    b = &k->trusted;
  } else {
    mm__intel_kind kind;
    ASSERT_EQ(mm__intel_kind_parse(mm_str_from(spec), &kind), MM_OK);
    b = &k->lists[kind][custom];
  }
  mm_buf_printf(b, "%s\n", entry);
}

static mm__intel *build_intel(ncase *k) {
  mm__intel *in = mm__intel_new();
  ASSERT_TRUE(in != NULL);
  size_t bad;
  mm_error err;
  for (int kind = 0; kind < MM__INTEL_KIND_COUNT; kind++)
    for (int custom = 0; custom < 2; custom++) {
      mm_buf *b = &k->lists[kind][custom];
      if (!b->len) continue;
      char name[64];
      snprintf(name, sizeof name, "%s-test%s", mm__intel_kind_name((mm__intel_kind)kind),
               custom ? "-custom" : "");
      ASSERT_EQ(mm__intel_add(in, name, (mm__intel_kind)kind, custom, false, MM__INTEL_TXT, b->ptr,
                              b->len, &bad, &err),
                MM_OK);
      ASSERT_EQ(bad, 0);
    }
  if (k->trusted.len) {
    ASSERT_EQ(mm__intel_add(in, "trusted-test", MM__INTEL_MALICIOUS, true, true, MM__INTEL_TXT,
                            k->trusted.ptr, k->trusted.len, &bad, &err),
              MM_OK);
    ASSERT_EQ(bad, 0);
  }
  ASSERT_EQ(mm__intel_compile(in, &err), MM_OK);
  return in;
}

/* Expand a repeat template for index i into out. */
static void expand(const char *tmpl, unsigned i, mm_buf *out) {
  mm_buf_clear(out);
  for (const char *p = tmpl; *p; p++) {
    if (p[0] == '{' && p[1] && p[2] == '}') {
      uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);
      switch (p[1]) {
        case 'i':
          mm_buf_printf(out, "%u", i);
          break;
        case 'p':
          mm_buf_printf(out, "%u", 1000 + i);
          break;
        case 'h':
          mm_buf_printf(out, "%u", 1 + i % 250);
          break;
        case 't':
          mm_buf_printf(out, "%u", 1700000000u + i);
          break;
        case 'x':
          for (int j = 0; j < 48; j++) {
            x ^= x >> 29, x *= 0xbf58476d1ce4e5b9ull, x ^= x >> 32;
            mm_buf_putc(out, "abcdefghijklmnopqrstuvwxyz234567"[x % 32]);
          }
          break;
        default:
          MM_TEST_FAIL("bad template %s", tmpl);
      }
      p += 2;
      continue;
    }
    mm_buf_putc(out, *p);
  }
}

static void feed(mm__detect_net *n, ncase *k, const char *kind, const char *line, tally *t) {
  mm_error err;
  if (strcmp(kind, "flow") == 0) {
    mm_detect_flow f;
    const mm_detect_flow_format *fmt = k->fmt ? k->fmt : mm_detect_flow_format_default();
    int rc = mm_detect_flow_parse(fmt, line, strlen(line), &f, &err);
    if (rc != MM_OK) MM_TEST_FAIL("flow line: %s: %s", err.msg, line);
    mm__detect_net_flow(n, &f, on_hit, t);
    return;
  }
  ASSERT_EQ_STR(kind, "dns");
  mm_json_doc *doc = mm_json_parse(line, strlen(line), NULL, &err);
  if (!doc) MM_TEST_FAIL("dns record: %s: %s", err.msg, line);
  mm_detect_record rec;
  memset(&rec, 0, sizeof rec);
  ASSERT_EQ(mm_detect_json_record(mm_json_doc_root(doc), MM_DETECT_DNS, &rec, &err), MM_OK);
  mm__detect_net_dns(n, &rec, on_hit, t);
  mm_json_doc_free(doc);
}

typedef struct expectation {
  char type[64];
  unsigned count;
  double sev; /* < 0: any */
} expectation;

static void check(const tally *t, const expectation *e, size_t ne, const char *path) {
  for (size_t i = 0; i < ne; i++) {
    unsigned got = 0;
    double sev = -1;
    for (size_t j = 0; j < t->n; j++)
      if (strcmp(t->types[j], e[i].type) == 0) got = t->count[j], sev = t->sev[j];
    if (got != e[i].count)
      MM_TEST_FAIL("%s: %s: %u hits, expected %u", path, e[i].type, got, e[i].count);
    if (e[i].sev >= 0 && got && fabs(sev - e[i].sev) > 1e-9)
      MM_TEST_FAIL("%s: %s: severity %.1f, expected %.1f", path, e[i].type, sev, e[i].sev);
  }
  for (size_t j = 0; j < t->n; j++) {
    bool expected = false;
    for (size_t i = 0; i < ne; i++) expected |= strcmp(t->types[j], e[i].type) == 0;
    if (!expected) MM_TEST_FAIL("%s: unexpected %u hits of %s", path, t->count[j], t->types[j]);
  }
}

static unsigned cases_run;

static void run_case(const char *path) {
  size_t len;
  char *text = mm_test_read_file(path, &len);
  ASSERT_TRUE(text != NULL);
  ncase k;
  memset(&k, 0, sizeof k);
  expectation exp[32];
  size_t ne = 0;
  tally t;
  memset(&t, 0, sizeof t);
  mm__detect_net *n = NULL;
  mm__intel *in = NULL;
  mm_buf line = MM_BUF_INIT;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    if (l[0] == '#' || l[0] == '\0') continue;
    char word[16];
    int off = 0;
    ASSERT_EQ(sscanf(l, "%15s %n", word, &off), 1);
    char *rest = l + off;
    if (strcmp(word, "config") == 0) {
      char *s2 = NULL;
      for (char *kv = strtok_r(rest, " ", &s2); kv; kv = strtok_r(NULL, " ", &s2))
        set_config(&k.cfg, kv);
    } else if (strcmp(word, "intel") == 0) {
      char spec[32], entry[256];
      ASSERT_EQ(sscanf(rest, "%31s %255s", spec, entry), 2);
      add_intel(&k, spec, entry);
    } else if (strcmp(word, "format") == 0) {
      mm_error err;
      k.fmt = mm_detect_flow_format_parse(rest, strlen(rest), &err);
      ASSERT_TRUE(k.fmt != NULL);
    } else if (strcmp(word, "expect") == 0) {
      ASSERT_TRUE(ne < 32);
      exp[ne].sev = -1;
      ASSERT_TRUE(sscanf(rest, "%63s %u %lf", exp[ne].type, &exp[ne].count, &exp[ne].sev) >= 2);
      ne++;
    } else {
      if (!n) {
        bool any = k.trusted.len > 0;
        for (int i = 0; i < MM__INTEL_KIND_COUNT; i++)
          any |= k.lists[i][0].len || k.lists[i][1].len;
        if (any) in = build_intel(&k);
        k.cfg.intel = in;
        n = mm__detect_net_new(&k.cfg);
        ASSERT_TRUE(n != NULL);
      }
      if (strcmp(word, "repeat") == 0) {
        unsigned count;
        char kind[8];
        int o2 = 0;
        ASSERT_EQ(sscanf(rest, "%u %7s %n", &count, kind, &o2), 2);
        for (unsigned i = 0; i < count; i++) {
          expand(rest + o2, i, &line);
          feed(n, &k, kind, line.ptr, &t);
        }
      } else {
        expand(rest, 0, &line); /* a single line may use the templates too, as index 0 */
        feed(n, &k, word, line.ptr, &t);
      }
    }
  }
  if (n) mm__detect_net_flush(n, on_hit, &t);
  check(&t, exp, ne, path);
  mm__detect_net_free(n);
  mm__intel_free(in);
  mm_detect_flow_format_free(k.fmt);
  for (int i = 0; i < MM__INTEL_KIND_COUNT; i++)
    mm_buf_free(&k.lists[i][0]), mm_buf_free(&k.lists[i][1]);
  mm_buf_free(&k.trusted);
  mm_buf_free(&line);
  free(text);
  cases_run++;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(case_files) {
  DIR *d = opendir(MM_DETECT_TEST_DIR "/net");
  ASSERT_TRUE(d != NULL);
  char *names[512];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL && n < 512) {
    size_t l = strlen(de->d_name);
    if (l > 5 && strcmp(de->d_name + l - 5, ".case") == 0) names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_str);
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/net/%s", MM_DETECT_TEST_DIR, names[i]);
    run_case(path);
    free(names[i]);
  }
  printf("%u detector cases\n", cases_run);
  ASSERT_TRUE(cases_run >= 40);
}

/* ---- the DGA score -------------------------------------------------------------- */

TEST(registered_domain) {
  static const char *const rows[][2] = {
      {"www.example.com.", "example.com"}, {"a.b.example.co.uk", "example.co.uk"},
      {"example.com", "example.com"},      {"com", "com"},
      {"x.y.z.bazar", "z.bazar"},          {"evil.co", "evil.co"},
      {"a.github.io", "github.io"},        {"shop.example.com.au", "example.com.au"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    mm_str r = mm__detect_registered_domain(mm_str_from(rows[i][0]));
    ASSERT_EQ_MEM(r.ptr, r.len, rows[i][1]);
  }
}

TEST(dga_score_examples) {
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("xjkqzwpv.com")) >= MM__NET_DEF_DGA_CUTOFF);
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("a8f3kq9z2m.com")) >= MM__NET_DEF_DGA_CUTOFF);
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("www.stackoverflow.com")) < MM__NET_DEF_DGA_CUTOFF);
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("googletagmanager.com")) < MM__NET_DEF_DGA_CUTOFF);
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("abc.com")) == 0); /* too short to judge */
  ASSERT_TRUE(mm__detect_dga_score(MM_STR("")) == 0);
  ASSERT_TRUE(mm__detect_dga_score(MM_STR(".")) == 0);
}

/* Share of names in a trail file (domains only) scoring at or above the cut-off. */
static double dga_rate(const char *path, size_t *names) {
  size_t len;
  char *text = mm_test_read_file(path, &len);
  if (!text) return -1;
  size_t hit = 0;
  *names = 0;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char *hash = strchr(l, '#');
    if (hash) *hash = '\0';
    size_t n = strlen(l);
    while (n && (l[n - 1] == ' ' || l[n - 1] == '\r')) l[--n] = '\0';
    if (!n || strpbrk(l, "/:") || !strchr(l, '.') || strspn(l, "0123456789.") == n) continue;
    ++*names;
    hit += mm__detect_dga_score(mm_str_from(l)) >= MM__NET_DEF_DGA_CUTOFF;
  }
  free(text);
  return *names ? (double)hit / (double)*names : 0;
}

TEST(dga_rates) {
  size_t names;
  double benign = dga_rate(MM_DETECT_TEST_DIR "/net/benign_domains.txt", &names);
  printf("DGA score >= %.2f: benign %.3f of %zu\n", MM__NET_DEF_DGA_CUTOFF, benign, names);
  ASSERT_TRUE(names >= 150);
  ASSERT_TRUE(benign <= 0.02);
  static const char *const families[] = {"bazarloader", "dridex", "lockbit", "qakbot",
                                         "lummac2",     "icedid", "emotet"};
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/detect/intel/maltrail/malware/%s.txt", MM_SHARED_DATA,
             families[i]);
    double r = dga_rate(path, &names);
    if (r < 0) continue; /* corpus absent */
    printf("DGA score >= %.2f: maltrail %s %.3f of %zu\n", MM__NET_DEF_DGA_CUTOFF, families[i], r,
           names);
    if (strcmp(families[i], "dridex") == 0) ASSERT_TRUE(r >= 0.5);
  }
}

/* ---- limits and faults ------------------------------------------------------------- */

static mm_detect_flow make_flow(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                                int64_t t) {
  mm_detect_flow f;
  memset(&f, 0, sizeof f);
  f.present = (1ull << MM_DETECT_FLOW_SRCADDR) | (1ull << MM_DETECT_FLOW_DSTADDR) |
              (1ull << MM_DETECT_FLOW_START);
  f.srcaddr = mm_ip_from_v4(src);
  f.dstaddr = mm_ip_from_v4(dst);
  f.srcport = sport, f.dstport = dport, f.protocol = 6;
  f.packets = 10, f.bytes = 1000, f.start = t, f.end = t + 60;
  f.action = MM_DETECT_ACTION_ACCEPT, f.log_status = MM_DETECT_STATUS_OK;
  return f;
}

TEST(tables_stay_bounded) {
  mm__detect_net *n = mm__detect_net_new(NULL);
  ASSERT_TRUE(n != NULL);
  tally t;
  memset(&t, 0, sizeof t);
  /* 300,000 instances, each talking to a distinct host: every table overflows. */
  for (uint32_t i = 0; i < 300000; i++) {
    mm_detect_flow f =
        make_flow(0x0a000000u + i, 0xcb007100u + (i % 200000), 40000, 443, 1700000000 + i / 100);
    mm__detect_net_flow(n, &f, on_hit, &t);
  }
  mm__detect_net_stats st;
  mm__detect_net_get_stats(n, &st);
  ASSERT_EQ_U64(st.flows, 300000);
  ASSERT_TRUE(st.evictions > 0);
  ASSERT_TRUE(n->ents.count <= MM_DETECT_MAX_NET_ENTITIES);
  ASSERT_TRUE(n->pairs.count <= MM_DETECT_MAX_NET_ENTITIES);
  ASSERT_TRUE(n->lports.count <= MM_DETECT_MAX_NET_ENTITIES);
  mm__detect_net_free(n);
}

TEST(thresholds_clamped) {
  mm__detect_net_config c;
  memset(&c, 0, sizeof c);
  c.portscan_ports = 1000; /* above MM_DETECT_NET_MAX_DISTINCT: clamped, still fires */
  mm__detect_net *n = mm__detect_net_new(&c);
  tally t;
  memset(&t, 0, sizeof t);
  for (uint16_t p = 1; p <= 2 * MM_DETECT_NET_MAX_DISTINCT; p++) {
    mm_detect_flow f = make_flow(0x0a000005u, 0xcb007109u, 40000, p, 1700000000);
    mm__detect_net_flow(n, &f, on_hit, &t);
  }
  ASSERT_EQ(t.n, 1);
  ASSERT_EQ_STR(t.types[0], "Recon:EC2/Portscan");
  mm__detect_net_free(n);
}

TEST(skips_records_without_addresses) {
  mm__detect_net *n = mm__detect_net_new(NULL);
  tally t;
  memset(&t, 0, sizeof t);
  mm_detect_flow f = make_flow(1, 2, 3, 4, 5);
  f.present = 0;
  mm__detect_net_flow(n, &f, on_hit, &t);
  mm_detect_record rec;
  memset(&rec, 0, sizeof rec);
  mm__detect_net_dns(n, &rec, on_hit, &t);
  mm__detect_net_stats st;
  mm__detect_net_get_stats(n, &st);
  ASSERT_EQ_U64(st.skipped, 2);
  ASSERT_EQ_U64(t.total, 0);
  mm__detect_net_free(n);
}

TEST(fault_injection) {
  FAULT_LOOP({
    mm__detect_net *n = mm__detect_net_new(NULL);
    if (n) {
      tally t;
      memset(&t, 0, sizeof t);
      for (uint16_t p = 1; p <= 60; p++) {
        mm_detect_flow f = make_flow(0x0a000005u + p % 3, 0xcb007109u + p, 40000, p, 1700000000);
        mm__detect_net_flow(n, &f, on_hit, &t);
      }
      mm__detect_net_free(n);
    }
  });
}

int main(void) {
  RUN(case_files);
  RUN(registered_domain);
  RUN(dga_score_examples);
  RUN(dga_rates);
  RUN(tables_stay_bounded);
  RUN(thresholds_clamped);
  RUN(skips_records_without_addresses);
  RUN(fault_injection);
  return mm_test_summary();
}
