/* csv.c: the CSV format of the record reader (RFC 4180 plus what real files need). Turns the
 * window of the block buffer (reader_internal.h) into one record of unquoted, trimmed,
 * NUL-terminated fields, or one precise error. Not here: opening, buffering and the accessors
 * (reader.c), or what the fields mean.
 *
 * Decisions, each tested in tests/test_csv.c:
 *  - Line ends are LF, CRLF, or a lone CR (old Mac files): all three end a record and count as
 *    one physical line. Inside quotes they are kept as data and still counted, so the line
 *    numbers of later records stay right.
 *  - Empty lines (no byte at all between two line ends) are skipped anywhere, also in a
 *    one-column file; write "" for an empty value there. A line of spaces is a record.
 *  - Spaces and tabs around a field are trimmed (Adult writes ", "), also around a quoted
 *    field and inside its quotes (SPEC 1.1: trimmed after unquoting). The delimiter itself is
 *    never trimmed: with sep '\t' only spaces are.
 *  - Missing is decided on the final bytes, so a quoted "" or "NA" is missing like a bare one.
 *  - max_field_bytes limits a field as it stands in the file (quotes, doubled quotes and
 *    padding included), so that the limit bounds the buffers directly.
 *  - A quote inside an unquoted field, text after a closing quote, a NUL byte and invalid
 *    UTF-8 are errors: guessing what such bytes meant would change values silently.
 */
#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

/* The scans below look at 8 bytes at a time where that is portable enough (a little-endian
 * GCC or Clang), else at one byte at a time through the stop tables. Both stop at the first
 * byte the tables mark; the buffer's zero sentinel guarantees one, and its slack makes the
 * last word readable. */
#ifndef CSV_SWAR /* -DCSV_SWAR=0 tests the portable path */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CSV_SWAR 1
#else
#define CSV_SWAR 0
#endif
#endif
#if CSV_SWAR
#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull
/* High bit of each byte of x that is zero; a false positive can only sit above a true one,
 * so the lowest flag is exact. */
static inline uint64_t zero_bytes(uint64_t x) { return (x - ONES) & ~x & HIGH; }
static inline uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
/* First byte that is 0, '"', LF, CR, >= 0x80, or (outside quotes) the delimiter. */
static inline const unsigned char *scan_plain(const unsigned char *p, uint64_t sep8)
{
    for (;;) {
        uint64_t v = load8(p);
        uint64_t m = (v & HIGH) | zero_bytes(v) | zero_bytes(v ^ sep8) |
                     zero_bytes(v ^ (ONES * '"')) | zero_bytes(v ^ (ONES * '\n')) |
                     zero_bytes(v ^ (ONES * '\r'));
        if (m) return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
}
#endif

/* Copies n bytes of a field; short ones with two fixed-size moves (both buffers have slack). */
static inline void copy_field(char *dst, const unsigned char *src, size_t n)
{
    if (n <= 16) {
        memcpy(dst, src, 8);
        memcpy(dst + 8, src + 8, 8);
    } else {
        memcpy(dst, src, n);
    }
}

/* Formats an error at (line, col) into st and returns -1. */
static int csv_fail(const fairc_reader *r, fairc_status *st, int code, long line, size_t col,
                    const char *fmt, ...) FAIRC_PRINTF(6, 7);
static int csv_fail(const fairc_reader *r, fairc_status *st, int code, long line, size_t col,
                    const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fairc_fail_at(st, code, r->name, line, (long)col, "%s", what);
    return -1;
}

/* Bytes of a field a parser may look at past the window before it can decide (a UTF-8
 * sequence, a quote or CR followed by its partner). */
#define LOOKAHEAD 4

/* An error found at `at` inside the field that started at fstart (on line fline, field col):
 * if the field is already longer than the cap, that is the error, reported where the field
 * starts. The same rule at the window's end (FAIRC_NEED_MORE, LOOKAHEAD bytes of grace) makes
 * every message independent of where block boundaries fall. */
static int field_fail(const fairc_reader *r, fairc_status *st, const unsigned char *at,
                      const unsigned char *fstart, long fline, long line, size_t col,
                      const char *fmt, ...) FAIRC_PRINTF(8, 9);
static int field_fail(const fairc_reader *r, fairc_status *st, const unsigned char *at,
                      const unsigned char *fstart, long fline, long line, size_t col,
                      const char *fmt, ...)
{
    if ((size_t)(at - fstart) > r->max_field_bytes)
        return csv_fail(r, st, FAIRC_ELIMIT, fline, col, "field longer than %zu bytes (max_field_bytes)",
                        r->max_field_bytes);
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return csv_fail(r, st, FAIRC_EPARSE, line, col, "%s", what);
}

/* Parses the record starting at buf[pos]. header: store every field (ncols unknown yet);
 * else store the first ncols fields and only count the others, for the message.
 * Returns 1 (record in rec/foff/flen, committed), 0 (end of input), -1 (error) or
 * FAIRC_NEED_MORE (nothing committed but skipped empty lines). rec must hold 2 * (len - pos) + 2
 * bytes: every field takes at most its bytes in the file plus a NUL, and every field but the
 * last is followed by a delimiter. */
static int csv_record(fairc_reader *r, int header, fairc_status *st)
{
    const unsigned char *const buf = r->buf;
    const unsigned char *p = buf + r->pos;
    const unsigned char *const end = buf + r->len; /* *end == 0: the sentinel */
    const int eof = r->eof;
    const unsigned char sep = r->sep;
    const unsigned char *const stop_u = r->stop_unquoted;
    const unsigned char *const stop_q = r->stop_quoted;
    const unsigned char *const sp = r->is_space;
#if CSV_SWAR
    const uint64_t sep8 = ONES * sep;
#endif
    long line = r->line;

    /* Empty lines are consumed (committed) at once, so they never pile up in the buffer. */
    for (;;) {
        if (p == end) {
            r->pos = (size_t)(p - buf);
            r->line = line;
            return eof ? 0 : FAIRC_NEED_MORE;
        }
        if (*p == '\n') {
            p++;
            line++;
        } else if (*p == '\r') {
            if (p + 1 == end && !eof) {
                r->pos = (size_t)(p - buf);
                r->line = line;
                return FAIRC_NEED_MORE;
            }
            p++;
            if (p < end && *p == '\n') p++;
            line++;
        } else {
            break;
        }
    }
    r->pos = (size_t)(p - buf);
    r->line = line;

    const long rec_line = line;
    const size_t ncols = r->ncols;
    char *const rec = r->rec;
    char *out = rec;
    size_t nf = 0;          /* fields seen so far */
    long end_line = line;   /* line of the record's last byte */
    long extra_line = 0;    /* line of the first field beyond ncols */
    const unsigned char *fstart = p;
    long fline = line;
    const char *why = NULL;
    unsigned c;

    for (;;) {
        fstart = p;
        fline = line;
        char *const field_out = out; /* where this field's bytes go */
        char *fout;                  /* first byte kept after trimming */
        while (sp[*p]) p++;
        if (*p == '"') {
            const long qline = line;
            p++;
            for (;;) {
                const unsigned char *s = p;
#if CSV_SWAR
                p = scan_plain(p, ONES * '"'); /* no delimiter inside quotes */
                (void)stop_q;
#else
                while (!stop_q[*p]) p++;
#endif
                copy_field(out, s, (size_t)(p - s));
                out += p - s;
                c = *p;
                if (c == '"') {
                    if (p + 1 == end) {
                        if (!eof) goto need;
                        p++;
                        break;
                    }
                    if (p[1] == '"') { /* "" stands for one quote */
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (p == end) {
                    if (!eof) goto need;
                    return field_fail(r, st, p, fstart, fline, qline, nf + 1,
                                      "quoted field not closed before the end of the file");
                }
                if (c == 0)
                    return field_fail(r, st, p, fstart, fline, line, nf + 1, "NUL byte in field");
                if (c == '\n') {
                    line++;
                    *out++ = '\n';
                    p++;
                    continue;
                }
                if (c == '\r') {
                    if (p + 1 == end && !eof) goto need;
                    if (p + 1 == end || p[1] != '\n') line++; /* a lone CR is a line end too */
                    *out++ = '\r';
                    p++;
                    continue;
                }
                int k = fairc_utf8_seq(p, (size_t)(end - p), eof, &why);
                if (k == 0) goto need;
                if (k < 0) goto bad_utf8;
                memcpy(out, p, (size_t)k);
                out += k;
                p += k;
            }
            while (sp[*p]) p++;
            c = *p;
            if (c != sep && c != '\n' && c != '\r') {
                if (p == end) {
                    if (!eof) goto need;
                } else if (c == 0) {
                    return field_fail(r, st, p, fstart, fline, line, nf + 1, "NUL byte in field");
                } else {
                    return field_fail(r, st, p, fstart, fline, line, nf + 1,
                                      "text after the closing quote of a quoted field");
                }
            }
            /* SPEC 1.1 trims after unquoting: spaces inside the quotes go too. */
            fout = field_out;
            while (out > fout && sp[(unsigned char)out[-1]]) out--;
            while (fout < out && sp[(unsigned char)*fout]) fout++;
        } else {
            const unsigned char *s = p;
            for (;;) {
#if CSV_SWAR
                p = scan_plain(p, sep8);
                (void)stop_u;
#else
                while (!stop_u[*p]) p++;
#endif
                c = *p;
                if (c < 0x80) break;
                int k = fairc_utf8_seq(p, (size_t)(end - p), eof, &why);
                if (k == 0) goto need;
                if (k < 0) goto bad_utf8;
                p += k;
            }
            if (c == '"')
                return field_fail(r, st, p, fstart, fline, line, nf + 1,
                                  "quote (\") inside an unquoted field; quote the whole field "
                                  "and double the inner quotes");
            if (c == 0) {
                if (p != end)
                    return field_fail(r, st, p, fstart, fline, line, nf + 1, "NUL byte in field");
                if (!eof) goto need;
            }
            const unsigned char *e = p;
            while (e > s && sp[e[-1]]) e--;
            copy_field(out, s, (size_t)(e - s));
            fout = out;
            out += e - s;
        }
        if ((size_t)(p - fstart) > r->max_field_bytes)
            return csv_fail(r, st, FAIRC_ELIMIT, fline, nf + 1,
                            "field longer than %zu bytes (max_field_bytes)", r->max_field_bytes);

        if (header) {
            if (nf >= r->max_columns)
                return csv_fail(r, st, FAIRC_ELIMIT, line, nf + 1,
                                "more than %zu columns (max_columns)", r->max_columns);
            if (nf >= r->fcap && fairc_reader_fields_reserve(r, nf + 1, st) != FAIRC_OK) return -1;
        }
        if (header || nf < ncols) {
            r->foff[nf] = (size_t)(fout - rec);
            r->flen[nf] = (size_t)(out - fout);
            *out++ = 0;
        } else {
            if (nf == ncols) extra_line = fline;
            out = field_out; /* counted for the message, not kept */
        }
        nf++;

        if (p == end) { /* end of the input: the last line had no line end */
            end_line = line;
            break;
        }
        c = *p;
        if (c == sep) {
            p++;
            continue;
        }
        end_line = line;
        if (c == '\n') {
            p++;
        } else { /* '\r' */
            if (p + 1 == end && !eof) return FAIRC_NEED_MORE; /* the field was checked */
            p++;
            if (p < end && *p == '\n') p++;
        }
        line++;
        break;
    }

    if (!header && nf != ncols) {
        if (nf < ncols)
            return csv_fail(r, st, FAIRC_EPARSE, end_line, nf + 1, "row has %zu field%s, header has %zu",
                            nf, nf == 1 ? "" : "s", ncols);
        return csv_fail(r, st, FAIRC_EPARSE, extra_line, ncols + 1,
                        "row has %zu fields, header has %zu", nf, ncols);
    }
    r->pos = (size_t)(p - buf);
    r->line = line;
    r->rec_line = rec_line;
    if (header) r->ncols = nf;
    return 1;

need:
    /* Checked before the caller grows the buffer for a longer window (see field_fail). */
    if ((size_t)(end - fstart) > LOOKAHEAD && (size_t)(end - fstart) - LOOKAHEAD > r->max_field_bytes)
        return csv_fail(r, st, FAIRC_ELIMIT, fline, nf + 1, "field longer than %zu bytes (max_field_bytes)",
                        r->max_field_bytes);
    return FAIRC_NEED_MORE;

bad_utf8:
    return field_fail(r, st, p, fstart, fline, line, nf + 1, "invalid UTF-8 (%s, byte 0x%02X)", why,
                      (unsigned)*p);
}

/* One record, filling the buffer as often as needed: 1, 0 or -1. */
static int csv_read(fairc_reader *r, int header, fairc_status *st)
{
    for (;;) {
        /* See csv_record: rec bounded by twice the window, which is at most cap bytes. */
        const size_t need = 2 * r->cap + 2 + FAIRC_READER_SLACK;
        if (r->rec_cap < need && fairc_reader_rec_reserve(r, need, st) != FAIRC_OK) return -1;
        int rc = csv_record(r, header, st);
        if (rc != FAIRC_NEED_MORE) return rc;
        if (fairc_reader_fill(r, st) < 0) return -1;
    }
}

int fairc_csv_open(fairc_reader *r, fairc_status *st)
{
    int rc = csv_read(r, 1, st);
    if (rc < 0) return st->code;
    if (rc == 0) return fairc_fail_at(st, FAIRC_EPARSE, r->name, r->line, 1, "empty file: no header");
    size_t n = r->ncols;
    r->coltype = calloc(n ? n : 1, 1); /* FAIRC_COL_UNTYPED: CSV declares no types */
    if (!r->coltype) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        const char *f = r->rec + r->foff[j];
        size_t len = r->flen[j];
        if (len == 0) return fairc_fail_at(st, FAIRC_EPARSE, r->name, r->rec_line, (long)(j + 1), "empty column name");
        int inserted = 0;
        long at = fairc_strmap_intern(&r->names, f, len, &inserted);
        if (at < 0) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (!inserted) {
            char shown[128];
            fairc_reader_show(shown, sizeof shown, f, len);
            return fairc_fail_at(st, FAIRC_EPARSE, r->name, r->rec_line, (long)(j + 1),
                                 "duplicate column name \"%s\" (also column %ld)", shown, at + 1);
        }
    }
    return FAIRC_OK;
}

int fairc_csv_next(fairc_reader *r, fairc_status *st) { return csv_read(r, 0, st); }
