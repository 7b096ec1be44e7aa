/*
 * cmd_waf.c - `mamori waf`: check a web ACL (WAFv2 JSON), compute its WCUs,
 * and evaluate requests against it, printing one AWS WAF log record per
 * request (docs/waf.md).
 */
#include "cli/cli.h"
#include "mamori/alloc.h"
#include "mamori/waf.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MM_WAF_MANAGED_DEFAULT
#define MM_WAF_MANAGED_DEFAULT "data/managed"
#endif

static const char check_usage[] =
    "usage: mamori waf check [SET OPTIONS] ACL.json\n"
    "\n"
    "Validate a web ACL as `aws wafv2 get-web-acl` prints it (or the bare\n"
    "WebACL object) and print its WCUs. Errors name the JSON path.\n"
    "\n"
    "  --ip-set FILE        an IPSet the ACL references by ARN (repeatable)\n"
    "  --regex-set FILE     a RegexPatternSet (repeatable)\n"
    "  --rule-group FILE    a RuleGroup (repeatable)\n"
    "  --managed-dir DIR    managed rule groups, DIR/<Name>.json (default: " MM_WAF_MANAGED_DEFAULT
    ")\n"
    "  --search-base64      ByteMatch SearchString is base64 (raw API form)\n"
    "\n"
    "exit: 0 valid, 2 usage, 3 invalid or unreadable\n";

static const char capacity_usage[] =
    "usage: mamori waf capacity [SET OPTIONS] ACL.json\n"
    "\n"
    "Print each rule's WCUs and the web ACL's total, computed with AWS's\n"
    "formulas. Takes the options of `mamori waf check`.\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 invalid or unreadable\n";

static const char eval_usage[] =
    "usage: mamori waf eval --acl ACL.json [OPTIONS] REQUESTS...\n"
    "\n"
    "Evaluate requests and print one AWS WAF log record (JSON) per request.\n"
    "REQUESTS are raw HTTP/1.1 request files, directories of them, or JSON\n"
    "Lines corpus files (*.jsonl, *.json; format in docs/waf.md).\n"
    "\n"
    "  --acl FILE           the web ACL (required)\n"
    "  --ip-set, --regex-set, --rule-group, --managed-dir, --search-base64\n"
    "                       as for `mamori waf check`\n"
    "  --summary            print a table instead of log records\n"
    "  --client-ip ADDR     client address of requests that carry none (127.0.0.1)\n"
    "  --time ISO8601       arrival time of requests that carry none (default: now)\n"
    "  --body-limit BYTES   body inspection limit (default: the ACL's, 8 KB)\n"
    "  --token-key KEY      HMAC key of aws-waf-token cookies (CAPTCHA/Challenge)\n"
    "  --geo FILE           country/ASN database (.mmdb or Tor geoip; default:\n"
    "                       Debian's tor-geoipdb when installed)\n"
    "  --no-geo             no country or ASN lookups\n"
    "\n"
    "exit: 0 every request allowed, 1 some request blocked (or sent a CAPTCHA\n"
    "or challenge), 2 usage, 3 unreadable input\n";

/* Options shared by the verbs. */
typedef struct waf_opts {
  mm_waf_loader *loader;
  const char *acl_path;
  const char *managed_dir;
  bool summary;
  const char *client_ip;
  mm_time time;
  size_t body_limit;
  const char *token_key;
  const char *geo;
  bool no_geo;
} waf_opts;

enum {
  O_IPSET = 1,
  O_REGEX,
  O_GROUP,
  O_MANAGED,
  O_B64,
  O_ACL,
  O_SUMMARY,
  O_IP,
  O_TIME,
  O_BODY,
  O_KEY,
  O_GEO,
  O_NO_GEO
};

static int add_set(waf_opts *o, const char *path) {
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  int rc = mm__cli_read_file(path, &text, &err);
  if (rc == MM_OK) rc = mm_waf_loader_add_json(o->loader, text.ptr ? text.ptr : "", text.len, &err);
  mm_buf_free(&text);
  if (rc != MM_OK) {
    if (err.path[0])
      fprintf(stderr, "%s: %s: %s\n", path, err.path, err.msg);
    else
      mm__cli_report(path, &err);
    return MM_EXIT_INPUT;
  }
  return MM_EXIT_OK;
}

static int parse_opts(int argc, char **argv, waf_opts *o) {
  static const struct option opts[] = {{"ip-set", required_argument, NULL, O_IPSET},
                                       {"regex-set", required_argument, NULL, O_REGEX},
                                       {"rule-group", required_argument, NULL, O_GROUP},
                                       {"managed-dir", required_argument, NULL, O_MANAGED},
                                       {"search-base64", no_argument, NULL, O_B64},
                                       {"acl", required_argument, NULL, O_ACL},
                                       {"summary", no_argument, NULL, O_SUMMARY},
                                       {"client-ip", required_argument, NULL, O_IP},
                                       {"time", required_argument, NULL, O_TIME},
                                       {"body-limit", required_argument, NULL, O_BODY},
                                       {"token-key", required_argument, NULL, O_KEY},
                                       {"geo", required_argument, NULL, O_GEO},
                                       {"no-geo", no_argument, NULL, O_NO_GEO},
                                       {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  o->managed_dir = MM_WAF_MANAGED_DEFAULT;
  o->client_ip = "127.0.0.1";
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    int rc = MM_EXIT_OK;
    mm_error err;
    mm_error_clear(&err);
    switch (c) {
      case O_IPSET:
      case O_REGEX:
      case O_GROUP:
        rc = add_set(o, optarg);
        break;
      case O_MANAGED:
        o->managed_dir = optarg;
        break;
      case O_B64:
        mm_waf_loader_set_flags(o->loader, MM_WAF_LOAD_SEARCH_BASE64);
        break;
      case O_ACL:
        o->acl_path = optarg;
        break;
      case O_SUMMARY:
        o->summary = true;
        break;
      case O_IP:
        o->client_ip = optarg;
        break;
      case O_TIME:
        if (mm_time_parse_iso8601(mm_str_from(optarg), &o->time, &err) != MM_OK)
          return mm__cli_usage_error("bad --time '%s': %s", optarg, err.msg);
        break;
      case O_BODY:
        if (!mm__cli_parse_size(optarg, &o->body_limit) || o->body_limit > UINT32_MAX)
          return mm__cli_usage_error("bad --body-limit '%s'", optarg);
        break;
      case O_KEY:
        o->token_key = optarg;
        break;
      case O_GEO:
        o->geo = optarg;
        break;
      default:
        return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]);
    }
    if (rc) return rc;
  }
  mm_error err;
  mm_error_clear(&err);
  if (mm_waf_loader_set_managed_dir(o->loader, o->managed_dir, &err) != MM_OK)
    return mm__cli_input_error("managed dir", &err);
  return MM_EXIT_OK;
}

static mm_waf_acl *load_acl(waf_opts *o, const char *path, int *exit_code) {
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  mm_waf_acl *acl = NULL;
  if (mm__cli_read_file(path, &text, &err) == MM_OK)
    acl = mm_waf_acl_load(o->loader, text.ptr ? text.ptr : "", text.len, &err);
  mm_buf_free(&text);
  if (!acl) {
    if (err.path[0])
      fprintf(stderr, "%s: %s: %s\n", path, err.path, err.msg);
    else
      mm__cli_report(path, &err);
    *exit_code = MM_EXIT_INPUT;
  }
  return acl;
}

static int run_check_like(int argc, char **argv, bool capacity) {
  waf_opts o = {.loader = mm_waf_loader_new()};
  if (!o.loader) return MM_EXIT_INPUT;
  int rc = parse_opts(argc, argv, &o);
  if (!rc && optind + 1 != argc)
    rc = mm__cli_usage_error("waf %s needs exactly one ACL file", argv[0]);
  mm_waf_acl *acl = rc ? NULL : load_acl(&o, argv[optind], &rc);
  if (acl && capacity) {
    mm_str name;
    uint32_t wcu;
    for (size_t i = 0; mm_waf_acl_rule_capacity(acl, i, &name, &wcu); i++)
      printf("%6u  %.*s\n", wcu, (int)name.len, name.ptr);
    printf("%6u  total\n", mm_waf_acl_capacity(acl));
  } else if (acl) {
    mm_str name = mm_waf_acl_name(acl);
    printf("%s: valid web ACL %.*s, %u WCUs\n", argv[optind], (int)name.len, name.ptr,
           mm_waf_acl_capacity(acl));
  }
  mm_waf_acl_free(acl);
  mm_waf_loader_free(o.loader);
  return rc;
}

static int run_check(int argc, char **argv) { return run_check_like(argc, argv, false); }
static int run_capacity(int argc, char **argv) { return run_check_like(argc, argv, true); }

/* ---- eval ---------------------------------------------------------------------------- */

typedef struct evaluator {
  waf_opts *o;
  mm_waf_acl *acl;
  mm_waf_ctx *ctx;
  mm_arena arena;
  mm_buf out;
  size_t count, by_action[5];
  bool input_error;
} evaluator;

static void one(evaluator *ev, const char *name, mm_waf_request *req) {
  char id[32];
  if (!req->client_ip.len) req->client_ip = mm_str_from(ev->o->client_ip);
  if (!req->time) req->time = ev->o->time;
  ev->count++;
  if (!req->id.len) {
    snprintf(id, sizeof(id), "%zu", ev->count);
    req->id = mm_str_from(id);
  }
  mm_waf_result res;
  if (mm_waf_evaluate(ev->ctx, req, &res) != MM_OK) {
    fprintf(stderr, "%s: could not be evaluated (limit or memory)\n", name);
    ev->input_error = true;
    return;
  }
  ev->by_action[res.action]++;
  if (ev->o->summary) {
    printf("%-40s %-9s %.*s\n", name, mm_waf_action_name(res.action), (int)res.terminating_rule.len,
           res.terminating_rule.ptr);
    return;
  }
  mm_buf_clear(&ev->out);
  mm_waf_log_record(ev->acl, req, &res, &ev->out);
  fwrite(ev->out.ptr, 1, ev->out.len, stdout);
  fputc('\n', stdout);
}

static bool is_jsonl(const char *path) {
  size_t n = strlen(path);
  return (n > 6 && strcmp(path + n - 6, ".jsonl") == 0) ||
         (n > 5 && strcmp(path + n - 5, ".json") == 0);
}

static void eval_jsonl(evaluator *ev, const char *path) {
  mm_error err;
  mm_error_clear(&err);
  mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_AUTO, NULL, &err);
  if (!r) {
    mm__cli_report(path, &err);
    ev->input_error = true;
    return;
  }
  mm_json_record rec;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    char name[512];
    snprintf(name, sizeof(name), "%s:%llu", path, (unsigned long long)rec.line);
    mm_waf_request req;
    mm_arena_reset(&ev->arena);
    if (rc == MM_OK) rc = mm_waf_request_from_json(&ev->arena, rec.value, &req, &err);
    if (rc != MM_OK) {
      if (err.path[0])
        fprintf(stderr, "%s: %s: %s\n", name, err.path, err.msg);
      else
        mm__cli_report(path, &err);
      ev->input_error = true;
      mm_error_clear(&err);
      continue;
    }
    one(ev, name, &req);
  }
  mm_json_reader_close(r);
}

static void eval_raw(evaluator *ev, const char *path) {
  mm_buf text = MM_BUF_INIT;
  mm_error err;
  mm_error_clear(&err);
  mm_waf_request req;
  mm_arena_reset(&ev->arena);
  int rc = mm__cli_read_file(path, &text, &err);
  if (rc == MM_OK)
    rc = mm_waf_request_parse_raw(&ev->arena, text.ptr ? text.ptr : "", text.len, &req, &err);
  if (rc == MM_OK)
    one(ev, path, &req);
  else {
    mm__cli_report(path, &err);
    ev->input_error = true;
  }
  mm_buf_free(&text);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void eval_path(evaluator *ev, const char *path, int depth);

/* Every regular file of a directory (and its subdirectories), by name. */
static void eval_dir(evaluator *ev, const char *path, int depth) {
  DIR *d = opendir(path);
  if (!d) return;
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = mm_realloc(names, cap * sizeof(*p));
      if (!p) break;
      names = p;
    }
    size_t len = strlen(path) + 1 + strlen(e->d_name);
    names[n] = mm_malloc(len + 1);
    if (!names[n]) break;
    snprintf(names[n], len + 1, "%s/%s", path, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof(*names), by_name);
  for (size_t i = 0; i < n; i++) {
    eval_path(ev, names[i], depth + 1);
    mm_free(names[i]);
  }
  mm_free(names);
}

static void eval_path(evaluator *ev, const char *path, int depth) {
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (depth < 8) eval_dir(ev, path, depth);
    return;
  }
  size_t n = strlen(path);
  /* In a directory, *.json files are configuration (ACLs, sets), not requests. */
  if (depth > 0 && n > 5 && strcmp(path + n - 5, ".json") == 0) return;
  if (is_jsonl(path))
    eval_jsonl(ev, path);
  else
    eval_raw(ev, path);
}

static int run_eval(int argc, char **argv) {
  waf_opts o = {.loader = mm_waf_loader_new()};
  if (!o.loader) return MM_EXIT_INPUT;
  evaluator ev = {.o = &o, .out = MM_BUF_INIT};
  mm_arena_init(&ev.arena, 0);
  mm_waf_rate_store *rate = NULL;
  mm_waf_geo *geo = NULL;
  int rc = parse_opts(argc, argv, &o);
  if (!rc && !o.acl_path) rc = mm__cli_usage_error("waf eval needs --acl ACL.json");
  if (!rc && optind >= argc) rc = mm__cli_usage_error("waf eval needs REQUESTS");
  if (!rc && o.geo) {
    mm_error err;
    mm_error_clear(&err);
    if (!(geo = mm_waf_geo_open(o.geo, NULL, &err))) rc = mm__cli_input_error(o.geo, &err);
  } else if (!rc && !o.no_geo) {
    mm_error err;
    geo = mm_waf_geo_open_default(&err); /* none installed: countries stay unknown */
  }
  if (!rc) ev.acl = load_acl(&o, o.acl_path, &rc);
  if (!rc) {
    rate = mm_waf_rate_store_memory(100000);
    mm_waf_config cfg = {.geo = geo,
                         .rate = rate,
                         .body_limit = (uint32_t)o.body_limit,
                         .token_key = mm_str_from(o.token_key ? o.token_key : "")};
    ev.ctx = mm_waf_ctx_new(ev.acl, &cfg);
    if (!ev.ctx) rc = MM_EXIT_INPUT;
  }
  for (int i = optind; !rc && i < argc; i++) eval_path(&ev, argv[i], 0);
  if (!rc && o.summary)
    printf("%zu requests: %zu allowed, %zu blocked, %zu captcha, %zu challenge\n", ev.count,
           ev.by_action[MM_WAF_ALLOW], ev.by_action[MM_WAF_BLOCK], ev.by_action[MM_WAF_CAPTCHA],
           ev.by_action[MM_WAF_CHALLENGE]);
  if (!rc)
    rc = ev.input_error                          ? MM_EXIT_INPUT
         : ev.count > ev.by_action[MM_WAF_ALLOW] ? MM_EXIT_FINDING
                                                 : MM_EXIT_OK;
  mm_waf_ctx_free(ev.ctx);
  mm_waf_acl_free(ev.acl);
  mm_waf_rate_store_free(rate);
  mm_waf_geo_free(geo);
  mm_waf_loader_free(o.loader);
  mm_arena_destroy(&ev.arena);
  mm_buf_free(&ev.out);
  return rc;
}

static const mm__cli_verb waf_verbs[] = {
    {"check", "validate a web ACL (WAFv2 JSON) and print its WCUs", check_usage, run_check},
    {"capacity", "print the WCUs of each rule and of the web ACL", capacity_usage, run_capacity},
    {"eval", "evaluate requests, print AWS WAF log records", eval_usage, run_eval},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_waf = {"waf", "AWS WAF web ACLs: check, capacity, evaluate requests",
                                   waf_verbs};
