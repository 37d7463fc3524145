/* synth.c: biased synthetic data at any size, streamed to a CSV, deterministic from a seed.
 * Groups A, B, C... are unequally sized (weights 1/(k+1)); the true label depends on the features
 * and, through `bias`, on the group and sex; the score is a deliberately biased model of it, so an
 * audit of `yhat` (score > 0.5) shows disparities. Not a model of any real population. */
#include "internal.h"

#include <math.h>
#include <string.h>

FAIRC_API void fairc_synth_options_init(fairc_synth_options *o)
{
    memset(o, 0, sizeof *o);
    o->rows = 10000;
    o->groups = 4;
    o->bias = 1.0;
}

FAIRC_API const char *fairc_synth_options_check(const fairc_synth_options *o)
{
    if (o->rows < 1 || o->rows > (uint64_t)1e12) return "rows must be in 1..10^12";
    if (o->groups < 1 || o->groups > 26) return "groups must be in 1..26";
    if (!(o->bias >= 0 && o->bias <= 10)) return "bias must be a number in [0, 10]";
    return NULL;
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

FAIRC_API int fairc_synth_write(const char *path, const fairc_synth_options *o, fairc_status *st)
{
    const char *bad = fairc_synth_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    static const char *const education[] = {"HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate"};
    static const double education_effect[] = {-0.8, -0.3, 0.4, 0.9, 1.3};
    static const char *const region[] = {"North", "South", "East", "West"};
    int K = o->groups;
    double cum[26], total = 0;
    for (int k = 0; k < K; k++) total += 1.0 / (k + 1);
    for (int k = 0; k < K; k++) {
        cum[k] = (k ? cum[k - 1] : 0) + 1.0 / (k + 1) / total;
    }
    fairc_rng rng;
    fairc_rng_seed(&rng, o->seed, "synth");
    fairc_atomic_file out;
    int rc = fairc_atomic_open(&out, path, st);
    if (rc != FAIRC_OK) return rc;
    FILE *f = out.f;
    int ok = fprintf(f, "id,age,income,hours,education,region,sex,group,weight,y,score,yhat\n") > 0;
    for (uint64_t i = 0; ok && i < o->rows; i++) {
        double u = fairc_rng_uniform(&rng);
        int g = 0;
        while (g < K - 1 && u >= cum[g]) g++;
        int male = fairc_rng_uniform(&rng) < 0.5;
        double gshift = K > 1 ? (double)g / (K - 1) : 0;  /* 0 for group A, 1 for the last */
        int age = 18 + (int)(fairc_rng_uniform(&rng) * 60);
        double income = 50 + 15 * fairc_rng_normal(&rng) - 8 * o->bias * gshift;
        double hours = fmax(5, 40 + 8 * fairc_rng_normal(&rng) + (male ? 3 : 0));
        int edu = (int)(fairc_rng_uniform(&rng) * 5);
        int reg = (int)(fairc_rng_uniform(&rng) * 4);
        double weight = 0.5 + 1.5 * fairc_rng_uniform(&rng);
        double z = -1.0 + 0.03 * (age - 45) + 0.05 * (income - 50) + 0.04 * (hours - 40) +
                   education_effect[edu] - 0.6 * o->bias * gshift + 0.3 * o->bias * male;
        int y = fairc_rng_uniform(&rng) < sigmoid(z);
        /* The "model" over-weights group and sex and is noisy: its errors differ by group. */
        double zhat = z - 0.5 * o->bias * gshift + 0.2 * o->bias * male + 0.5 * fairc_rng_normal(&rng);
        double score = sigmoid(zhat);
        ok = fprintf(f, "%llu,%d,%.2f,%.1f,%s,%s,%s,%c,%.4f,%d,%.6f,%d\n",
                     (unsigned long long)(i + 1), age, income, hours, education[edu], region[reg],
                     male ? "Male" : "Female", 'A' + g, weight, y, score, score > 0.5) > 0;
        if (ok && o->progress && (i & 0xfffff) == 0xfffff &&
            o->progress(o->progress_user, (double)(i + 1) / (double)o->rows, "writing")) {
            fairc_atomic_close(&out, 0, st);
            return fairc_fail(st, FAIRC_ECANCEL, "cancelled");
        }
    }
    if (!ok) {
        fairc_fail_errno(st, FAIRC_EIO, path, "cannot write");
        fairc_atomic_close(&out, 0, st);
        return FAIRC_EIO;
    }
    return fairc_atomic_close(&out, 1, st);
}
