/*
 * bench_events.c - events per second that one compiled matcher
 * (mamori/events.h) tests on one core, as the number of patterns grows
 * through 10, 100, 1,000 and 10,000, and the ratio between the first and the
 * last (target: falls by less than 2x; docs/events.md).
 *
 * Events: every CloudTrail record of the Stratus Red Team detonation logs
 * (a folder of files, read with the core streaming reader), wrapped as
 * EventBridge delivers them: {"source": "aws.<service>", "detail-type":
 * "AWS API Call via CloudTrail", "detail": record}. They are parsed once,
 * untimed; the figure is mm_events_match alone.
 *
 * Patterns are generated with a fixed seed, shaped like detection rules:
 * event names and sources, name prefixes, principal types, CIDR blocks on
 * sourceIPAddress, error codes, ARN suffixes. A value is one the records
 * carry 1 time in 50 (AWS has over 15,000 API actions, and a rule set
 * spreads over them, so the 54 actions these records hold would be named
 * far less often still), else a made-up one of the same shape. --dense
 * draws recorded values 1 time in 5 instead: every event then wakes dozens
 * of rules at 10,000 patterns, and the cost grows with that work (the
 * "matches" column shows how much there is). Ten rules that must be run
 * one by one (wildcard, anything-but, numeric) are in every set.
 *
 *   bench_events [--dense] [--patterns N] DETONATION_LOGS_DIR
 */
#include "mamori/events.h"
#include "mamori/hash.h"
#include "mamori/json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_EVENTS 4096
#define MAX_VOCAB  1024

static uint64_t rng_state = 0x6d616d6f7269u;
static uint32_t rnd(uint32_t n) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return (uint32_t)((z ^ (z >> 31)) % n);
}

typedef struct vocab {
  char *v[MAX_VOCAB]; /* distinct values seen */
  size_t n;
} vocab;

static void vocab_add(vocab *w, const char *s) {
  if (!s || w->n == MAX_VOCAB) return;
  for (size_t i = 0; i < w->n; i++)
    if (strcmp(w->v[i], s) == 0) return;
  w->v[w->n++] = strdup(s);
}

static vocab names, sources, types, ips;
static mm_json_doc *events[MAX_EVENTS];
static size_t nevents;

static void add_record(const mm_json_value *r) {
  const mm_json_value *src = mm_json_get(r, "eventSource");
  vocab_add(&names, mm_json_str(mm_json_get(r, "eventName")));
  vocab_add(&sources, mm_json_str(src));
  vocab_add(&types, mm_json_str(mm_json_get(mm_json_get(r, "userIdentity"), "type")));
  vocab_add(&ips, mm_json_str(mm_json_get(r, "sourceIPAddress")));
  if (nevents == MAX_EVENTS) return;
  char svc[128] = "aws.unknown";
  const char *s = mm_json_str(src);
  if (s) snprintf(svc, sizeof(svc), "aws.%.*s", (int)strcspn(s, "."), s);
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, "{\"version\":\"0\",\"source\":");
  mm_json_append_string(&b, svc, strlen(svc));
  mm_buf_puts(&b, ",\"detail-type\":\"AWS API Call via CloudTrail\",\"detail\":");
  mm_json_write(&b, r, 0);
  mm_buf_putc(&b, '}');
  events[nevents++] = mm_json_parse(b.ptr, b.len, NULL, NULL);
  mm_buf_free(&b);
}

static int load_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".json")) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_RECORDS, NULL, NULL);
    mm_json_record rec;
    while (r && mm_json_reader_next(r, &rec, NULL) == MM_OK) add_record(rec.value);
    mm_json_reader_close(r);
  }
  closedir(d);
  return 0;
}

static uint32_t real_one_in = 50; /* a rule names a recorded value 1 time in this many */

/* A value of w now and then, else a made-up one in its style (numbered). */
static void pick(mm_buf *b, const vocab *w, const char *style) {
  char s[160];
  if (w->n && rnd(real_one_in) == 0)
    snprintf(s, sizeof(s), "%s", w->v[rnd((uint32_t)w->n)]);
  else
    snprintf(s, sizeof(s), "%s%u", style, rnd(100000));
  mm_json_append_string(b, s, strlen(s));
}

static void gen_pattern(mm_buf *b) {
  switch (rnd(6)) {
    case 0:
    case 1:
      mm_buf_puts(b, "{\"detail\":{\"eventSource\":[");
      pick(b, &sources, "svc.amazonaws.com/");
      mm_buf_puts(b, "],\"eventName\":[");
      pick(b, &names, "DescribeThings");
      mm_buf_putc(b, ',');
      pick(b, &names, "DeleteThing");
      mm_buf_puts(b, "]}}");
      break;
    case 2:
      mm_buf_puts(b, "{\"detail\":{\"eventName\":[{\"prefix\":");
      pick(b, &names, "Put");
      mm_buf_puts(b, "}],\"userIdentity\":{\"type\":[\"Root\",\"IAMUser\"]}}}");
      break;
    case 3:
      mm_buf_printf(
          b, "{\"detail\":{\"sourceIPAddress\":[{\"cidr\":\"%u.%u.0.0/16\"}],\"eventName\":[",
          1 + rnd(223), rnd(256));
      pick(b, &names, "GetData");
      mm_buf_puts(b, "]}}");
      break;
    case 4:
      mm_buf_puts(b,
                  "{\"detail\":{\"errorCode\":[\"AccessDenied\",\"Client.UnauthorizedOperation\"],"
                  "\"eventName\":[");
      pick(b, &names, "ListItems");
      mm_buf_puts(b, "]}}");
      break;
    default:
      mm_buf_puts(b, "{\"source\":[");
      pick(b, &sources, "aws.svc");
      mm_buf_puts(b, "],\"detail\":{\"userIdentity\":{\"arn\":[{\"suffix\":");
      pick(b, &names, ":user/u");
      mm_buf_puts(b, "}]}}}");
  }
}

static const char *const scan_rules[] = {
    "{\"detail\":{\"userAgent\":[{\"wildcard\":\"*stratus-red-team*\"}]}}",
    "{\"detail\":{\"userIdentity\":{\"type\":[{\"anything-but\":[\"AWSService\",\"AWSAccount\"]}]},"
    "\"eventName\":[\"StopLogging\"]}}",
    "{\"detail\":{\"requestParameters\":{\"maxResults\":[{\"numeric\":[\">\",100]}]}}}",
    "{\"detail\":{\"eventName\":[{\"wildcard\":\"*Secret*\"}]}}",
    "{\"detail\":{\"tlsDetails\":{\"tlsVersion\":[{\"anything-but\":{\"prefix\":\"TLSv1.3\"}}]}}}",
    "{\"detail\":{\"awsRegion\":[{\"anything-but\":{\"prefix\":\"us-\"}}],\"eventName\":["
    "\"RunInstances\"]}}",
    "{\"detail\":{\"errorCode\":[{\"exists\":true}],\"userIdentity\":{\"type\":[\"Root\"]}}}",
    "{\"detail\":{\"readOnly\":[false],\"eventSource\":[{\"wildcard\":\"*iam*\"}]}}",
    "{\"detail\":{\"userIdentity\":{\"sessionContext\":{\"mfaAuthenticated\":[\"false\"]}}}}",
    "{\"$or\":[{\"detail\":{\"eventName\":[\"DeleteTrail\"]}},{\"detail\":{\"eventName\":["
    "\"UpdateTrail\"]}}]}",
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Events per second for a matcher of n patterns (best of 5 passes). */
static double run(size_t n, size_t *matches) {
  mm_events_builder *b = mm_events_builder_new();
  for (size_t i = 0; i < sizeof(scan_rules) / sizeof(*scan_rules) && i < n; i++)
    mm_events_builder_add_json(b, MM_STR("scan"), scan_rules[i], strlen(scan_rules[i]), NULL);
  while (mm_events_builder_count(b) < n) {
    mm_buf t = MM_BUF_INIT;
    gen_pattern(&t);
    mm_error err;
    if (mm_events_builder_add_json(b, MM_STR("gen"), t.ptr, t.len, &err) != MM_OK) {
      fprintf(stderr, "bad generated pattern %s: %s\n", t.ptr, err.msg);
      exit(1);
    }
    mm_buf_free(&t);
  }
  mm_events_matcher *m = mm_events_compile(b, NULL);
  mm_events_ctx *c = mm_events_ctx_new(m);
  double best = 0;
  for (int pass = 0; pass < 5; pass++) {
    size_t done = 0, hits = 0;
    double t0 = now(), t1;
    do {
      for (size_t e = 0; e < nevents; e++)
        hits += mm_events_match(m, c, mm_json_doc_root(events[e]), NULL);
      done += nevents;
    } while ((t1 = now()) - t0 < 0.5);
    double rate = (double)done / (t1 - t0);
    if (rate > best) best = rate, *matches = hits * nevents / done;
  }
  mm_events_ctx_free(c);
  mm_events_matcher_free(m);
  mm_events_builder_free(b);
  return best;
}

int main(int argc, char **argv) {
  size_t only = 0; /* --patterns N: that size alone (for profiling) */
  for (; argc > 2 && argv[1][0] == '-'; argv++, argc--) {
    if (strcmp(argv[1], "--dense") == 0)
      real_one_in = 5;
    else if (strcmp(argv[1], "--patterns") == 0 && argc > 3)
      only = strtoul(argv[2], NULL, 10), argv++, argc--;
    else
      break;
  }
  if (argc != 2 || load_dir(argv[1]) != 0 || nevents == 0) {
    fprintf(stderr, "usage: bench_events [--dense] DETONATION_LOGS_DIR (no events found)\n");
    return 2;
  }
  static const size_t sizes[] = {10, 100, 1000, 10000};
  double rates[4];
  printf(
      "events: %zu CloudTrail records (%zu event names, %zu sources) as EventBridge events;\n"
      "patterns name a recorded value 1 time in %u\n",
      nevents, names.n, sources.n, real_one_in);
  printf("%10s %14s %12s %18s\n", "patterns", "events/s", "ns/event", "matches/pass");
  if (only) {
    size_t hits = 0;
    double r = run(only, &hits);
    printf("%10zu %14.0f %12.0f %18zu\n", only, r, 1e9 / r, hits);
    return 0;
  }
  for (size_t i = 0; i < 4; i++) {
    size_t hits = 0;
    rates[i] = run(sizes[i], &hits);
    printf("%10zu %14.0f %12.0f %18zu\n", sizes[i], rates[i], 1e9 / rates[i], hits);
  }
  double ratio = rates[0] / rates[3];
  printf("throughput ratio 10 / 10,000 patterns: %.2fx (target < 2x): %s\n", ratio,
         ratio < 2 ? "ok" : "MISSED");
  for (size_t i = 0; i < nevents; i++) mm_json_doc_free(events[i]);
  return 0;
}
