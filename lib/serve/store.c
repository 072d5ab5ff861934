/* A model store: see store.h. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "release.h"
#include "store.h"

struct version {
	char *name;
	struct ad_release *rel;
};

struct model {
	char *name;
	struct version *v;
	size_t nv;
	size_t current;          /* index in v, or SIZE_MAX: none */
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

static void model_free(struct model *m)
{
	for (size_t k = 0; k < m->nv; k++) {
		ad_free(m->v[k].name);
		ad_release_free(m->v[k].rel);
	}
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

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Opens the release in dir: its model, and its params where present. */
static enum ad_status open_release(const char *dir, struct ad_release **rel,
    struct ad_error *err)
{
	char *clean = join(dir, "clean.params", NULL);
	char *feat = join(dir, "features.params", NULL);
	char *model = join(dir, "model", NULL);
	enum ad_status st;

	if (clean == NULL || feat == NULL || model == NULL)
		st = ad_error_nomem(err);
	else
		st = ad_release_open(rel, is_file(clean) ? clean : NULL,
		    is_file(feat) ? feat : NULL, model, err);
	ad_free(clean);
	ad_free(feat);
	ad_free(model);
	return st;
}

/* The release current points at (its last path component), if any. */
static void find_current(const char *mdir, struct model *m)
{
	char *link = join(mdir, "current", NULL), target[PATH_MAX];
	ssize_t n;
	const char *base;

	m->current = SIZE_MAX;
	if (link == NULL)
		return;
	n = readlink(link, target, sizeof target - 1);
	ad_free(link);
	if (n <= 0)
		return;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	for (size_t k = 0; k < m->nv; k++)
		if (strcmp(m->v[k].name, base) == 0)
			m->current = k;
}

static enum ad_status load_model(const char *dir, char *name, struct model *m,
    ad_store_warn_fn warn, void *ctx, struct ad_error *err)
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
	if ((m->v = ad_calloc(nrel + 1, sizeof *m->v)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < nrel; k++) {
		char *path = join(rdir, rels[k], NULL);
		struct ad_error e;
		struct version *v = &m->v[m->nv];

		if (path == NULL) {
			st = ad_error_nomem(err);
			goto out;
		}
		ad_error_clear(&e);
		if (open_release(path, &v->rel, &e) != AD_OK) {
			if (e.code == AD_ENOMEM) {
				st = ad_error_nomem(err);
				ad_free(path);
				goto out;
			}
			if (warn != NULL)
				warn(ctx, name, rels[k], &e);
		} else {
			v->name = rels[k];
			rels[k] = NULL;
			m->nv++;
		}
		ad_free(path);
	}
	find_current(mdir, m);
out:
	free_names(rels, nrel);
	ad_free(mdir);
	ad_free(rdir);
	return st;
}

enum ad_status ad_store_scan(struct ad_store **out, const char *dir,
    ad_store_warn_fn warn, void *ctx, struct ad_error *err)
{
	struct ad_store *s = ad_calloc(1, sizeof *s);
	char **names = NULL;
	size_t n = 0, loaded = 0;
	enum ad_status st;

	if (s == NULL)
		return ad_error_nomem(err);
	if ((st = list_dir(dir, &names, &n, err)) != AD_OK)
		goto out;
	if ((s->m = ad_calloc(n + 1, sizeof *s->m)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n && st == AD_OK; i++) {
		char *rdir = join(dir, names[i], "releases");
		struct stat sb;
		int has = rdir != NULL && stat(rdir, &sb) == 0 && S_ISDIR(sb.st_mode);

		ad_free(rdir);
		if (!has)
			continue;   /* not a model: some other file or folder */
		st = load_model(dir, names[i], &s->m[s->nm], warn, ctx, err);
		names[i] = NULL;
		loaded += s->m[s->nm].nv;
		s->nm++;
	}
	if (st == AD_OK && loaded == 0)
		st = ad_error_set(err, AD_EDATA, "%s: no release loaded (a model "
		    "store holds MODEL/releases/RELEASE/model)", dir);
out:
	free_names(names, n);
	if (st != AD_OK) {
		ad_store_free(s);
		return st;
	}
	*out = s;
	return AD_OK;
}

enum ad_status ad_store_single(struct ad_store **out, const char *name,
    const char *clean, const char *features, const char *model,
    struct ad_error *err)
{
	struct ad_store *s = ad_calloc(1, sizeof *s);
	enum ad_status st;

	if (s == NULL)
		return ad_error_nomem(err);
	if ((s->m = ad_calloc(1, sizeof *s->m)) != NULL)
		s->nm = 1;
	if (s->m == NULL || (s->m->v = ad_calloc(1, sizeof *s->m->v)) == NULL ||
	    (s->m->name = ad_strndup(name, strlen(name))) == NULL ||
	    (s->m->v->name = ad_strndup("1", 1)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	if ((st = ad_release_open(&s->m->v->rel, clean, features, model, err)) !=
	    AD_OK)
		goto out;
	s->m->nv = 1;
	s->m->current = 0;
out:
	if (st != AD_OK) {
		if (s->m != NULL && s->m->v != NULL && s->m->nv == 0) {
			ad_free(s->m->v->name);
			s->m->v->name = NULL;
		}
		ad_store_free(s);
		return st;
	}
	*out = s;
	return AD_OK;
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

const struct ad_release *ad_store_release(const struct ad_store *s, size_t i,
    const char *version, const char **name)
{
	const struct model *m = &s->m[i];
	size_t k = m->current;

	if (version != NULL)
		for (k = 0; k < m->nv && strcmp(m->v[k].name, version) != 0; k++)
			;
	if (k >= m->nv)
		return NULL;
	*name = m->v[k].name;
	return m->v[k].rel;
}
