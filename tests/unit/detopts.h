/*
 * The unit tests' way to a detector's default options: the generic path
 * ad-train takes (the detector's rows), into a block on the caller's
 * stack.
 */
#ifndef ADKIT_TEST_DETOPTS_H
#define ADKIT_TEST_DETOPTS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoenc.h"
#include "detector.h"

/* Sets block (size bytes, the options block of detector name) to the
 * defaults of the detector's rows; aborts the test if it cannot. */
__attribute__((unused))
static void detector_defaults(const char *name, void *block, size_t size)
{
	const struct ad_detector *d = ad_detector_named(name);
	struct ad_error err;

	ad_error_clear(&err);
	memset(block, 0, size);
	if (d == NULL || d->opts_size != size ||
	    ad_detector_opts_defaults(d, block, &err) != AD_OK) {
		fprintf(stderr, "detector_defaults(%s): %s\n", name, err.msg);
		abort();
	}
}

/* The autoencoder's default training parameters (its rows' defaults). */
__attribute__((unused))
static void autoenc_defaults(struct ad_autoenc_params *p)
{
	struct ad_autoenc_opts o;

	detector_defaults("autoencoder", &o, sizeof o);
	*p = o.params;
}

#endif
