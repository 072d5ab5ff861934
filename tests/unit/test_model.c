/*
 * lib/model, lib/train and lib/score: the model file's round trip, every
 * way a loader must refuse a file (truncated, flipped, foreign, newer,
 * counts that lie, with the checksum made right so the checks behind it
 * are reached) without large allocations, reproducible training whatever the thread count, merging, and the OOM
 * loop (STYLE.md) over decoding, training, scoring and merging, for forests
 * and One-Class SVMs (libsvm's own allocations are not ours to fail).
 *
 * Like test_oom.c, this program links its own ad_malloc family, which can
 * fail the Nth allocation and counts the blocks alive and the largest
 * request.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "alloc.h"
#include "forest.h"
#include "iforest.h"
#include "model.h"
#include "ocsvm.h"
#include "score.h"
#include "train.h"

#include "check.h"
#include "detopts.h"

/* ---- the failing allocator ---- */

#include "failalloc.h"

/* ---- files ---- */

#include "tmpdir.h"

/* Reads a whole file into a malloc'd buffer (not ad_malloc). */
static unsigned char *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(path_of(name), "rb");
	unsigned char *p = malloc(1 << 20);

	*len = f ? fread(p, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return p;
}

/* Eight rows of a, b (one missing, one not a number), a label and a text
 * column, and a row with a field too many. */
static const char *const train_csv =
    "a,b,label,host\n"
    "1,10,0,x\n"
    "2,11,0,y\n"
    "3,,0,x\n"
    "2,12,0,y\n"
    "1,oops,0,x\n"
    "3,10,0,y\n"
    "2,11,0,x,extra\n"
    "40,-7,1,z\n"
    "2,12,0,x\n";

/* The options blocks of train_opts() and ocsvm_opts(). */
static struct ad_forest_opts forest;
static struct ad_ocsvm_opts svm;

static struct ad_train_opts train_opts(const char *in, const char *out)
{
	struct ad_train_opts o;

	memset(&o, 0, sizeof o);
	o.in.path = path_of(in);
	o.output = path_of(out);
	o.algo = AD_ALGO_IFOREST;
	detector_defaults("iforest", &forest, sizeof forest);
	forest.trees = 7;
	forest.sample_size = 6;
	o.detector_opts = &forest;
	o.contamination_auto = 1;
	o.seed = 3;
	o.threads = 1;
	o.label = "label";
	return o;
}

/* ---- round trip and refusals ---- */

static void patch_checksum(unsigned char *p, size_t len)
{
	uint64_t h = XXH64(p, len - 8, 0);

	for (int i = 0; i < 8; i++)
		p[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void test_round_trip(void)
{
	size_t len, len2;
	unsigned char *p = slurp("m1", &len), *q;
	struct ad_model *m = NULL;
	struct ad_error err;

	CHECK(ad_model_decode(p, len, "m1", &m, &err) == AD_OK);
	if (m == NULL)
		goto out;
	CHECK(m->algo == AD_ALGO_IFOREST && m->nfeat == 2);
	CHECK_STR(m->features[0], "a");
	CHECK_STR(m->features[1], "b");
	CHECK(m->rows == 8 && m->nsources == 1 && m->sources[0].rows == 8);
	CHECK(m->seed == 3 && m->contamination_auto && m->threshold == 0.5);
	CHECK(m->created == 1700000000);
	CHECK(ad_model_param(m, "trees") == 7);
	CHECK(ad_model_param(m, "sample_size") == 6);
	CHECK(isnan(ad_model_param(m, "nope")));
	CHECK(m->nquantiles == 13 && m->qprob[0] == 0 && m->qprob[12] == 1);
	CHECK(m->bytes == len);
	CHECK(ad_model_encode(m, &q, &len2, &err) == AD_OK);
	CHECK(len2 == len && memcmp(p, q, len) == 0);
	ad_free(q);
	ad_model_free(m);
out:
	free(p);
}

static void test_every_cut_and_flip(void)
{
	size_t len, bad = 0, big = 0;
	unsigned char *p = slurp("m1", &len);

	for (size_t n = 0; n < len; n++) {
		struct ad_model *m = NULL;
		struct ad_error err;
		bad += ad_model_decode(p, n, "m1", &m, &err) != AD_EDATA;
		ad_model_free(m);
	}
	CHECK(bad == 0);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			struct ad_model *m = NULL;
			struct ad_error err;

			p[i] ^= (unsigned char)(1 << bit);
			largest = 0;
			bad += ad_model_decode(p, len, "m1", &m, &err) != AD_EDATA;
			big += largest > 4096;
			ad_model_free(m);
			p[i] ^= (unsigned char)(1 << bit);
		}
	CHECK(bad == 0);
	CHECK(big == 0);
	CHECK(live == 0);
	free(p);
}

/* With the checksum made right, flips reach the field checks: a decode
 * may pass (a changed threshold is still a model) but must never ask for
 * much memory or crash, and what passes encodes back to the same bytes. */
static void test_flips_behind_the_checksum(void)
{
	size_t len, big = 0, differ = 0, passed = 0;
	unsigned char *p = slurp("m1", &len);

	for (size_t i = 8; i < len - 8; i++)
		for (int bit = 0; bit < 8; bit++) {
			struct ad_model *m = NULL;
			struct ad_error err;
			unsigned char *q;
			size_t n;

			p[i] ^= (unsigned char)(1 << bit);
			patch_checksum(p, len);
			largest = 0;
			if (ad_model_decode(p, len, "m1", &m, &err) == AD_OK) {
				passed++;
				if (ad_model_encode(m, &q, &n, &err) == AD_OK) {
					differ += n != len || memcmp(p, q, n) != 0;
					ad_free(q);
				}
			}
			big += largest > (1 << 16);
			ad_model_free(m);
			p[i] ^= (unsigned char)(1 << bit);
		}
	CHECK(big == 0);
	CHECK(differ == 0);
	CHECK(passed > 0);
	CHECK(live == 0);
	free(p);
}

/* Finds the offset of the feature count: the u32 before "\1\0\0\0a". */
static size_t feature_count_at(const unsigned char *p, size_t len)
{
	for (size_t i = 24; i + 5 < len; i++)
		if (memcmp(p + i, "\1\0\0\0a\1\0\0\0b", 10) == 0)
			return i - 4;
	return 0;
}

static void expect_refusal(unsigned char *p, size_t len, const char *msg)
{
	struct ad_model *m = NULL;
	struct ad_error err;

	largest = 0;
	CHECK(ad_model_decode(p, len, "lie", &m, &err) == AD_EDATA);
	if (strstr(err.msg, msg) == NULL)
		fprintf(stderr, "want \"%s\", got \"%s\"\n", msg, err.msg);
	CHECK(strstr(err.msg, msg) != NULL);
	CHECK(strcmp(err.file, "lie") == 0);
	CHECK(largest < 4096);
	ad_model_free(m);
}

static void test_refusals(void)
{
	static const unsigned char stream[] = "\x89" "ADK\r\n\x1a\n\1\0\0\0";
	size_t len, at;
	unsigned char *p = slurp("m1", &len), keep[4], version = p[8];

	expect_refusal((unsigned char *)"", 0, "not an adkit model");
	expect_refusal((unsigned char *)"hello, world\n", 13,
	    "not an adkit model");
	expect_refusal((unsigned char *)stream, sizeof stream - 1,
	    "not a model but an adkit data stream");
	p[8] = 3;
	expect_refusal(p, len, "model format version 3 is newer than this "
	    "adkit reads (2)");
	p[8] = version;
	expect_refusal(p, len - 1, "truncated");
	p[len - 1] ^= 1;
	expect_refusal(p, len, "checksum mismatch");
	p[len - 1] ^= 1;
	/* counts that lie, behind a right checksum */
	at = feature_count_at(p, len);
	CHECK(at > 0);
	memcpy(keep, p + at, 4);
	memset(p + at, 0xff, 4);
	patch_checksum(p, len);
	expect_refusal(p, len, "feature count out of range");
	memcpy(p + at, "\2\0\0\0", 4);
	memset(p + at + 4, 0xff, 4);    /* the first name's length: 4 GiB */
	patch_checksum(p, len);
	expect_refusal(p, len, "truncated feature name");
	memcpy(p + at + 4, "\1\0\0\0", 4);
	p[at + 8] = 'b';        /* "b" twice */
	patch_checksum(p, len);
	expect_refusal(p, len, "feature listed twice");
	p[at + 8] = 'a';
	memcpy(p + at, keep, 4);
	p[12] = 1;              /* flags */
	patch_checksum(p, len);
	expect_refusal(p, len, "unknown flags");
	p[12] = 0;
	patch_checksum(p, len);
	{
		struct ad_model *m = NULL;
		struct ad_error err;
		CHECK(ad_model_decode(p, len, "ok", &m, &err) == AD_OK);
		ad_model_free(m);
	}
	CHECK(live == 0);
	free(p);
}

/* ---- sections ---- */

#define TAG_A AD_MODEL_TAG('L', 'I', 'N', 'E')
#define TAG_B AD_MODEL_TAG('C', 'A', 'L', 'B')

/* Drops m's sections (a trained model's calibration): a version 1 model. */
static void strip_sections(struct ad_model *m)
{
	for (size_t i = 0; i < m->nsections; i++)
		ad_free(m->sections[i].data);
	ad_free(m->sections);
	m->sections = NULL;
	m->nsections = 0;
}

/* m1 without its sections, encoded into *q (free with ad_free). */
static enum ad_status encode_v1(unsigned char **q, size_t *n,
    struct ad_error *err)
{
	size_t len;
	unsigned char *p = slurp("m1", &len);
	struct ad_model *m = NULL;
	enum ad_status st = ad_model_decode(p, len, "m1", &m, err);

	if (st == AD_OK) {
		strip_sections(m);
		st = ad_model_encode(m, q, n, err);
	}
	ad_model_free(m);
	free(p);
	return st;
}

/* m1 with two sections instead of its own, encoded into *q (free with
 * ad_free). */
static enum ad_status encode_with_sections(unsigned char **q, size_t *n,
    struct ad_error *err)
{
	size_t len;
	unsigned char *p = slurp("m1", &len);
	struct ad_model *m = NULL;
	enum ad_status st = ad_model_decode(p, len, "m1", &m, err);

	if (st == AD_OK)
		strip_sections(m);
	if (st == AD_OK)
		st = ad_model_section_set(m, TAG_A, "first", 5, err);
	if (st == AD_OK)
		st = ad_model_section_set(m, TAG_B, "", 0, err);
	if (st == AD_OK)
		st = ad_model_section_set(m, TAG_A, "lineage", 7, err);
	if (st == AD_OK)
		st = ad_model_encode(m, q, n, err);
	ad_model_free(m);
	free(p);
	return st;
}

static void test_sections(void)
{
	size_t len, len2, v1len = 0, n;
	unsigned char *p = NULL, *q = NULL, *v1 = NULL;
	const unsigned char *d;
	struct ad_model *m = NULL;
	struct ad_error err;

	CHECK(encode_v1(&v1, &v1len, &err) == AD_OK && v1[8] == 1);
	CHECK(encode_with_sections(&p, &len, &err) == AD_OK);
	if (p == NULL || v1 == NULL)
		goto out;
	/* version 2, and the first LINE section's bytes replaced, not added */
	CHECK(p[8] == 2 && len == v1len + 4 + 2 * 12 + 7);
	CHECK(ad_model_decode(p, len, "m2", &m, &err) == AD_OK);
	if (m == NULL)
		goto out;
	CHECK(m->nsections == 2);
	CHECK(ad_model_section_get(m, TAG_A, &d, &n) && n == 7 &&
	    memcmp(d, "lineage", 7) == 0);
	CHECK(ad_model_section_get(m, TAG_B, &d, &n) && n == 0);
	CHECK(!ad_model_section_get(m, AD_MODEL_TAG('N', 'O', 'N', 'E'), &d,
	    &n));
	CHECK(ad_model_section_set(m, AD_MODEL_TAG('a', ' ', 'b', 'c'), "x", 1,
	    &err) == AD_EDATA);
	CHECK(ad_model_encode(m, &q, &len2, &err) == AD_OK);
	CHECK(q != NULL && len2 == len && memcmp(p, q, len) == 0);
	ad_free(q);
	ad_model_free(m);
	/* every cut refused; a second tag equal to the first refused */
	for (size_t cut = 0; cut < len; cut += 7)
		expect_refusal(p, cut, cut < 8 ? "not an adkit model" :
		    cut < 24 ? "truncated header" : "truncated");
	for (size_t i = v1len - 16; i + 4 <= len; i++)
		if (memcmp(p + i, "CALB", 4) == 0) {
			memcpy(p + i, "LINE", 4);
			patch_checksum(p, len);
			expect_refusal(p, len, "section listed twice");
			memcpy(p + i, "LI\nE", 4);
			patch_checksum(p, len);
			expect_refusal(p, len, "section tag not four ASCII");
			break;
		}
out:
	ad_free(p);
	ad_free(v1);
	CHECK(live == 0);
}

static enum ad_status sections(struct ad_error *err)
{
	unsigned char *q = NULL;
	size_t n;
	struct ad_model *m = NULL;
	enum ad_status st = encode_with_sections(&q, &n, err);

	if (st == AD_OK)
		st = ad_model_decode(q, n, "m2", &m, err);
	ad_model_free(m);
	ad_free(q);
	return st;
}

/* ---- training, scoring, merging ---- */

static int same_files(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char *pa = slurp(a, &la), *pb = slurp(b, &lb);
	int same = la == lb && la > 0 && memcmp(pa, pb, la) == 0;

	free(pa);
	free(pb);
	return same;
}

static void test_reproducible(void)
{
	struct ad_train_opts o = train_opts("train.csv", "m2");
	struct ad_train_result r;
	struct ad_error err;

	o.threads = 3;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(same_files("m1", "m2"));
	o.algo = AD_ALGO_EIF;
	o.output = path_of("e1");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	o.threads = 1;
	o.output = path_of("e2");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(same_files("e1", "e2"));
	CHECK(r.rows == 8 && r.rejected == 1 && r.invalid == 1 && r.nfeat == 2);
	o.seed = 4;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(!same_files("e1", "e2"));
	CHECK(live == 0);
}

static void test_train_errors(void)
{
	struct ad_train_opts o = train_opts("train.csv", "never");
	struct ad_train_result r;
	struct ad_error err;
	char *feats[] = { "a", "host" };

	o.label = "nope";
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "label column \"nope\" is not in the input"));
	CHECK(strcmp(err.file, path_of("train.csv")) == 0);
	o.label = NULL;
	o.features = feats;
	o.n_features = 2;
	/* host is text: no feature, before any row is read */
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "feature \"host\" is text, not numbers"));
	CHECK(strstr(err.msg, "--onehot or --freq"));
	CHECK(strcmp(err.file, path_of("train.csv")) == 0 && err.line == 0);
	put_file("one.csv", "a\n1\n");
	o = train_opts("one.csv", "never");
	o.label = NULL;
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "one of the rows to train on"));
	CHECK(access(path_of("never"), F_OK) != 0);
	CHECK(live == 0);
}

static void test_merge(void)
{
	struct ad_train_opts o = train_opts("train.csv", "m3");
	struct ad_train_result r;
	struct ad_error err;
	const char *two[2];
	struct ad_model *m = NULL;

	o.seed = 9;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	two[0] = path_of("m1");
	two[1] = path_of("m3");
	memset(&o, 0, sizeof o);
	o.merge = two;
	o.n_merge = 2;
	o.output = path_of("merged");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 16 && r.trees == 14 && r.same_seed == NULL);
	CHECK(ad_model_load(path_of("merged"), &m, &err) == AD_OK);
	if (m != NULL) {
		CHECK(m->nsources == 2 && m->sources[1].seed == 9);
		CHECK(ad_model_param(m, "trees") == 14);
		ad_model_free(m);
	}
	two[1] = path_of("e1");
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "cannot merge: model has another algorithm"));
	CHECK(strcmp(err.file, path_of("e1")) == 0);
	two[1] = path_of("v1");
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "cannot merge: only forests (iforest, eif) merge, "
	    "and this is an ocsvm model"));
	CHECK(strcmp(err.file, path_of("v1")) == 0);
	CHECK(live == 0);
}

/* ---- the OOM loop ---- */

static enum ad_status decode_model(struct ad_error *err)
{
	size_t len;
	unsigned char *p = slurp("m1", &len);
	struct ad_model *m = NULL;
	enum ad_status st = ad_model_decode(p, len, "m1", &m, err);

	if (st == AD_OK && (m->nfeat != 2 || m->rows != 8))
		st = AD_ECHECK;
	ad_model_free(m);
	free(p);
	return st;
}

static enum ad_status train(struct ad_error *err)
{
	struct ad_train_opts o = train_opts("train.csv", "oom.model");
	struct ad_train_result r;
	enum ad_status st;

	o.algo = AD_ALGO_EIF;
	o.rejects_path = path_of("oom.rejects");
	if ((st = ad_train_run(&o, &r, err)) == AD_OK && r.rows != 8)
		st = AD_ECHECK;
	return st;
}

/* A One-Class SVM on a sample of 5 of the 8 rows. */
static struct ad_train_opts ocsvm_opts(const char *out)
{
	struct ad_train_opts o = train_opts("train.csv", out);

	o.algo = AD_ALGO_OCSVM;
	o.max_train_rows = 5;
	detector_defaults("ocsvm", &svm, sizeof svm);
	svm.nu = 0.4;
	o.detector_opts = &svm;
	return o;
}

static enum ad_status train_ocsvm(struct ad_error *err)
{
	struct ad_train_opts o = ocsvm_opts("oom.ocsvm");
	struct ad_train_result r;
	enum ad_status st;

	if ((st = ad_train_run(&o, &r, err)) == AD_OK &&
	    (r.rows != 8 || r.sampled != 5))
		st = AD_ECHECK;
	return st;
}

static enum ad_status score_model(const char *model, struct ad_error *err)
{
	struct ad_score_opts o;
	struct ad_score_result r;
	char *keep[] = { "host" };
	enum ad_status st;

	memset(&o, 0, sizeof o);
	o.in.path = path_of("train.csv");
	o.model_path = path_of(model);
	o.output = path_of("oom.scores");
	o.keep = keep;
	o.n_keep = 1;
	o.keep_set = 1;
	o.explain = 2;
	o.threads = 1;
	if ((st = ad_score_run(&o, &r, err)) == AD_OK &&
	    (r.rows != 8 || r.missing != 2))
		st = AD_ECHECK;
	return st;
}

static enum ad_status score(struct ad_error *err)
{
	return score_model("m1", err);
}

static enum ad_status score_ocsvm(struct ad_error *err)
{
	return score_model("v1", err);
}

static enum ad_status inspect(struct ad_error *err)
{
	struct ad_score_opts o;
	struct ad_score_result r;

	memset(&o, 0, sizeof o);
	o.model_path = path_of("m1");
	o.output = path_of("oom.json");
	o.inspect = 1;
	return ad_score_run(&o, &r, err);
}

static enum ad_status merge(struct ad_error *err)
{
	const char *two[2] = { path_of("m1"), path_of("m3") };
	struct ad_train_opts o;
	struct ad_train_result r;

	memset(&o, 0, sizeof o);
	o.merge = two;
	o.n_merge = 2;
	o.output = path_of("oom.merged");
	return ad_train_run(&o, &r, err);
}

static int run_once(enum ad_status (*scenario)(struct ad_error *), long n,
    int persist, const char *name)
{
	struct ad_error err;
	enum ad_status st;
	int ok;

	memset(&err, 0, sizeof err);
	calls = live = 0;
	hit = 0;
	fail_at = n;
	persistent = persist;
	st = scenario(&err);
	fail_at = 0;
	ok = st == AD_OK || st == AD_ENOMEM;
	if (persist && hit)
		ok = st == AD_ENOMEM;
	if (!hit)
		ok = st == AD_OK;
	if (!ok)
		fprintf(stderr, "%s: failing allocation %ld (%s): status %d, %s\n",
		    name, n, persist ? "persistent" : "transient", (int)st,
		    err.msg);
	CHECK(ok);
	if (live != 0)
		fprintf(stderr, "%s: failing allocation %ld: %ld blocks leaked\n",
		    name, n, live);
	CHECK(live == 0);
	return hit;
}

static void oom_loop(enum ad_status (*scenario)(struct ad_error *),
    const char *name)
{
	for (int persist = 0; persist <= 1; persist++) {
		long n = 1;

		while (run_once(scenario, n, persist, name) && n < 100000)
			n++;
		CHECK(n > 10 && n < 100000);
		if (getenv("ADKIT_TEST_VERBOSE") != NULL)
			fprintf(stderr, "%s: %ld allocations\n", name, n - 1);
	}
}

int main(void)
{
	struct ad_train_opts o;
	struct ad_train_result r;
	struct ad_error err;

	if (tmpdir_make("model") != 0)
		return 2;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	put_file("train.csv", train_csv);
	o = train_opts("train.csv", "m1");
	if (ad_train_run(&o, &r, &err) != AD_OK) {
		fprintf(stderr, "training failed: %s\n", err.msg);
		return 1;
	}
	o = ocsvm_opts("v1");
	if (ad_train_run(&o, &r, &err) != AD_OK) {
		fprintf(stderr, "training an ocsvm failed: %s\n", err.msg);
		return 1;
	}
	test_round_trip();
	test_every_cut_and_flip();
	test_flips_behind_the_checksum();
	test_refusals();
	test_sections();
	test_reproducible();
	test_train_errors();
	test_merge();
	oom_loop(decode_model, "decode");
	oom_loop(train, "train");
	oom_loop(score, "score");
	oom_loop(inspect, "inspect");
	oom_loop(merge, "merge");
	oom_loop(sections, "sections");
	oom_loop(train_ocsvm, "train ocsvm");
	oom_loop(score_ocsvm, "score ocsvm");
	{
		const char *names[] = { "train.csv", "m1", "m2", "m3", "e1", "e2",
		    "one.csv", "merged", "oom.model", "oom.rejects", "oom.scores",
		    "oom.json", "oom.merged", "v1", "oom.ocsvm" };
		tmpdir_remove(names, sizeof names / sizeof names[0]);
	}
	return CHECK_DONE("test_model");
}
