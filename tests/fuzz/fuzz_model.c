/*
 * libFuzzer target for lib/model (and the detectors' decoders behind it).
 *
 * The input is decoded as a model file twice: as it is, and with its
 * length field and checksum made right, so that mutations reach the field
 * checks behind the checksum. Decoding may only succeed or fail with
 * AD_EDATA. A model that decodes must keep model.h's promises, and any
 * breach aborts:
 *  - it encodes back to exactly the bytes it was read from;
 *  - its features, sources and quantiles are as the loader checked them;
 *  - scoring rows (ordinary, extreme, missing; standardized first if the
 *    detector wants it) gives finite scores in its range (forests: (0, 1]),
 *    the same one row at a time as in a batch, and explaining gives finite,
 *    non-negative contributions;
 *  - its JSON metadata can be written;
 *  - its calibration section (CALB), if it decodes, encodes back to its
 *    bytes and maps scores into [0, 1], never falling as they rise.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ad.h"
#include "alloc.h"
#include "calib.h"
#include "detector.h"
#include "model.h"
#include "out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_calibration(const struct ad_model *m)
{
	static const double x[] = { -INFINITY, -1e300, -1, 0, 0.25, 0.5, 1, 2,
		1e300, INFINITY };
	const unsigned char *p;
	unsigned char *back;
	size_t len;
	struct ad_calib *c;
	struct ad_error err;
	double prev = 0;

	if (!ad_model_section_get(m, AD_CALIB_TAG, &p, &len) ||
	    ad_calib_decode(p, len, "m", NULL, &c, &err) != AD_OK)
		return;
	CHECK(ad_calib_size(c) == len && (back = malloc(len)) != NULL);
	ad_calib_encode(c, back);
	CHECK(memcmp(back, p, len) == 0);
	free(back);
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
		double v = ad_calib_apply(c, x[i]);
		CHECK(v >= 0 && v <= 1 && v >= prev);
		prev = v;
	}
	for (size_t i = 0; i < c->n; i++) {
		double v = ad_calib_apply(c, c->score[i]);
		CHECK(v >= 0 && v <= 1);
	}
	ad_calib_free(c);
}

static void check_scores(const struct ad_model *m)
{
	size_t d = m->nfeat, n = 6;
	double *x = calloc(n * d, sizeof *x), s[6], one, *c = calloc(d,
	    sizeof *c);
	size_t ws = ad_model_work_size(m);
	void *w = ws > 0 && ws != SIZE_MAX ? malloc(ws) : NULL;

	CHECK(x != NULL && c != NULL && (ws == 0 || w != NULL));
	for (size_t f = 0; f < d; f++) {
		x[0 * d + f] = 0;
		x[1 * d + f] = 1e300;
		x[2 * d + f] = -INFINITY;
		x[3 * d + f] = NAN;
		x[4 * d + f] = f % 2 ? NAN : 3.5;
		x[5 * d + f] = -(double)f;
	}
	ad_model_standardize(m, x, n, d);
	ad_model_score(m, x, n, d, w, s);
	for (size_t i = 0; i < n; i++) {
		CHECK(isfinite(s[i]) && s[i] >= m->det->score_lo &&
		    s[i] <= m->det->score_hi);
		CHECK(m->det->sampling != AD_SAMPLE_SUBSAMPLES || s[i] > 0);
		ad_model_score(m, x + i * d, 1, d, w, &one);
		CHECK(memcmp(&one, &s[i], sizeof one) == 0);
		ad_model_explain(m, x + i * d, w, c);
		for (size_t f = 0; f < d; f++)
			CHECK(isfinite(c[f]) && c[f] >= 0);
	}
	free(x);
	free(c);
	free(w);
}

static void check_model(const struct ad_model *m, const uint8_t *data,
    size_t size)
{
	struct ad_error err;
	struct ad_out *out;
	unsigned char *p;
	uint64_t rows = 0;
	size_t len;

	CHECK(m->nfeat >= 1 && m->nsources >= 1 && m->bytes == size);
	for (size_t i = 0; i < m->nsources; i++)
		rows += m->sources[i].rows;
	CHECK(rows == m->rows);
	for (size_t i = 1; i < m->nquantiles; i++)
		CHECK(m->qprob[i] > m->qprob[i - 1] &&
		    m->qscore[i] >= m->qscore[i - 1]);
	CHECK(m->threshold >= m->det->score_lo &&
	    m->threshold <= m->det->score_hi);
	CHECK(ad_model_encode(m, &p, &len, &err) == AD_OK);
	CHECK(len == size && memcmp(p, data, size) == 0);
	ad_free(p);
	check_scores(m);
	check_calibration(m);
	CHECK(ad_out_open(&out, "/dev/null", &err) == AD_OK);
	CHECK(ad_model_write_json(m, "fuzz", out, &err) == AD_OK);
	CHECK(ad_out_close(out, &err) == AD_OK);
}

static void decode(const uint8_t *data, size_t size)
{
	struct ad_model *m = NULL;
	struct ad_error err;
	enum ad_status st = ad_model_decode(data, size, "fuzz", &m, &err);

	CHECK(st == AD_OK || st == AD_EDATA);
	CHECK(st == AD_OK || (m == NULL && err.code == AD_EDATA));
	if (st == AD_OK)
		check_model(m, data, size);
	ad_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	uint64_t h;

	decode(data, size);
	if (size < 32 || size > (1 << 20))
		return 0;
	if ((fixed = malloc(size)) == NULL)
		abort();
	memcpy(fixed, data, size);
	for (int i = 0; i < 8; i++)
		fixed[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
	h = XXH64(fixed, size - 8, 0);
	for (int i = 0; i < 8; i++)
		fixed[size - 8 + i] = (uint8_t)(h >> (8 * i));
	decode(fixed, size);
	free(fixed);
	return 0;
}
