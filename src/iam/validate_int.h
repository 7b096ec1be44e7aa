/*
 * validate_int.h - what the files of the policy validator share
 * (validate.c, validate_checks.c, validate_statement.c, validate_arn.c,
 * validate_condition.c, validate_principal.c, validate_output.c).
 *
 * The validator lints a policy document as IAM Access Analyzer's
 * ValidatePolicy does, with the issue codes of "IAM policy validation check
 * reference" (access-analyzer-reference-policy-checks.html). It never
 * compiles the policy: it walks the parsed document and reports, so that one
 * bad element does not hide the findings of the others.
 *
 * The source tree. mm_json keeps no positions, so validate.c scans the
 * (already valid) text once more and records every value's byte span, in
 * document order, then pairs the spans with the DOM nodes walked in the
 * same order:
 *
 *   vnode { v: DOM value, key: member name, [start, end): value span,
 *           [kstart, kend): member name span (quotes included),
 *           kids[n]: elements or members, parent, index in parent }
 *
 * A finding's location is a vnode (its value, or its key when at_key), from
 * which the path (Access Analyzer's path elements) and the span (line,
 * column, offset) are derived.
 */
#ifndef MAMORI_IAM_VALIDATE_INT_H
#define MAMORI_IAM_VALIDATE_INT_H

#include "mamori/arena.h"
#include "mamori/iam.h"

#include "iam_limits.h"

/* ---- limits (STYLE.md 6; kept here with the validator they bound) ------------- */

/* Bytes of a document the validator reads: 1 MiB. Larger than the compiler's
 * 128 KiB so that an oversized policy still gets its findings (a quota
 * finding among them); beyond it the document is one JSON_SYNTAX_ERROR. */
#ifndef MM_IAM_VALIDATE_MAX_SIZE
#define MM_IAM_VALIDATE_MAX_SIZE ((size_t)1 << 20)
#endif

/* Findings kept for one document: 1000. A hostile policy of 10,000 bad
 * actions would otherwise produce 10,000 findings; the rest are counted. */
#ifndef MM_IAM_VALIDATE_MAX_FINDINGS
#define MM_IAM_VALIDATE_MAX_FINDINGS 1000
#endif

/* Actions a wildcard may expand to when the validator asks the catalog which
 * services it touches (tag-key support): 30,000, above the 22,000 actions AWS
 * has today, so "*" is answered in full. */
#ifndef MM_IAM_VALIDATE_MAX_EXPANSION
#define MM_IAM_VALIDATE_MAX_EXPANSION 30000
#endif

/* Entries compared pairwise for REDUNDANT_ACTION / REDUNDANT_RESOURCE /
 * REDUNDANT_STATEMENT: 256 per element. The comparison is quadratic; past
 * this the redundancy suggestions are skipped, never the other checks. */
#ifndef MM_IAM_VALIDATE_MAX_PAIRWISE
#define MM_IAM_VALIDATE_MAX_PAIRWISE 256
#endif

/* Catalog work for one document, in action lookups: 5,000,000. The checks
 * that pair every condition key with every action of its statement
 * (UNSUPPORTED_ACTION_FOR_CONDITION_KEY, the tag-support findings, which
 * expand wildcards) are skipped once a hostile document has used it up; the
 * grammar checks never are. A normal policy uses a few thousand. */
#ifndef MM_IAM_VALIDATE_MAX_WORK
#define MM_IAM_VALIDATE_MAX_WORK 5000000
#endif

/* ---- the check table ------------------------------------------------------------ */

/* X(CODE, TYPE, title, anchor): every issue code mamori implements, in the
 * order of the AWS page; anchor follows "access-analyzer-reference-policy-
 * checks-" on that page. */
/* clang-format off */
#define MM__IAM_CHECKS(X) \
  X(ARN_ACCOUNT_NOT_ALLOWED, ERROR, "ARN account not allowed", "error-arn-account-not-allowed") \
  X(ARN_REGION_NOT_ALLOWED, ERROR, "ARN Region not allowed", "error-arn-region-not-allowed") \
  X(DATA_TYPE_MISMATCH, ERROR, "Data type mismatch", "error-data-type-mismatch") \
  X(DUPLICATE_KEYS_WITH_DIFFERENT_CASE, ERROR, "Duplicate keys with different case", "error-duplicate-keys-with-different-case") \
  X(INVALID_ACTION, ERROR, "Invalid action", "error-invalid-action") \
  X(INVALID_ARN_ACCOUNT, ERROR, "Invalid ARN account", "error-invalid-arn-account") \
  X(INVALID_ARN_PREFIX, ERROR, "Invalid ARN prefix", "error-invalid-arn-prefix") \
  X(INVALID_ARN_REGION, ERROR, "Invalid ARN Region", "error-invalid-arn-region") \
  X(INVALID_ARN_RESOURCE, ERROR, "Invalid ARN resource", "error-invalid-arn-resource") \
  X(INVALID_ARN_SERVICE_CASE, ERROR, "Invalid ARN service case", "error-invalid-arn-service-case") \
  X(INVALID_CONDITION_DATA_TYPE, ERROR, "Invalid condition data type", "error-invalid-condition-data-type") \
  X(INVALID_CONDITION_KEY_FORMAT, ERROR, "Invalid condition key format", "error-invalid-condition-key-format") \
  X(INVALID_CONDITION_MULTIPLE_BOOLEAN, ERROR, "Invalid condition multiple Boolean", "error-invalid-condition-multiple-boolean") \
  X(INVALID_CONDITION_OPERATOR, ERROR, "Invalid condition operator", "error-invalid-condition-operator") \
  X(INVALID_EFFECT, ERROR, "Invalid effect", "error-invalid-effect") \
  X(INVALID_GLOBAL_CONDITION_KEY, ERROR, "Invalid global condition key", "error-invalid-global-condition-key") \
  X(INVALID_PARTITION, ERROR, "Invalid partition", "error-invalid-partition") \
  X(INVALID_POLICY_ELEMENT, ERROR, "Invalid policy element", "error-invalid-policy-element") \
  X(INVALID_PRINCIPAL_FORMAT, ERROR, "Invalid principal format", "error-invalid-principal-format") \
  X(INVALID_PRINCIPAL_KEY, ERROR, "Invalid principal key", "error-invalid-principal-key") \
  X(INVALID_REGION, ERROR, "Invalid Region", "error-invalid-region") \
  X(INVALID_SERVICE, ERROR, "Invalid service", "error-invalid-service") \
  X(INVALID_SERVICE_CONDITION_KEY, ERROR, "Invalid service condition key", "error-invalid-service-condition-key") \
  X(INVALID_SERVICE_IN_ACTION, ERROR, "Invalid service in action", "error-invalid-service-in-action") \
  X(INVALID_VARIABLE_FOR_OPERATOR, ERROR, "Invalid variable for operator", "error-invalid-variable-for-operator") \
  X(INVALID_VERSION, ERROR, "Invalid version", "error-invalid-version") \
  X(JSON_SYNTAX_ERROR, ERROR, "Json syntax error", "error-json-syntax-error") \
  X(MISSING_ACTION, ERROR, "Missing action", "error-missing-action") \
  X(MISSING_ARN_FIELD, ERROR, "Missing ARN field", "error-missing-arn-field") \
  X(MISSING_ARN_REGION, ERROR, "Missing ARN Region", "error-missing-arn-region") \
  X(MISSING_EFFECT, ERROR, "Missing effect", "error-missing-effect") \
  X(MISSING_PRINCIPAL, ERROR, "Missing principal", "error-missing-principal") \
  X(MISSING_QUALIFIER, ERROR, "Missing qualifier", "error-missing-qualifier") \
  X(MISSING_RESOURCE, ERROR, "Missing resource", "error-missing-resource") \
  X(MISSING_STATEMENT, ERROR, "Missing statement", "error-missing-statement") \
  X(NULL_WITH_IF_EXISTS, ERROR, "Null with if exists", "error-null-with-if-exists") \
  X(SCP_SYNTAX_ERROR_ACTION_WILDCARD, ERROR, "SCP syntax error action wildcard", "error-scp-syntax-error-action-wildcard") \
  X(SCP_SYNTAX_ERROR_PRINCIPAL, ERROR, "SCP syntax error principal", "error-scp-syntax-error-principal") \
  X(UNIQUE_SIDS_REQUIRED, ERROR, "Unique Sids required", "error-unique-sids-required") \
  X(UNSUPPORTED_ELEMENT_COMBINATION, ERROR, "Unsupported element combination", "error-unsupported-element-combination") \
  X(UNSUPPORTED_GLOBAL_CONDITION_KEY, ERROR, "Unsupported global condition key", "error-unsupported-global-condition-key") \
  X(UNSUPPORTED_PRINCIPAL, ERROR, "Unsupported principal", "error-unsupported-principal") \
  X(UNSUPPORTED_SID, ERROR, "Unsupported Sid", "error-unsupported-sid") \
  X(UNSUPPORTED_WILDCARD_IN_PRINCIPAL, ERROR, "Unsupported wildcard in principal", "error-unsupported-wildcard-in-principal") \
  X(MISSING_BRACE_IN_VARIABLE, ERROR, "Missing brace in variable", "error-missing-brace-in-variable") \
  X(MISSING_QUOTE_IN_VARIABLE, ERROR, "Missing quote in variable", "error-missing-quote-in-variable") \
  X(UNSUPPORTED_SPACE_IN_VARIABLE, ERROR, "Unsupported space in variable", "error-unsupported-space-in-variable") \
  X(EMPTY_VARIABLE, ERROR, "Empty variable", "error-empty-variable") \
  X(VARIABLE_UNSUPPORTED_IN_ELEMENT, ERROR, "Variable unsupported in element", "error-variable-unsupported-in-element") \
  X(VARIABLE_UNSUPPORTED_IN_VERSION, ERROR, "Variable unsupported in version", "error-variable-unsupported-in-version") \
  X(PRIVATE_IP_ADDRESS, ERROR, "Private IP address", "error-private-ip-address") \
  X(PRIVATE_NOT_IP_ADDRESS, ERROR, "Private NotIpAddress", "error-private-not-ip-address") \
  X(POLICY_SIZE_EXCEEDS_SCP_QUOTA, ERROR, "Policy size exceeds SCP quota", "error-policy-size-exceeds-scp-quota") \
  X(INVALID_SERVICE_PRINCIPAL_FORMAT, ERROR, "Invalid service principal format", "error-invalid-service-principal-format") \
  X(MISSING_TAG_KEY_IN_CONDITION, ERROR, "Missing tag key in condition", "error-missing-tag-key-in-condition") \
  X(INVALID_VPC_FORMAT, ERROR, "Invalid vpc format", "error-invalid-vpc-format") \
  X(INVALID_VPCE_FORMAT, ERROR, "Invalid vpce format", "error-invalid-vpce-format") \
  X(FEDERATED_PRINCIPAL_NOT_SUPPORTED, ERROR, "Federated principal not supported", "error-federated-principal-not-supported") \
  X(UNSUPPORTED_ACTION_FOR_CONDITION_KEY, ERROR, "Unsupported action for condition key", "error-unsupported-action-for-condition-key") \
  X(ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL, ERROR, "Role trust policy syntax error notprincipal", "error-role-trust-policy-syntax-error-notprincipal") \
  X(ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, ERROR, "Role trust policy unsupported wildcard in principal", "error-role-trust-policy-unsupported-wildcard-in-principal") \
  X(ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE, ERROR, "Role trust policy syntax error resource", "error-role-trust-policy-syntax-error-resource") \
  X(TYPE_MISMATCH_IP_RANGE, ERROR, "Type mismatch IP range", "error-type-mismatch-ip-range") \
  X(INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY, ERROR, "Invalid federated principal syntax in role trust policy", "error-invalid-federated-principal-syntax-in-role-trust-policy") \
  X(MISMATCHED_ACTION_FOR_PRINCIPAL, ERROR, "Mismatched action for principal", "error-mismatched-action-for-principal") \
  X(MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY, ERROR, "Missing action for roles anywhere trust policy", "error-missing-action-for-roles-anywhere-trust-policy") \
  X(POLICY_SIZE_EXCEEDS_RCP_QUOTA, ERROR, "Policy size exceeds RCP quota", "error-policy-size-exceeds-rcp-quota") \
  X(RCP_SYNTAX_ERROR_PRINCIPAL, ERROR, "RCP syntax error principal", "error-rcp-syntax-error-principal") \
  X(RCP_SYNTAX_ERROR_ALLOW, ERROR, "RCP syntax error allow", "error-rcp-syntax-error-allow") \
  X(RCP_SYNTAX_ERROR_NOTACTION, ERROR, "RCP syntax error NotAction", "error-rcp-syntax-error-notaction") \
  X(RCP_SYNTAX_ERROR_ACTION, ERROR, "RCP syntax error action", "error-rcp-syntax-error-action") \
  X(MISSING_ARN_ACCOUNT, ERROR, "Missing ARN account", "error-missing-arn-account") \
  X(CREATE_SLR_WITH_NOT_RESOURCE, WARNING, "Create SLR with NotResource", "general-warning-create-slr-with-not-resource") \
  X(CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE, WARNING, "Create SLR with star in action and NotResource", "general-warning-create-slr-with-star-in-action-and-not-resource") \
  X(CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE, WARNING, "Create SLR with NotAction and NotResource", "general-warning-create-slr-with-not-action-and-not-resource") \
  X(CREATE_SLR_WITH_STAR_IN_RESOURCE, WARNING, "Create SLR with star in resource", "general-warning-create-slr-with-star-in-resource") \
  X(CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE, WARNING, "Create SLR with star in action and resource", "general-warning-create-slr-with-star-in-action-and-resource") \
  X(CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION, WARNING, "Create SLR with star in resource and NotAction", "general-warning-create-slr-with-star-in-resource-and-not-action") \
  X(INVALID_DATE_VALUE, WARNING, "Invalid date value", "general-warning-invalid-date-value") \
  X(INVALID_ROLE_REFERENCE, WARNING, "Invalid role reference", "general-warning-invalid-role-reference") \
  X(INVALID_USER_REFERENCE, WARNING, "Invalid user reference", "general-warning-invalid-user-reference") \
  X(MISSING_VERSION, WARNING, "Missing version", "general-warning-missing-version") \
  X(UNIQUE_SIDS_RECOMMENDED, WARNING, "Unique Sids recommended", "general-warning-unique-sids-recommended") \
  X(WILDCARD_WITHOUT_LIKE_OPERATOR, WARNING, "Wildcard without like operator", "general-warning-wildcard-without-like-operator") \
  X(POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA, WARNING, "Policy size exceeds identity policy quota", "general-warning-policy-size-exceeds-identity-policy-quota") \
  X(POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA, WARNING, "Policy size exceeds resource policy quota", "general-warning-policy-size-exceeds-resource-policy-quota") \
  X(TYPE_MISMATCH, WARNING, "Type mismatch", "general-warning-type-mismatch") \
  X(TYPE_MISMATCH_BOOLEAN, WARNING, "Type mismatch Boolean", "general-warning-type-mismatch-boolean") \
  X(TYPE_MISMATCH_DATE, WARNING, "Type mismatch date", "general-warning-type-mismatch-date") \
  X(TYPE_MISMATCH_NUMBER, WARNING, "Type mismatch number", "general-warning-type-mismatch-number") \
  X(TYPE_MISMATCH_STRING, WARNING, "Type mismatch string", "general-warning-type-mismatch-string") \
  X(SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED, WARNING, "Specific github repo and branch recommended", "general-warning-specific-github-repo-and-branch-recommended") \
  X(UNTRUSTWORTHY_CONDITION_KEY, SECURITY_WARNING, "Untrustworthy condition key", "security-warning-untrustworthy-condition-key") \
  X(ALLOW_WITH_NOT_PRINCIPAL, SECURITY_WARNING, "Allow with NotPrincipal", "security-warning-allow-with-not-principal") \
  X(FORALLVALUES_WITH_SINGLE_VALUED_KEY, SECURITY_WARNING, "ForAllValues with single valued key", "security-warning-forallvalues-with-single-valued-key") \
  X(PASS_ROLE_WITH_NOT_RESOURCE, SECURITY_WARNING, "Pass role with NotResource", "security-warning-pass-role-with-not-resource") \
  X(PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE, SECURITY_WARNING, "Pass role with star in action and NotResource", "security-warning-pass-role-with-star-in-action-and-not-resource") \
  X(PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE, SECURITY_WARNING, "Pass role with NotAction and NotResource", "security-warning-pass-role-with-not-action-and-not-resource") \
  X(PASS_ROLE_WITH_STAR_IN_RESOURCE, SECURITY_WARNING, "Pass role with star in resource", "security-warning-pass-role-with-star-in-resource") \
  X(PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE, SECURITY_WARNING, "Pass role with star in action and resource", "security-warning-pass-role-with-star-in-action-and-resource") \
  X(PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION, SECURITY_WARNING, "Pass role with star in resource and NotAction", "security-warning-pass-role-with-star-in-resource-and-not-action") \
  X(MISSING_PAIRED_CONDITION_KEYS, SECURITY_WARNING, "Missing paired condition keys", "security-warning-missing-paired-condition-keys") \
  X(DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, SECURITY_WARNING, "Deny with unsupported tag condition key for service", "security-warning-deny-with-unsupported-tag-condition-key-for-service") \
  X(DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, SECURITY_WARNING, "Deny NotAction with unsupported tag condition key for service", "security-warning-deny-notaction-with-unsupported-tag-condition-key-for-service") \
  X(RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL, SECURITY_WARNING, "Restrict access to service principal", "security-warning-restrict-access-to-service-principal") \
  X(MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL, SECURITY_WARNING, "Missing condition key for oidc principal", "security-warning-missing-condition-key-for-oidc-principal") \
  X(MISSING_GITHUB_REPO_CONDITION_KEY, SECURITY_WARNING, "Missing github repo condition key", "security-warning-missing-github-repo-condition-key") \
  X(STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS, SECURITY_WARNING, "String like operator with ARN condition keys", "security-warning-string-like-operator-with-arn-condition-keys") \
  X(DYNAMODB_ATTRIBUTES_WITHOUT_SELECT, SECURITY_WARNING, "DynamoDB attributes without select", "security-warning-dynamodb-attributes-without-select") \
  X(S3_PREFIX_IN_NEGATIVE_CONTEXT, SECURITY_WARNING, "S3 prefix in negative context", "security-warning-s3-prefix-in-negative-context") \
  X(FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE, SECURITY_WARNING, "ForAnyValue with audience claim type", "security-warning-foranyvalue-with-audience-claim-type") \
  X(EMPTY_ARRAY_ACTION, SUGGESTION, "Empty array action", "suggestion-empty-array-action") \
  X(EMPTY_ARRAY_CONDITION, SUGGESTION, "Empty array condition", "suggestion-empty-array-condition") \
  X(EMPTY_ARRAY_CONDITION_FORALLVALUES, SUGGESTION, "Empty array condition ForAllValues", "suggestion-empty-array-condition-forallvalues") \
  X(EMPTY_ARRAY_CONDITION_FORANYVALUE, SUGGESTION, "Empty array condition ForAnyValue", "suggestion-empty-array-condition-foranyvalue") \
  X(EMPTY_ARRAY_CONDITION_IFEXISTS, SUGGESTION, "Empty array condition IfExists", "suggestion-empty-array-condition-ifexists") \
  X(EMPTY_ARRAY_PRINCIPAL, SUGGESTION, "Empty array principal", "suggestion-empty-array-principal") \
  X(EMPTY_ARRAY_RESOURCE, SUGGESTION, "Empty array resource", "suggestion-empty-array-resource") \
  X(EMPTY_OBJECT_CONDITION, SUGGESTION, "Empty object condition", "suggestion-empty-object-condition") \
  X(EMPTY_OBJECT_PRINCIPAL, SUGGESTION, "Empty object principal", "suggestion-empty-object-principal") \
  X(EMPTY_SID_VALUE, SUGGESTION, "Empty Sid value", "suggestion-empty-sid-value") \
  X(IMPROVE_IP_RANGE, SUGGESTION, "Improve IP range", "suggestion-improve-ip-range") \
  X(NULL_WITH_QUALIFIER, SUGGESTION, "Null with qualifier", "suggestion-null-with-qualifier") \
  X(PRIVATE_IP_ADDRESS_SUBSET, SUGGESTION, "Private IP address subset", "suggestion-private-ip-address-subset") \
  X(PRIVATE_NOT_IP_ADDRESS_SUBSET, SUGGESTION, "Private NotIpAddress subset", "suggestion-private-not-ip-address-subset") \
  X(REDUNDANT_ACTION, SUGGESTION, "Redundant action", "suggestion-redundant-action") \
  X(REDUNDANT_CONDITION_VALUE_NUM, SUGGESTION, "Redundant condition value num", "suggestion-redundant-condition-value-num") \
  X(REDUNDANT_RESOURCE, SUGGESTION, "Redundant resource", "suggestion-redundant-resource") \
  X(REDUNDANT_STATEMENT, SUGGESTION, "Redundant statement", "suggestion-redundant-statement") \
  X(WILDCARD_IN_SERVICE_NAME, SUGGESTION, "Wildcard in service name", "suggestion-wildcard-in-service-name") \
  X(ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, SUGGESTION, "Allow with unsupported tag condition key for service", "suggestion-allow-with-unsupported-tag-condition-key-for-service") \
  X(ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, SUGGESTION, "Allow NotAction with unsupported tag condition key for service", "suggestion-allow-notaction-with-unsupported-tag-condition-key-for-service") \
  X(REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY, SUGGESTION, "Redundant principal in role trust policy", "suggestion-redundant-principal-in-role-trust-policy")
/* clang-format on */

typedef enum mm__iam_check_id {
#define MM__IAM_CHECK_ENUM(code, type, title, anchor) MM__IAM_C_##code,
  MM__IAM_CHECKS(MM__IAM_CHECK_ENUM)
#undef MM__IAM_CHECK_ENUM
      MM__IAM_C_COUNT
} mm__iam_check_id;

extern const mm_iam_check mm__iam_checks[MM__IAM_C_COUNT];

/* ---- the source tree ---------------------------------------------------------- */

typedef struct mm__iam_vnode {
  const mm_json_value *v;             /* the DOM value */
  mm_str key;                         /* member name when the parent is an object */
  uint32_t start, end;                /* value span in the text, bytes [start, end) */
  uint32_t kstart, kend;              /* member name span, quotes included */
  struct mm__iam_vnode *kids;         /* n elements or members, in document order */
  uint32_t n;                         /* number of kids */
  uint32_t index;                     /* position in the parent */
  const struct mm__iam_vnode *parent; /* NULL for the root */
} mm__iam_vnode;

/* The member named name (exact; the last one when repeated), or NULL. */
const mm__iam_vnode *mm__iam_vchild(const mm__iam_vnode *obj, const char *name);

/* ---- the validation in progress ------------------------------------------------- */

typedef struct mm__iam_vfinding {
  mm_iam_finding pub;     /* what the API hands out */
  mm_iam_location loc[2]; /* storage for pub.locations */
  size_t order;           /* first location's offset, for sorting */
} mm__iam_vfinding;

struct mm_iam_validation {
  mm_arena arena;          /* messages, paths */
  mm__iam_vfinding *items; /* n findings (mm_malloc'd) */
  size_t n, cap;
  size_t dropped; /* findings beyond MM_IAM_VALIDATE_MAX_FINDINGS */
  bool blocking;  /* an ERROR or SECURITY_WARNING was kept */
};

typedef struct mm__iam_vctx {
  mm_iam_validation *out;    /* the report being filled */
  const mm_iam_catalog *cat; /* may be NULL */
  mm_iam_policy_type type;   /* policy type */
  const char *text;          /* the document */
  size_t len;
  const uint32_t *lines; /* n_lines offsets of line starts */
  size_t n_lines;
  const mm_iam_validate_options *opt; /* suppressions */
  bool variables;                     /* Version 2012-10-17: ${...} are variables */
  bool version_2008;                  /* Version 2008-10-17 */
  bool no_version;                    /* no Version element */
  int status;                         /* MM_OK, or MM_ENOMEM once memory ran out */
  mm_arena *tmp;                      /* scratch for one statement's checks */
  size_t work;                        /* catalog lookups left (MM_IAM_VALIDATE_MAX_WORK) */
} mm__iam_vctx;

/* Record a finding of check `id` located at node (its member name when
 * at_key) and, when second is not NULL, at second too. The message is
 * printf-formatted. Suppressed codes are ignored. */
void mm__iam_vfind(mm__iam_vctx *x, mm__iam_check_id id, const mm__iam_vnode *at, bool at_key,
                   const mm__iam_vnode *second, const char *fmt, ...) MM_PRINTF(6, 7);
/* The same with a SUBSTRING element: bytes [start, start+len) of the
 * string at `at` (in unescaped bytes; the span is mapped back to the text
 * when the string has no escape, else it covers the whole string). */
void mm__iam_vfind_sub(mm__iam_vctx *x, mm__iam_check_id id, const mm__iam_vnode *at, size_t start,
                       size_t len, const char *fmt, ...) MM_PRINTF(6, 7);

/* ---- statements and their parts -------------------------------------------------- */

/* The parts of one statement, found by name (Not forms flagged). */
typedef struct mm__iam_vstmt {
  const mm__iam_vnode *node;         /* the statement */
  const mm__iam_vnode *sid, *effect; /* or NULL */
  const mm__iam_vnode *principal;    /* Principal or NotPrincipal */
  const mm__iam_vnode *action;       /* Action or NotAction */
  const mm__iam_vnode *resource;     /* Resource or NotResource */
  const mm__iam_vnode *condition;    /* or NULL */
  bool not_principal, not_action, not_resource;
  bool allow; /* Effect is "Allow" */
  bool deny;  /* Effect is "Deny" */
  bool trust; /* a role trust statement (sts:AssumeRole*) */
} mm__iam_vstmt;

/* A string element (Action, Resource ...) as a list: its string entries. */
typedef struct mm__iam_vlist {
  const mm__iam_vnode *const *items; /* n entries that are strings */
  size_t n;
} mm__iam_vlist;

/* Strings of a string-or-array element (non-strings are skipped; the
 * caller reports them). Storage from x->tmp. */
mm__iam_vlist mm__iam_vstrings(mm__iam_vctx *x, const mm__iam_vnode *el);

void mm__iam_vcheck_actions(mm__iam_vctx *x, const mm__iam_vstmt *s);
void mm__iam_vcheck_resources(mm__iam_vctx *x, const mm__iam_vstmt *s);
void mm__iam_vcheck_passrole(mm__iam_vctx *x, const mm__iam_vstmt *s);
void mm__iam_vcheck_principal(mm__iam_vctx *x, const mm__iam_vstmt *s);
void mm__iam_vcheck_conditions(mm__iam_vctx *x, const mm__iam_vstmt *s);
/* Policy variables in a string value: syntax, version, element. allowed:
 * whether this element may hold variables. */
void mm__iam_vcheck_document(mm__iam_vctx *x, const mm__iam_vnode *root);
void mm__iam_vcheck_variables(mm__iam_vctx *x, const mm__iam_vnode *n, bool allowed);

/* Whether s has a ${ (a policy variable, or what was meant as one). */
bool mm__iam_vhas_variable(mm_str s);
/* Whether the statement has a condition on key (case-insensitive). */
bool mm__iam_vstmt_has_key(const mm__iam_vstmt *s, const char *key);
/* ASCII case-insensitive "has prefix". */
bool mm__iam_vprefix(mm_str s, const char *prefix);
/* Whether r is a Region code ("us-east-1", "us-gov-west-1"). */
bool mm__iam_vregion_ok(mm_str r);

#endif /* MAMORI_IAM_VALIDATE_INT_H */
