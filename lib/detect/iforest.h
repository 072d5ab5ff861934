#ifndef ADKIT_IFOREST_H
#define ADKIT_IFOREST_H
/*
 * Isolation Forest (Liu, Ting and Zhou, 2008, as scikit-learn implements
 * it) and Extended Isolation Forest (Hariri, Carrasco Kind and Brunner,
 * 2018): trees grown on small random subsamples isolate rare points in few
 * splits. A row's score is 2^(-E[h(x)]/c(psi)) in [0, 1], where h(x) is its
 * path length in a tree plus c(n) for the n training rows left in the leaf
 * it reaches, c(n) the average path length of an unsuccessful search in a
 * binary search tree of n keys; higher is more anomalous. Each tree keeps
 * its own psi (the rows it was grown on), so forests merged from shards of
 * different sizes still score on one scale: E[h/c(psi)] over the trees.
 *
 * Isolation Forest splits on a feature drawn uniformly from those that vary
 * in the node's rows, at a threshold uniform in [min, max); rows with
 * x <= threshold go left. Extended Isolation Forest splits by a random
 * hyperplane: extension_level + 1 features drawn among those that vary,
 * normal N(0, 1) coefficients n and a point p uniform in the rows' bounding
 * box; rows with x.n < p.n go left. Extension level 0 is axis-parallel.
 * A node is a leaf at depth ceil(log2 psi), with fewer than two rows, or when
 * no feature varies.
 *
 * Missing values (NaN), as isotree's "divide": while growing, a row whose
 * split feature is missing goes left or right at random, in proportion to
 * the rows that are not missing; when scoring, a row whose split feature is
 * missing follows both branches and its path length is their average,
 * weighted by the share of training rows that went each way.
 *
 * Nodes of a tree sit in one flat array in breadth-first order, the right
 * child right after the left one, so scoring walks memory that stays in
 * cache.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_iforest;
struct ad_rng;

/* Largest --trees and --sample-size a forest may have. */
#define AD_IFOREST_MAX_TREES 100000
#define AD_IFOREST_MAX_SAMPLE 1048576

enum ad_iforest_kind {
	AD_IFOREST_IF = 1,   /* axis-parallel splits */
	AD_IFOREST_EIF = 2   /* hyperplane splits */
};

/* What a forest is grown with. */
struct ad_iforest_params {
	enum ad_iforest_kind kind;
	size_t nfeat;         /* features per row, at least 1 */
	size_t ntrees;        /* 1..AD_IFOREST_MAX_TREES */
	size_t sample_size;   /* rows per tree asked for, from 2 up to
	                         AD_IFOREST_MAX_SAMPLE */
	size_t ext_level;     /* EIF: 0..nfeat-1; 0 for IF */
};

/* c(n): the average path length of an unsuccessful search in a binary search
 * tree of n keys; 0 for n <= 1 and 1 for n == 2. */
double ad_iforest_c(double n);

/* Creates a forest of p->ntrees empty trees (p is copied). */
enum ad_status ad_iforest_new(struct ad_iforest **f,
    const struct ad_iforest_params *p, struct ad_error *err);

/* Frees f; NULL is a no-op. */
void ad_iforest_free(struct ad_iforest *f);

/* The forest's parameters. */
const struct ad_iforest_params *ad_iforest_params(const struct ad_iforest *f);

/* Grows tree t from psi (2..sample_size) rows of sample, row-major with
 * nfeat values per row, drawing from rng. Different trees may be grown at
 * the same time from different threads. */
enum ad_status ad_iforest_build(struct ad_iforest *f, size_t t,
    const double *sample, size_t psi, struct ad_rng *rng,
    struct ad_error *err);

/* Writes the scores of n rows of x (row i at x + i * ld, ld >= nfeat) to
 * score. Only reads f, so threads may score at the same time. */
void ad_iforest_score(const struct ad_iforest *f, const double *x, size_t n,
    size_t ld, double *score);

/* The path length h(x) of row x in tree t: the depth of the leaf it reaches
 * plus c(n) of that leaf, averaged over both branches where x misses a
 * value (see the top of this file). */
double ad_iforest_path(const struct ad_iforest *f, size_t t, const double *x);

/* Fills contrib[0..nfeat) with how much each feature isolates row x: over
 * the trees, each split on x's path adds 1/h to its feature, h being that
 * path's length (weighted by the branch shares where x is missing a value;
 * a hyperplane split shares it out by |n_f (x_f - p_f)|). Higher means the
 * feature cut x off sooner and more often. */
void ad_iforest_explain(const struct ad_iforest *f, const double *x,
    double *contrib);

/* Nodes in all trees. */
size_t ad_iforest_nodes(const struct ad_iforest *f);

/* Bytes ad_iforest_encode writes. */
size_t ad_iforest_encoded_size(const struct ad_iforest *f);

/* Writes the forest's trees to p (ad_iforest_encoded_size bytes), in the
 * model format of adkit(5). */
void ad_iforest_encode(const struct ad_iforest *f, unsigned char *p);

/* Reads the trees of a forest with parameters par from p[0..len), checking
 * every count, index, depth and value; anything inconsistent is AD_EDATA
 * (about file name). */
enum ad_status ad_iforest_decode(const unsigned char *p, size_t len,
    const struct ad_iforest_params *par, const char *name,
    struct ad_iforest **f, struct ad_error *err);

/* A new forest holding copies of the trees of parts[0..n), in order; they
 * must have equal parameters but for ntrees (the caller checks), and the
 * total must not exceed AD_IFOREST_MAX_TREES. */
enum ad_status ad_iforest_merge(const struct ad_iforest *const *parts,
    size_t n, struct ad_iforest **f, struct ad_error *err);

#endif
