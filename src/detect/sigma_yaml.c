/*
 * sigma_yaml.c - one YAML document (a Sigma rule) into a small tree of
 * scalars, lists and maps, read from libyaml's event stream.
 *
 * libyaml (YAML 1.1, https://pyyaml.org/wiki/LibYAML) parses; this file
 * builds the tree itself rather than use libyaml's document loader so that
 * every node keeps its line and column, aliases can be refused (a rule has
 * no use for them, and expanding them is the "billion laughs" attack), and
 * node count and nesting are bounded (sigma.h). A scalar remembers whether
 * it was plain (unquoted, untagged): only plain scalars are typed, as YAML's
 * core schema types them (null, true/false, integers).
 */
#include "detect/sigma_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

int mm__sigma_fail(mm_error *err, int code, const sg_node *n, const char *fmt, ...) {
  if (!err) return code;
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  mm_error_set(err, code, "%s", msg);
  if (n) {
    err->line = n->line;
    err->column = n->column;
  }
  return code;
}

sg_node *mm__sigma_map_get(const sg_node *map, const char *key) {
  if (!map || map->kind != SG_MAP) return NULL;
  size_t klen = strlen(key);
  for (sg_node *k = map->first; k && k->next; k = k->next->next)
    if (k->kind == SG_SCALAR && k->len == klen && memcmp(k->str, key, klen) == 0) return k->next;
  return NULL;
}

bool mm__sigma_is_null(const sg_node *n) {
  if (!n || n->kind != SG_SCALAR || !n->plain) return false;
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < MM_ARRAY_LEN(nulls); i++)
    if (strcmp(n->str, nulls[i]) == 0) return true;
  return false;
}

/* ---- building ------------------------------------------------------------- */

typedef struct yb {
  mm_arena *a;
  mm_error *err;
  sg_node *stack[MM_SIGMA_MAX_DEPTH + 1]; /* open lists and maps */
  sg_node *last[MM_SIGMA_MAX_DEPTH + 1];  /* their last child */
  size_t depth;
  size_t nodes;
  sg_node *root;
  int docs;
} yb;

static int add_node(yb *b, sg_node *n) {
  if (++b->nodes > MM_SIGMA_MAX_NODES)
    return mm__sigma_fail(b->err, MM_ELIMIT, n, "more than %d YAML nodes", MM_SIGMA_MAX_NODES);
  if (b->depth == 0) {
    b->root = n;
    return MM_OK;
  }
  sg_node *parent = b->stack[b->depth - 1];
  if (b->last[b->depth - 1])
    b->last[b->depth - 1]->next = n;
  else
    parent->first = n;
  b->last[b->depth - 1] = n;
  parent->n++;
  return MM_OK;
}

static sg_node *new_node(yb *b, sg_kind kind, const yaml_mark_t *mark) {
  sg_node *n = mm_arena_calloc(b->a, 1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  n->line = (uint32_t)mark->line + 1;
  n->column = (uint32_t)mark->column + 1;
  return n;
}

static int on_scalar(yb *b, const yaml_event_t *ev) {
  sg_node *n = new_node(b, SG_SCALAR, &ev->start_mark);
  if (!n) return mm_error_set(b->err, MM_ENOMEM, "out of memory");
  n->len = ev->data.scalar.length;
  n->str = mm_arena_strndup(b->a, (const char *)ev->data.scalar.value, n->len);
  if (!n->str) return mm_error_set(b->err, MM_ENOMEM, "out of memory");
  n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.tag == NULL;
  return add_node(b, n);
}

static int on_open(yb *b, sg_kind kind, const yaml_event_t *ev) {
  sg_node *n = new_node(b, kind, &ev->start_mark);
  if (!n) return mm_error_set(b->err, MM_ENOMEM, "out of memory");
  int rc = add_node(b, n);
  if (rc != MM_OK) return rc;
  if (b->depth >= MM_SIGMA_MAX_DEPTH)
    return mm__sigma_fail(b->err, MM_ELIMIT, n, "YAML nested deeper than %d", MM_SIGMA_MAX_DEPTH);
  b->stack[b->depth] = n;
  b->last[b->depth] = NULL;
  b->depth++;
  return MM_OK;
}

static int on_close(yb *b) {
  if (b->depth == 0) return mm_error_set(b->err, MM_ESYNTAX, "unbalanced YAML");
  sg_node *n = b->stack[--b->depth];
  if (n->kind == SG_MAP) n->n /= 2; /* children counted keys and values */
  return MM_OK;
}

/* Handle one event; 1 at the end of the stream, MM_OK to go on, or an error. */
static int on_event(yb *b, const yaml_event_t *ev) {
  switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
      if (++b->docs > 1) {
        sg_node at = {.line = (uint32_t)ev->start_mark.line + 1,
                      .column = (uint32_t)ev->start_mark.column + 1};
        return mm__sigma_fail(b->err, MM_EINVAL, &at,
                              "more than one YAML document: convert one Sigma rule at a time "
                              "(rule collections are not supported)");
      }
      return MM_OK;
    case YAML_ALIAS_EVENT: {
      sg_node at = {.line = (uint32_t)ev->start_mark.line + 1,
                    .column = (uint32_t)ev->start_mark.column + 1};
      return mm__sigma_fail(b->err, MM_EINVAL, &at, "YAML aliases (*name) are not supported");
    }
    case YAML_SCALAR_EVENT:
      return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
      return on_open(b, SG_SEQ, ev);
    case YAML_MAPPING_START_EVENT:
      return on_open(b, SG_MAP, ev);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      return on_close(b);
    case YAML_STREAM_END_EVENT:
      return 1;
    default:
      return MM_OK;
  }
}

static int parser_error(const yaml_parser_t *p, const char *text, size_t len, mm_error *err) {
  if (p->error == YAML_MEMORY_ERROR) return mm_error_set(err, MM_ENOMEM, "out of memory");
  size_t off = p->problem_mark.index;
  if (off > len) off = len;
  return mm_error_at(err, MM_ESYNTAX, text, len, off, "YAML: %s%s%s",
                     p->problem ? p->problem : "syntax error", p->context ? " " : "",
                     p->context ? p->context : "");
}

sg_node *mm__sigma_yaml_parse(mm_arena *a, const char *text, size_t len, mm_error *err) {
  if (len > MM_SIGMA_MAX_YAML) {
    mm_error_set(err, MM_ELIMIT, "Sigma rule of %zu bytes (limit %zu)", len, MM_SIGMA_MAX_YAML);
    return NULL;
  }
  yb b = {.a = a, .err = err};
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = MM_OK;
  while (rc == MM_OK) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = parser_error(&p, text, len, err);
      break;
    }
    rc = on_event(&b, &ev);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  if (rc < 0) return NULL;
  if (!b.root) mm_error_set(err, MM_EINVAL, "empty YAML: a Sigma rule is a map");
  return b.root;
}
