/*
 * The detector table (see detector.h) and the hyper-parameter helpers the
 * detectors share. Each detector lives in its own file and is known here
 * by its symbol only, so this file includes no detector's header.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "detector.h"

/* One row per detector, X(NAME) for ad_NAME_detector and -a NAME, in the
 * order ad_detector_names lists them. */
#define DETECTORS(X) \
	X(iforest) \
	X(eif) \
	X(ocsvm) \
	X(autoencoder) \
	X(zscore) \
	X(knn) \
	X(lof) \
	X(hbos) \
	X(ecod) \
	X(pca) \
	X(mcd) \
	X(ensemble) \
	/* a new detector: its row above this line */

#define DECLARE(n) extern const struct ad_detector ad_##n##_detector;
DETECTORS(DECLARE)
#undef DECLARE

#define ROW(n) &ad_##n##_detector,
static const struct ad_detector *const table[] = { DETECTORS(ROW) };
#undef ROW

#define NAME(n) "|" #n
static const char names[] = DETECTORS(NAME);
#undef NAME

#define NDET (sizeof table / sizeof table[0])

const struct ad_detector *ad_detector_find(int algo)
{
	for (size_t i = 0; i < NDET; i++)
		if (table[i]->algo == algo)
			return table[i];
	return NULL;
}

const struct ad_detector *ad_detector_named(const char *name)
{
	for (size_t i = 0; i < NDET; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

const char *ad_detector_names(void)
{
	return names + 1;
}

const struct ad_detector *ad_detector_at(size_t i)
{
	return i < NDET ? table[i] : NULL;
}

enum ad_status ad_detector_opts_defaults(const struct ad_detector *d,
    void *opts, struct ad_error *err)
{
	return ad_opt_defaults(d->opts, d->nopts, AD_OPT_OWN, opts, err);
}

enum ad_status ad_detector_opts_new(const struct ad_detector *d, void **opts,
    struct ad_error *err)
{
	void *block = ad_calloc(1, d->opts_size ? d->opts_size : 1);
	enum ad_status st;

	if (block == NULL)
		return ad_error_nomem(err);
	if ((st = ad_detector_opts_defaults(d, block, err)) != AD_OK) {
		ad_detector_opts_free(d, block);
		return st;
	}
	*opts = block;
	return AD_OK;
}

void ad_detector_opts_free(const struct ad_detector *d, void *opts)
{
	if (opts == NULL)
		return;
	ad_opt_free(d->opts, d->nopts, AD_OPT_OWN, opts);
	ad_free(opts);
}

int ad_detector_takes(const struct ad_detector *d, const char *name)
{
	for (size_t i = 0; i < d->nopts; i++)
		if (d->opts[i].name != NULL && strcmp(d->opts[i].name, name) == 0)
			return 1;
	return 0;
}

enum ad_status ad_detector_check_option(const struct ad_detector *d,
    const char *name, struct ad_error *err)
{
	char who[256] = "";
	size_t len = 0, n = 0, k = 0;

	if (ad_detector_takes(d, name))
		return AD_OK;
	for (size_t i = 0; i < NDET; i++)
		n += (size_t)ad_detector_takes(table[i], name);
	for (size_t i = 0; i < NDET && len < sizeof who; i++)
		if (ad_detector_takes(table[i], name))
			len += (size_t)snprintf(who + len, sizeof who - len, "%s%s",
			    k++ == 0 ? "" : k == n ? " or " : ", ", table[i]->name);
	if (n == 0)
		return ad_error_set(err, AD_EUSAGE, "no detector takes --%s", name);
	return ad_error_set(err, AD_EUSAGE, "--%s needs -a %s", name, who);
}

double ad_detector_param_get(const struct ad_param *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NAN;
}

enum ad_status ad_detector_param_new(struct ad_param **p, size_t n,
    const char *const *keys, const double *values, struct ad_error *err)
{
	struct ad_param *q = ad_calloc(n ? n : 1, sizeof *q);

	if (q == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < n; i++) {
		memcpy(q[i].name, keys[i], strlen(keys[i]) + 1);
		q[i].value = values[i];
	}
	*p = q;
	return AD_OK;
}
