/*
 * The call-stack hash both allocation-failure harnesses share
 * (tests/fault/alloc.c for the commands, tests/unit/failalloc.h for the
 * unit tests): they fail an allocation site's first and last occurrences,
 * and a site is the same line reached through the same calls.
 */
#ifndef AD_TESTS_STACK_HASH_H
#define AD_TESTS_STACK_HASH_H

#include <execinfo.h>
#include <stdint.h>

/* An FNV-1a hash of the return addresses above the allocator: the same
 * line reached through the same calls hashes the same, whatever the loop
 * iteration. */
static uint64_t stack_hash(void)
{
	void *pc[48];
	int k = backtrace(pc, 48);
	uint64_t h = 14695981039346656037u;

	for (int i = 0; i < k; i++) {
		h ^= (uint64_t)(uintptr_t)pc[i];
		h *= 1099511628211u;
	}
	return h;
}

#endif
