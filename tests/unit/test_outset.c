/*
 * Tests for lib/io/outset: a command's outputs opened together, committed
 * in order, and aborted together on failure. Files go to a scratch
 * directory of our own under /tmp, whose listing shows what a run left.
 * Then the OOM loop (oomloop.h): every allocation failure gives AD_ENOMEM
 * and leaves no file and no block alive.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "outset.h"

#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

static char scratch[64];   /* our directory under /tmp */

/* scratch/name, in a static buffer of its own per slot (0..3). */
static const char *in_scratch(int slot, const char *name)
{
	static char path[4][512];

	snprintf(path[slot], sizeof path[slot], "%s/%s", scratch, name);
	return path[slot];
}

/* The number of entries in scratch, hidden ones too. */
static int files_left(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void empty_scratch(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(in_scratch(3, e->d_name));
	if (d != NULL)
		closedir(d);
}

/* The file's contents, or "" if it cannot be read. */
static const char *contents(const char *path)
{
	static char buf[64];
	char *p = slurp_file(path, NULL);

	snprintf(buf, sizeof buf, "%s", p != NULL ? p : "");
	free(p);
	return buf;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Writes its name into each open output of three. */
static enum ad_status write_names(struct ad_out *o[3], struct ad_error *err)
{
	static const char *const name[3] = { "a", "b", "c" };
	enum ad_status st = AD_OK;

	for (int i = 0; i < 3 && st == AD_OK; i++)
		if (o[i] != NULL)
			st = ad_out_write(o[i], name[i], 1, err);
	return st;
}

static void test_commit_writes_every_output(void)
{
	struct ad_out *o[3] = { NULL, NULL, NULL };
	const struct ad_outset_entry e[] = {
		{ &o[0], in_scratch(0, "a") }, { &o[1], NULL },
		{ &o[2], in_scratch(2, "c") },
	};
	struct ad_outset *set = NULL;
	struct ad_error err;

	CHECK(ad_outset_open(&set, e, 3, &err) == AD_OK);
	CHECK(o[0] != NULL && o[1] == NULL && o[2] != NULL);
	/* nothing appears before the commit */
	CHECK(!exists(e[0].path) && !exists(e[2].path));
	CHECK(write_names(o, &err) == AD_OK);
	CHECK(ad_outset_commit(set, &err) == AD_OK);
	CHECK(o[0] == NULL && o[2] == NULL);
	CHECK_STR(contents(e[0].path), "a");
	CHECK_STR(contents(e[2].path), "c");
	CHECK(files_left() == 2);
	ad_outset_free(set);
	CHECK(files_left() == 2);   /* free after commit removes nothing */
	empty_scratch();
}

static void test_free_without_commit_leaves_no_file(void)
{
	char old[FILES_PATH_MAX];
	struct ad_out *o[3] = { NULL, NULL, NULL };
	const struct ad_outset_entry e[] = {
		{ &o[0], in_scratch(0, "a") }, { &o[1], old },
		{ &o[2], in_scratch(2, "c") },
	};
	struct ad_outset *set = NULL;
	struct ad_error err;

	/* an old file stays as it was */
	put_file(old, "outset", "old");
	CHECK(ad_outset_open(&set, e, 3, &err) == AD_OK);
	CHECK(write_names(o, &err) == AD_OK);
	ad_outset_free(set);
	CHECK(o[0] == NULL && o[1] == NULL && o[2] == NULL);
	CHECK(files_left() == 0);
	CHECK_STR(contents(old), "old");
	unlink(old);
	ad_outset_free(NULL);
}

static void test_a_failing_open_aborts_the_others(void)
{
	struct ad_out *o[3] = { NULL, NULL, NULL };
	const struct ad_outset_entry e[] = {
		{ &o[0], in_scratch(0, "a") },
		{ &o[1], in_scratch(1, "no-such-dir/b") },
		{ &o[2], in_scratch(2, "c") },
	};
	struct ad_outset *set = NULL;
	struct ad_error err;

	CHECK(ad_outset_open(&set, e, 3, &err) == AD_EIO);
	CHECK(set == NULL);
	CHECK(o[0] == NULL && o[1] == NULL && o[2] == NULL);
	CHECK(strstr(err.file, "no-such-dir/b") != NULL);
	CHECK(files_left() == 0);
}

/* A write error in any output commits none of them: the first output,
 * complete in itself, is not left in place beside a failed one. */
static void test_a_write_error_commits_none(void)
{
	struct ad_out *o[3] = { NULL, NULL, NULL };
	const struct ad_outset_entry e[] = {
		{ &o[0], in_scratch(0, "a") }, { &o[1], "/dev/full" },
		{ &o[2], in_scratch(2, "c") },
	};
	struct ad_outset *set = NULL;
	struct ad_error err;

	CHECK(ad_outset_open(&set, e, 3, &err) == AD_OK);
	CHECK(write_names(o, &err) == AD_OK);     /* buffered, not yet failed */
	CHECK(ad_outset_commit(set, &err) == AD_EIO);
	CHECK(strstr(err.msg, "No space") != NULL);
	CHECK(o[0] != NULL && o[1] != NULL && o[2] != NULL);
	ad_outset_free(set);
	CHECK(o[0] == NULL && o[1] == NULL && o[2] == NULL);
	CHECK(!exists(e[0].path));
	CHECK(!exists(e[2].path));
	CHECK(files_left() == 0);
	empty_scratch();
}

/* ---- the OOM loop ---- */

/* Two outputs committed, a then c: after a failure neither is left. */
static enum ad_status scenario(void *ctx, struct ad_error *err)
{
	struct ad_out *o[3] = { NULL, NULL, NULL };
	const struct ad_outset_entry e[] = {
		{ &o[0], in_scratch(0, "a") }, { &o[1], NULL },
		{ &o[2], in_scratch(2, "c") },
	};
	struct ad_outset *set = NULL;
	enum ad_status st;

	(void)ctx;
	unlink(e[0].path);
	if ((st = ad_outset_open(&set, e, 3, err)) == AD_OK &&
	    (st = write_names(o, err)) == AD_OK)
		st = ad_outset_commit(set, err);
	ad_outset_free(set);
	if (st != AD_OK && exists(e[0].path))
		st = ad_error_set(err, AD_EIO, "a is left after a failure");
	return st;
}

static void test_oom(void)
{
	oom_loop("outset", scenario, NULL, in_scratch(1, "c"));
	empty_scratch();
}

int main(void)
{
	snprintf(scratch, sizeof scratch, "/tmp/adkit-outset-XXXXXX");
	if (mkdtemp(scratch) == NULL) {
		perror("test_outset: mkdtemp");
		return 2;
	}
	test_commit_writes_every_output();
	test_free_without_commit_leaves_no_file();
	test_a_failing_open_aborts_the_others();
	test_a_write_error_commits_none();
	test_oom();
	empty_scratch();
	rmdir(scratch);
	return CHECK_DONE("test_outset");
}
