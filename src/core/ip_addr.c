/*
 * ip_addr.c - parse and format IPv4 and IPv6 addresses, strictly.
 *
 * IPv4 is the dotted quad of RFC 791 / RFC 4632 only: four decimal parts,
 * each 0-255 and without leading zeros. The classic inet_aton forms (octal
 * "010", hex "0x7f", shorthand "127.1", a single 32-bit number) are refused:
 * two parsers that read one text as two addresses let an attacker pass a
 * filter with one spelling and reach the target with the other.
 *
 * IPv6 follows the three text forms of RFC 4291 section 2.2: x:x:x:x:x:x:x:x
 * with 1-4 hex digits per group in either case, "::" (once) for one or more
 * zero groups, and x:x:x:x:x:x:d.d.d.d with the IPv4 part in the last 32
 * bits. Zone ids (RFC 4007 "%eth0") and URL brackets (RFC 3986 "[::1]") are
 * not addresses and are refused with a message saying so.
 *
 * Output is RFC 5952 section 4: lower case, no leading zeros, the longest
 * run of two or more zero groups as "::" (the first such run on a tie), and
 * section 5's mixed notation for IPv4-mapped addresses (::ffff:a.b.c.d)
 * only, the one well-known prefix whose embedded IPv4 address we act on.
 *
 * Every error carries the byte offset of the problem (mm_error_at).
 */
#include "ip_internal.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* How byte c is named in a message: 'x' when printable, else its code. */
static const char *byte_name(char c, char buf[16]) {
  unsigned char u = (unsigned char)c;
  if (u == ' ') return "space";
  if (u > ' ' && u < 0x7f)
    snprintf(buf, 16, "'%c'", c);
  else
    snprintf(buf, 16, "byte 0x%02x", u);
  return buf;
}

/* The error for an unexpected byte (or the end) at t[at], in t[0..end). */
static int unexpected(mm_error *err, const char *t, size_t end, size_t at, const char *expected) {
  char name[16];
  if (at >= end)
    return mm_error_at(err, MM_ESYNTAX, t, end, at, "unexpected end of address; expected %s",
                       expected);
  if (t[at] == '%')
    return mm_error_at(err, MM_ESYNTAX, t, end, at,
                       "zone ids ('%%eth0') are not part of an address");
  if (t[at] == '[' || t[at] == ']')
    return mm_error_at(err, MM_ESYNTAX, t, end, at,
                       "brackets are URL syntax, not part of an address");
  return mm_error_at(err, MM_ESYNTAX, t, end, at, "unexpected %s; expected %s",
                     byte_name(t[at], name), expected);
}

/* ---- IPv4 ----------------------------------------------------------------- */

/* One decimal part at t[*pos]: 0-255, no leading zero. */
static int parse_v4_part(const char *t, size_t end, size_t *pos, uint8_t *out, mm_error *err) {
  size_t start = *pos, i = start;
  unsigned v = 0;
  if (i >= end || !is_digit(t[i])) return unexpected(err, t, end, i, "a decimal digit");
  if (t[i] == '0' && i + 1 < end && is_digit(t[i + 1]))
    return mm_error_at(err, MM_ESYNTAX, t, end, i,
                       "leading zero in an IPv4 part (inet_aton reads it as octal)");
  for (; i < end && is_digit(t[i]); i++)
    if (v <= 255) v = v * 10 + (unsigned)(t[i] - '0');
  if (v > 255)
    return mm_error_at(err, MM_ERANGE, t, end, start, "IPv4 part %.*s exceeds 255",
                       (int)(i - start), t + start);
  *pos = i;
  *out = (uint8_t)v;
  return MM_OK;
}

/* The '.' before part number `part` (1-3) at t[pos]. */
static int expect_dot(const char *t, size_t end, size_t pos, int part, mm_error *err) {
  if (pos < end && t[pos] == '.') return MM_OK;
  if (pos >= end)
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "IPv4 address has %d part%s; it needs 4", part,
                       part == 1 ? "" : "s");
  return unexpected(err, t, end, pos, "'.'");
}

/* A dotted quad filling t[start..end). */
static int parse_v4(const char *t, size_t start, size_t end, uint8_t out[4], mm_error *err) {
  size_t pos = start;
  int rc;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if ((rc = expect_dot(t, end, pos, part, err)) != MM_OK) return rc;
      pos++;
    }
    if ((rc = parse_v4_part(t, end, &pos, &out[part], err)) != MM_OK) return rc;
  }
  if (pos < end && t[pos] == '.')
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "IPv4 address has more than 4 parts");
  if (pos < end) return unexpected(err, t, end, pos, "the end of the IPv4 address");
  return MM_OK;
}

/* ---- IPv6 ----------------------------------------------------------------- */

typedef struct v6_parser {
  const char *t;     /* the text */
  size_t end;        /* parse t[..end) */
  size_t pos;        /* next byte */
  uint16_t group[8]; /* groups seen, in order */
  int n;             /* groups seen (an IPv4 tail counts 2) */
  int gap;           /* index in group[] where "::" stands; -1: none yet */
  size_t gap_at;     /* offset of the "::", valid when gap >= 0 */
  mm_error *err;
} v6_parser;

static int v6_error(v6_parser *p, size_t at, const char *msg) {
  return mm_error_at(p->err, MM_ESYNTAX, p->t, p->end, at, "%s", msg);
}

/* The separator after a group: end, "::" (once) or ':' then a group. */
static int v6_separator(v6_parser *p) {
  const char *t = p->t;
  if (p->pos == p->end) return MM_OK;
  if (t[p->pos] != ':') return unexpected(p->err, t, p->end, p->pos, "':'");
  if (p->pos + 1 < p->end && t[p->pos + 1] == ':') {
    if (p->gap >= 0) return v6_error(p, p->pos, "'::' may appear only once");
    p->gap = p->n;
    p->gap_at = p->pos;
    p->pos += 2;
    return MM_OK;
  }
  p->pos++;
  if (p->pos == p->end) return unexpected(p->err, t, p->end, p->pos, "a hex digit after ':'");
  return MM_OK;
}

/* A dotted quad from `start` to the end: the last 32 bits. */
static int v6_ipv4_tail(v6_parser *p, size_t start) {
  uint8_t q[4];
  int rc;
  if (p->n > 6) return v6_error(p, start, "an embedded IPv4 address must fill the last 32 bits");
  if ((rc = parse_v4(p->t, start, p->end, q, p->err)) != MM_OK) return rc;
  p->group[p->n++] = (uint16_t)(q[0] << 8 | q[1]);
  p->group[p->n++] = (uint16_t)(q[2] << 8 | q[3]);
  p->pos = p->end;
  return MM_OK;
}

/* One group (or the IPv4 tail) and the separator after it. */
static int v6_piece(v6_parser *p) {
  size_t start = p->pos, i = start;
  unsigned v = 0;
  if (p->n == 8) return v6_error(p, start, "IPv6 address has more than 8 groups");
  for (; i < p->end && hex_value(p->t[i]) >= 0; i++)
    if (i - start < 4) v = v << 4 | (unsigned)hex_value(p->t[i]);
  if (i < p->end && p->t[i] == '.') return v6_ipv4_tail(p, start);
  if (i == start) return unexpected(p->err, p->t, p->end, start, "a hex digit");
  if (i - start > 4) return v6_error(p, start + 4, "IPv6 group longer than 4 hex digits");
  p->group[p->n++] = (uint16_t)v;
  p->pos = i;
  return v6_separator(p);
}

/* Check the group count and expand "::" into out. */
static int v6_finish(v6_parser *p, uint8_t out[16]) {
  uint16_t g[8] = {0};
  if (p->gap < 0 && p->n != 8)
    return mm_error_at(p->err, MM_ESYNTAX, p->t, p->end, p->end,
                       "IPv6 address has %d groups; it needs 8 or a '::'", p->n);
  if (p->gap >= 0 && p->n == 8)
    return v6_error(p, p->gap_at, "'::' stands for no group: the other 8 fill the address");
  int tail = p->gap < 0 ? 0 : p->n - p->gap; /* groups after the "::" */
  memcpy(g, p->group, (size_t)(p->n - tail) * sizeof(uint16_t));
  memcpy(g + 8 - tail, p->group + p->n - tail, (size_t)tail * sizeof(uint16_t));
  for (int i = 0; i < 8; i++) {
    out[2 * i] = (uint8_t)(g[i] >> 8);
    out[2 * i + 1] = (uint8_t)g[i];
  }
  return MM_OK;
}

static int parse_v6(const char *t, size_t start, size_t end, uint8_t out[16], mm_error *err) {
  v6_parser p = {t, end, start, {0}, 0, -1, 0, err};
  int rc;
  if (end - start >= 2 && t[start] == ':' && t[start + 1] == ':') {
    p.gap = 0;
    p.gap_at = start;
    p.pos = start + 2;
  } else if (t[start] == ':') {
    return v6_error(&p, start, "IPv6 address starts with a single ':'");
  }
  while (p.pos < end)
    if ((rc = v6_piece(&p)) != MM_OK) return rc;
  return v6_finish(&p, out);
}

/* ---- parse entry points ------------------------------------------------- */

/* Parse t[start..end) with offsets counted from t (ip_cidr.c shares it). */
int mm__ip_parse_span(const char *t, size_t start, size_t end, mm_ip_addr *out, mm_error *err) {
  mm_ip_addr a;
  int rc;
  memset(&a, 0, sizeof(a));
  if (start >= end) return mm_error_at(err, MM_ESYNTAX, t, end, start, "empty address");
  if (memchr(t + start, ':', end - start)) {
    a.family = MM_IP_V6;
    rc = parse_v6(t, start, end, a.bytes, err);
  } else {
    a.family = MM_IP_V4;
    rc = parse_v4(t, start, end, a.bytes, err);
  }
  if (rc == MM_OK) *out = a;
  return rc;
}

int mm_ip_parse(const char *text, size_t len, mm_ip_addr *out, mm_error *err) {
  if (!text && len) return mm_error_set(err, MM_EINVAL, "NULL address text");
  return mm__ip_parse_span(text ? text : "", 0, len, out, err);
}

/* ---- formatting ------------------------------------------------------------ */

static size_t put_dec(char *o, unsigned v) {
  char tmp[3];
  size_t n = 0;
  do tmp[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  for (size_t i = 0; i < n; i++) o[i] = tmp[n - 1 - i];
  return n;
}

static size_t put_hex16(char *o, unsigned v) {
  static const char digits[] = "0123456789abcdef";
  size_t n = 0;
  for (int shift = 12; shift >= 0; shift -= 4)
    if ((v >> shift) != 0 || shift == 0) o[n++] = digits[(v >> shift) & 15];
  return n;
}

static size_t format_v4(const uint8_t q[4], char *o) {
  size_t n = 0;
  for (int i = 0; i < 4; i++) {
    if (i > 0) o[n++] = '.';
    n += put_dec(o + n, q[i]);
  }
  return n;
}

/* The longest run of >= 2 zero groups (RFC 5952 4.2.2, 4.2.3): its start,
 * or -1, with its length in *run_len. The first run wins a tie. */
static int longest_zero_run(const uint16_t g[8], int *run_len) {
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j > i ? j : i + 1;
  }
  *run_len = best < 0 ? 0 : best_len;
  return best;
}

static size_t format_v6(const uint8_t b[16], char *o) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  uint16_t g[8];
  size_t n = 0;
  int run_len, run;
  if (memcmp(b, mapped, sizeof(mapped)) == 0) {
    memcpy(o, "::ffff:", 7);
    return 7 + format_v4(b + 12, o + 7);
  }
  for (int i = 0; i < 8; i++) g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  run = longest_zero_run(g, &run_len);
  for (int i = 0; i < 8;) {
    if (i == run) {
      o[n++] = ':', o[n++] = ':';
      i += run_len;
      continue;
    }
    if (i > 0 && i != run + run_len) o[n++] = ':';
    n += put_hex16(o + n, g[i++]);
  }
  return n;
}

size_t mm_ip_format(const mm_ip_addr *a, char *buf, size_t size) {
  char tmp[MM_IP_TEXT_MAX];
  size_t n = 0;
  if (a->family == MM_IP_V4)
    n = format_v4(a->bytes, tmp);
  else if (a->family == MM_IP_V6)
    n = format_v6(a->bytes, tmp);
  if (size > 0) {
    size_t copy = n < size - 1 ? n : size - 1;
    memcpy(buf, tmp, copy);
    buf[copy] = '\0';
  }
  return n;
}

/* ---- values ----------------------------------------------------------------- */

mm_ip_addr mm_ip_from_v4(uint32_t v4) {
  mm_ip_addr a;
  memset(&a, 0, sizeof(a));
  a.family = MM_IP_V4;
  for (int i = 0; i < 4; i++) a.bytes[i] = (uint8_t)(v4 >> (24 - 8 * i));
  return a;
}

mm_ip_addr mm_ip_from_v6(const uint8_t bytes[16]) {
  mm_ip_addr a;
  a.family = MM_IP_V6;
  memcpy(a.bytes, bytes, 16);
  return a;
}

bool mm_ip_is_v4_mapped(const mm_ip_addr *a) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a->family == MM_IP_V6 && memcmp(a->bytes, prefix, sizeof(prefix)) == 0;
}

uint32_t mm_ip_v4_value(const mm_ip_addr *a) {
  const uint8_t *q;
  if (a->family == MM_IP_V4)
    q = a->bytes;
  else if (mm_ip_is_v4_mapped(a))
    q = a->bytes + 12;
  else
    return 0;
  return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

mm_ip_addr mm_ip_unmap(const mm_ip_addr *a) {
  return mm_ip_is_v4_mapped(a) ? mm_ip_from_v4(mm_ip_v4_value(a)) : *a;
}

int mm_ip_compare(const mm_ip_addr *a, const mm_ip_addr *b) {
  if (a->family != b->family) return a->family < b->family ? -1 : 1;
  return memcmp(a->bytes, b->bytes, a->family == MM_IP_V4 ? 4 : 16);
}

mm__ip_key mm__ip_key_from_bytes(const uint8_t bytes[16]) {
  mm__ip_key k = {0, 0};
  for (int i = 0; i < 8; i++) {
    k.hi = k.hi << 8 | bytes[i];
    k.lo = k.lo << 8 | bytes[8 + i];
  }
  return k;
}

void mm__ip_key_to_bytes(mm__ip_key k, uint8_t bytes[16]) {
  for (int i = 0; i < 8; i++) {
    bytes[i] = (uint8_t)(k.hi >> (56 - 8 * i));
    bytes[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
  }
}
