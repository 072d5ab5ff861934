/*
 * Tests for lib/common/opt: defaults set from the rows, each kind of row
 * parsed into its destination, ranges and junk refused with a message that
 * names the option, lists replaced and freed, and the strict parsers.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "opt.h"

#include "check.h"

enum color { RED, GREEN, BLUE };

struct opts {
	int flag;
	const char *str;
	uint64_t u64;
	size_t size;
	unsigned uint;
	double share, above;
	char delim;
	enum color color;
	char **list;
	size_t n_list;
	char **maybe;
	size_t n_maybe;
	double custom;
	int customs;       /* times the custom hook ran with NULL */
	int given;         /* times --u64 or --size was given */
	uint64_t lib;      /* a default the library applies */
	unsigned threads;
};

static enum ad_status half(const struct ad_opt *row, void *o,
    const char *arg, struct ad_error *err)
{
	struct opts *p = o;

	(void)row;
	if (arg == NULL) {
		p->customs++;
		p->custom = 0.5;
		return AD_OK;
	}
	if (strcmp(arg, "half") != 0)
		return ad_error_set(err, AD_EUSAGE, "--custom takes half");
	p->custom = 0.5;
	return AD_OK;
}

#define O(field) AD_OPT_AT(struct opts, field)

static const struct ad_opt rows[] = {
	AD_OPT_HEADING("Heading:"),
	{ "flag", 'f', NULL, AD_OPT_FLAG, O(flag), .help = "a flag" },
	{ "str", 0, "S", AD_OPT_STRING, O(str), .def = "dflt", .help = "s" },
	{ "u64", 0, "N", AD_OPT_U64, O(u64), .umin = 2, .umax = 10, .def = "5",
	    AD_OPT_GIVEN(struct opts, given), .help = "n" },
	{ "size", 0, "N", AD_OPT_SIZE, O(size), .umax = 1000, .def = "0",
	    AD_OPT_GIVEN(struct opts, given), .help = "n" },
	{ "uint", 0, "N", AD_OPT_UINT, O(uint), .umin = 1, .umax = 3,
	    .def = "3", .help = "n" },
	{ "share", 0, "X", AD_OPT_DOUBLE, O(share), .dmin = 0, .dmax = 1,
	    .def = "0.25", .help = "x" },
	{ "above", 0, "X", AD_OPT_DOUBLE, O(above), .dmin = 0, .dmax = DBL_MAX,
	    .flags = AD_OPT_ABOVE_MIN, .def = "0.001", .help = "x" },
	{ "delimiter", 'd', "C", AD_OPT_DELIM, O(delim), .def = ";",
	    .help = "c" },
	{ "color", 0, "C", AD_OPT_CHOICE, O(color), .def = "green",
	    .words = (const char *const[]){ "red", "green", "blue", NULL },
	    .help = "c" },
	{ "list", 0, "L", AD_OPT_LIST, O(list),
	    .count = offsetof(struct opts, n_list), .def = "a,b", .help = "l" },
	{ "maybe", 0, "L", AD_OPT_LIST, O(maybe),
	    .count = offsetof(struct opts, n_maybe), .flags = AD_OPT_EMPTY_OK,
	    .help = "l" },
	{ "custom", 0, "C", AD_OPT_CUSTOM, .hook = half, .help = "c" },
	{ "lib", 0, "N", AD_OPT_U64, O(lib), .umax = 100, .def = "20",
	    .flags = AD_OPT_DEF_SHOWN, .help = "n" },
	AD_OPT_THREADS_ROW(O(threads)),
	/* another scope's row is left alone */
	{ "other", 0, "N", AD_OPT_U64, O(u64), .umax = 100, .def = "99",
	    .scope = AD_OPT_COMMON, .help = "n" },
};

#define NROWS (sizeof rows / sizeof rows[0])

static const struct ad_opt *row(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].name != NULL && strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

/* Sets --name to arg in o; returns the status, with the message in msg. */
static enum ad_status set(struct opts *o, const char *name, const char *arg,
    char msg[1024])
{
	struct ad_error err;
	enum ad_status st;

	ad_error_clear(&err);
	st = ad_opt_set(row(name), o, arg, &err);
	snprintf(msg, 1024, "%s", err.msg);
	return st;
}

static void test_defaults(void)
{
	struct opts o;
	struct ad_error err;

	memset(&o, 0, sizeof o);
	CHECK(ad_opt_defaults(rows, NROWS, AD_OPT_OWN, &o, &err) == AD_OK);
	CHECK(o.flag == 0);
	CHECK_STR(o.str, "dflt");
	CHECK(o.u64 == 5 && o.size == 0 && o.uint == 3);
	CHECK(o.share == 0.25 && o.above == 0.001);
	CHECK(o.delim == ';' && o.color == GREEN);
	CHECK(o.n_list == 2 && strcmp(o.list[0], "a") == 0 &&
	    strcmp(o.list[1], "b") == 0);
	CHECK(o.maybe == NULL && o.n_maybe == 0);
	/* a custom row without a default: its hook with NULL */
	CHECK(o.customs == 1 && o.custom == 0.5);
	/* shown only: the library applies it */
	CHECK(o.lib == 0);
	CHECK(o.threads >= 1 && o.threads <= AD_THREADS_MAX);
	/* defaults are not options given */
	CHECK(o.given == 0);
	ad_opt_free(rows, NROWS, AD_OPT_OWN, &o);
	CHECK(o.list == NULL && o.n_list == 0);
}

static void test_kinds(void)
{
	struct opts o;
	char msg[1024];

	memset(&o, 0, sizeof o);
	CHECK(set(&o, "flag", NULL, msg) == AD_OK && o.flag == 1);
	CHECK(set(&o, "str", "x y", msg) == AD_OK && strcmp(o.str, "x y") == 0);
	CHECK(set(&o, "u64", "10", msg) == AD_OK && o.u64 == 10);
	CHECK(set(&o, "size", "1000", msg) == AD_OK && o.size == 1000);
	CHECK(o.given == 2);
	CHECK(set(&o, "uint", "1", msg) == AD_OK && o.uint == 1);
	CHECK(set(&o, "share", "1", msg) == AD_OK && o.share == 1);
	CHECK(set(&o, "share", "0", msg) == AD_OK && o.share == 0);
	CHECK(set(&o, "above", "1e-300", msg) == AD_OK && o.above == 1e-300);
	CHECK(set(&o, "delimiter", "tab", msg) == AD_OK && o.delim == '\t');
	CHECK(set(&o, "delimiter", "\\t", msg) == AD_OK && o.delim == '\t');
	CHECK(set(&o, "delimiter", "|", msg) == AD_OK && o.delim == '|');
	CHECK(set(&o, "color", "blue", msg) == AD_OK && o.color == BLUE);
	CHECK(set(&o, "custom", "half", msg) == AD_OK && o.custom == 0.5);
	CHECK(set(&o, "threads", "256", msg) == AD_OK && o.threads == 256);
	CHECK(set(&o, "lib", "7", msg) == AD_OK && o.lib == 7);
	ad_opt_free(rows, NROWS, AD_OPT_OWN, &o);
}

static void test_refused(void)
{
	struct opts o;
	char msg[1024];

	memset(&o, 0, sizeof o);
	o.u64 = 4;
	CHECK(set(&o, "u64", "11", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--u64 must be from 2 to 10, not 11");
	CHECK(set(&o, "u64", "1", msg) == AD_EUSAGE);
	CHECK(set(&o, "u64", "-3", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--u64 takes a whole number, not \"-3\"");
	CHECK(set(&o, "u64", "5x", msg) == AD_EUSAGE);
	CHECK(set(&o, "u64", "", msg) == AD_EUSAGE);
	CHECK(set(&o, "u64", "99999999999999999999999", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--u64 takes a whole number, not "
	    "\"99999999999999999999999\"");
	/* a value refused leaves the destination as it was */
	CHECK(o.u64 == 4);
	CHECK(set(&o, "uint", "4", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--uint must be from 1 to 3, not 4");
	CHECK(set(&o, "size", "1001", msg) == AD_EUSAGE);
	CHECK(set(&o, "share", "1.5", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--share must be from 0 to 1, not 1.5");
	CHECK(set(&o, "share", "nan", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--share takes a number, not \"nan\"");
	CHECK(set(&o, "share", "inf", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--share takes a finite number, not \"inf\"");
	{
		/* a range open at the bottom is said as the help says it */
		struct ad_error e;
		double v = 7;

		CHECK(ad_opt_parse_double_above("--ewm", "1.5", 0, 1, &v, &e) ==
		    AD_EUSAGE);
		CHECK_STR(e.msg, "--ewm must be above 0 and at most 1, not 1.5");
		CHECK(ad_opt_parse_double_above("--ewm", "0", 0, 1, &v, &e) ==
		    AD_EUSAGE && v == 7);
		CHECK(ad_opt_parse_double_above("--ewm", "1", 0, 1, &v, &e) ==
		    AD_OK && v == 1);
		CHECK(ad_opt_parse_double("--t", "2", -DBL_MAX, 1, &v, &e) ==
		    AD_EUSAGE);
		CHECK_STR(e.msg, "--t must be at most 1, not 2");
	}
	CHECK(set(&o, "above", "0", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--above must be above 0, not 0");
	CHECK(set(&o, "delimiter", "ab", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--delimiter takes one character (or \"tab\"), not "
	    "\"ab\"");
	CHECK(set(&o, "delimiter", "\"", msg) == AD_EUSAGE);
	CHECK(set(&o, "color", "pink", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--color takes red, green or blue, not \"pink\"");
	CHECK(set(&o, "custom", "whole", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--custom takes half");
	CHECK(set(&o, "threads", "0", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--threads must be from 1 to 256, not 0");
	CHECK(set(&o, "threads", "257", msg) == AD_EUSAGE);
}

static void test_lists(void)
{
	struct opts o;
	char msg[1024];

	memset(&o, 0, sizeof o);
	CHECK(set(&o, "list", "x,\"y,z\"", msg) == AD_OK);
	CHECK(o.n_list == 2 && strcmp(o.list[1], "y,z") == 0);
	/* the last one given counts */
	CHECK(set(&o, "list", "w", msg) == AD_OK);
	CHECK(o.n_list == 1 && strcmp(o.list[0], "w") == 0);
	CHECK(set(&o, "list", "a,,b", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--list: empty name in \"a,,b\"");
	CHECK(set(&o, "list", "", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--list: empty list");
	CHECK(set(&o, "list", "a\nb", msg) == AD_EUSAGE);
	CHECK(set(&o, "list", "\"a", msg) == AD_EUSAGE);
	CHECK_STR(msg, "--list: malformed list \"\"a\"");
	/* refused lists leave the last good one */
	CHECK(o.n_list == 1 && strcmp(o.list[0], "w") == 0);
	CHECK(set(&o, "maybe", "", msg) == AD_OK);
	CHECK(o.n_maybe == 1 && o.maybe[0][0] == '\0');
	CHECK(set(&o, "maybe", "a,,b", msg) == AD_OK && o.n_maybe == 3);
	ad_opt_free(rows, NROWS, AD_OPT_OWN, &o);
	CHECK(o.list == NULL && o.maybe == NULL);
	/* another scope's lists are not freed: there are none here */
	ad_opt_free(rows, NROWS, AD_OPT_COMMON, &o);
}

static void test_bool(void)
{
	const char *yes[] = { "true", "TRUE", "True", "1", "yes", "Yes" };
	const char *no[] = { "false", "False", "0", "no", "NO" };
	const char *bad[] = { "", "2", "truth", "y", "nope", "true " };
	struct ad_error err;
	int v;

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		CHECK(ad_opt_parse_bool("x", yes[i], &v, &err) == AD_OK && v == 1);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		CHECK(ad_opt_parse_bool("x", no[i], &v, &err) == AD_OK && v == 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(ad_opt_parse_bool("x", bad[i], &v, &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--x takes true or false, not \"true \"");
}

int main(void)
{
	test_defaults();
	test_kinds();
	test_refused();
	test_lists();
	test_bool();
	return CHECK_DONE("test_opt");
}
