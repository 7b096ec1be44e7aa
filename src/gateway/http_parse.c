/*
 * http_parse.c - the request-head wire parser. It is deliberately
 * permissive about what it records (a header name with spaces, a bare CR)
 * and strict about structure: everything it accepts is handed to
 * mm_http_classify, which decides whether the request may travel on.
 */
#include <string.h>

#include "mamori/http.h"

/* End of the line starting at p (the LF, or end), and the length of its
 * content without a CR right before the LF. */
static const char *line_end(const char *p, const char *end, size_t *content) {
  const char *lf = memchr(p, '\n', (size_t)(end - p));
  if (!lf) return NULL;
  *content = (size_t)(lf - p) - (lf > p && lf[-1] == '\r');
  return lf;
}

static mm_str trim_ows(const char *p, size_t n) {
  while (n > 0 && (*p == ' ' || *p == '\t')) p++, n--;
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  return (mm_str){p, n};
}

static int syntax_error(mm_error *err, const char *buf, const char *end, const char *at,
                        const char *msg) {
  return mm_error_at(err, MM_ESYNTAX, buf, (size_t)(end - buf), (size_t)(at - buf), "%s", msg);
}

/* METHOD SP request-target [SP version]: the target is everything between
 * the first and the last space, so that a space inside it is seen (and
 * classified as SpaceInUri) rather than taken for the version. */
static int parse_request_line(const char *buf, const char *bufend, const char *p, size_t n,
                              mm_http_head *head, mm_error *err) {
  const char *sp1 = memchr(p, ' ', n);
  if (!sp1 || sp1 == p) return syntax_error(err, buf, bufend, p, "request line has no method");
  head->method = (mm_str){p, (size_t)(sp1 - p)};
  const char *rest = sp1 + 1, *end = p + n;
  const char *sp2 = end;
  while (sp2 > rest && sp2[-1] != ' ') sp2--;
  if (sp2 == rest) { /* one space: an HTTP/0.9 request line */
    head->uri = (mm_str){rest, (size_t)(end - rest)};
    head->version = (mm_str){end, 0};
  } else {
    head->uri = (mm_str){rest, (size_t)(sp2 - 1 - rest)};
    head->version = (mm_str){sp2, (size_t)(end - sp2)};
  }
  if (head->uri.len == 0 && head->version.len == 0)
    return syntax_error(err, buf, bufend, rest, "request line has no target");
  return MM_OK;
}

int mm_http_parse_head(const char *buf, size_t len, size_t max_bytes, mm_http_head *head,
                       mm_http_header *hdrs, size_t max_hdrs, size_t *head_len, mm_error *err) {
  const char *p = buf, *end = buf + len;
  size_t n;
  const char *lf;
  /* RFC 7230 3.5: empty lines before the request line are ignored. */
  while ((lf = line_end(p, end, &n)) && n == 0) p = lf + 1;
  if (!lf) goto incomplete;
  int rc = parse_request_line(buf, end, p, n, head, err);
  if (rc != MM_OK) return rc;
  head->headers = hdrs;
  head->n_headers = 0;
  for (p = lf + 1;; p = lf + 1) {
    if (!(lf = line_end(p, end, &n))) goto incomplete;
    if (n == 0) break;
    if (*p == ' ' || *p == '\t') { /* obs-fold: keep it inside the previous value */
      if (head->n_headers == 0) return syntax_error(err, buf, end, p, "continuation line first");
      mm_http_header *prev = &hdrs[head->n_headers - 1];
      prev->value.len = (size_t)(p + n - prev->value.ptr);
      continue;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon) return syntax_error(err, buf, end, p, "header line has no colon");
    if (head->n_headers == max_hdrs) {
      return mm_error_at(err, MM_ELIMIT, buf, len, (size_t)(p - buf), "more than %zu header lines",
                         max_hdrs);
    }
    hdrs[head->n_headers].name = (mm_str){p, (size_t)(colon - p)};
    hdrs[head->n_headers].value = trim_ows(colon + 1, (size_t)(p + n - colon - 1));
    head->n_headers++;
  }
  *head_len = (size_t)(lf + 1 - buf);
  return MM_OK;
incomplete:
  if (len >= max_bytes) {
    return mm_error_set(err, MM_ELIMIT, "request head larger than %zu bytes", max_bytes);
  }
  return mm_error_set(err, MM_ETRUNC, "request head incomplete");
}
