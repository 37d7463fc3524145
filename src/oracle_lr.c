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
 * A pattern's binary part of the score is computed once, its rows' gradient and Hessian weights
 * are summed first and then spread over its binary columns once: a Newton step on Adult costs
 * about a third of the pairwise sparse update (13 non-zeros, 91 products a row). With more than
 * LR_MAX_REAL real columns every column is treated as real (one empty pattern).
 *
 * Newton's method with the exact Hessian X^T diag(w p (1 - p)) X + I/C, factored by Cholesky
 * ((D + 1)^2 doubles, hence FAIRC_RED_LR_MAX_D), and a backtracking line search. Rows are cut
 * into LR_BLOCKS fixed blocks whose partial sums are added in block order: the same bits on
 * any thread count. */
#include "reduction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define LR_BLOCKS 8
#define LR_MAX_REAL 64

struct fairc_red_lr_layout {
    size_t R;            /* real columns */
    uint32_t *real;      /* (R) their indices in X, ascending */
    size_t P;            /* patterns */
    size_t *pat_row;     /* (P + 1) first stored row of each pattern */
    size_t *pat_start;   /* (P + 1) into pat_col */
    uint32_t *pat_col;   /* each pattern's binary columns, ascending */
    uint32_t *perm;      /* (N) stored row k is row perm[k] of X */
    size_t *start;       /* (N + 1) stored row k's real non-zeros */
    uint32_t *rcol;      /* their real-column index in [0, R), ascending within a row */
    double *val;
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
        free(lr->lay->start);
        free(lr->lay->rcol);
        free(lr->lay->val);
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
    /* Every row's non-zeros (column, value) in one pass, written without a branch on the value
     * (one-hot columns make it unpredictable): the next slot is written either way and kept only
     * for a non-zero. A column is real when one of its non-zeros is not 1. */
    size_t nnz = 0;
    rs = malloc((N + 1) * sizeof *rs);
    if (!rs) goto nomem;
    for (size_t i = 0; i < N; i++) {
        rs[i] = nnz;
        const float *x = X + i * D;
        for (size_t j = 0; j < D; j++) {
            nnz += x[j] != 0;
            is_real[j] |= (unsigned char)((x[j] != 0) & (x[j] != 1));
        }
    }
    rs[N] = nnz;
    ac = malloc((nnz + 1) * sizeof *ac);
    av = malloc((nnz + 1) * sizeof *av);
    if (!ac || !av) goto nomem;
    for (size_t i = 0; i < N; i++) {
        const float *x = X + i * D;
        size_t q = rs[i];
        for (size_t j = 0; j < D; j++) {
            ac[q] = (uint32_t)j;
            av[q] = x[j];
            q += x[j] != 0;
        }
    }
    for (size_t j = 0; j < D; j++) L->R += is_real[j];
    if (L->R > LR_MAX_REAL) {
        memset(is_real, 1, D);
        L->R = D;
    }
    if (!(L->real = malloc((L->R ? L->R : 1) * sizeof *L->real))) goto nomem;
    for (size_t j = 0, r = 0; j < D; j++) {
        if (is_real[j]) L->real[r] = (uint32_t)j;
        rindex[j] = is_real[j] ? (uint32_t)r++ : UINT32_MAX;
    }
    size_t nnz_real = 0, nnz_bin = 0;
    for (size_t q = 0; q < nnz; q++) nnz_real += is_real[ac[q]];
    nnz_bin = nnz - nnz_real;
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
    /* rows grouped by pattern, in row order within one: a counting sort */
    L->pat_row = calloc(P + 1, sizeof *L->pat_row);
    L->perm = malloc((N ? N : 1) * sizeof *L->perm);
    L->start = malloc((N + 1) * sizeof *L->start);
    L->rcol = malloc((nnz_real ? nnz_real : 1) * sizeof *L->rcol);
    L->val = malloc((nnz_real ? nnz_real : 1) * sizeof *L->val);
    if (!L->pat_row || !L->perm || !L->start || !L->rcol || !L->val) goto nomem;
    for (size_t i = 0; i < N; i++) L->pat_row[pid[i] + 1]++;
    for (size_t p = 0; p < P; p++) L->pat_row[p + 1] += L->pat_row[p];
    size_t *next = first; /* reused: the next free slot of each pattern */
    for (size_t p = 0; p < P; p++) next[p] = L->pat_row[p];
    for (size_t i = 0; i < N; i++) L->perm[next[pid[i]]++] = (uint32_t)i;
    size_t nz = 0;
    for (size_t k = 0; k < N; k++) {
        L->start[k] = nz;
        size_t i = L->perm[k];
        for (size_t q = rs[i]; q < rs[i + 1]; q++)
            if (is_real[ac[q]]) {
                L->rcol[nz] = rindex[ac[q]];
                L->val[nz++] = av[q];
            }
    }
    L->start[N] = nz;
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

/* Stored rows [r0, r1) of block b. */
static void lr_block(size_t N, int b, size_t *r0, size_t *r1)
{
    *r0 = N * (size_t)b / LR_BLOCKS;
    *r1 = N * (size_t)(b + 1) / LR_BLOCKS;
}

/* The pattern of stored row r: the last p with pat_row[p] <= r. */
static size_t pattern_at(const struct fairc_red_lr_layout *L, size_t r)
{
    size_t lo = 0, hi = L->P; /* pat_row[lo] <= r < pat_row[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->pat_row[mid] <= r) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Scores z (N), objective, gradient g (D + 1) and, unless NULL, the Hessian's weights hw (N),
 * for labels y and weights w (N, or NULL), every array in stored row order (no gathers in the
 * hot loop). part: LR_BLOCKS (D + 2 + 2 R) doubles of scratch. at_zero: only
 * the gradient at coef = 0 (p = 1/2 on every row; no scores, no loss, no exp or log). */
static double lr_pass_mode(const fairc_red_lr *lr, const double *y, const double *w, const double *coef,
                      double inv_C, double *z, double *g, double *hw, double *part, int threads,
                      int at_zero)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t D = lr->D, n = D + 1;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
    for (int b = 0; b < LR_BLOCKS; b++) {
        double *pg = part + (size_t)b * (n + 1 + 2 * L->R), f = 0;
        double *cr = pg + n + 1, *gr = cr + L->R; /* real columns' coefficients, gradient */
        memset(pg, 0, (n + 1) * sizeof *pg);
        memset(gr, 0, L->R * sizeof *gr);
        for (size_t j = 0; j < L->R; j++) cr[j] = coef[L->real[j]];
        size_t r0, r1;
        lr_block(lr->N, b, &r0, &r1);
        for (size_t p = r0 < r1 ? pattern_at(L, r0) : L->P, k = r0; k < r1; p++) {
            size_t k1 = L->pat_row[p + 1] < r1 ? L->pat_row[p + 1] : r1;
            const uint32_t *pc = L->pat_col + L->pat_start[p];
            size_t m = L->pat_start[p + 1] - L->pat_start[p];
            double zp = coef[D], rp = 0;
            for (size_t a = 0; a < m; a++) zp += coef[pc[a]];
            for (; at_zero && k < k1; k++) {
                double r = (w ? w[k] : 1.0) * (0.5 - y[k]);
                for (size_t a = L->start[k]; a < L->start[k + 1]; a++) gr[L->rcol[a]] += r * L->val[a];
                rp += r;
            }
            for (; k < k1; k++) {
                double zi = zp;
                for (size_t a = L->start[k]; a < L->start[k + 1]; a++) zi += L->val[a] * cr[L->rcol[a]];
                z[k] = zi;
                double wi = w ? w[k] : 1.0;
                if (wi == 0) {
                    if (hw) hw[k] = 0;
                    continue;
                }
                /* the loss y softplus(-z) + (1 - y) softplus(z) and p - y as fairc_loss gives
                 * them, with one division for p and 1 - p */
                double e = exp(-fabs(zi)), inv = 1.0 / (1.0 + e), yi = y[k];
                double p = zi >= 0 ? inv : e * inv, q = zi >= 0 ? e * inv : inv; /* q = 1 - p */
                double lp = log1p(e), sp_pos = (zi > 0 ? zi : 0.0) + lp, sp_neg = (zi < 0 ? -zi : 0.0) + lp;
                double l = yi == 1 ? sp_neg : yi == 0 ? sp_pos : yi * sp_neg + (1.0 - yi) * sp_pos;
                double dz = yi == 1 ? -q : yi == 0 ? p : p - yi;
                f += wi * l;
                double r = wi * dz;
                for (size_t a = L->start[k]; a < L->start[k + 1]; a++) gr[L->rcol[a]] += r * L->val[a];
                rp += r;
                if (hw) hw[k] = wi * p * q;
            }
            for (size_t a = 0; a < m; a++) pg[pc[a]] += rp;
            pg[D] += rp;
        }
        for (size_t j = 0; j < L->R; j++) pg[L->real[j]] += gr[j];
        pg[n] = f;
    }
    double f = 0;
    memset(g, 0, n * sizeof *g);
    for (int b = 0; b < LR_BLOCKS; b++) {
        const double *pg = part + (size_t)b * (n + 1 + 2 * L->R);
        for (size_t j = 0; j < n; j++) g[j] += pg[j];
        f += pg[n];
    }
    for (size_t j = 0; j < D; j++) {
        f += 0.5 * inv_C * coef[j] * coef[j];
        g[j] += inv_C * coef[j];
    }
    return f;
}

static double lr_pass(const fairc_red_lr *lr, const double *y, const double *w, const double *coef,
                      double inv_C, double *z, double *g, double *hw, double *part, int threads)
{
    return lr_pass_mode(lr, y, w, coef, inv_C, z, g, hw, part, threads, 0);
}

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

/* H (n, n), lower triangle: X^T diag(hw) X with the intercept as column D, plus the penalty
 * inv_C + ridge on beta's diagonal and ridge on the intercept's. Hpart: LR_BLOCKS n^2 doubles,
 * hu: LR_BLOCKS (R + R^2) doubles. */
static void lr_hessian(const fairc_red_lr *lr, const double *hw, double inv_C, double ridge,
                       double *H, double *Hpart, double *hu_all, int threads)
{
    const struct fairc_red_lr_layout *L = lr->lay;
    size_t D = lr->D, n = D + 1, R = L->R;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
    for (int b = 0; b < LR_BLOCKS; b++) {
        double *Hb = Hpart + (size_t)b * n * n, *hu = hu_all + (size_t)b * (R + R * R);
        double *Hrr = hu + R; /* real x real, R x R, lower */
        double *Hi = Hb + D * n; /* the intercept's row */
        memset(Hb, 0, n * n * sizeof *Hb);
        memset(Hrr, 0, R * R * sizeof *Hrr);
        size_t r0, r1;
        lr_block(lr->N, b, &r0, &r1);
        for (size_t p = r0 < r1 ? pattern_at(L, r0) : L->P, k = r0; k < r1; p++) {
            size_t k1 = L->pat_row[p + 1] < r1 ? L->pat_row[p + 1] : r1;
            double hp = 0;
            memset(hu, 0, R * sizeof *hu);
            for (; k < k1; k++) {
                double h = hw[k];
                if (h == 0) continue;
                hp += h;
                size_t s0 = L->start[k], s1 = L->start[k + 1];
                for (size_t a = s0; a < s1; a++) {
                    double va = h * L->val[a];
                    hu[L->rcol[a]] += va;
                    double *row = Hrr + (size_t)L->rcol[a] * R;
                    for (size_t q = s0; q <= a; q++) row[L->rcol[q]] += va * L->val[q];
                }
            }
            if (hp == 0) continue; /* hw >= 0: then hu is 0 too */
            /* the pattern's sums, spread once over its binary columns and the intercept */
            const uint32_t *pc = L->pat_col + L->pat_start[p];
            size_t m = L->pat_start[p + 1] - L->pat_start[p];
            for (size_t a = 0; a < m; a++) {
                double *row = Hb + (size_t)pc[a] * n;
                for (size_t q = 0; q <= a; q++) row[pc[q]] += hp;
                for (size_t j = 0; j < R; j++)
                    if (hu[j] != 0) lower_add(Hb, n, pc[a], L->real[j], hu[j]);
                Hi[pc[a]] += hp;
            }
            for (size_t j = 0; j < R; j++) Hi[L->real[j]] += hu[j];
            Hi[D] += hp;
        }
        for (size_t a = 0; a < R; a++)
            for (size_t q = 0; q <= a; q++) Hb[(size_t)L->real[a] * n + L->real[q]] += Hrr[a * R + q];
    }
    memcpy(H, Hpart, n * n * sizeof *H);
    for (int b = 1; b < LR_BLOCKS; b++) {
        const double *Hb = Hpart + (size_t)b * n * n;
        for (size_t k = 0; k < n * n; k++) H[k] += Hb[k];
    }
    for (size_t j = 0; j < n; j++) H[j * n + j] += (j < D ? inv_C : 0.0) + ridge;
}

/* Lower-triangular Cholesky in place; -1 when A is not positive definite. */
static int lr_cholesky(double *A, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = A[j * n + j];
        for (size_t k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
        if (!(s > 0)) return -1;
        s = sqrt(s);
        A[j * n + j] = s;
        for (size_t i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (size_t k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = t / s;
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
    size_t nd = 6 * N + 5 * n + n * n + (size_t)LR_BLOCKS * (n * n + R + R * R + n + 1 + 2 * R);
    double *mem = malloc(nd * sizeof *mem);
    if (!mem) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    /* labels and weights in stored row order, gathered once per fit rather than every pass */
    const uint32_t *perm = lr->lay->perm;
    double *ys = mem + nd - 2 * N, *ws = ys + N;
    for (size_t k = 0; k < N; k++) ys[k] = y[perm[k]];
    if (w)
        for (size_t k = 0; k < N; k++) ws[k] = w[perm[k]];
    y = ys;
    w = w ? ws : NULL;
    lr_point cur = {mem, mem + n, NULL, NULL}, trial = {mem + n + N, mem + 2 * n + N, NULL, NULL};
    double *q = mem + 2 * n + 2 * N;
    cur.g = q, trial.g = q + n, q += 2 * n;
    cur.hw = q, trial.hw = q + N, q += 2 * N;
    double *d = q, *H = q + n, *Hpart = H + n * n, *hu = Hpart + (size_t)LR_BLOCKS * n * n;
    double *part = hu + (size_t)LR_BLOCKS * (R + R * R);
    /* the scale of tol: the gradient at coef = 0, as fairc_logistic_fit's test */
    memset(trial.coef, 0, n * sizeof *trial.coef);
    lr_pass_mode(lr, y, w, trial.coef, inv_C, NULL, trial.g, NULL, part, threads, 1);
    double g0 = lr_norm(trial.g, n);
    /* The start: the lowest objective among the given points and the intercept-only model
     * (coefficients 0, intercept the weighted log-odds). A warm start from other multipliers
     * can be far worse than that; Newton's damped steps then crawl. */
    double sp = 0, sn = 0; /* sum w y, sum w (1 - y) */
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1.0;
        sp += wi * y[i];
        sn += wi * (1 - y[i]);
    }
    /* its objective without a pass: every score is b, and sum_i w_i (softplus(b) - y_i b) */
    double b = sp > 0 && sn > 0 ? log(sp / sn) : 0;
    double f = (sp + sn) * ((b > 0 ? b : 0) + log1p(exp(-fabs(b)))) - b * sp, f_int = f;
    for (size_t k = 0; k < n_starts; k++) {
        memcpy(trial.coef, starts[k], n * sizeof *trial.coef);
        double fk = lr_pass(lr, y, w, trial.coef, inv_C, trial.z, trial.g, trial.hw, part, threads);
        if (fk < f) {
            f = fk;
            swap_points(&cur, &trial);
        }
    }
    if (f == f_int) { /* no start was better: the intercept-only model, passed over for real */
        memset(cur.coef, 0, n * sizeof *cur.coef);
        cur.coef[D] = b;
        f = lr_pass(lr, y, w, cur.coef, inv_C, cur.z, cur.g, cur.hw, part, threads);
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
            lr_hessian(lr, cur.hw, inv_C, 0.0, H, Hpart, hu, threads);
            double top = 0;
            for (size_t j = 0; j < n; j++) top = fmax(top, H[j * n + j]);
            int ok = lr_cholesky(H, n) == 0;
            for (int retry = 0; !ok && retry < 3; retry++) {
                lr_hessian(lr, cur.hw, inv_C, (top > 0 ? top : 1.0) * 1e-10 * pow(100.0, retry), H, Hpart, hu, threads);
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
            double fn = lr_pass(lr, y, w, trial.coef, inv_C, trial.z, trial.g, trial.hw, part, threads);
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
            double fn = lr_pass(lr, y, w, trial.coef, inv_C, trial.z, trial.g, trial.hw, part, threads);
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
