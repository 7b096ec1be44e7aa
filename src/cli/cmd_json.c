/*
 * cmd_json.c - `mamori json`: check, format and stream JSON with the core
 * parser (docs/core/json.md). Every AWS document mamori reads - a WebACL, an
 * IAM policy, a CloudTrail file - goes through the same parser, so `json
 * check` tells a user exactly what mamori will say of their file.
 */
#include "cli/cli.h"
#include "mamori/json.h"

#include <getopt.h>
#include <string.h>
#include <time.h>

/* ---- check ------------------------------------------------------------------ */

static const char check_usage[] =
    "usage: mamori json check [--max-depth N] [--no-duplicates] [--json] FILE...\n"
    "\n"
    "Check that each FILE (- for stdin; .gz read transparently) holds exactly\n"
    "one strict RFC 8259 JSON document. Prints 'FILE: ok' or\n"
    "'FILE:LINE:COLUMN: message' for each; with --json one JSON object per file.\n"
    "\n"
    "  --max-depth N      nesting limit (default 512)\n"
    "  --no-duplicates    a repeated object key is an error\n"
    "  --json             machine-readable output\n"
    "\n"
    "exit: 0 all valid, 2 usage, 3 any file invalid or unreadable\n";

typedef struct json_cli_opts {
  mm_json_options parse;    /* limits and flags for the parser */
  mm_json_stream_mode mode; /* for records */
  bool json;                /* machine-readable output */
  bool compact;             /* for fmt */
  bool progress;            /* progress lines on stderr */
} json_cli_opts;

enum { OPT_MAX_DEPTH = 256, OPT_NO_DUPS, OPT_JSON, OPT_COMPACT, OPT_MODE, OPT_PROGRESS };

static const struct option json_long_opts[] = {
    {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
    {"no-duplicates", no_argument, NULL, OPT_NO_DUPS},
    {"json", no_argument, NULL, OPT_JSON},
    {"compact", no_argument, NULL, OPT_COMPACT},
    {"mode", required_argument, NULL, OPT_MODE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {NULL, 0, NULL, 0},
};

static bool parse_mode(const char *s, mm_json_stream_mode *mode) {
  static const struct {
    const char *name;
    mm_json_stream_mode mode;
  } modes[] = {
      {"auto", MM_JSON_STREAM_AUTO},
      {"lines", MM_JSON_STREAM_LINES},
      {"document", MM_JSON_STREAM_DOCUMENT},
      {"records", MM_JSON_STREAM_RECORDS},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(modes); i++)
    if (strcmp(s, modes[i].name) == 0) return *mode = modes[i].mode, true;
  return false;
}

#define ALLOW(opt) (1u << ((opt)-OPT_MAX_DEPTH))

/* getopt_long over argv, accepting the options in the `allowed` mask (of
 * ALLOW(OPT_...)); the operands start at the returned index, or -1 after a
 * usage error was printed. */
static int parse_json_opts(int argc, char **argv, unsigned allowed, json_cli_opts *o) {
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", json_long_opts, NULL)) != -1) {
    if (c >= OPT_MAX_DEPTH && !(allowed & ALLOW(c)))
      return mm__cli_usage_error("option '%s' does not apply here", argv[optind - 1]), -1;
    switch (c) {
      case OPT_MAX_DEPTH:
        if (!mm__cli_parse_size(optarg, &o->parse.max_depth) || !o->parse.max_depth)
          return mm__cli_usage_error("--max-depth needs a positive number"), -1;
        break;
      case OPT_NO_DUPS:
        o->parse.flags |= MM_JSON_REJECT_DUPLICATES;
        break;
      case OPT_JSON:
        o->json = true;
        break;
      case OPT_COMPACT:
        o->compact = true;
        break;
      case OPT_PROGRESS:
        o->progress = true;
        break;
      case OPT_MODE:
        if (!parse_mode(optarg, &o->mode))
          return mm__cli_usage_error("--mode is auto, lines, document or records"), -1;
        break;
      default:
        return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]), -1;
    }
  }
  return optind;
}

/* Read FILE's single document with the streaming reader (gzip, stdin). */
static mm_json_reader *open_document(const char *path, const mm_json_options *opt, mm_error *err) {
  mm_json_options o = *opt;
  o.max_record = o.max_size ? o.max_size : MM_JSON_MAX_SIZE;
  if (strcmp(path, "-") == 0) return mm_json_reader_open_fd(0, MM_JSON_STREAM_DOCUMENT, &o, err);
  return mm_json_reader_open_path(path, MM_JSON_STREAM_DOCUMENT, &o, err);
}

static void print_check_json(const char *path, const mm_error *err) {
  mm_buf b = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &b, 0);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "file", 4);
  mm_json_write_string(&w, path, strlen(path));
  mm_json_write_key(&w, "valid", 5);
  mm_json_write_bool(&w, err == NULL);
  if (err) {
    mm_json_write_key(&w, "error", 5);
    mm_json_write_object_begin(&w);
    mm_json_write_key(&w, "code", 4);
    mm_json_write_string(&w, mm_status_name(err->code), strlen(mm_status_name(err->code)));
    mm_json_write_key(&w, "message", 7);
    mm_json_write_string(&w, err->msg, strlen(err->msg));
    mm_json_write_key(&w, "line", 4);
    mm_json_write_uint64(&w, err->line);
    mm_json_write_key(&w, "column", 6);
    mm_json_write_uint64(&w, err->column);
    mm_json_write_key(&w, "offset", 6);
    mm_json_write_uint64(&w, err->offset);
    mm_json_write_object_end(&w);
  }
  mm_json_write_object_end(&w);
  if (mm_json_writer_finish(&w) == MM_OK) puts(b.ptr);
  mm_buf_free(&b);
}

/* MM_OK when path holds exactly one valid document; err says why not. */
static int check_one(const char *path, const json_cli_opts *o, mm_error *err) {
  mm_json_reader *r = open_document(path, &o->parse, err);
  if (!r) return err->code;
  mm_json_record rec;
  int rc = mm_json_reader_next(r, &rec, err);
  if (rc == MM_EOF) rc = mm_error_set(err, MM_ETRUNC, "no JSON value in the input");
  mm_json_reader_close(r);
  return rc;
}

static int run_check(int argc, char **argv) {
  json_cli_opts o = {0};
  int first =
      parse_json_opts(argc, argv, ALLOW(OPT_MAX_DEPTH) | ALLOW(OPT_NO_DUPS) | ALLOW(OPT_JSON), &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (first >= argc) return mm__cli_usage_error("json check needs at least one FILE");
  int status = MM_EXIT_OK;
  for (int i = first; i < argc; i++) {
    mm_error err;
    mm_error_clear(&err);
    bool ok = check_one(argv[i], &o, &err) == MM_OK;
    if (!ok) status = MM_EXIT_INPUT;
    if (o.json)
      print_check_json(argv[i], ok ? NULL : &err);
    else if (ok)
      printf("%s: ok\n", argv[i]);
    else
      mm__cli_report(argv[i], &err);
  }
  return status;
}

/* ---- fmt -------------------------------------------------------------------- */

static const char fmt_usage[] =
    "usage: mamori json fmt [--compact] [--max-depth N] FILE\n"
    "\n"
    "Parse FILE (- for stdin; .gz read transparently) and print it again,\n"
    "indented by two spaces (default) or compact. Numbers keep their exact\n"
    "text; strings are re-escaped minimally; member order is kept.\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 FILE invalid or unreadable\n";

static int run_fmt(int argc, char **argv) {
  json_cli_opts o = {0};
  int first = parse_json_opts(argc, argv, ALLOW(OPT_MAX_DEPTH) | ALLOW(OPT_COMPACT), &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (first + 1 != argc) return mm__cli_usage_error("json fmt takes exactly one FILE");
  mm_error err;
  mm_error_clear(&err);
  mm_json_reader *r = open_document(argv[first], &o.parse, &err);
  if (!r) return mm__cli_report(argv[first], &err), MM_EXIT_INPUT;
  mm_json_record rec;
  int rc = mm_json_reader_next(r, &rec, &err);
  if (rc == MM_EOF) rc = mm_error_set(&err, MM_ETRUNC, "no JSON value in the input");
  if (rc == MM_OK) {
    mm_buf b = MM_BUF_INIT;
    rc = mm_json_write(&b, rec.value, o.compact ? 0 : MM_JSON_WRITE_PRETTY);
    if (rc == MM_OK)
      puts(b.ptr);
    else
      mm_error_set(&err, rc, "out of memory writing the document");
    mm_buf_free(&b);
  }
  mm_json_reader_close(r);
  if (rc != MM_OK) return mm__cli_report(argv[first], &err), MM_EXIT_INPUT;
  return MM_EXIT_OK;
}

/* ---- records ---------------------------------------------------------------- */

static const char records_usage[] =
    "usage: mamori json records [--mode MODE] [--progress] [--max-depth N] FILE...\n"
    "\n"
    "Stream the records of each FILE (- for stdin; .gz read transparently) to\n"
    "stdout as JSON Lines, one compact record per line. A CloudTrail file\n"
    "{\"Records\":[...]} or a top-level array yields its elements; JSON Lines\n"
    "input yields each line. A bad record is reported on stderr as\n"
    "FILE:LINE:COLUMN and skipped; the rest is still processed.\n"
    "\n"
    "  --mode MODE   auto (default), lines, document or records\n"
    "  --progress    progress on stderr (default when stderr is a terminal)\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 a record or FILE was bad (the others were printed)\n";

typedef struct records_stats {
  uint64_t records;     /* yielded, over all files */
  uint64_t errors;      /* reported, over all files */
  double next_progress; /* monotonic time of the next progress line */
} records_stats;

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void show_progress(const char *path, const mm_json_record *rec, records_stats *st) {
  if ((st->records & 1023) != 0) return;
  double t = mono_now();
  if (t < st->next_progress) return;
  st->next_progress = t + 0.5;
  fprintf(stderr, "\r%s: %llu records, %.1f MB read", path, (unsigned long long)st->records,
          (double)rec->offset / 1e6);
}

static mm_json_reader *open_records(const char *path, const json_cli_opts *o, mm_error *err) {
  if (strcmp(path, "-") == 0) return mm_json_reader_open_fd(0, o->mode, &o->parse, err);
  return mm_json_reader_open_path(path, o->mode, &o->parse, err);
}

static void stream_file(const char *path, const json_cli_opts *o, mm_buf *out, records_stats *st) {
  mm_error err;
  mm_error_clear(&err);
  mm_json_reader *r = open_records(path, o, &err);
  if (!r) {
    mm__cli_report(path, &err);
    st->errors++;
    return;
  }
  mm_json_record rec;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      if (o->progress) fputc('\n', stderr);
      mm__cli_report(path, &err);
      st->errors++;
      continue;
    }
    mm_buf_clear(out);
    if (mm_json_write(out, rec.value, 0) == MM_OK) puts(out->ptr);
    st->records++;
    if (o->progress) show_progress(path, &rec, st);
  }
  mm_json_reader_close(r);
}

static int run_records(int argc, char **argv) {
  json_cli_opts o = {0};
  o.progress = mm__cli_progress_wanted();
  int first =
      parse_json_opts(argc, argv, ALLOW(OPT_MAX_DEPTH) | ALLOW(OPT_MODE) | ALLOW(OPT_PROGRESS), &o);
  if (first < 0) return MM_EXIT_USAGE;
  if (first >= argc) return mm__cli_usage_error("json records needs at least one FILE");
  records_stats st = {0, 0, mono_now() + 0.5};
  mm_buf out = MM_BUF_INIT;
  for (int i = first; i < argc; i++) stream_file(argv[i], &o, &out, &st);
  mm_buf_free(&out);
  if (o.progress)
    fprintf(stderr, "\r%llu records, %llu errors\n", (unsigned long long)st.records,
            (unsigned long long)st.errors);
  return st.errors ? MM_EXIT_INPUT : MM_EXIT_OK;
}

static const mm__cli_verb json_verbs[] = {
    {"check", "check files are strict RFC 8259 JSON (errors with line:column)", check_usage,
     run_check},
    {"fmt", "print a JSON file indented or compact", fmt_usage, run_fmt},
    {"records", "stream CloudTrail files, arrays or JSON Lines as JSON Lines", records_usage,
     run_records},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_json = {"json", "JSON documents and record streams", json_verbs};
