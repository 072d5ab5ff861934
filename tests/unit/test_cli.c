/*
 * Tests for lib/cli's option-table driver: what take() is handed (flags,
 * values, --flag=false, short clusters, operands), the exit codes of usage
 * errors, the generated help (wrapping, defaults), the component YAML byte
 * for byte, the table checks that refuse a component that cannot be, and
 * the driver's allocations failing one by one (this program links its own
 * ad_malloc and friends, as test_oom does).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"

#include "check.h"

/* ---- a failing allocator ---- */

static long fail_at;       /* the allocation that fails; 0: none does */
static long calls;         /* allocations since fail_at was set */
static long live;          /* blocks allocated and not yet freed */

static int should_fail(void)
{
	return fail_at > 0 && ++calls >= fail_at;
}

void *ad_malloc(size_t n)
{
	void *p = should_fail() ? NULL : malloc(n ? n : 1);

	live += p != NULL;
	return p;
}

void *ad_calloc(size_t n, size_t size)
{
	void *p = should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);

	live += p != NULL;
	return p;
}

void *ad_realloc(void *p, size_t n)
{
	void *q = should_fail() ? NULL : realloc(p, n ? n : 1);

	live += q != NULL && p == NULL;
	return q;
}

void ad_free(void *p)
{
	live -= p != NULL;
	free(p);
}

enum { OPT_LONG = CHAR_MAX + 1, OPT_FIXED, OPT_OUT, OPT_GONE };

static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Things:"),
	AD_CLI_OPT("long-only", OPT_LONG, "N", AD_KFP_INTEGER, "7",
	    "a number with a default and enough words to be wrapped onto a "
	    "second line"),
	AD_CLI_OPT("fixed", OPT_FIXED, NULL, AD_KFP_FIXED, NULL,
	    "on in every step"),
	{ "out", OPT_OUT, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "written unless \"restored\"", .kfp_unless = 'r' },
	AD_CLI_OPT("restore", 'r', "FILE", AD_KFP_IN_ARTIFACT, NULL, "read"),
	AD_CLI_OPT("gone", OPT_GONE, NULL, AD_KFP_NONE, NULL, "not in steps"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL, "say less"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-test",
	.summary = "test the driver.",
	.usage = "ad-test [-nq] [options] [file]",
	.examples = NULL,
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0.\n",
};

/* What take() was handed, as "key=arg;" items. */
struct seen {
	char log[256];
	int fail_on;      /* a key whose take fails */
};

static enum ad_status take(void *ctx, int key, const char *arg,
    struct ad_error *err)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	if (key == s->fail_on)
		return ad_error_set(err, AD_EUSAGE, "bad");
	snprintf(s->log + n, sizeof s->log - n, "%d=%s;", key,
	    arg ? arg : "-");
	return AD_OK;
}

/* Runs the driver on a NULL-terminated argv with stdout and stderr sent to
 * /dev/null; returns its result. */
static int parse(struct seen *s, int *first, char **argv)
{
	int argc = 0, saved[2], r;

	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(1);
	saved[1] = dup(2);
	if (freopen("/dev/null", "w", stdout) == NULL ||
	    freopen("/dev/null", "w", stderr) == NULL)
		exit(2);
	r = ad_cli_parse(&cmd, argc, argv, take, s, first);
	fflush(stdout);
	fflush(stderr);
	dup2(saved[0], 1);
	dup2(saved[1], 2);
	close(saved[0]);
	close(saved[1]);
	return r;
}

static void test_parse(void)
{
	struct seen s = { "", 0 };
	int first = -1;
	char buf[64];

	{
		char *argv[] = { "ad-test", "-nq", "--long-only", "3", "--fixed",
			"-r", "p", "data.csv", "--gone=false", NULL };
		CHECK(parse(&s, &first, argv) == -1);
		/* -n and -q come as their letters */
		CHECK(strstr(s.log, "110=-;113=-;") == s.log);
		CHECK(strstr(s.log, "114=p;") != NULL);
		CHECK(strstr(s.log, "=3;") != NULL);
		CHECK(strstr(s.log, "data.csv") == NULL);
		/* --gone=false is the flag left out */
		snprintf(buf, sizeof buf, "%d=", OPT_GONE);
		CHECK(strstr(s.log, buf) == NULL);
		CHECK(first == 8 && strcmp(argv[first], "data.csv") == 0);
	}
	{
		char *argv[] = { "ad-test", "--no-headers=TRUE", "--quiet=no",
			NULL };
		s.log[0] = '\0';
		CHECK(parse(&s, &first, argv) == -1);
		CHECK_STR(s.log, "110=-;");
		CHECK(first == 3);
	}
	{
		char *bad[][4] = {
			{ "ad-test", "--no-such", NULL, NULL },
			{ "ad-test", "--long-only", NULL, NULL },
			{ "ad-test", "-Z", NULL, NULL },
			{ "ad-test", "--quiet=maybe", NULL, NULL },
			{ "ad-test", "--help=1", NULL, NULL },
			{ "ad-test", "--image", "x", NULL },
			{ "ad-test", "--kfp-component", "-q", NULL },
			{ "ad-test", "--kfp-component", "file", NULL },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			CHECK(parse(&s, &first, bad[i]) == AD_EXIT_USAGE);
	}
	{
		char *argv[] = { "ad-test", "--long-only", "9", NULL };
		s.fail_on = OPT_LONG;
		CHECK(parse(&s, &first, argv) == AD_EXIT_USAGE);
		s.fail_on = 0;
	}
	{
		char *help[] = { "ad-test", "-q", "--help", "--no-such", NULL };
		char *version[] = { "ad-test", "-V", NULL };
		char *kfp[] = { "ad-test", "--image", "i", "--kfp-component", NULL };
		CHECK(parse(&s, &first, help) == AD_EXIT_OK);
		CHECK(parse(&s, &first, version) == AD_EXIT_OK);
		CHECK(parse(&s, &first, kfp) == AD_EXIT_OK);
	}
}

/* The text f holds, from the start; NULL-terminated in buf. */
static const char *slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	return buf;
}

static void test_help(void)
{
	FILE *f = tmpfile();
	static char buf[4096];

	if (f == NULL)
		exit(2);
	ad_cli_write_help(f, &cmd);
	slurp(f, buf, sizeof buf);
	CHECK(strncmp(buf, "ad-test: test the driver.\n\nusage: ad-test [-nq] "
	    "[options] [file]\n\nThings:\n", 66) == 0);
	CHECK(strstr(buf, "      --long-only N     a number with a default and "
	    "enough words to be wrapped\n                        onto a second "
	    "line (default 7)\n") != NULL);
	CHECK(strstr(buf, "  -r, --restore FILE    read\n") != NULL);
	CHECK(strstr(buf, "\nCommon options:\n  -i, --input FILE") != NULL);
	CHECK(strstr(buf, "  -V, --version         show the version\n") != NULL);
	CHECK(strstr(buf, "      --kfp-component   print the Kubeflow") != NULL);
	CHECK(strstr(buf, "\n\nExit status: 0.\n") != NULL);
	fclose(f);
}

static const char component[] =
    "# The Kubeflow Pipelines component of ad-test, written by `ad-test "
    "--kfp-component`.\n"
    "name: \"ad-test\"\n"
    "description: \"test the driver.\"\n"
    "inputs:\n"
    "- name: \"input\"\n"
    "  type: \"Dataset\"\n"
    "  description: \"--input: read FILE (default: standard input, also -)\"\n"
    "- name: \"long_only\"\n"
    "  type: \"Integer\"\n"
    "  description: \"--long-only: a number with a default and enough words "
    "to be wrapped onto a second line (default 7)\"\n"
    "  optional: true\n"
    "- name: \"restore\"\n"
    "  type: \"Artifact\"\n"
    "  description: \"--restore: read\"\n"
    "  optional: true\n"
    "- name: \"no_headers\"\n"
    "  type: \"Boolean\"\n"
    "  description: \"--no-headers: CSV has no header row; columns are "
    "c1..cN\"\n"
    "  default: \"false\"\n"
    "outputs:\n"
    "- name: \"out\"\n"
    "  type: \"Artifact\"\n"
    "  description: \"--out: written unless \\\"restored\\\"\"\n"
    "implementation:\n"
    "  container:\n"
    "    image: \"reg/x:1 \\\"q\\\" \\\\ \\n\"\n"
    "    command:\n"
    "    - \"ad-test\"\n"
    "    args:\n"
    "    - {if: {cond: {isPresent: \"long_only\"}, then: [\"--long-only\", "
    "{inputValue: \"long_only\"}]}}\n"
    "    - \"--fixed\"\n"
    "    - {if: {cond: {isPresent: \"restore\"}, then: [\"--restore\", "
    "{inputPath: \"restore\"}], else: [\"--out\", {outputPath: \"out\"}]}}\n"
    "    - \"--input\"\n"
    "    - {inputPath: \"input\"}\n"
    "    - {concat: [\"--no-headers=\", {inputValue: \"no_headers\"}]}\n";

static void test_component(void)
{
	FILE *f = tmpfile();
	static char buf[4096];
	struct ad_error err;

	if (f == NULL)
		exit(2);
	CHECK(ad_cli_write_component(f, &cmd, "reg/x:1 \"q\" \\ \n", &err) ==
	    AD_OK);
	CHECK_STR(slurp(f, buf, sizeof buf), component);
	fclose(f);
}

/* A table the component cannot be made from is refused, naming why. */
static void test_bad_tables(void)
{
	static const struct ad_cli_opt flag_value[] = {
		AD_CLI_OPT("x", 'x', NULL, AD_KFP_STRING, NULL, "a flag as a string"),
	};
	static const struct ad_cli_opt value_flag[] = {
		AD_CLI_OPT("x", 'x', "N", AD_KFP_BOOLEAN, NULL, "a value as a flag"),
	};
	static const struct ad_cli_opt unless_required[] = {
		{ "o", 'o', "F", AD_KFP_OUT_DATASET, NULL, "out", .kfp_unless = 'i' },
		AD_CLI_OPT_INPUT,
	};
	static const struct ad_cli_opt twice[] = {
		AD_CLI_OPT("a-b", 'a', "X", AD_KFP_STRING, NULL, "one"),
		{ "c", 'c', "X", AD_KFP_STRING, NULL, "two", .kfp_name = "a_b" },
	};
	static const struct ad_cli_opt required_flag[] = {
		{ "x", 'x', NULL, AD_KFP_BOOLEAN, NULL, "f", .kfp_required = 1 },
	};
	const struct { const struct ad_cli_opt *o; size_t n; } t[] = {
		{ flag_value, 1 }, { value_flag, 1 }, { unless_required, 2 },
		{ twice, 2 }, { required_flag, 1 },
	};
	FILE *f = fopen("/dev/null", "w");

	if (f == NULL)
		exit(2);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct ad_cli_cmd c = cmd;
		struct ad_error err;

		c.opts = t[i].o;
		c.nopts = t[i].n;
		CHECK(ad_cli_write_component(f, &c, "i", &err) == AD_EUSAGE);
		CHECK(strncmp(err.msg, "option table: ", 14) == 0);
	}
	fclose(f);
}

/* Each of the driver's allocations failing (and all after it) is an I/O
 * or system error, with nothing leaked. */
static void test_oom(void)
{
	char *argv[] = { "ad-test", "-q", "in.csv", NULL };
	struct seen s = { "", 0 };
	int first, r;
	long n;

	for (n = 1; n < 100; n++) {
		fail_at = n;
		calls = 0;
		r = parse(&s, &first, argv);
		fail_at = 0;
		CHECK(live == 0);
		if (r == -1)
			break;
		CHECK(r == AD_EXIT_IO);
	}
	CHECK(n > 1 && n < 100);
}

static void test_bool(void)
{
	const char *yes[] = { "true", "TRUE", "True", "1", "yes", "Yes" };
	const char *no[] = { "false", "False", "0", "no", "NO" };
	const char *bad[] = { "", "2", "truth", "y", "nope", "true " };
	struct ad_error err;
	int v;

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		CHECK(ad_cli_parse_bool("x", yes[i], &v, &err) == AD_OK && v == 1);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		CHECK(ad_cli_parse_bool("x", no[i], &v, &err) == AD_OK && v == 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(ad_cli_parse_bool("x", bad[i], &v, &err) == AD_EUSAGE);
	CHECK_STR(ad_cli_opt_name(&cmd, 'r'), "restore");
	CHECK_STR(ad_cli_opt_name(&cmd, 'z'), "");
}

int main(void)
{
	test_parse();
	test_help();
	test_component();
	test_bad_tables();
	test_oom();
	test_bool();
	return CHECK_DONE("test_cli");
}
