/* bgl.c: BoundedGroupLoss (SPEC §4.3), the regression moment of the reductions: one constraint
 * per group, its weighted mean loss gamma_g = sum_{i in g} w_i l_i / W_g <= zeta, with the loss
 * square, absolute or zero-one on labels and predictions clipped to [lo, hi]. Its objective is
 * MeanLoss, err = sum_i w_i l_i / W, which lies in the constraints' span (lambda_g = p_g gives
 * it back), so GridSearch drops it. Signed weights s_i = wt_i lambda_g / p_g: here they are the
 * weights of the squared (or absolute) error each row gets in the learner's problem. Not here:
 * the reductions that use it (expgrad.c, gridsearch.c). */
#include "reduction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fairc_bgl_loss_name(int loss)
{
    switch (loss) {
    case FAIRC_BGL_LOSS_SQUARE: return "square";
    case FAIRC_BGL_LOSS_ABSOLUTE: return "absolute";
    case FAIRC_BGL_LOSS_ZERO_ONE: return "zero_one";
    default: return NULL;
    }
}

void fairc_bgl_free(fairc_bgl **bp)
{
    if (!bp || !*bp) return;
    fairc_bgl *b = *bp;
    free(b->Wg);
    free(b->con_group);
    free(b->group_con);
    if (b->names)
        for (size_t k = 0; k < b->K; k++) free(b->names[k]);
    free(b->names);
    free(b);
    *bp = NULL;
}

int fairc_bgl_new(int loss, double lo, double hi, double zeta, size_t N, const double *y,
                  const double *w, const fairc_grouping_rows *gr, fairc_bgl **out,
                  fairc_status *st)
{
    *out = NULL;
    const char *lname = fairc_bgl_loss_name(loss);
    if (!lname) return fairc_fail(st, FAIRC_EINVAL, "unknown loss %d (square, absolute, zero_one)", loss);
    if (loss == FAIRC_BGL_LOSS_ZERO_ONE) lo = 0, hi = 1;
    if (!(isfinite(lo) && isfinite(hi) && lo < hi))
        return fairc_fail(st, FAIRC_EINVAL, "the loss's clip range [%g, %g] must be finite with min < max", lo, hi);
    if (!(isnan(zeta) || (zeta >= 0 && isfinite(zeta))))
        return fairc_fail(st, FAIRC_EINVAL, "the upper bound must be a finite number >= 0");
    if (N == 0 || !y || !gr || !gr->group || gr->G == 0)
        return fairc_fail(st, FAIRC_EINVAL, "bounded group loss needs rows, targets and groups");
    fairc_bgl *b = calloc(1, sizeof *b);
    if (!b) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    b->loss = loss;
    b->lo = lo;
    b->hi = hi;
    b->zeta = zeta;
    b->N = N;
    b->G = gr->G;
    b->y = y;
    b->w = w;
    b->group = gr->group;
    size_t G = gr->G;
    b->Wg = calloc(G, sizeof *b->Wg);
    b->con_group = calloc(G, sizeof *b->con_group);
    b->group_con = malloc(G * sizeof *b->group_con);
    b->names = calloc(G, sizeof *b->names);
    fairc_ksum *acc = calloc(G, sizeof *acc);
    int rc = FAIRC_OK;
    if (!b->Wg || !b->con_group || !b->group_con || !b->names || !acc)
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    fairc_ksum Wt = {0, 0};
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        int32_t g = gr->group[i];
        if (g < 0 || (size_t)g >= G) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: group %ld is outside the %zu groups", i + 1, (long)g, G);
            break;
        }
        double wi = w ? w[i] : 1.0;
        fairc_ksum_add(&acc[g], wi);
        fairc_ksum_add(&Wt, wi);
    }
    b->W = fairc_ksum_value(&Wt);
    if (rc == FAIRC_OK && !(b->W > 0)) rc = fairc_fail(st, FAIRC_EINVAL, "the weights sum to 0");
    for (size_t g = 0; rc == FAIRC_OK && g < G; g++) {
        b->Wg[g] = fairc_ksum_value(&acc[g]);
        b->group_con[g] = -1;
        if (!(b->Wg[g] > 0)) continue; /* left out, SPEC §1.4 */
        size_t k = b->K++;
        b->con_group[k] = g;
        b->group_con[g] = (int32_t)k;
        fairc_buf nb = {0};
        fairc_buf_printf(&nb, "loss %s", gr->names && gr->names[g] ? gr->names[g] : "(unnamed)");
        if (nb.failed || !nb.p) {
            fairc_buf_free(&nb);
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        b->names[k] = nb.p;
    }
    free(acc);
    if (rc != FAIRC_OK) {
        fairc_bgl_free(&b);
        return rc;
    }
    *out = b;
    return FAIRC_OK;
}

double fairc_bgl_loss(const fairc_bgl *b, double y, double yhat)
{
    double a = fmin(fmax(y, b->lo), b->hi), c = fmin(fmax(yhat, b->lo), b->hi);
    return b->loss == FAIRC_BGL_LOSS_SQUARE ? (a - c) * (a - c) : fabs(a - c);
}

void fairc_bgl_evaluate(const fairc_bgl *b, const double *pred, double *err, double *gamma)
{
    size_t G = b->G;
    fairc_ksum total = {0, 0};
    fairc_ksum *acc = gamma ? calloc(G, sizeof *acc) : NULL;
    for (size_t i = 0; i < b->N; i++) {
        double wi = b->w ? b->w[i] : 1.0;
        if (wi == 0) continue;
        double l = wi * fairc_bgl_loss(b, b->y[i], pred[i]);
        fairc_ksum_add(&total, l);
        if (acc) fairc_ksum_add(&acc[b->group[i]], l);
    }
    if (err) *err = fairc_ksum_value(&total) / b->W;
    if (gamma) {
        for (size_t k = 0; k < b->K; k++) {
            size_t g = b->con_group[k];
            /* calloc failing leaves gamma unknown: NaN, never a silent 0 */
            gamma[k] = acc ? fairc_ksum_value(&acc[g]) / b->Wg[g] : NAN;
        }
    }
    free(acc);
}

void fairc_bgl_signed_weights(const fairc_bgl *b, const double *lambda, double *s)
{
    double n = (double)b->N;
    for (size_t i = 0; i < b->N; i++) {
        int32_t k = b->group_con[b->group[i]];
        double wi = b->w ? b->w[i] : 1.0;
        if (k < 0 || wi == 0) {
            s[i] = 0;
            continue;
        }
        size_t g = (size_t)b->group[i];
        /* wt_i lambda_g / p_g = (n w_i / W) lambda_g W / W_g = n w_i lambda_g / W_g */
        s[i] = n * wi * lambda[k] / b->Wg[g];
    }
}
