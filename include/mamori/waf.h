/*
 * mamori/waf.h - the AWS WAF engine: HTTP requests as the engine sees them,
 * the facts it derives from the connection (client address, country, ASN,
 * TLS ClientHello fingerprints), rate-based counting, and web ACLs loaded
 * from WAFv2 JSON and evaluated per request.
 *
 * docs/waf.md is the user guide; docs/waf/transformations.md documents the
 * text transformations. Limits are in src/waf/limits.h, each with its reason.
 *
 * Threads: a loaded web ACL, a geo database and the in-process rate store
 * may be shared between threads; each thread evaluating requests needs its
 * own mm_waf_ctx.
 */
#ifndef MAMORI_WAF_H
#define MAMORI_WAF_H

#include "mamori/arena.h"
#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/http.h"
#include "mamori/ip.h"
#include "mamori/json.h"
#include "mamori/str.h"
#include "mamori/time.h"

/* ---- the request ------------------------------------------------------------ */

/* One header line as received: name and value with the optional whitespace
 * around the value removed, case preserved (the gateway's parser's type). */
typedef mm_http_header mm_waf_header;

/* The facts of a TLS ClientHello that JA3 and JA4 are computed from, in the
 * order the client sent them (GREASE values included: the fingerprint
 * functions drop them as the specifications say). */
typedef struct mm_waf_tls_hello {
  uint16_t legacy_version; /* ClientHello.legacy_version, e.g. 0x0303 */
  const uint16_t *ciphers; /* cipher suites */
  size_t n_ciphers;
  const uint16_t *extensions; /* extension types */
  size_t n_extensions;
  const uint16_t *groups; /* supported_groups (elliptic curves) */
  size_t n_groups;
  const uint8_t *point_formats; /* ec_point_formats */
  size_t n_point_formats;
  const uint16_t *sig_algs; /* signature_algorithms, in order */
  size_t n_sig_algs;
  const uint16_t *versions; /* supported_versions; empty when absent */
  size_t n_versions;
  mm_str alpn;  /* first ALPN protocol offered, or empty */
  bool has_sni; /* server_name present (JA4 'd' vs 'i') */
  bool quic;    /* JA4 't' vs 'q' */
} mm_waf_tls_hello;

/* An HTTP request as AWS WAF inspects it. Everything is borrowed: the
 * strings must outlive the evaluation. */
typedef struct mm_waf_request {
  mm_str method;                /* "GET" */
  mm_str uri;                   /* request-target as received: path[?query][#fragment] */
  mm_str version;               /* "HTTP/1.1" */
  const mm_waf_header *headers; /* in the order received */
  size_t n_headers;
  mm_str body;                 /* the body bytes available (may be a prefix) */
  uint64_t body_length;        /* the body's full length; below body.len means body.len */
  mm_str client_ip;            /* the connection's peer address, as text */
  const mm_waf_tls_hello *tls; /* NULL: no TLS facts, JA3/JA4 fields do not match */
  mm_time time;                /* when the request arrived; 0 = now */
  mm_str id;                   /* request id for the log record; empty = generated */
} mm_waf_request;

/* ---- reading requests (for `mamori waf eval`, tests and benchmarks) --------- */

/* Parse one raw HTTP/1.1 request (request line, header lines, empty line,
 * body) from text[0..len) into *req, allocating from a. Line ends may be CRLF
 * or LF. The body is whatever follows the header section, cut to
 * Content-Length when that is present and smaller (body_length is then the
 * declared length); chunked bodies are de-chunked into a. Obsolete line
 * folding, whitespace before a colon, bare CR and control bytes in the head
 * are errors. The strings point into text (but a de-chunked body): text
 * must outlive req. Errors, with err->line/column/offset at the offending
 * byte: MM_ESYNTAX, MM_ELIMIT (the header limits of src/waf/limits.h),
 * MM_ERANGE (a Content-Length or chunk size too large), MM_ETRUNC (a
 * chunked body cut short), MM_ENOMEM. docs/waf-requests.md has the rules. */
MM_API int mm_waf_request_parse_raw(mm_arena *a, const char *text, size_t len, mm_waf_request *req,
                                    mm_error *err);

/* Build a request from one record of the JSON corpus format
 * (docs/waf-requests.md):
 *   {"method":"GET","uri":"/a?b=c","version":"HTTP/1.1",
 *    "headers":[["Host","example.com"],...]   (or an object name -> value),
 *    "body":"text" | "body_base64":"...", "client_ip":"192.0.2.1",
 *    "id":"...", "time":"2024-01-01T00:00:00Z",
 *    "tls":{"version":771,"ciphers":[...],"extensions":[...],"groups":[...],
 *           "point_formats":[...],"sig_algs":[...],"versions":[...],
 *           "alpn":"h2","sni":true,"quic":false}}
 * or {"raw": "<a raw request as above>"} plus the same client_ip/id/time/tls.
 * uri is required; method defaults to GET, version to HTTP/1.1, tls.version
 * to 771; "time" may also be epoch milliseconds; other members are ignored.
 * Strings are copied into a. Errors: MM_EINVAL (MM_ELIMIT past
 * MM_WAF_MAX_HEADERS headers) with err->path; a raw request's own errors
 * keep their line and column, with the path "$.raw". */
MM_API int mm_waf_request_from_json(mm_arena *a, const mm_json_value *v, mm_waf_request *req,
                                    mm_error *err);

/* ---- TLS fingerprints -------------------------------------------------------- */

#define MM_WAF_JA3_LEN 32 /* lowercase hex MD5 */
#define MM_WAF_JA4_LEN 36 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* JA3 fingerprint (Salesforce's definition: MD5 of
 * "version,ciphers,extensions,groups,point_formats" with GREASE removed) into
 * out[MM_WAF_JA3_LEN + 1], NUL-terminated. The string hashed goes to full
 * when full is not NULL. */
MM_API int mm_waf_ja3(const mm_waf_tls_hello *h, char out[MM_WAF_JA3_LEN + 1], mm_buf *full);
/* JA4 fingerprint (FoxIO's JA4 specification) into out[MM_WAF_JA4_LEN + 1]. */
MM_API int mm_waf_ja4(const mm_waf_tls_hello *h, char out[MM_WAF_JA4_LEN + 1]);

/* ---- geography and networks --------------------------------------------------- */

/* A country/ASN database: Tor's geoip/geoip6 text files (Debian's
 * tor-geoipdb, country only) or a MaxMind DB (.mmdb: GeoLite2/GeoIP2
 * Country, City or ASN). Immutable once opened. */
typedef struct mm_waf_geo mm_waf_geo;

typedef struct mm_waf_geo_result {
  char country[3]; /* ISO 3166-1 alpha-2, "" when unknown */
  char region[4];  /* ISO 3166-2 subdivision code without the country ("WA"), "" when unknown */
  uint32_t asn;    /* autonomous system number, 0 when unknown */
} mm_waf_geo_result;

/* Open path: a .mmdb file, or a Tor geoip file (IPv4 "from,to,CC" lines with
 * integer bounds; an IPv6 file "from,to,CC" with address bounds), told
 * apart by content. When path6 is not NULL it is read as the IPv6 companion
 * of a Tor file (ignored for a .mmdb). NULL with err: MM_EIO, MM_ESYNTAX
 * or MM_ELIMIT with the line and column of a bad Tor line, MM_EINVAL for
 * unusable .mmdb metadata, MM_ENOMEM. */
MM_API mm_waf_geo *mm_waf_geo_open(const char *path, const char *path6, mm_error *err);
/* Debian's tor-geoipdb (/usr/share/tor/geoip and geoip6), or NULL with err
 * when it is not installed. */
MM_API mm_waf_geo *mm_waf_geo_open_default(mm_error *err);
MM_API void mm_waf_geo_free(mm_waf_geo *g);
/* Look a up; false when the database knows nothing of it (*out is then all
 * unknown). */
MM_API bool mm_waf_geo_lookup(const mm_waf_geo *g, const mm_ip_addr *a, mm_waf_geo_result *out);

/* ---- rate-based counting ------------------------------------------------------ */

/* Where rate-based rules keep their counts: in process by default, or in a
 * store the caller supplies (the gateway's Redis store), so that several
 * processes share one count. add() records one request under key at now and
 * returns, in *count, the requests recorded under key in the window
 * (now - window_sec, now] including this one. It returns MM_OK or a status;
 * on failure the rule does not match (AWS fails open on rate limiting). */
typedef struct mm_waf_rate_store {
  int (*add)(void *self, mm_str key, mm_time now, uint32_t window_sec, uint64_t *count);
  void (*free)(void *self);
  void *self;
} mm_waf_rate_store;

/* The in-process store: a sliding window of 1-second buckets per key,
 * bounded to max_keys keys (0 = MM_WAF_RATE_DEFAULT_KEYS; the least
 * recently seen key is dropped), safe for concurrent use. add() refuses
 * (MM_EINVAL) a window of 0 or over 600 s, a negative time, a key over
 * MM_WAF_RATE_MAX_KEY bytes. NULL when memory runs out. */
MM_API mm_waf_rate_store *mm_waf_rate_store_memory(size_t max_keys);
/* Free a store made by a constructor above (calls s->free). */
MM_API void mm_waf_rate_store_free(mm_waf_rate_store *s);

/* ---- web ACLs ------------------------------------------------------------------ */

/* Loading. A web ACL is read from WAFv2 JSON exactly as the API shapes it:
 * what `aws wafv2 get-web-acl` prints ({"WebACL": {...}, "LockToken": ...})
 * or the bare WebACL object. What it references by ARN (IPSets,
 * RegexPatternSets, RuleGroups) is added to a loader first, in the same
 * shapes (`get-ip-set`, `get-regex-pattern-set`, `get-rule-group`, or bare);
 * managed rule groups are RuleGroup JSON files <dir>/<Name>.json in the
 * loader's managed directory. A load either succeeds whole or fails with
 * err->path naming the offending member ("$.Rules[2].Statement..."); nothing
 * is ever half loaded. docs/waf.md lists every statement, field and rule.
 *
 * ByteMatch SearchString: the raw API carries it base64-encoded (a blob);
 * the CLI's JSON (and CloudFormation) carry plain text. mamori reads it as
 * plain text unless the loader option MM_WAF_LOAD_SEARCH_BASE64 is set, and
 * always accepts the CloudFormation member SearchStringBase64 (base64). */
typedef struct mm_waf_loader mm_waf_loader;
typedef struct mm_waf_acl mm_waf_acl;

#define MM_WAF_LOAD_SEARCH_BASE64 0x1u /* SearchString is base64 (raw API form) */

/* A new loader, or NULL when memory runs out. */
MM_API mm_waf_loader *mm_waf_loader_new(void);
/* Free l and every set and rule group added to it. ACLs loaded through l
 * keep their own copies: they may outlive it. */
MM_API void mm_waf_loader_free(mm_waf_loader *l);
MM_API void mm_waf_loader_set_flags(mm_waf_loader *l, unsigned flags);
/* Where ManagedRuleGroupStatement finds its groups: <dir>/<Name>.json. */
MM_API int mm_waf_loader_set_managed_dir(mm_waf_loader *l, const char *dir, mm_error *err);
/* Add one IPSet, RegexPatternSet or RuleGroup (told apart by the wrapper
 * member or, bare, by its members: Addresses / RegularExpressionList /
 * Rules). MM_OK, or an error with err->path; l is then unchanged. */
MM_API int mm_waf_loader_add_json(mm_waf_loader *l, const char *text, size_t len, mm_error *err);
/* Load a web ACL (text is copied). NULL with err on failure. */
MM_API mm_waf_acl *mm_waf_acl_load(mm_waf_loader *l, const char *text, size_t len, mm_error *err);
MM_API void mm_waf_acl_free(mm_waf_acl *acl);
/* The ACL's WCUs computed with AWS's formulas (docs/waf.md "Capacity"). */
MM_API uint32_t mm_waf_acl_capacity(const mm_waf_acl *acl);
/* The ACL's Name and ARN (or empty). */
MM_API mm_str mm_waf_acl_name(const mm_waf_acl *acl);
MM_API mm_str mm_waf_acl_arn(const mm_waf_acl *acl);
/* WCUs of each top-level rule, for `mamori waf capacity`: the i-th rule's
 * name and capacity; false past the last rule. */
MM_API bool mm_waf_acl_rule_capacity(const mm_waf_acl *acl, size_t i, mm_str *name, uint32_t *wcu);

/* ---- evaluating requests --------------------------------------------------------- */

typedef enum mm_waf_action {
  MM_WAF_ALLOW = 0,
  MM_WAF_BLOCK = 1,
  MM_WAF_COUNT = 2,
  MM_WAF_CAPTCHA = 3,
  MM_WAF_CHALLENGE = 4
} mm_waf_action;

/* "ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE". */
MM_API const char *mm_waf_action_name(mm_waf_action a);

/* What the evaluation may use besides the request. Zero-initialize, set
 * what you have. */
typedef struct mm_waf_config {
  const mm_waf_geo *geo;   /* country/ASN database, or NULL (unknown) */
  mm_waf_rate_store *rate; /* NULL: rate-based rules never match */
  mm_str token_key;        /* HMAC key for aws-waf-token; empty: no token is valid */
  uint32_t body_limit;     /* body inspection bytes; 0 = the ACL's AssociationConfig or 8 KB */
} mm_waf_config;

/* One evaluation context per thread: caches and scratch memory reused from
 * request to request. NULL when memory runs out. */
typedef struct mm_waf_ctx mm_waf_ctx;
MM_API mm_waf_ctx *mm_waf_ctx_new(const mm_waf_acl *acl, const mm_waf_config *cfg);
MM_API void mm_waf_ctx_free(mm_waf_ctx *ctx);

/* What matched, for the log's terminatingRuleMatchDetails / ruleMatchDetails
 * (AWS reports these for SQL injection and cross-site scripting). */
typedef struct mm_waf_match_detail {
  const char *condition;   /* "SQL_INJECTION", "XSS" */
  const char *location;    /* "HEADER", "QUERY_STRING", "BODY", "URI", ... */
  const char *sensitivity; /* "LOW" / "HIGH" for SQL injection, else NULL */
  mm_str matched;          /* the matched data (tokens joined by spaces) */
} mm_waf_match_detail;

/* One rule that matched, in evaluation order. */
typedef struct mm_waf_rule_hit {
  mm_str rule;                        /* the web ACL rule's Name */
  mm_str group_rule;                  /* inside a rule group: that rule's Name, else empty */
  mm_str group_id;                    /* "AWS#AWSManagedRulesCommonRuleSet" or the group's ARN */
  mm_waf_action action;               /* the action applied (after overrides) */
  bool terminating;                   /* this hit decided the request */
  bool excluded;                      /* an ExcludedRules entry turned it into Count */
  uint8_t rule_type;                  /* MM_WAF_RULE_* of the web ACL rule */
  const mm_waf_match_detail *details; /* SQLi/XSS details, or NULL */
  size_t n_details;
  /* rate-based rules: */
  uint64_t rate_limit;       /* Limit */
  uint32_t rate_window;      /* EvaluationWindowSec */
  const char *rate_key_type; /* "IP", "FORWARDED_IP", "CONSTANT", "CUSTOM_KEYS" */
  mm_str rate_key;           /* the aggregate key's values as logged */
} mm_waf_rule_hit;

enum { MM_WAF_RULE_REGULAR, MM_WAF_RULE_RATE_BASED, MM_WAF_RULE_GROUP, MM_WAF_RULE_MANAGED };

/* Oversize fields seen (mm_waf_result.oversize). */
#define MM_WAF_OVERSIZE_BODY    0x1u
#define MM_WAF_OVERSIZE_HEADERS 0x2u
#define MM_WAF_OVERSIZE_COOKIES 0x4u

/* The decision. Every pointer lives in the ctx until its next evaluation. */
typedef struct mm_waf_result {
  mm_waf_action action;     /* ALLOW, BLOCK, CAPTCHA or CHALLENGE */
  mm_str terminating_rule;  /* web ACL rule Name, or "Default_Action" */
  uint8_t terminating_type; /* MM_WAF_RULE_* */
  uint16_t response_code;   /* Block: 403 or CustomResponse; 405 Captcha, 202 Challenge; 0 Allow */
  bool custom_response;     /* Block with CustomResponse (response_code set by it) */
  mm_str response_body;     /* CustomResponse body content, or empty */
  mm_str response_content_type;          /* "text/plain", "text/html", "application/json" */
  const mm_waf_header *response_headers; /* CustomResponse ResponseHeaders */
  size_t n_response_headers;
  const mm_waf_header *inserted_headers; /* Allow/Count InsertHeaders, names prefixed x-amzn-waf- */
  size_t n_inserted_headers;
  const mm_str *labels; /* every label added, in order, no duplicates */
  size_t n_labels;
  const mm_waf_rule_hit *hits; /* every rule that matched, in order */
  size_t n_hits;
  unsigned oversize;            /* MM_WAF_OVERSIZE_* */
  const char *token_failure;    /* Captcha/Challenge: "TOKEN_MISSING", ... or NULL */
  const char *country;          /* client country ("" unknown) */
  uint64_t body_inspected;      /* body bytes inspected */
  char ja3[MM_WAF_JA3_LEN + 1]; /* "" without TLS facts */
  char ja4[MM_WAF_JA4_LEN + 1];
  char request_id[40];  /* the request's id, or a generated one */
  int64_t timestamp_ms; /* when evaluated (the request's time) */
} mm_waf_result;

/* Evaluate req against the ctx's ACL. MM_OK and *res, or MM_ENOMEM /
 * MM_ELIMIT (the request could not be evaluated: treat as the gateway's
 * fail-open or fail-closed policy says). */
MM_API int mm_waf_evaluate(mm_waf_ctx *ctx, const mm_waf_request *req, mm_waf_result *res);

/* Append one AWS WAF log record (JSON, one line, no newline) for an
 * evaluation to out: AWS's field names ("Log fields for protection pack
 * (web ACL) traffic"). MM_OK or MM_ENOMEM. */
MM_API int mm_waf_log_record(const mm_waf_acl *acl, const mm_waf_request *req,
                             const mm_waf_result *res, mm_buf *out);

/* ---- CAPTCHA and challenge tokens ------------------------------------------------- */

/* mamori's aws-waf-token cookie value: base64url(payload) "." base64url(mac)
 * with payload "1:<challenge unix s>:<captcha unix s or 0>:<ip hash>:<host>",
 * ip hash the first 16 hex digits of HMAC-SHA256(key, client ip) and mac
 * HMAC-SHA256(key, payload). A token is valid for a request when the mac
 * verifies, the host equals the request's Host (case-insensitive), the ip
 * hash matches the client and the timestamp is within the immunity time.
 * Make one (the gateway does after a solved puzzle) into out. */
MM_API int mm_waf_token_make(mm_str key, mm_str client_ip, mm_str host, int64_t challenge_s,
                             int64_t captcha_s, mm_buf *out);

#endif /* MAMORI_WAF_H */
