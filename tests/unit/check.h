#ifndef ADKIT_CHECK_H
#define ADKIT_CHECK_H
/*
 * A minimal unit-test harness: CHECK records a failure and goes on, so one
 * run reports every broken expectation. main() ends with CHECK_DONE(), which
 * prints "test_x: N passed, N failed" and returns non-zero on any failure.
 */
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_DONE(name) ( \
	printf("%s: %d passed, %d failed\n", (name), check_passed, check_failed), \
	check_failed != 0)

#endif
