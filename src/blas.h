/* blas.h: the dense kernels fairc's learners need, row-major, math in double. Small vector loops
 * are inline here, written four lanes wide so that compilers vectorise them at -O2 without
 * reassociating anything: every output is summed in the order the code states, so results do not
 * depend on the instruction set. fairc_gemm is the matrix product (OpenBLAS's dgemm when built
 * with FAIRC_HAVE_CBLAS, else fairc_gemm_portable, which is always compiled so tests can compare
 * the two). Not here: sparse products of one-hot inputs (mlp.c). */
#ifndef FAIRC_BLAS_H
#define FAIRC_BLAS_H

#include <stddef.h>
#include <stdint.h>

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
static inline double fairc_dot_fd(const float *restrict x, const double *restrict v, size_t n)
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

static inline double fairc_dot(const double *restrict x, const double *restrict v, size_t n)
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

/* y += a x (x and y do not overlap) */
static inline void fairc_axpy_fd(double a, const float *restrict x, double *restrict y, size_t n)
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
static inline void fairc_axpy_sq_fd(double a, const float *restrict x, double *restrict y,
                                    size_t n)
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

static inline void fairc_axpy(double a, const double *restrict x, double *restrict y, size_t n)
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

#if defined(__GNUC__)
/* Two doubles: one SSE2 register, the widest vector every x86-64 has (a wider GCC vector type is
 * split through memory at -O2 without -mavx). */
typedef double fairc_v2d __attribute__((vector_size(2 * sizeof(double))));
#endif

/* z[h] = sum_e val[e] W[idx[e] * ld + h] for h < n, summed in e order from 0: a sparse row times
 * a dense matrix. Sixteen outputs at a time stay in registers across the non-zeros, as eight
 * independent chains. */
static inline void fairc_sparse_combine(double *restrict z, size_t n, const double *restrict val,
                                        const uint32_t *restrict idx, size_t nnz,
                                        const double *restrict W, size_t ld)
{
    size_t h = 0;
#if defined(__GNUC__)
    for (; h + 16 <= n; h += 16) {
        fairc_v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (size_t e = 0; e < nnz; e++) {
            const double *w = W + (size_t)idx[e] * ld + h;
            fairc_v2d v = {val[e], val[e]}, t0, t1, t2, t3, t4, t5, t6, t7;
            __builtin_memcpy(&t0, w, sizeof t0);
            __builtin_memcpy(&t1, w + 2, sizeof t1);
            __builtin_memcpy(&t2, w + 4, sizeof t2);
            __builtin_memcpy(&t3, w + 6, sizeof t3);
            __builtin_memcpy(&t4, w + 8, sizeof t4);
            __builtin_memcpy(&t5, w + 10, sizeof t5);
            __builtin_memcpy(&t6, w + 12, sizeof t6);
            __builtin_memcpy(&t7, w + 14, sizeof t7);
            a0 += v * t0;
            a1 += v * t1;
            a2 += v * t2;
            a3 += v * t3;
            a4 += v * t4;
            a5 += v * t5;
            a6 += v * t6;
            a7 += v * t7;
        }
        __builtin_memcpy(z + h, &a0, sizeof a0);
        __builtin_memcpy(z + h + 2, &a1, sizeof a1);
        __builtin_memcpy(z + h + 4, &a2, sizeof a2);
        __builtin_memcpy(z + h + 6, &a3, sizeof a3);
        __builtin_memcpy(z + h + 8, &a4, sizeof a4);
        __builtin_memcpy(z + h + 10, &a5, sizeof a5);
        __builtin_memcpy(z + h + 12, &a6, sizeof a6);
        __builtin_memcpy(z + h + 14, &a7, sizeof a7);
    }
#endif
    for (; h + 4 <= n; h += 4) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (size_t e = 0; e < nnz; e++) {
            const double *w = W + (size_t)idx[e] * ld + h;
            double v = val[e];
            a0 += v * w[0];
            a1 += v * w[1];
            a2 += v * w[2];
            a3 += v * w[3];
        }
        z[h] = a0;
        z[h + 1] = a1;
        z[h + 2] = a2;
        z[h + 3] = a3;
    }
    for (; h < n; h++) {
        double a = 0;
        for (size_t e = 0; e < nnz; e++) a += val[e] * W[(size_t)idx[e] * ld + h];
        z[h] = a;
    }
}

/* z += b, then z = max(z, 0) when relu (NaN stays NaN) */
static inline void fairc_add_bias(double *restrict z, const double *restrict b, size_t n, int relu)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        z[k] += b[k];
        z[k + 1] += b[k + 1];
        z[k + 2] += b[k + 2];
        z[k + 3] += b[k + 3];
    }
    for (; k < n; k++) z[k] += b[k];
    if (!relu) return;
    for (k = 0; k + 4 <= n; k += 4) {
        z[k] = z[k] <= 0 ? 0.0 : z[k];
        z[k + 1] = z[k + 1] <= 0 ? 0.0 : z[k + 1];
        z[k + 2] = z[k + 2] <= 0 ? 0.0 : z[k + 2];
        z[k + 3] = z[k + 3] <= 0 ? 0.0 : z[k + 3];
    }
    for (; k < n; k++) z[k] = z[k] <= 0 ? 0.0 : z[k];
}

/* d = a > 0 ? d : 0, the ReLU's backward given its outputs a */
static inline void fairc_relu_mask(double *restrict d, const double *restrict a, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        d[k] = a[k] > 0 ? d[k] : 0.0;
        d[k + 1] = a[k + 1] > 0 ? d[k + 1] : 0.0;
        d[k + 2] = a[k + 2] > 0 ? d[k + 2] : 0.0;
        d[k + 3] = a[k + 3] > 0 ? d[k + 3] : 0.0;
    }
    for (; k < n; k++) d[k] = a[k] > 0 ? d[k] : 0.0;
}

#endif
