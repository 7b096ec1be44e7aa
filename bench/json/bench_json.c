/*
 * bench_json.c - JSON DOM parse throughput: mamori vs simdjson vs jansson.
 *
 * The input is a CloudTrail log file's shape, {"Records":[...]}, compact as
 * CloudTrail writes it to S3, built once (at least --min-mb MB, default 100)
 * by replicating the records of the Stratus Red Team detonation logs in
 * ../shared/data/detect/stratus. Each parser parses the whole file into its
 * DOM, and counts the records, --runs times (default 5); we print the best
 * and the median MB/s and records/s, then mamori's ratio to each peer from
 * this same run. Targets (issue 2): >= 0.5x simdjson, >= 5x jansson.
 * Also measured: mamori's streaming reader yielding the records one by one
 * (the way the detect engine reads CloudTrail).
 */
#include "mamori/json.h"
#include "peers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
  const char *stratus; /* folder of detonation logs */
  const char *file;    /* the generated CloudTrail-shaped file */
  size_t min_bytes;    /* size the file must reach */
  int runs;            /* timed runs per parser */
} options;

typedef long (*parse_fn)(const char *buf, size_t len);

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_json: %s\n", what);
  exit(1);
}

/* ---- building the input ---------------------------------------------------- */

/* Append every record of one detonation log to recs, each compact, comma-led. */
static size_t collect_file(const char *path, mm_buf *recs) {
  mm_error err;
  mm_json_reader *r = mm_json_reader_open_path(path, MM_JSON_STREAM_RECORDS, NULL, &err);
  if (!r) return 0;
  mm_json_record rec;
  size_t n = 0;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    if (rc != MM_OK) continue;
    mm_buf_putc(recs, ',');
    mm_json_write(recs, rec.value, 0);
    n++;
  }
  mm_json_reader_close(r);
  return n;
}

static size_t collect_records(const char *dir, mm_buf *recs) {
  DIR *d = opendir(dir);
  if (!d) die("cannot open the stratus detonation-logs folder (see --stratus)");
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strstr(e->d_name, ".json")) continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    n += collect_file(path, recs);
  }
  closedir(d);
  if (!n || recs->oom) die("no records found in the stratus detonation logs");
  return n;
}

static void build_file(const options *o) {
  mm_buf recs = MM_BUF_INIT;
  size_t n = collect_records(o->stratus, &recs);
  FILE *f = fopen(o->file, "wb");
  if (!f) die("cannot write the benchmark file (see --file)");
  fputs("{\"Records\":[", f);
  size_t written = 0;
  for (int first = 1; written < o->min_bytes; first = 0) {
    /* recs starts with a comma; the first copy skips it. */
    fwrite(recs.ptr + first, 1, recs.len - (size_t)first, f);
    written += recs.len;
  }
  fputs("]}\n", f);
  if (fclose(f) != 0) die("writing the benchmark file failed");
  fprintf(stderr, "bench_json: built %s from %zu stratus records\n", o->file, n);
  mm_buf_free(&recs);
}

/* The file's bytes followed by zeroed padding (simdjson reads past the end). */
static char *load_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot read the benchmark file");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (size <= 0) die("empty benchmark file");
  size_t pad = peer_simdjson_padding() + 64;
  char *buf = calloc(1, (size_t)size + pad);
  if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) die("reading failed");
  fclose(f);
  *len = (size_t)size;
  return buf;
}

static void ensure_file(const options *o) {
  struct stat st;
  if (stat(o->file, &st) == 0 && (size_t)st.st_size >= o->min_bytes) return;
  build_file(o);
}

/* ---- the parsers under test ------------------------------------------------- */

static mm_json_doc *mamori_doc;

/* A reused document, as simdjson's parser is reused: parse, count, walk. */
static long mamori_parse(const char *buf, size_t len) {
  if (mm_json_doc_parse(mamori_doc, buf, len, NULL, NULL) != MM_OK) return -1;
  return (long)mm_json_len(mm_json_get(mm_json_doc_root(mamori_doc), "Records"));
}

static long mamori_stream(const char *buf, size_t len) {
  mm_json_reader *r = mm_json_reader_open_mem(buf, len, MM_JSON_STREAM_RECORDS, NULL, NULL);
  if (!r) return -1;
  mm_json_record rec;
  long n = 0;
  int rc;
  while ((rc = mm_json_reader_next(r, &rec, NULL)) != MM_EOF)
    if (rc == MM_OK) n++;
  mm_json_reader_close(r);
  return n;
}

typedef struct {
  const char *name;
  parse_fn parse;
  double best_s;   /* fastest run */
  double median_s; /* median run */
  long records;    /* counted by the parser */
} result;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void measure(result *r, const char *buf, size_t len, int runs) {
  double t[64];
  if (runs > 64) runs = 64;
  for (int i = 0; i < runs; i++) {
    double t0 = now_s();
    r->records = r->parse(buf, len);
    t[i] = now_s() - t0;
    if (r->records < 0) die("a parser rejected the benchmark file");
  }
  qsort(t, (size_t)runs, sizeof(double), cmp_double);
  r->best_s = t[0];
  r->median_s = t[runs / 2];
}

static void print_results(const result *rs, size_t n, size_t len) {
  double mb = (double)len / 1e6;
  printf("%-16s %10s %10s %14s\n", "parser", "best MB/s", "med MB/s", "records/s");
  for (size_t i = 0; i < n; i++)
    printf("%-16s %10.1f %10.1f %14.0f\n", rs[i].name, mb / rs[i].best_s, mb / rs[i].median_s,
           (double)rs[i].records / rs[i].best_s);
  printf("\nratio mamori DOM / simdjson DOM: %.2fx (target >= 0.50x)\n",
         rs[2].best_s / rs[0].best_s);
  printf("ratio mamori DOM / jansson:      %.2fx (target >= 5x)\n", rs[3].best_s / rs[0].best_s);
}

static void parse_args(int argc, char **argv, options *o) {
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--stratus") && v)
      o->stratus = v, i++;
    else if (!strcmp(argv[i], "--file") && v)
      o->file = v, i++;
    else if (!strcmp(argv[i], "--min-mb") && v)
      o->min_bytes = strtoull(v, NULL, 10) * 1000000, i++;
    else if (!strcmp(argv[i], "--runs") && v)
      o->runs = (int)strtol(v, NULL, 10), i++;
    else {
      fprintf(stderr, "usage: bench_json [--stratus DIR] [--file PATH] [--min-mb N] [--runs N]\n");
      exit(2);
    }
  }
  if (o->runs < 1) o->runs = 1;
}

int main(int argc, char **argv) {
  options o = {"../shared/data/detect/stratus/detonation-logs", "cloudtrail-100mb.json", 100000000,
               5};
  parse_args(argc, argv, &o);
  ensure_file(&o);
  size_t len;
  char *buf = load_file(o.file, &len);
  mamori_doc = mm_json_doc_new();
  if (!mamori_doc) die("out of memory");

  result rs[] = {
      {"mamori DOM", mamori_parse, 0, 0, 0},
      {"mamori stream", mamori_stream, 0, 0, 0},
      {"simdjson DOM", peer_simdjson_parse, 0, 0, 0},
      {"jansson", peer_jansson_parse, 0, 0, 0},
  };
  printf("bench/json: %s, %.1f MB, best and median of %d runs, one core\n\n", o.file,
         (double)len / 1e6, o.runs);
  for (size_t i = 0; i < MM_ARRAY_LEN(rs); i++) measure(&rs[i], buf, len, o.runs);
  for (size_t i = 1; i < MM_ARRAY_LEN(rs); i++)
    if (rs[i].records != rs[0].records) die("the parsers disagree on the record count");
  print_results(rs, MM_ARRAY_LEN(rs), len);
  mm_json_doc_free(mamori_doc);
  free(buf);
  return 0;
}
