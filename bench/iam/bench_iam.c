/*
 * bench_iam.c - how fast mm_iam_evaluate decides, on one core, for the
 * three policy sets of issue 3:
 *
 *   (a) a typical identity policy set: 3 policies, 8 statements, with a
 *       policy variable, IpAddress, Bool, StringLike and a Deny guard;
 *   (b) the same plus SCPs at three levels (root, OU, account), a
 *       permissions boundary and a bucket policy;
 *   (c) 1,000 attached identity policies, the one that allows last.
 *
 * Policies are compiled once (untimed); every decision is then timed on its
 * own with CLOCK_MONOTONIC, the clock's own cost (measured the same way
 * around nothing) subtracted, and the median and 99th percentile reported
 * with the throughput of an untimed loop. Targets (issue 3): median <= 1 us
 * for (a), <= 5 us for (b). Run with the Release build: make bench.
 *
 *   bench_iam [--sets DIR] [decisions]      default 200000 per set
 *
 * --sets DIR also writes sets (a) and (b) as requests in the JSON format of
 * docs/iam.md (DIR/a.json, DIR/b.json; each checked to decide as the
 * compiled set does) and the figures measured (DIR/mamori.json), for the
 * iam-simulate peer (peer_bench.mjs, run after this by run.sh) to time the
 * same requests and print its figures beside these with the ratio.
 */
#include "mamori/iam.h"

#include "mamori/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static mm_iam_policy *compile(const char *text) {
  mm_error err;
  mm_iam_policy *p = mm_iam_policy_compile(text, strlen(text), NULL, &err);
  if (!p) {
    fprintf(stderr, "bench_iam: %s: %s\n", err.path, err.msg);
    exit(1);
  }
  return p;
}

static const char *const identity_a[] = {
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    " {\"Sid\": \"Home\", \"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\"],"
    "  \"Resource\": \"arn:aws:s3:::corp-data/home/${aws:username}/*\","
    "  \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": [\"10.0.0.0/8\", \"192.168.0.0/16\"]}}},"
    " {\"Sid\": \"List\", \"Effect\": \"Allow\", \"Action\": \"s3:ListBucket\","
    "  \"Resource\": \"arn:aws:s3:::corp-data\","
    "  \"Condition\": {\"StringLike\": {\"s3:prefix\": [\"home/${aws:username}/*\", "
    "\"shared/*\"]}}},"
    " {\"Sid\": \"Tls\", \"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\","
    "  \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}]}",
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    " {\"Effect\": \"Allow\", \"Action\": [\"ec2:Describe*\", \"cloudwatch:Get*\", "
    "\"cloudwatch:List*\"],"
    "  \"Resource\": \"*\"},"
    " {\"Effect\": \"Allow\", \"Action\": \"ec2:*Instances\", \"Resource\": \"*\","
    "  \"Condition\": {\"StringEquals\": {\"aws:ResourceTag/team\": "
    "\"${aws:PrincipalTag/team}\"}}}]}",
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    " {\"Effect\": \"Allow\", \"Action\": \"iam:*AccessKey*\","
    "  \"Resource\": \"arn:aws:iam::*:user/${aws:username}\"},"
    " {\"Effect\": \"Deny\", \"NotAction\": [\"iam:*\", \"sts:*\", \"s3:*\", \"ec2:*\", "
    "\"cloudwatch:*\"],"
    "  \"Resource\": \"*\"},"
    " {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\","
    "  \"Condition\": {\"NotIpAddress\": {\"aws:SourceIp\": [\"10.0.0.0/8\", "
    "\"192.168.0.0/16\"]}}}]}",
};

static const char scp_full[] =
    "{\"Statement\": {\"Sid\": \"FullAWSAccess\", \"Effect\": \"Allow\", \"Action\": \"*\","
    " \"Resource\": \"*\"}}";
static const char scp_region[] =
    "{\"Statement\": {\"Effect\": \"Deny\", \"NotAction\": [\"iam:*\", \"sts:*\"], \"Resource\": "
    "\"*\","
    " \"Condition\": {\"StringNotEquals\": {\"aws:RequestedRegion\": [\"us-east-1\", "
    "\"eu-west-1\"]}}}}";
static const char boundary[] =
    "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:*\", \"ec2:*\", \"iam:*\","
    " \"cloudwatch:*\"], \"Resource\": \"*\"}}";
static const char bucket[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    " {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": "
    "  [\"arn:aws:s3:::corp-data\", \"arn:aws:s3:::corp-data/*\"],"
    "  \"Condition\": {\"StringNotEquals\": {\"aws:PrincipalOrgID\": \"o-a1b2c3d4e5\"}}},"
    " {\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/auditor\"},"
    "  \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::corp-data/*\"}]}";

#define LIT(s) \
  { s, sizeof(s) - 1 } /* a constant mm_str initializer */
static const mm_str ip[] = {LIT("10.20.30.40")}, tls[] = {LIT("true")},
                    region[] = {LIT("us-east-1")}, team[] = {LIT("analytics")};
static const mm_iam_context_entry context[] = {
    {LIT("aws:SourceIp"), ip, 1},
    {LIT("aws:SecureTransport"), tls, 1},
    {LIT("aws:RequestedRegion"), region, 1},
    {LIT("aws:PrincipalTag/team"), team, 1},
};

static mm_iam_request request(void) {
  mm_iam_request r = {0};
  r.principal.type = MM_IAM_PRINCIPAL_USER;
  r.principal.arn = MM_STR("arn:aws:iam::111122223333:user/alice");
  r.principal.org_id = MM_STR("o-a1b2c3d4e5");
  r.action = MM_STR("s3:GetObject");
  r.resource.arn = MM_STR("arn:aws:s3:::corp-data/home/alice/report.csv");
  r.context = context;
  r.context_count = MM_ARRAY_LEN(context);
  return r;
}

typedef struct figures {
  double per_second, median_ns, p99_ns;
  mm_iam_decision decision;
} figures;

/* Time n decisions one by one; print throughput, median and p99. */
static figures run(const char *name, const mm_iam_request *req, const mm_iam_policies *pol,
                   size_t n) {
  double *t = malloc(n * sizeof(*t));
  mm_iam_result r;
  double clock_cost = 0;
  for (size_t i = 0; i < n; i++) { /* the cost of reading the clock twice */
    double a = wall();
    t[i] = wall() - a;
  }
  qsort(t, n, sizeof(*t), cmp_double);
  clock_cost = t[n / 2];
  for (size_t i = 0; i < n; i++) {
    double a = wall();
    mm_iam_evaluate(req, pol, &r, NULL);
    t[i] = wall() - a - clock_cost;
  }
  double start = wall();
  for (size_t i = 0; i < n; i++) mm_iam_evaluate(req, pol, &r, NULL);
  double per = (wall() - start) / (double)n;
  qsort(t, n, sizeof(*t), cmp_double);
  figures f = {1e9 / per, t[n / 2], t[(size_t)((double)n * 0.99)], r.decision};
  printf("%-44s %-9s %10.0f decisions/s  median %6.0f ns  p99 %6.0f ns\n", name,
         mm_iam_decision_name(r.decision), f.per_second, f.median_ns, f.p99_ns);
  free(t);
  return f;
}

/* ---- the sets as JSON requests, for the iam-simulate peer ------------------------------ */

static void put_policy(mm_buf *b, const char *text) {
  mm_buf_puts(b, text); /* the policies above are JSON documents */
}

static void put_policies(mm_buf *b, const char *const *texts, size_t n) {
  mm_buf_puts(b, "[");
  for (size_t i = 0; i < n; i++) {
    if (i) mm_buf_puts(b, ", ");
    put_policy(b, texts[i]);
  }
  mm_buf_puts(b, "]");
}

/* The request of request() and its policies: set (a), or (b) when full. */
static void set_json(mm_buf *b, bool full) {
  mm_iam_request r = request();
  mm_buf_puts(b, "{\"principal\": {\"arn\": ");
  mm_json_append_string(b, r.principal.arn.ptr, r.principal.arn.len);
  mm_buf_puts(b, ", \"type\": \"user\", \"orgId\": ");
  mm_json_append_string(b, r.principal.org_id.ptr, r.principal.org_id.len);
  mm_buf_puts(b, "},\n \"action\": ");
  mm_json_append_string(b, r.action.ptr, r.action.len);
  mm_buf_puts(b, ",\n \"resource\": ");
  mm_json_append_string(b, r.resource.arn.ptr, r.resource.arn.len);
  mm_buf_puts(b, ",\n \"context\": {");
  for (size_t i = 0; i < r.context_count; i++) {
    mm_buf_puts(b, i ? ", " : "");
    mm_json_append_string(b, r.context[i].key.ptr, r.context[i].key.len);
    mm_buf_puts(b, ": ");
    mm_json_append_string(b, r.context[i].values[0].ptr, r.context[i].values[0].len);
  }
  mm_buf_puts(b, "},\n \"policies\": {\"identity\": ");
  put_policies(b, identity_a, MM_ARRAY_LEN(identity_a));
  if (full) {
    const char *const root[] = {scp_full}, *const ou[] = {scp_full, scp_region};
    mm_buf_puts(b, ",\n  \"scp\": [");
    put_policies(b, root, 1);
    mm_buf_puts(b, ", ");
    put_policies(b, ou, 2);
    mm_buf_puts(b, ", ");
    put_policies(b, root, 1);
    mm_buf_puts(b, "],\n  \"boundary\": ");
    put_policy(b, boundary);
    mm_buf_puts(b, ",\n  \"resource\": ");
    put_policy(b, bucket);
  }
  mm_buf_puts(b, "}}\n");
}

static void write_file(const char *dir, const char *name, const mm_buf *b) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(b->ptr, 1, b->len, f) != b->len || fclose(f) != 0) {
    fprintf(stderr, "bench_iam: cannot write %s\n", path);
    exit(1);
  }
}

/* Write set (a) or (b) to DIR and check that, read back as a request, it
 * decides as the compiled set did. */
static void write_set(const char *dir, const char *name, bool full, mm_iam_decision want) {
  mm_buf b = MM_BUF_INIT;
  set_json(&b, full);
  mm_error err;
  mm_json_doc *doc = mm_json_parse(b.ptr, b.len, NULL, &err);
  mm_iam_query *q = doc ? mm_iam_query_parse(mm_json_doc_root(doc), &err) : NULL;
  mm_iam_result r;
  if (!q || mm_iam_evaluate(mm_iam_query_request(q), mm_iam_query_policies(q), &r, NULL) != MM_OK ||
      r.decision != want) {
    fprintf(stderr, "bench_iam: %s does not decide as the compiled set\n", name);
    exit(1);
  }
  mm_iam_query_free(q);
  mm_json_doc_free(doc);
  write_file(dir, name, &b);
  mm_buf_free(&b);
}

static void write_figures(const char *dir, const figures *a, const figures *b) {
  mm_buf out = MM_BUF_INIT;
  const figures *f[] = {a, b};
  const char *names[] = {"a", "b"};
  mm_buf_puts(&out, "{");
  for (int i = 0; i < 2; i++)
    mm_buf_printf(&out,
                  "%s\"%s\": {\"decision\": \"%s\", \"perSecond\": %.0f, \"medianNs\": %.1f, "
                  "\"p99Ns\": %.1f}",
                  i ? ", " : "", names[i], mm_iam_decision_name(f[i]->decision), f[i]->per_second,
                  f[i]->median_ns, f[i]->p99_ns);
  mm_buf_puts(&out, "}\n");
  write_file(dir, "mamori.json", &out);
  mm_buf_free(&out);
}

int main(int argc, char **argv) {
  const char *sets = NULL;
  if (argc > 2 && strcmp(argv[1], "--sets") == 0) sets = argv[2], argc -= 2, argv += 2;
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
  if (n < 100) n = 100;
  mm_iam_request req = request();
  const mm_iam_policy *ids[MM_ARRAY_LEN(identity_a)];
  for (size_t i = 0; i < MM_ARRAY_LEN(identity_a); i++) ids[i] = compile(identity_a[i]);
  mm_iam_policies a = {0};
  a.identity = (mm_iam_policy_list){ids, MM_ARRAY_LEN(identity_a)};
  figures fa = run("(a) identity set, 8 statements", &req, &a, n);

  const mm_iam_policy *full = compile(scp_full), *reg = compile(scp_region);
  const mm_iam_policy *root_level[] = {full}, *ou_level[] = {full, reg}, *acct_level[] = {full};
  mm_iam_policy_list scps[] = {{root_level, 1}, {ou_level, 2}, {acct_level, 1}};
  mm_iam_policies b = a;
  b.scp = scps;
  b.scp_levels = 3;
  b.boundary = compile(boundary);
  b.resource = compile(bucket);
  figures fb = run("(b) + 3 SCP levels, boundary, bucket policy", &req, &b, n);
  if (sets) {
    write_set(sets, "a.json", false, fa.decision);
    write_set(sets, "b.json", true, fb.decision);
    write_figures(sets, &fa, &fb);
  }

  enum { MANY = 1000 };
  const mm_iam_policy **many = malloc(MANY * sizeof(*many));
  char text[256];
  for (int i = 0; i < MANY - 1; i++) {
    snprintf(text, sizeof(text),
             "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Action%d\", "
             "\"Resource\": \"arn:aws:s3:::corp-data/*\"}}",
             i);
    many[i] = compile(text);
  }
  many[MANY - 1] = compile(identity_a[0]);
  mm_iam_policies c = {0};
  c.identity = (mm_iam_policy_list){many, MANY};
  run("(c) 1,000 attached policies", &req, &c, n / 10);
  return 0;
}
