/*
 * iam_int.h - what the files of src/iam/ share: the compiled policy, the
 * condition operator table, templates for policy variables and the
 * evaluation context.
 *
 * The grammar compiled (IAM JSON policy element reference, "Grammar of the
 * IAM JSON policy language"):
 *
 *   policy     = { "Version"?: "2012-10-17" | "2008-10-17", "Id"?: string,
 *                  "Statement": statement | [ statement, ... ] }
 *   statement  = { "Sid"?: string, "Effect": "Allow" | "Deny",
 *                  ("Principal" | "NotPrincipal")?: principal,
 *                  ("Action" | "NotAction"): string | [string, ...],
 *                  ("Resource" | "NotResource")?: string | [string, ...],
 *                  "Condition"?: { operator: { key: value | [value, ...] } } }
 *   principal  = "*" | { ("AWS" | "Service" | "Federated" | "CanonicalUser"):
 *                        string | [string, ...] }
 *   operator   = ("ForAllValues:" | "ForAnyValue:")? name ("IfExists")?
 *   value      = string | number | boolean
 *
 * Layout. A compiled policy is one arena holding an array of statements;
 * each statement holds arrays of patterns (Action, Resource), principal
 * entries and conditions; each condition points at its operator's row in
 * mm__iam_operators[] and holds its parsed values. Nothing is computed
 * lazily, so a compiled policy is read-only after compile.
 *
 * Templates. A value with policy variables (Version 2012-10-17 only) is a
 * list of parts: literal text, a variable ${key} or ${key, 'default'}, or an
 * escaped character (${*} ${?} ${$}). At evaluation it is expanded into a
 * stack buffer; for wildcard matching the expansion is written in the glob
 * module's escape dialect so that a substituted value, ${*} and ${?} match
 * literally while the policy's own * and ? stay wildcards.
 */
#ifndef MAMORI_IAM_INT_H
#define MAMORI_IAM_INT_H

#include "mamori/arena.h"
#include "mamori/glob.h"
#include "mamori/iam.h"
#include "mamori/ip.h"
#include "mamori/time.h"

#include "iam_limits.h"

/* ---- templates (variables.c) ------------------------------------------------ */

typedef enum mm__iam_part_kind {
  MM__IAM_PART_TEXT = 0, /* literal text of the policy */
  MM__IAM_PART_VAR = 1,  /* ${key} or ${key, 'default'} */
  MM__IAM_PART_CHAR = 2  /* ${*} ${?} ${$}: one literal character */
} mm__iam_part_kind;

typedef struct mm__iam_part {
  mm__iam_part_kind kind; /* what the part is */
  mm_str text;            /* TEXT: the bytes; VAR: the key; CHAR: the character */
  mm_str dflt;            /* VAR with a default: its value, quotes undone */
  bool has_default;       /* VAR: a default was given */
} mm__iam_part;

typedef struct mm__iam_tmpl {
  const mm__iam_part *parts; /* count parts, in the policy's arena */
  size_t count;
} mm__iam_tmpl;

/* Split text into a template when it holds a variable; *out stays NULL when
 * it holds none. MM_OK, MM_EINVAL (malformed ${...}) or MM_ENOMEM. */
int mm__iam_tmpl_parse(mm_arena *a, mm_str text, const mm__iam_tmpl **out, mm_error *err);

struct mm__iam_eval;
/* Expand t into buf. glob: write the glob escape dialect (policy text keeps
 * its wildcards, substitutions are escaped). MM_OK, MM_ENOENT (a variable
 * without value or default: *missing names it), MM_ELIMIT. */
int mm__iam_tmpl_expand(const struct mm__iam_eval *ev, const mm__iam_tmpl *t, bool glob, char *buf,
                        size_t size, size_t *len, mm_str *missing);

/* Match text against an expansion written in the glob escape dialect
 * (ARN components when arn): 1, 0 or a negative mm_status. */
int mm__iam_match_expansion(mm_str pattern, mm_str text, bool arn);

/* ---- patterns (Action, Resource) ----------------------------------------------- */

typedef struct mm__iam_pattern {
  mm_str text;    /* as written */
  mm_str service; /* Action: its literal service prefix ("s3"), a cheap first test; else empty */
  const mm_glob *glob;      /* compiled, when the text has no variable */
  const mm__iam_tmpl *tmpl; /* when it has one (compiled per evaluation) */
} mm__iam_pattern;

/* ---- principals (principal.c) ---------------------------------------------------- */

typedef enum mm__iam_principal_kind {
  MM__IAM_P_ANY = 0,       /* "*" or {"AWS": "*"} */
  MM__IAM_P_AWS = 1,       /* account id, root/user/role/session ARN */
  MM__IAM_P_SERVICE = 2,   /* "s3.amazonaws.com" */
  MM__IAM_P_FEDERATED = 3, /* "cognito-identity.amazonaws.com", SAML provider ARN */
  MM__IAM_P_CANONICAL = 4  /* S3 canonical user id */
} mm__iam_principal_kind;

typedef struct mm__iam_principal_entry {
  mm__iam_principal_kind kind; /* which map key it came from */
  mm_str value;                /* as written; for an account, the 12 digits */
  bool account;                /* AWS: names a whole account (id or :root ARN) */
} mm__iam_principal_entry;

/* How a resource policy's Principal named the caller: the AWS page on
 * permissions boundaries gives each a different effect. Ordered: a larger
 * value grants more directly. */
typedef enum mm__iam_match {
  MM__IAM_MATCH_NONE = 0,    /* not named */
  MM__IAM_MATCH_ACCOUNT = 1, /* its account: delegates to the account's identity policies */
  MM__IAM_MATCH_ROLE = 2,    /* the role of a role session: limited by boundary and session */
  MM__IAM_MATCH_DIRECT = 3   /* the caller itself (user, session, service, "*") */
} mm__iam_match;

int mm__iam_principal_parse(mm_arena *a, const mm_json_value *v, bool *any_out,
                            mm__iam_principal_entry **out, size_t *count, char *path,
                            size_t path_len, mm_error *err);

/* ---- numbers ------------------------------------------------------------------------ */

/* An exact decimal: value = (neg ? -1 : 1) * 0.digits * 10^exp; digits has
 * no leading or trailing zero; zero has ndigits 0. */
typedef struct mm__iam_decimal {
  bool neg;                              /* negative (never for zero) */
  uint8_t ndigits;                       /* significant digits */
  int32_t exp;                           /* decimal exponent */
  char digits[MM_IAM_MAX_NUMBER_DIGITS]; /* ASCII digits */
} mm__iam_decimal;

/* Parse [-+]digits[.digits][(e|E)[-+]digits]; false when malformed or too long. */
bool mm__iam_decimal_parse(mm_str s, mm__iam_decimal *out);
int mm__iam_decimal_cmp(const mm__iam_decimal *a, const mm__iam_decimal *b);

/* ---- conditions (condition.c, operators.c) ------------------------------------------ */

/* One parsed condition value. */
typedef struct mm__iam_value {
  mm_str text;              /* as written (a number's raw text, "true" for a JSON bool) */
  const mm__iam_tmpl *tmpl; /* variables (String and Arn operators only) */
  union {
    const mm_glob *glob;  /* StringLike, Arn*: compiled when no variables */
    mm__iam_decimal *num; /* Numeric* */
    mm_time time;         /* Date* */
    mm_cidr cidr;         /* IpAddress, NotIpAddress */
    mm_str bytes;         /* BinaryEquals: decoded base64 */
    bool flag;            /* Bool, Null */
  } u;
} mm__iam_value;

struct mm__iam_op;

/* The positive comparison of one context value with one policy value:
 * 1 match, 0 no match, MM_ETYPE (the context value has the wrong form) or
 * MM_ENOENT (a policy variable has no value), which make the condition
 * false, or another negative status (MM_ELIMIT, MM_ENOMEM): an evaluation
 * error, which denies the request (mm__iam_soft_failure tells them apart). */
typedef int (*mm__iam_op_eval)(const struct mm__iam_eval *ev, const struct mm__iam_op *op,
                               const mm__iam_value *pv, mm_str cv);
/* Parse a policy value of this operator (v->text is set). */
typedef int (*mm__iam_op_parse)(mm_arena *a, const struct mm__iam_op *op, bool variables,
                                mm__iam_value *v, mm_error *err);

/* One row of the operator table (STYLE.md 10). Negated operators share the
 * positive row's parse and eval; the evaluator applies the negation. */
typedef struct mm__iam_op {
  const char *name;       /* "StringEquals" */
  const char *doc;        /* anchor on the condition operators page */
  mm__iam_op_parse parse; /* policy value -> compiled value */
  mm__iam_op_eval eval;   /* positive comparison */
  bool negated;           /* StringNotEquals, NotIpAddress ...: the result is inverted */
  bool if_exists_ok;      /* ...IfExists allowed (all but Null) */
  bool is_null;           /* Null: tests presence, not values */
  int arg;                /* operator-specific: comparison kind, flags */
} mm__iam_op;

extern const mm__iam_op mm__iam_operators[];
extern const size_t mm__iam_operator_count;
const mm__iam_op *mm__iam_operator_find(mm_str name);

typedef enum mm__iam_qualifier {
  MM__IAM_Q_NONE = 0,    /* single-valued semantics */
  MM__IAM_Q_FOR_ALL = 1, /* ForAllValues: */
  MM__IAM_Q_FOR_ANY = 2  /* ForAnyValue: */
} mm__iam_qualifier;

typedef struct mm__iam_cond {
  const mm__iam_op *op;        /* row of mm__iam_operators */
  mm__iam_qualifier qualifier; /* set operator */
  bool if_exists;              /* ...IfExists */
  mm_str op_text;              /* operator as written, for explanations */
  mm_str key;                  /* context key as written */
  const mm__iam_value *values; /* count values */
  size_t count;
} mm__iam_cond;

int mm__iam_condition_parse(mm_arena *a, const mm_json_value *v, bool variables, mm__iam_cond **out,
                            size_t *count, char *path, size_t path_len, mm_error *err);

/* ---- statements and policies (policy.c) --------------------------------------------- */

typedef struct mm__iam_stmt {
  mm_str sid;                     /* Sid or empty */
  uint32_t index;                 /* position in Statement */
  bool allow;                     /* Effect */
  bool not_action;                /* NotAction instead of Action */
  bool has_resource;              /* Resource or NotResource present */
  bool not_resource;              /* NotResource */
  bool has_principal;             /* Principal or NotPrincipal present */
  bool not_principal;             /* NotPrincipal */
  bool principal_any;             /* "*" among the principals */
  const mm__iam_pattern *actions; /* n_actions */
  size_t n_actions;
  const mm__iam_pattern *resources; /* n_resources */
  size_t n_resources;
  const mm__iam_principal_entry *principals; /* n_principals (without "*") */
  size_t n_principals;
  const mm__iam_cond *conds; /* n_conds */
  size_t n_conds;
} mm__iam_stmt;

struct mm_iam_policy {
  mm_arena arena;      /* owns everything below */
  const char *name;    /* for explanations */
  mm_iam_kind kind;    /* compile-time kind, or NONE */
  bool variables;      /* Version 2012-10-17: ${...} are variables */
  bool has_allow;      /* some statement allows */
  mm__iam_stmt *stmts; /* n statements */
  size_t n;
};

/* ---- paths ------------------------------------------------------------------------- */

/* Append ".name" or "[\"name\"]" or "[i]" to path (NUL-terminated, of
 * MM_ERROR_PATH_MAX bytes) and return the previous length to restore. */
size_t mm__iam_path_key(char *path, size_t size, const char *key, size_t len);
size_t mm__iam_path_index(char *path, size_t size, size_t i);
/* Fill err with code, path and a message. Returns code. */
/* Copy in into the arena (NUL-terminated); MM_OK or MM_ENOMEM. */
int mm__iam_dup(mm_arena *a, mm_str in, mm_str *out);
int mm__iam_fail(mm_error *err, int code, const char *path, const char *fmt, ...) MM_PRINTF(4, 5);

/* ---- evaluation (eval.c, context.c) ------------------------------------------------- */

#define MM__IAM_DERIVED_MAX 16

typedef struct mm__iam_eval {
  const mm_iam_request *req; /* the request; borrowed */
  mm_str account;            /* the principal's account */
  mm_str resource_account;   /* the resource's account (defaults to the principal's) */
  mm_str role_arn;           /* ROLE: the role's ARN; else empty */
  mm_str service;            /* the action\'s service prefix ("s3" of "s3:GetObject") */
  bool boundary_present;     /* the principal has a permissions boundary */
  mm_json_writer *w;         /* explanation writer, or NULL */
  int status;                /* first error met; forces a deny */
  bool shadow; /* checking only for the explanation (the answer is known): errors do not count */
  size_t n_derived;                                  /* entries in derived */
  mm_iam_context_entry derived[MM__IAM_DERIVED_MAX]; /* keys computed from the request */
  mm_str derived_values[MM__IAM_DERIVED_MAX];        /* their single values */
  char role_buf[MM_IAM_MAX_ARN];                     /* storage for a derived role ARN */
} mm__iam_eval;

/* Whether a negative comparison result only makes its element not match
 * (MM_ETYPE, MM_ENOENT); otherwise it is recorded in ev->status. */
bool mm__iam_soft_failure(mm__iam_eval *ev, int rc);

/* Prepare ev for req: derived keys (aws:PrincipalArn ...), accounts. */
int mm__iam_eval_init(mm__iam_eval *ev, const mm_iam_request *req, const mm_iam_policies *pol);
/* The values of key (case-insensitive), or NULL when absent. */
const mm_iam_context_entry *mm__iam_lookup(const mm__iam_eval *ev, mm_str key);

/* Outcome of one policy for one request. */
typedef struct mm__iam_policy_result {
  bool deny;                 /* a Deny statement applied */
  bool allow;                /* an Allow statement applied */
  mm__iam_match allow_match; /* resource-like kinds: how the best Allow named the caller */
} mm__iam_policy_result;

/* Evaluate every statement of p as a policy of kind `as`. */
void mm__iam_policy_eval(mm__iam_eval *ev, const mm_iam_policy *p, mm_iam_kind as,
                         const char *label, mm__iam_policy_result *out);
/* Does the statement's condition block hold (all of its conditions)? */
bool mm__iam_conditions_hold(mm__iam_eval *ev, const mm__iam_stmt *s);
/* How the statement's Principal/NotPrincipal names the caller. */
mm__iam_match mm__iam_principal_match(const mm__iam_eval *ev, const mm__iam_stmt *s);

#endif /* MAMORI_IAM_INT_H */
