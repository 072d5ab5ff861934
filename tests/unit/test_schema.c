/*
 * Tests for lib/common/schema: ad_schema_name_ok, the one rule for column
 * names in every reader (CSV, stream, model, profile): well-formed UTF-8
 * without NUL or control bytes; overlong forms, surrogates, code points past
 * U+10FFFF and cut sequences are refused.
 */
#include <string.h>

#include "schema.h"

#include "check.h"

static int ok(const char *s)
{
	return ad_schema_name_ok(s, strlen(s));
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
	CHECK(!ad_schema_name_ok("a\0b", 3));
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
	CHECK(!ad_schema_name_ok("\xc3\xa9", 1));
}

int main(void)
{
	test_names();
	return CHECK_DONE("test_schema");
}
