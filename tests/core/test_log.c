/*
 * test_log.c - the logger's text and JSON lines, and its level filter.
 * stderr is redirected into a pipe for the duration of each test.
 */
#include "mamori/log.h"
#include "mamori/json.h"
#include "test.h"

#include <unistd.h>

/* Run mm_log with stderr captured; returns what it wrote (static buffer). */
static const char *capture(mm_log_level level, const char *component, const char *msg) {
  static char out[4096];
  int fds[2];
  if (pipe(fds) != 0) return "";
  int saved = dup(STDERR_FILENO);
  dup2(fds[1], STDERR_FILENO);
  mm_log(level, component, "%s", msg);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fds[1]);
  ssize_t n = read(fds[0], out, sizeof(out) - 1);
  close(fds[0]);
  out[n > 0 ? n : 0] = '\0';
  return out;
}

TEST(text_line) {
  mm_log_configure(MM_LOG_INFO, false);
  ASSERT_EQ_STR(capture(MM_LOG_WARN, "gateway", "origin down"),
                "mamori: warn: gateway: origin down\n");
}

TEST(level_filter) {
  mm_log_configure(MM_LOG_WARN, false);
  ASSERT_EQ_STR(capture(MM_LOG_INFO, "x", "dropped"), "");
  ASSERT_FALSE(mm_log_enabled(MM_LOG_INFO));
  ASSERT_TRUE(mm_log_enabled(MM_LOG_ERROR));
  mm_log_configure(MM_LOG_OFF, false);
  ASSERT_EQ_STR(capture(MM_LOG_ERROR, "x", "dropped"), "");
}

TEST(json_line_parses_and_escapes) {
  mm_log_configure(MM_LOG_DEBUG, true);
  const char *line = capture(MM_LOG_ERROR, "waf", "bad \"rule\"\n\x01");
  mm_error err;
  mm_json_doc *doc = mm_json_parse(line, strlen(line), NULL, &err);
  ASSERT_TRUE(doc != NULL);
  const mm_json_value *root = mm_json_doc_root(doc);
  ASSERT_EQ_STR(mm_json_str(mm_json_get(root, "level")), "error");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(root, "component")), "waf");
  ASSERT_EQ_STR(mm_json_str(mm_json_get(root, "msg")), "bad \"rule\"\n\x01");
  ASSERT_EQ(mm_json_len(mm_json_get(root, "time")), 24); /* 2026-01-01T00:00:00.000Z */
  mm_json_doc_free(doc);
  mm_log_configure(MM_LOG_INFO, false);
}

int main(void) {
  RUN(text_line);
  RUN(level_filter);
  RUN(json_line_parses_and_escapes);
  return mm_test_summary();
}
