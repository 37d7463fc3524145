/* postprocess.c: the file-level side of the mitigations that work on data rather than inside a
 * learner: `fairc postprocess` (thresholds on a score column or around a saved model, SPEC §9),
 * `fairc train --mitigate threshold` (a model, then thresholds on its probabilities) and
 * `fairc train --mitigate reweigh` (SPEC §10.1 weights, then the learner). Each loads the file
 * into a column table, maps the label (SPEC §1.2), takes weights and intersection groups
 * (§1.5, fairc order), and hands arrays to threshold.c / reweigh.c / the learners. Not here: the
 * algorithms themselves, and CorrelationRemover's file transform (decorrelate.c). */
#include "encode.h"
#include "groups.h"
#include "model.h"
#include "threshold.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------------ */
/* Loading: labels, weights, groups                                                            */

/* y[i] in {0, 1} from the label column's values (SPEC §1.2): with pos_labels, 1 iff the value
 * is one of them (an error if none matches); else 0/1, -1/1 or false/true. */
static int labels_from_table(const fairc_table *t, size_t col, const char *const *pos,
                             size_t n_pos, const char *name, uint8_t *y, fairc_status *st)
{
    const fairc_table_col *c = &t->cols[col];
    size_t L = c->levels.n;
    uint8_t *value = malloc(L ? L : 1);
    if (!value) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int rc = FAIRC_OK;
    if (n_pos) {
        size_t matched = 0;
        for (size_t l = 0; l < L; l++) {
            value[l] = 0;
            for (size_t k = 0; k < n_pos; k++)
                if (strcmp(c->levels.keys[l], pos[k]) == 0) value[l] = 1;
            matched += value[l];
        }
        if (!matched) {
            fairc_buf seen = {0};
            for (size_t l = 0; l < L && l < 5; l++) fairc_buf_printf(&seen, "%s'%s'", l ? ", " : "", c->levels.keys[l]);
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no label equals the positive label%s given (values seen: %.200s)",
                            name, n_pos > 1 ? "s" : "", seen.p ? seen.p : "");
            fairc_buf_free(&seen);
        }
    } else {
        int numeric = 0, boolean = 0, zero = 0, minus = 0;
        for (size_t l = 0; l < L && rc == FAIRC_OK; l++) {
            const char *s = c->levels.keys[l];
            double v;
            if (fairc_parse_double(s, c->levels.key_len[l], &v) == 0 && (v == 0 || v == 1 || v == -1)) {
                numeric = 1;
                zero |= v == 0;
                minus |= v == -1;
                value[l] = v == 1;
            } else if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
                boolean = 1;
                value[l] = strcasecmp(s, "true") == 0;
            } else {
                rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: label '%.40s' is not 0/1, -1/1 or false/true: "
                                "name the positive value with --pos-label", name, s);
            }
        }
        if (rc == FAIRC_OK && ((numeric && boolean) || (zero && minus)))
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: the label mixes vocabularies: name the positive value with --pos-label", name);
    }
    for (size_t i = 0; rc == FAIRC_OK && i < t->N; i++) y[i] = value[c->id[i]];
    free(value);
    return rc;
}

/* What the mitigations need from a file. */
typedef struct fitdata {
    fairc_table *t;
    size_t N;
    uint8_t *y;
    double *w;        /* NULL: no weight column */
    int32_t *group;   /* (N) into e.group_names */
    fairc_encoder e;  /* label, positive labels, NA tokens, sensitive columns, group names */
} fitdata;

static void fitdata_free(fitdata *d)
{
    fairc_table_free(&d->t);
    free(d->y);
    free(d->w);
    free(d->group);
    fairc_encoder_clear(&d->e);
    memset(d, 0, sizeof *d);
}

/* Loads path: every row (rows without a label dropped when asked, else an error at its
 * position), labels, weights, and the intersection groups of the sensitive columns. */
static int fitdata_load(const char *path, const fairc_read_options *ropt, const char *label,
                        const char *const *pos, size_t n_pos, const char *weight,
                        const char *const *sensitive, size_t n_sensitive, int drop_missing_label,
                        fitdata *d, fairc_status *st)
{
    memset(d, 0, sizeof *d);
    fairc_reader *r = NULL;
    int rc = fairc_reader_open(path, ropt, &r, st);
    if (rc != FAIRC_OK) return rc;
    long label_col = fairc_reader_find(r, label);
    long weight_col = weight ? fairc_reader_find(r, weight) : -1;
    if (label_col < 0) rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no label column named '%.100s'", path, label);
    else if (weight && weight_col < 0) rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no weight column named '%.100s'", path, weight);
    for (size_t k = 0; rc == FAIRC_OK && k < n_sensitive; k++)
        if (fairc_reader_find(r, sensitive[k]) < 0)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no sensitive column named '%.100s'", path, sensitive[k]);
    if (rc == FAIRC_OK) {
        fairc_table_checks chk = {label_col, weight_col, drop_missing_label};
        rc = fairc_table_read(r, &chk, &d->t, st);
    }
    fairc_reader_free(&r);
    if (rc == FAIRC_OK && d->t->N == 0) rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no rows", path);
    if (rc == FAIRC_OK) {
        d->N = d->t->N;
        d->y = malloc(d->N);
        d->group = malloc(d->N * sizeof *d->group);
        if (weight) d->w = malloc(d->N * sizeof *d->w);
        d->e.task = FAIRC_TASK_CLASSIFY;
        d->e.label = strdup(label);
        d->e.pos_labels = fairc_strdup_list(pos, n_pos);
        d->e.n_pos_labels = n_pos;
        d->e.sensitive = fairc_strdup_list(sensitive, n_sensitive);
        d->e.n_sensitive = n_sensitive;
        if (ropt && ropt->na_values) {
            d->e.na_values = fairc_strdup_list(ropt->na_values, ropt->n_na_values);
            d->e.n_na_values = ropt->n_na_values;
        }
        if (!d->y || !d->group || (weight && !d->w) || !d->e.label || !d->e.pos_labels ||
            !d->e.sensitive || (ropt && ropt->na_values && !d->e.na_values))
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc == FAIRC_OK)
        rc = labels_from_table(d->t, (size_t)fairc_table_find(d->t, label), pos, n_pos, path, d->y, st);
    if (rc == FAIRC_OK && weight) {
        const fairc_table_col *c = &d->t->cols[fairc_table_find(d->t, weight)];
        for (size_t i = 0; i < d->N; i++) d->w[i] = c->num[i];
    }
    if (rc == FAIRC_OK) rc = fairc_groups_fit(d->t, &d->e, d->group, st);
    if (rc != FAIRC_OK) fitdata_free(d);
    return rc;
}

/* Error about row i (0-based among the rows kept) of path, field col: re-reads the file to find
 * the row's line, so the message says FILE:LINE:COL like every other data error. */
static int row_error(const char *path, const fairc_read_options *ropt, size_t i, size_t col,
                     long label_col, int drop_missing_label, fairc_status *st, const char *fmt,
                     const char *a, const char *b)
{
    fairc_reader *r = NULL;
    fairc_status ignore = {0};
    if (fairc_reader_open(path, ropt, &r, &ignore) == FAIRC_OK) {
        size_t kept = 0;
        while (fairc_reader_next(r, &ignore) == 1) {
            if (drop_missing_label && label_col >= 0 && fairc_reader_missing(r, (size_t)label_col)) continue;
            if (kept++ == i) {
                int rc = fairc_reader_error(r, col + 1, FAIRC_EINVAL, st, fmt, a, b);
                fairc_reader_free(&r);
                return rc;
            }
        }
        fairc_reader_free(&r);
    }
    return fairc_fail(st, FAIRC_EINVAL, "%.200s: row %zu: %s", path, i + 1, a);
}

/* The score column's values, finite (SPEC §1.3: missing and non-numbers are errors). */
static int scores_from_table(const char *path, const fairc_read_options *ropt, const fitdata *d,
                             const char *score, int drop_missing_label, double *s, fairc_status *st)
{
    long col = fairc_table_find(d->t, score);
    if (col < 0) return fairc_fail(st, FAIRC_EINVAL, "%.200s: no score column named '%.100s'", path, score);
    const fairc_table_col *c = &d->t->cols[col];
    for (size_t i = 0; i < d->N; i++) {
        if (c->id[i] == FAIRC_MISSING_ID)
            return row_error(path, ropt, i, (size_t)col, fairc_table_find(d->t, d->e.label),
                             drop_missing_label, st, "the score is missing (column '%s')%s", score, "");
        if (!isfinite(c->num[i]))
            return row_error(path, ropt, i, (size_t)col, fairc_table_find(d->t, d->e.label),
                             drop_missing_label, st, "score '%.40s' is not a finite number (column '%s')",
                             c->levels.keys[c->id[i]], score);
        s[i] = c->num[i];
    }
    return FAIRC_OK;
}

/* X (N, D) <- the table's rows through e (the columns must exist, numeric ones hold numbers). */
static int encode_table(const char *path, const fairc_encoder *e, const fairc_table *t, float **X,
                        fairc_status *st)
{
    *X = NULL;
    for (size_t k = 0; k < e->n_features; k++) {
        const fairc_feature *f = &e->features[k];
        long j = fairc_table_find(t, f->column);
        if (j < 0)
            return fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s', which the model uses "
                              "as a feature", path, f->column);
        const fairc_table_col *c = &t->cols[j];
        if (f->kind == FAIRC_FEAT_NUMERIC)
            for (size_t i = 0; i < t->N; i++)
                if (c->id[i] != FAIRC_MISSING_ID && !isfinite(c->num[i]))
                    return fairc_fail(st, FAIRC_EINVAL, "%.200s: '%.40s' in column '%.100s' is not a number, "
                                      "but the model was trained with it numeric", path,
                                      c->levels.keys[c->id[i]], f->column);
    }
    if (e->D && t->N > SIZE_MAX / sizeof(float) / e->D)
        return fairc_fail(st, FAIRC_ELIMIT, "%zu rows x %zu features do not fit in memory", t->N, e->D);
    size_t cells = t->N * e->D;
    *X = malloc((cells ? cells : 1) * sizeof **X);
    if (!*X) return fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu x %zu features", t->N, e->D);
    return fairc_encoder_table(e, t, *X, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Building predictors                                                                         */

static void info_from(fairc_threshold_info *info, size_t N, size_t G, const fairc_threshold_result *r)
{
    if (!info) return;
    info->rows = N;
    info->groups = G;
    info->objective = r->objective;
    info->disparity = r->disparity;
    info->x_best = r->x_best;
    info->y_best = r->y_best;
}

static int set_meta(fairc_predictor *p, const char *command, const char *train_file, uint64_t rows,
                    fairc_status *st)
{
    free(p->meta.version);
    free(p->meta.command);
    free(p->meta.train_file);
    p->meta.version = strdup(FAIRC_VERSION);
    p->meta.command = strdup(command ? command : "");
    p->meta.train_file = strdup(train_file);
    p->meta.train_rows = rows;
    if (!p->meta.version || !p->meta.command || !p->meta.train_file)
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    return FAIRC_OK;
}

/* A predictor on a score column: the encoder e (moved in; no features), one THRESHOLD node. */
static int score_predictor(fairc_encoder *e, const char *score, const char *id,
                           fairc_thresholds **thr, fairc_predictor **out, fairc_status *st)
{
    *out = NULL;
    fairc_predictor *p = calloc(1, sizeof *p);
    if (!p) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    p->enc = *e;
    memset(e, 0, sizeof *e);
    p->enc.D = 0;
    p->enc.score_column = strdup(score);
    p->enc.id_column = id ? strdup(id) : NULL;
    p->nodes = calloc(1, sizeof *p->nodes);
    if (!p->enc.score_column || (id && !p->enc.id_column) || !p->nodes) {
        fairc_predictor_free(&p);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    p->n_nodes = 1;
    p->nodes[0].type = FAIRC_NODE_THRESHOLD;
    p->nodes[0].thr = *thr;
    *thr = NULL;
    *out = p;
    return FAIRC_OK;
}

/* base (copied) under a new THRESHOLD root; the encoder takes e's sensitive columns and groups. */
static int wrap_predictor(const fairc_predictor *base, fairc_encoder *e, const char *id,
                          fairc_thresholds **thr, fairc_predictor **out, fairc_status *st)
{
    *out = NULL;
    /* a deep copy through the file format: every field, checked */
    void *bytes = NULL;
    size_t n = 0;
    fairc_predictor *p = NULL;
    int rc = fairc_predictor_serialize(base, &bytes, &n, st);
    if (rc == FAIRC_OK) rc = fairc_predictor_load_memory(bytes, n, "base model", &p, st);
    free(bytes);
    if (rc != FAIRC_OK) return rc;
    fairc_node *nodes = calloc(p->n_nodes + 1, sizeof *nodes);
    if (!nodes) {
        fairc_predictor_free(&p);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    memcpy(nodes + 1, p->nodes, p->n_nodes * sizeof *nodes);
    for (size_t i = 1; i <= p->n_nodes; i++)
        for (size_t c = 0; c < nodes[i].n_children; c++) nodes[i].children[c]++;
    free(p->nodes);
    p->nodes = nodes;
    p->n_nodes++;
    nodes[0].type = FAIRC_NODE_THRESHOLD;
    nodes[0].thr = *thr;
    *thr = NULL;
    if (!(nodes[0].children = malloc(sizeof *nodes[0].children))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    else {
        nodes[0].children[0] = 1;
        nodes[0].n_children = 1;
    }
    /* groups are the thresholds' */
    for (size_t k = 0; k < p->enc.n_sensitive; k++) free(p->enc.sensitive[k]);
    free(p->enc.sensitive);
    for (size_t k = 0; k < p->enc.n_groups; k++) free(p->enc.group_names[k]);
    free(p->enc.group_names);
    p->enc.sensitive = e->sensitive;
    p->enc.n_sensitive = e->n_sensitive;
    p->enc.group_names = e->group_names;
    p->enc.n_groups = e->n_groups;
    e->sensitive = e->group_names = NULL;
    e->n_sensitive = e->n_groups = 0;
    free(p->enc.id_column);
    p->enc.id_column = id ? strdup(id) : NULL;
    if (rc == FAIRC_OK && id && !p->enc.id_column) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc != FAIRC_OK) {
        fairc_predictor_free(&p);
        return rc;
    }
    *out = p;
    return FAIRC_OK;
}

FAIRC_API int fairc_threshold_fit_arrays(size_t N, const double *score, const uint8_t *y,
                                         const double *w, const int32_t *group, size_t G,
                                         const char *const *group_names,
                                         const fairc_threshold_options *o, fairc_predictor **out,
                                         fairc_threshold_info *info, fairc_status *st)
{
    *out = NULL;
    if (!group_names && G) return fairc_fail(st, FAIRC_EINVAL, "group names are required");
    fairc_thresholds *thr = NULL;
    fairc_threshold_result res;
    memset(&res, 0, sizeof res);
    int rc = fairc_threshold_fit(N, score, y, w, group, G, group_names, o, &thr, &res, st);
    if (rc != FAIRC_OK) return rc;
    info_from(info, N, G, &res);
    fairc_threshold_result_clear(&res);
    fairc_encoder e;
    memset(&e, 0, sizeof e);
    static const char *const sens[] = {"group"};
    e.task = FAIRC_TASK_CLASSIFY;
    e.label = strdup("y");
    e.pos_labels = calloc(1, sizeof *e.pos_labels);
    e.sensitive = fairc_strdup_list(sens, 1);
    e.n_sensitive = 1;
    e.group_names = fairc_strdup_list(group_names, G);
    e.n_groups = G;
    if (!e.label || !e.pos_labels || !e.sensitive || !e.group_names) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK) rc = score_predictor(&e, "score", NULL, &thr, out, st);
    if (rc == FAIRC_OK) rc = set_meta(*out, "", "(arrays)", N, st);
    if (rc != FAIRC_OK) fairc_predictor_free(out);
    fairc_encoder_clear(&e);
    fairc_thresholds_free(&thr);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* fairc postprocess                                                                           */

FAIRC_API void fairc_postprocess_options_init(fairc_postprocess_options *o)
{
    memset(o, 0, sizeof *o);
    fairc_threshold_options_init(&o->threshold);
}

FAIRC_API const char *fairc_postprocess_options_check(const fairc_postprocess_options *o)
{
    if (!o) return "no options";
    if (!o->label || !*o->label) return "a label column is required (--label)";
    if (o->n_sensitive == 0) return "at least one sensitive column is required (--sensitive)";
    if ((o->score != NULL) == (o->base != NULL)) return "give exactly one of a score column (--score) or a base model (--base)";
    if (o->base && o->base->enc.task != FAIRC_TASK_CLASSIFY) return "the base model must be a classifier";
    if (o->base && fairc_predictor_needs_groups(o->base)) return "the base model already applies thresholds";
    return fairc_threshold_options_check(&o->threshold);
}

FAIRC_API int fairc_postprocess_file(const char *path, const fairc_read_options *ropt,
                                     const fairc_postprocess_options *o, fairc_predictor **out,
                                     fairc_threshold_info *info, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_postprocess_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fitdata d;
    int rc = fitdata_load(path, ropt, o->label, o->pos_labels, o->n_pos_labels, o->weight,
                          o->sensitive, o->n_sensitive, o->drop_missing_label, &d, st);
    if (rc != FAIRC_OK) return rc;
    double *score = malloc(d.N * sizeof *score);
    float *X = NULL;
    fairc_thresholds *thr = NULL;
    fairc_threshold_result res;
    memset(&res, 0, sizeof res);
    if (!score) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK && o->id && fairc_table_find(d.t, o->id) < 0)
        rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no id column named '%.100s'", path, o->id);
    if (rc == FAIRC_OK && o->score) {
        rc = scores_from_table(path, ropt, &d, o->score, o->drop_missing_label, score, st);
    } else if (rc == FAIRC_OK) {
        rc = encode_table(path, &o->base->enc, d.t, &X, st);
        if (rc == FAIRC_OK) rc = fairc_predictor_predict(o->base, X, d.N, score, st);
    }
    free(X);
    if (rc == FAIRC_OK)
        rc = fairc_threshold_fit(d.N, score, d.y, d.w, d.group, d.e.n_groups,
                                 (const char *const *)d.e.group_names, &o->threshold, &thr, &res, st);
    if (rc == FAIRC_OK) info_from(info, d.N, d.e.n_groups, &res);
    size_t N = d.N;
    if (rc == FAIRC_OK) {
        fairc_table_free(&d.t); /* before building: the copies below need memory too */
        rc = o->score ? score_predictor(&d.e, o->score, o->id, &thr, out, st)
                      : wrap_predictor(o->base, &d.e, o->id, &thr, out, st);
    }
    if (rc == FAIRC_OK) rc = set_meta(*out, o->command, path, N, st);
    if (rc == FAIRC_OK) rc = fairc_sha256_file(path, (*out)->meta.train_sha256, st);
    if (rc != FAIRC_OK) fairc_predictor_free(out);
    fairc_threshold_result_clear(&res);
    fairc_thresholds_free(&thr);
    free(score);
    fitdata_free(&d);
    return rc;
}

FAIRC_API int fairc_train_threshold_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o,
                                         const fairc_threshold_options *t, fairc_predictor **out,
                                         fairc_train_info *info, fairc_threshold_info *tinfo,
                                         fairc_status *st)
{
    *out = NULL;
    if (o->n_sensitive == 0) return fairc_fail(st, FAIRC_EINVAL, "--mitigate threshold needs sensitive columns (--sensitive)");
    if (o->task != FAIRC_TASK_CLASSIFICATION) return fairc_fail(st, FAIRC_EINVAL, "--mitigate threshold needs a classifier");
    const char *bad = fairc_threshold_options_check(t);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fairc_train_options plain = *o;
    plain.mitigate = 0; /* the base model is trained as it is */
    fairc_predictor *base = NULL;
    int rc = fairc_train_file(path, ropt, &plain, &base, info, st);
    if (rc != FAIRC_OK) return rc;
    fairc_postprocess_options po;
    fairc_postprocess_options_init(&po);
    po.label = o->label;
    po.pos_labels = o->pos_labels;
    po.n_pos_labels = o->n_pos_labels;
    po.weight = o->weight;
    po.sensitive = o->sensitive;
    po.n_sensitive = o->n_sensitive;
    po.drop_missing_label = o->drop_missing_label;
    po.base = base;
    po.threshold = *t;
    po.command = o->command;
    rc = fairc_postprocess_file(path, ropt, &po, out, tinfo, st);
    fairc_predictor_free(&base);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* fairc train --mitigate reweigh                                                              */

static int write_weights(const char *path, const double *w, size_t N, fairc_status *st)
{
    fairc_atomic_file a;
    int rc = fairc_atomic_open(&a, path, st);
    if (rc != FAIRC_OK) return rc;
    int ok = fputs("weight\n", a.f) >= 0;
    for (size_t i = 0; ok && i < N; i++) ok = fprintf(a.f, "%.17g\n", w[i]) > 0;
    return fairc_atomic_close(&a, ok, st);
}

FAIRC_API int fairc_train_reweighed_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o, const char *weights_out,
                                         fairc_predictor **out, fairc_train_info *info,
                                         fairc_status *st)
{
    *out = NULL;
    if (o->n_sensitive == 0) return fairc_fail(st, FAIRC_EINVAL, "--mitigate reweigh needs sensitive columns (--sensitive)");
    if (o->task != FAIRC_TASK_CLASSIFICATION) return fairc_fail(st, FAIRC_EINVAL, "--mitigate reweigh needs a classifier");
    fairc_train_options plain = *o;
    plain.mitigate = 0;
    const char *bad = fairc_train_options_check(&plain);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fitdata d;
    int rc = fitdata_load(path, ropt, o->label, o->pos_labels, o->n_pos_labels, o->weight,
                          o->sensitive, o->n_sensitive, o->drop_missing_label, &d, st);
    if (rc != FAIRC_OK) return rc;
    fairc_encoder e;
    memset(&e, 0, sizeof e);
    float *X = NULL;
    double *w = malloc(d.N * sizeof *w), *yd = malloc(d.N * sizeof *yd);
    fairc_predictor *p = NULL;
    if (!w || !yd) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK)
        rc = fairc_reweigh_arrays(d.N, d.y, d.w, d.group, d.e.n_groups, w, st);
    if (rc == FAIRC_OK && weights_out) rc = write_weights(weights_out, w, d.N, st);
    fairc_encoder_spec spec = {FAIRC_TASK_CLASSIFY, o->label, o->pos_labels, o->n_pos_labels, o->weight,
                               o->drop, o->n_drop, o->sensitive, o->n_sensitive,
                               ropt ? ropt->na_values : NULL, ropt ? ropt->n_na_values : 0};
    if (rc == FAIRC_OK) rc = fairc_encoder_fit(d.t, &spec, &e, st);
    if (rc == FAIRC_OK) {
        /* the groups found at load, in the model too */
        e.group_names = d.e.group_names;
        e.n_groups = d.e.n_groups;
        d.e.group_names = NULL;
        d.e.n_groups = 0;
        rc = encode_table(path, &e, d.t, &X, st);
    }
    for (size_t i = 0; rc == FAIRC_OK && i < d.N; i++) yd[i] = d.y[i];
    uint64_t dropped = d.t ? d.t->dropped : 0;
    if (rc == FAIRC_OK) {
        fairc_table_free(&d.t);
        rc = fairc_train_arrays(X, d.N, e.D, yd, w, &plain, &p, info, st);
    }
    if (rc == FAIRC_OK) {
        fairc_encoder_clear(&p->enc);
        p->enc = e;
        memset(&e, 0, sizeof e);
        rc = set_meta(p, o->command, path, d.N, st);
    }
    if (rc == FAIRC_OK) rc = fairc_sha256_file(path, p->meta.train_sha256, st);
    if (rc == FAIRC_OK && info) info->dropped = dropped;
    if (rc == FAIRC_OK) *out = p;
    else fairc_predictor_free(&p);
    fairc_encoder_clear(&e);
    free(X);
    free(w);
    free(yd);
    fitdata_free(&d);
    return rc;
}
