/*
 * libFuzzer target for lib/num.
 *
 * Each input is checked three ways, and any disagreement aborts:
 *  - grammar: a state machine written apart from lib/common/num_parse.cc
 *    decides whether the bytes are a number; ad_num_parse must reject
 *    exactly the others and leave its output alone when it does;
 *  - value: for numbers, glibc's strtod (correctly rounded, and the C locale
 *    since nothing calls setlocale) on a NUL-terminated copy must give the
 *    same bits, or overflow where ad_num_parse says AD_NUM_RANGE;
 *  - formatting: the parsed value, and the first 8 input bytes taken as a
 *    double, must come back bit for bit through ad_num_format.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

static uint64_t bits_of(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

enum state { START, SIGN, INT, DOT, DOT_ONLY, FRAC, EXP, EXP_SIGN, EXP_DIG,
	TRAIL, REJECT };

/* The grammar of num.h, one byte at a time. */
static enum state step(enum state st, unsigned char c)
{
	int digit = c >= '0' && c <= '9', blank = c == ' ' || c == '\t';
	int sign = c == '+' || c == '-', e = c == 'e' || c == 'E';

	switch (st) {
	case START:
		return blank ? START : sign ? SIGN : digit ? INT :
		    c == '.' ? DOT_ONLY : REJECT;
	case SIGN:
		return digit ? INT : c == '.' ? DOT_ONLY : REJECT;
	case INT:
		return digit ? INT : c == '.' ? DOT : e ? EXP :
		    blank ? TRAIL : REJECT;
	case DOT:
	case FRAC:
		return digit ? FRAC : e ? EXP : blank ? TRAIL : REJECT;
	case DOT_ONLY:
		return digit ? FRAC : REJECT;
	case EXP:
		return sign ? EXP_SIGN : digit ? EXP_DIG : REJECT;
	case EXP_SIGN:
		return digit ? EXP_DIG : REJECT;
	case EXP_DIG:
		return digit ? EXP_DIG : blank ? TRAIL : REJECT;
	case TRAIL:
		return blank ? TRAIL : REJECT;
	default:
		return REJECT;
	}
}

static int is_number(const uint8_t *d, size_t n)
{
	enum state st = START;
	for (size_t i = 0; i < n && st != REJECT; i++)
		st = step(st, d[i]);
	return st == INT || st == DOT || st == FRAC || st == EXP_DIG ||
	    st == TRAIL;
}

/* Infinity or NaN: returns 1 for inf, -1 for -inf, 2 for NaN, else 0. */
static int special(const uint8_t *d, size_t n)
{
	static const char *const names[] = { "inf", "infinity", "nan" };
	size_t i = 0, j = n;
	int neg = 0;

	while (i < j && (d[i] == ' ' || d[i] == '\t'))
		i++;
	while (j > i && (d[j - 1] == ' ' || d[j - 1] == '\t'))
		j--;
	if (i < j && (d[i] == '+' || d[i] == '-'))
		neg = d[i++] == '-';
	for (int k = 0; k < 3; k++) {
		size_t len = strlen(names[k]);
		if (j - i != len)
			continue;
		size_t m = 0;
		while (m < len && (d[i + m] | 0x20) == names[k][m])
			m++;
		if (m == len)
			return k == 2 ? 2 : neg ? -1 : 1;
	}
	return 0;
}

/* v must survive ad_num_format and ad_num_parse (and strtod) unchanged. */
static void check_roundtrip(double v)
{
	char buf[AD_NUM_MAXLEN + 8];
	double back;

	memset(buf, 'x', sizeof buf);
	size_t n = ad_num_format(v, buf);
	if (n >= AD_NUM_MAXLEN || buf[n] != '\0' || strlen(buf) != n ||
	    buf[AD_NUM_MAXLEN] != 'x')
		abort();
	if (ad_num_parse(buf, n, &back) != AD_NUM_OK)
		abort();
	if (isnan(v) ? !isnan(back) : bits_of(back) != bits_of(v))
		abort();
	if (!isnan(v) && bits_of(strtod(buf, NULL)) != bits_of(v))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const double untouched = -12345.678;
	double v = untouched;
	enum ad_num_result r = ad_num_parse((const char *)data, size, &v);
	int sp = special(data, size);

	if (sp) {
		if (r != AD_NUM_OK || (sp == 2 ? !isnan(v) :
		    v != (sp > 0 ? INFINITY : -INFINITY)))
			abort();
	} else if (!is_number(data, size)) {
		if (r != AD_NUM_INVALID || bits_of(v) != bits_of(untouched))
			abort();
	} else {
		char *copy = malloc(size + 1);
		char *end;
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		copy[size] = '\0';
		double ref = strtod(copy, &end);
		/* strtod skips the leading blanks but stops at trailing ones. */
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != '\0')
			abort();
		free(copy);
		if (isinf(ref) ? r != AD_NUM_RANGE ||
		    bits_of(v) != bits_of(untouched) :
		    r != AD_NUM_OK || bits_of(v) != bits_of(ref))
			abort();
	}
	if (r == AD_NUM_OK)
		check_roundtrip(v);

	if (size >= sizeof(double)) {
		double d;
		memcpy(&d, data, sizeof d);
		check_roundtrip(d);
	}
	return 0;
}
