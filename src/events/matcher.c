/*
 * matcher.c - building the compiled matcher: many event patterns in one
 * structure whose cost per event depends on the event and on the rules it
 * wakes, not on the number of patterns (the approach of aws/event-ruler and
 * quamina, written for mamori). match.c runs it; matcher_int.h holds the
 * layout.
 *
 * Semantics are those of eval.c (Amazon EventBridge User Guide, "Event
 * patterns", "Content filtering", "Arrays in event patterns"); the tests
 * hold both to the same answers. Layout, all built once and then read-only:
 *
 *   path trie     one node per field name on some indexed or recorded path,
 *                 children sorted by (length, bytes) for a binary search;
 *                 the event is walked along it once, so subtrees no pattern
 *                 names are never visited, and arrays are transparent
 *                 (their elements walk the same node);
 *   field index   per node that some field ends at: exact values in hash
 *                 maps (strings; numbers by value), equals-ignore-case in a
 *                 case-folding map, prefixes and suffixes in sorted arrays
 *                 (one binary search, then up the parent links), CIDR
 *                 blocks in an mm_ipset whose value names the most specific
 *                 block (each block's list also holds the requirements of
 *                 every block containing it), and a short list of
 *                 conditions that must be run one by one (numeric ranges,
 *                 wildcards, anything-but);
 *   anchors       one field of each alternative (a `$or` branch
 *                 combination), the one whose conditions the fewest other
 *                 alternatives share (counted at compile time; conditions
 *                 that must be run one by one count as very common). The
 *                 anchor is indexed, and so is every other field whose
 *                 conditions at most MM__EV_INDEX_COST alternatives share;
 *                 the leaves at the paths of the remaining fields are
 *                 recorded during the walk.
 *
 * Per event (mm_events_ctx, one per thread): an alternative whose anchor is
 * satisfied becomes a candidate; its indexed fields are checked by their
 * stamps, the others on the recorded leaves (or, past MM__EV_MAX_RECORDS,
 * by eval.c's walk). So the work per event grows with the candidates, not
 * with the patterns: a condition shared by many rules (errorCode exists,
 * userIdentity.type Root) costs nothing unless it is the most selective
 * field of a rule. Alternatives with no positive field (only exists:false)
 * are checked on every event. Stamps with a generation number make
 * resetting the scratch arrays O(1) per event.
 */
#include "events/matcher_int.h"

#include "mamori/alloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- builder ------------------------------------------------------------------ */

mm_events_builder *mm_events_builder_new(void) { return mm_calloc(1, sizeof(mm_events_builder)); }

static void builder_clear(mm_events_builder *b, bool free_patterns) {
  for (size_t i = 0; i < b->n; i++) {
    if (free_patterns) mm_events_pattern_free(b->patterns[i]);
    mm_free(b->ids[i]);
  }
  b->n = 0;
}

void mm_events_builder_free(mm_events_builder *b) {
  if (!b) return;
  builder_clear(b, true);
  mm_free(b->patterns);
  mm_free(b->ids);
  mm_free(b->id_lens);
  mm_free(b);
}

static int builder_grow(mm_events_builder *b) {
  size_t cap = b->cap ? b->cap * 2 : 16;
  mm_events_pattern **p = mm_realloc(b->patterns, cap * sizeof(*p));
  if (p) b->patterns = p;
  char **ids = p ? mm_realloc(b->ids, cap * sizeof(*ids)) : NULL;
  if (ids) b->ids = ids;
  size_t *lens = ids ? mm_realloc(b->id_lens, cap * sizeof(*lens)) : NULL;
  if (lens) b->id_lens = lens, b->cap = cap;
  return lens ? MM_OK : MM_ENOMEM;
}

int mm_events_builder_add(mm_events_builder *b, mm_str id, mm_events_pattern *p, mm_error *err) {
  int rc = MM_OK;
  char *copy = NULL;
  if (!b || !p)
    rc = mm_error_set(err, MM_EINVAL, "no builder or no pattern");
  else if (b->n >= MM_EVENTS_MAX_PATTERNS)
    rc = mm_error_set(err, MM_ELIMIT, "a matcher holds at most %zu patterns",
                      (size_t)MM_EVENTS_MAX_PATTERNS);
  else if ((b->n == b->cap && builder_grow(b) != MM_OK) ||
           !(copy = mm_strndup(id.ptr ? id.ptr : "", id.len)))
    rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  if (rc != MM_OK) {
    mm_events_pattern_free(p);
    return rc;
  }
  b->patterns[b->n] = p, b->ids[b->n] = copy, b->id_lens[b->n] = id.len;
  b->n++;
  return MM_OK;
}

int mm_events_builder_add_json(mm_events_builder *b, mm_str id, const char *json, size_t len,
                               mm_error *err) {
  mm_events_pattern *p = mm_events_pattern_parse(json, len, err);
  if (!p) return err && err->code ? err->code : MM_EINVAL;
  return mm_events_builder_add(b, id, p, err);
}

size_t mm_events_builder_count(const mm_events_builder *b) { return b ? b->n : 0; }

/* ---- compiling: lists, nodes, fields -------------------------------------------- */

static int ids_push(mm_arena *a, mm__events_ids **slot, uint32_t id) {
  mm__events_ids *l = *slot;
  if (!l && !(l = *slot = mm_arena_calloc(a, 1, sizeof(*l)))) return MM_ENOMEM;
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 2;
    uint32_t *v = mm_arena_alloc(a, cap * sizeof(*v));
    if (!v) return MM_ENOMEM;
    if (l->n) memcpy(v, l->v, l->n * sizeof(*v));
    l->v = v, l->cap = cap;
  }
  l->v[l->n++] = id;
  return MM_OK;
}

/* Push id onto the list that map holds for key (creating it). */
static int map_push(mm_events_matcher *m, mm_map *map, mm_str key, uint32_t id) {
  mm__events_ids *l = mm_map_get(map, key);
  bool fresh = l == NULL;
  if (fresh) {
    char *k = mm_arena_memdup(&m->arena, key.len ? key.ptr : "", key.len ? key.len : 1);
    if (!k) return MM_ENOMEM;
    key.ptr = k;
  }
  int rc = ids_push(&m->arena, &l, id);
  if (rc == MM_OK && fresh) rc = mm_map_put(map, key, l, NULL);
  return rc;
}

static int grow(void **v, uint32_t *cap, uint32_t need, size_t size) {
  if (need <= *cap) return MM_OK;
  uint32_t c = *cap ? *cap * 2 : 8;
  while (c < need) c *= 2;
  void *p = mm_realloc(*v, c * size);
  if (!p) return MM_ENOMEM;
  *v = p, *cap = c;
  return MM_OK;
}

static mm__events_node *node_new(mm_events_matcher *m) {
  if (grow((void **)&m->nodes, &m->node_cap, m->nnodes + 1, sizeof(*m->nodes))) return NULL;
  mm__events_node *n = mm_arena_calloc(&m->arena, 1, sizeof(*n));
  if (!n) return NULL;
  mm_map_init(&n->children, false);
  n->field = -1;
  m->nodes[m->nnodes++] = n;
  return n;
}

static void field_init(mm__events_slot *f) {
  memset(f, 0, sizeof(*f));
  mm_map_init(&f->exact, false);
  mm_map_init(&f->numbers, false);
  mm_map_init(&f->nocase, true);
  for (int i = 0; i < 2; i++) {
    f->prefix[i] = (mm__events_affix){NULL, 0, 0, false, i == 1};
    f->suffix[i] = (mm__events_affix){NULL, 0, 0, true, i == 1};
  }
}

static void field_free(mm__events_slot *f) {
  mm_map_free(&f->exact);
  mm_map_free(&f->numbers);
  mm_map_free(&f->nocase);
  for (int i = 0; i < 2; i++) {
    mm_free(f->prefix[i].v);
    mm_free(f->suffix[i].v);
  }
  mm_free(f->cidrs);
  mm_ipset_free(f->ipset);
  mm_free(f->scans);
}

/* The field index at path, created with the trie nodes leading to it. */
static int field_at(mm_events_matcher *m, const mm_str *path, uint32_t depth, uint32_t *out) {
  mm__events_node *n = m->root;
  for (uint32_t i = 0; i < depth; i++) {
    mm__events_node *child = mm_map_get(&n->children, path[i]);
    if (!child) {
      char *k = mm_arena_memdup(&m->arena, path[i].len ? path[i].ptr : "", path[i].len + 1);
      if (!k || !(child = node_new(m))) return MM_ENOMEM;
      if (mm_map_put(&n->children, (mm_str){k, path[i].len}, child, NULL)) return MM_ENOMEM;
    }
    n = child;
  }
  if (n->field < 0) {
    if (grow((void **)&m->fields, &m->field_cap, m->nfields + 1, sizeof(*m->fields)))
      return MM_ENOMEM;
    field_init(&m->fields[m->nfields]);
    n->field = (int32_t)m->nfields++;
  }
  *out = (uint32_t)n->field;
  return MM_OK;
}

/* ---- compiling: one condition into its field's index --------------------------- */

static int add_affix(mm__events_affix *a, mm_str s, uint32_t req) {
  if (grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v))) return MM_ENOMEM;
  a->v[a->n++] = (mm__events_affix_entry){s, req, MM__EV_NONE, NULL, NULL};
  return MM_OK;
}

/* Merge sort of a's entries in affix order (qsort takes no context, and
 * a global one would make compiling on two threads at once unsafe). */
static int sort_affix(mm__events_affix *a) {
  mm__events_affix_entry *tmp = mm_malloc(a->n * sizeof(*tmp)), *src = a->v, *dst = tmp;
  if (!tmp) return MM_ENOMEM;
  for (uint32_t width = 1; width < a->n; width *= 2) {
    for (uint32_t lo = 0; lo < a->n; lo += 2 * width) {
      uint32_t mid = lo + width < a->n ? lo + width : a->n;
      uint32_t hi = lo + 2 * width < a->n ? lo + 2 * width : a->n, i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        dst[k++] = mm__events_affix_cmp(a, src[j].s, src[i].s) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    mm__events_affix_entry *t = src;
    src = dst, dst = t;
  }
  if (src != a->v) memcpy(a->v, src, a->n * sizeof(*tmp));
  mm_free(tmp);
  return MM_OK;
}

/* Sort, merge equal entries, link each to its parent and fill the lists. */
static int finish_affix(mm_events_matcher *m, mm__events_affix *a) {
  if (!a->n) return MM_OK;
  int rc = sort_affix(a);
  uint32_t n = 0;
  for (uint32_t i = 0; rc == MM_OK && i < a->n; i++) {
    if (n && mm__events_affix_cmp(a, a->v[n - 1].s, a->v[i].s) == 0) {
      rc = ids_push(&m->arena, &a->v[n - 1].own, a->v[i].req);
      continue;
    }
    a->v[n] = a->v[i];
    rc = ids_push(&m->arena, &a->v[n].own, a->v[i].req);
    uint32_t q = n ? n - 1 : MM__EV_NONE;
    while (q != MM__EV_NONE && !mm__events_affix_of(a, a->v[q].s, a->v[n].s)) q = a->v[q].parent;
    a->v[n].parent = q;
    n++;
  }
  a->n = n;
  for (uint32_t i = 0; rc == MM_OK && i < n; i++)
    for (uint32_t q = i; rc == MM_OK && q != MM__EV_NONE; q = a->v[q].parent)
      for (uint32_t k = 0; rc == MM_OK && k < a->v[q].own->n; k++)
        rc = ids_push(&m->arena, &a->v[i].all, a->v[q].own->v[k]);
  return rc;
}

static int add_cidr(mm_events_matcher *m, mm__events_slot *f, const mm_cidr *c, uint32_t req) {
  for (uint32_t i = 0; i < f->ncidrs; i++)
    if (f->cidrs[i].block.len == c->len &&
        !memcmp(&f->cidrs[i].block.addr, &c->addr, sizeof(c->addr)))
      return ids_push(&m->arena, &f->cidrs[i].own, req);
  if (grow((void **)&f->cidrs, &f->cidr_cap, f->ncidrs + 1, sizeof(*f->cidrs))) return MM_ENOMEM;
  mm__events_cidr *e = &f->cidrs[f->ncidrs++];
  memset(e, 0, sizeof(*e));
  e->block = *c;
  return ids_push(&m->arena, &e->own, req);
}

static int add_scan(mm__events_slot *f, const mm__events_cond *c, uint32_t req) {
  if (grow((void **)&f->scans, &f->scan_cap, f->nscans + 1, sizeof(*f->scans))) return MM_ENOMEM;
  f->scans[f->nscans++] = (mm__events_scan){c, req};
  return MM_OK;
}

static int add_exact(mm_events_matcher *m, mm__events_slot *f, const mm__events_cond *c,
                     uint32_t req) {
  if (c->kind == MM__EV_STRING) return map_push(m, &f->exact, c->str, req);
  if (c->kind != MM__EV_NUMBER) return ids_push(&m->arena, &f->literal[c->kind], req);
  uint64_t key = mm__events_number_key(c->num);
  return map_push(m, &f->numbers, (mm_str){(const char *)&key, sizeof(key)}, req);
}

static int add_cond(mm_events_matcher *m, mm__events_slot *f, const mm__events_cond *c,
                    uint32_t req) {
  switch (c->op->index) {
    case MM__EV_IDX_EXACT:
      return add_exact(m, f, c, req);
    case MM__EV_IDX_NOCASE:
      return map_push(m, &f->nocase, c->str, req);
    case MM__EV_IDX_PREFIX:
      return add_affix(&f->prefix[c->flag], c->str, req);
    case MM__EV_IDX_SUFFIX:
      return add_affix(&f->suffix[c->flag], c->str, req);
    case MM__EV_IDX_CIDR:
      return add_cidr(m, f, &c->cidr, req);
    case MM__EV_IDX_EXISTS:
      return c->flag ? ids_push(&m->arena, &f->exists, req) : MM_OK;
    default:
      return add_scan(f, c, req);
  }
}

/* ---- compiling: choosing anchors ------------------------------------------------- */

/* How often each index key is used, to pick selective anchors. */
typedef struct ev_counts {
  mm_map map;    /* key bytes -> count (as a pointer-sized integer) */
  mm_arena keys; /* copies of the keys */
  mm_buf key;    /* scratch for building one key */
} ev_counts;

#define EV_SCAN_COST ((size_t)1 << 20) /* run on every leaf: the last choice */

/* The key a condition is filed under: its path, its index kind and flag,
 * then the value (folded to lower case where the index ignores case).
 * false for conditions that are not indexed (scans, exists:false). */
static bool cond_key(mm_buf *b, const mm__events_field *f, const mm__events_cond *c) {
  uint8_t idx = c->op->index;
  if (idx == MM__EV_IDX_SCAN || (idx == MM__EV_IDX_EXISTS && !c->flag)) return false;
  mm_buf_clear(b);
  for (uint32_t i = 0; i < f->depth; i++) {
    mm_buf_printf(b, "%zu:", f->path[i].len);
    mm_buf_append(b, f->path[i].ptr, f->path[i].len);
  }
  mm_buf_printf(b, "|%u%u%u|", idx, c->kind, (unsigned)c->flag);
  bool fold = idx == MM__EV_IDX_NOCASE || c->flag;
  if (idx == MM__EV_IDX_CIDR) {
    mm_buf_putc(b, (char)c->cidr.addr.family);
    mm_buf_append(b, c->cidr.addr.bytes, 16);
    mm_buf_putc(b, (char)c->cidr.len);
  } else if (c->kind == MM__EV_NUMBER && idx == MM__EV_IDX_EXACT) {
    uint64_t k = mm__events_number_key(c->num);
    mm_buf_append(b, &k, sizeof(k));
  } else {
    for (size_t i = 0; i < c->str.len; i++)
      mm_buf_putc(b, fold ? mm_ascii_lower(c->str.ptr[i]) : c->str.ptr[i]);
  }
  return true;
}

static int count_cond(ev_counts *k, const mm__events_field *f, const mm__events_cond *c) {
  if (!cond_key(&k->key, f, c)) return MM_OK;
  if (k->key.oom) return MM_ENOMEM;
  mm_str key = {k->key.ptr, k->key.len};
  const mm_map_slot *slot = mm_map_find(&k->map, key);
  uintptr_t n = slot ? (uintptr_t)slot->value : 0;
  if (slot)
    key = slot->key; /* put stores the key it is given: keep the copy, not the scratch */
  else if (!(key.ptr = mm_arena_memdup(&k->keys, key.ptr, key.len)))
    return MM_ENOMEM;
  return mm_map_put(&k->map, key, (void *)(n + 1), NULL);
}

static int count_all(ev_counts *k, const mm_events_builder *b) {
  int rc = MM_OK;
  for (size_t i = 0; rc == MM_OK && i < b->n; i++)
    for (uint32_t a = 0; rc == MM_OK && a < b->patterns[i]->nalts; a++) {
      const mm__events_alt *alt = &b->patterns[i]->alts[a];
      for (uint32_t f = 0; rc == MM_OK && f < alt->nfields; f++)
        for (uint32_t c = 0; rc == MM_OK && c < alt->fields[f]->nconds; c++)
          rc = count_cond(k, alt->fields[f], &alt->fields[f]->conds[c]);
    }
  return rc;
}

/* How many anchors an event satisfying f would wake, roughly. */
static size_t field_cost(ev_counts *k, const mm__events_field *f) {
  size_t cost = 0;
  for (uint32_t c = 0; c < f->nconds; c++) {
    if (!cond_key(&k->key, f, &f->conds[c]))
      cost += EV_SCAN_COST;
    else
      cost += (uintptr_t)mm_map_get(&k->map, (mm_str){k->key.ptr, k->key.len});
  }
  return cost;
}

/* ---- compiling: patterns, alternatives, requirements ------------------------------ */

/* File field f's conditions under requirement req. */
static int index_field(mm_events_matcher *m, uint32_t req) {
  const mm__events_field *f = m->reqs[req].f;
  uint32_t fi;
  int rc = field_at(m, f->path, f->depth, &fi);
  for (uint32_t c = 0; rc == MM_OK && c < f->nconds; c++)
    rc = add_cond(m, &m->fields[fi], &f->conds[c], req);
  m->reqs[req].indexed = rc == MM_OK, m->reqs[req].slot = fi;
  return rc;
}

/* A field checked on candidates only: record the leaves at its path. */
static int record_field(mm_events_matcher *m, uint32_t req) {
  const mm__events_field *f = m->reqs[req].f;
  int rc = field_at(m, f->path, f->depth, &m->reqs[req].slot);
  if (rc == MM_OK) m->fields[m->reqs[req].slot].record = true;
  return rc;
}

static int add_alt(mm_events_matcher *m, ev_counts *k, uint32_t pattern, const mm__events_alt *a) {
  mm__events_anchored *alt = &m->alts[m->nalts];
  *alt = (mm__events_anchored){pattern, MM__EV_NO_ANCHOR, m->nreqs, a->nfields};
  size_t best = SIZE_MAX, *costs = mm_malloc((a->nfields + 1) * sizeof(*costs));
  if (!costs) return MM_ENOMEM;
  for (uint32_t i = 0; i < a->nfields; i++) {
    const mm__events_field *f = a->fields[i];
    m->reqs[m->nreqs] = (mm__events_req){m->nalts, f, 0, false};
    costs[i] = f->absent_ok ? SIZE_MAX : field_cost(k, f);
    if (costs[i] < best) best = costs[i], alt->anchor = m->nreqs;
    m->nreqs++;
  }
  int rc = k->key.oom ? MM_ENOMEM : MM_OK;
  if (rc == MM_OK && alt->anchor == MM__EV_NO_ANCHOR) m->always[m->nalways++] = m->nalts;
  for (uint32_t i = 0; rc == MM_OK && i < a->nfields; i++)
    if (alt->first + i == alt->anchor || costs[i] <= MM__EV_INDEX_COST)
      rc = index_field(m, alt->first + i);
    else
      rc = record_field(m, alt->first + i);
  mm_free(costs);
  m->nalts++;
  return rc;
}

/* Each block's full list: its own requirements and those of every block
 * that contains it (blocks nest or are disjoint), then the prefix set. */
static int finish_cidrs(mm_events_matcher *m, mm__events_slot *f) {
  if (!f->ncidrs) return MM_OK;
  mm_ipset_builder *b = mm_ipset_builder_new();
  int rc = b ? MM_OK : MM_ENOMEM;
  for (uint32_t i = 0; rc == MM_OK && i < f->ncidrs; i++) {
    mm_ip_addr first, last;
    mm_cidr_bounds(&f->cidrs[i].block, &first, &last);
    for (uint32_t j = 0; rc == MM_OK && j < f->ncidrs; j++) {
      const mm__events_cidr *o = &f->cidrs[j];
      if (j != i && !(mm_cidr_contains(&o->block, &first) && mm_cidr_contains(&o->block, &last)))
        continue;
      for (uint32_t k = 0; rc == MM_OK && k < o->own->n; k++)
        rc = ids_push(&m->arena, &f->cidrs[i].all, o->own->v[k]);
    }
    if (rc == MM_OK) rc = mm_ipset_add_cidr(b, &f->cidrs[i].block, i, NULL);
  }
  if (rc == MM_OK && !(f->ipset = mm_ipset_compile(b, NULL))) rc = MM_ENOMEM;
  mm_ipset_builder_free(b);
  return rc;
}

static int edge_cmp(const void *a, const void *b) {
  return mm__events_name_cmp(((const mm__events_edge *)a)->name,
                             ((const mm__events_edge *)b)->name);
}

/* Each node's children as a sorted array, for matching. */
static int finish_nodes(mm_events_matcher *m) {
  for (uint32_t i = 0; i < m->nnodes; i++) {
    mm__events_node *n = m->nodes[i];
    if (!n->children.count) continue;
    n->edges = mm_arena_calloc(&m->arena, n->children.count, sizeof(*n->edges));
    if (!n->edges) return MM_ENOMEM;
    for (size_t s = 0; s < n->children.cap; s++)
      if (n->children.slots[s].key.ptr)
        n->edges[n->nedges++] =
            (mm__events_edge){n->children.slots[s].key, n->children.slots[s].value};
    qsort(n->edges, n->nedges, sizeof(*n->edges), edge_cmp);
  }
  return MM_OK;
}

static int count_alts(const mm_events_builder *b, uint32_t *nalts, uint32_t *nreqs) {
  size_t alts = 0, reqs = 0;
  for (size_t i = 0; i < b->n; i++) {
    alts += b->patterns[i]->nalts;
    for (uint32_t a = 0; a < b->patterns[i]->nalts; a++) reqs += b->patterns[i]->alts[a].nfields;
  }
  if (alts > UINT32_MAX / 2 || reqs > UINT32_MAX / 2) return MM_ELIMIT;
  *nalts = (uint32_t)alts, *nreqs = (uint32_t)reqs;
  return MM_OK;
}

static int alloc_tables(mm_events_matcher *m, const mm_events_builder *b) {
  uint32_t nalts, nreqs;
  int rc = count_alts(b, &nalts, &nreqs);
  if (rc) return rc;
  m->alts = mm_arena_calloc(&m->arena, nalts + 1, sizeof(*m->alts));
  m->always = mm_arena_calloc(&m->arena, nalts + 1, sizeof(*m->always));
  m->reqs = mm_arena_calloc(&m->arena, nreqs + 1, sizeof(*m->reqs));
  m->ids = mm_arena_calloc(&m->arena, b->n + 1, sizeof(*m->ids));
  m->patterns = mm_calloc(b->n + 1, sizeof(*m->patterns));
  m->root = node_new(m);
  if (!m->alts || !m->always || !m->reqs || !m->ids || !m->patterns || !m->root) return MM_ENOMEM;
  for (size_t i = 0; i < b->n; i++) {
    char *id = mm_arena_memdup(&m->arena, b->ids[i], b->id_lens[i] + 1);
    if (!id) return MM_ENOMEM;
    m->ids[i] = (mm_str){id, b->id_lens[i]};
  }
  return MM_OK;
}

static int build(mm_events_matcher *m, const mm_events_builder *b) {
  ev_counts k = {{0}, {0}, MM_BUF_INIT};
  mm_map_init(&k.map, false);
  mm_arena_init(&k.keys, 0);
  int rc = alloc_tables(m, b);
  if (rc == MM_OK) rc = count_all(&k, b);
  for (size_t i = 0; rc == MM_OK && i < b->n; i++)
    for (uint32_t a = 0; rc == MM_OK && a < b->patterns[i]->nalts; a++)
      rc = add_alt(m, &k, (uint32_t)i, &b->patterns[i]->alts[a]);
  if (rc == MM_OK) rc = finish_nodes(m);
  for (uint32_t f = 0; rc == MM_OK && f < m->nfields; f++) {
    mm__events_slot *fd = &m->fields[f];
    rc = finish_cidrs(m, fd);
    for (int i = 0; rc == MM_OK && i < 2; i++)
      if ((rc = finish_affix(m, &fd->prefix[i])) == MM_OK) rc = finish_affix(m, &fd->suffix[i]);
  }
  mm_map_free(&k.map);
  mm_arena_destroy(&k.keys);
  mm_buf_free(&k.key);
  return rc;
}

mm_events_matcher *mm_events_compile(mm_events_builder *b, mm_error *err) {
  if (!b) {
    mm_error_set(err, MM_EINVAL, "no builder");
    return NULL;
  }
  mm_events_matcher *m = mm_calloc(1, sizeof(*m));
  if (!m) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  mm_arena_init(&m->arena, 0);
  int rc = build(m, b);
  if (rc != MM_OK) {
    mm_error_set(err, rc, rc == MM_ELIMIT ? "too many alternatives" : "out of memory");
    mm_events_matcher_free(m);
    return NULL;
  }
  if (b->n) memcpy(m->patterns, b->patterns, b->n * sizeof(*m->patterns));
  m->npatterns = (uint32_t)b->n;
  builder_clear(b, false);
  return m;
}

void mm_events_matcher_free(mm_events_matcher *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->nfields; i++) field_free(&m->fields[i]);
  for (uint32_t i = 0; i < m->nnodes; i++) mm_map_free(&m->nodes[i]->children);
  for (uint32_t i = 0; i < m->npatterns; i++) mm_events_pattern_free(m->patterns[i]);
  mm_free(m->patterns);
  mm_free(m->fields);
  mm_free(m->nodes);
  mm_arena_destroy(&m->arena);
  mm_free(m);
}

size_t mm_events_matcher_count(const mm_events_matcher *m) { return m ? m->npatterns : 0; }

mm_str mm_events_matcher_id(const mm_events_matcher *m, size_t i) {
  return m && i < m->npatterns ? m->ids[i] : (mm_str){NULL, 0};
}

const mm_events_pattern *mm_events_matcher_pattern(const mm_events_matcher *m, size_t i) {
  return m && i < m->npatterns ? m->patterns[i] : NULL;
}
