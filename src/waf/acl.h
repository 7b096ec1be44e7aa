/*
 * waf/acl.h - the compiled form of a web ACL (module-internal).
 *
 * A web ACL is loaded (acl_load.c, acl_stmt.c, field_parse.c) into a tree
 * of rules and statements that lives in one arena owned by the mm_waf_acl,
 * then compiled (match_plan.c) into a plan:
 *
 *   inputs   every distinct (FieldToMatch, pre-parse transformations,
 *            TextTransformations) that some statement inspects gets one id.
 *            Per request, an input is extracted and transformed at most once
 *            (eval_input.c caches it by id).
 *   groups   every ByteMatch CONTAINS / CONTAINS_WORD string and every regex
 *            (RegexMatch, RegexPatternSetReference) on one input forms one
 *            Vectorscan database: the transformed values are scanned once and
 *            the matches of every pattern are recorded as bits. Patterns
 *            Vectorscan refuses run through PCRE2 with a match limit.
 *
 * Rule groups (RuleGroupReference, ManagedRuleGroup) are copied into the
 * ACL's arena when it loads, so an ACL never points into its loader.
 *
 *   statement table (acl_stmt.c): {AWS name, parse, WCU, eval}
 *   | kind                | members read                                  |
 *   | ------------------- | --------------------------------------------- |
 *   | ByteMatch           | FieldToMatch PositionalConstraint SearchString |
 *   | SqliMatch, XssMatch | FieldToMatch TextTransformations [Sensitivity] |
 *   | RegexMatch          | FieldToMatch RegexString                      |
 *   | RegexPatternSetRef. | ARN FieldToMatch                              |
 *   | IPSetReference      | ARN IPSetForwardedIPConfig                    |
 *   | GeoMatch, AsnMatch  | CountryCodes / AsnList, ForwardedIPConfig     |
 *   | SizeConstraint      | FieldToMatch ComparisonOperator Size          |
 *   | LabelMatch          | Scope Key                                     |
 *   | And, Or, Not        | Statements / Statement                        |
 *   | RateBased           | Limit EvaluationWindowSec AggregateKeyType    |
 *   | ManagedRuleGroup    | VendorName Name Version ScopeDown Excluded... |
 *   | RuleGroupReference  | ARN ExcludedRules RuleActionOverrides         |
 */
#ifndef MM_WAF_ACL_H
#define MM_WAF_ACL_H

#include "mamori/arena.h"
#include "mamori/hash.h"
#include "mamori/ip.h"
#include "mamori/waf.h"
#include "waf/limits.h"
#include "waf/transform.h"

/* ---- fields ---------------------------------------------------------------- */

typedef enum mm__waf_field_kind {
  MM__WAF_F_SINGLE_HEADER,
  MM__WAF_F_HEADERS,
  MM__WAF_F_COOKIES,
  MM__WAF_F_URI_PATH,
  MM__WAF_F_QUERY_STRING,
  MM__WAF_F_SINGLE_QUERY_ARG,
  MM__WAF_F_ALL_QUERY_ARGS,
  MM__WAF_F_BODY,
  MM__WAF_F_JSON_BODY,
  MM__WAF_F_METHOD,
  MM__WAF_F_HEADER_ORDER,
  MM__WAF_F_JA3,
  MM__WAF_F_JA4,
  MM__WAF_F_URI_FRAGMENT,
  MM__WAF_F_COUNT
} mm__waf_field_kind;

enum { MM__WAF_SCOPE_ALL, MM__WAF_SCOPE_KEY, MM__WAF_SCOPE_VALUE };
enum { MM__WAF_OVER_CONTINUE, MM__WAF_OVER_MATCH, MM__WAF_OVER_NO_MATCH };
/* JsonBody InvalidFallbackBehavior, JA3/JA4/UriFragment FallbackBehavior. */
enum { MM__WAF_FB_NONE, MM__WAF_FB_MATCH, MM__WAF_FB_NO_MATCH, MM__WAF_FB_EVAL_AS_STRING };
enum { MM__WAF_PAT_ALL, MM__WAF_PAT_INCLUDED, MM__WAF_PAT_EXCLUDED };

/* Pre-parse text transformations (waf-rule-statement-preparse-transformation
 * .html): normalize the raw query string before it is split into
 * arguments; SingleQueryArgument and AllQueryArguments only. */
typedef enum mm__waf_preparse {
  MM__WAF_PP_NONE,
  MM__WAF_PP_URL_DECODE,
  MM__WAF_PP_URL_DECODE_UNI,
  MM__WAF_PP_COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA,
  MM__WAF_PP_REPLACE_SEMICOLONS_WITH_AMPERSANDS,
  MM__WAF_PP_COUNT
} mm__waf_preparse;

typedef struct mm__waf_field {
  mm__waf_field_kind kind;
  mm_str name;         /* SingleHeader / SingleQueryArgument Name, lower-cased */
  uint8_t scope;       /* MM__WAF_SCOPE_* (Headers, Cookies, JsonBody) */
  uint8_t oversize;    /* MM__WAF_OVER_* */
  uint8_t fallback;    /* MM__WAF_FB_* */
  uint8_t pattern;     /* MM__WAF_PAT_* (Headers, Cookies, JsonBody) */
  const mm_str *names; /* included/excluded header or cookie names (lower-cased
                        * headers) or JSON Pointers; arena */
  size_t n_names;
  uint8_t preparse[MM_WAF_MAX_TEXT_TRANSFORMATIONS]; /* mm__waf_preparse, by priority */
  size_t n_preparse;
} mm__waf_field;

/* ---- statements ------------------------------------------------------------ */

typedef enum mm__waf_stmt_kind {
  MM__WAF_S_BYTE_MATCH,
  MM__WAF_S_SQLI,
  MM__WAF_S_XSS,
  MM__WAF_S_REGEX,
  MM__WAF_S_REGEX_SET,
  MM__WAF_S_IP_SET,
  MM__WAF_S_GEO,
  MM__WAF_S_ASN,
  MM__WAF_S_SIZE,
  MM__WAF_S_LABEL,
  MM__WAF_S_AND,
  MM__WAF_S_OR,
  MM__WAF_S_NOT,
  MM__WAF_S_RATE,
  MM__WAF_S_MANAGED,
  MM__WAF_S_GROUP_REF,
  MM__WAF_S_COUNT
} mm__waf_stmt_kind;

enum {
  MM__WAF_POS_EXACTLY,
  MM__WAF_POS_STARTS,
  MM__WAF_POS_ENDS,
  MM__WAF_POS_CONTAINS,
  MM__WAF_POS_CONTAINS_WORD
};
enum {
  MM__WAF_CMP_EQ,
  MM__WAF_CMP_NE,
  MM__WAF_CMP_LE,
  MM__WAF_CMP_LT,
  MM__WAF_CMP_GE,
  MM__WAF_CMP_GT
};
enum { MM__WAF_FWD_FIRST, MM__WAF_FWD_LAST, MM__WAF_FWD_ANY };

/* ForwardedIPConfig / IPSetForwardedIPConfig. */
typedef struct mm__waf_fwd {
  bool on;             /* configured: read the address from header_name */
  mm_str header;       /* HeaderName */
  bool fallback_match; /* FallbackBehavior MATCH */
  uint8_t position;    /* MM__WAF_FWD_* (IP sets only; else FIRST) */
} mm__waf_fwd;

/* A compiled regex outside Vectorscan (PCRE2), owned by the plan. */
typedef struct mm__waf_pcre mm__waf_pcre;

/* One text pattern on an input: where its match bit is, or its fallback. */
typedef struct mm__waf_pattern {
  uint32_t bit;       /* bit in the input's match set; UINT32_MAX: not grouped */
  mm__waf_pcre *pcre; /* regex Vectorscan refused, or NULL */
  mm_str text;        /* the regex (arena) */
} mm__waf_pattern;

typedef enum mm__waf_rate_key_kind {
  MM__WAF_RK_HEADER,
  MM__WAF_RK_COOKIE,
  MM__WAF_RK_QUERY_ARG,
  MM__WAF_RK_QUERY_STRING,
  MM__WAF_RK_METHOD,
  MM__WAF_RK_FORWARDED_IP,
  MM__WAF_RK_IP,
  MM__WAF_RK_LABEL_NAMESPACE,
  MM__WAF_RK_URI_PATH,
  MM__WAF_RK_JA3,
  MM__WAF_RK_JA4,
  MM__WAF_RK_ASN
} mm__waf_rate_key_kind;

typedef struct mm__waf_rate_key {
  mm__waf_rate_key_kind kind;
  mm_str name;         /* Header/Cookie/QueryArgument Name, LabelNamespace Namespace */
  mm__waf_chain chain; /* TextTransformations */
} mm__waf_rate_key;

typedef struct mm__waf_group mm__waf_group;
typedef struct mm__waf_stmt mm__waf_stmt;

/* A rule group's rule action override (RuleActionOverrides / ExcludedRules). */
typedef struct mm__waf_override {
  mm_str name;    /* the group's rule Name */
  uint8_t action; /* mm_waf_action */
  bool excluded;  /* from ExcludedRules (Count) */
} mm__waf_override;

struct mm__waf_stmt {
  mm__waf_stmt_kind kind;
  uint32_t input;      /* text statements: input id in the plan */
  uint32_t wcu;        /* this statement's capacity (children included) */
  mm__waf_field field; /* text statements */
  mm__waf_chain chain; /* TextTransformations */
  /* ByteMatch */
  uint8_t position; /* MM__WAF_POS_* */
  mm_str search;    /* the bytes searched for (decoded), arena */
  /* Sqli */
  uint8_t sensitivity; /* 0 LOW, 1 HIGH */
  /* Regex / RegexPatternSet */
  mm__waf_pattern *patterns; /* arena */
  size_t n_patterns;
  /* IPSet / Geo / Asn */
  mm_ipset *ipset; /* owned by the ACL (freed with it) */
  mm__waf_fwd fwd;
  char (*countries)[3]; /* GeoMatch CountryCodes, arena */
  size_t n_countries;
  uint32_t *asns; /* AsnMatch AsnList, arena */
  size_t n_asns;
  /* SizeConstraint */
  uint8_t cmp; /* MM__WAF_CMP_* */
  uint64_t size;
  /* LabelMatch */
  bool namespace_scope; /* Scope NAMESPACE */
  mm_str key;           /* Key (NAMESPACE: ends with ':') */
  /* And / Or / Not, and scope-down (children[0]) */
  mm__waf_stmt **children;
  size_t n_children;
  mm__waf_stmt *scope_down; /* RateBased, ManagedRuleGroup */
  /* RateBased */
  uint64_t limit;
  uint32_t window; /* seconds */
  uint8_t agg;     /* 0 IP, 1 FORWARDED_IP, 2 CONSTANT, 3 CUSTOM_KEYS */
  mm__waf_rate_key *keys;
  size_t n_keys;
  uint32_t rate_id; /* distinguishes this rule's counters */
  /* ManagedRuleGroup / RuleGroupReference */
  const mm__waf_group *group;
  mm__waf_override *overrides;
  size_t n_overrides;
  mm_str group_id; /* "AWS#Name" or the ARN, for the log */
};

/* ---- rules ------------------------------------------------------------------- */

typedef struct mm__waf_rule {
  mm_str name;
  uint32_t priority;
  mm__waf_stmt *stmt;
  uint8_t action;      /* mm_waf_action (Action), or MM_WAF_COUNT for OverrideAction Count */
  bool override_count; /* OverrideAction {"Count":{}} on a group rule */
  const mm_waf_header *insert; /* CustomRequestHandling.InsertHeaders (prefixed) */
  size_t n_insert;
  uint16_t response_code; /* CustomResponse.ResponseCode, 0 = none */
  mm_str body;            /* resolved CustomResponseBodyKey content */
  mm_str content_type;
  const mm_waf_header *resp_headers;
  size_t n_resp_headers;
  const mm_str *labels; /* fully qualified RuleLabels */
  size_t n_labels;
  uint32_t immunity; /* Captcha/Challenge immunity seconds */
  uint32_t wcu;
} mm__waf_rule;

struct mm__waf_group {
  mm_str name;
  mm_str arn;
  mm_str vendor;       /* managed: VendorName, else empty */
  mm_str label_ns;     /* "awswaf:...:rulegroup:<name>:" */
  uint32_t capacity;   /* declared Capacity */
  mm__waf_rule *rules; /* by priority */
  size_t n_rules;
  bool managed;
};

/* ---- the ACL and its plan ----------------------------------------------------- */

/* One distinct input (field + transformations) and its pattern group. */
typedef struct mm__waf_input {
  const mm__waf_field *field;
  const mm__waf_chain *chain;
  void *db;         /* hs_database_t * of its grouped patterns, or NULL */
  mm_str *hs_exprs; /* the expressions in db (for diagnostics) */
  uint32_t n_bits;  /* patterns grouped */
} mm__waf_input;

struct mm_waf_acl {
  mm_arena arena; /* every node, string and copied group */
  mm_str name, arn, id, account;
  mm_str label_ns;     /* "awswaf:<account>:webacl:<name>:" */
  mm__waf_rule *rules; /* by priority */
  size_t n_rules;
  uint8_t default_action;    /* MM_WAF_ALLOW or MM_WAF_BLOCK */
  mm__waf_rule default_rule; /* its custom handling/response */
  uint32_t body_limit;       /* AssociationConfig inspection limit, bytes */
  uint32_t captcha_immunity, challenge_immunity;
  uint32_t capacity;
  mm__waf_input *inputs;
  size_t n_inputs, cap_inputs;
  mm_ipset **ipsets; /* owned, freed with the ACL */
  size_t n_ipsets, cap_ipsets;
  mm__waf_pcre **pcres; /* owned */
  size_t n_pcres, cap_pcres;
  uint32_t n_rate; /* rate-based statements */
  bool needs_geo;
};

/* ---- the loader ----------------------------------------------------------------- */

typedef struct mm__waf_ipset_src {
  mm_str arn, name;
  const mm_str *addrs;
  size_t n;
} mm__waf_ipset_src;

typedef struct mm__waf_regex_src {
  mm_str arn, name;
  const mm_str *regexes;
  size_t n;
} mm__waf_regex_src;

/* A RuleGroup as added: its JSON, parsed when an ACL references it. */
typedef struct mm__waf_group_src {
  mm_str arn, name;
  const mm_json_value *json; /* the RuleGroup object, in the loader's arena */
} mm__waf_group_src;

struct mm_waf_loader {
  mm_arena arena;
  unsigned flags;
  char *managed_dir; /* mm_malloc'd or NULL */
  mm__waf_ipset_src *ipsets;
  size_t n_ipsets, cap_ipsets;
  mm__waf_regex_src *regexes;
  size_t n_regexes, cap_regexes;
  mm__waf_group_src *groups;
  size_t n_groups, cap_groups;
};

/* ---- shared between the files ------------------------------------------------- */

/* Parsing context: the ACL being built, the loader, and where we are. */
typedef struct mm__waf_parse {
  mm_waf_acl *acl;
  mm_waf_loader *loader;
  mm_error *err;
  const mm__waf_group *group;  /* rule group being parsed, or NULL (web ACL) */
  const mm_json_value *bodies; /* CustomResponseBodies of the current entity */
  uint32_t depth;              /* statement nesting */
  uint32_t group_depth;        /* rule groups being loaded (a group cannot nest one) */
} mm__waf_parse;

/* A JSON path being built: "$.Rules[2].Statement". */
typedef struct mm__waf_path {
  char buf[MM_ERROR_PATH_MAX];
  size_t len;
} mm__waf_path;

size_t mm__waf_path_push(mm__waf_path *p, const char *member);
size_t mm__waf_path_index(mm__waf_path *p, size_t i);
static inline void mm__waf_path_pop(mm__waf_path *p, size_t mark) {
  p->len = mark;
  p->buf[mark] = '\0';
}
/* Fail with code, message and path; returns code. */
int mm__waf_fail(mm__waf_parse *ps, const mm__waf_path *path, int code, const char *fmt, ...)
    MM_PRINTF(4, 5);

/* Members of obj must all be in allowed (NULL-terminated); MM_EINVAL at the
 * first unknown one. */
int mm__waf_check_members(mm__waf_parse *ps, const mm_json_value *obj, mm__waf_path *path,
                          const char *const *allowed);
/* Helpers that read one member, failing with a path. */
int mm__waf_get_string(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                       mm__waf_path *path, bool required, mm_str *out);
int mm__waf_get_uint(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                     mm__waf_path *path, bool required, uint64_t min, uint64_t max, uint64_t *out);
/* Index of the string member in names[] (NULL-terminated). */
int mm__waf_get_enum(mm__waf_parse *ps, const mm_json_value *obj, const char *member,
                     mm__waf_path *path, const char *const *names, bool required, int *out);
mm_str mm__waf_dup(mm__waf_parse *ps, mm_str s);

/* field_parse.c */
int mm__waf_field_parse(mm__waf_parse *ps, const mm_json_value *stmt, mm__waf_path *path,
                        mm__waf_field *f);
bool mm__waf_field_equal(const mm__waf_field *a, const mm__waf_field *b);
const char *mm__waf_field_location(const mm__waf_field *f);

/* acl_load.c: an Action object ({"Block": {...}}) into r->action and its
 * custom handling; "awswaf:<account>:<kind>:<name>:" into *out. */
int mm__waf_action_parse(mm__waf_parse *ps, const mm_json_value *a, mm__waf_path *path,
                         mm__waf_rule *r);
int mm__waf_make_label_ns(mm__waf_parse *ps, mm_str account, const char *kind, mm_str name,
                          mm_str *out);

/* acl_stmt.c */
int mm__waf_stmt_parse(mm__waf_parse *ps, const mm_json_value *v, mm__waf_path *path,
                       mm__waf_stmt **out);
/* acl_load.c: a rule list ("Rules") of the ACL or a group. */
int mm__waf_rules_parse(mm__waf_parse *ps, const mm_json_value *rules, mm__waf_path *path,
                        bool in_group, mm__waf_rule **out, size_t *n);
/* acl_sets.c: resolve ARNs and managed groups. */
const mm__waf_ipset_src *mm__waf_loader_ipset(const mm_waf_loader *l, mm_str arn);
const mm__waf_regex_src *mm__waf_loader_regex(const mm_waf_loader *l, mm_str arn);
int mm__waf_loader_group(mm__waf_parse *ps, mm_str arn, mm__waf_path *path,
                         const mm__waf_group **out);
int mm__waf_loader_managed(mm__waf_parse *ps, mm_str vendor, mm_str name, mm_str version,
                           mm__waf_path *path, const mm__waf_group **out);
/* Unwrap {"WebACL": {...}} etc.: the inner object, or v itself. */
const mm_json_value *mm__waf_unwrap(const mm_json_value *v, const char *wrapper);

/* match_regex.c */
/* Check re against AWS WAF's regex dialect (no backreferences, lookaround,
 * atomic groups, possessive quantifiers, recursion, conditionals, \C \R \K,
 * callouts, backtracking verbs) and PCRE2 syntax. MM_OK or MM_EINVAL with a
 * message naming the construct. */
int mm__waf_regex_check(mm_str re, char *why, size_t why_size);
/* Build every input's Vectorscan database; move refused patterns to PCRE2. */
int mm__waf_plan_compile(mm_waf_acl *acl, mm_error *err);
void mm__waf_plan_free(mm_waf_acl *acl);
/* Intern (field, chain) as an input id. */
int mm__waf_input_intern(mm_waf_acl *acl, const mm__waf_field *f, const mm__waf_chain *c,
                         uint32_t *id);
/* Run a PCRE2 fallback on s: true on a match (the match limit counts as no
 * match). */
bool mm__waf_pcre_match(const mm__waf_pcre *p, mm_str s, void *match_data);
void *mm__waf_pcre_match_data_new(void);
void mm__waf_pcre_match_data_free(void *md);
/* Scratch for scanning every database of acl (hs_scratch_t *), or NULL. */
void *mm__waf_hs_scratch_new(const mm_waf_acl *acl);
void mm__waf_hs_scratch_free(void *s);
/* Scan s with input in's database, setting bits[pattern] for each match. */
int mm__waf_hs_scan(const mm__waf_input *in, void *scratch, mm_str s, uint64_t *bits);

/* wcu.c */
uint32_t mm__waf_stmt_wcu(const mm__waf_stmt *s);

/* token.c */
void mm__waf_hmac_sha256(mm_str key, mm_str msg, uint8_t out[32]);
/* "TOKEN_MISSING", "TOKEN_EXPIRED", "TOKEN_INVALID", "TOKEN_DOMAIN_MISMATCH"
 * or NULL when tok is valid for (ip, host) at now with the captcha (or
 * challenge) timestamp within immunity seconds. */
const char *mm__waf_token_check(mm_str key, mm_str tok, mm_str ip, mm_str host, int64_t now,
                                uint32_t immunity, bool captcha);

#endif /* MM_WAF_ACL_H */
