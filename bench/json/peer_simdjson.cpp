// peer_simdjson.cpp - simdjson's DOM parser behind peers.h. The parser object
// is reused across calls, as simdjson recommends for throughput, so its
// one-time allocation is not part of the figure (ours reuses nothing: a fair
// margin in simdjson's favour).
#include "peers.h"

#include <simdjson.h>

static simdjson::dom::parser &parser() {
  static simdjson::dom::parser p;
  return p;
}

extern "C" size_t peer_simdjson_padding(void) { return simdjson::SIMDJSON_PADDING; }

extern "C" long peer_simdjson_parse(const char *buf, size_t len) {
  simdjson::dom::element doc;
  if (parser().parse(buf, len, false).get(doc)) return -1;
  simdjson::dom::array records;
  if (doc["Records"].get_array().get(records)) return 0;
  return (long)records.size();
}
