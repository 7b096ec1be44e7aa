/*
 * test_gateway_tls.c - TLS termination end to end, with certificates made
 * here: the certificate SNI selects, ALPN http/1.1, TLS 1.2 as the floor,
 * OCSP stapling, domain fronting refused with 421 as CloudFront does
 * (CloudFront Developer Guide, "Domain fronting" / 421 Misdirected
 * Request), and the ClientHello's JA3/JA4 in the AWS WAF log record.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdlib.h>

#include "gw_test.h"

static char dir[] = "/tmp/mamori-gwtls-XXXXXX";

/* A self-signed EC certificate for name, written as DIR/name.pem/.key. */
static void make_cert(const char *name) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  ASSERT_TRUE(key && x);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1, 0);
  X509_set_issuer_name(x, n);
  char san[128];
  snprintf(san, sizeof san, "DNS:%s", name);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  ASSERT_TRUE(X509_sign(x, key, EVP_sha256()) > 0);
  char path[512];
  snprintf(path, sizeof path, "%s/%s.pem", dir, name);
  FILE *f = fopen(path, "w");
  PEM_write_X509(f, x);
  fclose(f);
  snprintf(path, sizeof path, "%s/%s.key", dir, name);
  f = fopen(path, "w");
  PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
  fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

static void write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  ASSERT_TRUE(f != NULL);
  fputs(text, f);
  fclose(f);
}

typedef struct client {
  SSL_CTX *ctx;
  SSL *ssl;
  int fd;
} client;

/* Connect with TLS; sni may be NULL. false when the handshake fails. */
static bool tls_connect(client *cl, int port, const char *sni, int max_version, bool want_ocsp) {
  cl->ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(cl->ctx, TLS1_VERSION);
  if (max_version) SSL_CTX_set_max_proto_version(cl->ctx, max_version);
  SSL_CTX_set_security_level(cl->ctx, 0);
  static const unsigned char alpn[] = "\x02h2\x08http/1.1";
  SSL_CTX_set_alpn_protos(cl->ctx, alpn, sizeof alpn - 1);
  cl->fd = connect_to(port);
  cl->ssl = SSL_new(cl->ctx);
  SSL_set_fd(cl->ssl, cl->fd);
  if (sni) SSL_set_tlsext_host_name(cl->ssl, sni);
  if (want_ocsp) SSL_set_tlsext_status_type(cl->ssl, TLSEXT_STATUSTYPE_ocsp);
  bool ok = SSL_connect(cl->ssl) == 1;
  ERR_clear_error();
  return ok;
}

static void tls_close(client *cl) {
  SSL_free(cl->ssl);
  SSL_CTX_free(cl->ctx);
  close(cl->fd);
}

static char resp[16384];

static void tls_get(client *cl, const char *host) {
  char req[256];
  int n = snprintf(req, sizeof req, "GET /hello HTTP/1.1\r\nHost: %s\r\n\r\n", host);
  ASSERT_EQ(SSL_write(cl->ssl, req, n), n);
  size_t len = 0;
  while (len < sizeof resp - 1) {
    int r = SSL_read(cl->ssl, resp + len, (int)(sizeof resp - 1 - len));
    if (r <= 0) break;
    len += (size_t)r;
    resp[len] = '\0';
    const char *body = strstr(resp, "\r\n\r\n");
    const char *cl_hdr = strstr(resp, "Content-Length: ");
    if (body && cl_hdr && len >= (size_t)(body + 4 - resp) + strtoul(cl_hdr + 16, NULL, 10)) break;
  }
  resp[len] = '\0';
}

/* The certificate's CN the server presented. */
static void peer_cn(client *cl, char *out, size_t cap) {
  X509 *x = SSL_get1_peer_certificate(cl->ssl);
  out[0] = '\0';
  if (x) X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)cap);
  X509_free(x);
}

static mm_gateway *start(int origin_port) {
  make_cert("a.example");
  make_cert("b.example");
  write_file("a.ocsp", "not really DER, but stapled as is");
  static const char acl[] =
      "{\"Name\":\"t\",\"DefaultAction\":{\"Allow\":{}},\"VisibilityConfig\":{"
      "\"SampledRequestsEnabled\":false,\"CloudWatchMetricsEnabled\":false,\"MetricName\":\"t\"},"
      "\"Rules\":[]}";
  write_file("acl.json", acl);
  char json[2048];
  snprintf(json, sizeof json,
           "{\"listen\":\"127.0.0.1:0\",\"tls_listen\":\"127.0.0.1:0\",\"workers\":1,"
           "\"waf_log\":\"%s/waf.log\",\"sites\":["
           "{\"name\":\"a\",\"hosts\":[\"a.example\"],\"origins\":[\"127.0.0.1:%d\"],"
           "\"web_acl\":\"acl.json\",\"tls\":{\"cert\":\"a.example.pem\",\"key\":\"a.example.key\","
           "\"ocsp\":\"a.ocsp\"}},"
           "{\"name\":\"b\",\"hosts\":[\"b.example\"],\"origins\":[\"127.0.0.1:%d\"],"
           "\"tls\":{\"cert\":\"b.example.pem\",\"key\":\"b.example.key\"}}]}",
           dir, origin_port, origin_port);
  mm_error err;
  mm_gateway_config *cfg = mm_gateway_config_parse(json, strlen(json), dir, &err);
  if (!cfg) MM_TEST_FAIL("config: %s at %s", err.msg, err.path);
  mm_gateway *g = mm_gateway_start(cfg, &err);
  if (!g) MM_TEST_FAIL("start: %s", err.msg);
  ASSERT_TRUE(mm_gateway_tls_port(g) > 0);
  return g;
}

TEST(tls_termination) {
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  origin o;
  origin_start(&o, 200);
  mm_gateway *g = start(o.port);
  int port = mm_gateway_tls_port(g);
  char cn[128];
  client cl;

  ASSERT_TRUE(tls_connect(&cl, port, "a.example", 0, true));
  peer_cn(&cl, cn, sizeof cn);
  ASSERT_TRUE(strcmp(cn, "a.example") == 0);
  ASSERT_EQ(SSL_version(cl.ssl), TLS1_3_VERSION);
  const unsigned char *proto;
  unsigned proto_len;
  SSL_get0_alpn_selected(cl.ssl, &proto, &proto_len);
  ASSERT_TRUE(proto_len == 8 && memcmp(proto, "http/1.1", 8) == 0);
  const unsigned char *ocsp;
  long ocsp_len = SSL_get_tlsext_status_ocsp_resp(cl.ssl, &ocsp);
  ASSERT_TRUE(ocsp_len > 0 && memcmp(ocsp, "not really DER", 14) == 0);
  tls_get(&cl, "a.example");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  tls_close(&cl);

  /* SNI b gets b's certificate; Host a over it is domain fronting: 421 */
  ASSERT_TRUE(tls_connect(&cl, port, "b.example", 0, false));
  peer_cn(&cl, cn, sizeof cn);
  ASSERT_TRUE(strcmp(cn, "b.example") == 0);
  tls_get(&cl, "a.example");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 421") != NULL);
  tls_close(&cl);

  /* TLS 1.2 is accepted, 1.1 is not */
  ASSERT_TRUE(tls_connect(&cl, port, "a.example", TLS1_2_VERSION, false));
  ASSERT_EQ(SSL_version(cl.ssl), TLS1_2_VERSION);
  tls_get(&cl, "a.example");
  ASSERT_TRUE(strstr(resp, "HTTP/1.1 200") != NULL);
  tls_close(&cl);
  ASSERT_FALSE(tls_connect(&cl, port, "a.example", TLS1_1_VERSION, false));
  tls_close(&cl);

  mm_gateway_stop(g, 1000);
  char path[600];
  snprintf(path, sizeof path, "%s/waf.log", dir);
  size_t len;
  char *log = mm_test_read_file(path, &len);
  ASSERT_TRUE(log != NULL);
  const char *ja3 = strstr(log, "\"ja3Fingerprint\":\"");
  ASSERT_TRUE(ja3 != NULL);
  ASSERT_EQ(strspn(ja3 + 18, "0123456789abcdef"), 32);
  ASSERT_TRUE(strstr(log, "\"ja4Fingerprint\":\"t13d") != NULL);
  free(log);
  static const char *const files[] = {"a.example.pem", "a.example.key", "b.example.pem",
                                      "b.example.key", "a.ocsp",        "acl.json",
                                      "waf.log"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
}

TEST(tls_config_errors) {
  mm_error err;
  const char *bad = "{\"tls_listen\":\"127.0.0.1:0\",\"sites\":[{\"origins\":[\"127.0.0.1:1\"]}]}";
  ASSERT_TRUE(mm_gateway_config_parse(bad, strlen(bad), ".", &err) == NULL);
  ASSERT_TRUE(strcmp(err.path, "$.tls_listen") == 0);
  bad =
      "{\"sites\":[{\"origins\":[\"127.0.0.1:1\"],\"tls\":{\"cert\":\"/nonexistent.pem\","
      "\"key\":\"/nonexistent.key\"}}]}";
  ASSERT_TRUE(mm_gateway_config_parse(bad, strlen(bad), ".", &err) == NULL);
  ASSERT_TRUE(strcmp(err.path, "$.sites[0].tls") == 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  RUN(tls_termination);
  RUN(tls_config_errors);
  return mm_test_summary();
}
