/* Counts beside a hash map's keys, by the keys' indexes. */
#include "alloc.h"
#include "counter.h"
#include "hashmap.h"

struct ad_counter {
	struct ad_hashmap *keys;
	uint64_t *count;      /* by key index */
	size_t cap;
};

enum ad_status ad_counter_new(struct ad_counter **out, struct ad_error *err)
{
	struct ad_counter *c = ad_calloc(1, sizeof *c);
	enum ad_status st;

	if (c == NULL)
		return ad_error_nomem(err);
	if ((st = ad_hashmap_new(&c->keys, 0, err)) != AD_OK) {
		ad_free(c);
		return st;
	}
	*out = c;
	return AD_OK;
}

void ad_counter_free(struct ad_counter *c)
{
	if (c == NULL)
		return;
	ad_hashmap_free(c->keys);
	ad_free(c->count);
	ad_free(c);
}

enum ad_status ad_counter_add(struct ad_counter *c, const void *key,
    size_t len, uint64_t *count, struct ad_error *err)
{
	size_t i, n = ad_hashmap_size(c->keys);
	uint64_t *nc;
	int added;
	enum ad_status st;

	/* room for a new count first, so that a failure adds no key */
	if ((nc = ad_grow(c->count, &c->cap, n + 1, sizeof *nc)) == NULL)
		return ad_error_nomem(err);
	c->count = nc;
	if ((st = ad_hashmap_add(c->keys, key, len, &i, &added, err)) != AD_OK)
		return st;
	nc[i] = added ? 1 : nc[i] + 1;
	if (count)
		*count = nc[i];
	return AD_OK;
}

uint64_t ad_counter_get(const struct ad_counter *c, const void *key,
    size_t len)
{
	size_t i = ad_hashmap_find(c->keys, key, len);

	return i == SIZE_MAX ? 0 : c->count[i];
}

size_t ad_counter_size(const struct ad_counter *c)
{
	return ad_hashmap_size(c->keys);
}

void ad_counter_each(const struct ad_counter *c,
    void (*fn)(void *ctx, const void *key, size_t len, uint64_t count),
    void *ctx)
{
	for (size_t i = 0; i < ad_hashmap_size(c->keys); i++) {
		size_t len;
		const char *k = ad_hashmap_key(c->keys, i, &len);
		fn(ctx, k, len, c->count[i]);
	}
}
