/* test_csv.c: the CSV side of the record reader (src/reader.c, src/csv.c): a table of malformed
 * inputs with their exact messages and positions, the decisions of csv.c's top comment,
 * streaming across block boundaries, and the Adult file. Not here: ARFF (test_arff.c). */
#include "test.h"

#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

/* String literal with its length, so that inputs may hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

typedef struct {
    const char *input;
    size_t len;
    char sep;               /* 0: ',' */
    size_t max_field_bytes; /* 0: default */
    size_t max_columns;     /* 0: default */
    int code;
    long line, col;
    const char *message;
} bad_case;

static const bad_case bad_csv[] = {
    /* ragged rows */
    {S("a,b,c\n1,2\n"), 0, 0, 0, FAIRC_EPARSE, 2, 3, "t.csv:2:3: row has 2 fields, header has 3"},
    {S("a,b\n1,2,3,4\n"), 0, 0, 0, FAIRC_EPARSE, 2, 3, "t.csv:2:3: row has 4 fields, header has 2"},
    {S("a,b,c\n1,2,3\nx\n"), 0, 0, 0, FAIRC_EPARSE, 3, 2, "t.csv:3:2: row has 1 field, header has 3"},
    {S("a,b\n\"x\ny\",1\n1,2,3\n"), 0, 0, 0, FAIRC_EPARSE, 4, 3, "t.csv:4:3: row has 3 fields, header has 2"},
    {S("a\n1,\"x\ny\"\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: row has 2 fields, header has 1"},
    {S("a,b\n\n\n1\n"), 0, 0, 0, FAIRC_EPARSE, 4, 2, "t.csv:4:2: row has 1 field, header has 2"},
    {S("a,b\n1,2\n   \n"), 0, 0, 0, FAIRC_EPARSE, 3, 2, "t.csv:3:2: row has 1 field, header has 2"},
    {S("a,b\n1,2\n3"), 0, 0, 0, FAIRC_EPARSE, 3, 2, "t.csv:3:2: row has 1 field, header has 2"},
    {S("a\tb\n1 2\n"), '\t', 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: row has 1 field, header has 2"},
    /* CRLF and lone CR line ends */
    {S("a,b\r\n1\r\n2,3\r\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: row has 1 field, header has 2"},
    {S("a,b\r1,2\r3\r"), 0, 0, 0, FAIRC_EPARSE, 3, 2, "t.csv:3:2: row has 1 field, header has 2"},
    {S("a,b\r\n\"x\r\ny\",1\r\n1\r\n"), 0, 0, 0, FAIRC_EPARSE, 4, 2, "t.csv:4:2: row has 1 field, header has 2"},
    {S("a,b\r\"x\ry\",1\r1\r"), 0, 0, 0, FAIRC_EPARSE, 4, 2, "t.csv:4:2: row has 1 field, header has 2"},
    /* quotes */
    {S("a,b\n1,x\"y\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2,
     "t.csv:2:2: quote (\") inside an unquoted field; quote the whole field and double the inner quotes"},
    {S("a,b\"\n"), 0, 0, 0, FAIRC_EPARSE, 1, 2,
     "t.csv:1:2: quote (\") inside an unquoted field; quote the whole field and double the inner quotes"},
    {S("a;b\n1;x \"y\"\n"), ';', 0, 0, FAIRC_EPARSE, 2, 2,
     "t.csv:2:2: quote (\") inside an unquoted field; quote the whole field and double the inner quotes"},
    {S("a,b\n1,\"abc\n2,3\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2,
     "t.csv:2:2: quoted field not closed before the end of the file"},
    {S("\"a,b\n"), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: quoted field not closed before the end of the file"},
    {S("a,b\n1,2\n3,\"x\ny\nz"), 0, 0, 0, FAIRC_EPARSE, 3, 2,
     "t.csv:3:2: quoted field not closed before the end of the file"},
    {S("a,b\n1,\"x\"\"\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2,
     "t.csv:2:2: quoted field not closed before the end of the file"},
    {S("a,b\n\"x\"y,1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 1, "t.csv:2:1: text after the closing quote of a quoted field"},
    {S("a,b\n1, \"x\" z\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: text after the closing quote of a quoted field"},
    {S("\"a\"b,c\n"), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: text after the closing quote of a quoted field"},
    {S("a,b\n\"x\ny\"z,1\n"), 0, 0, 0, FAIRC_EPARSE, 3, 1, "t.csv:3:1: text after the closing quote of a quoted field"},
    /* NUL bytes */
    {S("a,b\n1,x\0y\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: NUL byte in field"},
    {S("a,b\n\"x\0\",1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 1, "t.csv:2:1: NUL byte in field"},
    {S("a\0,b\n"), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: NUL byte in field"},
    {S("a,b\n\"x\"\0,1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 1, "t.csv:2:1: NUL byte in field"},
    {S("a,b\n1,2\n\0"), 0, 0, 0, FAIRC_EPARSE, 3, 1, "t.csv:3:1: NUL byte in field"},
    /* invalid UTF-8, several kinds */
    {S("a,b\n1,\x80\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (unexpected continuation byte, byte 0x80)"},
    {S("a,b\n\xC0\xAF,1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 1, "t.csv:2:1: invalid UTF-8 (overlong encoding, byte 0xC0)"},
    {S("a,b\n1,\xE0\x80\xAF\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (overlong encoding, byte 0xE0)"},
    {S("a,b\n1,\xF0\x8F\xBF\xBF\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (overlong encoding, byte 0xF0)"},
    {S("a,b\n1,x\xED\xA0\x80\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (surrogate code point, byte 0xED)"},
    {S("a,b\n1,\xF4\x90\x80\x80\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (code point above U+10FFFF, byte 0xF4)"},
    {S("a,b\n1,\xF5\x80\x80\x80\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (byte never used in UTF-8, byte 0xF5)"},
    {S("a,b\n1,\xC3\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (truncated sequence, byte 0xC3)"},
    {S("a,b\n1,\xE2\x82,3\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (truncated sequence, byte 0xE2)"},
    {S("a,b\n1,\xE2\x82"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: invalid UTF-8 (truncated sequence, byte 0xE2)"},
    {S("a,b\n\"\xFF\",1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 1, "t.csv:2:1: invalid UTF-8 (byte never used in UTF-8, byte 0xFF)"},
    {S("a,\xE9t\xE9\n"), 0, 0, 0, FAIRC_EPARSE, 1, 2, "t.csv:1:2: invalid UTF-8 (truncated sequence, byte 0xE9)"},
    /* empty input, header problems */
    {S(""), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: empty file: no header"},
    {S("\n\r\n"), 0, 0, 0, FAIRC_EPARSE, 3, 1, "t.csv:3:1: empty file: no header"},
    {S("\xEF\xBB\xBF"), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: empty file: no header"},
    {S("a,b,a\n"), 0, 0, 0, FAIRC_EPARSE, 1, 3, "t.csv:1:3: duplicate column name \"a\" (also column 1)"},
    {S("a, b ,\"b\"\n"), 0, 0, 0, FAIRC_EPARSE, 1, 3, "t.csv:1:3: duplicate column name \"b\" (also column 2)"},
    {S("\n\"x\ny\",\"x\ny\"\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: duplicate column name \"x\\ny\" (also column 1)"},
    {S("a,,c\n"), 0, 0, 0, FAIRC_EPARSE, 1, 2, "t.csv:1:2: empty column name"},
    {S("a,\"  \"\n"), 0, 0, 0, FAIRC_EPARSE, 1, 2, "t.csv:1:2: empty column name"},
    {S("a,b,\n"), 0, 0, 0, FAIRC_EPARSE, 1, 3, "t.csv:1:3: empty column name"},
    {S("\xEF\xBB\xBF,a\n"), 0, 0, 0, FAIRC_EPARSE, 1, 1, "t.csv:1:1: empty column name"},
    /* caps */
    {S("a,b\n1,123456789\n"), 0, 8, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 8 bytes (max_field_bytes)"},
    {S("a,b\n1,\"1234567\"\n"), 0, 8, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 8 bytes (max_field_bytes)"},
    {S("a,b\n1,     x\n"), 0, 4, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 4 bytes (max_field_bytes)"},
    {S("abcdefghij,b\n"), 0, 8, 0, FAIRC_ELIMIT, 1, 1, "t.csv:1:1: field longer than 8 bytes (max_field_bytes)"},
    {S("a,b\n1,\"12\n34567\"\n"), 0, 8, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 8 bytes (max_field_bytes)"},
    {S("a,b\n1,\"12\n34567\n"), 0, 8, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 8 bytes (max_field_bytes)"},
    {S("a,b\n1,1234567\0\n"), 0, 6, 0, FAIRC_ELIMIT, 2, 2, "t.csv:2:2: field longer than 6 bytes (max_field_bytes)"},
    {S("a,b\n1,123456\0\n"), 0, 6, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: NUL byte in field"},
    {S("a,b,c,d\n"), 0, 0, 3, FAIRC_ELIMIT, 1, 4, "t.csv:1:4: more than 3 columns (max_columns)"},
    {S("a,b,c\n1,2,3,4,5\n"), 0, 0, 3, FAIRC_EPARSE, 2, 4, "t.csv:2:4: row has 5 fields, header has 3"},
    /* BOM handling: only at the very start */
    {S("\xEF\xBB\xBF" "a,b\n1\n"), 0, 0, 0, FAIRC_EPARSE, 2, 2, "t.csv:2:2: row has 1 field, header has 2"},
};

/* Runs one input to its first error: open, then next until it fails. */
static int run_to_error(const void *data, size_t len, const fairc_read_options *o, size_t block, fairc_status *st,
                        long *records)
{
    fairc_reader *r = NULL;
    *records = 0;
    int rc = fairc_reader_open_block(NULL, data, len, "t.csv", o, block, &r, st);
    if (rc != FAIRC_OK) return rc;
    int got;
    while ((got = fairc_reader_next(r, st)) == 1) {
        size_t nc = fairc_reader_ncols(r);
        for (size_t j = 0; j < nc; j++) (void)fairc_reader_field(r, j, NULL);
        (*records)++;
    }
    fairc_reader_free(&r);
    return got < 0 ? st->code : FAIRC_OK;
}

static void case_options(const bad_case *c, fairc_read_options *o)
{
    fairc_read_options_init(o);
    o->format = FAIRC_FORMAT_CSV;
    if (c->sep) o->sep = c->sep;
    if (c->max_field_bytes) o->max_field_bytes = c->max_field_bytes;
    if (c->max_columns) o->max_columns = c->max_columns;
}

TEST(csv_rejects_malformed_inputs_with_exact_messages)
{
    CHECK(sizeof bad_csv / sizeof bad_csv[0] >= 35);
    for (size_t k = 0; k < sizeof bad_csv / sizeof bad_csv[0]; k++) {
        const bad_case *c = &bad_csv[k];
        fairc_read_options o;
        case_options(c, &o);
        fairc_status st;
        memset(&st, 0, sizeof st);
        long records;
        fairc_reader *r = NULL;
        int rc = fairc_reader_open_memory(c->input, c->len, "t.csv", &o, &r, &st);
        if (rc == FAIRC_OK) {
            int got;
            while ((got = fairc_reader_next(r, &st)) == 1) {
            }
            CHECK_MSG(got == -1, "case %zu: expected an error, got the end of input", k);
            rc = got < 0 ? st.code : FAIRC_OK;
            /* The reader stays failed, with the same message. */
            fairc_status again;
            memset(&again, 0, sizeof again);
            CHECK_EQ_INT(fairc_reader_next(r, &again), -1);
            CHECK_STR(again.message, st.message);
            fairc_reader_free(&r);
        } else {
            CHECK(r == NULL);
        }
        CHECK_MSG(rc == c->code, "case %zu: code %d, expected %d (%s)", k, rc, c->code, st.message);
        CHECK_MSG(strcmp(st.message, c->message) == 0, "case %zu: message \"%s\", expected \"%s\"", k,
                  st.message, c->message);
        CHECK_MSG(st.line == c->line && st.col == c->col, "case %zu: at %ld:%ld, expected %ld:%ld", k, st.line,
                  st.col, c->line, c->col);
        CHECK_MSG(strchr(st.message, '\n') == NULL, "case %zu: message is not one line", k);
        /* The same error whatever the block size: boundaries may fall anywhere. */
        for (size_t block = 1; block <= 9; block++) {
            fairc_status st2;
            memset(&st2, 0, sizeof st2);
            int rc2 = run_to_error(c->input, c->len, &o, block, &st2, &records);
            CHECK_MSG(rc2 == c->code && strcmp(st2.message, c->message) == 0,
                      "case %zu, block %zu: \"%s\", expected \"%s\"", k, block, st2.message, c->message);
        }
    }
}

TEST(csv_rejects_nonexistent_file_naming_it)
{
    char path[512];
    snprintf(path, sizeof path, "%s/no-such-file.csv", test_tmpdir());
    fairc_reader *r = (fairc_reader *)&r; /* must be set to NULL */
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_EIO);
    CHECK(r == NULL);
    char want[700];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    CHECK_STR(st.message, want);
    CHECK_EQ_INT(st.line, 0);
}

TEST(csv_rejects_directory_as_read_error)
{
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(test_tmpdir(), NULL, &r, &st), FAIRC_EIO);
    char want[700];
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", test_tmpdir());
    CHECK_STR(st.message, want);
    CHECK(r == NULL);
}

TEST(csv_rejects_ragged_row_in_a_file_naming_path_line_and_field)
{
    char path[512], want[700];
    const char text[] = "a,b,c,d,e\n1,2,3,4,5\n1,2,3\n";
    test_write_file("ragged.csv", text, sizeof text - 1, path, sizeof path);
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_reader_next(r, &st), 1);
    CHECK_EQ_INT(fairc_reader_next(r, &st), -1);
    snprintf(want, sizeof want, "%s:3:4: row has 3 fields, header has 5", path);
    CHECK_STR(st.message, want);
    CHECK_EQ_INT(st.code, FAIRC_EPARSE);
    CHECK_EQ_INT(st.line, 3);
    CHECK_EQ_INT(st.col, 4);
    fairc_reader_free(&r);
    CHECK(r == NULL);
    fairc_reader_free(&r); /* safe on NULL */
}

TEST(csv_rejects_empty_file_on_disk)
{
    char path[512], want[700];
    test_write_file("empty.csv", "", 0, path, sizeof path);
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_EPARSE);
    snprintf(want, sizeof want, "%s:1:1: empty file: no header", path);
    CHECK_STR(st.message, want);
}

/* ------------------------------------------------------------------------------------------ */
/* Positive behaviour                                                                         */

static fairc_reader *open_text(const char *text, size_t len, const fairc_read_options *o)
{
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = fairc_reader_open_memory(text, len, "t.csv", o, &r, &st);
    CHECK_MSG(rc == FAIRC_OK, "open failed: %s", st.message);
    return r;
}

static const char *field(const fairc_reader *r, size_t j) { return fairc_reader_field(r, j, NULL); }

static int next_ok(fairc_reader *r)
{
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = fairc_reader_next(r, &st);
    if (rc < 0) test_fail(__FILE__, __LINE__, "unexpected error: %s", st.message);
    return rc;
}

TEST(csv_unquotes_delimiters_doubled_quotes_and_newlines)
{
    const char text[] = "a,b,c\n\"x,y\",\"he said \"\"hi\"\"\",\"l1\nl2\"\n\"\",\"\"\"\",z\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "x,y");
    CHECK_STR(field(r, 1), "he said \"hi\"");
    CHECK_STR(field(r, 2), "l1\nl2");
    CHECK_EQ_INT(fairc_reader_line(r), 2);
    CHECK_EQ_INT(next_ok(r), 1);
    size_t n = 99;
    CHECK_STR(fairc_reader_field(r, 0, &n), "");
    CHECK_EQ_INT(n, 0);
    CHECK_STR(field(r, 1), "\"");
    CHECK_EQ_INT(fairc_reader_line(r), 4); /* the quoted newline counted */
    CHECK_EQ_INT(next_ok(r), 0);
    CHECK_EQ_INT(next_ok(r), 0); /* stays at the end */
    CHECK(field(r, 0) == NULL);
    fairc_reader_free(&r);
}

TEST(csv_keeps_line_numbers_right_after_embedded_newlines_and_blank_lines)
{
    const char text[] = "a,b\n\"1\n\n2\",x\n\n\n3,\"y\r\nz\"\n4,w\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    long want_line[] = {2, 7, 9};
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_EQ_INT(fairc_reader_line(r), want_line[k]);
    }
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(csv_reads_crlf_and_lone_cr_line_ends)
{
    const char *texts[] = {"a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r", "a,b\r\n1,2\r3,4\n", "a,b\n1,2\r\n3,4"};
    for (size_t k = 0; k < 4; k++) {
        fairc_reader *r = open_text(texts[k], strlen(texts[k]), NULL);
        if (!r) return;
        CHECK_STR(fairc_reader_colname(r, 1), "b");
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 1), "2");
        CHECK_EQ_INT(fairc_reader_line(r), 2);
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), "3");
        CHECK_STR(field(r, 1), "4");
        CHECK_EQ_INT(fairc_reader_line(r), 3);
        CHECK_EQ_INT(next_ok(r), 0);
        fairc_reader_free(&r);
    }
}

TEST(csv_keeps_cr_inside_quotes_as_data)
{
    const char text[] = "a\n\"x\r\ny\"\n\"p\rq\"\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "x\r\ny");
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "p\rq");
    CHECK_EQ_INT(fairc_reader_line(r), 4);
    fairc_reader_free(&r);
}

TEST(csv_skips_bom_at_start_only)
{
    const char text[] = "\xEF\xBB\xBF" "a,b\n\xEF\xBB\xBFx,2\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_STR(fairc_reader_colname(r, 0), "a");
    CHECK_EQ_INT(fairc_reader_find(r, "a"), 0);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "\xEF\xBB\xBFx"); /* U+FEFF later on is data */
    fairc_reader_free(&r);
}

TEST(csv_trims_spaces_and_tabs_around_fields_and_inside_quotes)
{
    const char text[] = "a, b ,\tc\n 1 , \"  x  \" ,\t\"y\"\t\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_STR(fairc_reader_colname(r, 1), "b");
    CHECK_STR(fairc_reader_colname(r, 2), "c");
    CHECK_EQ_INT(fairc_reader_find(r, "c"), 2);
    CHECK_EQ_INT(fairc_reader_find(r, " b"), -1);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "1");
    CHECK_STR(field(r, 1), "x");
    CHECK_STR(field(r, 2), "y");
    CHECK(field(r, 1)[1] == 0); /* NUL-terminated copies */
    fairc_reader_free(&r);
}

TEST(csv_tab_delimiter_keeps_empty_fields)
{
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.sep = '\t';
    const char text[] = "a\tb\tc\n \t2\t\n";
    fairc_reader *r = open_text(S(text), &o);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_ncols(r), 3);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "");
    CHECK_STR(field(r, 1), "2");
    CHECK_STR(field(r, 2), "");
    CHECK(fairc_reader_missing(r, 0));
    fairc_reader_free(&r);
}

TEST(csv_custom_separator_semicolon)
{
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.sep = ';';
    const char text[] = "a;b\n1,5;\"x;y\"\n";
    fairc_reader *r = open_text(S(text), &o);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "1,5");
    CHECK_STR(field(r, 1), "x;y");
    fairc_reader_free(&r);
}

TEST(csv_default_missing_tokens_including_quoted_empty)
{
    const char text[] = "a,b,c,d,e,f,g,h\n,?,NA,NaN,na,\"\",\"NA\", ? \n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    int want[] = {1, 1, 1, 1, 0, 1, 1, 1};
    for (size_t j = 0; j < 8; j++) CHECK_MSG(fairc_reader_missing(r, j) == want[j], "field %zu", j);
    CHECK_EQ_INT(fairc_reader_missing(r, 8), 0); /* out of range */
    fairc_reader_free(&r);
}

TEST(csv_custom_na_values_replace_the_default_set)
{
    const char *na[] = {"-", "missing"};
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.na_values = na;
    o.n_na_values = 2;
    const char text[] = "a,b,c,d\n?,-,missing,\n";
    fairc_reader *r = open_text(S(text), &o);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(fairc_reader_missing(r, 0), 0);
    CHECK_EQ_INT(fairc_reader_missing(r, 1), 1);
    CHECK_EQ_INT(fairc_reader_missing(r, 2), 1);
    CHECK_EQ_INT(fairc_reader_missing(r, 3), 0);
    fairc_reader_free(&r);
}

TEST(csv_last_line_without_newline_and_trailing_empty_lines)
{
    const char *texts[] = {"a,b\n1,2", "a,b\n1,2\n", "a,b\n1,2\n\n", "a,b\n1,2\r\n\r\n\n", "a,b\n\"1\",\"2\""};
    for (size_t k = 0; k < 5; k++) {
        fairc_reader *r = open_text(texts[k], strlen(texts[k]), NULL);
        if (!r) return;
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 1), "2");
        CHECK_EQ_INT(next_ok(r), 0);
        CHECK_EQ_INT(fairc_reader_offset(r), fairc_reader_size(r));
        fairc_reader_free(&r);
    }
}

TEST(csv_trailing_delimiter_makes_an_empty_last_field)
{
    const char text[] = "a,b,c\n1,2,\n1,2,";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 2), "");
    }
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(csv_header_only_file_has_no_records)
{
    const char *texts[] = {"a,b", "a,b\n", "a,b\r\n\n"};
    for (size_t k = 0; k < 3; k++) {
        fairc_reader *r = open_text(texts[k], strlen(texts[k]), NULL);
        if (!r) return;
        CHECK_EQ_INT(fairc_reader_ncols(r), 2);
        CHECK_EQ_INT(next_ok(r), 0);
        fairc_reader_free(&r);
    }
}

TEST(csv_one_column_file_skips_empty_lines_but_reads_quoted_empty)
{
    const char text[] = "x\n1\n\n\"\"\n2\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    const char *want[] = {"1", "", "2"};
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), want[k]);
    }
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(csv_accepts_valid_multibyte_utf8_everywhere)
{
    const char text[] = "caf\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF\n\"\xC3\xA9\",\xED\x9F\xBF,x\xEE\x80\x80y,z\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_find(r, "caf\xC3\xA9"), 0);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "\xC3\xA9");
    CHECK_STR(field(r, 2), "x\xEE\x80\x80y");
    fairc_reader_free(&r);
}

TEST(csv_accessors_answer_safely_out_of_range)
{
    const char text[] = "a,b\n1,2\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    CHECK_STR(fairc_reader_name(r), "t.csv");
    CHECK(fairc_reader_colname(r, 2) == NULL);
    CHECK_EQ_INT(fairc_reader_find(r, "zz"), -1);
    CHECK_EQ_INT(fairc_reader_coltype(r, 0), FAIRC_COL_UNTYPED);
    CHECK_EQ_INT(fairc_reader_nlevels(r, 0), 0);
    CHECK(fairc_reader_level(r, 0, 0) == NULL);
    CHECK(field(r, 0) == NULL); /* no record yet */
    CHECK_EQ_INT(fairc_reader_size(r), 8);
    CHECK_EQ_INT(next_ok(r), 1);
    size_t n = 7;
    CHECK(fairc_reader_field(r, 2, &n) == NULL);
    CHECK_EQ_INT(n, 0);
    fairc_reader_free(&r);
    CHECK_EQ_INT(fairc_reader_ncols(NULL), 0);
    CHECK(fairc_reader_field(NULL, 0, NULL) == NULL);
    CHECK_EQ_INT(fairc_reader_next(NULL, NULL), -1);
}

TEST(csv_reader_error_formats_name_line_and_field)
{
    const char text[] = "a,weight\n1,2\nx,\"heavy\nish\"\n";
    fairc_reader *r = open_text(S(text), NULL);
    if (!r) return;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(fairc_reader_error(r, 2, FAIRC_EINVAL, &st, "bad number \"%s\" in column %s", "heavy", "weight"),
                 FAIRC_EINVAL);
    CHECK_STR(st.message, "t.csv:3:2: bad number \"heavy\" in column weight");
    CHECK_EQ_INT(st.line, 3);
    CHECK_EQ_INT(st.col, 2);
    CHECK_EQ_INT(st.code, FAIRC_EINVAL);
    fairc_reader_error(r, 0, FAIRC_EPARSE, &st, "whole record: %s", field(r, 1));
    CHECK_STR(st.message, "t.csv:3:1: whole record: heavy\\nish"); /* one line, col 1 */
    CHECK_EQ_INT(fairc_reader_error(r, 1, FAIRC_EPARSE, NULL, "x"), FAIRC_EPARSE);
    fairc_reader_free(&r);
}

TEST(csv_rejects_bad_options)
{
    fairc_reader *r = NULL;
    fairc_status st;
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.sep = '"';
    CHECK_EQ_INT(fairc_reader_open_memory("a\n", 2, "t.csv", &o, &r, &st), FAIRC_EINVAL);
    fairc_read_options_init(&o);
    o.n_na_values = 2;
    CHECK_EQ_INT(fairc_reader_open_memory("a\n", 2, "t.csv", &o, &r, &st), FAIRC_EINVAL);
    fairc_read_options_init(&o);
    o.format = 7;
    CHECK_EQ_INT(fairc_reader_open_memory("a\n", 2, "t.csv", &o, &r, &st), FAIRC_EINVAL);
    CHECK_EQ_INT(fairc_reader_open_memory(NULL, 2, "t.csv", NULL, &r, &st), FAIRC_EINVAL);
    CHECK_EQ_INT(fairc_reader_open_memory("a\n", 2, "t.csv", NULL, NULL, &st), FAIRC_EINVAL);
    CHECK(r == NULL);
    /* NULL buffer of length 0 is an empty file; NULL st is allowed. */
    CHECK_EQ_INT(fairc_reader_open_memory(NULL, 0, "t.csv", NULL, &r, NULL), FAIRC_EPARSE);
}

TEST(csv_options_init_fills_documented_defaults)
{
    fairc_read_options o;
    memset(&o, 0x5A, sizeof o);
    fairc_read_options_init(&o);
    CHECK_EQ_INT(o.format, FAIRC_FORMAT_AUTO);
    CHECK_EQ_INT(o.sep, ',');
    CHECK(o.na_values == NULL);
    CHECK_EQ_INT(o.n_na_values, 0);
    CHECK_EQ_INT(o.max_field_bytes, 1 << 20);
    CHECK_EQ_INT(o.max_columns, 100000);
}

TEST(csv_auto_format_picks_arff_by_extension_only)
{
    const char arff[] = "@relation r\n@attribute a numeric\n@data\n1\n";
    fairc_reader *r = NULL;
    fairc_status st;
    CHECK_EQ_INT(fairc_reader_open_memory(S(arff), "X.ARFF", NULL, &r, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_reader_coltype(r, 0), FAIRC_COL_NUMERIC);
    fairc_reader_free(&r);
    CHECK_EQ_INT(fairc_reader_open_memory(S(arff), "x.arff.csv", NULL, &r, &st), FAIRC_OK);
    CHECK_STR(fairc_reader_colname(r, 0), "@relation r");
    fairc_reader_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Streaming                                                                                  */

/* Reads everything into one string "line|f1|f2|...|\n" per record (missing marked), or the
 * error message. */
static char *dump(fairc_reader *r, int rc_open, const fairc_status *st_open)
{
    fairc_buf b = {0};
    if (rc_open != FAIRC_OK) {
        fairc_buf_printf(&b, "open error %d: %s\n", rc_open, st_open->message);
        return b.p;
    }
    size_t nc = fairc_reader_ncols(r);
    for (size_t j = 0; j < nc; j++) fairc_buf_printf(&b, "%s|", fairc_reader_colname(r, j));
    fairc_buf_puts(&b, "\n");
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc;
    while ((rc = fairc_reader_next(r, &st)) == 1) {
        fairc_buf_printf(&b, "%ld|", fairc_reader_line(r));
        for (size_t j = 0; j < nc; j++) {
            size_t n;
            const char *f = fairc_reader_field(r, j, &n);
            fairc_buf_add(&b, f, n);
            fairc_buf_puts(&b, fairc_reader_missing(r, j) ? "(NA)|" : "|");
        }
        fairc_buf_puts(&b, "\n");
    }
    if (rc < 0) fairc_buf_printf(&b, "error: %s\n", st.message);
    fairc_buf_printf(&b, "offset %llu\n", (unsigned long long)fairc_reader_offset(r));
    fairc_reader_free(&r);
    return b.p;
}

static char *dump_block(const void *data, size_t n, const char *path, size_t block, const fairc_read_options *o)
{
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = fairc_reader_open_block(path, path ? NULL : data, n, "t.csv", o, block, &r, &st);
    char *s = dump(r, rc, &st);
    if (path && s) {
        /* Messages name the path; make them comparable with the memory ones. */
        char *at;
        while ((at = strstr(s, path)) != NULL) {
            size_t pl = strlen(path);
            memcpy(at, "t.csv", 5);
            memmove(at + 5, at + pl, strlen(at + pl) + 1);
        }
    }
    return s;
}

TEST(csv_block_boundaries_fall_anywhere_with_the_same_result)
{
    /* Every construct next to every boundary: quotes, doubled quotes, CRLF split between
     * blocks, multibyte UTF-8, blank lines, trimming, and an error at the end. */
    const char text[] =
        "\xEF\xBB\xBF" "id, name ,note\r\n"
        "1, \"Ann \"\"A\"\"\" ,\"line1\r\nline2\"\r\n"
        "\r\n"
        "2,Zo\xC3\xAB,\xE2\x82\xAC 5\n"
        "3,\xF0\x9F\x98\x80,\"\"\n"
        "\n\n"
        "4, ? ,NA\r"
        "5,\"a,b\",\"\n\"\n"
        "6,x,y";
    const char bad[] = "a,b\n1,2\n3,\"4\n\xC3\xA9\n5,6\n7,\xE2\x82\n";
    const char *inputs[] = {text, bad};
    size_t lens[] = {sizeof text - 1, sizeof bad - 1};
    for (size_t t = 0; t < 2; t++) {
        char path[512];
        test_write_file("blocks.csv", inputs[t], lens[t], path, sizeof path);
        char *want = dump_block(inputs[t], lens[t], NULL, 0, NULL);
        CHECK(want != NULL);
        if (!want) return;
        if (t == 0) CHECK(strstr(want, "error") == NULL);
        if (t == 1) CHECK(strstr(want, "error: t.csv:6:2: invalid UTF-8 (truncated sequence, byte 0xE2)") != NULL);
        for (size_t block = 1; block <= lens[t] + 1; block++) {
            char *got_mem = dump_block(inputs[t], lens[t], NULL, block, NULL);
            char *got_file = dump_block(NULL, 0, path, block, NULL);
            CHECK_MSG(got_mem && strcmp(got_mem, want) == 0, "memory, block %zu:\n%s\nexpected\n%s", block,
                      got_mem ? got_mem : "(null)", want);
            CHECK_MSG(got_file && strcmp(got_file, want) == 0, "file, block %zu:\n%s\nexpected\n%s", block,
                      got_file ? got_file : "(null)", want);
            free(got_mem);
            free(got_file);
        }
        free(want);
    }
}

TEST(csv_streams_a_record_larger_than_the_block)
{
    /* A 3 MiB quoted field (with doubled quotes and newlines) between two small records,
     * through a file and through memory; max_field_bytes raised to allow it. */
    const size_t big = (size_t)3 << 20;
    size_t cap = big * 2 + 64, n = 0;
    char *text = malloc(cap);
    char *want = malloc(big + 1);
    if (!text || !want) {
        free(text);
        free(want);
        SKIP("out of memory");
    }
    n += (size_t)sprintf(text + n, "a,b,c\n1,\"");
    size_t w = 0;
    unsigned x = 12345;
    while (w < big) {
        x = x * 1103515245u + 12345u;
        char c = (char)('a' + (x >> 16) % 26);
        if ((x >> 8) % 97 == 0) c = '"';
        if ((x >> 8) % 89 == 0) c = '\n';
        want[w++] = c;
        text[n++] = c;
        if (c == '"') text[n++] = '"';
    }
    want[w] = 0;
    /* The field ends in letters, never padding that trimming would remove. */
    want[w - 1] = 'z';
    text[n - 1] = 'z';
    if (text[n - 2] == '"' && text[n - 3] != '"') text[n - 2] = 'y', want[w - 2] = 'y';
    n += (size_t)sprintf(text + n, "\",3\n4,5,6\n");
    size_t newlines = 0;
    for (size_t k = 0; k < w; k++) newlines += want[k] == '\n';

    char path[512];
    test_write_file("big.csv", text, n, path, sizeof path);
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.max_field_bytes = (size_t)8 << 20;
    for (int via = 0; via < 2; via++) {
        fairc_reader *r = NULL;
        fairc_status st;
        memset(&st, 0, sizeof st);
        int rc = via == 0 ? fairc_reader_open(path, &o, &r, &st) : fairc_reader_open_memory(text, n, "big", &o, &r, &st);
        CHECK_MSG(rc == FAIRC_OK, "%s", st.message);
        if (rc) break;
        CHECK_EQ_INT(next_ok(r), 1);
        size_t len;
        const char *f = fairc_reader_field(r, 1, &len);
        CHECK_EQ_INT(len, w);
        CHECK(f && memcmp(f, want, w) == 0);
        CHECK_STR(field(r, 2), "3");
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), "4");
        CHECK_EQ_INT(fairc_reader_line(r), 3 + (long)newlines);
        CHECK_EQ_INT(next_ok(r), 0);
        fairc_reader_free(&r);
    }
    /* With the default cap the same file is an ELIMIT error naming the field. */
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open_memory(text, n, "big", NULL, &r, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_reader_next(r, &st), -1);
    CHECK_EQ_INT(st.code, FAIRC_ELIMIT);
    CHECK(strstr(st.message, "big:2:2: field longer than 1048576 bytes (max_field_bytes)") == st.message);
    fairc_reader_free(&r);
    free(text);
    free(want);
}

TEST(csv_memory_input_is_never_read_past_its_length)
{
    /* The bytes after n would change the answer if they were read. */
    const char text[] = "a,b\n1,\"2\"x";
    fairc_reader *r = open_text(text, sizeof text - 2, NULL); /* without the x */
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 1), "2");
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
    char *heap = malloc(5); /* ASan sees any read past it */
    memcpy(heap, "a\n\"1\"", 5);
    r = open_text(heap, 5, NULL);
    if (r) {
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), "1");
        fairc_reader_free(&r);
    }
    free(heap);
}

TEST(csv_progress_offset_reaches_size)
{
    char path[512];
    const char text[] = "a,b\n1,2\n3,4\n";
    test_write_file("prog.csv", text, sizeof text - 1, path, sizeof path);
    fairc_reader *r = NULL;
    fairc_status st;
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_OK);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_size(r), sizeof text - 1);
    CHECK_EQ_INT(fairc_reader_offset(r), 4);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(fairc_reader_offset(r), 8);
    while (next_ok(r) == 1) {
    }
    CHECK_EQ_INT(fairc_reader_offset(r), sizeof text - 1);
    fairc_reader_free(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Adult                                                                                      */

TEST(csv_reads_adult_with_header_and_comma_space_separators)
{
    char buf[512];
    const char *path = test_shared_path("data/adult/adult.data", buf, sizeof buf);
    if (!path) SKIP("../shared/data/adult/adult.data not found");
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_OK);
    if (!r) return;
    const char *names[] = {"age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
                           "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
                           "hours-per-week", "native-country", "Y"};
    CHECK_EQ_INT(fairc_reader_ncols(r), 15);
    for (size_t j = 0; j < 15; j++) CHECK_STR(fairc_reader_colname(r, j), names[j]);
    long rows = 0, missing_workclass = 0, high = 0;
    int rc;
    while ((rc = fairc_reader_next(r, &st)) == 1) {
        rows++;
        if (rows == 1) {
            CHECK_STR(field(r, 0), "39");
            CHECK_STR(field(r, 1), "State-gov");
            CHECK_STR(field(r, 9), "Male");
            CHECK_STR(field(r, 14), "<=50K");
            CHECK_EQ_INT(fairc_reader_line(r), 2);
        }
        if (rows == 32561) {
            CHECK_STR(field(r, 0), "52");
            CHECK_STR(field(r, 1), "Self-emp-inc");
            CHECK_STR(field(r, 14), ">50K");
            CHECK_EQ_INT(fairc_reader_line(r), 32562);
        }
        missing_workclass += fairc_reader_missing(r, 1);
        high += strcmp(field(r, 14), ">50K") == 0;
    }
    CHECK_MSG(rc == 0, "%s", st.message);
    CHECK_EQ_INT(rows, 32561);
    CHECK_EQ_INT(missing_workclass, 1836); /* the UCI documentation's count of "?" */
    CHECK_EQ_INT(high, 7841);
    fairc_reader_free(&r);
}

TEST(csv_long_names_in_messages_are_cut_without_splitting_utf8)
{
    /* Two equal names of 150 two-byte characters: the message shows a valid prefix and "...". */
    char text[1024];
    size_t n = 0;
    for (int copy = 0; copy < 2; copy++) {
        for (int k = 0; k < 150; k++) {
            text[n++] = (char)0xC3;
            text[n++] = (char)0xA9;
        }
        text[n++] = copy == 0 ? ',' : '\n';
    }
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open_memory(text, n, "t.csv", NULL, &r, &st), FAIRC_EPARSE);
    CHECK(strncmp(st.message, "t.csv:1:2: duplicate column name \"\xC3\xA9", 36) == 0);
    CHECK(strstr(st.message, "...\" (also column 1)") != NULL);
    const char *why;
    size_t bad;
    CHECK(fairc_utf8_check((const unsigned char *)st.message, strlen(st.message), &why, &bad) == 0);
}
