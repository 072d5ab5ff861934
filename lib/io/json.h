#ifndef ADKIT_JSON_H
#define ADKIT_JSON_H
/* Small JSON output helpers for reports and metadata. */
#include <stddef.h>

#include "ad.h"

struct ad_out;

/* Writes s[0..len) as a JSON string (bytes >= 0x80 pass through). */
enum ad_status ad_json_string(struct ad_out *out, const char *s, size_t len,
    struct ad_error *err);

/* Writes v exactly (shortest form); NaN is null, infinities are the strings
 * "inf" and "-inf" since JSON has no such numbers. */
enum ad_status ad_json_number(struct ad_out *out, double v,
    struct ad_error *err);

/* Writes a whole number. */
enum ad_status ad_json_uint(struct ad_out *out, unsigned long long v,
    struct ad_error *err);

/* Writes a NUL-terminated literal (punctuation, keys written by hand). */
enum ad_status ad_json_raw(struct ad_out *out, const char *s,
    struct ad_error *err);

#endif
