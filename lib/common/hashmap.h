#ifndef ADKIT_HASHMAP_H
#define ADKIT_HASHMAP_H
/*
 * A hash map from byte strings to their indexes 0, 1, 2, ... in the order
 * they were first added: the one hash table of lib/. Callers keep what they
 * attach to a key (a count, a group) in arrays by that index, and walking
 * 0..size-1 visits the keys in insertion order, so nothing printed depends
 * on the hash. Keys may hold any bytes, NUL included, and may be empty.
 * The map copies them; memory grows with the number and bytes of distinct
 * keys.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_hashmap;

/* Creates an empty map hashing with seed (XXH3; any seed gives the same
 * indexes, only the probing differs). */
enum ad_status ad_hashmap_new(struct ad_hashmap **m, uint64_t seed,
    struct ad_error *err);

/* Frees m; NULL is a no-op. */
void ad_hashmap_free(struct ad_hashmap *m);

/* Number of keys. */
size_t ad_hashmap_size(const struct ad_hashmap *m);

/* The index of key[0..len), or SIZE_MAX if absent. */
size_t ad_hashmap_find(const struct ad_hashmap *m, const void *key,
    size_t len);

/* Sets *index to key's index, adding key (copied) as index size() if
 * absent; *added (may be NULL) says whether it was. On failure (AD_ENOMEM)
 * m is unchanged. */
enum ad_status ad_hashmap_add(struct ad_hashmap *m, const void *key,
    size_t len, size_t *index, int *added, struct ad_error *err);

/* Makes room for n keys of bytes bytes in all, so that adding them
 * allocates nothing more; AD_ENOMEM leaves m unchanged. */
enum ad_status ad_hashmap_reserve(struct ad_hashmap *m, size_t n,
    size_t bytes, struct ad_error *err);

/* Key i (i < size) and its length in *len; the bytes stay valid until the
 * next add or reserve. */
const char *ad_hashmap_key(const struct ad_hashmap *m, size_t i, size_t *len);

#endif
