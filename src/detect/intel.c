/*
 * intel.c - threat lists and trusted-IP lists in GuardDuty's formats.
 *
 * GuardDuty takes lists as TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT and
 * FIRE_EYE ("Adding and managing trusted IP lists and threat lists",
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html);
 * we read the three open ones:
 *
 *   TXT      one IP address, CIDR block or domain per line; "#" starts a
 *            comment (whole line or trailing). Ranges "first-last" are
 *            accepted too (the threat-list form of ip.h).
 *   STIX     STIX 1.x XML: the values of AddressObj:Address_Value and
 *            DomainNameObj:Value elements (a "##comma##"-joined list is
 *            split, as STIX 1.2 value lists are); STIX 2.x JSON (a bundle,
 *            an array or one object): each indicator's pattern, every
 *            [ipv4-addr:value = '...'], ipv6-addr and domain-name comparison.
 *   OTX_CSV  AlienVault OTX's CSV export "Indicator type,Indicator,
 *            Description" (header optional; quoted fields as RFC 4180):
 *            types IPv4, IPv6, CIDR, domain and hostname; other types (URL,
 *            FileHash-*, email ...) are skipped without an error.
 *
 * IPs go into one mm_ipset for threat lists and one for trusted lists (value
 * = list index); domains into a case-insensitive map, matched on the name
 * and each parent ("a.b.evil.com" hits "evil.com"). A list holds at most
 * MM_DETECT_MAX_INTEL_ENTRIES entries. A malformed line is counted and
 * skipped; the first one is located in err (line, column).
 *
 * A directory of lists is read by file name: KIND[-anything].FORMAT[.gz],
 * KIND one of mm__intel_kind_name()'s names or "trusted", FORMAT txt, stix
 * (also xml, json) or csv. Other files (MANIFEST, LICENSE) are ignored.
 */
#include "detect/intel.h"

#include "detect/limits.h"
#include "mamori/alloc.h"
#include "mamori/arena.h"
#include "mamori/hash.h"
#include "mamori/json.h"
#include "mamori/log.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifndef MM_DETECT_INTEL_DEFAULT
#define MM_DETECT_INTEL_DEFAULT "data/detect/intel"
#endif

#define DOMAIN_MAX 253 /* RFC 1035 2.3.4: a name is at most 253 characters as text */

typedef struct intel_list {
  char *name;          /* owned */
  mm__intel_kind kind; /* what a match means */
  bool custom;         /* a user list */
  bool trusted;        /* a trusted-IP list */
} intel_list;

struct mm__intel {
  intel_list lists[MM_DETECT_MAX_INTEL_LISTS]; /* [0, nlists) used */
  size_t nlists;
  mm_ipset_builder *threat_b, *trusted_b; /* NULL after compile */
  mm_ipset *threat, *trusted;             /* set by compile */
  mm_map domains;                         /* lower-case name -> list index + 1 */
  mm_arena keys;                          /* the domain names' bytes */
  mm__intel_stats stats;
  bool compiled;
};

static const char *const kind_names[MM__INTEL_KIND_COUNT] = {
    [MM__INTEL_MALICIOUS] = "malicious",
    [MM__INTEL_CNC] = "cnc",
    [MM__INTEL_MINING] = "mining",
    [MM__INTEL_TOR] = "tor",
    [MM__INTEL_BLACKHOLE] = "blackhole",
    [MM__INTEL_DROP] = "drop",
    [MM__INTEL_PHISHING] = "phishing",
    [MM__INTEL_SCANNER] = "scanner",
    [MM__INTEL_DGA] = "dga",
    [MM__INTEL_ABUSED] = "abused",
    [MM__INTEL_BITCOIN] = "bitcoin",
    [MM__INTEL_SUSPICIOUS] = "suspicious",
};

const char *mm__intel_kind_name(mm__intel_kind k) {
  return (unsigned)k < MM__INTEL_KIND_COUNT ? kind_names[k] : "unknown";
}

int mm__intel_kind_parse(mm_str s, mm__intel_kind *out) {
  for (int k = 0; k < MM__INTEL_KIND_COUNT; k++) {
    if (mm_str_ieq(s, mm_str_from(kind_names[k]))) {
      *out = (mm__intel_kind)k;
      return MM_OK;
    }
  }
  return MM_ENOENT;
}

mm__intel *mm__intel_new(void) {
  mm__intel *in = mm_calloc(1, sizeof *in);
  if (!in) return NULL;
  in->threat_b = mm_ipset_builder_new();
  in->trusted_b = mm_ipset_builder_new();
  mm_map_init(&in->domains, true);
  mm_arena_init(&in->keys, 0);
  if (!in->threat_b || !in->trusted_b) {
    mm__intel_free(in);
    return NULL;
  }
  return in;
}

void mm__intel_free(mm__intel *in) {
  if (!in) return;
  for (size_t i = 0; i < in->nlists; i++) mm_free(in->lists[i].name);
  mm_ipset_builder_free(in->threat_b);
  mm_ipset_builder_free(in->trusted_b);
  mm_ipset_free(in->threat);
  mm_ipset_free(in->trusted);
  mm_map_free(&in->domains);
  mm_arena_destroy(&in->keys);
  mm_free(in);
}

/* ---- one entry --------------------------------------------------------------- */

/* What mm__intel_add is filling: the list and where its text is. */
typedef struct add_ctx {
  mm__intel *in;
  uint32_t list;    /* index into in->lists */
  bool trusted;     /* trusted-IP list: IPs only */
  size_t entries;   /* added to this list so far */
  size_t bad;       /* malformed lines */
  const char *data; /* the list's text, for locating errors */
  size_t len;
  mm_error *err; /* the first bad line, or the fatal error */
} add_ctx;

static void note_bad(add_ctx *c, size_t off, const char *what, mm_str text) {
  if (c->bad++ == 0 && c->err) {
    int n = text.len > 64 ? 64 : (int)text.len;
    mm_error_at(c->err, MM_ESYNTAX, c->data, c->len, off, "%s: \"%.*s\"", what, n,
                text.ptr ? text.ptr : "");
  }
}

static bool is_label_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_';
}

/* Strip "*." / "." in front and one "." behind; lower case into out.
 * False when what is left is not a host name: labels of 1-63 label
 * characters, 253 characters at most, the last label not all digits. */
static bool normalize_domain(mm_str s, char out[DOMAIN_MAX + 1], size_t *outlen) {
  if (s.len >= 2 && s.ptr[0] == '*' && s.ptr[1] == '.') s.ptr += 2, s.len -= 2;
  if (s.len && s.ptr[0] == '.') s.ptr++, s.len--;
  if (s.len && s.ptr[s.len - 1] == '.') s.len--;
  if (s.len == 0 || s.len > DOMAIN_MAX) return false;
  size_t label = 0;
  bool digits_only = true;
  for (size_t i = 0; i < s.len; i++) {
    char ch = s.ptr[i];
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      digits_only = true;
    } else {
      if (!is_label_char(ch) || ++label > 63) return false;
      if (ch < '0' || ch > '9') digits_only = false;
    }
    out[i] = mm_ascii_lower(ch);
  }
  if (label == 0 || digits_only) return false;
  out[s.len] = '\0';
  *outlen = s.len;
  return true;
}

/* Digits, dots, slashes and dashes only, or a colon: an IP form. */
static bool looks_like_ip(mm_str s) {
  bool ip = true;
  for (size_t i = 0; i < s.len; i++) {
    char ch = s.ptr[i];
    if (ch == ':') return true;
    if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '/' || ch == '-')) ip = false;
  }
  return ip;
}

static int add_domain(add_ctx *c, mm_str s, size_t off) {
  char name[DOMAIN_MAX + 1];
  size_t n;
  if (c->trusted || !normalize_domain(s, name, &n)) {
    note_bad(c, off, c->trusted ? "a trusted list holds IP addresses only" : "not a domain name",
             s);
    return MM_OK;
  }
  mm_str key = {name, n};
  if (mm_map_get(&c->in->domains, key)) return MM_OK; /* the first list to name it wins */
  char *owned = mm_arena_memdup(&c->in->keys, name, n + 1);
  if (!owned) return MM_ENOMEM;
  int rc = mm_map_put(&c->in->domains, (mm_str){owned, n}, (void *)(uintptr_t)(c->list + 1), NULL);
  if (rc == MM_OK) c->in->stats.domains++;
  return rc;
}

static int add_ip(add_ctx *c, mm_str s, size_t off) {
  mm_ipset_builder *b = c->trusted ? c->in->trusted_b : c->in->threat_b;
  mm_error e;
  int rc = mm_ipset_add_text(b, s.ptr, s.len, MM_CIDR_BARE_ADDR | MM_CIDR_MASK_HOST, c->list, &e);
  if (rc == MM_ENOMEM || rc == MM_ELIMIT) return mm_error_set(c->err, rc, "%s", e.msg);
  if (rc != MM_OK) {
    note_bad(c, off, "not an IP address, CIDR block or range", s);
    return MM_OK;
  }
  if (c->trusted)
    c->in->stats.trusted++;
  else
    c->in->stats.ip_entries++;
  return MM_OK;
}

/* Add one entry s, found at byte off of the list's text. Bad entries are
 * counted (MM_OK); MM_ELIMIT / MM_ENOMEM stop the list. */
static int add_entry(add_ctx *c, mm_str s, size_t off) {
  if (c->entries >= MM_DETECT_MAX_INTEL_ENTRIES)
    return mm_error_at(c->err, MM_ELIMIT, c->data, c->len, off, "more than %u entries in one list",
                       (unsigned)MM_DETECT_MAX_INTEL_ENTRIES);
  size_t bad = c->bad;
  int rc = looks_like_ip(s) ? add_ip(c, s, off) : add_domain(c, s, off);
  if (rc == MM_OK && c->bad == bad) c->entries++;
  return rc;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

static mm_str trim(mm_str s) {
  while (s.len && is_space(s.ptr[0])) s.ptr++, s.len--;
  while (s.len && is_space(s.ptr[s.len - 1])) s.len--;
  return s;
}

/* ---- TXT ---------------------------------------------------------------- */

static int parse_txt(add_ctx *c) {
  size_t pos = 0;
  while (pos < c->len) {
    const char *nl = memchr(c->data + pos, '\n', c->len - pos);
    size_t end = nl ? (size_t)(nl - c->data) : c->len;
    mm_str line = {c->data + pos, end - pos};
    const char *hash = memchr(line.ptr, '#', line.len);
    if (hash) line.len = (size_t)(hash - line.ptr);
    size_t lead = 0;
    while (lead < line.len && is_space(line.ptr[lead])) lead++;
    mm_str entry = trim(line);
    if (entry.len) {
      int rc = add_entry(c, entry, pos + lead);
      if (rc != MM_OK) return rc;
    }
    pos = end + 1;
  }
  return MM_OK;
}

/* ---- OTX_CSV -------------------------------------------------------------- */

/* One CSV field from *pos: its text (quotes removed; "" left doubled, which
 * no IP or host name holds) and whether it ended the record. */
static mm_str csv_field(const char *d, size_t len, size_t *pos, bool *eor) {
  size_t p = *pos, q;
  mm_str f;
  if (p < len && d[p] == '"') {
    q = ++p;
    while (p < len && !(d[p] == '"' && (p + 1 >= len || d[p + 1] != '"'))) p += d[p] == '"' ? 2 : 1;
    f = (mm_str){d + q, (p < len ? p : len) - q};
    while (p < len && d[p] != ',' && d[p] != '\n') p++; /* the closing quote and any junk */
  } else {
    q = p;
    while (p < len && d[p] != ',' && d[p] != '\n') p++;
    f = (mm_str){d + q, p - q};
  }
  *eor = p >= len || d[p] == '\n';
  *pos = p < len ? p + 1 : len;
  return trim(f);
}

static bool otx_type_supported(mm_str t) {
  static const char *const ok[] = {"IPv4", "IPv6", "CIDR", "domain", "hostname"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (mm_str_ieq(t, mm_str_from(ok[i]))) return true;
  return false;
}

static int parse_otx(add_ctx *c) {
  size_t pos = 0;
  bool first = true;
  while (pos < c->len) {
    size_t start = pos;
    bool eor;
    mm_str type = csv_field(c->data, c->len, &pos, &eor);
    mm_str value = {NULL, 0};
    size_t voff = pos;
    if (!eor) value = csv_field(c->data, c->len, &pos, &eor);
    while (!eor) (void)csv_field(c->data, c->len, &pos, &eor); /* description and beyond */
    bool header = first && mm_str_ieq(type, MM_STR("Indicator type"));
    first = false;
    if (header || (type.len == 0 && value.len == 0)) continue;
    if (!value.ptr || value.len == 0) {
      note_bad(c, start, "an OTX CSV line needs \"type,indicator\"", type);
      continue;
    }
    if (!otx_type_supported(type)) continue; /* URLs, hashes: not list material */
    int rc = add_entry(c, value, voff);
    if (rc != MM_OK) return rc;
  }
  return MM_OK;
}

/* ---- STIX 1.x XML ------------------------------------------------------------- */

/* Decode the five predefined XML entities and numeric ASCII references of
 * s into out (at most cap bytes); false when it does not fit. */
static bool xml_text(mm_str s, char *out, size_t cap, size_t *n) {
  static const struct {
    const char *ent;
    char ch;
  } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  size_t o = 0;
  for (size_t i = 0; i < s.len;) {
    if (o >= cap) return false;
    size_t k = 0;
    if (s.ptr[i] == '&') {
      for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
        mm_str e = mm_str_from(ents[k].ent);
        if (s.len - i >= e.len && memcmp(s.ptr + i, e.ptr, e.len) == 0) {
          out[o++] = ents[k].ch;
          i += e.len;
          break;
        }
      }
      if (k < sizeof ents / sizeof ents[0]) continue;
    }
    out[o++] = s.ptr[i++];
  }
  *n = o;
  return true;
}

/* Add each "##comma##"-separated value of v (already decoded). */
static int add_stix_values(add_ctx *c, mm_str v, size_t off) {
  static const mm_str sep = {"##comma##", 9};
  while (v.len) {
    size_t cut = v.len;
    for (size_t i = 0; i + sep.len <= v.len; i++)
      if (memcmp(v.ptr + i, sep.ptr, sep.len) == 0) {
        cut = i;
        break;
      }
    mm_str one = trim((mm_str){v.ptr, cut});
    if (one.len && !memchr(one.ptr, '@', one.len)) { /* e-mail addresses: not ours */
      int rc = add_entry(c, one, off);
      if (rc != MM_OK) return rc;
    }
    if (cut == v.len) break;
    v.ptr += cut + sep.len, v.len -= cut + sep.len;
  }
  return MM_OK;
}

static const char *find_str(const char *p, const char *end, const char *needle) {
  size_t n = strlen(needle);
  for (; p && (size_t)(end - p) >= n; p++) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p || (size_t)(end - p) < n) return NULL;
    if (memcmp(p, needle, n) == 0) return p;
  }
  return NULL;
}

/* Which element holds a value we take: 1 address, 2 domain, 0 neither. */
static int stix_element(mm_str name) {
  const char *colon = memchr(name.ptr, ':', name.len);
  mm_str local = colon ? (mm_str){colon + 1, name.len - (size_t)(colon + 1 - name.ptr)} : name;
  mm_str prefix = colon ? (mm_str){name.ptr, (size_t)(colon - name.ptr)} : (mm_str){"", 0};
  if (mm_str_eq(local, MM_STR("Address_Value"))) return 1;
  if (mm_str_eq(local, MM_STR("Value")) && mm_str_ieq(prefix, MM_STR("DomainNameObj"))) return 2;
  return 0;
}

/* The text of the element whose start tag ends at p (just after '>'):
 * plain text or one CDATA section, up to the next '<'. */
static mm_str stix_value(const char *p, const char *end, const char **next) {
  static const char cdata[] = "<![CDATA[";
  if ((size_t)(end - p) >= sizeof cdata - 1 && memcmp(p, cdata, sizeof cdata - 1) == 0) {
    const char *s = p + sizeof cdata - 1;
    const char *e = find_str(s, end, "]]>");
    if (!e) e = end;
    *next = e;
    return (mm_str){s, (size_t)(e - s)};
  }
  const char *e = memchr(p, '<', (size_t)(end - p));
  if (!e) e = end;
  *next = e;
  return (mm_str){p, (size_t)(e - p)};
}

static int parse_stix_xml(add_ctx *c) {
  const char *p = c->data, *end = c->data + c->len;
  char buf[DOMAIN_MAX * 4 + 64];
  while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
    if ((size_t)(end - p) >= 4 && memcmp(p, "<!--", 4) == 0) {
      const char *e = find_str(p + 4, end, "-->");
      p = e ? e + 3 : end;
      continue;
    }
    const char *name = ++p;
    while (p < end && !is_space(*p) && *p != '>' && *p != '/') p++;
    int what = stix_element((mm_str){name, (size_t)(p - name)});
    const char *gt = memchr(p, '>', (size_t)(end - p));
    if (!gt) break;
    p = gt + 1;
    if (!what || gt[-1] == '/') continue;
    mm_str raw = stix_value(p, end, &p);
    size_t off = (size_t)(raw.ptr - c->data), n;
    mm_str v = trim(raw);
    if (!xml_text(v, buf, sizeof buf, &n)) {
      note_bad(c, off, "value too long", v);
      continue;
    }
    int rc = add_stix_values(c, (mm_str){buf, n}, off);
    if (rc != MM_OK) return rc;
  }
  return MM_OK;
}

/* ---- STIX 2.x JSON -------------------------------------------------------------- */

/* Every "<object-type>:value = '<v>'" comparison of a STIX 2 pattern. */
static int add_stix2_pattern(add_ctx *c, mm_str pat, size_t idx, bool *any) {
  static const char *const types[] = {"ipv4-addr:value", "ipv6-addr:value", "domain-name:value"};
  const char *end = pat.ptr + pat.len;
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    const char *p = pat.ptr;
    while ((p = find_str(p, end, types[t])) != NULL) {
      p += strlen(types[t]);
      while (p < end && is_space(*p)) p++;
      if (p >= end || *p != '=') continue; /* IN, MATCHES ...: not a plain value */
      p++;
      while (p < end && is_space(*p)) p++;
      if (p >= end || *p != '\'') continue;
      const char *v = ++p;
      while (p < end && *p != '\'') p += (*p == '\\' && p + 1 < end) ? 2 : 1;
      *any = true;
      size_t bad = c->bad;
      int rc = add_entry(c, trim((mm_str){v, (size_t)(p - v)}), 0);
      if (rc != MM_OK) return rc;
      if (c->bad != bad && c->err && c->bad == 1) {
        char path[64];
        snprintf(path, sizeof path, "$.objects[%zu].pattern", idx);
        c->err->line = 0;
        mm_error_set_path(c->err, path);
      }
    }
  }
  return MM_OK;
}

static int add_stix2_object(add_ctx *c, const mm_json_value *o, size_t idx) {
  if (!mm_str_eq(mm_json_get_str(mm_json_get(o, "type")), MM_STR("indicator"))) return MM_OK;
  mm_str pat = mm_json_get_str(mm_json_get(o, "pattern"));
  bool any = false;
  if (pat.ptr) {
    int rc = add_stix2_pattern(c, pat, idx, &any);
    if (rc != MM_OK) return rc;
  }
  (void)any; /* indicators on hashes, URLs ...: not list material, skipped */
  return MM_OK;
}

static int parse_stix_json(add_ctx *c) {
  mm_error e;
  mm_json_doc *doc = mm_json_parse(c->data, c->len, NULL, &e);
  if (!doc) {
    if (c->err) *c->err = e;
    c->bad++;
    return MM_OK; /* the whole file is one bad record */
  }
  const mm_json_value *root = mm_json_doc_root(doc), *objs = root;
  if (mm_json_is_object(root) && mm_json_get(root, "objects")) objs = mm_json_get(root, "objects");
  int rc = MM_OK;
  if (mm_json_is_array(objs)) {
    for (size_t i = 0; rc == MM_OK && i < mm_json_len(objs); i++)
      rc = add_stix2_object(c, mm_json_at(objs, i), i);
  } else if (mm_json_is_object(objs)) {
    rc = add_stix2_object(c, objs, 0);
  }
  mm_json_doc_free(doc);
  return rc;
}

static int parse_stix(add_ctx *c) {
  size_t i = 0;
  while (i < c->len && is_space(c->data[i])) i++;
  if (i < c->len && (c->data[i] == '{' || c->data[i] == '[')) return parse_stix_json(c);
  return parse_stix_xml(c);
}

/* ---- lists ------------------------------------------------------------------------ */

int mm__intel_add(mm__intel *in, const char *name, mm__intel_kind kind, bool custom, bool trusted,
                  mm__intel_format fmt, const char *data, size_t len, size_t *bad, mm_error *err) {
  if (bad) *bad = 0;
  mm_error_clear(err);
  if (in->compiled) return mm_error_set(err, MM_EINVAL, "lists are frozen once compiled");
  if ((unsigned)kind >= MM__INTEL_KIND_COUNT) return mm_error_set(err, MM_EINVAL, "bad list kind");
  if (in->nlists >= MM_DETECT_MAX_INTEL_LISTS)
    return mm_error_set(err, MM_ELIMIT, "more than %u lists", (unsigned)MM_DETECT_MAX_INTEL_LISTS);
  char *owned = mm_strndup(name ? name : "", name ? strlen(name) : 0);
  if (!owned) return mm_error_set(err, MM_ENOMEM, "out of memory");
  uint32_t idx = (uint32_t)in->nlists++;
  in->lists[idx] = (intel_list){owned, kind, custom, trusted};
  in->stats.lists++;
  add_ctx c = {in, idx, trusted, 0, 0, data ? data : "", data ? len : 0, err};
  int rc = fmt == MM__INTEL_TXT    ? parse_txt(&c)
           : fmt == MM__INTEL_STIX ? parse_stix(&c)
                                   : parse_otx(&c);
  in->stats.bad += c.bad;
  if (bad) *bad = c.bad;
  return rc;
}

/* ---- directories ---------------------------------------------------------------------- */

/* Read a whole file, gzip-decoded when it is gzip (gzread passes plain
 * files through), at most MM_DETECT_MAX_INTEL_FILE bytes. */
static int read_file(const char *path, mm_buf *out, mm_error *err) {
  gzFile gz = gzopen(path, "rb");
  if (!gz) return mm_error_set(err, MM_EIO, "%s: cannot open", path);
  int rc = MM_OK;
  char chunk[65536];
  for (;;) {
    int n = gzread(gz, chunk, sizeof chunk);
    if (n < 0) {
      rc = mm_error_set(err, MM_EIO, "%s: read or gzip error", path);
      break;
    }
    if (n == 0) break;
    if (out->len + (size_t)n > MM_DETECT_MAX_INTEL_FILE) {
      rc = mm_error_set(err, MM_ELIMIT, "%s: larger than %zu bytes", path,
                        (size_t)MM_DETECT_MAX_INTEL_FILE);
      break;
    }
    if (mm_buf_append(out, chunk, (size_t)n) != MM_OK) {
      rc = mm_error_set(err, MM_ENOMEM, "out of memory");
      break;
    }
  }
  /* A stream that ends inside a gzip member reads as a short file; gzclose
   * tells (Z_BUF_ERROR). */
  int zrc = gzclose(gz);
  if (rc == MM_OK && zrc != Z_OK)
    rc = mm_error_set(err, MM_EIO, "%s: truncated or corrupt gzip data", path);
  return rc;
}

/* Kind, trust and format from a file name "KIND[-x].FORMAT[.gz]". */
static bool name_to_list(const char *file, mm__intel_kind *kind, bool *trusted,
                         mm__intel_format *fmt, size_t *base_len) {
  mm_str f = mm_str_from(file);
  if (f.len == 0 || f.ptr[0] == '.') return false;
  if (mm_str_has_suffix(f, MM_STR(".gz"))) f.len -= 3;
  static const struct {
    const char *ext;
    mm__intel_format fmt;
  } exts[] = {{".txt", MM__INTEL_TXT},
              {".stix", MM__INTEL_STIX},
              {".xml", MM__INTEL_STIX},
              {".json", MM__INTEL_STIX},
              {".csv", MM__INTEL_OTX_CSV}};
  size_t e = 0;
  for (; e < sizeof exts / sizeof exts[0]; e++)
    if (mm_str_has_suffix(f, mm_str_from(exts[e].ext))) break;
  if (e == sizeof exts / sizeof exts[0]) return false;
  *fmt = exts[e].fmt;
  *base_len = f.len - strlen(exts[e].ext);
  size_t k = 0;
  while (k < *base_len && f.ptr[k] != '-' && f.ptr[k] != '.') k++;
  mm_str word = {f.ptr, k};
  *trusted = mm_str_ieq(word, MM_STR("trusted"));
  *kind = MM__INTEL_MALICIOUS; /* an unknown prefix: a plain threat list */
  if (!*trusted) (void)mm__intel_kind_parse(word, kind);
  return true;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files' names in dir, sorted (a fixed order: the first list
 * naming a domain wins). */
static int list_dir(const char *dir, char ***names, size_t *n, mm_error *err) {
  DIR *d = opendir(dir);
  if (!d) return mm_error_set(err, MM_EIO, "%s: cannot open the directory", dir);
  size_t cap = 0;
  int rc = MM_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (*n == cap) {
      size_t nc = cap ? cap * 2 : 16;
      char **nn = mm_realloc(*names, nc * sizeof *nn);
      if (!nn) {
        rc = mm_error_set(err, MM_ENOMEM, "out of memory");
        break;
      }
      *names = nn, cap = nc;
    }
    if (!((*names)[*n] = mm_strndup(de->d_name, strlen(de->d_name)))) {
      rc = mm_error_set(err, MM_ENOMEM, "out of memory");
      break;
    }
    ++*n;
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, cmp_names);
  return rc;
}

static int add_file(mm__intel *in, const char *dir, const char *file, bool custom, mm_error *err) {
  mm__intel_kind kind;
  bool trusted;
  mm__intel_format fmt;
  size_t base;
  if (!name_to_list(file, &kind, &trusted, &fmt, &base)) return MM_OK;
  mm_buf path = MM_BUF_INIT, data = MM_BUF_INIT;
  mm_buf_printf(&path, "%s/%s", dir, file);
  int rc =
      path.oom ? mm_error_set(err, MM_ENOMEM, "out of memory") : read_file(path.ptr, &data, err);
  if (rc == MM_OK) {
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(base < 255 ? base : 255), file);
    size_t bad = 0;
    mm_error e;
    rc = mm__intel_add(in, name, kind, custom, trusted, fmt, data.ptr, data.len, &bad, &e);
    if (rc != MM_OK) {
      if (err) *err = e;
      char msg[MM_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", e.msg);
      mm_error_set(err, rc, "%s: %s", path.ptr, msg);
      if (err) err->line = e.line, err->column = e.column, err->offset = e.offset;
    } else if (bad) {
      mm_log(MM_LOG_WARN, "intel", "%s: %zu malformed entries skipped (first at line %u: %s)",
             path.ptr, bad, (unsigned)e.line, e.msg);
    }
  }
  mm_buf_free(&path);
  mm_buf_free(&data);
  return rc;
}

int mm__intel_add_dir(mm__intel *in, const char *dir, bool custom, mm_error *err) {
  mm_error_clear(err);
  if (!dir) dir = MM_DETECT_INTEL_DEFAULT;
  char **names = NULL;
  size_t n = 0;
  int rc = list_dir(dir, &names, &n, err);
  for (size_t i = 0; rc == MM_OK && i < n; i++) rc = add_file(in, dir, names[i], custom, err);
  for (size_t i = 0; i < n; i++) mm_free(names[i]);
  mm_free(names);
  return rc;
}

int mm__intel_compile(mm__intel *in, mm_error *err) {
  if (in->compiled) return MM_OK;
  mm_ipset *t = mm_ipset_compile(in->threat_b, err);
  mm_ipset *u = t ? mm_ipset_compile(in->trusted_b, err) : NULL;
  if (!t || !u) {
    mm_ipset_free(t);
    return MM_ENOMEM;
  }
  in->threat = t, in->trusted = u;
  mm_ipset_builder_free(in->threat_b);
  mm_ipset_builder_free(in->trusted_b);
  in->threat_b = in->trusted_b = NULL;
  in->compiled = true;
  return MM_OK;
}

void mm__intel_get_stats(const mm__intel *in, mm__intel_stats *out) { *out = in->stats; }

/* ---- lookups ------------------------------------------------------------------------------ */

static void fill(const mm__intel *in, uint32_t idx, mm__intel_match *m) {
  if (!m) return;
  const intel_list *l = &in->lists[idx];
  m->list = mm_str_from(l->name);
  m->kind = l->kind;
  m->custom = l->custom;
}

bool mm__intel_trusted_ip(const mm__intel *in, const mm_ip_addr *a) {
  return in->compiled && in->stats.trusted && mm_ipset_contains(in->trusted, a);
}

bool mm__intel_ip(const mm__intel *in, const mm_ip_addr *a, mm__intel_match *m) {
  uint32_t v;
  if (!in->compiled || !mm_ipset_lookup(in->threat, a, &v)) return false;
  if (in->stats.trusted && mm_ipset_contains(in->trusted, a)) return false;
  fill(in, v, m);
  return true;
}

bool mm__intel_domain(const mm__intel *in, mm_str domain, mm__intel_match *m) {
  if (!in->compiled || in->domains.count == 0) return false;
  if (domain.len && domain.ptr[domain.len - 1] == '.') domain.len--;
  if (domain.len == 0 || domain.len > DOMAIN_MAX) return false;
  for (;;) {
    void *v = mm_map_get(&in->domains, domain);
    if (v) {
      fill(in, (uint32_t)((uintptr_t)v - 1), m);
      return true;
    }
    const char *dot = memchr(domain.ptr, '.', domain.len);
    if (!dot) return false;
    domain.len -= (size_t)(dot + 1 - domain.ptr);
    domain.ptr = dot + 1;
  }
}
