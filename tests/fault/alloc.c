/*
 * A failing allocator for whole commands (issue 9's fault injection), after
 * SQLite's test_malloc.c. Linked into a command in place of lib/common/alloc.c, so
 * only the test build carries it, it fails the Nth allocation the library
 * asks for:
 *
 *   ADKIT_FAIL_ALLOC=N    fails the Nth allocation only (a transient fault)
 *   ADKIT_FAIL_ALLOC=N+   fails the Nth and every one after it
 *   ADKIT_ALLOC_COUNT=F   at exit, writes to F how many allocations were made
 *   ADKIT_ALLOC_SITES=F   at exit, writes to F a line for each allocation:
 *                         a hash of its call stack, so tests/fault/alloc.bats
 *                         can tell an allocation repeated in a loop
 *
 * The command must then end with exit 4 and a message, or (after a
 * transient fault it could absorb) succeed with the right output. Blocks
 * still allocated at exit are a leak: the process then exits with 97. The
 * count replaces LeakSanitizer, whose scan at exit doubled the time of
 * each of these thousands of runs; AddressSanitizer still checks every
 * access.
 */
#include <execinfo.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "../stack_hash.h"

/* Global state is the point here: it stands for the process's heap. */
static long fail_at = -1;    /* 0: no failure; -1: not read yet */
static int persistent;
static atomic_long calls;
static atomic_long live;     /* blocks allocated and not freed */
#define MAX_SITES (1 << 20)
static int recording;        /* ADKIT_ALLOC_SITES is set */
static uint64_t site[MAX_SITES]; /* allocation n's call stack, hashed */

static void write_sites(const char *path)
{
	long n = atomic_load(&calls);
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return;
	for (long i = 0; i < n; i++)
		fprintf(f, "%016llx\n", i < MAX_SITES ?
		    (unsigned long long)site[i] : (unsigned long long)i);
	fclose(f);
}

static void at_exit(void)
{
	const char *path = getenv("ADKIT_ALLOC_COUNT");
	FILE *f;

	if (path != NULL && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", atomic_load(&calls));
		fclose(f);
	}
	if (recording)
		write_sites(getenv("ADKIT_ALLOC_SITES"));
	if (atomic_load(&live) != 0) {
		fprintf(stderr, "leak: %ld blocks not freed\n",
		    atomic_load(&live));
		_exit(97);
	}
}

static void read_settings(void)
{
	const char *s = getenv("ADKIT_FAIL_ALLOC");
	char *end;

	fail_at = 0;
	recording = getenv("ADKIT_ALLOC_SITES") != NULL;
	if (s != NULL && *s != '\0') {
		fail_at = strtol(s, &end, 10);
		persistent = strcmp(end, "+") == 0;
	}
	atexit(at_exit);
}

/* True when this allocation is to fail. The first call comes before any
 * thread starts, so the settings are read once. */
static int should_fail(void)
{
	long n;

	if (fail_at < 0)
		read_settings();
	n = atomic_fetch_add(&calls, 1) + 1;
	if (recording && n <= MAX_SITES)
		site[n - 1] = stack_hash();
	return fail_at > 0 && (n == fail_at || (persistent && n > fail_at));
}

/* Counts a block that came to life. */
static void *born(void *p)
{
	if (p != NULL)
		atomic_fetch_add(&live, 1);
	return p;
}

void *ad_malloc(size_t n)
{
	return should_fail() ? NULL : born(malloc(n ? n : 1));
}

void *ad_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : born(calloc(n ? n : 1, size ? size : 1));
}

void *ad_realloc(void *p, size_t n)
{
	void *q;

	if (should_fail())
		return NULL;
	q = realloc(p, n ? n : 1);
	return p == NULL ? born(q) : q;
}

void ad_free(void *p)
{
	if (p != NULL)
		atomic_fetch_sub(&live, 1);
	free(p);
}
