/*
 * libFuzzer target for lib/params.
 *
 * The input is a params file, written to a temporary file ($TMPDIR, else
 * /tmp) since ad_params_load reads files, and loaded for ad-clean. Loading
 * may only succeed or fail with AD_EDATA. A loaded file must keep params.h's
 * promises, and any breach aborts:
 *  - every line has a key (tok[0]), its tokens are NUL-terminated at their
 *    length, and line numbers increase;
 *  - ad_params_number gives AD_OK or AD_EDATA on every token, and AD_EDATA
 *    past the last; ad_params_expect accepts exactly the token count;
 *  - the lines written back with ad_params_begin/text/end load again as
 *    the same tokens, byte for byte.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad.h"
#include "out.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define COMMAND "ad-clean"

/* Writes n bytes to a new temporary file in $TMPDIR (else /tmp), its name
 * starting with tag, and puts its path in path[0..cap); 0 on success. */
static int write_temp(char *path, size_t cap, const char *tag, const void *p,
    size_t n)
{
	const char *dir = getenv("TMPDIR");
	const char *s = p;
	int fd, len;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = snprintf(path, cap, "%s/%s.XXXXXX", dir, tag);
	if (len < 0 || (size_t)len >= cap || (fd = mkstemp(path)) < 0)
		return -1;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	if (close(fd) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* Checks every line of p and reads every token as a number. */
static void check_lines(const struct ad_params *p)
{
	struct ad_error err;
	uint64_t last = 1;

	for (size_t i = 0; i < ad_params_count(p); i++) {
		const struct ad_pline *l = ad_params_line(p, i);
		enum ad_status st;
		double v;

		CHECK(l->line > last);
		last = l->line;
		CHECK(l->ntok >= 1);    /* params.h: tok[0] is the key */
		for (size_t t = 0; t < l->ntok; t++) {
			CHECK(l->tok[t][l->len[t]] == '\0');
			st = ad_params_number(p, l, t, &v, &err);
			CHECK(st == AD_OK || st == AD_EDATA);
			CHECK(st == AD_OK || (err.line == l->line &&
			    err.col == t + 1));
		}
		CHECK(ad_params_number(p, l, l->ntok, &v, &err) == AD_EDATA);
		CHECK(ad_params_expect(p, l, l->ntok, &err) == AD_OK);
		CHECK(ad_params_expect(p, l, l->ntok + 1, &err) == AD_EDATA);
	}
}

/* Writes p's lines to path with the params writer. */
static void write_back(const struct ad_params *p, const char *path)
{
	struct ad_out *out;
	struct ad_error err;

	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK(ad_params_begin(out, COMMAND, &err) == AD_OK);
	for (size_t i = 0; i < ad_params_count(p); i++) {
		const struct ad_pline *l = ad_params_line(p, i);

		for (size_t t = 0; t < l->ntok; t++)
			CHECK(ad_params_text(out, l->tok[t], l->len[t], &err) ==
			    AD_OK);
		CHECK(ad_params_end(out, &err) == AD_OK);
	}
	CHECK(ad_out_close(out, &err) == AD_OK);
}

static void same_tokens(const struct ad_params *a, const struct ad_params *b)
{
	CHECK(ad_params_count(a) == ad_params_count(b));
	for (size_t i = 0; i < ad_params_count(a); i++) {
		const struct ad_pline *x = ad_params_line(a, i);
		const struct ad_pline *y = ad_params_line(b, i);

		CHECK(x->ntok == y->ntok);
		for (size_t t = 0; t < x->ntok; t++)
			CHECK(x->len[t] == y->len[t] &&
			    memcmp(x->tok[t], y->tok[t], x->len[t]) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096], copy_path[4096];
	struct ad_params *p = NULL, *q = NULL;
	struct ad_error err;
	enum ad_status st;

	if (write_temp(path, sizeof path, "fuzz_params", data, size) != 0 ||
	    write_temp(copy_path, sizeof copy_path, "fuzz_params.copy", "",
	    0) != 0)
		abort();
	st = ad_params_load(&p, path, COMMAND, &err);
	CHECK(st == AD_OK || st == AD_EDATA);
	if (st == AD_OK) {
		CHECK(strcmp(ad_params_name(p), path) == 0);
		check_lines(p);
		write_back(p, copy_path);
		CHECK(ad_params_load(&q, copy_path, COMMAND, &err) == AD_OK);
		same_tokens(p, q);
	}
	ad_params_free(p);
	ad_params_free(q);
	unlink(path);
	unlink(copy_path);
	return 0;
}
