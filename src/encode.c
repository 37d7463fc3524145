/* encode.c: raw rows -> model features (SPEC §1.6, §12.2). Loads a whole training file into a
 * column table, fits the encoder on it (numbers standardised with the training mean and
 * population sd, categories one-hot with the missing marker as a level of its own), and encodes
 * rows of any later file through the same encoder, naming the field of any bad value. A category
 * unseen at fit encodes as zeros and is counted. Not here: the learners (model.h). */
#include "encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the training table ------------------------------------------------------------------- */

static int table_grow(fairc_table *t)
{
    size_t cap = t->cap ? 2 * t->cap : 1024;
    for (size_t j = 0; j < t->ncols; j++) {
        uint32_t *id = realloc(t->cols[j].id, cap * sizeof *id);
        if (!id) return -1;
        t->cols[j].id = id;
        double *num = realloc(t->cols[j].num, cap * sizeof *num);
        if (!num) return -1;
        t->cols[j].num = num;
    }
    t->cap = cap;
    return 0;
}

int fairc_table_read(fairc_reader *r, const fairc_table_checks *chk, fairc_table **out,
                     fairc_status *st)
{
    *out = NULL;
    fairc_table *t = calloc(1, sizeof *t);
    if (!t) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    t->ncols = fairc_reader_ncols(r);
    t->cols = calloc(t->ncols ? t->ncols : 1, sizeof *t->cols);
    if (!t->cols) {
        free(t);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    int rc = FAIRC_OK;
    for (size_t j = 0; j < t->ncols && rc == FAIRC_OK; j++) {
        t->cols[j].name = strdup(fairc_reader_colname(r, j));
        t->cols[j].numeric = fairc_reader_coltype(r, j) != FAIRC_COL_NOMINAL &&
                             fairc_reader_coltype(r, j) != FAIRC_COL_STRING;
        if (!t->cols[j].name) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    int more;
    while (rc == FAIRC_OK && (more = fairc_reader_next(r, st)) != 0) {
        if (more < 0) {
            rc = st && st->code ? st->code : FAIRC_EPARSE;
            break;
        }
        if (t->N == t->cap && table_grow(t) != 0) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory loading %s", fairc_reader_name(r));
            break;
        }
        if (chk && chk->label_col >= 0 && fairc_reader_missing(r, (size_t)chk->label_col)) {
            if (chk->drop_missing_label) {
                t->dropped++;
                continue;
            }
            rc = fairc_reader_error(r, (size_t)chk->label_col + 1, FAIRC_EINVAL, st,
                                    "the label is missing (--drop-missing-label drops such rows)");
            break;
        }
        if (chk && chk->weight_col >= 0) {
            size_t n;
            const char *s = fairc_reader_field(r, (size_t)chk->weight_col, &n);
            double v;
            if (fairc_reader_missing(r, (size_t)chk->weight_col) || fairc_parse_double(s, n, &v) != 0 || v < 0) {
                rc = fairc_reader_error(r, (size_t)chk->weight_col + 1, FAIRC_EINVAL, st,
                                        "weight '%.40s' is not a finite number >= 0", s);
                break;
            }
        }
        for (size_t j = 0; j < t->ncols; j++) {
            fairc_table_col *c = &t->cols[j];
            if (fairc_reader_missing(r, j)) {
                c->id[t->N] = FAIRC_MISSING_ID;
                c->num[t->N] = NAN;
                c->n_missing++;
                continue;
            }
            size_t n;
            const char *s = fairc_reader_field(r, j, &n);
            long id = fairc_strmap_intern(&c->levels, s, n, NULL);
            if (id < 0 || id >= (long)FAIRC_MISSING_ID) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory loading %s", fairc_reader_name(r));
                break;
            }
            c->id[t->N] = (uint32_t)id;
            double v;
            if (fairc_parse_double(s, n, &v) == 0) c->num[t->N] = v;
            else {
                c->num[t->N] = NAN;
                c->numeric = 0;
            }
        }
        t->N++;
    }
    if (rc != FAIRC_OK) {
        fairc_table_free(&t);
        return rc;
    }
    *out = t;
    return FAIRC_OK;
}

void fairc_table_free(fairc_table **tp)
{
    if (!tp || !*tp) return;
    fairc_table *t = *tp;
    for (size_t j = 0; j < t->ncols; j++) {
        free(t->cols[j].name);
        free(t->cols[j].id);
        free(t->cols[j].num);
        fairc_strmap_free(&t->cols[j].levels);
    }
    free(t->cols);
    free(t);
    *tp = NULL;
}

long fairc_table_find(const fairc_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j].name, name) == 0) return (long)j;
    return -1;
}

/* ---- fitting ------------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_excluded(const char *name, const fairc_encoder_spec *spec)
{
    if (strcmp(name, spec->label) == 0) return 1;
    if (spec->weight && strcmp(name, spec->weight) == 0) return 1;
    for (size_t k = 0; k < spec->n_drop; k++)
        if (strcmp(name, spec->drop[k]) == 0) return 1;
    return 0;
}

int fairc_encoder_fit(const fairc_table *t, const fairc_encoder_spec *spec, fairc_encoder *e,
                      fairc_status *st)
{
    memset(e, 0, sizeof *e);
    for (size_t k = 0; k < spec->n_drop; k++)
        if (fairc_table_find(t, spec->drop[k]) < 0)
            return fairc_fail(st, FAIRC_EINVAL, "--drop: no column named '%.100s'", spec->drop[k]);
    for (size_t k = 0; k < spec->n_sensitive; k++)
        if (fairc_table_find(t, spec->sensitive[k]) < 0)
            return fairc_fail(st, FAIRC_EINVAL, "no sensitive column named '%.100s'", spec->sensitive[k]);
    e->task = spec->task;
    e->label = strdup(spec->label);
    e->pos_labels = fairc_strdup_list(spec->pos_labels, spec->n_pos_labels);
    e->n_pos_labels = spec->n_pos_labels;
    e->sensitive = fairc_strdup_list(spec->sensitive, spec->n_sensitive);
    e->n_sensitive = spec->n_sensitive;
    if (spec->na_values) {
        e->na_values = fairc_strdup_list(spec->na_values, spec->n_na_values);
        e->n_na_values = spec->n_na_values;
    }
    e->features = calloc(t->ncols ? t->ncols : 1, sizeof *e->features);
    if (!e->label || !e->pos_labels || !e->sensitive || !e->features ||
        (spec->na_values && !e->na_values))
        goto nomem;
    size_t D = 0;
    for (size_t j = 0; j < t->ncols; j++) {
        const fairc_table_col *c = &t->cols[j];
        if (is_excluded(c->name, spec)) continue;
        fairc_feature *f = &e->features[e->n_features++];
        if (!(f->column = strdup(c->name))) goto nomem;
        f->offset = D;
        if (c->numeric) {
            /* Training mean and population sd over the present values, as StandardScaler. */
            fairc_ksum s = {0, 0}, ss = {0, 0};
            size_t n = 0;
            for (size_t i = 0; i < t->N; i++)
                if (c->id[i] != FAIRC_MISSING_ID) {
                    fairc_ksum_add(&s, c->num[i]);
                    n++;
                }
            double mean = n ? fairc_ksum_value(&s) / (double)n : 0;
            for (size_t i = 0; i < t->N; i++)
                if (c->id[i] != FAIRC_MISSING_ID) {
                    double d = c->num[i] - mean;
                    fairc_ksum_add(&ss, d * d);
                }
            double sd = n ? sqrt(fairc_ksum_value(&ss) / (double)n) : 0;
            f->kind = FAIRC_FEAT_NUMERIC;
            f->mean = mean;
            f->sd = sd > 0 ? sd : 1;
            f->has_indicator = c->n_missing > 0;
            D += 1 + (size_t)f->has_indicator;
        } else {
            size_t n = c->levels.n + (c->n_missing > 0);
            f->kind = FAIRC_FEAT_CATEGORICAL;
            f->levels = calloc(n ? n : 1, sizeof *f->levels);
            if (!f->levels) goto nomem;
            for (size_t k = 0; k < c->levels.n; k++)
                if (!(f->levels[f->n_levels++] = strdup(c->levels.keys[k]))) goto nomem;
            qsort(f->levels, f->n_levels, sizeof *f->levels, cmp_str);
            /* The missing marker is a level of its own, last (SPEC §1.6). A literal "?" that
             * was not a missing token would already be a level: keep one. */
            if (c->n_missing > 0 && fairc_strmap_find(&c->levels, "?", 1) < 0)
                if (!(f->levels[f->n_levels++] = strdup("?"))) goto nomem;
            D += f->n_levels;
        }
    }
    if (e->n_features == 0) return fairc_fail(st, FAIRC_EINVAL, "no feature columns left (every column is the label, the weight or dropped)");
    if (D > 100000) return fairc_fail(st, FAIRC_ELIMIT, "%zu encoded features: over the cap of 100,000 (drop identifier-like columns with --drop)", D);
    e->D = D;
    return FAIRC_OK;
nomem:
    return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
}

/* ---- encoding rows -------------------------------------------------------------------------- */

struct fairc_encoder_index {
    size_t n;
    fairc_strmap *levels; /* per feature (categorical) */
    long *col;            /* per feature: column index in the bound source */
};

int fairc_encoder_index_new(const fairc_encoder *e, fairc_encoder_index **out, fairc_status *st)
{
    *out = NULL;
    fairc_encoder_index *x = calloc(1, sizeof *x);
    if (!x) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    x->n = e->n_features;
    x->levels = calloc(x->n ? x->n : 1, sizeof *x->levels);
    x->col = calloc(x->n ? x->n : 1, sizeof *x->col);
    if (!x->levels || !x->col) {
        fairc_encoder_index_free(&x);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < x->n; k++) {
        const fairc_feature *f = &e->features[k];
        for (size_t l = 0; l < f->n_levels; l++)
            if (fairc_strmap_intern(&x->levels[k], f->levels[l], strlen(f->levels[l]), NULL) < 0) {
                fairc_encoder_index_free(&x);
                return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            }
    }
    *out = x;
    return FAIRC_OK;
}

void fairc_encoder_index_free(fairc_encoder_index **xp)
{
    if (!xp || !*xp) return;
    fairc_encoder_index *x = *xp;
    for (size_t k = 0; x->levels && k < x->n; k++) fairc_strmap_free(&x->levels[k]);
    free(x->levels);
    free(x->col);
    free(x);
    *xp = NULL;
}

int fairc_encoder_bind(const fairc_encoder *e, fairc_encoder_index *x, const fairc_reader *r,
                       fairc_status *st)
{
    for (size_t k = 0; k < e->n_features; k++) {
        x->col[k] = fairc_reader_find(r, e->features[k].column);
        if (x->col[k] < 0)
            return fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s', which the model uses as a feature",
                              fairc_reader_name(r), e->features[k].column);
    }
    return FAIRC_OK;
}

int fairc_encoder_row(const fairc_encoder *e, const fairc_encoder_index *x, const fairc_reader *r,
                      float *out, uint64_t *unseen, fairc_status *st)
{
    memset(out, 0, e->D * sizeof *out);
    for (size_t k = 0; k < e->n_features; k++) {
        const fairc_feature *f = &e->features[k];
        size_t j = (size_t)x->col[k], n;
        int missing = fairc_reader_missing(r, j);
        const char *s = fairc_reader_field(r, j, &n);
        if (f->kind == FAIRC_FEAT_NUMERIC) {
            double v = f->mean;
            if (missing) {
                if (f->has_indicator) out[f->offset + 1] = 1;
            } else if (fairc_parse_double(s, n, &v) != 0) {
                return fairc_reader_error(r, j + 1, FAIRC_EINVAL, st,
                                          "'%.40s' is not a number, but the model was trained with "
                                          "column '%s' numeric", s, f->column);
            }
            out[f->offset] = (float)((v - f->mean) / f->sd);
        } else {
            long l = missing ? fairc_strmap_find(&x->levels[k], "?", 1) : fairc_strmap_find(&x->levels[k], s, n);
            if (l >= 0) out[f->offset + (size_t)l] = 1;
            else if (unseen) (*unseen)++;
        }
    }
    return FAIRC_OK;
}

int fairc_encoder_table(const fairc_encoder *e, const fairc_table *t, float *X, fairc_status *st)
{
    fairc_encoder_index *x = NULL;
    int rc = fairc_encoder_index_new(e, &x, st);
    if (rc != FAIRC_OK) return rc;
    for (size_t k = 0; k < e->n_features; k++) x->col[k] = fairc_table_find(t, e->features[k].column);
    for (size_t i = 0; i < t->N; i++) {
        float *row = X + i * e->D;
        memset(row, 0, e->D * sizeof *row);
        for (size_t k = 0; k < e->n_features; k++) {
            const fairc_feature *f = &e->features[k];
            const fairc_table_col *c = &t->cols[x->col[k]];
            uint32_t id = c->id[i];
            if (f->kind == FAIRC_FEAT_NUMERIC) {
                double v = id == FAIRC_MISSING_ID ? f->mean : c->num[i];
                if (id == FAIRC_MISSING_ID && f->has_indicator) row[f->offset + 1] = 1;
                row[f->offset] = (float)((v - f->mean) / f->sd);
            } else {
                long l = id == FAIRC_MISSING_ID ? fairc_strmap_find(&x->levels[k], "?", 1)
                                                : fairc_strmap_find(&x->levels[k], c->levels.keys[id], c->levels.key_len[id]);
                if (l >= 0) row[f->offset + (size_t)l] = 1;
            }
        }
    }
    fairc_encoder_index_free(&x);
    return FAIRC_OK;
}
