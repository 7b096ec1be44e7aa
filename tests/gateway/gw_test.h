/*
 * gw_test.h - what the gateway's end-to-end tests share: a test origin (a
 * thread that answers every request and records what it received) and a
 * raw-socket client.
 */
#ifndef MM_GW_TEST_H
#define MM_GW_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mamori/gateway.h"
#include "mamori/http.h"
#include "test.h"

/* ---- a test origin ------------------------------------------------------------ */

#define ORIGIN_TARGETS 64

typedef struct origin {
  int fd, port;
  int status;      /* what it answers */
  bool chunked;    /* answer with a chunked body */
  int requests;    /* requests seen */
  char last[4096]; /* the last request as received */
  pthread_mutex_t lock;
  char targets[ORIGIN_TARGETS][128]; /* request-targets received, in order */
  size_t n_targets;
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
  pthread_mutex_lock(&o->lock);
  memcpy(o->last, req, keep);
  o->last[keep] = '\0';
  o->requests++;
  const char *sp = memchr(req, ' ', head_len),
             *sp2 = sp ? memchr(sp + 1, ' ', head_len - (size_t)(sp + 1 - req)) : NULL;
  if (sp && sp2 && o->n_targets < ORIGIN_TARGETS)
    snprintf(o->targets[o->n_targets++], sizeof o->targets[0], "%.*s", (int)(sp2 - sp - 1), sp + 1);
  pthread_mutex_unlock(&o->lock);
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

static inline int listen_any(int *port) {
  *port = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) return -1;
  getsockname(fd, (struct sockaddr *)&a, &sl);
  *port = ntohs(a.sin_port);
  return fd;
}

static inline void origin_start(origin *o, int status) {
  memset(o, 0, sizeof *o);
  pthread_mutex_init(&o->lock, NULL);
  o->status = status;
  o->fd = listen_any(&o->port);
  pthread_t t;
  pthread_create(&t, NULL, origin_main, o);
  pthread_detach(t);
}

/* A port nothing listens on: bound, then closed. */
static inline int dead_port(void) {
  int port, fd = listen_any(&port);
  close(fd);
  return port;
}

/* ---- a client ---------------------------------------------------------------- */

static inline int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) return -1;
  return fd;
}

/* Read until the peer closes, wait_ms passes with nothing new, or want
 * bytes of "HTTP/1.1" responses are seen. */
static inline size_t read_some(int fd, char *buf, size_t cap, int wait_ms, int want_responses) {
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

static inline bool peer_closed(int fd) {
  char c;
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 1000) == 1 && recv(fd, &c, 1, 0) == 0;
}

#endif /* MM_GW_TEST_H */
