/*
 * test_gateway.c - the gateway end to end over real sockets: a test origin
 * (a thread answering with what it received) behind a gateway on an
 * ephemeral port. Keep-alive and pipelining, request bodies de-chunked,
 * chunked responses relayed, smuggling shapes refused, the mitigation
 * modes, origin failover on connect errors and 5xx, Host routing, the
 * slowloris header timeout, reload and configuration errors.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mamori/gateway.h"
#include "mamori/http.h"
#include "test.h"

/* ---- a test origin ------------------------------------------------------------ */

typedef struct origin {
  int fd, port;
  int status;      /* what it answers */
  bool chunked;    /* answer with a chunked body */
  int requests;    /* requests seen */
  char last[4096]; /* the last request as received */
} origin;

static void origin_answer(origin *o, int fd, const char *req, size_t head_len, size_t body_len) {
  char resp[512];
  int n;
  if (o->chunked)
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n "
                 "world\r\n0\r\nT: v\r\n\r\n",
                 o->status);
  else
    n = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 12\r\n\r\nbody=%07zu",
                 o->status, body_len);
  size_t keep = head_len + body_len < sizeof o->last - 1 ? head_len + body_len : sizeof o->last - 1;
  memcpy(o->last, req, keep);
  o->last[keep] = '\0';
  o->requests++;
  ssize_t w = send(fd, resp, (size_t)n, MSG_NOSIGNAL);
  (void)w;
}

static void *origin_main(void *arg) {
  origin *o = arg;
  for (;;) {
    int fd = accept(o->fd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[65536];
    size_t len = 0;
    for (;;) {
      mm_http_header hdrs[64];
      mm_http_head h;
      size_t head_len;
      mm_error err;
      int rc = mm_http_parse_head(buf, len, sizeof buf, &h, hdrs, 64, &head_len, &err);
      if (rc == MM_ETRUNC) {
        ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
        if (n <= 0) break;
        len += (size_t)n;
        continue;
      }
      if (rc != MM_OK) break;
      size_t body = 0;
      for (size_t i = 0; i < h.n_headers; i++)
        if (mm_str_ieq(hdrs[i].name, MM_STR("Content-Length")))
          body = strtoul(hdrs[i].value.ptr, NULL, 10);
      while (len < head_len + body) {
        ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
        if (n <= 0) goto next;
        len += (size_t)n;
      }
      origin_answer(o, fd, buf, head_len, body);
      memmove(buf, buf + head_len + body, len - head_len - body);
      len -= head_len + body;
    }
  next:
    close(fd);
  }
}

static int listen_any(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) return -1;
  getsockname(fd, (struct sockaddr *)&a, &sl);
  *port = ntohs(a.sin_port);
  return fd;
}

static void origin_start(origin *o, int status) {
  memset(o, 0, sizeof *o);
  o->status = status;
  o->fd = listen_any(&o->port);
  pthread_t t;
  pthread_create(&t, NULL, origin_main, o);
  pthread_detach(t);
}

/* A port nothing listens on: bound, then closed. */
static int dead_port(void) {
  int port, fd = listen_any(&port);
  close(fd);
  return port;
}

/* ---- a client ---------------------------------------------------------------- */

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) return -1;
  return fd;
}

/* Read until the peer closes, wait_ms passes with nothing new, or want
 * bytes of "HTTP/1.1" responses are seen. */
static size_t read_some(int fd, char *buf, size_t cap, int wait_ms, int want_responses) {
  size_t len = 0;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) != 1) break;
    ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n <= 0) break;
    len += (size_t)n;
    buf[len] = '\0';
    int seen = 0;
    for (const char *s = buf; (s = strstr(s, "HTTP/1.1 ")); s++) seen++;
    if (want_responses && seen >= want_responses && strstr(buf, "\r\n\r\n")) {
      /* wait for the bodies (12 bytes each here) */
      struct pollfd q = {fd, POLLIN, 0};
      if (poll(&q, 1, 50) == 1) continue;
      break;
    }
  }
  buf[len] = '\0';
  return len;
}

static bool peer_closed(int fd) {
  char c;
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1 && recv(fd, &c, 1, 0) == 0;
}

static char resp[65536];

/* Send raw over a new connection; the responses land in resp. */
static int exchange(int port, const char *raw, int responses) {
  int fd = connect_to(port);
  ASSERT_TRUE(fd >= 0);
  ASSERT_EQ(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
  read_some(fd, resp, sizeof resp, 2000, responses);
  return fd;
}

/* ---- the gateway ------------------------------------------------------------- */

static mm_gateway *start(const char *json) {
  mm_error err;
  mm_gateway_config *cfg = mm_gateway_config_parse(json, strlen(json), ".", &err);
  if (!cfg) MM_TEST_FAIL("config: %s at %s", err.msg, err.path);
  mm_gateway *g = mm_gateway_start(cfg, &err);
  if (!g) MM_TEST_FAIL("start: %s", err.msg);
  return g;
}

static char json[2048];

static const char *config1(int origin_port, const char *extra) {
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"workers\":2,%s\"sites\":[{\"name\":\"s\","
           "\"hosts\":[\"*\"],\"origins\":[\"127.0.0.1:%d\"]}]}",
           extra, origin_port);
  return json;
}

TEST(keep_alive_and_pipelining) {
  origin o;
  origin_start(&o, 200);
  mm_gateway *g = start(config1(o.port, ""));
  int fd = exchange(mm_gateway_port(g),
                    "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", 2);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  ASSERT_TRUE(strstr(strstr(resp, "body=") + 1, "HTTP/1.1 200") != NULL); /* two responses */
  ASSERT_TRUE(strstr(resp, "Connection: keep-alive") != NULL);
  ASSERT_EQ(o.requests, 2);
  ASSERT_TRUE(strstr(o.last, "X-Forwarded-For: 127.0.0.1") != NULL);
  close(fd);
  mm_gateway_stop(g, 1000);
}

/* The origin gets the body de-chunked with a Content-Length of its own;
 * a chunked response comes back unchanged. */
TEST(chunked_both_ways) {
  origin o;
  origin_start(&o, 200);
  o.chunked = true;
  mm_gateway *g = start(config1(o.port, ""));
  int fd = exchange(mm_gateway_port(g),
                    "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                    1);
  ASSERT_TRUE(strstr(o.last, "Content-Length: 5\r\n") != NULL);
  ASSERT_TRUE(strstr(o.last, "Transfer-Encoding") == NULL);
  ASSERT_TRUE(strstr(o.last, "\r\n\r\nabcde") != NULL);
  ASSERT_TRUE(strstr(resp, "Transfer-Encoding: chunked\r\n") != NULL);
  ASSERT_TRUE(strstr(resp, "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n") != NULL);
  close(fd);
  mm_gateway_stop(g, 1000);
}

/* Smuggling shapes (PortSwigger's CL.CL, TE.CL, obs-fold): refused with 400
 * and the connection closed; nothing reaches the origin. */
TEST(smuggling_refused) {
  static const char *const attacks[] = {
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
      ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n"),
      "POST / HTTP/1.1\r\nHost: x\r\nX: a\r\n Transfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nabcde\n0\n\n",
      "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
  };
  origin o;
  origin_start(&o, 200);
  mm_gateway *g = start(config1(o.port, ""));
  for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
    int fd = exchange(mm_gateway_port(g), attacks[i], 1);
    if (!strstr(resp, "HTTP/1.1 400")) MM_TEST_FAIL("attack %zu answered: %.60s", i, resp);
    ASSERT_TRUE(peer_closed(fd));
    close(fd);
  }
  ASSERT_EQ(o.requests, 0);
  mm_gateway_stop(g, 1000);
}

/* Ambiguous (TE and CL): forwarded in defensive mode with its framing
 * normalised, then the connection is closed; refused in strictest. */
TEST(mitigation_modes) {
  const char *req =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n";
  origin o;
  origin_start(&o, 200);
  mm_gateway *g = start(config1(o.port, ""));
  int fd = exchange(mm_gateway_port(g), req, 1);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  ASSERT_TRUE(strstr(o.last, "Content-Length: 1\r\n") != NULL);
  ASSERT_TRUE(peer_closed(fd));
  close(fd);
  mm_gateway_stop(g, 1000);
  g = start(config1(o.port, "\"desync_mode\":\"strictest\","));
  fd = exchange(mm_gateway_port(g), "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 400") != NULL); /* Acceptable: refused in strictest */
  close(fd);
  mm_gateway_stop(g, 1000);
}

TEST(failover) {
  origin bad, good;
  origin_start(&bad, 503);
  origin_start(&good, 200);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"workers\":1,\"sites\":[{\"origins\":[\"127.0.0.1:%d\","
           "\"127.0.0.1:%d\",\"127.0.0.1:%d\"]}]}",
           dead_port(), bad.port, good.port);
  mm_gateway *g = start(json);
  int fd = exchange(mm_gateway_port(g), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  ASSERT_EQ(bad.requests, 1);
  ASSERT_EQ(good.requests, 1);
  close(fd);
  mm_gateway_stop(g, 1000);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"sites\":[{\"origins\":[\"127.0.0.1:%d\"]}]}",
           dead_port());
  g = start(json);
  fd = exchange(mm_gateway_port(g), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 502") != NULL);
  close(fd);
  mm_gateway_stop(g, 1000);
}

TEST(host_routing_and_metrics) {
  origin a, b;
  origin_start(&a, 200);
  origin_start(&b, 201);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"metrics_path\":\"/m\",\"sites\":["
           "{\"hosts\":[\"a.example\"],\"origins\":[\"127.0.0.1:%d\"]},"
           "{\"hosts\":[\"*.b.example\"],\"origins\":[\"127.0.0.1:%d\"]}]}",
           a.port, b.port);
  mm_gateway *g = start(json);
  int port = mm_gateway_port(g);
  close(exchange(port, "GET / HTTP/1.1\r\nHost: A.Example:80\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  close(exchange(port, "GET / HTTP/1.1\r\nHost: x.b.example\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 201") != NULL);
  close(exchange(port, "GET / HTTP/1.1\r\nHost: c.example\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 421") != NULL);
  close(exchange(port, "GET /m HTTP/1.1\r\nHost: a.example\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "mamori_requests_total") != NULL);
  ASSERT_TRUE(strstr(resp, "mamori_desync_requests_total{tier=\"Compliant\"}") != NULL);
  mm_gateway_stop(g, 1000);
}

/* Slowloris: a head that does not complete within header_timeout_ms. */
TEST(header_timeout) {
  origin o;
  origin_start(&o, 200);
  mm_gateway *g = start(config1(o.port, "\"limits\":{\"header_timeout_ms\":200},"));
  int fd = exchange(mm_gateway_port(g), "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1", 1);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 408") != NULL);
  close(fd);
  mm_gateway_stop(g, 1000);
}

TEST(reload_and_config_errors) {
  origin a, b;
  origin_start(&a, 200);
  origin_start(&b, 202);
  mm_gateway *g = start(config1(a.port, ""));
  int port = mm_gateway_port(g);
  mm_error err;
  mm_gateway_config *next = mm_gateway_config_parse(json, strlen(json), ".", &err);
  ASSERT_TRUE(next != NULL);
  mm_gateway_config_free(next);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:1\",\"sites\":[{\"origins\":[\"127.0.0.1:%d\"]}]}", b.port);
  next = mm_gateway_config_parse(json, strlen(json), ".", &err);
  ASSERT_EQ(mm_gateway_reload(g, next, &err), MM_EINVAL); /* the listen address may not change */
  mm_gateway_stop(g, 1000);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:%d\",\"sites\":[{\"origins\":[\"127.0.0.1:%d\"]}]}", port,
           a.port);
  g = start(json);
  close(exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:%d\",\"sites\":[{\"origins\":[\"127.0.0.1:%d\"]}]}", port,
           b.port);
  next = mm_gateway_config_parse(json, strlen(json), ".", &err);
  ASSERT_EQ(mm_gateway_reload(g, next, &err), MM_OK);
  close(exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1));
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 202") != NULL);
  mm_gateway_stop(g, 1000);

  static const struct {
    const char *json, *path;
  } bad[] = {
      {"{\"sites\":[]}", "$.sites"},
      {"{\"sites\":[{\"origins\":[\"nohost\"]}]}", "$.sites[0].origins"},
      {"{\"bogus\":1,\"sites\":[{\"origins\":[\"127.0.0.1:1\"]}]}", "$.bogus"},
      {"{\"desync_mode\":\"lax\",\"sites\":[{\"origins\":[\"127.0.0.1:1\"]}]}", "$.desync_mode"},
      {"{\"sites\":[{\"origins\":[\"127.0.0.1:1\"],\"health_check\":{\"path\":\"x\"}}]}",
       "$.sites[0].health_check"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_TRUE(mm_gateway_config_parse(bad[i].json, strlen(bad[i].json), ".", &err) == NULL);
    if (strcmp(err.path, bad[i].path) != 0) MM_TEST_FAIL("%s: path %s", bad[i].json, err.path);
  }
  ASSERT_TRUE(mm_gateway_config_parse("{", 1, ".", &err) == NULL);
  ASSERT_EQ(err.code, MM_ETRUNC);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  RUN(keep_alive_and_pipelining);
  RUN(chunked_both_ways);
  RUN(smuggling_refused);
  RUN(mitigation_modes);
  RUN(failover);
  RUN(host_routing_and_metrics);
  RUN(header_timeout);
  RUN(reload_and_config_errors);
  return mm_test_summary();
}
