/* arff.c: the ARFF format of the record reader (Weka's attribute-relation files, as in
 * credit-g.arff). Reads the header (@relation, @attribute with numeric, integer, real, string,
 * date and nominal {...} types, @data) into column names, types and levels, then one data line
 * per record, checking every value against its declared type. Not here: buffering and the
 * accessors (reader.c), or converting values (consumers do).
 *
 * Decisions, each tested in tests/test_arff.c:
 *  - ARFF is line-based: a quoted value ends on its line; LF, CRLF and a lone CR end a line.
 *  - '%' starts a comment at the start of a line (after white space) and after a complete
 *    @relation, @attribute or @data line; inside a data line it is data ("50%").
 *  - Values are trimmed of spaces and tabs, after unquoting too, as in CSV (SPEC 1.1); levels
 *    the same way, so that { 'a', b} and 'a' match.
 *  - Quoted values take backslash escapes \n \t \r \\ \' \" \%; another backslash stays as is.
 *  - Missing: an unquoted ?, or an unquoted token of opt->na_values when the caller gave some
 *    (the CSV default set does not apply: "" is an error here, not missing).
 *  - An empty unquoted value (",,") is an error: ARFF writes ? for missing.
 *  - Sparse rows {i v, j w} are read: indices 0-based and increasing; an unlisted numeric
 *    attribute is 0, an unlisted nominal one its first level, an unlisted string or date "".
 *  - @relation must come first; date columns are FAIRC_COL_STRING (not parsed); relational
 *    attributes and instance weights ({w} after a row) are errors.
 *  - Error positions: data rows give the attribute number as COL; header lines give the byte
 *    position (1-based) of the offending token.
 */
#include "reader_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int arff_fail(const fairc_reader *r, fairc_status *st, int code, long line, size_t col,
                     const char *fmt, ...) FAIRC_PRINTF(6, 7);
static int arff_fail(const fairc_reader *r, fairc_status *st, int code, long line, size_t col,
                     const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fairc_fail_at(st, code, r->name, line, col > (size_t)LONG_MAX ? LONG_MAX : (long)col, "%s", what);
    return -1;
}

static size_t sat_mul(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }
static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

static int is_ws(unsigned char c) { return c == ' ' || c == '\t'; }

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *e)
{
    while (p < e && is_ws(*p)) p++;
    return p;
}

/* Finds the line at pos: [*s, *e) without its line end, *next just after it. Returns 1, 0 at
 * the end of the input, FAIRC_NEED_MORE, or -1 when the line exceeds max_line bytes (checked
 * before the buffer grows). */
static int arff_line(fairc_reader *r, size_t max_line, const unsigned char **s,
                     const unsigned char **e, const unsigned char **next, fairc_status *st)
{
    const unsigned char *p = r->buf + r->pos, *end = r->buf + r->len;
    if (p == end) return r->eof ? 0 : FAIRC_NEED_MORE;
    const unsigned char *q = memchr(p, '\n', (size_t)(end - p));
    const unsigned char *cr = memchr(p, '\r', (size_t)((q ? q : end) - p));
    if (cr) q = cr;
    if (!q) {
        if ((size_t)(end - p) > max_line) goto too_long;
        if (!r->eof) return FAIRC_NEED_MORE;
        *next = end;
        q = end;
    } else if (*q == '\r') {
        if (q + 1 == end && !r->eof) return FAIRC_NEED_MORE;
        *next = q + 1 + (q + 1 < end && q[1] == '\n');
    } else {
        *next = q + 1;
    }
    if ((size_t)(q - p) > max_line) goto too_long;
    *s = p;
    *e = q;
    return 1;
too_long:
    return arff_fail(r, st, FAIRC_ELIMIT, r->line, 1, "line longer than %zu bytes", max_line);
}

/* arff_line, filling the buffer as needed: 1, 0 or -1. */
static int arff_getline(fairc_reader *r, size_t max_line, const unsigned char **s,
                        const unsigned char **e, const unsigned char **next, fairc_status *st)
{
    for (;;) {
        int rc = arff_line(r, max_line, s, e, next, st);
        if (rc != FAIRC_NEED_MORE) return rc;
        if (fairc_reader_fill(r, st) < 0) return -1;
    }
}

static void commit_line(fairc_reader *r, const unsigned char *next)
{
    r->pos = (size_t)(next - r->buf);
    r->line++;
}

/* Where a bare (unquoted) token stops. */
enum { BARE_NAME, BARE_LEVEL, BARE_DENSE, BARE_SPARSE };

static int bare_stop(int mode, unsigned char c)
{
    switch (mode) {
    case BARE_NAME: return is_ws(c) || c == '{' || c == '%';
    case BARE_LEVEL: return c == ',' || c == '}';
    case BARE_DENSE: return c == ',';
    default: return c == ',' || c == '}';
    }
}

/* Reads one token at *pp into dst, which holds at least (e - *pp) + 1 bytes (unquoting never
 * lengthens). Quoted with ' or ", backslash escapes, closed on this line; bare up to a stop
 * byte of mode. Trimmed of spaces and tabs either way. Returns 0 (*pp after the token), or -1
 * with *why (the quote is not closed). */
static int arff_token(const unsigned char **pp, const unsigned char *e, int mode, char *dst,
                      size_t *n, int *quoted, const char **why)
{
    const unsigned char *p = *pp;
    size_t o = 0;
    if (p < e && (*p == '\'' || *p == '"')) {
        unsigned char q = *p++;
        for (;;) {
            if (p == e) {
                *why = "quoted value not closed on this line";
                return -1;
            }
            unsigned char c = *p++;
            if (c == q) break;
            if (c == '\\' && p < e) {
                unsigned char d = *p++;
                switch (d) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                case '\\': case '\'': case '"': case '%': c = d; break;
                default: dst[o++] = '\\'; c = d; break; /* unknown escape: kept as written */
                }
            }
            dst[o++] = (char)c;
        }
        *quoted = 1;
    } else {
        const unsigned char *s = p;
        while (p < e && !bare_stop(mode, *p)) p++;
        o = (size_t)(p - s);
        memcpy(dst, s, o);
        *quoted = 0;
    }
    size_t a = 0;
    while (o > a && is_ws((unsigned char)dst[o - 1])) o--;
    while (a < o && is_ws((unsigned char)dst[a])) a++;
    if (a) memmove(dst, dst + a, o - a);
    o -= a;
    dst[o] = 0;
    *n = o;
    *pp = p;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Header                                                                                     */

typedef struct {
    fairc_reader *r;
    fairc_status *st;
    const unsigned char *s, *e; /* the line */
    char *tok;                  /* scratch, (e - s) + 1 bytes */
    size_t acap;                /* attributes allocated in r->coltype / r->levels */
} header_ctx;

static size_t col_of(const header_ctx *h, const unsigned char *p) { return (size_t)(p - h->s) + 1; }

/* Rest of a header line: only white space or a % comment. */
static int expect_line_end(header_ctx *h, const unsigned char *p, const char *after)
{
    p = skip_ws(p, h->e);
    if (p < h->e && *p != '%')
        return arff_fail(h->r, h->st, FAIRC_EPARSE, h->r->line, col_of(h, p), "unexpected text after %s", after);
    return 0;
}

/* Reads a name or level token and checks its bytes; -1 on error (reported). */
static int header_token(header_ctx *h, const unsigned char **pp, int mode, size_t *n, const char *what)
{
    const char *why = NULL;
    int quoted;
    const unsigned char *start = *pp;
    if (arff_token(pp, h->e, mode, h->tok, n, &quoted, &why) != 0)
        return arff_fail(h->r, h->st, FAIRC_EPARSE, h->r->line, col_of(h, start), "%s: %s", what, why);
    size_t bad = 0;
    if (fairc_utf8_check((const unsigned char *)h->tok, *n, &why, &bad) != 0)
        return arff_fail(h->r, h->st, FAIRC_EPARSE, h->r->line, col_of(h, start), "%s: %s%s", what,
                         strcmp(why, "NUL byte") == 0 ? "" : "invalid UTF-8: ", why);
    if ((size_t)(*pp - start) > h->r->max_field_bytes)
        return arff_fail(h->r, h->st, FAIRC_ELIMIT, h->r->line, col_of(h, start),
                         "%s longer than %zu bytes (max_field_bytes)", what, h->r->max_field_bytes);
    return 0;
}

static int add_attribute(header_ctx *h, const unsigned char *name_at, size_t n)
{
    fairc_reader *r = h->r;
    if (r->ncols >= r->max_columns)
        return arff_fail(r, h->st, FAIRC_ELIMIT, r->line, col_of(h, name_at),
                         "more than %zu attributes (max_columns)", r->max_columns);
    if (n == 0) return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, name_at), "empty attribute name");
    if (r->ncols == h->acap) {
        size_t cap = h->acap ? 2 * h->acap : 32;
        if (cap > SIZE_MAX / sizeof(fairc_strmap)) return fairc_fail(h->st, FAIRC_ENOMEM, "out of memory"), -1;
        unsigned char *t = realloc(r->coltype, cap);
        if (!t) return fairc_fail(h->st, FAIRC_ENOMEM, "out of memory"), -1;
        r->coltype = t;
        fairc_strmap *l = realloc(r->levels, cap * sizeof *l);
        if (!l) return fairc_fail(h->st, FAIRC_ENOMEM, "out of memory"), -1;
        r->levels = l;
        h->acap = cap;
    }
    int inserted = 0;
    long at = fairc_strmap_intern(&r->names, h->tok, n, &inserted);
    if (at < 0) return fairc_fail(h->st, FAIRC_ENOMEM, "out of memory"), -1;
    if (!inserted) {
        char shown[128];
        fairc_reader_show(shown, sizeof shown, h->tok, n);
        return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, name_at),
                         "duplicate attribute name \"%s\" (also attribute %ld)", shown, at + 1);
    }
    memset(&r->levels[r->ncols], 0, sizeof r->levels[0]);
    r->coltype[r->ncols] = FAIRC_COL_UNTYPED;
    r->ncols++; /* from here on reader_free_all frees its levels */
    return 0;
}

static int parse_nominal(header_ctx *h, const unsigned char *p, size_t j)
{
    fairc_reader *r = h->r;
    const char *aname = r->names.keys[j];
    char shown[128];
    fairc_reader_show(shown, sizeof shown, aname, r->names.key_len[j]);
    p++; /* '{' */
    for (;;) {
        p = skip_ws(p, h->e);
        if (p == h->e)
            return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p),
                             "nominal list of attribute \"%s\" not closed with }", shown);
        if (*p == '}' && r->levels[j].n == 0)
            return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p),
                             "nominal attribute \"%s\" has no levels", shown);
        const unsigned char *at = p;
        size_t n;
        int quoted = *p == '\'' || *p == '"';
        if (header_token(h, &p, BARE_LEVEL, &n, "level") != 0) return -1;
        if (n == 0 && !quoted)
            return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, at),
                             "empty level in attribute \"%s\"", shown);
        int inserted = 0;
        if (fairc_strmap_intern(&r->levels[j], h->tok, n, &inserted) < 0)
            return fairc_fail(h->st, FAIRC_ENOMEM, "out of memory"), -1;
        if (!inserted) {
            char lv[128];
            fairc_reader_show(lv, sizeof lv, h->tok, n);
            return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, at),
                             "duplicate level \"%s\" in attribute \"%s\"", lv, shown);
        }
        p = skip_ws(p, h->e);
        if (p == h->e) continue; /* reported at the top: not closed */
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '}') {
            p++;
            break;
        }
        return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p),
                         "expected , or } in the nominal list of attribute \"%s\"", shown);
    }
    r->coltype[j] = FAIRC_COL_NOMINAL;
    return expect_line_end(h, p, "the nominal list");
}

/* Case-insensitive: does [p, e) start with the word w, followed by a non-letter? */
static int word_is(const unsigned char *p, const unsigned char *e, const char *w, const unsigned char **after)
{
    size_t k = 0;
    for (; w[k]; k++) {
        if (p + k >= e) return 0;
        unsigned char c = p[k];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)w[k]) return 0;
    }
    if (p + k < e) {
        unsigned char c = p[k];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9')) return 0;
    }
    *after = p + k;
    return 1;
}

static int parse_attribute(header_ctx *h, const unsigned char *p)
{
    fairc_reader *r = h->r;
    p = skip_ws(p, h->e);
    if (p == h->e || *p == '%')
        return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p), "@attribute needs a name and a type");
    const unsigned char *name_at = p;
    size_t n;
    if (header_token(h, &p, BARE_NAME, &n, "attribute name") != 0) return -1;
    if (add_attribute(h, name_at, n) != 0) return -1;
    size_t j = r->ncols - 1;
    char shown[128];
    fairc_reader_show(shown, sizeof shown, r->names.keys[j], r->names.key_len[j]);
    p = skip_ws(p, h->e);
    if (p == h->e || *p == '%')
        return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p), "attribute \"%s\" has no type", shown);
    if (*p == '{') return parse_nominal(h, p, j);
    const unsigned char *after;
    if (word_is(p, h->e, "numeric", &after) || word_is(p, h->e, "real", &after) ||
        word_is(p, h->e, "integer", &after)) {
        r->coltype[j] = FAIRC_COL_NUMERIC;
        return expect_line_end(h, after, "the attribute type");
    }
    if (word_is(p, h->e, "string", &after)) {
        r->coltype[j] = FAIRC_COL_STRING;
        return expect_line_end(h, after, "the attribute type");
    }
    if (word_is(p, h->e, "date", &after)) {
        /* Dates stay text: an optional format (Java's SimpleDateFormat) is skipped. */
        r->coltype[j] = FAIRC_COL_STRING;
        p = skip_ws(after, h->e);
        if (p < h->e && *p != '%') {
            size_t fn;
            if (header_token(h, &p, BARE_NAME, &fn, "date format") != 0) return -1;
        }
        return expect_line_end(h, p, "the date format");
    }
    if (word_is(p, h->e, "relational", &after))
        return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p),
                         "relational attribute \"%s\" is not supported", shown);
    const unsigned char *w = p;
    while (w < h->e && !is_ws(*w) && *w != '%') w++;
    char ty[64];
    fairc_reader_show(ty, sizeof ty, (const char *)p, (size_t)(w - p));
    return arff_fail(r, h->st, FAIRC_EPARSE, r->line, col_of(h, p),
                     "unknown type \"%s\" for attribute \"%s\" (expected numeric, integer, real, "
                     "string, date or {levels})", ty, shown);
}

/* Default bytes of an unlisted value in a sparse row, per column (see the top comment). */
static const char *sparse_default(const fairc_reader *r, size_t j, size_t *n)
{
    if (r->coltype[j] == FAIRC_COL_NUMERIC) {
        *n = 1;
        return "0";
    }
    if (r->coltype[j] == FAIRC_COL_NOMINAL) {
        *n = r->levels[j].key_len[0];
        return r->levels[j].keys[0];
    }
    *n = 0;
    return "";
}

int fairc_arff_open(fairc_reader *r, fairc_status *st)
{
    header_ctx h = {r, st, NULL, NULL, NULL, 0};
    fairc_buf scratch = {0};
    int seen_relation = 0, seen_any = 0, rc = -1;
    const size_t max_line = sat_mul(r->max_field_bytes, 16); /* a long nominal list fits */
    for (;;) {
        const unsigned char *s = NULL, *e = NULL, *next = NULL;
        int got = arff_getline(r, max_line, &s, &e, &next, st);
        if (got < 0) goto out;
        if (got == 0) {
            if (!seen_any)
                fairc_fail_at(st, FAIRC_EPARSE, r->name, r->line, 1, "empty file: no header");
            else
                fairc_fail_at(st, FAIRC_EPARSE, r->name, r->line, 1, "end of file before @data");
            goto out;
        }
        const unsigned char *p = skip_ws(s, e);
        if (p == e || *p == '%') {
            commit_line(r, next);
            continue;
        }
        seen_any = 1;
        h.s = s;
        h.e = e;
        scratch.len = 0;
        if (fairc_buf_reserve(&scratch, (size_t)(e - s) + 1) != 0) {
            fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            goto out;
        }
        h.tok = scratch.p;
        const unsigned char *after;
        if (*p != '@') {
            arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, p),
                      seen_relation ? "expected @attribute or @data" : "expected @relation");
            goto out;
        }
        p++;
        if (word_is(p, e, "relation", &after)) {
            if (seen_relation) {
                arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, p - 1), "second @relation");
                goto out;
            }
            const unsigned char *q = skip_ws(after, e);
            if (q == e || *q == '%') {
                arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, q), "@relation needs a name");
                goto out;
            }
            size_t n;
            if (header_token(&h, &q, BARE_NAME, &n, "relation name") != 0 ||
                expect_line_end(&h, q, "the relation name") != 0)
                goto out;
            seen_relation = 1;
        } else if (word_is(p, e, "attribute", &after)) {
            if (!seen_relation) {
                arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, p - 1), "@attribute before @relation");
                goto out;
            }
            if (parse_attribute(&h, after) != 0) goto out;
        } else if (word_is(p, e, "data", &after)) {
            if (r->ncols == 0) {
                arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, p - 1), "@data before any @attribute");
                goto out;
            }
            if (expect_line_end(&h, after, "@data") != 0) goto out;
            commit_line(r, next);
            break;
        } else {
            arff_fail(r, st, FAIRC_EPARSE, r->line, col_of(&h, p - 1),
                      seen_relation ? "expected @attribute or @data" : "expected @relation");
            goto out;
        }
        commit_line(r, next);
    }
    if (fairc_reader_fields_reserve(r, r->ncols, st) != FAIRC_OK) goto out;
    r->sparse_default_bytes = 0;
    for (size_t j = 0; j < r->ncols; j++) {
        size_t n;
        sparse_default(r, j, &n);
        r->sparse_default_bytes = sat_add(r->sparse_default_bytes, sat_add(n, 1));
    }
    rc = FAIRC_OK;
out:
    fairc_buf_free(&scratch);
    return rc == FAIRC_OK ? FAIRC_OK : st->code;
}

/* ------------------------------------------------------------------------------------------ */
/* Data                                                                                       */

static int is_missing(const fairc_reader *r, const char *f, size_t n, int quoted, int na_custom)
{
    if (quoted) return 0;
    if (n == 1 && f[0] == '?') return 1;
    if (na_custom)
        for (size_t k = 0; k < r->n_na; k++)
            if (r->na_len[k] == n && memcmp(r->na_values[k], f, n) == 0) return 1;
    return 0;
}

/* Reads one value at *pp into rec at *out as field j (stored when j < ncols). */
static int data_value(fairc_reader *r, fairc_status *st, const unsigned char **pp, const unsigned char *e,
                      int mode, size_t j, char **out, unsigned char *quoted_out)
{
    const unsigned char *start = *pp;
    const char *why = NULL;
    size_t n;
    int quoted;
    if (arff_token(pp, e, mode, *out, &n, &quoted, &why) != 0)
        return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1, "%s", why);
    if ((size_t)(*pp - start) > r->max_field_bytes)
        return arff_fail(r, st, FAIRC_ELIMIT, r->line, j + 1, "field longer than %zu bytes (max_field_bytes)",
                         r->max_field_bytes);
    if (quoted) {
        /* After the closing quote: only white space before the separator. */
        const unsigned char *q = skip_ws(*pp, e);
        if (q < e && !bare_stop(mode, *q))
            return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1, "text after the closing quote of a quoted value");
        *pp = q;
    } else if (n == 0) {
        return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1, "empty value (write ? for a missing value)");
    }
    if (j < r->ncols) {
        r->foff[j] = (size_t)(*out - r->rec);
        r->flen[j] = n;
        quoted_out[j] = (unsigned char)quoted;
        *out += n + 1;
    }
    return 0;
}

static void put_default(fairc_reader *r, size_t j, char **out, unsigned char *quoted)
{
    size_t n;
    const char *d = sparse_default(r, j, &n);
    memcpy(*out, d, n);
    (*out)[n] = 0;
    r->foff[j] = (size_t)(*out - r->rec);
    r->flen[j] = n;
    quoted[j] = 1; /* a default is a value, never missing */
    *out += n + 1;
}

static int parse_sparse(fairc_reader *r, fairc_status *st, const unsigned char *p, const unsigned char *e,
                        char *out, unsigned char *quoted)
{
    const size_t ncols = r->ncols;
    size_t next_j = 0; /* attributes below next_j are filled */
    p++;               /* '{' */
    p = skip_ws(p, e);
    if (p < e && *p == '}') {
        p++;
    } else {
        for (;;) {
            p = skip_ws(p, e);
            if (p == e || *p < '0' || *p > '9')
                return arff_fail(r, st, FAIRC_EPARSE, r->line, next_j + 1,
                                 "expected an attribute index in a sparse row");
            size_t idx = 0;
            int over = 0;
            while (p < e && *p >= '0' && *p <= '9') {
                unsigned d = (unsigned)(*p++ - '0');
                if (idx > (SIZE_MAX - d) / 10) over = 1;
                else idx = idx * 10 + d;
            }
            if (over)
                return arff_fail(r, st, FAIRC_EPARSE, r->line, ncols,
                                 "sparse index out of range (%zu attributes, indices 0 to %zu)", ncols,
                                 ncols - 1);
            if (idx >= ncols)
                return arff_fail(r, st, FAIRC_EPARSE, r->line, ncols,
                                 "sparse index %zu out of range (%zu attributes, indices 0 to %zu)", idx,
                                 ncols, ncols - 1);
            if (idx < next_j)
                return arff_fail(r, st, FAIRC_EPARSE, r->line, idx + 1,
                                 "sparse indices must increase (%zu after %zu)", idx, next_j - 1);
            if (p == e || !is_ws(*p))
                return arff_fail(r, st, FAIRC_EPARSE, r->line, idx + 1,
                                 "expected a space and a value after sparse index %zu", idx);
            p = skip_ws(p, e);
            for (; next_j < idx; next_j++) put_default(r, next_j, &out, quoted);
            if (data_value(r, st, &p, e, BARE_SPARSE, idx, &out, quoted) != 0) return -1;
            next_j = idx + 1;
            p = skip_ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == '}') {
                p++;
                break;
            }
            return arff_fail(r, st, FAIRC_EPARSE, r->line, idx + 1, "expected , or } in a sparse row");
        }
    }
    p = skip_ws(p, e);
    if (p < e)
        return arff_fail(r, st, FAIRC_EPARSE, r->line, ncols,
                         "text after the closing } of a sparse row (instance weights are not supported)");
    for (; next_j < ncols; next_j++) put_default(r, next_j, &out, quoted);
    return 0;
}

static int parse_dense(fairc_reader *r, fairc_status *st, const unsigned char *p, const unsigned char *e,
                       char *out, unsigned char *quoted)
{
    const size_t ncols = r->ncols;
    size_t j = 0;
    for (;;) {
        p = skip_ws(p, e);
        char *keep = out;
        if (data_value(r, st, &p, e, BARE_DENSE, j, &out, quoted) != 0) return -1;
        if (j >= ncols) out = keep; /* counted for the message only */
        j++;
        if (p == e) break;
        p++; /* ',' */
    }
    if (j != ncols)
        return arff_fail(r, st, FAIRC_EPARSE, r->line, j < ncols ? j + 1 : ncols + 1,
                         "row has %zu value%s, %zu attribute%s declared", j, j == 1 ? "" : "s", ncols,
                         ncols == 1 ? "" : "s");
    return 0;
}

/* Checks every stored value against its column's type, and sets miss[]. */
static int check_values(fairc_reader *r, fairc_status *st, const unsigned char *quoted)
{
    const int na_custom = r->na_custom;
    for (size_t j = 0; j < r->ncols; j++) {
        const char *f = r->rec + r->foff[j];
        size_t n = r->flen[j];
        const char *why;
        size_t bad;
        if (fairc_utf8_check((const unsigned char *)f, n, &why, &bad) != 0) {
            if (strcmp(why, "NUL byte") == 0)
                return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1, "NUL byte in value");
            return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1, "invalid UTF-8 (%s, byte 0x%02X)", why,
                             (unsigned char)f[bad]);
        }
        r->miss[j] = (unsigned char)is_missing(r, f, n, quoted[j], na_custom);
        if (r->miss[j]) continue;
        int type = r->coltype[j];
        if (type == FAIRC_COL_NUMERIC) {
            double v;
            if (fairc_parse_double(f, n, &v) != 0) {
                char shown[128], an[128];
                fairc_reader_show(shown, sizeof shown, f, n);
                fairc_reader_show(an, sizeof an, r->names.keys[j], r->names.key_len[j]);
                return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1,
                                 "bad number \"%s\" for numeric attribute \"%s\"", shown, an);
            }
        } else if (type == FAIRC_COL_NOMINAL) {
            if (fairc_strmap_find(&r->levels[j], f, n) < 0) {
                char shown[128], an[128];
                fairc_reader_show(shown, sizeof shown, f, n);
                fairc_reader_show(an, sizeof an, r->names.keys[j], r->names.key_len[j]);
                return arff_fail(r, st, FAIRC_EPARSE, r->line, j + 1,
                                 "value \"%s\" is not a level of nominal attribute \"%s\"", shown, an);
            }
        }
    }
    return 0;
}

int fairc_arff_next(fairc_reader *r, fairc_status *st)
{
    const size_t ncols = r->ncols;
    /* A data line holds ncols values of at most max_field_bytes each, and their commas. */
    const size_t max_line = sat_mul(sat_add(ncols, 1), sat_add(r->max_field_bytes, 1));
    for (;;) {
        const unsigned char *s = NULL, *e = NULL, *next = NULL;
        int got = arff_getline(r, max_line, &s, &e, &next, st);
        if (got <= 0) return got;
        const unsigned char *p = skip_ws(s, e);
        if (p == e || *p == '%') {
            commit_line(r, next);
            continue;
        }
        /* Values take at most their bytes in the line plus a NUL each; sparse defaults more. */
        size_t need = sat_add(sat_add((size_t)(e - s), ncols), 1);
        if (*p == '{') need = sat_add(need, r->sparse_default_bytes);
        if (need == SIZE_MAX) return fairc_fail(st, FAIRC_ENOMEM, "out of memory"), -1;
        if (fairc_reader_rec_reserve(r, need, st) != FAIRC_OK) return -1;
        /* miss[] holds "was quoted" until check_values turns it into "is missing". */
        int rc = *p == '{' ? parse_sparse(r, st, p, e, r->rec, r->miss) : parse_dense(r, st, p, e, r->rec, r->miss);
        if (rc != 0) return -1;
        if (check_values(r, st, r->miss) != 0) return -1;
        r->rec_line = r->line;
        commit_line(r, next);
        return 1;
    }
}
