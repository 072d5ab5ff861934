/* Open addressing over XXH3 hashes; keys live in one growing arena. */
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "counter.h"

struct slot {
	uint64_t hash;
	uint64_t count;   /* 0: empty */
	size_t off, len;  /* key in the arena */
};

struct ad_counter {
	struct slot *slots;
	size_t cap, n;    /* cap is a power of two */
	char *arena;
	size_t arena_len, arena_cap;
};

enum ad_status ad_counter_new(struct ad_counter **out, struct ad_error *err)
{
	struct ad_counter *c = ad_calloc(1, sizeof *c);

	if (c == NULL || (c->slots = ad_calloc(64, sizeof *c->slots)) == NULL) {
		ad_free(c);
		return ad_error_nomem(err);
	}
	c->cap = 64;
	*out = c;
	return AD_OK;
}

void ad_counter_free(struct ad_counter *c)
{
	if (c == NULL)
		return;
	ad_free(c->slots);
	ad_free(c->arena);
	ad_free(c);
}

static struct slot *find(const struct ad_counter *c, uint64_t h,
    const void *key, size_t len)
{
	size_t mask = c->cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct slot *s = &c->slots[i];
		if (s->count == 0 || (s->hash == h && s->len == len &&
		    (len == 0 || memcmp(c->arena + s->off, key, len) == 0)))
			return s;
	}
}

static int rehash(struct ad_counter *c)
{
	size_t cap = c->cap * 2;
	struct slot *old = c->slots, *ns = ad_calloc(cap, sizeof *ns);

	if (ns == NULL)
		return -1;
	for (size_t i = 0; i < c->cap; i++) {
		size_t j;
		if (old[i].count == 0)
			continue;
		for (j = (size_t)old[i].hash & (cap - 1); ns[j].count != 0;
		    j = (j + 1) & (cap - 1))
			;
		ns[j] = old[i];
	}
	c->slots = ns;
	c->cap = cap;
	ad_free(old);
	return 0;
}

enum ad_status ad_counter_add(struct ad_counter *c, const void *key,
    size_t len, uint64_t *count, struct ad_error *err)
{
	uint64_t h = XXH3_64bits(key, len);
	struct slot *s = find(c, h, key, len);
	size_t end;
	char *a;

	if (s->count > 0) {
		s->count++;
		if (count)
			*count = s->count;
		return AD_OK;
	}
	if ((c->n + 1) * 4 > c->cap * 3) {
		if (rehash(c) != 0)
			return ad_error_nomem(err);
		s = find(c, h, key, len);
	}
	if (ad_add_size(c->arena_len, len, &end) != 0)
		return ad_error_nomem(err);
	if ((a = ad_grow(c->arena, &c->arena_cap, end, 1)) == NULL)
		return ad_error_nomem(err);
	c->arena = a;
	if (len > 0)
		memcpy(c->arena + c->arena_len, key, len);
	s->hash = h;
	s->count = 1;
	s->off = c->arena_len;
	s->len = len;
	c->arena_len = end;
	c->n++;
	if (count)
		*count = 1;
	return AD_OK;
}

uint64_t ad_counter_get(const struct ad_counter *c, const void *key,
    size_t len)
{
	return find(c, XXH3_64bits(key, len), key, len)->count;
}

size_t ad_counter_size(const struct ad_counter *c)
{
	return c->n;
}

void ad_counter_each(const struct ad_counter *c,
    void (*fn)(void *ctx, const void *key, size_t len, uint64_t count),
    void *ctx)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].count > 0)
			fn(ctx, c->arena + c->slots[i].off, c->slots[i].len,
			    c->slots[i].count);
}
