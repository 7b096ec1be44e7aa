/*
 * json_write.c - JSON output: string escaping, shortest round-trip doubles,
 * a streaming writer, and the serialization of a parsed tree.
 *
 * Output follows RFC 8259: strings per section 7 ('"', '\\' and the control
 * characters U+0000-U+001F escaped; the two-character forms \b \f \n \r \t
 * where they exist, \u00XX otherwise), numbers per section 6 (NaN and
 * infinities do not exist in JSON: null is written instead), UTF-8 per
 * section 8.1 (an invalid input byte is written as U+FFFD, so the output is
 * always valid UTF-8 whatever the caller hands in: WAF logs quote attacker
 * bytes). Tree serialization writes numbers as their raw input text, so
 * parse -> write -> parse is lossless and writing is deterministic. Nothing
 * here recurses.
 */
#include "json_int.h"

#include "mamori/alloc.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- strings ------------------------------------------------------------------ */

/* Bytes from s that need no attention: not '"', '\\', < 0x20 or >= 0x80. */
static size_t plain_run(const uint8_t *s, size_t len) {
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 16 <= len; i += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
    unsigned bits = (unsigned)_mm_movemask_epi8(m);
    if (bits) return i + (size_t)__builtin_ctz(bits);
  }
#endif
  while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') i++;
  return i;
}

static bool cont(uint8_t c) { return (c & 0xc0) == 0x80; }

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80, n bytes
 * available), or 0. Same rules as the parser (Unicode table 3-7). */
static size_t utf8_len(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  if (c >= 0xc2 && c < 0xe0) return n >= 2 && cont(s[1]) ? 2 : 0;
  if (c >= 0xe0 && c < 0xf0) {
    uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    return n >= 3 && s[1] >= lo && s[1] <= hi && cont(s[2]) ? 3 : 0;
  }
  if (c >= 0xf0 && c < 0xf5) {
    uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    return n >= 4 && s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3]) ? 4 : 0;
  }
  return 0;
}

/* The escape for ASCII byte c (a control character, '"' or '\\'). */
static size_t escape_ascii(uint8_t c, char e[6]) {
  static const char hex[] = "0123456789abcdef";
  static const char short_form[32] = {
      ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
  e[0] = '\\';
  if (c == '"' || c == '\\') return e[1] = (char)c, 2;
  if (short_form[c]) return e[1] = short_form[c], 2;
  memcpy(e + 1, "u00", 3);
  e[4] = hex[c >> 4];
  e[5] = hex[c & 15];
  return 6;
}

int mm_json_append_escaped(mm_buf *out, const char *str, size_t len) {
  const uint8_t *s = (const uint8_t *)str;
  if (mm_buf_reserve(out, len)) return MM_ENOMEM;
  for (size_t i = 0; i < len;) {
    size_t run = plain_run(s + i, len - i);
    if (run && mm_buf_append(out, s + i, run)) return MM_ENOMEM;
    if ((i += run) == len) break;
    char e[6];
    size_t n = 1, elen;
    const char *piece = e;
    if (s[i] < 0x80) {
      elen = escape_ascii(s[i], e);
    } else if ((n = utf8_len(s + i, len - i)) != 0) {
      piece = (const char *)s + i, elen = n;
    } else {
      piece = "\xef\xbf\xbd", elen = 3, n = 1; /* U+FFFD for each invalid byte */
    }
    if (mm_buf_append(out, piece, elen)) return MM_ENOMEM;
    i += n;
  }
  return out->oom ? MM_ENOMEM : MM_OK;
}

int mm_json_append_string(mm_buf *out, const char *s, size_t len) {
  mm_buf_putc(out, '"');
  mm_json_append_escaped(out, s, len);
  mm_buf_putc(out, '"');
  return out->oom ? MM_ENOMEM : MM_OK;
}

/* ---- numbers ------------------------------------------------------------------- */

/* The fewest of 15, 16, 17 significant digits that read back as d: 17
 * always do (IEEE 754 binary64); 15 suffice for most values people write,
 * and %g drops trailing zeros. snprintf runs in the "C" locale, so a
 * program that set LC_NUMERIC to a comma locale still gets '.'. */
int mm_json_append_double(mm_buf *out, double d) {
  if (!isfinite(d)) {
    mm_buf_append(out, "null", 4);
    return out->oom ? MM_ENOMEM : MM_ERANGE;
  }
  char tmp[40];
  locale_t c = mm__json_c_locale(), old = c ? uselocale(c) : (locale_t)0;
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
    if (prec == 17 || strtod(tmp, NULL) == d) break;
  }
  if (c) uselocale(old);
  return mm_buf_puts(out, tmp);
}

/* ---- serializing a tree ----------------------------------------------------------- */

typedef struct frame {
  const mm_json_value *end; /* one past the container's last node */
  bool object;              /* members (key + value) rather than elements */
  bool first;               /* nothing written in it yet */
} frame;

static void newline_indent(mm_buf *out, size_t level) {
  static const char spaces[] = "                                ";
  mm_buf_putc(out, '\n');
  for (size_t n = level * 2; n;) {
    size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
    mm_buf_append(out, spaces, k);
    n -= k;
  }
}

static void write_scalar(mm_buf *out, const mm_json_value *v) {
  switch (mm__json_type(v)) {
    case MM_JSON_NULL:
      mm_buf_append(out, "null", 4);
      break;
    case MM_JSON_BOOL:
      if (v->tag & MM__JSON_TRUE)
        mm_buf_append(out, "true", 4);
      else
        mm_buf_append(out, "false", 5);
      break;
    case MM_JSON_NUMBER:
      mm_buf_append(out, v->uni.str, mm__json_len(v));
      break;
    case MM_JSON_STRING:
      mm_json_append_string(out, v->uni.str, mm__json_len(v));
      break;
    default:
      break;
  }
}

/* Open container v: "{}" at once when empty, else '{' and a new frame.
 * Returns the node to write next. */
static const mm_json_value *open_container(mm_buf *out, const mm_json_value *v, frame *f,
                                           size_t *sp) {
  bool obj = mm__json_type(v) == MM_JSON_OBJECT;
  if (mm__json_len(v) == 0) {
    mm_buf_append(out, obj ? "{}" : "[]", 2);
    return v + mm__json_span(v);
  }
  mm_buf_putc(out, obj ? '{' : '[');
  f[(*sp)++] = (frame){v + mm__json_span(v), obj, true};
  return v + 1;
}

static int grow_frames(frame **stack, size_t *cap, frame *local) {
  size_t ncap = *cap * 2;
  frame *nf = mm_malloc(ncap * sizeof(*nf));
  if (!nf) return MM_ENOMEM;
  memcpy(nf, *stack, *cap * sizeof(*nf));
  if (*stack != local) mm_free(*stack);
  *stack = nf;
  *cap = ncap;
  return MM_OK;
}

/* Write v's subtree; `base` is the indentation level of v itself. */
static int write_tree(mm_buf *out, const mm_json_value *v, bool pretty, size_t base) {
  frame local[32], *stack = local;
  size_t cap = MM_ARRAY_LEN(local), sp = 0;
  int rc = MM_OK;
  for (;;) {
    if (sp > 0) {
      frame *f = &stack[sp - 1];
      if (!f->first) mm_buf_putc(out, ',');
      f->first = false;
      if (pretty) newline_indent(out, base + sp);
      if (f->object) {
        write_scalar(out, v++);
        mm_buf_append(out, ": ", pretty ? 2 : 1);
      }
    }
    if (mm__json_type(v) >= MM_JSON_ARRAY) {
      if (sp == cap && (rc = grow_frames(&stack, &cap, local)) != MM_OK) break;
      v = open_container(out, v, stack, &sp);
    } else {
      write_scalar(out, v);
      v += mm__json_span(v);
    }
    while (sp > 0 && v == stack[sp - 1].end) {
      bool obj = stack[--sp].object;
      if (pretty) newline_indent(out, base + sp);
      mm_buf_putc(out, obj ? '}' : ']');
    }
    if (sp == 0 || out->oom) break;
  }
  if (stack != local) mm_free(stack);
  return rc ? rc : out->oom ? MM_ENOMEM : MM_OK;
}

int mm_json_write(mm_buf *out, const mm_json_value *v, unsigned flags) {
  if (!v) return MM_EINVAL;
  return write_tree(out, v, flags & MM_JSON_WRITE_PRETTY, 0);
}

/* ---- the streaming writer ------------------------------------------------------------ */

static bool bit_get(const uint64_t *bits, uint32_t i) { return (bits[i / 64] >> (i % 64)) & 1; }
static void bit_set(uint64_t *bits, uint32_t i, bool on) {
  if (on)
    bits[i / 64] |= (uint64_t)1 << (i % 64);
  else
    bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

void mm_json_writer_init(mm_json_writer *w, mm_buf *out, unsigned flags) {
  memset(w, 0, sizeof(*w));
  w->out = out;
  w->flags = flags;
}

static bool in_object(const mm_json_writer *w) {
  return w->depth > 0 && bit_get(w->object_bits, w->depth - 1);
}

static int writer_fail(mm_json_writer *w, int code) {
  if (!w->status) w->status = code;
  return w->status;
}

static int writer_status(mm_json_writer *w) {
  if (!w->status && w->out->oom) w->status = MM_ENOMEM;
  return w->status;
}

/* Before any value: the separator and indentation it needs, or misuse. */
static int pre_value(mm_json_writer *w) {
  if (w->status) return w->status;
  if (w->depth == 0) return w->done ? writer_fail(w, MM_EINVAL) : MM_OK;
  if (in_object(w)) {
    if (!w->after_key) return writer_fail(w, MM_EINVAL);
    w->after_key = false;
    return MM_OK;
  }
  if (w->need_comma) mm_buf_putc(w->out, ',');
  if (w->flags & MM_JSON_WRITE_PRETTY) newline_indent(w->out, w->depth);
  w->need_comma = true;
  return MM_OK;
}

static int post_value(mm_json_writer *w) {
  if (w->depth == 0) w->done = true;
  return writer_status(w);
}

static int begin(mm_json_writer *w, bool object) {
  if (pre_value(w)) return w->status;
  if (w->depth >= MM_JSON_MAX_DEPTH) return writer_fail(w, MM_EINVAL);
  bit_set(w->comma_bits, w->depth, w->need_comma);
  bit_set(w->object_bits, w->depth, object);
  w->depth++;
  w->need_comma = false;
  mm_buf_putc(w->out, object ? '{' : '[');
  return writer_status(w);
}

static int end(mm_json_writer *w, bool object) {
  if (w->status) return w->status;
  if (w->depth == 0 || in_object(w) != object || w->after_key) return writer_fail(w, MM_EINVAL);
  w->depth--;
  if (w->need_comma && (w->flags & MM_JSON_WRITE_PRETTY)) newline_indent(w->out, w->depth);
  mm_buf_putc(w->out, object ? '}' : ']');
  w->need_comma = bit_get(w->comma_bits, w->depth);
  return post_value(w);
}

int mm_json_write_object_begin(mm_json_writer *w) { return begin(w, true); }
int mm_json_write_object_end(mm_json_writer *w) { return end(w, true); }
int mm_json_write_array_begin(mm_json_writer *w) { return begin(w, false); }
int mm_json_write_array_end(mm_json_writer *w) { return end(w, false); }

int mm_json_write_key(mm_json_writer *w, const char *s, size_t len) {
  if (w->status) return w->status;
  if (!in_object(w) || w->after_key || (!s && len)) return writer_fail(w, MM_EINVAL);
  if (w->need_comma) mm_buf_putc(w->out, ',');
  if (w->flags & MM_JSON_WRITE_PRETTY) newline_indent(w->out, w->depth);
  mm_json_append_string(w->out, s ? s : "", len);
  mm_buf_append(w->out, ": ", (w->flags & MM_JSON_WRITE_PRETTY) ? 2 : 1);
  w->need_comma = true;
  w->after_key = true;
  return writer_status(w);
}

int mm_json_write_string(mm_json_writer *w, const char *s, size_t len) {
  if (!s && len) return writer_fail(w, MM_EINVAL);
  if (pre_value(w)) return w->status;
  mm_json_append_string(w->out, s ? s : "", len);
  return post_value(w);
}

int mm_json_write_int64(mm_json_writer *w, int64_t i) {
  if (pre_value(w)) return w->status;
  mm_buf_printf(w->out, "%lld", (long long)i);
  return post_value(w);
}

int mm_json_write_uint64(mm_json_writer *w, uint64_t u) {
  if (pre_value(w)) return w->status;
  mm_buf_printf(w->out, "%llu", (unsigned long long)u);
  return post_value(w);
}

int mm_json_write_double(mm_json_writer *w, double d) {
  if (pre_value(w)) return w->status;
  int rc = mm_json_append_double(w->out, d);
  int st = post_value(w);
  return st ? st : rc;
}

int mm_json_write_bool(mm_json_writer *w, bool b) {
  if (pre_value(w)) return w->status;
  mm_buf_append(w->out, b ? "true" : "false", b ? 4 : 5);
  return post_value(w);
}

int mm_json_write_null(mm_json_writer *w) {
  if (pre_value(w)) return w->status;
  mm_buf_append(w->out, "null", 4);
  return post_value(w);
}

int mm_json_write_raw(mm_json_writer *w, const char *json, size_t len) {
  if (!json || !len) return writer_fail(w, MM_EINVAL);
  if (pre_value(w)) return w->status;
  mm_buf_append(w->out, json, len);
  return post_value(w);
}

int mm_json_write_dom(mm_json_writer *w, const mm_json_value *v) {
  if (!v) return writer_fail(w, MM_EINVAL);
  if (pre_value(w)) return w->status;
  int rc = write_tree(w->out, v, w->flags & MM_JSON_WRITE_PRETTY, w->depth);
  if (rc) return writer_fail(w, rc);
  return post_value(w);
}

int mm_json_writer_finish(const mm_json_writer *w) {
  if (w->status) return w->status;
  if (w->out->oom) return MM_ENOMEM;
  return (w->done && w->depth == 0) ? MM_OK : MM_EINVAL;
}
