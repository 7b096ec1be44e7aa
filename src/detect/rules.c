/*
 * rules.c - detection rules as data: load and validate JSON rule files
 * (one rule object or an array of them; a file or a folder of *.json).
 *
 * The format is documented in docs/detect.md ("Rule format"); every
 * member is checked and an error names its JSON path ("$[2].threshold.count")
 * and the file. Patterns are EventBridge patterns (mamori/events.h), parsed
 * here and handed to the engine, which compiles all of them into one
 * matcher. A rule's condition is a small tree (rules_int.h); a plain
 * "pattern" is a tree of one leaf.
 */
#include "detect/rules_int.h"
#include "detect/intel.h"
#include "detect/sigma.h"

#include "mamori/alloc.h"
#include "mamori/hash.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Members a rule may carry besides the ones read here: metadata that
 * converters (Sigma) and people add, kept out of the way. */
static const char *const extra_members[] = {
    "references", "tags",     "falsepositives", "status",  "level", "sigma", "logsource",
    "date",       "modified", "mitre",          "comment", "cis",   NULL};

/* The parse state of one input text. */
typedef struct load_ctx {
  mm_detect_rules *rs;
  const char *origin; /* file name, or "" */
  mm_error *err;
  mm__rule *rule; /* being built */
  uint32_t cap_nodes, cap_kids;
} load_ctx;

/* snprintf that cuts silently: paths and messages longer than mm_error's
 * buffers are cut, not lost (error.h). */
static void fmt_to(char *out, size_t size, const char *fmt, ...) MM_PRINTF(3, 4);
static void fmt_to(char *out, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (vsnprintf(out, size, fmt, ap) < 0) out[0] = '\0';
  va_end(ap);
}

static int fail(load_ctx *c, int code, const char *path, const char *fmt, ...) MM_PRINTF(4, 5);
static int fail(load_ctx *c, int code, const char *path, const char *fmt, ...) {
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0) msg[0] = '\0';
  va_end(ap);
  if (!c->err) return code;
  mm_error_clear(c->err);
  c->err->code = code;
  mm_error_set_path(c->err, path);
  fmt_to(c->err->msg, sizeof(c->err->msg), "%s%s%s: %s", c->origin, c->origin[0] ? ": " : "", path,
         msg);
  return code;
}

static void subpath(char *out, size_t size, const char *base, const char *member) {
  fmt_to(out, size, "%s.%s", base, member);
}

static char *arena_str(mm_detect_rules *rs, mm_str s) {
  return mm_arena_strndup(&rs->arena, s.ptr, s.len);
}

/* ---- paths ------------------------------------------------------------------ */

static int parse_path(load_ctx *c, const mm_json_value *v, const char *path, mm__rule_path *out) {
  mm_str s = mm_json_get_str(v);
  if (!s.ptr || s.len == 0) return fail(c, MM_EINVAL, path, "must be a non-empty string");
  char *text = arena_str(c->rs, s);
  if (!text) return fail(c, MM_ENOMEM, path, "out of memory");
  out->text = text;
  out->n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.len; i++) {
    if (i < s.len && text[i] != '.') continue;
    if (i == start) return fail(c, MM_EINVAL, path, "empty segment in field path '%s'", text);
    if (out->n == MM_ARRAY_LEN(out->seg))
      return fail(c, MM_ELIMIT, path, "field path '%s' has more than 8 segments", text);
    out->seg[out->n++] = (mm_str){text + start, i - start};
    start = i + 1;
  }
  return MM_OK;
}

const mm_json_value *mm__rule_path_get(const mm__rule_path *p, const mm_json_value *rec) {
  for (uint32_t i = 0; i < p->n && rec; i++) rec = mm_json_getn(rec, p->seg[i].ptr, p->seg[i].len);
  return rec;
}

/* ---- the condition tree ------------------------------------------------------ */

static int new_node(load_ctx *c, const char *path, uint32_t *out) {
  mm__rule *r = c->rule;
  if (r->nnodes == MM_DETECT_RULE_MAX_NODES)
    return fail(c, MM_ELIMIT, path, "more than %d condition nodes", MM_DETECT_RULE_MAX_NODES);
  if (!r->nodes) {
    r->nodes = mm_arena_calloc(&c->rs->arena, MM_DETECT_RULE_MAX_NODES, sizeof(*r->nodes));
    r->kids = mm_arena_calloc(&c->rs->arena, MM_DETECT_RULE_MAX_NODES, sizeof(*r->kids));
    r->leaves = mm_calloc(MM_DETECT_RULE_MAX_NODES, sizeof(*r->leaves));
    if (!r->nodes || !r->kids || !r->leaves) return fail(c, MM_ENOMEM, path, "out of memory");
  }
  *out = r->nnodes++;
  return MM_OK;
}

static int parse_leaf(load_ctx *c, const mm_json_value *v, const char *path, uint32_t node) {
  mm__rule *r = c->rule;
  if (!mm_json_is_object(v)) return fail(c, MM_EINVAL, path, "a pattern must be a JSON object");
  mm_error perr;
  mm_error_clear(&perr);
  mm_events_pattern *p = mm_events_pattern_from_value(v, &perr);
  if (!p) {
    char full[MM_ERROR_PATH_MAX];
    fmt_to(full, sizeof(full), "%s%s", path, perr.path[0] == '$' ? perr.path + 1 : "");
    return fail(c, perr.code ? perr.code : MM_EINVAL, full, "%s", perr.msg);
  }
  r->nodes[node].op = MM__RULE_LEAF;
  r->nodes[node].leaf = r->nleaves;
  r->leaves[r->nleaves++] = p;
  return MM_OK;
}

static int parse_cond(load_ctx *c, const mm_json_value *v, const char *path, uint32_t depth,
                      uint32_t *out);

/* A "search" or "fieldref" leaf: v is the whole one-member condition,
 * compiled by condition.c. */
static int parse_func(load_ctx *c, const mm_json_value *v, const char *path, uint32_t node) {
  mm__rule *r = c->rule;
  if (!r->funcs && !(r->funcs = mm_calloc(MM_DETECT_RULE_MAX_NODES, sizeof(*r->funcs))))
    return fail(c, MM_ENOMEM, path, "out of memory");
  mm_error ferr;
  mm_error_clear(&ferr);
  struct mm__detect_cond *f = mm__detect_cond_compile_tree(v, &ferr);
  if (!f) {
    char full[MM_ERROR_PATH_MAX];
    fmt_to(full, sizeof(full), "%s%s", path, ferr.path[0] == '$' ? ferr.path + 1 : "");
    return fail(c, ferr.code ? ferr.code : MM_EINVAL, full, "%s", ferr.msg);
  }
  r->nodes[node].op = MM__RULE_FUNC;
  r->nodes[node].leaf = r->nfuncs;
  r->funcs[r->nfuncs++] = f;
  return MM_OK;
}

static int parse_list(load_ctx *c, const mm_json_value *arr, const char *path, uint32_t depth,
                      uint32_t node) {
  mm__rule *r = c->rule;
  if (!mm_json_is_array(arr) || mm_json_len(arr) == 0)
    return fail(c, MM_EINVAL, path, "must be a non-empty array of conditions");
  size_t n = mm_json_len(arr);
  if (n > MM_DETECT_RULE_MAX_NODES)
    return fail(c, MM_ELIMIT, path, "more than %d conditions", MM_DETECT_RULE_MAX_NODES);
  uint32_t tmp[MM_DETECT_RULE_MAX_NODES];
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    char p[MM_ERROR_PATH_MAX];
    fmt_to(p, sizeof(p), "%s[%zu]", path, i);
    int rc = parse_cond(c, e, p, depth + 1, &tmp[i]);
    if (rc != MM_OK) return rc;
  }
  /* Children go into kids[] contiguously, after every grandchild placed above. */
  uint32_t first = 0;
  for (uint32_t i = 0; i < r->nnodes; i++)
    if (r->nodes[i].op != MM__RULE_LEAF && r->nodes[i].first + r->nodes[i].n > first && i != node)
      first = r->nodes[i].first + r->nodes[i].n;
  if (first + n > MM_DETECT_RULE_MAX_NODES)
    return fail(c, MM_ELIMIT, path, "more than %d condition nodes", MM_DETECT_RULE_MAX_NODES);
  memcpy(r->kids + first, tmp, n * sizeof(*tmp));
  r->nodes[node].first = first;
  r->nodes[node].n = (uint32_t)n;
  return MM_OK;
}

/* One condition: {"allOf":[..]} | {"anyOf":[..]} | {"not":C} | {"pattern":P}. */
static int parse_cond(load_ctx *c, const mm_json_value *v, const char *path, uint32_t depth,
                      uint32_t *out) {
  if (depth > MM_DETECT_RULE_MAX_DEPTH)
    return fail(c, MM_ELIMIT, path, "conditions nest deeper than %d", MM_DETECT_RULE_MAX_DEPTH);
  if (!mm_json_is_object(v) || mm_json_len(v) != 1)
    return fail(c, MM_EINVAL, path,
                "a condition is an object with one member: allOf, anyOf, not or pattern");
  int rc = new_node(c, path, out);
  if (rc != MM_OK) return rc;
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *val;
  mm_json_iter_next(&it, &k, &val);
  const char *name = mm_json_str(k);
  char p[MM_ERROR_PATH_MAX];
  subpath(p, sizeof(p), path, name);
  mm__rule_node *node = &c->rule->nodes[*out];
  if (strcmp(name, "pattern") == 0) return parse_leaf(c, val, p, *out);
  if (strcmp(name, "search") == 0 || strcmp(name, "fieldref") == 0)
    return parse_func(c, v, path, *out);
  if (strcmp(name, "allOf") == 0 || strcmp(name, "anyOf") == 0) {
    node->op = name[0] == 'a' && name[1] == 'l' ? MM__RULE_ALL : MM__RULE_ANY;
    return parse_list(c, val, p, depth, *out);
  }
  if (strcmp(name, "not") != 0)
    return fail(c, MM_EINVAL, p,
                "unknown condition '%s' (allOf, anyOf, not, pattern, search, fieldref)", name);
  node->op = MM__RULE_NOT;
  uint32_t child;
  rc = parse_cond(c, val, p, depth + 1, &child);
  if (rc != MM_OK) return rc;
  /* A NOT's child index is stored in kids[] like a list of one. */
  mm__rule *r = c->rule;
  uint32_t first = 0;
  for (uint32_t i = 0; i < r->nnodes; i++)
    if (r->nodes[i].op != MM__RULE_LEAF && r->nodes[i].first + r->nodes[i].n > first)
      first = r->nodes[i].first + r->nodes[i].n;
  if (first + 1 > MM_DETECT_RULE_MAX_NODES)
    return fail(c, MM_ELIMIT, path, "more than %d condition nodes", MM_DETECT_RULE_MAX_NODES);
  r->kids[first] = child;
  r->nodes[*out].first = first;
  r->nodes[*out].n = 1;
  return MM_OK;
}

static bool eval_node(const mm__rule *r, uint32_t i, const uint8_t *hit, const mm_json_value *rec) {
  const mm__rule_node *n = &r->nodes[i];
  switch (n->op) {
    case MM__RULE_FUNC:
      return !rec || mm__detect_cond_eval(r->funcs[n->leaf], rec);
    case MM__RULE_LEAF:
      return hit[n->leaf] != 0;
    case MM__RULE_NOT:
      return !eval_node(r, r->kids[n->first], hit, rec);
    case MM__RULE_ALL:
      for (uint32_t k = 0; k < n->n; k++)
        if (!eval_node(r, r->kids[n->first + k], hit, rec)) return false;
      return true;
    default:
      for (uint32_t k = 0; k < n->n; k++)
        if (eval_node(r, r->kids[n->first + k], hit, rec)) return true;
      return false;
  }
}

bool mm__rule_eval(const mm__rule *r, const uint8_t *hit, const mm_json_value *rec) {
  return eval_node(r, 0, hit, rec);
}

/* ---- members ------------------------------------------------------------------ */

static int need_string(load_ctx *c, const mm_json_value *rule, const char *base, const char *name,
                       bool required, const char **out) {
  char p[MM_ERROR_PATH_MAX];
  subpath(p, sizeof(p), base, name);
  const mm_json_value *v = mm_json_get(rule, name);
  if (!v) {
    *out = "";
    return required ? fail(c, MM_EINVAL, base, "missing member '%s'", name) : MM_OK;
  }
  mm_str s = mm_json_get_str(v);
  if (!s.ptr) return fail(c, MM_EINVAL, p, "must be a string");
  if (required && s.len == 0) return fail(c, MM_EINVAL, p, "must not be empty");
  if (s.len > 4096) return fail(c, MM_ELIMIT, p, "longer than 4096 bytes");
  if (!(*out = arena_str(c->rs, s))) return fail(c, MM_ENOMEM, p, "out of memory");
  return MM_OK;
}

static int parse_uint(load_ctx *c, const mm_json_value *v, const char *path, uint32_t lo,
                      uint32_t hi, uint32_t *out) {
  int64_t i;
  if (mm_json_get_int64(v, &i) != MM_OK || i < (int64_t)lo || i > (int64_t)hi)
    return fail(c, MM_EINVAL, path, "must be an integer from %u to %u", lo, hi);
  *out = (uint32_t)i;
  return MM_OK;
}

static int parse_threshold(load_ctx *c, const mm_json_value *v, const char *path) {
  mm__rule_threshold *t = &c->rule->threshold;
  char p[MM_ERROR_PATH_MAX];
  if (!mm_json_is_object(v)) return fail(c, MM_EINVAL, path, "must be an object");
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *val;
  int rc = MM_OK;
  t->window_sec = 300;
  t->count = 0;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &val)) {
    const char *name = mm_json_str(k);
    subpath(p, sizeof(p), path, name);
    if (strcmp(name, "count") == 0)
      rc = parse_uint(c, val, p, 1, MM_DETECT_MAX_THRESHOLD, &t->count);
    else if (strcmp(name, "window_sec") == 0)
      rc = parse_uint(c, val, p, 1, MM_DETECT_MAX_WINDOW_SEC, &t->window_sec);
    else if (strcmp(name, "distinct") == 0) {
      t->distinct = true;
      rc = parse_path(c, val, p, &t->field);
    } else if (strcmp(name, "group_by") == 0) {
      if (mm_json_is_string(val)) {
        t->ngroup = 1;
        rc = parse_path(c, val, p, &t->group_by[0]);
        continue;
      }
      if (!mm_json_is_array(val) || mm_json_len(val) > MM_DETECT_MAX_GROUP_BY)
        return fail(c, MM_EINVAL, p, "must be a field path or an array of at most %d",
                    MM_DETECT_MAX_GROUP_BY);
      mm_json_iter gi = mm_json_iter_init(val);
      const mm_json_value *g;
      for (t->ngroup = 0; rc == MM_OK && mm_json_iter_next(&gi, NULL, &g); t->ngroup++) {
        char gp[MM_ERROR_PATH_MAX];
        fmt_to(gp, sizeof(gp), "%s[%u]", p, t->ngroup);
        rc = parse_path(c, g, gp, &t->group_by[t->ngroup]);
      }
    } else
      rc = fail(c, MM_EINVAL, p, "unknown member (count, window_sec, group_by, distinct)");
  }
  if (rc == MM_OK && t->count == 0) rc = fail(c, MM_EINVAL, path, "missing member 'count'");
  c->rule->has_threshold = rc == MM_OK;
  return rc;
}

static int parse_intel_kind(load_ctx *c, const mm_json_value *v, const char *path) {
  mm_str s = mm_json_get_str(v);
  mm__intel_kind k;
  if (s.ptr && mm__intel_kind_parse(s, &k) == MM_OK) {
    c->rule->intel.kinds |= 1u << k;
    return MM_OK;
  }
  return fail(c, MM_EINVAL, path, "unknown list kind (malicious, tor, cnc, mining ...)");
}

static int parse_intel(load_ctx *c, const mm_json_value *v, const char *path) {
  mm__rule_intel *in = &c->rule->intel;
  char p[MM_ERROR_PATH_MAX];
  if (!mm_json_is_object(v)) return fail(c, MM_EINVAL, path, "must be an object");
  in->custom = -1;
  mm_json_iter it = mm_json_iter_init(v);
  const mm_json_value *k, *val;
  int rc = MM_OK;
  while (rc == MM_OK && mm_json_iter_next(&it, &k, &val)) {
    const char *name = mm_json_str(k);
    subpath(p, sizeof(p), path, name);
    if (strcmp(name, "field") == 0)
      rc = parse_path(c, val, p, &in->ip);
    else if (strcmp(name, "kind") == 0 && mm_json_is_array(val)) {
      mm_json_iter ki = mm_json_iter_init(val);
      const mm_json_value *e;
      for (size_t i = 0; rc == MM_OK && mm_json_iter_next(&ki, NULL, &e); i++) {
        char kp[MM_ERROR_PATH_MAX];
        fmt_to(kp, sizeof(kp), "%s[%zu]", p, i);
        rc = parse_intel_kind(c, e, kp);
      }
    } else if (strcmp(name, "kind") == 0)
      rc = parse_intel_kind(c, val, p);
    else if (strcmp(name, "lists") == 0) {
      const char *s = mm_json_str(val);
      if (s && strcmp(s, "any") == 0)
        in->custom = -1;
      else if (s && strcmp(s, "default") == 0)
        in->custom = 0;
      else if (s && strcmp(s, "custom") == 0)
        in->custom = 1;
      else
        rc = fail(c, MM_EINVAL, p, "must be \"any\", \"default\" or \"custom\"");
    } else
      rc = fail(c, MM_EINVAL, p, "unknown member (field, kind, lists)");
  }
  if (rc == MM_OK && !in->ip.n) rc = fail(c, MM_EINVAL, path, "missing member 'field'");
  if (rc == MM_OK && !in->kinds) rc = fail(c, MM_EINVAL, path, "missing member 'kind'");
  c->rule->has_intel = rc == MM_OK;
  return rc;
}

static const char *const check_names[] = {"", "instance-credentials-outside-aws",
                                          "instance-credentials-inside-aws", "other-principal",
                                          "anonymous-policy-statement"};

static int parse_check(load_ctx *c, const mm_json_value *v, const char *path) {
  const char *s = mm_json_str(v);
  for (size_t i = 1; s && i < MM_ARRAY_LEN(check_names); i++)
    if (strcmp(s, check_names[i]) == 0) {
      c->rule->check = (mm__rule_check)i;
      return MM_OK;
    }
  return fail(c, MM_EINVAL, path,
              "unknown check (instance-credentials-outside-aws, instance-credentials-inside-aws, "
              "other-principal, anonymous-policy-statement)");
}

static const char *const resource_names[] = {"AccessKey", "Instance", "S3Bucket"};

const char *mm__rule_resource_name(mm__detect_resource r) {
  return (size_t)r < MM_ARRAY_LEN(resource_names) ? resource_names[r] : "AccessKey";
}

static int parse_resource(load_ctx *c, const mm_json_value *v, const char *path) {
  const char *s = mm_json_str(v);
  for (size_t i = 0; s && i < MM_ARRAY_LEN(resource_names); i++)
    if (strcmp(s, resource_names[i]) == 0) {
      c->rule->resource = (mm__detect_resource)i;
      return MM_OK;
    }
  return fail(c, MM_EINVAL, path, "must be \"AccessKey\", \"Instance\" or \"S3Bucket\"");
}

static int parse_source(load_ctx *c, const mm_json_value *rule, const char *base) {
  char p[MM_ERROR_PATH_MAX];
  subpath(p, sizeof(p), base, "source");
  const mm_json_value *v = mm_json_get(rule, "source");
  c->rule->source = MM_DETECT_CLOUDTRAIL;
  if (!v) return MM_OK;
  const char *s = mm_json_str(v);
  mm_detect_format f;
  if (!s || mm_detect_format_parse(s, &f) != MM_OK || f == MM_DETECT_AUTO)
    return fail(c, MM_EINVAL, p, "must be \"cloudtrail\", \"flow\" or \"dns\"");
  c->rule->source = f;
  c->rule->resource =
      f == MM_DETECT_CLOUDTRAIL ? MM__DETECT_RES_ACCESS_KEY : MM__DETECT_RES_INSTANCE;
  return MM_OK;
}

static bool known_member(const char *name) {
  static const char *const mine[] = {"id",     "type",   "severity", "title",     "description",
                                     "author", "source", "pattern",  "condition", "threshold",
                                     "intel",  "check",  "resource", NULL};
  for (size_t i = 0; mine[i]; i++)
    if (strcmp(name, mine[i]) == 0) return true;
  for (size_t i = 0; extra_members[i]; i++)
    if (strcmp(name, extra_members[i]) == 0) return true;
  return false;
}

static int check_members(load_ctx *c, const mm_json_value *rule, const char *base) {
  mm_json_iter it = mm_json_iter_init(rule);
  const mm_json_value *k;
  while (mm_json_iter_next(&it, &k, NULL)) {
    const char *name = mm_json_str(k);
    if (!known_member(name)) {
      char p[MM_ERROR_PATH_MAX];
      subpath(p, sizeof(p), base, name);
      return fail(c, MM_EINVAL, p, "unknown member '%s'", name);
    }
  }
  return MM_OK;
}

static int parse_severity(load_ctx *c, const mm_json_value *rule, const char *base) {
  char p[MM_ERROR_PATH_MAX];
  subpath(p, sizeof(p), base, "severity");
  const mm_json_value *v = mm_json_get(rule, "severity");
  double d;
  if (!v) return fail(c, MM_EINVAL, base, "missing member 'severity'");
  if (mm_json_get_double(v, &d) != MM_OK || !(d >= 0.1 && d <= 10.0))
    return fail(c, MM_EINVAL, p, "must be a number from 0.1 to 10 (GuardDuty's scale)");
  c->rule->severity = d;
  return MM_OK;
}

static int parse_condition_member(load_ctx *c, const mm_json_value *rule, const char *base) {
  char p[MM_ERROR_PATH_MAX];
  const mm_json_value *pat = mm_json_get(rule, "pattern"), *cond = mm_json_get(rule, "condition");
  if (!!pat == !!cond)
    return fail(c, MM_EINVAL, base, "a rule has exactly one of 'pattern' and 'condition'");
  uint32_t root;
  int rc;
  if (pat) {
    subpath(p, sizeof(p), base, "pattern");
    if ((rc = new_node(c, p, &root)) != MM_OK) return rc;
    return parse_leaf(c, pat, p, root);
  }
  subpath(p, sizeof(p), base, "condition");
  return parse_cond(c, cond, p, 1, &root);
}

static int parse_optional(load_ctx *c, const mm_json_value *rule, const char *base) {
  static const char *const names[] = {"threshold", "intel", "check", "resource"};
  int (*const fns[])(load_ctx *, const mm_json_value *, const char *) = {
      parse_threshold, parse_intel, parse_check, parse_resource};
  for (size_t i = 0; i < MM_ARRAY_LEN(names); i++) {
    const mm_json_value *v = mm_json_get(rule, names[i]);
    if (!v) continue;
    char p[MM_ERROR_PATH_MAX];
    subpath(p, sizeof(p), base, names[i]);
    int rc = fns[i](c, v, p);
    if (rc != MM_OK) return rc;
  }
  return MM_OK;
}

static int parse_rule(load_ctx *c, const mm_json_value *v, const char *base) {
  mm__rule *r = c->rule;
  int rc;
  if (!mm_json_is_object(v)) return fail(c, MM_EINVAL, base, "a rule must be a JSON object");
  if ((rc = check_members(c, v, base)) != MM_OK) return rc;
  if ((rc = need_string(c, v, base, "id", true, &r->id)) != MM_OK) return rc;
  if ((rc = need_string(c, v, base, "type", true, &r->type)) != MM_OK) return rc;
  if ((rc = need_string(c, v, base, "title", false, &r->title)) != MM_OK) return rc;
  if ((rc = need_string(c, v, base, "description", false, &r->description)) != MM_OK) return rc;
  if ((rc = need_string(c, v, base, "author", false, &r->author)) != MM_OK) return rc;
  if (!r->title[0]) r->title = r->type;
  if ((rc = parse_severity(c, v, base)) != MM_OK) return rc;
  if ((rc = parse_source(c, v, base)) != MM_OK) return rc;
  if ((rc = parse_condition_member(c, v, base)) != MM_OK) return rc;
  if ((rc = parse_optional(c, v, base)) != MM_OK) return rc;
  uint8_t none[MM_DETECT_RULE_MAX_NODES] = {0};
  r->always = mm__rule_eval(r, none, NULL);
  return MM_OK;
}

/* ---- the set -------------------------------------------------------------------- */

mm_detect_rules *mm_detect_rules_new(void) {
  mm_detect_rules *rs = mm_calloc(1, sizeof(*rs));
  if (!rs) return NULL;
  mm_arena_init(&rs->arena, 0);
  mm_map_init(&rs->ids, false);
  return rs;
}

static void rule_clear(mm__rule *r) {
  for (uint32_t i = 0; r->leaves && i < r->nleaves; i++) mm_events_pattern_free(r->leaves[i]);
  mm_free(r->leaves);
  r->leaves = NULL;
  for (uint32_t i = 0; r->funcs && i < r->nfuncs; i++) mm__detect_cond_free(r->funcs[i]);
  mm_free(r->funcs);
  r->funcs = NULL;
}

void mm_detect_rules_free(mm_detect_rules *rs) {
  if (!rs) return;
  for (size_t i = 0; i < rs->n; i++) rule_clear(&rs->v[i]);
  mm_free(rs->v);
  mm_map_free(&rs->ids);
  mm_arena_destroy(&rs->arena);
  mm_free(rs);
}

size_t mm_detect_rules_count(const mm_detect_rules *rs) { return rs ? rs->n : 0; }

int mm_detect_rules_info(const mm_detect_rules *rs, size_t i, mm_detect_rule_info *out) {
  if (!rs || i >= rs->n) return MM_ERANGE;
  const mm__rule *r = &rs->v[i];
  *out = (mm_detect_rule_info){r->id,      r->type,          r->severity,
                               r->title,   r->description,   r->author,
                               r->origin,  r->source,        mm__rule_resource_name(r->resource),
                               r->nleaves, r->has_threshold, r->has_intel};
  return MM_OK;
}

static int grow(mm_detect_rules *rs, size_t need) {
  if (need <= rs->cap) return MM_OK;
  size_t cap = rs->cap ? rs->cap * 2 : 16;
  while (cap < need) cap *= 2;
  mm__rule *v = mm_realloc(rs->v, cap * sizeof(*v));
  if (!v) return MM_ENOMEM;
  rs->v = v;
  rs->cap = cap;
  return MM_OK;
}

/* Parse one rule of text into slot rs->v[rs->n] and register its id. */
static int add_one(load_ctx *c, const mm_json_value *v, const char *base) {
  mm_detect_rules *rs = c->rs;
  if (rs->n >= MM_DETECT_MAX_RULES)
    return fail(c, MM_ELIMIT, base, "more than %d rules", MM_DETECT_MAX_RULES);
  if (grow(rs, rs->n + 1) != MM_OK) return fail(c, MM_ENOMEM, base, "out of memory");
  c->rule = &rs->v[rs->n];
  memset(c->rule, 0, sizeof(*c->rule));
  c->rule->origin = c->origin;
  int rc = parse_rule(c, v, base);
  if (rc == MM_OK && mm_map_get(&rs->ids, mm_str_from(c->rule->id))) {
    char p[MM_ERROR_PATH_MAX];
    subpath(p, sizeof(p), base, "id");
    rc = fail(c, MM_EINVAL, p, "duplicate rule id '%s'", c->rule->id);
  }
  if (rc == MM_OK &&
      mm_map_put(&rs->ids, mm_str_from(c->rule->id), (void *)(uintptr_t)(rs->n + 1), NULL))
    rc = fail(c, MM_ENOMEM, base, "out of memory");
  if (rc != MM_OK) {
    rule_clear(c->rule);
    return rc;
  }
  rs->n++;
  return MM_OK;
}

/* Undo the rules added since `mark` (all or nothing per text). */
static void rollback(mm_detect_rules *rs, size_t mark) {
  while (rs->n > mark) {
    mm__rule *r = &rs->v[--rs->n];
    mm_map_put(&rs->ids, mm_str_from(r->id), NULL, NULL);
    rule_clear(r);
  }
}

static int add_value(load_ctx *c, const mm_json_value *root) {
  if (!mm_json_is_array(root)) return add_one(c, root, "$");
  mm_json_iter it = mm_json_iter_init(root);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    char p[32];
    fmt_to(p, sizeof(p), "$[%zu]", i);
    int rc = add_one(c, e, p);
    if (rc != MM_OK) return rc;
  }
  return MM_OK;
}

int mm_detect_rules_add_json(mm_detect_rules *rs, const char *text, size_t len, const char *origin,
                             mm_error *err) {
  if (!rs) return mm_error_set(err, MM_EINVAL, "no rule set");
  load_ctx c = {rs, "", err, NULL, 0, 0};
  if (origin && !(c.origin = mm_arena_strndup(&rs->arena, origin, strlen(origin))))
    return mm_error_set(err, MM_ENOMEM, "out of memory");
  if (len > MM_DETECT_MAX_RULE_FILE)
    return fail(&c, MM_ELIMIT, "$", "larger than %zu bytes", (size_t)MM_DETECT_MAX_RULE_FILE);
  mm_json_doc *doc = mm_json_parse(text, len, NULL, err);
  if (!doc) {
    if (err && c.origin[0]) {
      char msg[MM_ERROR_MSG_MAX];
      fmt_to(msg, sizeof(msg), "%s", err->msg);
      fmt_to(err->msg, sizeof(err->msg), "%s: %s", c.origin, msg);
    }
    return err ? err->code : MM_ESYNTAX;
  }
  size_t mark = rs->n;
  int rc = add_value(&c, mm_json_doc_root(doc));
  if (rc != MM_OK) rollback(rs, mark);
  mm_json_doc_free(doc);
  return rc;
}

/* ---- files ------------------------------------------------------------------------- */

static int read_file(const char *path, mm_buf *out, mm_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return mm_error_set(err, MM_EIO, "%s: cannot open: %s", path, strerror(errno));
  char chunk[16384];
  size_t n;
  int rc = MM_OK;
  while (rc == MM_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    if (out->len + n > MM_DETECT_MAX_RULE_FILE)
      rc = mm_error_set(err, MM_ELIMIT, "%s: larger than %zu bytes", path,
                        (size_t)MM_DETECT_MAX_RULE_FILE);
    else if (mm_buf_append(out, chunk, n) != MM_OK)
      rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  if (rc == MM_OK && ferror(f)) rc = mm_error_set(err, MM_EIO, "%s: read error", path);
  fclose(f);
  return rc;
}

static int load_file(mm_detect_rules *rs, const char *path, mm_error *err) {
  mm_buf b = MM_BUF_INIT;
  int rc = read_file(path, &b, err);
  if (rc == MM_OK) rc = mm_detect_rules_add_json(rs, b.ptr ? b.ptr : "", b.len, path, err);
  mm_buf_free(&b);
  return rc;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names in dir, sorted; *n set. NULL with n = 0 when none. */
static char **list_json(DIR *d, size_t *n, int *rc) {
  char **names = NULL;
  size_t cap = 0;
  struct dirent *de;
  *n = 0;
  while ((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.') continue;
    if (*n == cap) {
      char **v = mm_realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*v));
      if (!v) break;
      names = v;
    }
    if (!(names[*n] = mm_strndup(de->d_name, len))) break;
    (*n)++;
  }
  if (de) *rc = MM_ENOMEM;
  if (*n) qsort(names, *n, sizeof(*names), cmp_names);
  return names;
}

int mm_detect_rules_load(mm_detect_rules *rs, const char *path, mm_error *err) {
  if (!rs || !path) return mm_error_set(err, MM_EINVAL, "no rule set or path");
  DIR *d = opendir(path);
  if (!d)
    return errno == ENOTDIR
               ? load_file(rs, path, err)
               : mm_error_set(err, MM_EIO, "%s: cannot open: %s", path, strerror(errno));
  int rc = MM_OK;
  size_t n;
  char **names = list_json(d, &n, &rc);
  closedir(d);
  if (rc != MM_OK) mm_error_set(err, rc, "out of memory");
  for (size_t i = 0; i < n; i++) {
    if (rc == MM_OK) {
      mm_buf full = MM_BUF_INIT;
      if (mm_buf_printf(&full, "%s/%s", path, names[i]) != MM_OK)
        rc = mm_error_set(err, MM_ENOMEM, "out of memory");
      else
        rc = load_file(rs, full.ptr, err);
      mm_buf_free(&full);
    }
    mm_free(names[i]);
  }
  mm_free(names);
  return rc;
}
