/*
 * Merging the profiles of shards of one table; see profile.h.
 *
 * Two uniform samples without replacement, SA of A and SB of B, merge into
 * one of A and B together by drawing how many come from each (the
 * hypergeometric split, drawn as sequential picks among the na + nb
 * values) and then that many values at random from SA and from SB.
 */
#include <string.h>

#include "alloc.h"
#include "profile.h"
#include "profile_impl.h"
#include "rng.h"
#include "stats.h"

/* ---- merging ---- */

/* Whether a and b describe the same columns with the same options; the
 * reason why not otherwise. */
static const char *mismatch(const struct ad_profile *a,
    const struct ad_profile *b)
{
	if (a->opts.sample != b->opts.sample)
		return "another sample size";
	if (a->opts.bins != b->opts.bins)
		return "another bin count";
	if (a->opts.top != b->opts.top)
		return "another category limit";
	if (a->ncols != b->ncols)
		return "other columns";
	for (size_t i = 0; i < a->ncols; i++) {
		size_t j = ad_profile_find(b, a->cols[i].name);
		if (j == SIZE_MAX)
			return "other columns";
		if (b->cols[j].type != a->cols[i].type)
			return "other column types";
	}
	return NULL;
}

/* Picks k of the n values at v at random (a partial Fisher-Yates shuffle
 * of v, which is changed) and appends them to out. */
static void pick(struct ad_rng *r, double *v, size_t n, size_t k,
    double *out)
{
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)ad_rng_below(r, n - i);
		double t = v[i];
		v[i] = v[j];
		v[j] = t;
		out[i] = v[i];
	}
}

/* Merges column b into the merged column m (both numeric): the union's
 * uniform sample of min(sample, na + nb) values. */
static enum ad_status merge_sample(struct ad_profile *mp,
    struct ad_profile_col *m, const struct ad_profile_col *b,
    struct ad_error *err)
{
	uint64_t na = m->n, nb = b->n, s = na + nb, ra = na, rb = nb, ka = 0;
	size_t total;
	double *out, *copy;

	if (s > mp->opts.sample)
		s = mp->opts.sample;
	if (ad_add_size(m->nsample, b->nsample, &total) != 0 ||
	    (out = ad_malloc((size_t)s * sizeof *out + 1)) == NULL)
		return ad_error_nomem(err);
	if (s == total) {
		/* both samples are whole: their union is the sample */
		copy_n(out, m->sample, m->nsample * sizeof *out);
		copy_n(out + m->nsample, b->sample, b->nsample * sizeof *out);
	} else {
		if ((copy = ad_malloc(b->nsample * sizeof *copy + 1)) == NULL) {
			ad_free(out);
			return ad_error_nomem(err);
		}
		copy_n(copy, b->sample, b->nsample * sizeof *copy);
		for (uint64_t i = 0; i < s; i++) {
			if (ad_rng_below(&mp->rng, ra + rb) < ra) {
				ka++;
				ra--;
			} else {
				rb--;
			}
		}
		pick(&mp->rng, m->sample, m->nsample, (size_t)ka, out);
		pick(&mp->rng, copy, b->nsample, (size_t)(s - ka), out + ka);
		ad_free(copy);
	}
	ad_free(m->sample);
	m->sample = out;
	m->nsample = (size_t)s;
	return AD_OK;
}

/* Adds the categories column b lists to those of m, summing the counts
 * of categories both list. */
static enum ad_status merge_cats(struct ad_profile_col *m, struct acc *ma,
    const struct ad_profile_col *b, struct ad_error *err)
{
	size_t k = m->ncats;
	struct ad_profile_cat *all = ad_calloc(m->ncats + b->ncats + 1,
	    sizeof *all);

	if (all == NULL)
		return ad_error_nomem(err);
	copy_n(all, m->cats, m->ncats * sizeof *all);
	for (size_t i = 0; i < b->ncats; i++) {
		size_t j = ad_profile_find_cat(ma->cats, b->cats[i].text,
		    b->cats[i].len);
		if (j != SIZE_MAX)
			all[j].count += b->cats[i].count;
		else
			all[k++] = b->cats[i];
	}
	m->other += b->other;
	return ad_profile_keep_top(m, ma, all, k, 0, err);
}

/* Merges profile b into m, column by column. */
static enum ad_status merge_into(struct ad_profile *m,
    const struct ad_profile *b, struct ad_error *err)
{
	enum ad_status st;

	for (size_t i = 0; i < m->ncols; i++) {
		struct ad_profile_col *mc = &m->cols[i];
		const struct ad_profile_col *bc =
		    &b->cols[ad_profile_find(b, mc->name)];

		mc->missing += bc->missing;
		if (mc->type == AD_TEXT) {
			if ((st = merge_cats(mc, &m->acc[i], bc, err)) != AD_OK)
				return st;
			mc->n += bc->n;
			continue;
		}
		if ((st = merge_sample(m, mc, bc, err)) != AD_OK)
			return st;
		ad_profile_merge_moments(mc, bc->n, bc->mean, bc->m2, bc->min,
		    bc->max);
	}
	m->rows += b->rows;
	return AD_OK;
}

/* A deep copy of finished profile a, with its categories all kept. */
static enum ad_status copy_profile(const struct ad_profile *a,
    struct ad_profile **out, struct ad_error *err)
{
	struct ad_profile *p = ad_profile_alloc(a->ncols, &a->opts);
	enum ad_status st = AD_OK;

	if (p == NULL)
		return ad_error_nomem(err);
	p->rows = a->rows;
	p->finished = 1;
	for (size_t i = 0; i < a->ncols && st == AD_OK; i++) {
		const struct ad_profile_col *s = &a->cols[i];
		struct ad_profile_col *d = &p->cols[i];
		struct ad_profile_cat *cats;

		*d = *s;
		d->name = NULL;
		d->sample = NULL;
		d->edges = NULL;
		d->cats = NULL;
		d->ncats = 0;
		d->nsample = 0;
		d->nedges = 0;
		if ((d->name = ad_strndup(s->name, strlen(s->name))) == NULL ||
		    (d->sample = ad_malloc(s->nsample * sizeof *d->sample +
		    1)) == NULL ||
		    (cats = ad_calloc(s->ncats + 1, sizeof *cats)) == NULL) {
			st = ad_error_nomem(err);
			break;
		}
		copy_n(d->sample, s->sample, s->nsample * sizeof *d->sample);
		d->nsample = s->nsample;
		copy_n(cats, s->cats, s->ncats * sizeof *cats);
		st = ad_profile_keep_top(d, &p->acc[i], cats, s->ncats, 0, err);
	}
	if (st != AD_OK) {
		ad_profile_free(p);
		return st;
	}
	*out = p;
	return AD_OK;
}

/* Re-sorts the merged samples, recomputes edges, cuts categories to top. */
static enum ad_status refinish(struct ad_profile *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < p->ncols && st == AD_OK; i++) {
		struct ad_profile_col *c = &p->cols[i];

		if (c->type == AD_NUMERIC) {
			if ((st = ad_stats_sort(c->sample, c->nsample, err)) == AD_OK)
				st = ad_profile_set_edges(c, p->opts.bins, err);
		} else if (p->opts.top != 0 && c->ncats > p->opts.top) {
			st = ad_profile_keep_top(c, &p->acc[i], c->cats,
			    c->ncats, p->opts.top, err);
		}
	}
	return st;
}

enum ad_status ad_profile_merge(const struct ad_profile *const *ps,
    const char *const *names, size_t n, uint64_t seed,
    struct ad_profile **out, struct ad_error *err)
{
	struct ad_profile *m = NULL;
	enum ad_status st;

	for (size_t i = 1; i < n; i++) {
		const char *why = mismatch(ps[0], ps[i]);
		if (why != NULL)
			return ad_error_at(err, AD_EDATA, names[i], 0, 0, "profile has "
			    "%s than %s", why, names[0]);
	}
	if ((st = copy_profile(ps[0], &m, err)) != AD_OK)
		return st;
	m->opts.seed = seed;
	ad_rng_seed_one(&m->rng, seed);
	for (size_t i = 1; i < n && st == AD_OK; i++)
		st = merge_into(m, ps[i], err);
	if (st == AD_OK)
		st = refinish(m, err);
	if (st != AD_OK) {
		ad_profile_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}
