#ifndef ADKIT_DETECTOR_H
#define ADKIT_DETECTOR_H
/*
 * The seam between the model file, ad-train and ad-score on one side and
 * the detectors (forests, One-Class SVM, ...) on the other: one table of
 * functions per algorithm. lib/detect/model.c, lib/run/train.c and lib/run/score.c call a
 * detector only through it; /work/notes/seam.md and adkit(5) say how a new
 * one plugs in.
 *
 * Two ways to be trained:
 *  - AD_SAMPLE_SUBSAMPLES (forests): lib/run/train.c draws one small reservoir
 *    per tree and grows the trees itself (fit is NULL);
 *  - AD_SAMPLE_ROWS (everything else): lib/run/train.c draws ONE uniform
 *    reservoir of --max-train-rows rows in the single pass over the input,
 *    standardizes it (mean and population standard deviation per feature,
 *    stored in the model; missing values become 0, the mean) and hands it
 *    to fit. Scoring standardizes rows the same way before score/explain.
 *
 * A detector's trained state hangs off the model: forests in m->forest,
 * the others in m->state (owned by the model, released by free_state).
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_model;
struct ad_train_opts;

enum ad_sampling {
	AD_SAMPLE_SUBSAMPLES = 1,  /* a reservoir per tree, grown in train.c */
	AD_SAMPLE_ROWS = 2         /* one reservoir, standardized, to fit */
};

struct ad_detector {
	int algo;                  /* enum ad_algo, as stored in the file */
	const char *name;          /* -a NAME, and "algorithm" in --inspect */
	enum ad_sampling sampling;
	int can_merge;             /* ad-train --merge accepts its models */
	double auto_threshold;     /* the threshold of --contamination auto */
	double score_lo, score_hi; /* every score, quantile and threshold lies
	                              in [score_lo, score_hi] (may be
	                              infinite: then finite is all we check) */
	const char *size_key;      /* --inspect's key for size(): "nodes" */

	/* AD_SAMPLE_ROWS: fits m from n standardized rows x (row-major,
	 * m->nfeat columns, no NaN), reading its options from o; sets
	 * m->params/m->nparams (ad_malloc'd) and m->state. On failure m may
	 * hold partial state; ad_model_free releases it. */
	enum ad_status (*fit)(struct ad_model *m, const struct ad_train_opts *o,
	    const double *x, size_t n, struct ad_error *err);

	/* Decodes the payload p[0..len) of a model whose other fields (params,
	 * features, ...) are read already: checks the hyper-parameters and
	 * every count and value (AD_EDATA about file name, message starting
	 * "corrupt model: "), then sets the state. */
	enum ad_status (*decode)(struct ad_model *m, const unsigned char *p,
	    size_t len, const char *name, struct ad_error *err);

	/* Bytes encode writes, and the writing (the exact inverse of decode). */
	size_t (*encoded_size)(const struct ad_model *m);
	void (*encode)(const struct ad_model *m, unsigned char *p);

	/* Frees the state only; NULL state is a no-op. */
	void (*free_state)(struct ad_model *m);

	/* Scores n rows of x (row i at x + i * ld), standardized if the model
	 * is, into score: higher is more anomalous. Only reads m, so threads
	 * may score at once; never allocates. */
	void (*score)(const struct ad_model *m, const double *x, size_t n,
	    size_t ld, double *score);

	/* Fills contrib[0..nfeat) with how much each feature makes row x
	 * anomalous (finite, >= 0, higher = more); as thread-safe as score. */
	void (*explain)(const struct ad_model *m, const double *x,
	    double *contrib);

	/* A size shown by --inspect under size_key (nodes, support vectors). */
	uint64_t (*size)(const struct ad_model *m);

	/* A hyper-parameter's value as a word for --inspect ("rbf" for
	 * kernel 2), or NULL to show the number. May itself be NULL. */
	const char *(*param_word)(const char *param, double value);
};

/* The detector of algorithm code algo, or NULL if there is none. */
const struct ad_detector *ad_detector_find(int algo);

/* The detector named name (-a), or NULL. */
const struct ad_detector *ad_detector_named(const char *name);

/* The names of all detectors, "iforest|eif|...", for messages. */
const char *ad_detector_names(void);

#endif
