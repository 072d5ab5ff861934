/*
 * The OOM loop (STYLE.md, after SQLite's test_malloc.c): this program links
 * its own ad_malloc, ad_calloc, ad_realloc and ad_free in place of
 * lib/common/alloc.c's. They fail the Nth allocation, once (transient) or from then
 * on (persistent), and count the blocks alive. For N = 1, 2, ... until a run
 * no longer reaches the Nth allocation, each scenario must return AD_OK or
 * AD_ENOMEM (AD_ENOMEM whenever a persistent failure was hit), give the
 * right data when it returns AD_OK, and leave no block alive.
 *
 * The scenarios: a small CSV (quotes, text, numbers, a long field, a
 * rejected wide row) read fully, by path and through an ad_in handed to the
 * reader; that CSV written as binary over an existing file and read back;
 * a params file loaded; and an autoencoder trained (dropout, validation),
 * encoded and decoded.
 *
 * libcsv allocates through ad_realloc (csv_set_realloc_func) and frees
 * through ad_free, so its buffer is counted as well.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "autoenc.h"
#include "io.h"
#include "params.h"
#include "reader.h"
#include "writer.h"

#include "check.h"
#include "detopts.h"

/* ---- the failing allocator ---- */

#include "failalloc.h"

/* ---- inputs ---- */

static char csv_path[32], bin_path[64], params_path[32];

/* Five good rows, a quoted multi-line field, a field longer than libcsv's
 * first buffer, a missing token, and a 70-field row to reject. */
#define LONG_NOTE "a long note: 012345678901234567890123456789012345678901" \
    "23456789012345678901234567890123456789012345678901234567890123456789" \
    "0123456789012345678901234567890123456789012345678901234567890123456" \
    "78901234567890123456789 end"

static const char *const csv_text =
    "id,name,score,note\n"
    "1,\"Smith, J\",0.5,\"said \"\"hi\"\"\"\n"
    "2,Lee,-0,\"two\nlines\"\n"
    "3,,1e300,\"" LONG_NOTE "\"\n"
    "x,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
    "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,"
    "49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69\n"
    "4,O'Neil,NA,x\n"
    "5,Zed,-2.5e-3,\"\"\n";

static const char *const params_text =
    "adkit-params 1 ad-oom\n"
    "columns id \"full name\" \"tab\\there\" \"caf\xc3\xa9\"\n"
    "mean 1.5 -0 1e300 nan\n"
    "quote \"\\\"\\\\\\x01\"\n";

static void put_file(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* ---- scenarios: each returns a status, AD_ECHECK for wrong data ---- */

static enum ad_status no_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err)
{
	(void)ctx;
	(void)fields;
	(void)lens;
	(void)err;
	return line == 6 && nfields == 70 ? AD_OK : AD_ECHECK;
}

/* Whether block b holds rows[from..) of the CSV above, as read. */
static int rows_right(const struct ad_block *b, size_t from)
{
	static const double id[] = { 1, 2, 3, 4, 5 };
	size_t len;
	const char *t;

	for (size_t i = 0; i < b->nrows; i++)
		if (b->num[i * 4] != id[from + i])
			return 0;
	if (from == 0 && b->nrows == 5) {
		t = ad_block_text(b, 0, 1, &len);
		if (t == NULL || len != 8 || memcmp(t, "Smith, J", 8) != 0)
			return 0;
		t = ad_block_text(b, 0, 3, &len);
		if (t == NULL || len != 9 || memcmp(t, "said \"hi\"", 9) != 0)
			return 0;
		if (b->num[1 * 4 + 2] != 0 || !signbit(b->num[1 * 4 + 2]))
			return 0;
		t = ad_block_text(b, 2, 3, &len);
		if (t == NULL || len != sizeof LONG_NOTE - 1 ||
		    memcmp(t, LONG_NOTE, len) != 0)
			return 0;
		if (ad_block_text(b, 2, 1, &len) != NULL ||   /* missing name */
		    !isnan(b->num[3 * 4 + 2]) || b->num[4 * 4 + 2] != -2.5e-3)
			return 0;
	}
	return 1;
}

/* Reads path (or from, which the reader takes) to its end, checking what
 * it gets. */
static enum ad_status read_fully(const char *path, struct ad_in *from,
    int expect_rejects, struct ad_error *err)
{
	struct ad_reader_opts o = { .path = path, .from = from,
		.on_reject = no_reject };
	struct ad_reader *r = NULL;
	struct ad_block *b;
	enum ad_status st;
	size_t rows = 0;

	if ((st = ad_reader_open(&r, &o, err)) != AD_OK)
		return st;
	while ((st = ad_reader_next(r, &b, err)) == AD_OK && b->nrows > 0) {
		if (!rows_right(b, rows)) {
			st = AD_ECHECK;
			break;
		}
		rows += b->nrows;
	}
	if (st == AD_OK && (rows != 5 ||
	    ad_reader_rejected(r) != (uint64_t)expect_rejects ||
	    ad_reader_schema(r)->ncols != 4 ||
	    ad_reader_schema(r)->cols[1].type != AD_TEXT ||
	    ad_reader_schema(r)->cols[2].type != AD_NUMERIC))
		st = AD_ECHECK;
	ad_reader_free(r);
	return st;
}

/* (a) the CSV through the reader */
static enum ad_status read_csv(struct ad_error *err)
{
	return read_fully(csv_path, NULL, 1, err);
}

/* (a') the same through an ad_in handed to the reader, which must close it
 * whatever happens */
static enum ad_status read_csv_from_stream(struct ad_error *err)
{
	struct ad_in *in = NULL;
	enum ad_status st;

	if ((st = ad_in_open(&in, csv_path, err)) != AD_OK)
		return st;
	return read_fully(NULL, in, 1, err);
}

/* (b) the CSV written as binary (over an existing file), then read back */
static enum ad_status binary_round_trip(struct ad_error *err)
{
	struct ad_reader_opts o = { .path = csv_path, .on_reject = no_reject };
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader *r = NULL;
	struct ad_writer *w = NULL;
	struct ad_out *out = NULL;
	struct ad_block *b;
	enum ad_status st;

	if ((st = ad_reader_open(&r, &o, err)) != AD_OK)
		return st;
	if ((st = ad_out_open(&out, bin_path, err)) != AD_OK) {
		ad_reader_free(r);
		return st;
	}
	st = ad_writer_open(&w, out, ad_reader_schema(r), &wo, err);
	while (st == AD_OK && (st = ad_reader_next(r, &b, err)) == AD_OK &&
	    b->nrows > 0)
		st = ad_writer_write(w, b, NULL, err);
	if (st == AD_OK)
		st = ad_writer_finish(w, err);
	ad_writer_free(w);
	ad_reader_free(r);
	if (st != AD_OK) {
		ad_out_abort(out);
		return st;
	}
	if ((st = ad_out_close(out, err)) != AD_OK)
		return st;
	return read_fully(bin_path, NULL, 0, err);
}

static int token_is(const struct ad_pline *l, size_t i, const char *s,
    size_t len)
{
	return i < l->ntok && l->len[i] == len && memcmp(l->tok[i], s, len) == 0;
}

/* (c) a params file */
static enum ad_status load_params(struct ad_error *err)
{
	struct ad_params *p = NULL;
	const struct ad_pline *l;
	enum ad_status st;
	double v = 0;

	if ((st = ad_params_load(&p, params_path, "ad-oom", err)) != AD_OK)
		return st;
	st = AD_ECHECK;
	if (ad_params_count(p) != 3)
		goto out;
	l = ad_params_line(p, 0);
	if (l->ntok != 5 || !token_is(l, 2, "full name", 9) ||
	    !token_is(l, 3, "tab\there", 8) || !token_is(l, 4, "caf\xc3\xa9", 5))
		goto out;
	l = ad_params_line(p, 1);
	if (l->line != 3 || ad_params_number(p, l, 3, &v, err) != AD_OK ||
	    v != 1e300)
		goto out;
	l = ad_params_line(p, 2);
	if (!token_is(l, 1, "\"\\\x01", 3))
		goto out;
	st = AD_OK;
out:
	ad_params_free(p);
	return st;
}

static enum ad_status autoencoder(struct ad_error *err)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae = NULL, *back = NULL;
	unsigned char *buf = NULL;
	double x[20 * 3];
	size_t len;
	enum ad_status st;

	for (size_t i = 0; i < 20 * 3; i++)
		x[i] = (double)(i % 7) - 3;
	autoenc_defaults(&p);
	p.nfeat = 3;
	p.nhidden = 2;
	p.hidden[0] = 4;
	p.hidden[1] = 2;
	p.epochs = 2;
	p.batch_size = 4;
	p.dropout = 0.2;
	p.validation_fraction = 0.2;
	if ((st = ad_autoenc_train(&p, x, 20, NULL, NULL, &ae, NULL, err)) !=
	    AD_OK)
		return st;
	len = ad_autoenc_encoded_size(ae);
	if ((buf = ad_malloc(len)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_autoenc_encode(ae, buf);
	st = ad_autoenc_decode(buf, len, 3, "m", &back, err);
out:
	ad_free(buf);
	ad_autoenc_free(back);
	ad_autoenc_free(ae);
	return st;
}

/* ---- the loop ---- */

/* Runs one scenario with allocation n failing; returns whether the
 * failure was reached. */
static int run_once(enum ad_status (*scenario)(struct ad_error *), long n,
    int persist, const char *name)
{
	struct ad_error err;
	enum ad_status st;
	int ok;

	memset(&err, 0, sizeof err);
	calls = 0;
	live = 0;
	hit = 0;
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
	if (!ok)
		fprintf(stderr, "%s: failing allocation %ld (%s): status %d, "
		    "error %d %s\n", name, n, persist ? "persistent" :
		    "transient", (int)st, (int)err.code, err.msg);
	CHECK(ok);
	if (live != 0)
		fprintf(stderr, "%s: failing allocation %ld (%s): %ld blocks "
		    "leaked\n", name, n, persist ? "persistent" : "transient",
		    live);
	CHECK(live == 0);
	return hit;
}

/* Fails allocation 1, 2, ... until a run completes without reaching it. */
static void oom_loop(enum ad_status (*scenario)(struct ad_error *),
    const char *name)
{
	for (int persist = 0; persist <= 1; persist++) {
		long n = 1;

		while (run_once(scenario, n, persist, name) && n < 100000)
			n++;
		CHECK(n > 1);          /* the scenario does allocate */
		CHECK(n < 100000);
	}
}

/* Without failures each scenario works; the loop is not vacuous. */
static void test_scenarios_pass_without_failures(void)
{
	struct ad_error err;

	CHECK(read_csv(&err) == AD_OK);
	CHECK(live == 0);
	CHECK(read_csv_from_stream(&err) == AD_OK);
	CHECK(live == 0);
	CHECK(binary_round_trip(&err) == AD_OK);
	CHECK(live == 0);
	CHECK(load_params(&err) == AD_OK);
	CHECK(live == 0);
	CHECK(autoencoder(&err) == AD_OK);
	CHECK(live == 0);
}

int main(void)
{
	FILE *f;

	snprintf(csv_path, sizeof csv_path, "/tmp/adkit-oom-XXXXXX");
	put_file(csv_path, csv_text);
	snprintf(params_path, sizeof params_path, "/tmp/adkit-oom-XXXXXX");
	put_file(params_path, params_text);
	snprintf(bin_path, sizeof bin_path, "%s.adk", csv_path);
	/* the binary target exists, so ad_out replaces a file */
	if ((f = fopen(bin_path, "w")) == NULL || fclose(f) != 0) {
		perror(bin_path);
		return 2;
	}
	test_scenarios_pass_without_failures();
	oom_loop(read_csv, "read CSV");
	oom_loop(read_csv_from_stream, "read CSV from a stream");
	oom_loop(binary_round_trip, "binary round trip");
	oom_loop(load_params, "params load");
	oom_loop(autoencoder, "autoencoder");
	unlink(csv_path);
	unlink(bin_path);
	unlink(params_path);
	return CHECK_DONE("test_oom");
}
