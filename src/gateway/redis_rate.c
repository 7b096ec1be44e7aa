/*
 * redis_rate.c - the Redis rate store (gateway/redis_rate.h): a minimal
 * RESP2 client of our own (blocking calls on non-blocking sockets with
 * poll, one budget per call), a small mutex-protected pool of idle
 * connections, and a Lua script that keeps a sliding window of 1-second
 * buckets per key in a Redis hash, atomically, in one round trip.
 *
 * Semantics match the in-process store (src/waf/rate.c, include/mamori/
 * waf.h): add(key, now, window) records one request in now's second s and
 * returns the requests recorded in (s - window, s]. A request older than
 * the newest second of its key (gateways' clocks differ a little) is
 * counted in that newest window while its own second is still inside it,
 * and dropped otherwise. AWS: "AWS WAF checks the rate ... every few
 * seconds over the evaluation window" (waf-rule-statement-type-rate-
 * based-high-level-settings); if the store cannot answer, the rule does
 * not match (fail open).
 *
 * Why a hash of buckets and a running total rather than a sorted set of
 * requests: memory is one field per second that had requests (at most
 * window + 2 fields a key), not one member per request; an add touches
 * O(1) fields, plus the seconds that fell out of the window since the
 * key's last add (amortized O(1) per second).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "gateway/redis_rate.h"
#include "mamori/alloc.h"
#include "mamori/log.h"
#include "waf/limits.h"

/* KEYS[1] the hash; ARGV: the caller's second, the window, the TTL.
 * Fields "h" (newest second) and "t" (running total) as redis_rate.h says. */
static const char SCRIPT[] =
    "local k=KEYS[1] local s=tonumber(ARGV[1]) local w=tonumber(ARGV[2])\n"
    "local st=redis.call('HMGET',k,'h','t')\n"
    "local h=tonumber(st[1]) local t=tonumber(st[2]) or 0\n"
    "if h==nil then h=s\n"
    "elseif s>h then\n"
    "  if s-h>=w then redis.call('DEL',k) t=0\n"
    "  else for x=h-w+1,s-w do\n"
    "    local f=string.format('%d',x) local v=redis.call('HGET',k,f)\n"
    "    if v then t=t-tonumber(v) redis.call('HDEL',k,f) end end end\n"
    "  h=s\n"
    "elseif s<=h-w then return t end\n"
    "redis.call('HINCRBY',k,string.format('%d',s),1) t=t+1\n"
    "redis.call('HSET',k,'h',string.format('%d',h),'t',t)\n"
    "redis.call('EXPIRE',k,tonumber(ARGV[3]))\n"
    "return t\n";

#define SHA_LEN     40
#define REQUEST_MAX (MM_WAF_RATE_MAX_KEY + sizeof SCRIPT + 512) /* one command, key included */

typedef struct redis_store {
  mm_waf_rate_store store; /* what callers hold; self points here */
  struct sockaddr_storage addr;
  socklen_t addr_len;
  char addr_text[128];  /* for logs */
  uint32_t timeout_ms;  /* budget of one call */
  uint32_t retry_ms;    /* fail-fast pause after a failed connect */
  char prefix[96];      /* "mamori:rate:" or "mamori:rate:<site>:" */
  pthread_mutex_t lock; /* guards the fields below it */
  int idle[MM_GW_REDIS_POOL];
  size_t n_idle;
  char sha[SHA_LEN + 1];  /* the script's SHA1 as Redis reported it; "" until loaded */
  int64_t retry_after_ms; /* monotonic; connects wait until then */
  atomic_uint_fast64_t calls, errors, timeouts, refused, protocol, connects, noscript;
  atomic_bool up;          /* the last call succeeded */
  atomic_bool down_logged; /* the outage was logged */
} redis_store;

/* What failed, for the counters. */
enum { FAIL_NONE, FAIL_TIMEOUT, FAIL_REFUSED, FAIL_IO, FAIL_PROTOCOL };

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- sockets with a deadline ----------------------------------------------------- */

/* Wait for events on fd until deadline; FAIL_NONE, FAIL_TIMEOUT or FAIL_IO. */
static int wait_fd(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - mono_ms();
    if (left <= 0) return FAIL_TIMEOUT;
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, (int)left);
    if (n > 0) return (p.revents & (POLLERR | POLLNVAL)) ? FAIL_IO : FAIL_NONE;
    if (n == 0) return FAIL_TIMEOUT;
    if (errno != EINTR) return FAIL_IO;
  }
}

static int open_conn(redis_store *r, int64_t deadline, int *out) {
  int fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return FAIL_REFUSED;
  int one = 1, rc = FAIL_NONE;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (const struct sockaddr *)&r->addr, r->addr_len) != 0) {
    if (errno != EINPROGRESS) rc = FAIL_REFUSED;
    if (rc == FAIL_NONE) rc = wait_fd(fd, POLLOUT, deadline);
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (rc == FAIL_NONE && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr))
      rc = FAIL_REFUSED;
    if (rc == FAIL_IO) rc = FAIL_REFUSED;
  }
  if (rc != FAIL_NONE) {
    close(fd);
    return rc;
  }
  atomic_fetch_add(&r->connects, 1);
  *out = fd;
  return FAIL_NONE;
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w, n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int rc = wait_fd(fd, POLLOUT, deadline);
      if (rc != FAIL_NONE) return rc;
      continue;
    }
    return FAIL_IO;
  }
  return FAIL_NONE;
}

/* ---- RESP2 ------------------------------------------------------------------------ */

typedef struct reply {
  char type;     /* '+', '-', ':', '$' */
  int64_t num;   /* ':' value; '$' length (-1 = nil) */
  const char *s; /* '+', '-', '$': the bytes */
  size_t len;    /* of s */
  size_t used;   /* bytes the reply took */
} reply;

/* Parse one reply at buf[0..n): MM_OK, MM_ETRUNC (read more) or MM_ESYNTAX. */
static int parse_reply(const char *buf, size_t n, reply *r) {
  const char *eol = n > 1 ? memchr(buf, '\n', n) : NULL;
  if (!eol) return n >= MM_GW_REDIS_REPLY_MAX ? MM_ESYNTAX : MM_ETRUNC;
  if (eol == buf || eol[-1] != '\r') return MM_ESYNTAX;
  size_t line = (size_t)(eol - buf) - 1; /* bytes before the CR, type byte included */
  r->type = buf[0];
  r->s = buf + 1;
  r->len = line - 1;
  r->used = line + 2;
  if (r->type == '+' || r->type == '-') return MM_OK;
  if (r->type != ':' && r->type != '$') return MM_ESYNTAX;
  int64_t v = 0;
  bool neg = r->len > 0 && r->s[0] == '-';
  if (r->len == (size_t)neg || r->len > 20) return MM_ESYNTAX;
  for (size_t i = neg; i < r->len; i++) {
    if (r->s[i] < '0' || r->s[i] > '9' || v > (INT64_MAX - 9) / 10) return MM_ESYNTAX;
    v = v * 10 + (r->s[i] - '0');
  }
  r->num = neg ? -v : v;
  if (r->type == ':' || r->num < 0) return MM_OK;
  if (r->num > MM_GW_REDIS_REPLY_MAX) return MM_ESYNTAX;
  size_t body = (size_t)r->num;
  if (n < r->used + body + 2) return MM_ETRUNC;
  if (buf[r->used + body] != '\r' || buf[r->used + body + 1] != '\n') return MM_ESYNTAX;
  r->s = buf + r->used;
  r->len = body;
  r->used += body + 2;
  return MM_OK;
}

/* Read one reply into buf (MM_GW_REDIS_REPLY_MAX + 64 bytes). */
static int read_reply(int fd, char *buf, size_t cap, reply *r, int64_t deadline) {
  size_t n = 0;
  for (;;) {
    int prc = n ? parse_reply(buf, n, r) : MM_ETRUNC;
    if (prc == MM_OK) return FAIL_NONE;
    if (prc != MM_ETRUNC || n == cap) return FAIL_PROTOCOL;
    ssize_t got = recv(fd, buf + n, cap - n, 0);
    if (got > 0) {
      n += (size_t)got;
      continue;
    }
    if (got == 0) return FAIL_IO; /* Redis closed the connection */
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return FAIL_IO;
    int rc = wait_fd(fd, POLLIN, deadline);
    if (rc != FAIL_NONE) return rc;
  }
}

/* An array of bulk strings into out (REQUEST_MAX bytes); its length or 0. */
static size_t build_command(char *out, size_t cap, const mm_str *args, size_t n) {
  size_t len = (size_t)snprintf(out, cap, "*%zu\r\n", n);
  for (size_t i = 0; i < n && len < cap; i++) {
    len += (size_t)snprintf(out + len, cap - len, "$%zu\r\n", args[i].len);
    if (len + args[i].len + 2 > cap) return 0;
    if (args[i].len) memcpy(out + len, args[i].ptr, args[i].len);
    len += args[i].len;
    out[len++] = '\r';
    out[len++] = '\n';
  }
  return len < cap ? len : 0;
}

/* Send a command and read its reply on fd. */
static int call(int fd, const mm_str *args, size_t n, char *rbuf, size_t rcap, reply *r,
                int64_t deadline) {
  char req[REQUEST_MAX];
  size_t len = build_command(req, sizeof req, args, n);
  if (!len) return FAIL_PROTOCOL;
  int rc = send_all(fd, req, len, deadline);
  return rc != FAIL_NONE ? rc : read_reply(fd, rbuf, rcap, r, deadline);
}

/* ---- the pool ----------------------------------------------------------------------- */

static void drop_idle(redis_store *r) {
  pthread_mutex_lock(&r->lock);
  while (r->n_idle) close(r->idle[--r->n_idle]);
  pthread_mutex_unlock(&r->lock);
}

/* An idle connection (*pooled = true) or a new one. */
static int take_conn(redis_store *r, int64_t deadline, int *fd, bool *pooled) {
  pthread_mutex_lock(&r->lock);
  *pooled = r->n_idle > 0;
  if (*pooled) *fd = r->idle[--r->n_idle];
  bool pause = !*pooled && mono_ms() < r->retry_after_ms;
  pthread_mutex_unlock(&r->lock);
  if (*pooled) return FAIL_NONE;
  if (pause) return FAIL_REFUSED;
  int rc = open_conn(r, deadline, fd);
  if (rc != FAIL_NONE) {
    pthread_mutex_lock(&r->lock);
    r->retry_after_ms = mono_ms() + r->retry_ms;
    pthread_mutex_unlock(&r->lock);
  }
  return rc;
}

static void give_conn(redis_store *r, int fd) {
  pthread_mutex_lock(&r->lock);
  if (r->n_idle < MM_GW_REDIS_POOL) r->idle[r->n_idle++] = fd, fd = -1;
  pthread_mutex_unlock(&r->lock);
  if (fd >= 0) close(fd);
}

/* ---- the script ------------------------------------------------------------------- */

/* SCRIPT LOAD once per store: later calls send only its SHA1. */
static int load_script(redis_store *r, int fd, int64_t deadline) {
  pthread_mutex_lock(&r->lock);
  bool have = r->sha[0] != '\0';
  pthread_mutex_unlock(&r->lock);
  if (have) return FAIL_NONE;
  mm_str args[] = {MM_STR("SCRIPT"), MM_STR("LOAD"), {SCRIPT, sizeof SCRIPT - 1}};
  char rbuf[MM_GW_REDIS_REPLY_MAX + 64];
  reply rep;
  int rc = call(fd, args, 3, rbuf, sizeof rbuf, &rep, deadline);
  if (rc != FAIL_NONE) return rc;
  if (rep.type != '$' || rep.len != SHA_LEN) return FAIL_PROTOCOL;
  pthread_mutex_lock(&r->lock);
  memcpy(r->sha, rep.s, SHA_LEN);
  r->sha[SHA_LEN] = '\0';
  pthread_mutex_unlock(&r->lock);
  return FAIL_NONE;
}

/* EVALSHA, or EVAL when Redis lost the script (restart, SCRIPT FLUSH). */
static int run_script(redis_store *r, int fd, mm_str key, int64_t sec, uint32_t window,
                      uint64_t *count, int64_t deadline) {
  char rkey[MM_WAF_RATE_MAX_KEY + 128], s_sec[24], s_win[16], s_ttl[16], sha[SHA_LEN + 1];
  int kl = snprintf(rkey, sizeof rkey, "%s%" PRIu32 ":", r->prefix, window);
  memcpy(rkey + kl, key.ptr, key.len);
  snprintf(s_sec, sizeof s_sec, "%" PRId64, sec);
  snprintf(s_win, sizeof s_win, "%" PRIu32, window);
  snprintf(s_ttl, sizeof s_ttl, "%" PRIu32, window + MM_GW_REDIS_TTL_SLACK);
  pthread_mutex_lock(&r->lock);
  memcpy(sha, r->sha, sizeof sha);
  pthread_mutex_unlock(&r->lock);
  mm_str args[] = {
      MM_STR("EVALSHA"),  mm_str_from(sha),   MM_STR("1"),       {rkey, (size_t)kl + key.len},
      mm_str_from(s_sec), mm_str_from(s_win), mm_str_from(s_ttl)};
  char rbuf[MM_GW_REDIS_REPLY_MAX + 64];
  reply rep;
  int rc = call(fd, args, 7, rbuf, sizeof rbuf, &rep, deadline);
  if (rc == FAIL_NONE && rep.type == '-' && rep.len >= 8 && memcmp(rep.s, "NOSCRIPT", 8) == 0) {
    atomic_fetch_add(&r->noscript, 1);
    args[0] = MM_STR("EVAL");
    args[1] = (mm_str){SCRIPT, sizeof SCRIPT - 1};
    rc = call(fd, args, 7, rbuf, sizeof rbuf, &rep, deadline);
  }
  if (rc != FAIL_NONE) return rc;
  if (rep.type != ':' || rep.num < 0) {
    if (rep.type == '-' && !atomic_load(&r->down_logged)) /* once per outage, as below */
      mm_log(MM_LOG_WARN, "redis", "rate store %s: %.*s", r->addr_text, (int)rep.len, rep.s);
    return FAIL_PROTOCOL;
  }
  *count = (uint64_t)rep.num;
  return FAIL_NONE;
}

/* ---- the store -------------------------------------------------------------------- */

static int fail_status(redis_store *r, int why) {
  atomic_fetch_add(&r->errors, 1);
  if (why == FAIL_TIMEOUT) atomic_fetch_add(&r->timeouts, 1);
  if (why == FAIL_REFUSED || why == FAIL_IO) atomic_fetch_add(&r->refused, 1);
  if (why == FAIL_PROTOCOL) atomic_fetch_add(&r->protocol, 1);
  atomic_store(&r->up, false);
  if (!atomic_exchange(&r->down_logged, true))
    mm_log(MM_LOG_WARN, "redis",
           "rate store %s not answering (%s); rate-based rules do not match until it does",
           r->addr_text,
           why == FAIL_TIMEOUT    ? "timeout"
           : why == FAIL_PROTOCOL ? "protocol error"
                                  : "connection failed");
  return why == FAIL_TIMEOUT ? MM_ETRUNC : why == FAIL_PROTOCOL ? MM_ESYNTAX : MM_EIO;
}

static void note_up(redis_store *r) {
  atomic_store(&r->up, true);
  if (atomic_exchange(&r->down_logged, false))
    mm_log(MM_LOG_INFO, "redis", "rate store %s answering again", r->addr_text);
}

/* One attempt on one connection; a connection that failed is closed. */
static int attempt(redis_store *r, mm_str key, int64_t sec, uint32_t window, uint64_t *count,
                   int64_t deadline, bool *pooled) {
  int fd = -1;
  int rc = take_conn(r, deadline, &fd, pooled);
  if (rc == FAIL_NONE) rc = load_script(r, fd, deadline);
  if (rc == FAIL_NONE) rc = run_script(r, fd, key, sec, window, count, deadline);
  if (fd >= 0 && (rc == FAIL_NONE || rc == FAIL_PROTOCOL))
    give_conn(r, fd);
  else if (fd >= 0)
    close(fd);
  return rc;
}

static int redis_add(void *self, mm_str key, mm_time now, uint32_t window_sec, uint64_t *count) {
  redis_store *r = self;
  if (window_sec == 0 || window_sec > MM_WAF_RATE_MAX_WINDOW || key.len > MM_WAF_RATE_MAX_KEY ||
      now < 0 || (!key.ptr && key.len))
    return MM_EINVAL;
  if (!key.ptr) key.ptr = "";
  atomic_fetch_add(&r->calls, 1);
  int64_t deadline = mono_ms() + r->timeout_ms;
  bool pooled;
  int rc = attempt(r, key, now / MM_TIME_US_PER_SEC, window_sec, count, deadline, &pooled);
  /* An idle connection Redis closed (restart, timeout): the others are
   * likely dead too; drop them and try once on a fresh one. */
  if (rc == FAIL_IO && pooled) {
    drop_idle(r);
    rc = attempt(r, key, now / MM_TIME_US_PER_SEC, window_sec, count, deadline, &pooled);
  }
  if (rc != FAIL_NONE) return fail_status(r, rc);
  note_up(r);
  return MM_OK;
}

static void redis_free(void *self) {
  redis_store *r = self;
  if (!r) return;
  drop_idle(r);
  pthread_mutex_destroy(&r->lock);
  mm_free(r);
}

mm_waf_rate_store *mm__gw_redis_rate_store_opts(const mm__gw_redis_options *o, mm_error *err) {
  if (!o || !o->addr) {
    mm_error_set(err, MM_EINVAL, "rate store: no Redis address");
    return NULL;
  }
  const char *prefix = o->prefix ? o->prefix : "mamori:rate:";
  if (strlen(o->addr) >= sizeof((redis_store *)0)->addr_text ||
      strlen(prefix) >= sizeof((redis_store *)0)->prefix) {
    mm_error_set(err, MM_EINVAL, "rate store: Redis address or key prefix too long");
    return NULL;
  }
  redis_store *r = mm_calloc(1, sizeof *r);
  if (!r) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  if (mm__gw_parse_addr(o->addr, &r->addr, &r->addr_len, err) != MM_OK ||
      pthread_mutex_init(&r->lock, NULL) != 0) {
    if (!err || err->code == MM_OK) mm_error_set(err, MM_ENOMEM, "out of memory");
    mm_free(r);
    return NULL;
  }
  snprintf(r->addr_text, sizeof r->addr_text, "%s", o->addr);
  snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
  r->timeout_ms = o->timeout_ms ? o->timeout_ms : MM_GW_REDIS_TIMEOUT_MS;
  r->retry_ms = o->retry_ms ? o->retry_ms : MM_GW_REDIS_RETRY_MS;
  atomic_init(&r->up, false);
  r->store = (mm_waf_rate_store){redis_add, redis_free, r};
  return &r->store;
}

mm_waf_rate_store *mm__gw_redis_rate_store(const char *addr, uint32_t timeout_ms, mm_error *err) {
  mm__gw_redis_options o = {addr, timeout_ms, 0, NULL};
  return mm__gw_redis_rate_store_opts(&o, err);
}

static redis_store *as_redis(const mm_waf_rate_store *s) {
  return s && s->add == redis_add ? s->self : NULL;
}

int mm__gw_redis_ping(mm_waf_rate_store *s, mm_error *err) {
  redis_store *r = as_redis(s);
  if (!r) return mm_error_set(err, MM_EINVAL, "not a Redis rate store");
  int64_t deadline = mono_ms() + r->timeout_ms;
  int fd = -1;
  bool pooled;
  int rc = take_conn(r, deadline, &fd, &pooled);
  char rbuf[MM_GW_REDIS_REPLY_MAX + 64];
  reply rep;
  mm_str args[] = {MM_STR("PING")};
  if (rc == FAIL_NONE) rc = call(fd, args, 1, rbuf, sizeof rbuf, &rep, deadline);
  if (rc == FAIL_NONE && rep.type != '+') rc = FAIL_PROTOCOL;
  if (fd >= 0 && rc == FAIL_NONE)
    give_conn(r, fd);
  else if (fd >= 0)
    close(fd);
  if (rc == FAIL_NONE) return MM_OK;
  return mm_error_set(err, MM_EIO, "Redis at %s: %s", r->addr_text,
                      rc == FAIL_TIMEOUT    ? "no answer within the timeout"
                      : rc == FAIL_PROTOCOL ? "unexpected reply"
                                            : "cannot connect");
}

bool mm__gw_redis_stats_get(const mm_waf_rate_store *s, mm__gw_redis_stats *out) {
  redis_store *r = as_redis(s);
  if (!r) return false;
  *out = (mm__gw_redis_stats){
      .calls = atomic_load(&r->calls),
      .errors = atomic_load(&r->errors),
      .timeouts = atomic_load(&r->timeouts),
      .refused = atomic_load(&r->refused),
      .protocol = atomic_load(&r->protocol),
      .connects = atomic_load(&r->connects),
      .noscript = atomic_load(&r->noscript),
      .up = atomic_load(&r->up),
  };
  return true;
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(mm_buf *out, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') mm_buf_putc(out, '\\');
    if (*s == '\n')
      mm_buf_puts(out, "\\n");
    else
      mm_buf_putc(out, *s);
  }
}

/* One sample per store (label site, and cause for the errors). */
static void samples(mm_waf_rate_store *const *stores, const char *const *sites, size_t n, int which,
                    mm_buf *out) {
  static const char *const names[] = {"calls_total",  "errors_total",   "errors_total",
                                      "errors_total", "connects_total", "up"};
  static const char *const causes[] = {NULL, "timeout", "connect", "protocol", NULL, NULL};
  for (size_t i = 0; i < n; i++) {
    mm__gw_redis_stats st;
    if (!mm__gw_redis_stats_get(stores[i], &st)) continue;
    uint64_t v[] = {st.calls, st.timeouts, st.refused, st.protocol, st.connects, st.up};
    mm_buf_printf(out, "mamori_rate_store_redis_%s{site=\"", names[which]);
    put_label(out, sites && sites[i] ? sites[i] : "");
    if (causes[which]) mm_buf_printf(out, "\",cause=\"%s", causes[which]);
    mm_buf_printf(out, "\"} %" PRIu64 "\n", v[which]);
  }
}

int mm__gw_redis_metrics_write(mm_waf_rate_store *const *stores, const char *const *sites, size_t n,
                               mm_buf *out) {
  static const struct {
    const char *name, *type, *help;
    int first, last;
  } fam[] = {
      {"calls_total", "counter", "Rate-store calls sent to Redis.", 0, 0},
      {"errors_total", "counter", "Calls that failed (the rule did not match), by cause.", 1, 3},
      {"connects_total", "counter", "Connections opened to Redis.", 4, 4},
      {"up", "gauge", "1 when the last call succeeded.", 5, 5},
  };
  for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
    mm_buf_printf(out,
                  "# HELP mamori_rate_store_redis_%s %s\n# TYPE mamori_rate_store_redis_%s %s\n",
                  fam[f].name, fam[f].help, fam[f].name, fam[f].type);
    for (int w = fam[f].first; w <= fam[f].last; w++) samples(stores, sites, n, w, out);
  }
  return out->oom ? MM_ENOMEM : MM_OK;
}
