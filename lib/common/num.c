/*
 * ad_num_format's fast path, and ad_num_is_shortest; the shortest digits of
 * other doubles come from num_format.cc, and parsing is in num_parse.cc.
 *
 * Most values in data are short decimals (12.5, 0.03, 1500):
 * find the smallest k with v * 10^k a whole number m below 10^15 such that
 * m / 10^k == v. Both m and 10^k are exact doubles, so by Clinger the
 * division is the correctly rounded value of the decimal m * 10^-k: that
 * text reads back as v. Decimals of at most 15 significant digits are at
 * least 10^-15 apart relative to their size, wider than any double's
 * rounding interval (2^-52), so only one of them reads back as v; the
 * shortest representation, having no more digits, is that one. So after
 * dropping trailing zeros this is exactly what the shortest algorithm
 * would write. Anything else goes to libdouble-conversion.
 */
#include <math.h>
#include <stdint.h>

#include "num.h"

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18
};

/* Writes the short decimal m * 10^-k (m < 10^15, no trailing zeros when
 * k > 0) with its sign; returns the length. */
static size_t write_decimal(int neg, uint64_t m, int k, char *buf)
{
	char digits[24];
	int nd = 0;
	size_t n = 0;

	do {
		digits[nd++] = (char)('0' + m % 10);
		m /= 10;
	} while (m > 0);
	if (neg)
		buf[n++] = '-';
	if (nd <= k) {
		buf[n++] = '0';
		buf[n++] = '.';
		for (int i = 0; i < k - nd; i++)
			buf[n++] = '0';
		k = nd;
	}
	for (int i = nd - 1; i >= 0; i--) {
		buf[n++] = digits[i];
		if (i == k && k > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}

/*
 * A decimal of at most 15 significant digits is the only one of that many
 * digits or fewer that reads back as its double (see above), so it is the
 * shortest form's digits; ad_num_format lays out |v| in [1e-4, 1e15) as a
 * plain decimal, without trailing zeros or a '+'. "0" is zero's form; "-0"
 * is too, but rare enough to leave to the formatter.
 */
int ad_num_is_shortest(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int sig = 0, lead = 0;

	if (p < end && *p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return 0;
	if (*p == '0') {
		if (++p == end)
			return p - s == 1;          /* "0", not "-0" */
		if (*p != '.')
			return 0;                   /* "01" */
		/* 0.000ddd: at most three zeros, or |v| < 1e-4 */
		while (++p < end && *p == '0')
			lead++;
		if (lead > 3 || p == end)
			return 0;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
			sig++;
		}
		if (p == end)
			return sig <= 15;
		if (*p != '.' || ++p == end)
			return 0;                   /* "12x", "12." */
	}
	for (; p < end; p++, sig++)
		if (*p < '0' || *p > '9')
			return 0;
	return sig <= 15 && end[-1] != '0';
}

size_t ad_num_format(double v, char *buf)
{
	double a = fabs(v);

	if (a >= 1e-4 && a < 1e15) {
		for (int k = 0; k <= 18; k++) {
			double m = a * pow10_exact[k];

			if (m >= 1e15)
				break;
			if (m != floor(m) || m / pow10_exact[k] != a)
				continue;
			uint64_t mi = (uint64_t)m;
			while (k > 0 && mi % 10 == 0) {
				mi /= 10;
				k--;
			}
			return write_decimal(v < 0, mi, k, buf);
		}
	}
	return ad_num_format_slow(v, buf);
}

int ad_num_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}
