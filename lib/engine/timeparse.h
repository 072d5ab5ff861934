#ifndef ADKIT_TIMEPARSE_H
#define ADKIT_TIMEPARSE_H
/*
 * Points in time for ad-features' --time column: ISO-8601 text or epoch
 * seconds, read strictly.
 *
 * The text grammar is the calendar date and time of ISO-8601 (RFC 3339
 * profile): YYYY-MM-DD, optionally followed by 'T', 't' or a space and
 * HH:MM, HH:MM:SS or HH:MM:SS.fraction ('.' or ','), optionally followed by
 * a zone: 'Z', 'z', +HH:MM, +HHMM or +HH (or '-'). A time without a zone is
 * taken as UTC. Fields must have exactly their digits and lie in range (the
 * day within its month, leap years counted; seconds 00-59, so no leap
 * second; zone hours 00-23); years run from 0000 to 9999. Nothing else may
 * surround the text, spaces included.
 */
#include <stddef.h>
#include <stdint.h>

/* One instant, and the UTC offset it was written with. */
struct ad_time {
	int64_t secs;    /* whole seconds since 1970-01-01T00:00:00Z (floor) */
	double frac;     /* the rest of the second, in [0, 1) */
	int32_t offset;  /* seconds east of UTC the text gave; 0 for UTC */
};

/* Largest magnitude of epoch seconds accepted: about year 9999. */
#define AD_TIME_MAX_EPOCH 253402300799.0

/* Parses ISO-8601 text s[0..len) into *t; returns NULL on success, else a
 * static phrase saying what is wrong ("month out of range"). *t is untouched
 * on failure. */
const char *ad_timeparse_parse_iso(const char *s, size_t len, struct ad_time *t);

/* Reads epoch seconds v into *t; returns NULL on success, else a static
 * phrase (NaN, infinite or beyond AD_TIME_MAX_EPOCH). */
const char *ad_timeparse_from_epoch(double v, struct ad_time *t);

/* Orders a and b by instant: negative, 0 or positive. */
int ad_timeparse_cmp(const struct ad_time *a, const struct ad_time *b);

/* The instant as epoch seconds (rounded to a double). */
double ad_timeparse_epoch(const struct ad_time *t);

/* The hour of day, in [0, 24), of the local time the text gave (UTC plus
 * its offset), fraction of the hour included. */
double ad_timeparse_hour(const struct ad_time *t);

/* The local day of the week: 0 Monday to 6 Sunday. */
int ad_timeparse_weekday(const struct ad_time *t);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1-12). */
int64_t ad_timeparse_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
