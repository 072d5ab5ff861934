/*
 * ad-drift. The reference, data or a profile, is loaded first; data is
 * profiled on the way in, so that `-r data.csv` and `-r data.prof` (its
 * profile) compare alike. The input is then read once: each row goes into
 * a profile of the current window (or of the whole input), which keeps
 * every category, and its numbers are counted into the reference's bins.
 * At the end of a window, or of the input, every column is compared,
 * the rule gives the verdicts, and the report is written.
 *
 * Memory: per numeric column the two reservoirs (8 bytes per sampled
 * value), per text column the distinct categories of the current input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "drift.h"
#include "drift_report.h"
#include "in.h"
#include "model.h"
#include "num.h"
#include "opt.h"
#include "out.h"
#include "outset.h"
#include "pool.h"

/* ---- options ---- */

void ad_drift_defaults(struct ad_drift_opts *o)
{
	memset(o, 0, sizeof *o);
	o->prof.sample = AD_PROFILE_SAMPLE_DEFAULT;
	o->prof.bins = AD_PROFILE_BINS_DEFAULT;
	o->prof.top = AD_PROFILE_TOP_DEFAULT;
	o->prof.seed = AD_SEED_DEFAULT;
	o->threads = 1;
	o->rule.method = AD_DRIFT_AUTO;
	o->rule.threshold = AD_DRIFT_PSI_DEFAULT;
	o->rule.alpha = AD_DRIFT_ALPHA_DEFAULT;
	o->rule.share = AD_DRIFT_SHARE_DEFAULT;
}

static const char *const method_names[] = {
	[AD_DRIFT_AUTO] = "auto", [AD_DRIFT_PSI] = "psi", [AD_DRIFT_KS] = "ks",
	[AD_DRIFT_WASSERSTEIN] = "wasserstein", [AD_DRIFT_JS] = "js"
};

enum ad_status ad_drift_parse_method(const char *arg,
    enum ad_drift_method *m, struct ad_error *err)
{
	for (size_t i = 0; i < sizeof method_names / sizeof method_names[0];
	    i++)
		if (strcmp(arg, method_names[i]) == 0) {
			*m = (enum ad_drift_method)i;
			return AD_OK;
		}
	return ad_error_set(err, AD_EUSAGE, "--method takes auto, psi, ks, "
	    "wasserstein or js, not \"%s\"", arg);
}

enum ad_status ad_drift_parse_format(const char *arg,
    enum ad_drift_format *f, struct ad_error *err)
{
	static const char *const names[] = { "csv", "bin", "json", "text" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(arg, names[i]) == 0) {
			*f = (enum ad_drift_format)i;
			return AD_OK;
		}
	return ad_error_set(err, AD_EUSAGE, "--format takes csv, bin, json or "
	    "text, not \"%s\"", arg);
}

/* ---- comparing one column ---- */

/* Index of the bin of x: the number of edges below it, so that a value
 * equal to an edge falls in the lower bin (numpy's searchsorted, left). */
static size_t bin_of(const double *edges, size_t n, double x)
{
	const double *first = edges;

	/* a binary search without branches to mispredict: it runs once per
	 * value of the input */
	if (n == 0)
		return 0;
	while (n > 1) {
		size_t half = n / 2;
		first = first[half - 1] < x ? first + half : first;
		n -= half;
	}
	return (size_t)(first - edges) + (first[0] < x);
}

static double missing_rate(uint64_t n, uint64_t missing)
{
	return n + missing > 0 ? (double)missing / (double)(n + missing) : NAN;
}

/* Fills what both kinds of column share; statistics start as NaN. */
static void start_col(struct ad_drift_col *out, const struct ad_profile_col *r,
    const struct ad_profile_col *c)
{
	memset(out, 0, sizeof *out);
	out->name = r->name;
	out->type = r->type;
	out->n_ref = r->n;
	out->n_cur = c->n;
	out->rows_ref = r->n + r->missing;
	out->rows_cur = c->n + c->missing;
	out->psi = out->ks = out->ks_p = out->chi2_p = NAN;
	out->ks_n_ref = out->ks_n_cur = NAN;
	out->wasserstein = out->js = out->unseen = NAN;
	out->ref_mean = out->cur_mean = out->ref_std = out->cur_std = NAN;
	out->missing_delta = missing_rate(c->n, c->missing) -
	    missing_rate(r->n, r->missing);
}

enum ad_status ad_drift_compare_numeric(const struct ad_profile_col *r,
    const struct ad_profile_col *c, const double *cur_bins,
    struct ad_drift_col *out, struct ad_error *err)
{
	size_t k = r->nedges + 1;
	double *rb, *cb, w, sd;
	struct ad_ks ks;
	enum ad_status st;

	start_col(out, r, c);
	if (r->n > 0) {
		out->ref_mean = r->mean;
		out->ref_std = ad_profile_std(r);
	}
	if (c->n > 0) {
		out->cur_mean = c->mean;
		out->cur_std = ad_profile_std(c);
	}
	if (r->n == 0 || c->n == 0)
		return AD_OK;
	if ((rb = ad_calloc(2 * k, sizeof *rb)) == NULL)
		return ad_error_nomem(err);
	cb = rb + k;
	for (size_t i = 0; i < r->nsample; i++)
		rb[bin_of(r->edges, r->nedges, r->sample[i])]++;
	if (cur_bins != NULL)
		memcpy(cb, cur_bins, k * sizeof *cb);
	else
		for (size_t i = 0; i < c->nsample; i++)
			cb[bin_of(r->edges, r->nedges, c->sample[i])]++;
	out->psi = ad_stats_psi(rb, cb, k);
	out->js = ad_stats_js(rb, cb, k);
	ad_free(rb);
	if ((st = ad_stats_ks_wasserstein(r->sample, r->nsample, c->sample,
	    c->nsample, &ks, &w, err)) != AD_OK)
		return st;
	out->ks = ks.d;
	out->ks_p = ks.p;
	out->ks_method = ks.method;
	out->ks_n_ref = (double)r->nsample;
	out->ks_n_cur = (double)c->nsample;
	sd = out->ref_std;
	/* a constant reference: any movement at all is infinitely far */
	out->wasserstein = sd > 0 ? w / sd : (w == 0 ? 0 : INFINITY);
	return AD_OK;
}

enum ad_status ad_drift_compare_text(const struct ad_profile *ref, size_t i,
    const struct ad_profile *cur, size_t j, struct ad_drift_col *out,
    struct ad_error *err)
{
	const struct ad_profile_col *r = ad_profile_col(ref, i);
	const struct ad_profile_col *c = ad_profile_col(cur, j);
	size_t k = r->ncats + 1;
	double *rb, *cb, listed = 0;

	start_col(out, r, c);
	if (r->n == 0 || c->n == 0)
		return AD_OK;
	if ((rb = ad_calloc(2 * k, sizeof *rb)) == NULL)
		return ad_error_nomem(err);
	cb = rb + k;
	for (size_t t = 0; t + 1 < k; t++) {
		rb[t] = (double)r->cats[t].count;
		cb[t] = (double)ad_profile_count(cur, j, r->cats[t].text,
		    r->cats[t].len);
		listed += cb[t];
	}
	/* the last bin holds everything the reference does not list */
	rb[k - 1] = (double)r->other;
	cb[k - 1] = (double)c->n - listed;
	out->unseen = cb[k - 1];
	out->psi = ad_stats_psi(rb, cb, k);
	out->js = ad_stats_js(rb, cb, k);
	out->chi2_p = ad_stats_chi2_test(rb, cb, k, NULL, NULL);
	ad_free(rb);
	return AD_OK;
}

/* ---- a reference given by quantiles (a model's scores) ---- */

/* The largest k < n - 1 with score[k] <= x, for score[0] <= x < score[n-1]:
 * the linear piece of the CDF that holds x. */
static size_t piece_of(const double *score, size_t n, double x)
{
	size_t lo = 0, hi = n - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (score[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Piece k of the CDF, extended linearly, at x. */
static double on_piece(const double *prob, const double *score, size_t k,
    double x)
{
	return prob[k] + (x - score[k]) * (prob[k + 1] - prob[k]) /
	    (score[k + 1] - score[k]);
}

/* The CDF at x: right-continuous, so a flat stretch of the quantile
 * function (many levels, one score) is a jump. */
static double cdf_at(const double *prob, const double *score, size_t n,
    double x)
{
	if (x < score[0])
		return 0;
	if (x >= score[n - 1])
		return 1;
	return on_piece(prob, score, piece_of(score, n, x), x);
}

size_t ad_drift_quantile_edges(const double *prob, const double *score,
    size_t n, double *edges)
{
	size_t m = 0;

	(void)prob;
	for (size_t k = 1; k + 1 < n; k++)
		if (m == 0 || score[k] > edges[m - 1])
			edges[m++] = score[k];
	return m;
}

/* The count of sorted x[0..n) below v (or at most v, if inclusive). */
static size_t count_below(const double *x, size_t n, double v, int inclusive)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x[mid] < v || (inclusive && x[mid] == v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The KS statistic of sorted x against the quantile distribution, taken
 * at its knots only, where its CDF is known exactly: at each distinct knot
 * score s, the ECDF just below and at s against the lowest and highest
 * level of s. */
static double knots_ks(const double *prob, const double *score, size_t n,
    const double *x, size_t nx)
{
	double d = 0;

	for (size_t k = 0; k < n;) {
		size_t e = k;
		double below, at;

		while (e + 1 < n && score[e + 1] == score[k])
			e++;
		below = (double)count_below(x, nx, score[k], 0) / (double)nx;
		at = (double)count_below(x, nx, score[k], 1) / (double)nx;
		if (fabs(below - prob[k]) > d)
			d = fabs(below - prob[k]);
		if (fabs(at - prob[e]) > d)
			d = fabs(at - prob[e]);
		k = e + 1;
	}
	return d;
}

/* The integral of |c - L| over [a, b], L linear from fa to fb. */
static double gap_area(double c, double fa, double fb, double a, double b)
{
	double da = fa - c, db = fb - c, t;

	if ((da >= 0 && db >= 0) || (da <= 0 && db <= 0))
		return (fabs(da) + fabs(db)) / 2 * (b - a);
	t = da / (da - db);   /* where L crosses c */
	return (fabs(da) * t + fabs(db) * (1 - t)) / 2 * (b - a);
}

/* The Wasserstein-1 distance between the empirical distribution of sorted
 * x[0..nx) and the quantile distribution: the area between the CDFs, piece
 * by piece between the merged breakpoints. */
static double quantile_wasserstein(const double *prob, const double *score,
    size_t n, const double *x, size_t nx)
{
	double area = 0, prev;
	size_t i = 0, k = 0;

	prev = x[0] < score[0] ? x[0] : score[0];
	while (i < nx || k < n) {
		double p = k >= n || (i < nx && x[i] <= score[k]) ? x[i] : score[k];
		double c, fa, fb;

		if (p > prev) {
			c = (double)i / (double)nx;   /* x values <= prev */
			if (prev < score[0] || prev >= score[n - 1]) {
				fa = fb = prev < score[0] ? 0 : 1;
			} else {
				size_t pc = piece_of(score, n, prev);
				fa = on_piece(prob, score, pc, prev);
				fb = on_piece(prob, score, pc, p);
			}
			area += gap_area(c, fa, fb, prev, p);
			prev = p;
		}
		while (i < nx && x[i] <= p)
			i++;
		while (k < n && score[k] <= p)
			k++;
	}
	return area;
}

/* Mean and standard deviation of the quantile distribution: uniform
 * between consecutive knots, with mass the difference of their levels. */
static void quantile_moments(const double *prob, const double *score,
    size_t n, double *mean, double *std)
{
	double m1 = 0, m2 = 0;

	for (size_t k = 0; k + 1 < n; k++) {
		double w = prob[k + 1] - prob[k], a = score[k], b = score[k + 1];
		m1 += w * (a + b) / 2;
		m2 += w * (a * a + a * b + b * b) / 3;
	}
	*mean = m1;
	*std = m2 - m1 * m1 > 0 ? sqrt(m2 - m1 * m1) : 0;
}

enum ad_status ad_drift_compare_quantiles(const double *prob,
    const double *score, size_t n, uint64_t rows,
    const struct ad_profile_col *c, const double *cur_bins,
    struct ad_drift_col *out, struct ad_error *err)
{
	double *edges, *rb, *cb, w;
	size_t ne, k;
	enum ad_status st;

	memset(out, 0, sizeof *out);
	out->type = AD_NUMERIC;
	out->n_ref = out->rows_ref = rows;
	out->n_cur = c->n;
	out->rows_cur = c->n + c->missing;
	out->psi = out->ks = out->ks_p = out->chi2_p = NAN;
	out->ks_n_ref = out->ks_n_cur = NAN;
	out->wasserstein = out->js = out->unseen = NAN;
	out->cur_mean = out->cur_std = NAN;
	out->missing_delta = missing_rate(c->n, c->missing);
	quantile_moments(prob, score, n, &out->ref_mean, &out->ref_std);
	if (c->n == 0)
		return AD_OK;
	out->cur_mean = c->mean;
	out->cur_std = ad_profile_std(c);
	if ((edges = ad_calloc(3 * n + 1, sizeof *edges)) == NULL)
		return ad_error_nomem(err);
	ne = ad_drift_quantile_edges(prob, score, n, edges);
	k = ne + 1;
	rb = edges + n;
	cb = rb + n;
	for (size_t b = 0; b < k; b++)
		rb[b] = (b < ne ? cdf_at(prob, score, n, edges[b]) : 1) -
		    (b > 0 ? cdf_at(prob, score, n, edges[b - 1]) : 0);
	if (cur_bins != NULL)
		memcpy(cb, cur_bins, k * sizeof *cb);
	else
		for (size_t i = 0; i < c->nsample; i++)
			cb[bin_of(edges, ne, c->sample[i])]++;
	out->psi = ad_stats_psi(rb, cb, k);
	out->js = ad_stats_js(rb, cb, k);
	ad_free(edges);
	/* D at the knots is at most the D of the whole line, so kstwo's
	 * survival function at it is a valid, conservative p-value */
	out->ks = knots_ks(prob, score, n, c->sample, c->nsample);
	out->ks_method = AD_KS_EXACT;
	out->ks_n_cur = (double)c->nsample;
	if ((st = ad_stats_kstwo_sf(out->ks, c->nsample, &out->ks_p, err)) !=
	    AD_OK)
		return st;
	w = quantile_wasserstein(prob, score, n, c->sample, c->nsample);
	out->wasserstein = out->ref_std > 0 ? w / out->ref_std :
	    (w == 0 ? 0 : INFINITY);
	return AD_OK;
}

/* ---- deciding ---- */

static double p_value(const struct ad_drift_col *c)
{
	return c->type == AD_NUMERIC ? c->ks_p : c->chi2_p;
}

static int column_drifted(const struct ad_drift_col *c,
    const struct ad_drift_rule *rule, size_t tests)
{
	double p = p_value(c), t = rule->threshold;
	double alpha = tests > 0 ? rule->alpha / (double)tests : 0;

	if (c->n_ref == 0 || c->n_cur == 0)   /* values appeared or vanished */
		return (c->n_ref == 0) != (c->n_cur == 0);
	switch (rule->method) {
	case AD_DRIFT_AUTO:
		return c->psi >= t || p < alpha;
	case AD_DRIFT_PSI:
		return c->psi >= t;
	case AD_DRIFT_KS:
		return tests > 0 && p < t / (double)tests;
	case AD_DRIFT_WASSERSTEIN:
		return c->type == AD_NUMERIC ? c->wasserstein >= t : p < alpha;
	case AD_DRIFT_JS:
		return c->js >= t;
	}
	return 0;
}

struct ad_drift_verdict ad_drift_decide(struct ad_drift_col *cols,
    size_t n, const struct ad_drift_rule *rule)
{
	struct ad_drift_verdict v;

	memset(&v, 0, sizeof v);
	v.columns = n;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p_value(&cols[i])))
			v.tests++;
	for (size_t i = 0; i < n; i++) {
		cols[i].drifted = column_drifted(&cols[i], rule, v.tests);
		v.drifted += cols[i].drifted != 0;
		v.critical_drifted |= cols[i].drifted && cols[i].critical;
	}
	v.share = n > 0 ? (double)v.drifted / (double)n : 0;
	v.drift = (n > 0 && v.share >= rule->share) || v.critical_drifted;
	return v;
}

/* ---- the run ---- */

struct run {
	const struct ad_drift_opts *o;
	struct ad_drift_rule rule;   /* o's, with the default threshold */
	struct ad_drift_result *res;
	struct ad_outset *outset;    /* the three outputs below */
	struct ad_out *out, *prom, *verdict;
	struct ad_profile *ref;      /* the reference, unless it is a model */
	struct ad_model *model;      /* -m: the reference's score quantiles */
	double *qedges;              /* -m: bin edges of the model's scores */
	size_t nqedges;
	char *ref_name;
	size_t *refidx;              /* compared column -> ref column */
	size_t ncols;                /* compared columns */
	struct ad_schema *cmp;       /* compared columns' names and types */
	struct ad_reader *rd;        /* the input, when it is data */
	struct ad_profile *inprof;   /* the input, when it is a profile */
	size_t *inidx;               /* compared column -> input column */
	struct ad_profile *cur;      /* the current window or input */
	double **bins;               /* numeric: counts in the ref's bins */
	struct ad_drift_col *cols;
	struct ad_drift_verdict v;
	uint64_t cur_rows;           /* rows of the input compared last */
	uint64_t win_rows, win_first, win_last, nwin;
	struct ad_drift_report rep;  /* the report being written */
};

static int listed(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* The reference's bin edges for compared column j. */
static void ref_edges(const struct run *r, size_t j, const double **edges,
    size_t *n)
{
	const struct ad_profile_col *c;

	if (r->model != NULL) {
		*edges = r->qedges;
		*n = r->nqedges;
		return;
	}
	c = ad_profile_col(r->ref, r->refidx[j]);
	*edges = c->edges;
	*n = c->nedges;
}

static uint64_t ref_rows(const struct run *r)
{
	return r->model != NULL ? r->model->rows : ad_profile_rows(r->ref);
}

static const char *input_name(const struct run *r)
{
	return r->o->in.path && strcmp(r->o->in.path, "-") != 0 ?
	    r->o->in.path : "<stdin>";
}

/* Chooses the compared columns among the reference's: --select's, in
 * order, or all but --drop's. */
static enum ad_status choose_columns(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	size_t n = ad_profile_ncols(r->ref);
	enum ad_status st;

	if ((r->refidx = ad_calloc(n + 1, sizeof *r->refidx)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_schema_new(&r->cmp, err)) != AD_OK)
		return st;
	if (o->nselect > 0) {
		for (size_t i = 0; i < o->nselect; i++) {
			size_t c = ad_profile_find(r->ref, o->select[i]);
			if (c == SIZE_MAX)
				return ad_error_at(err, AD_EDATA, r->ref_name, 0, 0,
				    "column \"%s\" is not in the reference",
				    o->select[i]);
			if (ad_schema_find(r->cmp, o->select[i]) != SIZE_MAX)
				return ad_error_set(err, AD_EUSAGE, "--select names "
				    "\"%s\" twice", o->select[i]);
			r->refidx[r->ncols++] = c;
			if ((st = ad_schema_add(r->cmp, o->select[i],
			    strlen(o->select[i]), ad_profile_col(r->ref, c)->type,
			    err)) != AD_OK)
				return st;
		}
		return AD_OK;
	}
	for (size_t c = 0; c < n; c++) {
		const struct ad_profile_col *col = ad_profile_col(r->ref, c);
		if (listed(o->drop, o->ndrop, col->name))
			continue;
		r->refidx[r->ncols++] = c;
		if ((st = ad_schema_add(r->cmp, col->name, strlen(col->name),
		    col->type, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

/* Reads data into a new finished profile of the columns that --select
 * and --drop leave; rd is the open reader of the input or, if is_ref, the
 * reference, whose --drop names may be in the input instead. */
static enum ad_status profile_data(struct run *r, struct ad_reader *rd,
    const struct ad_profile_opts *po, int is_ref, struct ad_profile **out,
    struct ad_error *err)
{
	const struct ad_schema *s = ad_reader_schema(rd);
	const struct ad_drift_opts *o = r->o;
	struct ad_schema *keep = NULL;
	struct ad_profile *p = NULL;
	struct ad_block *b;
	size_t *map = ad_calloc(s->ncols + o->nselect + 1, sizeof *map), n = 0;
	enum ad_status st;

	if (map == NULL)
		return ad_error_nomem(err);
	if ((st = ad_schema_new(&keep, err)) != AD_OK)
		goto out;
	for (size_t i = 0; i < (o->nselect ? o->nselect : s->ncols); i++) {
		size_t c = o->nselect ? ad_schema_find(s, o->select[i]) : i;
		if (c == SIZE_MAX) {
			st = ad_error_at(err, AD_EDATA, ad_reader_name(rd), 0, 0,
			    "column \"%s\" is not in the %s", o->select[i], is_ref ?
			    "reference" : "input");
			goto out;
		}
		if (!o->nselect && listed(o->drop, o->ndrop, s->cols[c].name))
			continue;
		if (ad_schema_find(keep, s->cols[c].name) != SIZE_MAX) {
			st = ad_error_set(err, AD_EUSAGE, "--select names \"%s\" "
			    "twice", s->cols[c].name);
			goto out;
		}
		map[n++] = c;
		if ((st = ad_schema_add(keep, s->cols[c].name,
		    strlen(s->cols[c].name), s->cols[c].type, err)) != AD_OK)
			goto out;
	}
	for (size_t i = 0; !is_ref && i < o->ndrop; i++)
		if (ad_schema_find(s, o->drop[i]) == SIZE_MAX) {
			st = ad_schema_not_found(s, ad_reader_name(rd), "",
			    o->drop[i], err);
			goto out;
		}
	if ((st = ad_profile_new(&p, keep, po, err)) != AD_OK)
		goto out;
	while ((st = ad_reader_next(rd, &b, err)) == AD_OK && b->nrows > 0)
		if ((st = ad_profile_add(p, b, map, 0, b->nrows, err)) != AD_OK)
			break;
	if (st == AD_OK)
		st = ad_profile_finish(p, r->o->threads, err);
out:
	if (st == AD_OK)
		*out = p;
	else
		ad_profile_free(p);
	ad_schema_free(keep);
	ad_free(map);
	return st;
}

/* Opens path and tells a profile from data by its first bytes; *is_prof
 * says which. */
static enum ad_status open_any(const char *path, struct ad_in **in,
    int *is_prof, struct ad_error *err)
{
	const unsigned char *head;
	size_t n;
	enum ad_status st;

	if ((st = ad_in_open(in, path, err)) != AD_OK)
		return st;
	if ((st = ad_in_peek(*in, AD_PROFILE_MAGIC_LEN, &head, &n, err)) !=
	    AD_OK) {
		ad_in_close(*in);
		*in = NULL;
		return st;
	}
	*is_prof = ad_profile_is_magic(head, n);
	return AD_OK;
}

/* Opens a data reader on in (taken over). */
static enum ad_status open_data(const struct run *r, struct ad_in *in,
    const struct ad_schema *types, struct ad_reader **rd,
    struct ad_error *err)
{
	struct ad_reader_opts ro = r->o->in;

	ro.path = NULL;
	ro.from = in;
	ro.types = types;
	return ad_reader_open(rd, &ro, err);
}

/* Frees rd, counting the rows it rejected for their field count. */
static void free_data(struct run *r, struct ad_reader *rd)
{
	if (rd != NULL)
		r->res->rejected += ad_reader_rejected(rd);
	ad_reader_free(rd);
}

static enum ad_status load_reference(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	struct ad_in *in;
	struct ad_reader *rd = NULL;
	const char *name;
	int is_prof;
	enum ad_status st;

	if ((st = open_any(o->reference, &in, &is_prof, err)) != AD_OK)
		return st;
	name = ad_in_name(in);
	if ((r->ref_name = ad_strndup(name, strlen(name))) == NULL) {
		ad_in_close(in);
		return ad_error_nomem(err);
	}
	if (is_prof) {
		st = ad_profile_read(in, &r->ref, err);
		ad_in_close(in);
		if (st != AD_OK)
			return st;
		if (o->sample_set || o->bins_set || o->top_set)
			return ad_error_set(err, AD_EUSAGE, "%s cannot be combined "
			    "with a profile as reference: the profile fixes it",
			    o->sample_set ? "--sample" : o->bins_set ? "--bins" :
			    "--top");
	} else {
		if ((st = open_data(r, in, NULL, &rd, err)) != AD_OK)
			return st;
		st = profile_data(r, rd, &o->prof, 1, &r->ref, err);
		if (st != AD_OK)
			ad_reader_locate(rd, err);
		free_data(r, rd);
		if (st != AD_OK)
			return st;
	}
	return choose_columns(r, err);
}

/* -m: the model's score quantiles are the reference of one column, the
 * scores ("score", or the one --select names). */
static enum ad_status load_model(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	const char *col = o->nselect ? o->select[0] : "score";
	const struct ad_model *m;
	enum ad_status st;

	if ((st = ad_model_load(o->model, &r->model, err)) != AD_OK)
		return st;
	m = r->model;
	if ((r->ref_name = ad_strndup(o->model, strlen(o->model))) == NULL)
		return ad_error_nomem(err);
	if (m->nquantiles < 2 || m->qprob[0] != 0 ||
	    m->qprob[m->nquantiles - 1] != 1)
		return ad_error_at(err, AD_EDATA, o->model, 0, 0, "the model's "
		    "score quantiles must run from level 0 to level 1");
	for (size_t k = 0; k < m->nquantiles; k++)
		if (!isfinite(m->qscore[k]) || (k > 0 &&
		    !(m->qprob[k] > m->qprob[k - 1])) || (k > 0 &&
		    m->qscore[k] < m->qscore[k - 1]))
			return ad_error_at(err, AD_EDATA, o->model, 0, 0, "the "
			    "model's score quantiles are not increasing");
	if ((r->qedges = ad_calloc(m->nquantiles, sizeof *r->qedges)) == NULL ||
	    (r->refidx = ad_calloc(1, sizeof *r->refidx)) == NULL)
		return ad_error_nomem(err);
	r->nqedges = ad_drift_quantile_edges(m->qprob, m->qscore,
	    m->nquantiles, r->qedges);
	r->ncols = 1;
	if ((st = ad_schema_new(&r->cmp, err)) != AD_OK)
		return st;
	return ad_schema_add(r->cmp, col, strlen(col), AD_NUMERIC, err);
}

/* Checks that every input column is compared, dropped or left out by
 * --select, and that every --drop name exists somewhere. */
static enum ad_status check_extra(struct run *r, const char *name,
    uint64_t line, size_t n, const char *(*col)(const void *, size_t),
    const void *src, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;

	for (size_t i = 0; i < n; i++) {
		const char *c = col(src, i);
		if (ad_schema_find(r->cmp, c) != SIZE_MAX || o->nselect > 0 ||
		    listed(o->drop, o->ndrop, c))
			continue;
		/* in a CSV file the header is line 1 */
		return ad_error_at(err, AD_EDATA, name, line, i + 1, "column "
		    "\"%s\" is not in the reference %s", c, r->ref_name);
	}
	for (size_t i = 0; i < o->ndrop; i++) {
		int found = ad_profile_find(r->ref, o->drop[i]) != SIZE_MAX;
		for (size_t j = 0; j < n && !found; j++)
			found = strcmp(col(src, j), o->drop[i]) == 0;
		if (!found)
			return ad_error_at(err, AD_EDATA, name, 0, 0, "column \"%s\" "
			    "of --drop is neither in the input nor in the reference",
			    o->drop[i]);
	}
	return AD_OK;
}

static const char *schema_col(const void *s, size_t i)
{
	return ((const struct ad_schema *)s)->cols[i].name;
}

static const char *profile_colname(const void *p, size_t i)
{
	return ad_profile_col(p, i)->name;
}

static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	struct ad_in *in;
	int is_prof;
	enum ad_status st;

	if ((r->inidx = ad_calloc(r->ncols + 1, sizeof *r->inidx)) == NULL)
		return ad_error_nomem(err);
	if ((st = open_any(o->in.path, &in, &is_prof, err)) != AD_OK)
		return st;
	if (!is_prof) {
		const struct ad_schema *s;
		if ((st = open_data(r, in, r->cmp, &r->rd, err)) != AD_OK)
			return st;
		s = ad_reader_schema(r->rd);
		for (size_t j = 0; j < r->ncols; j++)
			r->inidx[j] = ad_schema_find(s, r->cmp->cols[j].name);
		/* scores come with the features they were computed from */
		return r->model != NULL ? AD_OK : check_extra(r,
		    ad_reader_name(r->rd), ad_reader_format(r->rd) ==
		    AD_FORMAT_CSV && !o->in.no_header, s->ncols, schema_col, s,
		    err);
	}
	st = ad_profile_read(in, &r->inprof, err);
	ad_in_close(in);
	if (st != AD_OK)
		return st;
	if (o->window > 0)
		return ad_error_set(err, AD_EUSAGE, "--window needs data rows; %s "
		    "is a profile", input_name(r));
	for (size_t j = 0; j < r->ncols; j++) {
		size_t c = ad_profile_find(r->inprof, r->cmp->cols[j].name);
		if (c == SIZE_MAX)
			return ad_error_at(err, AD_EDATA, input_name(r), 0, 0,
			    "column \"%s\" is not in the input",
			    r->cmp->cols[j].name);
		if (ad_profile_col(r->inprof, c)->type != r->cmp->cols[j].type)
			return ad_error_at(err, AD_EDATA, input_name(r), 0, 0,
			    "column \"%s\" is %s in the input but %s in the "
			    "reference", r->cmp->cols[j].name,
			    ad_schema_type_name(ad_profile_col(r->inprof, c)->type),
			    ad_schema_type_name(r->cmp->cols[j].type));
		r->inidx[j] = c;
	}
	return r->model != NULL ? AD_OK : check_extra(r, input_name(r), 0,
	    ad_profile_ncols(r->inprof), profile_colname, r->inprof, err);
}

/* Marks the --critical columns; each must be compared. */
static enum ad_status mark_critical(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;

	for (size_t i = 0; i < o->ncritical; i++) {
		size_t j = ad_schema_find(r->cmp, o->critical[i]);
		if (j == SIZE_MAX)
			return ad_error_at(err, AD_EDATA, r->ref_name, 0, 0,
			    "--critical column \"%s\" is not compared",
			    o->critical[i]);
		r->cols[j].critical = 1;
	}
	return AD_OK;
}

/* Starts the profile of a new window (or of the whole input). */
static enum ad_status new_current(struct run *r, struct ad_error *err)
{
	struct ad_profile_opts co = r->model != NULL ? r->o->prof :
	    *ad_profile_opts(r->ref);

	/* the same reservoir size as the reference, every category kept,
	 * and the run's seed: a file compared with itself matches exactly */
	co.top = 0;
	co.seed = r->o->prof.seed;
	ad_profile_free(r->cur);
	r->cur = NULL;
	for (size_t j = 0; j < r->ncols; j++) {
		const double *e;
		size_t ne;
		ref_edges(r, j, &e, &ne);
		if (r->cmp->cols[j].type == AD_NUMERIC)
			memset(r->bins[j], 0, (ne + 1) * sizeof *r->bins[j]);
	}
	r->win_rows = 0;
	return ad_profile_new(&r->cur, r->cmp, &co, err);
}

static enum ad_status prepare(struct run *r, struct ad_error *err)
{
	if ((r->cols = ad_calloc(r->ncols + 1, sizeof *r->cols)) == NULL ||
	    (r->bins = ad_calloc(r->ncols + 1, sizeof *r->bins)) == NULL)
		return ad_error_nomem(err);
	for (size_t j = 0; j < r->ncols; j++) {
		const double *e;
		size_t ne;
		ref_edges(r, j, &e, &ne);
		if (r->cmp->cols[j].type == AD_NUMERIC && (r->bins[j] =
		    ad_calloc(ne + 1, sizeof *r->bins[j])) == NULL)
			return ad_error_nomem(err);
	}
	return AD_OK;
}

/* Counts rows [from, to) of b into the reference's bins. */
static void count_bins(struct run *r, const struct ad_block *b, size_t from,
    size_t to)
{
	for (size_t j = 0; j < r->ncols; j++) {
		size_t col = r->inidx[j], ne;
		const double *e;
		if (r->cmp->cols[j].type != AD_NUMERIC)
			continue;
		ref_edges(r, j, &e, &ne);
		for (size_t i = from; i < to; i++) {
			double x = b->num[i * b->ncols + col];
			if (isfinite(x))
				r->bins[j][bin_of(e, ne, x)]++;
		}
	}
}

/* What the jobs comparing columns share. */
struct compare_job {
	struct run *r;
	const struct ad_profile *cur;  /* the input's profile */
	const size_t *curidx;          /* compared column -> its column; NULL:
	                                * the same */
	int exact_bins;                /* r->bins holds the input's counts */
};

double ad_drift_effective_size(uint64_t s, uint64_t n, double rho)
{
	double big;

	if (!(rho > 0) || s == 0 || n < s)
		return (double)s;
	if (rho >= 1)
		return 1;
	big = (double)n * (1 - rho) / (1 + rho);
	return 1 / (1 / (double)s - 1 / (double)n + 1 / big);
}

enum ad_status ad_drift_ess(const struct ad_profile_col *r,
    const struct ad_profile_col *c, struct ad_drift_col *out,
    struct ad_error *err)
{
	double rc = ad_profile_lag1(c), rr = r ? ad_profile_lag1(r) : NAN;
	double mr, mc, en;

	if (isnan(out->ks_p) || (isnan(rc) && isnan(rr)))
		return AD_OK;
	/* a profile file keeps no pairs: the same process on both sides */
	if (isnan(rc))
		rc = rr;
	if (isnan(rr))
		rr = rc;
	mc = ad_drift_effective_size(c->nsample, c->n, rc);
	out->ks_n_cur = mc;
	if (r == NULL) {
		en = mc;
	} else {
		mr = ad_drift_effective_size(r->nsample, r->n, rr);
		out->ks_n_ref = mr;
		en = mr * mc / (mr + mc);
	}
	out->ks_method = AD_KS_ASYMP;
	return ad_stats_kstwo_sf(out->ks, en < 1 ? 1 : (uint64_t)llround(en),
	    &out->ks_p, err);
}

/* Compares column j: a job of ad_pool_for. */
static enum ad_status compare_col(void *ctx, size_t j, struct ad_error *err)
{
	const struct compare_job *job = ctx;
	struct run *r = job->r;
	const struct ad_profile *cur = job->cur;
	size_t ri = r->refidx[j], ci = job->curidx ? job->curidx[j] : j;
	const double *bins = job->exact_bins ? r->bins[j] : NULL;
	int critical = r->cols[j].critical;   /* the comparison resets it */
	enum ad_status st;

	if (r->model != NULL) {
		const struct ad_model *m = r->model;
		st = ad_drift_compare_quantiles(m->qprob, m->qscore, m->nquantiles,
		    m->rows, ad_profile_col(cur, ci), bins, &r->cols[j], err);
		r->cols[j].name = r->cmp->cols[j].name;
		if (st == AD_OK && r->o->ess)
			st = ad_drift_ess(NULL, ad_profile_col(cur, ci), &r->cols[j],
			    err);
	} else if (r->cmp->cols[j].type == AD_NUMERIC) {
		st = ad_drift_compare_numeric(ad_profile_col(r->ref, ri),
		    ad_profile_col(cur, ci), bins, &r->cols[j], err);
		if (st == AD_OK && r->o->ess)
			st = ad_drift_ess(ad_profile_col(r->ref, ri),
			    ad_profile_col(cur, ci), &r->cols[j], err);
	} else {
		st = ad_drift_compare_text(r->ref, ri, cur, ci, &r->cols[j], err);
	}
	r->cols[j].critical = critical;
	return st;
}

/* Compares every column of cur (the input's profile, whose column j is
 * curidx[j], or NULL: j) with the reference and decides. */
static enum ad_status compare_all(struct run *r, const struct ad_profile *cur,
    const size_t *curidx, int exact_bins, struct ad_error *err)
{
	struct compare_job job = { r, cur, curidx, exact_bins };
	enum ad_status st = ad_pool_for(r->o->threads, r->ncols,
	    compare_col, &job, err);

	if (st == AD_OK) {
		r->v = ad_drift_decide(r->cols, r->ncols, &r->rule);
		r->cur_rows = ad_profile_rows(cur);
	}
	return st;
}

/* ---- the comparison's outputs ---- */

/* Opens every output; they are committed in this order, the report last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	const struct ad_outset_entry e[] = {
		{ &r->prom, o->prom_path }, { &r->verdict, o->verdict_path },
		{ &r->out, o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

/* What the outputs show of the run so far. */
static void results_of(const struct run *r, struct ad_drift_results *x)
{
	memset(x, 0, sizeof *x);
	x->o = r->o;
	x->rule = &r->rule;
	x->method = method_names[r->rule.method];
	x->reference = r->ref_name;
	x->input = input_name(r);
	x->rows_ref = ref_rows(r);
	x->rows_cur = r->cur_rows;
	x->cols = r->cols;
	x->ncols = r->ncols;
	x->v = r->v;
	x->window = r->nwin;
	x->first_line = r->win_first;
	x->last_line = r->win_last;
	x->rows = r->win_rows;
	x->res = r->res;
}

/* Writes what goes out before the first comparison. */
static enum ad_status begin_report(struct run *r, struct ad_error *err)
{
	struct ad_drift_results x;

	results_of(r, &x);
	return ad_drift_report_begin(&r->rep, &x, r->out, err);
}

/* Records a window's verdict in the result and writes its row. */
static enum ad_status report_window(struct run *r, struct ad_error *err)
{
	struct ad_drift_results x;

	r->res->windows = r->nwin;
	if (r->v.drift) {
		if (r->res->windows_drifted++ == 0)
			r->res->first_drift_line = r->win_first;
		r->res->drift = 1;
	}
	results_of(r, &x);
	return ad_drift_report_window(&r->rep, &x, err);
}

static enum ad_status end_report(struct run *r, struct ad_error *err)
{
	struct ad_drift_results x;
	enum ad_status st;

	if (r->o->window == 0)
		r->res->drift = r->v.drift;
	r->res->columns = r->v.columns;
	r->res->drifted = r->v.drifted;
	ad_drift_report_drifted_names(r->cols, r->ncols, r->res->names,
	    sizeof r->res->names);
	results_of(r, &x);
	st = ad_drift_report_end(&r->rep, &x, err);
	if (st == AD_OK && r->prom != NULL)
		st = ad_drift_report_prom(&x, r->prom, err);
	if (st == AD_OK && r->verdict != NULL)
		st = ad_drift_report_verdict(&x, r->verdict, err);
	return st;
}

/* ---- reading the input ---- */

static enum ad_status close_window(struct run *r, struct ad_error *err)
{
	enum ad_status st;

	r->nwin++;
	if ((st = ad_profile_finish(r->cur, r->o->threads, err)) != AD_OK ||
	    (st = compare_all(r, r->cur, NULL, 1, err)) != AD_OK ||
	    (st = report_window(r, err)) != AD_OK)
		return st;
	return new_current(r, err);
}

static enum ad_status stream(struct run *r, struct ad_error *err)
{
	uint64_t win = r->o->window;
	struct ad_block *b;
	enum ad_status st;

	if ((st = new_current(r, err)) != AD_OK)
		return st;
	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0) {
		for (size_t from = 0; from < b->nrows;) {
			size_t take = b->nrows - from;
			if (win > 0 && take > win - r->win_rows)
				take = (size_t)(win - r->win_rows);
			if ((st = ad_profile_add(r->cur, b, r->inidx, from,
			    from + take, err)) != AD_OK)
				return st;
			count_bins(r, b, from, from + take);
			if (r->win_rows == 0)
				r->win_first = b->line[from];
			r->win_last = b->line[from + take - 1];
			r->win_rows += take;
			from += take;
			if (win > 0 && r->win_rows == win &&
			    (st = close_window(r, err)) != AD_OK)
				return st;
		}
	}
	if (st != AD_OK)
		return st;
	if (win > 0)
		return r->win_rows > 0 ? close_window(r, err) : AD_OK;
	if ((st = ad_profile_finish(r->cur, r->o->threads, err)) != AD_OK)
		return st;
	return compare_all(r, r->cur, NULL, 1, err);
}

/* ---- options ---- */

static int is_stdin(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

/* The first option set among those only comparisons take, or NULL. */
static const char *comparison_option(const struct ad_drift_opts *o)
{
	const struct { int set; const char *name; } t[] = {
		{ o->reference != NULL, "-r" }, { o->model != NULL, "-m" },
		{ o->format_set, "--format" }, { o->method_set, "--method" },
		{ o->threshold_set, "--threshold" }, { o->alpha_set, "--alpha" },
		{ o->share_set, "--drift-share" }, { o->ncritical > 0, "--critical" },
		{ o->window > 0, "--window" }, { o->prom_path != NULL, "--prom" },
		{ o->verdict_path != NULL, "--verdict" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].set)
			return t[i].name;
	return NULL;
}

static enum ad_status check_compare(const struct ad_drift_opts *o,
    struct ad_error *err)
{
	enum ad_drift_method m = o->rule.method;

	if (o->reference == NULL && o->model == NULL)
		return ad_error_set(err, AD_EUSAGE, "nothing to compare with: give "
		    "-r REFERENCE or -m MODEL (or --profile)");
	if (o->reference != NULL && o->model != NULL)
		return ad_error_set(err, AD_EUSAGE, "-r and -m cannot be combined");
	if (is_stdin(o->in.path) && is_stdin(o->reference ? o->reference :
	    o->model))
		return ad_error_set(err, AD_EUSAGE, "the %s and the input cannot "
		    "both be the standard input", o->reference ? "reference" :
		    "model");
	if (m == AD_DRIFT_KS && o->threshold_set && o->alpha_set)
		return ad_error_set(err, AD_EUSAGE, "with --method ks, --threshold "
		    "is the significance level: give it or --alpha, not both");
	if ((m == AD_DRIFT_PSI || m == AD_DRIFT_JS) && o->alpha_set)
		return ad_error_set(err, AD_EUSAGE, "--alpha has no effect with "
		    "--method %s", method_names[m]);
	if (m == AD_DRIFT_KS && o->threshold_set && !(o->rule.threshold > 0 &&
	    o->rule.threshold <= 1))
		return ad_error_set(err, AD_EUSAGE, "--threshold of --method ks is "
		    "a significance level, from 0 (excluded) to 1");
	if (o->model != NULL && (o->ndrop > 0 || o->nselect > 1 || o->top_set ||
	    o->bins_set))
		return ad_error_set(err, AD_EUSAGE, "with -m, the model's score "
		    "quantiles are the bins and --select names the one column "
		    "of scores; %s does not apply", o->ndrop ? "--drop" :
		    o->nselect > 1 ? "a list of columns" : o->top_set ? "--top" :
		    "--bins");
	return AD_OK;
}

static enum ad_status check_options(const struct ad_drift_opts *o,
    struct ad_error *err)
{
	const char *clash;

	if (o->nselect > 0 && o->ndrop > 0)
		return ad_error_set(err, AD_EUSAGE, "--select and --drop cannot be "
		    "combined");
	if (o->mode == AD_DRIFT_COMPARE)
		return check_compare(o, err);
	if ((clash = comparison_option(o)) != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s cannot be combined with "
		    "%s", clash, o->mode == AD_DRIFT_PROFILE ? "--profile" :
		    "--merge");
	if (o->mode == AD_DRIFT_MERGE && (o->sample_set || o->bins_set ||
	    o->top_set || o->nselect > 0 || o->ndrop > 0))
		return ad_error_set(err, AD_EUSAGE, "--merge keeps the profiles' "
		    "columns and settings; %s does not apply",
		    o->sample_set ? "--sample" : o->bins_set ? "--bins" :
		    o->top_set ? "--top" : o->nselect ? "--select" : "--drop");
	return AD_OK;
}

/* The rule with the method's default threshold unless one was given. */
static struct ad_drift_rule effective_rule(const struct ad_drift_opts *o)
{
	struct ad_drift_rule u = o->rule;

	if (!o->threshold_set)
		switch (u.method) {
		case AD_DRIFT_AUTO:
		case AD_DRIFT_PSI:
			u.threshold = AD_DRIFT_PSI_DEFAULT;
			break;
		case AD_DRIFT_KS:
			u.threshold = u.alpha;
			break;
		case AD_DRIFT_WASSERSTEIN:
		case AD_DRIFT_JS:
			u.threshold = AD_DRIFT_DIST_DEFAULT;
			break;
		}
	return u;
}

/* ---- modes ---- */

static enum ad_status run_compare(struct run *r, struct ad_error *err)
{
	enum ad_status st;

	if ((st = r->o->model != NULL ? load_model(r, err) :
	    load_reference(r, err)) != AD_OK ||
	    (st = open_input(r, err)) != AD_OK ||
	    (st = prepare(r, err)) != AD_OK ||
	    (st = mark_critical(r, err)) != AD_OK ||
	    (st = begin_report(r, err)) != AD_OK)
		return st;
	if (r->inprof != NULL)
		st = compare_all(r, r->inprof, r->inidx, 0, err);
	else
		st = stream(r, err);
	if (st == AD_OK)
		st = end_report(r, err);
	return st;
}

static enum ad_status run_profile(struct run *r, struct ad_error *err)
{
	struct ad_profile *p = NULL;
	struct ad_reader *rd = NULL;
	struct ad_in *in;
	int is_prof;
	enum ad_status st;

	if ((st = open_any(r->o->in.path, &in, &is_prof, err)) != AD_OK)
		return st;
	if (is_prof) {
		ad_in_close(in);
		return ad_error_at(err, AD_EDATA, input_name(r), 0, 0, "the input "
		    "is a profile already; --merge combines profiles");
	}
	if ((st = open_data(r, in, NULL, &rd, err)) != AD_OK)
		return st;
	st = profile_data(r, rd, &r->o->prof, 0, &p, err);
	if (st != AD_OK)
		ad_reader_locate(rd, err);
	free_data(r, rd);
	if (st == AD_OK)
		st = ad_profile_write(p, r->out, err);
	ad_profile_free(p);
	return st;
}

static enum ad_status run_merge(struct run *r, struct ad_error *err)
{
	const struct ad_drift_opts *o = r->o;
	struct ad_profile **ps = ad_calloc(o->nmerge + 1, sizeof *ps), *m = NULL;
	enum ad_status st = AD_OK;

	if (ps == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < o->nmerge && st == AD_OK; i++) {
		struct ad_in *in;
		int is_prof;

		if ((st = open_any(o->merge[i], &in, &is_prof, err)) != AD_OK)
			break;
		if (!is_prof)
			st = ad_error_at(err, AD_EDATA, ad_in_name(in), 0, 0,
			    "not an adkit profile (make one with --profile)");
		else
			st = ad_profile_read(in, &ps[i], err);
		ad_in_close(in);
	}
	if (st == AD_OK)
		st = ad_profile_merge((const struct ad_profile *const *)ps,
		    o->merge, o->nmerge, o->prof.seed, &m, err);
	if (st == AD_OK)
		st = ad_profile_write(m, r->out, err);
	ad_profile_free(m);
	for (size_t i = 0; i < o->nmerge; i++)
		ad_profile_free(ps[i]);
	ad_free(ps);
	return st;
}

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_drift_report_free(&r->rep);
	free_data(r, r->rd);
	ad_profile_free(r->ref);
	ad_model_free(r->model);
	ad_free(r->qedges);
	ad_profile_free(r->inprof);
	ad_profile_free(r->cur);
	for (size_t j = 0; r->bins != NULL && j < r->ncols; j++)
		ad_free(r->bins[j]);
	ad_free(r->bins);
	ad_free(r->cols);
	ad_free(r->refidx);
	ad_free(r->inidx);
	ad_schema_free(r->cmp);
	ad_free(r->ref_name);
}

enum ad_status ad_drift_run(const struct ad_drift_opts *o,
    struct ad_drift_result *res, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(&r, 0, sizeof r);
	memset(res, 0, sizeof *res);
	r.o = o;
	r.res = res;
	r.rule = effective_rule(o);
	if ((st = check_options(o, err)) != AD_OK)
		return st;
	if ((st = open_outputs(&r, err)) == AD_OK)
		st = o->mode == AD_DRIFT_PROFILE ? run_profile(&r, err) :
		    o->mode == AD_DRIFT_MERGE ? run_merge(&r, err) :
		    run_compare(&r, err);
	if (st == AD_OK)
		st = ad_outset_commit(r.outset, err);
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}
