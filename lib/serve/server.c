/*
 * ad-serve's HTTP side: see server.h.
 *
 * libmicrohttpd parses HTTP and runs a pool of polling threads; each
 * request is answered by the thread that read it, start to end, so a
 * request shares nothing with another but the store, which is read-only.
 * A store replaced (ad_server_swap) is freed when the last request that
 * began on it ends, so a request finishes on the version it started on.
 * A body is gathered in memory (up to max_body) and scored through the
 * release's stages (lib/serve/release.c) once it is complete.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
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
#include "model.h"
#include "out.h"
#include "reader.h"
#include "release.h"
#include "server.h"
#include "store.h"

#define CT_JSON "application/json"
#define CT_CSV "text/csv"
#define CT_BIN "application/vnd.adkit.stream"

/* A store and the requests using it. */
struct gen {
	struct ad_store *store;
	uint64_t refs;           /* requests on it, plus one while current */
};

struct ad_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;    /* guards cur and every gen's refs */
	struct gen *cur;         /* the store new requests use */
	struct ad_server_opts o;
	unsigned port;
	atomic_uint_fast64_t inflight;   /* inference requests being served */
};

/* One request, from its first byte to its answer. */
struct req {
	struct ad_sbuf body;
	int early;               /* 413, 503 or 500 decided while the body
	                            came in; 0 */
	int counted;             /* holds one of max_inflight */
	struct gen *g;           /* the store current when it came in */
	struct timespec t0;
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
	else
		answer_json(a, &out);
	ad_sbuf_free(&out);
	ad_sbuf_free(&explain);
	ad_release_scores_free(&sc);
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
	size_t mi, rest = 3;

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
	if ((rel = ad_store_release(store, mi, version, &vname)) == NULL) {
		if (version)
			snprintf(msg, sizeof msg, "model \"%.200s\" has no version "
			    "\"%.200s\"", m, version);
		else
			snprintf(msg, sizeof msg, "model \"%.200s\" has no current "
			    "release", m);
		answer_error(a, MHD_HTTP_NOT_FOUND, msg);
		return;
	}
	a->version = vname;
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

static void route(const struct ad_server *s, const struct ad_store *store,
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
	if (n == 0 || n > MAXSEG || strcmp(seg[0], "v2") != 0)
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

/* The current store, held until release. */
static struct gen *acquire(struct ad_server *s)
{
	struct gen *g;

	pthread_mutex_lock(&s->lock);
	g = s->cur;
	g->refs++;
	pthread_mutex_unlock(&s->lock);
	return g;
}

/* Lets go of g (NULL is a no-op); the last one out frees it. */
static void release(struct ad_server *s, struct gen *g)
{
	int last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		ad_store_free(g->store);
		ad_free(g);
	}
}

static enum MHD_Result respond(struct ad_server *s, struct MHD_Connection *c,
    struct req *r, const char *url, const char *method)
{
	struct answer a;
	struct ad_infer_req q;
	enum MHD_Result ok;

	memset(&a, 0, sizeof a);
	memset(&q, 0, sizeof q);
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
	log_request(s, r, method, url, &a);
	ok = send_answer(c, &a, r->early == MHD_HTTP_SERVICE_UNAVAILABLE);
	ad_infer_req_free(&q);
	ad_sbuf_free(&a.body);
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
	(void)why;
	if (r == NULL)
		return;
	if (r->counted)
		atomic_fetch_sub(&s->inflight, 1);
	release(s, r->g);
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

enum ad_status ad_server_start(struct ad_server **out,
    struct ad_store *store, const struct ad_server_opts *o,
    struct ad_error *err)
{
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	struct ad_server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC;
	int v6 = 0;
	enum ad_status st;

	if ((st = parse_listen(o->listen, &sa, &v6, err)) != AD_OK) {
		ad_store_free(store);
		return st;
	}
	if ((s = ad_calloc(1, sizeof *s)) == NULL ||
	    (s->cur = ad_calloc(1, sizeof *s->cur)) == NULL) {
		ad_free(s);
		ad_store_free(store);
		return ad_error_nomem(err);
	}
	s->cur->store = store;
	s->cur->refs = 1;
	pthread_mutex_init(&s->lock, NULL);
	s->o = *o;
	atomic_init(&s->inflight, 0);
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
		release(s, s->cur);
		pthread_mutex_destroy(&s->lock);
		ad_free(s);
		return ad_error_sys(err, e, o->listen, "cannot listen");
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return AD_OK;
}

enum ad_status ad_server_swap(struct ad_server *s, struct ad_store *store,
    struct ad_error *err)
{
	struct gen *g = ad_calloc(1, sizeof *g), *old;

	if (g == NULL) {
		ad_store_free(store);
		return ad_error_nomem(err);
	}
	g->store = store;
	g->refs = 1;
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = g;
	pthread_mutex_unlock(&s->lock);
	release(s, old);
	return AD_OK;
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
	release(s, s->cur);
	pthread_mutex_destroy(&s->lock);
	ad_free(s);
	return left;
}
