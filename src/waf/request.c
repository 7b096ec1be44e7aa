/*
 * request.c - one raw HTTP/1.1 request (request line, header lines, empty
 * line, body) read into an mm_waf_request, for `mamori waf eval`, tests and
 * benchmarks.
 *
 * Grammar: RFC 9112 (HTTP/1.1) sections 2.2 (line ends), 3 (request line),
 * 5 (field lines), 6 (message body), 7.1 (chunked transfer coding), with
 * RFC 9110 section 5.6.2 tokens and 5.5 field values. Choices:
 *   - a line ends with CRLF or a bare LF (2.2 allows a recipient to accept
 *     LF); a bare CR anywhere is an error (2.2: "MUST NOT" be treated as a
 *     line end; it is the stuff of smuggling);
 *   - empty lines before the request line are skipped (2.2);
 *   - whitespace between a field name and its colon is an error (5.1:
 *     "MUST reject"), and so is obsolete line folding (5.2: a server may
 *     reject it; mamori does, so that a WAF never sees a header two ways);
 *   - field values may hold obs-text (bytes 0x80-0xFF) but no NUL, CR, LF
 *     or other control character except HTAB (5.5);
 *   - the header section ends at an empty line or at the end of the text (a
 *     hand-written request file may stop after its last header);
 *   - Transfer-Encoding whose last coding is chunked: the body is
 *     de-chunked (chunk-size strictly 1-16 hex digits, extensions skipped,
 *     trailers checked and dropped) and Content-Length is ignored (6.1: a
 *     recipient processes such a request by Transfer-Encoding alone);
 *     Transfer-Encoding without chunked last is an error (6.3 rule 4);
 *   - Content-Length: every copy must be the same digits; the body is cut to
 *     it, and body_length says the full length when fewer bytes are present.
 * Everything but a de-chunked body borrows the text. Limits
 * (src/waf/limits.h): MM_WAF_MAX_HEADERS, MM_WAF_MAX_HEADER_LINE,
 * MM_WAF_MAX_HEADER_SECTION, MM_WAF_MAX_REQUEST_LINE, MM_WAF_MAX_CHUNKS.
 * Errors carry the byte offset, line and column of the offending byte.
 */
#include "mamori/waf.h"
#include "waf/limits.h"
#include "waf/request.h"

#include <string.h>

typedef struct raw_parser {
  const char *text;      /* the whole request; borrowed */
  size_t len;            /* bytes of text */
  size_t pos;            /* next unread byte */
  mm_arena *a;           /* where the header array and a de-chunked body go */
  mm_error *err;         /* may be NULL */
  mm_waf_header *hdr;    /* header array (arena), n_hdr used of cap_hdr */
  size_t n_hdr, cap_hdr; /* entries used / allocated */
} raw_parser;

/* One line of text: [start, end) without its line end; next is where the
 * following line starts. */
typedef struct raw_line {
  size_t start, end, next;
} raw_line;

static int fail(raw_parser *p, int code, size_t at, const char *msg) {
  return mm_error_at(p->err, code, p->text, p->len, at, "%s", msg);
}

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA; 32 byte values
 * a row, 0x00 first. */
static const uint8_t tchar_table[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

bool mm__waf_is_tchar(unsigned char c) { return tchar_table[c]; }

/* The end of the run of tchar starting at i (before `end`). */
static size_t scan_token(const char *p, size_t i, size_t end) {
  while (i < end && tchar_table[(unsigned char)p[i]]) i++;
  return i;
}

/* SWAR (eight bytes at a time): does the word hold a byte below n (n <=
 * 128), or a byte equal to 0x7f? Exact for "any byte", which is all the
 * scanners below ask before they look byte by byte. */
static bool word_has_below_or_del(uint64_t x, uint64_t n) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t below = (x - ones * n) & ~x & highs;
  uint64_t del = x ^ (ones * 0x7f);
  return (below | ((del - ones) & ~del & highs)) != 0;
}

/* The first index in p[from..to) whose byte fails ok(), skipping clean
 * eight-byte words whole; `to` when none. lowest is the smallest byte that
 * may pass (0x20 for field values, 0x21 for the request-target). */
static size_t scan_bytes(const char *p, size_t from, size_t to, unsigned lowest,
                         bool (*ok)(unsigned char)) {
  size_t i = from;
  while (i < to) {
    uint64_t w;
    if (to - i >= 8 && (memcpy(&w, p + i, 8), !word_has_below_or_del(w, lowest))) {
      i += 8;
      continue;
    }
    size_t end = to - i >= 8 ? i + 8 : to;
    for (; i < end; i++)
      if (!ok((unsigned char)p[i])) return i;
  }
  return to;
}

bool mm__waf_is_token(mm_str s) {
  if (s.len == 0) return false;
  for (size_t i = 0; i < s.len; i++)
    if (!mm__waf_is_tchar((unsigned char)s.ptr[i])) return false;
  return true;
}

/* The next line, at most max bytes before its line end. MM_ELIMIT past max;
 * MM_ESYNTAX on a bare CR. At the end of the text the line is what is left
 * (no line end needed). */
static int next_line(raw_parser *p, size_t max, const char *what, raw_line *out) {
  size_t start = p->pos, avail = p->len - start;
  size_t scan = avail < max + 2 ? avail : max + 2;
  const char *nl = memchr(p->text + start, '\n', scan);
  size_t end = nl ? (size_t)(nl - p->text) : start + scan;
  if (!nl && scan < avail) return fail(p, MM_ELIMIT, start + max, what);
  out->next = nl ? end + 1 : end;
  if (end > start && p->text[end - 1] == '\r') end--;
  if (end - start > max) return fail(p, MM_ELIMIT, start + max, what);
  const char *cr = memchr(p->text + start, '\r', end - start);
  if (cr) return fail(p, MM_ESYNTAX, (size_t)(cr - p->text), "bare CR inside a line");
  out->start = start;
  out->end = end;
  return MM_OK;
}

static mm_str slice(const raw_parser *p, size_t from, size_t to) {
  return (mm_str){p->text + from, to - from};
}

/* ---- the request line ------------------------------------------------------- */

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3). */
static bool is_http_version(mm_str v) {
  return v.len == 8 && memcmp(v.ptr, "HTTP/", 5) == 0 && v.ptr[5] >= '0' && v.ptr[5] <= '9' &&
         v.ptr[6] == '.' && v.ptr[7] >= '0' && v.ptr[7] <= '9';
}

/* request-target bytes: anything visible, obs-text included; no SP, no CTL. */
static bool is_target_byte(unsigned char c) { return c > 0x20 && c != 0x7f; }

static size_t scan_target(const raw_parser *p, size_t i, size_t end) {
  return scan_bytes(p->text, i, end, 0x21, is_target_byte);
}

static int parse_request_line(raw_parser *p, const raw_line *l, mm_waf_request *req) {
  size_t i = l->start;
  i = scan_token(p->text, i, l->end);
  if (i == l->start) return fail(p, MM_ESYNTAX, i, "request line: expected a method token");
  if (i == l->end || p->text[i] != ' ')
    return fail(p, MM_ESYNTAX, i, "request line: expected one space after the method");
  req->method = slice(p, l->start, i);
  size_t t = ++i;
  i = scan_target(p, i, l->end);
  if (i == t) return fail(p, MM_ESYNTAX, i, "request line: expected a request-target");
  if (i == l->end || p->text[i] != ' ')
    return fail(p, MM_ESYNTAX, i,
                i == l->end ? "request line: expected ' HTTP/x.y' after the request-target"
                            : "request line: control character in the request-target");
  req->uri = slice(p, t, i);
  req->version = slice(p, i + 1, l->end);
  if (!is_http_version(req->version))
    return fail(p, MM_ESYNTAX, i + 1, "request line: expected HTTP-version \"HTTP/x.y\"");
  return MM_OK;
}

/* ---- header lines ------------------------------------------------------------ */

static int push_header(raw_parser *p, mm_str name, mm_str value, size_t at) {
  if (p->n_hdr == MM_WAF_MAX_HEADERS)
    return fail(p, MM_ELIMIT, at, "more header lines than MM_WAF_MAX_HEADERS");
  if (p->n_hdr == p->cap_hdr) {
    size_t cap = p->cap_hdr ? p->cap_hdr * 2 : 16;
    if (cap > MM_WAF_MAX_HEADERS) cap = MM_WAF_MAX_HEADERS;
    mm_waf_header *grown = mm_arena_alloc(p->a, cap * sizeof *grown);
    if (!grown) return mm_error_set(p->err, MM_ENOMEM, "out of memory");
    if (p->n_hdr) memcpy(grown, p->hdr, p->n_hdr * sizeof *grown);
    p->hdr = grown;
    p->cap_hdr = cap;
  }
  p->hdr[p->n_hdr++] = (mm_waf_header){name, value};
  return MM_OK;
}

/* field-value bytes (RFC 9110 5.5): HTAB, SP, VCHAR, obs-text. */
static bool is_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* Split one field line into name and value (optional whitespace trimmed). */
static int parse_field(raw_parser *p, const raw_line *l, mm_str *name, mm_str *value) {
  size_t i = l->start;
  if (p->text[i] == ' ' || p->text[i] == '\t')
    return fail(p, MM_ESYNTAX, i, "obsolete line folding (a line starting with whitespace)");
  i = scan_token(p->text, i, l->end);
  if (i == l->start) return fail(p, MM_ESYNTAX, i, "header line: expected a field name");
  if (i == l->end || p->text[i] != ':')
    return fail(p, MM_ESYNTAX, i,
                (i < l->end && (p->text[i] == ' ' || p->text[i] == '\t'))
                    ? "header line: whitespace between the field name and the colon"
                    : "header line: expected ':' after the field name");
  *name = slice(p, l->start, i);
  size_t v = i + 1, e = l->end;
  while (v < e && (p->text[v] == ' ' || p->text[v] == '\t')) v++;
  while (e > v && (p->text[e - 1] == ' ' || p->text[e - 1] == '\t')) e--;
  size_t bad = scan_bytes(p->text, v, e, 0x20, is_value_byte);
  if (bad < e) return fail(p, MM_ESYNTAX, bad, "header line: control character in the field value");
  *value = slice(p, v, e);
  return MM_OK;
}

/* Field lines up to the empty line (or the end of the text); keep them when
 * keep is true (headers), only check them otherwise (chunked trailers). */
static int parse_fields(raw_parser *p, size_t section_start, bool keep) {
  size_t trailers = 0;
  while (p->pos < p->len) {
    raw_line l;
    int rc =
        next_line(p, MM_WAF_MAX_HEADER_LINE, "header line longer than MM_WAF_MAX_HEADER_LINE", &l);
    if (rc) return rc;
    if (l.next - section_start > MM_WAF_MAX_HEADER_SECTION)
      return fail(p, MM_ELIMIT, l.start, "header section longer than MM_WAF_MAX_HEADER_SECTION");
    p->pos = l.next;
    if (l.end == l.start) return MM_OK;
    mm_str name = {0}, value = {0};
    if ((rc = parse_field(p, &l, &name, &value)) != MM_OK) return rc;
    if (keep)
      rc = push_header(p, name, value, l.start);
    else if (++trailers > MM_WAF_MAX_HEADERS)
      rc = fail(p, MM_ELIMIT, l.start, "more trailer lines than MM_WAF_MAX_HEADERS");
    if (rc) return rc;
  }
  return MM_OK;
}

/* ---- framing: Content-Length and Transfer-Encoding ---------------------------- */

typedef struct framing {
  bool chunked;    /* Transfer-Encoding ends with chunked */
  bool has_length; /* a Content-Length was given */
  uint64_t length; /* its value */
} framing;

/* The last comma-separated element of v, trimmed. */
static mm_str last_element(mm_str v) {
  size_t e = v.len, s;
  while (e > 0 && (v.ptr[e - 1] == ' ' || v.ptr[e - 1] == '\t' || v.ptr[e - 1] == ',')) e--;
  s = e;
  while (s > 0 && v.ptr[s - 1] != ',') s--;
  while (s < e && (v.ptr[s] == ' ' || v.ptr[s] == '\t')) s++;
  return (mm_str){v.ptr + s, e - s};
}

static int parse_length(raw_parser *p, mm_str v, uint64_t *out) {
  size_t at = (size_t)(v.ptr - p->text);
  if (v.len == 0) return fail(p, MM_ESYNTAX, at, "Content-Length: expected digits");
  uint64_t n = 0;
  for (size_t i = 0; i < v.len; i++) {
    unsigned d = (unsigned)(unsigned char)v.ptr[i] - '0';
    if (d > 9) return fail(p, MM_ESYNTAX, at + i, "Content-Length: expected digits only");
    if (n > (UINT64_MAX / 2 - d) / 10) return fail(p, MM_ERANGE, at, "Content-Length too large");
    n = n * 10 + d;
  }
  *out = n;
  return MM_OK;
}

static int read_framing(raw_parser *p, framing *f) {
  bool has_te = false;
  mm_str te_last = {0};
  size_t te_at = 0;
  for (size_t i = 0; i < p->n_hdr; i++) {
    const mm_waf_header *h = &p->hdr[i];
    if (mm_str_ieq(h->name, MM_STR("Transfer-Encoding"))) {
      mm_str last = last_element(h->value);
      if (last.len) te_last = last;
      has_te = true;
      te_at = (size_t)(h->name.ptr - p->text);
    } else if (mm_str_ieq(h->name, MM_STR("Content-Length"))) {
      uint64_t n = 0;
      int rc = parse_length(p, h->value, &n);
      if (rc) return rc;
      if (f->has_length && n != f->length)
        return fail(p, MM_ESYNTAX, (size_t)(h->name.ptr - p->text),
                    "Content-Length headers disagree");
      f->has_length = true;
      f->length = n;
    }
  }
  if (has_te && !mm_str_ieq(te_last, MM_STR("chunked")))
    return fail(p, MM_ESYNTAX, te_at, "Transfer-Encoding whose final coding is not chunked");
  f->chunked = has_te;
  return MM_OK;
}

/* ---- chunked bodies ------------------------------------------------------------ */

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* chunk-size [BWS ";" chunk-ext] line end (RFC 9112 7.1, 7.1.1). */
static int parse_chunk_size(raw_parser *p, uint64_t *size) {
  raw_line l;
  int rc = next_line(p, MM_WAF_MAX_HEADER_LINE,
                     "chunk-size line longer than MM_WAF_MAX_HEADER_LINE", &l);
  if (rc) return rc;
  if (l.next == l.end)
    return fail(p, MM_ETRUNC, l.end, "chunked body ends inside a chunk-size line");
  size_t i = l.start;
  uint64_t n = 0;
  for (; i < l.end && hex_value(p->text[i]) >= 0; i++) {
    if (i - l.start == 16)
      return fail(p, MM_ERANGE, l.start, "chunk-size longer than 16 hex digits");
    n = n << 4 | (uint64_t)hex_value(p->text[i]);
  }
  if (i == l.start) return fail(p, MM_ESYNTAX, i, "chunked body: expected a hex chunk-size");
  while (i < l.end && (p->text[i] == ' ' || p->text[i] == '\t')) i++;
  if (i < l.end && p->text[i] != ';')
    return fail(p, MM_ESYNTAX, i, "chunked body: unexpected byte after the chunk-size");
  for (; i < l.end; i++)
    if (!is_value_byte((unsigned char)p->text[i]))
      return fail(p, MM_ESYNTAX, i, "chunked body: control character in a chunk extension");
  p->pos = l.next;
  *size = n;
  return MM_OK;
}

/* chunk-data followed by its line end, appended to out. */
static int read_chunk_data(raw_parser *p, uint64_t size, char *out, size_t *n) {
  if (size > p->len - p->pos) return fail(p, MM_ETRUNC, p->len, "chunked body ends inside a chunk");
  memcpy(out + *n, p->text + p->pos, (size_t)size);
  *n += (size_t)size;
  p->pos += (size_t)size;
  if (p->pos < p->len && p->text[p->pos] == '\r') p->pos++;
  if (p->pos < p->len && p->text[p->pos] == '\n') {
    p->pos++;
    return MM_OK;
  }
  return fail(p, p->pos == p->len ? MM_ETRUNC : MM_ESYNTAX, p->pos,
              "chunked body: chunk-data not followed by a line end");
}

static int dechunk(raw_parser *p, mm_waf_request *req) {
  char *out = mm_arena_alloc(p->a, p->len - p->pos + 1);
  if (!out) return mm_error_set(p->err, MM_ENOMEM, "out of memory");
  size_t n = 0, chunks = 0;
  for (;;) {
    uint64_t size = 0;
    size_t at = p->pos;
    int rc = parse_chunk_size(p, &size);
    if (rc) return rc;
    if (size == 0) break;
    if (++chunks > MM_WAF_MAX_CHUNKS)
      return fail(p, MM_ELIMIT, at, "more chunks than MM_WAF_MAX_CHUNKS");
    if ((rc = read_chunk_data(p, size, out, &n)) != MM_OK) return rc;
  }
  int rc = parse_fields(p, p->pos, false);
  if (rc) return rc;
  req->body = (mm_str){out, n};
  req->body_length = n;
  return MM_OK;
}

/* ---- the whole request ---------------------------------------------------------- */

static int parse_body(raw_parser *p, mm_waf_request *req) {
  framing f = {0};
  int rc = read_framing(p, &f);
  if (rc) return rc;
  if (f.chunked) return dechunk(p, req);
  size_t avail = p->len - p->pos;
  req->body = (mm_str){p->text + p->pos, avail};
  req->body_length = avail;
  if (f.has_length) {
    if (f.length < avail) req->body.len = (size_t)f.length;
    req->body_length = f.length;
  }
  return MM_OK;
}

int mm_waf_request_parse_raw(mm_arena *a, const char *text, size_t len, mm_waf_request *req,
                             mm_error *err) {
  raw_parser p = {.text = text, .len = len, .a = a, .err = err};
  memset(req, 0, sizeof *req);
  mm_error_clear(err);
  if (!text && len) return mm_error_set(err, MM_EINVAL, "no text");
  while (p.pos < len && (text[p.pos] == '\n' ||
                         (text[p.pos] == '\r' && p.pos + 1 < len && text[p.pos + 1] == '\n')))
    p.pos++;
  if (p.pos == len) return fail(&p, MM_ETRUNC, len, "no request line");
  size_t section = p.pos;
  raw_line l;
  int rc = next_line(&p, MM_WAF_MAX_REQUEST_LINE,
                     "request line longer than MM_WAF_MAX_REQUEST_LINE", &l);
  if (!rc) rc = parse_request_line(&p, &l, req);
  if (rc) return rc;
  p.pos = l.next;
  if ((rc = parse_fields(&p, section, true)) != MM_OK) return rc;
  req->headers = p.hdr;
  req->n_headers = p.n_hdr;
  return parse_body(&p, req);
}
