/*
 * chunked.c - a strict, incremental decoder of the chunked transfer coding
 * (RFC 7230 4.1), used both ways: to de-chunk request bodies (the origin
 * then receives a Content-Length it cannot misread) and to find where a
 * chunked response ends while it is relayed unchanged.
 *
 * Strict where lenient parsers disagree: chunk sizes are 1-16 hex digits
 * with nothing before them, a chunk extension must follow ';', and every
 * line ends in CRLF (a lone LF or CR is an error, the classic TE.TE
 * desync).
 */
#include <string.h>

#include "gateway/gw.h"

enum {
  CH_SIZE,       /* hex digits of the chunk size */
  CH_EXT,        /* after ';': chunk extension up to CR */
  CH_SIZE_LF,    /* CR seen after the size line */
  CH_DATA,       /* chunk data */
  CH_DATA_CR,    /* CR after the data */
  CH_DATA_LF,    /* LF after the data */
  CH_TRAILER,    /* start of a trailer line (or the final CRLF) */
  CH_TRAILER_IN, /* inside a trailer line */
  CH_TRAILER_LF, /* CR seen at the end of a trailer line */
  CH_END_LF,     /* CR of the final empty line seen */
  CH_DONE
};

#define MAX_SIZE_DIGITS 16   /* 2^64 - 1 */
#define MAX_LINE        4096 /* bytes of a chunk-extension or trailer line */

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void mm__chunked_init(mm__chunked *c) { *c = (mm__chunked){0}; }

bool mm__chunked_done(const mm__chunked *c) { return c->state == CH_DONE; }

/* One byte of framing (not data). false on a syntax error. */
static bool framing_byte(mm__chunked *c, uint8_t b) {
  int v;
  switch (c->state) {
    case CH_SIZE:
      v = hexval(b);
      if (v >= 0) {
        if (++c->digits > MAX_SIZE_DIGITS) return false;
        c->remaining = c->remaining << 4 | (uint64_t)v;
        return true;
      }
      if (c->digits == 0) return false;
      if (b == ';') return (c->state = CH_EXT), true;
      if (b == '\r') return (c->state = CH_SIZE_LF), true;
      return false;
    case CH_EXT:
      if (b == '\r') return (c->state = CH_SIZE_LF), true;
      return b != '\n' && b != 0 && ++c->line <= MAX_LINE;
    case CH_SIZE_LF:
      if (b != '\n') return false;
      c->line = 0;
      c->state = c->remaining ? CH_DATA : CH_TRAILER;
      return true;
    case CH_DATA_CR:
      return b == '\r' && (c->state = CH_DATA_LF, true);
    case CH_DATA_LF:
      if (b != '\n') return false;
      c->digits = 0;
      c->state = CH_SIZE;
      return true;
    case CH_TRAILER:
      if (b == '\r') return (c->state = CH_END_LF), true;
      if (b == '\n' || b == ' ' || b == '\t' || b == 0) return false; /* no folding */
      c->line = 1;
      return (c->state = CH_TRAILER_IN), true;
    case CH_TRAILER_IN:
      if (b == '\r') return (c->state = CH_TRAILER_LF), true;
      return b != '\n' && b != 0 && ++c->line <= MAX_LINE;
    case CH_TRAILER_LF:
      return b == '\n' && (c->state = CH_TRAILER, true);
    case CH_END_LF:
      return b == '\n' && (c->state = CH_DONE, true);
    default:
      return false;
  }
}

int mm__chunked_feed(mm__chunked *c, const uint8_t *in, size_t n, uint8_t *out, size_t *out_len,
                     size_t *used) {
  size_t i = 0, o = 0;
  while (i < n && c->state != CH_DONE) {
    if (c->state == CH_DATA) {
      size_t take = n - i < c->remaining ? n - i : (size_t)c->remaining;
      if (out) memmove(out + o, in + i, take);
      o += take;
      i += take;
      c->remaining -= take;
      if (c->remaining == 0) c->state = CH_DATA_CR;
      continue;
    }
    if (!framing_byte(c, in[i])) {
      *used = i;
      *out_len = o;
      return MM_ESYNTAX;
    }
    i++;
  }
  *used = i;
  *out_len = o;
  return MM_OK;
}
