/*
 * libFuzzer target for lib/profile's reader.
 *
 * The input is decoded twice: as it is, and with its last 8 bytes replaced
 * by the right checksum, so that mutations reach the parsing behind the
 * checksum. Decoding may only succeed or fail with AD_EDATA. A profile
 * that decodes must keep profile.h's promises, and any breach aborts:
 *  - values and missing cells add up to the rows in every column, a
 *    sample has min(n, sample) sorted finite values within [min, max],
 *    edges increase, categories are ordered and add up to n with other;
 *  - every listed category is found again by ad_profile_count;
 *  - encoding it gives back the input byte for byte (the format has one
 *    way to write each profile);
 *  - merging it with itself succeeds and doubles every count.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ad.h"
#include "alloc.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_col(const struct ad_profile *p, size_t i)
{
	const struct ad_profile_col *c = ad_profile_col(p, i);
	const struct ad_profile_opts *o = ad_profile_opts(p);
	uint64_t sum = c->other;

	CHECK(c->n + c->missing == ad_profile_rows(p));
	CHECK(ad_profile_find(p, c->name) == i);
	if (c->type == AD_NUMERIC) {
		CHECK(c->nsample == (c->n < o->sample ? c->n : o->sample));
		for (size_t k = 0; k < c->nsample; k++)
			CHECK(isfinite(c->sample[k]) && c->sample[k] >= c->min &&
			    c->sample[k] <= c->max &&
			    (k == 0 || c->sample[k - 1] <= c->sample[k]));
		CHECK(c->nedges < o->bins);
		for (size_t k = 1; k < c->nedges; k++)
			CHECK(c->edges[k - 1] < c->edges[k]);
		return;
	}
	CHECK(o->top == 0 || c->ncats <= o->top);
	for (size_t k = 0; k < c->ncats; k++) {
		CHECK(c->cats[k].count > 0);
		CHECK(k == 0 || c->cats[k - 1].count >= c->cats[k].count);
		CHECK(ad_profile_count(p, i, c->cats[k].text, c->cats[k].len) ==
		    c->cats[k].count);
		sum += c->cats[k].count;
	}
	CHECK(sum == c->n);
}

static void check_merge(const struct ad_profile *p)
{
	const struct ad_profile *two[] = { p, p };
	const char *names[] = { "a", "b" };
	struct ad_profile *m = NULL;
	struct ad_error err;
	enum ad_status st = ad_profile_merge(two, names, 2, 7, &m, &err);

	/* counts that overflow when doubled are bad data, not a crash */
	CHECK(st == AD_OK || st == AD_EDATA || st == AD_ENOMEM);
	if (st == AD_OK) {
		CHECK(ad_profile_rows(m) == 2 * ad_profile_rows(p));
		for (size_t i = 0; i < ad_profile_ncols(m); i++)
			CHECK(ad_profile_col(m, i)->n == 2 * ad_profile_col(p, i)->n);
	}
	ad_profile_free(m);
}

static void decode_one(const uint8_t *data, size_t size)
{
	struct ad_profile *p = NULL;
	struct ad_error err;
	unsigned char *again = NULL;
	size_t len = 0;
	enum ad_status st = ad_profile_decode(data, size, "fuzz", &p, &err);

	CHECK(st == AD_OK || st == AD_EDATA);
	if (st != AD_OK) {
		CHECK(p == NULL && strcmp(err.file, "fuzz") == 0);
		return;
	}
	for (size_t i = 0; i < ad_profile_ncols(p); i++)
		check_col(p, i);
	CHECK(ad_profile_encode(p, &again, &len, &err) == AD_OK);
	CHECK(len == size && memcmp(again, data, size) == 0);
	ad_free(again);
	if (ad_profile_rows(p) < UINT64_MAX / 2)
		check_merge(p);
	ad_profile_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	uint64_t h;

	decode_one(data, size);
	if (size < 8 || (fixed = malloc(size)) == NULL)
		return 0;
	memcpy(fixed, data, size);
	h = XXH64(fixed, size - 8, 0);
	for (int i = 0; i < 8; i++)
		fixed[size - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
	decode_one(fixed, size);
	free(fixed);
	return 0;
}
