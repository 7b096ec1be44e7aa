/*
 * test_waf_rate.c - the in-process rate store (src/waf/rate.c) with
 * explicit times.
 *
 * Here: counts over (now - window, now] in 1-second buckets for the four
 * AWS WAF EvaluationWindowSec values (API_RateBasedStatement: 60, 120, 300,
 * 600); a key's window growing keeps its counts; keys are independent;
 * least-recently-seen eviction at max_keys; late (out-of-order) requests;
 * long idle gaps; invalid arguments; concurrent adds from several threads
 * lose nothing; construction and adds under allocation failure.
 */
#include "mamori/waf.h"
#include "waf/limits.h"

#include "test.h"

#include <pthread.h>

#define SEC(s) ((mm_time)(s)*MM_TIME_US_PER_SEC)

static uint64_t add(mm_waf_rate_store *s, const char *key, mm_time t, uint32_t window) {
  uint64_t n = 0;
  int rc = s->add(s->self, mm_str_from(key), t, window, &n);
  if (rc != MM_OK)
    MM_TEST_FAIL("add(%s, %lld, %u): %s", key, (long long)t, window, mm_strerror(rc));
  return n;
}

TEST(counts_slide_one_second_at_a_time) {
  static const uint32_t windows[] = {60, 120, 300, 600};
  for (size_t w = 0; w < MM_ARRAY_LEN(windows); w++) {
    mm_waf_rate_store *s = mm_waf_rate_store_memory(16);
    ASSERT_TRUE(s != NULL);
    uint32_t win = windows[w];
    mm_time t0 = SEC(1700000000);
    for (uint32_t i = 0; i < win; i++) ASSERT_EQ_U64(add(s, "ip", t0 + SEC(i), win), i + 1);
    /* The first second leaves the window; the count stays at win. */
    ASSERT_EQ_U64(add(s, "ip", t0 + SEC(win), win), win);
    /* Two requests in one second, mid-second times. */
    ASSERT_EQ_U64(add(s, "ip", t0 + SEC(win + 1) + 250000, win), win + 1 - 1);
    ASSERT_EQ_U64(add(s, "ip", t0 + SEC(win + 1) + 999999, win), win + 1);
    mm_waf_rate_store_free(s);
  }
}

TEST(window_edges_are_exclusive_then_inclusive) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(16);
  ASSERT_EQ_U64(add(s, "k", SEC(1000), 300), 1);
  ASSERT_EQ_U64(add(s, "k", SEC(1000) + 999999, 300), 2);
  ASSERT_EQ_U64(add(s, "k", SEC(1299), 300), 3); /* 1000 is in (999, 1299] */
  ASSERT_EQ_U64(add(s, "k", SEC(1300), 300), 2); /* 1000 left: (1000, 1300] */
  ASSERT_EQ_U64(add(s, "k", SEC(1599), 300), 2); /* (1299, 1599]: 1300 and 1599 */
  mm_waf_rate_store_free(s);
}

TEST(a_key_asking_for_a_longer_window_keeps_its_counts) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(16);
  for (int i = 0; i < 60; i++) add(s, "k", SEC(500 + i), 60);
  ASSERT_EQ_U64(add(s, "k", SEC(560), 600), 61);
  ASSERT_EQ_U64(add(s, "k", SEC(561), 60), 60); /* 502..561 */
  ASSERT_EQ_U64(add(s, "k", SEC(1000), 600), 63);
  mm_waf_rate_store_free(s);
}

TEST(keys_are_independent) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(0);
  ASSERT_EQ_U64(add(s, "192.0.2.1", SEC(10), 60), 1);
  ASSERT_EQ_U64(add(s, "192.0.2.2", SEC(10), 60), 1);
  ASSERT_EQ_U64(add(s, "192.0.2.1", SEC(11), 60), 2);
  uint64_t n = 0;
  ASSERT_EQ(s->add(s->self, (mm_str){"a\0b", 3}, SEC(11), 60, &n), MM_OK);
  ASSERT_EQ(s->add(s->self, (mm_str){"a\0c", 3}, SEC(11), 60, &n), MM_OK);
  ASSERT_EQ_U64(n, 1);
  ASSERT_EQ(s->add(s->self, (mm_str){NULL, 0}, SEC(11), 60, &n), MM_OK);
  ASSERT_EQ_U64(n, 1);
  mm_waf_rate_store_free(s);
}

TEST(least_recently_seen_key_is_evicted) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(3);
  add(s, "a", SEC(1), 60);
  add(s, "b", SEC(1), 60);
  add(s, "c", SEC(1), 60);
  ASSERT_EQ_U64(add(s, "a", SEC(2), 60), 2); /* a is now the most recent */
  ASSERT_EQ_U64(add(s, "d", SEC(3), 60), 1); /* evicts b */
  ASSERT_EQ_U64(add(s, "c", SEC(4), 60), 2);
  ASSERT_EQ_U64(add(s, "a", SEC(4), 60), 3);
  ASSERT_EQ_U64(add(s, "b", SEC(5), 60), 1); /* b was forgotten; evicts d */
  ASSERT_EQ_U64(add(s, "d", SEC(5), 60), 1);
  mm_waf_rate_store_free(s);
}

TEST(many_keys_stay_bounded) {
  /* 200,000 distinct keys through a 2,048-key (sharded) store: the oldest
   * are forgotten, the newest remembered. */
  mm_waf_rate_store *s = mm_waf_rate_store_memory(2048);
  char key[32];
  for (int i = 0; i < 200000; i++) {
    snprintf(key, sizeof key, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
    add(s, key, SEC(100), 600);
  }
  ASSERT_EQ_U64(add(s, "10.3.13.63", SEC(100), 600), 2); /* i = 199999 */
  ASSERT_EQ_U64(add(s, "10.0.0.0", SEC(100), 600), 1);   /* i = 0, evicted */
  mm_waf_rate_store_free(s);
}

TEST(late_requests_count_in_their_own_second) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(4);
  ASSERT_EQ_U64(add(s, "k", SEC(100), 60), 1);
  ASSERT_EQ_U64(add(s, "k", SEC(90), 60), 1);  /* (30, 90]: only itself */
  ASSERT_EQ_U64(add(s, "k", SEC(100), 60), 3); /* (40, 100]: 90, 100, 100 */
  ASSERT_EQ_U64(add(s, "k", SEC(20), 60), 0);  /* before the ring: dropped */
  ASSERT_EQ_U64(add(s, "k", SEC(101), 60), 4);
  mm_waf_rate_store_free(s);
}

TEST(long_idle_gap_clears_the_window) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(4);
  for (int i = 0; i < 10; i++) add(s, "k", SEC(5), 120);
  ASSERT_EQ_U64(add(s, "k", SEC(124), 120), 11);
  ASSERT_EQ_U64(add(s, "k", SEC(125), 120), 2);
  ASSERT_EQ_U64(add(s, "k", SEC(9000000000), 120), 1);
  mm_waf_rate_store_free(s);
}

TEST(invalid_arguments_are_refused) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(4);
  uint64_t n = 0;
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), 0, &n), MM_EINVAL);
  ASSERT_EQ(s->add(s->self, MM_STR("k"), SEC(1), MM_WAF_RATE_MAX_WINDOW + 1, &n), MM_EINVAL);
  ASSERT_EQ(s->add(s->self, MM_STR("k"), -1, 60, &n), MM_EINVAL);
  char *big = mm_malloc(MM_WAF_RATE_MAX_KEY + 1);
  memset(big, 'x', MM_WAF_RATE_MAX_KEY + 1);
  ASSERT_EQ(s->add(s->self, (mm_str){big, MM_WAF_RATE_MAX_KEY + 1}, SEC(1), 60, &n), MM_EINVAL);
  ASSERT_EQ(s->add(s->self, (mm_str){big, MM_WAF_RATE_MAX_KEY}, SEC(1), 60, &n), MM_OK);
  mm_free(big);
  mm_waf_rate_store_free(s);
  mm_waf_rate_store_free(NULL);
}

typedef struct worker {
  mm_waf_rate_store *s;
  int id;
  int failures;
} worker;

static void *hammer(void *arg) {
  worker *w = arg;
  char key[16];
  for (int i = 0; i < 20000; i++) {
    uint64_t n;
    snprintf(key, sizeof key, "k%d", i % 37);
    if (w->s->add(w->s->self, mm_str_from(key), SEC(50) + (i % 1000), 60, &n) != MM_OK)
      w->failures++;
  }
  return NULL;
}

TEST(concurrent_adds_lose_nothing) {
  mm_waf_rate_store *s = mm_waf_rate_store_memory(4096);
  pthread_t th[4];
  worker w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){s, i, 0};
    ASSERT_EQ(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  uint64_t total = 0;
  char key[16];
  for (int k = 0; k < 37; k++) {
    snprintf(key, sizeof key, "k%d", k);
    total += add(s, key, SEC(51), 60) - 1;
    ASSERT_EQ(w[k % 4].failures, 0);
  }
  ASSERT_EQ_U64(total, 4 * 20000);
  mm_waf_rate_store_free(s);
}

TEST(store_survives_allocation_failures) {
  FAULT_LOOP({
    mm_waf_rate_store *s = mm_waf_rate_store_memory(2000);
    if (s) {
      uint64_t n = 0;
      int rc = s->add(s->self, MM_STR("a"), SEC(1), 60, &n);
      if (rc == MM_OK) {
        rc = s->add(s->self, MM_STR("a"), SEC(2), 600, &n);
        if (rc == MM_OK) ASSERT_EQ_U64(n, 2);
      }
      if (rc != MM_OK) ASSERT_EQ(rc, MM_ENOMEM);
      mm_waf_rate_store_free(s);
    }
  });
}

int main(void) {
  RUN(counts_slide_one_second_at_a_time);
  RUN(window_edges_are_exclusive_then_inclusive);
  RUN(a_key_asking_for_a_longer_window_keeps_its_counts);
  RUN(keys_are_independent);
  RUN(least_recently_seen_key_is_evicted);
  RUN(many_keys_stay_bounded);
  RUN(late_requests_count_in_their_own_second);
  RUN(long_idle_gap_clears_the_window);
  RUN(invalid_arguments_are_refused);
  RUN(concurrent_adds_lose_nothing);
  RUN(store_survives_allocation_failures);
  return mm_test_summary();
}
