/*
 * flowlog.c - VPC Flow Logs records: the field vocabulary (versions 2 to 8),
 * record formats (AWS's "${field} ${field}" format strings and the header
 * line S3 delivery writes), the parse of one line into a typed
 * mm_detect_flow without allocating, and its JSON form with AWS's field
 * names.
 *
 * Specification: Amazon VPC User Guide, "Flow log records"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html):
 * "Each record is a string with fields separated by spaces"; the default
 * format is the 14 version 2 fields in the table's order; "If a field is not
 * applicable or could not be computed for a specific record, the record
 * displays a '-' symbol for that entry"; the "Available fields" table gives
 * each field's version and values. S3 delivery ("Flow log files", flow-logs-s3.html)
 * writes the field names as a header line.
 *
 * Choices: fields are separated by one or more spaces (or tabs); a "-" field
 * is absent from the JSON object (so {"exists": false} matches it); numbers
 * are decimal digits only; text fields are printable ASCII without '"' or
 * '\\' (no AWS value contains them), which lets the JSON form copy them
 * without escaping.
 */
#include "detect/detect_int.h"

#include "mamori/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- the field table ------------------------------------------------------- */

typedef struct flow_field_def flow_field_def;
/* Parse tok[0..len) for def into f; false when malformed (msg says why). */
typedef bool (*flow_parse_fn)(const flow_field_def *def, const char *tok, size_t len,
                              mm_detect_flow *f, const char **msg);
/* Append the JSON value of field def of f (raw text tok). */
typedef int (*flow_json_fn)(const flow_field_def *def, const mm_detect_flow *f, mm_str tok,
                            mm_buf *out);

struct flow_field_def {
  const char *name;    /* as in a format string and in the JSON object */
  uint8_t version;     /* flow-log version that introduced the field */
  flow_parse_fn parse; /* validate and store */
  flow_json_fn json;   /* JSON value */
  uint8_t size;        /* bytes of the typed member; 0 = text only */
  uint16_t offset;     /* offsetof(mm_detect_flow, member) */
  uint64_t min, max;   /* numbers: accepted range */
  const mm_str *words; /* keywords: accepted values ({NULL, 0} ends), stored as index + 1 */
  int8_t twin;         /* addresses: a field usually equal to this one, or -1 */
};

static bool parse_number(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                         const char **msg);
static bool parse_addr(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg);
static bool parse_word(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg);
static bool parse_text(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg);
static int json_number(const flow_field_def *def, const mm_detect_flow *f, mm_str tok, mm_buf *out);
static int json_text(const flow_field_def *def, const mm_detect_flow *f, mm_str tok, mm_buf *out);

/* An mm_str constant usable in a static initializer. */
#define W(lit) \
  { lit, sizeof(lit) - 1 }
static const mm_str actions[] = {W("ACCEPT"), W("REJECT"), {NULL, 0}};
static const mm_str statuses[] = {W("OK"), W("NODATA"), W("SKIPDATA"), {NULL, 0}};
static const mm_str types[] = {W("IPv4"), W("IPv6"), W("EFA"), {NULL, 0}};
static const mm_str directions[] = {W("ingress"), W("egress"), {NULL, 0}};
static const mm_str sublocations[] = {W("wavelength"), W("outpost"), W("localzone"), {NULL, 0}};

#define M(member)           sizeof(((mm_detect_flow *)0)->member), offsetof(mm_detect_flow, member)
#define NUM(member, lo, hi) parse_number, json_number, M(member), lo, hi, NULL, -1
#define ADDR(member, twin)  parse_addr, json_text, M(member), 0, 0, NULL, twin
#define WORD(member, list)  parse_word, json_text, M(member), 0, 0, list, -1
#define TEXT                parse_text, json_text, 0, 0, 0, 0, NULL, -1

/* One row per field of the "Available fields" table, indexed by id. */
static const flow_field_def fields[MM_DETECT_FLOW_FIELD_COUNT] = {
    [MM_DETECT_FLOW_VERSION] = {"version", 2, NUM(version, 2, 255)},
    [MM_DETECT_FLOW_ACCOUNT_ID] = {"account-id", 2, TEXT},
    [MM_DETECT_FLOW_INTERFACE_ID] = {"interface-id", 2, TEXT},
    [MM_DETECT_FLOW_SRCADDR] = {"srcaddr", 2, ADDR(srcaddr, -1)},
    [MM_DETECT_FLOW_DSTADDR] = {"dstaddr", 2, ADDR(dstaddr, -1)},
    [MM_DETECT_FLOW_SRCPORT] = {"srcport", 2, NUM(srcport, 0, 65535)},
    [MM_DETECT_FLOW_DSTPORT] = {"dstport", 2, NUM(dstport, 0, 65535)},
    [MM_DETECT_FLOW_PROTOCOL] = {"protocol", 2, NUM(protocol, 0, 255)},
    [MM_DETECT_FLOW_PACKETS] = {"packets", 2, NUM(packets, 0, UINT64_MAX)},
    [MM_DETECT_FLOW_BYTES] = {"bytes", 2, NUM(bytes, 0, UINT64_MAX)},
    /* epoch seconds, up to 9999-12-31 like every mamori time */
    [MM_DETECT_FLOW_START] = {"start", 2, NUM(start, 0, 253402300799)},
    [MM_DETECT_FLOW_END] = {"end", 2, NUM(end, 0, 253402300799)},
    [MM_DETECT_FLOW_ACTION] = {"action", 2, WORD(action, actions)},
    [MM_DETECT_FLOW_LOG_STATUS] = {"log-status", 2, WORD(log_status, statuses)},
    [MM_DETECT_FLOW_VPC_ID] = {"vpc-id", 3, TEXT},
    [MM_DETECT_FLOW_SUBNET_ID] = {"subnet-id", 3, TEXT},
    [MM_DETECT_FLOW_INSTANCE_ID] = {"instance-id", 3, TEXT},
    [MM_DETECT_FLOW_TCP_FLAGS] = {"tcp-flags", 3, NUM(tcp_flags, 0, 255)},
    [MM_DETECT_FLOW_TYPE] = {"type", 3, WORD(type, types)},
    [MM_DETECT_FLOW_PKT_SRCADDR] = {"pkt-srcaddr", 3, ADDR(pkt_srcaddr, MM_DETECT_FLOW_SRCADDR)},
    [MM_DETECT_FLOW_PKT_DSTADDR] = {"pkt-dstaddr", 3, ADDR(pkt_dstaddr, MM_DETECT_FLOW_DSTADDR)},
    [MM_DETECT_FLOW_REGION] = {"region", 4, TEXT},
    [MM_DETECT_FLOW_AZ_ID] = {"az-id", 4, TEXT},
    [MM_DETECT_FLOW_SUBLOCATION_TYPE] = {"sublocation-type", 4, parse_word, json_text, 0, 0, 0, 0,
                                         sublocations, -1},
    [MM_DETECT_FLOW_SUBLOCATION_ID] = {"sublocation-id", 4, TEXT},
    [MM_DETECT_FLOW_PKT_SRC_AWS_SERVICE] = {"pkt-src-aws-service", 5, TEXT},
    [MM_DETECT_FLOW_PKT_DST_AWS_SERVICE] = {"pkt-dst-aws-service", 5, TEXT},
    [MM_DETECT_FLOW_FLOW_DIRECTION] = {"flow-direction", 5, WORD(flow_direction, directions)},
    [MM_DETECT_FLOW_TRAFFIC_PATH] = {"traffic-path", 5, NUM(traffic_path, 1, 8)},
    [MM_DETECT_FLOW_ECS_CLUSTER_ARN] = {"ecs-cluster-arn", 7, TEXT},
    [MM_DETECT_FLOW_ECS_CLUSTER_NAME] = {"ecs-cluster-name", 7, TEXT},
    [MM_DETECT_FLOW_ECS_CONTAINER_INSTANCE_ARN] = {"ecs-container-instance-arn", 7, TEXT},
    [MM_DETECT_FLOW_ECS_CONTAINER_INSTANCE_ID] = {"ecs-container-instance-id", 7, TEXT},
    [MM_DETECT_FLOW_ECS_CONTAINER_ID] = {"ecs-container-id", 7, TEXT},
    [MM_DETECT_FLOW_ECS_SECOND_CONTAINER_ID] = {"ecs-second-container-id", 7, TEXT},
    [MM_DETECT_FLOW_ECS_SERVICE_NAME] = {"ecs-service-name", 7, TEXT},
    [MM_DETECT_FLOW_ECS_TASK_DEFINITION_ARN] = {"ecs-task-definition-arn", 7, TEXT},
    [MM_DETECT_FLOW_ECS_TASK_ARN] = {"ecs-task-arn", 7, TEXT},
    [MM_DETECT_FLOW_ECS_TASK_ID] = {"ecs-task-id", 7, TEXT},
    [MM_DETECT_FLOW_REJECT_REASON] = {"reject-reason", 8, TEXT},
};

_Static_assert(MM_DETECT_FLOW_FIELD_COUNT <= 64, "present is a 64-bit mask");
_Static_assert(MM_DETECT_FLOW_MAX_FIELDS <= 255, "format field counts fit uint8_t ids");

const char *mm_detect_flow_field_name(mm_detect_flow_field f) {
  return (unsigned)f < MM_DETECT_FLOW_FIELD_COUNT ? fields[f].name : NULL;
}

int mm_detect_flow_field_version(mm_detect_flow_field f) {
  return (unsigned)f < MM_DETECT_FLOW_FIELD_COUNT ? fields[f].version : 0;
}

/* ---- values ------------------------------------------------------------------ */

static void store_uint(const flow_field_def *def, mm_detect_flow *f, uint64_t v) {
  char *dst = (char *)f + def->offset;
  if (def->size == 1) {
    uint8_t x = (uint8_t)v;
    memcpy(dst, &x, 1);
  } else if (def->size == 2) {
    uint16_t x = (uint16_t)v;
    memcpy(dst, &x, 2);
  } else if (def->size == 4) {
    uint32_t x = (uint32_t)v;
    memcpy(dst, &x, 4);
  } else {
    memcpy(dst, &v, 8);
  }
}

static uint64_t load_uint(const flow_field_def *def, const mm_detect_flow *f) {
  const char *src = (const char *)f + def->offset;
  uint8_t b;
  uint16_t h;
  uint32_t w;
  uint64_t q;
  if (def->size == 1) return memcpy(&b, src, 1), b;
  if (def->size == 2) return memcpy(&h, src, 2), h;
  if (def->size == 4) return memcpy(&w, src, 4), w;
  return memcpy(&q, src, 8), q;
}

static bool parse_number(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                         const char **msg) {
  uint64_t v = 0;
  unsigned bad = 0;
  if (len > 20) return *msg = "number out of range", false;
  /* 19 digits never overflow 64 bits: only a 20th needs the check */
  size_t fast = len < 19 ? len : 19;
  for (size_t i = 0; i < fast; i++) {
    unsigned d = (unsigned)(unsigned char)tok[i] - '0';
    bad |= d > 9;
    v = v * 10 + d;
  }
  if (bad) return *msg = "not a decimal number", false;
  for (size_t i = fast; i < len; i++) {
    unsigned d = (unsigned)(unsigned char)tok[i] - '0';
    if (d > 9) return *msg = "not a decimal number", false;
    if (v > (UINT64_MAX - d) / 10) return *msg = "number out of range", false;
    v = v * 10 + d;
  }
  if (v < def->min || v > def->max) return *msg = "number out of range", false;
  store_uint(def, f, v);
  return true;
}

static bool parse_addr(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg) {
  mm_ip_addr a;
  /* pkt-srcaddr equals srcaddr (pkt-dstaddr dstaddr) unless the traffic went
   * through NAT or an intermediate layer (flow-log-records.html): when the
   * twin came first with the same text, its parsed address is reused. */
  if (def->twin >= 0 && ((f->present >> def->twin) & 1u) && f->text[def->twin].len == len &&
      memcmp(f->text[def->twin].ptr, tok, len) == 0) {
    memcpy(&a, (const char *)f + fields[def->twin].offset, sizeof(a));
  } else if (mm_ip_parse(tok, len, &a, NULL) != MM_OK) {
    return *msg = "not an IPv4 or IPv6 address", false;
  }
  memcpy((char *)f + def->offset, &a, sizeof(a));
  return true;
}

static bool parse_word(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg) {
  for (size_t i = 0; def->words[i].ptr; i++) {
    mm_str w = def->words[i];
    if (w.len == len && w.ptr[0] == tok[0] && memcmp(w.ptr, tok, len) == 0) {
      if (def->size) store_uint(def, f, i + 1);
      return true;
    }
  }
  return *msg = "not one of the values AWS documents for this field", false;
}

/* Bytes a text field may hold: printable ASCII but '"' and '\\' (one
 * table lookup per byte on the hot path). */
#define TEXT_OK_ROW(c) ((c) > 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define TEXT_OK_16(c)                                                                             \
  TEXT_OK_ROW(c), TEXT_OK_ROW(c + 1), TEXT_OK_ROW(c + 2), TEXT_OK_ROW(c + 3), TEXT_OK_ROW(c + 4), \
      TEXT_OK_ROW(c + 5), TEXT_OK_ROW(c + 6), TEXT_OK_ROW(c + 7), TEXT_OK_ROW(c + 8),             \
      TEXT_OK_ROW(c + 9), TEXT_OK_ROW(c + 10), TEXT_OK_ROW(c + 11), TEXT_OK_ROW(c + 12),          \
      TEXT_OK_ROW(c + 13), TEXT_OK_ROW(c + 14), TEXT_OK_ROW(c + 15)
static const bool text_ok[256] = {TEXT_OK_16(0x00), TEXT_OK_16(0x10), TEXT_OK_16(0x20),
                                  TEXT_OK_16(0x30), TEXT_OK_16(0x40), TEXT_OK_16(0x50),
                                  TEXT_OK_16(0x60), TEXT_OK_16(0x70)};

static bool parse_text(const flow_field_def *def, const char *tok, size_t len, mm_detect_flow *f,
                       const char **msg) {
  (void)def, (void)f;
  unsigned ok = 1;
  size_t i = 0;
#ifdef __SSE2__
  /* 16 bytes at a time: bad when <= 0x20 (signed: also >= 0x80), 0x7f, '"', '\\' */
  const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  for (; len - i >= 16; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(tok + i));
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, quote)),
                               _mm_cmpeq_epi8(v, bslash));
    if (_mm_movemask_epi8(bad) | (_mm_movemask_epi8(_mm_cmpgt_epi8(v, lo)) ^ 0xffff)) ok = 0;
  }
#endif
  for (; i < len; i++) ok &= text_ok[(unsigned char)tok[i]];
  if (!ok) return *msg = "a byte that is not printable ASCII (or a quote or backslash)", false;
  return true;
}

/* ---- JSON form ------------------------------------------------------------- */

/* Append v in decimal; faster than printf on the hot path. */
static int append_u64(mm_buf *out, uint64_t v) {
  char tmp[24];
  size_t n = sizeof(tmp);
  do tmp[--n] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  return mm_buf_append(out, tmp + n, sizeof(tmp) - n);
}

static int json_number(const flow_field_def *def, const mm_detect_flow *f, mm_str tok,
                       mm_buf *out) {
  (void)tok;
  return append_u64(out, load_uint(def, f));
}

static int json_text(const flow_field_def *def, const mm_detect_flow *f, mm_str tok, mm_buf *out) {
  (void)def, (void)f;
  if (mm_buf_reserve(out, tok.len + 2) != MM_OK) return MM_ENOMEM;
  out->ptr[out->len++] = '"';
  memcpy(out->ptr + out->len, tok.ptr, tok.len);
  out->len += tok.len;
  out->ptr[out->len++] = '"';
  out->ptr[out->len] = '\0';
  return MM_OK;
}

int mm_detect_flow_to_json(const mm_detect_flow_format *fmt, const mm_detect_flow *f, mm_buf *out) {
  mm_buf_putc(out, '{');
  bool first = true;
  for (uint32_t i = 0; i < fmt->count; i++) {
    unsigned id = fmt->ids[i];
    if (!((f->present >> id) & 1u)) continue;
    const flow_field_def *def = &fields[id];
    if (!first) mm_buf_putc(out, ',');
    first = false;
    mm_buf_putc(out, '"');
    mm_buf_puts(out, def->name);
    mm_buf_append(out, "\":", 2);
    def->json(def, f, f->text[id], out);
  }
  mm_buf_putc(out, '}');
  return out->oom ? MM_ENOMEM : MM_OK;
}

/* ---- formats -------------------------------------------------------------------- */

static const mm_detect_flow_format default_format = {
    14,
    2,
    {MM_DETECT_FLOW_VERSION, MM_DETECT_FLOW_ACCOUNT_ID, MM_DETECT_FLOW_INTERFACE_ID,
     MM_DETECT_FLOW_SRCADDR, MM_DETECT_FLOW_DSTADDR, MM_DETECT_FLOW_SRCPORT, MM_DETECT_FLOW_DSTPORT,
     MM_DETECT_FLOW_PROTOCOL, MM_DETECT_FLOW_PACKETS, MM_DETECT_FLOW_BYTES, MM_DETECT_FLOW_START,
     MM_DETECT_FLOW_END, MM_DETECT_FLOW_ACTION, MM_DETECT_FLOW_LOG_STATUS}};

const mm_detect_flow_format *mm_detect_flow_format_default(void) { return &default_format; }

static int field_by_name(const char *name, size_t len) {
  for (int i = 0; i < MM_DETECT_FLOW_FIELD_COUNT; i++)
    if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0) return i;
  return -1;
}

static inline bool is_sep(char c) { return c == ' ' || c == '\t'; }

/* One token of a format: "${name}" or "name"; its field id or -1. */
static int format_token(const char *tok, size_t len) {
  if (len >= 3 && tok[0] == '$' && tok[1] == '{' && tok[len - 1] == '}')
    return field_by_name(tok + 2, len - 3);
  return field_by_name(tok, len);
}

static int format_error(mm_error *err, const char *text, size_t len, size_t at, const char *msg) {
  return mm_error_at(err, MM_EINVAL, text, len, at, "flow-log format: %s", msg);
}

/* Parse text into *out (no allocation). MM_OK or MM_EINVAL with err. */
static int parse_format(const char *text, size_t len, mm_detect_flow_format *out, mm_error *err) {
  uint64_t seen = 0;
  size_t i = 0;
  out->count = 0;
  out->version = 2;
  while (i < len) {
    if (is_sep(text[i])) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < len && !is_sep(text[i])) i++;
    int id = format_token(text + start, i - start);
    if (id < 0) return format_error(err, text, len, start, "unknown field");
    if ((seen >> id) & 1u) return format_error(err, text, len, start, "field named twice");
    if (out->count == MM_DETECT_FLOW_MAX_FIELDS)
      return format_error(err, text, len, start, "too many fields");
    seen |= UINT64_C(1) << id;
    out->ids[out->count++] = (uint8_t)id;
    if (fields[id].version > out->version) out->version = fields[id].version;
  }
  if (out->count == 0) return format_error(err, text, len, len, "no fields");
  return MM_OK;
}

mm_detect_flow_format *mm_detect_flow_format_parse(const char *text, size_t len, mm_error *err) {
  mm_detect_flow_format tmp;
  if (parse_format(text, len, &tmp, err) != MM_OK) return NULL;
  mm_detect_flow_format *fmt = mm_malloc(sizeof(*fmt));
  if (!fmt) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  *fmt = tmp;
  return fmt;
}

void mm_detect_flow_format_free(mm_detect_flow_format *fmt) {
  if (fmt != &default_format) mm_free(fmt);
}

size_t mm_detect_flow_format_count(const mm_detect_flow_format *fmt) { return fmt->count; }

mm_detect_flow_field mm_detect_flow_format_field(const mm_detect_flow_format *fmt, size_t i) {
  return i < fmt->count ? (mm_detect_flow_field)fmt->ids[i] : MM_DETECT_FLOW_FIELD_COUNT;
}

int mm_detect_flow_format_write(const mm_detect_flow_format *fmt, mm_buf *out) {
  for (uint32_t i = 0; i < fmt->count; i++)
    mm_buf_printf(out, "%s${%s}", i ? " " : "", fields[fmt->ids[i]].name);
  return out->oom ? MM_ENOMEM : MM_OK;
}

bool mm__detect_flow_header(const char *line, size_t len, mm_detect_flow_format *out) {
  size_t n = 0;
  while (n < len && !is_sep(line[n])) n++;
  if (n == 0 || field_by_name(line, n) < 0) return false;
  mm_detect_flow_format tmp;
  if (parse_format(line, len, &tmp, NULL) != MM_OK) return false;
  *out = tmp;
  return true;
}

/* ---- one line -------------------------------------------------------------------- */

/* Fill err for the field at byte `at` of the line (line 1; the reader
 * relocates it). Returns MM_ESYNTAX. */
static int line_error(mm_error *err, size_t at, const char *fmt_, ...) MM_PRINTF(3, 4);
static int line_error(mm_error *err, size_t at, const char *fmt_, ...) {
  if (!err) return MM_ESYNTAX;
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt_);
  vsnprintf(msg, sizeof(msg), fmt_, ap);
  va_end(ap);
  mm_error_set(err, MM_ESYNTAX, "%s", msg);
  err->line = 1;
  err->column = (uint32_t)(at + 1);
  err->offset = at;
  return MM_ESYNTAX;
}

/* The first separator (space or tab) at or after p, or end. Flow-log
 * tokens are short, so one 16-byte compare usually finds it. */
static inline const char *next_sep(const char *p, const char *end) {
#ifdef __SSE2__
  const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
  for (; end - p >= 16; p += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned m =
        (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, tab)));
    if (m) return p + __builtin_ctz(m);
  }
#endif
  while (p < end && !is_sep(*p)) p++;
  return p;
}

/* Zero every typed member (member by member: cheaper than a memset of this
 * size, which compilers turn into `rep stos`). text[] is only read for
 * present fields and is not cleared. */
static inline void clear_typed(mm_detect_flow *f) {
  static const mm_ip_addr none = {0, {0}};
  f->present = 0;
  f->version = 0;
  f->srcport = f->dstport = 0;
  f->protocol = f->traffic_path = 0;
  f->tcp_flags = 0;
  f->packets = f->bytes = 0;
  f->start = f->end = 0;
  f->srcaddr = f->dstaddr = f->pkt_srcaddr = f->pkt_dstaddr = none;
  f->action = f->log_status = f->flow_direction = f->type = 0;
}

int mm_detect_flow_parse(const mm_detect_flow_format *fmt, const char *line, size_t len,
                         mm_detect_flow *out, mm_error *err) {
  clear_typed(out);
  const char *p = line, *end = line + len;
  uint32_t n = 0;
  for (;;) {
    while (p < end && is_sep(*p)) p++;
    if (p == end) break;
    const char *tok = p;
    p = next_sep(p + 1, end);
    if (n == fmt->count)
      return line_error(err, (size_t)(tok - line), "more fields than the format's %u",
                        (unsigned)fmt->count);
    unsigned id = fmt->ids[n++];
    size_t tlen = (size_t)(p - tok);
    if (tlen == 1 && tok[0] == '-') continue; /* no value */
    const flow_field_def *def = &fields[id];
    const char *msg = NULL;
    if (!def->parse(def, tok, tlen, out, &msg))
      return line_error(err, (size_t)(tok - line), "field %s: %s", def->name, msg);
    out->present |= UINT64_C(1) << id;
    out->text[id] = (mm_str){tok, tlen};
  }
  if (n < fmt->count)
    return line_error(err, len, "%u fields where the format has %u (%s missing)", (unsigned)n,
                      (unsigned)fmt->count, fields[fmt->ids[n]].name);
  return MM_OK;
}
