/*
 * mamori/http.h - HTTP/1.1 request heads: a strict wire parser, and the
 * request-smuggling (desync) classification AWS's load balancers apply.
 *
 * The classification follows aws/http-desync-guardian as Elastic Load
 * Balancing uses it ("Configure desync mitigation mode for your Classic Load
 * Balancer", config-desync-mitigation-mode.html): every request head gets a
 * tier - Compliant, Acceptable, Ambiguous or Severe - and the reason for it,
 * and a mitigation mode (monitor, defensive, strictest) turns the tier into
 * what the proxy does. docs/gateway.md lists every rule.
 */
#ifndef MAMORI_HTTP_H
#define MAMORI_HTTP_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/str.h"

/* One header line: the name as received (up to the colon) and the value
 * with the optional whitespace around it removed. */
typedef struct mm_http_header {
  mm_str name;
  mm_str value;
} mm_http_header;

/* A request head: request line and header lines, borrowed from the caller. */
typedef struct mm_http_head {
  mm_str method;
  mm_str uri;     /* request-target as received */
  mm_str version; /* "HTTP/1.1"; empty for an HTTP/0.9 request line */
  const mm_http_header *headers;
  size_t n_headers;
} mm_http_head;

/* ---- the wire parser ------------------------------------------------------ */

/* Parse the head at the start of buf[0..len): request line, header lines,
 * empty line. Lines end in CRLF or a lone LF (RFC 7230 3.5); a CR elsewhere
 * stays in the line, where the classification sees it. Names are kept as
 * sent (up to the first colon), values lose their surrounding whitespace; an
 * obs-fold continuation is kept inside the value it continues, CRLF and all,
 * so that it classifies as BadHeader. Fills head and hdrs[0..max_hdrs)
 * pointing into buf; *head_len is the bytes the head took, empty line
 * included. Returns MM_OK; MM_ETRUNC when buf holds no complete head yet
 * (read more; MM_ELIMIT once len reaches max_bytes); MM_ELIMIT for more than
 * max_hdrs headers; MM_ESYNTAX for a request line without a target or a
 * header line without a colon, with err's line, column and offset. */
MM_API int mm_http_parse_head(const char *buf, size_t len, size_t max_bytes, mm_http_head *head,
                              mm_http_header *hdrs, size_t max_hdrs, size_t *head_len,
                              mm_error *err);

/* ---- classification ---------------------------------------------------- */

typedef enum mm_http_tier {
  MM_HTTP_COMPLIANT,  /* RFC 7230 compliant, no known threat */
  MM_HTTP_ACCEPTABLE, /* not compliant, no known threat */
  MM_HTTP_AMBIGUOUS,  /* not compliant; servers may read it differently */
  MM_HTTP_SEVERE      /* a high risk: never forwarded in defensive mode */
} mm_http_tier;

/* X(name, text): the reasons http-desync-guardian reports, in its words. */
#define MM_HTTP_REASON_MAP(X)                                                    \
  X(COMPLIANT, "Compliant")                                                      \
  X(EMPTY_HEADER, "EmptyHeader")                                                 \
  X(SUSPICIOUS_HEADER, "SuspiciousHeader")                                       \
  X(NON_COMPLIANT_HEADER, "NonCompliantHeader")                                  \
  X(BAD_HEADER, "BadHeader")                                                     \
  X(BAD_METHOD, "BadMethod")                                                     \
  X(SPACE_IN_URI, "SpaceInUri")                                                  \
  X(AMBIGUOUS_URI, "AmbiguousUri")                                               \
  X(BAD_URI, "BadUri")                                                           \
  X(NON_COMPLIANT_VERSION, "NonCompliantVersion")                                \
  X(BAD_VERSION, "BadVersion")                                                   \
  X(GET_HEAD_ZERO_CONTENT_LENGTH, "GetHeadZeroContentLength")                    \
  X(UNDEFINED_CONTENT_LENGTH_SEMANTICS, "UndefinedContentLengthSemantics")       \
  X(MULTIPLE_CONTENT_LENGTH, "MultipleContentLength")                            \
  X(DUPLICATE_CONTENT_LENGTH, "DuplicateContentLength")                          \
  X(BAD_CONTENT_LENGTH, "BadContentLength")                                      \
  X(UNDEFINED_TRANSFER_ENCODING_SEMANTICS, "UndefinedTransferEncodingSemantics") \
  X(MULTIPLE_TRANSFER_ENCODING_CHUNKED, "MultipleTransferEncodingChunked")       \
  X(BAD_TRANSFER_ENCODING, "BadTransferEncoding")                                \
  X(BOTH_TE_CL_PRESENT, "BothTeClPresent")

typedef enum mm_http_reason {
#define MM_HTTP_REASON_ENUM(name, text) MM_HTTP_R_##name,
  MM_HTTP_REASON_MAP(MM_HTTP_REASON_ENUM)
#undef MM_HTTP_REASON_ENUM
      MM_HTTP_REASON_COUNT
} mm_http_reason;

#define MM_HTTP_MESSAGE_MAX 256 /* bytes of a verdict's message, NUL included */

typedef struct mm_http_verdict {
  mm_http_tier tier;
  mm_http_reason reason;             /* of the first finding of the highest tier */
  char message[MM_HTTP_MESSAGE_MAX]; /* for the log: what and where, bytes escaped */
} mm_http_verdict;

/* Classify a request head. Never fails; never allocates. */
MM_API void mm_http_classify(const mm_http_head *h, mm_http_verdict *v);
MM_API const char *mm_http_tier_name(mm_http_tier t);     /* "Compliant" ... */
MM_API const char *mm_http_reason_name(mm_http_reason r); /* "BadHeader" ... */

/* ---- mitigation modes ---------------------------------------------------- */

typedef enum mm_http_mode {
  MM_HTTP_MODE_MONITOR,   /* forward everything; classify for the logs */
  MM_HTTP_MODE_DEFENSIVE, /* the default */
  MM_HTTP_MODE_STRICTEST  /* only Compliant requests pass */
} mm_http_mode;

typedef enum mm_http_action {
  MM_HTTP_FORWARD,       /* forward; connections may be reused */
  MM_HTTP_FORWARD_CLOSE, /* forward, then close the client and origin connections */
  MM_HTTP_REJECT         /* answer 400 and close the client connection */
} mm_http_action;

/* What ELB does with a request of tier t in mode m (the table on
 * config-desync-mitigation-mode.html). */
MM_API mm_http_action mm_http_mode_action(mm_http_mode m, mm_http_tier t);
/* "monitor", "defensive", "strictest" -> MM_OK, else MM_EINVAL. */
MM_API int mm_http_mode_parse(mm_str s, mm_http_mode *out);
MM_API const char *mm_http_mode_name(mm_http_mode m);

#endif /* MAMORI_HTTP_H */
