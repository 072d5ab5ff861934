#ifndef ADKIT_IN_H
#define ADKIT_IN_H
/*
 * The one way adkit reads its input: an ad_in reads a file or stdin through
 * a buffer, never seeking, so pipes work; ad_in_next maps a regular file
 * instead (mmap), sparing read()'s copy, and hands it out a MiB at a time.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_in;

/* Opens path for reading ("-" or NULL: stdin); *in is set on success. */
enum ad_status ad_in_open(struct ad_in **in, const char *path,
    struct ad_error *err);

/* The name used in messages: the path, or "<stdin>". Lives as long as in. */
const char *ad_in_name(const struct ad_in *in);

/* Makes up to want bytes visible at *data without consuming them; *len is
 * less than want only at end of input. */
enum ad_status ad_in_peek(struct ad_in *in, size_t want,
    const unsigned char **data, size_t *len, struct ad_error *err);

/* Returns the buffered bytes (reading more if none) and consumes them; *len
 * is 0 at end of input. The bytes stay valid until the next call. */
enum ad_status ad_in_next(struct ad_in *in, const unsigned char **data,
    size_t *len, struct ad_error *err);

/* Reads exactly n bytes into buf; *got < n only at end of input. */
enum ad_status ad_in_read(struct ad_in *in, void *buf, size_t n, size_t *got,
    struct ad_error *err);

/* Receives bytes just read from an input. */
typedef void (*ad_in_tap_fn)(void *ctx, const unsigned char *p, size_t n);

/* From now on, every byte read from the file or pipe passes through fn
 * (NULL: none), in order and once (a rewind with ad_in_seek reads them
 * again), before the stream hands it out: a hash of the input as read, at
 * no second pass or copy. */
void ad_in_set_tap(struct ad_in *in, ad_in_tap_fn fn, void *ctx);

/* The same, but the tap may see the bytes of a mapped file later, on a
 * thread of its own (still in order and once), off the reading's path: fn
 * and ctx must then be safe to use from that thread, and ctx's result read
 * only after ad_in_tap_wait. */
void ad_in_set_tap_behind(struct ad_in *in, ad_in_tap_fn fn, void *ctx);

/* Waits until the tap has seen every byte handed out so far. */
void ad_in_tap_wait(struct ad_in *in);

/* Whether the bytes the last ad_in_next handed out stay valid until
 * ad_in_close (a mapped regular file), not only until the next call: a
 * reader may then keep slices of them instead of copies. */
int ad_in_stable(const struct ad_in *in);

/* Whether ad_in_next would return at once: a file always, a pipe when its
 * writer has written (or closed it). */
int ad_in_ready(const struct ad_in *in);

/* From now on, mapped pages behind the reading are kept until
 * ad_in_release_before gives them back: a reader that parses mapped bytes
 * some time after taking them (on other threads) spares reading them in
 * twice. */
void ad_in_hold_map(struct ad_in *in);

/* Gives back the whole mapped pages below p, bytes handed out earlier and
 * no longer needed (they read in again from the page cache if touched);
 * a no-op for bytes not mapped. */
void ad_in_release_before(struct ad_in *in, const unsigned char *p);

/* Bytes consumed so far. */
uint64_t ad_in_offset(const struct ad_in *in);

/* Whether the input is a regular file, which ad_in_seek can read again. */
int ad_in_seekable(const struct ad_in *in);

/* Goes back (or forth) to byte offset of the input, counted from where
 * reading began; only for a seekable input. */
enum ad_status ad_in_seek(struct ad_in *in, uint64_t offset,
    struct ad_error *err);

/* Opens the file fd (taken: ad_in_close closes it, and so does a failure)
 * for reading from its current offset; a spill read back, say. */
enum ad_status ad_in_open_fd(struct ad_in **in, int fd, struct ad_error *err);

/* Closes the stream (stdin is left open); NULL is a no-op. */
void ad_in_close(struct ad_in *in);

/* Opens data[0..len) in memory as a stream (named "<memory>"): borrowed,
 * so it must outlive *in, or with take ad_malloc'd and freed at close (also
 * when this fails). */
enum ad_status ad_in_open_mem(struct ad_in **in, const void *data,
    size_t len, int take, struct ad_error *err);

#endif
