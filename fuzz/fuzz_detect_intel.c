/*
 * fuzz_detect_intel.c - libFuzzer target for the threat-list parsers
 * (src/detect/intel.c): TXT, STIX (1.x XML and 2.x JSON) and OTX_CSV.
 *
 * The input is read in each format, as a threat list and as a trusted list.
 * Invariants: no crash or leak; a located error lies inside the input
 * (line within the lines plus one); a TXT list never yields more entries
 * plus bad lines than it has lines; after compiling, every line of a TXT
 * list that was accepted as a domain is found again by a lookup of itself.
 */
#include "detect/intel.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const uint8_t *d, size_t n) {
  size_t lines = n > 0;
  for (size_t i = 0; i + 1 < n; i++) lines += d[i] == '\n';
  return lines;
}

/* Re-look-up each line that looks like a bare host name. */
static void check_domains(const mm__intel *in, const char *d, size_t n) {
  size_t pos = 0;
  while (pos < n) {
    const char *nl = memchr(d + pos, '\n', n - pos);
    size_t end = nl ? (size_t)(nl - d) : n;
    mm_str line = {d + pos, end - pos};
    bool plain = line.len > 0 && line.len <= 60; /* no label over 63 */
    for (size_t i = 0; i < line.len && plain; i++) {
      char c = line.ptr[i];
      plain = (c >= 'a' && c <= 'z') ||
              (c == '.' && i > 0 && i + 1 < line.len && line.ptr[i - 1] != '.');
    }
    if (plain && memchr(line.ptr, '.', line.len)) FUZZ_CHECK(mm__intel_domain(in, line, NULL));
    pos = end + 1;
  }
}

static void one(const uint8_t *data, size_t size, mm__intel_format fmt, bool trusted) {
  mm__intel *in = mm__intel_new();
  if (!in) return;
  size_t bad = 0, lines = count_lines(data, size);
  mm_error err;
  int rc = mm__intel_add(in, "fuzz", MM__INTEL_CNC, true, trusted, fmt, (const char *)data, size,
                         &bad, &err);
  if (bad && err.line) FUZZ_CHECK(err.line <= lines + 1);
  if (rc == MM_OK && mm__intel_compile(in, &err) == MM_OK) {
    mm__intel_stats st;
    mm__intel_get_stats(in, &st);
    if (fmt == MM__INTEL_TXT) FUZZ_CHECK(st.ip_entries + st.domains + st.trusted + bad <= lines);
    if (fmt == MM__INTEL_TXT && !trusted) check_domains(in, (const char *)data, size);
    mm_ip_addr a = mm_ip_from_v4(0x01020304u);
    (void)mm__intel_ip(in, &a, NULL);
    (void)mm__intel_domain(in, (mm_str){(const char *)data, size < 64 ? size : 64}, NULL);
  }
  mm__intel_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mm__intel_format fmts[] = {MM__INTEL_TXT, MM__INTEL_STIX, MM__INTEL_OTX_CSV};
  for (size_t i = 0; i < 3; i++) {
    one(data, size, fmts[i], false);
    one(data, size, fmts[i], true);
  }
  return 0;
}
