/*
 * lib/serve without HTTP: the inference request decoder (tensors per column
 * or one [N, d] tensor, nested data, every datatype, null, quoting of
 * BYTES, the errors that name what is wrong), the answer's JSON (shortest
 * numbers, escaped strings), model and version names, a release scoring
 * rows through ad-clean params and a model exactly as the batch runners
 * do, and the OOM loops of the decoder and of a release's scoring.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean.h"
#include "detector.h"
#include "featurize.h"
#include "in.h"
#include "infer.h"
#include "model.h"
#include "num.h"
#include "out.h"
#include "release.h"
#include "schema.h"
#include "score.h"
#include "store.h"
#include "train.h"
#include "writer.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

/* ---- a scratch folder (tmpdir.h's put_file would clash with files.h's) ---- */

static char tmpdir[64];

static const char *path_of(const char *name)
{
	static char buf[64][160];
	static int k;

	k = (k + 1) % 64;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void put_text(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "wb");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(name);
		exit(2);
	}
}

/* ---- the decoder ---- */

static struct ad_schema *inputs(void)
{
	struct ad_schema *s;
	struct ad_error err;

	CHECK(ad_schema_new(&s, &err) == AD_OK);
	CHECK(ad_schema_add(s, "host", 4, AD_TEXT, &err) == AD_OK);
	CHECK(ad_schema_add(s, "cpu", 3, AD_NUMERIC, &err) == AD_OK);
	CHECK(ad_schema_add(s, "up", 2, AD_NUMERIC, &err) == AD_OK);
	return s;
}

/* The decoded rows as the CSV the writer makes of them (blocks of the
 * three inputs), into out. */
static void rows_csv_of(const struct ad_infer_req *q,
    const struct ad_schema *s, char *out, size_t cap)
{
	struct ad_writer_opts wo = { 0 };
	struct ad_out *o;
	struct ad_writer *w;
	struct ad_in *in;
	struct ad_error err;
	const unsigned char *p;
	size_t n, len = 0;

	wo.format = AD_FORMAT_CSV;
	CHECK(ad_out_open_mem(&o, &err) == AD_OK);
	CHECK(ad_writer_open(&w, o, s, &wo, &err) == AD_OK);
	for (size_t i = 0; i < q->nblocks; i++)
		CHECK(ad_writer_write(w, q->blocks[i], NULL, &err) == AD_OK);
	CHECK(ad_writer_finish(w, &err) == AD_OK);
	ad_writer_free(w);
	CHECK(ad_out_spill_to_in(o, &in, &err) == AD_OK);
	ad_out_abort(o);
	out[0] = '\0';
	while (ad_in_next(in, &p, &n, &err) == AD_OK && n > 0 && len + n < cap) {
		memcpy(out + len, p, n);
		out[len += n] = '\0';
	}
	ad_in_close(in);
}

/* Decodes json against the three inputs (the reader's missing tokens);
 * the status, with the rows as CSV in out (or the message, on failure). */
static enum ad_status decode(const char *json, char *out, size_t cap,
    struct ad_infer_req *q)
{
	struct ad_schema *s = inputs();
	struct ad_error err;
	enum ad_status st;

	memset(&err, 0, sizeof err);
	st = ad_infer_decode(json, strlen(json), s, 2, ad_reader_default_na,
	    ad_reader_default_na_count, q, &err);
	if (st == AD_OK)
		rows_csv_of(q, s, out, cap);
	else
		snprintf(out, cap, "%s", err.msg);
	ad_schema_free(s);
	return st;
}

static void test_decode_per_column(void)
{
	struct ad_infer_req q;
	char got[1100];

	CHECK(decode("{\"id\":\"x\",\"inputs\":["
	    "{\"name\":\"up\",\"datatype\":\"BOOL\",\"shape\":[3],\"data\":[true,false,null]},"
	    "{\"name\":\"host\",\"datatype\":\"BYTES\",\"shape\":[3,1],"
	    "\"data\":[[\"a,b\"],[\"say \\\"hi\\\"\"],[null]]},"
	    "{\"name\":\"cpu\",\"datatype\":\"FP32\",\"shape\":[3],\"data\":[0.1,2,1e3]}]}",
	    got, sizeof got, &q) == AD_OK);
	CHECK_STR(got, "host,cpu,up\n"
	    "\"a,b\",0.10000000149011612,1\n"
	    "\"say \"\"hi\"\"\",2,0\n"
	    ",1000,\n");
	CHECK(q.nrows == 3);
	CHECK_STR(q.id, "x");
	CHECK(q.outputs == (AD_INFER_SCORE | AD_INFER_FLAG) && q.explain == 0);
	ad_infer_req_free(&q);
}

static void test_decode_one_tensor(void)
{
	struct ad_infer_req q;
	char got[1100];

	/* BYTES cannot hold the numbers: one [N, d] tensor needs one datatype */
	CHECK(decode("{\"inputs\":[{\"name\":\"t\",\"datatype\":\"BYTES\","
	    "\"shape\":[1,3],\"data\":[\"a\",1,2]}]}", got, sizeof got, &q) ==
	    AD_EDATA);
	CHECK_STR(got, "input \"t\": value 1 is not of datatype BYTES");
	ad_infer_req_free(&q);
	CHECK(decode("{\"parameters\":{\"explain\":2},\"outputs\":[{\"name\":"
	    "\"explanation\"}],\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\","
	    "\"shape\":[1,3],\"data\":[[null,1.5,-0.0]]}]}", got, sizeof got, &q)
	    == AD_OK);
	CHECK_STR(got, "host,cpu,up\n,1.5,-0\n");
	CHECK(q.outputs == AD_INFER_EXPLAIN && q.explain == 2);
	ad_infer_req_free(&q);
	/* explanation asked without K: one feature */
	CHECK(decode("{\"outputs\":[{\"name\":\"explanation\"},{\"name\":"
	    "\"score\"}],\"inputs\":[{\"name\":\"t\",\"datatype\":\"INT64\","
	    "\"shape\":[0,3],\"data\":[]}]}", got, sizeof got, &q) == AD_OK);
	CHECK(q.explain == 1 && q.nrows == 0);
	CHECK(q.outputs == (AD_INFER_EXPLAIN | AD_INFER_SCORE));
	ad_infer_req_free(&q);
}

static void test_decode_errors(void)
{
	static const struct { const char *json, *msg; } cases[] = {
		{ "{\"inputs\":[", "malformed JSON at line 1, column 11 (byte 11): "
		    "']' expected near end of file" },
		{ "{\"inputs\":[],\"inputs\":[]}", "malformed JSON at line 1, "
		    "column 21 (byte 21): duplicate object key near '\"inputs\"'" },
		{ "7", "malformed JSON at line 1, column 1 (byte 1): '[' or '{' "
		    "expected near '7'" },
		{ "[1]", "the request must be a JSON object" },
		{ "{\"id\":7,\"inputs\":[]}", "\"id\" must be a string" },
		{ "{}", "\"inputs\" must be a non-empty array" },
		{ "{\"inputs\":[3]}", "inputs[0]: an object with a \"name\" is "
		    "expected" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"shape\":[1],\"data\":[1]}]}",
		    "input \"cpu\": \"datatype\" is missing" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"UINT8\",\"shape\":"
		    "[1],\"data\":[1]}]}", "input \"cpu\": datatype UINT8 is not one "
		    "of FP64, FP32, INT64, INT32, BOOL, BYTES" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,2,3],\"data\":[1]}]}", "input \"cpu\": shape must be [N] or "
		    "[N, d]" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[-1],\"data\":[1]}]}", "input \"cpu\": shape must hold whole "
		    "numbers" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[2],\"data\":[1]}]}", "input \"cpu\": shape [2, 1] needs 2 "
		    "values, data has 1" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1],\"data\":3}]}", "input \"cpu\": \"data\" must be an array" },
		/* a shape is checked against the values sent before anything
		 * is allocated for it: these asked for 8 TiB, or more than
		 * size_t holds (fuzz_infer's crash-huge-shape) */
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1099511627776],\"data\":[1]}]}", "input \"cpu\": shape "
		    "[1099511627776, 1] needs 1099511627776 values, data has 1" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\",\"shape\":"
		    "[1099511627776,1099511627776],\"data\":[[1,2]]}]}", "input \"t\": "
		    "shape [1099511627776, 1099511627776] needs more values than data "
		    "has (2)" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,3],\"data\":[[1,[2]],[3,4]]}]}", "input \"t\": data holds more "
		    "values than its shape says" },
		{ "{\"inputs\":[{\"name\":\"mem\",\"datatype\":\"FP64\",\"shape\":"
		    "[1],\"data\":[1]},{\"name\":\"cpu\",\"datatype\":\"FP64\","
		    "\"shape\":[1],\"data\":[1]}]}", "input \"mem\" is not a column "
		    "of the model (it takes host...)" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1],\"data\":[1]},{\"name\":\"cpu\",\"datatype\":\"FP64\","
		    "\"shape\":[1],\"data\":[1]}]}", "input \"cpu\" is given twice" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1],\"data\":[1]},{\"name\":\"up\",\"datatype\":\"FP64\","
		    "\"shape\":[2],\"data\":[1,2]}]}", "input \"up\" has 2 rows, "
		    "input \"cpu\" 1" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,2],\"data\":[1,2]}]}", "input \"cpu\": shape must be [N] or "
		    "[N, 1], not [1, 2]" },
		{ "{\"inputs\":[{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":"
		    "[1],\"data\":[1]}]}", "input \"host\" is missing (one input per "
		    "column of the model, or one [N, d] tensor)" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,2],\"data\":[1,2]}]}", "input \"t\": shape [1, 2], but the "
		    "model takes 3 columns (or one input per column, named like it)" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,3],\"data\":[1,2,3]}]}", "input \"t\": column \"host\" is "
		    "text: its datatype must be BYTES, not FP64" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"INT32\",\"shape\":"
		    "[1,3],\"data\":[null,1,3000000000]}]}", "input \"t\": value 2 is "
		    "not of datatype INT32" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"INT64\",\"shape\":"
		    "[1,3],\"data\":[null,1.5,3]}]}", "input \"t\": value 1 is not of "
		    "datatype INT64" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"BOOL\",\"shape\":"
		    "[1,3],\"data\":[null,1,true]}]}", "input \"t\": value 1 is not of "
		    "datatype BOOL" },
		{ "{\"inputs\":[{\"name\":\"t\",\"datatype\":\"FP64\",\"shape\":"
		    "[1,3],\"data\":[null,\"1\",2]}]}", "input \"t\": value 1 is not "
		    "of datatype FP64" },
		{ "{\"parameters\":{\"explain\":3},\"inputs\":[]}", "parameters: "
		    "\"explain\" is 3, but the model has 2 features" },
		{ "{\"parameters\":{\"explain\":-1},\"inputs\":[]}", "parameters: "
		    "\"explain\" must be a whole number of features" },
		{ "{\"outputs\":{},\"inputs\":[]}", "\"outputs\" must be an array" },
		{ "{\"outputs\":[{\"name\":\"score\"},{}],\"inputs\":[]}",
		    "outputs[1]: the outputs are score, is_anomaly and explanation" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ad_infer_req q;
		char got[1100];

		CHECK(decode(cases[i].json, got, sizeof got, &q) == AD_EDATA);
		CHECK_STR(got, cases[i].msg);
		ad_infer_req_free(&q);
	}
}

/* ---- the answer ---- */

static void test_answer(void)
{
	struct ad_infer_req q;
	struct ad_sbuf out = { 0 }, ex = { 0 };
	struct ad_error err;
	const double score[2] = { 0.1, 1.0 / 3 }, flag[2] = { 0, 1 };

	memset(&q, 0, sizeof q);
	q.nrows = 2;
	q.outputs = AD_INFER_SCORE | AD_INFER_FLAG | AD_INFER_EXPLAIN;
	q.explain = 1;
	q.id = "a\"\n";
	CHECK(ad_sbuf_json_string(&ex, "x\\y", 3, &err) == AD_OK);
	CHECK(ad_sbuf_puts(&ex, ",null", &err) == AD_OK);
	CHECK(ad_infer_answer_begin(&out, &q, "m", "r\t1", &err) == AD_OK);
	CHECK(ad_infer_answer_outputs(&out, &q, score, flag, &ex, &err) == AD_OK);
	CHECK_STR(out.p, "{\"model_name\":\"m\",\"model_version\":\"r\\u00091\","
	    "\"id\":\"a\\\"\\u000a\",\"outputs\":["
	    "{\"name\":\"score\",\"datatype\":\"FP64\",\"shape\":[2],"
	    "\"data\":[0.1,0.3333333333333333]},"
	    "{\"name\":\"is_anomaly\",\"datatype\":\"BOOL\",\"shape\":[2],"
	    "\"data\":[false,true]},"
	    "{\"name\":\"explanation\",\"datatype\":\"BYTES\",\"shape\":[2,1],"
	    "\"data\":[\"x\\\\y\",null]}]}");
	ad_sbuf_free(&out);
	CHECK(ad_infer_error_body(&out, "no \"m\"", &err) == AD_OK);
	CHECK_STR(out.p, "{\"error\":\"no \\\"m\\\"\"}");
	ad_sbuf_free(&out);
	ad_sbuf_free(&ex);
	ad_sbuf_free(NULL);
}

static void test_names(void)
{
	CHECK(ad_store_name_ok("servers"));
	CHECK(ad_store_name_ok("2026-12-07T22:00:00Z-abc"));
	CHECK(!ad_store_name_ok(""));
	CHECK(!ad_store_name_ok("."));
	CHECK(!ad_store_name_ok(".."));
	CHECK(!ad_store_name_ok(".tmp"));
	CHECK(!ad_store_name_ok("a/b"));
	CHECK(!ad_store_name_ok("../etc"));
	{
		char longname[300];
		memset(longname, 'a', sizeof longname - 1);
		longname[sizeof longname - 1] = '\0';
		CHECK(!ad_store_name_ok(longname));
		longname[255] = '\0';
		CHECK(ad_store_name_ok(longname));
	}
}

/* ---- a release ---- */

static const char train_csv[] = "a,b\n0,1\n2,1\n4,1\n6,1\n8,1\n";
static const char rows_csv[] = "a,b\n4,1\n12,\n,6\n";

/* clean.params (median fills), z.model trained on the cleaned rows, and
 * what the batch runners write for rows.csv, in want.csv. */
static void make_release(void)
{
	struct ad_clean_opts c;
	struct ad_clean_result cr;
	struct ad_train_opts t;
	struct ad_train_result tr;
	struct ad_score_opts s;
	struct ad_score_result sr;
	struct ad_impute_spec *imp = NULL;
	size_t nimp = 0;
	char none[] = "", *keep[] = { none };
	struct ad_error err;

	put_text("train.csv", train_csv);
	put_text("rows.csv", rows_csv);
	CHECK(ad_clean_parse_impute("median", &imp, &nimp, &err) == AD_OK);
	memset(&c, 0, sizeof c);
	c.in.path = path_of("train.csv");
	c.output = path_of("clean.csv");
	c.impute = imp;
	c.n_impute = nimp;
	c.save_path = path_of("clean.params");
	CHECK(ad_clean_run(&c, &cr, &err) == AD_OK);
	ad_clean_free_impute(imp, nimp);
	memset(&t, 0, sizeof t);
	t.in.path = path_of("clean.csv");
	t.output = path_of("z.model");
	t.algo = ad_detector_named("zscore")->algo;
	t.contamination_auto = 1;
	t.threads = 1;
	t.max_train_rows = 100;
	CHECK(ad_train_run(&t, &tr, &err) == AD_OK);
	memset(&c, 0, sizeof c);
	c.in.path = path_of("rows.csv");
	c.output = path_of("rows.clean.csv");
	c.restore_path = path_of("clean.params");
	CHECK(ad_clean_run(&c, &cr, &err) == AD_OK);
	memset(&s, 0, sizeof s);
	s.in.path = path_of("rows.clean.csv");
	s.model_path = path_of("z.model");
	s.output = path_of("want.csv");
	s.keep = keep;
	s.n_keep = 1;
	s.keep_set = 1;
	s.explain = 1;
	s.threads = 1;
	CHECK(ad_score_run(&s, &sr, &err) == AD_OK);
}

static char *slurp(const char *name, size_t *n)
{
	return slurp_file(path_of(name), n);
}

struct scoring {
	const struct ad_release *rel;
	const char *rows;            /* file scored */
};

/* Scores the rows through the release into got.csv. */
static enum ad_status score_rows(void *ctx, struct ad_error *err)
{
	const struct scoring *sc = ctx;
	struct ad_release_call call = { AD_FORMAT_CSV, 1 };
	struct ad_release_tally t;
	struct ad_in *in;
	struct ad_out *out;
	enum ad_status st;

	if ((st = ad_out_open(&out, path_of("got.csv"), err)) != AD_OK)
		return st;
	if ((st = ad_in_open(&in, path_of(sc->rows), err)) == AD_OK &&
	    (st = ad_release_score(sc->rel, in, &call, out, &t, err)) == AD_OK)
		return ad_out_close(out, err);
	ad_out_abort(out);
	return st;
}

static void test_release(void)
{
	struct ad_release *rel;
	struct ad_error err;
	struct scoring sc;
	char *want, *got;
	size_t nw, ng;

	CHECK(ad_release_open(&rel, path_of("clean.params"), NULL,
	    path_of("z.model"), &err) == AD_OK);
	CHECK(ad_release_inputs(rel)->ncols == 2);
	CHECK_STR(ad_release_inputs(rel)->cols[0].name, "a");
	CHECK(ad_release_model(rel)->nfeat == 2);
	sc.rel = rel;
	sc.rows = "rows.csv";
	CHECK(score_rows(&sc, &err) == AD_OK);
	want = slurp("want.csv", &nw);
	got = slurp("got.csv", &ng);
	CHECK(want != NULL && got != NULL && nw == ng && nw > 0 &&
	    memcmp(want, got, nw) == 0);
	free(want);
	free(got);
	{
		/* path_of's buffers rotate: the loop needs a path of its own */
		char got_path[160];
		snprintf(got_path, sizeof got_path, "%s", path_of("got.csv"));
		oom_loop("release score", score_rows, &sc, got_path);
	}
	/* a bad row: the batch runner's error, in the rows' own lines */
	put_text("bad.csv", "a,b\n1,1\n");
	put_text("bad.csv", "b\n1\n");
	sc.rows = "bad.csv";
	CHECK(score_rows(&sc, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "\"a\"") != NULL);
	ad_release_free(rel);
	ad_release_free(NULL);
	/* a model that is not one */
	CHECK(ad_release_open(&rel, NULL, NULL, path_of("rows.csv"), &err) ==
	    AD_EDATA);
	CHECK(ad_release_open(&rel, path_of("z.model"), NULL, path_of("z.model"),
	    &err) != AD_OK);
}


/* ---- a release with a features stage, scored from JSON ---- */

static const char ts_csv[] = "t,g,a\n"
    "2026-01-01T00:00:00Z,x,1\n2026-01-01T00:00:00Z,y,5\n"
    "2026-01-01T00:01:00Z,x,2\n2026-01-01T00:01:00Z,y,\n"
    "2026-01-01T00:02:00Z,x,4\n2026-01-01T00:02:00Z,y,7\n"
    "2026-01-01T00:03:00Z,x,3\n2026-01-01T00:03:00Z,y,6\n";

/* The same rows as one JSON request, a tensor per column. */
static const char ts_json[] = "{\"inputs\":["
    "{\"name\":\"t\",\"datatype\":\"BYTES\",\"shape\":[8],\"data\":["
    "\"2026-01-01T00:00:00Z\",\"2026-01-01T00:00:00Z\","
    "\"2026-01-01T00:01:00Z\",\"2026-01-01T00:01:00Z\","
    "\"2026-01-01T00:02:00Z\",\"2026-01-01T00:02:00Z\","
    "\"2026-01-01T00:03:00Z\",\"2026-01-01T00:03:00Z\"]},"
    "{\"name\":\"g\",\"datatype\":\"BYTES\",\"shape\":[8],\"data\":["
    "\"x\",\"y\",\"x\",\"y\",\"x\",\"y\",\"x\",\"y\"]},"
    "{\"name\":\"a\",\"datatype\":\"INT64\",\"shape\":[8,1],\"data\":"
    "[[1],[5],[2],[null],[4],[7],[3],[6]]}]}";

/* ts.clean.params, ts.features.params (time, group, rolling 2, diff,
 * one-hot g) and ts.model fitted on ts.csv; the batch pipeline's scores
 * of ts.csv, with one explain column, in ts.want.csv. */
static void make_ts_release(void)
{
	static const uint64_t windows[] = { 2 };
	struct ad_clean_opts c;
	struct ad_clean_result cr;
	struct ad_featurize_opts f;
	struct ad_featurize_result fr;
	struct ad_train_opts t;
	struct ad_train_result tr;
	struct ad_score_opts s;
	struct ad_score_result sr;
	struct ad_impute_spec *imp = NULL;
	size_t nimp = 0;
	char none[] = "", *keep[] = { none }, g[] = "g", *onehot[] = { g };
	struct ad_error err;

	put_text("ts.csv", ts_csv);
	CHECK(ad_clean_parse_impute("median", &imp, &nimp, &err) == AD_OK);
	memset(&c, 0, sizeof c);
	c.in.path = path_of("ts.csv");
	c.output = path_of("ts.clean.csv");
	c.impute = imp;
	c.n_impute = nimp;
	c.save_path = path_of("ts.clean.params");
	CHECK(ad_clean_run(&c, &cr, &err) == AD_OK);
	ad_clean_free_impute(imp, nimp);
	memset(&f, 0, sizeof f);
	f.in.path = path_of("ts.clean.csv");
	f.output = path_of("ts.features.csv");
	f.time = "t";
	f.group = "g";
	f.windows = windows;
	f.n_windows = 1;
	f.diff = 1;
	f.onehot = onehot;
	f.n_onehot = 1;
	f.save_path = path_of("ts.features.params");
	CHECK(ad_featurize_run(&f, &fr, &err) == AD_OK);
	memset(&t, 0, sizeof t);
	t.in.path = path_of("ts.features.csv");
	t.output = path_of("ts.model");
	t.algo = ad_detector_named("zscore")->algo;
	t.contamination_auto = 1;
	t.threads = 1;
	t.max_train_rows = 100;
	CHECK(ad_train_run(&t, &tr, &err) == AD_OK);
	memset(&s, 0, sizeof s);
	s.in.path = path_of("ts.features.csv");
	s.model_path = path_of("ts.model");
	s.output = path_of("ts.want.csv");
	s.keep = keep;
	s.n_keep = 1;
	s.keep_set = 1;
	s.explain = 1;
	s.threads = 1;
	CHECK(ad_score_run(&s, &sr, &err) == AD_OK);
}

/* Decodes ts_json for rel and scores it, the answer's rows as CSV
 * (score,is_anomaly,explain_1) into ts.got.csv. */
static enum ad_status score_json(void *ctx, struct ad_error *err)
{
	const struct ad_release *rel = ctx;
	const char *const *na;
	size_t n_na;
	struct ad_infer_req q;
	struct ad_release_scores sc;
	struct ad_release_tally t;
	FILE *fp;
	enum ad_status st;

	na = ad_release_na(rel, &n_na);
	if ((st = ad_infer_decode(ts_json, strlen(ts_json),
	    ad_release_inputs(rel), ad_release_model(rel)->nfeat, na, n_na, &q,
	    err)) == AD_OK &&
	    (st = ad_release_score_rows(rel, q.blocks, q.nblocks, 1, &sc, &t,
	    err)) == AD_OK) {
		CHECK(t.rows_in == 8 && t.rows_scored == 8 && sc.n == 8);
		fp = fopen(path_of("ts.got.csv"), "w");
		CHECK(fp != NULL);
		fputs("score,is_anomaly,explain_1\n", fp);
		for (size_t i = 0; i < sc.n; i++) {
			char buf[AD_NUM_MAXLEN];
			buf[ad_num_format(sc.score[i], buf)] = '\0';
			fprintf(fp, "%s,%d,%s\n", buf, sc.flag[i] != 0, sc.names[i]);
		}
		fclose(fp);
		ad_release_scores_free(&sc);
	}
	ad_infer_req_free(&q);
	return st;
}

/* score_json through the release opened afresh, keeping one entity of
 * the two: the entities' state made, grown and evicted. */
static enum ad_status score_json_fresh(void *ctx, struct ad_error *err)
{
	struct ad_release *rel;
	enum ad_status st;

	(void)ctx;
	if ((st = ad_release_open(&rel, path_of("ts.clean.params"),
	    path_of("ts.features.params"), path_of("ts.model"), err)) != AD_OK)
		return st;
	ad_release_set_max_entities(rel, 1);
	if ((st = score_json(rel, err)) == AD_OK)
		CHECK(ad_release_evicted(rel) == 1 &&
		    ad_release_entities(rel) == 1);
	ad_release_free(rel);
	return st;
}

static void test_release_features(void)
{
	struct ad_release *rel;
	struct ad_error err;
	char *want, *got;
	size_t nw, ng;

	make_ts_release();
	CHECK(ad_release_open(&rel, path_of("ts.clean.params"),
	    path_of("ts.features.params"), path_of("ts.model"), &err) == AD_OK);
	CHECK(ad_release_inputs(rel)->ncols == 3);
	CHECK(score_json(rel, &err) == AD_OK);
	want = slurp("ts.want.csv", &nw);
	got = slurp("ts.got.csv", &ng);
	CHECK(want != NULL && got != NULL && nw == ng && nw > 0 &&
	    memcmp(want, got, nw) == 0);
	free(want);
	free(got);
	/* the entities' times carry on: the same rows again go back in time */
	CHECK(score_json(rel, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "time goes back for entity \"x\"") != NULL);
	CHECK(ad_release_evicted(rel) == 0 && ad_release_entities(rel) == 2);
	/* keeping none, each call starts afresh */
	ad_release_set_max_entities(rel, 0);
	CHECK(score_json(rel, &err) == AD_OK);
	oom_loop("release score rows", score_json, rel, NULL);
	ad_release_free(rel);
	oom_loop("release score rows, entities kept", score_json_fresh, NULL,
	    NULL);
}

static enum ad_status open_single(void *ctx, struct ad_error *err)
{
	struct ad_store *s;
	enum ad_status st;

	(void)ctx;
	st = ad_store_single(&s, "m", path_of("clean.params"), NULL,
	    path_of("z.model"), err);
	if (st == AD_OK)
		ad_store_free(s);
	return st;
}

static void test_store(void)
{
	struct ad_store *s;
	struct ad_error err;
	const char *v = NULL;
	char dir[256];

	CHECK(open_single(NULL, &err) == AD_OK);
	oom_loop("store single", open_single, NULL, NULL);
	CHECK(ad_store_single(&s, "m", NULL, NULL, path_of("z.model"), &err) ==
	    AD_OK);
	CHECK(ad_store_count(s) == 1 && ad_store_find(s, "m") == 0);
	CHECK(ad_store_find(s, "n") == SIZE_MAX);
	CHECK(ad_store_release(s, 0, NULL, &v) != NULL);
	CHECK_STR(v, "1");
	CHECK(ad_store_release(s, 0, "2", &v) == NULL);
	ad_store_free(s);
	/* a store with one model of two releases, current the second */
	snprintf(dir, sizeof dir, "%s", path_of("store"));
	CHECK(mkdir(dir, 0700) == 0);
	CHECK(mkdir(path_of("store/m"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases/r1"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases/r2"), 0700) == 0);
	CHECK(mkdir(path_of("store/m/releases/r3"), 0700) == 0);
	CHECK(mkdir(path_of("store/notes"), 0700) == 0);
	CHECK(link(path_of("z.model"), path_of("store/m/releases/r1/model")) == 0);
	CHECK(link(path_of("z.model"), path_of("store/m/releases/r2/model")) == 0);
	put_text("store/m/releases/r3/model", "not a model\n");
	CHECK(symlink("releases/r2", path_of("store/m/current")) == 0);
	CHECK(ad_store_scan(&s, dir, NULL, NULL, &err) == AD_OK);
	CHECK(ad_store_count(s) == 1);
	CHECK(ad_store_versions(s, 0) == 2);
	CHECK_STR(ad_store_version(s, 0, 0), "r1");
	CHECK(ad_store_release(s, 0, NULL, &v) != NULL);
	CHECK_STR(v, "r2");
	CHECK(ad_store_release(s, 0, "r3", &v) == NULL);
	ad_store_free(s);
	CHECK(ad_store_scan(&s, path_of("store/notes"), NULL, NULL, &err) ==
	    AD_EDATA);
	CHECK(ad_store_scan(&s, path_of("nothing"), NULL, NULL, &err) == AD_EIO);
	{
		const char *names[] = { "store/m/releases/r1/model",
		    "store/m/releases/r2/model", "store/m/releases/r3/model",
		    "store/m/current" };
		for (size_t i = 0; i < 4; i++)
			unlink(path_of(names[i]));
		rmdir(path_of("store/m/releases/r1"));
		rmdir(path_of("store/m/releases/r2"));
		rmdir(path_of("store/m/releases/r3"));
		rmdir(path_of("store/m/releases"));
		rmdir(path_of("store/m"));
		rmdir(path_of("store/notes"));
		rmdir(dir);
	}
}

struct decoding {
	const char *json;
};

static enum ad_status decode_oom(void *ctx, struct ad_error *err)
{
	const struct decoding *d = ctx;
	struct ad_schema *s = NULL;
	struct ad_infer_req q;
	struct ad_sbuf out = { 0 };
	const double score[2] = { 0.5, 0.25 }, flag[2] = { 0, 1 };
	struct ad_sbuf ex = { 0 };
	enum ad_status st;

	memset(&q, 0, sizeof q);
	if ((st = ad_schema_new(&s, err)) == AD_OK &&
	    (st = ad_schema_add(s, "host", 4, AD_TEXT, err)) == AD_OK &&
	    (st = ad_schema_add(s, "cpu", 3, AD_NUMERIC, err)) == AD_OK &&
	    (st = ad_schema_add(s, "up", 2, AD_NUMERIC, err)) == AD_OK &&
	    (st = ad_infer_decode(d->json, strlen(d->json), s, 2,
	    ad_reader_default_na, ad_reader_default_na_count, &q, err)) ==
	    AD_OK && (st = ad_infer_answer_begin(&out, &q, "m", "1", err)) ==
	    AD_OK)
		st = ad_infer_answer_outputs(&out, &q, score, flag, &ex, err);
	ad_infer_req_free(&q);
	ad_sbuf_free(&out);
	ad_schema_free(s);
	return st;
}

int main(void)
{
	struct decoding d = { "{\"id\":\"x\",\"inputs\":["
	    "{\"name\":\"t\",\"datatype\":\"BYTES\",\"shape\":[2,1],"
	    "\"data\":[\"a\",\"b\\\"\"]},"
	    "{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":[2],\"data\":[1,2]},"
	    "{\"name\":\"up\",\"datatype\":\"BOOL\",\"shape\":[2],\"data\":[true,false]}"
	    "]}" };
	const char *files[] = { "train.csv", "rows.csv", "clean.csv",
	    "clean.params", "z.model", "rows.clean.csv", "want.csv", "got.csv",
	    "bad.csv", "ts.csv", "ts.clean.csv", "ts.clean.params",
	    "ts.features.csv", "ts.features.params", "ts.model", "ts.want.csv",
	    "ts.got.csv" };

	test_decode_per_column();
	test_decode_one_tensor();
	test_decode_errors();
	test_answer();
	test_names();
	snprintf(tmpdir, sizeof tmpdir, "/tmp/adkit-serve-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	make_release();
	test_release();
	test_release_features();
	test_store();
	/* the tensor named t is not a column: decoding fails, as data */
	{
		struct ad_error err;
		CHECK(decode_oom(&d, &err) == AD_EDATA);
	}
	d.json = "{\"id\":\"x\",\"inputs\":["
	    "{\"name\":\"host\",\"datatype\":\"BYTES\",\"shape\":[2,1],"
	    "\"data\":[\"a\",\"b\\\"\"]},"
	    "{\"name\":\"cpu\",\"datatype\":\"FP64\",\"shape\":[2],\"data\":[1,2]},"
	    "{\"name\":\"up\",\"datatype\":\"BOOL\",\"shape\":[2],\"data\":[true,false]}"
	    "]}";
	oom_loop("decode", decode_oom, &d, NULL);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(path_of(files[i]));
	rmdir(tmpdir);
	return CHECK_DONE("test_serve");
}
