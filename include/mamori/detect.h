/*
 * mamori/detect.h - threat detection over CloudTrail, VPC Flow Logs and
 * Route 53 Resolver query logs (GuardDuty's three foundational sources).
 *
 * This part of the contract is the log readers: each yields one normalised
 * record at a time, as a JSON DOM value whose field names are AWS's own, so
 * that EventBridge patterns (mamori/events.h) and detection rules match them
 * exactly as they would match the records in AWS:
 *
 *   CloudTrail   the event itself ("eventName", "userIdentity" ...), from a
 *                {"Records":[...]} file, a top-level array, JSON Lines or
 *                single objects; an EventBridge envelope ("detail-type":
 *                "AWS API Call via CloudTrail") is unwrapped to its "detail".
 *                S3 data events carry MM_DETECT_REC_S3_DATA.
 *   VPC flow     an object with the format's field names ("srcaddr",
 *                "dstport", "pkt-srcaddr", "flow-direction" ...), numbers as
 *                numbers, "-" fields left out; also a typed mm_detect_flow.
 *   DNS          the Route 53 Resolver query log object as AWS writes it.
 *
 * Input: a path, a file descriptor (0 = stdin), a FILE* or memory, gzip or
 * not. A bad record is an error the caller counts (mm_error with line and
 * column); the reader goes on with the next one and never loses what it
 * already yielded. docs/detect.md has the formats, the errors and the limits.
 *
 * The second part is detection: rules that are data (an EventBridge pattern
 * or a boolean tree of patterns, with an optional threshold over a sliding
 * window), loaded from JSON files; an engine that compiles every rule's
 * patterns into one matcher, feeds it records and adds the threat-list and
 * network detectors; and findings in GuardDuty's JSON shape, in ASFF and in
 * an EventBridge envelope, repeats aggregated into one finding id.
 */
#ifndef MAMORI_DETECT_H
#define MAMORI_DETECT_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/ip.h"
#include "mamori/json.h"
#include "mamori/str.h"
#include "mamori/time.h"

#include <stdio.h>

/* ---- formats -------------------------------------------------------------- */

typedef enum mm_detect_format {
  MM_DETECT_AUTO = 0,       /* sniff from the first record (reader only) */
  MM_DETECT_CLOUDTRAIL = 1, /* CloudTrail events (also S3 data events) */
  MM_DETECT_FLOW = 2,       /* VPC Flow Logs, text */
  MM_DETECT_DNS = 3,        /* Route 53 Resolver query logs, JSON */
} mm_detect_format;

/* "auto", "cloudtrail", "flow", "dns"; never NULL. */
MM_API const char *mm_detect_format_name(mm_detect_format f);
/* The format named s (as above); MM_OK or MM_EINVAL. */
MM_API int mm_detect_format_parse(const char *s, mm_detect_format *out);

/* ---- VPC Flow Logs ---------------------------------------------------------- */

/* Every field of the "Available fields" table of "Logging IP traffic using
 * VPC Flow Logs" > "Flow log records"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html):
 * X(ID, "name", version). IDs are stable: new fields are added at the end. */
/* clang-format off */
#define MM_DETECT_FLOW_FIELD_MAP(X)                              \
  X(VERSION,            "version",                    2)         \
  X(ACCOUNT_ID,         "account-id",                 2)         \
  X(INTERFACE_ID,       "interface-id",               2)         \
  X(SRCADDR,            "srcaddr",                    2)         \
  X(DSTADDR,            "dstaddr",                    2)         \
  X(SRCPORT,            "srcport",                    2)         \
  X(DSTPORT,            "dstport",                    2)         \
  X(PROTOCOL,           "protocol",                   2)         \
  X(PACKETS,            "packets",                    2)         \
  X(BYTES,              "bytes",                      2)         \
  X(START,              "start",                      2)         \
  X(END,                "end",                        2)         \
  X(ACTION,             "action",                     2)         \
  X(LOG_STATUS,         "log-status",                 2)         \
  X(VPC_ID,             "vpc-id",                     3)         \
  X(SUBNET_ID,          "subnet-id",                  3)         \
  X(INSTANCE_ID,        "instance-id",                3)         \
  X(TCP_FLAGS,          "tcp-flags",                  3)         \
  X(TYPE,               "type",                       3)         \
  X(PKT_SRCADDR,        "pkt-srcaddr",                3)         \
  X(PKT_DSTADDR,        "pkt-dstaddr",                3)         \
  X(REGION,             "region",                     4)         \
  X(AZ_ID,              "az-id",                      4)         \
  X(SUBLOCATION_TYPE,   "sublocation-type",           4)         \
  X(SUBLOCATION_ID,     "sublocation-id",             4)         \
  X(PKT_SRC_AWS_SERVICE,"pkt-src-aws-service",        5)         \
  X(PKT_DST_AWS_SERVICE,"pkt-dst-aws-service",        5)         \
  X(FLOW_DIRECTION,     "flow-direction",             5)         \
  X(TRAFFIC_PATH,       "traffic-path",               5)         \
  X(ECS_CLUSTER_ARN,    "ecs-cluster-arn",            7)         \
  X(ECS_CLUSTER_NAME,   "ecs-cluster-name",           7)         \
  X(ECS_CONTAINER_INSTANCE_ARN, "ecs-container-instance-arn", 7) \
  X(ECS_CONTAINER_INSTANCE_ID,  "ecs-container-instance-id",  7) \
  X(ECS_CONTAINER_ID,   "ecs-container-id",           7)         \
  X(ECS_SECOND_CONTAINER_ID, "ecs-second-container-id", 7)       \
  X(ECS_SERVICE_NAME,   "ecs-service-name",           7)         \
  X(ECS_TASK_DEFINITION_ARN, "ecs-task-definition-arn", 7)       \
  X(ECS_TASK_ARN,       "ecs-task-arn",               7)         \
  X(ECS_TASK_ID,        "ecs-task-id",                7)         \
  X(REJECT_REASON,      "reject-reason",              8)
/* clang-format on */

typedef enum mm_detect_flow_field {
#define MM__DETECT_FLOW_ENUM(id, name, version) MM_DETECT_FLOW_##id,
  MM_DETECT_FLOW_FIELD_MAP(MM__DETECT_FLOW_ENUM)
#undef MM__DETECT_FLOW_ENUM
      MM_DETECT_FLOW_FIELD_COUNT
} mm_detect_flow_field;

/* The field's name as in a format string ("pkt-srcaddr"), or NULL. */
MM_API const char *mm_detect_flow_field_name(mm_detect_flow_field f);
/* The flow-log version that introduced the field (2, 3, 4, 5, 7, 8), or 0. */
MM_API int mm_detect_flow_field_version(mm_detect_flow_field f);

/* Enumerated values, in AWS's spelling. 0 = absent ("-" or not in the format). */
typedef enum mm_detect_flow_action {
  MM_DETECT_ACTION_NONE = 0,
  MM_DETECT_ACTION_ACCEPT = 1, /* ACCEPT */
  MM_DETECT_ACTION_REJECT = 2, /* REJECT */
} mm_detect_flow_action;
typedef enum mm_detect_flow_status {
  MM_DETECT_STATUS_NONE = 0,
  MM_DETECT_STATUS_OK = 1,       /* OK: data is logging normally */
  MM_DETECT_STATUS_NODATA = 2,   /* NODATA: no traffic in the capture window */
  MM_DETECT_STATUS_SKIPDATA = 3, /* SKIPDATA: some records were skipped */
} mm_detect_flow_status;
typedef enum mm_detect_flow_direction {
  MM_DETECT_DIRECTION_NONE = 0,
  MM_DETECT_DIRECTION_INGRESS = 1, /* ingress */
  MM_DETECT_DIRECTION_EGRESS = 2,  /* egress */
} mm_detect_flow_direction;
typedef enum mm_detect_flow_type {
  MM_DETECT_TYPE_NONE = 0,
  MM_DETECT_TYPE_IPV4 = 1, /* IPv4 */
  MM_DETECT_TYPE_IPV6 = 2, /* IPv6 */
  MM_DETECT_TYPE_EFA = 3,  /* EFA: Elastic Fabric Adapter traffic */
} mm_detect_flow_type;

/* One flow-log line, typed. Strings are slices of the line: valid until the
 * next record (or until the caller's line buffer changes). A field is
 * present when it is in the format and its value is not "-". */
typedef struct mm_detect_flow {
  uint64_t present;                    /* bit (1 << MM_DETECT_FLOW_<ID>) per present field */
  uint32_t version;                    /* 2..; the format's highest field version */
  uint16_t srcport, dstport;           /* 0-65535 */
  uint8_t protocol;                    /* IANA protocol number: 6 TCP, 17 UDP, 1 ICMP */
  uint8_t traffic_path;                /* 1-8: egress path (v5) */
  uint16_t tcp_flags;                  /* OR of the flags seen: FIN 1, SYN 2, RST 4, SYN-ACK 18 */
  uint64_t packets, bytes;             /* in the capture window */
  int64_t start, end;                  /* capture window, epoch seconds */
  mm_ip_addr srcaddr, dstaddr;         /* interface-level addresses */
  mm_ip_addr pkt_srcaddr, pkt_dstaddr; /* packet-level addresses (v3) */
  uint8_t action;                      /* mm_detect_flow_action */
  uint8_t log_status;                  /* mm_detect_flow_status */
  uint8_t flow_direction;              /* mm_detect_flow_direction */
  uint8_t type;                        /* mm_detect_flow_type */
  mm_str text[MM_DETECT_FLOW_FIELD_COUNT]; /* every present field's raw text */
} mm_detect_flow;

static inline bool mm_detect_flow_has(const mm_detect_flow *f, mm_detect_flow_field id) {
  return (f->present >> id) & 1u;
}

/* A record format: the ordered list of fields of one flow log. Immutable. */
typedef struct mm_detect_flow_format mm_detect_flow_format;

/* Parse a format: AWS's format string ("${version} ${vpc-id} ...") or a
 * header line as S3 delivery writes it ("version vpc-id ..."). NULL with err
 * (column of the bad field) on an unknown or repeated field, an empty format,
 * or more than MM_DETECT_FLOW_MAX_FIELDS fields. */
MM_API mm_detect_flow_format *mm_detect_flow_format_parse(const char *text, size_t len,
                                                          mm_error *err);
/* The default format (the 14 version 2 fields); a static, never NULL. */
MM_API const mm_detect_flow_format *mm_detect_flow_format_default(void);
MM_API void mm_detect_flow_format_free(mm_detect_flow_format *fmt);
/* Fields in fmt, and the id of its i-th field. */
MM_API size_t mm_detect_flow_format_count(const mm_detect_flow_format *fmt);
MM_API mm_detect_flow_field mm_detect_flow_format_field(const mm_detect_flow_format *fmt, size_t i);
/* Append fmt in AWS's format-string syntax ("${version} ${account-id} ...").
 * MM_OK or MM_ENOMEM. */
MM_API int mm_detect_flow_format_write(const mm_detect_flow_format *fmt, mm_buf *out);

/* Parse one line (no newline) under fmt into *out, without allocating:
 * strings in *out point into line. MM_OK, or MM_ESYNTAX (wrong field count,
 * malformed value, number out of range) with err's column at the
 * offending field (err->line is 1; the reader relocates it). */
MM_API int mm_detect_flow_parse(const mm_detect_flow_format *fmt, const char *line, size_t len,
                                mm_detect_flow *out, mm_error *err);
/* Append f as a compact JSON object with fmt's field names in fmt's order,
 * absent fields left out. MM_OK or MM_ENOMEM. */
MM_API int mm_detect_flow_to_json(const mm_detect_flow_format *fmt, const mm_detect_flow *f,
                                  mm_buf *out);

/* ---- the reader ---------------------------------------------------------------- */

/* Reader option flags. */
#define MM_DETECT_FLOW_TYPED_ONLY 0x1u /* flow: fill rec->flow only, no DOM (fastest) */

typedef struct mm_detect_options {
  mm_detect_format format; /* MM_DETECT_AUTO: sniff the first record */
  const char *flow_format; /* flow records without a header line: this format
                              (string or header syntax); NULL = the default */
  size_t max_line;         /* flow: bytes of one line; 0 = MM_DETECT_MAX_LINE */
  size_t max_record;       /* JSON: bytes of one record; 0 = MM_DETECT_MAX_RECORD */
  unsigned flags;          /* MM_DETECT_* flags above */
} mm_detect_options;

/* Record flags (mm_detect_record.flags). */
#define MM_DETECT_REC_DATA_EVENT 0x1u /* CloudTrail: eventCategory "Data" */
#define MM_DETECT_REC_S3_DATA    0x2u /* ... and eventSource s3.amazonaws.com */
#define MM_DETECT_REC_ENVELOPE   0x4u /* CloudTrail: unwrapped from an EventBridge event */
#define MM_DETECT_REC_INSIGHT    0x8u /* CloudTrail: eventCategory "Insight" */

typedef struct mm_detect_record {
  mm_detect_format format;    /* CLOUDTRAIL, FLOW or DNS */
  unsigned flags;             /* MM_DETECT_REC_* */
  const mm_json_value *value; /* the normalised record; NULL with FLOW_TYPED_ONLY */
  const mm_detect_flow *flow; /* FLOW: the typed record, else NULL */
  mm_time time;               /* eventTime, start, or query_timestamp; 0 if absent */
  uint64_t index;             /* 0-based count of good records before this one */
  uint64_t line;              /* 1-based line of the record's first byte */
  uint64_t offset;            /* byte offset of its first byte (decompressed) */
} mm_detect_record;

typedef struct mm_detect_stats {
  uint64_t records; /* yielded */
  uint64_t errors;  /* bad records and input failures reported */
  uint64_t bytes;   /* decompressed bytes consumed so far */
} mm_detect_stats;

typedef struct mm_detect_reader mm_detect_reader;

/* Open a reader. NULL with err filled (MM_EIO for an unopenable path,
 * MM_EINVAL for a bad flow_format, MM_ENOMEM). opt may be NULL; it is
 * copied, flow_format included. */
MM_API mm_detect_reader *mm_detect_reader_open_path(const char *path, const mm_detect_options *opt,
                                                    mm_error *err);
/* fd is read and not closed (0 = stdin). */
MM_API mm_detect_reader *mm_detect_reader_open_fd(int fd, const mm_detect_options *opt,
                                                  mm_error *err);
/* f is read and not closed. */
MM_API mm_detect_reader *mm_detect_reader_open_file(FILE *f, const mm_detect_options *opt,
                                                    mm_error *err);
/* data[0..len) is borrowed and must outlive the reader. */
MM_API mm_detect_reader *mm_detect_reader_open_mem(const void *data, size_t len,
                                                   const mm_detect_options *opt, mm_error *err);
/* The next record:
 *  - MM_OK: *rec is filled; its pointers are valid until the next call;
 *  - MM_EOF: the input is exhausted (and stays so);
 *  - another status: a bad record or an input failure; err says what and
 *    where (line, column, offset). Call again to go on: the reader resumes
 *    with the next record when it can tell where it starts, else MM_EOF. */
MM_API int mm_detect_reader_next(mm_detect_reader *r, mm_detect_record *rec, mm_error *err);
/* The format being read: the sniffed one once the first record was read
 * (MM_DETECT_AUTO before that). */
MM_API mm_detect_format mm_detect_reader_format(const mm_detect_reader *r);
/* Counts so far. */
MM_API mm_detect_stats mm_detect_reader_stats(const mm_detect_reader *r);
MM_API void mm_detect_reader_close(mm_detect_reader *r);

/* ---- one JSON record ------------------------------------------------------------ */

/* Normalise one parsed JSON record as the reader does: unwrap an EventBridge
 * envelope, check what detectors need, classify. format is CLOUDTRAIL or DNS
 * (AUTO: decided from the record). On MM_OK rec->value, format, flags and
 * time are set; otherwise MM_EINVAL with err (path names the field). */
MM_API int mm_detect_json_record(const mm_json_value *v, mm_detect_format format,
                                 mm_detect_record *rec, mm_error *err);

/* ---- detection rules ------------------------------------------------------------ */

/* A set of detection rules (docs/detect.md "Rule format"): each a JSON object
 * {"id", "type", "severity", "title", "description", "author", "references",
 * "source", "pattern" | "condition", "threshold", "intel", "check",
 * "resource"}. Owned by the caller until handed to mm_detect_engine_new. */
typedef struct mm_detect_rules mm_detect_rules;

MM_API mm_detect_rules *mm_detect_rules_new(void);
MM_API void mm_detect_rules_free(mm_detect_rules *rs);
/* Add the rules in text[0..len): one rule object or an array of them.
 * origin (may be NULL) names the input in messages. All or nothing: on an
 * error no rule of text is added, and err says what, with err->path the
 * JSON path of the offending value ("$[2].threshold.count") and err->msg
 * "ORIGIN: PATH: message". MM_EINVAL (a bad rule, a duplicate id),
 * MM_ESYNTAX (bad JSON, with line and column), MM_ELIMIT, MM_ENOMEM. */
MM_API int mm_detect_rules_add_json(mm_detect_rules *rs, const char *text, size_t len,
                                    const char *origin, mm_error *err);
/* A rule file, or every "*.json" file of a directory (in name order).
 * MM_EIO for an unreadable path; otherwise as mm_detect_rules_add_json. */
MM_API int mm_detect_rules_load(mm_detect_rules *rs, const char *path, mm_error *err);
MM_API size_t mm_detect_rules_count(const mm_detect_rules *rs);

/* What a rule says about itself; strings owned by the rule set. */
typedef struct mm_detect_rule_info {
  const char *id;          /* unique */
  const char *type;        /* finding type, "Policy:IAMUser/RootCredentialUsage" */
  double severity;         /* GuardDuty's scale, 1.0-8.9 */
  const char *title;       /* one line */
  const char *description; /* may be "" */
  const char *author;      /* may be "" (Sigma rules: always shown, DRL 1.1) */
  const char *origin;      /* the file it came from, or "" */
  mm_detect_format source; /* CLOUDTRAIL, FLOW or DNS */
  const char *resource;    /* "AccessKey", "Instance" or "S3Bucket" */
  size_t patterns;         /* leaf patterns */
  bool threshold;          /* counts events over a window */
  bool intel;              /* needs a threat-list match */
} mm_detect_rule_info;

/* Rule i (in the order added); MM_OK or MM_ERANGE. */
MM_API int mm_detect_rules_info(const mm_detect_rules *rs, size_t i, mm_detect_rule_info *out);

/* ---- the engine ----------------------------------------------------------------- */

typedef struct mm_detect_engine mm_detect_engine;
/* One aggregated finding, owned by the engine. */
typedef struct mm_detect_finding mm_detect_finding;

/* Called for a new finding (first = true) and for each repeat aggregated
 * into it (first = false). f stays valid until the engine is freed. */
typedef void (*mm_detect_finding_fn)(void *ud, const mm_detect_finding *f, bool first);

typedef struct mm_detect_engine_options {
  const char *intel_dir;         /* the user's threat and trusted-IP lists (".Custom"
                                    findings); NULL = none */
  const char *default_intel_dir; /* the shipped lists (data/detect/intel); NULL = none */
  const char *detector_id;       /* GuardDuty detectorId; NULL = derived from account and region */
  mm_detect_finding_fn on_finding; /* may be NULL */
  void *ud;                        /* passed to on_finding */
} mm_detect_engine_options;

/* An engine over rules, which it takes over (also on failure; rules may be
 * NULL for network detectors only). NULL with err on failure (a list that
 * cannot be read, MM_ENOMEM). opt may be NULL. */
MM_API mm_detect_engine *mm_detect_engine_new(mm_detect_rules *rules,
                                              const mm_detect_engine_options *opt, mm_error *err);
MM_API void mm_detect_engine_free(mm_detect_engine *e);
/* Run every detector on one record. Returns the number of hits (each
 * becomes a new finding or a repeat of one). Allocation-free unless a hit
 * makes a new finding or a threshold sees a new group. */
MM_API size_t mm_detect_engine_feed(mm_detect_engine *e, const mm_detect_record *rec);
/* End of input: detectors with windows report what they still hold. */
MM_API void mm_detect_engine_flush(mm_detect_engine *e);
MM_API size_t mm_detect_engine_rule_count(const mm_detect_engine *e);
MM_API int mm_detect_engine_rule(const mm_detect_engine *e, size_t i, mm_detect_rule_info *out);
/* Findings so far, in the order they were created. */
MM_API size_t mm_detect_engine_finding_count(const mm_detect_engine *e);
MM_API const mm_detect_finding *mm_detect_engine_finding(const mm_detect_engine *e, size_t i);

/* ---- findings ------------------------------------------------------------------- */

MM_API const char *mm_detect_finding_id(const mm_detect_finding *f);   /* 32 hex digits */
MM_API const char *mm_detect_finding_type(const mm_detect_finding *f); /* finding type */
MM_API const char *mm_detect_finding_rule(const mm_detect_finding *f); /* rule id */
MM_API double mm_detect_finding_severity(const mm_detect_finding *f);
MM_API uint64_t mm_detect_finding_count(const mm_detect_finding *f); /* service.count */
MM_API const char *mm_detect_finding_resource(
    const mm_detect_finding *f); /* key, instance, bucket */
MM_API mm_time mm_detect_finding_first_seen(const mm_detect_finding *f);
MM_API mm_time mm_detect_finding_last_seen(const mm_detect_finding *f);

typedef enum mm_detect_output {
  MM_DETECT_OUT_GUARDDUTY = 0,   /* GuardDuty's finding JSON (schemaVersion "2.0") */
  MM_DETECT_OUT_ASFF = 1,        /* AWS Security Finding Format, SchemaVersion 2018-10-08 */
  MM_DETECT_OUT_EVENTBRIDGE = 2, /* {"detail-type":"GuardDuty Finding", "detail": <finding>} */
} mm_detect_output;

/* Append f as one compact JSON object in the given shape. MM_OK or MM_ENOMEM. */
MM_API int mm_detect_finding_write(const mm_detect_finding *f, mm_detect_output how, mm_buf *out);
/* The ASFF Types entry for a finding type, as GuardDuty maps it into
 * Security Hub's namespaces ("TTPs/Defense Evasion/Stealth:IAMUser-..."),
 * appended to out. MM_OK or MM_ENOMEM. */
MM_API int mm_detect_asff_type(const char *type, mm_buf *out);
/* ASFF Severity.Label for a GuardDuty severity: "LOW", "MEDIUM", "HIGH",
 * "CRITICAL" (or "INFORMATIONAL" below 1.0). */
MM_API const char *mm_detect_severity_label(double severity);

#endif /* MAMORI_DETECT_H */
