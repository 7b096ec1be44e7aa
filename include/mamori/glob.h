/*
 * mamori/glob.h - AWS-style wildcard matching: `*` and `?`, in the dialects
 * of IAM (StringLike, Action/Resource, ArnLike), S3 and EventBridge.
 *
 * Syntax. `*` matches any run of characters, including none; `?` matches
 * exactly one character; every other character matches itself. Flags pick a
 * dialect:
 *
 *   MM_GLOB_NOCASE       ASCII letters match either case (IAM Action and
 *                        NotAction names); other bytes compare exactly
 *   MM_GLOB_NO_QMARK     `?` is an ordinary character (EventBridge)
 *   MM_GLOB_ESCAPE       `\*` is a literal `*`, `\\` a literal `\` and, unless
 *                        MM_GLOB_NO_QMARK, `\?` a literal `?`; a `\` before
 *                        anything else, or at the end, is a syntax error
 *   MM_GLOB_NO_STARSTAR  two consecutive `*` are a syntax error (EventBridge;
 *                        elsewhere `**` means the same as `*`)
 *   MM_GLOB_ARN          IAM ArnLike: pattern and text are each split into
 *                        six components on their first five `:`, and each
 *                        component is matched separately, so no wildcard
 *                        crosses one of those colons; the sixth (resource)
 *                        component keeps any further `:` or `/` as ordinary
 *                        characters. A text with fewer than six components
 *                        matches nothing, and so does a pattern with fewer;
 *                        the exception is a pattern made only of `*`, which
 *                        matches everything (the Resource element's "*").
 *
 * Characters. `?` matches one character, where text and pattern are read
 * as UTF-8: a well-formed sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) is one character, and any byte that
 * is not part of one is a character by itself. Wildcards never split a
 * character: `*` and `?` consume whole characters, and a literal matches
 * only where the text's characters line up with the pattern's. Case folding
 * is ASCII only, as in AWS.
 *
 * Complexity. For a text of n bytes and a pattern of m bytes, matching a
 * compiled pattern takes O(m + n * ceil(L / 64)) time and no allocation,
 * where L is the length, in characters, of the longest segment that lies
 * between two `*` (L <= 64 gives O(m + n)): the segment before the first
 * `*` is compared at the start of the text, the one after the last `*` at
 * the end, and each segment between two `*` is found by a greedy leftmost
 * search (which is exact for `*`) that resumes where the previous one ended,
 * so the text is scanned once. A case-sensitive segment without `?` is found
 * with memmem (glibc's is linear), a one-character segment by comparing
 * each text character, the others with the bit-parallel Shift-And
 * algorithm, one 64-bit word per 64 characters of the segment,
 * plus, for each non-ASCII text character, a binary search among the
 * segment's distinct non-ASCII literal characters. Patterns such as
 * `a*a*a*a*a*b` cannot make it backtrack. Fast paths: no wildcard
 * (equality), `*` alone, `prefix*`, `*suffix` and `*infix*`.
 *
 * Where each AWS engine stands:
 *   IAM StringLike, Resource, S3 policies   0 (`*`, `?`, case-sensitive)
 *   IAM Action / NotAction                  MM_GLOB_NOCASE
 *   IAM ArnLike / ArnEquals                 MM_GLOB_ARN
 *   EventBridge "wildcard"                  MM_GLOB_EVENTBRIDGE
 * Pages: docs/core/glob.md.
 */
#ifndef MAMORI_GLOB_H
#define MAMORI_GLOB_H

#include "mamori/common.h"
#include "mamori/arena.h"
#include "mamori/error.h"
#include "mamori/limits.h"
#include "mamori/str.h"

enum {
  MM_GLOB_NOCASE = 1u << 0,      /* ASCII case-insensitive */
  MM_GLOB_NO_QMARK = 1u << 1,    /* `?` is literal */
  MM_GLOB_ESCAPE = 1u << 2,      /* backslash escapes `*`, `\` (and `?`) */
  MM_GLOB_NO_STARSTAR = 1u << 3, /* `**` is a syntax error */
  MM_GLOB_ARN = 1u << 4,         /* six colon-separated components, each on its own */
};

/* Every flag; any other bit makes compile fail with MM_EINVAL. */
#define MM_GLOB_ALL_FLAGS 0x1fu

/* Dialects (see the table above). */
#define MM_GLOB_IAM         0u
#define MM_GLOB_IAM_ACTION  MM_GLOB_NOCASE
#define MM_GLOB_IAM_ARN     MM_GLOB_ARN
#define MM_GLOB_EVENTBRIDGE (MM_GLOB_NO_QMARK | MM_GLOB_ESCAPE | MM_GLOB_NO_STARSTAR)

/* A compiled pattern: immutable, safe to match from any number of threads. */
typedef struct mm_glob mm_glob;

/* Compile pattern for repeated matching. The compiled form is one block of
 * memory: taken from arena when arena is not NULL (it then lives as long as
 * the arena, and mm_glob_free does nothing), otherwise from mm_malloc (the
 * caller owns it and releases it with mm_glob_free). Returns NULL and fills
 * err (may be NULL) on failure: MM_EINVAL (unknown flag), MM_ELIMIT (pattern
 * longer than MM_GLOB_MAX_PATTERN), MM_ESYNTAX (bad escape, `**` with
 * MM_GLOB_NO_STARSTAR; err->offset is the offending byte) or MM_ENOMEM. */
MM_API mm_glob *mm_glob_compile(mm_str pattern, unsigned flags, mm_arena *arena, mm_error *err);

/* Release a pattern compiled without an arena; NULL and arena-owned
 * patterns are ignored. */
MM_API void mm_glob_free(mm_glob *g);

/* Does text match the whole compiled pattern? Never allocates. */
MM_API bool mm_glob_matches(const mm_glob *g, mm_str text);

/* The flags the pattern was compiled with. */
MM_API unsigned mm_glob_flags(const mm_glob *g);

/* One-shot: compile (on the stack when the compiled form fits in 4 KiB,
 * else on the heap), match, release. Returns 1 (match), 0 (no match), or a
 * negative mm_status as mm_glob_compile would fail with. */
MM_API int mm_glob_match(mm_str pattern, mm_str text, unsigned flags);

/* Check pattern's syntax under flags without compiling it: MM_OK, or the
 * error mm_glob_compile would report (never MM_ENOMEM). */
MM_API int mm_glob_validate(mm_str pattern, unsigned flags, mm_error *err);

#endif /* MAMORI_GLOB_H */
