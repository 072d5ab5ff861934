#ifndef ADKIT_TRAIN_H
#define ADKIT_TRAIN_H
/*
 * ad-train's logic: one pass over a stream that draws each tree's sample by
 * reservoir sampling (so memory does not grow with the input), grows the
 * trees on several threads, scores a sample of the training rows for the
 * threshold and the score quantiles, and writes the model file; or merges
 * model files trained on shards.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "autoenc.h"
#include "model.h"
#include "ocsvm.h"
#include "reader.h"

/* Called now and then with how far a run is: what ("rows read", "trees
 * grown"), done and, if known, total (else 0). From the calling thread. */
typedef void (*ad_progress_fn)(void *ctx, const char *what, uint64_t done,
    uint64_t total);

struct ad_train_opts {
	struct ad_reader_opts in;   /* the training input; in.types is set by
	                               ad_train_run */
	const char *output;         /* the model file; NULL or "-": stdout */
	const char *rejects_path;   /* rows with the wrong field count */
	enum ad_algo algo;
	uint64_t trees;             /* 1..AD_IFOREST_MAX_TREES */
	uint64_t sample_size;       /* 2..AD_IFOREST_MAX_SAMPLE */
	int ext_level_set;          /* EIF: else features - 1 */
	uint64_t ext_level;
	int contamination_auto;
	double contamination;       /* (0, 0.5] unless auto */
	uint64_t seed;
	unsigned threads;           /* at least 1 */
	uint64_t max_train_rows;    /* detectors trained on rows (not forests):
	                               a uniform sample of at most this many */
	struct ad_ocsvm_opts ocsvm; /* -a ocsvm */
	struct ad_autoenc_opts autoenc; /* -a autoencoder */
	const char *label;          /* not a feature */
	char **ignore;              /* not features */
	size_t n_ignore;
	char **features;            /* exactly these features, in this order */
	size_t n_features;
	const char *const *merge;   /* merge these model files instead */
	size_t n_merge;
	ad_progress_fn progress;    /* optional */
	void *progress_ctx;
};

struct ad_train_result {
	uint64_t rows;              /* training rows (all sources when merging) */
	uint64_t sampled;           /* rows fitted when a detector trained on a
	                               sample of them (rows > max_train_rows),
	                               else 0 */
	uint64_t rejected;          /* rows with the wrong field count */
	uint64_t invalid;           /* feature cells that were not numbers */
	uint64_t infinite;          /* feature cells inf or -inf, trained on as
	                               missing (scoring takes them as extreme) */
	size_t nfeat;
	size_t trees;               /* forests */
	double threshold;
	const char *same_seed;      /* merge: a model whose seed repeats an
	                               earlier one's, or NULL */
};

/* Runs ad-train; on failure no model file is left behind. */
enum ad_status ad_train_run(const struct ad_train_opts *opts,
    struct ad_train_result *res, struct ad_error *err);

/* The creation time a run records: SOURCE_DATE_EPOCH when it is a number
 * of at least 0, so rebuilds are byte-identical, else the current time. */
int64_t ad_train_now(void);

#endif
