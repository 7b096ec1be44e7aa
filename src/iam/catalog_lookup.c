/*
 * catalog_lookup.c - questions asked of a loaded IAM catalog (catalog.c):
 * services, actions, resource types and condition keys by name, condition
 * key families ("aws:RequestTag/${TagKey}"), which keys an action supports,
 * whether an ARN matches a resource type's ARN format, and the expansion of
 * an Action wildcard into the actions it names.
 *
 * Case: action names and condition keys are case-insensitive in IAM
 * ("IAM JSON policy elements: Action", "...: Condition"), so every index is
 * an mm_map with nocase; ARN formats are matched case-sensitively, as IAM
 * matches resource ARNs. The ARN formats are those of AWS's Service
 * Authorization Reference ("Resource types defined by ..." tables), with
 * ${Partition}, ${Region}, ${Account} and per-type placeholders.
 */
#include "catalog_int.h"

#include "mamori/glob.h"

#include <string.h>

/* ---- condition keys and families ------------------------------------------------ */

/* Where a placeholder (${...} or <...>) starts in name, and its length. */
static bool find_placeholder(mm_str name, size_t *at, size_t *len) {
  for (size_t i = 0; i + 1 < name.len; i++) {
    char close = name.ptr[i] == '$' && name.ptr[i + 1] == '{' ? '}' : name.ptr[i] == '<' ? '>' : 0;
    if (!close) continue;
    const char *end = memchr(name.ptr + i, close, name.len - i);
    if (!end) return false;
    *at = i;
    *len = (size_t)(end - (name.ptr + i)) + 1;
    return true;
  }
  return false;
}

void mm__iam_catalog_key_family(mm_iam_catalog_key *k) {
  size_t at, len;
  if (!find_placeholder(k->name, &at, &len)) return;
  k->family = true;
  k->prefix = (mm_str){k->name.ptr, at};
  k->suffix = (mm_str){k->name.ptr + at + len, k->name.len - at - len};
}

/* The text before the first ':' (the service part), or {NULL, 0} if none. */
static mm_str service_part(mm_str s) {
  const char *colon = s.len ? memchr(s.ptr, ':', s.len) : NULL;
  return colon ? (mm_str){s.ptr, (size_t)(colon - s.ptr)} : (mm_str){NULL, 0};
}

int mm__iam_catalog_index_key(mm_iam_catalog *c, mm_iam_catalog_key *k) {
  if (mm_map_put(&c->keys, k->name, k, NULL) != MM_OK) return MM_ENOMEM;
  if (!k->family) return MM_OK;
  mm_str part = service_part(k->prefix);
  if (!part.ptr) {
    k->next = c->wild;
    c->wild = k;
    return MM_OK;
  }
  k->next = mm_map_get(&c->families, part);
  return mm_map_put(&c->families, part, k, NULL);
}

static bool has_iprefix(mm_str s, mm_str p) {
  return s.len >= p.len && mm_str_ieq((mm_str){s.ptr, p.len}, p);
}
static bool has_isuffix(mm_str s, mm_str p) {
  return s.len >= p.len && mm_str_ieq((mm_str){s.ptr + s.len - p.len, p.len}, p);
}

/* A family's placeholder stands for a non-empty text; in a wild family the
 * placeholder lies in the service part, so the prefix is matched as a
 * glob-free text comparison just the same. */
bool mm_iam_catalog_key_matches(const mm_iam_catalog_key *k, mm_str name) {
  if (!k) return false;
  if (mm_str_ieq(k->name, name)) return true;
  return k->family && name.len > k->prefix.len + k->suffix.len && has_iprefix(name, k->prefix) &&
         has_isuffix(name, k->suffix);
}

static const mm_iam_catalog_key *chain_match(const mm_iam_catalog_key *k, mm_str name) {
  for (; k; k = k->next)
    if (mm_iam_catalog_key_matches(k, name)) return k;
  return NULL;
}

/* A wild family ("token.actions.${Domain}.ghe.com:actor") has its
 * placeholder before the first ':': its prefix and suffix are matched
 * around it like any other family. */
const mm_iam_catalog_key *mm_iam_catalog_key_find(const mm_iam_catalog *c, mm_str name) {
  const mm_iam_catalog_key *k = mm_map_get(&c->keys, name);
  if (k) return k;
  mm_str part = service_part(name);
  if (part.ptr && (k = chain_match(mm_map_get(&c->families, part), name))) return k;
  return chain_match(c->wild, name);
}

/* ---- services, actions, resource types -------------------------------------------- */

const mm_iam_catalog_service *mm_iam_catalog_service_find(const mm_iam_catalog *c, mm_str prefix) {
  return mm_map_get(&c->services, prefix);
}

const mm_iam_catalog_action *mm_iam_catalog_action_find(const mm_iam_catalog *c, mm_str name) {
  return mm_map_get(&c->actions, name);
}

const mm_iam_catalog_resource *mm_iam_catalog_resource_find(const mm_iam_catalog *c, mm_str prefix,
                                                            mm_str name) {
  char buf[256];
  if (prefix.len + name.len + 1 > sizeof(buf)) return NULL; /* longer than any entry */
  memcpy(buf, prefix.ptr, prefix.len);
  buf[prefix.len] = ':';
  memcpy(buf + prefix.len + 1, name.ptr, name.len);
  return mm_map_get(&c->resources, (mm_str){buf, prefix.len + 1 + name.len});
}

static bool list_has_key(const mm_iam_catalog *c, const mm_str *keys, size_t n, mm_str name) {
  for (size_t i = 0; i < n; i++) {
    if (mm_str_ieq(keys[i], name)) return true;
    const mm_iam_catalog_key *k = mm_map_get(&c->keys, keys[i]);
    if (k && k->family && mm_iam_catalog_key_matches(k, name)) return true;
  }
  return false;
}

bool mm_iam_catalog_action_supports_key(const mm_iam_catalog *c, const mm_iam_catalog_action *a,
                                        mm_str name) {
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(c, name);
  if (k && !k->service) return true; /* global keys apply to every action */
  if (list_has_key(c, a->keys, a->n_keys, name)) return true;
  for (size_t i = 0; i < a->n_refs; i++) {
    const mm_iam_catalog_ref *r = &a->refs[i];
    if (list_has_key(c, r->keys, r->n_keys, name)) return true;
    if (list_has_key(c, r->type->keys, r->type->n_keys, name)) return true;
  }
  return false;
}

/* ---- ARN formats ---------------------------------------------------------------------- */

/* What a placeholder may match (mm_iam_catalog_resource_matches explains). */
enum { CLS_NO_COLON = 0, CLS_NO_SEP = 1, CLS_ANY = 2 };

typedef struct arn_unit {
  char lit; /* the literal byte, when !var */
  bool var; /* a placeholder */
  int cls;  /* CLS_*: the characters a placeholder takes */
} arn_unit;

/* Turn a format into units; returns their number. */
static size_t arn_units(mm_str fmt, arn_unit *u) {
  size_t n = 0, colons = 0, res_start = 0, at, len;
  for (size_t i = 0; i < fmt.len;) {
    mm_str rest = {fmt.ptr + i, fmt.len - i};
    if (fmt.ptr[i] == '$' && find_placeholder(rest, &at, &len) && at == 0) {
      u[n++] = (arn_unit){0, true, colons < 5 ? CLS_NO_COLON : CLS_NO_SEP};
      i += len;
      continue;
    }
    colons += fmt.ptr[i] == ':';
    if (colons == 5 && fmt.ptr[i] == ':' && res_start == 0) res_start = n + 1;
    u[n++] = (arn_unit){fmt.ptr[i++], false, 0};
  }
  /* A placeholder that ends a resource part with more text before it takes
   * the rest (object keys, role paths); one followed by ':' may hold '/'. */
  for (size_t i = 0; i < n; i++) {
    if (!u[i].var || u[i].cls == CLS_NO_COLON) continue;
    if (i + 1 == n && i > res_start) u[i].cls = CLS_ANY;
    if (i + 1 < n && !u[i + 1].var && u[i + 1].lit == ':') u[i].cls = CLS_NO_COLON;
  }
  return n;
}

static bool in_class(int cls, char ch) {
  if (cls == CLS_ANY) return true;
  if (cls == CLS_NO_COLON) return ch != ':';
  return ch != ':' && ch != '/';
}

/* States: 2*i = before unit i; 2*i+1 = inside placeholder i (one or more
 * characters taken). A policy's '*' may stand for any run of the format's
 * text and '?' for one character of it. */
static void arn_close(bool *st, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (st[2 * i + 1]) st[2 * (i + 1)] = true;
}

static void arn_step(const arn_unit *u, size_t n, const bool *cur, bool *nxt, char ch) {
  memset(nxt, 0, (2 * n + 2) * sizeof(bool));
  if (ch == '*') {
    size_t lo = n + 1;
    for (size_t i = 0; i <= n && lo > n; i++)
      if (cur[2 * i] || (i < n && cur[2 * i + 1])) lo = cur[2 * i] ? i : i + 1;
    for (size_t i = 0; i <= n; i++) nxt[2 * i] = cur[2 * i] || i >= lo;
    for (size_t i = 0; i < n; i++) nxt[2 * i + 1] = u[i].var && (cur[2 * i + 1] || i >= lo);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    bool takes = u[i].var ? (ch == '?' || in_class(u[i].cls, ch)) : (ch == '?' || u[i].lit == ch);
    if (cur[2 * i] && takes) nxt[u[i].var ? 2 * i + 1 : 2 * (i + 1)] = true;
    if (cur[2 * i + 1] && takes) nxt[2 * i + 1] = true;
  }
}

static bool arn_format_matches(mm_str fmt, mm_str arn) {
  arn_unit u[MM_IAM_CATALOG_MAX_ARN_FORMAT];
  bool a[2 * MM_IAM_CATALOG_MAX_ARN_FORMAT + 2], b[2 * MM_IAM_CATALOG_MAX_ARN_FORMAT + 2];
  if (fmt.len > MM_IAM_CATALOG_MAX_ARN_FORMAT) return false;
  size_t n = arn_units(fmt, u);
  bool *cur = a, *nxt = b, any = true;
  memset(cur, 0, (2 * n + 2) * sizeof(bool));
  cur[0] = true;
  for (size_t j = 0; j < arn.len && any; j++) {
    arn_close(cur, n);
    arn_step(u, n, cur, nxt, arn.ptr[j]);
    bool *t = cur;
    cur = nxt;
    nxt = t;
    any = false;
    for (size_t i = 0; i < 2 * n + 2; i++) any |= cur[i];
  }
  arn_close(cur, n);
  return any && cur[2 * n];
}

bool mm_iam_catalog_resource_matches(const mm_iam_catalog_resource *r, mm_str arn) {
  for (size_t i = 0; r && i < r->n_arns; i++)
    if (arn_format_matches(r->arns[i], arn)) return true;
  return false;
}

const mm_iam_catalog_ref *mm_iam_catalog_action_match_arn(const mm_iam_catalog_action *a,
                                                          mm_str arn) {
  for (size_t i = 0; a && i < a->n_refs; i++)
    if (mm_iam_catalog_resource_matches(a->refs[i].type, arn)) return &a->refs[i];
  return NULL;
}

/* ---- wildcard expansion ------------------------------------------------------------------ */

typedef struct expansion {
  const mm_iam_catalog_action **out; /* caller's array */
  size_t cap;                        /* its size */
  size_t total;                      /* matches so far */
} expansion;

static void expand_service(const mm_iam_catalog_service *s, const mm_glob *g, expansion *e) {
  for (size_t i = 0; i < s->n_actions; i++) {
    if (!mm_glob_matches(g, s->actions[i].name)) continue;
    if (e->total < e->cap) e->out[e->total] = &s->actions[i];
    e->total++;
  }
}

/* Action "*" (or "**"): every action of every service. */
static bool all_stars(mm_str s) {
  for (size_t i = 0; i < s.len; i++)
    if (s.ptr[i] != '*') return false;
  return s.len > 0;
}

static bool has_wildcard(mm_str s) {
  return s.len && (memchr(s.ptr, '*', s.len) || memchr(s.ptr, '?', s.len));
}

/* Compile one half of an Action pattern; the glob module's error is copied
 * to err. */
static int compile_part(mm_str part, mm_glob **out, mm_error *err) {
  mm_error local;
  mm_error_clear(&local);
  *out = mm_glob_compile(part, MM_GLOB_IAM_ACTION, NULL, &local);
  if (*out) return MM_OK;
  if (err) *err = local;
  return local.code ? local.code : MM_ENOMEM;
}

int mm_iam_catalog_expand(const mm_iam_catalog *c, mm_str pattern,
                          const mm_iam_catalog_action **out, size_t cap, size_t *total,
                          mm_error *err) {
  mm_glob *svc_glob = NULL, *act_glob = NULL;
  expansion e = {out, out ? cap : 0, 0};
  int rc = MM_OK;
  mm_str svc = service_part(pattern);
  if (!svc.ptr && all_stars(pattern)) {
    e.total = c->n_act;
    for (size_t i = 0; i < c->n_act && i < e.cap; i++) e.out[i] = &c->act[i];
    goto out;
  }
  if (!svc.ptr) {
    rc =
        mm_error_set(err, MM_EINVAL, "'%.*s' is not service:action", (int)pattern.len, pattern.ptr);
    goto out;
  }
  mm_str act = {pattern.ptr + svc.len + 1, pattern.len - svc.len - 1};
  if ((rc = compile_part(act, &act_glob, err)) != MM_OK) goto out;
  if (!has_wildcard(svc)) {
    const mm_iam_catalog_service *s = mm_iam_catalog_service_find(c, svc);
    if (s) expand_service(s, act_glob, &e);
    goto out;
  }
  if ((rc = compile_part(svc, &svc_glob, err)) != MM_OK) goto out;
  for (size_t i = 0; i < c->n_svc; i++)
    if (mm_glob_matches(svc_glob, c->svc[i].prefix)) expand_service(&c->svc[i], act_glob, &e);
out:
  mm_glob_free(svc_glob);
  mm_glob_free(act_glob);
  if (total) *total = e.total;
  return rc;
}
