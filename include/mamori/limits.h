/*
 * mamori/limits.h - every limit of the core modules, named, with why that
 * number (STYLE.md 6, SQLite's sqliteLimit.h). Each is a default that a
 * build may override (-DMM_JSON_MAX_DEPTH=...) and that the code checks at
 * run time; where an options struct carries a limit, 0 there means "this
 * default". Engines keep their own limits in their own headers.
 */
#ifndef MAMORI_LIMITS_H
#define MAMORI_LIMITS_H

/* ---- json ---------------------------------------------------------------- */

/* Nesting depth of arrays and objects. 512 is far beyond any AWS document
 * (IAM policies and WebACLs nest < 20 levels; CloudTrail < 15) and keeps a
 * recursive consumer of the DOM within a small stack. */
#ifndef MM_JSON_MAX_DEPTH
#define MM_JSON_MAX_DEPTH 512
#endif

/* Largest document accepted in one piece: 1 GiB. CloudTrail files are
 * < 100 MB uncompressed; anything larger should be streamed record by record. */
#ifndef MM_JSON_MAX_SIZE
#define MM_JSON_MAX_SIZE ((size_t)1 << 30)
#endif

/* Largest single value the streaming reader buffers (one CloudTrail record,
 * one JSON Lines line): 64 MiB. AWS caps a CloudTrail event at 256 KB. */
#ifndef MM_JSON_MAX_RECORD
#define MM_JSON_MAX_RECORD ((size_t)64 << 20)
#endif

/* ---- ip ------------------------------------------------------------------ */

/* Prefixes in one mm_ipset: 16 Mi. GuardDuty threat lists hold 250,000
 * entries each; WAF IP sets 10,000; this leaves room for many lists merged. */
#ifndef MM_IPSET_MAX_PREFIXES
#define MM_IPSET_MAX_PREFIXES ((size_t)16 << 20)
#endif

/* ---- glob ---------------------------------------------------------------- */

/* Pattern length: 64 KiB. IAM's largest policy is 10,240 characters, so no
 * AWS pattern comes near; the cap bounds the matcher's state. */
#ifndef MM_GLOB_MAX_PATTERN
#define MM_GLOB_MAX_PATTERN ((size_t)64 << 10)
#endif

/* ---- time ---------------------------------------------------------------- */

/* Years accepted by the time parser: 0001-9999, ISO 8601's four-digit range
 * without expansion. Epoch values are limited to the same range. */
#ifndef MM_TIME_MIN_YEAR
#define MM_TIME_MIN_YEAR 1
#endif
#ifndef MM_TIME_MAX_YEAR
#define MM_TIME_MAX_YEAR 9999
#endif

#endif /* MAMORI_LIMITS_H */
