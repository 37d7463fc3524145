/* linear.c: linear models. Weighted L2 logistic regression (scikit-learn's objective) by
 * trust-region Newton with conjugate gradients; weighted ridge regression by the normal
 * equations; scores and probabilities of a linear model. Parameters: beta (D) at 0, intercept at
 * D. Not here: gradient-trained models (mlp.c, which also trains a linear model as an MLP with no
 * hidden layer when a fairness penalty needs per-batch gradients).
 *
 * Solver choice: trust-region Newton with conjugate gradients, not L-BFGS. The objective is
 * smooth and strictly convex, and multiplying a vector by its Hessian X^T diag(h) X + I/C costs
 * two passes over X, so Newton's method is cheap and converges quadratically to the tight
 * tolerance we want (relative gradient 1e-10): on Adult 8 Newton steps, where scikit-learn's
 * lbfgs stops after ~300 iterations short of the optimum (its probabilities are up to 3e-3 off).
 * Each Newton system is solved inexactly by Steihaug's CG inside a trust region, which keeps
 * steps safe far from the optimum (the idea of Lin, Weng and Keerthi's TRON; this is our own
 * implementation). CG is preconditioned by the Hessian's diagonal, or, when building the whole
 * Hessian costs less than ten CG steps (sparse one-hot rows, moderate D), by the whole Hessian
 * factored: one-hot blocks beside an intercept are nearly collinear, and that turns ~30 CG steps
 * per Newton step into one. The CG tolerance shrinks with the gradient (an Eisenstat-Walker
 * forcing term), so the last steps are nearly exact Newton steps. The gradient test is relative
 * to the gradient at coef = 0, as liblinear's is, so a warm start at the optimum takes 0 steps.
 *
 * The step-acceptance test compares the model's predicted decrease with the actual decrease
 * f(old) - f(new). Near the optimum that difference is far below f's rounding error, so it is not
 * computed as a difference of two sums: each row's loss difference is computed directly
 * (softplus_diff below) and those are summed; below a few hundred ulps of f the gradient norm
 * decides instead.
 *
 * Sparse rows: when at most 30% of X is non-zero the rows are kept as (column, value) lists, and
 * the kernels add the same products in the same order as the dense ones, so both give the same
 * bits.
 *
 * Determinism: every sum over rows is taken in fixed blocks (256 rows; 4,096 for the Hessian and
 * the Gram matrix, whose partials are long), plain double sums in row order inside a block, and
 * the block partials added in block order with Neumaier compensation (SPEC §1.7 uses 65,536-row
 * chunks; smaller blocks let threads share data as small as Adult). Blocks run in parallel under
 * OpenMP (schedule(static), no reduction clause), and only MAX_PARTIAL_DOUBLES of partials are
 * kept at once; neither changes the order of the additions, so any thread count gives the same
 * bits. */
#include "blas.h"
#include "model.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define BLOCK_ROWS 256
#define MAX_PARTIAL_DOUBLES ((size_t)1 << 20)
#define LINREG_MAX_D 4096

static int thread_count(int threads)
{
#ifdef _OPENMP
    return threads > 0 ? threads : omp_get_max_threads();
#else
    (void)threads;
    return 1;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* Block sums                                                                                  */

/* Adds rows [r0, r1) into part (P doubles, zeroed by the caller); scratch is the block's own. */
typedef void (*block_fn)(void *ctx, size_t r0, size_t r1, double *part, double *scratch);

typedef struct {
    double *buf;      /* group slots of (P + S) doubles */
    size_t group;     /* blocks whose partials are kept at once */
    size_t P_max, S;  /* partial and scratch sizes the buffer was made for */
    int threads;
} reducer;

static int reducer_init(reducer *rd, size_t P_max, size_t S, int threads, fairc_status *st)
{
    size_t slot = P_max + S, group = MAX_PARTIAL_DOUBLES / slot;
    if (group > 256) group = 256;
    if (group < 1) group = 1;
    rd->buf = malloc(group * slot * sizeof *rd->buf);
    if (!rd->buf) return fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu partial sums", group * slot);
    rd->group = group;
    rd->P_max = P_max;
    rd->S = S;
    rd->threads = thread_count(threads);
    return FAIRC_OK;
}

/* total[0..P) <- sum over blocks of block_rows rows, in block order, of fn's partials
 * (Neumaier). The block size is the caller's constant, never the thread count's. */
static void reduce_blocks(const reducer *rd, size_t N, size_t block_rows, size_t P, block_fn fn,
                          void *ctx, fairc_ksum *total)
{
    size_t slot = rd->P_max + rd->S, nblocks = (N + block_rows - 1) / block_rows;
    for (size_t k = 0; k < P; k++) total[k] = (fairc_ksum){0, 0};
    for (size_t b0 = 0; b0 < nblocks; b0 += rd->group) {
        size_t nb = nblocks - b0 < rd->group ? nblocks - b0 : rd->group;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(rd->threads) if (nb > 1 && rd->threads > 1)
#endif
        for (size_t j = 0; j < nb; j++) {
            double *part = rd->buf + j * slot;
            size_t r0 = (b0 + j) * block_rows, r1 = r0 + block_rows < N ? r0 + block_rows : N;
            memset(part, 0, P * sizeof *part);
            fn(ctx, r0, r1, part, part + rd->P_max);
        }
        for (size_t j = 0; j < nb; j++)
            for (size_t k = 0; k < P; k++) fairc_ksum_add(&total[k], rd->buf[j * slot + k]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Logistic regression                                                                         */

void fairc_logistic_params_init(fairc_logistic_params *p)
{
    memset(p, 0, sizeof *p);
    p->C = 1.0;
    p->fit_intercept = 1;
    p->tol = 1e-10;
    p->max_iter = 100;
}

const char *fairc_logistic_params_check(const fairc_logistic_params *p)
{
    if (!(p->C > 0)) return "C must be a number > 0 (INFINITY for no penalty)";
    if (!(p->tol >= 0) || !isfinite(p->tol)) return "tol must be a finite number >= 0";
    if (p->max_iter < 0) return "max_iter must be >= 0";
    if (p->fit_intercept != 0 && p->fit_intercept != 1) return "fit_intercept must be 0 or 1";
    if (p->warm_start != 0 && p->warm_start != 1) return "warm_start must be 0 or 1";
    if (p->threads < 0) return "threads must be >= 0 (0: OpenMP's choice)";
    if (p->storage < FAIRC_STORAGE_AUTO || p->storage > FAIRC_STORAGE_DENSE)
        return "storage must be auto, sparse or dense";
    return NULL;
}

/* softplus(a) - softplus(b), accurate even when a and b are close: softplus(a) =
 * softplus(b) + log1p(sigmoid(b) expm1(a - b)). Far apart, the plain difference loses nothing. */
static double softplus_diff(double a, double b)
{
    double d = a - b;
    if (fabs(d) <= 30) return log1p(fairc_sigmoid(b) * expm1(d));
    return fairc_softplus(a) - fairc_softplus(b);
}

/* X as given, or as sparse rows (start, col, val) when most inputs are 0. The sparse kernels
 * add the same products in the same order as the dense ones (fairc_dot_fd's four lanes by column
 * mod 4), so both give the same bits; the dense ones merely add the zeros too. */
typedef struct {
    const float *X;
    size_t D;
    size_t *start; /* (N + 1), or NULL for dense rows */
    uint32_t *col;
    float *val;
} rows_view;

static double row_dot(const rows_view *R, size_t i, const double *restrict v)
{
    if (!R->start) return fairc_dot_fd(R->X + i * R->D, v, R->D);
    size_t D4 = R->D - R->D % 4;
    double s[4] = {0, 0, 0, 0};
    for (size_t e = R->start[i]; e < R->start[i + 1]; e++) {
        size_t k = R->col[e];
        s[k < D4 ? (k & 3) : 0] += (double)R->val[e] * v[k];
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* y += a x_i */
static void row_axpy(const rows_view *R, size_t i, double a, double *restrict y)
{
    if (!R->start) {
        fairc_axpy_fd(a, R->X + i * R->D, y, R->D);
        return;
    }
    for (size_t e = R->start[i]; e < R->start[i + 1]; e++) y[R->col[e]] += a * (double)R->val[e];
}

/* y += a x_i * x_i */
static void row_axpy_sq(const rows_view *R, size_t i, double a, double *restrict y)
{
    if (!R->start) {
        fairc_axpy_sq_fd(a, R->X + i * R->D, y, R->D);
        return;
    }
    for (size_t e = R->start[i]; e < R->start[i + 1]; e++) {
        double x = R->val[e];
        y[R->col[e]] += a * x * x;
    }
}

static void rows_free(rows_view *R)
{
    free(R->start);
    free(R->col);
    free(R->val);
}

/* Views d's X, as sparse rows if storage says so or (AUTO) at most 30% of it is non-zero. */
static int rows_init(rows_view *R, const fairc_xy *d, int storage, fairc_status *st)
{
    size_t N = d->N, D = d->D, nnz = 0;
    memset(R, 0, sizeof *R);
    R->X = d->X;
    R->D = D;
    if (storage == FAIRC_STORAGE_DENSE) return FAIRC_OK;
    for (size_t k = 0; k < N * D; k++) nnz += d->X[k] != 0;
    if (storage == FAIRC_STORAGE_AUTO && (double)nnz > 0.3 * (double)(N * D)) return FAIRC_OK;
    R->start = malloc((N + 1) * sizeof *R->start);
    R->col = malloc((nnz ? nnz : 1) * sizeof *R->col);
    R->val = malloc((nnz ? nnz : 1) * sizeof *R->val);
    if (!R->start || !R->col || !R->val) {
        rows_free(R);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu non-zero inputs", nnz);
    }
    nnz = 0;
    for (size_t i = 0; i < N; i++) {
        R->start[i] = nnz;
        for (size_t k = 0; k < D; k++)
            if (d->X[i * D + k] != 0) {
                R->col[nnz] = (uint32_t)k;
                R->val[nnz++] = d->X[i * D + k];
            }
    }
    R->start[N] = nnz;
    return FAIRC_OK;
}

typedef struct {
    const fairc_xy *data;
    const rows_view *R;
    size_t D;
    /* eval pass */
    const double *coef;  /* (D + 1) */
    const double *z_old; /* (N) scores of the previous iterate, or NULL */
    double *z, *h;       /* (N) out: scores x.beta + b, and Hessian weights w p (1 - p) */
    /* Hessian-vector pass */
    const double *v; /* (D + 1) */
    const double *hw; /* (N) Hessian weights */
} lr_ctx;

/* Partial layout of the eval pass: loss (s, c), actual decrease (s, c), gradient (D + 1),
 * Hessian diagonal (D + 1). */
#define EV_LOSS 0
#define EV_ARED 2
#define EV_GRAD 4
static size_t eval_P(size_t D) { return EV_GRAD + 2 * (D + 1); }

static void eval_block(void *vctx, size_t r0, size_t r1, double *part, double *scratch)
{
    (void)scratch;
    const lr_ctx *c = vctx;
    const fairc_xy *d = c->data;
    size_t D = c->D;
    double *g = part + EV_GRAD, *hd = g + D + 1, b = c->coef[D];
    fairc_ksum loss = {0, 0}, ared = {0, 0};
    for (size_t i = r0; i < r1; i++) {
        double z = row_dot(c->R, i, c->coef) + b, wi = d->w ? d->w[i] : 1.0, yi = d->y[i];
        c->z[i] = z;
        /* loss = softplus(m) with margin m = z (y = 0) or -z (y = 1); p = sigmoid(z), q = 1 - p */
        double e = exp(-fabs(z)), big = 1.0 / (1.0 + e), small = e / (1.0 + e);
        double p = z >= 0 ? big : small, q = z >= 0 ? small : big, m = yi == 1 ? -z : z;
        fairc_ksum_add(&loss, wi * ((m > 0 ? m : 0.0) + log1p(e)));
        if (c->z_old) {
            double m_old = yi == 1 ? -c->z_old[i] : c->z_old[i];
            fairc_ksum_add(&ared, wi * softplus_diff(m_old, m));
        }
        double r = wi * (yi == 1 ? -q : p), h = wi * p * q;
        c->h[i] = h;
        if (r != 0) row_axpy(c->R, i, r, g);
        if (h != 0) row_axpy_sq(c->R, i, h, hd);
        g[D] += r;
        hd[D] += h;
    }
    part[EV_LOSS] = loss.s;
    part[EV_LOSS + 1] = loss.c;
    part[EV_ARED] = ared.s;
    part[EV_ARED + 1] = ared.c;
}

static void hv_block(void *vctx, size_t r0, size_t r1, double *part, double *scratch)
{
    (void)scratch;
    const lr_ctx *c = vctx;
    size_t D = c->D;
    for (size_t i = r0; i < r1; i++) {
        double t = c->hw[i];
        if (t == 0) continue;
        t *= row_dot(c->R, i, c->v) + c->v[D];
        row_axpy(c->R, i, t, part);
        part[D] += t;
    }
}

/* Packed lower triangle of the (D + 1)^2 Hessian X~^T diag(h) X~, X~ = [X 1]: entry (j, k),
 * j >= k, at j (j + 1) / 2 + k; index D is the intercept. */
static size_t tri(size_t j, size_t k) { return j * (j + 1) / 2 + k; }

static void hess_block(void *vctx, size_t r0, size_t r1, double *part, double *scratch)
{
    (void)scratch;
    const lr_ctx *c = vctx;
    const rows_view *R = c->R;
    size_t D = c->D;
    for (size_t i = r0; i < r1; i++) {
        double h = c->hw[i];
        if (h == 0) continue;
        if (R->start) {
            for (size_t e = R->start[i]; e < R->start[i + 1]; e++) {
                size_t k = R->col[e];
                double a = h * (double)R->val[e];
                for (size_t f = R->start[i]; f <= e; f++) part[tri(k, R->col[f])] += a * (double)R->val[f];
                part[tri(D, k)] += a;
            }
        } else {
            const float *x = R->X + i * D;
            for (size_t j = 0; j < D; j++) {
                double a = h * (double)x[j];
                if (a == 0) continue;
                fairc_axpy_fd(a, x, part + tri(j, 0), j + 1);
                part[tri(D, j)] += a;
            }
        }
        part[tri(D, D)] += h;
    }
}

/* Everything a fit needs, allocated once. Vectors have D + 1 entries; the optimisation runs
 * over the first n of them (n = D without an intercept, whose entry then stays 0). */
typedef struct {
    const fairc_xy *data;
    rows_view R;
    size_t D, n;
    double inv_C;
    int full;  /* precondition with the whole Hessian (Cholesky), else with its diagonal */
    reducer rd;
    fairc_ksum *total;
    double *mem;
    double *z, *h, *z_new, *h_new;               /* (N) each */
    double *g, *hd, *g_new, *hd_new, *coef_new; /* (D + 1) each */
    double *s, *r, *dir, *Hd, *M, *t;            /* CG vectors (D + 1) each */
    double *L;                                   /* full: (n, n) Cholesky factor */
} lr_fit;

static void lr_fit_free(lr_fit *F)
{
    rows_free(&F->R);
    free(F->mem);
    free(F->L);
    free(F->total);
    free(F->rd.buf);
}

/* Preconditioner choice. CG with the Hessian's diagonal suits well-conditioned (typically dense)
 * data; one-hot data, whose columns and the intercept are nearly collinear, can need ~70 CG steps
 * per Newton step. Then the whole Hessian, factored, makes CG exact in about one step. It is
 * chosen when building it costs at most ten CG steps: sum over rows of nnz^2 / 2, plus the
 * factorisation, against 2 nnz + 1 per row and step. */
static int want_full_hessian(const rows_view *R, size_t N, size_t n)
{
    if (n > 1024) return 0;
    double build = (double)n * (double)n * (double)n / 6, pass = (double)N;
    for (size_t i = 0; i < N; i++) {
        double nnz = R->start ? (double)(R->start[i + 1] - R->start[i]) : (double)R->D;
        build += 0.5 * nnz * nnz;
        pass += 2 * nnz;
    }
    return build <= 10 * pass;
}

static int lr_fit_init(lr_fit *F, const fairc_xy *data, const fairc_logistic_params *p,
                       fairc_status *st)
{
    memset(F, 0, sizeof *F);
    size_t D = data->D, N = data->N, n1 = D + 1;
    F->data = data;
    F->D = D;
    F->n = p->fit_intercept ? D + 1 : D;
    F->inv_C = isinf(p->C) ? 0.0 : 1.0 / p->C;
    if (N > (SIZE_MAX / sizeof(double) - 11 * n1) / 4 || n1 > SIZE_MAX / 2 / n1)
        return fairc_fail(st, FAIRC_ENOMEM, "too many rows or features");
    int rc = rows_init(&F->R, data, p->storage, st);
    if (rc != FAIRC_OK) return rc;
    F->full = want_full_hessian(&F->R, N, F->n);
    size_t P = eval_P(D), Ph = n1 * (n1 + 1) / 2;
    if (F->full && Ph > P) P = Ph;
    F->mem = calloc(4 * N + 11 * n1, sizeof *F->mem);
    F->total = malloc(P * sizeof *F->total);
    if (F->full) F->L = malloc(n1 * n1 * sizeof *F->L);
    if (!F->mem || !F->total || (F->full && !F->L)) {
        lr_fit_free(F);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory for logistic regression on %zu rows", N);
    }
    if ((rc = reducer_init(&F->rd, P, 0, p->threads, st)) != FAIRC_OK) {
        lr_fit_free(F);
        return rc;
    }
    double *q = F->mem;
    double **vec[] = {&F->g, &F->hd, &F->g_new, &F->hd_new, &F->coef_new, &F->s, &F->r,
                      &F->dir, &F->Hd, &F->M, &F->t};
    F->z = q, q += N;
    F->h = q, q += N;
    F->z_new = q, q += N;
    F->h_new = q, q += N;
    for (size_t k = 0; k < sizeof vec / sizeof *vec; k++) *vec[k] = q, q += n1;
    return FAIRC_OK;
}

/* Objective, gradient and Hessian diagonal at coef; scores into z, Hessian weights into h. With
 * z_old, *ared gets sum_i w_i (loss_i(z_old) - loss_i(z)) computed row by row. */
static double lr_evaluate(lr_fit *F, const double *coef, const double *z_old, double *z, double *h,
                          double *g, double *hd, double *ared)
{
    size_t D = F->D;
    lr_ctx c = {.data = F->data, .R = &F->R, .D = D, .coef = coef, .z_old = z_old, .z = z, .h = h};
    reduce_blocks(&F->rd, F->data->N, BLOCK_ROWS, eval_P(D), eval_block, &c, F->total);
    for (size_t k = 0; k <= D; k++) {
        g[k] = fairc_ksum_value(&F->total[EV_GRAD + k]);
        hd[k] = fairc_ksum_value(&F->total[EV_GRAD + D + 1 + k]);
    }
    double f = fairc_ksum_value(&F->total[EV_LOSS]);
    if (ared) *ared = fairc_ksum_value(&F->total[EV_ARED]);
    if (F->inv_C > 0) {
        f += 0.5 * F->inv_C * fairc_dot(coef, coef, D);
        for (size_t k = 0; k < D; k++) {
            g[k] += F->inv_C * coef[k];
            hd[k] += F->inv_C;
        }
    }
    if (F->n == D) g[D] = hd[D] = 0;
    return f;
}

/* out = H v at the iterate whose Hessian weights are F->h. */
static void lr_hess_vec(lr_fit *F, const double *v, double *out)
{
    size_t D = F->D;
    lr_ctx c = {.data = F->data, .R = &F->R, .D = D, .v = v, .hw = F->h};
    reduce_blocks(&F->rd, F->data->N, BLOCK_ROWS, D + 1, hv_block, &c, F->total);
    for (size_t k = 0; k <= D; k++) out[k] = fairc_ksum_value(&F->total[k]);
    for (size_t k = 0; k < D; k++) out[k] += F->inv_C * v[k];
    if (F->n == D) out[D] = 0;
}

/* The preconditioner M at the current iterate: the Hessian's diagonal (floored, so no entry is
 * 0), or the whole Hessian factored M = L L^T, its pivots floored likewise (a preconditioner
 * need only be positive definite, so near-singular directions are safe). */
static void lr_precond(lr_fit *F)
{
    size_t n = F->n, D = F->D;
    double top = 0;
    for (size_t k = 0; k < n; k++) top = F->hd[k] > top ? F->hd[k] : top;
    double floor_ = top > 0 ? 1e-12 * top : 1.0;
    for (size_t k = 0; k <= D; k++) {
        double v = k < n ? F->hd[k] : 1.0;
        F->M[k] = v > floor_ ? v : floor_;
    }
    if (!F->full) return;
    lr_ctx c = {.data = F->data, .R = &F->R, .D = D, .hw = F->h};
    /* 4,096-row blocks: the partials are (D + 1)(D + 2) / 2 long, and the preconditioner needs
     * determinism, not the last bit of accuracy */
    reduce_blocks(&F->rd, F->data->N, 16 * BLOCK_ROWS, (D + 1) * (D + 2) / 2, hess_block, &c,
                  F->total);
    double *L = F->L;
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k <= j; k++)
            L[j * n + k] = fairc_ksum_value(&F->total[tri(j, k)]) + (j == k && j < D ? F->inv_C : 0);
    for (size_t j = 0; j < n; j++) {
        double d = L[j * n + j] - fairc_dot(L + j * n, L + j * n, j);
        double l = sqrt(d > floor_ ? d : floor_);
        L[j * n + j] = l;
        for (size_t i = j + 1; i < n; i++)
            L[i * n + j] = (L[i * n + j] - fairc_dot(L + i * n, L + j * n, j)) / l;
    }
}

/* t = M^-1 r */
static void lr_precond_apply(const lr_fit *F, const double *r, double *t)
{
    size_t n = F->n;
    if (!F->full) {
        for (size_t k = 0; k < n; k++) t[k] = r[k] / F->M[k];
        return;
    }
    const double *L = F->L;
    for (size_t j = 0; j < n; j++) t[j] = (r[j] - fairc_dot(L + j * n, t, j)) / L[j * n + j];
    for (size_t j = n; j-- > 0;) {
        double s = t[j];
        for (size_t i = j + 1; i < n; i++) s -= L[i * n + j] * t[i];
        t[j] = s / L[j * n + j];
    }
}

/* Steihaug's truncated CG on min g.s + s.H s / 2 subject to ||s||_M <= delta, preconditioned by
 * M: stops when ||r|| <= rtol, at the boundary, or on non-positive curvature. The M-norms of s
 * and of the direction follow the usual recurrences, so M is only ever applied as M^-1. On return
 * s is the step, r = -g - H s, *snorm = ||s||_M; *hit says the step ends on the boundary.
 * Returns the number of CG steps. */
static int lr_cg(lr_fit *F, double delta, double rtol, int *hit, double *snorm)
{
    size_t n = F->n, D = F->D;
    double *s = F->s, *r = F->r, *d = F->dir, *Hd = F->Hd, *t = F->t;
    for (size_t k = 0; k <= D; k++) {
        s[k] = 0;
        r[k] = k < n ? -F->g[k] : 0;
    }
    lr_precond_apply(F, r, t);
    memcpy(d, t, n * sizeof *d);
    double rt = fairc_dot(r, t, n), ss = 0, sd = 0, dd = rt; /* s.Ms, s.Md, d.Md */
    int steps = 0, cap = (int)(n < 1000 ? n : 1000) + 5;
    *hit = 0;
    while (sqrt(fairc_dot(r, r, n)) > rtol && steps < cap) {
        steps++;
        lr_hess_vec(F, d, Hd);
        double dHd = fairc_dot(d, Hd, n), alpha = rt / dHd;
        if (!(dHd > 0) || ss + 2 * alpha * sd + alpha * alpha * dd >= delta * delta) {
            /* tau >= 0 with ||s + tau d||_M = delta, written to avoid cancellation */
            double cc = ss - delta * delta, disc = sqrt(sd * sd - dd * cc);
            double tau = sd >= 0 ? -cc / (sd + disc) : (disc - sd) / dd;
            fairc_axpy(tau, d, s, n);
            fairc_axpy(-tau, Hd, r, n);
            *hit = 1;
            ss = delta * delta;
            break;
        }
        fairc_axpy(alpha, d, s, n);
        fairc_axpy(-alpha, Hd, r, n);
        ss += 2 * alpha * sd + alpha * alpha * dd;
        lr_precond_apply(F, r, t);
        double rt_new = fairc_dot(r, t, n), beta = rt_new / rt;
        rt = rt_new;
        for (size_t k = 0; k < n; k++) d[k] = t[k] + beta * d[k];
        sd = beta * (sd + alpha * dd);
        dd = rt + beta * beta * dd;
    }
    *snorm = sqrt(ss > 0 ? ss : 0);
    return steps;
}

static int check_classes(const fairc_xy *d, fairc_status *st)
{
    int seen0 = 0, seen1 = 0;
    for (size_t i = 0; i < d->N && !(seen0 && seen1); i++) {
        if (d->w && !(d->w[i] > 0)) continue;
        if (d->y[i] == 1) seen1 = 1;
        else seen0 = 1;
    }
    if (seen0 && seen1) return FAIRC_OK;
    return fairc_fail(st, FAIRC_EINVAL,
                      "every row with positive weight has label %d; logistic regression with an "
                      "intercept or without penalty needs both labels",
                      seen1 ? 1 : 0);
}

int fairc_logistic_objective(const fairc_xy *data, const fairc_logistic_params *p,
                             const double *coef, double *objective, double *grad,
                             fairc_status *st)
{
    const char *why = fairc_logistic_params_check(p);
    if (why) return fairc_fail(st, FAIRC_EINVAL, "%s", why);
    int rc = fairc_xy_validate(data, FAIRC_TASK_CLASSIFY, st);
    if (rc != FAIRC_OK) return rc;
    lr_fit F;
    if ((rc = lr_fit_init(&F, data, p, st)) != FAIRC_OK) return rc;
    double f = lr_evaluate(&F, coef, NULL, F.z, F.h, F.g, F.hd, NULL);
    if (objective) *objective = f;
    if (grad) memcpy(grad, F.g, (data->D + 1) * sizeof *grad);
    lr_fit_free(&F);
    return FAIRC_OK;
}

int fairc_logistic_fit(const fairc_xy *data, const fairc_logistic_params *p, double *coef,
                       fairc_fit_info *info, fairc_status *st)
{
    if (info) memset(info, 0, sizeof *info);
    const char *why = fairc_logistic_params_check(p);
    if (why) return fairc_fail(st, FAIRC_EINVAL, "%s", why);
    int rc = fairc_xy_validate(data, FAIRC_TASK_CLASSIFY, st);
    if (rc != FAIRC_OK) return rc;
    if ((p->fit_intercept || isinf(p->C)) && (rc = check_classes(data, st)) != FAIRC_OK) return rc;
    lr_fit F;
    if ((rc = lr_fit_init(&F, data, p, st)) != FAIRC_OK) return rc;
    size_t D = F.D, n = F.n;
    if (!p->warm_start) memset(coef, 0, (D + 1) * sizeof *coef);
    if (n == D) coef[D] = 0;

    /* The reference gradient at 0 (the first iterate of a cold start). */
    int warm = 0;
    for (size_t k = 0; k <= D; k++) warm |= coef[k] != 0;
    double f = lr_evaluate(&F, coef, NULL, F.z, F.h, F.g, F.hd, NULL), g0norm;
    if (warm) {
        memset(F.coef_new, 0, (D + 1) * sizeof *F.coef_new);
        lr_evaluate(&F, F.coef_new, NULL, F.z_new, F.h_new, F.g_new, F.hd_new, NULL);
        g0norm = sqrt(fairc_dot(F.g_new, F.g_new, n));
    } else {
        g0norm = sqrt(fairc_dot(F.g, F.g, n));
    }
    double gnorm = sqrt(fairc_dot(F.g, F.g, n));
    double scale = g0norm > 0 ? g0norm : gnorm, gtol = p->tol * scale, delta = -1;
    int it = 0, cg_steps = 0, rejected = 0, converged = gnorm <= gtol;
    if (!converged) lr_precond(&F);

    while (!converged && it < p->max_iter) {
        if (p->progress) {
            double frac = p->tol > 0 && gnorm < scale ? log(gnorm / scale) / log(p->tol) : 0;
            if (p->progress(p->progress_user, frac < 1 ? frac : 1, "logistic regression")) {
                rc = fairc_fail(st, FAIRC_ECANCEL, "logistic regression cancelled");
                break;
            }
        }
        it++;
        /* Forcing term: loose CG far from the optimum, nearly exact Newton steps near it. */
        double rel = gnorm / scale, xi = sqrt(rel) < 0.1 ? sqrt(rel) : 0.1, snorm;
        int hit;
        if (delta < 0) { /* first step: the Newton step's M-norm if H were M */
            lr_precond_apply(&F, F.g, F.t);
            delta = sqrt(fairc_dot(F.g, F.t, n));
        }
        cg_steps += lr_cg(&F, delta, xi * gnorm, &hit, &snorm);

        for (size_t k = 0; k <= D; k++) F.coef_new[k] = coef[k] + (k < n ? F.s[k] : 0);
        double ared;
        double f_new = lr_evaluate(&F, F.coef_new, F.z, F.z_new, F.h_new, F.g_new, F.hd_new, &ared);
        if (F.inv_C > 0) {
            /* penalty part of f(old) - f(new) = -(beta.u + u.u / 2) / C over the step u actually
             * taken (coef_new - coef, exact), not s: their difference, times the large and
             * cancelling loss and penalty gradients, would be noise next to a tiny decrease */
            double bu = 0, uu = 0;
            for (size_t k = 0; k < D; k++) {
                double u = F.coef_new[k] - coef[k];
                bu += coef[k] * u;
                uu += u * u;
            }
            ared -= F.inv_C * (bu + 0.5 * uu);
        }
        double pred = 0.5 * (fairc_dot(F.s, F.r, n) - fairc_dot(F.g, F.s, n));
        if (it == 1 && snorm < delta) delta = snorm;
        if (!(pred > 0)) break; /* no decrease left at this precision */
        /* Once the predicted decrease is within a few hundred ulps of f, the rounding of each
         * row's score (about eps |z| |dloss/dz|) makes ared noise; the Newton step is then judged
         * by the gradient norm, the reliable signal at that scale. */
        double rho = ared / pred;
        if (pred < 1e3 * DBL_EPSILON * fabs(f))
            rho = sqrt(fairc_dot(F.g_new, F.g_new, n)) < gnorm ? 1.0 : 0.0;
        if (!(rho >= 0.25)) delta = 0.25 * snorm;
        else if (rho > 0.75 && hit) delta *= 2;
        if (rho > 1e-4) {
            rejected = 0;
            memcpy(coef, F.coef_new, (D + 1) * sizeof *coef);
            double *sw;
            sw = F.z, F.z = F.z_new, F.z_new = sw;
            sw = F.h, F.h = F.h_new, F.h_new = sw;
            sw = F.g, F.g = F.g_new, F.g_new = sw;
            sw = F.hd, F.hd = F.hd_new, F.hd_new = sw;
            f = f_new;
            gnorm = sqrt(fairc_dot(F.g, F.g, n));
            converged = gnorm <= gtol;
            if (!converged) lr_precond(&F);
        } else if (++rejected > 40) {
            break; /* the trust region has shrunk to nothing */
        }
    }
    if (info) {
        info->iterations = it;
        info->cg_iterations = cg_steps;
        info->converged = converged;
        info->objective = f;
        info->grad_norm = gnorm;
        info->grad_norm0 = g0norm;
    }
    lr_fit_free(&F);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Ridge regression                                                                            */

void fairc_linreg_params_init(fairc_linreg_params *p)
{
    memset(p, 0, sizeof *p);
    p->fit_intercept = 1;
}

const char *fairc_linreg_params_check(const fairc_linreg_params *p)
{
    if (!(p->alpha >= 0) || !isfinite(p->alpha)) return "alpha must be a finite number >= 0";
    if (p->fit_intercept != 0 && p->fit_intercept != 1) return "fit_intercept must be 0 or 1";
    if (p->threads < 0) return "threads must be >= 0 (0: OpenMP's choice)";
    return NULL;
}

typedef struct {
    const fairc_xy *data;
    size_t D;
    const double *xbar; /* (D + 1): feature means, then the label mean (zeros without intercept) */
} lin_ctx;

/* sums of w, w x (D) and w y */
static void moment_block(void *vctx, size_t r0, size_t r1, double *part, double *scratch)
{
    (void)scratch;
    const lin_ctx *c = vctx;
    const fairc_xy *d = c->data;
    size_t D = c->D;
    for (size_t i = r0; i < r1; i++) {
        double wi = d->w ? d->w[i] : 1.0;
        fairc_axpy_fd(wi, d->X + i * D, part, D);
        part[D] += wi * d->y[i];
        part[D + 1] += wi;
    }
}

/* Lower triangle of sum_i w_i u_i u_i^T (packed by rows), then sum_i w_i u_i v_i, with
 * u = x - xbar, v = y - ybar; scratch holds u. */
static void gram_block(void *vctx, size_t r0, size_t r1, double *part, double *scratch)
{
    const lin_ctx *c = vctx;
    const fairc_xy *d = c->data;
    size_t D = c->D;
    double *rhs = part + D * (D + 1) / 2, *u = scratch;
    for (size_t i = r0; i < r1; i++) {
        double wi = d->w ? d->w[i] : 1.0;
        if (wi == 0) continue;
        const float *x = d->X + i * D;
        for (size_t j = 0; j < D; j++) u[j] = (double)x[j] - c->xbar[j];
        for (size_t j = 0; j < D; j++) {
            double a = wi * u[j];
            if (a != 0) fairc_axpy(a, u, part + j * (j + 1) / 2, j + 1);
        }
        fairc_axpy(wi * (d->y[i] - c->xbar[D]), u, rhs, D);
    }
}

/* In-place Cholesky A = L L^T (n x n, lower triangle used). Returns -1 if a pivot is <= tiny. */
static int cholesky(double *A, size_t n, double tiny)
{
    for (size_t j = 0; j < n; j++) {
        double s = A[j * n + j] - fairc_dot(A + j * n, A + j * n, j);
        if (!(s > tiny)) return -1;
        double l = sqrt(s);
        A[j * n + j] = l;
        for (size_t i = j + 1; i < n; i++)
            A[i * n + j] = (A[i * n + j] - fairc_dot(A + i * n, A + j * n, j)) / l;
    }
    return 0;
}

/* Cyclic Jacobi: A (n x n symmetric, destroyed) = V diag(lam) V^T, V's columns orthonormal. */
static void jacobi_eigen(double *A, size_t n, double *V, double *lam)
{
    for (size_t i = 0; i < n * n; i++) V[i] = 0;
    for (size_t i = 0; i < n; i++) V[i * n + i] = 1;
    double total = 0;
    for (size_t i = 0; i < n * n; i++) total += A[i] * A[i];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
        if (!(off > 1e-32 * total)) break;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = A[p * n + q];
                if (apq == 0) continue;
                /* the rotation that zeroes A[p][q]: t = tan(angle), the root of t^2 + 2 t theta
                 * = 1 of smaller magnitude */
                double theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double cs = 1 / sqrt(t * t + 1), sn = t * cs;
                for (size_t k = 0; k < n; k++) {
                    if (k == p || k == q) continue;
                    double akp = A[k * n + p], akq = A[k * n + q];
                    A[k * n + p] = A[p * n + k] = cs * akp - sn * akq;
                    A[k * n + q] = A[q * n + k] = sn * akp + cs * akq;
                }
                A[p * n + p] -= t * apq;
                A[q * n + q] += t * apq;
                A[p * n + q] = A[q * n + p] = 0;
                for (size_t k = 0; k < n; k++) {
                    double vkp = V[k * n + p], vkq = V[k * n + q];
                    V[k * n + p] = cs * vkp - sn * vkq;
                    V[k * n + q] = sn * vkp + cs * vkq;
                }
            }
    }
    for (size_t i = 0; i < n; i++) lam[i] = A[i * n + i];
}

int fairc_linreg_fit(const fairc_xy *data, const fairc_linreg_params *p, double *coef,
                     fairc_status *st)
{
    const char *why = fairc_linreg_params_check(p);
    if (why) return fairc_fail(st, FAIRC_EINVAL, "%s", why);
    int rc = fairc_xy_validate(data, FAIRC_TASK_REGRESS, st);
    if (rc != FAIRC_OK) return rc;
    size_t D = data->D;
    if (D > LINREG_MAX_D)
        return fairc_fail(st, FAIRC_ELIMIT, "linear regression takes at most %d features, not %zu",
                          LINREG_MAX_D, D);
    size_t tri = D * (D + 1) / 2, P = tri + D;
    reducer rd;
    if ((rc = reducer_init(&rd, P > D + 2 ? P : D + 2, D, p->threads, st)) != FAIRC_OK) return rc;
    fairc_ksum *total = malloc((P > D + 2 ? P : D + 2) * sizeof *total);
    double *xbar = calloc(D + 1, sizeof *xbar), *A = malloc((D * D + 1) * sizeof *A);
    double *bvec = malloc((D + 1) * sizeof *bvec), *V = NULL, *lam = NULL;
    if (!total || !xbar || !A || !bvec) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the normal equations (%zu features)", D);
        goto done;
    }
    lin_ctx c = {.data = data, .D = D, .xbar = xbar};
    if (p->fit_intercept) {
        reduce_blocks(&rd, data->N, BLOCK_ROWS, D + 2, moment_block, &c, total);
        double W = fairc_ksum_value(&total[D + 1]);
        for (size_t k = 0; k <= D; k++) xbar[k] = fairc_ksum_value(&total[k]) / W;
    }
    reduce_blocks(&rd, data->N, 16 * BLOCK_ROWS, P, gram_block, &c, total);
    double top = 0;
    for (size_t j = 0; j < D; j++) {
        for (size_t k = 0; k <= j; k++)
            A[j * D + k] = A[k * D + j] = fairc_ksum_value(&total[j * (j + 1) / 2 + k]);
        A[j * D + j] += p->alpha;
        top = A[j * D + j] > top ? A[j * D + j] : top;
        bvec[j] = fairc_ksum_value(&total[tri + j]);
    }
    /* Pivots below this are rounding noise of a singular matrix. */
    double tiny = 1e3 * (double)(D ? D : 1) * DBL_EPSILON * top;
    if (cholesky(A, D, tiny) == 0) {
        /* L L^T beta = b: forward, then backward substitution */
        for (size_t j = 0; j < D; j++) coef[j] = (bvec[j] - fairc_dot(A + j * D, coef, j)) / A[j * D + j];
        for (size_t j = D; j-- > 0;) {
            double s = coef[j];
            for (size_t i = j + 1; i < D; i++) s -= A[i * D + j] * coef[i];
            coef[j] = s / A[j * D + j];
        }
    } else {
        /* Singular: minimum-norm solution over the eigenvectors whose eigenvalue is not noise. */
        V = malloc(D * D * sizeof *V);
        lam = malloc(D * sizeof *lam);
        if (!V || !lam) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the normal equations (%zu features)", D);
            goto done;
        }
        for (size_t j = 0; j < D; j++)
            for (size_t k = 0; k <= j; k++)
                A[j * D + k] = A[k * D + j] = fairc_ksum_value(&total[j * (j + 1) / 2 + k]) +
                                              (j == k ? p->alpha : 0);
        jacobi_eigen(A, D, V, lam);
        memset(coef, 0, D * sizeof *coef);
        for (size_t k = 0; k < D; k++) {
            if (!(lam[k] > tiny)) continue;
            double proj = 0;
            for (size_t j = 0; j < D; j++) proj += V[j * D + k] * bvec[j];
            proj /= lam[k];
            for (size_t j = 0; j < D; j++) coef[j] += proj * V[j * D + k];
        }
    }
    coef[D] = p->fit_intercept ? xbar[D] - fairc_dot(xbar, coef, D) : 0;
done:
    free(rd.buf);
    free(total);
    free(xbar);
    free(A);
    free(bvec);
    free(V);
    free(lam);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Prediction                                                                                  */

void fairc_linear_predict(const double *coef, const float *X, size_t N, size_t D, double *scores,
                          double *proba, int threads)
{
    int nt = thread_count(threads);
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && N > 4 * BLOCK_ROWS)
#endif
    for (size_t i = 0; i < N; i++) {
        double z = fairc_dot_fd(X + i * D, coef, D) + coef[D];
        if (scores) scores[i] = z;
        if (proba) proba[i] = fairc_sigmoid(z);
    }
}
