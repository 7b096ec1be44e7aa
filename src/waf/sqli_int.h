/*
 * waf/sqli_int.h - the SQLi detector's lexer, shared by sqli_lex.c (the
 * lexer), sqli_words.c (its word table) and sqli.c (folding, grammar).
 *
 * Token kinds (one letter each, the letter shown in a match's fingerprint):
 *
 *   | kind     | letter | what                                               |
 *   | -------- | ------ | -------------------------------------------------- |
 *   | STR      | s      | '...' "..." N'..' X'..' (closed or cut by the end) |
 *   | NUM      | 1      | 12 1.5 .5 1e3 0x1F 0b101 X'..' NULL TRUE FALSE \N  |
 *   | WORD     | n      | identifier, `quoted`, [bracketed], a.b parts      |
 *   | VAR      | v      | @x @@version @'x' :x                               |
 *   | FUNC     | f      | a name right before "(" (known ones may have space)|
 *   | KW       | k      | keyword (SELECT, FROM, ... see the word table)     |
 *   | LOGIC    | &      | AND OR XOR && ||                                   |
 *   | NOT      | !      | NOT, ! (the folder drops it)                       |
 *   | CMP      | =      | = <> != < > <= >= <=> LIKE RLIKE REGEXP IS IN ...  |
 *   | OP       | o      | + - * / % & | ^ ~ << >> :: DIV MOD                 |
 *   | LP RP    | ( )    | parentheses                                        |
 *   | COMMA    | ,      |                                                    |
 *   | SEMI     | ;      |                                                    |
 *   | DOT      | .      | between names                                      |
 *   | OTHER    | ?      | any other byte ({ } $ \ ? : ...)                   |
 *   | COMMENT  | c      | -- # /\* *\/ (the folder drops it, flagging the token |
 *   |          |        | before it); MySQL's /\*! ... *\/ content is lexed   |
 *   | END      | $      | end of input (the folder appends one)              |
 */
#ifndef MM_WAF_SQLI_INT_H
#define MM_WAF_SQLI_INT_H

#include "waf/sqli.h"

enum sqli_kind {
  SK_END,
  SK_STR,
  SK_NUM,
  SK_WORD,
  SK_VAR,
  SK_FUNC,
  SK_KW,
  SK_LOGIC,
  SK_NOT,
  SK_CMP,
  SK_OP,
  SK_LP,
  SK_RP,
  SK_COMMA,
  SK_SEMI,
  SK_DOT,
  SK_OTHER,
  SK_COMMENT,
  SK_KIND_COUNT
};

/* Word-table flags: what a word is to the grammar. */
enum {
  SW_STMT = 1 << 0,   /* starts a statement: SELECT INSERT DROP EXEC ... */
  SW_CLAUSE = 1 << 1, /* FROM WHERE HAVING LIMIT ORDER GROUP ... */
  SW_FUNC = 1 << 2,   /* a function name (SQL's, any dialect) */
  SW_TIME = 1 << 3,   /* a function that stalls: SLEEP BENCHMARK PG_SLEEP ... */
  SW_DANGER = 1 << 4, /* a name only an attacker writes: LOAD_FILE XP_CMDSHELL ... */
  SW_VALUE = 1 << 5,  /* a literal: NULL TRUE FALSE */
  SW_SPACEOK = 1 << 6 /* function that may take a space before "(" */
};

/* Words the grammar names one by one (sw_id). */
enum {
  SI_NONE,
  SI_UNION,
  SI_SELECT,
  SI_FROM,
  SI_ALL,
  SI_DISTINCT,
  SI_ORDER,
  SI_GROUP,
  SI_BY,
  SI_HAVING,
  SI_LIMIT,
  SI_INTO,
  SI_OUTFILE,
  SI_WAITFOR,
  SI_DELAY,
  SI_TIME,
  SI_INSERT,
  SI_UPDATE,
  SI_DELETE,
  SI_SET,
  SI_DROP,
  SI_CREATE,
  SI_ALTER,
  SI_TRUNCATE,
  SI_TABLE, /* TABLE DATABASE SCHEMA VIEW USER PROCEDURE ... (objects) */
  SI_EXEC,
  SI_DECLARE,
  SI_SHUTDOWN,
  SI_IF,
  SI_CASE,
  SI_WHEN,
  SI_THEN,
  SI_WHERE,
  SI_PROCEDURE,
  SI_VALUES,
  SI_OTHER
};

typedef struct sqli_tok {
  uint32_t off, len; /* bytes of the input */
  uint8_t kind;      /* enum sqli_kind */
  uint8_t id;        /* SI_* for KW / FUNC, else 0 */
  uint8_t wflags;    /* SW_* for words in the table */
  uint8_t flags;     /* ST_* below */
  uint8_t cmt;       /* SC_*: the comment that followed this token (folded) */
} sqli_tok;

/* Comments, by how surely they cut the rest of a query. A "--" or "#" with
 * a word glued to it ("--INFANT", "#2") is as often prose as SQL. */
enum { SC_NONE, SC_WEAK, SC_STRONG };

enum {
  ST_CMT_AFTER = 1 << 0, /* a comment followed this token */
  ST_OPEN = 1 << 1,      /* STR: not closed before the end of input */
  ST_LITERAL = 1 << 2,   /* folded value made of literals only */
  ST_ATAT = 1 << 3,      /* VAR: @@name (a server variable) */
  ST_EXECCMT = 1 << 4,   /* COMMENT: MySQL's /\*! (executable) */
  ST_SPACE = 1 << 5,     /* whitespace came right before this token */
  ST_CALL = 1 << 6       /* FUNC: "(" follows */
};

typedef struct sqli_lexer {
  const uint8_t *s; /* input */
  size_t n;         /* input length */
  size_t pos;       /* next byte */
  int in_exec;      /* inside MySQL's /\*! ... *\/: its closing is skipped */
  size_t no_close;  /* no "]" at or after this byte (found once, so "[" stays linear) */
} sqli_lexer;

/* Start lexing s[0..n) at byte `pos` (the quote contexts start after their
 * synthetic string, which sqli.c builds). */
void mm__waf_sqli_lex_init(sqli_lexer *lx, const uint8_t *s, size_t n, size_t pos);
/* The next token, whitespace skipped. kind SK_END at the end. */
void mm__waf_sqli_lex_next(sqli_lexer *lx, sqli_tok *t);
/* Scan a string body from s[pos] (just after the opening quote q) to its
 * closing quote: returns the index just past the closing quote, or n when
 * the string runs to the end (then *open is set). Backslash escapes and
 * doubled quotes do not close it. */
size_t mm__waf_sqli_string_end(const uint8_t *s, size_t n, size_t pos, uint8_t q, bool *open);

/* Word table lookup (sqli_words.c; case-insensitive): true and *flags / *id when w is a
 * SQL word mamori knows; *kind is the token kind the word lexes as. */
bool mm__waf_sqli_word(const uint8_t *w, size_t len, uint8_t *kind, uint8_t *id, uint8_t *flags);

/* Byte classes of the lexer (sqli_words.c builds the table). */
enum { C_OTHER, C_SPACE, C_WORD, C_DIGIT };
extern uint8_t mm__waf_sqli_cls[256];

/* Build the word table's index and the byte classes (once per process;
 * the lexer and the detector call it, so callers need not). */
void mm__waf_sqli_init(void);

/* false when no shape can match s[0..n): no byte that starts an anchor
 * (quote, ";", "@", "(", "&", "|", "/", backtick) and no word that may be
 * an anchor keyword (one bit test per word). A cheap first pass: most
 * benign values end here. */
bool mm__waf_sqli_may_match(const uint8_t *s, size_t n);

/* Test hook: the table's rows are sorted and unique. */
bool mm__waf_sqli_table_sorted(void);

#endif /* MM_WAF_SQLI_INT_H */
