/*
 * match.c - running a compiled matcher on one event: walk the event along
 * the trie of anchor paths, look each leaf value up in its path's index,
 * and check the other fields of every alternative whose anchor matched
 * (matcher.c describes the layout; the semantics are eval.c's, after the
 * Amazon EventBridge User Guide, "Event patterns" and "Arrays in event
 * patterns"). Never allocates: the scratch state is the caller's
 * mm_events_ctx, one per thread.
 */
#include "events/matcher_int.h"

#include "mamori/alloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- matching ------------------------------------------------------------------------ */

mm_events_ctx *mm_events_ctx_new(const mm_events_matcher *m) {
  if (!m) return NULL;
  mm_events_ctx *c = mm_calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->m = m;
  c->req_stamp = mm_calloc(m->nreqs + 1, sizeof(uint32_t));
  c->cands = mm_calloc(m->nalts + 1, sizeof(uint32_t));
  c->pat_stamp = mm_calloc(m->npatterns + 1, sizeof(uint32_t));
  c->results = mm_calloc(m->npatterns + 1, sizeof(uint32_t));
  c->slot_stamp = mm_calloc(m->nfields + 1, sizeof(uint32_t));
  c->slot_head = mm_calloc(m->nfields + 1, sizeof(uint32_t));
  c->records = mm_calloc(MM__EV_MAX_RECORDS, sizeof(*c->records));
  if (!c->req_stamp || !c->cands || !c->pat_stamp || !c->results || !c->slot_stamp ||
      !c->slot_head || !c->records) {
    mm_events_ctx_free(c);
    return NULL;
  }
  return c;
}

void mm_events_ctx_free(mm_events_ctx *c) {
  if (!c) return;
  mm_free(c->req_stamp);
  mm_free(c->cands);
  mm_free(c->pat_stamp);
  mm_free(c->results);
  mm_free(c->slot_stamp);
  mm_free(c->slot_head);
  mm_free(c->records);
  mm_free(c);
}

/* A new generation; on wrap-around every stamp is cleared once. */
static void next_generation(mm_events_ctx *c) {
  const mm_events_matcher *m = c->m;
  if (++c->gen == 0) {
    memset(c->req_stamp, 0, (m->nreqs + 1) * sizeof(uint32_t));
    memset(c->pat_stamp, 0, (m->npatterns + 1) * sizeof(uint32_t));
    memset(c->slot_stamp, 0, (m->nfields + 1) * sizeof(uint32_t));
    c->gen = 1;
  }
  c->ncands = 0, c->nresults = 0, c->nrecords = 0, c->overflow = false;
}

/* An anchor is satisfied: its alternative becomes a candidate (once). */
static void satisfy(mm_events_ctx *c, uint32_t req) {
  if (c->req_stamp[req] == c->gen) return;
  c->req_stamp[req] = c->gen;
  uint32_t alt = c->m->reqs[req].alt;
  if (c->m->alts[alt].anchor == req) c->cands[c->ncands++] = alt;
}

static void satisfy_all(mm_events_ctx *c, const mm__events_ids *l) {
  for (uint32_t i = 0; l && i < l->n; i++) satisfy(c, l->v[i]);
}

/* The largest entry <= s, then up the parents to the longest affix of s. */
static void probe_affixes(mm_events_ctx *c, const mm__events_affix *a, mm_str s) {
  uint32_t lo = 0, hi = a->n; /* find the first entry > s */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (mm__events_affix_cmp(a, a->v[mid].s, s) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint32_t q = lo ? lo - 1 : MM__EV_NONE;
  while (q != MM__EV_NONE && !mm__events_affix_of(a, a->v[q].s, s)) q = a->v[q].parent;
  if (q != MM__EV_NONE) satisfy_all(c, a->v[q].all);
}

static void probe_cidrs(mm_events_ctx *c, const mm__events_slot *f, mm_str s) {
  mm_ip_addr a;
  uint32_t block;
  if (mm_ip_parse(s.ptr, s.len, &a, NULL) == MM_OK && mm_ipset_lookup(f->ipset, &a, &block))
    satisfy_all(c, f->cidrs[block].all);
}

static void on_string(mm_events_ctx *c, const mm__events_slot *f, mm_str s) {
  if (f->exact.count) satisfy_all(c, mm_map_get(&f->exact, s));
  if (f->nocase.count) satisfy_all(c, mm_map_get(&f->nocase, s));
  for (int i = 0; i < 2; i++) {
    if (f->prefix[i].n) probe_affixes(c, &f->prefix[i], s);
    if (f->suffix[i].n) probe_affixes(c, &f->suffix[i], s);
  }
  if (f->ipset) probe_cidrs(c, f, s);
}

static void on_leaf(mm_events_ctx *c, uint32_t fi, const mm__events_leaf *leaf) {
  const mm__events_slot *f = &c->m->fields[fi];
  if (leaf->kind == MM__EV_STRING)
    on_string(c, f, leaf->str);
  else if (leaf->kind == MM__EV_NUMBER && f->numbers.count) {
    uint64_t key = mm__events_number_key(leaf->num);
    satisfy_all(c, mm_map_get(&f->numbers, (mm_str){(const char *)&key, sizeof(key)}));
  } else if (leaf->kind != MM__EV_NUMBER)
    satisfy_all(c, f->literal[leaf->kind]);
  satisfy_all(c, f->exists);
  for (uint32_t i = 0; i < f->nscans; i++)
    if (mm__events_cond_match(f->scans[i].cond, leaf)) satisfy(c, f->scans[i].req);
}

static void record_leaf(mm_events_ctx *c, uint32_t slot, const mm_json_value *v) {
  if (c->nrecords == MM__EV_MAX_RECORDS) {
    c->overflow = true;
    return;
  }
  bool fresh = c->slot_stamp[slot] != c->gen;
  c->records[c->nrecords] = (mm__events_record){v, fresh ? MM__EV_NONE : c->slot_head[slot]};
  c->slot_stamp[slot] = c->gen, c->slot_head[slot] = c->nrecords++;
}

/* Walk v along the trie from node: arrays are transparent, members whose
 * names no pattern uses are skipped with their whole subtree. */
static void walk(mm_events_ctx *c, const mm__events_node *node, const mm_json_value *v) {
  mm_json_type t = mm_json_type_of(v);
  if (t == MM_JSON_OBJECT || t == MM_JSON_ARRAY) {
    if (t == MM_JSON_OBJECT && !node->nedges) return;
    mm_json_iter it = mm_json_iter_init(v);
    const mm_json_value *k, *e;
    while (mm_json_iter_next(&it, &k, &e)) {
      const mm__events_node *next = k ? mm__events_child(node, mm_json_get_str(k)) : node;
      if (next) walk(c, next, e);
    }
    return;
  }
  mm__events_leaf leaf;
  if (node->field < 0 || !mm__events_leaf_of(v, &leaf)) return;
  if (c->m->fields[node->field].record) record_leaf(c, (uint32_t)node->field, v);
  on_leaf(c, (uint32_t)node->field, &leaf);
}

/* Does field f hold on the leaves the walk recorded at its slot? The same
 * judgement as mm__events_field_matches (any leaf satisfying one of its
 * conditions, or none there when absence is allowed) without walking the
 * event again. */
static bool recorded_field_matches(const mm_events_ctx *c, const mm__events_field *f,
                                   uint32_t slot) {
  bool seen = false;
  if (c->slot_stamp[slot] == c->gen)
    for (uint32_t r = c->slot_head[slot]; r != MM__EV_NONE; r = c->records[r].next) {
      mm__events_leaf leaf;
      if (!mm__events_leaf_of(c->records[r].leaf, &leaf)) continue;
      seen = true;
      for (uint32_t k = 0; k < f->nconds; k++)
        if (mm__events_cond_match(&f->conds[k], &leaf)) return true;
    }
  return !seen && f->absent_ok;
}

/* Are all of alt's fields but the anchor satisfied? Indexed ones by their
 * stamp, the others on the recorded leaves (or by walking the event when
 * it had more leaves than the scratch records). */
static bool others_hold(const mm_events_ctx *c, uint32_t alt, const mm_json_value *event) {
  const mm__events_anchored *a = &c->m->alts[alt];
  for (uint32_t i = a->first; i < a->first + a->nreqs; i++) {
    if (i == a->anchor) continue;
    const mm__events_req *r = &c->m->reqs[i];
    bool ok;
    if (r->indexed)
      ok = c->req_stamp[i] == c->gen;
    else if (!c->overflow && c->m->fields[r->slot].record)
      ok = recorded_field_matches(c, r->f, r->slot);
    else
      ok = mm__events_field_matches(r->f, event);
    if (!ok) return false;
  }
  return true;
}

static void accept(mm_events_ctx *c, uint32_t alt, const mm_json_value *event) {
  uint32_t p = c->m->alts[alt].pattern;
  if (c->pat_stamp[p] == c->gen || !others_hold(c, alt, event)) return;
  c->pat_stamp[p] = c->gen;
  c->results[c->nresults++] = p;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Results come out nearly sorted and few (a handful per event): insertion
 * sort beats qsort's call per comparison there; qsort stays for the rest. */
static void sort_results(uint32_t *r, size_t n) {
  if (n > 32) {
    qsort(r, n, sizeof(uint32_t), cmp_u32);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    uint32_t v = r[i];
    size_t j = i;
    while (j > 0 && r[j - 1] > v) r[j] = r[j - 1], j--;
    r[j] = v;
  }
}

size_t mm_events_match(const mm_events_matcher *m, mm_events_ctx *c, const mm_json_value *event,
                       const uint32_t **indexes) {
  if (indexes) *indexes = NULL;
  if (!m || !c || c->m != m) return 0;
  next_generation(c);
  if (!mm_json_is_object(event)) event = NULL; /* no fields: only absence can match */
  if (event) walk(c, m->root, event);
  for (uint32_t i = 0; i < c->ncands; i++) accept(c, c->cands[i], event);
  for (uint32_t i = 0; i < m->nalways; i++) accept(c, m->always[i], event);
  sort_results(c->results, c->nresults);
  if (indexes) *indexes = c->results;
  return c->nresults;
}
