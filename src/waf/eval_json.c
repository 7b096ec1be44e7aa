/*
 * eval_json.c - the JsonBody request component: the keys and scalar values
 * of a JSON body, as AWS WAF inspects them (Developer Guide "JSON body" in
 * "Request components", waf-rule-statement-fields-list.html#waf-rule-
 * statement-request-component-json-body; API "JsonBody", "JsonMatchPattern").
 *
 * A single pass over the body, no tree: a stack of open containers and the
 * JSON Pointer (RFC 6901) of the current element, so that IncludedPaths can
 * be checked as values stream by. A value is included when its pointer is
 * an included path or lies below one. Strings are unescaped; numbers and
 * literals are inspected as written. MatchScope KEY yields member names,
 * VALUE scalar values, ALL both.
 *
 * On invalid JSON the values seen before the error are kept and *complete
 * is false: that is AWS's behaviour without InvalidFallbackBehavior ("AWS
 * WAF parses and evaluates the content up to the first parsing failure");
 * the caller applies the fallback when one is set. Nesting beyond
 * MM_WAF_JSON_BODY_DEPTH or more than MM_WAF_JSON_BODY_ITEMS values count as
 * invalid JSON.
 *
 * States: expecting a value (after '[', ':' or ',' in an array, or at the
 * top), expecting a key (after '{' or ',' in an object), expecting ',' or a
 * close after a value, and done after the top-level value.
 */
#include "waf/eval.h"

#include <string.h>

#define PTR_MAX 2048 /* bytes of the current JSON Pointer we track */

typedef struct jstate {
  mm_waf_ctx *ctx;
  const mm__waf_field *f;
  const char *p, *end;
  mm_str *vals;
  size_t n, cap;
  char ptr[PTR_MAX];
  size_t ptr_len;
  bool ptr_over; /* the pointer outgrew ptr: nothing below matches */
  struct {
    bool object;
    size_t index;   /* next array index */
    size_t ptr_len; /* pointer length of the container */
  } stack[MM_WAF_JSON_BODY_DEPTH];
  size_t depth;
  size_t items;
} jstate;

static int push(jstate *s, mm_str v) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    mm_str *p = mm_arena_alloc(&s->ctx->arena, cap * sizeof(*p));
    if (!p) return MM_ENOMEM;
    if (s->n) memcpy(p, s->vals, s->n * sizeof(*p));
    s->vals = p;
    s->cap = cap;
  }
  s->vals[s->n++] = v;
  return MM_OK;
}

static bool included(const jstate *s) {
  const mm__waf_field *f = s->f;
  if (f->pattern == MM__WAF_PAT_ALL) return true;
  if (s->ptr_over) return false;
  for (size_t i = 0; i < f->n_names; i++) {
    mm_str inc = f->names[i];
    if (s->ptr_len >= inc.len && memcmp(s->ptr, inc.ptr, inc.len) == 0 &&
        (s->ptr_len == inc.len || s->ptr[inc.len] == '/'))
      return true;
  }
  return false;
}

/* Append "/" + segment (escaped per RFC 6901) to the pointer. */
static void ptr_append(jstate *s, mm_str seg) {
  if (s->ptr_len + 1 + 2 * seg.len > PTR_MAX) {
    s->ptr_over = true;
    return;
  }
  s->ptr[s->ptr_len++] = '/';
  for (size_t i = 0; i < seg.len; i++) {
    char c = seg.ptr[i];
    if (c == '~' || c == '/') {
      s->ptr[s->ptr_len++] = '~';
      s->ptr[s->ptr_len++] = c == '~' ? '0' : '1';
    } else {
      s->ptr[s->ptr_len++] = c;
    }
  }
}

static void ptr_index(jstate *s, size_t i) {
  char buf[24];
  size_t n = 0;
  do buf[sizeof(buf) - 1 - n++] = (char)('0' + i % 10);
  while ((i /= 10) && n < sizeof(buf));
  ptr_append(s, (mm_str){buf + sizeof(buf) - n, n});
}

static void put_utf8(char *o, size_t *k, uint32_t cp) {
  if (cp < 0x80)
    o[(*k)++] = (char)cp;
  else if (cp < 0x800) {
    o[(*k)++] = (char)(0xc0 | cp >> 6);
    o[(*k)++] = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    o[(*k)++] = (char)(0xe0 | cp >> 12);
    o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[(*k)++] = (char)(0x80 | (cp & 0x3f));
  } else {
    o[(*k)++] = (char)(0xf0 | cp >> 18);
    o[(*k)++] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[(*k)++] = (char)(0x80 | (cp & 0x3f));
  }
}

static bool hex4(const char *p, const char *end, uint32_t *v) {
  if (end - p < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    int h = mm__waf_hex_value((uint8_t)p[i]);
    if (h < 0) return false;
    *v = *v << 4 | (uint32_t)h;
  }
  return true;
}

/* A string at s->p (the opening quote), unescaped into the arena. */
static bool read_string(jstate *s, mm_str *out) {
  const char *p = s->p + 1;
  const char *q = p;
  while (q < s->end && *q != '"') q += *q == '\\' ? 2 : 1;
  if (q >= s->end) return false;
  char *o = mm_arena_alloc(&s->ctx->arena, (size_t)(q - p) + 1);
  if (!o) return false;
  size_t k = 0;
  while (p < q) {
    char c = *p++;
    if ((unsigned char)c < 0x20) return false;
    if (c != '\\') {
      o[k++] = c;
      continue;
    }
    char e = *p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *w = memchr(from, e, 8);
    if (w && e) {
      o[k++] = to[w - from];
      continue;
    }
    uint32_t cp, lo;
    if (e != 'u' || !hex4(p, q, &cp)) return false;
    p += 4;
    if (cp >= 0xd800 && cp < 0xdc00 && q - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
        hex4(p + 2, q, &lo) && lo >= 0xdc00 && lo < 0xe000) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      p += 6;
    } else if (cp >= 0xd800 && cp < 0xe000) {
      cp = 0xfffd;
    }
    put_utf8(o, &k, cp); /* never longer than the 6-byte escape it replaces */
  }
  o[k] = '\0';
  *out = (mm_str){o, k};
  s->p = q + 1;
  return true;
}

static bool read_scalar(jstate *s, mm_str *out) {
  const char *p = s->p;
  while (p < s->end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' ||
                        *p == 'e' || *p == 'E' || (*p >= 'a' && *p <= 'z')))
    p++;
  mm_str t = {s->p, (size_t)(p - s->p)};
  if (!t.len) return false;
  bool lit =
      mm_str_eq(t, MM_STR("true")) || mm_str_eq(t, MM_STR("false")) || mm_str_eq(t, MM_STR("null"));
  if (!lit && !(t.ptr[0] == '-' || (t.ptr[0] >= '0' && t.ptr[0] <= '9'))) return false;
  *out = t;
  s->p = p;
  return true;
}

static void skip_ws(jstate *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* One value at s->p: a scalar is emitted, a container opened. */
static int value(jstate *s) {
  if (s->p >= s->end || ++s->items > MM_WAF_JSON_BODY_ITEMS) return MM_ESYNTAX;
  char c = *s->p;
  if (c == '{' || c == '[') {
    if (s->depth >= MM_WAF_JSON_BODY_DEPTH) return MM_ESYNTAX;
    s->stack[s->depth].object = c == '{';
    s->stack[s->depth].index = 0;
    s->stack[s->depth].ptr_len = s->ptr_len;
    s->depth++;
    s->p++;
    return MM_OK;
  }
  mm_str v;
  if (!(c == '"' ? read_string(s, &v) : read_scalar(s, &v))) return MM_ESYNTAX;
  if (s->f->scope != MM__WAF_SCOPE_KEY && included(s)) return push(s, v);
  return MM_OK;
}

/* Position the pointer for the next element of the innermost container:
 * an array index, or read an object key. */
static int element(jstate *s) {
  size_t d = s->depth - 1;
  s->ptr_len = s->stack[d].ptr_len;
  s->ptr_over = s->ptr_len >= PTR_MAX;
  if (!s->stack[d].object) {
    ptr_index(s, s->stack[d].index++);
    return value(s);
  }
  mm_str key;
  if (s->p >= s->end || *s->p != '"' || !read_string(s, &key)) return MM_ESYNTAX;
  ptr_append(s, key);
  if (s->f->scope != MM__WAF_SCOPE_VALUE && included(s)) {
    int rc = push(s, key);
    if (rc) return rc;
  }
  skip_ws(s);
  if (s->p >= s->end || *s->p != ':') return MM_ESYNTAX;
  s->p++;
  skip_ws(s);
  return value(s);
}

static int walk(jstate *s) {
  skip_ws(s);
  int rc = value(s);
  bool fresh = true; /* a container was just opened: it may close at once */
  while (rc == MM_OK && s->depth > 0) {
    skip_ws(s);
    if (s->p >= s->end) return MM_ESYNTAX;
    char close = s->stack[s->depth - 1].object ? '}' : ']';
    size_t before = s->depth;
    if (*s->p == close) {
      s->p++;
      s->depth--;
      fresh = false;
      continue;
    }
    if (!fresh) {
      if (*s->p != ',') return MM_ESYNTAX;
      s->p++;
      skip_ws(s);
    }
    rc = element(s);
    fresh = s->depth > before;
  }
  skip_ws(s);
  return rc == MM_OK && s->p != s->end ? MM_ESYNTAX : rc;
}

int mm__waf_json_values(mm_waf_ctx *ctx, const mm__waf_field *f, mm_str body, mm_str **vals,
                        size_t *n, bool *complete) {
  jstate *s = mm_arena_alloc(&ctx->arena, sizeof(*s));
  if (!s) return MM_ENOMEM;
  memset(s, 0, offsetof(jstate, ptr));
  s->ctx = ctx;
  s->f = f;
  s->p = body.ptr ? body.ptr : "";
  s->end = s->p + body.len;
  s->ptr_len = 0;
  s->ptr_over = false;
  s->depth = 0;
  s->items = 0;
  int rc = walk(s);
  *vals = s->vals;
  *n = s->n;
  *complete = rc == MM_OK;
  return rc == MM_ENOMEM ? rc : MM_OK;
}
