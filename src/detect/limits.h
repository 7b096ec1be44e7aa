/*
 * limits.h - every limit of the detect engine's log readers, named, with why
 * that number (STYLE.md 6). Each may be overridden at build time
 * (-DMM_DETECT_MAX_LINE=...) and is checked at run time; the reader options
 * carry the per-call ones (0 there means the default here).
 */
#ifndef MAMORI_DETECT_LIMITS_H
#define MAMORI_DETECT_LIMITS_H

/* Bytes of one flow-log line, newline excluded: 64 KiB. A version 8 line
 * with every field, ECS ARNs included, is under 1.5 KB; the cap bounds the
 * line buffer (one line plus one read chunk) and what a garbage file without
 * newlines can make the reader hold. A longer line is one counted error. */
#ifndef MM_DETECT_MAX_LINE
#define MM_DETECT_MAX_LINE ((size_t)64 << 10)
#endif

/* Fields of one flow-log format and of one line: 64. AWS documents 40
 * fields (versions 2-8) and a format names each at most once; 64 is the
 * width of mm_detect_flow.present, and a line with more tokens than its
 * format is an error found at the first extra token anyway. */
#ifndef MM_DETECT_FLOW_MAX_FIELDS
#define MM_DETECT_FLOW_MAX_FIELDS 64
#endif

/* Bytes of one JSON record (a CloudTrail event, a Resolver query log line):
 * 1 MiB. AWS caps a CloudTrail event at 256 KB (larger ones are delivered
 * with their parameters omitted); a Resolver log line is under 4 KB. 1 MiB
 * leaves room for hand-made and EventBridge-wrapped records while keeping a
 * hostile "record" from growing the buffer to MM_JSON_MAX_RECORD. */
#ifndef MM_DETECT_MAX_RECORD
#define MM_DETECT_MAX_RECORD ((size_t)1 << 20)
#endif

/* Bytes the flow-log line reader asks the input (or zlib) for at a time:
 * 256 KiB, as the JSON reader (MM_JSON_READ_CHUNK): amortizes read(2) and
 * zlib calls and stays in L2. */
#ifndef MM_DETECT_READ_CHUNK
#define MM_DETECT_READ_CHUNK ((size_t)256 << 10)
#endif

/* ---- threat lists and the flow / DNS detectors (intel.c, net*.c) ---------- */

/* Entries of one threat or trusted-IP list: 250,000, GuardDuty's documented
 * maximum for a threat list ("Adding and managing trusted IP lists and
 * threat lists", quotas). Past it the list is rejected with MM_ELIMIT. */
#ifndef MM_DETECT_MAX_INTEL_ENTRIES
#define MM_DETECT_MAX_INTEL_ENTRIES 250000u
#endif

/* Lists one mm__intel holds: 256. GuardDuty takes 6 threat lists and 1
 * trusted list an account; the shipped set has about ten files. The cap
 * bounds a directory full of stray files. */
#ifndef MM_DETECT_MAX_INTEL_LISTS
#define MM_DETECT_MAX_INTEL_LISTS 256u
#endif

/* Bytes of one list file after gzip decoding: 64 MiB. GuardDuty takes list
 * files of up to 35 MB; a STIX 1.x file of 250,000 indicators is about that
 * size. Bounds what a gzip bomb in the list directory can make us hold. */
#ifndef MM_DETECT_MAX_INTEL_FILE
#define MM_DETECT_MAX_INTEL_FILE ((size_t)64 << 20)
#endif

/* Tracked entities of each flow/DNS detector table (instances, instance and
 * remote-host pairs, instance and port pairs, queried domains): 65,536 each.
 * A busy VPC has a few thousand interfaces; the cap bounds memory (about
 * 20 MB in all) under a scan from many addresses. When a table is full the
 * entries idle longest are dropped (docs/detect-net.md). */
#ifndef MM_DETECT_MAX_NET_ENTITIES
#define MM_DETECT_MAX_NET_ENTITIES 65536u
#endif

/* Distinct values one detector entry remembers within a window (ports of a
 * port scan, hosts of a sweep, subdomains of an exfiltration, Tor peers):
 * 64. Thresholds above it are clamped to it: the detector fires when the
 * set fills, so it never needs to remember more. */
#ifndef MM_DETECT_NET_MAX_DISTINCT
#define MM_DETECT_NET_MAX_DISTINCT 64u
#endif

/* Remote server ports remembered per instance for NetworkPortUnusual: 256.
 * An instance that talks to more distinct server ports in its learning
 * period has no useful port baseline; it is then not judged. */
#ifndef MM_DETECT_NET_MAX_PORTS
#define MM_DETECT_NET_MAX_PORTS 256u
#endif

/* ---- rules, engine, findings ---------------------------------------------- */

/* Bytes of one rule file: 4 MiB. The shipped rules are a few KB each; a
 * Sigma conversion of every SigmaHQ AWS rule fits in 200 KB. */
#ifndef MM_DETECT_MAX_RULE_FILE
#define MM_DETECT_MAX_RULE_FILE ((size_t)4 << 20)
#endif

/* Rules in one set: 10,000. The target is 300+ patterns; the
 * matcher is tested to 10,000, and the per-rule scratch (a stamp) is 4
 * bytes, so the bound is about load time, not memory. */
#ifndef MM_DETECT_MAX_RULES
#define MM_DETECT_MAX_RULES 10000
#endif

/* Nodes (allOf/anyOf/not/pattern) of one rule's condition: 64, nested at
 * most 8 deep. Sigma conditions of the SigmaHQ AWS rules use under 10; the
 * bound keeps evaluation (recursive) and its stack shallow. */
#ifndef MM_DETECT_RULE_MAX_NODES
#define MM_DETECT_RULE_MAX_NODES 64
#endif
#ifndef MM_DETECT_RULE_MAX_DEPTH
#define MM_DETECT_RULE_MAX_DEPTH 8
#endif

/* group_by fields of a threshold: 4; bytes of one group key (the values
 * joined): 512. A key longer than that is cut (groups then share a key). */
#ifndef MM_DETECT_MAX_GROUP_BY
#define MM_DETECT_MAX_GROUP_BY 4
#endif
#ifndef MM_DETECT_MAX_GROUP_KEY
#define MM_DETECT_MAX_GROUP_KEY 512
#endif

/* A threshold's count: 1,000 events (or distinct values), and its window:
 * 1 day. Each group keeps one slot per counted event, so count bounds a
 * group's memory (16 bytes a slot). */
#ifndef MM_DETECT_MAX_THRESHOLD
#define MM_DETECT_MAX_THRESHOLD 1000
#endif
#ifndef MM_DETECT_MAX_WINDOW_SEC
#define MM_DETECT_MAX_WINDOW_SEC 86400
#endif

/* Threshold groups held at once, all rules together: 65,536. Past it the
 * groups are dropped (counted in the engine's stats) and counting starts
 * again: a flood of distinct keys cannot grow memory without bound. */
#ifndef MM_DETECT_MAX_GROUPS
#define MM_DETECT_MAX_GROUPS 65536
#endif

/* Aggregated findings held by one engine: 100,000. Past it, new findings
 * are still reported to the callback but not kept for aggregation. */
#ifndef MM_DETECT_MAX_FINDINGS
#define MM_DETECT_MAX_FINDINGS 100000
#endif

/* Source IPs and instance sessions remembered by the instance-credential
 * check: 65,536 each; past it the table is cleared and learning restarts. */
#ifndef MM_DETECT_MAX_IP_STATE
#define MM_DETECT_MAX_IP_STATE 65536
#endif

#endif /* MAMORI_DETECT_LIMITS_H */
