/* reweigh.c: Reweighing (Kamiran & Calders 2012, as AIF360 0.6.1; SPEC §10.1). Each row gets
 * w_i W_a W_y / (W W_{a,y}) for its intersection group a and label y, so that under the new
 * weights every group has the overall positive rate (label and group are independent) and the
 * total weight is unchanged. Weighted throughout (AIF360 takes instance weights too). The file
 * and training side is in postprocess.c. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

FAIRC_API int fairc_reweigh_arrays(size_t N, const uint8_t *y, const double *w,
                                   const int32_t *group, size_t G, double *out, fairc_status *st)
{
    if (!y || !group || !out || N == 0 || G == 0)
        return fairc_fail(st, FAIRC_EINVAL, "reweighing needs rows: labels and groups");
    /* cell[2a + y]: W_{a,y}; the margins follow from the cells */
    fairc_ksum *cell = calloc(2 * G, sizeof *cell);
    double *factor = malloc(2 * G * sizeof *factor);
    if (!cell || !factor) {
        free(cell);
        free(factor);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    int rc = FAIRC_OK;
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1;
        if (y[i] > 1 || group[i] < 0 || (size_t)group[i] >= G || !(wi >= 0) || !isfinite(wi)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: label not 0/1, group out of range or weight "
                            "not a finite number >= 0", i + 1);
            break;
        }
        fairc_ksum_add(&cell[2 * (size_t)group[i] + y[i]], wi);
    }
    if (rc == FAIRC_OK) {
        fairc_ksum Wy[2] = {{0, 0}, {0, 0}};
        for (size_t a = 0; a < G; a++)
            for (int v = 0; v < 2; v++) fairc_ksum_merge(&Wy[v], &cell[2 * a + (size_t)v]);
        double W1 = fairc_ksum_value(&Wy[1]), W0 = fairc_ksum_value(&Wy[0]), W = W0 + W1;
        if (!(W > 0)) rc = fairc_fail(st, FAIRC_EINVAL, "the rows' total weight is 0");
        for (size_t a = 0; rc == FAIRC_OK && a < G; a++) {
            double c0 = fairc_ksum_value(&cell[2 * a]), c1 = fairc_ksum_value(&cell[2 * a + 1]);
            double Wa = c0 + c1;
            /* w(a, y) = W_a W_y / (W W_{a,y}); a cell without weight has no rows to weigh */
            factor[2 * a] = c0 > 0 ? Wa * W0 / (W * c0) : 0;
            factor[2 * a + 1] = c1 > 0 ? Wa * W1 / (W * c1) : 0;
        }
        for (size_t i = 0; rc == FAIRC_OK && i < N; i++)
            out[i] = (w ? w[i] : 1) * factor[2 * (size_t)group[i] + y[i]];
    }
    free(cell);
    free(factor);
    return rc;
}
