/* Column names and types. */
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
