/*
 * Tests for lib/io/chunk: a CSV stream cut into chunks that end at record
 * boundaries (a newline outside quotes), whatever the chunk size, from a
 * mapped file (slices of it) and from a pipe (copies); and lib/io/ahead,
 * the thread that fills two sets in turn.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ahead.h"
#include "alloc.h"
#include "chunk.h"
#include "in.h"

#include "check.h"
#include "files.h"

/* Whether s[0..n) ends outside quotes, just after a newline; *inq holds
 * whether s[0..from) ended inside quotes and is brought up to n, so a
 * stream is scanned once however small its chunks. */
static int ends_at_boundary(const char *s, size_t from, size_t n, int *inq)
{
	for (size_t i = from; i < n; i++)
		if (s[i] == '"')
			*inq = !*inq;
	return n > 0 && s[n - 1] == '\n' && !*inq;
}

/* Cuts in into chunks of size, the first seed bytes of want given as
 * already read; checks each chunk and that they add up to want. */
static void cut_all(struct ad_in *in, size_t size, const char *want,
    size_t nwant, size_t seed)
{
	struct ad_chunker *c = NULL;
	struct ad_chunk ch = { 0 };
	struct ad_error err;
	char *got = malloc(nwant + 1);
	size_t n = 0, chunks = 0, bad = 0;
	int inq = 0, at;

	CHECK(ad_chunker_new(&c, in, size, want, seed, 0, &err) == AD_OK);
	for (;;) {
		CHECK(ad_chunker_next(c, &ch, &err) == AD_OK);
		if (ch.n > nwant - n)
			break;
		memcpy(got + n, ch.p, ch.n);
		n += ch.n;
		chunks++;
		at = ends_at_boundary(got, n - ch.n, n, &inq);
		if (!ch.last && (!at || (!ch.early && ch.n < size)))
			bad++;
		if (ch.last)
			break;
	}
	CHECK(ch.last);
	CHECK(n == nwant && memcmp(got, want, nwant) == 0);
	CHECK(bad == 0);
	CHECK(size > 1000 || chunks > 10);
	/* after the last, chunks are empty */
	CHECK(ad_chunker_next(c, &ch, &err) == AD_OK && ch.n == 0 && ch.last);
	ad_chunker_free(c);
	ad_free(ch.buf);
	free(got);
}

static void test_chunks_end_at_record_boundaries(void)
{
	static const char *const rows[] = { "1,2\n", "3,\"a\nb\"\n",
	    "\"\"\"\n\"\"\",x\r\n", "\n", "5,\"\n\n\"\n", "6,7" };
	char path[FILES_PATH_MAX], *data = malloc(200000);
	size_t n = 0;

	for (int i = 0; n < 150000; i++) {
		const char *r = rows[i * 7 % 5];
		memcpy(data + n, r, strlen(r));
		n += strlen(r);
	}
	memcpy(data + n, rows[5], 3);   /* no final newline */
	n += 3;
	put_bytes(path, "chunk", data, n);
	for (size_t size = 1; size < 100000; size = size * 7 + 3) {
		int fd[2], status;
		pid_t pid;
		struct ad_in *in = NULL;
		struct ad_error err;

		/* a mapped file */
		CHECK(ad_in_open(&in, path, &err) == AD_OK);
		cut_all(in, size, data, n, 0);
		ad_in_close(in);
		/* a pipe, written by a child */
		if (pipe(fd) != 0 || (pid = fork()) < 0)
			exit(2);
		if (pid == 0) {
			close(fd[0]);
			for (size_t off = 4; off < n; off += 5000)
				if (write(fd[1], data + off, n - off < 5000 ?
				    n - off : 5000) < 0)
					_exit(1);
			_exit(0);
		}
		close(fd[1]);
		CHECK(ad_in_open_fd(&in, fd[0], &err) == AD_OK);
		cut_all(in, size, data, n, 4);
		ad_in_close(in);
		waitpid(pid, &status, 0);
	}
	unlink(path);
	free(data);
}

/* The ahead thread fills sets 0, 1, 0, ... each only once given back. */
struct sets {
	int filled[2];
	int rounds;
};

static int fill(void *ctx, int k)
{
	struct sets *s = ctx;

	s->filled[k]++;
	return ++s->rounds == 5;
}

static void test_ahead_fills_two_sets_in_turn(void)
{
	struct sets s = { { 0, 0 }, 0 };
	struct ad_ahead *a = NULL;
	struct ad_error err;
	int order[6];

	CHECK(ad_ahead_start(&a, fill, &s, &err) == AD_OK);
	for (int i = 0; i < 6; i++) {
		order[i] = ad_ahead_take(a);
		if (order[i] >= 0)
			ad_ahead_give_back(a, order[i]);
	}
	ad_ahead_stop(a);
	CHECK(order[0] == 0 && order[1] == 1 && order[2] == 0 &&
	    order[3] == 1 && order[4] == 0 && order[5] == -1);
	CHECK(s.filled[0] == 3 && s.filled[1] == 2);
	/* stopped before the consumer takes anything */
	s.rounds = 0;
	CHECK(ad_ahead_start(&a, fill, &s, &err) == AD_OK);
	ad_ahead_stop(a);
	ad_ahead_stop(NULL);
}

int main(void)
{
	test_chunks_end_at_record_boundaries();
	test_ahead_fills_two_sets_in_turn();
	return CHECK_DONE("test_chunk");
}
