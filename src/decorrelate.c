/* decorrelate.c: CorrelationRemover (Fairlearn; SPEC §10.2). Numeric columns Z lose their linear
 * dependence on the centred sensitive indicators S: z* = z - (s - sbar) W*, W* the weighted
 * least-squares fit (pseudo-inverse when S is rank-deficient, as one-hot columns are), and the
 * output is alpha z* + (1 - alpha) z. With one indicator per intersection group the fit is
 * closed-form, z* = z - (m_g - m) (weighted group and overall means); with each column's levels
 * side by side (marginal) it is a small K x K solve. The fitted projection can be saved as a
 * small CSV and applied to new rows (fairc decorrelate --projection).
 * A projection is stored as an affine shift per column: shift_j = c_j + sum_k s_k W_kj. */
#include "encode.h"
#include "groups.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Linear algebra: the pseudo-inverse of a small symmetric matrix                              */

/* A (K, K) symmetric -> its Moore-Penrose pseudo-inverse in place, by cyclic Jacobi rotations;
 * eigenvalues below 1e-10 of the largest count as zero. */
/* n, or 1 for an empty allocation */
static size_t nz(size_t n) { return n ? n : 1; }

static int pinv_sym(double *A, size_t K)
{
    double *V = calloc(K * K, sizeof *V), *d = malloc((K ? K : 1) * sizeof *d);
    if (!V || !d) {
        free(V);
        free(d);
        return -1;
    }
    for (size_t i = 0; i < K; i++) V[i * K + i] = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (size_t p = 0; p < K; p++)
            for (size_t q = 0; q < K; q++) {
                if (p != q) off += A[p * K + q] * A[p * K + q];
                else diag += A[p * K + q] * A[p * K + q];
            }
        if (off <= 1e-30 * (diag > 0 ? diag : 1)) break;
        for (size_t p = 0; p + 1 < K; p++)
            for (size_t q = p + 1; q < K; q++) {
                double apq = A[p * K + q];
                if (apq == 0) continue;
                double theta = (A[q * K + q] - A[p * K + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < K; k++) { /* A <- A J (columns p, q) */
                    double akp = A[k * K + p], akq = A[k * K + q];
                    A[k * K + p] = c * akp - s * akq;
                    A[k * K + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < K; k++) { /* A <- J^T A (rows p, q) */
                    double apk = A[p * K + k], aqk = A[q * K + k];
                    A[p * K + k] = c * apk - s * aqk;
                    A[q * K + k] = s * apk + c * aqk;
                }
                for (size_t k = 0; k < K; k++) { /* V <- V J */
                    double vkp = V[k * K + p], vkq = V[k * K + q];
                    V[k * K + p] = c * vkp - s * vkq;
                    V[k * K + q] = s * vkp + c * vkq;
                }
            }
    }
    double top = 0;
    for (size_t i = 0; i < K; i++) {
        d[i] = A[i * K + i];
        if (fabs(d[i]) > top) top = fabs(d[i]);
    }
    for (size_t i = 0; i < K; i++) d[i] = fabs(d[i]) > 1e-10 * top ? 1 / d[i] : 0;
    for (size_t p = 0; p < K; p++)
        for (size_t q = 0; q < K; q++) {
            double s = 0;
            for (size_t k = 0; k < K; k++) s += V[p * K + k] * d[k] * V[q * K + k];
            A[p * K + q] = s;
        }
    free(V);
    free(d);
    return 0;
}

FAIRC_API int fairc_decorrelate_arrays(size_t N, size_t J, double *Z, size_t K, const double *S,
                                       const double *w, double alpha, fairc_status *st)
{
    if (!(alpha >= 0 && alpha <= 1)) return fairc_fail(st, FAIRC_EINVAL, "alpha must be a number in [0, 1]");
    if (N == 0 || !Z || (K && !S)) return fairc_fail(st, FAIRC_EINVAL, "decorrelation needs rows");
    fairc_ksum W = {0, 0};
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1;
        if (!(wi >= 0) || !isfinite(wi)) return fairc_fail(st, FAIRC_EINVAL, "row %zu: weight not a finite number >= 0", i + 1);
        for (size_t j = 0; j < J; j++)
            if (!isfinite(Z[i * J + j])) return fairc_fail(st, FAIRC_EINVAL, "row %zu: column %zu is not a finite number", i + 1, j + 1);
        for (size_t k = 0; k < K; k++)
            if (!isfinite(S[i * K + k])) return fairc_fail(st, FAIRC_EINVAL, "row %zu: sensitive column %zu is not a finite number", i + 1, k + 1);
        fairc_ksum_add(&W, wi);
    }
    double Wv = fairc_ksum_value(&W);
    if (!(Wv > 0)) return fairc_fail(st, FAIRC_EINVAL, "the rows' total weight is 0");
    if (K == 0 || J == 0 || alpha == 0) return FAIRC_OK;
    double *sbar = calloc(K, sizeof *sbar), *C = calloc(K * K, sizeof *C), *B = calloc(K * J, sizeof *B);
    double *M = malloc(K * J * sizeof *M), *sc = malloc(K * sizeof *sc);
    int rc = FAIRC_OK;
    if (!sbar || !C || !B || !M || !sc) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t k = 0; rc == FAIRC_OK && k < K; k++) {
        fairc_ksum s = {0, 0};
        for (size_t i = 0; i < N; i++) fairc_ksum_add(&s, (w ? w[i] : 1) * S[i * K + k]);
        sbar[k] = fairc_ksum_value(&s) / Wv;
    }
    /* C = Sc^T diag(w) Sc, B = Sc^T diag(w) Z */
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        double wi = w ? w[i] : 1;
        for (size_t k = 0; k < K; k++) sc[k] = S[i * K + k] - sbar[k];
        for (size_t p = 0; p < K; p++) {
            for (size_t q = 0; q < K; q++) C[p * K + q] += wi * sc[p] * sc[q];
            for (size_t j = 0; j < J; j++) B[p * J + j] += wi * sc[p] * Z[i * J + j];
        }
    }
    if (rc == FAIRC_OK && pinv_sym(C, K) != 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK) {
        for (size_t p = 0; p < K; p++) /* M = pinv(C) B = W* */
            for (size_t j = 0; j < J; j++) {
                double s = 0;
                for (size_t q = 0; q < K; q++) s += C[p * K + q] * B[q * J + j];
                M[p * J + j] = s;
            }
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                double shift = 0;
                for (size_t k = 0; k < K; k++) shift += (S[i * K + k] - sbar[k]) * M[k * J + j];
                Z[i * J + j] -= alpha * shift;
            }
    }
    free(sbar);
    free(C);
    free(B);
    free(M);
    free(sc);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* A projection over named columns and indicators                                              */

typedef struct projection {
    int mode;            /* FAIRC_GROUPS_INTERSECTION or MARGINAL */
    double alpha;
    char **sensitive;    /* (S) */
    size_t S;
    char **cols;         /* (J) the transformed columns */
    size_t J;
    double *mean;        /* (J) weighted means at fit (informational) */
    double *icpt;        /* (J) c_j */
    char **ind;          /* (K) indicator names: a group, or "col=level" */
    size_t K;
    size_t *block;       /* (K) sensitive column of a marginal indicator (0 for groups) */
    double *sbar;        /* (K) weighted share at fit: the fallback of an unseen level */
    double *coef;        /* (K, J) */
} projection;

static void free_strs(char **s, size_t n)
{
    for (size_t k = 0; s && k < n; k++) free(s[k]);
    free(s);
}

static void projection_free(projection *p)
{
    free_strs(p->sensitive, p->S);
    free_strs(p->cols, p->J);
    free_strs(p->ind, p->K);
    free(p->mean);
    free(p->icpt);
    free(p->block);
    free(p->sbar);
    free(p->coef);
    memset(p, 0, sizeof *p);
}

static int projection_alloc(projection *p, size_t J, size_t K)
{
    p->J = J;
    p->K = K;
    p->cols = calloc(J ? J : 1, sizeof *p->cols);
    p->mean = calloc(J ? J : 1, sizeof *p->mean);
    p->icpt = calloc(J ? J : 1, sizeof *p->icpt);
    p->ind = calloc(K ? K : 1, sizeof *p->ind);
    p->block = calloc(K ? K : 1, sizeof *p->block);
    p->sbar = calloc(K ? K : 1, sizeof *p->sbar);
    p->coef = calloc(nz(J * K), sizeof *p->coef);
    return p->cols && p->mean && p->icpt && p->ind && p->block && p->sbar && p->coef ? 0 : -1;
}

FAIRC_API void fairc_decorrelate_options_init(fairc_decorrelate_options *o)
{
    memset(o, 0, sizeof *o);
    o->alpha = 1;
    o->groups = FAIRC_GROUPS_INTERSECTION;
    o->unseen = FAIRC_UNSEEN_ERROR;
}

FAIRC_API const char *fairc_decorrelate_options_check(const fairc_decorrelate_options *o)
{
    if (!o) return "no options";
    if (!(o->alpha >= 0 && o->alpha <= 1) && !(o->projection_in && isnan(o->alpha)))
        return "alpha must be a number in [0, 1]";
    if (o->groups != FAIRC_GROUPS_INTERSECTION && o->groups != FAIRC_GROUPS_MARGINAL)
        return "the indicator columns (--cr-groups) must be intersection or marginal";
    if (o->unseen != FAIRC_UNSEEN_ERROR && o->unseen != FAIRC_UNSEEN_POOLED)
        return "the unseen-group policy of decorrelation must be error or pooled";
    if (!o->projection_in && o->n_sensitive == 0) return "at least one sensitive column is required (--sensitive)";
    if (o->projection_in && o->projection_out) return "give a projection to apply or one to save, not both";
    return NULL;
}

static int is_listed(const char *name, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(name, list[k]) == 0) return 1;
    return 0;
}

/* Each row's indicator per block (intersection: 1 block; marginal: one per sensitive column),
 * as indices into p->ind, -1 for a name the projection does not know. ids (N, blocks). */
static int row_indicators(const fairc_table *t, const projection *p, long *ids, fairc_status *st)
{
    size_t blocks = p->mode == FAIRC_GROUPS_MARGINAL ? p->S : 1;
    fairc_strmap names = {0};
    int rc = FAIRC_OK;
    for (size_t k = 0; k < p->K; k++)
        if (fairc_strmap_intern(&names, p->ind[k], strlen(p->ind[k]), NULL) < 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int32_t *g = malloc((t->N ? t->N : 1) * sizeof *g);
    if (!g) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t b = 0; rc == FAIRC_OK && b < blocks; b++) {
        /* the groups of this block's columns, in fairc order, then their names looked up */
        fairc_encoder e;
        memset(&e, 0, sizeof e);
        e.sensitive = p->mode == FAIRC_GROUPS_MARGINAL ? &p->sensitive[b] : p->sensitive;
        e.n_sensitive = p->mode == FAIRC_GROUPS_MARGINAL ? 1 : p->S;
        rc = fairc_groups_fit(t, &e, g, st);
        long *map = rc == FAIRC_OK ? malloc((e.n_groups ? e.n_groups : 1) * sizeof *map) : NULL;
        if (rc == FAIRC_OK && !map) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t k = 0; rc == FAIRC_OK && k < e.n_groups; k++)
            map[k] = fairc_strmap_find(&names, e.group_names[k], strlen(e.group_names[k]));
        for (size_t i = 0; rc == FAIRC_OK && i < t->N; i++) ids[i * blocks + b] = map[g[i]];
        free(map);
        free_strs(e.group_names, e.n_groups);
    }
    free(g);
    fairc_strmap_free(&names);
    return rc;
}

/* Fits p (mode, sensitive set; cols chosen) on table t with weights w (NULL: ones). */
static int projection_fit(const fairc_table *t, const double *w, const long *colidx,
                          projection *p, fairc_status *st)
{
    size_t N = t->N, J = p->J, blocks = p->mode == FAIRC_GROUPS_MARGINAL ? p->S : 1;
    int rc = FAIRC_OK;
    /* indicators: the groups (intersection) or every column's levels, fairc order */
    int32_t *g = malloc((N ? N : 1) * sizeof *g);
    long *ids = malloc(nz(N * blocks) * sizeof *ids);
    if (!g || !ids) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    size_t K = 0;
    for (size_t b = 0; rc == FAIRC_OK && b < blocks; b++) {
        fairc_encoder e;
        memset(&e, 0, sizeof e);
        e.sensitive = p->mode == FAIRC_GROUPS_MARGINAL ? &p->sensitive[b] : p->sensitive;
        e.n_sensitive = p->mode == FAIRC_GROUPS_MARGINAL ? 1 : p->S;
        rc = fairc_groups_fit(t, &e, g, st);
        if (rc == FAIRC_OK) {
            char **grown = realloc(p->ind, (K + e.n_groups) * sizeof *grown);
            size_t *gb = realloc(p->block, (K + e.n_groups) * sizeof *gb);
            if (grown) p->ind = grown;
            if (gb) p->block = gb;
            if (!grown || !gb) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            for (size_t k = 0; rc == FAIRC_OK && k < e.n_groups; k++) {
                p->ind[K + k] = e.group_names[k];
                p->block[K + k] = b;
                e.group_names[k] = NULL;
            }
            for (size_t i = 0; rc == FAIRC_OK && i < N; i++) ids[i * blocks + b] = (long)(K + (size_t)g[i]);
            if (rc == FAIRC_OK) K += e.n_groups;
        }
        free_strs(e.group_names, e.n_groups);
    }
    p->K = K;
    free(g);
    if (rc == FAIRC_OK) {
        p->sbar = calloc(K ? K : 1, sizeof *p->sbar);
        p->coef = calloc(nz(K * J), sizeof *p->coef);
        if (!p->sbar || !p->coef) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    double *C = rc == FAIRC_OK ? malloc(nz(K * K) * sizeof *C) : NULL;
    double *sb = rc == FAIRC_OK ? malloc((K ? K : 1) * sizeof *sb) : NULL;
    double *bv = rc == FAIRC_OK ? malloc((K ? K : 1) * sizeof *bv) : NULL;
    fairc_ksum *acc = rc == FAIRC_OK ? calloc(K ? K : 1, sizeof *acc) : NULL;
    if (rc == FAIRC_OK && (!C || !sb || !bv || !acc)) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    /* sbar over all rows: the fallback of unseen levels */
    if (rc == FAIRC_OK) {
        fairc_ksum W = {0, 0};
        for (size_t i = 0; i < N; i++) {
            double wi = w ? w[i] : 1;
            fairc_ksum_add(&W, wi);
            for (size_t b = 0; b < blocks; b++) fairc_ksum_add(&acc[ids[i * blocks + b]], wi);
        }
        double Wv = fairc_ksum_value(&W);
        if (!(Wv > 0)) rc = fairc_fail(st, FAIRC_EINVAL, "the rows' total weight is 0");
        for (size_t k = 0; rc == FAIRC_OK && k < K; k++) p->sbar[k] = fairc_ksum_value(&acc[k]) / Wv;
    }
    /* per column, over the rows where it is present */
    for (size_t j = 0; rc == FAIRC_OK && j < J; j++) {
        const fairc_table_col *c = &t->cols[colidx[j]];
        fairc_ksum W = {0, 0}, Sz = {0, 0};
        fairc_ksum *wz = calloc(K ? K : 1, sizeof *wz);
        memset(acc, 0, K * sizeof *acc);
        if (!wz) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        memset(C, 0, K * K * sizeof *C);
        for (size_t i = 0; i < N; i++) {
            if (c->id[i] == FAIRC_MISSING_ID) continue;
            double wi = w ? w[i] : 1, z = c->num[i];
            fairc_ksum_add(&W, wi);
            fairc_ksum_add(&Sz, wi * z);
            for (size_t b = 0; b < blocks; b++) {
                long k = ids[i * blocks + b];
                fairc_ksum_add(&acc[k], wi);
                fairc_ksum_add(&wz[k], wi * z);
                if (p->mode == FAIRC_GROUPS_MARGINAL)
                    for (size_t b2 = 0; b2 < blocks; b2++) C[(size_t)k * K + (size_t)ids[i * blocks + b2]] += wi;
            }
        }
        double Wv = fairc_ksum_value(&W), m = Wv > 0 ? fairc_ksum_value(&Sz) / Wv : 0;
        p->mean[j] = m;
        if (Wv > 0 && p->mode == FAIRC_GROUPS_INTERSECTION) {
            /* the projection in closed form: z* = z - (m_g - m) */
            for (size_t k = 0; k < K; k++) {
                double Wk = fairc_ksum_value(&acc[k]);
                p->coef[k * J + j] = Wk > 0 ? fairc_ksum_value(&wz[k]) / Wk - m : 0;
            }
        } else if (Wv > 0) {
            /* C = sum w s s^T - W sbar sbar^T, b = sum w s z - sbar sum w z; W* = pinv(C) b */
            for (size_t k = 0; k < K; k++) sb[k] = fairc_ksum_value(&acc[k]) / Wv;
            for (size_t a = 0; a < K; a++) {
                for (size_t b2 = 0; b2 < K; b2++) C[a * K + b2] -= Wv * sb[a] * sb[b2];
                bv[a] = fairc_ksum_value(&wz[a]) - sb[a] * fairc_ksum_value(&Sz);
            }
            if (pinv_sym(C, K) != 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            double icpt = 0;
            for (size_t a = 0; rc == FAIRC_OK && a < K; a++) {
                double s = 0;
                for (size_t b2 = 0; b2 < K; b2++) s += C[a * K + b2] * bv[b2];
                p->coef[a * J + j] = s;
                icpt -= sb[a] * s;
            }
            p->icpt[j] = icpt;
        }
        free(wz);
    }
    free(C);
    free(sb);
    free(bv);
    free(acc);
    free(ids);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The projection file: a small CSV (fairc-decorrelate/1)                                      */

static void csv_put(fairc_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fairc_buf_puts(b, s);
        return;
    }
    fairc_buf_puts(b, "\"");
    for (; *s; s++) fairc_buf_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    fairc_buf_puts(b, "\"");
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v. */
static void num_put(fairc_buf *b, double v)
{
    char tmp[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(tmp, sizeof tmp, "%.*g", digits, v);
        if (strtod(tmp, NULL) == v) break;
    }
    fairc_buf_puts(b, tmp);
}

static void proj_row(fairc_buf *b, const char *rec, const char *name, const double *value,
                     const double *cells, size_t J)
{
    csv_put(b, rec);
    fairc_buf_puts(b, ",");
    csv_put(b, name ? name : "");
    fairc_buf_puts(b, ",");
    if (value) num_put(b, *value);
    for (size_t j = 0; j < J; j++) {
        fairc_buf_puts(b, ",");
        if (cells) num_put(b, cells[j]);
    }
    fairc_buf_puts(b, "\n");
}

static int projection_save(const projection *p, const char *path, fairc_status *st)
{
    fairc_buf b = {0};
    fairc_buf_puts(&b, "record,name,value");
    for (size_t j = 0; j < p->J; j++) {
        fairc_buf_puts(&b, ",");
        csv_put(&b, p->cols[j]);
    }
    fairc_buf_puts(&b, "\n");
    proj_row(&b, "format", "fairc-decorrelate/1", NULL, NULL, p->J);
    proj_row(&b, "mode", p->mode == FAIRC_GROUPS_MARGINAL ? "marginal" : "intersection", NULL, NULL, p->J);
    proj_row(&b, "alpha", NULL, &p->alpha, NULL, p->J);
    for (size_t s = 0; s < p->S; s++) proj_row(&b, "sensitive", p->sensitive[s], NULL, NULL, p->J);
    proj_row(&b, "mean", NULL, NULL, p->mean, p->J);
    proj_row(&b, "intercept", NULL, NULL, p->icpt, p->J);
    for (size_t k = 0; k < p->K; k++) proj_row(&b, "indicator", p->ind[k], &p->sbar[k], p->coef + k * p->J, p->J);
    if (b.failed) {
        fairc_buf_free(&b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    fairc_atomic_file a;
    int rc = fairc_atomic_open(&a, path, st);
    if (rc == FAIRC_OK) rc = fairc_atomic_close(&a, fwrite(b.p, 1, b.len, a.f) == b.len, st);
    fairc_buf_free(&b);
    return rc;
}

static int grow_strs(char ***v, size_t n, const char *s)
{
    char **g = realloc(*v, (n + 1) * sizeof *g);
    if (!g) return -1;
    *v = g;
    return (g[n] = strdup(s)) ? 0 : -1;
}

static int projection_load(const char *path, projection *p, fairc_status *st)
{
    memset(p, 0, sizeof *p);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    static const char *const none[] = {"\x01"};
    ro.na_values = none;
    ro.n_na_values = 1;
    ro.format = FAIRC_FORMAT_CSV;
    fairc_reader *r = NULL;
    int rc = fairc_reader_open(path, &ro, &r, st);
    if (rc != FAIRC_OK) return rc;
    size_t nc = fairc_reader_ncols(r);
    if (nc < 3 || strcmp(fairc_reader_colname(r, 0), "record") != 0) {
        fairc_reader_free(&r);
        return fairc_fail(st, FAIRC_EPARSE, "%.200s: not a fairc projection file (its header starts "
                          "record,name,value)", path);
    }
    size_t J = nc - 3;
    p->alpha = NAN;
    p->mode = -1;
    if (projection_alloc(p, J, 0) != 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t j = 0; rc == FAIRC_OK && j < J; j++)
        if (!(p->cols[j] = strdup(fairc_reader_colname(r, j + 3)))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int format = 0, more;
    while (rc == FAIRC_OK && (more = fairc_reader_next(r, st)) != 0) {
        if (more < 0) {
            rc = st && st->code ? st->code : FAIRC_EPARSE;
            break;
        }
        const char *rec = fairc_reader_field(r, 0, NULL), *name = fairc_reader_field(r, 1, NULL);
        size_t n;
        const char *vs = fairc_reader_field(r, 2, &n);
        double value = NAN, *cells = NULL;
        if (n && fairc_parse_double(vs, n, &value) != 0) {
            rc = fairc_reader_error(r, 3, FAIRC_EPARSE, st, "'%.40s' is not a number", vs);
            break;
        }
        int wants_cells = strcmp(rec, "indicator") == 0 || strcmp(rec, "intercept") == 0 || strcmp(rec, "mean") == 0;
        if (wants_cells) {
            cells = strcmp(rec, "mean") == 0 ? p->mean : strcmp(rec, "intercept") == 0 ? p->icpt : NULL;
            if (!cells) {
                double *coef = realloc(p->coef, (p->K + 1) * (J ? J : 1) * sizeof *coef);
                double *sbar = realloc(p->sbar, (p->K + 1) * sizeof *sbar);
                size_t *block = realloc(p->block, (p->K + 1) * sizeof *block);
                if (coef) p->coef = coef;
                if (sbar) p->sbar = sbar;
                if (block) p->block = block;
                if (!coef || !sbar || !block || grow_strs(&p->ind, p->K, name) != 0) {
                    rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                    break;
                }
                if (!(value >= 0 && value <= 1)) {
                    rc = fairc_reader_error(r, 3, FAIRC_EPARSE, st, "an indicator's share must be a number in [0, 1]");
                    break;
                }
                p->sbar[p->K] = value;
                p->block[p->K] = 0;
                cells = p->coef + p->K * J;
                p->K++;
            }
            for (size_t j = 0; j < J && rc == FAIRC_OK; j++) {
                const char *f = fairc_reader_field(r, j + 3, &n);
                if (fairc_parse_double(f, n, &cells[j]) != 0)
                    rc = fairc_reader_error(r, j + 4, FAIRC_EPARSE, st, "'%.40s' is not a finite number", f);
            }
        } else if (strcmp(rec, "format") == 0) {
            format = strcmp(name, "fairc-decorrelate/1") == 0;
        } else if (strcmp(rec, "mode") == 0) {
            p->mode = strcmp(name, "marginal") == 0 ? FAIRC_GROUPS_MARGINAL
                    : strcmp(name, "intersection") == 0 ? FAIRC_GROUPS_INTERSECTION : -1;
        } else if (strcmp(rec, "alpha") == 0) {
            p->alpha = value;
        } else if (strcmp(rec, "sensitive") == 0) {
            if (grow_strs(&p->sensitive, p->S, name) != 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            else p->S++;
        } else {
            rc = fairc_reader_error(r, 1, FAIRC_EPARSE, st, "unknown record '%.40s'", rec);
        }
    }
    fairc_reader_free(&r);
    if (rc == FAIRC_OK && (!format || p->mode < 0 || !(p->alpha >= 0 && p->alpha <= 1) || p->S == 0))
        rc = fairc_fail(st, FAIRC_EPARSE, "%.200s: a projection file needs its format, mode, alpha in "
                        "[0, 1] and sensitive columns", path);
    /* a marginal indicator's block: the sensitive column its name starts with */
    for (size_t k = 0; rc == FAIRC_OK && p->mode == FAIRC_GROUPS_MARGINAL && k < p->K; k++) {
        size_t b = 0;
        for (; b < p->S; b++) {
            fairc_buf prefix = {0};
            fairc_escape_name(&prefix, p->sensitive[b]);
            fairc_buf_puts(&prefix, "=");
            int match = prefix.p && strncmp(p->ind[k], prefix.p, prefix.len) == 0;
            fairc_buf_free(&prefix);
            if (match) break;
        }
        if (b == p->S) rc = fairc_fail(st, FAIRC_EPARSE, "%.200s: indicator '%.100s' names no sensitive column", path, p->ind[k]);
        else p->block[k] = b;
    }
    if (rc != FAIRC_OK) projection_free(p);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* fairc decorrelate                                                                           */

FAIRC_API int fairc_decorrelate_file(const char *path, const fairc_read_options *ropt,
                                     const fairc_decorrelate_options *o, const char *out_path,
                                     fairc_decorrelate_info *info, fairc_status *st)
{
    const char *bad = fairc_decorrelate_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (!path || !out_path) return fairc_fail(st, FAIRC_EINVAL, "a data file and an output are required");
    projection p;
    memset(&p, 0, sizeof p);
    int rc = FAIRC_OK;
    if (o->projection_in) {
        rc = projection_load(o->projection_in, &p, st);
        if (rc == FAIRC_OK && !isnan(o->alpha)) p.alpha = o->alpha; /* NaN: the saved alpha */
    } else {
        p.mode = o->groups;
        p.alpha = o->alpha;
        p.S = o->n_sensitive;
        p.sensitive = calloc(p.S, sizeof *p.sensitive);
        if (!p.sensitive) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t s = 0; rc == FAIRC_OK && s < p.S; s++)
            if (!(p.sensitive[s] = strdup(o->sensitive[s]))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    fairc_reader *r = NULL;
    fairc_table *t = NULL;
    if (rc == FAIRC_OK) rc = fairc_reader_open(path, ropt, &r, st);
    long weight_col = -1;
    if (rc == FAIRC_OK && o->weight && (weight_col = fairc_reader_find(r, o->weight)) < 0)
        rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no weight column named '%.100s'", path, o->weight);
    for (size_t s = 0; rc == FAIRC_OK && s < p.S; s++)
        if (fairc_reader_find(r, p.sensitive[s]) < 0)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no sensitive column named '%.100s'", path, p.sensitive[s]);
    for (size_t k = 0; rc == FAIRC_OK && k < o->n_keep; k++)
        if (fairc_reader_find(r, o->keep[k]) < 0)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s' (--keep)", path, o->keep[k]);
    if (rc == FAIRC_OK) {
        fairc_table_checks chk = {-1, weight_col, 0};
        rc = fairc_table_read(r, &chk, &t, st);
    }
    if (rc == FAIRC_OK && t->N == 0) rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no rows", path);
    size_t N = t ? t->N : 0;
    double *w = NULL;
    long *colidx = NULL, *ids = NULL;
    size_t blocks = p.mode == FAIRC_GROUPS_MARGINAL ? p.S : 1;
    if (rc == FAIRC_OK && weight_col >= 0) {
        if (!(w = malloc(N * sizeof *w))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t i = 0; rc == FAIRC_OK && i < N; i++) w[i] = t->cols[weight_col].num[i];
    }
    /* the transformed columns: numeric ones that are not sensitive, kept or the weight */
    if (rc == FAIRC_OK && !o->projection_in) {
        size_t J = 0;
        colidx = malloc((t->ncols ? t->ncols : 1) * sizeof *colidx);
        if (!colidx) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < t->ncols; j++) {
            const fairc_table_col *c = &t->cols[j];
            if (!c->numeric || c->n_missing == N || is_listed(c->name, (const char *const *)p.sensitive, p.S) ||
                is_listed(c->name, o->keep, o->n_keep) || (o->weight && strcmp(c->name, o->weight) == 0))
                continue;
            colidx[J++] = (long)j;
        }
        p.J = J;
        p.cols = calloc(J ? J : 1, sizeof *p.cols);
        p.mean = calloc(J ? J : 1, sizeof *p.mean);
        p.icpt = calloc(J ? J : 1, sizeof *p.icpt);
        if (!p.cols || !p.mean || !p.icpt) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++)
            if (!(p.cols[j] = strdup(t->cols[colidx[j]].name))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (rc == FAIRC_OK) rc = projection_fit(t, w, colidx, &p, st);
        if (rc == FAIRC_OK && o->projection_out) rc = projection_save(&p, o->projection_out, st);
    } else if (rc == FAIRC_OK) {
        colidx = malloc((p.J ? p.J : 1) * sizeof *colidx);
        if (!colidx) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < p.J; j++) {
            colidx[j] = fairc_table_find(t, p.cols[j]);
            if (colidx[j] < 0) rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s', which the projection transforms", path, p.cols[j]);
            else if (!t->cols[colidx[j]].numeric)
                rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: column '%.100s' holds values that are not numbers, but the projection transforms it", path, p.cols[j]);
        }
    }
    if (rc == FAIRC_OK) {
        ids = malloc(nz(N * blocks) * sizeof *ids);
        if (!ids) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        else rc = row_indicators(t, &p, ids, st);
    }
    uint64_t unseen_rows = 0;
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        int unseen = 0;
        for (size_t b = 0; b < blocks; b++) unseen |= ids[i * blocks + b] < 0;
        if (!unseen) continue;
        unseen_rows++;
        if (o->unseen == FAIRC_UNSEEN_ERROR)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: row %zu: a sensitive value the projection was not "
                            "fitted on (--unseen-group pooled leaves such rows unchanged)", path, i + 1);
    }
    /* write: every column but the sensitive ones */
    fairc_atomic_file out = {0};
    int opened = 0;
    char sep = ropt && ropt->sep ? ropt->sep : ',';
    const char *na = ropt && ropt->na_values && ropt->n_na_values ? ropt->na_values[0] : "";
    if (rc == FAIRC_OK) rc = fairc_atomic_open(&out, out_path, st);
    opened = rc == FAIRC_OK;
    long *trans = NULL; /* per table column: its index among the transformed, or -1 */
    if (rc == FAIRC_OK && !(trans = malloc(t->ncols * sizeof *trans))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t j = 0; rc == FAIRC_OK && j < t->ncols; j++) trans[j] = -1;
    for (size_t j = 0; rc == FAIRC_OK && j < p.J; j++) trans[colidx[j]] = (long)j;
    fairc_buf line = {0};
    for (long i = -1; rc == FAIRC_OK && i < (long)N; i++) {
        line.len = 0;
        int first = 1;
        for (size_t j = 0; j < t->ncols; j++) {
            const fairc_table_col *c = &t->cols[j];
            if (is_listed(c->name, (const char *const *)p.sensitive, p.S)) continue;
            if (!first) fairc_buf_add(&line, &sep, 1);
            first = 0;
            const char *text;
            if (i < 0) text = c->name;
            else if (c->id[i] == FAIRC_MISSING_ID) text = na;
            else text = c->levels.keys[c->id[i]];
            if (i >= 0 && trans[j] >= 0 && c->id[i] != FAIRC_MISSING_ID) {
                size_t jj = (size_t)trans[j];
                double shift = p.icpt[jj];
                for (size_t b = 0; b < blocks; b++) {
                    long k = ids[(size_t)i * blocks + b];
                    if (k >= 0) shift += p.coef[(size_t)k * p.J + jj];
                    else /* unseen, pooled: the block's weighted mean indicator */
                        for (size_t k2 = 0; k2 < p.K; k2++)
                            if (p.block[k2] == b) shift += p.sbar[k2] * p.coef[k2 * p.J + jj];
                }
                double z = c->num[i], v = z - p.alpha * shift;
                if (v != z) {
                    num_put(&line, v);
                    continue;
                }
            }
            if (strchr(text, sep) || strpbrk(text, "\"\r\n")) {
                fairc_buf_puts(&line, "\"");
                for (const char *q = text; *q; q++) fairc_buf_add(&line, *q == '"' ? "\"\"" : q, *q == '"' ? 2 : 1);
                fairc_buf_puts(&line, "\"");
            } else {
                fairc_buf_puts(&line, text);
            }
        }
        fairc_buf_puts(&line, "\n");
        if (line.failed) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        else if (fwrite(line.p, 1, line.len, out.f) != line.len) rc = fairc_fail(st, FAIRC_EIO, "%.200s: cannot write", out_path);
    }
    fairc_buf_free(&line);
    if (opened) {
        int crc = fairc_atomic_close(&out, rc == FAIRC_OK, st);
        if (rc == FAIRC_OK) rc = crc;
    }
    if (rc == FAIRC_OK && info) {
        info->rows = N;
        info->columns = p.J;
        info->indicators = p.K;
        info->unseen_rows = unseen_rows;
    }
    free(trans);
    free(ids);
    free(colidx);
    free(w);
    fairc_table_free(&t);
    fairc_reader_free(&r);
    projection_free(&p);
    return rc;
}
