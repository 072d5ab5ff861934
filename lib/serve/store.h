#ifndef ADKIT_STORE_H
#define ADKIT_STORE_H
/*
 * A model store as the pipelines and the cron job publish it, loaded:
 * DIR/<model>/releases/<release>/{clean.params,features.params,model}, and
 * DIR/<model>/current a symlink to the release served by default. Every
 * release is loaded once, when the store is opened; names are looked up
 * in memory, so a request's URL never reaches the file system.
 */
#include <stddef.h>

#include "ad.h"

struct ad_release;
struct ad_store;

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

/* Frees s and its releases; NULL is a no-op. */
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

/* The release called version (NULL: the current one) of model i, or NULL;
 * *name gets its name. */
const struct ad_release *ad_store_release(const struct ad_store *s, size_t i,
    const char *version, const char **name);

#endif
