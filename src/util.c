/* util.c: status messages, the growable buffer, strict number parsing, a string hash map and
 * atomic output files: small pieces every other file uses. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FAIRC_API const char *fairc_version(void) { return FAIRC_VERSION; }

int fairc_failv(fairc_status *st, int code, const char *fmt, va_list ap)
{
    if (st) {
        st->code = code;
        vsnprintf(st->message, sizeof st->message, fmt, ap);
    }
    return code;
}

int fairc_fail(fairc_status *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fairc_failv(st, code, fmt, ap);
    va_end(ap);
    if (st) st->line = st->col = 0;
    return code;
}

int fairc_fail_at(fairc_status *st, int code, const char *name, long line, long col,
                  const char *fmt, ...)
{
    if (!st) return code;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    st->code = code;
    st->line = line;
    st->col = col;
    if (line > 0)
        snprintf(st->message, sizeof st->message, "%.100s:%ld:%ld: %.360s", name, line, col, what);
    else
        snprintf(st->message, sizeof st->message, "%.100s: %.390s", name, what);
    return code;
}

int fairc_fail_errno(fairc_status *st, int code, const char *path, const char *what)
{
    return fairc_fail(st, code, "%.200s: %s: %s", path, what, strerror(errno));
}

int fairc_buf_reserve(fairc_buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void fairc_buf_add(fairc_buf *b, const void *data, size_t n)
{
    if (fairc_buf_reserve(b, n) != 0) return;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}

void fairc_buf_puts(fairc_buf *b, const char *s) { fairc_buf_add(b, s, strlen(s)); }

void fairc_buf_printf(fairc_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && fairc_buf_reserve(b, (size_t)n) == 0) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

char **fairc_strdup_list(const char *const *s, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    if (!out) return NULL;
    for (size_t k = 0; k < n; k++)
        if (!(out[k] = strdup(s[k]))) {
            for (size_t j = 0; j < k; j++) free(out[j]);
            free(out);
            return NULL;
        }
    return out;
}

void fairc_escape_name(fairc_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == ',' || *s == '=') fairc_buf_add(b, "\\", 1);
        fairc_buf_add(b, s, 1);
    }
}

void fairc_buf_free(fairc_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

int fairc_parse_double(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) {
        /* Long numbers are rare; accept up to 63 bytes, which covers every double's %.17g. */
        if (n == 0) return -1;
        return -1;
    }
    /* strtod accepts leading spaces, hex, "inf" and "nan": refuse all of them. */
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return -1;
    }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + n || !isfinite(v)) return -1;
    if (errno == ERANGE && v != 0) return -1; /* overflow; underflow to 0 or denormal is fine */
    *out = v;
    return 0;
}

/* FNV-1a, 64-bit: fast and good enough for group keys. */
static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < n; k++) {
        h ^= (unsigned char)s[k];
        h *= 1099511628211ull;
    }
    return h;
}

static int strmap_grow(fairc_strmap *m)
{
    size_t cap = m->cap ? 2 * m->cap : 64;
    size_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t k = 0; k < m->n; k++) {
        size_t at = (size_t)m->hash[k] & (cap - 1);
        while (slots[at]) at = (at + 1) & (cap - 1);
        slots[at] = k + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

long fairc_strmap_find(const fairc_strmap *m, const char *key, size_t n)
{
    if (!m->cap) return -1;
    uint64_t h = fnv1a(key, n);
    size_t at = (size_t)h & (m->cap - 1);
    while (m->slots[at]) {
        size_t k = m->slots[at] - 1;
        if (m->hash[k] == h && m->key_len[k] == n && memcmp(m->keys[k], key, n) == 0)
            return (long)k;
        at = (at + 1) & (m->cap - 1);
    }
    return -1;
}

long fairc_strmap_intern(fairc_strmap *m, const char *key, size_t n, int *inserted)
{
    if (inserted) *inserted = 0;
    long found = fairc_strmap_find(m, key, n);
    if (found >= 0) return found;
    if ((m->n + 1) * 2 > m->cap && strmap_grow(m) != 0) return -1;
    if (m->n == m->keys_cap) {
        size_t cap = m->keys_cap ? 2 * m->keys_cap : 16;
        char **keys = realloc(m->keys, cap * sizeof *keys);
        if (!keys) return -1;
        m->keys = keys;
        size_t *lens = realloc(m->key_len, cap * sizeof *lens);
        if (!lens) return -1;
        m->key_len = lens;
        uint64_t *hash = realloc(m->hash, cap * sizeof *hash);
        if (!hash) return -1;
        m->hash = hash;
        m->keys_cap = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy) return -1;
    memcpy(copy, key, n);
    copy[n] = 0;
    uint64_t h = fnv1a(key, n);
    size_t k = m->n++;
    m->keys[k] = copy;
    m->key_len[k] = n;
    m->hash[k] = h;
    size_t at = (size_t)h & (m->cap - 1);
    while (m->slots[at]) at = (at + 1) & (m->cap - 1);
    m->slots[at] = k + 1;
    if (inserted) *inserted = 1;
    return (long)k;
}

void fairc_strmap_free(fairc_strmap *m)
{
    for (size_t k = 0; k < m->n; k++) free(m->keys[k]);
    free(m->keys);
    free(m->key_len);
    free(m->hash);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

int fairc_atomic_open(fairc_atomic_file *a, const char *path, fairc_status *st)
{
    memset(a, 0, sizeof *a);
    a->path = path;
    if (strcmp(path, "-") == 0) {
        a->f = stdout;
        a->is_stdout = 1;
        return FAIRC_OK;
    }
    if ((size_t)snprintf(a->tmp, sizeof a->tmp, "%s.tmp.XXXXXX", path) >= sizeof a->tmp)
        return fairc_fail(st, FAIRC_EIO, "%.200s: path too long", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) return fairc_fail_errno(st, FAIRC_EIO, path, "cannot create a temporary file");
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        fairc_fail_errno(st, FAIRC_EIO, path, "cannot open a temporary file");
        close(fd);
        unlink(a->tmp);
        return FAIRC_EIO;
    }
    return FAIRC_OK;
}

int fairc_atomic_close(fairc_atomic_file *a, int ok, fairc_status *st)
{
    if (!a->f) return ok ? FAIRC_OK : FAIRC_EIO;
    if (a->is_stdout) {
        int good = fflush(stdout) == 0 && !ferror(stdout);
        a->f = NULL;
        if (ok && !good) return fairc_fail_errno(st, FAIRC_EIO, "<stdout>", "cannot write");
        return FAIRC_OK;
    }
    int good = ok && fflush(a->f) == 0 && !ferror(a->f) && fsync(fileno(a->f)) == 0;
    if (fclose(a->f) != 0) good = 0;
    a->f = NULL;
    if (good && rename(a->tmp, a->path) == 0) return FAIRC_OK;
    if (ok) fairc_fail_errno(st, FAIRC_EIO, a->path, "cannot write");
    unlink(a->tmp);
    return FAIRC_EIO;
}
