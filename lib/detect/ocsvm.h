#ifndef ADKIT_OCSVM_H
#define ADKIT_OCSVM_H
/*
 * One-Class SVM (Schoelkopf et al., 2001) trained by libsvm, with
 * scikit-learn's meanings for every option: the detector of -a ocsvm.
 *
 * Training hands libsvm the standardized reservoir (see detector.h) and
 * keeps what the decision function needs, copied out of libsvm's model:
 * the support vectors, their coefficients (alpha) and rho. Scoring
 * computes f(x) = sum_i alpha_i K(sv_i, x) - rho itself, with libsvm's
 * kernels, so no libsvm object outlives training; a row's score is -f(x),
 * higher = more anomalous, and f(x) < 0 (score > 0) is outside the SVM's
 * boundary, the threshold of --contamination auto.
 *
 * Explanations: each feature's share of the kernel-weighted squared
 * distance from the row to the support vectors,
 *   contrib_f = sum_i w_i (x_f - sv_if)^2 / sum_i w_i,
 * with w_i = alpha_i K_rbf(sv_i, x) for the RBF kernel (the support
 * vectors that hold the row in count most) and w_i = alpha_i for the
 * others. The feature that takes the row furthest from where the support
 * vectors are comes first.
 */
#include <stddef.h>

/* Kernels, numbered as libsvm numbers them (and as the model stores them). */
enum ad_ocsvm_kernel {
	AD_OCSVM_LINEAR = 0,   /* x.y */
	AD_OCSVM_POLY = 1,     /* (gamma x.y + coef0)^degree */
	AD_OCSVM_RBF = 2,      /* exp(-gamma |x - y|^2) */
	AD_OCSVM_SIGMOID = 3   /* tanh(gamma x.y + coef0) */
};

enum ad_ocsvm_gamma {
	AD_OCSVM_GAMMA_SCALE = 0,  /* 1 / (features * variance of the rows) */
	AD_OCSVM_GAMMA_AUTO = 1,   /* 1 / features */
	AD_OCSVM_GAMMA_VALUE = 2   /* the value given */
};

/* -a ocsvm's options block (scikit-learn's OneClassSVM defaults, set by
 * its rows). */
struct ad_ocsvm_opts {
	enum ad_ocsvm_kernel kernel;  /* rbf */
	double nu;                    /* (0, 1]: 0.5 */
	enum ad_ocsvm_gamma gamma_mode;  /* scale */
	double gamma;                 /* >= 0, with AD_OCSVM_GAMMA_VALUE */
	unsigned degree;              /* poly: 3 */
	double coef0;                 /* poly, sigmoid: 0 */
	double tol;                   /* > 0: 1e-3 */
	double cache_mb;              /* > 0: 200, libsvm's kernel cache */
};

/* Largest --degree. */
#define AD_OCSVM_MAX_DEGREE 100

#endif
