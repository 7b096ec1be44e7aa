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

/* ---- requests (request.c) ------------------------------------------------- */

/* Header lines in one request: 1,024. AWS WAF inspects the first 200
 * headers and applies OversizeHandling past them (Headers field, "the 8 KB
 * and 200-item limits"), so the parser must keep more than 200 to let the
 * evaluator see that a request is oversize; Apache's LimitRequestFields
 * default is 100 and nginx stops near 4 x 8 KB of headers, so no real
 * client sends 1,024. More is an attack on the parser: MM_ELIMIT. */
#ifndef MM_WAF_MAX_HEADERS
#define MM_WAF_MAX_HEADERS 1024
#endif

/* Bytes of one header line (name, colon, value): 64 KiB. Eight times AWS
 * WAF's 8 KB header inspection limit, so an oversize header still parses and
 * the evaluator applies OversizeHandling to it; web servers refuse far less
 * (Apache LimitRequestFieldSize 8,190, nginx 8 KB buffers). */
#ifndef MM_WAF_MAX_HEADER_LINE
#define MM_WAF_MAX_HEADER_LINE ((size_t)64 << 10)
#endif

/* Bytes of the whole header section (request line included): 1 MiB. Bounds
 * the work and the header array for one request whatever mix of lines it
 * has; 1,024 lines of 1 KiB each still fit. */
#ifndef MM_WAF_MAX_HEADER_SECTION
#define MM_WAF_MAX_HEADER_SECTION ((size_t)1 << 20)
#endif

/* Bytes of the request line: 256 KiB. CloudFront refuses URLs over 8,192
 * bytes and ALB over 16 KiB; 256 KiB keeps even hostile corpora's long
 * query strings (10,000 arguments) parseable for the evaluator's own
 * limits to judge, yet stays well inside the header section limit. */
#ifndef MM_WAF_MAX_REQUEST_LINE
#define MM_WAF_MAX_REQUEST_LINE ((size_t)256 << 10)
#endif

/* Chunks in one chunked body: 65,536. Each costs a size line; a body of
 * one-byte chunks would otherwise cost five times its length in parsing for
 * nothing. Real clients send chunks of kilobytes. */
#ifndef MM_WAF_MAX_CHUNKS
#define MM_WAF_MAX_CHUNKS 65536
#endif

/* Entries of one list in a JSON corpus record's "tls" object (ciphers,
 * extensions, groups ...): 32,767, the most a ClientHello can carry
 * (cipher_suites<2..2^16-2> holds 2-byte values, RFC 8446 section 4.1.2). */
#ifndef MM_WAF_MAX_TLS_LIST
#define MM_WAF_MAX_TLS_LIST 32767
#endif

/* ---- geo databases (geo.c, geo_mmdb.c) ------------------------------------- */

/* Bytes of a geo database file read into memory: 1 GiB. MaxMind's largest
 * commercial database (GeoIP2 City) is a few hundred MB, Debian's
 * tor-geoipdb 25 MB; a larger file is not a database we know. */
#ifndef MM_WAF_GEO_MAX_FILE
#define MM_WAF_GEO_MAX_FILE ((size_t)1 << 30)
#endif

/* Bytes of one line of a Tor geoip file: 256. The longest valid line is two
 * full IPv6 addresses and a country code (under 90 bytes). */
#ifndef MM_WAF_GEO_MAX_LINE
#define MM_WAF_GEO_MAX_LINE 256
#endif

/* Bytes at the end of a .mmdb searched for the metadata marker: 128 KiB, as
 * the MaxMind DB File Format Specification 2.0 ("Database Metadata") says
 * the metadata is at most 128 KiB including the marker. */
#ifndef MM_WAF_MMDB_METADATA_MAX
#define MM_WAF_MMDB_METADATA_MAX ((size_t)128 << 10)
#endif

/* Pointers followed in a row while decoding one .mmdb value: 8. The
 * specification lets a pointer point to a pointer only once in practice
 * (writers deduplicate values, never chains); a cycle of pointers in a
 * hostile file must end, not loop. */
#ifndef MM_WAF_MMDB_MAX_POINTER_CHAIN
#define MM_WAF_MMDB_MAX_POINTER_CHAIN 8
#endif

/* Nesting of maps and arrays decoded or skipped in a .mmdb: 32. MaxMind's
 * databases nest at most 3 deep (subdivisions[0].names.en); the limit
 * keeps the skipping recursion's stack small on hostile files. */
#ifndef MM_WAF_MMDB_MAX_DEPTH
#define MM_WAF_MMDB_MAX_DEPTH 32
#endif

/* Data fields visited for one lookup: 1,000,000. Each field costs at least
 * one byte of the data section, so a lookup is linear anyway; the budget
 * makes it bounded even when a hostile map claims 2^24 entries of
 * pointers. Real records have tens of fields. */
#ifndef MM_WAF_MMDB_MAX_STEPS
#define MM_WAF_MMDB_MAX_STEPS 1000000
#endif

/* ---- rate-based counting (rate.c) ------------------------------------------ */

/* Longest window in seconds: 600, AWS WAF's largest EvaluationWindowSec
 * (60, 120, 300 or 600: API_RateBasedStatement). One 4-byte bucket per
 * second of window per key. */
#ifndef MM_WAF_RATE_MAX_WINDOW
#define MM_WAF_RATE_MAX_WINDOW 600
#endif

/* Keys the in-process store keeps when the caller says 0: 65,536. At most
 * 600 x 4 bytes of buckets plus the key per entry, so about 160 MiB in the
 * worst case of 600-second windows; the least recently seen key goes first,
 * so that a flood of distinct keys (each an "aggregation instance":
 * waf-rule-statement-type-rate-based-aggregation-instances) cannot grow
 * memory without bound. */
#ifndef MM_WAF_RATE_DEFAULT_KEYS
#define MM_WAF_RATE_DEFAULT_KEYS 65536
#endif

/* Bytes of one rate key: 4 KiB. Custom aggregation keys join up to 5 request
 * components (API_RateBasedStatementCustomKey); the evaluator hashes long
 * ones, so a longer key is a caller error. */
#ifndef MM_WAF_RATE_MAX_KEY
#define MM_WAF_RATE_MAX_KEY 4096
#endif

/* ---- web ACLs (acl*.c, eval*.c) -------------------------------------------- */

/* Nesting of And/Or/Not statements: 64. AWS documents no limit; the JSON
 * parser already bounds documents at MM_JSON_MAX_DEPTH, and 64 nested
 * logical statements (each two JSON levels) is far past any ACL a person
 * writes, while it keeps the recursive evaluator's stack to a few KB. */
#ifndef MM_WAF_MAX_STMT_DEPTH
#define MM_WAF_MAX_STMT_DEPTH 64
#endif

/* Rules in one web ACL or rule group: 1500. AWS bounds ACLs by WCUs (5000
 * max, the cheapest rule costs 1), so 1500 rules exceed any ACL AWS would
 * plausibly accept yet cap the per-request work. */
#ifndef MM_WAF_MAX_RULES
#define MM_WAF_MAX_RULES 1500
#endif

/* Headers and cookies AWS WAF inspects: the first 200 and the first 8 KB
 * ("Oversize web request components", waf-oversize-request-components.html).
 * Past either, OversizeHandling applies. */
#ifndef MM_WAF_INSPECT_HEADERS_MAX
#define MM_WAF_INSPECT_HEADERS_MAX 200
#endif
#ifndef MM_WAF_INSPECT_HEADERS_BYTES
#define MM_WAF_INSPECT_HEADERS_BYTES 8192
#endif

/* Body bytes inspected by default: 8 KB (AWS's default for ALB/AppSync; the
 * AssociationConfig RequestBody DefaultSizeInspectionLimit raises it to 16,
 * 32, 48 or 64 KB). mamori allows up to MM_WAF_BODY_LIMIT_MAX through its
 * own option (mm_waf_config.body_limit): 16 MiB keeps a hostile body from
 * making one request's transformations cost more than a few hundred MB. */
#ifndef MM_WAF_BODY_LIMIT_DEFAULT
#define MM_WAF_BODY_LIMIT_DEFAULT 8192
#endif
#ifndef MM_WAF_BODY_LIMIT_MAX
#define MM_WAF_BODY_LIMIT_MAX ((uint32_t)16 << 20)
#endif

/* Query arguments split from one query string: 10000. AWS inspects them
 * all; the query string is bounded by the request line, and 10000 covers a
 * 64 KB request line of one-byte arguments. Past it the rest is ignored
 * for SingleQueryArgument / AllQueryArguments (QueryString still sees it). */
#ifndef MM_WAF_MAX_QUERY_ARGS
#define MM_WAF_MAX_QUERY_ARGS 10000
#endif

/* JSON body: nesting 256 and 100000 keys+values. The JSON body parser is
 * iterative; these bound the work and memory on a hostile body (a body of
 * MM_WAF_BODY_LIMIT_MAX bytes of "[[[[..." or "1,1,1,..."). Reaching either
 * is a parse failure (InvalidFallbackBehavior applies). */
#ifndef MM_WAF_JSON_BODY_DEPTH
#define MM_WAF_JSON_BODY_DEPTH 256
#endif
#ifndef MM_WAF_JSON_BODY_ITEMS
#define MM_WAF_JSON_BODY_ITEMS 100000
#endif

/* ByteMatch SearchString: 200 bytes (API ByteMatchStatement, "Length
 * Constraints: ... 200"); RegexString: 512 characters (API RegexMatchStatement);
 * regexes in one RegexPatternSet: 10 (AWS WAF quotas). */
#ifndef MM_WAF_MAX_SEARCH_STRING
#define MM_WAF_MAX_SEARCH_STRING 200
#endif
#ifndef MM_WAF_MAX_REGEX_LEN
#define MM_WAF_MAX_REGEX_LEN 512
#endif
#ifndef MM_WAF_MAX_REGEX_PER_SET
#define MM_WAF_MAX_REGEX_PER_SET 10
#endif

/* PCRE2 fallback (a regex Vectorscan cannot compile): match limit 100000
 * and depth limit 1000. AWS's dialect has no backreferences or lookaround,
 * but nested quantifiers still backtrack exponentially in PCRE2; the limit
 * turns a catastrophic input into "no match" within about a millisecond. */
#ifndef MM_WAF_PCRE_MATCH_LIMIT
#define MM_WAF_PCRE_MATCH_LIMIT 100000
#endif
#ifndef MM_WAF_PCRE_DEPTH_LIMIT
#define MM_WAF_PCRE_DEPTH_LIMIT 1000
#endif

/* Labels one request may carry: 1000. Each matching rule adds its
 * RuleLabels and AWS documents no total; past this further labels are
 * dropped, so a group of many counting rules cannot make a request
 * allocate without bound. */
#ifndef MM_WAF_MAX_LABELS
#define MM_WAF_MAX_LABELS 1000
#endif

/* Web ACL / rule group JSON size: 8 MiB (API bodies are far smaller). */
#ifndef MM_WAF_MAX_ACL_BYTES
#define MM_WAF_MAX_ACL_BYTES ((size_t)8 << 20)
#endif

/* IP set files read from a managed rule group folder's ipsets/: 256. The
 * shipped folder has 7 (AWS's reputation and anonymous-IP lists, split at
 * AWS's 10,000 addresses a set); the bound keeps a stray folder from
 * being read whole. */
#ifndef MM_WAF_MAX_MANAGED_IPSETS
#define MM_WAF_MAX_MANAGED_IPSETS 256
#endif

#endif /* MM_WAF_LIMITS_H */
