/* blas.c: the matrix product of the learners. With FAIRC_HAVE_CBLAS it is OpenBLAS's dgemm; the
 * portable kernel below is compiled in every build (tests compare the two) and is what BLAS=none
 * builds use. It sums every output over k in increasing order, starting from 0, and only then adds
 * C, so a row's result does not depend on the tile it falls in or on the instruction set. */
#include "blas.h"

#include <string.h>

#ifdef FAIRC_HAVE_CBLAS
#include <cblas.h>
#endif

/* 4 x 4 tiles of C held in eight SSE2 registers across the whole k loop (GCC and clang; the
 * vector type is two doubles, since wider GCC vectors go through memory without -mavx). Other
 * compilers get the scalar loop. */
#if defined(__GNUC__)
typedef double v2d __attribute__((vector_size(2 * sizeof(double))));

static void tile4x4(size_t K, const double *A, size_t ai, size_t ak, const double *B, size_t ldb,
                    double *C, size_t ldc)
{
    v2d c00 = {0, 0}, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t k = 0; k < K; k++) {
        v2d b0, b1;
        memcpy(&b0, B + k * ldb, sizeof b0);
        memcpy(&b1, B + k * ldb + 2, sizeof b1);
        const double *a = A + k * ak;
        v2d a0 = {a[0], a[0]}, a1 = {a[ai], a[ai]}, a2 = {a[2 * ai], a[2 * ai]},
            a3 = {a[3 * ai], a[3 * ai]};
        c00 += a0 * b0;
        c01 += a0 * b1;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c30 += a3 * b0;
        c31 += a3 * b1;
    }
    v2d acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) C[(size_t)r * ldc + (size_t)c] += acc[2 * r + c / 2][c % 2];
}
#define HAVE_TILE 1
#endif

/* One element: C += sum_k A(i, k) B(k, j) in increasing k, as the tile computes it. */
static double dot_strided(size_t K, const double *a, size_t ak, const double *b, size_t ldb)
{
    double s = 0;
    for (size_t k = 0; k < K; k++) s += a[k * ak] * b[k * ldb];
    return s;
}

void fairc_gemm_portable(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                         size_t lda, const double *B, size_t ldb, double beta, double *C,
                         size_t ldc, double *work)
{
    if (tb == FAIRC_TRANS) { /* work (K, N) <- B^T, so every k step reads a contiguous row */
        for (size_t k = 0; k < K; k++)
            for (size_t j = 0; j < N; j++) work[k * N + j] = B[j * ldb + k];
        B = work;
        ldb = N;
    }
    if (beta == 0)
        for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
    /* A(i, k) = A[i * ai + k * ak] */
    size_t ai = ta == FAIRC_TRANS ? 1 : lda, ak = ta == FAIRC_TRANS ? lda : 1;
    size_t i = 0;
#ifdef HAVE_TILE
    for (; i + 4 <= M; i += 4) {
        size_t j = 0;
        for (; j + 4 <= N; j += 4) tile4x4(K, A + i * ai, ai, ak, B + j, ldb, C + i * ldc + j, ldc);
        for (; j < N; j++)
            for (size_t r = 0; r < 4; r++)
                C[(i + r) * ldc + j] += dot_strided(K, A + (i + r) * ai, ak, B + j, ldb);
    }
#endif
    for (; i < M; i++)
        for (size_t j = 0; j < N; j++) C[i * ldc + j] += dot_strided(K, A + i * ai, ak, B + j, ldb);
}

void fairc_gemm(int ta, int tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                const double *B, size_t ldb, double beta, double *C, size_t ldc, double *work)
{
#ifdef FAIRC_HAVE_CBLAS
    (void)work;
    if (M == 0 || N == 0) return;
    if (K == 0) { /* dgemm would leave C alone; our contract says beta C */
        if (beta == 0)
            for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
        return;
    }
    cblas_dgemm(CblasRowMajor, ta == FAIRC_TRANS ? CblasTrans : CblasNoTrans,
                tb == FAIRC_TRANS ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.0, A,
                (int)lda, B, (int)ldb, beta, C, (int)ldc);
#else
    fairc_gemm_portable(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, work);
#endif
}

const char *fairc_gemm_backend(void)
{
#ifdef FAIRC_HAVE_CBLAS
    return "openblas";
#else
    return "portable";
#endif
}
