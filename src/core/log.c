/*
 * log.c - one line per message to stderr, as text for people or as a JSON
 * object for machines (include/mamori/log.h).
 *
 * Each line is formatted completely in a local buffer and written with one
 * write(2), so lines from several threads never interleave. The level and
 * format are set once at start-up (before threads exist) and only read
 * afterwards.
 */
#include "mamori/log.h"
#include "mamori/json.h"
#include "mamori/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
  mm_log_level level; /* messages below it are dropped */
  bool json;          /* JSON Lines instead of text */
} log_config = {MM_LOG_INFO, false};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void mm_log_configure(mm_log_level level, bool json) {
  log_config.level = level;
  log_config.json = json;
}

bool mm_log_enabled(mm_log_level level) { return level >= log_config.level && level < MM_LOG_OFF; }

static void format_json(mm_buf *line, mm_log_level level, const char *component, const char *msg) {
  char now[MM_TIME_FORMAT_MAX];
  mm_time_format(mm_time_now(), MM_TIME_RFC3339_MS, now, sizeof(now));
  mm_buf_printf(line, "{\"time\":\"%s\",\"level\":\"%s\",\"component\":", now, level_names[level]);
  mm_json_append_string(line, component, strlen(component));
  mm_buf_puts(line, ",\"msg\":");
  mm_json_append_string(line, msg, strlen(msg));
  mm_buf_puts(line, "}\n");
}

void mm_log(mm_log_level level, const char *component, const char *fmt, ...) {
  if (!mm_log_enabled(level)) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (!component) component = "mamori";
  mm_buf line = MM_BUF_INIT;
  if (log_config.json)
    format_json(&line, level, component, msg);
  else
    mm_buf_printf(&line, "mamori: %s: %s: %s\n", level_names[level], component, msg);
  if (!line.oom && write(STDERR_FILENO, line.ptr, line.len) < 0) {
    /* Nowhere left to report a failed write to stderr. */
  }
  mm_buf_free(&line);
}
