/*
 * HBOS (hbos.h): numpy.histogram's equal-width bins and densities per
 * feature, and PyOD's look-up of a value's bin, with each bin's term
 * -log2(density + alpha) worked out once at fit or decode.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "hbos.h"
#include "wire.h"

struct ad_hbos {
	struct ad_hbos_opts o;
	size_t d;           /* features */
	double *edges;      /* feature f: edges[f * (nbins + 1) ..], increasing */
	double *density;    /* feature f: density[f * nbins ..], >= 0 */
	double *term;       /* -log2(density + alpha), laid out as density */
	double *far;        /* per feature: the largest term, for values far
	                       outside the range */
	double *least;      /* per feature: the smallest term, its densest
	                       bin's */
	double *per;        /* per feature: nbins / (last edge - first edge),
	                       to guess a value's bin */
	double *mem;
};

void ad_hbos_defaults(struct ad_hbos_opts *o)
{
	o->nbins = 10;
	o->alpha = 0.1;
	o->tol = 0.5;
	o->unit = NULL;
}

const char *ad_hbos_check(const struct ad_hbos_opts *o)
{
	if (o->nbins < 2 || o->nbins > AD_HBOS_MAX_BINS)
		return "the bins must be 2 to 1000000";
	if (!(o->alpha > 0 && o->alpha < 1))
		return "alpha must be in (0, 1)";
	if (!(o->tol > 0 && o->tol < 1))
		return "tol must be in (0, 1)";
	return NULL;
}

/* ---- the state ---- */

/* An empty state for d features of o (both in range): every array sized
 * in one block. */
static enum ad_status state_new(const struct ad_hbos_opts *o, size_t d,
    struct ad_hbos **out, struct ad_error *err)
{
	size_t B = o->nbins, bytes, total;
	struct ad_hbos *h;

	/* per feature: B + 1 edges, B densities, B terms, far, least, per */
	if (ad_mul_size(d, 3 * B + 4, &total) ||
	    ad_mul_size(total, sizeof(double), &bytes))
		return ad_error_nomem(err);
	if ((h = ad_calloc(1, sizeof *h)) == NULL)
		return ad_error_nomem(err);
	if ((h->mem = ad_malloc(bytes)) == NULL) {
		ad_free(h);
		return ad_error_nomem(err);
	}
	h->o = *o;
	h->d = d;
	h->edges = h->mem;
	h->density = h->edges + d * (B + 1);
	h->term = h->density + d * B;
	h->far = h->term + d * B;
	h->least = h->far + d;
	h->per = h->least + d;
	*out = h;
	return AD_OK;
}

void ad_hbos_free(struct ad_hbos *h)
{
	if (h == NULL)
		return;
	ad_free(h->mem);
	ad_free(h);
}

size_t ad_hbos_nfeat(const struct ad_hbos *h)
{
	return h->d;
}

size_t ad_hbos_nbins(const struct ad_hbos *h)
{
	return h->o.nbins;
}

/* The terms of feature f's bins and the far term, from its densities. */
static void set_terms(struct ad_hbos *h, size_t f)
{
	size_t B = h->o.nbins;
	const double *dens = h->density + f * B;
	double *t = h->term + f * B, far = -INFINITY, least = INFINITY;

	for (size_t k = 0; k < B; k++) {
		t[k] = -log2(dens[k] + h->o.alpha);
		if (t[k] > far)
			far = t[k];
		if (t[k] < least)
			least = t[k];
	}
	h->far[f] = far;
	h->least[f] = least;
}

/* Feature f's factor for guessing bins, from its edges. */
static void set_per(struct ad_hbos *h, size_t f)
{
	size_t B = h->o.nbins;
	const double *e = h->edges + f * (B + 1);

	h->per[f] = (double)B / (e[B] - e[0]);
}

/* ---- fitting ---- */

/* numpy.linspace(lo, hi, B + 1) into e (step times k plus lo, the last
 * edge hi exactly); returns whether the edges strictly increase. */
static int linspace(double lo, double hi, size_t B, double *e)
{
	double step = (hi - lo) / (double)B;

	for (size_t k = 0; k < B; k++)
		e[k] = (double)k * step + lo;
	e[B] = hi;
	for (size_t k = 0; k < B; k++)
		if (!(e[k] < e[k + 1]))
			return 0;
	return 1;
}

/* The bin of v in [e[0], e[B]] as numpy.histogram counts it: the k with
 * e[k] <= v < e[k + 1], the last bin closed. The guess from the step
 * (per: B / (e[B] - e[0])) is corrected against the edges themselves, as
 * numpy does. */
static size_t histogram_bin(const double *e, size_t B, double per, double v)
{
	double g = (v - e[0]) * per;
	size_t k = !(g >= 0) ? 0 : g >= (double)B ? B - 1 : (size_t)g;

	while (k > 0 && v < e[k])
		k--;
	while (k + 1 < B && v >= e[k + 1])
		k++;
	return k;
}

/* Each feature's range over the n rows of x into lo and hi (d each),
 * reading the rows in order. */
static void ranges(const double *x, size_t n, size_t d, double *lo,
    double *hi)
{
	memcpy(lo, x, d * sizeof *lo);
	memcpy(hi, x, d * sizeof *hi);
	for (size_t i = 1; i < n; i++)
		for (size_t f = 0; f < d; f++) {
			double v = x[i * d + f];
			lo[f] = v < lo[f] ? v : lo[f];
			hi[f] = v > hi[f] ? v : hi[f];
		}
}

/* Feature f's edges over [lo, hi]. */
static void set_edges(struct ad_hbos *h, size_t f, double lo, double hi)
{
	size_t B = h->o.nbins;
	double *e = h->edges + f * (B + 1);

	/* numpy widens a constant feature's range so; a range too narrow to
	 * split into B increasing edges is widened the same way */
	if (lo == hi || !linspace(lo, hi, B, e))
		linspace(lo - 0.5, hi + 0.5, B, e);
	set_per(h, f);
}

/* Every feature's densities from the n rows of x and the counts of its
 * bins (counts: d x B, zeroed), reading the rows in order. */
static void set_densities(struct ad_hbos *h, const double *x, size_t n,
    const double *unit, size_t *counts)
{
	size_t B = h->o.nbins, d = h->d;

	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < d; f++)
			counts[f * B + histogram_bin(h->edges + f * (B + 1), B,
			    h->per[f], x[i * d + f])]++;
	for (size_t f = 0; f < d; f++) {
		const double *e = h->edges + f * (B + 1);
		/* numpy's density: count / width / total */
		for (size_t k = 0; k < B; k++) {
			double w = e[k + 1] - e[k];
			if (unit != NULL)
				w *= unit[f];
			h->density[f * B + k] = (double)counts[f * B + k] / w /
			    (double)n;
		}
		set_terms(h, f);
	}
}

enum ad_status ad_hbos_fit(const struct ad_hbos_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_hbos **out,
    struct ad_error *err)
{
	struct ad_hbos *h = NULL;
	size_t *counts, cells;
	const char *why;
	enum ad_status st;

	(void)seed;
	if ((why = ad_hbos_check(o)) != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s", why);
	for (size_t f = 0; o->unit != NULL && f < d; f++)
		if (!(o->unit[f] > 0 && isfinite(o->unit[f])))
			return ad_error_set(err, AD_EUSAGE, "HBOS: a unit must be "
			    "finite and > 0");
	if (n == 0 || d == 0)
		return ad_error_set(err, AD_EDATA, "no rows to fit HBOS on");
	if (d > AD_HBOS_MAX_FEATURES)
		return ad_error_set(err, AD_EDATA, "HBOS takes at most %d features",
		    AD_HBOS_MAX_FEATURES);
	/* counts: d x nbins; the ranges go where the densities and terms
	 * will be */
	if ((st = state_new(o, d, &h, err)) != AD_OK)
		return st;
	if (ad_mul_size(d, o->nbins, &cells) ||
	    (counts = ad_calloc(cells, sizeof *counts)) == NULL) {
		ad_hbos_free(h);
		return ad_error_nomem(err);
	}
	ranges(x, n, d, h->density, h->term);
	for (size_t f = 0; f < d; f++)
		set_edges(h, f, h->density[f], h->term[f]);
	set_densities(h, x, n, o->unit, counts);
	*out = h;
	ad_free(counts);
	return st;
}

/* ---- scoring ---- */

/* Feature f's term for value v, PyOD's look-up (see hbos.h). */
static double feature_term(const struct ad_hbos *h, size_t f, double v)
{
	size_t B = h->o.nbins, lo;
	const double *e = h->edges + f * (B + 1), *t = h->term + f * B;

	/* numpy.digitize(right=True): lo, the count of edges below v, from a
	 * guess corrected against the edges themselves */
	if (v <= e[0]) {
		lo = 0;
	} else if (v > e[B]) {
		lo = B + 1;
	} else {
		double g = (v - e[0]) * h->per[f] + 1;
		lo = !(g >= 1) ? 1 : g > (double)B ? B : (size_t)g;
		while (lo > 1 && e[lo - 1] >= v)
			lo--;
		while (lo < B && e[lo] < v)
			lo++;
	}
	if (lo == 0)
		return e[0] - v <= (e[1] - e[0]) * h->o.tol ? t[0] : h->far[f];
	if (lo == B + 1)
		return v - e[B] <= (e[B] - e[B - 1]) * h->o.tol ? t[B - 1] :
		    h->far[f];
	return t[lo - 1];
}

void ad_hbos_score(const struct ad_hbos *h, const double *x, size_t n,
    size_t ld, double *score)
{
	for (size_t i = 0; i < n; i++) {
		const double *r = x + i * ld;
		double s = 0;

		for (size_t f = 0; f < h->d; f++)
			s += feature_term(h, f, r[f]);
		score[i] = s;
	}
}

void ad_hbos_explain(const struct ad_hbos *h, const double *x,
    double *contrib)
{
	for (size_t f = 0; f < h->d; f++)
		contrib[f] = feature_term(h, f, x[f]);
}

void ad_hbos_explain_excess(const struct ad_hbos *h, const double *x,
    double *contrib)
{
	for (size_t f = 0; f < h->d; f++)
		contrib[f] = feature_term(h, f, x[f]) - h->least[f];
}

/* ---- the payload ---- */

size_t ad_hbos_encoded_size(const struct ad_hbos *h)
{
	return 8 + 16 + 8 * h->d * (2 * h->o.nbins + 1);
}

void ad_hbos_encode(const struct ad_hbos *h, unsigned char *p)
{
	size_t B = h->o.nbins;

	p = ad_wire_put_u32(p, (uint32_t)B);
	p = ad_wire_put_u32(p, (uint32_t)h->d);
	p = ad_wire_put_f64(p, h->o.alpha);
	p = ad_wire_put_f64(p, h->o.tol);
	for (size_t f = 0; f < h->d; f++) {
		for (size_t k = 0; k <= B; k++)
			p = ad_wire_put_f64(p, h->edges[f * (B + 1) + k]);
		for (size_t k = 0; k < B; k++)
			p = ad_wire_put_f64(p, h->density[f * B + k]);
	}
}

/* Reads feature f's edges and densities; 0, or -1 if they are bad. */
static int decode_feature(struct ad_wire *w, struct ad_hbos *h, size_t f)
{
	size_t B = h->o.nbins;
	double *e = h->edges + f * (B + 1), *dens = h->density + f * B;

	if (ad_wire_get_finite(w, e, B + 1) ||
	    ad_wire_get_finite(w, dens, B))
		return -1;
	for (size_t k = 0; k < B; k++)
		if (!(e[k] < e[k + 1]) || !(dens[k] >= 0))
			return -1;
	set_per(h, f);
	set_terms(h, f);
	return 0;
}

enum ad_status ad_hbos_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_hbos **out,
    struct ad_error *err)
{
	struct ad_wire w = { p, len };
	struct ad_hbos_opts o = { 0, 0, 0, NULL };
	struct ad_hbos *h;
	uint32_t nbins, d;
	enum ad_status st;

	if (ad_wire_get_u32(&w, &nbins) || ad_wire_get_u32(&w, &d) ||
	    ad_wire_get_f64(&w, &o.alpha) || ad_wire_get_f64(&w, &o.tol))
		return ad_wire_corrupt(err, name, "truncated HBOS histograms");
	o.nbins = nbins;
	if (ad_hbos_check(&o) != NULL)
		return ad_wire_corrupt(err, name,
		    "HBOS parameter out of range");
	if (d != nfeat || d == 0)
		return ad_wire_corrupt(err, name,
		    "HBOS feature count is not the model's");
	/* the exact size, before allocating: nbins and d are below 2^32 */
	if (w.left != 8 * (uint64_t)d * (2 * (uint64_t)nbins + 1))
		return ad_wire_corrupt(err, name,
		    "HBOS histograms do not fill the payload exactly");
	if ((st = state_new(&o, d, &h, err)) != AD_OK)
		return st;
	for (size_t f = 0; f < d; f++)
		if (decode_feature(&w, h, f) != 0) {
			ad_hbos_free(h);
			return ad_wire_corrupt(err, name,
			    "HBOS edges not increasing or densities not "
			    "finite");
		}
	*out = h;
	return AD_OK;
}
