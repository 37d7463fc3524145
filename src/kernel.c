/* kernel.c: the hot loop of fairc_audit_arrays: one chunk of rows into per-group cell sums.
 * Kept apart so it can be tuned (and benchmarked: bench/) without touching the audit logic.
 *
 * Speed (bench/RESULTS.md). The plain loop `acc[g].rows[2y + yhat]++` waits on memory: rows of
 * the same cell close together make each increment wait for the previous store, the cells are
 * spread over 416-byte structs, and the weighted loop re-tests `w`, `score` and NaN on every row.
 * Here, for up to LOCAL_GROUPS groups and no score:
 *  - a block of rows first gets its cell index g*4 + 2y + yhat, in a loop the compiler vectorises;
 *  - unweighted, counts go to four interleaved uint32 tables (four rows in flight hit four
 *    different tables, so an increment seldom waits for the one before), in L1, added into acc at
 *    the end; uint32 is enough as a call is split into pieces of at most 2^30 rows;
 *  - weighted, each row updates its cell's count, Neumaier sum and compensation, kept in three
 *    small arrays: sum and compensation are stored apart, so the next row of the same cell waits
 *    for one add and one store, not for the whole update;
 *  - both loops prefetch the rows PF_ROWS ahead (below).
 * Results are bit for bit those of the plain loop: each cell still receives its rows one by one in
 * row order with the same operations (SPEC §1.7); only the memory they live in changes. A score
 * or more groups take the plain loops. */
#include "metrics.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* 256 groups: 4 count tables of 4 KiB, 16 KiB of sums and compensations. */
#define LOCAL_GROUPS 256
#define LOCAL_CELLS (4 * LOCAL_GROUPS)
/* Rows per block of cell indices (4 KiB of uint32). */
#define BLOCK 1024

/* Cell indices of rows [lo, lo + BLOCK); the fixed trip count lets -O2 vectorise it. */
static void block_index(size_t lo, const uint8_t *y, const uint8_t *yhat, const int32_t *group,
                        uint32_t *idx)
{
    const uint8_t *yb = y + lo, *hb = yhat + lo;
    const int32_t *gb = group + lo;
    for (size_t k = 0; k < BLOCK; k++)
        idx[k] = (uint32_t)gb[k] * 4u + 2u * (uint32_t)yb[k] + (uint32_t)hb[k];
}

/* The same, for fairc_kernel_chunk_checked: on the way it ORs y | yhat into *bits, and
 * g | (gm1 - g) (unsigned, gm1 = G - 1 <= INT32_MAX) into *gbad, whose bit 31 is then set iff
 * some group is < 0 or >= G; so a block is checked before its indices are used. Subtractions
 * and ors only (SSE2 has no unsigned 32-bit max), in a loop apart from block_index, which the
 * checks would slow down. */
static void block_index_checked(size_t lo, const uint8_t *y, const uint8_t *yhat,
                                const int32_t *group, uint32_t gm1, uint32_t *idx,
                                unsigned *bits, uint32_t *gbad)
{
    const uint8_t *yb = y + lo, *hb = yhat + lo;
    const int32_t *gb = group + lo;
    unsigned b = 0;
    uint32_t bad = 0;
    for (size_t k = 0; k < BLOCK; k++) {
        uint32_t g = (uint32_t)gb[k];
        idx[k] = g * 4u + 2u * (uint32_t)yb[k] + (uint32_t)hb[k];
        b |= (unsigned)(yb[k] | hb[k]);
        bad |= g | (gm1 - g);
    }
    *bits = b;
    *gbad = bad;
}

/* Fewer than BLOCK rows (or the plain loops' checks), with the same checks. */
static void tail_index(size_t lo, size_t m, const uint8_t *y, const uint8_t *yhat,
                       const int32_t *group, uint32_t gm1, uint32_t *idx, unsigned *bits,
                       uint32_t *gbad)
{
    unsigned b = 0;
    uint32_t bad = 0;
    for (size_t k = 0; k < m; k++) {
        uint32_t g = (uint32_t)group[lo + k];
        idx[k] = g * 4u + 2u * (uint32_t)y[lo + k] + (uint32_t)yhat[lo + k];
        b |= (unsigned)(y[lo + k] | yhat[lo + k]);
        bad |= g | (gm1 - g);
    }
    *bits = b;
    *gbad = bad;
}

/* Validity of doubles, for fairc_kernel_chunk_checked: tested on their bits with adds and ors,
 * so that -O2 vectorises the loops with SSE2 (double compares feeding integer flags do not, nor,
 * with GCC 12, do some other forms: each loop below was checked with -fopt-info-vec). */
typedef struct {
    int bad; /* a NaN or infinity, or a negative weight */
    int pos; /* a weight > 0 */
} dcheck;

static inline uint64_t bits_of(double d)
{
    union {
        double d;
        uint64_t u;
    } x = {d};
    return x.u;
}

#define EXP_ONE 0x0010000000000000u /* 2^52: adding it carries an all-ones exponent into bit 63 */
#define NO_SIGN 0x7fffffffffffffffu

/* Bit 63 of u | (u + 2^52) is set iff the sign is set or the exponent is all ones (NaN, inf).
 * A fixed trip count, which -O2 vectorises. */
static uint64_t weight_flags_block(const double *w)
{
    uint64_t any = 0;
    for (size_t k = 0; k < BLOCK; k++) {
        uint64_t u = bits_of(w[k]);
        any |= u | (u + EXP_ONE);
    }
    return any;
}

/* Weights must be finite and >= 0, -0.0 included (as `w >= 0` accepts it): the fast test fires
 * on a bad weight or a -0.0, and only then are the weights tested exactly. */
static void check_weights(const double *w, size_t m, dcheck *c)
{
    uint64_t any = 0;
    if (m == BLOCK) {
        any = weight_flags_block(w);
    } else {
        for (size_t k = 0; k < m; k++) {
            uint64_t u = bits_of(w[k]);
            any |= u | (u + EXP_ONE);
        }
    }
    if (any >> 63)
        for (size_t k = 0; k < m; k++)
            if (!(w[k] >= 0 && w[k] <= DBL_MAX)) c->bad = 1;
}

/* Scores must be finite: without the sign, an all-ones exponent carries into bit 63. */
static inline void check_scores(const double *s, size_t m, dcheck *c)
{
    uint64_t any = 0;
    for (size_t k = 0; k < m; k++) any |= (bits_of(s[k]) & NO_SIGN) + EXP_ONE;
    if (any >> 63) c->bad = 1;
}

/* Software prefetch. On the benchmark VM one core streams ~13 GB/s with wide loads, but the
 * kernel, busy counting between its loads, got ~5.5 GB/s from the hardware prefetchers alone;
 * asking for the rows PF_ROWS ahead, a few lines every 16 rows, keeps memory busy during the
 * counting (unweighted 1.0 -> 0.6 ns/row, weighted 2.3 -> 1.8 ns/row at 10M rows). A prefetch
 * never faults, but the address must stay inside the arrays, so only rows of the current range
 * are asked for. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define PF_ROWS 2048

typedef struct {
    const uint8_t *y, *yhat;
    const int32_t *group;
    const double *w;
} streams;

/* The cache lines of rows [i, i + 16), i a multiple of 16: 64 bytes of group, 128 of w, and one
 * line of y and of yhat every 64 rows. A macro, not a function: GCC takes a function that only
 * prefetches for one without effects, and deletes its calls. */
#define PREFETCH16(s, i)                                                                           \
    do {                                                                                           \
        if ((i) % 64 == 0) {                                                                       \
            PREFETCH((s)->y + (i));                                                                \
            PREFETCH((s)->yhat + (i));                                                             \
        }                                                                                          \
        PREFETCH((s)->group + (i));                                                                \
        if ((s)->w) {                                                                              \
            PREFETCH((s)->w + (i));                                                                \
            PREFETCH((s)->w + (i) + 8);                                                            \
        }                                                                                          \
    } while (0)

/* Counts of the m cells idx into four tables; with pf, also prefetches rows [ahead, ahead + m)
 * (then m is BLOCK). */
static void count_block(const uint32_t *idx, size_t m, uint32_t (*tab)[LOCAL_CELLS],
                        const streams *pf, size_t ahead)
{
    size_t k = 0;
    if (pf)
        for (; k < BLOCK; k += 16) {
            PREFETCH16(pf, ahead + k);
            for (size_t q = k; q < k + 16; q += 4) {
                tab[0][idx[q]]++;
                tab[1][idx[q + 1]]++;
                tab[2][idx[q + 2]]++;
                tab[3][idx[q + 3]]++;
            }
        }
    for (; k + 4 <= m; k += 4) {
        tab[0][idx[k]]++;
        tab[1][idx[k + 1]]++;
        tab[2][idx[k + 2]]++;
        tab[3][idx[k + 3]]++;
    }
    for (; k < m; k++) tab[0][idx[k]]++;
}

/* Counts and fairc_ksum_add on split arrays (S sums, C compensations): the same operations on
 * the same operands as fairc_ksum_add, so the same bits. */
static inline void sum_row(uint32_t j, double x, uint32_t *count, double *S, double *C)
{
    count[j]++;
    double s = S[j], t = s + x;
    C[j] += fabs(s) >= fabs(x) ? (s - t) + x : (x - t) + s;
    S[j] = t;
}

static void sum_block(const uint32_t *idx, size_t m, const double *w, uint32_t *count, double *S,
                      double *C, const streams *pf, size_t ahead)
{
    size_t k = 0;
    if (pf)
        for (; k < BLOCK; k += 16) {
            PREFETCH16(pf, ahead + k);
            for (size_t q = k; q < k + 16; q++) sum_row(idx[q], w[q], count, S, C);
        }
    for (; k < m; k++) sum_row(idx[k], w[k], count, S, C);
}

/* Up to LOCAL_GROUPS groups, no score, at most 2^30 rows: counts, and with w the weight sums,
 * added to what acc holds. With chk, each block is checked before its indices are used; returns
 * -1 at the first invalid block (acc untouched), else 0. */
static int chunk_local(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                       const double *w, const int32_t *group, size_t G, fairc_group_acc *acc,
                       dcheck *chk)
{
    uint32_t tab[4][LOCAL_CELLS];
    double S[LOCAL_CELLS], C[LOCAL_CELLS];
    uint32_t idx[BLOCK];
    size_t cells = 4 * G;
    const uint32_t gm1 = (uint32_t)(G - 1);
    for (int t = 0; t < 4; t++) memset(tab[t], 0, cells * sizeof tab[t][0]);
    if (w)
        for (size_t g = 0; g < G; g++)
            for (int k = 0; k < 4; k++) {
                S[4 * g + k] = acc[g].cw[k].s;
                C[4 * g + k] = acc[g].cw[k].c;
            }
    const streams st = {y, yhat, group, w};
    for (size_t b = lo; b < hi; b += BLOCK) {
        size_t m = hi - b;
        unsigned bits = 0;
        uint32_t gbad = 0;
        if (m < BLOCK) {
            tail_index(b, m, y, yhat, group, gm1, idx, &bits, &gbad);
        } else {
            m = BLOCK;
            if (chk) block_index_checked(b, y, yhat, group, gm1, idx, &bits, &gbad);
            else block_index(b, y, yhat, group, idx);
        }
        if (chk) {
            if (w) check_weights(w + b, m, chk);
            if (bits > 1 || gbad >> 31 || chk->bad) return -1;
        }
        const streams *pf = b + BLOCK + PF_ROWS <= hi ? &st : NULL;
        if (w) sum_block(idx, m, w + b, tab[0], S, C, pf, b + PF_ROWS);
        else count_block(idx, m, tab, pf, b + PF_ROWS);
    }
    for (size_t g = 0; g < G; g++)
        for (int k = 0; k < 4; k++) {
            size_t c = 4 * g + (size_t)k;
            acc[g].rows[k] += (uint64_t)tab[0][c] + tab[1][c] + tab[2][c] + tab[3][c];
            if (w) acc[g].cw[k] = (fairc_ksum){S[c], C[c]};
            /* Weights >= 0: a sum is > 0 iff one of its weights is. */
            if (chk && w && S[c] > 0) chk->pos = 1;
        }
    return 0;
}

/* The plain loops: a score, or more than LOCAL_GROUPS groups. */
static void chunk_plain(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                        const double *score, const double *w, const int32_t *group,
                        fairc_group_acc *acc)
{
    if (!w && !score) {
        for (size_t i = lo; i < hi; i++) acc[group[i]].rows[2 * y[i] + yhat[i]]++;
        return;
    }
    if (!score) {
        for (size_t i = lo; i < hi; i++) {
            fairc_group_acc *a = &acc[group[i]];
            int cell = 2 * y[i] + yhat[i];
            a->rows[cell]++;
            fairc_ksum_add(&a->cw[cell], w[i]);
        }
        return;
    }
    for (size_t i = lo; i < hi; i++)
        fairc_group_acc_add(&acc[group[i]], 2 * y[i] + yhat[i], w ? w[i] : 1.0, score[i]);
}

/* Both entry points. Pieces of at most 2^30 rows keep the uint32 counts of chunk_local exact. */
static int kernel(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat, const double *score,
                  const double *w, const int32_t *group, size_t G, fairc_group_acc *acc,
                  dcheck *chk)
{
    if (!score && G <= LOCAL_GROUPS) {
        const size_t piece = (size_t)1 << 30;
        for (; hi - lo > piece; lo += piece)
            if (chunk_local(lo, lo + piece, y, yhat, w, group, G, acc, chk) != 0) return -1;
        return chunk_local(lo, hi, y, yhat, w, group, G, acc, chk);
    }
    if (chk) {
        /* Check every row first: the plain loops index acc by group. With G > 2^31 every
         * group >= 0 is valid, and G - 1 = INT32_MAX tests just that. */
        const uint32_t gm1 = G - 1 > INT32_MAX ? INT32_MAX : (uint32_t)(G - 1);
        uint32_t idx[BLOCK];
        for (size_t b = lo; b < hi; b += BLOCK) {
            size_t m = hi - b < BLOCK ? hi - b : BLOCK;
            unsigned bits;
            uint32_t gbad;
            tail_index(b, m, y, yhat, group, gm1, idx, &bits, &gbad);
            if (w) check_weights(w + b, m, chk);
            if (score) check_scores(score + b, m, chk);
            if (bits > 1 || gbad >> 31 || chk->bad) return -1;
            for (size_t k = 0; w && k < m; k++)
                if (w[b + k] > 0) chk->pos = 1;
        }
    }
    chunk_plain(lo, hi, y, yhat, score, w, group, acc);
    return 0;
}

void fairc_kernel_chunk(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                        const double *score, const double *w, const int32_t *group, size_t G,
                        fairc_group_acc *acc)
{
    kernel(lo, hi, y, yhat, score, w, group, G, acc, NULL);
}

/* fairc_kernel_chunk on rows not validated yet, acc zeroed as there, checking each block as it
 * is read (y, yhat in {0, 1}; group in [0, G); w finite and >= 0; score finite): so
 * fairc_audit_arrays reads its input once, in parallel, instead of validating it in a serial pass
 * first (bench/RESULTS.md). Returns 0 when every row of [lo, hi) is valid, with the sums done (the
 * same bits as fairc_kernel_chunk) and *w_pos set to 1 if a weight is > 0 (else left alone); -1
 * when some row is invalid, acc then unspecified: the caller finds and reports the first bad row
 * with its own serial checks. */
int fairc_kernel_chunk_checked(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                               const double *score, const double *w, const int32_t *group,
                               size_t G, fairc_group_acc *acc, int *w_pos)
{
    dcheck chk = {0, 0};
    if (kernel(lo, hi, y, yhat, score, w, group, G, acc, &chk) != 0) return -1;
    if (chk.pos) *w_pos = 1;
    return 0;
}
