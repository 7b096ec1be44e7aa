/*
 * detect/net.h - the VPC Flow Log and Route 53 Resolver query-log detectors:
 * threat-list matches, fixed rules and thresholds over sliding windows
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
  /* Thresholds; 0 = the documented default (docs/detect.md). */
  uint32_t portscan_ports;   /* distinct local ports probed by one remote IP in the window */
  uint32_t sweep_hosts;      /* distinct local hosts probed on one port by one remote IP */
  uint32_t bruteforce_tries; /* rejected/short connections to 22/3389 from one IP */
  uint32_t window_sec;       /* sliding window for the thresholds above */
} mm__detect_net_config;

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
 * surely random); docs/detect.md documents the formula and the cut-off. */
double mm__detect_dga_score(mm_str domain);

#endif /* MM_DETECT_NET_H */
