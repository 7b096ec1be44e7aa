/*
 * tls_fp.c - JA3 and JA4 fingerprints of a TLS ClientHello, from the facts
 * in an mm_waf_tls_hello (the caller parsed the hello).
 *
 * JA3 (Salesforce, github.com/salesforce/ja3 README): the decimal fields
 *   SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat
 * with the values of each list joined by '-', GREASE values (RFC 8701:
 * 0x0a0a, 0x1a1a ... 0xfafa) left out of the ciphers, extensions and
 * groups; the fingerprint is the lowercase hex MD5 of that string.
 *
 * JA4 (FoxIO, github.com/FoxIO-LLC/ja4 technical_details/JA4.md):
 *   a: 't' or 'q' (QUIC), the TLS version (highest of supported_versions
 *      without GREASE, else legacy_version: "13" "12" "11" "10" "s3" "s2"
 *      "s1", DTLS "d1" "d2" "d3", unknown "00"), 'd' when SNI is present
 *      else 'i', two-digit cipher and extension counts without GREASE
 *      (capped at 99; SNI and ALPN count), the first and last character of
 *      the first ALPN value ("00" when none; when either is not an ASCII
 *      letter or digit, the first hex digit of the first byte and the last
 *      hex digit of the last byte, as FoxIO's reference implementation does);
 *   b: the first 12 hex digits of the SHA-256 of the sorted cipher list
 *      ("002f,0035,..."), "000000000000" when there are no ciphers;
 *   c: the same of the sorted extension list without GREASE, SNI (0000) and
 *      ALPN (0010), then '_' and the signature algorithms in the order sent
 *      (no '_' when there are none); "000000000000" when the extension list
 *      is empty.
 * MD5 and SHA-256 are the text transformations' (transform_hash.c).
 */
#include "mamori/alloc.h"
#include "mamori/waf.h"
#include "waf/transform.h"

#include <stdlib.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

/* RFC 8701 section 2: 0x0A0A, 0x1A1A, ..., 0xFAFA. */
static bool is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

static void hex_bytes(const uint8_t *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex_digits[in[i] >> 4];
    out[2 * i + 1] = hex_digits[in[i] & 15];
  }
}

/* ---- JA3 ------------------------------------------------------------------------ */

static void put_decimal_list(mm_buf *b, const uint16_t *v, size_t n, bool skip_grease) {
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (skip_grease && is_grease(v[i])) continue;
    mm_buf_printf(b, first ? "%u" : "-%u", (unsigned)v[i]);
    first = false;
  }
}

int mm_waf_ja3(const mm_waf_tls_hello *h, char out[MM_WAF_JA3_LEN + 1], mm_buf *full) {
  mm_buf local = MM_BUF_INIT, *b = full ? full : &local;
  if (!h) return MM_EINVAL;
  mm_buf_clear(b);
  mm_buf_printf(b, "%u,", (unsigned)h->legacy_version);
  put_decimal_list(b, h->ciphers, h->n_ciphers, true);
  mm_buf_putc(b, ',');
  put_decimal_list(b, h->extensions, h->n_extensions, true);
  mm_buf_putc(b, ',');
  put_decimal_list(b, h->groups, h->n_groups, true);
  mm_buf_putc(b, ',');
  for (size_t i = 0; i < h->n_point_formats; i++)
    mm_buf_printf(b, i ? "-%u" : "%u", (unsigned)h->point_formats[i]);
  int rc = b->oom ? MM_ENOMEM : MM_OK;
  if (rc == MM_OK) {
    uint8_t md5[MM__WAF_MD5_LEN];
    mm__waf_t_md5((mm_str){b->ptr ? b->ptr : "", b->len}, md5);
    hex_bytes(md5, sizeof md5, out);
    out[MM_WAF_JA3_LEN] = '\0';
  }
  mm_buf_free(&local);
  return rc;
}

/* ---- JA4 ------------------------------------------------------------------------ */

static const char *version_code(uint16_t v) {
  static const struct {
    uint16_t v;
    const char *code;
  } table[] = {{0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"}, {0x0300, "s3"},
               {0x0200, "s2"}, {0x0100, "s1"}, {0xfeff, "d1"}, {0xfefd, "d2"}, {0xfefc, "d3"}};
  for (size_t i = 0; i < MM_ARRAY_LEN(table); i++)
    if (table[i].v == v) return table[i].code;
  return "00";
}

static uint16_t ja4_version(const mm_waf_tls_hello *h) {
  uint16_t best = 0;
  bool any = false;
  for (size_t i = 0; i < h->n_versions; i++)
    if (!is_grease(h->versions[i]) && (!any || h->versions[i] > best)) {
      best = h->versions[i];
      any = true;
    }
  return any ? best : h->legacy_version;
}

static size_t count_non_grease(const uint16_t *v, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += !is_grease(v[i]);
  return k;
}

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void alpn_code(mm_str alpn, char code[2]) {
  if (alpn.len == 0) {
    code[0] = code[1] = '0';
    return;
  }
  unsigned char first = (unsigned char)alpn.ptr[0], last = (unsigned char)alpn.ptr[alpn.len - 1];
  if (is_alnum(first) && is_alnum(last)) {
    code[0] = (char)first;
    code[1] = (char)last;
  } else {
    code[0] = hex_digits[first >> 4];
    code[1] = hex_digits[last & 15];
  }
}

static bool has_value(const uint16_t *v, size_t n, uint16_t x) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

static void ja4_a(const mm_waf_tls_hello *h, char *out) {
  size_t nc = count_non_grease(h->ciphers, h->n_ciphers);
  size_t ne = count_non_grease(h->extensions, h->n_extensions);
  bool sni = h->has_sni || has_value(h->extensions, h->n_extensions, 0x0000);
  if (nc > 99) nc = 99;
  if (ne > 99) ne = 99;
  out[0] = h->quic ? 'q' : 't';
  memcpy(out + 1, version_code(ja4_version(h)), 2);
  out[3] = sni ? 'd' : 'i';
  out[4] = (char)('0' + nc / 10);
  out[5] = (char)('0' + nc % 10);
  out[6] = (char)('0' + ne / 10);
  out[7] = (char)('0' + ne % 10);
  alpn_code(h->alpn, out + 8);
}

static int cmp_u16(const void *x, const void *y) {
  uint16_t a = *(const uint16_t *)x, b = *(const uint16_t *)y;
  return (a > b) - (a < b);
}

static void put_hex_list(mm_buf *b, const uint16_t *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char item[5] = {hex_digits[v[i] >> 12], hex_digits[(v[i] >> 8) & 15],
                    hex_digits[(v[i] >> 4) & 15], hex_digits[v[i] & 15], ','};
    mm_buf_append(b, item, i + 1 < n ? 5 : 4);
  }
}

/* The first 12 hex digits of SHA-256(text), or twelve '0' when empty. */
static void truncated_sha256(const mm_buf *b, bool empty, char out[12]) {
  if (empty) {
    memset(out, '0', 12);
    return;
  }
  uint8_t d[MM__WAF_SHA256_LEN];
  mm__waf_t_sha256((mm_str){b->ptr ? b->ptr : "", b->len}, d);
  hex_bytes(d, 6, out);
}

/* The values of v without GREASE and without skip1/skip2, sorted, into
 * tmp; returns how many. */
static size_t sorted_filtered(const uint16_t *v, size_t n, int skip1, int skip2, uint16_t *tmp) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!is_grease(v[i]) && v[i] != skip1 && v[i] != skip2) tmp[k++] = v[i];
  qsort(tmp, k, sizeof *tmp, cmp_u16);
  return k;
}

static int ja4_bc(const mm_waf_tls_hello *h, uint16_t *tmp, char *out) {
  mm_buf b = MM_BUF_INIT;
  size_t k = sorted_filtered(h->ciphers, h->n_ciphers, -1, -1, tmp);
  put_hex_list(&b, tmp, k);
  truncated_sha256(&b, k == 0, out);
  out[12] = '_';
  bool oom = b.oom; /* mm_buf_clear forgets it */
  mm_buf_clear(&b);
  k = sorted_filtered(h->extensions, h->n_extensions, 0x0000, 0x0010, tmp);
  put_hex_list(&b, tmp, k);
  size_t ns = 0;
  for (size_t i = 0; i < h->n_sig_algs; i++)
    if (!is_grease(h->sig_algs[i])) tmp[ns++] = h->sig_algs[i];
  if (ns) {
    mm_buf_putc(&b, '_');
    put_hex_list(&b, tmp, ns);
  }
  truncated_sha256(&b, k == 0, out + 13);
  int rc = (oom || b.oom) ? MM_ENOMEM : MM_OK;
  mm_buf_free(&b);
  return rc;
}

int mm_waf_ja4(const mm_waf_tls_hello *h, char out[MM_WAF_JA4_LEN + 1]) {
  if (!h) return MM_EINVAL;
  size_t most = h->n_ciphers > h->n_extensions ? h->n_ciphers : h->n_extensions;
  if (h->n_sig_algs > most) most = h->n_sig_algs;
  uint16_t *tmp = mm_malloc((most ? most : 1) * sizeof *tmp);
  if (!tmp) return MM_ENOMEM;
  ja4_a(h, out);
  out[10] = '_';
  int rc = ja4_bc(h, tmp, out + 11);
  out[MM_WAF_JA4_LEN] = '\0';
  mm_free(tmp);
  return rc;
}
