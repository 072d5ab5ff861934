/* ISO-8601 and epoch seconds; see timeparse.h for the grammar. */
#include <math.h>
#include <string.h>

#include "num.h"
#include "timeparse.h"

static const char bad_syntax[] = "expected an ISO-8601 time "
    "(YYYY-MM-DDTHH:MM:SSZ)";

/* Reads exactly n digits at s; -1 if any is not a digit. */
static long digits(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(long y, long m)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31,
	    31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Howard Hinnant's days_from_civil: exact for every proleptic Gregorian
 * date, with no table and no loop. */
int64_t ad_timeparse_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads the fraction digits at s[0..n) as a value in [0, 1]. */
static double fraction(const char *s, size_t n)
{
	char buf[48] = "0.";
	size_t k = n < sizeof buf - 3 ? n : sizeof buf - 3;
	double v = 0;

	memcpy(buf + 2, s, k);
	(void)ad_num_parse(buf, k + 2, &v);
	return v;
}

/* Parses the zone at s[0..n); sets *offset in seconds east of UTC. */
static const char *zone(const char *s, size_t n, int32_t *offset)
{
	long h, m = 0;

	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*offset = 0;
		return NULL;
	}
	if (n < 3 || (s[0] != '+' && s[0] != '-'))
		return bad_syntax;
	if ((h = digits(s + 1, 2)) < 0)
		return bad_syntax;
	if (n == 6 && s[3] == ':')
		m = digits(s + 4, 2);
	else if (n == 5)
		m = digits(s + 3, 2);
	else if (n != 3)
		return bad_syntax;
	if (m < 0)
		return bad_syntax;
	if (h > 23 || m > 59)
		return "zone offset out of range";
	*offset = (int32_t)((h * 60 + m) * 60 * (s[0] == '-' ? -1 : 1));
	return NULL;
}

const char *ad_timeparse_parse_iso(const char *s, size_t len, struct ad_time *t)
{
	long y, mo, d, h = 0, mi = 0, sec = 0;
	double frac = 0;
	int32_t offset = 0;
	size_t i = 10;
	const char *why;
	int64_t secs;

	if (len < 10 || s[4] != '-' || s[7] != '-' ||
	    (y = digits(s, 4)) < 0 || (mo = digits(s + 5, 2)) < 0 ||
	    (d = digits(s + 8, 2)) < 0)
		return bad_syntax;
	if (mo < 1 || mo > 12)
		return "month out of range";
	if (d < 1 || (unsigned long)d > days_in_month(y, mo))
		return "day out of range";
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || len < 16 ||
		    s[13] != ':' || (h = digits(s + 11, 2)) < 0 ||
		    (mi = digits(s + 14, 2)) < 0)
			return bad_syntax;
		i = 16;
		if (i < len && s[i] == ':') {
			if (len < 19 || (sec = digits(s + 17, 2)) < 0)
				return bad_syntax;
			i = 19;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				size_t start = ++i;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
				if (i == start)
					return bad_syntax;
				frac = fraction(s + start, i - start);
			}
		}
		if (h > 23)
			return "hour out of range";
		if (mi > 59)
			return "minute out of range";
		if (sec > 59)
			return "second out of range";
		if (i < len && (why = zone(s + i, len - i, &offset)) != NULL)
			return why;
	}
	secs = ad_timeparse_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - offset;
	if (frac >= 1) {          /* 0.99999999999999999999 rounds up */
		secs++;
		frac = 0;
	}
	t->secs = secs;
	t->frac = frac;
	t->offset = offset;
	return NULL;
}

const char *ad_timeparse_from_epoch(double v, struct ad_time *t)
{
	double f;

	if (isnan(v))
		return "missing time";
	if (!(fabs(v) <= AD_TIME_MAX_EPOCH))
		return "epoch seconds out of range";
	f = floor(v);
	t->secs = (int64_t)f;
	t->frac = v - f;          /* exact: v and f are within one unit */
	if (t->frac >= 1) {
		t->secs++;
		t->frac = 0;
	}
	t->offset = 0;
	return NULL;
}

int ad_timeparse_cmp(const struct ad_time *a, const struct ad_time *b)
{
	if (a->secs != b->secs)
		return a->secs < b->secs ? -1 : 1;
	return (a->frac > b->frac) - (a->frac < b->frac);
}

double ad_timeparse_epoch(const struct ad_time *t)
{
	return (double)t->secs + t->frac;
}

/* floor(a / b) for b > 0, with the remainder in [0, b). */
static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
	int64_t q = a / b, r = a % b;

	if (r < 0) {
		r += b;
		q--;
	}
	*rem = r;
	return q;
}

double ad_timeparse_hour(const struct ad_time *t)
{
	int64_t sod;

	(void)floor_div(t->secs + t->offset, 86400, &sod);
	return ((double)sod + t->frac) / 3600;
}

int ad_timeparse_weekday(const struct ad_time *t)
{
	int64_t sod, wd;
	int64_t day = floor_div(t->secs + t->offset, 86400, &sod);

	/* 1970-01-01 was a Thursday, day 3 counting from Monday */
	(void)floor_div(day + 3, 7, &wd);
	return (int)wd;
}
