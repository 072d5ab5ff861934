#ifndef ADKIT_IO_H
#define ADKIT_IO_H
/*
 * Byte streams: the one way adkit reads its input and writes its output.
 *
 * An ad_in reads a file or stdin through a buffer, never seeking, so pipes
 * work; ad_in_next maps a regular file instead (mmap), sparing read()'s
 * copy, and hands it out a MiB at a time. An ad_out writes stdout, or a file through an invisible temporary
 * that becomes the file only when ad_out_close succeeds: a failed or killed
 * run leaves no partial output. Devices and FIFOs (/dev/full, a named pipe)
 * are written in place, since they cannot be renamed over.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_in;
struct ad_out;

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

/* Whether the bytes the last ad_in_next handed out stay valid until
 * ad_in_close (a mapped regular file), not only until the next call: a
 * reader may then keep slices of them instead of copies. */
int ad_in_stable(const struct ad_in *in);

/* Bytes consumed so far. */
uint64_t ad_in_offset(const struct ad_in *in);

/* Whether the input is a regular file, which ad_in_seek can read again. */
int ad_in_seekable(const struct ad_in *in);

/* Goes back (or forth) to byte offset of the input, counted from where
 * reading began; only for a seekable input. */
enum ad_status ad_in_seek(struct ad_in *in, uint64_t offset,
    struct ad_error *err);

/* Closes the stream (stdin is left open); NULL is a no-op. */
void ad_in_close(struct ad_in *in);

/* Opens path for writing ("-" or NULL: stdout); see the top of this file. */
enum ad_status ad_out_open(struct ad_out **out, const char *path,
    struct ad_error *err);

/* Opens an anonymous temporary file in $TMPDIR (or /tmp) for spilling rows;
 * it vanishes when closed, whatever happens. */
enum ad_status ad_out_open_spill(struct ad_out **out, struct ad_error *err);

/* Flushes a spill opened by ad_out_open_spill and opens it for reading from
 * its start; the ad_out stays usable only for ad_out_abort. */
enum ad_status ad_out_spill_to_in(struct ad_out *out, struct ad_in **in,
    struct ad_error *err);

/* The name used in messages: the path, or "<stdout>". */
const char *ad_out_name(const struct ad_out *out);

/* Appends n bytes. */
enum ad_status ad_out_write(struct ad_out *out, const void *data, size_t n,
    struct ad_error *err);

/* Returns a pointer where up to n (at most 64 KiB) bytes may be written
 * directly; ad_out_commit then says how many were. */
enum ad_status ad_out_reserve(struct ad_out *out, size_t n, char **p,
    struct ad_error *err);

/* Marks n bytes written at the pointer ad_out_reserve returned. */
void ad_out_commit(struct ad_out *out, size_t n);

/* Writes out what out has buffered, so a write error (a full disk) shows
 * now, before any output of a command is moved into place. */
enum ad_status ad_out_flush(struct ad_out *out, struct ad_error *err);

/* Flushes, closes and, for a file, moves the output into place. The out is
 * freed whatever the result. */
enum ad_status ad_out_close(struct ad_out *out, struct ad_error *err);

/* Discards the output: a temporary is removed, the target never appears.
 * NULL is a no-op. */
void ad_out_abort(struct ad_out *out);

#endif
