/*
 * geo_mmdb.c - a MaxMind DB (.mmdb) reader of our own: metadata, the
 * binary search tree and the data-section decoder, enough to answer
 * country, region and ASN for an address.
 *
 * Format: MaxMind DB File Format Specification 2.0
 * (maxmind.github.io/MaxMind-DB/), summarized as tables in waf/geo.h.
 * Works on GeoLite2/GeoIP2 Country, City and ASN databases and on any
 * database with the same keys (DB-IP's lite files use them too).
 *
 * Hostile files: every offset is checked against the section it must lie
 * in before a byte is read; pointer chains stop after
 * MM_WAF_MMDB_MAX_POINTER_CHAIN hops, nesting after MM_WAF_MMDB_MAX_DEPTH,
 * and one lookup visits at most MM_WAF_MMDB_MAX_STEPS fields, so a file
 * built to loop or to read out of bounds yields "not found", never a crash
 * or a hang. The tree walk takes at most 128 steps by construction.
 */
#include "mamori/alloc.h"
#include "waf/geo.h"
#include "waf/limits.h"

#include <string.h>

enum {
  T_EXTENDED = 0,
  T_POINTER = 1,
  T_STRING = 2,
  T_DOUBLE = 3,
  T_BYTES = 4,
  T_UINT16 = 5,
  T_UINT32 = 6,
  T_MAP = 7,
  T_INT32 = 8,
  T_UINT64 = 9,
  T_UINT128 = 10,
  T_ARRAY = 11,
  T_CONTAINER = 12,
  T_END = 13,
  T_BOOL = 14,
  T_FLOAT = 15,
};

static const uint8_t marker[] = "\xAB\xCD\xEFMaxMind.com";
#define MARKER_LEN (sizeof marker - 1)

struct mm__waf_mmdb {
  const uint8_t *data;  /* the whole file; borrowed or owned */
  size_t len;           /* bytes of data */
  bool owned;           /* data is freed with the reader */
  uint32_t node_count;  /* nodes in the search tree */
  unsigned record_size; /* 24, 28 or 32 bits */
  unsigned node_bytes;  /* 6, 7 or 8 */
  unsigned ip_version;  /* 4 or 6 */
  uint32_t ipv4_start;  /* the node (or record value) for ::/96; 0 in an IPv4 tree */
  const uint8_t *dsec;  /* the data section */
  size_t dlen;          /* its bytes */
  char type[64];        /* database_type, cut */
};

/* A region of bytes fields are decoded from (the data section or the
 * metadata), and the budget of one decoding job. */
typedef struct dec {
  const uint8_t *base; /* pointers are offsets from here */
  size_t len;          /* bytes readable from base */
  uint32_t steps;      /* fields visited so far */
} dec;

/* One decoded control byte: type, size and where the payload starts. */
typedef struct field {
  unsigned type;  /* T_* */
  uint32_t size;  /* bytes, entries, pairs, or the pointer's target */
  size_t payload; /* offset of the payload (after the size bytes) */
} field;

static bool read_be(const dec *d, size_t at, unsigned n, uint32_t *out) {
  if (at > d->len || n > d->len - at) return false;
  uint32_t v = 0;
  for (unsigned i = 0; i < n; i++) v = v << 8 | d->base[at + i];
  *out = v;
  return true;
}

/* A pointer's target (waf/geo.h: size bits SS VVV). */
static bool read_pointer(const dec *d, uint8_t ctrl, size_t at, field *f) {
  static const uint32_t bias[4] = {0, 2048, 526336, 0};
  unsigned ss = (ctrl >> 3) & 3;
  uint32_t v;
  if (!read_be(d, at, ss + 1, &v)) return false;
  if (ss < 3) v |= (uint32_t)(ctrl & 7) << (8 * (ss + 1));
  f->size = v + bias[ss];
  f->payload = at + ss + 1;
  return true;
}

/* The control byte (and extended type, size bytes) at *pos. */
static bool read_field(dec *d, size_t pos, field *f) {
  if (++d->steps > MM_WAF_MMDB_MAX_STEPS || pos >= d->len) return false;
  uint8_t ctrl = d->base[pos++];
  f->type = ctrl >> 5;
  if (f->type == T_POINTER) return read_pointer(d, ctrl, pos, f);
  if (f->type == T_EXTENDED) {
    if (pos >= d->len || d->base[pos] == 0 || d->base[pos] > T_FLOAT - 7) return false;
    f->type = 7u + d->base[pos++];
  }
  uint32_t size = ctrl & 0x1f, extra;
  static const uint32_t base_of[3] = {29, 285, 65821};
  if (size >= 29) {
    unsigned n = size - 28;
    if (!read_be(d, pos, n, &extra)) return false;
    size = base_of[n - 1] + extra;
    pos += n;
  }
  f->size = size;
  f->payload = pos;
  return f->type != T_CONTAINER && f->type != T_END;
}

/* Follow pointers from the field at pos to a non-pointer field. */
static bool resolve(dec *d, size_t pos, field *f) {
  for (int hops = 0; hops <= MM_WAF_MMDB_MAX_POINTER_CHAIN; hops++) {
    if (!read_field(d, pos, f)) return false;
    if (f->type != T_POINTER) return true;
    pos = f->size;
  }
  return false;
}

/* Bytes of payload of a scalar field, checked against the section. */
static bool scalar_end(const dec *d, const field *f, size_t *end) {
  static const uint8_t max_size[16] = {
      [T_DOUBLE] = 8, [T_UINT16] = 2,   [T_UINT32] = 4, [T_INT32] = 4,
      [T_UINT64] = 8, [T_UINT128] = 16, [T_BOOL] = 1,   [T_FLOAT] = 4};
  uint32_t n = f->size;
  if (f->type == T_BOOL) n = 0;
  if (max_size[f->type] && f->size > max_size[f->type]) return false;
  if ((f->type == T_DOUBLE && f->size != 8) || (f->type == T_FLOAT && f->size != 4)) return false;
  if (f->payload > d->len || n > d->len - f->payload) return false;
  *end = f->payload + n;
  return true;
}

/* The offset just past the field at pos (pointers are not followed). */
static bool skip(dec *d, size_t pos, unsigned depth, size_t *end) {
  field f;
  if (!read_field(d, pos, &f)) return false;
  if (f.type == T_POINTER) {
    *end = f.payload;
    return true;
  }
  if (f.type != T_MAP && f.type != T_ARRAY) return scalar_end(d, &f, end);
  if (depth >= MM_WAF_MMDB_MAX_DEPTH) return false;
  uint64_t items = f.type == T_MAP ? (uint64_t)f.size * 2 : f.size;
  size_t at = f.payload;
  for (uint64_t i = 0; i < items; i++)
    if (!skip(d, at, depth + 1, &at)) return false;
  *end = at;
  return true;
}

static bool string_is(const dec *d, const field *f, const char *s) {
  size_t n = strlen(s);
  return f->type == T_STRING && f->size == n && f->payload <= d->len && n <= d->len - f->payload &&
         memcmp(d->base + f->payload, s, n) == 0;
}

/* In the map m, the offset of the value of key; false when absent. */
static bool map_get(dec *d, const field *m, const char *key, size_t *value) {
  if (m->type != T_MAP) return false;
  size_t at = m->payload;
  for (uint32_t i = 0; i < m->size; i++) {
    field k;
    size_t vpos;
    if (!resolve(d, at, &k) || !skip(d, at, 0, &vpos)) return false;
    if (string_is(d, &k, key)) {
      *value = vpos;
      return true;
    }
    if (!skip(d, vpos, 0, &at)) return false;
  }
  return false;
}

/* Resolve the field reached from the map at pos by keys (a NULL-ended
 * list; "[0]" means the first element of an array). */
static bool get_path(dec *d, size_t pos, const char *const *keys, field *out) {
  if (!resolve(d, pos, out)) return false;
  for (; *keys; keys++) {
    if (strcmp(*keys, "[0]") == 0) {
      if (out->type != T_ARRAY || out->size == 0) return false;
      pos = out->payload;
    } else if (!map_get(d, out, *keys, &pos)) {
      return false;
    }
    if (!resolve(d, pos, out)) return false;
  }
  return true;
}

/* An unsigned integer field of up to 8 bytes (uint16/32/64, or int32 >= 0). */
static bool get_uint(const dec *d, const field *f, uint64_t *out) {
  size_t end;
  if (f->type != T_UINT16 && f->type != T_UINT32 && f->type != T_UINT64 && f->type != T_INT32)
    return false;
  if (!scalar_end(d, f, &end)) return false;
  uint64_t v = 0;
  for (size_t i = f->payload; i < end; i++) v = v << 8 | d->base[i];
  if (f->type == T_INT32 && f->size == 4 && (v & 0x80000000u)) return false;
  *out = v;
  return true;
}

static bool get_string(const dec *d, const field *f, char *out, size_t cap) {
  if (f->type != T_STRING || f->size == 0 || f->size >= cap) return false;
  if (f->payload > d->len || f->size > d->len - f->payload) return false;
  memcpy(out, d->base + f->payload, f->size);
  out[f->size] = '\0';
  return true;
}

/* ---- metadata ----------------------------------------------------------------- */

static size_t find_marker(const uint8_t *data, size_t len) {
  size_t lo = len > MM_WAF_MMDB_METADATA_MAX ? len - MM_WAF_MMDB_METADATA_MAX : 0;
  if (len < MARKER_LEN) return SIZE_MAX;
  for (size_t i = len - MARKER_LEN + 1; i-- > lo;)
    if (data[i] == marker[0] && memcmp(data + i, marker, MARKER_LEN) == 0) return i;
  return SIZE_MAX;
}

bool mm__waf_mmdb_detect(const uint8_t *data, size_t len) {
  return data && find_marker(data, len) != SIZE_MAX;
}

static bool meta_uint(dec *d, const field *m, const char *key, uint64_t *out) {
  size_t pos;
  field f;
  return map_get(d, m, key, &pos) && resolve(d, pos, &f) && get_uint(d, &f, out);
}

static int read_metadata(mm__waf_mmdb *db, size_t at, mm_error *err) {
  dec d = {db->data + at, db->len - at, 0};
  field m;
  uint64_t nodes = 0, rs = 0, ipv = 0, major = 0;
  if (!resolve(&d, 0, &m) || m.type != T_MAP)
    return mm_error_set(err, MM_ESYNTAX, "mmdb: the metadata is not a map");
  if (!meta_uint(&d, &m, "node_count", &nodes) || !meta_uint(&d, &m, "record_size", &rs) ||
      !meta_uint(&d, &m, "ip_version", &ipv))
    return mm_error_set(err, MM_ESYNTAX,
                        "mmdb: metadata lacks node_count, record_size or ip_version");
  if (meta_uint(&d, &m, "binary_format_major_version", &major) && major != 2)
    return mm_error_set(err, MM_EINVAL, "mmdb: binary format version %u, not 2", (unsigned)major);
  if ((rs != 24 && rs != 28 && rs != 32) || (ipv != 4 && ipv != 6) || nodes == 0 ||
      nodes > UINT32_MAX)
    return mm_error_set(err, MM_EINVAL, "mmdb: record_size %u / ip_version %u / node_count %llu",
                        (unsigned)rs, (unsigned)ipv, (unsigned long long)nodes);
  db->node_count = (uint32_t)nodes;
  db->record_size = (unsigned)rs;
  db->node_bytes = (unsigned)rs / 4;
  db->ip_version = (unsigned)ipv;
  size_t pos;
  field t;
  if (map_get(&d, &m, "database_type", &pos) && resolve(&d, pos, &t))
    get_string(&d, &t, db->type, sizeof db->type);
  return MM_OK;
}

/* ---- the search tree ------------------------------------------------------------ */

static uint32_t read_record(const mm__waf_mmdb *db, uint32_t node, unsigned bit) {
  const uint8_t *p = db->data + (size_t)node * db->node_bytes;
  switch (db->record_size) {
    case 24:
      p += bit * 3;
      return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    case 28:
      if (bit == 0) return (uint32_t)(p[3] & 0xf0) << 20 | (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
      return (uint32_t)(p[3] & 0x0f) << 24 | (uint32_t)p[4] << 16 | p[5] << 8 | p[6];
    default:
      p += bit * 4;
      return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  }
}

static int layout(mm__waf_mmdb *db, size_t meta_at, mm_error *err) {
  uint64_t tree = (uint64_t)db->node_count * db->node_bytes;
  if (tree + 16 > meta_at)
    return mm_error_set(err, MM_ESYNTAX,
                        "mmdb: the search tree (%u nodes) does not fit before the metadata",
                        (unsigned)db->node_count);
  db->dsec = db->data + tree + 16;
  db->dlen = meta_at - (size_t)tree - 16;
  uint32_t node = 0;
  if (db->ip_version == 6)
    for (int i = 0; i < 96 && node < db->node_count; i++) node = read_record(db, node, 0);
  db->ipv4_start = node;
  return MM_OK;
}

mm__waf_mmdb *mm__waf_mmdb_open(const uint8_t *data, size_t len, bool owned, mm_error *err) {
  size_t at = data ? find_marker(data, len) : SIZE_MAX;
  if (at == SIZE_MAX) {
    mm_error_set(err, MM_ESYNTAX, "mmdb: no metadata marker in the last 128 KiB");
    return NULL;
  }
  mm__waf_mmdb *db = mm_calloc(1, sizeof *db);
  if (!db) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  db->data = data;
  db->len = len;
  int rc = read_metadata(db, at + MARKER_LEN, err);
  if (!rc) rc = layout(db, at, err);
  if (rc) {
    mm_free(db);
    return NULL;
  }
  db->owned = owned;
  return db;
}

void mm__waf_mmdb_free(mm__waf_mmdb *db) {
  if (!db) return;
  if (db->owned) mm_free((void *)db->data);
  mm_free(db);
}

const char *mm__waf_mmdb_type(const mm__waf_mmdb *db) { return db ? db->type : ""; }

/* The record value for a: a data pointer (> node_count) or node_count. */
static uint32_t walk(const mm__waf_mmdb *db, const mm_ip_addr *a) {
  unsigned bits = 128;
  uint32_t node = 0;
  if (a->family == MM_IP_V4) {
    bits = 32;
    node = db->ipv4_start;
  } else if (db->ip_version == 4) {
    return db->node_count;
  }
  for (unsigned i = 0; i < bits && node < db->node_count; i++)
    node = read_record(db, node, (a->bytes[i / 8] >> (7 - i % 8)) & 1);
  return node < db->node_count ? db->node_count : node;
}

static void extract(dec *d, size_t rec, mm_waf_geo_result *out) {
  static const char *const country[] = {"country", "iso_code", NULL};
  static const char *const registered[] = {"registered_country", "iso_code", NULL};
  static const char *const region[] = {"subdivisions", "[0]", "iso_code", NULL};
  static const char *const asn[] = {"autonomous_system_number", NULL};
  field f;
  uint64_t v;
  if (!(get_path(d, rec, country, &f) && get_string(d, &f, out->country, sizeof out->country)) &&
      get_path(d, rec, registered, &f))
    get_string(d, &f, out->country, sizeof out->country);
  if (strlen(out->country) != 2) out->country[0] = '\0';
  if (get_path(d, rec, region, &f)) get_string(d, &f, out->region, sizeof out->region);
  if (get_path(d, rec, asn, &f) && get_uint(d, &f, &v) && v <= UINT32_MAX) out->asn = (uint32_t)v;
}

bool mm__waf_mmdb_lookup(const mm__waf_mmdb *db, const mm_ip_addr *a, mm_waf_geo_result *out) {
  memset(out, 0, sizeof *out);
  if (!db || !a) return false;
  mm_ip_addr ip = mm_ip_unmap(a);
  uint32_t v = walk(db, &ip);
  if (v <= db->node_count) return false;
  uint64_t off = (uint64_t)v - db->node_count;
  if (off < 16 || off - 16 >= db->dlen) return false;
  dec d = {db->dsec, db->dlen, 0};
  extract(&d, (size_t)(off - 16), out);
  return out->country[0] || out->region[0] || out->asn;
}
