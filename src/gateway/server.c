/*
 * server.c - the gateway's workers: one thread per core, each with its own
 * SO_REUSEPORT listening socket and epoll loop, proxying HTTP/1.1 between
 * clients and origins.
 *
 * A request goes: head read and classified (desync), body read whole (and
 * de-chunked: the origin always gets a Content-Length it cannot misread),
 * the web ACL consulted, the origin group tried in order (failover on a
 * connect error or a 5xx), the response relayed as it arrives with its own
 * framing checked, then the connection is ready for the next request.
 * Origin connections are kept alive and pooled per worker.
 *
 * Level-triggered epoll: each connection wants exactly one direction on one
 * socket at a time (the state says which), so interest is set per state and
 * nothing is ever read that there is no room for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "gateway/server.h"
#include "mamori/alloc.h"

/* ---- time ------------------------------------------------------------------ */

uint64_t mm__gw_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- per-client-IP connection counts ---------------------------------------- */

/* Counts per hash bucket of the client address: two addresses sharing a
 * bucket share a cap, which errs on the side of refusing. */
#define IP_BUCKETS 4096

static uint32_t ip_bucket(const char *ip) {
  uint32_t h = 2166136261u;
  for (; *ip; ip++) h = (h ^ (uint8_t)*ip) * 16777619u;
  return h % IP_BUCKETS;
}

/* ---- connections ------------------------------------------------------------- */

static void conn_watch(gw_conn *c, int fd, uint32_t want, uint32_t *have, bool origin) {
  if (fd < 0 || want == *have) return;
  struct epoll_event ev = {.events = want, .data.u64 = (uint64_t)(uintptr_t)c | origin};
  epoll_ctl(c->w->epfd, *have ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
  *have = want;
}

/* Interest follows the state: read the client while a request comes in,
 * talk to the origin while it is asked, and while relaying, read the
 * origin only when everything read has been written to the client. */
void mm__gw_conn_interest(gw_conn *c) {
  uint32_t cw = 0, ow = 0;
  switch (c->state) {
    case GW_HEAD:
    case GW_BODY:
      cw = EPOLLIN;
      break;
    case GW_CONNECT:
    case GW_SEND:
      ow = EPOLLOUT;
      break;
    case GW_RESP_HEAD:
      ow = EPOLLIN;
      break;
    case GW_RELAY:
      if (c->down.len > c->down_off)
        cw = EPOLLOUT;
      else if (c->ofd >= 0)
        ow = EPOLLIN;
      break;
    case GW_LOCAL:
      cw = EPOLLOUT;
      break;
  }
  if (c->handshaking) cw = c->tls_want;
  conn_watch(c, c->cfd, cw ? cw : EPOLLRDHUP, &c->cmask, false);
  conn_watch(c, c->ofd, ow ? ow : EPOLLRDHUP, &c->omask, true);
}

static void list_remove(gw_worker *w, gw_conn *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    w->conns = c->next;
  if (c->next) c->next->prev = c->prev;
}

void mm__gw_origin_close(gw_conn *c) {
  if (c->ofd < 0) return;
  epoll_ctl(c->w->epfd, EPOLL_CTL_DEL, c->ofd, NULL);
  close(c->ofd);
  c->ofd = -1;
  c->omask = 0;
}

static void conn_free(gw_conn *c) {
  gw_worker *w = c->w;
  mm__gw_origin_close(c);
  epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->cfd, NULL);
  mm__gw_tls_detach(c); /* before close: close_notify goes out on the socket */
  close(c->cfd);
  atomic_fetch_sub(&w->g->ip_conns[c->ip_bucket], 1);
  atomic_fetch_sub(&w->g->metrics.connections, 1);
  list_remove(w, c);
  mm__gw_request_end(c);
  mm_buf_free(&c->in);
  mm_buf_free(&c->body);
  mm_buf_free(&c->up);
  mm_buf_free(&c->down);
  mm_buf_free(&c->resp);
  mm_free(c->hdrs);
  mm_free(c);
}

void mm__gw_conn_close(gw_conn *c) { c->dead = true; }

static void accept_one(gw_worker *w, int lfd, bool tls) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  char ip[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof ip);
  mm_gateway_config *cfg = mm__gw_config_current(w->g);
  size_t cap = cfg->limits.per_ip;
  uint32_t bucket = ip_bucket(ip);
  gw_conn *c = NULL;
  if (atomic_fetch_add(&w->g->ip_conns[bucket], 1) >= cap) {
    atomic_fetch_add(&w->g->metrics.per_ip_refused, 1);
    goto refuse;
  }
  c = mm_calloc(1, sizeof *c);
  if (!c) goto refuse;
  c->cfd = fd;
  if (tls && (!cfg->tls || !mm__gw_tls_attach(c, cfg))) goto refuse;
  mm__gw_config_unref(cfg);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->w = w;
  c->ofd = -1;
  c->ip_bucket = bucket;
  c->client_port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                           : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  memcpy(c->client_ip, ip, sizeof ip);
  mm_ip_parse(ip, strlen(ip), &c->peer, NULL);
  c->in = (mm_buf)MM_BUF_INIT;
  c->body = (mm_buf)MM_BUF_INIT;
  c->up = (mm_buf)MM_BUF_INIT;
  c->down = (mm_buf)MM_BUF_INIT;
  c->resp = (mm_buf)MM_BUF_INIT;
  c->next = w->conns;
  if (w->conns) w->conns->prev = c;
  w->conns = c;
  atomic_fetch_add(&w->g->metrics.connections, 1);
  mm__gw_request_begin(c);
  mm__gw_conn_interest(c);
  return;
refuse:
  if (c) mm__gw_tls_detach(c);
  mm_free(c);
  mm__gw_config_unref(cfg);
  atomic_fetch_sub(&w->g->ip_conns[bucket], 1);
  close(fd);
}

/* ---- the event loop ------------------------------------------------------------- */

static void handle_event(gw_worker *w, struct epoll_event *ev) {
  if (ev->data.u64 == GW_LISTEN_TAG || ev->data.u64 == GW_LISTEN_TLS_TAG) {
    bool tls = ev->data.u64 == GW_LISTEN_TLS_TAG;
    for (int i = 0; i < 64; i++) accept_one(w, tls ? w->tls_lfd : w->lfd, tls);
    return;
  }
  gw_conn *c = (gw_conn *)(uintptr_t)(ev->data.u64 & ~(uint64_t)1);
  if (c->dead) return;
  if (ev->data.u64 & 1)
    mm__gw_on_origin(c, ev->events);
  else
    mm__gw_on_client(c, ev->events);
}

static void check_timeouts(gw_worker *w, uint64_t now) {
  for (gw_conn *c = w->conns; c; c = c->next)
    if (!c->dead && c->deadline && now >= c->deadline) mm__gw_on_timeout(c);
}

static void reap(gw_worker *w) {
  for (gw_conn *c = w->conns, *next; c; c = next) {
    next = c->next;
    if (c->dead) conn_free(c);
  }
}

/* Stopping: no new connections; idle keep-alive ones close now, busy ones
 * when their response is done (mm__gw_request_end sees w->g->stopping). */
static bool drained(gw_worker *w) {
  for (gw_conn *c = w->conns; c; c = c->next)
    if (c->state == GW_HEAD && c->in.len == 0) c->dead = true;
  reap(w);
  return w->conns == NULL;
}

static void *worker_main(void *arg) {
  gw_worker *w = arg;
  struct epoll_event evs[128];
  bool listening = true;
  for (;;) {
    int n = epoll_wait(w->epfd, evs, 128, 100);
    for (int i = 0; i < n; i++) handle_event(w, &evs[i]);
    uint64_t now = mm__gw_now_ms();
    check_timeouts(w, now);
    reap(w);
    if (atomic_load(&w->g->stopping)) {
      if (listening) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lfd, NULL);
        if (w->tls_lfd >= 0) epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->tls_lfd, NULL);
        listening = false;
      }
      if (drained(w) || now >= atomic_load(&w->g->drain_deadline)) break;
    }
  }
  while (w->conns) {
    w->conns->dead = true;
    reap(w);
  }
  mm__gw_pool_clear(w);
  return NULL;
}

/* ---- starting and stopping ------------------------------------------------------- */

static int listen_socket(const struct sockaddr_storage *where, socklen_t where_len,
                         const char *name, int port, mm_error *err) {
  struct sockaddr_storage addr = *where;
  if (port >= 0) {
    if (addr.ss_family == AF_INET)
      ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
    else
      ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)port);
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&addr, where_len) < 0 || listen(fd, 1024) < 0) {
    mm_error_set(err, MM_EIO, "cannot listen on %s: %s", name, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

static int bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  getsockname(fd, (struct sockaddr *)&ss, &sl);
  return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                 : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int open_log(const char *path) {
  if (!path[0]) return -1;
  if (strcmp(path, "-") == 0) return dup(1);
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static int start_workers(mm_gateway *g, mm_error *err) {
  for (unsigned i = 0; i < g->n_workers; i++) {
    gw_worker *w = &g->workers[i];
    w->g = g;
    w->index = i;
    const mm_gateway_config *cfg = g->cfg;
    w->tls_lfd = -1;
    w->lfd =
        listen_socket(&cfg->listen_addr, cfg->listen_len, cfg->listen, i == 0 ? -1 : g->port, err);
    if (w->lfd < 0) return MM_EIO;
    if (i == 0) g->port = bound_port(w->lfd);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = GW_LISTEN_TAG};
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lfd, &ev);
    if (!cfg->tls_listen[0]) continue;
    w->tls_lfd = listen_socket(&cfg->tls_addr, cfg->tls_len, cfg->tls_listen,
                               i == 0 ? -1 : g->tls_port, err);
    if (w->tls_lfd < 0) return MM_EIO;
    if (i == 0) g->tls_port = bound_port(w->tls_lfd);
    ev.data.u64 = GW_LISTEN_TLS_TAG;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tls_lfd, &ev);
  }
  for (unsigned i = 0; i < g->n_workers; i++) {
    if (pthread_create(&g->workers[i].thread, NULL, worker_main, &g->workers[i]) != 0)
      return mm_error_set(err, MM_ENOMEM, "cannot start worker threads");
    g->started++;
  }
  return MM_OK;
}

mm_gateway *mm_gateway_start(mm_gateway_config *cfg, mm_error *err) {
  mm_error_clear(err);
  mm_gateway *g = mm_calloc(1, sizeof *g);
  if (!g) {
    mm_gateway_config_free(cfg);
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&g->cfg_lock, NULL);
  pthread_mutex_init(&g->metrics.names_lock, NULL);
  g->cfg = cfg;
  g->n_workers = cfg->workers ? cfg->workers : (unsigned)get_nprocs();
  if (g->n_workers > MM_GW_MAX_WORKERS) g->n_workers = MM_GW_MAX_WORKERS;
  g->access_fd = open_log(cfg->access_log);
  g->waf_fd = open_log(cfg->waf_log);
  int rc = MM_OK;
  if (cfg->demo_origin[0]) rc = mm__gw_demo_start(cfg->demo_origin, err);
  if (rc == MM_OK) rc = start_workers(g, err);
  if (rc == MM_OK) rc = mm__gw_health_start(g, err);
  if (rc != MM_OK) {
    mm_gateway_stop(g, 0);
    return NULL;
  }
  return g;
}

int mm_gateway_port(const mm_gateway *g) { return g->port; }

int mm_gateway_tls_port(const mm_gateway *g) { return g->tls_port; }

mm_gateway_config *mm__gw_config_current(mm_gateway *g) {
  pthread_mutex_lock(&g->cfg_lock);
  mm_gateway_config *c = mm__gw_config_ref(g->cfg);
  pthread_mutex_unlock(&g->cfg_lock);
  return c;
}

int mm_gateway_reload(mm_gateway *g, mm_gateway_config *cfg, mm_error *err) {
  mm_error_clear(err);
  if (strcmp(cfg->listen, g->cfg->listen) != 0 ||
      strcmp(cfg->tls_listen, g->cfg->tls_listen) != 0) {
    mm_gateway_config_free(cfg);
    return mm_error_set(err, MM_EINVAL, "the listen addresses cannot change on reload");
  }
  pthread_mutex_lock(&g->cfg_lock);
  mm_gateway_config *old = g->cfg;
  g->cfg = cfg;
  g->reloads++;
  pthread_mutex_unlock(&g->cfg_lock);
  mm__gw_config_unref(old);
  return MM_OK;
}

void mm_gateway_stop(mm_gateway *g, unsigned drain_ms) {
  if (!g) return;
  atomic_store(&g->drain_deadline, mm__gw_now_ms() + drain_ms);
  atomic_store(&g->stopping, true);
  for (unsigned i = 0; i < g->started; i++) pthread_join(g->workers[i].thread, NULL);
  mm__gw_health_stop(g);
  for (unsigned i = 0; i < g->n_workers; i++) {
    if (g->workers[i].lfd > 0) close(g->workers[i].lfd);
    if (g->workers[i].tls_lfd > 0) close(g->workers[i].tls_lfd);
    if (g->workers[i].epfd > 0) close(g->workers[i].epfd);
  }
  if (g->access_fd >= 0) close(g->access_fd);
  if (g->waf_fd >= 0) close(g->waf_fd);
  mm__gw_config_unref(g->cfg);
  pthread_mutex_destroy(&g->cfg_lock);
  pthread_mutex_destroy(&g->metrics.names_lock);
  mm_free(g);
}
