#ifndef ADKIT_PROM_H
#define ADKIT_PROM_H
/*
 * Prometheus text exposition for the commands' --prom files, written one
 * way: gauges with HELP and TYPE, label values escaped, numbers exact;
 * ad-serve's /metrics writes its counters and histograms through the same
 * functions into memory (the _to forms).
 */
#include <stddef.h>

#include "ad.h"

struct ad_out;

/* A sample's label: a NULL value leaves the label out. */
struct ad_prom_label {
	const char *name;
	const char *value;
};

/* Receives exposition text: ad_out_write's shape, for other sinks. */
typedef enum ad_status (*ad_prom_write_fn)(void *ctx, const void *p,
    size_t n, struct ad_error *err);

/* ad_prom_family for any sink and type ("counter", "histogram", ...). */
enum ad_status ad_prom_family_to(ad_prom_write_fn write, void *ctx,
    const char *name, const char *type, const char *help,
    struct ad_error *err);

/* ad_prom_sample for any sink. */
enum ad_status ad_prom_sample_to(ad_prom_write_fn write, void *ctx,
    const char *name, const struct ad_prom_label *labels, size_t nlabels,
    double v, struct ad_error *err);

/* Writes v as a sample value (or a bucket's le) into num (AD_NUM_MAXLEN
 * bytes, NUL-terminated): shortest exact, NaN, +Inf, -Inf. */
void ad_prom_format_value(double v, char *num);

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
