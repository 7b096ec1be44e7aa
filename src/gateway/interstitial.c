/*
 * interstitial.c - the pages the gateway serves for the web ACL's Challenge
 * (HTTP 202, a page whose script answers silently) and CAPTCHA (HTTP 405, a
 * small arithmetic puzzle) actions, and the endpoint they post back to,
 * which checks the answer and sets the aws-waf-token cookie the WAF engine
 * then accepts (mm_waf_token_make; AWS WAF Developer Guide, "CAPTCHA and
 * Challenge in AWS WAF", waf-captcha-and-challenge.html).
 *
 * The page carries a signed seed, so the gateway keeps no state:
 *   payload = kind ":" expiry ":" iphash ":" host ":" answer-hash
 *   seed    = payload "." hex(HMAC-SHA256(key, payload))
 * bound to the client address and Host, valid for SEED_TTL seconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "mamori/waf.h"
#include "waf/acl.h"

#define SEED_TTL 300 /* seconds a page may take to be answered */

static void hex(const uint8_t *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) out[2 * i] = digits[p[i] >> 4], out[2 * i + 1] = digits[p[i] & 15];
  out[2 * n] = '\0';
}

/* First 16 hex digits of HMAC(key, what "\n" value). */
static void mac16(mm_str key, const char *what, mm_str value, char out[17]) {
  char msg[600];
  int n = snprintf(msg, sizeof msg, "%s\n%.*s", what, (int)(value.len < 500 ? value.len : 500),
                   value.ptr);
  uint8_t mac[32];
  mm__waf_hmac_sha256(key, (mm_str){msg, (size_t)n}, mac);
  hex(mac, 8, out);
}

static void html_escaped(mm_buf *out, mm_str s) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (c == '<')
      mm_buf_puts(out, "&lt;");
    else if (c == '>')
      mm_buf_puts(out, "&gt;");
    else if (c == '&')
      mm_buf_puts(out, "&amp;");
    else if (c == '"')
      mm_buf_puts(out, "&quot;");
    else if (c == '\'')
      mm_buf_puts(out, "&#39;");
    else
      mm_buf_putc(out, c);
  }
}

static unsigned random_small(void) {
  unsigned v = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, &v, sizeof v);
    (void)n;
    close(fd);
  }
  return v;
}

static void make_seed(mm_str key, bool captcha, mm_str ip, mm_str host, const char *answer,
                      mm_buf *seed) {
  char iph[17], ans[17], sig[65];
  mac16(key, "ip", ip, iph);
  mac16(key, "answer", mm_str_from(answer), ans);
  mm_buf_printf(seed, "%s:%lld:%s:%.*s:%s", captcha ? "captcha" : "challenge",
                (long long)time(NULL) + SEED_TTL, iph, (int)host.len, host.ptr, ans);
  uint8_t mac[32];
  mm__waf_hmac_sha256(key, (mm_str){seed->ptr, seed->len}, mac);
  hex(mac, 32, sig);
  mm_buf_printf(seed, ".%s", sig);
}

void mm__gw_interstitial_page(mm_str key, bool captcha, mm_str ip, mm_str host, mm_str uri,
                              mm_buf *body) {
  unsigned r = random_small();
  unsigned a = 10 + r % 40, b = 10 + (r >> 8) % 40;
  char answer[16] = "";
  if (captcha) snprintf(answer, sizeof answer, "%u", a + b);
  mm_buf seed = MM_BUF_INIT;
  make_seed(key, captcha, ip, host, answer, &seed);
  mm_buf_puts(body, "<!doctype html><meta charset=utf-8><title>");
  mm_buf_puts(body, captcha ? "Are you human?" : "Checking your browser");
  mm_buf_puts(body,
              "</title><form method=post action=\"/__mamori/verify\">"
              "<input type=hidden name=seed value=\"");
  html_escaped(body, (mm_str){seed.ptr, seed.len});
  mm_buf_puts(body, "\"><input type=hidden name=to value=\"");
  html_escaped(body, uri);
  mm_buf_puts(body, "\">");
  if (captcha)
    mm_buf_printf(body,
                  "<p>To continue, answer: what is %u + %u?</p><input name=answer autofocus>"
                  "<button>Continue</button></form>",
                  a, b);
  else
    mm_buf_puts(body,
                "<p>Checking your browser...</p><noscript>This site needs JavaScript."
                "</noscript></form><script>setTimeout(function(){document.forms[0]."
                "submit()},200)</script>");
  mm_buf_free(&seed);
}

/* The value of form field name (URL-decoded into out), or false. */
static bool form_field(mm_str form, const char *name, char *out, size_t cap) {
  size_t nlen = strlen(name);
  for (size_t i = 0; i < form.len;) {
    size_t end = i;
    while (end < form.len && form.ptr[end] != '&') end++;
    if (end - i > nlen && memcmp(form.ptr + i, name, nlen) == 0 && form.ptr[i + nlen] == '=') {
      size_t o = 0;
      for (size_t k = i + nlen + 1; k < end && o + 1 < cap; k++) {
        char c = form.ptr[k];
        int hi, lo;
        if (c == '+')
          c = ' ';
        else if (c == '%' && k + 2 < end &&
                 (hi = mm__waf_hex_value((uint8_t)form.ptr[k + 1])) >= 0 &&
                 (lo = mm__waf_hex_value((uint8_t)form.ptr[k + 2])) >= 0)
          c = (char)(hi << 4 | lo), k += 2;
        out[o++] = c;
      }
      out[o] = '\0';
      return true;
    }
    i = end + 1;
  }
  return false;
}

int mm__gw_interstitial_verify(mm_str key, mm_str form, mm_str ip, mm_str host, mm_buf *cookie,
                               mm_buf *location) {
  char seed[1024], to[1024] = "/", answer[32] = "";
  if (!form_field(form, "seed", seed, sizeof seed)) return MM_EINVAL;
  form_field(form, "to", to, sizeof to);
  form_field(form, "answer", answer, sizeof answer);
  char *dot = strrchr(seed, '.');
  if (!dot) return MM_EINVAL;
  *dot = '\0';
  uint8_t mac[32];
  char sig[65];
  mm__waf_hmac_sha256(key, mm_str_from(seed), mac);
  hex(mac, 32, sig);
  if (strcmp(sig, dot + 1) != 0) return MM_EINVAL;
  /* kind:expiry:iphash:host:answerhash - the host may hold ':' (a port) */
  char kind[16], iph[17], ans[17], want_ip[17], want_ans[17];
  long long expiry;
  int used = 0;
  if (sscanf(seed, "%15[a-z]:%lld:%16[0-9a-f]:%n", kind, &expiry, iph, &used) != 3 || !used)
    return MM_EINVAL;
  const char *last = strrchr(seed, ':');
  if (!last || last < seed + used || strlen(last + 1) != 16) return MM_EINVAL;
  memcpy(ans, last + 1, 17);
  mm_str seed_host = {seed + used, (size_t)(last - seed - used)};
  mac16(key, "ip", ip, want_ip);
  bool captcha = strcmp(kind, "captcha") == 0;
  mac16(key, "answer", mm_str_from(captcha ? answer : ""), want_ans);
  if (expiry < (long long)time(NULL) || strcmp(iph, want_ip) != 0 || !mm_str_ieq(seed_host, host) ||
      strcmp(ans, want_ans) != 0)
    return MM_EINVAL;
  mm_buf token = MM_BUF_INIT;
  int64_t now = (int64_t)time(NULL);
  int rc = mm_waf_token_make(key, ip, host, now, captcha ? now : 0, &token);
  if (rc == MM_OK) {
    mm_buf_printf(cookie, "aws-waf-token=%.*s; Path=/; HttpOnly; SameSite=Lax", (int)token.len,
                  token.ptr);
    /* only a path on this site: never an open redirect */
    bool local = to[0] == '/' && to[1] != '/' && to[1] != '\\' && !strpbrk(to, "\r\n");
    mm_buf_puts(location, local ? to : "/");
  }
  mm_buf_free(&token);
  return rc;
}
