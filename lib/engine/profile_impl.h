#ifndef ADKIT_PROFILE_IMPL_H
#define ADKIT_PROFILE_IMPL_H
/*
 * What the three files of profiles share: lib/engine/profile.c (building,
 * finishing, the category index), profile_file.c (the file format) and
 * profile_merge.c (merging shards). Nothing else includes this header.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ad.h"
#include "profile.h"
#include "rng.h"

struct ad_counter;
struct ad_hashmap;

/* What a column needs while values are added, beyond what it reports. */
struct acc {
	struct ad_counter *counter;  /* text: counts of every category */
	struct ad_hashmap *cats;     /* text: the listed categories' bytes,
	                                indexed as in the column's cats */
	size_t capsample;            /* numeric: doubles allocated for sample */
};

struct ad_profile {
	struct ad_profile_opts opts;
	uint64_t rows;
	size_t ncols;
	struct ad_profile_col *cols;
	struct acc *acc;
	struct ad_rng rng;
	double *vals;                /* scratch: one block's values */
	size_t capvals;
	int finished;
};

/* memcpy, for which n == 0 with a NULL pointer is fine (an empty
 * category or sample may have no storage at all). */
static inline void copy_n(void *dst, const void *src, size_t n)
{
	if (n > 0)
		memcpy(dst, src, n);
}

/* An empty profile of ncols unnamed columns; NULL on memory. */
struct ad_profile *ad_profile_alloc(size_t ncols,
    const struct ad_profile_opts *opts);

/* The canonical order of categories: most frequent first, then by bytes. */
int ad_profile_cat_cmp(const void *x, const void *y);

/* Copies the bytes of cats[0..n) into a new map *out, category i at index
 * i, pointing their text at the copies; sets *dup (cats left alone, *out
 * NULL) if two have the same bytes. On failure cats is unchanged. */
enum ad_status ad_profile_index_cats(struct ad_profile_cat *cats, size_t n,
    struct ad_hashmap **out, int *dup, struct ad_error *err);

/* The index in map m (NULL: none) of the category key[0..len), or
 * SIZE_MAX. */
size_t ad_profile_find_cat(const struct ad_hashmap *m, const void *key,
    size_t len);

/* Makes cats[0..n) c's categories (taking the array over): sorted, the
 * first top kept (0: all), the rest counted in c->other, indexed in a's
 * map. On failure c is unchanged and cats is freed. */
enum ad_status ad_profile_keep_top(struct ad_profile_col *c, struct acc *a,
    struct ad_profile_cat *cats, size_t n, size_t top, struct ad_error *err);

/* Sets c's bin edges: the distinct i/bins quantiles of its sorted sample. */
enum ad_status ad_profile_set_edges(struct ad_profile_col *c, size_t bins,
    struct ad_error *err);

/* Merges moments (nb values of mean mb, squared deviations m2b, minimum
 * minb, maximum maxb) into c. */
void ad_profile_merge_moments(struct ad_profile_col *c, uint64_t nb,
    double mb, double m2b, double minb, double maxb);

#endif
