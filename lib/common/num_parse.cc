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
 * stay here: blanks around the number are ours to skip; a leading '+' is
 * refused by from_chars, so it is stepped over; and its infinity and NaN
 * also take "nan(chars)", so it only ever sees text whose first character
 * past the sign is a digit or '.', and must use all of it but trailing
 * blanks. Overflow comes back as infinity, which num.h calls AD_NUM_RANGE.
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

// Only blanks in [s, end).
bool all_blank(const char *s, const char *end)
{
	for (; s < end; s++)
		if (!is_blank(*s))
			return false;
	return true;
}

// Infinity or NaN, with an optional sign and trailing blanks.
enum ad_num_result parse_special(const char *s, const char *end, double *out)
{
	bool neg = s < end && *s == '-';
	if (s < end && (*s == '+' || *s == '-'))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	size_t len = static_cast<size_t>(end - s);
	double v;
	if (match_word(s, len, "inf") || match_word(s, len, "infinity"))
		v = HUGE_VAL;
	else if (match_word(s, len, "nan"))
		v = NAN;
	else
		return AD_NUM_INVALID;
	*out = neg ? -v : v;
	return AD_NUM_OK;
}

} // namespace

// flatten: gcc at -O2 calls from_chars out of line, and for the short
// numbers of metrics data the call costs as much as the parse (5% more
// instructions for a whole CSV-to-binary run without it, bench/icount.sh).
__attribute__((flatten))
enum ad_num_result ad_num_parse(const char *s, size_t len, double *out)
{
	const char *end = s + len;

	while (s < end && is_blank(*s))
		s++;
	// from_chars is given the text from its '-' (it takes no '+'), and
	// only when a digit or '.' follows the sign.
	const char *num = s, *digits = s;
	if (s < end && *s == '+')
		num = digits = s + 1;
	else if (s < end && *s == '-')
		digits = s + 1;
	if (digits == end || !(is_digit(*digits) || *digits == '.'))
		return parse_special(s, end, out);

	double v;
	fast_float::from_chars_result r = fast_float::from_chars(num, end, v);
	if (r.ec != std::errc() || !all_blank(r.ptr, end))
		return AD_NUM_INVALID;
	if (std::isinf(v))
		return AD_NUM_RANGE;
	*out = v;
	return AD_NUM_OK;
}
