/*
 * transform_decode.c - the AWS WAF text transformations that decode an
 * encoding: URL_DECODE, URL_DECODE_UNI, HTML_ENTITY_DECODE,
 * ESCAPE_SEQ_DECODE, JS_DECODE, JS_DECODE_EXT, CSS_DECODE, HEX_DECODE,
 * SQL_HEX_DECODE and UTF8_TO_UNICODE.
 *
 * Behaviour is the AWS WAF Developer Guide's "Text transformations" page
 * (waf-rule-statement-transformation.html); where it says no more than
 * "decodes X", the ModSecurity Reference Manual's function of the same name
 * (t:urlDecode, t:urlDecodeUni, t:htmlEntityDecode, t:escapeSeqDecode,
 * t:jsDecode, t:cssDecode, t:hexDecode, t:sqlHexDecode, t:utf8toUnicode) and
 * the expectations of ModSecurity's regression suite (secrules-language-
 * tests/transformations). Each function's comment says which rules come from
 * where; docs/waf/transformations.md lists them with examples.
 *
 * The shared rule for broken input: an escape that is not complete and valid
 * is not an escape, and its bytes pass through (as each transformation's
 * comment details). All decoders but UTF8_TO_UNICODE write at most in.len
 * bytes; UTF8_TO_UNICODE writes at most 3 * in.len. Every loop advances by at
 * least one input byte per iteration and looks ahead a bounded distance, so
 * time is linear and no read goes past in.len.
 */
#include "waf/transform.h"

#include <string.h>

typedef const uint8_t *bytes;

static inline bytes in_bytes(mm_str in) { return (bytes)in.ptr; }

/* Whether s[i..i+count) are all hex digits (and exist). */
static bool hex_run(bytes s, size_t n, size_t i, size_t count) {
  if (i > n || n - i < count) return false;
  for (size_t k = 0; k < count; k++)
    if (!mm__waf_is_hex(s[i + k])) return false;
  return true;
}

static unsigned hex4(bytes p) {
  return (unsigned)mm__waf_hex_byte(p) << 8 | mm__waf_hex_byte(p + 2);
}

/* %uHHHH, \uHHHH in AWS's words: "If the code is in the full-width ASCII
 * code range of FF01-FF5E, the higher byte is used to detect and adjust the
 * lower byte. Otherwise, only the lower byte is used and the higher byte is
 * zeroed." FF01-FF5E map to 0x21-0x7E (ModSecurity adds 0x20). */
static uint8_t unicode_low_byte(unsigned code) {
  uint8_t lo = (uint8_t)(code & 0xFF);
  if ((code >> 8) == 0xFF && lo > 0x00 && lo < 0x5F) lo = (uint8_t)(lo + 0x20);
  return lo;
}

/* ---- URL ------------------------------------------------------------------------ */

/* ModSecurity t:urlDecode: %HH becomes the byte, '+' a space; a '%' not
 * followed by two hex digits is copied as it is ("%0g" stays "%0g"). */
static size_t url_decode(mm_str in, uint8_t *out, bool uni) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    if (s[i] == '%' && uni && i + 1 < n && (s[i + 1] | 0x20) == 'u' && hex_run(s, n, i + 2, 4)) {
      out[o++] = unicode_low_byte(hex4(s + i + 2));
      i += 6;
    } else if (s[i] == '%' && hex_run(s, n, i + 1, 2)) {
      out[o++] = mm__waf_hex_byte(s + i + 1);
      i += 3;
    } else {
      out[o++] = s[i] == '+' ? ' ' : s[i];
      i++;
    }
  }
  return o;
}

size_t mm__waf_t_url_decode(mm_str in, uint8_t *out) { return url_decode(in, out, false); }

/* AWS: "Like URL_DECODE, but with support for Microsoft-specific %u
 * encoding" (%uHHHH, 'u' in either case, as ModSecurity t:urlDecodeUni). */
size_t mm__waf_t_url_decode_uni(mm_str in, uint8_t *out) { return url_decode(in, out, true); }

/* ---- HTML entities ------------------------------------------------------------------- */

/* A numeric entity's digits from s[i]: their value's low byte in *byte (as
 * ModSecurity, which keeps one byte per entity) and the index past them.
 * Returns false when there is no digit. */
static bool entity_number(bytes s, size_t n, size_t i, bool hex, uint8_t *byte, size_t *end) {
  unsigned v = 0;
  size_t j = i;
  for (; j < n; j++) {
    int d = hex ? mm__waf_hex_value(s[j]) : (s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1);
    if (d < 0) break;
    v = (v * (hex ? 16u : 10u) + (unsigned)d) & 0xFF; /* the low byte of the whole value */
  }
  *byte = (uint8_t)v, *end = j;
  return j > i;
}

/* The named entities AWS lists (&quot; &nbsp; &lt; &gt;) plus &amp;, which
 * ModSecurity t:htmlEntityDecode decodes too; names compare ASCII
 * case-insensitively, as ModSecurity's do. -1 when name is none of them. */
static int entity_name(bytes s, size_t len) {
  static const struct {
    const char *name;
    uint8_t byte;
  } names[] = {{"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"nbsp", 0xA0}};
  mm_str got = {(const char *)s, len};
  for (size_t k = 0; k < MM_ARRAY_LEN(names); k++)
    if (mm_str_ieq(got, mm_str_from(names[k].name))) return names[k].byte;
  return -1;
}

static bool is_alnum(uint8_t c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* One entity at s[i] == '&': writes its byte and returns the index past it
 * (and past an optional ';'), or returns i when there is none there. The
 * ';' is optional, as in ModSecurity ("&lt" decodes); digits end at the first
 * non-digit ("&#x41g;" -> "Ag;"). */
static size_t html_entity(bytes s, size_t n, size_t i, uint8_t *byte) {
  size_t end;
  if (i + 1 < n && s[i + 1] == '#') {
    bool hex = i + 2 < n && (s[i + 2] | 0x20) == 'x';
    if (!entity_number(s, n, i + (hex ? 3 : 2), hex, byte, &end)) return i;
  } else {
    end = i + 1;
    while (end < n && is_alnum(s[end])) end++;
    int b = entity_name(s + i + 1, end - i - 1);
    if (b < 0) return i;
    *byte = (uint8_t)b;
  }
  return end < n && s[end] == ';' ? end + 1 : end;
}

size_t mm__waf_t_html_entity_decode(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    size_t next = s[i] == '&' ? html_entity(s, n, i, &out[o]) : i;
    if (next > i) {
      o++, i = next;
    } else {
      out[o++] = s[i++];
    }
  }
  return o;
}

/* ---- backslash escapes ------------------------------------------------------------------ */

/* The byte a one-letter C escape stands for (\a \b \f \n \r \t \v), or -1. */
static int c_escape(uint8_t c) {
  static const char from[] = "abfnrtv", to[] = "\a\b\f\n\r\t\v";
  const char *p = c ? strchr(from, c) : NULL;
  return p ? (uint8_t)to[p - from] : -1;
}

static bool is_octal(uint8_t c) { return c >= '0' && c <= '7'; }

/* Up to `max` octal digits from s[i] (at least one is there): the value's low
 * byte in *byte, the index past them returned. */
static size_t octal_escape(bytes s, size_t n, size_t i, size_t max, uint8_t *byte) {
  unsigned v = 0;
  size_t j = i;
  while (j < n && j - i < max && is_octal(s[j])) v = v * 8 + (unsigned)(s[j++] - '0');
  *byte = (uint8_t)(v & 0xFF);
  return j;
}

/* AWS ESCAPE_SEQ_DECODE: "decodes the following ANSI C escape sequences:
 * \a, \b, \f, \n, \r, \t, \v, \\, \?, \', \", \xHH (hexadecimal), \0OOO
 * (octal). Encodings that aren't valid remain in the output." Octal takes
 * one to three digits (ModSecurity t:escapeSeqDecode; "\666" keeps the low
 * byte, 0xB6). An invalid sequence ("\z", "\x4g", a trailing "\") is copied
 * whole, backslash included, as AWS documents; ModSecurity's code drops the
 * backslash there (docs/waf/transformations.md, open questions). */
static size_t escape_seq(bytes s, size_t n, size_t i, uint8_t *byte) {
  if (i + 1 >= n) return i;
  uint8_t c = s[i + 1];
  int simple = c_escape(c);
  if (simple >= 0) return *byte = (uint8_t)simple, i + 2;
  if (c == '\\' || c == '?' || c == '\'' || c == '"') return *byte = c, i + 2;
  if ((c | 0x20) == 'x' && hex_run(s, n, i + 2, 2))
    return *byte = mm__waf_hex_byte(s + i + 2), i + 4;
  if (is_octal(c)) return octal_escape(s, n, i + 1, 3, byte);
  return i;
}

size_t mm__waf_t_escape_seq_decode(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    size_t next = s[i] == '\\' ? escape_seq(s, n, i, &out[o]) : i;
    if (next > i) {
      o++, i = next;
    } else {
      out[o++] = s[i++];
    }
  }
  return o;
}

/* ---- JavaScript --------------------------------------------------------------------------- */

/* Writes code point cp (<= 0x10FFFF) as UTF-8; returns the bytes written. */
static size_t put_utf8(uint8_t *out, uint32_t cp) {
  if (cp < 0x80) return out[0] = (uint8_t)cp, 1;
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xC0 | cp >> 6), out[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xE0 | cp >> 12), out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | cp >> 18), out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

/* \u{H...} (1 to 6 hex digits, at most 0x10FFFF) at s[i] == '\\': the code
 * point in *cp and the index past '}', or i when it is not one. */
static size_t js_brace_escape(bytes s, size_t n, size_t i, uint32_t *cp) {
  if (i + 3 >= n || s[i + 1] != 'u' || s[i + 2] != '{') return i;
  uint32_t v = 0;
  size_t j = i + 3;
  while (j < n && j - (i + 3) < 6 && mm__waf_is_hex(s[j]))
    v = v * 16 + (uint32_t)mm__waf_hex_value(s[j++]);
  if (j == i + 3 || j >= n || s[j] != '}' || v > 0x10FFFF) return i;
  *cp = v;
  return j + 1;
}

static bool is_high_surrogate(unsigned u) { return u >= 0xD800 && u <= 0xDBFF; }
static bool is_low_surrogate(unsigned u) { return u >= 0xDC00 && u <= 0xDFFF; }

/* JS_DECODE_EXT's \uHHHH: the whole code point as UTF-8, a surrogate pair
 * \uD83D\uDE00 as one 4-byte sequence, a lone surrogate as U+FFFD; full-width
 * ASCII (FF01-FF5E) still folds to ASCII as in JS_DECODE. Returns the index
 * past the escape(s); writes to out, *o advanced. */
static size_t js_ext_unicode(bytes s, size_t n, size_t i, uint8_t *out, size_t *o) {
  uint32_t cp = hex4(s + i + 2);
  size_t next = i + 6;
  if (cp >= 0xFF01 && cp <= 0xFF5E) {
    out[(*o)++] = unicode_low_byte(cp);
    return next;
  }
  if (is_high_surrogate(cp) && next + 1 < n && s[next] == '\\' && s[next + 1] == 'u' &&
      hex_run(s, n, next + 2, 4) && is_low_surrogate(hex4(s + next + 2))) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(s + next + 2) - 0xDC00);
    next += 6;
  } else if (is_high_surrogate(cp) || is_low_surrogate(cp)) {
    cp = 0xFFFD;
  }
  *o += put_utf8(out + *o, cp);
  return next;
}

/* One escape at s[i] == '\\' for t:jsDecode; writes to out + *o, returns the
 * index past it. ModSecurity's rules, which its regression suite pins:
 *   \uHHHH  -> the low byte (full-width ASCII folded, unicode_low_byte)
 *   \xHH    -> the byte
 *   \OOO    -> octal, up to 3 digits, only 2 when the first is above '3' (so
 *              the value fits a byte: "\666" is "\66" then "6")
 *   \a \b \f \n \r \t \v -> the control character
 *   \ and any other byte -> that byte, the backslash dropped ("\u00ag" ->
 *              "u00ag", "\'" -> "'")
 *   \ at the very end    -> kept
 * ext: JS_DECODE_EXT's \uHHHH and \u{H...} instead (js_ext_unicode). */
static size_t js_escape(bytes s, size_t n, size_t i, uint8_t *out, size_t *o, bool ext) {
  uint32_t cp;
  size_t next;
  if (i + 1 >= n) return out[(*o)++] = '\\', i + 1;
  uint8_t c = s[i + 1];
  if (ext && (next = js_brace_escape(s, n, i, &cp)) > i) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) return out[(*o)++] = unicode_low_byte(cp), next;
    *o += put_utf8(out + *o, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
    return next;
  }
  if (c == 'u' && hex_run(s, n, i + 2, 4)) {
    if (ext) return js_ext_unicode(s, n, i, out, o);
    return out[(*o)++] = unicode_low_byte(hex4(s + i + 2)), i + 6;
  }
  if (c == 'x' && hex_run(s, n, i + 2, 2)) return out[(*o)++] = mm__waf_hex_byte(s + i + 2), i + 4;
  if (is_octal(c)) return octal_escape(s, n, i + 1, c <= '3' ? 3 : 2, &out[(*o)++]);
  int simple = c_escape(c);
  out[(*o)++] = simple >= 0 ? (uint8_t)simple : c;
  return i + 2;
}

static size_t js_decode(mm_str in, uint8_t *out, bool ext) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    if (s[i] == '\\') {
      i = js_escape(s, n, i, out, &o, ext);
    } else {
      out[o++] = s[i++];
    }
  }
  return o;
}

/* AWS: "decodes JavaScript escape sequences. If a \uHHHH code is in the
 * full-width ASCII code range of FF01-FF5E, then the higher byte is used to
 * detect and adjust the lower byte. If not, only the lower byte is used and
 * the higher byte is zeroed, causing a possible loss of information." */
size_t mm__waf_t_js_decode(mm_str in, uint8_t *out) { return js_decode(in, out, false); }

/* AWS documents JS_DECODE_EXT only by name; mamori reads it as JS_DECODE
 * without the loss of information: \uHHHH and ES2015 \u{H...} decode to the
 * UTF-8 of the whole code point (docs/waf/transformations.md). Output still
 * <= input: an escape of 6+ bytes becomes at most 4 (a pair of 12 -> 4). */
size_t mm__waf_t_js_decode_ext(mm_str in, uint8_t *out) { return js_decode(in, out, true); }

/* ---- CSS ------------------------------------------------------------------------------------ */

/* A CSS 2 hex escape's digits s[i..i+j) (1 <= j <= 6) as ModSecurity
 * t:cssDecode reads them: one digit is its value; otherwise the last two
 * digits make the byte, and when the digits are 4 to 6 and the two before
 * those last two are "ff" preceded only by zeros (ffHH, 0ffHH, 00ffHH),
 * full-width ASCII is folded as for %u. */
static uint8_t css_hex_byte(bytes s, size_t i, size_t j) {
  if (j == 1) return (uint8_t)mm__waf_hex_value(s[i]);
  uint8_t b = mm__waf_hex_byte(s + i + j - 2);
  bool ff = j >= 4 && (s[i + j - 4] | 0x20) == 'f' && (s[i + j - 3] | 0x20) == 'f';
  for (size_t k = i; ff && k < i + j - 4; k++) ff = s[k] == '0';
  if (ff && b > 0x00 && b < 0x5F) b = (uint8_t)(b + 0x20);
  return b;
}

/* AWS CSS_DECODE: "decodes characters that were encoded using CSS 2.x escape
 * rules ... uses up to two bytes in the decoding process ... ja\vascript for
 * javascript". States of one escape, after the backslash (ModSecurity
 * t:cssDecode):
 *   HEX   1-6 hex digits -> css_hex_byte; then one white-space byte is eaten
 *   NL    a newline      -> line continuation: both bytes go
 *   OTHER any other byte -> that byte, the backslash dropped
 *   END   nothing        -> the backslash goes */
size_t mm__waf_t_css_decode(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    if (s[i] != '\\') {
      out[o++] = s[i++];
      continue;
    }
    i++;
    size_t j = 0;
    while (j < 6 && i + j < n && mm__waf_is_hex(s[i + j])) j++;
    if (j > 0) { /* HEX */
      out[o++] = css_hex_byte(s, i, j);
      i += j;
      if (i < n && mm__waf_is_space(s[i])) i++;
    } else if (i < n && s[i] == '\n') { /* NL */
      i++;
    } else if (i < n) { /* OTHER */
      out[o++] = s[i++];
    } /* END: nothing to write */
  }
  return o;
}

/* ---- hex --------------------------------------------------------------------------------------
 */

/* ModSecurity's x2c() digit arithmetic, applied to any byte: a byte at or
 * above 'A' (and below 0x80, where C's signed char turns negative) is read as
 * (c & 0xDF) - 'A' + 10, any other as c - '0', all modulo 256. For hex digits
 * that is their value; for other bytes it is what ModSecurity computes. */
static unsigned x2c_nibble(uint8_t c) {
  return (c >= 'A' && c < 0x80) ? (unsigned)((c & 0xDF) - 'A' + 10) : (unsigned)(c - '0');
}

/* AWS HEX_DECODE: "decodes a string of hexadecimal characters into a binary".
 * As ModSecurity t:hexDecode, pairs are decoded with no validation (its
 * regression suite pins "0z" -> '#') and an odd last byte is dropped. */
size_t mm__waf_t_hex_decode(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t o = 0;
  for (size_t i = 0; i + 1 < in.len; i += 2)
    out[o++] = (uint8_t)((x2c_nibble(s[i]) * 16 + x2c_nibble(s[i + 1])) & 0xFF);
  return o;
}

/* AWS SQL_HEX_DECODE: "decodes SQL hex data. For example, (0x414243) is
 * decoded to (ABC)." As ModSecurity t:sqlHexDecode: "0x" (or "0X") followed
 * by at least two hex digits starts a literal; hex pairs are decoded until a
 * pair is incomplete; an odd last digit is copied. */
size_t mm__waf_t_sql_hex_decode(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    if (s[i] == '0' && i + 1 < n && (s[i + 1] | 0x20) == 'x' && hex_run(s, n, i + 2, 2)) {
      for (i += 2; hex_run(s, n, i, 2); i += 2) out[o++] = mm__waf_hex_byte(s + i);
    } else {
      out[o++] = s[i++];
    }
  }
  return o;
}

/* ---- UTF-8
 * ---------------------------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) with its code point
 * in *cp, or 0 when the bytes there are not one. */
static size_t utf8_sequence(bytes s, size_t n, size_t i, uint32_t *cp) {
  uint8_t c = s[i];
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || c > 0xF4 || n - i < len) return 0;
  uint32_t v = c & (0x7F >> len);
  for (size_t k = 1; k < len; k++) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    v = v << 6 | (s[i + k] & 0x3F);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

/* AWS UTF8_TO_UNICODE: "converts all UTF-8 character sequences to Unicode".
 * As ModSecurity t:utf8toUnicode, each multi-byte sequence becomes "%u" and
 * the code point in lowercase hex, at least four digits ("é" -> "%u00e9",
 * U+1F600 -> "%u1f600"); ASCII and bytes that are not well-formed UTF-8 are
 * copied unchanged. At most 3 bytes out per byte in (2 in -> "%uHHHH"). */
size_t mm__waf_t_utf8_to_unicode(mm_str in, uint8_t *out) {
  static const char digits[] = "0123456789abcdef";
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  while (i < n) {
    uint32_t cp;
    size_t len = s[i] >= 0x80 ? utf8_sequence(s, n, i, &cp) : 0;
    if (len == 0) {
      out[o++] = s[i++];
      continue;
    }
    out[o++] = '%', out[o++] = 'u';
    int nd = cp > 0xFFFFF ? 6 : cp > 0xFFFF ? 5 : 4;
    for (int k = nd - 1; k >= 0; k--) out[o++] = (uint8_t)digits[(cp >> (4 * k)) & 0xF];
    i += len;
  }
  return o;
}
