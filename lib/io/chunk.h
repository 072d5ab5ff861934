#ifndef ADKIT_CHUNK_H
#define ADKIT_CHUNK_H
/*
 * Cuts a CSV stream into chunks that end at record boundaries, so that
 * each can be parsed on its own (on another thread) and the records come
 * out as one parse of the whole would give them. A boundary is the byte
 * after a newline outside quotes: the quotes seen so far are counted, and
 * RFC 4180 (doubled quotes inside a quoted field, a quote only opening a
 * field) makes their parity the parser's state. Input that breaks those
 * rules is an error the parse reports before any chunk that a wrong parity
 * could have cut wrongly.
 */
#include <stddef.h>

#include "ad.h"

struct ad_in;
struct ad_chunker;

/* A chunk: bytes p[0..n), either in the mapped input (valid until the
 * input is closed) or in buf, which the chunker fills and the holder keeps
 * for the next chunk (free buf with ad_free). */
struct ad_chunk {
	const char *p;
	size_t n;
	int last;               /* the input ends with this chunk */
	int early;              /* cut short: a pipe has nothing more yet */
	char *buf;
	size_t cap;
};

/* Starts cutting in (borrowed; read with ad_in_next) into chunks of about
 * size bytes (more when a record is longer); seed[0..nseed) are bytes
 * already taken from in that come first, starting a record, and stable
 * says they stay valid until in is closed. */
enum ad_status ad_chunker_new(struct ad_chunker **c, struct ad_in *in,
    size_t size, const char *seed, size_t nseed, int stable,
    struct ad_error *err);

/* Fills *ch with the next chunk; after the last (ch->last), chunks are
 * empty. A pipe that has nothing more for now ends a chunk early, at the
 * last record it gave, so that rows are not held back waiting for more. */
enum ad_status ad_chunker_next(struct ad_chunker *c, struct ad_chunk *ch,
    struct ad_error *err);

/* Frees c; NULL is a no-op. */
void ad_chunker_free(struct ad_chunker *c);

#endif
