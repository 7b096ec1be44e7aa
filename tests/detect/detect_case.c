/*
 * detect_case.c - runs one reader case file (a tests/detect/cases/NAME.case file).
 *
 * A case file is an outsider-readable description of one input and what
 * the reader must make of it:
 *
 *   # the AWS page the case follows, and why
 *   format: auto | cloudtrail | flow | dns        (default auto)
 *   flow-format: ${version} ${srcaddr} ...        (optional)
 *   via: mem | file | path                        (default mem; file = a FILE*,
 *                                                  which makes the sniffer bridge)
 *   gzip: yes                                     (compress the input first)
 *   --- input
 *   the input, verbatim, up to the next marker
 *   --- expect
 *   one line per reader result, in order:
 *     a record:  its compact JSON (what `mamori detect read` prints)
 *     an error:  error LINE:COLUMN: message
 *   and optionally "flags N" lines after a record (MM_DETECT_REC_* bits).
 *
 * The runner prints the first difference and exits 1.
 */
#include "mamori/detect.h"
#include "test.h"

#include <unistd.h>
#include <zlib.h>

typedef struct detect_case {
  mm_detect_options opt; /* from the keys */
  char flow_format[512]; /* its storage */
  char via[16];          /* mem, file or path */
  bool gzip;             /* compress the input */
  const char *input;     /* into the file's text */
  size_t input_len;      /* bytes */
  char *expect;          /* expected lines, NUL-separated by the parser */
} detect_case;

static char *after_marker(char *text, const char *marker) {
  char *m = strstr(text, marker);
  if (!m) return NULL;
  *m = '\0';
  m += strlen(marker);
  return *m == '\n' ? m + 1 : m;
}

static void parse_keys(char *keys, detect_case *c) {
  for (char *line = keys, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (line[0] == '#' || line[0] == '\0') continue;
    char *colon = strchr(line, ':');
    if (!colon) continue;
    *colon = '\0';
    char *v = colon + 1 + (colon[1] == ' ');
    if (strcmp(line, "format") == 0 && mm_detect_format_parse(v, &c->opt.format) != MM_OK)
      fprintf(stderr, "bad format %s\n", v), exit(1);
    if (strcmp(line, "flow-format") == 0) snprintf(c->flow_format, sizeof(c->flow_format), "%s", v);
    if (strcmp(line, "via") == 0) snprintf(c->via, sizeof(c->via), "%s", v);
    if (strcmp(line, "gzip") == 0) c->gzip = strcmp(v, "yes") == 0;
  }
  if (c->flow_format[0]) c->opt.flow_format = c->flow_format;
}

/* gzip-compress in into a malloc'd buffer. */
static unsigned char *gz(const char *in, size_t len, size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(1);
  size_t cap = deflateBound(&zs, (uLong)len) + 64;
  unsigned char *out = malloc(cap);
  zs.next_in = (Bytef *)(uintptr_t)in;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) exit(1);
  *out_len = zs.total_out;
  deflateEnd(&zs);
  return out;
}

static mm_detect_reader *open_case(const detect_case *c, const void *data, size_t len, FILE **tmp,
                                   char *path, mm_error *err) {
  if (strcmp(c->via, "mem") == 0 || !c->via[0])
    return mm_detect_reader_open_mem(data, len, &c->opt, err);
  if (strcmp(c->via, "file") == 0) {
    *tmp = tmpfile();
    fwrite(data, 1, len, *tmp);
    rewind(*tmp);
    return mm_detect_reader_open_file(*tmp, &c->opt, err);
  }
  snprintf(path, 64, "/tmp/mm_detect_case_%d", (int)getpid());
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
  return mm_detect_reader_open_path(path, &c->opt, err);
}

/* The reader's results, one line each, into out. */
static void run(const detect_case *c, mm_buf *out) {
  size_t len = c->input_len;
  unsigned char *packed = c->gzip ? gz(c->input, c->input_len, &len) : NULL;
  const void *data = packed ? (const void *)packed : c->input;
  FILE *tmp = NULL;
  char path[64] = "";
  mm_error err;
  mm_error_clear(&err);
  mm_detect_reader *r = open_case(c, data, len, &tmp, path, &err);
  if (!r) {
    mm_buf_printf(out, "open error: %s\n", err.msg);
  } else {
    mm_detect_record rec;
    int rc;
    while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
      if (rc != MM_OK) {
        mm_buf_printf(out, "error %u:%u: %s\n", err.line, err.column, err.msg);
        continue;
      }
      mm_json_write(out, rec.value, 0);
      mm_buf_putc(out, '\n');
      if (rec.flags) mm_buf_printf(out, "flags %u\n", rec.flags);
    }
    mm_detect_reader_close(r);
  }
  if (tmp) fclose(tmp);
  if (path[0]) remove(path);
  free(packed);
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: detect_case FILE.case\n"), 2;
  size_t n;
  char *text = mm_test_read_file(argv[1], &n);
  if (!text) return fprintf(stderr, "%s: cannot read\n", argv[1]), 2;
  detect_case c;
  memset(&c, 0, sizeof(c));
  char *input = after_marker(text, "--- input\n");
  char *expect = input ? after_marker(input, "--- expect\n") : NULL;
  if (!expect) return fprintf(stderr, "%s: needs --- input and --- expect\n", argv[1]), 2;
  parse_keys(text, &c);
  c.input = input;
  c.input_len = strlen(input);
  mm_buf got = MM_BUF_INIT;
  run(&c, &got);
  int rc = strcmp(got.ptr ? got.ptr : "", expect) == 0 ? 0 : 1;
  if (rc)
    fprintf(stderr, "%s:\n--- want\n%s--- got\n%s", argv[1], expect, got.ptr ? got.ptr : "");
  else
    printf("%s: ok\n", argv[1]);
  mm_buf_free(&got);
  free(text);
  return rc;
}
