#ifndef ADKIT_ENSEMBLE_H
#define ADKIT_ENSEMBLE_H
/*
 * -a ensemble: several detectors in one model, combined on their
 * calibrated scores (lib/detect/ensemble.c). What a caller that builds an
 * ensemble (ad-train's -a ensemble=LIST, -a auto) needs besides the
 * detector table.
 */
#include <stddef.h>

#include "ad.h"
#include "detector.h"

/* Most members an ensemble holds. */
#define AD_ENSEMBLE_MAX 8

/* Sets the members of ensemble options block opts (from
 * ad_detector_opts_new(ad_detector_named("ensemble"), ...)) to the
 * comma-separated detector names in list: 2 to AD_ENSEMBLE_MAX distinct
 * detectors other than ensemble, else AD_EUSAGE. */
enum ad_status ad_ensemble_set_members(void *opts, const char *list,
    struct ad_error *err);

/* Sets how ensemble options block opts combines its members: "mean",
 * "max" or "median", else AD_EUSAGE. */
enum ad_status ad_ensemble_set_combine(void *opts, const char *how,
    struct ad_error *err);

/* The i-th member of ensemble options block opts, or NULL past the last. */
const struct ad_detector *ad_ensemble_member(const void *opts, size_t i);

#endif
