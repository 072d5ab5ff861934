#ifndef ADKIT_CLI_H
#define ADKIT_CLI_H
/*
 * What every command shares at its edge: the one error-reporting path (the
 * only lib/ module that writes to stderr), exit codes, and the driver that
 * parses options by their rows (lib/common/opt.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ad.h"
#include "opt.h"
#include "reader.h"

/* Exit codes shared by every command (see the EXIT STATUS of each page). */
enum {
	AD_EXIT_OK = 0,
	AD_EXIT_CHECK = 1,
	AD_EXIT_USAGE = 2,
	AD_EXIT_DATA = 3,
	AD_EXIT_IO = 4
};

/* Ignores SIGPIPE, so a closed pipe shows up as EPIPE and ends quietly. */
void ad_cli_init(void);

/* The exit code for a status (AD_EPIPE: 0). */
int ad_cli_exit_code(enum ad_status st);

/* Prints "prog: file:line:col: message" to stderr (nothing for AD_EPIPE)
 * and returns the exit code for err->code. */
int ad_cli_report(const char *prog, const struct ad_error *err);

/* Prints "prog: message" to stderr: a note that is not an error. */
void ad_cli_note(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "prog (adkit) VERSION" on stdout; returns the exit code. */
int ad_cli_version(const char *prog);

/* Takes the operands argv[first..argc), if any, as the one input path:
 * more than one, or one besides -i (already in *path), is a usage error. */
enum ad_status ad_cli_one_input(int argc, char **argv, int first,
    const char **path, struct ad_error *err);

/* ---- the option rows ---- */

/*
 * A command declares each option once, as a row (struct ad_opt, see
 * lib/common/opt.h), in one or more arrays (blocks) that the help lists in
 * order. The driver (ad_cli_parse) sets every row's default, runs
 * getopt_long over the rows, parses each option given into its destination,
 * and answers --help, --version and --kfp-component itself. The help is
 * generated from the rows, and so is the command's Kubeflow Pipelines
 * component (KFP v1 component YAML, which
 * kfp.components.load_component_from_file of KFP SDK 2.x loads).
 *
 * In a component:
 * - a path option becomes an input (inputPath) or an output (outputPath)
 *   artifact of the row's type; a value option an input parameter
 *   (inputValue). Optional inputs are passed through
 *   {if: {cond: {isPresent: NAME}, then: [...]}} and have no KFP default:
 *   giving an option can change what else is allowed (--bins with a
 *   profile, --bootstrap without --compare), so a step left alone runs as
 *   the command left alone does. The default shows in the description.
 * - a flag becomes a Boolean input with default "false", always passed as
 *   --flag=VALUE: every flag's long form takes an optional true or false
 *   (also 1/0, yes/no, any case), and --flag=false is the same as leaving
 *   the flag out.
 * - outputs are always passed, so every output file is written.
 */

/* The options every command shares, parsed once by the driver into one
 * struct (the rows of scope AD_OPT_COMMON). */
struct ad_cli_common {
	struct ad_reader_opts in;   /* -i, -d, -n, and the reader's options */
	const char *output;         /* -o; NULL: standard output */
	enum ad_format format;      /* -F csv|bin */
	int format_set;             /* -F given: else the input's format */
	const char *rejects;        /* --rejects FILE, or NULL */
	int quiet;                  /* -q */
};

#define AD_CLI_COMMON(field) AD_OPT_AT(struct ad_cli_common, field), \
	.scope = AD_OPT_COMMON

/* Rows every command shares word for word. */
#define AD_CLI_OPT_INPUT { "input", 'i', "FILE", AD_OPT_STRING, \
	AD_CLI_COMMON(in.path), .kfp = AD_KFP_IN_DATASET, .kfp_required = 1, \
	.help = "read FILE (default: standard input, also -)" }
#define AD_CLI_OPT_DELIMITER { "delimiter", 'd', "CHAR", AD_OPT_DELIM, \
	AD_CLI_COMMON(in.delim), .kfp = AD_KFP_STRING, \
	.help = "CSV field delimiter (default ,; \"tab\" for tab)" }
#define AD_CLI_OPT_NO_HEADERS { "no-headers", 'n', NULL, AD_OPT_FLAG, \
	AD_CLI_COMMON(in.no_header), .kfp = AD_KFP_BOOLEAN, \
	.help = "CSV has no header row; columns are c1..cN" }
/* -q, in the command's words. */
#define AD_CLI_OPT_QUIET(text) { "quiet", 'q', NULL, AD_OPT_FLAG, \
	AD_CLI_COMMON(quiet), .kfp = AD_KFP_NONE, .help = (text) }
/* -o, for commands writing something else than rows. */
#define AD_CLI_OPT_OUTPUT(meta, role, name, text) { "output", 'o', (meta), \
	AD_OPT_STRING, AD_CLI_COMMON(output), .kfp = (role), \
	.kfp_name = (name), .help = (text) }
/* ... and the rows of the commands that write rows. */
#define AD_CLI_OPT_OUTPUT_ROWS AD_CLI_OPT_OUTPUT("FILE", AD_KFP_OUT_DATASET, \
	NULL, "write FILE, complete or not at all (default: stdout)")
#define AD_CLI_OPT_FORMAT_ROWS { "format", 'F', "FMT", AD_OPT_CHOICE, \
	AD_CLI_COMMON(format), AD_OPT_GIVEN(struct ad_cli_common, format_set), \
	.words = (const char *const[]){ "csv", "bin", NULL }, \
	.kfp = AD_KFP_STRING, \
	.help = "output csv or bin (default: the input's format)" }
/* --threads: the reader's, which the command uses for its own work too. */
#define AD_CLI_OPT_THREADS AD_OPT_THREADS_ROW(AD_CLI_COMMON(in.threads))
#define AD_CLI_OPT_REJECTS { "rejects", 0, "FILE", AD_OPT_STRING, \
	AD_CLI_COMMON(rejects), .kfp = AD_KFP_OUT_DATASET, \
	.help = "write rows with the wrong field count here" }

/*
 * An array of rows, part of a command's table. Its destinations are
 * offsets into base when it has one (a detector's options block: every
 * row of scope AD_OPT_OWN), else into the struct of each row's scope.
 *
 * Rows of the same long name in several blocks are one option: getopt,
 * the help and the component see the first, and giving it sets each of
 * them in its own block. They must agree on letter, value name, help,
 * default and component role. A heading with the text of an earlier one
 * is left out of the help, so blocks sharing rows can share a heading.
 */
struct ad_cli_block {
	const struct ad_opt *rows;
	size_t n;
	void *base;       /* NULL: the caller's structs, by the rows' scope */
};

#define AD_CLI_BLOCK(array) { (array), sizeof (array) / sizeof (array)[0], \
	NULL }

/* A command: its help around the options, and the options. */
struct ad_cli_cmd {
	const char *name;      /* "ad-clean" */
	const char *summary;   /* what it does, one sentence: the help's first
	                        * line and the component's description */
	const char *usage;     /* the usage line after "usage: " (the SYNOPSIS) */
	const char *examples;  /* help text between the usage and the options */
	const struct ad_cli_block *blocks;  /* the rows, in the help's order */
	size_t nblocks;
	const char *footer;    /* help text after the options (exit status) */
	int column;            /* where the help's option texts start (0: 24) */
	/* optional: called with the command's options for each option given,
	 * before it is parsed (to see which were given), with its first row */
	void (*seen)(void *opts, const struct ad_opt *row);
};

/* Sets the defaults of cmd's rows into opts and common (both zeroed), then
 * parses argv into them. Returns -1 when the command is to run, with
 * *first the index of its first operand; otherwise the exit code, having
 * printed the help, the version, the component, or a usage error. Free
 * with ad_cli_free in either case. */
int ad_cli_parse(const struct ad_cli_cmd *cmd, int argc, char **argv,
    void *opts, struct ad_cli_common *common, int *first);

/* Frees the lists the rows of cmd put into opts and common. */
void ad_cli_free(const struct ad_cli_cmd *cmd, void *opts,
    struct ad_cli_common *common);

/* Prints "prog: reason", the usage line and a hint to stderr; returns
 * AD_EXIT_USAGE. */
int ad_cli_usage_error(const struct ad_cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports err the way its code asks: a usage error with the usage line,
 * anything else through ad_cli_report. Returns the exit code. */
int ad_cli_fail(const struct ad_cli_cmd *cmd, const struct ad_error *err);

/* Writes cmd's help to f. */
void ad_cli_write_help(FILE *f, const struct ad_cli_cmd *cmd);

/* Writes cmd's Kubeflow Pipelines component for image to f; AD_EUSAGE
 * when the table cannot make one (a row with a role its kind cannot have). */
enum ad_status ad_cli_write_component(FILE *f, const struct ad_cli_cmd *cmd,
    const char *image, struct ad_error *err);

#endif
