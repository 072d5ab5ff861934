/* A model store: see store.h. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "meters.h"
#include "release.h"
#include "store.h"

/* What a release's files are: a rescan loads a release again only when
 * these change (a file replaced, rewritten, added or removed). */
struct ident {
	struct stat_key {
		dev_t dev;
		ino_t ino;
		off_t size;
		struct timespec mtime, ctime;
	} f[3];                  /* clean.params, features.params, model; all
	                            zero where absent */
};

/* A loaded release, shared by every store scanned while it is unchanged,
 * so a rescan keeps it (and its counters) instead of loading it again. */
struct shared {
	struct ad_release *rel;
	struct ad_meters *meters;
	struct ident id;
	atomic_size_t refs;      /* stores holding it */
};

struct version {
	char *name;
	struct shared *sh;
};

/* A release that failed to load, remembered until its files change. */
struct failed {
	char *name;
	struct ident id;
};

struct model {
	char *name;
	struct version *v;
	size_t nv;
	size_t current;          /* index in v, or SIZE_MAX: none */
	struct failed *f;
	size_t nf;
	uint64_t loaded, failures;   /* by the scan that made the store */
};

struct ad_store {
	struct model *m;
	size_t nm;
};

int ad_store_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 255 && s[0] != '.' && strchr(s, '/') == NULL;
}

static void shared_put(struct shared *sh)
{
	if (sh == NULL || atomic_fetch_sub(&sh->refs, 1) != 1)
		return;
	ad_release_free(sh->rel);
	ad_meters_free(sh->meters);
	ad_free(sh);
}

static void model_free(struct model *m)
{
	for (size_t k = 0; k < m->nv; k++) {
		ad_free(m->v[k].name);
		shared_put(m->v[k].sh);
	}
	for (size_t k = 0; k < m->nf; k++)
		ad_free(m->f[k].name);
	ad_free(m->f);
	ad_free(m->v);
	ad_free(m->name);
}

void ad_store_free(struct ad_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nm; i++)
		model_free(&s->m[i]);
	ad_free(s->m);
	ad_free(s);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ad_free(names[i]);
	ad_free(names);
}

/* The entries of dir that name a model or release, sorted. */
static enum ad_status list_dir(const char *dir, char ***out, size_t *n,
    struct ad_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **grown;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return ad_error_sys(err, errno, dir, "cannot read the directory");
	while ((e = readdir(d)) != NULL) {
		if (!ad_store_name_ok(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((grown = ad_realloc(names, cap * sizeof *names)) == NULL)
				goto nomem;
			names = grown;
		}
		if ((names[*n] = ad_strndup(e->d_name, strlen(e->d_name))) == NULL)
			goto nomem;
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof *names, by_name);
	*out = names;
	return AD_OK;
nomem:
	closedir(d);
	free_names(names, *n);
	*n = 0;
	return ad_error_nomem(err);
}

static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
	char *p = ad_malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
	return p;
}

/* Whether path is a regular file; its identity goes to *k (zero if not). */
static int stat_file(const char *path, struct stat_key *k)
{
	struct stat sb;

	memset(k, 0, sizeof *k);
	if (path == NULL || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	k->dev = sb.st_dev;
	k->ino = sb.st_ino;
	k->size = sb.st_size;
	k->mtime = sb.st_mtim;
	k->ctime = sb.st_ctim;
	return 1;
}

static int same_ident(const struct ident *a, const struct ident *b)
{
	for (size_t i = 0; i < 3; i++) {
		const struct stat_key *x = &a->f[i], *y = &b->f[i];
		if (x->dev != y->dev || x->ino != y->ino || x->size != y->size ||
		    x->mtime.tv_sec != y->mtime.tv_sec ||
		    x->mtime.tv_nsec != y->mtime.tv_nsec ||
		    x->ctime.tv_sec != y->ctime.tv_sec ||
		    x->ctime.tv_nsec != y->ctime.tv_nsec)
			return 0;
	}
	return 1;
}

/* Opens a release from its files (clean and features may be NULL or
 * absent: that stage is skipped) with its counters. */
static enum ad_status open_shared(const char *clean, const char *feat,
    const char *model, const struct ident *id, struct shared **out,
    struct ad_error *err)
{
	struct shared *sh = ad_calloc(1, sizeof *sh);
	enum ad_status st;

	if (sh == NULL)
		return ad_error_nomem(err);
	sh->id = *id;
	atomic_init(&sh->refs, 1);
	if ((st = ad_release_open(&sh->rel, id->f[0].ino ? clean : NULL,
	    id->f[1].ino ? feat : NULL, model, err)) != AD_OK ||
	    (st = ad_meters_new(&sh->meters, ad_release_model(sh->rel), err)) !=
	    AD_OK) {
		ad_release_free(sh->rel);
		ad_free(sh);
		return st;
	}
	*out = sh;
	return AD_OK;
}

/* The files of a release, their identities, and the release in prev
 * with the same name and identities (to be kept), if any. */
struct candidate {
	char *clean, *feat, *model;
	struct ident id;
};

static enum ad_status candidate_in(const char *dir, struct candidate *c,
    struct ad_error *err)
{
	memset(c, 0, sizeof *c);
	c->clean = join(dir, "clean.params", NULL);
	c->feat = join(dir, "features.params", NULL);
	c->model = join(dir, "model", NULL);
	if (c->clean == NULL || c->feat == NULL || c->model == NULL)
		return ad_error_nomem(err);
	return AD_OK;
}

static void candidate_free(struct candidate *c)
{
	ad_free(c->clean);
	ad_free(c->feat);
	ad_free(c->model);
}

static void identify(struct candidate *c)
{
	stat_file(c->clean, &c->id.f[0]);
	stat_file(c->feat, &c->id.f[1]);
	stat_file(c->model, &c->id.f[2]);
}

static const struct model *model_in(const struct ad_store *s,
    const char *name)
{
	size_t i = s ? ad_store_find(s, name) : SIZE_MAX;

	return i == SIZE_MAX ? NULL : &s->m[i];
}

/* What a scan does with one release of model m (prev: the same model in
 * the store before, or NULL). */
static enum ad_status take_release(struct model *m, const struct model *prev,
    char *name, struct candidate *c, int retry, ad_store_warn_fn warn,
    void *ctx, struct ad_error *err)
{
	struct ad_error e;
	struct shared *sh;
	enum ad_status st;

	identify(c);
	for (size_t k = 0; prev != NULL && k < prev->nv; k++)
		if (strcmp(prev->v[k].name, name) == 0 &&
		    same_ident(&prev->v[k].sh->id, &c->id)) {
			m->v[m->nv].name = name;
			m->v[m->nv++].sh = prev->v[k].sh;
			atomic_fetch_add(&prev->v[k].sh->refs, 1);
			return AD_OK;
		}
	for (size_t k = 0; !retry && prev != NULL && k < prev->nf; k++)
		if (strcmp(prev->f[k].name, name) == 0 &&
		    same_ident(&prev->f[k].id, &c->id))
			goto failed;   /* told once already */
	ad_error_clear(&e);
	if ((st = open_shared(c->clean, c->feat, c->model, &c->id, &sh, &e)) ==
	    AD_OK) {
		m->v[m->nv].name = name;
		m->v[m->nv++].sh = sh;
		m->loaded++;
		return AD_OK;
	}
	if (st == AD_ENOMEM) {
		ad_free(name);
		return ad_error_nomem(err);
	}
	m->failures++;
	if (warn != NULL)
		warn(ctx, m->name, name, &e);
failed:
	m->f[m->nf].name = name;
	m->f[m->nf++].id = c->id;
	return AD_OK;
}

/* The release current points at (its last path component), if any. */
static enum ad_status find_current(const char *mdir, struct model *m,
    struct ad_error *err)
{
	char *link = join(mdir, "current", NULL), target[PATH_MAX];
	ssize_t n;
	const char *base;

	m->current = SIZE_MAX;
	if (link == NULL)
		return ad_error_nomem(err);
	n = readlink(link, target, sizeof target - 1);
	ad_free(link);
	if (n <= 0)
		return AD_OK;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	for (size_t k = 0; k < m->nv; k++)
		if (strcmp(m->v[k].name, base) == 0)
			m->current = k;
	return AD_OK;
}

/* A current that names no loaded release (one that failed to load, or
 * is gone) leaves the release current before in place, if it is still
 * loaded: the previous one stays served. */
static void keep_current(struct model *m, const struct model *prev)
{
	if (m->current != SIZE_MAX || prev == NULL || prev->current >= prev->nv)
		return;
	for (size_t k = 0; k < m->nv; k++)
		if (strcmp(m->v[k].name, prev->v[prev->current].name) == 0)
			m->current = k;
}

static enum ad_status load_model(const char *dir, char *name, struct model *m,
    const struct ad_store *prev, int retry, ad_store_warn_fn warn,
    void *ctx, struct ad_error *err)
{
	char *mdir = join(dir, name, NULL), *rdir = join(dir, name, "releases");
	char **rels = NULL;
	size_t nrel = 0;
	enum ad_status st;

	memset(m, 0, sizeof *m);
	m->name = name;
	if (mdir == NULL || rdir == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	if ((st = list_dir(rdir, &rels, &nrel, err)) != AD_OK)
		goto out;
	if ((m->v = ad_calloc(nrel + 1, sizeof *m->v)) == NULL ||
	    (m->f = ad_calloc(nrel + 1, sizeof *m->f)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < nrel && st == AD_OK; k++) {
		char *path = join(rdir, rels[k], NULL);
		struct candidate c;

		if (path == NULL || candidate_in(path, &c, err) != AD_OK) {
			st = ad_error_nomem(err);
			if (path != NULL)
				candidate_free(&c);
		} else {
			st = take_release(m, model_in(prev, name), rels[k], &c, retry,
			    warn, ctx, err);
			rels[k] = NULL;
			candidate_free(&c);
		}
		ad_free(path);
	}
	if (st == AD_OK && (st = find_current(mdir, m, err)) == AD_OK)
		keep_current(m, model_in(prev, name));
out:
	free_names(rels, nrel);
	ad_free(mdir);
	ad_free(rdir);
	return st;
}

static enum ad_status scan_dir(struct ad_store *s, const char *dir,
    const struct ad_store *prev, int retry, ad_store_warn_fn warn,
    void *ctx, struct ad_error *err)
{
	char **names = NULL;
	size_t n = 0, loaded = 0;
	enum ad_status st;

	if ((st = list_dir(dir, &names, &n, err)) != AD_OK)
		return st;
	if ((s->m = ad_calloc(n + 1, sizeof *s->m)) == NULL) {
		free_names(names, n);
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < n && st == AD_OK; i++) {
		char *rdir = join(dir, names[i], "releases");
		struct stat sb;
		int has = rdir != NULL && stat(rdir, &sb) == 0 && S_ISDIR(sb.st_mode);

		ad_free(rdir);
		if (rdir == NULL) {
			st = ad_error_nomem(err);
			break;
		}
		if (!has)
			continue;   /* not a model: some other file or folder */
		st = load_model(dir, names[i], &s->m[s->nm], prev, retry, warn, ctx,
		    err);
		names[i] = NULL;
		loaded += s->m[s->nm].nv;
		s->nm++;
	}
	free_names(names, n);
	if (st == AD_OK && loaded == 0)
		st = ad_error_set(err, AD_EDATA, "%s: no release loaded (a model "
		    "store holds MODEL/releases/RELEASE/model)", dir);
	return st;
}

/* One model, one release ("1"), from files named one by one. */
static enum ad_status scan_single(struct ad_store *s,
    const struct ad_store_source *src, const struct ad_store *prev,
    struct ad_error *err)
{
	const struct model *was = model_in(prev, src->name);
	struct model *m;
	struct candidate c = { (char *)src->clean, (char *)src->features,
	    (char *)src->model, { { { 0 } } } };
	enum ad_status st;

	if ((s->m = ad_calloc(1, sizeof *s->m)) == NULL)
		return ad_error_nomem(err);
	m = s->m;
	s->nm = 1;
	if ((m->v = ad_calloc(1, sizeof *m->v)) == NULL ||
	    (m->name = ad_strndup(src->name, strlen(src->name))) == NULL ||
	    (m->v->name = ad_strndup("1", 1)) == NULL)
		return ad_error_nomem(err);
	identify(&c);
	/* a named params file must be there, unlike in a store */
	if (src->clean == NULL)
		memset(&c.id.f[0], 0, sizeof c.id.f[0]);
	else if (c.id.f[0].ino == 0)
		c.id.f[0].ino = (ino_t)-1;
	if (src->features == NULL)
		memset(&c.id.f[1], 0, sizeof c.id.f[1]);
	else if (c.id.f[1].ino == 0)
		c.id.f[1].ino = (ino_t)-1;
	if (was != NULL && was->nv == 1 && same_ident(&was->v->sh->id, &c.id)) {
		m->v->sh = was->v->sh;
		atomic_fetch_add(&m->v->sh->refs, 1);
	} else if ((st = open_shared(src->clean, src->features, src->model,
	    &c.id, &m->v->sh, err)) != AD_OK)
		return st;
	else
		m->loaded = 1;
	m->nv = 1;
	m->current = 0;
	return AD_OK;
}

enum ad_status ad_store_open(struct ad_store **out,
    const struct ad_store_source *src, const struct ad_store *prev,
    int retry, ad_store_warn_fn warn, void *ctx, struct ad_error *err)
{
	struct ad_store *s = ad_calloc(1, sizeof *s);
	enum ad_status st;

	if (s == NULL)
		return ad_error_nomem(err);
	if (src->dir != NULL)
		st = scan_dir(s, src->dir, prev, retry, warn, ctx, err);
	else
		st = scan_single(s, src, prev, err);
	if (st != AD_OK) {
		if (src->dir == NULL && s->m != NULL && s->m->v != NULL &&
		    s->m->nv == 0) {
			ad_free(s->m->v->name);
			s->m->v->name = NULL;
		}
		ad_store_free(s);
		return st;
	}
	/* kept releases too: the bound may have been another's */
	for (size_t i = 0; src->max_entities > 0 && i < s->nm; i++)
		for (size_t k = 0; k < s->m[i].nv; k++)
			ad_release_set_max_entities(s->m[i].v[k].sh->rel,
			    src->max_entities == AD_STORE_NO_ENTITIES ? 0 :
			    src->max_entities);
	*out = s;
	return AD_OK;
}

enum ad_status ad_store_scan(struct ad_store **out, const char *dir,
    ad_store_warn_fn warn, void *ctx, struct ad_error *err)
{
	const struct ad_store_source src = { .dir = dir };

	return ad_store_open(out, &src, NULL, 0, warn, ctx, err);
}

enum ad_status ad_store_single(struct ad_store **out, const char *name,
    const char *clean, const char *features, const char *model,
    struct ad_error *err)
{
	const struct ad_store_source src = { NULL, name, clean, features,
	    model, 0 };

	return ad_store_open(out, &src, NULL, 0, NULL, NULL, err);
}

int ad_store_changed(const struct ad_store *s, const struct ad_store *prev)
{
	if (prev == NULL || s->nm != prev->nm)
		return 1;
	for (size_t i = 0; i < s->nm; i++) {
		const struct model *a = &s->m[i], *b = &prev->m[i];

		if (strcmp(a->name, b->name) != 0 || a->nv != b->nv ||
		    a->current != b->current)
			return 1;
		for (size_t k = 0; k < a->nv; k++)
			if (a->v[k].sh != b->v[k].sh ||
			    strcmp(a->v[k].name, b->v[k].name) != 0)
				return 1;
	}
	return 0;
}

void ad_store_tally(const struct ad_store *s, size_t i, uint64_t *loaded,
    uint64_t *failed)
{
	*loaded = s->m[i].loaded;
	*failed = s->m[i].failures;
}

size_t ad_store_count(const struct ad_store *s)
{
	return s->nm;
}

const char *ad_store_name(const struct ad_store *s, size_t i)
{
	return s->m[i].name;
}

size_t ad_store_find(const struct ad_store *s, const char *name)
{
	for (size_t i = 0; i < s->nm; i++)
		if (strcmp(s->m[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

size_t ad_store_versions(const struct ad_store *s, size_t i)
{
	return s->m[i].nv;
}

const char *ad_store_version(const struct ad_store *s, size_t i, size_t v)
{
	return s->m[i].v[v].name;
}

size_t ad_store_current(const struct ad_store *s, size_t i)
{
	return s->m[i].current;
}

size_t ad_store_version_find(const struct ad_store *s, size_t i,
    const char *version)
{
	const struct model *m = &s->m[i];

	if (version == NULL)
		return m->current < m->nv ? m->current : SIZE_MAX;
	for (size_t k = 0; k < m->nv; k++)
		if (strcmp(m->v[k].name, version) == 0)
			return k;
	return SIZE_MAX;
}

const struct ad_release *ad_store_release_at(const struct ad_store *s,
    size_t i, size_t v)
{
	return s->m[i].v[v].sh->rel;
}

struct ad_meters *ad_store_meters(const struct ad_store *s, size_t i,
    size_t v)
{
	return s->m[i].v[v].sh->meters;
}

const struct ad_release *ad_store_release(const struct ad_store *s, size_t i,
    const char *version, const char **name)
{
	size_t k = ad_store_version_find(s, i, version);

	if (k == SIZE_MAX)
		return NULL;
	*name = s->m[i].v[k].name;
	return s->m[i].v[k].sh->rel;
}
