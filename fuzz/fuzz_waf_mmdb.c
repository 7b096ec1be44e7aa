/*
 * fuzz_waf_mmdb.c - libFuzzer target for the MaxMind DB reader
 * (src/waf/geo_mmdb.c) on arbitrary bytes.
 *
 * The first byte picks how the rest is read: bit 0 clear, the rest is a
 * whole file (seeds: fuzz/seeds/waf_mmdb/, written by
 * `test_waf_geo --write-seed`); bit 0 set, the rest is a search tree and
 * data section to which valid metadata is appended (bits 1-2 choose the
 * record size 24/28/32, bit 3 the IPv4 or IPv6 tree, the next byte the node
 * count), so that the fuzzer reaches the tree walk and the data decoder
 * without having to invent the metadata first. The file is copied into a
 * heap buffer of exactly its size so that ASan sees any read beyond it.
 * Checked: opening never crashes; a dozen lookups (IPv4, IPv4-mapped,
 * IPv6) return NUL-terminated codes of at most 2 (country) and 3 (region)
 * characters, and "not found" leaves every field empty.
 */
#include "fuzz.h"
#include "mamori/alloc.h"
#include "waf/geo.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_key_uint(uint8_t *m, size_t *n, const char *key, unsigned type, uint32_t v) {
  size_t k = strlen(key);
  m[(*n)++] = (uint8_t)(0x40 | k); /* a string shorter than 29 bytes */
  memcpy(m + *n, key, k);
  *n += k;
  m[(*n)++] = (uint8_t)(type << 5 | 4);
  for (int i = 3; i >= 0; i--) m[(*n)++] = (uint8_t)(v >> (8 * i));
}

/* "\xAB\xCD\xEFMaxMind.com" and {node_count, record_size, ip_version}. */
static size_t metadata(uint8_t *m, uint32_t nodes, uint32_t record_size, uint32_t ipv) {
  size_t n = 0;
  memcpy(m, "\xAB\xCD\xEFMaxMind.com", 14);
  n = 14;
  m[n++] = 0xe3; /* map of 3 pairs */
  put_key_uint(m, &n, "node_count", 6, nodes);
  put_key_uint(m, &n, "record_size", 6, record_size);
  put_key_uint(m, &n, "ip_version", 6, ipv);
  return n;
}

static const char *const addrs[] = {"0.0.0.0",
                                    "1.2.3.4",
                                    "192.0.2.1",
                                    "255.255.255.255",
                                    "::ffff:10.0.0.1",
                                    "::",
                                    "::1",
                                    "2001:db8::1",
                                    "8000::",
                                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};

static void lookups(const mm__waf_mmdb *db) {
  for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
    mm_ip_addr a;
    if (mm_ip_parse(addrs[i], strlen(addrs[i]), &a, NULL) != MM_OK) abort();
    mm_waf_geo_result r;
    bool found = mm__waf_mmdb_lookup(db, &a, &r);
    FUZZ_CHECK(memchr(r.country, 0, sizeof r.country) && strlen(r.country) <= 2);
    FUZZ_CHECK(memchr(r.region, 0, sizeof r.region) && strlen(r.region) <= 3);
    if (!found) FUZZ_CHECK(r.country[0] == 0 && r.region[0] == 0 && r.asn == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  static const uint32_t sizes[4] = {24, 28, 32, 24};
  bool synth = data[0] & 1;
  size_t body = size - (synth ? 2 : 1);
  const uint8_t *src = data + (synth ? 2 : 1);
  uint8_t meta[128];
  size_t mlen =
      synth ? metadata(meta, 1u + data[1], sizes[(data[0] >> 1) & 3], (data[0] & 8) ? 4 : 6) : 0;
  size_t total = body + mlen;
  uint8_t *file = mm_malloc(total ? total : 1);
  if (!file) return 0;
  memcpy(file, src, body);
  memcpy(file + body, meta, mlen);
  mm__waf_mmdb *db = mm__waf_mmdb_open(file, total, false, NULL);
  if (db) {
    lookups(db);
    mm__waf_mmdb_free(db);
  }
  mm_free(file);
  return 0;
}
