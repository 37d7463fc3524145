/* bandwidth.c: this machine's read bandwidth, for kernel_bench. Built on its own with -O3 (and
 * -march=native where the compiler takes it): it measures what the hardware can stream, so it may
 * use every vector instruction the CPU has, unlike the portable library build. */
#include "bandwidth.h"

#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Four independent accumulators, so the loop waits on memory and not on the adds; -O3 vectorises
 * it with the widest loads the target has (on this machine's Xeon, 64-byte AVX-512 loads stream
 * faster from one core than 16- or 32-byte ones). */
static uint64_t sum_range(const uint64_t *p, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    for (; i < n; i++) a += p[i];
    return a + b + c + d;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_read_seconds(const void *buf, size_t bytes, int threads, uint64_t *sink)
{
    const uint64_t *p = buf;
    size_t n = bytes / sizeof(uint64_t);
    uint64_t total = 0;
    double t0 = seconds();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
        size_t k = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
        size_t lo = n * k / nt, hi = n * (k + 1) / nt;
        total += sum_range(p + lo, hi - lo);
    }
#else
    (void)threads;
    total = sum_range(p, n);
#endif
    double t = seconds() - t0;
    *sink += total;
    return t;
}
