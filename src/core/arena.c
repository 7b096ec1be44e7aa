/*
 * arena.c - chunked bump allocator.
 *
 * Chunks form a singly linked list, newest first. A request larger than a
 * quarter of the next chunk gets a chunk of its own, inserted behind the
 * head, so that a large allocation does not waste the head's free space.
 */
#include "mamori/arena.h"
#include "mamori/alloc.h"

#include <string.h>

#define ARENA_MAX_CHUNK (16u * 1024 * 1024)

struct mm_arena_chunk {
  mm_arena_chunk *next;
  size_t size; /* payload bytes after the header */
  _Alignas(MM_ARENA_ALIGN) char data[];
};

void mm_arena_init(mm_arena *a, size_t first_chunk) {
  memset(a, 0, sizeof(*a));
  a->next_size = first_chunk ? first_chunk : MM_ARENA_DEFAULT_CHUNK;
}

static mm_arena_chunk *chunk_new(size_t size) {
  if (size > SIZE_MAX - sizeof(mm_arena_chunk)) return NULL;
  mm_arena_chunk *c = mm_malloc(sizeof(*c) + size);
  if (c) c->size = size;
  return c;
}

static void *alloc_dedicated(mm_arena *a, size_t size) {
  mm_arena_chunk *c = chunk_new(size);
  if (!c) return NULL;
  if (a->head) {
    c->next = a->head->next;
    a->head->next = c;
  } else {
    c->next = NULL;
    a->head = c;
    a->cur = a->end = c->data + size;
  }
  a->used += size;
  return c->data;
}

static void *alloc_slow(mm_arena *a, size_t size) {
  if (size > a->next_size / 4) return alloc_dedicated(a, size);
  mm_arena_chunk *c = chunk_new(a->next_size);
  if (!c) return NULL;
  c->next = a->head;
  a->head = c;
  a->cur = c->data + size;
  a->end = c->data + c->size;
  if (a->next_size < ARENA_MAX_CHUNK) a->next_size *= 2;
  a->used += size;
  return c->data;
}

void *mm_arena_alloc(mm_arena *a, size_t size) {
  if (size > SIZE_MAX - MM_ARENA_ALIGN) return NULL;
  size = (size + (MM_ARENA_ALIGN - 1)) & ~(size_t)(MM_ARENA_ALIGN - 1);
  if (MM_LIKELY((size_t)(a->end - a->cur) >= size)) {
    void *p = a->cur;
    a->cur += size;
    a->used += size;
    return p;
  }
  return alloc_slow(a, size);
}

void *mm_arena_calloc(mm_arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  void *p = mm_arena_alloc(a, count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *mm_arena_memdup(mm_arena *a, const void *p, size_t size) {
  void *q = mm_arena_alloc(a, size);
  if (q && size) memcpy(q, p, size);
  return q;
}

char *mm_arena_strndup(mm_arena *a, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *q = mm_arena_alloc(a, len + 1);
  if (!q) return NULL;
  if (len) memcpy(q, s, len);
  q[len] = '\0';
  return q;
}

static void free_chain(mm_arena_chunk *c) {
  while (c) {
    mm_arena_chunk *next = c->next;
    mm_free(c);
    c = next;
  }
}

void mm_arena_reset(mm_arena *a) {
  if (!a->head) return;
  free_chain(a->head->next);
  a->head->next = NULL;
  a->cur = a->head->data;
  a->end = a->head->data + a->head->size;
  a->used = 0;
}

void mm_arena_destroy(mm_arena *a) {
  free_chain(a->head);
  size_t first = a->next_size;
  memset(a, 0, sizeof(*a));
  a->next_size = first;
}
