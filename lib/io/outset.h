#ifndef ADKIT_OUTSET_H
#define ADKIT_OUTSET_H
/*
 * A command's outputs as one transaction. They are all opened before the
 * first row is read, so a bad path fails early; on success they are
 * committed in the command's order, and on any failure every output not
 * yet committed is aborted, so none of them appears half written (see
 * ad_out_open for how a file is kept invisible until committed).
 */
#include <stddef.h>

#include "ad.h"

struct ad_out;
struct ad_outset;

/* One output of a command: where the caller keeps it, and its path (NULL:
 * not wanted, the slot stays NULL; "-": stdout). */
struct ad_outset_entry {
	struct ad_out **slot;
	const char *path;
};

/* Opens the n outputs, in order; *set is set on success and keeps the
 * slots (which must outlive it), filling each. On failure the outputs
 * already opened are aborted and their slots set back to NULL. */
enum ad_status ad_outset_open(struct ad_outset **set,
    const struct ad_outset_entry *e, size_t n, struct ad_error *err);

/* Flushes every open output, then, only if all were written, commits them
 * (ad_out_close) in the order given to ad_outset_open, setting each slot to
 * NULL. A write error commits none; a failure to move one into place stops
 * there, leaving the rest for ad_outset_free to abort. */
enum ad_status ad_outset_commit(struct ad_outset *set, struct ad_error *err);

/* Aborts every output not committed, sets its slot to NULL and frees set;
 * NULL is a no-op. */
void ad_outset_free(struct ad_outset *set);

#endif
