/*
 * demo.c - the small application `make run` puts behind the gateway: it
 * answers every request with what it received (method, path, the headers
 * the gateway added), keeps connections alive, and says so in HTML for a
 * browser and in JSON for curl -H 'Accept: application/json'.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "mamori/alloc.h"

#define DEMO_HEAD_MAX 16384
#define DEMO_BODY_MAX (1u << 20)

static void demo_reply(int fd, const mm_http_head *h, size_t body_len) {
  mm_buf body = MM_BUF_INIT, resp = MM_BUF_INIT;
  bool json = false;
  mm_str label = {"", 0};
  for (size_t i = 0; i < h->n_headers; i++) {
    if (mm_str_ieq(h->headers[i].name, MM_STR("Accept")) &&
        memmem(h->headers[i].value.ptr, h->headers[i].value.len, "json", 4))
      json = true;
    if (mm_str_ieq(h->headers[i].name, MM_STR("x-mamori-waf-labels"))) label = h->headers[i].value;
  }
  if (json)
    mm_buf_printf(
        &body,
        "{\"origin\":\"mamori demo\",\"method\":\"%.*s\",\"headers\":%zu,\"body_bytes\":%zu}\n",
        (int)h->method.len, h->method.ptr, h->n_headers, body_len);
  else
    mm_buf_printf(&body,
                  "<!doctype html><title>mamori demo origin</title><h1>Hello from the demo "
                  "origin</h1><p>The gateway let this %.*s request through: %zu headers, %zu body "
                  "bytes. %.*s</p>\n",
                  (int)h->method.len, h->method.ptr, h->n_headers, body_len, (int)label.len,
                  label.ptr);
  mm_buf_printf(&resp,
                "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: "
                "keep-alive\r\n\r\n",
                json ? "application/json" : "text/html; charset=utf-8", body.len);
  mm_buf_append(&resp, body.ptr, body.len);
  ssize_t w = send(fd, resp.ptr, resp.len, MSG_NOSIGNAL);
  (void)w;
  mm_buf_free(&body);
  mm_buf_free(&resp);
}

static size_t content_length(const mm_http_head *h) {
  for (size_t i = 0; i < h->n_headers; i++)
    if (mm_str_ieq(h->headers[i].name, MM_STR("Content-Length"))) {
      size_t n = 0;
      for (size_t k = 0; k < h->headers[i].value.len && n <= DEMO_BODY_MAX; k++)
        n = n * 10 + (size_t)(h->headers[i].value.ptr[k] - '0');
      return n;
    }
  return 0;
}

/* One connection: requests until the peer closes (the gateway always sends
 * a Content-Length, which is all this origin understands). */
static void *demo_conn(void *arg) {
  int fd = (int)(intptr_t)arg;
  char *buf = mm_malloc(DEMO_HEAD_MAX + DEMO_BODY_MAX);
  size_t len = 0;
  mm_http_header hdrs[128];
  while (buf) {
    mm_http_head h;
    size_t head_len;
    mm_error err;
    int rc = mm_http_parse_head(buf, len, DEMO_HEAD_MAX, &h, hdrs, 128, &head_len, &err);
    if (rc == MM_ETRUNC) {
      ssize_t n = recv(fd, buf + len, DEMO_HEAD_MAX - len, 0);
      if (n <= 0) break;
      len += (size_t)n;
      continue;
    }
    if (rc != MM_OK) break;
    size_t body = content_length(&h);
    if (body > DEMO_BODY_MAX) break;
    while (len < head_len + body) {
      ssize_t n = recv(fd, buf + len, head_len + body - len, 0);
      if (n <= 0) goto done;
      len += (size_t)n;
    }
    demo_reply(fd, &h, body);
    memmove(buf, buf + head_len + body, len - head_len - body);
    len -= head_len + body;
  }
done:
  mm_free(buf);
  close(fd);
  return NULL;
}

static void *demo_accept(void *arg) {
  int lfd = (int)(intptr_t)arg;
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, demo_conn, (void *)(intptr_t)fd) == 0)
      pthread_detach(t);
    else
      close(fd);
  }
  return NULL;
}

int mm__gw_demo_start(const char *addr, mm_error *err) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (mm__gw_parse_addr(addr, &ss, &sl, err) != MM_OK) return MM_EINVAL;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
    if (fd >= 0) close(fd);
    return mm_error_set(err, MM_EIO, "demo origin cannot listen on %s", addr);
  }
  pthread_t t;
  if (pthread_create(&t, NULL, demo_accept, (void *)(intptr_t)fd) != 0) {
    close(fd);
    return mm_error_set(err, MM_ENOMEM, "cannot start the demo origin");
  }
  pthread_detach(t);
  return MM_OK;
}
