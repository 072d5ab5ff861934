#ifndef ADKIT_SHA256_H
#define ADKIT_SHA256_H
/*
 * SHA-256 (FIPS 180-4), for the lineage of a model's training input: with
 * the processor's SHA instructions where it has them, else libmd's.
 */
#include <stddef.h>

#include "ad.h"

struct ad_sha256;

/* Starts a digest, using the SHA instructions if the processor has them. */
enum ad_status ad_sha256_new(struct ad_sha256 **h, struct ad_error *err);

/* Starts a digest that uses libmd's code whatever the processor; for
 * tests that hold the two paths against each other. */
enum ad_status ad_sha256_new_portable(struct ad_sha256 **h,
    struct ad_error *err);

/* Whether h runs on the SHA instructions (1) or libmd (0). */
int ad_sha256_uses_ni(const struct ad_sha256 *h);

/* Adds p[0..n) to the digest. */
void ad_sha256_update(struct ad_sha256 *h, const void *p, size_t n);

/* Writes the digest of everything added to out; h takes no more adds. */
void ad_sha256_final(struct ad_sha256 *h, unsigned char out[32]);

/* Frees h; NULL is a no-op. */
void ad_sha256_free(struct ad_sha256 *h);

/* Writes d[0..n) as 2n lowercase hex digits and a NUL into out, as
 * digests are shown. */
void ad_sha256_hex(const unsigned char *d, size_t n, char *out);

#endif
