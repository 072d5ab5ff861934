/* Growing arrays and copied strings; apart from alloc.c so tests can
 * replace the allocator. */
#include <stdint.h>
#include <string.h>

#include "alloc.h"

void *ad_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64, bytes;

	if (need == 0)
		need = 1;   /* so an empty array still gets its first buffer */
	if (need <= *cap)
		return p;
	while (n < need)
		if (ad_mul_size(n, 2, &n) != 0)
			return NULL;
	if (ad_mul_size(n, elem, &bytes) != 0 || (p = ad_realloc(p, bytes)) == NULL)
		return NULL;
	*cap = n;
	return p;
}

char *ad_strndup(const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = ad_malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
