/* bandwidth.h: read-bandwidth probe for kernel_bench (bench/bandwidth.c). */
#ifndef FAIRC_BENCH_BANDWIDTH_H
#define FAIRC_BENCH_BANDWIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Seconds to sum the bytes of buf (64-byte aligned; whole 8-byte words are read) with `threads`
 * threads splitting it; the sum is added to *sink so the reads cannot be optimised away. */
double bench_read_seconds(const void *buf, size_t bytes, int threads, uint64_t *sink);

#endif
