/* Jobs on threads: each thread takes the next job number until none is
 * left, so uneven jobs (a text column, a numeric one) balance out. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "parallel.h"

#define MAX_THREADS 64

struct pool {
	ad_parallel_fn fn;
	void *ctx;
	size_t n;
	size_t next;             /* the next job to take, under lock */
	size_t failed_at;        /* the lowest job that failed, or n */
	struct ad_error err;     /* its error */
	pthread_mutex_t lock;
};

static void *work(void *arg)
{
	struct pool *p = arg;
	struct ad_error err;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->n && p->failed_at == p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		ad_error_clear(&err);
		if (p->fn(p->ctx, i, &err) != AD_OK) {
			pthread_mutex_lock(&p->lock);
			if (i < p->failed_at) {
				p->failed_at = i;
				p->err = err;
			}
			pthread_mutex_unlock(&p->lock);
		}
	}
}

enum ad_status ad_parallel_for(unsigned threads, size_t n, ad_parallel_fn fn,
    void *ctx, struct ad_error *err)
{
	pthread_t th[MAX_THREADS];
	struct pool p;
	unsigned started = 0;

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads <= 1 || n <= 1) {
		for (size_t i = 0; i < n; i++) {
			enum ad_status st = fn(ctx, i, err);
			if (st != AD_OK)
				return st;
		}
		return AD_OK;
	}
	memset(&p, 0, sizeof p);
	p.fn = fn;
	p.ctx = ctx;
	p.n = n;
	p.failed_at = n;
	if (pthread_mutex_init(&p.lock, NULL) != 0)
		return ad_parallel_for(1, n, fn, ctx, err);
	while (started + 1 < threads && started + 1 < n &&
	    pthread_create(&th[started], NULL, work, &p) == 0)
		started++;
	work(&p);
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&p.lock);
	if (p.failed_at < n) {
		*err = p.err;
		return err->code;
	}
	return AD_OK;
}
