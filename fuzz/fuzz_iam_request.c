/*
 * fuzz_iam_request.c - libFuzzer target for the IAM request reader
 * (mm_iam_query_parse: the JSON request format of docs/iam.md, policies
 * included) and the evaluator behind it. Invariants: no crash or leak; a
 * request that reads is decided the same with and without an explanation;
 * the explanation is valid JSON; a request whose policies hold no Allow
 * statement at all is allowed only for the root user in its own account.
 */
#include "mamori/iam.h"
#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_allow(const mm_iam_policies *p) {
  bool a = mm_iam_policy_has_allow(p->resource) || mm_iam_policy_has_allow(p->boundary) ||
           mm_iam_policy_has_allow(p->session) || mm_iam_policy_has_allow(p->vpc_endpoint);
  for (size_t i = 0; i < p->identity.count; i++) a |= mm_iam_policy_has_allow(p->identity.items[i]);
  return a;
}

static void decide(const mm_iam_query *q) {
  const mm_iam_request *req = mm_iam_query_request(q);
  const mm_iam_policies *pol = mm_iam_query_policies(q);
  mm_iam_result fast, slow;
  mm_buf ex = MM_BUF_INIT;
  mm_iam_evaluate(req, pol, &fast, NULL);
  int rc = mm_iam_evaluate(req, pol, &slow, &ex);
  if (fast.decision != slow.decision || fast.decided_by != slow.decided_by || fast.status != rc)
    abort();
  mm_json_doc *doc = rc == MM_OK ? mm_json_parse(ex.ptr, ex.len, NULL, NULL) : NULL;
  if (rc == MM_OK && !doc) abort();
  if (fast.decision == MM_IAM_ALLOWED && !any_allow(pol) &&
      req->principal.type != MM_IAM_PRINCIPAL_ROOT) {
    fprintf(stderr, "allowed without any Allow statement\n");
    abort();
  }
  mm_json_doc_free(doc);
  mm_buf_free(&ex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  mm_json_doc *doc = mm_json_parse((const char *)data, size, NULL, NULL);
  if (!doc) return 0;
  mm_iam_query *q = mm_iam_query_parse(mm_json_doc_root(doc), NULL);
  if (q) decide(q);
  mm_iam_query_free(q);
  mm_json_doc_free(doc);
  return 0;
}
