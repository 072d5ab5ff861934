/* lib/encode: the category map, tables, top-K choice, one-hot columns,
 * frequencies and column names. */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "counter.h"
#include "encode.h"
#include "hashmap.h"

#include "check.h"

static struct ad_encode_table *table_of(const char *const *cells, size_t n)
{
	struct ad_counter *c;
	struct ad_encode_table *t = NULL;
	struct ad_error err;

	if (ad_counter_new(&c, &err) != AD_OK)
		return NULL;
	for (size_t i = 0; i < n; i++)
		(void)ad_counter_add(c, cells[i], strlen(cells[i]), NULL, &err);
	(void)ad_encode_from_counter(c, &t, &err);
	ad_counter_free(c);
	return t;
}

static void test_top_and_onehot(void)
{
	static const char *const cells[] = { "web2", "db1", "web1", "web2",
	    "other", "other", "other", "db1", "cache1", "web1", "zz" };
	struct ad_encode_table *t = table_of(cells, 11);
	struct ad_error err;
	size_t *chosen = NULL, n = 0, len;
	int unseen;

	CHECK(t != NULL && ad_hashmap_size(t->cats) == 6 && t->total == 11);
	/* byte order: cache1 db1 other web1 web2 zz */
	CHECK(memcmp(ad_hashmap_key(t->cats, 2, &len), "other", 5) == 0);
	CHECK(t->count[2] == 3 && t->count[0] == 1);
	/* three most frequent, "other" excepted; ties to the first in bytes */
	CHECK(ad_encode_top(t, 3, &chosen, &n, &err) == AD_OK && n == 3);
	CHECK(chosen[0] == 1 && chosen[1] == 3 && chosen[2] == 4);
	CHECK(ad_encode_set_onehot(t, chosen, n, &err) == AD_OK && t->ncols == 3);
	CHECK(ad_encode_column(t, "db1", 3, &unseen) == 0 && !unseen);
	CHECK(ad_encode_column(t, "web2", 4, &unseen) == 2 && !unseen);
	CHECK(ad_encode_column(t, "zz", 2, &unseen) == 3 && !unseen);
	CHECK(ad_encode_column(t, "other", 5, &unseen) == 3 && !unseen);
	CHECK(ad_encode_column(t, "new", 3, &unseen) == 3 && unseen);
	ad_free(chosen);
	/* asking for more than there are gives all but "other" */
	CHECK(ad_encode_top(t, 100, &chosen, &n, &err) == AD_OK && n == 5);
	ad_free(chosen);
	CHECK(ad_encode_freq(t, "other", 5, &unseen) == 3.0 / 11 && !unseen);
	CHECK(ad_encode_freq(t, "nope", 4, &unseen) == 0 && unseen);
	ad_encode_free(t);
	ad_encode_free(NULL);
}

static void test_table_from_file_order(void)
{
	struct ad_encode_table *t;
	struct ad_error err;
	size_t chosen[] = { 1 };
	int unseen;

	CHECK(ad_encode_new(&t, &err) == AD_OK);
	CHECK(ad_encode_add(t, "b", 1, 5, &err) == AD_OK);
	CHECK(ad_encode_add(t, "a", 1, 2, &err) == AD_OK);
	CHECK(ad_encode_add(t, "a", 1, 2, &err) == AD_EDATA);
	CHECK(ad_encode_add(t, "c", 1, 0, &err) == AD_EDATA);
	CHECK(ad_encode_add(t, "d", 1, UINT64_MAX, &err) == AD_EDATA);
	CHECK(t->total == 7);
	/* no one-hot columns yet: everything is other */
	CHECK(ad_encode_column(t, "b", 1, &unseen) == 0 && !unseen);
	CHECK(ad_encode_set_onehot(t, chosen, 1, &err) == AD_OK);
	CHECK(ad_encode_column(t, "a", 1, &unseen) == 0);
	CHECK(ad_encode_column(t, "b", 1, &unseen) == 1);
	ad_encode_free(t);
}

static void test_names(void)
{
	struct ad_error err;
	char *name = NULL;

	CHECK(ad_encode_name("host", "web1", 4, &name, &err) == AD_OK);
	CHECK_STR(name, "host=web1");
	ad_free(name);
	CHECK(ad_encode_name("c", "", 0, &name, &err) == AD_OK);
	CHECK_STR(name, "c=");
	ad_free(name);
	CHECK(ad_encode_name("c", "caf\xc3\xa9 \xe2\x82\xac", 9, &name,
	    &err) == AD_OK);
	CHECK_STR(name, "c=caf\xc3\xa9 \xe2\x82\xac");
	ad_free(name);
	/* control bytes, stray or overlong UTF-8, surrogates, backslashes */
	CHECK(ad_encode_name("c", "a\nb\x7f\xff\xc0\xaf\xed\xa0\x80\\", 11,
	    &name, &err) == AD_OK);
	CHECK_STR(name, "c=a\\x0ab\\x7f\\xff\\xc0\\xaf\\xed\\xa0\\x80\\\\");
	ad_free(name);
	CHECK(ad_encode_name("c", "\xf0\x9f\x98\x80\xf4\x90\x80\x80", 8, &name,
	    &err) == AD_OK);
	CHECK_STR(name, "c=\xf0\x9f\x98\x80\\xf4\\x90\\x80\\x80");
	ad_free(name);
	CHECK(ad_encode_name("c", "\xe2\x82", 2, &name, &err) == AD_OK);
	CHECK_STR(name, "c=\\xe2\\x82");
	ad_free(name);
}

int main(void)
{
	test_top_and_onehot();
	test_table_from_file_order();
	test_names();
	return CHECK_DONE("test_encode");
}
