/*
 * json_stream.c - the streaming reader: one JSON value at a time from JSON
 * Lines, a sequence of values, one document, or the elements of a top-level
 * array or a CloudTrail {"Records":[...]} file, read in chunks from a file
 * descriptor, a FILE*, or memory, gzip-compressed or not.
 *
 * Formats: JSON values per RFC 8259; JSON Lines per jsonlines.org (UTF-8,
 * one value per '\n'-terminated line, "\r\n" tolerated); CloudTrail log
 * files per the AWS CloudTrail User Guide, "CloudTrail record contents"
 * (a JSON object whose "Records" member is an array of events); gzip per
 * RFC 1952, section 2.2 (a file is a series of members, which zlib decodes
 * one at a time: we restart it after each member's end).
 *
 * Layers: raw bytes (read/fread/memory) -> gzip (zlib, when the input begins
 * with 1f 8b) -> a decoded buffer of bounded size -> the record finder, which
 * locates each record's extent with a structural scan (strings, escapes and
 * brackets only; 16 bytes at a time) -> the parser, into one reused
 * document. The buffer holds at most one record plus a read chunk: whatever
 * precedes the current record is dropped (compacted away) on refill.
 * Positions are absolute byte offsets in the decoded stream; `base` maps
 * them into the buffer.
 */
#include "json_int.h"

#include "mamori/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef enum src_kind { SRC_FD, SRC_FILE, SRC_MEM } src_kind;
typedef enum state { ST_START, ST_TOP, ST_ARRAY, ST_LINES, ST_DONE } state;

#define AGAIN 1 /* internal: the state changed, step again */

struct mm_json_reader {
  /* raw source */
  src_kind kind;      /* where raw bytes come from */
  int fd;             /* SRC_FD */
  bool own_fd;        /* opened by open_path: close it */
  FILE *file;         /* SRC_FILE */
  const uint8_t *mem; /* SRC_MEM: the caller's bytes */
  size_t mem_len;     /* their length */
  size_t mem_pos;     /* SRC_MEM gzip: bytes handed to zlib so far */
  bool raw_eof;       /* the raw source is exhausted */
  /* gzip */
  bool gz;         /* the input is gzip */
  bool zs_live;    /* zs was initialized (inflateEnd needed) */
  bool member_end; /* between two gzip members */
  z_stream zs;     /* zlib state; next_in into zin or mem */
  uint8_t *zin;    /* compressed input chunk (not for SRC_MEM) */
  uint64_t zbytes; /* compressed bytes consumed, for messages */
  /* decoded buffer */
  uint8_t *buf;  /* decoded bytes [base, base + len) */
  size_t len;    /* bytes valid in buf */
  size_t cap;    /* bytes allocated (0 when borrowed) */
  bool borrowed; /* buf is the caller's memory (SRC_MEM, not gzip) */
  uint64_t base; /* absolute offset of buf[0] */
  bool eof;      /* no more decoded bytes will come */
  /* position of the next unconsumed byte */
  uint64_t pos;        /* absolute offset */
  uint64_t line;       /* its 1-based line */
  uint64_t line_start; /* absolute offset where that line starts */
  /* what the record finder is doing */
  mm_json_stream_mode mode; /* as opened */
  state st;                 /* see next_step() */
  bool wrapper;             /* ST_ARRAY: inside {"Records":[ */
  bool first;               /* ST_ARRAY: no element yet */
  bool decided;             /* AUTO: JSON Lines or not was decided */
  uint64_t index;           /* records yielded */
  bool seen;                /* a top-level value (good or bad) was read */
  /* a failure of the source, reported once reading reaches it */
  int src_code;      /* MM_OK or the status */
  char src_msg[160]; /* its message */
  /* parsing */
  mm_json_doc *doc;    /* reused for every record */
  mm_json_options opt; /* the caller's, copied */
  size_t max_record;   /* bytes of one record */
};

/* ---- raw input --------------------------------------------------------------- */

/* Record the source's first failure: "what" followed by "detail". */
static void source_fail(mm_json_reader *r, int code, const char *what, const char *detail) {
  if (r->src_code) return;
  r->src_code = code;
  snprintf(r->src_msg, sizeof(r->src_msg), "%s%s", what, detail);
}

/* Up to n raw bytes into dst; 0 at the end; -1 on error (recorded). */
static ssize_t raw_read(mm_json_reader *r, uint8_t *dst, size_t n) {
  if (r->kind == SRC_FILE) {
    size_t got = fread(dst, 1, n, r->file);
    if (got == 0 && ferror(r->file)) {
      source_fail(r, MM_EIO, "read error: ", strerror(errno));
      return -1;
    }
    return (ssize_t)got;
  }
  for (;;) {
    ssize_t got = read(r->fd, dst, n);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    source_fail(r, MM_EIO, "read error: ", strerror(errno));
    return -1;
  }
}

/* ---- gzip (RFC 1952) -------------------------------------------------------------- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return mm_calloc(items, size);
}
static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  mm_free(p);
}

/* Top up zlib's input, keeping what it has not consumed yet. */
static void refill_zin(mm_json_reader *r) {
  if (r->kind == SRC_MEM && r->zs.avail_in == 0) {
    size_t n = r->mem_len - r->mem_pos;
    if (n > ((size_t)1 << 30)) n = (size_t)1 << 30; /* zlib counts in uInt */
    r->zs.next_in = (Bytef *)(uintptr_t)(r->mem + r->mem_pos);
    r->zs.avail_in = (uInt)n;
    r->mem_pos += n;
  }
  if (r->kind == SRC_MEM || r->raw_eof) {
    r->raw_eof = r->mem_pos == r->mem_len;
    return;
  }
  if (r->zs.avail_in) memmove(r->zin, r->zs.next_in, r->zs.avail_in);
  r->zs.next_in = r->zin;
  ssize_t got = raw_read(r, r->zin + r->zs.avail_in, MM_JSON_READ_CHUNK - r->zs.avail_in);
  if (got <= 0)
    r->raw_eof = true;
  else
    r->zs.avail_in += (uInt)got;
}

/* After a member ended: another member, the clean end, or garbage. */
static int next_member(mm_json_reader *r) {
  if (r->zs.avail_in < 2 && !r->raw_eof) refill_zin(r);
  if (r->zs.avail_in == 0) return MM_EOF;
  if (r->zs.avail_in < 2 || r->zs.next_in[0] != 0x1f || r->zs.next_in[1] != 0x8b) {
    source_fail(r, MM_EIO, "trailing garbage after a gzip member", "");
    return MM_EIO;
  }
  inflateReset(&r->zs);
  r->member_end = false;
  return MM_OK;
}

/* Decode into dst[0..n): bytes produced, 0 at the end, -1 on error. */
static ssize_t gz_read(mm_json_reader *r, uint8_t *dst, size_t n) {
  r->zs.next_out = dst;
  r->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
  uInt want = r->zs.avail_out;
  while (r->zs.avail_out == want) {
    if (r->member_end) {
      int rc = next_member(r);
      if (rc == MM_EOF) return 0;
      if (rc) return -1;
    }
    if (r->zs.avail_in == 0) refill_zin(r);
    uInt before = r->zs.avail_in;
    int zrc = inflate(&r->zs, Z_NO_FLUSH);
    r->zbytes += before - r->zs.avail_in;
    if (zrc == Z_STREAM_END) {
      r->member_end = true;
    } else if (zrc == Z_BUF_ERROR && r->zs.avail_in == 0 && r->raw_eof) {
      /* no progress possible and no input left: the member is cut short */
      char at[32];
      snprintf(at, sizeof(at), "%llu", (unsigned long long)r->zbytes);
      source_fail(r, MM_ETRUNC, "truncated gzip stream; compressed bytes read: ", at);
      return -1;
    } else if (zrc == Z_MEM_ERROR) {
      source_fail(r, MM_ENOMEM, "out of memory in zlib", "");
      return -1;
    } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
      source_fail(r, MM_EIO, "corrupt gzip data: ", r->zs.msg ? r->zs.msg : "?");
      return -1;
    }
  }
  return (ssize_t)(want - r->zs.avail_out);
}

static int gz_start(mm_json_reader *r) {
  r->zs.zalloc = z_alloc;
  r->zs.zfree = z_free;
  if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
    source_fail(r, MM_ENOMEM, "cannot initialize zlib", "");
    return MM_ENOMEM;
  }
  r->zs_live = true;
  r->gz = true;
  return MM_OK;
}

/* ---- the decoded buffer ---------------------------------------------------------------- */

/* Make room for a chunk: drop consumed bytes, grow if still short. */
static int make_room(mm_json_reader *r) {
  size_t keep = (size_t)(r->pos - r->base);
  if (keep && r->cap - r->len < MM_JSON_READ_CHUNK) {
    memmove(r->buf, r->buf + keep, r->len - keep);
    r->len -= keep;
    r->base += keep;
  }
  if (r->cap - r->len >= MM_JSON_READ_CHUNK) return MM_OK;
  size_t ncap = r->cap ? r->cap * 2 : 2 * MM_JSON_READ_CHUNK;
  while (ncap - r->len < MM_JSON_READ_CHUNK) ncap *= 2;
  uint8_t *nb = mm_realloc(r->buf, ncap);
  if (!nb) {
    source_fail(r, MM_ENOMEM, "out of memory buffering input", "");
    return MM_ENOMEM;
  }
  r->buf = nb;
  r->cap = ncap;
  return MM_OK;
}

/* Append decoded bytes. Returns how many (0: end of input or a source
 * failure, which src_code then records). */
static size_t fill(mm_json_reader *r) {
  if (r->eof) return 0;
  if (make_room(r)) return r->eof = true, 0;
  ssize_t got = r->gz ? gz_read(r, r->buf + r->len, r->cap - r->len)
                      : raw_read(r, r->buf + r->len, r->cap - r->len);
  if (got <= 0) return r->eof = true, 0;
  r->len += (size_t)got;
  return (size_t)got;
}

static inline uint64_t avail_end(const mm_json_reader *r) { return r->base + r->len; }
static inline const uint8_t *at_ptr(const mm_json_reader *r, uint64_t abs) {
  return r->buf + (abs - r->base);
}

/* true when byte abs is in the buffer (reading more as needed). */
static bool have(mm_json_reader *r, uint64_t abs) {
  while (abs >= avail_end(r))
    if (!fill(r)) return false;
  return true;
}

/* First bytes: gzip or not? Sets up the layers. */
static int start(mm_json_reader *r) {
  if (r->kind == SRC_MEM) {
    if (r->mem_len >= 2 && r->mem[0] == 0x1f && r->mem[1] == 0x8b) {
      if (gz_start(r)) return MM_ENOMEM;
      refill_zin(r);
      return MM_OK;
    }
    r->buf = (uint8_t *)(uintptr_t)r->mem; /* read only: never written */
    r->len = r->mem_len;
    r->borrowed = r->eof = true;
    return MM_OK;
  }
  if (!(r->zin = mm_malloc(MM_JSON_READ_CHUNK))) {
    source_fail(r, MM_ENOMEM, "out of memory", "");
    return MM_ENOMEM;
  }
  r->zs.next_in = r->zin;
  while (r->zs.avail_in < 2 && !r->raw_eof) refill_zin(r);
  if (r->zs.avail_in >= 2 && r->zin[0] == 0x1f && r->zin[1] == 0x8b) return gz_start(r);
  /* Not gzip: what was read is the start of the text. */
  if (make_room(r)) return MM_ENOMEM;
  memcpy(r->buf, r->zin, r->zs.avail_in);
  r->len = r->zs.avail_in;
  if (r->raw_eof) r->eof = true;
  mm_free(r->zin);
  r->zin = NULL;
  return MM_OK;
}

/* ---- positions ------------------------------------------------------------------------ */

/* Consume up to abs, counting the lines passed. */
static void consume(mm_json_reader *r, uint64_t abs) {
  const uint8_t *p = at_ptr(r, r->pos), *end = at_ptr(r, abs);
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    r->line++;
    r->line_start = r->base + (uint64_t)(p - r->buf) + 1;
    p++;
  }
  r->pos = abs;
}

static inline bool is_ws(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Skip whitespace (stopping at a newline if asked). false at the end of
 * the input. */
static bool skip_ws(mm_json_reader *r, bool stop_at_newline) {
  for (;;) {
    if (!have(r, r->pos)) return false;
    const uint8_t *p = at_ptr(r, r->pos), *e = r->buf + r->len, *q = p;
    while (q < e && is_ws(*q) && !(stop_at_newline && *q == '\n')) q++;
    consume(r, r->pos + (uint64_t)(q - p));
    if (q < e) return true;
  }
}

/* Move an error found in a record's own text to the input's coordinates;
 * one without a position (out of memory) gets the record's. */
static void relocate(mm_error *err, const mm_error *e, uint64_t start, uint64_t line,
                     uint64_t col) {
  if (!err) return;
  *err = *e;
  if (!e->line) {
    err->offset = (size_t)start;
    err->line = (uint32_t)line;
    err->column = (uint32_t)col;
    return;
  }
  err->offset = (size_t)(start + e->offset);
  err->column = (uint32_t)(e->line == 1 ? col + e->column - 1 : e->column);
  err->line = (uint32_t)(line + e->line - 1);
}

/* Report an error at the current position. */
static int fail_here(mm_json_reader *r, mm_error *err, int code, const char *msg) {
  if (err) {
    mm_error_set(err, code, "%s", msg);
    err->offset = (size_t)r->pos;
    err->line = (uint32_t)r->line;
    err->column = (uint32_t)(r->pos - r->line_start + 1);
  }
  return code;
}

/* The input ended or broke where more was needed: report the source's
 * failure if it has one, else `code`/`msg`; then stop for good. */
static int fail_end(mm_json_reader *r, mm_error *err, int code, const char *msg) {
  r->st = ST_DONE;
  if (r->src_code) {
    code = r->src_code;
    r->src_code = MM_OK;
    return fail_here(r, err, code, r->src_msg);
  }
  return code == MM_EOF ? MM_EOF : fail_here(r, err, code, msg);
}

/* ---- finding a record's extent -------------------------------------------------------------- */

/* '[' ']' '{' '}': setting bit 5 maps '[' to '{' and ']' to '}' and
 * nothing else onto either. */
static inline bool is_bracket(uint8_t c) { return (c | 0x20) == '{' || (c | 0x20) == '}'; }

/* Bit i set for '"', '\\', '[', ']', '{', '}' in s[0..n). */
static unsigned struct_mask(const uint8_t *s, size_t n) {
#ifdef __SSE2__
  if (n == 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i y = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i br =
        _mm_or_si128(_mm_cmpeq_epi8(y, _mm_set1_epi8('{')), _mm_cmpeq_epi8(y, _mm_set1_epi8('}')));
    __m128i q =
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(br, q));
  }
#endif
  unsigned m = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\' || is_bracket(c)) m |= 1u << i;
  }
  return m;
}

/* The end of the array, object or string starting at `from`, given the
 * depth already open there. MM_OK and *end, MM_EOF, or MM_ELIMIT. */
static int scan_structural(mm_json_reader *r, uint64_t from, uint32_t depth, uint64_t *end) {
  bool in_str = false;
  uint64_t at = from, skip_to = 0;
  for (;;) {
    while (at < avail_end(r)) {
      if (at - from > r->max_record) return MM_ELIMIT;
      const uint8_t *p = at_ptr(r, at);
      size_t n = avail_end(r) - at < 16 ? (size_t)(avail_end(r) - at) : 16;
      for (unsigned m = struct_mask(p, n); m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctz(m);
        uint8_t c = p[k];
        if (at + k < skip_to) continue;
        if (in_str) {
          if (c == '\\')
            skip_to = at + k + 2;
          else if (c == '"' && (in_str = false, depth == 0))
            return *end = at + k + 1, MM_OK;
        } else if (c == '"') {
          in_str = true;
        } else if (c == '[' || c == '{') {
          depth++;
        } else if (c == ']' || c == '}') {
          if (depth <= 1) return *end = at + k + 1, MM_OK;
          depth--;
        }
      }
      at += n;
    }
    if (!fill(r)) return MM_EOF;
  }
}

static bool is_delimiter(uint8_t c) {
  return is_ws(c) || c == ',' || c == ':' || c == '"' || is_bracket(c);
}

/* A bare scalar (number, literal or garbage) ends at whitespace or a
 * structural character: MM_OK; or at the end of the input: MM_EOF, with
 * *end set too (a top-level scalar may end there; an array element may
 * not). It takes at least one byte, so that a stray ']' or ',' is reported
 * and passed, not looped on. */
static int scan_scalar(mm_json_reader *r, uint64_t from, uint64_t *end) {
  if (is_delimiter(*at_ptr(r, from))) return *end = from + 1, MM_OK;
  for (uint64_t at = from + 1;; at++) {
    if (at - from > r->max_record) return MM_ELIMIT;
    if (!have(r, at)) return *end = at, MM_EOF;
    uint8_t c = *at_ptr(r, at);
    if (is_delimiter(c)) return *end = at, MM_OK;
  }
}

static int scan_value(mm_json_reader *r, uint64_t from, uint64_t *end) {
  uint8_t c = *at_ptr(r, from);
  if (c == '{' || c == '[' || c == '"') return scan_structural(r, from, 0, end);
  return scan_scalar(r, from, end);
}

/* The '\n' ending the line at `from`, or the end of the input. *nl tells
 * which. MM_OK or MM_ELIMIT. */
static int scan_line(mm_json_reader *r, uint64_t from, uint64_t *end, bool *nl) {
  uint64_t at = from;
  for (;;) {
    const uint8_t *p = at_ptr(r, at), *q = memchr(p, '\n', (size_t)(avail_end(r) - at));
    if (q)
      at += (uint64_t)(q - p);
    else
      at = avail_end(r);
    if (at - from > r->max_record) return *end = at, MM_ELIMIT;
    if (q) return *end = at, *nl = true, MM_OK;
    if (!fill(r)) return *end = at, *nl = false, MM_OK;
  }
}

/* ---- yielding ----------------------------------------------------------------------------- */

/* Parse [pos, end) as one record and consume it. */
static int yield(mm_json_reader *r, uint64_t end, mm_json_record *rec, mm_error *err) {
  uint64_t start = r->pos, line = r->line, col = start - r->line_start + 1;
  mm_error e;
  e.line = 0, e.path[0] = e.msg[0] = '\0'; /* what the parser may leave unset */
  int rc =
      mm_json_doc_parse(r->doc, (const char *)at_ptr(r, start), (size_t)(end - start), &r->opt, &e);
  consume(r, end);
  r->seen = true;
  if (rc) {
    relocate(err, &e, start, line, col);
    return rc;
  }
  rec->value = mm_json_doc_root(r->doc);
  rec->index = r->index++;
  rec->offset = start;
  rec->line = line;
  rec->column = (uint32_t)col;
  return MM_OK;
}

static int record_too_large(mm_json_reader *r, mm_error *err) {
  char msg[96];
  snprintf(msg, sizeof(msg), "record larger than the limit (%zu bytes)", r->max_record);
  return fail_end(r, err, MM_ELIMIT, msg);
}

/* ST_LINES: the next non-blank line. A bad line is reported and skipped. */
static int step_line(mm_json_reader *r, mm_json_record *rec, mm_error *err) {
  if (!skip_ws(r, true)) return fail_end(r, err, MM_EOF, "end of input");
  if (*at_ptr(r, r->pos) == '\n') return consume(r, r->pos + 1), AGAIN;
  uint64_t end;
  bool nl = false;
  if (scan_line(r, r->pos, &end, &nl) == MM_ELIMIT) {
    int rc = fail_here(r, err, MM_ELIMIT, "line longer than the record limit");
    while (scan_line(r, r->pos, &end, &nl) == MM_ELIMIT) consume(r, end);
    consume(r, nl ? end + 1 : end);
    return rc;
  }
  if (!nl && r->src_code) return fail_end(r, err, r->src_code, r->src_msg);
  int rc = yield(r, end, rec, err);
  if (nl) consume(r, end + 1);
  return rc;
}

/* `{ "Records" : [` at pos (whitespace allowed between)? *after is the
 * offset just past the '['. Looks at most 256 bytes ahead. */
static bool records_wrapper(mm_json_reader *r, uint64_t *after) {
  static const char want[] = "{\"Records\":[";
  uint64_t at = r->pos;
  for (const char *w = want; *w; w++) {
    for (;;) {
      if (at - r->pos > 256 || !have(r, at)) return false;
      uint8_t c = *at_ptr(r, at);
      if (c == (uint8_t)*w) break;
      if (!is_ws(c) || w == want || (w > want + 1 && w < want + 10)) return false;
      at++;
    }
    at++;
  }
  *after = at;
  return true;
}

/* AUTO: is this JSON Lines? Yes when the first line is one object: it
 * starts with '{' and its last non-blank byte is '}'. */
static bool looks_like_lines(mm_json_reader *r) {
  uint64_t end;
  bool nl;
  if (*at_ptr(r, r->pos) != '{' || scan_line(r, r->pos, &end, &nl) != MM_OK) return false;
  while (end > r->pos && is_ws(*at_ptr(r, end - 1))) end--;
  return end > r->pos && *at_ptr(r, end - 1) == '}';
}

/* One whole value at pos (ST_TOP and ST_ARRAY). */
static int yield_value(mm_json_reader *r, mm_json_record *rec, mm_error *err, bool fatal_eof) {
  uint64_t end;
  int rc = scan_value(r, r->pos, &end);
  if (rc == MM_ELIMIT) return record_too_large(r, err);
  if (rc == MM_EOF) {
    if (fatal_eof || r->src_code)
      return fail_end(r, err, MM_ETRUNC, "truncated value at end of input");
    end = avail_end(r); /* a scalar, or the parser says what is wrong */
  }
  return yield(r, end, rec, err);
}

/* ST_TOP: between top-level values. */
static int step_top(mm_json_reader *r, mm_json_record *rec, mm_error *err) {
  uint64_t after;
  if (!skip_ws(r, false)) {
    if (r->mode == MM_JSON_STREAM_DOCUMENT && !r->seen && !r->src_code)
      return fail_end(r, err, MM_ETRUNC, "no JSON value in the input");
    return fail_end(r, err, MM_EOF, "end of input");
  }
  uint8_t c = *at_ptr(r, r->pos);
  bool unwrap = r->mode == MM_JSON_STREAM_AUTO || r->mode == MM_JSON_STREAM_RECORDS;
  if (r->mode == MM_JSON_STREAM_DOCUMENT && r->seen)
    return fail_end(r, err, MM_ESYNTAX, "data after the document");
  if (unwrap && c == '[') {
    consume(r, r->pos + 1);
    r->st = ST_ARRAY, r->wrapper = false, r->first = true;
    return AGAIN;
  }
  if (unwrap && c == '{' && records_wrapper(r, &after)) {
    consume(r, after);
    r->st = ST_ARRAY, r->wrapper = true, r->first = true;
    return AGAIN;
  }
  if (r->mode == MM_JSON_STREAM_RECORDS)
    return fail_end(r, err, MM_ESYNTAX, "expected {\"Records\":[...]} or an array");
  if (r->mode == MM_JSON_STREAM_AUTO && !r->decided) {
    r->decided = true;
    if (looks_like_lines(r)) return r->st = ST_LINES, AGAIN;
  }
  return yield_value(r, rec, err, false);
}

/* After a wrapper's array: skip the rest of {"Records":[...] ... }. */
static int close_wrapper(mm_json_reader *r, mm_error *err) {
  uint64_t end;
  int rc = scan_structural(r, r->pos, 1, &end);
  if (rc == MM_ELIMIT) return record_too_large(r, err);
  if (rc == MM_EOF)
    return fail_end(r, err, MM_ETRUNC, "truncated: the Records object is not closed");
  consume(r, end);
  r->st = ST_TOP;
  return AGAIN;
}

/* ST_ARRAY: the next element of an unwrapped array. */
static int step_array(mm_json_reader *r, mm_json_record *rec, mm_error *err) {
  if (!skip_ws(r, false)) return fail_end(r, err, MM_ETRUNC, "truncated: the array is not closed");
  uint8_t c = *at_ptr(r, r->pos);
  if (c == ']') { /* "[]", or after an element ("[1,]" is caught below) */
    consume(r, r->pos + 1);
    if (r->wrapper) return close_wrapper(r, err);
    r->st = ST_TOP;
    return AGAIN;
  }
  if (!r->first) {
    if (c != ',') return fail_end(r, err, MM_ESYNTAX, "',' or ']' expected between records");
    consume(r, r->pos + 1);
    if (!skip_ws(r, false))
      return fail_end(r, err, MM_ETRUNC, "truncated: the array is not closed");
    if (*at_ptr(r, r->pos) == ']')
      return fail_end(r, err, MM_ESYNTAX, "trailing comma in the array");
  }
  r->first = false;
  return yield_value(r, rec, err, true);
}

/* ---- public ------------------------------------------------------------------------------- */

static mm_json_reader *reader_new(src_kind kind, mm_json_stream_mode mode,
                                  const mm_json_options *opt, mm_error *err) {
  mm_json_reader *r = mm_calloc(1, sizeof(*r));
  if (r && !(r->doc = mm_json_doc_new())) mm_free(r), r = NULL;
  if (!r) {
    mm_error_set(err, MM_ENOMEM, "out of memory opening a JSON reader");
    return NULL;
  }
  r->kind = kind;
  r->fd = -1;
  r->mode = mode;
  r->line = 1;
  if (opt) r->opt = *opt;
  r->max_record = r->opt.max_record ? r->opt.max_record : MM_JSON_MAX_RECORD;
  return r;
}

mm_json_reader *mm_json_reader_open_fd(int fd, mm_json_stream_mode mode, const mm_json_options *opt,
                                       mm_error *err) {
  if (fd < 0) {
    mm_error_set(err, MM_EINVAL, "invalid file descriptor");
    return NULL;
  }
  mm_json_reader *r = reader_new(SRC_FD, mode, opt, err);
  if (r) r->fd = fd;
  return r;
}

mm_json_reader *mm_json_reader_open_path(const char *path, mm_json_stream_mode mode,
                                         const mm_json_options *opt, mm_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    mm_error_set(err, MM_EIO, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  mm_json_reader *r = mm_json_reader_open_fd(fd, mode, opt, err);
  if (!r)
    close(fd);
  else
    r->own_fd = true;
  return r;
}

mm_json_reader *mm_json_reader_open_file(FILE *f, mm_json_stream_mode mode,
                                         const mm_json_options *opt, mm_error *err) {
  if (!f) {
    mm_error_set(err, MM_EINVAL, "no FILE");
    return NULL;
  }
  mm_json_reader *r = reader_new(SRC_FILE, mode, opt, err);
  if (r) r->file = f;
  return r;
}

mm_json_reader *mm_json_reader_open_mem(const void *data, size_t len, mm_json_stream_mode mode,
                                        const mm_json_options *opt, mm_error *err) {
  if (!data && len) {
    mm_error_set(err, MM_EINVAL, "invalid memory input (NULL)");
    return NULL;
  }
  mm_json_reader *r = reader_new(SRC_MEM, mode, opt, err);
  if (r) r->mem = data ? data : (const void *)"", r->mem_len = len;
  return r;
}

int mm_json_reader_next(mm_json_reader *r, mm_json_record *rec, mm_error *err) {
  int rc = AGAIN;
  if (r->st == ST_START) {
    if (start(r)) return fail_end(r, err, MM_ENOMEM, "out of memory");
    r->st = r->mode == MM_JSON_STREAM_LINES ? ST_LINES : ST_TOP;
    /* A UTF-8 byte order mark may open a file (RFC 8259 section 8.1). */
    if (!(r->opt.flags & MM_JSON_REJECT_BOM) && have(r, 2) &&
        memcmp(at_ptr(r, 0), "\xef\xbb\xbf", 3) == 0)
      consume(r, 3);
  }
  while (rc == AGAIN) {
    switch (r->st) {
      case ST_LINES:
        rc = step_line(r, rec, err);
        break;
      case ST_TOP:
        rc = step_top(r, rec, err);
        break;
      case ST_ARRAY:
        rc = step_array(r, rec, err);
        break;
      default:
        rc = MM_EOF;
        break;
    }
  }
  return rc;
}

void mm_json_reader_close(mm_json_reader *r) {
  if (!r) return;
  if (r->zs_live) inflateEnd(&r->zs);
  if (r->own_fd) close(r->fd);
  if (!r->borrowed) mm_free(r->buf);
  mm_free(r->zin);
  mm_json_doc_free(r->doc);
  mm_free(r);
}
