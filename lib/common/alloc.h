#ifndef ADKIT_ALLOC_H
#define ADKIT_ALLOC_H
/*
 * The one allocator of lib/. It is kept alone in lib/common/alloc.c so that a test
 * program can link its own definitions of these four functions (failing the
 * Nth call) instead of the library's.
 */
#include <stddef.h>

/* malloc(n); NULL on failure or n == 0 is allowed to return NULL. */
void *ad_malloc(size_t n);

/* calloc(n, size) with the multiplication checked; NULL on failure. */
void *ad_calloc(size_t n, size_t size);

/* realloc(p, n); on failure returns NULL and leaves p valid. */
void *ad_realloc(void *p, size_t n);

/* free(p); NULL is a no-op. */
void ad_free(void *p);

/* Returns the array p (of *cap elements of elem bytes), grown by doubling
 * to hold at least need (and at least one) elements, updating *cap; NULL (p still
 * valid, *cap unchanged) on overflow or when memory runs out. Defined in
 * lib/common/grow.c. */
void *ad_grow(void *p, size_t *cap, size_t need, size_t elem);

/* A new NUL-terminated copy of s[0..n) (s may hold NUL bytes); NULL when
 * memory runs out. Defined in lib/common/grow.c. */
char *ad_strndup(const char *s, size_t n);

/* Sets *out = a * b and returns 0, or returns -1 if it overflows size_t. */
static inline int ad_mul_size(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* Sets *out = a + b and returns 0, or returns -1 if it overflows size_t. */
static inline int ad_add_size(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

#endif
