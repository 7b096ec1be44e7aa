/*
 * tls.c - TLS termination with OpenSSL: a certificate per site chosen by
 * SNI, TLS 1.2 and 1.3 only, ALPN (http/1.1), OCSP stapling from a DER
 * response file, and the ClientHello facts JA3 and JA4 are computed from,
 * captured before the handshake goes on. The byte-stream functions at the
 * end let proxy.c read and write a connection without caring whether it
 * is encrypted.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "gateway/server.h"
#include "mamori/alloc.h"

/* SSL ex_data slot holding the gw_conn of a connection. */
static int conn_index = -1;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void make_index(void) { conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static int tls_error(mm_error *err, const char *what, const char *path) {
  char buf[160] = "";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return mm_error_set(err, MM_EINVAL, "%s %s%s%s", what, path, buf[0] ? ": " : "", buf);
}

static SSL_CTX *new_ctx(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}

static int read_file(const char *path, unsigned char **out, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return MM_EIO;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n <= 0 || n > (1 << 20)) {
    fclose(f);
    return MM_EINVAL;
  }
  *out = mm_malloc((size_t)n);
  size_t got = *out ? fread(*out, 1, (size_t)n, f) : 0;
  fclose(f);
  if (got != (size_t)n) {
    mm_free(*out);
    *out = NULL;
    return MM_EIO;
  }
  *len = n;
  return MM_OK;
}

int mm__gw_tls_site(mm__gw_site *s, const char *cert, const char *key, const char *ocsp,
                    mm_error *err) {
  s->tls = new_ctx();
  if (!s->tls) return tls_error(err, "cannot create a TLS context for", s->name);
  if (SSL_CTX_use_certificate_chain_file(s->tls, cert) != 1)
    return tls_error(err, "cannot load certificate", cert);
  if (SSL_CTX_use_PrivateKey_file(s->tls, key, SSL_FILETYPE_PEM) != 1)
    return tls_error(err, "cannot load private key", key);
  if (SSL_CTX_check_private_key(s->tls) != 1)
    return tls_error(err, "private key does not match", cert);
  if (ocsp && ocsp[0] && read_file(ocsp, &s->ocsp, &s->ocsp_len) != MM_OK)
    return mm_error_set(err, MM_EIO, "cannot read OCSP response %s", ocsp);
  return MM_OK;
}

void mm__gw_tls_free_site(mm__gw_site *s) {
  SSL_CTX_free(s->tls);
  s->tls = NULL;
  mm_free(s->ocsp);
  s->ocsp = NULL;
}

void mm__gw_tls_free_config(mm_gateway_config *c) {
  SSL_CTX_free(c->tls);
  c->tls = NULL;
}

/* ---- handshake callbacks ----------------------------------------------------- */

static uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* A ClientHello extension holding a 2-byte-length list of 2-byte values
 * (supported_groups, signature_algorithms); len_bytes is 1 for
 * supported_versions' 1-byte length. */
static size_t u16_list(SSL *s, unsigned type, size_t len_bytes, uint16_t *out, size_t cap) {
  const unsigned char *p;
  size_t n, count = 0;
  if (!SSL_client_hello_get0_ext(s, type, &p, &n) || n < len_bytes) return 0;
  size_t list = len_bytes == 2 ? be16(p) : p[0];
  p += len_bytes;
  n -= len_bytes;
  if (list > n) list = n;
  for (size_t i = 0; i + 1 < list && count < cap; i += 2) out[count++] = be16(p + i);
  return count;
}

static void capture_alpn(SSL *s, gw_hello *h) {
  const unsigned char *p;
  size_t n;
  h->alpn[0] = '\0';
  if (!SSL_client_hello_get0_ext(s, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &n) ||
      n < 3)
    return;
  size_t first = p[2];
  if (first + 3 > n || first >= sizeof h->alpn) return;
  memcpy(h->alpn, p + 3, first);
  h->alpn[first] = '\0';
}

/* Record the ClientHello as sent: what JA3 and JA4 are made of. */
static int on_client_hello(SSL *s, int *alert, void *arg) {
  (void)alert, (void)arg;
  gw_conn *c = SSL_get_ex_data(s, conn_index);
  if (!c || !c->hello) return SSL_CLIENT_HELLO_SUCCESS;
  gw_hello *h = c->hello;
  mm_waf_tls_hello *v = &h->view;
  memset(v, 0, sizeof *v);
  v->legacy_version = (uint16_t)SSL_client_hello_get0_legacy_version(s);
  const unsigned char *p;
  size_t n = SSL_client_hello_get0_ciphers(s, &p);
  for (size_t i = 0; i + 1 < n && v->n_ciphers < 128; i += 2)
    h->ciphers[v->n_ciphers++] = be16(p + i);
  int *ext;
  size_t n_ext;
  if (SSL_client_hello_get1_extensions_present(s, &ext, &n_ext) == 1) {
    for (size_t i = 0; i < n_ext && v->n_extensions < 64; i++)
      h->extensions[v->n_extensions++] = (uint16_t)ext[i];
    OPENSSL_free(ext);
  }
  v->n_groups = u16_list(s, TLSEXT_TYPE_supported_groups, 2, h->groups, 32);
  v->n_sig_algs = u16_list(s, TLSEXT_TYPE_signature_algorithms, 2, h->sig_algs, 64);
  v->n_versions = u16_list(s, TLSEXT_TYPE_supported_versions, 1, h->versions, 16);
  if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_ec_point_formats, &p, &n) && n >= 1)
    for (size_t i = 0; i < p[0] && i + 1 < n && v->n_point_formats < 8; i++)
      h->point_formats[v->n_point_formats++] = p[1 + i];
  capture_alpn(s, h);
  v->has_sni = SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &n) == 1;
  v->ciphers = h->ciphers;
  v->extensions = h->extensions;
  v->groups = h->groups;
  v->sig_algs = h->sig_algs;
  v->versions = h->versions;
  v->point_formats = h->point_formats;
  v->alpn = mm_str_from(h->alpn);
  return SSL_CLIENT_HELLO_SUCCESS;
}

/* SNI: the site whose hosts hold the name serves its certificate; no name,
 * or one no site has a certificate for, gets the first site's. */
static int on_servername(SSL *s, int *alert, void *arg) {
  (void)alert;
  mm_gateway_config *cfg = arg;
  gw_conn *c = SSL_get_ex_data(s, conn_index);
  const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
  const mm__gw_site *site = name ? mm__gw_site_for(cfg, mm_str_from(name)) : NULL;
  if (site && site->tls) {
    SSL_set_SSL_CTX(s, site->tls);
    if (c) c->sni_site = site;
  }
  return SSL_TLSEXT_ERR_OK;
}

static int on_alpn(SSL *s, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg) {
  (void)s, (void)arg;
  for (unsigned i = 0; i < inlen;) {
    unsigned len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
      *out = in + i + 1;
      *outlen = 8;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK; /* h2 only: go on without ALPN, speaking HTTP/1.1 */
}

static int on_status(SSL *s, void *arg) {
  (void)arg;
  gw_conn *c = SSL_get_ex_data(s, conn_index);
  const mm__gw_site *site = c ? c->sni_site : NULL;
  if (!site || !site->ocsp) return SSL_TLSEXT_ERR_NOACK;
  unsigned char *copy = OPENSSL_malloc((size_t)site->ocsp_len);
  if (!copy) return SSL_TLSEXT_ERR_NOACK;
  memcpy(copy, site->ocsp, (size_t)site->ocsp_len);
  SSL_set_tlsext_status_ocsp_resp(s, copy, site->ocsp_len);
  return SSL_TLSEXT_ERR_OK;
}

int mm__gw_tls_config(mm_gateway_config *c, mm_error *err) {
  pthread_once(&index_once, make_index);
  const mm__gw_site *first = NULL;
  for (size_t i = 0; i < c->n_sites && !first; i++)
    if (c->sites[i].tls) first = &c->sites[i];
  if (!first) return mm_error_set(err, MM_EINVAL, "tls_listen needs a site with a certificate");
  c->tls = new_ctx();
  if (!c->tls || SSL_CTX_use_certificate(c->tls, SSL_CTX_get0_certificate(first->tls)) != 1 ||
      SSL_CTX_use_PrivateKey(c->tls, SSL_CTX_get0_privatekey(first->tls)) != 1)
    return tls_error(err, "cannot build the default TLS context from", first->name);
  SSL_CTX_set_client_hello_cb(c->tls, on_client_hello, NULL);
  SSL_CTX_set_tlsext_servername_callback(c->tls, on_servername);
  SSL_CTX_set_tlsext_servername_arg(c->tls, c);
  SSL_CTX_set_alpn_select_cb(c->tls, on_alpn, NULL);
  SSL_CTX_set_tlsext_status_cb(c->tls, on_status);
  for (size_t i = 0; i < c->n_sites; i++)
    if (c->sites[i].tls) {
      SSL_CTX_set_alpn_select_cb(c->sites[i].tls, on_alpn, NULL);
      SSL_CTX_set_tlsext_status_cb(c->sites[i].tls, on_status);
    }
  return MM_OK;
}

/* ---- connections ----------------------------------------------------------------- */

bool mm__gw_tls_attach(gw_conn *c, mm_gateway_config *cfg) {
  c->hello = mm_calloc(1, sizeof *c->hello);
  c->ssl = c->hello ? SSL_new(cfg->tls) : NULL;
  if (!c->ssl) return false;
  c->tls_cfg = mm__gw_config_ref(cfg);
  SSL_set_fd(c->ssl, c->cfd);
  SSL_set_ex_data(c->ssl, conn_index, c);
  SSL_set_accept_state(c->ssl);
  c->handshaking = true;
  c->tls_want = EPOLLIN;
  return true;
}

void mm__gw_tls_detach(gw_conn *c) {
  if (c->ssl) {
    if (!c->handshaking) SSL_shutdown(c->ssl); /* best effort close_notify */
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  mm_free(c->hello);
  c->hello = NULL;
  mm__gw_config_unref(c->tls_cfg);
  c->tls_cfg = NULL;
}

/* What an SSL_ call that did not complete is waiting for: -1 (and the
 * interest to wait with) or -2 when the connection failed. */
static int tls_wait(gw_conn *c, int rc) {
  int e = SSL_get_error(c->ssl, rc);
  ERR_clear_error();
  if (e == SSL_ERROR_WANT_READ) return c->tls_want = EPOLLIN, -1;
  if (e == SSL_ERROR_WANT_WRITE) return c->tls_want = EPOLLOUT, -1;
  return -2;
}

int mm__gw_tls_handshake(gw_conn *c) {
  int rc = SSL_do_handshake(c->ssl);
  if (rc == 1) {
    c->handshaking = false;
    c->tls_want = 0;
    if (c->hello && mm_waf_ja3(&c->hello->view, c->ja3, NULL) != MM_OK) c->ja3[0] = '\0';
    return 1;
  }
  return tls_wait(c, rc) == -1 ? 0 : -1;
}

ssize_t mm__gw_conn_recv(gw_conn *c, void *buf, size_t n) {
  if (!c->ssl) {
    ssize_t r = recv(c->cfd, buf, n, 0);
    if (r < 0) return errno == EAGAIN || errno == EINTR ? -1 : -2;
    return r;
  }
  int r = SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
  if (r > 0) return r;
  if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN) return 0;
  return tls_wait(c, r);
}

ssize_t mm__gw_conn_send(gw_conn *c, const void *buf, size_t n) {
  if (!c->ssl) {
    ssize_t r = send(c->cfd, buf, n, MSG_NOSIGNAL);
    if (r < 0) return errno == EAGAIN || errno == EINTR ? -1 : -2;
    return r;
  }
  int r = SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
  return r > 0 ? r : tls_wait(c, r);
}
