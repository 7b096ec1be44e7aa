/*
 * cli.h - what the files of the mamori command line share: exit codes, the
 * command tables and the option helpers.
 *
 * The CLI is `mamori <group> <verb> [options]`. A group (json, ip, time,
 * glob, and later waf, iam, detect ...) is a table of verbs; each verb is a
 * function taking (argc, argv) with argv[0] the verb's name, and a help
 * text. main.c dispatches and prints help at every level; each cmd_*.c file
 * defines one group's table.
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/str.h"

#include <stdio.h>

/* Exit codes scripts can rely on (docs/cli.md). Never renumber. */
enum {
  MM_EXIT_OK = 0,      /* success; nothing to report */
  MM_EXIT_FINDING = 1, /* the command reports a finding, block, deny or no-match */
  MM_EXIT_USAGE = 2,   /* bad command line */
  MM_EXIT_INPUT = 3    /* input could not be read or parsed */
};

typedef struct mm__cli_verb {
  const char *name;                  /* as typed after the group */
  const char *summary;               /* one line, for the group's help */
  const char *usage;                 /* full help text for `--help`, ends with '\n' */
  int (*run)(int argc, char **argv); /* argv[0] is the verb; returns an exit code */
} mm__cli_verb;

typedef struct mm__cli_group {
  const char *name;          /* as typed after `mamori` */
  const char *summary;       /* one line, for the top-level help */
  const mm__cli_verb *verbs; /* terminated by a row with name == NULL */
} mm__cli_group;

extern const mm__cli_group mm__cli_json;
extern const mm__cli_group mm__cli_ip;
extern const mm__cli_group mm__cli_time;
extern const mm__cli_group mm__cli_glob;
extern const mm__cli_group mm__cli_iam;
extern const mm__cli_group mm__cli_events;
extern const mm__cli_group mm__cli_detect;
extern const mm__cli_group mm__cli_waf;
extern const mm__cli_group mm__cli_gateway;
/* `mamori detect sigma` (cmd_sigma.c): its handler and help text, for cmd_detect.c's table. */
int mm__cli_detect_sigma(int argc, char **argv);
extern const char mm__cli_detect_sigma_usage[];

/* Print "mamori: <msg>" to stderr and return MM_EXIT_USAGE. */
int mm__cli_usage_error(const char *fmt, ...) MM_PRINTF(1, 2);
/* Print "mamori: <what>: <formatted error>" to stderr; returns MM_EXIT_INPUT. */
int mm__cli_input_error(const char *what, const mm_error *err);
/* Print "FILE:LINE:COLUMN: message" (or "FILE: message" when the error has
 * no position) to stderr, the form editors and CI annotators understand. */
void mm__cli_report(const char *file, const mm_error *err);
/* Print "mamori: 'ARG': column N: message" for a command-line argument. */
void mm__cli_report_arg(const char *arg, const mm_error *err);
/* Read a whole file ("-" = stdin) into out; MM_OK or MM_EIO with err. */
int mm__cli_read_file(const char *path, mm_buf *out, mm_error *err);
/* Whether progress lines may be drawn on stderr (it is a terminal). */
bool mm__cli_progress_wanted(void);
/* True when arg is -h or --help. */
bool mm__cli_is_help(const char *arg);
/* Parse a non-negative decimal (no sign, no junk) into *out; false on error. */
bool mm__cli_parse_size(const char *text, size_t *out);

#endif /* MAMORI_CLI_H */
