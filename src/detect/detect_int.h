/*
 * detect_int.h - what the files of the detect module share: the decoded
 * byte source with its line reader (source.c), the flow-log format and
 * field table (flowlog.c), and the JSON record checks (cloudtrail.c,
 * dnslog.c).
 *
 * Flow-log field table (flowlog.c), one row per field of the "Available
 * fields" table of https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html:
 *
 *   name            version  value kind       typed member
 *   --------------  -------  ---------------  -------------------------
 *   version         2        integer 2-255    version
 *   srcport ...     2        integer 0-65535  srcport, dstport
 *   protocol        2        integer 0-255    protocol
 *   packets, bytes  2        integer u64      packets, bytes
 *   start, end      2        epoch seconds    start, end
 *   srcaddr ...     2, 3     IPv4/IPv6        srcaddr ... pkt_dstaddr
 *   action ...      2-5      AWS's keywords   action, log_status, type, flow_direction
 *   tcp-flags       3        integer 0-255    tcp_flags
 *   traffic-path    5        integer 1-8      traffic_path
 *   others          2-8      text             text[] only
 *
 * Every present field's raw text is also kept in mm_detect_flow.text[].
 */
#ifndef MAMORI_DETECT_INT_H
#define MAMORI_DETECT_INT_H

#include "mamori/detect.h"
#include "detect/limits.h"

/* ---- source.c: decoded bytes and lines ------------------------------------- */

typedef struct mm__detect_src mm__detect_src;

/* Where the raw bytes come from: exactly one of fd >= 0, f, mem. */
typedef struct mm__detect_input {
  int fd;          /* a descriptor, or -1 */
  bool own_fd;     /* close fd when the source closes */
  FILE *f;         /* a stream, or NULL */
  const void *mem; /* borrowed bytes, or NULL */
  size_t mem_len;  /* their length */
} mm__detect_input;

/* A source over in; gzip (RFC 1952, members concatenated) is decoded.
 * max_line bounds one line (flow logs). NULL with err (MM_ENOMEM). */
mm__detect_src *mm__detect_src_open(const mm__detect_input *in, size_t max_line, mm_error *err);
void mm__detect_src_close(mm__detect_src *s);
/* The first byte that is not whitespace, without consuming anything; -1 at
 * the end of the input. */
int mm__detect_src_peek(mm__detect_src *s);
/* The next line, without its "\n" or "\r\n", in the source's buffer (the
 * caller may modify it; valid until the next call). MM_OK with *line, *len,
 * *lineno (1-based) and *offset; MM_EOF; MM_ELIMIT for a line longer than
 * max_line (reported once, skipped); MM_ETRUNC / MM_EIO / MM_ESYNTAX for a
 * failure of the input (truncated or corrupt gzip, read error), after which
 * MM_EOF follows. err is located at the line. */
int mm__detect_src_line(mm__detect_src *s, char **line, size_t *len, uint64_t *lineno,
                        uint64_t *offset, mm_error *err);
/* The input's failure not yet reported (after the JSON reader read the
 * source through mm__detect_src_stream), reported now; MM_OK when none. */
int mm__detect_src_failure(mm__detect_src *s, mm_error *err);
/* Decoded bytes consumed so far. */
uint64_t mm__detect_src_consumed(const mm__detect_src *s);
/* A FILE* that reads s's decoded bytes from its current position (so that
 * the JSON reader can take over a source that was peeked at); NULL when
 * memory runs out. Close it with fclose before closing s. */
FILE *mm__detect_src_stream(mm__detect_src *s);

/* ---- flowlog.c ------------------------------------------------------------- */

struct mm_detect_flow_format {
  uint32_t count;                         /* fields */
  uint32_t version;                       /* highest version among them */
  uint8_t ids[MM_DETECT_FLOW_MAX_FIELDS]; /* mm_detect_flow_field, in order */
};

/* True when line is a header (every token names a field, as S3 delivery
 * writes it); *out is then its format. */
bool mm__detect_flow_header(const char *line, size_t len, mm_detect_flow_format *out);

/* ---- cloudtrail.c, dnslog.c -------------------------------------------------- */

/* The format a JSON record looks like: CLOUDTRAIL (eventName, eventSource,
 * eventVersion or an EventBridge "... via CloudTrail" envelope), DNS
 * (query_name) or AUTO when neither. */
mm_detect_format mm__detect_json_kind(const mm_json_value *v);
/* The member name of v must be a string holding an ISO 8601 time; MM_OK
 * with *out, or MM_EINVAL with err's path "$.name". */
int mm__detect_need_time(const mm_json_value *v, const char *name, mm_time *out, mm_error *err);
/* Check and classify one record of the format; fill rec's format, flags,
 * value and time. MM_OK or MM_EINVAL with err (message and path). */
int mm__detect_cloudtrail(const mm_json_value *v, mm_detect_record *rec, mm_error *err);
int mm__detect_dns(const mm_json_value *v, mm_detect_record *rec, mm_error *err);

#endif /* MAMORI_DETECT_INT_H */
