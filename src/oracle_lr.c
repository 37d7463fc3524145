/* oracle_lr.c: the reductions' logistic regression (reduction.h, fairc_red_lr): X prepared once,
 * then fitted 20 to 100 times under different targets and weights.
 *
 * Why not fairc_logistic_fit for every call: each call of it rebuilds its sparse rows, validates
 * X and evaluates the gradient at 0 before its first Newton step, about 40 ms on Adult, more
 * than the three or four Newton steps a warm-started oracle call needs.
 *
 * The layout exploits one-hot encoded data. A column is *binary* when every non-zero of it is 1
 * (one-hot categories), else *real*. Rows with the same set of binary columns form a *pattern*
 * (Adult: 32,561 rows, 8 categoricals, about 8,700 patterns); rows are stored grouped by pattern.
 * A pattern's binary part of the score is computed once, and its rows' gradient and Hessian
 * weights are summed first; a binary column then gathers those sums from its list of pieces
 * (a piece: a pattern's rows within one row block). The real columns are stored dense, column by
 * column, so a pass over the rows runs on vectors: the scores, then each row's loss, gradient
 * and curvature (exp and log1p by polynomials, 4 rows at a time), then dot products per real
 * column. Adult, one thread: a pass 0.37 ms, a Hessian 0.75 ms, a Cholesky factor 0.04 ms.
 *
 * Newton's method with the exact Hessian X^T diag(w p (1 - p)) X + I/C, factored by Cholesky
 * ((D + 1)^2 doubles, hence FAIRC_RED_LR_MAX_D), and a backtracking line search. Rows are cut
 * into LR_BLOCKS fixed blocks whose partial sums are added in block order, and each column's
 * sums run over its pieces in order: the same bits on any thread count. */
#include "reduction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define LR_BLOCKS 8

struct fairc_red_lr_layout {
    size_t R;            /* real columns */
    uint32_t *real;      /* (R) their indices in X, ascending */
    size_t P;            /* patterns */
    size_t *pat_row;     /* (P + 1) first stored row of each pattern */
    size_t *pat_start;   /* (P + 1) into pat_col */
    uint32_t *pat_col;   /* each pattern's binary columns, ascending */
    uint32_t *perm;      /* (N) stored row k is row perm[k] of X */
    double *xr;          /* (R, N) the real columns, column by column, in stored row order */
    /* A pattern's rows within one row block form a *piece*; pieces are numbered in row order
     * and each block's are consecutive. Per-piece sums are spread to the binary columns by
     * walking each column's list of pieces. */
    size_t Q;            /* pieces */
    size_t *piece_row;   /* (Q + 1) first stored row of each piece */
    uint32_t *piece_pat; /* (Q) its pattern */
    size_t blk[LR_BLOCKS + 1]; /* first piece of each row block */
    size_t B;            /* binary columns */
    uint32_t *bin;       /* (B) their indices in X, ascending */
    size_t *bin_start;   /* (B + 1) into bin_piece */
    uint32_t *bin_piece; /* each binary column's pieces, ascending; for a *frequent* column (in
                          * more than half the pieces) the pieces without it */
    unsigned char *freq; /* (B) frequent */
    uint32_t *ent_col;   /* for each entry of bin_piece: its pattern's columns (into pat_col) */
    uint32_t *ent_before; /* and how many of them come before the entry's own column */
};

void fairc_red_lr_free(fairc_red_lr **lrp)
{
    if (!lrp || !*lrp) return;
    fairc_red_lr *lr = *lrp;
    if (lr->lay) {
        free(lr->lay->real);
        free(lr->lay->pat_row);
        free(lr->lay->pat_start);
        free(lr->lay->pat_col);
        free(lr->lay->perm);
        free(lr->lay->xr);
        free(lr->lay->piece_row);
        free(lr->lay->piece_pat);
        free(lr->lay->bin);
        free(lr->lay->bin_start);
        free(lr->lay->bin_piece);
        free(lr->lay->freq);
        free(lr->lay->ent_col);
        free(lr->lay->ent_before);
        free(lr->lay);
    }
    free(lr);
    *lrp = NULL;
}

static uint64_t hash_cols(const uint32_t *c, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    for (size_t k = 0; k < n; k++) {
        h ^= c[k];
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 29;
    }
    return h;
}

/* Stored rows [r0, r1) of block b. */
static void lr_block(size_t N, int b, size_t *r0, size_t *r1)
{
    *r0 = N * (size_t)b / LR_BLOCKS;
    *r1 = N * (size_t)(b + 1) / LR_BLOCKS;
}

/* The pieces (patterns cut at block boundaries) and each binary column's list of pieces. */
static int lr_build_pieces(struct fairc_red_lr_layout *L, size_t N, size_t D,
                           const unsigned char *is_real)
{
    size_t Q = L->P + LR_BLOCKS; /* at most: a block boundary cuts one pattern in two */
    L->B = D - L->R;
    L->piece_row = malloc((Q + 1) * sizeof *L->piece_row);
    L->piece_pat = malloc(Q * sizeof *L->piece_pat);
    L->bin = malloc((L->B ? L->B : 1) * sizeof *L->bin);
    L->bin_start = calloc(L->B + 1, sizeof *L->bin_start);
    uint32_t *bindex = malloc((D ? D : 1) * sizeof *bindex); /* column -> binary index */
    if (!L->piece_row || !L->piece_pat || !L->bin || !L->bin_start || !bindex) {
        free(bindex);
        return -1;
    }
    for (size_t j = 0, c = 0; j < D; j++) {
        if (!is_real[j]) L->bin[c] = (uint32_t)j;
        bindex[j] = is_real[j] ? UINT32_MAX : (uint32_t)c++;
    }
    Q = 0;
    for (size_t b = 0, p = 0; b < LR_BLOCKS; b++) { /* p: the pattern of row k */
        size_t r0, r1;
        lr_block(N, (int)b, &r0, &r1);
        L->blk[b] = Q;
        for (size_t k = r0; k < r1; Q++) {
            while (L->pat_row[p + 1] <= k) p++;
            L->piece_row[Q] = k;
            L->piece_pat[Q] = (uint32_t)p;
            k = L->pat_row[p + 1] < r1 ? L->pat_row[p + 1] : r1;
        }
    }
    L->Q = Q;
    L->blk[LR_BLOCKS] = Q;
    L->piece_row[Q] = N;
    /* each binary column's pieces (a counting sort of (column, piece) in piece order), or for a
     * frequent column the pieces without it: sums over all pieces less those, half the work
     * or less (Adult: country = US, race = White, sex = Male...) */
    size_t *count = calloc(L->B + 1, sizeof *count);
    uint32_t *fl = NULL;
    L->freq = calloc(L->B ? L->B : 1, 1);
    unsigned char *has = calloc(L->B ? L->B : 1, 1);
    if (!count || !L->freq || !has) goto fail;
    for (size_t q = 0; q < Q; q++) {
        size_t p = L->piece_pat[q];
        for (size_t a = L->pat_start[p]; a < L->pat_start[p + 1]; a++) count[bindex[L->pat_col[a]]]++;
    }
    for (size_t c = 0; c < L->B; c++) {
        L->freq[c] = 2 * count[c] > Q;
        L->bin_start[c + 1] = L->bin_start[c] + (L->freq[c] ? Q - count[c] : count[c]);
    }
    size_t total = L->bin_start[L->B], nf = 0;
    L->bin_piece = malloc((total ? total : 1) * sizeof *L->bin_piece);
    fl = malloc((L->B ? L->B : 1) * sizeof *fl); /* the frequent columns */
    if (!L->bin_piece || !fl) goto fail;
    for (size_t c = 0; c < L->B; c++)
        if (L->freq[c]) fl[nf++] = (uint32_t)c;
    memcpy(count, L->bin_start, L->B * sizeof *count); /* now: the next free slot */
    for (size_t q = 0; q < Q; q++) {
        size_t p = L->piece_pat[q];
        for (size_t a = L->pat_start[p]; a < L->pat_start[p + 1]; a++) {
            size_t c = bindex[L->pat_col[a]];
            has[c] = 1;
            if (!L->freq[c]) L->bin_piece[count[c]++] = (uint32_t)q;
        }
        for (size_t f = 0; f < nf; f++)
            if (!has[fl[f]]) L->bin_piece[count[fl[f]]++] = (uint32_t)q;
        for (size_t a = L->pat_start[p]; a < L->pat_start[p + 1]; a++) has[bindex[L->pat_col[a]]] = 0;
    }
    /* per entry, what the Hessian's loop over it needs, without chasing piece -> pattern */
    L->ent_col = malloc((total ? total : 1) * sizeof *L->ent_col);
    L->ent_before = malloc((total ? total : 1) * sizeof *L->ent_before);
    if (!L->ent_col || !L->ent_before) goto fail;
    for (size_t c = 0; c < L->B; c++)
        for (size_t e = L->bin_start[c]; e < L->bin_start[c + 1]; e++) {
            size_t p = L->piece_pat[L->bin_piece[e]], a = L->pat_start[p];
            L->ent_col[e] = (uint32_t)a;
            while (a < L->pat_start[p + 1] && L->pat_col[a] < L->bin[c]) a++;
            L->ent_before[e] = (uint32_t)(a - L->pat_start[p]);
        }
    free(bindex);
    free(count);
    free(has);
    free(fl);
    return 0;
fail:
    free(bindex);
    free(count);
    free(has);
    free(fl);
    return -1;
}

/* Renumbers the patterns by their number of rows (then by first appearance), so that the loops
 * over a pattern's rows run the same number of times for long stretches: a loop of 1 to 4 turns
 * (Adult) whose count changes every time mispredicts its exit about once a pattern. */
static int lr_order_patterns(struct fairc_red_lr_layout *L, uint32_t *pid, size_t N)
{
    size_t P = L->P;
    size_t *cnt = calloc(P + 1, sizeof *cnt), *start = malloc((P + 1) * sizeof *start);
    uint32_t *order = malloc((P ? P : 1) * sizeof *order), *rank = malloc((P ? P : 1) * sizeof *rank);
    uint32_t *col = malloc((L->pat_start[P] ? L->pat_start[P] : 1) * sizeof *col);
    size_t maxc = 0;
    if (!cnt || !start || !order || !rank || !col) goto fail;
    for (size_t i = 0; i < N; i++) cnt[pid[i]]++;
    for (size_t p = 0; p < P; p++) maxc = cnt[p] > maxc ? cnt[p] : maxc;
    /* a counting sort by count, stable: first appearance within a count */
    size_t *bucket = calloc(maxc + 2, sizeof *bucket);
    if (!bucket) goto fail;
    for (size_t p = 0; p < P; p++) bucket[cnt[p] + 1]++;
    for (size_t c = 0; c <= maxc; c++) bucket[c + 1] += bucket[c];
    for (size_t p = 0; p < P; p++) order[bucket[cnt[p]]++] = (uint32_t)p;
    free(bucket);
    start[0] = 0;
    for (size_t r = 0; r < P; r++) {
        size_t p = order[r], m = L->pat_start[p + 1] - L->pat_start[p];
        rank[p] = (uint32_t)r;
        memcpy(col + start[r], L->pat_col + L->pat_start[p], m * sizeof *col);
        start[r + 1] = start[r] + m;
    }
    memcpy(L->pat_start, start, (P + 1) * sizeof *start);
    memcpy(L->pat_col, col, start[P] * sizeof *col);
    for (size_t i = 0; i < N; i++) pid[i] = rank[pid[i]];
    free(cnt), free(start), free(order), free(rank), free(col);
    return 0;
fail:
    free(cnt), free(start), free(order), free(rank), free(col);
    return -1;
}

int fairc_red_lr_new(const float *X, size_t N, size_t D, fairc_red_lr **out, fairc_status *st)
{
    *out = NULL;
    if (D == 0 || D > FAIRC_RED_LR_MAX_D) return fairc_fail(st, FAIRC_EINVAL, "the oracle's solver takes 1 to %d features", FAIRC_RED_LR_MAX_D);
    if (N >= UINT32_MAX) return fairc_fail(st, FAIRC_EINVAL, "the oracle's solver takes fewer than 2^32 rows");
    fairc_red_lr *lr = calloc(1, sizeof *lr);
    struct fairc_red_lr_layout *L = calloc(1, sizeof *L);
    unsigned char *is_real = calloc(D, 1);
    uint32_t *pid = malloc((N ? N : 1) * sizeof *pid);  /* row -> pattern */
    uint32_t *rindex = malloc(D * sizeof *rindex);      /* column -> real index */
    int rc = FAIRC_OK;
    size_t *table = NULL, *first = NULL, *rs = NULL; /* rs, ac, av: X's non-zeros by row */
    uint32_t *ac = NULL;
    float *av = NULL;
    if (!lr || !L || !is_real || !pid || !rindex) goto nomem;
    lr->N = N;
    lr->D = D;
    lr->lay = L;
    /* Every row's non-zeros (column, value) in one pass. Each 64 columns give two bitmaps built
     * without a branch on the values (one-hot columns make such branches unpredictable): the
     * non-zeros, and the values neither 0 nor 1 (a column with one is real); the non-zeros are
     * then read off the set bits. */
    uint64_t realbits[(FAIRC_RED_LR_MAX_D + 63) / 64] = {0};
    size_t nnz = 0, room = 16 * N + D;
    rs = malloc((N + 1) * sizeof *rs);
    ac = malloc(room * sizeof *ac);
    av = malloc(room * sizeof *av);
    if (!rs || !ac || !av) goto nomem;
    for (size_t i = 0; i < N; i++) {
        rs[i] = nnz;
        if (room - nnz < D) { /* room for a whole row */
            room = 2 * room + D;
            uint32_t *nac = realloc(ac, room * sizeof *ac);
            if (nac) ac = nac;
            float *nav = realloc(av, room * sizeof *av);
            if (nav) av = nav;
            if (!nac || !nav) goto nomem;
        }
        const float *x = X + i * D;
        for (size_t w0 = 0; w0 < D; w0 += 64) {
            size_t m = D - w0 < 64 ? D - w0 : 64;
            uint64_t nz = 0, re = 0;
            size_t j = 0;
#ifdef __SSE2__
            const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f);
            for (; j + 4 <= m; j += 4) {
                __m128 v = _mm_loadu_ps(x + w0 + j), n0 = _mm_cmpneq_ps(v, zero);
                nz |= (uint64_t)_mm_movemask_ps(n0) << j;
                re |= (uint64_t)_mm_movemask_ps(_mm_and_ps(n0, _mm_cmpneq_ps(v, one))) << j;
            }
#endif
            for (; j < m; j++) {
                float v = x[w0 + j];
                nz |= (uint64_t)(v != 0) << j;
                re |= (uint64_t)((v != 0) & (v != 1)) << j;
            }
            realbits[w0 / 64] |= re;
            for (; nz; nz &= nz - 1) {
                size_t j = w0 + (size_t)__builtin_ctzll(nz);
                ac[nnz] = (uint32_t)j;
                av[nnz++] = x[j];
            }
        }
    }
    rs[N] = nnz;
    for (size_t j = 0; j < D; j++) is_real[j] = (unsigned char)(realbits[j / 64] >> (j % 64) & 1);
    for (size_t j = 0; j < D; j++) L->R += is_real[j];
    if (!(L->real = malloc((L->R ? L->R : 1) * sizeof *L->real))) goto nomem;
    for (size_t j = 0, r = 0; j < D; j++) {
        if (is_real[j]) L->real[r] = (uint32_t)j;
        rindex[j] = is_real[j] ? (uint32_t)r++ : UINT32_MAX;
    }
    size_t nnz_bin = 0;
    for (size_t q = 0; q < nnz; q++) nnz_bin += !is_real[ac[q]];
    /* patterns, numbered by first appearance: open addressing on the binary column sets */
    size_t cap = 16;
    while (cap < 2 * N) cap *= 2;
    table = malloc(cap * sizeof *table);  /* pattern id + 1, 0 empty */
    first = malloc((N ? N : 1) * sizeof *first); /* pattern -> its first row */
    L->pat_col = malloc((nnz_bin ? nnz_bin : 1) * sizeof *L->pat_col);
    L->pat_start = malloc((N + 2) * sizeof *L->pat_start);
    if (!table || !first || !L->pat_col || !L->pat_start) goto nomem;
    memset(table, 0, cap * sizeof *table);
    uint32_t *cols = malloc(D * sizeof *cols);
    if (!cols) goto nomem;
    size_t P = 0, used = 0;
    L->pat_start[0] = 0;
    for (size_t i = 0; i < N; i++) {
        size_t m = 0;
        for (size_t q = rs[i]; q < rs[i + 1]; q++)
            if (!is_real[ac[q]]) cols[m++] = ac[q];
        size_t slot = hash_cols(cols, m) & (cap - 1);
        for (;; slot = (slot + 1) & (cap - 1)) {
            if (table[slot] == 0) {
                memcpy(L->pat_col + used, cols, m * sizeof *cols);
                used += m;
                first[P] = i;
                L->pat_start[++P] = used;
                table[slot] = P;
                pid[i] = (uint32_t)(P - 1);
                break;
            }
            size_t p = table[slot] - 1, len = L->pat_start[p + 1] - L->pat_start[p];
            if (len == m && memcmp(L->pat_col + L->pat_start[p], cols, m * sizeof *cols) == 0) {
                pid[i] = (uint32_t)p;
                break;
            }
        }
    }
    free(cols);
    if (N == 0) L->pat_start[++P] = 0; /* one empty pattern */
    L->P = P;
    if (lr_order_patterns(L, pid, N) != 0) goto nomem;
    /* rows grouped by pattern, in row order within one: a counting sort */
    L->pat_row = calloc(P + 1, sizeof *L->pat_row);
    L->perm = malloc((N ? N : 1) * sizeof *L->perm);
    L->xr = calloc(L->R && N ? L->R * N : 1, sizeof *L->xr);
    if (!L->pat_row || !L->perm || !L->xr) goto nomem;
    for (size_t i = 0; i < N; i++) L->pat_row[pid[i] + 1]++;
    for (size_t p = 0; p < P; p++) L->pat_row[p + 1] += L->pat_row[p];
    size_t *next = first; /* reused: the next free slot of each pattern */
    for (size_t p = 0; p < P; p++) next[p] = L->pat_row[p];
    for (size_t i = 0; i < N; i++) L->perm[next[pid[i]]++] = (uint32_t)i;
    for (size_t k = 0; k < N; k++) {
        size_t i = L->perm[k];
        for (size_t q = rs[i]; q < rs[i + 1]; q++)
            if (is_real[ac[q]]) L->xr[(size_t)rindex[ac[q]] * N + k] = av[q];
    }
    if (lr_build_pieces(L, N, D, is_real) != 0) goto nomem;
    goto done;
nomem:
    rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the oracle's %zu x %zu inputs", N, D);
done:
    free(is_real);
    free(pid);
    free(rindex);
    free(table);
    free(first);
    free(rs);
    free(ac);
    free(av);
    if (rc == FAIRC_OK) *out = lr;
    else fairc_red_lr_free(&lr);
    return rc;
}

/* ---- Row kernels --------------------------------------------------------------------------
 * Written on 4-lane vectors (GCC's vector extension, also clang's) and compiled twice, for
 * x86-64-v3 (AVX2 and FMA: a * b + c fused) and for baseline x86-64 (two SSE2 halves, not fused),
 * the CPU picking at load time. Sums keep 4 lane accumulators added in a fixed order, so one
 * machine gives the same bits on any thread count; a CPU without FMA differs in the last bits. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT ON
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));
/* m ? a : b lane by lane (m: a comparison's all-ones / zero lanes); macros, since a function
 * taking 32-byte vectors changes its ABI with the target */
#define V_SEL(m, a, b) ((v4d)(((m) & (v4i)(a)) | (~(m) & (v4i)(b))))
#define V_LOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define V_SUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(FAIRC_NO_CLONES)
#define LR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LR_CLONES
#endif

/* exp(x) for x <= 0 to about 1 ulp: x = k ln2 + r, |r| <= ln2 / 2, exp(r) by its Taylor
 * polynomial to degree 13 (remainder below 5e-18), 2^k from k's bits. x < -708 is taken as -708
 * (exp below 3e-308: a loss of 0 rather than a subnormal, harmless here). */
#define V_EXP_NEG(out, x_in)                                                                  \
    do {                                                                                      \
        v4d x_ = (x_in);                                                                      \
        x_ = V_SEL(x_ < -708.0, (v4d){0} - 708.0, x_);                                        \
        v4d big_ = x_ * 1.4426950408889634 + 0x1.8p52, k_ = big_ - 0x1.8p52;                  \
        v4d r_ = (x_ - k_ * 0x1.62e42fee00000p-1) - k_ * 0x1.a39ef35793c76p-33;               \
        v4d t_ = r_ * (1.0 / 6227020800.0) + 1.0 / 479001600.0;                               \
        t_ = t_ * r_ + 1.0 / 39916800.0;                                                      \
        t_ = t_ * r_ + 1.0 / 3628800.0;                                                       \
        t_ = t_ * r_ + 1.0 / 362880.0;                                                        \
        t_ = t_ * r_ + 1.0 / 40320.0;                                                         \
        t_ = t_ * r_ + 1.0 / 5040.0;                                                          \
        t_ = t_ * r_ + 1.0 / 720.0;                                                           \
        t_ = t_ * r_ + 1.0 / 120.0;                                                           \
        t_ = t_ * r_ + 1.0 / 24.0;                                                            \
        t_ = t_ * r_ + 1.0 / 6.0;                                                             \
        t_ = t_ * r_ + 0.5;                                                                   \
        t_ = t_ * r_ + 1.0;                                                                   \
        t_ = t_ * r_ + 1.0;                                                                   \
        v4i e_ = ((v4i)big_ - (v4i)((v4d){0} + 0x1.8p52) + 1023) << 52;                       \
        (out) = t_ * (v4d)e_;                                                                 \
    } while (0)

/* log1p(e) for 0 <= e <= 1 to about 2 ulp: 2 atanh(s), s = e / (2 + e) <= 1/3, by its series to
 * s^31 (remainder below 2e-17 relative). */
#define V_LOG1P_UNIT(out, e_in)                                                               \
    do {                                                                                      \
        v4d e_ = (e_in), s_ = e_ / (e_ + 2.0), s2_ = s_ * s_;                                 \
        v4d t_ = s2_ * (1.0 / 31) + 1.0 / 29;                                                 \
        t_ = t_ * s2_ + 1.0 / 27;                                                             \
        t_ = t_ * s2_ + 1.0 / 25;                                                             \
        t_ = t_ * s2_ + 1.0 / 23;                                                             \
        t_ = t_ * s2_ + 1.0 / 21;                                                             \
        t_ = t_ * s2_ + 1.0 / 19;                                                             \
        t_ = t_ * s2_ + 1.0 / 17;                                                             \
        t_ = t_ * s2_ + 1.0 / 15;                                                             \
        t_ = t_ * s2_ + 1.0 / 13;                                                             \
        t_ = t_ * s2_ + 1.0 / 11;                                                             \
        t_ = t_ * s2_ + 1.0 / 9;                                                              \
        t_ = t_ * s2_ + 1.0 / 7;                                                              \
        t_ = t_ * s2_ + 1.0 / 5;                                                              \
        t_ = t_ * s2_ + 1.0 / 3;                                                              \
        t_ = t_ * s2_ + 1.0;                                                                  \
        (out) = (s_ + s_) * t_;                                                               \
    } while (0)

/* Rows [0, n): from scores z, labels y and weights w, the weighted loss (returned, summed),
 * wg = w (p - y) (the score's gradient) and wh = w p (1 - p) (its curvature), with
 * p = sigmoid(z), the loss y softplus(-z) + (1 - y) softplus(z). For y in {0, 1} the loss and
 * p - y are formed from the exact side (softplus(-z) or softplus(z); -(1 - p) when y = 1).
 * The last n mod 4 rows run as one vector padded with w = 0. */
LR_CLONES static double lr_rows(const double *z, const double *y, const double *w, size_t n,
                                double *wg, double *wh)
{
    v4d acc = {0, 0, 0, 0};
    for (size_t k = 0; k < n; k += 4) {
        v4d zv = {0, 0, 0, 0}, yv = zv, wv = zv;
        size_t m = n - k < 4 ? n - k : 4;
        if (m == 4) {
            V_LOAD(zv, z + k), V_LOAD(yv, y + k), V_LOAD(wv, w + k);
        } else {
            memcpy(&zv, z + k, m * sizeof *z), memcpy(&yv, y + k, m * sizeof *y);
            memcpy(&wv, w + k, m * sizeof *w);
        }
        v4i pos = zv >= 0.0;
        v4d az = V_SEL(pos, zv, -zv), e, lp;
        V_EXP_NEG(e, -az);
        v4d inv = 1.0 / (e + 1.0), ei = e * inv;
        v4d p = V_SEL(pos, inv, ei), q = V_SEL(pos, ei, inv); /* q = 1 - p */
        V_LOG1P_UNIT(lp, e);
        v4d zero = {0, 0, 0, 0};
        v4d sp_pos = V_SEL(zv > 0.0, zv, zero) + lp, sp_neg = V_SEL(zv < 0.0, -zv, zero) + lp;
        v4d l = yv * sp_neg + (1.0 - yv) * sp_pos;
        v4d dz = V_SEL(yv == 1.0, -q, p - yv);
        acc += wv * l;
        v4d g = wv * dz, h = wv * p * q;
        memcpy(wg + k, &g, m * sizeof *wg);
        memcpy(wh + k, &h, m * sizeof *wh);
    }
    return V_SUM(acc);
}

/* out[j] = sum_k a[k] x[j][k] for four columns x[0..3] (repeat one to fill), in one sweep over
 * the rows; two rows of 4 accumulators per column (an FMA's latency is four of its issue slots) */
LR_CLONES static void lr_dot4(const double *a, const double *const x[4], size_t n, double out[4])
{
    const double *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
    v4d a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    size_t k = 0;
#define LR_DOT4_STEP(s0, s1, s2, s3, o)                                                         \
    do {                                                                                      \
        v4d av_, f0_, f1_, f2_, f3_;                                                          \
        V_LOAD(av_, a + k + (o));                                                             \
        V_LOAD(f0_, x0 + k + (o)), V_LOAD(f1_, x1 + k + (o));                                 \
        V_LOAD(f2_, x2 + k + (o)), V_LOAD(f3_, x3 + k + (o));                                 \
        s0 += av_ * f0_;                                                                       \
        s1 += av_ * f1_;                                                                       \
        s2 += av_ * f2_;                                                                       \
        s3 += av_ * f3_;                                                                       \
    } while (0)
    for (; k + 8 <= n; k += 8) {
        LR_DOT4_STEP(a0, a1, a2, a3, 0);
        LR_DOT4_STEP(b0, b1, b2, b3, 4);
    }
#undef LR_DOT4_STEP
    double t[4] = {0, 0, 0, 0};
    for (; k < n; k++) {
        t[0] += a[k] * x0[k], t[1] += a[k] * x1[k];
        t[2] += a[k] * x2[k], t[3] += a[k] * x3[k];
    }
    a0 += b0, a1 += b1, a2 += b2, a3 += b3;
    out[0] = V_SUM(a0) + t[0], out[1] = V_SUM(a1) + t[1];
    out[2] = V_SUM(a2) + t[2], out[3] = V_SUM(a3) + t[3];
}

/* out[j] = sum_k a[k] xr[j][k] over rows [r0, r1) for the first m real columns xr (N rows
 * each), four at a time */
static void lr_dots(const double *a, const double *xr, size_t N, size_t r0, size_t r1, size_t m,
                    double *out)
{
    for (size_t j0 = 0; j0 < m; j0 += 4) {
        const double *x[4];
        double o[4];
        for (size_t j = 0; j < 4; j++) x[j] = xr + (j0 + j < m ? j0 + j : j0) * N + r0;
        lr_dot4(a + r0, x, r1 - r0, o);
        for (size_t j = 0; j < 4 && j0 + j < m; j++) out[j0 + j] = o[j];
    }
}

/* z[k] += c x[k] */
LR_CLONES static void lr_axpy(double *z, double c, const double *x, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        v4d zv, xv;
        V_LOAD(zv, z + k), V_LOAD(xv, x + k);
        zv += c * xv;
        memcpy(z + k, &zv, sizeof zv);
    }
    for (; k < n; k++) z[k] += c * x[k];
}

/* t[k] = h[k] x[k] */
LR_CLONES static void lr_scale(double *t, const double *h, const double *x, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        v4d hv, xv;
        V_LOAD(hv, h + k), V_LOAD(xv, x + k);
        hv *= xv;
        memcpy(t + k, &hv, sizeof hv);
    }
    for (; k < n; k++) t[k] = h[k] * x[k];
}

/* sum_k a[k] b[k] on two vector accumulators (Cholesky's inner products) */
LR_CLONES static double lr_dot2(const double *a, const double *b, size_t n)
{
    v4d s0 = {0, 0, 0, 0}, s1 = s0;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        v4d a0, a1, b0, b1;
        V_LOAD(a0, a + k), V_LOAD(a1, a + k + 4), V_LOAD(b0, b + k), V_LOAD(b1, b + k + 4);
        s0 += a0 * b0;
        s1 += a1 * b1;
    }
    double t = 0;
    for (; k < n; k++) t += a[k] * b[k];
    s0 += s1;
    return V_SUM(s0) + t;
}

/* out[j] = sum over the m pieces of list of ph[q S + 1 + j], j < R4 (a multiple of 4): a binary
 * column's real sums; two accumulators (even and odd pieces) */
LR_CLONES static void lr_sum_pieces(const double *ph, size_t S, const uint32_t *list, size_t m,
                                    size_t R4, double *out)
{
    for (size_t j0 = 0; j0 < R4; j0 += 4) {
        v4d a0 = {0, 0, 0, 0}, a1 = a0;
        size_t e = 0;
        for (; e + 2 <= m; e += 2) {
            v4d o0, o1;
            V_LOAD(o0, ph + list[e] * S + 1 + j0);
            V_LOAD(o1, ph + list[e + 1] * S + 1 + j0);
            a0 += o0, a1 += o1;
        }
        if (e < m) {
            v4d o0;
            V_LOAD(o0, ph + list[e] * S + 1 + j0);
            a0 += o0;
        }
        a0 += a1;
        memcpy(out + j0, &a0, sizeof a0);
    }
}

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

/* H[max(a, b)][min(a, b)] += v: the lower triangle. */
static inline void lower_add(double *H, size_t n, uint32_t a, uint32_t b, double v)
{
    if (a < b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    H[(size_t)a * n + b] += v;
}

/* Block b's part of a pass: the scores z, score gradients wg and curvatures hw of its rows, and
 * each of its pieces' sum of wg (rp). pg (R + 2): the real columns' gradient, the intercept's,
 * the loss. at_zero: only wg and the gradient at coef = 0 (p = 1/2 on every row: no scores, no
 * exp or log). */
static void lr_pass_block(const fairc_red_lr *lr, int b, const double *y, const double *w,
                          const double *coef, double *z, double *wg, double *hw, double *rp,
                          double *pg, int at_zero)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t N = lr->N, D = lr->D, R = L->R, r0, r1;
    lr_block(N, b, &r0, &r1);
    memset(pg, 0, (R + 2) * sizeof *pg);
    if (r0 == r1) return;
    if (at_zero) {
        for (size_t k = r0; k < r1; k++) wg[k] = w[k] * (0.5 - y[k]);
    } else {
        for (size_t q = L->blk[b]; q < L->blk[b + 1]; q++) {
            size_t p = L->piece_pat[q];
            double zp = coef[D];
            for (size_t a = L->pat_start[p]; a < L->pat_start[p + 1]; a++) zp += coef[L->pat_col[a]];
            for (size_t k = L->piece_row[q]; k < L->piece_row[q + 1]; k++) z[k] = zp;
        }
        for (size_t j = 0; j < R; j++)
            if (coef[L->real[j]] != 0) lr_axpy(z + r0, coef[L->real[j]], L->xr + j * N + r0, r1 - r0);
        pg[R + 1] = lr_rows(z + r0, y + r0, w + r0, r1 - r0, wg + r0, hw + r0);
    }
    lr_dots(wg, L->xr, N, r0, r1, R, pg);
    double gi = 0;
    for (size_t q = L->blk[b]; q < L->blk[b + 1]; q++) {
        double sq = 0;
        for (size_t k = L->piece_row[q]; k < L->piece_row[q + 1]; k++) sq += wg[k];
        rp[q] = sq;
        gi += sq;
    }
    pg[R] = gi;
}

/* The objective and its gradient g (D + 1) at coef, with every row's score z, score gradient wg
 * and curvature hw (N, stored row order, as y and w). part: LR_BLOCKS (R + 2) doubles, rp: Q.
 * Blocks, then binary columns (each the sum over its pieces, in piece order): the same bits on
 * any thread count. */
static double lr_pass_mode(const fairc_red_lr *lr, const double *y, const double *w, const double *coef,
                           double inv_C, double *z, double *wg, double *g, double *hw,
                           double *part, double *rp, int threads, int at_zero)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t D = lr->D, R = L->R;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
    {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int b = 0; b < LR_BLOCKS; b++)
            lr_pass_block(lr, b, y, w, coef, z, wg, hw, rp, part + (size_t)b * (R + 2), at_zero);
        double tot = 0; /* the intercept's gradient (summed as below), for frequent columns */
        for (int b = 0; b < LR_BLOCKS; b++) tot += part[(size_t)b * (R + 2) + R];
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t c = 0; c < L->B; c++) {
            double s = 0;
            for (size_t e = L->bin_start[c]; e < L->bin_start[c + 1]; e++) s += rp[L->bin_piece[e]];
            g[L->bin[c]] = L->freq[c] ? tot - s : s; /* frequent: less the pieces without c */
        }
    }
    double f = 0, gi = 0;
    for (size_t j = 0; j < R; j++) g[L->real[j]] = 0;
    for (int b = 0; b < LR_BLOCKS; b++) {
        const double *pg = part + (size_t)b * (R + 2);
        for (size_t j = 0; j < R; j++) g[L->real[j]] += pg[j];
        gi += pg[R];
        f += pg[R + 1];
    }
    g[D] = gi;
    for (size_t j = 0; j < D; j++) {
        f += 0.5 * inv_C * coef[j] * coef[j];
        g[j] += inv_C * coef[j];
    }
    return f;
}

/* Block b's rows' part of the Hessian's real columns: hr gets, for a < R, the pairs
 * sum h x_a x_q (q <= a, at a(a+1)/2 + q) and then the R sums h x_a; each piece q of the block
 * gets ph[q S] = its rows' sum of h and ph[q S + 1 + j] = their sum of h x_j (S = 1 + R4, R4: R
 * rounded up to 4, zero padded). t: the block's slice of an N-array. */
static void lr_hessian_block(const fairc_red_lr *lr, int b, const double *hw, double *ph,
                             size_t S, double *hr, double *t)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t N = lr->N, R = L->R, r0, r1;
    lr_block(N, b, &r0, &r1);
    memset(hr, 0, (R * (R + 1) / 2 + R + 1) * sizeof *hr);
    for (size_t q = L->blk[b]; q < L->blk[b + 1]; q++) {
        size_t k0 = L->piece_row[q], k1 = L->piece_row[q + 1];
        double *o = ph + q * S, hp = 0;
        for (size_t k = k0; k < k1; k++) hp += hw[k];
        o[0] = hp;
        hr[R * (R + 1) / 2 + R] += hp;
        for (size_t j = 0; j < R; j++) {
            const double *x = L->xr + j * N;
            double sj = 0;
            for (size_t k = k0; k < k1; k++) sj += hw[k] * x[k];
            o[1 + j] = sj;
        }
        for (size_t j = R; j + 1 < S; j++) o[1 + j] = 0;
    }
    if (r0 == r1) return;
    lr_dots(hw, L->xr, N, r0, r1, R, hr + R * (R + 1) / 2);
    for (size_t a = 0; a < R; a++) {
        lr_scale(t, hw + r0, L->xr + a * N + r0, r1 - r0);
        lr_dots(t - r0, L->xr, N, r0, r1, a + 1, hr + a * (a + 1) / 2);
    }
}

/* H (n, n), lower triangle: X^T diag(hw) X with the intercept as column D, plus the penalty
 * inv_C + ridge on beta's diagonal and ridge on the intercept's. scratch: Q (1 + R4) +
 * LR_BLOCKS (R (R + 1) / 2 + R + 1) + N doubles. A binary column's row takes, from each of its
 * pieces, the piece's summed curvature at the piece's binary columns before it, and its real
 * sums; a frequent column's row is the totals less the sums over the pieces without it. No
 * partial matrices: each entry is written by one thread. */
static void lr_hessian(const fairc_red_lr *lr, const double *hw, double inv_C, double ridge,
                       double *H, double *scratch, int threads)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t N = lr->N, D = lr->D, n = D + 1, R = L->R, S = 1 + (R + 3) / 4 * 4;
    size_t nh = R * (R + 1) / 2 + R + 1; /* a block's pairs, reals, and sum of h */
    double *ph = scratch, *hr = ph + L->Q * S, *t = hr + (size_t)LR_BLOCKS * nh;
    for (size_t i = 0; i < n; i++) memset(H + i * n, 0, (i + 1) * sizeof *H);
    double *Hi = H + D * n; /* the intercept's row */
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
    {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int b = 0; b < LR_BLOCKS; b++) {
            size_t r0, r1;
            lr_block(N, b, &r0, &r1);
            lr_hessian_block(lr, b, hw, ph, S, hr + (size_t)b * nh, t + r0);
        }
        /* the totals over all rows: sum h, and sum h x_j (the intercept's row) */
        double tot[1 + FAIRC_RED_LR_MAX_D] = {0};
        for (int b = 0; b < LR_BLOCKS; b++) {
            const double *h = hr + (size_t)b * nh;
            tot[0] += h[nh - 1];
            for (size_t j = 0; j < R; j++) tot[1 + j] += h[R * (R + 1) / 2 + j];
        }
        /* the diagonal first: a frequent column's row needs the other columns' */
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t c = 0; c < L->B; c++) {
            double d = 0;
            for (size_t e = L->bin_start[c]; e < L->bin_start[c + 1]; e++) d += ph[(size_t)L->bin_piece[e] * S];
            size_t cc = L->bin[c];
            H[cc * n + cc] = Hi[cc] = L->freq[c] ? tot[0] - d : d;
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
        for (size_t c = 0; c < L->B; c++) {
            size_t cc = L->bin[c], e0 = L->bin_start[c], e1 = L->bin_start[c + 1];
            double *row = H + cc * n;
            /* every other piece into a second row, so that consecutive pieces' adds to one
             * entry (a frequent column's) overlap */
            double alt[FAIRC_RED_LR_MAX_D + 1];
            memset(alt, 0, cc * sizeof *alt);
            for (size_t e = e0; e < e1; e++) {
                double hp = ph[(size_t)L->bin_piece[e] * S], *dst = (e - e0) % 2 ? alt : row;
                /* the pattern's columns before cc (the same count on every piece when each
                 * categorical has a column in every row: a predictable loop) */
                const uint32_t *a = L->pat_col + L->ent_col[e];
                for (uint32_t k = 0; k < L->ent_before[e]; k++) dst[a[k]] += hp;
            }
            for (size_t j = 0; j < cc; j++) row[j] += alt[j];
            if (L->freq[c]) /* binary columns before cc: their diagonal less the sum found */
                for (size_t c2 = 0; c2 < c; c2++) {
                    size_t j = L->bin[c2];
                    row[j] = H[j * n + j] - row[j];
                }
            double sums[FAIRC_RED_LR_MAX_D + 4];
            lr_sum_pieces(ph, S, L->bin_piece + e0, e1 - e0, S - 1, sums);
            for (size_t j = 0; j < R; j++)
                lower_add(H, n, (uint32_t)cc, L->real[j], L->freq[c] ? tot[1 + j] - sums[j] : sums[j]);
        }
#ifdef _OPENMP
#pragma omp single
#endif
        {
            Hi[D] = tot[0];
            for (size_t j = 0; j < R; j++) Hi[L->real[j]] = tot[1 + j];
        }
    }
    for (int b = 0; b < LR_BLOCKS; b++) {
        const double *h = hr + (size_t)b * nh;
        for (size_t a = 0; a < R; a++)
            for (size_t q = 0; q <= a; q++) H[(size_t)L->real[a] * n + L->real[q]] += h[a * (a + 1) / 2 + q];
    }
    for (size_t j = 0; j < n; j++) H[j * n + j] += (j < D ? inv_C : 0.0) + ridge;
}

/* Lower-triangular Cholesky in place; -1 when A is not positive definite. */
static int lr_cholesky(double *A, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = A[j * n + j] - lr_dot2(A + j * n, A + j * n, j);
        if (!(s > 0)) return -1;
        s = sqrt(s);
        A[j * n + j] = s;
        for (size_t i = j + 1; i < n; i++) {
            A[i * n + j] = (A[i * n + j] - lr_dot2(A + i * n, A + j * n, j)) / s;
        }
    }
    return 0;
}

static double lr_norm(const double *v, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += v[k] * v[k];
    return sqrt(s);
}

static double lr_dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += a[k] * b[k];
    return s;
}

int fairc_red_lr_fit(const fairc_red_lr *lr, const double *y, const double *w, double C,
                     double tol, int warm, int threads, double *coef, double *scores,
                     int *iterations, fairc_status *st)
{
    double *copy = NULL;
    if (warm) {
        if (!(copy = malloc((lr->D + 1) * sizeof *copy))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        memcpy(copy, coef, (lr->D + 1) * sizeof *copy);
    }
    const double *start = copy;
    int rc = fairc_red_lr_fit_from(lr, y, w, C, tol, &start, warm ? 1 : 0, threads, coef, scores,
                                   iterations, st);
    free(copy);
    return rc;
}

/* The iterate: coefficients, scores, gradient, Hessian weights; swapped with a trial. */
typedef struct {
    double *coef, *z, *g, *hw;
} lr_point;

static void swap_points(lr_point *a, lr_point *b)
{
    lr_point t = *a;
    *a = *b;
    *b = t;
}

int fairc_red_lr_fit_from(const fairc_red_lr *lr, const double *y, const double *w, double C,
                          double tol, const double *const *starts, size_t n_starts, int threads,
                          double *coef, double *scores, int *iterations, fairc_status *st)
{
    size_t N = lr->N, D = lr->D, n = D + 1, R = lr->lay->R;
    if (iterations) *iterations = 0;
    if (!(C > 0) || !isfinite(C)) return fairc_fail(st, FAIRC_EINVAL, "the oracle's solver needs a finite C > 0");
    double inv_C = 1.0 / C;
    size_t Q = lr->lay->Q, hs = Q * (1 + (R + 3) / 4 * 4) + (size_t)LR_BLOCKS * (R * (R + 1) / 2 + R + 1) + N;
    size_t nd = 7 * N + 5 * n + n * n + hs + (size_t)LR_BLOCKS * (R + 2) + Q;
    double *mem = malloc(nd * sizeof *mem);
    if (!mem) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    /* labels and weights (1 when w is NULL) in stored row order, gathered once per fit rather
     * than every pass */
    const uint32_t *perm = lr->lay->perm;
    double *ys = mem + nd - 2 * N, *ws = ys + N;
    for (size_t k = 0; k < N; k++) ys[k] = y[perm[k]];
    for (size_t k = 0; k < N; k++) ws[k] = w ? w[perm[k]] : 1.0;
    y = ys;
    w = ws;
    lr_point cur = {mem, mem + n, NULL, NULL}, trial = {mem + n + N, mem + 2 * n + N, NULL, NULL};
    double *q = mem + 2 * n + 2 * N;
    cur.g = q, trial.g = q + n, q += 2 * n;
    cur.hw = q, trial.hw = q + N, q += 2 * N;
    double *d = q, *H = q + n, *hscratch = H + n * n, *part = hscratch + hs;
    double *rp = part + (size_t)LR_BLOCKS * (R + 2), *wg = rp + Q;
    /* the scale of tol: the gradient at coef = 0, as fairc_logistic_fit's test */
    memset(trial.coef, 0, n * sizeof *trial.coef);
    lr_pass_mode(lr, y, w, trial.coef, inv_C, NULL, wg, trial.g, NULL, part, rp, threads, 1);
    double g0 = lr_norm(trial.g, n);
    /* The start: the lowest objective among the given points and the intercept-only model
     * (coefficients 0, intercept the weighted log-odds). A warm start from other multipliers
     * can be far worse than that; Newton's damped steps then crawl. */
    double sp = 0, sn = 0; /* sum w y, sum w (1 - y) */
    for (size_t i = 0; i < N; i++) {
        sp += w[i] * y[i];
        sn += w[i] * (1 - y[i]);
    }
    /* its objective without a pass: every score is b, and sum_i w_i (softplus(b) - y_i b) */
    double b = sp > 0 && sn > 0 ? log(sp / sn) : 0;
    double f = (sp + sn) * ((b > 0 ? b : 0) + log1p(exp(-fabs(b)))) - b * sp, f_int = f;
    for (size_t k = 0; k < n_starts; k++) {
        memcpy(trial.coef, starts[k], n * sizeof *trial.coef);
        double fk = lr_pass_mode(lr, y, w, trial.coef, inv_C, trial.z, wg, trial.g, trial.hw, part, rp, threads, 0);
        if (fk < f) {
            f = fk;
            swap_points(&cur, &trial);
        }
    }
    if (f == f_int) { /* no start was better: the intercept-only model, passed over for real */
        memset(cur.coef, 0, n * sizeof *cur.coef);
        cur.coef[D] = b;
        f = lr_pass_mode(lr, y, w, cur.coef, inv_C, cur.z, wg, cur.g, cur.hw, part, rp, threads, 0);
    }
    int it = 0, reuse = 0;
    for (; it < 100; it++) {
        double gnorm = lr_norm(cur.g, n);
        if (!(gnorm > tol * g0)) break;
        /* In Newton's quadratic phase (the last full step cut the gradient a hundredfold) the
         * Hessian barely moves between iterates, and the last factor still gives a step of
         * Newton's quality for the price of one pass. Otherwise a new factor: positive definite
         * in exact arithmetic (the intercept's entry is sum hw > 0); should rounding say
         * otherwise, a small ridge. */
        if (!reuse) {
            lr_hessian(lr, cur.hw, inv_C, 0.0, H, hscratch, threads);
            double top = 0;
            for (size_t j = 0; j < n; j++) top = fmax(top, H[j * n + j]);
            int ok = lr_cholesky(H, n) == 0;
            for (int retry = 0; !ok && retry < 3; retry++) {
                lr_hessian(lr, cur.hw, inv_C, (top > 0 ? top : 1.0) * 1e-10 * pow(100.0, retry), H, hscratch, threads);
                ok = lr_cholesky(H, n) == 0;
            }
            if (!ok) break; /* cannot improve: keep the iterate */
        }
        const double *Lf = H;
        /* d = -H^-1 g: L y = -g, L^T d = y */
        for (size_t i = 0; i < n; i++) {
            double t = -cur.g[i];
            for (size_t k = 0; k < i; k++) t -= Lf[i * n + k] * d[k];
            d[i] = t / Lf[i * n + i];
        }
        for (size_t i = n; i-- > 0;) {
            double t = d[i];
            for (size_t k = i + 1; k < n; k++) t -= Lf[k * n + i] * d[k];
            d[i] = t / Lf[i * n + i];
        }
        double gd = lr_dot(cur.g, d, n);
        if (!(gd < 0)) {
            if (!reuse) break;
            reuse = 0; /* a stale factor: take a new one */
            it--;
            continue;
        }
        double t = 1;
        int accepted = 0;
        for (int ls = 0; ls < 40 && !accepted; ls++) {
            for (size_t j = 0; j < n; j++) trial.coef[j] = cur.coef[j] + t * d[j];
            double fn = lr_pass_mode(lr, y, w, trial.coef, inv_C, trial.z, wg, trial.g, trial.hw, part, rp, threads, 0);
            /* Armijo, or (near the optimum, where f's change is below its rounding) a smaller
             * gradient */
            if (fn <= f + 1e-4 * t * gd ||
                (fabs(fn - f) <= 1e-12 * fabs(f) && lr_norm(trial.g, n) < gnorm)) {
                accepted = 1;
                f = fn;
                swap_points(&cur, &trial);
            } else {
                t *= 0.5;
            }
        }
        if (!accepted) {
            if (!reuse) break; /* at the optimum to rounding */
            reuse = 0;
            continue;
        }
        reuse = t == 1 && lr_norm(cur.g, n) <= 0.01 * gnorm;
        /* A full step still going downhill steeply (phi'(1) < phi'(0) / 4): the data are nearly
         * separable along d, and Newton adds about one unit a step to a large coefficient,
         * halving the gradient each time. Doubling the step while the objective falls gets
         * there at once (f is convex along d; the best point tried is kept). */
        for (double te = 2; t == 1 && te <= 64 && lr_dot(cur.g, d, n) < 0.25 * gd; te *= 2) {
            for (size_t j = 0; j < n; j++) trial.coef[j] = cur.coef[j] + (te / 2) * d[j];
            double fn = lr_pass_mode(lr, y, w, trial.coef, inv_C, trial.z, wg, trial.g, trial.hw, part, rp, threads, 0);
            if (!(fn < f)) break;
            f = fn;
            swap_points(&cur, &trial);
            reuse = 0;
        }
    }
    if (iterations) *iterations = it;
    memcpy(coef, cur.coef, n * sizeof *coef);
    if (scores)
        for (size_t k = 0; k < N; k++) scores[perm[k]] = cur.z[k];
    free(mem);
    return FAIRC_OK;
}
