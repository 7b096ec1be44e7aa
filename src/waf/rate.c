/*
 * rate.c - the in-process rate store: per key, a sliding window of
 * 1-second buckets, for rate-based rules (AWS WAF API_RateBasedStatement:
 * EvaluationWindowSec 60, 120, 300 or 600).
 *
 * Semantics (include/mamori/waf.h): add(key, now, window) records one
 * request in now's second and returns the requests recorded under key in
 * the seconds (s - window, s], s being now's second. The window slides one
 * second at a time, so counts are exact to the second (AWS WAF documents
 * its window as the last EvaluationWindowSec seconds, checked every few
 * seconds: API_RateBasedStatement). A request whose time is older than the
 * newest one of its key (clocks of several threads) is counted in its own
 * second while that second is still in the ring, and dropped otherwise.
 *
 * Layout: MM_WAF__RATE_SHARDS shards (one below 1,024 keys), each a mutex,
 * a chained hash table and an LRU list of its keys. An entry holds its key
 * bytes, a ring of per-second counts as long as the largest window asked
 * for that key (4 bytes a second, so 2,400 bytes at 600 s) and the ring's
 * total, so that the usual add (the same window every time) costs no sum.
 * A shard holds at most its share of max_keys; adding a key to a full
 * shard drops its least recently seen one. No other growth: memory is at
 * most max_keys entries.
 */
#include "mamori/alloc.h"
#include "mamori/hash.h"
#include "mamori/waf.h"
#include "waf/limits.h"

#include <pthread.h>
#include <string.h>

/* Shards: 16 locks make contention rare on the machines mamori targets.
 * Stores smaller than MM_WAF__RATE_SHARDED_FROM keys keep one shard, so that
 * their least-recently-seen eviction is exact across all keys. */
#define MM_WAF__RATE_SHARDS       16
#define MM_WAF__RATE_SHARDED_FROM 1024

typedef struct rate_entry {
  struct rate_entry *chain;       /* next in the hash bucket */
  struct rate_entry *prev, *next; /* LRU list: head = most recent */
  uint64_t hash;                  /* of the key */
  int64_t head_sec;               /* the newest second in ring */
  uint32_t ring_len;              /* seconds the ring holds */
  uint32_t *ring;                 /* count per second, index = second % ring_len */
  uint64_t total;                 /* sum of ring[] */
  size_t key_len;                 /* bytes of key */
  char key[];                     /* the key bytes */
} rate_entry;

typedef struct rate_shard {
  pthread_mutex_t lock;
  rate_entry **table;     /* table_size buckets */
  size_t table_size;      /* power of two, >= 2 x max */
  size_t count, max;      /* keys held / allowed */
  rate_entry *lru, *tail; /* most and least recently seen */
} rate_shard;

typedef struct rate_memory {
  mm_waf_rate_store store; /* what callers hold; self points here */
  uint64_t seed;           /* hash seed, per store */
  unsigned n_shards;       /* shards in use: 1 for small stores, else MM_WAF__RATE_SHARDS */
  rate_shard shards[MM_WAF__RATE_SHARDS];
} rate_memory;

/* ---- LRU list and table --------------------------------------------------------- */

static void lru_unlink(rate_shard *s, rate_entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    s->lru = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    s->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_push(rate_shard *s, rate_entry *e) {
  e->next = s->lru;
  e->prev = NULL;
  if (s->lru) s->lru->prev = e;
  s->lru = e;
  if (!s->tail) s->tail = e;
}

static rate_entry **slot_of(rate_shard *s, uint64_t h) {
  return &s->table[(h >> 4) & (s->table_size - 1)];
}

static rate_entry *find(rate_shard *s, mm_str key, uint64_t h) {
  for (rate_entry *e = *slot_of(s, h); e; e = e->chain)
    if (e->hash == h && e->key_len == key.len && memcmp(e->key, key.ptr, key.len) == 0) return e;
  return NULL;
}

static void entry_free(rate_entry *e) {
  mm_free(e->ring);
  mm_free(e);
}

static void evict_oldest(rate_shard *s) {
  rate_entry *e = s->tail;
  lru_unlink(s, e);
  for (rate_entry **p = slot_of(s, e->hash); *p; p = &(*p)->chain)
    if (*p == e) {
      *p = e->chain;
      break;
    }
  s->count--;
  entry_free(e);
}

static rate_entry *insert(rate_shard *s, mm_str key, uint64_t h) {
  rate_entry *e = mm_calloc(1, sizeof *e + key.len);
  if (!e) return NULL;
  memcpy(e->key, key.ptr, key.len);
  e->key_len = key.len;
  e->hash = h;
  if (s->count == s->max) evict_oldest(s);
  rate_entry **slot = slot_of(s, h);
  e->chain = *slot;
  *slot = e;
  lru_push(s, e);
  s->count++;
  return e;
}

/* ---- the ring of seconds --------------------------------------------------------- */

/* Make the ring hold at least window seconds, keeping the counts it has. */
static int ring_grow(rate_entry *e, uint32_t window) {
  if (e->ring_len >= window) return MM_OK;
  uint32_t *ring = mm_calloc(window, sizeof *ring);
  if (!ring) return MM_ENOMEM;
  for (uint32_t k = 0; k < e->ring_len; k++) {
    int64_t sec = e->head_sec - k;
    if (sec < 0) break;
    ring[sec % window] = e->ring[sec % e->ring_len];
  }
  mm_free(e->ring);
  e->ring = ring;
  e->ring_len = window;
  return MM_OK;
}

/* Move the ring's newest second forward to sec, clearing the seconds that
 * fall out of it (one division, then a walk that wraps). */
static void ring_advance(rate_entry *e, int64_t sec) {
  if (sec <= e->head_sec) return;
  int64_t gap = sec - e->head_sec;
  if (gap >= e->ring_len) {
    memset(e->ring, 0, e->ring_len * sizeof *e->ring);
    e->total = 0;
  } else {
    uint32_t i = (uint32_t)((e->head_sec + 1) % e->ring_len);
    for (int64_t k = 0; k < gap; k++) {
      e->total -= e->ring[i];
      e->ring[i] = 0;
      if (++i == e->ring_len) i = 0;
    }
  }
  e->head_sec = sec;
}

/* Requests in the seconds (sec - window, sec] that the ring still holds. */
static uint64_t ring_count(const rate_entry *e, int64_t sec, uint32_t window) {
  int64_t oldest = e->head_sec - (int64_t)e->ring_len + 1, from = sec - (int64_t)window + 1;
  if (from <= oldest && sec == e->head_sec) return e->total; /* the whole ring */
  if (from < oldest) from = oldest;
  if (from < 0) from = 0;
  uint64_t n = 0;
  uint32_t i = (uint32_t)(from % e->ring_len);
  for (int64_t t = from; t <= sec; t++) {
    n += e->ring[i];
    if (++i == e->ring_len) i = 0;
  }
  return n;
}

static void ring_add(rate_entry *e, int64_t sec) {
  if (sec <= e->head_sec - (int64_t)e->ring_len) return; /* too old: out of every window */
  uint32_t *c = &e->ring[sec % e->ring_len];
  if (*c < UINT32_MAX) {
    (*c)++;
    e->total++;
  }
}

/* ---- the store ------------------------------------------------------------------- */

static int memory_add(void *self, mm_str key, mm_time now, uint32_t window_sec, uint64_t *count) {
  rate_memory *m = self;
  if (window_sec == 0 || window_sec > MM_WAF_RATE_MAX_WINDOW || key.len > MM_WAF_RATE_MAX_KEY ||
      now < 0 || (!key.ptr && key.len))
    return MM_EINVAL;
  if (!key.ptr) key.ptr = "";
  uint64_t h = mm_hash(key.ptr, key.len, m->seed);
  rate_shard *s = &m->shards[h % m->n_shards];
  int64_t sec = now / MM_TIME_US_PER_SEC;
  int rc = MM_OK;
  pthread_mutex_lock(&s->lock);
  rate_entry *e = find(s, key, h);
  if (e) {
    lru_unlink(s, e);
    lru_push(s, e);
  } else if ((e = insert(s, key, h)) != NULL) {
    e->head_sec = sec;
  }
  if (!e || ring_grow(e, window_sec) != MM_OK) {
    rc = MM_ENOMEM;
  } else {
    ring_advance(e, sec);
    ring_add(e, sec);
    *count = ring_count(e, sec, window_sec);
  }
  pthread_mutex_unlock(&s->lock);
  return rc;
}

static void memory_free(void *self) {
  rate_memory *m = self;
  if (!m) return;
  for (unsigned i = 0; i < m->n_shards; i++) {
    rate_shard *s = &m->shards[i];
    for (rate_entry *e = s->lru, *next; e; e = next) {
      next = e->next;
      entry_free(e);
    }
    mm_free(s->table);
    pthread_mutex_destroy(&s->lock);
  }
  mm_free(m);
}

static int shard_init(rate_shard *s, size_t max) {
  s->max = max;
  s->table_size = 16;
  while (s->table_size < 2 * max) s->table_size *= 2;
  s->table = mm_calloc(s->table_size, sizeof *s->table);
  if (!s->table) return MM_ENOMEM;
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    mm_free(s->table);
    s->table = NULL;
    return MM_ENOMEM;
  }
  return MM_OK;
}

mm_waf_rate_store *mm_waf_rate_store_memory(size_t max_keys) {
  if (max_keys == 0) max_keys = MM_WAF_RATE_DEFAULT_KEYS;
  rate_memory *m = mm_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->n_shards = max_keys < MM_WAF__RATE_SHARDED_FROM ? 1 : MM_WAF__RATE_SHARDS;
  size_t per = max_keys / m->n_shards, rem = max_keys % m->n_shards;
  for (unsigned i = 0; i < m->n_shards; i++)
    if (shard_init(&m->shards[i], per + (i < rem)) != MM_OK) {
      for (unsigned k = 0; k < i; k++) {
        mm_free(m->shards[k].table);
        pthread_mutex_destroy(&m->shards[k].lock);
      }
      mm_free(m);
      return NULL;
    }
  m->seed = mm_hash(&m, sizeof m, (uint64_t)mm_time_now());
  m->store = (mm_waf_rate_store){memory_add, memory_free, m};
  return &m->store;
}

void mm_waf_rate_store_free(mm_waf_rate_store *s) {
  if (s && s->free) s->free(s->self);
}
