/*
 * cmd_detect.c - `mamori detect`: the threat-detection engine's commands
 * (docs/detect.md). `read` streams CloudTrail files, VPC Flow Logs and
 * Route 53 Resolver query logs through the detect readers and prints each
 * normalised record as one JSON line, with AWS's field names, so a user sees
 * exactly what detection rules will match. Detectors (`run`, `follow`) come
 * next.
 */
#include "cli/cli.h"
#include "mamori/detect.h"

#include <getopt.h>
#include <string.h>

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

static const mm__cli_verb detect_verbs[] = {
    {"read", "print CloudTrail, VPC flow and DNS log records, normalised, as JSON Lines",
     read_usage, run_read},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_detect = {
    "detect", "threat detection over CloudTrail, VPC Flow Logs and DNS logs", detect_verbs};
