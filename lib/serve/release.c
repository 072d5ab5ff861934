/* A release: see release.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clean.h"
#include "featurize.h"
#include "featurize_model.h"
#include "in.h"
#include "model.h"
#include "out.h"
#include "params.h"
#include "release.h"
#include "score.h"

/* The params files are loaded and parsed once, when the release is opened,
 * and handed to each request's runners with the model: a request reads no
 * file. Each file is also held open, named by its descriptor
 * (/proc/self/fd/N) in what the runners record of it, as before. */
struct ad_release {
	int clean_fd, features_fd;   /* -1: none */
	char *clean_path;            /* /proc/self/fd/N, or NULL: no ad-clean
	                                stage */
	char *features_path;         /* the same, for ad-features */
	struct ad_params *clean;     /* the ad-clean params, or NULL */
	struct ad_featurize_model *features; /* the ad-features params, or
	                                NULL */
	struct ad_model *model;
	struct ad_schema *inputs;    /* the first stage's input columns */
};

/* Opens path into *fd and names it by its descriptor in *proc (NULL path:
 * nothing to open). */
static enum ad_status hold(const char *path, int *fd, char **proc,
    struct ad_error *err)
{
	char buf[64];

	if (path == NULL)
		return AD_OK;
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ad_error_sys(err, errno, path, "cannot open");
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", *fd);
	if ((*proc = ad_strndup(buf, strlen(buf))) == NULL)
		return ad_error_nomem(err);
	return AD_OK;
}

/* The "input NAME TYPE" lines of the ad-clean params. */
static enum ad_status inputs_of_params(struct ad_release *rel,
    const struct ad_params *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < ad_params_count(p) && st == AD_OK; i++) {
		const struct ad_pline *l = ad_params_line(p, i);

		if (strcmp(l->tok[0], "input") != 0 || l->ntok < 3)
			continue;
		st = ad_schema_add(rel->inputs, l->tok[1], l->len[1],
		    strcmp(l->tok[2], "text") == 0 ? AD_TEXT : AD_NUMERIC, err);
	}
	return st;
}

/* The input columns of the ad-features params, in their order. */
static enum ad_status inputs_of_features(struct ad_release *rel,
    struct ad_error *err)
{
	const struct ad_featurize_model *m = rel->features;
	enum ad_status st = AD_OK;

	for (size_t c = 0; c < m->ncols && st == AD_OK; c++)
		st = ad_schema_add(rel->inputs, m->cols[c].name,
		    strlen(m->cols[c].name), m->cols[c].type, err);
	return st;
}

static enum ad_status inputs_of_model(struct ad_release *rel,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t f = 0; f < rel->model->nfeat && st == AD_OK; f++)
		st = ad_schema_add(rel->inputs, rel->model->features[f],
		    strlen(rel->model->features[f]), AD_NUMERIC, err);
	return st;
}

enum ad_status ad_release_open(struct ad_release **out,
    const char *clean_params, const char *features_params,
    const char *model, struct ad_error *err)
{
	struct ad_release *rel = ad_calloc(1, sizeof *rel);
	enum ad_status st;

	if (rel == NULL)
		return ad_error_nomem(err);
	rel->clean_fd = rel->features_fd = -1;
	if ((st = hold(clean_params, &rel->clean_fd, &rel->clean_path, err)) !=
	    AD_OK || (st = hold(features_params, &rel->features_fd,
	    &rel->features_path, err)) != AD_OK)
		goto out;
	if ((st = ad_schema_new(&rel->inputs, err)) != AD_OK ||
	    (st = ad_model_load(model, &rel->model, err)) != AD_OK)
		goto out;
	if (clean_params != NULL && (st = ad_params_load(&rel->clean,
	    clean_params, "ad-clean", err)) != AD_OK)
		goto out;
	if (features_params != NULL && (st = ad_featurize_model_load(
	    &rel->features, features_params, err)) != AD_OK)
		goto out;
	if (clean_params != NULL)
		st = inputs_of_params(rel, rel->clean, err);
	else if (features_params != NULL)
		st = inputs_of_features(rel, err);
	else
		st = inputs_of_model(rel, err);
out:
	if (st != AD_OK) {
		ad_release_free(rel);
		return st;
	}
	*out = rel;
	return AD_OK;
}

void ad_release_free(struct ad_release *rel)
{
	if (rel == NULL)
		return;
	if (rel->clean_fd >= 0)
		close(rel->clean_fd);
	if (rel->features_fd >= 0)
		close(rel->features_fd);
	ad_free(rel->clean_path);
	ad_free(rel->features_path);
	ad_params_free(rel->clean);
	ad_featurize_model_free(rel->features);
	ad_model_free(rel->model);
	ad_schema_free(rel->inputs);
	ad_free(rel);
}

const struct ad_schema *ad_release_inputs(const struct ad_release *rel)
{
	return rel->inputs;
}

const struct ad_model *ad_release_model(const struct ad_release *rel)
{
	return rel->model;
}

/* ---- the stages ---- */

/* A stage's output, read back as the next stage's input; the spill goes
 * whatever happens. */
static enum ad_status next_input(struct ad_out *spill, struct ad_in **in,
    struct ad_error *err)
{
	enum ad_status st = ad_out_spill_to_in(spill, in, err);

	ad_out_abort(spill);
	return st;
}

/* Runs one stage (the rows of in, taken) into the stream to. */
typedef enum ad_status (*stage_fn)(const struct ad_release *rel,
    struct ad_in *in, struct ad_out *to, struct ad_release_tally *t,
    struct ad_error *err);

static enum ad_status clean_stage(const struct ad_release *rel,
    struct ad_in *in, struct ad_out *to, struct ad_release_tally *t,
    struct ad_error *err)
{
	struct ad_clean_opts o;
	struct ad_clean_result res;
	enum ad_status st;

	memset(&o, 0, sizeof o);
	o.in.from = in;
	o.restore_path = rel->clean_path;
	o.restore_params = rel->clean;
	o.to = to;
	o.format = AD_FORMAT_BIN;
	o.format_set = 1;
	st = ad_clean_run(&o, &res, err);
	t->rows_in = res.rows_read;
	return st;
}

static enum ad_status features_stage(const struct ad_release *rel,
    struct ad_in *in, struct ad_out *to, struct ad_release_tally *t,
    struct ad_error *err)
{
	struct ad_featurize_opts o;
	struct ad_featurize_result res;

	(void)t;
	memset(&o, 0, sizeof o);
	o.in.from = in;
	o.restore_path = rel->features_path;
	o.restore_model = rel->features;
	o.to = to;
	o.format = AD_FORMAT_BIN;
	o.format_set = 1;
	return ad_featurize_run(&o, &res, err);
}

/* Runs stage on *in into memory, which becomes *in for the next one. */
static enum ad_status through(stage_fn stage, const struct ad_release *rel,
    struct ad_in **in, struct ad_release_tally *t, struct ad_error *err)
{
	struct ad_out *spill;
	enum ad_status st;

	if ((st = ad_out_open_mem(&spill, err)) != AD_OK) {
		ad_in_close(*in);
		return st;
	}
	if ((st = stage(rel, *in, spill, t, err)) != AD_OK) {
		ad_out_abort(spill);
		return st;
	}
	return next_input(spill, in, err);
}

static enum ad_status score_stage(const struct ad_release *rel,
    struct ad_in *in, const struct ad_release_call *call, struct ad_out *out,
    struct ad_release_tally *t, struct ad_error *err)
{
	char none[] = "";
	char *keep[] = { none };
	struct ad_score_opts o;
	struct ad_score_result res;
	enum ad_status st;

	memset(&o, 0, sizeof o);
	o.in.from = in;
	o.model = rel->model;
	o.to = out;
	o.format = call->format;
	o.format_set = 1;
	o.keep = keep;
	o.n_keep = 1;
	o.keep_set = 1;
	o.explain = call->explain;
	o.threads = 1;
	st = ad_score_run(&o, &res, err);
	t->rows_scored = res.rows;
	t->anomalies = res.anomalies;
	return st;
}

enum ad_status ad_release_score(const struct ad_release *rel,
    struct ad_in *in, const struct ad_release_call *call, struct ad_out *out,
    struct ad_release_tally *t, struct ad_error *err)
{
	enum ad_status st;

	memset(t, 0, sizeof *t);
	t->first_stage_failed = 1;
	if (rel->clean_path != NULL &&
	    (st = through(clean_stage, rel, &in, t, err)) != AD_OK)
		return st;
	t->first_stage_failed = rel->clean_path == NULL;
	if (rel->features_path != NULL &&
	    (st = through(features_stage, rel, &in, t, err)) != AD_OK)
		return st;
	t->first_stage_failed = rel->clean_path == NULL &&
	    rel->features_path == NULL;
	st = score_stage(rel, in, call, out, t, err);
	if (rel->clean_path == NULL)
		t->rows_in = t->rows_scored;
	return st;
}
