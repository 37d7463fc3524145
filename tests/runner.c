/* runner.c: runs every registered test (or those whose name contains one of argv[1..]) and
 * prints one line per failure, then "N passed, N failed, N skipped". Exit 1 on any failure. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    const char *name, *file;
    test_fn fn;
} test_case;

static test_case *g_tests;
static size_t g_n, g_cap;
static int g_failed_now, g_skipped_now;
static const char *g_current;
static char g_tmpdir[256];

void test_register(const char *name, test_fn fn, const char *file)
{
    if (g_n == g_cap) {
        g_cap = g_cap ? 2 * g_cap : 256;
        g_tests = realloc(g_tests, g_cap * sizeof *g_tests);
        if (!g_tests) abort();
    }
    g_tests[g_n++] = (test_case){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    if (g_failed_now < 5) {
        fprintf(stdout, "FAIL %s (%s:%d): ", g_current, file, line);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
    }
    g_failed_now++;
}

void test_skip(const char *why)
{
    fprintf(stdout, "SKIP %s: %s\n", g_current, why);
    g_skipped_now = 1;
}

int test_near(double a, double b, double atol, double rtol)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return 1;
    return fabs(a - b) <= atol + rtol * fabs(b);
}

const char *test_shared_path(const char *rel, char *buf, size_t n)
{
    const char *root = getenv("FAIRC_SHARED");
    if (!root || !*root) root = "../shared";
    snprintf(buf, n, "%s/%s", root, rel);
    struct stat sb;
    return stat(buf, &sb) == 0 ? buf : NULL;
}

const char *test_fairc_bin(void)
{
    const char *b = getenv("FAIRC_BIN");
    return b && *b ? b : "bin/fairc";
}

const char *test_tmpdir(void)
{
    if (!g_tmpdir[0]) {
        snprintf(g_tmpdir, sizeof g_tmpdir, "/tmp/fairc-test-XXXXXX");
        if (!mkdtemp(g_tmpdir)) abort();
    }
    return g_tmpdir;
}

const char *test_write_file(const char *name, const void *data, size_t n, char *buf, size_t bufn)
{
    snprintf(buf, bufn, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(buf, "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
    return buf;
}

char *test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *p = malloc(cap + 1);
    size_t got;
    while (p && (got = fread(p + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *q = realloc(p, 2 * cap + 1);
            if (!q) { free(p); p = NULL; break; }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (!p) return NULL;
    p[len] = 0;
    if (n) *n = len;
    return p;
}

int test_run_fairc(const char *args, char **out, char **err)
{
    char cmd[8192], o[512], e[512];
    snprintf(o, sizeof o, "%s/stdout.txt", test_tmpdir());
    snprintf(e, sizeof e, "%s/stderr.txt", test_tmpdir());
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s </dev/null", test_fairc_bin(), args, o, e);
    int rc = system(cmd);
    if (out) *out = test_read_file(o, NULL);
    if (err) *err = test_read_file(e, NULL);
    if (rc == -1 || !WIFEXITED(rc)) return -1;
    return WEXITSTATUS(rc);
}

static void remove_tmpdir(void)
{
    if (g_tmpdir[0]) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_tmpdir);
    }
}

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2) return 1;
    for (int k = 1; k < argc; k++)
        if (strstr(name, argv[k])) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t passed = 0, failed = 0, skipped = 0;
    atexit(remove_tmpdir);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t k = 0; k < g_n; k++) {
        if (!wanted(g_tests[k].name, argc, argv)) continue;
        g_current = g_tests[k].name;
        g_failed_now = 0;
        g_skipped_now = 0;
        g_tests[k].fn();
        if (g_failed_now) failed++;
        else if (g_skipped_now) skipped++;
        else passed++;
    }
    printf("%zu passed, %zu failed, %zu skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
