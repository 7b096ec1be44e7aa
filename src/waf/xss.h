/*
 * waf/xss.h - mamori's cross-site-scripting detector, the engine behind
 * AWS WAF's XssMatchStatement (module-internal; docs/waf/detectors.md).
 *
 * AWS WAF's XssMatchStatement (API reference "XssMatchStatement") matches
 * when the transformed field contains "cross-site scripting attacks". mamori
 * decides it with an HTML tokenizer that follows the WHATWG HTML Living
 * Standard's tokenization states (data, tag open, end tag open, tag name,
 * before/after attribute name, attribute value double-quoted / single-quoted
 * / unquoted, markup declaration: comment, DOCTYPE and CDATA as bogus
 * comments, processing instructions), run from each place an injected value
 * can land in a page:
 *
 *   | context      | the value is ...                  | starts in state         |
 *   | ------------ | --------------------------------- | ----------------------- |
 *   | data         | text between tags                 | data                    |
 *   | double-quote | inside attr="..."                 | attribute value (")     |
 *   | single-quote | inside attr='...'                 | attribute value (')     |
 *   | back-quote   | inside attr=`...` (old IE quoting)| attribute value (`)     |
 *   | tag          | inside a tag or attr=... unquoted | before attribute name   |
 *
 * and flags what a browser would run:
 *
 *   | shape          | example                                           |
 *   | -------------- | ------------------------------------------------- |
 *   | tag            | <script, <iframe, <object, <embed, <svg, <math,   |
 *   |                | <base, <form, <link, <frame(set), <applet ...     |
 *   | style-tag      | <style> with expression( url(javascript: ...      |
 *   | meta-refresh   | <meta http-equiv=...>                             |
 *   | event-handler  | any on...= attribute (onload=, onmouseover= ...)  |
 *   | url-scheme     | href/src/action/formaction/data/xlink:href ... =  |
 *   |                | javascript: vbscript: data:text/html (entities    |
 *   |                | decoded, whitespace and controls removed)         |
 *   | style-attr     | style= with expression( javascript: behavior ...  |
 *   | srcdoc         | srcdoc= holding markup                            |
 *   | breakout-tag   | a new tag after the value broke out of an         |
 *   |                | attribute ('><b ...)                              |
 *   | conditional    | <!--[if ...]> (IE conditional comment)            |
 *   | url-value      | the whole value is javascript:code()              |
 *
 * XSS has no sensitivity level in AWS WAF. Cost: no allocation; each context
 * is one linear pass; a context only runs when its quote is in the input.
 */
#ifndef MM_WAF_XSS_H
#define MM_WAF_XSS_H

#include "waf/sqli.h" /* mm__waf_detect_match, shared by both detectors */

/* Contexts of the XSS detector (mm__waf_detect_match.context). */
enum {
  MM__WAF_XSS_CTX_DATA,
  MM__WAF_XSS_CTX_DQUOTE,
  MM__WAF_XSS_CTX_SQUOTE,
  MM__WAF_XSS_CTX_BQUOTE,
  MM__WAF_XSS_CTX_TAG
};

/* Bytes of an attribute value or of a <style> body examined for a URL
 * scheme or a CSS expression: 4096. A scheme must come first (after
 * whitespace and entities, which a browser strips: AWS's limits on a field
 * are 8 KB-64 KB), and what is past 4 KB of padding is beyond what the
 * check needs while keeping each attribute's cost bounded. */
#define MM__WAF_XSS_SCAN_BYTES 4096

/* true when s[0..n) contains cross-site scripting. When m is not NULL it
 * receives what matched (only written on true). */
bool mm__waf_xss(const uint8_t *s, size_t n, mm__waf_detect_match *m);

/* Name of an XSS context ("data", "double-quote", ...). */
const char *mm__waf_xss_context_name(int context);

#endif /* MM_WAF_XSS_H */
