/*
 * libFuzzer target for ad-serve's inference request decoder
 * (lib/serve/infer.c, ad_infer_decode) and the answer it leads to. CSV and
 * binary request bodies do not go through it: they are read by lib/reader,
 * whose target is fuzz_reader.
 *
 * The first input byte chooses the release the request is decoded against;
 * the rest is the request body:
 *
 *   bits 0-1  the input columns: 0 one numeric "x"; 1 "host" (text), "cpu"
 *             and "up"; 2 "a" and "b"; 3 a text column whose name needs
 *             CSV quoting ("say ""hi"",x") and a numeric "n"
 *   bits 2-4  the model's feature count (what "explain" is checked against)
 *
 * Every input is checked, and any failure aborts:
 *  - the only statuses are AD_OK and AD_EDATA (a request, however large its
 *    shapes say it is, is refused as bad data and never makes the decoder
 *    ask for memory it does not hold), and a refusal has a message;
 *  - a decoded request asks for some outputs, explains at most the model's
 *    features (at least one when the explanation is asked for), and its
 *    row blocks have exactly the input columns and its nrows rows, numbered
 *    as a CSV's lines, text cells without a NUL byte;
 *  - the answer built for it (scores and flags of its rows, an explanation
 *    of null cells) is JSON that jansson reads back, with the request's id.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ad.h"
#include "block.h"
#include "infer.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

struct col {
	const char *name;
	enum ad_type type;
};

static const struct col schemas[4][3] = {
	{ { "x", AD_NUMERIC } },
	{ { "host", AD_TEXT }, { "cpu", AD_NUMERIC }, { "up", AD_NUMERIC } },
	{ { "a", AD_NUMERIC }, { "b", AD_NUMERIC } },
	{ { "say \"hi\",x", AD_TEXT }, { "n", AD_NUMERIC } },
};

static struct ad_schema *make_inputs(unsigned which)
{
	struct ad_schema *s;
	struct ad_error err;

	CHECK(ad_schema_new(&s, &err) == AD_OK);
	for (size_t c = 0; c < 3 && schemas[which][c].name != NULL; c++)
		CHECK(ad_schema_add(s, schemas[which][c].name,
		    strlen(schemas[which][c].name), schemas[which][c].type,
		    &err) == AD_OK);
	return s;
}

/* Checks the decoded blocks: the input columns, at most a full block of
 * rows each, rows numbered as a CSV's lines 2, 3, ..., nrows in all, a
 * numeric cell a number or missing, a text cell valid or missing. */
static void check_blocks(const struct ad_infer_req *req,
    const struct ad_schema *inputs)
{
	size_t rows = 0;

	CHECK(req->nrows == 0 || req->nblocks > 0);
	for (size_t k = 0; k < req->nblocks; k++) {
		const struct ad_block *b = req->blocks[k];

		CHECK(b != NULL && b->ncols == inputs->ncols);
		CHECK(b->nrows > 0 && b->nrows <= ad_block_rows(inputs->ncols));
		for (size_t r = 0; r < b->nrows; r++, rows++) {
			CHECK(b->line[r] == rows + 2);
			for (size_t c = 0; c < b->ncols; c++) {
				size_t len = 0;
				const char *t;

				if (inputs->cols[c].type != AD_TEXT)
					continue;
				t = ad_block_text(b, r, c, &len);
				CHECK(t == NULL || memchr(t, '\0', len) == NULL);
			}
		}
	}
	CHECK(rows == req->nrows);
}

/* Builds the answer to req and reads it back. */
static void check_answer(const struct ad_infer_req *req)
{
	struct ad_sbuf out = { 0 }, explain = { 0 };
	struct ad_error err;
	double *score = calloc(req->nrows + 1, sizeof *score);
	json_t *root, *id;

	CHECK(score != NULL);
	for (size_t i = 0; i < req->nrows * req->explain; i++)
		CHECK(ad_sbuf_puts(&explain, i ? ",null" : "null", &err) == AD_OK);
	CHECK(ad_infer_answer_begin(&out, req, "m\"odel", "1", &err) == AD_OK);
	CHECK(ad_infer_answer_outputs(&out, req, score, score, &explain,
	    &err) == AD_OK);
	root = json_loadb(out.p, out.len, 0, NULL);
	CHECK(root != NULL);
	id = json_object_get(root, "id");
	CHECK(req->id == NULL ? id == NULL :
	    json_is_string(id) && strcmp(json_string_value(id), req->id) == 0);
	CHECK(json_array_size(json_object_get(root, "outputs")) ==
	    (size_t)(!!(req->outputs & AD_INFER_SCORE) +
	    !!(req->outputs & AD_INFER_FLAG) +
	    !!(req->outputs & AD_INFER_EXPLAIN)));
	json_decref(root);
	ad_sbuf_free(&out);
	ad_sbuf_free(&explain);
	free(score);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const na[] = { "", "NA" };
	struct ad_schema *inputs;
	struct ad_infer_req req;
	struct ad_error err;
	enum ad_status st;
	size_t nfeat;

	if (size == 0)
		return 0;
	inputs = make_inputs(data[0] & 3);
	nfeat = (data[0] >> 2) & 7;
	memset(&err, 0, sizeof err);
	st = ad_infer_decode((const char *)data + 1, size - 1, inputs, nfeat,
	    na, sizeof na / sizeof *na, &req, &err);
	CHECK(st == AD_OK || st == AD_EDATA);
	if (st != AD_OK) {
		CHECK(err.code == AD_EDATA && err.msg[0] != '\0');
	} else {
		CHECK(req.outputs != 0 && (req.outputs & ~7u) == 0);
		CHECK(req.explain <= nfeat);
		CHECK(!(req.outputs & AD_INFER_EXPLAIN) || req.explain >= 1);
		check_blocks(&req, inputs);
		check_answer(&req);
	}
	ad_infer_req_free(&req);
	ad_schema_free(inputs);
	return 0;
}
