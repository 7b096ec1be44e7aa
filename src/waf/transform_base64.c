/*
 * transform_base64.c - AWS WAF BASE64_DECODE and BASE64_DECODE_EXT.
 *
 * AWS WAF Developer Guide, "Text transformations": BASE64_DECODE "decodes a
 * Base64-encoded string"; BASE64_DECODE_EXT "decodes a Base64-encoded
 * string, but uses a forgiving implementation that ignores characters that
 * aren't valid". The details follow ModSecurity t:base64Decode and
 * t:base64DecodeExt and their regression suite:
 *
 *   BASE64_DECODE      decodes the longest prefix of RFC 4648 section 4
 *                      alphabet characters and stops at the first other byte
 *                      ('=', NUL, space ...); a last group of 2 or 3
 *                      characters yields 1 or 2 bytes, a lone last character
 *                      none.
 *   BASE64_DECODE_EXT  reads both alphabets (RFC 4648 sections 4 and 5: '+'
 *                      or '-' is 62, '/' or '_' is 63), skips every other
 *                      byte, and skips '=' too, except that a '=' arriving
 *                      when one character of a group has been read and not
 *                      followed by another '=' makes the input invalid: the
 *                      output is then empty (ModSecurity's suite pins
 *                      "dzBzV==YWxlcnQoMSk=" -> ""). Incomplete trailing bits
 *                      are dropped.
 *
 * Output is at most 3/4 of the input. Linear time, no look-behind.
 */
#include "waf/transform.h"

/* The sextet of c, or -1; url also accepts '-' and '_' (RFC 4648 section 5). */
static int b64_value(uint8_t c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || (url && c == '-')) return 62;
  if (c == '/' || (url && c == '_')) return 63;
  return -1;
}

/* Accumulates sextets and emits whole bytes. */
typedef struct b64_acc {
  uint32_t bits;  /* pending bits, low `nbits` of them valid */
  unsigned nbits; /* 0..10: fewer than 8 after each push */
  size_t count;   /* sextets pushed */
} b64_acc;

static void b64_push(b64_acc *a, int sextet, uint8_t *out, size_t *o) {
  a->bits = (a->bits << 6 | (uint32_t)sextet) & 0xFFF;
  a->nbits += 6;
  a->count++;
  if (a->nbits >= 8) {
    a->nbits -= 8;
    out[(*o)++] = (uint8_t)(a->bits >> a->nbits);
  }
}

size_t mm__waf_t_base64_decode(mm_str in, uint8_t *out) {
  b64_acc a = {0, 0, 0};
  size_t o = 0;
  for (size_t i = 0; i < in.len; i++) {
    int v = b64_value((uint8_t)in.ptr[i], false);
    if (v < 0) break;
    b64_push(&a, v, out, &o);
  }
  return o;
}

size_t mm__waf_t_base64_decode_ext(mm_str in, uint8_t *out) {
  b64_acc a = {0, 0, 0};
  size_t o = 0;
  for (size_t i = 0; i < in.len; i++) {
    uint8_t c = (uint8_t)in.ptr[i];
    if (c == '=') {
      bool next_is_pad = i + 1 < in.len && in.ptr[i + 1] == '=';
      if (a.count % 4 == 1 && !next_is_pad) return 0; /* invalid: empty output */
      continue;
    }
    int v = b64_value(c, true);
    if (v >= 0) b64_push(&a, v, out, &o);
  }
  return o;
}
