/*
 * Two-sample statistics and the distributions behind their p-values.
 *
 * The Kolmogorov-Smirnov code follows SciPy 1.10.1 step by step, so that
 * ad-drift's p-values are the ones a data scientist gets from
 * scipy.stats.ks_2samp:
 *  - ks_2samp and _attempt_exact_2kssamp (scipy/stats/_stats_py.py):
 *    'auto' is exact when both samples have at most 10000 values;
 *  - _compute_prob_outside_square (same file) for equal sizes, and
 *    _compute_outer_prob_inside_method (scipy/stats/_stats_pythran.py,
 *    Viehmann's recursion for 1 - p) for unequal ones;
 *  - kstwo.sf, i.e. _kolmogn (scipy/stats/_ksstats.py): Simard and
 *    L'Ecuyer's choice between Ruben-Gambino, Durbin's matrix (Marsaglia,
 *    Tsang and Wang), Pomeranz, Pelz-Good and 2 * smirnov;
 *  - smirnov and kolmogorov (scipy/special/cephes/kolmogorov.c, van
 *    Mulbregt). SciPy sums smirnov's series in double-double; here it is
 *    summed in long double with binomials kept as mantissa and exponent,
 *    which agrees to far better than the 1e-9 the golden files ask.
 * The p-values are checked against SciPy by scripts/gen-drift-golden.py
 * and tests/unit/test_stats.c.
 *
 * References: Hodges, "The significance probability of the Smirnov
 * two-sample test", Arkiv for Matematik 3 (1958); Simard and L'Ecuyer,
 * "Computing the two-sided Kolmogorov-Smirnov distribution", J. Stat.
 * Software 39(11) (2011); Viehmann, arXiv:2102.08037 (2021).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "stats.h"

#define PI 3.14159265358979323846
#define LOG_2PI 1.83787706640934548356
#define SQRT2PI 2.50662827463100050242
/* cephes' MINLOG, log(2^-1075): exp() of less is 0. */
#define MINLOG (-7.451332191019412076235e2)

static double clip01(double p)
{
	if (p < 0)
		return 0;
	return p > 1 ? 1 : p;
}

/* ---- the KS statistic ---- */

/* One walk over the merged sorted samples: the KS statistic into *d and
 * the Wasserstein-1 distance into *w. */
static void ks_and_w1(const double *a, size_t na, const double *b,
    size_t nb, double *d, double *w)
{
	/* ks_2samp evaluates cdf_a - cdf_b at every value of both samples as
	 * searchsorted(..., side='right') / n; the same divisions here, at
	 * each distinct value, give the same doubles. W1 integrates |cdf_a -
	 * cdf_b| between consecutive values, summed with Neumaier's
	 * compensation. */
	double n1 = (double)na, n2 = (double)nb, maxs = 0, mins = 0;
	double sum = 0, comp = 0, prev = 0, gap = 0;
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
		double diff, term, t;

		if (i + j > 0) {
			term = gap * (v - prev);
			t = sum + term;
			comp += fabs(sum) >= fabs(term) ? (sum - t) + term :
			    (term - t) + sum;
			sum = t;
		}
		while (i < na && a[i] <= v)
			i++;
		while (j < nb && b[j] <= v)
			j++;
		diff = (double)i / n1 - (double)j / n2;
		if (diff > maxs)
			maxs = diff;
		if (-diff > mins)
			mins = -diff;
		gap = fabs(diff);
		prev = v;
	}
	if (mins > 1)
		mins = 1;
	*d = mins > maxs ? mins : maxs;
	*w = sum + comp;
}

double ad_stats_ks_d(const double *a, size_t na, const double *b, size_t nb)
{
	double d, w;

	ks_and_w1(a, na, b, nb, &d, &w);
	return d;
}

/* ---- exact p-values (ks_2samp's method='exact') ---- */

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* P(D_{n,n} >= h/n): _compute_prob_outside_square. */
static double prob_outside_square(int64_t n, int64_t h)
{
	double p = 0;

	for (int64_t k = (int64_t)floor((double)n / (double)h); k >= 0; k--) {
		double p1 = 1.0;

		for (int64_t j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 /
			    (double)(n + k * h + j + 1);
		p = p1 * (1.0 - p);
	}
	return 2 * p;
}

/* 1 - P(paths stay strictly inside |x/m - y/n| < h/lcm): scipy's
 * _compute_outer_prob_inside_method; a[] holds lenA doubles. */
static double prob_outer_inside(int64_t m, int64_t n, int64_t g, int64_t h,
    double *a)
{
	int64_t mg, ng, minj, maxj, curlen, lena;

	if (m < n) {
		int64_t t = m;
		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	minj = 0;
	maxj = (int64_t)ceil((double)h / (double)mg);
	if (maxj > n + 1)
		maxj = n + 1;
	curlen = maxj - minj;
	lena = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;
	for (int64_t i = 0; i < lena; i++)
		a[i] = i >= minj && i < maxj ? 0.0 : 1.0;
	for (int64_t i = 1; i <= m; i++) {
		int64_t lastminj = minj, lastlen = curlen;
		double val;

		minj = (int64_t)floor((double)(ng * i - h) / (double)mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > n)
			minj = n;
		maxj = (int64_t)ceil((double)(ng * i + h) / (double)mg);
		if (maxj > n + 1)
			maxj = n + 1;
		if (maxj <= minj)
			return 1.0;
		val = minj == 0 ? 0.0 : 1.0;
		for (int64_t jj = 0; jj < maxj - minj; jj++) {
			int64_t j = jj + minj;
			val = (a[jj + minj - lastminj] * (double)i + val *
			    (double)j) / (double)(i + j);
			a[jj] = val;
		}
		curlen = maxj - minj;
		for (int64_t t = curlen; t < lastlen && t < lena; t++)
			a[t] = 1;   /* carried-over elements */
	}
	return a[maxj - minj - 1];
}

double ad_stats_ks_exact(uint64_t n1, uint64_t n2, double d, double *dr,
    enum ad_status *st, struct ad_error *err)
{
	uint64_t g = gcd_u64(n1, n2), lcm = n1 / g * n2;
	int64_t h = (int64_t)nearbyint(d * (double)lcm);  /* np.round: to even */
	double p;

	*st = AD_OK;
	*dr = (double)h / (double)lcm;
	if (h == 0)
		return 1.0;
	if (n1 == n2) {
		p = prob_outside_square((int64_t)n1, h);
	} else {
		uint64_t small = n1 < n2 ? n1 : n2;
		double *a = ad_malloc((size_t)(small + 1) * sizeof *a);

		if (a == NULL) {
			*st = ad_error_nomem(err);
			return -1;
		}
		p = prob_outer_inside((int64_t)n1, (int64_t)n2, (int64_t)g, h, a);
		ad_free(a);
	}
	return p >= 0 && p <= 1 ? p : -1;
}

/* ---- Kolmogorov's limiting distribution (cephes _kolmogorov) ---- */

double ad_stats_kolmogorov(double x)
{
	double p = 1.0;

	if (isnan(x))
		return NAN;
	/* below pi / sqrt(8 * 746), the series' first term is exp(-746) */
	if (x <= 0 || x <= PI / sqrt(746.0 * 8))
		return 1.0;
	if (x <= 0.82) {
		double w = sqrt(2 * PI) / x, logu8 = -PI * PI / (x * x);
		double u = exp(logu8 / 8), u8, u8cub;

		if (u == 0)
			return clip01(1 - exp(logu8 / 8 + log(w)));
		u8 = exp(logu8);
		u8cub = pow(u8, 3);
		p = 1 + u8cub * p;
		p = 1 + u8 * u8 * p;
		p = 1 + u8 * p;
		return clip01(1 - w * u * p);
	} else {
		double v = exp(-2 * x * x), vsq = v * v, v3 = pow(v, 3);

		p = 1 - v3 * v3 * v * p;
		p = 1 - v3 * vsq * p;
		p = 1 - v3 * p;
		return clip01(2 * v * p);
	}
}

/* ---- Smirnov's one-sided distribution (cephes _smirnov) ---- */

/* floor(n x) and its fraction, exactly: n x is p + e with e from fma. */
static long double frac_nx(uint64_t n, double x, int64_t *fl)
{
	double p = (double)n * x, e = fma((double)n, x, -p), f = floor(p);
	long double alpha = (long double)(p - f) + (long double)e;

	if (alpha < 0) {
		f -= 1;
		alpha += 1;
	}
	if (alpha >= 1) {
		f += 1;
		alpha -= 1;
	}
	*fl = (int64_t)f;
	return alpha;
}

/* A_v = C(n, v) (1 - x - v/n)^(n - v) (x + v/n)^(v - 1), the binomial
 * given as cman * 2^cexp; computed through log2 so that neither the
 * binomial nor the powers overflow. 1 - x - v/n is negative in the upper
 * sum, whose terms then alternate in sign. */
static long double smirnov_term(uint64_t n, int64_t nxfl, long double alpha,
    int64_t v, long double cman, int64_t cexp)
{
	long double n_ = (long double)n;
	long double t2x = ((long double)((int64_t)n - nxfl - v) - alpha) / n_;
	long double t1x = ((long double)(nxfl + v) + alpha) / n_;
	long double l = log2l(cman) + (long double)cexp;
	int64_t e2 = (int64_t)n - v;
	int negative = t2x < 0 && e2 % 2 != 0;

	if (e2 != 0) {
		if (t2x == 0)
			return 0;
		l += (long double)e2 * log2l(fabsl(t2x));
	}
	if (v != 1)
		l += (long double)(v - 1) * log2l(t1x);
	return negative ? -exp2l(l) : exp2l(l);
}

/* C(n, j) -> C(n, j + 1), kept as a mantissa in [0.5, 1) and exponent. */
static void next_binomial(long double *cman, int64_t *cexp, uint64_t n,
    int64_t j)
{
	int e;

	*cman = frexpl(*cman * ((long double)((int64_t)n - j) /
	    (long double)(j + 1)), &e);
	*cexp += e;
}

double ad_stats_smirnov(uint64_t n, double x)
{
	long double alpha, sum, cman = 0.5L, term, prob;
	int64_t nxfl, n1mxfl, n1mxceil, nterms, start, step, cexp = 1;
	int64_t vmid = (int64_t)(n / 2);
	int upper;

	if (!(n > 0 && x >= 0.0 && x <= 1.0) || n > INT32_MAX)
		return NAN;
	if (n == 1)
		return 1 - x;
	if (x == 0.0)
		return 1.0;
	if (x == 1.0)
		return 0.0;
	alpha = frac_nx(n, x, &nxfl);
	n1mxfl = (int64_t)n - nxfl - (alpha == 0 ? 0 : 1);
	n1mxceil = (int64_t)n - nxfl;
	if (alpha == 0) {
		n1mxfl -= 1;
		n1mxceil += 1;
	}
	if (nxfl == 0 || (nxfl == 1 && alpha == 0))   /* x <= 1/n */
		return clip01((double)(1 - x * powl(1.0L + x,
		    (long double)n - 1)));
	if (-2 * (double)n * x * x < MINLOG)
		return 0;
	if (nxfl >= (int64_t)n - 1)                    /* x >= 1 - 1/n */
		return clip01((double)powl(1.0L - x, (long double)n));
	if (n > 1000000) {
		/* SciPy's approximation for huge n: p ~ e^(-(6nx+1)^2 / 18n) */
		double logp = -pow(6.0 * (double)n * x + 1, 2) / 18.0 / (double)n;
		return clip01(logp < -0.69314718055994530942 ? exp(logp) : 1 + expm1(logp));
	}
	nterms = (int64_t)n - n1mxceil + 1;
	upper = (nterms <= 1 && x < 0.5) || (n >= 10 && nterms <= 3 &&
	    x <= 0.5 / sqrt((double)n));
	if (upper) {
		start = (int64_t)n;
		step = -1;
		sum = powl(1.0L + x, (long double)n - 1);
	} else {
		start = 0;
		step = 1;
		nterms = n1mxfl + 1;
		sum = powl(1.0L - x, (long double)n) / x;
	}
	next_binomial(&cman, &cexp, n, 0);   /* C(n, 1) */
	for (int64_t j = 1; j < nterms; j++) {
		term = smirnov_term(n, nxfl, alpha, start + j * step, cman, cexp);
		if (isfinite(term) && term != 0)
			sum += term;
		if (term != 0) {
			/* SciPy stops once the rest cannot matter */
			if (4.0L * (long double)(nterms - j) * fabsl(term) <
			    DBL_EPSILON * sum && j != nterms - 1)
				break;
		} else if (j > vmid) {
			break;
		}
		next_binomial(&cman, &cexp, n, j);
	}
	prob = x * sum;
	return clip01((double)(step < 0 ? 1 - prob : prob));
}

/* ---- kstwo: the two-sided one-sample distribution (_ksstats.py) ---- */

/* log(n! / n^n) by Stirling's series, as _log_nfactorial_div_n_pow_n. */
static double log_nfact_div_npown(double n)
{
	static const double c[] = { -2.955065359477124183e-2,
	    6.4102564102564102564e-3, -1.9175269175269175269e-3,
	    8.4175084175084175084e-4, -5.952380952380952381e-4,
	    7.9365079365079365079e-4, -2.7777777777777777778e-3,
	    8.3333333333333333333e-2 };
	double rn = 1.0 / n, poly = 0;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		poly = poly * (rn / n) + c[i];
	return log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/* out = a * b for m x m row-major matrices (out distinct from both). */
static void matmul(const double *a, const double *b, double *out, int m)
{
	for (int i = 0; i < m; i++) {
		double *row = out + (size_t)i * m;
		for (int j = 0; j < m; j++)
			row[j] = 0;
		for (int k = 0; k < m; k++) {
			double aik = a[(size_t)i * m + k];
			const double *bk = b + (size_t)k * m;
			for (int j = 0; j < m; j++)
				row[j] += aik * bk[j];
		}
	}
}

/* P(D_n <= d) by Durbin's matrix (Marsaglia, Tsang and Wang):
 * _kolmogn_DMTW, the matrix in double as numpy's, the final scaling in
 * long double as SciPy's once it rescales; -1 if memory runs out. */
static double kolmogn_dmtw(uint64_t n, double d)
{
	double nd = (double)n * d, h, *hm, *hp, *tmp, *v, *w, fac = 1;
	double ep128 = ldexp(1, 128);
	long double p;
	int64_t expnt = 0, hexpnt = 0;
	uint64_t nn = n;
	size_t mm;
	int k, m;

	if (d >= 1.0)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (int)ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	mm = (size_t)m * (size_t)m;
	if ((hm = ad_calloc(3 * mm + 2 * (size_t)m, sizeof *hm)) == NULL)
		return -1;
	hp = hm + mm;
	tmp = hp + mm;
	v = tmp + mm;
	w = v + m;
	for (int j = 1; j <= m; j++) {
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] = (1.0 - pow(h, j)) * fac;
	}
	v[m - 1] = (1.0 + (pow(fmax(2 * h - 1.0, 0), m) - 2 * pow(h, m))) * fac;
	for (int i = 1; i < m; i++)
		for (int r = i - 1; r < m; r++)
			hm[(size_t)r * m + i] = w[r - (i - 1)];
	for (int r = 0; r < m; r++)
		hm[(size_t)r * m] = v[r];
	for (int c = 0; c < m; c++)
		hm[(size_t)(m - 1) * m + c] = v[m - 1 - c];
	for (int i = 0; i < m; i++)
		hp[(size_t)i * m + i] = 1;
	while (nn > 0) {
		if (nn % 2) {
			matmul(hp, hm, tmp, m);
			memcpy(hp, tmp, mm * sizeof *hp);
			expnt += hexpnt;
		}
		matmul(hm, hm, tmp, m);
		memcpy(hm, tmp, mm * sizeof *hm);
		hexpnt *= 2;
		if (fabs(hm[(size_t)(k - 1) * m + (k - 1)]) > ep128) {
			for (size_t i = 0; i < mm; i++)
				hm[i] /= ep128;
			hexpnt += 128;
		}
		nn /= 2;
	}
	p = hp[(size_t)(k - 1) * m + (k - 1)];
	ad_free(hm);
	for (uint64_t i = 1; i <= n; i++) {
		p = (long double)i * p / (long double)n;
		if (fabsl(p) < ldexpl(1, -128)) {
			p *= ldexpl(1, 128);
			expnt -= 128;
		}
	}
	if (expnt != 0)
		p = ldexpl(p, (int)expnt);
	return clip01((double)p);
}

/* The window of Pomeranz's row i: _pomeranz_compute_j1j2. */
static void pomeranz_j1j2(int64_t i, int64_t n, int64_t ll, int64_t ceilf,
    int64_t roundf, int64_t *j1, int64_t *j2)
{
	int64_t a, b;

	if (i == 0) {
		a = -ll - ceilf - 1;
		b = ll + ceilf - 1;
	} else {
		int64_t div = (i + 1) / 2, mod = (i + 1) % 2;
		if (mod == 0) {
			if (div == n + 1) {
				a = n - ll - ceilf - 1;
				b = n + ll + ceilf - 1;
			} else {
				a = div - 1 - ll - roundf - 1;
				b = div + ll - 1 + ceilf - 1;
			}
		} else {
			a = div - 1 - ll - 1;
			b = div + ll + roundf - 1;
		}
	}
	*j1 = a + 2 > 0 ? a + 2 : 0;
	*j2 = b < n ? b : n;
}

/* P(D_n <= x) by Pomeranz's recursion: _kolmogn_Pomeranz; -1 if memory
 * runs out. */
static double kolmogn_pomeranz(uint64_t n_, double x)
{
	int64_t n = (int64_t)n_, ll, ceilf, roundf, npw, j1, j2, v0s = 0,
	    v1s = 0, expnt = 0;
	double t = (double)n * x, f, g, *buf, *gp, *tgp, *omp, *v0, *v1;
	long double ans;

	ll = (int64_t)floor(t);
	f = t - (double)ll;
	g = f < 1.0 - f ? f : 1.0 - f;
	ceilf = f > 0 ? 1 : 0;
	roundf = f > 0.5 ? 1 : 0;
	npw = 2 * (ll + 1);
	if ((buf = ad_calloc((size_t)npw * 5, sizeof *buf)) == NULL)
		return -1;
	gp = buf;
	tgp = gp + npw;
	omp = tgp + npw;
	v0 = omp + npw;
	v1 = v0 + npw;
	gp[0] = tgp[0] = omp[0] = 1.0;
	for (int64_t m = 1; m < npw; m++) {
		gp[m] = gp[m - 1] * (g / (double)n) / (double)m;
		tgp[m] = tgp[m - 1] * (2 * g / (double)n) / (double)m;
		omp[m] = omp[m - 1] * ((1 - 2 * g) / (double)n) / (double)m;
	}
	v1[0] = 1;
	pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (int64_t i = 1; i < 2 * n + 2; i++) {
		int64_t k1 = j1, ln2, s;
		double *swap = v0, *pw, vmax = 0;

		v0 = v1;
		v1 = swap;
		s = v0s;
		v0s = v1s;
		v1s = s;
		memset(v1, 0, (size_t)npw * sizeof *v1);
		pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		pw = i == 1 || i == 2 * n + 1 ? gp : (i % 2 ? tgp : omp);
		ln2 = j2 - k1 + 1;
		if (ln2 <= 0)
			continue;
		/* the full convolution of v0[k1 - v0s ..][0..ln2) and pw[0..ln2),
		 * of which entries j1 - k1 .. j2 - k1 are kept */
		for (int64_t c = j1 - k1; c <= j2 - k1; c++) {
			double sum = 0;
			for (int64_t q = 0; q <= c && q < ln2; q++)
				if (c - q < ln2 && k1 - v0s + q >= 0 &&
				    k1 - v0s + q < npw)
					sum += v0[k1 - v0s + q] * pw[c - q];
			v1[c - (j1 - k1)] = sum;
		}
		for (int64_t c = 0; c < npw; c++)
			if (v1[c] > vmax)
				vmax = v1[c];
		if (vmax > 0 && vmax < ldexp(1, -128)) {
			for (int64_t c = 0; c < npw; c++)
				v1[c] *= ldexp(1, 128);
			expnt -= 128;
		}
		v1s = v0s + j1 - k1;
	}
	ans = v1[n - v1s];
	ad_free(buf);
	for (int64_t m = 1; m <= n; m++) {
		if (fabsl(ans) > ldexpl(1, 128)) {
			ans *= ldexpl(1, -128);
			expnt += 128;
		}
		ans *= (long double)m;
	}
	if (expnt != 0)
		ans = ldexpl(ans, (int)expnt);
	return clip01((double)ans);
}

/* The Pelz-Good approximation of P(D_n <= x): _kolmogn_PelzGood. */
static double kolmogn_pelzgood(uint64_t n, double x)
{
	double z, z2, z3, z4, z6, qlog, q, k[4] = { 0, 0, 0, 0 }, k1a, k1b,
	    k2a, k2b, k2c, k3a, k3b, k3c, k3d, sq3z, k2x = 0, k3x = 0, nn;
	double pi2 = PI * PI, pi4 = pow(PI, 4), pi6 = pow(PI, 6);
	int maxk;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = z * z;
	z3 = pow(z, 3);
	z4 = pow(z, 4);
	z6 = pow(z, 6);
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	q = exp(qlog);
	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * pow(z, 8);
	maxk = (int)ceil(16 * z / PI);
	for (int i = maxk; i > 0; i--) {
		double m = 2 * i - 1, m2 = m * m, m4 = pow(m, 4), m6 = pow(m, 6);
		double qp = pow(q, 8 * i);
		double c[4] = { 1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
		    k3a + k3b * m2 + k3c * m4 + k3d * m6 };

		for (int t = 0; t < 4; t++)
			k[t] = k[t] * qp + c[t];
	}
	for (int t = 0; t < 4; t++)
		k[t] = k[t] * q * SQRT2PI;
	k[0] /= z;
	k[1] /= 6 * z4;
	k[2] /= 72 * pow(z, 7);
	k[3] /= 6480 * pow(z, 10);
	q = exp(-pi2 / 2 / z2);
	sq3z = sqrt(3.0) * z;
	for (int i = maxk; i > 0; i--) {
		double i2 = (double)i * i, kp = PI * i, qpw = pow(q, i2);
		k2x += i2 * qpw;
		k3x += (sq3z + kp) * (sq3z - kp) * i2 * qpw;
	}
	k[2] += k2x * (pi2 * SQRT2PI / (-36 * z3));
	k[3] += k3x * (pi2 * SQRT2PI / (216 * z6));
	nn = (double)n;
	k[1] /= sqrt(nn);
	k[2] /= nn;
	k[3] /= pow(nn, 1.5);
	return k[0] + k[1] + k[2] + k[3];
}

/* *p = 1 - cdf, clipped; a negative cdf means memory ran out. */
static enum ad_status sf_of(double cdf, double *p, struct ad_error *err)
{
	if (cdf < 0)
		return ad_error_nomem(err);
	*p = clip01(1.0 - cdf);
	return AD_OK;
}

static enum ad_status set_p(double v, double *p)
{
	*p = clip01(v);
	return AD_OK;
}

enum ad_status ad_stats_kstwo_sf(double x, uint64_t n, double *p,
    struct ad_error *err)
{
	double t, nx2, nn = (double)n;

	if (isnan(x) || n == 0)
		return set_p(NAN, p);
	if (x <= 0.5 / nn)           /* at or below the support */
		return set_p(1.0, p);
	if (x >= 1.0)
		return set_p(0.0, p);
	t = nn * x;
	if (t <= 1.0) {              /* Ruben-Gambino */
		double prob;
		if (t <= 0.5)
			return set_p(1.0, p);
		if (n <= 140) {
			prob = 1.0;
			for (uint64_t i = 1; i <= n; i++)
				prob *= (double)i * (1.0 / nn) * (2 * t - 1);
		} else {
			prob = exp(log_nfact_div_npown(nn) + nn * log(2 * t - 1));
		}
		return set_p(1.0 - prob, p);
	}
	if (t >= nn - 1)             /* Ruben-Gambino */
		return set_p(2 * pow(1.0 - x, nn), p);
	if (x >= 0.5)
		return set_p(2 * ad_stats_smirnov(n, x), p);
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 0.754693)
			return sf_of(kolmogn_dmtw(n, x), p, err);
		if (nx2 <= 4)
			return sf_of(kolmogn_pomeranz(n, x), p, err);
		return set_p(2 * ad_stats_smirnov(n, x), p);
	}
	if (nx2 >= 370.0)
		return set_p(0.0, p);
	if (nx2 >= 2.2)
		return set_p(2 * ad_stats_smirnov(n, x), p);
	if (n <= 100000 && nn * pow(x, 1.5) <= 1.4)
		return sf_of(kolmogn_dmtw(n, x), p, err);
	return sf_of(kolmogn_pelzgood(n, x), p, err);
}

/* ---- the two-sample test ---- */

/* The p-value of statistic d of samples of na and nb values. */
static enum ad_status ks_p(double d, size_t na, size_t nb, struct ad_ks *ks,
    struct ad_error *err)
{
	double p = -1, dr = d;
	enum ad_status st = AD_OK;

	if (na <= AD_STATS_KS_EXACT_MAX && nb <= AD_STATS_KS_EXACT_MAX) {
		p = ad_stats_ks_exact(na, nb, d, &dr, &st, err);
		if (st != AD_OK)
			return st;
	}
	if (p >= 0) {
		ks->d = dr;
		ks->p = p;
		ks->method = AD_KS_EXACT;
	} else {
		double m = (double)(na > nb ? na : nb), n = (double)(na > nb ?
		    nb : na), en = m * n / (m + n);
		/* scipy rounds en half to even; en >= 0.5 since n >= 1 */
		double r = nearbyint(en);

		double prob = NAN;

		if (r >= 1 && (st = ad_stats_kstwo_sf(dr, (uint64_t)r, &prob,
		    err)) != AD_OK)
			return st;
		ks->d = dr;
		ks->p = prob;
		ks->method = AD_KS_ASYMP;
	}
	return AD_OK;
}

enum ad_status ad_stats_ks(const double *a, size_t na, const double *b,
    size_t nb, struct ad_ks *ks, struct ad_error *err)
{
	return ks_p(ad_stats_ks_d(a, na, b, nb), na, nb, ks, err);
}

enum ad_status ad_stats_ks_wasserstein(const double *a, size_t na,
    const double *b, size_t nb, struct ad_ks *ks, double *w,
    struct ad_error *err)
{
	double d;

	ks_and_w1(a, na, b, nb, &d, w);
	return ks_p(d, na, nb, ks, err);
}

/* ---- distances between distributions ---- */

double ad_stats_wasserstein(const double *a, size_t na, const double *b,
    size_t nb)
{
	double d, w;

	ks_and_w1(a, na, b, nb, &d, &w);
	return w;
}

static double total(const double *c, size_t k)
{
	double s = 0;

	for (size_t i = 0; i < k; i++)
		s += c[i];
	return s;
}

double ad_stats_psi(const double *ref, const double *cur, size_t k)
{
	double nr = total(ref, k), nc = total(cur, k), psi = 0;

	if (!(nr > 0) || !(nc > 0))
		return NAN;
	for (size_t i = 0; i < k; i++) {
		double r = ref[i] > 0 ? ref[i] / nr : AD_STATS_PSI_EPS;
		double c = cur[i] > 0 ? cur[i] / nc : AD_STATS_PSI_EPS;
		psi += (c - r) * log(c / r);
	}
	return psi;
}

/* x log(x / y) as scipy.special.rel_entr, for x, y >= 0. */
static double rel_entr(double x, double y)
{
	if (x > 0 && y > 0)
		return x * log(x / y);
	return x == 0 ? 0 : INFINITY;
}

double ad_stats_js(const double *ref, const double *cur, size_t k)
{
	double nr = total(ref, k), nc = total(cur, k), sl = 0, sr = 0, js;

	if (!(nr > 0) || !(nc > 0))
		return NAN;
	for (size_t i = 0; i < k; i++) {
		double p = ref[i] / nr, q = cur[i] / nc, m = (p + q) / 2.0;
		sl += rel_entr(p, m);
		sr += rel_entr(q, m);
	}
	js = (sl + sr) / log(2.0);
	return sqrt(js / 2.0);
}

/* ---- chi-square ---- */

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static long double gamma_q_cf(long double a, long double x)
{
	const long double tiny = 1e-4000L;
	long double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;

	for (int i = 1; i < 100000; i++) {
		long double an = -i * (i - a), del;
		b += 2;
		d = an * d + b;
		if (fabsl(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabsl(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1) < LDBL_EPSILON)
			break;
	}
	return expl(-x + a * logl(x) - lgammal(a)) * h;
}

/* P(a, x) by its series, for x < a + 1. */
static long double gamma_p_series(long double a, long double x)
{
	long double ap = a, del = 1 / a, sum = del;

	for (int i = 0; i < 100000; i++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (fabsl(del) < fabsl(sum) * LDBL_EPSILON)
			break;
	}
	return sum * expl(-x + a * logl(x) - lgammal(a));
}

double ad_stats_gammaincc(double a, double x)
{
	if (isnan(a) || isnan(x) || a <= 0 || x < 0)
		return NAN;
	if (x == 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x < a + 1)
		return clip01((double)(1 - gamma_p_series(a, x)));
	return clip01((double)gamma_q_cf(a, x));
}

double ad_stats_chi2_sf(double x, double df)
{
	if (isnan(x) || isnan(df) || df <= 0)
		return NAN;
	if (x <= 0)
		return 1.0;
	return ad_stats_gammaincc(df / 2, x / 2);
}

double ad_stats_chi2_test(const double *ref, const double *cur, size_t k,
    double *stat, double *dof)
{
	double nr = total(ref, k), nc = total(cur, k), n = nr + nc, chi2 = 0;
	size_t used = 0;

	if (!(nr > 0) || !(nc > 0)) {
		if (stat != NULL)
			*stat = NAN;
		if (dof != NULL)
			*dof = NAN;
		return NAN;
	}
	for (size_t i = 0; i < k; i++) {
		double col = ref[i] + cur[i], er, ec;
		if (col <= 0)
			continue;
		used++;
		er = nr * col / n;
		ec = nc * col / n;
		chi2 += (ref[i] - er) * (ref[i] - er) / er +
		    (cur[i] - ec) * (cur[i] - ec) / ec;
	}
	if (stat != NULL)
		*stat = used > 1 ? chi2 : 0;
	if (dof != NULL)
		*dof = used > 1 ? (double)(used - 1) : 0;
	return used > 1 ? ad_stats_chi2_sf(chi2, (double)(used - 1)) : 1.0;
}

/* ---- order statistics ---- */

double ad_stats_quantile(const double *v, size_t n, double q)
{
	/* numpy's 'linear' method: index (n - 1) q, and _lerp, which
	 * interpolates from the nearer end so that the result is monotone */
	double vi = (double)(n - 1) * q, lo = floor(vi), t = vi - lo, a, b, diff;
	size_t i = (size_t)lo, j = i + 1 < n ? i + 1 : n - 1;

	if (i >= n)
		i = n - 1;
	a = v[i];
	b = v[j];
	diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* The unsigned key that orders doubles as numbers (-0 before +0). */
static uint64_t sort_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u & UINT64_C(0x8000000000000000) ? ~u :
	    u | UINT64_C(0x8000000000000000);
}

static double from_key(uint64_t u)
{
	double d;

	u = u & UINT64_C(0x8000000000000000) ? u & ~UINT64_C(0x8000000000000000)
	    : ~u;
	memcpy(&d, &u, sizeof d);
	return d;
}

enum ad_status ad_stats_sort(double *v, size_t n, struct ad_error *err)
{
	/* LSD radix sort, 11 bits a pass over the 64-bit keys: 6 passes,
	 * each skipped when every key has the same digit */
	enum { BITS = 11, RADIX = 1 << BITS, PASSES = 6 };
	uint64_t *keys, *tmp, *src, *dst;
	size_t (*count)[RADIX], bytes;

	if (n < 2)
		return AD_OK;
	if (ad_mul_size(n, 2 * sizeof *keys, &bytes) != 0 ||
	    (keys = ad_malloc(bytes)) == NULL)
		return ad_error_nomem(err);
	if ((count = ad_calloc(PASSES, sizeof *count)) == NULL) {
		ad_free(keys);
		return ad_error_nomem(err);
	}
	tmp = keys + n;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = sort_key(v[i]);
		keys[i] = k;
		for (int p = 0; p < PASSES; p++)
			count[p][(k >> (p * BITS)) & (RADIX - 1)]++;
	}
	src = keys;
	dst = tmp;
	for (int p = 0; p < PASSES; p++) {
		size_t sum = 0, *c = count[p];
		uint64_t *t;

		if (c[(src[0] >> (p * BITS)) & (RADIX - 1)] == n)
			continue;
		for (size_t d = 0; d < RADIX; d++) {
			size_t x = c[d];
			c[d] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i] >> (p * BITS)) & (RADIX - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = from_key(src[i]);
	ad_free(count);
	ad_free(keys);
	return AD_OK;
}
