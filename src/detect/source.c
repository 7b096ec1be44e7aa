/*
 * source.c - the detect readers' byte source: raw bytes from a descriptor,
 * a FILE* or memory, gzip-decoded when they begin with the gzip magic (RFC
 * 1952 section 2.2: a file is a series of members; zlib is restarted after
 * each one), handed out as lines for the flow-log reader (VPC Flow Logs
 * records are "a string with fields separated by spaces", one per line:
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html),
 * or as a FILE* for the JSON reader once the format sniffer has peeked.
 *
 * The buffer holds at most one line plus a read chunk; consumed bytes are
 * compacted away before each refill. A line longer than the limit is
 * reported once and skipped up to its newline, so one bad line never stops
 * the file. A failure of the input itself (truncated or corrupt gzip, read
 * error) is reported once, where reading reached it; then the end follows.
 */
#include "detect/detect_int.h"

#include "mamori/alloc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct mm__detect_src {
  mm__detect_input in; /* where raw bytes come from */
  size_t mem_pos;      /* memory input: raw bytes handed out */
  bool raw_eof;        /* the raw input is exhausted */
  bool sniffed;        /* gzip or not was decided */
  bool gz;             /* the input is gzip */
  bool zs_live;        /* zs initialized */
  bool member_end;     /* between two gzip members */
  z_stream zs;         /* zlib state */
  uint8_t *zin;        /* compressed chunk (not for memory input) */
  char *buf;           /* decoded bytes [0, len) */
  size_t len;          /* valid bytes in buf */
  size_t cap;          /* allocated bytes (one line + a chunk + 1) */
  size_t pos;          /* next unconsumed byte in buf */
  uint64_t base;       /* absolute decoded offset of buf[0] */
  bool eof;            /* no more decoded bytes will come */
  int fail;            /* MM_OK, or the input's failure to report */
  bool fail_told;      /* it was reported */
  char fail_msg[128];  /* its message */
  size_t max_line;     /* bytes of one line */
  uint64_t lineno;     /* lines handed out or skipped */
};

/* ---- raw input ------------------------------------------------------------ */

static void fail_input(mm__detect_src *s, int code, const char *msg) {
  if (s->fail) return;
  s->fail = code;
  snprintf(s->fail_msg, sizeof(s->fail_msg), "%s", msg);
}

/* Up to n raw bytes from a descriptor or stream; 0 at the end or on error. */
static size_t raw_read(mm__detect_src *s, void *dst, size_t n) {
  if (s->in.f) {
    size_t got = fread(dst, 1, n, s->in.f);
    if (got == 0 && ferror(s->in.f)) fail_input(s, MM_EIO, "read error");
    return got;
  }
  for (;;) {
    ssize_t got = read(s->in.fd, dst, n);
    if (got >= 0) return (size_t)got;
    if (errno == EINTR) continue;
    fail_input(s, MM_EIO, strerror(errno));
    return 0;
  }
}

/* ---- gzip -------------------------------------------------------------------- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return mm_calloc(items, size);
}
static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  mm_free(p);
}

/* Give zlib more compressed input when it has none left. */
static void feed_zlib(mm__detect_src *s) {
  if (s->zs.avail_in || s->raw_eof) return;
  if (s->in.mem) {
    size_t n = s->in.mem_len - s->mem_pos;
    if (n > ((size_t)1 << 30)) n = (size_t)1 << 30; /* zlib counts in uInt */
    s->zs.next_in = (Bytef *)(uintptr_t)((const uint8_t *)s->in.mem + s->mem_pos);
    s->zs.avail_in = (uInt)n;
    s->mem_pos += n;
    s->raw_eof = s->mem_pos == s->in.mem_len;
    return;
  }
  size_t got = raw_read(s, s->zin, MM_DETECT_READ_CHUNK);
  s->zs.next_in = s->zin;
  s->zs.avail_in = (uInt)got;
  if (got == 0) s->raw_eof = true;
}

/* After a member's end: another member follows, or the input ends. */
static bool next_member(mm__detect_src *s) {
  feed_zlib(s);
  if (s->zs.avail_in == 0) return false;
  if (s->zs.avail_in >= 1 && s->zs.next_in[0] != 0x1f) {
    fail_input(s, MM_ESYNTAX, "gzip: trailing bytes after the last member");
    return false;
  }
  s->member_end = false;
  return inflateReset(&s->zs) == Z_OK;
}

/* Up to n decoded bytes into dst; 0 at the end or on failure (recorded). */
static size_t gz_read(mm__detect_src *s, char *dst, size_t n) {
  s->zs.next_out = (Bytef *)dst;
  s->zs.avail_out = (uInt)n;
  while (s->zs.avail_out == n) {
    if (s->member_end && !next_member(s)) break;
    feed_zlib(s);
    if (s->zs.avail_in == 0) {
      fail_input(s, MM_ETRUNC, "gzip: the input ends inside a member (truncated file)");
      break;
    }
    int zrc = inflate(&s->zs, Z_NO_FLUSH);
    if (zrc == Z_STREAM_END) {
      s->member_end = true;
    } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
      fail_input(s, zrc == Z_MEM_ERROR ? MM_ENOMEM : MM_ESYNTAX, "gzip: corrupt data");
      break;
    }
  }
  return n - s->zs.avail_out;
}

/* Decide gzip from the first two raw bytes, which become zlib's input. */
static int start_gzip(mm__detect_src *s, const uint8_t *first, size_t n) {
  s->gz = true;
  s->zs.zalloc = z_alloc;
  s->zs.zfree = z_free;
  if (!s->in.mem) {
    s->zin = mm_malloc(MM_DETECT_READ_CHUNK);
    if (!s->zin) return MM_ENOMEM;
    memcpy(s->zin, first, n);
    s->zs.next_in = s->zin;
    s->zs.avail_in = (uInt)n;
  }
  if (inflateInit2(&s->zs, 15 + 16) != Z_OK) return MM_ENOMEM;
  s->zs_live = true;
  return MM_OK;
}

/* ---- the decoded buffer ---------------------------------------------------------- */

/* Up to n decoded bytes into dst, sniffing gzip on the first call. */
static size_t decoded_read(mm__detect_src *s, char *dst, size_t n) {
  if (!s->sniffed) {
    s->sniffed = true;
    if (s->in.mem) {
      const uint8_t *m = s->in.mem;
      if (s->in.mem_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        if (start_gzip(s, NULL, 0) != MM_OK) return fail_input(s, MM_ENOMEM, "out of memory"), 0;
        return gz_read(s, dst, n);
      }
    } else {
      uint8_t head[2];
      size_t got = raw_read(s, head, 2);
      if (got == 2 && head[0] == 0x1f && head[1] == 0x8b) {
        if (start_gzip(s, head, got) != MM_OK) return fail_input(s, MM_ENOMEM, "out of memory"), 0;
        return gz_read(s, dst, n);
      }
      memcpy(dst, head, got);
      return got + (got == 2 && n > 2 ? raw_read(s, dst + 2, n - 2) : 0);
    }
  }
  if (s->gz) return gz_read(s, dst, n);
  if (s->in.mem) {
    size_t left = s->in.mem_len - s->mem_pos;
    if (left > n) left = n;
    memcpy(dst, (const char *)s->in.mem + s->mem_pos, left);
    s->mem_pos += left;
    return left;
  }
  return raw_read(s, dst, n);
}

/* Drop consumed bytes and read more; false when nothing more came. */
static bool refill(mm__detect_src *s) {
  if (s->eof) return false;
  if (s->pos) {
    memmove(s->buf, s->buf + s->pos, s->len - s->pos);
    s->base += s->pos;
    s->len -= s->pos;
    s->pos = 0;
  }
  size_t room = s->cap - 1 - s->len;
  size_t got = room ? decoded_read(s, s->buf + s->len, room) : 0;
  s->len += got;
  if (got == 0 && room) s->eof = true;
  return got > 0;
}

mm__detect_src *mm__detect_src_open(const mm__detect_input *in, size_t max_line, mm_error *err) {
  mm__detect_src *s = mm_calloc(1, sizeof(*s));
  if (!s) goto oom;
  s->in = *in;
  s->max_line = max_line;
  s->cap = max_line + MM_DETECT_READ_CHUNK + 1;
  s->buf = mm_malloc(s->cap);
  if (!s->buf) goto oom;
  return s;
oom:
  if (s) s->in.own_fd = false; /* the caller still owns fd on failure */
  mm__detect_src_close(s);
  mm_error_set(err, MM_ENOMEM, "out of memory opening the input");
  return NULL;
}

void mm__detect_src_close(mm__detect_src *s) {
  if (!s) return;
  if (s->zs_live) inflateEnd(&s->zs);
  if (s->in.own_fd && s->in.fd >= 0) close(s->in.fd);
  mm_free(s->zin);
  mm_free(s->buf);
  mm_free(s);
}

static inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int mm__detect_src_peek(mm__detect_src *s) {
  size_t i = s->pos;
  for (;;) {
    for (; i < s->len; i++)
      if (!is_space(s->buf[i])) return (unsigned char)s->buf[i];
    i -= s->pos; /* refill moves the unconsumed bytes to the front */
    if (s->len - s->pos >= s->cap - 1 || !refill(s)) return -1;
  }
}

uint64_t mm__detect_src_consumed(const mm__detect_src *s) { return s->base + s->pos; }

/* Report the input's failure once, located where reading stopped. */
static int input_failure(mm__detect_src *s, mm_error *err) {
  s->fail_told = true;
  int code = s->fail;
  mm_error_set(err, code, "%s", s->fail_msg);
  if (err && s->lineno) { /* read by lines: the line after the last one */
    err->line = (uint32_t)(s->lineno + 1);
    err->column = 1;
    err->offset = (size_t)(s->base + s->len);
  }
  return code;
}

/* The line at pos is longer than the limit: skip to its newline. */
static int skip_long_line(mm__detect_src *s, uint64_t *lineno, uint64_t *offset, mm_error *err) {
  *offset = s->base + s->pos;
  *lineno = ++s->lineno;
  for (;;) {
    char *nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);
    if (nl) {
      s->pos = (size_t)(nl - s->buf) + 1;
      break;
    }
    s->pos = s->len;
    if (!refill(s)) break;
  }
  mm_error_set(err, MM_ELIMIT, "line longer than %zu bytes", s->max_line);
  if (err) {
    err->line = (uint32_t)*lineno;
    err->column = (uint32_t)(s->max_line + 1);
    err->offset = (size_t)*offset + s->max_line;
  }
  return MM_ELIMIT;
}

int mm__detect_src_line(mm__detect_src *s, char **line, size_t *len, uint64_t *lineno,
                        uint64_t *offset, mm_error *err) {
  size_t scanned = 0; /* bytes after pos already known to hold no newline */
  for (;;) {
    char *nl = memchr(s->buf + s->pos + scanned, '\n', s->len - s->pos - scanned);
    size_t end = nl ? (size_t)(nl - s->buf) : s->len;
    if (end - s->pos > s->max_line) return skip_long_line(s, lineno, offset, err);
    if (nl || (s->eof && s->len > s->pos)) {
      *line = s->buf + s->pos;
      *len = end - s->pos;
      *offset = s->base + s->pos;
      *lineno = ++s->lineno;
      s->pos = nl ? end + 1 : end;
      if (*len && (*line)[*len - 1] == '\r') (*len)--;
      (*line)[*len] = '\0';
      return MM_OK;
    }
    if (s->eof) break;
    scanned = s->len - s->pos;
    if (!refill(s) && s->len == s->pos) break;
  }
  if (s->fail && !s->fail_told) return input_failure(s, err);
  return MM_EOF;
}

int mm__detect_src_failure(mm__detect_src *s, mm_error *err) {
  if (!s->fail || s->fail_told) return MM_OK;
  return input_failure(s, err);
}

/* ---- the stream for the JSON reader (glibc fopencookie) ------------------------- */

static ssize_t stream_read(void *cookie, char *dst, size_t n) {
  mm__detect_src *s = cookie;
  if (s->pos == s->len && !refill(s)) return s->fail && s->fail != MM_ETRUNC ? -1 : 0;
  size_t k = s->len - s->pos;
  if (k > n) k = n;
  memcpy(dst, s->buf + s->pos, k);
  s->pos += k;
  return (ssize_t)k;
}

FILE *mm__detect_src_stream(mm__detect_src *s) {
  cookie_io_functions_t io = {stream_read, NULL, NULL, NULL};
  return fopencookie(s, "r", io);
}
