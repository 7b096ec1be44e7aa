/*
 * cmd_time.c - `mamori time`: parse timestamps the way mamori's engines do
 * (docs/core/time.md) and show them in AWS's forms.
 */
#include "cli/cli.h"
#include "mamori/time.h"

#include <getopt.h>
#include <string.h>

static const char parse_usage[] =
    "usage: mamori time parse [--iam | --epoch-s | --epoch-ms] [--json] TEXT...\n"
    "\n"
    "Parse each TEXT as ISO 8601 / RFC 3339 (2024-07-30, 2024-07-30T21:31:21Z,\n"
    "2024-07-30T21:31:21.5+09:00, 20240730T213121Z ...) and print it in UTC\n"
    "(RFC 3339 with microseconds), as epoch seconds and as epoch milliseconds.\n"
    "\n"
    "  --iam        what IAM Date conditions accept: ISO 8601 or epoch seconds\n"
    "  --epoch-s    TEXT is epoch seconds (aws:EpochTime)\n"
    "  --epoch-ms   TEXT is epoch milliseconds (AWS WAF log timestamp)\n"
    "  --json       one JSON object per TEXT\n"
    "\n"
    "exit: 0 all valid, 2 usage, 3 any invalid\n";

static void print_time(const char *text, mm_time t, bool json) {
  char iso[MM_TIME_FORMAT_MAX], sec[MM_TIME_FORMAT_MAX], ms[MM_TIME_FORMAT_MAX];
  mm_time_format(t, MM_TIME_RFC3339_US, iso, sizeof(iso));
  mm_time_format(t, MM_TIME_EPOCH_SEC, sec, sizeof(sec));
  mm_time_format(t, MM_TIME_EPOCH_MSEC, ms, sizeof(ms));
  if (json)
    printf("{\"utc\":\"%s\",\"epoch_s\":%s,\"epoch_ms\":%s}\n", iso, sec, ms);
  else
    printf("%s\t%s\t%s\t%s\n", text, iso, sec, ms);
}

static int run_parse(int argc, char **argv) {
  static const struct option opts[] = {{"iam", no_argument, NULL, 'i'},
                                       {"epoch-s", no_argument, NULL, 's'},
                                       {"epoch-ms", no_argument, NULL, 'm'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  unsigned flags = MM_TIME_ISO8601;
  bool json = false;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == 'i')
      flags = MM_TIME_IAM;
    else if (c == 's')
      flags = MM_TIME_EPOCH_S;
    else if (c == 'm')
      flags = MM_TIME_EPOCH_MS;
    else if (c == 'j')
      json = true;
    else
      return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]);
  }
  if (optind >= argc) return mm__cli_usage_error("time parse needs at least one TEXT");
  int status = MM_EXIT_OK;
  for (int i = optind; i < argc; i++) {
    mm_time t;
    mm_error err;
    mm_error_clear(&err);
    if (mm_time_parse(mm_str_from(argv[i]), flags, &t, &err) == MM_OK) {
      print_time(argv[i], t, json);
    } else {
      mm__cli_report_arg(argv[i], &err);
      status = MM_EXIT_INPUT;
    }
  }
  return status;
}

static const char now_usage[] =
    "usage: mamori time now\n"
    "\n"
    "Print the current time as RFC 3339 UTC, epoch seconds and epoch ms.\n";

static int run_now(int argc, char **argv) {
  if (argc > 1) return mm__cli_usage_error("time now takes no arguments");
  print_time("now", mm_time_now(), false);
  (void)argv;
  return MM_EXIT_OK;
}

static const mm__cli_verb time_verbs[] = {
    {"parse", "parse ISO 8601 / RFC 3339 / epoch timestamps, print UTC forms", parse_usage,
     run_parse},
    {"now", "print the current time in UTC forms", now_usage, run_now},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_time = {"time", "timestamps in the forms AWS uses", time_verbs};
