/*
 * ad-serve's HTTP side: see server.h.
 *
 * libmicrohttpd parses HTTP and runs a pool of polling threads; each
 * request is answered by the thread that read it, start to end, so a
 * request shares nothing with another but the store, which is read-only,
 * and the counters of /metrics (lib/serve/meters.h), which are atomic.
 * A store replaced (ad_server_swap) is freed when the last request that
 * began on it ends, so a request finishes on the version it started on;
 * taking the current store costs a request three atomic adds, no lock.
 * A body is gathered in memory (up to max_body) and scored through the
 * release's stages (lib/serve/release.c) once it is complete. A request
 * to the model of --shadow is scored by the shadow version too, after its
 * answer is sent, on the same thread (lib/serve/shadow.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "block.h"
#include "in.h"
#include "infer.h"
#include "meters.h"
#include "model.h"
#include "num.h"
#include "out.h"
#include "reader.h"
#include "release.h"
#include "server.h"
#include "shadow.h"
#include "store.h"

#define CT_JSON "application/json"
#define CT_CSV "text/csv"
#define CT_BIN "application/vnd.adkit.stream"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

/* A store and the requests using it. */
struct gen {
	struct ad_store *store;
	atomic_uint_fast64_t refs;   /* requests on it, plus one while current */
};

/* Releases loaded and failed, for one model, since the server started. */
struct load_tally {
	char *model;
	uint64_t loaded, failed;
};

struct ad_server {
	struct MHD_Daemon *d;
	_Atomic(struct gen *) cur;   /* the store new requests use */
	atomic_uint_fast64_t entering;   /* requests between reading cur and
	                                    holding it: a swap waits for 0
	                                    before letting go of the old */
	pthread_mutex_t swapping;    /* one swap or reload at a time */
	pthread_mutex_t lock;    /* guards loads (a scrape does not wait for a
	                            reload's loading) */
	struct load_tally *loads;
	size_t nloads;
	atomic_uint_fast64_t reload_failures;
	struct ad_server_opts o;
	unsigned port;
	atomic_uint_fast64_t inflight;   /* inference requests being served */
	struct ad_meters *unrouted;  /* requests that name no version */
};

/* What the shadow version needs of a request, kept until it completes. */
struct shadow_job {
	struct ad_sbuf rows;     /* the request's body */
	int json;                /* rows is a JSON request, else format's */
	enum ad_format format;   /* of rows */
	double *score, *flag;    /* the served version's */
	size_t n;
	size_t mi;               /* the model in the request's store */
	char *version;           /* the served version */
	char *id;
	struct ad_meters *meters;    /* the served version's */
};

/* One request, from its first byte to its answer. */
struct req {
	struct ad_sbuf body;
	int early;               /* 413, 503 or 500 decided while the body
	                            came in; 0 */
	int counted;             /* holds one of max_inflight */
	struct gen *g;           /* the store current when it came in */
	struct timespec t0;
	struct shadow_job *shadow;   /* NULL: no shadow scoring */
};

/* What a request is answered, and what the access log says of it. */
struct answer {
	unsigned status;
	const char *type;        /* Content-Type */
	struct ad_sbuf body;
	char model[256];         /* as named in the URL, for the log */
	const char *version;
	uint64_t rows;
	const char *id;
	struct ad_meters *meters;    /* the version's; NULL: unrouted */
	size_t mi;               /* the model's index, with meters */
	double *score, *flag;    /* an inference's, rows each, or NULL */
	int rows_json;           /* the body was a JSON request */
	enum ad_format rows_format;
};

/* ---- answers ---- */

static void answer_error(struct answer *a, unsigned status, const char *msg)
{
	struct ad_error e;

	a->status = status;
	a->type = CT_JSON;
	ad_sbuf_free(&a->body);
	if (ad_infer_error_body(&a->body, msg, &e) != AD_OK)
		ad_sbuf_free(&a->body);  /* out of memory: no body */
}

static void answer_status(struct answer *a, const struct ad_error *e)
{
	if (e->code == AD_ENOMEM || e->code == AD_EIO)
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, e->msg);
	else
		answer_error(a, MHD_HTTP_BAD_REQUEST, e->msg);
}

static void answer_json(struct answer *a, struct ad_sbuf *body)
{
	a->status = MHD_HTTP_OK;
	a->type = CT_JSON;
	ad_sbuf_free(&a->body);
	a->body = *body;
	memset(body, 0, sizeof *body);
}

static void answer_text(struct answer *a, const char *json)
{
	struct ad_sbuf b = { 0 };
	struct ad_error e;

	if (ad_sbuf_puts(&b, json, &e) != AD_OK)
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, e.msg);
	else
		answer_json(a, &b);
}

/* ---- metadata ---- */

static enum ad_status put_str(struct ad_sbuf *b, const char *s,
    struct ad_error *err)
{
	return ad_sbuf_json_string(b, s, strlen(s), err);
}

static enum ad_status model_metadata(const struct ad_store *s, size_t mi,
    const char *version, const struct ad_release *rel, struct ad_sbuf *b,
    struct ad_error *err)
{
	const struct ad_schema *in = ad_release_inputs(rel);
	enum ad_status st;

	if ((st = ad_sbuf_puts(b, "{\"name\":", err)) != AD_OK ||
	    (st = put_str(b, ad_store_name(s, mi), err)) != AD_OK ||
	    (st = ad_sbuf_puts(b, ",\"versions\":[", err)) != AD_OK)
		return st;
	for (size_t v = 0; v < ad_store_versions(s, mi) && st == AD_OK; v++)
		if (v == 0 || (st = ad_sbuf_puts(b, ",", err)) == AD_OK)
			st = put_str(b, ad_store_version(s, mi, v), err);
	if (st == AD_OK && ((st = ad_sbuf_puts(b, "],\"version\":", err)) !=
	    AD_OK || (st = put_str(b, version, err)) != AD_OK ||
	    (st = ad_sbuf_puts(b, ",\"platform\":\"adkit\",\"inputs\":[",
	    err)) != AD_OK))
		return st;
	for (size_t c = 0; c < in->ncols && st == AD_OK; c++) {
		if (c > 0 && (st = ad_sbuf_puts(b, ",", err)) != AD_OK)
			break;
		if ((st = ad_sbuf_puts(b, "{\"name\":", err)) == AD_OK &&
		    (st = put_str(b, in->cols[c].name, err)) == AD_OK)
			st = ad_sbuf_puts(b, in->cols[c].type == AD_TEXT ?
			    ",\"datatype\":\"BYTES\",\"shape\":[-1]}" :
			    ",\"datatype\":\"FP64\",\"shape\":[-1]}", err);
	}
	if (st != AD_OK)
		return st;
	return ad_sbuf_puts(b, "],\"outputs\":["
	    "{\"name\":\"score\",\"datatype\":\"FP64\",\"shape\":[-1]},"
	    "{\"name\":\"is_anomaly\",\"datatype\":\"BOOL\",\"shape\":[-1]},"
	    "{\"name\":\"explanation\",\"datatype\":\"BYTES\",\"shape\":[-1,-1]}"
	    "]}", err);
}

/* ---- inference ---- */

/* The body as a stream, read in place (it must outlive *in). */
static enum ad_status body_input(const struct ad_sbuf *body, struct ad_in **in,
    struct ad_error *err)
{
	return ad_in_open_mem(in, body->p ? body->p : "", body->len, 0, err);
}

/* Reads an answer stream back (score, is_anomaly, explain_1..K): the
 * scores and flags of its first nrows rows, the explanations as JSON. */
static enum ad_status collect(struct ad_in *in, size_t nrows, double *score,
    double *flag, struct ad_sbuf *explain, struct ad_error *err)
{
	struct ad_reader_opts ro;
	struct ad_reader *rd;
	struct ad_block *b;
	size_t i = 0;
	enum ad_status st;

	memset(&ro, 0, sizeof ro);
	ro.from = in;
	if ((st = ad_reader_open(&rd, &ro, err)) != AD_OK)
		return st;
	while ((st = ad_reader_next(rd, &b, err)) == AD_OK && b->nrows > 0)
		for (size_t r = 0; r < b->nrows && st == AD_OK && i < nrows;
		    r++, i++) {
			score[i] = b->num[r * b->ncols];
			flag[i] = b->num[r * b->ncols + 1];
			for (size_t k = 2; k < b->ncols && st == AD_OK; k++) {
				size_t len = 0;
				const char *s = ad_block_text(b, r, k, &len);

				if (explain->len > 0)
					st = ad_sbuf_put(explain, ",", 1, err);
				if (st == AD_OK)
					st = s ? ad_sbuf_json_string(explain, s, len, err) :
					    ad_sbuf_puts(explain, "null", err);
			}
		}
	ad_reader_free(rd);
	return st;
}

/* Scores body through rel, in memory, into *result. */
static enum ad_status score_body(const struct ad_release *rel,
    const struct ad_sbuf *body, const struct ad_release_call *call,
    struct ad_in **result, struct ad_release_tally *t, struct ad_error *err)
{
	struct ad_in *in;
	struct ad_out *spill;
	enum ad_status st;

	if ((st = ad_out_open_mem(&spill, err)) != AD_OK)
		return st;
	if ((st = ad_in_open_mem(&in, body->p, body->len, 0, err)) == AD_OK &&
	    (st = ad_release_score(rel, in, call, spill, t, err)) == AD_OK)
		st = ad_out_spill_to_in(spill, result, err);
	ad_out_abort(spill);
	return st;
}

/* Says which row of the request a pipeline error is about. */
static void locate(struct ad_error *e, const struct ad_release_tally *t,
    int json)
{
	char msg[sizeof e->msg];

	if (e->line == 0 || e->code != AD_EDATA)
		return;
	if (!t->first_stage_failed)
		snprintf(msg, sizeof msg, "row %llu (after the release's params): "
		    "%.900s", (unsigned long long)e->line, e->msg);
	else if (json)
		snprintf(msg, sizeof msg, "row %llu: %.900s",
		    (unsigned long long)(e->line - 1), e->msg);
	else
		snprintf(msg, sizeof msg, "line %llu, column %llu: %.900s",
		    (unsigned long long)e->line, (unsigned long long)e->col, e->msg);
	memcpy(e->msg, msg, sizeof msg);
}

/* The explanation tensor's data: the names of s, JSON strings, row by
 * row. */
static enum ad_status explain_json(const struct ad_release_scores *s,
    struct ad_sbuf *explain, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < s->n * s->explain && st == AD_OK; i++) {
		if (i > 0)
			st = ad_sbuf_put(explain, ",", 1, err);
		if (st == AD_OK)
			st = ad_sbuf_json_string(explain, s->names[i],
			    strlen(s->names[i]), err);
	}
	return st;
}

static void infer_json(const struct ad_server *s, const char *model,
    const char *version, const struct ad_release *rel,
    const struct ad_sbuf *body, struct answer *a, struct ad_infer_req *q)
{
	struct ad_release_tally t;
	struct ad_release_scores sc = { 0 };
	struct ad_sbuf out = { 0 }, explain = { 0 };
	struct ad_error e;
	const char *const *na;
	size_t n_na;
	enum ad_status st;

	(void)s;
	ad_error_clear(&e);
	na = ad_release_na(rel, &n_na);
	st = ad_infer_decode(body->p ? body->p : "", body->len,
	    ad_release_inputs(rel), ad_release_model(rel)->nfeat, na, n_na, q,
	    &e);
	a->id = q->id;
	if (st != AD_OK)
		goto out;
	if ((st = ad_release_score_rows(rel, q->blocks, q->nblocks,
	    (q->outputs & AD_INFER_EXPLAIN) ? q->explain : 0, &sc, &t, &e)) !=
	    AD_OK) {
		locate(&e, &t, 1);
		goto out;
	}
	a->rows = t.rows_scored;
	if (t.rows_scored != q->nrows) {
		st = ad_error_set(&e, AD_EDATA, "%llu of the %zu rows were dropped "
		    "(missing a value, or repeated); the answer would not match "
		    "the rows sent",
		    (unsigned long long)(q->nrows - t.rows_scored), q->nrows);
		goto out;
	}
	if ((st = explain_json(&sc, &explain, &e)) == AD_OK &&
	    (st = ad_infer_answer_begin(&out, q, model, version, &e)) == AD_OK)
		st = ad_infer_answer_outputs(&out, q, sc.score, sc.flag, &explain,
		    &e);
out:
	if (st != AD_OK)
		answer_status(a, &e);
	else {
		answer_json(a, &out);
		ad_meters_scores(a->meters, sc.score, q->nrows, t.anomalies);
		a->score = sc.score;   /* moved: for the shadow */
		a->flag = sc.flag;
		a->rows_json = 1;
		sc.score = sc.flag = NULL;
	}
	ad_sbuf_free(&out);
	ad_sbuf_free(&explain);
	ad_release_scores_free(&sc);
}

/* The scores and flags of a CSV or binary answer, read back for the
 * metrics and the shadow; a->score and a->flag are left NULL if that
 * fails (out of memory), which only costs them. */
static void read_back(struct answer *a, uint64_t anomalies)
{
	struct ad_sbuf explain = { 0 };
	struct ad_in *in;
	struct ad_error e;

	a->score = ad_calloc(a->rows + 1, sizeof *a->score);
	a->flag = ad_calloc(a->rows + 1, sizeof *a->flag);
	if (a->score == NULL || a->flag == NULL ||
	    body_input(&a->body, &in, &e) != AD_OK ||
	    collect(in, a->rows, a->score, a->flag, &explain, &e) != AD_OK) {
		ad_free(a->score);
		ad_free(a->flag);
		a->score = a->flag = NULL;
	} else
		ad_meters_scores(a->meters, a->score, a->rows, anomalies);
	ad_sbuf_free(&explain);
}

/* A CSV or binary body, answered in its own format: score, is_anomaly and
 * the explain columns, one row per row scored. */
static void infer_rows(struct MHD_Connection *c, const struct ad_release *rel,
    const struct ad_sbuf *body, enum ad_format format, struct answer *a)
{
	struct ad_release_call call = { format, 0 };
	struct ad_release_tally t;
	const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "explain");
	struct ad_in *res = NULL;
	struct ad_error e;
	enum ad_status st;

	ad_error_clear(&e);
	if (k != NULL) {
		char *end;
		unsigned long long v = strtoull(k, &end, 10);
		if (*k < '0' || *k > '9' || *end != '\0' ||
		    v > ad_release_model(rel)->nfeat) {
			answer_error(a, MHD_HTTP_BAD_REQUEST, "explain must be a whole "
			    "number, at most the model's features");
			return;
		}
		call.explain = (size_t)v;
	}
	if ((st = score_body(rel, body, &call, &res, &t, &e)) != AD_OK) {
		locate(&e, &t, 0);
		answer_status(a, &e);
		return;
	}
	a->rows = t.rows_scored;
	if (t.rows_scored != t.rows_in) {
		/* an answer must say what became of every row sent */
		char msg[256];
		ad_in_close(res);
		snprintf(msg, sizeof msg, "%llu of the %llu rows were dropped "
		    "(rejected for their field count, missing a value, or "
		    "repeated); the answer would not match the rows sent",
		    (unsigned long long)(t.rows_in - t.rows_scored),
		    (unsigned long long)t.rows_in);
		answer_error(a, MHD_HTTP_BAD_REQUEST, msg);
		return;
	}
	a->status = MHD_HTTP_OK;
	a->type = format == AD_FORMAT_CSV ? CT_CSV : CT_BIN;
	for (;;) {
		const unsigned char *p;
		size_t n;

		if ((st = ad_in_next(res, &p, &n, &e)) != AD_OK || n == 0 ||
		    (st = ad_sbuf_put(&a->body, (const char *)p, n, &e)) != AD_OK)
			break;
	}
	ad_in_close(res);
	if (st != AD_OK)
		answer_status(a, &e);
	else {
		read_back(a, t.anomalies);
		a->rows_format = format;
	}
}

/* The media type of a body: its Content-Type up to any parameter. */
static int type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void infer(const struct ad_server *s, struct MHD_Connection *c,
    const char *model, const char *version, const struct ad_release *rel,
    const struct ad_sbuf *body, struct answer *a, struct ad_infer_req *q)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);

	/* curl -d sends form-urlencoded: taken as the JSON it is */
	if (ct == NULL || type_is(ct, CT_JSON) ||
	    type_is(ct, "application/x-www-form-urlencoded"))
		infer_json(s, model, version, rel, body, a, q);
	else if (type_is(ct, CT_CSV))
		infer_rows(c, rel, body, AD_FORMAT_CSV, a);
	else if (type_is(ct, CT_BIN) || type_is(ct, "application/octet-stream"))
		infer_rows(c, rel, body, AD_FORMAT_BIN, a);
	else
		answer_error(a, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type must "
		    "be application/json, text/csv or " CT_BIN);
}

/* ---- routing ---- */

enum { MAXSEG = 8 };

/* Splits url at '/' into at most MAXSEG segments (an empty last one
 * dropped); returns the count, or MAXSEG + 1 for too many. */
static size_t split(char *url, char **seg)
{
	size_t n = 0;
	char *p = url;

	if (*p == '/')
		p++;
	while (*p != '\0') {
		char *slash = strchr(p, '/');

		if (n == MAXSEG)
			return MAXSEG + 1;
		seg[n++] = p;
		if (slash == NULL)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return n;
}

static void route_model(const struct ad_server *s,
    const struct ad_store *store, struct MHD_Connection *c,
    const char *method, char **seg, size_t n, const struct ad_sbuf *body,
    struct answer *a, struct ad_infer_req *q)
{
	const char *m = seg[2], *version = NULL, *vname = NULL, *what;
	const struct ad_release *rel;
	struct ad_sbuf out = { 0 };
	struct ad_error e;
	char msg[600];
	size_t mi, vi, rest = 3;

	if (n >= 5 && strcmp(seg[3], "versions") == 0) {
		version = seg[4];
		rest = 5;
	}
	what = n > rest ? seg[rest] : "";
	if (n > rest + 1 || (n > rest && strcmp(what, "ready") != 0 &&
	    strcmp(what, "infer") != 0) || (n == 4 && version == NULL &&
	    strcmp(seg[3], "versions") == 0)) {
		answer_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint");
		return;
	}
	if (!ad_store_name_ok(m) || (version && !ad_store_name_ok(version))) {
		answer_error(a, MHD_HTTP_BAD_REQUEST, "a model or version name "
		    "must not be empty, start with '.' or hold '/'");
		return;
	}
	snprintf(a->model, sizeof a->model, "%s", m);
	if ((mi = ad_store_find(store, m)) == SIZE_MAX) {
		snprintf(msg, sizeof msg, "no model called \"%.200s\"", m);
		answer_error(a, MHD_HTTP_NOT_FOUND, msg);
		return;
	}
	if ((vi = ad_store_version_find(store, mi, version)) == SIZE_MAX) {
		if (version)
			snprintf(msg, sizeof msg, "model \"%.200s\" has no version "
			    "\"%.200s\"", m, version);
		else
			snprintf(msg, sizeof msg, "model \"%.200s\" has no current "
			    "release", m);
		answer_error(a, MHD_HTTP_NOT_FOUND, msg);
		return;
	}
	rel = ad_store_release_at(store, mi, vi);
	vname = ad_store_version(store, mi, vi);
	a->version = vname;
	a->meters = ad_store_meters(store, mi, vi);
	a->mi = mi;
	if (strcmp(what, "infer") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			answer_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "infer takes POST");
		else
			infer(s, c, m, vname, rel, body, a, q);
		return;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
		answer_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "metadata takes GET");
		return;
	}
	if (strcmp(what, "ready") == 0) {
		answer_text(a, "{\"ready\":true}");
		return;
	}
	if (model_metadata(store, mi, vname, rel, &out, &e) != AD_OK)
		answer_status(a, &e);
	else
		answer_json(a, &out);
	ad_sbuf_free(&out);
}

/* ---- /metrics ---- */

static enum ad_status tally_locked(struct ad_server *s,
    const struct ad_store *store, struct ad_error *err);

/* Adds the loads and failures of the scan that made store to the
 * server's tallies. */
static enum ad_status tally_loads(struct ad_server *s,
    const struct ad_store *store, struct ad_error *err)
{
	enum ad_status st;

	pthread_mutex_lock(&s->lock);
	st = tally_locked(s, store, err);
	pthread_mutex_unlock(&s->lock);
	return st;
}

static enum ad_status tally_locked(struct ad_server *s,
    const struct ad_store *store, struct ad_error *err)
{
	for (size_t i = 0; i < ad_store_count(store); i++) {
		const char *name = ad_store_name(store, i);
		uint64_t loaded, failed;
		size_t k = 0;

		ad_store_tally(store, i, &loaded, &failed);
		while (k < s->nloads && strcmp(s->loads[k].model, name) != 0)
			k++;
		if (k == s->nloads) {
			struct load_tally *grown = ad_realloc(s->loads,
			    (s->nloads + 1) * sizeof *grown);
			if (grown == NULL)
				return ad_error_nomem(err);
			s->loads = grown;
			memset(&s->loads[k], 0, sizeof s->loads[k]);
			if ((s->loads[k].model = ad_strndup(name, strlen(name))) ==
			    NULL)
				return ad_error_nomem(err);
			s->nloads++;
		}
		s->loads[k].loaded += loaded;
		s->loads[k].failed += failed;
	}
	return AD_OK;
}

/* The server's own families: requests in flight, threads, releases loaded
 * and failed, reloads failed, and which release is current. */
static enum ad_status server_families(struct ad_server *s,
    const struct ad_store *store, struct ad_sbuf *b, struct ad_error *err)
{
	static const char *const model_l[] = { "model" };
	static const char *const release_l[] = { "model", "version" };
	const char **names = NULL;
	double *v = NULL, one;
	size_t n = 0, cap = 1;
	enum ad_status st;

	one = (double)atomic_load(&s->inflight);
	if ((st = ad_meters_write_family(b, "adkit_serve_requests_in_flight",
	    "gauge", "Inference requests being served.", NULL, 0, NULL, &one, 1,
	    err)) != AD_OK)
		return st;
	one = s->o.threads;
	if ((st = ad_meters_write_family(b, "adkit_serve_threads", "gauge",
	    "Threads answering requests (--threads).", NULL, 0, NULL, &one, 1,
	    err)) != AD_OK)
		return st;
	one = (double)atomic_load(&s->reload_failures);
	if ((st = ad_meters_write_family(b, "adkit_serve_reload_failures_total",
	    "counter", "Rescans of the store that failed as a whole, the store "
	    "before staying served.", NULL, 0, NULL, &one, 1, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < ad_store_count(store); i++)
		cap += ad_store_versions(store, i);
	pthread_mutex_lock(&s->lock);
	if (s->nloads + 1 > cap)
		cap = s->nloads + 1;
	names = ad_calloc(2 * cap, sizeof *names);
	v = ad_calloc(cap, sizeof *v);
	if (names == NULL || v == NULL) {
		pthread_mutex_unlock(&s->lock);
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < s->nloads; k++) {
		names[k] = s->loads[k].model;
		v[k] = (double)s->loads[k].loaded;
	}
	st = ad_meters_write_family(b, "adkit_serve_release_loads_total",
	    "counter", "Releases loaded, at start and by reloads (a release kept "
	    "unchanged by a reload is not loaded again).", model_l, 1, names, v,
	    s->nloads, err);
	for (size_t k = 0; k < s->nloads; k++)
		v[k] = (double)s->loads[k].failed;
	if (st == AD_OK)
		st = ad_meters_write_family(b,
		    "adkit_serve_release_load_failures_total", "counter", "Releases "
		    "that failed to load (left out; counted once until their files "
		    "change).", model_l, 1, names, v, s->nloads, err);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < ad_store_count(store); i++)
		for (size_t k = 0; k < ad_store_versions(store, i); k++) {
			names[2 * n] = ad_store_name(store, i);
			names[2 * n + 1] = ad_store_version(store, i, k);
			v[n++] = ad_store_current(store, i) == k;
		}
	if (st == AD_OK)
		st = ad_meters_write_family(b, "adkit_serve_release_current",
		    "gauge", "1 for the release the unversioned path serves, 0 for "
		    "the other releases loaded.", release_l, 2, names, v, n, err);
	for (size_t i = 0, j = 0; i < ad_store_count(store); i++)
		for (size_t k = 0; k < ad_store_versions(store, i); k++)
			v[j++] = (double)ad_release_evicted(
			    ad_store_release_at(store, i, k));
	if (st == AD_OK)
		st = ad_meters_write_family(b,
		    "adkit_serve_entities_evicted_total", "counter", "Entities "
		    "(group keys) whose context state was evicted, the least "
		    "recently seen, to keep at most --max-entities per release.",
		    release_l, 2, names, v, n, err);
out:
	ad_free(names);
	ad_free(v);
	return st;
}

static void answer_metrics(struct ad_server *s, const struct ad_store *store,
    struct answer *a)
{
	struct ad_meters_entry *e;
	struct ad_sbuf b = { 0 };
	struct ad_error err;
	size_t n = 1;

	for (size_t i = 0; i < ad_store_count(store); i++)
		n += ad_store_versions(store, i);
	if ((e = ad_calloc(n, sizeof *e)) == NULL) {
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	e[0].meters = s->unrouted;
	n = 1;
	for (size_t i = 0; i < ad_store_count(store); i++)
		for (size_t k = 0; k < ad_store_versions(store, i); k++, n++) {
			e[n].model = ad_store_name(store, i);
			e[n].version = ad_store_version(store, i, k);
			e[n].meters = ad_store_meters(store, i, k);
		}
	if (ad_meters_write(&b, e, n, &err) != AD_OK ||
	    server_families(s, store, &b, &err) != AD_OK)
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	else {
		a->status = MHD_HTTP_OK;
		a->type = CT_PROM;
		ad_sbuf_free(&a->body);
		a->body = b;
		memset(&b, 0, sizeof b);
	}
	ad_sbuf_free(&b);
	ad_free(e);
}

static void route(struct ad_server *s, const struct ad_store *store,
    struct MHD_Connection *c, const char *url, const char *method,
    const struct ad_sbuf *body, struct answer *a, struct ad_infer_req *q)
{
	char *copy = ad_strndup(url, strlen(url)), *seg[MAXSEG];
	size_t n;
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

	if (copy == NULL) {
		answer_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	n = split(copy, seg);
	if (n == 1 && get && strcmp(seg[0], "metrics") == 0)
		answer_metrics(s, store, a);
	else if (n == 0 || n > MAXSEG || strcmp(seg[0], "v2") != 0)
		answer_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint (the API is "
		    "under /v2)");
	else if (n == 1 && get)
		answer_text(a, "{\"name\":\"adkit\",\"version\":\"" AD_VERSION
		    "\",\"extensions\":[]}");
	else if (n == 3 && get && strcmp(seg[1], "health") == 0 &&
	    strcmp(seg[2], "live") == 0)
		answer_text(a, "{\"live\":true}");
	else if (n == 3 && get && strcmp(seg[1], "health") == 0 &&
	    strcmp(seg[2], "ready") == 0)
		answer_text(a, "{\"ready\":true}");
	else if (n >= 3 && strcmp(seg[1], "models") == 0)
		route_model(s, store, c, method, seg, n, body, a, q);
	else
		answer_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint");
	ad_free(copy);
}

/* For a request refused before its body (413, 503): the model version its
 * URL names, if any, so that it is counted there. */
static void route_early(const struct ad_store *store, const char *url,
    struct answer *a)
{
	char *copy = ad_strndup(url, strlen(url)), *seg[MAXSEG];
	size_t n, mi, vi;

	if (copy == NULL)
		return;
	n = split(copy, seg);
	if (n >= 3 && n <= MAXSEG && strcmp(seg[0], "v2") == 0 &&
	    strcmp(seg[1], "models") == 0 &&
	    (mi = ad_store_find(store, seg[2])) != SIZE_MAX &&
	    (vi = ad_store_version_find(store, mi, n >= 5 &&
	    strcmp(seg[3], "versions") == 0 ? seg[4] : NULL)) != SIZE_MAX) {
		snprintf(a->model, sizeof a->model, "%s", seg[2]);
		a->version = ad_store_version(store, mi, vi);
		a->meters = ad_store_meters(store, mi, vi);
	}
	ad_free(copy);
}
/* ---- libmicrohttpd's callbacks ---- */

static double ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* One logfmt line per request. */
static void log_request(const struct ad_server *s, const struct req *r,
    const char *method, const char *url, const struct answer *a)
{
	char line[1536], id[300] = "";

	if (s->o.log == NULL)
		return;
	if (a->id != NULL) {
		char ex[200];
		ad_error_excerpt(ex, sizeof ex, a->id, strlen(a->id), "\" ");
		snprintf(id, sizeof id, " id=\"%s\"", ex);
	}
	snprintf(line, sizeof line, "method=%s path=%.400s status=%u model=%.200s "
	    "version=%.200s rows=%llu bytes_in=%zu bytes_out=%zu ms=%.3f%s",
	    method, url, a->status, a->model[0] ? a->model : "-",
	    a->version ? a->version : "-", (unsigned long long)a->rows,
	    r->body.len, a->body.len, ms_since(&r->t0), id);
	s->o.log(s->o.log_ctx, line);
}

static enum MHD_Result send_answer(struct MHD_Connection *c,
    const struct answer *a, int retry)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(a->body.len,
	    a->body.p ? a->body.p : (void *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	if (retry)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ok = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* The current store, held until release: no lock, so requests never wait
 * on each other or on a reload. */
static struct gen *acquire(struct ad_server *s)
{
	struct gen *g;

	atomic_fetch_add(&s->entering, 1);
	g = atomic_load(&s->cur);
	atomic_fetch_add(&g->refs, 1);
	atomic_fetch_sub(&s->entering, 1);
	return g;
}

/* Lets go of g (NULL is a no-op); the last one out frees it. */
static void release(struct gen *g)
{
	if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	ad_store_free(g->store);
	ad_free(g);
}

/* ---- shadow scoring ---- */

static void shadow_free(struct shadow_job *j)
{
	if (j == NULL)
		return;
	ad_sbuf_free(&j->rows);
	ad_free(j->score);
	ad_free(j->flag);
	ad_free(j->version);
	ad_free(j->id);
	ad_free(j);
}

/* Takes what the shadow needs from an answered request, if it is one for
 * the shadow's model answered by another version. */
static void shadow_take(struct ad_server *s, struct req *r, struct answer *a)
{
	struct shadow_job *j;

	if (s->o.shadow == NULL || a->status != MHD_HTTP_OK ||
	    a->score == NULL || a->version == NULL ||
	    strcmp(a->model, s->o.shadow_model) != 0 ||
	    strcmp(a->version, s->o.shadow_version) == 0)
		return;
	if ((j = ad_calloc(1, sizeof *j)) == NULL ||
	    (j->version = ad_strndup(a->version, strlen(a->version))) == NULL ||
	    (a->id != NULL && (j->id = ad_strndup(a->id, strlen(a->id))) ==
	    NULL)) {
		shadow_free(j);
		ad_meters_shadow(a->meters, 0, 1);
		return;
	}
	j->rows = r->body;
	memset(&r->body, 0, sizeof r->body);
	j->json = a->rows_json;
	j->format = a->rows_format;
	j->score = a->score;
	j->flag = a->flag;
	a->score = a->flag = NULL;
	j->n = a->rows;
	j->mi = a->mi;
	j->meters = a->meters;
	r->shadow = j;
}

/* The label cells of block b's rows (column col, text or numbers), from
 * row *i of the request on, at most n in all: at[i] their offset in cells,
 * or SIZE_MAX for a missing one. */
static enum ad_status label_block(const struct ad_block *b, size_t col,
    int text, size_t n, size_t *i, size_t *at, struct ad_sbuf *cells,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t r = 0; r < b->nrows && st == AD_OK && *i < n; r++, (*i)++) {
		size_t len = 0;
		const char *t = text ? ad_block_text(b, r, col, &len) : NULL;
		double v = b->num[r * b->ncols + col];
		char num[AD_NUM_MAXLEN];

		at[*i] = SIZE_MAX;
		if (!text && !isnan(v)) {
			len = ad_num_format(v, num);
			t = num;
		}
		if (t == NULL)
			continue;
		at[*i] = cells->len;
		if ((st = ad_sbuf_put(cells, t, len, err)) == AD_OK)
			st = ad_sbuf_put(cells, "", 1, err);
	}
	return st;
}

/* The row cells' offsets at[0..i) as pointers into cells. */
static enum ad_status label_list(const size_t *at, size_t i, size_t n,
    const struct ad_sbuf *cells, char ***labels, struct ad_error *err)
{
	if ((*labels = ad_calloc(n + 1, sizeof **labels)) == NULL)
		return ad_error_nomem(err);
	for (size_t k = 0; k < i; k++)
		(*labels)[k] = at[k] == SIZE_MAX ? NULL : cells->p + at[k];
	return AD_OK;
}

/* The request's label column, one cell a row (NULL: missing), if its rows
 * (a CSV or binary body) have one; *labels stays NULL otherwise. */
static enum ad_status read_labels(const struct shadow_job *j,
    struct ad_sbuf *cells, char ***labels, struct ad_error *err)
{
	struct ad_reader_opts ro;
	struct ad_reader *rd;
	struct ad_block *b;
	size_t col, i = 0, *at = NULL;
	int text;
	enum ad_status st;

	memset(&ro, 0, sizeof ro);
	if ((st = body_input(&j->rows, &ro.from, err)) != AD_OK ||
	    (st = ad_reader_open(&rd, &ro, err)) != AD_OK)
		return st;
	col = ad_schema_find(ad_reader_schema(rd), "label");
	if (col == SIZE_MAX)
		goto out;
	text = ad_reader_schema(rd)->cols[col].type == AD_TEXT;
	if ((at = ad_calloc(j->n + 1, sizeof *at)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	while (st == AD_OK && (st = ad_reader_next(rd, &b, err)) == AD_OK &&
	    b->nrows > 0)
		st = label_block(b, col, text, j->n, &i, at, cells, err);
	if (st == AD_OK)
		st = label_list(at, i, j->n, cells, labels, err);
out:
	ad_free(at);
	ad_reader_free(rd);
	return st;
}

/* The same from a decoded JSON request's blocks (inputs' columns). */
static enum ad_status block_labels(const struct ad_infer_req *q,
    const struct ad_schema *inputs, size_t n, struct ad_sbuf *cells,
    char ***labels, struct ad_error *err)
{
	size_t col = ad_schema_find(inputs, "label"), i = 0, *at;
	enum ad_status st = AD_OK;

	if (col == SIZE_MAX)
		return AD_OK;
	if ((at = ad_calloc(n + 1, sizeof *at)) == NULL)
		return ad_error_nomem(err);
	for (size_t k = 0; k < q->nblocks && st == AD_OK; k++)
		st = label_block(q->blocks[k], col, inputs->cols[col].type == AD_TEXT,
		    n, &i, at, cells, err);
	if (st == AD_OK)
		st = label_list(at, i, n, cells, labels, err);
	ad_free(at);
	return st;
}

/* Scores a JSON request's body with rel (decoded against rel's inputs, as
 * the served version did against its own): scores and flags into cs, cf,
 * the label column into *labels. */
static enum ad_status shadow_json(const struct ad_release *rel,
    const struct shadow_job *j, double *cs, double *cf, struct ad_sbuf *cells,
    char ***labels, struct ad_error *err)
{
	struct ad_infer_req q;
	struct ad_release_scores sc = { 0 };
	struct ad_release_tally t;
	const char *const *na;
	size_t n_na;
	enum ad_status st;

	memset(&q, 0, sizeof q);
	na = ad_release_na(rel, &n_na);
	if ((st = ad_infer_decode(j->rows.p ? j->rows.p : "", j->rows.len,
	    ad_release_inputs(rel), ad_release_model(rel)->nfeat, na, n_na, &q,
	    err)) == AD_OK &&
	    (st = ad_release_score_rows(rel, q.blocks, q.nblocks, 0, &sc, &t,
	    err)) == AD_OK) {
		if (sc.n != j->n)
			st = ad_error_set(err, AD_EDATA, "it scored %zu of the %zu rows",
			    sc.n, j->n);
		else {
			memcpy(cs, sc.score, j->n * sizeof *cs);
			memcpy(cf, sc.flag, j->n * sizeof *cf);
			st = block_labels(&q, ad_release_inputs(rel), j->n, cells, labels,
			    err);
		}
	}
	ad_release_scores_free(&sc);
	ad_infer_req_free(&q);
	return st;
}

/* Scores a request's rows with the shadow version and appends both
 * versions' scores to the shadow file; a failure is counted and logged. */
static void shadow_run(struct ad_server *s, const struct ad_store *store,
    const struct shadow_job *j)
{
	struct ad_release_call call = { AD_FORMAT_BIN, 0 };
	struct ad_release_tally t;
	struct ad_sbuf explain = { 0 }, cells = { 0 };
	struct ad_in *res;
	struct ad_error e;
	double *cs = ad_calloc(j->n + 1, sizeof *cs);
	double *cf = ad_calloc(j->n + 1, sizeof *cf);
	char **labels = NULL;
	size_t vi = ad_store_version_find(store, j->mi, s->o.shadow_version);
	enum ad_status st;

	ad_error_clear(&e);
	if (cs == NULL || cf == NULL)
		st = ad_error_nomem(&e);
	else if (vi == SIZE_MAX)
		st = ad_error_set(&e, AD_EDATA, "the store has no version \"%.200s\" "
		    "any more", s->o.shadow_version);
	else if (j->json) {
		if ((st = shadow_json(ad_store_release_at(store, j->mi, vi), j, cs,
		    cf, &cells, &labels, &e)) == AD_OK) {
			struct ad_shadow_batch b = { s->o.shadow_model, j->version,
			    s->o.shadow_version, j->id, j->n, j->score, j->flag, cs, cf,
			    (const char *const *)labels };
			st = ad_shadow_append(s->o.shadow, &b, &e);
		}
	} else if ((st = score_body(ad_store_release_at(store, j->mi, vi),
	    &j->rows, &call, &res, &t, &e)) == AD_OK) {
		if (t.rows_scored != j->n) {
			ad_in_close(res);
			st = ad_error_set(&e, AD_EDATA, "it scored %llu of the %zu rows",
			    (unsigned long long)t.rows_scored, j->n);
		} else if ((st = collect(res, j->n, cs, cf, &explain, &e)) == AD_OK &&
		    (st = read_labels(j, &cells, &labels, &e)) == AD_OK) {
			struct ad_shadow_batch b = { s->o.shadow_model, j->version,
			    s->o.shadow_version, j->id, j->n, j->score, j->flag, cs, cf,
			    (const char *const *)labels };
			st = ad_shadow_append(s->o.shadow, &b, &e);
		}
	}
	ad_meters_shadow(j->meters, st == AD_OK ? j->n : 0, st != AD_OK);
	if (st != AD_OK && s->o.log != NULL) {
		char line[1400];
		snprintf(line, sizeof line, "shadow model=%.200s version=%.200s "
		    "failed: %.900s", s->o.shadow_model, s->o.shadow_version, e.msg);
		s->o.log(s->o.log_ctx, line);
	}
	ad_sbuf_free(&explain);
	ad_sbuf_free(&cells);
	ad_free(labels);
	ad_free(cs);
	ad_free(cf);
}

/* ---- answering ---- */

static enum MHD_Result respond(struct ad_server *s, struct MHD_Connection *c,
    struct req *r, const char *url, const char *method)
{
	struct answer a;
	struct ad_infer_req q;
	enum MHD_Result ok;

	memset(&a, 0, sizeof a);
	memset(&q, 0, sizeof q);
	if (r->early != 0)
		route_early(r->g->store, url, &a);
	if (r->early == MHD_HTTP_CONTENT_TOO_LARGE) {
		char msg[128];
		snprintf(msg, sizeof msg, "the body is larger than --max-body "
		    "(%llu bytes)", (unsigned long long)s->o.max_body);
		answer_error(&a, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	} else if (r->early == MHD_HTTP_SERVICE_UNAVAILABLE)
		answer_error(&a, MHD_HTTP_SERVICE_UNAVAILABLE, "too many requests "
		    "in flight (--max-inflight); retry");
	else if (r->early != 0)
		answer_error(&a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	else
		route(s, r->g->store, c, url, method, &r->body, &a, &q);
	ad_meters_request(a.meters ? a.meters : s->unrouted, a.status,
	    ms_since(&r->t0) / 1e3);
	log_request(s, r, method, url, &a);
	ok = send_answer(c, &a, r->early == MHD_HTTP_SERVICE_UNAVAILABLE);
	shadow_take(s, r, &a);
	ad_infer_req_free(&q);
	ad_sbuf_free(&a.body);
	ad_free(a.score);
	ad_free(a.flag);
	ad_sbuf_free(&r->body);
	return ok;
}
/* The first call for a request: what it may be refused before its body. */
static void admit(struct ad_server *s, struct MHD_Connection *c,
    struct req *r, const char *method)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	/* held until the request completes: it ends on the store it began on */
	r->g = acquire(s);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return;
	r->counted = 1;
	if (atomic_fetch_add(&s->inflight, 1) >= s->o.max_inflight)
		r->early = MHD_HTTP_SERVICE_UNAVAILABLE;
	else if (cl != NULL && strtoull(cl, NULL, 10) > s->o.max_body)
		r->early = MHD_HTTP_CONTENT_TOO_LARGE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
    const char *url, const char *method, const char *version,
    const char *data, size_t *size, void **ctx)
{
	struct ad_server *s = cls;
	struct req *r = *ctx;
	struct ad_error e;

	(void)version;
	if (r == NULL) {
		if ((r = ad_calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		*ctx = r;
		admit(s, c, r, method);
		return MHD_YES;
	}
	if (*size > 0) {
		if (r->early == 0 && r->body.len + *size > s->o.max_body) {
			r->early = MHD_HTTP_CONTENT_TOO_LARGE;
			ad_sbuf_free(&r->body);
		}
		if (r->early == 0 && ad_sbuf_put(&r->body, data, *size, &e) != AD_OK)
			r->early = MHD_HTTP_INTERNAL_SERVER_ERROR;
		*size = 0;
		return MHD_YES;
	}
	return respond(s, c, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode why)
{
	struct ad_server *s = cls;
	struct req *r = *ctx;

	(void)c;
	if (r == NULL)
		return;
	/* after the answer went out: the client does not wait for it, a
	 * drain does (the request still counts as in flight) */
	if (r->shadow != NULL && why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		shadow_run(s, r->g->store, r->shadow);
	shadow_free(r->shadow);
	if (r->counted)
		atomic_fetch_sub(&s->inflight, 1);
	release(r->g);
	ad_sbuf_free(&r->body);
	ad_free(r);
	*ctx = NULL;
}

/* ---- start and stop ---- */

static enum ad_status parse_listen(const char *spec, struct sockaddr_storage *sa,
    int *v6, struct ad_error *err)
{
	const char *colon = strrchr(spec, ':');
	char host[128];
	size_t hl;
	char *end;
	unsigned long port;

	if (colon == NULL || colon[1] == '\0')
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535 || colon[1] < '0' || colon[1] > '9')
		goto bad;
	hl = (size_t)(colon - spec);
	if (hl >= sizeof host)
		goto bad;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof *sa);
	*v6 = host[0] == '[';
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
		if (hl < 2 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)sa;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return AD_OK;
bad:
	return ad_error_set(err, AD_EUSAGE, "--listen: expected ADDR:PORT (an "
	    "IPv4 address, or [an IPv6 address]) and a port up to 65535, got "
	    "\"%.200s\"", spec);
}


static struct gen *gen_new(struct ad_store *store)
{
	struct gen *g = ad_calloc(1, sizeof *g);

	if (g != NULL) {
		g->store = store;
		atomic_init(&g->refs, 1);
	}
	return g;
}

static void server_free(struct ad_server *s)
{
	release(atomic_load(&s->cur));
	for (size_t k = 0; k < s->nloads; k++)
		ad_free(s->loads[k].model);
	ad_free(s->loads);
	ad_meters_free(s->unrouted);
	ad_shadow_close(s->o.shadow);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->swapping);
	ad_free(s);
}

/* The --shadow version must be in the store served at start. */
static enum ad_status check_shadow(const struct ad_server_opts *o,
    const struct ad_store *store, struct ad_error *err)
{
	size_t mi;

	if (o->shadow == NULL)
		return AD_OK;
	if ((mi = ad_store_find(store, o->shadow_model)) == SIZE_MAX ||
	    ad_store_version_find(store, mi, o->shadow_version) == SIZE_MAX)
		return ad_error_set(err, AD_EDATA, "--shadow %.200s:%.200s: the "
		    "store has no such model version", o->shadow_model,
		    o->shadow_version);
	return AD_OK;
}

enum ad_status ad_server_start(struct ad_server **out,
    struct ad_store *store, const struct ad_server_opts *o,
    struct ad_error *err)
{
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	struct ad_server *s;
	struct gen *g;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC;
	int v6 = 0;
	enum ad_status st;

	if ((st = parse_listen(o->listen, &sa, &v6, err)) != AD_OK ||
	    (st = check_shadow(o, store, err)) != AD_OK) {
		ad_store_free(store);
		ad_shadow_close(o->shadow);
		return st;
	}
	if ((s = ad_calloc(1, sizeof *s)) == NULL || (g = gen_new(store)) ==
	    NULL) {
		ad_free(s);
		ad_store_free(store);
		ad_shadow_close(o->shadow);
		return ad_error_nomem(err);
	}
	atomic_init(&s->cur, g);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->swapping, NULL);
	s->o = *o;
	atomic_init(&s->inflight, 0);
	if ((st = ad_meters_new(&s->unrouted, NULL, err)) != AD_OK ||
	    (st = tally_loads(s, store, err)) != AD_OK) {
		server_free(s);
		return st;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 1 ? o->threads : 0),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		int e = errno ? errno : EADDRINUSE;
		server_free(s);
		return ad_error_sys(err, e, o->listen, "cannot listen");
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return AD_OK;
}

/* Serves store from now on (s->swapping held); the old one goes when its
 * last request does. */
static enum ad_status install(struct ad_server *s, struct ad_store *store,
    struct ad_error *err)
{
	struct gen *g = gen_new(store), *old;
	enum ad_status st;

	if (g == NULL) {
		ad_store_free(store);
		return ad_error_nomem(err);
	}
	st = tally_loads(s, store, err);
	old = atomic_exchange(&s->cur, g);
	/* a request that read the old one has taken its hold once no request
	 * is between reading cur and holding what it read */
	while (atomic_load(&s->entering) != 0)
		sched_yield();
	release(old);
	return st;
}

enum ad_status ad_server_swap(struct ad_server *s, struct ad_store *store,
    struct ad_error *err)
{
	enum ad_status st;

	pthread_mutex_lock(&s->swapping);
	st = install(s, store, err);
	pthread_mutex_unlock(&s->swapping);
	return st;
}

enum ad_status ad_server_reload(struct ad_server *s,
    const struct ad_store_source *src, int retry, ad_store_warn_fn warn,
    void *ctx, int *changed, size_t *models, struct ad_error *err)
{
	struct gen *g;
	struct ad_store *store;
	enum ad_status st;

	pthread_mutex_lock(&s->swapping);
	g = acquire(s);
	if ((st = ad_store_open(&store, src, g->store, retry, warn, ctx, err)) ==
	    AD_OK) {
		*changed = ad_store_changed(store, g->store);
		*models = ad_store_count(store);
		st = install(s, store, err);
	} else
		atomic_fetch_add(&s->reload_failures, 1);
	release(g);
	pthread_mutex_unlock(&s->swapping);
	return st;
}

unsigned ad_server_port(const struct ad_server *s)
{
	return s->port;
}

uint64_t ad_server_stop(struct ad_server *s, double drain)
{
	struct timespec t0, tick = { 0, 10 * 1000 * 1000 };
	uint64_t left;
	MHD_socket fd;

	if (s == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while ((left = atomic_load(&s->inflight)) > 0 &&
	    ms_since(&t0) < drain * 1e3)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(s->d);
	server_free(s);
	return left;
}
