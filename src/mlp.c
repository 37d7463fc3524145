/* mlp.c: multilayer perceptrons: ReLU hidden layers and one output, forward and backward written
 * by hand over one parameter buffer (layout in model.h), mini-batch training with Adam, and
 * prediction. Not here: Adam itself and the losses (optim.c, model.h), fairness penalties (they
 * add their dloss/dscore through the batch hook).
 *
 * Precision: parameters, activations and gradients are double; X is float and is converted
 * exactly. Products go through fairc_gemm (OpenBLAS's dgemm, or the portable kernel), except the
 * first layer when most inputs are 0, as with one-hot columns: the batch is then held as sparse
 * rows and only non-zero inputs are multiplied (Adult: 13 of 107 per row, so the first layer,
 * which is most of the work, costs an eighth). The portable kernel and the sparse path both sum
 * over inputs in increasing order starting from 0, so they give the same values.
 *
 * Determinism: training is sequential; the shuffle and the initial values come from seeded
 * fairc_rng streams; so one seed gives the same bits on a given build and machine. */
#include "blas.h"
#include "model.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* The first layer takes the sparse path when at most this fraction of inputs is non-zero. */
#define SPARSE_DENSITY 0.3
#define PREDICT_ROWS 256

const char *fairc_mlp_layout(fairc_mlp *m, size_t D, const size_t *hidden, size_t n_hidden)
{
    memset(m, 0, sizeof *m);
    if (D == 0) return "the model needs at least one feature";
    if (D > UINT32_MAX) return "the model takes at most 2^32 - 1 features";
    if (n_hidden >= FAIRC_MLP_MAX_LAYERS) return "an MLP has at most 63 hidden layers";
    m->D = D;
    m->n_hidden = n_hidden;
    m->width[0] = D;
    for (size_t l = 0; l < n_hidden; l++) {
        if (hidden[l] == 0) return "every hidden layer needs at least one unit";
        m->width[l + 1] = hidden[l];
    }
    m->width[n_hidden + 1] = 1;
    const size_t cap = (size_t)1 << 31;
    size_t off = 0;
    for (size_t l = 0; l <= n_hidden; l++) {
        size_t in = m->width[l], out = m->width[l + 1];
        if (in > cap / out || in * out > cap - off || out > cap - off - in * out) {
            memset(m, 0, sizeof *m);
            return "the MLP would have more than 2^31 parameters";
        }
        m->w[l] = off;
        off += in * out;
        m->b[l] = off;
        off += out;
    }
    m->count = off;
    return NULL;
}

int fairc_mlp_state_new(fairc_mlp_state *s, const fairc_mlp *m, fairc_status *st)
{
    memset(s, 0, sizeof *s);
    s->buf = calloc(4 * m->count, sizeof *s->buf);
    if (!s->buf)
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu MLP parameters", m->count);
    s->params = s->buf;
    s->grads = s->buf + m->count;
    s->m = s->buf + 2 * m->count;
    s->v = s->buf + 3 * m->count;
    return FAIRC_OK;
}

void fairc_mlp_state_free(fairc_mlp_state *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

void fairc_mlp_init_params(const fairc_mlp *m, double *params, uint64_t seed, const char *purpose)
{
    fairc_rng r;
    fairc_rng_seed(&r, seed, purpose ? purpose : "init");
    for (size_t l = 0; l <= m->n_hidden; l++) {
        size_t in = m->width[l], out = m->width[l + 1];
        double bound = 1.0 / sqrt((double)in);
        /* weights (out, in) then bias (out) are adjacent */
        for (size_t j = m->w[l]; j < m->b[l] + out; j++)
            params[j] = bound * (2.0 * fairc_rng_uniform(&r) - 1.0);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Cache                                                                                       */

struct fairc_mlp_cache {
    size_t max_rows, N; /* capacity; rows of the last forward */
    int force;          /* FAIRC_STORAGE_*: how forward holds its inputs */
    int sparse;         /* the last forward kept its inputs sparse */
    double *x;          /* dense: inputs (N, D); sparse: the non-zero values */
    uint32_t *col;      /* sparse: column of each value */
    size_t *row;        /* sparse: (N + 1) starts of the rows in x and col */
    double *tx;         /* sparse, backward: the same values by column... */
    uint32_t *trow;     /* ... their rows ... */
    size_t *tstart;     /* ... and (D + 1) starts of the columns */
    double *act;        /* hidden layer l's activations (N, width[l]) at act + act_off[l] */
    size_t act_off[FAIRC_MLP_MAX_LAYERS + 1];
    double *da, *db;    /* backward's (max_rows, widest hidden layer) ping-pong buffers */
    double *wt;         /* (D, width[1]): layer 0's weights transposed (sparse forward) */
    double *work;       /* the portable gemm's transposition buffer (widest layer in * out) */
    double *scores, *dscores; /* (max_rows) for the loops in this file */
    double *mem;
};

void fairc_mlp_cache_free(fairc_mlp_cache **c)
{
    if (!c || !*c) return;
    free((*c)->mem);
    free((*c)->col);
    free((*c)->row);
    free(*c);
    *c = NULL;
}

/* a * b + acc, or SIZE_MAX on overflow */
static size_t mul_add(size_t a, size_t b, size_t acc)
{
    if (a && b > (SIZE_MAX - acc) / a) return SIZE_MAX;
    return acc + a * b;
}

int fairc_mlp_cache_new(const fairc_mlp *m, size_t max_rows, fairc_mlp_cache **out,
                        fairc_status *st)
{
    *out = NULL;
    if (max_rows == 0) max_rows = 1;
    size_t D = m->D, L = m->n_hidden + 1, widest = 1, in_out = 0, hidden_sum = 0;
    for (size_t l = 1; l < L; l++) {
        widest = m->width[l] > widest ? m->width[l] : widest;
        hidden_sum += m->width[l];
    }
    for (size_t l = 0; l < L; l++) {
        size_t p = m->width[l] * m->width[l + 1];
        in_out = p > in_out ? p : in_out;
    }
    fairc_mlp_cache *c = calloc(1, sizeof *c);
    if (!c) return fairc_fail(st, FAIRC_ENOMEM, "out of memory for an MLP workspace");
    c->max_rows = max_rows;
    /* Every double array, sized once here and carved from one allocation in this order. */
    struct {
        double **p;
        size_t rows, per_row; /* rows * per_row doubles */
    } part[] = {{&c->x, max_rows, D},         {&c->tx, max_rows, D},
                {&c->act, max_rows, hidden_sum}, {&c->da, max_rows, widest},
                {&c->db, max_rows, widest},   {&c->wt, D, m->width[1]},
                {&c->work, 1, in_out},        {&c->scores, max_rows, 1},
                {&c->dscores, max_rows, 1}};
    size_t total = 0, nparts = sizeof part / sizeof *part;
    for (size_t k = 0; k < nparts; k++) total = mul_add(part[k].rows, part[k].per_row, total);
    size_t nx = mul_add(max_rows, D, 0); /* sparse entries at most, in the CSR and the CSC */
    if (total < SIZE_MAX / sizeof(double) && nx < SIZE_MAX / 2 / sizeof(uint32_t) &&
        D < SIZE_MAX / 2 - max_rows) {
        c->mem = malloc((total ? total : 1) * sizeof *c->mem);
        c->col = malloc(2 * nx * sizeof *c->col);
        c->row = malloc((max_rows + 1 + D + 1) * sizeof *c->row);
    }
    if (!c->mem || !c->col || !c->row) {
        fairc_mlp_cache_free(&c);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory for an MLP workspace of %zu rows",
                          max_rows);
    }
    double *q = c->mem;
    for (size_t k = 0; k < nparts; k++) {
        *part[k].p = q;
        q += part[k].rows * part[k].per_row;
    }
    c->trow = c->col + nx;
    c->tstart = c->row + max_rows + 1;
    for (size_t l = 1, off = 0; l < L; l++) {
        c->act_off[l] = off;
        off += max_rows * m->width[l];
    }
    *out = c;
    return FAIRC_OK;
}

void fairc_mlp_cache_storage(fairc_mlp_cache *c, int storage) { c->force = storage; }

/* ------------------------------------------------------------------------------------------ */
/* Forward and backward                                                                        */

/* Keeps the batch's inputs as double rows or sparse rows, whichever is cheaper. */
static void load_inputs(fairc_mlp_cache *c, const float *X, size_t N, size_t D)
{
    size_t nnz = 0;
    if (c->force == FAIRC_STORAGE_AUTO)
        for (size_t k = 0; k < N * D; k++) nnz += X[k] != 0;
    c->sparse = c->force == FAIRC_STORAGE_SPARSE ||
                (c->force == FAIRC_STORAGE_AUTO && (double)nnz <= SPARSE_DENSITY * (double)(N * D));
    if (!c->sparse) {
        for (size_t k = 0; k < N * D; k++) c->x[k] = X[k];
        return;
    }
    nnz = 0;
    for (size_t i = 0; i < N; i++) {
        c->row[i] = nnz;
        const float *x = X + i * D;
        for (size_t k = 0; k < D; k++) { /* branch-free: write always, keep if non-zero */
            c->x[nnz] = x[k];
            c->col[nnz] = (uint32_t)k;
            nnz += x[k] != 0;
        }
    }
    c->row[N] = nnz;
}

/* T (cols, rows) <- A (rows, cols), in 8 x 8 tiles so that reads and writes both stay within a
 * few cache lines. */
static void transpose(double *restrict T, const double *restrict A, size_t rows, size_t cols)
{
    for (size_t i0 = 0; i0 < rows; i0 += 8)
        for (size_t j0 = 0; j0 < cols; j0 += 8) {
            size_t i1 = i0 + 8 < rows ? i0 + 8 : rows, j1 = j0 + 8 < cols ? j0 + 8 : cols;
            for (size_t j = j0; j < j1; j++)
                for (size_t i = i0; i < i1; i++) T[j * rows + i] = A[i * cols + j];
        }
}

/* The forward pass over the N rows already loaded into c (dense or sparse). */
static void forward_loaded(double *scores, fairc_mlp_cache *c, const fairc_mlp *m,
                           const double *params, size_t N)
{
    size_t D = m->D, L = m->n_hidden + 1;
    c->N = N;
    const double *in_act = c->x;
    for (size_t l = 0; l < L; l++) {
        size_t in = m->width[l], out = m->width[l + 1];
        const double *W = params + m->w[l], *b = params + m->b[l];
        double *Z = l + 1 < L ? c->act + c->act_off[l + 1] : scores;
        if (l == 0 && c->sparse) {
            /* Z (N, out) = X W^T: row i sums its non-zero inputs times rows of W^T (D, out) */
            transpose(c->wt, W, out, D);
            for (size_t i = 0; i < N; i++)
                fairc_sparse_combine(Z + i * out, out, c->x + c->row[i], c->col + c->row[i],
                                     c->row[i + 1] - c->row[i], c->wt, out);
        } else if (out == 1) { /* the output unit: a dot product per row, no gemm call, summed
                                * in input order like the other paths */
            for (size_t i = 0; i < N; i++) {
                const double *a = in_act + i * in;
                double z = 0;
                for (size_t k = 0; k < in; k++) z += a[k] * W[k];
                Z[i] = z;
            }
        } else {
            fairc_gemm(FAIRC_NOTRANS, FAIRC_TRANS, N, out, in, in_act, in, W, in, 0.0, Z, out,
                       c->work);
        }
        for (size_t i = 0; i < N; i++) fairc_add_bias(Z + i * out, b, out, l + 1 < L);
        in_act = Z;
    }
}

void fairc_mlp_forward(double *scores, fairc_mlp_cache *c, const fairc_mlp *m,
                       const double *params, const float *X, size_t N)
{
    assert(N <= c->max_rows);
    load_inputs(c, X, N, m->D);
    forward_loaded(scores, c, m, params, N);
}

void fairc_mlp_backward(double *grads, const double *dscores, fairc_mlp_cache *c,
                        const fairc_mlp *m, const double *params)
{
    size_t N = c->N, D = m->D;
    const double *dz = dscores; /* dloss / d(layer l's outputs before activation), (N, out) */
    for (size_t l = m->n_hidden + 1; l-- > 0;) {
        size_t in = m->width[l], out = m->width[l + 1];
        double *gW = grads + m->w[l], *gb = grads + m->b[l];
        for (size_t i = 0; i < N; i++) fairc_axpy(1.0, dz + i * out, gb, out);
        if (l == 0 && c->sparse) {
            /* gW (out, D) += dz^T X: column k of gW gets sum over rows i with x_ik != 0 of
             * x_ik dz_i, so the non-zeros are regrouped by column (a counting sort, rows stay in
             * order) and each column's sum is formed in registers. */
            size_t *ts = c->tstart, nnz = c->row[N];
            memset(ts, 0, (D + 1) * sizeof *ts);
            for (size_t e = 0; e < nnz; e++) ts[c->col[e] + 1]++;
            for (size_t k = 0; k < D; k++) ts[k + 1] += ts[k];
            for (size_t i = 0; i < N; i++) /* ts[k] runs to the end of column k */
                for (size_t e = c->row[i]; e < c->row[i + 1]; e++) {
                    size_t at = ts[c->col[e]]++;
                    c->tx[at] = c->x[e];
                    c->trow[at] = (uint32_t)i;
                }
            for (size_t k = D; k > 0; k--) ts[k] = ts[k - 1];
            ts[0] = 0;
            double *gk = c->wt; /* (out) scratch */
            for (size_t k = 0; k < D; k++) {
                if (ts[k + 1] == ts[k]) continue;
                fairc_sparse_combine(gk, out, c->tx + ts[k], c->trow + ts[k], ts[k + 1] - ts[k], dz,
                                     out);
                for (size_t h = 0; h < out; h++) gW[h * D + k] += gk[h];
            }
            break;
        }
        const double *A = l == 0 ? c->x : c->act + c->act_off[l]; /* layer l's inputs (N, in) */
        const double *W = params + m->w[l];
        double *da = dz == c->da ? c->db : c->da;
        if (out == 1) { /* the output unit: gW += sum_i dz_i a_i, and da_i = dz_i w */
            /* the sum is formed apart and then added, as the other paths do */
            memset(da, 0, in * sizeof *da);
            for (size_t i = 0; i < N; i++)
                if (dz[i] != 0) fairc_axpy(dz[i], A + i * in, da, in);
            fairc_axpy(1.0, da, gW, in);
            if (l == 0) break;
            memset(da, 0, N * in * sizeof *da);
            for (size_t i = 0; i < N; i++) fairc_axpy(dz[i], W, da + i * in, in);
        } else {
            fairc_gemm(FAIRC_TRANS, FAIRC_NOTRANS, out, in, N, dz, out, A, in, 1.0, gW, in, NULL);
            if (l == 0) break;
            /* dloss/d(inputs) = dz W */
            fairc_gemm(FAIRC_NOTRANS, FAIRC_NOTRANS, N, in, out, dz, out, W, in, 0.0, da, in, NULL);
        }
        /* ... then through the ReLU of hidden layer l */
        fairc_relu_mask(da, A, N * in);
        dz = da;
    }
}

/* Loss of rows [r0, r0 + n) given their scores: adds sum w l into *sum and writes
 * dscores = scale w dl/dz. */
static void batch_loss(int loss, const fairc_xy *d, const size_t *rows, size_t r0, size_t n,
                       const double *scores, double scale, double *dscores, fairc_ksum *sum)
{
    for (size_t r = 0; r < n; r++) {
        size_t i = rows ? rows[r] : r0 + r;
        double wi = d->w ? d->w[i] : 1.0, dz, l = fairc_loss(loss, scores[r], d->y[i], &dz);
        if (wi == 0) {
            dscores[r] = 0;
            continue;
        }
        fairc_ksum_add(sum, wi * l);
        dscores[r] = scale * wi * dz;
    }
}

static double weight_sum(const fairc_xy *d, const size_t *rows, size_t r0, size_t n)
{
    fairc_ksum s = {0, 0};
    for (size_t r = 0; r < n; r++) fairc_ksum_add(&s, d->w ? d->w[rows ? rows[r] : r0 + r] : 1.0);
    return fairc_ksum_value(&s);
}

int fairc_mlp_loss(const fairc_mlp *m, const double *params, const fairc_xy *data, int loss,
                   int reduction, fairc_mlp_cache *c, double *value, double *grads,
                   fairc_status *st)
{
    if (data->D != m->D)
        return fairc_fail(st, FAIRC_EINVAL, "the data has %zu features, the model %zu", data->D,
                          m->D);
    int rc = fairc_xy_validate(data, loss == FAIRC_LOSS_BCE ? FAIRC_TASK_CLASSIFY : FAIRC_TASK_REGRESS, st);
    if (rc != FAIRC_OK) return rc;
    double scale = reduction == FAIRC_REDUCE_MEAN ? 1.0 / weight_sum(data, NULL, 0, data->N) : 1.0;
    fairc_ksum sum = {0, 0};
    for (size_t r0 = 0; r0 < data->N; r0 += c->max_rows) {
        size_t n = data->N - r0 < c->max_rows ? data->N - r0 : c->max_rows;
        fairc_mlp_forward(c->scores, c, m, params, data->X + r0 * m->D, n);
        batch_loss(loss, data, NULL, r0, n, c->scores, scale, c->dscores, &sum);
        if (grads) fairc_mlp_backward(grads, c->dscores, c, m, params);
    }
    *value = fairc_ksum_value(&sum) * scale;
    return FAIRC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Training                                                                                    */

void fairc_mlp_train_params_init(fairc_mlp_train_params *p)
{
    memset(p, 0, sizeof *p);
    p->epochs = 20;
    p->batch_size = 256;
    fairc_adam_params_init(&p->adam);
    p->loss = FAIRC_LOSS_BCE;
    p->reduction = FAIRC_REDUCE_MEAN;
    p->start = FAIRC_START_INIT;
}

const char *fairc_mlp_train_params_check(const fairc_mlp_train_params *p)
{
    if (p->batch_size == 0) return "the batch size must be at least 1";
    if (p->batch_size > (1u << 20)) return "the batch size must be at most 1,048,576";
    if (p->loss != FAIRC_LOSS_BCE && p->loss != FAIRC_LOSS_SQUARED)
        return "the loss must be binary cross-entropy or squared";
    if (p->reduction != FAIRC_REDUCE_MEAN && p->reduction != FAIRC_REDUCE_SUM)
        return "the loss reduction must be mean or sum";
    if (p->start != FAIRC_START_INIT && p->start != FAIRC_START_WARM &&
        p->start != FAIRC_START_RESUME)
        return "start must be init, warm or resume";
    if (p->storage < FAIRC_STORAGE_AUTO || p->storage > FAIRC_STORAGE_DENSE)
        return "storage must be auto, sparse or dense";
    return fairc_adam_params_check(&p->adam);
}

/* The training rows once, as sparse rows when most inputs are 0, so that a batch is gathered
 * from the non-zeros without scanning the dense rows again. */
typedef struct {
    int sparse;
    size_t *start; /* (N + 1) */
    uint32_t *col;
    float *val;
} sparse_rows;

static int sparse_rows_build(sparse_rows *sr, const fairc_xy *d, int storage, fairc_status *st)
{
    size_t N = d->N, D = d->D, nnz = 0;
    memset(sr, 0, sizeof *sr);
    if (storage == FAIRC_STORAGE_DENSE) return FAIRC_OK;
    for (size_t k = 0; k < N * D; k++) nnz += d->X[k] != 0;
    if (storage == FAIRC_STORAGE_AUTO && (double)nnz > SPARSE_DENSITY * (double)(N * D))
        return FAIRC_OK;
    sr->start = malloc((N + 1) * sizeof *sr->start);
    sr->col = malloc((nnz ? nnz : 1) * sizeof *sr->col);
    sr->val = malloc((nnz ? nnz : 1) * sizeof *sr->val);
    if (!sr->start || !sr->col || !sr->val)
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu non-zero inputs", nnz);
    nnz = 0;
    for (size_t i = 0; i < N; i++) {
        sr->start[i] = nnz;
        for (size_t k = 0; k < D; k++)
            if (d->X[i * D + k] != 0) {
                sr->col[nnz] = (uint32_t)k;
                sr->val[nnz++] = d->X[i * D + k];
            }
    }
    sr->start[N] = nnz;
    sr->sparse = 1;
    return FAIRC_OK;
}

static void sparse_rows_free(sparse_rows *sr)
{
    free(sr->start);
    free(sr->col);
    free(sr->val);
}

/* Loads rows[0..nb) of the data into c, as sr says. */
static void gather_rows(fairc_mlp_cache *c, const sparse_rows *sr, const fairc_xy *d,
                        const size_t *rows, size_t nb)
{
    size_t D = d->D;
    c->sparse = sr->sparse;
    if (!sr->sparse) {
        for (size_t r = 0; r < nb; r++) {
            const float *x = d->X + rows[r] * D;
            double *o = c->x + r * D;
            for (size_t k = 0; k < D; k++) o[k] = x[k];
        }
        return;
    }
    size_t at = 0;
    for (size_t r = 0; r < nb; r++) {
        size_t a = sr->start[rows[r]], n = sr->start[rows[r] + 1] - a;
        c->row[r] = at;
        memcpy(c->col + at, sr->col + a, n * sizeof *c->col);
        for (size_t e = 0; e < n; e++) c->x[at + e] = sr->val[a + e];
        at += n;
    }
    c->row[nb] = at;
}

int fairc_mlp_train(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *data,
                    const fairc_mlp_train_params *p, fairc_mlp_train_info *info,
                    fairc_status *st)
{
    fairc_mlp_train_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    const char *why = fairc_mlp_train_params_check(p);
    if (why) return fairc_fail(st, FAIRC_EINVAL, "%s", why);
    if (data->D != m->D)
        return fairc_fail(st, FAIRC_EINVAL, "the data has %zu features, the model %zu", data->D,
                          m->D);
    int rc = fairc_xy_validate(
        data, p->loss == FAIRC_LOSS_BCE ? FAIRC_TASK_CLASSIFY : FAIRC_TASK_REGRESS, st);
    if (rc != FAIRC_OK) return rc;
    size_t N = data->N, bs = p->batch_size < N ? p->batch_size : N;

    size_t *perm = malloc(N * sizeof *perm);
    fairc_mlp_cache *c = NULL;
    sparse_rows sr = {0};
    if ((rc = sparse_rows_build(&sr, data, p->storage, st)) != FAIRC_OK) goto done;
    if (!perm) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for MLP training on %zu rows", N);
        goto done;
    }
    if ((rc = fairc_mlp_cache_new(m, bs, &c, st)) != FAIRC_OK) goto done;

    if (p->start == FAIRC_START_INIT) fairc_mlp_init_params(m, s->params, p->seed, p->init_purpose);
    if (p->start != FAIRC_START_RESUME) {
        memset(s->m, 0, m->count * sizeof *s->m);
        memset(s->v, 0, m->count * sizeof *s->v);
        s->step = 0;
    }
    fairc_rng rng;
    fairc_rng_seed(&rng, p->seed, p->shuffle_purpose ? p->shuffle_purpose : "shuffle");

    for (size_t epoch = 0; epoch < p->epochs; epoch++) {
        for (size_t i = 0; i < N; i++) perm[i] = i;
        for (size_t i = N; i-- > 1;) { /* Fisher-Yates */
            size_t j = (size_t)fairc_rng_below(&rng, (uint64_t)i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        fairc_ksum epoch_loss = {0, 0}, epoch_weight = {0, 0};
        for (size_t start = 0; start < N; start += bs) {
            size_t nb = N - start < bs ? N - start : bs;
            const size_t *rows = perm + start;
            double WB = weight_sum(data, rows, 0, nb);
            if (!(WB > 0)) continue;
            gather_rows(c, &sr, data, rows, nb);
            forward_loaded(c->scores, c, m, s->params, nb);
            fairc_ksum bl = {0, 0};
            batch_loss(p->loss, data, rows, 0, nb, c->scores,
                       p->reduction == FAIRC_REDUCE_MEAN ? 1.0 / WB : 1.0, c->dscores, &bl);
            fairc_ksum_merge(&epoch_loss, &bl);
            fairc_ksum_add(&epoch_weight, WB);
            if (p->batch_hook &&
                (rc = p->batch_hook(p->batch_user, rows, nb, c->scores, c->dscores)) != FAIRC_OK)
                goto done;
            memset(s->grads, 0, m->count * sizeof *s->grads);
            fairc_mlp_backward(s->grads, c->dscores, c, m, s->params);
            fairc_adam_step(&p->adam, ++s->step, s->params, s->grads, s->m, s->v, m->count);
            info->batches++;
        }
        info->epochs = epoch + 1;
        info->last_epoch_loss = fairc_ksum_value(&epoch_loss) / fairc_ksum_value(&epoch_weight);
        if (p->epoch_hook && (rc = p->epoch_hook(p->epoch_user, epoch, s->params)) != FAIRC_OK)
            goto done;
        if (p->progress &&
            p->progress(p->progress_user, (double)(epoch + 1) / (double)p->epochs, "mlp training")) {
            rc = fairc_fail(st, FAIRC_ECANCEL, "MLP training cancelled after epoch %zu", epoch + 1);
            goto done;
        }
    }
done:
    fairc_mlp_cache_free(&c);
    sparse_rows_free(&sr);
    free(perm);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Prediction                                                                                  */

int fairc_mlp_predict(const fairc_mlp *m, const double *params, const float *X, size_t N,
                      double *scores, double *proba, int threads, fairc_status *st)
{
    size_t nblocks = (N + PREDICT_ROWS - 1) / PREDICT_ROWS, nt = 1;
#ifdef _OPENMP
    nt = threads > 0 ? (size_t)threads : (size_t)omp_get_max_threads();
#else
    (void)threads;
#endif
    if (nt > nblocks) nt = nblocks ? nblocks : 1;
    fairc_mlp_cache **caches = calloc(nt, sizeof *caches);
    if (!caches) return fairc_fail(st, FAIRC_ENOMEM, "out of memory for MLP prediction");
    int rc = FAIRC_OK;
    for (size_t t = 0; t < nt && rc == FAIRC_OK; t++)
        rc = fairc_mlp_cache_new(m, PREDICT_ROWS, &caches[t], st);
    if (rc == FAIRC_OK) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads((int)nt) if (nt > 1)
#endif
        for (size_t b = 0; b < nblocks; b++) {
            size_t t = 0;
#ifdef _OPENMP
            t = (size_t)omp_get_thread_num();
#endif
            fairc_mlp_cache *c = caches[t];
            size_t r0 = b * PREDICT_ROWS, n = N - r0 < PREDICT_ROWS ? N - r0 : PREDICT_ROWS;
            fairc_mlp_forward(c->scores, c, m, params, X + r0 * m->D, n);
            for (size_t r = 0; r < n; r++) {
                if (scores) scores[r0 + r] = c->scores[r];
                if (proba) proba[r0 + r] = fairc_sigmoid(c->scores[r]);
            }
        }
    }
    for (size_t t = 0; t < nt; t++) fairc_mlp_cache_free(&caches[t]);
    free(caches);
    return rc;
}
