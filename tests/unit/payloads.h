/*
 * Checks shared by the detector cores' unit tests (test_hbos.c,
 * test_ecod.c, test_pca.c): a payload refused as corrupt, whatever the
 * cut, and tiny data sets with their reference scores. Include it after
 * check.h.
 */
#ifndef ADKIT_TEST_PAYLOADS_H
#define ADKIT_TEST_PAYLOADS_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ad.h"

/* Decodes p[0..len) for nfeat features, frees what it got, and returns
 * the status, err filled. */
typedef enum ad_status (*payload_decoder)(const unsigned char *p, size_t len,
    size_t nfeat, struct ad_error *err);

/* Whether decoding p[0..len) fails as a corrupt model about file "m". */
static int payload_refused(payload_decoder dec, const unsigned char *p,
    size_t len, size_t nfeat)
{
	struct ad_error err;
	enum ad_status st;

	memset(&err, 0, sizeof err);
	st = dec(p, len, nfeat, &err);
	return st == AD_EDATA && err.code == AD_EDATA &&
	    strcmp(err.file, "m") == 0 &&
	    strncmp(err.msg, "corrupt model: ", 15) == 0;
}

/* Every truncation of the good payload p[0..len), a byte too many and
 * the wrong feature count are refused; p itself is accepted. */
static void payload_check_cuts(payload_decoder dec, const unsigned char *p,
    size_t len, size_t nfeat)
{
	struct ad_error err;
	unsigned char *c = malloc(len + 1);
	int all = 1;

	CHECK(dec(p, len, nfeat, &err) == AD_OK);
	for (size_t n = 0; n < len; n++)
		all &= payload_refused(dec, p, n, nfeat);
	CHECK(all);
	memcpy(c, p, len);
	c[len] = 0;
	CHECK(payload_refused(dec, c, len + 1, nfeat));
	CHECK(payload_refused(dec, p, len, nfeat + 1));
	CHECK(payload_refused(dec, p, len, nfeat - 1));
	free(c);
}

/* Writes the u32 v at p, little-endian. */
static void payload_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes the double v at p, little-endian. */
static void payload_put64(unsigned char *p, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

/* Whether got agrees with want to rel (relative) in every one of n. */
static int close_all(const double *got, const double *want, size_t n,
    double rel)
{
	for (size_t i = 0; i < n; i++)
		if (!(fabs(got[i] - want[i]) <= rel * fabs(want[i]))) {
			fprintf(stderr, "value %zu: got %.17g, want %.17g\n", i,
			    got[i], want[i]);
			return 0;
		}
	return 1;
}

/* The tiny data set of the reference values: 12 rows, 3 features, ties
 * in the second, an outlier in row 11. bench/detectors-ref.py METHOD
 * tiny.csv --raw --scores computed the reference scores of the tests from
 * these rows (written as a CSV with a label column), and with --new
 * new.csv those of TINY_NEW. */
#define TINY_N 12
#define TINY_D 3
static const double tiny[TINY_N * TINY_D] = {
	0.1, 2, -1,
	0.4, 2, -0.5,
	-0.3, 3, 0,
	0.2, 1, 0.5,
	0.9, 2, 1,
	-1.2, 4, -1.5,
	0.0, 2, 0.25,
	0.6, 3, -0.25,
	-0.5, 1, 0.75,
	0.3, 2, 2,
	5.0, 9, -3,
	-0.1, 2, 0,
};

/* New rows: near the middle, far out, a copy of a training row, between
 * values, below every value. */
#define TINY_NEW_N 5
static const double tiny_new[TINY_NEW_N * TINY_D] = {
	0.35, 2, 0.1,
	10, -5, 3,
	-1.2, 4, -1.5,
	0.2, 2.5, 0,
	-0.45, 0.8, -1.8,
};

#endif
