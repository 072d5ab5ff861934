/*
 * Tests for lib/io/replay: rows added in blocks come back identical and in
 * order, whether they were held in memory, spilled to a temporary file
 * past the memory bound, or read again from a rewindable binary file.
 * Then the OOM loop (oomloop.h): every allocation failure gives AD_ENOMEM
 * and leaves no block alive.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "out.h"
#include "reader.h"
#include "replay.h"
#include "schema.h"
#include "writer.h"

#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

enum { NBLOCKS = 7, NROWS = 300 };

/* The input's cells: row i of block k. */
static double x_of(size_t k, size_t i)
{
	return (double)(k * 1000 + i);
}

static double z_of(size_t k, size_t i)
{
	return i % 5 == 0 ? NAN : -(double)(k * NROWS + i) * 0.5;
}

/* Text; NULL (missing) for every seventh row. */
static const char *t_of(size_t k, size_t i, char buf[32])
{
	if (i % 7 == 0)
		return NULL;
	snprintf(buf, 32, "row %zu-%zu", k, i);
	return buf;
}

/* The input: x numeric, t text, z numeric. */
static struct ad_schema *input_schema(void)
{
	struct ad_schema *s = NULL;
	struct ad_error err;

	if (ad_schema_new(&s, &err) != AD_OK ||
	    ad_schema_add(s, "x", 1, AD_NUMERIC, &err) != AD_OK ||
	    ad_schema_add(s, "t", 1, AD_TEXT, &err) != AD_OK ||
	    ad_schema_add(s, "z", 1, AD_NUMERIC, &err) != AD_OK)
		exit(2);
	return s;
}

/* The rows replayed: z, t (input columns 2 and 1). */
static const size_t colmap[] = { 2, 1 };

static enum ad_status new_replay_schema(struct ad_schema **s,
    struct ad_error *err)
{
	enum ad_status st;

	*s = NULL;
	if ((st = ad_schema_new(s, err)) == AD_OK &&
	    (st = ad_schema_add(*s, "z", 1, AD_NUMERIC, err)) == AD_OK)
		st = ad_schema_add(*s, "t", 1, AD_TEXT, err);
	return st;
}

static struct ad_schema *replay_schema(void)
{
	struct ad_schema *s = NULL;
	struct ad_error err;

	if (new_replay_schema(&s, &err) != AD_OK)
		exit(2);
	return s;
}

/* Fills b with block k of the input. */
static enum ad_status fill_block(struct ad_block *b, size_t k,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;
	char buf[32];

	ad_block_clear(b);
	for (size_t i = 0; i < NROWS && st == AD_OK; i++) {
		const char *t = t_of(k, i, buf);

		b->num[i * 3] = x_of(k, i);
		b->num[i * 3 + 1] = NAN;
		b->num[i * 3 + 2] = z_of(k, i);
		b->line[i] = k * NROWS + i + 2;
		st = ad_block_set_text(b, i, 1, t, t ? strlen(t) : AD_TEXT_MISSING,
		    err);
	}
	b->nrows = NROWS;
	return st;
}

static int same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Whether row i of b is input row n, as z and t (projected) or x, t, z. */
static int row_is(const struct ad_block *b, size_t i, size_t n, int projected)
{
	size_t k = n / NROWS, r = n % NROWS, len, tcol = 1;
	char buf[32];
	const char *want = t_of(k, r, buf), *got;

	if (projected && !same_double(b->num[i * b->ncols], z_of(k, r)))
		return 0;
	if (!projected && (!same_double(b->num[i * b->ncols], x_of(k, r)) ||
	    !same_double(b->num[i * b->ncols + 2], z_of(k, r))))
		return 0;
	got = ad_block_text(b, i, tcol, &len);
	if ((got == NULL) != (want == NULL))
		return 0;
	return got == NULL || (len == strlen(want) && memcmp(got, want, len) == 0);
}

/* Replays everything; checks the rows come back in order; returns the
 * status, *rows the rows seen, *bad the first wrong one + 1 (0: none). */
static enum ad_status check_replay(struct ad_replay *rp, int projected,
    size_t *rows, size_t *bad, struct ad_error *err)
{
	struct ad_block *b;
	enum ad_status st;

	*rows = *bad = 0;
	while ((st = ad_replay_next(rp, &b, err)) == AD_OK && b->nrows > 0)
		for (size_t i = 0; i < b->nrows; i++, (*rows)++)
			if (*bad == 0 && !row_is(b, i, *rows, projected))
				*bad = *rows + 1;
	return st;
}

/* Adds the NBLOCKS blocks to a replay bounded at memory bytes, then
 * replays them. */
static enum ad_status held_and_spilled(uint64_t memory, int *spilled,
    size_t *rows, size_t *bad, struct ad_error *err)
{
	struct ad_schema *out = NULL;
	struct ad_replay *rp = NULL;
	struct ad_block *b = NULL;
	enum ad_status st;

	*rows = *bad = 0;
	st = new_replay_schema(&out, err);
	if (st == AD_OK)
		st = ad_block_new(&b, 3, NROWS, err);
	if (st == AD_OK)
		st = ad_replay_new(&rp, out, memory, NULL, err);
	for (size_t k = 0; k < NBLOCKS && st == AD_OK; k++)
		if ((st = fill_block(b, k, err)) == AD_OK)
			st = ad_replay_add(rp, b, colmap, err);
	ad_block_free(b);   /* the replay keeps copies */
	if (st == AD_OK) {
		*spilled = ad_replay_spilled(rp);
		st = ad_replay_end(rp, err);
	}
	if (st == AD_OK)
		st = check_replay(rp, 1, rows, bad, err);
	ad_replay_free(rp);
	ad_schema_free(out);
	return st;
}

static void test_rows_under_and_over_the_bound(void)
{
	static const uint64_t bound[] = { 0, 1, 20000, 60000, 1 << 30 };

	for (size_t j = 0; j < sizeof bound / sizeof bound[0]; j++) {
		struct ad_error err;
		size_t rows, bad;
		int spilled = -1;

		CHECK(held_and_spilled(bound[j], &spilled, &rows, &bad, &err) ==
		    AD_OK);
		CHECK(rows == NBLOCKS * NROWS);
		CHECK(bad == 0);
		CHECK(spilled == (bound[j] < (uint64_t)1 << 30));
	}
}

static void test_empty_replay(void)
{
	struct ad_schema *out = replay_schema();
	struct ad_replay *rp = NULL;
	struct ad_block *b;
	struct ad_error err;

	CHECK(ad_replay_new(&rp, out, 0, NULL, &err) == AD_OK);
	CHECK(ad_replay_next(rp, &b, &err) == AD_OK && b->nrows == 0);
	CHECK(ad_replay_next(rp, &b, &err) == AD_OK && b->nrows == 0);
	CHECK(!ad_replay_spilled(rp) && ad_replay_held(rp) == 0);
	ad_replay_free(rp);
	ad_replay_free(NULL);
	ad_schema_free(out);
}

/* Writes the input to path as CSV or as a binary stream. */
static void write_input(const char *path, enum ad_format format)
{
	struct ad_writer_opts wo = { .format = format };
	struct ad_schema *in = input_schema();
	struct ad_writer *w = NULL;
	struct ad_block *b = NULL;
	struct ad_out *o = NULL;
	struct ad_error err;
	enum ad_status st;

	st = ad_block_new(&b, 3, NROWS, &err);
	if (st == AD_OK)
		st = ad_out_open(&o, path, &err);
	if (st == AD_OK)
		st = ad_writer_open(&w, o, in, &wo, &err);
	for (size_t k = 0; k < NBLOCKS && st == AD_OK; k++)
		if ((st = fill_block(b, k, &err)) == AD_OK)
			st = ad_writer_write(w, b, NULL, &err);
	if (st == AD_OK)
		st = ad_writer_finish(w, &err);
	ad_writer_free(w);
	if (st == AD_OK)
		st = ad_out_close(o, &err);
	else
		ad_out_abort(o);
	ad_block_free(b);
	ad_schema_free(in);
	if (st != AD_OK) {
		fprintf(stderr, "test_replay: %s\n", err.msg);
		exit(2);
	}
}

/* Reads path through a replay bounded at memory: with colmap NULL (the
 * reader's blocks taken whole) or the projection. */
static enum ad_status through_reader(const char *path, uint64_t memory,
    int project, int *rereads, size_t *rows, size_t *bad, struct ad_error *err)
{
	struct ad_reader_opts ro = { 0 };
	struct ad_schema *types = input_schema(), *out = replay_schema();
	struct ad_reader *rd = NULL;
	struct ad_replay *rp = NULL;
	struct ad_block *b;
	enum ad_status st;

	*rows = *bad = 0;
	ro.path = path;
	ro.types = types;
	st = ad_reader_open(&rd, &ro, err);
	if (st == AD_OK)
		st = ad_replay_new(&rp, project ? out : types, memory, rd, err);
	while (st == AD_OK && (st = ad_reader_next(rd, &b, err)) == AD_OK &&
	    b->nrows > 0)
		st = ad_replay_add(rp, b, project ? colmap : NULL, err);
	if (st == AD_OK) {
		*rereads = ad_replay_rereads(rp);
		st = check_replay(rp, project && !*rereads, rows, bad, err);
	}
	ad_replay_free(rp);
	ad_reader_free(rd);
	ad_schema_free(types);
	ad_schema_free(out);
	return st;
}

static void test_rewindable_file_is_read_again(void)
{
	char path[FILES_PATH_MAX];

	put_file(path, "replay", "");
	for (int bin = 0; bin <= 1; bin++) {
		write_input(path, bin ? AD_FORMAT_BIN : AD_FORMAT_CSV);
		for (int project = 0; project <= 1; project++)
			for (uint64_t mem = 0; mem <= 30000; mem += 30000) {
				struct ad_error err;
				size_t rows, bad;
				int rereads = -1;

				CHECK(through_reader(path, mem, project, &rereads,
				    &rows, &bad, &err) == AD_OK);
				/* a binary file is read again; CSV is kept */
				CHECK(rereads == bin);
				CHECK(rows == NBLOCKS * NROWS && bad == 0);
			}
	}
	unlink(path);
}

/* ---- the OOM loop ---- */

static enum ad_status scenario(void *ctx, struct ad_error *err)
{
	size_t rows, bad;
	int spilled;
	enum ad_status st = held_and_spilled(20000, &spilled, &rows, &bad, err);

	(void)ctx;
	if (st == AD_OK && (rows != NBLOCKS * NROWS || bad != 0 || !spilled))
		return ad_error_set(err, AD_EDATA, "wrong rows");
	return st;
}

static void test_oom(void)
{
	oom_loop("replay", scenario, NULL, NULL);
}

int main(void)
{
	test_rows_under_and_over_the_bound();
	test_empty_replay();
	test_rewindable_file_is_read_again();
	test_oom();
	return CHECK_DONE("test_replay");
}
