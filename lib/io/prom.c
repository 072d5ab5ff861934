/* Prometheus text exposition (format 0.0.4) for the --prom files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "num.h"
#include "out.h"
#include "prom.h"

static enum ad_status put(struct ad_out *out, const char *s,
    struct ad_error *err)
{
	return ad_out_write(out, s, strlen(s), err);
}

static enum ad_status put_label_value(struct ad_out *out, const char *s,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (; *s != '\0' && st == AD_OK; s++) {
		if (*s == '\\' || *s == '"')
			st = put(out, "\\", err);
		if (st == AD_OK)
			st = *s == '\n' ? put(out, "\\n", err) :
			    ad_out_write(out, s, 1, err);
	}
	return st;
}

static enum ad_status put_value(struct ad_out *out, double v,
    struct ad_error *err)
{
	char num[AD_NUM_MAXLEN];

	if (isnan(v))
		return put(out, "NaN", err);
	if (isinf(v))
		return put(out, v > 0 ? "+Inf" : "-Inf", err);
	ad_num_format(v, num);
	return put(out, num, err);
}

enum ad_status ad_prom_family(struct ad_out *out, const char *name,
    const char *help, struct ad_error *err)
{
	const char *parts[] = { "# HELP ", name, " ", help, "\n# TYPE ", name,
	    " gauge\n" };
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < sizeof parts / sizeof *parts && st == AD_OK; i++)
		st = put(out, parts[i], err);
	return st;
}

enum ad_status ad_prom_sample(struct ad_out *out, const char *name,
    const struct ad_prom_label *labels, size_t nlabels, double v,
    struct ad_error *err)
{
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
