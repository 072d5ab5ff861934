/* The thread pool: each thread takes the next job number until none is
 * left or one failed, so uneven jobs (a text column and a numeric one, a
 * deep tree and a shallow one) balance out. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "pool.h"

struct ad_pool {
	ad_pool_fn fn;
	void *ctx;
	size_t n;
	size_t next;             /* the next job to take, under lock */
	size_t done;             /* jobs finished, under lock */
	size_t failed_at;        /* the lowest job that failed, or n */
	struct ad_error err;     /* its error */
	pthread_mutex_t lock;
	pthread_t *th;           /* the threads started */
	unsigned started;
};

/* Takes the next job, or returns n when none is left or one failed. */
static size_t take(struct ad_pool *p)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	i = p->next < p->n && p->failed_at == p->n ? p->next++ : p->n;
	pthread_mutex_unlock(&p->lock);
	return i;
}

/* Runs job i and records it; returns the jobs done so far. */
static size_t run_job(struct ad_pool *p, size_t i)
{
	struct ad_error err;
	enum ad_status st;
	size_t done;

	ad_error_clear(&err);
	st = p->fn(p->ctx, i, &err);
	pthread_mutex_lock(&p->lock);
	if (st != AD_OK && i < p->failed_at) {
		p->failed_at = i;
		p->err = err;
	}
	done = ++p->done;
	pthread_mutex_unlock(&p->lock);
	return done;
}

static void *work(void *arg)
{
	struct ad_pool *p = arg;
	size_t i;

	while ((i = take(p)) != p->n)
		run_job(p, i);
	return NULL;
}

enum ad_status ad_pool_start(struct ad_pool **out, unsigned threads, size_t n,
    ad_pool_fn fn, void *ctx, unsigned *started, struct ad_error *err)
{
	struct ad_pool *p = ad_calloc(1, sizeof *p);

	if (started != NULL)
		*started = 0;
	if (p == NULL)
		return ad_error_nomem(err);
	if (threads > 0 && (p->th = ad_calloc(threads, sizeof *p->th)) == NULL) {
		ad_free(p);
		return ad_error_nomem(err);
	}
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		ad_free(p->th);
		ad_free(p);
		return ad_error_set(err, AD_EIO, "cannot start threads");
	}
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->failed_at = n;
	while (p->started < threads &&
	    pthread_create(&p->th[p->started], NULL, work, p) == 0)
		p->started++;
	if (started != NULL)
		*started = p->started;
	*out = p;
	return AD_OK;
}

void ad_pool_help(struct ad_pool *p, ad_progress_fn progress, void *pctx,
    const char *what)
{
	size_t i;

	while ((i = take(p)) != p->n) {
		size_t done = run_job(p, i);
		if (progress != NULL)
			progress(pctx, what, done, p->n);
	}
}

enum ad_status ad_pool_wait(struct ad_pool *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (unsigned t = 0; t < p->started; t++)
		pthread_join(p->th[t], NULL);
	pthread_mutex_destroy(&p->lock);
	if (p->failed_at < p->n) {
		*err = p->err;
		st = err->code;
	}
	ad_free(p->th);
	ad_free(p);
	return st;
}

enum ad_status ad_pool_for(unsigned threads, size_t n, ad_pool_fn fn,
    void *ctx, struct ad_error *err)
{
	struct ad_pool *p;
	enum ad_status st;

	if (threads <= 1 || n <= 1) {
		for (size_t i = 0; i < n; i++)
			if ((st = fn(ctx, i, err)) != AD_OK)
				return st;
		return AD_OK;
	}
	if ((size_t)threads > n)
		threads = (unsigned)n;
	if ((st = ad_pool_start(&p, threads - 1, n, fn, ctx, NULL, err)) != AD_OK)
		return st;
	ad_pool_help(p, NULL, NULL, NULL);
	return ad_pool_wait(p, err);
}
