/* A runner's step in a stream's lineage: see chain.h. */
#include <string.h>

#include "chain.h"
#include "in.h"
#include "out.h"
#include "sha256.h"

static void hash_in(void *ctx, const unsigned char *p, size_t n)
{
	ad_sha256_update(ctx, p, n);
}

enum ad_status ad_chain_open_input(struct ad_chain *c,
    struct ad_reader_opts *ro, struct ad_error *err)
{
	enum ad_status st;

	/* a caller's stream (ad-serve's request body) is digested as a file */
	if ((st = ad_sha256_new(&c->in_sha, err)) != AD_OK ||
	    (ro->from == NULL &&
	    (st = ad_in_open(&ro->from, ro->path, err)) != AD_OK))
		return st;
	c->in = ro->from;
	/* a mapped file is hashed on a thread of its own, beside the parse */
	ad_in_set_tap_behind(c->in, hash_in, c->in_sha);
	return AD_OK;
}

enum ad_status ad_chain_begin(struct ad_chain *c, const struct ad_reader *rd,
    enum ad_format format, enum ad_lineage_kind kind, const char *restored,
    const unsigned char *restored_sha, struct ad_out *save,
    const char *save_name, struct ad_error *err)
{
	const struct ad_lineage *up = ad_reader_lineage(rd);
	struct ad_lineage_step *s;
	enum ad_status st;

	if (format != AD_FORMAT_BIN) {
		/* nothing records it: spare the work */
		ad_in_set_tap(c->in, NULL, NULL);
		return AD_OK;
	}
	if (up != NULL && (st = ad_lineage_copy(&c->lineage, up, err)) != AD_OK)
		return st;
	if ((st = ad_lineage_append(&c->lineage, kind, restored ? restored :
	    save ? save_name : NULL, ad_reader_name(rd), &s, err)) != AD_OK)
		return st;
	if (restored != NULL) {
		s->flags = AD_LINEAGE_RESTORED | AD_LINEAGE_PARAMS_SHA;
		memcpy(s->params_sha256, restored_sha, 32);
	} else if (save != NULL) {
		if ((st = ad_sha256_new(&c->save_sha, err)) != AD_OK)
			return st;
		ad_out_set_tap(save, hash_in, c->save_sha);
	}
	c->on = 1;
	return AD_OK;
}

const struct ad_lineage *ad_chain_lineage(const struct ad_chain *c)
{
	return c->on ? &c->lineage : NULL;
}

enum ad_status ad_chain_end(struct ad_chain *c, const struct ad_reader *rd,
    struct ad_out *save, struct ad_error *err)
{
	const struct ad_lineage *up = ad_reader_lineage(rd);
	struct ad_lineage_step *s;
	enum ad_status st;

	if (!c->on)
		return AD_OK;
	s = &c->lineage.step[c->lineage.n - 1];
	/* the reader checked that the end record's chain completes the
	 * header's, so it has as many steps as were copied */
	if (up != NULL && up->n + 1 == c->lineage.n)
		memcpy(c->lineage.step, up->step, up->n * sizeof *up->step);
	ad_in_tap_wait(c->in);
	ad_sha256_final(c->in_sha, s->input_sha256);
	s->flags |= AD_LINEAGE_INPUT_SHA;
	if (c->save_sha != NULL) {
		if ((st = ad_out_flush(save, err)) != AD_OK)
			return st;
		ad_out_set_tap(save, NULL, NULL);
		ad_sha256_final(c->save_sha, s->params_sha256);
		s->flags |= AD_LINEAGE_PARAMS_SHA;
	}
	return AD_OK;
}

void ad_chain_free(struct ad_chain *c)
{
	ad_lineage_clear(&c->lineage);
	ad_sha256_free(c->in_sha);
	ad_sha256_free(c->save_sha);
}
