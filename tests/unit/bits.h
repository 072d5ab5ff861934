/*
 * A double's bits and back, for tests that compare numbers bit for bit
 * (-0, NaN payloads) or build them from their bits.
 */
#ifndef ADKIT_TEST_BITS_H
#define ADKIT_TEST_BITS_H
#include <stdint.h>
#include <string.h>

static inline uint64_t bits_of(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

static inline double from_bits(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

#endif
