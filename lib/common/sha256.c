/*
 * SHA-256; see sha256.h.
 *
 * libmd's SHA-256 runs at some 140 MB/s here, slower than the CSV reader,
 * so training would wait for the hash. The SHA extensions of x86 (Intel
 * SHA-NI, also on AMD Zen) do the 64 rounds of a block in a few dozen
 * instructions; where the processor has them, blocks go through
 * compress_ni below and padding is done here, as FIPS 180-4 says. Elsewhere
 * libmd does it all. tests/unit/test_sha256.c holds both to the FIPS
 * vectors and to each other on many lengths.
 */
#include <string.h>

#include <sys/types.h>
#include <sha2.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "alloc.h"
#include "sha256.h"

struct ad_sha256 {
	int ni;                  /* the SHA instructions are used */
	SHA2_CTX md;             /* libmd's state, when they are not */
	uint32_t h[8];           /* the chaining value */
	unsigned char buf[64];   /* a partial block */
	size_t buflen;
	uint64_t total;          /* bytes added */
};

#if defined(__x86_64__)

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* Compresses n 64-byte blocks into h with the SHA instructions. The
 * state lives in two registers as the instructions want it: ABEF and CDGH. */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_ni(uint32_t h[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
	    0x0405060700010203LL);
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
	__m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)),
	    0x1B);
	__m128i abef = _mm_alignr_epi8(t, cdgh, 8);

	cdgh = _mm_blend_epi16(cdgh, t, 0xF0);
	for (; n > 0; n--, p += 64) {
		__m128i w[4], save0 = abef, save1 = cdgh, m;

		for (int i = 0; i < 4; i++)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)
			    (p + 16 * i)), bswap);
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			if (i >= 4)   /* the message schedule, four words at once */
				w[i & 3] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(_mm_sha256msg1_epu32(w[i & 3],
				    w[(i + 1) & 3]), _mm_alignr_epi8(w[(i + 3) & 3],
				    w[(i + 2) & 3], 4)), w[(i + 3) & 3]);
			m = _mm_add_epi32(w[i & 3],
			    _mm_loadu_si128((const __m128i *)(sha_k + 4 * i)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			abef = _mm_sha256rnds2_epu32(abef, cdgh,
			    _mm_shuffle_epi32(m, 0x0E));
		}
		abef = _mm_add_epi32(abef, save0);
		cdgh = _mm_add_epi32(cdgh, save1);
	}
	t = _mm_shuffle_epi32(abef, 0x1B);
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xF0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

static int have_sha_ni(void)
{
	unsigned a, b, c, d;

	/* leaf 1: SSSE3 (ECX bit 9), SSE4.1 (bit 19); leaf 7: SHA (EBX 29) */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) ||
	    !(c & (1u << 19)))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}

#else

static void compress_ni(uint32_t h[8], const unsigned char *p, size_t n)
{
	(void)h;
	(void)p;
	(void)n;
}

static int have_sha_ni(void)
{
	return 0;
}

#endif

/* Starts a digest on the SHA instructions if allow_ni and the processor
 * has them, else on libmd. */
static enum ad_status start(struct ad_sha256 **out, int allow_ni,
    struct ad_error *err)
{
	static const uint32_t init[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};
	struct ad_sha256 *h = ad_calloc(1, sizeof *h);

	if (h == NULL)
		return ad_error_nomem(err);
	h->ni = allow_ni && have_sha_ni();
	memcpy(h->h, init, sizeof init);
	if (!h->ni)
		SHA256Init(&h->md);
	*out = h;
	return AD_OK;
}

enum ad_status ad_sha256_new(struct ad_sha256 **h, struct ad_error *err)
{
	return start(h, 1, err);
}

enum ad_status ad_sha256_new_portable(struct ad_sha256 **h,
    struct ad_error *err)
{
	return start(h, 0, err);
}

int ad_sha256_uses_ni(const struct ad_sha256 *h)
{
	return h->ni;
}

void ad_sha256_update(struct ad_sha256 *h, const void *data,
    size_t n)
{
	const unsigned char *p = data;

	if (!h->ni) {
		SHA256Update(&h->md, p, n);
		return;
	}
	h->total += n;
	if (h->buflen > 0) {
		size_t take = 64 - h->buflen < n ? 64 - h->buflen : n;
		memcpy(h->buf + h->buflen, p, take);
		h->buflen += take;
		p += take;
		n -= take;
		if (h->buflen < 64)
			return;
		compress_ni(h->h, h->buf, 1);
		h->buflen = 0;
	}
	compress_ni(h->h, p, n / 64);
	p += n / 64 * 64;
	n %= 64;
	memcpy(h->buf, p, n);
	h->buflen = n;
}

void ad_sha256_final(struct ad_sha256 *h, unsigned char out[32])
{
	uint64_t bits = h->total * 8;

	if (!h->ni) {
		SHA256Final(out, &h->md);
		return;
	}
	/* a 1 bit, zeros, and the length in bits, big-endian, to end a block */
	h->buf[h->buflen++] = 0x80;
	if (h->buflen > 56) {
		memset(h->buf + h->buflen, 0, 64 - h->buflen);
		compress_ni(h->h, h->buf, 1);
		h->buflen = 0;
	}
	memset(h->buf + h->buflen, 0, 56 - h->buflen);
	for (int i = 0; i < 8; i++)
		h->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	compress_ni(h->h, h->buf, 1);
	for (int i = 0; i < 8; i++)
		for (int k = 0; k < 4; k++)
			out[4 * i + k] = (unsigned char)(h->h[i] >> (24 - 8 * k));
}

void ad_sha256_free(struct ad_sha256 *h)
{
	ad_free(h);
}

void ad_sha256_hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}
