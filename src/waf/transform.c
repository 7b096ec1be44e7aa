/*
 * transform.c - the table of AWS WAF text transformations, their lookup by
 * AWS name, and chains: a statement's TextTransformations applied in
 * Priority order through two reusable scratch buffers.
 *
 * Specified by the WAFv2 API page "TextTransformation" (Priority: "AWS WAF
 * processes all transformations, from lowest priority to highest ... they
 * must all be different"; Type: the enum of 31 names), the AWS WAF Developer
 * Guide page "Text transformations" (waf-rule-statement-transformation.html)
 * for what each one does, and the "AWS WAF quotas" page for the limit of 10
 * per statement (waf/limits.h). The transformations themselves live in
 * transform_text.c, transform_decode.c, transform_base64.c and
 * transform_hash.c; docs/waf/transformations.md describes each. A chain is
 * built step by step or from the API's JSON array, refused whole (with a JSON
 * path) when any element is wrong.
 *
 * Assumes nothing of the input: any bytes, any length up to
 * MM_WAF_MAX_TRANSFORM_BYTES per step.
 */
#include "waf/transform.h"

#include "mamori/alloc.h"
#include "mamori/json.h"

#include <stdio.h>

#include <string.h>

#define AWS_PAGE \
  "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html"
#define MODSEC_MANUAL "ModSecurity Reference Manual (v2.x), Transformation functions"

/* {AWS name, ModSecurity function, doc, fn, grow, fixed, idempotent}.
 * grow/fixed give the output bound (transform.h); idempotent is claimed only
 * where it holds for every input, as the fuzzer checks it. */
#define ROW(name, modsec, doc, fn, grow, fixed, idem) \
  [MM__WAF_T_##name] = {#name, modsec, doc, fn, grow, fixed, idem}

/* clang-format off */
const mm__waf_transform_def mm__waf_transforms[MM__WAF_T_COUNT] = {
  ROW(NONE,                 "none",               AWS_PAGE, NULL,                              1, 0,  true),
  ROW(COMPRESS_WHITE_SPACE, "compressWhitespace", AWS_PAGE, mm__waf_t_compress_white_space,    1, 0,  true),
  ROW(HTML_ENTITY_DECODE,   "htmlEntityDecode",   AWS_PAGE, mm__waf_t_html_entity_decode,      1, 0,  false),
  ROW(LOWERCASE,            "lowercase",          AWS_PAGE, mm__waf_t_lowercase,               1, 0,  true),
  ROW(CMD_LINE,             "cmdLine",            AWS_PAGE, mm__waf_t_cmd_line,                1, 0,  false),
  ROW(URL_DECODE,           "urlDecode",          AWS_PAGE, mm__waf_t_url_decode,              1, 0,  false),
  ROW(BASE64_DECODE,        "base64Decode",       AWS_PAGE, mm__waf_t_base64_decode,           1, 0,  false),
  ROW(HEX_DECODE,           "hexDecode",          AWS_PAGE, mm__waf_t_hex_decode,              1, 0,  false),
  ROW(MD5,                  "md5",                AWS_PAGE " ; RFC 1321", mm__waf_t_md5,       0, MM__WAF_MD5_LEN, false),
  ROW(REPLACE_COMMENTS,     "replaceComments",    AWS_PAGE, mm__waf_t_replace_comments,        1, 0,  true),
  ROW(ESCAPE_SEQ_DECODE,    "escapeSeqDecode",    AWS_PAGE, mm__waf_t_escape_seq_decode,       1, 0,  false),
  ROW(SQL_HEX_DECODE,       "sqlHexDecode",       AWS_PAGE, mm__waf_t_sql_hex_decode,          1, 0,  false),
  ROW(CSS_DECODE,           "cssDecode",          AWS_PAGE, mm__waf_t_css_decode,              1, 0,  false),
  ROW(JS_DECODE,            "jsDecode",           AWS_PAGE, mm__waf_t_js_decode,               1, 0,  false),
  ROW(NORMALIZE_PATH,       "normalizePath",      AWS_PAGE, mm__waf_t_normalize_path,          1, 0,  true),
  ROW(NORMALIZE_PATH_WIN,   "normalizePathWin",   AWS_PAGE, mm__waf_t_normalize_path_win,      1, 0,  true),
  ROW(REMOVE_NULLS,         "removeNulls",        AWS_PAGE, mm__waf_t_remove_nulls,            1, 0,  true),
  ROW(REPLACE_NULLS,        "replaceNulls",       AWS_PAGE, mm__waf_t_replace_nulls,           1, 0,  true),
  ROW(BASE64_DECODE_EXT,    "base64DecodeExt",    AWS_PAGE, mm__waf_t_base64_decode_ext,       1, 0,  false),
  ROW(URL_DECODE_UNI,       "urlDecodeUni",       AWS_PAGE, mm__waf_t_url_decode_uni,          1, 0,  false),
  ROW(UTF8_TO_UNICODE,      "utf8toUnicode",      AWS_PAGE, mm__waf_t_utf8_to_unicode,         3, 0,  false),
  ROW(REMOVE_WHITESPACE,    "removeWhitespace",   AWS_PAGE, mm__waf_t_remove_whitespace,       1, 0,  true),
  ROW(TRIM,                 "trim",               AWS_PAGE, mm__waf_t_trim,                    1, 0,  true),
  ROW(TRIM_LEFT,            "trimLeft",           AWS_PAGE, mm__waf_t_trim_left,               1, 0,  true),
  ROW(TRIM_RIGHT,           "trimRight",          AWS_PAGE, mm__waf_t_trim_right,              1, 0,  true),
  ROW(REMOVE_COMMENTS_CHAR, "removeCommentsChar", AWS_PAGE, mm__waf_t_remove_comments_char,    1, 0,  false),
  ROW(UPPERCASE,            "uppercase",          AWS_PAGE, mm__waf_t_uppercase,               1, 0,  true),
  ROW(CMD_LINE_WIN,         NULL,                 AWS_PAGE, mm__waf_t_cmd_line_win,            1, 0,  false),
  ROW(CMD_LINE_UNIX,        NULL,                 AWS_PAGE, mm__waf_t_cmd_line_unix,           1, 0,  false),
  ROW(JS_DECODE_EXT,        NULL,                 AWS_PAGE, mm__waf_t_js_decode_ext,           1, 0,  false),
  ROW(SHA256,               NULL,                 AWS_PAGE " ; FIPS 180-4", mm__waf_t_sha256,  0, MM__WAF_SHA256_LEN, false),
};
/* clang-format on */

int mm__waf_transform_lookup(mm_str name, mm__waf_transform_type *type) {
  for (size_t i = 0; i < MM__WAF_T_COUNT; i++) {
    if (mm_str_eq(name, mm_str_from(mm__waf_transforms[i].aws_name))) {
      *type = (mm__waf_transform_type)i;
      return MM_OK;
    }
  }
  return MM_ENOENT;
}

const char *mm__waf_transform_name(mm__waf_transform_type type) {
  return (unsigned)type < MM__WAF_T_COUNT ? mm__waf_transforms[type].aws_name : "?";
}

bool mm__waf_transform_bound(mm__waf_transform_type type, size_t n, size_t *bound) {
  const mm__waf_transform_def *d = &mm__waf_transforms[type];
  if (d->grow && n > (SIZE_MAX - d->fixed) / d->grow) return false;
  *bound = n * d->grow + d->fixed;
  return true;
}

/* ---- chains ---------------------------------------------------------------- */

void mm__waf_chain_init(mm__waf_chain *c) { c->count = 0; }

/* Index where priority belongs in c's sorted steps, or -1 when taken. */
static long chain_slot(const mm__waf_chain *c, uint32_t priority) {
  size_t i = 0;
  while (i < c->count && c->steps[i].priority < priority) i++;
  if (i < c->count && c->steps[i].priority == priority) return -1;
  return (long)i;
}

int mm__waf_chain_add(mm__waf_chain *c, uint32_t priority, mm__waf_transform_type type,
                      mm_error *err) {
  if ((unsigned)type >= MM__WAF_T_COUNT)
    return mm_error_set(err, MM_EINVAL, "unknown text transformation type %d", (int)type);
  if (c->count >= MM_WAF_MAX_TEXT_TRANSFORMATIONS)
    return mm_error_set(err, MM_ELIMIT, "more than %d text transformations",
                        MM_WAF_MAX_TEXT_TRANSFORMATIONS);
  long at = chain_slot(c, priority);
  if (at < 0)
    return mm_error_set(err, MM_EINVAL,
                        "text transformation priority %u is used twice; priorities must all be "
                        "different",
                        (unsigned)priority);
  memmove(&c->steps[at + 1], &c->steps[at], (c->count - (size_t)at) * sizeof c->steps[0]);
  c->steps[at] = (mm__waf_chain_step){priority, type};
  c->count++;
  return MM_OK;
}

int mm__waf_chain_add_name(mm__waf_chain *c, uint32_t priority, mm_str name, mm_error *err) {
  mm__waf_transform_type type;
  if (mm__waf_transform_lookup(name, &type) != MM_OK)
    return mm_error_set(err, MM_ENOENT, "unknown text transformation type \"%.*s\"",
                        (int)(name.len > 64 ? 64 : name.len), name.ptr ? name.ptr : "");
  return mm__waf_chain_add(c, priority, type, err);
}

/* ---- chains from JSON (the WAFv2 API shape) ------------------------------------ */

/* Fail with code and a message, pointing err->path at path[i] + member. */
static int json_fail(mm__waf_chain *c, mm_error *err, int code, const char *path, size_t i,
                     const char *member, const char *what) {
  char where[MM_ERROR_PATH_MAX];
  snprintf(where, sizeof where, "%s[%zu]%s%s", path ? path : "$", i, member ? "." : "",
           member ? member : "");
  mm__waf_chain_init(c);
  mm_error_set(err, code, "%s: %s", where, what);
  mm_error_set_path(err, where);
  return code;
}

/* One {"Priority": n, "Type": "NAME"} object into *priority and *type. */
static int json_step(mm__waf_chain *c, const mm_json_value *v, const char *path, size_t i,
                     uint32_t *priority, mm__waf_transform_type *type, mm_error *err) {
  if (!mm_json_is_object(v)) return json_fail(c, err, MM_ETYPE, path, i, NULL, "not an object");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *m;
  while (mm_json_iter_next(&it, &k, &m)) {
    mm_str name = mm_json_get_str(k);
    if (!mm_str_eq(name, MM_STR("Priority")) && !mm_str_eq(name, MM_STR("Type")))
      return json_fail(c, err, MM_ESYNTAX, path, i, mm_json_str(k), "unknown member");
  }
  const mm_json_value *p = mm_json_get(v, "Priority"), *t = mm_json_get(v, "Type");
  uint64_t prio;
  if (!p) return json_fail(c, err, MM_ESYNTAX, path, i, "Priority", "missing");
  if (!t) return json_fail(c, err, MM_ESYNTAX, path, i, "Type", "missing");
  int rc = mm_json_get_uint64(p, &prio);
  if (rc == MM_ETYPE) return json_fail(c, err, MM_ETYPE, path, i, "Priority", "not a number");
  if (rc != MM_OK || prio > INT32_MAX)
    return json_fail(c, err, MM_ERANGE, path, i, "Priority", "not an integer from 0 to 2147483647");
  if (!mm_json_is_string(t)) return json_fail(c, err, MM_ETYPE, path, i, "Type", "not a string");
  if (mm__waf_transform_lookup(mm_json_get_str(t), type) != MM_OK)
    return json_fail(c, err, MM_ENOENT, path, i, "Type", "unknown text transformation type");
  *priority = (uint32_t)prio;
  return MM_OK;
}

int mm__waf_chain_from_json(mm__waf_chain *c, const mm_json_value *array, const char *path,
                            mm_error *err) {
  mm__waf_chain_init(c);
  if (!mm_json_is_array(array)) {
    mm_error_set(err, MM_ETYPE, "%s: TextTransformations is not an array", path ? path : "$");
    mm_error_set_path(err, path ? path : "$");
    return MM_ETYPE;
  }
  mm_json_iter it = mm_json_iter_init(array);
  const mm_json_value *v;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &v); i++) {
    uint32_t priority;
    mm__waf_transform_type type;
    int rc = json_step(c, v, path, i, &priority, &type, err);
    if (rc != MM_OK) return rc;
    if (c->count >= MM_WAF_MAX_TEXT_TRANSFORMATIONS) {
      char msg[80];
      snprintf(msg, sizeof msg, "more than %d text transformations (AWS WAF quota)",
               MM_WAF_MAX_TEXT_TRANSFORMATIONS);
      return json_fail(c, err, MM_ELIMIT, path, i, NULL, msg);
    }
    if (mm__waf_chain_add(c, priority, type, NULL) != MM_OK)
      return json_fail(c, err, MM_EINVAL, path, i, "Priority",
                       "priority used twice; priorities must all be different");
  }
  return MM_OK;
}

/* ---- scratch buffers and application --------------------------------------- */

void mm__waf_scratch_init(mm__waf_scratch *s) { memset(s, 0, sizeof *s); }

void mm__waf_scratch_free(mm__waf_scratch *s) {
  mm_free(s->buf[0]);
  mm_free(s->buf[1]);
  mm__waf_scratch_init(s);
}

/* Make s->buf[i] hold at least need bytes. Grows geometrically (from 256)
 * so that a stream of slightly larger fields does not realloc each time. */
static int scratch_reserve(mm__waf_scratch *s, int i, size_t need) {
  if (need <= s->cap[i]) return MM_OK;
  size_t cap = s->cap[i] ? s->cap[i] : 256;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *p = mm_realloc(s->buf[i], cap);
  if (!p) return MM_ENOMEM;
  s->buf[i] = p;
  s->cap[i] = cap;
  return MM_OK;
}

/* Run one step from *cur into scratch buffer i; *cur becomes the result. */
static int run_step(mm__waf_transform_type type, mm_str *cur, mm__waf_scratch *s, int i) {
  const mm__waf_transform_def *d = &mm__waf_transforms[type];
  size_t need;
  if (!d->fn) return MM_OK; /* NONE */
  if (!mm__waf_transform_bound(type, cur->len, &need) || need > MM_WAF_MAX_TRANSFORM_BYTES)
    return MM_ELIMIT;
  int rc = scratch_reserve(s, i, need ? need : 1);
  if (rc != MM_OK) return rc;
  size_t n = d->fn(*cur, s->buf[i]);
  *cur = (mm_str){(const char *)s->buf[i], n};
  return MM_OK;
}

int mm__waf_transform_apply(mm__waf_transform_type type, mm_str in, mm__waf_scratch *s,
                            mm_str *out) {
  if ((unsigned)type >= MM__WAF_T_COUNT) return MM_EINVAL;
  mm_str cur = in;
  int rc = run_step(type, &cur, s, 0);
  if (rc == MM_OK) *out = cur;
  return rc;
}

int mm__waf_chain_apply(const mm__waf_chain *c, mm_str in, mm__waf_scratch *s, mm_str *out) {
  mm_str cur = in;
  int next = 0; /* the buffer the next real step writes; never the one it reads */
  for (size_t k = 0; k < c->count; k++) {
    mm__waf_transform_type type = c->steps[k].type;
    if ((unsigned)type >= MM__WAF_T_COUNT) return MM_EINVAL;
    if (!mm__waf_transforms[type].fn) continue;
    int rc = run_step(type, &cur, s, next);
    if (rc != MM_OK) return rc;
    next ^= 1;
  }
  *out = cur;
  return MM_OK;
}
