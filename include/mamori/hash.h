/*
 * mamori/hash.h - a fast non-cryptographic 64-bit hash and a string-keyed
 * hash map.
 *
 * mm_hash is for tables, not for security: do not use it where an attacker
 * profits from collisions unless the table seeds it per process (mm_map
 * does, from the map's address and a per-process random value, so that
 * hostile keys cannot be prepared offline).
 *
 * mm_map maps byte-string keys (borrowed: the caller keeps them alive) to
 * pointer values, with open addressing and linear probing. Lookups never
 * allocate. Not thread-safe for writers; concurrent readers are fine.
 */
#ifndef MAMORI_HASH_H
#define MAMORI_HASH_H

#include "mamori/common.h"
#include "mamori/str.h"

MM_API uint64_t mm_hash(const void *data, size_t len, uint64_t seed);
/* Same with ASCII letters folded to lower case first. */
MM_API uint64_t mm_hash_lower(const void *data, size_t len, uint64_t seed);

typedef struct mm_map_slot {
  mm_str key;  /* key.ptr == NULL: empty slot */
  void *value; /* as stored by mm_map_put */
  uint64_t hash;
} mm_map_slot;

typedef struct mm_map {
  mm_map_slot *slots; /* cap slots, owned */
  size_t cap;         /* power of two, or 0 before the first put */
  size_t count;       /* keys present */
  uint64_t seed;      /* per-map hash seed */
  bool nocase;        /* keys compare ASCII case-insensitively */
} mm_map;

/* nocase: keys compare and hash ASCII case-insensitively. */
MM_API void mm_map_init(mm_map *m, bool nocase);
/* Insert, or replace the value of a key already present (the key stored
 * first is kept, so the new key's bytes need not outlive the call then).
 * *old (may be NULL) receives the replaced value or NULL.
 * MM_OK or MM_ENOMEM (the map is then unchanged). */
MM_API int mm_map_put(mm_map *m, mm_str key, void *value, void **old);
/* The value, or NULL when absent. */
MM_API void *mm_map_get(const mm_map *m, mm_str key);
/* The slot (key and value) for key, or NULL. */
MM_API const mm_map_slot *mm_map_find(const mm_map *m, mm_str key);
MM_API void mm_map_free(mm_map *m);

#endif /* MAMORI_HASH_H */
