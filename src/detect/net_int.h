/*
 * detect/net_int.h - what the flow and DNS detector files share (net.c:
 * tables, entities and the flow detectors; net_dns.c: the DNS detectors;
 * net_dga.c: the DGA score): the defaults, the finding types with their
 * GuardDuty severities, the bounded entity tables.
 *
 * Finding types and severities (GuardDuty's numeric values: Low 2, Medium
 * 5, High 8), from "GuardDuty EC2 finding types"
 * (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html):
 *
 *   id                 type                                          sev
 *   ----------------   --------------------------------------------  -------
 *   PORTSCAN           Recon:EC2/Portscan                            5
 *   PORTPROBE          Recon:EC2/PortProbeUnprotectedPort            2 (8 on 9200/9300)
 *   PORTPROBE_EMR      Recon:EC2/PortProbeEMRUnprotectedPort         8
 *   PORTSWEEP          Impact:EC2/PortSweep                          8
 *   SSH_BRUTE          UnauthorizedAccess:EC2/SSHBruteForce          2 target, 8 actor
 *   RDP_BRUTE          UnauthorizedAccess:EC2/RDPBruteForce          2 target, 8 actor
 *   DOS_*              Backdoor:EC2/DenialOfService.{Tcp,Udp,UdpOnTcpPorts,UnusualProtocol,Dns} 8
 *   SPAMBOT            Backdoor:EC2/Spambot                          5
 *   CNC(_DNS)          Backdoor:EC2/C&CActivity.B(!DNS)              8
 *   MINING(_DNS)       CryptoCurrency:EC2/BitcoinTool.B(!DNS)        8
 *   BLACKHOLE(_DNS)    Trojan:EC2/BlackholeTraffic(!DNS)             5
 *   DROP / DROP_DNS    Trojan:EC2/DropPoint / DropPoint!DNS          5 / 8
 *   DGA_B / DGA_C      Trojan:EC2/DGADomainRequest.B / .C!DNS        8
 *   EXFIL              Trojan:EC2/DNSDataExfiltration                8
 *   PHISHING           Trojan:EC2/PhishingDomainRequest!DNS          8
 *   REBIND             UnauthorizedAccess:EC2/MetadataDNSRebind      8
 *   TOR_CLIENT/RELAY   UnauthorizedAccess:EC2/TorClient / TorRelay   8
 *   TOR_CALLER         UnauthorizedAccess:EC2/TorIPCaller            5
 *   CUSTOM_IP          UnauthorizedAccess:EC2/MaliciousIPCaller.Custom 5
 *   REP_*              Impact:EC2/{Abused,Bitcoin,Malicious,Suspicious}DomainRequest.Reputation
 * 5,8,8,2 PORT_UNUSUAL       Behavior:EC2/NetworkPortUnusual               5 VOLUME_UNUSUAL
 * Behavior:EC2/TrafficVolumeUnusual             8
 */
#ifndef MM_DETECT_NET_INT_H
#define MM_DETECT_NET_INT_H

#include "detect/limits.h"
#include "detect/net.h"

/* Defaults of mm__detect_net_config (0 there means these). */
#define MM__NET_DEF_WINDOW_SEC    600u /* the default flow-log aggregation interval (10 min) */
#define MM__NET_DEF_PORTSCAN      50u  /* distinct ports on one host */
#define MM__NET_DEF_SWEEP         50u  /* distinct hosts on one port */
#define MM__NET_DEF_BRUTE         20u  /* attempts on 22 / 3389 */
#define MM__NET_DEF_DOS_PPS       5000u
#define MM__NET_DEF_SPAM_HOSTS    10u
#define MM__NET_DEF_TOR_RELAY     10u
#define MM__NET_DEF_LEARN_SEC     86400u /* one day */
#define MM__NET_DEF_VOL_WINDOWS   12u
#define MM__NET_DEF_VOL_SIGMA     6.0
#define MM__NET_DEF_VOL_MIN_BYTES ((uint64_t)100 << 20) /* 100 MiB */
#define MM__NET_DEF_EXFIL_QUERIES 20u
#define MM__NET_DEF_EXFIL_MIN_LEN 40u
#define MM__NET_DEF_DGA_CUTOFF    0.60

/* clang-format off */
#define MM__NET_TYPE_MAP(X)                                                           \
  X(PORTSCAN,       "Recon:EC2/Portscan",                              5.0)          \
  X(PORTPROBE,      "Recon:EC2/PortProbeUnprotectedPort",              2.0)          \
  X(PORTPROBE_EMR,  "Recon:EC2/PortProbeEMRUnprotectedPort",           8.0)          \
  X(PORTSWEEP,      "Impact:EC2/PortSweep",                            8.0)          \
  X(SSH_BRUTE,      "UnauthorizedAccess:EC2/SSHBruteForce",            2.0)          \
  X(RDP_BRUTE,      "UnauthorizedAccess:EC2/RDPBruteForce",            2.0)          \
  X(DOS_TCP,        "Backdoor:EC2/DenialOfService.Tcp",                8.0)          \
  X(DOS_UDP,        "Backdoor:EC2/DenialOfService.Udp",                8.0)          \
  X(DOS_UDP_TCP,    "Backdoor:EC2/DenialOfService.UdpOnTcpPorts",      8.0)          \
  X(DOS_UNUSUAL,    "Backdoor:EC2/DenialOfService.UnusualProtocol",    8.0)          \
  X(DOS_DNS,        "Backdoor:EC2/DenialOfService.Dns",                8.0)          \
  X(SPAMBOT,        "Backdoor:EC2/Spambot",                            5.0)          \
  X(CNC,            "Backdoor:EC2/C&CActivity.B",                      8.0)          \
  X(CNC_DNS,        "Backdoor:EC2/C&CActivity.B!DNS",                  8.0)          \
  X(MINING,         "CryptoCurrency:EC2/BitcoinTool.B",                8.0)          \
  X(MINING_DNS,     "CryptoCurrency:EC2/BitcoinTool.B!DNS",            8.0)          \
  X(BLACKHOLE,      "Trojan:EC2/BlackholeTraffic",                     5.0)          \
  X(BLACKHOLE_DNS,  "Trojan:EC2/BlackholeTraffic!DNS",                 5.0)          \
  X(DROP,           "Trojan:EC2/DropPoint",                            5.0)          \
  X(DROP_DNS,       "Trojan:EC2/DropPoint!DNS",                        8.0)          \
  X(DGA_B,          "Trojan:EC2/DGADomainRequest.B",                   8.0)          \
  X(DGA_C,          "Trojan:EC2/DGADomainRequest.C!DNS",               8.0)          \
  X(EXFIL,          "Trojan:EC2/DNSDataExfiltration",                  8.0)          \
  X(PHISHING,       "Trojan:EC2/PhishingDomainRequest!DNS",            8.0)          \
  X(REBIND,         "UnauthorizedAccess:EC2/MetadataDNSRebind",        8.0)          \
  X(TOR_CLIENT,     "UnauthorizedAccess:EC2/TorClient",                8.0)          \
  X(TOR_RELAY,      "UnauthorizedAccess:EC2/TorRelay",                 8.0)          \
  X(TOR_CALLER,     "UnauthorizedAccess:EC2/TorIPCaller",              5.0)          \
  X(CUSTOM_IP,      "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", 5.0)          \
  X(REP_ABUSED,     "Impact:EC2/AbusedDomainRequest.Reputation",       5.0)          \
  X(REP_BITCOIN,    "Impact:EC2/BitcoinDomainRequest.Reputation",      8.0)          \
  X(REP_MALICIOUS,  "Impact:EC2/MaliciousDomainRequest.Reputation",    8.0)          \
  X(REP_SUSPICIOUS, "Impact:EC2/SuspiciousDomainRequest.Reputation",   2.0)          \
  X(PORT_UNUSUAL,   "Behavior:EC2/NetworkPortUnusual",                 5.0)          \
  X(VOLUME_UNUSUAL, "Behavior:EC2/TrafficVolumeUnusual",               8.0)
/* clang-format on */

typedef enum mm__net_type {
#define MM__NET_TYPE_ENUM(id, name, sev) MM__NET_##id,
  MM__NET_TYPE_MAP(MM__NET_TYPE_ENUM)
#undef MM__NET_TYPE_ENUM
      MM__NET_TYPE_COUNT
} mm__net_type;

const char *mm__net_type_name(mm__net_type t);
double mm__net_type_severity(mm__net_type t);

/* ---- bounded tables (net.c) ------------------------------------------------ */

/* Times in table entries: epoch seconds as uint32_t (until 2106; earlier
 * than 1970 counts as 0), so that an entry fits one or two cache lines. */
static inline uint32_t mm__net_sec(int64_t t) {
  return t < 0 ? 0 : t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* Every table entry starts with this header. key 0 marks an empty slot. */
typedef struct mm__net_head {
  uint64_t key;   /* the entity's 64-bit key (never 0) */
  uint32_t last;  /* last record that touched it, epoch s */
  uint32_t first; /* the record that created it, epoch s */
} mm__net_head;

/* Open addressing, linear probing; grows to hold MM_DETECT_MAX_NET_ENTITIES
 * entries; when full, the entries idle longest are dropped (see evict()). */
typedef struct mm__net_tab {
  unsigned char *slots; /* cap entries of esize bytes, owned */
  size_t esize;         /* bytes of an entry, header included */
  size_t cap;           /* power of two, 0 before the first insert */
  size_t count;         /* entries in use */
  uint64_t evictions;   /* entries dropped so far */
} mm__net_tab;

/* The entry for key, created zeroed (but for its header) when absent;
 * *fresh says which. NULL when memory runs out. */
void *mm__net_tab_get(mm__net_tab *t, uint64_t key, int64_t now, bool *fresh);
void mm__net_tab_free(mm__net_tab *t);

/* A 64-bit key for an address (IPv4: its value; IPv6: a hash) and mixing. */
uint64_t mm__net_ip_key(const mm_ip_addr *a);
static inline uint64_t mm__net_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x ? x : 1;
}

/* Distinct values within a window, counted with a 128-bit linear-counting
 * sketch (Whang et al., 1990): a value sets bit hash % 128; the count is
 * -128 ln(1 - set / 128). 16 bytes whatever the count; standard error about
 * 5% at 50 values. Deterministic (the hash is fixed). */
typedef struct mm__net_sketch {
  uint64_t bits[2];
} mm__net_sketch;
/* Add a value by its 64-bit hash; true when it set a new bit. */
static inline bool mm__net_sketch_add(mm__net_sketch *s, uint64_t h) {
  unsigned b = (unsigned)(h >> 57); /* the top 7 bits: 0..127 */
  uint64_t m = 1ull << (b & 63), *w = &s->bits[b >> 6];
  if (*w & m) return false;
  *w |= m;
  return true;
}
/* The estimated number of distinct values added. */
uint32_t mm__net_sketch_count(const mm__net_sketch *s);

/* RFC 1918, RFC 6598, loopback, link-local, RFC 4193 ...: not publicly routable. */
bool mm__net_is_private(const mm_ip_addr *a);

/* ---- the detector (net.c, net_dns.c) ------------------------------------------ */

struct mm__detect_net {
  mm__detect_net_config cfg; /* defaults filled in */
  mm__net_tab ents;          /* per instance (local address) */
  mm__net_tab pairs;         /* per instance and remote host */
  mm__net_tab lports;        /* per instance and remote server port */
  mm__net_tab domains;       /* DNS: per instance and registered domain */
  mm__detect_net_stats stats;
};

/* Bytes of a DNS table entry (net_dns.c). */
size_t mm__net_domain_entry_size(void);

#endif /* MM_DETECT_NET_INT_H */
