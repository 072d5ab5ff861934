/* Growing arrays; apart from alloc.c so tests can replace the allocator. */
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
