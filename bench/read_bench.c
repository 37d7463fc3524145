/* read_bench.c: the CSV reader alone. Opens FILE with default options, iterates every record
 * with fairc_reader_next and touches every field (length and first byte), and parses one numeric
 * column (--sum COL, default "age") so the harness can check the rows against pandas.
 *
 * Prints one line: rows=N cols=C field_bytes=B checksum=X sum=S seconds=T maxrss_kib=M
 * (seconds: open to end of input; maxrss: this process's peak resident set). */
#include "fairc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *sum_col = "age";
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sum") == 0 && i + 1 < argc) sum_col = argv[++i];
        else if (!path && argv[i][0] != '-') path = argv[i];
        else bad = 1;
    }
    if (!path || bad) {
        fprintf(stderr, "usage: read_bench FILE [--sum COL]\n");
        return 2;
    }
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    fairc_status st = {0};
    fairc_reader *r = NULL;
    double t0 = now();
    if (fairc_reader_open(path, &ro, &r, &st) != FAIRC_OK) {
        fprintf(stderr, "read_bench: %s\n", st.message);
        return 1;
    }
    size_t ncols = fairc_reader_ncols(r);
    long sum_j = fairc_reader_find(r, sum_col);
    unsigned long long rows = 0, bytes = 0, checksum = 0;
    long long sum = 0;
    int rc;
    while ((rc = fairc_reader_next(r, &st)) == 1) {
        rows++;
        for (size_t j = 0; j < ncols; j++) {
            size_t n;
            const char *f = fairc_reader_field(r, j, &n);
            bytes += n;
            checksum += (unsigned char)f[0];
        }
        if (sum_j >= 0) sum += strtoll(fairc_reader_field(r, (size_t)sum_j, NULL), NULL, 10);
    }
    double t = now() - t0;
    fairc_reader_free(&r);
    if (rc < 0) {
        fprintf(stderr, "read_bench: %s\n", st.message);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("rows=%llu cols=%zu field_bytes=%llu checksum=%llu sum=%lld seconds=%.6f maxrss_kib=%ld\n",
           rows, ncols, bytes, checksum, sum, t, ru.ru_maxrss);
    return 0;
}
