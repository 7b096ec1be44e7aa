/*
 * desync.c - request-smuggling classification of an HTTP/1.1 request head,
 * as aws/http-desync-guardian defines it for Elastic Load Balancing.
 *
 * Each check may raise the verdict to a higher tier; the first finding of
 * the highest tier names the reason, so that the log says what made the
 * request dangerous, not its last blemish. The checks run in the order the
 * bytes arrive (method, target, version, each header line) and then over
 * the framing the headers add up to (Content-Length / Transfer-Encoding).
 */
#include <stdio.h>
#include <string.h>

#include "mamori/http.h"

static const char *const reason_names[] = {
#define MM_HTTP_REASON_TEXT(name, text) text,
    MM_HTTP_REASON_MAP(MM_HTTP_REASON_TEXT)
#undef MM_HTTP_REASON_TEXT
};

static const char *const tier_names[] = {"Compliant", "Acceptable", "Ambiguous", "Severe"};

const char *mm_http_reason_name(mm_http_reason r) {
  return (unsigned)r < MM_HTTP_REASON_COUNT ? reason_names[r] : "?";
}

const char *mm_http_tier_name(mm_http_tier t) {
  return (unsigned)t <= MM_HTTP_SEVERE ? tier_names[t] : "?";
}

/* ---- byte classes ---------------------------------------------------------- */

/* RFC 7230 3.2.6 tchar. */
static bool is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* Bytes no parser agrees on: they end or split a line for some servers. */
static bool is_line_breaker(uint8_t c) { return c == '\r' || c == '\n' || c == '\0'; }

/* Control characters other than HTAB, and DEL (RFC 7230 excludes them from
 * field values). */
static bool is_ctl(uint8_t c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

/* Any control character, HTAB included: none belongs in a request-target
 * (RFC 3986 has no place for them; servers split the line on them). */
static bool is_any_ctl(uint8_t c) { return c < 0x20 || c == 0x7f; }

static mm_str trim_ows(mm_str s) {
  while (s.len > 0 && is_ows((uint8_t)s.ptr[0])) s.ptr++, s.len--;
  while (s.len > 0 && is_ows((uint8_t)s.ptr[s.len - 1])) s.len--;
  return s;
}

static bool has_byte_where(mm_str s, bool (*pred)(uint8_t)) {
  for (size_t i = 0; i < s.len; i++)
    if (pred((uint8_t)s.ptr[i])) return true;
  return false;
}

/* ---- the verdict being built ------------------------------------------------ */

typedef struct verdict_builder {
  mm_http_verdict *v;
  bool set; /* a finding has been recorded */
} verdict_builder;

/* Append s to the message with the bytes a log line cannot hold escaped as
 * http-desync-guardian prints them: "\\n", "\\r", "\\t", "\\0xNN". */
static void message_escaped(char *dst, size_t *at, mm_str s) {
  for (size_t i = 0; i < s.len && *at + 7 < MM_HTTP_MESSAGE_MAX; i++) {
    uint8_t c = (uint8_t)s.ptr[i];
    int n;
    if (c == '\n')
      n = snprintf(dst + *at, MM_HTTP_MESSAGE_MAX - *at, "\\\\n");
    else if (c == '\r')
      n = snprintf(dst + *at, MM_HTTP_MESSAGE_MAX - *at, "\\\\r");
    else if (c == '\t')
      n = snprintf(dst + *at, MM_HTTP_MESSAGE_MAX - *at, "\\\\t");
    else if (c < 0x20 || c >= 0x7f)
      n = snprintf(dst + *at, MM_HTTP_MESSAGE_MAX - *at, "\\\\0x%02x", c);
    else {
      dst[(*at)++] = (char)c;
      dst[*at] = '\0';
      continue;
    }
    *at += (size_t)n;
  }
}

/* Record a finding: "<what> <escaped subject> <why>". Only a higher tier
 * replaces what is there. */
static void note(verdict_builder *b, mm_http_tier tier, mm_http_reason reason, const char *what,
                 mm_str subject, const char *why) {
  if (b->set && tier <= b->v->tier) return;
  b->set = true;
  b->v->tier = tier;
  b->v->reason = reason;
  char *m = b->v->message;
  int n = snprintf(m, MM_HTTP_MESSAGE_MAX, "%s: %s ", mm_http_reason_name(reason), what);
  size_t at = n > 0 && (size_t)n < MM_HTTP_MESSAGE_MAX ? (size_t)n : 0;
  message_escaped(m, &at, subject);
  if (why && at + 1 < MM_HTTP_MESSAGE_MAX) snprintf(m + at, MM_HTTP_MESSAGE_MAX - at, " %s", why);
}

/* A header with CR, LF or NUL in it: the message shows the name with
 * control bytes as '_' (what a lenient server would read), then
 * the offending part escaped. */
static void note_bad_header(verdict_builder *b, mm_str name, mm_str bad) {
  char shown[64];
  size_t n = name.len < sizeof shown - 1 ? name.len : sizeof shown - 1;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)name.ptr[i];
    shown[i] = is_any_ctl(c) ? '_' : (char)c;
  }
  shown[n] = '\0';
  note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_HEADER, shown, bad, "has CR, LF or NUL");
}

/* ---- request line ------------------------------------------------------------ */

/* Methods are case-sensitive tokens, and every registered one is upper
 * case: a lower-case method is read as another method, or refused, by
 * different servers. */
static void check_method(verdict_builder *b, mm_str m) {
  bool ok = m.len > 0;
  for (size_t i = 0; ok && i < m.len; i++) {
    uint8_t c = (uint8_t)m.ptr[i];
    ok = is_tchar(c) && !(c >= 'a' && c <= 'z');
  }
  if (!ok) note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_METHOD, "method", m, "is not an upper-case token");
}

static void check_uri(verdict_builder *b, mm_str u) {
  if (has_byte_where(u, is_line_breaker))
    note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_URI, "URI", u, "contains CR, LF or NUL");
  else if (has_byte_where(u, is_any_ctl))
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_AMBIGUOUS_URI, "URI", u, "contains control characters");
  else if (memchr(u.ptr, ' ', u.len))
    note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_SPACE_IN_URI, "URI", u, "contains an unescaped space");
}

/* The protocol version: 10 for HTTP/1.0, 11 for HTTP/1.1, 9 for an
 * HTTP/0.9 request line (no version), other values for the rest. */
static int check_version(verdict_builder *b, mm_str ver) {
  mm_str v = ver;
  while (v.len > 0 && is_ows((uint8_t)v.ptr[v.len - 1])) v.len--;
  if (v.len == 0) {
    note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_NON_COMPLIANT_VERSION, "version", MM_STR("HTTP/0.9"),
         "(no version in the request line)");
    return 9;
  }
  bool shaped = v.len == 8 && memcmp(v.ptr, "HTTP/", 5) == 0 && v.ptr[5] >= '0' &&
                v.ptr[5] <= '9' && v.ptr[6] == '.' && v.ptr[7] >= '0' && v.ptr[7] <= '9';
  if (!shaped) {
    note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_VERSION, "Version", ver, "is not HTTP/d.d");
    return -1;
  }
  int num = (v.ptr[5] - '0') * 10 + (v.ptr[7] - '0');
  if (v.len != ver.len || (num != 10 && num != 11))
    note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_NON_COMPLIANT_VERSION, "version", ver,
         "is not compliant");
  return num;
}

/* ---- header names ------------------------------------------------------------- */

typedef enum framing_name { NAME_OTHER, NAME_CL, NAME_TE } framing_name;

/* The ASCII letter a code point is drawn to resemble, for the few that
 * fold into Latin letters under Unicode case mapping (U+017F LATIN SMALL
 * LETTER LONG S, U+0131 DOTLESS I, U+212A KELVIN SIGN): servers that
 * case-fold Unicode read "Tranſfer-Encoding" as Transfer-Encoding. */
static int homoglyph(const uint8_t *p, size_t n, size_t *used) {
  static const struct {
    uint8_t b[3];
    uint8_t len;
    char letter;
  } table[] = {{{0xc5, 0xbf}, 2, 's'}, {{0xc4, 0xb1}, 2, 'i'}, {{0xe2, 0x84, 0xaa}, 3, 'k'}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (n >= table[i].len && memcmp(p, table[i].b, table[i].len) == 0) {
      *used = table[i].len;
      return table[i].letter;
    }
  return -1;
}

/* Does name, reduced to its letters (case folded, homoglyphs mapped,
 * everything else dropped), spell target? A proxy and a server that
 * disagree on whether "Transfer_Encoding" or " Content-Length" is the
 * framing header are the classic desync. */
static bool resembles(mm_str name, const char *target) {
  size_t t = 0, tn = strlen(target);
  const uint8_t *p = (const uint8_t *)name.ptr;
  for (size_t i = 0; i < name.len;) {
    uint8_t c = p[i];
    int letter = -1;
    size_t used = 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      letter = c | 0x20;
    else if (c >= 0x80)
      letter = homoglyph(p + i, name.len - i, &used);
    i += used;
    if (letter < 0) continue;
    if (t == tn || target[t] != letter) return false;
    t++;
  }
  return t == tn;
}

static bool name_is(mm_str name, const char *canonical) {
  return mm_str_ieq(name, mm_str_from(canonical));
}

/* Classify a header name; *kind says which framing header it is or looks
 * like. Returns false when the header is beyond use (BadHeader). */
static bool check_header_name(verdict_builder *b, mm_str name, framing_name *kind,
                              bool *suspicious) {
  *kind = NAME_OTHER;
  *suspicious = false;
  if (has_byte_where(name, is_line_breaker)) {
    note_bad_header(b, name, name);
    return false;
  }
  if (name_is(name, "Content-Length")) return (*kind = NAME_CL), true;
  if (name_is(name, "Transfer-Encoding")) return (*kind = NAME_TE), true;
  mm_str trimmed = trim_ows(name);
  if (trimmed.len == 0 || name.ptr[0] == ':') {
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_EMPTY_HEADER, "header", name, "has an empty name");
    return false;
  }
  if (resembles(name, "transferencoding"))
    *kind = NAME_TE;
  else if (resembles(name, "contentlength"))
    *kind = NAME_CL;
  if (*kind != NAME_OTHER) {
    *suspicious = true;
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_SUSPICIOUS_HEADER, "header", name,
         *kind == NAME_TE ? "resembles Transfer-Encoding" : "resembles Content-Length");
    return true;
  }
  for (size_t i = 0; i < name.len; i++)
    if (!is_tchar((uint8_t)name.ptr[i])) {
      note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_NON_COMPLIANT_HEADER, "header", name,
           "name is not a token");
      break;
    }
  return true;
}

/* ---- framing headers ---------------------------------------------------------- */

typedef struct framing {
  size_t cl_count;   /* Content-Length headers with a valid value (or look-alikes) */
  uint64_t cl_value; /* the first one's value */
  bool cl_differs;   /* another one disagreed */
  bool te_present;   /* a valid Transfer-Encoding header */
  size_t chunked;    /* "chunked" codings over all Transfer-Encoding headers */
  bool chunked_last; /* the final coding is chunked */
} framing;

/* Content-Length = 1*DIGIT, with no list form and no overflow: "42, 42" is
 * what RFC 7230 3.3.2 lets a recipient fold, and some do not. */
static bool parse_content_length(mm_str v, uint64_t *out) {
  v = trim_ows(v);
  if (v.len == 0) return false;
  uint64_t n = 0;
  for (size_t i = 0; i < v.len; i++) {
    uint8_t c = (uint8_t)v.ptr[i];
    if (c < '0' || c > '9') return false;
    if (n > (UINT64_MAX - (c - '0')) / 10) return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

static void add_content_length(framing *f, uint64_t n) {
  if (f->cl_count == 0)
    f->cl_value = n;
  else if (n != f->cl_value)
    f->cl_differs = true;
  f->cl_count++;
}

/* The codings RFC 7230 4 registers, and their x- aliases (4.2.1, 4.2.3). */
static bool known_coding(mm_str c) {
  static const char *const codings[] = {"chunked",  "compress", "deflate",   "gzip",
                                        "identity", "x-gzip",   "x-compress"};
  for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++)
    if (name_is(c, codings[i])) return true;
  return false;
}

/* Walk a Transfer-Encoding value: #( transfer-coding *( OWS ";" OWS
 * parameter ) ). Counts the chunked codings; with strict set, returns
 * false on an unknown coding or a byte outside printable ASCII. */
static bool scan_transfer_encoding(mm_str v, framing *f, bool strict) {
  if (strict)
    for (size_t i = 0; i < v.len; i++) {
      uint8_t c = (uint8_t)v.ptr[i];
      if (is_ctl(c) || c >= 0x80) return false;
    }
  size_t i = 0;
  while (i <= v.len) {
    size_t end = i;
    while (end < v.len && v.ptr[end] != ',') end++;
    mm_str item = {v.ptr + i, end - i};
    const char *semi = memchr(item.ptr, ';', item.len);
    mm_str coding = trim_ows(semi ? (mm_str){item.ptr, (size_t)(semi - item.ptr)} : item);
    if (coding.len > 0) {
      bool chunked = name_is(coding, "chunked");
      if (chunked) f->chunked++;
      f->chunked_last = chunked;
      if (strict && !known_coding(coding)) return false;
    } else if (strict && trim_ows(item).len > 0) {
      return false; /* parameters without a coding */
    }
    i = end + 1;
  }
  return true;
}

static void check_framing_header(verdict_builder *b, const mm_http_header *h, framing_name kind,
                                 bool suspicious, framing *f) {
  if (kind == NAME_CL) {
    uint64_t n;
    if (parse_content_length(h->value, &n))
      add_content_length(f, n);
    else if (!suspicious)
      note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_CONTENT_LENGTH, "Content-Length", h->value,
           "is not a single decimal number");
    return;
  }
  if (!scan_transfer_encoding(h->value, f, !suspicious))
    note(b, MM_HTTP_SEVERE, MM_HTTP_R_BAD_TRANSFER_ENCODING, "Transfer-Encoding", h->value,
         "is not a list of known transfer codings");
  else if (!suspicious)
    f->te_present = true;
}

static void check_header(verdict_builder *b, const mm_http_header *h, framing *f) {
  framing_name kind;
  bool suspicious;
  if (!check_header_name(b, h->name, &kind, &suspicious)) return;
  if (has_byte_where(h->value, is_line_breaker)) {
    note_bad_header(b, h->name, h->value);
    return;
  }
  if (kind != NAME_OTHER) {
    check_framing_header(b, h, kind, suspicious, f);
    return;
  }
  if (has_byte_where(h->value, is_ctl))
    note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_NON_COMPLIANT_HEADER, "header", h->name,
         "value has control characters");
}

/* What the framing headers add up to, given the method and version. */
static void check_framing(verdict_builder *b, const framing *f, mm_str method, int version) {
  if (f->cl_count > 1)
    note(b, f->cl_differs ? MM_HTTP_SEVERE : MM_HTTP_AMBIGUOUS,
         f->cl_differs ? MM_HTTP_R_MULTIPLE_CONTENT_LENGTH : MM_HTTP_R_DUPLICATE_CONTENT_LENGTH,
         f->cl_differs ? "Multiple" : "Duplicate", MM_STR("Content-Length"), "headers");
  if (f->chunked > 1)
    note(b, MM_HTTP_SEVERE, MM_HTTP_R_MULTIPLE_TRANSFER_ENCODING_CHUNKED, "Transfer-Encoding",
         MM_STR("chunked"), "appears more than once");
  if (f->te_present && f->cl_count > 0)
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_BOTH_TE_CL_PRESENT, "both Transfer-Encoding and",
         MM_STR("Content-Length"), "are present");
  if (version == 9 || version == 10) {
    mm_str name = version == 9 ? MM_STR("HTTP/0.9") : MM_STR("HTTP/1.0");
    if (f->te_present)
      note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_UNDEFINED_TRANSFER_ENCODING_SEMANTICS,
           "Transfer-Encoding in", name, "is undefined");
    if (version == 9 && f->cl_count > 0)
      note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_UNDEFINED_CONTENT_LENGTH_SEMANTICS, "Content-Length in",
           name, "is undefined");
  }
  bool bodiless = mm_str_eq(method, MM_STR("GET")) || mm_str_eq(method, MM_STR("HEAD"));
  if (!bodiless) return;
  if (f->te_present)
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_UNDEFINED_TRANSFER_ENCODING_SEMANTICS,
         "Transfer-Encoding on", method, "has no defined meaning");
  if (f->cl_count > 0 && f->cl_value > 0)
    note(b, MM_HTTP_AMBIGUOUS, MM_HTTP_R_UNDEFINED_CONTENT_LENGTH_SEMANTICS, "Content-Length on",
         method, "has no defined meaning");
  else if (f->cl_count > 0)
    note(b, MM_HTTP_ACCEPTABLE, MM_HTTP_R_GET_HEAD_ZERO_CONTENT_LENGTH, "Content-Length: 0 on",
         method, "is harmless");
}

void mm_http_classify(const mm_http_head *h, mm_http_verdict *v) {
  verdict_builder b = {v, false};
  v->tier = MM_HTTP_COMPLIANT;
  v->reason = MM_HTTP_R_COMPLIANT;
  snprintf(v->message, sizeof v->message, "Compliant");
  check_method(&b, h->method);
  check_uri(&b, h->uri);
  int version = check_version(&b, h->version);
  framing f = {0};
  for (size_t i = 0; i < h->n_headers; i++) check_header(&b, &h->headers[i], &f);
  check_framing(&b, &f, h->method, version);
}

/* ---- modes ---------------------------------------------------------------------- */

static const char *const mode_names[] = {"monitor", "defensive", "strictest"};

mm_http_action mm_http_mode_action(mm_http_mode m, mm_http_tier t) {
  switch (m) {
    case MM_HTTP_MODE_MONITOR:
      return MM_HTTP_FORWARD;
    case MM_HTTP_MODE_STRICTEST:
      return t == MM_HTTP_COMPLIANT ? MM_HTTP_FORWARD : MM_HTTP_REJECT;
    case MM_HTTP_MODE_DEFENSIVE:
    default:
      if (t == MM_HTTP_SEVERE) return MM_HTTP_REJECT;
      return t == MM_HTTP_AMBIGUOUS ? MM_HTTP_FORWARD_CLOSE : MM_HTTP_FORWARD;
  }
}

int mm_http_mode_parse(mm_str s, mm_http_mode *out) {
  for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (mm_str_eq(s, mm_str_from(mode_names[i]))) {
      *out = (mm_http_mode)i;
      return MM_OK;
    }
  return MM_EINVAL;
}

const char *mm_http_mode_name(mm_http_mode m) {
  return (unsigned)m <= MM_HTTP_MODE_STRICTEST ? mode_names[m] : "?";
}
