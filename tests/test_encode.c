/* test_encode.c: the encoder (SPEC §1.6): standardisation with the training mean and population
 * sd, a missing number imputed with the mean plus an indicator column, one-hot categories with
 * the missing marker as a level, unseen categories as zeros, and streamed rows encoded exactly as
 * the training table. */
#include "test.h"
#include "encode.h"
#include "model.h"

#include <stdlib.h>

static fairc_table *load(const char *text, fairc_reader **rp)
{
    fairc_status st = {0};
    fairc_reader *r = NULL;
    fairc_table *t = NULL;
    CHECK(fairc_reader_open_memory(text, strlen(text), "t.csv", NULL, &r, &st) == FAIRC_OK);
    fairc_table_checks chk = {fairc_reader_find(r, "y"), -1, 0};
    CHECK(fairc_table_read(r, &chk, &t, &st) == FAIRC_OK);
    if (rp) *rp = r;
    else fairc_reader_free(&r);
    return t;
}

TEST(encoder_standardises_imputes_and_one_hots)
{
    const char *text = "x,c,y\n1,red,1\n2,?,0\n,blue,1\n5,red,0\n";
    fairc_table *t = load(text, NULL);
    fairc_encoder e;
    fairc_status st = {0};
    fairc_encoder_spec spec = {FAIRC_TASK_CLASSIFY, "y", NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0};
    CHECK(fairc_encoder_fit(t, &spec, &e, &st) == FAIRC_OK);
    CHECK_EQ_INT(e.n_features, 2);
    /* x: present values 1, 2, 5: mean 8/3, population sd sqrt(26/9); plus indicator x=? */
    CHECK_NEAR(e.features[0].mean, 8.0 / 3, 1e-15, 0);
    CHECK_NEAR(e.features[0].sd, sqrt(26.0 / 9), 1e-15, 0);
    CHECK(e.features[0].has_indicator);
    /* c: levels blue, red, then the missing marker ? */
    CHECK_EQ_INT(e.features[1].n_levels, 3);
    CHECK_STR(e.features[1].levels[0], "blue");
    CHECK_STR(e.features[1].levels[1], "red");
    CHECK_STR(e.features[1].levels[2], "?");
    CHECK_EQ_INT(e.D, 5);
    float X[4 * 5];
    CHECK(fairc_encoder_table(&e, t, X, &st) == FAIRC_OK);
    double sd = sqrt(26.0 / 9);
    float want[4][5] = {{(float)((1 - 8.0 / 3) / sd), 0, 0, 1, 0},
                        {(float)((2 - 8.0 / 3) / sd), 0, 0, 0, 1},
                        {0, 1, 1, 0, 0},
                        {(float)((5 - 8.0 / 3) / sd), 0, 0, 1, 0}};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++) CHECK_MSG(X[i * 5 + j] == want[i][j], "X[%d][%d] = %g, want %g", i, j, X[i * 5 + j], want[i][j]);
    /* Streamed rows give the same bits; an unseen category is zeros and counted. */
    const char *later = "c,y,x\nred,0,1\ngreen,1,\n";
    fairc_reader *r = NULL;
    CHECK(fairc_reader_open_memory(later, strlen(later), "later.csv", NULL, &r, &st) == FAIRC_OK);
    fairc_encoder_index *x = NULL;
    CHECK(fairc_encoder_index_new(&e, &x, &st) == FAIRC_OK);
    CHECK(fairc_encoder_bind(&e, x, r, &st) == FAIRC_OK);
    float row[5];
    uint64_t unseen = 0;
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK(fairc_encoder_row(&e, x, r, row, &unseen, &st) == FAIRC_OK);
    CHECK(memcmp(row, want[0], sizeof row) == 0);
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK(fairc_encoder_row(&e, x, r, row, &unseen, &st) == FAIRC_OK);
    float want2[5] = {0, 1, 0, 0, 0};
    CHECK(memcmp(row, want2, sizeof row) == 0);
    CHECK_EQ_INT(unseen, 1);
    fairc_encoder_index_free(&x);
    fairc_reader_free(&r);
    fairc_encoder_clear(&e);
    fairc_table_free(&t);
}

TEST(encoder_row_names_a_bad_number_and_a_missing_feature_column)
{
    fairc_table *t = load("x,c,y\n1,a,1\n2,b,0\n", NULL);
    fairc_encoder e;
    fairc_status st = {0};
    fairc_encoder_spec spec = {FAIRC_TASK_CLASSIFY, "y", NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0};
    CHECK(fairc_encoder_fit(t, &spec, &e, &st) == FAIRC_OK);
    fairc_encoder_index *x = NULL;
    CHECK(fairc_encoder_index_new(&e, &x, &st) == FAIRC_OK);
    const char *bad = "x,c\n1,a\nabc,b\n";
    fairc_reader *r = NULL;
    CHECK(fairc_reader_open_memory(bad, strlen(bad), "new.csv", NULL, &r, &st) == FAIRC_OK);
    CHECK(fairc_encoder_bind(&e, x, r, &st) == FAIRC_OK);
    float row[4];
    CHECK(fairc_reader_next(r, &st) == 1 && fairc_encoder_row(&e, x, r, row, NULL, &st) == FAIRC_OK);
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK(fairc_encoder_row(&e, x, r, row, NULL, &st) != FAIRC_OK);
    CHECK_STR(st.message, "new.csv:3:1: 'abc' is not a number, but the model was trained with column 'x' numeric");
    fairc_reader_free(&r);
    const char *nocol = "c\na\n";
    CHECK(fairc_reader_open_memory(nocol, strlen(nocol), "nocol.csv", NULL, &r, &st) == FAIRC_OK);
    CHECK(fairc_encoder_bind(&e, x, r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "nocol.csv: no column named 'x', which the model uses as a feature");
    fairc_reader_free(&r);
    fairc_encoder_index_free(&x);
    fairc_encoder_clear(&e);
    fairc_table_free(&t);
}

#include "groups.h"

/* Groups at fit follow SPEC §1.5's order; later rows find their group by name, unseen ones -1. */
TEST(groups_fit_sorted_and_found_again_in_later_rows)
{
    const char *text = "age,sex,y\n10,M,1\n9,F,0\n10,F,1\n,M,0\n9,F,1\n";
    fairc_table *t = load(text, NULL);
    fairc_encoder e;
    fairc_status st = {0};
    const char *sens[] = {"age", "sex"};
    fairc_encoder_spec spec = {FAIRC_TASK_CLASSIFY, "y", NULL, 0, NULL, NULL, 0, sens, 2, NULL, 0};
    CHECK(fairc_encoder_fit(t, &spec, &e, &st) == FAIRC_OK);
    int32_t group[5];
    CHECK(fairc_groups_fit(t, &e, group, &st) == FAIRC_OK);
    CHECK_EQ_INT(e.n_groups, 4);
    if (e.n_groups == 4) {
        CHECK_STR(e.group_names[0], "age=9,sex=F");
        CHECK_STR(e.group_names[1], "age=10,sex=F");
        CHECK_STR(e.group_names[2], "age=10,sex=M");
        CHECK_STR(e.group_names[3], "age=?,sex=M");
    }
    int32_t want[5] = {2, 0, 1, 3, 0};
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(group[i], want[i]);
    const char *later = "sex,age\nF,10\nM,9\nM,\n";
    fairc_reader *r = NULL;
    CHECK(fairc_reader_open_memory(later, strlen(later), "later.csv", NULL, &r, &st) == FAIRC_OK);
    fairc_group_index *x = NULL;
    CHECK(fairc_group_index_new(&e, r, &x, &st) == FAIRC_OK);
    const char *name = NULL;
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK_EQ_INT(fairc_group_index_row(x, r, &name), 1);
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK_EQ_INT(fairc_group_index_row(x, r, &name), -1);
    CHECK_STR(name, "age=9,sex=M");
    CHECK(fairc_reader_next(r, &st) == 1);
    CHECK_EQ_INT(fairc_group_index_row(x, r, NULL), 3);
    fairc_group_index_free(&x);
    fairc_reader_free(&r);
    fairc_encoder_clear(&e);
    fairc_table_free(&t);
}
