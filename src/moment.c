/* moment.c: fairness moments (SPEC §4). Turns per-cell sums of predictions into gamma (K) and,
 * for coefficients on the constraints (multipliers lambda, or a penalty's dP/dgamma), each row's
 * derivative d(coef . gamma)/dh_i. Not here: the loops that use them (penalty.c, constrained.c,
 * the reductions). moment.h describes the layout. */
#include "moment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fairc_moment_kind_name(int kind)
{
    switch (kind) {
    case FAIRC_CONSTRAINT_DP: return "dp";
    case FAIRC_CONSTRAINT_EO: return "eo";
    case FAIRC_CONSTRAINT_TPR: return "tpr";
    case FAIRC_CONSTRAINT_FPR: return "fpr";
    case FAIRC_CONSTRAINT_ERROR_RATE: return "error_rate";
    default: return NULL;
    }
}

FAIRC_API const char *fairc_constraint_name(int constraint)
{
    return fairc_moment_kind_name(constraint);
}

const char *fairc_moment_kind_title(int kind)
{
    switch (kind) {
    case FAIRC_CONSTRAINT_DP: return "demographic parity";
    case FAIRC_CONSTRAINT_EO: return "equalized odds";
    case FAIRC_CONSTRAINT_TPR: return "true-positive-rate parity";
    case FAIRC_CONSTRAINT_FPR: return "false-positive-rate parity";
    case FAIRC_CONSTRAINT_ERROR_RATE: return "error-rate parity";
    default: return NULL;
    }
}

/* Utilities (SPEC §4.1): v = u0 + h (u1 - u0); (0, 1) for the rate parities, (y, 1 - y) for
 * error-rate parity, whose v is then 1 exactly when h disagrees with y. */
static inline double util_u0(const fairc_moment *m, size_t i)
{
    return m->kind == FAIRC_CONSTRAINT_ERROR_RATE ? m->y[i] : 0.0;
}
static inline double util_du(const fairc_moment *m, size_t i)
{
    return m->kind == FAIRC_CONSTRAINT_ERROR_RATE ? 1.0 - 2.0 * m->y[i] : 1.0;
}

void fairc_moment_free(fairc_moment **mp)
{
    if (!mp || !*mp) return;
    fairc_moment *m = *mp;
    free(m->row_event);
    free(m->row_cell);
    free(m->cell_event);
    free(m->Wc);
    free(m->con_cell);
    free(m->con_sign);
    free(m->con_pair);
    if (m->names)
        for (size_t k = 0; k < m->K; k++) free(m->names[k]);
    free(m->names);
    free(m);
    *mp = NULL;
}

static const char *event_name(int label)
{
    return label < 0 ? "all" : label == 0 ? "label=0" : "label=1";
}

int fairc_moment_new(int kind, size_t N, const double *y, const double *w,
                     const fairc_grouping_rows *groupings, size_t n_groupings, double eps,
                     double r, fairc_moment **out, fairc_status *st)
{
    *out = NULL;
    const char *kname = fairc_moment_kind_name(kind);
    if (!kname) return fairc_fail(st, FAIRC_EINVAL, "unknown constraint %d", kind);
    if (!(eps >= 0) || !isfinite(eps))
        return fairc_fail(st, FAIRC_EINVAL, "the bound eps must be a finite number >= 0");
    if (!(r > 0 && r <= 1)) return fairc_fail(st, FAIRC_EINVAL, "the ratio bound must be in (0, 1]");
    if (N == 0 || !y) return fairc_fail(st, FAIRC_EINVAL, "a moment needs rows with labels");
    if (n_groupings == 0 || n_groupings > 1000)
        return fairc_fail(st, FAIRC_EINVAL, "a moment needs 1 to 1000 groupings of the rows");
    fairc_moment *m = calloc(1, sizeof *m);
    if (!m) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    m->kind = kind;
    m->eps = eps;
    m->r = r;
    m->N = N;
    m->y = y;
    m->w = w;
    m->n_groupings = n_groupings;
    switch (kind) {
    case FAIRC_CONSTRAINT_TPR: m->E = 1; m->event_label[0] = 1; break;
    case FAIRC_CONSTRAINT_FPR: m->E = 1; m->event_label[0] = 0; break;
    case FAIRC_CONSTRAINT_EO: m->E = 2; m->event_label[0] = 0; m->event_label[1] = 1; break;
    default: m->E = 1; m->event_label[0] = -1; break;
    }
    int rc = FAIRC_OK;
    size_t E = m->E, C = 0;
    size_t *offset = calloc(n_groupings, sizeof *offset);
    if (!offset) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t j = 0; rc == FAIRC_OK && j < n_groupings; j++) {
        if (!groupings[j].group || groupings[j].G == 0 || groupings[j].G > 100000000)
            rc = fairc_fail(st, FAIRC_EINVAL, "grouping %zu has no groups", j + 1);
        else if (E * groupings[j].G > (size_t)INT32_MAX - C)
            rc = fairc_fail(st, FAIRC_ELIMIT, "too many groups for a moment");
        else {
            offset[j] = C;
            C += E * groupings[j].G;
        }
    }
    m->C = C;
    if (rc == FAIRC_OK && N > SIZE_MAX / sizeof(int32_t) / n_groupings)
        rc = fairc_fail(st, FAIRC_ELIMIT, "too many rows for a moment");
    if (rc == FAIRC_OK) {
        m->row_event = malloc(N * sizeof *m->row_event);
        m->row_cell = malloc(N * n_groupings * sizeof *m->row_cell);
        m->cell_event = malloc((C ? C : 1) * sizeof *m->cell_event);
        m->Wc = calloc(C + E, sizeof *m->Wc);
        m->con_cell = malloc(2 * (C ? C : 1) * sizeof *m->con_cell);
        m->con_sign = malloc(2 * (C ? C : 1) * sizeof *m->con_sign);
        m->con_pair = malloc(2 * (C ? C : 1) * sizeof *m->con_pair);
        m->names = calloc(2 * (C ? C : 1), sizeof *m->names);
        if (!m->row_event || !m->row_cell || !m->cell_event || !m->Wc || !m->con_cell ||
            !m->con_sign || !m->con_pair || !m->names)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for a moment over %zu rows", N);
    }
    fairc_ksum *acc = NULL, *gw = NULL;
    if (rc == FAIRC_OK) {
        acc = calloc(C + E, sizeof *acc);
        if (!acc) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    /* Each row's event and cells, and the weights of cells and events. */
    fairc_ksum Wt = {0, 0};
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        double wi = w ? w[i] : 1.0;
        fairc_ksum_add(&Wt, wi);
        int e = -1;
        for (size_t k = 0; k < E; k++)
            if (m->event_label[k] < 0 || (double)m->event_label[k] == y[i]) e = (int)k;
        m->row_event[i] = (int8_t)e;
        for (size_t j = 0; j < n_groupings; j++) {
            int32_t g = groupings[j].group[i];
            if (g < 0 || (size_t)g >= groupings[j].G) {
                rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: group %ld is outside grouping %zu's "
                                "%zu groups", i + 1, (long)g, j + 1, groupings[j].G);
                break;
            }
            size_t c = offset[j] + (size_t)(e < 0 ? 0 : e) * groupings[j].G + (size_t)g;
            m->row_cell[j * N + i] = e < 0 ? -1 : (int32_t)c;
            if (e >= 0) fairc_ksum_add(&acc[c], wi);
        }
        if (e >= 0) fairc_ksum_add(&acc[C + (size_t)e], wi);
    }
    m->W = fairc_ksum_value(&Wt);
    if (rc == FAIRC_OK && !(m->W > 0)) rc = fairc_fail(st, FAIRC_EINVAL, "the weights sum to 0");
    for (size_t s = 0; rc == FAIRC_OK && s < C + E; s++) m->Wc[s] = fairc_ksum_value(&acc[s]);
    /* Each grouping: at least two groups with weight; each such group has every event. */
    for (size_t j = 0; rc == FAIRC_OK && j < n_groupings; j++) {
        const fairc_grouping_rows *gr = &groupings[j];
        free(gw);
        gw = calloc(gr->G, sizeof *gw);
        if (!gw) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < N; i++) fairc_ksum_add(&gw[gr->group[i]], w ? w[i] : 1.0);
        size_t with_weight = 0, one = 0;
        for (size_t g = 0; g < gr->G; g++)
            if (fairc_ksum_value(&gw[g]) > 0) {
                with_weight++;
                one = g;
            }
        const char *gname = gr->names && gr->names[one] ? gr->names[one] : "(unnamed)";
        if (with_weight < 2) {
            rc = fairc_fail(st, FAIRC_EINVAL, "only one group (%.200s) has rows with weight: "
                            "--constraint %s compares groups, so it needs at least two", gname,
                            kname);
            break;
        }
        for (size_t g = 0; rc == FAIRC_OK && g < gr->G; g++) {
            if (!(fairc_ksum_value(&gw[g]) > 0)) continue; /* left out, SPEC §1.4 */
            for (size_t e = 0; e < E; e++) {
                if (m->Wc[offset[j] + e * gr->G + g] > 0) continue;
                int pos = m->event_label[e] == 1;
                rc = fairc_fail(st, FAIRC_EINVAL, "group %.200s has no %s labels (with weight): "
                                "--constraint %s compares %s rates, which need %s in every group",
                                gr->names && gr->names[g] ? gr->names[g] : "(unnamed)",
                                pos ? "positive" : "negative", kname,
                                pos ? "true-positive" : "false-positive",
                                pos ? "positives" : "negatives");
                break;
            }
        }
    }
    /* Cells' events, then the constraints: per grouping, sign + then -, cells in order. */
    for (size_t j = 0; rc == FAIRC_OK && j < n_groupings; j++)
        for (size_t e = 0; e < E; e++)
            for (size_t g = 0; g < groupings[j].G; g++) m->cell_event[offset[j] + e * groupings[j].G + g] = e;
    for (size_t j = 0; rc == FAIRC_OK && j < n_groupings; j++) {
        const fairc_grouping_rows *gr = &groupings[j];
        size_t first = m->K, n_obs = 0;
        for (int sign = 1; sign >= -1 && rc == FAIRC_OK; sign -= 2)
            for (size_t e = 0; e < E && rc == FAIRC_OK; e++)
                for (size_t g = 0; g < gr->G; g++) {
                    size_t c = offset[j] + e * gr->G + g;
                    if (!(m->Wc[c] > 0)) continue;
                    size_t k = m->K++;
                    m->con_cell[k] = c;
                    m->con_sign[k] = (int8_t)sign;
                    if (sign > 0) n_obs++;
                    m->con_pair[k] = sign > 0 ? 0 : first + (k - first - n_obs);
                    if (sign < 0) m->con_pair[m->con_pair[k]] = k;
                    fairc_buf b = {0};
                    fairc_buf_printf(&b, "%c %s %s", sign > 0 ? '+' : '-',
                                     event_name(m->event_label[e]),
                                     gr->names && gr->names[g] ? gr->names[g] : "(unnamed)");
                    if (b.failed || !b.p) {
                        fairc_buf_free(&b);
                        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                        break;
                    }
                    m->names[k] = b.p;
                }
    }
    free(gw);
    free(acc);
    free(offset);
    if (rc != FAIRC_OK) {
        fairc_moment_free(&m);
        return rc;
    }
    *out = m;
    return FAIRC_OK;
}

int fairc_moment_eval_new(const fairc_moment *m, fairc_moment_eval *ev, fairc_status *st)
{
    memset(ev, 0, sizeof *ev);
    size_t S = m->C + m->E, K = m->K ? m->K : 1;
    /* doubles: N, D, mu, scale, cc (S each), gamma (K); then the accumulators and the mask */
    size_t nd = 5 * S + K, bytes = nd * sizeof(double) + 2 * S * sizeof(fairc_ksum) + K;
    char *mem = calloc(1, bytes);
    if (!mem) return fairc_fail(st, FAIRC_ENOMEM, "out of memory for a moment workspace");
    double *d = (double *)mem;
    ev->N = d;
    ev->D = d + S;
    ev->mu = d + 2 * S;
    ev->scale = d + 3 * S;
    ev->cc = d + 4 * S;
    ev->gamma = d + 5 * S;
    ev->acc = (fairc_ksum *)(d + nd);
    ev->mask = (uint8_t *)(ev->acc + 2 * S);
    ev->mem = mem;
    return FAIRC_OK;
}

void fairc_moment_eval_free(fairc_moment_eval *ev)
{
    free(ev->mem);
    memset(ev, 0, sizeof *ev);
}

void fairc_moment_evaluate(const fairc_moment *m, fairc_moment_eval *ev, const size_t *rows,
                       size_t nb, const double *h, const double *RN, const double *RD,
                       double beta)
{
    size_t S = m->C + m->E, C = m->C, N = m->N, J = m->n_groupings;
    fairc_ksum *acc = ev->acc; /* acc[2 s] sums w v, acc[2 s + 1] sums w */
    memset(acc, 0, 2 * S * sizeof *acc);
    for (size_t r = 0; r < nb; r++) {
        size_t i = rows ? rows[r] : r;
        int e = m->row_event[i];
        double wi = m->w ? m->w[i] : 1.0;
        if (e < 0 || wi == 0) continue;
        double wv = h ? wi * (util_u0(m, i) + h[r] * util_du(m, i)) : 0.0;
        size_t s = C + (size_t)e;
        fairc_ksum_add(&acc[2 * s], wv);
        fairc_ksum_add(&acc[2 * s + 1], wi);
        for (size_t j = 0; j < J; j++) {
            size_t c = (size_t)m->row_cell[j * N + i];
            fairc_ksum_add(&acc[2 * c], wv);
            fairc_ksum_add(&acc[2 * c + 1], wi);
        }
    }
    int running = RN && RD;
    for (size_t s = 0; s < S; s++) {
        ev->N[s] = fairc_ksum_value(&acc[2 * s]);
        ev->D[s] = fairc_ksum_value(&acc[2 * s + 1]);
        double num = ev->N[s], den = ev->D[s], dnum = 1.0;
        if (running) {
            num = beta * RN[s] + (1 - beta) * num;
            den = beta * RD[s] + (1 - beta) * den;
            dnum = 1 - beta;
        }
        ev->mu[s] = den > 0 ? num / den : 0.0;
        ev->scale[s] = den > 0 ? dnum / den : 0.0;
    }
    double r = m->r;
    for (size_t k = 0; k < m->K; k++) {
        size_t c = m->con_cell[k], e = C + m->cell_event[c];
        ev->mask[k] = ev->scale[c] > 0 && ev->scale[e] > 0;
        if (!ev->mask[k]) ev->gamma[k] = 0;
        else if (m->con_sign[k] > 0) ev->gamma[k] = r * ev->mu[c] - ev->mu[e];
        else ev->gamma[k] = r * ev->mu[e] - ev->mu[c];
    }
}

void fairc_moment_backward(const fairc_moment *m, fairc_moment_eval *ev, const double *coef,
                           const size_t *rows, size_t nb, double *dh)
{
    size_t S = m->C + m->E, C = m->C, N = m->N, J = m->n_groupings;
    double r = m->r, *cc = ev->cc;
    memset(cc, 0, S * sizeof *cc);
    /* dgamma(+,c)/dN_c = r scale_c, /dN_e = -scale_e; dgamma(-,c)/dN_c = -scale_c, /dN_e = r scale_e */
    for (size_t k = 0; k < m->K; k++) {
        if (coef[k] == 0) continue;
        size_t c = m->con_cell[k], e = C + m->cell_event[c];
        if (m->con_sign[k] > 0) {
            cc[c] += r * coef[k];
            cc[e] -= coef[k];
        } else {
            cc[c] -= coef[k];
            cc[e] += r * coef[k];
        }
    }
    for (size_t s = 0; s < S; s++) cc[s] *= ev->scale[s];
    /* dN_s/dh_i = w_i (u1_i - u0_i) for the cells and the event of row i */
    for (size_t q = 0; q < nb; q++) {
        size_t i = rows ? rows[q] : q;
        int e = m->row_event[i];
        if (e < 0) {
            dh[q] = 0;
            continue;
        }
        double sum = cc[C + (size_t)e];
        for (size_t j = 0; j < J; j++) sum += cc[m->row_cell[j * N + i]];
        dh[q] = (m->w ? m->w[i] : 1.0) * util_du(m, i) * sum;
    }
}

void fairc_moment_running_update(const fairc_moment *m, const fairc_moment_eval *ev, double *RN,
                                 double *RD, double beta)
{
    for (size_t s = 0; s < m->C + m->E; s++) {
        RN[s] = beta * RN[s] + (1 - beta) * ev->N[s];
        RD[s] = beta * RD[s] + (1 - beta) * ev->D[s];
    }
}

double fairc_moment_violation(const fairc_moment *m, const fairc_moment_eval *ev)
{
    double v = -INFINITY;
    for (size_t k = 0; k < m->K; k++)
        if (ev->mask[k] && ev->gamma[k] - m->eps > v) v = ev->gamma[k] - m->eps;
    return v == -INFINITY ? -m->eps : v;
}

double fairc_moment_disparity(const fairc_moment *m, const fairc_moment_eval *ev)
{
    double d = NAN;
    for (size_t c = 0; c < m->C; c++) {
        size_t e = m->C + m->cell_event[c];
        if (!(ev->scale[c] > 0 && ev->scale[e] > 0) || !(m->Wc[c] > 0)) continue;
        double a = ev->mu[c], b = ev->mu[e], x;
        if (m->r == 1) {
            x = fabs(a - b);
            if (isnan(d) || x > d) d = x;
        } else {
            if (a > 0 && b > 0) x = fmin(a / b, b / a);
            else if (a != b) x = 0; /* one of them 0, the other not */
            else continue;
            if (isnan(d) || x < d) d = x;
        }
    }
    return d;
}

void fairc_moment_signed_weights(const fairc_moment *m, fairc_moment_eval *ev,
                                 const double *lambda, double *s)
{
    fairc_moment_evaluate(m, ev, NULL, m->N, NULL, NULL, NULL, 0);
    fairc_moment_backward(m, ev, lambda, NULL, m->N, s);
    double n = (double)m->N;
    for (size_t i = 0; i < m->N; i++) s[i] = -n * s[i] + 0.0; /* + 0.0: no -0 */
}

void fairc_moment_project(const fairc_moment *m, double *lambda)
{
    if (m->r != 1) return;
    for (size_t k = 0; k < m->K; k++) {
        if (m->con_sign[k] < 0) continue;
        size_t q = m->con_pair[k];
        double a = lambda[k], b = lambda[q];
        lambda[k] = fmax(a - b, 0.0);
        lambda[q] = fmax(b - a, 0.0);
    }
}

double fairc_error_rate(size_t N, const double *y, const double *w, const double *h, double c_fp,
                        double c_fn)
{
    fairc_ksum err = {0, 0}, W = {0, 0};
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1.0;
        fairc_ksum_add(&W, wi);
        fairc_ksum_add(&err, wi * (c_fn * y[i] * (1 - h[i]) + c_fp * (1 - y[i]) * h[i]));
    }
    return fairc_ksum_value(&err) / fairc_ksum_value(&W);
}

void fairc_error_rate_signed_weights(size_t N, const double *y, const double *w, double c_fp,
                                     double c_fn, double *s)
{
    fairc_ksum W = {0, 0};
    for (size_t i = 0; i < N; i++) fairc_ksum_add(&W, w ? w[i] : 1.0);
    double scale = (double)N / fairc_ksum_value(&W);
    for (size_t i = 0; i < N; i++)
        s[i] = scale * (w ? w[i] : 1.0) * (c_fn * y[i] - c_fp * (1 - y[i]));
}
