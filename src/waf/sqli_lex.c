/*
 * sqli_lex.c - the SQLi detector's lexer.
 *
 * The lexer reads SQL as MySQL, PostgreSQL, MSSQL, Oracle and SQLite would
 * if the input were pasted into a query: whitespace (ASCII and the
 * non-breaking space 0xA0), strings in both quote styles with backslash and
 * doubled-quote escapes and the N'' X'' B'' E'' prefixes, numbers (12, 1.5,
 * .5, 1e3, 0x1F, 0b101), identifiers (bare, `backticked`, [bracketed]),
 * variables (@x, @@version, @'x'), comments (-- to the end of the line, #,
 * C-style), MySQL's executable comment (its content is code) and the
 * operators of every dialect. Token kinds are listed in waf/sqli_int.h.
 * The lexer never looks further than the current token and never allocates.
 *
 * Words are looked up in the table of sqli_words.c.
 */
#include "waf/sqli_int.h"

#include <string.h>

static inline uint8_t cclass(uint8_t c) { return mm__waf_sqli_cls[c]; }

static bool is_word_char(uint8_t c) {
  uint8_t k = cclass(c);
  return k == C_WORD || k == C_DIGIT;
}

static bool is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

void mm__waf_sqli_lex_init(sqli_lexer *lx, const uint8_t *s, size_t n, size_t pos) {
  mm__waf_sqli_init();
  lx->s = s;
  lx->n = n;
  lx->pos = pos;
  lx->in_exec = 0;
  lx->no_close = n + 1;
}

/* "[" opens a bracketed name when a "]" follows somewhere. */
static bool bracket_closes(sqli_lexer *lx) {
  if (lx->pos >= lx->no_close) return false;
  if (memchr(lx->s + lx->pos, ']', lx->n - lx->pos)) return true;
  lx->no_close = lx->pos;
  return false;
}

size_t mm__waf_sqli_string_end(const uint8_t *s, size_t n, size_t pos, uint8_t q, bool *open) {
  size_t i = pos;
  while (i < n) {
    uint8_t c = s[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == q) {
      if (i + 1 < n && s[i + 1] == q) {
        i += 2; /* doubled quote: an escaped quote */
        continue;
      }
      *open = false;
      return i + 1;
    }
    i++;
  }
  *open = true;
  return n;
}

static void set(sqli_tok *t, size_t off, size_t end, uint8_t kind) {
  t->off = (uint32_t)off;
  t->len = (uint32_t)(end - off);
  t->kind = kind;
}

/* ---- one token per function ------------------------------------------------ */

static void lex_string(sqli_lexer *lx, sqli_tok *t, size_t start, size_t quote_at) {
  bool open;
  size_t end = mm__waf_sqli_string_end(lx->s, lx->n, quote_at + 1, lx->s[quote_at], &open);
  set(t, start, end, SK_STR);
  if (open) t->flags |= ST_OPEN;
  t->flags |= ST_LITERAL;
  lx->pos = end;
}

static void lex_number(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t i = lx->pos, n = lx->n;
  if (s[i] == '0' && i + 1 < n && (s[i + 1] | 32) == 'x') {
    size_t j = i + 2;
    while (j < n && is_hex(s[j])) j++;
    if (j > i + 2) {
      set(t, i, j, SK_NUM);
      t->flags |= ST_LITERAL;
      lx->pos = j;
      return;
    }
  }
  if (s[i] == '0' && i + 1 < n && (s[i + 1] | 32) == 'b' && i + 2 < n &&
      (s[i + 2] == '0' || s[i + 2] == '1')) {
    size_t j = i + 2;
    while (j < n && (s[j] == '0' || s[j] == '1')) j++;
    set(t, i, j, SK_NUM);
    t->flags |= ST_LITERAL;
    lx->pos = j;
    return;
  }
  while (i < n && cclass(s[i]) == C_DIGIT) i++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && cclass(s[i]) == C_DIGIT) i++;
  }
  if (i < n && (s[i] | 32) == 'e') {
    size_t j = i + 1;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    if (j < n && cclass(s[j]) == C_DIGIT) {
      while (j < n && cclass(s[j]) == C_DIGIT) j++;
      i = j;
    }
  }
  set(t, lx->pos, i, SK_NUM);
  t->flags |= ST_LITERAL;
  lx->pos = i;
}

/* After a name: the index of "(" when it follows (after spaces when
 * space_ok), else 0. */
static size_t paren_after(const sqli_lexer *lx, size_t i, bool space_ok) {
  if (space_ok)
    while (i < lx->n && cclass(lx->s[i]) == C_SPACE) i++;
  return (i < lx->n && lx->s[i] == '(') ? i : 0;
}

static void lex_word(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t start = lx->pos, i = start;
  while (i < lx->n && is_word_char(s[i])) i++;
  /* N'..' X'..' B'..' E'..': a string with a prefix letter */
  if (i == start + 1 && i < lx->n && (s[i] == '\'' || s[i] == '"')) {
    uint8_t p = s[start] | 32;
    if (p == 'n' || p == 'x' || p == 'b' || p == 'e') {
      lex_string(lx, t, start, i);
      return;
    }
  }
  set(t, start, i, SK_WORD);
  lx->pos = i;
  uint8_t kind, id, fl;
  if (mm__waf_sqli_word(s + start, i - start, &kind, &id, &fl)) {
    t->kind = kind;
    t->id = id;
    t->wflags = fl;
    if (kind == SK_NUM) t->flags |= ST_LITERAL;
    /* Keywords no shape names (COLUMN, KEY, ROWS ...) are names as often
     * as keywords: the grammar sees them as names. */
    if (kind == SK_KW && id == SI_OTHER) t->kind = SK_WORD;
  }
  if (t->kind == SK_FUNC) {
    if (paren_after(lx, i, (t->wflags & SW_SPACEOK) != 0))
      t->flags |= ST_CALL;
    else
      t->kind = SK_WORD;
  } else if ((t->kind == SK_WORD || (t->kind == SK_KW && t->id == SI_TABLE)) &&
             paren_after(lx, i, false)) {
    t->kind = SK_FUNC; /* any name right before "(" is a call: database(), foo() */
    t->flags |= ST_CALL;
  }
}

/* `name` and [name]: quoted identifiers, WORDs */
static void lex_quoted_name(sqli_lexer *lx, sqli_tok *t, uint8_t close) {
  const uint8_t *e = memchr(lx->s + lx->pos + 1, close, lx->n - lx->pos - 1);
  size_t end = e ? (size_t)(e - lx->s) + 1 : lx->n;
  set(t, lx->pos, end, SK_WORD);
  uint8_t kind, id, fl; /* `information_schema` is still that name */
  if (end - lx->pos >= 2 &&
      mm__waf_sqli_word(lx->s + lx->pos + 1, end - lx->pos - 2, &kind, &id, &fl))
    t->wflags = fl & SW_DANGER;
  lx->pos = end;
}

static void lex_var(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t start = lx->pos, i = start + 1;
  if (i < lx->n && s[i] == '@') {
    t->flags |= ST_ATAT;
    i++;
  }
  if (i < lx->n && (s[i] == '\'' || s[i] == '"' || s[i] == '`')) {
    bool open;
    i = mm__waf_sqli_string_end(s, lx->n, i + 1, s[i], &open);
  } else {
    size_t j = i;
    while (j < lx->n && (is_word_char(s[j]) || s[j] == '.')) j++;
    if (j == i) { /* a lone @: not a variable */
      set(t, start, i, SK_OTHER);
      t->flags = 0;
      lx->pos = i;
      return;
    }
    i = j;
  }
  set(t, start, i, SK_VAR);
  lx->pos = i;
}

static void lex_line_comment(sqli_lexer *lx, sqli_tok *t) {
  size_t body = lx->pos + (lx->s[lx->pos] == '#' ? 1 : 2);
  t->cmt = (body >= lx->n || cclass(lx->s[body]) == C_SPACE) ? SC_STRONG : SC_WEAK;
  const uint8_t *e = memchr(lx->s + lx->pos, '\n', lx->n - lx->pos);
  size_t end = e ? (size_t)(e - lx->s) : lx->n;
  set(t, lx->pos, end, SK_COMMENT);
  lx->pos = end;
}

static void lex_block_comment(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t start = lx->pos, i = start + 2;
  if (i < lx->n && s[i] == '!') { /* MySQL's /\*!50000 code *\/: the code is code */
    i++;
    for (int d = 0; d < 5 && i < lx->n && cclass(s[i]) == C_DIGIT; d++) i++;
    set(t, start, i, SK_COMMENT);
    t->flags |= ST_EXECCMT;
    t->cmt = SC_STRONG;
    lx->in_exec = 1;
    lx->pos = i;
    return;
  }
  size_t end = lx->n;
  t->cmt = SC_STRONG;
  for (size_t j = i; j + 1 < lx->n; j++)
    if (s[j] == '*' && s[j + 1] == '/') {
      end = j + 2;
      break;
    }
  set(t, start, end, SK_COMMENT);
  lx->pos = end;
}

/* Operators of every dialect, longest match first: <=> <= >= <> != !< !>
 * == := (comparison), || && (logic), << >> :: + - * / % & | ^ ~ (operators),
 * ! (NOT). A lone ":" is not one. */
static bool lex_operator(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t p = lx->pos;
  uint8_t c = s[p], d = p + 1 < lx->n ? s[p + 1] : 0, e = p + 2 < lx->n ? s[p + 2] : 0;
  size_t len = 1;
  uint8_t kind = SK_OP;
  switch (c) {
    case '<':
      kind = SK_CMP;
      if (d == '=' && e == '>')
        len = 3;
      else if (d == '=' || d == '>')
        len = 2;
      else if (d == '<')
        len = 2, kind = SK_OP;
      break;
    case '>':
      kind = SK_CMP;
      if (d == '=')
        len = 2;
      else if (d == '>')
        len = 2, kind = SK_OP;
      break;
    case '!':
      kind = SK_NOT;
      if (d == '=' || d == '<' || d == '>') len = 2, kind = SK_CMP;
      break;
    case '=':
      kind = SK_CMP, len = d == '=' ? 2 : 1;
      break;
    case ':':
      if (d != '=' && d != ':') return false;
      len = 2, kind = d == '=' ? SK_CMP : SK_OP;
      break;
    case '|':
    case '&':
      if (d == c) len = 2, kind = SK_LOGIC;
      break;
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
    case '~':
      break;
    default:
      return false;
  }
  set(t, p, p + len, kind);
  lx->pos = p + len;
  return true;
}

static bool lex_punct(sqli_lexer *lx, sqli_tok *t) {
  uint8_t kind;
  switch (lx->s[lx->pos]) {
    case '(':
      kind = SK_LP;
      break;
    case ')':
      kind = SK_RP;
      break;
    case ',':
      kind = SK_COMMA;
      break;
    case ';':
      kind = SK_SEMI;
      break;
    case '.':
      kind = SK_DOT;
      break;
    default:
      return false;
  }
  set(t, lx->pos, lx->pos + 1, kind);
  lx->pos++;
  return true;
}

/* Comments and the end of an executable comment; false when the byte at
 * pos starts none of them. */
static bool lex_comment(sqli_lexer *lx, sqli_tok *t) {
  const uint8_t *s = lx->s;
  size_t i = lx->pos, left = lx->n - i;
  if (s[i] == '#' || (left >= 2 && s[i] == '-' && s[i + 1] == '-')) {
    lex_line_comment(lx, t);
    return true;
  }
  if (left >= 2 && s[i] == '/' && s[i + 1] == '*') {
    lex_block_comment(lx, t);
    return true;
  }
  if (left >= 2 && lx->in_exec && s[i] == '*' && s[i + 1] == '/') {
    lx->in_exec = 0;
    set(t, i, i + 2, SK_COMMENT);
    t->cmt = SC_STRONG;
    lx->pos = i + 2;
    return true;
  }
  return false;
}

void mm__waf_sqli_lex_next(sqli_lexer *lx, sqli_tok *t) {
  t->id = t->wflags = t->flags = t->cmt = 0; /* off, len, kind: set() below */
  size_t space_from = lx->pos;
  while (lx->pos < lx->n && cclass(lx->s[lx->pos]) == C_SPACE) lx->pos++;
  if (lx->pos > space_from) t->flags |= ST_SPACE;
  if (lx->pos >= lx->n) {
    set(t, lx->n, lx->n, SK_END);
    return;
  }
  uint8_t c = lx->s[lx->pos], k = cclass(c);
  uint8_t next = lx->pos + 1 < lx->n ? lx->s[lx->pos + 1] : 0;
  if (k == C_WORD)
    lex_word(lx, t);
  else if (k == C_DIGIT || (c == '.' && cclass(next) == C_DIGIT))
    lex_number(lx, t);
  else if (c == '\'' || c == '"')
    lex_string(lx, t, lx->pos, lx->pos);
  else if (c == '`')
    lex_quoted_name(lx, t, '`');
  else if (c == '[' && bracket_closes(lx))
    lex_quoted_name(lx, t, ']');
  else if (c == '@')
    lex_var(lx, t);
  else if (c == '\\' && next == 'N') {
    set(t, lx->pos, lx->pos + 2, SK_NUM); /* MySQL's \N is NULL */
    t->flags |= ST_LITERAL;
    lx->pos += 2;
  } else if (lex_comment(lx, t) || lex_punct(lx, t) || lex_operator(lx, t)) {
  } else {
    set(t, lx->pos, lx->pos + 1, SK_OTHER);
    lx->pos++;
  }
}
