/*
 * test_detect_stratus.c - which Stratus Red Team technique raises which
 * finding (../shared/data/detect/stratus/detonation-logs, from
 * DataDog/stratus-red-team docs/detonation-logs; one CloudTrail array per
 * technique), with every shipped rule and no threat list (the logs'
 * addresses are anonymised). Prints the report and asserts that at least
 * 30 of the 35 techniques raise a relevant finding: one whose type
 * describes the technique's behaviour, per the table below (technique ->
 * acceptable types, and why). The rules hold general logic only; nothing
 * in them names a Stratus resource.
 */
#include "test.h"

#include "mamori/detect.h"

#include <stdio.h>
#include <string.h>

#define DIR MM_SHARED_DATA "/detect/stratus/detonation-logs/"
#define M   "mamori:"

typedef struct technique {
  const char *id;       /* file name without .json */
  const char *types[3]; /* acceptable finding types */
  const char *why;
} technique;

/* clang-format off */
static const technique table[] = {
  {"aws.credential-access.ec2-get-password-data",
   {"CredentialAccess:EC2/UnsecuredCredentials", M "CredentialAccess:IAMUser/PasswordDataRequests"},
   "GetPasswordData reads instances' Windows administrator passwords"},
  {"aws.credential-access.ec2-steal-instance-credentials",
   {"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS"},
   "instance-profile credentials used away from the instance (the Stratus page names these types)"},
  {"aws.credential-access.secretsmanager-batch-retrieve-secrets",
   {M "CredentialAccess:IAMUser/SecretsBatchRetrieved", M "CredentialAccess:IAMUser/SecretsMassRetrieval"},
   "secret values read in bulk"},
  {"aws.credential-access.secretsmanager-retrieve-secrets",
   {M "CredentialAccess:IAMUser/SecretsMassRetrieval", M "CredentialAccess:IAMUser/SecretsBatchRetrieved"},
   "many distinct secrets read by one principal"},
  {"aws.credential-access.ssm-retrieve-securestring-parameters",
   {M "CredentialAccess:IAMUser/SSMParametersDecrypted"},
   "SecureString parameters decrypted in bulk"},
  {"aws.defense-evasion.cloudtrail-delete", {"Stealth:IAMUser/CloudTrailLoggingDisabled"},
   "a trail deleted (the Stratus page names this type)"},
  {"aws.defense-evasion.cloudtrail-event-selectors",
   {M "Stealth:IAMUser/CloudTrailManagementEventsExcluded", "Stealth:IAMUser/CloudTrailLoggingDisabled"},
   "event selectors that stop management events: logging impaired"},
  {"aws.defense-evasion.cloudtrail-stop", {"Stealth:IAMUser/CloudTrailLoggingDisabled"},
   "a trail stopped (the Stratus page names this type)"},
  {"aws.defense-evasion.dns-delete-logs", {M "Stealth:IAMUser/DNSQueryLoggingDisabled"},
   "Resolver query logging removed"},
  {"aws.defense-evasion.organizations-leave", {M "Stealth:IAMUser/LeaveOrganization"},
   "an attempt to leave the organisation and its guardrails"},
  {"aws.defense-evasion.vpc-remove-flow-logs", {"DefenseImpairment:EC2/DisableOrModifyTools"},
   "flow logs deleted (GuardDuty's VPCFlowLogsDeleted signal)"},
  {"aws.discovery.ec2-download-user-data", {M "Discovery:IAMUser/EC2UserDataEnumeration"},
   "user data of many instances requested"},
  {"aws.execution.ec2-launch-unusual-instances", {M "Execution:IAMUser/GPUInstanceLaunch"},
   "GPU instances requested"},
  {"aws.execution.ec2-user-data", {M "Execution:IAMUser/InstanceUserDataModified"},
   "an instance's user data replaced to run code"},
  {"aws.execution.ssm-send-command", {M "Execution:IAMUser/SSMRunShellCommand"},
   "shell commands run on instances through SSM"},
  {"aws.execution.ssm-start-session", {M "Execution:IAMUser/SSMSessionStarted"},
   "interactive sessions opened on instances"},
  {"aws.exfiltration.ec2-security-group-open-port-22-ingress",
   {M "Policy:EC2/SecurityGroupOpenToInternet"}, "SSH opened to the whole internet"},
  {"aws.exfiltration.ec2-share-ami", {M "Exfiltration:IAMUser/AMIShared"},
   "an image shared with another account"},
  {"aws.exfiltration.ec2-share-ebs-snapshot", {M "Exfiltration:IAMUser/EBSSnapshotShared"},
   "a snapshot shared with another account"},
  {"aws.exfiltration.rds-share-snapshot", {M "Exfiltration:IAMUser/RDSSnapshotShared"},
   "a database snapshot shared with another account"},
  {"aws.impact.bedrock-invoke-model", {M "Impact:IAMUser/BedrockModelAccessEnabled"},
   "model access enabled for LLM hijacking"},
  {"aws.initial-access.console-login-without-mfa", {M "InitialAccess:IAMUser/ConsoleLoginWithoutMFA"},
   "a console sign-in without MFA"},
  {"aws.lateral-movement.ec2-instance-connect", {M "LateralMovement:EC2/InstanceConnectKeyPushed"},
   "SSH keys pushed to instances"},
  {"aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
   {M "LateralMovement:EC2/InstanceConnectKeyPushed", M "Persistence:EC2/SerialConsoleAccessEnabled"},
   "serial console enabled and an SSH key pushed to it"},
  {"aws.persistence.iam-backdoor-role", {M "Persistence:IAMUser/RoleTrustPolicyModified"},
   "a role's trust policy opened to an outside account"},
  {"aws.persistence.iam-backdoor-user", {M "Persistence:IAMUser/AccessKeyCreatedForOtherUser"},
   "an access key created for another user"},
  {"aws.persistence.iam-create-admin-user",
   {M "PrivilegeEscalation:IAMUser/AdministratorAccessAttached",
    M "Persistence:IAMUser/AccessKeyCreatedForOtherUser"},
   "a new user made administrator, with a key"},
  {"aws.persistence.iam-create-backdoor-role",
   {M "PrivilegeEscalation:IAMUser/AdministratorAccessAttached", M "Persistence:IAMUser/RoleTrustPolicyModified"},
   "a new role made administrator"},
  {"aws.persistence.iam-create-user-login-profile", {M "Persistence:IAMUser/LoginProfileCreated"},
   "a console password given to another user"},
  {"aws.persistence.lambda-backdoor-function", {M "Persistence:Lambda/FunctionMadePublic"},
   "a function made invocable by anyone"},
  {"aws.persistence.lambda-layer-extension", {M "Persistence:Lambda/LayerAdded"},
   "a layer (extension) added to a function"},
  {"aws.persistence.lambda-overwrite-code", {M "Persistence:Lambda/FunctionCodeUpdated"},
   "a function's code replaced"},
  {"aws.persistence.rolesanywhere-create-trust-anchor",
   {M "Persistence:IAMUser/RolesAnywhereTrustAnchorCreated"}, "an outside CA trusted for role credentials"},
  {"aws.persistence.sts-federation-token", {M "Persistence:IAMUser/FederationTokenIssued"},
   "federation tokens that outlive the user's keys"},
  {"aws.privilege-escalation.iam-update-user-login-profile",
   {M "PrivilegeEscalation:IAMUser/LoginProfileUpdated"}, "another user's console password changed"},
};
/* clang-format on */

static bool acceptable(const technique *t, const char *type) {
  for (size_t i = 0; i < MM_ARRAY_LEN(t->types) && t->types[i]; i++)
    if (strcmp(t->types[i], type) == 0) return true;
  return false;
}

/* Run one technique's log; print its line; true when a relevant finding. */
static bool run_technique(const technique *t) {
  mm_detect_rules *rs = mm_detect_rules_new();
  mm_error err;
  if (mm_detect_rules_load(rs, MM_DETECT_DATA_DIR "/rules", &err) != MM_OK)
    MM_TEST_FAIL("rules: %s", err.msg);
  mm_detect_engine *e = mm_detect_engine_new(rs, NULL, &err);
  ASSERT_TRUE(e != NULL);
  char path[512];
  snprintf(path, sizeof(path), "%s%s.json", DIR, t->id);
  mm_detect_reader *r = mm_detect_reader_open_path(path, NULL, &err);
  ASSERT_TRUE(r != NULL);
  mm_detect_record rec;
  int rc;
  while ((rc = mm_detect_reader_next(r, &rec, &err)) != MM_EOF) {
    ASSERT_EQ(rc, MM_OK);
    mm_detect_engine_feed(e, &rec);
  }
  mm_detect_reader_close(r);
  bool relevant = false;
  printf("%-62s", t->id);
  for (size_t i = 0; i < mm_detect_engine_finding_count(e); i++) {
    const char *type = mm_detect_finding_type(mm_detect_engine_finding(e, i));
    bool ok = acceptable(t, type);
    relevant |= ok;
    printf(" %s%s", type, ok ? "" : " (other)");
  }
  printf("%s\n", relevant ? "" : "  -- NO RELEVANT FINDING");
  mm_detect_engine_free(e);
  return relevant;
}

TEST(stratus_techniques) {
  size_t relevant = 0;
  printf("technique -> findings raised (why each is relevant: see the table in this file)\n");
  for (size_t i = 0; i < MM_ARRAY_LEN(table); i++) relevant += run_technique(&table[i]);
  printf("%zu of %zu techniques raise a relevant finding\n", relevant, MM_ARRAY_LEN(table));
  ASSERT_EQ(MM_ARRAY_LEN(table), 35);
  ASSERT_TRUE(relevant >= 30);
}

int main(void) {
  RUN(stratus_techniques);
  return mm_test_summary();
}
