/*
 * test_smuggling.c - the 97 request-smuggling cases of
 * ../shared/data/http/smuggling (written for mamori; manifest.json), each
 * sent on one connection through the gateway in all three mitigation modes,
 * checked against the corpus's oracle: every request the origin receives is
 * one the gateway parsed and logged as a request itself, in the same order.
 * A case passes whether the gateway refuses it, normalises it and closes,
 * or serves the hidden GET /smuggled as a request it inspected.
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>

#include "gw_test.h"

#define SMUGGLING_DIR MM_SHARED_DATA "/http/smuggling"
#define MAX_CASES     128

static char names[MAX_CASES][256];
static size_t n_names;

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

static void list_cases(void) {
  DIR *d = opendir(SMUGGLING_DIR);
  if (!d) MM_TEST_FAIL("cannot open %s", SMUGGLING_DIR);
  struct dirent *e;
  while ((e = readdir(d)) && n_names < MAX_CASES) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".http") == 0)
      snprintf(names[n_names++], sizeof names[0], "%s", e->d_name);
  }
  closedir(d);
  qsort(names, n_names, sizeof names[0], by_name);
}

/* The request-targets the gateway forwarded, from its access log lines
 * [from, to): field 8 is cs-uri-stem, field 14 the result type ("Miss" =
 * sent to the origin). */
static size_t forwarded_targets(const char *log, char out[][128], size_t max) {
  size_t n = 0;
  for (const char *line = log; *line && n < max;) {
    const char *eol = strchr(line, '\n');
    if (!eol) break;
    const char *f[16];
    size_t nf = 0;
    f[nf++] = line;
    for (const char *p = line; p < eol && nf < 16; p++)
      if (*p == '\t') f[nf++] = p + 1;
    if (nf >= 15 && strncmp(f[13], "Miss\t", 5) == 0)
      snprintf(out[n++], 128, "%.*s", (int)(strchr(f[7], '\t') - f[7]), f[7]);
    line = eol + 1;
  }
  return n;
}

static char *slurp(const char *path, size_t skip) {
  size_t len;
  char *all = mm_test_read_file(path, &len);
  if (!all) return calloc(1, 1);
  memmove(all, all + (skip < len ? skip : len), len - (skip < len ? skip : len) + 1);
  return all;
}

static size_t file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n > 0 ? (size_t)n : 0;
}

/* The gateway forwards a space in a target as %20; the log shows the
 * target as received, without its query. */
static bool same_target(const char *logged, const char *received) {
  char decoded[128];
  size_t n = 0;
  for (const char *p = received; *p && *p != '?' && n + 1 < sizeof decoded; p++) {
    if (strncmp(p, "%20", 3) == 0)
      decoded[n++] = ' ', p += 2;
    else
      decoded[n++] = *p;
  }
  decoded[n] = '\0';
  return strcmp(logged, decoded) == 0;
}

static int failures;

static void run_mode(const char *mode) {
  origin o;
  origin_start(&o, 200);
  char log_path[] = "/tmp/mamori-smuggling-XXXXXX";
  int lfd = mkstemp(log_path);
  close(lfd);
  char json[1024];
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"workers\":1,\"desync_mode\":\"%s\",\"access_log\":\"%s\","
           "\"limits\":{\"header_timeout_ms\":300,\"body_timeout_ms\":300},"
           "\"sites\":[{\"origins\":[\"127.0.0.1:%d\"]}]}",
           mode, log_path, o.port);
  mm_error err;
  mm_gateway_config *cfg = mm_gateway_config_parse(json, strlen(json), ".", &err);
  ASSERT_TRUE(cfg != NULL);
  mm_gateway *g = mm_gateway_start(cfg, &err);
  ASSERT_TRUE(g != NULL);
  size_t smuggled_served = 0, refused = 0;
  for (size_t i = 0; i < n_names; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SMUGGLING_DIR, names[i]);
    size_t len;
    char *raw = mm_test_read_file(path, &len);
    ASSERT_TRUE(raw != NULL);
    pthread_mutex_lock(&o.lock);
    o.n_targets = 0;
    pthread_mutex_unlock(&o.lock);
    size_t log_before = file_size(log_path);
    int fd = connect_to(mm_gateway_port(g));
    ASSERT_TRUE(fd >= 0);
    ssize_t sent = send(fd, raw, len, MSG_NOSIGNAL);
    (void)sent;
    static char buf[65536];
    read_some(fd, buf, sizeof buf, 250, 0); /* until the gateway closes or goes quiet */
    close(fd);
    usleep(20 * 1000);
    char *log = slurp(log_path, log_before);
    char fwd[ORIGIN_TARGETS][128];
    size_t n_fwd = forwarded_targets(log, fwd, ORIGIN_TARGETS);
    pthread_mutex_lock(&o.lock);
    bool same = n_fwd == o.n_targets;
    for (size_t k = 0; same && k < n_fwd; k++) same = same_target(fwd[k], o.targets[k]);
    for (size_t k = 0; k < o.n_targets; k++)
      if (strcmp(o.targets[k], "/smuggled") == 0) smuggled_served++;
    if (!same) {
      failures++;
      fprintf(stderr, "%s [%s]: gateway forwarded %zu request(s), origin received %zu:", names[i],
              mode, n_fwd, o.n_targets);
      for (size_t k = 0; k < o.n_targets; k++) fprintf(stderr, " %s", o.targets[k]);
      fputc('\n', stderr);
    }
    if (o.n_targets == 0) refused++;
    pthread_mutex_unlock(&o.lock);
    free(log);
    free(raw);
  }
  printf(
      "smuggling [%s]: %zu cases, %zu refused outright, %zu served /smuggled as an inspected "
      "request, %d oracle failures\n",
      mode, n_names, refused, smuggled_served, failures);
  mm_gateway_stop(g, 1000);
  unlink(log_path);
}

TEST(smuggling_corpus) {
  list_cases();
  ASSERT_EQ(n_names, 97);
  run_mode("monitor");
  run_mode("defensive");
  run_mode("strictest");
  ASSERT_EQ(failures, 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  RUN(smuggling_corpus);
  return mm_test_summary();
}
