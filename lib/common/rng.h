#ifndef ADKIT_RNG_H
#define ADKIT_RNG_H
/*
 * A seeded pseudo-random generator with independent streams: xoshiro256**
 * (Blackman and Vigna, 2018), its 256-bit state filled by SplitMix64 from
 * the seed and a stream number. Each tree of a forest draws from its own
 * stream, so what a tree looks like depends on the seed and the tree's
 * index only, never on which thread built it or in what order. The state is
 * a plain value owned by its user: no globals, no locking.
 */
#include <stdint.h>

struct ad_rng {
	uint64_t s[4];   /* xoshiro256** state, never all zero */
};

/* Sets r to the start of stream number stream of seed. */
void ad_rng_seed(struct ad_rng *r, uint64_t seed, uint64_t stream);

/* Sets r to the one stream of seed: the state is SplitMix64's first four
 * outputs from seed (for users with no streams: profiles, bootstraps). */
void ad_rng_seed_one(struct ad_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t ad_rng_next(struct ad_rng *r);

/* A uniform double in [0, 1), a multiple of 2^-53. */
double ad_rng_uniform(struct ad_rng *r);

/* A uniform double in (0, 1): never 0, so its logarithm is finite. */
double ad_rng_open(struct ad_rng *r);

/* A uniform whole number in [0, n), without bias; n must be at least 1. */
uint64_t ad_rng_below(struct ad_rng *r, uint64_t n);

/* A standard normal deviate (mean 0, variance 1), by Marsaglia's polar
 * method. */
double ad_rng_normal(struct ad_rng *r);

#endif
