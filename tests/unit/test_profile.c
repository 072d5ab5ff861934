/*
 * Tests for lib/profile: counts, moments and samples of numeric columns
 * (NaN and infinities missing), Algorithm R's uniformity (checked over many
 * fixed seeds, so the outcome is fixed too), bin edges of a constant
 * column, categories kept by count then bytes, the file format's round
 * trip and its refusal of every truncation, a bad checksum, trailing
 * bytes and inconsistent counts, merges (exact counts and moments, the
 * union kept below the sample size, a uniform split above it, refusals),
 * and an OOM loop: every allocation failed in turn, once and for good,
 * must give AD_ENOMEM and leak nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "alloc.h"
#include "out.h"
#include "profile.h"

#include "check.h"

/* ---- a failing allocator (see tests/unit/test_oom.c) ---- */

#include "failalloc.h"

/* ---- helpers ---- */

static struct ad_profile_opts opts(uint64_t sample, size_t bins, size_t top,
    uint64_t seed)
{
	struct ad_profile_opts o = { sample, bins, top, seed };

	return o;
}

/* A schema of columns "x" (numeric) and, if with_text, "t" (text). */
static struct ad_schema *schema(int with_text)
{
	struct ad_schema *s = NULL;
	struct ad_error err;

	if (ad_schema_new(&s, &err) != AD_OK ||
	    ad_schema_add(s, "x", 1, AD_NUMERIC, &err) != AD_OK ||
	    (with_text && ad_schema_add(s, "t", 1, AD_TEXT, &err) != AD_OK)) {
		fprintf(stderr, "schema: %s\n", err.msg);
		exit(2);
	}
	return s;
}

/* A block of n rows: x = xs[i], t = ts[i] (NULL: missing) when given. */
static struct ad_block *block(const double *xs, const char *const *ts,
    size_t n)
{
	struct ad_block *b = NULL;
	struct ad_error err;
	size_t ncols = ts ? 2 : 1;

	if (ad_block_new(&b, ncols, n ? n : 1, &err) != AD_OK)
		exit(2);
	for (size_t i = 0; i < n; i++) {
		b->num[i * ncols] = xs[i];
		if (ts != NULL) {
			b->num[i * ncols + 1] = NAN;
			if (ad_block_set_text(b, i, 1, ts[i], ts[i] ? strlen(ts[i]) :
			    AD_TEXT_MISSING, &err) != AD_OK)
				exit(2);
		}
		b->line[i] = i + 2;
	}
	b->nrows = n;
	return b;
}

/* A finished profile of x = xs[0..n) (and t = ts when given). */
static struct ad_profile *profile_of(const double *xs, const char *const *ts,
    size_t n, struct ad_profile_opts o)
{
	struct ad_schema *s = schema(ts != NULL);
	struct ad_block *b = block(xs, ts, n);
	struct ad_profile *p = NULL;
	struct ad_error err;

	if (ad_profile_new(&p, s, &o, &err) != AD_OK ||
	    ad_profile_add(p, b, NULL, 0, n, &err) != AD_OK ||
	    ad_profile_finish(p, 1, &err) != AD_OK) {
		fprintf(stderr, "profile_of: %s\n", err.msg);
		exit(2);
	}
	ad_block_free(b);
	ad_schema_free(s);
	return p;
}

/* Writes p to a temporary file and reads the bytes back into *buf. */
static enum ad_status encode(const struct ad_profile *p, unsigned char **buf,
    size_t *len, struct ad_error *err)
{
	char path[] = "/tmp/test_profile.XXXXXX";
	int fd = mkstemp(path);
	struct ad_out *out = NULL;
	enum ad_status st;
	FILE *f;
	long size;

	if (fd < 0)
		exit(2);
	close(fd);
	if ((st = ad_out_open(&out, path, err)) == AD_OK) {
		st = ad_profile_write(p, out, err);
		if (st == AD_OK)
			st = ad_out_close(out, err);
		else
			ad_out_abort(out);
	}
	if (st == AD_OK) {
		f = fopen(path, "rb");
		if (f == NULL || fseek(f, 0, SEEK_END) != 0 ||
		    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
		    (*buf = malloc((size_t)size + 1)) == NULL ||
		    fread(*buf, 1, (size_t)size, f) != (size_t)size)
			exit(2);
		fclose(f);
		*len = (size_t)size;
	}
	unlink(path);
	return st;
}

/* Rewrites the checksum of buf[0..len) after a deliberate change. */
static void fix_checksum(unsigned char *buf, size_t len)
{
	uint64_t h = XXH64(buf, len - 8, 0);

	for (int i = 0; i < 8; i++)
		buf[len - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- tests ---- */

static void test_counts_and_moments(void)
{
	const double xs[] = { 1, NAN, 2, INFINITY, 4, -INFINITY, 8 };
	const char *const ts[] = { "b", "a", NULL, "b", "c", "a", "b" };
	struct ad_profile *p = profile_of(xs, ts, 7, opts(100, 4, 0, 1));
	const struct ad_profile_col *x = ad_profile_col(p, 0);
	const struct ad_profile_col *t = ad_profile_col(p, 1);
	struct ad_error err;
	struct ad_block *b = block(xs, ts, 1);

	CHECK(ad_profile_rows(p) == 7 && ad_profile_ncols(p) == 2);
	CHECK(x->n == 4 && x->missing == 3);
	CHECK(x->mean == 3.75);
	CHECK(fabs(x->m2 - (7.5625 + 3.0625 + 0.0625 + 18.0625)) < 1e-12);
	CHECK(x->min == 1 && x->max == 8);
	CHECK(fabs(ad_profile_std(x) - sqrt(28.75 / 4)) < 1e-12);
	CHECK(x->nsample == 4 && x->sample[0] == 1 && x->sample[3] == 8);
	/* edges at the 1/4, 2/4, 3/4 quantiles of 1, 2, 4, 8 */
	CHECK(x->nedges == 3 && x->edges[0] == 1.75 && x->edges[1] == 3 &&
	    x->edges[2] == 5);
	CHECK(t->n == 6 && t->missing == 1 && t->ncats == 3 && t->other == 0);
	CHECK(t->cats[0].count == 3 && t->cats[0].len == 1 &&
	    t->cats[0].text[0] == 'b');
	CHECK(t->cats[1].text[0] == 'a' && t->cats[2].text[0] == 'c');
	CHECK(ad_profile_count(p, 1, "a", 1) == 2);
	CHECK(ad_profile_count(p, 1, "z", 1) == 0);
	CHECK(ad_profile_count(p, 0, "a", 1) == 0);
	CHECK(ad_profile_find(p, "t") == 1 && ad_profile_find(p, "q") == SIZE_MAX);
	CHECK(ad_profile_add(p, b, NULL, 0, 1, &err) != AD_OK);
	ad_block_free(b);
	ad_profile_free(p);
	ad_profile_free(NULL);
}

static void test_empty_and_constant(void)
{
	const double c[] = { 5, 5, 5, 5, 5 };
	struct ad_profile *p = profile_of(c, NULL, 0, opts(10, 10, 0, 1));
	const struct ad_profile_col *x = ad_profile_col(p, 0);

	CHECK(x->n == 0 && x->nsample == 0 && x->nedges == 0 && x->mean == 0);
	CHECK(isnan(ad_profile_std(x)));
	ad_profile_free(p);
	p = profile_of(c, NULL, 5, opts(10, 10, 0, 1));
	x = ad_profile_col(p, 0);
	CHECK(x->nedges == 1 && x->edges[0] == 5 && x->m2 == 0);
	ad_profile_free(p);
}

static void test_top_categories(void)
{
	const double xs[8] = { 0 };
	const char *const ts[] = { "d", "c", "b", "c", "a", "b", "e", "e" };
	struct ad_profile *p = profile_of(xs, ts, 8, opts(10, 2, 2, 1));
	const struct ad_profile_col *t = ad_profile_col(p, 1);

	/* b, c, e twice: the first two in byte order are kept */
	CHECK(t->ncats == 2 && t->other == 4 && t->n == 8);
	CHECK(t->cats[0].text[0] == 'b' && t->cats[1].text[0] == 'c');
	CHECK(ad_profile_count(p, 1, "e", 1) == 0);
	ad_profile_free(p);
}

static void test_reservoir_keeps_all_below_its_size(void)
{
	double xs[300], copy[300];
	struct ad_profile *p;
	const struct ad_profile_col *x;
	int same = 1;

	for (size_t i = 0; i < 300; i++)
		xs[i] = copy[i] = (double)((i * 7919) % 300);
	p = profile_of(xs, NULL, 300, opts(300, 10, 0, 3));
	x = ad_profile_col(p, 0);
	qsort(copy, 300, sizeof *copy, by_value);
	CHECK(x->nsample == 300);
	for (size_t i = 0; i < 300; i++)
		same &= x->sample[i] == copy[i];
	CHECK(same);
	ad_profile_free(p);
}

/* Over many seeds, every position is sampled about sample/n of the time:
 * Algorithm R favours neither early nor late values. */
static void test_reservoir_is_uniform(void)
{
	enum { N = 1000, S = 100, SEEDS = 2000 };
	double xs[N];
	long first = 0, middle = 0, last = 0;
	int subset = 1;

	for (size_t i = 0; i < N; i++)
		xs[i] = (double)i;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct ad_profile *p = profile_of(xs, NULL, N, opts(S, 10, 0, seed));
		const struct ad_profile_col *x = ad_profile_col(p, 0);

		subset &= x->nsample == S;
		for (size_t i = 0; i < x->nsample; i++) {
			subset &= x->sample[i] >= 0 && x->sample[i] < N &&
			    (i == 0 || x->sample[i] > x->sample[i - 1]);
			first += x->sample[i] < 100;
			middle += x->sample[i] >= 450 && x->sample[i] < 550;
			last += x->sample[i] >= 900;
		}
		ad_profile_free(p);
	}
	CHECK(subset);
	/* expected 20000 each (2000 seeds x 100 values x 1/10); the standard
	 * deviation is about 130 */
	CHECK(first > 19400 && first < 20600);
	CHECK(middle > 19400 && middle < 20600);
	CHECK(last > 19400 && last < 20600);
}

static void test_round_trip(void)
{
	const double xs[] = { 3, -1, 2.5, NAN, 1e300, -0.0 };
	const char *const ts[] = { "caf\xc3\xa9", "", NULL, "a\"b", "", "x,y" };
	struct ad_profile *p = profile_of(xs, ts, 6, opts(4, 3, 2, 77)), *q = NULL;
	unsigned char *buf = NULL, *again = NULL;
	size_t len, len2;
	struct ad_error err;

	CHECK(encode(p, &buf, &len, &err) == AD_OK);
	CHECK(ad_profile_is_magic(buf, len) && !ad_profile_is_magic(buf, 7));
	CHECK(ad_profile_decode(buf, len, "p.prof", &q, &err) == AD_OK);
	if (q != NULL) {
		const struct ad_profile_opts *o = ad_profile_opts(q);
		CHECK(o->sample == 4 && o->bins == 3 && o->top == 2 && o->seed == 77);
		CHECK(ad_profile_rows(q) == 6);
		CHECK(ad_profile_col(q, 0)->nsample == 4);
		CHECK(ad_profile_col(q, 0)->m2 == ad_profile_col(p, 0)->m2);
		CHECK(ad_profile_count(q, 1, "", 0) == 2);
		CHECK(encode(q, &again, &len2, &err) == AD_OK);
		CHECK(len2 == len && memcmp(buf, again, len) == 0);
	}
	free(buf);
	free(again);
	ad_profile_free(p);
	ad_profile_free(q);
}

static void test_refusals(void)
{
	const double xs[] = { 1, 2, 3, 4, 5, 6 };
	const char *const ts[] = { "a", "b", "a", "c", "a", "b" };
	struct ad_profile *p = profile_of(xs, ts, 6, opts(10, 3, 0, 1)), *q;
	unsigned char *buf = NULL, *bad;
	size_t len;
	struct ad_error err;
	int all_refused = 1;

	if (encode(p, &buf, &len, &err) != AD_OK)
		exit(2);
	/* every truncation is refused as bad data, naming the file */
	for (size_t n = 0; n < len; n++) {
		q = NULL;
		all_refused &= ad_profile_decode(buf, n, "t.prof", &q, &err) ==
		    AD_EDATA && q == NULL && strcmp(err.file, "t.prof") == 0;
	}
	CHECK(all_refused);
	bad = malloc(len + 8);
	memcpy(bad, buf, len);
	bad[20] ^= 1;   /* the sample size */
	q = NULL;
	CHECK(ad_profile_decode(bad, len, "t", &q, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "checksum") != NULL);
	bad[20] ^= 1;
	bad[8] = 2;     /* a newer version */
	fix_checksum(bad, len);
	CHECK(ad_profile_decode(bad, len, "t", &q, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "version 2") != NULL);
	memcpy(bad, buf, len);
	bad[40] += 1;   /* rows no longer what the columns add up to */
	fix_checksum(bad, len);
	CHECK(ad_profile_decode(bad, len, "t", &q, &err) == AD_EDATA);
	memcpy(bad, buf, len - 8);   /* a byte after the last column */
	bad[len - 8] = 0;
	fix_checksum(bad, len + 1);
	CHECK(ad_profile_decode(bad, len + 1, "t", &q, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "after its last column") != NULL);
	memcpy(bad, buf, len);
	bad[0] = 'x';
	CHECK(ad_profile_decode(bad, len, "t", &q, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "not an adkit profile") != NULL);
	free(bad);
	free(buf);
	ad_profile_free(p);
}

static void test_merge(void)
{
	double all[400], a[150], b[250];
	const char *ta[150], *tb[250], *tall[400];
	struct ad_profile *pa, *pb, *pall, *m = NULL, *one = NULL;
	const struct ad_profile *both[2];
	const char *names[] = { "a.prof", "b.prof" };
	const struct ad_profile_col *mx, *wx, *mt;
	struct ad_error err;
	int same = 1;

	for (size_t i = 0; i < 400; i++) {
		all[i] = sin((double)i) * 100 + (i > 200 ? 50 : 0);
		tall[i] = i % 3 ? "u" : (i % 5 ? "v" : "w");
		if (i < 150) {
			a[i] = all[i];
			ta[i] = tall[i];
		} else {
			b[i - 150] = all[i];
			tb[i - 150] = tall[i];
		}
	}
	pa = profile_of(a, ta, 150, opts(1000, 5, 0, 1));
	pb = profile_of(b, tb, 250, opts(1000, 5, 0, 1));
	pall = profile_of(all, tall, 400, opts(1000, 5, 0, 1));
	both[0] = pa;
	both[1] = pb;
	CHECK(ad_profile_merge(both, names, 2, 5, &m, &err) == AD_OK);
	mx = ad_profile_col(m, 0);
	wx = ad_profile_col(pall, 0);
	mt = ad_profile_col(m, 1);
	CHECK(ad_profile_rows(m) == 400 && mx->n == 400 && mx->nsample == 400);
	for (size_t i = 0; i < 400; i++)
		same &= mx->sample[i] == wx->sample[i];
	CHECK(same);
	CHECK(fabs(mx->mean - wx->mean) < 1e-12 * fabs(wx->mean));
	CHECK(fabs(mx->m2 - wx->m2) < 1e-12 * wx->m2);
	CHECK(mx->min == wx->min && mx->max == wx->max);
	CHECK(mx->nedges == wx->nedges && mx->edges[2] == wx->edges[2]);
	CHECK(mt->n == 400 && ad_profile_count(m, 1, "u", 1) ==
	    ad_profile_count(pall, 1, "u", 1));
	CHECK(ad_profile_merge(both, names, 1, 5, &one, &err) == AD_OK &&
	    ad_profile_col(one, 0)->nsample == 150);
	ad_profile_free(one);
	ad_profile_free(m);
	ad_profile_free(pb);
	/* other options are refused, naming the profile */
	pb = profile_of(b, tb, 250, opts(1000, 6, 0, 1));
	both[1] = pb;
	m = NULL;
	CHECK(ad_profile_merge(both, names, 2, 5, &m, &err) == AD_EDATA &&
	    m == NULL && strcmp(err.file, "b.prof") == 0);
	ad_profile_free(pb);
	pb = profile_of(b, NULL, 250, opts(1000, 5, 0, 1));
	both[1] = pb;
	CHECK(ad_profile_merge(both, names, 2, 5, &m, &err) == AD_EDATA);
	ad_profile_free(pb);
	ad_profile_free(pa);
	ad_profile_free(pall);
}

/* A merged sample of size s draws from each shard in proportion to its
 * values: a uniform sample of the union, over many seeds. */
static void test_merge_is_weighted(void)
{
	enum { NA = 100, NB = 900, S = 100, SEEDS = 500 };
	double a[NA], b[NB];
	struct ad_profile *pa, *pb;
	const char *names[] = { "a", "b" };
	long from_a = 0;
	int sized = 1;

	for (size_t i = 0; i < NA; i++)
		a[i] = -1 - (double)i;
	for (size_t i = 0; i < NB; i++)
		b[i] = (double)i;
	pa = profile_of(a, NULL, NA, opts(S, 10, 0, 1));
	pb = profile_of(b, NULL, NB, opts(S, 10, 0, 1));
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		const struct ad_profile *both[] = { pa, pb };
		struct ad_profile *m = NULL;
		struct ad_error err;

		if (ad_profile_merge(both, names, 2, seed, &m, &err) != AD_OK)
			exit(2);
		sized &= ad_profile_col(m, 0)->nsample == S &&
		    ad_profile_col(m, 0)->n == NA + NB;
		for (size_t i = 0; i < S; i++)
			from_a += ad_profile_col(m, 0)->sample[i] < 0;
		ad_profile_free(m);
	}
	CHECK(sized);
	/* expected 10 per merge, 5000 in all; the deviation is about 67 */
	CHECK(from_a > 4700 && from_a < 5300);
	ad_profile_free(pa);
	ad_profile_free(pb);
}

/* ---- out of memory ---- */

/* Builds, finishes, writes, decodes and merges profiles of b. */
static enum ad_status oom_scenario(const struct ad_schema *s,
    const struct ad_block *b)
{
	struct ad_profile *p = NULL, *q = NULL, *m = NULL;
	struct ad_profile_opts o = opts(4, 3, 3, 9);
	unsigned char *buf = NULL;
	size_t len;
	struct ad_error err;
	enum ad_status st;

	if ((st = ad_profile_new(&p, s, &o, &err)) == AD_OK &&
	    (st = ad_profile_add(p, b, NULL, 0, b->nrows, &err)) == AD_OK &&
	    (st = ad_profile_finish(p, 1, &err)) == AD_OK &&
	    (st = encode(p, &buf, &len, &err)) == AD_OK &&
	    (st = ad_profile_decode(buf, len, "p", &q, &err)) == AD_OK) {
		const struct ad_profile *two[] = { p, q };
		const char *names[] = { "p", "q" };
		st = ad_profile_merge(two, names, 2, 1, &m, &err);
		/* a, b, c kept of a x4, b x2, c, d, e; d and e twice in other */
		if (st == AD_OK && (ad_profile_col(m, 0)->n != 18 ||
		    ad_profile_col(m, 0)->nsample != 4 ||
		    ad_profile_col(m, 1)->other != 4 ||
		    ad_profile_count(m, 1, "a", 1) != 8))
			st = AD_ECHECK;
	}
	free(buf);
	ad_profile_free(m);
	ad_profile_free(q);
	ad_profile_free(p);
	return st;
}

static void test_out_of_memory(void)
{
	const double xs[] = { 1, 2, NAN, 4, 5, 6, 7, 8, 9, 10 };
	const char *const ts[] = { "a", "b", "a", NULL, "c", "a", "d", "b",
	    "e", "a" };
	struct ad_schema *s = schema(1);
	struct ad_block *b = block(xs, ts, 10);
	int clean = 1, right = 1;
	long runs = 0;

	for (persistent = 0; persistent <= 1; persistent++)
		for (long n = 1;; n++) {
			enum ad_status st;

			calls = 0;
			hit = 0;
			live = 0;
			fail_at = n;
			st = oom_scenario(s, b);
			fail_at = 0;
			runs++;
			clean &= live == 0;
			if (!hit) {
				right &= st == AD_OK;
				break;
			}
			right &= st == AD_OK || st == AD_ENOMEM;
			if (persistent)
				right &= st == AD_ENOMEM;
		}
	CHECK(runs > 40);
	CHECK(clean);
	CHECK(right);
	ad_block_free(b);
	ad_schema_free(s);
}

int main(void)
{
	test_counts_and_moments();
	test_empty_and_constant();
	test_top_categories();
	test_reservoir_keeps_all_below_its_size();
	test_reservoir_is_uniform();
	test_round_trip();
	test_refusals();
	test_merge();
	test_merge_is_weighted();
	test_out_of_memory();
	return CHECK_DONE("test_profile");
}
