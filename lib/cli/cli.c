/* The commands' shared edge: messages, exit codes, the option driver. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"

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
		if (err->line > 0 && err->row) {
			fprintf(stderr, " row %llu", (unsigned long long)err->line);
			if (err->col > 0)
				fprintf(stderr, ", field %llu",
				    (unsigned long long)err->col);
			fputc(':', stderr);
		} else if (err->line > 0) {
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

enum ad_status ad_cli_one_input(int argc, char **argv, int first,
    const char **path, struct ad_error *err)
{
	if (first >= argc)
		return AD_OK;
	if (*path != NULL || first + 1 < argc)
		return ad_error_set(err, AD_EUSAGE, "give one input, as -i FILE "
		    "or FILE");
	*path = argv[first];
	return AD_OK;
}

/* ---- the option-table driver ---- */

#define HELP_COLUMN 24
#define HELP_WIDTH 78

/* The options the driver adds to every command, after the table's. */
static const struct ad_opt driver_opts[] = {
	{ "help", 'h', NULL, AD_OPT_FLAG, .help = "show this help" },
	{ "version", 'V', NULL, AD_OPT_FLAG, .help = "show the version" },
	{ "kfp-component", 0, NULL, AD_OPT_FLAG, .help = "print the Kubeflow "
	    "Pipelines component (YAML) and exit" },
	{ "image", 0, "IMAGE", AD_OPT_STRING, .help = "the component's image "
	    "(default: $ADKIT_IMAGE, else adkit:" AD_VERSION ")" },
};

#define N_DRIVER_OPTS (sizeof driver_opts / sizeof driver_opts[0])
#define DRIVER_HELP (&driver_opts[0])
#define DRIVER_VERSION (&driver_opts[1])
#define DRIVER_KFP (&driver_opts[2])
#define DRIVER_IMAGE (&driver_opts[3])

/* The number of cmd's rows, headings included. */
static size_t n_rows(const struct ad_cli_cmd *cmd)
{
	size_t n = 0;

	for (size_t b = 0; b < cmd->nblocks; b++)
		n += cmd->blocks[b].n;
	return n;
}

/* Row i of cmd's rows followed by the driver's, or NULL. */
static const struct ad_opt *row_at(const struct ad_cli_cmd *cmd, size_t i)
{
	for (size_t b = 0; b < cmd->nblocks; b++) {
		if (i < cmd->blocks[b].n)
			return &cmd->blocks[b].rows[i];
		i -= cmd->blocks[b].n;
	}
	return i < N_DRIVER_OPTS ? &driver_opts[i] : NULL;
}

/* Whether two strings, either possibly NULL, are equal. */
static int same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether rows a and b are the same option (names) or heading (texts). */
static int same_row(const struct ad_opt *a, const struct ad_opt *b)
{
	if (a->name == NULL || b->name == NULL)
		return a->name == b->name && same_text(a->help, b->help);
	return strcmp(a->name, b->name) == 0;
}

/* The first of cmd's rows that is the same option or heading as row i
 * (i itself when none before it is). */
static size_t first_of(const struct ad_cli_cmd *cmd, size_t i)
{
	const struct ad_opt *o = row_at(cmd, i);

	for (size_t j = 0; j < i; j++)
		if (same_row(row_at(cmd, j), o))
			return j;
	return i;
}

/* Whether row i repeats an earlier row: then only the earlier one is
 * shown, and taken by getopt. */
static int repeated(const struct ad_cli_cmd *cmd, size_t i)
{
	return first_of(cmd, i) != i;
}

/* Where the destinations of row i are: its block's base, or the struct
 * of its scope. */
static void *row_base(const struct ad_cli_cmd *cmd, size_t i, void *opts,
    struct ad_cli_common *common)
{
	size_t k = i;

	for (size_t b = 0; b < cmd->nblocks; b++) {
		if (k < cmd->blocks[b].n) {
			if (cmd->blocks[b].base != NULL)
				return cmd->blocks[b].base;
			break;
		}
		k -= cmd->blocks[b].n;
	}
	return row_at(cmd, i)->scope == AD_OPT_COMMON ? (void *)common : opts;
}

/* Checks that rows sharing a name declare the same option. */
static enum ad_status check_repeated(const struct ad_cli_cmd *cmd,
    struct ad_error *err)
{
	size_t n = n_rows(cmd);

	for (size_t i = 0; i < n; i++) {
		const struct ad_opt *o = row_at(cmd, i), *p;

		if (o->name == NULL || !repeated(cmd, i))
			continue;
		p = row_at(cmd, first_of(cmd, i));
		if (o->key != p->key || !same_text(o->meta, p->meta) ||
		    !same_text(o->help, p->help) || !same_text(o->def, p->def) ||
		    o->kfp != p->kfp || o->flags != p->flags)
			return ad_error_set(err, AD_EUSAGE, "option table: --%s is "
			    "declared twice, differently", o->name);
	}
	return AD_OK;
}

/* The option row of long name, or NULL. */
static const struct ad_opt *row_named(const struct ad_cli_cmd *cmd,
    const char *name)
{
	const struct ad_opt *o;

	for (size_t i = 0; (o = row_at(cmd, i)) != NULL; i++)
		if (o->name != NULL && strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* getopt_long's value for row i: its letter, or above CHAR_MAX. */
static int row_val(const struct ad_opt *o, size_t i)
{
	return o->key > 0 && o->key <= CHAR_MAX ? o->key :
	    CHAR_MAX + 1 + (int)i;
}

/* The index of the row getopt_long's value c stands for, or SIZE_MAX. */
static size_t row_of_val(const struct ad_cli_cmd *cmd, int c)
{
	const struct ad_opt *o;

	for (size_t i = 0; (o = row_at(cmd, i)) != NULL; i++)
		if (o->name != NULL && row_val(o, i) == c && !repeated(cmd, i))
			return i;
	return SIZE_MAX;
}

int ad_cli_usage_error(const struct ad_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\nTry '%s --help' for more.\n", cmd->usage,
	    cmd->name);
	return AD_EXIT_USAGE;
}

int ad_cli_fail(const struct ad_cli_cmd *cmd, const struct ad_error *err)
{
	if (err->code == AD_EUSAGE)
		return ad_cli_usage_error(cmd, "%s", err->msg);
	return ad_cli_report(cmd->name, err);
}

/* ---- help ---- */

/* Word wrapping: words go on the line while they fit in width. */
struct wrap {
	FILE *f;
	size_t pos;       /* the column the next character goes to */
	size_t indent;    /* where continuation lines start */
	int fresh;        /* no space before the next word */
};

static void wrap_word(struct wrap *w, const char *s, size_t n,
    const char *tail)
{
	size_t len = n + strlen(tail);

	if (!w->fresh && w->pos + 1 + len > HELP_WIDTH) {
		fprintf(w->f, "\n%*s", (int)w->indent, "");
		w->pos = w->indent;
	} else if (!w->fresh) {
		fputc(' ', w->f);
		w->pos++;
	}
	fwrite(s, 1, n, w->f);
	fputs(tail, w->f);
	w->pos += len;
	w->fresh = 0;
}

static void wrap_text(struct wrap *w, const char *text)
{
	while (*text != '\0') {
		size_t n = strcspn(text, " ");

		if (n > 0)
			wrap_word(w, text, n, "");
		text += n;
		text += strspn(text, " ");
	}
}

/* Whether the help adds "(default X)" to the row's text. */
static int shows_default(const struct ad_opt *o)
{
	return o->def != NULL && !(o->flags & AD_OPT_DEF_UNSHOWN);
}

/* "  -s, --save PARAMS" or "      --strict", padded to the column. */
static void help_row(FILE *f, const struct ad_opt *o, size_t column)
{
	struct wrap w = { f, 0, column, 1 };
	int n;

	if (o->key > 0 && o->key <= CHAR_MAX)
		n = fprintf(f, "  -%c, --%s", o->key, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->meta != NULL)
		n += fprintf(f, " %s", o->meta);
	w.pos = n < 0 ? 0 : (size_t)n;
	if (w.pos + 1 < column) {
		fprintf(f, "%*s", (int)(column - w.pos), "");
		w.pos = column;
	} else {
		fputs("  ", f);
		w.pos += 2;
	}
	wrap_text(&w, o->help);
	if (shows_default(o)) {
		wrap_word(&w, "(default", 8, "");
		wrap_word(&w, o->def, strlen(o->def), ")");
	}
	fputc('\n', f);
}

void ad_cli_write_help(FILE *f, const struct ad_cli_cmd *cmd)
{
	size_t column = cmd->column > 0 ? (size_t)cmd->column : HELP_COLUMN;
	struct wrap w = { f, 0, 0, 1 };
	const struct ad_opt *o;

	fprintf(f, "%s:", cmd->name);
	w.pos = strlen(cmd->name) + 1;
	w.fresh = 0;
	wrap_text(&w, cmd->summary);
	fprintf(f, "\n\nusage: %s\n\n", cmd->usage);
	if (cmd->examples != NULL)
		fputs(cmd->examples, f);
	for (size_t i = 0; (o = row_at(cmd, i)) != NULL; i++)
		if (repeated(cmd, i))
			continue;
		else if (o->name == NULL)
			fprintf(f, "\n%s\n", o->help);
		else
			help_row(f, o, column);
	if (cmd->footer != NULL)
		fprintf(f, "\n%s", cmd->footer);
}

/* ---- the component ---- */

/* Writes s escaped for a YAML double-quoted scalar: safe whatever it holds. */
static void yaml_chars(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	yaml_chars(f, s);
	fputc('"', f);
}

/* The option's name in the component: kfp_name, or name with '_' for '-'
 * (in buf). */
static const char *kfp_name(const struct ad_opt *o, char buf[64])
{
	size_t i;

	if (o->kfp_name != NULL)
		return o->kfp_name;
	for (i = 0; o->name[i] != '\0' && i + 1 < 64; i++)
		buf[i] = o->name[i] == '-' ? '_' : o->name[i];
	buf[i] = '\0';
	return buf;
}

/* The copies of a row in the component: umax for AD_OPT_REPEAT, else 1. */
static unsigned copies(const struct ad_opt *o)
{
	return o->flags & AD_OPT_REPEAT ? (unsigned)o->umax : 1;
}

/* The name of copy nth (1, 2, ...) of the option: NAME, NAME_2, ... */
static void yaml_name_nth(FILE *f, const struct ad_opt *o, unsigned nth)
{
	char buf[64], name[80];

	if (nth <= 1) {
		yaml_str(f, kfp_name(o, buf));
		return;
	}
	snprintf(name, sizeof name, "%s_%u", kfp_name(o, buf), nth);
	yaml_str(f, name);
}

static void yaml_name(FILE *f, const struct ad_opt *o)
{
	yaml_name_nth(f, o, 1);
}

static const char *const kfp_types[] = {
	[AD_KFP_IN_DATASET] = "Dataset", [AD_KFP_IN_MODEL] = "Model",
	[AD_KFP_IN_ARTIFACT] = "Artifact", [AD_KFP_OUT_DATASET] = "Dataset",
	[AD_KFP_OUT_MODEL] = "Model", [AD_KFP_OUT_ARTIFACT] = "Artifact",
	[AD_KFP_OUT_METRICS] = "Metrics", [AD_KFP_OUT_BOOLEAN] = "Boolean",
	[AD_KFP_STRING] = "String", [AD_KFP_INTEGER] = "Integer",
	[AD_KFP_FLOAT] = "Float", [AD_KFP_BOOLEAN] = "Boolean",
};

static int is_output(enum ad_opt_kfp k)
{
	return k >= AD_KFP_OUT_DATASET && k <= AD_KFP_OUT_BOOLEAN;
}

static int is_input(enum ad_opt_kfp k)
{
	return (k >= AD_KFP_IN_DATASET && k <= AD_KFP_IN_ARTIFACT) ||
	    k >= AD_KFP_STRING;
}

/* Checks what the component needs of the table: roles that fit the kind
 * of option, names used once, --x unless --y naming an optional input. */
static enum ad_status check_table(const struct ad_cli_cmd *cmd,
    struct ad_error *err)
{
	size_t n = n_rows(cmd);
	enum ad_status st = check_repeated(cmd, err);

	for (size_t i = 0; st == AD_OK && i < n; i++) {
		const struct ad_opt *o = row_at(cmd, i), *u;
		int flag_role = o->kfp == AD_KFP_NONE || o->kfp == AD_KFP_FIXED ||
		    o->kfp == AD_KFP_BOOLEAN;

		if (o->name == NULL || repeated(cmd, i))
			continue;
		if ((o->meta == NULL) != flag_role && o->kfp != AD_KFP_NONE)
			return ad_error_set(err, AD_EUSAGE, "option table: --%s "
			    "cannot have its component role", o->name);
		if (o->kfp_required && (!is_input(o->kfp) ||
		    o->kfp == AD_KFP_BOOLEAN))
			return ad_error_set(err, AD_EUSAGE, "option table: --%s "
			    "is required but no input", o->name);
		u = o->kfp_unless ? row_named(cmd, o->kfp_unless) : NULL;
		if (o->kfp_unless && (!is_output(o->kfp) || u == NULL ||
		    !is_input(u->kfp) || u->meta == NULL || u->kfp_required ||
		    (u->flags & AD_OPT_REPEAT)))
			return ad_error_set(err, AD_EUSAGE, "option table: --%s "
			    "must be an output left out for an optional input",
			    o->name);
		if ((o->flags & AD_OPT_REPEAT) && (o->kind != AD_OPT_CUSTOM ||
		    o->kfp < AD_KFP_STRING || o->kfp == AD_KFP_BOOLEAN ||
		    o->kfp_required || o->umax < 2 || o->umax > 99))
			return ad_error_set(err, AD_EUSAGE, "option table: --%s "
			    "cannot repeat in the component", o->name);
		if (o->kfp_instead && (o->kfp_unless == NULL ||
		    row_named(cmd, o->kfp_instead) == NULL))
			return ad_error_set(err, AD_EUSAGE, "option table: --%s "
			    "has no option to write it instead", o->name);
		for (size_t j = 0; j < i && o->kfp > AD_KFP_FIXED; j++) {
			const struct ad_opt *p = row_at(cmd, j);
			char a[64], b[64];

			if (p->name != NULL && p->kfp > AD_KFP_FIXED &&
			    !repeated(cmd, j) &&
			    strcmp(kfp_name(o, a), kfp_name(p, b)) == 0)
				return ad_error_set(err, AD_EUSAGE, "option table: "
				    "two options named %s", a);
		}
	}
	return st;
}

/* "--name: help (default X)" */
static void yaml_description(FILE *f, const struct ad_opt *o)
{
	fputs("\"--", f);
	yaml_chars(f, o->name);
	fputs(": ", f);
	yaml_chars(f, o->help);
	if (shows_default(o)) {
		fputs(" (default ", f);
		yaml_chars(f, o->def);
		fputc(')', f);
	}
	fputc('"', f);
}

/* Input or output nth (1, 2, ...) of option o. */
static void yaml_io_one(FILE *f, const struct ad_opt *o, int output,
    unsigned nth)
{
	fputs("- name: ", f);
	yaml_name_nth(f, o, nth);
	fputs("\n  type: ", f);
	yaml_str(f, kfp_types[o->kfp]);
	fputs("\n  description: ", f);
	if (nth <= 1) {
		yaml_description(f, o);
	} else {
		fputs("\"--", f);
		yaml_chars(f, o->name);
		fprintf(f, " again (%u of up to %u, in order)\"", nth, copies(o));
	}
	if (o->kfp == AD_KFP_BOOLEAN)
		fputs("\n  default: \"false\"", f);
	else if (!output && !o->kfp_required)
		fputs("\n  optional: true", f);
	fputc('\n', f);
}

/* The inputs, required ones first, or the outputs. */
static void yaml_io(FILE *f, const struct ad_cli_cmd *cmd, int outputs)
{
	int any = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_rows(cmd); i++) {
			const struct ad_opt *o = row_at(cmd, i);

			if (o->name == NULL || repeated(cmd, i) ||
			    (outputs ? !is_output(o->kfp) ||
			    pass > 0 : !is_input(o->kfp) ||
			    o->kfp_required != (pass == 0)))
				continue;
			if (!any)
				fputs(outputs ? "outputs:\n" : "inputs:\n", f);
			any = 1;
			for (unsigned k = 1; k <= copies(o); k++)
				yaml_io_one(f, o, outputs, k);
		}
}

/* {inputPath: NAME}, {outputPath: NAME} or {inputValue: NAME}, of copy
 * nth (1, 2, ...) */
static void yaml_placeholder_nth(FILE *f, const struct ad_opt *o, unsigned nth)
{
	fputs(is_output(o->kfp) ? "{outputPath: " : o->kfp >= AD_KFP_STRING ?
	    "{inputValue: " : "{inputPath: ", f);
	yaml_name_nth(f, o, nth);
	fputc('}', f);
}

static void yaml_placeholder(FILE *f, const struct ad_opt *o)
{
	yaml_placeholder_nth(f, o, 1);
}

static void yaml_opt(FILE *f, const struct ad_opt *o, const char *tail)
{
	char opt[80];

	snprintf(opt, sizeof opt, "--%s%s", o->name, tail);
	yaml_str(f, opt);
}

/* The items of args that pass option o, if any. */
static void yaml_arg(FILE *f, const struct ad_cli_cmd *cmd,
    const struct ad_opt *o)
{
	const struct ad_opt *unless = NULL;

	/* an output left out for an input goes with the input */
	if (o->name == NULL || o->kfp == AD_KFP_NONE || o->kfp_unless)
		return;
	if (o->flags & AD_OPT_REPEAT) {
		/* no placeholder repeats an option for each item of a list:
		 * each copy of the input passes it once, when given */
		for (unsigned k = 1; k <= copies(o); k++) {
			fputs("    - {if: {cond: {isPresent: ", f);
			yaml_name_nth(f, o, k);
			fputs("}, then: [", f);
			yaml_opt(f, o, "");
			fputs(", ", f);
			yaml_placeholder_nth(f, o, k);
			fputs("]}}\n", f);
		}
		return;
	}
	fputs("    - ", f);
	if (o->kfp == AD_KFP_FIXED) {
		yaml_opt(f, o, "");
	} else if (o->kfp == AD_KFP_BOOLEAN) {
		fputs("{concat: [", f);
		yaml_opt(f, o, "=");
		fputs(", {inputValue: ", f);
		yaml_name(f, o);
		fputs("}]}", f);
	} else if (is_output(o->kfp) || o->kfp_required) {
		yaml_opt(f, o, "");
		fputs("\n    - ", f);
		yaml_placeholder(f, o);
	} else {
		for (size_t i = 0; i < n_rows(cmd); i++) {
			const struct ad_opt *u = row_at(cmd, i);

			if (u->name != NULL && u->kfp_unless != NULL &&
			    strcmp(u->kfp_unless, o->name) == 0)
				unless = u;
		}
		fputs("{if: {cond: {isPresent: ", f);
		yaml_name(f, o);
		fputs("}, then: [", f);
		yaml_opt(f, o, "");
		fputs(", ", f);
		yaml_placeholder(f, o);
		if (unless != NULL && unless->kfp_instead != NULL) {
			fputs(", ", f);
			yaml_opt(f, row_named(cmd, unless->kfp_instead), "");
			fputs(", ", f);
			yaml_placeholder(f, unless);
		}
		if (unless != NULL) {
			fputs("], else: [", f);
			yaml_opt(f, unless, "");
			fputs(", ", f);
			yaml_placeholder(f, unless);
		}
		fputs("]}}", f);
	}
	fputc('\n', f);
}

enum ad_status ad_cli_write_component(FILE *f, const struct ad_cli_cmd *cmd,
    const char *image, struct ad_error *err)
{
	enum ad_status st = check_table(cmd, err);

	if (st != AD_OK)
		return st;
	fprintf(f, "# The Kubeflow Pipelines component of %s, written by "
	    "`%s --kfp-component`.\n", cmd->name, cmd->name);
	fputs("name: ", f);
	yaml_str(f, cmd->name);
	fputs("\ndescription: ", f);
	yaml_str(f, cmd->summary);
	fputc('\n', f);
	yaml_io(f, cmd, 0);
	yaml_io(f, cmd, 1);
	fputs("implementation:\n  container:\n    image: ", f);
	yaml_str(f, image);
	fputs("\n    command:\n    - ", f);
	yaml_str(f, cmd->name);
	fputs("\n    args:\n", f);
	for (size_t i = 0; i < n_rows(cmd); i++)
		if (!repeated(cmd, i))
			yaml_arg(f, cmd, row_at(cmd, i));
	return AD_OK;
}

/* ---- parsing ---- */

/* The getopt_long tables for cmd's rows and the driver's own options. */
static enum ad_status getopt_tables(const struct ad_cli_cmd *cmd,
    struct option **longopts, char **shortopts, struct ad_error *err)
{
	size_t n = n_rows(cmd), nl = 0, ns = 0;
	struct option *l = ad_calloc(n + N_DRIVER_OPTS + 1, sizeof *l);
	char *s = ad_malloc(2 * (n + N_DRIVER_OPTS) + 2);
	const struct ad_opt *o;

	if (l == NULL || s == NULL) {
		ad_free(l);
		ad_free(s);
		return ad_error_nomem(err);
	}
	s[ns++] = ':';
	for (size_t i = 0; (o = row_at(cmd, i)) != NULL; i++) {
		if (o->name == NULL || repeated(cmd, i))
			continue;
		/* the table's flags take an optional true or false */
		l[nl++] = (struct option){ o->name, o->meta != NULL ?
		    required_argument : i >= n ? no_argument : optional_argument,
		    NULL, row_val(o, i) };
		if (o->key > 0 && o->key <= CHAR_MAX) {
			s[ns++] = (char)o->key;
			if (o->meta != NULL)
				s[ns++] = ':';
		}
	}
	s[ns] = '\0';
	*longopts = l;
	*shortopts = s;
	return AD_OK;
}

/* Writes the component; returns the exit code. */
static int print_component(const struct ad_cli_cmd *cmd, const char *image)
{
	const char *env = getenv("ADKIT_IMAGE");
	char dflt[64];
	struct ad_error err;

	ad_error_clear(&err);
	snprintf(dflt, sizeof dflt, "adkit:%s", AD_VERSION);
	if (image == NULL)
		image = env != NULL && env[0] != '\0' ? env : dflt;
	if (ad_cli_write_component(stdout, cmd, image, &err) != AD_OK)
		return ad_cli_fail(cmd, &err);
	return finish_stdout();
}

/* The usage error of getopt_long's '?' or ':' for the last argument. */
static int getopt_error(const struct ad_cli_cmd *cmd, int c,
    const char *bad)
{
	int known = optopt != 0 && row_of_val(cmd, optopt) != SIZE_MAX;

	if (c == ':')
		return ad_cli_usage_error(cmd, "option %s needs a value", bad);
	if (known && strncmp(bad, "--", 2) == 0)
		return ad_cli_usage_error(cmd, "option %.*s takes no value",
		    (int)strcspn(bad, "="), bad);
	return ad_cli_usage_error(cmd, "unknown option %s", bad);
}

/* Parses one of the command's options, row i and the rows repeating it,
 * each into its destination; returns -1 to go on, or the exit code. */
static int take_opt(const struct ad_cli_cmd *cmd, size_t i, const char *arg,
    void *opts, struct ad_cli_common *common, int *taken)
{
	const struct ad_opt *o = row_at(cmd, i);
	size_t n = n_rows(cmd);
	struct ad_error err;
	int on = 1;

	ad_error_clear(&err);
	if (o->meta == NULL && arg != NULL) {
		if (ad_opt_parse_bool(o->name, arg, &on, &err) != AD_OK)
			return ad_cli_fail(cmd, &err);
		arg = NULL;
	}
	(*taken)++;
	if (!on)
		return -1;
	if (cmd->seen != NULL)
		cmd->seen(opts, o);
	for (size_t j = i; j < n; j++)
		if ((j == i || same_row(row_at(cmd, j), o)) &&
		    ad_opt_set(row_at(cmd, j), row_base(cmd, j, opts, common), arg,
		    &err) != AD_OK)
			return ad_cli_fail(cmd, &err);
	return -1;
}

/* Sets the defaults of every row; returns -1, or the exit code. */
static int set_defaults(const struct ad_cli_cmd *cmd, void *opts,
    struct ad_cli_common *common)
{
	struct ad_error err;

	ad_error_clear(&err);
	for (size_t b = 0; b < cmd->nblocks; b++) {
		const struct ad_cli_block *k = &cmd->blocks[b];

		if (k->base != NULL ? ad_opt_defaults(k->rows, k->n, AD_OPT_OWN,
		    k->base, &err) != AD_OK :
		    ad_opt_defaults(k->rows, k->n, AD_OPT_OWN, opts, &err) != AD_OK ||
		    ad_opt_defaults(k->rows, k->n, AD_OPT_COMMON, common, &err) !=
		    AD_OK)
			return ad_cli_fail(cmd, &err);
	}
	return -1;
}

void ad_cli_free(const struct ad_cli_cmd *cmd, void *opts,
    struct ad_cli_common *common)
{
	for (size_t b = 0; b < cmd->nblocks; b++) {
		const struct ad_cli_block *k = &cmd->blocks[b];

		if (k->base != NULL) {
			ad_opt_free(k->rows, k->n, AD_OPT_OWN, k->base);
			continue;
		}
		ad_opt_free(k->rows, k->n, AD_OPT_OWN, opts);
		ad_opt_free(k->rows, k->n, AD_OPT_COMMON, common);
	}
}

int ad_cli_parse(const struct ad_cli_cmd *cmd, int argc, char **argv,
    void *opts, struct ad_cli_common *common, int *first)
{
	struct option *longopts = NULL;
	char *shortopts = NULL;
	struct ad_error err;
	const char *image = NULL;
	int c, code, kfp = 0, taken = 0;

	ad_error_clear(&err);
	if (check_repeated(cmd, &err) != AD_OK)
		return ad_cli_fail(cmd, &err);
	if ((code = set_defaults(cmd, opts, common)) >= 0)
		return code;
	if (getopt_tables(cmd, &longopts, &shortopts, &err) != AD_OK)
		return ad_cli_report(cmd->name, &err);
	optind = 0;   /* glibc: start afresh, as for a new argv */
	opterr = 0;
	while (code < 0 && (c = getopt_long(argc, argv, shortopts, longopts,
	    NULL)) != -1) {
		size_t i = row_of_val(cmd, c);
		const struct ad_opt *o = row_at(cmd, i);

		if (c == '?' || c == ':' || o == NULL) {
			code = getopt_error(cmd, c, argv[optind - 1]);
		} else if (o == DRIVER_HELP) {
			ad_cli_write_help(stdout, cmd);
			code = finish_stdout();
		} else if (o == DRIVER_VERSION) {
			code = ad_cli_version(cmd->name);
		} else if (o == DRIVER_KFP) {
			kfp = 1;
		} else if (o == DRIVER_IMAGE) {
			image = optarg;
		} else {
			code = take_opt(cmd, i, optarg, opts, common, &taken);
		}
	}
	ad_free(longopts);
	ad_free(shortopts);
	if (code >= 0)
		return code;
	if (image != NULL && !kfp)
		return ad_cli_usage_error(cmd, "--image goes with --kfp-component");
	if (image != NULL && image[0] == '\0')
		return ad_cli_usage_error(cmd, "--image must not be empty");
	if (kfp && (taken > 0 || optind < argc))
		return ad_cli_usage_error(cmd, "--kfp-component takes no other "
		    "option than --image, and no operand");
	if (kfp)
		return print_component(cmd, image);
	*first = optind;
	return -1;
}
