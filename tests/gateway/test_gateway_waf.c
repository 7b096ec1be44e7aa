/*
 * test_gateway_waf.c - the web ACL inline in the gateway, end to end: a
 * Block rule answers 403 (and a CustomResponse its own code and body)
 * before the origin sees anything; Count rules' labels and Allow's inserted
 * headers reach the origin; a rate-based rule blocks a flood; Challenge and
 * CAPTCHA serve their pages (202 / 405) and a solved page sets the
 * aws-waf-token cookie the web ACL then accepts (AWS WAF Developer Guide,
 * "CAPTCHA and Challenge in AWS WAF"); every evaluation is logged.
 */
#include <signal.h>
#include <stdlib.h>

#include "gw_test.h"

static char resp[65536];

static void get(int port, const char *raw) {
  int fd = connect_to(port);
  ASSERT_TRUE(fd >= 0);
  ASSERT_EQ(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
  read_some(fd, resp, sizeof resp, 2000, 1);
  close(fd);
}

#define VC                                                                                     \
  "\"VisibilityConfig\":{\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false," \
  "\"MetricName\":\"m\"}"
#define TT "\"TextTransformations\":[{\"Priority\":0,\"Type\":\"URL_DECODE\"}]"

static const char acl_json[] =
    "{\"Name\":\"gw\",\"DefaultAction\":{\"Allow\":{\"CustomRequestHandling\":{\"InsertHeaders\":"
    "[{\"Name\":\"seen\",\"Value\":\"yes\"}]}}}," VC
    ",\"Rules\":["
    "{\"Name\":\"sqli\",\"Priority\":0,\"Action\":{\"Block\":{}}," VC
    ",\"Statement\":"
    "{\"SqliMatchStatement\":{\"FieldToMatch\":{\"QueryString\":{}}," TT
    "}}},"
    "{\"Name\":\"teapot\",\"Priority\":1,\"Action\":{\"Block\":{\"CustomResponse\":{"
    "\"ResponseCode\":418,"
    "\"CustomResponseBodyKey\":\"tea\"}}}," VC
    ",\"Statement\":{\"ByteMatchStatement\":{\"FieldToMatch\":"
    "{\"UriPath\":{}},\"SearchString\":\"/teapot\",\"PositionalConstraint\":\"EXACTLY\"," TT
    "}}},"
    "{\"Name\":\"tag\",\"Priority\":2,\"Action\":{\"Count\":{}},\"RuleLabels\":[{\"Name\":\"seen:"
    "tag\"}]," VC
    ",\"Statement\":{\"ByteMatchStatement\":{\"FieldToMatch\":{\"UriPath\":{}},\"SearchString\":\"/"
    "tag\","
    "\"PositionalConstraint\":\"STARTS_WITH\"," TT
    "}}},"
    "{\"Name\":\"chal\",\"Priority\":3,\"Action\":{\"Challenge\":{}}," VC
    ",\"Statement\":{\"ByteMatchStatement\":"
    "{\"FieldToMatch\":{\"UriPath\":{}},\"SearchString\":\"/"
    "protected\",\"PositionalConstraint\":\"STARTS_WITH\"," TT
    "}}},"
    "{\"Name\":\"flood\",\"Priority\":4,\"Action\":{\"Block\":{\"CustomResponse\":{"
    "\"ResponseCode\":429}}}," VC
    ",\"Statement\":{\"RateBasedStatement\":{\"Limit\":10,\"EvaluationWindowSec\":60,"
    "\"AggregateKeyType\":"
    "\"IP\",\"ScopeDownStatement\":{\"ByteMatchStatement\":{\"FieldToMatch\":{\"UriPath\":{}},"
    "\"SearchString\":"
    "\"/flood\",\"PositionalConstraint\":\"EXACTLY\"," TT
    "}}}}}],"
    "\"CustomResponseBodies\":{\"tea\":{\"ContentType\":\"TEXT_PLAIN\",\"Content\":\"short and "
    "stout\"}}}";

static mm_gateway *start_with_acl(int origin_port, const char *dir) {
  char path[512], json[1024];
  snprintf(path, sizeof path, "%s/acl.json", dir);
  FILE *f = fopen(path, "w");
  ASSERT_TRUE(f != NULL);
  fputs(acl_json, f);
  fclose(f);
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"workers\":1,\"metrics_path\":\"/m\",\"waf_log\":\"%s/"
           "waf.log\",\"sites\":[{"
           "\"origins\":[\"127.0.0.1:%d\"],\"web_acl\":\"acl.json\"}]}",
           dir, origin_port);
  mm_error err;
  mm_gateway_config *cfg = mm_gateway_config_parse(json, strlen(json), dir, &err);
  if (!cfg) MM_TEST_FAIL("config: %s at %s", err.msg, err.path);
  mm_gateway *g = mm_gateway_start(cfg, &err);
  if (!g) MM_TEST_FAIL("start: %s", err.msg);
  return g;
}

/* The value of name="seed" in the page in resp. */
static void page_seed(char *out, size_t cap) {
  const char *s = strstr(resp, "name=seed value=\"");
  ASSERT_TRUE(s != NULL);
  s += strlen("name=seed value=\"");
  size_t n = 0;
  while (s[n] && s[n] != '"' && n + 1 < cap) n++;
  memcpy(out, s, n);
  out[n] = '\0';
}

TEST(waf_inline) {
  origin o;
  origin_start(&o, 200);
  char dir[] = "/tmp/mamori-gwwaf-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  mm_gateway *g = start_with_acl(o.port, dir);
  int port = mm_gateway_port(g);

  get(port, "GET /?id=1%27%20OR%20%271%27%3D%271 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 403") != NULL);
  get(port, "GET /teapot HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 418") != NULL);
  ASSERT_TRUE(strstr(resp, "short and stout") != NULL);
  ASSERT_EQ(o.requests, 0);

  get(port, "GET /tag/x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  ASSERT_TRUE(strstr(o.last, "x-amzn-waf-seen: yes\r\n") != NULL);
  ASSERT_TRUE(strstr(o.last, "x-mamori-waf-labels: awswaf:") != NULL);
  ASSERT_TRUE(strstr(o.last, ":seen:tag") != NULL);

  int blocked = 0;
  for (int i = 0; i < 15; i++) {
    get(port, "GET /flood HTTP/1.1\r\nHost: a\r\n\r\n");
    blocked += strstr(resp, "HTTP/1.1 429") != NULL;
  }
  ASSERT_TRUE(blocked >= 4);

  /* Challenge: the page, the answer, the cookie, then the request passes */
  get(port, "GET /protected/doc HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 202") != NULL);
  char seed[1024], raw[4096], form[2048];
  page_seed(seed, sizeof seed);
  int n = snprintf(form, sizeof form, "to=%%2Fprotected%%2Fdoc&seed=");
  for (const char *p = seed; *p && n + 4 < (int)sizeof form; p++)
    n += (*p == ':' ? snprintf(form + n, sizeof form - n, "%%3A")
                    : snprintf(form + n, sizeof form - n, "%c", *p));
  snprintf(raw, sizeof raw,
           "POST /__mamori/verify HTTP/1.1\r\nHost: a\r\nContent-Type: "
           "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
           n, form);
  get(port, raw);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 303") != NULL);
  ASSERT_TRUE(strstr(resp, "Location: /protected/doc\r\n") != NULL);
  const char *c = strstr(resp, "Set-Cookie: aws-waf-token=");
  ASSERT_TRUE(c != NULL);
  c += strlen("Set-Cookie: ");
  char cookie[512];
  size_t cl = strcspn(c, ";\r");
  snprintf(cookie, sizeof cookie, "%.*s", (int)cl, c);
  snprintf(raw, sizeof raw, "GET /protected/doc HTTP/1.1\r\nHost: a\r\nCookie: %s\r\n\r\n", cookie);
  get(port, raw);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  /* a forged or replayed-elsewhere answer is refused */
  snprintf(raw, sizeof raw,
           "POST /__mamori/verify HTTP/1.1\r\nHost: b\r\nContent-Length: %d\r\n\r\n%s", n, form);
  get(port, raw);
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 403") != NULL);

  get(port, "GET /m HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(strstr(resp, "mamori_waf_blocked_by_rule_total{rule=\"sqli\"} 1\n") != NULL);
  ASSERT_TRUE(strstr(resp, "mamori_waf_blocked_by_rule_total{rule=\"flood\"}") != NULL);
  mm_gateway_stop(g, 1000);
  char log_path[600];
  snprintf(log_path, sizeof log_path, "%s/waf.log", dir);
  size_t len;
  char *log = mm_test_read_file(log_path, &len);
  ASSERT_TRUE(log != NULL);
  ASSERT_TRUE(strstr(log, "\"terminatingRuleId\":\"sqli\"") != NULL);
  ASSERT_TRUE(strstr(log, "\"action\":\"CHALLENGE\"") != NULL);
  free(log);
  unlink(log_path);
  snprintf(log_path, sizeof log_path, "%s/acl.json", dir);
  unlink(log_path);
  rmdir(dir);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  RUN(waf_inline);
  return mm_test_summary();
}
