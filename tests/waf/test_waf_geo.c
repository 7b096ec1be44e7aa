/*
 * test_waf_geo.c - country, region and ASN lookups (src/waf/geo.c,
 * src/waf/geo_mmdb.c).
 *
 * Tor's geoip files: Debian's tor-geoipdb (scripts/deps.sh installs it, so
 * its absence is a failure, not a skip) answers for well-known, long-held
 * blocks (Google DNS, RIPE NCC, the University of Tokyo, NIC.br, WIDE); and
 * small files written here check the format's corners (comments, "??",
 * CRLF, located errors).
 *
 * MaxMind DB: no database is downloaded. The writer below builds .mmdb
 * files from the MaxMind DB File Format Specification 2.0 (search tree,
 * 16-byte separator, data section, metadata after "\xAB\xCD\xEFMaxMind.com")
 * with record sizes 24, 28 and 32, IPv4 and IPv6 trees, pointers, nested
 * maps and arrays, and every scalar type. The reader must find what the
 * writer put and survive hostile variants: truncation at every length,
 * random byte flips, pointer cycles, maps that claim millions of entries,
 * bad metadata. `test_waf_geo --write-seed whole|synth FILE` writes the
 * fuzz seeds fuzz/seeds/waf_mmdb/sample.mmdb and synth_tree.bin.
 */
#include "mamori/waf.h"
#include "waf/geo.h"

#include "test.h"

#include <unistd.h>

/* ---- a small MaxMind DB writer ----------------------------------------------- */

typedef struct mmdb_writer {
  int64_t (*rec)[2]; /* per node: -1 empty, >= 0 a node, <= -2 data at offset -(v + 2) */
  size_t n_nodes, cap;
  mm_buf data; /* the data section */
  unsigned record_size;
  unsigned ip_version;
} mmdb_writer;

static void w_init(mmdb_writer *w, unsigned record_size, unsigned ip_version) {
  memset(w, 0, sizeof *w);
  w->record_size = record_size;
  w->ip_version = ip_version;
  w->cap = 64;
  w->rec = malloc(w->cap * sizeof *w->rec);
  w->rec[0][0] = w->rec[0][1] = -1;
  w->n_nodes = 1;
}

static void w_free(mmdb_writer *w) {
  free(w->rec);
  mm_buf_free(&w->data);
}

static size_t w_new_node(mmdb_writer *w) {
  if (w->n_nodes == w->cap) w->rec = realloc(w->rec, (w->cap *= 2) * sizeof *w->rec);
  w->rec[w->n_nodes][0] = w->rec[w->n_nodes][1] = -1;
  return w->n_nodes++;
}

/* Map the prefix bytes[0..bits) to data at offset. */
static void w_insert(mmdb_writer *w, const uint8_t *bytes, unsigned bits, size_t offset) {
  size_t node = 0;
  for (unsigned i = 0; i < bits; i++) {
    unsigned b = (bytes[i / 8] >> (7 - i % 8)) & 1;
    if (i + 1 == bits) {
      w->rec[node][b] = -2 - (int64_t)offset;
      return;
    }
    if (w->rec[node][b] < 0) { /* empty, or data that the new prefix splits */
      int64_t inherit = w->rec[node][b];
      size_t n = w_new_node(w);
      w->rec[n][0] = w->rec[n][1] = inherit;
      w->rec[node][b] = (int64_t)n;
    }
    node = (size_t)w->rec[node][b];
  }
}

/* "a.b.c.d/len" or an IPv6 CIDR; IPv4 goes under ::/96 in an IPv6 tree. */
static void w_insert_cidr(mmdb_writer *w, const char *cidr, size_t offset) {
  mm_cidr c;
  if (mm_cidr_parse(cidr, strlen(cidr), MM_CIDR_STRICT, &c, NULL) != MM_OK) abort();
  uint8_t b[16] = {0};
  unsigned bits = c.len;
  if (c.addr.family == MM_IP_V4 && w->ip_version == 6) {
    memcpy(b + 12, c.addr.bytes, 4);
    bits += 96;
  } else {
    memcpy(b, c.addr.bytes, 16);
  }
  w_insert(w, b, bits, offset);
}

static void put_ctrl(mm_buf *b, unsigned type, uint32_t size) {
  uint8_t ctrl = type <= 7 ? (uint8_t)(type << 5) : 0, ext[3];
  unsigned n = 0;
  if (size < 29) {
    ctrl |= (uint8_t)size;
  } else if (size < 285) {
    ctrl |= 29;
    ext[n++] = (uint8_t)(size - 29);
  } else if (size < 65821) {
    ctrl |= 30;
    size -= 285;
    ext[n++] = (uint8_t)(size >> 8);
    ext[n++] = (uint8_t)size;
  } else {
    ctrl |= 31;
    size -= 65821;
    ext[n++] = (uint8_t)(size >> 16);
    ext[n++] = (uint8_t)(size >> 8);
    ext[n++] = (uint8_t)size;
  }
  mm_buf_putc(b, (char)ctrl);
  if (type > 7) mm_buf_putc(b, (char)(type - 7));
  mm_buf_append(b, ext, n);
}

static size_t put_str(mm_buf *b, const char *s) {
  size_t at = b->len;
  put_ctrl(b, 2, (uint32_t)strlen(s));
  mm_buf_puts(b, s);
  return at;
}

static void put_uint(mm_buf *b, unsigned type, uint64_t v) {
  uint8_t be[8];
  unsigned n = 0;
  for (uint64_t x = v; x; x >>= 8) n++;
  for (unsigned i = 0; i < n; i++) be[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  put_ctrl(b, type, n);
  mm_buf_append(b, be, n);
}

static void put_double(mm_buf *b, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  put_ctrl(b, 3, 8);
  for (int i = 7; i >= 0; i--) mm_buf_putc(b, (char)(u >> (8 * i)));
}

/* The shortest of the four pointer forms (waf/geo.h). */
static void put_pointer(mm_buf *b, uint32_t target) {
  static const uint32_t bias[3] = {0, 2048, 526336};
  unsigned ss = target < 2048 ? 0 : target < 526336 ? 1 : target < 526336 + (1u << 27) ? 2 : 3;
  uint32_t v = ss < 3 ? target - bias[ss] : target;
  uint8_t ctrl = (uint8_t)(0x20 | ss << 3);
  if (ss < 3) ctrl |= (uint8_t)(v >> (8 * (ss + 1)));
  mm_buf_putc(b, (char)ctrl);
  for (int i = (int)ss; i >= 0; i--) mm_buf_putc(b, (char)(v >> (8 * i)));
}

static void put_country(mm_buf *b, const char *key, const char *cc) {
  put_str(b, key);
  put_ctrl(b, 7, 1);
  put_str(b, "iso_code");
  put_str(b, cc);
}

/* The search tree, the separator, the data and the metadata. */
static mm_buf w_finish(mmdb_writer *w, const char *type) {
  mm_buf out = MM_BUF_INIT;
  uint32_t nc = (uint32_t)w->n_nodes;
  for (size_t i = 0; i < w->n_nodes; i++) {
    uint32_t v[2];
    for (int s = 0; s < 2; s++) {
      int64_t r = w->rec[i][s];
      v[s] = r == -1 ? nc : r >= 0 ? (uint32_t)r : nc + 16 + (uint32_t)(-(r + 2));
    }
    uint8_t n[8];
    if (w->record_size == 24) {
      uint8_t t[6] = {(uint8_t)(v[0] >> 16), (uint8_t)(v[0] >> 8), (uint8_t)v[0],
                      (uint8_t)(v[1] >> 16), (uint8_t)(v[1] >> 8), (uint8_t)v[1]};
      mm_buf_append(&out, t, 6);
    } else if (w->record_size == 28) {
      uint8_t t[7] = {
          (uint8_t)(v[0] >> 16), (uint8_t)(v[0] >> 8),
          (uint8_t)v[0],         (uint8_t)(((v[0] >> 20) & 0xf0) | ((v[1] >> 24) & 0x0f)),
          (uint8_t)(v[1] >> 16), (uint8_t)(v[1] >> 8),
          (uint8_t)v[1]};
      mm_buf_append(&out, t, 7);
    } else {
      for (int s = 0; s < 2; s++)
        for (int k = 0; k < 4; k++) n[s * 4 + k] = (uint8_t)(v[s] >> (24 - 8 * k));
      mm_buf_append(&out, n, 8);
    }
  }
  static const uint8_t zeros[16] = {0};
  mm_buf_append(&out, zeros, 16);
  mm_buf_append(&out, w->data.ptr, w->data.len);
  mm_buf_append(&out, "\xAB\xCD\xEFMaxMind.com", 14);
  put_ctrl(&out, 7, 9);
  put_str(&out, "binary_format_major_version");
  put_uint(&out, 5, 2);
  put_str(&out, "binary_format_minor_version");
  put_uint(&out, 5, 0);
  put_str(&out, "build_epoch");
  put_uint(&out, 9, 1700000000);
  put_str(&out, "database_type");
  put_str(&out, type);
  put_str(&out, "description");
  put_ctrl(&out, 7, 1);
  put_str(&out, "en");
  put_str(&out, "mamori test database");
  put_str(&out, "ip_version");
  put_uint(&out, 5, w->ip_version);
  put_str(&out, "languages");
  put_ctrl(&out, 11, 1);
  put_str(&out, "en");
  put_str(&out, "node_count");
  put_uint(&out, 6, nc);
  put_str(&out, "record_size");
  put_uint(&out, 5, w->record_size);
  if (out.oom) abort();
  return out;
}

/* The sample database: a City-like record, a registered_country-only one,
 * an ASN one, two records sharing a country map through pointers, one with
 * every scalar type and a region, and a bool/float/int32/uint128/bytes mix
 * to skip. pad puts that many bytes of padding first in the data section. */
static mm_buf sample_db(unsigned record_size, unsigned ip_version, size_t pad) {
  mmdb_writer w;
  w_init(&w, record_size, ip_version);
  mm_buf *d = &w.data;
  if (pad) {
    put_ctrl(d, 4, (uint32_t)pad);
    if (mm_buf_reserve(d, pad) != MM_OK) abort();
    memset(d->ptr + d->len, 0, pad);
    d->len += pad;
  }
  size_t jp = d->len; /* {country: {iso_code: JP, names: {en: Japan}}, location, subdivisions} */
  put_ctrl(d, 7, 4);
  put_str(d, "country");
  put_ctrl(d, 7, 2);
  put_str(d, "names");
  put_ctrl(d, 7, 1);
  put_str(d, "en");
  put_str(d, "Japan");
  put_str(d, "iso_code");
  put_str(d, "JP");
  put_str(d, "location");
  put_ctrl(d, 7, 2);
  put_str(d, "latitude");
  put_double(d, 35.6895);
  put_str(d, "time_zone");
  put_str(d, "Asia/Tokyo");
  put_str(d, "subdivisions");
  put_ctrl(d, 11, 2);
  put_ctrl(d, 7, 1);
  put_str(d, "iso_code");
  put_str(d, "13");
  put_ctrl(d, 7, 1);
  put_str(d, "iso_code");
  put_str(d, "XX");
  put_country(d, "registered_country", "JP");
  size_t us = d->len; /* only registered_country */
  put_ctrl(d, 7, 1);
  put_country(d, "registered_country", "US");
  size_t asn = d->len;
  put_ctrl(d, 7, 2);
  put_str(d, "autonomous_system_number");
  put_uint(d, 6, 64500);
  put_str(d, "autonomous_system_organization");
  put_str(d, "Example Networks");
  size_t de_map = d->len; /* shared {iso_code: DE} */
  put_ctrl(d, 7, 1);
  put_str(d, "iso_code");
  put_str(d, "DE");
  size_t key_country = put_str(d, "country");
  size_t de1 = d->len; /* {country(ptr): ptr -> de_map} */
  put_ctrl(d, 7, 1);
  put_pointer(d, (uint32_t)key_country);
  put_pointer(d, (uint32_t)de_map);
  size_t de2 = d->len; /* pointer to the whole record de1 */
  put_pointer(d, (uint32_t)de1);
  size_t wa = d->len; /* scalars to skip, then the answers */
  put_ctrl(d, 7, 8);
  put_str(d, "is_anycast");
  put_ctrl(d, 14, 1);
  put_str(d, "accuracy");
  put_ctrl(d, 15, 4);
  mm_buf_append(d, "\x40\x49\x0f\xdb", 4);
  put_str(d, "offset");
  put_ctrl(d, 8, 4);
  mm_buf_append(d, "\xff\xff\xff\xfe", 4);
  put_str(d, "big");
  put_uint(d, 10, 0);
  put_str(d, "raw");
  put_ctrl(d, 4, 3);
  mm_buf_append(d, "\x00\x01\x02", 3);
  put_str(d, "autonomous_system_number");
  put_uint(d, 9, 16509);
  put_str(d, "subdivisions");
  put_ctrl(d, 11, 1);
  put_ctrl(d, 7, 2);
  put_str(d, "names");
  put_ctrl(d, 7, 0);
  put_str(d, "iso_code");
  put_str(d, "WA");
  put_country(d, "country", "US");
  w_insert_cidr(&w, "192.0.2.0/24", jp);
  w_insert_cidr(&w, "198.51.100.0/24", us);
  w_insert_cidr(&w, "203.0.113.0/25", de1);
  w_insert_cidr(&w, "203.0.113.128/25", de2);
  w_insert_cidr(&w, "100.64.0.0/10", wa);
  if (ip_version == 6) {
    w_insert_cidr(&w, "2001:db8::/32", asn);
    w_insert_cidr(&w, "2001:db8:1::/48", jp); /* more specific, inside the ASN block */
  } else {
    w_insert_cidr(&w, "10.0.0.0/8", asn);
  }
  mm_buf out = w_finish(&w, "mamori-Test-City");
  w_free(&w);
  return out;
}

static mm_ip_addr ip(const char *s) {
  mm_ip_addr a;
  if (mm_ip_parse(s, strlen(s), &a, NULL) != MM_OK) MM_TEST_FAIL("bad address %s", s);
  return a;
}

static bool look(const mm__waf_mmdb *db, const char *addr, mm_waf_geo_result *r) {
  mm_ip_addr a = ip(addr);
  return mm__waf_mmdb_lookup(db, &a, r);
}

static void check_sample(const mm__waf_mmdb *db, unsigned ip_version) {
  mm_waf_geo_result r;
  ASSERT_TRUE(look(db, "192.0.2.77", &r));
  ASSERT_EQ_STR(r.country, "JP");
  ASSERT_EQ_STR(r.region, "13");
  ASSERT_EQ(r.asn, 0);
  ASSERT_TRUE(look(db, "::ffff:192.0.2.1", &r)); /* IPv4-mapped is IPv4 */
  ASSERT_EQ_STR(r.country, "JP");
  ASSERT_TRUE(look(db, "198.51.100.1", &r));
  ASSERT_EQ_STR(r.country, "US"); /* registered_country fallback */
  ASSERT_EQ_STR(r.region, "");
  ASSERT_TRUE(look(db, "203.0.113.1", &r));
  ASSERT_EQ_STR(r.country, "DE");
  ASSERT_TRUE(look(db, "203.0.113.200", &r));
  ASSERT_EQ_STR(r.country, "DE");
  ASSERT_TRUE(look(db, "100.100.1.1", &r));
  ASSERT_EQ_STR(r.country, "US");
  ASSERT_EQ_STR(r.region, "WA");
  ASSERT_EQ(r.asn, 16509);
  ASSERT_FALSE(look(db, "192.0.3.1", &r));
  ASSERT_EQ_STR(r.country, "");
  ASSERT_FALSE(look(db, "0.0.0.0", &r));
  ASSERT_FALSE(look(db, "255.255.255.255", &r));
  if (ip_version == 6) {
    ASSERT_TRUE(look(db, "2001:db8:ffff::1", &r));
    ASSERT_EQ(r.asn, 64500);
    ASSERT_EQ_STR(r.country, "");
    ASSERT_TRUE(look(db, "2001:db8:1::5", &r));
    ASSERT_EQ_STR(r.country, "JP");
    ASSERT_FALSE(look(db, "2001:db9::1", &r));
    ASSERT_FALSE(look(db, "::1", &r));
  } else {
    ASSERT_TRUE(look(db, "10.1.2.3", &r));
    ASSERT_EQ(r.asn, 64500);
    ASSERT_FALSE(look(db, "2001:db8::1", &r)); /* IPv6 in an IPv4 tree */
  }
}

TEST(mmdb_record_sizes_and_ip_versions) {
  static const unsigned sizes[] = {24, 28, 32};
  for (size_t s = 0; s < 3; s++)
    for (unsigned v = 4; v <= 6; v += 2) {
      mm_buf f = sample_db(sizes[s], v, 0);
      mm_error err;
      mm__waf_mmdb *db = mm__waf_mmdb_open((const uint8_t *)f.ptr, f.len, false, &err);
      if (!db) MM_TEST_FAIL("record %u ip %u: %s", sizes[s], v, err.msg);
      ASSERT_EQ_STR(mm__waf_mmdb_type(db), "mamori-Test-City");
      check_sample(db, v);
      mm__waf_mmdb_free(db);
      mm_buf_free(&f);
    }
}

TEST(mmdb_28_bit_records_use_the_middle_nibbles) {
  /* Data offsets past 2^24 need the nibbles of the shared middle byte. */
  for (unsigned size = 28; size <= 32; size += 4) {
    mm_buf f = sample_db(size, 6, (size_t)1 << 24);
    mm_error err;
    mm__waf_mmdb *db = mm__waf_mmdb_open((const uint8_t *)f.ptr, f.len, false, &err);
    if (!db) MM_TEST_FAIL("%s", err.msg);
    check_sample(db, 6);
    mm__waf_mmdb_free(db);
    mm_buf_free(&f);
  }
}

TEST(mmdb_through_the_public_api) {
  mm_buf f = sample_db(24, 6, 0);
  char path[] = "/tmp/mamori-geo-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_TRUE(fd >= 0);
  ASSERT_EQ(write(fd, f.ptr, f.len), (long long)f.len);
  close(fd);
  mm_error err;
  mm_waf_geo *g = mm_waf_geo_open(path, NULL, &err);
  unlink(path);
  if (!g) MM_TEST_FAIL("%s", err.msg);
  mm_waf_geo_result r;
  mm_ip_addr a = ip("192.0.2.1");
  ASSERT_TRUE(mm_waf_geo_lookup(g, &a, &r));
  ASSERT_EQ_STR(r.country, "JP");
  mm_waf_geo_free(g);
  mm_buf_free(&f);
}

TEST(mmdb_bad_metadata_is_refused) {
  mm_error err;
  ASSERT_TRUE(mm__waf_mmdb_open((const uint8_t *)"nothing here", 12, false, &err) == NULL);
  ASSERT_EQ(err.code, MM_ESYNTAX);
  mm_buf f = sample_db(24, 6, 0);
  char *meta = memmem(f.ptr, f.len, "record_size", 11);
  ASSERT_TRUE(meta != NULL);
  meta[12] = 20; /* the uint16 after the key: 24 -> 20 */
  ASSERT_TRUE(mm__waf_mmdb_open((const uint8_t *)f.ptr, f.len, false, &err) == NULL);
  ASSERT_EQ(err.code, MM_EINVAL);
  meta[12] = 24;
  char *nc = memmem(f.ptr, f.len, "node_count", 10);
  nc[10] = (char)0xc4; /* uint32 of 4 bytes */
  ASSERT_TRUE(mm__waf_mmdb_open((const uint8_t *)f.ptr, f.len - 1, false, &err) == NULL);
  mm_buf_free(&f);
}

TEST(mmdb_truncated_at_every_length_never_reads_out_of_bounds) {
  mm_buf f = sample_db(28, 6, 0);
  for (size_t n = 0; n <= f.len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
    memcpy(copy, f.ptr, n);
    mm__waf_mmdb *db = mm__waf_mmdb_open(copy, n, false, NULL);
    if (db) {
      mm_waf_geo_result r;
      look(db, "192.0.2.1", &r);
      look(db, "2001:db8::1", &r);
      mm__waf_mmdb_free(db);
    }
    free(copy);
  }
  mm_buf_free(&f);
}

TEST(mmdb_random_corruption_never_crashes) {
  mm_buf f = sample_db(24, 6, 0);
  static const char *const addrs[] = {"192.0.2.1",     "198.51.100.9", "203.0.113.1",
                                      "203.0.113.129", "100.64.1.1",   "2001:db8::1",
                                      "2001:db8:1::1", "::1"};
  mm_test_rng_state = 20261128;
  uint8_t *copy = malloc(f.len);
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(copy, f.ptr, f.len);
    int flips = 1 + (int)(mm_test_rng() % 4);
    for (int k = 0; k < flips; k++) copy[mm_test_rng() % f.len] = (uint8_t)mm_test_rng();
    mm__waf_mmdb *db = mm__waf_mmdb_open(copy, f.len, false, NULL);
    if (!db) continue;
    for (size_t i = 0; i < MM_ARRAY_LEN(addrs); i++) {
      mm_waf_geo_result r;
      look(db, addrs[i], &r);
      ASSERT_TRUE(strlen(r.country) <= 2 && strlen(r.region) <= 3);
    }
    mm__waf_mmdb_free(db);
  }
  free(copy);
  mm_buf_free(&f);
}

/* One record whose data is d (built by fill); lookups of 192.0.2.1. */
static bool lookup_hostile(void (*fill)(mm_buf *d)) {
  mmdb_writer w;
  w_init(&w, 24, 4);
  fill(&w.data);
  w_insert_cidr(&w, "192.0.2.0/24", 0);
  mm_buf f = w_finish(&w, "hostile");
  w_free(&w);
  mm__waf_mmdb *db = mm__waf_mmdb_open((const uint8_t *)f.ptr, f.len, false, NULL);
  if (!db) MM_TEST_FAIL("hostile database refused at open");
  mm_waf_geo_result r;
  bool found = look(db, "192.0.2.1", &r);
  mm__waf_mmdb_free(db);
  mm_buf_free(&f);
  return found;
}

static void fill_self_pointer(mm_buf *d) { put_pointer(d, 0); }
static void fill_pointer_cycle(mm_buf *d) {
  put_pointer(d, 2);
  put_pointer(d, 0);
}
static void fill_huge_map(mm_buf *d) {
  put_ctrl(d, 7, 16000000);                         /* 16 million pairs of ... */
  for (int i = 0; i < 1000; i++) put_pointer(d, 0); /* ... pointers, then the end */
}
static void fill_deep_nesting(mm_buf *d) {
  for (int i = 0; i < 5000; i++) {
    put_ctrl(d, 7, 1);
    put_str(d, "a");
  }
  put_str(d, "x");
}
static void fill_key_not_string(mm_buf *d) {
  put_ctrl(d, 7, 1);
  put_uint(d, 6, 7);
  put_str(d, "x");
}
static void fill_bad_types(mm_buf *d) {
  put_ctrl(d, 7, 3);
  put_str(d, "a");
  put_ctrl(d, 3, 5); /* a double of 5 bytes */
  mm_buf_append(d, "12345", 5);
  put_str(d, "country");
  put_ctrl(d, 12, 0); /* data cache container */
  put_str(d, "x");
  put_str(d, "y");
}
static void fill_string_past_end(mm_buf *d) {
  put_ctrl(d, 7, 1);
  put_str(d, "country");
  put_ctrl(d, 7, 1);
  put_str(d, "iso_code");
  put_ctrl(d, 2, 60000); /* claims 60,000 bytes: the section is shorter */
}

TEST(mmdb_hostile_records_are_not_found) {
  ASSERT_FALSE(lookup_hostile(fill_self_pointer));
  ASSERT_FALSE(lookup_hostile(fill_pointer_cycle));
  ASSERT_FALSE(lookup_hostile(fill_huge_map));
  ASSERT_FALSE(lookup_hostile(fill_deep_nesting));
  ASSERT_FALSE(lookup_hostile(fill_key_not_string));
  ASSERT_FALSE(lookup_hostile(fill_bad_types));
  ASSERT_FALSE(lookup_hostile(fill_string_past_end));
}

/* ---- Tor's geoip files ------------------------------------------------------------ */

static void expect_country(const mm_waf_geo *g, const char *addr, const char *cc) {
  mm_waf_geo_result r;
  mm_ip_addr a = ip(addr);
  bool found = mm_waf_geo_lookup(g, &a, &r);
  if (cc == NULL) {
    if (found) MM_TEST_FAIL("%s: expected unknown, got %s", addr, r.country);
    return;
  }
  if (!found || strcmp(r.country, cc) != 0)
    MM_TEST_FAIL("%s: expected %s, got %s", addr, cc, found ? r.country : "(unknown)");
  ASSERT_EQ(r.asn, 0);
}

TEST(tor_geoipdb_from_debian) {
  mm_error err;
  mm_waf_geo *g = mm_waf_geo_open_default(&err);
  if (!g) MM_TEST_FAIL("tor-geoipdb (scripts/deps.sh installs it): %s", err.msg);
  expect_country(g, "8.8.8.8", "US");         /* Google Public DNS */
  expect_country(g, "::ffff:8.8.4.4", "US");  /* the same, IPv4-mapped */
  expect_country(g, "193.0.0.1", "NL");       /* RIPE NCC, Amsterdam */
  expect_country(g, "133.11.0.1", "JP");      /* the University of Tokyo */
  expect_country(g, "200.160.2.3", "BR");     /* NIC.br */
  expect_country(g, "2001:200::1", "JP");     /* WIDE project */
  expect_country(g, "2001:67c:2e8::1", "NL"); /* RIPE NCC */
  expect_country(g, "127.0.0.1", NULL);
  expect_country(g, "10.1.2.3", NULL);
  expect_country(g, "::1", NULL);
  mm_waf_geo_free(g);
}

static char *write_temp(const char *text) {
  static char path[2][32];
  static int k;
  char *p = path[k++ % 2];
  snprintf(p, 32, "/tmp/mamori-tor-XXXXXX");
  int fd = mkstemp(p);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) abort();
  close(fd);
  return p;
}

TEST(tor_files_written_here) {
  char *v4 = write_temp(
      "# comment\r\n16777216,16777471,AU\r\n\r\n16777472,16778239,??\n"
      "3232235520,3232301055,ZZ\n4294967295,4294967295,XX");
  char *v6 = write_temp("# IPv6\n2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n");
  mm_error err;
  mm_waf_geo *g = mm_waf_geo_open(v4, v6, &err);
  unlink(v4);
  unlink(v6);
  if (!g) MM_TEST_FAIL("%s", err.msg);
  expect_country(g, "1.0.0.0", "AU");
  expect_country(g, "1.0.0.255", "AU");
  expect_country(g, "1.0.1.0", NULL); /* "??" */
  expect_country(g, "192.168.255.255", "ZZ");
  expect_country(g, "255.255.255.255", "XX");
  expect_country(g, "2001:db8:1::1", "DE");
  expect_country(g, "2001:db9::", NULL);
  mm_waf_geo_free(g);
}

TEST(tor_file_errors_are_located) {
  static const struct {
    const char *text;
    uint32_t line, column;
  } cases[] = {
      {"1,2,US\n3,4\n", 2, 1},    {"1,2,US\nx,4,US\n", 2, 1}, {"1,4294967296,US\n", 1, 3},
      {"1,2,us\n", 1, 5},         {"1,2,USA\n", 1, 5},        {"5,2,US\n", 1, 1},
      {"::1,1.2.3.4,US\n", 1, 5}, {"::2,::1,US\n", 1, 1},
  };
  for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
    char *p = write_temp(cases[i].text);
    mm_error err;
    mm_waf_geo *g = mm_waf_geo_open(p, NULL, &err);
    unlink(p);
    if (g || err.line != cases[i].line || err.column != cases[i].column)
      MM_TEST_FAIL("case %zu: %s at %u:%u (%s)", i, g ? "accepted" : "refused", err.line,
                   err.column, err.msg);
  }
  mm_error err;
  ASSERT_TRUE(mm_waf_geo_open("/nonexistent/geoip", NULL, &err) == NULL);
  ASSERT_EQ(err.code, MM_EIO);
}

TEST(geo_open_survives_allocation_failures) {
  char *v4 = write_temp("16777216,16777471,AU\n3232235520,3232301055,ZZ\n");
  char *v6 = write_temp("2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n");
  mm_buf f = sample_db(24, 6, 0);
  char mmdb[] = "/tmp/mamori-geo-XXXXXX";
  int fd = mkstemp(mmdb);
  ASSERT_TRUE(fd >= 0 && write(fd, f.ptr, f.len) == (ssize_t)f.len);
  close(fd);
  FAULT_LOOP({
    mm_error err;
    mm_waf_geo *g = mm_waf_geo_open(v4, v6, &err);
    if (g)
      expect_country(g, "2001:db8::1", "DE");
    else
      ASSERT_EQ(err.code, MM_ENOMEM);
    mm_waf_geo_free(g);
  });
  FAULT_LOOP({
    mm_error err;
    mm_waf_geo *g = mm_waf_geo_open(mmdb, NULL, &err);
    if (g)
      expect_country(g, "192.0.2.9", "JP");
    else
      ASSERT_EQ(err.code, MM_ENOMEM);
    mm_waf_geo_free(g);
  });
  unlink(v4);
  unlink(v6);
  unlink(mmdb);
  mm_buf_free(&f);
}

/* Fuzz seeds for fuzz/fuzz_waf_mmdb.c, whose first byte says how to read
 * the rest: "whole" writes 0x00 and the sample file; "synth" writes 0x09
 * (record size 24, IPv4 tree, metadata to be appended by the target), the
 * node count less one, and the sample's tree and data without metadata. */
static int write_seed(const char *kind, const char *path) {
  bool synth = strcmp(kind, "synth") == 0;
  mm_buf f = sample_db(synth ? 24 : 28, synth ? 4 : 6, 0);
  size_t len = f.len;
  uint8_t head[2] = {0x00, 0};
  if (synth) {
    char *m = memmem(f.ptr, f.len, "\xAB\xCD\xEFMaxMind.com", 14);
    char *nc = memmem(f.ptr, f.len, "node_count", 10);
    if (!m || !nc || (uint8_t)nc[10] != 0xc1) return 1; /* one-byte uint32 */
    head[0] = 0x09;
    head[1] = (uint8_t)(nc[11] - 1);
    len = (size_t)(m - f.ptr);
  }
  FILE *out = fopen(path, "wb");
  if (!out || fwrite(head, 1, synth ? 2 : 1, out) != (synth ? 2u : 1u) ||
      fwrite(f.ptr, 1, len, out) != len || fclose(out) != 0)
    return 1;
  mm_buf_free(&f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--write-seed") == 0) return write_seed(argv[2], argv[3]);
  RUN(mmdb_record_sizes_and_ip_versions);
  RUN(mmdb_28_bit_records_use_the_middle_nibbles);
  RUN(mmdb_through_the_public_api);
  RUN(mmdb_bad_metadata_is_refused);
  RUN(mmdb_truncated_at_every_length_never_reads_out_of_bounds);
  RUN(mmdb_random_corruption_never_crashes);
  RUN(mmdb_hostile_records_are_not_found);
  RUN(tor_geoipdb_from_debian);
  RUN(tor_files_written_here);
  RUN(tor_file_errors_are_located);
  RUN(geo_open_survives_allocation_failures);
  return mm_test_summary();
}
