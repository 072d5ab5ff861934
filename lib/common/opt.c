/* Declarative options: defaults, and one argument into its destination. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "alloc.h"
#include "num.h"
#include "opt.h"

/* ---- the strict parsers ---- */

enum ad_status ad_opt_parse_u64(const char *opt, const char *arg,
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

/* Bounds from this far out are no bounds, for messages. */
#define NO_BOUND 1e300

/* Parses a finite number for opt within [min, max], or (min, max] when
 * above; the message says the range as the help does. */
static enum ad_status parse_double(const char *opt, const char *arg,
    double min, double max, int above, double *out, struct ad_error *err)
{
	double v;

	if (ad_num_parse(arg, strlen(arg), &v) != AD_NUM_OK || isnan(v))
		return ad_error_set(err, AD_EUSAGE, "%s takes a number, not "
		    "\"%s\"", opt, arg);
	if (isinf(v))
		return ad_error_set(err, AD_EUSAGE, "%s takes a finite number, "
		    "not \"%s\"", opt, arg);
	if (!(above ? v > min : v >= min) || v > max) {
		if (max >= NO_BOUND)
			return ad_error_set(err, AD_EUSAGE, "%s must be %s %g, "
			    "not %s", opt, above ? "above" : "at least", min, arg);
		if (min <= -NO_BOUND)
			return ad_error_set(err, AD_EUSAGE, "%s must be at most "
			    "%g, not %s", opt, max, arg);
		if (above)
			return ad_error_set(err, AD_EUSAGE, "%s must be above %g "
			    "and at most %g, not %s", opt, min, max, arg);
		return ad_error_set(err, AD_EUSAGE, "%s must be from %g to %g, "
		    "not %s", opt, min, max, arg);
	}
	*out = v;
	return AD_OK;
}

enum ad_status ad_opt_parse_double(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err)
{
	return parse_double(opt, arg, min, max, 0, out, err);
}

enum ad_status ad_opt_parse_double_above(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err)
{
	return parse_double(opt, arg, min, max, 1, out, err);
}

enum ad_status ad_opt_parse_delim(const char *arg, char *out,
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

static int same_word(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

enum ad_status ad_opt_parse_bool(const char *opt, const char *arg, int *out,
    struct ad_error *err)
{
	static const char *const yes[] = { "true", "1", "yes" };
	static const char *const no[] = { "false", "0", "no" };

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (same_word(arg, yes[i])) {
			*out = 1;
			return AD_OK;
		}
		if (same_word(arg, no[i])) {
			*out = 0;
			return AD_OK;
		}
	}
	return ad_error_set(err, AD_EUSAGE, "--%s takes true or false, not "
	    "\"%s\"", opt, arg);
}

/* ---- comma-separated lists ---- */

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

enum ad_status ad_opt_split_list(const char *opt, const char *arg,
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
		ad_opt_free_list(l.items, l.n);
		return st;
	}
	*items = l.items;
	*n = l.n;
	return AD_OK;
}

void ad_opt_free_list(char **items, size_t n)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ad_free(items[i]);
	ad_free(items);
}

/* ---- rows ---- */

/* "--name" of a row, for messages. */
static const char *dashed(const struct ad_opt *row, char buf[80])
{
	snprintf(buf, 80, "--%s", row->name);
	return buf;
}

/* "--format takes csv, bin or json, not \"x\"" */
static enum ad_status bad_choice(const struct ad_opt *row, const char *arg,
    struct ad_error *err)
{
	char words[512] = "";
	size_t len = 0, n = 0;

	while (row->words[n] != NULL)
		n++;
	for (size_t i = 0; i < n && len < sizeof words; i++)
		len += (size_t)snprintf(words + len, sizeof words - len, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", row->words[i]);
	return ad_error_set(err, AD_EUSAGE, "--%s takes %s, not \"%s\"",
	    row->name, words, arg);
}

static enum ad_status set_choice(const struct ad_opt *row, int *dst,
    const char *arg, struct ad_error *err)
{
	for (int i = 0; row->words[i] != NULL; i++)
		if (strcmp(arg, row->words[i]) == 0) {
			*dst = i;
			return AD_OK;
		}
	return bad_choice(row, arg, err);
}

static enum ad_status set_double(const struct ad_opt *row, double *dst,
    const char *arg, struct ad_error *err)
{
	char opt[80];
	double v;

	if (parse_double(dashed(row, opt), arg, row->dmin, row->dmax,
	    (row->flags & AD_OPT_ABOVE_MIN) != 0, &v, err) != AD_OK)
		return AD_EUSAGE;
	*dst = v;
	return AD_OK;
}

static enum ad_status set_list(const struct ad_opt *row, char *base,
    const char *arg, struct ad_error *err)
{
	char ***dst = (char ***)(void *)(base + row->dst);
	size_t *count = (size_t *)(void *)(base + row->count);
	char opt[80], **items = NULL;
	size_t n = 0;

	enum ad_status st = ad_opt_split_list(dashed(row, opt), arg,
	    (row->flags & AD_OPT_EMPTY_OK) != 0, &items, &n, err);

	if (st != AD_OK)
		return st;
	ad_opt_free_list(*dst, *count);
	*dst = items;
	*count = n;
	return AD_OK;
}

/* Stores arg into row's destination in base, without counting it. */
static enum ad_status store(const struct ad_opt *row, char *base,
    const char *arg, struct ad_error *err)
{
	void *dst = base + row->dst;
	char opt[80];
	uint64_t v;
	enum ad_status st;

	switch (row->kind) {
	case AD_OPT_FLAG:
		*(int *)dst = 1;
		return AD_OK;
	case AD_OPT_STRING:
		*(const char **)dst = arg;
		return AD_OK;
	case AD_OPT_U64:
		return ad_opt_parse_u64(dashed(row, opt), arg, row->umin, row->umax,
		    dst, err);
	case AD_OPT_SIZE:
	case AD_OPT_UINT:
		st = ad_opt_parse_u64(dashed(row, opt), arg, row->umin, row->umax,
		    &v, err);
		if (st == AD_OK && row->kind == AD_OPT_SIZE)
			*(size_t *)dst = (size_t)v;
		else if (st == AD_OK)
			*(unsigned *)dst = (unsigned)v;
		return st;
	case AD_OPT_DOUBLE:
		return set_double(row, dst, arg, err);
	case AD_OPT_DELIM:
		return ad_opt_parse_delim(arg, dst, err);
	case AD_OPT_CHOICE:
		return set_choice(row, dst, arg, err);
	case AD_OPT_LIST:
		return set_list(row, base, arg, err);
	case AD_OPT_CUSTOM:
		return row->hook(row, base, arg, err);
	}
	return ad_error_set(err, AD_EUSAGE, "--%s: unknown kind of option",
	    row->name);
}

enum ad_status ad_opt_set(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	char *base = opts;

	if (row->given > 0)
		(*(int *)(void *)(base + row->given - 1))++;
	return store(row, base, arg, err);
}

enum ad_status ad_opt_defaults(const struct ad_opt *rows, size_t n,
    enum ad_opt_scope scope, void *opts, struct ad_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct ad_opt *row = &rows[i];
		enum ad_status st = AD_OK;

		if (row->name == NULL || row->scope != scope ||
		    (row->flags & AD_OPT_DEF_SHOWN))
			continue;
		if (row->def != NULL)
			st = store(row, opts, row->def, err);
		else if (row->kind == AD_OPT_CUSTOM)
			st = row->hook(row, opts, NULL, err);
		if (st != AD_OK)
			return st;
	}
	return AD_OK;
}

void ad_opt_free(const struct ad_opt *rows, size_t n, enum ad_opt_scope scope,
    void *opts)
{
	char *base = opts;

	for (size_t i = 0; i < n; i++) {
		const struct ad_opt *row = &rows[i];
		char ***items = (char ***)(void *)(base + row->dst);
		size_t *count = (size_t *)(void *)(base + row->count);

		if (row->name == NULL || row->scope != scope ||
		    row->kind != AD_OPT_LIST)
			continue;
		ad_opt_free_list(*items, *count);
		*items = NULL;
		*count = 0;
	}
}

enum ad_status ad_opt_threads(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	unsigned *dst = (unsigned *)(void *)((char *)opts + row->dst);
	long cores;
	uint64_t v;
	char opt[80];

	if (arg != NULL) {
		if (ad_opt_parse_u64(dashed(row, opt), arg, row->umin, row->umax,
		    &v, err) != AD_OK)
			return AD_EUSAGE;
		*dst = (unsigned)v;
		return AD_OK;
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	*dst = cores < 1 ? 1 : (uint64_t)cores > row->umax ?
	    (unsigned)row->umax : (unsigned)cores;
	return AD_OK;
}
