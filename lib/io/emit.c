/* The report writer with a sticky status (see emit.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "emit.h"
#include "json.h"
#include "num.h"
#include "out.h"
#include "writer.h"

void ad_emit_init(struct ad_emit *e, struct ad_out *out, struct ad_error *err)
{
	e->out = out;
	e->err = err;
	e->st = AD_OK;
}

enum ad_status ad_emit_status(const struct ad_emit *e)
{
	return e->st;
}

int ad_emit_ok(const struct ad_emit *e)
{
	return e->st == AD_OK;
}

void ad_emit_take(struct ad_emit *e, enum ad_status st)
{
	if (e->st == AD_OK)
		e->st = st;
}

void ad_emit_bytes(struct ad_emit *e, const void *p, size_t n)
{
	if (e->st == AD_OK)
		e->st = ad_out_write(e->out, p, n, e->err);
}

void ad_emit_raw(struct ad_emit *e, const char *s)
{
	if (e->st == AD_OK)
		e->st = ad_out_write(e->out, s, strlen(s), e->err);
}

/* Formats into a buffer of the needed size when the stack's is short. */
static void printf_long(struct ad_emit *e, size_t n, const char *fmt,
    va_list ap)
{
	char *big;

	if (n == SIZE_MAX || (big = ad_malloc(n + 1)) == NULL) {
		e->st = ad_error_nomem(e->err);
		return;
	}
	vsnprintf(big, n + 1, fmt, ap);
	e->st = ad_out_write(e->out, big, n, e->err);
	ad_free(big);
}

void ad_emit_printf(struct ad_emit *e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap, again;
	int n;

	if (e->st != AD_OK)
		return;
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		e->st = ad_error_set(e->err, AD_EIO, "cannot format the report");
	else if ((size_t)n < sizeof buf)
		e->st = ad_out_write(e->out, buf, (size_t)n, e->err);
	else
		printf_long(e, (size_t)n, fmt, again);
	va_end(again);
	va_end(ap);
}

void ad_emit_json_str(struct ad_emit *e, const char *s)
{
	if (s == NULL)
		ad_emit_raw(e, "null");
	else
		ad_emit_json_strn(e, s, strlen(s));
}

void ad_emit_json_strn(struct ad_emit *e, const char *s, size_t len)
{
	if (e->st == AD_OK)
		e->st = ad_json_string(e->out, s, len, e->err);
}

void ad_emit_json_num(struct ad_emit *e, double v)
{
	if (e->st == AD_OK)
		e->st = ad_json_number(e->out, v, e->err);
}

void ad_emit_json_uint(struct ad_emit *e, uint64_t v)
{
	if (e->st == AD_OK)
		e->st = ad_json_uint(e->out, (unsigned long long)v, e->err);
}

void ad_emit_json_bool(struct ad_emit *e, int v)
{
	ad_emit_raw(e, v ? "true" : "false");
}

void ad_emit_json_key(struct ad_emit *e, const char *before, const char *key)
{
	ad_emit_raw(e, before);
	ad_emit_json_str(e, key);
	ad_emit_raw(e, ": ");
}

void ad_emit_csv_field(struct ad_emit *e, const char *s, char delim)
{
	if (e->st == AD_OK)
		e->st = ad_writer_csv_field(e->out, s, strlen(s), delim, e->err);
}

void ad_emit_csv_num(struct ad_emit *e, double v)
{
	char buf[AD_NUM_MAXLEN];

	if (!isnan(v))
		ad_emit_bytes(e, buf, ad_num_format(v, buf));
}

void ad_emit_prom_family(struct ad_emit *e, const char *name,
    const char *help)
{
	if (e->st == AD_OK)
		e->st = ad_prom_family(e->out, name, help, e->err);
}

void ad_emit_prom_sample(struct ad_emit *e, const char *name,
    const struct ad_prom_label *labels, size_t nlabels, double v)
{
	if (e->st == AD_OK)
		e->st = ad_prom_sample(e->out, name, labels, nlabels, v, e->err);
}
