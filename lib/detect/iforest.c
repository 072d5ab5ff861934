/*
 * Isolation Forest and Extended Isolation Forest: growing, scoring,
 * explaining, and the trees' part of the model file. See iforest.h.
 *
 * Scoring is the hot loop. Each node is 16 bytes: a feature (or the start
 * of its hyperplane's coefficients), the index of its left child (the right
 * one follows it) and a threshold. A leaf points to itself with threshold
 * +inf, so a walk of exactly `depth` steps ends on the row's leaf with no
 * branch to mispredict, and eight rows walk side by side to overlap their
 * memory loads. Rows missing a value take the slower weighted walk.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "iforest.h"
#include "rng.h"

#define LEAF 0xFFFFFFFFu

/* Deepest a tree can be: ceil(log2(AD_IFOREST_MAX_SAMPLE)). */
#define MAX_DEPTH 20

/* Rows scored together, tree after tree, so that a tree stays in cache. */
#define CHUNK 128

struct node {
	uint32_t feat;   /* IF: split feature; EIF: first coefficient in the
	                    pool; leaf: 0 */
	uint32_t left;   /* left child, the right one is left + 1; leaf: itself */
	double thr;      /* IF: left when x[feat] <= thr; EIF: left when the
	                    dot product x.n < thr (= p.n); leaf: +inf */
};

struct tree {
	uint32_t psi;        /* training rows the tree was grown on */
	uint32_t nnodes;
	uint32_t depth;      /* depth of the deepest leaf */
	size_t cap;          /* nodes allocated */
	struct node *node;
	uint32_t *count;     /* training rows that reached each node */
	uint32_t *ncoef;     /* EIF: coefficients of each node, 0 for a leaf */
	double *val;         /* leaf: (depth + c(count)) / c(psi); else 0 */
	double cpsi;         /* c(psi), to turn val back into a path length */
	/* EIF: the hyperplanes' coefficients, ncoef[i] from node[i].feat on */
	uint32_t *cfeat;     /* feature of each coefficient */
	double *coef;        /* the normal vector's component */
	double *point;       /* the intercept point's component */
	size_t ncoefs, capcoefs;
};

struct ad_iforest {
	struct ad_iforest_params p;
	struct tree *trees;  /* p.ntrees */
};

/* ---- helpers ---- */

double ad_iforest_c(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return 1;
	/* 2 H(n - 1) - 2 (n - 1) / n, with H(i) ~ ln(i) + Euler's constant */
	return 2 * (log(n - 1) + 0.5772156649015329) - 2 * (n - 1) / n;
}

/* ceil(log2(psi)): the depth at which every node becomes a leaf. */
static uint32_t depth_limit(size_t psi)
{
	uint32_t l = 0;

	while (((size_t)1 << l) < psi)
		l++;
	return l;
}

static int is_leaf(const struct tree *t, uint32_t i)
{
	return t->node[i].left == i;
}

static void tree_clear(struct tree *t)
{
	ad_free(t->node);
	ad_free(t->count);
	ad_free(t->ncoef);
	ad_free(t->val);
	ad_free(t->cfeat);
	ad_free(t->coef);
	ad_free(t->point);
	memset(t, 0, sizeof *t);
}

/* Makes room for need nodes in every per-node array. */
static int reserve_nodes(struct tree *t, size_t need, int eif)
{
	size_t cap = t->cap ? t->cap : 16;
	void *p;

	if (need <= t->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if ((p = ad_realloc(t->node, cap * sizeof *t->node)) == NULL)
		return -1;
	t->node = p;
	if ((p = ad_realloc(t->count, cap * sizeof *t->count)) == NULL)
		return -1;
	t->count = p;
	if ((p = ad_realloc(t->val, cap * sizeof *t->val)) == NULL)
		return -1;
	t->val = p;
	if (eif) {
		if ((p = ad_realloc(t->ncoef, cap * sizeof *t->ncoef)) == NULL)
			return -1;
		t->ncoef = p;
	}
	t->cap = cap;
	return 0;
}

/* Makes room for need coefficients. */
static int reserve_coefs(struct tree *t, size_t need)
{
	size_t cap = t->capcoefs ? t->capcoefs : 64;
	void *p;

	if (need <= t->capcoefs)
		return 0;
	while (cap < need)
		cap *= 2;
	if ((p = ad_realloc(t->cfeat, cap * sizeof *t->cfeat)) == NULL)
		return -1;
	t->cfeat = p;
	if ((p = ad_realloc(t->coef, cap * sizeof *t->coef)) == NULL)
		return -1;
	t->coef = p;
	if ((p = ad_realloc(t->point, cap * sizeof *t->point)) == NULL)
		return -1;
	t->point = p;
	t->capcoefs = cap;
	return 0;
}

static void set_leaf(struct tree *t, uint32_t i)
{
	t->node[i].feat = 0;
	t->node[i].left = i;
	t->node[i].thr = INFINITY;
	if (t->ncoef != NULL)
		t->ncoef[i] = 0;
}

/* The dot product of row x with the hyperplane normal of node i. */
static double dot(const struct tree *t, uint32_t i, const double *x)
{
	const uint32_t *f = t->cfeat + t->node[i].feat;
	const double *c = t->coef + t->node[i].feat;
	double s = 0;

	for (uint32_t k = 0; k < t->ncoef[i]; k++)
		s += c[k] * x[f[k]];
	return s;
}

/* Whether row x misses a value that node i's split needs. */
static int misses(const struct tree *t, uint32_t i, const double *x)
{
	if (t->ncoef == NULL)
		return isnan(x[t->node[i].feat]);
	for (uint32_t k = 0; k < t->ncoef[i]; k++)
		if (isnan(x[t->cfeat[t->node[i].feat + k]]))
			return 1;
	return 0;
}

/* The child of internal node i that a row x with no missing value takes. */
static uint32_t child(const struct tree *t, uint32_t i, const double *x)
{
	const struct node *n = &t->node[i];

	if (t->ncoef == NULL)
		return n->left + (x[n->feat] > n->thr);
	return n->left + !(dot(t, i, x) < n->thr);
}

/* Sets val of the leaves and the tree's depth, from counts and structure
 * (nodes are breadth-first, so a parent comes before its children). */
static int finish_tree(struct tree *t)
{
	uint32_t *depth = ad_malloc(t->nnodes * sizeof *depth);

	if (depth == NULL)
		return -1;
	depth[0] = 0;
	t->depth = 0;
	t->cpsi = ad_iforest_c(t->psi);
	for (uint32_t i = 0; i < t->nnodes; i++) {
		if (!is_leaf(t, i)) {
			depth[t->node[i].left] = depth[i] + 1;
			depth[t->node[i].left + 1] = depth[i] + 1;
			t->val[i] = 0;
			continue;
		}
		if (depth[i] > t->depth)
			t->depth = depth[i];
		t->val[i] = (depth[i] + ad_iforest_c(t->count[i])) / t->cpsi;
	}
	ad_free(depth);
	return 0;
}

/* ---- the forest ---- */

enum ad_status ad_iforest_new(struct ad_iforest **f,
    const struct ad_iforest_params *p, struct ad_error *err)
{
	struct ad_iforest *n = ad_calloc(1, sizeof *n);

	if (n == NULL)
		return ad_error_nomem(err);
	n->p = *p;
	if ((n->trees = ad_calloc(p->ntrees ? p->ntrees : 1,
	    sizeof *n->trees)) == NULL) {
		ad_free(n);
		return ad_error_nomem(err);
	}
	*f = n;
	return AD_OK;
}

void ad_iforest_free(struct ad_iforest *f)
{
	if (f == NULL)
		return;
	for (size_t t = 0; t < f->p.ntrees; t++)
		tree_clear(&f->trees[t]);
	ad_free(f->trees);
	ad_free(f);
}

const struct ad_iforest_params *ad_iforest_params(const struct ad_iforest *f)
{
	return &f->p;
}

size_t ad_iforest_nodes(const struct ad_iforest *f)
{
	size_t n = 0;

	for (size_t t = 0; t < f->p.ntrees; t++)
		n += f->trees[t].nnodes;
	return n;
}

/* ---- growing a tree ---- */

/* Scratch space for growing one tree. */
struct grow {
	const double *x;     /* the sample, row-major */
	size_t d;            /* features per row */
	uint32_t limit;      /* depth limit */
	uint32_t *idx;       /* sample rows; a node's are idx[lo[i]..hi[i]) */
	unsigned char *side; /* per position in idx: 0 left, 1 right, 2 missing */
	uint32_t *lo, *hi, *dep; /* per node: row range and depth */
	size_t capn;
	double *min, *max;   /* per feature, over the node's present values */
	uint32_t *vary;      /* features whose values differ in the node */
	struct ad_rng *rng;
};

static void grow_free(struct grow *g)
{
	ad_free(g->idx);
	ad_free(g->side);
	ad_free(g->lo);
	ad_free(g->hi);
	ad_free(g->dep);
	ad_free(g->min);
	ad_free(g->max);
	ad_free(g->vary);
}

static int grow_init(struct grow *g, const double *x, size_t psi, size_t d)
{
	memset(g, 0, sizeof *g);
	g->x = x;
	g->d = d;
	g->idx = ad_malloc(psi * sizeof *g->idx);
	g->side = ad_malloc(psi);
	g->min = ad_malloc(d * sizeof *g->min);
	g->max = ad_malloc(d * sizeof *g->max);
	g->vary = ad_malloc(d * sizeof *g->vary);
	if (g->idx == NULL || g->side == NULL || g->min == NULL ||
	    g->max == NULL || g->vary == NULL)
		return -1;
	for (size_t i = 0; i < psi; i++)
		g->idx[i] = (uint32_t)i;
	return 0;
}

/* Appends a node for rows idx[lo..hi) at depth dep. */
static int add_node(struct tree *t, struct grow *g, int eif, uint32_t lo,
    uint32_t hi, uint32_t dep)
{
	uint32_t i = t->nnodes;

	if (reserve_nodes(t, (size_t)i + 1, eif) != 0)
		return -1;
	if (i + 1 > g->capn) {
		size_t cap = g->capn ? g->capn * 2 : 64;
		void *p;
		if ((p = ad_realloc(g->lo, cap * sizeof *g->lo)) == NULL)
			return -1;
		g->lo = p;
		if ((p = ad_realloc(g->hi, cap * sizeof *g->hi)) == NULL)
			return -1;
		g->hi = p;
		if ((p = ad_realloc(g->dep, cap * sizeof *g->dep)) == NULL)
			return -1;
		g->dep = p;
		g->capn = cap;
	}
	g->lo[i] = lo;
	g->hi[i] = hi;
	g->dep[i] = dep;
	t->count[i] = hi - lo;
	set_leaf(t, i);
	t->nnodes++;
	return 0;
}

/* Finds the present range of every feature over the node's rows and lists
 * the features that vary; returns how many do. */
static size_t find_varying(struct grow *g, uint32_t lo, uint32_t hi)
{
	size_t nv = 0;

	for (size_t f = 0; f < g->d; f++) {
		g->min[f] = INFINITY;
		g->max[f] = -INFINITY;
	}
	for (uint32_t r = lo; r < hi; r++) {
		const double *row = g->x + (size_t)g->idx[r] * g->d;
		for (size_t f = 0; f < g->d; f++) {
			double v = row[f];
			/* NaN fails both tests and is skipped */
			if (v < g->min[f])
				g->min[f] = v;
			if (v > g->max[f])
				g->max[f] = v;
		}
	}
	for (size_t f = 0; f < g->d; f++)
		if (g->min[f] < g->max[f])
			g->vary[nv++] = (uint32_t)f;
	return nv;
}

/* A uniform value in [lo, hi) as scikit-learn draws it, lo + (hi - lo) u,
 * kept inside the interval when the difference overflows or rounds up. */
static double uniform_in(struct ad_rng *rng, double lo, double hi)
{
	double u = ad_rng_uniform(rng), span = hi - lo, v;

	v = isfinite(span) ? lo + span * u : lo * (1 - u) + hi * u;
	return v >= lo && v < hi ? v : lo;
}

/* Sends the rows of a missing value left or right at random, in proportion
 * to the present rows that went each way, then partitions idx[lo..hi) into
 * left and right; returns the first right position. */
static uint32_t partition(struct grow *g, uint32_t lo, uint32_t hi)
{
	uint32_t nl = 0, nr = 0, a, b;
	double pleft;

	for (uint32_t r = lo; r < hi; r++) {
		nl += g->side[r] == 0;
		nr += g->side[r] == 1;
	}
	pleft = nl + nr > 0 ? (double)nl / (nl + nr) : 0.5;
	for (uint32_t r = lo; r < hi; r++)
		if (g->side[r] == 2)
			g->side[r] = ad_rng_uniform(g->rng) < pleft ? 0 : 1;
	a = lo;
	b = hi;
	while (a < b) {
		if (g->side[a] == 0) {
			a++;
		} else {
			uint32_t ti = g->idx[a];
			unsigned char ts = g->side[a];
			b--;
			g->idx[a] = g->idx[b];
			g->side[a] = g->side[b];
			g->idx[b] = ti;
			g->side[b] = ts;
		}
	}
	return a;
}

/* Isolation Forest: a random varying feature, a uniform threshold. */
static void split_axis(struct tree *t, struct grow *g, uint32_t i, size_t nv)
{
	uint32_t f = g->vary[ad_rng_below(g->rng, nv)];
	double thr = uniform_in(g->rng, g->min[f], g->max[f]);

	for (uint32_t r = g->lo[i]; r < g->hi[i]; r++) {
		double v = g->x[(size_t)g->idx[r] * g->d + f];
		g->side[r] = isnan(v) ? 2 : v <= thr ? 0 : 1;
	}
	t->node[i].feat = f;
	t->node[i].thr = thr;
}

/* Extended Isolation Forest: a hyperplane through a uniform point of the
 * bounding box, its normal N(0, 1) on k features drawn among the varying
 * ones. */
static int split_plane(struct tree *t, struct grow *g, uint32_t i, size_t nv,
    size_t ext)
{
	size_t k = ext + 1 < nv ? ext + 1 : nv, off = t->ncoefs;
	double b = 0;

	if (reserve_coefs(t, off + k) != 0)
		return -1;
	for (size_t j = 0; j < k; j++) {      /* partial Fisher-Yates */
		size_t pick = j + (size_t)ad_rng_below(g->rng, nv - j);
		uint32_t f = g->vary[pick];
		double lo = g->min[f] < -DBL_MAX ? -DBL_MAX : g->min[f];
		double hi = g->max[f] > DBL_MAX ? DBL_MAX : g->max[f];

		g->vary[pick] = g->vary[j];
		g->vary[j] = f;
		t->cfeat[off + j] = f;
		t->coef[off + j] = ad_rng_normal(g->rng);
		t->point[off + j] = lo < hi ? uniform_in(g->rng, lo, hi) : lo;
	}
	for (size_t j = 0; j < k; j++)
		b += t->coef[off + j] * t->point[off + j];
	t->node[i].feat = (uint32_t)off;
	t->node[i].thr = b;
	t->ncoef[i] = (uint32_t)k;
	t->ncoefs = off + k;
	for (uint32_t r = g->lo[i]; r < g->hi[i]; r++) {
		const double *row = g->x + (size_t)g->idx[r] * g->d;
		g->side[r] = misses(t, i, row) ? 2 : !(dot(t, i, row) < b);
	}
	return 0;
}

enum ad_status ad_iforest_build(struct ad_iforest *f, size_t ti,
    const double *sample, size_t psi, struct ad_rng *rng,
    struct ad_error *err)
{
	struct tree *t = &f->trees[ti];
	int eif = f->p.kind == AD_IFOREST_EIF;
	struct grow g;
	enum ad_status st = AD_OK;

	tree_clear(t);
	if (psi < 2 || psi > f->p.sample_size)
		return ad_error_set(err, AD_EDATA, "a tree needs from 2 to %zu "
		    "rows, not %zu", f->p.sample_size, psi);
	t->psi = (uint32_t)psi;
	if (grow_init(&g, sample, psi, f->p.nfeat) != 0 ||
	    add_node(t, &g, eif, 0, (uint32_t)psi, 0) != 0)
		goto nomem;
	g.rng = rng;
	g.limit = depth_limit(psi);
	for (uint32_t i = 0; i < t->nnodes; i++) {
		uint32_t lo = g.lo[i], hi = g.hi[i], mid, left;
		size_t nv;

		if (g.dep[i] >= g.limit || hi - lo < 2 ||
		    (nv = find_varying(&g, lo, hi)) == 0)
			continue;                       /* stays a leaf */
		if (!eif)
			split_axis(t, &g, i, nv);
		else if (split_plane(t, &g, i, nv, f->p.ext_level) != 0)
			goto nomem;
		mid = partition(&g, lo, hi);
		left = t->nnodes;
		if (add_node(t, &g, eif, lo, mid, g.dep[i] + 1) != 0 ||
		    add_node(t, &g, eif, mid, hi, g.dep[i] + 1) != 0)
			goto nomem;
		t->node[i].left = left;
	}
	if (finish_tree(t) != 0)
		goto nomem;
	goto out;
nomem:
	tree_clear(t);
	st = ad_error_nomem(err);
out:
	grow_free(&g);
	return st;
}

/* ---- scoring ---- */

/* Rows of a group: their node indices stay in registers for the whole
 * walk, so a step is three loads (the node's feature and child, its
 * threshold, the row's value) instead of also reloading and storing the
 * index, and the group's rows are independent chains the processor runs
 * side by side. */
#define GROUP 8

/* Walks GROUP rows at x (row k at x + k * ld) from the root to their
 * leaves and adds their normalized path lengths to acc. */
static void walk_group(const struct tree *t, const double *x, size_t ld,
    double *acc)
{
	const struct node *nd = t->node;
	const double *xr[GROUP];
	uint32_t idx[GROUP];

#pragma GCC unroll 8
	for (size_t k = 0; k < GROUP; k++) {
		xr[k] = x + k * ld;
		idx[k] = nd[0].left + (xr[k][nd[0].feat] > nd[0].thr);
	}
	for (uint32_t s = 1; s < t->depth; s++) {
#pragma GCC unroll 8
		for (size_t k = 0; k < GROUP; k++) {
			const struct node *n = &nd[idx[k]];
			idx[k] = n->left + (xr[k][n->feat] > n->thr);
		}
	}
#pragma GCC unroll 8
	for (size_t k = 0; k < GROUP; k++)
		acc[k] += t->val[idx[k]];
}

/* Adds each row's normalized path length in an axis-parallel tree to
 * acc: GROUP rows at a time, then the rest level by level. After `depth`
 * levels every row sits on its leaf (a leaf is its own child). */
static void walk_axis(const struct tree *t, const double *x, size_t m,
    size_t ld, double *acc)
{
	const struct node *nd = t->node, root = nd[0];
	uint32_t idx[CHUNK];
	size_t r0 = 0;

	for (; r0 + GROUP <= m; r0 += GROUP)
		walk_group(t, x + r0 * ld, ld, acc + r0);
	for (size_t r = r0; r < m; r++)
		idx[r] = root.left + (x[r * ld + root.feat] > root.thr);
	for (uint32_t s = 1; s < t->depth; s++)
		for (size_t r = r0; r < m; r++) {
			const struct node *n = &nd[idx[r]];
			idx[r] = n->left + (x[r * ld + n->feat] > n->thr);
		}
	for (size_t r = r0; r < m; r++)
		acc[r] += t->val[idx[r]];
}

/* The same for a hyperplane tree. A leaf has no coefficients, so its dot
 * product is 0, below its +inf threshold, and the row stays put. */
static void walk_plane(const struct tree *t, const double *x, size_t m,
    size_t ld, double *acc)
{
	uint32_t idx[CHUNK];

	memset(idx, 0, m * sizeof *idx);
	for (uint32_t s = 0; s < t->depth; s++)
		for (size_t r = 0; r < m; r++) {
			uint32_t i = idx[r];
			idx[r] = t->node[i].left +
			    !(dot(t, i, x + r * ld) < t->node[i].thr);
		}
	for (size_t r = 0; r < m; r++)
		acc[r] += t->val[idx[r]];
}

/* The normalized path length of row x from node i, following both branches
 * where x misses a value, weighted by the training rows of each. */
static double walk_missing(const struct tree *t, uint32_t i, const double *x)
{
	while (!is_leaf(t, i)) {
		uint32_t l = t->node[i].left;
		double share;

		if (!misses(t, i, x)) {
			i = child(t, i, x);
			continue;
		}
		share = (double)t->count[l] / t->count[i];
		return share * walk_missing(t, l, x) +
		    (1 - share) * walk_missing(t, l + 1, x);
	}
	return t->val[i];
}

double ad_iforest_path(const struct ad_iforest *f, size_t t, const double *x)
{
	return walk_missing(&f->trees[t], 0, x) * f->trees[t].cpsi;
}

static int has_missing(const double *x, size_t d)
{
	for (size_t f = 0; f < d; f++)
		if (isnan(x[f]))
			return 1;
	return 0;
}

void ad_iforest_score(const struct ad_iforest *f, const double *x, size_t n,
    size_t ld, double *score)
{
	double acc[CHUNK];
	size_t d = f->p.nfeat, nt = f->p.ntrees;

	for (size_t r0 = 0; r0 < n; r0 += CHUNK) {
		size_t m = n - r0 < CHUNK ? n - r0 : CHUNK;
		const double *xc = x + r0 * ld;

		memset(acc, 0, m * sizeof *acc);
		for (size_t t = 0; t < nt; t++) {
			if (f->p.kind == AD_IFOREST_IF)
				walk_axis(&f->trees[t], xc, m, ld, acc);
			else
				walk_plane(&f->trees[t], xc, m, ld, acc);
		}
		/* rows missing a value were walked with NaN, which stays in
		 * bounds but proves nothing: walk them again properly */
		for (size_t r = 0; r < m; r++) {
			if (!has_missing(xc + r * ld, d))
				continue;
			acc[r] = 0;
			for (size_t t = 0; t < nt; t++)
				acc[r] += walk_missing(&f->trees[t], 0,
				    xc + r * ld);
		}
		for (size_t r = 0; r < m; r++)
			score[r0 + r] = exp2(-acc[r] / (double)nt);
	}
}

/* ---- explaining ---- */

struct explain {
	const struct tree *t;
	const double *x;
	double *contrib;
	uint32_t path[MAX_DEPTH + 1]; /* split nodes above, LEAF: x missed */
};

/* Credits each split on the path to leaf i with weight w / h. */
static void credit(struct explain *e, uint32_t depth, double w, double h)
{
	const struct tree *t = e->t;

	for (uint32_t k = 0; k < depth; k++) {
		uint32_t i = e->path[k];
		double sum = 0;

		if (i == LEAF)
			continue;
		if (t->ncoef == NULL) {
			e->contrib[t->node[i].feat] += w / h;
			continue;
		}
		for (uint32_t c = 0; c < t->ncoef[i]; c++) {
			uint32_t j = t->node[i].feat + c;
			sum += fabs(t->coef[j] * (e->x[t->cfeat[j]] - t->point[j]));
		}
		for (uint32_t c = 0; c < t->ncoef[i]; c++) {
			uint32_t j = t->node[i].feat + c;
			double part = sum > 0 && isfinite(sum) ? fabs(t->coef[j] *
			    (e->x[t->cfeat[j]] - t->point[j])) / sum :
			    1.0 / t->ncoef[i];
			e->contrib[t->cfeat[j]] += w * part / h;
		}
	}
}

static void explain_from(struct explain *e, uint32_t i, uint32_t depth,
    double w)
{
	const struct tree *t = e->t;

	while (!is_leaf(t, i)) {
		uint32_t l = t->node[i].left;
		double share;

		if (!misses(t, i, e->x)) {
			e->path[depth++] = i;
			i = child(t, i, e->x);
			continue;
		}
		share = (double)t->count[l] / t->count[i];
		e->path[depth] = LEAF;
		explain_from(e, l, depth + 1, w * share);
		explain_from(e, l + 1, depth + 1, w * (1 - share));
		return;
	}
	if (depth > 0 && w > 0)
		credit(e, depth, w, t->val[i] * t->cpsi);
}

void ad_iforest_explain(const struct ad_iforest *f, const double *x,
    double *contrib)
{
	struct explain e;

	memset(contrib, 0, f->p.nfeat * sizeof *contrib);
	e.x = x;
	e.contrib = contrib;
	for (size_t t = 0; t < f->p.ntrees; t++) {
		e.t = &f->trees[t];
		explain_from(&e, 0, 0, 1);
	}
}

/* ---- encoding ---- */

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 4;
}

static unsigned char *put_f64(unsigned char *p, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
	return p + 8;
}

static size_t node_size(const struct tree *t, uint32_t i)
{
	if (is_leaf(t, i))
		return 8;
	return t->ncoef == NULL ? 20 : 12 + 20 * (size_t)t->ncoef[i];
}

size_t ad_iforest_encoded_size(const struct ad_iforest *f)
{
	size_t n = 4;

	for (size_t ti = 0; ti < f->p.ntrees; ti++) {
		const struct tree *t = &f->trees[ti];
		n += 8;
		for (uint32_t i = 0; i < t->nnodes; i++)
			n += node_size(t, i);
	}
	return n;
}

void ad_iforest_encode(const struct ad_iforest *f, unsigned char *p)
{
	p = put_u32(p, (uint32_t)f->p.ntrees);
	for (size_t ti = 0; ti < f->p.ntrees; ti++) {
		const struct tree *t = &f->trees[ti];

		p = put_u32(p, t->psi);
		p = put_u32(p, t->nnodes);
		for (uint32_t i = 0; i < t->nnodes; i++) {
			const struct node *n = &t->node[i];

			p = put_u32(p, t->count[i]);
			if (is_leaf(t, i)) {
				p = put_u32(p, LEAF);
				continue;
			}
			p = put_u32(p, t->ncoef ? t->ncoef[i] : n->feat);
			p = put_u32(p, n->left);
			if (t->ncoef == NULL) {
				p = put_f64(p, n->thr);
				continue;
			}
			for (uint32_t c = 0; c < t->ncoef[i]; c++) {
				p = put_u32(p, t->cfeat[n->feat + c]);
				p = put_f64(p, t->coef[n->feat + c]);
				p = put_f64(p, t->point[n->feat + c]);
			}
		}
	}
}

/* ---- decoding ---- */

struct cursor {
	const unsigned char *p;
	size_t len, pos;
};

static int get_u32(struct cursor *c, uint32_t *v)
{
	if (c->len - c->pos < 4)
		return -1;
	*v = 0;
	for (int i = 0; i < 4; i++)
		*v |= (uint32_t)c->p[c->pos + i] << (8 * i);
	c->pos += 4;
	return 0;
}

static int get_f64(struct cursor *c, double *v)
{
	uint64_t u = 0;

	if (c->len - c->pos < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)c->p[c->pos + i] << (8 * i);
	memcpy(v, &u, 8);
	c->pos += 8;
	return 0;
}

struct decoder {
	struct cursor c;
	const struct ad_iforest_params *par;
	const char *name;
	struct ad_error *err;
	size_t tree;                 /* for messages */
};

static enum ad_status bad(struct decoder *d, uint32_t node, const char *what)
{
	if (node == LEAF)
		return ad_error_at(d->err, AD_EDATA, d->name, 0, 0,
		    "corrupt model: tree %zu: %s", d->tree + 1, what);
	return ad_error_at(d->err, AD_EDATA, d->name, 0, 0,
	    "corrupt model: tree %zu, node %lu: %s", d->tree + 1,
	    (unsigned long)node + 1, what);
}

/* Reads the hyperplane of node i: k (feature, coefficient, point) triples. */
static enum ad_status read_plane(struct decoder *d, struct tree *t,
    uint32_t i, uint32_t k)
{
	size_t off = t->ncoefs;

	if (k == 0 || k > d->par->nfeat)
		return bad(d, i, "hyperplane size out of range");
	if ((d->c.len - d->c.pos) / 20 < k)
		return bad(d, i, "truncated");
	if (reserve_coefs(t, off + k) != 0)
		return ad_error_nomem(d->err);
	for (uint32_t c = 0; c < k; c++) {
		uint32_t f = 0;
		get_u32(&d->c, &f);
		get_f64(&d->c, &t->coef[off + c]);
		get_f64(&d->c, &t->point[off + c]);
		if (f >= d->par->nfeat)
			return bad(d, i, "feature index out of range");
		if (!isfinite(t->coef[off + c]) || !isfinite(t->point[off + c]))
			return bad(d, i, "hyperplane value not finite");
		t->cfeat[off + c] = f;
	}
	t->node[i].feat = (uint32_t)off;
	t->ncoef[i] = k;
	t->ncoefs = off + k;
	t->node[i].thr = 0;
	for (uint32_t c = 0; c < k; c++)      /* the order the builder uses */
		t->node[i].thr += t->coef[off + c] * t->point[off + c];
	return AD_OK;
}

/* Reads node i: its count, then leaf or split. next is the index its left
 * child must have: breadth-first order makes every tree canonical. */
static enum ad_status read_node(struct decoder *d, struct tree *t,
    uint32_t i, uint32_t *next, const uint32_t *depth, uint32_t limit)
{
	int eif = d->par->kind == AD_IFOREST_EIF;
	uint32_t split, left;
	enum ad_status st;

	if (get_u32(&d->c, &t->count[i]) != 0 || get_u32(&d->c, &split) != 0)
		return bad(d, i, "truncated");
	set_leaf(t, i);
	if (split == LEAF)
		return AD_OK;
	if (get_u32(&d->c, &left) != 0)
		return bad(d, i, "truncated");
	if (depth[i] >= limit)
		return bad(d, i, "split below the depth limit");
	if (t->count[i] < 2)
		return bad(d, i, "split of fewer than two rows");
	if (left != *next || (uint64_t)left + 2 > t->nnodes)
		return bad(d, i, "child index out of order");
	*next += 2;
	if (!eif) {
		if (split >= d->par->nfeat)
			return bad(d, i, "feature index out of range");
		if (get_f64(&d->c, &t->node[i].thr) != 0)
			return bad(d, i, "truncated");
		if (isnan(t->node[i].thr))
			return bad(d, i, "threshold is NaN");
		t->node[i].feat = split;
	} else if ((st = read_plane(d, t, i, split)) != AD_OK) {
		return st;
	}
	t->node[i].left = left;
	return AD_OK;
}

/* Checks that counts add up: the root has psi rows, children share their
 * parent's, and an axis-parallel child is never empty. */
static enum ad_status check_counts(struct decoder *d, const struct tree *t)
{
	if (t->count[0] != t->psi)
		return bad(d, 0, "root count differs from the sample size");
	for (uint32_t i = 0; i < t->nnodes; i++) {
		uint32_t l = t->node[i].left;

		if (is_leaf(t, i))
			continue;
		if ((uint64_t)t->count[l] + t->count[l + 1] != t->count[i])
			return bad(d, i, "children's counts do not add up");
		if (d->par->kind == AD_IFOREST_IF &&
		    (t->count[l] == 0 || t->count[l + 1] == 0))
			return bad(d, i, "empty child");
	}
	return AD_OK;
}

static enum ad_status read_tree(struct decoder *d, struct tree *t)
{
	int eif = d->par->kind == AD_IFOREST_EIF;
	uint32_t psi, nn, next = 1, limit, *depth = NULL;
	enum ad_status st = AD_OK;

	if (get_u32(&d->c, &psi) != 0 || get_u32(&d->c, &nn) != 0)
		return bad(d, LEAF, "truncated");
	if (psi < 2 || psi > d->par->sample_size)
		return bad(d, LEAF, "sample size out of range");
	limit = depth_limit(psi);
	/* a full tree of depth limit, and 8 bytes per node at least */
	if (nn == 0 || nn > (2u << limit) - 1 ||
	    nn > (d->c.len - d->c.pos) / 8)
		return bad(d, LEAF, "node count out of range");
	t->psi = psi;
	t->nnodes = nn;
	if (reserve_nodes(t, nn, eif) != 0 ||
	    (depth = ad_calloc(nn, sizeof *depth)) == NULL)
		return ad_error_nomem(d->err);
	for (uint32_t i = 0; i < nn && st == AD_OK; i++) {
		st = read_node(d, t, i, &next, depth, limit);
		if (st == AD_OK && !is_leaf(t, i))
			depth[t->node[i].left] = depth[t->node[i].left + 1] =
			    depth[i] + 1;
	}
	if (st == AD_OK && next != nn)
		st = bad(d, LEAF, "nodes without a parent");
	if (st == AD_OK)
		st = check_counts(d, t);
	if (st == AD_OK && finish_tree(t) != 0)
		st = ad_error_nomem(d->err);
	ad_free(depth);
	return st;
}

enum ad_status ad_iforest_decode(const unsigned char *p, size_t len,
    const struct ad_iforest_params *par, const char *name,
    struct ad_iforest **out, struct ad_error *err)
{
	struct decoder d = { { p, len, 0 }, par, name, err, 0 };
	struct ad_iforest *f;
	uint32_t nt;
	enum ad_status st;

	if (get_u32(&d.c, &nt) != 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0,
		    "corrupt model: truncated forest");
	if (nt != par->ntrees)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "%lu trees stored, %zu announced", (unsigned long)nt,
		    par->ntrees);
	if ((st = ad_iforest_new(&f, par, err)) != AD_OK)
		return st;
	for (d.tree = 0; d.tree < nt; d.tree++)
		if ((st = read_tree(&d, &f->trees[d.tree])) != AD_OK) {
			ad_iforest_free(f);
			return st;
		}
	if (d.c.pos != len) {
		ad_iforest_free(f);
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "%zu bytes after the last tree", len - d.c.pos);
	}
	*out = f;
	return AD_OK;
}

/* ---- merging ---- */

/* A copy of n elements of size bytes at src; NULL when n is 0 or memory
 * runs out. */
static void *dup_array(const void *src, size_t n, size_t size)
{
	void *d;

	if (n == 0 || src == NULL)
		return NULL;
	if ((d = ad_malloc(n * size)) != NULL)
		memcpy(d, src, n * size);
	return d;
}

static int tree_copy(struct tree *d, const struct tree *s)
{
	*d = *s;
	d->cap = s->nnodes;
	d->capcoefs = s->ncoefs;
	d->node = dup_array(s->node, s->nnodes, sizeof *s->node);
	d->count = dup_array(s->count, s->nnodes, sizeof *s->count);
	d->val = dup_array(s->val, s->nnodes, sizeof *s->val);
	d->ncoef = dup_array(s->ncoef, s->nnodes, sizeof *s->ncoef);
	d->cfeat = dup_array(s->cfeat, s->ncoefs, sizeof *s->cfeat);
	d->coef = dup_array(s->coef, s->ncoefs, sizeof *s->coef);
	d->point = dup_array(s->point, s->ncoefs, sizeof *s->point);
	if (d->node == NULL || d->count == NULL || d->val == NULL ||
	    (s->ncoef != NULL && d->ncoef == NULL) ||
	    (s->ncoefs > 0 && (d->cfeat == NULL || d->coef == NULL ||
	    d->point == NULL)))
		return -1;
	return 0;
}

enum ad_status ad_iforest_merge(const struct ad_iforest *const *parts,
    size_t n, struct ad_iforest **out, struct ad_error *err)
{
	struct ad_iforest_params p = parts[0]->p;
	struct ad_iforest *f;
	size_t t = 0;
	enum ad_status st;

	p.ntrees = 0;
	for (size_t i = 0; i < n; i++)
		p.ntrees += parts[i]->p.ntrees;
	if (p.ntrees > AD_IFOREST_MAX_TREES)
		return ad_error_set(err, AD_EDATA, "the merged forest would have "
		    "%zu trees, more than %d", p.ntrees, AD_IFOREST_MAX_TREES);
	if ((st = ad_iforest_new(&f, &p, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < parts[i]->p.ntrees; k++, t++)
			if (tree_copy(&f->trees[t], &parts[i]->trees[k]) != 0) {
				ad_iforest_free(f);
				return ad_error_nomem(err);
			}
	*out = f;
	return AD_OK;
}
