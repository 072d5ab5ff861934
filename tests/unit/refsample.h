/*
 * What the knn and lof unit tests share: a small sample to compare with
 * scikit-learn's values (bench/detectors-ref.py computed them from the
 * same numbers written as CSV files), standardized as adkit's model
 * standardizes rows, and a relative comparison.
 */
#ifndef ADKIT_TEST_REFSAMPLE_H
#define ADKIT_TEST_REFSAMPLE_H
#include <math.h>
#include <stddef.h>

/* Sixteen training rows (row 3 repeats row 2, row 15 is far out), then
 * four new rows (new row 1 repeats training row 5), three features. */
static const double refsample_rows[20 * 3] = {
	1.69, 0.07, 2.02, 0.41, -0.58, 2.00, -0.00, -2.51, 2.51,
	-0.00, -2.51, 2.51, 0.51, 0.48, 1.88, -1.45, 2.11, 2.06,
	0.27, -2.05, 2.83, 0.15, 0.23, 3.01, -0.05, -1.90, 1.80,
	-2.29, 3.10, 1.79, -0.74, 3.14, 1.17, 0.54, -3.13, 1.67,
	-1.20, 3.92, 2.88, -0.33, 2.68, 1.91, 0.57, -0.51, 1.15,
	4.50, -3.00, 2.50,
	0.10, 1.20, 2.00, -1.45, 2.11, 2.06, 3.00, 3.00, 3.00,
	-1.00, 0.50, 1.50
};

/* Standardizes the first n rows of x (d wide) and the m after them with
 * the first n rows' means and population deviations, as the model does. */
static void refsample_standardize(double *x, size_t n, size_t m, size_t d)
{
	for (size_t f = 0; f < d; f++) {
		double s = 0, ss = 0, mean, sd;
		for (size_t i = 0; i < n; i++)
			s += x[i * d + f];
		mean = s / (double)n;
		for (size_t i = 0; i < n; i++)
			ss += (x[i * d + f] - mean) * (x[i * d + f] - mean);
		sd = sqrt(ss / (double)n);
		for (size_t i = 0; i < n + m; i++)
			x[i * d + f] = (x[i * d + f] - mean) / sd;
	}
}

/* Whether got is within tol of want, relative to want. */
static int close_rel(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fabs(want);
}

#endif
