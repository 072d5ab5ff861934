#ifndef ADKIT_METERS_H
#define ADKIT_METERS_H
/*
 * ad-serve's counters for /metrics: one set per model version (and one for
 * the requests that name none), counted by any number of request threads
 * at once with relaxed atomic adds, so the hot path never takes a lock, and
 * written out in the Prometheus text format (lib/io/prom.h). The names and
 * what they count are in ad-serve(1), METRICS.
 *
 * The score histogram's buckets are the version's own training-score
 * quantiles (the model's, levels strictly between 0 and 1), so a bucket holds a
 * known share of the training scores and a shift of the live scores shows
 * against them whatever the detector's scale.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_model;
struct ad_meters;
struct ad_sbuf;

/* Makes the counters of a version of model m (NULL: the requests that name
 * no version, which have no score histogram); free with ad_meters_free. */
enum ad_status ad_meters_new(struct ad_meters **meters,
    const struct ad_model *m, struct ad_error *err);

/* Frees meters; NULL is a no-op. */
void ad_meters_free(struct ad_meters *meters);

/* Counts one request answered with HTTP status code after seconds. */
void ad_meters_request(struct ad_meters *meters, unsigned code,
    double seconds);

/* Counts n scored rows (score[0..n), NaN left out of the histogram), of
 * which anomalies were flagged. */
void ad_meters_scores(struct ad_meters *meters, const double *score,
    size_t n, uint64_t anomalies);

/* Counts a request scored by this version as a shadow: rows scored, or a
 * failure. */
void ad_meters_shadow(struct ad_meters *meters, uint64_t rows, int failed);

/* One set of counters in an exposition, with its labels. */
struct ad_meters_entry {
	const char *model;         /* NULL: the requests naming no version */
	const char *version;
	const struct ad_meters *meters;
};

/* Appends the families of e[0..n) to b in the Prometheus text format:
 * requests, latency, rows, anomalies, scores, training quantiles and
 * shadow counts, each family's HELP and TYPE once. */
enum ad_status ad_meters_write(struct ad_sbuf *b,
    const struct ad_meters_entry *e, size_t n, struct ad_error *err);

/* Appends one family (HELP, TYPE, then the samples) for the server's own
 * gauges and counters: sample i has value v[i] and the labels lnames[k] =
 * labels[i * nlabels + k] (at most 4 labels; AD_EUSAGE beyond). */
enum ad_status ad_meters_write_family(struct ad_sbuf *b, const char *name,
    const char *type, const char *help, const char *const *lnames,
    size_t nlabels, const char *const *labels, const double *v, size_t n,
    struct ad_error *err);

#endif
