/*
 * cloudtrail.c - CloudTrail events as detectors see them: the record itself
 * ("CloudTrail record contents",
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
 * unwrapped from an EventBridge envelope when it came through EventBridge
 * ("detail-type": "AWS API Call via CloudTrail" and the other "... via
 * CloudTrail" types, the event in "detail": "Events from AWS services",
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html),
 * checked for what every detector needs (eventName, eventSource, a
 * parseable eventTime) and classified: data events by eventCategory "Data"
 * (or managementEvent false in records older than eventCategory), S3 data
 * events by eventSource s3.amazonaws.com ("Logging data events",
 * logging-data-events-with-cloudtrail.html), Insights events by
 * eventCategory "Insight". Also the sniffer's guess of what a JSON record is.
 */
#include "detect/detect_int.h"

#include <string.h>

static const char envelope_suffix[] = " via CloudTrail";

/* The "detail" of an EventBridge event carrying a CloudTrail event, or NULL
 * when v is not such an envelope. */
static const mm_json_value *envelope_detail(const mm_json_value *v, bool *is_envelope) {
  mm_str dt = mm_json_get_str(mm_json_get(v, "detail-type"));
  *is_envelope = dt.ptr && mm_str_has_suffix(dt, MM_STR(envelope_suffix));
  return *is_envelope ? mm_json_get(v, "detail") : NULL;
}

mm_detect_format mm__detect_json_kind(const mm_json_value *v) {
  bool env;
  if (!mm_json_is_object(v)) return MM_DETECT_AUTO;
  if (mm_json_get(v, "query_name")) return MM_DETECT_DNS;
  if (envelope_detail(v, &env), env) return MM_DETECT_CLOUDTRAIL;
  if (mm_json_get(v, "eventName") || mm_json_get(v, "eventSource") ||
      mm_json_get(v, "eventVersion"))
    return MM_DETECT_CLOUDTRAIL;
  return MM_DETECT_AUTO;
}

/* err for a missing or malformed member name; returns MM_EINVAL. */
static int bad_member(mm_error *err, const char *name, const char *what) {
  char path[MM_ERROR_PATH_MAX];
  mm_error_set(err, MM_EINVAL, "%s %s", name, what);
  snprintf(path, sizeof(path), "$.%s", name);
  mm_error_set_path(err, path);
  return MM_EINVAL;
}

/* A member that must be a non-empty string. */
static int need_string(const mm_json_value *v, const char *name, mm_str *out, mm_error *err) {
  const mm_json_value *m = mm_json_get(v, name);
  if (!m) return bad_member(err, name, "is missing");
  *out = mm_json_get_str(m);
  if (!out->ptr || out->len == 0) return bad_member(err, name, "is not a non-empty string");
  return MM_OK;
}

int mm__detect_need_time(const mm_json_value *v, const char *name, mm_time *out, mm_error *err) {
  mm_str s;
  int rc = need_string(v, name, &s, err);
  if (rc != MM_OK) return rc;
  if (mm_time_parse_iso8601(s, out, NULL) != MM_OK)
    return bad_member(err, name, "is not an ISO 8601 time");
  return MM_OK;
}

static unsigned classify(const mm_json_value *v, mm_str source) {
  mm_str cat = mm_json_get_str(mm_json_get(v, "eventCategory"));
  const mm_json_value *mgmt = mm_json_get(v, "managementEvent");
  bool data =
      cat.ptr ? mm_str_eq(cat, MM_STR("Data")) : (mm_json_is_bool(mgmt) && !mm_json_is_true(mgmt));
  unsigned flags = 0;
  if (data) flags |= MM_DETECT_REC_DATA_EVENT;
  if (data && mm_str_eq(source, MM_STR("s3.amazonaws.com"))) flags |= MM_DETECT_REC_S3_DATA;
  if (cat.ptr && mm_str_eq(cat, MM_STR("Insight"))) flags |= MM_DETECT_REC_INSIGHT;
  return flags;
}

int mm__detect_cloudtrail(const mm_json_value *v, mm_detect_record *rec, mm_error *err) {
  bool env;
  const mm_json_value *detail = envelope_detail(v, &env);
  if (env && !mm_json_is_object(detail))
    return bad_member(err, "detail", "of an EventBridge CloudTrail event is not an object");
  if (env) v = detail;
  if (!mm_json_is_object(v))
    return mm_error_set(err, MM_EINVAL, "a CloudTrail event is a JSON object, not %s",
                        mm_json_type_name(mm_json_type_of(v)));
  mm_str name, source;
  int rc;
  if ((rc = need_string(v, "eventName", &name, err)) != MM_OK) return rc;
  if ((rc = need_string(v, "eventSource", &source, err)) != MM_OK) return rc;
  if ((rc = mm__detect_need_time(v, "eventTime", &rec->time, err)) != MM_OK) return rc;
  rec->format = MM_DETECT_CLOUDTRAIL;
  rec->flags = classify(v, source) | (env ? MM_DETECT_REC_ENVELOPE : 0);
  rec->value = v;
  rec->flow = NULL;
  return MM_OK;
}
