/*
 * bench/bench.h - what the benchmarks share: a per-core clock and a seeded
 * generator for synthetic inputs.
 */
#ifndef MM_BENCH_H
#define MM_BENCH_H

#include <stdint.h>
#include <time.h>

/* CPU seconds of this process: the per-core figure, unaffected by other
 * work on a shared machine (wall time would count the time we wait). */
static inline double mm_bench_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64 over *state: the same inputs from the same seed, every run. */
static inline uint64_t mm_bench_rng(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

#endif /* MM_BENCH_H */
