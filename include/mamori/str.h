/*
 * mamori/str.h - byte strings: a borrowed slice (mm_str) and a growable
 * owned buffer (mm_buf), plus the ASCII helpers every parser needs.
 *
 * Strings are bytes with a length; they may contain NUL. Case folding is
 * ASCII only, as AWS's case-insensitive comparisons are (IAM action names,
 * condition keys, HTTP header names). Nothing here depends on the locale.
 */
#ifndef MAMORI_STR_H
#define MAMORI_STR_H

#include "mamori/common.h"
#include <string.h>

typedef struct mm_str {
  const char *ptr; /* not NUL-terminated in general; borrowed */
  size_t len;      /* bytes */
} mm_str;

#define MM_STR(lit) ((mm_str){(lit), sizeof(lit) - 1})

static inline mm_str mm_str_from(const char *s) { return (mm_str){s, s ? strlen(s) : 0}; }
static inline bool mm_str_eq(mm_str a, mm_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
static inline char mm_ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}
/* ASCII case-insensitive equality. */
MM_API bool mm_str_ieq(mm_str a, mm_str b);
/* ASCII case-insensitive three-way comparison, like strcasecmp on slices. */
MM_API int mm_str_icmp(mm_str a, mm_str b);
MM_API bool mm_str_has_prefix(mm_str s, mm_str prefix);
MM_API bool mm_str_has_suffix(mm_str s, mm_str suffix);

/* Growable byte buffer; always NUL-terminated after a successful append so
 * that ptr can be handed to C APIs. A failed append leaves it unchanged
 * and sets oom, so a writer may append freely and check once at the end. */
typedef struct mm_buf {
  char *ptr;  /* owned, mm_malloc'd; NULL until the first append */
  size_t len; /* bytes used, not counting the terminating NUL */
  size_t cap; /* bytes allocated */
  bool oom;   /* an append failed; contents stop at the failure */
} mm_buf;

#define MM_BUF_INIT \
  { NULL, 0, 0, false }

/* Make room for at least extra more bytes; MM_OK or MM_ENOMEM. */
MM_API int mm_buf_reserve(mm_buf *b, size_t extra);
MM_API int mm_buf_append(mm_buf *b, const void *data, size_t len);
MM_API int mm_buf_putc(mm_buf *b, char c);
MM_API int mm_buf_puts(mm_buf *b, const char *s);
MM_API int mm_buf_printf(mm_buf *b, const char *fmt, ...) MM_PRINTF(2, 3);
/* Forget the contents, keep the memory. */
MM_API void mm_buf_clear(mm_buf *b);
MM_API void mm_buf_free(mm_buf *b);

#endif /* MAMORI_STR_H */
