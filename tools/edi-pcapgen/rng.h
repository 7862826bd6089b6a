/* Seeded pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 * The generator's whole output is a function of the seed, so every choice
 * goes through one of these streams; never rand() or time(). One draw per
 * statement: the arguments of a call are evaluated in an unspecified order
 * (gcc right to left, clang left to right), so two draws in one argument
 * list make the bytes depend on the compiler. Where such lists were made
 * sequential, the draws keep gcc's order, in which the golden captures
 * (tests/pcap/golden) were written. */
#ifndef PCAPGEN_RNG_H
#define PCAPGEN_RNG_H
#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Uniform in [lo, hi] (inclusive). */
uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi);
/* True with probability p (0..1). */
bool rng_chance(struct rng *r, double p);
/* Pick one of n strings. */
const char *rng_pick(struct rng *r, const char *const *list, uint32_t n);
#define RNG_PICK(r, arr) rng_pick((r), (arr), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))

#endif
