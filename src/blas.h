/* blas.h: the dense kernels fairc's learners need, row-major, math in double. Small vector loops
 * are inline here, written four lanes wide so that compilers vectorise them at -O2 without
 * reassociating anything: every output is summed in the order the code states, so results do not
 * depend on the instruction set. fairc_gemm is the matrix product (OpenBLAS's dgemm when built
 * with FAIRC_HAVE_CBLAS, else fairc_gemm_portable, which is always compiled so tests can compare
 * the two). Not here: sparse products of one-hot inputs (mlp.c). */
#ifndef FAIRC_BLAS_H
#define FAIRC_BLAS_H

#include <stddef.h>

enum { FAIRC_NOTRANS = 0, FAIRC_TRANS = 1 };

/* C (M, N) <- beta C + op(A) op(B), where op(A) is (M, K) and op(B) is (K, N), op(X) = X or
 * X^T as ta, tb say; lda, ldb, ldc are the row strides of the stored matrices. beta is 0 or 1;
 * 0 overwrites C whatever it held (even NaN). work: K * N doubles when tb is FAIRC_TRANS (the
 * portable kernel transposes B there), else unused and may be NULL. */
void fairc_gemm(int ta, int tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                const double *B, size_t ldb, double beta, double *C, size_t ldc, double *work);
void fairc_gemm_portable(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                         size_t lda, const double *B, size_t ldb, double beta, double *C,
                         size_t ldc, double *work);
/* "openblas" or "portable": what fairc_gemm uses in this build (for benchmark output). */
const char *fairc_gemm_backend(void);

/* sum_k x[k] v[k] over four interleaved partial sums, added as (s0 + s1) + (s2 + s3). */
static inline double fairc_dot_fd(const float *x, const double *v, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += (double)x[k] * v[k];
        s1 += (double)x[k + 1] * v[k + 1];
        s2 += (double)x[k + 2] * v[k + 2];
        s3 += (double)x[k + 3] * v[k + 3];
    }
    for (; k < n; k++) s0 += (double)x[k] * v[k];
    return (s0 + s1) + (s2 + s3);
}

static inline double fairc_dot(const double *x, const double *v, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += x[k] * v[k];
        s1 += x[k + 1] * v[k + 1];
        s2 += x[k + 2] * v[k + 2];
        s3 += x[k + 3] * v[k + 3];
    }
    for (; k < n; k++) s0 += x[k] * v[k];
    return (s0 + s1) + (s2 + s3);
}

/* y += a x */
static inline void fairc_axpy_fd(double a, const float *x, double *y, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        y[k] += a * (double)x[k];
        y[k + 1] += a * (double)x[k + 1];
        y[k + 2] += a * (double)x[k + 2];
        y[k + 3] += a * (double)x[k + 3];
    }
    for (; k < n; k++) y[k] += a * (double)x[k];
}

/* y += a x * x (elementwise) */
static inline void fairc_axpy_sq_fd(double a, const float *x, double *y, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        double x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];
        y[k] += a * x0 * x0;
        y[k + 1] += a * x1 * x1;
        y[k + 2] += a * x2 * x2;
        y[k + 3] += a * x3 * x3;
    }
    for (; k < n; k++) {
        double xk = x[k];
        y[k] += a * xk * xk;
    }
}

static inline void fairc_axpy(double a, const double *x, double *y, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        y[k] += a * x[k];
        y[k + 1] += a * x[k + 1];
        y[k + 2] += a * x[k + 2];
        y[k + 3] += a * x[k + 3];
    }
    for (; k < n; k++) y[k] += a * x[k];
}

#endif
