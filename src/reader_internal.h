/* reader_internal.h: the record reader's state, shared by reader.c (open, block input, accessors,
 * errors), csv.c and arff.c (the two formats). Not installed; not a public API.
 *
 * Input model. Bytes arrive in a block buffer buf[0, len) owned by the reader, whatever the source
 * (a file descriptor, or a caller's memory copied in block by block so that no parser ever reads
 * the caller's bytes past n_bytes). buf[len] is always a 0 sentinel, so scanning loops can stop on
 * a table lookup and check `p == end` only when they stop. A parser works on the window
 * buf[pos, len): it parses one record from pos and, if the window ends before the record does
 * and the input is not at its end, returns FAIRC_NEED_MORE without committing anything; the
 * caller then calls fairc_reader_fill (which moves the partial record to the front and reads
 * more, doubling the buffer when the record fills more than half of it) and the parser starts
 * the record again. Memory is O(longest record), and re-scanning is amortised O(record) because
 * the window at least doubles between restarts of one record.
 */
#ifndef FAIRC_READER_INTERNAL_H
#define FAIRC_READER_INTERNAL_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

/* Default bytes per read; the buffer grows past it only for a record longer than half of it. */
#define FAIRC_READER_BLOCK_BYTES ((size_t)256 * 1024)

/* Zero bytes kept after the sentinel (buffer) and after the largest record (rec), so that word-wide
 * scans and copies of short fields may read or write a little past the end. */
#define FAIRC_READER_SLACK 16

/* Parser return value meaning "the window ended inside the record: fill and call again". */
#define FAIRC_NEED_MORE 2

struct fairc_reader {
    char *name; /* for messages: the path, or the name given to open_memory */
    int format; /* FAIRC_FORMAT_CSV or FAIRC_FORMAT_ARFF */

    /* Options, resolved (defaults filled in). */
    unsigned char sep;             /* CSV delimiter */
    const char *const *na_values;  /* NULL: the default set */
    size_t *na_len;                /* (n_na) lengths of na_values */
    size_t n_na;
    int na_custom;                 /* the caller gave na_values (ARFF applies only those) */
    size_t max_field_bytes, max_columns;

    /* Source: fd >= 0 for a file; else mem[0, mem_len) copied in from mem_pos on. */
    int fd;
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    uint64_t size; /* total bytes when known, else 0 */

    /* Block buffer: buf[0, len) valid, buf[len, len + 1 + SLACK) zero, cap + 1 + SLACK allocated. */
    unsigned char *buf;
    size_t cap, len, pos; /* pos: first byte not yet consumed */
    int eof;              /* the source has nothing more: len is final */
    uint64_t base;        /* file offset of buf[0] */
    long line;            /* physical line (1-based) of buf[pos] */

    /* Header. Column j's name is names.keys[j]. */
    size_t ncols;
    fairc_strmap names;
    unsigned char *coltype; /* (ncols) FAIRC_COL_* */
    fairc_strmap *levels;   /* (ncols) ARFF nominal levels; empty map for other columns */
    size_t sparse_default_bytes; /* ARFF: bytes of every column's sparse default plus NULs */

    /* Current record: field j is rec[foff[j], foff[j] + flen[j]), followed by a 0. */
    char *rec;
    size_t rec_cap;
    size_t *foff, *flen; /* (fcap) */
    size_t fcap;
    unsigned char *miss; /* (fcap) ARFF only: field j is missing */
    long rec_line;       /* physical line where the current record starts */
    int have_rec;        /* a record is current (the last _next returned 1) */
    int done;            /* _next returned 0 */
    int failed;          /* _next failed; err holds the status and is returned again */
    fairc_status err;

    /* CSV scanning tables, indexed by byte value (built at open from sep). */
    unsigned char stop_unquoted[256]; /* ends a run of plain bytes outside quotes */
    unsigned char stop_quoted[256];   /* ends a run of plain bytes inside quotes */
    unsigned char is_space[256];      /* trimmed: space and tab, unless one is the delimiter */
};

/* Reads more input after moving buf[pos, len) to the front, growing the buffer when the kept
 * part fills half of it. Returns 1 if bytes were added, 0 at the end of the input (eof set),
 * -1 on a read or allocation error (st filled). */
int fairc_reader_fill(fairc_reader *r, fairc_status *st);

/* Makes rec hold at least need bytes; FAIRC_OK or FAIRC_ENOMEM (st filled). */
int fairc_reader_rec_reserve(fairc_reader *r, size_t need, fairc_status *st);
/* Makes the field arrays hold at least n entries; FAIRC_OK or FAIRC_ENOMEM. */
int fairc_reader_fields_reserve(fairc_reader *r, size_t n, fairc_status *st);

/* Validates the UTF-8 sequence starting at p[0] >= 0x80, with avail bytes readable from p.
 * Returns its length (2..4); 0 if it is cut by the end of the window and more input may come
 * (eof == 0); -1 if invalid, with *why set to a short static reason. */
static inline int fairc_utf8_seq(const unsigned char *p, size_t avail, int eof, const char **why)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0xC0) {
        *why = "unexpected continuation byte";
        return -1;
    }
    if (c < 0xC2) {
        *why = "overlong encoding";
        return -1;
    }
    if (c < 0xE0) {
        n = 2;
    } else if (c < 0xF0) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;      /* below: overlong */
        else if (c == 0xED) hi = 0x9F; /* above: UTF-16 surrogates */
    } else if (c < 0xF5) {
        n = 4;
        if (c == 0xF0) lo = 0x90;      /* below: overlong */
        else if (c == 0xF4) hi = 0x8F; /* above: beyond U+10FFFF */
    } else {
        *why = "byte never used in UTF-8";
        return -1;
    }
    for (size_t k = 1; k < n; k++) {
        if (k >= avail) {
            if (!eof) return 0;
            *why = "truncated sequence";
            return -1;
        }
        unsigned b = p[k];
        if (b < 0x80 || b > 0xBF) {
            *why = "truncated sequence";
            return -1;
        }
        if (k == 1 && (b < lo || b > hi)) {
            *why = (c == 0xE0 || c == 0xF0) ? "overlong encoding"
                   : c == 0xED             ? "surrogate code point"
                                           : "code point above U+10FFFF";
            return -1;
        }
    }
    return (int)n;
}

/* Full check of n bytes (ARFF header tokens, levels): 0 if valid UTF-8 without NUL, else -1 with
 * *why set and *bad_at the offset of the offending byte. */
int fairc_utf8_check(const unsigned char *p, size_t n, const char **why, size_t *bad_at);

/* Copies s[0, n) into dst (cap bytes, NUL-terminated) for a one-line message: control bytes
 * written as \n, \t, \xNN; cut with "..." when too long, never inside a UTF-8 sequence. */
void fairc_reader_show(char *dst, size_t cap, const char *s, size_t n);

/* The formats. _open reads the header (the reader's block buffer is ready, BOM skipped);
 * _next returns 1 (record ready), 0 (end of input) or -1 (st filled). They may return
 * FAIRC_NEED_MORE only internally; these wrappers loop on fairc_reader_fill. */
int fairc_csv_open(fairc_reader *r, fairc_status *st);
int fairc_csv_next(fairc_reader *r, fairc_status *st);
int fairc_arff_open(fairc_reader *r, fairc_status *st);
int fairc_arff_next(fairc_reader *r, fairc_status *st);

/* Opens path (mem == NULL) or mem[0, n_bytes) with the given block size (bytes per read at
 * the start; 0 means FAIRC_READER_BLOCK_BYTES). The public opens call this; tests use small
 * blocks to make block boundaries fall everywhere. */
int fairc_reader_open_block(const char *path, const void *mem, size_t n_bytes, const char *name,
                            const fairc_read_options *opt, size_t block_bytes, fairc_reader **out,
                            fairc_status *st);

#endif
