/* test_modelfile.c: the predictor file (SPEC §11, docs/model-format.md). Predictors built by
 * hand round-trip bit for bit; the writer is deterministic; every damaged, cut or extended file
 * and every hostile file (valid CRC, lying contents) fails with its exact message; the CRC
 * matches zlib's check value; describe and `fairc inspect` print what the file holds.
 * Hostile files are written by a second, independent writer below (test_writer), which follows
 * the documented layout rather than modelfile.c's code. */
#include "json.h"
#include "model.h"
#include "predictor.h"
#include "sha256.h"
#include "test.h"

#include <float.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Hand-built predictors                                                                       */

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c) abort();
    memcpy(c, s, n + 1);
    return c;
}

static char **xstrs(const char *const *s, size_t n)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v) abort();
    for (size_t k = 0; k < n; k++) v[k] = xstrdup(s[k]);
    return v;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

/* age: numeric with a missing indicator, columns 0..1; workclass: 3 levels, columns 2..4;
 * hours: numeric, column 5. D = 6. */
static fairc_predictor *new_predictor(int explicit_na)
{
    fairc_predictor *p = xcalloc(1, sizeof *p);
    p->meta.version = xstrdup("0.1.0-test");
    p->meta.command = xstrdup("fairc train \"données.csv\" --label income --pos-label '>50K'");
    p->meta.train_file = xstrdup("données.csv");
    fairc_sha256("abc", 3, p->meta.train_sha256);
    p->meta.train_rows = 32561;
    fairc_encoder *e = &p->enc;
    e->task = FAIRC_TASK_CLASSIFY;
    e->label = xstrdup("income");
    static const char *const pos[] = {">50K", ">50K."};
    e->pos_labels = xstrs(pos, 2);
    e->n_pos_labels = 2;
    if (explicit_na) {
        static const char *const na[] = {"?", "NA", ""};
        e->na_values = xstrs(na, 3);
        e->n_na_values = 3;
    }
    e->n_features = 3;
    e->features = xcalloc(3, sizeof *e->features);
    e->features[0] = (fairc_feature){xstrdup("age"), FAIRC_FEAT_NUMERIC, 38.581647261447683,
                                     13.640223092304275, 1, NULL, 0, 0};
    static const char *const levels[] = {"Private", "Self-emp-not-inc", "?"};
    e->features[1] = (fairc_feature){xstrdup("workclass"), FAIRC_FEAT_CATEGORICAL, 0, 0, 0,
                                     xstrs(levels, 3), 3, 2};
    e->features[2] = (fairc_feature){xstrdup("hours-per-week"), FAIRC_FEAT_NUMERIC, 40.4, 1.0, 0,
                                     NULL, 0, 5};
    e->D = 6;
    static const char *const sens[] = {"sex", "race"};
    e->sensitive = xstrs(sens, 2);
    e->n_sensitive = 2;
    static const char *const groups[] = {"Female|White", "Male|White", "Female|Black",
                                         "€|😀"}; /* 3- and 4-byte UTF-8 */
    e->group_names = xstrs(groups, 4);
    e->n_groups = 4;
    return p;
}

/* Values whose bits are easy to lose: -0.0, subnormals, extremes. */
static double special(size_t k)
{
    static const double v[] = {0.1, -0.0, 4.9406564584124654e-324, -2.2250738585072009e-308,
                               1e308, -1e308, DBL_MAX, DBL_MIN, 1.0 / 3, -7.25, 0.0,
                               2.5e-310, 123456789.125};
    return v[k % (sizeof v / sizeof v[0])];
}

static void set_params(fairc_predictor *p, size_t n)
{
    p->params = xcalloc(n, sizeof *p->params);
    p->n_params = n;
    for (size_t k = 0; k < n; k++) p->params[k] = special(k * 7 + 3);
}

static void set_model(fairc_predictor *p, size_t i, int kind, const size_t *hidden, size_t nh,
                      size_t offset)
{
    fairc_node *n = &p->nodes[i];
    n->type = FAIRC_NODE_MODEL;
    n->model_kind = kind;
    n->n_hidden = nh;
    n->hidden = xcalloc(nh, sizeof *n->hidden);
    for (size_t l = 0; l < nh; l++) n->hidden[l] = hidden[l];
    fairc_mlp m;
    if (fairc_mlp_layout(&m, p->enc.D, hidden, nh)) abort();
    n->param_offset = offset;
    n->param_count = m.count;
}

static fairc_predictor *make_logistic(void)
{
    fairc_predictor *p = new_predictor(1);
    p->nodes = xcalloc(1, sizeof *p->nodes);
    p->n_nodes = 1;
    set_model(p, 0, FAIRC_MODEL_LOGISTIC, NULL, 0, 0);
    set_params(p, 7);
    return p;
}

static fairc_predictor *make_mlp(void)
{
    fairc_predictor *p = new_predictor(0);
    p->nodes = xcalloc(1, sizeof *p->nodes);
    p->n_nodes = 1;
    static const size_t hidden[] = {8, 4};
    set_model(p, 0, FAIRC_MODEL_MLP, hidden, 2, 0);
    set_params(p, 6 * 8 + 8 + 8 * 4 + 4 + 4 + 1); /* 97 */
    return p;
}

/* mixture(0.6 logistic, 0.3 mlp [8, 4], 0.1 constant 0.25) */
static fairc_predictor *make_mixture(void)
{
    fairc_predictor *p = new_predictor(1);
    p->enc.task = FAIRC_TASK_CLASSIFY;
    p->nodes = xcalloc(4, sizeof *p->nodes);
    p->n_nodes = 4;
    fairc_node *root = &p->nodes[0];
    root->type = FAIRC_NODE_MIXTURE;
    root->n_children = 3;
    root->children = xcalloc(3, sizeof *root->children);
    root->weights = xcalloc(3, sizeof *root->weights);
    for (size_t c = 0; c < 3; c++) root->children[c] = c + 1;
    root->weights[0] = 0.6;
    root->weights[1] = 0.3;
    root->weights[2] = 0.1;
    set_model(p, 1, FAIRC_MODEL_LOGISTIC, NULL, 0, 0);
    static const size_t hidden[] = {8, 4};
    set_model(p, 2, FAIRC_MODEL_MLP, hidden, 2, 7);
    p->nodes[3].type = FAIRC_NODE_CONSTANT;
    p->nodes[3].p = 0.25;
    set_params(p, 7 + 97);
    return p;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static int same_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static int same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t k = 0; k < na; k++)
        if (!same_str(a[k], b[k])) return 0;
    return 1;
}

/* Every field, every double bit for bit. */
static void check_same(const fairc_predictor *a, const fairc_predictor *b)
{
    CHECK(same_str(a->meta.version, b->meta.version));
    CHECK(same_str(a->meta.command, b->meta.command));
    CHECK(same_str(a->meta.train_file, b->meta.train_file));
    CHECK(memcmp(a->meta.train_sha256, b->meta.train_sha256, 32) == 0);
    CHECK_EQ_INT(a->meta.train_rows, b->meta.train_rows);
    const fairc_encoder *x = &a->enc, *y = &b->enc;
    CHECK_EQ_INT(x->task, y->task);
    CHECK(same_str(x->label, y->label));
    CHECK(same_strs(x->pos_labels, x->n_pos_labels, y->pos_labels, y->n_pos_labels));
    CHECK_EQ_INT(x->na_values == NULL, y->na_values == NULL);
    CHECK(same_strs(x->na_values, x->n_na_values, y->na_values, y->n_na_values));
    CHECK_EQ_INT(x->D, y->D);
    CHECK_EQ_INT(x->n_features, y->n_features);
    for (size_t k = 0; k < x->n_features && k < y->n_features; k++) {
        const fairc_feature *f = &x->features[k], *g = &y->features[k];
        CHECK(same_str(f->column, g->column));
        CHECK_EQ_INT(f->kind, g->kind);
        CHECK_EQ_INT(f->offset, g->offset);
        if (f->kind == FAIRC_FEAT_NUMERIC) {
            CHECK(same_bits(f->mean, g->mean));
            CHECK(same_bits(f->sd, g->sd));
            CHECK_EQ_INT(f->has_indicator, g->has_indicator);
        } else {
            CHECK(same_strs(f->levels, f->n_levels, g->levels, g->n_levels));
        }
    }
    CHECK(same_strs(x->sensitive, x->n_sensitive, y->sensitive, y->n_sensitive));
    CHECK(same_strs(x->group_names, x->n_groups, y->group_names, y->n_groups));
    CHECK_EQ_INT(a->n_nodes, b->n_nodes);
    for (size_t i = 0; i < a->n_nodes && i < b->n_nodes; i++) {
        const fairc_node *m = &a->nodes[i], *n = &b->nodes[i];
        CHECK_EQ_INT(m->type, n->type);
        if (m->type == FAIRC_NODE_MODEL) {
            CHECK_EQ_INT(m->model_kind, n->model_kind);
            CHECK_EQ_INT(m->n_hidden, n->n_hidden);
            for (size_t l = 0; l < m->n_hidden && l < n->n_hidden; l++)
                CHECK_EQ_INT(m->hidden[l], n->hidden[l]);
            CHECK_EQ_INT(m->param_offset, n->param_offset);
            CHECK_EQ_INT(m->param_count, n->param_count);
        } else if (m->type == FAIRC_NODE_MIXTURE) {
            CHECK_EQ_INT(m->n_children, n->n_children);
            for (size_t c = 0; c < m->n_children && c < n->n_children; c++) {
                CHECK_EQ_INT(m->children[c], n->children[c]);
                CHECK(same_bits(m->weights[c], n->weights[c]));
            }
        } else {
            CHECK(same_bits(m->p, n->p));
        }
    }
    CHECK_EQ_INT(a->n_params, b->n_params);
    if (a->n_params == b->n_params)
        CHECK(memcmp(a->params, b->params, a->n_params * sizeof *a->params) == 0);
}

static const char *tmp_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
    return buf;
}

static void round_trip_through_a_file(fairc_predictor *p, const char *name)
{
    char path[512];
    fairc_status st = {0};
    fairc_predictor *q = NULL;
    CHECK_EQ_INT(fairc_predictor_save(p, tmp_path(name, path, sizeof path), &st), FAIRC_OK);
    int rc = fairc_predictor_load(path, &q, &st);
    CHECK_MSG(rc == FAIRC_OK, "%s: %s", name, st.message);
    if (q) check_same(p, q);
    fairc_predictor_free(&q);
    CHECK(q == NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Round trips and determinism                                                                 */

TEST(modelfile_crc32_matches_zlib_check_value)
{
    CHECK_EQ_INT(fairc_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ_INT(fairc_crc32(0, "", 0), 0);
    /* continuing a CRC over a second piece equals the CRC of the whole */
    CHECK_EQ_INT(fairc_crc32(fairc_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    CHECK_EQ_INT(fairc_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

TEST(modelfile_round_trips_a_logistic_predictor_bit_for_bit)
{
    fairc_predictor *p = make_logistic();
    round_trip_through_a_file(p, "logistic.fcm");
    fairc_predictor_free(&p);
}

TEST(modelfile_round_trips_an_mlp_with_hidden_8_4_and_default_na_tokens)
{
    fairc_predictor *p = make_mlp();
    round_trip_through_a_file(p, "mlp.fcm");
    fairc_predictor_free(&p);
}

TEST(modelfile_round_trips_a_mixture_of_two_models_and_a_constant)
{
    fairc_predictor *p = make_mixture();
    round_trip_through_a_file(p, "mixture.fcm");
    fairc_predictor_free(&p);
}

TEST(modelfile_round_trips_regression_no_labels_no_groups_and_an_explicit_empty_na_list)
{
    fairc_predictor *p = make_logistic();
    p->nodes[0].model_kind = FAIRC_MODEL_LINEAR;
    p->enc.task = FAIRC_TASK_REGRESS;
    free(p->enc.na_values[0]);
    free(p->enc.na_values[1]);
    free(p->enc.na_values[2]);
    p->enc.n_na_values = 0; /* an explicit empty list: no token means missing */
    for (size_t k = 0; k < p->enc.n_pos_labels; k++) free(p->enc.pos_labels[k]);
    free(p->enc.pos_labels);
    p->enc.pos_labels = NULL;
    p->enc.n_pos_labels = 0;
    for (size_t k = 0; k < p->enc.n_groups; k++) free(p->enc.group_names[k]);
    p->enc.n_groups = 0;
    round_trip_through_a_file(p, "regression.fcm");
    fairc_predictor *q = NULL;
    char path[512];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_load(tmp_path("regression.fcm", path, sizeof path), &q, &st),
                 FAIRC_OK);
    CHECK(q && q->enc.na_values != NULL && q->enc.n_na_values == 0);
    fairc_predictor_free(&q);
    fairc_predictor_free(&p);
}

TEST(modelfile_serialize_twice_and_save_load_save_give_identical_bytes)
{
    fairc_predictor *p = make_mixture();
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &a, &na, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_serialize(p, &b, &nb, &st), FAIRC_OK);
    CHECK(na == nb && na > 0 && memcmp(a, b, na) == 0);
    char path1[512], path2[512];
    fairc_predictor *q = NULL;
    CHECK_EQ_INT(fairc_predictor_save(p, tmp_path("first.fcm", path1, sizeof path1), &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_load(path1, &q, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_save(q, tmp_path("second.fcm", path2, sizeof path2), &st), FAIRC_OK);
    size_t n1 = 0, n2 = 0;
    char *f1 = test_read_file(path1, &n1), *f2 = test_read_file(path2, &n2);
    CHECK(f1 && f2 && n1 == n2 && n1 == na && memcmp(f1, f2, n1) == 0 && memcmp(f1, a, n1) == 0);
    free(f1);
    free(f2);
    free(a);
    free(b);
    fairc_predictor_free(&q);
    fairc_predictor_free(&p);
}

TEST(modelfile_header_is_as_documented)
{
    fairc_predictor *p = make_logistic();
    void *v = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    const unsigned char *b = v;
    CHECK(n > 28 && memcmp(b, "FAIRCMOD", 8) == 0);
    CHECK(b[8] == 1 && b[9] == 0 && b[10] == 0 && b[11] == 0);              /* 1.0 */
    CHECK(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 0);            /* flags */
    uint64_t L = 0;
    for (int k = 7; k >= 0; k--) L = L << 8 | b[16 + k];
    CHECK_EQ_INT(L + 28, n);
    uint32_t crc = (uint32_t)b[n - 4] | (uint32_t)b[n - 3] << 8 | (uint32_t)b[n - 2] << 16 |
                   (uint32_t)b[n - 1] << 24;
    CHECK_EQ_INT(crc, fairc_crc32(0, b, n - 4));
    CHECK(memcmp(b + 24, "META", 4) == 0);
    free(v);
    fairc_predictor_free(&p);
}

TEST(modelfile_save_overwrites_an_existing_file_and_a_failed_save_leaves_nothing)
{
    fairc_predictor *p = make_logistic();
    char path[512];
    fairc_status st = {0};
    test_write_file("existing.fcm", "old", 3, path, sizeof path);
    CHECK_EQ_INT(fairc_predictor_save(p, path, &st), FAIRC_OK);
    fairc_predictor *q = NULL;
    CHECK_EQ_INT(fairc_predictor_load(path, &q, &st), FAIRC_OK);
    fairc_predictor_free(&q);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no-such-dir/model.fcm", test_tmpdir());
    CHECK_EQ_INT(fairc_predictor_save(p, bad, &st), FAIRC_EIO);
    CHECK(strstr(st.message, "no-such-dir/model.fcm") != NULL);
    struct stat sb;
    CHECK(stat(bad, &sb) != 0);
    fairc_predictor_free(&p);
}

TEST(modelfile_refuses_to_write_a_predictor_it_could_not_load)
{
    fairc_predictor *p = make_mixture();
    p->nodes[0].weights[2] = 0.05; /* weights sum to 0.95 */
    void *v = (void *)1;
    size_t n = 1;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_EINVAL);
    CHECK(v == NULL && n == 0);
    CHECK_MSG(strncmp(st.message, "cannot save the predictor, it is not valid: byte ", 49) == 0 &&
                  strstr(st.message, "NODE: node 0: the mixture weights sum to 0.9") != NULL,
              "message: %s", st.message);
    char path[512];
    CHECK_EQ_INT(fairc_predictor_save(p, tmp_path("invalid.fcm", path, sizeof path), &st),
                 FAIRC_EINVAL);
    struct stat sb;
    CHECK(stat(path, &sb) != 0);
    p->nodes[0].weights[2] = 0.1;
    p->params[5] = NAN;
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_EINVAL);
    CHECK_MSG(strstr(st.message, "PARM: parameter 5 is NaN, expected a finite number") != NULL,
              "message: %s", st.message);
    fairc_predictor_free(&p);
}

TEST(modelfile_load_reports_io_errors)
{
    fairc_predictor *p = (fairc_predictor *)1;
    fairc_status st = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/absent.fcm", test_tmpdir());
    CHECK_EQ_INT(fairc_predictor_load(path, &p, &st), FAIRC_EIO);
    CHECK(p == NULL);
    CHECK(strstr(st.message, "absent.fcm: cannot open: No such file or directory") != NULL);
    CHECK_EQ_INT(fairc_predictor_load(test_tmpdir(), &p, &st), FAIRC_EIO);
    CHECK(p == NULL);
}

TEST(modelfile_loads_a_large_model_from_a_pipe_and_refuses_a_file_beyond_the_cap)
{
    /* hidden [2000]: 16,001 parameters, 128 KB, more than the first read buffer */
    fairc_predictor *p = new_predictor(0);
    p->nodes = xcalloc(1, sizeof *p->nodes);
    p->n_nodes = 1;
    static const size_t hidden[] = {2000};
    set_model(p, 0, FAIRC_MODEL_MLP, hidden, 1, 0);
    set_params(p, 6 * 2000 + 2000 + 2000 + 1);
    char path[512], out[512], cmd[2048];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_save(p, tmp_path("big.fcm", path, sizeof path), &st), FAIRC_OK);
    fairc_predictor *q = NULL;
    CHECK_EQ_INT(fairc_predictor_load(path, &q, &st), FAIRC_OK);
    if (q) check_same(p, q);
    fairc_predictor_free(&q);
    /* through a pipe: no size known in advance */
    snprintf(out, sizeof out, "%s/pipe.txt", test_tmpdir());
    snprintf(cmd, sizeof cmd, "cat '%s' | %s inspect /dev/stdin > '%s' 2>&1", path,
             test_fairc_bin(), out);
    int rc = system(cmd);
    char *text = test_read_file(out, NULL);
    if (!(text && strstr(text, "unknown command"))) {
        CHECK_MSG(rc == 0 && text && strstr(text, "parameters:     16001\n"), "pipe: %s",
                  text ? text : "(no output)");
    }
    free(text);
    fairc_predictor_free(&p);
    /* a sparse file one byte longer than the largest valid model: refused before reading */
    char huge[512];
    FILE *f = fopen(tmp_path("huge.fcm", huge, sizeof huge), "wb");
    CHECK(f && ftruncate(fileno(f), ((off_t)1 << 30) + 29) == 0);
    if (f) fclose(f);
    CHECK_EQ_INT(fairc_predictor_load(huge, &q, &st), FAIRC_ELIMIT);
    char want[700];
    snprintf(want, sizeof want, "%s: byte 0: the file is 1073741853 bytes long, more than a model "
             "file can be (1 GiB + 28)", huge);
    CHECK_STR(st.message, want);
    unlink(huge);
}

/* ------------------------------------------------------------------------------------------ */
/* Damaged files                                                                               */

static int load_bytes(const void *b, size_t n, const char *name, fairc_status *st)
{
    fairc_predictor *p = NULL;
    int rc = fairc_predictor_load_memory(b, n, name, &p, st);
    if ((rc == FAIRC_OK) != (p != NULL)) test_fail(__FILE__, __LINE__, "out set on error");
    fairc_predictor_free(&p);
    return rc;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST(modelfile_every_byte_flip_fails_cleanly_with_the_expected_check)
{
    fairc_predictor *p = make_mixture();
    void *v = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    unsigned char *b = v;
    static const unsigned char masks[] = {0x01, 0x80, 0xff};
    size_t failures = 0;
    for (size_t pos = 0; pos < n; pos++)
        for (size_t m = 0; m < sizeof masks; m++) {
            b[pos] ^= masks[m];
            int rc = load_bytes(b, n, "flip.fcm", &st);
            b[pos] ^= masks[m];
            const char *want = pos < 8    ? "flip.fcm: byte 0: not a fairc model file"
                             : pos < 10   ? "flip.fcm: byte 8: format version "
                             : pos < 16   ? "flip.fcm: byte %zu: CRC-32 mismatch"
                             : pos < 24   ? "flip.fcm: byte 16: the body length "
                                          : "flip.fcm: byte %zu: CRC-32 mismatch";
            char expect[128];
            snprintf(expect, sizeof expect, want, n - 4);
            int ok = rc != FAIRC_OK && starts_with(st.message, expect);
            if (!ok && failures++ < 5)
                CHECK_MSG(0, "flip 0x%02x at %zu: rc %d, '%s'", masks[m], pos, rc, st.message);
        }
    CHECK_EQ_INT(failures, 0);
    free(v);
    fairc_predictor_free(&p);
}

TEST(modelfile_every_truncation_and_an_appended_byte_fail)
{
    fairc_predictor *p = make_mixture();
    void *v = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    size_t failures = 0;
    for (size_t len = 0; len < n; len++) {
        int rc = load_bytes(v, len, "cut.fcm", &st);
        char expect[160];
        if (len < 28)
            snprintf(expect, sizeof expect, "cut.fcm: byte 0: the file is %zu bytes long, too "
                     "short for a fairc model (at least 28)", len);
        else
            snprintf(expect, sizeof expect, "cut.fcm: byte 16: the body length %zu does not match "
                     "the file size %zu (expected a file of %zu bytes)", n - 28, len, n);
        if ((rc != FAIRC_EPARSE || strcmp(st.message, expect) != 0) && failures++ < 5)
            CHECK_MSG(0, "cut at %zu: rc %d, '%s'", len, rc, st.message);
    }
    CHECK_EQ_INT(failures, 0);
    unsigned char *longer = malloc(n + 1);
    memcpy(longer, v, n);
    longer[n] = 0;
    CHECK_EQ_INT(load_bytes(longer, n + 1, "long.fcm", &st), FAIRC_EPARSE);
    CHECK(strstr(st.message, "long.fcm: byte 16: the body length") == st.message);
    free(longer);
    free(v);
    fairc_predictor_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* test_writer: hostile files with a valid CRC                                                 */

typedef struct {
    fairc_buf b;
} tw;

static void tw_raw(tw *w, const void *p, size_t n) { fairc_buf_add(&w->b, p, n); }
static void tw_le(tw *w, uint64_t v, int n)
{
    unsigned char x[8];
    for (int k = 0; k < n; k++) x[k] = (unsigned char)(v >> (8 * k));
    tw_raw(w, x, (size_t)n);
}
static void tw_u8(tw *w, unsigned v) { tw_le(w, v, 1); }
static void tw_u32(tw *w, uint32_t v) { tw_le(w, v, 4); }
static void tw_u64(tw *w, uint64_t v) { tw_le(w, v, 8); }
static void tw_f64(tw *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    tw_u64(w, u);
}
static void tw_str(tw *w, const char *s)
{
    tw_u32(w, (uint32_t)strlen(s));
    tw_raw(w, s, strlen(s));
}
static void tw_free(tw *w) { fairc_buf_free(&w->b); }

/* Section or record: 4-byte id, u32 reserved, u64 length, payload. */
static void tw_block(tw *w, const void *id4, uint32_t reserved, const tw *payload)
{
    tw_raw(w, id4, 4);
    tw_u32(w, reserved);
    tw_u64(w, payload->b.len);
    tw_raw(w, payload->b.p, payload->b.len);
}
static void tw_section(tw *w, const char *tag, const tw *payload) { tw_block(w, tag, 0, payload); }
static void tw_record(tw *w, uint32_t type, const tw *payload)
{
    unsigned char id[4] = {(unsigned char)type, (unsigned char)(type >> 8),
                           (unsigned char)(type >> 16), (unsigned char)(type >> 24)};
    tw_block(w, id, 0, payload);
}

/* The file: header (major, minor, flags), body, CRC. */
static tw tw_file(unsigned major, unsigned minor, uint32_t flags, const tw *body)
{
    tw f = {{0}};
    tw_raw(&f, "FAIRCMOD", 8);
    tw_le(&f, major, 2);
    tw_le(&f, minor, 2);
    tw_u32(&f, flags);
    tw_u64(&f, body->b.len);
    tw_raw(&f, body->b.p, body->b.len);
    tw_u32(&f, fairc_crc32(0, f.b.p, f.b.len));
    return f;
}

/* The default hostile-test model: META 65 bytes at 24..105 (payload at 40), ENCD 78 bytes at
 * 105..199 (payload at 121), NODE 49 bytes at 199..264 (payload at 215, record 0 at 223, its
 * payload at 239), PARM 24 bytes at 264..304 (payload at 280); L = 280, 308 bytes in all. */
static void meta_default(tw *w)
{
    tw_str(w, "0.1.0");
    tw_str(w, "cmd");
    tw_str(w, "t.csv");
    unsigned char sha[32] = {0};
    tw_raw(w, sha, 32);
    tw_u64(w, 10);
}

/* task, label "y", no positive labels, default NA tokens, D: offsets 121..144 */
static void encd_head(tw *w, uint64_t D)
{
    tw_u8(w, 0);
    tw_str(w, "y");
    tw_u64(w, 0);
    tw_u8(w, 0);
    tw_u64(w, D);
}

/* one numeric feature "x" (column at 152, kind 157, offset 158, mean 166, sd 174, flag 182) */
static void encd_feature_x(tw *w, uint64_t offset, double sd)
{
    tw_str(w, "x");
    tw_u8(w, FAIRC_FEAT_NUMERIC);
    tw_u64(w, offset);
    tw_f64(w, 0.5);
    tw_f64(w, sd);
    tw_u8(w, 0);
}

static void encd_default(tw *w)
{
    encd_head(w, 1);
    tw_u64(w, 1);
    encd_feature_x(w, 0, 2.0);
    tw_u64(w, 0); /* sensitive */
    tw_u64(w, 0); /* groups */
}

static void model_payload(tw *w, unsigned kind, uint64_t offset, uint64_t count)
{
    tw_u8(w, kind);
    tw_u64(w, 0);
    tw_u64(w, offset);
    tw_u64(w, count);
}

static void node_default(tw *w)
{
    tw_u64(w, 1);
    tw r = {{0}};
    model_payload(&r, FAIRC_MODEL_LOGISTIC, 0, 2);
    tw_record(w, FAIRC_NODE_MODEL, &r);
    tw_free(&r);
}

static void parm_default(tw *w)
{
    tw_u64(w, 2);
    tw_f64(w, 0.5);
    tw_f64(w, -1);
}

/* A body of META ENCD NODE PARM in that order; NULL payloads take the defaults. */
static tw body_of(const tw *meta, const tw *encd, const tw *node, const tw *parm)
{
    tw d[4] = {{{0}}, {{0}}, {{0}}, {{0}}};
    meta_default(&d[0]);
    encd_default(&d[1]);
    node_default(&d[2]);
    parm_default(&d[3]);
    tw body = {{0}};
    tw_section(&body, "META", meta ? meta : &d[0]);
    tw_section(&body, "ENCD", encd ? encd : &d[1]);
    tw_section(&body, "NODE", node ? node : &d[2]);
    tw_section(&body, "PARM", parm ? parm : &d[3]);
    for (int k = 0; k < 4; k++) tw_free(&d[k]);
    return body;
}

static void expect_load(const char *label, const tw *body, unsigned minor, int code,
                        const char *message)
{
    tw f = tw_file(1, minor, 0, body);
    fairc_status st = {0};
    int rc = load_bytes(f.b.p, f.b.len, "hostile.fcm", &st);
    if (code == FAIRC_OK)
        CHECK_MSG(rc == FAIRC_OK, "%s: expected to load, got '%s'", label, st.message);
    else
        CHECK_MSG(rc == code && strcmp(st.message, message) == 0,
                  "%s: code %d (want %d)\n  got  '%s'\n  want '%s'", label, rc, code,
                  st.message, message);
    tw_free(&f);
}

static void expect_body(const char *label, tw body, int code, const char *message)
{
    expect_load(label, &body, 0, code, message);
    tw_free(&body);
}

TEST(modelfile_default_hostile_base_loads_and_has_the_documented_size)
{
    tw body = body_of(NULL, NULL, NULL, NULL);
    CHECK_EQ_INT(body.b.len, 280);
    expect_body("base", body, FAIRC_OK, NULL);
}

TEST(modelfile_hostile_counts_and_lengths_fail_before_allocating)
{
    tw e = {{0}};
    encd_head(&e, 1);
    tw_u64(&e, (uint64_t)1 << 60);
    expect_body("features 2^60", body_of(NULL, &e, NULL, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 144: ENCD: 1152921504606846976 features, more than the cap of 100000");
    tw_free(&e);

    encd_head(&e, 1);
    tw_u64(&e, 5); /* 5 features need 5 x 21 bytes; 47 are left */
    encd_feature_x(&e, 0, 2.0);
    tw_u64(&e, 0);
    tw_u64(&e, 0);
    expect_body("features 5 of 1", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 144: ENCD: 5 features need at least 105 bytes, but only 47 are left");
    tw_free(&e);

    tw_u8(&e, 0);
    tw_u32(&e, 0xffffffffu); /* label of 4 GiB */
    expect_body("string 4 GiB", body_of(NULL, &e, NULL, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 122: ENCD: the label column is 4294967295 bytes long, more than the cap of 65536");
    tw_free(&e);

    tw_u8(&e, 0);
    tw_u32(&e, 1000); /* within the cap, beyond the section */
    tw_raw(&e, "y", 1);
    expect_body("string past the end", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 122: ENCD: the label column is 1000 bytes long, but only 1 bytes are left");
    tw_free(&e);

    encd_head(&e, 1);
    tw_u64(&e, 1);
    tw_str(&e, "x");
    tw_u8(&e, FAIRC_FEAT_CATEGORICAL);
    tw_u64(&e, 0);
    tw_u64(&e, (uint64_t)1 << 40);
    expect_body("levels 2^40", body_of(NULL, &e, NULL, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 166: ENCD: feature 0 'x': 1099511627776 levels, more than the cap of 1000000");
    tw_free(&e);

    encd_head(&e, 1);
    tw_u64(&e, 1);
    encd_feature_x(&e, 0, 2.0);
    tw_u64(&e, 0);
    tw_u64(&e, (uint64_t)1 << 33);
    expect_body("groups 2^33", body_of(NULL, &e, NULL, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 191: ENCD: 8589934592 group names, more than the cap of 1000000");
    tw_free(&e);

    tw pm = {{0}};
    tw_u64(&pm, (uint64_t)1 << 60);
    expect_body("params 2^60", body_of(NULL, NULL, NULL, &pm), FAIRC_ELIMIT,
                "hostile.fcm: byte 280: PARM: 1152921504606846976 parameters, more than the cap of 2147483648");
    tw_free(&pm);

    tw nd = {{0}};
    tw_u64(&nd, 100001);
    expect_body("nodes 100001", body_of(NULL, NULL, &nd, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 215: NODE: 100001 nodes, more than the cap of 100000");
    tw_free(&nd);

    tw_u64(&nd, 0);
    expect_body("no nodes", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 215: NODE: the tree has no nodes");
    tw_free(&nd);

    /* 64 hidden layers (65 layers with the output) */
    tw r = {{0}};
    tw_u64(&nd, 1);
    tw_u8(&r, FAIRC_MODEL_MLP);
    tw_u64(&r, 64);
    for (int l = 0; l < 64; l++) tw_u64(&r, 1);
    tw_u64(&r, 0);
    tw_u64(&r, 2);
    tw_record(&nd, FAIRC_NODE_MODEL, &r);
    expect_body("64 hidden layers", body_of(NULL, NULL, &nd, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 240: NODE: node 0: 64 hidden layers, more than the cap of 63");
    tw_free(&nd);
    tw_free(&r);

    /* a node record longer than its section */
    tw_u64(&nd, 1);
    tw_u32(&nd, FAIRC_NODE_CONSTANT);
    tw_u32(&nd, 0);
    tw_u64(&nd, 1000);
    tw_f64(&nd, 0.5);
    expect_body("record past the end", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 231: NODE: node 0: the record declares 1000 bytes, but only 8 are left in the section");
    tw_free(&nd);

    /* header: body length beyond 1 GiB, in a 28-byte file */
    unsigned char hdr[28] = {0};
    memcpy(hdr, "FAIRCMOD", 8);
    hdr[8] = 1;
    hdr[19] = 0x80; /* L = 2^31 */
    fairc_status st = {0};
    CHECK_EQ_INT(load_bytes(hdr, sizeof hdr, "hostile.fcm", &st), FAIRC_ELIMIT);
    CHECK_STR(st.message, "hostile.fcm: byte 16: the body length 2147483648 is more than the cap of 1 GiB");

    /* a section longer than the body */
    tw m = {{0}}, body = {{0}};
    meta_default(&m);
    tw_raw(&body, "META", 4);
    tw_u32(&body, 0);
    tw_u64(&body, 1000);
    tw_raw(&body, m.b.p, m.b.len);
    expect_body("section past the end", body, FAIRC_EPARSE,
                "hostile.fcm: byte 32: section META declares 1000 bytes, but only 65 are left in the body");
    tw_free(&m);
}

static void chain(tw *nd, size_t mixtures)
{
    tw_u64(nd, mixtures + 1);
    for (size_t i = 0; i < mixtures; i++) {
        tw r = {{0}};
        tw_u64(&r, 1);
        tw_u64(&r, i + 1);
        tw_f64(&r, 1.0);
        tw_record(nd, FAIRC_NODE_MIXTURE, &r);
        tw_free(&r);
    }
    tw r = {{0}};
    tw_f64(&r, 0.5);
    tw_record(nd, FAIRC_NODE_CONSTANT, &r);
    tw_free(&r);
}

/* mixture over (children, weights) followed by constants 0.5 for nodes 1..n-1 */
static void mixture_of(tw *nd, size_t n_nodes, const uint64_t *children, const double *w,
                       size_t k)
{
    tw_u64(nd, n_nodes);
    tw r = {{0}};
    tw_u64(&r, k);
    for (size_t c = 0; c < k; c++) {
        tw_u64(&r, children[c]);
        tw_f64(&r, w[c]);
    }
    tw_record(nd, FAIRC_NODE_MIXTURE, &r);
    tw_free(&r);
    for (size_t i = 1; i < n_nodes; i++) {
        tw_f64(&r, 0.5);
        tw_record(nd, FAIRC_NODE_CONSTANT, &r);
        tw_free(&r);
    }
}

TEST(modelfile_hostile_trees_fail_with_exact_messages)
{
    tw nd = {{0}};
    chain(&nd, 15); /* depth 16: the cap itself */
    expect_body("depth 16", body_of(NULL, NULL, &nd, NULL), FAIRC_OK, NULL);
    tw_free(&nd);
    chain(&nd, 16); /* depth 17; mixture records are 40 bytes, node 16 at 223 + 640 */
    expect_body("depth 17", body_of(NULL, NULL, &nd, NULL), FAIRC_ELIMIT,
                "hostile.fcm: byte 863: NODE: node 16: the tree is 17 nodes deep here, more than the cap of 16");
    tw_free(&nd);

    const uint64_t c12[] = {1, 2}, c21[] = {2, 1}, c00[] = {0, 1}, c19[] = {1, 9};
    const double half[] = {0.25, 0.25}, fine[] = {0.5, 0.5}, big[] = {1.5, -0.5};
    mixture_of(&nd, 3, c12, half, 2);
    expect_body("weights sum to 0.5", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 239: NODE: node 0: the mixture weights sum to 0.5, expected 1 (within 1e-9)");
    tw_free(&nd);
    mixture_of(&nd, 3, c12, big, 2);
    expect_body("weight 1.5", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 255: NODE: node 0: weight 0 is 1.5, expected a number in [0, 1]");
    tw_free(&nd);
    mixture_of(&nd, 3, c21, fine, 2);
    expect_body("children out of pre-order", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 223: NODE: node 0: child 0 is node 2, expected node 1 (children follow their parent in pre-order)");
    tw_free(&nd);
    mixture_of(&nd, 3, c00, fine, 2);
    expect_body("cycle to itself", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 247: NODE: node 0: child 0 is node 0, expected a node after 0 and before 3");
    tw_free(&nd);
    mixture_of(&nd, 3, c19, fine, 2);
    expect_body("child out of range", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 263: NODE: node 0: child 1 is node 9, expected a node after 0 and before 3");
    tw_free(&nd);

    /* two constants: node 1 hangs nowhere (records of 24 bytes: node 1 at 247) */
    tw r = {{0}};
    tw_u64(&nd, 2);
    tw_f64(&r, 0.5);
    tw_record(&nd, FAIRC_NODE_CONSTANT, &r);
    tw_record(&nd, FAIRC_NODE_CONSTANT, &r);
    tw_free(&r);
    expect_body("unreachable node", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 247: NODE: node 1: node 1 is not in the tree of node 0");
    tw_free(&nd);

    tw_u64(&nd, 1);
    tw_f64(&r, 1.5);
    tw_record(&nd, FAIRC_NODE_CONSTANT, &r);
    tw_free(&r);
    expect_body("constant 1.5", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 239: NODE: node 0: constant p is 1.5, expected a number in [0, 1]");
    tw_free(&nd);

    tw_u64(&nd, 1);
    tw_f64(&r, 0.5);
    tw_record(&nd, 9, &r);
    tw_free(&r);
    expect_body("unknown node type", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 223: NODE: node 0: unknown node type 9");
    tw_free(&nd);

    tw_u64(&nd, 1);
    tw_f64(&r, 0.5);
    tw_record(&nd, FAIRC_NODE_THRESHOLD, &r);
    tw_free(&r);
    expect_body("threshold node", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 223: NODE: node 0: THRESHOLD nodes need format version 1.3 or later, the file says 1.0");
    tw_free(&nd);

    /* model checks: parameter count, range, hidden layers of a logistic model */
    tw_u64(&nd, 1);
    model_payload(&r, FAIRC_MODEL_LOGISTIC, 0, 3);
    tw_record(&nd, FAIRC_NODE_MODEL, &r);
    tw_free(&r);
    tw pm = {{0}};
    tw_u64(&pm, 3);
    tw_f64(&pm, 1);
    tw_f64(&pm, 2);
    tw_f64(&pm, 3);
    expect_body("param count", body_of(NULL, NULL, &nd, &pm), FAIRC_EPARSE,
                "hostile.fcm: byte 256: NODE: node 0: the model has 3 parameters, expected 2 for D = 1 and hidden layers []");
    tw_free(&nd);
    tw_free(&pm);

    tw_u64(&nd, 1);
    model_payload(&r, FAIRC_MODEL_LOGISTIC, 1, 2);
    tw_record(&nd, FAIRC_NODE_MODEL, &r);
    tw_free(&r);
    expect_body("param range", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 248: NODE: node 0: parameters at offset 1, count 2 lie outside the 2 of PARM");
    tw_free(&nd);

    tw_u64(&nd, 1);
    tw_u8(&r, FAIRC_MODEL_LOGISTIC);
    tw_u64(&r, 1);
    tw_u64(&r, 4);
    tw_u64(&r, 0);
    tw_u64(&r, 2);
    tw_record(&nd, FAIRC_NODE_MODEL, &r);
    tw_free(&r);
    expect_body("logistic with hidden", body_of(NULL, NULL, &nd, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 240: NODE: node 0: a logistic model has no hidden layers, found 1");
    tw_free(&nd);
}

TEST(modelfile_hostile_values_fail_with_exact_messages)
{
    tw pm = {{0}};
    tw_u64(&pm, 2);
    tw_f64(&pm, 0.5);
    tw_f64(&pm, NAN);
    expect_body("NaN parameter", body_of(NULL, NULL, NULL, &pm), FAIRC_EPARSE,
                "hostile.fcm: byte 296: PARM: parameter 1 is NaN, expected a finite number");
    tw_free(&pm);

    tw e = {{0}};
    encd_head(&e, 1);
    tw_u64(&e, 1);
    encd_feature_x(&e, 0, 0.0);
    tw_u64(&e, 0);
    tw_u64(&e, 0);
    expect_body("sd 0", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 174: ENCD: feature 0 'x': sd is 0, expected a finite number > 0");
    tw_free(&e);

    encd_head(&e, 2);
    tw_u64(&e, 1);
    encd_feature_x(&e, 1, 2.0);
    tw_u64(&e, 0);
    tw_u64(&e, 0);
    expect_body("gap in the tiling", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 158: ENCD: feature 0 'x': starts at encoded column 1, but no feature covers column 0");
    tw_free(&e);

    encd_head(&e, 2);
    tw_u64(&e, 1);
    encd_feature_x(&e, 0, 2.0);
    tw_u64(&e, 0);
    tw_u64(&e, 0);
    expect_body("D too wide", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 136: ENCD: D is 2, but the features cover 1 encoded columns");
    tw_free(&e);

    /* strings: invalid UTF-8 (an overlong '/'), and a NUL inside */
    tw_u8(&e, 0);
    tw_u32(&e, 2);
    tw_raw(&e, "\xc0\xaf", 2);
    expect_body("overlong UTF-8", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 126: ENCD: the label column is not valid UTF-8");
    tw_free(&e);
    tw_u8(&e, 0);
    tw_u32(&e, 3);
    tw_raw(&e, "a\0b", 3);
    expect_body("NUL in a string", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 127: ENCD: the label column holds a NUL byte");
    tw_free(&e);

    tw_u8(&e, 0);
    tw_u32(&e, 3);
    tw_raw(&e, "\xed\xa0\x80", 3); /* a UTF-16 surrogate */
    expect_body("surrogate", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 126: ENCD: the label column is not valid UTF-8");
    tw_free(&e);
    tw_u8(&e, 0);
    tw_u32(&e, 5);
    tw_raw(&e, "a\xf4\x90\x80\x80", 5); /* U+110000 */
    expect_body("above U+10FFFF", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 127: ENCD: the label column is not valid UTF-8");
    tw_free(&e);
    tw_u8(&e, 0);
    tw_u32(&e, 2);
    tw_raw(&e, "\xe2\x82", 2); /* a 3-byte sequence cut short */
    expect_body("cut sequence", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 126: ENCD: the label column is not valid UTF-8");
    tw_free(&e);

    /* a long column name is shortened in the message; an infinite mean */
    const char *longname = "a_very_long_column_name_that_goes_on_and_on_and_on_forever";
    encd_head(&e, 1);
    tw_u64(&e, 1);
    tw_str(&e, longname);
    tw_u8(&e, FAIRC_FEAT_NUMERIC);
    tw_u64(&e, 0);
    tw_f64(&e, INFINITY);
    tw_f64(&e, 1.0);
    tw_u8(&e, 0);
    tw_u64(&e, 0);
    tw_u64(&e, 0);
    expect_body("infinite mean", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 223: ENCD: feature 0 'a_very_long_column_name_that_goes_on_and...': mean is inf, expected a finite number");
    tw_free(&e);

    tw_u8(&e, 7);
    expect_body("task 7", body_of(NULL, &e, NULL, NULL), FAIRC_EPARSE,
                "hostile.fcm: byte 121: ENCD: task is 7, expected 0 (classification) or 1 (regression)");
    tw_free(&e);
}

TEST(modelfile_hostile_sections_and_header_fail_with_exact_messages)
{
    tw d[4] = {{{0}}, {{0}}, {{0}}, {{0}}}, x = {{0}}, body = {{0}};
    meta_default(&d[0]);
    encd_default(&d[1]);
    node_default(&d[2]);
    parm_default(&d[3]);
    tw_raw(&x, "12345", 5);

    body = body_of(NULL, NULL, NULL, NULL);
    tw_section(&body, "ABCD", &x);
    expect_body("unknown critical section", body, FAIRC_EPARSE,
                "hostile.fcm: byte 304: unknown critical section ABCD (written by a newer fairc?)");

    /* an unknown optional section is skipped: the model equals the plain one */
    body = body_of(NULL, NULL, NULL, NULL);
    tw_section(&body, "xtra", &x);
    tw plain_body = body_of(NULL, NULL, NULL, NULL);
    tw with = tw_file(1, 0, 0, &body), plain = tw_file(1, 0, 0, &plain_body);
    fairc_predictor *p = NULL, *q = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_load_memory(with.b.p, with.b.len, "x", &p, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_load_memory(plain.b.p, plain.b.len, "x", &q, &st), FAIRC_OK);
    if (p && q) check_same(p, q);
    fairc_predictor_free(&p);
    fairc_predictor_free(&q);
    tw_free(&with);
    tw_free(&plain);
    tw_free(&plain_body);
    tw_free(&body);

    tw_section(&body, "META", &d[0]);
    tw_section(&body, "META", &d[0]);
    tw_section(&body, "ENCD", &d[1]);
    tw_section(&body, "NODE", &d[2]);
    tw_section(&body, "PARM", &d[3]);
    expect_body("META twice", body, FAIRC_EPARSE,
                "hostile.fcm: byte 105: section META appears twice (first at byte 24)");

    body = (tw){{0}};
    tw_section(&body, "META", &d[0]);
    tw_section(&body, "ENCD", &d[1]);
    tw_section(&body, "NODE", &d[2]);
    expect_body("PARM missing", body, FAIRC_EPARSE,
                "hostile.fcm: byte 264: the required section PARM is missing");

    /* sections in another order load */
    body = (tw){{0}};
    tw_section(&body, "PARM", &d[3]);
    tw_section(&body, "NODE", &d[2]);
    tw_section(&body, "ENCD", &d[1]);
    tw_section(&body, "META", &d[0]);
    expect_body("reversed order", body, FAIRC_OK, NULL);

    body = (tw){{0}};
    tw_section(&body, "META", &d[0]);
    tw_block(&body, "ENCD", 7, &d[1]);
    expect_body("reserved field", body, FAIRC_EPARSE,
                "hostile.fcm: byte 109: section ENCD: reserved field is 7, expected 0");

    body = body_of(NULL, NULL, NULL, NULL);
    tw_raw(&body, "xtra\0\0\0\0\0\0", 10);
    expect_body("cut section header", body, FAIRC_EPARSE,
                "hostile.fcm: byte 304: a section header is cut short (16 bytes needed, 10 left)");

    body = (tw){{0}};
    tw_section(&body, "META", &d[0]);
    tw_section(&body, "\x01\x02\x03\x04", &x);
    expect_body("binary tag", body, FAIRC_EPARSE,
                "hostile.fcm: byte 105: section tag 01 02 03 04 is not 4 printable ASCII characters starting with a letter");

    /* header fields behind the CRC */
    body = body_of(NULL, NULL, NULL, NULL);
    tw f = tw_file(1, 0, 1, &body);
    CHECK_EQ_INT(load_bytes(f.b.p, f.b.len, "hostile.fcm", &st), FAIRC_EPARSE);
    CHECK_STR(st.message, "hostile.fcm: byte 12: flags are 0x00000001, expected 0 (written by a newer fairc?)");
    tw_free(&f);
    f = tw_file(2, 0, 0, &body);
    CHECK_EQ_INT(load_bytes(f.b.p, f.b.len, "hostile.fcm", &st), FAIRC_EPARSE);
    CHECK_STR(st.message, "hostile.fcm: byte 8: format version 2.0 is not supported (this fairc reads version 1.x)");
    tw_free(&f);
    tw_free(&body);

    for (int k = 0; k < 4; k++) tw_free(&d[k]);
    tw_free(&x);
}

TEST(modelfile_trailing_fields_load_only_from_a_newer_minor_version)
{
    tw e = {{0}}, nd = {{0}}, r = {{0}};
    encd_default(&e);
    tw_raw(&e, "new", 3); /* a field appended to ENCD by a later 1.x */
    tw body = body_of(NULL, &e, NULL, NULL);
    expect_load("ENCD extended, 1.1", &body, 1, FAIRC_OK, NULL);
    expect_load("ENCD extended, 1.0", &body, 0, FAIRC_EPARSE,
                "hostile.fcm: byte 199: ENCD: 3 unexpected bytes at the end of the section");
    tw_free(&body);

    tw_u64(&nd, 1);
    model_payload(&r, FAIRC_MODEL_LOGISTIC, 0, 2);
    tw_u32(&r, 77); /* a field appended to MODEL records */
    tw_record(&nd, FAIRC_NODE_MODEL, &r);
    body = body_of(NULL, NULL, &nd, NULL);
    expect_load("record extended, 1.1", &body, 1, FAIRC_OK, NULL);
    expect_load("record extended, 1.0", &body, 0, FAIRC_EPARSE,
                "hostile.fcm: byte 264: NODE: node 0: 4 unexpected bytes at the end of the record");
    tw_free(&body);
    tw_free(&e);
    tw_free(&nd);
    tw_free(&r);
}

/* Every single-byte change of the body with the CRC and length made valid again: the parser
 * behind the CRC either loads (and the result serialises) or fails with a positioned message. */
TEST(modelfile_every_byte_change_behind_a_valid_crc_loads_or_fails_cleanly)
{
    fairc_predictor *p = make_mixture();
    void *v = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    unsigned char *b = v;
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    size_t bad = 0, loaded = 0;
    for (size_t pos = 24; pos < n - 4; pos++)
        for (size_t k = 0; k < sizeof values; k++) {
            unsigned char keep = b[pos];
            if (keep == values[k]) continue;
            b[pos] = values[k];
            uint32_t crc = fairc_crc32(0, b, n - 4);
            for (size_t j = 0; j < 4; j++) b[n - 4 + j] = (unsigned char)(crc >> (8 * j));
            fairc_predictor *q = NULL;
            int rc = fairc_predictor_load_memory(b, n, "m", &q, &st);
            if (rc == FAIRC_OK) {
                void *w = NULL;
                size_t nw = 0;
                loaded++;
                if (fairc_predictor_serialize(q, &w, &nw, &st) != FAIRC_OK && bad++ < 5)
                    CHECK_MSG(0, "byte %zu = 0x%02x loads but does not serialise: %s", pos,
                              values[k], st.message);
                free(w);
            } else if ((rc != FAIRC_EPARSE && rc != FAIRC_ELIMIT) ||
                       !starts_with(st.message, "m: byte ")) {
                if (bad++ < 5) CHECK_MSG(0, "byte %zu: rc %d '%s'", pos, rc, st.message);
            }
            fairc_predictor_free(&q);
            b[pos] = keep;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK(loaded > 0); /* e.g. changed names and parameters */
    free(v);
    fairc_predictor_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* describe and `fairc inspect`                                                                */

TEST(modelfile_describe_text_lists_the_run_encoder_tree_and_escapes_control_bytes)
{
    fairc_predictor *p = make_mixture();
    free(p->enc.features[2].column);
    p->enc.features[2].column = xstrdup("hours\x1b[31m");
    char *t = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_describe(p, 0, &t, &st), FAIRC_OK);
    CHECK(t && strstr(t, "written by fairc 0.1.0-test\n"));
    CHECK(t && strstr(t, "training file:  données.csv\n"));
    CHECK(t && strstr(t, "sha256:       ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"));
    CHECK(t && strstr(t, "rows:         32561\n"));
    CHECK(t && strstr(t, "positive:       \">50K\", \">50K.\"\n"));
    CHECK(t && strstr(t, "missing values: \"?\", \"NA\", \"\"\n"));
    CHECK(t && strstr(t, "features:       3 columns, D = 6 encoded\n"));
    CHECK(t && strstr(t, "  [0..1]         age: numeric, mean 38.5816, sd 13.6402, missing indicator\n"));
    CHECK(t && strstr(t, "  [2..4]         workclass: categorical, 3 levels: \"Private\", \"Self-emp-not-inc\", \"?\"\n"));
    CHECK(t && strstr(t, "hours\\x1b[31m") && !strchr(t, 0x1b));
    CHECK(t && strstr(t, "groups:         4: \"Female|White\", \"Male|White\", \"Female|Black\", \"€|😀\"\n"));
    CHECK(t && strstr(t, "tree:           4 nodes\n    mixture of 3\n"
                         "      weight 0.6      model logistic, 7 parameters at 0\n"
                         "      weight 0.3      model mlp hidden [8, 4], 97 parameters at 7\n"
                         "      weight 0.1      constant p = 0.25\n"
                         "parameters:     104\n"));
    free(t);
    fairc_predictor_free(&p);
}

TEST(modelfile_describe_json_parses_and_holds_every_field)
{
    fairc_predictor *p = make_mixture();
    char *t = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_describe(p, 1, &t, &st), FAIRC_OK);
    json *j = t ? json_parse(t) : NULL;
    CHECK_MSG(j != NULL, "not JSON: %s", t ? t : "(null)");
    if (j) {
        const json *x;
        CHECK((x = json_get(j, "format")) && x->type == JSON_STRING && strcmp(x->string, "fairc-model/1.0") == 0);
        CHECK((x = json_get(j, "train_file")) && strcmp(x->string, "données.csv") == 0);
        CHECK((x = json_get(j, "train_rows")) && x->number == 32561);
        CHECK((x = json_get(j, "D")) && x->number == 6);
        CHECK((x = json_get(j, "features")) && x->type == JSON_ARRAY && x->n == 3);
        if (x && x->n == 3) {
            const json *lv = json_get(&x->items[1], "levels");
            CHECK(lv && lv->n == 3 && strcmp(lv->items[1].string, "Self-emp-not-inc") == 0);
            CHECK(json_get(&x->items[0], "mean")->number == 38.581647261447683);
        }
        CHECK((x = json_get(j, "na_values")) && x->type == JSON_ARRAY && x->n == 3);
        CHECK((x = json_get(j, "nodes")) && x->type == JSON_ARRAY && x->n == 4);
        if (x && x->n == 4) {
            CHECK(strcmp(json_get(&x->items[0], "type")->string, "mixture") == 0);
            CHECK(json_get(&x->items[0], "weights")->items[1].number == 0.3);
            CHECK(json_get(&x->items[2], "hidden")->n == 2);
            CHECK(json_get(&x->items[3], "p")->number == 0.25);
        }
        CHECK((x = json_get(j, "n_params")) && x->number == 104);
        json_free(j);
    }
    free(t);
    fairc_predictor_free(&p);
}

TEST(modelfile_cli_inspect_prints_the_model_and_reports_bad_files)
{
    fairc_predictor *p = make_mixture();
    char path[512], cmd[1200], bad[512];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_save(p, tmp_path("inspect.fcm", path, sizeof path), &st), FAIRC_OK);
    fairc_predictor_free(&p);
    char *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "inspect %s", path);
    int rc = test_run_fairc(cmd, &out, &err);
    if (rc == 2 && err && strstr(err, "unknown command")) {
        free(out);
        free(err);
        SKIP("this fairc binary has no inspect command yet");
    }
    CHECK_EQ_INT(rc, 0);
    CHECK(out && strstr(out, "tree:           4 nodes\n"));
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "inspect --json %s", path);
    CHECK_EQ_INT(test_run_fairc(cmd, &out, &err), 0);
    json *j = out ? json_parse(out) : NULL;
    CHECK(j && json_get(j, "n_params") && json_get(j, "n_params")->number == 104);
    json_free(j);
    free(out);
    free(err);
    test_write_file("not-a-model.fcm", "hello, this is not a model file", 31, bad, sizeof bad);
    snprintf(cmd, sizeof cmd, "inspect %s", bad);
    CHECK_EQ_INT(test_run_fairc(cmd, &out, &err), 1);
    char want[700];
    snprintf(want, sizeof want, "fairc: %s: byte 0: not a fairc model file (it does not start with FAIRCMOD)\n", bad);
    CHECK_STR(err, want);
    CHECK(out && out[0] == 0);
    free(out);
    free(err);
    CHECK_EQ_INT(test_run_fairc("inspect", &out, &err), 2);
    CHECK(err && strstr(err, "MODEL is required"));
    free(out);
    free(err);
    CHECK_EQ_INT(test_run_fairc("inspect --frobnicate x", &out, &err), 2);
    free(out);
    free(err);
    CHECK_EQ_INT(test_run_fairc("inspect --help", &out, &err), 0);
    CHECK(out && strstr(out, "usage: fairc inspect MODEL [--json]"));
    free(out);
    free(err);
}

/* ------------------------------------------------------------------------------------------ */
/* The fuzz corpus                                                                             */

/* fuzz/corpus/fuzz_modelfile/: each file is one option byte (bit 0: the target re-patches the
 * length and CRC) followed by a model file made here. With FAIRC_WRITE_CORPUS=1 this test
 * (re)writes them; otherwise it checks that the committed files are still exactly what this
 * version writes and that they load, so a format change cannot pass unnoticed. */
static void corpus_entry(const char *dir, const char *name, unsigned char option, const void *b,
                         size_t n, int write)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *e = malloc(n + 1);
    if (!e) abort();
    e[0] = option;
    memcpy(e + 1, b, n);
    if (write) {
        FILE *f = fopen(path, "wb");
        CHECK_MSG(f && fwrite(e, 1, n + 1, f) == n + 1, "cannot write %s", path);
        if (f) fclose(f);
    }
    size_t got = 0;
    char *have = test_read_file(path, &got);
    CHECK_MSG(have && got == n + 1 && memcmp(have, e, n + 1) == 0,
              "%s differs from what this version writes (FAIRC_WRITE_CORPUS=1 rewrites it)", path);
    CHECK(n + 1 < 20000);
    fairc_status st = {0};
    CHECK_MSG(load_bytes(b, n, name, &st) == FAIRC_OK, "%s: %s", name, st.message);
    free(have);
    free(e);
}

static void corpus_predictor(const char *dir, const char *name, fairc_predictor *p, int write)
{
    void *v = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    char nm[128];
    snprintf(nm, sizeof nm, "%s-raw", name);
    corpus_entry(dir, nm, 0, v, n, write);
    snprintf(nm, sizeof nm, "%s-patched", name);
    corpus_entry(dir, nm, 1, v, n, write);
    free(v);
    fairc_predictor_free(&p);
}

TEST(modelfile_fuzz_corpus_is_what_this_version_writes)
{
    const char *dir = "fuzz/corpus/fuzz_modelfile";
    const char *w = getenv("FAIRC_WRITE_CORPUS");
    int write = w && strcmp(w, "1") == 0;
    struct stat sb;
    if (write) mkdir(dir, 0777);
    if (stat(dir, &sb) != 0) SKIP("fuzz/corpus/fuzz_modelfile not found (run from the repository root)");
    corpus_predictor(dir, "logistic", make_logistic(), write);
    corpus_predictor(dir, "mlp", make_mlp(), write);
    corpus_predictor(dir, "mixture", make_mixture(), write);
    tw nd = {{0}}, e = {{0}}, x = {{0}};
    chain(&nd, 15);
    tw body = body_of(NULL, NULL, &nd, NULL);
    tw f = tw_file(1, 0, 0, &body);
    corpus_entry(dir, "depth16-patched", 1, f.b.p, f.b.len, write);
    tw_free(&f);
    tw_free(&body);
    encd_default(&e);
    tw_raw(&e, "new", 3);
    tw_raw(&x, "12345", 5);
    body = body_of(NULL, &e, NULL, NULL);
    tw_section(&body, "xtra", &x);
    f = tw_file(1, 1, 0, &body);
    corpus_entry(dir, "minor1-optional-patched", 1, f.b.p, f.b.len, write);
    tw_free(&f);
    tw_free(&body);
    tw_free(&nd);
    tw_free(&e);
    tw_free(&x);
}
