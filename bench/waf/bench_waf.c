/*
 * bench_waf.c - mamori's WAF engine with examples/default-webacl.json against
 * ModSecurity v3 + OWASP CRS 3.3.4 at paranoia levels 1 and 2, on one
 * corpus, in one process, printed side by side (issue 4, item 8):
 *
 *   - speed: requests/s on one core and p50/p99 latency per request, and
 *     mamori's throughput as a multiple of ModSecurity's (target >= 50x
 *     PL1; p99 <= 50 us for requests up to 16 KB, measured on 16 KB POSTs);
 *   - detection: the share of each wcp-malicious category blocked (true
 *     positives; each payload sent as GET /?p=<payload> and as a POST form
 *     field p=<payload>, URL-encoded, as open-appsec's comparison does), the
 *     share of the wcp look-alike files ("false-positives.txt") blocked, and
 *     the false-positive rate on the benign corpora (httpparams values sent
 *     the same two ways; User-Agents as the User-Agent header of GET /).
 *
 * Corpora are read at run time from MM_SHARED_DATA/waf (never copied into
 * the repository; wcp-malicious is GPL: test input only).
 *
 * Each request is timed alone with CLOCK_THREAD_CPUTIME_ID (CPU time of this
 * thread, so that other processes on a shared machine do not inflate it);
 * requests/s is the number of requests over the sum of their times. For
 * ModSecurity a request is the whole transaction: msc_new_transaction,
 * connection, URI, headers, body, intervention, logging, cleanup. For
 * mamori it is mm_waf_evaluate with a reused context (the engine's intended
 * use: one context per thread), rate-based rule counting included (each
 * request from its own client address, so the per-IP limit never fires).
 * A request is "blocked" when mamori's action is BLOCK/CAPTCHA/CHALLENGE or
 * ModSecurity returns a disruptive intervention (CRS's anomaly scoring blocks
 * in phase 2, REQUEST-949).
 *
 *   bench_waf SHARED_DATA REPO_ROOT [--sample N] [--no-modsec]
 *
 * --sample N keeps every Nth payload of each corpus (a quicker run).
 */
#include "mamori/arena.h"
#include "mamori/waf.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CRS_SETUP "/etc/modsecurity/crs/crs-setup.conf"
#define CRS_RULES "/usr/share/modsecurity-crs/rules"

enum { KIND_TP, KIND_LOOKALIKE, KIND_BENIGN };

typedef struct corpus {
  const char *name;
  int kind;
  size_t n;          /* requests */
  size_t blocked[3]; /* mamori, ModSecurity PL1, PL2 */
} corpus;

typedef struct breq {
  int corpus;
  mm_waf_request req;
  mm_waf_header headers[4];
  char ip[16];
} breq;

static const char *const CATEGORIES[] = {"cmdexe",    "log4shell", "shellshock", "sqli",
                                         "traversal", "xss",       "xxe"};
#define N_CAT (sizeof(CATEGORIES) / sizeof(CATEGORIES[0]))

static corpus corpora[2 * N_CAT + 3];
static size_t n_corpora;
static breq *reqs;
static size_t n_reqs, cap_reqs;
static size_t sample = 1;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

static breq *new_req(int c) {
  if (n_reqs == cap_reqs) {
    cap_reqs = cap_reqs ? 2 * cap_reqs : 8192;
    reqs = realloc(reqs, cap_reqs * sizeof(*reqs));
    if (!reqs) abort();
  }
  breq *r = &reqs[n_reqs];
  memset(r, 0, sizeof(*r));
  r->corpus = c;
  /* Distinct client addresses: 10.x.y.z from the request's index. */
  snprintf(r->ip, sizeof(r->ip), "10.%u.%u.%u", (unsigned)(n_reqs >> 16) & 255,
           (unsigned)(n_reqs >> 8) & 255, (unsigned)n_reqs & 255);
  r->req.client_ip = (mm_str){r->ip, strlen(r->ip)};
  r->req.version = MM_STR("HTTP/1.1");
  r->req.time = 1767225600000; /* fixed: 2026-01-01 */
  r->headers[0] = (mm_waf_header){MM_STR("Host"), MM_STR("example.com")};
  r->headers[1] = (mm_waf_header){
      MM_STR("User-Agent"),
      MM_STR("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36")};
  r->headers[2] = (mm_waf_header){MM_STR("Accept"), MM_STR("*/*")};
  r->req.headers = r->headers;
  r->req.n_headers = 3;
  n_reqs++;
  corpora[c].n++;
  return r;
}

/* Percent-encode every byte but A-Z a-z 0-9 - . _ ~ (Python's
 * urllib.parse.quote(safe='')). */
static char *url_encode(const char *s, size_t n, const char *prefix, size_t *out_len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t pl = strlen(prefix);
  char *o = xmalloc(pl + 3 * n + 1), *p = o;
  memcpy(p, prefix, pl);
  p += pl;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      *p++ = (char)c;
    } else {
      *p++ = '%';
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
    }
  }
  *p = 0;
  *out_len = (size_t)(p - o);
  return o;
}

/* The payload as GET /?p= and as a POST form field p. */
static void add_param(int c, const char *s, size_t n) {
  size_t len;
  breq *g = new_req(c);
  char *uri = url_encode(s, n, "/?p=", &len);
  g->req.method = MM_STR("GET");
  g->req.uri = (mm_str){uri, len};
  breq *p = new_req(c);
  char *body = url_encode(s, n, "p=", &len);
  p->req.method = MM_STR("POST");
  p->req.uri = MM_STR("/");
  p->req.body = (mm_str){body, len};
  p->req.body_length = len;
  p->headers[3] =
      (mm_waf_header){MM_STR("Content-Type"), MM_STR("application/x-www-form-urlencoded")};
  p->req.n_headers = 4;
}

static void add_ua(int c, const char *s, size_t n) {
  breq *r = new_req(c);
  char *ua = xmalloc(n + 1);
  memcpy(ua, s, n);
  ua[n] = 0;
  r->req.method = MM_STR("GET");
  r->req.uri = MM_STR("/");
  r->headers[1].value = (mm_str){ua, n};
}

/* Each non-empty line of path, as add(c, line). 0 when unreadable. */
static int read_lines(const char *path, int c, void (*add)(int, const char *, size_t)) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char *line = NULL;
  size_t cap = 0, k = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0) continue;
    if (k++ % sample == 0) add(c, line, (size_t)n);
  }
  free(line);
  fclose(f);
  return 1;
}

static int add_corpus(const char *name, int kind) {
  corpora[n_corpora] = (corpus){.name = name, .kind = kind};
  return (int)n_corpora++;
}

static void load_corpora(const char *data) {
  char path[4096];
  for (size_t i = 0; i < N_CAT; i++) {
    int c = add_corpus(CATEGORIES[i], KIND_TP);
    snprintf(path, sizeof(path), "%s/waf/wcp-malicious/%s/true-positives.txt", data, CATEGORIES[i]);
    if (!read_lines(path, c, add_param)) fprintf(stderr, "bench_waf: cannot read %s\n", path);
  }
  for (size_t i = 0; i < N_CAT; i++) {
    int c = add_corpus(CATEGORIES[i], KIND_LOOKALIKE);
    snprintf(path, sizeof(path), "%s/waf/wcp-malicious/%s/false-positives.txt", data,
             CATEGORIES[i]);
    read_lines(path, c, add_param);
  }
  int c = add_corpus("httpparams values", KIND_BENIGN);
  snprintf(path, sizeof(path), "%s/waf/benign/httpparams/benign-values.txt", data);
  if (!read_lines(path, c, add_param)) fprintf(stderr, "bench_waf: cannot read %s\n", path);
  c = add_corpus("user-agents", KIND_BENIGN);
  snprintf(path, sizeof(path), "%s/waf/benign/user-agents/user-agents.unique.txt", data);
  if (!read_lines(path, c, add_ua)) fprintf(stderr, "bench_waf: cannot read %s\n", path);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct speed {
  double rps, p50_us, p99_us;
} speed;

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static speed summarize(int64_t *ns, size_t n) {
  speed s = {0};
  if (!n) return s;
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) total += ns[i];
  qsort(ns, n, sizeof(*ns), cmp_i64);
  s.rps = total > 0 ? (double)n * 1e9 / (double)total : 0;
  s.p50_us = (double)ns[n / 2] / 1000.0;
  s.p99_us = (double)ns[(n * 99) / 100] / 1000.0;
  return s;
}

/* ---- mamori ---------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = xmalloc(cap);
  size_t k;
  while ((k = fread(b + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      b = realloc(b, cap *= 2);
      if (!b) abort();
    }
  }
  fclose(f);
  *len = n;
  return b;
}

typedef struct mamori_waf {
  mm_waf_loader *loader;
  mm_waf_acl *acl;
  mm_waf_rate_store *rate;
  mm_waf_ctx *ctx;
} mamori_waf;

static int mamori_open(mamori_waf *m, const char *root) {
  char path[4096];
  mm_error err;
  mm_error_clear(&err);
  m->loader = mm_waf_loader_new();
  snprintf(path, sizeof(path), "%s/data/managed", root);
  if (!m->loader || mm_waf_loader_set_managed_dir(m->loader, path, &err) != MM_OK) return -1;
  snprintf(path, sizeof(path), "%s/examples/default-webacl.json", root);
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    fprintf(stderr, "bench_waf: cannot read %s\n", path);
    return -1;
  }
  m->acl = mm_waf_acl_load(m->loader, text, len, &err);
  free(text);
  if (!m->acl) {
    fprintf(stderr, "bench_waf: %s: %s at %s\n", path, err.msg, err.path);
    return -1;
  }
  m->rate = mm_waf_rate_store_memory(1u << 20);
  mm_waf_config cfg = {.rate = m->rate};
  m->ctx = mm_waf_ctx_new(m->acl, &cfg);
  return m->ctx ? 0 : -1;
}

static void mamori_close(mamori_waf *m) {
  mm_waf_ctx_free(m->ctx);
  mm_waf_rate_store_free(m->rate);
  mm_waf_acl_free(m->acl);
  mm_waf_loader_free(m->loader);
}

static bool mamori_eval(mamori_waf *m, const mm_waf_request *req) {
  mm_waf_result res;
  if (mm_waf_evaluate(m->ctx, req, &res) != MM_OK) return false;
  return res.action != MM_WAF_ALLOW;
}

/* ---- ModSecurity + CRS --------------------------------------------------------- */

typedef struct modsec {
  ModSecurity *ms;
  RulesSet *rules;
} modsec;

static void quiet_log(void *data, const void *msg) { (void)data, (void)msg; }

static int modsec_open(modsec *m, int paranoia) {
  m->ms = msc_init();
  msc_set_connector_info(m->ms, "mamori bench_waf");
  msc_set_log_cb(m->ms, quiet_log);
  m->rules = msc_create_rules_set();
  char conf[2048];
  /* modsecurity.conf-recommended's request settings, blocking on, no audit
   * log; the paranoia level is set before CRS's 901 initialization reads it. */
  snprintf(conf, sizeof(conf),
           "SecRuleEngine On\n"
           "SecRequestBodyAccess On\n"
           "SecRequestBodyLimit 13107200\n"
           "SecRequestBodyNoFilesLimit 131072\n"
           "SecRequestBodyLimitAction Reject\n"
           "SecPcreMatchLimit 100000\n"
           "SecPcreMatchLimitRecursion 100000\n"
           "SecResponseBodyAccess Off\n"
           "SecAuditEngine Off\n"
           "SecArgumentSeparator &\n"
           "SecCookieFormat 0\n"
           "Include " CRS_SETUP
           "\n"
           "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=%d\"\n"
           "Include " CRS_RULES "/*.conf\n",
           paranoia);
  const char *error = NULL;
  if (msc_rules_add(m->rules, conf, &error) < 0) {
    fprintf(stderr, "bench_waf: ModSecurity rules: %s\n", error ? error : "?");
    return -1;
  }
  return 0;
}

static void modsec_close(modsec *m) {
  msc_rules_cleanup(m->rules);
  msc_cleanup(m->ms);
}

static bool modsec_eval(modsec *m, const mm_waf_request *r) {
  Transaction *t = msc_new_transaction(m->ms, m->rules, NULL);
  char ip[64];
  snprintf(ip, sizeof(ip), "%.*s", (int)r->client_ip.len, r->client_ip.ptr);
  char uri[65536];
  snprintf(uri, sizeof(uri), "%.*s", (int)r->uri.len, r->uri.ptr);
  char method[16];
  snprintf(method, sizeof(method), "%.*s", (int)r->method.len, r->method.ptr);
  msc_process_connection(t, ip, 40000, "127.0.0.1", 80);
  msc_process_uri(t, uri, method, "1.1");
  for (size_t i = 0; i < r->n_headers; i++)
    msc_add_n_request_header(t, (const unsigned char *)r->headers[i].name.ptr,
                             r->headers[i].name.len, (const unsigned char *)r->headers[i].value.ptr,
                             r->headers[i].value.len);
  if (r->body.len) {
    char cl[32];
    int n = snprintf(cl, sizeof(cl), "%zu", r->body.len);
    msc_add_n_request_header(t, (const unsigned char *)"Content-Length", 14,
                             (const unsigned char *)cl, (size_t)n);
  }
  msc_process_request_headers(t);
  if (r->body.len) msc_append_request_body(t, (const unsigned char *)r->body.ptr, r->body.len);
  msc_process_request_body(t);
  ModSecurityIntervention it;
  memset(&it, 0, sizeof(it));
  it.status = 200;
  bool blocked = msc_intervention(t, &it) && it.disruptive;
  free(it.url);
  free(it.log);
  msc_process_logging(t);
  msc_transaction_cleanup(t);
  return blocked;
}

/* ---- running ---------------------------------------------------------------- */

enum { ENG_MAMORI, ENG_PL1, ENG_PL2, N_ENG };
static const char *const ENGINE_NAMES[N_ENG] = {
    "mamori default-webacl.json", "ModSecurity3 + CRS3.3.4 PL1", "ModSecurity3 + CRS3.3.4 PL2"};

static speed run_corpus(int eng, mamori_waf *mw, modsec *ms, int64_t *ns) {
  for (size_t i = 0; i < n_reqs; i++) {
    int64_t t0 = now_ns();
    bool b = eng == ENG_MAMORI ? mamori_eval(mw, &reqs[i].req) : modsec_eval(ms, &reqs[i].req);
    ns[i] = now_ns() - t0;
    if (b) corpora[reqs[i].corpus].blocked[eng]++;
  }
  return summarize(ns, n_reqs);
}

/* Requests of 16 KB: POST form bodies of benign values joined with '&'. */
static breq *size_requests(size_t n, size_t bytes) {
  breq *out = xmalloc(n * sizeof(*out));
  size_t src = 0;
  for (size_t i = 0; i < n; i++) {
    char *body = xmalloc(bytes + 1);
    size_t o = 0;
    while (o < bytes) {
      const breq *b = &reqs[src++ % n_reqs];
      mm_str v = b->req.body.len ? b->req.body : MM_STR("q=mamori");
      if (o) body[o++] = '&';
      size_t k = v.len < bytes - o ? v.len : bytes - o;
      memcpy(body + o, v.ptr, k);
      o += k;
    }
    memset(&out[i], 0, sizeof(out[i]));
    out[i] = reqs[i % n_reqs];
    out[i].req.headers = out[i].headers;
    out[i].req.client_ip = (mm_str){out[i].ip, strlen(out[i].ip)};
    out[i].req.method = MM_STR("POST");
    out[i].req.uri = MM_STR("/form");
    out[i].req.body = (mm_str){body, o};
    out[i].req.body_length = o;
    out[i].headers[3] =
        (mm_waf_header){MM_STR("Content-Type"), MM_STR("application/x-www-form-urlencoded")};
    out[i].req.n_headers = 4;
  }
  return out;
}

static speed run_sized(int eng, mamori_waf *mw, modsec *ms, const breq *rs, size_t n, int64_t *ns) {
  for (size_t i = 0; i < n; i++) {
    int64_t t0 = now_ns();
    if (eng == ENG_MAMORI)
      (void)mamori_eval(mw, &rs[i].req);
    else
      (void)modsec_eval(ms, &rs[i].req);
    ns[i] = now_ns() - t0;
  }
  return summarize(ns, n);
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static void print_detection(bool with_modsec) {
  int ne = with_modsec ? N_ENG : 1;
  printf("\nDetection: share of requests blocked (each payload as GET /?p= and POST p=)\n");
  printf("%-34s %8s %10s %10s %10s\n", "corpus", "requests", "mamori", "CRS PL1", "CRS PL2");
  const char *sect[] = {"true positives (wcp-malicious, higher is better)",
                        "look-alikes (wcp false-positives.txt, lower is better)",
                        "false positives (benign corpora, lower is better)"};
  for (int kind = KIND_TP; kind <= KIND_BENIGN; kind++) {
    printf("-- %s\n", sect[kind]);
    size_t tot = 0, blk[N_ENG] = {0};
    for (size_t c = 0; c < n_corpora; c++) {
      if (corpora[c].kind != kind || !corpora[c].n) continue;
      printf("  %-32s %8zu", corpora[c].name, corpora[c].n);
      for (int e = 0; e < N_ENG; e++) {
        if (e < ne)
          printf(" %9.2f%%", pct(corpora[c].blocked[e], corpora[c].n));
        else
          printf(" %10s", "-");
        blk[e] += corpora[c].blocked[e];
      }
      printf("\n");
      tot += corpora[c].n;
    }
    printf("  %-32s %8zu", "ALL", tot);
    for (int e = 0; e < N_ENG; e++) {
      if (e < ne)
        printf(" %9.2f%%", pct(blk[e], tot));
      else
        printf(" %10s", "-");
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  bool with_modsec = true;
  if (argc < 3) {
    fprintf(stderr, "usage: bench_waf SHARED_DATA REPO_ROOT [--sample N] [--no-modsec]\n");
    return 2;
  }
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--sample") && i + 1 < argc) {
      sample = (size_t)strtoul(argv[++i], NULL, 10);
      if (!sample) sample = 1;
    } else if (!strcmp(argv[i], "--no-modsec")) {
      with_modsec = false;
    }
  }
  load_corpora(argv[1]);
  /* reqs moved while it grew: point each request at its own arrays again */
  for (size_t i = 0; i < n_reqs; i++) {
    reqs[i].req.headers = reqs[i].headers;
    reqs[i].req.client_ip = (mm_str){reqs[i].ip, strlen(reqs[i].ip)};
  }
  if (!n_reqs) {
    fprintf(stderr, "bench_waf: no corpus under %s/waf\n", argv[1]);
    return 1;
  }
  mamori_waf mw;
  memset(&mw, 0, sizeof(mw));
  if (mamori_open(&mw, argv[2]) != 0) return 1;

  int64_t *ns = xmalloc(n_reqs * sizeof(*ns));
  /* Sized POSTs (1 KB, just under the Common group's 8 KB body limit, and
   * 16 KB, which SizeRestrictions_BODY blocks); ModSecurity takes hundreds
   * of milliseconds on a 16 KB form, so it gets fewer of them. */
  enum { N_SIZES = 3, N_SIZED = 1000, N_SIZED_MODSEC = 40 };
  static const size_t SIZES[N_SIZES] = {1024, 8000, 16384};
  breq *sized[N_SIZES];
  for (int k = 0; k < N_SIZES; k++) sized[k] = size_requests(N_SIZED, SIZES[k]);
  int64_t sized_ns[N_SIZED];
  speed sp[N_ENG] = {{0}}, sz[N_ENG][N_SIZES] = {{{0}}};

  sp[ENG_MAMORI] = run_corpus(ENG_MAMORI, &mw, NULL, ns);
  for (int k = 0; k < N_SIZES; k++)
    sz[ENG_MAMORI][k] = run_sized(ENG_MAMORI, &mw, NULL, sized[k], N_SIZED, sized_ns);
  if (with_modsec) {
    for (int e = ENG_PL1; e <= ENG_PL2; e++) {
      modsec ms;
      if (modsec_open(&ms, e == ENG_PL1 ? 1 : 2) != 0) return 1;
      sp[e] = run_corpus(e, NULL, &ms, ns);
      for (int k = 0; k < N_SIZES; k++)
        sz[e][k] = run_sized(e, NULL, &ms, sized[k], N_SIZED_MODSEC, sized_ns);
      modsec_close(&ms);
    }
  }

  printf(
      "bench_waf: %zu requests (wcp-malicious true and look-alike payloads, httpparams"
      " values, user agents%s), one core, CPU time per request\n",
      n_reqs, sample > 1 ? ", sampled" : "");
  printf("%-28s %11s %8s %9s %9s %9s %9s %12s\n", "engine", "requests/s", "p50 us", "p99 us",
         "1KB p99", "8KB p99", "16KB p99", "x PL1 req/s");
  for (int e = 0; e < (with_modsec ? N_ENG : 1); e++) {
    printf("%-28s %11.0f %8.2f %9.2f %9.2f %9.2f %9.2f", ENGINE_NAMES[e], sp[e].rps, sp[e].p50_us,
           sp[e].p99_us, sz[e][0].p99_us, sz[e][1].p99_us, sz[e][2].p99_us);
    if (with_modsec && sp[ENG_PL1].rps > 0)
      printf(" %11.1fx\n", sp[e].rps / sp[ENG_PL1].rps);
    else
      printf(" %12s\n", "-");
  }
  printf("sized POSTs: %d per size for mamori, %d for ModSecurity (its p99 is near its maximum)\n",
         N_SIZED, N_SIZED_MODSEC);
  printf("targets: mamori >= 50x ModSecurity PL1; mamori p99 <= 50 us up to 16 KB\n");
  print_detection(with_modsec);

  mamori_close(&mw);
  free(ns);
  return 0;
}
