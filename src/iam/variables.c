/*
 * variables.c - IAM policy variables: ${key}, ${key, 'default'}, and the
 * escapes ${*}, ${?}, ${$}, in the Resource element and in the values of
 * String and Arn condition operators of Version 2012-10-17 policies.
 *
 * Implements "IAM policy elements: Variables and tags"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
 *  - the key is a request context key, matched case-insensitively;
 *  - a default is written in single quotes after a comma, '' is a quote;
 *    spaces around the key and the default are ignored;
 *  - a key with no value (absent, empty, or multivalued: a variable cannot
 *    take a set) uses the default; without one the variable cannot be
 *    resolved and the statement is treated as not matching ("this might
 *    cause the entire statement to be invalid");
 *  - ${*} ${?} ${$} stand for the literal characters;
 *  - substitution is done once; a substituted value is literal text, so a
 *    value holding '*' cannot widen a pattern.
 */
#include "iam_int.h"

#include <string.h>

typedef struct tmpl_scan {
  const char *s; /* the value */
  size_t len;    /* its length */
  size_t i;      /* read position */
} tmpl_scan;

static void skip_spaces(tmpl_scan *sc) {
  while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t')) sc->i++;
}

/* The default after the comma: '...' with '' for a quote. The unescaped
 * bytes are written into the arena. */
static int scan_default(mm_arena *a, tmpl_scan *sc, mm__iam_part *p, mm_error *err) {
  skip_spaces(sc);
  if (sc->i >= sc->len || sc->s[sc->i] != '\'')
    return mm_error_set(err, MM_EINVAL, "policy variable default must be in single quotes");
  char *out = mm_arena_alloc(a, sc->len - sc->i + 1);
  if (!out) return mm_error_set(err, MM_ENOMEM, "out of memory");
  size_t n = 0;
  for (sc->i++; sc->i < sc->len; sc->i++) {
    char c = sc->s[sc->i];
    if (c == '\'' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '\'') {
      out[n++] = '\'', sc->i++;
    } else if (c == '\'') {
      sc->i++;
      p->dflt = (mm_str){out, n};
      p->has_default = true;
      return MM_OK;
    } else {
      out[n++] = c;
    }
  }
  return mm_error_set(err, MM_EINVAL, "unterminated default value in policy variable");
}

/* One ${...} starting at sc->i (at the '$'). */
static int scan_var(mm_arena *a, tmpl_scan *sc, mm__iam_part *p, mm_error *err) {
  sc->i += 2;
  skip_spaces(sc);
  size_t k0 = sc->i;
  while (sc->i < sc->len && !strchr("}, \t'", sc->s[sc->i])) sc->i++;
  size_t k1 = sc->i;
  skip_spaces(sc);
  if (k1 == k0) return mm_error_set(err, MM_EINVAL, "empty policy variable");
  p->kind = MM__IAM_PART_VAR;
  p->text = (mm_str){sc->s + k0, k1 - k0};
  if (k1 - k0 == 1 && strchr("*?$", sc->s[k0])) p->kind = MM__IAM_PART_CHAR;
  if (sc->i < sc->len && sc->s[sc->i] == ',' && p->kind == MM__IAM_PART_VAR) {
    sc->i++;
    int rc = scan_default(a, sc, p, err);
    if (rc != MM_OK) return rc;
    skip_spaces(sc);
  }
  if (sc->i >= sc->len || sc->s[sc->i] != '}')
    return mm_error_set(err, MM_EINVAL, "unterminated policy variable");
  sc->i++;
  return MM_OK;
}

static size_t count_vars(mm_str text) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < text.len; i++)
    if (text.ptr[i] == '$' && text.ptr[i + 1] == '{') n++;
  return n;
}

static mm__iam_part text_part(const char *p, size_t n) {
  mm__iam_part part = {MM__IAM_PART_TEXT, {p, n}, {NULL, 0}, false};
  return part;
}

int mm__iam_tmpl_parse(mm_arena *a, mm_str text, const mm__iam_tmpl **out, mm_error *err) {
  *out = NULL;
  size_t vars = count_vars(text);
  if (vars == 0) return MM_OK;
  if (vars > MM_IAM_MAX_VARIABLES)
    return mm_error_set(err, MM_ELIMIT, "%zu policy variables in one value (limit %d)", vars,
                        MM_IAM_MAX_VARIABLES);
  mm__iam_part *parts = mm_arena_calloc(a, 2 * vars + 1, sizeof(*parts));
  mm__iam_tmpl *t = mm_arena_calloc(a, 1, sizeof(*t));
  if (!parts || !t) return mm_error_set(err, MM_ENOMEM, "out of memory");
  tmpl_scan sc = {text.ptr, text.len, 0};
  size_t n = 0, lit = 0;
  while (sc.i < sc.len) {
    if (sc.i + 1 < sc.len && sc.s[sc.i] == '$' && sc.s[sc.i + 1] == '{') {
      if (sc.i > lit) parts[n++] = text_part(sc.s + lit, sc.i - lit);
      int rc = scan_var(a, &sc, &parts[n++], err);
      if (rc != MM_OK) return rc;
      lit = sc.i;
    } else {
      sc.i++;
    }
  }
  if (sc.len > lit) parts[n++] = text_part(sc.s + lit, sc.len - lit);
  t->parts = parts;
  t->count = n;
  *out = t;
  return MM_OK;
}

/* ---- expansion ------------------------------------------------------------- */

typedef struct out_buf {
  char *p;     /* destination */
  size_t size; /* capacity */
  size_t len;  /* used */
  bool over;   /* capacity exceeded */
} out_buf;

static void put(out_buf *o, char c) {
  if (o->len + 1 >= o->size) {
    o->over = true;
    return;
  }
  o->p[o->len++] = c;
}

/* Literal text: in the glob dialect, * ? and \ are escaped unless they are
 * the policy's own wildcards (policy_text). */
static void put_text(out_buf *o, mm_str s, bool glob, bool policy_text) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    bool special = c == '\\' || (!policy_text && (c == '*' || c == '?'));
    if (glob && special) put(o, '\\');
    put(o, c);
  }
}

static int put_var(const mm__iam_eval *ev, const mm__iam_part *p, out_buf *o, bool glob,
                   mm_str *missing) {
  const mm_iam_context_entry *e = mm__iam_lookup(ev, p->text);
  if (e && e->count == 1) {
    put_text(o, e->values[0], glob, false);
    return MM_OK;
  }
  if (p->has_default) {
    put_text(o, p->dflt, glob, false);
    return MM_OK;
  }
  if (missing) *missing = p->text;
  return MM_ENOENT;
}

int mm__iam_tmpl_expand(const mm__iam_eval *ev, const mm__iam_tmpl *t, bool glob, char *buf,
                        size_t size, size_t *len, mm_str *missing) {
  out_buf o = {buf, size, 0, false};
  for (size_t i = 0; i < t->count; i++) {
    const mm__iam_part *p = &t->parts[i];
    if (p->kind == MM__IAM_PART_TEXT)
      put_text(&o, p->text, glob, true);
    else if (p->kind == MM__IAM_PART_CHAR)
      put_text(&o, p->text, glob, false);
    else if (put_var(ev, p, &o, glob, missing) != MM_OK)
      return MM_ENOENT;
  }
  if (o.over) return MM_ELIMIT;
  buf[o.len] = '\0';
  *len = o.len;
  return MM_OK;
}

/* ---- matching an expansion ---------------------------------------------------- */

static size_t count_colons(mm_str s, size_t limit) {
  size_t n = 0;
  for (size_t i = 0; i < s.len && n < limit; i++) n += s.ptr[i] == ':';
  return n;
}

/* An expansion is usually literal text, or literal text and one final `*`
 * (a Resource ending in "/${aws:username}/" and a star): those compare directly, without
 * compiling a pattern. In ARN mode the shortcut is taken only when the
 * literal part holds the first five colons, so that the `*` lies in the
 * resource component, where it may cross colons too. Anything else (an
 * escape, `?`, another `*`) goes to the glob module. */
int mm__iam_match_expansion(mm_str pattern, mm_str text, bool arn) {
  bool plain = !memchr(pattern.ptr, '\\', pattern.len) && !memchr(pattern.ptr, '?', pattern.len);
  const char *star = plain ? memchr(pattern.ptr, '*', pattern.len) : NULL;
  if (plain && !star) {
    if (arn && count_colons(pattern, 5) < 5) return 0; /* not an ARN: matches nothing */
    return mm_str_eq(pattern, text);
  }
  if (plain && star == pattern.ptr + pattern.len - 1) {
    mm_str prefix = {pattern.ptr, pattern.len - 1};
    if (!arn || count_colons(prefix, 5) == 5) return mm_str_has_prefix(text, prefix);
  }
  return mm_glob_match(pattern, text, (arn ? MM_GLOB_IAM_ARN : MM_GLOB_IAM) | MM_GLOB_ESCAPE);
}
