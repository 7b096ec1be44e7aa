/*
 * test_redis_rate.c - the Redis rate store (src/gateway/redis_rate.c)
 * against a real redis-server started here on a free loopback port in a
 * temporary directory, with persistence off, and killed at the end.
 * Skipped (with a message, exit 0) only when redis-server is not installed
 * (scripts/deps.sh installs it).
 *
 * Times are the caller's: the store must count by the `now` it is given,
 * so every expectation below is exact.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/redis_rate.h"
#include "mamori/log.h"
#include "test.h"

#define SEC(s) ((mm_time)(s)*MM_TIME_US_PER_SEC)

static pid_t redis_pid = -1;
static int redis_port;
static char redis_dir[] = "/tmp/mm-redis-test-XXXXXX";
static char redis_addr[64];
static const char *redis_bin;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static const char *find_redis(void) {
  static const char *const paths[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
                                      "/usr/sbin/redis-server", NULL};
  for (int i = 0; paths[i]; i++)
    if (access(paths[i], X_OK) == 0) return paths[i];
  return NULL;
}

/* A loopback port nobody listens on right now. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    abort();
  close(fd);
  return ntohs(a.sin_port);
}

static bool port_answers(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  if (ok) {
    char buf[16];
    ok = send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6 && recv(fd, buf, sizeof buf, 0) > 0 &&
         buf[0] == '+';
  }
  close(fd);
  return ok;
}

static void redis_start(void) {
  char port[16];
  snprintf(port, sizeof port, "%d", redis_port);
  redis_pid = fork();
  if (redis_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    execl(redis_bin, redis_bin, "--port", port, "--bind", "127.0.0.1", "--dir", redis_dir, "--save",
          "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 500 && !port_answers(redis_port); i++) sleep_ms(10);
  if (!port_answers(redis_port)) {
    fprintf(stderr, "redis-server did not start on port %d\n", redis_port);
    exit(1);
  }
}

static void redis_stop(void) {
  if (redis_pid <= 0) return;
  kill(redis_pid, SIGKILL);
  waitpid(redis_pid, NULL, 0);
  redis_pid = -1;
}

static mm_waf_rate_store *store_new(void) {
  mm__gw_redis_options o = {redis_addr, 500, 20, NULL}; /* generous: shared, sanitized CI */
  mm_error err;
  mm_waf_rate_store *s = mm__gw_redis_rate_store_opts(&o, &err);
  if (!s) MM_TEST_FAIL("store: %s", err.msg);
  return s;
}

static uint64_t add(mm_waf_rate_store *s, const char *key, int64_t sec, uint32_t window) {
  uint64_t n = 0;
  int rc = s->add(s->self, mm_str_from(key), SEC(sec), window, &n);
  if (rc != MM_OK) MM_TEST_FAIL("add(%s, %lld): %s", key, (long long)sec, mm_strerror(rc));
  return n;
}

/* A key of its own per test run: the server outlives single tests. */
static const char *key(const char *name) {
  static char buf[8][64];
  static int i;
  char *b = buf[i++ % 8];
  snprintf(b, 64, "%s-%d", name, (int)getpid());
  return b;
}

TEST(counts_in_window) {
  mm_waf_rate_store *s = store_new();
  const char *k = key("window");
  ASSERT_EQ_U64(add(s, k, 1000, 60), 1);
  ASSERT_EQ_U64(add(s, k, 1000, 60), 2);
  ASSERT_EQ_U64(add(s, k, 1000, 60), 3);
  ASSERT_EQ_U64(add(s, k, 1030, 60), 4);
  ASSERT_EQ_U64(add(s, k, 1059, 60), 5);
  ASSERT_EQ_U64(add(s, k, 1060, 60), 3); /* second 1000 left (1000, 1060] */
  ASSERT_EQ_U64(add(s, k, 1089, 60), 4); /* 1030 is still in (1029, 1089] */
  ASSERT_EQ_U64(add(s, k, 1090, 60), 4); /* 1030 left; 1059 1060 1089 1090 */
  ASSERT_EQ_U64(add(s, k, 1080, 60), 5); /* late request, inside the window */
  ASSERT_EQ_U64(add(s, k, 1000, 60), 5); /* too late: dropped */
  ASSERT_EQ_U64(add(s, k, 5000, 60), 1); /* everything expired */
  mm_waf_rate_store_free(s);
}

TEST(windows_and_keys_apart) {
  mm_waf_rate_store *s = store_new();
  const char *a = key("apart-a"), *b = key("apart-b");
  ASSERT_EQ_U64(add(s, a, 100, 60), 1);
  ASSERT_EQ_U64(add(s, a, 100, 120), 1);
  ASSERT_EQ_U64(add(s, b, 100, 60), 1);
  ASSERT_EQ_U64(add(s, a, 101, 60), 2);
  /* Binary keys (custom aggregation keys hold any bytes). */
  char bin[] = {'k', 0, '\r', '\n', '$', '*', 'x'};
  uint64_t n = 0;
  ASSERT_EQ(s->add(s->self, (mm_str){bin, sizeof bin}, SEC(7), 60, &n), MM_OK);
  ASSERT_EQ_U64(n, 1);
  ASSERT_EQ(s->add(s->self, (mm_str){bin, sizeof bin - 1}, SEC(7), 60, &n), MM_OK);
  ASSERT_EQ_U64(n, 1);
  ASSERT_EQ(s->add(s->self, (mm_str){bin, sizeof bin}, SEC(8), 60, &n), MM_OK);
  ASSERT_EQ_U64(n, 2);
  mm_waf_rate_store_free(s);
}

TEST(two_gateways_share_a_count) {
  mm_waf_rate_store *g1 = store_new(), *g2 = store_new();
  const char *k = key("shared");
  for (int i = 0; i < 10; i++) add(i % 2 ? g1 : g2, k, 2000 + i, 300);
  ASSERT_EQ_U64(add(g1, k, 2010, 300), 11);
  ASSERT_EQ_U64(add(g2, k, 2010, 300), 12);
  ASSERT_EQ_U64(add(g2, k, 2305, 300), 7); /* (2005, 2305]: 2006..2009, 2010 twice, 2305 */
  mm_waf_rate_store_free(g1);
  mm_waf_rate_store_free(g2);
}

TEST(bad_arguments) {
  mm_waf_rate_store *s = store_new();
  uint64_t n;
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 0, &n), MM_EINVAL);
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 601, &n), MM_EINVAL);
  ASSERT_EQ(s->add(s->self, MM_STR("k"), -1, 60, &n), MM_EINVAL);
  mm_error err;
  ASSERT_TRUE(mm__gw_redis_rate_store("nonsense", 5, &err) == NULL);
  ASSERT_EQ(err.code, MM_EINVAL);
  ASSERT_TRUE(mm__gw_redis_rate_store("redis.example:6379", 5, &err) == NULL);
  ASSERT_EQ(mm__gw_redis_ping(s, &err), MM_OK);
  mm_waf_rate_store_free(s);
}

typedef struct worker_arg {
  mm_waf_rate_store *s;
  const char *key;
  int n;
  atomic_int *failures;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  for (int i = 0; i < a->n; i++) {
    uint64_t n;
    if (a->s->add(a->s->self, mm_str_from(a->key), SEC(3000), 60, &n) != MM_OK)
      atomic_fetch_add(a->failures, 1);
  }
  return NULL;
}

TEST(threads_share_the_pool) {
  mm_waf_rate_store *s = store_new();
  const char *k = key("threads");
  atomic_int failures = 0;
  pthread_t t[4];
  worker_arg a = {s, k, 250, &failures};
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, &a);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  ASSERT_EQ(atomic_load(&failures), 0);
  ASSERT_EQ_U64(add(s, k, 3000, 60), 1001);
  mm__gw_redis_stats st;
  ASSERT_TRUE(mm__gw_redis_stats_get(s, &st));
  ASSERT_TRUE(st.connects <= 4); /* connections are reused */
  ASSERT_TRUE(st.up);
  mm_buf m = MM_BUF_INIT;
  mm_waf_rate_store *mem = mm_waf_rate_store_memory(10);
  mm_waf_rate_store *stores[] = {s, mem, s};
  const char *sites[] = {"shop", "blog", "a\"b"};
  ASSERT_EQ(mm__gw_redis_metrics_write(stores, sites, 3, &m), MM_OK);
  mm_waf_rate_store_free(mem);
  ASSERT_TRUE(strstr(m.ptr,
                     "# TYPE mamori_rate_store_redis_up gauge\n"
                     "mamori_rate_store_redis_up{site=\"shop\"} 1\n"
                     "mamori_rate_store_redis_up{site=\"a\\\"b\"} 1\n") != NULL);
  ASSERT_TRUE(
      strstr(m.ptr, "mamori_rate_store_redis_errors_total{site=\"shop\",cause=\"timeout\"} 0\n") !=
      NULL);
  ASSERT_TRUE(strstr(m.ptr, "blog") == NULL);
  mm_buf_free(&m);
  mm_waf_rate_store_free(s);
}

TEST(redis_down_fails_fast) {
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", free_port());
  mm__gw_redis_options o = {addr, 200, 1000, NULL};
  mm_waf_rate_store *s = mm__gw_redis_rate_store_opts(&o, NULL);
  ASSERT_TRUE(s != NULL);
  uint64_t n;
  int64_t t0 = now_ms();
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 60, &n), MM_EIO);
  for (int i = 0; i < 100; i++) ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 60, &n), MM_EIO);
  int64_t took = now_ms() - t0;
  ASSERT_TRUE(took < 100); /* refused, then the retry pause: no waiting at all */
  mm__gw_redis_stats st;
  mm__gw_redis_stats_get(s, &st);
  ASSERT_EQ_U64(st.errors, 101);
  ASSERT_EQ_U64(st.refused, 101);
  ASSERT_FALSE(st.up);
  mm_error err;
  ASSERT_EQ(mm__gw_redis_ping(s, &err), MM_EIO);
  mm_waf_rate_store_free(s);
}

/* A server that accepts connections (the kernel's backlog) but never
 * answers: the call must give up within its budget. */
TEST(silent_server_times_out) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(listen(lfd, 16), 0);
  getsockname(lfd, (struct sockaddr *)&a, &len);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(a.sin_port));
  mm_waf_rate_store *s = mm__gw_redis_rate_store(addr, 30, NULL);
  uint64_t n;
  int64_t t0 = now_ms();
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 60, &n), MM_ETRUNC);
  int64_t took = now_ms() - t0;
  ASSERT_TRUE(took >= 25 && took < 500);
  mm__gw_redis_stats st;
  mm__gw_redis_stats_get(s, &st);
  ASSERT_EQ_U64(st.timeouts, 1);
  mm_waf_rate_store_free(s);
  close(lfd);
}

TEST(reconnects_after_restart) {
  mm_waf_rate_store *s = store_new();
  const char *k = key("restart");
  ASSERT_EQ_U64(add(s, k, 10, 60), 1);
  ASSERT_EQ_U64(add(s, k, 10, 60), 2);
  redis_stop();
  uint64_t n;
  int64_t t0 = now_ms();
  int rc = s->add(s->self, mm_str_from(k), SEC(11), 60, &n);
  ASSERT_TRUE(rc == MM_EIO);
  ASSERT_TRUE(now_ms() - t0 < 200);
  redis_start(); /* same port, empty: counts were not persisted */
  sleep_ms(40);  /* the store's retry pause is 20 ms */
  ASSERT_EQ_U64(add(s, k, 12, 60), 1);
  ASSERT_EQ_U64(add(s, k, 12, 60), 2);
  mm__gw_redis_stats st;
  mm__gw_redis_stats_get(s, &st);
  ASSERT_TRUE(st.noscript >= 1); /* the new server had to be sent the script again */
  ASSERT_TRUE(st.up);
  mm_waf_rate_store_free(s);
}

/* End to end through the WAF engine: two gateways (two loads of one web
 * ACL, two stores) share a rate-based rule's count, so the 11th request
 * from one address blocks whichever gateway it reaches. (AWS WAF,
 * waf-rule-statement-type-rate-based: a request is blocked once its
 * aggregate's count in the window is over Limit.) */
static const char ACL[] =
    "{\"Name\":\"t\",\"Id\":\"1\",\"DefaultAction\":{\"Allow\":{}},"
    "\"VisibilityConfig\":{\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false,"
    "\"MetricName\":\"t\"},\"Rules\":[{\"Name\":\"rate\",\"Priority\":1,\"Statement\":"
    "{\"RateBasedStatement\":{\"Limit\":10,\"AggregateKeyType\":\"IP\","
    "\"EvaluationWindowSec\":60}},\"Action\":{\"Block\":{}},\"VisibilityConfig\":"
    "{\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false,\"MetricName\":\"r\"}}]}";

typedef struct gateway {
  mm_waf_acl *acl;
  mm_waf_rate_store *rate;
  mm_waf_ctx *ctx;
} gateway;

static void gateway_open(gateway *g) {
  mm_error err;
  mm_waf_loader *l = mm_waf_loader_new();
  g->acl = mm_waf_acl_load(l, ACL, sizeof ACL - 1, &err);
  mm_waf_loader_free(l);
  if (!g->acl) MM_TEST_FAIL("web ACL: %s", err.msg);
  char prefix[64];
  snprintf(prefix, sizeof prefix, "mamori:rate:waf-%d:", (int)getpid());
  mm__gw_redis_options o = {redis_addr, 500, 20, prefix};
  g->rate = mm__gw_redis_rate_store_opts(&o, &err);
  mm_waf_config cfg = {.rate = g->rate};
  g->ctx = mm_waf_ctx_new(g->acl, &cfg);
}

static void gateway_close(gateway *g) {
  mm_waf_ctx_free(g->ctx);
  mm_waf_acl_free(g->acl);
  mm_waf_rate_store_free(g->rate);
}

static mm_waf_action send_request(gateway *g, const char *ip, int64_t sec) {
  mm_waf_request q = {.method = MM_STR("GET"),
                      .uri = MM_STR("/"),
                      .version = MM_STR("HTTP/1.1"),
                      .client_ip = mm_str_from(ip),
                      .time = SEC(sec)};
  mm_waf_result r;
  if (mm_waf_evaluate(g->ctx, &q, &r) != MM_OK) MM_TEST_FAIL("evaluate");
  return r.action;
}

TEST(waf_rule_shared_by_two_gateways) {
  gateway g1, g2;
  gateway_open(&g1);
  gateway_open(&g2);
  for (int i = 0; i < 10; i++)
    ASSERT_EQ(send_request(i % 2 ? &g1 : &g2, "192.0.2.10", 50000), MM_WAF_ALLOW);
  ASSERT_EQ(send_request(&g1, "192.0.2.10", 50001), MM_WAF_BLOCK);
  ASSERT_EQ(send_request(&g2, "192.0.2.10", 50001), MM_WAF_BLOCK);
  ASSERT_EQ(send_request(&g2, "192.0.2.11", 50001), MM_WAF_ALLOW); /* another address */
  ASSERT_EQ(send_request(&g1, "192.0.2.10", 50061), MM_WAF_ALLOW); /* the window moved on */
  gateway_close(&g1);
  gateway_close(&g2);
}

TEST(constructor_allocation_failures) {
  FAULT_LOOP({
    mm_waf_rate_store *s = mm__gw_redis_rate_store(redis_addr, 5, NULL);
    mm_waf_rate_store_free(s);
  });
}

int main(void) {
  redis_bin = find_redis();
  if (!redis_bin) {
    printf("SKIP: redis-server not found (scripts/deps.sh installs it)\n");
    return 0;
  }
  mm_log_configure(MM_LOG_ERROR, false);
  if (!mkdtemp(redis_dir)) return 1;
  redis_port = free_port();
  snprintf(redis_addr, sizeof redis_addr, "127.0.0.1:%d", redis_port);
  redis_start();
  RUN(counts_in_window);
  RUN(windows_and_keys_apart);
  RUN(two_gateways_share_a_count);
  RUN(bad_arguments);
  RUN(threads_share_the_pool);
  RUN(redis_down_fails_fast);
  RUN(silent_server_times_out);
  RUN(reconnects_after_restart);
  RUN(waf_rule_shared_by_two_gateways);
  RUN(constructor_allocation_failures);
  redis_stop();
  rmdir(redis_dir);
  return mm_test_summary();
}
