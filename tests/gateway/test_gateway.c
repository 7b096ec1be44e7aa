/*
 * test_gateway.c - the gateway end to end over real sockets: a test origin
 * (a thread answering with what it received) behind a gateway on an
 * ephemeral port. Keep-alive and pipelining, request bodies de-chunked,
 * chunked responses relayed, smuggling shapes refused, the mitigation
 * modes, origin failover on connect errors and 5xx, Host routing, the
 * slowloris header timeout, reload and configuration errors.
 */
#include <signal.h>

#include "gw_test.h"

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
