/*
 * bench_ip.c - how fast mm_ipset loads a million prefixes and how fast it
 * answers lookups on one core, and how much memory the compiled set holds.
 *
 * The prefixes are random with a fixed seed and shaped like threat lists:
 * 95% IPv4 (/32 60%, /24-/31 25%, /16-/23 14.9%, /8-/15 0.1%) and 5% IPv6
 * (/32-/64 mostly, some /128) under 2000::/3. They are written as text
 * first (untimed), so the load figure covers what a service does with a
 * list: parse every line, add it, compile. Lookups are uniformly random
 * addresses, the cache-hostile case (IPv6 ones fall inside a listed
 * prefix half of the time); two more rows put the figures in context: a
 * WAF-sized set, and traffic from a few thousand busy clients. There is no
 * IP set peer on this machine to compare against, so only our figures are
 * printed, each beside its target (docs/core/ip.md): load < 1 s,
 * >= 20 M lookups/s.
 *
 * Times are CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID), so
 * that other processes on a shared machine do not inflate them; the wall
 * time and the load average are printed too.
 *
 *   bench_ip [prefixes]      default 1000000
 */
#include "mamori/ip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SEED       0x6d616d6f7269u /* "mamori" */
#define LOOKUPS_V4 (8u << 20)      /* 8 Mi addresses per pass: 32 MiB, beyond any cache */
#define LOOKUPS_V6 (1u << 20)
#define PASSES     3 /* report the best pass */

static uint64_t rng_state = SEED;
static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* CPU time of this thread: the figure for "one core", and steady when other
 * processes share the machine (the wall clock is printed for reference). */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double load_average(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fscanf(f, "%lf", &l) != 1) l = -1;
  if (f) fclose(f);
  return l;
}

/* ---- the prefix list ------------------------------------------------------- */

static unsigned v4_length(void) {
  unsigned r = (unsigned)(rng() % 1000);
  if (r < 600) return 32;
  if (r < 850) return 24 + (unsigned)(rng() % 8);
  if (r < 999) return 16 + (unsigned)(rng() % 8);
  return 8 + (unsigned)(rng() % 8);
}

static mm_cidr random_v4(void) {
  mm_ip_addr a = mm_ip_from_v4((uint32_t)rng());
  mm_cidr c;
  mm_cidr_make(&a, v4_length(), &c);
  return c;
}

static mm_ip_addr random_v6_addr(void) {
  uint8_t b[16];
  uint64_t hi = rng(), lo = rng();
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(hi >> (56 - 8 * i)), b[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
  b[0] = (uint8_t)(0x20 | (b[0] & 0x1f)); /* 2000::/3, global unicast */
  return mm_ip_from_v6(b);
}

static mm_cidr v6_listed[1 << 16]; /* IPv6 prefixes made, for lookups that hit */
static size_t v6_count;

static mm_cidr random_v6(void) {
  mm_ip_addr a = random_v6_addr();
  unsigned r = (unsigned)(rng() % 10), len = r < 2 ? 128 : 32 + (unsigned)(rng() % 33);
  mm_cidr c;
  mm_cidr_make(&a, len, &c);
  v6_listed[v6_count++ % (1 << 16)] = c;
  return c;
}

/* Half inside a listed IPv6 prefix (host bits random), half anywhere. */
static mm_ip_addr v6_lookup_addr(void) {
  mm_ip_addr a = random_v6_addr();
  if (v6_count == 0 || rng() % 2) return a;
  const mm_cidr *c = &v6_listed[rng() % (v6_count < (1 << 16) ? v6_count : (1 << 16))];
  for (unsigned bit = 0; bit < c->len; bit++) a.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
  for (unsigned i = 0; i < 16; i++) a.bytes[i] |= c->addr.bytes[i];
  return a;
}

/* n prefixes as one text block, each NUL-terminated; offsets in *starts. */
static char *make_texts(size_t n, size_t **starts, size_t *n6) {
  char *text = malloc(n * MM_CIDR_TEXT_MAX);
  size_t *at = malloc(n * sizeof(*at)), used = 0;
  if (!text || !at) exit(1);
  *n6 = 0;
  for (size_t i = 0; i < n; i++) {
    bool v6 = rng() % 100 < 5;
    mm_cidr c = v6 ? random_v6() : random_v4();
    *n6 += v6;
    at[i] = used;
    used += mm_cidr_format(&c, text + used, MM_CIDR_TEXT_MAX) + 1;
  }
  *starts = at;
  return text;
}

/* ---- timing ------------------------------------------------------------------ */

typedef struct load_result {
  mm_ipset *set;    /* compiled */
  double add_s;     /* parse + add */
  double compile_s; /* compile */
} load_result;

static load_result load(const char *text, const size_t *starts, size_t n) {
  load_result r = {NULL, 0, 0};
  mm_error err;
  mm_ipset_builder *b = mm_ipset_builder_new();
  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    const char *p = text + starts[i];
    if (mm_ipset_add_text(b, p, strlen(p), MM_CIDR_STRICT, (uint32_t)i, &err) != MM_OK) {
      fprintf(stderr, "bench_ip: %s: %s\n", p, err.msg);
      exit(1);
    }
  }
  double t1 = now();
  if (!(r.set = mm_ipset_compile(b, &err))) {
    fprintf(stderr, "bench_ip: compile: %s\n", err.msg);
    exit(1);
  }
  double t2 = now();
  mm_ipset_builder_free(b);
  r.add_s = t1 - t0;
  r.compile_s = t2 - t1;
  return r;
}

typedef struct rate {
  double per_s;  /* lookups per second, best pass */
  double hits;   /* fraction found */
  uint64_t sink; /* keeps the loop from being optimized away */
} rate;

static rate time_v4(const mm_ipset *s, const uint32_t *addrs, size_t n) {
  rate r = {0, 0, 0};
  for (int pass = 0; pass < PASSES; pass++) {
    size_t hits = 0;
    uint64_t sum = 0;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
      uint32_t v = 0;
      hits += mm_ipset_lookup_v4(s, addrs[i], &v);
      sum += v;
    }
    double dt = now() - t0;
    if (n / dt > r.per_s) r.per_s = (double)n / dt;
    r.hits = (double)hits / (double)n;
    r.sink += sum;
  }
  return r;
}

static rate time_v4_batch(const mm_ipset *s, const uint32_t *addrs, size_t n, uint32_t *values) {
  rate r = {0, 0, 0};
  for (int pass = 0; pass < PASSES; pass++) {
    uint64_t sum = 0;
    double t0 = now();
    size_t hits = mm_ipset_lookup_v4_batch(s, addrs, n, values, NULL);
    double dt = now() - t0;
    for (size_t i = 0; i < n; i++) sum += values[i];
    if (n / dt > r.per_s) r.per_s = (double)n / dt;
    r.hits = (double)hits / (double)n;
    r.sink += sum;
  }
  return r;
}

static rate time_addr(const mm_ipset *s, const mm_ip_addr *addrs, size_t n) {
  rate r = {0, 0, 0};
  for (int pass = 0; pass < PASSES; pass++) {
    size_t hits = 0;
    uint64_t sum = 0;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
      uint32_t v = 0;
      hits += mm_ipset_lookup(s, &addrs[i], &v);
      sum += v;
    }
    double dt = now() - t0;
    if (n / dt > r.per_s) r.per_s = (double)n / dt;
    r.hits = (double)hits / (double)n;
    r.sink += sum;
  }
  return r;
}

/* ---- report ------------------------------------------------------------------- */

static void row(const char *what, const char *value, const char *target, const char *verdict) {
  printf("  %-34s %-30s %-12s %s\n", what, value, target, verdict);
}

static void report_rate(const char *what, rate r, bool targeted) {
  char value[64];
  snprintf(value, sizeof(value), "%.1f M/s (%.1f ns), %.1f%% hit", r.per_s / 1e6, 1e9 / r.per_s,
           100 * r.hits);
  row(what, value, targeted ? ">= 20 M/s" : "",
      targeted ? (r.per_s >= 20e6 ? "ok" : "MISSED") : "");
}

/* 1: the load figures, memory and the main set's shape. */
static void report_load(const load_result *l, double load_wall, size_t n) {
  char value[96];
  mm_ipset_stats st;
  struct rusage ru;
  mm_ipset_get_stats(l->set, &st);
  getrusage(RUSAGE_SELF, &ru);
  row("figure", "measured", "target", "");
  snprintf(value, sizeof(value), "%.3f s", l->add_s);
  row("parse + add", value, "", "");
  snprintf(value, sizeof(value), "%.3f s", l->compile_s);
  row("compile", value, "", "");
  snprintf(value, sizeof(value), "%.3f s (wall %.3f s)", l->add_s + l->compile_s, load_wall);
  row("load (parse + add + compile)", value, "< 1 s",
      l->add_s + l->compile_s < 1 ? "ok" : "MISSED");
  snprintf(value, sizeof(value), "%.1f MiB (%.1f B/prefix)", (double)st.bytes / (1 << 20),
           (double)st.bytes / (double)n);
  row("compiled set memory", value, "", "");
  snprintf(value, sizeof(value), "%zu v4 (2^%u), %zu v6 (2^%u)", st.v4_intervals, st.v4_index_bits,
           st.v6_intervals, st.v6_index_bits);
  row("intervals (index buckets)", value, "", "");
  snprintf(value, sizeof(value), "%.0f MiB", (double)ru.ru_maxrss / 1024);
  row("peak RSS (texts, lookups incl.)", value, "", "");
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, n6, small_n6, *starts, *small_starts;
  char *text = make_texts(n, &starts, &n6);
  double wall0 = wall();
  load_result l = load(text, starts, n);
  double load_wall = wall() - wall0;
  /* An AWS WAF IP set holds at most 10,000 addresses: the common small case. */
  char *small_text = make_texts(10000, &small_starts, &small_n6);
  load_result small = load(small_text, small_starts, 10000);

  uint32_t *v4 = malloc(LOOKUPS_V4 * sizeof(*v4)), *out = malloc(LOOKUPS_V4 * sizeof(*out));
  uint32_t *hot = malloc(LOOKUPS_V4 * sizeof(*hot));
  mm_ip_addr *a4 = malloc(LOOKUPS_V6 * sizeof(*a4)), *a6 = malloc(LOOKUPS_V6 * sizeof(*a6));
  if (!v4 || !out || !hot || !a4 || !a6) return 1;
  for (size_t i = 0; i < LOOKUPS_V4; i++) v4[i] = (uint32_t)rng();
  for (size_t i = 0; i < LOOKUPS_V4; i++) hot[i] = v4[rng() % 4096]; /* 4096 busy clients */
  for (size_t i = 0; i < LOOKUPS_V6; i++) a4[i] = mm_ip_from_v4(v4[i]), a6[i] = v6_lookup_addr();
  rate r4 = time_v4(l.set, v4, LOOKUPS_V4), rb = time_v4_batch(l.set, v4, LOOKUPS_V4, out),
       ra = time_addr(l.set, a4, LOOKUPS_V6), r6 = time_addr(l.set, a6, LOOKUPS_V6),
       rh = time_v4(l.set, hot, LOOKUPS_V4), rs = time_v4(small.set, v4, LOOKUPS_V4);

  printf("mm_ipset: %zu prefixes (%zu IPv4 /8-/32, %zu IPv6), seed 0x%llx\n", n, n - n6, n6,
         (unsigned long long)SEED);
  printf("one core, thread CPU time; load average %.2f on %ld CPUs\n", load_average(),
         sysconf(_SC_NPROCESSORS_ONLN));
  report_load(&l, load_wall, n);
  printf("  lookups of uniformly random addresses (the cache-hostile case):\n");
  report_rate("IPv4, one call each (uint32)", r4, true);
  report_rate("IPv4, batches (uint32)", rb, true);
  report_rate("IPv4, one call each (mm_ip_addr)", ra, true);
  report_rate("IPv6, one call each (mm_ip_addr)", r6, false);
  printf("  lookups in context:\n");
  report_rate("IPv4, 4096 busy clients", rh, false);
  report_rate("IPv4, 10,000-prefix set (WAF max)", rs, false);
  printf("  (checksum %llu)\n",
         (unsigned long long)(r4.sink + rb.sink + ra.sink + r6.sink + rh.sink + rs.sink));
  mm_ipset_free(l.set);
  mm_ipset_free(small.set);
  free(v4), free(out), free(hot), free(a4), free(a6);
  free(text), free(starts), free(small_text), free(small_starts);
  return 0;
}
