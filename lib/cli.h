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

/* Prints "prog: reason" and "usage: ..." to stderr; returns AD_EXIT_USAGE. */
int ad_cli_usage_error(const char *prog, const char *usage,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports an option that could not be taken: a usage error as
 * ad_cli_usage_error does, but running out of memory as ad_cli_report
 * does (exit 4), since the option was not at fault. */
int ad_cli_option_error(const char *prog, const char *usage,
    const struct ad_error *err);

/* Prints "prog: message" to stderr: a note that is not an error. */
void ad_cli_note(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "prog (adkit) VERSION" on stdout; returns the exit code. */
int ad_cli_version(const char *prog);

/* Writes text (the full help) to stdout; returns the exit code. */
int ad_cli_help(const char *text);

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

#endif
