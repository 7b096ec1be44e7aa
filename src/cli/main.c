/*
 * main.c - the `mamori` binary: dispatch `mamori <group> <verb> [options]`,
 * help at every level, --version, and the shared CLI helpers.
 *
 * Exit codes (cli.h): 0 ok; 1 a finding, block, deny or no-match where the
 * command reports one; 2 usage error; 3 input error.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MM_VERSION
#define MM_VERSION "0.0.0"
#endif

static const mm__cli_group *const groups[] = {
    /* clang-format off */
    &mm__cli_json,
    &mm__cli_ip,
    &mm__cli_time,
    &mm__cli_glob,
    &mm__cli_iam,
    &mm__cli_events,
    &mm__cli_detect,
    &mm__cli_gateway,
    &mm__cli_waf,
    /* clang-format on */
};

int mm__cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mamori: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs(" (try --help)\n", stderr);
  va_end(ap);
  return MM_EXIT_USAGE;
}

int mm__cli_input_error(const char *what, const mm_error *err) {
  char buf[MM_ERROR_MSG_MAX + MM_ERROR_PATH_MAX + 64];
  fprintf(stderr, "mamori: %s: %s\n", what, mm_error_format(err, buf, sizeof(buf)));
  return MM_EXIT_INPUT;
}

void mm__cli_report(const char *file, const mm_error *err) {
  const char *msg = err->msg[0] ? err->msg : mm_strerror(err->code);
  if (strcmp(file, "-") == 0) file = "<stdin>";
  if (err->line)
    fprintf(stderr, "%s:%u:%u: %s\n", file, err->line, err->column, msg);
  else
    fprintf(stderr, "%s: %s\n", file, msg);
}

void mm__cli_report_arg(const char *arg, const mm_error *err) {
  const char *msg = err->msg[0] ? err->msg : mm_strerror(err->code);
  if (err->line)
    fprintf(stderr, "mamori: '%s': column %u: %s\n", arg, err->column, msg);
  else
    fprintf(stderr, "mamori: '%s': %s\n", arg, msg);
}

int mm__cli_read_file(const char *path, mm_buf *out, mm_error *err) {
  bool is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (!f) return mm_error_set(err, MM_EIO, "cannot open: %s", strerror(errno));
  char chunk[65536];
  size_t n;
  int rc = MM_OK;
  while (rc == MM_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    rc = mm_buf_append(out, chunk, n);
  if (rc == MM_OK && ferror(f))
    rc = mm_error_set(err, MM_EIO, "read error");
  else if (rc != MM_OK)
    mm_error_set(err, rc, "out of memory reading the file");
  if (!is_stdin) fclose(f);
  return rc;
}

bool mm__cli_progress_wanted(void) { return isatty(STDERR_FILENO); }

bool mm__cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

bool mm__cli_parse_size(const char *text, size_t *out) {
  if (!text || *text < '0' || *text > '9') return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end) return false;
  *out = (size_t)v;
  return true;
}

static void print_top_help(FILE *out) {
  fputs(
      "usage: mamori <group> <verb> [options]\n"
      "       mamori <group> --help | mamori <group> <verb> --help\n"
      "       mamori --version\n\n"
      "mamori (守り) - self-hosted cloud security that speaks AWS's formats.\n\n"
      "groups:\n",
      out);
  for (size_t i = 0; i < MM_ARRAY_LEN(groups); i++)
    fprintf(out, "  %-10s %s\n", groups[i]->name, groups[i]->summary);
  fputs("\nexit codes: 0 ok, 1 finding/deny/no-match, 2 usage error, 3 input error\n", out);
}

static void print_group_help(const mm__cli_group *g, FILE *out) {
  fprintf(out, "usage: mamori %s <verb> [options]\n\n%s\n\nverbs:\n", g->name, g->summary);
  for (const mm__cli_verb *v = g->verbs; v->name; v++)
    fprintf(out, "  %-10s %s\n", v->name, v->summary);
  fprintf(out, "\n'mamori %s <verb> --help' describes a verb.\n", g->name);
}

static const mm__cli_group *find_group(const char *name) {
  for (size_t i = 0; i < MM_ARRAY_LEN(groups); i++)
    if (strcmp(groups[i]->name, name) == 0) return groups[i];
  return NULL;
}

static const mm__cli_verb *find_verb(const mm__cli_group *g, const char *name) {
  for (const mm__cli_verb *v = g->verbs; v->name; v++)
    if (strcmp(v->name, name) == 0) return v;
  return NULL;
}

/* `--help` anywhere among a verb's arguments asks for help, not for work. */
static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return false;
    if (mm__cli_is_help(argv[i])) return true;
  }
  return false;
}

static int run_group(const mm__cli_group *g, int argc, char **argv) {
  if (argc < 1) {
    print_group_help(g, stderr);
    return MM_EXIT_USAGE;
  }
  if (mm__cli_is_help(argv[0])) {
    print_group_help(g, stdout);
    return MM_EXIT_OK;
  }
  const mm__cli_verb *v = find_verb(g, argv[0]);
  /* A group whose first verb is "run" runs it when options come first:
   * `mamori gateway --config F` is `mamori gateway run --config F`. The
   * verb sees the group's name as its argv[0]. */
  if (!v && argv[0][0] == '-' && strcmp(g->verbs[0].name, "run") == 0) {
    v = &g->verbs[0];
    argc++, argv--;
  }
  if (!v) return mm__cli_usage_error("unknown verb '%s %s'", g->name, argv[0]);
  if (wants_help(argc, argv)) {
    fputs(v->usage, stdout);
    return MM_EXIT_OK;
  }
  return v->run(argc, argv);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_top_help(stderr);
    return MM_EXIT_USAGE;
  }
  if (mm__cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
    print_top_help(stdout);
    return MM_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("mamori %s\n", MM_VERSION);
    return MM_EXIT_OK;
  }
  const mm__cli_group *g = find_group(argv[1]);
  if (!g) return mm__cli_usage_error("unknown command '%s'", argv[1]);
  return run_group(g, argc - 2, argv + 2);
}
