/* sha256.h: SHA-256 (FIPS 180-4; sha256.c), which the model file's META section keeps of the
 * training file, and CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32;
 * modelfile.c), which guards the whole model file. Internal. */
#ifndef FAIRC_SHA256_H
#define FAIRC_SHA256_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

/* Incremental hashing, so a file can be hashed while it is streamed:
 *     fairc_sha256_ctx c; fairc_sha256_init(&c);
 *     fairc_sha256_update(&c, chunk, n);  (any number of times, any chunk sizes)
 *     fairc_sha256_final(&c, digest);     (c must be initialised again before reuse) */
typedef struct fairc_sha256_ctx {
    uint32_t h[8];       /* chaining state */
    uint64_t n_bytes;    /* message length so far */
    uint8_t block[64];   /* pending partial block */
    size_t fill;         /* bytes pending in block, < 64 */
} fairc_sha256_ctx;

void fairc_sha256_init(fairc_sha256_ctx *c);
void fairc_sha256_update(fairc_sha256_ctx *c, const void *data, size_t n);
void fairc_sha256_final(fairc_sha256_ctx *c, uint8_t out[32]);
/* One-shot: out <- SHA-256 of data[0..n). */
void fairc_sha256(const void *data, size_t n, uint8_t out[32]);
/* Lower-case hexadecimal digest, NUL-terminated (65 bytes). */
void fairc_sha256_hex(const uint8_t digest[32], char hex[65]);
/* SHA-256 of a whole file's bytes, read in 64 KiB chunks (also declared in encode.h). */
int fairc_sha256_file(const char *path, uint8_t out[32], fairc_status *st);

/* CRC-32 of data[0..n) continuing from crc (0 to start): crc32("123456789") = 0xCBF43926. */
uint32_t fairc_crc32(uint32_t crc, const void *data, size_t n);

#endif
