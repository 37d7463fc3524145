/* bench_models.c: times fairc's learners on Adult-sized data. Synthetic data (N = 32,561,
 * D = 107, like Adult's encoded training set) always; the real Adult split when
 * ../shared/data/adult is there, encoded ad hoc as SPEC §12.2 says (5 standardised numbers, 8
 * one-hot categoricals with '?' a level, fnlwgt unused: 107 columns), checked against the golden
 * scikit-learn predictions. bench_models.py runs this and times scikit-learn beside it.
 *
 * Usage: bench_models [--shared DIR] [--repeat R] [--threads T] [--proba-out FILE]
 *                     [--only logistic|mlp] [--data synthetic|adult]
 * Output: one line per measurement, "name key=value ...", times the best of R fits (the fit
 * alone: generating, parsing and encoding are not timed). --threads T adds logistic runs on T
 * OpenMP threads. Build: see bench_models.py, which compiles it against build/libfairc.a. */
#include "blas.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ------------------------------------------------------------------------------------------ */
/* Ad-hoc Adult encoder (the real one is encode.c's; this only has to agree with SPEC §12.2)   */

#define NCOL 15
static const int numeric_cols[5] = {0, 4, 10, 11, 12};
static const int cat_cols[8] = {1, 3, 5, 6, 7, 8, 9, 13};

typedef struct {
    char *names[64];
    size_t n;
} vocab;

typedef struct {
    size_t N;
    char **fields; /* N * NCOL strings */
} rows;

static void trim(char **s, char *end)
{
    while (**s == ' ' || **s == '\t') (*s)++;
    while (end > *s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = 0;
}

static int read_rows(const char *path, rows *out)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    size_t cap = 0;
    out->N = 0;
    out->fields = NULL;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *field[NCOL];
        int n = 0;
        while (n < NCOL) {
            char *comma = strchr(p, ',');
            char *end = comma ? comma : p + strlen(p);
            if (comma) *comma = 0;
            char *s = p;
            trim(&s, end);
            field[n++] = s;
            if (!comma) break;
            p = comma + 1;
        }
        if (n != NCOL || field[0][0] < '0' || field[0][0] > '9') continue; /* header, blank */
        if (out->N == cap) {
            cap = cap ? 2 * cap : 1024;
            out->fields = realloc(out->fields, cap * NCOL * sizeof *out->fields);
        }
        for (int k = 0; k < NCOL; k++) out->fields[out->N * NCOL + (size_t)k] = strdup(field[k]);
        out->N++;
    }
    fclose(f);
    return 0;
}

static long vocab_find(const vocab *v, const char *s)
{
    for (size_t k = 0; k < v->n; k++)
        if (strcmp(v->names[k], s) == 0) return (long)k;
    return -1;
}

typedef struct {
    vocab voc[8];
    double mean[5], sd[5];
    size_t D;
} encoder;

static void encoder_fit(encoder *e, const rows *r)
{
    memset(e, 0, sizeof *e);
    for (int c = 0; c < 5; c++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < r->N; i++) s += atof(r->fields[i * NCOL + (size_t)numeric_cols[c]]);
        e->mean[c] = s / (double)r->N;
        for (size_t i = 0; i < r->N; i++) {
            double d = atof(r->fields[i * NCOL + (size_t)numeric_cols[c]]) - e->mean[c];
            ss += d * d;
        }
        e->sd[c] = sqrt(ss / (double)r->N);
    }
    e->D = 5;
    for (int c = 0; c < 8; c++) {
        for (size_t i = 0; i < r->N; i++) {
            const char *s = r->fields[i * NCOL + (size_t)cat_cols[c]];
            if (vocab_find(&e->voc[c], s) < 0) e->voc[c].names[e->voc[c].n++] = strdup(s);
        }
        e->D += e->voc[c].n;
    }
}

static void encode(const encoder *e, const rows *r, float *X, double *y, int *sex_female)
{
    for (size_t i = 0; i < r->N; i++) {
        char **f = r->fields + i * NCOL;
        float *x = X + i * e->D;
        memset(x, 0, e->D * sizeof *x);
        for (int c = 0; c < 5; c++)
            x[c] = (float)((atof(f[numeric_cols[c]]) - e->mean[c]) / e->sd[c]);
        size_t off = 5;
        for (int c = 0; c < 8; c++) {
            long k = vocab_find(&e->voc[c], f[cat_cols[c]]);
            if (k >= 0) x[off + (size_t)k] = 1;
            off += e->voc[c].n;
        }
        y[i] = strncmp(f[14], ">50K", 4) == 0;
        if (sex_female) sex_female[i] = strcmp(f[9], "Female") == 0;
    }
}

/* ------------------------------------------------------------------------------------------ */

static void synth(size_t N, size_t D, uint64_t seed, int onehot, float *X, double *y)
{
    fairc_rng r;
    fairc_rng_seed(&r, seed, "bench/data");
    double beta[512];
    for (size_t k = 0; k < D; k++) beta[k] = 0.5 * fairc_rng_normal(&r);
    for (size_t i = 0; i < N; i++) {
        double z = -0.5;
        for (size_t k = 0; k < D; k++) {
            double x;
            if (!onehot || k < 5) x = fairc_rng_normal(&r);
            else x = fairc_rng_uniform(&r) < 0.08; /* ~8 of 102 set, Adult-like density */
            X[i * D + k] = (float)x;
            z += beta[k] * (double)X[i * D + k];
        }
        y[i] = fairc_rng_uniform(&r) < fairc_sigmoid(z);
    }
}

static double accuracy(const double *scores, const double *y, size_t N)
{
    size_t ok = 0;
    for (size_t i = 0; i < N; i++) ok += (scores[i] > 0) == (y[i] == 1);
    return (double)ok / (double)N;
}

static double bench_logistic(const char *name, const fairc_xy *d, int threads, int repeat,
                             double *coef)
{
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.threads = threads;
    fairc_fit_info info = {0};
    double best = 1e300;
    for (int r = 0; r < repeat; r++) {
        double t0 = now_s();
        fairc_status st = {0};
        if (fairc_logistic_fit(d, &p, coef, &info, &st) != FAIRC_OK) {
            fprintf(stderr, "bench: %s\n", st.message);
            exit(1);
        }
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    printf("logistic data=%s N=%zu D=%zu threads=%d time_s=%.4f newton=%d cg=%d converged=%d "
           "rel_grad=%.3g objective=%.10f\n",
           name, d->N, d->D, threads, best, info.iterations, info.cg_iterations, info.converged,
           info.grad_norm / info.grad_norm0, info.objective);
    return best;
}

static double bench_mlp(const char *name, const fairc_xy *d, size_t H, int repeat, fairc_mlp *m,
                        fairc_mlp_state *s)
{
    size_t hidden[1] = {H};
    fairc_mlp_layout(m, d->D, hidden, 1);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    double best = 1e300;
    fairc_mlp_train_info info = {0};
    for (int r = 0; r < repeat; r++) {
        fairc_mlp_state_free(s);
        fairc_mlp_state_new(s, m, NULL);
        double t0 = now_s();
        fairc_status st = {0};
        if (fairc_mlp_train(m, s, d, &p, &info, &st) != FAIRC_OK) {
            fprintf(stderr, "bench: %s\n", st.message);
            exit(1);
        }
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    printf("mlp data=%s N=%zu D=%zu H=%zu epochs=%zu batch=%zu gemm=%s time_s=%.4f "
           "last_epoch_loss=%.6f\n",
           name, d->N, d->D, H, p.epochs, p.batch_size, fairc_gemm_backend(), best,
           info.last_epoch_loss);
    return best;
}

static void rows_free(rows *r)
{
    for (size_t k = 0; k < r->N * NCOL; k++) free(r->fields[k]);
    free(r->fields);
}

/* a positive count from the command line, else exit 2 */
static int count_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < 1 || v > 1000) {
        fprintf(stderr, "bench_models: %s is not a count in 1..1000\n", s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    const char *shared = "../shared", *proba_out = NULL, *only = "", *data = "all";
    int repeat = 3, threads = 1;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--shared") && k + 1 < argc) shared = argv[++k];
        else if (!strcmp(argv[k], "--repeat") && k + 1 < argc) repeat = count_arg(argv[++k]);
        else if (!strcmp(argv[k], "--threads") && k + 1 < argc) threads = count_arg(argv[++k]);
        else if (!strcmp(argv[k], "--proba-out") && k + 1 < argc) proba_out = argv[++k];
        else if (!strcmp(argv[k], "--only") && k + 1 < argc) only = argv[++k];
        else if (!strcmp(argv[k], "--data") && k + 1 < argc) data = argv[++k];
        else {
            fprintf(stderr, "usage: bench_models [--shared DIR] [--repeat R] [--threads T] "
                            "[--proba-out FILE] [--only logistic|mlp] "
                            "[--data synthetic|adult]\n");
            return 2;
        }
    }
    size_t N = 32561, D = 107;
    float *X = malloc(N * D * sizeof *X);
    double *y = malloc(N * sizeof *y), coef[512];
    fairc_mlp m;
    fairc_mlp_state s = {0};

    for (int onehot = 0; onehot < 2 && strcmp(data, "adult"); onehot++) {
        synth(N, D, 1, onehot, X, y);
        fairc_xy d = {N, D, X, y, NULL};
        const char *name = onehot ? "synthetic-onehot" : "synthetic-dense";
        if (strcmp(only, "mlp")) {
            bench_logistic(name, &d, 1, repeat, coef);
            if (threads > 1) bench_logistic(name, &d, threads, repeat, coef);
        }
        if (strcmp(only, "logistic")) bench_mlp(name, &d, 64, repeat, &m, &s);
    }

    char tr[1024], te[1024];
    snprintf(tr, sizeof tr, "%s/data/adult/adult.data", shared);
    snprintf(te, sizeof te, "%s/data/adult/adult.test", shared);
    rows rtr, rte;
    if (!strcmp(data, "synthetic") || read_rows(tr, &rtr) != 0 || read_rows(te, &rte) != 0) {
        if (strcmp(data, "synthetic")) fprintf(stderr, "bench_models: %s not found\n", tr);
        free(X);
        free(y);
        fairc_mlp_state_free(&s);
        return 0;
    }
    encoder e;
    encoder_fit(&e, &rtr);
    float *Xtr = malloc(rtr.N * e.D * sizeof *Xtr), *Xte = malloc(rte.N * e.D * sizeof *Xte);
    double *ytr = malloc(rtr.N * sizeof *ytr), *yte = malloc(rte.N * sizeof *yte);
    double *sc = malloc(rte.N * sizeof *sc), *pr = malloc(rte.N * sizeof *pr);
    encode(&e, &rtr, Xtr, ytr, NULL);
    encode(&e, &rte, Xte, yte, NULL);
    fairc_xy d = {rtr.N, e.D, Xtr, ytr, NULL};
    if (strcmp(only, "mlp")) {
        bench_logistic("adult", &d, 1, repeat, coef);
        if (threads > 1) bench_logistic("adult", &d, threads, repeat, coef);
        fairc_linear_predict(coef, Xte, rte.N, e.D, sc, pr, 1);
        printf("logistic data=adult test_rows=%zu test_accuracy=%.4f\n", rte.N,
               accuracy(sc, yte, rte.N));
        if (proba_out) {
            FILE *f = fopen(proba_out, "w");
            for (size_t i = 0; i < rte.N; i++) fprintf(f, "%.17g\n", pr[i]);
            fclose(f);
        }
        /* golden: scikit-learn's probabilities on the same test rows */
        char gp[1024];
        snprintf(gp, sizeof gp, "%s/golden/adult_test_predictions.csv", shared);
        FILE *g = fopen(gp, "r");
        if (g) {
            char line[1024];
            size_t i = 0, agree = 0;
            double maxdiff = 0;
            if (fgets(line, sizeof line, g)) {
                while (fgets(line, sizeof line, g) && i < rte.N) {
                    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
                    if (!c2) break;
                    double score = atof(c2 + 1);
                    int pred = atoi(c1 + 1);
                    double diff = fabs(score - pr[i]);
                    maxdiff = diff > maxdiff ? diff : maxdiff;
                    agree += (sc[i] > 0) == (pred == 1);
                    i++;
                }
            }
            fclose(g);
            printf("logistic data=adult golden_rows=%zu max_abs_proba_diff=%.3g "
                   "decision_agreement=%.5f\n",
                   i, maxdiff, (double)agree / (double)(i ? i : 1));
        }
    }
    if (strcmp(only, "logistic")) {
        bench_mlp("adult", &d, 64, repeat, &m, &s);
        fairc_mlp_predict(&m, s.params, Xte, rte.N, sc, NULL, 1, NULL);
        printf("mlp data=adult test_accuracy=%.4f\n", accuracy(sc, yte, rte.N));
    }
    fairc_mlp_state_free(&s);
    rows_free(&rtr);
    rows_free(&rte);
    for (int c = 0; c < 8; c++)
        for (size_t k = 0; k < e.voc[c].n; k++) free(e.voc[c].names[k]);
    free(X);
    free(y);
    free(Xtr);
    free(Xte);
    free(ytr);
    free(yte);
    free(sc);
    free(pr);
    return 0;
}
