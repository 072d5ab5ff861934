#ifndef ADKIT_STORE_H
#define ADKIT_STORE_H
/*
 * A model store as the pipelines and the cron job publish it, loaded:
 * DIR/<model>/releases/<release>/{clean.params,features.params,model}, and
 * DIR/<model>/current a symlink to the release served by default. Every
 * release is loaded when the store is opened; names are looked up in
 * memory, so a request's URL never reaches the file system.
 *
 * A store is opened again to see what changed (ad_store_open with the
 * store before as prev): a release whose files are the same (device,
 * inode, size, modification and change times of clean.params,
 * features.params and model) is kept, shared with the store before, with
 * its counters; only new or changed releases are loaded. A release that
 * failed to load is told to warn once, and tried again only when its files
 * change (or with retry). A store is read-only: any thread may read it.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_meters;
struct ad_release;
struct ad_store;

/* Where a store comes from: a directory, or (dir NULL) one model called
 * name with one release, version "1", from the files named (clean and
 * features may be NULL). */
struct ad_store_source {
	const char *dir;
	const char *name;
	const char *clean;
	const char *features;
	const char *model;
	size_t max_entities;     /* entities each release keeps (0: its
	                            default, AD_RELEASE_MAX_ENTITIES;
	                            AD_STORE_NO_ENTITIES: none) */
};

/* max_entities for none: each request starts every entity afresh. */
#define AD_STORE_NO_ENTITIES SIZE_MAX

/* Receives a release that failed to load (it is left out). */
typedef void (*ad_store_warn_fn)(void *ctx, const char *model,
    const char *release, const struct ad_error *err);

/* Whether s can name a model or a release: not empty, at most 255 bytes,
 * no '/', no NUL, not starting with '.' (so neither "." nor ".."). */
int ad_store_name_ok(const char *s);

/* Loads every release of every model under dir; a release that fails to
 * load goes to warn (may be NULL) and is left out. Fails (AD_EDATA) when
 * no release loads at all, or dir cannot be read (AD_EIO). */
enum ad_status ad_store_scan(struct ad_store **s, const char *dir,
    ad_store_warn_fn warn, void *ctx, struct ad_error *err);

/* A store of one model called name with one release, version "1", the
 * current one; clean and features may be NULL. */
enum ad_status ad_store_single(struct ad_store **s, const char *name,
    const char *clean, const char *features, const char *model,
    struct ad_error *err);

/* Opens the store src names into *s, keeping from prev (borrowed; NULL:
 * none) every release whose files are unchanged; a release that fails to
 * load goes to warn (may be NULL) unless prev remembers it failing with
 * the same files and retry is 0. Fails as ad_store_scan does, or
 * ad_store_single for one model. */
enum ad_status ad_store_open(struct ad_store **s,
    const struct ad_store_source *src, const struct ad_store *prev,
    int retry, ad_store_warn_fn warn, void *ctx, struct ad_error *err);

/* Whether s serves anything prev (NULL: nothing) did not: another model,
 * release, release content or current. */
int ad_store_changed(const struct ad_store *s, const struct ad_store *prev);

/* The releases of model i the scan that made s loaded (not kept), and
 * those that failed to load and were told to warn. */
void ad_store_tally(const struct ad_store *s, size_t i, uint64_t *loaded,
    uint64_t *failed);

/* Frees s and the releases no other store holds; NULL is a no-op. */
void ad_store_free(struct ad_store *s);

/* Models in s, sorted by name. */
size_t ad_store_count(const struct ad_store *s);

/* The name of model i. */
const char *ad_store_name(const struct ad_store *s, size_t i);

/* The index of the model called name, or SIZE_MAX. */
size_t ad_store_find(const struct ad_store *s, const char *name);

/* Releases of model i, sorted by name. */
size_t ad_store_versions(const struct ad_store *s, size_t i);

/* The name of release v of model i. */
const char *ad_store_version(const struct ad_store *s, size_t i, size_t v);

/* The index of model i's current release, or SIZE_MAX: none. */
size_t ad_store_current(const struct ad_store *s, size_t i);

/* The index of model i's release called version (NULL: the current one),
 * or SIZE_MAX. */
size_t ad_store_version_find(const struct ad_store *s, size_t i,
    const char *version);

/* Release v of model i (valid while s is). */
const struct ad_release *ad_store_release_at(const struct ad_store *s,
    size_t i, size_t v);

/* The counters of release v of model i, kept with the release across
 * stores (valid while s is; any thread may count). */
struct ad_meters *ad_store_meters(const struct ad_store *s, size_t i,
    size_t v);

/* The release called version (NULL: the current one) of model i, or NULL;
 * *name gets its name. */
const struct ad_release *ad_store_release(const struct ad_store *s, size_t i,
    const char *version, const char **name);

#endif
