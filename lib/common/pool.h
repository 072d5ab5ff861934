#ifndef ADKIT_POOL_H
#define ADKIT_POOL_H
/*
 * adkit's one thread pool: independent jobs 0..n-1 taken in order by a few
 * threads (sorting and comparing a profile's columns, growing trees,
 * scoring the calibration sample, ad-score's pipeline). Results do not
 * depend on the thread count as long as each job touches only its own
 * data. After a job fails no new job starts, and the failure reported is
 * that of the lowest job that failed, whatever the timing: every job below
 * it was taken before it and ran to the end.
 */
#include <stddef.h>

#include "ad.h"

/* The most --threads any command takes; runners refuse more (AD_EUSAGE).
 * The pool itself has no limit. */
#define AD_THREADS_MAX 256

struct ad_pool;

/* A job: works on item i; fails by returning a status with err set. */
typedef enum ad_status (*ad_pool_fn)(void *ctx, size_t i,
    struct ad_error *err);

/* Runs fn(ctx, i) for i in [0, n) on up to threads threads (the calling
 * one included; 0 or 1: in order, on the calling thread). Returns AD_OK,
 * or the failure of the lowest i that failed, in err; AD_ENOMEM if the
 * pool cannot be set up. A thread that cannot be started leaves its share
 * to the others. */
enum ad_status ad_pool_for(unsigned threads, size_t n, ad_pool_fn fn,
    void *ctx, struct ad_error *err);

/* Starts a pool of jobs fn(ctx, i), i in [0, n), on threads new threads
 * (the calling thread not included; it may join in with ad_pool_help).
 * *started (may be NULL) is set to the threads that did start: one that
 * cannot be started leaves its share to the others. Free with
 * ad_pool_wait. */
enum ad_status ad_pool_start(struct ad_pool **p, unsigned threads, size_t n,
    ad_pool_fn fn, void *ctx, unsigned *started, struct ad_error *err);

/* Runs the pool's jobs on the calling thread too, until none is left or
 * one failed; after each job it ran, progress (may be NULL) is called on
 * this thread with what, the jobs done so far and n. */
void ad_pool_help(struct ad_pool *p, ad_progress_fn progress, void *pctx,
    const char *what);

/* Waits until every job taken is done and the threads are gone, then
 * frees p; returns AD_OK, or the failure of the lowest job that failed, in
 * err. */
enum ad_status ad_pool_wait(struct ad_pool *p, struct ad_error *err);

#endif
