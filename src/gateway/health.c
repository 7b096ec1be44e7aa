/*
 * health.c - active health checks: a thread that asks each origin with a
 * configured health_check for its path, and marks it down after a failed
 * check (connect error, timeout, or a status outside 200-399) and up after
 * a good one. Request routing skips origins marked down while another one
 * of the group is up. The same thread ticks the sites' DDoS detectors.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/ddos.h"
#include "gateway/server.h"
#include "mamori/log.h"

#define CHECK_TIMEOUT_MS 2000

static bool wait_fd(int fd, short ev) {
  struct pollfd p = {fd, ev, 0};
  return poll(&p, 1, CHECK_TIMEOUT_MS) == 1 && !(p.revents & (POLLERR | POLLNVAL));
}

/* One check: true when the origin answered 2xx or 3xx. */
static bool check_origin(const mm__gw_origin *o, const char *path) {
  int fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  char req[512], resp[64];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mamori-health-check\r\n"
                   "Connection: close\r\n\r\n",
                   path, o->name);
  if ((connect(fd, (const struct sockaddr *)&o->addr, o->addr_len) == 0 || errno == EINPROGRESS) &&
      wait_fd(fd, POLLOUT) && send(fd, req, (size_t)n, MSG_NOSIGNAL) == n && wait_fd(fd, POLLIN)) {
    ssize_t got = recv(fd, resp, sizeof resp - 1, 0);
    if (got >= 12 && memcmp(resp, "HTTP/1.", 7) == 0) ok = resp[9] == '2' || resp[9] == '3';
  }
  close(fd);
  return ok;
}

static void *health_main(void *arg) {
  mm_gateway *g = arg;
  uint64_t last[MM_GW_MAX_SITES] = {0};
  while (!atomic_load(&g->stopping)) {
    mm_gateway_config *cfg = mm__gw_config_current(g);
    uint64_t now = mm__gw_now_ms();
    for (size_t i = 0; i < cfg->n_sites; i++) {
      mm__gw_site *s = &cfg->sites[i];
      if (!s->health_path[0] || now - last[i] < s->health_interval_ms) continue;
      last[i] = now;
      for (size_t k = 0; k < s->n_origins; k++) {
        bool down = !check_origin(&s->origins[k], s->health_path);
        if (atomic_exchange(&s->origins[k].down, down) != down)
          mm_log(down ? MM_LOG_WARN : MM_LOG_INFO, "gateway", "site %s: origin %s is %s", s->name,
                 s->origins[k].name, down ? "down" : "up again");
      }
    }
    /* the DDoS detectors evaluate once a second (they ignore extra calls) */
    for (size_t i = 0; i < cfg->n_sites; i++)
      if (cfg->sites[i].ddos) mm__gw_ddos_tick(cfg->sites[i].ddos, now);
    mm__gw_config_unref(cfg);
    usleep(100 * 1000);
  }
  return NULL;
}

int mm__gw_health_start(mm_gateway *g, mm_error *err) {
  if (pthread_create(&g->health_thread, NULL, health_main, g) != 0)
    return mm_error_set(err, MM_ENOMEM, "cannot start the health-check thread");
  g->health_running = true;
  return MM_OK;
}

void mm__gw_health_stop(mm_gateway *g) {
  if (g->health_running) pthread_join(g->health_thread, NULL);
  g->health_running = false;
}
