/*
 * bench_net.c - throughput of the VPC Flow Log detectors (src/detect/net.c),
 * one core, with the shipped threat lists (data/detect/intel) loaded.
 *
 * Two generated sets of version 5 lines (the fields of bench_detect.c's
 * flow file), held in memory:
 *
 *   vpc     2,000 instances (10.0.0.0/16) talking to 50,000 public hosts
 *           (skewed: a few are popular), 10 service ports, half ingress,
 *           some REJECTs: the shape of one VPC's traffic.
 *   random  every line a fresh pair of addresses (bench_detect.c's mix):
 *           the worst case, every record creating table entries and the
 *           tables overflowing (eviction).
 *
 * For each: CPU seconds to parse every line (mm_detect_flow_parse), and to
 * parse and run the detectors; the detectors' rate is lines over the
 * difference. Best of 3 runs, printed beside the target (2,000,000
 * flow-log lines/s per core through the detectors).
 * usage: bench_net [--lines N] [--intel DIR]
 */
#include "detect/intel.h"
#include "detect/net.h"
#include "mamori/detect.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <time.h>

#include "../bench.h"

static double now(void) { return mm_bench_cpu_seconds(); }

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng(void) { return mm_bench_rng(&rng_state); }

static const char format[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr "
    "pkt-dstaddr region az-id flow-direction traffic-path";

static void line(char *buf, size_t size, uint64_t i, bool vpc) {
  static const int ports[] = {443, 80, 22, 3389, 53, 5432, 3306, 6379, 8080, 123};
  uint64_t r = rng();
  int64_t start = 1722470400 + (int64_t)(i / 500);
  char src[48], dst[48];
  unsigned inst, host;
  if (vpc) {
    inst = (unsigned)(r % 2000);
    uint64_t h = (r >> 11) % 50000;
    host = (unsigned)((r >> 27) & 1 ? h % 500 : h); /* half the traffic to 500 popular hosts */
    snprintf(src, sizeof src, "10.0.%u.%u", inst / 250, 1 + inst % 250);
    snprintf(dst, sizeof dst, "%u.%u.%u.%u", 3 + host % 100, (host >> 3) & 255, (host >> 7) & 255,
             1 + host % 250);
  } else {
    unsigned a = (unsigned)(r >> 8), b = (unsigned)(r >> 24);
    inst = a % 100000;
    snprintf(src, sizeof src, "10.%u.%u.%u", a & 255, (a >> 8) & 255, (a >> 16) & 253);
    snprintf(dst, sizeof dst, "%u.%u.%u.%u", 3 + (b & 127), (b >> 8) & 255, (b >> 16) & 255,
             1 + ((b >> 24) & 127));
  }
  int dport = ports[(r >> 40) % 10], sport = 32768 + (int)((r >> 44) % 28000);
  int proto = dport == 53 || dport == 123 ? 17 : 6;
  bool egress = (r >> 60) & 1, reject = (r % 17) == 0;
  snprintf(buf, size,
           "5 123456789012 eni-0a1b2c3d4e5f%05u %s %s %d %d %d %u %u %lld %lld %s OK "
           "vpc-0abc1234def567890 subnet-0123abcd4567ef890 i-0123456789abcdef0 %u IPv4 %s %s "
           "us-east-1 use1-az2 %s %s",
           inst, egress ? src : dst, egress ? dst : src, egress ? sport : dport,
           egress ? dport : sport, proto, 1 + (unsigned)(r % 90), 40 + (unsigned)(r % 90000),
           (long long)start, (long long)start + 60, reject ? "REJECT" : "ACCEPT",
           proto == 6 ? (unsigned)(r % 32) : 0, egress ? src : dst, egress ? dst : src,
           egress ? "egress" : "ingress", egress ? "1" : "-");
}

static uint64_t hits;
static void on_hit(void *ud, const mm__detect_hit *h) {
  (void)ud, (void)h;
  hits++;
}

/* CPU seconds to parse every line, and with detect also to run the detectors. */
static double run(char **lines, size_t n, const mm_detect_flow_format *fmt, const mm__intel *in,
                  bool detect) {
  mm__detect_net_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.intel = in;
  mm__detect_net *net = detect ? mm__detect_net_new(&cfg) : NULL;
  mm_detect_flow f;
  mm_error err;
  uint64_t sink = 0;
  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    if (mm_detect_flow_parse(fmt, lines[i], strlen(lines[i]), &f, &err) != MM_OK) continue;
    if (net)
      mm__detect_net_flow(net, &f, on_hit, NULL);
    else
      sink += f.bytes;
  }
  double t = now() - t0;
  mm__detect_net_free(net);
  if (sink == 1) fputc(' ', stderr);
  return t;
}

static void bench(const char *name, bool vpc, size_t n, const mm_detect_flow_format *fmt,
                  const mm__intel *in) {
  char **lines = malloc(n * sizeof *lines);
  char buf[512];
  for (size_t i = 0; i < n; i++) {
    line(buf, sizeof buf, i, vpc);
    lines[i] = strdup(buf);
  }
  double parse = 1e9, both = 1e9;
  for (int r = 0; r < 3; r++) {
    double p = run(lines, n, fmt, in, false), b = run(lines, n, fmt, in, true);
    if (p < parse) parse = p;
    if (b < both) both = b;
  }
  double det = both - parse > 1e-9 ? both - parse : 1e-9;
  printf(
      "flow detectors (%s): %zu lines; parse %.0f lines/s; parse+detect %.0f lines/s; "
      "detectors alone %.0f lines/s per core (target >= 2,000,000)\n",
      name, n, n / parse, n / both, n / det);
  for (size_t i = 0; i < n; i++) free(lines[i]);
  free(lines);
}

int main(int argc, char **argv) {
  size_t n = 2000000;
  const char *dir = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--lines") == 0) n = strtoull(argv[i + 1], NULL, 10);
    if (strcmp(argv[i], "--intel") == 0) dir = argv[i + 1];
  }
  mm_error err;
  mm_detect_flow_format *fmt = mm_detect_flow_format_parse(format, sizeof format - 1, &err);
  mm__intel *in = mm__intel_new();
  if (!fmt || !in || mm__intel_add_dir(in, dir, false, &err) != MM_OK ||
      mm__intel_compile(in, &err) != MM_OK) {
    fprintf(stderr, "bench_net: %s\n", err.msg);
    return 1;
  }
  bench("vpc", true, n, fmt, in);
  bench("random", false, n, fmt, in);
  printf("(hits emitted: %llu)\n", (unsigned long long)hits);
  mm__intel_free(in);
  mm_detect_flow_format_free(fmt);
  return 0;
}
