/*
 * gateway/server.h - the workers' shared state: the gateway, its workers,
 * one client connection and the request on it (server.c runs the loop,
 * proxy.c the request, pool.c the origin connections, health.c the checks).
 */
#ifndef MM_GATEWAY_SERVER_H
#define MM_GATEWAY_SERVER_H

#include <pthread.h>

#include "gateway/gw.h"
#include "mamori/waf.h"

/* The ClientHello facts of one TLS connection, for JA3/JA4 (tls.c). */
typedef struct gw_hello {
  mm_waf_tls_hello view; /* points into the arrays below */
  uint16_t ciphers[128], extensions[64], groups[32], sig_algs[64], versions[16];
  uint8_t point_formats[8];
  char alpn[32];
} gw_hello;

#define GW_LISTEN_TAG     UINT64_C(2) /* epoll tag of the listening socket (not a pointer) */
#define GW_LISTEN_TLS_TAG UINT64_C(4) /* and of the HTTPS one */
#define GW_POOL_MAX       64          /* idle origin connections a worker keeps */

typedef enum gw_state {
  GW_HEAD,      /* reading a request head */
  GW_BODY,      /* reading its body */
  GW_CONNECT,   /* connecting to the origin */
  GW_SEND,      /* writing the request to the origin */
  GW_RESP_HEAD, /* reading the response head */
  GW_RELAY,     /* relaying the response body */
  GW_LOCAL      /* writing a response of our own */
} gw_state;

typedef enum gw_framing { FRAME_NONE, FRAME_LENGTH, FRAME_CHUNKED, FRAME_CLOSE } gw_framing;

typedef struct gw_pooled {
  int fd;
  char origin[64];
  uint64_t since_ms;
} gw_pooled;

typedef struct gw_worker gw_worker;
typedef struct gw_conn gw_conn;

struct gw_worker {
  struct mm_gateway *g;
  unsigned index;
  pthread_t thread;
  int epfd, lfd, tls_lfd;
  gw_conn *conns;
  gw_pooled pool[GW_POOL_MAX];
  size_t n_pool;
};

struct gw_conn {
  gw_worker *w;
  gw_conn *prev, *next;
  int cfd, ofd;
  uint32_t cmask, omask; /* epoll interest registered */
  gw_state state;
  bool dead;
  uint64_t deadline; /* monotonic ms; 0 = none */
  char client_ip[46];
  mm_ip_addr peer; /* client_ip, parsed */
  uint16_t client_port;
  uint32_t ip_bucket;
  /* TLS */
  struct ssl_st *ssl;          /* NULL for plain HTTP */
  mm_gateway_config *tls_cfg;  /* the config the handshake runs on */
  const mm__gw_site *sni_site; /* the site SNI selected, or NULL */
  bool handshaking;
  uint32_t tls_want; /* EPOLLIN / EPOLLOUT the handshake waits for */
  gw_hello *hello;
  char ja3[MM_WAF_JA3_LEN + 1]; /* of the ClientHello, once the handshake is done; "" plain */
  /* the request */
  mm_gateway_config *cfg; /* held for the request's lifetime */
  const mm__gw_site *site;
  mm_buf in; /* bytes from the client */
  size_t head_len;
  mm_http_head head;
  mm_http_header *hdrs;
  size_t hdrs_cap;
  mm_http_verdict verdict;
  gw_framing body_mode;
  uint64_t body_left;
  mm__chunked ch;
  size_t in_used; /* bytes of in consumed by this request */
  mm_buf body;
  bool keep_alive;  /* the client may send another request */
  bool close_after; /* close the client once this response is written */
  bool is_head;
  uint64_t start_us;
  size_t origin; /* index into site->origins being tried */
  size_t attempts;
  bool reused; /* the origin connection came from the pool */
  bool retried_fresh;
  mm_buf up; /* the request as sent to the origin */
  size_t up_off;
  /* the response */
  mm_buf resp; /* origin bytes until the head is complete */
  mm_buf down; /* bytes to write to the client */
  size_t down_off;
  gw_framing resp_mode;
  uint64_t resp_left;
  mm__chunked rch;
  bool origin_done; /* the response body is complete */
  bool origin_keep; /* the origin connection may go back to the pool */
  int status;
  uint64_t bytes_out;
  const char *result; /* access-log x-edge-result-type: "Miss", "Error", ... */
};

struct mm_gateway {
  pthread_mutex_t cfg_lock;
  mm_gateway_config *cfg;
  unsigned reloads;
  gw_worker workers[MM_GW_MAX_WORKERS];
  unsigned n_workers, started;
  int port, tls_port;
  atomic_bool stopping;
  atomic_uint_fast64_t drain_deadline;
  atomic_uint ip_conns[4096];
  mm__gw_metrics metrics;
  int access_fd, waf_fd;
  pthread_t health_thread;
  bool health_running;
};

uint64_t mm__gw_now_ms(void);
mm_gateway_config *mm__gw_config_current(struct mm_gateway *g);
void mm__gw_conn_interest(gw_conn *c);
void mm__gw_conn_close(gw_conn *c);
void mm__gw_origin_close(gw_conn *c);

/* proxy.c */
void mm__gw_request_begin(gw_conn *c);
void mm__gw_request_end(gw_conn *c);
void mm__gw_on_client(gw_conn *c, uint32_t events);
void mm__gw_on_origin(gw_conn *c, uint32_t events);
void mm__gw_on_timeout(gw_conn *c);

/* tls.c: the connection's byte stream, plain or TLS. Read: >0 bytes, 0
 * closed, -1 try again later (interest set), -2 failed. */
ssize_t mm__gw_conn_recv(gw_conn *c, void *buf, size_t n);
ssize_t mm__gw_conn_send(gw_conn *c, const void *buf, size_t n);
/* Start TLS on a new connection (SSL_new on cfg->tls); false on failure. */
bool mm__gw_tls_attach(gw_conn *c, mm_gateway_config *cfg);
/* Advance the handshake: 1 done, 0 in progress (c->tls_want set), -1 failed. */
int mm__gw_tls_handshake(gw_conn *c);
void mm__gw_tls_detach(gw_conn *c);

/* pool.c */
int mm__gw_pool_take(gw_worker *w, const char *origin);
void mm__gw_pool_put(gw_worker *w, const char *origin, int fd);
void mm__gw_pool_clear(gw_worker *w);

/* health.c */
int mm__gw_health_start(struct mm_gateway *g, mm_error *err);
void mm__gw_health_stop(struct mm_gateway *g);

#endif /* MM_GATEWAY_SERVER_H */
