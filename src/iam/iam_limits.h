/*
 * iam_limits.h - every limit of the IAM engine, named, with why that number
 * (STYLE.md 6). Each may be overridden at build time (-DMM_IAM_MAX_...) and
 * is checked at run time: input beyond a limit is refused with MM_ELIMIT and
 * the path of the part that crossed it, never truncated, and an evaluation
 * that would cross one denies.
 */
#ifndef MAMORI_IAM_LIMITS_H
#define MAMORI_IAM_LIMITS_H

/* Bytes of one policy document: 128 KiB. AWS's largest policies are KMS key
 * policies (32 KiB) and S3 bucket policies (20 KiB); four times that leaves
 * room for pretty-printing while bounding compile time and memory. */
#ifndef MM_IAM_MAX_POLICY_SIZE
#define MM_IAM_MAX_POLICY_SIZE ((size_t)128 << 10)
#endif

/* JSON nesting of a policy document: 32. The grammar nests at most 6 levels
 * (document, Statement array, statement, Condition, operator, key array). */
#ifndef MM_IAM_MAX_DEPTH
#define MM_IAM_MAX_DEPTH 32
#endif

/* Statements in one policy: 1024. A 32 KiB key policy holds fewer than 300
 * of the smallest possible statements. */
#ifndef MM_IAM_MAX_STATEMENTS
#define MM_IAM_MAX_STATEMENTS 1024
#endif

/* Entries of one Action, Resource or Principal element, and values of one
 * condition key: 4096, beyond anything a 128 KiB document can usefully hold. */
#ifndef MM_IAM_MAX_VALUES
#define MM_IAM_MAX_VALUES 4096
#endif

/* Operator/key pairs in one Condition block: 256. */
#ifndef MM_IAM_MAX_CONDITIONS
#define MM_IAM_MAX_CONDITIONS 256
#endif

/* Bytes of one value after its policy variables are replaced: 4 KiB. The
 * longest AWS ARN is 2048 bytes; the expansion lives on the stack. */
#ifndef MM_IAM_MAX_EXPANSION
#define MM_IAM_MAX_EXPANSION 4096
#endif

/* Policy variables in one value: 32. */
#ifndef MM_IAM_MAX_VARIABLES
#define MM_IAM_MAX_VARIABLES 32
#endif

/* Significant digits of a Numeric condition value: 40, far beyond double's
 * 17 and any counter AWS puts in a request context (compared exactly). */
#ifndef MM_IAM_MAX_NUMBER_DIGITS
#define MM_IAM_MAX_NUMBER_DIGITS 40
#endif

/* Policies attached to one request, all kinds together: 10,000 (AWS caps an
 * identity at 20 managed + inline policies; the benchmark attaches 1,000). */
#ifndef MM_IAM_MAX_POLICIES
#define MM_IAM_MAX_POLICIES 10000
#endif

/* Request context entries and values of one key in a JSON request. */
#ifndef MM_IAM_MAX_CONTEXT
#define MM_IAM_MAX_CONTEXT 1024
#endif

/* Bytes of an ARN the engine derives (a role ARN from a session ARN). */
#ifndef MM_IAM_MAX_ARN
#define MM_IAM_MAX_ARN 2048
#endif

/* Bytes of a catalog file once decompressed: 64 MiB. The whole catalog of
 * AWS (450+ services, 22,000 actions) is under 2 MiB of text today. */
#ifndef MM_IAM_CATALOG_MAX_SIZE
#define MM_IAM_CATALOG_MAX_SIZE ((size_t)64 << 20)
#endif

/* Lines (entries: services, actions, resource types, keys) of a catalog:
 * 1 Mi, forty times today's ~26,000. */
#ifndef MM_IAM_CATALOG_MAX_ENTRIES
#define MM_IAM_CATALOG_MAX_ENTRIES ((size_t)1 << 20)
#endif

/* Items in one list of a catalog line (resource types of an action, keys
 * of one of them): 4096; EC2's longest is under 100. */
#ifndef MM_IAM_CATALOG_MAX_LIST
#define MM_IAM_CATALOG_MAX_LIST 4096
#endif

/* Bytes of one ARN format of a resource type: 512 (AWS's longest is under
 * 200); the matcher keeps two states per byte on the stack. */
#ifndef MM_IAM_CATALOG_MAX_ARN_FORMAT
#define MM_IAM_CATALOG_MAX_ARN_FORMAT 512
#endif

#endif /* MAMORI_IAM_LIMITS_H */
