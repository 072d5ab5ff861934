/*
 * The failing allocator of the unit tests' OOM loops (STYLE.md, after
 * SQLite's test_malloc.c), included by a test program to replace
 * lib/common/alloc.c's four functions. It fails the fail_at-th allocation, and
 * with persistent every one after it; hit says one failed, live counts the
 * blocks not yet freed, largest the largest single request. Counts are
 * atomic: code under test may allocate from several threads. With
 * recording set, allocation c's call stack is hashed into site[c], so the
 * OOM loop can tell the same allocation repeated in a loop (oomloop.h).
 */
#ifndef ADKIT_TEST_FAILALLOC_H
#define ADKIT_TEST_FAILALLOC_H
#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"
#include "../stack_hash.h"

/* Allocations past this many are not recorded (each its own site). */
#define FAILALLOC_SITES 200000

static long fail_at;       /* the allocation that fails; 0: none does */
static int persistent;     /* every allocation after it fails too */
static long calls;         /* allocations since the run started */
static long live;          /* blocks allocated and not yet freed */
static int hit;            /* an allocation failed in this run */
static size_t largest;     /* the largest single request */
static int recording;      /* hash each allocation's call stack */
static uint64_t site[FAILALLOC_SITES + 1]; /* allocation c's call stack */

static int should_fail(size_t n)
{
	long c = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);

	if (n > largest)
		largest = n;
	if (recording && c <= FAILALLOC_SITES)
		site[c] = stack_hash();
	if (fail_at > 0 && (c == fail_at || (persistent && c > fail_at))) {
		hit = 1;
		return 1;
	}
	return 0;
}

void *ad_malloc(size_t n)
{
	void *p;

	if (should_fail(n))
		return NULL;
	if ((p = malloc(n ? n : 1)) != NULL)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *ad_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total) || should_fail(total))
		return NULL;
	if ((p = calloc(n ? n : 1, size ? size : 1)) != NULL)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *ad_realloc(void *p, size_t n)
{
	void *q;

	if (should_fail(n))
		return NULL;
	if ((q = realloc(p, n ? n : 1)) != NULL && p == NULL)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return q;
}

void ad_free(void *p)
{
	if (p != NULL) {
		__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
		free(p);
	}
}

#endif
