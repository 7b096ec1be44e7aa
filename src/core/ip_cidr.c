/*
 * ip_cidr.c - CIDR blocks ("address/length", RFC 4632 section 3.1 for IPv4,
 * RFC 4291 section 2.3 for IPv6) and address ranges ("first-last").
 *
 * The length is decimal without leading zeros, 0-32 or 0-128. What else is
 * accepted depends on who wrote the text, so the caller says (MM_CIDR_*):
 *   - IAM's IpAddress / NotIpAddress conditions take a bare address as /32
 *     (or /128) and ignore host bits: "2001:4860:4860::8888/32" means
 *     2001:4860::/32. https://docs.aws.amazon.com/IAM/latest/UserGuide/
 *     reference_policies_elements_condition_operators.html#Conditions_IPAddress
 *   - AWS WAF IP sets take "all IPv4 and IPv6 CIDR ranges except for /0".
 *     https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html
 *   - strict (the default) wants the length and zero host bits, so that
 *     "10.0.0.1/8", a likely typo for a /32, is reported, not widened.
 *
 * IPv4-mapped blocks (inside ::ffff:0:0/96, RFC 4291 section 2.5.5.2) match
 * as the IPv4 block they spell; see mamori/ip.h.
 */
#include "ip_internal.h"

#include <string.h>

static unsigned family_bits(int family) { return family == MM_IP_V4 ? 32 : 128; }

/* Clear the bits of b past the first len (b is width bits long). */
static void clear_host_bits(uint8_t b[16], unsigned len, unsigned width) {
  for (unsigned byte = len / 8; byte < width / 8; byte++) {
    unsigned keep = byte == len / 8 ? len % 8 : 0;
    b[byte] &= (uint8_t)(0xff00u >> keep);
  }
}

/* Set the bits of b past the first len. */
static void set_host_bits(uint8_t b[16], unsigned len, unsigned width) {
  for (unsigned byte = len / 8; byte < width / 8; byte++) {
    unsigned keep = byte == len / 8 ? len % 8 : 0;
    b[byte] |= (uint8_t)(0xffu >> keep);
  }
}

/* The prefix length at t[pos..end): decimal, no leading zero, <= max. */
static int parse_length(const char *t, size_t pos, size_t end, unsigned max, unsigned *out,
                        mm_error *err) {
  size_t start = pos;
  unsigned v = 0;
  if (pos >= end)
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "missing prefix length after '/'");
  if (!(t[pos] >= '0' && t[pos] <= '9'))
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "prefix length must be decimal digits");
  if (t[pos] == '0' && pos + 1 < end && t[pos + 1] >= '0' && t[pos + 1] <= '9')
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "leading zero in the prefix length");
  for (; pos < end && t[pos] >= '0' && t[pos] <= '9'; pos++)
    if (v <= 1000) v = v * 10 + (unsigned)(t[pos] - '0');
  if (pos < end)
    return mm_error_at(err, MM_ESYNTAX, t, end, pos, "unexpected byte after the prefix length");
  if (v > max)
    return mm_error_at(err, MM_ERANGE, t, end, start, "prefix length %.*s exceeds %u",
                       (int)(pos - start), t + start, max);
  *out = v;
  return MM_OK;
}

/* The length part of text (after '/' at slash), or the bare-address default. */
static int cidr_length(const char *t, size_t len, const char *slash, unsigned flags, unsigned width,
                       unsigned *out, mm_error *err) {
  int rc;
  if (!slash) {
    if (!(flags & MM_CIDR_BARE_ADDR))
      return mm_error_at(err, MM_ESYNTAX, t, len, len,
                         "missing '/length': CIDR notation is address/length");
    *out = width;
    return MM_OK;
  }
  size_t at = (size_t)(slash - t) + 1;
  if ((rc = parse_length(t, at, len, width, out, err)) != MM_OK) return rc;
  if (*out == 0 && (flags & MM_CIDR_NO_ZERO))
    return mm_error_at(err, MM_ERANGE, t, len, at, "a /0 block is not accepted here");
  return MM_OK;
}

/* Host bits set: cleared under MM_CIDR_MASK_HOST, else an error naming the
 * block that was probably meant. */
static int cidr_host_bits(const char *t, size_t len, unsigned flags, mm_cidr *c, mm_error *err) {
  mm_cidr net = *c;
  char text[MM_CIDR_TEXT_MAX];
  clear_host_bits(net.addr.bytes, net.len, family_bits(net.addr.family));
  if (memcmp(&net, c, sizeof(net)) == 0 || (flags & MM_CIDR_MASK_HOST)) {
    *c = net;
    return MM_OK;
  }
  mm_cidr_format(&net, text, sizeof(text));
  return mm_error_at(err, MM_EINVAL, t, len, 0, "host bits are set past /%u; the block is %s",
                     c->len, text);
}

static int cidr_parse(const char *text, size_t len, unsigned flags, mm_cidr *out, mm_error *err) {
  const char *t = text ? text : "";
  const char *slash = len ? memchr(t, '/', len) : NULL;
  size_t alen = slash ? (size_t)(slash - t) : len;
  mm_cidr c;
  unsigned plen = 0;
  int rc;
  memset(&c, 0, sizeof(c));
  if ((rc = mm__ip_parse_span(t, 0, alen, &c.addr, err)) != MM_OK) return rc;
  rc = cidr_length(t, len, slash, flags, family_bits(c.addr.family), &plen, err);
  if (rc != MM_OK) return rc;
  c.len = (uint8_t)plen;
  if ((rc = cidr_host_bits(t, len, flags, &c, err)) != MM_OK) return rc;
  *out = c;
  return MM_OK;
}

int mm_cidr_parse(const char *text, size_t len, unsigned flags, mm_cidr *out, mm_error *err) {
  return cidr_parse(text, len, flags, out, err);
}

size_t mm_cidr_format(const mm_cidr *c, char *buf, size_t size) {
  char tmp[MM_CIDR_TEXT_MAX];
  size_t n = mm_ip_format(&c->addr, tmp, sizeof(tmp));
  tmp[n++] = '/';
  if (c->len >= 100) tmp[n++] = (char)('0' + c->len / 100);
  if (c->len >= 10) tmp[n++] = (char)('0' + c->len / 10 % 10);
  tmp[n++] = (char)('0' + c->len % 10);
  if (size > 0) {
    size_t copy = n < size - 1 ? n : size - 1;
    memcpy(buf, tmp, copy);
    buf[copy] = '\0';
  }
  return n;
}

int mm_cidr_make(const mm_ip_addr *a, unsigned len, mm_cidr *out) {
  if ((a->family != MM_IP_V4 && a->family != MM_IP_V6) || len > family_bits(a->family))
    return MM_EINVAL;
  out->addr = *a;
  out->len = (uint8_t)len;
  clear_host_bits(out->addr.bytes, len, family_bits(a->family));
  return MM_OK;
}

void mm_cidr_bounds(const mm_cidr *c, mm_ip_addr *first, mm_ip_addr *last) {
  unsigned width = family_bits(c->addr.family);
  if (first) {
    *first = c->addr;
    clear_host_bits(first->bytes, c->len, width);
  }
  if (last) {
    *last = c->addr;
    set_host_bits(last->bytes, c->len, width);
  }
}

/* c as IPv4 when it lies inside ::ffff:0:0/96, else c. */
static mm_cidr cidr_unmap(const mm_cidr *c) {
  mm_cidr v4 = *c;
  if (c->len >= 96 && mm_ip_is_v4_mapped(&c->addr)) {
    v4.addr = mm_ip_unmap(&c->addr);
    v4.len = (uint8_t)(c->len - 96);
  }
  return v4;
}

bool mm_cidr_contains(const mm_cidr *c, const mm_ip_addr *a) {
  mm_cidr net = cidr_unmap(c);
  mm_ip_addr x = mm_ip_unmap(a);
  if (net.addr.family != x.family || net.len > family_bits(x.family)) return false;
  clear_host_bits(x.bytes, net.len, family_bits(x.family));
  clear_host_bits(net.addr.bytes, net.len, family_bits(x.family));
  return memcmp(x.bytes, net.addr.bytes, 16) == 0;
}

static int range_parse(const char *text, size_t len, mm_ip_addr *first, mm_ip_addr *last,
                       mm_error *err) {
  const char *t = text ? text : "";
  const char *dash = len ? memchr(t, '-', len) : NULL;
  mm_ip_addr a, b;
  int rc;
  if (!dash) return mm_error_at(err, MM_ESYNTAX, t, len, len, "missing '-': a range is first-last");
  size_t d = (size_t)(dash - t);
  if ((rc = mm__ip_parse_span(t, 0, d, &a, err)) != MM_OK) return rc;
  if ((rc = mm__ip_parse_span(t, d + 1, len, &b, err)) != MM_OK) return rc;
  if (a.family != b.family)
    return mm_error_at(err, MM_ERANGE, t, len, d + 1, "a range's ends must both be IPv4 or IPv6");
  if (mm_ip_compare(&b, &a) < 0)
    return mm_error_at(err, MM_ERANGE, t, len, d + 1, "range ends before it starts");
  *first = a;
  *last = b;
  return MM_OK;
}

int mm_ip_range_parse(const char *text, size_t len, mm_ip_addr *first, mm_ip_addr *last,
                      mm_error *err) {
  return range_parse(text, len, first, last, err);
}
