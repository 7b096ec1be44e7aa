/*
 * match_regex.c - AWS WAF's regex dialect, and the plan's pattern groups:
 * one Vectorscan database per input (field + transformations) holding every
 * ByteMatch CONTAINS/CONTAINS_WORD string and every regex that inspects it,
 * with PCRE2 for the patterns Vectorscan refuses.
 *
 * Dialect (Developer Guide "Supported regular expression syntax in AWS
 * WAF", waf-regex-pattern-support.html): PCRE syntax without backreferences,
 * lookahead/lookbehind, subroutine references and recursion, conditional
 * patterns, backtracking control verbs, \C, \R, \K, callouts, atomic groups
 * and possessive quantifiers. mm__waf_regex_check refuses each by name and
 * then lets PCRE2 judge the syntax (its message and offset are reported).
 * Matching is on bytes (no UTF mode), case-sensitive, '.' not matching a
 * newline, '^'/'$' at the ends of the value: PCRE's defaults, as AWS's.
 *
 * Vectorscan scans every value once per input and records each pattern's
 * match as a bit (HS_FLAG_SINGLEMATCH: the first match of each pattern is
 * enough). It never backtracks, so a regex built to backtrack costs linear
 * time there; a pattern only PCRE2 can run has MM_WAF_PCRE_MATCH_LIMIT.
 */
#include "waf/acl.h"

#include "mamori/alloc.h"

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

struct mm__waf_pcre {
  pcre2_code *code;
  pcre2_match_context *mctx;
};

/* ---- the dialect ------------------------------------------------------------------ */

static const struct {
  const char *seq;
  const char *what;
} REFUSED[] = {
    {"(?=", "lookahead"},           {"(?!", "lookahead"},        {"(?<=", "lookbehind"},
    {"(?<!", "lookbehind"},         {"(?>", "atomic group"},     {"(?R", "recursion"},
    {"(?&", "subroutine call"},     {"(?P>", "subroutine call"}, {"(?P=", "backreference"},
    {"(?(", "conditional pattern"}, {"(?C", "callout"},          {"(*", "backtracking verb"},
    {"(?0", "recursion"},           {"(?1", "subroutine call"},  {"(?2", "subroutine call"},
    {"(?3", "subroutine call"},     {"(?4", "subroutine call"},  {"(?5", "subroutine call"},
    {"(?6", "subroutine call"},     {"(?7", "subroutine call"},  {"(?8", "subroutine call"},
    {"(?9", "subroutine call"},     {"(?+", "subroutine call"},  {"(?-1", "subroutine call"},
};

static const char *escape_problem(char c) {
  if (c >= '1' && c <= '9') return "backreference";
  switch (c) {
    case 'g':
    case 'k':
      return "backreference";
    case 'C':
      return "\\C";
    case 'R':
      return "\\R";
    case 'K':
      return "\\K";
    default:
      return NULL;
  }
}

/* Scan for constructs AWS refuses; NULL when none. */
static const char *dialect_problem(mm_str re, size_t *at) {
  bool in_class = false, after_quant = false;
  for (size_t i = 0; i < re.len; i++) {
    char c = re.ptr[i];
    *at = i;
    if (c == '\\' && i + 1 < re.len) {
      const char *p = in_class ? NULL : escape_problem(re.ptr[i + 1]);
      if (p) return p;
      i++;
      after_quant = false;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < re.len && re.ptr[i + 1] == ']') i++; /* "[]...]" */
      after_quant = false;
      continue;
    }
    if (c == '+' && after_quant) return "possessive quantifier";
    if (c == '(')
      for (size_t k = 0; k < MM_ARRAY_LEN(REFUSED); k++) {
        size_t n = strlen(REFUSED[k].seq);
        if (re.len - i >= n && memcmp(re.ptr + i, REFUSED[k].seq, n) == 0) return REFUSED[k].what;
      }
    after_quant = c == '*' || c == '+' || c == '?' || c == '}';
    if (c == '?' && i > 0 &&
        (re.ptr[i - 1] == '*' || re.ptr[i - 1] == '+' || re.ptr[i - 1] == '?' ||
         re.ptr[i - 1] == '}'))
      after_quant = false; /* lazy quantifier "*?": a following '+' is a new quantifier error */
  }
  return NULL;
}

int mm__waf_regex_check(mm_str re, char *why, size_t why_size) {
  size_t at = 0;
  const char *p = dialect_problem(re, &at);
  if (p) {
    snprintf(why, why_size, "%s at offset %zu is not supported by AWS WAF", p, at);
    return MM_EINVAL;
  }
  int code;
  PCRE2_SIZE off;
  pcre2_code *c = pcre2_compile((PCRE2_SPTR)re.ptr, re.len, 0, &code, &off, NULL);
  if (!c) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(code, msg, sizeof(msg));
    snprintf(why, why_size, "%s at offset %zu", (const char *)msg, (size_t)off);
    return MM_EINVAL;
  }
  pcre2_code_free(c);
  return MM_OK;
}

/* ---- PCRE2 fallback ------------------------------------------------------------------ */

static mm__waf_pcre *pcre_new(mm_str re) {
  mm__waf_pcre *p = mm_calloc(1, sizeof(*p));
  if (!p) return NULL;
  int code;
  PCRE2_SIZE off;
  p->code = pcre2_compile((PCRE2_SPTR)re.ptr, re.len, 0, &code, &off, NULL);
  p->mctx = pcre2_match_context_create(NULL);
  if (!p->code || !p->mctx) {
    pcre2_code_free(p->code);
    pcre2_match_context_free(p->mctx);
    mm_free(p);
    return NULL;
  }
  pcre2_set_match_limit(p->mctx, MM_WAF_PCRE_MATCH_LIMIT);
  pcre2_set_depth_limit(p->mctx, MM_WAF_PCRE_DEPTH_LIMIT);
  return p;
}

static void pcre_free(mm__waf_pcre *p) {
  if (!p) return;
  pcre2_code_free(p->code);
  pcre2_match_context_free(p->mctx);
  mm_free(p);
}

void *mm__waf_pcre_match_data_new(void) { return pcre2_match_data_create(1, NULL); }
void mm__waf_pcre_match_data_free(void *md) { pcre2_match_data_free(md); }

bool mm__waf_pcre_match(const mm__waf_pcre *p, mm_str s, void *md) {
  int rc = pcre2_match(p->code, (PCRE2_SPTR)(s.ptr ? s.ptr : ""), s.len, 0, 0, md, p->mctx);
  return rc >= 0; /* PCRE2_ERROR_MATCHLIMIT and friends: no match */
}

/* ---- inputs ---------------------------------------------------------------------------- */

static bool chain_equal(const mm__waf_chain *a, const mm__waf_chain *b) {
  if (a->count != b->count) return false;
  for (size_t i = 0; i < a->count; i++)
    if (a->steps[i].type != b->steps[i].type) return false;
  return true;
}

int mm__waf_input_intern(mm_waf_acl *acl, const mm__waf_field *f, const mm__waf_chain *c,
                         uint32_t *id) {
  for (size_t i = 0; i < acl->n_inputs; i++)
    if (mm__waf_field_equal(acl->inputs[i].field, f) && chain_equal(acl->inputs[i].chain, c)) {
      *id = (uint32_t)i;
      return MM_OK;
    }
  if (acl->n_inputs == acl->cap_inputs) {
    size_t cap = acl->cap_inputs ? acl->cap_inputs * 2 : 16;
    mm__waf_input *p = mm_realloc(acl->inputs, cap * sizeof(*p));
    if (!p) return MM_ENOMEM;
    acl->inputs = p;
    acl->cap_inputs = cap;
  }
  acl->inputs[acl->n_inputs] = (mm__waf_input){.field = f, .chain = c};
  *id = (uint32_t)acl->n_inputs++;
  return MM_OK;
}

/* ---- the plan ---------------------------------------------------------------------------- */

/* Patterns gathered per input while compiling. */
typedef struct gather {
  mm__waf_pattern **pats; /* every pattern of every statement, by input */
  uint32_t *input;        /* input of pats[i] */
  size_t n, cap;
} gather;

static int gather_stmt(gather *g, mm__waf_stmt *s, uint32_t depth);

static int gather_rules(gather *g, mm__waf_rule *rules, size_t n, uint32_t depth) {
  for (size_t i = 0; i < n; i++) {
    int rc = gather_stmt(g, rules[i].stmt, depth);
    if (rc) return rc;
  }
  return MM_OK;
}

static int gather_stmt(gather *g, mm__waf_stmt *s, uint32_t depth) {
  if (!s || depth > MM_WAF_MAX_STMT_DEPTH + 4) return MM_OK;
  for (size_t i = 0; i < s->n_patterns; i++) {
    if (g->n == g->cap) {
      size_t cap = g->cap ? g->cap * 2 : 64;
      mm__waf_pattern **p = mm_realloc(g->pats, cap * sizeof(*p));
      if (!p) return MM_ENOMEM;
      g->pats = p;
      uint32_t *in = mm_realloc(g->input, cap * sizeof(*in));
      if (!in) return MM_ENOMEM;
      g->input = in;
      g->cap = cap;
    }
    g->pats[g->n] = &s->patterns[i];
    g->input[g->n++] = s->input;
  }
  for (size_t i = 0; i < s->n_children; i++) {
    int rc = gather_stmt(g, s->children[i], depth + 1);
    if (rc) return rc;
  }
  int rc = gather_stmt(g, s->scope_down, depth + 1);
  if (!rc && s->group)
    rc = gather_rules(g, ((mm__waf_group *)s->group)->rules, s->group->n_rules, depth + 1);
  return rc;
}

static int keep_pcre(mm_waf_acl *acl, mm__waf_pattern *p) {
  if (acl->n_pcres == acl->cap_pcres) {
    size_t cap = acl->cap_pcres ? acl->cap_pcres * 2 : 8;
    mm__waf_pcre **a = mm_realloc(acl->pcres, cap * sizeof(*a));
    if (!a) return MM_ENOMEM;
    acl->pcres = a;
    acl->cap_pcres = cap;
  }
  p->pcre = pcre_new(p->text);
  if (!p->pcre) return MM_ENOMEM;
  p->bit = UINT32_MAX;
  acl->pcres[acl->n_pcres++] = p->pcre;
  return MM_OK;
}

/* Compile the patterns of one input (pats[0..n)) into in->db, moving what
 * Vectorscan refuses to PCRE2. Identical expressions share a bit. */
static int compile_input(mm_waf_acl *acl, mm__waf_input *in, mm__waf_pattern **pats, size_t n) {
  const char **exprs = mm_calloc(n, sizeof(*exprs));
  unsigned *ids = mm_calloc(n, sizeof(*ids)), *flags = mm_calloc(n, sizeof(*flags));
  int rc = exprs && ids && flags ? MM_OK : MM_ENOMEM;
  uint32_t bits = 0;
  for (size_t i = 0; i < n && rc == MM_OK; i++) {
    pats[i]->bit = UINT32_MAX;
    for (size_t j = 0; j < i && pats[i]->bit == UINT32_MAX; j++)
      if (!pats[j]->pcre && mm_str_eq(pats[j]->text, pats[i]->text)) pats[i]->bit = pats[j]->bit;
    if (pats[i]->bit != UINT32_MAX || pats[i]->pcre) continue;
    pats[i]->bit = bits;
    exprs[bits] = pats[i]->text.ptr;
    ids[bits] = bits;
    flags[bits] = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
    bits++;
  }
  hs_database_t *db = NULL;
  while (rc == MM_OK && bits > 0) {
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, bits, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS)
      break;
    int bad = ce ? ce->expression : -1;
    hs_free_compile_error(ce);
    db = NULL;
    /* Move the refused expression (or, for a global failure, all) to PCRE2. */
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
      if (pats[i]->pcre || pats[i]->bit == UINT32_MAX) continue;
      if (bad < 0 || pats[i]->bit == (uint32_t)bad) rc = keep_pcre(acl, pats[i]);
    }
    if (bad < 0) break;
    /* Renumber the remaining expressions densely. */
    uint32_t nb = 0;
    for (uint32_t b = 0; b < bits; b++) {
      if (b == (uint32_t)bad) continue;
      for (size_t i = 0; i < n; i++)
        if (!pats[i]->pcre && pats[i]->bit == b) pats[i]->bit = nb | 0x80000000u;
      exprs[nb] = exprs[b];
      ids[nb] = nb;
      nb++;
    }
    for (size_t i = 0; i < n; i++)
      if (!pats[i]->pcre && pats[i]->bit != UINT32_MAX) pats[i]->bit &= 0x7fffffffu;
    bits = nb;
  }
  in->db = db;
  in->n_bits = db ? bits : 0;
  mm_free(exprs);
  mm_free(ids);
  mm_free(flags);
  return rc;
}

int mm__waf_plan_compile(mm_waf_acl *acl, mm_error *err) {
  gather g = {0};
  int rc = gather_rules(&g, acl->rules, acl->n_rules, 0);
  mm__waf_pattern **sel = rc ? NULL : mm_calloc(g.n ? g.n : 1, sizeof(*sel));
  if (!rc && !sel) rc = MM_ENOMEM;
  for (size_t in = 0; in < acl->n_inputs && rc == MM_OK; in++) {
    size_t k = 0;
    for (size_t i = 0; i < g.n; i++)
      if (g.input[i] == in) sel[k++] = g.pats[i];
    if (k) rc = compile_input(acl, &acl->inputs[in], sel, k);
  }
  mm_free(sel);
  mm_free(g.pats);
  mm_free(g.input);
  if (rc) mm_error_set(err, rc, "compiling the ACL's patterns: %s", mm_strerror(rc));
  return rc;
}

void mm__waf_plan_free(mm_waf_acl *acl) {
  for (size_t i = 0; i < acl->n_inputs; i++) hs_free_database(acl->inputs[i].db);
  for (size_t i = 0; i < acl->n_pcres; i++) pcre_free(acl->pcres[i]);
  mm_free(acl->pcres);
}

void *mm__waf_hs_scratch_new(const mm_waf_acl *acl) {
  hs_scratch_t *s = NULL;
  for (size_t i = 0; i < acl->n_inputs; i++)
    if (acl->inputs[i].db && hs_alloc_scratch(acl->inputs[i].db, &s) != HS_SUCCESS) {
      hs_free_scratch(s);
      return NULL;
    }
  return s ? s : (void *)1; /* 1: no database, no scratch needed */
}

void mm__waf_hs_scratch_free(void *s) {
  if (s && s != (void *)1) hs_free_scratch(s);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx) {
  (void)from, (void)to, (void)flags;
  uint64_t *bits = ctx;
  bits[id / 64] |= (uint64_t)1 << (id % 64);
  return 0;
}

int mm__waf_hs_scan(const mm__waf_input *in, void *scratch, mm_str s, uint64_t *bits) {
  if (!in->db) return MM_OK;
  if (s.len > UINT32_MAX) s.len = UINT32_MAX;
  hs_error_t e = hs_scan(in->db, s.ptr ? s.ptr : "", (unsigned)s.len, 0, scratch, on_match, bits);
  return e == HS_SUCCESS ? MM_OK : MM_ENOMEM;
}
