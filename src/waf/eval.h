/*
 * waf/eval.h - what the evaluator's files share (module-internal): the
 * per-thread context, the per-request facts, and the input cache.
 *
 * Per request, every input (field + transformations, acl.h) is extracted
 * and transformed at most once: ctx->inputs[id] remembers the transformed
 * values for the request generation ctx->gen, and, once scanned, the bits
 * of the input's Vectorscan database that matched. Everything a request
 * allocates comes from ctx->arena, reset by the next evaluation.
 */
#ifndef MM_WAF_EVAL_H
#define MM_WAF_EVAL_H

#include "waf/acl.h"

/* How an input stands for this request. */
enum {
  MM__WAF_IN_VALUES,   /* inspect vals[0..n) */
  MM__WAF_IN_MATCH,    /* oversize/fallback says: the statement matches */
  MM__WAF_IN_NO_MATCH, /* oversize/fallback says: it does not */
};

typedef struct mm__waf_input_state {
  uint32_t gen;       /* == ctx->gen when filled for this request */
  uint8_t status;     /* MM__WAF_IN_* */
  bool scanned;       /* bits is filled */
  const mm_str *vals; /* transformed values, arena */
  size_t n;
  uint64_t *bits; /* matched pattern bits, arena */
} mm__waf_input_state;

/* A parsed name=value pair (query argument, cookie). */
typedef struct mm__waf_kv {
  mm_str name, value;
} mm__waf_kv;

struct mm_waf_ctx {
  const mm_waf_acl *acl;
  mm_waf_config cfg;
  mm_arena arena;              /* per request */
  mm__waf_scratch scratch;     /* transformation buffers */
  void *hs_scratch;            /* Vectorscan scratch for every database */
  void *pcre_md;               /* PCRE2 match data */
  mm__waf_input_state *inputs; /* acl->n_inputs */
  uint32_t gen;
  /* the request and its facts (computed lazily) */
  const mm_waf_request *req;
  mm_str path, query, fragment;
  bool has_fragment;
  mm__waf_kv *cookies;
  size_t n_cookies;
  bool cookies_done, cookies_oversize;
  mm_ip_addr client;
  bool client_ok;
  mm_waf_geo_result geo;
  bool geo_done;
  bool ja_done;
  uint32_t body_limit;
  /* results being built */
  mm_str *labels;
  size_t n_labels, cap_labels;
  mm_waf_rule_hit *hits;
  size_t n_hits, cap_hits;
  mm_waf_header *inserted;
  size_t n_inserted, cap_inserted;
  mm_waf_match_detail *details; /* of the rule being evaluated */
  size_t n_details;
  unsigned oversize;
  mm_waf_result *res;
};

/* eval_field.c */
void mm__waf_request_facts(mm_waf_ctx *ctx);
/* The input's state for this request, extracting and transforming it the
 * first time. NULL when memory runs out. */
mm__waf_input_state *mm__waf_input_get(mm_waf_ctx *ctx, uint32_t id);
/* The first header named name (case-insensitive), or NULL. */
const mm_waf_header *mm__waf_header(const mm_waf_request *r, mm_str name);
/* Cookies of the request (parsed once). */
void mm__waf_cookies(mm_waf_ctx *ctx);
/* Query arguments of q after pre-parse steps; into the arena. */
int mm__waf_query_args(mm_waf_ctx *ctx, mm_str q, const uint8_t *pre, size_t n_pre,
                       mm__waf_kv **out, size_t *n);
/* Apply chain to s into the arena (a stable copy). */
int mm__waf_transform_copy(mm_waf_ctx *ctx, const mm__waf_chain *c, mm_str s, mm_str *out);
/* JA3/JA4 strings ("" without TLS facts). */
void mm__waf_fingerprints(mm_waf_ctx *ctx);

/* eval_json.c: the values (keys and/or scalars) of a JSON body under the
 * field's MatchPattern and MatchScope. *complete is false when the body is
 * not valid JSON (values hold what came before the error). */
int mm__waf_json_values(mm_waf_ctx *ctx, const mm__waf_field *f, mm_str body, mm_str **vals,
                        size_t *n, bool *complete);

/* eval.c */
int mm__waf_add_label(mm_waf_ctx *ctx, mm_str label);

#endif /* MM_WAF_EVAL_H */
