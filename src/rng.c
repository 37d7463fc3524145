/* rng.c: fairc's only source of randomness (SPEC §1.7). SipHash-2-4 turns (seed, purpose) into a
 * 64-bit key, splitmix64 expands it into xoshiro256** state; one generator per purpose, so adding
 * a draw in one place never shifts another's stream. Also the exact Poisson(1) and Binomial
 * samplers the bootstrap needs. No global state. */
#include "internal.h"

#include <math.h>
#include <string.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t read_le64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v; /* one unaligned load; the hash of the keys is on every decision's path */
    memcpy(&v, p, sizeof v);
    return v;
#else
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = (v << 8) | p[k];
    return v;
#endif
}

#define SIPROUND                                                                            \
    do {                                                                                    \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                           \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                               \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                               \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                            \
    } while (0)

FAIRC_API uint64_t fairc_siphash(const void *data, size_t n, uint64_t k0, uint64_t k1)
{
    const unsigned char *p = data;
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t full = n - n % 8;
    for (size_t at = 0; at < full; at += 8) {
        uint64_t m = read_le64(p + at);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)(n & 0xff) << 56;
    for (size_t k = 0; k < n % 8; k++) last |= (uint64_t)p[full + k] << (8 * k);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* "fairc_v1" as a little-endian number: SPEC §1.7's k1. */
#define FAIRC_SIP_K1 0x66616972635f7631ull

FAIRC_API void fairc_rng_seed(fairc_rng *r, uint64_t seed, const char *purpose)
{
    uint64_t x = fairc_siphash(purpose, strlen(purpose), seed, FAIRC_SIP_K1);
    for (int k = 0; k < 4; k++) r->s[k] = splitmix64(&x);
}

FAIRC_API uint64_t fairc_rng_next(fairc_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

FAIRC_API double fairc_rng_uniform(fairc_rng *r)
{
    return (double)(fairc_rng_next(r) >> 11) * 0x1.0p-53;
}

double fairc_rng_normal(fairc_rng *r)
{
    /* Box-Muller on (0,1] x [0,1): one normal per call, the second discarded for simplicity. */
    double u = 1.0 - fairc_rng_uniform(r), v = fairc_rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

uint64_t fairc_rng_poisson1(fairc_rng *r)
{
    /* Inversion: P(k) = e^-1 / k!. The loop ends after 1.7 steps on average. */
    double u = fairc_rng_uniform(r), p = 0.36787944117144233, cdf = p;
    uint64_t k = 0;
    while (u >= cdf && k < 64) {
        k++;
        p /= (double)k;
        cdf += p;
    }
    return k;
}

/* log(k!) through lgamma; exact enough for the acceptance test below. */
static double log_factorial(double k) { return lgamma(k + 1.0); }

/* Binomial(n, p) for n p < 10: inversion by sequential search from 0. */
static uint64_t binomial_inversion(fairc_rng *r, uint64_t n, double p)
{
    double q = 1.0 - p, s = p / q, a = (double)(n + 1) * s;
    for (;;) {
        double f = pow(q, (double)n), u = fairc_rng_uniform(r);
        uint64_t k = 0;
        while (u > f) {
            u -= f;
            k++;
            if (k > n) break;
            f *= a / (double)k - s;
        }
        if (k <= n) return k;
        /* Rounding left u above the total mass: draw again. */
    }
}

/* Binomial(n, p) for n p >= 10, p <= 0.5: Hormann's BTRS (transformed rejection with squeeze,
 * "The generation of binomial random variates", 1993). Exact up to floating-point rounding. */
static uint64_t binomial_btrs(fairc_rng *r, uint64_t n, double p)
{
    double nd = (double)n, q = 1.0 - p, spq = sqrt(nd * p * q);
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = nd * p + 0.5;
    double alpha = (2.83 + 5.1 / b) * spq, vr = 0.92 - 4.2 / b, lpq = log(p / q);
    double m = floor((nd + 1.0) * p), h = log_factorial(m) + log_factorial(nd - m);
    for (;;) {
        double u = fairc_rng_uniform(r) - 0.5, v = fairc_rng_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + c);
        if (k < 0 || k > nd) continue;
        if (us >= 0.07 && v <= vr) return (uint64_t)k;
        if (v <= 0) continue;
        v = log(v * alpha / (a / (us * us) + b));
        if (v <= h - log_factorial(k) - log_factorial(nd - k) + (k - m) * lpq) return (uint64_t)k;
    }
}

uint64_t fairc_rng_binomial(fairc_rng *r, uint64_t n, double p)
{
    if (n == 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    int flip = p > 0.5;
    double pp = flip ? 1.0 - p : p;
    uint64_t k = (double)n * pp < 10 ? binomial_inversion(r, n, pp) : binomial_btrs(r, n, pp);
    return flip ? n - k : k;
}
