/*
 * Tests for lib/ad: the error setters keep the location and the message,
 * and ad_file_kind names adkit's three file kinds from their magic and
 * nothing else (a cut magic, another letter, a PNG). ad_error_excerpt
 * keeps 40 bytes, escapes control bytes (and those asked for) and marks a
 * longer value with "...".
 */
#include <errno.h>
#include <string.h>

#include "ad.h"
#include "binfmt.h"
#include "profile.h"

#include "check.h"

static void test_error_at_keeps_location(void)
{
	struct ad_error err;

	CHECK(ad_error_at(&err, AD_EDATA, "x.csv", 3, 2, "bad %d", 7) == AD_EDATA);
	CHECK(err.code == AD_EDATA && err.line == 3 && err.col == 2);
	CHECK_STR(err.file, "x.csv");
	CHECK_STR(err.msg, "bad 7");
	CHECK(ad_error_sys(&err, ENOENT, "y", "open") == AD_EIO);
	CHECK_STR(err.msg, "open: No such file or directory");
	ad_error_clear(&err);
	CHECK(err.code == AD_OK && err.file[0] == '\0');
	CHECK(ad_error_set(NULL, AD_EUSAGE, "ignored") == AD_EUSAGE);
}

static void test_file_kinds(void)
{
	unsigned char m[AD_MAGIC_LEN] = { 0x89, 'A', 'D', 'M', '\r', '\n', 0x1a, '\n' };
	const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	CHECK_STR(ad_file_kind(m, sizeof m), "an adkit model");
	m[3] = 'P';
	CHECK_STR(ad_file_kind(m, sizeof m), "an adkit profile");
	CHECK(ad_profile_is_magic(m, sizeof m));
	m[3] = 'K';
	CHECK_STR(ad_file_kind(m, sizeof m), "an adkit data stream");
	CHECK(ad_binfmt_is_magic(m, sizeof m));
	for (size_t n = 0; n < sizeof m; n++) {
		CHECK(ad_file_kind(m, n) == NULL);
		CHECK(ad_binfmt_is_cut_magic(m, n) == (n > 0));
	}
	m[3] = 'Z';
	CHECK(ad_file_kind(m, sizeof m) == NULL);
	m[3] = 'K';
	m[7] = '\r';
	CHECK(ad_file_kind(m, sizeof m) == NULL);
	CHECK(ad_file_kind(png, sizeof png) == NULL);
	CHECK(!ad_binfmt_is_cut_magic(png, 2));
	CHECK(!ad_binfmt_is_cut_magic((const unsigned char *)"a,b\n", 4));
}

static void test_excerpt(void)
{
	char buf[200], small[10];
	const char *long50 = "0123456789012345678901234567890123456789abcdefghij";

	ad_error_excerpt(buf, sizeof buf, "abc", 3, NULL);
	CHECK_STR(buf, "abc");
	ad_error_excerpt(buf, sizeof buf, "", 0, NULL);
	CHECK_STR(buf, "");
	ad_error_excerpt(buf, sizeof buf, "a\tb\x7f\0c", 6, NULL);
	CHECK_STR(buf, "a\\x09b\\x7f\\x00c");
	ad_error_excerpt(buf, sizeof buf, "say \"hi\" \\", 10, NULL);
	CHECK_STR(buf, "say \"hi\" \\");
	ad_error_excerpt(buf, sizeof buf, "say \"hi\" \\", 10, "\"\\");
	CHECK_STR(buf, "say \\x22hi\\x22 \\x5c");
	ad_error_excerpt(buf, sizeof buf, long50, 40, NULL);
	CHECK_STR(buf, "0123456789012345678901234567890123456789");
	ad_error_excerpt(buf, sizeof buf, long50, 50, NULL);
	CHECK_STR(buf, "0123456789012345678901234567890123456789...");
	/* a small buffer stops while an escape would still fit */
	ad_error_excerpt(small, sizeof small, "abcdef\n", 7, NULL);
	CHECK_STR(small, "abcde");
	CHECK(strlen(small) < sizeof small);
}

int main(void)
{
	test_error_at_keeps_location();
	test_file_kinds();
	test_excerpt();
	return CHECK_DONE("test_ad");
}
