/*
 * Tests for lib/counter: counts per key, the number of distinct keys, growth
 * past many rehashes, the empty key, keys with NUL bytes, and that
 * ad_counter_each visits every key exactly once with its count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"

#include "check.h"

static struct ad_counter *new_counter(void)
{
	struct ad_counter *c = NULL;
	struct ad_error err;

	if (ad_counter_new(&c, &err) != AD_OK) {
		fprintf(stderr, "ad_counter_new: %s\n", err.msg);
		exit(2);
	}
	return c;
}

/* Adds a C string; returns the count it now has (0 on failure). */
static uint64_t add(struct ad_counter *c, const char *key)
{
	struct ad_error err;
	uint64_t n = 0;

	if (ad_counter_add(c, key, strlen(key), &n, &err) != AD_OK)
		return 0;
	return n;
}

static uint64_t get(const struct ad_counter *c, const char *key)
{
	return ad_counter_get(c, key, strlen(key));
}

static void test_new_counter_is_empty(void)
{
	struct ad_counter *c = new_counter();

	CHECK(ad_counter_size(c) == 0);
	CHECK(get(c, "x") == 0);
	CHECK(get(c, "") == 0);
	ad_counter_free(c);
	ad_counter_free(NULL);
}

static void test_counts(void)
{
	struct ad_counter *c = new_counter();
	struct ad_error err;

	CHECK(add(c, "apple") == 1);
	CHECK(add(c, "pear") == 1);
	CHECK(add(c, "apple") == 2);
	CHECK(add(c, "apple") == 3);
	CHECK(add(c, "Apple") == 1);           /* bytes, not case-folded */
	CHECK(ad_counter_add(c, "pear", 4, NULL, &err) == AD_OK); /* no count out */
	CHECK(get(c, "apple") == 3);
	CHECK(get(c, "pear") == 2);
	CHECK(get(c, "Apple") == 1);
	CHECK(get(c, "appl") == 0);             /* a prefix is another key */
	CHECK(get(c, "apples") == 0);
	CHECK(ad_counter_size(c) == 3);
	ad_counter_free(c);
}

static void test_empty_key(void)
{
	struct ad_counter *c = new_counter();
	struct ad_error err;
	uint64_t n = 0;

	CHECK(get(c, "") == 0);
	CHECK(add(c, "") == 1);
	CHECK(ad_counter_add(c, NULL, 0, &n, &err) == AD_OK && n == 2);
	CHECK(get(c, "") == 2);
	CHECK(ad_counter_get(c, NULL, 0) == 2);
	CHECK(ad_counter_size(c) == 1);
	CHECK(add(c, "a") == 1);
	CHECK(ad_counter_size(c) == 2);
	ad_counter_free(c);
}

static void test_keys_with_nul_bytes(void)
{
	struct ad_counter *c = new_counter();
	struct ad_error err;
	uint64_t n = 0;

	CHECK(ad_counter_add(c, "a\0b", 3, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "a\0c", 3, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "a", 1, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "a\0", 2, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "\0", 1, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "\0\0", 2, &n, &err) == AD_OK && n == 1);
	CHECK(ad_counter_add(c, "a\0b", 3, &n, &err) == AD_OK && n == 2);
	CHECK(ad_counter_get(c, "a\0b", 3) == 2);
	CHECK(ad_counter_get(c, "a\0c", 3) == 1);
	CHECK(ad_counter_get(c, "a\0d", 3) == 0);
	CHECK(ad_counter_get(c, "\0\0\0", 3) == 0);
	CHECK(ad_counter_size(c) == 6);
	ad_counter_free(c);
}

/* Key i of the big test: varied lengths, binary bytes, some sharing a
 * prefix with others. */
static size_t key_of(uint32_t i, unsigned char *buf)
{
	size_t len = 4 + i % 13;

	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)(i >> (8 * (k % 4))) ^ (unsigned char)k;
	return len;
}

struct visit {
	size_t calls;
	size_t bad;           /* wrong count, unknown key, or seen twice */
	unsigned char *seen;  /* per key index */
	uint32_t nkeys;
};

/* Recovers i from a key made by key_of (its first 4 bytes hold it). */
static void visit_key(void *ctx, const void *key, size_t len, uint64_t count)
{
	struct visit *v = ctx;
	const unsigned char *k = key;
	unsigned char want[32];
	uint32_t i;

	v->calls++;
	if (len < 4) {
		v->bad++;
		return;
	}
	i = (uint32_t)(k[0] ^ 0) | (uint32_t)(k[1] ^ 1) << 8 |
	    (uint32_t)(k[2] ^ 2) << 16 | (uint32_t)(k[3] ^ 3) << 24;
	if (i >= v->nkeys || key_of(i, want) != len ||
	    memcmp(want, key, len) != 0 || v->seen[i] ||
	    count != 1 + i % 3) {
		v->bad++;
		return;
	}
	v->seen[i] = 1;
}

static void test_hundred_thousand_keys(void)
{
	enum { N = 100000 };
	struct ad_counter *c = new_counter();
	struct visit v = { 0, 0, calloc(N, 1), N };
	unsigned char key[32];
	struct ad_error err;
	size_t failed = 0, wrong = 0, unseen = 0;

	if (v.seen == NULL)
		exit(2);
	/* key i is added 1 + i % 3 times, in three passes */
	for (int pass = 0; pass < 3; pass++)
		for (uint32_t i = 0; i < N; i++) {
			size_t len = key_of(i, key);
			uint64_t n = 0;
			if ((uint32_t)pass > i % 3)
				continue;
			if (ad_counter_add(c, key, len, &n, &err) != AD_OK)
				failed++;
			else if (n != (uint64_t)pass + 1)
				wrong++;
		}
	CHECK(failed == 0);
	CHECK(wrong == 0);
	CHECK(ad_counter_size(c) == N);
	for (uint32_t i = 0; i < N; i++) {
		size_t len = key_of(i, key);
		if (ad_counter_get(c, key, len) != 1 + i % 3)
			wrong++;
		key[len] = 0x5a;                   /* one byte longer: absent */
		if (ad_counter_get(c, key, len + 1) != 0)
			wrong++;
	}
	CHECK(wrong == 0);
	ad_counter_each(c, visit_key, &v);
	CHECK(v.calls == N);
	CHECK(v.bad == 0);
	for (uint32_t i = 0; i < N; i++)
		unseen += !v.seen[i];
	CHECK(unseen == 0);
	free(v.seen);
	ad_counter_free(c);
}

static void count_calls(void *ctx, const void *key, size_t len, uint64_t n)
{
	(void)key;
	(void)len;
	(void)n;
	(*(size_t *)ctx)++;
}

static void test_each_on_empty_counter(void)
{
	struct ad_counter *c = new_counter();
	size_t calls = 0;

	ad_counter_each(c, count_calls, &calls);
	CHECK(calls == 0);
	add(c, "");
	ad_counter_each(c, count_calls, &calls);
	CHECK(calls == 1);
	ad_counter_free(c);
}

int main(void)
{
	test_new_counter_is_empty();
	test_counts();
	test_empty_key();
	test_keys_with_nul_bytes();
	test_hundred_thousand_keys();
	test_each_on_empty_counter();
	return CHECK_DONE("test_counter");
}
