/*
 * cmd_glob.c - `mamori glob`: match text against AWS-style wildcards in the
 * dialect of one AWS service (docs/core/glob.md), to see what a policy's
 * `*` and `?` really cover before deploying it.
 */
#include "cli/cli.h"
#include "mamori/glob.h"

#include <getopt.h>
#include <string.h>

static const char match_usage[] =
    "usage: mamori glob match [--dialect D] [--nocase] PATTERN TEXT...\n"
    "\n"
    "Say whether each TEXT matches PATTERN ('*' any run of characters, '?'\n"
    "exactly one character), in AWS's rules for the dialect:\n"
    "\n"
    "  --dialect iam          IAM StringLike, Resource, S3 (default; case-sensitive)\n"
    "  --dialect iam-action   IAM Action/NotAction (ASCII case-insensitive)\n"
    "  --dialect arn          IAM ArnLike: no wildcard crosses the first five ':'\n"
    "  --dialect eventbridge  EventBridge wildcard: '*' only, '\\*' '\\\\' escapes\n"
    "  --nocase               ASCII case-insensitive in any dialect\n"
    "\n"
    "exit: 0 every TEXT matches, 1 some TEXT does not, 2 usage or bad PATTERN\n";

static bool parse_dialect(const char *s, unsigned *flags) {
  static const struct {
    const char *name;
    unsigned flags;
  } dialects[] = {
      {"iam", MM_GLOB_IAM},
      {"iam-action", MM_GLOB_IAM_ACTION},
      {"arn", MM_GLOB_IAM_ARN},
      {"eventbridge", MM_GLOB_EVENTBRIDGE},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(dialects); i++)
    if (strcmp(s, dialects[i].name) == 0) return *flags = dialects[i].flags, true;
  return false;
}

static int run_match(int argc, char **argv) {
  static const struct option opts[] = {{"dialect", required_argument, NULL, 'd'},
                                       {"nocase", no_argument, NULL, 'i'},
                                       {NULL, 0, NULL, 0}};
  unsigned flags = MM_GLOB_IAM, extra = 0;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == 'd' && !parse_dialect(optarg, &flags))
      return mm__cli_usage_error("unknown dialect '%s'", optarg);
    else if (c == 'i')
      extra |= MM_GLOB_NOCASE;
    else if (c != 'd')
      return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]);
  }
  if (optind + 2 > argc) return mm__cli_usage_error("glob match needs PATTERN and TEXT");
  mm_error err;
  mm_error_clear(&err);
  mm_glob *g = mm_glob_compile(mm_str_from(argv[optind]), flags | extra, NULL, &err);
  if (!g) {
    mm__cli_report_arg(argv[optind], &err);
    return MM_EXIT_USAGE;
  }
  int status = MM_EXIT_OK;
  for (int i = optind + 1; i < argc; i++) {
    bool hit = mm_glob_matches(g, mm_str_from(argv[i]));
    printf("%s\t%s\n", hit ? "match" : "no-match", argv[i]);
    if (!hit) status = MM_EXIT_FINDING;
  }
  mm_glob_free(g);
  return status;
}

static const mm__cli_verb glob_verbs[] = {
    {"match", "match text against an AWS wildcard pattern", match_usage, run_match},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_glob = {"glob", "AWS-style wildcards (IAM, ARN, EventBridge)",
                                    glob_verbs};
