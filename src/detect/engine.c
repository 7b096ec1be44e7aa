/*
 * engine.c - the detection engine: every rule's patterns in one EventBridge
 * matcher (mamori/events.h), the rules evaluated on what it matched, then
 * threat lists, built-in checks and thresholds, and hits handed to the
 * finding store (findings.c).
 *
 * Per record the work is one mm_events_match call plus, for each rule that
 * had a leaf matched (or that is true with no leaf matched: "always"
 * rules), an evaluation of its condition tree. Nothing is allocated on that
 * path: the leaf bits, the rule stamps and the candidate list are sized at
 * build time; a threshold allocates only for a new group, the finding store
 * only for a new finding.
 *
 * Thresholds ("threshold": {count, window_sec, group_by, distinct}) keep,
 * per rule and group key, the times (and distinct-value hashes) of the last
 * events within the window; when `count` events (or distinct values) lie
 * within window_sec of each other the rule fires and the group starts over.
 * Windows are measured in event time, in either direction, so a log read
 * newest-first counts the same as oldest-first.
 */
#include "detect/rules_int.h"
#include "detect/intel.h"
#include "detect/net.h"

#include "mamori/alloc.h"
#include "mamori/hash.h"

#include <stdio.h>
#include <string.h>

/* One threshold group: the counted events still inside the window. */
typedef struct tslot {
  mm_time t;  /* event time */
  uint64_t v; /* distinct: hash of the value; else 0 */
} tslot;

typedef struct tgroup {
  uint64_t key; /* hash of (rule, group key); 0 = empty */
  uint32_t n;   /* slots used */
  tslot *s;     /* the rule's count slots (heap) */
} tgroup;

/* Instance-credential check state: per source IP, who used it. */
typedef struct ipuse {
  uint64_t key;  /* hash of the IP text; 0 = empty */
  uint32_t inst; /* instance credentials seen from it: index + 1 into ipinst, or 0 */
  bool user;     /* long-term user credentials (IAMUser, Root) called from it */
  bool reported; /* the instance credentials were reported */
} ipuse;

/* The instance session first seen calling from an IP (kept apart from the
 * table so that its slots stay small and cache-friendly). */
typedef struct ipinst {
  char key[48];  /* access key id */
  char arn[208]; /* session ARN */
} ipinst;

struct mm_detect_engine {
  mm_detect_rules *rules; /* owned */
  mm_events_matcher *m;   /* every leaf pattern; NULL when there is none */
  mm_events_ctx *ctx;     /* scratch for m */
  uint32_t *leaf_rule;    /* global leaf -> rule index */
  uint8_t *leafhit;       /* global leaf -> matched this record */
  uint32_t *stamp;        /* rule -> record stamp when it became a candidate */
  uint32_t cur;           /* this record's stamp */
  uint32_t *cands;        /* candidate rules of this record */
  uint32_t *always;       /* rules evaluated on every record */
  size_t nalways;
  tgroup *groups; /* open addressing, gcap slots */
  size_t gcap, gcount;
  uint64_t groups_dropped; /* times the table was cleared at MM_DETECT_MAX_GROUPS */
  ipuse *ips;              /* instance-credential check; NULL unless a rule needs it */
  size_t ipcount, ipcap;   /* used, allocated (a power of two) */
  ipinst *inst;            /* sessions, ninst used of instcap */
  size_t ninst, instcap;
  mm__intel *intel;    /* NULL: no lists */
  mm__detect_net *net; /* the flow and DNS detectors (net.c) */
  mm__findings *findings;
  size_t hits;                          /* of the current feed call */
  char action[256];                     /* scratch: "eventSource:eventName" */
  char ctx_account[32], ctx_region[32]; /* of the last flow or DNS record */
  char detail[128];                     /* scratch: threshold detail */
  /* One lookup per record: the intel rules of a record all ask about the
   * same field (sourceIPAddress), so its answer is kept for the record. */
  uint32_t intel_stamp;    /* e->cur when the fields below were filled */
  const char *intel_path;  /* the field looked up */
  bool intel_hit;          /* it is on a threat list */
  mm__intel_match intel_m; /* which, when intel_hit */
  mm_str intel_ip;         /* the field's text */
};

/* ---- building ------------------------------------------------------------------ */

static int compile_leaves(mm_detect_engine *e, mm_error *err) {
  mm_detect_rules *rs = e->rules;
  size_t total = 0;
  for (size_t i = 0; i < rs->n; i++) total += rs->v[i].nleaves;
  e->leaf_rule = mm_calloc(total ? total : 1, sizeof(*e->leaf_rule));
  e->leafhit = mm_calloc(total ? total : 1, 1);
  e->stamp = mm_calloc(rs->n ? rs->n : 1, sizeof(*e->stamp));
  e->cands = mm_calloc(rs->n ? rs->n : 1, sizeof(*e->cands));
  e->always = mm_calloc(rs->n ? rs->n : 1, sizeof(*e->always));
  mm_events_builder *b = mm_events_builder_new();
  if (!e->leaf_rule || !e->leafhit || !e->stamp || !e->cands || !e->always || !b) {
    mm_events_builder_free(b);
    return mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  uint32_t g = 0;
  int rc = MM_OK;
  for (size_t i = 0; i < rs->n && rc == MM_OK; i++) {
    mm__rule *r = &rs->v[i];
    r->leaf_base = g;
    if (r->always) e->always[e->nalways++] = (uint32_t)i;
    for (uint32_t k = 0; k < r->nleaves; k++, g++) {
      e->leaf_rule[g] = (uint32_t)i;
      mm_events_pattern *p = r->leaves[k];
      r->leaves[k] = NULL; /* the builder owns it from here, also on failure */
      if (rc == MM_OK)
        rc = mm_events_builder_add(b, mm_str_from(r->id), p, err);
      else
        mm_events_pattern_free(p);
    }
  }
  if (rc == MM_OK && g) {
    e->m = mm_events_compile(b, err);
    e->ctx = e->m ? mm_events_ctx_new(e->m) : NULL;
    if (!e->ctx) rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  mm_events_builder_free(b);
  return rc;
}

static bool needs_check(const mm_detect_rules *rs, mm__rule_check c) {
  for (size_t i = 0; rs && i < rs->n; i++)
    if (rs->v[i].check == c) return true;
  return false;
}

static int load_intel(mm_detect_engine *e, const mm_detect_engine_options *o, mm_error *err) {
  if (!o || (!o->intel_dir && !o->default_intel_dir)) return MM_OK;
  if (!(e->intel = mm__intel_new())) return mm_error_set(err, MM_ENOMEM, "out of memory");
  int rc = MM_OK;
  if (o->default_intel_dir) rc = mm__intel_add_dir(e->intel, o->default_intel_dir, false, err);
  if (rc == MM_OK && o->intel_dir) rc = mm__intel_add_dir(e->intel, o->intel_dir, true, err);
  if (rc == MM_OK) rc = mm__intel_compile(e->intel, err);
  return rc;
}

mm_detect_engine *mm_detect_engine_new(mm_detect_rules *rules, const mm_detect_engine_options *opt,
                                       mm_error *err) {
  mm_detect_engine *e = mm_calloc(1, sizeof(*e));
  if (!e) {
    mm_detect_rules_free(rules);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  e->rules = rules ? rules : mm_detect_rules_new();
  int rc = e->rules ? MM_OK : mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc == MM_OK) rc = compile_leaves(e, err);
  if (rc == MM_OK && needs_check(e->rules, MM__CHECK_INSTANCE_CREDS_OUTSIDE) &&
      !(e->ips = mm_calloc(e->ipcap = 1024, sizeof(*e->ips))))
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc == MM_OK) rc = load_intel(e, opt, err);
  if (rc == MM_OK) {
    mm__detect_net_config nc;
    memset(&nc, 0, sizeof(nc));
    nc.intel = e->intel;
    if (!(e->net = mm__detect_net_new(&nc))) rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  if (rc == MM_OK &&
      !(e->findings = mm__findings_new(opt ? opt->detector_id : NULL, opt ? opt->on_finding : NULL,
                                       opt ? opt->ud : NULL)))
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc != MM_OK) {
    mm_detect_engine_free(e);
    return NULL;
  }
  return e;
}

static void groups_clear(mm_detect_engine *e) {
  for (size_t i = 0; i < e->gcap; i++) {
    mm_free(e->groups[i].s);
    e->groups[i] = (tgroup){0, 0, NULL};
  }
  e->gcount = 0;
}

void mm_detect_engine_free(mm_detect_engine *e) {
  if (!e) return;
  groups_clear(e);
  mm_free(e->groups);
  mm_free(e->ips);
  mm_free(e->inst);
  mm_events_ctx_free(e->ctx);
  mm_events_matcher_free(e->m);
  mm_free(e->leaf_rule);
  mm_free(e->leafhit);
  mm_free(e->stamp);
  mm_free(e->cands);
  mm_free(e->always);
  mm__detect_net_free(e->net);
  mm__intel_free(e->intel);
  mm__findings_free(e->findings);
  mm_detect_rules_free(e->rules);
  mm_free(e);
}

size_t mm_detect_engine_rule_count(const mm_detect_engine *e) { return e ? e->rules->n : 0; }

int mm_detect_engine_rule(const mm_detect_engine *e, size_t i, mm_detect_rule_info *out) {
  return e ? mm_detect_rules_info(e->rules, i, out) : MM_ERANGE;
}

size_t mm_detect_engine_finding_count(const mm_detect_engine *e) {
  return e ? mm__findings_count(e->findings) : 0;
}

const mm_detect_finding *mm_detect_engine_finding(const mm_detect_engine *e, size_t i) {
  return e ? mm__findings_at(e->findings, i) : NULL;
}

/* ---- record fields --------------------------------------------------------------- */

static mm_str field_str(const mm_json_value *rec, const char *a, const char *b) {
  const mm_json_value *v = mm_json_get(rec, a);
  if (b) v = mm_json_get(v, b);
  return mm_json_get_str(v);
}

/* A leaf value as text (strings, numbers, literals); {NULL,0} otherwise. */
static mm_str value_text(const mm_json_value *v) {
  switch (mm_json_type_of(v)) {
    case MM_JSON_STRING:
      return mm_json_get_str(v);
    case MM_JSON_NUMBER:
      return mm_json_number_raw(v);
    case MM_JSON_BOOL:
      return mm_json_is_true(v) ? MM_STR("true") : MM_STR("false");
    case MM_JSON_NULL:
      return MM_STR("null");
    default:
      return (mm_str){NULL, 0};
  }
}

static uint64_t nonzero(uint64_t h) { return h ? h : 1; }

/* ---- emitting ---------------------------------------------------------------------- */

static mm_str resource_of(const mm__rule *r, const mm_json_value *rec) {
  if (r->resource == MM__DETECT_RES_S3_BUCKET) {
    mm_str b = field_str(rec, "requestParameters", "bucketName");
    if (b.ptr) return b;
  }
  mm_str k = field_str(rec, "userIdentity", "accessKeyId");
  if (k.len) return k;
  k = field_str(rec, "userIdentity", "arn");
  return k.len ? k : field_str(rec, "userIdentity", "principalId");
}

static void emit(mm_detect_engine *e, const mm__rule *r, const mm_detect_record *rec,
                 mm__detect_hit *h) {
  h->type = r->type;
  h->severity = r->severity;
  h->rule_id = r->id;
  h->resource = r->resource;
  h->rec = rec;
  if (!h->count) h->count = 1;
  if (!h->first_seen) h->first_seen = h->last_seen = rec->time;
  mm__findings_add(e->findings, h, r->title, r->description, r->author);
  e->hits++;
}

static void emit_cloudtrail(mm_detect_engine *e, const mm__rule *r, const mm_detect_record *rec,
                            mm__detect_hit *h) {
  const mm_json_value *v = rec->value;
  mm_str src = field_str(v, "eventSource", NULL), name = field_str(v, "eventName", NULL);
  size_t n = 0, cap = sizeof(e->action) / 2 - 1;
  if (src.len > cap) src.len = cap;
  if (name.len > cap) name.len = cap;
  if (src.len) memcpy(e->action, src.ptr, src.len), n = src.len;
  e->action[n++] = ':';
  if (name.len) memcpy(e->action + n, name.ptr, name.len), n += name.len;
  if (!h->resource_id.len) h->resource_id = resource_of(r, v);
  if (!h->principal.len) h->principal = field_str(v, "userIdentity", "arn");
  h->action = (mm_str){e->action, n};
  if (!h->remote_ip.len) h->remote_ip = field_str(v, "sourceIPAddress", NULL);
  emit(e, r, rec, h);
}

static void emit_rule(mm_detect_engine *e, const mm__rule *r, const mm_detect_record *rec,
                      mm__detect_hit *h) {
  if (rec->format == MM_DETECT_CLOUDTRAIL) {
    emit_cloudtrail(e, r, rec, h);
    return;
  }
  const mm_json_value *v = rec->value;
  if (rec->format == MM_DETECT_DNS) {
    h->domain = field_str(v, "query_name", NULL);
    h->local_ip = field_str(v, "srcaddr", NULL);
    if (!h->resource_id.len) h->resource_id = field_str(v, "srcids", "instance");
  } else {
    h->local_ip = field_str(v, "dstaddr", NULL);
    h->remote_ip = field_str(v, "srcaddr", NULL);
    if (!h->resource_id.len) h->resource_id = field_str(v, "instance-id", NULL);
    if (!h->resource_id.len) h->resource_id = field_str(v, "interface-id", NULL);
  }
  emit(e, r, rec, h);
}

/* ---- thresholds -------------------------------------------------------------------- */

static uint64_t group_key(const mm__rule *r, uint32_t ri, const mm_json_value *rec) {
  uint64_t h = mm_hash(&ri, sizeof(ri), 0x6a09e667f3bcc908ull);
  for (uint32_t i = 0; i < r->threshold.ngroup; i++) {
    mm_str s = value_text(mm__rule_path_get(&r->threshold.group_by[i], rec));
    if (s.len > MM_DETECT_MAX_GROUP_KEY) s.len = MM_DETECT_MAX_GROUP_KEY;
    h = mm_hash(s.ptr ? s.ptr : "", s.len, h ^ (i + 1));
  }
  return nonzero(h);
}

static int groups_grow(mm_detect_engine *e) {
  size_t cap = e->gcap ? e->gcap * 2 : 256;
  tgroup *g = mm_calloc(cap, sizeof(*g));
  if (!g) return MM_ENOMEM;
  for (size_t i = 0; i < e->gcap; i++) {
    if (!e->groups[i].key) continue;
    size_t j = e->groups[i].key & (cap - 1);
    while (g[j].key) j = (j + 1) & (cap - 1);
    g[j] = e->groups[i];
  }
  mm_free(e->groups);
  e->groups = g;
  e->gcap = cap;
  return MM_OK;
}

/* The group for key, created with room for count slots; NULL on no memory. */
static tgroup *group_get(mm_detect_engine *e, uint64_t key, uint32_t count) {
  if (e->gcount >= MM_DETECT_MAX_GROUPS) {
    groups_clear(e);
    e->groups_dropped++;
  }
  if ((e->gcount + 1) * 2 > e->gcap && groups_grow(e) != MM_OK) return NULL;
  size_t j = key & (e->gcap - 1);
  while (e->groups[j].key && e->groups[j].key != key) j = (j + 1) & (e->gcap - 1);
  tgroup *g = &e->groups[j];
  if (g->key) return g;
  if (!(g->s = mm_calloc(count, sizeof(*g->s)))) return NULL;
  g->key = key;
  g->n = 0;
  e->gcount++;
  return g;
}

static mm_time tabs(mm_time a, mm_time b) { return a > b ? a - b : b - a; }

/* Count this record in r's group; true when the threshold is reached, with
 * the window's first and last times in h. */
static bool threshold_feed(mm_detect_engine *e, const mm__rule *r, uint32_t ri,
                           const mm_detect_record *rec, mm__detect_hit *h) {
  const mm__rule_threshold *t = &r->threshold;
  uint64_t v = 0;
  if (t->distinct) {
    mm_str s = value_text(mm__rule_path_get(&t->field, rec->value));
    if (!s.ptr) return false; /* nothing to count */
    v = nonzero(mm_hash(s.ptr, s.len, 0x3c6ef372fe94f82bull));
  }
  tgroup *g = group_get(e, group_key(r, ri, rec->value), t->count);
  if (!g) return false;
  mm_time win = (mm_time)t->window_sec * MM_TIME_US_PER_SEC, now = rec->time;
  uint32_t k = 0;
  bool seen = false;
  for (uint32_t i = 0; i < g->n; i++) { /* drop what fell out of the window */
    if (tabs(g->s[i].t, now) > win) continue;
    if (v && g->s[i].v == v) seen = true, g->s[i].t = now;
    g->s[k++] = g->s[i];
  }
  g->n = k;
  if (!seen) g->s[g->n++] = (tslot){now, v};
  if (g->n < t->count) return false;
  mm_time lo = g->s[0].t, hi = g->s[0].t;
  for (uint32_t i = 1; i < g->n; i++) {
    if (g->s[i].t < lo) lo = g->s[i].t;
    if (g->s[i].t > hi) hi = g->s[i].t;
  }
  h->first_seen = lo, h->last_seen = hi, h->count = g->n;
  int n = snprintf(e->detail, sizeof(e->detail), "%u %s in %u s", g->n,
                   t->distinct ? "distinct values" : "events", t->window_sec);
  h->detail = (mm_str){e->detail, n > 0 ? (size_t)n : 0};
  g->n = 0;
  return true;
}

/* ---- threat lists -------------------------------------------------------------------- */

static void intel_lookup(mm_detect_engine *e, const mm__rule *r, const mm_json_value *rec) {
  mm_str s = mm_json_get_str(mm__rule_path_get(&r->intel.ip, rec));
  mm_ip_addr a;
  e->intel_stamp = e->cur;
  e->intel_path = r->intel.ip.text;
  e->intel_ip = s;
  e->intel_hit = s.ptr && mm_ip_parse(s.ptr, s.len, &a, NULL) == MM_OK &&
                 mm__intel_ip(e->intel, &a, &e->intel_m);
}

static bool intel_match(mm_detect_engine *e, const mm__rule *r, const mm_json_value *rec,
                        mm__detect_hit *h) {
  if (!e->intel) return false;
  if (e->intel_stamp != e->cur || strcmp(e->intel_path, r->intel.ip.text) != 0)
    intel_lookup(e, r, rec);
  const mm__intel_match *m = &e->intel_m;
  if (!e->intel_hit || !(r->intel.kinds & (1u << m->kind))) return false;
  if (r->intel.custom >= 0 && m->custom != (r->intel.custom == 1)) return false;
  h->list_name = m->list;
  h->remote_ip = e->intel_ip;
  return true;
}

/* GuardDuty generates no finding for activity from a trusted IP. */
static bool trusted_source(const mm_detect_engine *e, const mm_detect_record *rec) {
  if (!e->intel || rec->format != MM_DETECT_CLOUDTRAIL) return false;
  mm_str s = field_str(rec->value, "sourceIPAddress", NULL);
  mm_ip_addr a;
  return s.ptr && mm_ip_parse(s.ptr, s.len, &a, NULL) == MM_OK &&
         mm__intel_trusted_ip(e->intel, &a);
}

/* ---- built-in checks ------------------------------------------------------------------ */

/* Credentials delivered to an EC2 instance by its instance profile: an
 * assumed-role session whose context says ec2RoleDelivery, or whose session
 * name is an instance id ("AROA...:i-0123..."). */
static bool instance_creds(const mm_json_value *rec) {
  const mm_json_value *ui = mm_json_get(rec, "userIdentity");
  if (!mm_str_eq(mm_json_get_str(mm_json_get(ui, "type")), MM_STR("AssumedRole"))) return false;
  if (mm_json_get(mm_json_get(ui, "sessionContext"), "ec2RoleDelivery")) return true;
  mm_str p = mm_json_get_str(mm_json_get(ui, "principalId"));
  const char *colon = p.ptr ? memchr(p.ptr, ':', p.len) : NULL;
  return colon && (size_t)(p.ptr + p.len - colon) > 3 && colon[1] == 'i' && colon[2] == '-';
}

static void ips_clear(mm_detect_engine *e) {
  memset(e->ips, 0, e->ipcap * sizeof(*e->ips));
  e->ipcount = e->ninst = 0;
}

static bool ips_grow(mm_detect_engine *e) {
  size_t cap = e->ipcap * 2;
  ipuse *t = mm_calloc(cap, sizeof(*t));
  if (!t) return false;
  for (size_t i = 0; i < e->ipcap; i++) {
    if (!e->ips[i].key) continue;
    size_t j = e->ips[i].key & (cap - 1);
    while (t[j].key) j = (j + 1) & (cap - 1);
    t[j] = e->ips[i];
  }
  mm_free(e->ips);
  e->ips = t, e->ipcap = cap;
  return true;
}

/* The slot for ip, created when new; NULL when memory runs out. */
static ipuse *ip_slot(mm_detect_engine *e, mm_str ip) {
  if (e->ipcount >= MM_DETECT_MAX_IP_STATE) ips_clear(e);
  if ((e->ipcount + 1) * 2 > e->ipcap && !ips_grow(e)) return NULL;
  uint64_t key = nonzero(mm_hash(ip.ptr, ip.len, 0xbb67ae8584caa73bull));
  size_t j = key & (e->ipcap - 1);
  while (e->ips[j].key && e->ips[j].key != key) j = (j + 1) & (e->ipcap - 1);
  if (!e->ips[j].key) e->ips[j].key = key, e->ipcount++;
  return &e->ips[j];
}

/* A new instance session record; NULL when memory runs out. */
static ipinst *inst_new(mm_detect_engine *e, uint32_t *index) {
  if (e->ninst == e->instcap) {
    size_t cap = e->instcap ? e->instcap * 2 : 64;
    ipinst *v = mm_realloc(e->inst, cap * sizeof(*v));
    if (!v) return NULL;
    e->inst = v, e->instcap = cap;
  }
  *index = (uint32_t)++e->ninst;
  return &e->inst[e->ninst - 1];
}

static void copy_str(char *dst, size_t size, mm_str s) {
  size_t n = s.len < size - 1 ? s.len : size - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = '\0';
}

/* Learn who calls from this record's source IP. A user record from an IP
 * that instance credentials used earlier fires the check's rules with the
 * stored instance session (the log may be read in either order). This runs
 * on every CloudTrail record when a rule uses the check, so it looks up
 * each field once and hashes the address text instead of parsing it. */
static void observe_ip(mm_detect_engine *e, const mm_detect_record *rec) {
  const mm_json_value *v = rec->value, *ui = mm_json_get(v, "userIdentity");
  mm_str type = mm_json_get_str(mm_json_get(ui, "type"));
  bool user = mm_str_eq(type, MM_STR("IAMUser")) || mm_str_eq(type, MM_STR("Root"));
  if (!user && !mm_str_eq(type, MM_STR("AssumedRole"))) return;
  mm_str ip = field_str(v, "sourceIPAddress", NULL);
  if (!ip.len) return;
  if (!user) {
    mm_ip_addr a;
    if (!instance_creds(v) || mm_ip_parse(ip.ptr, ip.len, &a, NULL) != MM_OK) return;
    ipuse *u = ip_slot(e, ip);
    ipinst *s;
    if (!u || u->inst || !(s = inst_new(e, &u->inst))) return;
    copy_str(s->key, sizeof(s->key), mm_json_get_str(mm_json_get(ui, "accessKeyId")));
    copy_str(s->arn, sizeof(s->arn), mm_json_get_str(mm_json_get(ui, "arn")));
    return;
  }
  ipuse *u = ip_slot(e, ip);
  if (!u) return;
  u->user = true;
  if (!u->inst || u->reported) return;
  u->reported = true;
  const ipinst *s = &e->inst[u->inst - 1];
  for (size_t i = 0; i < e->rules->n; i++) {
    const mm__rule *r = &e->rules->v[i];
    if (r->check != MM__CHECK_INSTANCE_CREDS_OUTSIDE) continue;
    mm__detect_hit h = {0};
    /* bounded: gcc -O3 cannot see that u->inst > 0 here */
    h.resource_id = (mm_str){s->key, strnlen(s->key, sizeof(s->key))};
    h.principal = (mm_str){s->arn, strnlen(s->arn, sizeof(s->arn))};
    h.detail = MM_STR("instance credentials used from an IP that IAM user credentials also use");
    emit_cloudtrail(e, r, rec, &h);
  }
}

static bool check_outside(mm_detect_engine *e, const mm_detect_record *rec, mm__detect_hit *h) {
  if (!e->ips || !instance_creds(rec->value)) return false;
  mm_str ip = field_str(rec->value, "sourceIPAddress", NULL);
  mm_ip_addr a;
  if (!ip.ptr || mm_ip_parse(ip.ptr, ip.len, &a, NULL) != MM_OK) return false;
  ipuse *u = ip_slot(e, ip);
  if (!u || !u->user || u->reported) return false;
  u->reported = true;
  h->detail = MM_STR("instance credentials used from an IP that IAM user credentials also use");
  return true;
}

/* Called through a VPC endpoint of another account: the credentials are
 * used from inside AWS, but not from the account the instance runs in. */
static bool check_inside(const mm_detect_record *rec, mm__detect_hit *h) {
  const mm_json_value *v = rec->value;
  if (!instance_creds(v)) return false;
  mm_str ep = field_str(v, "vpcEndpointAccountId", NULL);
  mm_str acct = field_str(v, "recipientAccountId", NULL);
  if (!acct.len) acct = field_str(v, "userIdentity", "accountId");
  if (!ep.len || !acct.len || mm_str_eq(ep, acct)) return false;
  h->detail = MM_STR("instance credentials used through another account's VPC endpoint");
  return true;
}

/* The request names a user other than the caller (CreateAccessKey for
 * someone else: a backdoor key). A caller that is not an IAM user (a role)
 * always differs. */
static bool check_other_principal(const mm_detect_record *rec) {
  mm_str target = field_str(rec->value, "requestParameters", "userName");
  if (!target.len) return false;
  return !mm_str_eq(target, field_str(rec->value, "userIdentity", "userName"));
}

/* A policy principal that is everyone: "*", {"AWS": "*"} or {"AWS": [.., "*"]}. */
static bool principal_anyone(const mm_json_value *p) {
  if (mm_str_eq(mm_json_get_str(p), MM_STR("*"))) return true;
  const mm_json_value *aws = mm_json_get(p, "AWS");
  if (mm_str_eq(mm_json_get_str(aws), MM_STR("*"))) return true;
  mm_json_iter it = mm_json_iter_init(mm_json_is_array(aws) ? aws : NULL);
  const mm_json_value *v;
  while (mm_json_iter_next(&it, NULL, &v))
    if (mm_str_eq(mm_json_get_str(v), MM_STR("*"))) return true;
  return false;
}

static bool anonymous_statement(const mm_json_value *st) {
  return mm_str_eq(mm_json_get_str(mm_json_get(st, "Effect")), MM_STR("Allow")) &&
         principal_anyone(mm_json_get(st, "Principal")) && !mm_json_get(st, "Condition");
}

/* The bucket policy put has a statement that allows everyone with no
 * Condition ("Policy:S3/BucketAnonymousAccessGranted"). The pattern cannot
 * say it: EventBridge fields are matched on their own, not per statement,
 * and "exists" sees leaves, not objects. */
static bool check_anonymous_policy(const mm_detect_record *rec) {
  const mm_json_value *st = mm_json_get(
      mm_json_get(mm_json_get(rec->value, "requestParameters"), "bucketPolicy"), "Statement");
  if (mm_json_is_object(st)) return anonymous_statement(st);
  mm_json_iter it = mm_json_iter_init(mm_json_is_array(st) ? st : NULL);
  const mm_json_value *v;
  while (mm_json_iter_next(&it, NULL, &v))
    if (anonymous_statement(v)) return true;
  return false;
}

static bool run_check(mm_detect_engine *e, const mm__rule *r, const mm_detect_record *rec,
                      mm__detect_hit *h) {
  switch (r->check) {
    case MM__CHECK_NONE:
      return true;
    case MM__CHECK_INSTANCE_CREDS_OUTSIDE:
      return check_outside(e, rec, h);
    case MM__CHECK_INSTANCE_CREDS_INSIDE:
      return check_inside(rec, h);
    case MM__CHECK_CROSS_PRINCIPAL:
      return check_other_principal(rec);
    case MM__CHECK_ANONYMOUS_POLICY:
      return check_anonymous_policy(rec);
  }
  return false;
}

/* ---- feeding ------------------------------------------------------------------------- */

static void fire(mm_detect_engine *e, uint32_t ri, const mm_detect_record *rec) {
  const mm__rule *r = &e->rules->v[ri];
  mm__detect_hit h;
  memset(&h, 0, sizeof(h));
  if (r->has_intel && !intel_match(e, r, rec->value, &h)) return;
  if (!run_check(e, r, rec, &h)) return;
  if (r->has_threshold && !threshold_feed(e, r, ri, rec, &h)) return;
  emit_rule(e, r, rec, &h);
}

static void add_candidate(mm_detect_engine *e, uint32_t ri, size_t *nc) {
  if (e->stamp[ri] == e->cur) return;
  e->stamp[ri] = e->cur;
  e->cands[(*nc)++] = ri;
}

static void next_stamp(mm_detect_engine *e) {
  if (++e->cur == 0) { /* wrapped: forget every old stamp */
    memset(e->stamp, 0, e->rules->n * sizeof(*e->stamp));
    e->intel_stamp = 0;
    e->cur = 1;
  }
}

static void run_rules(mm_detect_engine *e, const mm_detect_record *rec) {
  const uint32_t *idx = NULL;
  size_t n = e->m ? mm_events_match(e->m, e->ctx, rec->value, &idx) : 0, nc = 0;
  next_stamp(e);
  for (size_t i = 0; i < n; i++) {
    e->leafhit[idx[i]] = 1;
    add_candidate(e, e->leaf_rule[idx[i]], &nc);
  }
  for (size_t i = 0; i < e->nalways; i++) add_candidate(e, e->always[i], &nc);
  for (size_t i = 0; i < nc; i++) {
    const mm__rule *r = &e->rules->v[e->cands[i]];
    if (r->source == rec->format && mm__rule_eval(r, e->leafhit + r->leaf_base, rec->value))
      fire(e, e->cands[i], rec);
  }
  for (size_t i = 0; i < n; i++) e->leafhit[idx[i]] = 0;
}

/* Remember the account and region of flow and DNS records for the hits net.c
 * reports without a record; copied only when they change. */
static void note_context(mm_detect_engine *e, mm_str account, mm_str region) {
  if (mm_str_eq(account, (mm_str){e->ctx_account, strlen(e->ctx_account)}) &&
      mm_str_eq(region, (mm_str){e->ctx_region, strlen(e->ctx_region)}))
    return;
  size_t a = account.len < sizeof(e->ctx_account) - 1 ? account.len : sizeof(e->ctx_account) - 1;
  size_t r = region.len < sizeof(e->ctx_region) - 1 ? region.len : sizeof(e->ctx_region) - 1;
  if (a) memcpy(e->ctx_account, account.ptr, a);
  if (r) memcpy(e->ctx_region, region.ptr, r);
  e->ctx_account[a] = e->ctx_region[r] = '\0';
  mm__findings_context(e->findings, account, region);
}

/* A hit from the flow and DNS detectors (net.c). */
static void net_emit(void *ud, const mm__detect_hit *hit) {
  mm_detect_engine *e = ud;
  mm__findings_add(e->findings, hit, NULL, NULL, "mamori");
  e->hits++;
}

size_t mm_detect_engine_feed(mm_detect_engine *e, const mm_detect_record *rec) {
  if (!e || !rec) return 0;
  e->hits = 0;
  if (rec->format == MM_DETECT_FLOW && rec->flow) {
    note_context(e, rec->flow->text[MM_DETECT_FLOW_ACCOUNT_ID],
                 rec->flow->text[MM_DETECT_FLOW_REGION]);
    mm__detect_net_flow(e->net, rec->flow, net_emit, e);
  }
  if (rec->format == MM_DETECT_DNS) {
    note_context(e, field_str(rec->value, "account_id", NULL),
                 field_str(rec->value, "region", NULL));
    mm__detect_net_dns(e->net, rec, net_emit, e);
  }
  if (!rec->value) return e->hits;
  if (trusted_source(e, rec)) return 0;
  if (e->ips && rec->format == MM_DETECT_CLOUDTRAIL) observe_ip(e, rec);
  run_rules(e, rec);
  return e->hits;
}

void mm_detect_engine_flush(mm_detect_engine *e) {
  if (e) mm__detect_net_flush(e->net, net_emit, e);
}
