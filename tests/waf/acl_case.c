/*
 * acl_case.c - runs one web ACL case file (one .json file in tests/waf/cases/),
 * registered with ctest as waf/acl/<name>.
 *
 * A case file is one JSON object:
 *
 *   "doc"        the AWS documentation page the case follows (required)
 *   "acl"        the WebACL (bare or as get-web-acl prints it)
 *   "sets"       IPSets, RegexPatternSets and RuleGroups it references
 *   "managed_dir" managed rule group directory, relative to the case file
 *   "config"     {"token_key", "body_limit", "geo" (file, relative)}
 *   "flags"      ["SEARCH_BASE64"]
 *   "wcu"        the expected capacity
 *   "error"      the load must fail: {"path": "$...", "status": "EINVAL",
 *                "message": "substring"}
 *   "requests"   [{"name", "request": <corpus record, docs/waf.md>,
 *                  "repeat": n, "token": {"host", "challenge_age",
 *                  "captcha_age"}, "expect": {...}}]
 *
 * expect: "action", "terminatingRuleId", "labels" (exactly these, any
 * order), "labels_include", "labels_exclude", "response_code", and "log": a
 * JSON object that must be a subset of the request's AWS WAF log record
 * (objects: every member present and matching; arrays: same length,
 * element-wise). Requests run in order through one context, so rate-based
 * rules count across them; "repeat" evaluates the request n times and
 * checks the last.
 */
#include "mamori/alloc.h"
#include "mamori/waf.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[1024];
static int failures;

#define FAIL(...)                 \
  do {                            \
    fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr);          \
    failures++;                   \
  } while (0)

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) p[n] = '\0';
  *len = (size_t)n;
  return p;
}

static int add_value(mm_waf_loader *l, const mm_json_value *v, mm_error *err) {
  mm_buf b = MM_BUF_INIT;
  mm_json_write(&b, v, 0);
  int rc = mm_waf_loader_add_json(l, b.ptr, b.len, err);
  mm_buf_free(&b);
  return rc;
}

/* Is e a subset of a (see the top of this file)? */
static bool subset(const mm_json_value *e, const mm_json_value *a, char *where, size_t wsize) {
  if (mm_json_is_object(e)) {
    if (!mm_json_is_object(a)) return snprintf(where, wsize, "(not an object)"), false;
    mm_json_iter it = mm_json_iter_init(e);
    const mm_json_value *k, *v;
    while (mm_json_iter_next(&it, &k, &v)) {
      const mm_json_value *av = mm_json_get(a, mm_json_str(k));
      if (!subset(v, av, where, wsize)) {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), ".%s%s", mm_json_str(k), where);
        snprintf(where, wsize, "%s", tmp);
        return false;
      }
    }
    return true;
  }
  if (mm_json_is_array(e)) {
    if (!mm_json_is_array(a) || mm_json_len(a) != mm_json_len(e))
      return snprintf(where, wsize, " (array length %zu, expected %zu)", mm_json_len(a),
                      mm_json_len(e)),
             false;
    for (size_t i = 0; i < mm_json_len(e); i++)
      if (!subset(mm_json_at(e, i), mm_json_at(a, i), where, wsize)) {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), "[%zu]%s", i, where);
        snprintf(where, wsize, "%s", tmp);
        return false;
      }
    return true;
  }
  if (!mm_json_equal(e, a)) {
    mm_buf b = MM_BUF_INIT;
    if (a) mm_json_write(&b, a, 0);
    snprintf(where, wsize, " = %s", b.ptr ? b.ptr : "(absent)");
    mm_buf_free(&b);
    return false;
  }
  return true;
}

static bool has_label(const mm_waf_result *r, mm_str l) {
  for (size_t i = 0; i < r->n_labels; i++)
    if (mm_str_eq(r->labels[i], l)) return true;
  return false;
}

static void check_labels(const char *name, const mm_waf_result *r, const mm_json_value *exp) {
  const mm_json_value *exact = mm_json_get(exp, "labels"),
                      *inc = mm_json_get(exp, "labels_include"),
                      *exc = mm_json_get(exp, "labels_exclude");
  if (exact && mm_json_len(exact) != r->n_labels) {
    FAIL("%s: %zu labels, expected %zu", name, r->n_labels, mm_json_len(exact));
    for (size_t i = 0; i < r->n_labels; i++)
      fprintf(stderr, "  got %.*s\n", (int)r->labels[i].len, r->labels[i].ptr);
  }
  for (int pass = 0; pass < 3; pass++) {
    const mm_json_value *list = pass == 0 ? exact : pass == 1 ? inc : exc;
    for (size_t i = 0; i < mm_json_len(list); i++) {
      mm_str l = mm_json_get_str(mm_json_at(list, i));
      if (has_label(r, l) != (pass < 2))
        FAIL("%s: label %.*s %s", name, (int)l.len, l.ptr, pass < 2 ? "missing" : "present");
    }
  }
}

static void check_result(const char *name, const mm_waf_acl *acl, const mm_waf_request *req,
                         const mm_waf_result *r, const mm_json_value *exp) {
  mm_str want = mm_json_get_str(mm_json_get(exp, "action"));
  if (want.len && !mm_str_eq(want, mm_str_from(mm_waf_action_name(r->action))))
    FAIL("%s: action %s, expected %.*s", name, mm_waf_action_name(r->action), (int)want.len,
         want.ptr);
  want = mm_json_get_str(mm_json_get(exp, "terminatingRuleId"));
  if (want.len && !mm_str_eq(want, r->terminating_rule))
    FAIL("%s: terminating rule %.*s, expected %.*s", name, (int)r->terminating_rule.len,
         r->terminating_rule.ptr, (int)want.len, want.ptr);
  uint64_t code;
  if (mm_json_get_uint64(mm_json_get(exp, "response_code"), &code) == MM_OK &&
      code != r->response_code)
    FAIL("%s: response code %u, expected %llu", name, r->response_code, (unsigned long long)code);
  check_labels(name, r, exp);
  const mm_json_value *log = mm_json_get(exp, "log");
  if (!log) return;
  mm_buf b = MM_BUF_INIT;
  mm_waf_log_record(acl, req, r, &b);
  mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, NULL);
  char where[1024] = "";
  if (!doc)
    FAIL("%s: the log record is not JSON: %s", name, b.ptr);
  else if (!subset(log, mm_json_doc_root(doc), where, sizeof(where)))
    FAIL("%s: log record differs at $%s\n  record: %s", name, where, b.ptr);
  mm_json_doc_free(doc);
  mm_buf_free(&b);
}

/* Add an aws-waf-token cookie made now for the request's host and ip. */
static void add_token(mm_arena *a, mm_waf_request *req, const mm_json_value *t, mm_str key) {
  int64_t ch = 0, ca = 0, now = (req->time ? req->time : mm_time_now()) / 1000000;
  if (mm_json_get_int64(mm_json_get(t, "challenge_age"), &ch) == MM_OK) ch = now - ch;
  if (mm_json_get_int64(mm_json_get(t, "captcha_age"), &ca) == MM_OK) ca = now - ca;
  mm_buf tok = MM_BUF_INIT;
  mm_buf_puts(&tok, "aws-waf-token=");
  mm_waf_token_make(
      mm_json_is_string(mm_json_get(t, "key")) ? mm_json_get_str(mm_json_get(t, "key")) : key,
      req->client_ip, mm_json_get_str(mm_json_get(t, "host")), ch, ca, &tok);
  mm_waf_header *h = mm_arena_calloc(a, req->n_headers + 1, sizeof(*h));
  if (req->n_headers) memcpy(h, req->headers, req->n_headers * sizeof(*h));
  h[req->n_headers].name = MM_STR("Cookie");
  h[req->n_headers].value = (mm_str){mm_arena_strndup(a, tok.ptr, tok.len), tok.len};
  req->headers = h;
  req->n_headers++;
  mm_buf_free(&tok);
}

static void run_requests(const mm_json_value *c, mm_waf_acl *acl, mm_waf_config *cfg) {
  mm_waf_ctx *ctx = mm_waf_ctx_new(acl, cfg);
  if (!ctx) {
    FAIL("ctx_new failed");
    return;
  }
  mm_arena a;
  mm_arena_init(&a, 0);
  const mm_json_value *reqs = mm_json_get(c, "requests");
  for (size_t i = 0; i < mm_json_len(reqs); i++) {
    const mm_json_value *rq = mm_json_at(reqs, i);
    char name[160];
    snprintf(name, sizeof(name), "request %zu (%s)", i,
             mm_json_str(mm_json_get(rq, "name")) ? mm_json_str(mm_json_get(rq, "name")) : "");
    mm_waf_request req;
    mm_error err;
    mm_error_clear(&err);
    if (mm_waf_request_from_json(&a, mm_json_get(rq, "request"), &req, &err) != MM_OK) {
      FAIL("%s: bad request: %s %s", name, err.path, err.msg);
      continue;
    }
    if (!req.client_ip.len) req.client_ip = MM_STR("192.0.2.10");
    if (mm_json_get(rq, "token")) add_token(&a, &req, mm_json_get(rq, "token"), cfg->token_key);
    uint64_t repeat = 1;
    mm_json_get_uint64(mm_json_get(rq, "repeat"), &repeat);
    mm_waf_result res;
    int rc = MM_OK;
    for (uint64_t k = 0; k < repeat && rc == MM_OK; k++) rc = mm_waf_evaluate(ctx, &req, &res);
    if (rc != MM_OK)
      FAIL("%s: evaluate: %s", name, mm_strerror(rc));
    else
      check_result(name, acl, &req, &res, mm_json_get(rq, "expect"));
  }
  mm_arena_destroy(&a);
  mm_waf_ctx_free(ctx);
}

static void check_error(const mm_json_value *exp, const mm_error *err) {
  mm_str path = mm_json_get_str(mm_json_get(exp, "path"));
  mm_str status = mm_json_get_str(mm_json_get(exp, "status"));
  const char *msg = mm_json_str(mm_json_get(exp, "message"));
  if (path.len && !mm_str_eq(path, mm_str_from(err->path)))
    FAIL("error path %s, expected %.*s (%s)", err->path, (int)path.len, path.ptr, err->msg);
  if (status.len && !mm_str_eq(status, mm_str_from(mm_status_name(err->code))))
    FAIL("error status %s, expected %.*s (%s)", mm_status_name(err->code), (int)status.len,
         status.ptr, err->msg);
  if (msg && !strstr(err->msg, msg)) FAIL("error message \"%s\" lacks \"%s\"", err->msg, msg);
}

static void run_case(const mm_json_value *c) {
  if (!mm_json_is_string(mm_json_get(c, "doc"))) FAIL("the case names no \"doc\" page");
  mm_waf_loader *l = mm_waf_loader_new();
  mm_error err;
  mm_error_clear(&err);
  const mm_json_value *sets = mm_json_get(c, "sets");
  for (size_t i = 0; i < mm_json_len(sets); i++)
    if (add_value(l, mm_json_at(sets, i), &err) != MM_OK)
      FAIL("set %zu: %s: %s", i, err.path, err.msg);
  const mm_json_value *flags = mm_json_get(c, "flags");
  for (size_t i = 0; i < mm_json_len(flags); i++)
    if (strcmp(mm_json_str(mm_json_at(flags, i)), "SEARCH_BASE64") == 0)
      mm_waf_loader_set_flags(l, MM_WAF_LOAD_SEARCH_BASE64);
  char path[2048];
  if (mm_json_is_string(mm_json_get(c, "managed_dir"))) {
    snprintf(path, sizeof(path), "%s/%s", dir, mm_json_str(mm_json_get(c, "managed_dir")));
    mm_waf_loader_set_managed_dir(l, path, &err);
  }
  mm_buf text = MM_BUF_INIT;
  mm_json_write(&text, mm_json_get(c, "acl"), 0);
  mm_waf_acl *acl = mm_waf_acl_load(l, text.ptr ? text.ptr : "", text.len, &err);
  mm_buf_free(&text);
  const mm_json_value *want_err = mm_json_get(c, "error");
  if (want_err) {
    if (acl)
      FAIL("the ACL loaded; expected an error at %s", mm_json_str(mm_json_get(want_err, "path")));
    else
      check_error(want_err, &err);
  } else if (!acl) {
    FAIL("load failed: %s: %s", err.path, err.msg);
  } else {
    uint64_t wcu;
    if (mm_json_get_uint64(mm_json_get(c, "wcu"), &wcu) == MM_OK && wcu != mm_waf_acl_capacity(acl))
      FAIL("capacity %u, expected %llu", mm_waf_acl_capacity(acl), (unsigned long long)wcu);
    const mm_json_value *cf = mm_json_get(c, "config");
    mm_waf_config cfg = {.token_key = mm_json_get_str(mm_json_get(cf, "token_key"))};
    if (!cfg.token_key.ptr) cfg.token_key = (mm_str){"", 0};
    uint64_t bl = 0;
    mm_json_get_uint64(mm_json_get(cf, "body_limit"), &bl);
    cfg.body_limit = (uint32_t)bl;
    mm_waf_geo *geo = NULL;
    if (mm_json_is_string(mm_json_get(cf, "geo"))) {
      snprintf(path, sizeof(path), "%s/%s", dir, mm_json_str(mm_json_get(cf, "geo")));
      geo = mm_waf_geo_open(path, NULL, &err);
      if (!geo) FAIL("geo %s: %s", path, err.msg);
    }
    cfg.geo = geo;
    cfg.rate = mm_waf_rate_store_memory(1000);
    run_requests(c, acl, &cfg);
    mm_waf_rate_store_free(cfg.rate);
    mm_waf_geo_free(geo);
  }
  mm_waf_acl_free(acl);
  mm_waf_loader_free(l);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: acl_case CASE.json\n");
    return 2;
  }
  snprintf(dir, sizeof(dir), "%s", argv[1]);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(dir, sizeof(dir), ".");
  size_t len;
  char *text = slurp(argv[1], &len);
  mm_error err;
  mm_json_doc *doc = text ? mm_json_parse(text, len, NULL, &err) : NULL;
  if (!doc) {
    fprintf(stderr, "%s: cannot read or parse\n", argv[1]);
    free(text);
    return 1;
  }
  run_case(mm_json_doc_root(doc));
  mm_json_doc_free(doc);
  free(text);
  if (failures)
    fprintf(stderr, "%s: %d failures\n", argv[1], failures);
  else
    printf("%s: ok\n", argv[1]);
  return failures ? 1 : 0;
}
