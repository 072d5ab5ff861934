#ifndef ADKIT_AD_H
#define ADKIT_AD_H
/*
 * adkit's library conventions, stated once.
 *
 * Errors: a fallible function returns enum ad_status (AD_OK == 0) and, on
 * failure, fills the caller's struct ad_error. The function that detects a
 * problem sets it; callers pass it up unchanged, adding only what they alone
 * know (the file name, say). lib/ never prints (lib/cli/cli.c excepted), never
 * exits, and keeps no mutable global state.
 *
 * Memory: pointer arguments are borrowed for the duration of the call; a
 * function that keeps one says so. Objects come in ad_x_new/ad_x_free pairs
 * (or _open/_close), and every free function accepts NULL. Memory a module
 * returns is released by that module. On failure a function frees what it
 * allocated and leaves its outputs untouched. All allocation goes through
 * lib/common/alloc.h so that tests can make it fail.
 */
#include <stddef.h>
#include <stdint.h>

#define AD_VERSION "0.1.0"

/* Status codes; the values of the first five are the commands' exit codes. */
enum ad_status {
	AD_OK = 0,     /* success */
	AD_ECHECK = 1, /* a check came out negative (drift found, gate missed) */
	AD_EUSAGE = 2, /* bad options or arguments */
	AD_EDATA = 3,  /* bad input data, or params/model not matching it */
	AD_EIO = 4,    /* I/O or system error */
	AD_ENOMEM = 5, /* out of memory (exit code 4) */
	AD_EPIPE = 6   /* the reader of our output went away (exit code 0) */
};

/* Where and why something failed; line and col are 1-based, 0 if unknown. */
struct ad_error {
	enum ad_status code;
	char file[4096];  /* the input or output name, or "" */
	uint64_t line;    /* CSV line, or row number in a binary stream */
	uint64_t col;     /* 1-based field (column) number */
	int row;          /* line is a binary stream's row number, which
	                     messages call "row N" */
	char msg[1024];   /* one line, no trailing newline, no location */
};

/* Sets err (if not NULL) to code and a printf-style message; returns code. */
enum ad_status ad_error_set(struct ad_error *err, enum ad_status code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like ad_error_set, with a location; file (copied) may be NULL. */
enum ad_status ad_error_at(struct ad_error *err, enum ad_status code,
    const char *file, uint64_t line, uint64_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Sets err to AD_ENOMEM with a standard message; returns AD_ENOMEM. */
enum ad_status ad_error_nomem(struct ad_error *err);

/* Writes the first 40 bytes of s[0..len) into buf (cap bytes, NUL-ended)
 * for a message: control bytes and those in also (may be NULL) as \xNN,
 * "..." after a longer s. */
void ad_error_excerpt(char *buf, size_t cap, const char *s, size_t len,
    const char *also);

/* Sets err to AD_EIO: "what: strerror(errnum)" about file (may be NULL). */
enum ad_status ad_error_sys(struct ad_error *err, int errnum,
    const char *file, const char *what);

/* Resets err to AD_OK with an empty message. */
void ad_error_clear(struct ad_error *err);

/* Called now and then with how far a run is: what ("rows read", "trees
 * grown"), done and, if known, total (else 0). Runners say from which
 * thread. */
typedef void (*ad_progress_fn)(void *ctx, const char *what, uint64_t done,
    uint64_t total);

/* adkit's binary files share a PNG-like magic, "\x89AD?\r\n\x1a\n", whose
 * fourth byte says what they are: K a data stream, M a model, P a profile. */
#define AD_MAGIC_LEN 8

/* Names the adkit file kind ("an adkit model") whose magic the n bytes at p
 * begin with, or NULL; for messages when one is given for another. */
const char *ad_file_kind(const unsigned char *p, size_t n);

#endif
