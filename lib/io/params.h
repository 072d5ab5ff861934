#ifndef ADKIT_PARAMS_H
#define ADKIT_PARAMS_H
/*
 * Parameter files: what a command learned with -s, for -r to apply. Text in
 * the C locale: a first line "adkit-params VERSION COMMAND", then lines of
 * space-separated tokens, the first a key. A token is bare when it is
 * printable ASCII without spaces, quotes or backslashes, else double-quoted
 * with \\, \", \n, \r, \t and \xHH escapes. Numbers are written in their
 * shortest exact form. See adkit(5).
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_out;
struct ad_params;

#define AD_PARAMS_VERSION 1

/* One line of a loaded file; tok[0] is the key. */
struct ad_pline {
	uint64_t line;   /* line number in the file */
	size_t ntok;
	char **tok;      /* NUL-terminated; len[] has the true lengths */
	size_t *len;
};

/* Loads path, checking the magic, version and that command wrote it. */
enum ad_status ad_params_load(struct ad_params **p, const char *path,
    const char *command, struct ad_error *err);

/* Number of lines after the first. */
size_t ad_params_count(const struct ad_params *p);

/* Line i (0-based, after the first); valid while p lives. */
const struct ad_pline *ad_params_line(const struct ad_params *p, size_t i);

/* The SHA-256 of the file's bytes (32 bytes, valid while p lives): its
 * lineage record. */
const unsigned char *ad_params_sha256(const struct ad_params *p);

/* The file's name for messages. */
const char *ad_params_name(const struct ad_params *p);

/* Reads token i of l as a number (errors name the file, line and token). */
enum ad_status ad_params_number(const struct ad_params *p,
    const struct ad_pline *l, size_t i, double *v, struct ad_error *err);

/* Fails with a message naming the line unless l has exactly n tokens. */
enum ad_status ad_params_expect(const struct ad_params *p,
    const struct ad_pline *l, size_t n, struct ad_error *err);

/* Writes the bytes of the params file path of command to out, after
 * loading it with every check of ad_params_load: the params a run applied
 * (-r), for a pipeline that keeps each step's params beside its output. */
enum ad_status ad_params_copy(struct ad_out *out, const char *path,
    const char *command, struct ad_error *err);

/* Frees p; NULL is a no-op. */
void ad_params_free(struct ad_params *p);

/* Writes the first line for command. */
enum ad_status ad_params_begin(struct ad_out *out, const char *command,
    struct ad_error *err);

/* Starts a line with key (a bare word). */
enum ad_status ad_params_key(struct ad_out *out, const char *key,
    struct ad_error *err);

/* Appends a text token s[0..len). */
enum ad_status ad_params_text(struct ad_out *out, const char *s, size_t len,
    struct ad_error *err);

/* Appends a number token, exact. */
enum ad_status ad_params_num(struct ad_out *out, double v,
    struct ad_error *err);

/* Ends the current line. */
enum ad_status ad_params_end(struct ad_out *out, struct ad_error *err);

#endif
