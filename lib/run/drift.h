#ifndef ADKIT_DRIFT_H
#define ADKIT_DRIFT_H
/*
 * ad-drift's logic: compare an input with a reference (data or a profile)
 * column by column, decide which columns drifted and whether the data set
 * did, and report it; or write the profile of an input; or merge profiles.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "profile.h"
#include "reader.h"
#include "stats.h"

enum ad_drift_mode {
	AD_DRIFT_COMPARE = 0,   /* the input against -r or -m */
	AD_DRIFT_PROFILE,       /* --profile: write the input's profile */
	AD_DRIFT_MERGE          /* --merge: merge profiles into one */
};

/* The per-column rule (--method). */
enum ad_drift_method {
	AD_DRIFT_AUTO = 0,      /* PSI >= 0.2, or p below alpha / columns */
	AD_DRIFT_PSI,
	AD_DRIFT_KS,
	AD_DRIFT_WASSERSTEIN,
	AD_DRIFT_JS
};

enum ad_drift_format {
	AD_DRIFT_CSV = 0,
	AD_DRIFT_BIN,
	AD_DRIFT_JSON,
	AD_DRIFT_TEXT
};

/* Defaults of the decision. */
#define AD_DRIFT_PSI_DEFAULT 0.2
#define AD_DRIFT_ALPHA_DEFAULT 0.05
#define AD_DRIFT_SHARE_DEFAULT 0.5
#define AD_DRIFT_DIST_DEFAULT 0.1    /* wasserstein and js */

/* The comparison of one column. Statistics that do not apply (KS for a
 * text column) or cannot be computed (no values on a side) are NaN. */
struct ad_drift_col {
	const char *name;         /* borrowed from the reference profile */
	enum ad_type type;
	uint64_t n_ref, n_cur;    /* values present on each side */
	uint64_t rows_ref, rows_cur;
	double psi;               /* over the reference's bins or categories */
	double ks, ks_p;          /* numeric: two-sample KS */
	double ks_n_ref, ks_n_cur; /* the sizes KS used: the samples (at most
	                           * --sample of n_ref, n_cur), or with --ess
	                           * their effective sizes; NaN without KS, and
	                           * ks_n_ref against a model's quantiles */
	enum ad_ks_method ks_method;
	double chi2_p;            /* text: chi-square test of homogeneity */
	double wasserstein;       /* numeric: W1 / reference std */
	double js;                /* Jensen-Shannon distance, base 2 */
	double missing_delta;     /* missing rate now minus in the reference */
	double unseen;            /* text: current values in categories the
	                           * reference does not list */
	double ref_mean, cur_mean, ref_std, cur_std;  /* numeric */
	int drifted;
	int critical;             /* named by --critical */
};

/* The rule that turns statistics into verdicts. */
struct ad_drift_rule {
	enum ad_drift_method method;
	double threshold;         /* psi, wasserstein, js: the bar; ks: alpha */
	double alpha;             /* family-wise significance (auto, and the
	                           * text columns under wasserstein) */
	double share;             /* --drift-share */
};

/* A comparison's verdict. */
struct ad_drift_verdict {
	size_t columns;           /* compared */
	size_t tests;             /* columns with a p-value (Bonferroni) */
	size_t drifted;
	double share;             /* drifted / columns, 0 without columns */
	int critical_drifted;
	int drift;                /* share >= rule share, or a critical one */
};

struct ad_drift_opts {
	enum ad_drift_mode mode;
	struct ad_reader_opts in;        /* the input (compare, profile) */
	const char *reference;           /* -r: data or profile */
	const char *model;               /* -m: a model (score drift) */
	const char *const *merge;        /* --merge: the profiles */
	size_t nmerge;
	const char *output;              /* NULL or "-": stdout */
	enum ad_drift_format format;
	struct ad_profile_opts prof;     /* --sample, --bins, --top, --seed */
	int sample_set, bins_set, top_set;
	struct ad_drift_rule rule;       /* threshold: see ad_drift_run */
	int format_set, method_set, threshold_set, alpha_set, share_set;
	char **critical;
	size_t ncritical;
	char **select;
	size_t nselect;
	char **drop;
	size_t ndrop;
	uint64_t window;                 /* rows per window; 0: no windows */
	int ess;                         /* KS on effective sample sizes
	                                    (ad_drift_ess) */
	unsigned threads;                /* sorting and comparing columns */
	const char *prom_path;
	const char *verdict_path;
};

/* What a run found, for the command's summary and exit status. */
struct ad_drift_result {
	int drift;                /* drift found (in any window) */
	size_t columns, drifted;  /* of the whole input, or the last window */
	uint64_t windows, windows_drifted;
	uint64_t first_drift_line; /* window mode: where drift first showed */
	char names[256];          /* drifted columns, comma-separated, cut
	                           * short with "..." */
	uint64_t rejected;        /* rows of any input with the wrong field
	                           * count, left out (as ad-score does) */
};

/* Sets opts to the defaults. */
void ad_drift_defaults(struct ad_drift_opts *opts);

/* Parses a --method name. */
enum ad_status ad_drift_parse_method(const char *arg,
    enum ad_drift_method *m, struct ad_error *err);

/* Parses a --format name (csv, bin, json or text). */
enum ad_status ad_drift_parse_format(const char *arg,
    enum ad_drift_format *f, struct ad_error *err);

/* Compares the reference's numeric column r with the current c: PSI and
 * JS over the reference's bins, with cur_bins (nedges + 1 counts) as the
 * current's counts, or, if NULL, its sample's; KS and Wasserstein over the
 * samples. */
/* The effective size of a sample of s of a series' n values whose lag-1
 * autocorrelation is rho: 1 / (1/s - 1/n + 1/N) with N = n (1 - rho) /
 * (1 + rho), as the variance of the sample's mean gives it; s itself when
 * rho is NaN or at most 0. */
double ad_drift_effective_size(uint64_t s, uint64_t n, double rho);

/* Redoes out's KS p-value (of numeric columns r, c, or of c against a
 * model's quantiles when r is NULL) on effective sample sizes: each side's
 * from its lag-1 autocorrelation, the other side's when one is unknown (a
 * profile file); out's ks_n_ref, ks_n_cur say which sizes. A no-op when
 * KS did not run or no autocorrelation is known. */
enum ad_status ad_drift_ess(const struct ad_profile_col *r,
    const struct ad_profile_col *c, struct ad_drift_col *out,
    struct ad_error *err);

enum ad_status ad_drift_compare_numeric(const struct ad_profile_col *r,
    const struct ad_profile_col *c, const double *cur_bins,
    struct ad_drift_col *out, struct ad_error *err);

/* Compares text column i of ref with column j of cur over the categories
 * ref lists plus one for all others. */
enum ad_status ad_drift_compare_text(const struct ad_profile *ref, size_t i,
    const struct ad_profile *cur, size_t j, struct ad_drift_col *out,
    struct ad_error *err);

/* Sets edges[] (n - 2 slots) to the distinct interior knot scores of the
 * distribution whose quantile function is linear between the knots
 * (prob[k], score[k]), k < n, prob rising from 0 to 1: a model's training
 * scores. Returns how many. */
size_t ad_drift_quantile_edges(const double *prob, const double *score,
    size_t n, double *edges);

/* Compares numeric column c with that distribution, of rows values: PSI
 * and JS over the bins between its knots, whose masses are exact, with
 * cur_bins as c's counts in them or, if NULL, its sample's; KS at the
 * knots, where its CDF is exact, with kstwo's p-value (conservative);
 * Wasserstein-1 against the linear CDF, over its standard deviation. */
enum ad_status ad_drift_compare_quantiles(const double *prob,
    const double *score, size_t n, uint64_t rows,
    const struct ad_profile_col *c, const double *cur_bins,
    struct ad_drift_col *out, struct ad_error *err);

/* Sets cols[].drifted by rule and returns the verdict. */
struct ad_drift_verdict ad_drift_decide(struct ad_drift_col *cols,
    size_t n, const struct ad_drift_rule *rule);

/* Runs ad-drift; on failure no output file is left behind. A run that
 * finds drift returns AD_OK with res->drift set. Without threshold_set,
 * the method's default threshold applies (ks: the alpha). */
enum ad_status ad_drift_run(const struct ad_drift_opts *opts,
    struct ad_drift_result *res, struct ad_error *err);

#endif
