/* test.h: a tiny test harness. Each test file defines TEST(name) { ... }; tests register
 * themselves at start-up and tests/runner.c runs them, ending with "N passed, N failed, N skipped"
 * and a non-zero exit status on any failure. A test that calls SKIP() counts as skipped. */
#ifndef FAIRC_TEST_H
#define FAIRC_TEST_H

#include "fairc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn, const char *file);
void test_fail(const char *file, int line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void test_skip(const char *why);
int test_near(double a, double b, double atol, double rtol);

/* Paths: the shared folder (../shared unless FAIRC_SHARED is set) and the fairc binary
 * (FAIRC_BIN, else bin/fairc). test_shared_path returns NULL if the file is absent. */
const char *test_shared_path(const char *rel, char *buf, size_t n);
const char *test_fairc_bin(void);
/* A fresh temporary directory for this run (removed at exit). */
const char *test_tmpdir(void);
/* Writes n bytes to a new file tmpdir/name and returns its path (static buffer per call site
 * is the caller's: buf). */
const char *test_write_file(const char *name, const void *data, size_t n, char *buf, size_t bufn);
/* Runs the fairc binary with args (a shell-quoted string), capturing stdout and stderr into
 * malloc'd strings; returns the exit status (or -1). */
int test_run_fairc(const char *args, char **out, char **err);
/* test_run_fairc with a printf-formatted argument string (tests/cli_run.c); out and err may be
 * NULL. A command longer than 4,095 bytes fails the test and returns -1. */
int test_runf(char **out, char **err, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* buf <- "tmpdir/name" (test_tmpdir()); returns buf. */
const char *test_tmp_path(const char *name, char *buf, size_t n);
/* Reads a whole file into a malloc'd NUL-terminated string, or NULL. */
char *test_read_file(const char *path, size_t *n);

#define TEST(name)                                                                          \
    static void name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                          \
    {                                                                                       \
        test_register(#name, name, __FILE__);                                               \
    }                                                                                       \
    static void name(void)

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                     \
    } while (0)
#define CHECK_MSG(cond, ...)                                                                \
    do {                                                                                    \
        if (!(cond)) test_fail(__FILE__, __LINE__, __VA_ARGS__);                            \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                  \
    do {                                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                                 \
        if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, \
                                #b, b_);                                                    \
    } while (0)
#define CHECK_STR(a, b)                                                                     \
    do {                                                                                    \
        const char *a_ = (a), *b_ = (b);                                                    \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                              \
            test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a,              \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                              \
    } while (0)
#define CHECK_NEAR(a, b, atol, rtol)                                                        \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        if (!test_near(a_, b_, (atol), (rtol)))                                             \
            test_fail(__FILE__, __LINE__, "%s = %.17g, expected %s = %.17g (atol %g rtol %g)", \
                      #a, a_, #b, b_, (double)(atol), (double)(rtol));                      \
    } while (0)
#define SKIP(why)                                                                           \
    do {                                                                                    \
        test_skip(why);                                                                     \
        return;                                                                             \
    } while (0)

#endif
