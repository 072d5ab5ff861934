/*
 * lib/serve/store, opened again over the store before it (what ad-serve's
 * reload does): an unchanged release is kept, shared, with its counters;
 * a replaced file loads its release again; a release that fails to load
 * is told once until its files change or retry is asked; a current that
 * names it leaves the one before current; a store freed before the store
 * that shares its releases leaves them valid; the OOM loop of a rescan.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detector.h"
#include "release.h"
#include "store.h"
#include "train.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

static char tmpdir[64];

static const char *path_of(const char *name)
{
	static char buf[32][200];
	static int k;

	k = (k + 1) % 32;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void put_text(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "wb");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(name);
		exit(2);
	}
}

/* A zscore model of a tiny CSV, in z.model. */
static void make_model(void)
{
	struct ad_train_opts t;
	struct ad_train_result tr;
	struct ad_error err;

	put_text("train.csv", "a,b\n0,1\n2,1\n4,1\n6,1\n8,1\n");
	memset(&t, 0, sizeof t);
	t.in.path = path_of("train.csv");
	t.output = path_of("z.model");
	t.algo = ad_detector_named("zscore")->algo;
	t.contamination_auto = 1;
	t.threads = 1;
	t.max_train_rows = 100;
	CHECK(ad_train_run(&t, &tr, &err) == AD_OK);
}

/* Copies z.model to name (a new file, so a new inode). */
static void copy_model(const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path_of("z.model"),
	    path_of(name));
	CHECK(system(cmd) == 0);
}

static int warned;

static void count_warning(void *ctx, const char *model, const char *release,
    const struct ad_error *err)
{
	(void)ctx;
	(void)err;
	CHECK_STR(model, "m");
	CHECK_STR(release, "r3");
	warned++;
}

static const char *current(const struct ad_store *s)
{
	size_t k = ad_store_current(s, 0);

	return k == SIZE_MAX ? "(none)" : ad_store_version(s, 0, k);
}

static uint64_t loaded_by(const struct ad_store *s)
{
	uint64_t loaded, failed;

	ad_store_tally(s, 0, &loaded, &failed);
	return loaded;
}

static uint64_t failed_by(const struct ad_store *s)
{
	uint64_t loaded, failed;

	ad_store_tally(s, 0, &loaded, &failed);
	return failed;
}

static void test_rescan(void)
{
	struct ad_store_source src = { path_of("store"), NULL, NULL, NULL, NULL, 0 };
	struct ad_store *s1, *s2, *s3, *s4, *s5, *s6;
	struct ad_error err;

	CHECK(mkdir(path_of("store"), 0700) == 0);
	CHECK(mkdir(path_of("store/m"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases/r1"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases/r2"), 0700) == 0);
	copy_model("store/m/releases/r1/model");
	copy_model("store/m/releases/r2/model");
	CHECK(symlink("releases/r1", path_of("store/m/current")) == 0);
	CHECK(ad_store_open(&s1, &src, NULL, 0, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(loaded_by(s1) == 2 && failed_by(s1) == 0);
	CHECK(ad_store_changed(s1, NULL));
	/* nothing changed: every release kept, with its counters */
	CHECK(ad_store_open(&s2, &src, s1, 0, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(!ad_store_changed(s2, s1));
	CHECK(loaded_by(s2) == 0);
	for (size_t v = 0; v < 2; v++) {
		CHECK(ad_store_release_at(s2, 0, v) == ad_store_release_at(s1, 0, v));
		CHECK(ad_store_meters(s2, 0, v) == ad_store_meters(s1, 0, v));
	}
	ad_store_free(s1);   /* s2 still holds the releases */
	CHECK(ad_release_model(ad_store_release_at(s2, 0, 0)) != NULL);
	/* r3 fails to load, and current moves to it: r1 stays current */
	CHECK(mkdir(path_of("store/m/releases/r3"), 0700) == 0);
	put_text("store/m/releases/r3/model", "not a model\n");
	CHECK(unlink(path_of("store/m/current")) == 0);
	CHECK(symlink("releases/r3", path_of("store/m/current")) == 0);
	CHECK(ad_store_open(&s3, &src, s2, 0, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(warned == 1 && failed_by(s3) == 1);
	CHECK_STR(current(s3), "r1");
	CHECK(ad_store_versions(s3, 0) == 2);
	CHECK(!ad_store_changed(s3, s2));
	/* told once ... */
	CHECK(ad_store_open(&s4, &src, s3, 0, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(warned == 1 && failed_by(s4) == 0);
	CHECK_STR(current(s4), "r1");
	/* ... unless retry is asked */
	CHECK(ad_store_open(&s5, &src, s4, 1, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(warned == 2 && failed_by(s5) == 1);
	/* r2's model replaced: loaded again; r3 fixed: loaded, and current */
	CHECK(unlink(path_of("store/m/releases/r2/model")) == 0);
	copy_model("store/m/releases/r2/model");
	CHECK(unlink(path_of("store/m/releases/r3/model")) == 0);
	copy_model("store/m/releases/r3/model");
	CHECK(ad_store_open(&s6, &src, s5, 0, count_warning, NULL, &err) ==
	    AD_OK);
	CHECK(warned == 2 && loaded_by(s6) == 2 && failed_by(s6) == 0);
	CHECK(ad_store_changed(s6, s5));
	CHECK(ad_store_versions(s6, 0) == 3);
	CHECK_STR(current(s6), "r3");
	CHECK(ad_store_release_at(s6, 0, 0) == ad_store_release_at(s5, 0, 0));
	CHECK(ad_store_release_at(s6, 0, 1) != ad_store_release_at(s5, 0, 1));
	ad_store_free(s2);
	ad_store_free(s3);
	ad_store_free(s4);
	ad_store_free(s5);
	ad_store_free(s6);
}

static void test_single(void)
{
	struct ad_store_source src = { NULL, "solo", NULL, NULL,
	    path_of("z.model"), 0 };
	struct ad_store *a, *b;
	struct ad_error err;

	CHECK(ad_store_open(&a, &src, NULL, 0, NULL, NULL, &err) == AD_OK);
	CHECK(ad_store_open(&b, &src, a, 0, NULL, NULL, &err) == AD_OK);
	CHECK(!ad_store_changed(b, a) && loaded_by(b) == 0);
	CHECK(ad_store_release_at(b, 0, 0) == ad_store_release_at(a, 0, 0));
	ad_store_free(a);
	ad_store_free(b);
	/* a params file named but missing is an error, named */
	src.clean = path_of("missing.params");
	CHECK(ad_store_open(&a, &src, NULL, 0, NULL, NULL, &err) != AD_OK);
	CHECK(strstr(err.file, "missing.params") != NULL ||
	    strstr(err.msg, "missing.params") != NULL);
}

static struct ad_store *before;

static enum ad_status rescan(void *ctx, struct ad_error *err)
{
	struct ad_store_source src = { path_of("store"), NULL, NULL, NULL, NULL, 0 };
	struct ad_store *s;
	enum ad_status st;

	(void)ctx;
	if ((st = ad_store_open(&s, &src, before, 0, NULL, NULL, err)) == AD_OK)
		ad_store_free(s);
	return st;
}

int main(void)
{
	struct ad_store_source src;
	struct ad_error err;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/adkit-store-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	make_model();
	test_rescan();
	test_single();
	/* a rescan that keeps r1 and r2 and loads r3 again, failing anywhere */
	memset(&src, 0, sizeof src);
	src.dir = path_of("store");
	CHECK(ad_store_open(&before, &src, NULL, 0, NULL, NULL, &err) == AD_OK);
	CHECK(unlink(path_of("store/m/releases/r3/model")) == 0);
	copy_model("store/m/releases/r3/model");
	oom_loop("rescan", rescan, NULL, NULL);
	ad_store_free(before);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -r '%s'", tmpdir);
		CHECK(system(cmd) == 0);
	}
	return CHECK_DONE("test_store");
}
