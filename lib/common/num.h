#ifndef ADKIT_NUM_H
#define ADKIT_NUM_H
/*
 * Numbers as text: exact parsing and shortest round-trip formatting.
 *
 * The grammar accepted is decimal only: optional spaces or tabs, an optional
 * sign, digits with an optional '.', an optional exponent (e or E, optional
 * sign, digits), optional spaces or tabs. "inf", "infinity" and "nan" in any
 * case, with an optional sign, are accepted too. Hex, "--5", "1.2.3", thousands
 * separators and empty text are not numbers.
 */
#include <stddef.h>

/* Longest text ad_num_format writes, including the terminating NUL. */
#define AD_NUM_MAXLEN 32

/* Outcome of ad_num_parse. */
enum ad_num_result {
	AD_NUM_OK = 0,      /* *out holds the correctly rounded value */
	AD_NUM_INVALID = 1, /* not a number in the grammar above */
	AD_NUM_RANGE = 2    /* a finite number too large for a double */
};

/* Parses s[0..len) (no NUL needed) into *out, correctly rounded to nearest
 * even; values below the subnormal range round to (signed) zero. *out is
 * untouched unless AD_NUM_OK is returned. */
enum ad_num_result ad_num_parse(const char *s, size_t len, double *out);

/* Writes the shortest text that ad_num_parse reads back as exactly v into
 * buf (AD_NUM_MAXLEN bytes) and returns its length; buf is NUL-terminated.
 * -0 keeps its sign; infinities are "inf"/"-inf" and NaN is "nan". */
size_t ad_num_format(double v, char *buf);

/* Whether s[0..len) is exactly what ad_num_format writes for the number it
 * reads as, judged from the text alone (so a writer may copy it instead of
 * formatting): a plain decimal -?(0|[1-9][0-9]*)(.[0-9]*[1-9])? of at most
 * 15 significant digits and absolute value 0 or in [1e-4, 1e15). Some
 * shortest forms, those with an exponent, say no. */
int ad_num_is_shortest(const char *s, size_t len);

/* Orders two doubles for qsort, ascending (a NaN compares equal to all). */
int ad_num_cmp(const void *a, const void *b);

/* ad_num_format without its fast path for short decimals, for tests that
 * prove the two write the same text. */
size_t ad_num_format_slow(double v, char *buf);

#endif
