/*
 * acl_sets.c - the loader: the IPSets, RegexPatternSets and RuleGroups a
 * web ACL references by ARN, and managed rule groups read from a directory.
 *
 * Shapes: WAFv2 API "IPSet" (Addresses in CIDR notation, every IPv4 and
 * IPv6 range but /0), "RegexPatternSet" (RegularExpressionList of
 * {RegexString}), "RuleGroup" (Capacity, Rules, LabelNamespace,
 * CustomResponseBodies ...), each bare or wrapped as the get-* commands
 * print them ({"IPSet": {...}, "LockToken": "..."}). Sets are validated
 * when added (an address or regex error names its JSON path); rule groups
 * are parsed into each ACL that references them, so their errors name the
 * group and the path inside it.
 *
 * Managed rule groups: ManagedRuleGroupStatement {VendorName, Name} reads
 * <managed dir>/<Name>.json, a RuleGroup document. Its labels use the
 * group's LabelNamespace when the file declares one (AWS's are
 * "awswaf:managed:aws:core-rule-set:" and the like), otherwise
 * "awswaf:managed:<vendor, lower-cased>:<Name>:". Version is accepted and
 * not checked: a directory holds one version of each group.
 */
#include "waf/acl.h"

#include "mamori/alloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mm_waf_loader *mm_waf_loader_new(void) {
  mm_waf_loader *l = mm_calloc(1, sizeof(*l));
  if (l) mm_arena_init(&l->arena, 0);
  return l;
}

void mm_waf_loader_free(mm_waf_loader *l) {
  if (!l) return;
  mm_free(l->managed_dir);
  mm_free(l->ipsets);
  mm_free(l->regexes);
  mm_free(l->groups);
  mm_arena_destroy(&l->arena);
  mm_free(l);
}

void mm_waf_loader_set_flags(mm_waf_loader *l, unsigned flags) {
  if (l) l->flags = flags;
}

static int read_file(const char *path, mm_buf *out);

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The IP sets the managed groups reference by ARN (AWSManagedIPReputationList
 * and the like) ship beside them as <dir>/ipsets/NAME.json: add every one, in
 * name order, so that the groups load with no --ip-set. No such folder is
 * fine; a file that does not load is an error naming it. */
static int load_managed_ipsets(mm_waf_loader *l, const char *dir, mm_error *err) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/ipsets", dir);
  DIR *d = opendir(path);
  if (!d) return MM_OK;
  char *names[MM_WAF_MAX_MANAGED_IPSETS];
  size_t n = 0;
  struct dirent *e;
  int rc = MM_OK;
  while (rc == MM_OK && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    if (n == MM_WAF_MAX_MANAGED_IPSETS)
      rc = mm_error_set(err, MM_ELIMIT, "%s: more than %d IP set files", path,
                        MM_WAF_MAX_MANAGED_IPSETS);
    else if (!(names[n++] = mm_strndup(e->d_name, len)))
      n--, rc = mm_error_set(err, MM_ENOMEM, "out of memory");
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), by_name);
  for (size_t i = 0; i < n; i++) {
    mm_buf text = MM_BUF_INIT;
    char file[4096 + 256];
    snprintf(file, sizeof(file), "%s/%s", path, names[i]);
    if (rc == MM_OK && (rc = read_file(file, &text)) != MM_OK)
      mm_error_set(err, rc, "cannot read IP set %s", file);
    if (rc == MM_OK && (rc = mm_waf_loader_add_json(l, text.ptr ? text.ptr : "", text.len, err))) {
      char why[sizeof(err->msg)];
      snprintf(why, sizeof(why), "%s", err->msg);
      mm_error_set(err, rc, "IP set %s: %s", file, why);
    }
    mm_buf_free(&text);
    mm_free(names[i]);
  }
  return rc;
}

int mm_waf_loader_set_managed_dir(mm_waf_loader *l, const char *dir, mm_error *err) {
  char *d = mm_strndup(dir, strlen(dir));
  if (!d) return mm_error_set(err, MM_ENOMEM, "out of memory");
  mm_free(l->managed_dir);
  l->managed_dir = d;
  return load_managed_ipsets(l, dir, err);
}

/* Grow *arr (of elem-byte items) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem) {
  if (n < *cap) return MM_OK;
  size_t c = *cap ? *cap * 2 : 8;
  void *p = mm_realloc(*arr, c * elem);
  if (!p) return MM_ENOMEM;
  *arr = p;
  *cap = c;
  return MM_OK;
}

/* Strings of arr (each checked by check, which may be NULL) into the loader's arena. */
static int read_strings(mm_waf_loader *l, const mm_json_value *arr, const char *member,
                        const char *path, size_t max, mm_str **out, size_t *n, mm_error *err) {
  if (!mm_json_is_array(arr) || mm_json_len(arr) > max) {
    mm_error_set(err, MM_EINVAL, "expected an array of at most %zu entries", max);
    mm_error_set_path(err, path);
    return MM_EINVAL;
  }
  size_t count = mm_json_len(arr);
  mm_str *s = mm_arena_calloc(&l->arena, count ? count : 1, sizeof(*s));
  if (!s) return mm_error_set(err, MM_ENOMEM, "out of memory");
  mm_json_iter it = mm_json_iter_init(arr);
  const mm_json_value *e;
  for (size_t i = 0; mm_json_iter_next(&it, NULL, &e); i++) {
    const mm_json_value *str = member ? mm_json_get(e, member) : e;
    char p[MM_ERROR_PATH_MAX];
    snprintf(p, sizeof(p), "%s[%zu]%s%s", path, i, member ? "." : "", member ? member : "");
    if (!mm_json_is_string(str)) {
      mm_error_set(err, MM_ETYPE, "expected a string");
      mm_error_set_path(err, p);
      return MM_ETYPE;
    }
    s[i] = mm_json_get_str(str);
    mm_error e2;
    mm_error_clear(&e2);
    char why[160];
    if (!member) { /* IP set address */
      mm_cidr c;
      if (mm_cidr_parse(s[i].ptr, s[i].len, MM_CIDR_WAF, &c, &e2) != MM_OK) {
        mm_error_set(err, e2.code, "invalid address: %s", e2.msg);
        mm_error_set_path(err, p);
        return e2.code;
      }
    } else if (s[i].len == 0 || s[i].len > MM_WAF_MAX_REGEX_LEN ||
               mm__waf_regex_check(s[i], why, sizeof(why)) != MM_OK) {
      mm_error_set(err, MM_EINVAL, "invalid regex: %s",
                   s[i].len == 0 || s[i].len > MM_WAF_MAX_REGEX_LEN ? "length" : why);
      mm_error_set_path(err, p);
      return MM_EINVAL;
    }
  }
  *out = s;
  *n = count;
  return MM_OK;
}

static int need_string(const mm_json_value *v, const char *member, const char *base, mm_str *out,
                       mm_error *err) {
  const mm_json_value *s = mm_json_get(v, member);
  if (mm_json_is_string(s)) {
    *out = mm_json_get_str(s);
    return MM_OK;
  }
  char p[MM_ERROR_PATH_MAX];
  snprintf(p, sizeof(p), "%s.%s", base, member);
  mm_error_set(err, MM_EINVAL, s ? "expected a string" : "missing required member");
  mm_error_set_path(err, p);
  return MM_EINVAL;
}

static int add_ipset(mm_waf_loader *l, const mm_json_value *v, const char *base, mm_error *err) {
  mm__waf_ipset_src src = {0};
  char p[64];
  snprintf(p, sizeof(p), "%s.Addresses", base);
  mm_str *addrs = NULL;
  int rc = need_string(v, "ARN", base, &src.arn, err);
  if (!rc) rc = need_string(v, "Name", base, &src.name, err);
  /* AWS WAF quotas: 10,000 addresses per IP set. */
  if (!rc) rc = read_strings(l, mm_json_get(v, "Addresses"), NULL, p, 10000, &addrs, &src.n, err);
  if (!rc) rc = grow((void **)&l->ipsets, &l->cap_ipsets, l->n_ipsets, sizeof(src));
  if (rc) return rc == MM_ENOMEM ? mm_error_set(err, rc, "out of memory") : rc;
  src.addrs = addrs;
  l->ipsets[l->n_ipsets++] = src;
  return MM_OK;
}

static int add_regex_set(mm_waf_loader *l, const mm_json_value *v, const char *base,
                         mm_error *err) {
  mm__waf_regex_src src = {0};
  char p[64];
  snprintf(p, sizeof(p), "%s.RegularExpressionList", base);
  mm_str *res = NULL;
  int rc = need_string(v, "ARN", base, &src.arn, err);
  if (!rc) rc = need_string(v, "Name", base, &src.name, err);
  if (!rc)
    rc = read_strings(l, mm_json_get(v, "RegularExpressionList"), "RegexString", p,
                      MM_WAF_MAX_REGEX_PER_SET, &res, &src.n, err);
  if (!rc) rc = grow((void **)&l->regexes, &l->cap_regexes, l->n_regexes, sizeof(src));
  if (rc) return rc == MM_ENOMEM ? mm_error_set(err, rc, "out of memory") : rc;
  src.regexes = res;
  l->regexes[l->n_regexes++] = src;
  return MM_OK;
}

static int add_group(mm_waf_loader *l, const mm_json_value *v, const char *base, mm_error *err) {
  mm__waf_group_src src = {.json = v};
  int rc = need_string(v, "ARN", base, &src.arn, err);
  if (!rc) rc = need_string(v, "Name", base, &src.name, err);
  if (!rc) rc = grow((void **)&l->groups, &l->cap_groups, l->n_groups, sizeof(src));
  if (rc) return rc == MM_ENOMEM ? mm_error_set(err, rc, "out of memory") : rc;
  l->groups[l->n_groups++] = src;
  return MM_OK;
}

int mm_waf_loader_add_json(mm_waf_loader *l, const char *text, size_t len, mm_error *err) {
  mm_error local;
  if (!err) err = &local;
  mm_error_clear(err);
  mm_json_options opt = {.max_size = MM_WAF_MAX_ACL_BYTES};
  const mm_json_value *root = mm_json_parse_arena(&l->arena, text, len, &opt, err);
  if (!root) return err->code;
  static const char *const wrappers[] = {"IPSet", "RegexPatternSet", "RuleGroup"};
  static const char *const markers[] = {"Addresses", "RegularExpressionList", "Rules"};
  for (int i = 0; i < 3; i++) {
    const mm_json_value *in = mm_json_get(root, wrappers[i]);
    const mm_json_value *v = mm_json_is_object(in) ? in : root;
    if (!in && !mm_json_get(root, markers[i]) && !(i == 2 && mm_json_get(root, "Capacity")))
      continue;
    char base[32];
    snprintf(base, sizeof(base), in ? "$.%s" : "$", wrappers[i]);
    return i == 0   ? add_ipset(l, v, base, err)
           : i == 1 ? add_regex_set(l, v, base, err)
                    : add_group(l, v, base, err);
  }
  mm_error_set(err, MM_EINVAL, "not an IPSet, RegexPatternSet or RuleGroup");
  mm_error_set_path(err, "$");
  return MM_EINVAL;
}

const mm__waf_ipset_src *mm__waf_loader_ipset(const mm_waf_loader *l, mm_str arn) {
  for (size_t i = 0; i < l->n_ipsets; i++)
    if (mm_str_eq(l->ipsets[i].arn, arn)) return &l->ipsets[i];
  return NULL;
}

const mm__waf_regex_src *mm__waf_loader_regex(const mm_waf_loader *l, mm_str arn) {
  for (size_t i = 0; i < l->n_regexes; i++)
    if (mm_str_eq(l->regexes[i].arn, arn)) return &l->regexes[i];
  return NULL;
}

/* Parse RuleGroup JSON v into a group in the ACL's arena. Errors carry the
 * path inside the group and name it in the message. */
static int build_group(mm__waf_parse *ps, const mm_json_value *v, mm_str arn, mm_str vendor,
                       mm__waf_path *ref_path, const mm__waf_group **out) {
  static const char *const members[] = {"Name",
                                        "Id",
                                        "Capacity",
                                        "ARN",
                                        "Description",
                                        "Rules",
                                        "VisibilityConfig",
                                        "LabelNamespace",
                                        "CustomResponseBodies",
                                        "AvailableLabels",
                                        "ConsumedLabels",
                                        NULL};
  mm__waf_group *g = mm_arena_calloc(&ps->acl->arena, 1, sizeof(*g));
  if (!g) return mm__waf_fail(ps, ref_path, MM_ENOMEM, "out of memory");
  mm__waf_path path = {.buf = "$", .len = 1};
  mm_str name, ns;
  uint64_t cap = 0;
  int rc = mm__waf_check_members(ps, v, &path, members);
  if (!rc) rc = mm__waf_get_string(ps, v, "Name", &path, true, &name);
  if (!rc) rc = mm__waf_get_uint(ps, v, "Capacity", &path, !vendor.len, 1, 5000, &cap);
  if (!rc) rc = mm__waf_get_string(ps, v, "LabelNamespace", &path, false, &ns);
  if (rc) goto fail;
  g->name = mm__waf_dup(ps, name);
  g->arn = mm__waf_dup(ps, arn);
  g->vendor = mm__waf_dup(ps, vendor);
  g->managed = vendor.len > 0;
  g->capacity = (uint32_t)cap;
  if (ns.len) {
    g->label_ns = mm__waf_dup(ps, ns);
  } else if (g->managed) {
    char vend[64];
    size_t n = vendor.len < sizeof(vend) ? vendor.len : sizeof(vend) - 1;
    for (size_t i = 0; i < n; i++) vend[i] = mm_ascii_lower(vendor.ptr[i]);
    vend[n] = '\0';
    rc = mm__waf_make_label_ns(ps, MM_STR("managed"), vend, g->name, &g->label_ns);
  } else {
    mm_str account = {NULL, 0};
    size_t field = 0, start = 0;
    for (size_t i = 0; i < arn.len && !account.ptr; i++) {
      if (arn.ptr[i] != ':') continue;
      if (field == 4) account = (mm_str){arn.ptr + start, i - start};
      field++;
      start = i + 1;
    }
    rc = mm__waf_make_label_ns(ps, account.len ? account : ps->acl->account, "rulegroup", g->name,
                               &g->label_ns);
  }
  if (rc) goto fail;
  const mm__waf_group *saved_group = ps->group;
  const mm_json_value *saved_bodies = ps->bodies;
  ps->group = g;
  ps->bodies = mm_json_get(v, "CustomResponseBodies");
  size_t mark = mm__waf_path_push(&path, "Rules");
  rc = mm__waf_rules_parse(ps, mm_json_get(v, "Rules"), &path, true, &g->rules, &g->n_rules);
  mm__waf_path_pop(&path, mark);
  ps->group = saved_group;
  ps->bodies = saved_bodies;
  if (rc) goto fail;
  if (!g->capacity)
    for (size_t i = 0; i < g->n_rules; i++) g->capacity += g->rules[i].wcu;
  *out = g;
  return MM_OK;
fail:
  if (ps->err && ps->err->code != MM_OK) {
    char msg[MM_ERROR_MSG_MAX];
    int n =
        snprintf(msg, sizeof(msg), "rule group \"%.*s\": ", (int)(name.len > 64 ? 64 : name.len),
                 name.ptr ? name.ptr : "");
    size_t room = sizeof(msg) - (size_t)n - 1, len = strlen(ps->err->msg);
    memcpy(msg + n, ps->err->msg, len < room ? len : room);
    msg[(size_t)n + (len < room ? len : room)] = '\0';
    memcpy(ps->err->msg, msg, sizeof(msg));
  }
  return rc;
}

int mm__waf_loader_group(mm__waf_parse *ps, mm_str arn, mm__waf_path *path,
                         const mm__waf_group **out) {
  const mm_waf_loader *l = ps->loader;
  for (size_t i = 0; l && i < l->n_groups; i++)
    if (mm_str_eq(l->groups[i].arn, arn))
      return build_group(ps, l->groups[i].json, arn, (mm_str){"", 0}, path, out);
  return mm__waf_fail(ps, path, MM_ENOENT, "no RuleGroup with this ARN was loaded");
}

static bool safe_name(mm_str s) {
  if (s.len == 0 || s.len > 128) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '-'))
      return false;
  }
  return true;
}

static int read_file(const char *path, mm_buf *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return MM_ENOENT;
  char chunk[65536];
  size_t n;
  int rc = MM_OK;
  while (rc == MM_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    if (out->len + n > MM_WAF_MAX_ACL_BYTES)
      rc = MM_ELIMIT;
    else
      rc = mm_buf_append(out, chunk, n);
  }
  if (ferror(f)) rc = MM_EIO;
  fclose(f);
  return rc;
}

int mm__waf_loader_managed(mm__waf_parse *ps, mm_str vendor, mm_str name, mm_str version,
                           mm__waf_path *path, const mm__waf_group **out) {
  (void)version;
  const mm_waf_loader *l = ps->loader;
  size_t mark = mm__waf_path_push(path, "Name");
  if (!safe_name(name) || !vendor.len)
    return mm__waf_fail(ps, path, MM_EINVAL,
                        "a managed rule group Name has 1 to 128 of "
                        "A-Z a-z 0-9 _ -, and VendorName is required");
  if (!l || !l->managed_dir)
    return mm__waf_fail(ps, path, MM_ENOENT,
                        "managed rule group %.*s#%.*s: no managed rule group directory is set",
                        (int)vendor.len, vendor.ptr, (int)name.len, name.ptr);
  char file[4096];
  snprintf(file, sizeof(file), "%s/%.*s.json", l->managed_dir, (int)name.len, name.ptr);
  mm_buf text = MM_BUF_INIT;
  int rc = read_file(file, &text);
  if (rc) {
    mm_buf_free(&text);
    return mm__waf_fail(ps, path, rc, "managed rule group %.*s#%.*s: cannot read %s",
                        (int)vendor.len, vendor.ptr, (int)name.len, name.ptr, file);
  }
  mm_error e;
  mm_error_clear(&e);
  mm_json_options opt = {.max_size = MM_WAF_MAX_ACL_BYTES};
  const mm_json_value *root =
      mm_json_parse_arena(&ps->acl->arena, text.ptr ? text.ptr : "", text.len, &opt, &e);
  mm_buf_free(&text);
  if (!root)
    return mm__waf_fail(ps, path, e.code, "managed rule group %s: line %u: %s", file, e.line,
                        e.msg);
  rc = build_group(ps, mm__waf_unwrap(root, "RuleGroup"), (mm_str){"", 0}, vendor, path, out);
  if (!rc) mm__waf_path_pop(path, mark);
  return rc;
}
