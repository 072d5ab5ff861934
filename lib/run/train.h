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
#include "choose.h"
#include "model.h"
#include "reader.h"

struct ad_train_opts {
	struct ad_reader_opts in;   /* the training input; in.types is set by
	                               ad_train_run */
	const char *output;         /* the model file; NULL or "-": stdout */
	const char *rejects_path;   /* rows with the wrong field count */
	enum ad_algo algo;
	int choose;                 /* -a auto: choose the detector (algo is
	                               then unused), as choice says */
	struct ad_choose_opts choice;
	void (*chose)(void *ctx, const char *table);  /* optional: -a auto's
	                               table, once it has chosen (with
	                               features_ctx) */
	const void *detector_opts;  /* algo's options block (detector.h:
	                               struct ad_forest_opts, ad_ocsvm_opts,
	                               ...), or NULL for its defaults */
	const void *const *table_opts; /* optional: every detector's options
	                               block in table order (an ensemble's
	                               members take theirs), NULL: defaults */
	int contamination_auto;
	double contamination;       /* (0, 0.5] unless auto */
	uint64_t seed;
	unsigned threads;           /* at least 1 */
	uint64_t max_train_rows;    /* detectors trained on rows (not forests):
	                               a uniform sample of at most this many */
	const char *label;          /* not a feature; NULL: a column named
	                               "label", unless no_label or features */
	int no_label;               /* no default label column */
	char **ignore;              /* not features */
	size_t n_ignore;
	char **features;            /* exactly these features, in this order */
	size_t n_features;
	const char *const *merge;   /* merge these model files instead */
	size_t n_merge;
	ad_progress_fn progress;    /* optional; from the calling thread */
	void *progress_ctx;
	ad_epoch_fn epoch;          /* optional: a detector trained in epochs
	                               reports each (with progress_ctx) */
	void (*features_named)(void *ctx, const char *const *names,
	    size_t n);              /* optional: once the model is written,
	                               its features (not when merging) */
	void (*row_number_named)(void *ctx, const char *name);
	                            /* optional: then each feature whose values
	                               are integers, each above the last (a row
	                               number or a time?); with features_ctx */
	void *features_ctx;
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
	int label_default;          /* a column "label" was left out as the
	                               label */
	size_t trees;               /* forests */
	double threshold;
	enum ad_algo algo;          /* the detector trained (-a auto's choice) */
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
