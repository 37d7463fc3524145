/* reader.c: the streaming record reader's shell: options, opening a file or a memory buffer,
 * the block input shared by both formats (see reader_internal.h), the accessors and error
 * messages. Not here: the formats themselves (csv.c, arff.c), and any typing or conversion of
 * values, which belongs to the consumers (audit, table loading). */
#include "reader_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const default_na[] = {"", "?", "NA", "NaN"};

FAIRC_API void fairc_read_options_init(fairc_read_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->format = FAIRC_FORMAT_AUTO;
    o->sep = ',';
    o->na_values = NULL;
    o->n_na_values = 0;
    o->max_field_bytes = (size_t)1 << 20;
    o->max_columns = 100000;
}

static int ends_with_arff(const char *s)
{
    size_t n = strlen(s);
    if (n < 5) return 0;
    const char *e = s + n - 5, *want = ".arff";
    for (int k = 0; k < 5; k++) {
        char c = e[k];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != want[k]) return 0;
    }
    return 1;
}

static void reader_free_all(fairc_reader *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    free(r->name);
    free(r->na_len);
    free(r->buf);
    fairc_strmap_free(&r->names);
    if (r->levels)
        for (size_t j = 0; j < r->ncols; j++) fairc_strmap_free(&r->levels[j]);
    free(r->levels);
    free(r->coltype);
    free(r->rec);
    free(r->foff);
    free(r->flen);
    free(r->miss);
    free(r);
}

FAIRC_API void fairc_reader_free(fairc_reader **r)
{
    if (!r) return;
    reader_free_all(*r);
    *r = NULL;
}

/* Reads up to want bytes from the source into dst; returns the count (0 at the end), or -1. */
static long source_read(fairc_reader *r, unsigned char *dst, size_t want, fairc_status *st)
{
    if (r->fd < 0) {
        size_t left = r->mem_len - r->mem_pos;
        size_t n = want < left ? want : left;
        if (n) memcpy(dst, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        return (long)n;
    }
    if (want > (size_t)1 << 30) want = (size_t)1 << 30; /* keep the count inside a long */
    for (;;) {
        ssize_t got = read(r->fd, dst, want);
        if (got >= 0) return (long)got;
        if (errno == EINTR) continue;
        fairc_fail_errno(st, FAIRC_EIO, r->name, "cannot read");
        return -1;
    }
}

int fairc_reader_fill(fairc_reader *r, fairc_status *st)
{
    if (r->eof) return 0;
    size_t keep = r->len - r->pos;
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, keep);
        r->base += r->pos;
        r->pos = 0;
        r->len = keep;
    }
    /* A record filling half the buffer doubles it, so a record of L bytes is re-scanned
     * O(log L) times at most and the total work stays O(L). */
    if (r->cap - r->len < r->cap / 2 || r->cap == r->len) {
        if (r->cap > SIZE_MAX / 4) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name), -1;
        size_t cap = 2 * r->cap;
        unsigned char *p = realloc(r->buf, cap + 1 + FAIRC_READER_SLACK);
        if (!p) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name), -1;
        r->buf = p;
        r->cap = cap;
    }
    size_t added = 0;
    while (r->len < r->cap) {
        long got = source_read(r, r->buf + r->len, r->cap - r->len, st);
        if (got < 0) {
            memset(r->buf + r->len, 0, 1 + FAIRC_READER_SLACK);
            return -1;
        }
        if (got == 0) {
            r->eof = 1;
            break;
        }
        r->len += (size_t)got;
        added += (size_t)got;
    }
    memset(r->buf + r->len, 0, 1 + FAIRC_READER_SLACK);
    return added > 0 ? 1 : 0;
}

int fairc_reader_rec_reserve(fairc_reader *r, size_t need, fairc_status *st)
{
    if (need <= r->rec_cap) return FAIRC_OK;
    size_t cap = r->rec_cap ? r->rec_cap : 1024;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
        cap *= 2;
    }
    char *p = realloc(r->rec, cap);
    if (!p) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
    r->rec = p;
    r->rec_cap = cap;
    return FAIRC_OK;
}

int fairc_reader_fields_reserve(fairc_reader *r, size_t n, fairc_status *st)
{
    if (n <= r->fcap) return FAIRC_OK;
    size_t cap = r->fcap ? r->fcap : 16;
    while (cap < n) cap = cap > SIZE_MAX / 2 ? n : 2 * cap;
    if (cap > SIZE_MAX / sizeof(size_t)) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
    size_t *foff = realloc(r->foff, cap * sizeof *foff);
    if (!foff) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
    r->foff = foff;
    size_t *flen = realloc(r->flen, cap * sizeof *flen);
    if (!flen) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
    r->flen = flen;
    unsigned char *miss = realloc(r->miss, cap);
    if (!miss) return fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", r->name);
    r->miss = miss;
    r->fcap = cap;
    return FAIRC_OK;
}

int fairc_utf8_check(const unsigned char *p, size_t n, const char **why, size_t *bad_at)
{
    size_t k = 0;
    while (k < n) {
        unsigned c = p[k];
        if (c == 0) {
            *why = "NUL byte";
            *bad_at = k;
            return -1;
        }
        if (c < 0x80) {
            k++;
            continue;
        }
        int len = fairc_utf8_seq(p + k, n - k, 1, why);
        if (len <= 0) {
            *bad_at = k;
            return -1;
        }
        k += (size_t)len;
    }
    return 0;
}

void fairc_reader_show(char *dst, size_t cap, const char *s, size_t n)
{
    if (cap == 0) return;
    size_t o = 0, k = 0;
    const size_t room = cap > 4 ? cap - 4 : 0; /* keep space for "..." and the NUL */
    for (; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        char esc[8];
        size_t w;
        if (c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            w = 2;
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02X", c);
            w = 4;
        } else {
            esc[0] = (char)c;
            w = 1;
        }
        if (o + w > room) break;
        memcpy(dst + o, esc, w);
        o += w;
    }
    if (k < n) {
        /* Cut before any partial UTF-8 sequence: drop trailing bytes of an unfinished one. */
        if (((unsigned char)s[k] & 0xC0) == 0x80) {
            size_t back = o;
            while (back > 0 && ((unsigned char)dst[back - 1] & 0xC0) == 0x80) back--;
            if (back > 0 && (unsigned char)dst[back - 1] >= 0xC0) o = back - 1;
        }
        if (o + 3 < cap) {
            memcpy(dst + o, "...", 3);
            o += 3;
        }
    }
    dst[o] = 0;
}

/* Checks the options and fills r's copies of them. */
static int take_options(fairc_reader *r, const fairc_read_options *opt, fairc_status *st)
{
    fairc_read_options def;
    if (!opt) {
        fairc_read_options_init(&def);
        opt = &def;
    }
    if (opt->format < FAIRC_FORMAT_AUTO || opt->format > FAIRC_FORMAT_ARFF)
        return fairc_fail(st, FAIRC_EINVAL, "read options: unknown format %d", opt->format);
    unsigned char sep = (unsigned char)(opt->sep ? opt->sep : ',');
    /* The delimiter must not be a byte the parser gives another meaning. */
    if (sep == '"' || sep == '\n' || sep == '\r' || sep >= 0x80)
        return fairc_fail(st, FAIRC_EINVAL,
                          "read options: the separator cannot be a double quote, CR, LF or a "
                          "non-ASCII byte");
    r->sep = sep;
    r->max_field_bytes = opt->max_field_bytes ? opt->max_field_bytes : (size_t)1 << 20;
    r->max_columns = opt->max_columns ? opt->max_columns : 100000;
    const char *const *na = opt->na_values;
    size_t n_na = opt->n_na_values;
    if (na == NULL) {
        if (n_na != 0)
            return fairc_fail(st, FAIRC_EINVAL, "read options: n_na_values > 0 but na_values is NULL");
        na = default_na;
        n_na = sizeof default_na / sizeof default_na[0];
    }
    r->na_custom = opt->na_values != NULL;
    r->na_values = na;
    r->n_na = n_na;
    if (n_na) {
        if (n_na > SIZE_MAX / sizeof(size_t)) return fairc_fail(st, FAIRC_EINVAL, "read options: too many na_values");
        r->na_len = malloc(n_na * sizeof *r->na_len);
        if (!r->na_len) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t k = 0; k < n_na; k++) {
            if (!na[k]) return fairc_fail(st, FAIRC_EINVAL, "read options: na_values[%zu] is NULL", k);
            r->na_len[k] = strlen(na[k]);
        }
    }
    return FAIRC_OK;
}

/* Builds the CSV byte classes from the delimiter. */
static void build_tables(fairc_reader *r)
{
    memset(r->stop_unquoted, 0, sizeof r->stop_unquoted);
    memset(r->stop_quoted, 0, sizeof r->stop_quoted);
    memset(r->is_space, 0, sizeof r->is_space);
    for (int c = 0x80; c < 256; c++) r->stop_unquoted[c] = r->stop_quoted[c] = 1; /* UTF-8 check */
    const unsigned char both[] = {0, '"', '\n', '\r'};
    for (size_t k = 0; k < sizeof both; k++) r->stop_unquoted[both[k]] = r->stop_quoted[both[k]] = 1;
    r->stop_unquoted[r->sep] = 1;
    /* A tab (or space) delimiter is never trimmed away, or empty fields would vanish. */
    if (r->sep != ' ') r->is_space[' '] = 1;
    if (r->sep != '\t') r->is_space['\t'] = 1;
}

int fairc_reader_open_block(const char *path, const void *mem, size_t n_bytes, const char *name,
                            const fairc_read_options *opt, size_t block_bytes, fairc_reader **out,
                            fairc_status *st)
{
    fairc_status dummy; /* the formats read st->code back */
    if (!st) st = &dummy;
    if (!out) return fairc_fail(st, FAIRC_EINVAL, "fairc_reader_open: out is NULL");
    *out = NULL;
    if (!mem && !path) return fairc_fail(st, FAIRC_EINVAL, "fairc_reader_open: path is NULL");
    fairc_reader *r = calloc(1, sizeof *r);
    if (!r) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    r->fd = -1;
    const char *nm = path ? path : (name ? name : "<memory>");
    r->name = malloc(strlen(nm) + 1);
    if (!r->name) {
        reader_free_all(r);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    strcpy(r->name, nm);
    int rc = take_options(r, opt, st);
    if (rc) {
        reader_free_all(r);
        return rc;
    }
    int format = opt ? opt->format : FAIRC_FORMAT_AUTO;
    if (format == FAIRC_FORMAT_AUTO) format = ends_with_arff(nm) ? FAIRC_FORMAT_ARFF : FAIRC_FORMAT_CSV;
    r->format = format;
    build_tables(r);

    if (path) {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            fairc_fail_errno(st, FAIRC_EIO, path, "cannot open");
            reader_free_all(r);
            return FAIRC_EIO;
        }
        struct stat sb;
        if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) r->size = (uint64_t)sb.st_size;
    } else {
        r->mem = mem;
        r->mem_len = n_bytes;
        r->size = n_bytes;
    }

    size_t block = block_bytes ? block_bytes : FAIRC_READER_BLOCK_BYTES;
    if (block > SIZE_MAX / 4) block = SIZE_MAX / 4;
    r->buf = malloc(block + 1 + FAIRC_READER_SLACK);
    if (!r->buf) {
        reader_free_all(r);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    memset(r->buf, 0, 1 + FAIRC_READER_SLACK);
    r->cap = block;
    r->line = 1;

    /* A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name. */
    while (r->len - r->pos < 3 && !r->eof) {
        if (fairc_reader_fill(r, st) < 0) {
            reader_free_all(r);
            return st->code;
        }
    }
    if (r->len - r->pos >= 3 && r->buf[r->pos] == 0xEF && r->buf[r->pos + 1] == 0xBB &&
        r->buf[r->pos + 2] == 0xBF)
        r->pos += 3;

    rc = format == FAIRC_FORMAT_ARFF ? fairc_arff_open(r, st) : fairc_csv_open(r, st);
    if (rc) {
        reader_free_all(r);
        return rc;
    }
    *out = r;
    return FAIRC_OK;
}

FAIRC_API int fairc_reader_open(const char *path, const fairc_read_options *opt, fairc_reader **out,
                                fairc_status *st)
{
    if (!path) {
        if (out) *out = NULL;
        return fairc_fail(st, FAIRC_EINVAL, "fairc_reader_open: path is NULL");
    }
    return fairc_reader_open_block(path, NULL, 0, NULL, opt, 0, out, st);
}

FAIRC_API int fairc_reader_open_memory(const void *buf, size_t n_bytes, const char *name,
                                       const fairc_read_options *opt, fairc_reader **out,
                                       fairc_status *st)
{
    if (!buf && n_bytes > 0) {
        if (out) *out = NULL;
        return fairc_fail(st, FAIRC_EINVAL, "fairc_reader_open_memory: buf is NULL");
    }
    static const unsigned char empty[1] = {0};
    return fairc_reader_open_block(NULL, buf ? buf : empty, buf ? n_bytes : 0, name, opt, 0, out, st);
}

FAIRC_API size_t fairc_reader_ncols(const fairc_reader *r) { return r ? r->ncols : 0; }

FAIRC_API const char *fairc_reader_colname(const fairc_reader *r, size_t j)
{
    return r && j < r->ncols ? r->names.keys[j] : NULL;
}

FAIRC_API long fairc_reader_find(const fairc_reader *r, const char *name)
{
    if (!r || !name) return -1;
    return fairc_strmap_find(&r->names, name, strlen(name));
}

FAIRC_API int fairc_reader_coltype(const fairc_reader *r, size_t j)
{
    return r && j < r->ncols ? r->coltype[j] : FAIRC_COL_UNTYPED;
}

FAIRC_API size_t fairc_reader_nlevels(const fairc_reader *r, size_t j)
{
    return r && j < r->ncols && r->levels ? r->levels[j].n : 0;
}

FAIRC_API const char *fairc_reader_level(const fairc_reader *r, size_t j, size_t k)
{
    if (!r || j >= r->ncols || !r->levels || k >= r->levels[j].n) return NULL;
    return r->levels[j].keys[k];
}

FAIRC_API int fairc_reader_next(fairc_reader *r, fairc_status *st)
{
    if (!r) {
        fairc_fail(st, FAIRC_EINVAL, "fairc_reader_next: reader is NULL");
        return -1;
    }
    /* After an error or the end, the reader stays there: the same answer again. */
    if (r->failed) {
        if (st) *st = r->err;
        return -1;
    }
    if (r->done) return 0;
    r->have_rec = 0;
    int rc = r->format == FAIRC_FORMAT_ARFF ? fairc_arff_next(r, &r->err) : fairc_csv_next(r, &r->err);
    if (rc < 0) {
        r->failed = 1;
        if (st) *st = r->err;
        return -1;
    }
    if (rc == 0) r->done = 1;
    else r->have_rec = 1;
    return rc;
}

FAIRC_API const char *fairc_reader_field(const fairc_reader *r, size_t j, size_t *n_bytes)
{
    if (!r || !r->have_rec || j >= r->ncols) {
        if (n_bytes) *n_bytes = 0;
        return NULL;
    }
    if (n_bytes) *n_bytes = r->flen[j];
    return r->rec + r->foff[j];
}

FAIRC_API int fairc_reader_missing(const fairc_reader *r, size_t j)
{
    if (!r || !r->have_rec || j >= r->ncols) return 0;
    if (r->format == FAIRC_FORMAT_ARFF) return r->miss[j];
    /* CSV: decided here, when asked, so records nobody asks about cost nothing. */
    const char *f = r->rec + r->foff[j];
    size_t n = r->flen[j];
    for (size_t k = 0; k < r->n_na; k++)
        if (r->na_len[k] == n && memcmp(r->na_values[k], f, n) == 0) return 1;
    return 0;
}

FAIRC_API long fairc_reader_line(const fairc_reader *r) { return r ? r->rec_line : 0; }

FAIRC_API const char *fairc_reader_name(const fairc_reader *r) { return r ? r->name : NULL; }

FAIRC_API uint64_t fairc_reader_offset(const fairc_reader *r) { return r ? r->base + r->pos : 0; }

FAIRC_API uint64_t fairc_reader_size(const fairc_reader *r) { return r ? r->size : 0; }

FAIRC_API int fairc_reader_error(const fairc_reader *r, size_t col, int code, fairc_status *st,
                                 const char *fmt, ...)
{
    char what[400] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
    }
    /* One line whatever the caller put in (a field value may hold a newline). */
    char shown[400];
    fairc_reader_show(shown, sizeof shown, what, strlen(what));
    if (!r) return fairc_fail(st, code, "%s", shown);
    /* Always NAME:LINE:COL, so that tools parsing messages see one shape: "no particular
     * field" is reported as field 1. Before the first record, the line is where reading is. */
    long line = r->rec_line > 0 ? r->rec_line : r->line;
    long c = col == 0 ? 1 : (col > (size_t)LONG_MAX ? LONG_MAX : (long)col);
    return fairc_fail_at(st, code, r->name, line, c, "%s", shown);
}
