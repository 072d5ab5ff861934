/* xoshiro256** seeded by SplitMix64: see rng.h. */
#include <math.h>

#include "rng.h"

/* One SplitMix64 step: a well-mixed 64-bit value from a counter. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void ad_rng_seed(struct ad_rng *r, uint64_t seed, uint64_t stream)
{
	/* The stream number is mixed first, so that neighbouring streams of
	 * one seed (or neighbouring seeds of one stream) start far apart. */
	uint64_t k = stream, x = splitmix64(&k) ^ seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

void ad_rng_seed_one(struct ad_rng *r, uint64_t seed)
{
	/* four outputs of a bijection on distinct counters: never all zero */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t ad_rng_next(struct ad_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double ad_rng_uniform(struct ad_rng *r)
{
	return (double)(ad_rng_next(r) >> 11) * 0x1.0p-53;
}

double ad_rng_open(struct ad_rng *r)
{
	/* the midpoints of the 2^53 steps: (k + 0.5) * 2^-53 */
	return ((double)(ad_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t ad_rng_below(struct ad_rng *r, uint64_t n)
{
	/* Lemire's multiply-and-reject: unbiased, usually one draw. */
	unsigned __int128 m = (unsigned __int128)ad_rng_next(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t floor = -n % n;
		while (low < floor) {
			m = (unsigned __int128)ad_rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double ad_rng_normal(struct ad_rng *r)
{
	double u, v, s;

	do {
		u = 2 * ad_rng_uniform(r) - 1;
		v = 2 * ad_rng_uniform(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	/* the second deviate of the pair is dropped: one draw, one value,
	 * keeps the stream's use easy to reason about */
	return u * sqrt(-2 * log(s) / s);
}
