/*
 * Tests for lib/num: ad_num_parse must give strtod's bits (glibc's strtod
 * rounds correctly) for everything in the grammar and reject the rest;
 * ad_num_format must be shortest and read back exactly; ad_num_cmp sorts
 * ascending for qsort.
 *
 * Halfway points between doubles are the hard inputs for a parser, so a
 * small base-10^9 bignum below writes them out exactly.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

#include "bits.h"
#include "check.h"

/* splitmix64: deterministic, so a failure can be replayed. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

/* ad_num_parse on a C string. */
static enum ad_num_result parse(const char *s, double *out)
{
	return ad_num_parse(s, strlen(s), out);
}

/* True if s parses OK to exactly the bits of want. */
static int parses_to(const char *s, double want)
{
	double v;
	return parse(s, &v) == AD_NUM_OK && bits_of(v) == bits_of(want);
}

/* True if s is rejected and *out left alone. */
static int rejects(const char *s, size_t len)
{
	double v = 42.0;
	return ad_num_parse(s, len, &v) == AD_NUM_INVALID && v == 42.0;
}

/* True if ad_num_parse agrees with strtod on s (which is in the grammar):
 * the same bits, or AD_NUM_RANGE where strtod overflows. */
static int agrees_with_strtod(const char *s)
{
	double v, ref = strtod(s, NULL);
	enum ad_num_result r = parse(s, &v);
	if (isinf(ref))
		return r == AD_NUM_RANGE;
	return r == AD_NUM_OK && bits_of(v) == bits_of(ref);
}

/* Writes m * 2^e2 (m < 2^54, -1076 < e2 < 972) exactly as "DIGITS" or
 * "DIGITSe-K" into buf; returns the length. */
static size_t exact_decimal(uint64_t m, int e2, char *buf, size_t size)
{
	uint32_t limb[128]; /* base 10^9, least significant first */
	size_t n = 0, len = 0;
	int k = e2 < 0 ? -e2 : 0;

	do {
		limb[n++] = (uint32_t)(m % 1000000000);
		m /= 1000000000;
	} while (m);
	/* m * 2^e2 = m * 5^k / 10^k for e2 = -k, so multiply by 5 or by 2. */
	for (int left = e2 < 0 ? -e2 : e2; left > 0;) {
		int step = left < 12 ? left : 12;
		uint64_t mul = 1, carry = 0;
		for (int i = 0; i < step; i++)
			mul *= e2 < 0 ? 5 : 2;
		for (size_t i = 0; i < n; i++) {
			uint64_t x = limb[i] * mul + carry;
			limb[i] = (uint32_t)(x % 1000000000);
			carry = x / 1000000000;
		}
		if (carry)
			limb[n++] = (uint32_t)carry;
		left -= step;
	}
	len = (size_t)snprintf(buf, size, "%u", (unsigned)limb[n - 1]);
	for (size_t i = n - 1; i-- > 0;)
		len += (size_t)snprintf(buf + len, size - len, "%09u",
		    (unsigned)limb[i]);
	if (k)
		len += (size_t)snprintf(buf + len, size - len, "e-%d", k);
	return len;
}

/* Significant digits in a formatted number: leading and trailing zeros of
 * the mantissa do not count ("100" has one, "0.0012" two). */
static int sig_digits(const char *s)
{
	char d[AD_NUM_MAXLEN];
	int n = 0, first = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
	while (first < n && d[first] == '0')
		first++;
	while (n > first && d[n - 1] == '0')
		n--;
	return n > first ? n - first : 1;
}

static void test_basic(void)
{
	double v;

	CHECK(parses_to("0", 0.0));
	CHECK(parses_to("-0", -0.0));
	CHECK(parses_to("+0", 0.0));
	CHECK(parses_to("-0.000e-999999999", -0.0));
	CHECK(parses_to("0e999999999999999999999999", 0.0));
	CHECK(parses_to("1", 1.0));
	CHECK(parses_to("+5", 5.0));
	CHECK(parses_to(".5", 0.5));
	CHECK(parses_to("5.", 5.0));
	CHECK(parses_to("-5.e-1", -0.5));
	CHECK(parses_to("1E5", 1e5));
	CHECK(parses_to("1e+5", 1e5));
	CHECK(parses_to("12.345678", 12.345678));
	CHECK(parses_to("-0.00123", -0.00123));
	CHECK(parses_to("0.1", 0.1));
	CHECK(parses_to("000000000000000000000000000001.5", 1.5));
	CHECK(parses_to("1.50000000000000000000000000000000", 1.5));
	CHECK(parses_to("123456789012345678901234567890", 1.2345678901234568e29));
	CHECK(parses_to(" \t1.5\t ", 1.5));
	CHECK(parses_to("  -2", -2.0));
	CHECK(parses_to("3  ", 3.0));

	/* Extremes. */
	CHECK(parses_to("1e308", 1e308));
	CHECK(parses_to("1.7976931348623157e308", DBL_MAX));
	CHECK(parses_to("1.7976931348623158e308", DBL_MAX));
	CHECK(parses_to("2.2250738585072014e-308", DBL_MIN));
	CHECK(parses_to("4.9e-324", from_bits(1)));
	CHECK(parses_to("5e-324", from_bits(1)));
	CHECK(parses_to("-4.9406564584124654e-324", -from_bits(1)));
	CHECK(parses_to("2.4703282292062328e-324", from_bits(1)));
	CHECK(parses_to("2.4703282292062327e-324", 0.0));
	CHECK(parses_to("1e-323", from_bits(2)));
	CHECK(parses_to("2.225073858507201e-308", from_bits(0x000fffffffffffff)));
	CHECK(parses_to("1e-400", 0.0));
	CHECK(parses_to("-1e-400", -0.0));
	CHECK(parses_to("1e-99999999999999999999999999", 0.0));

	/* Ties round to even. */
	CHECK(parses_to("9007199254740993", 9007199254740992.0));
	CHECK(parses_to("9007199254740995", 9007199254740996.0));
	CHECK(parses_to("9007199254740993.0000000000000000001",
	    9007199254740994.0));
	CHECK(parses_to("9007199254740992.9999999999999999999",
	    9007199254740992.0));
	CHECK(parses_to("2.2250738585072011e-308", from_bits(0x000fffffffffffff)));
	CHECK(parses_to("2.2250738585072012e-308", DBL_MIN));
	/* Exact, but past Clinger's 2^53: just above a truncated 5^q. */
	CHECK(parses_to("2987754594497838.5", 2987754594497838.5));
	CHECK(parses_to("-557501175056636.75", -557501175056636.75));
	CHECK(parses_to("0.500000000000000166533453693773481063544750213623046875",
	    from_bits(0x3fe0000000000002)));

	/* Out of range. */
	v = 42.0;
	CHECK(parse("1e999", &v) == AD_NUM_RANGE && v == 42.0);
	CHECK(parse("-1e999", &v) == AD_NUM_RANGE);
	CHECK(parse("1.7976931348623159e308", &v) == AD_NUM_RANGE);
	CHECK(parse("1e99999999999999999999999", &v) == AD_NUM_RANGE);
	CHECK(parse("179769313486231580793728971405303415079934132710037826936"
	    "173778980444968292764750946649017977587207096330286416692887910946"
	    "555547851940402630657488671505820681908902000708383676273854845817"
	    "711531764475730270069855571366959622842914819860834936475292719074"
	    "168444365510704342711559699508093042880177904174497792", &v) ==
	    AD_NUM_RANGE); /* halfway from DBL_MAX to 2^1024: even is 2^1024 */
	CHECK(parses_to("179769313486231580793728971405303415079934132710037826936"
	    "173778980444968292764750946649017977587207096330286416692887910946"
	    "555547851940402630657488671505820681908902000708383676273854845817"
	    "711531764475730270069855571366959622842914819860834936475292719074"
	    "168444365510704342711559699508093042880177904174497791", DBL_MAX));

	/* Infinity and NaN. */
	CHECK(parses_to("inf", INFINITY));
	CHECK(parses_to("INF", INFINITY));
	CHECK(parses_to("+Inf", INFINITY));
	CHECK(parses_to("-inf", -INFINITY));
	CHECK(parses_to("infinity", INFINITY));
	CHECK(parses_to("-Infinity", -INFINITY));
	CHECK(parses_to(" INFINITY ", INFINITY));
	CHECK(parse("nan", &v) == AD_NUM_OK && isnan(v));
	CHECK(parse("NaN", &v) == AD_NUM_OK && isnan(v));
	CHECK(parse("-NAN", &v) == AD_NUM_OK && isnan(v));
	CHECK(parse("\tnan\t", &v) == AD_NUM_OK && isnan(v));
}

static void test_invalid(void)
{
	static const char *bad[] = {
		"", " ", "\t", "+", "-", ".", "-.", "+.e1", ".e1", "e5", "E5",
		"1e", "1e+", "1e-", "1E", "1.2.3", "1,000", "1,5", "0x10", "0X1p3",
		"--5", "+-1", "-+1", "++1", "1 2", "1 .5", "- 5", "1e 5", "1 e5",
		"1e5 5", "1e5.5", "1e--5", "\n1", "1\n", "1\r", "\v1", "1f", "1d",
		"5%", "$5", "1_000", "one", "in", "infin", "infinit", "infinityy",
		"inf inity", "- inf", "-+inf", "na", "nana", "nan(1)", "nan()",
		"\xef\xbc\x91", "\xff", "1\xff"
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (!rejects(bad[i], strlen(bad[i])))
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
		CHECK(rejects(bad[i], strlen(bad[i])));
	}
	/* Embedded NULs, and text only up to len counts. */
	CHECK(rejects("1\0", 2));
	CHECK(rejects("\0" "1", 2));
	CHECK(rejects("1\0" "5", 3));
	CHECK(rejects("1e5", 2));
	double v;
	CHECK(ad_num_parse("1.5x", 3, &v) == AD_NUM_OK && v == 1.5);
}

/* Text far longer than any buffer: the parser must neither recurse nor
 * copy it whole, and digits past the first few hundred still decide ties. */
static void test_huge(void)
{
	enum { N = 1 << 20 };
	char *s = malloc(N + 64);
	double v;

	if (!s) {
		CHECK(!"out of memory");
		return;
	}
	/* A tie, then a 1 a megabyte later: rounds up, not to even. */
	memcpy(s, "9007199254740993", 16);
	memset(s + 16, '0', N);
	snprintf(s + 16 + N, 48, "1e-%d", N + 1);
	CHECK(parses_to(s, 9007199254740994.0));
	snprintf(s + 16 + N, 48, "1");
	CHECK(parse(s, &v) == AD_NUM_RANGE);
	memcpy(s, "9007199254740993.", 17);
	memset(s + 17, '0', N);
	snprintf(s + 17 + N, 48, "1");
	CHECK(parses_to(s, 9007199254740994.0));
	s[17 + N] = '\0';
	CHECK(parses_to(s, 9007199254740992.0));

	/* Zeros after the point shift the exponent by a million. */
	memcpy(s, "0.", 2);
	memset(s + 2, '0', N);
	snprintf(s + 2 + N, 48, "15e%d", N);
	CHECK(parses_to(s, 0.15));
	snprintf(s + 2 + N, 48, "15");
	CHECK(parses_to(s, 0.0));

	/* A megabyte of pseudo-random digits, against strtod. */
	uint64_t st = 7;
	memcpy(s, "0.", 2);
	for (size_t i = 2; i < N; i++)
		s[i] = (char)('0' + next_rand(&st) % 10);
	s[N] = '\0';
	CHECK(agrees_with_strtod(s));
	s[0] = '1';
	s[1] = '.';
	CHECK(agrees_with_strtod(s));
	snprintf(s + N, 48, "e-500");
	CHECK(agrees_with_strtod(s));
	free(s);
}

/* Halfway points between neighbouring doubles, written out exactly, and
 * texts a hair above and below them. */
static void test_halfway(void)
{
	char buf[1024];
	uint64_t st = 42;

	for (int i = 0; i < 3000; i++) {
		uint64_t b = next_rand(&st) >> 1;
		if (i < 100)
			b = (uint64_t)i; /* the smallest subnormals */
		else if (i < 200)
			b = 0x7fefffffffffffff - (uint64_t)(i - 100); /* the largest */
		else if (i % 3 == 0)
			b &= 0x800fffffffffffff; /* subnormals */
		if ((b >> 52) >= 0x7ff)
			continue;
		double lo = from_bits(b), hi = from_bits(b + 1);
		double even = (b & 1) ? hi : lo;
		/* lo = m * 2^e exactly; the halfway point is (2m + 1) * 2^(e-1). */
		int be = (int)(b >> 52);
		uint64_t m = b & 0x000fffffffffffff;
		if (be)
			m |= (uint64_t)1 << 52;
		int e = (be ? be : 1) - 1075;
		size_t len = exact_decimal(2 * m + 1, e - 1, buf, sizeof buf);
		double v;
		enum ad_num_result r = parse(buf, &v);
		if (isinf(even))
			CHECK(r == AD_NUM_RANGE);
		else
			CHECK(r == AD_NUM_OK && bits_of(v) == bits_of(even));

		/* Nudge the text up by appending 0001 to the digits, and down
		 * by subtracting one from them before appending 9999. */
		const char *x = strchr(buf, 'e');
		size_t nd = x ? (size_t)(x - buf) : len;
		int exp = (x ? atoi(x + 1) : 0) - 4;
		snprintf(buf + nd, sizeof buf - nd, "0001e%d", exp);
		r = parse(buf, &v);
		if (isinf(hi))
			CHECK(r == AD_NUM_RANGE);
		else
			CHECK(r == AD_NUM_OK && bits_of(v) == bits_of(hi));
		size_t j = nd;
		while (buf[--j] == '0')
			buf[j] = '9';
		buf[j]--;
		memcpy(buf + nd, "9999", 4);
		r = parse(buf, &v);
		CHECK(r == AD_NUM_OK && bits_of(v) == bits_of(lo));
	}
}

/* Random texts of the kinds found in CSV files and worse, against strtod. */
static void test_vs_strtod(void)
{
	char buf[128];
	uint64_t st = 1;
	int bad = 0;

	for (int i = 0; i < 300000; i++) {
		uint64_t r = next_rand(&st);
		double d = from_bits(next_rand(&st));
		switch (i % 5) {
		case 0: /* a random double at full precision */
			if (isnan(d))
				continue;
			snprintf(buf, sizeof buf, "%.17g", d);
			break;
		case 1: /* at CSV precision */
			if (isnan(d))
				continue;
			snprintf(buf, sizeof buf, "%.6g", d);
			break;
		case 2: /* a short decimal of moderate size */
			snprintf(buf, sizeof buf, "%s%llu.%0*llu",
			    r & 1 ? "-" : "", (unsigned long long)(r >> 40),
			    (int)(r >> 1 & 7) + 1,
			    (unsigned long long)((r >> 4) % 100000000));
			break;
		default: { /* up to 40 random digits with an exponent */
			int nd = 1 + (int)(r % 40), dot = (int)((r >> 8) % (nd + 1));
			int exp = (int)((r >> 16) % 700) - 360;
			char *p = buf;
			for (int j = 0; j < nd; j++) {
				if (j == dot)
					*p++ = '.';
				*p++ = (char)('0' + next_rand(&st) % 10);
			}
			snprintf(p, sizeof buf - (size_t)(p - buf), "e%d", exp);
			break;
		}
		}
		if (!agrees_with_strtod(buf) && bad++ < 10)
			fprintf(stderr, "strtod disagrees on \"%s\"\n", buf);
	}
	CHECK(bad == 0);
}

static void test_format(void)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{0.0, "0"}, {-0.0, "-0"}, {1.5, "1.5"}, {100.0, "100"},
		{0.1, "0.1"}, {-2.0, "-2"}, {1e16, "1e+16"}, {1.5e16, "1.5e+16"},
		{1e15, "1000000000000000"}, {123456789012345.67, "123456789012345.67"},
		{1e-5, "1e-05"}, {1.5e-5, "1.5e-05"}, {0.0001, "0.0001"},
		{-2.5e-7, "-2.5e-07"}, {1e100, "1e+100"}, {5e-324, "5e-324"},
		{DBL_MAX, "1.7976931348623157e+308"},
		{-DBL_MAX, "-1.7976931348623157e+308"},
		{DBL_MIN, "2.2250738585072014e-308"},
		{-0.00012345678901234567, "-0.00012345678901234567"},
		{INFINITY, "inf"}, {-INFINITY, "-inf"}, {NAN, "nan"},
	};
	char buf[AD_NUM_MAXLEN];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		size_t n = ad_num_format(cases[i].v, buf);
		CHECK_STR(buf, cases[i].s);
		CHECK(n == strlen(buf));
	}
}

/* Whether %.Ng of v reads back as v. */
static int reads_back(double v, int n)
{
	char g[320];   /* room for any %.Ng the compiler can imagine */

	snprintf(g, sizeof g, "%.*g", n, v);
	return bits_of(strtod(g, NULL)) == bits_of(v);
}

/* The fewest digits %.Ng needs for v to read back (at most 17). */
static int fewest_digits(double v)
{
	int p = 1;

	while (p < 17 && !reads_back(v, p))
		p++;
	return p;
}

/* Random bit patterns: the text reads back exactly (with ad_num_parse and
 * strtod), and has as few significant digits as the shortest %.Ng that
 * round-trips. */
static void test_roundtrip(void)
{
	char buf[AD_NUM_MAXLEN];
	uint64_t st = 12345;
	int bad = 0, shorter = 0;

	for (int i = 0; i < 300000; i++) {
		uint64_t b = next_rand(&st);
		if (i % 4 == 0)
			b &= 0x800fffffffffffff; /* subnormals too */
		double v = from_bits(b), back;
		if (isnan(v))
			continue;
		size_t n = ad_num_format(v, buf);
		if (n >= AD_NUM_MAXLEN || n != strlen(buf) ||
		    ad_num_parse(buf, n, &back) != AD_NUM_OK ||
		    bits_of(back) != b || bits_of(strtod(buf, NULL)) != b) {
			if (bad++ < 10)
				fprintf(stderr, "round trip: %016llx -> \"%s\"\n",
				    (unsigned long long)b, buf);
			continue;
		}
		/* %.Ng rounds to nearest, while a shortest search may take
		 * any N-digit number that reads back; only where the gap below
		 * is half the gap above (a power of two) can that be shorter. */
		/* If N digits read back, so do N + 1 (%.Ng's text is an
		 * (N+1)-digit candidate too, and %.(N+1)g is the nearest), so
		 * mine is the fewest when it reads back and one fewer does
		 * not: two tries instead of a search from 1 */
		int mine = sig_digits(buf), p = mine;
		if (!reads_back(v, mine) || (mine > 1 && reads_back(v, mine - 1)))
			p = fewest_digits(v);
		if (mine > p || (mine < p && (b & 0x000fffffffffffff) != 0)) {
			if (bad++ < 10)
				fprintf(stderr, "not shortest: \"%s\" vs %%.%dg\n",
				    buf, p);
		}
		shorter += mine < p;
	}
	CHECK(bad == 0);
	/* Powers of two are about 1 in 2^52 of random patterns. */
	CHECK(shorter == 0);
}

/* The fast path for short decimals must write exactly what the shortest
 * algorithm writes: on short decimals of every length and scale, on the
 * edges of its range, and on random bit patterns. */
static void test_format_fast_path(void)
{
	static const double edges[] = {
		1e-4, 9.999999999999999e-5, 0.00010000000000000002, 1e15,
		999999999999999, 999999999999999.9, 1e15 - 0.125, 0.1, 0.2, 0.3,
		1.0 / 3, 2.0 / 3, 100, 1e14, 123456789012345, 12345678901234.5,
		4503599627370496.0, 0.5, 1.5e-4, 7.0e-4,
	};
	uint64_t state = 7;
	int mismatches = 0;

	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		for (int sign = 0; sign < 2; sign++) {
			double v = sign ? -edges[i] : edges[i];
			char fast[AD_NUM_MAXLEN], slow[AD_NUM_MAXLEN];
			ad_num_format(v, fast);
			ad_num_format_slow(v, slow);
			CHECK_STR(fast, slow);
		}
	for (int i = 0; i < 2000000; i++) {
		char text[64], fast[AD_NUM_MAXLEN], slow[AD_NUM_MAXLEN];
		uint64_t r = next_rand(&state);
		double v;

		if (i % 4 == 3) {
			memcpy(&v, &r, sizeof v);
			if (!isfinite(v))
				continue;
		} else {
			/* m digits and a decimal exponent typical of exported data */
			int digits = 1 + (int)(r % 17), scale = (int)((r >> 8) % 24);
			uint64_t m = next_rand(&state) % 100000000000000000ull;
			snprintf(text, sizeof text, "%llue-%d", (unsigned long long)(m %
			    (uint64_t)pow(10, digits)), scale);
			if (ad_num_parse(text, strlen(text), &v) != AD_NUM_OK)
				continue;
		}
		ad_num_format(v, fast);
		ad_num_format_slow(v, slow);
		if (strcmp(fast, slow) != 0 && mismatches++ < 5)
			fprintf(stderr, "format %.17g: fast \"%s\", slow \"%s\"\n",
			    v, fast, slow);
	}
	CHECK(mismatches == 0);
}

/* ad_num_is_shortest may say yes only to text ad_num_format writes back
 * unchanged, and should say yes to the plain decimals of exported data. */
static void test_is_shortest(void)
{
	static const char *const yes[] = {
		"0", "1", "-1", "12.5", "0.5", "-0.25", "0.0001", "-0.00012",
		"999999999999999", "123456789.012345", "0.123456789012345",
		"3346", "-3.400716", "422486.68", "100.5",
	};
	static const char *const no[] = {
		"", "-", "-0", "0.0", "00", "01", "1.", ".5", "1.50", "+1", " 1",
		"1 ", "1e3", "0.00001", "1000000000000000", "1234567890123456",
		"0.1234567890123456", "12.3456789012345678", "1.5e-05", "nan",
		"inf", "1,5", "--1", "0x10", "1.2.3",
	};
	uint64_t state = 11;
	int wrong = 0, accepted = 0;

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		CHECK(ad_num_is_shortest(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		CHECK(!ad_num_is_shortest(no[i], strlen(no[i])));
	/* random strings over the characters of decimals */
	for (int i = 0; i < 1000000; i++) {
		static const char alpha[] = "0000123456789..-";
		char text[24], out[AD_NUM_MAXLEN];
		size_t len = 1 + next_rand(&state) % 20;
		double v;

		for (size_t k = 0; k < len; k++)
			text[k] = alpha[next_rand(&state) % (sizeof alpha - 1)];
		text[len] = '\0';
		if (!ad_num_is_shortest(text, len))
			continue;
		accepted++;
		if ((ad_num_parse(text, len, &v) != AD_NUM_OK ||
		    ad_num_format(v, out) != len || memcmp(out, text, len) != 0) &&
		    wrong++ < 5)
			fprintf(stderr, "is_shortest(\"%s\") but formats as "
			    "\"%s\"\n", text, out);
	}
	CHECK(wrong == 0);
	CHECK(accepted > 1000);
}

static void test_cmp(void)
{
	double v[] = { 3, -INFINITY, 0.5, -2, INFINITY, 0.5, -0.0, 1e-300 };
	double one = 1, two = 2;

	CHECK(ad_num_cmp(&one, &two) < 0);
	CHECK(ad_num_cmp(&two, &one) > 0);
	CHECK(ad_num_cmp(&one, &one) == 0);
	qsort(v, sizeof v / sizeof v[0], sizeof v[0], ad_num_cmp);
	for (size_t i = 1; i < sizeof v / sizeof v[0]; i++)
		CHECK(v[i - 1] <= v[i]);
	CHECK(v[0] == -INFINITY && v[7] == INFINITY);
}

int main(void)
{
	test_basic();
	test_cmp();
	test_invalid();
	test_huge();
	test_halfway();
	test_vs_strtod();
	test_format();
	test_roundtrip();
	test_format_fast_path();
	test_is_shortest();
	return CHECK_DONE("test_num");
}
