/* lib/context: every feature against a plain O(N) computation, per group,
 * with missing values, constant windows, spikes and long streams. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "context.h"
#include "timeparse.h"

#include "check.h"

static int same(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= tol * fmax(1, fmax(fabs(a), fabs(b)));
}

/* The features of x[t] given the history h[0..t) of its group, computed
 * the slow way. */
static void reference(const struct ad_context_spec *sp, const double *h,
    size_t t, double x, double *out)
{
	size_t f = 0;

	for (size_t i = 0; i < sp->nlags; i++)
		out[f++] = t >= sp->lags[i] ? h[t - sp->lags[i]] : NAN;
	if (sp->diff)
		out[f++] = t >= 1 ? x - h[t - 1] : NAN;
	for (size_t i = 0; i < sp->nwindows; i++) {
		size_t from = t > sp->windows[i] ? t - sp->windows[i] : 0, n = 0;
		long double sum = 0, sq = 0, mean;
		double lo = INFINITY, hi = -INFINITY;

		for (size_t p = from; p < t; p++)
			if (!isnan(h[p])) {
				sum += h[p];
				n++;
				lo = fmin(lo, h[p]);
				hi = fmax(hi, h[p]);
			}
		mean = n ? sum / n : NAN;
		for (size_t p = from; p < t; p++)
			if (!isnan(h[p]))
				sq += (h[p] - mean) * (h[p] - mean);
		double std = n > 1 ? sqrt((double)(sq / (n - 1))) : NAN;
		out[f++] = n ? (double)mean : NAN;
		out[f++] = std;
		out[f++] = n ? lo : NAN;
		out[f++] = n ? hi : NAN;
		out[f++] = n < 2 || isnan(x) ? NAN :
		    (x - (double)mean) / (lo == hi ? 1 : std);
	}
	for (size_t a = 0; a < sp->nalphas; a++) {
		double m = NAN;
		for (size_t p = 0; p < t; p++)
			if (!isnan(h[p]))
				m = isnan(m) ? h[p] : (1 - sp->alphas[a]) * m +
				    sp->alphas[a] * h[p];
		out[f++] = m;
	}
}

/* Runs n steps of x (two columns, the second the first times -3 plus 1)
 * spread over ngroups groups by g[], checking every feature. */
static int run_against_reference(const struct ad_context_spec *sp,
    const double *x, const size_t *g, size_t n, size_t ngroups, double tol)
{
	size_t w = ad_context_width(sp), bad = 0;
	struct ad_context *c = NULL;
	struct ad_error err;
	double *hist = calloc(2 * ngroups * n + 1, sizeof *hist);
	size_t *len = calloc(ngroups + 1, sizeof *len);
	double *got = calloc(2 * w + 1, sizeof *got), *want = calloc(w + 1,
	    sizeof *want);

	if (hist == NULL || len == NULL || got == NULL || want == NULL ||
	    ad_context_new(&c, sp, 2, &err) != AD_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double v[2] = { x[i], x[i] * -3 + 1 };
		double *out[2] = { got, got + w };

		if (ad_context_step(c, g[i], v, out, &err) != AD_OK)
			return 0;
		for (int k = 0; k < 2; k++) {
			double *h = hist + (2 * g[i] + (size_t)k) * n;
			reference(sp, h, len[g[i]], v[k], want);
			for (size_t f = 0; f < w; f++)
				if (!same(out[k][f], want[f], tol) && bad++ < 5)
					fprintf(stderr, "step %zu group %zu col %d "
					    "feature %zu: got %.17g want %.17g\n", i,
					    g[i], k, f, out[k][f], want[f]);
			h[len[g[i]]] = v[k];
		}
		len[g[i]]++;
	}
	CHECK(ad_context_groups(c) == ngroups);
	ad_context_free(c);
	free(hist);
	free(len);
	free(got);
	free(want);
	return bad == 0;
}

static uint64_t rng_state = 88172645463325252ULL;

static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void test_names_and_width(void)
{
	uint64_t lags[] = { 1, 24 }, win[] = { 12 };
	double alphas[] = { 0.5, 1e-05 };
	struct ad_context_spec sp = { lags, 2, 1, win, 1, alphas, 2 };
	static const char *const want[] = { "cpu_lag1", "cpu_lag24",
	    "cpu_diff", "cpu_roll12_mean", "cpu_roll12_std", "cpu_roll12_min",
	    "cpu_roll12_max", "cpu_roll12_z", "cpu_ewm0.5", "cpu_ewm1e-05" };
	struct ad_error err;

	CHECK(ad_context_width(&sp) == 10);
	for (size_t f = 0; f < 10; f++) {
		char *name = NULL;
		CHECK(ad_context_name(&sp, "cpu", f, &name, &err) == AD_OK);
		CHECK_STR(name, want[f]);
		ad_free(name);
	}
	struct ad_context_spec none = { NULL, 0, 0, NULL, 0, NULL, 0 };
	CHECK(ad_context_width(&none) == 0);
}

static void test_random_streams(void)
{
	enum { N = 3000 };
	static double x[N];
	static size_t g[N], one[N];
	uint64_t lags[] = { 1, 3 }, win[] = { 1, 2, 5, 17 };
	double alphas[] = { 0.3, 1 };
	struct ad_context_spec sp = { lags, 2, 1, win, 4, alphas, 2 };

	for (size_t i = 0; i < N; i++) {
		double u = uniform();
		x[i] = u < 0.1 ? NAN : u < 0.2 ? 7 : (uniform() - 0.5) * 100;
		g[i] = (size_t)(uniform() * 3);
		one[i] = 0;
	}
	CHECK(run_against_reference(&sp, x, one, N, 1, 1e-12));
	CHECK(run_against_reference(&sp, x, g, N, 3, 1e-12));
	/* a run of equal values makes exactly constant windows */
	for (size_t i = 100; i < 400; i++)
		x[i] = 0.1;
	CHECK(run_against_reference(&sp, x, one, N, 1, 1e-12));
}

/* A spike a billion times the data passes through the window; once it has
 * left, the statistics are as accurate as before it came. */
static void test_spike_leaves_no_trace(void)
{
	enum { N = 200 };
	double x[N];
	size_t g[N] = { 0 };
	uint64_t win[] = { 10 };
	struct ad_context_spec sp = { NULL, 0, 0, win, 1, NULL, 0 };

	for (size_t i = 0; i < N; i++)
		x[i] = 1 + 0.001 * sin((double)i);
	x[50] = 1e12;
	CHECK(run_against_reference(&sp, x, g, N, 1, 1e-12));
}

/* A long stream with a large offset: the periodic recomputation keeps the
 * error from growing. */
static void test_long_stream(void)
{
	enum { N = 200000 };
	static double x[N];
	uint64_t win[] = { 7 };
	struct ad_context_spec sp = { NULL, 0, 0, win, 1, NULL, 0 };
	struct ad_context *c;
	struct ad_error err;
	double out[AD_ROLL_WIDTH], want[AD_ROLL_WIDTH], *o = out;
	int bad = 0;

	for (size_t i = 0; i < N; i++)
		x[i] = 1e6 + uniform();
	CHECK(ad_context_new(&c, &sp, 1, &err) == AD_OK);
	for (size_t i = 0; i < N; i++) {
		bad += ad_context_step(c, 0, &x[i], &o, &err) != AD_OK;
		if (i >= N - 50) {
			reference(&sp, x, i, x[i], want);
			for (int f = 0; f < AD_ROLL_WIDTH; f++)
				bad += !same(out[f], want[f], 1e-9);
		}
	}
	CHECK(bad == 0);
	ad_context_free(c);
}

static void test_edges(void)
{
	uint64_t lags[] = { 2 }, win[] = { 3 };
	double alphas[] = { 0.5 };
	struct ad_context_spec sp = { lags, 1, 1, win, 1, alphas, 1 };
	struct ad_context *c;
	struct ad_error err;
	double out[9], *o = out, v;

	CHECK(ad_context_width(&sp) == 8);
	CHECK(ad_context_new(&c, &sp, 1, &err) == AD_OK);
	/* the first row of a group has no past at all */
	v = 4;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	for (int f = 0; f < 8; f++)
		CHECK(isnan(out[f]));
	CHECK(ad_context_groups(c) == 6);   /* groups 0..5 exist, empty */
	v = 6;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	CHECK(isnan(out[0]) && out[1] == 2);          /* lag2, diff */
	CHECK(out[2] == 4 && isnan(out[3]) && out[4] == 4 && out[5] == 4);
	CHECK(isnan(out[6]) && out[7] == 4);          /* z needs two; ewm */
	v = NAN;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	CHECK(out[0] == 4 && isnan(out[1]) && out[2] == 5);
	CHECK(isnan(out[6]) && out[7] == 5);          /* z of NaN is NaN */
	v = 5;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	CHECK(out[0] == 6 && isnan(out[1]));          /* diff of NaN */
	CHECK(out[2] == 5 && out[3] == sqrt(2) && out[6] == 0 && out[7] == 5);
	/* a group of its own is not disturbed by the others */
	v = 1;
	CHECK(ad_context_step(c, 0, &v, &o, &err) == AD_OK && isnan(out[2]));
	/* a group reset has no past again; the others keep theirs */
	ad_context_reset(c, 5);
	ad_context_reset(c, 99);   /* never stepped: nothing */
	ad_context_reset(NULL, 0);
	v = 4;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	for (int f = 0; f < 8; f++)
		CHECK(isnan(out[f]));
	v = 6;
	CHECK(ad_context_step(c, 5, &v, &o, &err) == AD_OK);
	CHECK(isnan(out[0]) && out[1] == 2 && out[2] == 4 && out[7] == 4);
	v = 3;
	CHECK(ad_context_step(c, 0, &v, &o, &err) == AD_OK && out[1] == 2);
	ad_context_free(c);
	ad_context_free(NULL);
}

static void test_calendar(void)
{
	static const struct { const char *iso; double f[AD_CAL_WIDTH]; } t[] = {
		/* Sunday midnight: exactly 0 and 1, not 6e-17 */
		{ "2026-11-01T00:00:00Z", { 0, 1, -0.7818314824680299,
		    0.6234898018587334 } },
		/* 06:00 and 18:00 on Monday: quarter turns, exact */
		{ "2026-11-02T06:00:00Z", { 1, 0, 0, 1 } },
		{ "2026-11-02T18:00:00Z", { -1, 0, 0, 1 } },
		{ "2026-11-02T12:00:00Z", { 0, -1, 0, 1 } },
		/* the local clock of the offset, not UTC: Monday 01:00 here */
		{ "2026-11-02T01:00:00+02:00", { 0.25881904510252074,
		    0.96592582628906831, 0, 1 } },
	};
	struct ad_time tm;
	double out[AD_CAL_WIDTH];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK(ad_timeparse_parse_iso(t[i].iso, strlen(t[i].iso), &tm) == NULL);
		ad_context_calendar(&tm, out);
		for (int f = 0; f < AD_CAL_WIDTH; f++)
			CHECK(same(out[f], t[i].f[f], 1e-15));
		/* at quarter turns, the values are exact */
		for (int f = 0; i < 4 && f < 2; f++)
			CHECK(out[f] == t[i].f[f]);
		for (int f = 2; i > 0 && f < 4; f++)
			CHECK(out[f] == t[i].f[f]);
		CHECK(out[0] * out[0] + out[1] * out[1] > 1 - 1e-15);
	}
	/* 23:59 is next to 00:00 */
	CHECK(ad_timeparse_parse_iso("2026-11-01T23:59:00Z", 20, &tm) == NULL);
	ad_context_calendar(&tm, out);
	CHECK(out[AD_CAL_HOUR_COS] > 0.9999 && out[AD_CAL_HOUR_SIN] < 0);
}

int main(void)
{
	test_names_and_width();
	test_random_streams();
	test_spike_leaves_no_trace();
	test_long_stream();
	test_edges();
	test_calendar();
	return CHECK_DONE("test_context");
}
