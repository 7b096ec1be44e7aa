/*
 * sigma.c - a Sigma rule (https://github.com/SigmaHQ/sigma-specification,
 * rules with logsource product aws, service cloudtrail) into one mamori
 * detection rule (sigma.h has the rule's shape, docs/sigma.md the whole
 * mapping).
 *
 * Steps: the YAML tree (sigma_yaml.c); each selection of `detection` into
 * an expression (maps AND their fields, lists of maps OR them, lists of
 * scalars are keywords; sigma_value.c converts each field); the condition
 * string over the selections (sigma_cond.c); then the expression is written
 * as ONE EventBridge pattern when it can be (ANDs merge fields, ORs of one
 * field merge values, other ORs become "$or"), and otherwise as a condition
 * tree whose leaves are the largest patterns that can be formed, plus
 * "not", "search" and "fieldref" nodes. Every pattern written is checked
 * with mm_events_pattern_parse, so a rule that converts also loads.
 *
 * Metadata: title, id, author, description, references carried over (the
 * Detection Rule License asks that the author be shown with every rule and
 * match); level into a GuardDuty-style severity; type "Sigma:<title>".
 */
#include "detect/sigma_int.h"
#include "mamori/events.h"
#include "mamori/sigma.h"

#include <stdlib.h>
#include <string.h>

void mm__sigma_note(sg_ctx *c, const char *note) {
  for (size_t i = 0; i < c->nnotes; i++)
    if (c->notes[i] == note) return;
  if (c->nnotes < SG_MAX_NOTES) c->notes[c->nnotes++] = note;
}

sg_expr *mm__sigma_expr(sg_ctx *c, sg_op op, size_t nkids) {
  sg_expr *e = mm_arena_calloc(c->arena, 1, sizeof *e);
  if (e && nkids) e->kids = mm_arena_calloc(c->arena, nkids, sizeof *e->kids);
  if (!e || (nkids && !e->kids)) {
    mm_error_set(c->err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  e->op = op;
  e->n = nkids;
  return e;
}

/* ---- selections ------------------------------------------------------------- */

static sg_expr *map_selection(sg_ctx *c, const sg_node *map) {
  if (map->n == 0)
    return mm__sigma_fail(c->err, MM_EINVAL, map, "an empty selection matches nothing"), NULL;
  sg_expr *e = mm__sigma_expr(c, SG_AND, map->n);
  if (!e) return NULL;
  size_t i = 0;
  for (const sg_node *k = map->first; k && k->next; k = k->next->next) {
    for (const sg_node *o = map->first; o != k; o = o->next->next)
      if (o->kind == SG_SCALAR && k->kind == SG_SCALAR && o->len == k->len &&
          memcmp(o->str, k->str, k->len) == 0)
        return mm__sigma_fail(c->err, MM_EINVAL, k, "field '%s' appears twice", k->str), NULL;
    if (!(e->kids[i++] = mm__sigma_field_expr(c, k, k->next))) return NULL;
  }
  return e;
}

static sg_expr *selection_expr(sg_ctx *c, const sg_node *sel) {
  if (sel->kind == SG_MAP) return map_selection(c, sel);
  if (sel->kind == SG_SCALAR) return mm__sigma_keywords_expr(c, sel);
  size_t maps = 0;
  for (const sg_node *v = sel->first; v; v = v->next) maps += v->kind == SG_MAP;
  if (maps == 0) return mm__sigma_keywords_expr(c, sel);
  if (maps != sel->n)
    return mm__sigma_fail(c->err, MM_EINVAL, sel,
                          "a selection list holds either maps or keywords, not both"),
           NULL;
  sg_expr *e = mm__sigma_expr(c, SG_OR, sel->n);
  if (!e) return NULL;
  size_t i = 0;
  for (const sg_node *v = sel->first; v; v = v->next)
    if (!(e->kids[i++] = map_selection(c, v))) return NULL;
  return e;
}

/* ---- simplification (never mutates: selections are shared) ------------------ */

static sg_expr *simplify(sg_ctx *c, sg_expr *e);

static bool same_leaf_field(const sg_expr *a, const sg_expr *b) {
  return a->op == b->op && (a->op == SG_FIELD || a->op == SG_SEARCH) &&
         strcmp(a->field, b->field) == 0;
}

/* Kids of an AND/OR, simplified, with nested same-op nodes flattened and (in
 * an OR) leaves on one field merged into one leaf holding all values. */
static sg_expr *simplify_junction(sg_ctx *c, sg_expr *e) {
  sg_expr **kids = mm_arena_calloc(c->arena, 1, sizeof *kids);
  size_t n = 0, cap = 1;
  for (size_t i = 0; i < e->n; i++) {
    sg_expr *k = simplify(c, e->kids[i]);
    if (!k) return NULL;
    size_t m = k->op == e->op ? k->n : 1;
    for (size_t j = 0; j < m; j++) {
      sg_expr *x = k->op == e->op ? k->kids[j] : k;
      size_t at = n;
      for (size_t q = 0; e->op == SG_OR && q < n; q++)
        if (same_leaf_field(kids[q], x)) at = q;
      if (at < n) { /* merge x's values into kids[at] */
        sg_expr *merged = mm__sigma_expr(c, x->op, 0);
        size_t l1 = strlen(kids[at]->matchers), l2 = strlen(x->matchers);
        char *m2 = merged ? mm_arena_alloc(c->arena, l1 + l2 + 2) : NULL;
        if (!m2) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
        *merged = *kids[at];
        memcpy(m2, kids[at]->matchers, l1);
        m2[l1] = ',';
        memcpy(m2 + l1 + 1, x->matchers, l2 + 1);
        merged->matchers = m2;
        kids[at] = merged;
        continue;
      }
      if (n == cap) {
        sg_expr **grown = mm_arena_calloc(c->arena, cap * 2, sizeof *kids);
        if (!grown) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
        memcpy(grown, kids, n * sizeof *kids);
        kids = grown, cap *= 2;
      }
      kids[n++] = x;
    }
  }
  if (n == 1) return kids[0];
  sg_expr *out = mm__sigma_expr(c, e->op, 0);
  if (!out) return NULL;
  out->kids = kids;
  out->n = n;
  return out;
}

static sg_expr *simplify(sg_ctx *c, sg_expr *e) {
  if (e->op == SG_AND || e->op == SG_OR) return simplify_junction(c, e);
  if (e->op != SG_NOT) return e;
  sg_expr *k = simplify(c, e->kids[0]);
  if (!k) return NULL;
  if (k->op == SG_NOT) return k->kids[0];
  sg_expr *out = mm__sigma_expr(c, SG_NOT, 1);
  if (out) out->kids[0] = k;
  return out;
}

/* ---- patterns ------------------------------------------------------------------ */

/* A pattern under construction: fields (path -> matchers) ANDed, and groups
 * of alternatives, each group one "$or". */
typedef struct pgroup pgroup;
typedef struct pbuild {
  const sg_expr **fields; /* FIELD leaves */
  size_t n;
  pgroup *groups;
  size_t ng;
} pbuild;
struct pgroup {
  pbuild **alt;
  size_t n;
};

/* Would paths a and b clash in one pattern object (equal, or one a prefix
 * of the other at a '.')? */
static bool paths_clash(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;
  if (memcmp(a, b, l) != 0) return false;
  return la == lb || (la < lb ? b[la] : a[lb]) == '.';
}

static bool path_clashes(const pbuild *b, const char *path) {
  for (size_t i = 0; i < b->n; i++)
    if (paths_clash(b->fields[i]->field, path)) return true;
  for (size_t g = 0; g < b->ng; g++)
    for (size_t a = 0; a < b->groups[g].n; a++)
      if (path_clashes(b->groups[g].alt[a], path)) return true;
  return false;
}

static bool builders_clash(const pbuild *a, const pbuild *b) {
  for (size_t i = 0; i < b->n; i++)
    if (path_clashes(a, b->fields[i]->field)) return true;
  for (size_t g = 0; g < b->ng; g++)
    for (size_t k = 0; k < b->groups[g].n; k++)
      if (builders_clash(a, b->groups[g].alt[k])) return true;
  return false;
}

static pbuild *pb_new(sg_ctx *c, size_t nf, size_t ng) {
  pbuild *b = mm_arena_calloc(c->arena, 1, sizeof *b);
  if (b && nf) b->fields = mm_arena_calloc(c->arena, nf, sizeof *b->fields);
  if (b && ng) b->groups = mm_arena_calloc(c->arena, ng, sizeof *b->groups);
  if (!b || (nf && !b->fields) || (ng && !b->groups)) {
    mm_error_set(c->err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  return b;
}

/* a AND b as one builder; NULL when they clash (or memory runs out, with
 * c->err set). */
static pbuild *pb_merge(sg_ctx *c, const pbuild *a, const pbuild *b) {
  if (builders_clash(a, b)) return NULL;
  pbuild *m = pb_new(c, a->n + b->n, a->ng + b->ng);
  if (!m) return NULL;
  if (a->n) memcpy(m->fields, a->fields, a->n * sizeof *a->fields);
  if (b->n) memcpy(m->fields + a->n, b->fields, b->n * sizeof *b->fields);
  if (a->ng) memcpy(m->groups, a->groups, a->ng * sizeof *a->groups);
  if (b->ng) memcpy(m->groups + a->ng, b->groups, b->ng * sizeof *b->groups);
  m->n = a->n + b->n;
  m->ng = a->ng + b->ng;
  return m;
}

/* An OR of builders as one builder holding one group (alternatives that are
 * themselves a lone group are spliced in). */
static pbuild *pb_or(sg_ctx *c, pbuild **alts, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += (alts[i]->n == 0 && alts[i]->ng == 1) ? alts[i]->groups[0].n : 1;
  pbuild *b = pb_new(c, 0, 1);
  pbuild **list = b ? mm_arena_calloc(c->arena, total, sizeof *list) : NULL;
  if (!list) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (alts[i]->n == 0 && alts[i]->ng == 1) {
      memcpy(list + k, alts[i]->groups[0].alt, alts[i]->groups[0].n * sizeof *list);
      k += alts[i]->groups[0].n;
    } else {
      list[k++] = alts[i];
    }
  }
  b->groups[0].alt = list;
  b->groups[0].n = total;
  b->ng = 1;
  return b;
}

/* The expression as a builder, or NULL when no single pattern expresses it
 * (NOT, search, fieldref, clashing fields). */
static pbuild *to_pattern(sg_ctx *c, const sg_expr *e) {
  if (e->op == SG_FIELD) {
    pbuild *b = pb_new(c, 1, 0);
    if (b) b->fields[0] = e, b->n = 1;
    return b;
  }
  if (e->op != SG_AND && e->op != SG_OR) return NULL;
  pbuild **kids = mm_arena_calloc(c->arena, e->n, sizeof *kids);
  if (!kids) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
  for (size_t i = 0; i < e->n; i++)
    if (!(kids[i] = to_pattern(c, e->kids[i]))) return NULL;
  if (e->op == SG_OR) return pb_or(c, kids, e->n);
  pbuild *acc = kids[0];
  for (size_t i = 1; acc && i < e->n; i++) acc = pb_merge(c, acc, kids[i]);
  return acc;
}

static int cmp_field(const void *a, const void *b) {
  return strcmp((*(const sg_expr *const *)a)->field, (*(const sg_expr *const *)b)->field);
}

/* Fields [lo, hi) sorted by path, all sharing the prefix of length skip:
 * written as the members of one object (nested by path segment). */
static void emit_fields(const sg_expr **f, size_t lo, size_t hi, size_t skip, mm_buf *out,
                        bool *first) {
  size_t i = lo;
  while (i < hi) {
    const char *seg = f[i]->field + skip, *dot = strchr(seg, '.');
    size_t seglen = dot ? (size_t)(dot - seg) : strlen(seg), j = i + 1;
    while (j < hi && strncmp(f[j]->field + skip, seg, seglen) == 0 &&
           (f[j]->field[skip + seglen] == '.' || f[j]->field[skip + seglen] == '\0'))
      j++;
    if (!*first) mm_buf_putc(out, ',');
    *first = false;
    mm_json_append_string(out, seg, seglen);
    if (!dot) {
      mm_buf_printf(out, ":[%s]", f[i]->matchers);
    } else {
      bool inner = true;
      mm_buf_puts(out, ":{");
      emit_fields(f, i, j, skip + seglen + 1, out, &inner);
      mm_buf_putc(out, '}');
    }
    i = j;
  }
}

/* Write b as a pattern object; groups[from..] are still to be placed (the
 * first becomes "$or", the rest are pushed into each of its alternatives). */
static void emit_builder(sg_ctx *c, const pbuild *b, const pgroup *extra, size_t nextra,
                         mm_buf *out) {
  const sg_expr **f = b->n ? mm_arena_memdup(c->arena, b->fields, b->n * sizeof *f) : NULL;
  if (b->n && !f) {
    out->oom = true;
    return;
  }
  if (b->n) qsort(f, b->n, sizeof *f, cmp_field);
  bool first = true;
  mm_buf_putc(out, '{');
  emit_fields(f, 0, b->n, 0, out, &first);
  /* the groups: this builder's own, then those inherited */
  size_t total = b->ng + nextra;
  if (total) {
    const pgroup *g0 = b->ng ? &b->groups[0] : &extra[0];
    mm_buf_puts(out, first ? "\"$or\":[" : ",\"$or\":[");
    for (size_t a = 0; a < g0->n; a++) {
      if (a) mm_buf_putc(out, ',');
      /* rest = b's groups after the first, then extra (or extra after its first) */
      pgroup *rest = total > 1 ? mm_arena_calloc(c->arena, total - 1, sizeof *rest) : NULL;
      size_t nrest = 0;
      for (size_t g = b->ng ? 1 : 0; g < b->ng; g++) rest[nrest++] = b->groups[g];
      for (size_t g = b->ng ? 0 : 1; g < nextra; g++) rest[nrest++] = extra[g];
      if (total > 1 && !rest) out->oom = true;
      emit_builder(c, g0->alt[a], rest, rest ? nrest : 0, out);
    }
    mm_buf_putc(out, ']');
  }
  mm_buf_putc(out, '}');
}

/* b written and checked as an EventBridge pattern into out (replacing its
 * contents): MM_OK, or the events parser's error in err. */
static int pattern_text(sg_ctx *c, const pbuild *b, mm_buf *out, mm_error *err) {
  mm_buf_clear(out);
  emit_builder(c, b, NULL, 0, out);
  if (out->oom) return mm_error_set(err, MM_ENOMEM, "out of memory");
  mm_events_pattern *p = mm_events_pattern_parse(out->ptr, out->len, err);
  if (!p) return err ? err->code : MM_EINVAL;
  mm_events_pattern_free(p);
  return MM_OK;
}

/* ---- the condition tree ------------------------------------------------------ */

static int emit_cond(sg_ctx *c, const sg_expr *e, mm_buf *out, int depth);

static int leaf_error(sg_ctx *c, const sg_expr *e, const mm_error *why) {
  mm__sigma_fail(c->err, why->code == MM_ENOMEM ? MM_ENOMEM : MM_EINVAL, NULL,
                 "field '%s': %s (%s)", e->field, why->msg, why->path);
  if (c->err) c->err->line = e->line, c->err->column = e->column;
  return c->err ? c->err->code : MM_EINVAL;
}

static int emit_pattern_item(sg_ctx *c, const pbuild *b, mm_buf *out) {
  mm_buf text = MM_BUF_INIT;
  mm_error why;
  mm_error_clear(&why);
  int rc = pattern_text(c, b, &text, &why);
  if (rc == MM_OK) mm_buf_printf(out, "{\"pattern\":%s}", text.ptr);
  mm_buf_free(&text);
  return rc;
}

static int emit_search(sg_ctx *c, const sg_expr *e, mm_buf *out) {
  mm_buf probe = MM_BUF_INIT;
  mm_buf_printf(&probe, "{\"v\":[%s]}", e->matchers);
  mm_error why;
  mm_error_clear(&why);
  mm_events_pattern *p = probe.oom ? NULL : mm_events_pattern_parse(probe.ptr, probe.len, &why);
  mm_buf_free(&probe);
  if (!p) return leaf_error(c, e, &why);
  mm_events_pattern_free(p);
  mm_buf_puts(out, "{\"search\":{\"field\":");
  mm_json_append_string(out, e->field, strlen(e->field));
  mm_buf_printf(out, ",\"match\":[%s]}}", e->matchers);
  return MM_OK;
}

static int emit_fieldref(const sg_expr *e, mm_buf *out) {
  mm_buf_puts(out, "{\"fieldref\":{\"field\":");
  mm_json_append_string(out, e->field, strlen(e->field));
  mm_buf_puts(out, ",\"ref\":");
  mm_json_append_string(out, e->ref, strlen(e->ref));
  mm_buf_printf(out, ",\"op\":\"%s\"}}", e->refop);
  return MM_OK;
}

/* Flush the pattern accumulated from several kids: as one pattern when it
 * checks, else each kid on its own. */
static int flush_acc(sg_ctx *c, pbuild *acc, const sg_expr **members, size_t nm, mm_buf *out,
                     size_t *items, int depth) {
  if (!acc) return MM_OK;
  if (*items) mm_buf_putc(out, ',');
  size_t mark = out->len;
  if (nm == 1 || emit_pattern_item(c, acc, out) != MM_OK) {
    out->len = mark;
    for (size_t i = 0; i < nm; i++) {
      if (i) mm_buf_putc(out, ',');
      int rc = emit_cond(c, members[i], out, depth + 1);
      if (rc != MM_OK) return rc;
    }
    *items += nm;
    return MM_OK;
  }
  (*items)++;
  return MM_OK;
}

/* allOf / anyOf: kids that form patterns are merged into as few patterns as
 * possible (written first: the matcher decides them cheaply); the others
 * follow as subtrees. */
static int emit_junction(sg_ctx *c, const sg_expr *e, mm_buf *out, int depth) {
  bool and = e->op == SG_AND;
  mm_buf_puts(out, and? "{\"allOf\":[" : "{\"anyOf\":[");
  size_t items = 0, nm = 0;
  const sg_expr **members = mm_arena_calloc(c->arena, e->n, sizeof *members);
  pbuild **alts = mm_arena_calloc(c->arena, e->n, sizeof *alts);
  if (!members || !alts) return mm_error_set(c->err, MM_ENOMEM, "out of memory");
  pbuild *acc = NULL;
  for (size_t i = 0; i < e->n; i++) {
    pbuild *kb = to_pattern(c, e->kids[i]);
    if (!kb) continue;
    pbuild *next = !acc ? kb : and? pb_merge(c, acc, kb) : (alts[nm] = kb, pb_or(c, alts, nm + 1));
    if (!next) { /* clash: write what we have, start again with this kid */
      int rc = flush_acc(c, acc, members, nm, out, &items, depth);
      if (rc != MM_OK) return rc;
      nm = 0;
      next = kb;
    }
    alts[nm] = kb;
    members[nm++] = e->kids[i];
    acc = next;
  }
  int rc = flush_acc(c, acc, members, nm, out, &items, depth);
  for (size_t i = 0; rc == MM_OK && i < e->n; i++) {
    if (to_pattern(c, e->kids[i])) continue;
    if (items++) mm_buf_putc(out, ',');
    rc = emit_cond(c, e->kids[i], out, depth + 1);
  }
  mm_buf_puts(out, "]}");
  return rc;
}

static int emit_cond(sg_ctx *c, const sg_expr *e, mm_buf *out, int depth) {
  if (depth > MM_DETECT_COND_MAX_DEPTH)
    return mm_error_set(c->err, MM_ELIMIT, "condition nested deeper than %d",
                        MM_DETECT_COND_MAX_DEPTH);
  if (out->len > MM_SIGMA_MAX_RULE_JSON)
    return mm_error_set(c->err, MM_ELIMIT, "rule JSON larger than %zu bytes",
                        MM_SIGMA_MAX_RULE_JSON);
  if (out->oom) return mm_error_set(c->err, MM_ENOMEM, "out of memory");
  pbuild *b = to_pattern(c, e);
  if (b) {
    size_t mark = out->len;
    mm_error why;
    mm_error_clear(&why);
    mm_buf text = MM_BUF_INIT;
    int rc = pattern_text(c, b, &text, &why);
    if (rc == MM_OK) mm_buf_printf(out, "{\"pattern\":%s}", text.ptr);
    mm_buf_free(&text);
    if (rc == MM_OK) return MM_OK;
    out->len = mark;
    if (e->op == SG_FIELD) return leaf_error(c, e, &why);
  }
  switch (e->op) {
    case SG_AND:
    case SG_OR:
      return emit_junction(c, e, out, depth);
    case SG_NOT: {
      mm_buf_puts(out, "{\"not\":");
      int rc = emit_cond(c, e->kids[0], out, depth + 1);
      mm_buf_putc(out, '}');
      return rc;
    }
    case SG_SEARCH:
      return emit_search(c, e, out);
    case SG_FIELDREF:
      return emit_fieldref(e, out);
    default:
      return mm_error_set(c->err, MM_EINVAL, "internal: a field leaf did not convert");
  }
}

/* ---- rule metadata ------------------------------------------------------------ */

static const struct {
  const char *level;
  const char *severity; /* GuardDuty's scale: low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9 */
} levels[] = {
    {"informational", "1.0"}, {"low", "2.0"},      {"medium", "5.0"},
    {"high", "7.0"},          {"critical", "8.0"},
};

static const char *severity_of(sg_ctx *c, const sg_node *level) {
  if (!level) {
    mm__sigma_note(c, "no level given: severity of a medium rule (5.0)");
    return "5.0";
  }
  for (size_t i = 0; level->kind == SG_SCALAR && i < MM_ARRAY_LEN(levels); i++)
    if (strcmp(level->str, levels[i].level) == 0) return levels[i].severity;
  mm__sigma_fail(c->err, MM_EINVAL, level,
                 "level must be informational, low, medium, high or critical");
  return NULL;
}

static void write_scalar(mm_json_writer *w, const sg_node *n) {
  mm_json_write_string(w, n->str, n->len);
}

/* A string, or a list of strings, as a JSON array of strings. */
static int write_list(sg_ctx *c, mm_json_writer *w, const char *key, const sg_node *n) {
  if (!n) return MM_OK;
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_array_begin(w);
  if (n->kind == SG_SCALAR) write_scalar(w, n);
  for (const sg_node *v = n->kind == SG_SEQ ? n->first : NULL; v; v = v->next) {
    if (v->kind != SG_SCALAR) return mm__sigma_fail(c->err, MM_EINVAL, v, "%s holds strings", key);
    write_scalar(w, v);
  }
  if (n->kind == SG_MAP) return mm__sigma_fail(c->err, MM_EINVAL, n, "%s holds strings", key);
  mm_json_write_array_end(w);
  return MM_OK;
}

static void write_str(mm_json_writer *w, const char *key, const sg_node *n) {
  if (!n || n->kind != SG_SCALAR) return;
  mm_json_write_key(w, key, strlen(key));
  write_scalar(w, n);
}

static int check_logsource(sg_ctx *c, const sg_node *root) {
  const sg_node *ls = mm__sigma_map_get(root, "logsource");
  if (!ls || ls->kind != SG_MAP)
    return mm__sigma_fail(c->err, MM_EINVAL, ls ? ls : root, "logsource (a map) is required");
  const sg_node *product = mm__sigma_map_get(ls, "product");
  const sg_node *service = mm__sigma_map_get(ls, "service");
  bool aws = product && product->kind == SG_SCALAR && strcmp(product->str, "aws") == 0;
  bool ct = service && service->kind == SG_SCALAR && strcmp(service->str, "cloudtrail") == 0;
  if (!aws || !ct)
    return mm__sigma_fail(c->err, MM_EINVAL, ls,
                          "logsource must be product: aws, service: cloudtrail (mamori converts "
                          "Sigma rules over CloudTrail records)");
  return MM_OK;
}

/* timeframe (15s, 5m, 1h, 2d) in seconds, or 0 when absent / bad. */
static uint64_t timeframe_sec(sg_ctx *c, const sg_node *tf) {
  if (!tf || tf->kind != SG_SCALAR || tf->len < 2) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i + 1 < tf->len; i++) {
    if (tf->str[i] < '0' || tf->str[i] > '9' || v > 100000000u) return 0;
    v = v * 10 + (uint64_t)(tf->str[i] - '0');
  }
  static const char units[] = "smhdM";
  static const uint64_t mult[] = {1, 60, 3600, 86400, 2592000};
  const char *u = strchr(units, tf->str[tf->len - 1]);
  (void)c;
  return u ? v * mult[u - units] : 0;
}

/* ---- the whole rule ------------------------------------------------------------ */

typedef struct rule_parts {
  const sg_node *root;
  const char *severity;
  const char *match_key; /* "pattern" or "condition" */
  mm_buf match;          /* its JSON */
  sg_agg agg;
  uint64_t window;
} rule_parts;

/* Every selection of detection, then the condition over them. */
static sg_expr *detection_expr(sg_ctx *c, const sg_node *det, sg_agg *agg) {
  if (!det || det->kind != SG_MAP)
    return mm__sigma_fail(c->err, MM_EINVAL, det, "detection (a map) is required"), NULL;
  sg_selection *sel = mm_arena_calloc(c->arena, det->n ? det->n : 1, sizeof *sel);
  if (!sel) return mm_error_set(c->err, MM_ENOMEM, "out of memory"), NULL;
  size_t nsel = 0;
  const sg_node *cond = NULL;
  for (const sg_node *k = det->first; k && k->next; k = k->next->next) {
    if (k->kind != SG_SCALAR) continue;
    if (strcmp(k->str, "condition") == 0) {
      cond = k->next;
      continue;
    }
    if (strcmp(k->str, "timeframe") == 0) continue;
    sel[nsel] = (sg_selection){k->str, k->len, selection_expr(c, k->next)};
    if (!sel[nsel++].expr) return NULL;
  }
  if (!cond) return mm__sigma_fail(c->err, MM_EINVAL, det, "detection has no condition"), NULL;
  if (cond->kind != SG_SEQ) return mm__sigma_condition(c, cond, sel, nsel, agg);
  /* a list of conditions: any of them */
  sg_expr *any = mm__sigma_expr(c, SG_OR, cond->n);
  size_t i = 0;
  for (const sg_node *k = cond->first; any && k; k = k->next)
    if (!(any->kids[i++] = mm__sigma_condition(c, k, sel, nsel, agg))) return NULL;
  return any;
}

static int convert_detection(sg_ctx *c, rule_parts *r) {
  const sg_node *det = mm__sigma_map_get(r->root, "detection");
  sg_expr *e = detection_expr(c, det, &r->agg);
  if (e) e = simplify(c, e);
  if (!e) return c->err ? c->err->code : MM_EINVAL;
  if (r->agg.present) {
    r->window = timeframe_sec(c, mm__sigma_map_get(det, "timeframe"));
    if (!r->window) {
      mm__sigma_note(c, "aggregation without a timeframe: a window of one hour");
      r->window = 3600;
    }
  }
  pbuild *b = to_pattern(c, e);
  mm_error why;
  mm_error_clear(&why);
  if (b && pattern_text(c, b, &r->match, &why) == MM_OK) {
    r->match_key = "pattern";
    return MM_OK;
  }
  if (c->err && c->err->code == MM_ENOMEM) return MM_ENOMEM;
  mm_buf_clear(&r->match);
  r->match_key = "condition";
  int rc = emit_cond(c, e, &r->match, 0);
  if (rc == MM_OK && c->err->code == MM_ENOMEM) rc = MM_ENOMEM; /* a builder ran out */
  if (rc == MM_OK && r->match.oom) rc = mm_error_set(c->err, MM_ENOMEM, "out of memory");
  if (rc == MM_OK && r->match.len > MM_SIGMA_MAX_RULE_JSON)
    rc = mm_error_set(c->err, MM_ELIMIT, "rule JSON larger than %zu bytes", MM_SIGMA_MAX_RULE_JSON);
  return rc;
}

static void write_threshold(mm_json_writer *w, const rule_parts *r) {
  if (!r->agg.present) return;
  mm_json_write_key(w, "threshold", 9);
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "count", 5);
  mm_json_write_uint64(w, r->agg.count);
  mm_json_write_key(w, "window_sec", 10);
  mm_json_write_uint64(w, r->window);
  if (r->agg.group_by) {
    mm_json_write_key(w, "group_by", 8);
    mm_json_write_array_begin(w);
    mm_json_write_string(w, r->agg.group_by, strlen(r->agg.group_by));
    mm_json_write_array_end(w);
  }
  if (r->agg.distinct) {
    mm_json_write_key(w, "distinct", 8);
    mm_json_write_string(w, r->agg.distinct, strlen(r->agg.distinct));
  }
  mm_json_write_object_end(w);
}

/* "sigma": what the rule came from (kept for people and for the licence). */
static int write_provenance(sg_ctx *c, mm_json_writer *w, const rule_parts *r) {
  const sg_node *root = r->root;
  mm_json_write_key(w, "sigma", 5);
  mm_json_write_object_begin(w);
  static const char *const scalars[] = {"id", "status", "level", "date", "modified", "license"};
  for (size_t i = 0; i < MM_ARRAY_LEN(scalars); i++)
    write_str(w, scalars[i], mm__sigma_map_get(root, scalars[i]));
  int rc = write_list(c, w, "tags", mm__sigma_map_get(root, "tags"));
  if (rc == MM_OK)
    rc = write_list(c, w, "falsepositives", mm__sigma_map_get(root, "falsepositives"));
  if (c->nnotes) {
    mm_json_write_key(w, "notes", 5);
    mm_json_write_array_begin(w);
    for (size_t i = 0; i < c->nnotes; i++)
      mm_json_write_string(w, c->notes[i], strlen(c->notes[i]));
    mm_json_write_array_end(w);
  }
  mm_json_write_object_end(w);
  return rc;
}

static int write_rule(sg_ctx *c, const rule_parts *r, mm_buf *out) {
  const sg_node *root = r->root, *title = mm__sigma_map_get(root, "title");
  const sg_node *id = mm__sigma_map_get(root, "id"), *author = mm__sigma_map_get(root, "author");
  mm_json_writer w;
  mm_json_writer_init(&w, out, 0);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "id", 2);
  write_scalar(&w, id && id->kind == SG_SCALAR ? id : title);
  mm_json_write_key(&w, "type", 4);
  mm_buf type = MM_BUF_INIT;
  mm_buf_printf(&type, "Sigma:%s", title->str);
  mm_json_write_string(&w, type.ptr ? type.ptr : "", type.len);
  mm_buf_free(&type);
  mm_json_write_key(&w, "severity", 8);
  mm_json_write_raw(&w, r->severity, strlen(r->severity));
  write_str(&w, "title", title);
  const sg_node *desc = mm__sigma_map_get(root, "description");
  write_str(&w, "description", desc && desc->kind == SG_SCALAR ? desc : title);
  mm_json_write_key(&w, "author", 6);
  if (author && author->kind == SG_SCALAR)
    write_scalar(&w, author);
  else
    mm_json_write_string(&w, "unknown (the Sigma rule names no author)", 40);
  int rc = write_list(c, &w, "references", mm__sigma_map_get(root, "references"));
  mm_json_write_key(&w, "source", 6);
  mm_json_write_string(&w, "cloudtrail", 10);
  mm_json_write_key(&w, "resource", 8);
  mm_json_write_string(&w, "AccessKey", 9);
  mm_json_write_key(&w, r->match_key, strlen(r->match_key));
  mm_json_write_raw(&w, r->match.ptr, r->match.len);
  write_threshold(&w, r);
  if (rc == MM_OK) rc = write_provenance(c, &w, r);
  mm_json_write_object_end(&w);
  if (rc == MM_OK && mm_json_writer_finish(&w) != MM_OK)
    rc = mm_error_set(c->err, w.status == MM_ENOMEM ? MM_ENOMEM : MM_EINVAL,
                      "could not write the rule");
  return rc;
}

static int convert(sg_ctx *c, const char *yaml, size_t len, mm_buf *tmp) {
  rule_parts r = {.match = MM_BUF_INIT};
  r.root = mm__sigma_yaml_parse(c->arena, yaml, len, c->err);
  if (!r.root) return c->err ? c->err->code : MM_EINVAL;
  int rc = MM_OK;
  const sg_node *title = mm__sigma_map_get(r.root, "title");
  if (r.root->kind != SG_MAP)
    rc = mm__sigma_fail(c->err, MM_EINVAL, r.root, "a Sigma rule is a map");
  else if (!title || title->kind != SG_SCALAR || !title->len)
    rc = mm__sigma_fail(c->err, MM_EINVAL, r.root, "title is required");
  if (rc == MM_OK) rc = check_logsource(c, r.root);
  if (rc == MM_OK && !(r.severity = severity_of(c, mm__sigma_map_get(r.root, "level"))))
    rc = c->err ? c->err->code : MM_EINVAL;
  if (rc == MM_OK) rc = convert_detection(c, &r);
  if (rc == MM_OK) rc = write_rule(c, &r, tmp);
  mm_buf_free(&r.match);
  return rc;
}

int mm__detect_sigma_to_rule(const char *yaml, size_t len, mm_buf *rule_json, mm_error *err) {
  mm_error local;
  if (!err) err = &local;
  mm_error_clear(err);
  if (!yaml || !rule_json) return mm_error_set(err, MM_EINVAL, "no rule or no output buffer");
  mm_arena arena;
  mm_arena_init(&arena, 16u << 10);
  sg_ctx c = {.arena = &arena, .err = err};
  mm_buf tmp = MM_BUF_INIT;
  int rc = convert(&c, yaml, len, &tmp);
  if (rc == MM_OK && tmp.oom) rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc == MM_OK && mm_buf_append(rule_json, tmp.ptr, tmp.len) != MM_OK)
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc != MM_OK && err->code == MM_OK) mm_error_set(err, rc, "%s", mm_strerror(rc));
  mm_buf_free(&tmp);
  mm_arena_destroy(&arena);
  return rc;
}

int mm_sigma_to_rule(const char *yaml, size_t len, mm_buf *rule_json, mm_error *err) {
  return mm__detect_sigma_to_rule(yaml, len, rule_json, err);
}
