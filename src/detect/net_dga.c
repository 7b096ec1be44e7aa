/*
 * net_dga.c - the DGA score behind Trojan:EC2/DGADomainRequest.B, and the
 * registered-domain rule the DNS detectors share.
 *
 * The score judges the registered label (the label left of the registered
 * suffix: "bootstrapcdn" in "cdn.bootstrapcdn.com", "ewivekyw" in
 * "ewivekyw.bazar"), lower-cased, n characters long:
 *
 *   B  mean cost, in bits, of its letter bigrams: -log2 P(next | letter)
 *      from the table below (English prose, add-one smoothed)
 *   D  share of digits;  C  longest run of consonants;  H  Shannon entropy
 *
 *   score = 0.55 clamp((B - 3.6) / 2.0) + 0.15 clamp(2.5 D) (0 when all
 *           digits) + 0.15 clamp((C - 3) / 3) + 0.15 clamp((H - 2.8) / 1.2)
 *
 * times n/8 when n < 8, and 0 when n < 6 (too short to judge). clamp()
 * bounds to [0, 1]. The cut-off (MM__NET_DEF_DGA_CUTOFF, 0.60) and the rates
 * it gives on maltrail's malware domains and on benign names are in
 * docs/detect-net.md; test_detect_net.c measures them.
 */
#include "detect/net_int.h"

#include <math.h>
#include <string.h>

/* -log2 P(b | a) in 1/16 bit, rows a, columns b, 'a'..'z'. */
static const uint8_t bigram_cost[26][26] = {
    {140, 78,  65, 84,  167, 106, 88, 186, 79,  162, 104, 54, 74,
     37,  152, 80, 155, 46,  66,  41, 100, 100, 98,  165, 83, 218}, /* a */
    {69,  186, 148, 148, 46, 170, 154, 186, 62,  83,  186, 36, 141,
     186, 77,  144, 186, 49, 93,  119, 38,  186, 170, 186, 50, 186}, /* b */
    {61,  181, 93,  161, 34,  127, 190, 56, 70,  206, 103, 63,  174,
     206, 29,  151, 165, 102, 136, 51,  68, 190, 158, 190, 141, 206}, /* c */
    {60,  74, 84, 81,  34, 93, 119, 116, 34, 152, 187, 103, 112,
     114, 51, 91, 203, 99, 87, 65,  79,  94, 83,  166, 103, 203}, /* d */
    {67, 115, 61, 54,  82, 79, 100, 130, 76, 175, 205, 75,  84,
     49, 78,  80, 114, 41, 54, 66,  112, 97, 88,  90,  101, 230}, /* e */
    {63,  147, 102, 115, 66, 74, 158, 135, 47,  195, 170, 109, 113,
     126, 39,  100, 195, 54, 87, 32,  86,  145, 108, 195, 67,  195}, /* f */
    {54, 107, 102, 105, 38, 110, 105, 48, 57,  184, 159, 97,  101,
     65, 76,  96,  184, 44, 81,  62,  88, 123, 90,  159, 129, 184}, /* g */
    {42,  169, 107, 129, 16,  133, 161, 150, 47,  190, 180, 142, 123,
     129, 58,  124, 206, 110, 115, 60,  126, 143, 153, 206, 115, 206}, /* h */
    {89, 64, 49,  93,  77, 70, 79, 223, 148, 223, 160, 81,  86,
     40, 49, 110, 186, 90, 47, 50, 145, 82,  191, 164, 207, 147}, /* i */
    {65,  118, 118, 118, 15,  118, 118, 118, 118, 118, 118, 118, 118,
     118, 60,  81,  118, 118, 118, 118, 38,  118, 118, 118, 118, 118}, /* j */
    {50, 67, 75,  125, 38,  83, 120, 132, 47,  157, 141, 84, 84,
     68, 74, 112, 157, 109, 50, 68,  77,  132, 73,  157, 98, 157}, /* k */
    {55,  113, 99, 78,  42,  106, 158, 171, 26,  203, 171, 54, 122,
     114, 69,  82, 203, 123, 87,  83,  75,  125, 126, 203, 62, 203}, /* l */
    {36,  77, 105, 119, 35,  152, 156, 145, 53,  193, 193, 121, 84,
     124, 48, 60,  193, 132, 57,  76,  73,  152, 115, 193, 124, 193}, /* m */
    {64,  120, 74,  46,  62,  99, 58, 150, 76,  165, 121, 109, 112,
     110, 54,  116, 177, 126, 43, 39, 94,  105, 110, 218, 71,  193}, /* n */
    {104, 106, 85, 72,  115, 49, 90, 151, 117, 198, 154, 92,  71,
     37,  112, 69, 223, 39,  86, 60, 54,  81,  91,  173, 130, 162}, /* o */
    {45,  193, 161, 145, 52, 177, 167, 110, 69,  193, 193, 51, 148,
     167, 60,  66,  193, 36, 126, 75,  56,  193, 156, 193, 54, 193}, /* p */
    {124, 124, 124, 124, 124, 124, 124, 124, 124, 124, 124, 124, 124,
     124, 124, 124, 124, 124, 124, 124, 3,   124, 124, 124, 124, 124}, /* q */
    {47,  114, 75, 88,  38, 104, 106, 132, 47,  219, 76,  107, 67,
     108, 55,  90, 219, 84, 65,  60,  111, 105, 98,  182, 74,  219}, /* r */
    {61, 112, 83, 106, 36,  91, 116, 82, 54,  190, 142, 73, 105,
     95, 49,  77, 165, 110, 68, 44,  70, 142, 94,  178, 99, 215}, /* s */
    {66,  118, 94,  121, 52, 114, 150, 27,  42,  184, 209, 93, 115,
     116, 54,  113, 193, 69, 73,  78,  108, 147, 85,  225, 81, 225}, /* t */
    {79, 63,  62,  72,  93, 115, 92, 113, 80,  199, 162, 73,  51,
     54, 114, 100, 199, 50, 48,  39, 129, 199, 112, 183, 157, 199}, /* u */
    {52,  175, 175, 175, 8,   150, 175, 175, 44,  175, 175, 175, 175,
     175, 92,  175, 175, 150, 175, 175, 175, 175, 175, 175, 175, 175}, /* v */
    {39, 165, 125, 165, 63, 121, 127, 45,  32,  181, 155, 106, 165,
     90, 35,  108, 181, 84, 120, 88,  155, 109, 104, 181, 136, 181}, /* w */
    {65,  128, 37, 144, 36,  128, 144, 77,  79,  144, 144, 144, 103,
     128, 112, 54, 144, 144, 144, 30,  144, 144, 144, 128, 75,  144}, /* x */
    {55, 90, 72, 85,  93, 84, 101, 120, 63,  145, 122, 91, 91,
     92, 27, 73, 193, 66, 66, 55,  105, 130, 81,  168, 95, 134}, /* y */
    {40,  101, 101, 101, 35,  101, 101, 101, 34,  101, 101, 101, 76,
     101, 76,  85,  101, 101, 76,  101, 101, 101, 101, 101, 101, 101}, /* z */
};

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

/* Second-level labels under which a two-letter country code registers
 * names (example.co.uk, example.com.au): the common ones, not the whole
 * Public Suffix List. */
static bool generic_sld(mm_str l) {
  static const char *const slds[] = {"co", "com", "net", "org", "gov", "edu", "ac", "or",
                                     "ne", "go",  "gob", "nic", "mil", "ltd", "plc"};
  for (size_t i = 0; i < sizeof slds / sizeof slds[0]; i++)
    if (mm_str_ieq(l, mm_str_from(slds[i]))) return true;
  return false;
}

/* The start of the label before position end (exclusive) of s. */
static size_t label_start(mm_str s, size_t end) {
  size_t i = end;
  while (i > 0 && s.ptr[i - 1] != '.') i--;
  return i;
}

mm_str mm__detect_registered_domain(mm_str name) {
  if (name.len && name.ptr[name.len - 1] == '.') name.len--;
  if (name.len == 0) return name;
  size_t tld = label_start(name, name.len);
  if (tld == 0) return name;
  size_t sld = label_start(name, tld - 1);
  mm_str sl = {name.ptr + sld, tld - 1 - sld};
  if (sld > 0 && name.len - tld == 2 && generic_sld(sl)) sld = label_start(name, sld - 1);
  return (mm_str){name.ptr + sld, name.len - sld};
}

static bool is_consonant(char ch) { return ch >= 'a' && ch <= 'z' && !strchr("aeiou", ch); }

double mm__detect_dga_score(mm_str domain) {
  mm_str reg = mm__detect_registered_domain(domain);
  const char *dot = memchr(reg.ptr, '.', reg.len);
  size_t n = dot ? (size_t)(dot - reg.ptr) : reg.len;
  if (n < 6 || n > 63) return 0;
  char lab[64];
  for (size_t i = 0; i < n; i++) lab[i] = mm_ascii_lower(reg.ptr[i]);
  unsigned counts[256] = {0}, digits = 0, run = 0, crun = 0, pairs = 0;
  double cost = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = lab[i];
    counts[(unsigned char)ch]++;
    digits += ch >= '0' && ch <= '9';
    run = is_consonant(ch) ? run + 1 : 0;
    if (run > crun) crun = run;
    if (i + 1 < n && ch >= 'a' && ch <= 'z' && lab[i + 1] >= 'a' && lab[i + 1] <= 'z') {
      cost += bigram_cost[ch - 'a'][lab[i + 1] - 'a'] / 16.0;
      pairs++;
    }
  }
  double h = 0;
  for (int i = 0; i < 256; i++)
    if (counts[i]) h -= (double)counts[i] / (double)n * log2((double)counts[i] / (double)n);
  double b = pairs ? cost / pairs : 0, d = (double)digits / (double)n;
  double s = 0.55 * clamp01((b - 3.6) / 2.0) + 0.15 * (digits < n ? clamp01(d * 2.5) : 0) +
             0.15 * clamp01(((double)crun - 3) / 3) + 0.15 * clamp01((h - 2.8) / 1.2);
  if (n < 8) s *= (double)n / 8;
  return s;
}
