/*
 * lib/featurize as a library: --scale parsing, the params model on its own,
 * and the OOM loop (STYLE.md; the allocator below replaces lib/common/alloc.c's,
 * as in test_oom.c) over whole runs: fitting with the rows held in memory,
 * spilled, or sorted (--sort), restoring, and loading a params file. For N = 1, 2, ... each run
 * with allocation N failing, once or from then on, must end with AD_OK and
 * the right output, or AD_ENOMEM, and leave no block alive.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "featurize.h"
#include "out.h"

#include "check.h"

/* ---- the failing allocator ---- */

#include "failalloc.h"

/* ---- files ---- */

static char ts_path[32], new_path[32], num_path[32], params_path[32];
static char out_path[32], save_path[32];

/* Rows out of time order for web1 (lines 2 and 4); sorted stably by time
 * they are the rows of sorted_csv. */
static const char ts_csv[] =
    "timestamp,host,cpu,lat,label\n"
    "2026-11-01T23:55:00Z,web1,21,12,0\n"
    "2026-11-02T00:55:00+01:00,db1,60,10,0\n"
    "2026-11-01T23:50:00Z,web1,20,,0\n"
    "2026-11-02T00:00:00Z,db1,62,11,0\n"
    "2026-11-02T00:00:00Z,web1,,13,1\n"
    "2026-11-02T00:05:00Z,db1,61,9,0\n";

static const char sorted_csv[] =
    "timestamp,host,cpu,lat,label\n"
    "2026-11-01T23:50:00Z,web1,20,,0\n"
    "2026-11-01T23:55:00Z,web1,21,12,0\n"
    "2026-11-02T00:55:00+01:00,db1,60,10,0\n"
    "2026-11-02T00:00:00Z,db1,62,11,0\n"
    "2026-11-02T00:00:00Z,web1,,13,1\n"
    "2026-11-02T00:05:00Z,db1,61,9,0\n";

static const char new_csv[] =
    "label,cpu,host,lat,timestamp\n"
    "0,22,web1,11,2026-11-02T00:10:00Z\n"
    "0,30,web9,12,2026-11-02T00:10:00Z\n";

static const char num_csv[] =
    "id,a,b,c\n1,1.5,100,x\n2,,2000,y\n3,4,15,x\n4,2.5,1e6,other\n";

static void put_file(char *path, const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, 32, "/tmp/adkit-feat-XXXXXX");
	fd = mkstemp(path);
	f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The bytes of path, malloc'd and NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    (p = malloc((size_t)n + 1)) != NULL) {
		rewind(f);
		p[fread(p, 1, (size_t)n, f)] = '\0';
	}
	if (f != NULL)
		fclose(f);
	return p;
}

/* ---- scenarios ---- */

static uint64_t lags[] = { 1 }, windows[] = { 2 };
static double alphas[] = { 0.5 };
static char *keep_label[] = { "label" }, *host[] = { "host" };
static char *log_b[] = { "b" }, *col_c[] = { "c" }, *keep_id[] = { "id" };

static struct ad_scale_spec scale_all[] = { { NULL, AD_SCALE_STANDARD } };
static struct ad_scale_spec scale_mix[] = { { NULL, AD_SCALE_ROBUST },
	{ "a", AD_SCALE_MINMAX } };

/* Context per host with a spill (fitting a scale and categories). */
static void ctx_opts(struct ad_featurize_opts *o, int sort)
{
	memset(o, 0, sizeof *o);
	o->in.path = ts_path;
	o->output = out_path;
	o->save_path = save_path;
	o->scale = scale_all;
	o->n_scale = 1;
	o->time = "timestamp";
	o->group = "host";
	o->lags = lags;
	o->n_lags = 1;
	o->diff = 1;
	o->windows = windows;
	o->n_windows = 1;
	o->alphas = alphas;
	o->n_alphas = 1;
	o->calendar = 1;
	o->onehot = host;
	o->n_onehot = 1;
	o->freq = host;
	o->n_freq = 1;
	o->keep = keep_label;
	o->n_keep = 1;
	o->sort = sort;
}

static enum ad_status fit_held(struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result r;

	ctx_opts(&o, 0);
	return ad_featurize_run(&o, &r, err);
}

/* --memory 0: every row goes through the temporary file. */
static enum ad_status fit_spill(struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result r;

	ctx_opts(&o, 0);
	o.memory_set = 1;
	o.memory = 0;
	return ad_featurize_run(&o, &r, err);
}

static enum ad_status fit_sort(struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result r;

	ctx_opts(&o, 1);
	return ad_featurize_run(&o, &r, err);
}

static enum ad_status restore(struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result r;
	enum ad_status st;

	memset(&o, 0, sizeof o);
	o.in.path = new_path;
	o.output = out_path;
	o.restore_path = params_path;
	st = ad_featurize_run(&o, &r, err);
	return st == AD_OK && r.unseen != 1 ? AD_ECHECK : st;
}

/* Robust and minmax scales, a log, one-hot and frequency of one column. */
static enum ad_status fit_mixed(struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result r;

	memset(&o, 0, sizeof o);
	o.in.path = num_path;
	o.output = out_path;
	o.scale = scale_mix;
	o.n_scale = 2;
	o.log = log_b;
	o.n_log = 1;
	o.onehot = col_c;
	o.n_onehot = 1;
	o.freq = col_c;
	o.n_freq = 1;
	o.keep = keep_id;
	o.n_keep = 1;
	return ad_featurize_run(&o, &r, err);
}

static enum ad_status load_params(struct ad_error *err)
{
	struct ad_featurize_model *m = NULL;
	enum ad_status st = ad_featurize_model_load(&m, params_path, err);

	ad_featurize_model_free(m);
	return st;
}

/* ---- the loop ---- */

/* Runs scenario with allocation n failing; returns whether it was hit. The
 * output, when the run succeeds, must be want. */
static int run_once(enum ad_status (*scenario)(struct ad_error *), long n,
    int persist, const char *want, const char *name)
{
	struct ad_error err;
	enum ad_status st;
	int ok;

	memset(&err, 0, sizeof err);
	unlink(out_path);
	calls = live = hit = 0;
	fail_at = n;
	persistent = persist;
	st = scenario(&err);
	fail_at = 0;
	ok = st == AD_OK || st == AD_ENOMEM;
	if (persist && hit)
		ok = st == AD_ENOMEM;
	if (!hit)
		ok = st == AD_OK;
	if (ok && st == AD_ENOMEM)
		ok = err.code == AD_ENOMEM;
	if (ok && st == AD_OK && want != NULL) {
		char *got = slurp(out_path);
		ok = got != NULL && strcmp(got, want) == 0;
		free(got);
	}
	if (ok && st != AD_OK && access(out_path, F_OK) == 0)
		ok = 0;                 /* a failed run leaves no output */
	if (!ok)
		fprintf(stderr, "%s: failing allocation %ld (%s): status %d, %s\n",
		    name, n, persist ? "persistent" : "transient", (int)st,
		    err.msg);
	CHECK(ok);
	if (live != 0)
		fprintf(stderr, "%s: failing allocation %ld: %ld blocks leaked\n",
		    name, n, live);
	CHECK(live == 0);
	return hit;
}

static void oom_loop(enum ad_status (*scenario)(struct ad_error *),
    const char *name, int check_output)
{
	struct ad_error err;
	char *want;
	long n;

	unlink(out_path);
	calls = live = 0;
	CHECK(scenario(&err) == AD_OK);
	CHECK(live == 0);
	want = check_output ? slurp(out_path) : NULL;
	for (int persist = 0; persist <= 1; persist++) {
		for (n = 1; run_once(scenario, n, persist, want, name) && n < 20000;
		    n++)
			;
		CHECK(n > 1 && n < 20000);
	}
	free(want);
}

/* ---- plain tests ---- */

static void test_parse_scale(void)
{
	struct ad_scale_spec *s = NULL;
	size_t n = 0;
	struct ad_error err;

	CHECK(ad_featurize_parse_scale("standard,cpu=robust", &s, &n, &err) ==
	    AD_OK);
	CHECK(ad_featurize_parse_scale("host=web1=minmax", &s, &n, &err) == AD_OK);
	CHECK(n == 3 && s[0].column == NULL && s[0].method == AD_SCALE_STANDARD);
	CHECK_STR(s[1].column, "cpu");
	CHECK(s[1].method == AD_SCALE_ROBUST);
	CHECK_STR(s[2].column, "host=web1");   /* the last '=' splits */
	for (const char *bad = "x\0=a\0a=\0,\0a=mean\0"; *bad;
	    bad += strlen(bad) + 1)
		CHECK(ad_featurize_parse_scale(bad, &s, &n, &err) == AD_EUSAGE);
	CHECK(n == 3);
	ad_featurize_free_scale(s, n);
	ad_featurize_free_scale(NULL, 0);
}

/* Holding, spilling and sorting give what a restore gives. */
static void test_paths_agree(void)
{
	struct ad_error err;
	char *held, *spilled, *sorted, *params;

	CHECK(fit_sort(&err) == AD_OK);
	sorted = slurp(out_path);
	/* the fixture is out of time order: only --sort accepts it */
	CHECK(fit_spill(&err) == AD_EDATA);
	CHECK(strstr(err.msg, "time goes back in group \"web1\"") != NULL);
	CHECK(err.line == 4 && err.col == 1);
	CHECK(strstr(err.msg, "previous row is line 2") != NULL);
	unlink(ts_path);
	put_file(ts_path, sorted_csv);
	CHECK(fit_spill(&err) == AD_OK);
	spilled = slurp(out_path);
	CHECK(fit_held(&err) == AD_OK);
	held = slurp(out_path);
	params = slurp(save_path);
	CHECK(spilled && sorted && strcmp(spilled, sorted) == 0);
	CHECK(held && strcmp(held, sorted) == 0);
	/* the saved params become the restore scenario's */
	rename(save_path, params_path);
	CHECK(restore(&err) == AD_OK);
	free(held);
	free(spilled);
	free(sorted);
	free(params);
}

int main(void)
{
	put_file(ts_path, ts_csv);
	put_file(new_path, new_csv);
	put_file(num_path, num_csv);
	put_file(params_path, "");
	put_file(out_path, "");
	put_file(save_path, "");
	test_parse_scale();
	test_paths_agree();
	oom_loop(fit_held, "fit with the rows held", 1);
	oom_loop(fit_spill, "fit with a spill", 1);
	oom_loop(fit_sort, "fit with --sort", 1);
	oom_loop(restore, "restore", 1);
	oom_loop(fit_mixed, "fit robust, minmax, log and encodings", 1);
	oom_loop(load_params, "load params", 0);
	unlink(ts_path);
	unlink(new_path);
	unlink(num_path);
	unlink(params_path);
	unlink(out_path);
	unlink(save_path);
	return CHECK_DONE("test_featurize");
}
