/*
 * The OOM loop of STYLE.md, after SQLite's test_malloc.c, for any scenario:
 * for N = 1, 2, ... the Nth allocation fails, once (transient) and then
 * from then on (persistent), until a run no longer reaches the Nth. Each
 * run must end with AD_OK or AD_ENOMEM (AD_ENOMEM, with err.code set,
 * whenever a persistent failure was hit), leave no block alive, and, when
 * the scenario writes an output file, leave the same bytes as a run
 * without failures on AD_OK and no file at all otherwise.
 *
 * An allocation repeated in a loop (a tree of a forest, a row of a table)
 * has one call stack however often it runs: of the allocations sharing a
 * stack, the first two and the last are failed (the first with nothing
 * built yet, the second with one built, the last with all the others
 * built), the rest skipped. That keeps every allocation site and the
 * cleanup of each loop while a forest's thousands of allocations cost
 * tens of runs. ADKIT_OOM_EVERY=1 fails every allocation, as before.
 *
 * Include it after check.h and failalloc.h.
 */
#ifndef ADKIT_TEST_OOMLOOP_H
#define ADKIT_TEST_OOMLOOP_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad.h"
#include "files.h"

/* A run of the code under test; ctx is the test's. */
typedef enum ad_status (*oom_scenario)(void *ctx, struct ad_error *err);

/* Past this many allocations a scenario is taken to loop forever. */
#define OOM_MAX_CALLS 200000

/* One run with allocation n failing; returns whether it was reached. */
static int oom_run_once(const char *name, oom_scenario scenario, void *ctx,
    const char *out, const char *want, size_t want_len, long n, int persist)
{
	struct ad_error err;
	enum ad_status st;
	int ok;

	memset(&err, 0, sizeof err);
	if (out != NULL)
		unlink(out);
	calls = live = hit = 0;
	fail_at = n;
	persistent = persist;
	st = scenario(ctx, &err);
	fail_at = 0;
	ok = hit ? st == AD_OK || st == AD_ENOMEM : st == AD_OK;
	if (persist && hit)
		ok = st == AD_ENOMEM;
	if (ok && st == AD_ENOMEM)
		ok = err.code == AD_ENOMEM;
	if (ok && out != NULL && st == AD_OK) {
		size_t len = 0;
		char *got = slurp_file(out, &len);

		ok = got != NULL && len == want_len &&
		    memcmp(got, want, len) == 0;
		free(got);
	}
	if (ok && out != NULL && st != AD_OK && access(out, F_OK) == 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "%s: failing allocation %ld (%s): status %d, %s\n",
		    name, n, persist ? "persistent" : "transient", (int)st,
		    err.msg);
	CHECK(ok);
	if (live != 0)
		fprintf(stderr, "%s: failing allocation %ld: %ld blocks leaked\n",
		    name, n, live);
	CHECK(live == 0);
	return hit;
}

/* qsort's order of allocation numbers: by call stack, then by number. */
static int by_site(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	if (site[x] != site[y])
		return site[x] < site[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* Which of the count allocations recorded in site[] to fail (pick[n] for
 * allocation n): all with ADKIT_OOM_EVERY set or past the record, else the
 * first two and the last of each call stack. */
static char *oom_picks(long count)
{
	char *pick = calloc((size_t)count + 1, 1);
	long *order = malloc(((size_t)count + 1) * sizeof *order);
	long m = count < FAILALLOC_SITES ? count : FAILALLOC_SITES, i, j;
	const char *every = getenv("ADKIT_OOM_EVERY");

	if (pick == NULL || order == NULL) {
		free(order);
		return pick;
	}
	if ((every != NULL && strcmp(every, "1") == 0) || count > m)
		memset(pick + 1, 1, (size_t)count);
	for (i = 0; i < m; i++)
		order[i] = i + 1;
	qsort(order, (size_t)m, sizeof *order, by_site);
	for (i = 0; i < m; i = j) {
		for (j = i; j < m && site[order[j]] == site[order[i]]; j++)
			if (j - i < 2)
				pick[order[j]] = 1;
		pick[order[j - 1]] = 1;
	}
	free(order);
	return pick;
}

/* The whole loop over scenario; out is the file it writes, or NULL. */
static void oom_loop(const char *name, oom_scenario scenario, void *ctx,
    const char *out)
{
	struct ad_error err;
	char *want = NULL, *pick;
	size_t want_len = 0;
	long n, count;

	memset(&err, 0, sizeof err);
	calls = live = 0;
	recording = 1;
	CHECK(scenario(ctx, &err) == AD_OK);
	recording = 0;
	CHECK(live == 0);
	count = calls;
	CHECK(count > 0 && (pick = oom_picks(count)) != NULL);
	if (count <= 0 || pick == NULL)
		return;
	if (out != NULL)
		want = slurp_file(out, &want_len);
	/* threads may allocate in another order, or a little more, from one
	 * run to the next: past the count, every allocation until one is not
	 * reached */
	for (int persist = 0; persist <= 1; persist++) {
		for (n = 1; n <= count; n++)
			if (pick[n])
				oom_run_once(name, scenario, ctx, out, want,
				    want_len, n, persist);
		while (oom_run_once(name, scenario, ctx, out, want, want_len, n,
		    persist) && n < OOM_MAX_CALLS)
			n++;
		CHECK(n < OOM_MAX_CALLS);
	}
	free(pick);
	free(want);
}

#endif
