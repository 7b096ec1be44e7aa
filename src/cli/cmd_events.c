/*
 * cmd_events.c - `mamori events`: test an EventBridge event pattern against
 * an event as `aws events test-event-pattern` does, and match streams of
 * events (JSON Lines, CloudTrail files, gzip) against many patterns at once
 * (docs/events.md; Amazon EventBridge User Guide, "Event patterns" and the
 * TestEventPattern API).
 */
#include "cli/cli.h"
#include "mamori/alloc.h"
#include "mamori/events.h"
#include "mamori/json.h"

#include <getopt.h>
#include <string.h>

/* ---- shared ------------------------------------------------------------------ */

/* A PATTERN or EVENT argument: inline JSON when it starts with '{' (after
 * blanks), else a file ("-" = stdin). */
static int load_arg(const char *arg, mm_buf *out, mm_error *err) {
  const char *s = arg + strspn(arg, " \t\r\n");
  if (*s == '{') return mm_buf_append(out, arg, strlen(arg));
  return mm__cli_read_file(arg, out, err);
}

static const char *arg_name(const char *arg) {
  const char *s = arg + strspn(arg, " \t\r\n");
  return *s == '{' ? "<inline>" : arg;
}

/* "mamori: pattern: FILE:LINE:COL: msg" or "... at $.path: msg". */
static void report(const char *what, const char *arg, const mm_error *err) {
  const char *msg = err->msg[0] ? err->msg : mm_strerror(err->code);
  if (err->path[0] == '$')
    fprintf(stderr, "mamori: %s %s: at %s: %s\n", what, arg_name(arg), err->path, msg);
  else if (err->line)
    fprintf(stderr, "mamori: %s %s:%u:%u: %s\n", what, arg_name(arg), err->line, err->column, msg);
  else
    fprintf(stderr, "mamori: %s %s: %s\n", what, arg_name(arg), msg);
}

/* ---- test-pattern -------------------------------------------------------------- */

static const char test_usage[] =
    "usage: mamori events test-pattern PATTERN EVENT\n"
    "\n"
    "Say whether the EventBridge event pattern PATTERN matches EVENT, as\n"
    "'aws events test-event-pattern' does: prints {\"Result\": true} or\n"
    "{\"Result\": false}. PATTERN and EVENT are each a file, '-' for stdin, or\n"
    "inline JSON starting with '{'. A bad pattern is reported with the JSON\n"
    "path of the offending part ($.detail.state[0].numeric).\n"
    "\n"
    "exit: 0 match, 1 no match, 2 usage, 3 bad or unreadable pattern or event\n";

static int run_test(int argc, char **argv) {
  int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
  if (argc - first != 2) return mm__cli_usage_error("events test-pattern needs PATTERN and EVENT");
  const char *parg = argv[first], *earg = argv[first + 1];
  if (strcmp(parg, "-") == 0 && strcmp(earg, "-") == 0)
    return mm__cli_usage_error("PATTERN and EVENT cannot both be stdin");
  mm_buf pat = MM_BUF_INIT, ev = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  int status = MM_EXIT_INPUT;
  if (load_arg(parg, &pat, &err) != MM_OK)
    report("pattern", parg, &err);
  else if (load_arg(earg, &ev, &err) != MM_OK)
    report("event", earg, &err);
  else {
    int rc =
        mm_events_test_pattern(pat.ptr ? pat.ptr : "", pat.len, ev.ptr ? ev.ptr : "", ev.len, &err);
    if (rc < 0)
      report(strcmp(err.path, "event") == 0 ? "event" : "pattern",
             strcmp(err.path, "event") == 0 ? earg : parg, &err);
    else {
      printf("{\"Result\": %s}\n", rc ? "true" : "false");
      status = rc ? MM_EXIT_OK : MM_EXIT_FINDING;
    }
  }
  mm_buf_free(&pat);
  mm_buf_free(&ev);
  return status;
}

/* ---- match -------------------------------------------------------------------- */

static const char match_usage[] =
    "usage: mamori events match --patterns FILE [--matched] EVENTS...\n"
    "\n"
    "Compile every pattern of FILE into one matcher and print, for each event\n"
    "of EVENTS (files, '-' for stdin; JSON Lines, a JSON array, CloudTrail\n"
    "{\"Records\": [...]} files, gzip or not), one JSON line:\n"
    "  {\"file\":\"events.jsonl\",\"record\":0,\"matches\":[\"rule-a\",\"rule-b\"]}\n"
    "with the ids of the patterns that match, in FILE's order.\n"
    "\n"
    "FILE holds either one JSON object mapping each id to its pattern, or JSON\n"
    "Lines of {\"id\": \"...\", \"pattern\": {...}}. A pattern may also be given as\n"
    "a string holding its JSON, as the EventBridge API's EventPattern is.\n"
    "\n"
    "  --patterns FILE   the patterns\n"
    "  --matched         print only events that match some pattern\n"
    "\n"
    "exit: 0 done, 2 usage, 3 a bad pattern, or an event file unreadable or bad\n";

/* Add pattern v (an object, or a string holding one) under id. */
static int add_pattern(mm_events_builder *b, mm_str id, const mm_json_value *v, mm_error *err) {
  if (mm_json_is_string(v)) {
    mm_str s = mm_json_get_str(v);
    return mm_events_builder_add_json(b, id, s.ptr, s.len, err);
  }
  mm_events_pattern *p = mm_events_pattern_from_value(v, err);
  return p ? mm_events_builder_add(b, id, p, err) : err->code;
}

static int add_record(mm_events_builder *b, const mm_json_value *rec, bool *map_form,
                      mm_error *err) {
  const mm_json_value *id = mm_json_get(rec, "id"), *pat = mm_json_get(rec, "pattern");
  if (!*map_form && mm_json_is_string(id) && pat && mm_json_len(rec) == 2)
    return add_pattern(b, mm_json_get_str(id), pat, err);
  *map_form = true; /* { "id": pattern, ... } */
  mm_json_iter it = mm_json_iter_init(rec);
  const mm_json_value *k, *v;
  while (mm_json_iter_next(&it, &k, &v)) {
    int rc = add_pattern(b, mm_json_get_str(k), v, err);
    if (rc) {
      char path[MM_ERROR_PATH_MAX + 512];
      snprintf(path, sizeof(path), "%s (pattern '%s')", err->path, mm_json_str(k));
      mm_error_set_path(err, path);
      return rc;
    }
  }
  return MM_OK;
}

static int load_patterns(const char *path, mm_events_builder *b, mm_error *err) {
  mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_AUTO, NULL, err);
  if (!r) return err->code;
  mm_json_record rec;
  bool map_form = false;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, err)) == MM_OK) {
    if (!mm_json_is_object(rec.value)) {
      rc = mm_error_set(err, MM_EINVAL, "record %llu is not an object",
                        (unsigned long long)rec.index);
      break;
    }
    if ((rc = add_record(b, rec.value, &map_form, err)) != MM_OK) break;
  }
  mm_json_reader_close(r);
  return rc == MM_EOF ? MM_OK : rc;
}

typedef struct match_run {
  const mm_events_matcher *m; /* compiled patterns */
  mm_events_ctx *ctx;         /* scratch */
  bool only_matched;          /* --matched */
  mm_buf line;                /* output line being built */
} match_run;

static void print_result(match_run *run, const char *file, uint64_t index, const uint32_t *idx,
                         size_t n) {
  if (run->only_matched && n == 0) return;
  mm_buf *b = &run->line;
  mm_buf_clear(b);
  mm_buf_puts(b, "{\"file\":");
  mm_json_append_string(b, file, strlen(file));
  mm_buf_printf(b, ",\"record\":%llu,\"matches\":[", (unsigned long long)index);
  for (size_t i = 0; i < n; i++) {
    mm_str id = mm_events_matcher_id(run->m, idx[i]);
    if (i) mm_buf_putc(b, ',');
    mm_json_append_string(b, id.ptr, id.len);
  }
  mm_buf_puts(b, "]}");
  if (!b->oom) puts(b->ptr);
}

static int match_file(match_run *run, const char *path) {
  mm_error err;
  mm_error_clear(&err);
  mm_json_reader *r = strcmp(path, "-") == 0
                          ? mm_json_reader_open_fd(0, MM_JSON_STREAM_AUTO, NULL, &err)
                          : mm_json_reader_open_path(path, MM_JSON_STREAM_AUTO, NULL, &err);
  if (!r) return mm__cli_report(path, &err), MM_EXIT_INPUT;
  int status = MM_EXIT_OK, rc;
  mm_json_record rec;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) {
      mm__cli_report(path, &err);
      status = MM_EXIT_INPUT;
      continue;
    }
    const uint32_t *idx;
    size_t n = mm_events_match(run->m, run->ctx, rec.value, &idx);
    print_result(run, strcmp(path, "-") == 0 ? "<stdin>" : path, rec.index, idx, n);
  }
  mm_json_reader_close(r);
  return status;
}

static int parse_match_opts(int argc, char **argv, const char **patterns, bool *only) {
  static const struct option opts[] = {{"patterns", required_argument, NULL, 'p'},
                                       {"matched", no_argument, NULL, 'm'},
                                       {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == 'p')
      *patterns = optarg;
    else if (c == 'm')
      *only = true;
    else
      return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]);
  }
  if (!*patterns) return mm__cli_usage_error("events match needs --patterns FILE");
  if (optind >= argc) return mm__cli_usage_error("events match needs at least one EVENTS file");
  return MM_EXIT_OK;
}

static int run_match(int argc, char **argv) {
  const char *patterns = NULL;
  bool only = false;
  int status = parse_match_opts(argc, argv, &patterns, &only);
  if (status != MM_EXIT_OK) return status;
  mm_error err;
  mm_error_clear(&err);
  mm_events_builder *b = mm_events_builder_new();
  match_run run = {NULL, NULL, only, MM_BUF_INIT};
  mm_events_matcher *m = NULL;
  if (!b || load_patterns(patterns, b, &err) != MM_OK) {
    if (!b) mm_error_set(&err, MM_ENOMEM, "out of memory");
    report("patterns", patterns, &err);
    status = MM_EXIT_INPUT;
  } else if (!(m = mm_events_compile(b, &err)) || !(run.ctx = mm_events_ctx_new(m))) {
    status = mm__cli_input_error("compiling the patterns", &err);
  } else {
    run.m = m;
    for (int i = optind; i < argc; i++) {
      int s = match_file(&run, argv[i]);
      if (s != MM_EXIT_OK) status = s;
    }
  }
  mm_buf_free(&run.line);
  mm_events_ctx_free(run.ctx);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  return status;
}

static const mm__cli_verb events_verbs[] = {
    {"test-pattern", "does an event pattern match an event? (as test-event-pattern)", test_usage,
     run_test},
    {"match", "match streams of events against many patterns at once", match_usage, run_match},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_events = {"events", "EventBridge event patterns", events_verbs};
