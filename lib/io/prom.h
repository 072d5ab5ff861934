#ifndef ADKIT_PROM_H
#define ADKIT_PROM_H
/*
 * Prometheus text exposition for the commands' --prom files, written one
 * way: gauges with HELP and TYPE, label values escaped, numbers exact.
 */
#include <stddef.h>

#include "ad.h"

struct ad_out;

/* A sample's label: a NULL value leaves the label out. */
struct ad_prom_label {
	const char *name;
	const char *value;
};

/* Writes the HELP and TYPE (gauge) lines that head gauge name's samples. */
enum ad_status ad_prom_family(struct ad_out *out, const char *name,
    const char *help, struct ad_error *err);

/* Writes one sample, name{l1="v1",...} v: backslash, quote and newline in
 * values escaped; NaN as NaN, infinities as +Inf and -Inf. */
enum ad_status ad_prom_sample(struct ad_out *out, const char *name,
    const struct ad_prom_label *labels, size_t nlabels, double v,
    struct ad_error *err);

/* The run's time in Unix seconds for the last-run gauges: SOURCE_DATE_EPOCH
 * when set, so outputs can be reproduced byte for byte. */
double ad_prom_run_time(void);

#endif
