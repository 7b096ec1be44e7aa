/*
 * test_iam_threads.c - a compiled policy set is immutable and shared: four
 * threads decide the same requests against the same compiled policies at
 * once, with and without explanations, and every answer equals the one a
 * single thread gets (DESIGN.md: compiled configurations are shared
 * between threads).
 */
#include "test.h"

#include "mamori/iam.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS  2000

static const char request_json[] =
    "{\"principal\": {\"arn\": \"arn:aws:sts::111122223333:assumed-role/app/s1\","
    " \"tags\": {\"team\": \"red\"}}, \"action\": \"s3:GetObject\","
    " \"resource\": \"arn:aws:s3:::bucket/red/x\", \"context\": {\"aws:SourceIp\": \"10.0.0.1\"},"
    " \"policies\": {\"identity\": [{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\":"
    " \"Allow\", \"Action\": \"s3:Get*\", \"Resource\": "
    "\"arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*\","
    " \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}}, {\"Effect\": \"Deny\","
    " \"Action\": \"*\", \"Resource\": \"*\", \"Condition\": {\"StringLike\": "
    "{\"aws:PrincipalArn\":"
    " \"*:role/blocked*\"}}}]}], \"boundary\": {\"Statement\": {\"Effect\": \"Allow\", \"Action\":"
    " \"s3:*\", \"Resource\": \"*\"}}, \"scp\": [[{\"Statement\": {\"Effect\": \"Allow\", "
    "\"Action\":"
    " \"*\", \"Resource\": \"*\"}}]]}}";

static const mm_iam_query *shared;
static int failures;

static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    mm_iam_result r;
    mm_buf ex = MM_BUF_INIT;
    bool explain = ((i + id) % 7) == 0;
    mm_iam_evaluate(mm_iam_query_request(shared), mm_iam_query_policies(shared), &r,
                    explain ? &ex : NULL);
    if (r.decision != MM_IAM_ALLOWED || r.decided_by != MM_IAM_KIND_IDENTITY)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    mm_buf_free(&ex);
  }
  return NULL;
}

TEST(shared_policies_across_threads) {
  mm_error err;
  mm_json_doc *doc = mm_json_parse(request_json, sizeof(request_json) - 1, NULL, &err);
  ASSERT_TRUE(doc != NULL);
  mm_iam_query *q = mm_iam_query_parse(mm_json_doc_root(doc), &err);
  mm_json_doc_free(doc);
  ASSERT_TRUE(q != NULL);
  shared = q;
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) ASSERT_EQ(pthread_create(&t[i], NULL, worker, (void *)i), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ASSERT_EQ(failures, 0);
  mm_iam_query_free(q);
}

int main(void) {
  RUN(shared_policies_across_threads);
  return mm_test_summary();
}
