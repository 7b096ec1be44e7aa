/*
 * token.c - mamori's aws-waf-token: the cookie a client presents after a
 * solved CAPTCHA puzzle or a silent challenge (AWS WAF Developer Guide
 * "Token use in AWS WAF intelligent threat mitigation", waf-tokens.html).
 * AWS's token format is private; mamori's is documented in waf.h
 * (mm_waf_token_make) and signed with HMAC-SHA256 (RFC 2104) under a key
 * from the engine configuration, so that only the gateway that holds the
 * key can mint tokens.
 *
 *   token   = b64url(payload) "." b64url(HMAC-SHA256(key, payload))
 *   payload = "1:" challenge_s ":" captcha_s ":" iphash ":" host
 *   iphash  = first 16 hex digits of HMAC-SHA256(key, client ip text)
 */
#include "waf/acl.h"

#include "mamori/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 64 /* SHA-256 block bytes */

void mm__waf_hmac_sha256(mm_str key, mm_str msg, uint8_t out[32]) {
  uint8_t k[BLOCK] = {0};
  if (key.len > BLOCK)
    mm__waf_t_sha256(key, k);
  else if (key.len)
    memcpy(k, key.ptr, key.len);
  /* Messages here are short (a payload, an address): a stack buffer does. */
  uint8_t buf[BLOCK + 512];
  size_t n = msg.len > 512 ? 512 : msg.len;
  for (int i = 0; i < BLOCK; i++) buf[i] = k[i] ^ 0x36;
  if (n) memcpy(buf + BLOCK, msg.ptr, n);
  uint8_t inner[32];
  mm__waf_t_sha256((mm_str){(const char *)buf, BLOCK + n}, inner);
  for (int i = 0; i < BLOCK; i++) buf[i] = k[i] ^ 0x5c;
  memcpy(buf + BLOCK, inner, 32);
  mm__waf_t_sha256((mm_str){(const char *)buf, BLOCK + 32}, out);
}

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url(mm_buf *out, const uint8_t *p, size_t n) {
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = acc << 8 | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      mm_buf_putc(out, B64URL[acc >> bits & 63]);
    }
  }
  if (bits) mm_buf_putc(out, B64URL[acc << (6 - bits) & 63]);
}

static size_t b64url_decode(mm_str s, uint8_t *out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < s.len; i++) {
    const char *q = memchr(B64URL, s.ptr[i], 64);
    if (!q || !s.ptr[i]) return SIZE_MAX;
    acc = acc << 6 | (uint32_t)(q - B64URL);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o == cap) return SIZE_MAX;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  return o;
}

static void ip_hash(mm_str key, mm_str ip, char out[17]) {
  uint8_t mac[32];
  mm__waf_hmac_sha256(key, ip, mac);
  for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

int mm_waf_token_make(mm_str key, mm_str client_ip, mm_str host, int64_t challenge_s,
                      int64_t captcha_s, mm_buf *out) {
  char h[17], payload[400];
  ip_hash(key, client_ip, h);
  int n = snprintf(payload, sizeof(payload), "1:%lld:%lld:%s:%.*s", (long long)challenge_s,
                   (long long)captcha_s, h, (int)(host.len > 255 ? 255 : host.len), host.ptr);
  uint8_t mac[32];
  mm__waf_hmac_sha256(key, (mm_str){payload, (size_t)n}, mac);
  b64url(out, (const uint8_t *)payload, (size_t)n);
  mm_buf_putc(out, '.');
  b64url(out, mac, 32);
  return out->oom ? MM_ENOMEM : MM_OK;
}

const char *mm__waf_token_check(mm_str key, mm_str tok, mm_str ip, mm_str host, int64_t now,
                                uint32_t immunity, bool captcha) {
  if (tok.len == 0) return "TOKEN_MISSING";
  if (key.len == 0 || tok.len > 700) return "TOKEN_INVALID";
  const char *dot = memchr(tok.ptr, '.', tok.len);
  if (!dot) return "TOKEN_INVALID";
  uint8_t payload[520], mac[40], want[32];
  size_t pn =
      b64url_decode((mm_str){tok.ptr, (size_t)(dot - tok.ptr)}, payload, sizeof(payload) - 1);
  size_t mn =
      b64url_decode((mm_str){dot + 1, tok.len - (size_t)(dot - tok.ptr) - 1}, mac, sizeof(mac));
  if (pn == SIZE_MAX || mn != 32) return "TOKEN_INVALID";
  mm__waf_hmac_sha256(key, (mm_str){(const char *)payload, pn}, want);
  uint8_t diff = 0;
  for (int i = 0; i < 32; i++) diff |= (uint8_t)(want[i] ^ mac[i]);
  if (diff) return "TOKEN_INVALID";
  payload[pn] = '\0';
  long long ch = 0, ca = 0;
  char hash[17] = {0};
  int host_at = 0;
  if (sscanf((const char *)payload, "1:%lld:%lld:%16[0-9a-f]:%n", &ch, &ca, hash, &host_at) < 3 ||
      host_at == 0)
    return "TOKEN_INVALID";
  mm_str thost = {(const char *)payload + host_at, pn - (size_t)host_at};
  char h[17];
  ip_hash(key, ip, h);
  if (strcmp(h, hash) != 0) return "TOKEN_INVALID";
  if (!mm_str_ieq(thost, host)) return "TOKEN_DOMAIN_MISMATCH";
  long long when = captcha ? ca : ch;
  if (when <= 0 || now - when > (long long)immunity || when > now + 300) return "TOKEN_EXPIRED";
  return NULL;
}
