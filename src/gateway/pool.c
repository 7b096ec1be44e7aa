/*
 * pool.c - idle keep-alive connections to origins, per worker (no locks).
 * A pooled connection the origin has closed in the meantime is noticed on
 * first use; proxy.c then retries once on a fresh connection.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/server.h"

/* Origins close idle connections after a few seconds (nginx keepalive_timeout
 * is 75 s, many apps 5 s); older ones are not worth a failed first write. */
#define POOL_IDLE_MS 4000

int mm__gw_pool_take(gw_worker *w, const char *origin) {
  uint64_t now = mm__gw_now_ms();
  for (size_t i = w->n_pool; i-- > 0;) {
    gw_pooled *p = &w->pool[i];
    if (strcmp(p->origin, origin) != 0) continue;
    int fd = p->fd;
    uint64_t since = p->since_ms;
    *p = w->pool[--w->n_pool];
    char probe;
    /* readable now means closed (or junk): not reusable */
    if (now - since > POOL_IDLE_MS || recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) {
      close(fd);
      continue;
    }
    return fd;
  }
  return -1;
}

void mm__gw_pool_put(gw_worker *w, const char *origin, int fd) {
  if (w->n_pool == GW_POOL_MAX) { /* drop the oldest */
    close(w->pool[0].fd);
    memmove(w->pool, w->pool + 1, (GW_POOL_MAX - 1) * sizeof w->pool[0]);
    w->n_pool--;
  }
  gw_pooled *p = &w->pool[w->n_pool++];
  p->fd = fd;
  strncpy(p->origin, origin, sizeof p->origin - 1);
  p->origin[sizeof p->origin - 1] = '\0';
  p->since_ms = mm__gw_now_ms();
}

void mm__gw_pool_clear(gw_worker *w) {
  for (size_t i = 0; i < w->n_pool; i++) close(w->pool[i].fd);
  w->n_pool = 0;
}
