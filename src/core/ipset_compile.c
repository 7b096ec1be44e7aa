/*
 * ipset_compile.c - turn an IP set builder's overlapping entries into the
 * compiled set: per family, sorted disjoint intervals with the value of the
 * most specific entry covering each, and a direct index over the top
 * address bits (layout and lookup in ip_internal.h).
 *
 * Flattening is a sweep over the address line. Entries sorted by first
 * address enter a min-heap ordered by specificity (fewest addresses, then
 * latest added) when the sweep reaches them; the heap's top is the entry
 * that decides the current point. An interval ends where the top entry ends
 * or where the next entry starts, whichever is first; entries that ended
 * are dropped lazily when they surface. Each entry adds at most two
 * boundaries, so there are at most 2n intervals, and the whole compile is
 * O(n log n): about 0.1 s for a million entries (docs/core/ip.md).
 * Neighbouring intervals with the same value merge: a lookup reports the
 * value, never which entry supplied it.
 *
 * Both families share the sweep, on 128-bit keys; IPv4 entries are radix
 * sorted (four byte passes, no comparisons), IPv6 ones with qsort.
 */
#include "ip_internal.h"
#include "mamori/alloc.h"
#include "mamori/limits.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(MM_IPSET_INDEX_BITS >= 1 && MM_IPSET_INDEX_BITS <= 28,
               "MM_IPSET_INDEX_BITS must be 1..28");

/* ---- sorting by first address -------------------------------------------- */

/* One counting pass on the byte at `shift`; false (nothing written) when all
 * entries share that byte, so the pass can be skipped. */
static bool radix_pass(const mm__ip_entry4 *src, mm__ip_entry4 *dst, size_t n, unsigned shift) {
  size_t count[256] = {0}, pos = 0;
  for (size_t i = 0; i < n; i++) count[(src[i].first >> shift) & 0xff]++;
  if (count[(src[0].first >> shift) & 0xff] == n) return false;
  for (int b = 0; b < 256; b++) {
    size_t c = count[b];
    count[b] = pos;
    pos += c;
  }
  for (size_t i = 0; i < n; i++) dst[count[(src[i].first >> shift) & 0xff]++] = src[i];
  return true;
}

/* LSD radix sort: O(n), ~10x faster than qsort on a million entries. */
static int sort_v4(mm__ip_entry4 *e, size_t n) {
  mm__ip_entry4 *tmp, *src = e, *dst;
  if (n < 2) return MM_OK;
  if (!(tmp = mm_malloc(n * sizeof(*tmp)))) return MM_ENOMEM;
  dst = tmp;
  for (unsigned shift = 0; shift < 32; shift += 8) {
    if (!radix_pass(src, dst, n, shift)) continue;
    mm__ip_entry4 *swap = src;
    src = dst;
    dst = swap;
  }
  if (src != e) memcpy(e, src, n * sizeof(*e));
  mm_free(tmp);
  return MM_OK;
}

static int compare_v6(const void *a, const void *b) {
  const mm__ip_entry6 *x = a, *y = b;
  if (mm__ip_key_lt(x->first, y->first)) return -1;
  return mm__ip_key_lt(y->first, x->first) ? 1 : 0;
}

/* ---- the sweep's heap ---------------------------------------------------- */

typedef struct sweep_item {
  mm__ip_key span; /* last - first: fewer addresses is more specific */
  mm__ip_key last; /* the entry's last address */
  uint32_t value;  /* the entry's value */
  uint32_t seq;    /* order of addition: the later entry wins a tie */
} sweep_item;

typedef struct sweep_heap {
  sweep_item *item; /* binary min-heap, the most specific entry on top */
  size_t n;         /* items in the heap */
  size_t cap;       /* items allocated */
} sweep_heap;

static bool more_specific(const sweep_item *a, const sweep_item *b) {
  if (!mm__ip_key_eq(a->span, b->span)) return mm__ip_key_lt(a->span, b->span);
  return a->seq > b->seq;
}

static int heap_push(sweep_heap *h, sweep_item it) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    sweep_item *p = mm_realloc(h->item, cap * sizeof(*p));
    if (!p) return MM_ENOMEM;
    h->item = p;
    h->cap = cap;
  }
  size_t i = h->n++;
  for (; i > 0 && more_specific(&it, &h->item[(i - 1) / 2]); i = (i - 1) / 2)
    h->item[i] = h->item[(i - 1) / 2];
  h->item[i] = it;
  return MM_OK;
}

static void heap_pop(sweep_heap *h) {
  sweep_item moved = h->item[--h->n];
  size_t i = 0, c;
  if (h->n == 0) return;
  while ((c = 2 * i + 1) < h->n) {
    if (c + 1 < h->n && more_specific(&h->item[c + 1], &h->item[c])) c++;
    if (!more_specific(&h->item[c], &moved)) break;
    h->item[i] = h->item[c];
    i = c;
  }
  h->item[i] = moved;
}

/* ---- the sweep ------------------------------------------------------------ */

typedef struct sweep_src {
  const mm__ip_entry4 *v4; /* sorted IPv4 entries, or NULL */
  const mm__ip_entry6 *v6; /* sorted IPv6 entries, when v4 is NULL */
  size_t n;                /* entries */
} sweep_src;

static mm__ip_key src_first(const sweep_src *s, size_t i) {
  if (s->v4) return (mm__ip_key){0, s->v4[i].first};
  return s->v6[i].first;
}

static sweep_item src_item(const sweep_src *s, size_t i) {
  if (s->v4) {
    const mm__ip_entry4 *e = &s->v4[i];
    return (sweep_item){{0, e->last - e->first}, {0, e->last}, e->value, e->seq};
  }
  const mm__ip_entry6 *e = &s->v6[i];
  return (sweep_item){mm__ip_key_sub(e->last, e->first), e->last, e->value, e->seq};
}

typedef struct sweep_out {
  mm__ip_table4 *t4;    /* the table written, or NULL */
  mm__ip_table6 *t6;    /* the table written when t4 is NULL */
  uint32_t prev_value;  /* value of the last interval written */
  mm__ip_key prev_last; /* its last address */
} sweep_out;

/* Write interval [first, last] = value at slot n of the output table (the
 * last slot again when merging). IPv4 keys fit in key.lo. */
static void put_interval(sweep_out *o, size_t n, mm__ip_key first, mm__ip_key last,
                         uint32_t value) {
  if (o->t4) {
    o->t4->iv[n] = (mm__ip_iv4){(uint32_t)first.lo, (uint32_t)last.lo, value};
    o->t4->count = n + 1;
  } else {
    o->t6->iv[n] = (mm__ip_iv6){first, last, value};
    o->t6->count = n + 1;
  }
}

/* Append [first, last] = value, or widen the previous interval when the two
 * touch and agree. The arrays hold 2n slots: always enough. */
static void emit(sweep_out *o, mm__ip_key first, mm__ip_key last, uint32_t value) {
  size_t n = o->t4 ? o->t4->count : o->t6->count;
  if (n > 0 && value == o->prev_value && mm__ip_key_eq(mm__ip_key_inc(o->prev_last), first)) {
    n--; /* rewrite the previous interval from its own start */
    first = o->t4 ? (mm__ip_key){0, o->t4->iv[n].first} : o->t6->iv[n].first;
  }
  put_interval(o, n, first, last, value);
  o->prev_value = value;
  o->prev_last = last;
}

/* Push every entry that starts at or before p. */
static int push_started(const sweep_src *src, size_t *i, mm__ip_key p, sweep_heap *h) {
  for (; *i < src->n && !mm__ip_key_lt(p, src_first(src, *i)); (*i)++)
    if (heap_push(h, src_item(src, *i)) != MM_OK) return MM_ENOMEM;
  return MM_OK;
}

static int sweep(const sweep_src *src, sweep_out *out) {
  static const mm__ip_key top = {UINT64_MAX, UINT64_MAX};
  sweep_heap h = {NULL, 0, 0};
  mm__ip_key p = {0, 0};
  size_t i = 0;
  int rc = MM_OK;
  while (i < src->n || h.n > 0) {
    if (h.n == 0) p = src_first(src, i); /* skip the gap to the next entry */
    if ((rc = push_started(src, &i, p, &h)) != MM_OK) break;
    while (h.n > 0 && mm__ip_key_lt(h.item[0].last, p)) heap_pop(&h);
    if (h.n == 0) continue;
    mm__ip_key end = h.item[0].last;
    if (i < src->n && mm__ip_key_lt(mm__ip_key_dec(src_first(src, i)), end))
      end = mm__ip_key_dec(src_first(src, i));
    emit(out, p, end, h.item[0].value);
    if (mm__ip_key_eq(end, top)) break; /* the end of the IPv6 space */
    p = mm__ip_key_inc(end);
  }
  mm_free(h.item);
  return rc;
}

/* ---- tables ------------------------------------------------------------------ */

/* p (cap bytes) cut to used bytes, or p itself when realloc fails; the size
 * kept is added to *bytes. */
static void *shrink(void *p, size_t cap, size_t used, size_t *bytes) {
  void *q = used < cap ? mm_realloc(p, used) : NULL;
  *bytes += q ? used : cap;
  return q ? q : p;
}

/* About one interval per bucket: the binary search then takes 0-2 steps. */
static unsigned index_bits(size_t count) {
  unsigned bits = 1;
  while (bits < MM_IPSET_INDEX_BITS && ((size_t)1 << bits) < count) bits++;
  return bits;
}

/* Rounds of halving that bring the largest bucket down to one interval. */
static unsigned search_steps(const uint32_t *index, size_t buckets) {
  size_t largest = 0;
  unsigned steps = 0;
  for (size_t b = 0; b < buckets; b++)
    if (index[b + 1] - index[b] > largest) largest = index[b + 1] - index[b];
  while (((size_t)1 << steps) < largest) steps++;
  return steps;
}

static int index4_build(mm__ip_table4 *t, size_t *bytes) {
  size_t buckets, k = 0;
  t->bits = index_bits(t->count);
  buckets = (size_t)1 << t->bits;
  if (!(t->index = mm_malloc((buckets + 1) * sizeof(*t->index)))) return MM_ENOMEM;
  *bytes += (buckets + 1) * sizeof(*t->index);
  for (size_t b = 0; b <= buckets; b++) {
    while (k < t->count && (t->iv[k].first >> (32 - t->bits)) < b) k++;
    t->index[b] = (uint32_t)k;
  }
  t->steps = search_steps(t->index, buckets);
  return MM_OK;
}

static int index6_build(mm__ip_table6 *t, size_t *bytes) {
  size_t buckets, k = 0;
  t->bits = index_bits(t->count);
  buckets = (size_t)1 << t->bits;
  if (!(t->index = mm_malloc((buckets + 1) * sizeof(*t->index)))) return MM_ENOMEM;
  *bytes += (buckets + 1) * sizeof(*t->index);
  for (size_t b = 0; b <= buckets; b++) {
    while (k < t->count && (t->iv[k].first.hi >> (64 - t->bits)) < b) k++;
    t->index[b] = (uint32_t)k;
  }
  t->steps = search_steps(t->index, buckets);
  return MM_OK;
}

static int table4_build(mm__ip_entry4 *e, size_t n, mm__ip_table4 *t, size_t *bytes) {
  int rc;
  if (n == 0) return MM_OK;
  if ((rc = sort_v4(e, n)) != MM_OK) return rc;
  if (!(t->iv = mm_malloc((2 * n + 1) * sizeof(*t->iv)))) return MM_ENOMEM;
  sweep_src src = {e, NULL, n};
  sweep_out out = {t, NULL, 0, {0, 0}};
  if ((rc = sweep(&src, &out)) != MM_OK) return rc;
  t->iv[t->count] = (mm__ip_iv4){UINT32_MAX, 0, 0}; /* the sentinel */
  t->iv = shrink(t->iv, (2 * n + 1) * sizeof(*t->iv), (t->count + 1) * sizeof(*t->iv), bytes);
  return index4_build(t, bytes);
}

static int table6_build(mm__ip_entry6 *e, size_t n, mm__ip_table6 *t, size_t *bytes) {
  int rc;
  if (n == 0) return MM_OK;
  qsort(e, n, sizeof(*e), compare_v6);
  if (!(t->iv = mm_malloc((2 * n + 1) * sizeof(*t->iv)))) return MM_ENOMEM;
  sweep_src src = {NULL, e, n};
  sweep_out out = {NULL, t, 0, {0, 0}};
  if ((rc = sweep(&src, &out)) != MM_OK) return rc;
  t->iv[t->count] = (mm__ip_iv6){{UINT64_MAX, UINT64_MAX}, {0, 0}, 0}; /* the sentinel */
  t->iv = shrink(t->iv, (2 * n + 1) * sizeof(*t->iv), (t->count + 1) * sizeof(*t->iv), bytes);
  return index6_build(t, bytes);
}

mm_ipset *mm_ipset_compile(mm_ipset_builder *b, mm_error *err) {
  mm_ipset *s = mm_calloc(1, sizeof(*s));
  int rc = MM_ENOMEM;
  if (!s) goto out;
  s->entries = b->n4 + b->n6;
  s->bytes = sizeof(*s);
  if ((rc = table4_build(b->v4, b->n4, &s->v4, &s->bytes)) != MM_OK) goto out;
  rc = table6_build(b->v6, b->n6, &s->v6, &s->bytes);
out:
  if (rc == MM_OK) return s;
  mm_ipset_free(s);
  mm_error_set(err, rc, "out of memory compiling an IP set of %zu entries", b->n4 + b->n6);
  return NULL;
}
