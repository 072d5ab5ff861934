/* Column names and types. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "schema.h"

enum ad_status ad_schema_new(struct ad_schema **s, struct ad_error *err)
{
	struct ad_schema *n = ad_calloc(1, sizeof *n);

	if (n == NULL)
		return ad_error_nomem(err);
	*s = n;
	return AD_OK;
}

void ad_schema_free(struct ad_schema *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncols; i++)
		ad_free(s->cols[i].name);
	ad_free(s->cols);
	ad_free(s);
}

enum ad_status ad_schema_add(struct ad_schema *s, const char *name, size_t len,
    enum ad_type type, struct ad_error *err)
{
	struct ad_column *cols;
	size_t bytes;
	char *copy;

	if (ad_mul_size(s->ncols + 1, sizeof *cols, &bytes) != 0 ||
	    len == SIZE_MAX)
		return ad_error_nomem(err);
	if ((copy = ad_malloc(len + 1)) == NULL)
		return ad_error_nomem(err);
	if ((cols = ad_realloc(s->cols, bytes)) == NULL) {
		ad_free(copy);
		return ad_error_nomem(err);
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	cols[s->ncols].name = copy;
	cols[s->ncols].type = type;
	s->cols = cols;
	s->ncols++;
	return AD_OK;
}

enum ad_status ad_schema_copy(const struct ad_schema *s,
    struct ad_schema **copy, struct ad_error *err)
{
	struct ad_schema *c = NULL;
	enum ad_status st;

	if ((st = ad_schema_new(&c, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < s->ncols; i++) {
		st = ad_schema_add(c, s->cols[i].name, strlen(s->cols[i].name),
		    s->cols[i].type, err);
		if (st != AD_OK) {
			ad_schema_free(c);
			return st;
		}
	}
	*copy = c;
	return AD_OK;
}

size_t ad_schema_find(const struct ad_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

const char *ad_schema_type_name(enum ad_type t)
{
	return t == AD_TEXT ? "text" : "numeric";
}

int ad_schema_name_ok(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
		else
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* ---- a column that is not there ---- */

/* Names longer than this are not compared for the closest one. */
#define CLOSE_MAX 64

/* Columns a message lists before "and N more". */
#define LISTED 8

/* Whether bytes x and y are equal but for an ASCII letter's case. */
static int same(char x, char y)
{
	return (x >= 'A' && x <= 'Z' ? x + 32 : x) ==
	    (y >= 'A' && y <= 'Z' ? y + 32 : y);
}

/* The edit distance between a and b, each at most CLOSE_MAX bytes:
 * insertions, deletions, substitutions and swaps of neighbours ("mme" is
 * one from "mem"), each string edited once (optimal string alignment);
 * ASCII letters' case does not count ("CPU" is "cpu"). */
static size_t edit_distance(const char *a, size_t na, const char *b,
    size_t nb)
{
	size_t rows[3][CLOSE_MAX + 1];
	size_t *two = rows[0], *one = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= nb; j++)
		one[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t best = one[j - 1] + !same(a[i - 1], b[j - 1]);

			if (one[j] + 1 < best)
				best = one[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
			    same(a[i - 2], b[j - 1]) && two[j - 2] + 1 < best)
				best = two[j - 2] + 1;
			cur[j] = best;
		}
		t = two;
		two = one;
		one = cur;
		cur = t;
	}
	return one[nb];
}

/* The column of s whose name is fewest edits from name, if a few edits
 * reach it (none but case for a name of one or two bytes, 1 up to five,
 * else 2 or a third of its length), else SIZE_MAX; the first of those as
 * near. */
static size_t closest(const struct ad_schema *s, const char *name)
{
	size_t n = strlen(name), best = SIZE_MAX;
	size_t dbest = n < 3 ? 0 : n < 6 ? 1 : n / 3 > 2 ? n / 3 : 2;

	if (n > CLOSE_MAX)
		return SIZE_MAX;
	for (size_t c = 0; c < s->ncols; c++) {
		size_t m = strlen(s->cols[c].name), d;

		if (m > CLOSE_MAX)
			continue;
		d = edit_distance(name, n, s->cols[c].name, m);
		if (d <= dbest && (best == SIZE_MAX || d < dbest)) {
			best = c;
			dbest = d;
		}
	}
	return best;
}

/* The delimiter a lone header field seems to hold, or 0. */
static char lone_field_delimiter(const struct ad_schema *s)
{
	static const char seps[] = ";\t|,";

	if (s->ncols != 1)
		return 0;
	for (const char *p = seps; *p != '\0'; p++)
		if (strchr(s->cols[0].name, *p) != NULL)
			return *p;
	return 0;
}

/* Appends printf-style text to buf[0..cap) at *len, as far as it fits. */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len += n < 0 || (size_t)n >= cap - *len ? cap - 1 - *len : (size_t)n;
}

/* Puts "what column "a" is" or "what columns "a", "b" and "c" are": the
 * names of names[0..n) that s lacks, of which there are `missing`. */
static void put_missing(char *msg, size_t cap, size_t *len,
    const struct ad_schema *s, const char *what, const char *const *names,
    size_t n, size_t missing)
{
	char ex[200];
	size_t k = 0;

	put(msg, cap, len, "%s%scolumn%s ", what, *what ? " " : "",
	    missing == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		if (ad_schema_find(s, names[i]) != SIZE_MAX)
			continue;
		ad_error_excerpt(ex, sizeof ex, names[i], strlen(names[i]), NULL);
		put(msg, cap, len, "%s\"%s\"", k == 0 ? "" : k + 1 == missing ?
		    " and " : ", ", ex);
		k++;
	}
	put(msg, cap, len, " %s not in the input", missing == 1 ? "is" : "are");
}

enum ad_status ad_schema_not_found(const struct ad_schema *s,
    const char *file, const char *what, const char *name,
    struct ad_error *err)
{
	return ad_schema_require(s, file, what, &name, 1, err);
}

enum ad_status ad_schema_require(const struct ad_schema *s,
    const char *file, const char *what, const char *const *names, size_t n,
    struct ad_error *err)
{
	char msg[sizeof err->msg], ex[200];
	size_t len = 0, near = SIZE_MAX, missing = 0, first = 0;
	char sep = lone_field_delimiter(s);

	for (size_t i = n; i-- > 0;)
		if (ad_schema_find(s, names[i]) == SIZE_MAX) {
			missing++;
			first = i;
		}
	if (missing == 0)
		return AD_OK;
	if (missing == 1)
		near = closest(s, names[first]);
	put_missing(msg, sizeof msg, &len, s, what, names, n, missing);
	if (near != SIZE_MAX) {
		ad_error_excerpt(ex, sizeof ex, s->cols[near].name,
		    strlen(s->cols[near].name), NULL);
		put(msg, sizeof msg, &len, "; did you mean \"%s\"?", ex);
		if (sep == 0 && s->ncols > 0)
			put(msg, sizeof msg, &len, " (");
	}
	if (sep != 0) {
		put(msg, sizeof msg, &len, "; its header is one field holding "
		    "'%s': if that separates the columns, give -d %s",
		    sep == '\t' ? "\\t" : (char[]){ sep, '\0' },
		    sep == '\t' ? "tab" : sep == '|' ? "'|'" : sep == ';' ?
		    "';'" : "','");
	} else if (s->ncols == 0) {
		put(msg, sizeof msg, &len, "; it has no columns");
	} else {
		put(msg, sizeof msg, &len, "%sits %zu column%s: ",
		    near == SIZE_MAX ? " (" : "", s->ncols,
		    s->ncols == 1 ? "" : "s");
		for (size_t c = 0; c < s->ncols && c < LISTED; c++) {
			ad_error_excerpt(ex, sizeof ex, s->cols[c].name,
			    strlen(s->cols[c].name), NULL);
			put(msg, sizeof msg, &len, "%s%s", c ? ", " : "", ex);
		}
		if (s->ncols > LISTED)
			put(msg, sizeof msg, &len, " and %zu more",
			    s->ncols - LISTED);
		put(msg, sizeof msg, &len, ")");
	}
	return ad_error_at(err, AD_EDATA, file, 0, 0, "%s", msg);
}
