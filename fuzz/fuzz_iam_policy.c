/*
 * fuzz_iam_policy.c - libFuzzer target for the IAM policy compiler and
 * evaluator.
 *
 * The input is compiled as a policy document. When it compiles, it is used
 * as an identity policy, a resource policy, an SCP and a permissions
 * boundary for a few fixed requests (an IAM user, a role session, an
 * anonymous caller, a cross-account user; context keys of every operator
 * family), with and without an explanation. Invariants: no crash or leak;
 * both evaluations agree; the explanation is valid JSON; and a policy with
 * no Allow statement never allows a request that only it could allow.
 */
#include "mamori/iam.h"
#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const mm_str ip[] = {{"10.1.2.3", 8}}, prefix[] = {{"home/alice/", 11}},
                    keys[] = {{"a", 1}, {"b", 1}}, num[] = {{"15", 2}},
                    when[] = {{"2024-07-30T12:00:00Z", 20}}, yes[] = {{"true", 4}},
                    arn[] = {{"arn:aws:sns:us-east-1:111122223333:t", 36}};
static const mm_iam_context_entry context[] = {
    {{"aws:SourceIp", 12}, ip, 1},      {{"s3:prefix", 9}, prefix, 1},
    {{"aws:TagKeys", 11}, keys, 2},     {{"s3:max-keys", 11}, num, 1},
    {{"aws:CurrentTime", 15}, when, 1}, {{"aws:SecureTransport", 19}, yes, 1},
    {{"aws:SourceArn", 13}, arn, 1},
};

static mm_iam_request request(int who) {
  static const mm_str arns[] = {{"arn:aws:iam::111122223333:user/alice", 36},
                                {"arn:aws:sts::111122223333:assumed-role/app/s1", 46},
                                {"", 0},
                                {"arn:aws:iam::444455556666:user/bob", 34}};
  static const mm_iam_principal_type types[] = {MM_IAM_PRINCIPAL_USER, MM_IAM_PRINCIPAL_ROLE,
                                                MM_IAM_PRINCIPAL_ANONYMOUS, MM_IAM_PRINCIPAL_USER};
  mm_iam_request r = {0};
  r.principal.type = types[who];
  r.principal.arn = arns[who];
  r.action = MM_STR("s3:GetObject");
  r.resource.arn = MM_STR("arn:aws:s3:::bucket/home/alice/x");
  r.resource.account = MM_STR("111122223333");
  r.context = context;
  r.context_count = MM_ARRAY_LEN(context);
  return r;
}

static void check(const mm_iam_request *req, const mm_iam_policies *pol, bool no_allow) {
  mm_iam_result fast, slow;
  mm_buf ex = MM_BUF_INIT;
  mm_iam_evaluate(req, pol, &fast, NULL);
  int rc = mm_iam_evaluate(req, pol, &slow, &ex);
  if (fast.decision != slow.decision || fast.decided_by != slow.decided_by || fast.status != rc) {
    fprintf(stderr, "explained and plain evaluations disagree\n");
    abort();
  }
  mm_json_doc *doc = rc == MM_OK ? mm_json_parse(ex.ptr, ex.len, NULL, NULL) : NULL;
  if (rc == MM_OK && !doc) {
    fprintf(stderr, "explanation is not JSON: %s\n", ex.ptr);
    abort();
  }
  if (no_allow && fast.decision == MM_IAM_ALLOWED) {
    fprintf(stderr, "a policy without Allow allowed a request\n");
    abort();
  }
  mm_json_doc_free(doc);
  mm_buf_free(&ex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mm_iam_policy *p = mm_iam_policy_compile((const char *)data, size, NULL, NULL);
  if (!p) return 0;
  bool no_allow = !mm_iam_policy_has_allow(p);
  const mm_iam_policy *one[] = {p};
  mm_iam_policy_list list = {one, 1};
  for (int who = 0; who < 4; who++) {
    mm_iam_request req = request(who);
    mm_iam_policies as_identity = {0}, as_resource = {0}, with_scp = {0}, bounded = {0};
    as_identity.identity = list;
    as_resource.resource = p;
    with_scp.identity = list;
    with_scp.scp = &list;
    with_scp.scp_levels = 1;
    bounded.identity = list;
    bounded.boundary = p;
    check(&req, &as_identity, no_allow);
    check(&req, &as_resource, no_allow);
    check(&req, &with_scp, no_allow);
    check(&req, &bounded, no_allow);
  }
  mm_iam_policy_free(p);
  return 0;
}
