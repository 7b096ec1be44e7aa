/*
 * waf_glue.c - the gateway's hand-off to the WAF engine.
 */
#include "gateway/gw.h"

mm__gw_waf *mm__gw_waf_load(const char *acl_path, mm_error *err) {
  mm_error_set(err, MM_EINVAL, "%s: web ACLs need the WAF engine (not yet linked)", acl_path);
  return NULL;
}

void mm__gw_waf_free(mm__gw_waf *w) { (void)w; }

int mm__gw_waf_inspect(mm__gw_waf *w, const mm_http_head *head, mm_str body, mm_str client_ip,
                       mm__gw_waf_result *res, mm_buf *log) {
  (void)w, (void)head, (void)body, (void)client_ip, (void)res, (void)log;
  return MM_EINVAL;
}
