/*
 * The OOM loop of STYLE.md, after SQLite's test_malloc.c, for any scenario:
 * for N = 1, 2, ... the Nth allocation fails, once (transient) and then
 * from then on (persistent), until a run no longer reaches the Nth. Each
 * run must end with AD_OK or AD_ENOMEM (AD_ENOMEM, with err.code set,
 * whenever a persistent failure was hit), leave no block alive, and, when
 * the scenario writes an output file, leave the same bytes as a run
 * without failures on AD_OK and no file at all otherwise.
 *
 * Include it after check.h and failalloc.h.
 */
#ifndef ADKIT_TEST_OOMLOOP_H
#define ADKIT_TEST_OOMLOOP_H
#include <stdio.h>
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

/* The whole loop over scenario; out is the file it writes, or NULL. */
static void oom_loop(const char *name, oom_scenario scenario, void *ctx,
    const char *out)
{
	struct ad_error err;
	char *want = NULL;
	size_t want_len = 0;
	long n;

	memset(&err, 0, sizeof err);
	calls = live = 0;
	CHECK(scenario(ctx, &err) == AD_OK);
	CHECK(live == 0);
	if (out != NULL)
		want = slurp_file(out, &want_len);
	for (int persist = 0; persist <= 1; persist++) {
		for (n = 1; oom_run_once(name, scenario, ctx, out, want,
		    want_len, n, persist) && n < OOM_MAX_CALLS; n++)
			;
		CHECK(n > 1 && n < OOM_MAX_CALLS);
	}
	free(want);
}

#endif
