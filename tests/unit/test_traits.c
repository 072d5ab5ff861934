/*
 * Tests for lib/engine/traits: each share on a small table made for it
 * (constant, categorical, missing, duplicate rows with -0 and NaN), the
 * median |skewness| against scipy.stats.skew, the time-column names, and
 * one row.
 */
#include <math.h>
#include <stddef.h>

#include "traits.h"

#include "check.h"

static void test_shares(void)
{
	/* a: constant; b: two values (categorical); c: 12 distinct values,
	 * one missing; d: a stride of 5 (ld) with an unused column */
	double x[12 * 4];
	struct ad_traits t;
	struct ad_error err;

	for (int i = 0; i < 12; i++) {
		x[i * 4 + 0] = 7;
		x[i * 4 + 1] = i % 2;
		x[i * 4 + 2] = i == 5 ? NAN : i * i;
		x[i * 4 + 3] = 99;  /* not a feature: ld 4, d 3 */
	}
	CHECK(ad_traits_compute(x, 12, 3, 4, &t, &err) == AD_OK);
	CHECK(t.rows == 12 && t.features == 3);
	CHECK(fabs(t.constant_share - 1.0 / 3) < 1e-12);
	CHECK(fabs(t.categorical_share - 1.0 / 3) < 1e-12);
	CHECK(fabs(t.missing_share - 1.0 / 36) < 1e-12);
	CHECK(t.duplicate_share == 0);
	CHECK(t.time_column == 0);
}

static void test_categorical_limit(void)
{
	/* AD_TRAITS_CATEGORICAL distinct values are categorical, one more is
	 * not */
	double x[2 * 40];
	struct ad_traits t;
	struct ad_error err;

	for (int i = 0; i < 40; i++) {
		x[i * 2] = i % AD_TRAITS_CATEGORICAL;
		x[i * 2 + 1] = i % (AD_TRAITS_CATEGORICAL + 1);
	}
	CHECK(ad_traits_compute(x, 40, 2, 2, &t, &err) == AD_OK);
	CHECK(t.categorical_share == 0.5);
}

static void test_duplicates(void)
{
	/* rows 1 and 3 repeat row 0 (-0 as 0, NaN as NaN): 2 of 5 */
	double x[] = { 0, NAN, 1, 2, -0.0, NAN, 3, 4, 0, NAN };
	struct ad_traits t;
	struct ad_error err;

	CHECK(ad_traits_compute(x, 5, 2, 2, &t, &err) == AD_OK);
	CHECK(fabs(t.duplicate_share - 0.4) < 1e-12);
}

static void test_skew(void)
{
	/* scipy.stats.skew([1, 2, 3, 10]) = 1.0182337649... and of
	 * [1, 1, 1, 5] 1.1547005383792515; the median of the two and of a
	 * symmetric feature (0) is 1.0182337649 */
	double x[] = {
		1, 1, 0,
		2, 1, 1,
		3, 1, 2,
		10, 5, 3,
	};
	struct ad_traits t;
	struct ad_error err;

	CHECK(ad_traits_compute(x, 4, 3, 3, &t, &err) == AD_OK);
	CHECK(fabs(t.skew - 1.0182337649) < 1e-9);
	/* the mean of the middle two with an even count: the symmetric one
	 * alone left with the [1,1,1,5] one */
	CHECK(ad_traits_compute(x + 1, 4, 2, 3, &t, &err) == AD_OK);
	CHECK(fabs(t.skew - 1.1547005383792515 / 2) < 1e-9);
}

static void test_one_row(void)
{
	double x[] = { 1, NAN };
	struct ad_traits t;
	struct ad_error err;

	CHECK(ad_traits_compute(x, 1, 2, 2, &t, &err) == AD_OK);
	CHECK(t.constant_share == 1 && t.skew == 0 && t.duplicate_share == 0);
	CHECK(t.missing_share == 0.5);
}

static void test_time_names(void)
{
	CHECK(ad_traits_time_name("timestamp"));
	CHECK(ad_traits_time_name("Time"));
	CHECK(ad_traits_time_name("DATE"));
	CHECK(!ad_traits_time_name("times"));
	CHECK(!ad_traits_time_name("latency_ms"));
}

int main(void)
{
	test_shares();
	test_categorical_limit();
	test_duplicates();
	test_skew();
	test_one_row();
	test_time_names();
	return CHECK_DONE("test_traits");
}
