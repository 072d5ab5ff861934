/*
 * The model file: encoding, checked decoding, loading, JSON metadata and
 * merging. See model.h, and adkit(5) for the layout.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "alloc.h"
#include "calib.h"
#include "counter.h"
#include "detector.h"
#include "emit.h"
#include "in.h"
#include "lineage.h"
#include "model.h"
#include "out.h"
#include "schema.h"
#include "sha256.h"

static const unsigned char magic[8] = {
	0x89, 'A', 'D', 'M', '\r', '\n', 0x1a, '\n'
};

enum {
	HEADER = 24,           /* magic, version, flags, length */
	TRAILER = 8,           /* the checksum */
	MAX_FEATURES = 1048576,
	MAX_NAME = 65535,      /* bytes in a feature name */
	MAX_PARAMS = 64
};

/* Largest model file read: far above any forest adkit grows, far below
 * what would hurt to hold in memory. */
#define MAX_FILE ((uint64_t)1 << 34)

/* ---- the model object ---- */

enum ad_status ad_model_new(struct ad_model **m, struct ad_error *err)
{
	if ((*m = ad_calloc(1, sizeof **m)) == NULL)
		return ad_error_nomem(err);
	return AD_OK;
}

void ad_model_free(struct ad_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; m->features != NULL && i < m->nfeat; i++)
		ad_free(m->features[i]);
	ad_free(m->features);
	ad_free(m->sources);
	ad_free(m->qprob);
	ad_free(m->qscore);
	ad_free(m->params);
	ad_free(m->center);
	ad_free(m->scale);
	for (size_t i = 0; i < m->nsections; i++)
		ad_free(m->sections[i].data);
	ad_free(m->sections);
	if (m->det != NULL)
		m->det->free(m->state);
	ad_free(m);
}

const char *ad_model_algo_name(enum ad_algo a)
{
	const struct ad_detector *d = ad_detector_find(a);

	return d != NULL ? d->name : "unknown";
}

void ad_model_standardize(const struct ad_model *m, double *x, size_t n,
    size_t ld)
{
	if (m->center == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		double *r = x + i * ld;
		for (size_t f = 0; f < m->nfeat; f++) {
			double v = (r[f] - m->center[f]) / m->scale[f];
			r[f] = isnan(r[f]) ? 0 : v > DBL_MAX ? DBL_MAX :
			    v < -DBL_MAX ? -DBL_MAX : v;
		}
	}
}

/* Mean and population standard deviation of each feature, missing and
 * infinite values left out; a feature that does not vary (or is never
 * there) gets scale 1, as scikit-learn's StandardScaler does. Sums are
 * long double so that values near DBL_MAX do not overflow them. */
enum ad_status ad_model_fit_scale(struct ad_model *m, const double *x,
    size_t n, size_t d, struct ad_error *err)
{
	m->center = ad_calloc(d, sizeof *m->center);
	m->scale = ad_calloc(d, sizeof *m->scale);
	if (m->center == NULL || m->scale == NULL)
		return ad_error_nomem(err);
	for (size_t f = 0; f < d; f++) {
		long double sum = 0, ss = 0, mean;
		double sd;
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (isfinite(x[i * d + f])) {
				sum += x[i * d + f];
				k++;
			}
		mean = k > 0 ? sum / (long double)k : 0;
		for (size_t i = 0; i < n; i++)
			if (isfinite(x[i * d + f]))
				ss += (x[i * d + f] - mean) * (x[i * d + f] - mean);
		sd = k > 0 ? (double)sqrtl(ss / (long double)k) : 0;
		m->center[f] = (double)mean;
		m->scale[f] = sd > DBL_MAX ? DBL_MAX : sd > 0 ? sd : 1;
	}
	return AD_OK;
}

/* Whether v can be a score of m's detector. */
static int score_ok(const struct ad_detector *d, double v)
{
	return isfinite(v) && v >= d->score_lo && v <= d->score_hi;
}

double ad_model_param(const struct ad_model *m, const char *name)
{
	return ad_detector_param_get(m->params, m->nparams, name);
}

size_t ad_model_work_size(const struct ad_model *m)
{
	return m->det->work_size != NULL ? m->det->work_size(m->state) : 0;
}

void ad_model_score(const struct ad_model *m, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	m->det->score(m->state, x, n, ld, work, score);
}

void ad_model_explain(const struct ad_model *m, const double *x, void *work,
    double *contrib)
{
	m->det->explain(m->state, x, work, contrib);
}

/* ---- sections ---- */

/* Whether tag is four printable ASCII letters, so adkit(5) and --inspect
 * can show it as text. */
static int tag_ok(uint32_t tag)
{
	for (int i = 0; i < 4; i++) {
		unsigned c = (tag >> (8 * i)) & 0xff;
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

/* The oldest format version that holds m. */
static uint32_t format_version(const struct ad_model *m)
{
	return m->nsections > 0 ? 2 : 1;
}

static struct ad_model_section *section_find(const struct ad_model *m,
    uint32_t tag)
{
	for (size_t i = 0; i < m->nsections; i++)
		if (m->sections[i].tag == tag)
			return &m->sections[i];
	return NULL;
}

int ad_model_section_get(const struct ad_model *m, uint32_t tag,
    const unsigned char **data, size_t *len)
{
	const struct ad_model_section *sec = section_find(m, tag);

	if (sec == NULL)
		return 0;
	*data = sec->data;
	*len = sec->len;
	return 1;
}

enum ad_status ad_model_section_set(struct ad_model *m, uint32_t tag,
    const void *data, size_t len, struct ad_error *err)
{
	struct ad_model_section *sec = section_find(m, tag), *ns;
	unsigned char *copy;

	if (!tag_ok(tag) || len > AD_MODEL_MAX_SECTION_BYTES ||
	    (sec == NULL && m->nsections == AD_MODEL_MAX_SECTIONS))
		return ad_error_at(err, AD_EDATA, NULL, 0, 0, "model section "
		    "%08x of %zu bytes does not fit a model", (unsigned)tag, len);
	if ((copy = ad_malloc(len > 0 ? len : 1)) == NULL)
		return ad_error_nomem(err);
	if (len > 0)
		memcpy(copy, data, len);
	if (sec == NULL) {
		ns = ad_realloc(m->sections, (m->nsections + 1) * sizeof *ns);
		if (ns == NULL) {
			ad_free(copy);
			return ad_error_nomem(err);
		}
		m->sections = ns;
		sec = &ns[m->nsections++];
		sec->tag = tag;
	} else {
		ad_free(sec->data);
	}
	sec->data = copy;
	sec->len = len;
	return AD_OK;
}

/* ---- encoding ---- */

/* A growing byte buffer; after a failed allocation it stays failed. */
struct wbuf {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static unsigned char *reserve(struct wbuf *b, size_t n)
{
	unsigned char *p;

	if (b->failed)
		return NULL;
	if ((p = ad_grow(b->p, &b->cap, b->len + n, 1)) == NULL) {
		b->failed = 1;
		return NULL;
	}
	b->p = p;
	b->len += n;
	return p + b->len - n;
}

static void store_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le(struct wbuf *b, uint64_t v, int bytes)
{
	unsigned char *p = reserve(b, (size_t)bytes);

	if (p != NULL)
		store_le(p, v, bytes);
}

static void put_u32(struct wbuf *b, uint32_t v)
{
	put_le(b, v, 4);
}

static void put_u64(struct wbuf *b, uint64_t v)
{
	put_le(b, v, 8);
}

static void put_f64(struct wbuf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	put_le(b, u, 8);
}

static void put_bytes(struct wbuf *b, const void *s, size_t n)
{
	unsigned char *p = reserve(b, n);

	if (p != NULL && n > 0)
		memcpy(p, s, n);
}

static void put_str(struct wbuf *b, const char *s)
{
	size_t n = strlen(s);

	put_u32(b, (uint32_t)n);
	put_bytes(b, s, n);
}

static void put_body(struct wbuf *b, const struct ad_model *m)
{
	put_u32(b, (uint32_t)m->algo);
	put_str(b, m->adkit_version);
	put_u64(b, (uint64_t)m->created);
	put_u64(b, m->seed);
	put_u32(b, m->contamination_auto ? 0 : 1);
	put_f64(b, m->contamination_auto ? 0 : m->contamination);
	put_f64(b, m->threshold);
	put_u64(b, m->rows);
	put_u32(b, (uint32_t)m->nsources);
	for (size_t i = 0; i < m->nsources; i++) {
		put_bytes(b, m->sources[i].sha256, 32);
		put_u64(b, m->sources[i].rows);
		put_u64(b, m->sources[i].seed);
	}
	put_u32(b, (uint32_t)m->nquantiles);
	for (size_t i = 0; i < m->nquantiles; i++) {
		put_f64(b, m->qprob[i]);
		put_f64(b, m->qscore[i]);
	}
	put_u32(b, (uint32_t)m->nparams);
	for (size_t i = 0; i < m->nparams; i++) {
		put_str(b, m->params[i].name);
		put_f64(b, m->params[i].value);
	}
	put_u32(b, (uint32_t)m->nfeat);
	for (size_t i = 0; i < m->nfeat; i++)
		put_str(b, m->features[i]);
	if (m->nsections == 0)
		return;
	put_u32(b, (uint32_t)m->nsections);
	for (size_t i = 0; i < m->nsections; i++) {
		put_u32(b, m->sections[i].tag);
		put_u64(b, m->sections[i].len);
		put_bytes(b, m->sections[i].data, m->sections[i].len);
	}
}

enum ad_status ad_model_encode(const struct ad_model *m, unsigned char **buf,
    size_t *len, struct ad_error *err)
{
	struct wbuf b = { NULL, 0, 0, 0 };
	size_t std = m->center != NULL ? 16 * m->nfeat : 0;
	size_t n = std + m->det->save_size(m->state);
	unsigned char *payload;

	put_bytes(&b, magic, sizeof magic);
	put_u32(&b, format_version(m));
	put_u32(&b, 0);                     /* flags */
	put_u64(&b, 0);                     /* the length, set below */
	put_body(&b, m);
	put_u64(&b, n);
	if ((payload = reserve(&b, n)) != NULL) {
		for (size_t f = 0; f < std / 16; f++) {
			uint64_t c, s;
			memcpy(&c, &m->center[f], 8);
			memcpy(&s, &m->scale[f], 8);
			store_le(payload + 8 * f, c, 8);
			store_le(payload + 8 * (m->nfeat + f), s, 8);
		}
		m->det->save(m->state, payload + std);
	}
	put_u64(&b, 0);                     /* the checksum, set below */
	if (b.failed) {
		ad_free(b.p);
		return ad_error_nomem(err);
	}
	store_le(b.p + 16, b.len, 8);
	store_le(b.p + b.len - TRAILER, XXH64(b.p, b.len - TRAILER, 0), 8);
	*buf = b.p;
	*len = b.len;
	return AD_OK;
}

enum ad_status ad_model_write(const struct ad_model *m, struct ad_out *out,
    struct ad_error *err)
{
	unsigned char *buf;
	size_t len;
	enum ad_status st = ad_model_encode(m, &buf, &len, err);

	if (st != AD_OK)
		return st;
	st = ad_out_write(out, buf, len, err);
	ad_free(buf);
	return st;
}

/* ---- decoding ---- */

struct reader {
	const unsigned char *p;
	size_t len, pos;
	uint64_t version;
	const char *name;
	struct ad_error *err;
};

static enum ad_status corrupt(struct reader *r, const char *what)
{
	return ad_error_at(r->err, AD_EDATA, r->name, 0, 0, "corrupt model: %s",
	    what);
}

static uint64_t load_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int get(struct reader *r, int bytes, uint64_t *v)
{
	if (r->len - r->pos < (size_t)bytes)
		return -1;
	*v = load_le(r->p + r->pos, bytes);
	r->pos += (size_t)bytes;
	return 0;
}

static int get_u32(struct reader *r, uint32_t *v)
{
	uint64_t u;

	if (get(r, 4, &u) != 0)
		return -1;
	*v = (uint32_t)u;
	return 0;
}

static int get_u64(struct reader *r, uint64_t *v)
{
	return get(r, 8, v);
}

static int get_f64(struct reader *r, double *v)
{
	uint64_t u;

	if (get(r, 8, &u) != 0)
		return -1;
	memcpy(v, &u, 8);
	return 0;
}

/* Reads a string of 1..max bytes of UTF-8 text into a new buffer. */
static enum ad_status get_str(struct reader *r, size_t max, const char *what,
    char **out)
{
	uint32_t n;
	char *s;
	char msg[128];

	if (get_u32(r, &n) != 0 || r->len - r->pos < n) {
		snprintf(msg, sizeof msg, "truncated %s", what);
		return corrupt(r, msg);
	}
	if (n == 0 || n > max ||
	    !ad_schema_name_ok((const char *)r->p + r->pos, n)) {
		snprintf(msg, sizeof msg, "bad %s", what);
		return corrupt(r, msg);
	}
	if ((s = ad_malloc((size_t)n + 1)) == NULL)
		return ad_error_nomem(r->err);
	memcpy(s, r->p + r->pos, n);
	s[n] = '\0';
	r->pos += n;
	*out = s;
	return AD_OK;
}

/* Reads a string into a fixed buffer of AD_MODEL_NAME_MAX + 1 bytes. */
static enum ad_status get_name(struct reader *r, const char *what, char *dst)
{
	char *s;
	enum ad_status st = get_str(r, AD_MODEL_NAME_MAX, what, &s);

	if (st != AD_OK)
		return st;
	memcpy(dst, s, strlen(s) + 1);
	ad_free(s);
	return AD_OK;
}

/* Checks the header and the checksum: what the file is comes first. */
static enum ad_status check_frame(struct reader *r)
{
	const char *kind = ad_file_kind(r->p, r->len);
	uint64_t version, flags, declared;

	if (kind != NULL && memcmp(r->p, magic, 8) != 0)
		return ad_error_at(r->err, AD_EDATA, r->name, 0, 0, "not a model "
		    "but %s", kind);
	if (r->len < 8 || memcmp(r->p, magic, 8) != 0)
		return ad_error_at(r->err, AD_EDATA, r->name, 0, 0, "not an adkit "
		    "model (no model magic)");
	if (r->len < HEADER)
		return corrupt(r, "truncated header");
	version = load_le(r->p + 8, 4);
	flags = load_le(r->p + 12, 4);
	declared = load_le(r->p + 16, 8);
	if (version > AD_MODEL_VERSION)
		return ad_error_at(r->err, AD_EDATA, r->name, 0, 0, "model format "
		    "version %llu is newer than this adkit reads (%d); use a "
		    "newer adkit", (unsigned long long)version, AD_MODEL_VERSION);
	if (version == 0)
		return corrupt(r, "format version 0");
	if (flags != 0)
		return corrupt(r, "unknown flags");
	if (declared < HEADER + TRAILER || declared > r->len) {
		char msg[160];
		snprintf(msg, sizeof msg, "truncated: %zu of %llu bytes", r->len,
		    (unsigned long long)declared);
		return declared < HEADER + TRAILER ? corrupt(r, "bad length") :
		    corrupt(r, msg);
	}
	if (declared < r->len)
		return corrupt(r, "bytes after the end of the model");
	if (XXH64(r->p, r->len - TRAILER, 0) !=
	    load_le(r->p + r->len - TRAILER, 8))
		return corrupt(r, "checksum mismatch");
	r->len -= TRAILER;
	r->pos = HEADER;
	r->version = version;
	return AD_OK;
}

static enum ad_status get_sources(struct reader *r, struct ad_model *m)
{
	uint32_t n;
	uint64_t sum = 0;

	if (get_u32(r, &n) != 0)
		return corrupt(r, "truncated sources");
	if (n == 0 || n > AD_MODEL_MAX_SOURCES || (r->len - r->pos) / 48 < n)
		return corrupt(r, "source count out of range");
	if ((m->sources = ad_calloc(n, sizeof *m->sources)) == NULL)
		return ad_error_nomem(r->err);
	m->nsources = n;
	for (uint32_t i = 0; i < n; i++) {
		memcpy(m->sources[i].sha256, r->p + r->pos, 32);
		r->pos += 32;
		get_u64(r, &m->sources[i].rows);
		get_u64(r, &m->sources[i].seed);
		if (__builtin_add_overflow(sum, m->sources[i].rows, &sum))
			return corrupt(r, "source rows overflow");
	}
	if (sum != m->rows)
		return corrupt(r, "source rows do not add up to the training rows");
	return AD_OK;
}

static enum ad_status get_quantiles(struct reader *r, struct ad_model *m)
{
	uint32_t n;

	if (get_u32(r, &n) != 0)
		return corrupt(r, "truncated quantiles");
	if (n > AD_MODEL_MAX_QUANTILES || (r->len - r->pos) / 16 < n)
		return corrupt(r, "quantile count out of range");
	if (n == 0)
		return AD_OK;
	m->qprob = ad_malloc(n * sizeof *m->qprob);
	m->qscore = ad_malloc(n * sizeof *m->qscore);
	if (m->qprob == NULL || m->qscore == NULL)
		return ad_error_nomem(r->err);
	m->nquantiles = n;
	for (uint32_t i = 0; i < n; i++) {
		double q, s;
		get_f64(r, &q);
		get_f64(r, &s);
		if (!(q >= 0 && q <= 1) || (i > 0 && !(q > m->qprob[i - 1])))
			return corrupt(r, "quantile levels not increasing in "
			    "[0, 1]");
		if (!score_ok(m->det, s) || (i > 0 && !(s >= m->qscore[i - 1])))
			return corrupt(r, "quantile scores not ordered or out of "
			    "range");
		m->qprob[i] = q;
		m->qscore[i] = s;
	}
	return AD_OK;
}

static enum ad_status get_params(struct reader *r, struct ad_model *m)
{
	uint32_t n;
	enum ad_status st;

	if (get_u32(r, &n) != 0)
		return corrupt(r, "truncated hyper-parameters");
	if (n > MAX_PARAMS || (r->len - r->pos) / 13 < n)
		return corrupt(r, "hyper-parameter count out of range");
	if (n > 0 && (m->params = ad_calloc(n, sizeof *m->params)) == NULL)
		return ad_error_nomem(r->err);
	for (uint32_t i = 0; i < n; i++) {
		struct ad_param *p = &m->params[i];

		if ((st = get_name(r, "hyper-parameter name", p->name)) != AD_OK)
			return st;
		m->nparams++;
		if (get_f64(r, &p->value) != 0)
			return corrupt(r, "truncated hyper-parameters");
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(m->params[k].name, p->name) == 0)
				return corrupt(r, "hyper-parameter listed twice");
	}
	return AD_OK;
}

static enum ad_status get_features(struct reader *r, struct ad_model *m)
{
	struct ad_counter *seen = NULL;
	uint32_t n;
	uint64_t count;
	enum ad_status st;

	if (get_u32(r, &n) != 0)
		return corrupt(r, "truncated features");
	if (n == 0 || n > MAX_FEATURES || (r->len - r->pos) / 5 < n)
		return corrupt(r, "feature count out of range");
	if ((m->features = ad_calloc(n, sizeof *m->features)) == NULL)
		return ad_error_nomem(r->err);
	if ((st = ad_counter_new(&seen, r->err)) != AD_OK)
		return st;
	for (uint32_t i = 0; i < n && st == AD_OK; i++) {
		if ((st = get_str(r, MAX_NAME, "feature name",
		    &m->features[i])) != AD_OK)
			break;
		m->nfeat++;
		st = ad_counter_add(seen, m->features[i],
		    strlen(m->features[i]), &count, r->err);
		if (st == AD_OK && count > 1)
			st = corrupt(r, "feature listed twice");
	}
	ad_counter_free(seen);
	return st;
}

/* Version 2's sections: a count, then tag, length and bytes each; version
 * 1 has none. Each tag at most once; their bytes are their owner's to
 * check. */
static enum ad_status get_sections(struct reader *r, struct ad_model *m)
{
	uint32_t n, tag;
	uint64_t len;
	enum ad_status st;

	if (r->version < 2)
		return AD_OK;
	if (get_u32(r, &n) != 0)
		return corrupt(r, "truncated sections");
	if (n == 0 || n > AD_MODEL_MAX_SECTIONS || (r->len - r->pos) / 12 < n)
		return corrupt(r, "section count out of range");
	for (uint32_t i = 0; i < n; i++) {
		if (get_u32(r, &tag) != 0 || get_u64(r, &len) != 0)
			return corrupt(r, "truncated sections");
		if (!tag_ok(tag))
			return corrupt(r, "section tag not four ASCII letters");
		if (section_find(m, tag) != NULL)
			return corrupt(r, "section listed twice");
		if (len > AD_MODEL_MAX_SECTION_BYTES || len > r->len - r->pos)
			return corrupt(r, "section length out of range");
		st = ad_model_section_set(m, tag, r->p + r->pos, (size_t)len,
		    r->err);
		if (st != AD_OK)
			return st;
		r->pos += (size_t)len;
	}
	return AD_OK;
}

static enum ad_status get_meta(struct reader *r, struct ad_model *m)
{
	uint32_t algo, kind;
	uint64_t created;
	enum ad_status st;

	if (get_u32(r, &algo) != 0)
		return corrupt(r, "truncated");
	if ((m->det = ad_detector_find((int)algo)) == NULL)
		return corrupt(r, "unknown algorithm");
	m->algo = (enum ad_algo)algo;
	if ((st = get_name(r, "adkit version", m->adkit_version)) != AD_OK)
		return st;
	if (get_u64(r, &created) != 0 || get_u64(r, &m->seed) != 0 ||
	    get_u32(r, &kind) != 0 || get_f64(r, &m->contamination) != 0 ||
	    get_f64(r, &m->threshold) != 0 || get_u64(r, &m->rows) != 0)
		return corrupt(r, "truncated");
	m->created = (int64_t)created;
	/* auto is stored as +0 exactly, so a model encodes back the same */
	if (kind > 1 || (kind == 0 && (m->contamination != 0 ||
	    signbit(m->contamination))) ||
	    (kind == 1 && !(m->contamination > 0 && m->contamination <= 0.5)))
		return corrupt(r, "contamination out of range");
	m->contamination_auto = kind == 0;
	if (!score_ok(m->det, m->threshold))
		return corrupt(r, "threshold out of range");
	if (m->rows < 2)
		return corrupt(r, "fewer than two training rows");
	return AD_OK;
}

/* The standardizer that starts the payload of a standardizing detector:
 * nfeat centers, then nfeat scales. */
static enum ad_status get_standardizer(struct reader *r, struct ad_model *m)
{
	size_t d = m->nfeat;

	if ((r->len - r->pos) / 16 < d)
		return corrupt(r, "truncated standardizer");
	m->center = ad_malloc(d * sizeof *m->center);
	m->scale = ad_malloc(d * sizeof *m->scale);
	if (m->center == NULL || m->scale == NULL)
		return ad_error_nomem(r->err);
	for (size_t f = 0; f < d; f++) {
		get_f64(r, &m->center[f]);
		if (!isfinite(m->center[f]))
			return corrupt(r, "standardizer center not finite");
	}
	for (size_t f = 0; f < d; f++) {
		get_f64(r, &m->scale[f]);
		if (!(isfinite(m->scale[f]) && m->scale[f] > 0))
			return corrupt(r, "standardizer scale not positive");
	}
	return AD_OK;
}

static enum ad_status get_payload(struct reader *r, struct ad_model *m)
{
	uint64_t n;
	enum ad_status st;

	if (get_u64(r, &n) != 0)
		return corrupt(r, "truncated payload length");
	if (n != r->len - r->pos)
		return corrupt(r, "payload length does not match the file");
	if (m->det->sampling == AD_SAMPLE_ROWS &&
	    (st = get_standardizer(r, m)) != AD_OK)
		return st;
	return m->det->load(r->p + r->pos, r->len - r->pos, m->params,
	    m->nparams, m->nfeat, r->name, &m->state, r->err);
}

enum ad_status ad_model_decode(const unsigned char *buf, size_t len,
    const char *name, struct ad_model **out, struct ad_error *err)
{
	struct reader r = { buf, len, 0, 0, name, err };
	struct ad_model *m;
	enum ad_status st;

	if ((st = check_frame(&r)) != AD_OK)
		return st;
	if ((st = ad_model_new(&m, err)) != AD_OK)
		return st;
	m->bytes = len;
	if ((st = get_meta(&r, m)) == AD_OK &&
	    (st = get_sources(&r, m)) == AD_OK &&
	    (st = get_quantiles(&r, m)) == AD_OK &&
	    (st = get_params(&r, m)) == AD_OK &&
	    (st = get_features(&r, m)) == AD_OK &&
	    (st = get_sections(&r, m)) == AD_OK)
		st = get_payload(&r, m);
	if (st != AD_OK) {
		ad_model_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}

enum ad_status ad_model_load(const char *path, struct ad_model **m,
    struct ad_error *err)
{
	struct ad_in *in;
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	enum ad_status st;

	if ((st = ad_in_open(&in, path, err)) != AD_OK)
		return st;
	/* the buffer grows with the bytes that arrive, never with what the
	 * header claims */
	for (;;) {
		const unsigned char *p;
		size_t n;

		if ((st = ad_in_next(in, &p, &n, err)) != AD_OK || n == 0)
			break;
		if (len + n > MAX_FILE) {
			st = ad_error_at(err, AD_EDATA, ad_in_name(in), 0, 0,
			    "not an adkit model (larger than any model)");
			break;
		}
		if ((nb = ad_grow(buf, &cap, len + n, 1)) == NULL) {
			st = ad_error_nomem(err);
			break;
		}
		buf = nb;
		memcpy(buf + len, p, n);
		len += n;
	}
	if (st == AD_OK)
		st = ad_model_decode(buf, len, ad_in_name(in), m, err);
	ad_free(buf);
	ad_in_close(in);
	return st;
}

/* ---- JSON ---- */

/* The creation time as ISO 8601 UTC, or "" if gmtime cannot say. */
static void iso_time(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	buf[0] = '\0';
	if ((int64_t)tt == t && gmtime_r(&tt, &tm) != NULL)
		strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_key(struct ad_emit *e, const char *key)
{
	ad_emit_json_key(e, ",\n  ", key);
}

/* Whether a section's bytes are text (no NUL, no control byte but
 * newline and tab), which --inspect then shows: -a auto's table is. */
static int section_is_text(const struct ad_model_section *s)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->data[i] < 0x20 && s->data[i] != '\n' && s->data[i] != '\t')
			return 0;
	return s->len > 0;
}

/* The sections' tags and sizes, and a text section's text; their owners
 * show what else they hold. */
static void json_sections(const struct ad_model *m, struct ad_emit *e)
{
	char tag[5];

	if (m->nsections == 0)
		return;
	json_key(e, "sections");
	ad_emit_raw(e, "[");
	for (size_t i = 0; i < m->nsections; i++) {
		for (int k = 0; k < 4; k++)
			tag[k] = (char)(m->sections[i].tag >> (8 * k));
		tag[4] = '\0';
		ad_emit_raw(e, i ? ",\n    {\"tag\": " : "\n    {\"tag\": ");
		ad_emit_json_str(e, tag);
		ad_emit_raw(e, ", \"bytes\": ");
		ad_emit_json_uint(e, m->sections[i].len);
		if (section_is_text(&m->sections[i])) {
			ad_emit_raw(e, ", \"text\": ");
			ad_emit_json_strn(e, (const char *)m->sections[i].data,
			    m->sections[i].len);
		}
		ad_emit_raw(e, "}");
	}
	ad_emit_raw(e, "]");
}

/* The training input's lineage (section LINE), for tracing a model back to
 * its data and params; null when its bytes do not decode (ad-score refuses
 * to score with it). */
static void json_lineage(const struct ad_model *m, struct ad_emit *e)
{
	struct ad_lineage l = { 0, NULL };
	struct ad_error derr;
	const unsigned char *p;
	size_t len;
	enum ad_status st;

	if (!ad_emit_ok(e) ||
	    !ad_model_section_get(m, AD_LINEAGE_MODEL_TAG, &p, &len))
		return;
	json_key(e, "lineage");
	if ((st = ad_lineage_decode(p, len, &l, NULL, &derr)) == AD_EDATA) {
		ad_emit_raw(e, "null");
		return;
	}
	if (st != AD_OK) {
		*e->err = derr;
		ad_emit_take(e, st);
		return;
	}
	ad_lineage_write_json(&l, e, "    ");
	ad_lineage_clear(&l);
}

static void json_sources(const struct ad_model *m, struct ad_emit *e)
{
	char h[65];

	json_key(e, "sources");
	ad_emit_raw(e, "[");
	for (size_t i = 0; i < m->nsources; i++) {
		ad_sha256_hex(m->sources[i].sha256, 32, h);
		ad_emit_raw(e, i ? ",\n    {\"sha256\": \"" :
		    "\n    {\"sha256\": \"");
		ad_emit_raw(e, h);
		ad_emit_raw(e, "\", \"rows\": ");
		ad_emit_json_uint(e, m->sources[i].rows);
		ad_emit_raw(e, ", \"seed\": ");
		ad_emit_json_uint(e, m->sources[i].seed);
		ad_emit_raw(e, "}");
	}
	ad_emit_raw(e, "\n  ]");
}

static void json_quantiles(const struct ad_model *m, struct ad_emit *e)
{
	json_key(e, "score_quantiles");
	ad_emit_raw(e, "[");
	for (size_t i = 0; i < m->nquantiles; i++) {
		ad_emit_raw(e, i ? ",\n    {\"q\": " : "\n    {\"q\": ");
		ad_emit_json_num(e, m->qprob[i]);
		ad_emit_raw(e, ", \"score\": ");
		ad_emit_json_num(e, m->qscore[i]);
		ad_emit_raw(e, "}");
	}
	ad_emit_raw(e, m->nquantiles ? "\n  ]" : "]");
}

/* The calibration section's summary (lib/engine/calib.h), if it has a
 * valid one: what --calibrated maps scores through. */
static void json_calibration(const struct ad_model *m, struct ad_emit *e)
{
	static const double levels[] = { 0, 0.01, 0.5, 0.99, 1 };
	static const char *const keys[] = { "min", "p01", "median", "p99",
	    "max" };
	const unsigned char *p;
	size_t len;
	struct ad_calib *c;
	struct ad_error derr;
	enum ad_status st;

	if (!ad_emit_ok(e) || !ad_model_section_get(m, AD_CALIB_TAG, &p, &len))
		return;
	/* a section that does not decode is left out; running out of memory
	 * fails the output rather than leaving it out */
	if ((st = ad_calib_decode(p, len, "", NULL, &c, &derr)) != AD_OK) {
		if (st != AD_EDATA) {
			*e->err = derr;
			ad_emit_take(e, st);
		}
		return;
	}
	json_key(e, "calibration");
	ad_emit_raw(e, "{\"scores\": ");
	ad_emit_json_uint(e, c->scores);
	ad_emit_raw(e, ", \"points\": ");
	ad_emit_json_uint(e, c->n);
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		ad_emit_json_key(e, ", ", keys[i]);
		ad_emit_json_num(e, ad_calib_quantile(c, levels[i]));
	}
	ad_emit_raw(e, "}");
	ad_calib_free(c);
}

static void json_params(const struct ad_model *m, struct ad_emit *e)
{
	json_key(e, "hyperparameters");
	ad_emit_raw(e, "{");
	for (size_t i = 0; i < m->nparams; i++) {
		const char *word = m->det->param_word == NULL ? NULL :
		    m->det->param_word(m->params[i].name, m->params[i].value);

		ad_emit_json_key(e, i ? ", " : "", m->params[i].name);
		if (word != NULL)
			ad_emit_json_str(e, word);
		else
			ad_emit_json_num(e, m->params[i].value);
	}
	ad_emit_raw(e, "}");
}

static void json_features(const struct ad_model *m, struct ad_emit *e)
{
	json_key(e, "features");
	ad_emit_raw(e, "[");
	for (size_t i = 0; i < m->nfeat; i++) {
		ad_emit_raw(e, i ? ", " : "");
		ad_emit_json_str(e, m->features[i]);
	}
	ad_emit_raw(e, "]");
}

enum ad_status ad_model_write_json(const struct ad_model *m, const char *file,
    struct ad_out *o, struct ad_error *err)
{
	char when[64];
	struct ad_emit e;

	iso_time(m->created, when, sizeof when);
	ad_emit_init(&e, o, err);
	ad_emit_raw(&e, "{\n  \"file\": ");
	ad_emit_json_str(&e, file);
	json_key(&e, "format_version");
	ad_emit_json_uint(&e, format_version(m));
	json_key(&e, "bytes");
	ad_emit_json_uint(&e, m->bytes);
	json_key(&e, "algorithm");
	ad_emit_json_str(&e, ad_model_algo_name(m->algo));
	json_params(m, &e);
	json_features(m, &e);
	json_key(&e, "training_rows");
	ad_emit_json_uint(&e, m->rows);
	json_sources(m, &e);
	json_key(&e, "seed");
	ad_emit_json_uint(&e, m->seed);
	json_key(&e, "contamination");
	if (m->contamination_auto)
		ad_emit_json_str(&e, "auto");
	else
		ad_emit_json_num(&e, m->contamination);
	json_key(&e, "threshold");
	ad_emit_json_num(&e, m->threshold);
	json_quantiles(m, &e);
	json_calibration(m, &e);
	json_key(&e, m->det->size_key);
	ad_emit_json_uint(&e, m->det->size(m->state));
	json_key(&e, "adkit_version");
	ad_emit_json_str(&e, m->adkit_version);
	json_key(&e, "created");
	ad_emit_json_str(&e, when[0] ? when : NULL);
	json_key(&e, "created_unix");
	if (m->created < 0)
		ad_emit_json_num(&e, (double)m->created);
	else
		ad_emit_json_uint(&e, (uint64_t)m->created);
	json_sections(m, &e);
	json_lineage(m, &e);
	ad_emit_raw(&e, "\n}\n");
	return ad_emit_status(&e);
}


/* ---- merging ---- */

/* Why model b cannot join a merge with model a, or NULL if it can. */
static const char *mismatch(const struct ad_model *a, const struct ad_model *b)
{
	const char *why;

	if (a->algo != b->algo)
		return "another algorithm";
	if (a->nfeat != b->nfeat)
		return "other features";
	for (size_t i = 0; i < a->nfeat; i++)
		if (strcmp(a->features[i], b->features[i]) != 0)
			return "other features";
	if ((why = a->det->mismatch(a->params, a->nparams, b->params,
	    b->nparams)) != NULL)
		return why;
	if (a->contamination_auto != b->contamination_auto ||
	    (!a->contamination_auto && a->contamination != b->contamination))
		return "another --contamination";
	if (a->nquantiles != b->nquantiles)
		return "other score quantiles";
	for (size_t i = 0; i < a->nquantiles; i++)
		if (a->qprob[i] != b->qprob[i])
			return "other score quantiles";
	return NULL;
}

/* Copies the first model's description into m; sizes come from all. */
static enum ad_status merge_meta(const struct ad_model *const *ms, size_t n,
    struct ad_model *m, struct ad_error *err)
{
	const struct ad_model *a = ms[0];

	m->algo = a->algo;
	m->seed = a->seed;
	m->contamination_auto = a->contamination_auto;
	m->contamination = a->contamination;
	m->nfeat = a->nfeat;
	m->nquantiles = a->nquantiles;
	m->nparams = a->nparams;
	for (size_t i = 0; i < n; i++) {
		if (m->nsources + ms[i]->nsources > AD_MODEL_MAX_SOURCES)
			return ad_error_set(err, AD_EDATA, "the merged model would "
			    "have more than %d sources", AD_MODEL_MAX_SOURCES);
		m->nsources += ms[i]->nsources;
		m->rows += ms[i]->rows;
	}
	m->features = ad_calloc(m->nfeat, sizeof *m->features);
	m->sources = ad_calloc(m->nsources, sizeof *m->sources);
	m->params = ad_calloc(m->nparams, sizeof *m->params);
	m->qprob = ad_calloc(m->nquantiles + 1, sizeof *m->qprob);
	m->qscore = ad_calloc(m->nquantiles + 1, sizeof *m->qscore);
	if (m->features == NULL || m->sources == NULL || m->params == NULL ||
	    m->qprob == NULL || m->qscore == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < m->nfeat; i++) {
		const char *f = a->features[i];

		if ((m->features[i] = ad_strndup(f, strlen(f))) == NULL)
			return ad_error_nomem(err);
	}
	memcpy(m->params, a->params, m->nparams * sizeof *m->params);
	memcpy(m->qprob, a->qprob, m->nquantiles * sizeof *m->qprob);
	return AD_OK;
}

/* Sources in order; threshold and quantiles row-weighted. */
static void merge_numbers(const struct ad_model *const *ms, size_t n,
    struct ad_model *m)
{
	size_t k = 0;
	double thr = 0, hi = m->det->score_hi;

	for (size_t i = 0; i < n; i++) {
		double w = (double)ms[i]->rows / (double)m->rows;

		memcpy(m->sources + k, ms[i]->sources,
		    ms[i]->nsources * sizeof *m->sources);
		k += ms[i]->nsources;
		thr += w * ms[i]->threshold;
		for (size_t q = 0; q < m->nquantiles; q++)
			m->qscore[q] += w * ms[i]->qscore[q];
	}
	/* rounding must not break the order a loader checks */
	for (size_t q = 0; q < m->nquantiles; q++) {
		if (m->qscore[q] > hi)
			m->qscore[q] = hi;
		if (q > 0 && m->qscore[q] < m->qscore[q - 1])
			m->qscore[q] = m->qscore[q - 1];
	}
	m->threshold = m->contamination_auto ? m->det->auto_threshold :
	    thr > hi ? hi : thr;
}

/* The calibrations of ms[0..n) pooled into m's, when every one has one
 * (else m has none: a shard's distribution alone would misstate the
 * whole). */
static enum ad_status merge_calibration(const struct ad_model *const *ms,
    const char *const *names, size_t n, struct ad_model *m,
    struct ad_error *err)
{
	struct ad_calib **cs, *c = NULL;
	const unsigned char *data;
	unsigned char *buf = NULL;
	size_t len, got = 0;
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < n; i++)
		if (!ad_model_section_get(ms[i], AD_CALIB_TAG, &data, &len))
			return AD_OK;
	if ((cs = ad_calloc(n, sizeof *cs)) == NULL)
		return ad_error_nomem(err);
	for (; got < n && st == AD_OK; got++) {
		ad_model_section_get(ms[got], AD_CALIB_TAG, &data, &len);
		st = ad_calib_decode(data, len, names[got], NULL, &cs[got], err);
	}
	if (st == AD_OK)
		st = ad_calib_merge((const struct ad_calib *const *)cs, n, &c,
		    err);
	if (st == AD_OK && (buf = ad_malloc(ad_calib_size(c))) == NULL)
		st = ad_error_nomem(err);
	if (st == AD_OK) {
		ad_calib_encode(c, buf);
		st = ad_model_section_set(m, AD_CALIB_TAG, buf, ad_calib_size(c),
		    err);
	}
	for (size_t i = 0; i < got; i++)
		ad_calib_free(cs[i]);
	ad_free(cs);
	ad_calib_free(c);
	ad_free(buf);
	return st;
}

/* The sections other than the calibration that every one of ms[0..n) has
 * with the same bytes (a lineage, a choice of detector all shards share),
 * copied to m in ms[0]'s order; one that differs is left out. */
static enum ad_status merge_shared_sections(const struct ad_model *const *ms,
    size_t n, struct ad_model *m, struct ad_error *err)
{
	for (size_t k = 0; k < ms[0]->nsections; k++) {
		const struct ad_model_section *sec = &ms[0]->sections[k];
		int same = sec->tag != AD_CALIB_TAG;
		for (size_t i = 1; i < n && same; i++) {
			const struct ad_model_section *o = section_find(ms[i],
			    sec->tag);
			same = o != NULL && o->len == sec->len &&
			    (sec->len == 0 || memcmp(o->data, sec->data,
			    sec->len) == 0);
		}
		if (same) {
			enum ad_status st = ad_model_section_set(m, sec->tag,
			    sec->data, sec->len, err);
			if (st != AD_OK)
				return st;
		}
	}
	return AD_OK;
}

enum ad_status ad_model_merge(const struct ad_model *const *ms,
    const char *const *names, size_t n, int64_t created, struct ad_model **out,
    size_t *same_seed, struct ad_error *err)
{
	const void **states = NULL;
	struct ad_model *m = NULL;
	enum ad_status st;

	*same_seed = 0;
	for (size_t i = 0; i < n; i++)
		if (ms[i]->det->merge == NULL)
			return ad_error_at(err, AD_EDATA, names[i], 0, 0, "cannot "
			    "merge: only forests (iforest, eif) merge, and this is "
			    "an %s model", ms[i]->det->name);
	for (size_t i = 1; i < n; i++) {
		const char *why = mismatch(ms[0], ms[i]);
		if (why != NULL)
			return ad_error_at(err, AD_EDATA, names[i], 0, 0, "cannot "
			    "merge: model has %s than %s", why, names[0]);
		for (size_t k = 0; k < i && *same_seed == 0; k++)
			if (ms[k]->seed == ms[i]->seed)
				*same_seed = i;
	}
	if ((st = ad_model_new(&m, err)) != AD_OK)
		return st;
	memcpy(m->adkit_version, AD_VERSION, sizeof AD_VERSION);
	m->created = created;
	m->det = ms[0]->det;
	if ((st = merge_meta(ms, n, m, err)) != AD_OK)
		goto out;
	merge_numbers(ms, n, m);
	if ((states = ad_calloc(n, sizeof *states)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		states[i] = ms[i]->state;
	st = m->det->merge(states, n, m->params, m->nparams, &m->state, err);
	if (st == AD_OK)
		st = merge_shared_sections(ms, n, m, err);
	if (st == AD_OK)
		st = merge_calibration(ms, names, n, m, err);
out:
	ad_free((void *)states);
	if (st != AD_OK) {
		ad_model_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}
