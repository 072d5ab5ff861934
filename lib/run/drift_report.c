/*
 * ad-drift's outputs, rendered from the results the run filled in (see
 * drift_report.h): a table of columns or windows (CSV or adkit's binary
 * stream, through lib/io/writer), the JSON report, the text report for
 * people, Prometheus metrics and the --verdict file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "block.h"
#include "drift_report.h"
#include "emit.h"
#include "out.h"
#include "prom.h"
#include "schema.h"
#include "writer.h"

/* A number for people: 4 significant digits, "-" when missing. */
static void human(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.4g", v);
}

void ad_drift_report_drifted_names(const struct ad_drift_col *cols, size_t ncols,
    char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < ncols; j++) {
		const char *name = cols[j].name;
		size_t need;

		if (!cols[j].drifted)
			continue;
		need = strlen(name) + (len ? 1 : 0);
		if (len + need + 4 >= n) {
			snprintf(buf + len, n - len, "%s...", len ? "," : "");
			return;
		}
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
		    name);
	}
}

/* ---- the table (csv, bin) ---- */

static const struct { const char *name; enum ad_type type; } col_table[] = {
	{ "column", AD_TEXT }, { "type", AD_TEXT }, { "n_ref", AD_NUMERIC },
	{ "n_cur", AD_NUMERIC }, { "psi", AD_NUMERIC }, { "ks", AD_NUMERIC },
	{ "ks_p", AD_NUMERIC }, { "ks_n_ref", AD_NUMERIC },
	{ "ks_n_cur", AD_NUMERIC }, { "chi2_p", AD_NUMERIC },
	{ "wasserstein", AD_NUMERIC }, { "js", AD_NUMERIC },
	{ "missing_delta", AD_NUMERIC }, { "unseen", AD_NUMERIC },
	{ "drifted", AD_NUMERIC }
};

static const struct { const char *name; enum ad_type type; } win_table[] = {
	{ "window", AD_NUMERIC }, { "first_line", AD_NUMERIC },
	{ "last_line", AD_NUMERIC }, { "rows", AD_NUMERIC },
	{ "columns_compared", AD_NUMERIC }, { "columns_drifted", AD_NUMERIC },
	{ "share", AD_NUMERIC }, { "drifted", AD_NUMERIC },
	{ "drifted_names", AD_TEXT }
};

static enum ad_status open_table(struct ad_drift_report *t,
    const struct ad_drift_results *r, struct ad_error *err)
{
	struct ad_writer_opts wo = { .format = AD_FORMAT_CSV };
	int win = r->o->window > 0;
	size_t n = win ? sizeof win_table / sizeof win_table[0] :
	    sizeof col_table / sizeof col_table[0];
	enum ad_status st;

	if ((st = ad_schema_new(&t->outs, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < n; i++) {
		const char *name = win ? win_table[i].name : col_table[i].name;
		if ((st = ad_schema_add(t->outs, name, strlen(name), win ?
		    win_table[i].type : col_table[i].type, err)) != AD_OK)
			return st;
	}
	if ((st = ad_block_new(&t->row, n, 1, err)) != AD_OK)
		return st;
	wo.format = r->o->format == AD_DRIFT_BIN ? AD_FORMAT_BIN : AD_FORMAT_CSV;
	wo.delim = r->o->in.delim;
	return ad_writer_open(&t->w, t->out, t->outs, &wo, err);
}

/* Writes the row being built, with cells[] as its numbers (text cells'
 * slots are ignored). */
static enum ad_status emit_row(struct ad_drift_report *t, const double *cells,
    struct ad_error *err)
{
	enum ad_status st;

	for (size_t i = 0; i < t->row->ncols; i++)
		if (t->outs->cols[i].type == AD_NUMERIC)
			t->row->num[i] = cells[i];
	t->row->nrows = 1;
	t->row->line[0] = 0;
	st = ad_writer_write(t->w, t->row, NULL, err);
	ad_block_clear(t->row);
	return st;
}

static enum ad_status table_columns(struct ad_drift_report *t,
    const struct ad_drift_results *r, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t j = 0; j < r->ncols && st == AD_OK; j++) {
		const struct ad_drift_col *c = &r->cols[j];
		const char *type = ad_schema_type_name(c->type);
		double cells[] = { 0, 0, (double)c->n_ref, (double)c->n_cur,
		    c->psi, c->ks, c->ks_p, c->ks_n_ref, c->ks_n_cur, c->chi2_p,
		    c->wasserstein, c->js, c->missing_delta, c->unseen,
		    c->drifted };

		if ((st = ad_block_set_text(t->row, 0, 0, c->name, strlen(c->name),
		    err)) == AD_OK &&
		    (st = ad_block_set_text(t->row, 0, 1, type, strlen(type),
		    err)) == AD_OK)
			st = emit_row(t, cells, err);
	}
	return st;
}

static enum ad_status table_window(struct ad_drift_report *t,
    const struct ad_drift_results *r, struct ad_error *err)
{
	char names[4096];
	double cells[] = { (double)r->window, (double)r->first_line,
	    (double)r->last_line, (double)r->rows, (double)r->v.columns,
	    (double)r->v.drifted, r->v.share, r->v.drift, 0 };
	enum ad_status st;

	ad_drift_report_drifted_names(r->cols, r->ncols, names, sizeof names);
	if ((st = ad_block_set_text(t->row, 0, 8, names, strlen(names),
	    err)) != AD_OK)
		return st;
	return emit_row(t, cells, err);
}

/* ---- JSON ---- */

/* , "key": v */
static void json_num(struct ad_emit *e, const char *key, double v)
{
	ad_emit_json_key(e, ", ", key);
	ad_emit_json_num(e, v);
}

static void json_uint(struct ad_emit *e, const char *key, uint64_t v)
{
	ad_emit_json_key(e, ", ", key);
	ad_emit_json_uint(e, v);
}

static void json_bool(struct ad_emit *e, const char *key, int v)
{
	ad_emit_json_key(e, ", ", key);
	ad_emit_json_bool(e, v);
}

static void json_rule(struct ad_emit *e, const struct ad_drift_results *r)
{
	const struct ad_drift_rule *u = r->rule;

	ad_emit_raw(e, ",\n  \"rule\": {\"method\": \"");
	ad_emit_raw(e, r->method);
	ad_emit_raw(e, "\"");
	json_num(e, "threshold", u->threshold);
	json_num(e, "alpha", u->method == AD_DRIFT_KS ? u->threshold :
	    u->alpha);
	json_num(e, "drift_share", u->share);
	ad_emit_raw(e, ", \"critical\": [");
	for (size_t i = 0; i < r->o->ncritical; i++) {
		ad_emit_raw(e, i ? ", " : "");
		ad_emit_json_str(e, r->o->critical[i]);
	}
	ad_emit_raw(e, "]}");
}

static void json_head(struct ad_emit *e, const struct ad_drift_results *r)
{
	ad_emit_raw(e, "{\n  \"reference\": ");
	ad_emit_json_str(e, r->reference);
	ad_emit_raw(e, ",\n  \"input\": ");
	ad_emit_json_str(e, r->input);
	json_rule(e, r);
	if (r->o->window > 0) {
		ad_emit_raw(e, ",\n  \"window\": ");
		ad_emit_json_uint(e, r->o->window);
		ad_emit_raw(e, ",\n  \"windows\": [");
	}
}

static void json_col(struct ad_emit *e, const struct ad_drift_col *c)
{
	ad_emit_raw(e, "{\"column\": ");
	ad_emit_json_str(e, c->name);
	ad_emit_raw(e, ", \"type\": \"");
	ad_emit_raw(e, ad_schema_type_name(c->type));
	ad_emit_raw(e, "\"");
	json_uint(e, "n_ref", c->n_ref);
	json_uint(e, "n_cur", c->n_cur);
	json_uint(e, "missing_ref", c->rows_ref - c->n_ref);
	json_uint(e, "missing_cur", c->rows_cur - c->n_cur);
	json_num(e, "psi", c->psi);
	json_num(e, "ks", c->ks);
	json_num(e, "ks_p", c->ks_p);
	if (!isnan(c->ks_p))
		ad_emit_raw(e, c->ks_method == AD_KS_EXACT ?
		    ", \"ks_method\": \"exact\"" : ", \"ks_method\": \"asymp\"");
	json_num(e, "ks_n_ref", c->ks_n_ref);
	json_num(e, "ks_n_cur", c->ks_n_cur);
	json_num(e, "chi2_p", c->chi2_p);
	json_num(e, "wasserstein", c->wasserstein);
	json_num(e, "js", c->js);
	json_num(e, "missing_delta", c->missing_delta);
	json_num(e, "unseen", c->unseen);
	if (c->type == AD_NUMERIC) {
		json_num(e, "ref_mean", c->ref_mean);
		json_num(e, "cur_mean", c->cur_mean);
		json_num(e, "ref_std", c->ref_std);
		json_num(e, "cur_std", c->cur_std);
	}
	json_bool(e, "critical", c->critical);
	json_bool(e, "drifted", c->drifted);
	ad_emit_raw(e, "}");
}

/* The verdict's members and the columns; ind starts each line. */
static void json_comparison(struct ad_emit *e,
    const struct ad_drift_results *r, const char *ind)
{
	char nl[40];

	snprintf(nl, sizeof nl, "\n%s", ind);
	ad_emit_raw(e, "\"rows_ref\": ");
	ad_emit_json_uint(e, r->rows_ref);
	json_uint(e, "rows_cur", r->rows_cur);
	json_uint(e, "columns_compared", r->v.columns);
	json_uint(e, "columns_drifted", r->v.drifted);
	json_num(e, "share", r->v.share);
	json_bool(e, "drift", r->v.drift);
	ad_emit_raw(e, ",");
	ad_emit_raw(e, nl);
	ad_emit_raw(e, "\"columns\": [");
	for (size_t j = 0; j < r->ncols; j++) {
		ad_emit_raw(e, j ? "," : "");
		ad_emit_raw(e, nl);
		ad_emit_raw(e, "  ");
		json_col(e, &r->cols[j]);
	}
	if (r->ncols > 0)
		ad_emit_raw(e, nl);
	ad_emit_raw(e, "]");
}

static void json_window(struct ad_emit *e, const struct ad_drift_results *r)
{
	ad_emit_raw(e, r->window > 1 ? ",\n    {" : "\n    {");
	ad_emit_raw(e, "\"window\": ");
	ad_emit_json_uint(e, r->window);
	json_uint(e, "first_line", r->first_line);
	json_uint(e, "last_line", r->last_line);
	json_uint(e, "rows", r->rows);
	ad_emit_raw(e, ",\n     ");
	json_comparison(e, r, "     ");
	ad_emit_raw(e, "}");
}

static void json_tail(struct ad_emit *e, const struct ad_drift_results *r)
{
	if (r->o->window == 0) {
		ad_emit_raw(e, ",\n  ");
		json_comparison(e, r, "  ");
		ad_emit_raw(e, "\n}\n");
		return;
	}
	ad_emit_raw(e, r->window ? "\n  ],\n  \"windows_drifted\": " :
	    "],\n  \"windows_drifted\": ");
	ad_emit_json_uint(e, r->res->windows_drifted);
	ad_emit_raw(e, ",\n  \"first_drift_line\": ");
	if (r->res->windows_drifted)
		ad_emit_json_uint(e, r->res->first_drift_line);
	else
		ad_emit_raw(e, "null");
	ad_emit_raw(e, ",\n  \"drift\": ");
	ad_emit_raw(e, r->res->drift ? "true\n}\n" : "false\n}\n");
}

/* ---- text ---- */

static void text_line(struct ad_emit *e, const char *const *cells,
    const int *widths, size_t n)
{
	char buf[1024];
	size_t len = 0;

	/* the row in buf, without trailing spaces */
	for (size_t i = 0; i < n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, i == 0 ?
		    "%-*s" : "  %*s", widths[i], cells[i]);
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	buf[len] = '\n';
	ad_emit_bytes(e, buf, len + 1);
}

static void text_columns(struct ad_emit *e, const struct ad_drift_results *r)
{
	static const char *const head[] = { "column", "type", "n_ref", "n_cur",
	    "psi", "ks", "ks_p", "ks_n_ref", "ks_n_cur", "chi2_p",
	    "wasserstein", "js", "missing_delta", "unseen", "drifted" };
	enum { N = sizeof head / sizeof head[0] };
	int widths[N];
	char num[N][32];
	const char *cells[N];
	size_t namew = 6;

	for (size_t j = 0; j < r->ncols; j++)
		if (strlen(r->cols[j].name) > namew)
			namew = strlen(r->cols[j].name);
	if (namew > 40)
		namew = 40;
	widths[0] = (int)namew;
	widths[1] = 7;
	/* "%.4g" takes at most 10 characters: -1.234e-100 is 11 */
	for (size_t i = 2; i < N; i++)
		widths[i] = (int)strlen(head[i]) > 11 ? (int)strlen(head[i]) : 11;
	widths[N - 1] = 7;
	text_line(e, head, widths, N);
	for (size_t j = 0; j < r->ncols && ad_emit_ok(e); j++) {
		const struct ad_drift_col *c = &r->cols[j];
		double v[] = { 0, 0, (double)c->n_ref, (double)c->n_cur, c->psi,
		    c->ks, c->ks_p, c->ks_n_ref, c->ks_n_cur, c->chi2_p,
		    c->wasserstein, c->js, c->missing_delta, c->unseen };

		cells[0] = c->name;
		cells[1] = ad_schema_type_name(c->type);
		for (size_t i = 2; i < N - 1; i++) {
			human(num[i], sizeof num[i], v[i]);
			cells[i] = num[i];
		}
		cells[N - 1] = c->drifted ? (c->critical ? "yes (!)" : "yes") : "no";
		text_line(e, cells, widths, N);
	}
}

static void text_verdict(struct ad_emit *e, const struct ad_drift_results *r)
{
	char buf[600], names[300];

	ad_drift_report_drifted_names(r->cols, r->ncols, names, sizeof names);
	snprintf(buf, sizeof buf, "%s: %zu of %zu columns drifted (share %.4g, "
	    "threshold %.4g)%s%s%s\n", r->v.drift ? "drift" : "no drift",
	    r->v.drifted, r->v.columns, r->v.share, r->rule->share,
	    r->v.drifted ? ": " : "", names,
	    r->v.critical_drifted ? "; a critical column drifted" : "");
	ad_emit_raw(e, buf);
}

static void text_window(struct ad_emit *e, const struct ad_drift_results *r)
{
	static const char *const head[] = { "window", "first_line", "last_line",
	    "rows", "drifted", "share", "drift", "columns" };
	static const int widths[] = { 6, 10, 10, 8, 9, 7, 5, 0 };
	char c[7][32], names[300];
	const char *cells[8];

	if (r->window == 1)
		text_line(e, head, widths, 8);
	snprintf(c[0], sizeof c[0], "%llu", (unsigned long long)r->window);
	snprintf(c[1], sizeof c[1], "%llu", (unsigned long long)r->first_line);
	snprintf(c[2], sizeof c[2], "%llu", (unsigned long long)r->last_line);
	snprintf(c[3], sizeof c[3], "%llu", (unsigned long long)r->rows);
	snprintf(c[4], sizeof c[4], "%zu/%zu", r->v.drifted, r->v.columns);
	human(c[5], sizeof c[5], r->v.share);
	snprintf(c[6], sizeof c[6], "%s", r->v.drift ? "yes" : "no");
	ad_drift_report_drifted_names(r->cols, r->ncols, names, sizeof names);
	for (int i = 0; i < 7; i++)
		cells[i] = c[i];
	cells[7] = names;
	text_line(e, cells, widths, 8);
}

static void text_tail(struct ad_emit *e, const struct ad_drift_results *r)
{
	if (r->o->window == 0) {
		text_columns(e, r);
		text_verdict(e, r);
		return;
	}
	ad_emit_printf(e, "%s: %llu of %llu windows drifted\n",
	    r->res->drift ? "drift" : "no drift",
	    (unsigned long long)r->res->windows_drifted,
	    (unsigned long long)r->window);
}

/* ---- the report ---- */

enum ad_status ad_drift_report_begin(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_out *out,
    struct ad_error *err)
{
	struct ad_emit e;

	rep->out = out;
	switch (x->o->format) {
	case AD_DRIFT_CSV:
	case AD_DRIFT_BIN:
		return open_table(rep, x, err);
	case AD_DRIFT_JSON:
		ad_emit_init(&e, out, err);
		json_head(&e, x);
		return ad_emit_status(&e);
	case AD_DRIFT_TEXT:
		break;
	}
	return AD_OK;
}

enum ad_status ad_drift_report_window(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_error *err)
{
	struct ad_emit e;

	ad_emit_init(&e, rep->out, err);
	switch (x->o->format) {
	case AD_DRIFT_CSV:
	case AD_DRIFT_BIN:
		return table_window(rep, x, err);
	case AD_DRIFT_JSON:
		json_window(&e, x);
		break;
	case AD_DRIFT_TEXT:
		text_window(&e, x);
		break;
	}
	return ad_emit_status(&e);
}

enum ad_status ad_drift_report_end(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_error *err)
{
	struct ad_emit e;

	ad_emit_init(&e, rep->out, err);
	switch (x->o->format) {
	case AD_DRIFT_CSV:
	case AD_DRIFT_BIN:
		if (x->o->window == 0)
			ad_emit_take(&e, table_columns(rep, x, err));
		if (ad_emit_ok(&e))
			ad_emit_take(&e, ad_writer_finish(rep->w, err));
		break;
	case AD_DRIFT_JSON:
		json_tail(&e, x);
		break;
	case AD_DRIFT_TEXT:
		text_tail(&e, x);
		break;
	}
	return ad_emit_status(&e);
}

void ad_drift_report_free(struct ad_drift_report *rep)
{
	if (rep == NULL)
		return;
	ad_writer_free(rep->w);
	ad_block_free(rep->row);
	ad_schema_free(rep->outs);
	rep->w = NULL;
	rep->row = NULL;
	rep->outs = NULL;
}

enum ad_status ad_drift_report_verdict(const struct ad_drift_results *x,
    struct ad_out *out, struct ad_error *err)
{
	struct ad_emit e;

	ad_emit_init(&e, out, err);
	ad_emit_raw(&e, x->res->drift ? "true\n" : "false\n");
	return ad_emit_status(&e);
}

/* ---- Prometheus ---- */

/* One sample of gauge name; its HELP and TYPE come first when *first.
 * NaN (a statistic that does not apply) writes nothing. */
static void prom_sample(struct ad_emit *e, const char *name,
    const char *help, const char *input, const char *column, double v,
    int *first)
{
	const struct ad_prom_label labels[] = {
		{ "input", input }, { "column", column }
	};

	if (isnan(v))
		return;
	if (*first)
		ad_emit_prom_family(e, name, help);
	*first = 0;
	ad_emit_prom_sample(e, name, labels, 2, v);
}

/* A gauge of one sample, the input its label. */
static void prom_gauge(struct ad_emit *e, const char *name,
    const char *help, const char *input, double v)
{
	int first = 1;

	prom_sample(e, name, help, input, NULL, v, &first);
}

enum ad_status ad_drift_report_prom(const struct ad_drift_results *r,
    struct ad_out *out, struct ad_error *err)
{
	static const struct { const char *name, *help; } per[] = {
		{ "adkit_drift_psi", "Population stability index of a column "
		    "against the reference." },
		{ "adkit_drift_ks_statistic", "Two-sample Kolmogorov-Smirnov "
		    "statistic of a numeric column." },
		{ "adkit_drift_ks_pvalue", "Kolmogorov-Smirnov p-value of a "
		    "numeric column." },
		{ "adkit_drift_ks_reference_size", "Reference values the "
		    "Kolmogorov-Smirnov test used (a sample, or its effective "
		    "size with --ess)." },
		{ "adkit_drift_ks_current_size", "Current values the "
		    "Kolmogorov-Smirnov test used (a sample, or its effective "
		    "size with --ess)." },
		{ "adkit_drift_chi2_pvalue", "Chi-square test p-value of a text "
		    "column." },
		{ "adkit_drift_wasserstein", "Wasserstein-1 distance of a numeric "
		    "column, in reference standard deviations." },
		{ "adkit_drift_js_distance", "Jensen-Shannon distance (base 2) of "
		    "a column." },
		{ "adkit_drift_missing_delta", "Missing rate of a column minus "
		    "that of the reference." },
		{ "adkit_drift_column_drifted", "1 if the column drifted, else 0." },
	};
	const char *in = r->input;
	struct ad_emit e;

	ad_emit_init(&e, out, err);
	prom_gauge(&e, "adkit_drift_detected", "1 if the last run found "
	    "drift, else 0.", in, r->res->drift);
	prom_gauge(&e, "adkit_drift_columns_compared", "Columns compared in "
	    "the last run.", in, (double)r->v.columns);
	prom_gauge(&e, "adkit_drift_columns_drifted", "Columns that drifted "
	    "in the last run (the last window with --window).", in,
	    (double)r->v.drifted);
	prom_gauge(&e, "adkit_drift_share", "Share of the compared columns "
	    "that drifted.", in, r->v.share);
	if (r->o->window > 0) {
		prom_gauge(&e, "adkit_drift_windows", "Windows compared in the "
		    "last run.", in, (double)r->window);
		prom_gauge(&e, "adkit_drift_windows_drifted", "Windows that "
		    "drifted in the last run.", in,
		    (double)r->res->windows_drifted);
	}
	/* with --window, the columns of the last window, if there was one */
	for (size_t m = 0; m < sizeof per / sizeof per[0] && (r->o->window == 0 ||
	    r->window > 0); m++) {
		int first = 1;

		for (size_t j = 0; j < r->ncols; j++) {
			const struct ad_drift_col *c = &r->cols[j];
			double v[] = { c->psi, c->ks, c->ks_p, c->ks_n_ref,
			    c->ks_n_cur, c->chi2_p, c->wasserstein, c->js,
			    c->missing_delta, c->drifted };
			prom_sample(&e, per[m].name, per[m].help, in, c->name, v[m],
			    &first);
		}
	}
	prom_gauge(&e, "adkit_drift_last_run_timestamp_seconds", "When "
	    "ad-drift last finished a comparison, in Unix time.", in,
	    ad_prom_run_time());
	return ad_emit_status(&e);
}
