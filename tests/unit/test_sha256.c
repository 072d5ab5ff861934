/*
 * Tests for lib/common/sha256: the FIPS 180-2 vectors ("abc", the 448-bit
 * message, one million "a", the empty message) through the SHA instructions
 * (when the processor has them) and through libmd, whole and in split
 * updates; every length up to ten blocks, in pieces, against libmd itself;
 * and allocation failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/types.h>
#include <sha2.h>

#include "sha256.h"

#include "check.h"
#include "failalloc.h"

/* Starts a digest on the SHA instructions (ni) or on libmd. */
static struct ad_sha256 *start(int ni)
{
	struct ad_sha256 *h = NULL;
	struct ad_error err;

	if ((ni ? ad_sha256_new(&h, &err) :
	    ad_sha256_new_portable(&h, &err)) != AD_OK) {
		fprintf(stderr, "ad_sha256_new: %s\n", err.msg);
		exit(2);
	}
	return h;
}

static void to_hex(const unsigned char d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* The digest of msg[0..len) repeated times, fed in updates of piece bytes
 * (0: each repeat in one update), as hex. */
static void digest(int ni, const char *msg, size_t len, size_t repeat,
    size_t piece, char out[65])
{
	struct ad_sha256 *h = start(ni);
	unsigned char d[32];

	for (size_t r = 0; r < repeat; r++) {
		size_t step = piece ? piece : len;
		for (size_t o = 0; o < len; o += step)
			ad_sha256_update(h, msg + o, len - o < step ? len - o : step);
	}
	ad_sha256_final(h, d);
	ad_sha256_free(h);
	to_hex(d, out);
}

static const struct {
	const char *msg;
	size_t repeat;
	const char *want;
} fips[] = {
	{ "abc", 1,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 10000,   /* 100 bytes, 10^4 times */
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	{ "", 1,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
};

static void test_fips_vectors(int ni)
{
	static const size_t pieces[] = { 0, 1, 3, 63, 64, 65 };
	char got[65];

	for (size_t v = 0; v < sizeof fips / sizeof fips[0]; v++)
		for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
			digest(ni, fips[v].msg, strlen(fips[v].msg), fips[v].repeat,
			    pieces[p], got);
			CHECK_STR(got, fips[v].want);
		}
}

/* Every length up to ten blocks, in pieces of several sizes, against
 * libmd called directly. */
static void test_lengths_against_libmd(int ni)
{
	unsigned char buf[700], d1[32], d2[32];
	int bad = 0;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131 + (i >> 3));
	for (size_t n = 0; n <= 640; n++)
		for (size_t piece = 1; piece <= 130; piece += 43) {
			struct ad_sha256 *h = start(ni);
			SHA2_CTX c;

			for (size_t o = 0; o < n; o += piece)
				ad_sha256_update(h, buf + o,
				    n - o < piece ? n - o : piece);
			ad_sha256_final(h, d1);
			ad_sha256_free(h);
			SHA256Init(&c);
			SHA256Update(&c, buf, n);
			SHA256Final(d2, &c);
			bad += memcmp(d1, d2, 32) != 0;
		}
	CHECK(bad == 0);
}

static void test_paths(void)
{
	struct ad_sha256 *h = start(0);

	CHECK(ad_sha256_uses_ni(h) == 0);
	ad_sha256_free(h);
	ad_sha256_free(NULL);
	h = start(1);
	printf("test_sha256: SHA instructions %s\n",
	    ad_sha256_uses_ni(h) ? "used" : "absent: libmd twice");
	ad_sha256_free(h);
}

static void test_out_of_memory(void)
{
	struct ad_sha256 *h = NULL;
	struct ad_error err;

	calls = 0;
	live = 0;
	fail_at = 1;
	CHECK(ad_sha256_new(&h, &err) == AD_ENOMEM && h == NULL);
	CHECK(err.code == AD_ENOMEM);
	fail_at = 0;
	CHECK(live == 0);
}

static void test_hex(void)
{
	static const unsigned char d[] = { 0x00, 0x9f, 0xa0, 0xff };
	char out[9];

	ad_sha256_hex(d, 4, out);
	CHECK_STR(out, "009fa0ff");
	ad_sha256_hex(d, 0, out);
	CHECK_STR(out, "");
}

int main(void)
{
	test_paths();
	test_hex();
	for (int ni = 0; ni <= 1; ni++) {
		test_fips_vectors(ni);
		test_lengths_against_libmd(ni);
	}
	test_out_of_memory();
	return CHECK_DONE("test_sha256");
}
