#ifndef ADKIT_TABLE_H
#define ADKIT_TABLE_H
/*
 * The shape of a stream (struct ad_schema: column names and types) and a
 * block of its rows (struct ad_block), the unit every command works on.
 *
 * A block holds up to cap rows. Numbers sit row-major in num, ready for BLAS,
 * with NaN for missing; a text column's slots in num are NaN and its cells
 * are (offset, length) pairs into the block's byte arena. Memory depends on
 * cap and the column count, never on the length of the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* Rows in a full block of a table of up to 64 columns. */
#define AD_BLOCK_ROWS 4096

/* Cells in a full block of a wider table, which then has fewer rows. */
#define AD_BLOCK_CELLS (1 << 18)

/* Length of a missing text cell. */
#define AD_TEXT_MISSING SIZE_MAX

enum ad_type {
	AD_NUMERIC = 0, /* IEEE-754 double, NaN = missing */
	AD_TEXT = 1     /* bytes, carried as they came */
};

struct ad_column {
	char *name;        /* NUL-terminated UTF-8 */
	enum ad_type type;
};

struct ad_schema {
	size_t ncols;
	struct ad_column *cols;
};

struct ad_text {
	size_t off;        /* into the block's arena */
	size_t len;        /* AD_TEXT_MISSING for a missing cell */
};

struct ad_block {
	size_t nrows;      /* rows filled */
	size_t cap;        /* rows allocated */
	size_t ncols;
	double *num;       /* nrows x ncols, row-major */
	struct ad_text *text; /* nrows x ncols; meaningful for text columns */
	uint64_t *line;    /* per row: source line (CSV) or row number (binary) */
	char *arena;       /* text bytes of this block */
	size_t arena_len, arena_cap;
	int num_text;      /* text also holds, for numeric cells, the source
	                      text where it is the number's shortest form
	                      (else AD_TEXT_MISSING): writers copy it */
};

/* Allocates an empty schema. */
enum ad_status ad_schema_new(struct ad_schema **s, struct ad_error *err);

/* Frees s and its names; NULL is a no-op. */
void ad_schema_free(struct ad_schema *s);

/* Appends a column named name[0..len) (copied); the caller checks names. */
enum ad_status ad_schema_add(struct ad_schema *s, const char *name, size_t len,
    enum ad_type type, struct ad_error *err);

/* Whether s[0..len) is UTF-8 text without NUL or control bytes, the rule
 * for a column name wherever one is read (CSV, stream, params, model,
 * profile). */
int ad_is_name_text(const char *s, size_t len);

/* Returns a deep copy of s in *copy. */
enum ad_status ad_schema_copy(const struct ad_schema *s,
    struct ad_schema **copy, struct ad_error *err);

/* Index of the column called name, or SIZE_MAX. */
size_t ad_schema_find(const struct ad_schema *s, const char *name);

/* "numeric" or "text". */
const char *ad_type_name(enum ad_type t);

/* Rows in a full block of ncols columns: AD_BLOCK_ROWS, or fewer (at least
 * one) so that a block of a wide table stays within AD_BLOCK_CELLS cells. */
size_t ad_block_rows(size_t ncols);

/* Allocates a block for cap rows of ncols columns. */
enum ad_status ad_block_new(struct ad_block **b, size_t ncols, size_t cap,
    struct ad_error *err);

/* Frees b; NULL is a no-op. */
void ad_block_free(struct ad_block *b);

/* Empties b, keeping its memory. */
void ad_block_clear(struct ad_block *b);

/* Copies text s[0..len) into cell (row, col); len AD_TEXT_MISSING marks it
 * missing. Pointers from ad_block_text may move. */
enum ad_status ad_block_set_text(struct ad_block *b, size_t row, size_t col,
    const char *s, size_t len, struct ad_error *err);

/* The text of cell (row, col) and its length in *len, or NULL if missing. */
const char *ad_block_text(const struct ad_block *b, size_t row, size_t col,
    size_t *len);

/* Copies row si of src into row di of dst (both rows exist): column j of
 * schema s, dst's column j, comes from src's column map[j] (map NULL: j),
 * and the row's line with it. Fails only when memory runs out. */
enum ad_status ad_block_copy_row(const struct ad_schema *s,
    struct ad_block *dst, size_t di, const struct ad_block *src, size_t si,
    const size_t *map, struct ad_error *err);

/* Keeps only the rows whose keep[] is non-zero, in order. */
void ad_block_compact(struct ad_block *b, const unsigned char *keep);

#endif
