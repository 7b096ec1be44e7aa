/*
 * mamori/error.h - the project's one status enum and its error record.
 *
 * Functions that can fail return int (MM_OK = 0, otherwise a negative
 * mm_status) or NULL, and fill an optional mm_error *err: a status, a
 * message and, for parsed input, the byte offset, line and column, and a
 * JSON path when the error lies inside a JSON document. A status value's
 * meaning never changes once released (STYLE.md 3): add new ones at the end.
 */
#ifndef MAMORI_ERROR_H
#define MAMORI_ERROR_H

#include "mamori/common.h"
#include <stdarg.h>

/* X(name, value, description). Values are stable API. */
/* clang-format off */
#define MM_STATUS_MAP(X)                                              \
  X(OK,       0,  "success")                                          \
  X(ENOMEM,  -1,  "out of memory")                                    \
  X(EINVAL,  -2,  "invalid argument")                                 \
  X(ESYNTAX, -3,  "syntax error")                                     \
  X(ELIMIT,  -4,  "limit exceeded")                                   \
  X(EUTF8,   -5,  "invalid UTF-8")                                    \
  X(ETRUNC,  -6,  "unexpected end of input")                          \
  X(EIO,     -7,  "input/output error")                               \
  X(ERANGE,  -8,  "value out of range")                               \
  X(ENOENT,  -9,  "not found")                                        \
  X(ETYPE,   -10, "wrong type")                                       \
  X(EOF,     -11, "end of input")
/* clang-format on */

typedef enum mm_status {
#define MM__STATUS_ENUM(name, value, text) MM_##name = value,
  MM_STATUS_MAP(MM__STATUS_ENUM)
#undef MM__STATUS_ENUM
} mm_status;

#define MM_ERROR_MSG_MAX  256 /* a message longer than this is cut, not lost */
#define MM_ERROR_PATH_MAX 192 /* JSON path of the offending value, cut likewise */

typedef struct mm_error {
  int code;                     /* mm_status; MM_OK when nothing failed */
  size_t offset;                /* byte offset into the input; valid when line > 0 */
  uint32_t line;                /* 1-based line of the error; 0 = not from parsed text */
  uint32_t column;              /* 1-based column, in bytes, of the error */
  char path[MM_ERROR_PATH_MAX]; /* JSON path ("$.Statement[2].Effect") or "" */
  char msg[MM_ERROR_MSG_MAX];   /* human-readable, no trailing newline */
} mm_error;

/* Short text for a status ("syntax error"); never NULL. */
MM_API const char *mm_strerror(int status);
/* The status's name without prefix ("ESYNTAX"); never NULL. */
MM_API const char *mm_status_name(int status);

/* Clear err (may be NULL). */
MM_API void mm_error_clear(mm_error *err);
/* Fill err (may be NULL) with code and a formatted message; returns code. */
MM_API int mm_error_set(mm_error *err, int code, const char *fmt, ...) MM_PRINTF(3, 4);
/* As mm_error_set, and locate byte `offset` of text[0..len) as line and
 * column (1-based; columns count bytes). Returns code. */
MM_API int mm_error_at(mm_error *err, int code, const char *text, size_t len, size_t offset,
                       const char *fmt, ...) MM_PRINTF(6, 7);
/* Set err->path (may be NULL). */
MM_API void mm_error_set_path(mm_error *err, const char *path);
/* "line 3, column 7: msg" (or just msg) into buf; returns buf. */
MM_API const char *mm_error_format(const mm_error *err, char *buf, size_t size);

#endif /* MAMORI_ERROR_H */
