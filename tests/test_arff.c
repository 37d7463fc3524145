/* test_arff.c: the ARFF side of the record reader (src/arff.c): malformed headers and rows with
 * their exact messages, the decisions of arff.c's top comment (comments, quoting, escapes,
 * missing values, sparse rows), block boundaries, and German credit (credit-g.arff).
 * Not here: CSV (test_csv.c). */
#include "test.h"

#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

#define S(lit) lit, sizeof(lit) - 1
/* Header shared by the data-row cases: a numeric a, a nominal c {x,y}; data starts on line 5. */
#define H "@relation r\n@attribute a numeric\n@attribute c {x,y}\n@data\n"

typedef struct {
    const char *input;
    size_t len;
    size_t max_field_bytes, max_columns; /* 0: default */
    int code;
    long line, col;
    const char *message;
} bad_case;

static const bad_case bad_arff[] = {
    /* header */
    {S(""), 0, 0, FAIRC_EPARSE, 1, 1, "t.arff:1:1: empty file: no header"},
    {S("% only a comment\n"), 0, 0, FAIRC_EPARSE, 2, 1, "t.arff:2:1: empty file: no header"},
    {S("hello\n"), 0, 0, FAIRC_EPARSE, 1, 1, "t.arff:1:1: expected @relation"},
    {S("@attribute a numeric\n@data\n1\n"), 0, 0, FAIRC_EPARSE, 1, 1, "t.arff:1:1: @attribute before @relation"},
    {S("@relation\n"), 0, 0, FAIRC_EPARSE, 1, 10, "t.arff:1:10: @relation needs a name"},
    {S("@relation r\n@relation s\n"), 0, 0, FAIRC_EPARSE, 2, 1, "t.arff:2:1: second @relation"},
    {S("@relation r\n@attribute a numeric\n"), 0, 0, FAIRC_EPARSE, 3, 1, "t.arff:3:1: end of file before @data"},
    {S("@relation r\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 1, "t.arff:2:1: @data before any @attribute"},
    {S("@relation r\n@attribute a numeric\n@data junk\n"), 0, 0, FAIRC_EPARSE, 3, 7,
     "t.arff:3:7: unexpected text after @data"},
    {S("@relation r\n@attribute a numeric\n@datum\n"), 0, 0, FAIRC_EPARSE, 3, 1,
     "t.arff:3:1: expected @attribute or @data"},
    {S("@relation r\n@attribute\n"), 0, 0, FAIRC_EPARSE, 2, 11, "t.arff:2:11: @attribute needs a name and a type"},
    {S("@relation r\n@attribute a\n"), 0, 0, FAIRC_EPARSE, 2, 13, "t.arff:2:13: attribute \"a\" has no type"},
    {S("@relation r\n@attribute a numerik\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 14,
     "t.arff:2:14: unknown type \"numerik\" for attribute \"a\" (expected numeric, integer, real, string, date or "
     "{levels})"},
    {S("@relation r\n@attribute a numeric extra\n"), 0, 0, FAIRC_EPARSE, 2, 22,
     "t.arff:2:22: unexpected text after the attribute type"},
    {S("@relation r\n@attribute q relational\n"), 0, 0, FAIRC_EPARSE, 2, 14,
     "t.arff:2:14: relational attribute \"q\" is not supported"},
    {S("@relation r\n@attribute 'a b numeric\n"), 0, 0, FAIRC_EPARSE, 2, 12,
     "t.arff:2:12: attribute name: quoted value not closed on this line"},
    {S("@relation r\n@attribute '' numeric\n"), 0, 0, FAIRC_EPARSE, 2, 12, "t.arff:2:12: empty attribute name"},
    {S("@relation r\n@attribute a numeric\n@attribute a string\n@data\n"), 0, 0, FAIRC_EPARSE, 3, 12,
     "t.arff:3:12: duplicate attribute name \"a\" (also attribute 1)"},
    {S("@relation r\n@attribute c {x,y\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 18,
     "t.arff:2:18: nominal list of attribute \"c\" not closed with }"},
    {S("@relation r\n@attribute c {x,y,x}\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 19,
     "t.arff:2:19: duplicate level \"x\" in attribute \"c\""},
    {S("@relation r\n@attribute c {}\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 15,
     "t.arff:2:15: nominal attribute \"c\" has no levels"},
    {S("@relation r\n@attribute c {x,,y}\n@data\n"), 0, 0, FAIRC_EPARSE, 2, 17,
     "t.arff:2:17: empty level in attribute \"c\""},
    {S("@relation r\n@attribute c {x y z\n"), 0, 0, FAIRC_EPARSE, 2, 20,
     "t.arff:2:20: nominal list of attribute \"c\" not closed with }"},
    {S("@relation r\n@attribute c {'x'y}\n"), 0, 0, FAIRC_EPARSE, 2, 18,
     "t.arff:2:18: expected , or } in the nominal list of attribute \"c\""},
    {S("@relation r\n@attribute c {x,\xC0\xAF}\n"), 0, 0, FAIRC_EPARSE, 2, 17,
     "t.arff:2:17: level: invalid UTF-8: overlong encoding"},
    {S("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n"), 0, 1, FAIRC_ELIMIT, 3, 12,
     "t.arff:3:12: more than 1 attributes (max_columns)"},
    /* data rows */
    {S(H "abc,x\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: bad number \"abc\" for numeric attribute \"a\""},
    {S(H "inf,x\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: bad number \"inf\" for numeric attribute \"a\""},
    {S(H "'?',x\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: bad number \"?\" for numeric attribute \"a\""},
    {S(H "1,x\n1,z\n"), 0, 0, FAIRC_EPARSE, 6, 2, "t.arff:6:2: value \"z\" is not a level of nominal attribute \"c\""},
    {S(H "1,X\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: value \"X\" is not a level of nominal attribute \"c\""},
    {S(H "1\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: row has 1 value, 2 attributes declared"},
    {S(H "1,x,3\n"), 0, 0, FAIRC_EPARSE, 5, 3, "t.arff:5:3: row has 3 values, 2 attributes declared"},
    {S(H "1,x,{2}\n"), 0, 0, FAIRC_EPARSE, 5, 3, "t.arff:5:3: row has 3 values, 2 attributes declared"},
    {S(H "1,'x\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: quoted value not closed on this line"},
    {S(H "1,'x\\'\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: quoted value not closed on this line"},
    {S(H "1,\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: empty value (write ? for a missing value)"},
    {S(H ",x\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: empty value (write ? for a missing value)"},
    {S(H "1,'x'y\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: text after the closing quote of a quoted value"},
    {S(H "1,\xFF\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: invalid UTF-8 (byte never used in UTF-8, byte 0xFF)"},
    {S(H "1,'\xED\xA0\x80'\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: invalid UTF-8 (surrogate code point, byte 0xED)"},
    {S(H "1,x\0\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: NUL byte in value"},
    {S(H "12345,x\n"), 4, 0, FAIRC_ELIMIT, 5, 1, "t.arff:5:1: field longer than 4 bytes (max_field_bytes)"},
    {S(H "{0 1, 5 x}\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: sparse index 5 out of range (2 attributes, indices 0 to 1)"},
    {S(H "{1 x, 0 1}\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: sparse indices must increase (0 after 1)"},
    {S(H "{1 x, 1 y}\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: sparse indices must increase (1 after 1)"},
    {S(H "{0 1,1x}\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: expected a space and a value after sparse index 1"},
    {S(H "{0 1\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: expected , or } in a sparse row"},
    {S(H "{a 1}\n"), 0, 0, FAIRC_EPARSE, 5, 1, "t.arff:5:1: expected an attribute index in a sparse row"},
    {S(H "{1 z}\n"), 0, 0, FAIRC_EPARSE, 5, 2, "t.arff:5:2: value \"z\" is not a level of nominal attribute \"c\""},
    {S(H "1,x\n2,y\r\n{0 1} {2}\n"), 0, 0, FAIRC_EPARSE, 7, 2,
     "t.arff:7:2: text after the closing } of a sparse row (instance weights are not supported)"},
    {S(H "{99999999999999999999999 1}\n"), 0, 0, FAIRC_EPARSE, 5, 2,
     "t.arff:5:2: sparse index out of range (2 attributes, indices 0 to 1)"},
};

static int run_to_error(const void *data, size_t len, const fairc_read_options *o, size_t block, fairc_status *st)
{
    fairc_reader *r = NULL;
    int rc = fairc_reader_open_block(NULL, data, len, "t.arff", o, block, &r, st);
    if (rc != FAIRC_OK) return rc;
    int got;
    while ((got = fairc_reader_next(r, st)) == 1) {
    }
    fairc_reader_free(&r);
    return got < 0 ? st->code : FAIRC_OK;
}

TEST(arff_rejects_malformed_headers_and_rows_with_exact_messages)
{
    CHECK(sizeof bad_arff / sizeof bad_arff[0] >= 10);
    for (size_t k = 0; k < sizeof bad_arff / sizeof bad_arff[0]; k++) {
        const bad_case *c = &bad_arff[k];
        fairc_read_options o;
        fairc_read_options_init(&o); /* AUTO: the name t.arff picks ARFF */
        if (c->max_field_bytes) o.max_field_bytes = c->max_field_bytes;
        if (c->max_columns) o.max_columns = c->max_columns;
        fairc_status st;
        memset(&st, 0, sizeof st);
        fairc_reader *r = NULL;
        int rc = fairc_reader_open_memory(c->input, c->len, "t.arff", &o, &r, &st);
        if (rc == FAIRC_OK) {
            int got;
            while ((got = fairc_reader_next(r, &st)) == 1) {
            }
            CHECK_MSG(got == -1, "case %zu: expected an error, got the end of input", k);
            rc = got < 0 ? st.code : FAIRC_OK;
            fairc_reader_free(&r);
        }
        CHECK_MSG(rc == c->code, "case %zu: code %d, expected %d (%s)", k, rc, c->code, st.message);
        CHECK_MSG(strcmp(st.message, c->message) == 0, "case %zu: message \"%s\", expected \"%s\"", k,
                  st.message, c->message);
        CHECK_MSG(st.line == c->line && st.col == c->col, "case %zu: at %ld:%ld, expected %ld:%ld", k, st.line,
                  st.col, c->line, c->col);
        for (size_t block = 1; block <= 7; block += 3) {
            fairc_status st2;
            memset(&st2, 0, sizeof st2);
            int rc2 = run_to_error(c->input, c->len, &o, block, &st2);
            CHECK_MSG(rc2 == c->code && strcmp(st2.message, c->message) == 0,
                      "case %zu, block %zu: \"%s\", expected \"%s\"", k, block, st2.message, c->message);
        }
    }
}

static fairc_reader *open_arff(const char *text, size_t len, const fairc_read_options *o)
{
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = fairc_reader_open_memory(text, len, "t.arff", o, &r, &st);
    CHECK_MSG(rc == FAIRC_OK, "open failed: %s", st.message);
    return r;
}

static int next_ok(fairc_reader *r)
{
    fairc_status st;
    memset(&st, 0, sizeof st);
    int rc = fairc_reader_next(r, &st);
    if (rc < 0) test_fail(__FILE__, __LINE__, "unexpected error: %s", st.message);
    return rc;
}

static const char *field(const fairc_reader *r, size_t j) { return fairc_reader_field(r, j, NULL); }

TEST(arff_reads_types_levels_comments_and_case_insensitive_keywords)
{
    const char text[] = "% a comment\n"
                        "  %% indented comment\n"
                        "@RELATION 'my data'\n"
                        "\n"
                        "@Attribute \"first name\" STRING\n"
                        "@attribute n Integer % trailing comment\n"
                        "@attribute x REAL\n"
                        "@attribute d date \"yyyy-MM-dd HH:mm\"\n"
                        "@attribute c { 'a b' , c,\"d\\'e\" }\n"
                        "@DATA\n"
                        "'Ann \\'A\\'', 3, -1.5e3, '2020-01-01 10:00', 'a b'\n"
                        "% comment between rows\n"
                        "Bob,?,?,?,?\n"
                        "\"x, y\",0,50,2021,c\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_ncols(r), 5);
    CHECK_STR(fairc_reader_colname(r, 0), "first name");
    CHECK_EQ_INT(fairc_reader_find(r, "first name"), 0);
    int types[] = {FAIRC_COL_STRING, FAIRC_COL_NUMERIC, FAIRC_COL_NUMERIC, FAIRC_COL_STRING, FAIRC_COL_NOMINAL};
    for (size_t j = 0; j < 5; j++) CHECK_EQ_INT(fairc_reader_coltype(r, j), types[j]);
    CHECK_EQ_INT(fairc_reader_nlevels(r, 4), 3);
    CHECK_STR(fairc_reader_level(r, 4, 0), "a b");
    CHECK_STR(fairc_reader_level(r, 4, 1), "c");
    CHECK_STR(fairc_reader_level(r, 4, 2), "d'e");
    CHECK(fairc_reader_level(r, 4, 3) == NULL);
    CHECK_EQ_INT(fairc_reader_nlevels(r, 1), 0);

    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(fairc_reader_line(r), 11);
    CHECK_STR(field(r, 0), "Ann 'A'");
    CHECK_STR(field(r, 1), "3");
    CHECK_STR(field(r, 2), "-1.5e3");
    CHECK_STR(field(r, 3), "2020-01-01 10:00");
    CHECK_STR(field(r, 4), "a b");
    for (size_t j = 0; j < 5; j++) CHECK_EQ_INT(fairc_reader_missing(r, j), 0);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(fairc_reader_line(r), 13);
    CHECK_STR(field(r, 0), "Bob");
    for (size_t j = 1; j < 5; j++) CHECK_EQ_INT(fairc_reader_missing(r, j), 1);
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "x, y");
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(arff_backslash_escapes_inside_quotes)
{
    const char text[] = "@relation r\n@attribute s string\n@data\n"
                        "'a\\nb\\tc\\\\d\\'e\\\"f\\%g\\qh'\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "a\nb\tc\\d'e\"f%g\\qh"); /* unknown \q stays as written */
    fairc_reader_free(&r);
}

TEST(arff_percent_inside_a_data_line_is_data)
{
    const char text[] = "@relation r\n@attribute s string\n@attribute t string\n@data\n50%, x % y\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_STR(field(r, 0), "50%");
    CHECK_STR(field(r, 1), "x % y");
    fairc_reader_free(&r);
}

TEST(arff_missing_is_unquoted_question_mark_plus_custom_na_values)
{
    const char text[] = H "?,?\n'1',y\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK(fairc_reader_missing(r, 0) && fairc_reader_missing(r, 1));
    CHECK_STR(field(r, 0), "?");
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK(!fairc_reader_missing(r, 0) && !fairc_reader_missing(r, 1));
    fairc_reader_free(&r);

    /* The caller's tokens add to ?; quoted they are values again. */
    const char *na[] = {"NA"};
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.na_values = na;
    o.n_na_values = 1;
    const char text2[] = H "NA,?\n";
    r = open_arff(S(text2), &o);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK(fairc_reader_missing(r, 0) && fairc_reader_missing(r, 1));
    fairc_reader_free(&r);
    const char text3[] = H "'NA',x\n";
    r = open_arff(S(text3), &o);
    if (!r) return;
    fairc_status st;
    CHECK_EQ_INT(fairc_reader_next(r, &st), -1);
    CHECK_STR(st.message, "t.arff:5:1: bad number \"NA\" for numeric attribute \"a\"");
    fairc_reader_free(&r);
}

TEST(arff_sparse_rows_fill_zero_first_level_and_empty_string)
{
    const char text[] = "@relation r\n@attribute a numeric\n@attribute c {lo,hi}\n@attribute s string\n"
                        "@attribute b numeric\n@data\n"
                        "{1 hi, 3 2.5}\n"
                        "{}\n"
                        "{ 0 7 , 2 'x y' }\n"
                        "{3 ?}\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    const char *want[4][4] = {{"0", "hi", "", "2.5"}, {"0", "lo", "", "0"}, {"7", "lo", "x y", "0"}, {"0", "lo", "", "?"}};
    for (int k = 0; k < 4; k++) {
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_EQ_INT(fairc_reader_line(r), 7 + k);
        for (size_t j = 0; j < 4; j++) CHECK_STR(field(r, j), want[k][j]);
        for (size_t j = 0; j < 3; j++) CHECK_EQ_INT(fairc_reader_missing(r, j), 0);
        CHECK_EQ_INT(fairc_reader_missing(r, 3), k == 3);
    }
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(arff_reads_crlf_lone_cr_and_last_line_without_newline)
{
    const char *texts[] = {"@relation r\r\n@attribute a numeric\r\n@data\r\n1\r\n\r\n2",
                           "@relation r\r@attribute a numeric\r@data\r1\r\r2\r",
                           "\xEF\xBB\xBF@relation r\n@attribute a numeric\n@data\n1\n\n2\n\n"};
    for (size_t k = 0; k < 3; k++) {
        fairc_reader *r = open_arff(texts[k], strlen(texts[k]), NULL);
        if (!r) return;
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), "1");
        CHECK_EQ_INT(fairc_reader_line(r), 4);
        CHECK_EQ_INT(next_ok(r), 1);
        CHECK_STR(field(r, 0), "2");
        CHECK_EQ_INT(fairc_reader_line(r), 6);
        CHECK_EQ_INT(next_ok(r), 0);
        CHECK_EQ_INT(fairc_reader_offset(r), fairc_reader_size(r));
        fairc_reader_free(&r);
    }
}

TEST(arff_header_without_rows_has_no_records)
{
    const char text[] = "@relation r\n@attribute a numeric\n@data\n% nothing\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_ncols(r), 1);
    CHECK_EQ_INT(next_ok(r), 0);
    fairc_reader_free(&r);
}

TEST(arff_format_option_overrides_the_name)
{
    const char text[] = "@relation r\n@attribute a numeric\n@data\n1\n";
    fairc_read_options o;
    fairc_read_options_init(&o);
    o.format = FAIRC_FORMAT_ARFF;
    fairc_reader *r = NULL;
    fairc_status st;
    CHECK_EQ_INT(fairc_reader_open_memory(S(text), "data.txt", &o, &r, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_reader_coltype(r, 0), FAIRC_COL_NUMERIC);
    fairc_reader_free(&r);
}

TEST(arff_error_about_a_field_uses_the_attribute_number)
{
    const char text[] = H "1,x\n2,y\n";
    fairc_reader *r = open_arff(S(text), NULL);
    if (!r) return;
    CHECK_EQ_INT(next_ok(r), 1);
    CHECK_EQ_INT(next_ok(r), 1);
    fairc_status st;
    fairc_reader_error(r, 2, FAIRC_EINVAL, &st, "label %s is not allowed", field(r, 1));
    CHECK_STR(st.message, "t.arff:6:2: label y is not allowed");
    fairc_reader_free(&r);
}

/* Everything the reader says, as text; the error message at the end if any. */
static char *dump_block(const void *data, size_t n, const char *path, size_t block)
{
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    fairc_buf b = {0};
    int rc = fairc_reader_open_block(path, path ? NULL : data, n, "t.arff", NULL, block, &r, &st);
    if (rc != FAIRC_OK) {
        const char *m = strstr(st.message, ":");
        fairc_buf_printf(&b, "open error %d%s\n", rc, m ? m : st.message);
        return b.p;
    }
    size_t nc = fairc_reader_ncols(r);
    for (size_t j = 0; j < nc; j++) {
        fairc_buf_printf(&b, "%s %d {", fairc_reader_colname(r, j), fairc_reader_coltype(r, j));
        for (size_t k = 0; k < fairc_reader_nlevels(r, j); k++) fairc_buf_printf(&b, "%s,", fairc_reader_level(r, j, k));
        fairc_buf_puts(&b, "}\n");
    }
    int got;
    while ((got = fairc_reader_next(r, &st)) == 1) {
        fairc_buf_printf(&b, "%ld|", fairc_reader_line(r));
        for (size_t j = 0; j < nc; j++)
            fairc_buf_printf(&b, "%s%s|", field(r, j), fairc_reader_missing(r, j) ? "(NA)" : "");
        fairc_buf_puts(&b, "\n");
    }
    if (got < 0) {
        const char *m = strstr(st.message, ":"); /* without the name: file and memory compare */
        fairc_buf_printf(&b, "error%s\n", m ? m : st.message);
    }
    fairc_reader_free(&r);
    return b.p;
}

TEST(arff_block_boundaries_fall_anywhere_with_the_same_result)
{
    const char text[] = "% c\r\n@relation 'r'\r\n@attribute 'a b' numeric\n@attribute c {'x y',z}\r"
                        "@attribute s string\n@data\n"
                        "1.5,'x y','caf\xC3\xA9'\n"
                        "\n"
                        "{0 2, 2 '\xE2\x82\xAC'}\r\n"
                        "?,z,\"q\\\"q\"\n"
                        "3,z,w\n"
                        "4,w,v\n";
    char path[512];
    test_write_file("blocks.arff", text, sizeof text - 1, path, sizeof path);
    char *want = dump_block(text, sizeof text - 1, NULL, 0);
    CHECK(want && strstr(want, "error:12:2: value \"w\" is not a level of nominal attribute \"c\"") != NULL);
    if (!want) return;
    for (size_t block = 1; block <= sizeof text; block++) {
        char *m = dump_block(text, sizeof text - 1, NULL, block);
        char *f = dump_block(NULL, 0, path, block);
        CHECK_MSG(m && strcmp(m, want) == 0, "memory, block %zu:\n%s\nexpected\n%s", block, m ? m : "", want);
        CHECK_MSG(f && strcmp(f, want) == 0, "file, block %zu:\n%s\nexpected\n%s", block, f ? f : "", want);
        free(m);
        free(f);
    }
    free(want);
}

TEST(arff_reads_german_credit)
{
    char buf[512];
    const char *path = test_shared_path("data/german-credit/credit-g.arff", buf, sizeof buf);
    if (!path) SKIP("../shared/data/german-credit/credit-g.arff not found");
    fairc_reader *r = NULL;
    fairc_status st;
    memset(&st, 0, sizeof st);
    CHECK_EQ_INT(fairc_reader_open(path, NULL, &r, &st), FAIRC_OK);
    if (!r) return;
    CHECK_EQ_INT(fairc_reader_ncols(r), 21);
    /* From the file's @attribute lines. */
    static const char *const names[21] = {
        "checking_status", "duration", "credit_history", "purpose", "credit_amount", "savings_status",
        "employment", "installment_commitment", "personal_status", "other_parties", "residence_since",
        "property_magnitude", "age", "other_payment_plans", "housing", "existing_credits", "job",
        "num_dependents", "own_telephone", "foreign_worker", "class"};
    static const int numeric[21] = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0};
    static const size_t nlevels[21] = {4, 0, 5, 11, 0, 5, 5, 0, 5, 3, 0, 4, 0, 3, 3, 0, 4, 0, 2, 2, 2};
    for (size_t j = 0; j < 21; j++) {
        CHECK_STR(fairc_reader_colname(r, j), names[j]);
        CHECK_EQ_INT(fairc_reader_coltype(r, j), numeric[j] ? FAIRC_COL_NUMERIC : FAIRC_COL_NOMINAL);
        CHECK_EQ_INT(fairc_reader_nlevels(r, j), nlevels[j]);
    }
    CHECK_STR(fairc_reader_level(r, 0, 0), "<0");
    CHECK_STR(fairc_reader_level(r, 0, 3), "no checking");
    CHECK_STR(fairc_reader_level(r, 3, 2), "furniture/equipment");
    CHECK_STR(fairc_reader_level(r, 8, 1), "female div/dep/mar");
    CHECK_STR(fairc_reader_level(r, 20, 0), "good");
    CHECK_STR(fairc_reader_level(r, 20, 1), "bad");
    long rows = 0, good = 0, male_single = 0;
    int rc;
    while ((rc = fairc_reader_next(r, &st)) == 1) {
        rows++;
        if (rows == 1) {
            CHECK_EQ_INT(fairc_reader_line(r), 302);
            CHECK_STR(field(r, 0), "<0");
            CHECK_STR(field(r, 1), "6");
            CHECK_STR(field(r, 2), "critical/other existing credit");
            CHECK_STR(field(r, 3), "radio/tv");
            CHECK_STR(field(r, 8), "male single");
            CHECK_STR(field(r, 12), "67");
            CHECK_STR(field(r, 20), "good");
        }
        good += strcmp(field(r, 20), "good") == 0;
        male_single += strcmp(field(r, 8), "male single") == 0;
        for (size_t j = 0; j < 21; j++) CHECK(!fairc_reader_missing(r, j));
    }
    CHECK_MSG(rc == 0, "%s", st.message);
    CHECK_EQ_INT(rows, 1000);
    CHECK_EQ_INT(good, 700);
    CHECK_EQ_INT(male_single, 548);
    fairc_reader_free(&r);
}
