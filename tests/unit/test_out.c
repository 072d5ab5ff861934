/*
 * Tests for lib/io/out: reserve and commit, a spill read back, symlinks
 * written through, a write error on /dev/full, nothing left behind by an
 * abort; then the OOM loop (oomloop.h) over a spill and a file written.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "in.h"
#include "out.h"

#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

static void test_reserve_and_commit(void)
{
	char path[FILES_PATH_MAX], *p, *back;
	struct ad_out *o = NULL;
	struct ad_error err;
	size_t len;

	put_file(path, "io", "");
	CHECK(ad_out_open(&o, path, &err) == AD_OK);
	for (int i = 0; i < 5000; i++) {
		CHECK(ad_out_reserve(o, 64, &p, &err) == AD_OK);
		memcpy(p, "0123456789", 10);
		ad_out_commit(o, 10);
	}
	CHECK(ad_out_reserve(o, 1 << 17, &p, &err) == AD_EIO);
	CHECK(ad_out_close(o, &err) == AD_OK);
	back = slurp_file(path, &len);
	CHECK(back != NULL && len == 50000);
	CHECK(back != NULL && memcmp(back + 49990, "0123456789", 10) == 0);
	free(back);
	unlink(path);
}

static void test_spill_is_read_back_and_vanishes(void)
{
	enum { N = 300000 };
	char *want = pattern_bytes(N), *got = malloc(N);
	struct ad_out *o = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	size_t n;

	CHECK(ad_out_open_spill(&o, &err) == AD_OK);
	CHECK(ad_out_write(o, want, 10, &err) == AD_OK);
	CHECK(ad_out_write(o, want + 10, N - 10, &err) == AD_OK);
	CHECK(ad_out_spill_to_in(o, &in, &err) == AD_OK);
	CHECK(ad_in_read(in, got, N, &n, &err) == AD_OK && n == N);
	CHECK(memcmp(got, want, N) == 0);
	CHECK(ad_in_seekable(in));
	ad_in_close(in);
	ad_out_abort(o);
	free(want);
	free(got);
}

/* A memory output: written past its buffer, through a reserve, read back
 * whole (by ad_in_next and ad_in_read), no file, and a borrowed memory
 * input left to its owner. */
static void test_memory_is_read_back(void)
{
	enum { N = 300000 };
	char *want = pattern_bytes(N), *got = malloc(N), *p;
	struct ad_out *o = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	const unsigned char *d;
	size_t n, len = 0;

	CHECK(ad_out_open_mem(&o, &err) == AD_OK);
	CHECK_STR(ad_out_name(o), "<memory>");
	CHECK(ad_out_write(o, want, 10, &err) == AD_OK);
	CHECK(ad_out_reserve(o, 5, &p, &err) == AD_OK);
	memcpy(p, want + 10, 5);
	ad_out_commit(o, 5);
	CHECK(ad_out_write(o, want + 15, N - 15, &err) == AD_OK);
	CHECK(ad_out_spill_to_in(o, &in, &err) == AD_OK);
	ad_out_abort(o);
	CHECK(!ad_in_seekable(in) && ad_in_ready(in));
	while (ad_in_next(in, &d, &n, &err) == AD_OK && n > 0 && len + n <= N) {
		memcpy(got + len, d, n);
		len += n;
	}
	CHECK(len == N && memcmp(got, want, N) == 0);
	CHECK(ad_in_seek(in, 0, &err) == AD_EIO);
	ad_in_close(in);
	CHECK(ad_in_open_mem(&in, want, 7, 0, &err) == AD_OK);
	CHECK(ad_in_read(in, got, N, &n, &err) == AD_OK && n == 7);
	CHECK(ad_in_read(in, got, N, &n, &err) == AD_OK && n == 0);
	ad_in_close(in);
	CHECK(ad_in_open_mem(&in, NULL, 0, 0, &err) == AD_OK);
	CHECK(ad_in_next(in, &d, &n, &err) == AD_OK && n == 0);
	ad_in_close(in);
	/* an empty memory output reads back as nothing */
	CHECK(ad_out_open_mem(&o, &err) == AD_OK);
	CHECK(ad_out_spill_to_in(o, &in, &err) == AD_OK);
	CHECK(ad_in_next(in, &d, &n, &err) == AD_OK && n == 0);
	ad_in_close(in);
	CHECK(ad_out_close(o, &err) == AD_OK);
	free(want);
	free(got);
}

/* Bytes through memory and back, for the OOM loop. */
static enum ad_status mem_scenario(void *ctx, struct ad_error *err)
{
	const char *want = ctx;
	struct ad_out *o;
	struct ad_in *in = NULL;
	const unsigned char *d;
	size_t n;
	enum ad_status st;

	if ((st = ad_out_open_mem(&o, err)) != AD_OK)
		return st;
	for (int i = 0; i < 40 && st == AD_OK; i++)
		st = ad_out_write(o, want, 10000, err);
	if (st == AD_OK)
		st = ad_out_spill_to_in(o, &in, err);
	ad_out_abort(o);
	while (st == AD_OK && (st = ad_in_next(in, &d, &n, err)) == AD_OK &&
	    n > 0)
		;
	ad_in_close(in);
	return st;
}

static void test_symlink_is_written_through(void)
{
	char target[FILES_PATH_MAX], link[FILES_PATH_MAX + 8], *back;
	struct ad_out *o = NULL;
	struct ad_error err;
	struct stat sb;

	put_file(target, "io", "old");
	snprintf(link, sizeof link, "%s.link", target);
	CHECK(symlink(target, link) == 0);
	CHECK(ad_out_open(&o, link, &err) == AD_OK);
	CHECK(ad_out_write(o, "new", 3, &err) == AD_OK);
	CHECK(ad_out_close(o, &err) == AD_OK);
	CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
	back = slurp_file(target, NULL);
	CHECK_STR(back, "new");
	free(back);
	unlink(link);
	unlink(target);
}

static void test_dev_full_fails_on_close(void)
{
	struct ad_out *o = NULL;
	struct ad_error err;

	CHECK(ad_out_open(&o, "/dev/full", &err) == AD_OK);
	CHECK(ad_out_write(o, "x", 1, &err) == AD_OK);  /* buffered */
	CHECK(ad_out_close(o, &err) == AD_EIO);
	CHECK(strstr(err.msg, "write error") != NULL);
	/* a write too large for the buffer fails at once */
	{
		char *big = pattern_bytes(1 << 18);
		CHECK(ad_out_open(&o, "/dev/full", &err) == AD_OK);
		CHECK(ad_out_write(o, big, 1 << 18, &err) == AD_EIO);
		ad_out_abort(o);
		free(big);
	}
}

static void test_abort_keeps_the_old_file(void)
{
	char path[FILES_PATH_MAX], *back;
	struct ad_out *o = NULL;
	struct ad_error err;

	put_file(path, "io", "old");
	CHECK(ad_out_open(&o, path, &err) == AD_OK);
	CHECK(ad_out_write(o, "new", 3, &err) == AD_OK);
	ad_out_abort(o);
	ad_out_abort(NULL);
	back = slurp_file(path, NULL);
	CHECK_STR(back, "old");
	free(back);
	unlink(path);
}

/* ---- the OOM loop ---- */

/* Spills bytes, reads them back and writes them to the file ctx names. */
static enum ad_status scenario(void *ctx, struct ad_error *err)
{
	struct ad_out *spill = NULL, *o = NULL;
	struct ad_in *in = NULL;
	const unsigned char *p;
	size_t len;
	enum ad_status st;

	if ((st = ad_out_open_spill(&spill, err)) == AD_OK &&
	    (st = ad_out_write(spill, "spilled bytes\n", 14, err)) == AD_OK &&
	    (st = ad_out_spill_to_in(spill, &in, err)) == AD_OK &&
	    (st = ad_out_open(&o, ctx, err)) == AD_OK)
		while ((st = ad_in_next(in, &p, &len, err)) == AD_OK && len > 0)
			if ((st = ad_out_write(o, p, len, err)) != AD_OK)
				break;
	if (st == AD_OK) {
		st = ad_out_close(o, err);
		o = NULL;
	}
	ad_out_abort(o);
	ad_in_close(in);
	ad_out_abort(spill);
	return st;
}

static void test_oom(void)
{
	char path[FILES_PATH_MAX];

	put_file(path, "io", "");
	unlink(path);
	oom_loop("io", scenario, path, path);
	unlink(path);
}

int main(void)
{
	test_reserve_and_commit();
	test_spill_is_read_back_and_vanishes();
	test_symlink_is_written_through();
	test_dev_full_fails_on_close();
	test_abort_keeps_the_old_file();
	test_oom();
	test_memory_is_read_back();
	{
		char *bytes = pattern_bytes(10000);
		oom_loop("memory io", mem_scenario, bytes, NULL);
		free(bytes);
	}
	return CHECK_DONE("test_out");
}
