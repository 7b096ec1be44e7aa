/*
 * test_detect_intel.c - threat lists and trusted-IP lists (src/detect/intel.c)
 * in GuardDuty's formats TXT, STIX (1.x XML and 2.x JSON) and OTX_CSV
 * ("Adding and managing trusted IP lists and threat lists",
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html):
 * the sample lists in tests/detect/net/lists/ with their malformed lines
 * (counted and located), lookups (parent domains, trusted lists), the entry
 * limit, directories (names, gzip), the shipped default set, and fault
 * injection.
 */
#include "detect/intel.h"
#include "detect/limits.h"
#include "test.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define LISTS MM_DETECT_TEST_DIR "/net/lists/"

static mm__intel *load(const char *file, mm__intel_format fmt, mm__intel_kind kind, size_t *bad,
                       mm_error *err) {
  size_t len;
  char *text = mm_test_read_file(file, &len);
  ASSERT_TRUE(text != NULL);
  mm__intel *in = mm__intel_new();
  ASSERT_TRUE(in != NULL);
  ASSERT_EQ(mm__intel_add(in, "sample", kind, true, false, fmt, text, len, bad, err), MM_OK);
  free(text);
  mm_error e2;
  ASSERT_EQ(mm__intel_compile(in, &e2), MM_OK);
  return in;
}

static bool ip_listed(const mm__intel *in, const char *s) {
  mm_ip_addr a;
  ASSERT_EQ(mm_ip_parse(s, strlen(s), &a, NULL), MM_OK);
  return mm__intel_ip(in, &a, NULL);
}

static bool dom_listed(const mm__intel *in, const char *s) {
  return mm__intel_domain(in, mm_str_from(s), NULL);
}

TEST(txt_list) {
  size_t bad;
  mm_error err;
  mm__intel *in = load(LISTS "sample.txt", MM__INTEL_TXT, MM__INTEL_CNC, &bad, &err);
  ASSERT_EQ(bad, 5); /* 999.1.1.1, "not a domain", a URL, ip:port, /33 */
  ASSERT_EQ(err.line, 11);
  ASSERT_EQ(err.column, 1);
  ASSERT_TRUE(ip_listed(in, "198.51.100.7"));
  ASSERT_TRUE(ip_listed(in, "203.0.113.200"));
  ASSERT_TRUE(ip_listed(in, "192.0.2.15"));
  ASSERT_FALSE(ip_listed(in, "192.0.2.21"));
  ASSERT_TRUE(ip_listed(in, "2001:db8:1::5"));
  ASSERT_TRUE(ip_listed(in, "::ffff:198.51.100.7")); /* the mapped spelling of a listed IPv4 */
  ASSERT_TRUE(dom_listed(in, "evil.example.com"));
  ASSERT_TRUE(dom_listed(in, "A.B.EVIL.example.com."));
  ASSERT_FALSE(dom_listed(in, "notevil.example.com"));
  ASSERT_FALSE(dom_listed(in, "example.com"));
  ASSERT_TRUE(dom_listed(in, "x.wild.example"));
  ASSERT_TRUE(dom_listed(in, "wild.example"));
  ASSERT_TRUE(dom_listed(in, "y.dotted.example"));
  ASSERT_FALSE(dom_listed(in, ""));
  ASSERT_FALSE(dom_listed(in, "."));
  mm__intel_match m;
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("evil.example.com"), &m));
  ASSERT_EQ_MEM(m.list.ptr, m.list.len, "sample");
  ASSERT_EQ(m.kind, MM__INTEL_CNC);
  ASSERT_TRUE(m.custom);
  mm__intel_stats st;
  mm__intel_get_stats(in, &st);
  ASSERT_EQ(st.ip_entries, 4);
  ASSERT_EQ(st.domains, 3);
  ASSERT_EQ(st.bad, 5);
  mm__intel_free(in);
}

TEST(stix1_xml_list) {
  size_t bad;
  mm_error err;
  mm__intel *in = load(LISTS "sample_stix1.xml", MM__INTEL_STIX, MM__INTEL_CNC, &bad, &err);
  ASSERT_EQ(bad, 1); /* "bad&name.example" */
  ASSERT_EQ(err.line, 29);
  ASSERT_TRUE(ip_listed(in, "198.51.100.7"));
  ASSERT_TRUE(ip_listed(in, "203.0.113.9"));
  ASSERT_TRUE(ip_listed(in, "192.0.2.33"));
  ASSERT_TRUE(dom_listed(in, "evil.example.com"));
  ASSERT_TRUE(dom_listed(in, "cdata.example"));
  ASSERT_FALSE(dom_listed(in, "example.com")); /* from someone@example.com: skipped */
  mm__intel_free(in);
}

TEST(stix2_json_list) {
  size_t bad;
  mm_error err;
  mm__intel *in = load(LISTS "sample_stix2.json", MM__INTEL_STIX, MM__INTEL_CNC, &bad, &err);
  ASSERT_EQ(bad, 1); /* 300.1.2.3 */
  ASSERT_EQ_STR(err.path, "$.objects[5].pattern");
  ASSERT_TRUE(ip_listed(in, "198.51.100.7"));
  ASSERT_TRUE(ip_listed(in, "203.0.113.1"));
  ASSERT_TRUE(ip_listed(in, "2001:db8::1"));
  ASSERT_TRUE(dom_listed(in, "evil.example.com"));
  mm__intel_stats st;
  mm__intel_get_stats(in, &st);
  ASSERT_EQ(st.ip_entries + st.domains, 4);
  mm__intel_free(in);

  /* Not JSON at all: one bad record, located. */
  in = mm__intel_new();
  ASSERT_EQ(mm__intel_add(in, "x", MM__INTEL_CNC, false, false, MM__INTEL_STIX, "{\"objects\": [",
                          13, &bad, &err),
            MM_OK);
  ASSERT_EQ(bad, 1);
  ASSERT_TRUE(err.code != MM_OK);
  mm__intel_free(in);
}

TEST(otx_csv_list) {
  size_t bad;
  mm_error err;
  mm__intel *in = load(LISTS "sample_otx.csv", MM__INTEL_OTX_CSV, MM__INTEL_MALICIOUS, &bad, &err);
  ASSERT_EQ(bad, 2); /* "not-an-ip!", "onlyonefield" */
  ASSERT_EQ(err.line, 10);
  ASSERT_EQ(err.column, 6);
  ASSERT_TRUE(ip_listed(in, "198.51.100.7"));
  ASSERT_TRUE(ip_listed(in, "203.0.113.77"));
  ASSERT_TRUE(ip_listed(in, "2001:db8::1"));
  ASSERT_TRUE(dom_listed(in, "evil.example.com"));
  ASSERT_TRUE(dom_listed(in, "www.other.example"));
  ASSERT_FALSE(dom_listed(in, "other.example"));
  mm__intel_stats st;
  mm__intel_get_stats(in, &st);
  ASSERT_EQ(st.ip_entries, 3);
  ASSERT_EQ(st.domains, 2);
  mm__intel_free(in);
}

TEST(trusted_lists_suppress) {
  mm__intel *in = mm__intel_new();
  size_t bad;
  mm_error err;
  const char threat[] = "198.51.100.0/24\n";
  const char trusted[] = "198.51.100.7\nevil.example\n";
  ASSERT_EQ(mm__intel_add(in, "t", MM__INTEL_CNC, false, false, MM__INTEL_TXT, threat,
                          sizeof threat - 1, &bad, &err),
            MM_OK);
  ASSERT_EQ(mm__intel_add(in, "ok", MM__INTEL_MALICIOUS, true, true, MM__INTEL_TXT, trusted,
                          sizeof trusted - 1, &bad, &err),
            MM_OK);
  ASSERT_EQ(bad, 1); /* a trusted list holds IP addresses only */
  ASSERT_EQ(err.line, 2);
  ASSERT_FALSE(ip_listed(in, "198.51.100.8")); /* not compiled yet: no answers */
  ASSERT_EQ(mm__intel_compile(in, &err), MM_OK);
  ASSERT_TRUE(ip_listed(in, "198.51.100.8"));
  ASSERT_FALSE(ip_listed(in, "198.51.100.7"));
  mm_ip_addr a;
  ASSERT_EQ(mm_ip_parse("198.51.100.7", 12, &a, NULL), MM_OK);
  ASSERT_TRUE(mm__intel_trusted_ip(in, &a));
  /* Frozen once compiled. */
  ASSERT_EQ(mm__intel_add(in, "late", MM__INTEL_CNC, false, false, MM__INTEL_TXT, threat,
                          sizeof threat - 1, &bad, &err),
            MM_EINVAL);
  mm__intel_free(in);
}

TEST(kind_names) {
  for (int k = 0; k < MM__INTEL_KIND_COUNT; k++) {
    mm__intel_kind back;
    ASSERT_EQ(mm__intel_kind_parse(mm_str_from(mm__intel_kind_name((mm__intel_kind)k)), &back),
              MM_OK);
    ASSERT_EQ(back, k);
  }
  mm__intel_kind k;
  ASSERT_EQ(mm__intel_kind_parse(MM_STR("nope"), &k), MM_ENOENT);
  ASSERT_EQ_STR(mm__intel_kind_name(MM__INTEL_KIND_COUNT), "unknown");
}

/* A TXT list of n distinct addresses 10.x.y.z. */
static char *many(size_t n, size_t *len) {
  char *t = malloc(n * 16 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    o += (size_t)snprintf(t + o, 17, "10.%u.%u.%u\n", (unsigned)(i >> 16 & 255),
                          (unsigned)(i >> 8 & 255), (unsigned)(i & 255));
  *len = o;
  return t;
}

TEST(entry_limit) {
  size_t len, bad;
  mm_error err;
  char *t = many(MM_DETECT_MAX_INTEL_ENTRIES + 1, &len);
  mm__intel *in = mm__intel_new();
  /* Exactly the limit: fine. */
  size_t cut = 0;
  for (size_t i = 0; i < MM_DETECT_MAX_INTEL_ENTRIES; i++)
    cut = (size_t)((const char *)memchr(t + cut, '\n', len - cut) - t) + 1;
  ASSERT_EQ(mm__intel_add(in, "full", MM__INTEL_MALICIOUS, true, false, MM__INTEL_TXT, t, cut, &bad,
                          &err),
            MM_OK);
  /* One more: MM_ELIMIT at the extra line. */
  ASSERT_EQ(mm__intel_add(in, "over", MM__INTEL_MALICIOUS, true, false, MM__INTEL_TXT, t, len, &bad,
                          &err),
            MM_ELIMIT);
  ASSERT_EQ(err.line, MM_DETECT_MAX_INTEL_ENTRIES + 1);
  ASSERT_EQ(mm__intel_compile(in, &err), MM_OK);
  ASSERT_TRUE(ip_listed(in, "10.3.208.143"));
  mm__intel_free(in);
  free(t);
}

static void write_file(const char *path, const char *text, bool gz) {
  if (gz) {
    gzFile g = gzopen(path, "wb");
    ASSERT_TRUE(g != NULL);
    ASSERT_EQ(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
    gzclose(g);
    return;
  }
  FILE *f = fopen(path, "wb");
  ASSERT_TRUE(f != NULL);
  fputs(text, f);
  fclose(f);
}

TEST(directories) {
  char dir[] = "/tmp/mamori-intel-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  char p[256];
  const char *files[][2] = {
      {"cnc-botnet.txt", "c2.example\n198.51.100.1\n"},
      {"mining-pools.csv", "Indicator type,Indicator,Description\ndomain,pool.example,\n"},
      {"tor-exits.stix", "[ipv4-addr:value = '1.2.3.4']"},
      {"trusted-office.txt", "203.0.113.5\n"},
      {"mylist.txt", "unknown-kind.example\n"},
      {"README", "not a list\n"},
      {"MANIFEST", "ignored\n"},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i][0]);
    write_file(p, files[i][1], false);
  }
  snprintf(p, sizeof p, "%s/phishing-feed.txt.gz", dir);
  write_file(p, "# gzip-compressed\nlogin-verify.example\n", true);
  snprintf(p, sizeof p, "%s/tor-exits.stix", dir);
  write_file(p, "{\"type\":\"indicator\",\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\"}", false);

  mm__intel *in = mm__intel_new();
  mm_error err;
  ASSERT_EQ(mm__intel_add_dir(in, dir, true, &err), MM_OK);
  ASSERT_EQ(mm__intel_compile(in, &err), MM_OK);
  mm__intel_match m;
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("x.c2.example"), &m));
  ASSERT_EQ(m.kind, MM__INTEL_CNC);
  ASSERT_EQ_MEM(m.list.ptr, m.list.len, "cnc-botnet");
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("pool.example"), &m));
  ASSERT_EQ(m.kind, MM__INTEL_MINING);
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("login-verify.example"), &m));
  ASSERT_EQ(m.kind, MM__INTEL_PHISHING);
  ASSERT_EQ_MEM(m.list.ptr, m.list.len, "phishing-feed");
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("unknown-kind.example"), &m));
  ASSERT_EQ(m.kind, MM__INTEL_MALICIOUS);
  ASSERT_TRUE(m.custom);
  mm_ip_addr a;
  ASSERT_EQ(mm_ip_parse("1.2.3.4", 7, &a, NULL), MM_OK);
  ASSERT_TRUE(mm__intel_ip(in, &a, &m));
  ASSERT_EQ(m.kind, MM__INTEL_TOR);
  ASSERT_EQ(mm_ip_parse("203.0.113.5", 11, &a, NULL), MM_OK);
  ASSERT_TRUE(mm__intel_trusted_ip(in, &a));
  mm__intel_stats st;
  mm__intel_get_stats(in, &st);
  ASSERT_EQ(st.lists, 6);
  mm__intel_free(in);

  /* A missing directory: MM_EIO. A truncated gzip file: MM_EIO, named. */
  in = mm__intel_new();
  ASSERT_EQ(mm__intel_add_dir(in, "/nonexistent/intel", false, &err), MM_EIO);
  mm__intel_free(in);
  snprintf(p, sizeof p, "%s/phishing-feed.txt.gz", dir);
  FILE *f = fopen(p, "r+b");
  ASSERT_TRUE(f != NULL);
  ASSERT_EQ(ftruncate(fileno(f), 20), 0);
  fclose(f);
  in = mm__intel_new();
  ASSERT_EQ(mm__intel_add_dir(in, dir, false, &err), MM_EIO);
  ASSERT_TRUE(strstr(err.msg, "phishing-feed.txt.gz") != NULL);
  mm__intel_free(in);

  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i][0]);
    unlink(p);
  }
  snprintf(p, sizeof p, "%s/phishing-feed.txt.gz", dir);
  unlink(p);
  rmdir(dir);
}

TEST(default_set) {
  mm__intel *in = mm__intel_new();
  mm_error err;
  ASSERT_EQ(mm__intel_add_dir(in, NULL, false, &err), MM_OK);
  ASSERT_EQ(mm__intel_compile(in, &err), MM_OK);
  mm__intel_stats st;
  mm__intel_get_stats(in, &st);
  printf("default set: %zu lists, %zu IP entries, %zu domains, %zu bad\n", st.lists, st.ip_entries,
         st.domains, st.bad);
  ASSERT_EQ(st.bad, 0);
  ASSERT_EQ(st.lists, 6);
  ASSERT_TRUE(st.ip_entries > 10000 && st.domains > 10000);
  mm__intel_match m;
  ASSERT_TRUE(ip_listed(in, "77.90.185.20")); /* ipsum's top entry (10 blacklists) */
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("pool.minexmr.com."), &m));
  ASSERT_EQ(m.kind, MM__INTEL_MINING);
  ASSERT_FALSE(m.custom);
  ASSERT_TRUE(mm__intel_domain(in, MM_STR("ewivekyw.bazar"), &m));
  ASSERT_EQ(m.kind, MM__INTEL_CNC);
  ASSERT_FALSE(dom_listed(in, "www.amazon.com"));
  mm__intel_free(in);
}

TEST(fault_injection) {
  static const char txt[] = "198.51.100.7\nevil.example\n2001:db8::/32\n";
  static const char csv[] = "IPv4,198.51.100.8,x\ndomain,bad.example,y\n";
  static const char stix[] =
      "{\"objects\":[{\"type\":\"indicator\",\"pattern\":"
      "\"[domain-name:value = 'a.example']\"}]}";
  FAULT_LOOP({
    mm__intel *in = mm__intel_new();
    if (in) {
      size_t bad;
      mm_error err;
      if (mm__intel_add(in, "a", MM__INTEL_CNC, false, false, MM__INTEL_TXT, txt, sizeof txt - 1,
                        &bad, &err) == MM_OK &&
          mm__intel_add(in, "b", MM__INTEL_CNC, false, false, MM__INTEL_OTX_CSV, csv,
                        sizeof csv - 1, &bad, &err) == MM_OK &&
          mm__intel_add(in, "c", MM__INTEL_CNC, false, false, MM__INTEL_STIX, stix, sizeof stix - 1,
                        &bad, &err) == MM_OK &&
          mm__intel_compile(in, &err) == MM_OK)
        ASSERT_TRUE(dom_listed(in, "x.evil.example"));
      mm__intel_free(in);
    }
  });
}

int main(void) {
  RUN(txt_list);
  RUN(stix1_xml_list);
  RUN(stix2_json_list);
  RUN(otx_csv_list);
  RUN(trusted_lists_suppress);
  RUN(kind_names);
  RUN(entry_limit);
  RUN(directories);
  RUN(default_set);
  RUN(fault_injection);
  return mm_test_summary();
}
