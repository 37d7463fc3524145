/* internal.h: helpers shared across src/ (not installed). Symbols keep the fairc_ prefix because
 * libfairc.a cannot hide them; the shared library hides everything not marked FAIRC_API. */
#ifndef FAIRC_INTERNAL_H
#define FAIRC_INTERNAL_H

#include "fairc.h"

#include <stdarg.h>
#include <stdio.h>

#ifdef __GNUC__
#define FAIRC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FAIRC_PRINTF(a, b)
#endif

/* Sets st (if not NULL) to code and the formatted message; returns code. */
int fairc_fail(fairc_status *st, int code, const char *fmt, ...) FAIRC_PRINTF(3, 4);
int fairc_failv(fairc_status *st, int code, const char *fmt, va_list ap);
/* Like fairc_fail, with the position: message "name:line:col: ...". */
int fairc_fail_at(fairc_status *st, int code, const char *name, long line, long col,
                  const char *fmt, ...) FAIRC_PRINTF(6, 7);
/* Appends ": strerror(errno)" to a message about path. */
int fairc_fail_errno(fairc_status *st, int code, const char *path, const char *what);

/* Growable byte buffer, always NUL-terminated once anything was appended. */
typedef struct fairc_buf {
    char *p;
    size_t len, cap;
    int failed; /* an allocation failed; later appends do nothing */
} fairc_buf;
int fairc_buf_reserve(fairc_buf *b, size_t extra);
void fairc_buf_add(fairc_buf *b, const void *data, size_t n);
void fairc_buf_puts(fairc_buf *b, const char *s);
void fairc_buf_printf(fairc_buf *b, const char *fmt, ...) FAIRC_PRINTF(2, 3);
void fairc_buf_free(fairc_buf *b);

/* A new array of copies of s[0..n) (n may be 0: a 1-slot array); NULL on ENOMEM, with nothing
 * left allocated. */
char **fairc_strdup_list(const char *const *s, size_t n);

/* Appends s with '\\', ',' and '=' escaped by a backslash, as group names need (SPEC §1.5). */
void fairc_escape_name(fairc_buf *b, const char *s);

/* Neumaier-compensated sum (SPEC §1.7). */
typedef struct fairc_ksum {
    double s, c;
} fairc_ksum;
static inline void fairc_ksum_add(fairc_ksum *k, double x)
{
    double t = k->s + x;
    if ((k->s >= 0 ? k->s : -k->s) >= (x >= 0 ? x : -x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}
static inline double fairc_ksum_value(const fairc_ksum *k) { return k->s + k->c; }
/* Adds a finished partial (chunk order matters, so callers combine in chunk order). */
static inline void fairc_ksum_merge(fairc_ksum *k, const fairc_ksum *o)
{
    fairc_ksum_add(k, o->s);
    fairc_ksum_add(k, o->c);
}
#define FAIRC_CHUNK_ROWS 65536

/* Strict number parsing: the whole string must be a finite number (no NaN, no inf, no
 * overflow to inf). Returns 0 and sets *out, else -1. */
int fairc_parse_double(const char *s, size_t n, double *out);

/* String -> index hash map (open addressing), keys copied. */
typedef struct fairc_strmap {
    size_t *slots;   /* cap entries: index + 1, 0 = empty */
    size_t cap;
    char **keys;     /* n keys, in insertion order */
    size_t *key_len;
    uint64_t *hash;
    size_t n, keys_cap;
} fairc_strmap;
/* Returns the index of key, inserting it if absent (*inserted set to 1); -1 on ENOMEM. */
long fairc_strmap_intern(fairc_strmap *m, const char *key, size_t n, int *inserted);
long fairc_strmap_find(const fairc_strmap *m, const char *key, size_t n);
void fairc_strmap_free(fairc_strmap *m);

/* Writes through a temporary file in the target directory, renamed on success. */
typedef struct fairc_atomic_file {
    FILE *f;
    char tmp[4096];
    const char *path;
    int is_stdout;
} fairc_atomic_file;
int fairc_atomic_open(fairc_atomic_file *a, const char *path, fairc_status *st);
/* Flushes, fsyncs and renames when ok; otherwise (or on failure) removes the temporary file. */
int fairc_atomic_close(fairc_atomic_file *a, int ok, fairc_status *st);

/* Poisson(1) and Binomial(n, p) draws (exact), used by the bootstrap. */
uint64_t fairc_rng_poisson1(fairc_rng *r);
uint64_t fairc_rng_binomial(fairc_rng *r, uint64_t n, double p);
double fairc_rng_normal(fairc_rng *r);

#endif
