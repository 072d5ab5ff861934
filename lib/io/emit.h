#ifndef ADKIT_EMIT_H
#define ADKIT_EMIT_H
/*
 * The one way reports are rendered: a writer over an ad_out that keeps the
 * first error. Every call after a failure does nothing, so rendering code is
 * a plain sequence of calls with one status check at the end:
 *
 *	struct ad_emit e;
 *
 *	ad_emit_init(&e, out, err);
 *	ad_emit_raw(&e, "{\"n\": ");
 *	ad_emit_json_uint(&e, n);
 *	ad_emit_raw(&e, "}\n");
 *	return ad_emit_status(&e);
 *
 * JSON numbers and strings are written as lib/io/json.h writes them,
 * Prometheus families and samples as lib/io/prom.h does.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "prom.h"

struct ad_out;

/* A report being written; its fields are the writer's own. */
struct ad_emit {
	struct ad_out *out;     /* borrowed */
	struct ad_error *err;   /* borrowed; set by the first failure */
	enum ad_status st;      /* AD_OK until a call fails, then that status */
};

/* Starts writing to out; failures go to err (both borrowed). */
void ad_emit_init(struct ad_emit *e, struct ad_out *out, struct ad_error *err);

/* The first failure's status, or AD_OK. */
enum ad_status ad_emit_status(const struct ad_emit *e);

/* Whether no call has failed yet. */
int ad_emit_ok(const struct ad_emit *e);

/* Keeps st as the writer's status if it is the first failure: for a step
 * done by another writer (a table writer, say) in the same sequence. */
void ad_emit_take(struct ad_emit *e, enum ad_status st);

/* Writes n bytes. */
void ad_emit_bytes(struct ad_emit *e, const void *p, size_t n);

/* Writes a NUL-terminated string as it is. */
void ad_emit_raw(struct ad_emit *e, const char *s);

/* Writes printf-style text, however long (ENOMEM if it needs a buffer that
 * cannot be had). */
void ad_emit_printf(struct ad_emit *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes s as a JSON string; NULL is null. */
void ad_emit_json_str(struct ad_emit *e, const char *s);

/* Writes s[0..len) as a JSON string. */
void ad_emit_json_strn(struct ad_emit *e, const char *s, size_t len);

/* Writes v as ad_json_number does (shortest exact form; NaN null). */
void ad_emit_json_num(struct ad_emit *e, double v);

/* Writes a whole number. */
void ad_emit_json_uint(struct ad_emit *e, uint64_t v);

/* Writes true or false. */
void ad_emit_json_bool(struct ad_emit *e, int v);

/* Writes before (punctuation and indent, as it is), then "key": with key
 * escaped. */
void ad_emit_json_key(struct ad_emit *e, const char *before, const char *key);

/* Writes s as one CSV field, quoted when it holds delim, a quote or a line
 * break (as lib/io/writer.h's ad_writer_csv_field). */
void ad_emit_csv_field(struct ad_emit *e, const char *s, char delim);

/* Writes v in the shortest exact form, nothing for NaN: a CSV cell. */
void ad_emit_csv_num(struct ad_emit *e, double v);

/* Writes the HELP and TYPE lines of gauge name (see ad_prom_family). */
void ad_emit_prom_family(struct ad_emit *e, const char *name,
    const char *help);

/* Writes one Prometheus sample (see ad_prom_sample). */
void ad_emit_prom_sample(struct ad_emit *e, const char *name,
    const struct ad_prom_label *labels, size_t nlabels, double v);

#endif
