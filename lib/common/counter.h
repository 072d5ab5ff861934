#ifndef ADKIT_COUNTER_H
#define ADKIT_COUNTER_H
/*
 * A counting hash set of byte strings (categories, values, row digests),
 * over lib/common/hashmap.h. Memory grows with the number of distinct
 * keys, which is why the commands that use one document it.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_counter;

/* Creates an empty counter. */
enum ad_status ad_counter_new(struct ad_counter **c, struct ad_error *err);

/* Frees c; NULL is a no-op. */
void ad_counter_free(struct ad_counter *c);

/* Adds one to key[0..len)'s count; *count (if not NULL) gets the new count. */
enum ad_status ad_counter_add(struct ad_counter *c, const void *key,
    size_t len, uint64_t *count, struct ad_error *err);

/* The count of key (0 if never added). */
uint64_t ad_counter_get(const struct ad_counter *c, const void *key,
    size_t len);

/* Number of distinct keys. */
size_t ad_counter_size(const struct ad_counter *c);

/* Calls fn for every key, in the order the keys were first added. */
void ad_counter_each(const struct ad_counter *c,
    void (*fn)(void *ctx, const void *key, size_t len, uint64_t count),
    void *ctx);

#endif
