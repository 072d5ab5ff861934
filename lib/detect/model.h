#ifndef ADKIT_MODEL_H
#define ADKIT_MODEL_H
/*
 * The model file: one binary format for every detector adkit trains. It
 * holds what scoring needs (the algorithm, its hyper-parameters, the
 * feature names in order, the decision threshold and the trained payload)
 * and what makes a model traceable: the training row count, the SHA-256 of
 * each training input as read, the seed, the contamination, quantiles of
 * the training scores (for drift checks), the adkit version and the
 * creation time. All integers are little-endian; adkit(5) gives the layout.
 *
 * Loading trusts nothing: a foreign, truncated, corrupted (checksum) or
 * newer file, or one whose counts and sizes do not add up, is AD_EDATA
 * with a message saying which. Memory is allocated only for bytes that are
 * actually there, so a lying header cannot ask for gigabytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "detector.h"

struct ad_out;

/* The newest format version this adkit reads and writes: 2 adds tagged
 * sections. A model without sections is written as version 1, so models
 * that need no section stay byte-identical and readable by older adkits. */
#define AD_MODEL_VERSION 2

/* Longest hyper-parameter name and adkit version string, in bytes. */
#define AD_MODEL_NAME_MAX AD_PARAM_NAME_MAX

/* Most training sources (merged shards) and score quantiles a model has. */
#define AD_MODEL_MAX_SOURCES 65536
#define AD_MODEL_MAX_QUANTILES 1024

/* Most sections a model has, and the most bytes in one. */
#define AD_MODEL_MAX_SECTIONS 64
#define AD_MODEL_MAX_SECTION_BYTES ((uint64_t)1 << 30)

/* A section tag from its four ASCII letters: AD_MODEL_TAG('L','I','N','E'). */
#define AD_MODEL_TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
	(uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* A tagged section: what a module beyond the detector records in the model
 * (lineage, the choice of detector, the score distribution, ...). The
 * model file only frames it; the module that owns the tag encodes and
 * checks its bytes. */
struct ad_model_section {
	uint32_t tag;              /* four printable ASCII letters */
	size_t len;
	unsigned char *data;       /* len bytes, owned by the model */
};

/* One training input: a model merged from shards has one per shard. */
struct ad_model_source {
	unsigned char sha256[32];  /* of the input's bytes, as read */
	uint64_t rows;             /* data rows it gave */
	uint64_t seed;             /* the seed it was trained with */
};

/* A model. Its arrays and strings are owned by it, allocated with
 * ad_malloc, and freed by ad_model_free. */
struct ad_model {
	enum ad_algo algo;
	char adkit_version[AD_MODEL_NAME_MAX + 1];
	int64_t created;           /* seconds since the epoch, UTC */
	uint64_t seed;
	int contamination_auto;    /* threshold 0.5, as scikit-learn's "auto" */
	double contamination;      /* else: the fraction, in (0, 0.5] */
	double threshold;          /* a score above it is an anomaly */
	uint64_t rows;             /* training rows, all sources */
	size_t nsources;
	struct ad_model_source *sources;
	size_t nquantiles;
	double *qprob;             /* increasing, in [0, 1] */
	double *qscore;            /* the training scores' quantiles */
	size_t nparams;
	struct ad_param *params;
	size_t nfeat;
	char **features;           /* NUL-terminated UTF-8 names */
	const struct ad_detector *det; /* algo's detector */
	double *center, *scale;    /* standardizing detectors: per feature,
	                              x' = (x - center) / scale; else NULL */
	void *state;               /* the detector's trained state, freed by
	                              det->free */
	size_t nsections;
	struct ad_model_section *sections; /* in the order they were set */
	uint64_t bytes;            /* size of the file it was loaded from */
};

/* Allocates an empty model. */
enum ad_status ad_model_new(struct ad_model **m, struct ad_error *err);

/* Frees m and all it owns; NULL is a no-op. */
void ad_model_free(struct ad_model *m);

/* The detector's name: "iforest", "eif", "ocsvm", ... */
const char *ad_model_algo_name(enum ad_algo a);

/* Standardizes n rows of x (row i at x + i * ld) in place as m's detector
 * wants them: (x - center) / scale, a missing value (NaN) becoming 0, the
 * training mean, and an infinite result the largest finite one of its
 * sign. A no-op for detectors that take raw rows (forests). */
void ad_model_standardize(const struct ad_model *m, double *x, size_t n,
    size_t ld);

/* The value of hyper-parameter name, or NaN if the model has none. */
double ad_model_param(const struct ad_model *m, const char *name);

/* Sets m->center and m->scale (ad_malloc'd) to the standardizer of n rows
 * of x (d features, row-major): each feature's mean and population
 * deviation, non-finite values left out, 1 for a constant feature. */
enum ad_status ad_model_fit_scale(struct ad_model *m, const double *x,
    size_t n, size_t d, struct ad_error *err);

/* Bytes of workspace ad_model_score and ad_model_explain need (0: none,
 * work may be NULL; SIZE_MAX: too many): one per thread, the caller's,
 * from ad_malloc. */
size_t ad_model_work_size(const struct ad_model *m);

/* Scores n rows of x (row i at x + i * ld), standardized as
 * ad_model_standardize leaves them, into score; thread-safe with a work
 * per thread, allocates nothing. */
void ad_model_score(const struct ad_model *m, const double *x, size_t n,
    size_t ld, void *work, double *score);

/* Fills contrib[0..nfeat) with each feature's share in row x's score (see
 * detector.h); as thread-safe as ad_model_score. */
void ad_model_explain(const struct ad_model *m, const double *x, void *work,
    double *contrib);

/* The bytes of m's section tag in *data, *len, or 0 if m has none. */
int ad_model_section_get(const struct ad_model *m, uint32_t tag,
    const unsigned char **data, size_t *len);

/* Sets m's section tag to a copy of data[0..len), replacing one of that
 * tag; AD_EDATA if the tag is not four printable ASCII letters, len is
 * above AD_MODEL_MAX_SECTION_BYTES or m has AD_MODEL_MAX_SECTIONS. */
enum ad_status ad_model_section_set(struct ad_model *m, uint32_t tag,
    const void *data, size_t len, struct ad_error *err);

/* Encodes m into a new buffer *buf of *len bytes (free with ad_free). */
enum ad_status ad_model_encode(const struct ad_model *m, unsigned char **buf,
    size_t *len, struct ad_error *err);

/* Decodes the model in buf[0..len), checking everything; name is for
 * messages. */
enum ad_status ad_model_decode(const unsigned char *buf, size_t len,
    const char *name, struct ad_model **m, struct ad_error *err);

/* Writes m to out. */
enum ad_status ad_model_write(const struct ad_model *m, struct ad_out *out,
    struct ad_error *err);

/* Loads the model file at path ("-": stdin). */
enum ad_status ad_model_load(const char *path, struct ad_model **m,
    struct ad_error *err);

/* Writes m's metadata to out as a JSON object (file names it). */
enum ad_status ad_model_write_json(const struct ad_model *m, const char *file,
    struct ad_out *out, struct ad_error *err);

/* Merges models[0..n) (n >= 2), trained on shards, into *m: their states
 * merged by their detector (a forest's trees in order), their sources, the
 * sum of their rows, the row-weighted mean of their thresholds and
 * quantiles (the detector's auto threshold stays under contamination
 * auto). Models of a detector that does not merge, or with different
 * algorithms, hyper-parameters (as the detector's mismatch says),
 * features, contamination or quantile levels are refused (AD_EDATA,
 * naming names[i]).
 * Sections: the calibrations (CALB) are pooled, weighted by their scores
 * (ad_calib_merge), when every model has one; any other section that every
 * model has with the same bytes (a lineage, a choice) is kept; the rest
 * are left out.
 * *same_seed is set to the index of a model whose seed equals an earlier
 * one's (their trees are then correlated), or 0. created is the new
 * model's creation time. */
enum ad_status ad_model_merge(const struct ad_model *const *models,
    const char *const *names, size_t n, int64_t created, struct ad_model **m,
    size_t *same_seed, struct ad_error *err);

#endif
