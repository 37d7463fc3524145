/* cli_run.c: helpers shared by the CLI tests (declared in test.h): running fairc with a
 * printf-formatted argument string, and paths in the run's temporary directory. */
#include "test.h"

#include <stdarg.h>

int test_runf(char **out, char **err, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd) {
        test_fail(__FILE__, __LINE__, "test_runf: the command is longer than %zu bytes", sizeof cmd - 1);
        if (out) *out = NULL;
        if (err) *err = NULL;
        return -1;
    }
    return test_run_fairc(cmd, out, err);
}

const char *test_tmp_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
    return buf;
}
