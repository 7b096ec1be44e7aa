/*
 * cmd_detect.c - `mamori detect`: the threat-detection engine's commands
 * (docs/detect.md). `read` streams CloudTrail files, VPC Flow Logs and
 * Route 53 Resolver query logs through the detect readers and prints each
 * normalised record as one JSON line, with AWS's field names, so a user sees
 * exactly what detection rules will match. `run` feeds logs through the
 * detection engine (rules from data/detect/rules, threat lists) and prints
 * GuardDuty findings; `follow` does the same on a growing file or stdin,
 * as tail -f does; `rules` lists the rules loaded.
 */
#include "cli/cli.h"
#include "mamori/detect.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char read_usage[] =
    "usage: mamori detect read [--format auto|cloudtrail|flow|dns] [--flow-format FMT] FILE...\n"
    "\n"
    "Read each FILE (- for stdin; .gz read transparently) and print its records,\n"
    "normalised, as JSON Lines: CloudTrail events (from {\"Records\":[...]} files,\n"
    "arrays, JSON Lines, EventBridge envelopes), VPC Flow Logs lines (default or\n"
    "custom format, with or without the header line) as objects with AWS's field\n"
    "names, Route 53 Resolver query log records as AWS writes them.\n"
    "A bad record is reported on stderr as FILE:LINE:COLUMN and skipped; a\n"
    "summary of records and errors ends stderr.\n"
    "\n"
    "  --format F        auto (default: sniffed from the first record), cloudtrail,\n"
    "                    flow or dns\n"
    "  --flow-format FMT flow logs without a header line: AWS's format string,\n"
    "                    e.g. '${version} ${vpc-id} ${srcaddr} ...' (default: the\n"
    "                    version 2 default format)\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 a record or FILE was bad (the others were printed)\n";

enum { OPT_FORMAT = 256, OPT_FLOW_FORMAT };

static const struct option read_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"flow-format", required_argument, NULL, OPT_FLOW_FORMAT},
    {NULL, 0, NULL, 0},
};

/* Options into *o; the index of the first FILE, or -1 after a usage error. */
static int parse_read_opts(int argc, char **argv, mm_detect_options *o) {
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", read_opts, NULL)) != -1) {
    if (c == OPT_FORMAT && mm_detect_format_parse(optarg, &o->format) != MM_OK)
      return mm__cli_usage_error("--format is auto, cloudtrail, flow or dns"), -1;
    if (c == OPT_FLOW_FORMAT) o->flow_format = optarg;
    if (c != OPT_FORMAT && c != OPT_FLOW_FORMAT)
      return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]), -1;
  }
  return optind;
}

static mm_detect_reader *open_input(const char *path, const mm_detect_options *o, mm_error *err) {
  if (strcmp(path, "-") == 0) return mm_detect_reader_open_fd(0, o, err);
  return mm_detect_reader_open_path(path, o, err);
}

/* Print path's records; add its counts to *total. */
static void read_file(const char *path, const mm_detect_options *o, mm_buf *out,
                      mm_detect_stats *total) {
  mm_error err;
  mm_error_clear(&err);
  mm_detect_reader *r = open_input(path, o, &err);
  if (!r) {
    mm__cli_report(path, &err);
    total->errors++;
    return;
  }
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      mm__cli_report(path, &err);
      continue;
    }
    mm_buf_clear(out);
    if (mm_json_write(out, rec.value, 0) == MM_OK) puts(out->ptr);
  }
  mm_detect_stats st = mm_detect_reader_stats(r);
  total->records += st.records;
  total->errors += st.errors;
  mm_detect_reader_close(r);
}

static int run_read(int argc, char **argv) {
  mm_detect_options o = {0};
  int first = parse_read_opts(argc, argv, &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (first >= argc) return mm__cli_usage_error("detect read needs at least one FILE");
  if (o.flow_format) {
    mm_error err;
    mm_detect_flow_format *fmt =
        mm_detect_flow_format_parse(o.flow_format, strlen(o.flow_format), &err);
    if (!fmt) return mm__cli_report_arg(o.flow_format, &err), MM_EXIT_USAGE;
    mm_detect_flow_format_free(fmt);
  }
  mm_detect_stats total = {0, 0, 0};
  mm_buf out = MM_BUF_INIT;
  for (int i = first; i < argc; i++) read_file(argv[i], &o, &out, &total);
  mm_buf_free(&out);
  fflush(stdout);
  fprintf(stderr, "mamori: %llu records, %llu errors\n", (unsigned long long)total.records,
          (unsigned long long)total.errors);
  return total.errors ? MM_EXIT_INPUT : MM_EXIT_OK;
}

/* ---- the engine's commands: shared options -------------------------------------- */

#ifndef MM_DETECT_DATA_DIR
#define MM_DETECT_DATA_DIR "data/detect"
#endif

/* The shipped data: $MAMORI_DETECT_DATA, else the folder built in. */
static const char *data_dir(void) {
  const char *env = getenv("MAMORI_DETECT_DATA");
  return env && *env ? env : MM_DETECT_DATA_DIR;
}

typedef enum out_format { OUT_JSON, OUT_ASFF, OUT_EVENTBRIDGE, OUT_TABLE } out_format;

typedef struct engine_opts {
  const char *rules[16]; /* --rules, in order; none = the shipped rules */
  int nrules;
  const char *intel;     /* --intel DIR */
  bool no_default_intel; /* --no-default-intel */
  out_format out;        /* --format */
  bool progress;         /* --progress */
  mm_detect_format input;
  double interval; /* follow: --interval seconds */
} engine_opts;

enum { OPT_RULES = 300, OPT_INTEL, OPT_OUT, OPT_PROGRESS, OPT_NO_INTEL, OPT_INPUT, OPT_INTERVAL };

static const struct option engine_long[] = {
    {"rules", required_argument, NULL, OPT_RULES},
    {"intel", required_argument, NULL, OPT_INTEL},
    {"no-default-intel", no_argument, NULL, OPT_NO_INTEL},
    {"format", required_argument, NULL, OPT_OUT},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"input-format", required_argument, NULL, OPT_INPUT},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {NULL, 0, NULL, 0},
};

static int parse_out(const char *s, out_format *out) {
  static const char *const names[] = {"json", "asff", "eventbridge", "table"};
  for (size_t i = 0; i < MM_ARRAY_LEN(names); i++)
    if (strcmp(s, names[i]) == 0) return *out = (out_format)i, 0;
  return mm__cli_usage_error("--format is json, asff, eventbridge or table");
}

static int engine_opt(engine_opts *o, int c) {
  switch (c) {
    case OPT_RULES:
      if (o->nrules == (int)MM_ARRAY_LEN(o->rules)) return mm__cli_usage_error("too many --rules");
      o->rules[o->nrules++] = optarg;
      return 0;
    case OPT_INTEL:
      o->intel = optarg;
      return 0;
    case OPT_NO_INTEL:
      o->no_default_intel = true;
      return 0;
    case OPT_OUT:
      return parse_out(optarg, &o->out);
    case OPT_PROGRESS:
      o->progress = true;
      return 0;
    case OPT_INPUT:
      return mm_detect_format_parse(optarg, &o->input) == MM_OK
                 ? 0
                 : mm__cli_usage_error("--input-format is auto, cloudtrail, flow or dns");
    case OPT_INTERVAL: {
      char *end;
      o->interval = strtod(optarg, &end);
      return *end || !(o->interval > 0 && o->interval <= 3600)
                 ? mm__cli_usage_error("--interval is seconds, more than 0, at most 3600")
                 : 0;
    }
    default:
      return mm__cli_usage_error("unknown option");
  }
}

/* Options into *o; the index of the first operand, or -1 after a usage error. */
static int parse_engine_opts(int argc, char **argv, engine_opts *o) {
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", engine_long, NULL)) != -1) {
    if (c == '?' || c == ':') return mm__cli_usage_error("bad option '%s'", argv[optind - 1]), -1;
    if (engine_opt(o, c) != 0) return -1;
  }
  return optind;
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The rules of --rules (or the shipped ones), reported on error. */
static mm_detect_rules *load_rules(const engine_opts *o) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  mm_error_clear(&err);
  char shipped[4096];
  snprintf(shipped, sizeof(shipped), "%s/rules", data_dir());
  int n = o->nrules ? o->nrules : 1;
  for (int i = 0; rs && i < n; i++) {
    const char *path = o->nrules ? o->rules[i] : shipped;
    if (mm_detect_rules_load(rs, path, &err) != MM_OK) {
      if (err.line)
        mm__cli_report(path, &err);
      else
        fprintf(stderr, "mamori: %s\n", err.msg[0] ? err.msg : mm_strerror(err.code));
      mm_detect_rules_free(rs);
      return NULL;
    }
  }
  if (!rs) fprintf(stderr, "mamori: out of memory\n");
  return rs;
}

static mm_detect_engine *make_engine(const engine_opts *o, mm_detect_finding_fn fn, void *ud) {
  mm_detect_rules *rs = load_rules(o);
  if (!rs) return NULL;
  char shipped[4096];
  snprintf(shipped, sizeof(shipped), "%s/intel", data_dir());
  mm_detect_engine_options eo = {0};
  eo.intel_dir = o->intel;
  eo.default_intel_dir = !o->no_default_intel && is_dir(shipped) ? shipped : NULL;
  eo.on_finding = fn;
  eo.ud = ud;
  mm_error err;
  mm_error_clear(&err);
  mm_detect_engine *e = mm_detect_engine_new(rs, &eo, &err);
  if (!e) fprintf(stderr, "mamori: %s\n", err.msg[0] ? err.msg : mm_strerror(err.code));
  return e;
}

/* ---- printing findings ----------------------------------------------------------- */

static void print_time(mm_time t, char *buf, size_t size) {
  if (!mm_time_format(t, MM_TIME_RFC3339, buf, size)) snprintf(buf, size, "-");
}

static void print_table_header(void) {
  printf("%-8s %-4s %-70s %6s  %-24s %s\n", "SEVERITY", "", "TYPE", "COUNT", "RESOURCE",
         "LAST SEEN");
}

static void print_finding(const mm_detect_finding *f, out_format how, mm_buf *b) {
  if (how == OUT_TABLE) {
    char last[MM_TIME_FORMAT_MAX];
    print_time(mm_detect_finding_last_seen(f), last, sizeof(last));
    printf("%-8s %-4.1f %-70s %6llu  %-24s %s\n",
           mm_detect_severity_label(mm_detect_finding_severity(f)), mm_detect_finding_severity(f),
           mm_detect_finding_type(f), (unsigned long long)mm_detect_finding_count(f),
           mm_detect_finding_resource(f), last);
    return;
  }
  static const mm_detect_output shapes[] = {MM_DETECT_OUT_GUARDDUTY, MM_DETECT_OUT_ASFF,
                                            MM_DETECT_OUT_EVENTBRIDGE};
  mm_buf_clear(b);
  if (mm_detect_finding_write(f, shapes[how], b) == MM_OK) puts(b->ptr);
}

/* ---- run ---------------------------------------------------------------------------- */

static const char run_usage[] =
    "usage: mamori detect run [--rules PATH]... [--intel DIR] [--no-default-intel]\n"
    "                         [--format json|asff|eventbridge|table] [--progress]\n"
    "                         [--input-format auto|cloudtrail|flow|dns] [LOG...]\n"
    "\n"
    "Run every detection rule (GuardDuty's CloudTrail finding types and mamori's\n"
    "own; docs/detect.md) over each LOG (- or none: stdin; gzip read as is) and\n"
    "print the findings, repeats aggregated into one finding with its count, once\n"
    "the input is read: JSON Lines in GuardDuty's finding shape (default), ASFF,\n"
    "EventBridge events (\"detail-type\": \"GuardDuty Finding\"), or a table.\n"
    "Bad records are reported on stderr as FILE:LINE:COLUMN and skipped.\n"
    "\n"
    "  --rules PATH      a rule file or folder (repeatable); default: the shipped\n"
    "                    rules ($MAMORI_DETECT_DATA/rules, else data/detect/rules)\n"
    "  --intel DIR       your threat and trusted-IP lists (docs/detect.md)\n"
    "  --no-default-intel  do not load the shipped threat lists\n"
    "  --format F        json (default), asff, eventbridge or table\n"
    "  --progress        records and findings on stderr as they go (default when\n"
    "                    stderr is a terminal)\n"
    "  --input-format F  auto (default: sniffed per LOG), cloudtrail, flow or dns\n"
    "\n"
    "exit: 0 no finding, 1 findings, 2 usage, 3 a LOG or record was bad (the rest\n"
    "was still read and its findings printed)\n";

typedef struct run_state {
  mm_detect_engine *e;
  uint64_t records, errors, bytes;
  bool progress;
  struct timespec last;
} run_state;

static double since(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) * 1e-9;
}

static void show_progress(run_state *s, bool final) {
  if (!s->progress) return;
  if (!final && since(&s->last) < 0.5) return;
  clock_gettime(CLOCK_MONOTONIC, &s->last);
  fprintf(stderr, "\rmamori: %llu records, %.1f MB, %zu findings, %llu errors%s",
          (unsigned long long)s->records, (double)s->bytes / 1e6,
          mm_detect_engine_finding_count(s->e), (unsigned long long)s->errors, final ? "\n" : "");
}

static void run_file(run_state *s, const char *path, const engine_opts *o) {
  mm_detect_options ro = {0};
  ro.format = o->input;
  mm_error err;
  mm_error_clear(&err);
  mm_detect_reader *r = open_input(path, &ro, &err);
  if (!r) {
    mm__cli_report(path, &err);
    s->errors++;
    return;
  }
  mm_detect_record rec;
  int rc;
  uint64_t base = s->bytes;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      mm__cli_report(path, &err);
      s->errors++;
      continue;
    }
    mm_detect_engine_feed(s->e, &rec);
    if ((++s->records & 4095) == 0) {
      s->bytes = base + mm_detect_reader_stats(r).bytes;
      show_progress(s, false);
    }
  }
  s->bytes = base + mm_detect_reader_stats(r).bytes;
  mm_detect_reader_close(r);
}

static int run_run(int argc, char **argv) {
  engine_opts o = {0};
  o.progress = mm__cli_progress_wanted();
  int first = parse_engine_opts(argc, argv, &o);
  if (first < 0) return MM_EXIT_USAGE;
  run_state s = {0};
  s.progress = o.progress;
  clock_gettime(CLOCK_MONOTONIC, &s.last);
  if (!(s.e = make_engine(&o, NULL, NULL))) return MM_EXIT_INPUT;
  if (first >= argc) run_file(&s, "-", &o);
  for (int i = first; i < argc; i++) run_file(&s, argv[i], &o);
  mm_detect_engine_flush(s.e);
  show_progress(&s, true);
  size_t n = mm_detect_engine_finding_count(s.e);
  mm_buf b = MM_BUF_INIT;
  if (o.out == OUT_TABLE && n) print_table_header();
  for (size_t i = 0; i < n; i++) print_finding(mm_detect_engine_finding(s.e, i), o.out, &b);
  mm_buf_free(&b);
  fflush(stdout);
  mm_detect_engine_free(s.e);
  return s.errors ? MM_EXIT_INPUT : n ? MM_EXIT_FINDING : MM_EXIT_OK;
}

/* ---- follow --------------------------------------------------------------------------- */

static const char follow_usage[] =
    "usage: mamori detect follow [--rules PATH]... [--intel DIR] [--no-default-intel]\n"
    "                            [--format json|asff|eventbridge|table]\n"
    "                            [--input-format auto|cloudtrail|flow|dns]\n"
    "                            [--interval SECONDS] FILE|-\n"
    "\n"
    "Watch FILE as it grows (tail -f), or read stdin (-) until it ends, and print\n"
    "each new finding as soon as a record raises it; a finding that repeats is\n"
    "printed again with its new count at most every 10 seconds, and at the end.\n"
    "FILE is read line by line (JSON Lines, VPC flow log lines): a line is read\n"
    "once it is complete. When FILE shrinks (truncated) it is read again from the\n"
    "start; when it is replaced (rotated: another inode) the new file is read\n"
    "from its start. Stops on SIGINT or SIGTERM (or at the end of stdin).\n"
    "\n"
    "  --interval S  how often to look for growth, in seconds (default 0.25)\n"
    "  other options as for `mamori detect run`\n"
    "\n"
    "exit: 0 no finding, 1 findings, 2 usage, 3 FILE could not be read or a\n"
    "record was bad\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

typedef struct follow_state {
  mm_detect_engine *e;
  out_format out;
  mm_buf line;          /* an incomplete last line */
  mm_buf print;         /* output scratch */
  mm_buf flow_header;   /* a flow log's header line, for later chunks */
  mm_detect_format fmt; /* sniffed from the first chunk */
  uint64_t *printed;    /* count last printed, per finding index */
  size_t nprinted;
  struct timespec last_update;
  uint64_t lineno; /* lines before the current chunk */
  uint64_t errors;
  const char *name;
} follow_state;

static void on_follow_finding(void *ud, const mm_detect_finding *f, bool first) {
  follow_state *s = ud;
  if (!first) return;
  print_finding(f, s->out, &s->print);
  fflush(stdout);
}

/* Print the findings whose count grew since they were last printed. */
static void print_updates(follow_state *s, bool force) {
  if (!force && since(&s->last_update) < 10.0) return;
  clock_gettime(CLOCK_MONOTONIC, &s->last_update);
  size_t n = mm_detect_engine_finding_count(s->e);
  if (n > s->nprinted) {
    uint64_t *p = realloc(s->printed, n * sizeof(*p));
    if (!p) return;
    for (size_t i = s->nprinted; i < n; i++) p[i] = 1;
    s->printed = p, s->nprinted = n;
  }
  for (size_t i = 0; i < n; i++) {
    const mm_detect_finding *f = mm_detect_engine_finding(s->e, i);
    if (mm_detect_finding_count(f) == s->printed[i]) continue;
    s->printed[i] = mm_detect_finding_count(f);
    print_finding(f, s->out, &s->print);
  }
  fflush(stdout);
}

/* Feed complete lines data[0..len) through a reader of the sniffed format. */
static void follow_chunk(follow_state *s, const char *data, size_t len) {
  mm_detect_options ro = {0};
  ro.format = s->fmt;
  if (s->fmt == MM_DETECT_FLOW && s->flow_header.len) ro.flow_format = s->flow_header.ptr;
  mm_error err;
  mm_detect_reader *r = mm_detect_reader_open_mem(data, len, &ro, &err);
  if (!r) return;
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      err.line += (uint32_t)s->lineno;
      mm__cli_report(s->name, &err);
      s->errors++;
      continue;
    }
    mm_detect_engine_feed(s->e, &rec);
  }
  if (s->fmt == MM_DETECT_AUTO) s->fmt = mm_detect_reader_format(r);
  mm_detect_reader_close(r);
}

/* The first chunk of a flow log may start with its header: keep it. */
static void note_header(follow_state *s, const char *data, size_t len) {
  if (s->lineno || s->flow_header.len || len < 8 || memcmp(data, "version ", 8) != 0) return;
  const char *nl = memchr(data, '\n', len);
  if (nl) mm_buf_append(&s->flow_header, data, (size_t)(nl - data));
}

/* Append new bytes; process every complete line, keep the rest. */
static void follow_bytes(follow_state *s, const char *data, size_t len) {
  mm_buf_append(&s->line, data, len);
  const char *buf = s->line.ptr;
  const char *end = buf ? memrchr(buf, '\n', s->line.len) : NULL;
  if (!end) return;
  size_t done = (size_t)(end - buf) + 1;
  note_header(s, buf, done);
  follow_chunk(s, buf, done);
  for (size_t i = 0; i < done; i++) s->lineno += buf[i] == '\n';
  memmove(s->line.ptr, buf + done, s->line.len - done);
  s->line.len -= done;
  s->line.ptr[s->line.len] = '\0';
}

static void nap(double secs) {
  struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
  nanosleep(&ts, NULL);
}

/* Read what fd holds now; false at EOF of a pipe/stdin or on an error. */
static bool drain(follow_state *s, int fd, off_t *pos) {
  char chunk[65536];
  ssize_t n = 0;
  while (!stop_flag && (n = read(fd, chunk, sizeof(chunk))) > 0) {
    *pos += n;
    follow_bytes(s, chunk, (size_t)n);
    print_updates(s, false);
  }
  return !(n < 0 && errno != EINTR && errno != EAGAIN);
}

static void follow_stdin(follow_state *s) {
  off_t pos = 0;
  (void)drain(s, 0, &pos);
  if (s->line.len) follow_bytes(s, "\n", 1); /* a last line without newline */
}

/* Reopen path when it was replaced or truncated; the new descriptor or fd. */
static int check_rotation(follow_state *s, const char *path, int fd, off_t *pos) {
  struct stat now, cur;
  if (stat(path, &now) != 0 || fstat(fd, &cur) != 0) return fd;
  if (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev) {
    int nfd = open(path, O_RDONLY);
    if (nfd < 0) return fd;
    close(fd);
    fprintf(stderr, "mamori: %s: replaced, reading the new file\n", path);
    *pos = 0, s->line.len = 0, s->lineno = 0;
    return nfd;
  }
  if (cur.st_size < *pos) {
    fprintf(stderr, "mamori: %s: truncated, reading from the start\n", path);
    lseek(fd, 0, SEEK_SET);
    *pos = 0, s->line.len = 0, s->lineno = 0;
  }
  return fd;
}

static int follow_file(follow_state *s, const char *path, double interval) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
    return MM_EXIT_INPUT;
  }
  off_t pos = 0;
  while (!stop_flag) {
    if (!drain(s, fd, &pos)) break;
    print_updates(s, false);
    nap(interval);
    fd = check_rotation(s, path, fd, &pos);
  }
  close(fd);
  return MM_EXIT_OK;
}

static int run_follow(int argc, char **argv) {
  engine_opts o = {0};
  o.interval = 0.25;
  int first = parse_engine_opts(argc, argv, &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (argc - first != 1) return mm__cli_usage_error("detect follow needs one FILE (or -)");
  follow_state s = {0};
  s.out = o.out, s.fmt = o.input, s.name = argv[first];
  s.line = s.print = s.flow_header = (mm_buf)MM_BUF_INIT;
  clock_gettime(CLOCK_MONOTONIC, &s.last_update);
  if (!(s.e = make_engine(&o, on_follow_finding, &s))) return MM_EXIT_INPUT;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (o.out == OUT_TABLE) print_table_header();
  int rc = MM_EXIT_OK;
  if (strcmp(argv[first], "-") == 0)
    follow_stdin(&s);
  else
    rc = follow_file(&s, argv[first], o.interval);
  mm_detect_engine_flush(s.e);
  print_updates(&s, true);
  size_t n = mm_detect_engine_finding_count(s.e);
  mm_detect_engine_free(s.e);
  free(s.printed);
  mm_buf_free(&s.line);
  mm_buf_free(&s.print);
  mm_buf_free(&s.flow_header);
  if (rc != MM_EXIT_OK || s.errors) return MM_EXIT_INPUT;
  return n ? MM_EXIT_FINDING : MM_EXIT_OK;
}

/* ---- rules ------------------------------------------------------------------------------ */

static const char rules_usage[] =
    "usage: mamori detect rules [--rules PATH]... [--format json|table]\n"
    "\n"
    "Load the detection rules (the shipped ones, or each --rules file or folder),\n"
    "check them, and list them: id, finding type, severity, source, patterns,\n"
    "whether they count over a window or need a threat list. A rule error is\n"
    "reported with its file and JSON path.\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 a rule file is bad\n";

static void rule_json(const mm_detect_rule_info *ri, mm_buf *b) {
  mm_json_writer w;
  mm_buf_clear(b);
  mm_json_writer_init(&w, b, 0);
  mm_json_write_object_begin(&w);
  const char *keys[] = {"id", "type", "title", "author", "origin", "resource"};
  const char *vals[] = {ri->id, ri->type, ri->title, ri->author, ri->origin, ri->resource};
  for (size_t i = 0; i < MM_ARRAY_LEN(keys); i++) {
    mm_json_write_key(&w, keys[i], strlen(keys[i]));
    mm_json_write_string(&w, vals[i], strlen(vals[i]));
  }
  mm_json_write_key(&w, "severity", 8);
  mm_json_write_double(&w, ri->severity);
  mm_json_write_key(&w, "source", 6);
  const char *src = mm_detect_format_name(ri->source);
  mm_json_write_string(&w, src, strlen(src));
  mm_json_write_key(&w, "patterns", 8);
  mm_json_write_uint64(&w, ri->patterns);
  mm_json_write_key(&w, "threshold", 9);
  mm_json_write_bool(&w, ri->threshold);
  mm_json_write_key(&w, "intel", 5);
  mm_json_write_bool(&w, ri->intel);
  mm_json_write_object_end(&w);
}

static int run_rules(int argc, char **argv) {
  engine_opts o = {0};
  o.out = OUT_TABLE;
  int first = parse_engine_opts(argc, argv, &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (first < argc) return mm__cli_usage_error("detect rules takes no operand");
  mm_detect_rules *rs = load_rules(&o);
  if (!rs) return MM_EXIT_INPUT;
  mm_buf b = MM_BUF_INIT;
  size_t n = mm_detect_rules_count(rs);
  if (o.out == OUT_TABLE)
    printf("%-56s %-64s %4s %-10s %s\n", "ID", "TYPE", "SEV", "SOURCE", "NOTES");
  for (size_t i = 0; i < n; i++) {
    mm_detect_rule_info ri;
    mm_detect_rules_info(rs, i, &ri);
    if (o.out != OUT_TABLE) {
      rule_json(&ri, &b);
      puts(b.ptr);
      continue;
    }
    printf("%-56s %-64s %4.1f %-10s %s%s\n", ri.id, ri.type, ri.severity,
           mm_detect_format_name(ri.source), ri.threshold ? "threshold " : "",
           ri.intel ? "intel" : "");
  }
  if (o.out == OUT_TABLE) fprintf(stderr, "mamori: %zu rules\n", n);
  mm_buf_free(&b);
  mm_detect_rules_free(rs);
  return MM_EXIT_OK;
}

static const mm__cli_verb detect_verbs[] = {
    {"read", "print CloudTrail, VPC flow and DNS log records, normalised, as JSON Lines",
     read_usage, run_read},
    {"run", "run the detection rules over logs and print GuardDuty findings", run_usage, run_run},
    {"follow", "watch a growing log (or stdin) and print findings as they come", follow_usage,
     run_follow},
    {"rules", "list (and check) the detection rules", rules_usage, run_rules},
    {"sigma", "convert a Sigma rule (YAML) into a mamori detection rule",
     mm__cli_detect_sigma_usage, mm__cli_detect_sigma},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_detect = {
    "detect", "threat detection over CloudTrail, VPC Flow Logs and DNS logs", detect_verbs};
