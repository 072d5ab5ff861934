#ifndef ADKIT_ENCODE_H
#define ADKIT_ENCODE_H
/*
 * Categorical columns as numbers: one-hot encoding of the most frequent
 * categories plus one column for all others, and frequency encoding.
 *
 * What is learned about a column is its category table: every category
 * seen while fitting, with its count, in byte order. One-hot keeps the K
 * most frequent (ties going to the first in byte order) as columns, in
 * byte order, then "other"; a category spelled "other" is never given a
 * column of its own, so it lands in the other column as its name says.
 * Frequency encoding gives a category its share of the fitted cells,
 * count / total, and 0 to a category the table lacks. Memory grows with
 * the number of distinct categories, never with the number of rows.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_counter;
struct ad_hashmap;

/* ---- the category table of one column ---- */

struct ad_encode_table {
	struct ad_hashmap *cats;  /* category -> index */
	uint64_t *count;         /* per category: cells seen when fitting */
	size_t cap;
	uint64_t total;          /* sum of count */
	size_t *onehot;          /* per category: its one-hot column, or SIZE_MAX
	                            (other); NULL until ad_encode_set_onehot */
	size_t ncols;            /* one-hot columns before the other column */
};

/* The text a category spelled "other" has; it never gets its own column. */
#define AD_ONEHOT_OTHER "other"

/* Creates an empty table. */
enum ad_status ad_encode_new(struct ad_encode_table **t, struct ad_error *err);

/* Frees t; NULL is a no-op. */
void ad_encode_free(struct ad_encode_table *t);

/* Builds a table, in byte order, from the counts of c. */
enum ad_status ad_encode_from_counter(const struct ad_counter *c,
    struct ad_encode_table **t, struct ad_error *err);

/* Appends a category with count (1 or more); AD_EDATA if it is already
 * there or the total would overflow. */
enum ad_status ad_encode_add(struct ad_encode_table *t, const char *key, size_t len,
    uint64_t count, struct ad_error *err);

/* Picks the k most frequent categories (not "other"), returning their
 * indexes in byte order in *chosen (ad_malloc'd, k or fewer in *n). */
enum ad_status ad_encode_top(const struct ad_encode_table *t, size_t k,
    size_t **chosen, size_t *n, struct ad_error *err);

/* Gives categories chosen[0..n) one-hot columns 0..n-1, in that order. */
enum ad_status ad_encode_set_onehot(struct ad_encode_table *t, const size_t *chosen,
    size_t n, struct ad_error *err);

/* The one-hot column of key: 0..ncols-1, or ncols for other; *unseen is
 * set when the table lacks key. */
size_t ad_encode_column(const struct ad_encode_table *t, const char *key,
    size_t len, int *unseen);

/* The frequency of key: its count / total, or 0 when the table lacks it;
 * *unseen is set then. */
double ad_encode_freq(const struct ad_encode_table *t, const char *key, size_t len,
    int *unseen);

/* Makes the output column name "col=category" in *name (ad_malloc'd).
 * Control bytes, bytes that are not UTF-8 and backslashes of the category
 * are written \xHH and \\, so the name is valid for any stream. */
enum ad_status ad_encode_name(const char *col, const char *key, size_t len,
    char **name, struct ad_error *err);

#endif
