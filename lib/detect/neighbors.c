/*
 * Exact k-nearest-neighbour search: dgemm picks candidates, an exact sum of
 * squared differences ranks them (see neighbors.h).
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "autoenc.h"
#include "neighbors.h"
#include "wire.h"

struct ad_neighbors {
	size_t n;        /* reference rows */
	size_t d;        /* features per row */
	double *x;       /* n x d, row-major, standardized */
	double *yy;      /* each row's squared norm */
	double maxyy;    /* the largest squared norm */
};

/* One query row's candidates, found while the tiles go by. */
struct cands {
	double *heap;    /* max-heap of the k+1 smallest approximate values:
	                    squared distances less |x|^2 */
	size_t nheap;
	double *a;       /* the candidates' approximate values */
	uint32_t *i;     /* their reference indices */
	size_t count;
	size_t limit;    /* compact when count reaches it */
	size_t cap;      /* room in a and i: cand_room() */
	int overflow;    /* more near-ties than room: rank every row */
	double tol;      /* the rounding bound of the approximate values */
};

/* The workspace, carved out of the caller's bytes. */
struct work {
	double *tile;     /* BLOCK x TILE approximate dot products */
	double *xx;       /* each query row's squared norm */
	double *heap;     /* BLOCK x (k+1) */
	double *a;        /* BLOCK x cand_room() */
	double *best_d;   /* k+1 best exact squared distances */
	size_t *best_i;   /* and their indices */
	double *dist;     /* the results: BLOCK x k distances */
	size_t *idx;      /* and indices */
	uint32_t *ci;     /* BLOCK x cand_room() */
};

static size_t tile_rows(const struct ad_neighbors *nb)
{
	return nb->n < AD_NEIGHBORS_TILE ? nb->n : AD_NEIGHBORS_TILE;
}

/* Candidates a query row can hold: room for the k+1 nearest many times
 * over. A row with more near-ties than that (copies of one reference row,
 * say) is ranked against every reference row instead. */
static size_t cand_room(const struct ad_neighbors *nb, size_t k)
{
	size_t room = 8 * (k + 1) > 512 ? 8 * (k + 1) : 512;

	return room < nb->n ? room : nb->n;
}

static double sqnorm(const double *x, size_t d)
{
	double s = 0;

	for (size_t f = 0; f < d; f++)
		s += x[f] * x[f];
	return s;
}

static double sqdist(const double *x, const double *y, size_t d)
{
	double s = 0;

	for (size_t f = 0; f < d; f++) {
		double t = x[f] - y[f];
		s += t * t;
	}
	return s;
}

/* ---- the reference ---- */

static enum ad_status alloc_ref(size_t n, size_t d, struct ad_neighbors **out,
    struct ad_error *err)
{
	struct ad_neighbors *nb;
	size_t cells, bytes;

	if (ad_mul_size(n, d, &cells) || ad_mul_size(cells, sizeof(double),
	    &bytes))
		return ad_error_nomem(err);
	if ((nb = ad_calloc(1, sizeof *nb)) == NULL)
		return ad_error_nomem(err);
	nb->x = ad_malloc(bytes);
	nb->yy = ad_calloc(n, sizeof *nb->yy);
	if (nb->x == NULL || nb->yy == NULL) {
		ad_neighbors_free(nb);
		return ad_error_nomem(err);
	}
	nb->n = n;
	nb->d = d;
	*out = nb;
	return AD_OK;
}

/* Fills yy and maxyy; returns a phrase about what is wrong, or NULL. */
static const char *check_rows(struct ad_neighbors *nb)
{
	nb->maxyy = 0;
	for (size_t i = 0; i < nb->n; i++) {
		const double *y = nb->x + i * nb->d;
		for (size_t f = 0; f < nb->d; f++)
			if (!isfinite(y[f]))
				return "a reference value is not finite";
		nb->yy[i] = sqnorm(y, nb->d);
		if (!isfinite(nb->yy[i]))
			return "a reference row is too large";
		if (nb->yy[i] > nb->maxyy)
			nb->maxyy = nb->yy[i];
	}
	return NULL;
}

enum ad_status ad_neighbors_new(const double *x, size_t n, size_t d,
    struct ad_neighbors **out, struct ad_error *err)
{
	struct ad_neighbors *nb;
	const char *bad;
	enum ad_status st;

	if (n < 1 || d < 1)
		return ad_error_set(err, AD_EDATA, "no reference rows");
	if (n > AD_NEIGHBORS_MAX_ROWS)
		return ad_error_set(err, AD_EDATA, "too many reference rows");
	if ((st = alloc_ref(n, d, &nb, err)) != AD_OK)
		return st;
	memcpy(nb->x, x, n * d * sizeof *x);
	if ((bad = check_rows(nb)) != NULL) {
		ad_neighbors_free(nb);
		return ad_error_set(err, AD_EDATA, "%s", bad);
	}
	ad_autoenc_blas_init();
	*out = nb;
	return AD_OK;
}

void ad_neighbors_free(struct ad_neighbors *nb)
{
	if (nb == NULL)
		return;
	ad_free(nb->x);
	ad_free(nb->yy);
	ad_free(nb);
}

size_t ad_neighbors_count(const struct ad_neighbors *nb)
{
	return nb->n;
}

size_t ad_neighbors_nfeat(const struct ad_neighbors *nb)
{
	return nb->d;
}

const double *ad_neighbors_row(const struct ad_neighbors *nb, size_t i)
{
	return nb->x + i * nb->d;
}

/* ---- the workspace ---- */

/* Adds count elements of size bytes to *total; -1 on overflow. */
static int add_array(size_t *total, size_t count, size_t size)
{
	size_t b;

	return ad_mul_size(count, size, &b) || ad_add_size(*total, b, total) ?
	    -1 : 0;
}

size_t ad_neighbors_workspace_size(const struct ad_neighbors *nb, size_t k)
{
	size_t B = AD_NEIGHBORS_BLOCK, total = 0, bn, bk;

	if (k >= nb->n || ad_mul_size(B, cand_room(nb, k), &bn) || ad_mul_size(B, k + 1, &bk) ||
	    add_array(&total, B * tile_rows(nb) + B, sizeof(double)) ||
	    add_array(&total, bk, sizeof(double)) ||
	    add_array(&total, bn, sizeof(double)) ||
	    add_array(&total, k + 1, sizeof(double)) ||
	    add_array(&total, bk, sizeof(double)) ||
	    add_array(&total, k + 1, sizeof(size_t)) ||
	    add_array(&total, bk, sizeof(size_t)) ||
	    add_array(&total, bn, sizeof(uint32_t)))
		return SIZE_MAX;
	return total;
}

static struct work carve(const struct ad_neighbors *nb, size_t k, void *mem)
{
	size_t B = AD_NEIGHBORS_BLOCK;
	struct work w;
	double *p = mem;

	w.tile = p;
	p += B * tile_rows(nb);
	w.xx = p;
	p += B;
	w.heap = p;
	p += B * (k + 1);
	w.a = p;
	p += B * cand_room(nb, k);
	w.best_d = p;
	p += k + 1;
	w.dist = p;
	p += B * (k + 1);
	w.best_i = (size_t *)p;
	w.idx = w.best_i + k + 1;
	w.ci = (uint32_t *)(w.idx + B * (k + 1));
	return w;
}

/* ---- candidates ---- */

static void heap_sift_down(double *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && h[l] > h[m])
			m = l;
		if (r < n && h[r] > h[m])
			m = r;
		if (m == i)
			return;
		double t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_push(double *h, size_t *n, double v)
{
	size_t i = (*n)++;

	h[i] = v;
	while (i > 0 && h[(i - 1) / 2] < h[i]) {
		double t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* Keeps only the candidates still within reach of the threshold; gives
 * up (overflow) when that frees less than half the room, so compaction
 * costs at most twice the candidates taken. */
static void compact(struct cands *c)
{
	double thr = c->heap[0] + 2 * c->tol;
	size_t m = 0;

	for (size_t j = 0; j < c->count; j++)
		if (c->a[j] <= thr) {
			c->a[m] = c->a[j];
			c->i[m++] = c->i[j];
		}
	c->count = m;
	if (c->limit < 2 * m)
		c->limit = 2 * m;
	if (c->limit > c->cap)
		c->limit = c->cap;
	if (m > c->cap / 2)
		c->overflow = 1;
}

static void take(struct cands *c, double v, size_t j)
{
	c->a[c->count] = v;
	c->i[c->count++] = (uint32_t)j;
	if (c->count == c->limit)
		compact(c);
}

/* Whether any of a[0..8) is at most thr; branch-free, so it vectorizes. */
static int any_within(const double *a, double thr)
{
	int any = 0;

	for (int t = 0; t < 8; t++)
		any |= a[t] <= thr;
	return any;
}

/* Takes in reference rows j0..j0+m given |y|^2 - 2 x.y in a[]: the
 * approximate squared distance less |x|^2, the same for every reference
 * row, so it is never added. Most rows fall beyond the threshold: they
 * are passed over eight at a time. */
static void offer(struct cands *c, size_t want, const double *a, size_t m,
    size_t j0)
{
	size_t j = 0;
	double thr;

	for (; j < m && c->nheap < want && !c->overflow; j++) {
		heap_push(c->heap, &c->nheap, a[j]);
		take(c, a[j], j0 + j);
	}
	thr = c->heap[0] + 2 * c->tol;
	while (j < m && !c->overflow) {
		if (j + 8 <= m && !any_within(a + j, thr)) {
			j += 8;
			continue;
		}
		for (size_t e = j + 8 < m ? j + 8 : m; j < e; j++) {
			if (a[j] > thr)
				continue;
			if (a[j] < c->heap[0]) {
				c->heap[0] = a[j];
				heap_sift_down(c->heap, c->nheap, 0);
				thr = c->heap[0] + 2 * c->tol;
			}
			take(c, a[j], j0 + j);
		}
	}
}

/* Whether (d1, i1) comes before (d2, i2). */
static int before(double d1, size_t i1, double d2, size_t i2)
{
	return d1 < d2 || (d1 == d2 && i1 < i2);
}

/* The want nearest so far, by (exact squared distance, index). */
struct best {
	double *d;
	size_t *i;
	size_t n, want;
};

/* Ranks reference row ri at exact squared distance e among the best. */
static void rank(struct best *b, double e, size_t ri)
{
	size_t p;

	if (b->n == b->want && !before(e, ri, b->d[b->want - 1],
	    b->i[b->want - 1]))
		return;
	p = b->n < b->want ? b->n++ : b->want - 1;
	for (; p > 0 && before(e, ri, b->d[p - 1], b->i[p - 1]); p--) {
		b->d[p] = b->d[p - 1];
		b->i[p] = b->i[p - 1];
	}
	b->d[p] = e;
	b->i[p] = ri;
}

/* Ranks the candidates of row x by exact squared distance, or every
 * reference row when they overflowed or dgemm could not be used (direct),
 * then writes k distances and indices by the self-exclusion rule. */
static void finish(const struct ad_neighbors *nb, const double *x,
    const struct cands *c, int direct, size_t k, struct work *w,
    double *dist, size_t *idx)
{
	struct best b = { w->best_d, w->best_i, 0, k + 1 };
	size_t skip;

	if (direct || c->overflow) {
		for (size_t j = 0; j < nb->n; j++)
			rank(&b, sqdist(x, nb->x + j * nb->d, nb->d), j);
	} else {
		for (size_t j = 0; j < c->count; j++)
			rank(&b, sqdist(x, nb->x + (size_t)c->i[j] * nb->d,
			    nb->d), c->i[j]);
	}
	skip = b.d[0] == 0 ? 1 : 0;
	for (size_t j = 0; j < k; j++) {
		dist[j] = sqrt(b.d[j + skip]);
		idx[j] = b.i[j + skip];
	}
}

enum row_kind { ROW_FINITE, ROW_NAN, ROW_DIRECT };

static enum row_kind classify(const double *x, size_t d, double *xx)
{
	int inf = 0;

	*xx = NAN;
	for (size_t f = 0; f < d; f++) {
		if (isnan(x[f]))
			return ROW_NAN;
		if (isinf(x[f]))
			inf = 1;
	}
	*xx = sqnorm(x, d);
	return inf || !isfinite(*xx) ? ROW_DIRECT : ROW_FINITE;
}

static struct cands row_cands(const struct ad_neighbors *nb, size_t k,
    struct work *w, size_t r, double xx)
{
	struct cands c;
	size_t lim = 4 * (k + 1) > 64 ? 4 * (k + 1) : 64;

	c.cap = cand_room(nb, k);
	c.heap = w->heap + r * (k + 1);
	c.nheap = 0;
	c.a = w->a + r * c.cap;
	c.i = w->ci + r * c.cap;
	c.count = 0;
	c.limit = lim < c.cap ? lim : c.cap;
	c.overflow = 0;
	c.tol = (4.0 * (double)nb->d + 16) * DBL_EPSILON * (xx + nb->maxyy);
	return c;
}

void ad_neighbors_query(const struct ad_neighbors *nb, size_t k,
    const double *x, size_t nq, size_t ld, void *work, const double **rdist,
    const size_t **ridx)
{
	struct work w = carve(nb, k, work);
	struct cands c[AD_NEIGHBORS_BLOCK];
	enum row_kind kind[AD_NEIGHBORS_BLOCK];
	size_t T = tile_rows(nb), *idx = w.idx;
	double *dist = w.dist;

	*rdist = dist;
	*ridx = idx;
	if (nq == 0)
		return;
	for (size_t r = 0; r < nq; r++) {
		kind[r] = classify(x + r * ld, nb->d, &w.xx[r]);
		c[r] = row_cands(nb, k, &w, r, w.xx[r]);
	}
	for (size_t j0 = 0; j0 < nb->n; j0 += T) {
		size_t m = nb->n - j0 < T ? nb->n - j0 : T;
		/* tile = yy - 2 x.y: dgemm adds to the norms (beta 1) */
		for (size_t r = 0; r < nq; r++)
			memcpy(w.tile + r * m, nb->yy + j0, m * sizeof *w.tile);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq,
		    (int)m, (int)nb->d, -2.0, x, (int)ld, nb->x + j0 * nb->d,
		    (int)nb->d, 1.0, w.tile, (int)m);
		for (size_t r = 0; r < nq; r++) {
			if (kind[r] == ROW_FINITE)
				offer(&c[r], k + 1, w.tile + r * m, m, j0);
		}
	}
	for (size_t r = 0; r < nq; r++) {
		if (kind[r] == ROW_NAN) {
			for (size_t j = 0; j < k; j++) {
				dist[r * k + j] = NAN;
				idx[r * k + j] = 0;
			}
		} else {
			finish(nb, x + r * ld, &c[r], kind[r] == ROW_DIRECT, k,
			    &w, dist + r * k, idx + r * k);
		}
	}
}

void ad_neighbors_explain(const struct ad_neighbors *nb, size_t k,
    const double *x, void *work, double *contrib)
{
	const double *dist;
	const size_t *idx;

	ad_neighbors_query(nb, k, x, 1, nb->d, work, &dist, &idx);
	for (size_t f = 0; f < nb->d; f++) {
		double s = 0;
		for (size_t j = 0; j < k; j++) {
			double t = x[f] - nb->x[idx[j] * nb->d + f];
			s += t * t;
		}
		contrib[f] = isnan(dist[0]) ? NAN : s / (double)k;
	}
}

void ad_neighbors_clip(double *v, size_t n, double nan_as)
{
	for (size_t i = 0; i < n; i++)
		v[i] = isnan(v[i]) ? nan_as : v[i] > DBL_MAX ? DBL_MAX : v[i];
}

/* ---- the payload ---- */

size_t ad_neighbors_encoded_size(const struct ad_neighbors *nb)
{
	return 4 + 8 * nb->n * nb->d;
}

unsigned char *ad_neighbors_encode(const struct ad_neighbors *nb,
    unsigned char *p)
{
	p = ad_wire_put_u32(p, (uint32_t)nb->n);
	for (size_t i = 0; i < nb->n * nb->d; i++)
		p = ad_wire_put_f64(p, nb->x[i]);
	return p;
}

enum ad_status ad_neighbors_decode(struct ad_wire *w, size_t nfeat,
    const char *name, struct ad_neighbors **out, struct ad_error *err)
{
	struct ad_neighbors *nb;
	const char *bad;
	enum ad_status st;
	uint32_t n;

	if (ad_wire_get_u32(w, &n))
		return ad_wire_corrupt(err, name, "truncated reference sample");
	if (n < 1 || n > AD_NEIGHBORS_MAX_ROWS || nfeat < 1)
		return ad_wire_corrupt(err, name, "reference row count out of "
		    "range");
	if (w->left / 8 / nfeat < n)   /* n * nfeat * 8 > left */
		return ad_wire_corrupt(err, name, "truncated reference sample");
	if ((st = alloc_ref(n, nfeat, &nb, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < (size_t)n * nfeat; i++)
		(void)ad_wire_get_f64(w, &nb->x[i]);   /* in range: checked above */
	if ((bad = check_rows(nb)) != NULL) {
		ad_neighbors_free(nb);
		return ad_wire_corrupt(err, name, bad);
	}
	ad_autoenc_blas_init();
	*out = nb;
	return AD_OK;
}
