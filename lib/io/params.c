/* Parameter files: see params.h for the format. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "in.h"
#include "num.h"
#include "out.h"
#include "params.h"
#include "sha256.h"

#define MAGIC "adkit-params"

/* A params file is read whole; this bounds what a wrong file can cost. */
enum { MAX_PARAMS_BYTES = 256 << 20 };

struct ad_params {
	unsigned char sha256[32]; /* of the file's bytes */
	char *name;
	char *text;      /* the file as read, for ad_params_copy */
	size_t textlen;
	struct ad_pline *lines;
	size_t n;
};

static void free_line(struct ad_pline *l)
{
	for (size_t i = 0; i < l->ntok; i++)
		ad_free(l->tok[i]);
	ad_free(l->tok);
	ad_free(l->len);
}

void ad_params_free(struct ad_params *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free_line(&p->lines[i]);
	ad_free(p->lines);
	ad_free(p->name);
	ad_free(p->text);
	ad_free(p);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one quoted token starting after its opening quote; returns the
 * position after the closing quote, or NULL if malformed. */
static const char *unquote(const char *s, const char *end, char *dst,
    size_t *len)
{
	size_t n = 0;

	while (s < end && *s != '"') {
		char c = *s++;
		if (c == '\\') {
			if (s >= end)
				return NULL;
			c = *s++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '\\': case '"': break;
			case 'x': {
				int hi, lo;
				if (end - s < 2 || (hi = hexval(s[0])) < 0 ||
				    (lo = hexval(s[1])) < 0)
					return NULL;
				c = (char)(hi * 16 + lo);
				s += 2;
				break;
			}
			default:
				return NULL;
			}
		}
		dst[n++] = c;
	}
	if (s >= end)
		return NULL;
	*len = n;
	return s + 1;
}

static int add_token(struct ad_pline *l, const char *s, size_t len)
{
	char **tok = ad_realloc(l->tok, (l->ntok + 1) * sizeof *tok);
	size_t *lens;

	if (tok == NULL)
		return -1;
	l->tok = tok;
	lens = ad_realloc(l->len, (l->ntok + 1) * sizeof *lens);
	if (lens == NULL)
		return -1;
	l->len = lens;
	if ((tok[l->ntok] = ad_malloc(len + 1)) == NULL)
		return -1;
	memcpy(tok[l->ntok], s, len);
	tok[l->ntok][len] = '\0';
	lens[l->ntok] = len;
	l->ntok++;
	return 0;
}

/* Splits one line into tokens; scratch holds at least the line's length. */
static enum ad_status tokenize(const char *name, uint64_t lineno,
    const char *s, const char *end, char *scratch, struct ad_pline *l,
    struct ad_error *err)
{
	l->line = lineno;
	while (s < end) {
		const char *start;
		size_t len;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s == '"') {
			const char *next = unquote(s + 1, end, scratch, &len);
			if (next == NULL || (next < end && *next != ' '))
				return ad_error_at(err, AD_EDATA, name, lineno,
				    l->ntok + 1, "malformed quoted token");
			if (add_token(l, scratch, len) != 0)
				return ad_error_nomem(err);
			s = next;
			continue;
		}
		for (start = s; s < end && *s != ' '; s++)
			if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e ||
			    *s == '\\')
				return ad_error_at(err, AD_EDATA, name, lineno,
				    l->ntok + 1, "unexpected byte 0x%02x",
				    (unsigned char)*s);
		if (add_token(l, start, (size_t)(s - start)) != 0)
			return ad_error_nomem(err);
	}
	return AD_OK;
}

/* Reads the whole file into a NUL-terminated buffer. */
static enum ad_status slurp(const char *path, char **text, size_t *len,
    char **name, struct ad_error *err)
{
	struct ad_in *in;
	char *buf = NULL;
	size_t n = 0;
	enum ad_status st;

	if ((st = ad_in_open(&in, path, err)) != AD_OK)
		return st;
	for (;;) {
		const unsigned char *p;
		size_t got;
		char *nb;

		if ((st = ad_in_next(in, &p, &got, err)) != AD_OK)
			goto fail;
		if (got == 0)
			break;
		if (n + got > MAX_PARAMS_BYTES) {
			st = ad_error_at(err, AD_EDATA, path, 0, 0,
			    "params file larger than %d MiB", MAX_PARAMS_BYTES >> 20);
			goto fail;
		}
		if ((nb = ad_realloc(buf, n + got + 1)) == NULL) {
			st = ad_error_nomem(err);
			goto fail;
		}
		buf = nb;
		memcpy(buf + n, p, got);
		n += got;
	}
	if (buf == NULL && (buf = ad_malloc(1)) == NULL) {
		st = ad_error_nomem(err);
		goto fail;
	}
	buf[n] = '\0';
	{
		const char *nm = ad_in_name(in);
		size_t nl = strlen(nm) + 1;
		if ((*name = ad_malloc(nl)) == NULL) {
			st = ad_error_nomem(err);
			goto fail;
		}
		memcpy(*name, nm, nl);
	}
	ad_in_close(in);
	*text = buf;
	*len = n;
	return AD_OK;
fail:
	ad_free(buf);
	ad_in_close(in);
	return st;
}

static enum ad_status check_magic(const struct ad_params *p,
    const struct ad_pline *first, const char *command, struct ad_error *err)
{
	double v;

	if (first->ntok != 3 || strcmp(first->tok[0], MAGIC) != 0 ||
	    ad_num_parse(first->tok[1], first->len[1], &v) != AD_NUM_OK)
		return ad_error_at(err, AD_EDATA, p->name, 1, 0,
		    "not an adkit params file");
	if (v != AD_PARAMS_VERSION)
		return ad_error_at(err, AD_EDATA, p->name, 1, 0,
		    "params format version %s is not supported (this adkit "
		    "reads version %d)", first->tok[1], AD_PARAMS_VERSION);
	if (strcmp(first->tok[2], command) != 0)
		return ad_error_at(err, AD_EDATA, p->name, 1, 0,
		    "params file was written by %s, not %s", first->tok[2],
		    command);
	return AD_OK;
}

static enum ad_status digest(const char *text, size_t len,
    unsigned char out[32], struct ad_error *err)
{
	struct ad_sha256 *h;
	enum ad_status st = ad_sha256_new(&h, err);

	if (st != AD_OK)
		return st;
	ad_sha256_update(h, text, len);
	ad_sha256_final(h, out);
	ad_sha256_free(h);
	return AD_OK;
}

const unsigned char *ad_params_sha256(const struct ad_params *p)
{
	return p->sha256;
}

enum ad_status ad_params_load(struct ad_params **out, const char *path,
    const char *command, struct ad_error *err)
{
	struct ad_params *p;
	struct ad_pline first = { 0, 0, NULL, NULL };
	char *text = NULL, *scratch = NULL;
	const char *kind;
	size_t len = 0;
	uint64_t lineno = 0;
	enum ad_status st;

	if ((p = ad_calloc(1, sizeof *p)) == NULL)
		return ad_error_nomem(err);
	if ((st = slurp(path, &text, &len, &p->name, err)) != AD_OK ||
	    (st = digest(text, len, p->sha256, err)) != AD_OK)
		goto out;
	if ((kind = ad_file_kind((const unsigned char *)text, len)) != NULL) {
		st = ad_error_at(err, AD_EDATA, p->name, 0, 0, "not a params "
		    "file but %s", kind);
		goto out;
	}
	if ((scratch = ad_malloc(len + 1)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (const char *s = text, *end = text + len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		struct ad_pline *l;

		lineno++;
		if (lineno == 1) {
			st = tokenize(p->name, 1, s, e, scratch, &first, err);
			if (st == AD_OK)
				st = check_magic(p, &first, command, err);
		} else if (e > s) {
			l = ad_realloc(p->lines, (p->n + 1) * sizeof *l);
			if (l == NULL) {
				st = ad_error_nomem(err);
				goto out;
			}
			p->lines = l;
			memset(&l[p->n], 0, sizeof *l);
			p->n++;
			st = tokenize(p->name, lineno, s, e, scratch,
			    &l[p->n - 1], err);
			if (st == AD_OK && l[p->n - 1].ntok == 0)
				free_line(&l[--p->n]);   /* a blank line */
		}
		if (st != AD_OK)
			goto out;
		s = nl ? nl + 1 : end;
	}
	if (lineno == 0)
		st = ad_error_at(err, AD_EDATA, p->name, 0, 0,
		    "empty params file");
out:
	free_line(&first);
	ad_free(scratch);
	if (st != AD_OK) {
		ad_free(text);
		ad_params_free(p);
		return st;
	}
	p->text = text;
	p->textlen = len;
	*out = p;
	return AD_OK;
}

enum ad_status ad_params_copy(struct ad_out *out, const char *path,
    const char *command, struct ad_error *err)
{
	struct ad_params *p;
	enum ad_status st;

	/* loaded again, not only copied: what is written is a params file of
	 * command, as the run that applied it checked */
	if ((st = ad_params_load(&p, path, command, err)) != AD_OK)
		return st;
	st = ad_out_write(out, p->text, p->textlen, err);
	ad_params_free(p);
	return st;
}

size_t ad_params_count(const struct ad_params *p)
{
	return p->n;
}

const struct ad_pline *ad_params_line(const struct ad_params *p, size_t i)
{
	return &p->lines[i];
}

const char *ad_params_name(const struct ad_params *p)
{
	return p->name;
}

enum ad_status ad_params_number(const struct ad_params *p,
    const struct ad_pline *l, size_t i, double *v, struct ad_error *err)
{
	if (i >= l->ntok || ad_num_parse(l->tok[i], l->len[i], v) != AD_NUM_OK)
		return ad_error_at(err, AD_EDATA, p->name, l->line, i + 1,
		    "%s: expected a number, got \"%s\"", l->tok[0],
		    i < l->ntok ? l->tok[i] : "");
	return AD_OK;
}

enum ad_status ad_params_expect(const struct ad_params *p,
    const struct ad_pline *l, size_t n, struct ad_error *err)
{
	if (l->ntok != n)
		return ad_error_at(err, AD_EDATA, p->name, l->line, 0,
		    "%s: expected %zu values, got %zu", l->tok[0], n - 1,
		    l->ntok - 1);
	return AD_OK;
}

enum ad_status ad_params_begin(struct ad_out *out, const char *command,
    struct ad_error *err)
{
	enum ad_status st = ad_params_key(out, MAGIC, err);

	if (st == AD_OK)
		st = ad_params_num(out, AD_PARAMS_VERSION, err);
	if (st == AD_OK)
		st = ad_params_text(out, command, strlen(command), err);
	if (st == AD_OK)
		st = ad_params_end(out, err);
	return st;
}

enum ad_status ad_params_key(struct ad_out *out, const char *key,
    struct ad_error *err)
{
	return ad_out_write(out, key, strlen(key), err);
}

static int bare(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

enum ad_status ad_params_text(struct ad_out *out, const char *s, size_t len,
    struct ad_error *err)
{
	enum ad_status st = ad_out_write(out, " ", 1, err);

	if (st != AD_OK || bare(s, len))
		return st != AD_OK ? st : ad_out_write(out, s, len, err);
	if ((st = ad_out_write(out, "\"", 1, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < len && st == AD_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5];

		switch (c) {
		case '\\': st = ad_out_write(out, "\\\\", 2, err); break;
		case '"': st = ad_out_write(out, "\\\"", 2, err); break;
		case '\n': st = ad_out_write(out, "\\n", 2, err); break;
		case '\r': st = ad_out_write(out, "\\r", 2, err); break;
		case '\t': st = ad_out_write(out, "\\t", 2, err); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\x%02x", c);
				st = ad_out_write(out, esc, 4, err);
			} else
				st = ad_out_write(out, &s[i], 1, err);
		}
	}
	return st != AD_OK ? st : ad_out_write(out, "\"", 1, err);
}

enum ad_status ad_params_num(struct ad_out *out, double v,
    struct ad_error *err)
{
	char buf[AD_NUM_MAXLEN + 1];
	size_t n;

	buf[0] = ' ';
	n = ad_num_format(v, buf + 1);
	return ad_out_write(out, buf, n + 1, err);
}

enum ad_status ad_params_end(struct ad_out *out, struct ad_error *err)
{
	return ad_out_write(out, "\n", 1, err);
}
