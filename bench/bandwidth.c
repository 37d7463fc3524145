/* bandwidth.c: this machine's read bandwidth, for kernel_bench. Built on its own with -O3 (and
 * -march=native where the compiler takes it): it measures what the hardware can stream, so it may
 * use every vector instruction the CPU has, unlike the portable library build. */
#include "bandwidth.h"

#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* GCC/clang vector extension: 32-byte loads into four independent accumulators, so the loop waits
 * on memory and not on the adds. */
typedef uint64_t v4u64 __attribute__((vector_size(32)));

static uint64_t sum_range(const v4u64 *p, size_t n)
{
    v4u64 a = {0, 0, 0, 0}, b = a, c = a, d = a;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    for (; i < n; i++) a += p[i];
    v4u64 s = a + b + c + d;
    return s[0] + s[1] + s[2] + s[3];
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_read_seconds(const void *buf, size_t bytes, int threads, uint64_t *sink)
{
    const v4u64 *p = buf;
    size_t n = bytes / sizeof(v4u64);
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
