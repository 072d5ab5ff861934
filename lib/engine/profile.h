#ifndef ADKIT_PROFILE_H
#define ADKIT_PROFILE_H
/*
 * Profiles: a compact summary of a table that drift checks compare
 * against. Per numeric column: the count of values and of missing cells,
 * the mean and sum of squared deviations (mergeable, Chan et al.), the
 * minimum and maximum, an exact uniform reservoir sample of at most
 * `sample` values (Algorithm R, seeded), and the bin edges at the i/bins
 * quantiles of that sample. Per text column: the counts of values and of
 * missing cells, and the counts of the `top` most frequent categories plus
 * the count of all others.
 *
 * A profile is built from blocks of rows (ad_profile_add), finished
 * (ad_profile_finish), written, read back and merged with profiles of other
 * shards. The file is binary, little-endian, versioned and checksummed; see
 * adkit(5). Reading trusts nothing: a foreign, truncated, corrupted or
 * inconsistent file is AD_EDATA, and memory is only allocated for bytes
 * that are there.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "block.h"
#include "schema.h"

struct ad_in;
struct ad_out;
struct ad_profile;

/* The format version written and the newest read. */
#define AD_PROFILE_VERSION 1
#define AD_PROFILE_MAGIC_LEN 8

/* Limits a profile must keep (and options are checked against). */
#define AD_PROFILE_SAMPLE_MAX UINT64_C(100000000)
#define AD_PROFILE_BINS_MAX 1000
#define AD_PROFILE_TOP_MAX 1000000
#define AD_PROFILE_COLS_MAX 1048576

/* Defaults of the options. */
#define AD_PROFILE_SAMPLE_DEFAULT 100000
#define AD_PROFILE_BINS_DEFAULT 10
#define AD_PROFILE_TOP_DEFAULT 100

struct ad_profile_opts {
	uint64_t sample;  /* reservoir size per numeric column, >= 1 */
	size_t bins;      /* bins whose edges are kept, 2..AD_PROFILE_BINS_MAX */
	size_t top;       /* text categories kept; 0 keeps them all */
	uint64_t seed;    /* seeds the reservoir's random choices */
};

/* One category of a text column. */
struct ad_profile_cat {
	const char *text;  /* not NUL-terminated; owned by the profile */
	size_t len;
	uint64_t count;
};

/* One column; all arrays are owned by the profile. Numeric fields are
 * meaningful for numeric columns, cats and other for text ones. Samples
 * are sorted, edges and cats set, once the profile is finished. */
/* Consecutive pairs (x[t-1], x[t]) of a numeric column's values in input
 * order, as running co-moments: what the lag-1 autocorrelation needs. Not
 * kept in a profile file: a loaded or merged profile has none. */
struct ad_profile_lag {
	uint64_t n;               /* pairs seen */
	double prev;              /* the last value, when a value was seen */
	int has_prev;
	double ma, mb;            /* means of x[t-1] and of x[t] */
	double m2a, m2b, cab;     /* their squared deviations, co-deviation */
};

struct ad_profile_col {
	char *name;               /* NUL-terminated UTF-8 */
	enum ad_type type;
	uint64_t n;               /* values present (finite numbers, texts) */
	uint64_t missing;         /* missing cells; n + missing = rows */
	double mean;              /* of the values; 0 when n is 0 */
	double m2;                /* sum of squared deviations from mean */
	double min, max;          /* of the values; 0 when n is 0 */
	double *sample;           /* nsample values, uniform without
	                           * replacement among the n */
	size_t nsample;
	double *edges;            /* nedges increasing bin edges */
	size_t nedges;
	struct ad_profile_cat *cats; /* by count, descending, then bytes */
	size_t ncats;
	uint64_t other;           /* values in categories not listed */
	struct ad_profile_lag lag; /* numeric: lag-1 pairs, in input order */
};

/* The lag-1 autocorrelation of c's values in input order (missing cells
 * skipped), or NaN when unknown: fewer than 3 values, a constant column, or
 * a profile loaded from a file or merged. */
double ad_profile_lag1(const struct ad_profile_col *c);

/* Creates an empty profile of the columns of schema (copied). */
enum ad_status ad_profile_new(struct ad_profile **p,
    const struct ad_schema *schema, const struct ad_profile_opts *opts,
    struct ad_error *err);

/* Frees p; NULL is a no-op. */
void ad_profile_free(struct ad_profile *p);

/* Adds rows [from, to) of b; the profile's column j is b's column map[j]
 * (map NULL: j), of the same type. Infinite numbers count as missing. */
enum ad_status ad_profile_add(struct ad_profile *p, const struct ad_block *b,
    const size_t *map, size_t from, size_t to, struct ad_error *err);

/* Sorts the samples, computes the bin edges and keeps the top categories,
 * a column per job on up to threads threads; nothing can be added
 * afterwards. */
enum ad_status ad_profile_finish(struct ad_profile *p, unsigned threads,
    struct ad_error *err);

/* Encodes finished p into a new buffer *buf of *len bytes (free with
 * ad_free). */
enum ad_status ad_profile_encode(const struct ad_profile *p,
    unsigned char **buf, size_t *len, struct ad_error *err);

/* Writes finished p to out. */
enum ad_status ad_profile_write(const struct ad_profile *p,
    struct ad_out *out, struct ad_error *err);

/* Whether the first n bytes at b are a profile's magic. */
int ad_profile_is_magic(const unsigned char *b, size_t n);

/* Decodes the profile in buf[0..len), checking everything; name is the
 * file's name for messages. The result is finished. */
enum ad_status ad_profile_decode(const unsigned char *buf, size_t len,
    const char *name, struct ad_profile **p, struct ad_error *err);

/* Reads in to its end and decodes it; in stays open (the caller's). */
enum ad_status ad_profile_read(struct ad_in *in, struct ad_profile **p,
    struct ad_error *err);

/* Merges finished profiles ps[0..n) (n >= 1) of shards of one table into a
 * finished *out: counts and moments exactly, samples by a weighted
 * reservoir merge drawn with seed, categories by summing what each lists.
 * Profiles with other columns, types or options are refused (AD_EDATA,
 * naming names[i]). */
enum ad_status ad_profile_merge(const struct ad_profile *const *ps,
    const char *const *names, size_t n, uint64_t seed,
    struct ad_profile **out, struct ad_error *err);

/* The options p was built with. */
const struct ad_profile_opts *ad_profile_opts(const struct ad_profile *p);

/* Data rows profiled. */
uint64_t ad_profile_rows(const struct ad_profile *p);

/* Number of columns. */
size_t ad_profile_ncols(const struct ad_profile *p);

/* Column i; valid while p lives. */
const struct ad_profile_col *ad_profile_col(const struct ad_profile *p,
    size_t i);

/* Index of the column called name, or SIZE_MAX. */
size_t ad_profile_find(const struct ad_profile *p, const char *name);

/* The count p lists for category key[0..len) of text column i (0 if it
 * lists none). */
uint64_t ad_profile_count(const struct ad_profile *p, size_t i,
    const void *key, size_t len);

/* The population standard deviation of numeric column c, NaN without
 * values. */
double ad_profile_std(const struct ad_profile_col *c);

#endif
