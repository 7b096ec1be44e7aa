/*
 * dnslog.c - Route 53 Resolver query log records, as detectors see them.
 *
 * Each record is one JSON object per line with the members of "Values that
 * appear in VPC Resolver query logs"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html):
 * version, account_id, region, vpc_id, query_timestamp (ISO 8601, UTC),
 * query_name, query_type, query_class, rcode, answers[] (Rdata, Type,
 * Class), srcaddr, srcport (a string in AWS's example), transport,
 * srcids {instance | resolver_endpoint}, and with DNS Firewall
 * firewall_rule_action, firewall_rule_group_id, firewall_domain_list_id.
 * The record is kept exactly as AWS wrote it (rules match AWS's own
 * spelling); this file checks what detectors need: query_name, a parseable
 * query_timestamp, and srcaddr (when present) a valid IP address.
 */
#include "detect/detect_int.h"

#include <stdio.h>

static int bad(mm_error *err, const char *path, const char *msg) {
  mm_error_set(err, MM_EINVAL, "%s", msg);
  mm_error_set_path(err, path);
  return MM_EINVAL;
}

int mm__detect_dns(const mm_json_value *v, mm_detect_record *rec, mm_error *err) {
  if (!mm_json_is_object(v)) return bad(err, "$", "a Resolver query log record is a JSON object");
  mm_str q = mm_json_get_str(mm_json_get(v, "query_name"));
  if (!q.ptr || q.len == 0)
    return bad(err, "$.query_name", "query_name is missing or not a string");
  int rc = mm__detect_need_time(v, "query_timestamp", &rec->time, err);
  if (rc != MM_OK) return rc;
  const mm_json_value *src = mm_json_get(v, "srcaddr");
  if (src) {
    mm_str a = mm_json_get_str(src);
    mm_ip_addr ip;
    if (!a.ptr || mm_ip_parse(a.ptr, a.len, &ip, NULL) != MM_OK)
      return bad(err, "$.srcaddr", "srcaddr is not an IPv4 or IPv6 address");
  }
  rec->format = MM_DETECT_DNS;
  rec->flags = 0;
  rec->value = v;
  rec->flow = NULL;
  return MM_OK;
}
