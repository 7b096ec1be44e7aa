/*
 * str.c - slices and the growable buffer. ASCII-only case folding: AWS's
 * case-insensitive comparisons never fold beyond ASCII.
 */
#include "mamori/str.h"
#include "mamori/alloc.h"
#include "mamori/error.h"

#include <stdarg.h>
#include <stdio.h>

bool mm_str_ieq(mm_str a, mm_str b) { return a.len == b.len && mm_str_icmp(a, b) == 0; }

int mm_str_icmp(mm_str a, mm_str b) {
  size_t n = a.len < b.len ? a.len : b.len;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)mm_ascii_lower(a.ptr[i]);
    unsigned char y = (unsigned char)mm_ascii_lower(b.ptr[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.len == b.len ? 0 : (a.len < b.len ? -1 : 1);
}

bool mm_str_has_prefix(mm_str s, mm_str prefix) {
  return s.len >= prefix.len && memcmp(s.ptr, prefix.ptr, prefix.len) == 0;
}

bool mm_str_has_suffix(mm_str s, mm_str suffix) {
  return s.len >= suffix.len && memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0;
}

int mm_buf_reserve(mm_buf *b, size_t extra) {
  if (b->oom) return MM_ENOMEM;
  if (extra > SIZE_MAX - b->len - 1) return b->oom = true, MM_ENOMEM;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return MM_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = mm_realloc(b->ptr, cap);
  if (!p) return b->oom = true, MM_ENOMEM;
  b->ptr = p;
  b->cap = cap;
  return MM_OK;
}

int mm_buf_append(mm_buf *b, const void *data, size_t len) {
  int rc = mm_buf_reserve(b, len);
  if (rc) return rc;
  if (len) memcpy(b->ptr + b->len, data, len);
  b->len += len;
  b->ptr[b->len] = '\0';
  return MM_OK;
}

int mm_buf_putc(mm_buf *b, char c) { return mm_buf_append(b, &c, 1); }

int mm_buf_puts(mm_buf *b, const char *s) { return mm_buf_append(b, s, strlen(s)); }

int mm_buf_printf(mm_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return MM_EINVAL;
  int rc = mm_buf_reserve(b, (size_t)n);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return MM_OK;
}

void mm_buf_clear(mm_buf *b) {
  b->len = 0;
  b->oom = false;
  if (b->ptr) b->ptr[0] = '\0';
}

void mm_buf_free(mm_buf *b) {
  mm_free(b->ptr);
  *b = (mm_buf)MM_BUF_INIT;
}
