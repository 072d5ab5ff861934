/* The library's allocator; see alloc.h for why it stands alone. */
#include <stdlib.h>

#include "alloc.h"

void *ad_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *ad_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *ad_realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void ad_free(void *p)
{
	free(p);
}
