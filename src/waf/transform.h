/*
 * waf/transform.h - AWS WAF text transformations (module-internal).
 *
 * A text transformation rewrites the bytes of one request component before a
 * statement inspects them: AWS WAF API "TextTransformation" (Type, Priority)
 * and the AWS WAF Developer Guide page "Text transformations"
 * (waf-rule-statement-transformation.html). AWS's descriptions follow the
 * ModSecurity Reference Manual's "Transformation functions" (t:urlDecode,
 * t:cssDecode ...); where AWS says nothing more, mamori follows ModSecurity's
 * definition, and each row below names the function it follows.
 *
 * Vocabulary (STYLE.md 10): the transformations are rows of one table,
 * mm__waf_transforms[], indexed by mm__waf_transform_type and looked up by
 * the AWS name, which is case-sensitive as the API's enum is. Adding one is a
 * new function and a new row.
 *
 * Memory: a transformation writes into a buffer the caller sized with
 * mm__waf_transform_bound(); it never allocates. A chain runs its steps
 * through two ping-pong buffers owned by an mm__waf_scratch that the caller
 * keeps per thread or per request and reuses: once the buffers have grown to
 * the largest field seen, evaluating a chain allocates nothing.
 *
 * Output bounds (bytes out for n bytes in):
 *
 *   | transformation                         | bound        |
 *   | -------------------------------------- | ------------ |
 *   | every one not listed below             | n            |
 *   | UTF8_TO_UNICODE                        | 3 n          |
 *   | MD5                                    | 16 (exactly) |
 *   | SHA256                                 | 32 (exactly) |
 *
 * The public include/mamori/waf.h will expose the type names (as
 * mm_waf_transform_type); until it lands this header is the contract.
 */
#ifndef MM_WAF_TRANSFORM_H
#define MM_WAF_TRANSFORM_H

#include "mamori/error.h"
#include "mamori/json.h"
#include "mamori/str.h"
#include "waf/limits.h"

/* In the order of the WAFv2 API's TextTransformationType enum. */
typedef enum mm__waf_transform_type {
  MM__WAF_T_NONE,
  MM__WAF_T_COMPRESS_WHITE_SPACE,
  MM__WAF_T_HTML_ENTITY_DECODE,
  MM__WAF_T_LOWERCASE,
  MM__WAF_T_CMD_LINE,
  MM__WAF_T_URL_DECODE,
  MM__WAF_T_BASE64_DECODE,
  MM__WAF_T_HEX_DECODE,
  MM__WAF_T_MD5,
  MM__WAF_T_REPLACE_COMMENTS,
  MM__WAF_T_ESCAPE_SEQ_DECODE,
  MM__WAF_T_SQL_HEX_DECODE,
  MM__WAF_T_CSS_DECODE,
  MM__WAF_T_JS_DECODE,
  MM__WAF_T_NORMALIZE_PATH,
  MM__WAF_T_NORMALIZE_PATH_WIN,
  MM__WAF_T_REMOVE_NULLS,
  MM__WAF_T_REPLACE_NULLS,
  MM__WAF_T_BASE64_DECODE_EXT,
  MM__WAF_T_URL_DECODE_UNI,
  MM__WAF_T_UTF8_TO_UNICODE,
  MM__WAF_T_REMOVE_WHITESPACE,
  MM__WAF_T_TRIM,
  MM__WAF_T_TRIM_LEFT,
  MM__WAF_T_TRIM_RIGHT,
  MM__WAF_T_REMOVE_COMMENTS_CHAR,
  MM__WAF_T_UPPERCASE,
  MM__WAF_T_CMD_LINE_WIN,
  MM__WAF_T_CMD_LINE_UNIX,
  MM__WAF_T_JS_DECODE_EXT,
  MM__WAF_T_SHA256,
  MM__WAF_T_COUNT /* number of types; not a type */
} mm__waf_transform_type;

/* Transform in[0..in.len) into out, which holds at least
 * mm__waf_transform_bound(type, in.len) bytes and does not overlap in.
 * Returns the output's length. Never fails, never reads past in.len. */
typedef size_t (*mm__waf_transform_fn)(mm_str in, uint8_t *out);

typedef struct mm__waf_transform_def {
  const char *aws_name;    /* the API's Type value, e.g. "URL_DECODE" */
  const char *modsec_name; /* the ModSecurity t: function followed, or NULL */
  const char *doc;         /* where the behaviour is specified (AWS page, manual) */
  mm__waf_transform_fn fn; /* NULL for NONE: the input is used as it is */
  uint8_t grow;            /* output <= grow * n + fixed bytes */
  uint8_t fixed;           /* bytes of output whatever the input (hashes) */
  bool idempotent;         /* f(f(x)) == f(x) for every x (the fuzzer checks) */
} mm__waf_transform_def;

extern const mm__waf_transform_def mm__waf_transforms[MM__WAF_T_COUNT];

/* The type named exactly `name` (case-sensitive, as the API's enum):
 * MM_OK, or MM_ENOENT when AWS has no such transformation. */
int mm__waf_transform_lookup(mm_str name, mm__waf_transform_type *type);
/* The AWS name of type ("URL_DECODE"), or "?" when out of range. */
const char *mm__waf_transform_name(mm__waf_transform_type type);
/* Bytes type may write for an n-byte input, in *bound. false when that
 * overflows size_t (the caller then refuses the input). */
bool mm__waf_transform_bound(mm__waf_transform_type type, size_t n, size_t *bound);

/* ---- the transformations (one function per row) ------------------------- */

/* transform_text.c: case, whitespace, NULs, comments, command lines, paths */
size_t mm__waf_t_lowercase(mm_str in, uint8_t *out);
size_t mm__waf_t_uppercase(mm_str in, uint8_t *out);
size_t mm__waf_t_compress_white_space(mm_str in, uint8_t *out);
size_t mm__waf_t_remove_whitespace(mm_str in, uint8_t *out);
size_t mm__waf_t_trim(mm_str in, uint8_t *out);
size_t mm__waf_t_trim_left(mm_str in, uint8_t *out);
size_t mm__waf_t_trim_right(mm_str in, uint8_t *out);
size_t mm__waf_t_remove_nulls(mm_str in, uint8_t *out);
size_t mm__waf_t_replace_nulls(mm_str in, uint8_t *out);
size_t mm__waf_t_replace_comments(mm_str in, uint8_t *out);
size_t mm__waf_t_remove_comments_char(mm_str in, uint8_t *out);
size_t mm__waf_t_cmd_line(mm_str in, uint8_t *out);
size_t mm__waf_t_cmd_line_win(mm_str in, uint8_t *out);
size_t mm__waf_t_cmd_line_unix(mm_str in, uint8_t *out);
size_t mm__waf_t_normalize_path(mm_str in, uint8_t *out);
size_t mm__waf_t_normalize_path_win(mm_str in, uint8_t *out);

/* transform_decode.c: percent, entity, escape and hex decoders */
size_t mm__waf_t_url_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_url_decode_uni(mm_str in, uint8_t *out);
size_t mm__waf_t_html_entity_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_escape_seq_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_js_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_js_decode_ext(mm_str in, uint8_t *out);
size_t mm__waf_t_css_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_hex_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_sql_hex_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_utf8_to_unicode(mm_str in, uint8_t *out);

/* transform_base64.c */
size_t mm__waf_t_base64_decode(mm_str in, uint8_t *out);
size_t mm__waf_t_base64_decode_ext(mm_str in, uint8_t *out);

/* transform_hash.c: RFC 1321 MD5 and FIPS 180-4 SHA-256, raw digests */
#define MM__WAF_MD5_LEN    16 /* bytes of an MD5 digest */
#define MM__WAF_SHA256_LEN 32 /* bytes of a SHA-256 digest */
size_t mm__waf_t_md5(mm_str in, uint8_t *out);
size_t mm__waf_t_sha256(mm_str in, uint8_t *out);

/* ---- byte classes the transformations share ------------------------------ */

/* C's isspace() in the "C" locale: space, \t \n \v \f \r. */
static inline bool mm__waf_is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
/* The value of hex digit c, or -1. */
static inline int mm__waf_hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
static inline bool mm__waf_is_hex(uint8_t c) { return mm__waf_hex_value(c) >= 0; }
/* Two hex digits at p (the caller checked both) as a byte. */
static inline uint8_t mm__waf_hex_byte(const uint8_t *p) {
  return (uint8_t)(mm__waf_hex_value(p[0]) << 4 | mm__waf_hex_value(p[1]));
}

/* ---- chains ---------------------------------------------------------------- */

/* One entry of a statement's TextTransformations list. */
typedef struct mm__waf_chain_step {
  uint32_t priority;           /* TextTransformation.Priority (>= 0, unique) */
  mm__waf_transform_type type; /* TextTransformation.Type */
} mm__waf_chain_step;

/* A statement's TextTransformations, kept sorted by priority: AWS WAF
 * "processes all transformations, from lowest priority to highest"; the
 * priorities "don't need to be consecutive, but they must all be different"
 * (API TextTransformation). Plain data: copy it, share it between threads. */
typedef struct mm__waf_chain {
  mm__waf_chain_step steps[MM_WAF_MAX_TEXT_TRANSFORMATIONS]; /* by priority */
  size_t count;                                              /* steps used */
} mm__waf_chain;

/* An empty chain (no transformation: the field is inspected as received). */
void mm__waf_chain_init(mm__waf_chain *c);
/* Insert (priority, type) in priority order. MM_EINVAL when the priority is
 * already used or the type is out of range, MM_ELIMIT past
 * MM_WAF_MAX_TEXT_TRANSFORMATIONS; the chain is then unchanged. The same
 * type may appear more than once (URL_DECODE twice undoes double encoding). */
int mm__waf_chain_add(mm__waf_chain *c, uint32_t priority, mm__waf_transform_type type,
                      mm_error *err);
/* As mm__waf_chain_add with the type named as in the API (MM_ENOENT when
 * unknown). */
int mm__waf_chain_add_name(mm__waf_chain *c, uint32_t priority, mm_str name, mm_error *err);

/* Build c from a WAFv2 TextTransformations array, [{"Priority": 0, "Type":
 * "URL_DECODE"}, ...], as the API shapes it: each element an object with
 * exactly those two members, Priority an integer from 0 to 2^31-1 (the
 * API's Integer, minimum 0), Type a name of the enum. On failure err says
 * why and err->path where, as `path` + "[i].Type" (path names the array,
 * e.g. "$.Rules[0].Statement.ByteMatchStatement.TextTransformations"); c is
 * then left empty. MM_ETYPE, MM_ESYNTAX, MM_ERANGE, MM_ENOENT, MM_EINVAL
 * (repeated priority) or MM_ELIMIT (more than 10). */
int mm__waf_chain_from_json(mm__waf_chain *c, const mm_json_value *array, const char *path,
                            mm_error *err);

/* Two buffers a chain's steps write to in turn. Owned by the caller, one per
 * thread; grown on demand, never shrunk, freed by mm__waf_scratch_free. */
typedef struct mm__waf_scratch {
  uint8_t *buf[2]; /* mm_malloc'd, or NULL before first use */
  size_t cap[2];   /* bytes allocated in buf[i] */
} mm__waf_scratch;

void mm__waf_scratch_init(mm__waf_scratch *s);
void mm__waf_scratch_free(mm__waf_scratch *s);

/* Apply one transformation to in, which must not point into s. *out is the
 * result: it points into s (valid until s is next used) or, for NONE, is in
 * itself. MM_OK, MM_ENOMEM, or
 * MM_ELIMIT when the output could exceed MM_WAF_MAX_TRANSFORM_BYTES. */
int mm__waf_transform_apply(mm__waf_transform_type type, mm_str in, mm__waf_scratch *s,
                            mm_str *out);
/* Apply every step of c, lowest priority first, as mm__waf_transform_apply.
 * An empty chain, or one of NONE only, gives *out == in without copying. */
int mm__waf_chain_apply(const mm__waf_chain *c, mm_str in, mm__waf_scratch *s, mm_str *out);

#endif /* MM_WAF_TRANSFORM_H */
