/* The commands' shared edge: messages, exit codes, option values. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "alloc.h"
#include "cli.h"
#include "num.h"

void ad_cli_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int ad_cli_exit_code(enum ad_status st)
{
	switch (st) {
	case AD_OK:
	case AD_EPIPE:
		return AD_EXIT_OK;
	case AD_ECHECK:
		return AD_EXIT_CHECK;
	case AD_EUSAGE:
		return AD_EXIT_USAGE;
	case AD_EDATA:
		return AD_EXIT_DATA;
	case AD_EIO:
	case AD_ENOMEM:
		break;
	}
	return AD_EXIT_IO;
}

int ad_cli_report(const char *prog, const struct ad_error *err)
{
	if (err->code == AD_EPIPE || err->code == AD_OK)
		return ad_cli_exit_code(err->code);
	fprintf(stderr, "%s: ", prog);
	if (err->file[0] != '\0') {
		fprintf(stderr, "%s:", err->file);
		if (err->line > 0) {
			fprintf(stderr, "%llu:", (unsigned long long)err->line);
			if (err->col > 0)
				fprintf(stderr, "%llu:",
				    (unsigned long long)err->col);
		}
		fputc(' ', stderr);
	}
	fprintf(stderr, "%s\n", err->msg);
	return ad_cli_exit_code(err->code);
}

int ad_cli_usage_error(const char *prog, const char *usage,
    const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\nTry '%s --help' for more.\n", usage, prog);
	return AD_EXIT_USAGE;
}

int ad_cli_option_error(const char *prog, const char *usage,
    const struct ad_error *err)
{
	if (err->code == AD_ENOMEM)
		return ad_cli_report(prog, err);
	return ad_cli_usage_error(prog, usage, "%s", err->msg);
}

void ad_cli_note(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Flushes and checks stdout; a closed pipe is not an error. */
static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return AD_EXIT_OK;
		fprintf(stderr, "adkit: <stdout>: write error: %s\n",
		    strerror(errno));
		return AD_EXIT_IO;
	}
	return AD_EXIT_OK;
}

int ad_cli_version(const char *prog)
{
	printf("%s (adkit) %s\n", prog, AD_VERSION);
	return finish_stdout();
}

int ad_cli_help(const char *text)
{
	fputs(text, stdout);
	return finish_stdout();
}

enum ad_status ad_cli_parse_u64(const char *opt, const char *arg,
    uint64_t min, uint64_t max, uint64_t *out, struct ad_error *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		goto bad;
	v = strtoull(arg, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		goto bad;
	if (v < min || v > max)
		return ad_error_set(err, AD_EUSAGE, "%s must be from %llu to "
		    "%llu, not %s", opt, (unsigned long long)min,
		    (unsigned long long)max, arg);
	*out = v;
	return AD_OK;
bad:
	return ad_error_set(err, AD_EUSAGE, "%s takes a whole number, not "
	    "\"%s\"", opt, arg);
}

enum ad_status ad_cli_parse_double(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err)
{
	double v;

	if (ad_num_parse(arg, strlen(arg), &v) != AD_NUM_OK || !isfinite(v))
		return ad_error_set(err, AD_EUSAGE, "%s takes a number, not "
		    "\"%s\"", opt, arg);
	if (v < min || v > max)
		return ad_error_set(err, AD_EUSAGE, "%s must be from %g to %g, "
		    "not %s", opt, min, max, arg);
	*out = v;
	return AD_OK;
}

enum ad_status ad_cli_parse_delim(const char *arg, char *out,
    struct ad_error *err)
{
	if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0) {
		*out = '\t';
		return AD_OK;
	}
	if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n' ||
	    arg[0] == '\r')
		return ad_error_set(err, AD_EUSAGE, "--delimiter takes one "
		    "character (or \"tab\"), not \"%s\"", arg);
	*out = arg[0];
	return AD_OK;
}

enum ad_status ad_cli_parse_format(const char *arg, enum ad_format *out,
    struct ad_error *err)
{
	if (strcmp(arg, "csv") == 0)
		*out = AD_FORMAT_CSV;
	else if (strcmp(arg, "bin") == 0)
		*out = AD_FORMAT_BIN;
	else
		return ad_error_set(err, AD_EUSAGE, "--format takes csv or bin, "
		    "not \"%s\"", arg);
	return AD_OK;
}

struct list {
	char **items;
	size_t n;
	int failed;
	int rows;
};

static void list_field(void *s, size_t len, void *ctx)
{
	struct list *l = ctx;
	char **items, *copy;

	if (l->failed)
		return;
	items = ad_realloc(l->items, (l->n + 1) * sizeof *items);
	copy = ad_malloc(len + 1);
	if (items == NULL || copy == NULL) {
		if (items != NULL)
			l->items = items;
		ad_free(copy);
		l->failed = 1;
		return;
	}
	l->items = items;
	memcpy(copy, s ? s : "", len);
	copy[len] = '\0';
	l->items[l->n++] = copy;
}

static void list_row(int c, void *ctx)
{
	(void)c;
	((struct list *)ctx)->rows++;
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

enum ad_status ad_cli_split_list(const char *opt, const char *arg,
    int allow_empty, char ***items, size_t *n, struct ad_error *err)
{
	struct csv_parser p;
	struct list l = { NULL, 0, 0, 0 };
	size_t len = strlen(arg);
	enum ad_status st = AD_OK;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return ad_error_nomem(err);
	csv_set_space_func(&p, no_space);
	csv_set_realloc_func(&p, ad_realloc);
	csv_set_free_func(&p, ad_free);
	if (csv_parse(&p, arg, len, list_field, list_row, &l) != len ||
	    csv_fini(&p, list_field, list_row, &l) != 0)
		st = csv_error(&p) == CSV_ENOMEM ? ad_error_nomem(err) :
		    ad_error_set(err, AD_EUSAGE, "%s: malformed list \"%s\"",
		    opt, arg);
	else if (allow_empty && l.n == 0)
		list_field("", 0, &l);
	if (st == AD_OK && l.failed)
		st = ad_error_nomem(err);
	if (st == AD_OK && l.rows > 1)
		st = ad_error_set(err, AD_EUSAGE, "%s: expected a "
		    "comma-separated list, got \"%s\"", opt, arg);
	if (st == AD_OK && !allow_empty && l.n == 0)
		st = ad_error_set(err, AD_EUSAGE, "%s: empty list", opt);
	for (size_t i = 0; st == AD_OK && !allow_empty && i < l.n; i++)
		if (l.items[i][0] == '\0')
			st = ad_error_set(err, AD_EUSAGE, "%s: empty name in "
			    "\"%s\"", opt, arg);
	csv_free(&p);
	if (st != AD_OK) {
		ad_cli_free_list(l.items, l.n);
		return st;
	}
	*items = l.items;
	*n = l.n;
	return AD_OK;
}

void ad_cli_free_list(char **items, size_t n)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ad_free(items[i]);
	ad_free(items);
}
