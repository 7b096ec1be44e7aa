/*
 * log.c - AWS WAF log records: one JSON object per evaluation with AWS's
 * field names and shapes (Developer Guide "Log fields for protection pack
 * (web ACL) traffic", logging-fields.html, and "Log examples",
 * logging-examples.html).
 *
 * Fields written: timestamp (ms), formatVersion 1, webaclId (the ARN),
 * terminatingRuleId, terminatingRuleType (REGULAR, RATE_BASED, GROUP,
 * MANAGED_RULE_GROUP), action, terminatingRuleMatchDetails, httpSourceName
 * and httpSourceId ("-": mamori is its own source), ruleGroupList,
 * rateBasedRuleList, nonTerminatingMatchingRules, requestHeadersInserted,
 * responseCodeSent, httpRequest {clientIp, country, headers, uri, args,
 * httpVersion, httpMethod, requestId, fragment, scheme, host}, labels,
 * captchaResponse / challengeResponse, oversizeFields, ja3Fingerprint,
 * ja4Fingerprint, requestBodySize, requestBodySizeInspectedByWAF.
 */
#include "waf/eval.h"

#include <string.h>

static const char *const TYPE_NAMES[] = {"REGULAR", "RATE_BASED", "GROUP", "MANAGED_RULE_GROUP"};

static void wstr(mm_json_writer *w, mm_str s) {
  mm_json_write_string(w, s.ptr ? s.ptr : "", s.len);
}
static void wkey(mm_json_writer *w, const char *k) { mm_json_write_key(w, k, strlen(k)); }
static void wkv(mm_json_writer *w, const char *k, mm_str v) {
  wkey(w, k);
  wstr(w, v);
}

static void details(mm_json_writer *w, const mm_waf_rule_hit *h) {
  if (!h || !h->n_details) {
    mm_json_write_array_begin(w);
    mm_json_write_array_end(w);
    return;
  }
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < h->n_details; i++) {
    const mm_waf_match_detail *d = &h->details[i];
    mm_json_write_object_begin(w);
    wkv(w, "conditionType", mm_str_from(d->condition));
    if (d->sensitivity) wkv(w, "sensitivityLevel", mm_str_from(d->sensitivity));
    wkv(w, "location", mm_str_from(d->location));
    wkey(w, "matchedData");
    mm_json_write_array_begin(w);
    /* AWS lists the matched tokens; ours are joined by spaces. */
    size_t start = 0;
    for (size_t k = 0; k <= d->matched.len; k++)
      if (k == d->matched.len || d->matched.ptr[k] == ' ') {
        if (k > start) wstr(w, (mm_str){d->matched.ptr + start, k - start});
        start = k + 1;
      }
    mm_json_write_array_end(w);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
}

static void rule_ref(mm_json_writer *w, const mm_waf_rule_hit *h, bool group) {
  mm_json_write_object_begin(w);
  wkv(w, "ruleId", group ? h->group_rule : h->rule);
  wkv(w, "action", mm_str_from(mm_waf_action_name(h->action)));
  if (h->excluded) {
    wkey(w, "overriddenAction");
    mm_json_write_string(w, "EXCLUDED_AS_COUNT", 17);
  }
  wkey(w, "ruleMatchDetails");
  details(w, h);
  mm_json_write_object_end(w);
}

/* ruleGroupList: one entry per rule group that had a matching rule. */
static void group_list(mm_json_writer *w, const mm_waf_result *res) {
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < res->n_hits; i++) {
    const mm_waf_rule_hit *h = &res->hits[i];
    if (!h->group_rule.len) continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = res->hits[j].group_rule.len && mm_str_eq(res->hits[j].rule, h->rule);
    if (seen) continue;
    mm_json_write_object_begin(w);
    wkv(w, "ruleGroupId", h->group_id);
    wkey(w, "terminatingRule");
    const mm_waf_rule_hit *term = NULL;
    for (size_t j = i; j < res->n_hits; j++)
      if (mm_str_eq(res->hits[j].rule, h->rule) && res->hits[j].terminating) term = &res->hits[j];
    if (term)
      rule_ref(w, term, true);
    else
      mm_json_write_null(w);
    wkey(w, "nonTerminatingMatchingRules");
    mm_json_write_array_begin(w);
    for (size_t j = i; j < res->n_hits; j++)
      if (mm_str_eq(res->hits[j].rule, h->rule) && !res->hits[j].terminating)
        rule_ref(w, &res->hits[j], true);
    mm_json_write_array_end(w);
    wkey(w, "excludedRules");
    mm_json_write_null(w);
    wkey(w, "customerConfig");
    mm_json_write_null(w);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
}

static void rate_list(mm_json_writer *w, const mm_waf_result *res) {
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < res->n_hits; i++) {
    const mm_waf_rule_hit *h = &res->hits[i];
    if (!h->rate_key_type) continue;
    mm_json_write_object_begin(w);
    wkv(w, "rateBasedRuleId", h->rule);
    wkv(w, "rateBasedRuleName", h->rule);
    wkv(w, "limitKey", mm_str_from(h->rate_key_type));
    wkey(w, "maxRateAllowed");
    mm_json_write_uint64(w, h->rate_limit);
    wkey(w, "evaluationWindowSec");
    mm_json_write_uint64(w, h->rate_window);
    if (strcmp(h->rate_key_type, "IP") && strcmp(h->rate_key_type, "FORWARDED_IP")) {
      wkey(w, "customValues");
      mm_json_write_array_begin(w);
      mm_json_write_array_end(w);
    } else {
      /* The key is "<len>:<address>". */
      const char *c = memchr(h->rate_key.ptr ? h->rate_key.ptr : "", ':', h->rate_key.len);
      wkv(w, "limitValue",
          c ? (mm_str){c + 1, h->rate_key.len - (size_t)(c + 1 - h->rate_key.ptr)} : h->rate_key);
    }
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
}

static void nonterminating(mm_json_writer *w, const mm_waf_result *res) {
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < res->n_hits; i++) {
    const mm_waf_rule_hit *h = &res->hits[i];
    if (h->terminating || h->group_rule.len) continue;
    rule_ref(w, h, false);
  }
  mm_json_write_array_end(w);
}

static void headers_array(mm_json_writer *w, const mm_waf_header *h, size_t n) {
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < n; i++) {
    mm_json_write_object_begin(w);
    wkv(w, "name", h[i].name);
    wkv(w, "value", h[i].value);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
}

static void http_request(mm_json_writer *w, const mm_waf_request *req, const mm_waf_result *res) {
  mm_str u = req->uri, path = u, args = {"", 0}, frag = {"", 0};
  const char *q = memchr(u.ptr ? u.ptr : "", '?', u.len),
             *f = memchr(u.ptr ? u.ptr : "", '#', u.len);
  if (q && f && f < q) q = NULL;
  const char *end = u.ptr + u.len;
  path.len = (size_t)((q ? q : f ? f : end) - u.ptr);
  if (q) args = (mm_str){q + 1, (size_t)((f ? f : end) - q - 1)};
  if (f) frag = (mm_str){f + 1, (size_t)(end - f - 1)};
  const mm_waf_header *host = mm__waf_header(req, MM_STR("host"));
  wkey(w, "httpRequest");
  mm_json_write_object_begin(w);
  wkv(w, "clientIp", req->client_ip);
  wkv(w, "country", mm_str_from(res->country && res->country[0] ? res->country : "-"));
  wkey(w, "headers");
  headers_array(w, req->headers, req->n_headers);
  wkv(w, "uri", path);
  wkv(w, "args", args);
  wkv(w, "httpVersion", req->version);
  wkv(w, "httpMethod", req->method);
  wkv(w, "requestId", mm_str_from(res->request_id));
  wkv(w, "fragment", frag);
  wkv(w, "scheme", req->tls ? MM_STR("https") : MM_STR("http"));
  wkv(w, "host", host ? host->value : (mm_str){"", 0});
  mm_json_write_object_end(w);
}

static void token_response(mm_json_writer *w, const mm_waf_result *res) {
  bool captcha = res->action == MM_WAF_CAPTCHA, challenge = res->action == MM_WAF_CHALLENGE;
  if (!captcha && !challenge) return;
  wkey(w, captcha ? "captchaResponse" : "challengeResponse");
  mm_json_write_object_begin(w);
  wkey(w, "responseCode");
  mm_json_write_uint64(w, res->response_code);
  if (res->token_failure) wkv(w, "failureReason", mm_str_from(res->token_failure));
  mm_json_write_object_end(w);
}

int mm_waf_log_record(const mm_waf_acl *acl, const mm_waf_request *req, const mm_waf_result *res,
                      mm_buf *out) {
  mm_json_writer w;
  mm_json_writer_init(&w, out, 0);
  mm_json_write_object_begin(&w);
  wkey(&w, "timestamp");
  mm_json_write_int64(&w, res->timestamp_ms);
  wkey(&w, "formatVersion");
  mm_json_write_int64(&w, 1);
  wkv(&w, "webaclId", acl->arn.len ? acl->arn : acl->name);
  wkv(&w, "terminatingRuleId", res->terminating_rule);
  wkv(&w, "terminatingRuleType", mm_str_from(TYPE_NAMES[res->terminating_type & 3]));
  wkv(&w, "action", mm_str_from(mm_waf_action_name(res->action)));
  const mm_waf_rule_hit *term = NULL;
  for (size_t i = 0; i < res->n_hits; i++)
    if (res->hits[i].terminating) term = &res->hits[i];
  wkey(&w, "terminatingRuleMatchDetails");
  details(&w, term);
  wkv(&w, "httpSourceName", MM_STR("-"));
  wkv(&w, "httpSourceId", MM_STR("-"));
  wkey(&w, "ruleGroupList");
  group_list(&w, res);
  wkey(&w, "rateBasedRuleList");
  rate_list(&w, res);
  wkey(&w, "nonTerminatingMatchingRules");
  nonterminating(&w, res);
  wkey(&w, "requestHeadersInserted");
  if (res->n_inserted_headers)
    headers_array(&w, res->inserted_headers, res->n_inserted_headers);
  else
    mm_json_write_null(&w);
  wkey(&w, "responseCodeSent");
  if (res->custom_response)
    mm_json_write_uint64(&w, res->response_code);
  else
    mm_json_write_null(&w);
  http_request(&w, req, res);
  if (res->n_labels) {
    wkey(&w, "labels");
    mm_json_write_array_begin(&w);
    for (size_t i = 0; i < res->n_labels; i++) {
      mm_json_write_object_begin(&w);
      wkv(&w, "name", res->labels[i]);
      mm_json_write_object_end(&w);
    }
    mm_json_write_array_end(&w);
  }
  token_response(&w, res);
  if (res->oversize) {
    wkey(&w, "oversizeFields");
    mm_json_write_array_begin(&w);
    if (res->oversize & MM_WAF_OVERSIZE_BODY) wstr(&w, MM_STR("REQUEST_BODY"));
    if (res->oversize & MM_WAF_OVERSIZE_HEADERS) wstr(&w, MM_STR("REQUEST_HEADERS"));
    if (res->oversize & MM_WAF_OVERSIZE_COOKIES) wstr(&w, MM_STR("REQUEST_COOKIES"));
    mm_json_write_array_end(&w);
  }
  if (res->ja3[0]) wkv(&w, "ja3Fingerprint", mm_str_from(res->ja3));
  if (res->ja4[0]) wkv(&w, "ja4Fingerprint", mm_str_from(res->ja4));
  uint64_t body = req->body_length > req->body.len ? req->body_length : req->body.len;
  if (body) {
    wkey(&w, "requestBodySize");
    mm_json_write_uint64(&w, body);
    wkey(&w, "requestBodySizeInspectedByWAF");
    mm_json_write_uint64(&w, res->body_inspected);
  }
  mm_json_write_object_end(&w);
  return mm_json_writer_finish(&w);
}
