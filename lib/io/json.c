/* JSON output helpers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "num.h"
#include "out.h"

enum ad_status ad_json_string(struct ad_out *out, const char *s, size_t len,
    struct ad_error *err)
{
	enum ad_status st = ad_out_write(out, "\"", 1, err);
	size_t run = 0;

	for (size_t i = 0; i < len && st == AD_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		st = ad_out_write(out, s + run, i - run, err);
		run = i + 1;
		if (st != AD_OK)
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			st = ad_out_write(out, esc, 2, err);
		} else {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			st = ad_out_write(out, esc, 6, err);
		}
	}
	if (st == AD_OK)
		st = ad_out_write(out, s + run, len - run, err);
	return st != AD_OK ? st : ad_out_write(out, "\"", 1, err);
}

enum ad_status ad_json_number(struct ad_out *out, double v,
    struct ad_error *err)
{
	char buf[AD_NUM_MAXLEN];
	size_t n;

	if (isnan(v))
		return ad_out_write(out, "null", 4, err);
	if (isinf(v))
		return v > 0 ? ad_out_write(out, "\"inf\"", 5, err) :
		    ad_out_write(out, "\"-inf\"", 6, err);
	n = ad_num_format(v, buf);
	return ad_out_write(out, buf, n, err);
}

enum ad_status ad_json_uint(struct ad_out *out, unsigned long long v,
    struct ad_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%llu", v);

	return ad_out_write(out, buf, (size_t)n, err);
}

enum ad_status ad_json_raw(struct ad_out *out, const char *s,
    struct ad_error *err)
{
	return ad_out_write(out, s, strlen(s), err);
}
