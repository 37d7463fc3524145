/* blas.c: the matrix product of the learners. With FAIRC_HAVE_CBLAS it is OpenBLAS's dgemm; the
 * portable kernel below is compiled in every build (tests compare the two) and is what BLAS=none
 * builds use. It sums every output over k in increasing order, starting from 0, and only then adds
 * C, so a row's result does not depend on the tile it falls in or on the instruction set. */
#include "blas.h"

#include <string.h>

#ifdef FAIRC_HAVE_CBLAS
#include <cblas.h>
#endif

/* 4 x 4 tiles of C held in registers across the whole k loop. GCC and clang lower the vector
 * type to SSE2 pairs at -O2 (to one AVX register with -mavx); others get the scalar loop. */
#if defined(__GNUC__)
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));

static void tile4x4(size_t K, const double *A, size_t ai, size_t ak, const double *B, size_t ldb,
                    double *C, size_t ldc)
{
    v4d acc0 = {0, 0, 0, 0}, acc1 = acc0, acc2 = acc0, acc3 = acc0;
    for (size_t k = 0; k < K; k++) {
        v4d b;
        memcpy(&b, B + k * ldb, sizeof b);
        const double *a = A + k * ak;
        acc0 += a[0] * b;
        acc1 += a[ai] * b;
        acc2 += a[2 * ai] * b;
        acc3 += a[3 * ai] * b;
    }
    v4d acc[4] = {acc0, acc1, acc2, acc3};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) C[(size_t)r * ldc + (size_t)c] += acc[r][c];
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
