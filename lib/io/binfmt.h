#ifndef ADKIT_BINFMT_H
#define ADKIT_BINFMT_H
/*
 * adkit's binary stream, byte by byte (all integers little-endian; see
 * adkit(5)):
 *
 *   header  magic "\x89ADK\r\n\x1a\n", u32 version (1 or 2), u32 column
 *           count, then per column: u8 type (0 numeric, 1 text), u32 name
 *           length, the name's UTF-8 bytes; version 2 then has u32 length
 *           and bytes of the lineage as known before the first row
 *           (lineage.h)
 *   block   u32 rows (1..ad_block_rows(columns)), u32 flags (0), u64 payload
 *           length, then the payload: rows x numeric-columns float64 values,
 *           row-major, NaN for missing; then per row, per text column, a u32
 *           length (0xFFFFFFFF: missing) and that many bytes
 *   end     u32 0, u32 0, u64 total rows of all blocks; version 2 then has
 *           u32 length and bytes of the complete lineage, which adds the
 *           digests known only at the end (the input's, a saved params
 *           file's)
 *
 * The end record makes a truncated stream detectable.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "block.h"
#include "schema.h"

struct ad_in;
struct ad_out;
struct ad_lineage;

#define AD_BINFMT_MAGIC_LEN 8
/* The newest version read and written; a stream without lineage is written
 * as version 1, byte for byte as before. */
#define AD_BINFMT_VERSION 2

/* Whether the first n bytes at p are the binary stream's magic. */
int ad_binfmt_is_magic(const unsigned char *p, size_t n);

/* Whether all n bytes of a file, 0 < n < the magic's length, begin the
 * magic: a stream cut inside it, which is no CSV either. */
int ad_binfmt_is_cut_magic(const unsigned char *p, size_t n);

/* Reads and checks the header, appending its columns to schema and
 * setting *version; a version 2 header's lineage goes to lineage (emptied
 * first). name is the input's name for messages. */
enum ad_status ad_binfmt_read_header(struct ad_in *in, const char *name,
    struct ad_schema *schema, uint32_t *version, struct ad_lineage *lineage,
    struct ad_error *err);

/* Reads the next block into b (emptied first; it must hold
 * ad_block_rows(columns) rows); at the end record sets *done and checks the total
 * against rows_before. Row numbers continue from rows_before. For a
 * version 2 stream the end record's lineage, which must complete the
 * header's, replaces lineage. */
enum ad_status ad_binfmt_read_block(struct ad_in *in, const char *name,
    const struct ad_schema *schema, struct ad_block *b, uint64_t rows_before,
    uint32_t version, struct ad_lineage *lineage, int *done,
    struct ad_error *err);

/* Writes the header for schema: version 2 with lineage, version 1 when
 * lineage is NULL. */
enum ad_status ad_binfmt_write_header(struct ad_out *out,
    const struct ad_schema *schema, const struct ad_lineage *lineage,
    struct ad_error *err);

/* Writes b's rows as one block or more; output column j is b's column
 * colmap[j] (colmap NULL: the same), of the type schema gives. */
enum ad_status ad_binfmt_write_block(struct ad_out *out,
    const struct ad_schema *schema, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err);

/* Writes the end record; lineage as for ad_binfmt_write_header (the same
 * chain, now complete). */
enum ad_status ad_binfmt_write_end(struct ad_out *out, uint64_t total_rows,
    const struct ad_lineage *lineage, struct ad_error *err);

#endif
