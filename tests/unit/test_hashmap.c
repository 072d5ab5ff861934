/*
 * Tests for lib/common/hashmap: indexes in insertion order, find and add,
 * the empty key and keys with NUL bytes, keys that share a slot, growth
 * across many keys, reserve, the seed changing no index, and an OOM loop
 * (transient and persistent) that expects AD_ENOMEM, an unchanged map and
 * no leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "hashmap.h"

#include "check.h"
#include "failalloc.h"

static struct ad_hashmap *new_map(uint64_t seed)
{
	struct ad_hashmap *m = NULL;
	struct ad_error err;

	if (ad_hashmap_new(&m, seed, &err) != AD_OK) {
		fprintf(stderr, "ad_hashmap_new: %s\n", err.msg);
		exit(2);
	}
	return m;
}

/* Adds key[0..len); returns its index, SIZE_MAX on failure. */
static size_t add(struct ad_hashmap *m, const void *key, size_t len,
    int *added)
{
	struct ad_error err;
	size_t i = SIZE_MAX;

	if (ad_hashmap_add(m, key, len, &i, added, &err) != AD_OK)
		return SIZE_MAX;
	return i;
}

static int key_is(const struct ad_hashmap *m, size_t i, const void *want,
    size_t wlen)
{
	size_t len;
	const char *k = ad_hashmap_key(m, i, &len);

	return k != NULL && len == wlen && (len == 0 || memcmp(k, want, len) == 0);
}

static void test_insertion_order(void)
{
	struct ad_hashmap *m = new_map(0);
	int added = -1;

	CHECK(ad_hashmap_size(m) == 0);
	CHECK(ad_hashmap_find(m, "x", 1) == SIZE_MAX);
	CHECK(ad_hashmap_find(m, "", 0) == SIZE_MAX);
	CHECK(add(m, "pear", 4, &added) == 0 && added == 1);
	CHECK(add(m, "apple", 5, &added) == 1 && added == 1);
	CHECK(add(m, "pear", 4, &added) == 0 && added == 0);
	CHECK(add(m, "Pear", 4, NULL) == 2);     /* bytes, not case-folded */
	CHECK(add(m, "", 0, &added) == 3 && added == 1);
	CHECK(add(m, NULL, 0, &added) == 3 && added == 0);
	CHECK(ad_hashmap_size(m) == 4);
	CHECK(ad_hashmap_find(m, "apple", 5) == 1);
	CHECK(ad_hashmap_find(m, "appl", 4) == SIZE_MAX);  /* a prefix */
	CHECK(ad_hashmap_find(m, "apples", 6) == SIZE_MAX);
	CHECK(ad_hashmap_find(m, NULL, 0) == 3);
	CHECK(key_is(m, 0, "pear", 4));
	CHECK(key_is(m, 1, "apple", 5));
	CHECK(key_is(m, 2, "Pear", 4));
	CHECK(key_is(m, 3, "", 0));
	ad_hashmap_free(m);
	ad_hashmap_free(NULL);
}

static void test_empty_key_alone(void)
{
	struct ad_hashmap *m = new_map(0);

	CHECK(add(m, "", 0, NULL) == 0);
	CHECK(key_is(m, 0, "", 0));
	CHECK(ad_hashmap_find(m, "", 0) == 0);
	CHECK(ad_hashmap_find(m, "\0", 1) == SIZE_MAX);
	ad_hashmap_free(m);
}

static void test_keys_with_nul_bytes(void)
{
	static const struct { const char *k; size_t len; } keys[] = {
		{ "a\0b", 3 }, { "a\0c", 3 }, { "a", 1 }, { "a\0", 2 },
		{ "\0", 1 }, { "\0\0", 2 }, { "", 0 },
	};
	size_t n = sizeof keys / sizeof keys[0];
	struct ad_hashmap *m = new_map(0);

	for (size_t i = 0; i < n; i++)
		CHECK(add(m, keys[i].k, keys[i].len, NULL) == i);
	for (size_t i = 0; i < n; i++) {
		CHECK(ad_hashmap_find(m, keys[i].k, keys[i].len) == i);
		CHECK(key_is(m, i, keys[i].k, keys[i].len));
	}
	CHECK(ad_hashmap_find(m, "a\0d", 3) == SIZE_MAX);
	CHECK(ad_hashmap_find(m, "\0\0\0", 3) == SIZE_MAX);
	CHECK(ad_hashmap_size(m) == n);
	ad_hashmap_free(m);
}

/* Keys whose hashes agree in their low 12 bits start probing at the same
 * slot of any table of up to 4096 slots, so they chain through each
 * other: every one must still be found, and a key of the same chain never
 * added must not. */
static void test_keys_sharing_a_slot(void)
{
	enum { WANT = 40 };
	char keys[WANT + 1][16];
	size_t lens[WANT + 1], found = 0, wrong = 0;
	uint64_t bits = XXH3_64bits_withSeed("k0", 2, 7) & 4095;
	struct ad_hashmap *m = new_map(7);

	for (uint32_t i = 0; found < WANT + 1 && i < 100000000; i++) {
		int len = snprintf(keys[found], sizeof keys[found], "k%u", i);
		if ((XXH3_64bits_withSeed(keys[found], (size_t)len, 7) & 4095) ==
		    bits)
			lens[found++] = (size_t)len;
	}
	CHECK(found == WANT + 1);
	for (size_t i = 0; i < WANT; i++)
		wrong += add(m, keys[i], lens[i], NULL) != i;
	for (size_t i = 0; i < WANT; i++)
		wrong += ad_hashmap_find(m, keys[i], lens[i]) != i;
	CHECK(wrong == 0);
	CHECK(ad_hashmap_find(m, keys[WANT], lens[WANT]) == SIZE_MAX);
	ad_hashmap_free(m);
}

/* Key i of the big test: varied lengths, binary bytes. */
static size_t key_of(uint32_t i, unsigned char *buf)
{
	size_t len = 4 + i % 13;

	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)(i >> (8 * (k % 4))) ^ (unsigned char)k;
	return len;
}

/* Adds N keys (each twice) to a map of the seed; counts what is wrong. */
static size_t fill_and_check(uint64_t seed)
{
	enum { N = 200000 };
	struct ad_hashmap *m = new_map(seed);
	unsigned char key[32];
	size_t wrong = 0;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < N; i++) {
			int added = -1;
			size_t len = key_of(i, key);
			wrong += add(m, key, len, &added) != i;
			wrong += added != (pass == 0);
		}
	wrong += ad_hashmap_size(m) != N;
	for (uint32_t i = 0; i < N; i++) {
		size_t len = key_of(i, key);
		wrong += ad_hashmap_find(m, key, len) != i;
		wrong += !key_is(m, i, key, len);
		key[len] = 0x5a;                   /* one byte longer: absent */
		wrong += ad_hashmap_find(m, key, len + 1) != SIZE_MAX;
	}
	ad_hashmap_free(m);
	return wrong;
}

static void test_growth_and_seeds(void)
{
	CHECK(fill_and_check(0) == 0);
	CHECK(fill_and_check(0x9e3779b97f4a7c15u) == 0);
}

static void test_reserve_then_add_allocates_nothing(void)
{
	struct ad_hashmap *m = new_map(0);
	struct ad_error err;
	char key[16];
	long before;
	size_t wrong = 0;

	CHECK(ad_hashmap_reserve(m, 1000, 1000 * 6, &err) == AD_OK);
	before = calls;
	for (int i = 0; i < 1000; i++) {
		int len = snprintf(key, sizeof key, "c%05d", i);
		wrong += add(m, key, (size_t)len, NULL) != (size_t)i;
	}
	CHECK(wrong == 0);
	CHECK(calls == before);
	CHECK(ad_hashmap_reserve(m, SIZE_MAX, 1, &err) == AD_ENOMEM);
	CHECK(ad_hashmap_reserve(m, 1, SIZE_MAX, &err) == AD_ENOMEM);
	CHECK(ad_hashmap_size(m) == 1000);
	CHECK(ad_hashmap_find(m, "c00999", 6) == 999);
	ad_hashmap_free(m);
}

/* Builds a map of 300 keys; on a failed add checks that the map kept
 * every key added before and nothing else. */
static enum ad_status oom_scenario(int *consistent)
{
	struct ad_hashmap *m = NULL;
	struct ad_error err;
	enum ad_status st;
	char key[16];
	size_t i;

	*consistent = 1;
	if ((st = ad_hashmap_new(&m, 3, &err)) != AD_OK)
		return st;
	for (int k = 0; k < 300 && st == AD_OK; k++) {
		int len = snprintf(key, sizeof key, "key%d", k);
		st = ad_hashmap_add(m, key, (size_t)len, &i, NULL, &err);
		if (st != AD_OK) {
			*consistent &= ad_hashmap_size(m) == (size_t)k &&
			    ad_hashmap_find(m, key, (size_t)len) == SIZE_MAX &&
			    (k == 0 || ad_hashmap_find(m, "key0", 4) == 0);
			*consistent &= st == AD_ENOMEM && err.code == AD_ENOMEM;
		}
	}
	ad_hashmap_free(m);
	return st;
}

static void test_out_of_memory(void)
{
	int clean = 1, right = 1, consistent = 1;
	long runs = 0;

	for (persistent = 0; persistent <= 1; persistent++)
		for (long n = 1;; n++) {
			enum ad_status st;
			int c;

			calls = 0;
			hit = 0;
			live = 0;
			fail_at = n;
			st = oom_scenario(&c);
			fail_at = 0;
			runs++;
			clean &= live == 0;
			consistent &= c;
			if (!hit) {
				right &= st == AD_OK;
				break;
			}
			right &= st == AD_ENOMEM;
		}
	CHECK(runs > 10);
	CHECK(clean);
	CHECK(right);
	CHECK(consistent);
}

int main(void)
{
	test_insertion_order();
	test_empty_key_alone();
	test_keys_with_nul_bytes();
	test_keys_sharing_a_slot();
	test_growth_and_seeds();
	test_reserve_then_add_allocates_nothing();
	test_out_of_memory();
	return CHECK_DONE("test_hashmap");
}
