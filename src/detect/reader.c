/*
 * reader.c - mm_detect_reader: one normalised record at a time from
 * CloudTrail files, VPC Flow Logs or Route 53 Resolver query logs, with the
 * format sniffed from the input unless the caller names it.
 *
 * Sniffing: the first byte that is not whitespace decides JSON ('{' or '[')
 * or flow-log text (anything else); for JSON, the first record decides
 * CloudTrail (eventName / eventSource / eventVersion, or an EventBridge
 * "... via CloudTrail" envelope) or DNS (query_name). JSON is read by the
 * core streaming reader (mm_json_reader: JSON Lines, {"Records":[...]},
 * top-level arrays, gzip); when the sniffer had to consume a descriptor or a
 * stream to peek, the JSON reader reads the same decoded source through a
 * FILE* (source.c). Flow logs are read by lines (source.c) and parsed in
 * place (flowlog.c); a header line (S3 delivery) sets the format for the
 * lines after it, else the caller's format string, else AWS's default.
 *
 * Errors: each bad record or input failure is returned once, located
 * (line, column, offset), and counted; the next call goes on.
 */
#include "detect/detect_int.h"

#include "mamori/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct mm_detect_reader {
  mm_detect_options opt;             /* the caller's, copied (flow_format not kept) */
  mm_detect_format format;           /* decided format; AUTO until known */
  mm__detect_src *src;               /* flow lines and sniffing; NULL when unused */
  FILE *bridge;                      /* src as a FILE* for the JSON reader, or NULL */
  mm_json_reader *json;              /* CloudTrail / DNS records, or NULL */
  const mm_detect_flow_format *fmt;  /* current flow format */
  mm_detect_flow_format *caller_fmt; /* opt.flow_format parsed; owned; NULL = default */
  mm_detect_flow_format header_fmt;  /* the last header line's */
  mm_detect_flow flow;               /* the last flow record, typed */
  mm_buf text;                       /* its JSON text */
  mm_json_doc *doc;                  /* its DOM; reused */
  mm_detect_stats stats;             /* counts */
  bool src_told;                     /* the bridge source's failure was reported */
};

/* Where a reader's input comes from before it is opened. */
typedef struct input_spec {
  const char *path;    /* open_path, or NULL */
  mm__detect_input in; /* descriptor, stream or memory (fd -1 for a path) */
} input_spec;

const char *mm_detect_format_name(mm_detect_format f) {
  static const char *const names[] = {"auto", "cloudtrail", "flow", "dns"};
  return (unsigned)f < MM_ARRAY_LEN(names) ? names[f] : "auto";
}

int mm_detect_format_parse(const char *s, mm_detect_format *out) {
  for (int f = MM_DETECT_AUTO; f <= MM_DETECT_DNS; f++)
    if (s && strcmp(s, mm_detect_format_name((mm_detect_format)f)) == 0)
      return *out = (mm_detect_format)f, MM_OK;
  return MM_EINVAL;
}

/* ---- opening ------------------------------------------------------------------ */

static mm_json_options json_options(const mm_detect_reader *r) {
  mm_json_options o = {0};
  o.max_record = r->opt.max_record ? r->opt.max_record : MM_DETECT_MAX_RECORD;
  return o;
}

/* Open the JSON reader on the spec's input (or on the peeked source). */
static int open_json(mm_detect_reader *r, const input_spec *spec, mm_error *err) {
  mm_json_options o = json_options(r);
  mm_json_stream_mode mode =
      r->format == MM_DETECT_DNS ? MM_JSON_STREAM_LINES : MM_JSON_STREAM_AUTO;
  if (r->src) {
    r->bridge = mm__detect_src_stream(r->src);
    if (!r->bridge) return mm_error_set(err, MM_ENOMEM, "out of memory opening the input");
    r->json = mm_json_reader_open_file(r->bridge, mode, &o, err);
  } else if (spec->path) {
    r->json = mm_json_reader_open_path(spec->path, mode, &o, err);
  } else if (spec->in.mem) {
    r->json = mm_json_reader_open_mem(spec->in.mem, spec->in.mem_len, mode, &o, err);
  } else if (spec->in.f) {
    r->json = mm_json_reader_open_file(spec->in.f, mode, &o, err);
  } else {
    r->json = mm_json_reader_open_fd(spec->in.fd, mode, &o, err);
  }
  return r->json ? MM_OK : err ? err->code : MM_ENOMEM;
}

static int open_source(mm_detect_reader *r, const input_spec *spec, mm_error *err) {
  mm__detect_input in = spec->in;
  if (spec->path) {
    in.fd = open(spec->path, O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) return mm_error_set(err, MM_EIO, "cannot open: %s", strerror(errno));
    in.own_fd = true;
  }
  size_t max_line = r->opt.max_line ? r->opt.max_line : MM_DETECT_MAX_LINE;
  r->src = mm__detect_src_open(&in, max_line, err);
  if (!r->src && in.own_fd) close(in.fd);
  return r->src ? MM_OK : MM_ENOMEM;
}

/* AUTO: peek at the first byte; JSON goes to the JSON reader, reopened
 * from the start when the input can be reopened (a path, memory). */
static int sniff(mm_detect_reader *r, const input_spec *spec, mm_error *err) {
  int rc = open_source(r, spec, err);
  if (rc != MM_OK) return rc;
  int c = mm__detect_src_peek(r->src);
  if (c != '{' && c != '[') return MM_OK; /* flow-log text (or empty) */
  if (spec->path || spec->in.mem) {
    mm__detect_src_close(r->src);
    r->src = NULL;
  }
  return open_json(r, spec, err);
}

static int open_reader(mm_detect_reader *r, const input_spec *spec, mm_error *err) {
  int rc = MM_OK;
  if (r->opt.flow_format) {
    r->caller_fmt =
        mm_detect_flow_format_parse(r->opt.flow_format, strlen(r->opt.flow_format), err);
    if (!r->caller_fmt) return err ? err->code : MM_EINVAL;
  }
  r->opt.flow_format = NULL;
  r->fmt = r->caller_fmt ? r->caller_fmt : mm_detect_flow_format_default();
  r->format = r->opt.format;
  if (r->format == MM_DETECT_AUTO)
    rc = sniff(r, spec, err);
  else if (r->format == MM_DETECT_FLOW)
    rc = open_source(r, spec, err);
  else
    rc = open_json(r, spec, err);
  if (rc == MM_OK && !r->json && r->format == MM_DETECT_AUTO) r->format = MM_DETECT_FLOW;
  if (rc == MM_OK && r->format == MM_DETECT_FLOW && !(r->opt.flags & MM_DETECT_FLOW_TYPED_ONLY)) {
    r->doc = mm_json_doc_new();
    if (!r->doc) rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  return rc;
}

static mm_detect_reader *open_spec(const input_spec *spec, const mm_detect_options *opt,
                                   mm_error *err) {
  mm_detect_reader *r = mm_calloc(1, sizeof(*r));
  if (!r) {
    mm_error_set(err, MM_ENOMEM, "out of memory opening the input");
    return NULL;
  }
  if (opt) r->opt = *opt;
  if (open_reader(r, spec, err) != MM_OK) {
    mm_detect_reader_close(r);
    return NULL;
  }
  return r;
}

mm_detect_reader *mm_detect_reader_open_path(const char *path, const mm_detect_options *opt,
                                             mm_error *err) {
  input_spec spec = {path, {-1, false, NULL, NULL, 0}};
  return open_spec(&spec, opt, err);
}

mm_detect_reader *mm_detect_reader_open_fd(int fd, const mm_detect_options *opt, mm_error *err) {
  input_spec spec = {NULL, {fd, false, NULL, NULL, 0}};
  return open_spec(&spec, opt, err);
}

mm_detect_reader *mm_detect_reader_open_file(FILE *f, const mm_detect_options *opt, mm_error *err) {
  input_spec spec = {NULL, {-1, false, f, NULL, 0}};
  return open_spec(&spec, opt, err);
}

mm_detect_reader *mm_detect_reader_open_mem(const void *data, size_t len,
                                            const mm_detect_options *opt, mm_error *err) {
  static const char empty[1] = "";
  input_spec spec = {NULL, {-1, false, NULL, data ? data : empty, data ? len : 0}};
  return open_spec(&spec, opt, err);
}

void mm_detect_reader_close(mm_detect_reader *r) {
  if (!r) return;
  mm_json_reader_close(r->json);
  if (r->bridge) fclose(r->bridge);
  mm__detect_src_close(r->src);
  mm_detect_flow_format_free(r->caller_fmt);
  mm_buf_free(&r->text);
  mm_json_doc_free(r->doc);
  mm_free(r);
}

mm_detect_format mm_detect_reader_format(const mm_detect_reader *r) { return r->format; }

mm_detect_stats mm_detect_reader_stats(const mm_detect_reader *r) {
  mm_detect_stats st = r->stats;
  if (r->src && !r->json) st.bytes = mm__detect_src_consumed(r->src);
  return st;
}

/* ---- JSON records ------------------------------------------------------------- */

typedef int (*check_fn)(const mm_json_value *v, mm_detect_record *rec, mm_error *err);

/* The check of each JSON format, by mm_detect_format. */
static const check_fn checks[] = {
    [MM_DETECT_CLOUDTRAIL] = mm__detect_cloudtrail,
    [MM_DETECT_DNS] = mm__detect_dns,
};

int mm_detect_json_record(const mm_json_value *v, mm_detect_format format, mm_detect_record *rec,
                          mm_error *err) {
  if (format == MM_DETECT_AUTO) format = mm__detect_json_kind(v);
  if (format != MM_DETECT_CLOUDTRAIL && format != MM_DETECT_DNS)
    return mm_error_set(err, MM_EINVAL,
                        "neither a CloudTrail event nor a Route 53 Resolver query log record");
  memset(rec, 0, sizeof(*rec));
  return checks[format](v, rec, err);
}

/* A record the checks refused: locate err at the record's first byte. */
static int record_error(mm_detect_reader *r, const mm_json_record *jr, mm_error *err, int rc) {
  r->stats.errors++;
  if (err) {
    err->line = (uint32_t)jr->line;
    err->column = jr->column;
    err->offset = (size_t)jr->offset;
  }
  return rc;
}

static int next_json(mm_detect_reader *r, mm_detect_record *rec, mm_error *err) {
  mm_json_record jr;
  int rc = mm_json_reader_next(r->json, &jr, err);
  if (rc == MM_EOF) {
    rc = r->src && !r->src_told ? mm__detect_src_failure(r->src, err) : MM_OK;
    r->src_told = true;
    if (rc == MM_OK) return MM_EOF;
  }
  if (rc != MM_OK) return r->stats.errors++, rc;
  mm_detect_format f = r->format;
  if (f == MM_DETECT_AUTO) f = mm__detect_json_kind(jr.value);
  rc = mm_detect_json_record(jr.value, f, rec, err);
  if (rc != MM_OK) return record_error(r, &jr, err, rc);
  r->format = f; /* the first good record decides */
  rec->index = r->stats.records++;
  rec->line = jr.line;
  rec->offset = jr.offset;
  r->stats.bytes = jr.offset; /* the JSON reader's position, to a record */
  return MM_OK;
}

/* ---- flow-log lines ------------------------------------------------------------ */

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t') return false;
  return true;
}

/* A header line: its first token is lower-case letters and dashes (no data
 * value AWS writes first is) and every token names a field. Its format
 * then holds for the lines after it. */
static bool header_line(mm_detect_reader *r, const char *s, size_t n) {
  if (n == 0 || s[0] < 'a' || s[0] > 'z') return false;
  for (size_t i = 0; i < n && s[i] != ' '; i++)
    if (s[i] >= '0' && s[i] <= '9') return false;
  if (!mm__detect_flow_header(s, n, &r->header_fmt)) return false;
  r->fmt = &r->header_fmt;
  return true;
}

/* The JSON form of the typed record, parsed into the reader's document. */
static int flow_dom(mm_detect_reader *r, mm_detect_record *rec, mm_error *err) {
  mm_buf_clear(&r->text);
  if (mm_detect_flow_to_json(r->fmt, &r->flow, &r->text) != MM_OK)
    return mm_error_set(err, MM_ENOMEM, "out of memory");
  int rc = mm_json_doc_parse(r->doc, r->text.ptr, r->text.len, NULL, err);
  if (rc != MM_OK) return rc;
  rec->value = mm_json_doc_root(r->doc);
  return MM_OK;
}

static int flow_line(mm_detect_reader *r, char *line, size_t len, mm_detect_record *rec,
                     mm_error *err) {
  int rc = mm_detect_flow_parse(r->fmt, line, len, &r->flow, err);
  if (rc != MM_OK) return rc;
  memset(rec, 0, sizeof(*rec));
  rec->format = MM_DETECT_FLOW;
  rec->flow = &r->flow;
  if (mm_detect_flow_has(&r->flow, MM_DETECT_FLOW_START))
    rec->time = r->flow.start * MM_TIME_US_PER_SEC;
  if (!(r->opt.flags & MM_DETECT_FLOW_TYPED_ONLY)) rc = flow_dom(r, rec, err);
  return rc;
}

static int next_flow(mm_detect_reader *r, mm_detect_record *rec, mm_error *err) {
  char *line;
  size_t len;
  uint64_t lineno, offset;
  int rc;
  while ((rc = mm__detect_src_line(r->src, &line, &len, &lineno, &offset, err)) == MM_OK) {
    if (blank(line, len)) continue;
    if (header_line(r, line, len)) continue;
    rc = flow_line(r, line, len, rec, err);
    if (rc != MM_OK) { /* flowlog.c located it in the line: place the line */
      if (err) {
        err->line = (uint32_t)lineno;
        err->offset += (size_t)offset;
      }
      r->stats.errors++;
      return rc;
    }
    rec->index = r->stats.records++;
    rec->line = lineno;
    rec->offset = offset;
    return MM_OK;
  }
  if (rc != MM_EOF) r->stats.errors++;
  return rc;
}

int mm_detect_reader_next(mm_detect_reader *r, mm_detect_record *rec, mm_error *err) {
  if (r->json) return next_json(r, rec, err);
  return next_flow(r, rec, err);
}
