/*
 * sigma_cond.c - a Sigma detection's condition string into an expression
 * over its selections.
 *
 * Grammar (Sigma specification, "Condition"), lowest precedence first:
 *
 *   condition := or [ "|" aggregation ]
 *   or        := and { "or" and }
 *   and       := not { "and" not }
 *   not       := "not" not | primary
 *   primary   := "(" or ")" | quantity "of" target | NAME
 *   quantity  := "1" | "any" | "all"
 *   target    := "them" | NAME-PATTERN        (* matches any run; "them"
 *                                              leaves out names starting
 *                                              with "_")
 *   aggregation := "count" "(" [FIELD] ")" [ "by" FIELD ] (">" | ">=") N
 *
 * Keywords are matched case-insensitively. Nesting of parentheses and
 * `not` is bounded (MM_SIGMA_MAX_COND_DEPTH). Errors point at the column of
 * the offending token inside the condition's YAML scalar.
 */
#include "detect/sigma_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct cp {
  sg_ctx *c;
  const sg_node *node; /* the condition scalar */
  const char *s;       /* its text */
  size_t len, pos;     /* pos: next unread byte */
  size_t tok, toklen;  /* the last token read */
  int depth;
  const sg_selection *sel;
  size_t nsel;
} cp;

static int cp_fail(cp *p, int code, size_t at, const char *fmt, ...) MM_PRINTF(4, 5);
static int cp_fail(cp *p, int code, size_t at, const char *fmt, ...) {
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sg_node where = *p->node;
  where.column += (uint32_t)at + (p->node->plain ? 0 : 1); /* a quote precedes quoted text */
  return mm__sigma_fail(p->c->err, code, &where, "condition: %s", msg);
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
static bool is_punct(char ch) { return ch == '(' || ch == ')' || ch == '|'; }

/* The next token without consuming it: its start and length (0 at end). */
static size_t peek(cp *p, size_t *start) {
  size_t i = p->pos;
  while (i < p->len && is_space(p->s[i])) i++;
  *start = i;
  if (i >= p->len) return 0;
  if (is_punct(p->s[i])) return 1;
  size_t j = i;
  while (j < p->len && !is_space(p->s[j]) && !is_punct(p->s[j])) j++;
  return j - i;
}

static void next(cp *p) {
  p->toklen = peek(p, &p->tok);
  p->pos = p->tok + p->toklen;
}

static bool peek_is(cp *p, const char *word) {
  size_t start, n = peek(p, &start);
  return n && mm_str_ieq((mm_str){p->s + start, n}, mm_str_from(word));
}

static bool tok_is(const cp *p, const char *word) {
  return p->toklen && mm_str_ieq((mm_str){p->s + p->tok, p->toklen}, mm_str_from(word));
}

static sg_expr *parse_or(cp *p);

/* Does name match pat, where * in pat matches any run? */
static bool name_glob(const char *pat, size_t plen, const char *name, size_t nlen) {
  size_t pi = 0, ni = 0, star = (size_t)-1, mark = 0;
  while (ni < nlen) {
    if (pi < plen && pat[pi] == '*') {
      star = pi++;
      mark = ni;
    } else if (pi < plen && pat[pi] == name[ni]) {
      pi++, ni++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return false;
    }
  }
  while (pi < plen && pat[pi] == '*') pi++;
  return pi == plen;
}

/* "1 of x*", "all of them": the selections named, joined by OR or AND. */
static sg_expr *quantified(cp *p, bool all) {
  next(p); /* "of" */
  next(p);
  size_t at = p->tok, n = p->toklen;
  if (!n || is_punct(p->s[at]))
    return cp_fail(p, MM_ESYNTAX, at, "'of' needs 'them' or a selection name pattern"), NULL;
  bool them = tok_is(p, "them");
  size_t count = 0;
  for (size_t i = 0; i < p->nsel; i++)
    count +=
        them ? p->sel[i].name[0] != '_' : name_glob(p->s + at, n, p->sel[i].name, p->sel[i].len);
  if (!count)
    return cp_fail(p, MM_EINVAL, at, "'%.*s' names no selection", (int)n, p->s + at), NULL;
  sg_expr *e = mm__sigma_expr(p->c, all ? SG_AND : SG_OR, count);
  if (!e) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < p->nsel; i++)
    if (them ? p->sel[i].name[0] != '_' : name_glob(p->s + at, n, p->sel[i].name, p->sel[i].len))
      e->kids[k++] = p->sel[i].expr;
  return e;
}

static sg_expr *selection(cp *p) {
  for (size_t i = 0; i < p->nsel; i++)
    if (p->sel[i].len == p->toklen && memcmp(p->sel[i].name, p->s + p->tok, p->toklen) == 0)
      return p->sel[i].expr;
  if (memchr(p->s + p->tok, '*', p->toklen))
    return cp_fail(p, MM_EINVAL, p->tok, "'%.*s': a name pattern needs '1 of' or 'all of'",
                   (int)p->toklen, p->s + p->tok),
           NULL;
  return cp_fail(p, MM_EINVAL, p->tok, "'%.*s' is not a selection of the detection", (int)p->toklen,
                 p->s + p->tok),
         NULL;
}

static sg_expr *primary(cp *p) {
  bool quantity = (peek_is(p, "1") || peek_is(p, "any") || peek_is(p, "all"));
  next(p);
  if (!p->toklen) return cp_fail(p, MM_ESYNTAX, p->tok, "unexpected end"), NULL;
  if (quantity && peek_is(p, "of")) return quantified(p, tok_is(p, "all"));
  char ch = p->s[p->tok];
  if (ch == '(') {
    if (++p->depth > MM_SIGMA_MAX_COND_DEPTH)
      return cp_fail(p, MM_ELIMIT, p->tok, "nested deeper than %d", MM_SIGMA_MAX_COND_DEPTH), NULL;
    sg_expr *e = parse_or(p);
    p->depth--;
    if (!e) return NULL;
    next(p);
    if (!p->toklen || p->s[p->tok] != ')')
      return cp_fail(p, MM_ESYNTAX, p->tok, "')' expected"), NULL;
    return e;
  }
  if (is_punct(ch) || tok_is(p, "and") || tok_is(p, "or") || tok_is(p, "of"))
    return cp_fail(p, MM_ESYNTAX, p->tok, "unexpected '%.*s'", (int)p->toklen, p->s + p->tok), NULL;
  return selection(p);
}

static sg_expr *parse_not(cp *p) {
  if (!peek_is(p, "not")) return primary(p);
  next(p);
  if (++p->depth > MM_SIGMA_MAX_COND_DEPTH)
    return cp_fail(p, MM_ELIMIT, p->tok, "nested deeper than %d", MM_SIGMA_MAX_COND_DEPTH), NULL;
  sg_expr *kid = parse_not(p);
  p->depth--;
  sg_expr *e = kid ? mm__sigma_expr(p->c, SG_NOT, 1) : NULL;
  if (e) e->kids[0] = kid;
  return e;
}

/* A left-associative chain of op-separated operands. */
static sg_expr *chain(cp *p, const char *word, sg_op op, sg_expr *(*operand)(cp *)) {
  sg_expr *first = operand(p);
  if (!first || !peek_is(p, word)) return first;
  sg_expr *items[64];
  size_t n = 0;
  items[n++] = first;
  while (peek_is(p, word)) {
    next(p);
    sg_expr *k = operand(p);
    if (!k) return NULL;
    if (n == MM_ARRAY_LEN(items)) { /* fold: keep the chain flat in blocks */
      sg_expr *block = mm__sigma_expr(p->c, op, n);
      if (!block) return NULL;
      memcpy(block->kids, items, n * sizeof *items);
      n = 0;
      items[n++] = block;
    }
    items[n++] = k;
  }
  sg_expr *out = mm__sigma_expr(p->c, op, n);
  if (!out) return NULL;
  memcpy(out->kids, items, n * sizeof *items);
  return out;
}

static sg_expr *parse_and(cp *p) { return chain(p, "and", SG_AND, parse_not); }
static sg_expr *parse_or(cp *p) { return chain(p, "or", SG_OR, parse_and); }

/* ---- aggregation ------------------------------------------------------------ */

static const char *tok_dup(cp *p) {
  const char *s = mm_arena_strndup(p->c->arena, p->s + p->tok, p->toklen);
  if (!s) mm_error_set(p->c->err, MM_ENOMEM, "out of memory");
  return s;
}

static bool parse_count(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (!n || n > 10) return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return v <= 1000000000u;
}

/* ">" / ">=" and N, as one token (">5") or two ("> 5"). */
static int agg_compare(cp *p, sg_agg *agg) {
  next(p);
  size_t at = p->tok, n = p->toklen, opn = 0;
  while (opn < n && strchr("<>=!", p->s[at + opn])) opn++;
  const char *num = p->s + at + opn;
  size_t numlen = n - opn;
  if (opn == 0) return cp_fail(p, MM_ESYNTAX, at, "a comparison ('>' or '>=') expected");
  bool gt = opn == 1 && p->s[at] == '>', ge = opn == 2 && p->s[at] == '>' && p->s[at + 1] == '=';
  if (!gt && !ge)
    return cp_fail(p, MM_EINVAL, at,
                   "'%.*s': only '>' and '>=' can be decided as events arrive (a threshold)",
                   (int)opn, p->s + at);
  if (!numlen) next(p), num = p->s + p->tok, numlen = p->toklen;
  uint64_t v;
  if (!parse_count(num, numlen, &v))
    return cp_fail(p, MM_EINVAL, at, "the count must be a whole number up to 1e9");
  agg->count = gt ? v + 1 : (v ? v : 1);
  return MM_OK;
}

static int aggregation(cp *p, sg_agg *agg) {
  next(p);
  if (!tok_is(p, "count"))
    return cp_fail(p, MM_EINVAL, p->tok,
                   "aggregation '%.*s' is not supported (only count() ... > N; 'near' and "
                   "min/max/avg/sum are not)",
                   (int)p->toklen, p->s + p->tok);
  next(p);
  if (p->toklen != 1 || p->s[p->tok] != '(')
    return cp_fail(p, MM_ESYNTAX, p->tok, "'(' expected after count");
  next(p);
  if (p->toklen && p->s[p->tok] != ')') {
    if (!(agg->distinct = tok_dup(p))) return MM_ENOMEM;
    next(p);
  }
  if (p->toklen != 1 || p->s[p->tok] != ')') return cp_fail(p, MM_ESYNTAX, p->tok, "')' expected");
  if (peek_is(p, "by")) {
    next(p);
    next(p);
    if (!p->toklen || is_punct(p->s[p->tok]))
      return cp_fail(p, MM_ESYNTAX, p->tok, "a field name expected after 'by'");
    if (!(agg->group_by = tok_dup(p))) return MM_ENOMEM;
  }
  int rc = agg_compare(p, agg);
  agg->present = rc == MM_OK;
  return rc;
}

sg_expr *mm__sigma_condition(sg_ctx *c, const sg_node *node, const sg_selection *sel, size_t nsel,
                             sg_agg *agg) {
  if (node->kind != SG_SCALAR)
    return mm__sigma_fail(c->err, MM_EINVAL, node, "condition must be a string"), NULL;
  if (node->len > MM_SIGMA_MAX_COND)
    return mm__sigma_fail(c->err, MM_ELIMIT, node, "condition longer than %d bytes",
                          MM_SIGMA_MAX_COND),
           NULL;
  cp p = {.c = c, .node = node, .s = node->str, .len = node->len, .sel = sel, .nsel = nsel};
  sg_expr *e = parse_or(&p);
  if (!e) return NULL;
  size_t at, n = peek(&p, &at);
  if (n == 1 && p.s[at] == '|') {
    next(&p);
    if (aggregation(&p, agg) != MM_OK) return NULL;
    n = peek(&p, &at);
  }
  if (n) return cp_fail(&p, MM_ESYNTAX, at, "unexpected '%.*s'", (int)n, p.s + at), NULL;
  return e;
}
