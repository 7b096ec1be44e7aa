/*
 * mamori/common.h - what every public header needs: the export macro, the
 * MM_UNITTEST tier and a few attribute helpers.
 *
 * Three tiers of names (STYLE.md 1): mm_* public and marked MM_API; mm__*
 * shared between the files of one module (hidden, never in include/); static
 * for the rest. Functions that tests reach directly without exporting them
 * are MM_UNITTEST: static in the shipped build, external when MM_TESTING.
 */
#ifndef MAMORI_COMMON_H
#define MAMORI_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if defined(MM_BUILDING) && defined(__GNUC__)
#define MM_API __attribute__((visibility("default")))
#else
#define MM_API
#endif

#ifdef MM_TESTING
#define MM_UNITTEST
#else
#define MM_UNITTEST static
#endif

#if defined(__GNUC__)
#define MM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MM_LIKELY(x)         __builtin_expect(!!(x), 1)
#define MM_UNLIKELY(x)       __builtin_expect(!!(x), 0)
#define MM_NODISCARD         __attribute__((warn_unused_result))
#else
#define MM_PRINTF(fmt, args)
#define MM_LIKELY(x)   (x)
#define MM_UNLIKELY(x) (x)
#define MM_NODISCARD
#endif

#define MM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* MAMORI_COMMON_H */
