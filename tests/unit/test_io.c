/*
 * Tests for lib/io/io: the buffered input (peek, next, read, offsets,
 * seeking a regular file again, the tap that sees every byte once per
 * read) and the output (reserve and commit, a spill read back, symlinks
 * written through, a write error on /dev/full, nothing left behind by an
 * abort). Then the OOM loop (oomloop.h) over a spill and a file written.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

/* A pattern of n bytes that shows misplaced ones. */
static char *pattern(size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p == NULL)
		exit(2);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 251) % 26);
	return p;
}

/* Counts the bytes a tap sees. */
static void count_bytes(void *ctx, const unsigned char *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
}

static void test_peek_next_and_read(void)
{
	enum { N = 700000 };   /* more than the input's buffer */
	char path[FILES_PATH_MAX], *want = pattern(N), *got = malloc(N);
	const unsigned char *p;
	struct ad_in *in = NULL;
	struct ad_error err;
	size_t len, n, seen = 0, total = 0;

	put_bytes(path, "io", want, N);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	CHECK_STR(ad_in_name(in), path);
	CHECK(ad_in_seekable(in));
	ad_in_set_tap(in, count_bytes, &seen);
	/* a peek consumes nothing */
	CHECK(ad_in_peek(in, 10, &p, &len, &err) == AD_OK && len == 10);
	CHECK(memcmp(p, want, 10) == 0 && ad_in_offset(in) == 0);
	CHECK(ad_in_read(in, got, 5, &n, &err) == AD_OK && n == 5);
	CHECK(memcmp(got, want, 5) == 0 && ad_in_offset(in) == 5);
	/* next hands out what is buffered, then more, in order */
	total = 5;
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0) {
		CHECK(total + len <= N && memcmp(p, want + total, len) == 0);
		total += len;
	}
	CHECK(total == N && ad_in_offset(in) == N && seen == N);
	/* a large read after a seek goes around the buffer */
	CHECK(ad_in_seek(in, 3, &err) == AD_OK && ad_in_offset(in) == 3);
	CHECK(ad_in_read(in, got, N, &n, &err) == AD_OK && n == N - 3);
	CHECK(memcmp(got, want + 3, N - 3) == 0);
	CHECK(seen == 2 * N - 3);   /* the tap sees the bytes read again */
	CHECK(ad_in_read(in, got, 1, &n, &err) == AD_OK && n == 0);
	ad_in_close(in);
	ad_in_close(NULL);
	unlink(path);
	free(want);
	free(got);
}

/* ad_in_next maps a regular file once its buffer is used up: the mapped
 * bytes stay valid until the close, pass through the tap once, and a file
 * cut short after the mapping is an I/O error, not a fault. */
static void test_next_maps_a_regular_file(void)
{
	enum { N = 2500000 };   /* more than one MiB piece */
	char path[FILES_PATH_MAX], *want = pattern(N);
	const unsigned char *p, *first = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	size_t len, seen = 0, total = 0, first_len = 0;
	int stable_seen = 0;

	put_bytes(path, "io-map", want, N);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	ad_in_set_tap(in, count_bytes, &seen);
	CHECK(ad_in_peek(in, 10, &p, &len, &err) == AD_OK && len == 10);
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0) {
		CHECK(memcmp(p, want + total, len) == 0);
		if (ad_in_stable(in) && first == NULL) {
			first = p;
			first_len = len;
			stable_seen = (int)(total + 1);
		}
		total += len;
	}
	CHECK(total == N && seen == N && ad_in_offset(in) == N);
	CHECK(first != NULL && stable_seen > 1);  /* the buffer came first */
	if (first != NULL)
		CHECK(memcmp(first, want + stable_seen - 1, first_len) == 0);
	/* a seek goes back to read() */
	CHECK(ad_in_seek(in, 5, &err) == AD_OK);
	CHECK(ad_in_next(in, &p, &len, &err) == AD_OK && len > 0);
	CHECK(!ad_in_stable(in) && memcmp(p, want + 5, len) == 0);
	ad_in_close(in);

	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	CHECK(ad_in_next(in, &p, &len, &err) == AD_OK && ad_in_stable(in));
	CHECK(truncate(path, N / 2) == 0);
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0)
		;
	CHECK(err.code == AD_EIO && strstr(err.msg, "file shrank") != NULL);
	ad_in_close(in);
	unlink(path);
	free(want);
}

static void test_missing_input_is_an_io_error(void)
{
	struct ad_in *in = NULL;
	struct ad_error err;

	CHECK(ad_in_open(&in, "/nonexistent/x.csv", &err) == AD_EIO);
	CHECK(in == NULL && err.code == AD_EIO);
	CHECK_STR(err.file, "/nonexistent/x.csv");
}

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
	char *want = pattern(N), *got = malloc(N);
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
		char *big = pattern(1 << 18);
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
	test_peek_next_and_read();
	test_next_maps_a_regular_file();
	test_missing_input_is_an_io_error();
	test_reserve_and_commit();
	test_spill_is_read_back_and_vanishes();
	test_symlink_is_written_through();
	test_dev_full_fails_on_close();
	test_abort_keeps_the_old_file();
	test_oom();
	return CHECK_DONE("test_io");
}
