/* Lineage chains: see lineage.h for what they record and their bytes. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "emit.h"
#include "lineage.h"
#include "sha256.h"

enum { FIXED = 1 + 1 + 32 + 32 + 2 + 2 };
#define KNOWN_FLAGS (AD_LINEAGE_RESTORED | AD_LINEAGE_PARAMS_SHA | \
	AD_LINEAGE_INPUT_SHA)

void ad_lineage_clear(struct ad_lineage *l)
{
	ad_free(l->step);
	l->step = NULL;
	l->n = 0;
}

enum ad_status ad_lineage_copy(struct ad_lineage *dst,
    const struct ad_lineage *src, struct ad_error *err)
{
	struct ad_lineage_step *s = NULL;

	if (src->n > 0 && (s = ad_calloc(src->n, sizeof *s)) == NULL)
		return ad_error_nomem(err);
	if (src->n > 0)
		memcpy(s, src->step, src->n * sizeof *s);
	ad_lineage_clear(dst);
	dst->step = s;
	dst->n = src->n;
	return AD_OK;
}

/* Copies s into a name field, cut at a UTF-8 boundary if too long. */
static void set_name(char dst[AD_LINEAGE_NAME_MAX + 1], const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > AD_LINEAGE_NAME_MAX) {
		n = AD_LINEAGE_NAME_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

enum ad_status ad_lineage_append(struct ad_lineage *l,
    enum ad_lineage_kind kind, const char *params, const char *input,
    struct ad_lineage_step **step, struct ad_error *err)
{
	struct ad_lineage_step *s;

	if (l->n >= AD_LINEAGE_MAX_STEPS)
		return ad_error_set(err, AD_EDATA, "the input's lineage already "
		    "has %d steps, the most a stream records",
		    AD_LINEAGE_MAX_STEPS);
	if ((s = ad_realloc(l->step, (l->n + 1) * sizeof *s)) == NULL)
		return ad_error_nomem(err);
	l->step = s;
	s = &l->step[l->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	set_name(s->params, params);
	set_name(s->input, input);
	*step = s;
	return AD_OK;
}

size_t ad_lineage_size(const struct ad_lineage *l)
{
	size_t n = 4;

	for (size_t i = 0; i < l->n; i++)
		n += FIXED + strlen(l->step[i].params) + strlen(l->step[i].input);
	return n;
}

static unsigned char *put_u16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *put_name(unsigned char *p, const char *s)
{
	size_t n = strlen(s);

	p = put_u16(p, n);
	memcpy(p, s, n);
	return p + n;
}

void ad_lineage_encode(const struct ad_lineage *l, unsigned char *p)
{
	for (int i = 0; i < 4; i++)
		*p++ = (unsigned char)(l->n >> (8 * i));
	for (size_t i = 0; i < l->n; i++) {
		const struct ad_lineage_step *s = &l->step[i];

		*p++ = (unsigned char)s->kind;
		*p++ = (unsigned char)s->flags;
		memcpy(p, s->params_sha256, 32);
		memcpy(p + 32, s->input_sha256, 32);
		p = put_name(p + 64, s->params);
		p = put_name(p, s->input);
	}
}

/* Reads a name of the encoding at *pos into dst; 0 if it does not fit. */
static int get_name(const unsigned char *p, size_t len, size_t *pos,
    char dst[AD_LINEAGE_NAME_MAX + 1])
{
	size_t n;

	if (len - *pos < 2)
		return 0;
	n = (size_t)p[*pos] | (size_t)p[*pos + 1] << 8;
	*pos += 2;
	if (n > AD_LINEAGE_NAME_MAX || len - *pos < n ||
	    memchr(p + *pos, '\0', n) != NULL)
		return 0;
	memcpy(dst, p + *pos, n);
	dst[n] = '\0';
	*pos += n;
	return 1;
}

enum ad_status ad_lineage_decode(const unsigned char *p, size_t len,
    struct ad_lineage *l, const char *what, struct ad_error *err)
{
	struct ad_lineage got = { 0, NULL };
	uint32_t n;
	size_t pos = 4;

	if (len < 4)
		goto corrupt;
	n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	/* every step takes FIXED bytes, so a lying count fails here */
	if (n > AD_LINEAGE_MAX_STEPS || (len - 4) / FIXED < n)
		goto corrupt;
	if (n > 0 && (got.step = ad_calloc(n, sizeof *got.step)) == NULL)
		return ad_error_nomem(err);
	for (got.n = 0; got.n < n; got.n++) {
		struct ad_lineage_step *s = &got.step[got.n];

		if (len - pos < FIXED - 4)
			goto corrupt;
		s->kind = (enum ad_lineage_kind)p[pos];
		s->flags = p[pos + 1];
		if ((s->kind != AD_LINEAGE_CLEAN && s->kind !=
		    AD_LINEAGE_FEATURES) || (s->flags & ~KNOWN_FLAGS) != 0)
			goto corrupt;
		memcpy(s->params_sha256, p + pos + 2, 32);
		memcpy(s->input_sha256, p + pos + 34, 32);
		pos += 66;
		if (!get_name(p, len, &pos, s->params) ||
		    !get_name(p, len, &pos, s->input))
			goto corrupt;
	}
	if (pos != len)
		goto corrupt;
	ad_lineage_clear(l);
	*l = got;
	return AD_OK;
corrupt:
	ad_lineage_clear(&got);
	return ad_error_at(err, AD_EDATA, what, 0, 0, "corrupt lineage record");
}

int ad_lineage_extends(const struct ad_lineage *early,
    const struct ad_lineage *late)
{
	if (early->n != late->n)
		return 0;
	for (size_t i = 0; i < early->n; i++) {
		const struct ad_lineage_step *a = &early->step[i];
		const struct ad_lineage_step *b = &late->step[i];

		if (a->kind != b->kind || (a->flags & ~b->flags) != 0 ||
		    (a->flags & AD_LINEAGE_RESTORED) !=
		    (b->flags & AD_LINEAGE_RESTORED) ||
		    strcmp(a->params, b->params) != 0 ||
		    strcmp(a->input, b->input) != 0)
			return 0;
		if ((a->flags & AD_LINEAGE_PARAMS_SHA) &&
		    memcmp(a->params_sha256, b->params_sha256, 32) != 0)
			return 0;
		if ((a->flags & AD_LINEAGE_INPUT_SHA) &&
		    memcmp(a->input_sha256, b->input_sha256, 32) != 0)
			return 0;
	}
	return 1;
}

const char *ad_lineage_kind_name(enum ad_lineage_kind kind)
{
	return kind == AD_LINEAGE_CLEAN ? "ad-clean" : "ad-features";
}

/* "ad-clean then ad-features", or "no ad-clean or ad-features". */
static void describe_kinds(const struct ad_lineage *l, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	if (l->n == 0)
		snprintf(buf, cap, "neither ad-clean nor ad-features");
	for (size_t i = 0; i < l->n && used < cap; i++) {
		int k = snprintf(buf + used, cap - used, "%s%s", i ? " then " : "",
		    ad_lineage_kind_name(l->step[i].kind));
		used += k > 0 ? (size_t)k : 0;
	}
}

/* What the model's step w says to run instead, or "". */
static void advice(const struct ad_lineage_step *w, char *buf, size_t cap)
{
	if (w->params[0] != '\0' && (w->flags & AD_LINEAGE_PARAMS_SHA))
		snprintf(buf, cap, "; run %s -r %s", ad_lineage_kind_name(w->kind),
		    w->params);
	else
		snprintf(buf, cap, "; the model's %s step was fitted without "
		    "-s, so its params cannot be restored",
		    ad_lineage_kind_name(w->kind));
}

static int step_mismatch(const struct ad_lineage_step *h,
    const struct ad_lineage_step *w, char *msg, size_t cap)
{
	char hh[65], wh[65], todo[AD_LINEAGE_NAME_MAX + 80];
	const char *name = ad_lineage_kind_name(h->kind);

	advice(w, todo, sizeof todo);
	if (!(h->flags & AD_LINEAGE_RESTORED)) {
		snprintf(msg, cap, "the input's %s step fitted its own params "
		    "instead of restoring the model's%s", name, todo);
		return 1;
	}
	if (!(h->flags & AD_LINEAGE_PARAMS_SHA) ||
	    !(w->flags & AD_LINEAGE_PARAMS_SHA) ||
	    memcmp(h->params_sha256, w->params_sha256, 32) == 0)
		return 0;
	ad_sha256_hex(h->params_sha256, 6, hh);
	ad_sha256_hex(w->params_sha256, 6, wh);
	snprintf(msg, cap, "the features were made with other params: the "
	    "input's %s step applied %s (sha256 %s...), the model was trained "
	    "on %s (sha256 %s...)%s", name, h->params, hh,
	    w->params[0] ? w->params : "params fitted without -s", wh, todo);
	return 1;
}

int ad_lineage_mismatch(const struct ad_lineage *have,
    const struct ad_lineage *want, char *msg, size_t cap)
{
	char a[128], b[128];
	int same_kinds = have->n == want->n;

	for (size_t i = 0; same_kinds && i < have->n; i++)
		same_kinds = have->step[i].kind == want->step[i].kind;
	if (!same_kinds) {
		describe_kinds(have, a, sizeof a);
		describe_kinds(want, b, sizeof b);
		snprintf(msg, cap, "the input was made by %s, the model's "
		    "training data by %s", a, b);
		return 1;
	}
	for (size_t i = 0; i < have->n; i++)
		if (step_mismatch(&have->step[i], &want->step[i], msg, cap))
			return 1;
	return 0;
}

const char *ad_lineage_params_of(const struct ad_lineage *want,
    enum ad_lineage_kind kind)
{
	for (size_t i = want->n; i-- > 0;)
		if (want->step[i].kind == kind)
			return want->step[i].params[0] ? want->step[i].params : NULL;
	return NULL;
}

static void json_digest(struct ad_emit *e, const unsigned char *d, int known)
{
	char h[65];

	if (!known) {
		ad_emit_raw(e, "null");
		return;
	}
	ad_sha256_hex(d, 32, h);
	ad_emit_json_str(e, h);
}

void ad_lineage_write_json(const struct ad_lineage *l, struct ad_emit *e,
    const char *indent)
{
	ad_emit_raw(e, "[");
	for (size_t i = 0; i < l->n; i++) {
		const struct ad_lineage_step *s = &l->step[i];

		ad_emit_raw(e, i ? ",\n" : "\n");
		ad_emit_raw(e, indent);
		ad_emit_raw(e, "{\"step\": ");
		ad_emit_json_str(e, ad_lineage_kind_name(s->kind));
		ad_emit_raw(e, ", \"input\": ");
		ad_emit_json_str(e, s->input);
		ad_emit_raw(e, ", \"input_sha256\": ");
		json_digest(e, s->input_sha256, s->flags & AD_LINEAGE_INPUT_SHA);
		ad_emit_raw(e, ", \"params\": ");
		if (s->params[0])
			ad_emit_json_str(e, s->params);
		else
			ad_emit_raw(e, "null");
		ad_emit_raw(e, ", \"params_applied\": ");
		ad_emit_json_str(e, s->flags & AD_LINEAGE_RESTORED ? "restored" :
		    "fitted");
		ad_emit_raw(e, ", \"params_sha256\": ");
		json_digest(e, s->params_sha256, s->flags & AD_LINEAGE_PARAMS_SHA);
		ad_emit_raw(e, "}");
	}
	ad_emit_raw(e, l->n ? "\n  ]" : "]");
}
