/*
 * waf/sqli.h - mamori's SQL-injection detector, the engine behind AWS WAF's
 * SqliMatchStatement (module-internal; docs/waf/detectors.md).
 *
 * AWS WAF's SqliMatchStatement (API reference "SqliMatchStatement",
 * SensitivityLevel LOW | HIGH) matches when the transformed field "contains
 * malicious SQL code". mamori decides that the way libinjection does in
 * spirit (its design, not its code or tables): a SQL lexer turns the bytes
 * into tokens, for each context an injected value can start in (as it is,
 * inside a single-quoted string, inside a double-quoted string), folds them
 * (comments, unary signs, arithmetic), and a small grammar looks for the
 * shapes of an injection in the token stream:
 *
 *   | shape              | example                            | LOW | HIGH |
 *   | ------------------ | ---------------------------------- | --- | ---- |
 *   | union-select       | 1 UNION ALL SELECT 1,2             |  x  |  x   |
 *   | stacked-query      | 1; DROP TABLE users                |  x  |  x   |
 *   | time-function      | 1 AND SLEEP(5), WAITFOR DELAY '0:5'|  x  |  x   |
 *   | dangerous-function | LOAD_FILE(, EXTRACTVALUE(, xp_cmd… |  x  |  x   |
 *   | quote-comment      | admin'--                           |  x  |  x   |
 *   | quote-boolean      | ' OR 1=1, ') or ('a'='a            |  x  |  x   |
 *   | quote-compare      | '='  , ' LIKE '%                   |  x  |  x   |
 *   | quote-clause       | ' ORDER BY 3--, ' HAVING 1=1       |  x  |  x   |
 *   | boolean            | 1 AND 1=1, AND ascii(x)>64         |  x  |  x   |
 *   | select-expression  | (SELECT @@version), SELECT * FROM  |  x  |  x   |
 *   | into-file          | INTO OUTFILE '/tmp/x'              |  x  |  x   |
 *   | boolean-weak       | x AND 1=1 (after a word), OR TRUE  |     |  x   |
 *   | quote-logic        | ' OR x, ' AND name LIKE 'a%        |     |  x   |
 *   | quote-expression   | '+x+', '||x||'                     |     |  x   |
 *   | select-from        | SELECT name FROM sysibm.systables  |     |  x   |
 *   | stacked-weak       | ; EXEC proc, ; SET @a=1            |     |  x   |
 *   | order-by           | ORDER BY 5 at the end              |     |  x   |
 *   | case-when          | CASE WHEN 1=1 THEN                 |     |  x   |
 *   | exec-comment       | MySQL /\*! ... *\/                  |     |  x   |
 *
 * Cost: no allocation; each context is one pass of the lexer over the input
 * with a fixed window of tokens (MM__WAF_SQLI_WINDOW), so time is linear in
 * the input and independent of its nesting.
 */
#ifndef MM_WAF_SQLI_H
#define MM_WAF_SQLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens a match reports: 8. AWS WAF's log shows the matched data as a
 * short list of tokens (["10", "AND", "1"] in the AWS WAF Developer Guide,
 * "Log fields", terminatingRuleMatchDetails); every shape above is at most
 * 8 tokens long. */
#define MM__WAF_DETECT_MAX_SPANS 8
/* Token-kind letters in a match's fingerprint: 15, the window a shape can
 * span plus room; the fingerprint is for humans and tests, not for matching. */
#define MM__WAF_DETECT_FP_LEN 15

/* One matched token: bytes [off, off + len) of the inspected input. */
typedef struct mm__waf_detect_span {
  uint32_t off; /* byte offset into the input */
  uint32_t len; /* bytes */
} mm__waf_detect_span;

/* What a detector matched, for terminatingRuleMatchDetails' matchedData.
 * Shared by the SQLi and XSS detectors (waf/xss.h includes this header). */
typedef struct mm__waf_detect_match {
  mm__waf_detect_span spans[MM__WAF_DETECT_MAX_SPANS]; /* the matched tokens, in order */
  uint8_t nspans;                                      /* spans used */
  uint8_t context;                    /* where the value was assumed to start (per detector) */
  const char *shape;                  /* static name of the shape that matched ("union-select") */
  char fp[MM__WAF_DETECT_FP_LEN + 1]; /* NUL-terminated kind letters of the matched tokens */
} mm__waf_detect_match;

/* Contexts of the SQLi detector (mm__waf_detect_match.context). */
enum { MM__WAF_SQLI_CTX_NONE, MM__WAF_SQLI_CTX_SQUOTE, MM__WAF_SQLI_CTX_DQUOTE };

#define MM__WAF_SQLI_LOW  0
#define MM__WAF_SQLI_HIGH 1

/* Tokens the grammar sees at once: 24. A shape looks at most 10 tokens
 * back and 10 ahead of its anchor (sqli.c LOOKBACK, LOOKAHEAD: the longest
 * shape, "') or ('a'='a" with its parentheses, is 9); the other 4 let the
 * window slide in blocks. Fixed, so a long input costs no memory. */
#define MM__WAF_SQLI_WINDOW 24

/* true when s[0..n) contains SQL injection at the given sensitivity
 * (MM__WAF_SQLI_LOW or MM__WAF_SQLI_HIGH; any other value is HIGH). When m
 * is not NULL it receives what matched (only written on true). */
bool mm__waf_sqli(const uint8_t *s, size_t n, int sensitivity, mm__waf_detect_match *m);

/* Name of a SQLi context ("none", "single-quote", "double-quote"). */
const char *mm__waf_sqli_context_name(int context);

#endif /* MM_WAF_SQLI_H */
