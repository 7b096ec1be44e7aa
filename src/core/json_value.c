/*
 * json_value.c - reading a parsed tree: types, strings, numbers, lookup by
 * index and key, iteration, deep equality.
 *
 * Everything here only reads the node array described in json_int.h, so it
 * is safe from any number of threads at once. Object member order and
 * duplicate keys: RFC 8259 section 4 leaves duplicates' meaning open; we keep
 * all members in document order and lookups return the last one.
 */
#include "json_int.h"

#include "mamori/hash.h"

#include <math.h>
#include <string.h>

mm_json_type mm_json_type_of(const mm_json_value *v) {
  return v ? (mm_json_type)mm__json_type(v) : MM_JSON_INVALID;
}

const char *mm_json_type_name(mm_json_type t) {
  static const char *const names[] = {"invalid", "null",  "boolean", "number",
                                      "string",  "array", "object"};
  return (unsigned)t < MM_ARRAY_LEN(names) ? names[t] : "invalid";
}

bool mm_json_is_null(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_NULL; }
bool mm_json_is_bool(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_BOOL; }
bool mm_json_is_true(const mm_json_value *v) {
  return mm_json_type_of(v) == MM_JSON_BOOL && (v->tag & MM__JSON_TRUE);
}
bool mm_json_is_number(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_NUMBER; }
bool mm_json_is_string(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_STRING; }
bool mm_json_is_array(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_ARRAY; }
bool mm_json_is_object(const mm_json_value *v) { return mm_json_type_of(v) == MM_JSON_OBJECT; }

size_t mm_json_len(const mm_json_value *v) {
  unsigned t = mm_json_type_of(v);
  return (t == MM_JSON_STRING || t >= MM_JSON_ARRAY) ? mm__json_len(v) : 0;
}

const char *mm_json_str(const mm_json_value *v) { return mm_json_is_string(v) ? v->uni.str : NULL; }

mm_str mm_json_get_str(const mm_json_value *v) {
  if (!mm_json_is_string(v)) return (mm_str){NULL, 0};
  return (mm_str){v->uni.str, mm__json_len(v)};
}

/* ---- numbers --------------------------------------------------------------- */

mm_str mm_json_number_raw(const mm_json_value *v) {
  if (!mm_json_is_number(v)) return (mm_str){NULL, 0};
  return (mm_str){v->uni.str, mm__json_len(v)};
}

int mm_json_get_int64(const mm_json_value *v, int64_t *out) {
  if (!mm_json_is_number(v)) return MM_ETYPE;
  if (!(v->tag & MM__JSON_INT)) return MM_ERANGE;
  *out = v[1].uni.i;
  return MM_OK;
}

int mm_json_get_uint64(const mm_json_value *v, uint64_t *out) {
  if (!mm_json_is_number(v)) return MM_ETYPE;
  if (v->tag & MM__JSON_UINT) {
    *out = v[1].uni.u;
    return MM_OK;
  }
  if (!(v->tag & MM__JSON_INT) || v[1].uni.i < 0) return MM_ERANGE;
  *out = (uint64_t)v[1].uni.i;
  return MM_OK;
}

int mm_json_get_double(const mm_json_value *v, double *out) {
  if (!mm_json_is_number(v)) return MM_ETYPE;
  if (v->tag & MM__JSON_INT) {
    /* int64 -> double rounds correctly; "-0" is the integer 0 but the double -0. */
    *out = v[1].uni.i == 0 && v->uni.str[0] == '-' ? -0.0 : (double)v[1].uni.i;
  } else if (v->tag & MM__JSON_UINT) {
    *out = (double)v[1].uni.u;
  } else {
    *out = v[1].uni.d;
  }
  return (v->tag & MM__JSON_HUGE) ? MM_ERANGE : MM_OK;
}

/* ---- containers ------------------------------------------------------------ */

const mm_json_value *mm_json_at(const mm_json_value *array, size_t index) {
  if (!mm_json_is_array(array) || index >= mm__json_len(array)) return NULL;
  const mm_json_value *e = array + 1;
  while (index--) e += mm__json_span(e);
  return e;
}

static const mm_json_value *lookup_indexed(const mm_json_value *obj, const char *key, size_t len) {
  const mm__json_index *ix = obj->uni.idx;
  size_t h = (size_t)mm_hash(key, len, ix->seed) & ix->mask;
  for (; ix->slots[h]; h = (h + 1) & ix->mask) {
    const mm_json_value *k = obj + ix->slots[h];
    if (mm__json_len(k) == len && memcmp(k->uni.str, key, len) == 0) return k + 1;
  }
  return NULL;
}

const mm_json_value *mm_json_getn(const mm_json_value *obj, const char *key, size_t len) {
  if (!mm_json_is_object(obj) || (!key && len)) return NULL;
  if (obj->tag & MM__JSON_INDEXED) return lookup_indexed(obj, key, len);
  const mm_json_value *k = obj + 1, *found = NULL;
  uint64_t want = MM_JSON_STRING | ((uint64_t)len << MM__JSON_LEN_SHIFT);
  for (size_t n = mm__json_len(obj); n; n--) {
    if (k->tag == want && memcmp(k->uni.str, key, len) == 0) found = k + 1; /* last wins */
    k += 1 + mm__json_span(k + 1);
  }
  return found;
}

const mm_json_value *mm_json_get(const mm_json_value *obj, const char *key) {
  return key ? mm_json_getn(obj, key, strlen(key)) : NULL;
}

mm_json_iter mm_json_iter_init(const mm_json_value *c) {
  mm_json_iter it = {NULL, 0, false};
  unsigned t = mm_json_type_of(c);
  if (t == MM_JSON_ARRAY || t == MM_JSON_OBJECT) {
    it.next = c + 1;
    it.left = mm__json_len(c);
    it.object = t == MM_JSON_OBJECT;
  }
  return it;
}

bool mm_json_iter_next(mm_json_iter *it, const mm_json_value **key, const mm_json_value **val) {
  if (!it->left) return false;
  it->left--;
  const mm_json_value *k = it->object ? it->next : NULL;
  const mm_json_value *v = it->object ? it->next + 1 : it->next;
  it->next = v + mm__json_span(v);
  if (key) *key = k;
  if (val) *val = v;
  return true;
}

/* ---- equality ---------------------------------------------------------------- */

/* Equal trees have identical node sequences (pre-order layout), so a single
 * linear walk over both compares them: no recursion, no stack. */
static bool node_eq(const mm_json_value *a, const mm_json_value *b) {
  uint64_t mask = MM__JSON_TYPE_MASK | MM__JSON_TRUE | ~(uint64_t)0 << MM__JSON_LEN_SHIFT;
  unsigned t = mm__json_type(a);
  if ((a->tag & mask) != (b->tag & mask)) return false;
  if (t == MM_JSON_STRING || t == MM_JSON_NUMBER)
    return memcmp(a->uni.str, b->uni.str, mm__json_len(a)) == 0;
  return true;
}

bool mm_json_equal(const mm_json_value *a, const mm_json_value *b) {
  if (!a || !b) return a == b;
  size_t n = mm__json_span(a);
  if (n != mm__json_span(b)) return false;
  for (size_t i = 0; i < n; i += (mm__json_type(a + i) == MM_JSON_NUMBER ? 2 : 1))
    if (!node_eq(a + i, b + i)) return false;
  return true;
}
