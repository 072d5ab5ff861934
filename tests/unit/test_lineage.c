/*
 * Tests for lib/io/lineage: a chain encodes and decodes to itself (empty,
 * one step, long names cut at a UTF-8 boundary); every cut and every
 * corrupt kind, flag, name length or count is AD_EDATA; appending stops at
 * AD_LINEAGE_MAX_STEPS; ad_lineage_extends accepts only a completion;
 * ad_lineage_mismatch tells same params from other params, fitted from
 * restored, and a different chain of steps, each in one line; the OOM loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

/* A chain: ad-clean restored c.params from raw.csv, then ad-features
 * restored (fitted when fitted) f.params. */
static void chain(struct ad_lineage *l, unsigned char fsha, int fitted)
{
	struct ad_lineage_step *s;
	struct ad_error err;

	memset(l, 0, sizeof *l);
	CHECK(ad_lineage_append(l, AD_LINEAGE_CLEAN, "c.params", "raw.csv", &s,
	    &err) == AD_OK);
	s->flags = AD_LINEAGE_RESTORED | AD_LINEAGE_PARAMS_SHA |
	    AD_LINEAGE_INPUT_SHA;
	memset(s->params_sha256, 0x11, 32);
	memset(s->input_sha256, 0x22, 32);
	CHECK(ad_lineage_append(l, AD_LINEAGE_FEATURES, "f.params", "<stdin>",
	    &s, &err) == AD_OK);
	s->flags = (fitted ? 0 : AD_LINEAGE_RESTORED) | AD_LINEAGE_PARAMS_SHA;
	memset(s->params_sha256, fsha, 32);
}

/* Encodes l into a malloc'd buffer. */
static unsigned char *encode(const struct ad_lineage *l, size_t *len)
{
	unsigned char *b;

	*len = ad_lineage_size(l);
	if ((b = malloc(*len)) == NULL)
		exit(2);
	ad_lineage_encode(l, b);
	return b;
}

static int same(const struct ad_lineage *a, const struct ad_lineage *b)
{
	return a->n == b->n && (a->n == 0 ||
	    memcmp(a->step, b->step, a->n * sizeof *a->step) == 0);
}

static void test_round_trip(void)
{
	struct ad_lineage l, got = { 0, NULL }, empty = { 0, NULL };
	struct ad_lineage_step *s;
	struct ad_error err;
	char longname[400];
	unsigned char *b;
	size_t len;

	chain(&l, 0x33, 0);
	b = encode(&l, &len);
	CHECK(len == 4 + 2 * 70 + 8 + 7 + 8 + 7);
	CHECK(ad_lineage_decode(b, len, &got, "x", &err) == AD_OK);
	CHECK(same(&l, &got));
	free(b);
	b = encode(&empty, &len);
	CHECK(len == 4);
	CHECK(ad_lineage_decode(b, len, &got, "x", &err) == AD_OK);
	CHECK(got.n == 0);
	free(b);
	/* 254 ASCII bytes then a 2-byte character: the cut keeps 254 */
	memset(longname, 'a', 254);
	strcpy(longname + 254, "\xc3\xa9tail");
	CHECK(ad_lineage_append(&l, AD_LINEAGE_CLEAN, longname, longname, &s,
	    &err) == AD_OK);
	CHECK(strlen(s->params) == 254 && strlen(s->input) == 254);
	b = encode(&l, &len);
	CHECK(ad_lineage_decode(b, len, &got, "x", &err) == AD_OK);
	CHECK(same(&l, &got));
	free(b);
	ad_lineage_clear(&l);
	ad_lineage_clear(&got);
}

static void expect_corrupt(const unsigned char *b, size_t len)
{
	struct ad_lineage got = { 0, NULL };
	struct ad_error err;

	calls = live = 0;
	CHECK(ad_lineage_decode(b, len, &got, "s.bin", &err) == AD_EDATA);
	CHECK(strcmp(err.msg, "corrupt lineage record") == 0);
	CHECK(strcmp(err.file, "s.bin") == 0);
	CHECK(got.n == 0 && live == 0);
}

static void test_corrupt(void)
{
	struct ad_lineage l;
	unsigned char *b, *c;
	size_t len;

	chain(&l, 0x33, 0);
	b = encode(&l, &len);
	for (size_t n = 0; n < len; n++)
		expect_corrupt(b, n);
	if ((c = malloc(len + 1)) == NULL)
		exit(2);
	memcpy(c, b, len);
	c[len] = 0;
	expect_corrupt(c, len + 1);           /* a byte too many */
	c[4] = 3;                             /* an unknown kind */
	expect_corrupt(c, len);
	memcpy(c, b, len);
	c[5] = 8;                             /* an unknown flag */
	expect_corrupt(c, len);
	memcpy(c, b, len);
	c[4 + 66] = 0xff;                     /* a name length beyond the rest */
	expect_corrupt(c, len);
	memcpy(c, b, len);
	c[4 + 66 + 2] = 0;                    /* a NUL in a name */
	expect_corrupt(c, len);
	memcpy(c, b, len);
	c[0] = 0xff;                          /* more steps than bytes */
	expect_corrupt(c, len);
	free(c);
	free(b);
	ad_lineage_clear(&l);
}

static void test_limit(void)
{
	struct ad_lineage l = { 0, NULL };
	struct ad_lineage_step *s;
	struct ad_error err;
	enum ad_status st = AD_OK;

	for (int i = 0; i < AD_LINEAGE_MAX_STEPS && st == AD_OK; i++)
		st = ad_lineage_append(&l, AD_LINEAGE_CLEAN, NULL, "in", &s, &err);
	CHECK(st == AD_OK && l.n == AD_LINEAGE_MAX_STEPS);
	CHECK(ad_lineage_append(&l, AD_LINEAGE_CLEAN, NULL, "in", &s, &err) ==
	    AD_EDATA);
	CHECK(strstr(err.msg, "1024 steps") != NULL);
	ad_lineage_clear(&l);
}

static void test_extends(void)
{
	struct ad_lineage a, b;

	chain(&a, 0x33, 0);
	chain(&b, 0x33, 0);
	a.step[1].flags &= ~(unsigned)AD_LINEAGE_PARAMS_SHA;
	b.step[1].flags |= AD_LINEAGE_INPUT_SHA;
	CHECK(ad_lineage_extends(&a, &b));
	CHECK(!ad_lineage_extends(&b, &a));   /* it would forget a digest */
	b.step[0].input_sha256[0] ^= 1;
	CHECK(!ad_lineage_extends(&a, &b));
	b.step[0].input_sha256[0] ^= 1;
	strcpy(b.step[1].input, "other");
	CHECK(!ad_lineage_extends(&a, &b));
	b.n = 1;
	CHECK(!ad_lineage_extends(&a, &b));
	b.n = 2;
	ad_lineage_clear(&a);
	ad_lineage_clear(&b);
}

static void test_mismatch(void)
{
	struct ad_lineage model, same_p, other, fitted, shorter = { 0, NULL };
	struct ad_lineage_step *s;
	struct ad_error err;
	char msg[1024];

	chain(&model, 0x33, 1);   /* trained with ad-features -s f.params */
	chain(&same_p, 0x33, 0);
	chain(&other, 0x44, 0);
	chain(&fitted, 0x33, 1);
	strcpy(other.step[1].params, "f2.params");
	CHECK(ad_lineage_mismatch(&same_p, &model, msg, sizeof msg) == 0);
	CHECK(ad_lineage_mismatch(&other, &model, msg, sizeof msg) == 1);
	CHECK_STR(msg, "the features were made with other params: the input's "
	    "ad-features step applied f2.params (sha256 444444444444...), the "
	    "model was trained on f.params (sha256 333333333333...); run "
	    "ad-features -r f.params");
	fitted.step[1].flags = 0;
	CHECK(ad_lineage_mismatch(&fitted, &model, msg, sizeof msg) == 1);
	CHECK_STR(msg, "the input's ad-features step fitted its own params "
	    "instead of restoring the model's; run ad-features -r f.params");
	/* a model whose features were fitted without -s cannot be matched */
	model.step[1].flags = 0;
	model.step[1].params[0] = '\0';
	CHECK(ad_lineage_mismatch(&other, &model, msg, sizeof msg) == 0);
	CHECK(ad_lineage_mismatch(&fitted, &model, msg, sizeof msg) == 1);
	CHECK_STR(msg, "the input's ad-features step fitted its own params "
	    "instead of restoring the model's; the model's ad-features step was "
	    "fitted without -s, so its params cannot be restored");
	CHECK(ad_lineage_params_of(&model, AD_LINEAGE_FEATURES) == NULL);
	CHECK_STR(ad_lineage_params_of(&same_p, AD_LINEAGE_FEATURES),
	    "f.params");
	CHECK(ad_lineage_append(&shorter, AD_LINEAGE_FEATURES, "f.params", "x",
	    &s, &err) == AD_OK);
	CHECK(ad_lineage_mismatch(&shorter, &same_p, msg, sizeof msg) == 1);
	CHECK_STR(msg, "the input was made by ad-features, the model's "
	    "training data by ad-clean then ad-features");
	ad_lineage_clear(&shorter);
	CHECK(ad_lineage_mismatch(&shorter, &same_p, msg, sizeof msg) == 1);
	CHECK_STR(msg, "the input was made by neither ad-clean nor ad-features, "
	    "the model's training data by ad-clean then ad-features");
	ad_lineage_clear(&model);
	ad_lineage_clear(&same_p);
	ad_lineage_clear(&other);
	ad_lineage_clear(&fitted);
}

static enum ad_status oom_codec(void *ctx, struct ad_error *err)
{
	struct ad_lineage l = { 0, NULL }, copy = { 0, NULL };
	struct ad_lineage_step *s;
	unsigned char b[512];
	enum ad_status st;

	(void)ctx;
	if ((st = ad_lineage_append(&l, AD_LINEAGE_CLEAN, "p", "in", &s,
	    err)) == AD_OK &&
	    (st = ad_lineage_append(&l, AD_LINEAGE_FEATURES, "q", "in2", &s,
	    err)) == AD_OK &&
	    (st = ad_lineage_copy(&copy, &l, err)) == AD_OK) {
		ad_lineage_encode(&copy, b);
		st = ad_lineage_decode(b, ad_lineage_size(&copy), &l, "x", err);
	}
	ad_lineage_clear(&l);
	ad_lineage_clear(&copy);
	return st;
}

int main(void)
{
	test_round_trip();
	test_corrupt();
	test_limit();
	test_extends();
	test_mismatch();
	oom_loop("lineage", oom_codec, NULL, NULL);
	return CHECK_DONE("test_lineage");
}
