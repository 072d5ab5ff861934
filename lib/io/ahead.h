#ifndef ADKIT_AHEAD_H
#define ADKIT_AHEAD_H
/*
 * Work ahead of a consumer, on a thread of its own, into two sets of
 * buffers taken in turn: while the consumer uses one set, the thread fills
 * the other, so memory is two sets whatever the input's length. The
 * reader parses a pipe's chunks this way.
 */
#include "ad.h"

struct ad_ahead;

/* Fills set k (0 or 1); returns non-zero when it was the last set. Runs
 * on the ahead thread. */
typedef int (*ad_ahead_fn)(void *ctx, int k);

/* Starts the thread, which fills set 0, then set 1, then each set again
 * once it is given back; ctx is kept. AD_EIO when no thread can start. */
enum ad_status ad_ahead_start(struct ad_ahead **a, ad_ahead_fn fill,
    void *ctx, struct ad_error *err);

/* Waits until the next set in turn is filled and returns it (0 or 1); -1
 * after the last set. */
int ad_ahead_take(struct ad_ahead *a);

/* Gives set k back to be filled again. */
void ad_ahead_give_back(struct ad_ahead *a, int k);

/* Called by fill around a read that may block (a pipe): there, and only
 * there, ad_ahead_stop may end the thread. */
void ad_ahead_blocking(int on);

/* Stops the thread (ending a read that blocks) and frees a; NULL is a
 * no-op. */
void ad_ahead_stop(struct ad_ahead *a);

#endif
