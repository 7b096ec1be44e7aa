/*
 * hash.c - a 64-bit multiply-xorshift hash over 8-byte words and a
 * linear-probing string map.
 *
 * The hash reads the input in 8-byte little-endian words (memcpy, so any
 * alignment works), mixes each with a 64x64->128 multiply folded to 64 bits,
 * and finishes with a final avalanche. It is fast on short keys (JSON member
 * names, header names) and good enough for power-of-two tables.
 */
#include "mamori/hash.h"
#include "mamori/alloc.h"
#include "mamori/error.h"

#include <string.h>

#define HASH_K0 0x9e3779b97f4a7c15ull
#define HASH_K1 0xd6e8feb86659fd93ull
#define HASH_K2 0xa0761d6478bd642full

static inline uint64_t mix(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static uint64_t tail_word(const unsigned char *p, size_t n) {
  uint64_t v = 0;
  memcpy(&v, p, n);
  return v;
}

static uint64_t hash_words(const unsigned char *p, size_t len, uint64_t seed, uint64_t fold) {
  uint64_t h = seed ^ (len * HASH_K0);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) h = mix(h ^ (load64(p + i) | fold), HASH_K1);
  if (i < len) {
    uint64_t mask = fold >> (8 * (8 - (len - i)));
    h = mix(h ^ (tail_word(p + i, len - i) | mask) ^ HASH_K2, HASH_K1);
  }
  return mix(h, HASH_K2) ^ (h >> 29);
}

uint64_t mm_hash(const void *data, size_t len, uint64_t seed) {
  return hash_words(data, len, seed, 0);
}

/* Folding with OR 0x20 maps 'A'..'Z' onto 'a'..'z' but also merges other
 * pairs ('@' and '`', '[' and '{'); equal keys still hash equal, and the map
 * compares keys exactly after the hash, so those merges only cost a probe. */
uint64_t mm_hash_lower(const void *data, size_t len, uint64_t seed) {
  return hash_words(data, len, seed, 0x2020202020202020ull);
}

/* Address-space layout randomization makes a function's address differ
 * from run to run: a per-process seed without mutable global state. */
static uint64_t process_seed(void) {
  return mix((uint64_t)(uintptr_t)&mm_map_init ^ HASH_K2, HASH_K0) | 1;
}

void mm_map_init(mm_map *m, bool nocase) {
  memset(m, 0, sizeof(*m));
  m->nocase = nocase;
  m->seed = process_seed() ^ (uint64_t)(uintptr_t)m;
}

static uint64_t key_hash(const mm_map *m, mm_str key) {
  return m->nocase ? mm_hash_lower(key.ptr, key.len, m->seed) : mm_hash(key.ptr, key.len, m->seed);
}

static bool key_eq(const mm_map *m, mm_str a, mm_str b) {
  return m->nocase ? mm_str_ieq(a, b) : mm_str_eq(a, b);
}

static mm_map_slot *probe(const mm_map *m, mm_str key, uint64_t h) {
  size_t mask = m->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    mm_map_slot *s = &m->slots[i];
    if (!s->key.ptr || (s->hash == h && key_eq(m, s->key, key))) return s;
  }
}

static int grow(mm_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 16;
  mm_map_slot *slots = mm_calloc(cap, sizeof(*slots));
  if (!slots) return MM_ENOMEM;
  mm_map old = *m;
  m->slots = slots;
  m->cap = cap;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].key.ptr) *probe(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
  mm_free(old.slots);
  return MM_OK;
}

int mm_map_put(mm_map *m, mm_str key, void *value, void **old) {
  if (old) *old = NULL;
  if (!key.ptr) key.ptr = "";
  if ((m->count + 1) * 4 > m->cap * 3 && grow(m)) return MM_ENOMEM;
  uint64_t h = key_hash(m, key);
  mm_map_slot *s = probe(m, key, h);
  if (s->key.ptr) { /* keep the stored key: the caller's new one may be short-lived */
    if (old) *old = s->value;
    s->value = value;
    return MM_OK;
  }
  m->count++;
  *s = (mm_map_slot){key, value, h};
  return MM_OK;
}

const mm_map_slot *mm_map_find(const mm_map *m, mm_str key) {
  if (!m->count) return NULL;
  if (!key.ptr) key.ptr = "";
  const mm_map_slot *s = probe(m, key, key_hash(m, key));
  return s->key.ptr ? s : NULL;
}

void *mm_map_get(const mm_map *m, mm_str key) {
  const mm_map_slot *s = mm_map_find(m, key);
  return s ? s->value : NULL;
}

void mm_map_free(mm_map *m) {
  mm_free(m->slots);
  m->slots = NULL;
  m->cap = m->count = 0;
}
