/*
 * cmd_ip.c - `mamori ip`: check addresses and CIDR blocks, and look
 * addresses up in a set loaded from a file (docs/core/ip.md). The set file
 * is what WAF IP sets and GuardDuty trusted/threat lists hold: one CIDR
 * block, address or range "first-last" per line, '#' starting a comment.
 */
#include "cli/cli.h"
#include "mamori/alloc.h"
#include "mamori/ip.h"
#include "mamori/json.h"

#include <getopt.h>
#include <string.h>

/* ---- check ------------------------------------------------------------------ */

static const char check_usage[] =
    "usage: mamori ip check TEXT...\n"
    "\n"
    "Parse each TEXT strictly as an IPv4/IPv6 address or CIDR block and print\n"
    "its canonical form (RFC 5952 for IPv6), or the error with its column.\n"
    "Leading zeros in IPv4 parts, zone ids, brackets and host bits set beyond\n"
    "a prefix are errors.\n"
    "\n"
    "exit: 0 all valid, 2 usage, 3 any invalid\n";

static int check_one(const char *text, mm_error *err) {
  size_t len = strlen(text);
  char out[MM_CIDR_TEXT_MAX];
  if (memchr(text, '/', len)) {
    mm_cidr c;
    int rc = mm_cidr_parse(text, len, MM_CIDR_STRICT, &c, err);
    if (rc) return rc;
    mm_cidr_format(&c, out, sizeof(out));
    printf("%s\tcidr\t%s\n", text, out);
  } else {
    mm_ip_addr a;
    int rc = mm_ip_parse(text, len, &a, err);
    if (rc) return rc;
    mm_ip_format(&a, out, sizeof(out));
    printf("%s\tipv%d\t%s\n", text, a.family, out);
  }
  return MM_OK;
}

static int run_check(int argc, char **argv) {
  if (argc < 2) return mm__cli_usage_error("ip check needs at least one TEXT");
  int status = MM_EXIT_OK;
  for (int i = 1; i < argc; i++) {
    mm_error err;
    mm_error_clear(&err);
    if (check_one(argv[i], &err) != MM_OK) {
      mm__cli_report_arg(argv[i], &err);
      status = MM_EXIT_INPUT;
    }
  }
  return status;
}

/* ---- match ------------------------------------------------------------------ */

static const char match_usage[] =
    "usage: mamori ip match --set FILE [--json] ADDRESS...\n"
    "\n"
    "Load FILE (one CIDR block, address or range first-last per line; '#'\n"
    "comments; host bits beyond a prefix are ignored, as IAM does) and say\n"
    "for each ADDRESS whether the set holds it, and which line of FILE is the\n"
    "most specific entry that does. ADDRESS - reads addresses from stdin, one\n"
    "per line. IPv4-mapped IPv6 addresses match IPv4 entries.\n"
    "\n"
    "  --set FILE   the set\n"
    "  --json       one JSON object per address\n"
    "\n"
    "exit: 0 no address in the set, 1 some address in the set, 2 usage,\n"
    "      3 FILE or an ADDRESS invalid\n";

typedef struct ip_set_file {
  mm_buf text;   /* the file's bytes, kept for quoting entries */
  size_t *lines; /* byte offset of each line's start, 1-based index */
  size_t nlines; /* lines in text */
  mm_ipset *set; /* compiled; entry values are line numbers */
} ip_set_file;

/* One set-file line without comment and surrounding blanks. */
static mm_str entry_of_line(const char *p, size_t len) {
  const char *hash = memchr(p, '#', len);
  if (hash) len = (size_t)(hash - p);
  while (len && strchr(" \t\r\n", p[len - 1])) len--;
  while (len && strchr(" \t", *p)) p++, len--;
  return (mm_str){p, len};
}

static size_t line_len(const ip_set_file *f, size_t line) {
  size_t end = line < f->nlines ? f->lines[line + 1] - 1 : f->text.len;
  return end - f->lines[line];
}

static int index_lines(ip_set_file *f) {
  size_t n = 1;
  for (size_t i = 0; i < f->text.len; i++) n += f->text.ptr[i] == '\n';
  f->lines = mm_calloc(n + 2, sizeof(size_t));
  if (!f->lines) return MM_ENOMEM;
  size_t line = 1;
  f->lines[1] = 0;
  for (size_t i = 0; i < f->text.len; i++)
    if (f->text.ptr[i] == '\n') f->lines[++line] = i + 1;
  f->nlines = f->text.len && f->text.ptr[f->text.len - 1] == '\n' ? line - 1 : line;
  return MM_OK;
}

static int add_lines(ip_set_file *f, mm_ipset_builder *b, mm_error *err) {
  for (size_t line = 1; line <= f->nlines; line++) {
    mm_str e = entry_of_line(f->text.ptr + f->lines[line], line_len(f, line));
    if (!e.len) continue;
    int rc = mm_ipset_add_text(b, e.ptr, e.len, MM_CIDR_IAM, (uint32_t)line, err);
    if (rc) { /* re-base the entry's error position onto the file */
      size_t in_entry = err->line ? err->offset : 0;
      size_t in_line = (size_t)(e.ptr - (f->text.ptr + f->lines[line])) + in_entry;
      err->offset = f->lines[line] + in_line;
      err->line = (uint32_t)line;
      err->column = (uint32_t)in_line + 1;
      return rc;
    }
  }
  return MM_OK;
}

static int load_set(const char *path, ip_set_file *f, mm_error *err) {
  int rc = mm__cli_read_file(path, &f->text, err);
  if (rc == MM_OK && (rc = index_lines(f)) != MM_OK) mm_error_set(err, rc, "out of memory");
  if (rc) return rc;
  mm_ipset_builder *b = mm_ipset_builder_new();
  if (!b) return mm_error_set(err, MM_ENOMEM, "out of memory");
  rc = add_lines(f, b, err);
  if (rc == MM_OK && !(f->set = mm_ipset_compile(b, err))) rc = err->code ? err->code : MM_ENOMEM;
  mm_ipset_builder_free(b);
  return rc;
}

static void free_set(ip_set_file *f) {
  mm_ipset_free(f->set);
  mm_free(f->lines);
  mm_buf_free(&f->text);
}

static void print_match(const ip_set_file *f, const char *path, const char *addr, bool hit,
                        uint32_t line, bool json) {
  mm_str e = hit ? entry_of_line(f->text.ptr + f->lines[line], line_len(f, line)) : (mm_str){"", 0};
  if (!json) {
    if (hit)
      printf("%s\tin\t%s:%u\t%.*s\n", addr, path, line, (int)e.len, e.ptr);
    else
      printf("%s\tnot-in\n", addr);
    return;
  }
  mm_buf b = MM_BUF_INIT;
  mm_buf_puts(&b, "{\"address\":");
  mm_json_append_string(&b, addr, strlen(addr));
  mm_buf_printf(&b, ",\"match\":%s", hit ? "true" : "false");
  if (hit) {
    mm_buf_printf(&b, ",\"line\":%u,\"entry\":", line);
    mm_json_append_string(&b, e.ptr, e.len);
  }
  mm_buf_putc(&b, '}');
  if (!b.oom) puts(b.ptr);
  mm_buf_free(&b);
}

typedef struct match_run {
  const ip_set_file *set; /* the loaded set */
  const char *path;       /* its file name, for output */
  bool json;              /* output form */
  int status;             /* exit code so far */
} match_run;

static void match_one(match_run *m, const char *addr, size_t len) {
  mm_ip_addr a;
  mm_error err;
  mm_error_clear(&err);
  char text[256];
  snprintf(text, sizeof(text), "%.*s", (int)(len < 255 ? len : 255), addr);
  if (mm_ip_parse(addr, len, &a, &err) != MM_OK) {
    mm__cli_report_arg(text, &err);
    m->status = MM_EXIT_INPUT;
    return;
  }
  uint32_t line = 0;
  bool hit = mm_ipset_lookup(m->set->set, &a, &line);
  if (hit && m->status == MM_EXIT_OK) m->status = MM_EXIT_FINDING;
  print_match(m->set, m->path, text, hit, line, m->json);
}

static void match_stdin(match_run *m) {
  char line[1024];
  while (fgets(line, sizeof(line), stdin)) {
    mm_str e = entry_of_line(line, strcspn(line, "\n"));
    if (e.len) match_one(m, e.ptr, e.len);
  }
}

static int run_match(int argc, char **argv) {
  static const struct option opts[] = {
      {"set", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  const char *path = NULL;
  bool json = false;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    if (c == 's')
      path = optarg;
    else if (c == 'j')
      json = true;
    else
      return mm__cli_usage_error("unknown option '%s'", argv[optind - 1]);
  }
  if (!path) return mm__cli_usage_error("ip match needs --set FILE");
  if (optind >= argc) return mm__cli_usage_error("ip match needs at least one ADDRESS");
  ip_set_file f = {MM_BUF_INIT, NULL, 0, NULL};
  mm_error err;
  mm_error_clear(&err);
  if (load_set(path, &f, &err) != MM_OK) {
    mm__cli_report(path, &err);
    free_set(&f);
    return MM_EXIT_INPUT;
  }
  match_run m = {&f, path, json, MM_EXIT_OK};
  for (int i = optind; i < argc; i++) {
    if (strcmp(argv[i], "-") == 0)
      match_stdin(&m);
    else
      match_one(&m, argv[i], strlen(argv[i]));
  }
  free_set(&f);
  return m.status;
}

static const mm__cli_verb ip_verbs[] = {
    {"check", "parse addresses and CIDR blocks strictly, print canonical forms", check_usage,
     run_check},
    {"match", "look addresses up in a set of CIDR blocks and ranges", match_usage, run_match},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_ip = {"ip", "IPv4/IPv6 addresses, CIDR blocks and sets", ip_verbs};
