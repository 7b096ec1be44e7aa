/*
 * error.c - status texts (generated from MM_STATUS_MAP) and the mm_error
 * record: message formatting and offset -> line/column.
 */
#include "mamori/error.h"

#include <stdio.h>
#include <string.h>

const char *mm_strerror(int status) {
  switch (status) {
#define MM__STATUS_TEXT(name, value, text) \
  case value:                              \
    return text;
    MM_STATUS_MAP(MM__STATUS_TEXT)
#undef MM__STATUS_TEXT
  }
  return "unknown status";
}

const char *mm_status_name(int status) {
  switch (status) {
#define MM__STATUS_NAME(name, value, text) \
  case value:                              \
    return #name;
    MM_STATUS_MAP(MM__STATUS_NAME)
#undef MM__STATUS_NAME
  }
  return "UNKNOWN";
}

void mm_error_clear(mm_error *err) {
  if (err) memset(err, 0, sizeof(*err));
}

/* A new error replaces the old one whole: no stale position or path from an
 * earlier failure (or from an uninitialized record) survives into it. */
MM_PRINTF(3, 0)
static void error_vset(mm_error *err, int code, const char *fmt, va_list ap) {
  memset(err, 0, sizeof(*err));
  err->code = code;
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int mm_error_set(mm_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  error_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

/* Lines end at '\n'; a '\r\n' pair counts once because only '\n' counts. */
static void locate(const char *text, size_t len, size_t offset, uint32_t *line, uint32_t *column) {
  uint32_t l = 1;
  size_t line_start = 0;
  if (offset > len) offset = len;
  for (const char *p = text, *end = text + offset; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
       p++) {
    l++;
    line_start = (size_t)(p - text) + 1;
  }
  *line = l;
  *column = (uint32_t)(offset - line_start + 1);
}

int mm_error_at(mm_error *err, int code, const char *text, size_t len, size_t offset,
                const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  error_vset(err, code, fmt, ap);
  va_end(ap);
  err->offset = offset;
  locate(text, len, offset, &err->line, &err->column);
  return code;
}

void mm_error_set_path(mm_error *err, const char *path) {
  if (err) snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
}

const char *mm_error_format(const mm_error *err, char *buf, size_t size) {
  if (!err || size == 0) return buf;
  const char *msg = err->msg[0] ? err->msg : mm_strerror(err->code);
  if (err->line && err->path[0])
    snprintf(buf, size, "line %u, column %u (%s): %s", err->line, err->column, err->path, msg);
  else if (err->line)
    snprintf(buf, size, "line %u, column %u: %s", err->line, err->column, msg);
  else if (err->path[0])
    snprintf(buf, size, "%s: %s", err->path, msg);
  else
    snprintf(buf, size, "%s", msg);
  return buf;
}
