#ifndef ADKIT_CLI_H
#define ADKIT_CLI_H
/*
 * What every command shares at its edge: the one error-reporting path (the
 * only lib/ module that writes to stderr), exit codes, and strict option
 * parsing that names the option at fault.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ad.h"
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

/* Parses a whole number for option opt within [min, max] (AD_EUSAGE). */
enum ad_status ad_cli_parse_u64(const char *opt, const char *arg,
    uint64_t min, uint64_t max, uint64_t *out, struct ad_error *err);

/* Parses a finite number for option opt within [min, max] (AD_EUSAGE). */
enum ad_status ad_cli_parse_double(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err);

/* Parses a one-byte delimiter: a character, "\t" or "tab". */
enum ad_status ad_cli_parse_delim(const char *arg, char *out,
    struct ad_error *err);

/* Parses "csv" or "bin". */
enum ad_status ad_cli_parse_format(const char *arg, enum ad_format *out,
    struct ad_error *err);

/* Splits a comma-separated list (CSV quoting allowed for names with commas)
 * into *items (free with ad_cli_free_list); empty items are refused unless
 * allow_empty. */
enum ad_status ad_cli_split_list(const char *opt, const char *arg,
    int allow_empty, char ***items, size_t *n, struct ad_error *err);

/* Frees a list from ad_cli_split_list; NULL is a no-op. */
void ad_cli_free_list(char **items, size_t n);

/* ---- the option table ---- */

/*
 * A command declares each option once, as a row of struct ad_cli_opt; the
 * driver (ad_cli_parse) runs getopt_long from the table, hands each option to
 * the command's take() function, and answers --help, --version and
 * --kfp-component itself. The help is generated from the table, and so is
 * the command's Kubeflow Pipelines component (KFP v1 component YAML, which
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

/* An option's place in the command's component. */
enum ad_cli_kfp {
	AD_KFP_NONE,          /* not in the component: -q, modes a step has not */
	AD_KFP_FIXED,         /* a flag every step passes (ad-drift --exit-zero) */
	AD_KFP_IN_DATASET,    /* a file read: inputPath of this type */
	AD_KFP_IN_MODEL,
	AD_KFP_IN_ARTIFACT,   /* params, profiles, schemas */
	AD_KFP_OUT_DATASET,   /* a file written: outputPath of this type */
	AD_KFP_OUT_MODEL,
	AD_KFP_OUT_ARTIFACT,
	AD_KFP_OUT_METRICS,
	AD_KFP_OUT_BOOLEAN,   /* a file holding true or false: output parameter */
	AD_KFP_STRING,        /* a value: inputValue of this type */
	AD_KFP_INTEGER,
	AD_KFP_FLOAT,
	AD_KFP_BOOLEAN        /* a flag: --flag=true|false */
};

/* One option. A row whose name is NULL is a heading of the help. */
struct ad_cli_opt {
	const char *name;      /* long name, without "--" */
	int key;               /* short letter, or above CHAR_MAX: take()'s key */
	const char *meta;      /* the value's name in the help; NULL: a flag */
	enum ad_cli_kfp kfp;   /* its place in the component */
	const char *def;       /* the default, as the help shows it, or NULL */
	const char *help;      /* one line of help, wrapped by the driver */
	const char *kfp_name;  /* its name in the component (default: name, '-'
	                        * as '_') */
	int kfp_required;      /* a step cannot run without this input */
	int kfp_unless;        /* an output left out when the input of this key
	                        * is given (--save unless --restore), or 0 */
};

/* A row with no extras; rows that have some add them by designator. */
#define AD_CLI_OPT(name, key, meta, kfp, def, help) \
	{ (name), (key), (meta), (kfp), (def), (help), .kfp_name = NULL }

/* A help heading row. */
#define AD_CLI_HEADING(text) { .name = NULL, .help = (text) }

/* Rows every command shares word for word. */
#define AD_CLI_OPT_INPUT { "input", 'i', "FILE", AD_KFP_IN_DATASET, NULL, \
	"read FILE (default: standard input, also -)", .kfp_required = 1 }
#define AD_CLI_OPT_DELIMITER AD_CLI_OPT("delimiter", 'd', "CHAR", \
	AD_KFP_STRING, NULL, "CSV field delimiter (default ,; \"tab\" for tab)")
#define AD_CLI_OPT_NO_HEADERS AD_CLI_OPT("no-headers", 'n', NULL, \
	AD_KFP_BOOLEAN, NULL, "CSV has no header row; columns are c1..cN")
/* ... and the rows of the commands that write rows. */
#define AD_CLI_OPT_OUTPUT_ROWS AD_CLI_OPT("output", 'o', "FILE", \
	AD_KFP_OUT_DATASET, NULL, \
	"write FILE, complete or not at all (default: stdout)")
#define AD_CLI_OPT_FORMAT_ROWS AD_CLI_OPT("format", 'F', "FMT", \
	AD_KFP_STRING, NULL, "output csv or bin (default: the input's format)")
#define AD_CLI_OPT_REJECTS(key) AD_CLI_OPT("rejects", (key), "FILE", \
	AD_KFP_OUT_DATASET, NULL, "write rows with the wrong field count here")

/* A command: its help around the options, and the options. */
struct ad_cli_cmd {
	const char *name;      /* "ad-clean" */
	const char *summary;   /* what it does, one sentence: the help's first
	                        * line and the component's description */
	const char *usage;     /* the usage line after "usage: " (the SYNOPSIS) */
	const char *examples;  /* help text between the usage and the options */
	const struct ad_cli_opt *opts;
	size_t nopts;
	const char *footer;    /* help text after the options (exit status) */
	int column;            /* where the help's option texts start (0: 24) */
};

/* Handles one option of a command: key is the row's key, arg its value
 * (NULL for a flag). Returns AD_OK, or an error (AD_EUSAGE) in err. */
typedef enum ad_status (*ad_cli_take_fn)(void *ctx, int key, const char *arg,
    struct ad_error *err);

/* Parses argv by cmd's table, calling take for every option given. Returns
 * -1 when the command is to run, with *first the index of its first operand;
 * otherwise the exit code, having printed the help, the version, the
 * component, or a usage error. */
int ad_cli_parse(const struct ad_cli_cmd *cmd, int argc, char **argv,
    ad_cli_take_fn take, void *ctx, int *first);

/* Takes the operands argv[first..argc), if any, as the one input path:
 * more than one, or one besides -i (already in *path), is a usage error. */
enum ad_status ad_cli_one_input(int argc, char **argv, int first,
    const char **path, struct ad_error *err);

/* Prints "prog: reason", the usage line and a hint to stderr; returns
 * AD_EXIT_USAGE. */
int ad_cli_usage_error(const struct ad_cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports err the way its code asks: a usage error with the usage line,
 * anything else through ad_cli_report. Returns the exit code. */
int ad_cli_fail(const struct ad_cli_cmd *cmd, const struct ad_error *err);

/* The long name of the option with this key, or "" if none has it. */
const char *ad_cli_opt_name(const struct ad_cli_cmd *cmd, int key);

/* Writes cmd's help to f. */
void ad_cli_write_help(FILE *f, const struct ad_cli_cmd *cmd);

/* Writes cmd's Kubeflow Pipelines component for image to f; AD_EUSAGE
 * when the table cannot make one (a row with a role its kind cannot have). */
enum ad_status ad_cli_write_component(FILE *f, const struct ad_cli_cmd *cmd,
    const char *image, struct ad_error *err);

/* Parses a flag's value: true, false, 1, 0, yes, no, in any case. */
enum ad_status ad_cli_parse_bool(const char *opt, const char *arg, int *out,
    struct ad_error *err);

#endif
