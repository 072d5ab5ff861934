/* ad-serve's counters: see meters.h. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "infer.h"
#include "meters.h"
#include "model.h"
#include "num.h"
#include "prom.h"

/* The status codes ad-serve answers with; any other counts as "other". */
static const unsigned codes[] = { 200, 400, 404, 405, 413, 415, 500, 503 };
#define NCODES (sizeof codes / sizeof codes[0])

/* Request latency buckets, in seconds: 100 us to 10 s. */
static const double lat_le[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NLAT (sizeof lat_le / sizeof lat_le[0])

typedef atomic_uint_fast64_t counter;

struct ad_meters {
	counter requests[NCODES + 1];   /* by codes[]; the last: other */
	counter lat[NLAT + 1];          /* per bucket, not cumulative; the
	                                   last: above 10 s */
	counter lat_ns;                 /* their sum, in nanoseconds */
	counter rows, anomalies;
	counter shadow_rows, shadow_failures;
	size_t nq;                      /* training quantiles kept */
	double *qprob, *qscore;         /* their levels and scores */
	size_t nb;                      /* score buckets' upper bounds: the
	                                   distinct finite qscore */
	double *bound;
	counter *score;                 /* nb + 1 buckets, not cumulative */
	counter score_sum;              /* a double's bits: finite scores */
	int versioned;
};

static void add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(const counter *c)
{
	return atomic_load_explicit((counter *)c, memory_order_relaxed);
}

/* Keeps the model's interior training quantiles (0 < level < 1) and the
 * distinct finite scores among them as bucket bounds. */
static enum ad_status keep_quantiles(struct ad_meters *x,
    const struct ad_model *m, struct ad_error *err)
{
	size_t n = m->nquantiles;

	if (n == 0)
		return AD_OK;
	x->qprob = ad_calloc(n, sizeof *x->qprob);
	x->qscore = ad_calloc(n, sizeof *x->qscore);
	x->bound = ad_calloc(n, sizeof *x->bound);
	x->score = ad_calloc(n + 1, sizeof *x->score);
	if (x->qprob == NULL || x->qscore == NULL || x->bound == NULL ||
	    x->score == NULL)
		return ad_error_nomem(err);
	for (size_t k = 0; k < n; k++) {
		double p = m->qprob[k], s = m->qscore[k];

		if (!(p > 0 && p < 1) || !isfinite(s))
			continue;
		x->qprob[x->nq] = p;
		x->qscore[x->nq++] = s;
		if (x->nb == 0 || s > x->bound[x->nb - 1])
			x->bound[x->nb++] = s;
	}
	return AD_OK;
}

enum ad_status ad_meters_new(struct ad_meters **out, const struct ad_model *m,
    struct ad_error *err)
{
	struct ad_meters *x = ad_calloc(1, sizeof *x);
	enum ad_status st = AD_OK;

	if (x == NULL)
		return ad_error_nomem(err);
	if (m != NULL) {
		x->versioned = 1;
		if ((st = keep_quantiles(x, m, err)) != AD_OK) {
			ad_meters_free(x);
			return st;
		}
		if (x->score == NULL && (x->score = ad_calloc(1,
		    sizeof *x->score)) == NULL) {
			ad_meters_free(x);
			return ad_error_nomem(err);
		}
	}
	*out = x;
	return AD_OK;
}

void ad_meters_free(struct ad_meters *x)
{
	if (x == NULL)
		return;
	ad_free(x->qprob);
	ad_free(x->qscore);
	ad_free(x->bound);
	ad_free(x->score);
	ad_free(x);
}

void ad_meters_request(struct ad_meters *x, unsigned code, double seconds)
{
	size_t c = 0, b = 0;

	while (c < NCODES && codes[c] != code)
		c++;
	add(&x->requests[c], 1);
	while (b < NLAT && seconds > lat_le[b])
		b++;
	add(&x->lat[b], 1);
	add(&x->lat_ns, seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

/* Adds v to the double whose bits c holds. */
static void add_double(counter *c, double v)
{
	uint64_t old = get(c), new;

	do {
		double d;
		memcpy(&d, &old, sizeof d);
		d += v;
		memcpy(&new, &d, sizeof new);
	} while (!atomic_compare_exchange_weak_explicit(c, &old, new,
	    memory_order_relaxed, memory_order_relaxed));
}

void ad_meters_scores(struct ad_meters *x, const double *score, size_t n,
    uint64_t anomalies)
{
	/* per bucket first, so a request adds each bucket once */
	uint64_t local[AD_MODEL_MAX_QUANTILES + 1];
	double sum = 0;

	add(&x->rows, n);
	add(&x->anomalies, anomalies);
	if (!x->versioned)
		return;
	memset(local, 0, (x->nb + 1) * sizeof *local);
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = x->nb;

		if (isnan(score[i]))
			continue;
		while (lo < hi) {   /* the first bound >= score */
			size_t mid = lo + (hi - lo) / 2;
			if (x->bound[mid] < score[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		local[lo]++;
		if (isfinite(score[i]))
			sum += score[i];
	}
	for (size_t b = 0; b <= x->nb; b++)
		if (local[b] > 0)
			add(&x->score[b], local[b]);
	if (sum != 0)
		add_double(&x->score_sum, sum);
}

void ad_meters_shadow(struct ad_meters *x, uint64_t rows, int failed)
{
	add(&x->shadow_rows, rows);
	if (failed)
		add(&x->shadow_failures, 1);
}

/* ---- exposition ---- */

static enum ad_status sbuf_write(void *ctx, const void *p, size_t n,
    struct ad_error *err)
{
	return ad_sbuf_put(ctx, p, n, err);
}

static enum ad_status family(struct ad_sbuf *b, const char *name,
    const char *type, const char *help, struct ad_error *err)
{
	return ad_prom_family_to(sbuf_write, b, name, type, help, err);
}

/* One sample labelled model and version (when e names them), then up to
 * one more label. */
static enum ad_status sample(struct ad_sbuf *b, const char *name,
    const struct ad_meters_entry *e, const char *lname, const char *lvalue,
    double v, struct ad_error *err)
{
	struct ad_prom_label l[3] = { { "model", e->model },
	    { "version", e->version }, { lname, lvalue } };

	if (e->model == NULL)
		l[1].value = NULL;
	return ad_prom_sample_to(sbuf_write, b, name, l, lname ? 3 : 2, v, err);
}

/* A histogram's cumulative buckets, _sum and _count. */
static enum ad_status histogram(struct ad_sbuf *b, const char *name,
    const struct ad_meters_entry *e, const double *le, size_t nle,
    const counter *bucket, double sum, struct ad_error *err)
{
	char key[160], num[AD_NUM_MAXLEN];
	uint64_t total = 0;
	enum ad_status st = AD_OK;

	snprintf(key, sizeof key, "%s_bucket", name);
	for (size_t k = 0; k <= nle && st == AD_OK; k++) {
		total += get(&bucket[k]);
		ad_prom_format_value(k < nle ? le[k] : INFINITY, num);
		st = sample(b, key, e, "le", num, (double)total, err);
	}
	snprintf(key, sizeof key, "%s_sum", name);
	if (st == AD_OK)
		st = sample(b, key, e, NULL, NULL, sum, err);
	snprintf(key, sizeof key, "%s_count", name);
	if (st == AD_OK)
		st = sample(b, key, e, NULL, NULL, (double)total, err);
	return st;
}

static enum ad_status write_requests(struct ad_sbuf *b,
    const struct ad_meters_entry *e, size_t n, struct ad_error *err)
{
	enum ad_status st = family(b, "adkit_serve_requests_total", "counter",
	    "HTTP requests answered, by model, version and status code (no "
	    "model: requests naming no model version).", err);

	for (size_t i = 0; i < n && st == AD_OK; i++)
		for (size_t c = 0; c <= NCODES && st == AD_OK; c++) {
			char code[16];
			uint64_t v = get(&e[i].meters->requests[c]);

			if (v == 0)
				continue;
			if (c < NCODES)
				snprintf(code, sizeof code, "%u", codes[c]);
			else
				snprintf(code, sizeof code, "other");
			st = sample(b, "adkit_serve_requests_total", &e[i], "code",
			    code, (double)v, err);
		}
	if (st == AD_OK)
		st = family(b, "adkit_serve_request_duration_seconds", "histogram",
		    "Time from a request's first byte to its answer.", err);
	for (size_t i = 0; i < n && st == AD_OK; i++)
		st = histogram(b, "adkit_serve_request_duration_seconds", &e[i],
		    lat_le, NLAT, e[i].meters->lat,
		    (double)get(&e[i].meters->lat_ns) / 1e9, err);
	return st;
}

/* A counter family of one value per version. */
static enum ad_status per_version(struct ad_sbuf *b, const char *name,
    const char *help, const struct ad_meters_entry *e, size_t n,
    size_t offset, struct ad_error *err)
{
	enum ad_status st = family(b, name, "counter", help, err);

	for (size_t i = 0; i < n && st == AD_OK; i++)
		if (e[i].model != NULL)
			st = sample(b, name, &e[i], NULL, NULL, (double)get(
			    (const counter *)((const char *)e[i].meters + offset)),
			    err);
	return st;
}

static enum ad_status write_scores(struct ad_sbuf *b,
    const struct ad_meters_entry *e, size_t n, struct ad_error *err)
{
	enum ad_status st = family(b, "adkit_serve_score", "histogram",
	    "Scores given, in buckets bounded by the version's training-score "
	    "quantiles (adkit_serve_score_training_quantile).", err);

	for (size_t i = 0; i < n && st == AD_OK; i++) {
		const struct ad_meters *x = e[i].meters;
		uint64_t bits = get(&x->score_sum);
		double sum;

		if (e[i].model == NULL)
			continue;
		memcpy(&sum, &bits, sizeof sum);
		st = histogram(b, "adkit_serve_score", &e[i], x->bound, x->nb,
		    x->score, sum, err);
	}
	if (st == AD_OK)
		st = family(b, "adkit_serve_score_training_quantile", "gauge",
		    "The version's training score at each quantile level (label "
		    "level), from its model file.", err);
	for (size_t i = 0; i < n && st == AD_OK; i++) {
		const struct ad_meters *x = e[i].meters;

		for (size_t k = 0; e[i].model != NULL && k < x->nq && st == AD_OK;
		    k++) {
			char q[AD_NUM_MAXLEN];
			ad_prom_format_value(x->qprob[k], q);
			st = sample(b, "adkit_serve_score_training_quantile", &e[i],
			    "level", q, x->qscore[k], err);
		}
	}
	return st;
}

enum ad_status ad_meters_write(struct ad_sbuf *b,
    const struct ad_meters_entry *e, size_t n, struct ad_error *err)
{
	enum ad_status st;

	if ((st = write_requests(b, e, n, err)) != AD_OK ||
	    (st = per_version(b, "adkit_serve_rows_scored_total", "Rows scored "
	    "and answered.", e, n, offsetof(struct ad_meters, rows), err)) !=
	    AD_OK ||
	    (st = per_version(b, "adkit_serve_rows_anomalous_total", "Rows "
	    "scored above the model's threshold (is_anomaly 1).", e, n,
	    offsetof(struct ad_meters, anomalies), err)) != AD_OK ||
	    (st = write_scores(b, e, n, err)) != AD_OK ||
	    (st = per_version(b, "adkit_serve_shadow_rows_total", "Rows this "
	    "version scored as the --shadow of another.", e, n,
	    offsetof(struct ad_meters, shadow_rows), err)) != AD_OK)
		return st;
	return per_version(b, "adkit_serve_shadow_failures_total", "Requests "
	    "this version failed to score as a --shadow.", e, n,
	    offsetof(struct ad_meters, shadow_failures), err);
}

enum ad_status ad_meters_write_family(struct ad_sbuf *b, const char *name,
    const char *type, const char *help, const char *const *lnames,
    size_t nlabels, const char *const *labels, const double *v, size_t n,
    struct ad_error *err)
{
	struct ad_prom_label l[4];
	enum ad_status st = family(b, name, type, help, err);

	if (nlabels > sizeof l / sizeof l[0])
		return ad_error_set(err, AD_EUSAGE, "at most 4 labels");
	for (size_t i = 0; i < n && st == AD_OK; i++) {
		for (size_t k = 0; k < nlabels; k++) {
			l[k].name = lnames[k];
			l[k].value = labels[i * nlabels + k];
		}
		st = ad_prom_sample_to(sbuf_write, b, name, l, nlabels, v[i], err);
	}
	return st;
}
