/*
 * Tests for lib/prom: the HELP and TYPE lines, labels left out when NULL,
 * escaping of backslash, quote and newline in label values, NaN and the
 * infinities, no braces without labels, and SOURCE_DATE_EPOCH as the time.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "prom.h"

#include "check.h"

/* Writes a family and samples to a file and returns what it holds. */
static char *write_all(const char *path)
{
	const struct ad_prom_label plain[] = {
		{ "input", "in.csv" }, { "column", NULL }
	};
	const struct ad_prom_label odd[] = {
		{ "input", NULL }, { "column", "a\\b\"c\nd" }, { "gate", "f1" }
	};
	const double v[] = { 1.5, NAN, INFINITY, -INFINITY, 1e300, -0.0 };
	static char buf[4096];
	struct ad_out *out = NULL;
	struct ad_error err;
	enum ad_status st;
	FILE *f;
	size_t n;

	if (ad_out_open(&out, path, &err) != AD_OK)
		return NULL;
	st = ad_prom_family(out, "adkit_x", "What x is.", &err);
	for (size_t i = 0; i < sizeof v / sizeof *v && st == AD_OK; i++)
		st = ad_prom_sample(out, "adkit_x", plain, 2, v[i], &err);
	if (st == AD_OK)
		st = ad_prom_sample(out, "adkit_y", odd, 3, 2, &err);
	if (st == AD_OK)
		st = ad_prom_sample(out, "adkit_z", NULL, 0, 3, &err);
	if (st != AD_OK) {
		ad_out_abort(out);
		return NULL;
	}
	if (ad_out_close(out, &err) != AD_OK || (f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_exposition(void)
{
	char path[] = "/tmp/adkit-test-prom.XXXXXX";
	int fd = mkstemp(path);
	const char *got;

	CHECK(fd >= 0);
	close(fd);
	got = write_all(path);
	CHECK_STR(got,
	    "# HELP adkit_x What x is.\n"
	    "# TYPE adkit_x gauge\n"
	    "adkit_x{input=\"in.csv\"} 1.5\n"
	    "adkit_x{input=\"in.csv\"} NaN\n"
	    "adkit_x{input=\"in.csv\"} +Inf\n"
	    "adkit_x{input=\"in.csv\"} -Inf\n"
	    "adkit_x{input=\"in.csv\"} 1e+300\n"
	    "adkit_x{input=\"in.csv\"} -0\n"
	    "adkit_y{column=\"a\\\\b\\\"c\\nd\",gate=\"f1\"} 2\n"
	    "adkit_z 3\n");
	remove(path);
}

static void test_run_time(void)
{
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK(ad_prom_run_time() == 1700000000.0);
	setenv("SOURCE_DATE_EPOCH", "-5", 1);
	CHECK(ad_prom_run_time() > 1700000000.0);
	unsetenv("SOURCE_DATE_EPOCH");
	CHECK(ad_prom_run_time() > 1700000000.0);
}

int main(void)
{
	test_exposition();
	test_run_time();
	return CHECK_DONE("test_prom");
}
