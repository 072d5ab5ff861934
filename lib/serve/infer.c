/*
 * The Open Inference Protocol's JSON, decoded with jansson (Debian
 * libjansson-dev) straight into row blocks, each cell as the reader would
 * read the CSV text of its value (so the rows equal a CSV body's); the
 * answer written by hand: the answer's numbers must be the
 * shortest text that reads back as the same double (ad_num_format), as in
 * the batch commands' CSV, which jansson's "%.17g" is not.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "infer.h"
#include "num.h"

/* ---- the buffer ---- */

enum ad_status ad_sbuf_put(struct ad_sbuf *b, const char *s, size_t n,
    struct ad_error *err)
{
	if (n > SIZE_MAX - b->len - 1)
		return ad_error_nomem(err);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
		if ((p = ad_realloc(b->p, cap)) == NULL)
			return ad_error_nomem(err);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return AD_OK;
}

enum ad_status ad_sbuf_puts(struct ad_sbuf *b, const char *s,
    struct ad_error *err)
{
	return ad_sbuf_put(b, s, strlen(s), err);
}

enum ad_status ad_sbuf_json_string(struct ad_sbuf *b, const char *s,
    size_t n, struct ad_error *err)
{
	enum ad_status st = ad_sbuf_put(b, "\"", 1, err);
	size_t run = 0;

	for (size_t i = 0; i < n && st == AD_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((st = ad_sbuf_put(b, s + run, i - run, err)) != AD_OK)
			break;
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else
			snprintf(esc, sizeof esc, "\\u%04x", c);
		st = ad_sbuf_puts(b, esc, err);
		run = i + 1;
	}
	if (st == AD_OK)
		st = ad_sbuf_put(b, s + run, n - run, err);
	return st == AD_OK ? ad_sbuf_put(b, "\"", 1, err) : st;
}

void ad_sbuf_free(struct ad_sbuf *b)
{
	if (b == NULL)
		return;
	ad_free(b->p);
	memset(b, 0, sizeof *b);
}

static enum ad_status put_number(struct ad_sbuf *b, double v,
    struct ad_error *err)
{
	char buf[AD_NUM_MAXLEN];

	return ad_sbuf_put(b, buf, ad_num_format(v, buf), err);
}

/* ---- decoding ---- */

enum dtype { FP64, FP32, INT64, INT32, BOOL, BYTES, NTYPES };

static const char *const dtype_names[NTYPES] = {
	"FP64", "FP32", "INT64", "INT32", "BOOL", "BYTES"
};

/* One input tensor: its values flattened, row-major. */
struct tensor {
	const char *name;
	enum dtype type;
	size_t rows, width;      /* shape [rows] or [rows, width] */
	json_t **vals;           /* rows * width, borrowed from the document */
	size_t nvals;
};

/* The values in data, nested arrays flattened. */
static size_t count_values(json_t *data)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(data, i, v)
		n += json_is_array(v) ? count_values(v) : 1;
	return n;
}

/* Puts the values of data, nested arrays flattened, after t's (t->vals has
 * room for all of them: count_values). */
static void flatten(json_t *data, struct tensor *t)
{
	size_t i;
	json_t *v;

	json_array_foreach(data, i, v) {
		if (json_is_array(v))
			flatten(v, t);
		else
			t->vals[t->nvals++] = v;
	}
}

static enum ad_status read_shape(json_t *in, struct tensor *t,
    struct ad_error *err)
{
	json_t *shape = json_object_get(in, "shape");
	size_t n = json_array_size(shape);
	json_int_t dim[2] = { 0, 1 };

	if (!json_is_array(shape) || n < 1 || n > 2)
		return ad_error_set(err, AD_EDATA, "input \"%s\": shape must be [N] or [N, d]",
		    t->name);
	for (size_t k = 0; k < n; k++) {
		json_t *d = json_array_get(shape, k);
		if (!json_is_integer(d) || json_integer_value(d) < 0 ||
		    json_integer_value(d) > (json_int_t)1 << 40)
			return ad_error_set(err, AD_EDATA, "input \"%s\": shape must hold whole numbers", t->name);
		dim[k] = json_integer_value(d);
	}
	t->rows = (size_t)dim[0];
	t->width = (size_t)dim[1];
	return AD_OK;
}

static enum ad_status read_tensor(json_t *in, size_t idx, struct tensor *t,
    struct ad_error *err)
{
	json_t *name = json_object_get(in, "name");
	json_t *type = json_object_get(in, "datatype");
	json_t *data = json_object_get(in, "data");
	enum ad_status st;
	size_t n, have;

	if (!json_is_object(in) || !json_is_string(name))
		return ad_error_set(err, AD_EDATA, "inputs[%zu]: an object with a "
		    "\"name\" is expected", idx);
	t->name = json_string_value(name);
	if (!json_is_string(type))
		return ad_error_set(err, AD_EDATA, "input \"%s\": \"datatype\" is missing",
		    t->name);
	for (t->type = 0; t->type < NTYPES; t->type++)
		if (strcmp(json_string_value(type), dtype_names[t->type]) == 0)
			break;
	if (t->type == NTYPES)
		return ad_error_set(err, AD_EDATA, "input \"%s\": datatype %s is not one of FP64, FP32, "
		    "INT64, INT32, BOOL, BYTES", t->name, json_string_value(type));
	if ((st = read_shape(in, t, err)) != AD_OK)
		return st;
	if (!json_is_array(data))
		return ad_error_set(err, AD_EDATA, "input \"%s\": \"data\" must be an array",
		    t->name);
	/* The shape is checked against the values there are before anything
	 * is allocated for it: a request of a few bytes may claim 2^80. */
	have = count_values(data);
	if (t->width != 0 && t->rows > SIZE_MAX / t->width)
		return ad_error_set(err, AD_EDATA, "input \"%s\": shape [%zu, %zu] "
		    "needs more values than data has (%zu)", t->name, t->rows,
		    t->width, have);
	n = t->rows * t->width;
	if (have > n)
		return ad_error_set(err, AD_EDATA, "input \"%s\": data holds "
		    "more values than its shape says", t->name);
	if (have < n)
		return ad_error_set(err, AD_EDATA, "input \"%s\": shape [%zu, %zu] "
		    "needs %zu values, data has %zu", t->name, t->rows, t->width, n,
		    have);
	if ((t->vals = ad_calloc(n + 1, sizeof *t->vals)) == NULL)
		return ad_error_nomem(err);
	flatten(data, t);
	return AD_OK;
}

/* The tokens read as missing, and whether one reads as a number (then a
 * number's text is compared with them, as the reader does). */
struct na {
	const char *const *tok;
	size_t n;
	int has_number;
};

static int is_na(const struct na *na, const char *s, size_t len)
{
	for (size_t i = 0; i < na->n; i++)
		if (strlen(na->tok[i]) == len && memcmp(na->tok[i], s, len) == 0)
			return 1;
	return 0;
}

/* A numeric cell's value: v, or NaN where its text (as a CSV of the row
 * would hold it) is a missing token. */
static double numeric(const struct na *na, double v, const char *text,
    size_t len)
{
	return na->has_number && is_na(na, text, len) ? NAN : v;
}

/* Sets cell (row, col) of b, a column of type ct named col, from value k of
 * tensor t, as the reader would read it from the CSV text of the value. */
static enum ad_status set_cell(struct ad_block *b, size_t row, size_t col,
    const struct tensor *t, size_t k, enum ad_type ct, const char *name,
    const struct na *na, struct ad_error *err)
{
	json_t *v = t->vals[k];
	double *num = &b->num[row * b->ncols + col];
	char buf[64];
	size_t n;

	*num = NAN;
	if (json_is_null(v))      /* an empty cell */
		return ct == AD_TEXT ? ad_block_set_text(b, row, col, "",
		    is_na(na, "", 0) ? AD_TEXT_MISSING : 0, err) : AD_OK;
	if (ct == AD_TEXT && t->type != BYTES)
		return ad_error_set(err, AD_EDATA, "input \"%s\": column \"%s\" is "
		    "text: its datatype must be BYTES, not %s", t->name, name,
		    dtype_names[t->type]);
	switch (t->type) {
	case BYTES:
		if (!json_is_string(v))
			break;
		if (ct != AD_TEXT)
			return ad_error_set(err, AD_EDATA, "input \"%s\": column "
			    "\"%s\" is numeric: BYTES is for text columns", t->name,
			    name);
		n = json_string_length(v);
		return ad_block_set_text(b, row, col, json_string_value(v),
		    is_na(na, json_string_value(v), n) ? AD_TEXT_MISSING : n, err);
	case BOOL:
		if (!json_is_boolean(v))
			break;
		*num = numeric(na, json_is_true(v), json_is_true(v) ? "1" : "0", 1);
		return AD_OK;
	case INT64:
	case INT32:
		if (!json_is_integer(v))
			break;
		if (t->type == INT32 && (json_integer_value(v) < INT32_MIN ||
		    json_integer_value(v) > INT32_MAX))
			break;
		n = (size_t)snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*num = numeric(na, (double)json_integer_value(v), buf, n);
		return AD_OK;
	case FP32:
		if (!json_is_number(v))
			break;
		*num = (double)(float)json_number_value(v);
		*num = numeric(na, *num, buf, ad_num_format(*num, buf));
		return AD_OK;
	default:
		if (!json_is_number(v))
			break;
		*num = json_number_value(v);
		*num = numeric(na, *num, buf, ad_num_format(*num, buf));
		return AD_OK;
	}
	return ad_error_set(err, AD_EDATA, "input \"%s\": value %zu is not of "
	    "datatype %s", t->name, k, dtype_names[t->type]);
}

/* Which tensor, and where in it, gives each input column. */
struct source {
	const struct tensor *t;
	size_t off;              /* column within a [N, d] tensor */
};

/* Maps every input column to a tensor named like it, or all of them to one
 * [N, d] tensor in the inputs' order. */
static enum ad_status map_sources(const struct tensor *ts, size_t nt,
    const struct ad_schema *inputs, struct source *src, size_t *nrows,
    struct ad_error *err)
{
	size_t d = inputs->ncols;

	if (nt == 1 && ad_schema_find(inputs, ts[0].name) == SIZE_MAX &&
	    (d > 1 || ts[0].width == d)) {
		if (ts[0].width != d)
			return ad_error_set(err, AD_EDATA, "input \"%s\": shape [%zu, "
			    "%zu], but the model takes %zu columns (or one input "
			    "per column, named like it)", ts[0].name, ts[0].rows,
			    ts[0].width, d);
		for (size_t c = 0; c < d; c++)
			src[c] = (struct source){ &ts[0], c };
		*nrows = ts[0].rows;
		return AD_OK;
	}
	for (size_t k = 0; k < nt; k++) {
		size_t c = ad_schema_find(inputs, ts[k].name);

		if (c == SIZE_MAX)
			return ad_error_set(err, AD_EDATA, "input \"%s\" is not a column of the model "
			    "(it takes %s...)", ts[k].name, inputs->cols[0].name);
		if (src[c].t != NULL)
			return ad_error_set(err, AD_EDATA, "input \"%s\" is given twice", ts[k].name);
		if (ts[k].width != 1)
			return ad_error_set(err, AD_EDATA, "input \"%s\": shape must "
			    "be [N] or [N, 1], not [%zu, %zu]", ts[k].name, ts[k].rows,
			    ts[k].width);
		if (k > 0 && ts[k].rows != ts[0].rows)
			return ad_error_set(err, AD_EDATA, "input \"%s\" has %zu rows, "
			    "input \"%s\" %zu", ts[k].name, ts[k].rows, ts[0].name,
			    ts[0].rows);
		src[c] = (struct source){ &ts[k], 0 };
	}
	for (size_t c = 0; c < d; c++)
		if (src[c].t == NULL)
			return ad_error_set(err, AD_EDATA, "input \"%s\" is missing (one input per column "
			    "of the model, or one [N, d] tensor)", inputs->cols[c].name);
	*nrows = ts[0].rows;
	return AD_OK;
}

/* The rows into blocks of at most ad_block_rows(d) rows, lines 2, 3, ... */
static enum ad_status fill_blocks(const struct source *src,
    const struct ad_schema *inputs, size_t nrows, const struct na *na,
    struct ad_infer_req *req, struct ad_error *err)
{
	size_t d = inputs->ncols, per = ad_block_rows(d);
	size_t nb = nrows / per + (nrows % per != 0);
	enum ad_status st = AD_OK;

	if ((req->blocks = ad_calloc(nb + 1, sizeof *req->blocks)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < nrows && st == AD_OK; i++) {
		struct ad_block *b;
		size_t r = i % per;

		if (r == 0) {
			size_t left = nrows - i;
			if ((st = ad_block_new(&req->blocks[req->nblocks], d,
			    left < per ? left : per, err)) != AD_OK)
				break;
			req->nblocks++;
		}
		b = req->blocks[req->nblocks - 1];
		for (size_t c = 0; c < d && st == AD_OK; c++) {
			const struct tensor *t = src[c].t;
			st = set_cell(b, r, c, t, i * t->width + src[c].off,
			    inputs->cols[c].type, inputs->cols[c].name, na, err);
		}
		b->line[r] = (uint64_t)i + 2;
		b->nrows = r + 1;
	}
	return st;
}

static enum ad_status read_outputs(json_t *root, struct ad_infer_req *req,
    struct ad_error *err)
{
	json_t *outs = json_object_get(root, "outputs");
	json_t *par = json_object_get(root, "parameters"), *o;
	json_t *k = json_object_get(par, "explain");
	size_t i;

	if (k != NULL && (!json_is_integer(k) || json_integer_value(k) < 0 ||
	    json_integer_value(k) > 1048576))
		return ad_error_set(err, AD_EDATA, "parameters: \"explain\" must be "
		    "a whole number of features");
	req->explain = k ? (size_t)json_integer_value(k) : 0;
	if (outs == NULL) {
		req->outputs = AD_INFER_SCORE | AD_INFER_FLAG |
		    (req->explain > 0 ? AD_INFER_EXPLAIN : 0);
		return AD_OK;
	}
	if (!json_is_array(outs))
		return ad_error_set(err, AD_EDATA, "\"outputs\" must be an array");
	json_array_foreach(outs, i, o) {
		const char *n = json_string_value(json_object_get(o, "name"));

		if (n != NULL && strcmp(n, "score") == 0)
			req->outputs |= AD_INFER_SCORE;
		else if (n != NULL && strcmp(n, "is_anomaly") == 0)
			req->outputs |= AD_INFER_FLAG;
		else if (n != NULL && strcmp(n, "explanation") == 0)
			req->outputs |= AD_INFER_EXPLAIN;
		else
			return ad_error_set(err, AD_EDATA, "outputs[%zu]: the outputs "
			    "are score, is_anomaly and explanation", i);
	}
	if ((req->outputs & AD_INFER_EXPLAIN) && req->explain == 0)
		req->explain = 1;
	return AD_OK;
}

static enum ad_status decode_root(json_t *root, const struct ad_schema *inputs,
    size_t nfeat, const struct na *na, struct ad_infer_req *req,
    struct ad_error *err)
{
	json_t *ins = json_object_get(root, "inputs"), *id;
	size_t nt = json_array_size(ins), nrows = 0;
	struct tensor *ts = NULL;
	struct source *src = NULL;
	enum ad_status st;

	if (!json_is_object(root))
		return ad_error_set(err, AD_EDATA, "the request must be a JSON "
		    "object");
	if ((id = json_object_get(root, "id")) != NULL) {
		if (!json_is_string(id))
			return ad_error_set(err, AD_EDATA, "\"id\" must be a string");
		if ((req->id = ad_strndup(json_string_value(id),
		    json_string_length(id))) == NULL)
			return ad_error_nomem(err);
	}
	if ((st = read_outputs(root, req, err)) != AD_OK)
		return st;
	if (req->explain > nfeat)
		return ad_error_set(err, AD_EDATA, "parameters: \"explain\" is %zu, "
		    "but the model has %zu features", req->explain, nfeat);
	if (!json_is_array(ins) || nt == 0)
		return ad_error_set(err, AD_EDATA, "\"inputs\" must be a non-empty "
		    "array");
	ts = ad_calloc(nt, sizeof *ts);
	src = ad_calloc(inputs->ncols + 1, sizeof *src);
	if (ts == NULL || src == NULL)
		st = ad_error_nomem(err);
	for (size_t k = 0; k < nt && st == AD_OK; k++)
		st = read_tensor(json_array_get(ins, k), k, &ts[k], err);
	if (st == AD_OK)
		st = map_sources(ts, nt, inputs, src, &nrows, err);
	if (st == AD_OK)
		st = fill_blocks(src, inputs, nrows, na, req, err);
	req->nrows = nrows;
	for (size_t k = 0; ts != NULL && k < nt; k++)
		ad_free(ts[k].vals);
	ad_free(ts);
	ad_free(src);
	return st;
}

enum ad_status ad_infer_decode(const char *body, size_t len,
    const struct ad_schema *inputs, size_t nfeat, const char *const *na_tok,
    size_t n_na, struct ad_infer_req *req, struct ad_error *err)
{
	struct na na = { na_tok, n_na, 0 };
	json_error_t je;
	json_t *root;
	enum ad_status st;

	memset(req, 0, sizeof *req);
	for (size_t i = 0; i < n_na; i++) {
		double v;
		na.has_number |= ad_num_parse(na_tok[i], strlen(na_tok[i]), &v) ==
		    AD_NUM_OK;
	}
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return ad_error_set(err, AD_EDATA, "malformed JSON at line %d, "
		    "column %d (byte %d): %s", je.line, je.column, je.position,
		    je.text);
	st = decode_root(root, inputs, nfeat, &na, req, err);
	json_decref(root);
	return st;
}

void ad_infer_req_free(struct ad_infer_req *req)
{
	if (req == NULL)
		return;
	ad_free(req->id);
	for (size_t i = 0; i < req->nblocks; i++)
		ad_block_free(req->blocks[i]);
	ad_free(req->blocks);
	req->id = NULL;
	req->blocks = NULL;
	req->nblocks = 0;
}

/* ---- the answer ---- */

enum ad_status ad_infer_answer_begin(struct ad_sbuf *out,
    const struct ad_infer_req *req, const char *model, const char *version,
    struct ad_error *err)
{
	enum ad_status st;

	if ((st = ad_sbuf_puts(out, "{\"model_name\":", err)) != AD_OK ||
	    (st = ad_sbuf_json_string(out, model, strlen(model), err)) != AD_OK ||
	    (st = ad_sbuf_puts(out, ",\"model_version\":", err)) != AD_OK ||
	    (st = ad_sbuf_json_string(out, version, strlen(version), err)) !=
	    AD_OK)
		return st;
	if (req->id != NULL && ((st = ad_sbuf_puts(out, ",\"id\":", err)) !=
	    AD_OK || (st = ad_sbuf_json_string(out, req->id, strlen(req->id),
	    err)) != AD_OK))
		return st;
	return ad_sbuf_puts(out, ",\"outputs\":[", err);
}

static enum ad_status tensor_head(struct ad_sbuf *out, int first,
    const char *name, const char *type, size_t rows, size_t width,
    struct ad_error *err)
{
	char buf[256];

	if (width > 0)
		snprintf(buf, sizeof buf, "%s{\"name\":\"%s\",\"datatype\":\"%s\","
		    "\"shape\":[%zu,%zu],\"data\":[", first ? "" : ",", name, type,
		    rows, width);
	else
		snprintf(buf, sizeof buf, "%s{\"name\":\"%s\",\"datatype\":\"%s\","
		    "\"shape\":[%zu],\"data\":[", first ? "" : ",", name, type, rows);
	return ad_sbuf_puts(out, buf, err);
}

enum ad_status ad_infer_answer_outputs(struct ad_sbuf *out,
    const struct ad_infer_req *req, const double *score, const double *flag,
    const struct ad_sbuf *explain, struct ad_error *err)
{
	size_t n = req->nrows;
	int first = 1;
	enum ad_status st = AD_OK;

	if (req->outputs & AD_INFER_SCORE) {
		st = tensor_head(out, first, "score", "FP64", n, 0, err);
		for (size_t i = 0; i < n && st == AD_OK; i++)
			if (i == 0 || (st = ad_sbuf_put(out, ",", 1, err)) == AD_OK)
				st = put_number(out, score[i], err);
		if (st == AD_OK)
			st = ad_sbuf_puts(out, "]}", err);
		first = 0;
	}
	if (st == AD_OK && (req->outputs & AD_INFER_FLAG)) {
		st = tensor_head(out, first, "is_anomaly", "BOOL", n, 0, err);
		for (size_t i = 0; i < n && st == AD_OK; i++)
			st = ad_sbuf_puts(out, i == 0 ? (flag[i] != 0 ? "true" : "false")
			    : flag[i] != 0 ? ",true" : ",false", err);
		if (st == AD_OK)
			st = ad_sbuf_puts(out, "]}", err);
		first = 0;
	}
	if (st == AD_OK && (req->outputs & AD_INFER_EXPLAIN)) {
		st = tensor_head(out, first, "explanation", "BYTES", n,
		    req->explain, err);
		if (st == AD_OK && explain->len > 0)
			st = ad_sbuf_put(out, explain->p, explain->len, err);
		if (st == AD_OK)
			st = ad_sbuf_puts(out, "]}", err);
	}
	return st == AD_OK ? ad_sbuf_puts(out, "]}", err) : st;
}

enum ad_status ad_infer_error_body(struct ad_sbuf *out, const char *msg,
    struct ad_error *err)
{
	enum ad_status st = ad_sbuf_puts(out, "{\"error\":", err);

	if (st == AD_OK)
		st = ad_sbuf_json_string(out, msg, strlen(msg), err);
	return st == AD_OK ? ad_sbuf_puts(out, "}", err) : st;
}
