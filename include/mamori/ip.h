/*
 * mamori/ip.h - IPv4 and IPv6 addresses, CIDR blocks and prefix sets.
 *
 * Parsing is strict and reports the byte offset of the problem:
 *   IPv4  dotted quad only: four decimal parts 0-255, no leading zeros (to
 *         inet_aton "010" is octal 8: one text, two addresses), no hex, no
 *         shorthand ("10.1"), no whitespace.
 *   IPv6  the three text forms of RFC 4291 section 2.2: eight groups of 1-4
 *         hex digits (any case), "::" once for one or more zero groups, and a
 *         dotted quad in the last 32 bits. No zone ids ("%eth0"), no
 *         brackets, no other decoration.
 *   CIDR  "address/length", length 0-32 or 0-128 in decimal without leading
 *         zeros. Flags choose what else is accepted (see MM_CIDR_*).
 * Formatting: IPv4 dotted; IPv6 in RFC 5952 canonical form (lower case,
 * longest run of two or more zero groups shown as "::", the first run on a
 * tie; IPv4-mapped addresses as ::ffff:a.b.c.d).
 *
 * IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2) is the IPv4
 * address a.b.c.d wherever addresses are matched: mm_cidr_contains and
 * mm_ipset_* look a mapped address up as IPv4, and a block written inside
 * ::ffff:0:0/96 (e.g. ::ffff:10.0.0.0/104) matches as the IPv4 block it
 * spells (10.0.0.0/8). So neither spelling of a client dodges a list written
 * in the other. A block that merely contains ::ffff:0:0/96 (::/0, ::/64)
 * stays IPv6 and matches IPv6 clients only: IPv4 and IPv6 are separate
 * families, as in AWS WAF IP sets. Parsing and formatting keep what was
 * written: "::ffff:1.2.3.4" parses as an IPv6 address and formats back.
 *
 * mm_ipset answers "which entries contain this address?" for up to
 * MM_IPSET_MAX_PREFIXES prefixes and ranges, with the value of the most
 * specific one. Build with mm_ipset_builder_*, compile once, then share the
 * compiled mm_ipset between threads: it is immutable and lookups never
 * allocate. Design and measured speed: docs/core/ip.md.
 */
#ifndef MAMORI_IP_H
#define MAMORI_IP_H

#include "mamori/common.h"
#include "mamori/error.h"

/* Buffer sizes for the formatters, NUL included: the longest canonical text
 * is "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" (39), the longest we emit with
 * a dotted tail "::ffff:255.255.255.255" (22); 46 is INET6_ADDRSTRLEN. */
#define MM_IP_TEXT_MAX   46
#define MM_CIDR_TEXT_MAX (MM_IP_TEXT_MAX + 4) /* "/128" */

typedef enum mm_ip_family {
  MM_IP_V4 = 4,
  MM_IP_V6 = 6,
} mm_ip_family;

typedef struct mm_ip_addr {
  uint8_t family;    /* MM_IP_V4 or MM_IP_V6 */
  uint8_t bytes[16]; /* network byte order; IPv4 uses bytes[0..3], the rest is 0 */
} mm_ip_addr;

typedef struct mm_cidr {
  mm_ip_addr addr; /* the network address: host bits are always zero */
  uint8_t len;     /* prefix length: 0-32 (IPv4) or 0-128 (IPv6) */
} mm_cidr;

/* ---- addresses ------------------------------------------------------------ */

/* Parse text[0..len) as an IPv4 or IPv6 address (IPv6 when it holds a ':').
 * MM_OK, or MM_ESYNTAX with err's offset/column at the offending byte. */
MM_API int mm_ip_parse(const char *text, size_t len, mm_ip_addr *out, mm_error *err);

/* Canonical text of a into buf (NUL-terminated, cut to size like snprintf).
 * Returns the length of the full text; MM_IP_TEXT_MAX always suffices. */
MM_API size_t mm_ip_format(const mm_ip_addr *a, char *buf, size_t size);

/* The IPv4 address whose 32-bit value (host byte order) is v4. */
MM_API mm_ip_addr mm_ip_from_v4(uint32_t v4);
/* The IPv6 address with these 16 bytes (network byte order). */
MM_API mm_ip_addr mm_ip_from_v6(const uint8_t bytes[16]);
/* The 32-bit value of an IPv4 address, or of the IPv4 address embedded in
 * an IPv4-mapped one; 0 for any other IPv6 address. */
MM_API uint32_t mm_ip_v4_value(const mm_ip_addr *a);
/* True when a is IPv6 in ::ffff:0:0/96. */
MM_API bool mm_ip_is_v4_mapped(const mm_ip_addr *a);
/* a as IPv4 when it is IPv4-mapped, else a unchanged. */
MM_API mm_ip_addr mm_ip_unmap(const mm_ip_addr *a);
/* Total order: IPv4 before IPv6, then by value. <0, 0 or >0. */
MM_API int mm_ip_compare(const mm_ip_addr *a, const mm_ip_addr *b);

/* ---- CIDR blocks -------------------------------------------------------- */

/* Flags for mm_cidr_parse. 0 (MM_CIDR_STRICT) demands "address/length" with
 * every host bit zero. */
enum {
  MM_CIDR_STRICT = 0,
  MM_CIDR_MASK_HOST = 1u << 0, /* host bits set are cleared, not an error */
  MM_CIDR_BARE_ADDR = 1u << 1, /* "a.b.c.d" alone means /32, an IPv6 one /128 */
  MM_CIDR_NO_ZERO = 1u << 2,   /* "/0" is an error */
};
/* IAM's IpAddress/NotIpAddress condition values: a bare address is /32 (or
 * /128) and host bits are ignored ("2001:4860:4860::8888/32" is accepted).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */
#define MM_CIDR_IAM (MM_CIDR_MASK_HOST | MM_CIDR_BARE_ADDR)
/* AWS WAF IPSet Addresses: CIDR notation required, "all IPv4 and IPv6 CIDR
 * ranges except for /0". Host bits set are rejected: the page documents
 * only network addresses, and a set that silently widened would hide a typo.
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html */
#define MM_CIDR_WAF (MM_CIDR_NO_ZERO)

/* Parse text[0..len) as a CIDR block under flags (MM_CIDR_*). MM_OK, or
 * with err's offset/column at the problem: MM_ESYNTAX (malformed),
 * MM_ERANGE (a number too large, or /0 under MM_CIDR_NO_ZERO) or MM_EINVAL
 * (host bits set without MM_CIDR_MASK_HOST; reported at column 1 with the
 * block that was probably meant). */
MM_API int mm_cidr_parse(const char *text, size_t len, unsigned flags, mm_cidr *out, mm_error *err);
/* "address/length" into buf, as mm_ip_format. MM_CIDR_TEXT_MAX suffices. */
MM_API size_t mm_cidr_format(const mm_cidr *c, char *buf, size_t size);
/* The block of length len holding a (host bits cleared). MM_OK, or
 * MM_EINVAL when len exceeds the family's width. */
MM_API int mm_cidr_make(const mm_ip_addr *a, unsigned len, mm_cidr *out);
/* First and last address of c (either pointer may be NULL). */
MM_API void mm_cidr_bounds(const mm_cidr *c, mm_ip_addr *first, mm_ip_addr *last);
/* Does c contain a? IPv4-mapped addresses and blocks count as IPv4 (see the
 * top of this header); otherwise different families never match. */
MM_API bool mm_cidr_contains(const mm_cidr *c, const mm_ip_addr *a);

/* Parse "first-last" (two addresses of one family, first <= last; no
 * spaces), the form of GeoIP and threat-list ranges. MM_OK, MM_ESYNTAX, or
 * MM_ERANGE when last < first or the families differ. */
MM_API int mm_ip_range_parse(const char *text, size_t len, mm_ip_addr *first, mm_ip_addr *last,
                             mm_error *err);

/* ---- prefix sets -------------------------------------------------------- */

typedef struct mm_ipset_builder mm_ipset_builder;
typedef struct mm_ipset mm_ipset;

typedef struct mm_ipset_stats {
  size_t entries;         /* prefixes and ranges added */
  size_t v4_intervals;    /* disjoint IPv4 intervals after flattening */
  size_t v6_intervals;    /* disjoint IPv6 intervals after flattening */
  unsigned v4_index_bits; /* top address bits of the IPv4 direct index */
  unsigned v6_index_bits; /* top address bits of the IPv6 direct index */
  size_t bytes;           /* heap memory held by the compiled set */
} mm_ipset_stats;

/* A new, empty builder, or NULL when memory runs out. */
MM_API mm_ipset_builder *mm_ipset_builder_new(void);
MM_API void mm_ipset_builder_free(mm_ipset_builder *b);
/* Add block c with value. Overlaps and duplicates are fine. MM_OK,
 * MM_EINVAL (malformed c), MM_ELIMIT (MM_IPSET_MAX_PREFIXES reached) or
 * MM_ENOMEM; the builder keeps what it had. */
MM_API int mm_ipset_add_cidr(mm_ipset_builder *b, const mm_cidr *c, uint32_t value, mm_error *err);
/* Add the range first..last (inclusive). MM_EINVAL when the ends differ in
 * family, come in the wrong order, or exactly one lies inside
 * ::ffff:0:0/96 (it would match IPv4 clients only partly: split it there).
 * Otherwise as mm_ipset_add_cidr. */
MM_API int mm_ipset_add_range(mm_ipset_builder *b, const mm_ip_addr *first, const mm_ip_addr *last,
                              uint32_t value, mm_error *err);
/* Parse and add text[0..len): a range "first-last" when it holds a '-',
 * else a CIDR block under cidr_flags. Parse errors carry their offset. */
MM_API int mm_ipset_add_text(mm_ipset_builder *b, const char *text, size_t len, unsigned cidr_flags,
                             uint32_t value, mm_error *err);
/* Entries added so far. */
MM_API size_t mm_ipset_builder_count(const mm_ipset_builder *b);

/* Compile what b holds into an immutable set, or NULL (MM_ENOMEM in err).
 * May reorder b's entries; b stays usable: add more and compile again. */
MM_API mm_ipset *mm_ipset_compile(mm_ipset_builder *b, mm_error *err);
MM_API void mm_ipset_free(mm_ipset *s);

/* Is a in the set? When value is not NULL, *value receives the value of
 * the most specific entry holding a (the one with the fewest addresses:
 * longest prefix, narrowest range; the later-added one on a tie), or 0 when
 * a is not in the set. */
MM_API bool mm_ipset_lookup(const mm_ipset *s, const mm_ip_addr *a, uint32_t *value);
/* mm_ipset_lookup for an IPv4 address given as its 32-bit value. */
MM_API bool mm_ipset_lookup_v4(const mm_ipset *s, uint32_t v4, uint32_t *value);
/* mm_ipset_lookup_v4 for addrs[0..n): values[i] and found[i] (either array
 * may be NULL) as the single lookup sets them; returns how many were found.
 * Groups of lookups overlap their memory reads, so on a set larger than the
 * CPU caches this is several times faster per address than one call each. */
MM_API size_t mm_ipset_lookup_v4_batch(const mm_ipset *s, const uint32_t *addrs, size_t n,
                                       uint32_t *values, bool *found);
/* mm_ipset_lookup without the value. */
MM_API bool mm_ipset_contains(const mm_ipset *s, const mm_ip_addr *a);
/* Parse text[0..len) as an address and look it up. MM_OK with *found (and
 * *value, either may be NULL) set, or the parse error. */
MM_API int mm_ipset_contains_text(const mm_ipset *s, const char *text, size_t len, bool *found,
                                  uint32_t *value, mm_error *err);
/* Heap bytes held by s. */
MM_API size_t mm_ipset_memory(const mm_ipset *s);
MM_API void mm_ipset_get_stats(const mm_ipset *s, mm_ipset_stats *out);

#endif /* MAMORI_IP_H */
