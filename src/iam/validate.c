/*
 * validate.c - the policy validator's frame: parse the document, pair every
 * DOM value with its span in the text (validate_int.h, "The source tree"),
 * record findings with Access Analyzer's locations, and hand the report out.
 * The checks themselves live in validate_statement.c and the files it calls.
 *
 * Findings follow "IAM policy validation check reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html)
 * and the shape of the ValidatePolicy API's ValidatePolicyFinding and
 * Location (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Location.html):
 * a position has a 1-based line, a 0-based column and a 0-based offset.
 * mamori counts columns in code points and offsets in bytes.
 */
#include "validate_int.h"

#include "mamori/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_BASE                                                                                 \
  "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html" \
  "#access-analyzer-reference-policy-checks-"

const mm_iam_check mm__iam_checks[MM__IAM_C_COUNT] = {
#define MM__IAM_CHECK_ROW(code, type, title, anchor) \
  {#code, MM_IAM_FINDING_##type, title, LINK_BASE anchor},
    MM__IAM_CHECKS(MM__IAM_CHECK_ROW)
#undef MM__IAM_CHECK_ROW
};

const mm_iam_check *mm_iam_validate_checks(size_t *n) {
  if (n) *n = MM__IAM_C_COUNT;
  return mm__iam_checks;
}

const mm_iam_check *mm_iam_validate_check_find(const char *code) {
  for (size_t i = 0; code && i < MM__IAM_C_COUNT; i++)
    if (strcmp(mm__iam_checks[i].code, code) == 0) return &mm__iam_checks[i];
  return NULL;
}

/* ---- names -------------------------------------------------------------------- */

static const char *const type_names[] = {"IDENTITY_POLICY", "RESOURCE_POLICY",
                                         "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"};
static const char *const type_short[] = {"identity", "resource", "scp", "rcp"};

const char *mm_iam_policy_type_name(mm_iam_policy_type t) {
  return (unsigned)t < MM_ARRAY_LEN(type_names) ? type_names[t] : type_names[0];
}

bool mm_iam_policy_type_parse(mm_str s, mm_iam_policy_type *out) {
  for (size_t i = 0; i < MM_ARRAY_LEN(type_names); i++)
    if (mm_str_ieq(s, mm_str_from(type_names[i])) || mm_str_ieq(s, mm_str_from(type_short[i])))
      return *out = (mm_iam_policy_type)i, true;
  return false;
}

const char *mm_iam_finding_type_name(mm_iam_finding_type t) {
  static const char *const names[] = {"ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"};
  return (unsigned)t < MM_ARRAY_LEN(names) ? names[t] : names[0];
}

/* ---- small helpers the check files share -------------------------------------------- */

const mm__iam_vnode *mm__iam_vchild(const mm__iam_vnode *obj, const char *name) {
  const mm__iam_vnode *found = NULL;
  mm_str want = mm_str_from(name);
  for (uint32_t i = 0; obj && mm_json_is_object(obj->v) && i < obj->n; i++)
    if (mm_str_eq(obj->kids[i].key, want)) found = &obj->kids[i];
  return found;
}

bool mm__iam_vprefix(mm_str s, const char *prefix) {
  size_t n = strlen(prefix);
  return s.len >= n && mm_str_ieq((mm_str){s.ptr, n}, (mm_str){prefix, n});
}

bool mm__iam_vhas_variable(mm_str s) {
  for (size_t i = 0; i + 1 < s.len; i++)
    if (s.ptr[i] == '$' && s.ptr[i + 1] == '{') return true;
  return false;
}

mm__iam_vlist mm__iam_vstrings(mm__iam_vctx *x, const mm__iam_vnode *el) {
  mm__iam_vlist out = {NULL, 0};
  if (!el) return out;
  bool arr = mm_json_is_array(el->v);
  size_t cap = arr ? el->n : 1;
  const mm__iam_vnode **items = cap ? mm_arena_calloc(x->tmp, cap, sizeof(*items)) : NULL;
  if (!items) {
    if (cap) x->status = MM_ENOMEM;
    return out;
  }
  if (!arr && mm_json_is_string(el->v)) items[out.n++] = el;
  for (uint32_t i = 0; arr && i < el->n; i++)
    if (mm_json_is_string(el->kids[i].v)) items[out.n++] = &el->kids[i];
  out.items = items;
  return out;
}

/* ---- the source tree ------------------------------------------------------------- */

typedef struct tree_build {
  mm_arena *a;          /* the report's arena */
  mm__iam_vnode **flat; /* every node in document order */
  size_t n, cap;        /* filled, allocated */
} tree_build;

static size_t count_nodes(const mm_json_value *v) {
  size_t n = 1;
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *e;
  while (mm_json_iter_next(&it, NULL, &e)) n += count_nodes(e);
  return n;
}

/* Build node's kids from its DOM value, recording every node in document
 * order. Recursion is bounded by the parse depth (MM_IAM_MAX_DEPTH). */
static int build_node(tree_build *b, mm__iam_vnode *node) {
  if (b->n < b->cap) b->flat[b->n++] = node;
  size_t n = mm_json_len(node->v);
  if (!mm_json_is_array(node->v) && !mm_json_is_object(node->v)) return MM_OK;
  node->kids = n ? mm_arena_calloc(b->a, n, sizeof(*node->kids)) : NULL;
  if (n && !node->kids) return MM_ENOMEM;
  node->n = (uint32_t)n;
  mm_json_iter it = mm_json_iter_init(node->v);
  const mm_json_value *k, *e;
  for (uint32_t i = 0; mm_json_iter_next(&it, &k, &e); i++) {
    mm__iam_vnode *kid = &node->kids[i];
    kid->v = e, kid->index = i, kid->parent = node;
    if (k) { /* copied: paths outlive the parsed document */
      mm_str key = mm_json_get_str(k);
      char *copy = mm_arena_strndup(b->a, key.ptr ? key.ptr : "", key.len);
      if (!copy) return MM_ENOMEM;
      kid->key = (mm_str){copy, key.len};
    }
    int rc = build_node(b, kid);
    if (rc != MM_OK) return rc;
  }
  return MM_OK;
}

typedef struct span_scan {
  const char *s;        /* the text (valid JSON) */
  size_t len, i;        /* length, read position */
  mm__iam_vnode **flat; /* nodes in document order */
  size_t n, k;          /* count, next to fill */
} span_scan;

static void skip_ws(span_scan *sc) {
  while (sc->i < sc->len && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i]) sc->i++;
}

static void skip_string(span_scan *sc) {
  for (sc->i++; sc->i < sc->len && sc->s[sc->i] != '"'; sc->i++)
    if (sc->s[sc->i] == '\\') sc->i++;
  sc->i++;
}

static void scan_value(span_scan *sc);

/* The members or elements of a container; for an object each member name's
 * span goes to the node of its value, the next one in document order. */
static void scan_container(span_scan *sc, bool object) {
  char close = object ? '}' : ']';
  sc->i++;
  skip_ws(sc);
  while (sc->i < sc->len && sc->s[sc->i] != close) {
    if (object) {
      uint32_t ks = (uint32_t)sc->i;
      skip_string(sc);
      if (sc->k < sc->n) sc->flat[sc->k]->kstart = ks, sc->flat[sc->k]->kend = (uint32_t)sc->i;
      skip_ws(sc);
      sc->i++; /* ':' */
    }
    scan_value(sc);
    skip_ws(sc);
    if (sc->i < sc->len && sc->s[sc->i] == ',') sc->i++;
    skip_ws(sc);
  }
  sc->i++;
}

static void scan_value(span_scan *sc) {
  skip_ws(sc);
  mm__iam_vnode *node = sc->k < sc->n ? sc->flat[sc->k++] : NULL;
  size_t start = sc->i;
  char c = sc->i < sc->len ? sc->s[sc->i] : 0;
  if (c == '{' || c == '[')
    scan_container(sc, c == '{');
  else if (c == '"')
    skip_string(sc);
  else
    while (sc->i < sc->len && !strchr(",]} \t\r\n", sc->s[sc->i])) sc->i++;
  if (sc->i > sc->len) sc->i = sc->len;
  if (node) node->start = (uint32_t)start, node->end = (uint32_t)sc->i;
}

static int build_tree(mm__iam_vctx *x, const mm_json_value *root, mm__iam_vnode **out) {
  tree_build b = {&x->out->arena, NULL, 0, count_nodes(root)};
  b.flat = mm_calloc(b.cap, sizeof(*b.flat));
  mm__iam_vnode *top = mm_arena_calloc(&x->out->arena, 1, sizeof(*top));
  int rc = b.flat && top ? MM_OK : MM_ENOMEM;
  if (rc == MM_OK) top->v = root, rc = build_node(&b, top);
  if (rc == MM_OK) {
    span_scan sc = {x->text, x->len, 0, b.flat, b.n, 0};
    if (sc.len >= 3 && memcmp(sc.s, "\xef\xbb\xbf", 3) == 0) sc.i = 3;
    scan_value(&sc);
  }
  mm_free(b.flat);
  *out = top;
  return rc;
}

/* ---- positions ----------------------------------------------------------------- */

static int index_lines(mm__iam_vctx *x) {
  size_t n = 1;
  for (size_t i = 0; i < x->len; i++) n += x->text[i] == '\n';
  uint32_t *lines = mm_arena_calloc(&x->out->arena, n, sizeof(*lines));
  if (!lines) return MM_ENOMEM;
  size_t k = 1;
  for (size_t i = 0; i < x->len; i++)
    if (x->text[i] == '\n') lines[k++] = (uint32_t)(i + 1);
  x->lines = lines, x->n_lines = n;
  return MM_OK;
}

static mm_iam_position position_of(const mm__iam_vctx *x, size_t off) {
  size_t lo = 0, hi = x->n_lines;
  if (off > x->len) off = x->len;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->lines[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  mm_iam_position p = {(uint32_t)(lo + 1), 0, off};
  for (size_t i = x->lines[lo]; i < off; i++)
    if (((unsigned char)x->text[i] & 0xc0) != 0x80) p.column++;
  return p;
}

/* ---- findings ------------------------------------------------------------------- */

static bool suppressed(const mm__iam_vctx *x, mm__iam_check_id id) {
  for (size_t i = 0; x->opt && i < x->opt->n_suppress; i++)
    if (x->opt->suppress[i] && strcmp(x->opt->suppress[i], mm__iam_checks[id].code) == 0)
      return true;
  return false;
}

static size_t depth_of(const mm__iam_vnode *n) {
  size_t d = 0;
  for (; n && n->parent; n = n->parent) d++;
  return d;
}

/* The path from the root to n; when at_key the last element is a KEY. */
static int fill_location(mm__iam_vctx *x, mm_iam_location *loc, const mm__iam_vnode *n,
                         bool at_key) {
  size_t d = depth_of(n);
  mm_iam_path_element *p = d ? mm_arena_calloc(&x->out->arena, d + 1, sizeof(*p)) : NULL;
  if (d && !p) return MM_ENOMEM;
  size_t k = d;
  for (const mm__iam_vnode *c = n; c && c->parent; c = c->parent) {
    mm_iam_path_element *e = &p[--k];
    bool obj = mm_json_is_object(c->parent->v);
    e->kind = obj ? MM_IAM_PATH_VALUE : MM_IAM_PATH_INDEX;
    e->text = c->key, e->index = c->index;
  }
  if (d && at_key && mm_json_is_object(n->parent->v)) p[d - 1].kind = MM_IAM_PATH_KEY;
  bool key = d && at_key && n->kend > n->kstart;
  loc->path = p, loc->n_path = d;
  loc->start = position_of(x, key ? n->kstart : n->start);
  loc->end = position_of(x, key ? n->kend : n->end);
  return MM_OK;
}

static mm__iam_vfinding *new_finding(mm__iam_vctx *x, mm__iam_check_id id) {
  mm_iam_validation *v = x->out;
  if (x->status != MM_OK || suppressed(x, id)) return NULL;
  if (v->n >= MM_IAM_VALIDATE_MAX_FINDINGS) return v->dropped++, NULL;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    mm__iam_vfinding *items = mm_realloc(v->items, cap * sizeof(*items));
    if (!items) return x->status = MM_ENOMEM, NULL;
    v->items = items, v->cap = cap;
  }
  mm__iam_vfinding *f = &v->items[v->n];
  memset(f, 0, sizeof(*f));
  f->pub.type = mm__iam_checks[id].type;
  f->pub.code = mm__iam_checks[id].code;
  f->pub.link = mm__iam_checks[id].link;
  return f;
}

static int set_message(mm__iam_vctx *x, mm__iam_vfinding *f, const char *fmt, va_list ap)
    MM_PRINTF(3, 0);
static int set_message(mm__iam_vctx *x, mm__iam_vfinding *f, const char *fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  f->pub.message = mm_arena_strndup(&x->out->arena, buf, strlen(buf));
  return f->pub.message ? MM_OK : MM_ENOMEM;
}

/* Keep f (its locations are filled): count it, note whether it blocks. */
static void commit(mm__iam_vctx *x, mm__iam_vfinding *f) {
  f->pub.locations = f->pub.n_locations ? f->loc : NULL;
  f->order = f->pub.n_locations ? f->loc[0].start.offset : 0;
  x->out->blocking |=
      f->pub.type == MM_IAM_FINDING_ERROR || f->pub.type == MM_IAM_FINDING_SECURITY_WARNING;
  x->out->n++;
}

void mm__iam_vfind(mm__iam_vctx *x, mm__iam_check_id id, const mm__iam_vnode *at, bool at_key,
                   const mm__iam_vnode *second, const char *fmt, ...) {
  mm__iam_vfinding *f = new_finding(x, id);
  if (!f) return;
  va_list ap;
  va_start(ap, fmt);
  int rc = set_message(x, f, fmt, ap);
  va_end(ap);
  if (rc == MM_OK && at) rc = fill_location(x, &f->loc[f->pub.n_locations++], at, at_key);
  if (rc == MM_OK && second) rc = fill_location(x, &f->loc[f->pub.n_locations++], second, at_key);
  if (rc != MM_OK) {
    x->status = rc;
    return;
  }
  commit(x, f);
}

/* Whether the string at n is written without escapes, so that byte i of
 * its value is byte start+1+i of the text. */
static bool verbatim(const mm__iam_vctx *x, const mm__iam_vnode *n) {
  mm_str s = mm_json_get_str(n->v);
  return n->end >= n->start + 2 && n->end - n->start - 2 == s.len &&
         memcmp(x->text + n->start + 1, s.ptr, s.len) == 0;
}

void mm__iam_vfind_sub(mm__iam_vctx *x, mm__iam_check_id id, const mm__iam_vnode *at, size_t start,
                       size_t len, const char *fmt, ...) {
  mm__iam_vfinding *f = new_finding(x, id);
  if (!f) return;
  va_list ap;
  va_start(ap, fmt);
  int rc = set_message(x, f, fmt, ap);
  va_end(ap);
  mm_iam_location *loc = &f->loc[f->pub.n_locations++];
  size_t d = depth_of(at);
  mm_iam_path_element *p = rc == MM_OK ? mm_arena_calloc(&x->out->arena, d + 1, sizeof(*p)) : NULL;
  if (rc == MM_OK && (rc = p ? fill_location(x, loc, at, false) : MM_ENOMEM) == MM_OK) {
    if (d) memcpy(p, loc->path, d * sizeof(*p));
    p[d].kind = MM_IAM_PATH_SUBSTRING, p[d].start = start, p[d].length = len;
    loc->path = p, loc->n_path = d + 1;
    if (verbatim(x, at)) {
      loc->start = position_of(x, at->start + 1 + start);
      loc->end = position_of(x, at->start + 1 + start + len);
    }
  }
  if (rc != MM_OK) {
    x->status = rc;
    return;
  }
  commit(x, f);
}

/* ---- the report ------------------------------------------------------------------ */

static int by_order(const void *a, const void *b) {
  const mm__iam_vfinding *fa = a, *fb = b;
  if (fa->order != fb->order) return fa->order < fb->order ? -1 : 1;
  return fa->pub.code == fb->pub.code ? 0 : strcmp(fa->pub.code, fb->pub.code);
}

/* A JSON error becomes JSON_SYNTAX_ERROR at its position (AWS's message
 * names index, line and column; mamori adds what was wrong). */
static void syntax_finding(mm__iam_vctx *x, const mm_error *jerr) {
  mm__iam_vfinding *f = new_finding(x, MM__IAM_C_JSON_SYNTAX_ERROR);
  if (!f) return;
  char buf[512];
  size_t off = jerr->line ? jerr->offset : 0;
  mm_iam_position p = position_of(x, off);
  snprintf(buf, sizeof(buf), "Fix the JSON syntax error at index %zu line %u column %u. (%s)", off,
           p.line, p.column, jerr->msg);
  f->pub.message = mm_arena_strndup(&x->out->arena, buf, strlen(buf));
  if (!f->pub.message) {
    x->status = MM_ENOMEM;
    return;
  }
  f->loc[0].start = p;
  f->loc[0].end = position_of(x, off < x->len ? off + 1 : off);
  f->pub.n_locations = 1;
  commit(x, f);
}

static int run(mm__iam_vctx *x) {
  mm_json_options jo = {0};
  jo.max_depth = MM_IAM_MAX_DEPTH;
  jo.max_size = MM_IAM_VALIDATE_MAX_SIZE;
  mm_error jerr;
  mm_error_clear(&jerr);
  int rc = index_lines(x);
  if (rc != MM_OK) return rc;
  mm_json_doc *doc = mm_json_parse(x->text, x->len, &jo, &jerr);
  if (!doc) {
    if (jerr.code == MM_ENOMEM) return MM_ENOMEM;
    syntax_finding(x, &jerr);
    return x->status;
  }
  mm__iam_vnode *root = NULL;
  rc = build_tree(x, mm_json_doc_root(doc), &root);
  if (rc == MM_OK) mm__iam_vcheck_document(x, root), rc = x->status;
  mm_json_doc_free(doc);
  return rc;
}

mm_iam_validation *mm_iam_validate(const mm_iam_catalog *catalog, const char *text, size_t len,
                                   const mm_iam_validate_options *opt, mm_error *err) {
  if (!text && len) return mm_error_set(err, MM_EINVAL, "no policy text"), NULL;
  mm_iam_validation *v = mm_calloc(1, sizeof(*v));
  if (!v) return mm_error_set(err, MM_ENOMEM, "out of memory"), NULL;
  mm_arena_init(&v->arena, 8192);
  mm_arena tmp;
  mm_arena_init(&tmp, 4096);
  mm__iam_vctx x = {0};
  x.out = v, x.cat = catalog, x.type = opt ? opt->type : MM_IAM_POLICY_IDENTITY;
  x.text = text ? text : "", x.len = len, x.opt = opt, x.tmp = &tmp;
  x.work = MM_IAM_VALIDATE_MAX_WORK;
  int rc = run(&x);
  mm_arena_destroy(&tmp);
  if (rc != MM_OK) {
    mm_iam_validation_free(v);
    return mm_error_set(err, rc, "validation: %s", mm_strerror(rc)), NULL;
  }
  if (v->n > 1) qsort(v->items, v->n, sizeof(*v->items), by_order);
  for (size_t i = 0; i < v->n; i++) /* qsort moved them: re-point at their own storage */
    v->items[i].pub.locations = v->items[i].pub.n_locations ? v->items[i].loc : NULL;
  return v;
}

void mm_iam_validation_free(mm_iam_validation *v) {
  if (!v) return;
  mm_arena_destroy(&v->arena);
  mm_free(v->items);
  mm_free(v);
}

size_t mm_iam_validation_count(const mm_iam_validation *v) { return v ? v->n : 0; }
size_t mm_iam_validation_dropped(const mm_iam_validation *v) { return v ? v->dropped : 0; }
bool mm_iam_validation_blocking(const mm_iam_validation *v) { return v && v->blocking; }

const mm_iam_finding *mm_iam_validation_at(const mm_iam_validation *v, size_t i) {
  return v && i < v->n ? &v->items[i].pub : NULL;
}
