/*
 * The knn detector: PyOD KNN's scores over an exact neighbour search.
 */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "knn.h"
#include "neighbors.h"
#include "wire.h"

struct ad_knn {
	size_t k;                    /* neighbours, 1..nref - 1 */
	enum ad_knn_method method;
	struct ad_neighbors *ref;    /* the reference sample, owned */
};

static const char *const method_names[] = {
	[AD_KNN_LARGEST] = "largest",
	[AD_KNN_MEAN] = "mean",
	[AD_KNN_MEDIAN] = "median"
};

void ad_knn_defaults(struct ad_knn_opts *o)
{
	o->k = 5;
	o->method = AD_KNN_LARGEST;
}

const char *ad_knn_method_name(enum ad_knn_method m)
{
	return m >= AD_KNN_LARGEST && m <= AD_KNN_MEDIAN ? method_names[m] : "?";
}

int ad_knn_method_parse(const char *name, enum ad_knn_method *m)
{
	for (int i = AD_KNN_LARGEST; i <= AD_KNN_MEDIAN; i++)
		if (strcmp(name, method_names[i]) == 0) {
			*m = (enum ad_knn_method)i;
			return 0;
		}
	return -1;
}

static int method_ok(uint32_t m)
{
	return m >= AD_KNN_LARGEST && m <= AD_KNN_MEDIAN;
}

enum ad_status ad_knn_fit(const struct ad_knn_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_knn **out,
    struct ad_error *err)
{
	struct ad_knn *knn;
	enum ad_status st;

	(void)seed;
	if (o->k < 1 || o->k > AD_KNN_MAX_K || !method_ok(o->method))
		return ad_error_set(err, AD_EUSAGE, "knn: k must be 1 to %d and "
		    "the method largest, mean or median", AD_KNN_MAX_K);
	if (n < 2)
		return ad_error_set(err, AD_EDATA, "knn needs at least 2 training "
		    "rows");
	if ((knn = ad_calloc(1, sizeof *knn)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_neighbors_new(x, n, d, &knn->ref, err)) != AD_OK) {
		ad_free(knn);
		return st;
	}
	knn->k = o->k < n - 1 ? o->k : n - 1;
	knn->method = o->method;
	*out = knn;
	return AD_OK;
}

void ad_knn_free(struct ad_knn *knn)
{
	if (knn == NULL)
		return;
	ad_neighbors_free(knn->ref);
	ad_free(knn);
}

size_t ad_knn_k(const struct ad_knn *knn)
{
	return knn->k;
}

enum ad_knn_method ad_knn_method(const struct ad_knn *knn)
{
	return knn->method;
}

size_t ad_knn_nref(const struct ad_knn *knn)
{
	return ad_neighbors_count(knn->ref);
}

size_t ad_knn_nfeat(const struct ad_knn *knn)
{
	return ad_neighbors_nfeat(knn->ref);
}

/* ---- scoring ---- */

/* The search's workspace, then BLOCK x k distances and indices. */
size_t ad_knn_workspace_size(const struct ad_knn *knn)
{
	return ad_neighbors_workspace_size(knn->ref, knn->k);
}

/* numpy's median of the ascending d[0..k). */
static double median(const double *d, size_t k)
{
	if (k % 2 == 1)
		return d[k / 2];
	return (d[k / 2 - 1] + d[k / 2]) / 2;
}

static double mean(const double *d, size_t k)
{
	double s = 0;

	for (size_t j = 0; j < k; j++)
		s += d[j];
	return s / (double)k;
}

static double score_of(enum ad_knn_method m, const double *d, size_t k)
{
	if (m == AD_KNN_MEAN)
		return mean(d, k);
	if (m == AD_KNN_MEDIAN)
		return median(d, k);
	return d[k - 1];
}

void ad_knn_score(const struct ad_knn *knn, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	size_t k = knn->k;
	const size_t *idx;
	const double *dist;

	for (size_t i0 = 0; i0 < n; i0 += AD_NEIGHBORS_BLOCK) {
		size_t m = n - i0 < AD_NEIGHBORS_BLOCK ? n - i0 :
		    AD_NEIGHBORS_BLOCK;
		ad_neighbors_query(knn->ref, k, x + i0 * ld, m, ld, work, &dist,
		    &idx);
		for (size_t r = 0; r < m; r++)
			score[i0 + r] = score_of(knn->method, dist + r * k, k);
	}
}

void ad_knn_train_scores(const struct ad_knn *knn, void *work, double *score)
{
	size_t d = ad_neighbors_nfeat(knn->ref);

	ad_knn_score(knn, ad_neighbors_row(knn->ref, 0),
	    ad_neighbors_count(knn->ref), d, work, score);
}

void ad_knn_explain(const struct ad_knn *knn, const double *x, void *work,
    double *contrib)
{
	ad_neighbors_explain(knn->ref, knn->k, x, work, contrib);
}

/* ---- the payload ---- */

size_t ad_knn_encoded_size(const struct ad_knn *knn)
{
	return 8 + ad_neighbors_encoded_size(knn->ref);
}

void ad_knn_encode(const struct ad_knn *knn, unsigned char *p)
{
	p = ad_wire_put_u32(p, (uint32_t)knn->k);
	p = ad_wire_put_u32(p, (uint32_t)knn->method);
	ad_neighbors_encode(knn->ref, p);
}

enum ad_status ad_knn_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_knn **out,
    struct ad_error *err)
{
	struct ad_wire w = { p, len };
	struct ad_knn *knn;
	enum ad_status st;
	uint32_t k, m;

	if (ad_wire_get_u32(&w, &k) || ad_wire_get_u32(&w, &m))
		return ad_wire_corrupt(err, name, "truncated knn detector");
	if (!method_ok(m))
		return ad_wire_corrupt(err, name, "unknown knn method");
	if ((knn = ad_calloc(1, sizeof *knn)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_neighbors_decode(&w, nfeat, name, &knn->ref, err)) !=
	    AD_OK) {
		ad_free(knn);
		return st;
	}
	if (w.left != 0)
		st = ad_wire_corrupt(err, name, "knn reference does not fill the "
		    "payload exactly");
	else if (k < 1 || k > AD_KNN_MAX_K || k >= ad_neighbors_count(knn->ref))
		st = ad_wire_corrupt(err, name, "knn k out of range");
	if (st != AD_OK) {
		ad_knn_free(knn);
		return st;
	}
	knn->k = k;
	knn->method = (enum ad_knn_method)m;
	*out = knn;
	return AD_OK;
}
