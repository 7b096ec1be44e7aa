/*
 * events/limits.h - every limit of the events engine, named, with why that
 * number (STYLE.md 6). Each is a default a build may override
 * (-DMM_EVENTS_MAX_DEPTH=...) and is checked at run time; exceeding one is
 * MM_ELIMIT with the JSON path of the part that did.
 */
#ifndef MAMORI_EVENTS_LIMITS_H
#define MAMORI_EVENTS_LIMITS_H

/* Bytes of one pattern's text: 4096, the EventPattern length PutRule and
 * TestEventPattern accept (EventBridge API Reference, PutRule: "Maximum
 * length of 4096"). A pattern given as a parsed value is not measured. */
#ifndef MM_EVENTS_MAX_PATTERN_SIZE
#define MM_EVENTS_MAX_PATTERN_SIZE 4096
#endif

/* Nesting of objects in a pattern, `$or` levels included: 32. No AWS event
 * nests deeper than ~15 (CloudTrail's requestParameters), and it bounds the
 * recursion of the validator and of the path index. */
#ifndef MM_EVENTS_MAX_DEPTH
#define MM_EVENTS_MAX_DEPTH 32
#endif

/* Values (and operators) listed for one field: 1024. The 4096-byte pattern
 * limit allows ~2000 one-character strings; 1024 keeps a per-field scan
 * bounded for patterns given as parsed values. */
#ifndef MM_EVENTS_MAX_VALUES
#define MM_EVENTS_MAX_VALUES 1024
#endif

/* Alternatives one pattern may expand to through `$or` (the product of the
 * branch counts of nested or sibling `$or`s): 256. EventBridge rejects
 * patterns whose `$or` combinations grow too complex; 256 is well above
 * any rule in AWS's samples and bounds the expansion's memory. */
#ifndef MM_EVENTS_MAX_ALTERNATIVES
#define MM_EVENTS_MAX_ALTERNATIVES 256
#endif

/* Magnitude of the bounds of a numeric range and of "=": 1.0e9, as the
 * User Guide's "Numeric matching" says ("limited to values between -1.0e9
 * and +1.0e9 inclusive"). Event values are not limited: they are compared
 * as doubles. */
#ifndef MM_EVENTS_NUMERIC_MAX
#define MM_EVENTS_NUMERIC_MAX 1.0e9
#endif

/* Patterns in one matcher: 4 Mi. A GuardDuty-like rule set holds hundreds;
 * the cap keeps 32-bit indexes everywhere with room to spare. */
#ifndef MM_EVENTS_MAX_PATTERNS
#define MM_EVENTS_MAX_PATTERNS ((size_t)4 << 20)
#endif

#endif /* MAMORI_EVENTS_LIMITS_H */
