/*
 * mamori/json.h - JSON (RFC 8259): a strict parser into an immutable DOM, a
 * writer, and a streaming reader for JSON Lines, CloudTrail files and gzip.
 *
 * Parsing. mm_json_parse() (or mm_json_doc_parse() on a reused document)
 * turns text into a tree of mm_json_value nodes that all live in one
 * document (or one caller arena, mm_json_parse_arena). The parser is strict:
 * UTF-8 is validated, no comments, trailing commas, NaN/Infinity, leading
 * zeros or raw control characters. Nesting depth and document size are
 * limited (mamori/limits.h, overridable per call). It does not recurse, so a
 * nesting bomb fails with MM_ELIMIT on the depth limit, never on the stack.
 * The tree is immutable once parse returns: any number of threads may read
 * it at once; nothing is computed lazily.
 *
 * Choices (docs/core/json.md explains each):
 *  - duplicate object keys are all kept, in document order; mm_json_get
 *    returns the LAST one (as JavaScript, Python and Go do).
 *    MM_JSON_REJECT_DUPLICATES makes a duplicate a syntax error instead;
 *  - a lone surrogate escape ("\ud800") becomes U+FFFD, so the string stays
 *    valid UTF-8 and the record is not lost;
 *    MM_JSON_REJECT_LONE_SURROGATES rejects it (MM_EUTF8) instead;
 *  - numbers keep their raw text; an integer that fits int64 (or uint64) is
 *    kept exactly; every number also has a correctly rounded double. A number
 *    beyond double's range (1e400) is accepted: its raw text is kept and
 *    mm_json_get_double reports MM_ERANGE with +-HUGE_VAL. Underflow (1e-400)
 *    rounds to 0 (or a subnormal), which is the correctly rounded value;
 *  - a leading UTF-8 byte order mark is skipped (RFC 8259 section 8.1 allows
 *    it) unless MM_JSON_REJECT_BOM.
 *
 * Every accessor accepts NULL and then returns the "absent" answer (type
 * MM_JSON_INVALID, length 0, NULL), so lookups chain without checks:
 *   mm_json_str(mm_json_get(mm_json_get(rec, "userIdentity"), "arn"))
 *
 * Writing. mm_json_write serializes a tree (compact or pretty); the
 * mm_json_writer emits JSON piece by piece into an mm_buf; and
 * mm_json_append_string escapes one string. Output is always valid UTF-8:
 * an invalid byte sequence in a string is written as U+FFFD.
 *
 * Streaming. mm_json_reader yields one value at a time from a path, a file
 * descriptor, a FILE* or memory, gzip or not, in chunks, never holding more
 * than one record (MM_JSON_MAX_RECORD) plus a read chunk in memory.
 */
#ifndef MAMORI_JSON_H
#define MAMORI_JSON_H

#include "mamori/arena.h"
#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/limits.h"
#include "mamori/str.h"

#include <stdio.h>

/* ---- types ---------------------------------------------------------------- */

typedef enum mm_json_type {
  MM_JSON_INVALID = 0, /* what accessors report for a NULL value */
  MM_JSON_NULL = 1,
  MM_JSON_BOOL = 2,
  MM_JSON_NUMBER = 3,
  MM_JSON_STRING = 4,
  MM_JSON_ARRAY = 5,
  MM_JSON_OBJECT = 6
} mm_json_type;

/* One node of a parsed tree. Opaque: read it through the functions below.
 * Valid until its document is parsed into again or freed (or its arena is
 * reset or destroyed). */
typedef struct mm_json_value mm_json_value;

/* A parsed document: owns the tree and every string in it. Reusable: parsing
 * into it again recycles its memory (the previous tree is then invalid). */
typedef struct mm_json_doc mm_json_doc;

/* Option flags (mm_json_options.flags). */
#define MM_JSON_REJECT_DUPLICATES      0x1u /* duplicate key: MM_ESYNTAX */
#define MM_JSON_REJECT_LONE_SURROGATES 0x2u /* "\ud800" alone: MM_EUTF8 */
#define MM_JSON_REJECT_BOM             0x4u /* leading UTF-8 BOM: MM_ESYNTAX */

/* Per-call options; NULL, or 0 in a field, means the default. */
typedef struct mm_json_options {
  size_t max_depth;  /* nesting of arrays/objects; 0 = MM_JSON_MAX_DEPTH */
  size_t max_size;   /* bytes of one document; 0 = MM_JSON_MAX_SIZE; capped at 4 GiB - 1 */
  size_t max_record; /* reader: bytes of one record; 0 = MM_JSON_MAX_RECORD */
  unsigned flags;    /* MM_JSON_REJECT_* */
} mm_json_options;

/* ---- parsing ---------------------------------------------------------------- */

/* A new, empty document (root NULL), or NULL when memory runs out. */
MM_API mm_json_doc *mm_json_doc_new(void);
/* Free doc and its tree (NULL is fine). */
MM_API void mm_json_doc_free(mm_json_doc *doc);
/* Parse text[0..len) into doc, replacing its previous tree and reusing its
 * memory (the way to parse many documents fast). text is copied: the caller
 * may free it afterwards. Returns MM_OK, or fills err (code, message, byte
 * offset, line, column) and returns MM_ESYNTAX, MM_EUTF8, MM_ETRUNC,
 * MM_ELIMIT or MM_ENOMEM; on failure doc's root is NULL. */
MM_API int mm_json_doc_parse(mm_json_doc *doc, const char *text, size_t len,
                             const mm_json_options *opt, mm_error *err);
/* The root value of doc's last successful parse, or NULL. */
MM_API const mm_json_value *mm_json_doc_root(const mm_json_doc *doc);
/* One-shot: a new document holding text's tree, or NULL with err filled.
 * Free it with mm_json_doc_free. */
MM_API mm_json_doc *mm_json_parse(const char *text, size_t len, const mm_json_options *opt,
                                  mm_error *err);
/* Parse into the caller's arena: the tree lives until a is reset or
 * destroyed. Returns the root, or NULL with err filled (the arena may then
 * hold garbage, which its reset frees). */
MM_API const mm_json_value *mm_json_parse_arena(mm_arena *a, const char *text, size_t len,
                                                const mm_json_options *opt, mm_error *err);

/* ---- reading a tree ------------------------------------------------------- */

MM_API mm_json_type mm_json_type_of(const mm_json_value *v);
/* A lower-case name for a type ("object"); never NULL. */
MM_API const char *mm_json_type_name(mm_json_type t);
MM_API bool mm_json_is_null(const mm_json_value *v);
MM_API bool mm_json_is_bool(const mm_json_value *v);
MM_API bool mm_json_is_true(const mm_json_value *v); /* the literal true */
MM_API bool mm_json_is_number(const mm_json_value *v);
MM_API bool mm_json_is_string(const mm_json_value *v);
MM_API bool mm_json_is_array(const mm_json_value *v);
MM_API bool mm_json_is_object(const mm_json_value *v);

/* String: its length in bytes. Array: its elements. Object: its members
 * (duplicates counted). Anything else: 0. */
MM_API size_t mm_json_len(const mm_json_value *v);
/* A string's unescaped UTF-8 bytes, NUL-terminated for convenience (it may
 * also contain NUL: use mm_json_len or mm_json_get_str for the length).
 * NULL when v is not a string. Owned by the document. */
MM_API const char *mm_json_str(const mm_json_value *v);
/* The same as a slice; {NULL, 0} when v is not a string. */
MM_API mm_str mm_json_get_str(const mm_json_value *v);

/* A number's text exactly as written in the input ("1.50e3"); {NULL, 0}
 * when v is not a number. */
MM_API mm_str mm_json_number_raw(const mm_json_value *v);
/* MM_OK and *out when v is an integer (no fraction or exponent in its text)
 * that fits; MM_ERANGE when it is a number that does not (1.5, 1e3, 2^63);
 * MM_ETYPE when v is not a number. */
MM_API int mm_json_get_int64(const mm_json_value *v, int64_t *out);
MM_API int mm_json_get_uint64(const mm_json_value *v, uint64_t *out);
/* MM_OK and the correctly rounded double; MM_ERANGE and +-HUGE_VAL when the
 * number lies beyond double's range; MM_ETYPE when v is not a number. */
MM_API int mm_json_get_double(const mm_json_value *v, double *out);

/* Element index of an array, or NULL (out of range, not an array). O(index):
 * to visit every element, iterate instead. */
MM_API const mm_json_value *mm_json_at(const mm_json_value *array, size_t index);
/* The value of the LAST member named key (NUL-terminated), or NULL. Objects
 * with MM_JSON_INDEX_MIN or more members are hashed at parse time: O(1);
 * smaller ones are scanned. */
MM_API const mm_json_value *mm_json_get(const mm_json_value *object, const char *key);
/* As mm_json_get with a length (the key may contain NUL). */
MM_API const mm_json_value *mm_json_getn(const mm_json_value *object, const char *key, size_t len);

/* Walk an array's elements or an object's members in document order:
 *   mm_json_iter it = mm_json_iter_init(obj);
 *   const mm_json_value *k, *v;
 *   while (mm_json_iter_next(&it, &k, &v)) ...
 * For an object, *key is the member name (a string value); for an array
 * *key is NULL. Anything else iterates zero times. */
typedef struct mm_json_iter {
  const mm_json_value *next; /* next element or key; borrowed */
  size_t left;               /* elements or members not yet returned */
  bool object;               /* iterating an object's members */
} mm_json_iter;
MM_API mm_json_iter mm_json_iter_init(const mm_json_value *container);
/* false when done; key and val may be NULL when not wanted. */
MM_API bool mm_json_iter_next(mm_json_iter *it, const mm_json_value **key,
                              const mm_json_value **val);

/* Deep equality: same types, same string bytes, same number TEXT (so 1.0 and
 * 1 differ: this is the lossless identity the round-trip tests need), same
 * elements, same members in the same order. Two NULLs are equal. */
MM_API bool mm_json_equal(const mm_json_value *a, const mm_json_value *b);

/* ---- writing ---------------------------------------------------------------- */

#define MM_JSON_WRITE_PRETTY 0x1u /* newlines and two-space indentation */

/* Append v serialized to out. Numbers are written as their raw text, so
 * parse -> write is lossless and write is deterministic. MM_OK, MM_EINVAL
 * (v NULL) or MM_ENOMEM (out->oom is then set). Does not recurse. */
MM_API int mm_json_write(mm_buf *out, const mm_json_value *v, unsigned flags);
/* Append s[0..len) as a JSON string, quotes included: '"' and '\\' escaped,
 * \b \f \n \r \t short, other control characters as \u00XX, invalid UTF-8
 * as U+FFFD; everything else verbatim. MM_OK or MM_ENOMEM. */
MM_API int mm_json_append_string(mm_buf *out, const char *s, size_t len);
/* The same without the quotes (to build a string from several pieces). */
MM_API int mm_json_append_escaped(mm_buf *out, const char *s, size_t len);
/* Append the shortest text that parses back to exactly d ("0.1", "1e+300",
 * "-0"), locale-independent. MM_ERANGE for NaN and infinities, which JSON
 * cannot represent: "null" is appended instead. */
MM_API int mm_json_append_double(mm_buf *out, double d);

/* A streaming writer: emits JSON into an mm_buf piece by piece, inserting
 * commas, colons and (MM_JSON_WRITE_PRETTY) indentation. Misuse (a value
 * where a key is due, an unbalanced end, nesting past MM_JSON_MAX_DEPTH)
 * makes the writer fail with MM_EINVAL from then on; out of memory likewise
 * with MM_ENOMEM. Each call returns the writer's status, so a caller may
 * check every call or only mm_json_writer_finish. */
typedef struct mm_json_writer {
  mm_buf *out;     /* borrowed; appended to */
  unsigned flags;  /* MM_JSON_WRITE_* */
  int status;      /* MM_OK until the first failure, then sticky */
  uint32_t depth;  /* open arrays/objects */
  bool need_comma; /* the current container already has an element */
  bool after_key;  /* a key was written; its value is due */
  bool done;       /* a complete top-level value was written */
  uint64_t object_bits[(MM_JSON_MAX_DEPTH + 63) / 64]; /* bit d: level d is an object */
  uint64_t comma_bits[(MM_JSON_MAX_DEPTH + 63) / 64];  /* need_comma saved per level */
} mm_json_writer;

MM_API void mm_json_writer_init(mm_json_writer *w, mm_buf *out, unsigned flags);
MM_API int mm_json_write_object_begin(mm_json_writer *w);
MM_API int mm_json_write_object_end(mm_json_writer *w);
MM_API int mm_json_write_array_begin(mm_json_writer *w);
MM_API int mm_json_write_array_end(mm_json_writer *w);
/* A member name; only inside an object, where a name is due. */
MM_API int mm_json_write_key(mm_json_writer *w, const char *s, size_t len);
MM_API int mm_json_write_string(mm_json_writer *w, const char *s, size_t len);
MM_API int mm_json_write_int64(mm_json_writer *w, int64_t i);
MM_API int mm_json_write_uint64(mm_json_writer *w, uint64_t u);
/* Shortest round-trip form; NaN/infinity are written as null (MM_ERANGE is
 * returned but the writer stays usable). */
MM_API int mm_json_write_double(mm_json_writer *w, double d);
MM_API int mm_json_write_bool(mm_json_writer *w, bool b);
MM_API int mm_json_write_null(mm_json_writer *w);
/* json[0..len) verbatim as one value; the caller vouches that it is valid
 * JSON. */
MM_API int mm_json_write_raw(mm_json_writer *w, const char *json, size_t len);
/* A parsed value (a whole subtree). */
MM_API int mm_json_write_dom(mm_json_writer *w, const mm_json_value *v);
/* MM_OK when exactly one complete value was written and nothing failed;
 * otherwise the failure, or MM_EINVAL for an unfinished value. */
MM_API int mm_json_writer_finish(const mm_json_writer *w);

/* ---- streaming reader --------------------------------------------------------- */

typedef enum mm_json_stream_mode {
  /* A sequence of values separated by whitespace. A top-level array and a
   * {"Records":[...]} wrapper (CloudTrail) yield their elements; other
   * values are yielded whole. When the first line starts with '{' and ends
   * with '}' (one object per line), the input is read as JSON Lines from
   * there on, so that an error resumes at the next line. */
  MM_JSON_STREAM_AUTO = 0,
  /* JSON Lines: one value per line, blank lines skipped; a bad line is
   * reported and reading goes on with the next line. */
  MM_JSON_STREAM_LINES = 1,
  /* Exactly one value (still bounded by max_record). */
  MM_JSON_STREAM_DOCUMENT = 2,
  /* CloudTrail: the elements of {"Records":[...]} or of a top-level array. */
  MM_JSON_STREAM_RECORDS = 3
} mm_json_stream_mode;

/* One value yielded by the reader and where it starts in the input (the
 * decompressed input for gzip). */
typedef struct mm_json_record {
  const mm_json_value *value; /* valid until the next call or close */
  uint64_t index;             /* 0-based count of records yielded before */
  uint64_t offset;            /* byte offset of its first byte */
  uint64_t line;              /* 1-based line of its first byte */
  uint32_t column;            /* 1-based column (bytes) of its first byte */
} mm_json_record;

typedef struct mm_json_reader mm_json_reader;

/* Open a reader. Gzip input (magic 1f 8b, including concatenated members) is
 * decompressed transparently. Returns NULL with err filled (MM_EIO for an
 * unopenable path, MM_ENOMEM). opt may be NULL; it is copied. */
MM_API mm_json_reader *mm_json_reader_open_path(const char *path, mm_json_stream_mode mode,
                                                const mm_json_options *opt, mm_error *err);
/* fd is read with read(2) and not closed by the reader (0 = stdin). */
MM_API mm_json_reader *mm_json_reader_open_fd(int fd, mm_json_stream_mode mode,
                                              const mm_json_options *opt, mm_error *err);
/* f is read with fread and not closed by the reader. */
MM_API mm_json_reader *mm_json_reader_open_file(FILE *f, mm_json_stream_mode mode,
                                                const mm_json_options *opt, mm_error *err);
/* data[0..len) is borrowed (not copied) and must outlive the reader. */
MM_API mm_json_reader *mm_json_reader_open_mem(const void *data, size_t len,
                                               mm_json_stream_mode mode, const mm_json_options *opt,
                                               mm_error *err);
/* The next value:
 *  - MM_OK: *rec is filled;
 *  - MM_EOF: the input is exhausted (and stays so);
 *  - another status: err says what and where (line and column of the input,
 *    offset in the input). The reader has skipped the bad record when it can
 *    tell where it ends (a JSON Lines line, an element of a well-formed
 *    array): call again to go on. When it cannot (truncated gzip, truncated
 *    array, I/O error), the next call returns MM_EOF.
 * Loop: while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) ... */
MM_API int mm_json_reader_next(mm_json_reader *r, mm_json_record *rec, mm_error *err);
/* Close the reader (and the file it opened itself, for open_path). */
MM_API void mm_json_reader_close(mm_json_reader *r);

#endif /* MAMORI_JSON_H */
