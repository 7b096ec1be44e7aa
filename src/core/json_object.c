/*
 * json_object.c - what the parser does when an object closes: build the
 * hash index of a large object, and find duplicate member names.
 *
 * RFC 8259 section 4: names SHOULD be unique; when they are not, behaviour
 * is left to the implementation. We keep every member in document order;
 * the index maps each name to its LAST occurrence (so does the scan in
 * json_value.c), and MM_JSON_REJECT_DUPLICATES turns a repeated name into a
 * syntax error located at its second occurrence. The index is built once,
 * when the object closes, so the tree is immutable after the parse; its
 * hash is seeded per document so that keys cannot be prepared to collide.
 */
#include "json_int.h"

#include "mamori/hash.h"

#include <string.h>

static bool key_eq(const mm_json_value *a, const mm_json_value *b) {
  return a->tag == b->tag && memcmp(a->uni.str, b->uni.str, mm__json_len(a)) == 0;
}

static int fail_duplicate(mm__json_parser *p, const mm_json_value *key) {
  const uint8_t *quote = (const uint8_t *)key->uni.str - 1;
  p->code = MM_ESYNTAX;
  return mm_error_at(p->err, MM_ESYNTAX, p->text, p->len, (size_t)(quote - p->buf),
                     "duplicate key \"%.*s\"",
                     (int)(mm__json_len(key) > 64 ? 64 : mm__json_len(key)), key->uni.str);
}

/* Small objects with MM_JSON_REJECT_DUPLICATES: compare each key with the
 * ones before it (fewer than MM_JSON_INDEX_MIN, so at most ~500 compares). */
static int check_duplicates(mm__json_parser *p, mm_json_value *obj) {
  size_t n = mm__json_len(obj);
  const mm_json_value *keys[MM_JSON_INDEX_MIN];
  const mm_json_value *k = obj + 1;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < i; j++)
      if (key_eq(keys[j], k)) return fail_duplicate(p, k);
    keys[i] = k;
    k = k + 1 + mm__json_span(k + 1);
  }
  return MM_OK;
}

static int build_index(mm__json_parser *p, mm_json_value *obj) {
  size_t n = mm__json_len(obj), cap = 64;
  while (cap < 2 * n) cap *= 2;
  mm__json_index *ix = mm_arena_calloc(p->arena, 1, sizeof(*ix) + cap * sizeof(uint32_t));
  if (!ix) return mm_error_set(p->err, MM_ENOMEM, "out of memory indexing an object");
  ix->span = obj->uni.size;
  ix->seed = p->seed;
  ix->mask = (uint32_t)(cap - 1);
  const mm_json_value *k = obj + 1;
  for (size_t i = 0; i < n; i++, k = k + 1 + mm__json_span(k + 1)) {
    size_t h = (size_t)mm_hash(k->uni.str, mm__json_len(k), ix->seed) & ix->mask;
    for (; ix->slots[h]; h = (h + 1) & ix->mask)
      if (key_eq(obj + ix->slots[h], k)) break;
    if (ix->slots[h] && (p->flags & MM_JSON_REJECT_DUPLICATES)) return fail_duplicate(p, k);
    ix->slots[h] = (uint32_t)(k - obj); /* a later duplicate replaces: last wins */
  }
  obj->uni.idx = ix;
  obj->tag |= MM__JSON_INDEXED;
  return MM_OK;
}

int mm__json_finish_object(mm__json_parser *p, mm_json_value *obj) {
  if (mm__json_len(obj) >= MM_JSON_INDEX_MIN) return build_index(p, obj);
  return (p->flags & MM_JSON_REJECT_DUPLICATES) ? check_duplicates(p, obj) : MM_OK;
}
