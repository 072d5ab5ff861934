/*
 * The ahead thread: a mutex and a condition guard which sets are full. The
 * thread is cancelled only inside a read that may block (ad_ahead_blocking),
 * where it holds no lock and owns no memory of its own.
 */
#include <pthread.h>

#include "ahead.h"
#include "alloc.h"

struct ad_ahead {
	ad_ahead_fn fill;
	void *ctx;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int full[2];              /* set k is filled and not given back */
	int last;                 /* the set filled last was the last one */
	int stop;                 /* the consumer wants no more */
	int next;                 /* the set ad_ahead_take returns next */
};

static void *run(void *arg)
{
	struct ad_ahead *a = arg;
	int old, stop, last = 0;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	for (int k = 0; !last; k ^= 1) {
		pthread_mutex_lock(&a->lock);
		while (a->full[k] && !a->stop)
			pthread_cond_wait(&a->cond, &a->lock);
		stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			break;
		last = a->fill(a->ctx, k);
		pthread_mutex_lock(&a->lock);
		a->full[k] = 1;
		a->last = last;
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
	}
	return NULL;
}

enum ad_status ad_ahead_start(struct ad_ahead **out, ad_ahead_fn fill,
    void *ctx, struct ad_error *err)
{
	struct ad_ahead *a = ad_calloc(1, sizeof *a);

	if (a == NULL)
		return ad_error_nomem(err);
	a->fill = fill;
	a->ctx = ctx;
	if (pthread_mutex_init(&a->lock, NULL) != 0) {
		ad_free(a);
		return ad_error_set(err, AD_EIO, "cannot start a thread");
	}
	if (pthread_cond_init(&a->cond, NULL) != 0) {
		pthread_mutex_destroy(&a->lock);
		ad_free(a);
		return ad_error_set(err, AD_EIO, "cannot start a thread");
	}
	if (pthread_create(&a->th, NULL, run, a) != 0) {
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
		ad_free(a);
		return ad_error_set(err, AD_EIO, "cannot start a thread");
	}
	*out = a;
	return AD_OK;
}

int ad_ahead_take(struct ad_ahead *a)
{
	int k = a->next;

	pthread_mutex_lock(&a->lock);
	/* after the last set, no other is filled */
	while (!a->full[k] && !a->last)
		pthread_cond_wait(&a->cond, &a->lock);
	if (!a->full[k])
		k = -1;
	pthread_mutex_unlock(&a->lock);
	if (k >= 0)
		a->next = k ^ 1;
	return k;
}

void ad_ahead_give_back(struct ad_ahead *a, int k)
{
	pthread_mutex_lock(&a->lock);
	a->full[k] = 0;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

void ad_ahead_blocking(int on)
{
	int old;

	pthread_setcancelstate(on ? PTHREAD_CANCEL_ENABLE :
	    PTHREAD_CANCEL_DISABLE, &old);
}

void ad_ahead_stop(struct ad_ahead *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_cancel(a->th);
	pthread_join(a->th, NULL);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	ad_free(a);
}
