#ifndef ADKIT_REPLAY_H
#define ADKIT_REPLAY_H
/*
 * Rows put aside while something is learned from the whole input, then
 * handed out again, in order. The first rows are held in memory, up to a
 * bound; once it is reached, these and all later rows go to an unnamed
 * temporary binary stream (ad_out_open_spill), so memory stays bounded
 * whatever the input's length. When the input itself is a binary stream in
 * a regular file, nothing is kept at all: the file is read again.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "block.h"
#include "schema.h"

struct ad_reader;
struct ad_replay;

/* A bound on the rows held in memory, in MiB, for a command without an
 * option to set it. */
#define AD_REPLAY_MEMORY 256

/* Starts an empty replay of rows of schema (copied), holding up to memory
 * bytes of them in memory. rd (may be NULL) is the reader the rows come
 * from, kept until ad_replay_free: if it can rewind, the rows are read
 * again from it rather than kept. */
enum ad_status ad_replay_new(struct ad_replay **rp,
    const struct ad_schema *schema, uint64_t memory, struct ad_reader *rd,
    struct ad_error *err);

/* Whether the rows are read again from the reader: ad_replay_add then
 * keeps nothing and ad_replay_next hands out the reader's own blocks, with
 * the input's columns rather than schema's. */
int ad_replay_rereads(const struct ad_replay *rp);

/* Appends b's rows: column j of schema is b's column colmap[j] (NULL: j).
 * With colmap NULL and a reader given, b must be the block the reader last
 * returned: it is taken from the reader rather than copied. */
enum ad_status ad_replay_add(struct ad_replay *rp, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err);

/* Ends the appending (flushes the spill, if any); ad_replay_next does it
 * when it has not been done. */
enum ad_status ad_replay_end(struct ad_replay *rp, struct ad_error *err);

/* Sets *b to the next block of the rows, in the order they were added
 * (owned by rp; the caller may change it; valid until the next call);
 * (*b)->nrows is 0 at the end. A file read again whose row count changed
 * is an error (AD_EIO). */
enum ad_status ad_replay_next(struct ad_replay *rp, struct ad_block **b,
    struct ad_error *err);

/* Bytes of rows held in memory now. */
uint64_t ad_replay_held(const struct ad_replay *rp);

/* Whether some rows went to the temporary file. */
int ad_replay_spilled(const struct ad_replay *rp);

/* Frees rp, its held rows and its temporary file; NULL is a no-op. */
void ad_replay_free(struct ad_replay *rp);

#endif
