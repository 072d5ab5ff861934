#ifndef ADKIT_INFER_H
#define ADKIT_INFER_H
/*
 * The Open Inference Protocol's (KServe V2) inference request and answer in
 * JSON: a request's input tensors become the row blocks a release scores
 * (lib/serve/release.h), and the scores become its output tensors. No
 * JSON library type appears here.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "schema.h"

struct ad_block;

/* A growing byte buffer (ad_realloc'd); zeroed is empty. */
struct ad_sbuf {
	char *p;
	size_t len, cap;
};

/* Appends s[0..n) to b. */
enum ad_status ad_sbuf_put(struct ad_sbuf *b, const char *s, size_t n,
    struct ad_error *err);

/* Appends a NUL-terminated string to b. */
enum ad_status ad_sbuf_puts(struct ad_sbuf *b, const char *s,
    struct ad_error *err);

/* Appends s[0..n) to b as a JSON string, quoted and escaped. */
enum ad_status ad_sbuf_json_string(struct ad_sbuf *b, const char *s,
    size_t n, struct ad_error *err);

/* Frees b's bytes and empties it; NULL is a no-op. */
void ad_sbuf_free(struct ad_sbuf *b);

/* Which output tensors an answer carries. */
enum {
	AD_INFER_SCORE = 1,
	AD_INFER_FLAG = 2,        /* is_anomaly */
	AD_INFER_EXPLAIN = 4      /* explanation: [N, K] feature names */
};

/* A decoded inference request. */
struct ad_infer_req {
	char *id;                 /* the request's id, or NULL */
	size_t nrows;
	unsigned outputs;         /* AD_INFER_* */
	size_t explain;           /* K of "parameters": {"explain": K} */
	struct ad_block **blocks; /* the rows: the inputs' columns, in
	                             blocks of at most ad_block_rows(inputs),
	                             lines 2, 3, ... as a CSV's */
	size_t nblocks;
};

/* Decodes the JSON request body[0..len) against the release's input
 * columns and its model's nfeat features into req (free with
 * ad_infer_req_free, also after a failure); a cell whose text is one of
 * na[0..n_na) is missing, as the reader has it. AD_EDATA says what is
 * wrong: where the JSON is malformed, which tensor has the wrong shape or
 * datatype, which names are unknown or missing. */
enum ad_status ad_infer_decode(const char *body, size_t len,
    const struct ad_schema *inputs, size_t nfeat, const char *const *na,
    size_t n_na, struct ad_infer_req *req, struct ad_error *err);

/* Frees what ad_infer_decode put into req; NULL is a no-op. */
void ad_infer_req_free(struct ad_infer_req *req);

/* Starts the answer in out: model name, version and the request's id. */
enum ad_status ad_infer_answer_begin(struct ad_sbuf *out,
    const struct ad_infer_req *req, const char *model, const char *version,
    struct ad_error *err);

/* Appends the output tensors of req->nrows scored rows and closes the
 * answer: score[i] and flag[i] (0 or 1) per row, and explain, the JSON
 * strings of the explanation tensor, comma-separated, row by row. */
enum ad_status ad_infer_answer_outputs(struct ad_sbuf *out,
    const struct ad_infer_req *req, const double *score, const double *flag,
    const struct ad_sbuf *explain, struct ad_error *err);

/* The body {"error": msg}, JSON-escaped, into out. */
enum ad_status ad_infer_error_body(struct ad_sbuf *out, const char *msg,
    struct ad_error *err);

#endif
