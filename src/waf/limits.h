/*
 * waf/limits.h - every limit of the WAF engine, named, with why that number
 * (STYLE.md 6). Each is a default a build may override (-DMM_WAF_...=n) and
 * that the code checks at run time. The core modules' limits are in
 * include/mamori/limits.h; this header stays internal until the public
 * include/mamori/waf.h lands.
 */
#ifndef MM_WAF_LIMITS_H
#define MM_WAF_LIMITS_H

/* ---- text transformations ------------------------------------------------ */

/* Text transformations in one statement's TextTransformations list: 10.
 * AWS WAF's quota "Maximum text transformations per rule statement" is 10
 * (AWS WAF Developer Guide, "AWS WAF quotas", waf-limits.html), and each one
 * costs 10 WCUs (waf-rule-statement-transformation.html). A WebACL with more
 * is rejected by AWS, so mamori rejects it too instead of guessing. */
#ifndef MM_WAF_MAX_TEXT_TRANSFORMATIONS
#define MM_WAF_MAX_TEXT_TRANSFORMATIONS 10
#endif

/* Largest buffer one transformation step may need: 64 MiB. Every
 * transformation's output is at most its input's length except
 * UTF8_TO_UNICODE (3 x: a 2-byte UTF-8 sequence becomes the 6 bytes
 * "%uHHHH") and the hashes (16 / 32 bytes). A field is at most the
 * body-inspection limit (AWS: 8-64 KB; mamori allows more) or a header
 * section, so 64 MiB leaves room for 3 x 16 MiB of input yet stops a chain
 * of growing steps from asking for gigabytes. */
#ifndef MM_WAF_MAX_TRANSFORM_BYTES
#define MM_WAF_MAX_TRANSFORM_BYTES ((size_t)64 << 20)
#endif

#endif /* MM_WAF_LIMITS_H */
