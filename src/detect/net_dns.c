/*
 * net_dns.c - the Route 53 Resolver query-log detectors: domain threat-list
 * matches (C&C, mining, black holes, drop points, phishing, known DGA
 * names, the four domain-reputation types), the DGA score
 * (DGADomainRequest.B), DNS data exfiltration and metadata DNS rebinding.
 *
 * A record is the query log object as AWS writes it ("Values that appear in
 * VPC Resolver query logs",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html):
 * query_name (with its trailing dot), query_type, srcaddr, srcids.instance,
 * answers[].Rdata / .Type. The instance is srcids.instance, else srcaddr.
 * Trigger logic per type: docs/detect-net.md.
 */
#include "detect/net_int.h"

#include "mamori/hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct dom_e { /* one instance and one registered domain */
  mm__net_head h;
  uint32_t win;         /* window start, epoch s */
  uint32_t fired;       /* exfiltration hit emitted this window */
  mm__net_sketch names; /* distinct data-carrying names this window */
} dom_e;

size_t mm__net_domain_entry_size(void) { return sizeof(dom_e); }

typedef struct dns_ctx {
  mm__detect_net *n;
  const mm_detect_record *rec;
  mm_str qname;    /* without the trailing dot */
  mm_str qtype;    /* "A", "TXT" ... */
  mm_str srcaddr;  /* the instance's address as written, or empty */
  mm_str instance; /* srcids.instance, or empty */
  int64_t t;       /* query_timestamp, epoch s */
  mm__detect_emit_fn fn;
  void *ud;
} dns_ctx;

static void emit_dns(dns_ctx *c, mm__net_type type, mm_str list, uint64_t count, int64_t first,
                     const char *fmt, ...) MM_PRINTF(6, 7);
static void emit_dns(dns_ctx *c, mm__net_type type, mm_str list, uint64_t count, int64_t first,
                     const char *fmt, ...) {
  char detail[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  mm__detect_hit h;
  memset(&h, 0, sizeof h);
  h.type = mm__net_type_name(type);
  h.severity = mm__net_type_severity(type);
  h.rule_id = "net/dns";
  h.resource = MM__DETECT_RES_INSTANCE;
  h.resource_id = c->instance.len ? c->instance : c->srcaddr;
  h.action = c->qtype;
  h.local_ip = c->srcaddr;
  h.remote_port = 53;
  h.domain = c->qname;
  h.list_name = list;
  h.detail = mm_str_from(detail);
  h.first_seen = first * MM_TIME_US_PER_SEC;
  h.last_seen = c->rec->time;
  h.count = count ? count : 1;
  h.rec = c->rec;
  c->n->stats.hits++;
  c->fn(c->ud, &h);
}

/* ---- lists ------------------------------------------------------------------ */

static const struct {
  mm__intel_kind kind;
  mm__net_type type;
} dns_types[] = {
    {MM__INTEL_CNC, MM__NET_CNC_DNS},
    {MM__INTEL_MINING, MM__NET_MINING_DNS},
    {MM__INTEL_BLACKHOLE, MM__NET_BLACKHOLE_DNS},
    {MM__INTEL_DROP, MM__NET_DROP_DNS},
    {MM__INTEL_PHISHING, MM__NET_PHISHING},
    {MM__INTEL_DGA, MM__NET_DGA_C},
    {MM__INTEL_ABUSED, MM__NET_REP_ABUSED},
    {MM__INTEL_BITCOIN, MM__NET_REP_BITCOIN},
    {MM__INTEL_MALICIOUS, MM__NET_REP_MALICIOUS},
    {MM__INTEL_SUSPICIOUS, MM__NET_REP_SUSPICIOUS},
};

/* A list match; true when the name is on a list (whatever its kind). */
static bool list_match(dns_ctx *c) {
  const mm__intel *in = c->n->cfg.intel;
  mm__intel_match m;
  if (!in || !mm__intel_domain(in, c->qname, &m)) return false;
  for (size_t i = 0; i < sizeof dns_types / sizeof dns_types[0]; i++) {
    if (dns_types[i].kind != m.kind) continue;
    emit_dns(c, dns_types[i].type, m.list, 1, c->t, "%.*s is on list %.*s (%s)", (int)c->qname.len,
             c->qname.ptr, (int)m.list.len, m.list.ptr, mm__intel_kind_name(m.kind));
  }
  return true;
}

/* ---- DGA ---------------------------------------------------------------------- */

/* Names the DGA score does not judge: reverse lookups, AWS-internal and
 * local names (their labels are ids, not words). */
static bool dga_exempt(mm_str q) {
  static const char *const suffixes[] = {".arpa",          ".internal", ".local",
                                         ".amazonaws.com", ".aws",      ".localdomain"};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
    if (mm_str_has_suffix(q, mm_str_from(suffixes[i]))) return true;
  return false;
}

static void dga(dns_ctx *c) {
  if (dga_exempt(c->qname)) return;
  double s = mm__detect_dga_score(c->qname);
  if (s < c->n->cfg.dga_cutoff) return;
  emit_dns(c, MM__NET_DGA_B, (mm_str){NULL, 0}, 1, c->t, "DGA score %.2f >= %.2f", s,
           c->n->cfg.dga_cutoff);
}

/* ---- exfiltration ------------------------------------------------------------- */

/* Shannon entropy of s, bits per character. */
static double entropy(mm_str s) {
  unsigned counts[256] = {0};
  for (size_t i = 0; i < s.len; i++) counts[(unsigned char)s.ptr[i]]++;
  double h = 0;
  for (int i = 0; i < 256; i++) {
    if (!counts[i]) continue;
    double p = (double)counts[i] / (double)s.len;
    h -= p * log2(p);
  }
  return h;
}

/* A name that carries data: the part left of the registered domain is
 * long, or holds a long label of high entropy (encoded bytes). */
static bool carries_data(const dns_ctx *c, mm_str sub) {
  if (sub.len >= c->n->cfg.exfil_min_len) return true;
  size_t start = 0;
  for (size_t i = 0; i <= sub.len; i++) {
    if (i < sub.len && sub.ptr[i] != '.') continue;
    mm_str label = {sub.ptr + start, i - start};
    if (label.len >= 24 && entropy(label) >= 3.5) return true;
    start = i + 1;
  }
  return false;
}

static void exfiltration(dns_ctx *c) {
  mm_str reg = mm__detect_registered_domain(c->qname);
  if (reg.len + 1 >= c->qname.len) return; /* no subdomain */
  mm_str sub = {c->qname.ptr, c->qname.len - reg.len - 1};
  if (!carries_data(c, sub)) return;
  const mm__detect_net_config *cfg = &c->n->cfg;
  uint64_t who = c->instance.len ? mm_hash(c->instance.ptr, c->instance.len, 1)
                                 : mm_hash(c->srcaddr.ptr, c->srcaddr.len, 2);
  uint64_t key = mm__net_mix(who ^ mm_hash_lower(reg.ptr, reg.len, 3));
  bool fresh;
  dom_e *d = mm__net_tab_get(&c->n->domains, key, c->t, &fresh);
  if (!d) return;
  if (fresh || c->t >= (int64_t)d->win + (int64_t)cfg->window_sec) {
    d->win = mm__net_sec(c->t), d->fired = 0;
    memset(&d->names, 0, sizeof d->names);
  }
  if (!mm__net_sketch_add(&d->names, mm_hash_lower(sub.ptr, sub.len, 4))) return;
  uint32_t names = mm__net_sketch_count(&d->names);
  if (d->fired || names < cfg->exfil_queries) return;
  d->fired = 1;
  emit_dns(c, MM__NET_EXFIL, (mm_str){NULL, 0}, names, d->win,
           "about %u distinct data-carrying names under %.*s in %u s", (unsigned)names,
           (int)reg.len, reg.ptr, (unsigned)cfg->window_sec);
}

/* ---- metadata DNS rebinding ------------------------------------------------------ */

static bool is_metadata_ip(mm_str s) {
  mm_ip_addr a;
  if (!s.ptr || mm_ip_parse(s.ptr, s.len, &a, NULL) != MM_OK) return false;
  a = mm_ip_unmap(&a);
  if (a.family == MM_IP_V4) return mm_ip_v4_value(&a) == 0xa9fea9feu; /* 169.254.169.254 */
  static const uint8_t v6[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  return memcmp(a.bytes, v6, 16) == 0; /* fd00:ec2::254, the IPv6 IMDS endpoint */
}

static void rebind(dns_ctx *c) {
  const mm_json_value *answers = mm_json_get(c->rec->value, "answers");
  size_t n = mm_json_is_array(answers) ? mm_json_len(answers) : 0;
  if (mm_str_ieq(c->qname, MM_STR("instance-data")) ||
      mm_str_has_suffix(c->qname, MM_STR(".internal")))
    return; /* AWS's own names for the metadata service */
  for (size_t i = 0; i < n; i++) {
    mm_str rdata = mm_json_get_str(mm_json_get(mm_json_at(answers, i), "Rdata"));
    if (!is_metadata_ip(rdata)) continue;
    emit_dns(c, MM__NET_REBIND, (mm_str){NULL, 0}, 1, c->t, "%.*s resolves to %.*s",
             (int)c->qname.len, c->qname.ptr, (int)rdata.len, rdata.ptr);
    return;
  }
}

/* ---- the entry point -------------------------------------------------------------- */

void mm__detect_net_dns(mm__detect_net *n, const mm_detect_record *rec, mm__detect_emit_fn emit,
                        void *ud) {
  n->stats.dns++;
  const mm_json_value *v = rec ? rec->value : NULL;
  dns_ctx c;
  memset(&c, 0, sizeof c);
  if (v) c.qname = mm_json_get_str(mm_json_get(v, "query_name"));
  if (!c.qname.ptr || c.qname.len == 0) {
    n->stats.skipped++;
    return;
  }
  if (c.qname.ptr[c.qname.len - 1] == '.') c.qname.len--;
  if (c.qname.len == 0) {
    n->stats.skipped++;
    return;
  }
  c.n = n, c.rec = rec, c.fn = emit, c.ud = ud;
  c.qtype = mm_json_get_str(mm_json_get(v, "query_type"));
  c.srcaddr = mm_json_get_str(mm_json_get(v, "srcaddr"));
  c.instance = mm_json_get_str(mm_json_get(mm_json_get(v, "srcids"), "instance"));
  if (!c.qtype.ptr) c.qtype = (mm_str){"", 0};
  if (!c.srcaddr.ptr) c.srcaddr = (mm_str){"", 0};
  if (!c.instance.ptr) c.instance = (mm_str){"", 0};
  c.t = mm__net_sec(mm_time_to_epoch_s(rec->time));
  bool listed = list_match(&c);
  if (!listed) dga(&c);
  exfiltration(&c);
  rebind(&c);
}
