/* Rows held in memory up to a bound, spilled beyond it, or read again. */
#include "alloc.h"
#include "out.h"
#include "reader.h"
#include "replay.h"
#include "writer.h"

struct ad_replay {
	struct ad_schema *schema;     /* of the rows added */
	struct ad_reader *rd;         /* where they come from, or NULL */
	int reread;                   /* rd is read again instead */
	uint64_t limit, held;         /* bytes of rows to hold, and held */
	struct ad_block **blocks;     /* the rows held, in order */
	size_t nblocks, cap;
	struct ad_out *spill;         /* the rows beyond, once there are any */
	struct ad_writer *sw;         /* ...written as a binary stream */
	int ended;                    /* the spill is complete */
	/* replaying */
	int started;
	size_t next;                  /* the held block to hand out next */
	struct ad_block *current;     /* a held block handed out, to free */
	struct ad_reader *sr;         /* reads the spill back */
	uint64_t rows;                /* reread: the rows the first pass read */
};

enum ad_status ad_replay_new(struct ad_replay **rp,
    const struct ad_schema *schema, uint64_t memory, struct ad_reader *rd,
    struct ad_error *err)
{
	struct ad_replay *p = ad_calloc(1, sizeof *p);
	enum ad_status st;

	if (p == NULL)
		return ad_error_nomem(err);
	if ((st = ad_schema_copy(schema, &p->schema, err)) != AD_OK) {
		ad_free(p);
		return st;
	}
	p->rd = rd;
	p->reread = rd != NULL && ad_reader_can_rewind(rd);
	p->limit = memory;
	*rp = p;
	return AD_OK;
}

int ad_replay_rereads(const struct ad_replay *rp)
{
	return rp->reread;
}

uint64_t ad_replay_held(const struct ad_replay *rp)
{
	return rp->held;
}

int ad_replay_spilled(const struct ad_replay *rp)
{
	return rp->spill != NULL;
}

/* The memory a held block has touched: a cell of each numeric column, two
 * of each text column, the text and the lines. */
static uint64_t block_bytes(const struct ad_schema *s, const struct ad_block *b)
{
	uint64_t n = (uint64_t)b->nrows * (8 * s->ncols + 8) + b->arena_len;

	for (size_t j = 0; j < s->ncols; j++)
		n += (uint64_t)b->nrows * 8 * (s->cols[j].type == AD_TEXT);
	return n;
}

/* Keeps b's rows in memory: the reader's block itself, or a copy. */
static enum ad_status hold(struct ad_replay *rp, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err)
{
	struct ad_block *copy = NULL, **nb;
	enum ad_status st;

	if ((nb = ad_grow(rp->blocks, &rp->cap, rp->nblocks + 1, sizeof *nb)) ==
	    NULL)
		return ad_error_nomem(err);
	rp->blocks = nb;
	if (colmap == NULL && rp->rd != NULL)
		st = ad_reader_take_block(rp->rd, &copy, err);
	else
		st = ad_block_new(&copy, rp->schema->ncols, b->nrows, err);
	for (size_t i = 0; st == AD_OK && copy != b && i < b->nrows; i++)
		st = ad_block_copy_row(rp->schema, copy, i, b, i, colmap, err);
	if (st != AD_OK) {
		ad_block_free(copy);
		return st;
	}
	copy->nrows = b->nrows;
	rp->blocks[rp->nblocks++] = copy;
	rp->held += block_bytes(rp->schema, copy);
	return AD_OK;
}

enum ad_status ad_replay_add(struct ad_replay *rp, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err)
{
	struct ad_writer_opts so = { .format = AD_FORMAT_BIN };
	enum ad_status st;

	if (rp->reread || b->nrows == 0)
		return AD_OK;
	/* once rows spill, all the later ones do, so they replay in order */
	if (rp->spill == NULL && rp->held < rp->limit)
		return hold(rp, b, colmap, err);
	if (rp->spill == NULL &&
	    ((st = ad_out_open_spill(&rp->spill, err)) != AD_OK ||
	    (st = ad_writer_open(&rp->sw, rp->spill, rp->schema, &so, err)) !=
	    AD_OK))
		return st;
	return ad_writer_write(rp->sw, b, colmap, err);
}

enum ad_status ad_replay_end(struct ad_replay *rp, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (!rp->ended && rp->sw != NULL)
		st = ad_writer_finish(rp->sw, err);
	rp->ended = st == AD_OK;
	return st;
}

/* Opens what is handed out after the held rows: the spill read back, or
 * the reader rewound. */
static enum ad_status start(struct ad_replay *rp, struct ad_error *err)
{
	struct ad_reader_opts ro = { 0 };
	enum ad_status st;

	if ((st = ad_replay_end(rp, err)) != AD_OK)
		return st;
	rp->started = 1;
	if (rp->reread) {
		rp->rows = ad_reader_rows(rp->rd);
		return ad_reader_rewind(rp->rd, err);
	}
	if (rp->spill == NULL)
		return AD_OK;
	if ((st = ad_out_spill_to_in(rp->spill, &ro.from, err)) != AD_OK)
		return st;
	return ad_reader_open(&rp->sr, &ro, err);
}

/* The next block of the file read again; checks the row count at its end.
 * The rows were checked the first time; a file rewritten in the meantime
 * fails the stream's own checks or shows in the count. */
static enum ad_status next_reread(struct ad_replay *rp, struct ad_block **b,
    struct ad_error *err)
{
	enum ad_status st = ad_reader_next(rp->rd, b, err);

	if (st != AD_OK || (*b)->nrows > 0 || ad_reader_rows(rp->rd) == rp->rows)
		return st;
	return ad_error_at(err, AD_EIO, ad_reader_name(rp->rd), 0, 0,
	    "the input changed while it was read (%llu rows, then %llu)",
	    (unsigned long long)rp->rows,
	    (unsigned long long)ad_reader_rows(rp->rd));
}

enum ad_status ad_replay_next(struct ad_replay *rp, struct ad_block **b,
    struct ad_error *err)
{
	enum ad_status st;

	ad_block_free(rp->current);   /* done with: its memory goes at once */
	rp->current = NULL;
	if (!rp->started && (st = start(rp, err)) != AD_OK)
		return st;
	if (rp->reread)
		return next_reread(rp, b, err);
	if (rp->next < rp->nblocks) {
		rp->current = rp->blocks[rp->next];
		rp->blocks[rp->next++] = NULL;
		rp->held -= block_bytes(rp->schema, rp->current);
		*b = rp->current;
		return AD_OK;
	}
	if (rp->sr != NULL)
		return ad_reader_next(rp->sr, b, err);
	/* the end: an empty block */
	if ((st = ad_block_new(&rp->current, rp->schema->ncols, 1, err)) != AD_OK)
		return st;
	*b = rp->current;
	return AD_OK;
}

void ad_replay_free(struct ad_replay *rp)
{
	if (rp == NULL)
		return;
	for (size_t i = 0; i < rp->nblocks; i++)
		ad_block_free(rp->blocks[i]);
	ad_free(rp->blocks);
	ad_block_free(rp->current);
	ad_reader_free(rp->sr);
	ad_writer_free(rp->sw);
	ad_out_abort(rp->spill);
	ad_schema_free(rp->schema);
	ad_free(rp);
}
