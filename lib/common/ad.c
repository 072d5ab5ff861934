/* Error reporting for lib/: one struct, filled where a problem is found;
 * and the names of adkit's file kinds, for the messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ad.h"

static enum ad_status error_vset(struct ad_error *err, enum ad_status code,
    const char *file, uint64_t line, uint64_t col, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	err->row = 0;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return code;
}

enum ad_status ad_error_set(struct ad_error *err, enum ad_status code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, code, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

enum ad_status ad_error_at(struct ad_error *err, enum ad_status code,
    const char *file, uint64_t line, uint64_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, code, file, line, col, fmt, ap);
	va_end(ap);
	return code;
}

enum ad_status ad_error_nomem(struct ad_error *err)
{
	return ad_error_set(err, AD_ENOMEM, "out of memory");
}

enum ad_status ad_error_sys(struct ad_error *err, int errnum,
    const char *file, const char *what)
{
	return ad_error_at(err, AD_EIO, file, 0, 0, "%s: %s", what,
	    strerror(errnum));
}

void ad_error_clear(struct ad_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof *err);
}

void ad_error_excerpt(char *buf, size_t cap, const char *s, size_t len,
    const char *also)
{
	size_t n = len > 40 ? 40 : len, o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f ||
		    (also != NULL && c != 0 && strchr(also, c) != NULL))
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (len > n && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

const char *ad_file_kind(const unsigned char *p, size_t n)
{
	static const unsigned char frame[AD_MAGIC_LEN] = {
		0x89, 'A', 'D', 0, '\r', '\n', 0x1a, '\n'
	};

	if (n < AD_MAGIC_LEN || memcmp(p, frame, 3) != 0 ||
	    memcmp(p + 4, frame + 4, AD_MAGIC_LEN - 4) != 0)
		return NULL;
	switch (p[3]) {
	case 'K': return "an adkit data stream";
	case 'M': return "an adkit model";
	case 'P': return "an adkit profile";
	default: return NULL;
	}
}
