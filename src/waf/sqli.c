/*
 * sqli.c - the SQLi detector: contexts, folding and the grammar of
 * injection shapes (the table in waf/sqli.h; docs/waf/detectors.md).
 *
 * An injected value lands somewhere in a query the application built. The
 * detector tries the three places a value can start in: as it is (a number,
 * a name), inside a single-quoted string and inside a double-quoted one. In
 * a quote context everything up to the first unescaped quote of that kind is
 * the rest of the application's string (token S0); with no such quote the
 * input cannot leave the string and that context is skipped.
 *
 * The lexer's tokens are folded as they arrive: comments vanish (flagging
 * the token before them: "admin'--"), NOT and unary signs vanish ("-1",
 * "NOT 1=2"), and value OP value becomes one value ("1+1", "a*b"). The
 * folded tokens go through a window of MM__WAF_SQLI_WINDOW tokens; each
 * token is the anchor of the shapes it can start (a UNION, a ";", a logic
 * operator ...), and a shape looks at most LOOKBACK tokens back and
 * LOOKAHEAD ahead. Every token is an anchor once: linear time, no
 * recursion, no allocation.
 *
 * Shapes are grammar, not words: a keyword alone is never an injection;
 * "select a product", "union was a great select", "7 AND A HALF" stay clean
 * because no shape accepts them, while "1 AND 1=1" or "') OR ('a'='a" fit.
 */
#include "waf/sqli_int.h"

#include <string.h>

#define LOOKBACK  10
#define LOOKAHEAD 10
#define SK_START  SK_KIND_COUNT /* pseudo kind: before the first token */
#define ST_S0     (1 << 7)      /* the quote context's leading string */

typedef struct sq {
  const uint8_t *s;                /* input */
  size_t n;                        /* input length */
  int ctx;                         /* MM__WAF_SQLI_CTX_* */
  bool high;                       /* HIGH sensitivity */
  sqli_tok t[MM__WAF_SQLI_WINDOW]; /* folded tokens in the window */
  int cnt;                         /* tokens in t */
  uint32_t base;                   /* index in the whole stream of t[0] */
  int next;                        /* next anchor (index in t) */
  bool ended;                      /* END pushed: every token is final */
  bool hit;                        /* a shape matched */
  sqli_tok exec_cmt;               /* first MySQL executable comment */
  bool have_exec;                  /* exec_cmt is set */
  mm__waf_detect_match *m;         /* where a match goes, or NULL */
} sq;

static const sqli_tok tok_start = {0, 0, SK_START, 0, 0, 0, 0};
static const sqli_tok tok_end = {0, 0, SK_END, 0, 0, 0, 0};

static const sqli_tok *at(const sq *q, int i) {
  if (i < 0) return q->base == 0 ? &tok_start : &tok_end;
  if (i >= q->cnt) return &tok_end;
  return &q->t[i];
}
#define K(i)  (at(q, (i))->kind)
#define ID(i) (at(q, (i))->id)

/* ---- token predicates ------------------------------------------------------- */

static bool is_value(uint8_t k) {
  return k == SK_STR || k == SK_NUM || k == SK_WORD || k == SK_VAR;
}
static bool value_end(uint8_t k) { return is_value(k) || k == SK_RP; }
static bool is_lit(const sqli_tok *t) { return (t->flags & ST_LITERAL) || t->kind == SK_VAR; }
static bool is_call(const sqli_tok *t) { return t->kind == SK_FUNC && (t->flags & ST_CALL); }
static bool is_kw(const sq *q, int i, uint8_t id) { return K(i) == SK_KW && ID(i) == id; }
/* Nothing more follows token i: the end, or a comment cut the rest. */
static bool ends_after(const sq *q, int i) {
  return K(i + 1) == SK_END || (at(q, i)->flags & ST_CMT_AFTER);
}
/* Past up to four ")" after token i. */
static int skip_rp(const sq *q, int i) {
  for (int k = 0; k < 4 && K(i) == SK_RP; k++) i++;
  return i;
}
/* What may stand before an injected boolean: the start of the value, a
 * literal, the closing quote (S0) or a closing parenthesis. */
static bool literal_before(const sq *q, int i) {
  const sqli_tok *p = at(q, i);
  return p->kind == SK_START || p->kind == SK_RP || is_lit(p) || (p->flags & ST_S0);
}
static int skip_lp(const sq *q, int i) {
  for (int k = 0; k < 4 && K(i) == SK_LP; k++) i++;
  return i;
}
static bool text_is(const sq *q, int i, const char *w) {
  const sqli_tok *t = at(q, i);
  size_t len = strlen(w);
  if (t->len < len) return false;
  for (size_t k = 0; k < len; k++)
    if ((q->s[t->off + k] | 32) != w[k]) return false;
  return true;
}

/* ---- reporting ----------------------------------------------------------------- */

static const char letters[SK_KIND_COUNT + 1] = "$s1nvfk&!=o(),;.?c^";

static bool report(sq *q, const char *shape, bool low, const int *idx, int nidx) {
  if (!low && !q->high) return false;
  q->hit = true;
  mm__waf_detect_match *m = q->m;
  if (!m) return true;
  memset(m, 0, sizeof *m);
  m->shape = shape;
  m->context = (uint8_t)q->ctx;
  int f = 0;
  for (int k = 0; k < nidx; k++) {
    const sqli_tok *t = at(q, idx[k]);
    if (f < MM__WAF_DETECT_FP_LEN) m->fp[f++] = letters[t->kind];
    if (t->len == 0 || m->nspans == MM__WAF_DETECT_MAX_SPANS) continue;
    if (m->nspans && m->spans[m->nspans - 1].off == t->off) continue; /* S0 named twice */
    m->spans[m->nspans].off = t->off;
    m->spans[m->nspans].len = t->len;
    m->nspans++;
  }
  return true;
}
#define REPORT(shape, low, ...)                                              \
  do {                                                                       \
    const int idx_[] = {__VA_ARGS__};                                        \
    return report(q, shape, low, idx_, (int)(sizeof idx_ / sizeof idx_[0])); \
  } while (0)

/* ---- shapes, each anchored at token i ------------------------------------------ */

/* UNION [ALL|DISTINCT] [(] SELECT */
static bool shape_union(sq *q, int i) {
  int j = i + 1;
  for (int k = 0; k < 4 && (is_kw(q, j, SI_ALL) || is_kw(q, j, SI_DISTINCT) || K(j) == SK_LP); k++)
    j++;
  if (is_kw(q, j, SI_SELECT)) REPORT("union-select", true, i, j, j + 1);
  return false;
}

/* How surely the statement keyword at s starts a statement: 2 when what
 * follows has the statement's shape (INSERT INTO, DROP TABLE, DECLARE @x),
 * 1 when it only may (EXEC name, SET @x), else 0. */
static int statement(const sq *q, int s) {
  int a = s + 1;
  const sqli_tok *st = at(q, s), *n1 = at(q, a);
  if (st->kind == SK_FUNC && st->id == SI_IF) return 1;
  if (st->kind != SK_KW || !(st->wflags & SW_STMT)) return 0;
  bool low = false;
  switch (st->id) {
    case SI_SELECT:
      low = is_value(n1->kind) || is_call(n1) || n1->kind == SK_OP || n1->kind == SK_LP;
      break;
    case SI_INSERT:
      low = is_kw(q, a, SI_INTO);
      break;
    case SI_UPDATE:
      low = n1->kind == SK_WORD && is_kw(q, a + 1, SI_SET);
      break;
    case SI_DELETE:
      low = is_kw(q, a, SI_FROM) ||
            (n1->kind == SK_WORD && (is_kw(q, a + 1, SI_FROM) || is_kw(q, a + 1, SI_WHERE)));
      break;
    case SI_DROP:
    case SI_CREATE:
    case SI_ALTER:
    case SI_TRUNCATE:
      low = is_kw(q, a, SI_TABLE);
      break;
    case SI_EXEC:
      low = (n1->wflags & SW_DANGER) || n1->kind == SK_LP || n1->kind == SK_VAR ||
            n1->kind == SK_STR || is_call(n1) || text_is(q, a, "xp_") || text_is(q, a, "sp_") ||
            text_is(q, a, "master");
      break;
    case SI_DECLARE:
      low = n1->kind == SK_VAR;
      break;
    case SI_SHUTDOWN:
      low = ends_after(q, s) || text_is(q, a, "with");
      break;
    case SI_WAITFOR:
      low = is_kw(q, a, SI_DELAY) || is_kw(q, a, SI_TIME);
      break;
    default:
      break;
  }
  if (low) return 2;
  if (st->id == SI_SET) return (n1->kind == SK_VAR || K(a + 1) == SK_CMP) ? 1 : 0;
  if (st->id == SI_EXEC && n1->kind == SK_WORD) {
    uint8_t b = K(a + 1);
    return (ends_after(q, a) || b == SK_STR || b == SK_VAR || b == SK_COMMA || b == SK_DOT) ? 1 : 0;
  }
  return 0;
}

/* ; followed by a statement that has the shape of one. */
static bool shape_stacked(sq *q, int i) {
  int how = statement(q, i + 1);
  if (how == 2) REPORT("stacked-query", true, i, i + 1, i + 2, i + 3);
  if (how == 1) REPORT("stacked-weak", false, i, i + 1, i + 2, i + 3);
  return false;
}

/* A statement as the whole value: DECLARE @q ..., EXEC xp_cmdshell ... */
static bool shape_statement(sq *q, int i) {
  if (K(i - 1) != SK_START) return false;
  int how = statement(q, i);
  bool low = how == 2 && (ID(i) == SI_DECLARE || ID(i) == SI_EXEC);
  if (how) REPORT("statement", low, i, i + 1, i + 2);
  return false;
}

/* SLEEP(5) BENCHMARK(1e7,MD5(1)) PG_SLEEP(5): a stalling call with an
 * argument list (so "sleep (8 hours)" is prose). WAITFOR DELAY '0:0:5'. */
static bool shape_time(sq *q, int i) {
  const sqli_tok *t = at(q, i);
  if (is_kw(q, i, SI_WAITFOR) && (is_kw(q, i + 1, SI_DELAY) || is_kw(q, i + 1, SI_TIME)) &&
      (K(i + 2) == SK_STR || K(i + 2) == SK_VAR))
    REPORT("time-function", true, i, i + 1, i + 2);
  if (!is_call(t) || !(t->wflags & SW_TIME)) return false;
  int j = skip_lp(q, i + 1);
  if (j == i + 1) return false;
  uint8_t a = K(j), b = K(j + 1);
  if ((is_value(a) || is_call(at(q, j))) &&
      (b == SK_RP || b == SK_COMMA || b == SK_OP || b == SK_LP || b == SK_END))
    REPORT("time-function", true, i, i + 1, j);
  return false;
}

/* IF(1=1, ...) / IIF(: a condition on literals. */
static bool shape_if(sq *q, int i) {
  if (ID(i) != SI_IF || !is_call(at(q, i))) return false;
  int b = skip_lp(q, i + 1), c = skip_rp(q, b + 1), d = skip_lp(q, c + 1);
  if (is_lit(at(q, b)) && K(c) == SK_CMP && is_lit(at(q, d)))
    REPORT("if-condition", true, i, b, c, d);
  return false;
}

/* Names only an attacker sends: LOAD_FILE(, information_schema, @@version. */
static bool shape_danger(sq *q, int i) {
  const sqli_tok *t = at(q, i);
  if (t->wflags & SW_DANGER) {
    if (t->kind == SK_FUNC) REPORT("dangerous-function", true, i, i + 1);
    REPORT("dangerous-function", true, i);
  }
  if (t->kind == SK_VAR && (t->flags & ST_ATAT) && t->len > 3) REPORT("server-variable", true, i);
  return false;
}

/* After a logic operator at i: operand CMP operand, a call, a subquery. */
static bool shape_boolean(sq *q, int i, bool low_ctx, const char *shape, const char *weak) {
  int b = skip_lp(q, i + 1);
  const sqli_tok *tb = at(q, b);
  if (is_call(tb)) REPORT(shape, low_ctx && (tb->wflags & SW_FUNC), i, b, b + 1);
  if (is_kw(q, b, SI_SELECT)) REPORT(shape, low_ctx, i, b, b + 1);
  if (!is_value(tb->kind)) return false;
  int c = skip_rp(q, b + 1);
  if (K(c) == SK_CMP) {
    int d = skip_lp(q, c + 1);
    const sqli_tok *td = at(q, d), *p = at(q, i - 1);
    bool lit = is_lit(tb) || is_lit(td) || is_call(td);
    bool first = p->kind == SK_START || (p->flags & ST_S0); /* the value starts here */
    if ((is_value(td->kind) || is_call(td) || is_kw(q, d, SI_SELECT)) && lit)
      REPORT(shape, low_ctx, i, b, c, d);
    if (is_value(td->kind) && low_ctx && first) REPORT(shape, true, i, b, c, d);
  }
  if (is_lit(tb) && ((tb->wflags & SW_VALUE) || tb->cmt)) /* OR TRUE, 1 OR 1-- */
    REPORT(weak, low_ctx && tb->cmt == SC_STRONG, i, b);
  return false;
}

static bool shape_logic(sq *q, int i) {
  uint8_t p = K(i - 1);
  if (!value_end(p) && p != SK_START) return false; /* "||ORDER=||": no operand before */
  return shape_boolean(q, i, literal_before(q, i - 1), "boolean", "boolean-weak");
}

/* SELECT <something only code selects>, and SELECT name FROM. */
static bool shape_select(sq *q, int i) {
  int j = i + 1;
  for (int k = 0; k < 2 && (is_kw(q, j, SI_ALL) || is_kw(q, j, SI_DISTINCT)); k++) j++;
  const sqli_tok *a = at(q, j);
  uint8_t after = K(j + 1);
  bool tail = after == SK_END || after == SK_COMMA || after == SK_RP || after == SK_SEMI ||
              is_kw(q, j + 1, SI_FROM) || is_kw(q, j + 1, SI_INTO) || (a->flags & ST_CMT_AFTER);
  if (a->kind == SK_VAR || is_call(a)) REPORT("select-expression", true, i, j);
  if ((a->kind == SK_NUM || a->kind == SK_STR) && tail)
    REPORT("select-expression", after != SK_END, i, j, j + 1);
  if (a->kind == SK_OP && text_is(q, j, "*") && is_kw(q, j + 1, SI_FROM))
    REPORT("select-expression", true, i, j, j + 1);
  if (a->kind != SK_WORD) return false;
  if (K(j + 1) == SK_DOT && is_call(at(q, j + 2))) REPORT("select-expression", true, i, j, j + 2);
  if ((a->wflags & SW_FUNC) && (after == SK_SEMI || after == SK_END || is_kw(q, j + 1, SI_FROM)))
    REPORT("select-expression", after == SK_SEMI || text_is(q, j + 2, "dual"), i, j, j + 1);
  int f = j + 1;
  if (K(f) == SK_DOT && K(f + 1) == SK_WORD) f += 2;
  bool sub = K(i - 1) == SK_LP || is_kw(q, i - 1, SI_UNION);
  /* FROM a table: a name followed by what ends a FROM clause, not by more
   * prose ("select one from the list") */
  uint8_t e = K(f + 2);
  bool table = K(f + 1) == SK_WORD && (e == SK_END || e == SK_DOT || e == SK_SEMI || e == SK_RP ||
                                       e == SK_KW || at(q, f + 1)->cmt);
  if (is_kw(q, f, SI_FROM) && (table || sub)) REPORT("select-from", sub, i, j, f, f + 1);
  if (K(f) == SK_COMMA && K(f + 1) == SK_WORD) REPORT("select-from", false, i, j, f, f + 1);
  return false;
}

/* INTO OUTFILE / DUMPFILE */
static bool shape_into(sq *q, int i) {
  if (is_kw(q, i + 1, SI_OUTFILE)) REPORT("into-file", true, i, i + 1, i + 2);
  return false;
}

/* ORDER BY 5 / GROUP BY 1 at the end of the input. */
static bool shape_order(sq *q, int i) {
  if (!is_kw(q, i + 1, SI_BY) || K(i + 2) != SK_NUM) return false;
  uint8_t a = K(i + 3);
  if (!(ends_after(q, i + 2) || a == SK_COMMA || a == SK_RP)) return false;
  REPORT("order-by", literal_before(q, i - 1) && ends_after(q, i + 2), i, i + 1, i + 2);
}

/* HAVING / WHERE operand CMP operand */
static bool shape_having(sq *q, int i) {
  return shape_boolean(q, i, literal_before(q, i - 1), "boolean", "boolean-weak");
}

static bool shape_case(sq *q, int i) {
  if (is_kw(q, i + 1, SI_WHEN)) REPORT("case-when", false, i, i + 1);
  return false;
}

/* ---- the quote contexts' leading string S0 --------------------------------------- */

static bool quote_clause(sq *q, int i, int a) {
  const sqli_tok *t = at(q, a);
  if (t->id == SI_ORDER || t->id == SI_GROUP) {
    if (is_kw(q, a + 1, SI_BY) && (K(a + 2) == SK_NUM || K(a + 2) == SK_WORD))
      REPORT("quote-clause", true, i, a, a + 1, a + 2);
    return false;
  }
  if (t->id == SI_HAVING || t->id == SI_WHERE)
    return shape_boolean(q, a, true, "quote-clause", "quote-clause");
  if (t->id == SI_LIMIT && K(a + 1) == SK_NUM) REPORT("quote-clause", true, i, a, a + 1);
  if (t->id == SI_PROCEDURE || t->id == SI_FROM)
    REPORT("quote-clause", t->id == SI_PROCEDURE, i, a);
  return false;
}

static bool quote_compare(sq *q, int i, int a) {
  int b = skip_lp(q, a + 1);
  const sqli_tok *c = at(q, a), *tb = at(q, b);
  bool word_op = (q->s[c->off] | 32) >= 'a' && (q->s[c->off] | 32) <= 'z';
  if (is_call(tb)) REPORT("quote-compare", true, i, a, b);
  if (!(is_lit(tb) || (!word_op && tb->kind == SK_WORD))) return false;
  uint8_t after = K(b + 1);
  if (ends_after(q, b) || after == SK_LOGIC || after == SK_SEMI || after == SK_RP)
    REPORT("quote-compare", !word_op || (c->flags & ST_SPACE), i, a, b);
  return false;
}

static bool quote_expression(sq *q, int i, int a) {
  int b = skip_lp(q, a + 1);
  const sqli_tok *tb = at(q, b);
  if (is_call(tb) || is_kw(q, b, SI_SELECT)) REPORT("quote-expression", true, i, a, b, b + 1);
  if ((tb->kind == SK_NUM || tb->kind == SK_VAR) && (K(b + 1) == SK_OP || tb->cmt))
    REPORT("quote-expression", false, i, a, b);
  return false;
}

static bool shape_quote(sq *q, int i) {
  int a = i + 1;
  for (int k = 0; k < 4 && K(a) == SK_RP; k++) a++;
  const sqli_tok *ta = at(q, a);
  if (at(q, a - 1)->cmt) REPORT("quote-comment", at(q, a - 1)->cmt == SC_STRONG, i, a - 1);
  switch (ta->kind) {
    case SK_LOGIC: {
      if (shape_boolean(q, a, true, "quote-boolean", "quote-boolean")) return true;
      int b = skip_lp(q, a + 1);
      const sqli_tok *tb = at(q, b);
      uint8_t c = K(b + 1);
      if (is_lit(tb) && (c == SK_LOGIC || c == SK_RP || c == SK_SEMI || c == SK_KW || c == SK_OP))
        REPORT("quote-logic", false, i, a, b);
      if (tb->kind == SK_WORD && tb->cmt) REPORT("quote-logic", false, i, a, b);
      if (tb->kind == SK_WORD && K(b + 1) == SK_CMP) REPORT("quote-logic", false, i, a, b, b + 1);
      return false;
    }
    case SK_CMP:
      return quote_compare(q, i, a);
    case SK_KW:
      return quote_clause(q, i, a);
    case SK_OP:
      return quote_expression(q, i, a);
    case SK_SEMI:
      if (ends_after(q, a)) REPORT("quote-comment", at(q, a)->cmt == SC_STRONG, i, a);
      return false;
    default:
      return false;
  }
}

/* ---- the anchor dispatch --------------------------------------------------------- */

static bool anchor(sq *q, int i) {
  const sqli_tok *t = &q->t[i];
  if (t->flags & ST_S0) return shape_quote(q, i);
  switch (t->kind) {
    case SK_SEMI:
      return shape_stacked(q, i);
    case SK_LOGIC:
      return shape_logic(q, i);
    case SK_VAR:
      return shape_danger(q, i);
    case SK_WORD:
      return shape_danger(q, i);
    case SK_FUNC:
      return shape_time(q, i) || shape_danger(q, i) || shape_if(q, i) || shape_statement(q, i);
    case SK_KW:
      break;
    default:
      return false;
  }
  switch (t->id) {
    case SI_UNION:
      return shape_union(q, i);
    case SI_SELECT:
      return shape_select(q, i);
    case SI_WAITFOR:
      return shape_time(q, i);
    case SI_INTO:
      return shape_into(q, i);
    case SI_ORDER:
    case SI_GROUP:
      return shape_order(q, i);
    case SI_HAVING:
      return shape_having(q, i);
    case SI_CASE:
      return shape_case(q, i);
    default:
      return (at(q, i)->wflags & SW_STMT) && shape_statement(q, i);
  }
}

/* Evaluate anchors up to `upto` (exclusive); stop at the first match. */
static void evaluate(sq *q, int upto) {
  while (!q->hit && q->next < upto) anchor(q, q->next++);
}

/* The window is full: evaluate what has enough lookahead, keep LOOKBACK. */
static void slide(sq *q) {
  evaluate(q, q->cnt - LOOKAHEAD);
  int drop = q->next - LOOKBACK;
  if (drop <= 0) return;
  memmove(q->t, q->t + drop, (size_t)(q->cnt - drop) * sizeof q->t[0]);
  q->cnt -= drop;
  q->next -= drop;
  q->base += (uint32_t)drop;
}

/* ---- folding -------------------------------------------------------------------- */

static bool is_arith(const sq *q, const sqli_tok *t) {
  if (t->kind != SK_OP) return false;
  uint8_t c = q->s[t->off];
  return c != '~';
}

static bool fold(sq *q, const sqli_tok *tok) {
  sqli_tok *last = q->cnt ? &q->t[q->cnt - 1] : NULL;
  if (tok->kind == SK_COMMENT) {
    if ((tok->flags & ST_EXECCMT) && !q->have_exec) {
      q->exec_cmt = *tok;
      q->have_exec = true;
    }
    if (last) {
      last->flags |= ST_CMT_AFTER;
      if (tok->cmt > last->cmt) last->cmt = tok->cmt;
    }
    return true;
  }
  if (tok->kind == SK_NOT) return true;
  uint8_t c0 = tok->len ? q->s[tok->off] : 0; /* END has no byte */
  if (tok->kind == SK_OP && tok->len == 1 && (c0 == '+' || c0 == '-' || c0 == '~') &&
      !(last && value_end(last->kind)))
    return true; /* a unary sign */
  if (is_value(tok->kind) && q->cnt >= 2 && is_arith(q, last) && !(last->flags & ST_CMT_AFTER)) {
    sqli_tok *v = &q->t[q->cnt - 2];
    if (is_value(v->kind) && !(v->flags & (ST_S0 | ST_CMT_AFTER))) {
      bool num = v->kind == SK_NUM && tok->kind == SK_NUM;
      bool str = v->kind == SK_STR && tok->kind == SK_STR;
      v->len = tok->off + tok->len - v->off;
      v->kind = num ? SK_NUM : str ? SK_STR : SK_WORD;
      v->flags = (uint8_t)((v->flags & tok->flags & ST_LITERAL) | (tok->flags & ST_OPEN) |
                           ((v->flags | tok->flags) & ST_ATAT));
      if (v->flags & ST_ATAT) v->kind = SK_VAR;
      v->wflags = 0;
      q->cnt--;
      return true;
    }
  }
  return false;
}

static void push(sq *q, const sqli_tok *tok) {
  if (q->hit || fold(q, tok)) return;
  if (q->cnt == MM__WAF_SQLI_WINDOW) {
    slide(q);
    if (q->hit) return; /* a shape matched while sliding: the window may be full */
  }
  q->t[q->cnt++] = *tok;
}

/* ---- contexts ---------------------------------------------------------------- */

static bool run_context(const uint8_t *s, size_t n, int ctx, bool high, mm__waf_detect_match *m) {
  sq q;
  q.s = s;
  q.n = n;
  q.ctx = ctx;
  q.high = high;
  q.cnt = 0;
  q.base = 0;
  q.next = 0;
  q.hit = false;
  q.have_exec = false;
  q.m = m;
  size_t start = 0;
  if (ctx != MM__WAF_SQLI_CTX_NONE) {
    bool open;
    uint8_t quote = ctx == MM__WAF_SQLI_CTX_SQUOTE ? '\'' : '"';
    start = mm__waf_sqli_string_end(s, n, 0, quote, &open);
    if (open) return false; /* the value never leaves the string */
    sqli_tok s0 = {0, (uint32_t)start, SK_STR, 0, 0, ST_S0 | ST_LITERAL, 0};
    q.t[q.cnt++] = s0;
  }
  sqli_lexer lx;
  mm__waf_sqli_lex_init(&lx, s, n, start);
  sqli_tok t;
  do {
    mm__waf_sqli_lex_next(&lx, &t);
    push(&q, &t);
  } while (t.kind != SK_END && !q.hit);
  if (!q.hit) evaluate(&q, q.cnt);
  if (!q.hit && q.have_exec && high) {
    const int idx[] = {0};
    q.t[0] = q.exec_cmt; /* report the comment itself */
    q.cnt = 1;
    report(&q, "exec-comment", false, idx, 1);
  }
  return q.hit;
}

bool mm__waf_sqli(const uint8_t *s, size_t n, int sensitivity, mm__waf_detect_match *m) {
  bool high = sensitivity != MM__WAF_SQLI_LOW;
  if (!s || n == 0 || n > UINT32_MAX || !mm__waf_sqli_may_match(s, n)) return false;
  if (run_context(s, n, MM__WAF_SQLI_CTX_NONE, high, m)) return true;
  if (memchr(s, '\'', n) && run_context(s, n, MM__WAF_SQLI_CTX_SQUOTE, high, m)) return true;
  if (memchr(s, '"', n) && run_context(s, n, MM__WAF_SQLI_CTX_DQUOTE, high, m)) return true;
  return false;
}

const char *mm__waf_sqli_context_name(int context) {
  switch (context) {
    case MM__WAF_SQLI_CTX_NONE:
      return "none";
    case MM__WAF_SQLI_CTX_SQUOTE:
      return "single-quote";
    case MM__WAF_SQLI_CTX_DQUOTE:
      return "double-quote";
    default:
      return "?";
  }
}
