/*
 * lib/serve/meters: scores land in the bucket whose bound is the first at
 * or above them (NaN in none, +inf in +Inf), tied training quantiles make
 * one bound, requests count by code and latency, the exposition's lines
 * exactly, counts from several threads add up, and the OOM loops of
 * making and writing the counters.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "meters.h"
#include "model.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

/* A model with only what the meters read: training quantiles 1, 2, 2, 4
 * at the levels 0.1 .. 0.9, with level 0 and 1 left out of the buckets. */
static double qprob[] = { 0, 0.1, 0.5, 0.6, 0.9, 1 };
static double qscore[] = { 0, 1, 2, 2, 4, 9 };

static struct ad_model fake_model(void)
{
	struct ad_model m;

	memset(&m, 0, sizeof m);
	m.nquantiles = sizeof qprob / sizeof qprob[0];
	m.qprob = qprob;
	m.qscore = qscore;
	return m;
}

/* The exposition of one version m/a and the unrouted counters. */
static char *expose(const struct ad_meters *v, const struct ad_meters *none)
{
	struct ad_meters_entry e[2] = { { NULL, NULL, none }, { "m", "a", v } };
	struct ad_sbuf b = { 0 };
	struct ad_error err;

	CHECK(ad_meters_write(&b, e, 2, &err) == AD_OK);
	return b.p;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static void test_buckets(void)
{
	struct ad_model m = fake_model();
	struct ad_meters *v, *none;
	struct ad_error err;
	const double s[] = { 0.5, 1, 1.5, 2, 3, 4, 5, NAN, INFINITY };
	char *t;

	CHECK(ad_meters_new(&v, &m, &err) == AD_OK);
	CHECK(ad_meters_new(&none, NULL, &err) == AD_OK);
	ad_meters_scores(v, s, sizeof s / sizeof s[0], 3);
	ad_meters_scores(v, s, 0, 0);
	t = expose(v, none);
	/* a score equal to a bound is in its bucket (le); 2 is one bound */
	CHECK(has_line(t, "adkit_serve_score_bucket{model=\"m\",version=\"a\",le=\"1\"} 2"));
	CHECK(has_line(t, "adkit_serve_score_bucket{model=\"m\",version=\"a\",le=\"2\"} 4"));
	CHECK(has_line(t, "adkit_serve_score_bucket{model=\"m\",version=\"a\",le=\"4\"} 6"));
	CHECK(has_line(t, "adkit_serve_score_bucket{model=\"m\",version=\"a\",le=\"+Inf\"} 8"));
	CHECK(has_line(t, "adkit_serve_score_count{model=\"m\",version=\"a\"} 8"));
	CHECK(has_line(t, "adkit_serve_score_sum{model=\"m\",version=\"a\"} 17"));
	CHECK(strstr(t, "le=\"0\"") == NULL && strstr(t, "le=\"9\"") == NULL);
	CHECK(has_line(t, "adkit_serve_rows_scored_total{model=\"m\",version=\"a\"} 9"));
	CHECK(has_line(t, "adkit_serve_rows_anomalous_total{model=\"m\",version=\"a\"} 3"));
	CHECK(has_line(t, "adkit_serve_score_training_quantile{model=\"m\",version=\"a\",level=\"0.6\"} 2"));
	CHECK(strstr(t, "level=\"0\"") == NULL && strstr(t, "level=\"1\"") == NULL);
	/* the unrouted counters have no rows or scores */
	CHECK(strstr(t, "adkit_serve_rows_scored_total 0") == NULL);
	CHECK(strstr(t, "adkit_serve_score_count 0") == NULL);
	free(t);
	ad_meters_free(v);
	ad_meters_free(none);
	ad_meters_free(NULL);
}

static void test_requests(void)
{
	struct ad_model m = fake_model();
	struct ad_meters *v, *none;
	struct ad_error err;
	char *t;

	CHECK(ad_meters_new(&v, &m, &err) == AD_OK);
	CHECK(ad_meters_new(&none, NULL, &err) == AD_OK);
	ad_meters_request(v, 200, 0.0001);
	ad_meters_request(v, 200, 0.003);
	ad_meters_request(v, 503, 20);
	ad_meters_request(v, 418, 0.5);
	ad_meters_request(none, 404, 0.001);
	ad_meters_shadow(v, 7, 0);
	ad_meters_shadow(v, 0, 1);
	t = expose(v, none);
	CHECK(has_line(t, "# TYPE adkit_serve_requests_total counter"));
	CHECK(has_line(t, "# TYPE adkit_serve_request_duration_seconds histogram"));
	CHECK(has_line(t, "adkit_serve_requests_total{code=\"404\"} 1"));
	CHECK(has_line(t, "adkit_serve_requests_total{model=\"m\",version=\"a\",code=\"200\"} 2"));
	CHECK(has_line(t, "adkit_serve_requests_total{model=\"m\",version=\"a\",code=\"503\"} 1"));
	CHECK(has_line(t, "adkit_serve_requests_total{model=\"m\",version=\"a\",code=\"other\"} 1"));
	CHECK(strstr(t, "code=\"400\"") == NULL);   /* none: not written */
	/* 100 us is in its own bucket; 20 s only in +Inf */
	CHECK(has_line(t, "adkit_serve_request_duration_seconds_bucket{model=\"m\",version=\"a\",le=\"0.0001\"} 1"));
	CHECK(has_line(t, "adkit_serve_request_duration_seconds_bucket{model=\"m\",version=\"a\",le=\"0.005\"} 2"));
	CHECK(has_line(t, "adkit_serve_request_duration_seconds_bucket{model=\"m\",version=\"a\",le=\"10\"} 3"));
	CHECK(has_line(t, "adkit_serve_request_duration_seconds_bucket{model=\"m\",version=\"a\",le=\"+Inf\"} 4"));
	CHECK(has_line(t, "adkit_serve_request_duration_seconds_count 1"));
	CHECK(has_line(t, "adkit_serve_shadow_rows_total{model=\"m\",version=\"a\"} 7"));
	CHECK(has_line(t, "adkit_serve_shadow_failures_total{model=\"m\",version=\"a\"} 1"));
	free(t);
	ad_meters_free(v);
	ad_meters_free(none);
}

static void test_family(void)
{
	const char *ln[] = { "model", "version" };
	const char *lv[] = { "m\"1", "a", "n", "b\\" };
	const double v[] = { 1, 0 };
	struct ad_sbuf b = { 0 };
	struct ad_error err;

	CHECK(ad_meters_write_family(&b, "adkit_serve_x", "gauge", "Help.", ln, 2,
	    lv, v, 2, &err) == AD_OK);
	CHECK_STR(b.p, "# HELP adkit_serve_x Help.\n# TYPE adkit_serve_x gauge\n"
	    "adkit_serve_x{model=\"m\\\"1\",version=\"a\"} 1\n"
	    "adkit_serve_x{model=\"n\",version=\"b\\\\\"} 0\n");
	ad_sbuf_free(&b);
	CHECK(ad_meters_write_family(&b, "adkit_serve_x", "gauge", "Help.", ln, 5,
	    lv, v, 1, &err) == AD_EUSAGE);
	ad_sbuf_free(&b);
}

/* Request threads counting at once: no count is lost. */
enum { THREADS = 4, PER_THREAD = 20000 };

static void *count_many(void *arg)
{
	struct ad_meters *v = arg;
	const double s[2] = { 1.5, 3 };

	for (int i = 0; i < PER_THREAD; i++) {
		ad_meters_request(v, 200, 0.001);
		ad_meters_scores(v, s, 2, 1);
	}
	return NULL;
}

static void test_threads(void)
{
	struct ad_model m = fake_model();
	struct ad_meters *v, *none;
	struct ad_error err;
	pthread_t th[THREADS];
	char line[200], *t;

	CHECK(ad_meters_new(&v, &m, &err) == AD_OK);
	CHECK(ad_meters_new(&none, NULL, &err) == AD_OK);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, count_many, v) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	t = expose(v, none);
	snprintf(line, sizeof line, "adkit_serve_requests_total{model=\"m\","
	    "version=\"a\",code=\"200\"} %d", THREADS * PER_THREAD);
	CHECK(has_line(t, line));
	snprintf(line, sizeof line, "adkit_serve_score_count{model=\"m\","
	    "version=\"a\"} %d", 2 * THREADS * PER_THREAD);
	CHECK(has_line(t, line));
	snprintf(line, sizeof line, "adkit_serve_score_sum{model=\"m\","
	    "version=\"a\"} %d", 9 * THREADS * PER_THREAD / 2);
	CHECK(has_line(t, line));
	snprintf(line, sizeof line, "adkit_serve_rows_anomalous_total{model=\"m\","
	    "version=\"a\"} %d", THREADS * PER_THREAD);
	CHECK(has_line(t, line));
	free(t);
	ad_meters_free(v);
	ad_meters_free(none);
}

static enum ad_status make_and_write(void *ctx, struct ad_error *err)
{
	struct ad_model m = fake_model();
	struct ad_meters *v = NULL, *none = NULL;
	struct ad_sbuf b = { 0 };
	const double s[] = { 1, 3 };
	enum ad_status st;

	(void)ctx;
	if ((st = ad_meters_new(&v, &m, err)) == AD_OK &&
	    (st = ad_meters_new(&none, NULL, err)) == AD_OK) {
		struct ad_meters_entry e[2] = { { NULL, NULL, none },
		    { "m", "a", v } };
		ad_meters_scores(v, s, 2, 1);
		ad_meters_request(v, 200, 0.01);
		st = ad_meters_write(&b, e, 2, err);
	}
	ad_sbuf_free(&b);
	ad_meters_free(v);
	ad_meters_free(none);
	return st;
}

int main(void)
{
	test_buckets();
	test_requests();
	test_family();
	test_threads();
	oom_loop("meters", make_and_write, NULL, NULL);
	return CHECK_DONE("test_meters");
}
