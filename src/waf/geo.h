/*
 * waf/geo.h - the two kinds of geo database behind mm_waf_geo
 * (module-internal): Tor's geoip text files compiled into an mm_ipset
 * (geo.c) and MaxMind DB files read in place (geo_mmdb.c).
 *
 * MaxMind DB File Format Specification 2.0, as geo_mmdb.c reads it:
 *
 *   | section        | layout                                                  |
 *   | -------------- | ------------------------------------------------------- |
 *   | search tree    | node_count nodes of two records (left: bit 0, right:    |
 *   |                | bit 1), record_size 24, 28 or 32 bits, big-endian; a 28 |
 *   |                | bit node is 7 bytes, the middle byte's high nibble      |
 *   |                | extending the left record, its low nibble the right     |
 *   | separator      | 16 zero bytes                                           |
 *   | data section   | fields (below); a record value v > node_count points to |
 *   |                | data-section offset v - node_count - 16                 |
 *   | metadata       | "\xAB\xCD\xEFMaxMind.com" then one map (node_count,     |
 *   |                | record_size, ip_version, database_type ...), within the |
 *   |                | last 128 KiB; the last marker in the file counts        |
 *
 *   A value v == node_count means "no data"; v < node_count is the next node.
 *   IPv4 addresses in an IPv6 tree live under ::/96: the node reached after
 *   96 left (zero) bits.
 *
 *   Data field: a control byte, type in its top 3 bits (0 = extended: the
 *   type is 7 + the next byte), size in its low 5 bits (< 29: the size;
 *   29: 29 + 1 byte; 30: 285 + 2 bytes; 31: 65,821 + 3 bytes, big-endian,
 *   after any extended-type byte). Types:
 *
 *   | # | type    | payload                                                     |
 *   | - | ------- | ----------------------------------------------------------- |
 *   | 1 | pointer | size bits SS VVV: SS+1 more bytes; offsets 0, 2048, 526336, |
 *   |   |         | and (SS = 3) a plain 32-bit value; into the data section    |
 *   | 2 | string  | size bytes of UTF-8                                         |
 *   | 3 | double  | 8 bytes IEEE 754 big-endian                                 |
 *   | 4 | bytes   | size bytes                                                  |
 *   | 5 | uint16  | 0-2 bytes big-endian                                        |
 *   | 6 | uint32  | 0-4 bytes                                                   |
 *   | 7 | map     | size key/value pairs, keys strings (or pointers to them)    |
 *   | 8 | int32   | 0-4 bytes, two's complement of the 4-byte value             |
 *   | 9 | uint64  | 0-8 bytes                                                   |
 *   |10 | uint128 | 0-16 bytes                                                  |
 *   |11 | array   | size values                                                 |
 *   |14 | boolean | the size is the value; no payload                           |
 *   |15 | float   | 4 bytes IEEE 754 big-endian                                 |
 *
 *   12 (data cache container) and 13 (end marker) never occur in a record
 *   and are refused.
 */
#ifndef MM_WAF_GEO_H
#define MM_WAF_GEO_H

#include "mamori/waf.h"

typedef struct mm__waf_mmdb mm__waf_mmdb;

/* Does data[0..len) end with MaxMind DB metadata (its marker within the
 * last MM_WAF_MMDB_METADATA_MAX bytes)? */
bool mm__waf_mmdb_detect(const uint8_t *data, size_t len);
/* Read the metadata and check the layout of data[0..len). The reader
 * borrows data; when owned it frees it (mm_free) with the reader. NULL with
 * err on malformed input (data is then not freed) or MM_ENOMEM. */
mm__waf_mmdb *mm__waf_mmdb_open(const uint8_t *data, size_t len, bool owned, mm_error *err);
void mm__waf_mmdb_free(mm__waf_mmdb *db);
/* Look a up: country (country.iso_code, else registered_country.iso_code),
 * region (subdivisions[0].iso_code) and ASN (autonomous_system_number).
 * false when none of them is known. Never reads outside the data, never
 * loops: a malformed record is "nothing known". */
bool mm__waf_mmdb_lookup(const mm__waf_mmdb *db, const mm_ip_addr *a, mm_waf_geo_result *out);
/* database_type from the metadata ("GeoLite2-Country"), or "". */
const char *mm__waf_mmdb_type(const mm__waf_mmdb *db);

#endif /* MM_WAF_GEO_H */
