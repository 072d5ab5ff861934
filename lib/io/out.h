#ifndef ADKIT_OUT_H
#define ADKIT_OUT_H
/*
 * The one way adkit writes its output: an ad_out writes stdout, or a file
 * through an invisible temporary that becomes the file only when
 * ad_out_close succeeds, so a failed or killed run leaves no partial
 * output. Devices and FIFOs (/dev/full, a named pipe) are written in place,
 * since they cannot be renamed over. lib/io/outset.h commits a command's
 * outputs together.
 */
#include <stddef.h>

#include "ad.h"

struct ad_in;
struct ad_out;

/* Opens path for writing ("-" or NULL: stdout); see the top of this file. */
enum ad_status ad_out_open(struct ad_out **out, const char *path,
    struct ad_error *err);

/* Opens an anonymous temporary file in $TMPDIR (or /tmp) for spilling rows;
 * it vanishes when closed, whatever happens. */
enum ad_status ad_out_open_spill(struct ad_out **out, struct ad_error *err);

/* Opens an output kept in memory, for a stage's rows handed to the next
 * without a file; read back with ad_out_spill_to_in like a spill. */
enum ad_status ad_out_open_mem(struct ad_out **out, struct ad_error *err);

/* Flushes a spill opened by ad_out_open_spill (or ad_out_open_mem) and opens it for reading from
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

/* Receives bytes as they are written to an output. */
typedef void (*ad_out_tap_fn)(void *ctx, const unsigned char *p, size_t n);

/* From now on every byte written passes through fn (NULL: none) when it
 * leaves the buffer: after ad_out_flush fn has seen them all. */
void ad_out_set_tap(struct ad_out *out, ad_out_tap_fn fn, void *ctx);

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
