/*
 * net.c - the VPC Flow Log detectors: GuardDuty's flow-log finding types
 * (see the table in net_int.h) from typed flow records, with bounded state.
 *
 * Each record is first put in terms of the monitored instance:
 *
 *   local side   flow-direction (v5) when present: ingress -> dstaddr is
 *                the interface's, egress -> srcaddr. Otherwise the side in a
 *                private range (RFC 1918, RFC 6598, RFC 4193, link-local,
 *                loopback) when exactly one side is; otherwise srcaddr.
 *   initiator    TCP with tcp-flags (v3): SYN-ACK (18) means srcaddr is the
 *                responder, SYN (2) without it the initiator. Otherwise the
 *                side with the lower port is the server (equal ports, or a
 *                protocol without ports: srcaddr initiated).
 *
 * Then the detectors run: threat-list matches on the remote address
 * (trusted-list addresses are skipped entirely, as GuardDuty does), counts
 * over tumbling windows of window_sec seconds that start at the first record
 * of each entity (port scans, sweeps, brute force, denial of service, spam,
 * Tor relays) and per-instance baselines (NetworkPortUnusual,
 * TrafficVolumeUnusual). A hit is emitted once per entity and window when
 * its threshold is crossed. docs/detect-net.md has every rule.
 *
 * The tables hold MM_DETECT_MAX_NET_ENTITIES entries each; when one is full
 * the entries idle longest are dropped (evict()), so hostile traffic costs
 * bounded memory and amortized O(1) per record.
 */
#include "detect/net_int.h"

#include "mamori/alloc.h"
#include "mamori/hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {
#define MM__NET_NAME(id, name, sev) name,
    MM__NET_TYPE_MAP(MM__NET_NAME)
#undef MM__NET_NAME
};
static const char *const type_rules[] = {
#define MM__NET_RULE(id, name, sev) "net/" #id,
    MM__NET_TYPE_MAP(MM__NET_RULE)
#undef MM__NET_RULE
};
static const double type_sev[] = {
#define MM__NET_SEV(id, name, sev) sev,
    MM__NET_TYPE_MAP(MM__NET_SEV)
#undef MM__NET_SEV
};

const char *mm__net_type_name(mm__net_type t) {
  return (unsigned)t < MM__NET_TYPE_COUNT ? type_names[t] : "";
}
double mm__net_type_severity(mm__net_type t) {
  return (unsigned)t < MM__NET_TYPE_COUNT ? type_sev[t] : 0;
}

/* ---- tables ------------------------------------------------------------------ */

#define TAB_MIN_CAP 256

static mm__net_head *slot(const mm__net_tab *t, size_t i) {
  return (mm__net_head *)(t->slots + i * t->esize);
}

/* Put entry e (a copy) into the slots of t; the key is known absent. */
static void place(mm__net_tab *t, const mm__net_head *e) {
  size_t mask = t->cap - 1;
  for (size_t i = e->key & mask;; i = (i + 1) & mask) {
    mm__net_head *s = slot(t, i);
    if (s->key == 0) {
      memcpy(s, e, t->esize);
      t->count++;
      return;
    }
  }
}

/* Rebuild t into cap slots, keeping the entries whose last >= cutoff. */
static int rebuild(mm__net_tab *t, size_t cap, int64_t cutoff) {
  unsigned char *old = t->slots;
  size_t oldcap = t->cap;
  unsigned char *slots = mm_calloc(cap, t->esize);
  if (!slots) return MM_ENOMEM;
  t->slots = slots, t->cap = cap;
  size_t before = t->count;
  t->count = 0;
  for (size_t i = 0; i < oldcap; i++) {
    const mm__net_head *e = (const mm__net_head *)(old + i * t->esize);
    if (e->key && (int64_t)e->last >= cutoff) place(t, e);
  }
  t->evictions += before - t->count;
  mm_free(old);
  return MM_OK;
}

/* The table is full: drop the entries idle longest. The cut-off is the
 * middle of the range of last-seen times (so at least the oldest go, and
 * about half on even traffic); when every entry has the same time, all go.
 * O(cap) once per at least a few thousand inserts: amortized O(1). */
static int evict(mm__net_tab *t) {
  uint32_t lo = UINT32_MAX, hi = 0;
  for (size_t i = 0; i < t->cap; i++) {
    const mm__net_head *e = slot(t, i);
    if (!e->key) continue;
    if (e->last < lo) lo = e->last;
    if (e->last > hi) hi = e->last;
  }
  int64_t cutoff = lo >= hi ? INT64_MAX : (int64_t)lo + (hi - lo) / 2 + 1;
  return rebuild(t, t->cap, cutoff);
}

void *mm__net_tab_get(mm__net_tab *t, uint64_t key, int64_t when, bool *fresh) {
  uint32_t now = mm__net_sec(when);
  if (t->cap) {
    size_t mask = t->cap - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
      mm__net_head *s = slot(t, i);
      if (s->key == key) {
        if (now > s->last) s->last = now;
        *fresh = false;
        return s;
      }
      if (s->key == 0) break;
    }
  }
  /* Absent: make room (grow while under the cap, at load 1/2), then insert. */
  size_t maxcap = (size_t)MM_DETECT_MAX_NET_ENTITIES * 2;
  if (t->count + 1 > t->cap / 2) {
    int rc = t->cap < maxcap ? rebuild(t, t->cap ? t->cap * 2 : TAB_MIN_CAP, INT64_MIN) : evict(t);
    if (rc != MM_OK) return NULL;
  }
  size_t mask = t->cap - 1, i = key & mask;
  while (slot(t, i)->key) i = (i + 1) & mask;
  mm__net_head *s = slot(t, i);
  memset(s, 0, t->esize);
  s->key = key;
  s->last = s->first = now;
  t->count++;
  *fresh = true;
  return s;
}

void mm__net_tab_free(mm__net_tab *t) {
  mm_free(t->slots);
  memset(t, 0, sizeof *t);
}

uint64_t mm__net_ip_key(const mm_ip_addr *a) {
  if (a->family == MM_IP_V4) return mm_ip_v4_value(a);
  if (mm_ip_is_v4_mapped(a)) return mm_ip_v4_value(a);
  return mm_hash(a->bytes, 16, 0x6d616d6f7269ull) | (1ull << 63);
}

/* round(-128 ln(1 - k / 128)) for k bits set: the linear-counting estimate. */
static const uint16_t sketch_counts[128] = {
    0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  12,  13,  14,  15,  16,  17,  18,  19,
    21,  22,  23,  24,  25,  27,  28,  29,  30,  32,  33,  34,  35,  37,  38,  40,  41,  42,  44,
    45,  47,  48,  49,  51,  52,  54,  55,  57,  59,  60,  62,  63,  65,  67,  68,  70,  72,  74,
    75,  77,  79,  81,  83,  85,  87,  89,  91,  93,  95,  97,  99,  101, 104, 106, 108, 110, 113,
    115, 118, 120, 123, 126, 128, 131, 134, 137, 140, 143, 146, 149, 152, 155, 159, 162, 166, 170,
    174, 177, 182, 186, 190, 195, 199, 204, 209, 214, 220, 225, 231, 238, 244, 251, 258, 266, 274,
    283, 293, 303, 314, 326, 340, 355, 372, 392, 415, 444, 480, 532, 621};

uint32_t mm__net_sketch_count(const mm__net_sketch *s) {
  unsigned set = (unsigned)(__builtin_popcountll(s->bits[0]) + __builtin_popcountll(s->bits[1]));
  return set >= 128 ? UINT32_MAX / 2 /* saturated: more than about 600 */ : sketch_counts[set];
}

bool mm__net_is_private(const mm_ip_addr *a) {
  if (a->family == MM_IP_V4 || mm_ip_is_v4_mapped(a)) {
    uint32_t v = mm_ip_v4_value(a);
    return (v >> 24) == 10 || (v >> 20) == (172u << 4 | 1) || (v >> 16) == (192u << 8 | 168) ||
           (v >> 22) == (100u << 2 | 1) /* 100.64/10 */ || (v >> 24) == 127 ||
           (v >> 16) == (169u << 8 | 254) || v == 0;
  }
  const uint8_t *b = a->bytes;
  bool loop = b[15] == 1;
  for (int i = 0; i < 15 && loop; i++) loop = b[i] == 0;
  return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || loop;
}

/* ---- entries ------------------------------------------------------------------------ */

typedef struct ent_e { /* one monitored instance (its local address); h.first: its first record */
  mm__net_head h;
  uint32_t vwin, twin;     /* starts of the volume and the Tor windows, epoch s */
  uint64_t vbytes;         /* bytes sent in the volume window */
  uint32_t vn;             /* completed windows in the baseline */
  uint32_t nports;         /* distinct remote server ports used */
  double vmean, vm2;       /* Welford mean and sum of squares of bytes per window */
  uint8_t tor_in, tor_out; /* inbound / outbound Tor connections in the Tor window */
  uint8_t vfired, tfired;  /* volume / relay hit emitted this window */
  mm__net_sketch tor;      /* distinct Tor nodes in the Tor window */
} ent_e;

enum { DOS_TCP, DOS_UDP, DOS_UDP_TCP, DOS_UNUSUAL, DOS_DNS, DOS_CLASSES };

typedef struct pair_e { /* one instance and one remote host: 64 bytes, one cache line */
  mm__net_head h;
  uint32_t win;              /* window start, epoch s */
  uint32_t fired;            /* bit (1 << mm__net_type) per hit emitted this window */
  uint16_t brute;            /* 22/3389 attempts this window */
  uint16_t brute_sport;      /* the client port of the last attempt */
  uint32_t dos[DOS_CLASSES]; /* packets sent to the host this window, per class (saturating) */
  mm__net_sketch ports;      /* distinct remote ports probed this window */
} pair_e;

typedef struct lport_e { /* one instance and one remote server port; h.first: first use */
  mm__net_head h;
  uint32_t win;         /* window start */
  uint32_t fired;       /* as pair_e.fired, for PORTSWEEP and SPAMBOT */
  mm__net_sketch hosts; /* distinct remote hosts this window */
} lport_e;

_Static_assert(sizeof(pair_e) == 64, "a pair entry is one cache line");
_Static_assert(MM__NET_CUSTOM_IP < 32 && MM__NET_SPAMBOT < 32 && MM__NET_PORTSWEEP < 32,
               "pair and port hit bits fit fired");

/* ---- setup ----------------------------------------------------------------------------- */

static uint32_t clamp_distinct(uint32_t v, uint32_t def) {
  if (v == 0) v = def;
  return v > MM_DETECT_NET_MAX_DISTINCT ? MM_DETECT_NET_MAX_DISTINCT : v;
}

#define DEF(field, value) \
  if (c->field == 0) c->field = (value)

static void fill_defaults(mm__detect_net_config *c) {
  c->portscan_ports = clamp_distinct(c->portscan_ports, MM__NET_DEF_PORTSCAN);
  c->sweep_hosts = clamp_distinct(c->sweep_hosts, MM__NET_DEF_SWEEP);
  c->spam_hosts = clamp_distinct(c->spam_hosts, MM__NET_DEF_SPAM_HOSTS);
  c->tor_relay_peers = clamp_distinct(c->tor_relay_peers, MM__NET_DEF_TOR_RELAY);
  c->exfil_queries = clamp_distinct(c->exfil_queries, MM__NET_DEF_EXFIL_QUERIES);
  DEF(bruteforce_tries, MM__NET_DEF_BRUTE);
  DEF(window_sec, MM__NET_DEF_WINDOW_SEC);
  DEF(dos_pps, MM__NET_DEF_DOS_PPS);
  DEF(learn_sec, MM__NET_DEF_LEARN_SEC);
  DEF(volume_windows, MM__NET_DEF_VOL_WINDOWS);
  DEF(volume_sigma, MM__NET_DEF_VOL_SIGMA);
  DEF(volume_min_bytes, MM__NET_DEF_VOL_MIN_BYTES);
  DEF(exfil_min_len, MM__NET_DEF_EXFIL_MIN_LEN);
  DEF(dga_cutoff, MM__NET_DEF_DGA_CUTOFF);
}
#undef DEF

mm__detect_net *mm__detect_net_new(const mm__detect_net_config *cfg) {
  mm__detect_net *n = mm_calloc(1, sizeof *n);
  if (!n) return NULL;
  if (cfg) n->cfg = *cfg;
  fill_defaults(&n->cfg);
  n->ents.esize = sizeof(ent_e);
  n->pairs.esize = sizeof(pair_e);
  n->lports.esize = sizeof(lport_e);
  n->domains.esize = mm__net_domain_entry_size();
  return n;
}

void mm__detect_net_free(mm__detect_net *n) {
  if (!n) return;
  mm__net_tab_free(&n->ents);
  mm__net_tab_free(&n->pairs);
  mm__net_tab_free(&n->lports);
  mm__net_tab_free(&n->domains);
  mm_free(n);
}

void mm__detect_net_get_stats(const mm__detect_net *n, mm__detect_net_stats *out) {
  *out = n->stats;
  out->evictions =
      n->ents.evictions + n->pairs.evictions + n->lports.evictions + n->domains.evictions;
}

void mm__detect_net_flush(mm__detect_net *n, mm__detect_emit_fn emit, void *ud) {
  /* Every hit is emitted when its threshold is crossed; nothing is held
   * back for the end. Kept for detectors that report at window close. */
  (void)n, (void)emit, (void)ud;
}

/* ---- one flow record, in the instance's terms -------------------------------------------------
 */

typedef struct flow_ctx {
  const mm_detect_flow *f;
  const mm_ip_addr *local, *remote;
  uint16_t lport, rport; /* the local / remote side's port */
  bool local_is_src;     /* the record's srcaddr is the instance */
  bool outbound;         /* the instance initiated the connection */
  bool remote_public;    /* the remote address is publicly routable */
  int64_t t;             /* the record's start, epoch s */
  uint64_t lkey, rkey;   /* mm__net_ip_key of each side */
  mm__detect_net *n;
  mm__detect_emit_fn fn;
  void *ud;
} flow_ctx;

static bool local_is_src(const mm_detect_flow *f) {
  if (f->flow_direction == MM_DETECT_DIRECTION_INGRESS) return false;
  if (f->flow_direction == MM_DETECT_DIRECTION_EGRESS) return true;
  bool sp = mm__net_is_private(&f->srcaddr), dp = mm__net_is_private(&f->dstaddr);
  return sp || !dp;
}

static bool src_initiated(const mm_detect_flow *f) {
  if (f->protocol == 6 && mm_detect_flow_has(f, MM_DETECT_FLOW_TCP_FLAGS) && (f->tcp_flags & 2)) {
    return (f->tcp_flags & 18) != 18;
  }
  if (f->protocol != 6 && f->protocol != 17 && f->protocol != 132) return true;
  return f->srcport >= f->dstport;
}

static void classify(const mm_detect_flow *f, flow_ctx *c) {
  c->local_is_src = local_is_src(f);
  c->local = c->local_is_src ? &f->srcaddr : &f->dstaddr;
  c->remote = c->local_is_src ? &f->dstaddr : &f->srcaddr;
  c->lport = c->local_is_src ? f->srcport : f->dstport;
  c->rport = c->local_is_src ? f->dstport : f->srcport;
  c->outbound = src_initiated(f) == c->local_is_src;
  c->remote_public = !mm__net_is_private(c->remote);
  /* Clamped as the tables store times (1970-2106), so that both agree. */
  c->t = mm__net_sec(mm_detect_flow_has(f, MM_DETECT_FLOW_START) ? f->start : f->end);
  c->lkey = mm__net_ip_key(c->local);
  c->rkey = mm__net_ip_key(c->remote);
}

static const char *proto_name(uint8_t p, char *buf, size_t size) {
  switch (p) {
    case 1:
      return "ICMP";
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 58:
      return "ICMPv6";
    default:
      snprintf(buf, size, "%u", (unsigned)p);
      return buf;
  }
}

/* Emit a hit about c's instance. first: window start (s); count: events. */
static void emit_flow(flow_ctx *c, mm__net_type type, double sev, int64_t first, uint64_t count,
                      const char *fmt, ...) MM_PRINTF(6, 7);
static void emit_flow(flow_ctx *c, mm__net_type type, double sev, int64_t first, uint64_t count,
                      const char *fmt, ...) {
  char lb[MM_IP_TEXT_MAX], rb[MM_IP_TEXT_MAX], detail[160], pb[8];
  const mm_detect_flow *f = c->f;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  mm__detect_hit h;
  memset(&h, 0, sizeof h);
  h.type = type_names[type];
  h.severity = sev > 0 ? sev : type_sev[type];
  h.rule_id = type_rules[type];
  h.resource = MM__DETECT_RES_INSTANCE;
  h.local_ip = (mm_str){lb, mm_ip_format(c->local, lb, sizeof lb)};
  h.remote_ip = (mm_str){rb, mm_ip_format(c->remote, rb, sizeof rb)};
  h.resource_id =
      mm_detect_flow_has(f, MM_DETECT_FLOW_INSTANCE_ID)    ? f->text[MM_DETECT_FLOW_INSTANCE_ID]
      : mm_detect_flow_has(f, MM_DETECT_FLOW_INTERFACE_ID) ? f->text[MM_DETECT_FLOW_INTERFACE_ID]
                                                           : h.local_ip;
  h.action = mm_str_from(proto_name(f->protocol, pb, sizeof pb));
  h.local_port = c->lport;
  h.remote_port = c->rport;
  h.detail = mm_str_from(detail);
  h.first_seen = (first < c->t ? first : c->t) * MM_TIME_US_PER_SEC;
  h.last_seen = c->t * MM_TIME_US_PER_SEC;
  h.count = count ? count : 1;
  c->n->stats.hits++;
  c->fn(c->ud, &h);
}

/* A bit of a fired mask: a hit type not yet emitted this window? Marks it. */
static bool first_time(uint32_t *fired, mm__net_type type) {
  uint32_t bit = 1u << type;
  if (*fired & bit) return false;
  *fired |= bit;
  return true;
}

/* Emit type for a list match once per pair window. */
static void emit_list(flow_ctx *c, pair_e *p, mm__net_type type, const mm__intel_match *m) {
  if (!first_time(&p->fired, type)) return;
  emit_flow(c, type, 0, c->t, 1, "%s on list %.*s (%s)", c->outbound ? "outbound" : "inbound",
            (int)m->list.len, m->list.ptr, mm__intel_kind_name(m->kind));
}

/* Start a new window when t is past the current one; true when it did. */
static bool roll(uint32_t *win, int64_t t, uint32_t w) {
  if (t < (int64_t)*win + (int64_t)w) return false;
  *win = mm__net_sec(t);
  return true;
}

static pair_e *get_pair(flow_ctx *c) {
  bool fresh;
  pair_e *p = mm__net_tab_get(&c->n->pairs, mm__net_mix(c->lkey * 0x9e3779b97f4a7c15ull ^ c->rkey),
                              c->t, &fresh);
  if (!p) return NULL;
  if (fresh) {
    p->win = p->h.first;
  } else if (roll(&p->win, c->t, c->n->cfg.window_sec)) {
    uint32_t win = p->win;
    mm__net_head h = p->h;
    memset(p, 0, sizeof *p);
    p->h = h, p->win = win;
  }
  return p;
}

/* ---- threat lists -------------------------------------------------------------------------- */

static void tor_peer(flow_ctx *c, ent_e *e) {
  const mm__detect_net_config *cfg = &c->n->cfg;
  if (roll(&e->twin, c->t, cfg->window_sec)) {
    memset(&e->tor, 0, sizeof e->tor);
    e->tor_in = e->tor_out = e->tfired = 0;
  }
  (void)mm__net_sketch_add(&e->tor, mm__net_mix(c->rkey));
  if (c->outbound)
    e->tor_out = 1;
  else
    e->tor_in = 1;
  uint32_t peers = mm__net_sketch_count(&e->tor);
  if (!e->tfired && peers >= cfg->tor_relay_peers && e->tor_in && e->tor_out) {
    e->tfired = 1;
    emit_flow(c, MM__NET_TOR_RELAY, 0, e->twin, peers,
              "about %u Tor nodes, inbound and outbound, in %u s", (unsigned)peers,
              (unsigned)cfg->window_sec);
  }
}

/* Is the inbound connection to lport a probe of an unprotected port? */
static void port_probe(flow_ctx *c, pair_e *p, const mm__intel_match *m) {
  if (c->outbound || c->f->action != MM_DETECT_ACTION_ACCEPT) return;
  if (m->kind != MM__INTEL_MALICIOUS && m->kind != MM__INTEL_SCANNER) return; /* known scanners */
  mm__net_type t = c->lport == 8088 ? MM__NET_PORTPROBE_EMR : MM__NET_PORTPROBE;
  if (!first_time(&p->fired, t)) return;
  double sev = (c->lport == 9200 || c->lport == 9300) ? 8.0 : 0;
  emit_flow(c, t, sev, c->t, 1, "port %u accepted a connection from a host on list %.*s (%s)",
            (unsigned)c->lport, (int)m->list.len, m->list.ptr, mm__intel_kind_name(m->kind));
}

static void list_hits(flow_ctx *c, ent_e *e, pair_e *p, const mm__intel_match *m) {
  port_probe(c, p, m);
  if (m->kind == MM__INTEL_TOR) {
    emit_list(c, p, c->outbound ? MM__NET_TOR_CLIENT : MM__NET_TOR_CALLER, m);
    if (e) tor_peer(c, e);
    return;
  }
  if (m->kind == MM__INTEL_MALICIOUS && m->custom) {
    emit_list(c, p, MM__NET_CUSTOM_IP, m);
    return;
  }
  if (!c->outbound) return;
  static const struct {
    mm__intel_kind kind;
    mm__net_type type;
  } out_types[] = {{MM__INTEL_CNC, MM__NET_CNC},
                   {MM__INTEL_MINING, MM__NET_MINING},
                   {MM__INTEL_BLACKHOLE, MM__NET_BLACKHOLE},
                   {MM__INTEL_DROP, MM__NET_DROP}};
  for (size_t i = 0; i < sizeof out_types / sizeof out_types[0]; i++)
    if (out_types[i].kind == m->kind) emit_list(c, p, out_types[i].type, m);
}

/* ---- thresholds ------------------------------------------------------------------------------ */

static void brute_force(flow_ctx *c, pair_e *p) {
  uint16_t server = c->outbound ? c->rport : c->lport;
  if (server != 22 && server != 3389) return;
  uint16_t client = c->outbound ? c->lport : c->rport;
  if (c->outbound != c->local_is_src) return;       /* the client's records only */
  if (p->brute && client == p->brute_sport) return; /* the same connection */
  p->brute_sport = client;
  if (p->brute < UINT16_MAX) p->brute++;
  mm__net_type t = server == 22 ? MM__NET_SSH_BRUTE : MM__NET_RDP_BRUTE;
  if (p->brute < c->n->cfg.bruteforce_tries || !first_time(&p->fired, t)) return;
  emit_flow(c, t, c->outbound ? 8.0 : 2.0, p->win, p->brute,
            "%u connection attempts to port %u (%s)", (unsigned)p->brute, (unsigned)server,
            c->outbound ? "the instance is the actor" : "the instance is the target");
}

static void port_scan(flow_ctx *c, pair_e *p) {
  if (!mm__net_sketch_add(&p->ports, mm__net_mix(0x5ca11ull ^ c->rport))) return;
  uint32_t ports = mm__net_sketch_count(&p->ports);
  if (ports < c->n->cfg.portscan_ports || !first_time(&p->fired, MM__NET_PORTSCAN)) return;
  emit_flow(c, MM__NET_PORTSCAN, 0, p->win, ports, "about %u ports of one host in %u s",
            (unsigned)ports, (unsigned)c->n->cfg.window_sec);
}

static int dos_class(const flow_ctx *c) {
  static const uint16_t tcp_ports[] = {21,  22,  23,   25,   80,   110,  143,  443, 445,
                                       993, 995, 1433, 3306, 3389, 5432, 8080, 8443};
  uint8_t p = c->f->protocol;
  if ((p == 6 || p == 17) && c->rport == 53) return DOS_DNS;
  if (p == 6) return DOS_TCP;
  if (p == 17) {
    for (size_t i = 0; i < sizeof tcp_ports / sizeof tcp_ports[0]; i++)
      if (c->rport == tcp_ports[i]) return DOS_UDP_TCP;
    return DOS_UDP;
  }
  /* ICMP, ICMPv6, GRE, ESP, AH: usual on EC2; anything else is unusual. */
  if (p == 1 || p == 58 || p == 47 || p == 50 || p == 51) return -1;
  return DOS_UNUSUAL;
}

static void denial_of_service(flow_ctx *c, pair_e *p) {
  static const mm__net_type types[DOS_CLASSES] = {
      MM__NET_DOS_TCP, MM__NET_DOS_UDP, MM__NET_DOS_UDP_TCP, MM__NET_DOS_UNUSUAL, MM__NET_DOS_DNS};
  int k = dos_class(c);
  if (k < 0) return;
  uint64_t sum = (uint64_t)p->dos[k] + c->f->packets;
  p->dos[k] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
  uint64_t need = (uint64_t)c->n->cfg.dos_pps * c->n->cfg.window_sec;
  if (p->dos[k] < need || !first_time(&p->fired, types[k])) return;
  emit_flow(c, types[k], 0, p->win, p->dos[k], "%u packets to one public host in %u s",
            (unsigned)p->dos[k], (unsigned)c->n->cfg.window_sec);
}

static lport_e *get_lport(flow_ctx *c, bool *fresh) {
  lport_e *l = mm__net_tab_get(&c->n->lports,
                               mm__net_mix(c->lkey * 0xc2b2ae3d27d4eb4full ^ (0x10000u | c->rport)),
                               c->t, fresh);
  if (!l) return NULL;
  if (*fresh) {
    l->win = l->h.first;
  } else if (roll(&l->win, c->t, c->n->cfg.window_sec)) {
    l->fired = 0;
    memset(&l->hosts, 0, sizeof l->hosts);
  }
  return l;
}

/* PortSweep and Spambot: distinct remote hosts on one remote port. */
static void sweep(flow_ctx *c, lport_e *l) {
  const mm__detect_net_config *cfg = &c->n->cfg;
  if (!mm__net_sketch_add(&l->hosts, mm__net_mix(c->rkey))) return;
  uint32_t hosts = mm__net_sketch_count(&l->hosts);
  /* Spam: the window in which the instance first used port 25 (no history). */
  bool smtp = c->rport == 25 && c->f->protocol == 6;
  if (smtp && hosts >= cfg->spam_hosts && (int64_t)l->h.first + cfg->window_sec > l->win &&
      first_time(&l->fired, MM__NET_SPAMBOT))
    emit_flow(c, MM__NET_SPAMBOT, 0, l->win, hosts,
              "about %u mail servers on port 25 in %u s, no earlier port 25 traffic",
              (unsigned)hosts, (unsigned)cfg->window_sec);
  if (hosts >= cfg->sweep_hosts && first_time(&l->fired, MM__NET_PORTSWEEP))
    emit_flow(c, MM__NET_PORTSWEEP, 0, l->win, hosts, "port %u on about %u hosts in %u s",
              (unsigned)c->rport, (unsigned)hosts, (unsigned)cfg->window_sec);
}

/* NetworkPortUnusual: a remote server port first used after learning. */
static void port_unusual(flow_ctx *c, ent_e *e, bool fresh_port) {
  if (!fresh_port || e->nports >= MM_DETECT_NET_MAX_PORTS) return;
  e->nports++;
  if (c->t - (int64_t)e->h.first < (int64_t)c->n->cfg.learn_sec) return;
  emit_flow(c, MM__NET_PORT_UNUSUAL, 0, c->t, 1,
            "remote port %u: first use, %u ports known after learning", (unsigned)c->rport,
            (unsigned)e->nports - 1);
}

/* TrafficVolumeUnusual: bytes sent in a window against the instance's own
 * mean and standard deviation over its earlier windows. */
static void volume(flow_ctx *c, ent_e *e) {
  const mm__detect_net_config *cfg = &c->n->cfg;
  if (roll(&e->vwin, c->t, cfg->window_sec)) {
    double x = (double)e->vbytes, d = x - e->vmean;
    e->vn++;
    e->vmean += d / e->vn;
    e->vm2 += d * (x - e->vmean);
    e->vbytes = 0;
    e->vfired = 0;
  }
  e->vbytes += c->f->bytes;
  if (e->vfired || e->vn < cfg->volume_windows ||
      c->t - (int64_t)e->h.first < (int64_t)cfg->learn_sec)
    return;
  double sd = e->vn > 1 ? sqrt(e->vm2 / (e->vn - 1)) : 0;
  double limit = e->vmean + cfg->volume_sigma * sd;
  if ((double)e->vbytes <= limit || e->vbytes < cfg->volume_min_bytes) return;
  e->vfired = 1;
  emit_flow(c, MM__NET_VOLUME_UNUSUAL, 0, e->vwin, 1,
            "%llu bytes in %u s; baseline mean %.0f, stddev %.0f over %u windows",
            (unsigned long long)e->vbytes, (unsigned)cfg->window_sec, e->vmean, sd,
            (unsigned)e->vn);
}

/* ---- the entry point ----------------------------------------------------------------------------
 */

static ent_e *get_ent(flow_ctx *c) {
  bool fresh;
  ent_e *e = mm__net_tab_get(&c->n->ents, mm__net_mix(c->lkey), c->t, &fresh);
  if (e && fresh) e->vwin = e->twin = e->h.first;
  return e;
}

void mm__detect_net_flow(mm__detect_net *n, const mm_detect_flow *f, mm__detect_emit_fn emit,
                         void *ud) {
  n->stats.flows++;
  if (!mm_detect_flow_has(f, MM_DETECT_FLOW_SRCADDR) ||
      !mm_detect_flow_has(f, MM_DETECT_FLOW_DSTADDR) || f->log_status == MM_DETECT_STATUS_NODATA ||
      f->log_status == MM_DETECT_STATUS_SKIPDATA) {
    n->stats.skipped++;
    return;
  }
  flow_ctx c;
  c.f = f, c.n = n, c.fn = emit, c.ud = ud;
  classify(f, &c);
  const mm__intel *in = n->cfg.intel;
  mm__intel_match m;
  bool listed = false;
  if (in) {
    if (mm__intel_trusted_ip(in, c.remote)) return; /* trusted: no findings at all */
    listed = mm__intel_ip(in, c.remote, &m);
  }
  /* Table entries only where a detector needs them: an inbound record that
   * is not the instance's own traffic, not listed and not SSH/RDP needs none. */
  bool ssh_rdp = c.lport == 22 || c.lport == 3389 || c.rport == 22 || c.rport == 3389;
  /* DoS: traffic the instance sends on connections it opened (a server's
   * answers to its clients are not an attack). */
  bool dos = c.local_is_src && c.outbound && c.remote_public;
  ent_e *e = NULL;
  if (c.local_is_src || c.outbound || (listed && m.kind == MM__INTEL_TOR)) {
    if (!(e = get_ent(&c))) return;
  }
  if (listed || ssh_rdp || c.outbound || dos) {
    pair_e *p = get_pair(&c);
    if (!p) return;
    if (listed) list_hits(&c, e, p, &m);
    if (ssh_rdp) brute_force(&c, p);
    if (c.outbound) {
      bool fresh;
      port_scan(&c, p);
      lport_e *l = get_lport(&c, &fresh);
      if (l) {
        sweep(&c, l);
        port_unusual(&c, e, fresh);
      }
    }
    if (dos) denial_of_service(&c, p);
  }
  if (c.local_is_src) volume(&c, e);
}
