/*
 * fuzz_json.c - libFuzzer target for the JSON module (RFC 8259 parser,
 * writer, streaming reader).
 *
 * Invariants checked on every input:
 *  - if the input parses, writing it (compact and pretty) gives text that
 *    parses again to an equal tree, and writing that tree again gives the
 *    very same bytes;
 *  - parsing into an arena agrees with parsing into a document;
 *  - the streaming reader (memory source, AUTO mode) makes progress: the
 *    records and errors it reports come in input order, no more of them
 *    than input bytes, and
 *    every value it yields survives the same write -> parse round trip;
 *  - the first byte also selects parser options (depth, duplicates,
 *    surrogates), so that those paths are fuzzed too.
 */
#include "mamori/json.h"

#include <stdlib.h>
#include <string.h>

static void round_trip(const mm_json_value *v, unsigned flags) {
  mm_buf w1 = MM_BUF_INIT, w2 = MM_BUF_INIT;
  mm_error err;
  if (mm_json_write(&w1, v, flags) != MM_OK) abort();
  mm_json_options big = {.max_depth = 1u << 20};
  mm_json_doc *d = mm_json_parse(w1.ptr, w1.len, &big, &err);
  if (!d || !mm_json_equal(v, mm_json_doc_root(d))) abort();
  if (mm_json_write(&w2, mm_json_doc_root(d), flags) != MM_OK) abort();
  if (w1.len != w2.len || memcmp(w1.ptr, w2.ptr, w1.len) != 0) abort();
  mm_json_doc_free(d);
  mm_buf_free(&w1);
  mm_buf_free(&w2);
}

static void stream(const uint8_t *data, size_t size) {
  mm_error err;
  mm_json_options opt = {.max_record = 1u << 16};
  mm_json_reader *r = mm_json_reader_open_mem(data, size, MM_JSON_STREAM_AUTO, &opt, &err);
  if (!r) abort();
  mm_json_record rec;
  int rc;
  /* Progress: records and errors come in input order (an error at the very
   * end of one value may share its offset with the next token), and there
   * are no more of them than input bytes (gzip: decoded bytes, at most ~1032
   * per compressed byte). */
  bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  size_t calls = 0, limit = (size + 2) * (gz ? 1100 : 1);
  uint64_t last = 0;
  while ((rc = mm_json_reader_next(r, &rec, &err)) != MM_EOF) {
    uint64_t at = rc == MM_OK ? rec.offset : err.offset;
    if (++calls > limit || at < last) abort();
    last = at;
    if (rc == MM_OK)
      round_trip(rec.value, 0);
    else if (!err.msg[0])
      abort();
  }
  mm_json_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_json_options opt = {0};
  if (size > 0 && (data[0] & 0x80)) { /* options from the first byte */
    opt.max_depth = (size_t)(data[0] & 0x0f) + 1;
    opt.flags = (data[0] >> 4) & 0x7u;
  }
  const char *text = (const char *)data;
  mm_error err;
  mm_json_doc *doc = mm_json_parse(text, size, &opt, &err);
  mm_arena a;
  mm_arena_init(&a, 0);
  const mm_json_value *ar = mm_json_parse_arena(&a, text, size, &opt, &err);
  if (!doc != !ar) abort();
  if (doc) {
    const mm_json_value *root = mm_json_doc_root(doc);
    if (!mm_json_equal(root, ar)) abort();
    round_trip(root, 0);
    round_trip(root, MM_JSON_WRITE_PRETTY);
  } else if (err.line == 0 && err.code != MM_ELIMIT) {
    abort(); /* syntax errors carry a position */
  }
  mm_arena_destroy(&a);
  mm_json_doc_free(doc);
  stream(data, size);
  return 0;
}
