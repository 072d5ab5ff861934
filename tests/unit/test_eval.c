/*
 * Tests for lib/run/eval_report: the outputs of ad-eval rendered from a
 * small results structure filled by hand (4 rows, a threshold decision,
 * one --by group), without running ad-eval: the CSV report's lines, the
 * JSON report's undefined metrics, the text report's decision line, the
 * Prometheus and Kubeflow names, and the gate check's message.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval.h"
#include "eval_report.h"
#include "out.h"

#include "check.h"
#include "files.h"

static char path[FILES_PATH_MAX];

typedef enum ad_status (*render_fn)(const struct ad_eval_report *,
    struct ad_out *, struct ad_error *);

/* Renders r with fn into path and returns what it wrote ("" on failure;
 * freed by the next call, or with NULL for fn). */
static const char *render(render_fn fn, const struct ad_eval_report *r)
{
	static char *last;
	struct ad_out *out = NULL;
	struct ad_error err;

	free(last);
	last = NULL;
	if (fn == NULL || ad_out_open(&out, path, &err) != AD_OK)
		return "";
	if (fn(r, out, &err) != AD_OK) {
		ad_out_abort(out);
		return "";
	}
	if (ad_out_close(out, &err) != AD_OK ||
	    (last = slurp_file(path, NULL)) == NULL)
		return "";
	return last;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct ad_value val(double v)
{
	struct ad_value x = { v, NULL };

	return x;
}

static struct ad_value undefined(const char *why)
{
	struct ad_value x = { NAN, why };

	return x;
}

/* One tp, fp, tn and fn at threshold 0.5; the ranking metrics by hand. */
static void fill_model(struct ad_eval_model *m)
{
	struct ad_confusion c = { 1, 1, 1, 1 };

	m->decided = 1;
	m->conf = c;
	m->threshold = 0.5;
	m->dm.precision = m->dm.recall = m->dm.f1 = val(0.5);
	m->dm.accuracy = m->dm.specificity = val(0.5);
	m->dm.mcc = undefined("no variance");
	m->rm.roc_auc = val(0.75);
	m->rm.pr_auc = val(0.625);
	m->rm.precision_at_k = val(0.5);
	m->rm.best_f1 = val(0.8);
	m->rm.best_f1_threshold = val(0.25);
}

static void fill(struct ad_eval_report *r, struct ad_eval_opts *o,
    struct ad_eval_result *res, struct ad_eval_group *g)
{
	ad_eval_defaults(o);
	o->decide = AD_DECIDE_THRESHOLD;
	o->threshold = 0.5;
	memset(res, 0, sizeof *res);
	res->rows_read = 5;
	res->rows_used = 4;
	res->missing_label = 1;
	memset(r, 0, sizeof *r);
	r->o = o;
	r->res = res;
	r->input = "in.csv";
	r->name[AD_EVAL_LABEL] = "label";
	r->name[AD_EVAL_SCORE] = "score";
	r->name[AD_EVAL_BY] = "host";
	r->nmodels = 1;
	r->column[0] = r->label[0] = "score";
	r->decision = AD_DECISION_THRESHOLD;
	r->all.used = 4;
	r->all.npos = r->all.nneg = 2;
	r->all.missing[AD_EVAL_LABEL] = 1;
	fill_model(&r->all.m[0]);
	memset(g, 0, sizeof *g);
	g->value = "web";
	g->len = 3;
	g->used = 4;
	g->npos = g->nneg = 2;
	fill_model(&g->m[0]);
	r->groups = g;
	r->ngroups = 1;
}

static void test_csv(const struct ad_eval_report *r)
{
	const char *got = render(ad_eval_report_csv, r);

	CHECK(starts_with(got, "group,metric,value,note\n,rows_read,5,\n"));
	CHECK(strstr(got, "\n,rows_missing_label,1,\n") != NULL);
	CHECK(strstr(got, "\n,tp,1,\n") != NULL);
	CHECK(strstr(got, "\n,roc_auc,0.75,\n") != NULL);
	CHECK(strstr(got, "\n,mcc,,no variance\n") != NULL);
	CHECK(strstr(got, "\nweb,best_f1_threshold,0.25,\n") != NULL);
	CHECK(strstr(got, "compare.") == NULL);
}

static void test_json(const struct ad_eval_report *r)
{
	const char *got = render(ad_eval_report_json, r);

	CHECK(starts_with(got, "{\n  \"input\": \"in.csv\",\n  \"label\": "
	    "\"label\""));
	CHECK(strstr(got, "\"decision\": \"threshold\"") != NULL);
	CHECK(strstr(got, "\"decision_column\": null") != NULL);
	CHECK(strstr(got, "\"mcc\": null") != NULL);
	CHECK(strstr(got, "\"undefined\": {\"mcc\": \"no variance\"}") != NULL);
	CHECK(strstr(got, "\"gates\": []") != NULL);
	CHECK(strstr(got, "\"groups\": [\n    {\n      \"value\": \"web\"") !=
	    NULL);
	CHECK(strcmp(got + strlen(got) - 3, "\n}\n") == 0);
}

static void test_text(const struct ad_eval_report *r)
{
	const char *got = render(ad_eval_report_text, r);

	CHECK(starts_with(got, "input      in.csv\n"));
	CHECK(strstr(got, "\ndecision   score >= 0.5\n") != NULL);
	CHECK(strstr(got, "\nrows       5 read, 4 used, 0 rejected\n") != NULL);
	CHECK(strstr(got, "\nroc_auc            0.7500") != NULL);
	CHECK(strstr(got, "\nundefined: no variance: mcc\n") != NULL);
	CHECK(strstr(got, "\nweb ") != NULL);
}

static void test_prom_and_kfp(const struct ad_eval_report *r)
{
	const char *got;

	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	got = render(ad_eval_report_prom, r);
	CHECK(strstr(got, "\nadkit_eval_roc_auc{model=\"score\"} 0.75\n") !=
	    NULL);
	CHECK(strstr(got, "\nadkit_eval_roc_auc{model=\"score\",group=\"web\"} "
	    "0.75\n") != NULL);
	CHECK(strstr(got, "\nadkit_eval_rows_skipped{model=\"score\",column="
	    "\"label\"} 1\n") != NULL);
	CHECK(strstr(got, "\nadkit_eval_last_success_timestamp_seconds{model="
	    "\"score\"} 1700000000\n") != NULL);
	got = render(ad_eval_report_kfp_metrics, r);
	CHECK(strstr(got, "{\"name\": \"roc-auc\", \"numberValue\": 0.75, "
	    "\"format\": \"RAW\"}") != NULL);
	CHECK(strstr(got, "mcc") == NULL);
	got = render(ad_eval_report_kfp_ui, r);
	CHECK(strstr(got, "normal,normal,1\\nnormal,anomaly,1\\n") != NULL);
	CHECK(strstr(got, "\"type\": \"roc\"") == NULL);   /* no curve */
}

static void test_gates(struct ad_eval_report *r, struct ad_eval_opts *o)
{
	struct ad_error err;

	CHECK(ad_eval_report_check_gates(r, &err) == AD_OK);
	o->min[AD_GATE_AUC] = 0.75;
	CHECK(ad_eval_report_check_gates(r, &err) == AD_OK);
	o->min[AD_GATE_AUC] = 0.8;
	o->min[AD_GATE_RECALL] = 0.1;
	CHECK(ad_eval_report_check_gates(r, &err) == AD_ECHECK);
	CHECK_STR(err.msg, "quality gate missed: roc_auc 0.75 is below "
	    "--min-auc 0.8");
	r->all.m[0].rm.roc_auc = undefined("one class");
	CHECK(ad_eval_report_check_gates(r, &err) == AD_ECHECK);
	CHECK_STR(err.msg, "quality gate missed: roc_auc is undefined "
	    "(one class), --min-auc 0.8");
	CHECK(strstr(render(ad_eval_report_csv, r),
	    "\n,gate_min_auc_passed,0,\n,gate_min_recall_passed,1,\n") != NULL);
	CHECK_STR(ad_eval_report_gate_option(AD_GATE_PRECISION), "--min-precision");
}

int main(void)
{
	struct ad_eval_report r;
	struct ad_eval_opts o;
	struct ad_eval_result res;
	struct ad_eval_group g;
	put_file(path, "test-eval", "");
	fill(&r, &o, &res, &g);
	test_csv(&r);
	test_json(&r);
	test_text(&r);
	test_prom_and_kfp(&r);
	test_gates(&r, &o);
	unlink(path);
	render(NULL, NULL);
	return CHECK_DONE("test_eval");
}
