/* bench_penalty.c: times an epoch of MLP(64) training with fairc's demographic-parity penalty
 * (SPEC §5) on encoded Adult arrays written by bench_penalty.py, which times FairTorch's
 * DemographicParityLoss in PyTorch beside it. Also a plain epoch (no penalty), and --check: the
 * penalty of given logits as one batch, which the Python side compares with FairTorch's value.
 *
 * Usage: bench_penalty DATA.bin [--repeat R] [--epochs E] [--alpha A] [--check Z.bin]
 * DATA.bin: u64 N, u64 D, N*D float32 X (row-major), N float64 y, N int32 group (0/1).
 * Z.bin: N float64 logits. Output: "name key=value ..." lines; time_s is per epoch: the best of
 * R trainings of E epochs (default 5) from fresh parameters, divided by E, so the per-call setup
 * (checking the data, building its sparse rows) is shared as in a real run; reading and encoding
 * are not timed. */
#include "fairtrain.h"

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

static void *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

typedef struct {
    fairc_penalty *pen;
    double sum;
    size_t batches;
} hook_ctx;

static int hook(void *user, const size_t *rows, size_t nb, const double *scores, double *dscores)
{
    hook_ctx *c = user;
    c->sum += fairc_penalty_batch(c->pen, rows, nb, scores, dscores);
    fairc_penalty_commit(c->pen);
    c->batches++;
    return FAIRC_OK;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *check = NULL;
    int repeat = 5, epochs = 5;
    double alpha = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--alpha") == 0 && i + 1 < argc) alpha = atof(argv[++i]);
        else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) check = argv[++i];
        else data = argv[i];
    }
    size_t n_bytes = 0;
    unsigned char *b = data ? read_all(data, &n_bytes) : NULL;
    if (!b || n_bytes < 16) {
        fprintf(stderr, "usage: bench_penalty DATA.bin [--repeat R] [--alpha A] [--check Z.bin]\n");
        return 2;
    }
    uint64_t N, D;
    memcpy(&N, b, 8);
    memcpy(&D, b + 8, 8);
    if (n_bytes != 16 + N * D * 4 + N * 8 + N * 4) {
        fprintf(stderr, "bench_penalty: %s: size does not match N = %llu, D = %llu\n", data,
                (unsigned long long)N, (unsigned long long)D);
        return 1;
    }
    float *X = malloc(N * D * sizeof *X);
    double *y = malloc(N * sizeof *y);
    int32_t *g = malloc(N * sizeof *g);
    memcpy(X, b + 16, N * D * 4);
    memcpy(y, b + 16 + N * D * 4, N * 8);
    memcpy(g, b + 16 + N * D * 4 + N * 8, N * 4);
    free(b);

    const char *names[2] = {"sex=0", "sex=1"};
    fairc_grouping_rows gr = {g, 2, names};
    fairc_moment *mom = NULL;
    fairc_status st = {0};
    if (fairc_moment_new(FAIRC_CONSTRAINT_DP, N, y, NULL, &gr, 1, 0, 1, &mom, &st) != FAIRC_OK) {
        fprintf(stderr, "bench_penalty: %s\n", st.message);
        return 1;
    }
    fairc_penalty_params pp;
    fairc_penalty_params_init(&pp);
    pp.alpha = alpha;

    if (check) { /* the penalty of the given logits, all rows as one batch */
        size_t nz = 0;
        double *z = read_all(check, &nz);
        fairc_penalty *pen = NULL;
        if (!z || nz != N * 8 || fairc_penalty_new(mom, &pp, N, &pen, &st) != FAIRC_OK) {
            fprintf(stderr, "bench_penalty: --check %s: %s\n", check, st.message);
            return 1;
        }
        printf("check penalty=%.17g\n", fairc_penalty_batch(pen, NULL, N, z, NULL));
        fairc_penalty_free(&pen);
        free(z);
        return 0;
    }

    size_t hidden[1] = {64};
    fairc_mlp m;
    fairc_mlp_layout(&m, D, hidden, 1);
    fairc_xy xy = {N, D, X, y, NULL};
    /* plain and penalised trainings alternate, so that both see the same machine load */
    double best[2] = {1e300, 1e300}, mean_p = 0;
    size_t batches = 0;
    for (int r = 0; r < repeat; r++)
        for (int with = 0; with < 2; with++) {
            fairc_mlp_state s;
            fairc_mlp_state_new(&s, &m, NULL);
            fairc_mlp_train_params tp;
            fairc_mlp_train_params_init(&tp);
            tp.epochs = (size_t)(epochs > 0 ? epochs : 1);
            tp.seed = (uint64_t)r;
            hook_ctx c = {NULL, 0, 0};
            if (with) {
                fairc_penalty_new(mom, &pp, tp.batch_size, &c.pen, NULL);
                tp.batch_hook = hook;
                tp.batch_user = &c;
            }
            fairc_mlp_train_info info;
            double t0 = now_s();
            int rc = fairc_mlp_train(&m, &s, &xy, &tp, &info, &st);
            double t = (now_s() - t0) / (double)tp.epochs;
            if (rc != FAIRC_OK) {
                fprintf(stderr, "bench_penalty: %s\n", st.message);
                return 1;
            }
            if (t < best[with]) best[with] = t;
            batches = info.batches / info.epochs;
            if (with) mean_p = c.sum / (double)c.batches;
            fairc_penalty_free(&c.pen);
            fairc_mlp_state_free(&s);
        }
    printf("plain_epoch time_s=%.6f epochs=%d batches=%zu\n", best[0], epochs, batches);
    printf("penalty_epoch time_s=%.6f epochs=%d batches=%zu alpha=%g mean_penalty=%.6g\n", best[1],
           epochs, batches, alpha, mean_p);
    fairc_moment_free(&mom);
    free(X);
    free(y);
    free(g);
    return 0;
}
