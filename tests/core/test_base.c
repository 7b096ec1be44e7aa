/*
 * test_base.c - arena, strings, buffer, hash map and error record.
 */
#include "mamori/arena.h"
#include "mamori/error.h"
#include "mamori/hash.h"
#include "mamori/str.h"
#include "test.h"

TEST(arena_alignment_and_growth) {
  mm_arena a;
  mm_arena_init(&a, 128);
  for (int i = 0; i < 1000; i++) {
    char *p = mm_arena_alloc(&a, (size_t)(i % 37) + 1);
    ASSERT_TRUE(p != NULL);
    ASSERT_EQ((uintptr_t)p % MM_ARENA_ALIGN, 0);
    memset(p, 'x', (size_t)(i % 37) + 1);
  }
  char *big = mm_arena_alloc(&a, 1 << 20); /* a dedicated chunk */
  ASSERT_TRUE(big != NULL);
  memset(big, 0, 1 << 20);
  mm_arena_reset(&a);
  ASSERT_EQ(a.used, 0);
  ASSERT_EQ_STR(mm_arena_strndup(&a, "abcdef", 3), "abc");
  mm_arena_destroy(&a);
}

TEST(arena_overflow_is_refused) {
  mm_arena a;
  mm_arena_init(&a, 0);
  ASSERT_TRUE(mm_arena_alloc(&a, SIZE_MAX - 3) == NULL);
  ASSERT_TRUE(mm_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
  mm_arena_destroy(&a);
}

TEST(arena_survives_allocation_failures) {
  FAULT_LOOP({
    mm_arena a;
    mm_arena_init(&a, 64);
    for (int i = 0; i < 50; i++)
      if (!mm_arena_alloc(&a, 40)) break;
    mm_arena_destroy(&a);
  });
}

TEST(str_case_folding_is_ascii_only) {
  ASSERT_TRUE(mm_str_ieq(MM_STR("s3:GetObject"), MM_STR("S3:GETOBJECT")));
  ASSERT_FALSE(mm_str_ieq(MM_STR("\xc3\xa9"), MM_STR("\xc3\x89"))); /* é vs É */
  ASSERT_TRUE(mm_str_icmp(MM_STR("abc"), MM_STR("ABD")) < 0);
  ASSERT_TRUE(mm_str_icmp(MM_STR("ab"), MM_STR("abc")) < 0);
  ASSERT_TRUE(mm_str_has_prefix(MM_STR("arn:aws:s3"), MM_STR("arn:")));
  ASSERT_TRUE(mm_str_has_suffix(MM_STR("x.json.gz"), MM_STR(".gz")));
}

TEST(buf_appends_and_formats) {
  mm_buf b = MM_BUF_INIT;
  for (int i = 0; i < 100; i++) ASSERT_EQ(mm_buf_printf(&b, "%d,", i), MM_OK);
  ASSERT_EQ(b.len, 290);
  ASSERT_EQ(b.ptr[b.len], '\0');
  ASSERT_EQ(memcmp(b.ptr, "0,1,2,", 6), 0);
  mm_buf_clear(&b);
  ASSERT_EQ(mm_buf_append(&b, "a\0b", 3), MM_OK);
  ASSERT_EQ(b.len, 3);
  mm_buf_free(&b);
}

TEST(buf_reports_out_of_memory_once) {
  FAULT_LOOP({
    mm_buf b = MM_BUF_INIT;
    for (int i = 0; i < 200; i++) mm_buf_puts(&b, "0123456789");
    ASSERT_TRUE(b.oom || b.len == 2000);
    mm_buf_free(&b);
  });
}

TEST(map_put_get_replace_grow) {
  mm_map m;
  mm_map_init(&m, false);
  static char keys[5000][8];
  for (int i = 0; i < 5000; i++) {
    snprintf(keys[i], sizeof(keys[i]), "k%d", i);
    ASSERT_EQ(mm_map_put(&m, mm_str_from(keys[i]), (void *)(intptr_t)(i + 1), NULL), MM_OK);
  }
  ASSERT_EQ(m.count, 5000);
  for (int i = 0; i < 5000; i++) ASSERT_EQ((intptr_t)mm_map_get(&m, mm_str_from(keys[i])), i + 1);
  void *old;
  ASSERT_EQ(mm_map_put(&m, MM_STR("k7"), (void *)(intptr_t)99, &old), MM_OK);
  ASSERT_EQ((intptr_t)old, 8);
  ASSERT_EQ(m.count, 5000);
  ASSERT_TRUE(mm_map_get(&m, MM_STR("K7")) == NULL);
  ASSERT_TRUE(mm_map_get(&m, MM_STR("absent")) == NULL);
  mm_map_free(&m);
}

TEST(map_replace_keeps_the_first_key) {
  mm_map m;
  mm_map_init(&m, false);
  char first[] = "eventName", second[] = "eventName";
  ASSERT_EQ(mm_map_put(&m, mm_str_from(first), (void *)1, NULL), MM_OK);
  ASSERT_EQ(mm_map_put(&m, mm_str_from(second), (void *)2, NULL), MM_OK);
  memset(second, 'x', sizeof(second) - 1); /* the second key's bytes die */
  ASSERT_EQ((intptr_t)mm_map_get(&m, MM_STR("eventName")), 2);
  ASSERT_TRUE(mm_map_find(&m, MM_STR("eventName"))->key.ptr == first);
  mm_map_free(&m);
}

TEST(map_nocase_folds_ascii) {
  mm_map m;
  mm_map_init(&m, true);
  ASSERT_EQ(mm_map_put(&m, MM_STR("Content-Type"), (void *)1, NULL), MM_OK);
  ASSERT_EQ((intptr_t)mm_map_get(&m, MM_STR("content-type")), 1);
  ASSERT_EQ((intptr_t)mm_map_get(&m, MM_STR("CONTENT-TYPE")), 1);
  ASSERT_TRUE(mm_map_get(&m, MM_STR("content_type")) == NULL);
  mm_map_free(&m);
}

TEST(hash_differs_by_seed_and_content) {
  ASSERT_TRUE(mm_hash("abc", 3, 1) != mm_hash("abc", 3, 2));
  ASSERT_TRUE(mm_hash("abc", 3, 1) != mm_hash("abd", 3, 1));
  ASSERT_TRUE(mm_hash("", 0, 1) != mm_hash("\0", 1, 1));
  ASSERT_EQ_U64(mm_hash_lower("HeLLo-World!", 12, 7), mm_hash_lower("hello-world!", 12, 7));
}

TEST(error_locates_line_and_column) {
  mm_error e;
  const char *text = "{\n  \"a\": 1,\r\n  x\n}";
  mm_error_clear(&e);
  ASSERT_EQ(mm_error_at(&e, MM_ESYNTAX, text, strlen(text), 15, "unexpected '%c'", 'x'),
            MM_ESYNTAX);
  ASSERT_EQ(e.line, 3);
  ASSERT_EQ(e.column, 3);
  char buf[128];
  ASSERT_EQ_STR(mm_error_format(&e, buf, sizeof(buf)), "line 3, column 3: unexpected 'x'");
  ASSERT_EQ_STR(mm_strerror(MM_ELIMIT), "limit exceeded");
  ASSERT_EQ_STR(mm_status_name(MM_ESYNTAX), "ESYNTAX");
  ASSERT_EQ_STR(mm_strerror(12345), "unknown status");
  ASSERT_EQ(mm_error_set(NULL, MM_EIO, "ignored"), MM_EIO);
}

TEST(error_set_replaces_the_whole_record) {
  mm_error e;
  memset(&e, 0x5a, sizeof(e)); /* as an uninitialized record would be */
  mm_error_set(&e, MM_EIO, "cannot open");
  ASSERT_EQ(e.line, 0);
  ASSERT_EQ(e.column, 0);
  ASSERT_EQ_STR(e.path, "");
  mm_error_set_path(&e, "$.Statement[0]");
  mm_error_at(&e, MM_ESYNTAX, "ab", 2, 1, "x");
  ASSERT_EQ_STR(e.path, "");
  ASSERT_EQ(e.column, 2);
}

int main(void) {
  RUN(arena_alignment_and_growth);
  RUN(arena_overflow_is_refused);
  RUN(arena_survives_allocation_failures);
  RUN(str_case_folding_is_ascii_only);
  RUN(buf_appends_and_formats);
  RUN(buf_reports_out_of_memory_once);
  RUN(map_put_get_replace_grow);
  RUN(map_replace_keeps_the_first_key);
  RUN(map_nocase_folds_ascii);
  RUN(hash_differs_by_seed_and_content);
  RUN(error_locates_line_and_column);
  RUN(error_set_replaces_the_whole_record);
  return mm_test_summary();
}
