/* kernel.c: the hot loop of fairc_audit_arrays: one chunk of rows into per-group cell sums.
 * Kept apart so it can be tuned (and benchmarked: bench/) without touching the audit logic. */
#include "metrics.h"

#include <math.h>

void fairc_kernel_chunk(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                        const double *score, const double *w, const int32_t *group, size_t G,
                        fairc_group_acc *acc)
{
    (void)G;
    if (!w && !score) {
        for (size_t i = lo; i < hi; i++) acc[group[i]].rows[2 * y[i] + yhat[i]]++;
        return;
    }
    for (size_t i = lo; i < hi; i++)
        fairc_group_acc_add(&acc[group[i]], 2 * y[i] + yhat[i], w ? w[i] : 1.0,
                            score ? score[i] : NAN);
}
