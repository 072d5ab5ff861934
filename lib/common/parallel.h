#ifndef ADKIT_PARALLEL_H
#define ADKIT_PARALLEL_H
/*
 * Independent jobs 0..n-1 run on a few threads: sorting and comparing the
 * columns of a profile. The result does not depend on the thread count,
 * since each job touches only its own data.
 */
#include <stddef.h>

#include "ad.h"

/* A job: works on item i; fails by returning a status with err set. */
typedef enum ad_status (*ad_parallel_fn)(void *ctx, size_t i,
    struct ad_error *err);

/* Runs fn(ctx, i) for i in [0, n) on up to threads threads (the calling
 * one included; 0 or 1: in order, on the calling thread). Returns AD_OK,
 * or the failure of the lowest i that failed, in err. A thread that cannot
 * be started leaves its share to the others. */
enum ad_status ad_parallel_for(unsigned threads, size_t n, ad_parallel_fn fn,
    void *ctx, struct ad_error *err);

#endif
