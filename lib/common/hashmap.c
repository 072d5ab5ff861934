/*
 * Open addressing with linear probing over a power-of-two table of slots,
 * kept at most three quarters full. A slot holds a key's full 64-bit hash,
 * so that probing and growing compare bytes only when hashes match and
 * never hash a key twice, and its index + 1 (0: empty). Keys live back to
 * back in one arena, found by index in a table of offsets; that table's
 * order is insertion order.
 */
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "hashmap.h"

#define MIN_SLOTS 16

struct slot {
	uint64_t hash;
	size_t index1;        /* key index + 1; 0: empty */
};

struct key {
	size_t off, len;      /* in the arena */
};

struct ad_hashmap {
	uint64_t seed;
	struct slot *slots;
	size_t nslots;        /* a power of two */
	struct key *keys;     /* by index */
	size_t n, capkeys;
	char *arena;
	size_t used, caparena;
};

enum ad_status ad_hashmap_new(struct ad_hashmap **out, uint64_t seed,
    struct ad_error *err)
{
	struct ad_hashmap *m = ad_calloc(1, sizeof *m);

	if (m == NULL ||
	    (m->slots = ad_calloc(MIN_SLOTS, sizeof *m->slots)) == NULL) {
		ad_free(m);
		return ad_error_nomem(err);
	}
	m->seed = seed;
	m->nslots = MIN_SLOTS;
	*out = m;
	return AD_OK;
}

void ad_hashmap_free(struct ad_hashmap *m)
{
	if (m == NULL)
		return;
	ad_free(m->slots);
	ad_free(m->keys);
	ad_free(m->arena);
	ad_free(m);
}

size_t ad_hashmap_size(const struct ad_hashmap *m)
{
	return m->n;
}

static uint64_t hash_of(const struct ad_hashmap *m, const void *key,
    size_t len)
{
	return XXH3_64bits_withSeed(key, len, m->seed);
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *probe(const struct ad_hashmap *m, uint64_t h,
    const void *key, size_t len)
{
	size_t mask = m->nslots - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];
		const struct key *k;

		if (s->index1 == 0)
			return s;
		k = &m->keys[s->index1 - 1];
		if (s->hash == h && k->len == len &&
		    (len == 0 || memcmp(m->arena + k->off, key, len) == 0))
			return s;
	}
}

size_t ad_hashmap_find(const struct ad_hashmap *m, const void *key,
    size_t len)
{
	const struct slot *s = probe(m, hash_of(m, key, len), key, len);

	return s->index1 ? s->index1 - 1 : SIZE_MAX;
}

/* The slots n keys need: a power of two, at least MIN_SLOTS, of which n
 * fill three quarters at most; 0 if that overflows. */
static size_t slots_for(size_t n)
{
	size_t cap = MIN_SLOTS;

	while (cap - cap / 4 < n)
		if (ad_mul_size(cap, 2, &cap) != 0)
			return 0;
	return cap;
}

/* Rebuilds the slots as nslots of them; -1 (m unchanged) on memory. */
static int resize_slots(struct ad_hashmap *m, size_t nslots)
{
	struct slot *ns;

	if ((ns = ad_calloc(nslots, sizeof *ns)) == NULL)
		return -1;
	for (size_t i = 0; i < m->nslots; i++) {
		size_t j;
		if (m->slots[i].index1 == 0)
			continue;
		for (j = (size_t)m->slots[i].hash & (nslots - 1); ns[j].index1;
		    j = (j + 1) & (nslots - 1))
			;
		ns[j] = m->slots[i];
	}
	ad_free(m->slots);
	m->slots = ns;
	m->nslots = nslots;
	return 0;
}

/* Returns array p (of *cap elems of elem bytes) grown to hold need
 * elements, exactly so if exact, else by doubling; NULL (p still valid)
 * on memory. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem, int exact)
{
	size_t bytes;

	if (!exact || need <= *cap)
		return ad_grow(p, cap, need, elem);
	if (ad_mul_size(need, elem, &bytes) != 0 ||
	    (p = ad_realloc(p, bytes)) == NULL)
		return NULL;
	*cap = need;
	return p;
}

/* Makes room for n keys of bytes bytes in all, to the byte if exact;
 * -1 on memory, with what grew kept (harmless: only capacity). */
static int make_room(struct ad_hashmap *m, size_t n, size_t bytes,
    int exact)
{
	size_t nslots = slots_for(n);
	struct key *k;
	char *a;

	if (nslots == 0 ||
	    (nslots > m->nslots && resize_slots(m, nslots) != 0))
		return -1;
	if ((k = grow(m->keys, &m->capkeys, n, sizeof *k, exact)) == NULL)
		return -1;
	m->keys = k;
	if ((a = grow(m->arena, &m->caparena, bytes, 1, exact)) == NULL)
		return -1;
	m->arena = a;
	return 0;
}

enum ad_status ad_hashmap_reserve(struct ad_hashmap *m, size_t n,
    size_t bytes, struct ad_error *err)
{
	size_t keys, total;

	if (ad_add_size(m->n, n, &keys) != 0 ||
	    ad_add_size(m->used, bytes, &total) != 0 ||
	    make_room(m, keys, total, 1) != 0)
		return ad_error_nomem(err);
	return AD_OK;
}

enum ad_status ad_hashmap_add(struct ad_hashmap *m, const void *key,
    size_t len, size_t *index, int *added, struct ad_error *err)
{
	uint64_t h = hash_of(m, key, len);
	struct slot *s = probe(m, h, key, len);
	size_t end, nslots = m->nslots;

	if (added != NULL)
		*added = 0;
	if (s->index1 != 0) {
		*index = s->index1 - 1;
		return AD_OK;
	}
	if (ad_add_size(m->used, len, &end) != 0 ||
	    make_room(m, m->n + 1, end, 0) != 0)
		return ad_error_nomem(err);
	if (m->nslots != nslots)
		s = probe(m, h, key, len);
	if (len > 0)
		memcpy(m->arena + m->used, key, len);
	m->keys[m->n].off = m->used;
	m->keys[m->n].len = len;
	m->used = end;
	s->hash = h;
	s->index1 = ++m->n;
	*index = m->n - 1;
	if (added != NULL)
		*added = 1;
	return AD_OK;
}

const char *ad_hashmap_key(const struct ad_hashmap *m, size_t i, size_t *len)
{
	*len = m->keys[i].len;
	/* an empty arena has no address; any non-NULL pointer will do */
	return m->arena ? m->arena + m->keys[i].off : "";
}
