/*
 * bench_waf_detect.c - how many inputs per second the SQLi detector (at
 * LOW and at HIGH) and the XSS detector decide on one core, and at how many
 * MB/s (target: >= 3 million short inputs/s per detector, issue 4).
 *
 * Corpora, read from WAF_DATA (../shared/data/waf), each line one input:
 *   - attacks: libinjection/data/{sqli,xss}-*.txt, URL-decoded (17,150 +
 *     1,645 lines; most are short, the forum SQLi lines dominate);
 *   - benign: benign/httpparams/benign-values.txt (19,304 form values)
 *     and benign/user-agents/user-agents.unique.txt (17,816 User-Agents);
 *   - short: every line above of 20 to 60 bytes, the size the target is
 *     stated for.
 * Each (detector, corpus) row loops over its inputs until 0.5 s of CPU time
 * have passed and prints inputs/s, MB/s and the share it flagged.
 *
 * Peer: libinjection is not packaged in Debian 12 (apt-cache policy
 * libinjection-dev shows no candidate), so no peer figure is printed; the
 * row says so.
 *
 * Times are CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), so that other
 * processes on a shared machine do not inflate them.
 *
 *   bench_waf_detect WAF_DATA
 */
#include "waf/sqli.h"
#include "waf/xss.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct corpus {
  const char *name;
  char **line; /* inputs */
  size_t *len; /* their lengths */
  size_t n, cap;
  size_t bytes; /* sum of len */
} corpus;

static void add(corpus *c, const char *s, size_t n) {
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 4096;
    c->line = realloc(c->line, c->cap * sizeof *c->line);
    c->len = realloc(c->len, c->cap * sizeof *c->len);
    if (!c->line || !c->len) abort();
  }
  c->line[c->n] = malloc(n ? n : 1);
  if (!c->line[c->n]) abort();
  memcpy(c->line[c->n], s, n);
  c->len[c->n++] = n;
  c->bytes += n;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 32;
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static size_t url_decode(char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+')
      s[o++] = ' ';
    else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else
      s[o++] = s[i];
  }
  return o;
}

/* Every line of path into c (and the 20-60 byte ones into shortc). */
static void load(const char *path, bool encoded, corpus *c, corpus *shortc) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "bench_waf_detect: cannot read %s\n", path);
    exit(1);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  while ((got = getline(&line, &cap, f)) >= 0) {
    size_t n = (size_t)got;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0 || (encoded && line[0] == '#')) continue;
    if (encoded) n = url_decode(line, n);
    add(c, line, n);
    if (n >= 20 && n <= 60) add(shortc, line, n);
  }
  free(line);
  fclose(f);
}

static void load_dir(const char *dir, const char *prefix, corpus *c, corpus *shortc) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "bench_waf_detect: cannot open %s\n", dir);
    exit(1);
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    load(path, true, c, shortc);
  }
  closedir(d);
}

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { SQLI_LOW, SQLI_HIGH, XSS };

static bool detect(int which, const char *s, size_t n, mm__waf_detect_match *m) {
  const uint8_t *b = (const uint8_t *)s;
  if (which == XSS) return mm__waf_xss(b, n, m);
  return mm__waf_sqli(b, n, which == SQLI_HIGH ? MM__WAF_SQLI_HIGH : MM__WAF_SQLI_LOW, m);
}

static void row(int which, const corpus *c) {
  static const char *const names[] = {"SQLi LOW", "SQLi HIGH", "XSS"};
  mm__waf_detect_match m;
  size_t flagged = 0;
  for (size_t i = 0; i < c->n; i++) flagged += detect(which, c->line[i], c->len[i], &m);
  double t0 = cpu_seconds(), t;
  size_t inputs = 0, bytes = 0;
  volatile size_t sink = 0;
  do {
    for (size_t i = 0; i < c->n; i++) sink += detect(which, c->line[i], c->len[i], &m);
    inputs += c->n;
    bytes += c->bytes;
    t = cpu_seconds() - t0;
  } while (t < 0.5);
  (void)sink;
  printf("| %-9s | %-8s | %7zu | %5.1f | %9.2f M | %7.1f | %6.2f%% | %-10s |\n", names[which],
         c->name, c->n, (double)c->bytes / (double)c->n, (double)inputs / t / 1e6,
         (double)bytes / t / 1e6, 100.0 * (double)flagged / (double)c->n, "no peer");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_waf_detect WAF_DATA (../shared/data/waf)\n");
    return 2;
  }
  corpus attacks = {"attacks", 0, 0, 0, 0, 0}, benign = {"benign", 0, 0, 0, 0, 0};
  corpus shorts = {"short", 0, 0, 0, 0, 0}, sqli = {"sqli", 0, 0, 0, 0, 0};
  corpus xss = {"xss", 0, 0, 0, 0, 0};
  char path[1024];
  snprintf(path, sizeof path, "%s/libinjection/data", argv[1]);
  load_dir(path, "sqli-", &sqli, &shorts);
  load_dir(path, "xss-", &xss, &shorts);
  for (size_t i = 0; i < sqli.n; i++) add(&attacks, sqli.line[i], sqli.len[i]);
  for (size_t i = 0; i < xss.n; i++) add(&attacks, xss.line[i], xss.len[i]);
  snprintf(path, sizeof path, "%s/benign/httpparams/benign-values.txt", argv[1]);
  load(path, false, &benign, &shorts);
  snprintf(path, sizeof path, "%s/benign/user-agents/user-agents.unique.txt", argv[1]);
  load(path, false, &benign, &shorts);

  printf("SQLi / XSS detectors, one core (CPU time). Target: >= 3 M short inputs/s.\n");
  printf(
      "Peer: libinjection is not packaged in Debian 12 (no libinjection-dev candidate): "
      "no peer available.\n\n");
  printf(
      "| detector  | corpus   |  inputs | avg B |   inputs/s  |    MB/s | flagged | peer       "
      "|\n");
  printf(
      "| --------- | -------- | ------: | ----: | ----------: | ------: | ------: | ---------- "
      "|\n");
  const corpus *rows[] = {&shorts, &attacks, &sqli, &xss, &benign};
  for (int which = SQLI_LOW; which <= XSS; which++)
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) row(which, rows[r]);
  return 0;
}
