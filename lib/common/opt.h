#ifndef ADKIT_OPT_H
#define ADKIT_OPT_H
/*
 * Declarative options. Each option is one row: where its value goes (an
 * offset into the caller's options struct), how its argument is parsed and
 * checked, its default, its help, and its place in a Kubeflow Pipelines
 * component. The row is the only place an option is written down: lib/cli's
 * driver runs getopt_long over rows and generates the help and the
 * component from them; this module sets the rows' defaults and parses one
 * argument into its destination, with messages that name the option.
 *
 * Rows come in arrays a command concatenates (its own, a detector's, the
 * options every command shares); a row's scope says which of the caller's
 * structs its offsets are into, unless its array comes with a base of its
 * own (a detector's options block, lib/cli's struct ad_cli_block).
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "pool.h"

/* How a row's argument is parsed, and the type of its destination. */
enum ad_opt_kind {
	AD_OPT_FLAG,     /* int, set to 1; takes no value */
	AD_OPT_STRING,   /* const char *, borrowed from argv */
	AD_OPT_U64,      /* uint64_t, a whole number in [umin, umax] */
	AD_OPT_SIZE,     /* size_t, a whole number in [umin, umax] */
	AD_OPT_UINT,     /* unsigned, a whole number in [umin, umax] */
	AD_OPT_DOUBLE,   /* double, a finite number in [dmin, dmax] */
	AD_OPT_DELIM,    /* char: one byte, "\t" or "tab" */
	AD_OPT_CHOICE,   /* int or an enum: the index of the argument in words */
	AD_OPT_LIST,     /* char ** at dst and its size_t length at count: a
	                    comma-separated list (the last one given counts) */
	AD_OPT_CUSTOM    /* the row's hook parses and stores */
};

/* Row flags. */
enum {
	AD_OPT_ABOVE_MIN = 1,   /* DOUBLE: dmin itself is refused */
	AD_OPT_EMPTY_OK = 2,    /* LIST: "" and empty names are allowed */
	AD_OPT_DEF_UNSHOWN = 4, /* the help text states the default itself:
	                           no "(default X)" is added */
	AD_OPT_DEF_SHOWN = 8,   /* def is only shown: the library applies it
	                           (a zero there means "not given") */
	AD_OPT_REPEAT = 16      /* CUSTOM: may be given up to umax times; the
	                           component has as many optional inputs, NAME,
	                           NAME_2, ..., each passing the option once */
};

/* Which of the caller's structs a row's offsets are into. */
enum ad_opt_scope {
	AD_OPT_OWN = 0,         /* the command's own options */
	AD_OPT_COMMON = 1       /* the options every command shares */
};

/* An option's place in a Kubeflow Pipelines component (lib/cli). */
enum ad_opt_kfp {
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

struct ad_opt;

/* A CUSTOM row's parser: stores arg into opts (the struct of the row's
 * scope). arg is NULL when setting a default of a row without def. */
typedef enum ad_status (*ad_opt_hook)(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);

/* One option. A row whose name is NULL is a heading of the help (help). */
struct ad_opt {
	const char *name;      /* long name, without "--" */
	int key;               /* short letter, or 0 */
	const char *meta;      /* the value's name in the help; NULL: a flag */
	enum ad_opt_kind kind;
	size_t dst;            /* offsetof the destination in the scope's struct */
	size_t count;          /* LIST: offsetof the list's length */
	size_t given;          /* AD_OPT_GIVEN: an int counting the times the
	                        * option was given, or 0 */
	uint64_t umin, umax;   /* U64, SIZE, UINT, the threads hook; with
	                        * AD_OPT_REPEAT, the times it may be given */
	double dmin, dmax;     /* DOUBLE */
	const char *const *words;  /* CHOICE: NULL-terminated */
	ad_opt_hook hook;      /* CUSTOM */
	unsigned flags;        /* AD_OPT_ABOVE_MIN, ... */
	enum ad_opt_scope scope;
	unsigned tags;         /* the command's own grouping of its options */
	const char *def;       /* the default, parsed like a value given, and
	                        * shown by the help as "(default DEF)"; NULL:
	                        * the destination stays zero (CUSTOM: the hook
	                        * gets NULL) */
	const char *help;      /* one line of help, wrapped by the driver */
	enum ad_opt_kfp kfp;   /* its place in the component */
	const char *kfp_name;  /* its name in the component (default: name, '-'
	                        * as '_') */
	int kfp_required;      /* a step cannot run without this input */
	const char *kfp_unless; /* an output left out when the input of this
	                        * long name is given (--save unless --restore) */
	const char *kfp_instead; /* with kfp_unless: the long name of the
	                        * option that writes this output when that input
	                        * is given (--applied for --save) */
};

/* The destination field of a row: .dst = offsetof(type, field). */
#define AD_OPT_AT(type, field) .dst = offsetof(type, field)

/* A LIST row's kind and destination: the char ** field and its size_t
 * length n_field of type. */
#define AD_OPT_LIST_AT(type, field, n_field) AD_OPT_LIST, \
	AD_OPT_AT(type, field), .count = offsetof(type, n_field)

/* An int of type counting the times a row's option was given. */
#define AD_OPT_GIVEN(type, field) .given = offsetof(type, field) + 1

/* A help heading row. */
#define AD_OPT_HEADING(text) { .name = NULL, .help = (text) }

/* The seed of every command's random choices when --seed is not given. */
#define AD_SEED_DEFAULT 0
#define AD_OPT_STR_(x) #x
#define AD_OPT_STR(x) AD_OPT_STR_(x)

/* The --seed row of every command that draws at random, inside its braces
 * (more designators, such as AD_OPT_GIVEN, may follow): a uint64_t field
 * of type, AD_SEED_DEFAULT unless given; text says what the seed drives. */
#define AD_OPT_SEED(type, field, text) "seed", 0, "N", AD_OPT_U64, \
	AD_OPT_AT(type, field), .umax = UINT64_MAX, \
	.def = AD_OPT_STR(AD_SEED_DEFAULT), .kfp = AD_KFP_INTEGER, .help = (text)

/* The --threads row, the same in every command: the arguments place its
 * unsigned destination (AD_OPT_AT, and a scope); by default all cores. */
#define AD_OPT_THREADS_ROW(...) AD_OPT_THREADS_ROW_HELP( \
	"threads that parse the input and do the command's work; " \
	"the output does not depend on it (default: all cores)", __VA_ARGS__)

/* The same row with its own help, for a command whose threads do other
 * work (a server's answer requests). */
#define AD_OPT_THREADS_ROW_HELP(h, ...) { "threads", 0, "N", AD_OPT_CUSTOM, \
	__VA_ARGS__, .hook = ad_opt_threads, .umin = 1, \
	.umax = AD_THREADS_MAX, .kfp = AD_KFP_INTEGER, .help = h }

/* Sets the default of each row of rows[0..n) in scope into opts (already
 * zeroed): def parsed as if given, or a CUSTOM row's hook with NULL. */
enum ad_status ad_opt_defaults(const struct ad_opt *rows, size_t n,
    enum ad_opt_scope scope, void *opts, struct ad_error *err);

/* Parses arg (NULL for a flag) into the destination of row in opts, the
 * struct of the row's scope, and counts it as given. AD_EUSAGE names the
 * option; AD_ENOMEM. */
enum ad_status ad_opt_set(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);

/* Frees the lists the rows of rows[0..n) in scope put into opts. */
void ad_opt_free(const struct ad_opt *rows, size_t n, enum ad_opt_scope scope,
    void *opts);

/* The --threads hook (unsigned at dst): a whole number in [umin, umax],
 * by default the cores online, at most umax. */
enum ad_status ad_opt_threads(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);

/* Parses a whole number for option opt ("--trees") within [min, max]. */
enum ad_status ad_opt_parse_u64(const char *opt, const char *arg,
    uint64_t min, uint64_t max, uint64_t *out, struct ad_error *err);

/* Parses a finite number for option opt within (min, max]. */
enum ad_status ad_opt_parse_double_above(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err);

/* Parses a finite number for option opt within [min, max]. */
enum ad_status ad_opt_parse_double(const char *opt, const char *arg,
    double min, double max, double *out, struct ad_error *err);

/* Parses a one-byte delimiter: a character, "\t" or "tab". */
enum ad_status ad_opt_parse_delim(const char *arg, char *out,
    struct ad_error *err);

/* Parses a flag's value: true, false, 1, 0, yes, no, in any case; opt is
 * the long name without "--". */
enum ad_status ad_opt_parse_bool(const char *opt, const char *arg, int *out,
    struct ad_error *err);

/* Splits a comma-separated list (CSV quoting allowed for names with commas)
 * into *items (free with ad_opt_free_list); empty items are refused unless
 * allow_empty. */
enum ad_status ad_opt_split_list(const char *opt, const char *arg,
    int allow_empty, char ***items, size_t *n, struct ad_error *err);

/* Frees a list from ad_opt_split_list; NULL is a no-op. */
void ad_opt_free_list(char **items, size_t n);

#endif
