/*
 * proxy.c - one request through the gateway: read, classify, frame, inspect,
 * forward with failover, relay the response, log. See server.c for the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway/ddos.h"
#include "gateway/server.h"
#include "mamori/alloc.h"

#include <openssl/ssl.h>

#define READ_CHUNK 16384

/* ---- small helpers ------------------------------------------------------------ */

static mm_str header_value(const mm_http_head *h, const char *name, size_t *count) {
  mm_str found = {NULL, 0};
  size_t n = 0;
  for (size_t i = 0; i < h->n_headers; i++)
    if (mm_str_ieq(h->headers[i].name, mm_str_from(name))) {
      if (n++ == 0) found = h->headers[i].value;
    }
  if (count) *count = n;
  return found;
}

/* Does a comma-separated header value list token (case-insensitive)? */
static bool list_has(mm_str v, const char *token) {
  mm_str t = mm_str_from(token);
  size_t i = 0;
  while (i < v.len) {
    while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == ',')) i++;
    size_t s = i;
    while (i < v.len && v.ptr[i] != ',') i++;
    size_t e = i;
    while (e > s && (v.ptr[e - 1] == ' ' || v.ptr[e - 1] == '\t')) e--;
    if (mm_str_ieq((mm_str){v.ptr + s, e - s}, t)) return true;
  }
  return false;
}

/* 1 to 18 decimal digits (below 10^18, far past any body limit). */
static bool parse_length(mm_str v, uint64_t *out) {
  if (v.len == 0 || v.len > 18) return false;
  uint64_t n = 0;
  for (size_t i = 0; i < v.len; i++) {
    if (v.ptr[i] < '0' || v.ptr[i] > '9') return false;
    n = n * 10 + (uint64_t)(v.ptr[i] - '0');
  }
  *out = n;
  return true;
}

static void set_deadline(gw_conn *c, uint32_t ms) { c->deadline = mm__gw_now_ms() + ms; }

static const char *status_text(int status) {
  static const struct {
    int code;
    const char *text;
  } texts[] = {{100, "Continue"},
               {200, "OK"},
               {201, "Created"},
               {202, "Accepted"},
               {204, "No Content"},
               {301, "Moved Permanently"},
               {302, "Found"},
               {303, "See Other"},
               {304, "Not Modified"},
               {307, "Temporary Redirect"},
               {400, "Bad Request"},
               {401, "Unauthorized"},
               {403, "Forbidden"},
               {404, "Not Found"},
               {405, "Method Not Allowed"},
               {408, "Request Timeout"},
               {413, "Content Too Large"},
               {421, "Misdirected Request"},
               {429, "Too Many Requests"},
               {431, "Request Header Fields Too Large"},
               {500, "Internal Server Error"},
               {501, "Not Implemented"},
               {502, "Bad Gateway"},
               {503, "Service Unavailable"},
               {504, "Gateway Timeout"}};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (texts[i].code == status) return texts[i].text;
  return "Unknown";
}

/* ---- local responses ------------------------------------------------------------ */

/* Answer the request ourselves; close the connection afterwards when
 * close is set (always after a framing error: the next bytes cannot be
 * trusted to start a request). */
static void respond_local(gw_conn *c, int status, const char *ctype, mm_str body, mm_str headers,
                          bool close) {
  mm__gw_origin_close(c);
  if (close) c->close_after = true;
  mm_buf_clear(&c->down);
  c->down_off = 0;
  mm_buf_printf(&c->down,
                "HTTP/1.1 %d %s\r\nServer: mamori\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                "Connection: %s\r\n",
                status, status_text(status), ctype, body.len,
                c->close_after ? "close" : "keep-alive");
  mm_buf_append(&c->down, headers.ptr, headers.len);
  mm_buf_puts(&c->down, "\r\n");
  if (!c->is_head) mm_buf_append(&c->down, body.ptr, body.len);
  c->status = status;
  c->origin_done = true;
  c->state = GW_LOCAL;
  set_deadline(c, c->cfg ? c->cfg->limits.idle_timeout_ms : MM_GW_IDLE_TIMEOUT);
  mm__gw_conn_interest(c);
}

static void respond_error(gw_conn *c, int status, const char *why, bool close) {
  char body[256];
  int n = snprintf(body, sizeof body, "%d %s: %s\n", status, status_text(status), why);
  c->result = "Error";
  respond_local(c, status, "text/plain", (mm_str){body, (size_t)n}, (mm_str){"", 0}, close);
}

/* ---- logging ----------------------------------------------------------------------- */

/* One line of CloudFront's standard log format (33 tab-separated fields,
 * "-" for what the gateway does not know); docs/gateway.md lists them. */
static void access_log(gw_conn *c, uint64_t took_us) {
  int fd = c->w->g->access_fd;
  if (fd < 0 || !c->head.method.len) return;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  mm_str uri = c->head.uri;
  const char *q = memchr(uri.ptr, '?', uri.len);
  mm_str stem = q ? (mm_str){uri.ptr, (size_t)(q - uri.ptr)} : uri;
  mm_str query = q ? (mm_str){q + 1, (size_t)(uri.ptr + uri.len - q - 1)} : (mm_str){"-", 1};
  mm_str host = header_value(&c->head, "Host", NULL);
  mm_str ua = header_value(&c->head, "User-Agent", NULL);
  mm_str ref = header_value(&c->head, "Referer", NULL);
  mm_buf line = MM_BUF_INIT;
  mm_buf_printf(
      &line,
      "%04d-%02d-%02d\t%02d:%02d:%02d\tmamori\t%llu\t%s\t%.*s\t%.*s\t%.*s\t%d\t%.*s\t%.*s\t"
      "%.*s\t-\t%s\t%s-%llu\t%.*s\thttp\t%zu\t%.3f\t-\t-\t-\t%s\t%.*s\t-\t-\t%u\t%.3f\t%s\t"
      "-\t-\t-\t-\n",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
      (unsigned long long)c->bytes_out, c->client_ip, (int)c->head.method.len, c->head.method.ptr,
      (int)(host.len ? host.len : 1), host.len ? host.ptr : "-", (int)stem.len, stem.ptr, c->status,
      (int)(ref.len ? ref.len : 1), ref.len ? ref.ptr : "-", (int)(ua.len ? ua.len : 1),
      ua.len ? ua.ptr : "-", (int)query.len, query.ptr, c->result, "mm",
      (unsigned long long)c->start_us, (int)(host.len ? host.len : 1), host.len ? host.ptr : "-",
      c->head_len + c->body.len, (double)took_us / 1e6, c->result, (int)c->head.version.len,
      c->head.version.ptr, c->client_port, (double)took_us / 1e6, c->result);
  if (line.ptr) {
    ssize_t w = write(fd, line.ptr, line.len);
    (void)w;
  }
  mm_buf_free(&line);
}

/* ---- request lifecycle ------------------------------------------------------------- */

void mm__gw_request_begin(gw_conn *c) {
  c->state = GW_HEAD;
  c->head_len = 0;
  c->head = (mm_http_head){0};
  c->site = NULL;
  c->body_mode = FRAME_NONE;
  c->body_left = 0;
  c->in_used = 0;
  mm_buf_clear(&c->body);
  mm_buf_clear(&c->up);
  mm_buf_clear(&c->resp);
  mm_buf_clear(&c->down);
  c->up_off = c->down_off = 0;
  c->origin = c->attempts = 0;
  c->reused = c->retried_fresh = false;
  c->origin_done = c->origin_keep = false;
  c->keep_alive = true;
  c->close_after = false;
  c->is_head = false;
  c->status = 0;
  c->bytes_out = 0;
  c->result = "Miss";
  c->start_us = 0;
  set_deadline(c, MM_GW_IDLE_TIMEOUT);
}

/* The request is answered: log it, return the origin connection, and get
 * ready for the next request (or close). */
void mm__gw_request_end(gw_conn *c) {
  if (!c->cfg) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t took = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 - c->start_us;
  if (c->status) {
    mm__gw_metrics_observe(&c->w->g->metrics, c->status, took);
    access_log(c, took);
  }
  if (c->ofd >= 0 && c->origin_done && c->origin_keep && c->site) {
    mm__gw_pool_put(c->w, c->site->origins[c->origin].name, c->ofd);
    epoll_ctl(c->w->epfd, EPOLL_CTL_DEL, c->ofd, NULL);
    c->ofd = -1;
    c->omask = 0;
  } else {
    mm__gw_origin_close(c);
  }
  mm__gw_config_unref(c->cfg);
  c->cfg = NULL;
}

static void process_input(gw_conn *c);

static void finish_response(gw_conn *c) {
  mm__gw_request_end(c);
  if (c->close_after || !c->keep_alive || atomic_load(&c->w->g->stopping)) {
    mm__gw_conn_close(c);
    return;
  }
  /* keep what the client pipelined after this request */
  size_t used = c->in_used;
  memmove(c->in.ptr, c->in.ptr + used, c->in.len - used);
  c->in.len -= used;
  mm__gw_request_begin(c);
  if (c->in.len)
    process_input(c);
  else
    mm__gw_conn_interest(c);
}

/* ---- reading the request ------------------------------------------------------------ */

/* Decide how the body is framed. Whatever the mitigation mode, a request
 * whose length two servers could compute differently is refused here: the
 * origin only ever sees a Content-Length the gateway computed itself. */
static bool choose_body_framing(gw_conn *c) {
  size_t n_te, n_cl;
  mm_str te = header_value(&c->head, "Transfer-Encoding", &n_te);
  header_value(&c->head, "Content-Length", &n_cl);
  if (n_te > 0) {
    /* RFC 7230 3.3.3: chunked must be the final coding; other codings are
     * passed on inside the chunked body. Several TE headers form one list. */
    mm_str last = te;
    for (size_t i = 0; i < c->head.n_headers; i++)
      if (mm_str_ieq(c->head.headers[i].name, MM_STR("Transfer-Encoding")))
        last = c->head.headers[i].value;
    const char *comma = NULL;
    for (size_t i = 0; i < last.len; i++)
      if (last.ptr[i] == ',') comma = last.ptr + i;
    mm_str final = comma ? (mm_str){comma + 1, (size_t)(last.ptr + last.len - comma - 1)} : last;
    while (final.len && (final.ptr[0] == ' ' || final.ptr[0] == '\t')) final.ptr++, final.len--;
    const char *semi = memchr(final.ptr, ';', final.len);
    if (semi) final.len = (size_t)(semi - final.ptr);
    while (final.len && (final.ptr[final.len - 1] == ' ' || final.ptr[final.len - 1] == '\t'))
      final.len--;
    if (!mm_str_ieq(final, MM_STR("chunked")) ||
        c->verdict.reason == MM_HTTP_R_MULTIPLE_TRANSFER_ENCODING_CHUNKED) {
      respond_error(c, 400, "unframeable Transfer-Encoding", true);
      return false;
    }
    c->body_mode = FRAME_CHUNKED;
    mm__chunked_init(&c->ch);
    return true;
  }
  if (n_cl > 0) {
    /* several Content-Length headers must agree (the classification has
     * already said Severe when they do not; monitor mode still may not
     * forward them) */
    uint64_t n = 0;
    for (size_t i = 0, seen = 0; i < c->head.n_headers; i++) {
      uint64_t v;
      if (!mm_str_ieq(c->head.headers[i].name, MM_STR("Content-Length"))) continue;
      if (!parse_length(c->head.headers[i].value, &v) || (seen++ && v != n)) {
        respond_error(c, 400, "invalid Content-Length", true);
        return false;
      }
      n = v;
    }
    if (n > c->cfg->limits.body_bytes) {
      respond_error(c, 413, "body larger than the inspection limit", true);
      return false;
    }
    c->body_mode = n ? FRAME_LENGTH : FRAME_NONE;
    c->body_left = n;
    return true;
  }
  c->body_mode = FRAME_NONE;
  return true;
}

static bool client_is_loopback(const gw_conn *c) {
  return strncmp(c->client_ip, "127.", 4) == 0 || strcmp(c->client_ip, "::1") == 0;
}

static void serve_metrics(gw_conn *c) {
  mm_buf out = MM_BUF_INIT;
  mm__gw_metrics_write(&c->w->g->metrics, c->cfg, &out);
  c->result = "Metrics";
  respond_local(c, 200, "text/plain; version=0.0.4", (mm_str){out.ptr ? out.ptr : "", out.len},
                (mm_str){"", 0}, false);
  mm_buf_free(&out);
}

static void dispatch(gw_conn *c);

/* Shield-style automatic mitigation (ddos.c): a flood's requests are
 * answered before their body is read. */
static bool ddos_blocks(gw_conn *c) {
  mm__gw_ddos_request q = {c->peer, c->head.uri, c->head.headers, c->head.n_headers,
                           mm_str_from(c->ja3)};
  mm__gw_ddos_verdict v = mm__gw_ddos_observe(c->site->ddos, &q, mm__gw_now_ms());
  if (v != MM_GW_DDOS_BLOCKED) return false;
  atomic_fetch_add(&c->w->g->metrics.ddos_blocked, 1);
  c->result = "Error";
  static const char body[] = "Request blocked by mamori (automatic DDoS mitigation).\n";
  respond_local(c, 403, "text/plain", MM_STR(body), (mm_str){"", 0}, false);
  return true;
}

/* A complete head is in c->in: classify, route, frame. */
static void on_head(gw_conn *c) {
  c->in_used = c->head_len; /* the body, if any, is taken after it */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  c->start_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
  mm_http_classify(&c->head, &c->verdict);
  mm__gw_metrics *m = &c->w->g->metrics;
  atomic_fetch_add(&m->desync[c->verdict.tier], 1);
  c->is_head = mm_str_eq(c->head.method, MM_STR("HEAD"));
  mm_str conn = header_value(&c->head, "Connection", NULL);
  bool http10 = mm_str_eq(c->head.version, MM_STR("HTTP/1.0"));
  c->keep_alive = http10 ? list_has(conn, "keep-alive") : !list_has(conn, "close");
  if (!mm_str_eq(c->head.version, MM_STR("HTTP/1.1")) && !http10) c->keep_alive = false;
  mm_http_action act = mm_http_mode_action(c->cfg->desync_mode, c->verdict.tier);
  if (act == MM_HTTP_REJECT) {
    atomic_fetch_add(&m->desync_rejected, 1);
    respond_error(c, 400, c->verdict.message, true);
    return;
  }
  if (act == MM_HTTP_FORWARD_CLOSE) c->close_after = true;
  size_t n_host;
  mm_str host = header_value(&c->head, "Host", &n_host);
  if (n_host > 1 || (n_host == 0 && !http10)) {
    respond_error(c, 400, "a request needs exactly one Host header", true);
    return;
  }
  if (c->cfg->metrics_path[0] && client_is_loopback(c) &&
      mm_str_eq(c->head.uri, mm_str_from(c->cfg->metrics_path))) {
    serve_metrics(c);
    return;
  }
  c->site = mm__gw_site_for(c->cfg, host);
  if (!c->site) {
    respond_error(c, 421, "no site is configured for this Host", false);
    return;
  }
  /* Domain fronting, as CloudFront refuses it: over HTTPS the Host must
   * name the site the TLS handshake's SNI chose. Sites are compared by
   * name because a reload may have replaced the configuration since. */
  if (c->ssl && c->sni_site && strcmp(c->sni_site->name, c->site->name) != 0) {
    respond_error(c, 421, "the Host does not match the TLS server name", false);
    return;
  }
  if (c->site->ddos && ddos_blocks(c)) return;
  if (!choose_body_framing(c)) return;
  mm_str expect = header_value(&c->head, "Expect", NULL);
  if (c->body_mode != FRAME_NONE && list_has(expect, "100-continue") && c->in.len == c->head_len) {
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ssize_t w = mm__gw_conn_send(c, cont, sizeof cont - 1);
    (void)w;
  }
  c->state = c->body_mode == FRAME_NONE ? GW_HEAD : GW_BODY;
  set_deadline(c, c->cfg->limits.body_timeout_ms);
  if (c->body_mode == FRAME_NONE) dispatch(c);
}

/* Move body bytes from c->in into c->body; true when the body is complete. */
static bool take_body(gw_conn *c) {
  const uint8_t *p = (const uint8_t *)c->in.ptr + c->in_used;
  size_t avail = c->in.len - c->in_used;
  if (c->body_mode == FRAME_LENGTH) {
    size_t take = avail < c->body_left ? avail : (size_t)c->body_left;
    mm_buf_append(&c->body, p, take);
    c->in_used += take;
    c->body_left -= take;
    return c->body_left == 0;
  }
  if (mm_buf_reserve(&c->body, avail) != MM_OK) {
    respond_error(c, 413, "out of memory for the body", true);
    return false;
  }
  size_t out, used;
  int rc = mm__chunked_feed(&c->ch, p, avail, (uint8_t *)c->body.ptr + c->body.len, &out, &used);
  c->body.len += out;
  c->in_used += used;
  if (rc != MM_OK) {
    respond_error(c, 400, "malformed chunked body", true);
    return false;
  }
  if (c->body.len > c->cfg->limits.body_bytes) {
    respond_error(c, 413, "body larger than the inspection limit", true);
    return false;
  }
  return mm__chunked_done(&c->ch);
}

static void process_input(gw_conn *c) {
  if (c->state == GW_HEAD) {
    if (!c->cfg) c->cfg = mm__gw_config_current(c->w->g);
    if (c->hdrs_cap < c->cfg->limits.headers) {
      mm_free(c->hdrs);
      c->hdrs = mm_calloc(c->cfg->limits.headers, sizeof *c->hdrs);
      c->hdrs_cap = c->hdrs ? c->cfg->limits.headers : 0;
    }
    mm_error err;
    int rc = mm_http_parse_head(c->in.ptr, c->in.len, c->cfg->limits.head_bytes, &c->head, c->hdrs,
                                c->hdrs_cap, &c->head_len, &err);
    if (rc == MM_ETRUNC) {
      set_deadline(c, c->cfg->limits.header_timeout_ms);
      mm__gw_conn_interest(c);
      return;
    }
    if (rc == MM_ELIMIT) {
      respond_error(c, 431, err.msg, true);
      return;
    }
    if (rc != MM_OK) {
      respond_error(c, 400, err.msg, true);
      return;
    }
    on_head(c);
    if (c->state != GW_BODY) return;
  }
  if (c->state == GW_BODY) {
    if (take_body(c))
      dispatch(c);
    else if (c->state == GW_BODY)
      mm__gw_conn_interest(c);
  }
}

/* ---- the origin ---------------------------------------------------------------------- */

static bool hop_by_hop(mm_str name, mm_str connection) {
  static const char *const names[] = {
      "Connection", "Keep-Alive",     "Proxy-Connection", "TE",     "Transfer-Encoding",
      "Upgrade",    "Content-Length", "Expect",           "Trailer"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (mm_str_ieq(name, mm_str_from(names[i]))) return true;
  char lower[64];
  if (name.len >= sizeof lower) return false;
  for (size_t i = 0; i < name.len; i++) lower[i] = mm_ascii_lower(name.ptr[i]);
  lower[name.len] = '\0';
  return list_has(connection, lower);
}

/* The request as the origin gets it: hop-by-hop headers dropped, the body
 * de-chunked with its own Content-Length, X-Forwarded-For appended, and the
 * headers the web ACL inserted. */
static void build_upstream(gw_conn *c, mm_str inserted) {
  mm_buf *u = &c->up;
  mm_buf_clear(u);
  c->up_off = 0;
  mm_buf_printf(u, "%.*s ", (int)c->head.method.len, c->head.method.ptr);
  /* a space in the target (SpaceInUri, forwarded in monitor and defensive
   * modes) would split the origin's request line: send it as %20 */
  for (size_t i = 0; i < c->head.uri.len; i++) {
    if (c->head.uri.ptr[i] == ' ')
      mm_buf_puts(u, "%20");
    else
      mm_buf_putc(u, c->head.uri.ptr[i]);
  }
  mm_buf_puts(u, " HTTP/1.1\r\n");
  mm_str conn = header_value(&c->head, "Connection", NULL);
  size_t n_xff;
  mm_str xff = header_value(&c->head, "X-Forwarded-For", &n_xff);
  for (size_t i = 0; i < c->head.n_headers; i++) {
    const mm_http_header *h = &c->head.headers[i];
    if (hop_by_hop(h->name, conn) || mm_str_ieq(h->name, MM_STR("X-Forwarded-For"))) continue;
    mm_buf_printf(u, "%.*s: %.*s\r\n", (int)h->name.len, h->name.ptr, (int)h->value.len,
                  h->value.ptr);
  }
  if (n_xff)
    mm_buf_printf(u, "X-Forwarded-For: %.*s, %s\r\n", (int)xff.len, xff.ptr, c->client_ip);
  else
    mm_buf_printf(u, "X-Forwarded-For: %s\r\n", c->client_ip);
  mm_buf_append(u, inserted.ptr, inserted.len);
  if (c->body.len || c->body_mode != FRAME_NONE)
    mm_buf_printf(u, "Content-Length: %zu\r\n", c->body.len);
  mm_buf_puts(u, "Connection: keep-alive\r\n\r\n");
  mm_buf_append(u, c->body.ptr, c->body.len);
}

static void try_origin(gw_conn *c);

/* The current origin failed before answering: try the next one in the
 * group, or answer 502. */
static void origin_failed(gw_conn *c, const char *why) {
  atomic_fetch_add(&c->w->g->metrics.origin_errors, 1);
  mm__gw_origin_close(c);
  if (c->reused && !c->retried_fresh) { /* a pooled connection may have gone stale */
    c->retried_fresh = true;
    c->reused = false;
    try_origin(c);
    return;
  }
  if (++c->attempts < c->site->n_origins) {
    atomic_fetch_add(&c->w->g->metrics.origin_failovers, 1);
    c->origin = (c->origin + 1) % c->site->n_origins;
    c->retried_fresh = false;
    try_origin(c);
    return;
  }
  respond_error(c, 502, why, false);
}

static void start_send(gw_conn *c) {
  c->state = GW_SEND;
  set_deadline(c, c->cfg->limits.origin_timeout_ms);
  mm__gw_conn_interest(c);
}

static void try_origin(gw_conn *c) {
  const mm__gw_origin *o = &c->site->origins[c->origin];
  mm_buf_clear(&c->resp);
  c->up_off = 0;
  int fd = c->retried_fresh ? -1 : mm__gw_pool_take(c->w, o->name);
  c->reused = fd >= 0;
  if (fd < 0) {
    fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      origin_failed(c, "cannot create a socket");
      return;
    }
    if (connect(fd, (const struct sockaddr *)&o->addr, o->addr_len) < 0 && errno != EINPROGRESS) {
      close(fd);
      c->ofd = -1;
      {
        origin_failed(c, "origin refused the connection");
        return;
      }
    }
    c->ofd = fd;
    c->state = GW_CONNECT;
    set_deadline(c, c->cfg->limits.origin_timeout_ms);
    mm__gw_conn_interest(c);
    return;
  }
  c->ofd = fd;
  start_send(c);
}

/* First origin of the group the health checks have not marked down. */
static size_t first_healthy(const mm__gw_site *s) {
  for (size_t i = 0; i < s->n_origins; i++)
    if (!atomic_load(&s->origins[i].down)) return i;
  return 0;
}

/* POST /__mamori/verify: the answer to a Challenge or CAPTCHA page. */
static void verify_interstitial(gw_conn *c) {
  mm_buf cookie = MM_BUF_INIT, location = MM_BUF_INIT, headers = MM_BUF_INIT;
  int rc = mm__gw_interstitial_verify(
      mm__gw_waf_key(c->site->waf), (mm_str){c->body.ptr ? c->body.ptr : "", c->body.len},
      mm_str_from(c->client_ip), header_value(&c->head, "Host", NULL), &cookie, &location);
  if (rc == MM_OK) {
    mm_buf_printf(&headers, "Set-Cookie: %s\r\nLocation: %s\r\n", cookie.ptr, location.ptr);
    c->result = "Redirect";
    respond_local(c, 303, "text/plain", MM_STR("solved\n"), (mm_str){headers.ptr, headers.len},
                  false);
  } else {
    respond_error(c, 403, "the challenge answer is wrong or expired", false);
  }
  mm_buf_free(&cookie);
  mm_buf_free(&location);
  mm_buf_free(&headers);
}

static void dispatch(gw_conn *c) {
  mm_str inserted = {"", 0};
  if (c->site->waf && mm_str_eq(c->head.method, MM_STR("POST")) &&
      mm_str_eq(c->head.uri, MM_STR(MM_GW_VERIFY_PATH))) {
    verify_interstitial(c);
    return;
  }
  mm__gw_waf_result res = {.body = MM_BUF_INIT, .headers = MM_BUF_INIT};
  if (c->site->waf) {
    mm_buf log = MM_BUF_INIT;
    int rc = mm__gw_waf_inspect(c->site->waf, &c->head, (mm_str){c->body.ptr, c->body.len},
                                mm_str_from(c->client_ip), c->hello ? &c->hello->view : NULL, &res,
                                &log);
    if (log.len && c->w->g->waf_fd >= 0) {
      ssize_t w = write(c->w->g->waf_fd, log.ptr, log.len);
      (void)w;
    }
    mm_buf_free(&log);
    if (res.counted) atomic_fetch_add(&c->w->g->metrics.waf_counted, 1);
    if (rc != MM_OK) {
      res.block = true; /* an error while inspecting blocks: fail closed */
      res.status = 403;
    }
    if (res.block) {
      atomic_fetch_add(&c->w->g->metrics.waf_blocked, 1);
      const char *labels[MM_GW_BLOCK_LABELS];
      for (size_t i = 0; i < res.n_labels; i++) labels[i] = res.labels[i];
      mm__gw_metrics_block(&c->w->g->metrics, res.rule[0] ? res.rule : "inspection_error", labels,
                           res.n_labels);
      c->result = "Error";
      static const char deny[] = "Request blocked by mamori (AWS WAF rules).\n";
      mm_str body = res.body.len ? (mm_str){res.body.ptr, res.body.len} : MM_STR(deny);
      respond_local(c, res.status ? res.status : 403,
                    res.content_type[0] ? res.content_type : "text/plain", body,
                    (mm_str){res.headers.ptr ? res.headers.ptr : "", res.headers.len}, false);
      mm_buf_free(&res.body);
      mm_buf_free(&res.headers);
      return;
    }
    inserted = (mm_str){res.headers.ptr ? res.headers.ptr : "", res.headers.len};
  }
  build_upstream(c, inserted);
  mm_buf_free(&res.body);
  mm_buf_free(&res.headers);
  c->origin = first_healthy(c->site);
  c->attempts = 0;
  try_origin(c);
}

/* ---- the response --------------------------------------------------------------------- */

static bool parse_status_line(mm_str line, int *status) {
  if (line.len < 12 || memcmp(line.ptr, "HTTP/1.", 7) != 0 || line.ptr[8] != ' ') return false;
  int s = 0;
  for (int i = 9; i < 12; i++) {
    if (line.ptr[i] < '0' || line.ptr[i] > '9') return false;
    s = s * 10 + (line.ptr[i] - '0');
  }
  *status = s;
  return line.len == 12 || line.ptr[12] == ' ';
}

/* Bytes that arrived from the origin, passed through the response's
 * framing: FRAME_LENGTH counts, FRAME_CHUNKED checks the chunks (relayed
 * unchanged), FRAME_CLOSE runs until the origin closes. */
static bool relay_bytes(gw_conn *c, const char *p, size_t n) {
  size_t take = n;
  if (c->resp_mode == FRAME_LENGTH) {
    if (take > c->resp_left) take = (size_t)c->resp_left;
    c->resp_left -= take;
    if (c->resp_left == 0) c->origin_done = true;
  } else if (c->resp_mode == FRAME_CHUNKED) {
    size_t out, used;
    if (mm__chunked_feed(&c->rch, (const uint8_t *)p, n, NULL, &out, &used) != MM_OK) return false;
    take = used;
    if (mm__chunked_done(&c->rch)) c->origin_done = true;
  }
  if (take < n) c->origin_keep = false; /* bytes past the response: do not reuse */
  mm_buf_append(&c->down, p, take);
  return true;
}

/* The origin's head is complete in c->resp (head_len bytes). */
static void on_response_head(gw_conn *c, const mm_http_head *rh, int status, size_t head_len) {
  if (status >= 500 && c->attempts + 1 < c->site->n_origins) {
    c->reused = false;
    c->retried_fresh = true;
    origin_failed(c, "origin answered 5xx");
    return;
  }
  c->status = status;
  mm_str conn = header_value(rh, "Connection", NULL);
  size_t n_te, n_cl;
  header_value(rh, "Transfer-Encoding", &n_te);
  mm_str cl = header_value(rh, "Content-Length", &n_cl);
  c->origin_keep = !list_has(conn, "close");
  uint64_t len = 0;
  bool cl_ok = n_cl == 1 && parse_length(cl, &len);
  if (c->is_head || status == 204 || status == 304 || status < 200)
    c->resp_mode = FRAME_NONE;
  else if (n_te)
    c->resp_mode = FRAME_CHUNKED, mm__chunked_init(&c->rch);
  else if (cl_ok)
    c->resp_mode = len ? FRAME_LENGTH : FRAME_NONE, c->resp_left = len;
  else if (n_cl) {
    origin_failed(c, "origin sent an invalid Content-Length");
    return;
  } else
    c->resp_mode = FRAME_CLOSE, c->origin_keep = false, c->close_after = true;
  mm_buf_clear(&c->down);
  c->down_off = 0;
  mm_buf_printf(&c->down, "HTTP/1.1 %d %s\r\n", status, status_text(status));
  for (size_t i = 0; i < rh->n_headers; i++) {
    const mm_http_header *h = &rh->headers[i];
    bool chunk_te = mm_str_ieq(h->name, MM_STR("Transfer-Encoding"));
    if (mm_str_ieq(h->name, MM_STR("Connection")) || mm_str_ieq(h->name, MM_STR("Keep-Alive")) ||
        (n_te && mm_str_ieq(h->name, MM_STR("Content-Length"))))
      continue;
    if (chunk_te) {
      mm_buf_puts(&c->down, "Transfer-Encoding: chunked\r\n");
      continue;
    }
    mm_buf_printf(&c->down, "%.*s: %.*s\r\n", (int)h->name.len, h->name.ptr, (int)h->value.len,
                  h->value.ptr);
  }
  bool close = c->close_after || !c->keep_alive || atomic_load(&c->w->g->stopping);
  mm_buf_printf(&c->down, "Connection: %s\r\n\r\n", close ? "close" : "keep-alive");
  if (close) c->close_after = true;
  c->state = GW_RELAY;
  c->origin_done = c->resp_mode == FRAME_NONE;
  size_t extra = c->resp.len - head_len;
  if (extra && !c->origin_done && !relay_bytes(c, c->resp.ptr + head_len, extra)) {
    mm__gw_origin_close(c);
    c->close_after = true;
    c->origin_done = true;
  }
  mm_buf_clear(&c->resp);
  mm__gw_conn_interest(c);
}

static void read_response_head(gw_conn *c) {
  char buf[READ_CHUNK];
  ssize_t n = recv(c->ofd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    origin_failed(c, c->resp.len ? "origin closed mid-head" : "origin closed the connection");
    return;
  }
  mm_buf_append(&c->resp, buf, (size_t)n);
  /* the status line first, then the header lines: the request parser reads
   * "HTTP/1.1 200 OK" as method, target and version, which is enough to
   * find the header lines; the status is read from the line itself */
  mm_http_header hdrs[MM_GW_HEADERS];
  mm_http_head rh;
  size_t head_len;
  mm_error err;
  int rc = mm_http_parse_head(c->resp.ptr, c->resp.len, MM_GW_HEAD_BYTES * 4, &rh, hdrs,
                              MM_GW_HEADERS, &head_len, &err);
  if (rc == MM_ETRUNC) return;
  const char *eol = memchr(c->resp.ptr, '\n', c->resp.len);
  mm_str line = {c->resp.ptr, eol ? (size_t)(eol - c->resp.ptr) : 0};
  if (line.len && line.ptr[line.len - 1] == '\r') line.len--;
  int status;
  if (rc != MM_OK || !parse_status_line(line, &status)) {
    origin_failed(c, "origin sent a malformed response head");
    return;
  }
  if (status >= 100 && status < 200) { /* interim: drop it and read on */
    memmove(c->resp.ptr, c->resp.ptr + head_len, c->resp.len - head_len);
    c->resp.len -= head_len;
    return;
  }
  on_response_head(c, &rh, status, head_len);
}

static void relay_from_origin(gw_conn *c) {
  char buf[READ_CHUNK];
  ssize_t n = recv(c->ofd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    /* only a close-delimited body may end this way */
    if (c->resp_mode != FRAME_CLOSE) c->close_after = true;
    c->origin_done = true;
    c->origin_keep = false;
    mm__gw_origin_close(c);
  } else if (!relay_bytes(c, buf, (size_t)n)) {
    c->close_after = true;
    c->origin_done = true;
    c->origin_keep = false;
    mm__gw_origin_close(c);
  }
  set_deadline(c, c->cfg->limits.origin_timeout_ms);
  mm__gw_conn_interest(c);
}

void mm__gw_on_origin(gw_conn *c, uint32_t events) {
  if (c->state == GW_CONNECT) {
    int e = 0;
    socklen_t sl = sizeof e;
    getsockopt(c->ofd, SOL_SOCKET, SO_ERROR, &e, &sl);
    if (e) {
      origin_failed(c, "cannot connect to the origin");
      return;
    }
    start_send(c);
    return;
  }
  if (c->state == GW_SEND) {
    ssize_t n = send(c->ofd, c->up.ptr + c->up_off, c->up.len - c->up_off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
      origin_failed(c, "cannot send to the origin");
      return;
    }
    c->up_off += (size_t)n;
    if (c->up_off == c->up.len) {
      c->state = GW_RESP_HEAD;
      mm__gw_conn_interest(c);
    }
    return;
  }
  if (c->state == GW_RESP_HEAD) {
    read_response_head(c);
    return;
  }
  if (c->state == GW_RELAY && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
    relay_from_origin(c);
    return;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) mm__gw_origin_close(c);
}

/* ---- the client side ------------------------------------------------------------------ */

static void write_client(gw_conn *c) {
  while (c->down_off < c->down.len) {
    ssize_t n = mm__gw_conn_send(c, c->down.ptr + c->down_off, c->down.len - c->down_off);
    if (n == -1) {
      mm__gw_conn_interest(c);
      return;
    }
    if (n <= 0) {
      mm__gw_conn_close(c);
      return;
    }
    c->down_off += (size_t)n;
    c->bytes_out += (size_t)n;
  }
  mm_buf_clear(&c->down);
  c->down_off = 0;
  if (c->origin_done)
    finish_response(c);
  else
    mm__gw_conn_interest(c);
}

/* Read what the client sent into c->in: 1 got bytes, 0 nothing yet, -1
 * the connection is gone. A TLS record may hold more than one read takes,
 * and epoll does not see what OpenSSL has buffered: drain it. */
static int read_client(gw_conn *c, size_t limit) {
  int got = 0;
  do {
    if (mm_buf_reserve(&c->in, READ_CHUNK) != MM_OK) return -1;
    ssize_t n = mm__gw_conn_recv(c, c->in.ptr + c->in.len, READ_CHUNK);
    if (n == -1) return got;
    if (n <= 0) return -1;
    c->in.len += (size_t)n;
    got = 1;
  } while (c->ssl && SSL_pending(c->ssl) > 0 && c->in.len < limit);
  return got;
}

void mm__gw_on_client(gw_conn *c, uint32_t events) {
  if (c->handshaking) {
    int h = mm__gw_tls_handshake(c);
    mm__gw_conn_interest(c);
    if (h < 0) mm__gw_conn_close(c);
    if (h <= 0) return;
    events = EPOLLIN; /* the request may have come with the last flight */
  }
  if (events & EPOLLOUT) {
    write_client(c);
    return;
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) return;
  if (c->state != GW_HEAD && c->state != GW_BODY) {
    /* the client went away while the origin works: nothing to answer */
    if (events & (EPOLLHUP | EPOLLERR)) mm__gw_conn_close(c);
    return;
  }
  size_t limit = c->cfg ? c->cfg->limits.head_bytes + READ_CHUNK : MM_GW_HEAD_BYTES + READ_CHUNK;
  if (c->state == GW_HEAD && c->in.len >= limit) {
    process_input(c);
    return;
  }
  int got = read_client(c, limit);
  if (got < 0)
    mm__gw_conn_close(c);
  else if (got > 0)
    process_input(c);
}

void mm__gw_on_timeout(gw_conn *c) {
  atomic_fetch_add(&c->w->g->metrics.timeouts, 1);
  switch (c->state) {
    case GW_HEAD:
      if (c->in.len == 0) {
        mm__gw_conn_close(c);
        return;
      } /* idle keep-alive */
      /* fall through */
    case GW_BODY: {
      respond_error(c, 408, "request not received in time", true);
      return;
    }
    case GW_CONNECT:
    case GW_SEND:
    case GW_RESP_HEAD: {
      respond_error(c, 504, "origin did not answer in time", true);
      return;
    }
    default: {
      mm__gw_conn_close(c);
      return;
    }
  }
}
