/*
 * Tests for lib/io/emit: the status is sticky (the first failure is kept,
 * err is not overwritten, and later calls write nothing); JSON strings are
 * escaped and numbers written exactly as lib/io/json writes them; CSV
 * fields are quoted when needed; text of any length is written whole; a
 * write error (/dev/full) and an allocation failure (the OOM loop) come
 * back as the status, with nothing leaked.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "out.h"

#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

static char path[FILES_PATH_MAX];

/* What the file at path holds, NUL-terminated (freed by the next call). */
static const char *contents(void)
{
	static char *last;

	free(last);
	last = slurp_file(path, NULL);
	return last;
}

static void test_sticky(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	struct ad_emit e;

	if (ad_out_open(&out, path, &err) != AD_OK) {
		CHECK(0);
		return;
	}
	ad_emit_init(&e, out, &err);
	CHECK(ad_emit_ok(&e));
	ad_emit_raw(&e, "kept");
	ad_emit_take(&e, AD_OK);
	CHECK(ad_emit_status(&e) == AD_OK);
	ad_emit_take(&e, ad_error_set(&err, AD_EDATA, "the first"));
	ad_emit_take(&e, ad_error_set(NULL, AD_EIO, "the second"));
	ad_emit_raw(&e, "lost");
	ad_emit_printf(&e, "%d", 42);
	ad_emit_json_str(&e, "x");
	ad_emit_json_num(&e, 1);
	ad_emit_json_uint(&e, 2);
	ad_emit_json_key(&e, ", ", "k");
	ad_emit_csv_field(&e, "y", ',');
	ad_emit_prom_family(&e, "adkit_x", "X.");
	ad_emit_prom_sample(&e, "adkit_x", NULL, 0, 1);
	CHECK(!ad_emit_ok(&e));
	CHECK(ad_emit_status(&e) == AD_EDATA);
	CHECK_STR(err.msg, "the first");
	CHECK(ad_out_close(out, &err) == AD_OK);
	CHECK_STR(contents(), "kept");
}

/* Writes one of each kind of value to path; returns the status. */
static enum ad_status write_all(void *ctx, struct ad_error *err)
{
	static const struct ad_prom_label labels[] = {
		{ "input", "a\"b" }, { "column", NULL }
	};
	char long_text[3000];
	struct ad_out *out = NULL;
	struct ad_emit e;

	(void)ctx;
	memset(long_text, 'z', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	if (ad_out_open(&out, path, err) != AD_OK)
		return err->code;
	ad_emit_init(&e, out, err);
	ad_emit_raw(&e, "{");
	ad_emit_json_key(&e, "", "s\"\\");
	ad_emit_json_str(&e, "q\"b\\n\n\t\x01\x1f\x7f\xc3\xa9");
	ad_emit_json_key(&e, ", ", "null");
	ad_emit_json_str(&e, NULL);
	ad_emit_raw(&e, ", \"n\": [");
	ad_emit_json_num(&e, 0.1);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, 1e300);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, -2.5e-7);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, 3);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, NAN);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, INFINITY);
	ad_emit_raw(&e, ", ");
	ad_emit_json_num(&e, -INFINITY);
	ad_emit_raw(&e, ", ");
	ad_emit_json_uint(&e, UINT64_MAX);
	ad_emit_raw(&e, ", ");
	ad_emit_json_bool(&e, 1);
	ad_emit_raw(&e, ", ");
	ad_emit_json_bool(&e, 0);
	ad_emit_raw(&e, "]}\n");
	ad_emit_csv_field(&e, "plain", ',');
	ad_emit_bytes(&e, ",", 1);
	ad_emit_csv_field(&e, "a,b \"c\"", ',');
	ad_emit_bytes(&e, ",", 1);
	ad_emit_csv_num(&e, NAN);
	ad_emit_bytes(&e, ",", 1);
	ad_emit_csv_num(&e, 0.25);
	ad_emit_bytes(&e, "\n", 1);
	ad_emit_printf(&e, "%-6s|%5.2f|%llu\n", "ab", 3.14159, 7ULL);
	ad_emit_printf(&e, "%s\n", long_text);
	ad_emit_prom_family(&e, "adkit_x", "What x is.");
	ad_emit_prom_sample(&e, "adkit_x", labels, 2, NAN);
	if (ad_emit_status(&e) != AD_OK) {
		ad_out_abort(out);
		return ad_emit_status(&e);
	}
	return ad_out_close(out, err);
}

static void test_formats(void)
{
	struct ad_error err;
	const char *got;
	char want[4096];

	CHECK(write_all(NULL, &err) == AD_OK);
	got = contents();
	snprintf(want, sizeof want, "{\"s\\\"\\\\\": "
	    "\"q\\\"b\\\\n\\u000a\\u0009\\u0001\\u001f\x7f\xc3\xa9\", "
	    "\"null\": null, "
	    "\"n\": [0.1, 1e+300, -2.5e-07, 3, null, \"inf\", \"-inf\", "
	    "18446744073709551615, true, false]}\n"
	    "plain,\"a,b \"\"c\"\"\",,0.25\n"
	    "ab    | 3.14|7\n");
	CHECK(got != NULL && strncmp(got, want, strlen(want)) == 0);
	if (got != NULL && strncmp(got, want, strlen(want)) != 0)
		fprintf(stderr, "got:\n%s\n", got);
	got = got != NULL ? got + strlen(want) : "";
	CHECK(strspn(got, "z") == 2999 && got[2999] == '\n');
	CHECK_STR(got + 3000, "# HELP adkit_x What x is.\n# TYPE adkit_x gauge\n"
	    "adkit_x{input=\"a\\\"b\"} NaN\n");
}

static void test_dev_full(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	struct ad_emit e;
	char chunk[4096];
	int i;

	if (access("/dev/full", W_OK) != 0)
		return;
	memset(chunk, 'x', sizeof chunk);
	CHECK(ad_out_open(&out, "/dev/full", &err) == AD_OK);
	ad_emit_init(&e, out, &err);
	for (i = 0; i < 1000 && ad_emit_ok(&e); i++)
		ad_emit_bytes(&e, chunk, sizeof chunk);
	if (ad_emit_ok(&e))
		ad_emit_take(&e, ad_out_close(out, &err));
	else
		ad_out_abort(out);
	CHECK(ad_emit_status(&e) == AD_EIO);
	CHECK(strstr(err.file, "/dev/full") != NULL ||
	    strstr(err.msg, "/dev/full") != NULL);
}

int main(void)
{
	put_file(path, "test-emit", "");
	test_sticky();
	test_formats();
	test_dev_full();
	oom_loop("emit", write_all, NULL, path);
	unlink(path);
	contents();
	return CHECK_DONE("test_emit");
}
