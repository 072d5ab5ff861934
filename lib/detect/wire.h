#ifndef ADKIT_WIRE_H
#define ADKIT_WIRE_H
/*
 * Little-endian payload helpers shared by the detectors' encoders and
 * decoders (lib/detect/hbos.c, ecod.c, pca.c, neighbors.c, knn.c, lof.c):
 * writes advance a pointer
 * into a buffer sized beforehand; reads go through a cursor that refuses
 * to run past the end, so a decoder never trusts a length it has not
 * checked.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ad.h"

/* What is left of a payload being read. */
struct ad_wire {
	const unsigned char *p;   /* next byte */
	size_t left;              /* bytes after p */
};

/* Writes v at p (4 bytes); returns p + 4. */
static inline unsigned char *ad_wire_put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 4;
}

/* Writes v at p (8 bytes, its IEEE-754 bits); returns p + 8. */
static inline unsigned char *ad_wire_put_f64(unsigned char *p, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
	return p + 8;
}

/* Reads a u32 into *v; returns 0, or -1 (nothing read) past the end. */
static inline int ad_wire_get_u32(struct ad_wire *w, uint32_t *v)
{
	if (w->left < 4)
		return -1;
	*v = (uint32_t)w->p[0] | (uint32_t)w->p[1] << 8 |
	    (uint32_t)w->p[2] << 16 | (uint32_t)w->p[3] << 24;
	w->p += 4;
	w->left -= 4;
	return 0;
}

/* Reads a double into *v; returns 0, or -1 (nothing read) past the end. */
static inline int ad_wire_get_f64(struct ad_wire *w, double *v)
{
	uint64_t u = 0;

	if (w->left < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)w->p[i] << (8 * i);
	memcpy(v, &u, sizeof u);
	w->p += 8;
	w->left -= 8;
	return 0;
}

/* Reads n doubles into v; returns 0, or -1 if one is missing or not
 * finite. */
static inline int ad_wire_get_finite(struct ad_wire *w, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ad_wire_get_f64(w, &v[i]) || !isfinite(v[i]))
			return -1;
	return 0;
}

/* Sets err to AD_EDATA "corrupt model: what" about file name; returns
 * AD_EDATA. */
static inline enum ad_status ad_wire_corrupt(struct ad_error *err,
    const char *name, const char *what)
{
	return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: %s", what);
}

#endif
