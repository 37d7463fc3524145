/* kernel_bench.c: the in-memory metrics path without any peer.
 *
 *  1. this machine's read bandwidth (streaming sum over a large buffer, best of R);
 *  2. fairc_kernel_chunk checked bit for bit against the plain per-row reference (the contract in
 *     src/metrics.h), for every input shape, several group counts and odd chunk ends;
 *  3. fairc_audit_arrays on N rows, G groups (unweighted, weighted; 1 and 2 threads), best of R,
 *     split into its parts: the serial input validation of src/audit.c (replicated here), and
 *     the chunked kernel alone (fairc_kernel_chunk), the chunked fairc_kernel_chunk_checked,
 *     which validates the rows as it sums them (what fairc_audit_arrays runs since commit
 *     a07fbce; checked first to reject exactly what audit.c's serial checks reject), and, for
 *     comparison, the serial validation pass audit.c ran before a07fbce (replicated here).
 *     Effective bandwidth = input bytes / time.
 *
 * Usage: kernel_bench [--rows N] [--groups G] [--repeats R] [--bw-mib M] [--threads T]
 * Links with build/libfairc.a (fairc_kernel_chunk is internal: hidden in libfairc.so). */
#include "metrics.h"

#include "bandwidth.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Declared again, weak, so that bench/kernel_ab can link an older kernel.c without it (the
 * checked parts are then skipped). */
#if defined(__GNUC__)
__attribute__((weak))
#endif
int fairc_kernel_chunk_checked(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                               const double *score, const double *w, const int32_t *group,
                               size_t G, fairc_group_acc *acc, int *w_pos);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
    void *p = NULL;
    /* Cache-line aligned, as large allocations are anyway: the bandwidth probe needs it. */
    if (posix_memalign(&p, 64, n ? n : 64) != 0) {
        fprintf(stderr, "kernel_bench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* ---- data ---------------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)(splitmix64(s) >> 11) * 0x1p-53; }

typedef struct {
    size_t n, G;
    uint8_t *y, *yhat;
    int32_t *group;
    double *w, *score;
} dataset;

/* Groups of unequal size, base rates that depend on the group, a decision right 80% of the time,
 * weights in [0.5, 3) with full mantissas (so compensation matters), scores in [0, 1). */
static void make_data(dataset *d, size_t n, size_t G, uint64_t seed)
{
    d->n = n;
    d->G = G;
    d->y = xmalloc(n);
    d->yhat = xmalloc(n);
    d->group = xmalloc(n * sizeof *d->group);
    d->w = xmalloc(n * sizeof *d->w);
    d->score = xmalloc(n * sizeof *d->score);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double u = unif(&s);
        size_t g = (size_t)(u * u * (double)G); /* small groups are rarer */
        int y = unif(&s) < 0.15 + 0.3 * (double)g / (double)G;
        int right = unif(&s) < 0.8;
        d->group[i] = (int32_t)g;
        d->y[i] = (uint8_t)y;
        d->yhat[i] = (uint8_t)(right ? y : !y);
        d->w[i] = 0.5 + 2.5 * unif(&s);
        d->score[i] = unif(&s);
    }
}

static void free_data(dataset *d)
{
    free(d->y);
    free(d->yhat);
    free(d->group);
    free(d->w);
    free(d->score);
}

/* ---- bit-for-bit check of the kernel against its contract ------------------------------------ */

/* The contract of fairc_kernel_chunk (src/metrics.h), written the plain way: one row at a time. */
static void reference_chunk(size_t lo, size_t hi, const dataset *d, const double *score,
                            const double *w, fairc_group_acc *acc)
{
    if (!w && !score) {
        for (size_t i = lo; i < hi; i++) acc[d->group[i]].rows[2 * d->y[i] + d->yhat[i]]++;
        return;
    }
    for (size_t i = lo; i < hi; i++)
        fairc_group_acc_add(&acc[d->group[i]], 2 * d->y[i] + d->yhat[i], w ? w[i] : 1.0,
                            score ? score[i] : NAN);
}

/* Returns the number of mismatching ranges (0 is success). */
static int check_kernel(size_t G, uint64_t seed)
{
    enum { N = 3 * FAIRC_CHUNK_ROWS + 1234 };
    dataset d;
    make_data(&d, N, G, seed);
    fairc_group_acc *a = xmalloc(G * sizeof *a), *b = xmalloc(G * sizeof *b);
    int bad = 0;
    /* Ranges: whole chunks, a tail, short and odd ranges (the unrolled loops' remainders). */
    static const size_t ranges[][2] = {{0, FAIRC_CHUNK_ROWS},
                                       {FAIRC_CHUNK_ROWS, 2 * FAIRC_CHUNK_ROWS},
                                       {3 * FAIRC_CHUNK_ROWS, N},
                                       {5, 6}, {7, 10}, {11, 18}, {19, 100}, {1000, 1000},
                                       {65, 65 + 4097}};
    for (int shape = 0; shape < 4; shape++) {
        const double *w = (shape & 1) ? d.w : NULL, *sc = (shape & 2) ? d.score : NULL;
        for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
            memset(a, 0, G * sizeof *a);
            memset(b, 0, G * sizeof *b);
            reference_chunk(ranges[k][0], ranges[k][1], &d, sc, w, a);
            fairc_kernel_chunk(ranges[k][0], ranges[k][1], d.y, d.yhat, sc, w, d.group, G, b);
            /* Then a second range into the same, now non-zero, sums. */
            reference_chunk(ranges[k][0] / 2, ranges[k][1], &d, sc, w, a);
            fairc_kernel_chunk(ranges[k][0] / 2, ranges[k][1], d.y, d.yhat, sc, w, d.group, G, b);
            if (memcmp(a, b, G * sizeof *a) != 0) {
                fprintf(stderr, "kernel_bench: kernel differs from the reference: G=%zu weights=%d "
                        "score=%d rows [%zu, %zu)\n", G, w != NULL, sc != NULL, ranges[k][0],
                        ranges[k][1]);
                bad++;
            }
        }
    }
    free(a);
    free(b);
    free_data(&d);
    return bad;
}

/* ---- the parts of fairc_audit_arrays --------------------------------------------------------- */

/* The serial validation pass fairc_audit_arrays (src/audit.c) ran before the kernel until commit
 * a07fbce, replicated: timed for comparison, and the reference for what must be rejected. */
static int validate_like_audit(const dataset *d, const double *w, double *total)
{
    fairc_ksum W = {0, 0};
    for (size_t i = 0; i < d->n; i++) {
        if (d->y[i] > 1 || d->yhat[i] > 1) return -1;
        if (d->group[i] < 0 || (size_t)d->group[i] >= d->G) return -1;
        if (w && !(w[i] >= 0 && isfinite(w[i]))) return -1;
        if (w) fairc_ksum_add(&W, w[i]);
    }
    *total = fairc_ksum_value(&W);
    return 0;
}

/* fairc_kernel_chunk_checked rejects exactly what audit.c's serial checks reject, on both kernel paths (local tables; plain loops for a score or G > 256), and when it
 * accepts, its sums equal fairc_kernel_chunk's bit for bit. Returns the number of failures. */
static int check_validation(void)
{
    enum { N = 3000 };
    struct {
        int what; /* 0 y, 1 yhat, 2 group (1e6 stands for G), 3 weight, 4 score, 5 group G - 1 */
        double value;
        int invalid;
    } cases[] = {{0, 2, 1}, {1, 255, 1}, {2, -1, 1}, {2, 1e6, 1}, {2, 0, 0}, {5, 0, 0},
                 {2, INT32_MIN, 1}, {2, INT32_MAX, 1}, {3, -1, 1},
                 {3, -0x1p-1074, 1}, {3, NAN, 1}, {3, -NAN, 1}, {3, INFINITY, 1},
                 {3, -INFINITY, 1}, {3, -0.0, 0}, {3, 0x1p-1074, 0}, {3, DBL_MAX, 0}, {3, 0, 0},
                 {4, NAN, 1}, {4, -INFINITY, 1}, {4, -1e300, 0}};
    size_t rows[] = {0, 1023, 1024, 2047, N - 1}; /* block starts and ends, the tail */
    size_t groups[] = {5, 300};
    int bad = 0;
    for (size_t gi = 0; gi < 2; gi++) {
        size_t G = groups[gi];
        dataset d;
        make_data(&d, N, G, 7 + gi);
        fairc_group_acc *a = xmalloc(G * sizeof *a), *b = xmalloc(G * sizeof *b);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
                size_t i = rows[k];
                uint8_t y = d.y[i], yh = d.yhat[i];
                int32_t g = d.group[i];
                double w = d.w[i], sc = d.score[i];
                switch (cases[c].what) {
                case 0: d.y[i] = (uint8_t)cases[c].value; break;
                case 1: d.yhat[i] = (uint8_t)cases[c].value; break;
                case 2: d.group[i] = cases[c].value == 1e6 ? (int32_t)G : (int32_t)cases[c].value; break;
                case 3: d.w[i] = cases[c].value; break;
                case 4: d.score[i] = cases[c].value; break;
                default: d.group[i] = (int32_t)G - 1;
                }
                const double *score = cases[c].what == 4 ? d.score : NULL;
                double total;
                int old = validate_like_audit(&d, d.w, &total) != 0 ||
                          (score && !isfinite(score[i]));
                memset(a, 0, G * sizeof *a);
                memset(b, 0, G * sizeof *b);
                int pos = 0;
                int checked = fairc_kernel_chunk_checked(0, N, d.y, d.yhat, score, d.w, d.group, G,
                                                         b, &pos) != 0;
                if (old != cases[c].invalid || checked != old) bad++;
                if (!old) {
                    fairc_kernel_chunk(0, N, d.y, d.yhat, score, d.w, d.group, G, a);
                    if (memcmp(a, b, G * sizeof *a) != 0 || pos != (total > 0)) bad++;
                }
                d.y[i] = y, d.yhat[i] = yh, d.group[i] = g, d.w[i] = w, d.score[i] = sc;
            }
        /* All weights zero (one of them -0.0): valid, but "the weights sum to 0". */
        for (size_t i = 0; i < N; i++) d.w[i] = 0;
        d.w[17] = -0.0;
        int pos = 0;
        memset(b, 0, G * sizeof *b);
        if (fairc_kernel_chunk_checked(0, N, d.y, d.yhat, NULL, d.w, d.group, G, b, &pos) != 0 || pos)
            bad++;
        free(a);
        free(b);
        free_data(&d);
    }
    if (bad) fprintf(stderr, "kernel_bench: fairc_kernel_chunk_checked disagrees with audit.c's checks in %d cases\n", bad);
    return bad;
}

/* The chunked kernel as fairc_audit_arrays runs it (partials per chunk, threads over chunks);
 * with checked != 0, fairc_kernel_chunk_checked validates the rows as it goes. */
static int kernel_all_chunks(const dataset *d, const double *w, int threads, int checked,
                             fairc_group_acc *part)
{
    size_t n_chunks = (d->n + FAIRC_CHUNK_ROWS - 1) / FAIRC_CHUNK_ROWS;
    memset(part, 0, n_chunks * d->G * sizeof *part);
    int bad = 0, pos = 0;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) reduction(| : bad, pos)
#endif
    for (size_t c = 0; c < n_chunks; c++) {
        size_t lo = c * FAIRC_CHUNK_ROWS, hi = lo + FAIRC_CHUNK_ROWS < d->n ? lo + FAIRC_CHUNK_ROWS : d->n;
        if (!checked) {
            fairc_kernel_chunk(lo, hi, d->y, d->yhat, NULL, w, d->group, d->G, part + c * d->G);
            continue;
        }
        int p = 0;
        if (fairc_kernel_chunk_checked(lo, hi, d->y, d->yhat, NULL, w, d->group, d->G,
                                       part + c * d->G, &p) != 0)
            bad |= 1;
        pos |= p;
    }
    return bad || (checked && w && !pos) ? -1 : 0;
}

/* One fairc_audit_arrays call; *seconds gets its time, *json (when not NULL) the report. */
static int audit_run(const dataset *d, const double *w, int threads, double *seconds, char **json)
{
    const char **names = xmalloc(d->G * sizeof *names);
    char (*buf)[24] = xmalloc(d->G * sizeof *buf);
    for (size_t g = 0; g < d->G; g++) {
        snprintf(buf[g], sizeof buf[g], "g%zu", g);
        names[g] = buf[g];
    }
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    fairc_audit_report *r = NULL;
    fairc_status st = {0};
    double t0 = now();
    int rc = fairc_audit_arrays(d->n, d->y, d->yhat, NULL, w, d->group, d->G, names, &o, threads,
                                &r, &st);
    double t = now() - t0;
    if (rc == FAIRC_OK && json) rc = fairc_audit_report_json(r, json, &st);
    if (rc != FAIRC_OK) fprintf(stderr, "kernel_bench: fairc_audit_arrays: %s\n", st.message);
    fairc_audit_report_free(&r);
    free(names);
    free(buf);
    if (seconds) *seconds = t;
    return rc;
}

static size_t parse_size(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= 1) || v > 1e12) {
        fprintf(stderr, "kernel_bench: %s must be a positive number, got '%s'\n", what, s);
        exit(2);
    }
    return (size_t)v;
}

static double gbs(size_t bytes, double t) { return (double)bytes / t / 1e9; }

enum { MAX_T = 2 };

int main(int argc, char **argv)
{
    size_t n = 10000000, G = 8, repeats = 7, bw_mib = 1024, max_threads = 2;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "kernel_bench: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--rows") == 0) n = parse_size(v, a);
        else if (strcmp(a, "--groups") == 0) G = parse_size(v, a);
        else if (strcmp(a, "--repeats") == 0) repeats = parse_size(v, a);
        else if (strcmp(a, "--bw-mib") == 0) bw_mib = parse_size(v, a);
        else if (strcmp(a, "--threads") == 0) max_threads = parse_size(v, a);
        else {
            fprintf(stderr, "usage: kernel_bench [--rows N] [--groups G] [--repeats R] "
                    "[--bw-mib M] [--threads T (1 or 2)]\n");
            return 2;
        }
    }
    if (max_threads > MAX_T) max_threads = MAX_T;
#ifndef _OPENMP
    printf("kernel_bench: built without OpenMP: every thread count runs on one thread\n");
#endif

    /* 1. Correctness first: the kernel against its contract. */
    int bad = 0;
    static const size_t gs[] = {1, 2, 8, 37, 256, 257, 5000};
    for (size_t k = 0; k < sizeof gs / sizeof gs[0]; k++) bad += check_kernel(gs[k], 42 + k);
    int have_checked = fairc_kernel_chunk_checked != NULL;
    if (have_checked) bad += check_validation();
    if (bad) return 1;
    if (have_checked)
        printf("check: fairc_kernel_chunk_checked rejects what audit.c rejects and sums as "
               "fairc_kernel_chunk (21 cases x 5 rows x 2 kernel paths)\n");
    else
        printf("kernel_bench: this kernel.c has no fairc_kernel_chunk_checked: not timed\n");
    printf("check: fairc_kernel_chunk equals the per-row reference bit for bit "
           "(unweighted/weighted, with/without score, G in 1..5000, 9 row ranges)\n");

    dataset d;
    make_data(&d, n, G, 1);
    size_t n_chunks = (n + FAIRC_CHUNK_ROWS - 1) / FAIRC_CHUNK_ROWS;
    fairc_group_acc *part = xmalloc(n_chunks * G * sizeof *part);
    size_t in_bytes[2] = {n * (1 + 1 + sizeof(int32_t)), n * (1 + 1 + sizeof(int32_t) + sizeof(double))};

    /* 1 and 2 threads give the same report (SPEC §1.7), and the checked kernel accepts the data:
     * checked before timing. */
    for (int wt = 0; wt <= 1; wt++) {
        const double *w = wt ? d.w : NULL;
        char *j1 = NULL, *j2 = NULL;
        if (audit_run(&d, w, 1, NULL, &j1) != FAIRC_OK || audit_run(&d, w, 2, NULL, &j2) != FAIRC_OK)
            return 1;
        if (strcmp(j1, j2) != 0) {
            fprintf(stderr, "kernel_bench: 1 and 2 threads give different reports\n");
            return 1;
        }
        free(j1);
        free(j2);
        if (have_checked && kernel_all_chunks(&d, w, 1, 1, part) != 0) {
            fprintf(stderr, "kernel_bench: fairc_kernel_chunk_checked rejects valid data\n");
            return 1;
        }
    }

    /* 2. Timing. Each repeat measures the read bandwidth, then every configuration, so that drift
     * of this shared machine hits them alike; minima are reported. */
    size_t bw_bytes = bw_mib << 20;
    unsigned char *buf = xmalloc(bw_bytes);
    for (size_t i = 0; i < bw_bytes; i++) buf[i] = (unsigned char)(i * 131u);
    uint64_t sink = 0;
    double bw[MAX_T + 1], bw_same[2][MAX_T + 1];
    double t_audit[2][MAX_T + 1], t_kernel[2][MAX_T + 1], t_checked[2][MAX_T + 1], t_valid[2];
    for (int k = 0; k <= MAX_T; k++) {
        bw[k] = bw_same[0][k] = bw_same[1][k] = 1e30;
        for (int wt = 0; wt <= 1; wt++) t_audit[wt][k] = t_kernel[wt][k] = t_checked[wt][k] = 1e30;
    }
    t_valid[0] = t_valid[1] = 1e30;
    double total = 0;
#define KEEP_MIN(var, expr) do { double t_ = (expr); if (t_ < (var)) (var) = t_; } while (0)
    for (size_t r = 0; r < repeats; r++) {
        for (size_t t = 1; t <= max_threads; t++) {
            KEEP_MIN(bw[t], bench_read_seconds(buf, bw_bytes, (int)t, &sink));
            for (int wt = 0; wt <= 1; wt++)
                if (in_bytes[wt] < bw_bytes)
                    KEEP_MIN(bw_same[wt][t], bench_read_seconds(buf, in_bytes[wt] / 64 * 64, (int)t, &sink));
        }
        for (int wt = 0; wt <= 1; wt++) {
            const double *w = wt ? d.w : NULL;
            for (size_t t = 1; t <= max_threads; t++) {
                double ta, t0;
                if (audit_run(&d, w, (int)t, &ta, NULL) != FAIRC_OK) return 1;
                KEEP_MIN(t_audit[wt][t], ta);
                t0 = now();
                kernel_all_chunks(&d, w, (int)t, 0, part);
                KEEP_MIN(t_kernel[wt][t], now() - t0);
                if (have_checked) {
                    t0 = now();
                    if (kernel_all_chunks(&d, w, (int)t, 1, part) != 0) return 1;
                    KEEP_MIN(t_checked[wt][t], now() - t0);
                }
            }
            double t0 = now();
            if (validate_like_audit(&d, w, &total) != 0) return 1;
            KEEP_MIN(t_valid[wt], now() - t0);
        }
    }
    free(buf);

    /* 3. Report. */
    for (size_t t = 1; t <= max_threads; t++) {
        printf("bandwidth threads=%zu: memory read %.1f GB/s (%zu MiB buffer)", t,
               gbs(bw_bytes, bw[t]), bw_mib);
        for (int wt = 0; wt <= 1; wt++)
            if (bw_same[wt][t] < 1e30)
                printf("; %.0f MB buffer (size of the %s inputs, cache-warm) %.1f GB/s",
                       (double)in_bytes[wt] / 1e6, wt ? "weighted" : "unweighted",
                       gbs(in_bytes[wt] / 64 * 64, bw_same[wt][t]));
        printf("\n");
    }
    for (int wt = 0; wt <= 1; wt++)
        for (size_t t = 1; t <= max_threads; t++) {
            double ref = gbs(bw_bytes, bw[t]), ta = t_audit[wt][t], tk = t_kernel[wt][t];
            double tc = t_checked[wt][t];
            size_t by = in_bytes[wt];
            const char *what = wt ? "weighted" : "unweighted";
            printf("kernel n=%zu G=%zu %s threads=%zu: fairc_audit_arrays %.4f s; kernel alone "
                   "%.4f s; old serial validation pass %.4f s", n, G, what, t, ta, tk,
                   t_valid[wt]);
            if (have_checked) printf("; checked kernel %.4f s", tc);
            printf("\nbandwidth %s threads=%zu: read %.1f GB/s, fairc_audit_arrays %.1f GB/s (%.0f%%), "
                   "kernel alone %.1f GB/s (%.0f%%)", what, t, ref, gbs(by, ta),
                   100 * gbs(by, ta) / ref, gbs(by, tk), 100 * gbs(by, tk) / ref);
            if (have_checked)
                printf(", checked kernel %.1f GB/s (%.0f%%)", gbs(by, tc), 100 * gbs(by, tc) / ref);
            printf(" [input %.0f MB]\n", (double)by / 1e6);
        }
    (void)total;
    free(part);
    free_data(&d);
    if (sink == 42) printf(" "); /* keeps the bandwidth sums observable */
    return 0;
}
