/*
 * transform_case.c - runs one file of text-transformation cases
 * (a .tsv file in tests/waf/transform/), registered with ctest as waf/transform/<NAME>.
 *
 * A file named after an AWS TextTransformation Type (URL_DECODE.tsv) holds
 * cases of that transformation, one per line, three TAB-separated fields:
 *
 *     name <TAB> input <TAB> expected output
 *
 * Any other file (chains.tsv) holds chains, four fields:
 *
 *     name <TAB> chain <TAB> input <TAB> expected output
 *
 * where chain is "-" (none) or space-separated PRIORITY:TYPE entries in the
 * order they are listed (the runner adds them one by one, as a WebACL's
 * TextTransformations array), and an expected output of !ELIMIT, !EINVAL or
 * !ENOENT means building the chain must fail with that status.
 *
 * Fields are written with escapes so that an outsider can read them: \xNN is
 * the byte NN, \\ a backslash, \t \n \r as in C; every other byte stands for
 * itself. Lines starting with '#' are comments: a transformation file must
 * name its AWS page ("# aws: ...") and have at least 10 cases. Each case
 * runs through mm__waf_transform_apply and through a one-step chain, with a
 * fresh and a reused scratch, and the output must stay within the
 * transformation's documented bound.
 */
#include "waf/transform.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CASES 10 /* per transformation file (the brief's floor) */

typedef struct field {
  char *ptr;  /* decoded bytes, malloc'd */
  size_t len; /* bytes */
} field;

static int hexval(char c) { return mm__waf_hex_value((uint8_t)c); }

/* Decode the escapes of text[0..len) into f; false on a bad escape. */
static bool unescape(const char *text, size_t len, field *f) {
  f->ptr = malloc(len + 1);
  f->len = 0;
  if (!f->ptr) abort();
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (c != '\\') {
      f->ptr[f->len++] = c;
      continue;
    }
    if (++i >= len) return false;
    switch (text[i]) {
      case '\\':
        f->ptr[f->len++] = '\\';
        break;
      case 't':
        f->ptr[f->len++] = '\t';
        break;
      case 'n':
        f->ptr[f->len++] = '\n';
        break;
      case 'r':
        f->ptr[f->len++] = '\r';
        break;
      case 'x':
        if (i + 2 >= len || hexval(text[i + 1]) < 0 || hexval(text[i + 2]) < 0) return false;
        f->ptr[f->len++] = (char)(hexval(text[i + 1]) << 4 | hexval(text[i + 2]));
        i += 2;
        break;
      default:
        return false;
    }
  }
  return true;
}

/* Print bytes the way the case files write them. */
static void print_escaped(const char *label, const char *p, size_t n) {
  fprintf(stderr, "  %-9s \"", label);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '\\')
      fputs("\\\\", stderr);
    else if (c >= 0x20 && c < 0x7F)
      fputc(c, stderr);
    else
      fprintf(stderr, "\\x%02X", c);
  }
  fprintf(stderr, "\" (%zu bytes)\n", n);
}

static bool same(mm_str got, const field *want) {
  return got.len == want->len && (got.len == 0 || memcmp(got.ptr, want->ptr, got.len) == 0);
}

/* ---- one transformation ---------------------------------------------------- */

static bool run_type_case(mm__waf_transform_type type, const char *name, const field *in,
                          const field *want, mm__waf_scratch *reused) {
  mm__waf_scratch fresh;
  mm__waf_scratch_init(&fresh);
  mm__waf_chain chain;
  mm__waf_chain_init(&chain);
  mm_str src = {in->ptr, in->len}, a = {0}, b = {0}, c = {0};
  size_t bound = 0;
  bool ok = mm__waf_chain_add(&chain, 0, type, NULL) == MM_OK &&
            mm__waf_transform_apply(type, src, &fresh, &a) == MM_OK &&
            mm__waf_transform_apply(type, src, reused, &b) == MM_OK &&
            mm__waf_chain_apply(&chain, src, reused, &c) == MM_OK &&
            mm__waf_transform_bound(type, in->len, &bound);
  ok = ok && same(a, want) && mm_str_eq(a, b) && mm_str_eq(a, c) &&
       (a.len <= bound || type == MM__WAF_T_NONE);
  if (!ok) {
    fprintf(stderr, "FAIL %s: %s\n", mm__waf_transform_name(type), name);
    print_escaped("input", in->ptr, in->len);
    print_escaped("expected", want->ptr, want->len);
    print_escaped("got", a.ptr ? a.ptr : "", a.len);
    if (!mm_str_eq(a, b) || !mm_str_eq(a, c))
      fprintf(stderr, "  (reused scratch or chain differ)\n");
  }
  mm__waf_scratch_free(&fresh);
  return ok;
}

/* ---- chains ---------------------------------------------------------------- */

/* Build a chain from "P:TYPE P:TYPE" (or "-"); the first failing status. */
static int build_chain(const char *spec, mm__waf_chain *chain, mm_error *err) {
  mm__waf_chain_init(chain);
  if (strcmp(spec, "-") == 0) return MM_OK;
  const char *p = spec;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    char *colon;
    unsigned long prio = strtoul(p, &colon, 10);
    if (*colon != ':') return MM_ESYNTAX;
    const char *name = colon + 1, *end = name;
    while (*end && *end != ' ') end++;
    int rc =
        mm__waf_chain_add_name(chain, (uint32_t)prio, (mm_str){name, (size_t)(end - name)}, err);
    if (rc != MM_OK) return rc;
    p = end;
  }
  return MM_OK;
}

static bool run_chain_case(const char *name, const char *spec, const field *in,
                           const char *want_raw, const field *want, mm__waf_scratch *s) {
  mm__waf_chain chain;
  mm_error err;
  mm_error_clear(&err);
  int rc = build_chain(spec, &chain, &err);
  if (want_raw[0] == '!') {
    bool ok = rc != MM_OK && strcmp(mm_status_name(rc), want_raw + 1) == 0;
    if (!ok)
      fprintf(stderr, "FAIL chain %s: expected %s, got %s\n", name, want_raw, mm_status_name(rc));
    return ok;
  }
  mm_str got = {0};
  if (rc == MM_OK) rc = mm__waf_chain_apply(&chain, (mm_str){in->ptr, in->len}, s, &got);
  if (rc == MM_OK && same(got, want)) return true;
  fprintf(stderr, "FAIL chain %s [%s]: status %s %s\n", name, spec, mm_status_name(rc), err.msg);
  print_escaped("input", in->ptr, in->len);
  print_escaped("expected", want->ptr, want->len);
  print_escaped("got", got.ptr ? got.ptr : "", got.len);
  return false;
}

/* ---- the file ---------------------------------------------------------------- */

/* Split line at TABs into at most max fields; returns how many. */
static int split_tabs(char *line, char **fields, int max) {
  int n = 0;
  fields[n++] = line;
  for (char *p = line; *p && n < max + 1; p++) {
    if (*p == '\t') {
      *p = '\0';
      if (n == max) return max + 1; /* too many */
      fields[n++] = p + 1;
    }
  }
  return n;
}

static mm__waf_transform_type file_type(const char *path, bool *is_type) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  mm__waf_transform_type type = MM__WAF_T_NONE;
  *is_type = mm__waf_transform_lookup((mm_str){base, dot ? (size_t)(dot - base) : strlen(base)},
                                      &type) == MM_OK;
  return type;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: transform_case FILE.tsv\n"), 2;
  size_t len;
  char *text = mm_test_read_file(argv[1], &len);
  if (!text) return fprintf(stderr, "cannot read %s\n", argv[1]), 2;
  bool is_type;
  mm__waf_transform_type type = file_type(argv[1], &is_type);
  int want_fields = is_type ? 3 : 4, cases = 0, failed = 0, lineno = 0;
  bool has_aws = false;
  mm__waf_scratch scratch;
  mm__waf_scratch_init(&scratch);
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    lineno++;
    if (strncmp(line, "# aws:", 6) == 0) has_aws = true;
    if (line[0] == '#' || line[0] == '\0') continue;
    char *f[5];
    field in, want;
    int nf = split_tabs(line, f, want_fields);
    const char *in_text = f[nf - 2], *want_text = f[nf - 1];
    if (nf != want_fields || !unescape(in_text, strlen(in_text), &in) ||
        !unescape(want_text, strlen(want_text), &want)) {
      fprintf(stderr, "%s:%d: malformed case line\n", argv[1], lineno);
      return 2;
    }
    cases++;
    bool ok = is_type ? run_type_case(type, f[0], &in, &want, &scratch)
                      : run_chain_case(f[0], f[1], &in, want_text, &want, &scratch);
    failed += !ok;
    free(in.ptr), free(want.ptr);
  }
  mm__waf_scratch_free(&scratch);
  free(text);
  if (is_type && (!has_aws || cases < MIN_CASES)) {
    fprintf(stderr, "%s: needs a \"# aws:\" line and at least %d cases (has %d)\n", argv[1],
            MIN_CASES, cases);
    return 1;
  }
  printf("%s: %d cases, %d failed\n", argv[1], cases, failed);
  return failed ? 1 : 0;
}
