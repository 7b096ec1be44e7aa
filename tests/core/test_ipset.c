/*
 * test_ipset.c - the prefix set: nested prefixes and the most specific
 * value, /0, /32 and /128, ranges, duplicates, IPv4-mapped addresses and
 * blocks, block edges (first and last address, and the addresses just
 * outside), a randomized cross-check against a brute-force model over
 * thousands of entries and lookups, allocation-failure injection over
 * building and compiling, and concurrent readers of one compiled set.
 *
 * Semantics under test (mamori/ip.h): a lookup reports the value of the
 * entry with the fewest addresses that holds the address, the later-added
 * one on a tie; IPv4-mapped addresses and blocks inside ::ffff:0:0/96 are
 * IPv4; IPv6 blocks merely containing that block never match IPv4.
 */
#include "mamori/ip.h"
#include "test.h"

#include <pthread.h>

/* ---- helpers ---------------------------------------------------------------- */

static mm_ip_addr ip(const char *s) {
  mm_ip_addr a;
  mm_error err;
  if (mm_ip_parse(s, strlen(s), &a, &err) != MM_OK) MM_TEST_FAIL("%s: %s", s, err.msg);
  return a;
}

static void add(mm_ipset_builder *b, const char *text, uint32_t value) {
  mm_error err;
  if (mm_ipset_add_text(b, text, strlen(text), MM_CIDR_STRICT, value, &err) != MM_OK)
    MM_TEST_FAIL("add %s: %s", text, err.msg);
}

static mm_ipset *compile(mm_ipset_builder *b) {
  mm_error err;
  mm_ipset *s = mm_ipset_compile(b, &err);
  if (!s) MM_TEST_FAIL("compile: %s", err.msg);
  return s;
}

/* -1 when text is not in s, else its value; every lookup entry point
 * must agree. */
static long find(const mm_ipset *s, const char *text) {
  uint32_t v = 0, v2 = 0;
  bool found = false;
  mm_error err;
  if (mm_ipset_contains_text(s, text, strlen(text), &found, &v, &err) != MM_OK)
    MM_TEST_FAIL("lookup %s: %s", text, err.msg);
  mm_ip_addr a = ip(text);
  ASSERT_EQ(mm_ipset_contains(s, &a), found);
  ASSERT_EQ(mm_ipset_lookup(s, &a, &v2), found);
  if (found) ASSERT_EQ(v2, v);
  return found ? (long)v : -1;
}

#define ASSERT_FIND(s, text, want) ASSERT_EQ(find((s), (text)), (want))

/* ---- semantics ------------------------------------------------------------------ */

TEST(nested_prefixes_most_specific_wins) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "10.0.0.0/8", 1);
  add(b, "10.1.0.0/16", 2);
  add(b, "10.1.2.0/24", 3);
  add(b, "10.1.2.3/32", 4);
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "10.0.0.0", 1);       /* first of the /8 */
  ASSERT_FIND(s, "10.255.255.255", 1); /* last of the /8 */
  ASSERT_FIND(s, "9.255.255.255", -1); /* just below */
  ASSERT_FIND(s, "11.0.0.0", -1);      /* just above */
  ASSERT_FIND(s, "10.0.255.255", 1);   /* just below the /16 */
  ASSERT_FIND(s, "10.1.0.0", 2);
  ASSERT_FIND(s, "10.1.255.255", 2);
  ASSERT_FIND(s, "10.2.0.0", 1); /* just above the /16 */
  ASSERT_FIND(s, "10.1.1.255", 2);
  ASSERT_FIND(s, "10.1.2.0", 3);
  ASSERT_FIND(s, "10.1.2.2", 3);
  ASSERT_FIND(s, "10.1.2.3", 4);
  ASSERT_FIND(s, "10.1.2.4", 3);
  ASSERT_FIND(s, "10.1.2.255", 3);
  ASSERT_FIND(s, "10.1.3.0", 2);
  ASSERT_FIND(s, "2001:db8::1", -1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(order_of_addition_does_not_matter) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "10.1.2.3/32", 4); /* the reverse of the test above */
  add(b, "10.1.2.0/24", 3);
  add(b, "10.1.0.0/16", 2);
  add(b, "10.0.0.0/8", 1);
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "10.1.2.3", 4);
  ASSERT_FIND(s, "10.1.2.4", 3);
  ASSERT_FIND(s, "10.1.3.0", 2);
  ASSERT_FIND(s, "10.2.0.0", 1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(zero_length_and_host_prefixes) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "0.0.0.0/0", 7);
  add(b, "0.0.0.0/32", 8);
  add(b, "255.255.255.255/32", 9);
  add(b, "::/0", 17);
  add(b, "::/128", 18);
  add(b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 19);
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "0.0.0.0", 8);
  ASSERT_FIND(s, "0.0.0.1", 7);
  ASSERT_FIND(s, "128.0.0.0", 7);
  ASSERT_FIND(s, "255.255.255.254", 7);
  ASSERT_FIND(s, "255.255.255.255", 9);
  ASSERT_FIND(s, "::", 18);
  ASSERT_FIND(s, "::1", 17);
  ASSERT_FIND(s, "8000::", 17);
  ASSERT_FIND(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 17);
  ASSERT_FIND(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 19);
  /* ::/0 is IPv6 only: the mapped spelling of an IPv4 client is IPv4. */
  ASSERT_FIND(s, "::ffff:1.2.3.4", 7);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(single_host_blocks_at_their_edges) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "192.0.2.44/32", 1); /* AWS WAF IPSet example */
  add(b, "1111:0000:0000:0000:0000:0000:0000:0111/128", 2);
  add(b, "1111:0000:0000:0000:0000:0000:0000:0000/64", 3);
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "192.0.2.43", -1);
  ASSERT_FIND(s, "192.0.2.44", 1);
  ASSERT_FIND(s, "192.0.2.45", -1);
  ASSERT_FIND(s, "1111::110", 3);
  ASSERT_FIND(s, "1111::111", 2);
  ASSERT_FIND(s, "1111::112", 3);
  ASSERT_FIND(s, "1111::", 3);
  ASSERT_FIND(s, "1111:0:0:0:ffff:ffff:ffff:ffff", 3);
  ASSERT_FIND(s, "1111:0:0:1::", -1);
  ASSERT_FIND(s, "1110:ffff:ffff:ffff:ffff:ffff:ffff:ffff", -1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(duplicates_later_wins_a_tie) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "198.51.100.0/24", 1);
  add(b, "198.51.100.0/24", 2);
  add(b, "198.51.100.0/24", 3);
  add(b, "2001:db8::/32", 5);
  add(b, "2001:db8::/32", 4);
  /* A range as wide as a prefix ties with it too. */
  add(b, "203.0.113.0/24", 6);
  add(b, "203.0.113.0-203.0.113.255", 7);
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "198.51.100.77", 3);
  ASSERT_FIND(s, "2001:db8:1::", 4);
  ASSERT_FIND(s, "203.0.113.1", 7);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(ranges_narrowest_wins) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "192.0.2.0/24", 1);
  add(b, "192.0.2.10-192.0.2.20", 2); /* 11 addresses: narrower than the /24 */
  add(b, "192.0.2.15-192.0.2.40", 3); /* 26: wider than range 2, narrower than /24 */
  add(b, "192.0.2.16/30", 4);         /* 4: narrowest of all */
  add(b, "192.0.1.250-192.0.3.5", 5); /* 268: wider than the /24 it straddles */
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "192.0.1.249", -1);
  ASSERT_FIND(s, "192.0.1.250", 5);
  ASSERT_FIND(s, "192.0.1.255", 5);
  ASSERT_FIND(s, "192.0.2.0", 1);
  ASSERT_FIND(s, "192.0.2.9", 1);
  ASSERT_FIND(s, "192.0.2.10", 2);
  ASSERT_FIND(s, "192.0.2.14", 2);
  ASSERT_FIND(s, "192.0.2.15", 2);
  ASSERT_FIND(s, "192.0.2.16", 4);
  ASSERT_FIND(s, "192.0.2.19", 4);
  ASSERT_FIND(s, "192.0.2.20", 2);
  ASSERT_FIND(s, "192.0.2.21", 3);
  ASSERT_FIND(s, "192.0.2.40", 3);
  ASSERT_FIND(s, "192.0.2.41", 1);
  ASSERT_FIND(s, "192.0.2.255", 1);
  ASSERT_FIND(s, "192.0.3.0", 5);
  ASSERT_FIND(s, "192.0.3.5", 5);
  ASSERT_FIND(s, "192.0.3.6", -1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(range_api_and_whole_spaces) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  mm_ip_addr lo = mm_ip_from_v4(0), hi = mm_ip_from_v4(0xffffffff);
  ASSERT_EQ(mm_ipset_add_range(b, &lo, &hi, 1, NULL), MM_OK);
  mm_ip_addr lo6 = ip("::"), hi6 = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  ASSERT_EQ(mm_ipset_add_range(b, &lo6, &hi6, 2, NULL), MM_OK);
  mm_ip_addr a = ip("1.2.3.4"), z = ip("1.2.3.3");
  ASSERT_EQ(mm_ipset_add_range(b, &a, &a, 3, NULL), MM_OK);
  mm_error err;
  ASSERT_EQ(mm_ipset_add_range(b, &a, &z, 4, &err), MM_EINVAL);   /* backwards */
  ASSERT_EQ(mm_ipset_add_range(b, &a, &hi6, 4, &err), MM_EINVAL); /* mixed */
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "0.0.0.0", 1);
  ASSERT_FIND(s, "255.255.255.255", 1);
  ASSERT_FIND(s, "1.2.3.4", 3);
  ASSERT_FIND(s, "::", 2);
  ASSERT_FIND(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2);
  mm_ipset_stats st;
  mm_ipset_get_stats(s, &st);
  ASSERT_EQ(st.entries, 3);
  ASSERT_EQ(st.v4_intervals, 3); /* below, at and above 1.2.3.4 */
  ASSERT_EQ(st.v6_intervals, 1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(v4_mapped_matches_ipv4_both_ways) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "203.0.113.0/24", 1);                    /* an IPv4 block list ... */
  add(b, "::ffff:198.51.100.0/120", 2);           /* ... and a block written mapped */
  add(b, "::ffff:192.0.2.0-::ffff:192.0.2.9", 3); /* a mapped range */
  add(b, "2001:db8::/32", 4);
  mm_ipset *s = compile(b);
  /* The mapped spelling cannot dodge the IPv4 list. */
  ASSERT_FIND(s, "203.0.113.9", 1);
  ASSERT_FIND(s, "::ffff:203.0.113.9", 1);
  ASSERT_FIND(s, "::FFFF:CB00:7109", 1);
  ASSERT_FIND(s, "0:0:0:0:0:ffff:203.0.113.9", 1);
  ASSERT_FIND(s, "::ffff:203.0.114.0", -1);
  /* A mapped block matches both spellings of the client. */
  ASSERT_FIND(s, "198.51.100.7", 2);
  ASSERT_FIND(s, "::ffff:198.51.100.7", 2);
  ASSERT_FIND(s, "198.51.101.0", -1);
  ASSERT_FIND(s, "192.0.2.9", 3);
  ASSERT_FIND(s, "192.0.2.10", -1);
  /* IPv4-compatible (::a.b.c.d) and other IPv6 are not IPv4. */
  ASSERT_FIND(s, "::203.0.113.9", -1);
  ASSERT_FIND(s, "2001:db8::203.0.113.9", 4);
  mm_ipset_stats st;
  mm_ipset_get_stats(s, &st);
  ASSERT_EQ(st.v6_intervals, 1); /* only 2001:db8::/32 is IPv6 */
  mm_ip_addr m = ip("::ffff:203.0.113.200");
  uint32_t v = 0;
  ASSERT_TRUE(mm_ipset_lookup(s, &m, &v));
  ASSERT_EQ(v, 1);
  ASSERT_TRUE(mm_ipset_lookup_v4(s, 0xcb0071c8, &v));
  mm_ipset_free(s);
  /* A range with only one end in ::ffff:0:0/96 is refused. */
  mm_error err;
  const char *cross = "::fffe:ffff:ffff-::ffff:1.2.3.4";
  ASSERT_EQ(mm_ipset_add_text(b, cross, strlen(cross), 0, 9, &err), MM_EINVAL);
  /* The whole mapped block is the whole IPv4 space. */
  add(b, "::ffff:0:0/96", 5);
  s = compile(b);
  ASSERT_FIND(s, "0.0.0.0", 5);
  ASSERT_FIND(s, "255.255.255.255", 5);
  ASSERT_FIND(s, "203.0.113.9", 1);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(add_text_forms_and_errors) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  mm_error err;
  const char *bare = "203.0.113.5";
  ASSERT_EQ(mm_ipset_add_text(b, bare, strlen(bare), MM_CIDR_STRICT, 1, &err), MM_ESYNTAX);
  ASSERT_EQ(err.column, 12);
  ASSERT_EQ(mm_ipset_add_text(b, bare, strlen(bare), MM_CIDR_IAM, 1, &err), MM_OK);
  const char *hostbits = "2001:4860:4860::8888/32";
  ASSERT_EQ(mm_ipset_add_text(b, hostbits, strlen(hostbits), MM_CIDR_IAM, 2, &err), MM_OK);
  const char *zero = "0.0.0.0/0";
  ASSERT_EQ(mm_ipset_add_text(b, zero, strlen(zero), MM_CIDR_WAF, 3, &err), MM_ERANGE);
  const char *badrange = "10.0.0.1-10.0.0.256";
  ASSERT_EQ(mm_ipset_add_text(b, badrange, strlen(badrange), 0, 4, &err), MM_ERANGE);
  ASSERT_EQ(err.column, 17);
  ASSERT_EQ(mm_ipset_builder_count(b), 2); /* failures add nothing */
  mm_cidr bad = {mm_ip_from_v4(0), 33};
  ASSERT_EQ(mm_ipset_add_cidr(b, &bad, 0, &err), MM_EINVAL);
  ASSERT_EQ(err.line, 0); /* no position left over from the error before */
  ASSERT_EQ_STR(err.path, "");
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "203.0.113.5", 1);
  ASSERT_FIND(s, "203.0.113.6", -1);
  ASSERT_FIND(s, "2001:4860:ffff::1", 2);
  bool found = true;
  ASSERT_EQ(mm_ipset_contains_text(s, "1.2.3", 5, &found, NULL, &err), MM_ESYNTAX);
  ASSERT_EQ(err.column, 6);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(empty_set_and_reuse) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  mm_ipset *s = compile(b);
  ASSERT_FIND(s, "1.2.3.4", -1);
  ASSERT_FIND(s, "::1", -1);
  ASSERT_TRUE(mm_ipset_memory(s) > 0);
  uint32_t addrs[3] = {1, 2, 3}, values[3] = {9, 9, 9}, v = 9;
  bool found[3] = {true, true, true};
  ASSERT_EQ(mm_ipset_lookup_v4_batch(s, addrs, 3, values, found), 0);
  ASSERT_TRUE(!found[0] && !found[1] && !found[2] && values[0] == 0 && values[2] == 0);
  ASSERT_FALSE(mm_ipset_lookup_v4(s, 1, &v));
  ASSERT_EQ(v, 0); /* a miss sets the value to 0 */
  mm_ipset_free(s);
  add(b, "10.0.0.0/8", 1);
  mm_ipset *one = compile(b);
  add(b, "10.0.0.0/16", 2); /* the builder keeps going after a compile */
  mm_ipset *two = compile(b);
  ASSERT_FIND(one, "10.0.0.1", 1);
  ASSERT_FIND(two, "10.0.0.1", 2);
  ASSERT_FIND(two, "10.1.0.1", 1);
  mm_ipset_free(one);
  mm_ipset_free(two);
  mm_ipset_builder_free(b);
  mm_ipset_builder_free(NULL);
  mm_ipset_free(NULL);
}

TEST(adjacent_equal_values_merge_and_memory_is_counted) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  add(b, "10.0.0.0/25", 1);
  add(b, "10.0.0.128/25", 1); /* touches and agrees: one interval */
  add(b, "10.0.1.0/24", 2);   /* touches, differs: a second */
  add(b, "10.0.3.0/24", 2);   /* a gap: a third */
  mm_ipset *s = compile(b);
  mm_ipset_stats st;
  mm_ipset_get_stats(s, &st);
  ASSERT_EQ(st.v4_intervals, 3);
  ASSERT_EQ(st.v6_intervals, 0);
  ASSERT_EQ(st.bytes, mm_ipset_memory(s));
  /* Intervals (4 + 8 bytes each) and the 2^bits + 1 index slots at least. */
  ASSERT_TRUE(st.bytes >= 3 * 12 + (((size_t)1 << st.v4_index_bits) + 1) * 4);
  ASSERT_FIND(s, "10.0.2.0", -1);
  ASSERT_FIND(s, "10.0.3.255", 2);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

/* ---- randomized cross-check against a brute-force model -------------------- */

typedef struct key {
  uint64_t hi, lo;
} key; /* an address as a number */

static key key_of(const mm_ip_addr *a) {
  key k = {0, 0};
  for (int i = 0; i < 8; i++) {
    k.hi = k.hi << 8 | a->bytes[i];
    k.lo = k.lo << 8 | a->bytes[8 + i];
  }
  if (a->family == MM_IP_V4) k = (key){0, k.hi >> 32};
  return k;
}
/* A macro, not a function: the model's loop runs ~10^8 times under ASan. */
#define KEY_LE(a, b) ((a).hi < (b).hi || ((a).hi == (b).hi && (a).lo <= (b).lo))
static key key_sub(key a, key b) { return (key){a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo}; }

typedef struct model_entry {
  int family;      /* after unmapping */
  key first, last; /* inclusive */
  uint32_t value;
} model_entry;

typedef struct model {
  model_entry *e; /* in order of addition */
  size_t n;
} model;

/* The model's verdict, straight from the semantics in mamori/ip.h. */
static long model_lookup(const model *m, const mm_ip_addr *a) {
  mm_ip_addr x = mm_ip_unmap(a);
  key k = key_of(&x);
  long best = -1;
  key best_span = {0, 0};
  for (size_t i = 0; i < m->n; i++) {
    const model_entry *e = &m->e[i];
    if (e->family != x.family || !KEY_LE(e->first, k) || !KEY_LE(k, e->last)) continue;
    key span = key_sub(e->last, e->first);
    if (best < 0 || KEY_LE(span, best_span)) best = (long)e->value, best_span = span;
  }
  return best;
}

static void model_add(model *m, const mm_ip_addr *first, const mm_ip_addr *last, uint32_t value) {
  mm_ip_addr f = mm_ip_unmap(first), l = mm_ip_unmap(last);
  model_entry *e = &m->e[m->n++];
  if (f.family != l.family) f = *first, l = *last; /* a block around ::ffff:0:0/96 */
  *e = (model_entry){f.family, key_of(&f), key_of(&l), value};
}

/* An address near `base` (the cluster where entries overlap a lot). */
static mm_ip_addr random_addr(int family, bool mapped, uint32_t spread) {
  if (family == MM_IP_V4) {
    uint32_t v = mm_test_rng() % 8 == 0 ? (uint32_t)mm_test_rng()
                                        : 0x0a000000u + (uint32_t)(mm_test_rng() % spread);
    mm_ip_addr a = mm_ip_from_v4(v);
    if (!mapped) return a;
    uint8_t b[16] = {[10] = 0xff, [11] = 0xff};
    memcpy(b + 12, a.bytes, 4);
    return mm_ip_from_v6(b);
  }
  uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
  uint64_t r = mm_test_rng() % spread, pick = mm_test_rng() % 16;
  if (pick == 0) memset(b, 0, 4); /* low addresses, under ::/len blocks */
  if (pick == 1)
    for (int i = 0; i < 16; i++) b[i] = (uint8_t)mm_test_rng();
  else
    for (int i = 0; i < 4; i++) b[12 + i] = (uint8_t)(r >> (24 - 8 * i));
  return mm_ip_from_v6(b);
}

/* Add one random entry (a block or a range) to both b and m. */
static void random_entry(mm_ipset_builder *b, model *m, uint32_t spread) {
  int family = mm_test_rng() % 3 == 0 ? MM_IP_V6 : MM_IP_V4;
  bool mapped = family == MM_IP_V4 && mm_test_rng() % 4 == 0;
  unsigned width = family == MM_IP_V4 ? 32 : 128;
  uint32_t value = (uint32_t)(mm_test_rng() % 50);
  mm_ip_addr a = random_addr(family, mapped, spread), z;
  if (mm_test_rng() % 4 == 0) { /* a range */
    z = a;
    unsigned i = a.family == MM_IP_V4 ? 3 : 15;
    z.bytes[i] = (uint8_t)(a.bytes[i] + mm_test_rng() % (256u - a.bytes[i]));
    if (mm_test_rng() % 2)
      z.bytes[i - 1] = (uint8_t)(a.bytes[i - 1] + mm_test_rng() % (256u - a.bytes[i - 1]));
    ASSERT_EQ(mm_ipset_add_range(b, &a, &z, value, NULL), MM_OK);
    model_add(m, &a, &z, value);
    return;
  }
  unsigned len = mm_test_rng() % 16 == 0 ? (unsigned)(mm_test_rng() % (width + 1))
                                         : width - (unsigned)(mm_test_rng() % 14);
  if (a.family == MM_IP_V6 && mapped) len = 96 + (unsigned)(mm_test_rng() % 33);
  if (family == MM_IP_V6 && mm_test_rng() % 32 == 0) { /* ::/len around ::ffff:0:0/96 */
    memset(a.bytes, 0, 16);
    len = (unsigned)(mm_test_rng() % 96);
  }
  mm_cidr c;
  ASSERT_EQ(mm_cidr_make(&a, len, &c), MM_OK);
  ASSERT_EQ(mm_ipset_add_cidr(b, &c, value, NULL), MM_OK);
  mm_ip_addr first, last;
  mm_cidr_bounds(&c, &first, &last);
  model_add(m, &first, &last, value);
}

/* x + delta (delta is -1 or 1) within its family; false at the ends. */
static bool step(mm_ip_addr *x, int delta) {
  int first = x->family == MM_IP_V4 ? 3 : 15;
  for (int i = first; i >= 0; i--) {
    uint8_t old = x->bytes[i];
    x->bytes[i] = (uint8_t)(old + delta);
    if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0)) return true;
  }
  return false;
}

static void check_one(const mm_ipset *s, const model *m, const mm_ip_addr *x) {
  uint32_t v = 0;
  long got = mm_ipset_lookup(s, x, &v) ? (long)v : -1;
  long want = model_lookup(m, x);
  if (got != want) {
    char text[MM_IP_TEXT_MAX];
    mm_ip_format(x, text, sizeof(text));
    MM_TEST_FAIL("%s: set says %ld, model %ld (%zu entries)", text, got, want, m->n);
  }
  if (x->family == MM_IP_V4) { /* the mapped spelling must agree */
    uint8_t b[16] = {[10] = 0xff, [11] = 0xff};
    memcpy(b + 12, x->bytes, 4);
    mm_ip_addr mapped = mm_ip_from_v6(b);
    long got6 = mm_ipset_lookup(s, &mapped, &v) ? (long)v : -1;
    ASSERT_EQ(got6, got);
  }
}

/* Compare set and model on addr and the addresses just below and above. */
static void cross_check(const mm_ipset *s, const model *m, const mm_ip_addr *addr) {
  mm_ip_addr below = *addr, above = *addr;
  check_one(s, m, addr);
  if (step(&below, -1)) check_one(s, m, &below);
  if (step(&above, 1)) check_one(s, m, &above);
}

static void random_round(uint64_t seed, size_t entries, size_t lookups, uint32_t spread) {
  mm_test_rng_state = seed;
  mm_ipset_builder *b = mm_ipset_builder_new();
  model m = {calloc(entries, sizeof(model_entry)), 0};
  for (size_t i = 0; i < entries; i++) random_entry(b, &m, spread);
  mm_ipset *s = compile(b);
  for (size_t k = 0; k < m.n && k < 600; k++) { /* edges of up to 600 entries */
    mm_ip_addr first, last;
    const model_entry *e = &m.e[m.n <= 600 ? k : mm_test_rng() % m.n];
    if (e->family == MM_IP_V4) {
      first = mm_ip_from_v4((uint32_t)e->first.lo);
      last = mm_ip_from_v4((uint32_t)e->last.lo);
    } else {
      uint8_t fb[16], lb[16];
      for (int j = 0; j < 8; j++) {
        fb[j] = (uint8_t)(e->first.hi >> (56 - 8 * j));
        fb[8 + j] = (uint8_t)(e->first.lo >> (56 - 8 * j));
        lb[j] = (uint8_t)(e->last.hi >> (56 - 8 * j));
        lb[8 + j] = (uint8_t)(e->last.lo >> (56 - 8 * j));
      }
      first = mm_ip_from_v6(fb);
      last = mm_ip_from_v6(lb);
    }
    cross_check(s, &m, &first);
    cross_check(s, &m, &last);
  }
  uint32_t *batch = calloc(lookups, sizeof(*batch)), *values = calloc(lookups, sizeof(*values));
  bool *found = calloc(lookups, sizeof(*found));
  size_t nbatch = 0;
  for (size_t i = 0; i < lookups; i++) {
    int family = mm_test_rng() % 2 ? MM_IP_V4 : MM_IP_V6;
    mm_ip_addr a = random_addr(family, family == MM_IP_V4 && mm_test_rng() % 3 == 0, spread);
    cross_check(s, &m, &a);
    if (family == MM_IP_V4) batch[nbatch++] = mm_ip_v4_value(&a);
  }
  /* A batch answers exactly as one lookup at a time. */
  size_t hits = mm_ipset_lookup_v4_batch(s, batch, nbatch, values, found), single_hits = 0;
  for (size_t i = 0; i < nbatch; i++) {
    uint32_t v = 0;
    bool hit = mm_ipset_lookup_v4(s, batch[i], &v);
    single_hits += hit;
    ASSERT_EQ(found[i], hit);
    ASSERT_EQ(values[i], v);
  }
  ASSERT_EQ(hits, single_hits);
  ASSERT_EQ(mm_ipset_lookup_v4_batch(s, batch, nbatch, NULL, NULL), single_hits);
  free(batch);
  free(values);
  free(found);
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
  free(m.e);
}

TEST(random_sets_match_brute_force) {
  random_round(1, 20, 2000, 256); /* few, dense */
  random_round(2, 300, 4000, 4096);
  random_round(3, 2500, 3000, 1 << 16); /* thousands, overlapping */
  random_round(4, 2500, 3000, 1 << 24); /* thousands, spread */
  random_round(5, 1500, 3000, 1 << 12); /* many entries per address */
}

/* ---- failure injection and sharing ------------------------------------------- */

static void build_under_faults(void) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  if (!b) return;
  char text[64];
  for (int i = 0; i < 200; i++) {
    snprintf(text, sizeof(text), i % 3 ? "10.%d.%d.0/24" : "2001:db8:%x:%x::/64", i % 7, i);
    if (mm_ipset_add_text(b, text, strlen(text), 0, (uint32_t)i, NULL) != MM_OK) break;
  }
  mm_error err;
  mm_ipset *s = mm_ipset_compile(b, &err);
  if (s) { /* whatever failed on the way, a set that compiled is right */
    uint32_t v = 0;
    if (mm_ipset_builder_count(b) == 200) {
      ASSERT_TRUE(mm_ipset_lookup_v4(s, 0x0a040400, &v)); /* 10.4.4.0/24, i = 4 */
      ASSERT_EQ(v, 4);
    }
  } else {
    ASSERT_EQ(err.code, MM_ENOMEM);
  }
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

TEST(allocation_failures_leak_nothing) {
  long rounds = 0;
  FAULT_LOOP({
    build_under_faults();
    rounds++;
  });
  ASSERT_TRUE(rounds > 10); /* the builder and the compiler do allocate */
}

typedef struct reader {
  const mm_ipset *s;
  long mismatches;
} reader;

static void *read_set(void *arg) {
  reader *r = arg;
  for (uint32_t i = 0; i < 200000; i++) {
    uint32_t addr = 0x0a000000u + (i * 97) % (1u << 24), v = 0;
    bool hit = mm_ipset_lookup_v4(r->s, addr, &v);
    bool want = (addr >> 8 & 1) == 0; /* every even /24 */
    if (hit != want || (hit && v != (addr >> 8 & 0xff))) r->mismatches++;
  }
  return NULL;
}

TEST(threads_share_one_compiled_set) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  for (uint32_t i = 0; i < 65536; i += 2) {
    mm_cidr c = {mm_ip_from_v4(0x0a000000u + (i << 8)), 24};
    ASSERT_EQ(mm_ipset_add_cidr(b, &c, i & 0xff, NULL), MM_OK);
  }
  mm_ipset *s = compile(b);
  mm_ipset_builder_free(b); /* the compiled set stands alone */
  pthread_t t[4];
  reader r[4];
  for (int i = 0; i < 4; i++) {
    r[i] = (reader){s, 0};
    ASSERT_EQ(pthread_create(&t[i], NULL, read_set, &r[i]), 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 4; i++) ASSERT_EQ(r[i].mismatches, 0);
  mm_ipset_free(s);
}

int main(void) {
  RUN(nested_prefixes_most_specific_wins);
  RUN(order_of_addition_does_not_matter);
  RUN(zero_length_and_host_prefixes);
  RUN(single_host_blocks_at_their_edges);
  RUN(duplicates_later_wins_a_tie);
  RUN(ranges_narrowest_wins);
  RUN(range_api_and_whole_spaces);
  RUN(v4_mapped_matches_ipv4_both_ways);
  RUN(add_text_forms_and_errors);
  RUN(empty_set_and_reuse);
  RUN(adjacent_equal_values_merge_and_memory_is_counted);
  RUN(random_sets_match_brute_force);
  RUN(allocation_failures_leak_nothing);
  RUN(threads_share_one_compiled_set);
  return mm_test_summary();
}
