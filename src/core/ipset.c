/*
 * ipset.c - the prefix set's builder and lookups.
 *
 * The builder collects entries: CIDR blocks (AWS WAF IPSet Addresses, IAM
 * aws:SourceIp values, GuardDuty threat lists) and inclusive ranges (GeoIP
 * databases such as tor's geoip files are "first,last,country" rows), each
 * with a caller's 32-bit value. It keeps IPv4 entries in 16 bytes and IPv6
 * ones in 40; entries inside ::ffff:0:0/96 are stored as the IPv4 entries
 * they spell, so that both spellings of an IPv4 client match them.
 *
 * ipset_compile.c turns the entries into sorted disjoint intervals per
 * family (layout in ip_internal.h). A lookup here is one read of the direct
 * index by the address's top bits and a fixed-round binary search over the
 * few intervals of that bucket; a batch does the same for groups of
 * addresses with their memory reads overlapped. Lookups never allocate and
 * never write, so any number of threads may share one compiled set.
 */
#include "ip_internal.h"
#include "mamori/alloc.h"
#include "mamori/limits.h"

#include <string.h>

/* Interval counts (<= 2 per entry) and seq numbers must fit in uint32_t. */
_Static_assert(MM_IPSET_MAX_PREFIXES <= UINT32_MAX / 2, "MM_IPSET_MAX_PREFIXES too large");

mm_ipset_builder *mm_ipset_builder_new(void) { return mm_calloc(1, sizeof(mm_ipset_builder)); }

void mm_ipset_builder_free(mm_ipset_builder *b) {
  if (!b) return;
  mm_free(b->v4);
  mm_free(b->v6);
  mm_free(b);
}

size_t mm_ipset_builder_count(const mm_ipset_builder *b) { return b->n4 + b->n6; }

/* arr with room for used + 1 elements of size elem: arr itself, a larger
 * copy (and *cap updated), or NULL when memory runs out (arr untouched). */
static void *grow(void *arr, size_t *cap, size_t used, size_t elem) {
  if (used < *cap) return arr;
  size_t n = *cap ? *cap * 2 : 64;
  void *p = mm_realloc(arr, n * elem);
  if (p) *cap = n;
  return p;
}

static int check_room(const mm_ipset_builder *b, mm_error *err) {
  if (b->seq < MM_IPSET_MAX_PREFIXES) return MM_OK;
  return mm_error_set(err, MM_ELIMIT, "IP set is full: %zu entries (MM_IPSET_MAX_PREFIXES)",
                      (size_t)MM_IPSET_MAX_PREFIXES);
}

static int push_v4(mm_ipset_builder *b, uint32_t first, uint32_t last, uint32_t value,
                   mm_error *err) {
  int rc = check_room(b, err);
  if (rc != MM_OK) return rc;
  mm__ip_entry4 *v4 = grow(b->v4, &b->cap4, b->n4, sizeof(*v4));
  if (!v4) return mm_error_set(err, MM_ENOMEM, "out of memory adding to an IP set");
  b->v4 = v4;
  b->v4[b->n4++] = (mm__ip_entry4){first, last, value, b->seq++};
  return MM_OK;
}

static int push_v6(mm_ipset_builder *b, const mm_ip_addr *first, const mm_ip_addr *last,
                   uint32_t value, mm_error *err) {
  int rc = check_room(b, err);
  if (rc != MM_OK) return rc;
  mm__ip_entry6 *v6 = grow(b->v6, &b->cap6, b->n6, sizeof(*v6));
  if (!v6) return mm_error_set(err, MM_ENOMEM, "out of memory adding to an IP set");
  b->v6 = v6;
  b->v6[b->n6++] = (mm__ip_entry6){mm__ip_key_from_bytes(first->bytes),
                                   mm__ip_key_from_bytes(last->bytes), value, b->seq++};
  return MM_OK;
}

/* first..last, already checked: IPv4 when both ends are IPv4 or mapped. */
static int push_bounds(mm_ipset_builder *b, const mm_ip_addr *first, const mm_ip_addr *last,
                       uint32_t value, mm_error *err) {
  mm_ip_addr f = mm_ip_unmap(first), l = mm_ip_unmap(last);
  if (f.family == MM_IP_V4 && l.family == MM_IP_V4)
    return push_v4(b, mm_ip_v4_value(&f), mm_ip_v4_value(&l), value, err);
  return push_v6(b, first, last, value, err);
}

int mm_ipset_add_cidr(mm_ipset_builder *b, const mm_cidr *c, uint32_t value, mm_error *err) {
  mm_ip_addr first, last;
  unsigned width = c->addr.family == MM_IP_V4 ? 32 : 128;
  if ((c->addr.family != MM_IP_V4 && c->addr.family != MM_IP_V6) || c->len > width)
    return mm_error_set(err, MM_EINVAL, "malformed CIDR block: no family, or a length past 32/128");
  /* A block containing ::ffff:0:0/96 (::/0, ::/80) has one end outside it
   * and so stays IPv6: it does not match IPv4 clients (see mamori/ip.h). */
  mm_cidr_bounds(c, &first, &last);
  return push_bounds(b, &first, &last, value, err);
}

int mm_ipset_add_range(mm_ipset_builder *b, const mm_ip_addr *first, const mm_ip_addr *last,
                       uint32_t value, mm_error *err) {
  if (first->family != last->family || (first->family != MM_IP_V4 && first->family != MM_IP_V6))
    return mm_error_set(err, MM_EINVAL, "a range's ends must both be IPv4 or IPv6");
  if (mm_ip_compare(last, first) < 0)
    return mm_error_set(err, MM_EINVAL, "range ends before it starts");
  if (mm_ip_is_v4_mapped(first) != mm_ip_is_v4_mapped(last))
    return mm_error_set(err, MM_EINVAL, "range crosses the edge of ::ffff:0:0/96; split it there");
  return push_bounds(b, first, last, value, err);
}

int mm_ipset_add_text(mm_ipset_builder *b, const char *text, size_t len, unsigned cidr_flags,
                      uint32_t value, mm_error *err) {
  mm_ip_addr first, last;
  mm_cidr c;
  int rc;
  if (text && len && memchr(text, '-', len)) {
    if ((rc = mm_ip_range_parse(text, len, &first, &last, err)) != MM_OK) return rc;
    return mm_ipset_add_range(b, &first, &last, value, err);
  }
  if ((rc = mm_cidr_parse(text, len, cidr_flags, &c, err)) != MM_OK) return rc;
  return mm_ipset_add_cidr(b, &c, value, err);
}

/* ---- lookups ------------------------------------------------------------------ */

/* Lookups follow the plan at the top of ip_internal.h: a fixed number of
 * search rounds per set and selects in place of branches where the
 * compiler agrees, so that the CPU can keep several lookups' memory reads
 * in flight. On a set larger than the caches a lookup is two dependent
 * reads from DRAM; batches overlap those reads explicitly. */

/* Search bucket iv[lo..lo+n) of t for x: true and *value when x is in the
 * set, else false and 0. */
static inline bool search4(const mm__ip_table4 *t, uint32_t x, size_t lo, size_t n,
                           uint32_t *value) {
  const mm__ip_iv4 *base = t->iv + lo;
  for (unsigned i = 0; i < t->steps; i++) {
    size_t half = n / 2;
    base = base[half].first <= x ? base + half : base;
    n -= half;
  }
  /* k intervals start at or below x; the last of them may hold it. */
  size_t k = (size_t)(base - t->iv) + ((n != 0) & (base->first <= x));
  const mm__ip_iv4 *iv = t->iv + k - (k != 0);
  bool hit = (k != 0) & (x <= iv->last);
  *value = hit ? iv->value : 0;
  return hit;
}

bool mm_ipset_lookup_v4(const mm_ipset *s, uint32_t x, uint32_t *value) {
  const mm__ip_table4 *t = &s->v4;
  uint32_t v = 0;
  bool hit = false;
  if (t->count > 0) {
    uint32_t bucket = x >> (32 - t->bits);
    hit = search4(t, x, t->index[bucket], t->index[bucket + 1] - t->index[bucket], &v);
  }
  if (value) *value = v;
  return hit;
}

/* One group of a batch, in three passes so that the memory reads of all
 * its lookups overlap: prefetch each index slot; read the slots and
 * prefetch the intervals they point at; search, by then from cache. */
static size_t batch4_group(const mm__ip_table4 *t, const uint32_t *x, size_t m, uint32_t *values,
                           bool *found) {
  size_t lo[MM__IPSET_GROUP], n[MM__IPSET_GROUP], hits = 0;
  unsigned shift = 32 - t->bits;
  for (size_t j = 0; j < m; j++) MM__PREFETCH(&t->index[x[j] >> shift]);
  for (size_t j = 0; j < m; j++) {
    uint32_t bucket = x[j] >> shift;
    lo[j] = t->index[bucket];
    n[j] = t->index[bucket + 1] - lo[j];
    MM__PREFETCH(&t->iv[lo[j] - (lo[j] != 0)]);
    MM__PREFETCH(&t->iv[lo[j] + n[j] / 2]);
  }
  for (size_t j = 0; j < m; j++) {
    uint32_t v;
    bool hit = search4(t, x[j], lo[j], n[j], &v);
    if (values) values[j] = v;
    if (found) found[j] = hit;
    hits += hit;
  }
  return hits;
}

size_t mm_ipset_lookup_v4_batch(const mm_ipset *s, const uint32_t *addrs, size_t n,
                                uint32_t *values, bool *found) {
  size_t hits = 0;
  if (s->v4.count == 0) {
    if (values) memset(values, 0, n * sizeof(*values));
    if (found) memset(found, 0, n * sizeof(*found));
    return 0;
  }
  for (size_t i = 0; i < n; i += MM__IPSET_GROUP) {
    size_t m = n - i < MM__IPSET_GROUP ? n - i : MM__IPSET_GROUP;
    hits +=
        batch4_group(&s->v4, addrs + i, m, values ? values + i : NULL, found ? found + i : NULL);
  }
  return hits;
}

static bool lookup_v6(const mm_ipset *s, mm__ip_key x, uint32_t *value) {
  const mm__ip_table6 *t = &s->v6;
  if (t->count == 0) return value ? (*value = 0, false) : false;
  uint64_t bucket = x.hi >> (64 - t->bits);
  size_t lo = t->index[bucket], n = t->index[bucket + 1] - lo;
  const mm__ip_iv6 *base = t->iv + lo;
  for (unsigned i = 0; i < t->steps; i++) {
    size_t half = n / 2;
    base = mm__ip_key_lt(x, base[half].first) ? base : base + half;
    n -= half;
  }
  size_t k = (size_t)(base - t->iv) + ((n != 0) & !mm__ip_key_lt(x, base->first));
  const mm__ip_iv6 *iv = t->iv + k - (k != 0);
  bool hit = (k != 0) & !mm__ip_key_lt(iv->last, x);
  if (value) *value = hit ? iv->value : 0;
  return hit;
}

bool mm_ipset_lookup(const mm_ipset *s, const mm_ip_addr *a, uint32_t *value) {
  if (a->family == MM_IP_V4 || mm_ip_is_v4_mapped(a))
    return mm_ipset_lookup_v4(s, mm_ip_v4_value(a), value);
  if (a->family != MM_IP_V6) return value ? (*value = 0, false) : false;
  return lookup_v6(s, mm__ip_key_from_bytes(a->bytes), value);
}

bool mm_ipset_contains(const mm_ipset *s, const mm_ip_addr *a) {
  return mm_ipset_lookup(s, a, NULL);
}

int mm_ipset_contains_text(const mm_ipset *s, const char *text, size_t len, bool *found,
                           uint32_t *value, mm_error *err) {
  mm_ip_addr a;
  int rc = mm_ip_parse(text, len, &a, err);
  if (rc != MM_OK) return rc;
  bool hit = mm_ipset_lookup(s, &a, value);
  if (found) *found = hit;
  return MM_OK;
}

/* ---- the compiled set's lifetime and figures ----------------------------------- */

void mm_ipset_free(mm_ipset *s) {
  if (!s) return;
  mm_free(s->v4.index);
  mm_free(s->v4.iv);
  mm_free(s->v6.index);
  mm_free(s->v6.iv);
  mm_free(s);
}

size_t mm_ipset_memory(const mm_ipset *s) { return s->bytes; }

void mm_ipset_get_stats(const mm_ipset *s, mm_ipset_stats *out) {
  out->entries = s->entries;
  out->v4_intervals = s->v4.count;
  out->v6_intervals = s->v6.count;
  out->v4_index_bits = s->v4.count ? s->v4.bits : 0;
  out->v6_index_bits = s->v6.count ? s->v6.bits : 0;
  out->bytes = s->bytes;
}
