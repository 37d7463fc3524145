/* reader_harness.h: the body shared by fuzz_csv.c and fuzz_arff.c, which define FORMAT and
 * include it. The first byte picks the options, the rest is the file, read through
 * fairc_reader_open_memory; the whole parse must come out the same with a tiny block size. */
#ifndef FORMAT
#error "define FORMAT (FAIRC_FORMAT_CSV or FAIRC_FORMAT_ARFF) before including reader_harness.h"
#endif
#include "reader_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* Folds everything the reader says into a text, to compare two parses. */
static char *parse(const uint8_t *data, size_t size, const fairc_read_options *o, size_t block)
{
    fairc_buf b = {0};
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = block ? fairc_reader_open_block(NULL, size ? data : (const uint8_t *)"", size, "f", o, block, &r, &st)
                   : fairc_reader_open_memory(data, size, "f", o, &r, &st);
    if (rc != FAIRC_OK) {
        if (r != NULL || strchr(st.message, '\n')) abort();
        fairc_buf_printf(&b, "open %d %s", rc, st.message);
        return b.p;
    }
    size_t nc = fairc_reader_ncols(r);
    for (size_t j = 0; j < nc; j++) {
        fairc_buf_printf(&b, "%s|%d|", fairc_reader_colname(r, j), fairc_reader_coltype(r, j));
        for (size_t k = 0; k < fairc_reader_nlevels(r, j); k++) fairc_buf_printf(&b, "%s;", fairc_reader_level(r, j, k));
    }
    int got;
    while ((got = fairc_reader_next(r, &st)) == 1) {
        fairc_buf_printf(&b, "\n%ld:", fairc_reader_line(r));
        for (size_t j = 0; j < nc; j++) {
            size_t n;
            const char *f = fairc_reader_field(r, j, &n);
            if (!f || strlen(f) != n) abort(); /* NUL-terminated, no NUL inside */
            fairc_buf_add(&b, f, n);
            fairc_buf_puts(&b, fairc_reader_missing(r, j) ? "?|" : "|");
        }
        if (fairc_reader_offset(r) > fairc_reader_size(r)) abort();
    }
    if (got < 0) {
        if (strchr(st.message, '\n') || st.line < 1 || st.col < 1) abort();
        fairc_buf_printf(&b, "\nerror %d %ld %ld %s", st.code, st.line, st.col, st.message);
        /* Consumers' messages go through the same formatting. */
        fairc_status e;
        fairc_reader_error(r, nc + 1, FAIRC_EINVAL, &e, "x%s", "\n");
        if (strchr(e.message, '\n')) abort();
    } else if (fairc_reader_offset(r) != fairc_reader_size(r)) {
        abort();
    }
    fairc_reader_free(&r);
    return b.p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char seps[] = {',', ';', '\t', '|'};
    static const char *const na[] = {"-", "null", ""};
    static const size_t blocks[] = {1, 2, 3, 5, 8, 13, 64};
    if (size < 1) return 0;
    uint8_t opt = data[0];
    data++;
    size--;
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.format = FORMAT;
    o.sep = seps[opt & 3];
    if (opt & 4) o.max_field_bytes = 1 + (opt >> 5) * 3;
    if (opt & 8) {
        o.na_values = na;
        o.n_na_values = 3;
    }
    if (opt & 16) o.max_columns = 4;
    char *a = parse(data, size, &o, 0);
    char *b = parse(data, size, &o, blocks[(opt >> 5) % 7]);
    if (a && b && strcmp(a, b) != 0) abort();
    free(a);
    free(b);
    return 0;
}
