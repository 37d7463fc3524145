/* sha256.c: SHA-256 as FIPS 180-4 defines it, written for clarity over speed (the only input is
 * the training file, read once at the end of training). Big-endian words, 64 rounds per 64-byte
 * block, the length in bits appended after a 0x80 byte and zero padding. No writable static
 * state: the round constants are const. */
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t h[8], const uint8_t *blk)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)blk[4 * t] << 24 | (uint32_t)blk[4 * t + 1] << 16 |
               (uint32_t)blk[4 * t + 2] << 8 | (uint32_t)blk[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + S1 + ch + K[t] + w[t];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

void fairc_sha256_init(fairc_sha256_ctx *c)
{
    /* First 32 bits of the fractional parts of the square roots of the first 8 primes. */
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, H0, sizeof H0);
    c->n_bytes = 0;
    c->fill = 0;
}

void fairc_sha256_update(fairc_sha256_ctx *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->n_bytes += n;
    if (c->fill) {
        size_t take = 64 - c->fill < n ? 64 - c->fill : n;
        memcpy(c->block + c->fill, p, take);
        c->fill += take;
        p += take;
        n -= take;
        if (c->fill < 64) return;
        compress(c->h, c->block);
        c->fill = 0;
    }
    for (; n >= 64; p += 64, n -= 64) compress(c->h, p);
    if (n) memcpy(c->block, p, n);
    c->fill = n;
}

void fairc_sha256_final(fairc_sha256_ctx *c, uint8_t out[32])
{
    uint64_t bits = c->n_bytes * 8;
    c->block[c->fill++] = 0x80;
    if (c->fill > 56) {
        memset(c->block + c->fill, 0, 64 - c->fill);
        compress(c->h, c->block);
        c->fill = 0;
    }
    memset(c->block + c->fill, 0, 56 - c->fill);
    for (int k = 0; k < 8; k++) c->block[56 + k] = (uint8_t)(bits >> (56 - 8 * k));
    compress(c->h, c->block);
    for (int k = 0; k < 8; k++) {
        out[4 * k] = (uint8_t)(c->h[k] >> 24);
        out[4 * k + 1] = (uint8_t)(c->h[k] >> 16);
        out[4 * k + 2] = (uint8_t)(c->h[k] >> 8);
        out[4 * k + 3] = (uint8_t)c->h[k];
    }
    c->fill = 0;
}

void fairc_sha256(const void *data, size_t n, uint8_t out[32])
{
    fairc_sha256_ctx c;
    fairc_sha256_init(&c);
    fairc_sha256_update(&c, data, n);
    fairc_sha256_final(&c, out);
}

void fairc_sha256_hex(const uint8_t digest[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int k = 0; k < 32; k++) {
        hex[2 * k] = digits[digest[k] >> 4];
        hex[2 * k + 1] = digits[digest[k] & 15];
    }
    hex[64] = 0;
}

int fairc_sha256_file(const char *path, uint8_t out[32], fairc_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fairc_fail_errno(st, FAIRC_EIO, path, "cannot open");
    unsigned char *buf = malloc(1 << 16);
    if (!buf) {
        fclose(f);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    fairc_sha256_ctx c;
    fairc_sha256_init(&c);
    size_t got;
    while ((got = fread(buf, 1, 1 << 16, f)) > 0) fairc_sha256_update(&c, buf, got);
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    free(buf);
    if (bad) {
        errno = saved;
        return fairc_fail_errno(st, FAIRC_EIO, path, "cannot read");
    }
    fairc_sha256_final(&c, out);
    return FAIRC_OK;
}
