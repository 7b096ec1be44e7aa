/*
 * mamori/alloc.h - the allocator every mamori module allocates through.
 *
 * All heap memory goes through mm_malloc/mm_realloc/mm_free so that a test
 * can install an allocator that fails the N-th allocation and prove that
 * every error path frees what it took (STYLE.md 14, SQLite's fault
 * simulation). mm_set_allocator is process-wide: call it before any other
 * thread uses mamori, never while one does.
 */
#ifndef MAMORI_ALLOC_H
#define MAMORI_ALLOC_H

#include "mamori/common.h"

typedef struct mm_allocator {
  void *(*malloc_fn)(size_t size, void *ctx);
  void *(*realloc_fn)(void *ptr, size_t size, void *ctx);
  void (*free_fn)(void *ptr, void *ctx);
  void *ctx; /* passed to each function; owned by the caller */
} mm_allocator;

MM_API void *mm_malloc(size_t size);
MM_API void *mm_calloc(size_t count, size_t size); /* zeroed; NULL on overflow */
MM_API void *mm_realloc(void *ptr, size_t size);
MM_API void mm_free(void *ptr);
/* Copy of s[0..len) with a NUL appended, or NULL. */
MM_API char *mm_strndup(const char *s, size_t len);

/* Install a (NULL = the C library's). Returns the previous one. */
MM_API mm_allocator mm_set_allocator(const mm_allocator *a);

#endif /* MAMORI_ALLOC_H */
