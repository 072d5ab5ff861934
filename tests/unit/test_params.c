/*
 * Tests for lib/params: a file written with ad_params_begin/key/text/num/end
 * loads back with every token's bytes and every number's bits; files that
 * are not ours, or are damaged, fail with AD_EDATA at the right line.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "params.h"

#include "bits.h"
#include "check.h"

/* ---- helpers ---- */

static char path[32];      /* the one temporary file of this program */

static void put_file(const char *text)
{
	FILE *f = fopen(path, "wb");
	size_t n = strlen(text);

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* Loads path for command; on failure *err says why. */
static struct ad_params *load(const char *command, enum ad_status *st,
    struct ad_error *err)
{
	struct ad_params *p = NULL;

	memset(err, 0, sizeof *err);
	*st = ad_params_load(&p, path, command, err);
	return *st == AD_OK ? p : NULL;
}

/* Whether token i of line l is exactly s[0..len). */
static int token_is(const struct ad_pline *l, size_t i, const char *s,
    size_t len)
{
	return l != NULL && i < l->ntok && l->len[i] == len &&
	    memcmp(l->tok[i], s, len) == 0 && l->tok[i][len] == '\0';
}

/* The line whose key is key, or NULL. */
static const struct ad_pline *line_of(const struct ad_params *p,
    const char *key)
{
	for (size_t i = 0; p != NULL && i < ad_params_count(p); i++) {
		const struct ad_pline *l = ad_params_line(p, i);
		if (l->ntok > 0 && strcmp(l->tok[0], key) == 0)
			return l;
	}
	return NULL;
}

/* Loading this file must fail with AD_EDATA at line, col. */
static void check_rejected(const char *text, const char *command,
    uint64_t line, uint64_t col, const char *in_msg)
{
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;

	put_file(text);
	p = load(command, &st, &err);
	CHECK(st == AD_EDATA && p == NULL);
	CHECK(err.code == AD_EDATA);
	CHECK(err.line == line);
	CHECK(err.col == col);
	CHECK_STR(err.file, path);
	if (in_msg != NULL)
		CHECK(strstr(err.msg, in_msg) != NULL);
	if (st != AD_EDATA || err.line != line || err.col != col)
		fprintf(stderr, "  for %s: status %d at %llu:%llu: %s\n", text,
		    (int)st, (unsigned long long)err.line,
		    (unsigned long long)err.col, err.msg);
	ad_params_free(p);
}

/* ---- round trips ---- */

static const struct { const char *s; size_t len; } texts[] = {
#define T(s) { s, sizeof s - 1 }
	T("plain"), T("with space"), T("quote\"inside"), T("back\\slash"),
	T("new\nline"), T("cr\rhere"), T("tab\there"), T("\x01\x1f\x7f"),
	T(""), T("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80"), T("a\0b"),
	T("\""), T("\\"), T("\\x41"), T("\\n"), T("  "), T("x y z"),
	T("#not-a-comment"), T("\xff\xfe"), T("-0"), T("nan"),
#undef T
};
enum { N_TEXTS = sizeof texts / sizeof texts[0] };

static const double numbers[] = {
	0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 1e308, DBL_MAX, -DBL_MAX, 5e-324,
	2.2250738585072014e-308, 9007199254740993.0, 123456789.125, 1e-7,
	1e21, INFINITY, -INFINITY,
};
enum { N_NUMBERS = sizeof numbers / sizeof numbers[0] };

static void write_sample(const char *command)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	enum ad_status st;

	st = ad_out_open(&out, path, &err);
	CHECK(st == AD_OK);
	if (st != AD_OK)
		return;
	st = ad_params_begin(out, command, &err);
	if (st == AD_OK)
		st = ad_params_key(out, "texts", &err);
	for (size_t i = 0; i < N_TEXTS && st == AD_OK; i++)
		st = ad_params_text(out, texts[i].s, texts[i].len, &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);        /* a blank line */
	if (st == AD_OK)
		st = ad_params_key(out, "numbers", &err);
	for (size_t i = 0; i < N_NUMBERS && st == AD_OK; i++)
		st = ad_params_num(out, numbers[i], &err);
	if (st == AD_OK)
		st = ad_params_num(out, NAN, &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);
	if (st == AD_OK)
		st = ad_params_key(out, "mixed", &err);
	if (st == AD_OK)
		st = ad_params_text(out, "col a", 5, &err);
	if (st == AD_OK)
		st = ad_params_num(out, 2.5, &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);
	if (st == AD_OK)
		st = ad_params_key(out, "alone", &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);
	CHECK(st == AD_OK);
	if (st == AD_OK)
		CHECK(ad_out_close(out, &err) == AD_OK);
	else
		ad_out_abort(out);
}

static void test_first_line(void)
{
	char buf[64];
	FILE *f;

	write_sample("ad-test");
	f = fopen(path, "rb");
	CHECK(f != NULL && fgets(buf, sizeof buf, f) != NULL);
	CHECK_STR(buf, "adkit-params 1 ad-test\n");
	if (f != NULL)
		fclose(f);
}

static void test_texts_round_trip(void)
{
	const struct ad_pline *l;
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;
	size_t bad = 0;

	write_sample("ad-test");
	p = load("ad-test", &st, &err);
	CHECK(st == AD_OK);
	CHECK(p != NULL && ad_params_count(p) == 4);
	CHECK(p != NULL && strcmp(ad_params_name(p), path) == 0);
	l = line_of(p, "texts");
	CHECK(l != NULL && l->ntok == N_TEXTS + 1 && l->line == 2);
	for (size_t i = 0; i < N_TEXTS; i++)
		if (!token_is(l, i + 1, texts[i].s, texts[i].len)) {
			fprintf(stderr, "text token %zu did not come back\n", i);
			bad++;
		}
	CHECK(bad == 0);
	l = line_of(p, "mixed");
	CHECK(l != NULL && l->ntok == 3 && l->line == 5);
	CHECK(token_is(l, 1, "col a", 5));
	l = line_of(p, "alone");
	CHECK(l != NULL && l->ntok == 1 && l->line == 6);
	ad_params_free(p);
}

static void test_numbers_exact(void)
{
	const struct ad_pline *l;
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;
	size_t bad = 0;
	double v = 0;

	write_sample("ad-test");
	p = load("ad-test", &st, &err);
	CHECK(st == AD_OK);
	l = line_of(p, "numbers");
	CHECK(l != NULL && l->ntok == N_NUMBERS + 2 && l->line == 4);
	if (l == NULL || l->ntok != N_NUMBERS + 2) {
		ad_params_free(p);
		return;
	}
	for (size_t i = 0; i < N_NUMBERS; i++)
		if (ad_params_number(p, l, i + 1, &v, &err) != AD_OK ||
		    bits_of(v) != bits_of(numbers[i])) {
			fprintf(stderr, "number %zu (%.17g) came back %.17g\n", i,
			    numbers[i], v);
			bad++;
		}
	CHECK(bad == 0);
	CHECK(ad_params_number(p, l, N_NUMBERS + 1, &v, &err) == AD_OK);
	CHECK(isnan(v));
	CHECK(ad_params_expect(p, l, N_NUMBERS + 2, &err) == AD_OK);
	l = line_of(p, "mixed");
	CHECK(ad_params_number(p, l, 2, &v, &err) == AD_OK && v == 2.5);
	ad_params_free(p);
}

static void test_number_errors_name_the_token(void)
{
	const struct ad_pline *l;
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;
	double v = 42;

	write_sample("ad-test");
	p = load("ad-test", &st, &err);
	l = line_of(p, "mixed");
	CHECK(l != NULL);
	if (l == NULL) {
		ad_params_free(p);
		return;
	}
	CHECK(ad_params_number(p, l, 1, &v, &err) == AD_EDATA);   /* "col a" */
	CHECK(err.line == 5 && err.col == 2);
	CHECK_STR(err.file, path);
	CHECK(strstr(err.msg, "mixed") != NULL);
	CHECK(strstr(err.msg, "col a") != NULL);
	CHECK(ad_params_number(p, l, 3, &v, &err) == AD_EDATA);   /* none */
	CHECK(err.line == 5 && err.col == 4);
	CHECK(ad_params_expect(p, l, 4, &err) == AD_EDATA);
	CHECK(err.line == 5);
	CHECK(ad_params_expect(p, l, 3, &err) == AD_OK);
	ad_params_free(p);
}

/* ---- files that are not ours ---- */

static void test_wrong_command(void)
{
	write_sample("ad-test");
	check_rejected("adkit-params 1 ad-test\nk v\n", "ad-other", 1, 0,
	    "ad-test");
}

static void test_wrong_magic(void)
{
	check_rejected("adkit-parms 1 ad-test\nk v\n", "ad-test", 1, 0, NULL);
	check_rejected("id,name\n1,2\n", "ad-test", 1, 0, NULL);
	check_rejected("adkit-params 1\n", "ad-test", 1, 0, NULL);
	check_rejected("adkit-params one ad-test\n", "ad-test", 1, 0, NULL);
	check_rejected("\nadkit-params 1 ad-test\n", "ad-test", 1, 0, NULL);
}

static void test_newer_version(void)
{
	check_rejected("adkit-params 2 ad-test\nk v\n", "ad-test", 1, 0,
	    "version");
	check_rejected("adkit-params 1.5 ad-test\n", "ad-test", 1, 0,
	    "version");
}

static void test_empty_file(void)
{
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;

	put_file("");
	p = load("ad-test", &st, &err);
	CHECK(st == AD_EDATA && p == NULL);
	ad_params_free(p);
}

static void test_missing_file(void)
{
	struct ad_params *p = NULL;
	struct ad_error err;

	CHECK(ad_params_load(&p, "/nonexistent/x.params", "ad-test", &err) ==
	    AD_EIO);
	CHECK_STR(err.file, "/nonexistent/x.params");
	CHECK(p == NULL);
}

static void test_malformed_tokens(void)
{
	static const char head[] = "adkit-params 1 ad-test\nok 1 2\n\n";
	static const struct { const char *line; uint64_t col; } bad[] = {
		{ "k \"unterminated", 2 },
		{ "k a \"bad \\q escape\"", 3 },
		{ "k \"short \\x4\"", 2 },
		{ "k \"bad hex \\xg0\"", 2 },
		{ "k \"ends in backslash\\", 2 },
		{ "k \"closed\"then", 2 },
		{ "k back\\slash", 2 },
		{ "k tab\there", 2 },
		{ "k \x01", 2 },
		{ "k caf\xc3\xa9", 2 },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "%s%s\nlater 1\n", head, bad[i].line);
		check_rejected(text, "ad-test", 4, bad[i].col, NULL);
	}
	/* and on the first line */
	check_rejected("adkit-params 1 \"ad-test\n", "ad-test", 1, 3, NULL);
}

static void test_hand_written_file(void)
{
	const struct ad_pline *l;
	struct ad_error err;
	enum ad_status st;
	struct ad_params *p;
	double v = 0;

	/* extra spaces, escapes in either case, no final newline */
	put_file("adkit-params 1 ad-test\n  k   \"a\\x41\\x4a\"  \"\"   7\n"
	    "z \"\\\\\\\"\\n\\r\\t\"");
	p = load("ad-test", &st, &err);
	CHECK(st == AD_OK);
	CHECK(p != NULL && ad_params_count(p) == 2);
	l = line_of(p, "k");
	CHECK(l != NULL && l->ntok == 4);
	CHECK(token_is(l, 1, "aAJ", 3));
	CHECK(token_is(l, 2, "", 0));
	CHECK(ad_params_number(p, l, 3, &v, &err) == AD_OK && v == 7);
	l = line_of(p, "z");
	CHECK(l != NULL && l->line == 3);
	CHECK(token_is(l, 1, "\\\"\n\r\t", 5));
	ad_params_free(p);
}

/* A params file that cannot be written is an I/O error naming the file. */
static void test_write_to_dev_full(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	enum ad_status st;

	if (access("/dev/full", W_OK) != 0)
		return;
	memset(&err, 0, sizeof err);
	CHECK(ad_out_open(&out, "/dev/full", &err) == AD_OK);
	if (out == NULL)
		return;
	st = ad_params_begin(out, "ad-test", &err);
	if (st == AD_OK)
		st = ad_params_key(out, "k", &err);
	if (st == AD_OK)
		st = ad_params_num(out, 1.5, &err);
	if (st == AD_OK)
		st = ad_params_end(out, &err);
	if (st == AD_OK)
		st = ad_out_close(out, &err);
	else
		ad_out_abort(out);
	CHECK(st == AD_EIO);
	CHECK_STR(err.file, "/dev/full");
}

int main(void)
{
	int fd;

	snprintf(path, sizeof path, "/tmp/adkit-params-XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		perror("mkstemp");
		return 2;
	}
	close(fd);
	test_first_line();
	test_texts_round_trip();
	test_numbers_exact();
	test_number_errors_name_the_token();
	test_wrong_command();
	test_wrong_magic();
	test_newer_version();
	test_empty_file();
	test_missing_file();
	test_malformed_tokens();
	test_hand_written_file();
	test_write_to_dev_full();
	unlink(path);
	return CHECK_DONE("test_params");
}
