/*
 * waf/request.h - what the request readers (request.c, request_json.c)
 * share (module-internal).
 *
 * The public side is include/mamori/waf.h: mm_waf_request_parse_raw and
 * mm_waf_request_from_json. docs/waf-requests.md documents both formats.
 */
#ifndef MM_WAF_REQUEST_H
#define MM_WAF_REQUEST_H

#include "mamori/str.h"

/* RFC 9110 section 5.6.2 tchar: the bytes of a method or field name. */
bool mm__waf_is_tchar(unsigned char c);
/* A non-empty string of tchar. */
bool mm__waf_is_token(mm_str s);

#endif /* MM_WAF_REQUEST_H */
