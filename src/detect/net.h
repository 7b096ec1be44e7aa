/*
 * detect/net.h - the VPC Flow Log and Route 53 Resolver query-log detectors:
 * threat-list matches, fixed rules and thresholds over tumbling windows
 * (port scans and sweeps, brute force, denial of service, spam), per-entity
 * baselines (unusual ports, unusual traffic volume) and the DGA score.
 * State is bounded (MM_DETECT_MAX_NET_ENTITIES entities, the oldest dropped).
 */
#ifndef MM_DETECT_NET_H
#define MM_DETECT_NET_H

#include "detect/hit.h"
#include "detect/intel.h"
#include "mamori/json.h"

typedef struct mm__detect_net mm__detect_net;

typedef struct mm__detect_net_config {
  const mm__intel *intel; /* may be NULL: no list-based findings */
  /* Thresholds; 0 = the documented default (docs/detect-net.md, MM__NET_DEF_*). */
  uint32_t portscan_ports; /* distinct remote ports one instance probes on one host in the window */
  uint32_t sweep_hosts;    /* distinct remote hosts one instance probes on one port */
  uint32_t bruteforce_tries; /* connection attempts to 22/3389 between one client and one server */
  uint32_t window_sec;       /* tumbling window of the thresholds above, seconds */
  /* Added by net.c: */
  uint32_t dos_pps;          /* packets/s (averaged over the window) to one public host: DoS */
  uint32_t spam_hosts;       /* distinct remote hosts on port 25 in a window: Spambot */
  uint32_t tor_relay_peers;  /* distinct Tor nodes, both directions, in a window: TorRelay */
  uint32_t learn_sec;        /* an instance's learning period for the baselines, seconds */
  uint32_t volume_windows;   /* windows with traffic before TrafficVolumeUnusual judges */
  double volume_sigma;       /* k: bytes out of a window > mean + k * stddev */
  uint64_t volume_min_bytes; /* ... and at least this many bytes */
  uint32_t exfil_queries;    /* distinct long/high-entropy names under one domain in a window */
  uint32_t exfil_min_len;    /* characters left of the registered domain that make a name long */
  double dga_cutoff;         /* mm__detect_dga_score at or above which a name is a DGA name */
} mm__detect_net_config;

/* NULL when memory runs out. cfg (may be NULL) is copied. */
mm__detect_net *mm__detect_net_new(const mm__detect_net_config *cfg);
void mm__detect_net_free(mm__detect_net *n);
/* Feed one flow record (its time is f->start). Hits go to emit. */
void mm__detect_net_flow(mm__detect_net *n, const mm_detect_flow *f, mm__detect_emit_fn emit,
                         void *ud);
/* Feed one normalised Route 53 Resolver query-log record. */
void mm__detect_net_dns(mm__detect_net *n, const mm_detect_record *rec, mm__detect_emit_fn emit,
                        void *ud);
/* End of input: report what windows and baselines still hold. */
void mm__detect_net_flush(mm__detect_net *n, mm__detect_emit_fn emit, void *ud);

/* The DGA score of a domain's registered label (0 = surely a word, 1 =
 * surely random); docs/detect-net.md documents the formula and the cut-off
 * (MM__NET_DEF_DGA_CUTOFF). */
double mm__detect_dga_score(mm_str domain);

/* The registered domain of name ("a.b.example.co.uk" -> "example.co.uk"):
 * the last two labels, three under a two-letter country code with a
 * generic second level (co, com, net, org, gov, edu, ac, ...). No trailing
 * dot. A slice of name. */
mm_str mm__detect_registered_domain(mm_str name);

/* Counters since mm__detect_net_new. */
typedef struct mm__detect_net_stats {
  uint64_t flows;     /* flow records fed */
  uint64_t dns;       /* DNS records fed */
  uint64_t skipped;   /* records without the fields the detectors need */
  uint64_t hits;      /* hits emitted */
  uint64_t evictions; /* table entries dropped because a table was full */
} mm__detect_net_stats;
void mm__detect_net_get_stats(const mm__detect_net *n, mm__detect_net_stats *out);

#endif /* MM_DETECT_NET_H */
