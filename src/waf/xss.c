/*
 * xss.c - the XSS detector: an HTML tokenizer run from each context an
 * injected value can land in, and the checks on what it tokenizes (the
 * tables in waf/xss.h; docs/waf/detectors.md).
 *
 * The tokenizer follows the states of the WHATWG HTML Living Standard,
 * section 13.2.5 "Tokenization", as far as a detector needs them: "<" and an
 * ASCII letter open a tag whose name runs to whitespace, "/" or ">"; an
 * attribute name runs to whitespace, "/", ">" or "=" (its first byte may be
 * anything, "=" included); a value is quoted by " or ' (and, as old Internet
 * Explorer did, by `) or runs unquoted to whitespace or ">"; "<!--" opens a
 * comment to "-->", any other "<!" or "<?" a bogus comment to ">"; "</" and
 * a letter an end tag. Everything else is text. A browser ignores case in
 * tag and attribute names, and so do the checks.
 *
 * URL and CSS values are read as a browser reads them: character
 * references decoded (&#106; &#x6A; &colon; &Tab; ..., with or without the
 * ";"), then the tab, newline and other control bytes a URL parser strips
 * removed, so "jav&#x09;ascript:" is "javascript:".
 *
 * Linear: each context walks the input once; every look-ahead (a closing
 * quote, "-->", ">") continues the walk from where it ends; a <style> body
 * and a value are examined for at most MM__WAF_XSS_SCAN_BYTES.
 */
#include "waf/xss.h"

#include <string.h>

typedef struct xs {
  const uint8_t *s;        /* input */
  size_t n;                /* input length */
  size_t pos;              /* next byte */
  int ctx;                 /* MM__WAF_XSS_CTX_* */
  bool broke;              /* the value left an attribute value (quote contexts) */
  mm__waf_detect_match *m; /* where a match goes, or NULL */
} xs;

typedef struct span {
  size_t off, len;
} span;

/* ---- bytes ---------------------------------------------------------------- */

static uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }
static bool is_alpha(uint8_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_ws(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* s[0..len) equals w ignoring ASCII case */
static bool ieq(const uint8_t *s, size_t len, const char *w) {
  size_t k = 0;
  for (; k < len && w[k]; k++)
    if (lower(s[k]) != (uint8_t)w[k]) return false;
  return k == len && w[k] == 0;
}

static bool report(xs *x, const char *shape, const char *fp, span a, span b) {
  mm__waf_detect_match *m = x->m;
  if (!m) return true;
  memset(m, 0, sizeof *m);
  m->shape = shape;
  m->context = (uint8_t)x->ctx;
  size_t k = strlen(fp);
  memcpy(m->fp, fp, k < MM__WAF_DETECT_FP_LEN ? k : MM__WAF_DETECT_FP_LEN);
  const span both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    if (both[i].len == 0) continue;
    m->spans[m->nspans].off = (uint32_t)both[i].off;
    m->spans[m->nspans].len = (uint32_t)both[i].len;
    m->nspans++;
  }
  return true;
}

/* ---- character references -------------------------------------------------- */

typedef struct named_ref {
  const char *name; /* lowercase; compared ignoring case */
  uint8_t c;        /* what it decodes to (0x80: some non-ASCII character) */
} named_ref;

/* The references an attacker uses to hide a scheme or a CSS word (HTML
 * Living Standard, "Named character references"). */
static const named_ref named[] = {
    {"colon", ':'},  {"tab", '\t'},  {"newline", '\n'}, {"lpar", '('},  {"rpar", ')'},
    {"sol", '/'},    {"amp", '&'},   {"lt", '<'},       {"gt", '>'},    {"quot", '"'},
    {"apos", '\''},  {"nbsp", 0x80}, {"excl", '!'},     {"num", '#'},   {"period", '.'},
    {"comma", ','},  {"semi", ';'},  {"equals", '='},   {"bsol", '\\'}, {"grave", '`'},
    {"lowbar", '_'}, {"plus", '+'},  {"percnt", '%'},   {"ast", '*'},   {"dollar", '$'},
};

/* Decode one character at v[*i] (bounded by end): the byte itself, or what
 * a reference there stands for. Advances *i past what it read. */
static uint8_t decode_char(const uint8_t *v, size_t end, size_t *i) {
  size_t p = *i;
  uint8_t c = v[p];
  *i = p + 1;
  if (c != '&' || p + 1 >= end) return c;
  if (v[p + 1] == '#') {
    size_t q = p + 2;
    bool hex = q < end && (v[q] | 32) == 'x';
    if (hex) q++;
    uint32_t cp = 0;
    size_t digits = 0;
    for (; q < end; q++, digits++) {
      uint8_t d = v[q], val;
      if (is_digit(d))
        val = (uint8_t)(d - '0');
      else if (hex && (d | 32) >= 'a' && (d | 32) <= 'f')
        val = (uint8_t)((d | 32) - 'a' + 10);
      else
        break;
      cp = cp > 0x10FFFF ? cp : cp * (hex ? 16 : 10) + val;
    }
    if (!digits) return c;
    if (q < end && v[q] == ';') q++;
    *i = q;
    return cp < 0x80 ? (uint8_t)cp : 0x80; /* &#0; reads as a control byte: dropped */
  }
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
    size_t len = strlen(named[k].name);
    if (p + 1 + len <= end && ieq(v + p + 1, len, named[k].name)) {
      size_t q = p + 1 + len;
      if (q < end && v[q] == ';') q++;
      *i = q;
      return named[k].c;
    }
  }
  return c;
}

/* Read up to cap decoded, lowercased characters of v[0..len) into out,
 * dropping what a URL parser or a CSS tokenizer would skip (spaces and
 * control bytes; CSS backslashes and comments are not undone). */
static size_t decode(const uint8_t *v, size_t len, uint8_t *out, size_t cap) {
  size_t i = 0, k = 0;
  if (len > MM__WAF_XSS_SCAN_BYTES) len = MM__WAF_XSS_SCAN_BYTES;
  while (i < len && k < cap) {
    uint8_t c = decode_char(v, len, &i);
    if (c <= 0x20 || c == 0x7f) continue;
    out[k++] = lower(c);
  }
  return k;
}

/* ---- value checks ---------------------------------------------------------- */

static bool starts(const uint8_t *d, size_t k, const char *w) {
  size_t len = strlen(w);
  return k >= len && memcmp(d, w, len) == 0;
}

/* The value, as a URL, runs script: javascript:, vbscript:, data: with a
 * type a browser renders as a document or runs. */
static bool bad_url(const uint8_t *v, size_t len) {
  uint8_t d[48];
  size_t k = decode(v, len, d, sizeof d);
  if (starts(d, k, "javascript:") || starts(d, k, "vbscript:") || starts(d, k, "livescript:") ||
      starts(d, k, "mocha:"))
    return true;
  if (!starts(d, k, "data:")) return false;
  static const char *const types[] = {"text/html",       "text/xml", "image/svg",    "application/",
                                      "text/javascript", "text/x-",  "text/vbscript"};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
    if (starts(d + 5, k - 5, types[t])) return true;
  return false;
}

static int hexval(uint8_t c) {
  if (is_digit(c)) return c - '0';
  c = lower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Undo what CSS hides words with (CSS Syntax Module Level 3, 4.3 and 4.3.7):
 * comments vanish and "\65" or "\e" is "e". In place; returns the length. */
static size_t css_unescape(uint8_t *d, size_t k) {
  size_t o = 0;
  for (size_t i = 0; i < k;) {
    if (d[i] == '/' && i + 1 < k && d[i + 1] == '*') {
      size_t j = i + 2;
      while (j + 1 < k && !(d[j] == '*' && d[j + 1] == '/')) j++;
      i = j + 2;
      continue;
    }
    if (d[i] == '\\') {
      i++;
      uint32_t cp = 0;
      int digits = 0;
      while (i < k && digits < 6 && hexval(d[i]) >= 0)
        cp = cp * 16 + (uint32_t)hexval(d[i++]), digits++;
      if (digits) {
        if (cp > 0 && cp < 0x80) d[o++] = lower((uint8_t)cp);
      } else if (i < k) {
        d[o++] = d[i++];
      }
      continue;
    }
    d[o++] = d[i++];
  }
  return o;
}

/* CSS that runs script (IE expression(), behaviors, bindings) or loads it
 * (url(javascript:), @import), after references, comments and escapes. */
static bool bad_css(const uint8_t *v, size_t len) {
  static const char *const needles[] = {
      "expression(", "javascript:", "vbscript:", "behavior:", "behaviour:", "binding:", "@import"};
  uint8_t d[MM__WAF_XSS_SCAN_BYTES];
  size_t k = css_unescape(d, decode(v, len, d, sizeof d));
  for (size_t t = 0; t < sizeof needles / sizeof needles[0]; t++)
    if (k && memmem(d, k, needles[t], strlen(needles[t]))) return true;
  return false;
}

/* ---- tags ------------------------------------------------------------------ */

enum { TAG_OTHER, TAG_BAD, TAG_STYLE, TAG_META, TAG_INERT };

/* Formatting elements that run nothing without a handler or a URL (which
 * are checked): text pasted from a page that closes a quote and then has
 * one of these is not flagged as a breakout. */
static const char *const inert_tags[] = {
    "a",   "b",     "i",      "u",     "s",      "em",         "strong", "small", "big",
    "p",   "br",    "hr",     "span",  "div",    "font",       "img",    "h1",    "h2",
    "h3",  "h4",    "h5",     "h6",    "ul",     "ol",         "li",     "table", "tr",
    "td",  "th",    "tbody",  "thead", "center", "blockquote", "pre",    "code",  "sub",
    "sup", "label", "strike", "tt",    "dl",     "dt",         "dd",     "nobr",  "wbr"};

/* Elements that run, load or re-target code whatever their attributes
 * (HTML Living Standard element index; SVG and MathML switch the parser to
 * foreign content, whose tricks bypass most filters). */
static const char *const bad_tags[] = {
    "script", "iframe", "frame",    "frameset", "object",   "embed",   "applet",  "base",
    "svg",    "math",   "link",     "import",   "xml",      "isindex", "bgsound", "layer",
    "ilayer", "form",   "vmlframe", "handler",  "listener", "portal"};

static int tag_kind(const uint8_t *name, size_t len) {
  for (size_t k = len; k > 0; k--) /* a namespace prefix (x:script) does not hide the name */
    if (name[k - 1] == ':') {
      name += k;
      len -= k;
      break;
    }
  size_t word = 0; /* "<script<x", "<svg\"": the name a filter would see */
  while (word < len && (is_alpha(name[word]) || is_digit(name[word]))) word++;
  if (word < len && name[word] != '-' && name[word] != '_') len = word;
  for (size_t t = 0; t < sizeof bad_tags / sizeof bad_tags[0]; t++)
    if (ieq(name, len, bad_tags[t])) return TAG_BAD;
  if (ieq(name, len, "style")) return TAG_STYLE;
  if (ieq(name, len, "meta")) return TAG_META;
  for (size_t t = 0; t < sizeof inert_tags / sizeof inert_tags[0]; t++)
    if (ieq(name, len, inert_tags[t])) return TAG_INERT;
  if (memchr(name, '-', len)) return TAG_INERT; /* an undefined custom element */
  return TAG_OTHER;
}

/* Attributes whose value is a URL a browser follows or loads. */
static const char *const url_attrs[] = {
    "href",     "src",    "action",  "formaction", "data",    "xlink:href", "background",
    "lowsrc",   "dynsrc", "poster",  "codebase",   "code",    "to",         "from",
    "values",   "by",     "cite",    "longdesc",   "classid", "xml:base",   "ping",
    "manifest", "srcset", "archive", "usemap",     "profile", "icon",       "content"};

static bool is_url_attr(span name, const uint8_t *s) {
  for (size_t t = 0; t < sizeof url_attrs / sizeof url_attrs[0]; t++)
    if (ieq(s + name.off, name.len, url_attrs[t])) return true;
  return false;
}

/* on + at least three letters: every event handler content attribute. The
 * last run of letters counts, so junk glued before it ("[e]onerror") or a
 * control byte after it ("onerror\0") does not hide it. */
static bool is_event(span name, const uint8_t *s) {
  const uint8_t *p = s + name.off;
  size_t e = name.len, b;
  while (e > 0 && p[e - 1] < 0x20) e--;
  for (b = e; b > 0 && is_alpha(p[b - 1]);) b--;
  if (e - b < 5 || (b > 0 && is_digit(p[b - 1]))) return false;
  return lower(p[b]) == 'o' && lower(p[b + 1]) == 'n';
}

/* meta content="0;url=javascript:..." : the URL after "url=". */
static bool bad_refresh(const uint8_t *v, size_t len) {
  for (size_t k = 0; k + 4 <= len; k++)
    if (ieq(v + k, 4, "url=")) return bad_url(v + k + 4, len - k - 4);
  return bad_url(v, len);
}

static bool check_attr(xs *x, int tag, span name, span val, bool has_value) {
  const uint8_t *s = x->s;
  if (!has_value) return false;
  if (is_event(name, s)) return report(x, "event-handler", "a=", name, val);
  if (ieq(s + name.off, name.len, "style") && bad_css(s + val.off, val.len))
    return report(x, "style-attr", "a=", name, val);
  if (ieq(s + name.off, name.len, "srcdoc") &&
      (memchr(s + val.off, '<', val.len) || memmem(s + val.off, val.len, "&lt", 3)))
    return report(x, "srcdoc", "a=", name, val);
  if (tag == TAG_META &&
      (ieq(s + name.off, name.len, "http-equiv") || ieq(s + name.off, name.len, "charset")))
    return report(x, "meta-refresh", "ta", name, val);
  if (ieq(s + name.off, name.len, "dataformatas") || ieq(s + name.off, name.len, "datasrc"))
    return report(x, "data-binding", "a=", name, val); /* IE data binding renders HTML */
  if (ieq(s + name.off, name.len, "attributename")) {  /* SVG <set>/<animate> of a handler */
    span v = val;
    if (is_event(v, s) || ieq(s + v.off, v.len, "href") || ieq(s + v.off, v.len, "xlink:href"))
      return report(x, "event-handler", "a=", name, val);
  }
  if (ieq(s + name.off, name.len, "content")) {
    if (bad_refresh(s + val.off, val.len)) return report(x, "url-scheme", "a=u", name, val);
    return false;
  }
  if (is_url_attr(name, s) && bad_url(s + val.off, val.len))
    return report(x, "url-scheme", "a=u", name, val);
  return false;
}

/* ---- the tokenizer ------------------------------------------------------------ */

static void skip_ws(xs *x) {
  while (x->pos < x->n && is_ws(x->s[x->pos])) x->pos++;
}

/* After "=": a quoted or unquoted value. */
static span read_value(xs *x) {
  const uint8_t *s = x->s;
  span v = {x->pos, 0};
  if (x->pos >= x->n) return v;
  uint8_t q = s[x->pos];
  if (q == '"' || q == '\'') { /* ` quoted only in old IE: read as unquoted */
    const uint8_t *e = memchr(s + x->pos + 1, q, x->n - x->pos - 1);
    size_t end = e ? (size_t)(e - s) : x->n;
    v.off = x->pos + 1;
    v.len = end - v.off;
    x->pos = e ? end + 1 : x->n;
    return v;
  }
  while (x->pos < x->n && !is_ws(s[x->pos]) && s[x->pos] != '>') x->pos++;
  v.len = x->pos - v.off;
  return v;
}

/* The body of a <style> is raw text (no tags, no comments) to "</style":
 * CSS that runs script. Only its first MM__WAF_XSS_SCAN_BYTES are read as
 * CSS; the walk to "</style" goes on from there (linear). */
static bool check_style_body(xs *x, span tag) {
  const uint8_t *s = x->s;
  size_t end = x->pos;
  while (end < x->n) {
    const uint8_t *e = memchr(s + end, '<', x->n - end);
    end = e ? (size_t)(e - s) : x->n;
    if (end + 7 <= x->n && ieq(s + end, 7, "</style")) break;
    if (end < x->n) end++;
  }
  if (bad_css(s + x->pos, end - x->pos))
    return report(x, "style-tag", "t", tag, (span){x->pos, end - x->pos});
  x->pos = end;
  return false;
}

/* Attributes up to the ">" that closes the tag (before attribute name,
 * attribute name, after attribute name, before attribute value, the value
 * states, after attribute value). true when a check matched. */
static bool attributes(xs *x, int tag, span tag_name) {
  const uint8_t *s = x->s;
  for (;;) {
    while (x->pos < x->n && (is_ws(s[x->pos]) || s[x->pos] == '/')) x->pos++;
    if (x->pos >= x->n) return false;
    if (s[x->pos] == '>') {
      x->pos++;
      return tag == TAG_STYLE && check_style_body(x, tag_name);
    }
    span name = {x->pos++, 0};
    while (x->pos < x->n && !is_ws(s[x->pos]) && s[x->pos] != '/' && s[x->pos] != '>' &&
           s[x->pos] != '=')
      x->pos++;
    name.len = x->pos - name.off;
    if (name.len > 1 && s[name.off] == '<' && tag_kind(s + name.off + 1, name.len - 1) == TAG_BAD)
      return report(x, "tag", "<t", (span){name.off, 1}, (span){name.off + 1, name.len - 1});
    skip_ws(x);
    span val = {x->pos, 0};
    bool has_value = x->pos < x->n && s[x->pos] == '=';
    if (has_value) {
      x->pos++;
      skip_ws(x);
      val = read_value(x);
    }
    if (check_attr(x, tag, name, val, has_value && val.len > 0)) return true;
  }
}

/* "<" and a letter: the tag name, then its attributes. */
static bool start_tag(xs *x) {
  const uint8_t *s = x->s;
  span lt = {x->pos, 1}, name = {x->pos + 1, 0};
  x->pos++;
  while (x->pos < x->n && !is_ws(s[x->pos]) && s[x->pos] != '/' && s[x->pos] != '>') x->pos++;
  name.len = x->pos - name.off;
  int kind = tag_kind(s + name.off, name.len);
  if (kind == TAG_BAD) return report(x, "tag", "<t", lt, name);
  if (x->broke && kind != TAG_INERT) return report(x, "breakout-tag", "<t", lt, name);
  return attributes(x, kind, name);
}

/* Past the next occurrence of what (or to the end). */
static void skip_past(xs *x, const char *what) {
  size_t len = strlen(what);
  const uint8_t *e = memmem(x->s + x->pos, x->n - x->pos, what, len);
  x->pos = e ? (size_t)(e - x->s) + len : x->n;
}

/* "<!" "<?" "</": comments, declarations, end tags. */
static bool markup(xs *x) {
  const uint8_t *s = x->s;
  size_t left = x->n - x->pos;
  if (left >= 4 && memcmp(s + x->pos, "<!--", 4) == 0) {
    x->pos += 4;
    if (x->n - x->pos >= 3 && s[x->pos] == '[' && ieq(s + x->pos + 1, 2, "if"))
      return report(x, "conditional", "c", (span){x->pos - 4, 7}, (span){0, 0});
    skip_past(x, "-->");
    return false;
  }
  if (left >= 8 && (ieq(s + x->pos, 8, "<?import") || ieq(s + x->pos, 5, "<?xml")) &&
      !(left >= 6 && is_ws(s[x->pos + 5])))
    return report(x, "processing-instruction", "?", (span){x->pos, 5}, (span){0, 0});
  x->pos++; /* "<!x", "<?x", "</x": to the next ">" */
  skip_past(x, ">");
  return false;
}

/* The data state: text, and what a "<" opens. */
static bool data(xs *x) {
  const uint8_t *s = x->s;
  while (x->pos < x->n) {
    const uint8_t *lt = memchr(s + x->pos, '<', x->n - x->pos);
    if (!lt) return false;
    x->pos = (size_t)(lt - s);
    uint8_t c = x->pos + 1 < x->n ? s[x->pos + 1] : 0;
    if (is_alpha(c)) {
      if (start_tag(x)) return true;
    } else if (c == '!' || c == '?' || c == '/') {
      if (markup(x)) return true;
    } else {
      x->pos++;
    }
  }
  return false;
}

/* Raw index just past the ":" of a URL scheme at the start of v (spaces,
 * controls and references undone as in decode()), or 0. */
static size_t scheme_end(const uint8_t *v, size_t len) {
  size_t i = 0, k = 0;
  if (len > 64) len = 64;
  while (i < len && k < 16) {
    uint8_t c = decode_char(v, len, &i);
    if (c <= 0x20 || c == 0x7f) continue;
    if (c == ':') return i;
    k++;
  }
  return 0;
}

/* The whole value is a URL that runs code: "javascript:alert(1)", not
 * "JavaScript: Basics of JavaScript" (after the scheme comes code, not
 * prose: a name followed by "(", "=", "[" or "`", or a non-letter). */
static bool script_url_value(xs *x) {
  if (!bad_url(x->s, x->n)) return false;
  span all = {0, x->n < 64 ? x->n : 64}, none = {0, 0};
  uint8_t d[16];
  size_t k = decode(x->s, x->n, d, sizeof d);
  if (starts(d, k, "data:")) return report(x, "url-value", "u", all, none);
  size_t i = scheme_end(x->s, x->n);
  while (i < x->n && is_ws(x->s[i])) i++;
  if (i >= x->n) return false;
  uint8_t c = decode_char(x->s, x->n, &i);
  if (is_digit(c)) return false;
  if (is_alpha(c) || c == '_' || c == '$') {
    while (i < x->n && (is_alpha(x->s[i]) || is_digit(x->s[i]) || strchr("_$.", x->s[i]))) i++;
    while (i < x->n && is_ws(x->s[i])) i++;
    if (i >= x->n || !strchr("([=`", x->s[i])) return false;
  }
  return report(x, "url-value", "u", all, none);
}

static bool run(xs *x, int ctx) {
  x->ctx = ctx;
  x->pos = 0;
  x->broke = false;
  if (ctx == MM__WAF_XSS_CTX_DATA) return data(x) || script_url_value(x);
  if (ctx == MM__WAF_XSS_CTX_TAG) return attributes(x, TAG_OTHER, (span){0, 0}) || data(x);
  uint8_t q = ctx == MM__WAF_XSS_CTX_DQUOTE ? '"' : ctx == MM__WAF_XSS_CTX_SQUOTE ? '\'' : '`';
  const uint8_t *e = memchr(x->s, q, x->n);
  if (!e) return false;
  x->pos = (size_t)(e - x->s) + 1;
  x->broke = true;
  return attributes(x, TAG_OTHER, (span){0, 0}) || data(x);
}

/* Bytes that every shape needs one of: "<" (tags), "=" (attributes) or
 * ":" / "&" (a scheme, maybe hidden in references). */
static bool may_match(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '<' || c == '=' || c == ':' || c == '&') return true;
  }
  return false;
}

bool mm__waf_xss(const uint8_t *s, size_t n, mm__waf_detect_match *m) {
  if (!s || n == 0 || n > UINT32_MAX || !may_match(s, n)) return false;
  xs x = {s, n, 0, 0, false, m};
  if (run(&x, MM__WAF_XSS_CTX_DATA)) return true;
  if (memchr(s, '"', n) && run(&x, MM__WAF_XSS_CTX_DQUOTE)) return true;
  if (memchr(s, '\'', n) && run(&x, MM__WAF_XSS_CTX_SQUOTE)) return true;
  if (memchr(s, '`', n) && run(&x, MM__WAF_XSS_CTX_BQUOTE)) return true;
  return run(&x, MM__WAF_XSS_CTX_TAG);
}

const char *mm__waf_xss_context_name(int context) {
  static const char *const names[] = {"data", "double-quote", "single-quote", "back-quote", "tag"};
  return context >= 0 && context <= MM__WAF_XSS_CTX_TAG ? names[context] : "?";
}
