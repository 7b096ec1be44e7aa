/*
 * fuzz_cidr.c - libFuzzer target for the ip module (mamori/ip.h).
 *
 * The input is read three ways:
 *   1. as text: an address, a CIDR block under each flag combination, and a
 *      range. Whatever parses must format to canonical text that parses back
 *      to the same value and formats to the same text again; whatever fails
 *      must report an offset inside the input. An address must be accepted
 *      exactly when glibc's inet_pton (strict like us) accepts it, with the
 *      same bytes.
 *   2. as a program of 7-byte records building a small prefix set (blocks
 *      and ranges, IPv4, IPv4-mapped and IPv6, crowded into small regions so
 *      that they overlap); every lookup at and around each entry's edges must
 *      agree with a brute-force scan of the entries.
 */
#include "fuzz.h"
#include "mamori/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- 1. text --------------------------------------------------------------- */

/* A failure reports its status and a position inside the input (line and
 * column count '\n' bytes, as mm_error_at does for any text). */
static void check_error(const char *t, const mm_error *err, int rc, size_t len) {
  FUZZ_CHECK(rc < 0 && err->code == rc && err->msg[0] != '\0');
  FUZZ_CHECK(err->offset <= len && err->line >= 1 && err->column >= 1);
  if (!memchr(t, '\n', err->offset)) FUZZ_CHECK(err->line == 1 && err->column == err->offset + 1);
}

static void address_round_trip(const char *t, size_t n) {
  mm_ip_addr a, b;
  mm_error err;
  char text[MM_IP_TEXT_MAX], again[MM_IP_TEXT_MAX];
  uint8_t libc[16];
  char cstr[64];
  int rc = mm_ip_parse(t, n, &a, &err);
  if (n < sizeof(cstr) && !memchr(t, '\0', n)) { /* inet_pton reads a C string */
    memcpy(cstr, t, n);
    cstr[n] = '\0';
    int theirs = inet_pton(memchr(t, ':', n) ? AF_INET6 : AF_INET, cstr, libc) == 1;
    FUZZ_CHECK(theirs == (rc == MM_OK));
    if (theirs) FUZZ_CHECK(memcmp(libc, a.bytes, a.family == MM_IP_V4 ? 4 : 16) == 0);
  }
  if (rc != MM_OK) {
    check_error(t, &err, rc, n);
    return;
  }
  size_t len = mm_ip_format(&a, text, sizeof(text));
  FUZZ_CHECK(len > 0 && len < sizeof(text));
  FUZZ_CHECK(mm_ip_parse(text, len, &b, NULL) == MM_OK);
  FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
  FUZZ_CHECK(mm_ip_format(&b, again, sizeof(again)) == len && strcmp(text, again) == 0);
}

static void cidr_round_trip(const char *t, size_t n, unsigned flags) {
  mm_cidr c, d;
  mm_error err;
  mm_ip_addr first, last;
  char text[MM_CIDR_TEXT_MAX], again[MM_CIDR_TEXT_MAX];
  int rc = mm_cidr_parse(t, n, flags, &c, &err);
  if (rc != MM_OK) {
    check_error(t, &err, rc, n);
    return;
  }
  FUZZ_CHECK(!(flags & MM_CIDR_NO_ZERO) || c.len > 0);
  size_t len = mm_cidr_format(&c, text, sizeof(text));
  FUZZ_CHECK(len < sizeof(text));
  FUZZ_CHECK(mm_cidr_parse(text, len, MM_CIDR_STRICT, &d, &err) == MM_OK); /* canonical is strict */
  FUZZ_CHECK(memcmp(&c, &d, sizeof(c)) == 0);
  FUZZ_CHECK(mm_cidr_format(&d, again, sizeof(again)) == len && strcmp(text, again) == 0);
  mm_cidr_bounds(&c, &first, &last);
  FUZZ_CHECK(mm_cidr_contains(&c, &first) && mm_cidr_contains(&c, &last));
  FUZZ_CHECK(mm_ip_compare(&first, &last) <= 0);
}

static void range_check(const char *t, size_t n) {
  mm_ip_addr first, last;
  mm_error err;
  int rc = mm_ip_range_parse(t, n, &first, &last, &err);
  if (rc != MM_OK) {
    check_error(t, &err, rc, n);
    return;
  }
  FUZZ_CHECK(first.family == last.family && mm_ip_compare(&first, &last) <= 0);
}

/* ---- 2. a small set against brute force ------------------------------------ */

#define MAX_ENTRIES 48

typedef struct key {
  uint64_t hi, lo;
} key;

typedef struct entry {
  int family;      /* after unmapping */
  key first, last; /* inclusive */
  uint32_t value;
} entry;

static key key_of(const mm_ip_addr *a) {
  key k = {0, 0};
  for (int i = 0; i < 8; i++) {
    k.hi = k.hi << 8 | a->bytes[i];
    k.lo = k.lo << 8 | a->bytes[8 + i];
  }
  if (a->family == MM_IP_V4) k = (key){0, k.hi >> 32};
  return k;
}
static int key_le(key a, key b) { return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo); }
static key key_sub(key a, key b) { return (key){a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo}; }

static long brute_lookup(const entry *e, size_t n, const mm_ip_addr *a) {
  mm_ip_addr x = mm_ip_unmap(a);
  key k = key_of(&x), best_span = {0, 0};
  long best = -1;
  for (size_t i = 0; i < n; i++) {
    if (e[i].family != x.family || !key_le(e[i].first, k) || !key_le(k, e[i].last)) continue;
    key span = key_sub(e[i].last, e[i].first);
    if (best < 0 || key_le(span, best_span)) best = (long)e[i].value, best_span = span;
  }
  return best;
}

/* One record: kind, length/extent, 4 address bytes, value. */
static mm_ip_addr record_addr(const uint8_t *r) {
  uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
  int kind = r[0] % 4;
  if (kind == 0) return mm_ip_from_v4(0x0a000000u | (uint32_t)r[3] << 16 | r[4] << 8 | r[5]);
  if (kind == 1) memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a", 13); /* mapped 10/8 */
  if (kind == 3) memset(b, 0, 12); /* low IPv6, near ::ffff:0:0/96 */
  b[13] = r[3], b[14] = r[4], b[15] = r[5];
  if (kind == 3) b[10] = b[11] = r[2] & 1 ? 0xff : 0x00;
  return mm_ip_from_v6(b);
}

static void step(mm_ip_addr *x, int delta) {
  for (int i = x->family == MM_IP_V4 ? 3 : 15; i >= 0; i--) {
    uint8_t old = x->bytes[i];
    x->bytes[i] = (uint8_t)(old + delta);
    if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0)) return;
  }
}

/* Add record r to b and, when accepted, to the brute-force list. */
static void add_record(mm_ipset_builder *b, const uint8_t *r, entry *e, size_t *n) {
  mm_ip_addr a = record_addr(r), first, last;
  unsigned width = a.family == MM_IP_V4 ? 32 : 128;
  if (r[0] & 4) { /* a range of r[1] + 1 addresses */
    first = a, last = a;
    for (unsigned i = 0; i < r[1]; i++) step(&last, 1);
    if (mm_ip_compare(&first, &last) > 0) return; /* wrapped */
    if (mm_ipset_add_range(b, &first, &last, r[6], NULL) != MM_OK) {
      FUZZ_CHECK(mm_ip_is_v4_mapped(&first) != mm_ip_is_v4_mapped(&last));
      return;
    }
  } else {
    mm_cidr c;
    FUZZ_CHECK(mm_cidr_make(&a, r[1] % (width + 1), &c) == MM_OK);
    FUZZ_CHECK(mm_ipset_add_cidr(b, &c, r[6], NULL) == MM_OK);
    mm_cidr_bounds(&c, &first, &last);
  }
  mm_ip_addr f = mm_ip_unmap(&first), l = mm_ip_unmap(&last);
  if (f.family != l.family) f = first, l = last; /* a block around ::ffff:0:0/96 */
  e[(*n)++] = (entry){f.family, key_of(&f), key_of(&l), r[6]};
}

static void probe(const mm_ipset *s, const entry *e, size_t n, mm_ip_addr x) {
  for (int d = -1; d <= 1; d++) {
    mm_ip_addr y = x;
    if (d) step(&y, d);
    uint32_t v = 0;
    long got = mm_ipset_lookup(s, &y, &v) ? (long)v : -1;
    FUZZ_CHECK(got == brute_lookup(e, n, &y));
  }
}

static void set_check(const uint8_t *data, size_t size) {
  entry e[MAX_ENTRIES];
  size_t n = 0;
  mm_ipset_builder *b = mm_ipset_builder_new();
  FUZZ_CHECK(b != NULL);
  for (size_t off = 0; off + 7 <= size && n < MAX_ENTRIES; off += 7)
    add_record(b, data + off, e, &n);
  mm_ipset *s = mm_ipset_compile(b, NULL);
  FUZZ_CHECK(s != NULL);
  for (size_t off = 0; off + 7 <= size && off / 7 < MAX_ENTRIES; off += 7)
    probe(s, e, n, record_addr(data + off));
  for (size_t i = 0; i < n; i++) {
    uint8_t fb[16] = {0}, lb[16] = {0};
    for (int j = 0; j < 8; j++) {
      fb[j] = (uint8_t)(e[i].first.hi >> (56 - 8 * j)),
      fb[8 + j] = (uint8_t)(e[i].first.lo >> (56 - 8 * j));
      lb[j] = (uint8_t)(e[i].last.hi >> (56 - 8 * j)),
      lb[8 + j] = (uint8_t)(e[i].last.lo >> (56 - 8 * j));
    }
    if (e[i].family == MM_IP_V4) {
      probe(s, e, n, mm_ip_from_v4((uint32_t)e[i].first.lo));
      probe(s, e, n, mm_ip_from_v4((uint32_t)e[i].last.lo));
    } else {
      probe(s, e, n, mm_ip_from_v6(fb));
      probe(s, e, n, mm_ip_from_v6(lb));
    }
  }
  mm_ipset_free(s);
  mm_ipset_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const unsigned flags[] = {MM_CIDR_STRICT,    MM_CIDR_IAM,
                                   MM_CIDR_WAF,       MM_CIDR_MASK_HOST,
                                   MM_CIDR_BARE_ADDR, MM_CIDR_IAM | MM_CIDR_NO_ZERO};
  const char *t = (const char *)data;
  address_round_trip(t, size);
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) cidr_round_trip(t, size, flags[i]);
  range_check(t, size);
  set_check(data, size);
  return 0;
}
