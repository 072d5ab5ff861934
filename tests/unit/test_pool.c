/*
 * lib/common/pool: every job runs once whatever the thread count (1,
 * more threads than jobs, AD_THREADS_MAX); one thread runs them in order
 * on the caller; the failure reported is the lowest job's even when a
 * higher one fails first; one thread stops at a failure; progress comes on
 * the calling thread; a pool that cannot be allocated is AD_ENOMEM with
 * nothing leaked.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pool.h"

#include "check.h"
#include "failalloc.h"

#define N 2000

struct ctx {
	int runs[N];              /* times job i ran */
	size_t order[N];          /* jobs in the order they ran (1 thread) */
	size_t ran;               /* under lock */
	size_t fail_a, fail_b;    /* jobs that fail, or N */
	int slow_a;               /* job fail_a sleeps before failing */
	pthread_mutex_t lock;
	pthread_t caller;
	int off_thread_progress;  /* progress came on another thread */
	size_t last_done;
	int backwards;            /* progress went back */
};

static void nap(long ms)
{
	struct timespec t = { 0, ms * 1000000L };

	nanosleep(&t, NULL);
}

static enum ad_status job(void *arg, size_t i, struct ad_error *err)
{
	struct ctx *c = arg;

	pthread_mutex_lock(&c->lock);
	c->runs[i]++;
	c->order[c->ran++] = i;
	pthread_mutex_unlock(&c->lock);
	if (i == c->fail_a) {
		if (c->slow_a)
			nap(50);
		return ad_error_set(err, AD_EDATA, "job %zu failed", i);
	}
	if (i == c->fail_b)
		return ad_error_set(err, AD_EIO, "job %zu failed", i);
	return AD_OK;
}

static void init(struct ctx *c)
{
	memset(c, 0, sizeof *c);
	c->fail_a = c->fail_b = N;
	pthread_mutex_init(&c->lock, NULL);
	c->caller = pthread_self();
}

static int all_once(const struct ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->runs[i] != 1)
			return 0;
	return c->ran == n;
}

static void test_every_job_once(void)
{
	static const unsigned threads[] = { 0, 1, 2, 3, 4, 16, AD_THREADS_MAX };
	static const size_t counts[] = { 0, 1, 2, 3, 5, 100, N };
	struct ad_error err;
	struct ctx c;

	for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
		for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
			init(&c);
			CHECK(ad_pool_for(threads[t], counts[k], job, &c,
			    &err) == AD_OK);
			CHECK(all_once(&c, counts[k]));
			CHECK(live == 0);
		}
	/* one thread: in order, on the caller */
	init(&c);
	CHECK(ad_pool_for(1, 50, job, &c, &err) == AD_OK);
	for (size_t i = 0; i < 50; i++)
		CHECK(c.order[i] == i);
}

static void test_lowest_failure_wins(void)
{
	struct ad_error err;
	struct ctx c;

	for (int round = 0; round < 20; round++) {
		/* job 3 fails late, job 9 at once: 3 is reported */
		init(&c);
		c.fail_a = 3;
		c.slow_a = 1;
		c.fail_b = 9;
		CHECK(ad_pool_for(8, 400, job, &c, &err) == AD_EDATA);
		CHECK_STR(err.msg, "job 3 failed");
		/* every job up to the failure ran, once */
		for (size_t i = 0; i <= 3; i++)
			CHECK(c.runs[i] == 1);
	}
	init(&c);
	c.fail_a = 0;
	CHECK(ad_pool_for(1, 10, job, &c, &err) == AD_EDATA);
	CHECK(c.ran == 1);
	init(&c);
	c.fail_b = 1;
	CHECK(ad_pool_for(AD_THREADS_MAX, 2, job, &c, &err) == AD_EIO);
	CHECK_STR(err.msg, "job 1 failed");
}

static void progress(void *arg, const char *what, uint64_t done,
    uint64_t total)
{
	struct ctx *c = arg;

	if (!pthread_equal(pthread_self(), c->caller))
		c->off_thread_progress = 1;
	if (done <= c->last_done || done > total || strcmp(what, "jobs") != 0)
		c->backwards = 1;
	c->last_done = done;
}

static void test_pool(void)
{
	struct ad_pool *p;
	struct ad_error err;
	unsigned started;
	struct ctx c;

	init(&c);
	CHECK(ad_pool_start(&p, 3, N, job, &c, &started, &err) == AD_OK);
	CHECK(started == 3);
	ad_pool_help(p, progress, &c, "jobs");
	CHECK(ad_pool_wait(p, &err) == AD_OK);
	CHECK(all_once(&c, N));
	CHECK(!c.off_thread_progress && !c.backwards);
	/* no thread started: the caller runs every job and says so */
	init(&c);
	CHECK(ad_pool_start(&p, 0, 40, job, &c, &started, &err) == AD_OK);
	CHECK(started == 0);
	ad_pool_help(p, progress, &c, "jobs");
	CHECK(ad_pool_wait(p, &err) == AD_OK);
	CHECK(all_once(&c, 40) && !c.backwards && c.last_done == 40);
	/* all the threads the CLI allows, the caller only waiting */
	init(&c);
	CHECK(ad_pool_start(&p, AD_THREADS_MAX, N, job, &c, &started, &err) ==
	    AD_OK);
	CHECK(started == AD_THREADS_MAX);
	CHECK(ad_pool_wait(p, &err) == AD_OK);
	CHECK(all_once(&c, N));
	CHECK(live == 0);
}

static void test_oom(void)
{
	struct ad_error err;
	struct ctx c;

	for (long n = 1; n <= 2; n++) {
		init(&c);
		calls = 0;
		fail_at = n;
		hit = 0;
		CHECK(ad_pool_for(4, 10, job, &c, &err) == AD_ENOMEM);
		CHECK(hit && c.ran == 0 && live == 0);
	}
	fail_at = 0;
	/* one thread needs no pool */
	init(&c);
	calls = 0;
	fail_at = 1;
	CHECK(ad_pool_for(1, 10, job, &c, &err) == AD_OK);
	fail_at = 0;
}

int main(void)
{
	test_every_job_once();
	test_lowest_failure_wins();
	test_pool();
	test_oom();
	return CHECK_DONE("test_pool");
}
