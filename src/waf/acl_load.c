/*
 * acl_load.c - loading a web ACL from WAFv2 JSON: the WebACL object, its
 * Rules, actions, labels and custom responses, and the helpers every parse
 * file shares (JSON paths, member checks, typed getters).
 *
 * Shapes: AWS WAFv2 API Reference, "WebACL", "Rule", "RuleAction",
 * "OverrideAction", "CustomResponse", "CustomRequestHandling",
 * "CustomResponseBody", "Label", "VisibilityConfig", "CaptchaConfig",
 * "AssociationConfig". Labels: Developer Guide "Label syntax and naming
 * requirements" (waf-rule-label-requirements.html).
 *
 * Everything is built in the ACL's own arena; the first error abandons the
 * whole ACL (mm_waf_acl_free), so a failed load leaves nothing behind.
 * Choices: VisibilityConfig is optional here (the API requires it; it has
 * no effect on decisions) but checked when present; the Firewall Manager
 * members (Pre/PostProcessFirewallManagerRuleGroups ...) are accepted and
 * ignored, since they are managed by Firewall Manager, not by the ACL owner.
 */
#include "waf/acl.h"

#include "mamori/alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- paths and errors --------------------------------------------------------- */

size_t mm__waf_path_push(mm__waf_path *p, const char *member) {
  size_t mark = p->len;
  int n = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, ".%s", member);
  if (n > 0) p->len = p->len + (size_t)n < sizeof(p->buf) ? p->len + (size_t)n : sizeof(p->buf) - 1;
  return mark;
}

size_t mm__waf_path_index(mm__waf_path *p, size_t i) {
  size_t mark = p->len;
  int n = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "[%zu]", i);
  if (n > 0) p->len = p->len + (size_t)n < sizeof(p->buf) ? p->len + (size_t)n : sizeof(p->buf) - 1;
  return mark;
}

int mm__waf_fail(mm__waf_parse *ps, const mm__waf_path *path, int code, const char *fmt, ...) {
  if (!ps->err || ps->err->code != MM_OK) return code; /* keep the first error */
  char msg[MM_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  mm_error_set(ps->err, code, "%s", msg);
  mm_error_set_path(ps->err, path->buf);
  return code;
}

int mm__waf_check_members(mm__waf_parse *ps, const mm_json_value *obj, mm__waf_path *path,
                          const char *const *allowed) {
  if (!mm_json_is_object(obj))
    return mm__waf_fail(ps, path, MM_ETYPE, "expected an object, found %s",
                        mm_json_type_name(mm_json_type_of(obj)));
  mm_json_iter it = mm_json_iter_init(obj);
  const mm_json_value *k;
  while (mm_json_iter_next(&it, &k, NULL)) {
    const char *name = mm_json_str(k);
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++) ok = strcmp(allowed[i], name) == 0;
    if (!ok) {
      size_t mark = mm__waf_path_push(path, name);
      int rc = mm__waf_fail(ps, path, MM_EINVAL, "unknown member \"%s\"", name);
      mm__waf_path_pop(path, mark);
      return rc;
    }
  }
  return MM_OK;
}

int mm__waf_get_string(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                       mm__waf_path *path, bool required, mm_str *out) {
  const mm_json_value *v = mm_json_get(obj, member);
  *out = (mm_str){"", 0};
  size_t mark = mm__waf_path_push(path, member);
  int rc = MM_OK;
  if (!v) {
    if (required) rc = mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  } else if (!mm_json_is_string(v)) {
    rc = mm__waf_fail(ps, path, MM_ETYPE, "expected a string");
  } else {
    *out = mm_json_get_str(v);
  }
  mm__waf_path_pop(path, mark);
  return rc;
}

int mm__waf_get_uint(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                     mm__waf_path *path, bool required, uint64_t min, uint64_t max, uint64_t *out) {
  const mm_json_value *v = mm_json_get(obj, member);
  size_t mark = mm__waf_path_push(path, member);
  int rc = MM_OK;
  uint64_t u = 0;
  if (!v) {
    if (required) rc = mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  } else if (mm_json_get_uint64(v, &u) != MM_OK || u < min || u > max) {
    rc = mm__waf_fail(ps, path, MM_ERANGE, "expected an integer from %llu to %llu",
                      (unsigned long long)min, (unsigned long long)max);
  } else {
    *out = u;
  }
  mm__waf_path_pop(path, mark);
  return rc;
}

int mm__waf_get_enum(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                     mm__waf_path *path, const char *const *names, bool required, int *out) {
  mm_str s;
  int rc = mm__waf_get_string(ps, obj, member, path, required, &s);
  if (rc != MM_OK || (!required && !mm_json_get(obj, member))) return rc;
  for (int i = 0; names[i]; i++)
    if (mm_str_eq(s, mm_str_from(names[i]))) {
      *out = i;
      return MM_OK;
    }
  size_t mark = mm__waf_path_push(path, member);
  rc = mm__waf_fail(ps, path, MM_EINVAL, "invalid value \"%.*s\"", (int)(s.len > 64 ? 64 : s.len),
                    s.ptr);
  mm__waf_path_pop(path, mark);
  return rc;
}

mm_str mm__waf_dup(mm__waf_parse *ps, mm_str s) {
  char *p = mm_arena_strndup(&ps->acl->arena, s.ptr ? s.ptr : "", s.len);
  return p ? (mm_str){p, s.len} : (mm_str){NULL, 0};
}

const mm_json_value *mm__waf_unwrap(const mm_json_value *v, const char *wrapper) {
  const mm_json_value *in = mm_json_get(v, wrapper);
  return mm_json_is_object(in) ? in : v;
}

/* ---- actions ---------------------------------------------------------------------- */

static const char *const ACTION_NAMES[] = {"Allow", "Block", "Count", "Captcha", "Challenge", NULL};

/* [{"Name": ..., "Value": ...}] into headers; prefix for InsertHeaders. */
static int parse_headers(mm__waf_parse *ps, const mm_json_value *arr, mm__waf_path *path,
                         const char *prefix, const mm_waf_header **out, size_t *n) {
  static const char *const members[] = {"Name", "Value", NULL};
  if (!mm_json_is_array(arr) || mm_json_len(arr) == 0)
    return mm__waf_fail(ps, path, MM_ETYPE, "expected a non-empty array");
  size_t count = mm_json_len(arr);
  mm_waf_header *h = mm_arena_calloc(&ps->acl->arena, count, sizeof(*h));
  if (!h) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mark = mm__waf_path_index(path, i);
    mm_str name, value;
    int rc = mm__waf_check_members(ps, e, path, members);
    if (!rc) rc = mm__waf_get_string(ps, e, "Name", path, true, &name);
    if (!rc) rc = mm__waf_get_string(ps, e, "Value", path, true, &value);
    if (!rc && (name.len == 0 || name.len > 64))
      rc = mm__waf_fail(ps, path, MM_EINVAL, "header Name must have 1 to 64 characters");
    if (rc) return rc;
    mm__waf_path_pop(path, mark);
    size_t plen = strlen(prefix);
    char *nm = mm_arena_alloc(&ps->acl->arena, plen + name.len + 1);
    if (!nm) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
    memcpy(nm, prefix, plen);
    memcpy(nm + plen, name.ptr, name.len);
    nm[plen + name.len] = '\0';
    h[i].name = (mm_str){nm, plen + name.len};
    h[i].value = mm__waf_dup(ps, value);
  }
  *out = h;
  *n = count;
  return MM_OK;
}

static int parse_custom_response(mm__waf_parse *ps, const mm_json_value *cr, mm__waf_path *path,
                                 mm__waf_rule *r) {
  static const char *const members[] = {"ResponseCode", "CustomResponseBodyKey", "ResponseHeaders",
                                        NULL};
  uint64_t code = 0;
  mm_str key;
  int rc = mm__waf_check_members(ps, cr, path, members);
  if (!rc) rc = mm__waf_get_uint(ps, cr, "ResponseCode", path, true, 200, 599, &code);
  if (!rc) rc = mm__waf_get_string(ps, cr, "CustomResponseBodyKey", path, false, &key);
  if (rc) return rc;
  r->response_code = (uint16_t)code;
  if (key.len) {
    const mm_json_value *b = mm_json_getn(ps->bodies, key.ptr, key.len);
    size_t mark = mm__waf_path_push(path, "CustomResponseBodyKey");
    if (!b)
      return mm__waf_fail(ps, path, MM_ENOENT, "no CustomResponseBodies entry \"%.*s\"",
                          (int)(key.len > 64 ? 64 : key.len), key.ptr);
    mm__waf_path_pop(path, mark);
    static const char *const types[] = {"TEXT_PLAIN", "TEXT_HTML", "APPLICATION_JSON", NULL};
    static const char *const mimes[] = {"text/plain", "text/html", "application/json"};
    int t = 0;
    mm_str content;
    mm__waf_path bp = {.len = 0};
    bp.len = (size_t)snprintf(bp.buf, sizeof(bp.buf), "$.CustomResponseBodies.%.*s",
                              (int)(key.len > 64 ? 64 : key.len), key.ptr);
    if (bp.len >= sizeof(bp.buf)) bp.len = sizeof(bp.buf) - 1;
    rc = mm__waf_get_enum(ps, b, "ContentType", &bp, types, true, &t);
    if (!rc) rc = mm__waf_get_string(ps, b, "Content", &bp, true, &content);
    if (rc) return rc;
    r->body = mm__waf_dup(ps, content);
    r->content_type = mm_str_from(mimes[t]);
  }
  const mm_json_value *hs = mm_json_get(cr, "ResponseHeaders");
  if (hs) {
    size_t mark = mm__waf_path_push(path, "ResponseHeaders");
    rc = parse_headers(ps, hs, path, "", &r->resp_headers, &r->n_resp_headers);
    if (rc) return rc;
    mm__waf_path_pop(path, mark);
  }
  return MM_OK;
}

/* {"Block": {...}} etc.; only_override for OverrideAction {"Count"|"None"}. */
static int parse_action(mm__waf_parse *ps, const mm_json_value *a, mm__waf_path *path,
                        bool override, mm__waf_rule *r) {
  if (!mm_json_is_object(a) || mm_json_len(a) != 1)
    return mm__waf_fail(ps, path, MM_EINVAL, "expected an object with exactly one action");
  mm_json_iter it = mm_json_iter_init(a);
  const mm_json_value *k, *v;
  mm_json_iter_next(&it, &k, &v);
  const char *name = mm_json_str(k);
  size_t mark = mm__waf_path_push(path, name);
  int idx = -1;
  if (override) {
    if (strcmp(name, "None") == 0) idx = 100;
    if (strcmp(name, "Count") == 0) idx = MM_WAF_COUNT;
  } else {
    for (int i = 0; ACTION_NAMES[i]; i++)
      if (strcmp(ACTION_NAMES[i], name) == 0) idx = i;
  }
  if (idx < 0) return mm__waf_fail(ps, path, MM_EINVAL, "unknown action \"%s\"", name);
  static const char *const handling[] = {"CustomRequestHandling", NULL};
  static const char *const block[] = {"CustomResponse", NULL};
  static const char *const none[] = {NULL};
  int rc = mm__waf_check_members(ps, v, path,
                                 idx == MM_WAF_BLOCK ? block
                                 : idx == 100        ? none
                                                     : handling);
  if (rc) return rc;
  if (override) {
    r->override_count = idx == MM_WAF_COUNT;
    r->action = MM_WAF_COUNT;
  } else {
    r->action = (uint8_t)idx;
  }
  const mm_json_value *crh = mm_json_get(v, "CustomRequestHandling");
  if (crh) {
    static const char *const m[] = {"InsertHeaders", NULL};
    size_t mk = mm__waf_path_push(path, "CustomRequestHandling");
    rc = mm__waf_check_members(ps, crh, path, m);
    if (rc) return rc;
    size_t mk2 = mm__waf_path_push(path, "InsertHeaders");
    rc = parse_headers(ps, mm_json_get(crh, "InsertHeaders"), path, "x-amzn-waf-", &r->insert,
                       &r->n_insert);
    if (rc) return rc;
    mm__waf_path_pop(path, mk2);
    mm__waf_path_pop(path, mk);
  }
  const mm_json_value *cr = mm_json_get(v, "CustomResponse");
  if (cr) {
    size_t mk = mm__waf_path_push(path, "CustomResponse");
    rc = parse_custom_response(ps, cr, path, r);
    if (rc) return rc;
    mm__waf_path_pop(path, mk);
  }
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

int mm__waf_action_parse(mm__waf_parse *ps, const mm_json_value *a, mm__waf_path *path,
                         mm__waf_rule *r) {
  return parse_action(ps, a, path, false, r);
}

/* ---- labels ------------------------------------------------------------------------ */

static bool label_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-' || c == ':';
}

/* A RuleLabels Name: components of [0-9A-Za-z_-], at most 5 namespaces and
 * a name, each 1-128 characters, none of the reserved strings. */
static const char *label_problem(mm_str s) {
  static const char *const reserved[] = {
      "awswaf", "aws", "waf", "rulegroup", "webacl", "regexpatternset", "ipset", "managed", NULL};
  if (s.len == 0 || s.len > 1024) return "a label has 1 to 1024 characters";
  size_t parts = 0, start = 0;
  for (size_t i = 0; i <= s.len; i++) {
    if (i < s.len && !label_char(s.ptr[i])) return "a label may hold only A-Z a-z 0-9 _ - :";
    if (i < s.len && s.ptr[i] != ':') continue;
    mm_str part = {s.ptr + start, i - start};
    if (part.len == 0 || part.len > 128) return "each label component has 1 to 128 characters";
    for (size_t r = 0; reserved[r]; r++)
      if (mm_str_eq(part, mm_str_from(reserved[r])))
        return "a label component may not be a reserved word (awswaf, aws, waf, rulegroup, "
               "webacl, regexpatternset, ipset, managed)";
    parts++;
    start = i + 1;
  }
  return parts > 6 ? "a label has at most five namespaces and a name" : NULL;
}

static int parse_labels(mm__waf_parse *ps, const mm_json_value *arr, mm__waf_path *path, mm_str ns,
                        mm__waf_rule *r) {
  if (!mm_json_is_array(arr)) return mm__waf_fail(ps, path, MM_ETYPE, "expected an array");
  size_t n = mm_json_len(arr);
  mm_str *labels = mm_arena_calloc(&ps->acl->arena, n ? n : 1, sizeof(*labels));
  if (!labels) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  static const char *const members[] = {"Name", NULL};
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mark = mm__waf_path_index(path, i);
    mm_str name;
    int rc = mm__waf_check_members(ps, e, path, members);
    if (!rc) rc = mm__waf_get_string(ps, e, "Name", path, true, &name);
    if (rc) return rc;
    const char *why = label_problem(name);
    if (why) {
      mm__waf_path_push(path, "Name");
      return mm__waf_fail(ps, path, MM_EINVAL, "%s", why);
    }
    mm__waf_path_pop(path, mark);
    char *full = mm_arena_alloc(&ps->acl->arena, ns.len + name.len + 1);
    if (!full) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
    memcpy(full, ns.ptr, ns.len);
    memcpy(full + ns.len, name.ptr, name.len);
    full[ns.len + name.len] = '\0';
    labels[i] = (mm_str){full, ns.len + name.len};
  }
  r->labels = labels;
  r->n_labels = n;
  return MM_OK;
}

/* ---- rules --------------------------------------------------------------------------- */

static int parse_immunity(mm__waf_parse *ps, const mm_json_value *cfg, mm__waf_path *path,
                          uint32_t *out) {
  static const char *const m1[] = {"ImmunityTimeProperty", NULL};
  static const char *const m2[] = {"ImmunityTime", NULL};
  int rc = mm__waf_check_members(ps, cfg, path, m1);
  if (rc) return rc;
  const mm_json_value *itp = mm_json_get(cfg, "ImmunityTimeProperty");
  if (!itp) return MM_OK;
  size_t mark = mm__waf_path_push(path, "ImmunityTimeProperty");
  uint64_t t = *out;
  rc = mm__waf_check_members(ps, itp, path, m2);
  /* API ImmunityTimeProperty: 60 to 259200 seconds. */
  if (!rc) rc = mm__waf_get_uint(ps, itp, "ImmunityTime", path, true, 60, 259200, &t);
  if (rc) return rc;
  mm__waf_path_pop(path, mark);
  *out = (uint32_t)t;
  return MM_OK;
}

static int parse_visibility(mm__waf_parse *ps, const mm_json_value *vc, mm__waf_path *path) {
  static const char *const m[] = {"SampledRequestsEnabled", "CloudWatchMetricsEnabled",
                                  "MetricName", NULL};
  int rc = mm__waf_check_members(ps, vc, path, m);
  mm_str name;
  if (!rc) rc = mm__waf_get_string(ps, vc, "MetricName", path, true, &name);
  if (!rc && (name.len == 0 || name.len > 255)) {
    mm__waf_path_push(path, "MetricName");
    rc = mm__waf_fail(ps, path, MM_EINVAL, "MetricName has 1 to 255 characters");
  }
  return rc;
}

static bool is_group_stmt(const mm__waf_stmt *s) {
  return s->kind == MM__WAF_S_MANAGED || s->kind == MM__WAF_S_GROUP_REF;
}

static bool rule_name_ok(mm_str s) {
  if (s.len == 0 || s.len > 128) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '-'))
      return false;
  }
  return true;
}

static int parse_rule(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path, bool in_group,
                      mm__waf_rule *r) {
  static const char *const members[] = {
      "Name",       "Priority",         "Statement",     "Action",          "OverrideAction",
      "RuleLabels", "VisibilityConfig", "CaptchaConfig", "ChallengeConfig", NULL};
  uint64_t prio = 0;
  mm_str name;
  int rc = mm__waf_check_members(ps, v, path, members);
  if (!rc) rc = mm__waf_get_string(ps, v, "Name", path, true, &name);
  if (!rc && !rule_name_ok(name)) {
    mm__waf_path_push(path, "Name");
    return mm__waf_fail(ps, path, MM_EINVAL, "a rule Name has 1 to 128 of A-Z a-z 0-9 _ -");
  }
  if (!rc) rc = mm__waf_get_uint(ps, v, "Priority", path, true, 0, INT32_MAX, &prio);
  if (rc) return rc;
  r->name = mm__waf_dup(ps, name);
  r->priority = (uint32_t)prio;
  const mm_json_value *st = mm_json_get(v, "Statement");
  size_t mark = mm__waf_path_push(path, "Statement");
  if (!st) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  ps->depth = 0;
  rc = mm__waf_stmt_parse(ps, st, path, &r->stmt);
  if (rc) return rc;
  mm__waf_path_pop(path, mark);
  const mm_json_value *act = mm_json_get(v, "Action"), *ov = mm_json_get(v, "OverrideAction");
  bool group = is_group_stmt(r->stmt);
  if (group && in_group) {
    mark = mm__waf_path_push(path, "Statement");
    return mm__waf_fail(ps, path, MM_EINVAL, "a rule group cannot reference another rule group");
  }
  if (group ? (act || !ov) : (!act || ov))
    return mm__waf_fail(ps, path, MM_EINVAL,
                        group ? "a rule group rule needs OverrideAction and no Action"
                              : "a rule needs Action and no OverrideAction");
  mark = mm__waf_path_push(path, group ? "OverrideAction" : "Action");
  rc = parse_action(ps, group ? ov : act, path, group, r);
  if (rc) return rc;
  mm__waf_path_pop(path, mark);
  r->immunity = 0; /* 0: the entity's CaptchaConfig / ChallengeConfig */
  const mm_json_value *cfg =
      mm_json_get(v, r->action == MM_WAF_CAPTCHA ? "CaptchaConfig" : "ChallengeConfig");
  if (cfg) {
    mark =
        mm__waf_path_push(path, r->action == MM_WAF_CAPTCHA ? "CaptchaConfig" : "ChallengeConfig");
    if ((rc = parse_immunity(ps, cfg, path, &r->immunity))) return rc;
    mm__waf_path_pop(path, mark);
  }
  const mm_json_value *vc = mm_json_get(v, "VisibilityConfig");
  if (vc) {
    mark = mm__waf_path_push(path, "VisibilityConfig");
    if ((rc = parse_visibility(ps, vc, path))) return rc;
    mm__waf_path_pop(path, mark);
  }
  const mm_json_value *rl = mm_json_get(v, "RuleLabels");
  if (rl) {
    mark = mm__waf_path_push(path, "RuleLabels");
    mm_str ns = ps->group ? ps->group->label_ns : ps->acl->label_ns;
    if ((rc = parse_labels(ps, rl, path, ns, r))) return rc;
    mm__waf_path_pop(path, mark);
  }
  r->wcu = r->stmt->wcu;
  return MM_OK;
}

static int by_priority(const void *a, const void *b) {
  const mm__waf_rule *x = a, *y = b;
  return x->priority < y->priority ? -1 : x->priority > y->priority;
}

int mm__waf_rules_parse(mm__waf_parse *ps, const mm_json_value *rules, mm__waf_path *path,
                        bool in_group, mm__waf_rule **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!rules) return MM_OK;
  if (!mm_json_is_array(rules)) return mm__waf_fail(ps, path, MM_ETYPE, "expected an array");
  size_t count = mm_json_len(rules);
  if (count > MM_WAF_MAX_RULES)
    return mm__waf_fail(ps, path, MM_ELIMIT, "more than %d rules", MM_WAF_MAX_RULES);
  mm__waf_rule *r = mm_arena_calloc(&ps->acl->arena, count ? count : 1, sizeof(*r));
  if (!r) return mm__waf_fail(ps, path, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(rules);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    size_t mark = mm__waf_path_index(path, i);
    int rc = parse_rule(ps, e, path, in_group, &r[i]);
    if (rc) return rc;
    for (size_t j = 0; j < i; j++) {
      const char *dup = mm_str_eq(r[j].name, r[i].name)  ? "Name"
                        : r[j].priority == r[i].priority ? "Priority"
                                                         : NULL;
      if (dup) {
        mm__waf_path_push(path, dup);
        return mm__waf_fail(ps, path, MM_EINVAL, "duplicate rule %s (also in rule %zu)", dup, j);
      }
    }
    mm__waf_path_pop(path, mark);
  }
  qsort(r, count, sizeof(*r), by_priority);
  *out = r;
  *n = count;
  return MM_OK;
}

/* ---- the web ACL ------------------------------------------------------------------------ */

/* "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/name/id": field 4. */
static mm_str arn_account(mm_str arn) {
  size_t field = 0, start = 0;
  for (size_t i = 0; i < arn.len; i++) {
    if (arn.ptr[i] != ':') continue;
    if (field == 4) return (mm_str){arn.ptr + start, i - start};
    field++;
    start = i + 1;
  }
  return (mm_str){NULL, 0};
}

int mm__waf_make_label_ns(mm__waf_parse *ps, mm_str account, const char *kind, mm_str name,
                          mm_str *out) {
  size_t n = 7 + account.len + 1 + strlen(kind) + 1 + name.len + 1;
  char *p = mm_arena_alloc(&ps->acl->arena, n + 1);
  if (!p) return MM_ENOMEM;
  int w = snprintf(p, n + 1, "awswaf:%.*s:%s:%.*s:", (int)account.len, account.ptr, kind,
                   (int)name.len, name.ptr);
  *out = (mm_str){p, (size_t)w};
  return MM_OK;
}

/* AssociationConfig.RequestBody.<resource>.DefaultSizeInspectionLimit: the
 * largest of the resource types given (mamori is one endpoint). */
static int parse_association(mm__waf_parse *ps, const mm_json_value *ac, mm__waf_path *path) {
  static const char *const m[] = {"RequestBody", NULL};
  static const char *const sizes[] = {"KB_16", "KB_32", "KB_48", "KB_64", NULL};
  int rc = mm__waf_check_members(ps, ac, path, m);
  if (rc) return rc;
  const mm_json_value *rb = mm_json_get(ac, "RequestBody");
  if (!rb) return MM_OK;
  size_t mark = mm__waf_path_push(path, "RequestBody");
  if (!mm_json_is_object(rb)) return mm__waf_fail(ps, path, MM_ETYPE, "expected an object");
  mm_json_iter it = mm_json_iter_init(rb);
  const mm_json_value *k, *v;
  static const char *const mm_[] = {"DefaultSizeInspectionLimit", NULL};
  while (mm_json_iter_next(&it, &k, &v)) {
    size_t mk = mm__waf_path_push(path, mm_json_str(k));
    int idx = 0;
    rc = mm__waf_check_members(ps, v, path, mm_);
    if (!rc) rc = mm__waf_get_enum(ps, v, "DefaultSizeInspectionLimit", path, sizes, true, &idx);
    if (rc) return rc;
    uint32_t bytes = (uint32_t)(idx + 1) * 16384u;
    if (bytes > ps->acl->body_limit) ps->acl->body_limit = bytes;
    mm__waf_path_pop(path, mk);
  }
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_default_action(mm__waf_parse *ps, const mm_json_value *da, mm__waf_path *path) {
  mm_waf_acl *acl = ps->acl;
  size_t mark = mm__waf_path_push(path, "DefaultAction");
  if (!da) return mm__waf_fail(ps, path, MM_EINVAL, "missing required member");
  int rc = parse_action(ps, da, path, false, &acl->default_rule);
  if (rc) return rc;
  if (acl->default_rule.action != MM_WAF_ALLOW && acl->default_rule.action != MM_WAF_BLOCK)
    return mm__waf_fail(ps, path, MM_EINVAL, "DefaultAction is Allow or Block");
  acl->default_action = acl->default_rule.action;
  acl->default_rule.name = MM_STR("Default_Action");
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_bodies(mm__waf_parse *ps, const mm_json_value *b, mm__waf_path *path) {
  if (!b) return MM_OK;
  size_t mark = mm__waf_path_push(path, "CustomResponseBodies");
  if (!mm_json_is_object(b)) return mm__waf_fail(ps, path, MM_ETYPE, "expected an object");
  static const char *const m[] = {"ContentType", "Content", NULL};
  mm_json_iter it = mm_json_iter_init(b);
  const mm_json_value *k, *v;
  while (mm_json_iter_next(&it, &k, &v)) {
    size_t mk = mm__waf_path_push(path, mm_json_str(k));
    int rc = mm__waf_check_members(ps, v, path, m);
    if (rc) return rc;
    mm__waf_path_pop(path, mk);
  }
  ps->bodies = b;
  mm__waf_path_pop(path, mark);
  return MM_OK;
}

static int parse_acl(mm__waf_parse *ps, const mm_json_value *root) {
  static const char *const members[] = {"Name",
                                        "Id",
                                        "ARN",
                                        "DefaultAction",
                                        "Description",
                                        "Rules",
                                        "VisibilityConfig",
                                        "Capacity",
                                        "PreProcessFirewallManagerRuleGroups",
                                        "PostProcessFirewallManagerRuleGroups",
                                        "ManagedByFirewallManager",
                                        "LabelNamespace",
                                        "CustomResponseBodies",
                                        "CaptchaConfig",
                                        "ChallengeConfig",
                                        "TokenDomains",
                                        "AssociationConfig",
                                        "RetrofittedByFirewallManager",
                                        "OnSourceDDoSProtectionConfig",
                                        "ApplicationConfig",
                                        "DataProtectionConfig",
                                        NULL};
  mm_waf_acl *acl = ps->acl;
  mm__waf_path path = {.buf = "$", .len = 1};
  const mm_json_value *v = mm__waf_unwrap(root, "WebACL");
  if (v != root) mm__waf_path_push(&path, "WebACL");
  mm_str name, arn, id;
  int rc = mm__waf_check_members(ps, v, &path, members);
  if (!rc) rc = mm__waf_get_string(ps, v, "Name", &path, true, &name);
  if (!rc) rc = mm__waf_get_string(ps, v, "ARN", &path, false, &arn);
  if (!rc) rc = mm__waf_get_string(ps, v, "Id", &path, false, &id);
  if (rc) return rc;
  acl->name = mm__waf_dup(ps, name);
  acl->arn = mm__waf_dup(ps, arn);
  acl->id = mm__waf_dup(ps, id);
  mm_str account = arn_account(arn);
  acl->account = account.len ? mm__waf_dup(ps, account) : MM_STR("000000000000");
  if (mm__waf_make_label_ns(ps, acl->account, "webacl", acl->name, &acl->label_ns))
    return mm__waf_fail(ps, &path, MM_ENOMEM, "out of memory");
  if ((rc = parse_bodies(ps, mm_json_get(v, "CustomResponseBodies"), &path))) return rc;
  if ((rc = parse_default_action(ps, mm_json_get(v, "DefaultAction"), &path))) return rc;
  acl->captcha_immunity = acl->challenge_immunity = 300; /* AWS's default: 300 s */
  const char *cfgs[] = {"CaptchaConfig", "ChallengeConfig", "VisibilityConfig",
                        "AssociationConfig"};
  for (int i = 0; i < 4; i++) {
    const mm_json_value *c = mm_json_get(v, cfgs[i]);
    if (!c) continue;
    size_t mark = mm__waf_path_push(&path, cfgs[i]);
    rc = i == 0   ? parse_immunity(ps, c, &path, &acl->captcha_immunity)
         : i == 1 ? parse_immunity(ps, c, &path, &acl->challenge_immunity)
         : i == 2 ? parse_visibility(ps, c, &path)
                  : parse_association(ps, c, &path);
    if (rc) return rc;
    mm__waf_path_pop(&path, mark);
  }
  size_t mark = mm__waf_path_push(&path, "Rules");
  rc = mm__waf_rules_parse(ps, mm_json_get(v, "Rules"), &path, false, &acl->rules, &acl->n_rules);
  if (rc) return rc;
  mm__waf_path_pop(&path, mark);
  acl->capacity = 0;
  for (size_t i = 0; i < acl->n_rules; i++) acl->capacity += acl->rules[i].wcu;
  return MM_OK;
}

mm_waf_acl *mm_waf_acl_load(mm_waf_loader *l, const char *text, size_t len, mm_error *err) {
  mm_error_clear(err);
  mm_waf_acl *acl = mm_calloc(1, sizeof(*acl));
  if (!acl) {
    mm_error_set(err, MM_ENOMEM, "out of memory");
    return NULL;
  }
  mm_arena_init(&acl->arena, 0);
  acl->body_limit = MM_WAF_BODY_LIMIT_DEFAULT;
  mm_error local;
  mm_error_clear(&local);
  mm__waf_parse ps = {.acl = acl, .loader = l, .err = err ? err : &local};
  mm_json_options opt = {.max_size = MM_WAF_MAX_ACL_BYTES};
  const mm_json_value *root = mm_json_parse_arena(&acl->arena, text, len, &opt, ps.err);
  int rc = root ? parse_acl(&ps, root) : ps.err->code;
  if (rc == MM_OK) rc = mm__waf_plan_compile(acl, ps.err);
  if (rc != MM_OK) {
    mm_waf_acl_free(acl);
    return NULL;
  }
  return acl;
}

void mm_waf_acl_free(mm_waf_acl *acl) {
  if (!acl) return;
  mm__waf_plan_free(acl);
  for (size_t i = 0; i < acl->n_ipsets; i++) mm_ipset_free(acl->ipsets[i]);
  mm_free(acl->ipsets);
  mm_free(acl->inputs);
  mm_arena_destroy(&acl->arena);
  mm_free(acl);
}

uint32_t mm_waf_acl_capacity(const mm_waf_acl *acl) { return acl ? acl->capacity : 0; }
mm_str mm_waf_acl_name(const mm_waf_acl *acl) { return acl ? acl->name : (mm_str){"", 0}; }
mm_str mm_waf_acl_arn(const mm_waf_acl *acl) { return acl ? acl->arn : (mm_str){"", 0}; }

bool mm_waf_acl_rule_capacity(const mm_waf_acl *acl, size_t i, mm_str *name, uint32_t *wcu) {
  if (!acl || i >= acl->n_rules) return false;
  if (name) *name = acl->rules[i].name;
  if (wcu) *wcu = acl->rules[i].wcu;
  return true;
}

const char *mm_waf_action_name(mm_waf_action a) {
  static const char *const names[] = {"ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE"};
  return (unsigned)a < 5 ? names[a] : "?";
}
