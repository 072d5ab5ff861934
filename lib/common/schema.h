#ifndef ADKIT_SCHEMA_H
#define ADKIT_SCHEMA_H
/*
 * The shape of a stream: its columns' names and types (struct ad_schema),
 * and the rule a column name follows wherever one is read.
 */
#include <stddef.h>

#include "ad.h"

enum ad_type {
	AD_NUMERIC = 0, /* IEEE-754 double, NaN = missing */
	AD_TEXT = 1     /* bytes, carried as they came */
};

struct ad_column {
	char *name;        /* NUL-terminated UTF-8 */
	enum ad_type type;
};

struct ad_schema {
	size_t ncols;
	struct ad_column *cols;
};

/* Allocates an empty schema. */
enum ad_status ad_schema_new(struct ad_schema **s, struct ad_error *err);

/* Frees s and its names; NULL is a no-op. */
void ad_schema_free(struct ad_schema *s);

/* Appends a column named name[0..len) (copied); the caller checks names. */
enum ad_status ad_schema_add(struct ad_schema *s, const char *name, size_t len,
    enum ad_type type, struct ad_error *err);

/* Whether s[0..len) is UTF-8 text without NUL or control bytes, the rule
 * for a column name wherever one is read (CSV, stream, params, model,
 * profile). */
int ad_schema_name_ok(const char *s, size_t len);

/* Returns a deep copy of s in *copy. */
enum ad_status ad_schema_copy(const struct ad_schema *s,
    struct ad_schema **copy, struct ad_error *err);

/* Index of the column called name, or SIZE_MAX. */
size_t ad_schema_find(const struct ad_schema *s, const char *name);

/* Sets err to AD_EDATA about file (may be NULL): `what column "name" is
 * not in the input` (what may be ""), with what helps find the right one:
 * the closest name of s, s's columns (the first few and a count) or, when
 * s's header is one field holding ';', a tab, '|' or ',', the -d to give.
 * Returns AD_EDATA. */
enum ad_status ad_schema_not_found(const struct ad_schema *s,
    const char *file, const char *what, const char *name,
    struct ad_error *err);

/* Checks that s has every column names[0..n) names; if not, sets err as
 * ad_schema_not_found does, naming each missing one (the closest name
 * only when one is missing), and returns AD_EDATA. */
enum ad_status ad_schema_require(const struct ad_schema *s,
    const char *file, const char *what, const char *const *names, size_t n,
    struct ad_error *err);

/* "numeric" or "text". */
const char *ad_schema_type_name(enum ad_type t);

#endif
