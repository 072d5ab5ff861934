#ifndef ADKIT_SHADOW_H
#define ADKIT_SHADOW_H
/*
 * ad-serve --shadow: the file where every request's rows are written with
 * the scores the served version gave them and those the shadow version
 * gave them, as CSV that ad-eval --compare challenger reads:
 *
 *   time,model,version,shadow_version,id,row,label,score,is_anomaly,
 *   challenger,challenger_is_anomaly
 *
 * (one line; ad-serve(1) describes each column). The header is written
 * once, when the file is new or empty; an existing file must start with
 * it. A request's rows go out in one write(2) to a file opened with
 * O_APPEND, so the rows of requests answered at once never interleave.
 */
#include <stddef.h>

#include "ad.h"

struct ad_shadow;

/* Opens (creates) path for appending; AD_EIO naming it, AD_EDATA when it
 * has another header. */
enum ad_status ad_shadow_open(struct ad_shadow **sh, const char *path,
    struct ad_error *err);

/* Closes sh; NULL is a no-op. */
void ad_shadow_close(struct ad_shadow *sh);

/* One request's rows. */
struct ad_shadow_batch {
	const char *model, *version, *shadow_version;
	const char *id;               /* the request's id, or NULL */
	size_t n;
	const double *score, *flag;   /* the served version's, n each */
	const double *cscore, *cflag; /* the shadow version's */
	const char *const *label;     /* n cells of the request's label
	                                 column, NULL: none (an empty cell) */
};

/* Appends b's rows in one write. */
enum ad_status ad_shadow_append(struct ad_shadow *sh,
    const struct ad_shadow_batch *b, struct ad_error *err);

#endif
