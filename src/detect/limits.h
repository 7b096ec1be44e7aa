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

#endif /* MAMORI_DETECT_LIMITS_H */
