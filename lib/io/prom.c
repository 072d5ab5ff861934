/* Prometheus text exposition (format 0.0.4) for the --prom files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "num.h"
#include "out.h"
#include "prom.h"

/* Where the text goes: an ad_out, or the caller's sink. */
struct sink {
	ad_prom_write_fn write;
	void *ctx;
};

static enum ad_status put(const struct sink *out, const char *s,
    struct ad_error *err)
{
	return out->write(out->ctx, s, strlen(s), err);
}

static enum ad_status put_label_value(const struct sink *out, const char *s,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (; *s != '\0' && st == AD_OK; s++) {
		if (*s == '\\' || *s == '"')
			st = put(out, "\\", err);
		if (st == AD_OK)
			st = *s == '\n' ? put(out, "\\n", err) :
			    out->write(out->ctx, s, 1, err);
	}
	return st;
}

static enum ad_status put_value(const struct sink *out, double v,
    struct ad_error *err)
{
	char num[AD_NUM_MAXLEN];

	ad_prom_format_value(v, num);
	return put(out, num, err);
}

void ad_prom_format_value(double v, char *num)
{
	if (isnan(v))
		memcpy(num, "NaN", 4);
	else if (isinf(v))
		memcpy(num, v > 0 ? "+Inf" : "-Inf", 5);
	else
		ad_num_format(v, num);
}

enum ad_status ad_prom_family_to(ad_prom_write_fn write, void *ctx,
    const char *name, const char *type, const char *help,
    struct ad_error *err)
{
	const struct sink out = { write, ctx };
	const char *parts[] = { "# HELP ", name, " ", help, "\n# TYPE ", name,
	    " ", type, "\n" };
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < sizeof parts / sizeof *parts && st == AD_OK; i++)
		st = put(&out, parts[i], err);
	return st;
}

static enum ad_status out_write(void *ctx, const void *p, size_t n,
    struct ad_error *err)
{
	return ad_out_write(ctx, p, n, err);
}

enum ad_status ad_prom_family(struct ad_out *out, const char *name,
    const char *help, struct ad_error *err)
{
	return ad_prom_family_to(out_write, out, name, "gauge", help, err);
}

enum ad_status ad_prom_sample(struct ad_out *out, const char *name,
    const struct ad_prom_label *labels, size_t nlabels, double v,
    struct ad_error *err)
{
	return ad_prom_sample_to(out_write, out, name, labels, nlabels, v, err);
}

enum ad_status ad_prom_sample_to(ad_prom_write_fn write, void *ctx,
    const char *name, const struct ad_prom_label *labels, size_t nlabels,
    double v, struct ad_error *err)
{
	const struct sink o = { write, ctx }, *out = &o;
	enum ad_status st = put(out, name, err);
	const char *sep = "{";

	for (size_t i = 0; i < nlabels && st == AD_OK; i++) {
		if (labels[i].value == NULL)
			continue;
		if ((st = put(out, sep, err)) == AD_OK &&
		    (st = put(out, labels[i].name, err)) == AD_OK &&
		    (st = put(out, "=\"", err)) == AD_OK &&
		    (st = put_label_value(out, labels[i].value, err)) == AD_OK)
			st = put(out, "\"", err);
		sep = ",";
	}
	if (st == AD_OK && sep[0] == ',')
		st = put(out, "}", err);
	if (st == AD_OK)
		st = put(out, " ", err);
	if (st == AD_OK)
		st = put_value(out, v, err);
	if (st == AD_OK)
		st = put(out, "\n", err);
	return st;
}

double ad_prom_run_time(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	double v;

	if (e != NULL && ad_num_parse(e, strlen(e), &v) == AD_NUM_OK && v >= 0)
		return v;
	return (double)time(NULL);
}
