/*
 * peers.h - the other JSON parsers bench_json measures mamori against, each
 * behind the same C signature so that the harness times them identically.
 * Each parses the whole buffer into its DOM, counts the elements of the
 * top-level "Records" array (so the DOM is really walked once), frees it,
 * and returns that count, or -1 when the parser rejects the input.
 */
#ifndef MAMORI_BENCH_JSON_PEERS_H
#define MAMORI_BENCH_JSON_PEERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* simdjson's DOM parser (simdjson::dom::parser), C++, Debian libsimdjson-dev.
 * buf must have at least peer_simdjson_padding() readable bytes after len. */
long peer_simdjson_parse(const char *buf, size_t len);
size_t peer_simdjson_padding(void);
/* jansson's json_loadb, Debian libjansson-dev. */
long peer_jansson_parse(const char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
