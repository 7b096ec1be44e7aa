/*
 * peer_jansson.c - jansson's json_loadb behind peers.h.
 */
#include "peers.h"

#include <jansson.h>

long peer_jansson_parse(const char *buf, size_t len) {
  json_error_t err;
  json_t *doc = json_loadb(buf, len, 0, &err);
  if (!doc) return -1;
  json_t *records = json_object_get(doc, "Records");
  long n = json_is_array(records) ? (long)json_array_size(records) : 0;
  json_decref(doc);
  return n;
}
