/*
 * Exact decimal-to-double parsing, fast enough to beat pandas on big CSVs.
 *
 * Text is first checked against the grammar in num.h and reduced to a sign,
 * a decimal significand w of at most 19 digits and a power of ten q. Then:
 *
 *  1. Clinger's fast path: when w <= 2^53 and |q| <= 22, both w and 10^|q|
 *     are exact doubles, so one IEEE multiply or divide rounds correctly.
 *  2. Eisel-Lemire (D. Lemire, "Number Parsing at a Gigabyte per Second",
 *     Software: Practice and Experience 51(8), 2021): multiply w by a 128-bit
 *     truncated 5^q from num_pow5.h and round; when the truncation error
 *     could change the rounding, it says so instead of guessing.
 *  3. strtod for those rare cases, and for significands longer than 19
 *     digits whose truncation matters. Its input is rewritten as
 *     "DIGITSe[-]EXP": no decimal point, so the locale does not matter, and
 *     at most MAXSIG digits, so no heap buffer (and no failure to report)
 *     however long the text.
 *
 * The common case (a few digits, small exponent) costs one pass over the
 * text and one floating-point operation.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "num_pow5.h"

/* A decimal number, reduced to w * 10^q, and where its digits are. */
struct decimal {
	uint64_t w;         /* first (at most 19) significant digits */
	int64_t q;          /* power of ten applying to w */
	int neg;            /* a '-' sign was given */
	int truncated;      /* nonzero digits were dropped from w */
	const char *digits; /* first digit (or '.') of the significand text */
	const char *dend;   /* end of the significand text (before 'e') */
	int64_t exp;        /* the explicit exponent, saturated */
	int64_t nfrac;      /* digits after the '.' */
};

/* Halfway points between doubles have at most 768 significant digits, so
 * digits past this many only matter as "something nonzero follows". */
#define MAXSIG 800

/* An exponent past this is certainly out of range for any text that fits in
 * memory; saturating there keeps the int64 arithmetic on q from overflowing. */
#define EXP_SAT ((int64_t)1 << 58)

static int is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Matches the ASCII letters in word (lower case) ignoring case. */
static int match_word(const char *s, size_t len, const char *word)
{
	if (len != strlen(word))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) != word[i])
			return 0;
	return 1;
}

/* 64x64 -> 128-bit multiply; *hi gets the high word, the low is returned. */
static uint64_t mul128(uint64_t a, uint64_t b, uint64_t *hi)
{
#ifdef __SIZEOF_INT128__
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;
	*hi = (uint64_t)(p >> 64);
	return (uint64_t)p;
#else
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return (mid << 32) | (uint32_t)ll;
#endif
}

/* Leading zero bits of a nonzero x. */
static int clz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return __builtin_clzll(x);
#else
	int n = 0;
	while (!(x >> 63)) {
		x <<= 1;
		n++;
	}
	return n;
#endif
}

/* floor(q * log2(10)) for q in the table's range, where gen-pow5.py checks
 * it. The bias keeps the shifted value non-negative, because a right shift
 * of a negative number is implementation-defined in C. */
static int floor_log2_pow10(int q)
{
	return (int)((((int64_t)q + 32768) * 217706) >> 16) - 108853;
}

/*
 * Eisel-Lemire: the double nearest w * 10^q, for w != 0 and q within the
 * table. Returns 1 and sets *bits (the IEEE encoding, possibly infinity), or
 * 0 when the 128-bit truncation of 5^q leaves the rounding undecided.
 *
 * With w normalized (top bit set) and T = floor(5^q * 2^s), the exact
 * product P = w * 5^q * 2^s lies in [X, X + w) where X = w * T is computed
 * exactly in 192 bits (hi:mid:lo); P == X when T is exact (0 <= q <= 55).
 * Otherwise P > X, and the error reaches hi only through a carry out of lo
 * and mid, which needs mid == ~0 and lo + w to overflow. Without that
 * carry, P agrees with X from the rounding bit up and, being above X, has
 * nonzero bits below it. With a possible carry and ones in hi below the
 * rounding bit too, let K be the bits above the rounding bit. If that bit
 * is set, P rounds to K + 1 either way: above halfway without the carry,
 * just past K + 1 with it. Only if it is clear is the answer undecided (K
 * without the carry, K + 1 or a tie with it). Exactly representable
 * decimals such as 2987754594497838.5 fall in the first case, so strtod is
 * left with true ties and near-ties.
 */
static int eisel_lemire(uint64_t w, int q, uint64_t *bits)
{
	static const uint64_t pow5[][2] = AD_POW5_TABLE;
	const uint64_t *t = pow5[q - AD_POW5_QMIN];
	int l = clz64(w);
	w <<= l;

	uint64_t hi, mid, lo, carry;
	mid = mul128(w, t[0], &hi);
	lo = mul128(w, t[1], &carry);
	mid += carry;
	hi += mid < carry;

	/* P is in [2^190, 2^192): top says which half, i.e. its binary exponent
	 * is 190 + top; converted to the value's own exponent and biased: */
	int top = (int)(hi >> 63);
	int be = 63 + top - l + floor_log2_pow10(q) + 1023;

	/* Bits of hi below the 53 kept ones: 10 + top for a normal result,
	 * more for a subnormal one. Fewer than half the smallest subnormal
	 * rounds to zero whatever the error. */
	int drop = 10 + top + (be < 1 ? 1 - be : 0);
	if (drop > 64) {
		*bits = 0;
		return 1;
	}
	uint64_t below = ((uint64_t)1 << (drop - 1)) - 1; /* under round bit */
	uint64_t m = drop == 64 ? 0 : hi >> drop;
	int round = (int)(hi >> (drop - 1)) & 1;
	int exact = q >= 0 && q <= 55;
	if (!exact && !round && (hi & below) == below && mid == UINT64_MAX &&
	    lo > UINT64_MAX - w)
		return 0;
	int sticky = !exact || (hi & below) || mid || lo;
	if (round && (sticky || (m & 1)))
		m++;

	/* m holds the hidden bit, so adding it to (be - 1) << 52 also carries a
	 * rounding overflow (m == 2^53) into the exponent; subnormals use be 1
	 * so that m == 2^52 becomes the smallest normal. */
	if (be < 1)
		be = 1;
	if (be >= 2047) {
		*bits = (uint64_t)0x7ff << 52; /* infinity */
		return 1;
	}
	*bits = ((uint64_t)(be - 1) << 52) + m; /* infinity at most */
	return 1;
}

/*
 * |value| by strtod of the significand text between d->digits and
 * d->dend, rewritten without a decimal point and cut to MAXSIG digits plus a
 * sticky '1' when nonzero digits follow. The cut cannot move the value past
 * a halfway point, as those have fewer significant digits than MAXSIG.
 */
static double slow_path(const struct decimal *d)
{
	char buf[MAXSIG + 1 + 2 + 20 + 1]; /* digits, sticky, "e-", exponent */
	char *b = buf;
	int64_t nsig = 0, ndropped = 0;
	int nonzero_dropped = 0;

	for (const char *p = d->digits; p < d->dend; p++) {
		if (*p == '.' || (nsig == 0 && *p == '0'))
			continue;
		if (nsig < MAXSIG) {
			*b++ = *p;
			nsig++;
		} else {
			ndropped++;
			nonzero_dropped |= *p != '0';
		}
	}
	int64_t e = d->exp - d->nfrac + ndropped;
	if (nonzero_dropped) {
		*b++ = '1';
		e--;
	}
	*b++ = 'e';
	if (e < 0)
		*b++ = '-';
	uint64_t ue = e < 0 ? -(uint64_t)e : (uint64_t)e;
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + ue % 10);
		ue /= 10;
	} while (ue);
	while (n)
		*b++ = tmp[--n];
	*b = '\0';

	/* errno is restored: ERANGE on underflow is no error to our callers. */
	int saved = errno;
	double v = strtod(buf, NULL);
	errno = saved;
	return v;
}

/* Checks [s, end) against the grammar, less infinity and NaN, and fills
 * *d; returns 0 if it does not match. Blanks are already trimmed. */
static int parse(const char *s, const char *end, struct decimal *d)
{
	const char *p = s;
	uint64_t w = 0;

	d->neg = 0;
	if (p < end && (*p == '+' || *p == '-'))
		d->neg = *p++ == '-';
	d->digits = p;
	/* Overflow of w is harmless here: more than 19 digits are redone below. */
	const char *int_start = p;
	while (p < end && is_digit(*p))
		w = w * 10 + (uint64_t)(*p++ - '0');
	int64_t ndig = p - int_start;
	d->nfrac = 0;
	if (p < end && *p == '.') {
		const char *frac_start = ++p;
		while (p < end && is_digit(*p))
			w = w * 10 + (uint64_t)(*p++ - '0');
		d->nfrac = p - frac_start;
		ndig += d->nfrac;
	}
	if (ndig == 0)
		return 0;
	d->dend = p;

	d->exp = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !is_digit(*p))
			return 0;
		while (p < end && is_digit(*p)) {
			if (d->exp < EXP_SAT)
				d->exp = d->exp * 10 + (*p - '0');
			p++;
		}
		if (eneg)
			d->exp = -d->exp;
	}
	if (p != end)
		return 0;

	d->q = d->exp - d->nfrac;
	d->truncated = 0;
	if (ndig > 19) {
		/* Keep the first 19 significant digits; leading zeros are free. */
		int64_t nsig = 0;
		w = 0;
		for (p = d->digits; p < d->dend; p++) {
			if (*p == '.' || (nsig == 0 && *p == '0'))
				continue;
			if (nsig < 19)
				w = w * 10 + (uint64_t)(*p - '0');
			else
				d->truncated |= *p != '0';
			nsig++;
		}
		if (nsig > 19)
			d->q += nsig - 19;
	}
	d->w = w;
	return 1;
}

/* Infinity and NaN spellings, with an optional sign. */
static int parse_special(const char *s, size_t len, double *out)
{
	int neg = 0;
	if (len && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
		len--;
	}
	if (match_word(s, len, "inf") || match_word(s, len, "infinity"))
		*out = neg ? -INFINITY : INFINITY;
	else if (match_word(s, len, "nan"))
		*out = neg ? -NAN : NAN;
	else
		return 0;
	return 1;
}

/* Clinger's fast path: sets *v and returns 1 when w and 10^|q| are both
 * exact doubles, as then one IEEE multiply or divide rounds correctly. */
static int clinger(uint64_t w, int64_t q, double *v)
{
#if FLT_EVAL_METHOD == 0
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
	};
	if (w > (uint64_t)1 << 53 || q < -22 || q > 22)
		return 0;
	*v = q < 0 ? (double)w / pow10[-q] : (double)w * pow10[q];
	return 1;
#else
	/* Wider intermediates (x87) would round twice. */
	(void)w, (void)q, (void)v;
	return 0;
#endif
}

enum ad_num_result ad_num_parse(const char *s, size_t len, double *out)
{
	const char *end = s + len;
	struct decimal d;
	double v;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (!parse(s, end, &d)) {
		if (!parse_special(s, (size_t)(end - s), &v))
			return AD_NUM_INVALID;
		*out = v;
		return AD_NUM_OK;
	}

	uint64_t bits, bits_up;
	if (d.w == 0 || d.q < AD_POW5_QMIN) {
		/* All digits zero, or below 10^19 * 10^-343: under half of the
		 * smallest subnormal, which rounds to zero. */
		v = 0.0;
	} else if (d.q > AD_POW5_QMAX) {
		return AD_NUM_RANGE; /* at least 10^309 */
	} else if (!d.truncated && clinger(d.w, d.q, &v)) {
		/* done */
	} else if (eisel_lemire(d.w, (int)d.q, &bits) && (!d.truncated ||
	    (eisel_lemire(d.w + 1, (int)d.q, &bits_up) && bits_up == bits))) {
		/* A truncated w means the value lies in (w, w + 1) * 10^q; if
		 * both ends round alike, so does everything in between. */
		memcpy(&v, &bits, sizeof v);
	} else {
		v = slow_path(&d);
	}
	if (isinf(v))
		return AD_NUM_RANGE;
	*out = d.neg ? -v : v;
	return AD_NUM_OK;
}

/*
 * Formatting. Most values in data are short decimals (12.5, 0.03, 1500):
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
