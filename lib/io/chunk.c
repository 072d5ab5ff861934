/*
 * Chunks at record boundaries: bytes are taken from the input a piece at a
 * time, scanned once for quotes and newlines (memchr, so quote-free text
 * goes at memory speed), and cut after the last newline outside quotes
 * once a chunk's worth is pending. Mapped bytes are handed out in place;
 * others (a pipe's) are copied once, into a buffer the chunk then keeps.
 */
#define _GNU_SOURCE
#include <string.h>

#include "alloc.h"
#include "chunk.h"
#include "in.h"

struct ad_chunker {
	struct ad_in *in;
	size_t size;            /* bytes a chunk should have, at least */
	int stable;             /* the pending bytes are cp[0..cn), mapped;
	                           else own[0..cn) */
	const char *cp;
	char *own;
	size_t own_cap;
	size_t cn;              /* pending bytes */
	const char *src_end;    /* end of the last piece taken, when mapped */
	size_t src_len;         /* and its length */
	size_t pos;             /* pending bytes scanned, up to a boundary */
	int inq;                /* inside quotes at pos */
	size_t cut;             /* the first boundary at size or after, 0: none
	                           found yet */
	size_t early;           /* the last boundary before size, 0: none */
	int eof;
};

static const char *pending(const struct ad_chunker *c)
{
	return c->stable ? c->cp : c->own;
}

/* Makes the pending bytes a copy in own, with room for n more. */
static enum ad_status own_room(struct ad_chunker *c, size_t n,
    struct ad_error *err)
{
	size_t need;
	char *p;

	if (ad_add_size(c->cn, n, &need) != 0)
		return ad_error_nomem(err);
	if (need > c->own_cap) {
		if ((p = ad_grow(c->own, &c->own_cap, need, 1)) == NULL)
			return ad_error_nomem(err);
		c->own = p;
	}
	if (c->stable) {
		if (c->cn > 0)
			memmove(c->own, c->cp, c->cn);
		c->stable = 0;
	}
	return AD_OK;
}

/* Scans the pending bytes from pos for the first boundary at size or
 * after (the chunk's end), noting the last one before it. */
static void scan(struct ad_chunker *c)
{
	const char *b = pending(c);
	size_t p = c->pos, end = c->cn, min = c->size - 1;

	if (c->cut != 0)
		return;
	while (p < end) {
		const char *q = memchr(b + p, '"', end - p), *nl;
		size_t stop = q != NULL ? (size_t)(q - b) : end;

		if (!c->inq) {
			size_t lo = p > min ? p : min;
			if (p < min && (nl = memrchr(b + p, '\n',
			    (stop < min ? stop : min) - p)) != NULL)
				c->early = (size_t)(nl + 1 - b);
			if (stop > lo && (nl = memchr(b + lo, '\n', stop - lo)) !=
			    NULL) {
				c->cut = (size_t)(nl + 1 - b);
				p = c->cut;
				break;
			}
		}
		if (q == NULL) {
			p = end;
			break;
		}
		c->inq = !c->inq;
		p = stop + 1;
	}
	c->pos = p;
}

/* Adds n bytes at p, mapped if stable, after the pending ones. */
static enum ad_status append(struct ad_chunker *c, const char *p, size_t n,
    int stable, struct ad_error *err)
{
	enum ad_status st;

	c->src_end = stable ? p + n : NULL;
	c->src_len = n;
	if (n == 0)
		return AD_OK;
	if (stable && (c->cn == 0 || (c->stable && c->cp + c->cn == p))) {
		if (c->cn == 0)
			c->cp = p;
		c->stable = 1;
		c->cn += n;
	} else {
		if ((st = own_room(c, n, err)) != AD_OK)
			return st;
		memcpy(c->own + c->cn, p, n);
		c->cn += n;
	}
	scan(c);
	return AD_OK;
}

/* Hands out the first k pending bytes as a chunk. */
static enum ad_status emit(struct ad_chunker *c, struct ad_chunk *ch, size_t k,
    int last, struct ad_error *err)
{
	size_t tail = c->cn - k;

	if (c->stable) {
		ch->p = c->cp;
		c->cp += k;
	} else {
		/* the chunk keeps the buffer; the tail moves to the chunk's
		 * old one, unless it is still mapped */
		char *old = ch->buf;
		size_t old_cap = ch->cap;

		if (c->src_end != NULL && tail <= c->src_len) {
			c->stable = 1;
			c->cp = c->src_end - tail;
		} else {
			if (tail > old_cap) {
				char *g = ad_grow(old, &old_cap, tail, 1);
				if (g == NULL)
					return ad_error_nomem(err);
				old = g;
			}
			if (tail > 0)
				memcpy(old, c->own + k, tail);
		}
		ch->buf = c->own;
		ch->cap = c->own_cap;
		ch->p = ch->buf;
		c->own = old;
		c->own_cap = old_cap;
	}
	ch->n = k;
	ch->last = last;
	ch->early = 0;
	c->cn = tail;
	/* the tail starts at a boundary, outside quotes: scan it afresh */
	c->pos = 0;
	c->inq = 0;
	c->cut = c->early = 0;
	scan(c);
	return AD_OK;
}

enum ad_status ad_chunker_new(struct ad_chunker **out, struct ad_in *in,
    size_t size, const char *seed, size_t nseed, int stable,
    struct ad_error *err)
{
	struct ad_chunker *c = ad_calloc(1, sizeof *c);
	enum ad_status st;

	if (c == NULL)
		return ad_error_nomem(err);
	c->in = in;
	c->size = size > 0 ? size : 1;
	if ((st = append(c, seed, nseed, stable, err)) != AD_OK) {
		ad_chunker_free(c);
		return st;
	}
	*out = c;
	return AD_OK;
}

enum ad_status ad_chunker_next(struct ad_chunker *c, struct ad_chunk *ch,
    struct ad_error *err)
{
	enum ad_status st;

	for (;;) {
		const unsigned char *p;
		size_t n;

		if (c->eof)
			return emit(c, ch, c->cn, 1, err);
		if (c->cut > 0)
			return emit(c, ch, c->cut, 0, err);
		/* a pipe that has nothing more for now: hand out the records
		 * it gave, rather than wait for a chunk's worth */
		if (c->early > 0 && !ad_in_ready(c->in)) {
			if ((st = emit(c, ch, c->early, 0, err)) == AD_OK)
				ch->early = 1;
			return st;
		}
		if ((st = ad_in_next(c->in, &p, &n, err)) != AD_OK)
			return st;
		if (n == 0)
			c->eof = 1;
		else if ((st = append(c, (const char *)p, n, ad_in_stable(c->in),
		    err)) != AD_OK)
			return st;
	}
}

void ad_chunker_free(struct ad_chunker *c)
{
	if (c == NULL)
		return;
	ad_free(c->own);
	ad_free(c);
}
