/*
 * Tests for lib/cli's option-table driver: where options land (flags,
 * values, --flag=false, short clusters, operands, defaults), the exit codes of usage
 * errors, the generated help (wrapping, defaults), the component YAML byte
 * for byte, the table checks that refuse a component that cannot be,
 * blocks with their own base and options several blocks declare, and
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

/* Where the test command's options go. */
struct seen {
	uint64_t long_only;
	int fixed, gone;
	const char *out, *restore;
	int seen;          /* options given, as the seen callback counts them */
};

static enum ad_status fail_nine(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	(void)opts;
	if (arg != NULL && strcmp(arg, "9") == 0)
		return ad_error_set(err, AD_EUSAGE, "bad");
	return AD_OK;
}

#define S(field) AD_OPT_AT(struct seen, field)

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Things:"),
	{ "long-only", 0, "N", AD_OPT_U64, S(long_only), .umax = 8,
	    .def = "7", .kfp = AD_KFP_INTEGER, .help = "a number with a default "
	    "and enough words to be wrapped onto a second line" },
	{ "fixed", 0, NULL, AD_OPT_FLAG, S(fixed), .kfp = AD_KFP_FIXED,
	    .help = "on in every step" },
	{ "out", 0, "FILE", AD_OPT_STRING, S(out), .kfp = AD_KFP_OUT_ARTIFACT,
	    .kfp_unless = "restore", .help = "written unless \"restored\"" },
	{ "restore", 'r', "FILE", AD_OPT_STRING, S(restore),
	    .kfp = AD_KFP_IN_ARTIFACT, .help = "read" },
	{ "gone", 0, NULL, AD_OPT_FLAG, S(gone), .kfp = AD_KFP_NONE,
	    .help = "not in steps" },
};

/* A second block, as a detector's rows are concatenated to a command's. */
static const struct ad_opt more_opts[] = {
	{ "nine", 0, "X", AD_OPT_CUSTOM, .hook = fail_nine, .kfp = AD_KFP_NONE,
	    .help = "refuses 9" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_QUIET("say less"),
};

static const struct ad_cli_block blocks[] = {
	AD_CLI_BLOCK(opts),
	AD_CLI_BLOCK(more_opts),
};

static void count_seen(void *o, const struct ad_opt *row)
{
	(void)row;
	((struct seen *)o)->seen++;
}

static const struct ad_cli_cmd cmd = {
	.name = "ad-test",
	.summary = "test the driver.",
	.usage = "ad-test [-nq] [options] [file]",
	.examples = NULL,
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0.\n",
	.seen = count_seen,
};

/* Runs the driver of c on a NULL-terminated argv with stdout and stderr
 * sent to /dev/null, into s and common (zeroed first); returns its result. */
static int parse_cmd(const struct ad_cli_cmd *c, struct seen *s,
    struct ad_cli_common *common, int *first, char **argv)
{
	int argc = 0, saved[2], r;

	while (argv[argc] != NULL)
		argc++;
	memset(s, 0, sizeof *s);
	memset(common, 0, sizeof *common);
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(1);
	saved[1] = dup(2);
	if (freopen("/dev/null", "w", stdout) == NULL ||
	    freopen("/dev/null", "w", stderr) == NULL)
		exit(2);
	r = ad_cli_parse(c, argc, argv, s, common, first);
	fflush(stdout);
	fflush(stderr);
	dup2(saved[0], 1);
	dup2(saved[1], 2);
	close(saved[0]);
	close(saved[1]);
	ad_cli_free(c, s, common);
	return r;
}

/* The test command's driver on argv. */
static int parse(struct seen *s, struct ad_cli_common *c, int *first,
    char **argv)
{
	return parse_cmd(&cmd, s, c, first, argv);
}

static void test_parse(void)
{
	struct seen s;
	struct ad_cli_common c;
	int first = -1;

	{
		char *argv[] = { "ad-test", "-nq", "--long-only", "3", "--fixed",
			"-r", "p", "data.csv", "--gone=false", NULL };
		CHECK(parse(&s, &c, &first, argv) == -1);
		/* -n and -q land in the common options */
		CHECK(c.in.no_header == 1 && c.quiet == 1);
		CHECK_STR(s.restore, "p");
		CHECK(s.long_only == 3 && s.fixed == 1);
		CHECK(c.in.path == NULL);
		/* --gone=false is the flag left out, not seen */
		CHECK(s.gone == 0 && s.seen == 5);
		CHECK(first == 8 && strcmp(argv[first], "data.csv") == 0);
	}
	{
		char *argv[] = { "ad-test", "--no-headers=TRUE", "--quiet=no",
			NULL };
		CHECK(parse(&s, &c, &first, argv) == -1);
		CHECK(c.in.no_header == 1 && c.quiet == 0);
		CHECK(s.long_only == 7);   /* the row's default */
		CHECK(first == 3);
	}
	{
		char *bad[][4] = {
			{ "ad-test", "--no-such", NULL, NULL },
			{ "ad-test", "--long-only", NULL, NULL },
			{ "ad-test", "--long-only", "9", NULL },
			{ "ad-test", "--nine", "9", NULL },
			{ "ad-test", "-Z", NULL, NULL },
			{ "ad-test", "--quiet=maybe", NULL, NULL },
			{ "ad-test", "--help=1", NULL, NULL },
			{ "ad-test", "--image", "x", NULL },
			{ "ad-test", "--kfp-component", "-q", NULL },
			{ "ad-test", "--kfp-component", "file", NULL },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			CHECK(parse(&s, &c, &first, bad[i]) == AD_EXIT_USAGE);
	}
	{
		char *help[] = { "ad-test", "-q", "--help", "--no-such", NULL };
		char *version[] = { "ad-test", "-V", NULL };
		char *kfp[] = { "ad-test", "--image", "i", "--kfp-component", NULL };
		CHECK(parse(&s, &c, &first, help) == AD_EXIT_OK);
		CHECK(parse(&s, &c, &first, version) == AD_EXIT_OK);
		CHECK(parse(&s, &c, &first, kfp) == AD_EXIT_OK);
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

/* An option given up to umax times is umax optional inputs, each passing
 * the option once when given: no placeholder repeats an option per item. */
static void test_component_repeat(void)
{
	static const struct ad_opt rows[] = {
		{ "col", 0, "COL", AD_OPT_CUSTOM, .hook = fail_nine, .umax = 3,
		    .flags = AD_OPT_REPEAT, .kfp = AD_KFP_STRING,
		    .help = "a column (repeatable)" },
	};
	const struct ad_cli_block b = { rows, 1, NULL };
	struct ad_cli_cmd c = cmd;
	static char buf[4096];
	struct ad_error err;
	FILE *f = tmpfile();

	if (f == NULL)
		exit(2);
	c.blocks = &b;
	c.nblocks = 1;
	CHECK(ad_cli_write_component(f, &c, "i", &err) == AD_OK);
	slurp(f, buf, sizeof buf);
	fclose(f);
	CHECK(strstr(buf, "- name: \"col\"\n  type: \"String\"\n  description: "
	    "\"--col: a column (repeatable)\"\n  optional: true\n"
	    "- name: \"col_2\"\n  type: \"String\"\n  description: "
	    "\"--col again (2 of up to 3, in order)\"\n  optional: true\n"
	    "- name: \"col_3\"") != NULL);
	CHECK(strstr(buf, "col_4") == NULL);
	CHECK(strstr(buf, "    - {if: {cond: {isPresent: \"col\"}, then: "
	    "[\"--col\", {inputValue: \"col\"}]}}\n"
	    "    - {if: {cond: {isPresent: \"col_2\"}, then: "
	    "[\"--col\", {inputValue: \"col_2\"}]}}\n"
	    "    - {if: {cond: {isPresent: \"col_3\"}, then: "
	    "[\"--col\", {inputValue: \"col_3\"}]}}\n") != NULL);
}

/* A table the component cannot be made from is refused, naming why. */
static void test_bad_tables(void)
{
	static const struct ad_opt flag_value[] = {
		{ "x", 'x', NULL, AD_OPT_FLAG, .kfp = AD_KFP_STRING,
		    .help = "a flag as a string" },
	};
	static const struct ad_opt value_flag[] = {
		{ "x", 'x', "N", AD_OPT_STRING, .kfp = AD_KFP_BOOLEAN,
		    .help = "a value as a flag" },
	};
	static const struct ad_opt unless_required[] = {
		{ "o", 'o', "F", AD_OPT_STRING, .kfp = AD_KFP_OUT_DATASET,
		    .help = "out", .kfp_unless = "input" },
		AD_CLI_OPT_INPUT,
	};
	static const struct ad_opt twice[] = {
		{ "a-b", 'a', "X", AD_OPT_STRING, .kfp = AD_KFP_STRING,
		    .help = "one" },
		{ "c", 'c', "X", AD_OPT_STRING, .kfp = AD_KFP_STRING,
		    .help = "two", .kfp_name = "a_b" },
	};
	static const struct ad_opt required_flag[] = {
		{ "x", 'x', NULL, AD_OPT_FLAG, .kfp = AD_KFP_BOOLEAN, .help = "f",
		    .kfp_required = 1 },
	};
	static const struct ad_opt repeat_once[] = {
		{ "x", 'x', "X", AD_OPT_CUSTOM, .hook = fail_nine, .umax = 1,
		    .flags = AD_OPT_REPEAT, .kfp = AD_KFP_STRING, .help = "x" },
	};
	static const struct ad_opt repeat_path[] = {
		{ "x", 'x', "F", AD_OPT_CUSTOM, .hook = fail_nine, .umax = 3,
		    .flags = AD_OPT_REPEAT, .kfp = AD_KFP_IN_DATASET, .help = "x" },
	};
	const struct ad_cli_block t[] = {
		{ flag_value, 1, NULL }, { value_flag, 1, NULL },
		{ unless_required, 2, NULL }, { twice, 2, NULL },
		{ required_flag, 1, NULL }, { repeat_once, 1, NULL },
		{ repeat_path, 1, NULL },
	};
	FILE *f = fopen("/dev/null", "w");

	if (f == NULL)
		exit(2);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct ad_cli_cmd c = cmd;
		struct ad_error err;

		c.blocks = &t[i];
		c.nblocks = 1;
		CHECK(ad_cli_write_component(f, &c, "i", &err) == AD_EUSAGE);
		CHECK(strncmp(err.msg, "option table: ", 14) == 0);
	}
	fclose(f);
}

/* ---- blocks with their own base, and options several blocks declare ---- */

/* Two detectors' options blocks: both take --depth, each its own option. */
struct first_block {
	double ratio;
	uint64_t depth;
	int depth_given;
};

struct second_block {
	uint64_t depth;
	const char *word;
};

#define DEPTH_ROW(type) { "depth", 0, "N", AD_OPT_U64, \
	AD_OPT_AT(type, depth), .umin = 1, .umax = 9, .def = "3", \
	.kfp = AD_KFP_INTEGER, .help = "how deep" }

static const struct ad_opt first_rows[] = {
	AD_OPT_HEADING("Shared:"),
	{ "depth", 0, "N", AD_OPT_U64, AD_OPT_AT(struct first_block, depth),
	    AD_OPT_GIVEN(struct first_block, depth_given), .umin = 1, .umax = 9,
	    .def = "3", .kfp = AD_KFP_INTEGER, .help = "how deep" },
	{ "ratio", 0, "R", AD_OPT_DOUBLE, AD_OPT_AT(struct first_block, ratio),
	    .dmin = 0, .dmax = 1, .def = "0.5", .kfp = AD_KFP_FLOAT,
	    .help = "first only" },
};

static const struct ad_opt second_rows[] = {
	AD_OPT_HEADING("Shared:"),
	DEPTH_ROW(struct second_block),
	{ "word", 'w', "W", AD_OPT_STRING, AD_OPT_AT(struct second_block, word),
	    .kfp = AD_KFP_STRING, .help = "second only" },
};

/* The same name declared with another help. */
static const struct ad_opt other_depth[] = {
	{ "depth", 0, "N", AD_OPT_U64, AD_OPT_AT(struct second_block, depth),
	    .umin = 1, .umax = 9, .def = "3", .kfp = AD_KFP_INTEGER,
	    .help = "how shallow" },
};

static struct first_block fb;
static struct second_block sb;

static const struct ad_cli_block shared_blocks[] = {
	AD_CLI_BLOCK(opts),
	{ first_rows, 3, &fb },
	{ second_rows, 3, &sb },
	AD_CLI_BLOCK(more_opts),
};

/* Runs cmd c on argv as parse does, with fb and sb zeroed first. */
static int parse_shared(const struct ad_cli_cmd *c, char **argv)
{
	struct seen s;
	struct ad_cli_common common;
	int first;

	memset(&fb, 0, sizeof fb);
	memset(&sb, 0, sizeof sb);
	return parse_cmd(c, &s, &common, &first, argv);
}

/* Occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_shared(void)
{
	struct ad_cli_cmd c = cmd;
	struct ad_cli_block bad[] = { { first_rows, 3, &fb },
		{ other_depth, 1, &sb } };
	char *none[] = { "ad-test", NULL };
	char *depth[] = { "ad-test", "--depth", "7", "--ratio=0.25", "-wx",
		NULL };
	char *out_of_range[] = { "ad-test", "--depth", "10", NULL };
	static char buf[8192];
	struct ad_error err;
	FILE *f;

	c.blocks = shared_blocks;
	c.nblocks = sizeof shared_blocks / sizeof shared_blocks[0];

	/* defaults land in each block's base */
	CHECK(parse_shared(&c, none) == -1);
	CHECK(fb.depth == 3 && fb.ratio == 0.5 && fb.depth_given == 0);
	CHECK(sb.depth == 3 && sb.word == NULL);

	/* a shared option sets every block declaring it */
	CHECK(parse_shared(&c, depth) == -1);
	CHECK(fb.depth == 7 && sb.depth == 7 && fb.depth_given == 1);
	CHECK(fb.ratio == 0.25 && sb.word != NULL && strcmp(sb.word, "x") == 0);
	CHECK(parse_shared(&c, out_of_range) == AD_EXIT_USAGE);

	/* the help and the component show it, and the heading, once */
	if ((f = tmpfile()) == NULL)
		exit(2);
	ad_cli_write_help(f, &c);
	slurp(f, buf, sizeof buf);
	fclose(f);
	CHECK(count_of(buf, "--depth") == 1 && count_of(buf, "Shared:") == 1);
	CHECK(strstr(buf, "\nShared:\n      --depth N         how deep (default "
	    "3)\n      --ratio R         first only (default 0.5)\n  -w, --word W"
	    "          second only\n") != NULL);
	if ((f = tmpfile()) == NULL)
		exit(2);
	CHECK(ad_cli_write_component(f, &c, "i", &err) == AD_OK);
	slurp(f, buf, sizeof buf);
	fclose(f);
	CHECK(count_of(buf, "- name: \"depth\"") == 1);
	CHECK(count_of(buf, "\"--depth\"") == 1);
	CHECK(count_of(buf, "- name: \"ratio\"") == 1);

	/* rows of one name must declare the same option */
	c.blocks = bad;
	c.nblocks = 2;
	CHECK(parse_shared(&c, none) == AD_EXIT_USAGE);
	if ((f = fopen("/dev/null", "w")) == NULL)
		exit(2);
	CHECK(ad_cli_write_component(f, &c, "i", &err) == AD_EUSAGE);
	CHECK(strstr(err.msg, "--depth is declared twice") != NULL);
	fclose(f);
}

/* Each of the driver's allocations failing (and all after it) is an I/O
 * or system error, with nothing leaked. */
static void test_oom(void)
{
	char *argv[] = { "ad-test", "-q", "in.csv", NULL };
	struct seen s;
	struct ad_cli_common c;
	int first, r;
	long n;

	for (n = 1; n < 100; n++) {
		fail_at = n;
		calls = 0;
		r = parse(&s, &c, &first, argv);
		fail_at = 0;
		CHECK(live == 0);
		if (r == -1)
			break;
		CHECK(r == AD_EXIT_IO);
	}
	CHECK(n > 1 && n < 100);
}

int main(void)
{
	test_parse();
	test_help();
	test_component();
	test_component_repeat();
	test_bad_tables();
	test_shared();
	test_oom();
	return CHECK_DONE("test_cli");
}
