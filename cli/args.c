/* args.c: small helpers the subcommands share: options, strict numbers, lists, progress, output. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_opt(int argc, char **argv, int *i, const char *name, int *bad)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != 0) return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "fairc: %s needs a value\n", name);
        *bad = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_flag(char **argv, int i, const char *name) { return strcmp(argv[i], name) == 0; }

int cli_double(const char *name, const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || !isfinite(v)) {
        fprintf(stderr, "fairc: %s: '%s' is not a finite number\n", name, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_u64(const char *name, const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (*s == '-' || *s == '+' || !*s) {
        fprintf(stderr, "fairc: %s: '%s' is not a non-negative integer\n", name, s);
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (*end == 'e' || *end == 'E') { /* 1e7 for convenience */
        double d;
        if (cli_double(name, s, &d) != 0) return -1;
        if (d < 0 || d > 1.8e19 || d != floor(d)) {
            fprintf(stderr, "fairc: %s: '%s' is not a non-negative integer\n", name, s);
            return -1;
        }
        *out = (uint64_t)d;
        return 0;
    }
    if (*end || errno == ERANGE) {
        fprintf(stderr, "fairc: %s: '%s' is not a non-negative integer\n", name, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_split(const char *list, char ***items, size_t *n)
{
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char **grown = realloc(*items, (*n + 1) * sizeof **items);
        if (!grown) return -1;
        *items = grown;
        char *s = malloc(len + 1);
        if (!s) return -1;
        memcpy(s, p, len);
        s[len] = 0;
        (*items)[(*n)++] = s;
        if (!e) return 0;
        p = e + 1;
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_init(cli_progress *p, const char *what)
{
    p->enabled = isatty(fileno(stderr));
    p->start_s = now_s();
    p->what = what;
}

int cli_progress_cb(void *user, double fraction, const char *what)
{
    cli_progress *p = user;
    if (!p->enabled) return 0;
    double el = now_s() - p->start_s;
    if (fraction > 0 && fraction <= 1) {
        int w = 30, fill = (int)(fraction * w);
        double eta = el / fraction - el;
        fprintf(stderr, "\r%s %s [%.*s%*s] %3.0f%% %.0fs left  ", p->what, what, fill,
                "##############################", w - fill, "", 100 * fraction, eta);
    } else {
        fprintf(stderr, "\r%s %s... %.0fs  ", p->what, what, el);
    }
    return 0;
}

void cli_progress_done(cli_progress *p)
{
    if (p->enabled) fprintf(stderr, "\r%60s\r", "");
}

int cli_write_output(const char *path, const char *text)
{
    if (!path || strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp) return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "fairc: %s: cannot create a temporary file: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text), done = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    int ok = done == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0) return 0;
    fprintf(stderr, "fairc: %s: cannot write: %s\n", path, strerror(errno));
    unlink(tmp);
    return -1;
}

int cli_read_opt(const char *cmd, int argc, char **argv, int *i, fairc_read_options *ro,
                 cli_na_list *na, int *bad)
{
    const char *v;
    if ((v = cli_opt(argc, argv, i, "--sep", bad))) {
        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0) ro->sep = '\t';
        else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') ro->sep = v[0];
        else {
            fprintf(stderr, "%s: --sep must be one character (not a quote or newline), or 'tab'\n", cmd);
            *bad = 1;
        }
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--na-values", bad))) {
        na->given = 1;
        if (*v && cli_split(v, &na->items, &na->n) != 0) *bad = 1;
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--format", bad))) {
        if (strcmp(v, "csv") == 0) ro->format = FAIRC_FORMAT_CSV;
        else if (strcmp(v, "arff") == 0) ro->format = FAIRC_FORMAT_ARFF;
        else if (strcmp(v, "auto") == 0) ro->format = FAIRC_FORMAT_AUTO;
        else {
            fprintf(stderr, "%s: --format: '%s' is not csv, arff or auto\n", cmd, v);
            *bad = 1;
        }
        return 1;
    }
    return *bad ? 1 : 0;
}

void cli_na_apply(const cli_na_list *na, fairc_read_options *ro)
{
    static const char *const nothing_missing[] = {"\x01"}; /* no field equals it */
    if (!na->given) return;
    ro->na_values = na->n ? (const char *const *)na->items : nothing_missing;
    ro->n_na_values = na->n ? na->n : 1;
}

void cli_na_free(cli_na_list *na)
{
    for (size_t k = 0; k < na->n; k++) free(na->items[k]);
    free(na->items);
    memset(na, 0, sizeof *na);
}
