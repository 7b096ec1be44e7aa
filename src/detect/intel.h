/*
 * detect/intel.h - threat lists and trusted-IP lists, as GuardDuty takes
 * them (formats TXT, STIX, OTX_CSV; up to MM_DETECT_MAX_INTEL_ENTRIES entries
 * a list): IP addresses, CIDR ranges and domain names, each list with a name
 * and a kind that decides which finding a match raises.
 */
#ifndef MM_DETECT_INTEL_H
#define MM_DETECT_INTEL_H

#include "mamori/error.h"
#include "mamori/ip.h"
#include "mamori/str.h"

/* What a list says about its entries; picks the finding type on a match. */
typedef enum mm__intel_kind {
  MM__INTEL_MALICIOUS, /* generic bad reputation: MaliciousIPCaller, .Custom for user lists */
  MM__INTEL_CNC,       /* command and control: Backdoor:EC2/C&CActivity.B, .B!DNS */
  MM__INTEL_MINING,    /* crypto-currency pools: CryptoCurrency:EC2/BitcoinTool.B(!DNS) */
  MM__INTEL_TOR,       /* Tor relays/exit nodes: UnauthorizedAccess:*TorIPCaller, TorClient */
  MM__INTEL_BLACKHOLE, /* sinkholes: Trojan:EC2/BlackholeTraffic(!DNS) */
  MM__INTEL_DROP,      /* drop points: Trojan:EC2/DropPoint(!DNS) */
  MM__INTEL_PHISHING,  /* Trojan:EC2/PhishingDomainRequest!DNS */
  MM__INTEL_SCANNER,   /* mass scanners: context only, no finding of its own */
  /* Added by the flow/DNS detectors (domain reputation; see docs/detect-net.md): */
  MM__INTEL_DGA,     /* known DGA domains: Trojan:EC2/DGADomainRequest.C!DNS */
  MM__INTEL_ABUSED,  /* commonly abused (dynamic DNS...): Impact:EC2/AbusedDomainRequest.Reputation
                      */
  MM__INTEL_BITCOIN, /* crypto-currency sites: Impact:EC2/BitcoinDomainRequest.Reputation */
  MM__INTEL_SUSPICIOUS, /* low reputation: Impact:EC2/SuspiciousDomainRequest.Reputation */
  MM__INTEL_KIND_COUNT
} mm__intel_kind;

typedef enum mm__intel_format { MM__INTEL_TXT, MM__INTEL_STIX, MM__INTEL_OTX_CSV } mm__intel_format;

typedef struct mm__intel mm__intel;

/* The kind's name as a list file's name starts with it ("cnc", "mining"),
 * and back: MM_OK or MM_ENOENT. docs/detect-net.md lists them. */
const char *mm__intel_kind_name(mm__intel_kind k);
int mm__intel_kind_parse(mm_str s, mm__intel_kind *out);

typedef struct mm__intel_match {
  mm_str list; /* the list's name */
  mm__intel_kind kind;
  bool custom; /* a user list (not the shipped default set) */
} mm__intel_match;

mm__intel *mm__intel_new(void);
void mm__intel_free(mm__intel *in);
/* Add a threat list (trusted = false) or a trusted-IP list (true) read from
 * data[0..len). Bad lines are counted in *bad (may be NULL) and skipped;
 * err holds the first one's line. MM_ELIMIT past the entry limit. */
int mm__intel_add(mm__intel *in, const char *name, mm__intel_kind kind, bool custom, bool trusted,
                  mm__intel_format fmt, const char *data, size_t len, size_t *bad, mm_error *err);
/* Every list in dir (see docs/detect.md for how names map to kinds and
 * formats), or the shipped default set when dir is NULL. */
int mm__intel_add_dir(mm__intel *in, const char *dir, bool custom, mm_error *err);
/* Freeze for lookups (compiles the IP sets). After this, lookups only. */
int mm__intel_compile(mm__intel *in, mm_error *err);

/* Lists added, and entries (IP blocks and domains) over every list. */
typedef struct mm__intel_stats {
  size_t lists;      /* threat and trusted lists */
  size_t ip_entries; /* IP addresses, blocks and ranges on threat lists */
  size_t domains;    /* domain names on threat lists (a name on two lists counts once) */
  size_t trusted;    /* entries of trusted lists */
  size_t bad;        /* malformed lines skipped, over every list */
} mm__intel_stats;
void mm__intel_get_stats(const mm__intel *in, mm__intel_stats *out);

bool mm__intel_trusted_ip(const mm__intel *in, const mm_ip_addr *a);
/* Is a on a threat list (and on no trusted list)? */
bool mm__intel_ip(const mm__intel *in, const mm_ip_addr *a, mm__intel_match *m);
/* Is domain (case-insensitive, trailing dot ignored) or a parent domain of
 * it on a threat list? */
bool mm__intel_domain(const mm__intel *in, mm_str domain, mm__intel_match *m);

#endif /* MM_DETECT_INTEL_H */
