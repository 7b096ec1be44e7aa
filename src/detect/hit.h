/*
 * detect/hit.h - what a detector reports before it becomes a finding.
 *
 * Detectors (the rule engine for CloudTrail, net.c for flow and DNS logs)
 * emit hits; findings.c turns each hit into a GuardDuty finding, aggregates
 * repeats into one finding id (service.count, eventFirstSeen/LastSeen) and
 * writes GuardDuty JSON, ASFF or an EventBridge envelope.
 */
#ifndef MM_DETECT_HIT_H
#define MM_DETECT_HIT_H

#include "mamori/detect.h"
#include "mamori/str.h"
#include "mamori/time.h"

/* The kind of resource a finding is about (GuardDuty's resource.resourceType). */
typedef enum mm__detect_resource {
  MM__DETECT_RES_ACCESS_KEY, /* CloudTrail findings: an IAM user/role's credentials */
  MM__DETECT_RES_INSTANCE,   /* flow and DNS findings: an EC2 instance (or its ENI / IP) */
  MM__DETECT_RES_S3_BUCKET   /* S3 data-event findings */
} mm__detect_resource;

/* One detection. Strings are borrowed for the duration of the emit call. */
typedef struct mm__detect_hit {
  const char *type;             /* GuardDuty finding type, "Recon:EC2/Portscan" */
  double severity;              /* GuardDuty's numeric severity, 1.0-8.9 */
  const char *rule_id;          /* the rule or detector that fired */
  mm__detect_resource resource; /* what the finding is about */
  mm_str resource_id;           /* eni-.../instance id/IP, access key id, bucket */
  mm_str principal;             /* CloudTrail: userIdentity.arn; else empty */
  mm_str action;                /* CloudTrail: eventSource:eventName; flow: protocol; DNS: qtype */
  mm_str local_ip;              /* flow/DNS: the monitored side */
  uint16_t local_port;
  mm_str remote_ip; /* flow: the other side; CloudTrail: sourceIPAddress */
  uint16_t remote_port;
  mm_str domain;               /* DNS findings: the name queried */
  mm_str list_name;            /* threat-list findings: the list that matched */
  mm_str detail;               /* why, for people: "61 ports in 60 s", "entropy 4.1" */
  mm_time first_seen;          /* first event that is evidence for the hit */
  mm_time last_seen;           /* last one */
  uint64_t count;              /* events the hit stands for (>= 1) */
  const mm_detect_record *rec; /* the record that triggered it, or NULL */
} mm__detect_hit;

typedef void (*mm__detect_emit_fn)(void *ud, const mm__detect_hit *hit);

#endif /* MM_DETECT_HIT_H */
