/*
 * Tests for lib/io/in: the buffered input (peek, next, read, offsets,
 * seeking a regular file again, the tap that sees every byte once per
 * read), a regular file mapped, a missing input.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "in.h"

#include "check.h"
#include "files.h"

/* Counts the bytes a tap sees. */
static void count_bytes(void *ctx, const unsigned char *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
}

static void test_peek_next_and_read(void)
{
	enum { N = 700000 };   /* more than the input's buffer */
	char path[FILES_PATH_MAX], *want = pattern_bytes(N), *got = malloc(N);
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
	char path[FILES_PATH_MAX], *want = pattern_bytes(N);
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

/* An order-sensitive fold of the bytes a tap sees (FNV-1a). */
static void fold_bytes(void *ctx, const unsigned char *p, size_t n)
{
	uint64_t *h = ctx;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ p[i]) * 1099511628211u;
}

/* A tap behind the reading sees a mapped file's bytes on its own thread,
 * and the buffered ones and those read again after a seek inline: every
 * byte once a read, in order, by the time ad_in_tap_wait returns. */
static void test_tap_behind_sees_every_byte_in_order(void)
{
	enum { N = 3500000 };   /* several mapped pieces */
	char path[FILES_PATH_MAX], *want = pattern_bytes(N);
	const unsigned char *p;
	struct ad_in *in = NULL;
	struct ad_error err;
	uint64_t h = 14695981039346656037u, expect = h;
	size_t len, total = 0;

	put_bytes(path, "io-behind", want, N);
	fold_bytes(&expect, (const unsigned char *)want, N);
	fold_bytes(&expect, (const unsigned char *)want + 7, N - 7);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	ad_in_set_tap_behind(in, fold_bytes, &h);
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0)
		total += len;
	CHECK(total == N);
	/* the seek unmaps: what the tap had queued comes before the rest */
	CHECK(ad_in_seek(in, 7, &err) == AD_OK);
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0)
		total += len;
	ad_in_tap_wait(in);
	CHECK(total == 2 * (size_t)N - 7 && h == expect);
	ad_in_close(in);

	/* closed with pieces still queued: no fault, no leak */
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	ad_in_set_tap_behind(in, fold_bytes, &h);
	while (ad_in_next(in, &p, &len, &err) == AD_OK && len > 0)
		;
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

int main(void)
{
	test_peek_next_and_read();
	test_next_maps_a_regular_file();
	test_tap_behind_sees_every_byte_in_order();
	test_missing_input_is_an_io_error();
	return CHECK_DONE("test_in");
}
