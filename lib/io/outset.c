/* A command's outputs, opened together and committed or aborted together. */
#include "alloc.h"
#include "out.h"
#include "outset.h"

struct ad_outset {
	struct ad_outset_entry *e;  /* copies of the caller's entries */
	size_t n;
};

enum ad_status ad_outset_open(struct ad_outset **set,
    const struct ad_outset_entry *e, size_t n, struct ad_error *err)
{
	struct ad_outset *s = ad_calloc(1, sizeof *s);
	enum ad_status st = AD_OK;

	if (s == NULL || (s->e = ad_calloc(n + 1, sizeof *s->e)) == NULL) {
		ad_free(s);
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		*e[i].slot = NULL;
		s->e[s->n++] = e[i];
	}
	for (size_t i = 0; i < n && st == AD_OK; i++)
		if (e[i].path != NULL)
			st = ad_out_open(e[i].slot, e[i].path, err);
	if (st != AD_OK) {
		ad_outset_free(s);
		return st;
	}
	*set = s;
	return AD_OK;
}

/* Every output's data is written first and only then is any moved into
 * place: a full disk under the last output must not leave the first one
 * published (the params of a run whose data never arrived). */
enum ad_status ad_outset_commit(struct ad_outset *set, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < set->n && st == AD_OK; i++)
		if (*set->e[i].slot != NULL)
			st = ad_out_flush(*set->e[i].slot, err);
	for (size_t i = 0; i < set->n && st == AD_OK; i++) {
		struct ad_out *o = *set->e[i].slot;

		if (o == NULL)
			continue;
		*set->e[i].slot = NULL;   /* ad_out_close frees it, come what may */
		st = ad_out_close(o, err);
	}
	return st;
}

void ad_outset_free(struct ad_outset *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++) {
		ad_out_abort(*set->e[i].slot);
		*set->e[i].slot = NULL;
	}
	ad_free(set->e);
	ad_free(set);
}
