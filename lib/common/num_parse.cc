/*
 * ad_num_parse: the grammar of num.h around fast_float's exact digits.
 *
 * fast_float (Debian's libfast-float-dev; D. Lemire, "Number Parsing at a
 * Gigabyte per Second", 2021) is the parser behind libstdc++'s
 * std::from_chars for doubles: correctly rounded to nearest even for any
 * number of digits, and it neither allocates, throws nor reads the locale.
 * It needs C++11, what the Makefile compiles .cc files with.
 *
 * Its grammar is C++17's, which differs from num.h at the edges, so those
 * stay here: blanks around the number are ours to trim; a leading '+' is
 * refused by from_chars, so the sign is taken off first and applied after;
 * and its infinity and NaN also take "nan(chars)", so it is only ever given
 * unsigned text that starts with a digit or '.', and must use all of it.
 * Overflow comes back as infinity, which num.h calls AD_NUM_RANGE.
 */
#include <cmath>
#include <cstring>
#include <fast_float/fast_float.h>

extern "C" {
#include "num.h"
}

namespace {

bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool is_digit(char c)
{
	return static_cast<unsigned char>(c - '0') < 10;
}

// Matches the ASCII letters in word (lower case) ignoring case.
bool match_word(const char *s, size_t len, const char *word)
{
	if (len != std::strlen(word))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) != word[i])
			return false;
	return true;
}

// |value| of an infinity or NaN spelling, sign already taken off.
bool parse_special(const char *s, size_t len, double *v)
{
	if (match_word(s, len, "inf") || match_word(s, len, "infinity"))
		*v = HUGE_VAL;
	else if (match_word(s, len, "nan"))
		*v = NAN;
	else
		return false;
	return true;
}

// |value| of unsigned decimal text, all of [s, end) or nothing.
bool parse_decimal(const char *s, const char *end, double *v)
{
	if (s == end || !(is_digit(*s) || *s == '.'))
		return false;
	fast_float::from_chars_result r = fast_float::from_chars(s, end, *v);
	return r.ec == std::errc() && r.ptr == end;
}

} // namespace

enum ad_num_result ad_num_parse(const char *s, size_t len, double *out)
{
	const char *end = s + len;
	double v;

	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	bool neg = false;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (parse_decimal(s, end, &v)) {
		if (std::isinf(v))
			return AD_NUM_RANGE;
	} else if (!parse_special(s, static_cast<size_t>(end - s), &v)) {
		return AD_NUM_INVALID;
	}
	*out = neg ? -v : v;
	return AD_NUM_OK;
}
