/*
 * geo.c - mm_waf_geo: country (and, from a MaxMind DB, region and ASN) of
 * an address, from Tor's geoip files or a .mmdb (geo_mmdb.c).
 *
 * Tor's files (Debian's tor-geoipdb: /usr/share/tor/geoip and geoip6,
 * written by Tor's scripts/maint/geoip/geoip-db-tool from the IPFire
 * Location database): '#' comment lines, and lines "FROM,TO,CC" where FROM
 * and TO are inclusive bounds, 32-bit integers in the IPv4 file
 * ("16777216,16777471,AU") and IPv6 addresses in the IPv6 file
 * ("2001:4:112::,2001:4:112:ffff:ffff:ffff:ffff:ffff,US"); CC is an ISO
 * 3166-1 alpha-2 code, or "??" for unknown (such lines are skipped). Each
 * range goes into an mm_ipset whose value is the country code packed as
 * 1 + 26 * letter1 + letter2, so a lookup needs no table.
 *
 * Which kind a file is, is decided by its content: a MaxMind metadata
 * marker near the end makes it a .mmdb. Whole files are read into memory,
 * at most MM_WAF_GEO_MAX_FILE bytes.
 */
#include "mamori/alloc.h"
#include "waf/geo.h"
#include "waf/limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TOR_GEOIP  "/usr/share/tor/geoip"
#define TOR_GEOIP6 "/usr/share/tor/geoip6"

struct mm_waf_geo {
  mm_ipset *tor;      /* Tor files: ranges to packed country codes; or NULL */
  mm__waf_mmdb *mmdb; /* a MaxMind DB; or NULL */
};

/* Grow *buf so that it has room for at least 64 KiB more after n bytes,
 * never beyond MM_WAF_GEO_MAX_FILE plus that room. */
static int grow(uint8_t **buf, size_t *cap, size_t n, const char *path, mm_error *err) {
  const size_t room = 65536, most = MM_WAF_GEO_MAX_FILE + room;
  if (*cap - n >= room) return MM_OK;
  if (n > MM_WAF_GEO_MAX_FILE)
    return mm_error_set(err, MM_ELIMIT, "%s: larger than MM_WAF_GEO_MAX_FILE", path);
  size_t ncap = *cap ? *cap * 2 : (size_t)1 << 20;
  if (ncap > most) ncap = most;
  uint8_t *grown = mm_realloc(*buf, ncap + 1);
  if (!grown) return mm_error_set(err, MM_ENOMEM, "out of memory");
  *buf = grown;
  *cap = ncap;
  return MM_OK;
}

/* The whole file in an mm_malloc'd buffer (NUL-terminated). */
static int read_file(const char *path, uint8_t **out, size_t *len, mm_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return mm_error_set(err, MM_EIO, "%s: %s", path, strerror(errno));
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0, got;
  int rc;
  do {
    if ((rc = grow(&buf, &cap, n, path, err)) != MM_OK) break;
    got = fread(buf + n, 1, cap - n, f);
    n += got;
  } while (got > 0);
  if (rc == MM_OK && n > MM_WAF_GEO_MAX_FILE)
    rc = mm_error_set(err, MM_ELIMIT, "%s: larger than MM_WAF_GEO_MAX_FILE", path);
  if (rc == MM_OK && ferror(f)) rc = mm_error_set(err, MM_EIO, "%s: read error", path);
  fclose(f);
  if (rc) {
    mm_free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return MM_OK;
}

/* ---- Tor's text files ----------------------------------------------------------- */

typedef struct tor_file {
  const char *path; /* for messages */
  const char *text; /* the file */
  size_t len;       /* its bytes */
  mm_error *err;    /* may be NULL */
} tor_file;

static int tor_fail(const tor_file *t, int code, size_t at, const char *msg) {
  return mm_error_at(t->err, code, t->text, t->len, at, "%s: %s", t->path, msg);
}

/* A decimal 32-bit integer (the IPv4 file's bounds). */
static bool parse_u32(mm_str s, uint32_t *out) {
  uint64_t v = 0;
  if (s.len == 0 || s.len > 10) return false;
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] < '0' || s.ptr[i] > '9') return false;
    v = v * 10 + (uint64_t)(s.ptr[i] - '0');
  }
  if (v > UINT32_MAX) return false;
  *out = (uint32_t)v;
  return true;
}

static bool parse_bound(mm_str s, mm_ip_addr *out) {
  uint32_t v4;
  if (memchr(s.ptr, ':', s.len)) return mm_ip_parse(s.ptr, s.len, out, NULL) == MM_OK;
  if (!parse_u32(s, &v4)) return false;
  *out = mm_ip_from_v4(v4);
  return true;
}

/* 0 for "??" (unknown), else the packed code; -1 when malformed. */
static int country_value(mm_str cc) {
  if (cc.len == 2 && cc.ptr[0] == '?' && cc.ptr[1] == '?') return 0;
  if (cc.len != 2 || cc.ptr[0] < 'A' || cc.ptr[0] > 'Z' || cc.ptr[1] < 'A' || cc.ptr[1] > 'Z')
    return -1;
  return 1 + 26 * (cc.ptr[0] - 'A') + (cc.ptr[1] - 'A');
}

/* One "FROM,TO,CC" line at [s, e) into b. */
static int tor_line(const tor_file *t, size_t s, size_t e, mm_ipset_builder *b) {
  const char *p = t->text + s;
  const char *c1 = memchr(p, ',', e - s);
  const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(t->text + e - c1 - 1)) : NULL;
  if (!c2) return tor_fail(t, MM_ESYNTAX, s, "expected FROM,TO,CC");
  mm_ip_addr lo, hi;
  if (!parse_bound((mm_str){p, (size_t)(c1 - p)}, &lo))
    return tor_fail(t, MM_ESYNTAX, s, "FROM is not an address or a 32-bit integer");
  if (!parse_bound((mm_str){c1 + 1, (size_t)(c2 - c1 - 1)}, &hi))
    return tor_fail(t, MM_ESYNTAX, (size_t)(c1 + 1 - t->text), "TO is not an address or integer");
  int cc = country_value((mm_str){c2 + 1, (size_t)(t->text + e - c2 - 1)});
  if (cc < 0) return tor_fail(t, MM_ESYNTAX, (size_t)(c2 + 1 - t->text), "expected a country code");
  if (cc == 0) return MM_OK;
  mm_error e2;
  int rc = mm_ipset_add_range(b, &lo, &hi, (uint32_t)cc, &e2);
  return rc ? tor_fail(t, rc, s, e2.msg) : MM_OK;
}

static int tor_parse(const tor_file *t, mm_ipset_builder *b) {
  size_t pos = 0;
  while (pos < t->len) {
    const char *nl = memchr(t->text + pos, '\n', t->len - pos);
    size_t end = nl ? (size_t)(nl - t->text) : t->len, next = nl ? end + 1 : end;
    if (end > pos && t->text[end - 1] == '\r') end--;
    if (end - pos > MM_WAF_GEO_MAX_LINE)
      return tor_fail(t, MM_ELIMIT, pos, "line longer than MM_WAF_GEO_MAX_LINE");
    if (end > pos && t->text[pos] != '#') {
      int rc = tor_line(t, pos, end, b);
      if (rc) return rc;
    }
    pos = next;
  }
  return MM_OK;
}

static int tor_add_file(const char *path, mm_ipset_builder *b, mm_error *err) {
  uint8_t *buf;
  size_t len;
  int rc = read_file(path, &buf, &len, err);
  if (rc) return rc;
  tor_file t = {path, (const char *)buf, len, err};
  rc = tor_parse(&t, b);
  mm_free(buf);
  return rc;
}

static mm_waf_geo *open_tor(const char *path, const char *path6, mm_error *err) {
  mm_ipset_builder *b = mm_ipset_builder_new();
  mm_waf_geo *g = mm_calloc(1, sizeof *g);
  int rc = (b && g) ? MM_OK : mm_error_set(err, MM_ENOMEM, "out of memory");
  if (!rc) rc = tor_add_file(path, b, err);
  if (!rc && path6) rc = tor_add_file(path6, b, err);
  if (!rc && !(g->tor = mm_ipset_compile(b, err))) rc = MM_ENOMEM;
  mm_ipset_builder_free(b);
  if (rc) {
    mm_free(g);
    return NULL;
  }
  return g;
}

/* ---- the public API ------------------------------------------------------------ */

mm_waf_geo *mm_waf_geo_open(const char *path, const char *path6, mm_error *err) {
  mm_error_clear(err);
  if (!path) {
    mm_error_set(err, MM_EINVAL, "no geo database path");
    return NULL;
  }
  uint8_t *buf;
  size_t len;
  if (read_file(path, &buf, &len, err)) return NULL;
  if (!mm__waf_mmdb_detect(buf, len)) {
    mm_free(buf);
    return open_tor(path, path6, err);
  }
  mm_waf_geo *g = mm_calloc(1, sizeof *g);
  if (!g || !(g->mmdb = mm__waf_mmdb_open(buf, len, true, err))) {
    if (!g) mm_error_set(err, MM_ENOMEM, "out of memory");
    mm_free(buf);
    mm_free(g);
    return NULL;
  }
  return g;
}

mm_waf_geo *mm_waf_geo_open_default(mm_error *err) {
  FILE *f = fopen(TOR_GEOIP, "rb");
  if (!f) {
    mm_error_set(err, MM_ENOENT, "%s: not found (install Debian's tor-geoipdb)", TOR_GEOIP);
    return NULL;
  }
  fclose(f);
  f = fopen(TOR_GEOIP6, "rb");
  if (f) fclose(f);
  return mm_waf_geo_open(TOR_GEOIP, f ? TOR_GEOIP6 : NULL, err);
}

void mm_waf_geo_free(mm_waf_geo *g) {
  if (!g) return;
  mm_ipset_free(g->tor);
  mm__waf_mmdb_free(g->mmdb);
  mm_free(g);
}

bool mm_waf_geo_lookup(const mm_waf_geo *g, const mm_ip_addr *a, mm_waf_geo_result *out) {
  memset(out, 0, sizeof *out);
  if (!g || !a) return false;
  if (g->mmdb) return mm__waf_mmdb_lookup(g->mmdb, a, out);
  uint32_t v = 0;
  if (!mm_ipset_lookup(g->tor, a, &v) || v == 0 || v > 26 * 26) return false;
  out->country[0] = (char)('A' + (v - 1) / 26);
  out->country[1] = (char)('A' + (v - 1) % 26);
  return true;
}
