/*
 * mamori/arena.h - bump allocation for things that die together.
 *
 * A parsed document, a compiled configuration, one request's evaluation:
 * everything allocated for it comes from one arena and is released at once
 * by mm_arena_reset (keeps the first chunk for reuse) or mm_arena_destroy.
 * Allocations are aligned to MM_ARENA_ALIGN. Not thread-safe; a compiled,
 * immutable arena may be read from any number of threads.
 */
#ifndef MAMORI_ARENA_H
#define MAMORI_ARENA_H

#include "mamori/common.h"

#define MM_ARENA_ALIGN         16           /* enough for any scalar and SSE loads */
#define MM_ARENA_DEFAULT_CHUNK (64u * 1024) /* first chunk; later ones double, up to 16 MiB */

typedef struct mm_arena_chunk mm_arena_chunk;

typedef struct mm_arena {
  mm_arena_chunk *head; /* newest chunk; allocation happens here */
  char *cur;            /* next free byte in head */
  char *end;            /* one past head's last byte */
  size_t next_size;     /* payload size of the next chunk to allocate */
  size_t used;          /* bytes handed out since init or reset (statistics) */
} mm_arena;

/* Start empty; the first allocation takes a chunk of at least first_chunk
 * bytes (0 = MM_ARENA_DEFAULT_CHUNK). Never fails. */
MM_API void mm_arena_init(mm_arena *a, size_t first_chunk);
/* size bytes aligned to MM_ARENA_ALIGN, or NULL when memory runs out. */
MM_API void *mm_arena_alloc(mm_arena *a, size_t size);
/* As mm_arena_alloc, zeroed. */
MM_API void *mm_arena_calloc(mm_arena *a, size_t count, size_t size);
/* Copy of p[0..size), or NULL. */
MM_API void *mm_arena_memdup(mm_arena *a, const void *p, size_t size);
/* Copy of s[0..len) with a NUL appended, or NULL. */
MM_API char *mm_arena_strndup(mm_arena *a, const char *s, size_t len);
/* Free everything but the newest chunk, which is kept for reuse. */
MM_API void mm_arena_reset(mm_arena *a);
/* Free everything; the arena may be initialized again. */
MM_API void mm_arena_destroy(mm_arena *a);

#endif /* MAMORI_ARENA_H */
