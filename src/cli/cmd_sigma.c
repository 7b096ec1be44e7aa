/*
 * cmd_sigma.c - `mamori detect sigma FILE.yml...`: convert Sigma rules
 * (YAML, logsource aws/cloudtrail) into mamori detection rules and print
 * each as one JSON line (docs/sigma.md). The verb belongs to the detect
 * group; cmd_detect.c lists it in its table.
 */
#include "cli/cli.h"
#include "mamori/json.h"
#include "mamori/sigma.h"

#include <stdio.h>
#include <string.h>

const char mm__cli_detect_sigma_usage[] =
    "usage: mamori detect sigma [--pretty] FILE.yml...\n"
    "\n"
    "Convert each Sigma rule (YAML; logsource product: aws, service: cloudtrail)\n"
    "into a mamori detection rule and print it as one JSON line: an EventBridge\n"
    "event pattern, or a condition tree of patterns, with the rule's id, title,\n"
    "author, references and level (as severity). FILE may be - for stdin.\n"
    "A rule that cannot be converted faithfully is reported on stderr as\n"
    "FILE:LINE:COLUMN: message, and the others are still printed.\n"
    "\n"
    "  --pretty   indent the JSON (one rule over several lines)\n"
    "\n"
    "SigmaHQ rules are under the Detection Rule License: show the rule's\n"
    "\"author\" wherever the rule or a match of it is shown.\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 a FILE could not be read or converted\n";

/* Re-indent one compact JSON rule for people. */
static void print_pretty(const mm_buf *rule) {
  mm_json_doc *d = mm_json_parse(rule->ptr, rule->len, NULL, NULL);
  mm_buf out = MM_BUF_INIT;
  if (d && mm_json_write(&out, mm_json_doc_root(d), MM_JSON_WRITE_PRETTY) == MM_OK)
    puts(out.ptr);
  else
    puts(rule->ptr);
  mm_buf_free(&out);
  mm_json_doc_free(d);
}

/* Convert one file; false when it failed (reported). */
static bool convert_file(const char *path, bool pretty) {
  mm_buf yaml = MM_BUF_INIT, rule = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  int rc = mm__cli_read_file(path, &yaml, &err);
  if (rc == MM_OK) rc = mm_sigma_to_rule(yaml.ptr ? yaml.ptr : "", yaml.len, &rule, &err);
  if (rc != MM_OK)
    mm__cli_report(path, &err);
  else if (pretty)
    print_pretty(&rule);
  else
    puts(rule.ptr);
  mm_buf_free(&yaml);
  mm_buf_free(&rule);
  return rc == MM_OK;
}

int mm__cli_detect_sigma(int argc, char **argv) {
  bool pretty = false;
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
    if (strcmp(argv[first], "--") == 0) {
      first++;
      break;
    }
    if (strcmp(argv[first], "--pretty") != 0)
      return mm__cli_usage_error("unknown option '%s'", argv[first]);
    pretty = true;
  }
  if (first >= argc) return mm__cli_usage_error("detect sigma needs at least one FILE.yml");
  bool ok = true;
  for (int i = first; i < argc; i++) ok &= convert_file(argv[i], pretty);
  fflush(stdout);
  return ok ? MM_EXIT_OK : MM_EXIT_INPUT;
}
