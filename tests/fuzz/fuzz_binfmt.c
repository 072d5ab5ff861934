/*
 * libFuzzer target for lib/binfmt, through the reader that uses it.
 *
 * The input is a binary stream; when it does not start with the magic, the
 * magic is put in front so that the fuzzer spends its time past the first
 * eight bytes. The stream is written to a temporary file ($TMPDIR, else
 * /tmp) and read to the end. Any status other than AD_OK or AD_EDATA aborts, and so does a block
 * whose rows, text cells or row numbers are out of bounds.
 *
 * The format has exactly one encoding of a given content (payload lengths
 * must add up, flags are 0, nothing may follow the end record), so a stream
 * that reads without error, written again with ad_writer, must come out
 * byte for byte the same; anything else aborts.
 *
 * Run it with -malloc_limit_mb=512: a corrupt length must not make the
 * reader ask for memory the input cannot fill.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad.h"
#include "binfmt.h"
#include "block.h"
#include "out.h"
#include "reader.h"
#include "schema.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const unsigned char magic[AD_BINFMT_MAGIC_LEN] = {
	0x89, 'A', 'D', 'K', '\r', '\n', 0x1a, '\n'
};

/* Writes a[0..na) then b[0..nb) to a new temporary file in $TMPDIR (else
 * /tmp), its name starting with tag, and puts its path in path[0..cap);
 * 0 on success. */
static int write_temp(char *path, size_t cap, const char *tag, const void *a,
    size_t na, const void *b, size_t nb)
{
	const char *dir = getenv("TMPDIR");
	const void *part[2] = { a, b };
	size_t len[2] = { na, nb };
	int fd, n;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	n = snprintf(path, cap, "%s/%s.XXXXXX", dir, tag);
	if (n < 0 || (size_t)n >= cap || (fd = mkstemp(path)) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		const char *s = part[i];

		while (len[i] > 0) {
			ssize_t w = write(fd, s, len[i]);
			if (w <= 0) {
				close(fd);
				unlink(path);
				return -1;
			}
			s += w;
			len[i] -= (size_t)w;
		}
	}
	if (close(fd) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* Whether the file at path holds exactly a[0..na) then b[0..nb). */
static int file_is(const char *path, const void *a, size_t na, const void *b,
    size_t nb)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t want = na + nb, got;
	int same;

	if (f == NULL)
		abort();
	if ((buf = malloc(want + 1)) == NULL)
		abort();
	got = fread(buf, 1, want + 1, f);
	fclose(f);
	same = got == want && memcmp(buf, a, na) == 0 &&
	    (nb == 0 || memcmp(buf + na, b, nb) == 0);
	free(buf);
	return same;
}

static void check_block(const struct ad_schema *sc, const struct ad_block *b,
    uint64_t rows_before)
{
	volatile unsigned char sink = 0;

	CHECK(b->nrows <= b->cap && b->nrows <= ad_block_rows(b->ncols));
	CHECK(b->ncols == sc->ncols && b->arena_len <= b->arena_cap);
	for (size_t r = 0; r < b->nrows; r++) {
		CHECK(b->line[r] == rows_before + r + 1);
		for (size_t c = 0; c < sc->ncols; c++) {
			const struct ad_text *t = &b->text[r * b->ncols + c];
			volatile double v = b->num[r * b->ncols + c];

			if (sc->cols[c].type == AD_NUMERIC)
				continue;
			CHECK(isnan(v));
			if (t->len == AD_TEXT_MISSING)
				continue;
			CHECK(t->off <= b->arena_len &&
			    t->len <= b->arena_len - t->off);
			for (size_t i = 0; i < t->len; i++)
				sink ^= (unsigned char)b->arena[t->off + i];
		}
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in_path[4096], out_path[4096];
	int prefix = !ad_binfmt_is_magic(data, size);
	struct ad_reader_opts opts = { 0 };
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader *r = NULL;
	struct ad_out *out = NULL;
	struct ad_writer *w = NULL;
	struct ad_block *b = NULL;
	struct ad_error err;
	enum ad_status st;
	uint64_t rows = 0;

	if (write_temp(in_path, sizeof in_path, "fuzz_binfmt", magic,
	    prefix ? sizeof magic : 0, data, size) != 0 ||
	    write_temp(out_path, sizeof out_path, "fuzz_binfmt.out", "", 0, "",
	    0) != 0)
		abort();

	opts.path = in_path;
	st = ad_reader_open(&r, &opts, &err);
	CHECK(st == AD_OK || st == AD_EDATA);
	if (st != AD_OK)
		goto out;
	CHECK(ad_reader_format(r) == AD_FORMAT_BIN);
	CHECK(ad_out_open(&out, out_path, &err) == AD_OK);
	/* a version 2 stream is written back with its lineage, which the
	 * reader completes from the end record before the writer ends */
	wo.lineage = ad_reader_lineage(r);
	CHECK(ad_writer_open(&w, out, ad_reader_schema(r), &wo, &err) == AD_OK);
	for (;;) {
		st = ad_reader_next(r, &b, &err);
		CHECK(st == AD_OK || st == AD_EDATA);
		if (st != AD_OK)
			goto out;
		check_block(ad_reader_schema(r), b, rows);
		rows += b->nrows;
		CHECK(ad_reader_rows(r) == rows);
		CHECK(ad_writer_write(w, b, NULL, &err) == AD_OK);
		if (b->nrows == 0)
			break;
	}
	/* The end stays the end. */
	CHECK(ad_reader_next(r, &b, &err) == AD_OK && b->nrows == 0);
	CHECK(ad_reader_rejected(r) == 0);
	CHECK(ad_writer_finish(w, &err) == AD_OK);
	ad_writer_free(w);
	w = NULL;
	CHECK(ad_out_close(out, &err) == AD_OK);
	out = NULL;
	CHECK(file_is(out_path, magic, prefix ? sizeof magic : 0, data, size));
out:
	ad_writer_free(w);
	ad_out_abort(out);
	ad_reader_free(r);
	unlink(in_path);
	unlink(out_path);
	return 0;
}
