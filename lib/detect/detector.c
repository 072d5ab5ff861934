/*
 * The detector table (see detector.h) and the hyper-parameter helpers the
 * detectors share. Each detector lives in its own file and is known here
 * by its symbol only, so this file includes no detector's header.
 */
#include <math.h>
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

double ad_param_get(const struct ad_param *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NAN;
}

enum ad_status ad_param_new(struct ad_param **p, size_t n,
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
