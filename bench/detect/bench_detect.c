/*
 * bench_detect.c - throughput of the detect readers, one core.
 *
 *   flow  a generated file of 2,000,000 VPC Flow Logs version 5 lines (S3
 *         delivery: a header line, then the default fields followed by
 *         vpc-id, subnet-id, instance-id, tcp-flags, type, pkt-srcaddr,
 *         pkt-dstaddr, region, az-id, flow-direction, traffic-path, with
 *         realistic address, port and protocol mixes), read through
 *         mm_detect_reader twice: typed records only (MM_DETECT_FLOW_TYPED_ONLY),
 *         and with the JSON DOM a rule matches.
 *   ct    a CloudTrail file {"Records":[...]} of >= 100 MB built from the
 *         Stratus Red Team detonation logs (every event, repeated), read
 *         through the CloudTrail reader (parse, check, classify).
 *
 *   run   the detection engine with every shipped rule (data/detect/rules)
 *         over the same CloudTrail file (reader + engine), and the engine
 *         alone over the Stratus events parsed once and fed 2,000,000 times
 *         (the per-record cost: one matcher call plus the candidate rules),
 *         also with 300 more rules of the common shape (eventSource +
 *         eventName) to show the cost with 300+ patterns.
 *
 * Each figure is the best of 5 runs in CPU time (one core), printed beside
 * the target.
 * usage: bench_detect --stratus DIR --dir OUTDIR [--lines N] [--rules DIR]
 */
#include "mamori/detect.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../bench.h"

static double now(void) { return mm_bench_cpu_seconds(); }

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng(void) { return mm_bench_rng(&rng_state); }

static const char header[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr "
    "pkt-dstaddr region az-id flow-direction traffic-path\n";

/* One realistic line: mostly TCP to a few service ports from ephemeral ports,
 * private and public addresses, some REJECTs, a few NODATA. */
static void flow_line(FILE *f, uint64_t i) {
  static const int ports[] = {443, 80, 22, 3389, 53, 5432, 3306, 6379, 8080, 123};
  uint64_t r = rng();
  int64_t start = 1722470400 + (int64_t)(i / 500);
  if (r % 200 == 0) {
    fprintf(f,
            "5 123456789012 eni-0a1b2c3d4e5f%05u - - - - - - - %lld %lld - NODATA "
            "vpc-0abc1234def567890 subnet-0123abcd4567ef890 - - - - - us-east-1 use1-az2 - -\n",
            (unsigned)(r % 100000), (long long)start, (long long)start + 60);
    return;
  }
  unsigned a = (unsigned)(r >> 8), b = (unsigned)(r >> 24);
  int dport = ports[(r >> 40) % 10], sport = 32768 + (int)((r >> 44) % 28000);
  int proto = dport == 53 || dport == 123 ? 17 : 6;
  bool egress = (r >> 60) & 1, reject = (r % 17) == 0;
  char src[48], dst[48];
  snprintf(src, sizeof(src), "10.%u.%u.%u", a & 255, (a >> 8) & 255, (a >> 16) & 253);
  snprintf(dst, sizeof(dst), "%u.%u.%u.%u", 3 + (b & 127), (b >> 8) & 255, (b >> 16) & 255,
           1 + ((b >> 24) & 127));
  fprintf(f,
          "5 123456789012 eni-0a1b2c3d4e5f%05u %s %s %d %d %d %u %u %lld %lld %s OK "
          "vpc-0abc1234def567890 subnet-0123abcd4567ef890 i-0123456789abcdef0 %u IPv4 %s %s "
          "us-east-1 use1-az2 %s %s\n",
          (unsigned)(r % 100000), egress ? src : dst, egress ? dst : src, egress ? sport : dport,
          egress ? dport : sport, proto, 1 + (unsigned)(r % 90), 40 + (unsigned)(r % 90000),
          (long long)start, (long long)start + 60, reject ? "REJECT" : "ACCEPT",
          proto == 6 ? (unsigned)(r % 32) : 0, egress ? src : dst, egress ? dst : src,
          egress ? "egress" : "ingress", egress ? "1" : "-");
}

static int make_flow_file(const char *path, uint64_t lines) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(header, f);
  for (uint64_t i = 0; i < lines; i++) flow_line(f, i);
  return fclose(f);
}

static long long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Best-of-RUNS CPU seconds to read path under opt; records and errors out. */
#define RUNS 5 /* best of */

static double time_reader(const char *path, const mm_detect_options *opt, uint64_t *records,
                          uint64_t *errors) {
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    mm_error err;
    double t0 = now();
    mm_detect_reader *r = mm_detect_reader_open_path(path, opt, &err);
    if (!r) return fprintf(stderr, "%s: %s\n", path, err.msg), -1;
    mm_detect_record rec;
    int rc;
    uint64_t sink = 0;
    while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF)
      if (rc == MM_OK) sink += (uint64_t)rec.time;
    mm_detect_stats st = mm_detect_reader_stats(r);
    mm_detect_reader_close(r);
    double t = now() - t0;
    if (t < best) best = t;
    *records = st.records;
    *errors = st.errors + (sink == 1); /* keep the loop's work observable */
  }
  return best;
}

static void report(const char *what, const char *unit, double secs, uint64_t n, long long bytes,
                   double target) {
  double rate = (double)n / secs;
  printf("%-34s %10.0f %s/s  %7.1f MB/s  (%llu in %.3f s)  target >= %.0f: %s\n", what, rate, unit,
         (double)bytes / secs / 1e6, (unsigned long long)n, secs, target,
         target <= 0      ? "-"
         : rate >= target ? "met"
                          : "NOT met");
}

/* ---- the engine ------------------------------------------------------------------ */

/* The shipped rules plus `extra` synthetic ones (one pattern each, on
 * eventSource and eventName, as most CloudTrail rules are). */
static mm_detect_engine *make_engine(const char *rules, int extra, size_t *patterns) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  if (mm_detect_rules_load(rs, rules, &err) != MM_OK) {
    fprintf(stderr, "%s\n", err.msg);
    mm_detect_rules_free(rs);
    return NULL;
  }
  mm_buf b = MM_BUF_INIT;
  for (int i = 0; i < extra; i++) {
    mm_buf_clear(&b);
    mm_buf_printf(&b,
                  "{\"id\":\"bench.%d\",\"type\":\"mamori:Bench:IAMUser/R%d\",\"severity\":2,"
                  "\"pattern\":{\"eventSource\":[\"svc%d.amazonaws.com\"],\"eventName\":"
                  "[\"Action%d\",{\"prefix\":\"Delete%d\"}]}}",
                  i, i, i % 40, i, i);
    mm_detect_rules_add_json(rs, b.ptr, b.len, NULL, &err);
  }
  mm_buf_free(&b);
  *patterns = 0;
  for (size_t i = 0; i < mm_detect_rules_count(rs); i++) {
    mm_detect_rule_info ri;
    mm_detect_rules_info(rs, i, &ri);
    *patterns += ri.patterns;
  }
  return mm_detect_engine_new(rs, NULL, &err);
}

static double time_reader_engine(const char *path, const char *rules, uint64_t *records) {
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    size_t patterns;
    mm_detect_engine *e = make_engine(rules, 0, &patterns);
    if (!e) return -1;
    mm_detect_options o = {0};
    o.format = MM_DETECT_CLOUDTRAIL;
    double t0 = now();
    mm_detect_reader *r = mm_detect_reader_open_path(path, &o, NULL);
    mm_detect_record rec;
    int rc;
    *records = 0;
    while (r && (rc = mm_detect_reader_next(r, &rec, NULL)) != MM_EOF)
      if (rc == MM_OK) mm_detect_engine_feed(e, &rec), ++*records;
    mm_detect_reader_close(r);
    double t = now() - t0;
    if (t < best) best = t;
    mm_detect_engine_free(e);
  }
  return best;
}

#define MAX_EVENTS 4096

/* Every Stratus event, parsed once (the documents stay alive). */
static size_t parse_stratus(const char *dir, mm_json_doc **docs, mm_detect_record *recs,
                            long long *bytes) {
  DIR *d = opendir(dir);
  struct dirent *de;
  size_t n = 0;
  mm_buf b = MM_BUF_INIT;
  *bytes = 0;
  while (d && (de = readdir(d)) != NULL) {
    if (!strstr(de->d_name, ".json")) continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    mm_detect_reader *r = mm_detect_reader_open_path(path, NULL, NULL);
    mm_detect_record rec;
    while (r && n < MAX_EVENTS && mm_detect_reader_next(r, &rec, NULL) == MM_OK) {
      mm_buf_clear(&b);
      mm_json_write(&b, rec.value, 0);
      *bytes += (long long)b.len;
      docs[n] = mm_json_parse(b.ptr, b.len, NULL, NULL);
      memset(&recs[n], 0, sizeof(recs[n]));
      if (docs[n] && mm_detect_json_record(mm_json_doc_root(docs[n]), MM_DETECT_CLOUDTRAIL,
                                           &recs[n], NULL) == MM_OK)
        n++;
    }
    mm_detect_reader_close(r);
  }
  if (d) closedir(d);
  mm_buf_free(&b);
  return n;
}

static void bench_engine_only(const char *stratus, const char *rules, int extra) {
  static mm_json_doc *docs[MAX_EVENTS];
  static mm_detect_record recs[MAX_EVENTS];
  long long bytes;
  size_t n = parse_stratus(stratus, docs, recs, &bytes), patterns = 0;
  const uint64_t feeds = 2000000;
  double best = 1e9;
  uint64_t hits = 0;
  for (int run = 0; run < RUNS && n; run++) {
    mm_detect_engine *e = make_engine(rules, extra, &patterns);
    if (!e) break;
    double t0 = now();
    hits = 0;
    for (uint64_t i = 0; i < feeds; i++) hits += mm_detect_engine_feed(e, &recs[i % n]);
    double t = now() - t0;
    if (t < best) best = t;
    mm_detect_engine_free(e);
  }
  char what[96];
  snprintf(what, sizeof(what), "engine only, %zu patterns", patterns);
  report(what, "records", best, feeds, (long long)((double)bytes / (double)n * (double)feeds),
         500000);
  printf("  (%zu distinct events fed in turn, %.3f hits per record)\n", n,
         (double)hits / (double)feeds);
  for (size_t i = 0; i < n; i++) mm_json_doc_free(docs[i]);
}

/* ---- CloudTrail file from the Stratus logs ------------------------------------ */

/* Append every event of every detonation log to out, as elements. */
static size_t append_stratus(const char *dir, FILE *out, bool *first) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  size_t events = 0;
  mm_buf b = MM_BUF_INIT;
  while ((e = readdir(d)) != NULL) {
    if (!strstr(e->d_name, ".json")) continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    mm_detect_options o = {0};
    o.format = MM_DETECT_CLOUDTRAIL;
    mm_detect_reader *r = mm_detect_reader_open_path(path, &o, NULL);
    mm_detect_record rec;
    while (r && mm_detect_reader_next(r, &rec, NULL) == MM_OK) {
      mm_buf_clear(&b);
      mm_json_write(&b, rec.value, 0);
      fputs(*first ? "\n" : ",\n", out);
      fwrite(b.ptr, 1, b.len, out);
      *first = false;
      events++;
    }
    mm_detect_reader_close(r);
  }
  closedir(d);
  mm_buf_free(&b);
  return events;
}

static int make_ct_file(const char *stratus, const char *path, long long min_bytes) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs("{\"Records\":[", f);
  bool first = true;
  while (ftell(f) < min_bytes)
    if (append_stratus(stratus, f, &first) == 0) break;
  fputs("\n]}\n", f);
  return fclose(f);
}

int main(int argc, char **argv) {
  const char *stratus = NULL, *dir = ".", *rules = NULL;
  uint64_t lines = 2000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--stratus") == 0) stratus = argv[i + 1];
    if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (strcmp(argv[i], "--lines") == 0) lines = strtoull(argv[i + 1], NULL, 10);
    if (strcmp(argv[i], "--rules") == 0) rules = argv[i + 1];
  }
  char flow_path[4096], ct_path[4096];
  snprintf(flow_path, sizeof(flow_path), "%s/flow-v5-%llu.log", dir, (unsigned long long)lines);
  snprintf(ct_path, sizeof(ct_path), "%s/cloudtrail-stratus-100mb.json", dir);
  if (file_size(flow_path) < 0 && make_flow_file(flow_path, lines) != 0)
    return fprintf(stderr, "cannot write %s\n", flow_path), 1;
  uint64_t n, errors;
  long long size = file_size(flow_path);
  printf("detect readers, one core; best of %d runs, CPU time\n", RUNS);
  printf("flow file: %s (%llu lines, %.1f MB)\n", flow_path, (unsigned long long)lines,
         (double)size / 1e6);
  mm_detect_options o = {0};
  o.format = MM_DETECT_FLOW;
  o.flags = MM_DETECT_FLOW_TYPED_ONLY;
  double t = time_reader(flow_path, &o, &n, &errors);
  report("flow v5, typed records", "lines", t, n, size, 2000000);
  o.flags = 0;
  t = time_reader(flow_path, &o, &n, &errors);
  report("flow v5, typed + JSON DOM", "lines", t, n, size, 0);
  if (errors) printf("  (%llu errors!)\n", (unsigned long long)errors);
  if (!stratus) return 0;
  if (file_size(ct_path) < 0 && make_ct_file(stratus, ct_path, 100LL << 20) != 0)
    return fprintf(stderr, "cannot write %s\n", ct_path), 1;
  size = file_size(ct_path);
  printf("cloudtrail file: %s (%.1f MB, from the Stratus detonation logs)\n", ct_path,
         (double)size / 1e6);
  o.format = MM_DETECT_CLOUDTRAIL;
  t = time_reader(ct_path, &o, &n, &errors);
  report("cloudtrail {\"Records\":[...]}", "records", t, n, size, 500000);
  if (errors) printf("  (%llu errors!)\n", (unsigned long long)errors);
  if (!rules) return 0;
  t = time_reader_engine(ct_path, rules, &n);
  report("cloudtrail reader + all rules", "records", t, n, size, 500000);
  bench_engine_only(stratus, rules, 0);
  bench_engine_only(stratus, rules, 300);
  return 0;
}
