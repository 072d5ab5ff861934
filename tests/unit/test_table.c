/*
 * Tests for lib/table: ad_is_name_text, the one rule for column names in
 * every reader (CSV, stream, model, profile): well-formed UTF-8 without NUL
 * or control bytes; overlong forms, surrogates, code points past U+10FFFF
 * and cut sequences are refused. ad_block_copy_row, the row copy of the
 * replay and of ad-features --sort: columns picked by a map or taken in
 * order, numbers bit for bit, text empty or missing, the line with them.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "table.h"

#include "check.h"
#include "failalloc.h"

static int ok(const char *s)
{
	return ad_is_name_text(s, strlen(s));
}

static void test_names(void)
{
	CHECK(ok("cpu"));
	CHECK(ok(""));
	CHECK(ok("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  /* é € 😀 */
	CHECK(ok("\xf4\x8f\xbf\xbf"));                    /* U+10FFFF */
	CHECK(ok("\xed\x9f\xbf"));                        /* U+D7FF */
	CHECK(!ok("a\tb"));
	CHECK(!ok("a\nb"));
	CHECK(!ok("a\x7f"));
	CHECK(!ad_is_name_text("a\0b", 3));
	CHECK(!ok("\xc0\x80"));                           /* overlong NUL */
	CHECK(!ok("\xc1\xbf"));
	CHECK(!ok("\xe0\x80\x80"));
	CHECK(!ok("\xf0\x80\x80\x80"));
	CHECK(!ok("\xed\xa0\x80"));                       /* a surrogate */
	CHECK(!ok("\xf4\x90\x80\x80"));                   /* past U+10FFFF */
	CHECK(!ok("\xf5\x80\x80\x80"));
	CHECK(!ok("\xff"));
	CHECK(!ok("\x80"));
	CHECK(!ok("a\xc3"));                              /* cut */
	CHECK(!ok("\xe2\x82"));
	CHECK(!ad_is_name_text("\xc3\xa9", 1));
}

/* A source block of 2 rows: (x numeric, t text, y numeric). */
static struct ad_block *source(struct ad_error *err)
{
	struct ad_block *b = NULL;

	if (ad_block_new(&b, 3, 2, err) != AD_OK)
		return NULL;
	b->num[0] = -0.0;
	b->num[1] = NAN;
	b->num[2] = 1.5;
	b->num[3] = INFINITY;
	b->num[4] = NAN;
	b->num[5] = -2;
	if (ad_block_set_text(b, 0, 1, "web1", 4, err) != AD_OK ||
	    ad_block_set_text(b, 1, 1, NULL, AD_TEXT_MISSING, err) != AD_OK) {
		ad_block_free(b);
		return NULL;
	}
	b->line[0] = 7;
	b->line[1] = 9;
	b->nrows = 2;
	return b;
}

static void test_copy_row(void)
{
	struct ad_schema *s = NULL;
	struct ad_block *src, *dst = NULL;
	struct ad_error err;
	const size_t map[] = { 2, 1 };   /* (y, t) */
	const char *t;
	size_t len;

	calls = live = 0;
	src = source(&err);
	CHECK(src != NULL);
	CHECK(ad_schema_new(&s, &err) == AD_OK);
	CHECK(ad_schema_add(s, "y", 1, AD_NUMERIC, &err) == AD_OK);
	CHECK(ad_schema_add(s, "t", 1, AD_TEXT, &err) == AD_OK);
	CHECK(ad_block_new(&dst, 2, 3, &err) == AD_OK);
	if (src == NULL || dst == NULL)
		goto out;
	/* row 1 first, into row 0, then row 0 into row 2 */
	CHECK(ad_block_copy_row(s, dst, 0, src, 1, map, &err) == AD_OK);
	CHECK(ad_block_copy_row(s, dst, 2, src, 0, map, &err) == AD_OK);
	CHECK(dst->num[0] == -2);
	CHECK(ad_block_text(dst, 0, 1, &len) == NULL);
	CHECK(dst->line[0] == 9);
	CHECK(dst->num[4] == 1.5);
	t = ad_block_text(dst, 2, 1, &len);
	CHECK(t != NULL && len == 4 && memcmp(t, "web1", 4) == 0);
	CHECK(dst->line[2] == 7);
	/* no map: the same columns; -0 stays -0 */
	ad_schema_free(s);
	s = NULL;
	CHECK(ad_schema_new(&s, &err) == AD_OK);
	CHECK(ad_schema_add(s, "x", 1, AD_NUMERIC, &err) == AD_OK);
	CHECK(ad_schema_add(s, "t", 1, AD_TEXT, &err) == AD_OK);
	CHECK(ad_schema_add(s, "y", 1, AD_NUMERIC, &err) == AD_OK);
	ad_block_free(dst);
	dst = NULL;
	CHECK(ad_block_new(&dst, 3, 1, &err) == AD_OK);
	if (dst == NULL)
		goto out;
	CHECK(ad_block_copy_row(s, dst, 0, src, 0, NULL, &err) == AD_OK);
	CHECK(dst->num[0] == 0 && signbit(dst->num[0]));
	CHECK(dst->num[2] == 1.5);
	t = ad_block_text(dst, 0, 1, &len);
	CHECK(t != NULL && len == 4 && memcmp(t, "web1", 4) == 0);
	/* a new block's text arena cannot be had: AD_ENOMEM */
	ad_block_free(dst);
	dst = NULL;
	CHECK(ad_block_new(&dst, 3, 1, &err) == AD_OK);
	if (dst == NULL)
		goto out;
	fail_at = calls + 1;
	CHECK(ad_block_copy_row(s, dst, 0, src, 0, NULL, &err) == AD_ENOMEM);
	CHECK(err.code == AD_ENOMEM);
	fail_at = 0;
out:
	ad_block_free(dst);
	ad_block_free(src);
	ad_schema_free(s);
	CHECK(live == 0);
}

int main(void)
{
	test_names();
	test_copy_row();
	return CHECK_DONE("test_table");
}
