/* lib/timeparse: the ISO-8601 grammar, epoch seconds, calendar parts. */
#define _DEFAULT_SOURCE  /* timegm */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "timeparse.h"

#include "check.h"

static const char *parse(const char *s, struct ad_time *t)
{
	return ad_timeparse_parse_iso(s, strlen(s), t);
}

/* Epoch seconds of s, or NAN if it does not parse. */
static double epoch_of(const char *s)
{
	struct ad_time t;

	return parse(s, &t) == NULL ? ad_timeparse_epoch(&t) : NAN;
}

static void test_forms_and_zones(void)
{
	struct ad_time t;

	CHECK(epoch_of("1970-01-01T00:00:00Z") == 0);
	CHECK(epoch_of("1970-01-01") == 0);
	CHECK(epoch_of("2026-11-01T00:00:00Z") == 1793491200);
	CHECK(epoch_of("2026-11-01t00:00:00z") == 1793491200);
	CHECK(epoch_of("2026-11-01 00:00:00") == 1793491200);
	CHECK(epoch_of("2026-11-01T00:00Z") == 1793491200);
	CHECK(epoch_of("2026-11-01T02:00:00+02:00") == 1793491200);
	CHECK(epoch_of("2026-11-01T02:00:00+0200") == 1793491200);
	CHECK(epoch_of("2026-11-01T02:00:00+02") == 1793491200);
	CHECK(epoch_of("2026-10-31T19:30:00-04:30") == 1793491200);
	CHECK(epoch_of("2026-11-01T00:00:00.25Z") == 1793491200.25);
	CHECK(epoch_of("2026-11-01T00:00:00,5Z") == 1793491200.5);
	CHECK(epoch_of("2000-02-29T12:00:00Z") == 951825600);
	CHECK(epoch_of("1969-12-31T23:59:59Z") == -1);
	CHECK(epoch_of("0000-01-01T00:00:00Z") == -62167219200.0);
	CHECK(epoch_of("9999-12-31T23:59:59Z") == AD_TIME_MAX_EPOCH);
	/* a fraction that rounds up to a whole second carries */
	CHECK(parse("2026-11-01T00:00:59.99999999999999999999Z", &t) == NULL);
	CHECK(t.secs == 1793491260 && t.frac == 0);
	CHECK(parse("2026-11-01T03:00:00+02:00", &t) == NULL);
	CHECK(t.offset == 7200);
}

static void test_rejects(void)
{
	static const char *const bad[] = {
		"", "2026", "2026-11", "2026-1-01", "26-11-01", "2026/11/01",
		"2026-11-01T", "2026-11-01T00", "2026-11-01T0:00", "2026-11-01T00:0",
		"2026-11-01X00:00", "2026-11-01T00:00:0", "2026-11-01T00:00:00.",
		"2026-11-01T00:00:00Q", "2026-11-01T00:00:00+2",
		"2026-11-01T00:00:00+02:0",
		"2026-11-01T00:00:00+02:000", " 2026-11-01", "2026-11-01 ",
		"2026-11-01T00:00:00Z ", "2026-11-01T00:00:00ZZ", "+2026-11-01",
		"2026-11-01T00:00:00.5.5", "2026-11-01Z", "１９７０-01-01",
	};
	struct ad_time t = { 7, 0.5, 9 };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = parse(bad[i], &t);
		CHECK(why != NULL);
		if (why == NULL)
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
	}
	CHECK(t.secs == 7 && t.frac == 0.5 && t.offset == 9);  /* untouched */
	CHECK_STR(parse("2026-13-01", &t), "month out of range");
	CHECK_STR(parse("2026-00-01", &t), "month out of range");
	CHECK_STR(parse("2026-02-29", &t), "day out of range");
	CHECK_STR(parse("1900-02-29", &t), "day out of range");
	CHECK(parse("2000-02-29", &t) == NULL);
	CHECK_STR(parse("2026-04-31", &t), "day out of range");
	CHECK_STR(parse("2026-11-00", &t), "day out of range");
	CHECK_STR(parse("2026-11-01T24:00:00Z", &t), "hour out of range");
	CHECK_STR(parse("2026-11-01T23:60:00Z", &t), "minute out of range");
	CHECK_STR(parse("2026-11-01T23:59:60Z", &t), "second out of range");
	CHECK_STR(parse("2026-11-01T23:59:59+24:00", &t),
	    "zone offset out of range");
	CHECK_STR(parse("2026-11-01T23:59:59+01:60", &t),
	    "zone offset out of range");
}

/* Against the C library's timegm over many dates, leap years included. */
static void test_matches_timegm(void)
{
	int bad = 0;

	for (long y = 1601; y <= 2400; y += 7)
		for (unsigned m = 1; m <= 12; m++) {
			struct tm tm;
			memset(&tm, 0, sizeof tm);
			tm.tm_year = (int)(y - 1900);
			tm.tm_mon = (int)m - 1;
			tm.tm_mday = 28 + (int)(m % 2);
			tm.tm_hour = (int)(m + 5);
			tm.tm_min = 17;
			tm.tm_sec = 42;
			if ((double)ad_timeparse_days_from_civil(y, m,
			    (unsigned)tm.tm_mday) * 86400 + tm.tm_hour * 3600 +
			    17 * 60 + 42 != (double)timegm(&tm))
				bad++;
		}
	CHECK(bad == 0);
}

static void test_epoch_seconds(void)
{
	struct ad_time t, u;

	CHECK(ad_timeparse_from_epoch(1793491200.75, &t) == NULL);
	CHECK(t.secs == 1793491200 && t.frac == 0.75 && t.offset == 0);
	CHECK(ad_timeparse_from_epoch(-0.5, &t) == NULL);
	CHECK(t.secs == -1 && t.frac == 0.5);
	CHECK(ad_timeparse_from_epoch(-1e-30, &t) == NULL);
	CHECK(t.secs == 0 && t.frac == 0);  /* 1 - 1e-30 rounds to 1: carried */
	CHECK(ad_timeparse_from_epoch(-0.0, &t) == NULL && t.secs == 0);
	CHECK_STR(ad_timeparse_from_epoch(NAN, &t), "missing time");
	CHECK_STR(ad_timeparse_from_epoch(INFINITY, &t), "epoch seconds out of range");
	CHECK_STR(ad_timeparse_from_epoch(3e11, &t), "epoch seconds out of range");
	CHECK(ad_timeparse_from_epoch(AD_TIME_MAX_EPOCH, &t) == NULL);
	CHECK(ad_timeparse_from_epoch(10.5, &t) == NULL);
	CHECK(ad_timeparse_from_epoch(10.25, &u) == NULL);
	CHECK(ad_timeparse_cmp(&t, &u) > 0 && ad_timeparse_cmp(&u, &t) < 0);
	CHECK(ad_timeparse_cmp(&t, &t) == 0);
	CHECK(ad_timeparse_from_epoch(11, &u) == NULL && ad_timeparse_cmp(&t, &u) < 0);
}

static void test_calendar_parts(void)
{
	struct ad_time t;

	/* 2026-11-01 is a Sunday (6); the local clock is what the text says */
	CHECK(parse("2026-11-01T15:30:00Z", &t) == NULL);
	CHECK(ad_timeparse_hour(&t) == 15.5 && ad_timeparse_weekday(&t) == 6);
	CHECK(parse("2026-11-02T01:00:00+02:00", &t) == NULL);
	CHECK(ad_timeparse_hour(&t) == 1 && ad_timeparse_weekday(&t) == 0);
	CHECK(parse("2026-11-01T23:00:00-05:00", &t) == NULL);
	CHECK(ad_timeparse_hour(&t) == 23 && ad_timeparse_weekday(&t) == 6);
	CHECK(ad_timeparse_from_epoch(0, &t) == NULL && ad_timeparse_weekday(&t) == 3);
	CHECK(ad_timeparse_from_epoch(-1, &t) == NULL);
	CHECK(ad_timeparse_weekday(&t) == 2 && fabs(ad_timeparse_hour(&t) -
	    (24 - 1.0 / 3600)) < 1e-12);
	CHECK(ad_timeparse_from_epoch(-86400 * 365.0 * 400, &t) == NULL);
	CHECK(ad_timeparse_hour(&t) == 0);
}

int main(void)
{
	test_forms_and_zones();
	test_rejects();
	test_matches_timegm();
	test_epoch_seconds();
	test_calendar_parts();
	return CHECK_DONE("test_timeparse");
}
