#ifndef ADKIT_CHOOSE_H
#define ADKIT_CHOOSE_H
/*
 * ad-train -a auto: the choice of a detector for a data set. With labels
 * (both classes), each candidate's stratified k-fold cross-validated
 * ROC-AUC on a seeded sample of the rows; without, rules over the data's
 * traits (lib/engine/traits.h) measured on public benchmark sets
 * (bench/detectors.sh, ad-train(1)). The candidates are a table of names:
 * a name the detector table (lib/detect/detector.c) does not hold is
 * passed over, so a detector joins -a auto by a row here.
 *
 * The choice is told as a text table (what was measured or the traits and
 * rules, then "choice:" and "reason:" lines), which ad-train prints and
 * the model records in section AD_CHOICE_TAG. Nothing in it depends on
 * time or threads: the same seed gives the same choice and table.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "detector.h"
#include "model.h"
#include "traits.h"

/* The model section holding the choice's table (text). */
#define AD_CHOICE_TAG AD_MODEL_TAG('A', 'U', 'T', 'O')

/* Folds of the cross-validation, and most rows it runs on by default. */
#define AD_CHOOSE_FOLDS 5
#define AD_CHOOSE_CV_ROWS 4000

struct ad_choose_opts {
	char **candidates;          /* names; NULL: the default list */
	size_t ncandidates;
	double budget;              /* seconds the cross-validation may take,
	                               as estimated from rows and features */
	size_t cv_rows;             /* most rows cross-validated */
	uint64_t seed;
	unsigned threads;           /* at least 1 */
};

/* The rows the choice is made on: a sample of the input. */
struct ad_choose_data {
	const double *x;            /* n rows (row i at x + i * ld), d
	                               features, NaN missing */
	size_t n, d, ld;
	const unsigned char *label; /* n labels: 0 normal, 1 anomaly, 2
	                               unknown (the row is left out), with
	                               both classes; or NULL: choose by the
	                               traits */
	const struct ad_traits *traits; /* of the input */
};

/* What -a auto chose: the detector, and for an ensemble chosen by a rule
 * its members and how it combines them (NULL: the detector's defaults). */
struct ad_choice {
	const struct ad_detector *det;
	const char *members;        /* static text: "knn,hbos,mcd", or NULL */
	const char *combine;        /* static text: "max", or NULL */
};

/* AD_EUSAGE if a name of o->candidates is no candidate or repeats. */
enum ad_status ad_choose_check(const struct ad_choose_opts *o,
    struct ad_error *err);

/* Chooses *choice for data and sets *table to the table it chose from
 * (ad_malloc'd NUL-terminated text, the caller's). */
enum ad_status ad_choose(const struct ad_choose_opts *o,
    const struct ad_choose_data *data, struct ad_choice *choice,
    char **table, struct ad_error *err);

/* Sets dopts, the chosen detector's default options, to what choice
 * says (an ensemble's members and combination); AD_EUSAGE as the
 * ensemble's setters. */
enum ad_status ad_choice_apply(const struct ad_choice *choice, void *dopts,
    struct ad_error *err);

#endif
