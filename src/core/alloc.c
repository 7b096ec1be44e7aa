/*
 * alloc.c - the hookable allocator behind mm_malloc and friends.
 *
 * The default forwards to the C library. The indirection costs one
 * predictable indirect call per allocation; hot paths allocate from arenas
 * (arena.c), which take large chunks, so it is not on a per-value path.
 */
#include "mamori/alloc.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t size, void *ctx) {
  (void)ctx;
  return malloc(size);
}
static void *libc_realloc(void *p, size_t size, void *ctx) {
  (void)ctx;
  return realloc(p, size);
}
static void libc_free(void *p, void *ctx) {
  (void)ctx;
  free(p);
}

static mm_allocator current = {libc_malloc, libc_realloc, libc_free, NULL};

void *mm_malloc(size_t size) { return current.malloc_fn(size ? size : 1, current.ctx); }

void *mm_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  void *p = mm_malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *mm_realloc(void *ptr, size_t size) {
  return current.realloc_fn(ptr, size ? size : 1, current.ctx);
}

void mm_free(void *ptr) {
  if (ptr) current.free_fn(ptr, current.ctx);
}

char *mm_strndup(const char *s, size_t len) {
  char *p = mm_malloc(len + 1);
  if (!p) return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

mm_allocator mm_set_allocator(const mm_allocator *a) {
  mm_allocator old = current;
  if (a)
    current = *a;
  else
    current = (mm_allocator){libc_malloc, libc_realloc, libc_free, NULL};
  return old;
}
