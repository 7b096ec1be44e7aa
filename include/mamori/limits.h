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

/* Objects with at least this many members get a hash index at parse time
 * (O(1) lookup); smaller ones are scanned, which is faster below ~30 keys
 * (a CloudTrail record has ~20) and costs no memory. */
#ifndef MM_JSON_INDEX_MIN
#define MM_JSON_INDEX_MIN 32
#endif

/* Bytes the streaming reader asks the input (or zlib) for at a time: 256 KiB
 * amortizes read(2) and keeps the buffer in L2. */
#ifndef MM_JSON_READ_CHUNK
#define MM_JSON_READ_CHUNK ((size_t)256 << 10)
#endif

/* ---- ip ------------------------------------------------------------------ */

/* Prefixes and ranges in one mm_ipset: 16 Mi. GuardDuty threat lists hold
 * 250,000 entries each; WAF IP sets 10,000; this leaves room for many lists
 * merged. It also bounds memory: a builder holds 16 bytes per IPv4 entry and
 * 40 per IPv6 one; flattening yields at most 2 intervals per entry, kept in
 * 12 bytes (IPv4) or 40 bytes (IPv6) each, plus the direct index below. */
#ifndef MM_IPSET_MAX_PREFIXES
#define MM_IPSET_MAX_PREFIXES ((size_t)16 << 20)
#endif

/* Largest direct index of a compiled mm_ipset, in top address bits: 2^20 + 1
 * four-byte slots = 4 MiB per family at most. A set picks about
 * log2(intervals) bits, so a lookup is one index read and a binary search
 * over ~1-2 intervals. Measured on a million prefixes (docs/core/ip.md):
 * 2^16 and 2^18 buckets leave longer searches, 2^22 makes the index itself
 * miss the caches more; 2^20 was fastest. */
#ifndef MM_IPSET_INDEX_BITS
#define MM_IPSET_INDEX_BITS 20
#endif

/* ---- glob ---------------------------------------------------------------- */

/* Pattern length: 64 KiB. IAM's largest policy is 10,240 characters, so no
 * AWS pattern comes near; the cap bounds the matcher's state (one 64-bit
 * Shift-And word per 64 characters of a segment: 8 KiB of stack at most)
 * and a compiled pattern's size: about the pattern's length for literal
 * text, at worst ~130 bytes per pattern byte (8.5 MiB at this limit) for
 * patterns like `*a?*a?...`, each 3 bytes of which need a Shift-And table. */
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

/* Digits after the decimal point of a seconds value: 9 (nanoseconds), the
 * finest any AWS timestamp carries. mm_time keeps microseconds and truncates
 * the rest; a longer fraction is refused rather than silently cut. */
#ifndef MM_TIME_MAX_FRACTION_DIGITS
#define MM_TIME_MAX_FRACTION_DIGITS 9
#endif

#endif /* MAMORI_LIMITS_H */
