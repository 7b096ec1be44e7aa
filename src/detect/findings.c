/*
 * findings.c - hits become GuardDuty findings: aggregated by finding id,
 * written as GuardDuty's finding JSON, as ASFF, or in an EventBridge
 * envelope.
 *
 * Shapes:
 *  - GuardDuty: "Finding details" and the Finding object of the GuardDuty
 *    API (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html):
 *    schemaVersion "2.0", accountId, region, partition, id, arn, type,
 *    resource {resourceType, accessKeyDetails | instanceDetails |
 *    s3BucketDetails}, service {serviceName "guardduty", detectorId, action
 *    {actionType, awsApiCallAction | networkConnectionAction |
 *    portProbeAction | dnsRequestAction}, evidence, archived, count,
 *    eventFirstSeen, eventLastSeen, resourceRole}, severity, createdAt,
 *    updatedAt, title, description.
 *  - ASFF: "AWS Security Finding Format (ASFF)" in the Security Hub User
 *    Guide, every required attribute (SchemaVersion 2018-10-08, Id,
 *    ProductArn, GeneratorId, AwsAccountId, Types, CreatedAt, UpdatedAt,
 *    Severity, Title, Description, Resources). Types put the finding type
 *    under the ASFF namespace/category of its threat purpose, with "/"
 *    written "-" as Security Hub shows GuardDuty types
 *    ("TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled").
 *    Severity.Label follows GuardDuty's bands (Low 1.0-3.9, Medium 4.0-6.9,
 *    High 7.0-8.9, Critical 9.0-10.0) and Normalized is severity x 10, which
 *    puts it in ASFF's band for the same label.
 *  - EventBridge: {"version":"0","id","detail-type":"GuardDuty Finding",
 *    "source":"aws.guardduty","account","time","region","resources":[],
 *    "detail": <finding>} ("GuardDuty finding events", EventBridge).
 *
 * Aggregation ("Finding aggregation" in the GuardDuty User Guide): a hit
 * with the same type, rule, resource, principal, addresses, domain and list
 * as an earlier one is a repeat: service.count grows, eventLastSeen (and
 * updatedAt) move. Times are event times, so a replayed log gives the same
 * findings every time.
 */
#include "detect/rules_int.h"

#include "mamori/alloc.h"
#include "mamori/hash.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct mm_detect_finding {
  char id[33];                /* 32 hex digits */
  char detector[33];          /* detectorId */
  const char *type, *rule_id; /* arena copies */
  const char *title, *description, *author;
  double severity;
  mm__detect_resource resource;
  mm_detect_format source; /* the record's format */
  const char *resource_id, *principal, *remote_ip, *local_ip, *domain, *list_name, *detail;
  const char *api, *service, *account, *region, *partition, *user_agent, *error_code;
  const char *user_name, *principal_id, *user_type, *bucket, *direction;
  uint16_t local_port, remote_port;
  int protocol; /* IANA number, -1 unknown */
  bool blocked; /* flow: REJECT */
  uint64_t count;
  mm_time first_seen, last_seen;
};

struct mm__findings {
  mm_arena arena;        /* findings and their strings */
  mm_detect_finding **v; /* in creation order (heap) */
  size_t n, cap;
  mm_map ids;              /* id -> finding */
  const char *detector_id; /* fixed detectorId, or NULL */
  mm_detect_finding_fn fn;
  void *ud;
  char account[32], region[32]; /* mm__findings_context */
};

mm__findings *mm__findings_new(const char *detector_id, mm_detect_finding_fn fn, void *ud) {
  mm__findings *fs = mm_calloc(1, sizeof(*fs));
  if (!fs) return NULL;
  mm_arena_init(&fs->arena, 0);
  mm_map_init(&fs->ids, false);
  fs->fn = fn, fs->ud = ud;
  if (detector_id &&
      !(fs->detector_id = mm_arena_strndup(&fs->arena, detector_id, strlen(detector_id)))) {
    mm__findings_free(fs);
    return NULL;
  }
  return fs;
}

void mm__findings_free(mm__findings *fs) {
  if (!fs) return;
  mm_free(fs->v);
  mm_map_free(&fs->ids);
  mm_arena_destroy(&fs->arena);
  mm_free(fs);
}

static void copy_small(char *dst, size_t size, mm_str s) {
  size_t n = s.len < size - 1 ? s.len : size - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = '\0';
}

void mm__findings_context(mm__findings *fs, mm_str account, mm_str region) {
  copy_small(fs->account, sizeof(fs->account), account);
  copy_small(fs->region, sizeof(fs->region), region);
}

size_t mm__findings_count(const mm__findings *fs) { return fs ? fs->n : 0; }
const mm_detect_finding *mm__findings_at(const mm__findings *fs, size_t i) {
  return fs && i < fs->n ? fs->v[i] : NULL;
}

/* ---- building a finding ------------------------------------------------------------ */

static void hex128(char out[33], uint64_t a, uint64_t b) {
  snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static uint64_t mix(uint64_t h, mm_str s) { return mm_hash(s.ptr ? s.ptr : "", s.len, h); }

static void finding_id(const mm__detect_hit *h, char out[33]) {
  mm_str parts[] = {mm_str_from(h->type),
                    mm_str_from(h->rule_id),
                    h->resource_id,
                    h->principal,
                    h->remote_ip,
                    h->local_ip,
                    h->domain,
                    h->list_name};
  uint64_t a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
  for (size_t i = 0; i < MM_ARRAY_LEN(parts); i++) {
    a = mix(a ^ i, parts[i]);
    b = mix(b + i, parts[i]);
  }
  hex128(out, a, b);
}

static const char *dup(mm__findings *fs, mm_str s) {
  const char *r = mm_arena_strndup(&fs->arena, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
  return r ? r : "";
}

static mm_str jstr(const mm_json_value *v, const char *a, const char *b) {
  v = mm_json_get(v, a);
  if (b) v = mm_json_get(v, b);
  return mm_json_get_str(v);
}

static mm_str first_of(mm_str a, mm_str b) { return a.len ? a : b; }

/* "aws", "aws-cn", "aws-us-gov" from an ARN; "aws" when there is none. */
static mm_str partition_of(mm_str arn) {
  if (arn.len < 5 || memcmp(arn.ptr, "arn:", 4) != 0) return MM_STR("aws");
  const char *end = memchr(arn.ptr + 4, ':', arn.len - 4);
  return end ? (mm_str){arn.ptr + 4, (size_t)(end - arn.ptr - 4)} : MM_STR("aws");
}

static void fill_cloudtrail(mm__findings *fs, mm_detect_finding *f, const mm__detect_hit *h,
                            const mm_json_value *v) {
  f->api = dup(fs, jstr(v, "eventName", NULL));
  f->service = dup(fs, jstr(v, "eventSource", NULL));
  f->account =
      dup(fs, first_of(jstr(v, "recipientAccountId", NULL), jstr(v, "userIdentity", "accountId")));
  f->region = dup(fs, jstr(v, "awsRegion", NULL));
  f->partition = dup(fs, partition_of(first_of(h->principal, jstr(v, "userIdentity", "arn"))));
  f->user_agent = dup(fs, jstr(v, "userAgent", NULL));
  f->error_code = dup(fs, jstr(v, "errorCode", NULL));
  f->bucket = dup(fs, jstr(v, "requestParameters", "bucketName"));
  /* The identity is the record's unless the hit is about other credentials
   * (the instance-credential check reports a stored session). */
  bool own = mm_str_eq(h->resource_id, jstr(v, "userIdentity", "accessKeyId")) ||
             mm_str_eq(h->principal, jstr(v, "userIdentity", "arn"));
  const mm_json_value *ui = mm_json_get(v, "userIdentity");
  mm_str name = jstr(ui, "userName", NULL);
  if (!name.len) name = jstr(mm_json_get(ui, "sessionContext"), "sessionIssuer", "userName");
  f->user_name = own ? dup(fs, name) : "";
  f->principal_id = own ? dup(fs, jstr(ui, "principalId", NULL)) : "";
  f->user_type = own ? dup(fs, jstr(ui, "type", NULL)) : "AssumedRole";
}

static void fill_network(mm__findings *fs, mm_detect_finding *f, const mm__detect_hit *h,
                         const mm_detect_record *rec) {
  const mm_json_value *v = rec->value;
  if (rec->format == MM_DETECT_DNS) {
    f->account = dup(fs, jstr(v, "account_id", NULL));
    f->region = dup(fs, jstr(v, "region", NULL));
    f->direction = "OUTBOUND";
    f->protocol = 17;
    return;
  }
  const mm_detect_flow *fl = rec->flow;
  f->account = dup(fs, v    ? jstr(v, "account-id", NULL)
                       : fl ? fl->text[MM_DETECT_FLOW_ACCOUNT_ID]
                            : MM_STR(""));
  f->region = dup(fs, v    ? jstr(v, "region", NULL)
                      : fl ? fl->text[MM_DETECT_FLOW_REGION]
                           : MM_STR(""));
  if (fl) {
    f->protocol = fl->protocol;
    f->blocked = fl->action == MM_DETECT_ACTION_REJECT;
  }
  f->direction =
      h->local_port && h->remote_port && h->local_port < h->remote_port ? "INBOUND" : "OUTBOUND";
}

static mm_detect_finding *create(mm__findings *fs, const mm__detect_hit *h, const char *id,
                                 const char *title, const char *description, const char *author) {
  mm_detect_finding *f = mm_arena_calloc(&fs->arena, 1, sizeof(*f));
  if (!f) return NULL;
  memcpy(f->id, id, 33);
  f->type = dup(fs, mm_str_from(h->type));
  f->rule_id = dup(fs, mm_str_from(h->rule_id));
  f->title = dup(fs, mm_str_from(title && *title ? title : h->type));
  f->description = dup(fs, mm_str_from(description ? description : ""));
  f->author = dup(fs, mm_str_from(author ? author : ""));
  f->severity = h->severity;
  f->resource = h->resource;
  f->resource_id = dup(fs, h->resource_id);
  f->principal = dup(fs, h->principal);
  f->remote_ip = dup(fs, h->remote_ip);
  f->local_ip = dup(fs, h->local_ip);
  f->domain = dup(fs, h->domain);
  f->list_name = dup(fs, h->list_name);
  f->detail = dup(fs, h->detail);
  f->local_port = h->local_port, f->remote_port = h->remote_port;
  f->protocol = -1;
  f->api = f->service = f->account = f->region = f->partition = f->user_agent = "";
  f->error_code = f->user_name = f->principal_id = f->user_type = f->bucket = f->direction = "";
  f->source = h->rec ? h->rec->format : MM_DETECT_FLOW;
  if (h->rec && h->rec->format == MM_DETECT_CLOUDTRAIL)
    fill_cloudtrail(fs, f, h, h->rec->value);
  else if (h->rec)
    fill_network(fs, f, h, h->rec);
  if (!f->partition[0]) f->partition = "aws";
  if (!f->account[0] && fs->account[0]) f->account = dup(fs, mm_str_from(fs->account));
  if (!f->region[0] && fs->region[0]) f->region = dup(fs, mm_str_from(fs->region));
  if (!f->account[0]) f->account = "000000000000";
  if (!f->region[0]) f->region = "us-east-1";
  return f;
}

static void set_detector(const mm__findings *fs, mm_detect_finding *f) {
  if (fs->detector_id) {
    snprintf(f->detector, sizeof(f->detector), "%s", fs->detector_id);
    return;
  }
  mm_str a = mm_str_from(f->account), r = mm_str_from(f->region);
  hex128(f->detector, mix(mix(0x452821e638d01377ull, a), r), mix(mix(0xbe5466cf34e90c6cull, r), a));
}

static int keep(mm__findings *fs, mm_detect_finding *f) {
  if (fs->n == fs->cap) {
    size_t cap = fs->cap ? fs->cap * 2 : 64;
    mm_detect_finding **v = mm_realloc(fs->v, cap * sizeof(*v));
    if (!v) return MM_ENOMEM;
    fs->v = v, fs->cap = cap;
  }
  if (mm_map_put(&fs->ids, mm_str_from(f->id), f, NULL) != MM_OK) return MM_ENOMEM;
  fs->v[fs->n++] = f;
  return MM_OK;
}

void mm__findings_add(mm__findings *fs, const mm__detect_hit *h, const char *title,
                      const char *description, const char *author) {
  char id[33];
  finding_id(h, id);
  mm_detect_finding *f = mm_map_get(&fs->ids, (mm_str){id, 32});
  if (f) {
    f->count += h->count ? h->count : 1;
    if (h->first_seen && (!f->first_seen || h->first_seen < f->first_seen))
      f->first_seen = h->first_seen;
    if (h->last_seen > f->last_seen) f->last_seen = h->last_seen;
    if (fs->fn) fs->fn(fs->ud, f, false);
    return;
  }
  if (!(f = create(fs, h, id, title, description, author))) return;
  f->count = h->count ? h->count : 1;
  f->first_seen = h->first_seen, f->last_seen = h->last_seen;
  set_detector(fs, f);
  if (fs->n < MM_DETECT_MAX_FINDINGS) (void)keep(fs, f);
  if (fs->fn) fs->fn(fs->ud, f, true);
}

/* ---- accessors -------------------------------------------------------------------------- */

const char *mm_detect_finding_id(const mm_detect_finding *f) { return f->id; }
const char *mm_detect_finding_type(const mm_detect_finding *f) { return f->type; }
const char *mm_detect_finding_rule(const mm_detect_finding *f) { return f->rule_id; }
double mm_detect_finding_severity(const mm_detect_finding *f) { return f->severity; }
uint64_t mm_detect_finding_count(const mm_detect_finding *f) { return f->count; }
const char *mm_detect_finding_resource(const mm_detect_finding *f) { return f->resource_id; }
mm_time mm_detect_finding_first_seen(const mm_detect_finding *f) { return f->first_seen; }
mm_time mm_detect_finding_last_seen(const mm_detect_finding *f) { return f->last_seen; }

const char *mm_detect_severity_label(double s) {
  if (s >= 9.0) return "CRITICAL";
  if (s >= 7.0) return "HIGH";
  if (s >= 4.0) return "MEDIUM";
  if (s >= 1.0) return "LOW";
  return "INFORMATIONAL";
}

/* ---- writing: helpers --------------------------------------------------------------------- */

static void kv(mm_json_writer *w, const char *k, const char *v) {
  mm_json_write_key(w, k, strlen(k));
  mm_json_write_string(w, v, strlen(v));
}

static void kv_opt(mm_json_writer *w, const char *k, const char *v) {
  if (v && v[0]) kv(w, k, v);
}

static void kv_time(mm_json_writer *w, const char *k, mm_time t, mm_time_style style) {
  char buf[MM_TIME_FORMAT_MAX];
  if (!mm_time_format(t, style, buf, sizeof(buf))) buf[0] = '\0';
  kv(w, k, buf);
}

static void key(mm_json_writer *w, const char *k) { mm_json_write_key(w, k, strlen(k)); }

static void ip_details(mm_json_writer *w, const char *k, const char *ip) {
  key(w, k);
  mm_json_write_object_begin(w);
  kv(w, strchr(ip, ':') ? "ipAddressV6" : "ipAddressV4", ip);
  mm_json_write_object_end(w);
}

static void port_details(mm_json_writer *w, const char *k, uint16_t port) {
  key(w, k);
  mm_json_write_object_begin(w);
  key(w, "port");
  mm_json_write_uint64(w, port);
  mm_json_write_object_end(w);
}

static const char *protocol_name(int p) {
  return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 1 ? "ICMP" : "Unknown";
}

static void arn(const mm_detect_finding *f, mm_buf *b) {
  mm_buf_printf(b, "arn:%s:guardduty:%s:%s:detector/%s/finding/%s", f->partition, f->region,
                f->account, f->detector, f->id);
}

/* ---- writing: resource ---------------------------------------------------------------------- */

static void access_key_details(mm_json_writer *w, const mm_detect_finding *f) {
  key(w, "accessKeyDetails");
  mm_json_write_object_begin(w);
  kv(w, "accessKeyId", f->resource == MM__DETECT_RES_ACCESS_KEY ? f->resource_id : "");
  kv(w, "principalId", f->principal_id);
  kv(w, "userName", f->user_name);
  kv(w, "userType", f->user_type);
  mm_json_write_object_end(w);
}

static void write_resource(mm_json_writer *w, const mm_detect_finding *f) {
  key(w, "resource");
  mm_json_write_object_begin(w);
  kv(w, "resourceType", mm__rule_resource_name(f->resource));
  if (f->resource == MM__DETECT_RES_INSTANCE) {
    key(w, "instanceDetails");
    mm_json_write_object_begin(w);
    bool eni = strncmp(f->resource_id, "eni-", 4) == 0;
    if (!eni) kv(w, "instanceId", f->resource_id);
    key(w, "networkInterfaces");
    mm_json_write_array_begin(w);
    mm_json_write_object_begin(w);
    if (eni) kv(w, "networkInterfaceId", f->resource_id);
    kv_opt(w, "privateIpAddress", f->local_ip);
    mm_json_write_object_end(w);
    mm_json_write_array_end(w);
    mm_json_write_object_end(w);
  } else {
    access_key_details(w, f);
  }
  if (f->resource == MM__DETECT_RES_S3_BUCKET) {
    key(w, "s3BucketDetails");
    mm_json_write_array_begin(w);
    mm_json_write_object_begin(w);
    kv(w, "name", f->bucket[0] ? f->bucket : f->resource_id);
    mm_buf b = MM_BUF_INIT;
    mm_buf_printf(&b, "arn:%s:s3:::%s", f->partition, f->bucket[0] ? f->bucket : f->resource_id);
    kv(w, "arn", b.ptr ? b.ptr : "");
    mm_buf_free(&b);
    kv(w, "type", "Destination");
    mm_json_write_object_end(w);
    mm_json_write_array_end(w);
  }
  mm_json_write_object_end(w);
}

/* ---- writing: service.action ------------------------------------------------------------------
 */

static void api_call_action(mm_json_writer *w, const mm_detect_finding *f) {
  kv(w, "actionType", "AWS_API_CALL");
  key(w, "awsApiCallAction");
  mm_json_write_object_begin(w);
  kv(w, "api", f->api);
  kv(w, "serviceName", f->service);
  mm_ip_addr a;
  bool is_ip = mm_ip_parse(f->remote_ip, strlen(f->remote_ip), &a, NULL) == MM_OK;
  kv(w, "callerType", is_ip ? "Remote IP" : f->remote_ip[0] ? "AWS Service" : "Unknown");
  if (is_ip) ip_details(w, "remoteIpDetails", f->remote_ip);
  if (!is_ip && f->remote_ip[0]) {
    key(w, "domainDetails");
    mm_json_write_object_begin(w);
    kv(w, "domain", f->remote_ip);
    mm_json_write_object_end(w);
  }
  kv_opt(w, "userAgent", f->user_agent);
  kv_opt(w, "errorCode", f->error_code);
  key(w, "affectedResources");
  mm_json_write_object_begin(w);
  if (f->bucket[0]) kv(w, "AWS::S3::Bucket", f->bucket);
  mm_json_write_object_end(w);
  mm_json_write_object_end(w);
}

static bool is_port_probe(const char *type) {
  return strstr(type, "PortProbe") || strstr(type, "Portscan") || strstr(type, "PortSweep");
}

static void network_action(mm_json_writer *w, const mm_detect_finding *f) {
  if (is_port_probe(f->type)) {
    kv(w, "actionType", "PORT_PROBE");
    key(w, "portProbeAction");
    mm_json_write_object_begin(w);
    key(w, "blocked");
    mm_json_write_bool(w, f->blocked);
    key(w, "portProbeDetails");
    mm_json_write_array_begin(w);
    mm_json_write_object_begin(w);
    port_details(w, "localPortDetails", f->local_port);
    if (f->remote_ip[0]) ip_details(w, "remoteIpDetails", f->remote_ip);
    mm_json_write_object_end(w);
    mm_json_write_array_end(w);
    mm_json_write_object_end(w);
    return;
  }
  kv(w, "actionType", "NETWORK_CONNECTION");
  key(w, "networkConnectionAction");
  mm_json_write_object_begin(w);
  key(w, "blocked");
  mm_json_write_bool(w, f->blocked);
  kv(w, "connectionDirection", f->direction[0] ? f->direction : "UNKNOWN");
  kv(w, "protocol", protocol_name(f->protocol));
  if (f->local_ip[0]) ip_details(w, "localIpDetails", f->local_ip);
  port_details(w, "localPortDetails", f->local_port);
  if (f->remote_ip[0]) ip_details(w, "remoteIpDetails", f->remote_ip);
  port_details(w, "remotePortDetails", f->remote_port);
  mm_json_write_object_end(w);
}

static void write_action(mm_json_writer *w, const mm_detect_finding *f) {
  key(w, "action");
  mm_json_write_object_begin(w);
  if (f->source == MM_DETECT_CLOUDTRAIL) {
    api_call_action(w, f);
  } else if (f->source == MM_DETECT_DNS || f->domain[0]) {
    kv(w, "actionType", "DNS_REQUEST");
    key(w, "dnsRequestAction");
    mm_json_write_object_begin(w);
    kv(w, "domain", f->domain);
    kv(w, "protocol", "UDP");
    key(w, "blocked");
    mm_json_write_bool(w, false);
    mm_json_write_object_end(w);
  } else {
    network_action(w, f);
  }
  mm_json_write_object_end(w);
}

/* TARGET: the resource was acted on (credentials used, an instance probed);
 * ACTOR: an instance did it (scans, C&C and DNS requests, outbound abuse). */
static const char *resource_role(const mm_detect_finding *f) {
  if (f->resource != MM__DETECT_RES_INSTANCE) return "TARGET";
  if (f->source == MM_DETECT_CLOUDTRAIL || strstr(f->type, "PortProbe")) return "TARGET";
  return "ACTOR";
}

static void write_service(mm_json_writer *w, const mm_detect_finding *f) {
  key(w, "service");
  mm_json_write_object_begin(w);
  kv(w, "serviceName", "guardduty");
  kv(w, "detectorId", f->detector);
  write_action(w, f);
  if (f->list_name[0]) {
    key(w, "evidence");
    mm_json_write_object_begin(w);
    key(w, "threatIntelligenceDetails");
    mm_json_write_array_begin(w);
    mm_json_write_object_begin(w);
    kv(w, "threatListName", f->list_name);
    key(w, "threatNames");
    mm_json_write_array_begin(w);
    mm_json_write_array_end(w);
    mm_json_write_object_end(w);
    mm_json_write_array_end(w);
    mm_json_write_object_end(w);
  }
  key(w, "archived");
  mm_json_write_bool(w, false);
  key(w, "count");
  mm_json_write_uint64(w, f->count);
  kv_time(w, "eventFirstSeen", f->first_seen, MM_TIME_RFC3339);
  kv_time(w, "eventLastSeen", f->last_seen, MM_TIME_RFC3339);
  kv(w, "resourceRole", resource_role(f));
  key(w, "additionalInfo");
  mm_json_write_object_begin(w);
  kv(w, "ruleId", f->rule_id);
  kv_opt(w, "ruleAuthor", f->author);
  kv_opt(w, "detail", f->detail);
  kv_opt(w, "principal", f->principal);
  mm_json_write_object_end(w);
  mm_json_write_object_end(w);
}

static void write_guardduty(mm_json_writer *w, const mm_detect_finding *f) {
  mm_buf b = MM_BUF_INIT;
  arn(f, &b);
  mm_json_write_object_begin(w);
  kv(w, "schemaVersion", "2.0");
  kv(w, "accountId", f->account);
  kv(w, "region", f->region);
  kv(w, "partition", f->partition);
  kv(w, "id", f->id);
  kv(w, "arn", b.ptr ? b.ptr : "");
  kv(w, "type", f->type);
  write_resource(w, f);
  write_service(w, f);
  key(w, "severity");
  mm_json_write_double(w, f->severity);
  kv_time(w, "createdAt", f->first_seen, MM_TIME_RFC3339_MS);
  kv_time(w, "updatedAt", f->last_seen, MM_TIME_RFC3339_MS);
  kv(w, "title", f->title);
  kv(w, "description", f->description[0] ? f->description : f->title);
  mm_json_write_object_end(w);
  mm_buf_free(&b);
}

/* ---- ASFF
 * ---------------------------------------------------------------------------------------- */

/* GuardDuty's threat purposes (the type's part before ':') and the ASFF
 * "namespace/category" each is filed under in Security Hub. */
static const struct {
  const char *purpose, *asff;
} purposes[] = {
    {"Backdoor", "TTPs/Command and Control"},
    {"Behavior", "Unusual Behaviors/VM"},
    {"CredentialAccess", "TTPs/Credential Access"},
    {"CryptoCurrency", "Effects/Resource Consumption"},
    {"DefenseEvasion", "TTPs/Defense Evasion"},
    {"DefenseImpairment", "TTPs/Defense Evasion"},
    {"Discovery", "TTPs/Discovery"},
    {"Execution", "TTPs/Execution"},
    {"Exfiltration", "Effects/Data Exfiltration"},
    {"Impact", "Effects/Data Destruction"},
    {"InitialAccess", "TTPs/Initial Access"},
    {"LateralMovement", "TTPs/Lateral Movement"},
    {"PenTest", "TTPs/Discovery"},
    {"Persistence", "TTPs/Persistence"},
    {"Policy", "Software and Configuration Checks/AWS Security Best Practices"},
    {"PrivilegeEscalation", "TTPs/Privilege Escalation"},
    {"Recon", "TTPs/Discovery"},
    {"Stealth", "TTPs/Defense Evasion"},
    {"Trojan", "TTPs/Command and Control"},
    {"UnauthorizedAccess", "TTPs/Initial Access"},
};

int mm_detect_asff_type(const char *type, mm_buf *out) {
  mm_str t = mm_str_from(type);
  mm_str p = t;
  if (mm_str_has_prefix(p, MM_STR("mamori:"))) p.ptr += 7, p.len -= 7;
  const char *colon = memchr(p.ptr, ':', p.len);
  mm_str purpose = colon ? (mm_str){p.ptr, (size_t)(colon - p.ptr)} : (mm_str){"", 0};
  const char *ns = "Unusual Behaviors/User";
  for (size_t i = 0; i < MM_ARRAY_LEN(purposes); i++)
    if (mm_str_ieq(purpose, mm_str_from(purposes[i].purpose))) ns = purposes[i].asff;
  mm_buf_puts(out, ns);
  mm_buf_putc(out, '/');
  for (size_t i = 0; i < t.len; i++) mm_buf_putc(out, t.ptr[i] == '/' ? '-' : t.ptr[i]);
  return out->oom ? MM_ENOMEM : MM_OK;
}

static void asff_resource(mm_json_writer *w, const mm_detect_finding *f) {
  mm_buf id = MM_BUF_INIT;
  const char *type = "AwsIamAccessKey";
  if (f->resource == MM__DETECT_RES_INSTANCE) {
    type = "AwsEc2Instance";
    mm_buf_printf(&id, "arn:%s:ec2:%s:%s:instance/%s", f->partition, f->region, f->account,
                  f->resource_id);
  } else if (f->resource == MM__DETECT_RES_S3_BUCKET) {
    type = "AwsS3Bucket";
    mm_buf_printf(&id, "arn:%s:s3:::%s", f->partition, f->bucket[0] ? f->bucket : f->resource_id);
  } else {
    mm_buf_printf(&id, "AWS::IAM::AccessKey:%s", f->resource_id);
  }
  mm_json_write_object_begin(w);
  kv(w, "Type", type);
  kv(w, "Id", id.ptr ? id.ptr : "");
  kv(w, "Partition", f->partition);
  kv(w, "Region", f->region);
  if (f->resource == MM__DETECT_RES_ACCESS_KEY) {
    key(w, "Details");
    mm_json_write_object_begin(w);
    key(w, "AwsIamAccessKey");
    mm_json_write_object_begin(w);
    kv_opt(w, "PrincipalId", f->principal_id);
    kv_opt(w, "PrincipalType", f->user_type);
    kv_opt(w, "PrincipalName", f->user_name);
    mm_json_write_object_end(w);
    mm_json_write_object_end(w);
  }
  mm_json_write_object_end(w);
  mm_buf_free(&id);
}

static void asff_product_fields(mm_json_writer *w, const mm_detect_finding *f, const char *farn) {
  char n[24];
  snprintf(n, sizeof(n), "%llu", (unsigned long long)f->count);
  key(w, "ProductFields");
  mm_json_write_object_begin(w);
  kv(w, "aws/guardduty/service/archived", "false");
  kv(w, "aws/guardduty/service/count", n);
  kv(w, "aws/guardduty/service/detectorId", f->detector);
  kv(w, "aws/guardduty/service/resourceRole", resource_role(f));
  kv_opt(w, "aws/guardduty/service/action/awsApiCallAction/api", f->api);
  kv_opt(w, "aws/guardduty/service/action/awsApiCallAction/serviceName", f->service);
  kv_opt(w, "aws/guardduty/service/evidence/threatIntelligenceDetails.0_/threatListName",
         f->list_name);
  kv(w, "aws/securityhub/FindingId", farn);
  kv(w, "aws/securityhub/ProductName", "GuardDuty");
  kv(w, "aws/securityhub/CompanyName", "Amazon");
  kv(w, "mamori/ruleId", f->rule_id);
  kv_opt(w, "mamori/ruleAuthor", f->author);
  mm_json_write_object_end(w);
}

static void write_asff(mm_json_writer *w, const mm_detect_finding *f) {
  mm_buf farn = MM_BUF_INIT, prod = MM_BUF_INIT, gen = MM_BUF_INIT, typ = MM_BUF_INIT;
  arn(f, &farn);
  mm_buf_printf(&prod, "arn:%s:securityhub:%s::product/aws/guardduty", f->partition, f->region);
  mm_buf_printf(&gen, "arn:%s:guardduty:%s:%s:detector/%s", f->partition, f->region, f->account,
                f->detector);
  mm_detect_asff_type(f->type, &typ);
  mm_json_write_object_begin(w);
  kv(w, "SchemaVersion", "2018-10-08");
  kv(w, "Id", farn.ptr ? farn.ptr : "");
  kv(w, "ProductArn", prod.ptr ? prod.ptr : "");
  kv(w, "ProductName", "GuardDuty");
  kv(w, "CompanyName", "Amazon");
  kv(w, "Region", f->region);
  kv(w, "GeneratorId", gen.ptr ? gen.ptr : "");
  kv(w, "AwsAccountId", f->account);
  key(w, "Types");
  mm_json_write_array_begin(w);
  mm_json_write_string(w, typ.ptr ? typ.ptr : "", typ.len);
  mm_json_write_array_end(w);
  kv_time(w, "FirstObservedAt", f->first_seen, MM_TIME_RFC3339_MS);
  kv_time(w, "LastObservedAt", f->last_seen, MM_TIME_RFC3339_MS);
  kv_time(w, "CreatedAt", f->first_seen, MM_TIME_RFC3339_MS);
  kv_time(w, "UpdatedAt", f->last_seen, MM_TIME_RFC3339_MS);
  key(w, "Severity");
  mm_json_write_object_begin(w);
  key(w, "Product");
  mm_json_write_double(w, f->severity);
  kv(w, "Label", mm_detect_severity_label(f->severity));
  key(w, "Normalized");
  double norm = floor(f->severity * 10.0 + 0.5);
  mm_json_write_int64(w, (int64_t)(norm > 100 ? 100 : norm < 0 ? 0 : norm));
  mm_json_write_object_end(w);
  kv(w, "Title", f->title);
  kv(w, "Description", f->description[0] ? f->description : f->title);
  asff_product_fields(w, f, farn.ptr ? farn.ptr : "");
  key(w, "Resources");
  mm_json_write_array_begin(w);
  asff_resource(w, f);
  mm_json_write_array_end(w);
  key(w, "WorkflowState");
  mm_json_write_string(w, "NEW", 3);
  key(w, "Workflow");
  mm_json_write_object_begin(w);
  kv(w, "Status", "NEW");
  mm_json_write_object_end(w);
  kv(w, "RecordState", "ACTIVE");
  mm_json_write_object_end(w);
  mm_buf_free(&farn);
  mm_buf_free(&prod);
  mm_buf_free(&gen);
  mm_buf_free(&typ);
}

/* An EventBridge event id: a UUID made from the finding id and its count,
 * so that each update of a finding is its own event. */
static void event_id(const mm_detect_finding *f, char out[37]) {
  uint64_t a = mm_hash(f->id, 32, f->count), b = mm_hash(f->id, 32, ~f->count);
  snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
           (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
           (unsigned long long)b & 0xffffffffffffull);
}

static void write_envelope(mm_json_writer *w, const mm_detect_finding *f) {
  char id[37];
  event_id(f, id);
  mm_json_write_object_begin(w);
  kv(w, "version", "0");
  kv(w, "id", id);
  kv(w, "detail-type", "GuardDuty Finding");
  kv(w, "source", "aws.guardduty");
  kv(w, "account", f->account);
  kv_time(w, "time", f->last_seen, MM_TIME_RFC3339);
  kv(w, "region", f->region);
  key(w, "resources");
  mm_json_write_array_begin(w);
  mm_json_write_array_end(w);
  key(w, "detail");
  write_guardduty(w, f);
  mm_json_write_object_end(w);
}

int mm_detect_finding_write(const mm_detect_finding *f, mm_detect_output how, mm_buf *out) {
  if (!f || !out) return MM_EINVAL;
  mm_json_writer w;
  mm_json_writer_init(&w, out, 0);
  if (how == MM_DETECT_OUT_ASFF)
    write_asff(&w, f);
  else if (how == MM_DETECT_OUT_EVENTBRIDGE)
    write_envelope(&w, f);
  else
    write_guardduty(&w, f);
  return mm_json_writer_finish(&w);
}
