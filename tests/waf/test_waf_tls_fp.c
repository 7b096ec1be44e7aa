/*
 * test_waf_tls_fp.c - JA3 and JA4 fingerprints (src/waf/tls_fp.c) against
 * the values their specifications publish:
 *   - JA3: the two examples of Salesforce's README (github.com/salesforce/ja3,
 *     "769,47-53-5-...,0-10-11,23-24-25,0 --> ada70206e40642a3e4461f35503241d5"
 *     and "769,4-5-10-9-100-98-3-6-19-18-99,,, --> de350869b8c85de67a350c8d186f11e6");
 *   - JA4: FoxIO's technical_details/JA4.md "Example" (t13d1516h2_8daaf6152771_e5627efa2ab1)
 *     and its "no signature algorithms" hash 6d807ffa2a79;
 *   - both on one Chrome 143 ClientHello captured by browserleaks.com
 *     (JA3 98487aa16281980e7d1120d399efb6a4, JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd),
 *     with GREASE values added where Chrome sends them.
 * And the rules around them: GREASE removed everywhere, counts capped at
 * 99, versions from supported_versions, 'i' without SNI, "00" without ALPN,
 * 'q' for QUIC, empty lists.
 */
#include "mamori/waf.h"

#include "test.h"

/* FoxIO JA4.md "Example": the cipher and extension lists in the order sent. */
static const uint16_t foxio_ciphers[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                         0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                                         0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t foxio_exts[] = {0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469,
                                      0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
                                      0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x3a3a};
static const uint16_t foxio_sigs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                      0x0805, 0x0501, 0x0806, 0x0601};
static const uint16_t tls13_versions[] = {0x7a7a, 0x0304, 0x0303};

static mm_waf_tls_hello foxio_hello(void) {
  return (mm_waf_tls_hello){.legacy_version = 0x0303,
                            .ciphers = foxio_ciphers,
                            .n_ciphers = MM_ARRAY_LEN(foxio_ciphers),
                            .extensions = foxio_exts,
                            .n_extensions = MM_ARRAY_LEN(foxio_exts),
                            .sig_algs = foxio_sigs,
                            .n_sig_algs = MM_ARRAY_LEN(foxio_sigs),
                            .versions = tls13_versions,
                            .n_versions = MM_ARRAY_LEN(tls13_versions),
                            .alpn = MM_STR("h2"),
                            .has_sni = true};
}

static const char *ja4(const mm_waf_tls_hello *h) {
  static char out[MM_WAF_JA4_LEN + 1];
  if (mm_waf_ja4(h, out) != MM_OK) MM_TEST_FAIL("mm_waf_ja4 failed");
  return out;
}

TEST(ja3_salesforce_readme_examples) {
  static const uint16_t c1[] = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
  static const uint16_t e1[] = {0, 10, 11}, g1[] = {23, 24, 25};
  static const uint8_t p1[] = {0};
  mm_waf_tls_hello h = {.legacy_version = 769,
                        .ciphers = c1,
                        .n_ciphers = MM_ARRAY_LEN(c1),
                        .extensions = e1,
                        .n_extensions = 3,
                        .groups = g1,
                        .n_groups = 3,
                        .point_formats = p1,
                        .n_point_formats = 1};
  char out[MM_WAF_JA3_LEN + 1];
  mm_buf full = MM_BUF_INIT;
  ASSERT_EQ(mm_waf_ja3(&h, out, &full), MM_OK);
  ASSERT_EQ_STR(full.ptr, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  ASSERT_EQ_STR(out, "ada70206e40642a3e4461f35503241d5");
  static const uint16_t c2[] = {4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99};
  mm_waf_tls_hello h2 = {.legacy_version = 769, .ciphers = c2, .n_ciphers = MM_ARRAY_LEN(c2)};
  ASSERT_EQ(mm_waf_ja3(&h2, out, &full), MM_OK);
  ASSERT_EQ_STR(full.ptr, "769,4-5-10-9-100-98-3-6-19-18-99,,,");
  ASSERT_EQ_STR(out, "de350869b8c85de67a350c8d186f11e6");
  ASSERT_EQ(mm_waf_ja3(&h2, out, NULL), MM_OK);
  ASSERT_EQ_STR(out, "de350869b8c85de67a350c8d186f11e6");
  mm_buf_free(&full);
}

TEST(ja4_foxio_spec_example) {
  mm_waf_tls_hello h = foxio_hello();
  ASSERT_EQ_STR(ja4(&h), "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

TEST(ja4_foxio_spec_no_signature_algorithms) {
  /* JA4.md: without signature algorithms the string ends without '_'. */
  mm_waf_tls_hello h = foxio_hello();
  h.n_sig_algs = 0;
  ASSERT_EQ_STR(ja4(&h), "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

/* Chrome 143 as browserleaks.com reported it (ja3_text, ja4, ja4_ro), with
 * Chrome's GREASE values put back where Chrome sends them. */
TEST(ja3_ja4_chrome_143_capture) {
  static const uint16_t ciphers[] = {0x8a8a, 4865,  4866,  4867,  49195, 49199, 49196, 49200,
                                     52393,  52392, 49171, 49172, 156,   157,   47,    53};
  static const uint16_t exts[] = {0xdada, 45, 51,    16, 65037, 23, 17613, 0,  11,
                                  10,     43, 65281, 35, 18,    5,  13,    27, 0x1a1a};
  static const uint16_t groups[] = {0x4a4a, 4588, 29, 23, 24};
  static const uint8_t formats[] = {0};
  static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  static const uint16_t versions[] = {0x6a6a, 0x0304, 0x0303};
  mm_waf_tls_hello h = {.legacy_version = 771,
                        .ciphers = ciphers,
                        .n_ciphers = MM_ARRAY_LEN(ciphers),
                        .extensions = exts,
                        .n_extensions = MM_ARRAY_LEN(exts),
                        .groups = groups,
                        .n_groups = MM_ARRAY_LEN(groups),
                        .point_formats = formats,
                        .n_point_formats = 1,
                        .sig_algs = sigs,
                        .n_sig_algs = MM_ARRAY_LEN(sigs),
                        .versions = versions,
                        .n_versions = MM_ARRAY_LEN(versions),
                        .alpn = MM_STR("h2"),
                        .has_sni = true};
  char out[MM_WAF_JA3_LEN + 1];
  mm_buf full = MM_BUF_INIT;
  ASSERT_EQ(mm_waf_ja3(&h, out, &full), MM_OK);
  ASSERT_EQ_STR(full.ptr,
                "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-"
                "157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-"
                "29-23-24,0");
  ASSERT_EQ_STR(out, "98487aa16281980e7d1120d399efb6a4");
  ASSERT_EQ_STR(ja4(&h), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  mm_buf_free(&full);
}

TEST(ja4_prefix_rules) {
  mm_waf_tls_hello h = foxio_hello();
  h.n_versions = 0; /* legacy_version 0x0303 */
  ASSERT_EQ_MEM(ja4(&h), 10, "t12d1516h2");
  h.legacy_version = 0x0300;
  ASSERT_EQ_MEM(ja4(&h), 10, "ts3d1516h2");
  h.legacy_version = 0x0999;
  ASSERT_EQ_MEM(ja4(&h), 10, "t00d1516h2");
  h = foxio_hello();
  h.quic = true;
  h.alpn = MM_STR("http/1.1");
  ASSERT_EQ_MEM(ja4(&h), 10, "q13d1516h1");
  h.alpn = MM_STR("");
  ASSERT_EQ_MEM(ja4(&h), 10, "q13d151600");
  h.alpn = MM_STR("\xab\x01\xcd"); /* not alphanumeric: hex digits of first and last byte */
  ASSERT_EQ_MEM(ja4(&h), 10, "q13d1516ad");
  /* Without SNI: 'i', and the 0000 extension no longer counts. */
  static const uint16_t no_sni[] = {0x0010, 0x000d, 0x002b};
  h = foxio_hello();
  h.has_sni = false;
  h.extensions = no_sni;
  h.n_extensions = 3;
  ASSERT_EQ_MEM(ja4(&h), 10, "t13i1503h2");
}

TEST(ja4_counts_cap_at_99_and_empty_lists_hash_to_zeros) {
  uint16_t many[150];
  for (int i = 0; i < 150; i++) many[i] = (uint16_t)(0x0100 + i);
  mm_waf_tls_hello h = {.legacy_version = 0x0303,
                        .ciphers = many,
                        .n_ciphers = 150,
                        .extensions = many,
                        .n_extensions = 150};
  ASSERT_EQ_MEM(ja4(&h), 11, "t12i999900_");
  mm_waf_tls_hello empty = {.legacy_version = 0x0303};
  ASSERT_EQ_STR(ja4(&empty), "t12i000000_000000000000_000000000000");
  static const uint16_t grease_only[] = {0x0a0a, 0xfafa};
  empty.ciphers = grease_only;
  empty.n_ciphers = 2;
  ASSERT_EQ_STR(ja4(&empty), "t12i000000_000000000000_000000000000");
}

TEST(fingerprints_survive_allocation_failures) {
  mm_waf_tls_hello h = foxio_hello();
  FAULT_LOOP({
    char out[MM_WAF_JA4_LEN + 1];
    int rc = mm_waf_ja4(&h, out);
    if (rc == MM_OK)
      ASSERT_EQ_STR(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    else
      ASSERT_EQ(rc, MM_ENOMEM);
    char out3[MM_WAF_JA3_LEN + 1];
    rc = mm_waf_ja3(&h, out3, NULL);
    if (rc != MM_OK) ASSERT_EQ(rc, MM_ENOMEM);
  });
}

int main(void) {
  RUN(ja3_salesforce_readme_examples);
  RUN(ja4_foxio_spec_example);
  RUN(ja4_foxio_spec_no_signature_algorithms);
  RUN(ja3_ja4_chrome_143_capture);
  RUN(ja4_prefix_rules);
  RUN(ja4_counts_cap_at_99_and_empty_lists_hash_to_zeros);
  RUN(fingerprints_survive_allocation_failures);
  return mm_test_summary();
}
