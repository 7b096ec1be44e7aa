/*
 * test_ddos.c - automatic L7 DDoS mitigation (src/gateway/ddos.c) with an
 * explicit clock: seconds of simulated traffic (a varied normal mix, then
 * floods of several shapes) are fed to observe() and tick() and the rules,
 * verdicts, log lines and metrics are checked. The behaviour follows AWS
 * Shield Advanced's automatic application layer DDoS mitigation
 * (ddos-automatic-app-layer-response-behavior): learn a baseline, isolate
 * the attack signature, place it as a Count or Block rule, remove it when
 * the attack subsides.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "gateway/ddos.h"
#include "mamori/log.h"
#include "test.h"

/* ---- simulated traffic ---------------------------------------------------------- */

static const char *const uas[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile Safari/537.36",
};
static const char *const paths[] = {"/",           "/index.html",    "/api/items?page=2",
                                    "/login",      "/static/app.js", "/img/logo.png",
                                    "/search?q=x", "/api/cart"};
static const char *const ja3s[] = {"773906b0efdefa24a7f2b8eb6985bf37",
                                   "cd08e31494f9531f560d64c695473da9",
                                   "b32309a26951912be7dba376398abc3b"};
/* Header name orders of three browser families. */
static const char *const orders[3][5] = {
    {"Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding"},
    {"Host", "Accept", "User-Agent", "Accept-Language", "Accept-Encoding"},
    {"Host", "Accept-Encoding", "Accept", "User-Agent", "Accept-Language"},
};

#define N_UAS    (sizeof uas / sizeof uas[0])
#define N_PATHS  (sizeof paths / sizeof paths[0])
#define POOL_IPS 5000

typedef enum flood_kind {
  FLOOD_NONE,
  FLOOD_ONE_IP,    /* 203.0.113.7, curl's User-Agent */
  FLOOD_UA,        /* random addresses everywhere, one bot User-Agent */
  FLOOD_PREFIX,    /* 198.51.100.0/24, browser-like */
  FLOOD_PREFIX6,   /* 2001:db8:77::/48, browser-like */
  FLOOD_SPOOFED,   /* random addresses, browser-like: nothing isolates it */
  FLOOD_UNIQUE_IP, /* normal traffic, but every request from a new address */
} flood_kind;

typedef struct req_buf {
  mm_http_header h[5];
  mm__gw_ddos_request q;
} req_buf;

static uint32_t pool[POOL_IPS];
static uint32_t unique_ip = 0x0a000001; /* 10.0.0.1, counting up */

static uint32_t v4(int a, int b, int c, int d) {
  return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static void init_pool(void) {
  mm_test_rng_state = 42;
  for (int i = 0; i < POOL_IPS; i++) {
    uint32_t ip;
    do ip = (uint32_t)mm_test_rng();
    while ((ip >> 8) == (v4(203, 0, 113, 0) >> 8) || (ip >> 8) == (v4(198, 51, 100, 0) >> 8));
    pool[i] = ip;
  }
}

static void fill(req_buf *b, mm_ip_addr ip, const char *ua, const char *path, int order,
                 const char *ja3) {
  for (int i = 0; i < 5; i++) {
    b->h[i].name = mm_str_from(orders[order][i]);
    b->h[i].value = strcmp(orders[order][i], "User-Agent") == 0 ? mm_str_from(ua) : MM_STR("x");
  }
  b->q = (mm__gw_ddos_request){ip, mm_str_from(path), b->h, 5, mm_str_from(ja3)};
}

static void legit(req_buf *b, flood_kind k) {
  uint64_t r = mm_test_rng();
  uint32_t ip = k == FLOOD_UNIQUE_IP ? unique_ip++ : pool[r % POOL_IPS];
  fill(b, mm_ip_from_v4(ip), uas[(r >> 16) % N_UAS], paths[(r >> 24) % N_PATHS],
       (int)((r >> 32) % 3), ja3s[(r >> 40) % 3]);
}

static void attack(req_buf *b, flood_kind k) {
  uint64_t r = mm_test_rng();
  const char *ua = uas[(r >> 16) % N_UAS], *path = paths[(r >> 24) % N_PATHS];
  int order = (int)((r >> 32) % 3);
  const char *ja3 = ja3s[(r >> 40) % 3];
  uint8_t six[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x77};
  switch (k) {
    case FLOOD_ONE_IP:
      fill(b, mm_ip_from_v4(v4(203, 0, 113, 7)), "curl/8.4.0", "/", 0, ja3);
      break;
    case FLOOD_UA:
      fill(b, mm_ip_from_v4((uint32_t)r), "EvilBot/2.0", path, order, ja3);
      break;
    case FLOOD_PREFIX:
      fill(b, mm_ip_from_v4(v4(198, 51, 100, 1 + (int)(r % 254))), ua, path, order, ja3);
      break;
    case FLOOD_PREFIX6:
      memcpy(six + 6, &r, 8);
      fill(b, mm_ip_from_v6(six), ua, path, order, ja3);
      break;
    default:
      fill(b, mm_ip_from_v4((uint32_t)(r >> 7) | 0x01000000), ua, path, order, ja3);
      break;
  }
}

typedef struct tally {
  uint64_t legit_blocked, legit_counted, flood_blocked, flood_counted, flood_sent;
} tally;

static uint64_t clock_ms = 1700000000000ull;

/* One second: legit and flood requests interleaved at random, then a tick. */
static void second(mm__gw_ddos *d, int legit_rps, int flood_rps, flood_kind k, tally *t) {
  int left_l = legit_rps, left_f = k == FLOOD_UNIQUE_IP ? 0 : flood_rps, total = left_l + left_f;
  for (int i = 0; i < total; i++) {
    bool flood = (int)(mm_test_rng() % (uint64_t)(left_l + left_f)) < left_f;
    req_buf b;
    flood ? (attack(&b, k), left_f--) : (legit(&b, k), left_l--);
    mm__gw_ddos_verdict v = mm__gw_ddos_observe(d, &b.q, clock_ms + (uint64_t)i * 1000 / total);
    if (!t) continue;
    if (flood) t->flood_sent++;
    if (v == MM_GW_DDOS_BLOCKED) flood ? t->flood_blocked++ : t->legit_blocked++;
    if (v == MM_GW_DDOS_COUNTED) flood ? t->flood_counted++ : t->legit_counted++;
  }
  clock_ms += 1000;
  mm__gw_ddos_tick(d, clock_ms);
}

/* Normal traffic that varies: 150-250 requests/s. */
static int normal_rps(int s) {
  return 200 + (int)(40 * sin(s / 20.0)) + (int)(mm_test_rng() % 21) - 10;
}

static void baseline(mm__gw_ddos *d, int secs) {
  for (int s = 0; s < secs; s++) second(d, normal_rps(s), 0, FLOOD_NONE, NULL);
}

/* ---- the log ------------------------------------------------------------------------ */

static char log_text[1 << 16];
static size_t log_len;

static void capture(void *arg, const char *line, size_t len) {
  (void)arg;
  if (log_len + len + 2 < sizeof log_text) {
    memcpy(log_text + log_len, line, len);
    log_len += len;
    log_text[log_len++] = '\n';
    log_text[log_len] = '\0';
  }
}

static mm__gw_ddos_config config(mm__gw_ddos_mode mode) {
  mm__gw_ddos_config c = {.mode = mode,
                          .learning_sec = 120,
                          .factor = 3,
                          .min_attack_rps = 100,
                          .hold_sec = 30,
                          .detect_sec = 3,
                          .baseline_sec = 60,
                          .log = capture};
  snprintf(c.site, sizeof c.site, "shop");
  log_len = 0;
  log_text[0] = '\0';
  clock_ms += 3600000; /* a fresh hour for every detector */
  return c;
}

static mm__gw_ddos *started(mm__gw_ddos_mode mode) {
  mm__gw_ddos_config c = config(mode);
  mm__gw_ddos *d = mm__gw_ddos_new(&c);
  if (!d) MM_TEST_FAIL("mm__gw_ddos_new");
  mm__gw_ddos_tick(d, clock_ms);
  return d;
}

static mm__gw_ddos_state state(mm__gw_ddos *d) {
  mm__gw_ddos_state s;
  mm__gw_ddos_state_get(d, &s);
  return s;
}

/* ---- tests ------------------------------------------------------------------------ */

TEST(no_rule_while_learning) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 30);
  tally t = {0};
  for (int s = 0; s < 30; s++) second(d, 200, 3000, FLOOD_ONE_IP, &t);
  mm__gw_ddos_state st = state(d);
  ASSERT_TRUE(st.learning);
  ASSERT_EQ(st.n_rules, 0);
  ASSERT_EQ_U64(st.attacks, 0);
  ASSERT_EQ_U64(t.flood_blocked, 0);
  ASSERT_EQ(log_len, 0);
  mm__gw_ddos_free(d);
}

TEST(one_ip_flood_blocked_then_released) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 150);
  mm__gw_ddos_state st = state(d);
  ASSERT_FALSE(st.learning);
  ASSERT_TRUE(st.baseline_rps > 150 && st.baseline_rps < 250);
  ASSERT_EQ(st.n_rules, 0);
  tally t = {0};
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 3000, FLOOD_ONE_IP, &t);
  st = state(d);
  ASSERT_TRUE(st.attack);
  ASSERT_EQ(st.n_rules, 1);
  ASSERT_EQ(st.rules[0].dim, MM_GW_DDOS_DIM_IP);
  ASSERT_EQ_STR(st.rules[0].value, "203.0.113.7");
  /* From now on the flood is blocked, and only the flood. */
  t = (tally){0};
  for (int s = 0; s < 20; s++) second(d, normal_rps(s), 3000, FLOOD_ONE_IP, &t);
  ASSERT_EQ_U64(t.flood_blocked, t.flood_sent);
  ASSERT_EQ_U64(t.legit_blocked, 0);
  ASSERT_EQ(state(d).n_rules, 1); /* one signature covers it: no second rule */
  req_buf b;
  fill(&b, mm_ip_from_v4(v4(203, 0, 113, 8)), "curl/8.4.0", "/", 0, ja3s[0]); /* a neighbour */
  ASSERT_EQ(mm__gw_ddos_observe(d, &b.q, clock_ms), MM_GW_DDOS_ALLOW);
  /* The flood stops: the rule stays for the hold time, then goes. */
  for (int s = 0; s < 25; s++) second(d, normal_rps(s), 0, FLOOD_NONE, NULL);
  ASSERT_EQ(state(d).n_rules, 1);
  for (int s = 0; s < 10; s++) second(d, normal_rps(s), 0, FLOOD_NONE, NULL);
  st = state(d);
  ASSERT_EQ(st.n_rules, 0);
  ASSERT_FALSE(st.attack);
  ASSERT_EQ_U64(st.installed, 1);
  ASSERT_EQ_U64(st.removed, 1);
  if (getenv("MM_TEST_DDOS_LOG")) fputs(log_text, stderr);
  ASSERT_TRUE(strstr(log_text, "\"event\":\"attack_started\"") != NULL);
  ASSERT_TRUE(
      strstr(log_text, "\"event\":\"rule_installed\",\"site\":\"shop\",\"action\":\"BLOCK\"") !=
      NULL);
  ASSERT_TRUE(strstr(log_text, "\"dimension\":\"ip\",\"value\":\"203.0.113.7\"") != NULL);
  ASSERT_TRUE(strstr(log_text, "\"event\":\"rule_removed\"") != NULL);
  ASSERT_TRUE(strstr(log_text, "\"event\":\"attack_ended\"") != NULL);
  fill(&b, mm_ip_from_v4(v4(203, 0, 113, 7)), "curl/8.4.0", "/", 0, ja3s[0]);
  ASSERT_EQ(mm__gw_ddos_observe(d, &b.q, clock_ms), MM_GW_DDOS_ALLOW);
  mm__gw_ddos_free(d);
}

TEST(user_agent_flood) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 150);
  tally t = {0};
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 2000, FLOOD_UA, &t);
  mm__gw_ddos_state st = state(d);
  ASSERT_EQ(st.n_rules, 1);
  ASSERT_EQ(st.rules[0].dim, MM_GW_DDOS_DIM_UA);
  ASSERT_EQ_STR(st.rules[0].value, "EvilBot/2.0");
  t = (tally){0};
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 2000, FLOOD_UA, &t);
  ASSERT_EQ_U64(t.flood_blocked, t.flood_sent);
  ASSERT_EQ_U64(t.legit_blocked, 0);
  mm__gw_ddos_free(d);
}

TEST(prefix_flood) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 150);
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 2000, FLOOD_PREFIX, NULL);
  mm__gw_ddos_state st = state(d);
  ASSERT_EQ(st.n_rules, 1);
  ASSERT_EQ(st.rules[0].dim, MM_GW_DDOS_DIM_PREFIX);
  ASSERT_EQ_STR(st.rules[0].value, "198.51.100.0/24");
  tally t = {0};
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 2000, FLOOD_PREFIX, &t);
  ASSERT_EQ_U64(t.flood_blocked, t.flood_sent);
  ASSERT_EQ_U64(t.legit_blocked, 0);
  mm__gw_ddos_free(d);
  /* IPv6: the /48. */
  d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 150);
  for (int s = 0; s < 5; s++) second(d, normal_rps(s), 2000, FLOOD_PREFIX6, NULL);
  st = state(d);
  ASSERT_EQ(st.n_rules, 1);
  ASSERT_EQ(st.rules[0].dim, MM_GW_DDOS_DIM_PREFIX);
  ASSERT_EQ_STR(st.rules[0].value, "2001:db8:77::/48");
  mm__gw_ddos_free(d);
}

TEST(count_mode_never_blocks) {
  mm__gw_ddos *d = started(MM_GW_DDOS_COUNT);
  baseline(d, 150);
  tally t = {0};
  for (int s = 0; s < 20; s++) second(d, normal_rps(s), 3000, FLOOD_ONE_IP, &t);
  ASSERT_EQ(state(d).n_rules, 1);
  ASSERT_EQ_U64(t.flood_blocked + t.legit_blocked, 0);
  ASSERT_TRUE(t.flood_counted > 15 * 3000);
  ASSERT_EQ_U64(t.legit_counted, 0);
  ASSERT_TRUE(strstr(log_text, "\"action\":\"COUNT\"") != NULL);
  mm_buf m = MM_BUF_INIT;
  ASSERT_EQ(mm__gw_ddos_metrics(d, &m), MM_OK);
  char want[128];
  snprintf(want, sizeof want, "mamori_ddos_counted_total{site=\"shop\"} %" PRIu64 "\n",
           t.flood_counted);
  ASSERT_TRUE(strstr(m.ptr, want) != NULL);
  ASSERT_TRUE(strstr(m.ptr, "mamori_ddos_blocked_total{site=\"shop\"} 0\n") != NULL);
  ASSERT_TRUE(strstr(m.ptr, "mamori_ddos_rules_active{site=\"shop\"} 1\n") != NULL);
  ASSERT_TRUE(strstr(m.ptr,
                     "mamori_ddos_rule_matched_total{site=\"shop\",rule=\"1\","
                     "dimension=\"ip\",value=\"203.0.113.7\"}") != NULL);
  ASSERT_TRUE(strstr(m.ptr, "# TYPE mamori_ddos_under_attack gauge\n") != NULL);
  mm_buf_free(&m);
  mm__gw_ddos_free(d);
}

/* A legitimate rise: 200 -> 1,000 requests/s over 800 s (1 rps more every
 * second). The baseline (time constant 60 s here) lags by about slope x tau
 * = 60 requests/s: the rate stays near 1.1 x the baseline, far below the
 * threshold of 3 x baseline + 3 deviations: no attack. */
TEST(gradual_rise_is_not_an_attack) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  baseline(d, 150);
  tally t = {0};
  for (int s = 0; s < 800; s++)
    second(d, 200 + s + (int)(mm_test_rng() % 21) - 10, 0, FLOOD_NONE, &t);
  mm__gw_ddos_state st = state(d);
  ASSERT_EQ_U64(st.attacks, 0);
  ASSERT_EQ_U64(t.legit_blocked + t.legit_counted, 0);
  ASSERT_TRUE(st.baseline_rps > 880);
  ASSERT_TRUE(st.threshold_rps > 2 * st.rate_rps);
  mm__gw_ddos_free(d);
}

static size_t allocations;
static void *count_malloc(size_t n, void *ctx) {
  (void)ctx;
  allocations++;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n, void *ctx) {
  (void)ctx;
  allocations++;
  return realloc(p, n);
}
static void count_free(void *p, void *ctx) {
  (void)ctx;
  free(p);
}

/* A million distinct client addresses, then a spoofed flood nothing
 * isolates: memory is what mm__gw_ddos_new took (plus the log line). */
TEST(bounded_memory_under_a_million_addresses) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  static const mm_allocator counting = {count_malloc, count_realloc, count_free, NULL};
  allocations = 0;
  mm_set_allocator(&counting);
  for (int s = 0; s < 1000; s++) second(d, 1000, 0, FLOOD_UNIQUE_IP, NULL);
  for (int s = 0; s < 20; s++) second(d, 1000, 5000, FLOOD_SPOOFED, NULL);
  mm_set_allocator(NULL);
  ASSERT_TRUE(unique_ip - 0x0a000001 >= 1000000);
  ASSERT_TRUE(allocations <= 2); /* the log line buffer */
  mm__gw_ddos_state st = state(d);
  ASSERT_TRUE(st.attack);
  ASSERT_EQ(st.n_rules, 0); /* nothing isolates random addresses with browser traffic */
  ASSERT_TRUE(strstr(log_text, "\"event\":\"no_signature\"") != NULL);
  mm__gw_ddos_free(d);
}

TEST(off_mode_and_bad_configs) {
  mm__gw_ddos_config c = config(MM_GW_DDOS_OFF);
  mm__gw_ddos *d = mm__gw_ddos_new(&c);
  ASSERT_TRUE(d != NULL);
  mm__gw_ddos_tick(d, clock_ms);
  for (int s = 0; s < 200; s++) second(d, 200, s > 130 ? 3000 : 0, FLOOD_ONE_IP, NULL);
  ASSERT_EQ(state(d).n_rules, 0);
  ASSERT_EQ(mm__gw_ddos_observe(NULL, NULL, 0), MM_GW_DDOS_ALLOW);
  mm__gw_ddos_free(d);
  c = config(MM_GW_DDOS_BLOCK);
  c.factor = 0.5;
  ASSERT_TRUE(mm__gw_ddos_new(&c) == NULL);
  c = config(MM_GW_DDOS_BLOCK);
  c.max_baseline_share = 1.5;
  ASSERT_TRUE(mm__gw_ddos_new(&c) == NULL);
  c = config(MM_GW_DDOS_BLOCK);
  FAULT_LOOP({ mm__gw_ddos_free(mm__gw_ddos_new(&c)); });
  ASSERT_EQ_STR(mm__gw_ddos_dim_name(MM_GW_DDOS_DIM_HEADER_ORDER), "header_order");
}

/* Several workers observe while one ticks (ASan/UBSan build: no races on
 * what they share, no crash). */
typedef struct worker_arg {
  mm__gw_ddos *d;
  atomic_bool stop;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  req_buf b;
  fill(&b, mm_ip_from_v4(v4(203, 0, 113, 9)), "w", "/x", 1, "");
  while (!atomic_load(&a->stop)) mm__gw_ddos_observe(a->d, &b.q, 0);
  return NULL;
}

TEST(threads) {
  mm__gw_ddos *d = started(MM_GW_DDOS_BLOCK);
  worker_arg a = {d, false};
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, worker, &a);
  for (int s = 0; s < 200; s++) second(d, 100, s > 150 ? 1000 : 0, FLOOD_ONE_IP, NULL);
  mm_buf m = MM_BUF_INIT;
  mm__gw_ddos *two[2] = {d, d};
  ASSERT_EQ(mm__gw_ddos_metrics_write(two, 2, &m), MM_OK);
  atomic_store(&a.stop, true);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  mm_buf_free(&m);
  mm__gw_ddos_free(d);
}

int main(void) {
  mm_log_configure(MM_LOG_ERROR, false);
  init_pool();
  RUN(no_rule_while_learning);
  RUN(one_ip_flood_blocked_then_released);
  RUN(user_agent_flood);
  RUN(prefix_flood);
  RUN(count_mode_never_blocks);
  RUN(gradual_rise_is_not_an_attack);
  RUN(bounded_memory_under_a_million_addresses);
  RUN(off_mode_and_bad_configs);
  RUN(threads);
  return mm_test_summary();
}
