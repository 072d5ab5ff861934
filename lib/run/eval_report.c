/*
 * ad-eval's outputs, rendered from the results the run computed (see
 * eval_report.h): the JSON, text and CSV reports, Kubeflow's metrics and UI
 * metadata, Prometheus metrics and the SVG plot. Every output lists the same
 * items (a metric's name, value, and why it is undefined, if it is), built
 * here from a group's results.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "eval_report.h"
#include "num.h"
#include "prom.h"
#include "svg.h"

static const char no_decision[] = "no decision: give --pred, --threshold, "
    "--top-k or --contamination";

double ad_eval_report_rate(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : NAN;
}

/* ---- the items ---- */

/* One reported value. */
struct item {
	const char *key;
	struct ad_value v;   /* NaN without why: null, and no reason given */
	int count;           /* a whole number */
};

struct items {
	struct item a[48];
	size_t n;
};

static struct ad_value value(double v)
{
	struct ad_value x = { v, NULL };

	return x;
}

static void put(struct items *it, const char *key, struct ad_value v,
    int count)
{
	struct item *x;

	if (it->n == sizeof it->a / sizeof it->a[0])
		return;     /* cannot happen: the lists are fixed and shorter */
	x = &it->a[it->n++];

	x->key = key;
	x->v = v;
	x->count = count;
}

static void put_count(struct items *it, const char *key, uint64_t n)
{
	put(it, key, value((double)n), 1);
}

static struct ad_value undecided(void)
{
	struct ad_value x = { NAN, no_decision };

	return x;
}

static void model_items(const struct ad_eval_model *m, struct items *it)
{
	const struct ad_confusion *c = &m->conf;
	const struct ad_decision_metrics *d = &m->dm;
	const struct ad_rank_metrics *k = &m->rm;
	struct ad_value u = undecided();

	put(it, "threshold", value(m->threshold), 0);
	put(it, "tp", m->decided ? value((double)c->tp) : u, 1);
	put(it, "fp", m->decided ? value((double)c->fp) : u, 1);
	put(it, "tn", m->decided ? value((double)c->tn) : u, 1);
	put(it, "fn", m->decided ? value((double)c->fn) : u, 1);
	put(it, "precision", m->decided ? d->precision : u, 0);
	put(it, "recall", m->decided ? d->recall : u, 0);
	put(it, "f1", m->decided ? d->f1 : u, 0);
	put(it, "accuracy", m->decided ? d->accuracy : u, 0);
	put(it, "specificity", m->decided ? d->specificity : u, 0);
	put(it, "mcc", m->decided ? d->mcc : u, 0);
	put(it, "roc_auc", k->roc_auc, 0);
	put(it, "pr_auc", k->pr_auc, 0);
	put(it, "precision_at_k", k->precision_at_k, 0);
	put(it, "best_f1", k->best_f1, 0);
	put(it, "best_f1_threshold", k->best_f1_threshold, 0);
}

static void group_items(const struct ad_eval_report *r,
    const struct ad_eval_group *g, struct items *it)
{
	put_count(it, "rows_missing_label", g->missing[AD_EVAL_LABEL]);
	put_count(it, "rows_missing_score", g->missing[AD_EVAL_SCORE]);
	if (r->paired)
		put_count(it, "rows_missing_compare", g->missing[AD_EVAL_COMPARE]);
	if (r->decision == AD_DECISION_PRED)
		put_count(it, "rows_missing_pred", g->missing[AD_EVAL_PRED]);
	put_count(it, "rows_used", g->used);
	put_count(it, "positives", g->npos);
	put_count(it, "negatives", g->nneg);
	model_items(&g->m[0], it);
}

/* b - a, undefined when either is. */
static struct ad_value diff(struct ad_value a, struct ad_value b)
{
	if (a.why != NULL)
		return a;
	if (b.why != NULL)
		return b;
	return value(b.v - a.v);
}

/* Challenger j (1 <= j < nmodels) against the --score column. */
static void compare_items(const struct ad_eval_report *r,
    const struct ad_eval_group *g, size_t j, struct items *it)
{
	const struct ad_eval_model *a = &g->m[0], *b = &g->m[j];
	const struct ad_bootstrap *bs = &r->boot[j];
	struct ad_value u = undecided();

	model_items(b, it);
	put(it, "roc_auc_diff", diff(a->rm.roc_auc, b->rm.roc_auc), 0);
	put(it, "pr_auc_diff", diff(a->rm.pr_auc, b->rm.pr_auc), 0);
	put(it, "f1_diff", a->decided ? diff(a->dm.f1, b->dm.f1) : u, 0);
	put(it, "delong_se", g->delong[j].se, 0);
	put(it, "delong_z", g->delong[j].z, 0);
	put(it, "delong_p_value", g->delong[j].p, 0);
	if (g != &r->all)
		return;
	put_count(it, "bootstrap_resamples", bs->resamples);
	put_count(it, "bootstrap_seed", bs->seed);
	put(it, "bootstrap_level", value(bs->level), 0);
	put(it, "f1_diff_low", bs->f1_low, 0);
	put(it, "f1_diff_high", bs->f1_high, 0);
	put(it, "pr_auc_diff_low", bs->ap_low, 0);
	put(it, "pr_auc_diff_high", bs->ap_high, 0);
}

/* The prefix of challenger j's keys in the CSV and text reports:
 * "compare." with one challenger, "compare.COLUMN." with several. */
static void compare_prefix(char *buf, size_t cap,
    const struct ad_eval_report *r, size_t j)
{
	if (r->nmodels > 2)
		snprintf(buf, cap, "compare.%s.", r->column[j]);
	else
		snprintf(buf, cap, "compare.");
}

static const struct item *find_item(const struct items *it, const char *key)
{
	for (size_t i = 0; i < it->n; i++)
		if (strcmp(it->a[i].key, key) == 0)
			return &it->a[i];
	return NULL;
}

/* ---- gates ---- */

static const char *const gate_metric[AD_GATES] = {
	"f1", "roc_auc", "precision", "recall"
};

static const char *const gate_name[AD_GATES] = {
	"min_f1", "min_auc", "min_precision", "min_recall"
};

static struct ad_value gate_value(const struct ad_eval_report *r, int g)
{
	struct items it = { .n = 0 };

	model_items(&r->all.m[0], &it);
	return find_item(&it, gate_metric[g])->v;
}

static int gate_passed(const struct ad_eval_report *r, int g)
{
	struct ad_value v = gate_value(r, g);

	return v.why == NULL && !isnan(v.v) && v.v >= r->o->min[g];
}

const char *ad_eval_report_gate_option(enum ad_eval_gate g)
{
	static const char *const option[AD_GATES] = {
		"--min-f1", "--min-auc", "--min-precision", "--min-recall"
	};

	return option[g];
}

enum ad_status ad_eval_report_check_gates(const struct ad_eval_report *r,
    struct ad_error *err)
{
	char msg[sizeof err->msg] = "", num[AD_NUM_MAXLEN], min[AD_NUM_MAXLEN];
	size_t len = 0;
	int missed = 0;

	for (int g = 0; g < AD_GATES; g++) {
		struct ad_value v = gate_value(r, g);
		int n;

		if (isnan(r->o->min[g]) || gate_passed(r, g))
			continue;
		ad_num_format(r->o->min[g], min);
		if (v.why != NULL) {
			n = snprintf(msg + len, sizeof msg - len, "%s%s is undefined "
			    "(%s), %s %s", missed ? "; " : "", gate_metric[g], v.why,
			    ad_eval_report_gate_option(g), min);
		} else {
			ad_num_format(v.v, num);
			n = snprintf(msg + len, sizeof msg - len, "%s%s %s is below "
			    "%s %s", missed ? "; " : "", gate_metric[g], num,
			    ad_eval_report_gate_option(g), min);
		}
		len += (size_t)n;
		if (len >= sizeof msg)
			len = sizeof msg - 1;
		missed++;
	}
	if (!missed)
		return AD_OK;
	return ad_error_set(err, AD_ECHECK, "quality gate%s missed: %s",
	    missed > 1 ? "s" : "", msg);
}

/* ---- JSON ---- */

/* ",\n<indent>"key": " */
static void jkey(struct ad_emit *w, const char *indent, const char *key)
{
	ad_emit_raw(w, ",\n");
	ad_emit_json_key(w, indent, key);
}

static void json_items(struct ad_emit *w, const struct items *it,
    const char *indent)
{
	int first = 1;

	for (size_t i = 0; i < it->n; i++) {
		jkey(w, indent, it->a[i].key);
		ad_emit_json_num(w, it->a[i].v.v);
	}
	jkey(w, indent, "undefined");
	ad_emit_raw(w, "{");
	for (size_t i = 0; i < it->n; i++) {
		if (it->a[i].v.why == NULL)
			continue;
		ad_emit_raw(w, first ? "" : ", ");
		ad_emit_json_str(w, it->a[i].key);
		ad_emit_raw(w, ": ");
		ad_emit_json_str(w, it->a[i].v.why);
		first = 0;
	}
	ad_emit_raw(w, "}");
}

static void json_challenger(struct ad_emit *w, const struct ad_eval_report *r,
    const struct ad_eval_group *g, size_t j, const char *indent,
    const char *inner)
{
	struct items it = { .n = 0 };

	compare_items(r, g, j, &it);
	ad_emit_raw(w, "{\n");
	ad_emit_raw(w, inner);
	ad_emit_raw(w, "\"score\": ");
	ad_emit_json_str(w, r->column[j]);
	json_items(w, &it, inner);
	ad_emit_raw(w, "\n");
	ad_emit_raw(w, indent);
	ad_emit_raw(w, "}");
}

/* "compare": an object for one challenger, an array of them for several. */
static void json_compare(struct ad_emit *w, const struct ad_eval_report *r,
    const struct ad_eval_group *g, const char *indent, const char *inner)
{
	char in2[32];

	jkey(w, indent, "compare");
	if (r->nmodels == 2) {
		json_challenger(w, r, g, 1, indent, inner);
		return;
	}
	snprintf(in2, sizeof in2, "%s  ", inner);
	ad_emit_raw(w, "[");
	for (size_t j = 1; j < r->nmodels; j++) {
		ad_emit_raw(w, j > 1 ? ",\n" : "\n");
		ad_emit_raw(w, inner);
		json_challenger(w, r, g, j, inner, in2);
	}
	ad_emit_raw(w, "\n");
	ad_emit_raw(w, indent);
	ad_emit_raw(w, "]");
}

static const char *decision_name(enum ad_eval_decision d)
{
	static const char *const names[] = {
		"none", "pred", "threshold", "top_k", "contamination"
	};

	return names[d];
}

static void json_head(struct ad_emit *w, const struct ad_eval_report *r)
{
	const char *in = r->input;

	ad_emit_raw(w, "{\n  \"input\": ");
	ad_emit_json_str(w, in);
	jkey(w, "  ", "label");
	ad_emit_json_str(w, r->name[AD_EVAL_LABEL]);
	jkey(w, "  ", "score");
	ad_emit_json_str(w, r->name[AD_EVAL_SCORE]);
	jkey(w, "  ", "decision");
	ad_emit_json_str(w, decision_name(r->decision));
	jkey(w, "  ", "decision_column");
	ad_emit_json_str(w, r->name[AD_EVAL_PRED]);
	jkey(w, "  ", "top_k");
	ad_emit_json_num(w, r->decision == AD_DECISION_TOP_K ||
	    r->decision == AD_DECISION_CONTAMINATION ?
	    (double)r->k : NAN);
	jkey(w, "  ", "contamination");
	ad_emit_json_num(w, r->decision == AD_DECISION_CONTAMINATION ?
	    r->o->contamination : NAN);
	jkey(w, "  ", "rows_read");
	ad_emit_json_num(w, (double)r->res->rows_read);
	jkey(w, "  ", "rows_rejected");
	ad_emit_json_num(w, (double)r->res->rows_rejected);
}

static void json_gates(struct ad_emit *w, const struct ad_eval_report *r)
{
	int first = 1;

	jkey(w, "  ", "gates");
	ad_emit_raw(w, "[");
	for (int g = 0; g < AD_GATES; g++) {
		struct ad_value v = gate_value(r, g);

		if (isnan(r->o->min[g]))
			continue;
		ad_emit_raw(w, first ? "\n    {\"gate\": " : ",\n    {\"gate\": ");
		ad_emit_json_str(w, gate_name[g]);
		ad_emit_raw(w, ", \"metric\": ");
		ad_emit_json_str(w, gate_metric[g]);
		ad_emit_raw(w, ", \"min\": ");
		ad_emit_json_num(w, r->o->min[g]);
		ad_emit_raw(w, ", \"value\": ");
		ad_emit_json_num(w, v.v);
		ad_emit_raw(w, gate_passed(r, g) ? ", \"passed\": true}" :
		    ", \"passed\": false}");
		first = 0;
	}
	ad_emit_raw(w, first ? "]" : "\n  ]");
}

static void json_groups(struct ad_emit *w, const struct ad_eval_report *r)
{
	jkey(w, "  ", "by");
	ad_emit_json_str(w, r->name[AD_EVAL_BY]);
	jkey(w, "  ", "rows_missing_by");
	ad_emit_json_num(w, (double)r->res->missing_by);
	jkey(w, "  ", "groups");
	ad_emit_raw(w, "[");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct ad_eval_group *g = &r->groups[i];
		struct items it = { .n = 0 };

		group_items(r, g, &it);
		ad_emit_raw(w, i ? ",\n    {\n      \"value\": " :
		    "\n    {\n      \"value\": ");
		ad_emit_json_str(w, g->value);
		json_items(w, &it, "      ");
		if (r->paired)
			json_compare(w, r, g, "      ", "        ");
		ad_emit_raw(w, "\n    }");
	}
	ad_emit_raw(w, r->ngroups ? "\n  ]" : "]");
}

enum ad_status ad_eval_report_json(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	struct ad_emit w;
	struct items it = { .n = 0 };

	ad_emit_init(&w, out, err);
	json_head(&w, r);
	group_items(r, &r->all, &it);
	json_items(&w, &it, "  ");
	if (r->paired)
		json_compare(&w, r, &r->all, "  ", "    ");
	json_gates(&w, r);
	if (r->name[AD_EVAL_BY] != NULL)
		json_groups(&w, r);
	ad_emit_raw(&w, "\n}\n");
	return ad_emit_status(&w);
}

/* ---- CSV ---- */

static void csv_row(struct ad_emit *w, const struct ad_eval_report *r,
    const char *group, const char *prefix, const struct item *x)
{
	char key[1024];

	if (r->name[AD_EVAL_BY] != NULL) {
		/* NULL: the totals */
		ad_emit_csv_field(w, group != NULL ? group : "", ',');
		ad_emit_raw(w, ",");
	}
	snprintf(key, sizeof key, "%s%s", prefix, x->key);
	ad_emit_csv_field(w, key, ',');
	ad_emit_raw(w, ",");
	if (!isnan(x->v.v))
		ad_emit_json_num(w, x->v.v);
	ad_emit_raw(w, ",");
	if (x->v.why != NULL)
		ad_emit_csv_field(w, x->v.why, ',');
	ad_emit_raw(w, "\n");
}

static void csv_group(struct ad_emit *w, const struct ad_eval_report *r,
    const struct ad_eval_group *g)
{
	struct items it = { .n = 0 };

	if (g == &r->all) {
		struct item read = { "rows_read",
		    value((double)r->res->rows_read), 1 };
		struct item rej = { "rows_rejected",
		    value((double)r->res->rows_rejected), 1 };
		csv_row(w, r, NULL, "", &read);
		csv_row(w, r, NULL, "", &rej);
		if (r->name[AD_EVAL_BY] != NULL) {
			struct item mb = { "rows_missing_by",
			    value((double)r->res->missing_by), 1 };
			csv_row(w, r, NULL, "", &mb);
		}
	}
	group_items(r, g, &it);
	for (size_t i = 0; i < it.n; i++)
		csv_row(w, r, g->value, "", &it.a[i]);
	for (size_t j = 1; j < r->nmodels; j++) {
		char prefix[1024];

		it.n = 0;
		compare_items(r, g, j, &it);
		compare_prefix(prefix, sizeof prefix, r, j);
		for (size_t i = 0; i < it.n; i++)
			csv_row(w, r, g->value, prefix, &it.a[i]);
	}
}

enum ad_status ad_eval_report_csv(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	struct ad_emit w;

	ad_emit_init(&w, out, err);
	ad_emit_raw(&w, r->name[AD_EVAL_BY] != NULL ? "group,metric,value,note\n" :
	    "metric,value,note\n");
	csv_group(&w, r, &r->all);
	for (int g = 0; g < AD_GATES; g++) {
		struct item x = { gate_name[g], value(gate_passed(r, g)), 1 };
		char key[32];

		if (isnan(r->o->min[g]))
			continue;
		snprintf(key, sizeof key, "gate_%s_passed", gate_name[g]);
		x.key = key;
		csv_row(&w, r, NULL, "", &x);
	}
	for (size_t i = 0; i < r->ngroups; i++)
		csv_group(&w, r, &r->groups[i]);
	return ad_emit_status(&w);
}

/* ---- text ---- */

/* A value for people: counts whole, rates to 4 decimals, "-" if undefined. */
static void show(char *buf, size_t cap, const struct item *x, int sign)
{
	if (isnan(x->v.v))
		snprintf(buf, cap, "-");
	else if (x->count)
		snprintf(buf, cap, "%.0f", x->v.v);
	else if (strcmp(x->key, "threshold") == 0 ||
	    strcmp(x->key, "best_f1_threshold") == 0)
		snprintf(buf, cap, "%.6g", x->v.v);
	else
		snprintf(buf, cap, sign ? "%+.4f" : "%.4f", x->v.v);
}

static void text_decision(struct ad_emit *w, const struct ad_eval_report *r)
{
	char t[64] = "";

	if (r->decision != AD_DECISION_PRED && r->decision != AD_DECISION_NONE &&
	    !isnan(r->all.m[0].threshold))
		snprintf(t, sizeof t, " (score >= %.6g)", r->all.m[0].threshold);
	switch (r->decision) {
	case AD_DECISION_NONE:
		ad_emit_raw(w, "decision   none (give --pred, --threshold, "
		    "--top-k or --contamination)\n");
		break;
	case AD_DECISION_PRED:
		ad_emit_printf(w, "decision   column \"%s\"\n", r->name[AD_EVAL_PRED]);
		break;
	case AD_DECISION_THRESHOLD:
		ad_emit_printf(w, "decision   score >= %.6g\n", r->o->threshold);
		break;
	case AD_DECISION_TOP_K:
		ad_emit_printf(w, "decision   the top %llu scores%s\n",
		    (unsigned long long)r->k, t);
		break;
	case AD_DECISION_CONTAMINATION:
		ad_emit_printf(w, "decision   the top %.6g%% (%llu rows)%s\n",
		    r->o->contamination * 100, (unsigned long long)r->k, t);
		break;
	}
}

static void text_head(struct ad_emit *w, const struct ad_eval_report *r)
{
	const struct ad_eval_result *s = r->res;

	ad_emit_printf(w, "input      %s\n", r->input);
	ad_emit_printf(w, "columns    label %s, score %s", r->name[AD_EVAL_LABEL],
	    r->name[AD_EVAL_SCORE]);
	for (size_t j = 1; j < r->nmodels; j++)
		ad_emit_printf(w, "%s%s", j > 1 ? ", " : ", compare ", r->column[j]);
	ad_emit_printf(w, "\n");
	text_decision(w, r);
	ad_emit_printf(w, "rows       %llu read, %llu used, %llu rejected\n",
	    (unsigned long long)s->rows_read, (unsigned long long)s->rows_used,
	    (unsigned long long)s->rows_rejected);
	ad_emit_printf(w, "skipped    %llu missing label, %llu missing score",
	    (unsigned long long)s->missing_label,
	    (unsigned long long)s->missing_score);
	if (r->paired)
		ad_emit_printf(w, ", %llu missing compare",
		    (unsigned long long)s->missing_compare);
	if (r->decision == AD_DECISION_PRED)
		ad_emit_printf(w, ", %llu missing prediction",
		    (unsigned long long)s->missing_pred);
	ad_emit_printf(w, "\nlabels     %llu anomalous, %llu normal\n\n",
	    (unsigned long long)r->all.npos, (unsigned long long)r->all.nneg);
}

/* A column of the metrics table at least 12 wide, for s and a space. */
static int text_width(const char *s)
{
	int n = (int)strlen(s) + 2;

	return n < 12 ? 12 : n;
}

/* The metrics of every score column side by side; each challenger's
 * column is followed by its difference to the first. */
static void text_metrics(struct ad_emit *w, const struct ad_eval_report *r)
{
	struct items a = { .n = 0 }, b[AD_EVAL_MODELS];
	char va[64], vb[64], vd[64];
	int wa = text_width(r->column[0]);
	int last = (int)r->nmodels - 1;

	model_items(&r->all.m[0], &a);
	for (size_t j = 1; j < r->nmodels; j++) {
		b[j].n = 0;
		compare_items(r, &r->all, j, &b[j]);
	}
	ad_emit_printf(w, "%-18s %-*s", "metric", wa, r->column[0]);
	for (size_t j = 1; j < r->nmodels; j++)
		ad_emit_printf(w, " %-*s %s", text_width(r->column[j]),
		    r->column[j], (int)j == last ? "difference" : "difference ");
	ad_emit_printf(w, "\n");
	for (size_t i = 0; i < a.n; i++) {
		const struct item *x = &a.a[i];
		show(va, sizeof va, x, 0);
		ad_emit_printf(w, "%-18s %-*s", x->key, wa, va);
		for (size_t j = 1; j < r->nmodels; j++) {
			char key[48];
			const struct item *d;
			show(vb, sizeof vb, &b[j].a[i], 0);
			snprintf(key, sizeof key, "%s_diff", x->key);
			d = find_item(&b[j], key);
			if (d != NULL)
				show(vd, sizeof vd, d, 1);
			/* the last column unpadded, as with one challenger */
			if ((int)j == last)
				ad_emit_printf(w, " %-*s %s", text_width(r->column[j]), vb,
				    d ? vd : "");
			else
				ad_emit_printf(w, " %-*s %-10s", text_width(r->column[j]),
				    vb, d ? vd : "");
		}
		ad_emit_printf(w, "\n");
	}
}

static void text_challenger(struct ad_emit *w, const struct ad_eval_report *r,
    size_t j)
{
	struct items b = { .n = 0 };
	static const char *const keys[] = { "delong_z", "delong_p_value" };
	char v1[64], v2[64];

	compare_items(r, &r->all, j, &b);
	if (r->nmodels > 2)
		ad_emit_printf(w, "\n%s against %s\n", r->column[j], r->column[0]);
	for (size_t i = 0; i < 2; i++) {
		show(v1, sizeof v1, find_item(&b, keys[i]), 0);
		ad_emit_printf(w, "%-18s %s\n", keys[i], v1);
	}
	for (int k = 0; k < 2; k++) {
		const char *m = k ? "pr_auc" : "f1";
		char lo[48], hi[48];
		snprintf(lo, sizeof lo, "%s_diff_low", m);
		snprintf(hi, sizeof hi, "%s_diff_high", m);
		show(v1, sizeof v1, find_item(&b, lo), 1);
		show(v2, sizeof v2, find_item(&b, hi), 1);
		ad_emit_printf(w, "%-18s %s .. %s  (95%%, %llu resamples, seed %llu)\n",
		    k ? "pr_auc_diff CI" : "f1_diff CI", v1, v2,
		    (unsigned long long)r->boot[j].resamples,
		    (unsigned long long)r->boot[j].seed);
	}
}

static void text_compare(struct ad_emit *w, const struct ad_eval_report *r)
{
	for (size_t j = 1; j < r->nmodels; j++)
		text_challenger(w, r, j);
}

static void text_undefined(struct ad_emit *w, const struct ad_eval_report *r)
{
	struct items it = { .n = 0 };
	const char *last = NULL;
	char prefix[1024] = "";

	for (size_t k = 0; k < r->nmodels; k++) {
		it.n = 0;
		if (k == 0)
			group_items(r, &r->all, &it);
		else
			compare_items(r, &r->all, k, &it);
		if (k > 0)
			compare_prefix(prefix, sizeof prefix, r, k);
		for (size_t i = 0; i < it.n; i++) {
			const char *why = it.a[i].v.why;
			if (why == NULL)
				continue;
			if (last == NULL || strcmp(last, why) != 0)
				ad_emit_printf(w, "%s%s: %s", last ? "\n" : "\nundefined: ",
				    why, prefix);
			else
				ad_emit_printf(w, ", %s", prefix);
			ad_emit_printf(w, "%s", it.a[i].key);
			last = why;
		}
	}
	if (last != NULL)
		ad_emit_printf(w, "\n");
}

static void text_gates(struct ad_emit *w, const struct ad_eval_report *r)
{
	int any = 0;

	for (int g = 0; g < AD_GATES; g++) {
		struct item x = { gate_metric[g], gate_value(r, g), 0 };
		char v[64];

		if (isnan(r->o->min[g]))
			continue;
		show(v, sizeof v, &x, 0);
		ad_emit_printf(w, "%s%-15s %-10.6g %-7s %s %s\n",
		    any ? "" : "\ngates\n", ad_eval_report_gate_option(g), r->o->min[g],
		    gate_passed(r, g) ? "passed" : "MISSED", gate_metric[g], v);
		any = 1;
	}
}

static void text_groups(struct ad_emit *w, const struct ad_eval_report *r)
{
	static const char *const cols[] = {
		"precision", "recall", "f1", "roc_auc", "pr_auc"
	};
	int wk = (int)strlen(r->name[AD_EVAL_BY]);

	for (size_t i = 0; i < r->ngroups; i++)
		if ((int)r->groups[i].len > wk)
			wk = (int)r->groups[i].len;
	ad_emit_printf(w, "\n%-*s %10s %10s", wk, r->name[AD_EVAL_BY], "rows",
	    "anomalous");
	for (size_t c = 0; c < 5; c++)
		ad_emit_printf(w, " %10s", cols[c]);
	ad_emit_printf(w, "\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct ad_eval_group *g = &r->groups[i];
		struct items it = { .n = 0 };
		char v[64];

		group_items(r, g, &it);
		ad_emit_printf(w, "%-*s %10llu %10llu", wk, g->value,
		    (unsigned long long)g->used,
		    (unsigned long long)g->npos);
		for (size_t c = 0; c < 5; c++) {
			show(v, sizeof v, find_item(&it, cols[c]), 0);
			ad_emit_printf(w, " %10s", v);
		}
		ad_emit_printf(w, "\n");
	}
	if (r->res->missing_by > 0)
		ad_emit_printf(w, "rows without a %s: %llu (in the totals only)\n",
		    r->name[AD_EVAL_BY], (unsigned long long)r->res->missing_by);
}

enum ad_status ad_eval_report_text(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	struct ad_emit w;

	ad_emit_init(&w, out, err);
	text_head(&w, r);
	text_metrics(&w, r);
	if (r->paired)
		text_compare(&w, r);
	text_undefined(&w, r);
	text_gates(&w, r);
	if (r->name[AD_EVAL_BY] != NULL)
		text_groups(&w, r);
	return ad_emit_status(&w);
}

/* ---- Kubeflow ---- */

enum ad_status ad_eval_report_kfp_metrics(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	static const char *const keys[] = {
		"roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy",
		"specificity", "mcc", "precision_at_k", "best_f1"
	};
	static const char *const cmp_keys[] = {
		"roc_auc", "pr_auc", "f1", "roc_auc_diff", "pr_auc_diff",
		"f1_diff", "delong_p_value"
	};
	struct ad_emit w;
	struct items it = { .n = 0 };
	int first = 1;

	ad_emit_init(&w, out, err);
	ad_emit_raw(&w, "{\"metrics\": [");
	for (size_t k = 0; k < r->nmodels; k++) {
		size_t n = k ? sizeof cmp_keys / sizeof *cmp_keys :
		    sizeof keys / sizeof *keys;

		it.n = 0;
		if (k == 0)
			model_items(&r->all.m[0], &it);
		else
			compare_items(r, &r->all, k, &it);
		for (size_t i = 0; i < n; i++) {
			const char *key = k ? cmp_keys[i] : keys[i];
			const struct item *x = find_item(&it, key);
			char name[256];
			size_t j;

			if (isnan(x->v.v))
				continue;   /* Kubeflow takes numbers only */
			/* one challenger: compare-roc-auc, roc-auc-diff; several:
			 * compare-COLUMN-roc-auc, compare-COLUMN-roc-auc-diff */
			if (k > 0 && r->nmodels > 2)
				j = (size_t)snprintf(name, sizeof name, "compare-%s-%s",
				    r->column[k], key);
			else
				j = (size_t)snprintf(name, sizeof name, "%s%s",
				    k && !strstr(key, "diff") && !strstr(key, "delong") ?
				    "compare-" : "", key);
			if (j >= sizeof name)
				j = sizeof name - 1;
			/* Kubeflow's metric names: letters, digits and '-' */
			for (size_t c = 0; c < j; c++)
				if (!((name[c] >= 'a' && name[c] <= 'z') ||
				    (name[c] >= 'A' && name[c] <= 'Z') ||
				    (name[c] >= '0' && name[c] <= '9')))
					name[c] = '-';
			ad_emit_raw(&w, first ? "\n  {\"name\": " : ",\n  {\"name\": ");
			ad_emit_json_str(&w, name);
			ad_emit_raw(&w, ", \"numberValue\": ");
			ad_emit_json_num(&w, x->v.v);
			ad_emit_raw(&w, ", \"format\": \"RAW\"}");
			first = 0;
		}
	}
	ad_emit_raw(&w, first ? "]}\n" : "\n]}\n");
	return ad_emit_status(&w);
}

static void kfp_number(struct ad_emit *w, double v)
{
	char buf[AD_NUM_MAXLEN];

	ad_num_format(v, buf);
	ad_emit_raw(w, buf);
}

enum ad_status ad_eval_report_kfp_ui(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	const struct ad_eval_model *m = &r->all.m[0];
	const struct ad_eval_curve *p = &r->roc[0];
	struct ad_emit w;
	int sep = 0;

	ad_emit_init(&w, out, err);
	ad_emit_raw(&w, "{\n  \"version\": 1,\n  \"outputs\": [");
	if (m->decided && m->conf.tp + m->conf.fp + m->conf.tn + m->conf.fn) {
		ad_emit_printf(&w, "\n    {\n      \"type\": \"confusion_matrix\",\n"
		    "      \"format\": \"csv\",\n      \"schema\": [\n"
		    "        {\"name\": \"target\", \"type\": \"CATEGORY\"},\n"
		    "        {\"name\": \"predicted\", \"type\": \"CATEGORY\"},\n"
		    "        {\"name\": \"count\", \"type\": \"NUMBER\"}\n      ],\n"
		    "      \"labels\": [\"normal\", \"anomaly\"],\n"
		    "      \"storage\": \"inline\",\n      \"source\": "
		    "\"normal,normal,%llu\\nnormal,anomaly,%llu\\nanomaly,normal,"
		    "%llu\\nanomaly,anomaly,%llu\\n\"\n    }",
		    (unsigned long long)m->conf.tn, (unsigned long long)m->conf.fp,
		    (unsigned long long)m->conf.fn, (unsigned long long)m->conf.tp);
		sep = 1;
	}
	if (p->n > 0) {
		ad_emit_printf(&w, "%s\n    {\n      \"type\": \"roc\",\n"
		    "      \"format\": \"csv\",\n      \"schema\": [\n"
		    "        {\"name\": \"fpr\", \"type\": \"NUMBER\"},\n"
		    "        {\"name\": \"tpr\", \"type\": \"NUMBER\"},\n"
		    "        {\"name\": \"thresholds\", \"type\": \"NUMBER\"}\n"
		    "      ],\n      \"storage\": \"inline\",\n"
		    "      \"source\": \"", sep ? "," : "");
		for (size_t i = 0; i < p->n; i++) {
			kfp_number(&w, p->x[i]);
			ad_emit_raw(&w, ",");
			kfp_number(&w, p->y[i]);
			ad_emit_raw(&w, ",");
			kfp_number(&w, p->t[i]);
			ad_emit_raw(&w, "\\n");
		}
		ad_emit_raw(&w, "\"\n    }");
		sep = 1;
	}
	ad_emit_raw(&w, sep ? "\n  ]\n}\n" : "]\n}\n");
	return ad_emit_status(&w);
}

/* ---- Prometheus ---- */

struct family {
	const char *key;     /* the item */
	const char *name;    /* after adkit_eval_ */
	const char *help;
};

static const struct family families[] = {
	{ "rows_used", "rows_used", "Rows evaluated (with a label and a "
	    "score) in the last run." },
	{ "positives", "positives", "Evaluated rows labelled anomalous." },
	{ "negatives", "negatives", "Evaluated rows labelled normal." },
	{ "threshold", "threshold", "Score at or above which a row is "
	    "flagged (NaN: a prediction column decides)." },
	{ "tp", "true_positives", "Anomalous rows flagged." },
	{ "fp", "false_positives", "Normal rows flagged." },
	{ "tn", "true_negatives", "Normal rows not flagged." },
	{ "fn", "false_negatives", "Anomalous rows not flagged." },
	{ "precision", "precision", "Share of the flagged rows that are "
	    "anomalous." },
	{ "recall", "recall", "Share of the anomalous rows flagged." },
	{ "f1", "f1", "Harmonic mean of precision and recall." },
	{ "accuracy", "accuracy", "Share of the rows decided right." },
	{ "specificity", "specificity", "Share of the normal rows not "
	    "flagged." },
	{ "mcc", "mcc", "Matthews correlation of the decisions and labels." },
	{ "roc_auc", "roc_auc", "Area under the ROC curve of the scores." },
	{ "pr_auc", "pr_auc", "Average precision of the scores." },
	{ "precision_at_k", "precision_at_k", "Precision of the k highest "
	    "scores, k the number of anomalous rows." },
	{ "best_f1", "best_f1", "Highest F1 of any score threshold." },
	{ "best_f1_threshold", "best_f1_threshold", "Threshold giving the "
	    "highest F1." },
};

static const struct family diff_families[] = {
	{ "roc_auc_diff", "roc_auc_diff", "ROC-AUC of the challenger minus "
	    "the model's." },
	{ "pr_auc_diff", "pr_auc_diff", "Average precision of the challenger "
	    "minus the model's." },
	{ "f1_diff", "f1_diff", "F1 of the challenger minus the model's." },
	{ "delong_p_value", "delong_p_value", "Two-sided p-value of DeLong's "
	    "test of equal ROC-AUCs." },
};

/* One sample of adkit_eval_<name>, labelled with the model, the
 * challenger, the group and one more label (xname="xvalue"), each where
 * given. */
static void prom_sample(struct ad_emit *w, const char *name, const char *model,
    const char *challenger, const struct ad_eval_group *g, const char *xname,
    const char *xvalue, double v)
{
	const struct ad_prom_label labels[] = {
		{ "model", model }, { "challenger", challenger },
		{ "group", g != NULL ? g->value : NULL },
		{ xname, xname != NULL ? xvalue : NULL },
	};
	char full[128];

	snprintf(full, sizeof full, "adkit_eval_%s", name);
	ad_emit_prom_sample(w, full, labels, 4, v);
}

static void prom_family(struct ad_emit *w, const char *name, const char *help)
{
	char full[128];

	snprintf(full, sizeof full, "adkit_eval_%s", name);
	ad_emit_prom_family(w, full, help);
}

static const char *model_name(const struct ad_eval_report *r)
{
	return r->label[0];
}

static void prom_group_family(struct ad_emit *w, const struct ad_eval_report *r,
    const struct family *f, int diff)
{
	const char *model = model_name(r);

	prom_family(w, f->name, f->help);
	for (size_t i = 0; i <= r->ngroups; i++) {
		const struct ad_eval_group *g = i ? &r->groups[i - 1] : &r->all;
		struct items a = { .n = 0 };
		const struct item *x;

		group_items(r, g, &a);
		if (!diff && (x = find_item(&a, f->key)) != NULL)
			prom_sample(w, f->name, model, NULL, g, NULL, NULL, x->v.v);
		for (size_t j = 1; j < r->nmodels; j++) {
			struct items b = { .n = 0 };

			compare_items(r, g, j, &b);
			if (!diff && (x = find_item(&b, f->key)) != NULL &&
			    strcmp(f->key, "rows_used") != 0 &&
			    strcmp(f->key, "positives") != 0 &&
			    strcmp(f->key, "negatives") != 0)
				prom_sample(w, f->name, r->label[j], NULL, g, NULL,
				    NULL, x->v.v);
			if (diff && (x = find_item(&b, f->key)) != NULL)
				prom_sample(w, f->name, model, r->label[j], g, NULL,
				    NULL, x->v.v);
		}
	}
}

enum ad_status ad_eval_report_prom(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	struct ad_emit w;
	const char *model = model_name(r);
	static const char *const cells[] = { "label", "score", "compare",
	    "pred" };

	ad_emit_init(&w, out, err);
	prom_family(&w, "rows_read", "Data records read in the last run, "
	    "rejected ones included.");
	prom_sample(&w, "rows_read", model, NULL, NULL, NULL, NULL,
	    (double)r->res->rows_read);
	prom_family(&w, "rows_rejected", "Records rejected for their field "
	    "count in the last run.");
	prom_sample(&w, "rows_rejected", model, NULL, NULL, NULL, NULL,
	    (double)r->res->rows_rejected);
	prom_family(&w, "rows_skipped", "Rows skipped for a missing cell in a "
	    "column, in the last run.");
	for (int c = AD_EVAL_LABEL; c <= AD_EVAL_PRED; c++) {
		if ((c == AD_EVAL_COMPARE && !r->paired) ||
		    (c == AD_EVAL_PRED && r->decision != AD_DECISION_PRED))
			continue;
		prom_sample(&w, "rows_skipped", model, NULL, NULL, "column",
		    cells[c], (double)r->all.missing[c]);
	}
	for (size_t i = 0; i < sizeof families / sizeof *families; i++)
		prom_group_family(&w, r, &families[i], 0);
	for (size_t i = 0; r->paired &&
	    i < sizeof diff_families / sizeof *diff_families; i++)
		prom_group_family(&w, r, &diff_families[i], 1);
	for (int g = 0, first = 1; g < AD_GATES; g++) {
		if (isnan(r->o->min[g]))
			continue;
		if (first)
			prom_family(&w, "gate_passed", "Whether a quality gate "
			    "passed (1) or was missed (0) in the last run.");
		first = 0;
		prom_sample(&w, "gate_passed", model, NULL, NULL, "gate",
		    gate_name[g], gate_passed(r, g));
	}
	prom_family(&w, "last_success_timestamp_seconds", "When ad-eval last "
	    "finished successfully, in Unix time.");
	prom_sample(&w, "last_success_timestamp_seconds", model, NULL, NULL,
	    NULL, NULL, ad_prom_run_time());
	return ad_emit_status(&w);
}

/* ---- the plot ---- */

static void legend_text(char *buf, size_t cap, const char *column,
    const char *what, struct ad_value v)
{
	if (isnan(v.v))
		snprintf(buf, cap, "%s (%s undefined)", column, what);
	else
		snprintf(buf, cap, "%s (%s %.4f)", column, what, v.v);
}

static void point_label(char *buf, size_t cap, const struct ad_eval_report *r)
{
	if (r->decision == AD_DECISION_PRED)
		snprintf(buf, cap, "decision: %s", r->name[AD_EVAL_PRED]);
	else
		snprintf(buf, cap, "decision: %s >= %.4g", r->label[0],
		    r->all.m[0].threshold);
}

/* The plot's title: the models by their labels, and the rows. */
static void plot_title(char *buf, size_t cap, const struct ad_eval_report *r)
{
	size_t n = 0;

	for (size_t m = 0; m < r->nmodels && n < cap; m++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", m ? " vs " : "",
		    r->label[m]);
	if (n < cap)
		snprintf(buf + n, cap - n, ": %llu rows, %llu anomalous",
		    (unsigned long long)(r->all.npos + r->all.nneg),
		    (unsigned long long)r->all.npos);
}

enum ad_status ad_eval_report_plot(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	const struct ad_eval_model *m = &r->all.m[0];
	struct ad_svg_curve roc[AD_EVAL_MODELS], pr[AD_EVAL_MODELS];
	struct ad_svg_panel pan[2];
	char leg[2][AD_EVAL_MODELS][256], op[128], title[1024], note[2][160];
	char chance[64];
	uint64_t P = r->all.npos, N = r->all.nneg;
	double prevalence = ad_eval_report_rate(P, P + N);

	memset(roc, 0, sizeof roc);
	memset(pr, 0, sizeof pr);
	memset(pan, 0, sizeof pan);
	for (size_t k = 0; k < r->nmodels; k++) {
		legend_text(leg[0][k], sizeof leg[0][k], r->label[k], "AUC",
		    r->all.m[k].rm.roc_auc);
		legend_text(leg[1][k], sizeof leg[1][k], r->label[k], "AP",
		    r->all.m[k].rm.pr_auc);
		roc[k] = (struct ad_svg_curve){ leg[0][k], r->roc[k].x, r->roc[k].y,
		    r->roc[k].n, 0, k > 0 };
		pr[k] = (struct ad_svg_curve){ leg[1][k], r->pr[k].x, r->pr[k].y,
		    r->pr[k].n, 1, k > 0 };
	}
	point_label(op, sizeof op, r);
	snprintf(chance, sizeof chance, "chance (precision = anomalous share "
	    "%.4f)", prevalence);
	pan[0] = (struct ad_svg_panel){ "ROC curve", "False positive rate",
	    "True positive rate", roc, r->nmodels, 1, NAN, "chance (AUC 0.5)",
	    m->decided && P > 0 && N > 0, ad_eval_report_rate(m->conf.fp, N),
	    ad_eval_report_rate(m->conf.tp, P), op, NULL };
	pan[1] = (struct ad_svg_panel){ "Precision-recall curve", "Recall",
	    "Precision", pr, r->nmodels, 0, prevalence,
	    isnan(prevalence) ? NULL : chance,
	    m->decided && P > 0 && m->conf.tp + m->conf.fp > 0,
	    ad_eval_report_rate(m->conf.tp, P),
	    ad_eval_report_rate(m->conf.tp, m->conf.tp + m->conf.fp), op, NULL };
	if (m->rm.roc_auc.why != NULL) {
		snprintf(note[0], sizeof note[0], "undefined: %s",
		    m->rm.roc_auc.why);
		pan[0].note = note[0];
	}
	if (m->rm.pr_auc.why != NULL) {
		snprintf(note[1], sizeof note[1], "undefined: %s",
		    m->rm.pr_auc.why);
		pan[1].note = note[1];
	}
	plot_title(title, sizeof title, r);
	return ad_svg_write(out, title, pan, 2, err);
}

/* ---- the curves ---- */

enum ad_status ad_eval_report_curves_head(struct ad_out *out, struct ad_error *err)
{
	struct ad_emit w;

	ad_emit_init(&w, out, err);
	ad_emit_raw(&w, "score,threshold,tp,fp,fpr,tpr,precision,recall\n");
	return ad_emit_status(&w);
}

enum ad_status ad_eval_report_curves_row(struct ad_out *out, const char *column,
    double t, uint64_t tp, uint64_t fp, uint64_t npos, uint64_t nneg,
    struct ad_error *err)
{
	double v[] = { t, (double)tp, (double)fp, ad_eval_report_rate(fp, nneg),
	    ad_eval_report_rate(tp, npos), ad_eval_report_rate(tp, tp + fp),
	    ad_eval_report_rate(tp, npos) };
	struct ad_emit w;

	ad_emit_init(&w, out, err);
	ad_emit_csv_field(&w, column, ',');
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ad_emit_raw(&w, ",");
		ad_emit_csv_num(&w, v[i]);
	}
	ad_emit_raw(&w, "\n");
	return ad_emit_status(&w);
}

/* ---- the report ---- */

enum ad_status ad_eval_report_write(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err)
{
	switch (r->o->format) {
	case AD_EVAL_TEXT:
		return ad_eval_report_text(r, out, err);
	case AD_EVAL_CSV:
		return ad_eval_report_csv(r, out, err);
	case AD_EVAL_JSON:
		break;
	}
	return ad_eval_report_json(r, out, err);
}
