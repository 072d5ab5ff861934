/*
 * lib/run/clean.c as a library: what a run writes and counts, that a
 * restore gives what the fitting run gave, the errors it names, and the OOM
 * loop over fitting and restoring.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clean.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

/* A duplicate (lines 4 and 5), a row with a field too many (line 6), and
 * missing cells, empty and NA. */
static const char train_csv[] =
    "id,host,cpu,mem\n"
    "1,web1,1.5,10\n"
    "2,web2,,20\n"
    "3,web1,3.5,\n"
    "3,web1,3.5,\n"
    "4,web2,x,40,9\n"
    "5,web3,2.5,NA\n";

/* Means of the rows kept: id (1+2+3+5)/4, cpu (1.5+3.5+2.5)/3, mem 15. */
static const char cleaned_csv[] =
    "id,host,cpu,mem\n"
    "1,web1,1.5,10\n"
    "2,web2,2.5,20\n"
    "3,web1,3.5,15\n"
    "5,web3,2.5,15\n";

static const char saved_params[] =
    "adkit-params 1 ad-clean\n"
    "na \"\" NA N/A NaN nan null NULL\n"
    "drop_missing 0\n"
    "dedupe 1\n"
    "input id numeric\n"
    "input host text\n"
    "input cpu numeric\n"
    "input mem numeric\n"
    "output id mean 2.75\n"
    "output host none\n"
    "output cpu mean 2.5\n"
    "output mem mean 15\n";

static char train_path[FILES_PATH_MAX], nomem_path[FILES_PATH_MAX];
static char out_path[FILES_PATH_MAX], params_path[FILES_PATH_MAX];
static char rejects_path[FILES_PATH_MAX];

/* What a scenario runs with, and what it got. */
struct scenario {
	const char *input;
	const char *restore;     /* -r, else fit with --impute mean --dedupe */
	const char *save;        /* -s */
	const char *rejects;
	const char *output;
	struct ad_clean_result res;
};

static enum ad_status run(void *ctx, struct ad_error *err)
{
	struct scenario *s = ctx;
	struct ad_clean_opts o;
	struct ad_impute_spec *impute = NULL;
	size_t n_impute = 0;
	enum ad_status st;

	memset(&o, 0, sizeof o);
	o.in.path = s->input;
	o.output = s->output;
	o.rejects_path = s->rejects;
	o.save_path = s->save;
	o.restore_path = s->restore;
	if (s->restore == NULL) {
		if ((st = ad_clean_parse_impute("mean", &impute, &n_impute,
		    err)) != AD_OK)
			return st;
		o.impute = impute;
		o.n_impute = n_impute;
		o.dedupe = 1;
	}
	memset(&s->res, 0, sizeof s->res);
	st = ad_clean_run(&o, &s->res, err);
	ad_clean_free_impute(impute, n_impute);
	return st;
}

static int file_is(const char *path, const char *want)
{
	char *got = slurp_file(path, NULL);
	int same = got != NULL && strcmp(got, want) == 0;

	if (!same)
		fprintf(stderr, "%s holds:\n%s\nwant:\n%s\n", path,
		    got ? got : "(nothing)", want);
	free(got);
	return same;
}

static void test_fit(void)
{
	struct scenario s = { .input = train_path, .save = params_path,
		.rejects = rejects_path, .output = out_path };
	struct ad_error err;

	CHECK(run(&s, &err) == AD_OK);
	CHECK(file_is(out_path, cleaned_csv));
	CHECK(file_is(params_path, saved_params));
	CHECK(file_is(rejects_path, "6,4,web2,x,40,9\n"));
	CHECK(s.res.rows_read == 6);
	CHECK(s.res.rows_written == 4);
	CHECK(s.res.rows_rejected == 1);
	CHECK(s.res.rows_duplicate == 1);
	CHECK(s.res.rows_dropped_missing == 0);
	CHECK(s.res.cells_imputed == 3);
}

/* Restoring on the training data writes what fitting wrote. */
static void test_restore_agrees(void)
{
	struct scenario s = { .input = train_path, .restore = params_path,
		.output = out_path };
	struct ad_error err;

	CHECK(run(&s, &err) == AD_OK);
	CHECK(file_is(out_path, cleaned_csv));
	CHECK(s.res.rows_rejected == 1 && s.res.rows_duplicate == 1);
}

/* A column the params need and the input lacks is named; no output. */
static void test_restore_missing_column(void)
{
	struct scenario s = { .input = nomem_path, .restore = params_path,
		.output = out_path };
	struct ad_error err;

	unlink(out_path);
	memset(&err, 0, sizeof err);
	CHECK(run(&s, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "\"mem\"") != NULL);
	CHECK(strcmp(err.file, nomem_path) == 0);
	CHECK(access(out_path, F_OK) != 0);
}

/* A full disk is an I/O error, and the params are not left behind. */
static void test_write_error(void)
{
	char keep[FILES_PATH_MAX];
	struct scenario s = { .input = train_path, .save = keep,
		.output = "/dev/full" };
	struct ad_error err;

	put_file(keep, "clean", "");
	unlink(keep);
	memset(&err, 0, sizeof err);
	CHECK(run(&s, &err) == AD_EIO);
	CHECK(strcmp(err.file, "/dev/full") == 0);
	CHECK(access(keep, F_OK) != 0);
}

int main(void)
{
	struct scenario fit = { .input = train_path, .save = NULL,
		.rejects = NULL, .output = out_path };
	struct scenario restore = { .input = train_path,
		.restore = params_path, .output = out_path };

	put_file(train_path, "clean", train_csv);
	put_file(nomem_path, "clean", "id,host,cpu\n1,web1,2\n");
	put_file(out_path, "clean", "");
	put_file(params_path, "clean", "");
	put_file(rejects_path, "clean", "");
	test_fit();
	test_restore_agrees();
	test_restore_missing_column();
	test_write_error();
	oom_loop("fit", run, &fit, out_path);
	oom_loop("restore", run, &restore, out_path);
	unlink(train_path);
	unlink(nomem_path);
	unlink(out_path);
	unlink(params_path);
	unlink(rejects_path);
	return CHECK_DONE("test_clean");
}
