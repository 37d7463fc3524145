/* audit.c: `fairc audit` as a library call. One streaming pass over the file maps each row's label
 * and prediction to {0,1} (SPEC §1.2, §1.3), finds its intersectional group (§1.5) and adds it to
 * that group's sums; memory is O(groups), never O(rows). After the pass the groups are put in fairc
 * order, marginal groupings are summed from the intersections, and report.c derives every value.
 * Also fairc_audit_arrays, the in-memory kernel over (y, yhat, group) arrays. */
#include "encode.h"
#include "fairtrain.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define DEFAULT_MAX_GROUPS 1000000
#define MANY_LEVELS 50

FAIRC_API void fairc_audit_options_init(fairc_audit_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = NAN;
    o->min_group_size = 30;
    o->ci = 0.95;
}

FAIRC_API const char *fairc_audit_options_check(const fairc_audit_options *o)
{
    if (!o->label || !*o->label) return "a label column is required (--label)";
    if ((o->pred != NULL) + (o->score != NULL) + (o->model != NULL) != 1)
        return "give exactly one of a prediction column (--pred), a score column (--score) or a model (--model)";
    if (!o->score && !isnan(o->threshold)) return "--threshold applies to --score only";
    if (!isnan(o->threshold) && !isfinite(o->threshold)) return "threshold must be a finite number";
    if (o->n_sensitive == 0 || !o->sensitive) return "at least one sensitive column is required (--sensitive)";
    if (o->n_sensitive > 64) return "at most 64 sensitive columns";
    for (size_t k = 0; k < o->n_sensitive; k++) {
        if (!o->sensitive[k] || !*o->sensitive[k]) return "a sensitive column name is empty";
        for (size_t j = 0; j < k; j++)
            if (strcmp(o->sensitive[j], o->sensitive[k]) == 0) return "a sensitive column is named twice";
    }
    for (size_t k = 0; k < o->n_pos_labels; k++)
        if (!o->pos_labels || !o->pos_labels[k]) return "a positive label is missing";
    if (o->groups < FAIRC_GROUPS_INTERSECTION || o->groups > FAIRC_GROUPS_BOTH) return "groups must be intersection, marginal or both";
    if (o->group_order != FAIRC_ORDER_SORTED && o->group_order != FAIRC_ORDER_APPEARANCE) return "group order must be sorted or appearance";
    if (o->sensitive_missing < 0 || o->sensitive_missing > 2) return "sensitive-missing must be level, drop or error";
    if (o->min_group_size < 0) return "min_group_size must be >= 0";
    if (o->bootstrap > 100000) return "bootstrap must be at most 100,000 replicates";
    if (o->bootstrap == 1) return "bootstrap needs at least 2 replicates";
    if (!(o->ci > 0 && o->ci < 1)) return "ci must be a number in (0, 1)";
    return NULL;
}

/* ---- label and prediction vocabularies (SPEC §1.2, §1.3) ---------------------------------- */

enum { SEEN_0 = 1, SEEN_1 = 2, SEEN_MINUS1 = 4, SEEN_FALSE = 8, SEEN_TRUE = 16 };

typedef struct {
    const char *what;            /* "label" or "prediction" */
    const char *const *pos;
    size_t n_pos;
    int seen;                    /* SEEN_* of the standard vocabulary */
    uint64_t matched;            /* rows equal to a positive label */
    char samples[5][48];         /* first distinct values, for messages */
    size_t n_samples;
} vocab;

static void vocab_remember(vocab *v, const char *s)
{
    if (v->n_samples == 5) return;
    for (size_t k = 0; k < v->n_samples; k++)
        if (strncmp(v->samples[k], s, sizeof v->samples[k] - 1) == 0) return;
    snprintf(v->samples[v->n_samples++], sizeof v->samples[0], "%s", s);
}

/* The standard vocabulary: 0/1, -1/1 (numerically) or false/true (any case). Returns SEEN_* or 0. */
static int standard_value(const char *s, size_t n)
{
    double d;
    if (fairc_parse_double(s, n, &d) == 0) {
        if (d == 1) return SEEN_1;
        if (d == 0) return SEEN_0;
        if (d == -1) return SEEN_MINUS1;
        return 0;
    }
    if (n == 4 && strncasecmp(s, "true", 4) == 0) return SEEN_TRUE;
    if (n == 5 && strncasecmp(s, "false", 5) == 0) return SEEN_FALSE;
    return 0;
}

static int is_positive_label(const vocab *v, const char *s)
{
    for (size_t k = 0; k < v->n_pos; k++)
        if (strcmp(v->pos[k], s) == 0) return 1;
    return 0;
}

/* Maps field j of r's current record to 0/1. use_pos: through the positive labels (labels when
 * given; predictions outside the standard vocabulary). Returns 0 or 1, or -1 with st set. */
static int vocab_map(vocab *v, fairc_reader *r, size_t j, int pos_first, fairc_status *st)
{
    size_t n;
    const char *s = fairc_reader_field(r, j, &n);
    vocab_remember(v, s);
    if (pos_first && v->n_pos) {
        int p = is_positive_label(v, s);
        v->matched += (uint64_t)p;
        return p;
    }
    int kind = standard_value(s, n);
    if (kind == 0) {
        if (v->n_pos) {
            int p = is_positive_label(v, s);
            v->matched += (uint64_t)p;
            return p;
        }
        fairc_reader_error(r, j + 1, FAIRC_EINVAL, st,
                           "%s '%.40s' is not 0/1, -1/1 or false/true: name the positive value "
                           "with --pos-label", v->what, s);
        return -1;
    }
    int seen = v->seen | kind;
    int numeric = seen & (SEEN_0 | SEEN_1 | SEEN_MINUS1), boolean = seen & (SEEN_FALSE | SEEN_TRUE);
    if ((numeric && boolean) || ((seen & SEEN_0) && (seen & SEEN_MINUS1))) {
        fairc_reader_error(r, j + 1, FAIRC_EINVAL, st,
                           "%s '%.40s' mixes vocabularies (values seen: %s%s%s%s%s): name the "
                           "positive value with --pos-label", v->what, s,
                           seen & SEEN_0 ? "0 " : "", seen & SEEN_1 ? "1 " : "",
                           seen & SEEN_MINUS1 ? "-1 " : "", seen & SEEN_FALSE ? "false " : "",
                           seen & SEEN_TRUE ? "true " : "");
        return -1;
    }
    v->seen = seen;
    return kind == SEEN_1 || kind == SEEN_TRUE;
}

/* ---- sensitive columns and intersections -------------------------------------------------- */

typedef struct {
    long col;                  /* column index in the file */
    fairc_strmap levels;       /* raw level -> id, appearance order */
    long missing_id;           /* id of the missing level "?", or -1 */
    uint64_t missing_rows;
    size_t *rank;              /* level id -> position in fairc order */
} sens_col;

typedef struct {
    size_t n_sens;
    sens_col *sens;
    fairc_strmap tuples;       /* packed level ids -> intersection id, appearance order */
    uint32_t *tuple_ids;       /* n x n_sens */
    fairc_group_acc *acc;      /* n */
    fairc_confusion *rep;      /* n x B Poisson accumulators, or NULL */
    size_t n, cap;
} group_table;

static int group_table_grow(group_table *t, size_t B)
{
    size_t cap = t->cap ? 2 * t->cap : 64;
    uint32_t *ids = realloc(t->tuple_ids, cap * t->n_sens * sizeof *ids);
    if (!ids) return -1;
    t->tuple_ids = ids;
    fairc_group_acc *acc = realloc(t->acc, cap * sizeof *acc);
    if (!acc) return -1;
    t->acc = acc;
    if (B) {
        fairc_confusion *rep = realloc(t->rep, cap * B * sizeof *rep);
        if (!rep) return -1;
        t->rep = rep;
    }
    t->cap = cap;
    return 0;
}

/* Numbers sort numerically (ties by bytes), else bytes; the missing level goes last (SPEC §1.5). */
typedef struct {
    const char *s;
    size_t n;
    double v;
    int missing;
    size_t id;
} level_key;

static int cmp_bytes(const level_key *x, const level_key *y)
{
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    return (x->n > y->n) - (x->n < y->n);
}

/* qsort has no context argument in C11; the flag travels in the keys instead. */
typedef struct {
    level_key k;
    int numeric;
} level_sort_item;

static int cmp_level_item(const void *a, const void *b)
{
    const level_sort_item *x = a, *y = b;
    if (x->k.missing != y->k.missing) return x->k.missing - y->k.missing;
    if (x->numeric && x->k.v != y->k.v) return x->k.v < y->k.v ? -1 : 1;
    return cmp_bytes(&x->k, &y->k);
}

static int sens_col_rank(sens_col *c, int order)
{
    size_t n = c->levels.n;
    c->rank = malloc((n ? n : 1) * sizeof *c->rank);
    level_sort_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!c->rank || !items) {
        free(items);
        return -1;
    }
    int numeric = 1;
    for (size_t k = 0; k < n; k++) {
        level_sort_item *it = &items[k];
        it->k.s = c->levels.keys[k];
        it->k.n = c->levels.key_len[k];
        it->k.missing = (long)k == c->missing_id;
        it->k.id = k;
        it->k.v = 0;
        if (!it->k.missing && fairc_parse_double(it->k.s, it->k.n, &it->k.v) != 0) numeric = 0;
    }
    for (size_t k = 0; k < n; k++) items[k].numeric = numeric;
    if (order == FAIRC_ORDER_SORTED) qsort(items, n, sizeof *items, cmp_level_item);
    for (size_t k = 0; k < n; k++) c->rank[items[k].k.id] = k;
    free(items);
    return 0;
}

/* ---- the pass -------------------------------------------------------------------------------- */

typedef struct {
    fairc_reader *r;
    const fairc_audit_options *o;
    long label_col, pred_col, score_col, weight_col;
    vocab label, pred;
    group_table groups;
    uint64_t rows_read, rows_used, dropped_label, dropped_sensitive;
    fairc_ksum weight_total;
    size_t B;
    fairc_rng boot_rng;
    int weighted_bootstrap;
    fairc_row_applier *app;     /* --model: the model bound to this file's rows (predict.c) */
    uint64_t unseen;
} pass_state;

static long find_column(fairc_reader *r, const char *name, const char *what, fairc_status *st)
{
    long j = fairc_reader_find(r, name);
    if (j >= 0) return j;
    fairc_buf cols = {0};
    size_t n = fairc_reader_ncols(r);
    for (size_t k = 0; k < n && k < 20; k++)
        fairc_buf_printf(&cols, "%s%s", k ? ", " : "", fairc_reader_colname(r, k));
    if (n > 20) fairc_buf_puts(&cols, ", ...");
    fairc_fail(st, FAIRC_EINVAL, "%.200s: no %s column named '%.60s' (columns: %.200s)",
               fairc_reader_name(r), what, name, cols.p ? cols.p : "");
    fairc_buf_free(&cols);
    return -1;
}

/* Level id of sensitive column c in the current record; -2 to drop the row; -1 on error. */
static long sensitive_level(pass_state *ps, sens_col *c, fairc_status *st)
{
    size_t n;
    const char *s = fairc_reader_field(ps->r, (size_t)c->col, &n);
    if (fairc_reader_missing(ps->r, (size_t)c->col)) {
        if (ps->o->sensitive_missing == FAIRC_SENSITIVE_MISSING_ERROR) {
            fairc_reader_error(ps->r, (size_t)c->col + 1, FAIRC_EINVAL, st,
                               "sensitive column '%s' is missing here (--sensitive-missing error)",
                               fairc_reader_colname(ps->r, (size_t)c->col));
            return -1;
        }
        if (ps->o->sensitive_missing == FAIRC_SENSITIVE_MISSING_DROP) return -2;
        c->missing_rows++;
        s = "?";
        n = 1;
        if (c->missing_id < 0) {
            /* The missing level gets its own key, distinct from a literal "?" that is not a
             * missing token, by a leading NUL no real field holds. */
            c->missing_id = fairc_strmap_intern(&c->levels, "\0?", 2, NULL);
            if (c->missing_id < 0) return fairc_fail(st, FAIRC_ENOMEM, "out of memory"), -1;
        }
        return c->missing_id;
    }
    long id = fairc_strmap_intern(&c->levels, s, n, NULL);
    if (id < 0) return fairc_fail(st, FAIRC_ENOMEM, "out of memory"), -1;
    return id;
}

static int read_number(pass_state *ps, long col, const char *what, double *out, fairc_status *st)
{
    size_t n;
    const char *s = fairc_reader_field(ps->r, (size_t)col, &n);
    if (fairc_reader_missing(ps->r, (size_t)col))
        return fairc_reader_error(ps->r, (size_t)col + 1, FAIRC_EINVAL, st,
                                  "%s is missing (column '%s')", what,
                                  fairc_reader_colname(ps->r, (size_t)col));
    if (fairc_parse_double(s, n, out) != 0)
        return fairc_reader_error(ps->r, (size_t)col + 1, FAIRC_EINVAL, st,
                                  "%s '%.40s' is not a finite number (column '%s')", what, s,
                                  fairc_reader_colname(ps->r, (size_t)col));
    return FAIRC_OK;
}

static int process_row(pass_state *ps, fairc_status *st)
{
    const fairc_audit_options *o = ps->o;
    fairc_reader *r = ps->r;
    ps->rows_read++;
    if (fairc_reader_missing(r, (size_t)ps->label_col)) {
        if (o->drop_missing_label) {
            ps->dropped_label++;
            return FAIRC_OK;
        }
        return fairc_reader_error(r, (size_t)ps->label_col + 1, FAIRC_EINVAL, st,
                                  "the label is missing (--drop-missing-label drops such rows)");
    }
    uint32_t key[64];
    group_table *t = &ps->groups;
    for (size_t c = 0; c < t->n_sens; c++) {
        long id = sensitive_level(ps, &t->sens[c], st);
        if (id == -1) return st ? st->code : FAIRC_EINVAL;
        if (id == -2) {
            ps->dropped_sensitive++;
            return FAIRC_OK;
        }
        key[c] = (uint32_t)id;
    }
    int y = vocab_map(&ps->label, r, (size_t)ps->label_col, 1, st);
    if (y < 0) return st ? st->code : FAIRC_EINVAL;
    int yhat;
    double s = NAN;
    if (o->model) {
        /* The model's probability is the score; its decision is p > 0.5, or 1[u < p] with u
         * hashed from the row for a randomised model (SPEC §1.3, §1.7). */
        size_t n;
        const double *prob;
        const uint8_t *dec;
        if (fairc_row_applier_add(ps->app, r, st) != FAIRC_OK ||
            fairc_row_applier_flush(ps->app, &n, &prob, &dec, st) != FAIRC_OK)
            return st ? st->code : FAIRC_EINVAL;
        fairc_row_applier_counts(ps->app, &ps->unseen, NULL);
        s = prob[0];
        yhat = dec[0];
    } else if (ps->pred_col >= 0) {
        if (fairc_reader_missing(r, (size_t)ps->pred_col))
            return fairc_reader_error(r, (size_t)ps->pred_col + 1, FAIRC_EINVAL, st,
                                      "the prediction is missing");
        yhat = vocab_map(&ps->pred, r, (size_t)ps->pred_col, 0, st);
        if (yhat < 0) return st ? st->code : FAIRC_EINVAL;
    } else {
        if (read_number(ps, ps->score_col, "score", &s, st) != FAIRC_OK) return st ? st->code : FAIRC_EINVAL;
        double t_ = o->threshold;
        if (isnan(t_)) {
            if (s < 0 || s > 1)
                return fairc_reader_error(r, (size_t)ps->score_col + 1, FAIRC_EINVAL, st,
                                          "score %.17g is outside [0, 1]: give --threshold", s);
            t_ = 0.5;
        }
        yhat = s > t_; /* strict, as scikit-learn's predict */
    }
    double w = 1;
    if (ps->weight_col >= 0) {
        if (read_number(ps, ps->weight_col, "weight", &w, st) != FAIRC_OK) return st ? st->code : FAIRC_EINVAL;
        if (w < 0)
            return fairc_reader_error(r, (size_t)ps->weight_col + 1, FAIRC_EINVAL, st,
                                      "weight %.17g is negative", w);
    }
    int inserted;
    long g = fairc_strmap_intern(&t->tuples, (const char *)key, t->n_sens * sizeof key[0], &inserted);
    if (g < 0) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (inserted) {
        size_t max_groups = o->max_groups ? o->max_groups : DEFAULT_MAX_GROUPS;
        if (t->n + 1 > max_groups)
            return fairc_reader_error(r, 0, FAIRC_ELIMIT, st,
                                      "more than %zu groups: is a sensitive column continuous? "
                                      "(--bin turns numbers into ranges)", max_groups);
        if (t->n == t->cap && group_table_grow(t, ps->weighted_bootstrap ? ps->B : 0) != 0)
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        memcpy(t->tuple_ids + t->n * t->n_sens, key, t->n_sens * sizeof key[0]);
        memset(&t->acc[t->n], 0, sizeof t->acc[0]);
        if (ps->weighted_bootstrap) {
            if (fairc_bootstrap_check_size(ps->B, t->n + 1, t->n + 1, st) != FAIRC_OK) return st ? st->code : FAIRC_ELIMIT;
            memset(t->rep + t->n * ps->B, 0, ps->B * sizeof t->rep[0]);
        }
        t->n++;
    }
    int cell = 2 * y + yhat;
    fairc_group_acc_add(&t->acc[g], cell, w, s);
    if (ps->weighted_bootstrap)
        fairc_bootstrap_poisson_row(&ps->boot_rng, t->rep + (size_t)g * ps->B, ps->B, cell, w, s);
    fairc_ksum_add(&ps->weight_total, w);
    ps->rows_used++;
    if (ps->rows_used % FAIRC_CHUNK_ROWS == 0)
        for (size_t k = 0; k < t->n; k++) fairc_group_acc_flush(&t->acc[k]);
    return FAIRC_OK;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static const char *level_text(const sens_col *c, size_t id)
{
    return (long)id == c->missing_id ? "?" : c->levels.keys[id];
}

/* Fills grouping names/levels for groups given as level-id tuples over the columns cols. */
static int name_group(fairc_grouping *g, size_t k, const pass_state *ps, const size_t *cols,
                      const uint32_t *ids)
{
    fairc_buf b = {0};
    for (size_t c = 0; c < g->n_columns; c++) {
        const sens_col *sc = &ps->groups.sens[cols[c]];
        const char *lv = level_text(sc, ids[c]);
        if (c) fairc_buf_puts(&b, ",");
        fairc_escape_name(&b, ps->o->sensitive[cols[c]]);
        fairc_buf_puts(&b, "=");
        fairc_escape_name(&b, lv);
        if (!(g->levels[k * g->n_columns + c] = strdup(lv))) b.failed = 1;
    }
    if (b.failed || !b.p) {
        fairc_buf_free(&b);
        return -1;
    }
    g->names[k] = b.p;
    return 0;
}

/* Orders intersections by their columns' ranks, first column most significant. */
typedef struct {
    const uint32_t *ids;
    const group_table *t;
    size_t id;
} tuple_item;

static int cmp_tuple(const void *a, const void *b)
{
    const tuple_item *x = a, *y = b;
    for (size_t c = 0; c < x->t->n_sens; c++) {
        size_t rx = x->t->sens[c].rank[x->ids[c]], ry = y->t->sens[c].rank[y->ids[c]];
        if (rx != ry) return rx < ry ? -1 : 1;
    }
    return 0;
}

static int build_intersection(fairc_audit_report *rep, fairc_grouping *g, const pass_state *ps,
                              const fairc_confusion *cells, fairc_status *st)
{
    const group_table *t = &ps->groups;
    size_t n_sens = t->n_sens, G = t->n;
    size_t *cols = malloc(n_sens * sizeof *cols);
    if (!cols) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t c = 0; c < n_sens; c++) cols[c] = c;
    uint32_t *all_ids = NULL;
    if (ps->o->all_combinations) {
        /* Every combination of observed levels, in rank order. */
        double product = 1;
        for (size_t c = 0; c < n_sens; c++) product *= (double)t->sens[c].levels.n;
        size_t max_groups = ps->o->max_groups ? ps->o->max_groups : DEFAULT_MAX_GROUPS;
        if (product > (double)max_groups) {
            free(cols);
            return fairc_fail(st, FAIRC_ELIMIT, "--all-combinations would list %.0f groups, over the cap of %zu",
                              product, max_groups);
        }
        G = (size_t)product;
    }
    tuple_item *items = malloc((t->n ? t->n : 1) * sizeof *items);
    if (!items || fairc_grouping_alloc(g, G, n_sens) != 0 ||
        !(g->cell_group = malloc((t->n ? t->n : 1) * sizeof *g->cell_group))) {
        free(items);
        free(cols);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    memcpy(g->columns, cols, n_sens * sizeof *cols);
    g->marginal = 0;
    for (size_t k = 0; k < t->n; k++) items[k] = (tuple_item){t->tuple_ids + k * n_sens, t, k};
    if (ps->o->group_order == FAIRC_ORDER_SORTED) qsort(items, t->n, sizeof *items, cmp_tuple);
    int rc = FAIRC_OK;
    if (!ps->o->all_combinations) {
        for (size_t k = 0; k < t->n && rc == FAIRC_OK; k++) {
            g->cell_group[items[k].id] = k;
            g->conf[k] = cells[items[k].id];
            if (name_group(g, k, ps, cols, items[k].ids) != 0) rc = FAIRC_ENOMEM;
        }
    } else {
        /* Enumerate tuples of ranks; map each observed intersection to its position. */
        all_ids = malloc(n_sens * sizeof *all_ids);
        size_t **by_rank = calloc(n_sens, sizeof *by_rank);
        if (!all_ids || !by_rank) rc = FAIRC_ENOMEM;
        for (size_t c = 0; c < n_sens && rc == FAIRC_OK; c++) {
            size_t n = t->sens[c].levels.n;
            by_rank[c] = malloc((n ? n : 1) * sizeof **by_rank);
            if (!by_rank[c]) { rc = FAIRC_ENOMEM; break; }
            for (size_t id = 0; id < n; id++) by_rank[c][t->sens[c].rank[id]] = id;
        }
        for (size_t k = 0; k < G && rc == FAIRC_OK; k++) {
            size_t rest = k;
            for (size_t c = n_sens; c-- > 0;) {
                size_t n = t->sens[c].levels.n;
                all_ids[c] = (uint32_t)by_rank[c][rest % n];
                rest /= n;
            }
            if (name_group(g, k, ps, cols, all_ids) != 0) rc = FAIRC_ENOMEM;
            long at = fairc_strmap_find(&t->tuples, (const char *)all_ids, n_sens * sizeof *all_ids);
            if (at >= 0) {
                g->cell_group[at] = k;
                g->conf[k] = cells[at];
            }
        }
        for (size_t c = 0; by_rank && c < n_sens; c++) free(by_rank[c]);
        free(by_rank);
    }
    free(all_ids);
    free(items);
    free(cols);
    (void)rep;
    if (rc != FAIRC_OK) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    return FAIRC_OK;
}

static int build_marginal(fairc_grouping *g, const pass_state *ps, size_t col,
                          const fairc_confusion *cells, fairc_status *st)
{
    const group_table *t = &ps->groups;
    const sens_col *sc = &t->sens[col];
    size_t G = sc->levels.n;
    if (fairc_grouping_alloc(g, G, 1) != 0 ||
        !(g->cell_group = malloc((t->n ? t->n : 1) * sizeof *g->cell_group)))
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    g->marginal = 1;
    g->columns[0] = col;
    for (size_t id = 0; id < G; id++) {
        uint32_t one = (uint32_t)id;
        if (name_group(g, sc->rank[id], ps, &col, &one) != 0)
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < t->n; k++) {
        size_t gk = sc->rank[t->tuple_ids[k * t->n_sens + col]];
        g->cell_group[k] = gk;
        fairc_confusion_add(&g->conf[gk], &cells[k]);
    }
    return FAIRC_OK;
}

static void pass_free(pass_state *ps)
{
    group_table *t = &ps->groups;
    for (size_t c = 0; c < t->n_sens; c++) {
        fairc_strmap_free(&t->sens[c].levels);
        free(t->sens[c].rank);
    }
    free(t->sens);
    fairc_strmap_free(&t->tuples);
    free(t->tuple_ids);
    free(t->acc);
    free(t->rep);
    fairc_row_applier_free(&ps->app);
}

/* What a model trained under a fairness penalty or constraint was bound to (its MULT record),
 * for the report to show beside the achieved value. -1 on ENOMEM. */
static int record_trained_under(fairc_audit_report *r, const fairc_predictor *m)
{
    const fairc_fair_record *f = m->fair;
    fairc_trained_under *t = calloc(1, sizeof *t);
    if (!t) return -1;
    r->trained = t;
    *t = (fairc_trained_under){f->mitigate, f->constraint, f->groups, f->eps, f->r, f->alpha,
                               f->p_norm, f->tol, f->disparity, NULL, 0};
    t->sensitive = fairc_strdup_list((const char *const *)m->enc.sensitive, m->enc.n_sensitive);
    if (!t->sensitive) return -1;
    t->n_sensitive = m->enc.n_sensitive;
    return 0;
}

static int finish_report(pass_state *ps, fairc_audit_report **out, fairc_status *st)
{
    const fairc_audit_options *o = ps->o;
    group_table *t = &ps->groups;
    const char *name = fairc_reader_name(ps->r);
    if (ps->rows_used == 0)
        return fairc_fail(st, FAIRC_EINVAL, "%.200s: no rows to audit%s", name,
                          ps->rows_read ? " (every row was dropped)" : " (the file has a header only)");
    if (o->n_pos_labels && ps->label.matched == 0) {
        fairc_buf seen = {0};
        for (size_t k = 0; k < ps->label.n_samples; k++)
            fairc_buf_printf(&seen, "%s'%s'", k ? ", " : "", ps->label.samples[k]);
        fairc_fail(st, FAIRC_EINVAL, "%.200s: no label equals the positive label%s given (values seen: %.200s)",
                   name, o->n_pos_labels > 1 ? "s" : "", seen.p ? seen.p : "");
        fairc_buf_free(&seen);
        return FAIRC_EINVAL;
    }
    if (!(fairc_ksum_value(&ps->weight_total) > 0))
        return fairc_fail(st, FAIRC_EINVAL, "%.200s: the weights sum to 0", name);
    for (size_t c = 0; c < t->n_sens; c++)
        if (sens_col_rank(&t->sens[c], o->group_order) != 0)
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    fairc_confusion *cells = calloc(t->n, sizeof *cells);
    fairc_audit_report *r = calloc(1, sizeof *r);
    if (!cells || !r) {
        free(cells);
        free(r);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < t->n; k++) fairc_group_acc_finish(&t->acc[k], &cells[k]);
    int rc = FAIRC_OK;
    r->file = strdup(name);
    r->rows_read = ps->rows_read;
    r->rows_used = ps->rows_used;
    r->label = strdup(o->label);
    if (o->n_pos_labels) {
        r->pos_labels = fairc_strdup_list(o->pos_labels, o->n_pos_labels);
        r->n_pos_labels = o->n_pos_labels;
    } else {
        const char *one = ps->label.seen & (SEEN_TRUE | SEEN_FALSE) ? "true" : "1";
        r->pos_labels = fairc_strdup_list(&one, 1);
        r->n_pos_labels = 1;
    }
    r->pred = dup_or_null(o->pred);
    r->score = dup_or_null(o->score);
    r->model = o->model ? strdup(o->model_name ? o->model_name : "(model)") : NULL;
    r->weight = dup_or_null(o->weight);
    r->threshold = o->score ? (isnan(o->threshold) ? 0.5 : o->threshold) : o->model ? 0.5 : NAN;
    r->has_score = o->score != NULL || o->model != NULL;
    r->sensitive = fairc_strdup_list(o->sensitive, o->n_sensitive);
    r->n_sensitive = o->n_sensitive;
    r->groups = o->groups;
    r->group_order = o->group_order;
    r->min_group_size = o->min_group_size;
    r->seed = o->seed;
    if (o->model && o->model->fair && record_trained_under(r, o->model) != 0)
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (ps->unseen)
        fairc_warn(&r->warnings, "unseen_category", NULL, NULL,
                   "%llu cells held a category the model did not see in training (encoded as zeros)",
                   (unsigned long long)ps->unseen);
    if (!r->file || !r->label || !r->pos_labels || !r->sensitive || (o->pred && !r->pred) || (o->model && !r->model) ||
        (o->score && !r->score) || (o->weight && !r->weight))
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    size_t n_groupings = (o->groups != FAIRC_GROUPS_MARGINAL) + (o->groups != FAIRC_GROUPS_INTERSECTION) * t->n_sens;
    if (rc == FAIRC_OK && !(r->groupings = calloc(n_groupings, sizeof *r->groupings)))
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK && o->groups != FAIRC_GROUPS_MARGINAL) {
        rc = build_intersection(r, &r->groupings[r->n_groupings], ps, cells, st);
        if (rc == FAIRC_OK) r->n_groupings++;
    }
    for (size_t c = 0; rc == FAIRC_OK && o->groups != FAIRC_GROUPS_INTERSECTION && c < t->n_sens; c++) {
        rc = build_marginal(&r->groupings[r->n_groupings], ps, c, cells, st);
        if (rc == FAIRC_OK) r->n_groupings++;
    }
    /* Input-level warnings. */
    for (size_t c = 0; rc == FAIRC_OK && c < t->n_sens; c++) {
        const sens_col *sc = &t->sens[c];
        if (sc->missing_rows)
            fairc_warn(&r->warnings, "missing_sensitive", NULL, NULL,
                       "%llu rows have no value in sensitive column '%s': they form the group %s=?",
                       (unsigned long long)sc->missing_rows, o->sensitive[c], o->sensitive[c]);
        if (sc->levels.n > MANY_LEVELS)
            fairc_warn(&r->warnings, "many_levels", NULL, NULL,
                       "sensitive column '%s' has %zu distinct values: if it is a number, --bin "
                       "turns it into ranges", o->sensitive[c], sc->levels.n);
    }
    if (ps->dropped_label)
        fairc_warn(&r->warnings, "dropped_rows", NULL, NULL,
                   "%llu rows without a label were dropped (--drop-missing-label)",
                   (unsigned long long)ps->dropped_label);
    if (ps->dropped_sensitive)
        fairc_warn(&r->warnings, "dropped_rows", NULL, NULL,
                   "%llu rows without a sensitive value were dropped (--sensitive-missing drop)",
                   (unsigned long long)ps->dropped_sensitive);
    for (size_t k = 0; rc == FAIRC_OK && k < r->n_groupings; k++)
        fairc_grouping_evaluate(&r->groupings[k], r->has_score, r->min_group_size);
    if (rc == FAIRC_OK && ps->B) {
        r->bootstrap = ps->B;
        r->ci = o->ci;
        rc = fairc_bootstrap_run(r, cells, t->n, ps->weighted_bootstrap ? t->rep : NULL,
                                 o->bootstrap_strata, st);
    }
    if (rc == FAIRC_OK && fairc_report_collect_warnings(r) != 0)
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    free(cells);
    if (rc != FAIRC_OK) {
        fairc_audit_report_free(&r);
        return rc;
    }
    *out = r;
    return FAIRC_OK;
}

FAIRC_API int fairc_audit_reader(fairc_reader *r, const fairc_audit_options *o,
                                 fairc_audit_report **out, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_audit_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    pass_state ps;
    memset(&ps, 0, sizeof ps);
    ps.r = r;
    ps.o = o;
    ps.label = (vocab){.what = "label", .pos = o->pos_labels, .n_pos = o->n_pos_labels};
    ps.pred = (vocab){.what = "prediction", .pos = o->pos_labels, .n_pos = o->n_pos_labels};
    ps.pred_col = ps.score_col = ps.weight_col = -1;
    ps.B = o->bootstrap;
    ps.weighted_bootstrap = o->bootstrap && (o->weight != NULL || o->score != NULL || o->model != NULL);
    fairc_rng_seed(&ps.boot_rng, o->seed, "bootstrap");
    int rc = FAIRC_OK;
    if ((ps.label_col = find_column(r, o->label, "label", st)) < 0) return FAIRC_EINVAL;
    if (o->pred && (ps.pred_col = find_column(r, o->pred, "prediction", st)) < 0) return FAIRC_EINVAL;
    if (o->score && (ps.score_col = find_column(r, o->score, "score", st)) < 0) return FAIRC_EINVAL;
    if (o->weight && (ps.weight_col = find_column(r, o->weight, "weight", st)) < 0) return FAIRC_EINVAL;
    if (o->model && o->model->enc.task == FAIRC_TASK_REGRESS)
        return fairc_fail(st, FAIRC_EINVAL, "%.200s: the model was trained for regression; an "
                          "audit needs a classifier's decisions", o->model_name ? o->model_name : "model");
    if (o->model) {
        fairc_predict_options po;
        fairc_predict_options_init(&po);
        po.seed = o->seed;
        if (fairc_row_applier_new(o->model, r, 1, &po, &ps.app, st) != FAIRC_OK) {
            pass_free(&ps);
            return st ? st->code : FAIRC_EINVAL;
        }
    }
    group_table *t = &ps.groups;
    t->n_sens = o->n_sensitive;
    if (!(t->sens = calloc(t->n_sens, sizeof *t->sens))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t c = 0; c < t->n_sens; c++) {
        t->sens[c].missing_id = -1;
        if ((t->sens[c].col = find_column(r, o->sensitive[c], "sensitive", st)) < 0) {
            pass_free(&ps);
            return FAIRC_EINVAL;
        }
    }
    int more;
    while (rc == FAIRC_OK && (more = fairc_reader_next(r, st)) != 0) {
        if (more < 0) {
            rc = st ? st->code : FAIRC_EPARSE;
            if (rc == FAIRC_OK) rc = FAIRC_EPARSE;
            break;
        }
        rc = process_row(&ps, st);
        if (rc == FAIRC_OK && o->progress && ps.rows_read % (1u << 18) == 0) {
            uint64_t size = fairc_reader_size(r);
            double frac = size ? (double)fairc_reader_offset(r) / (double)size : -1;
            if (o->progress(o->progress_user, frac, "reading"))
                rc = fairc_fail(st, FAIRC_ECANCEL, "cancelled");
        }
    }
    if (rc == FAIRC_OK) rc = finish_report(&ps, out, st);
    pass_free(&ps);
    return rc;
}

FAIRC_API int fairc_audit_file(const char *path, const fairc_read_options *ropt,
                               const fairc_audit_options *opt, fairc_audit_report **out,
                               fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_audit_options_check(opt);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fairc_reader *r = NULL;
    int rc = fairc_reader_open(path, ropt, &r, st);
    if (rc == FAIRC_OK) rc = fairc_audit_reader(r, opt, out, st);
    fairc_reader_free(&r);
    return rc;
}

/* ---- in memory ------------------------------------------------------------------------------ */

FAIRC_API int fairc_audit_arrays(size_t N, const uint8_t *y, const uint8_t *yhat,
                                 const double *score, const double *w, const int32_t *group,
                                 size_t G, const char *const *group_names,
                                 const fairc_audit_options *opt, int threads,
                                 fairc_audit_report **out, fairc_status *st)
{
    *out = NULL;
    if (N == 0) return fairc_fail(st, FAIRC_EINVAL, "no rows to audit");
    if (G == 0 || G > DEFAULT_MAX_GROUPS) return fairc_fail(st, FAIRC_EINVAL, "the number of groups must be in 1..%d", DEFAULT_MAX_GROUPS);
    if (!y || !yhat || !group || !group_names) return fairc_fail(st, FAIRC_EINVAL, "y, yhat, group and group_names are required");
    if (opt->bootstrap == 1 || !(opt->ci > 0 && opt->ci < 1) || opt->min_group_size < 0)
        return fairc_fail(st, FAIRC_EINVAL, "bootstrap must be 0 or >= 2, ci in (0, 1), min_group_size >= 0");
    size_t n_chunks = (N + FAIRC_CHUNK_ROWS - 1) / FAIRC_CHUNK_ROWS;
    fairc_group_acc *part = calloc(n_chunks * G, sizeof *part);
    fairc_confusion *cells = calloc(G, sizeof *cells);
    fairc_audit_report *r = calloc(1, sizeof *r);
    char *chunk_bad = calloc(n_chunks, 1);
    int *chunk_wpos = calloc(n_chunks, sizeof *chunk_wpos);
    if (!part || !cells || !r || !chunk_bad || !chunk_wpos) {
        free(chunk_bad);
        free(chunk_wpos);
        free(part);
        free(cells);
        free(r);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    (void)threads;
#ifdef _OPENMP
    int nt = threads > 0 ? threads : 1;
#pragma omp parallel for schedule(static) num_threads(nt)
#endif
    for (size_t c = 0; c < n_chunks; c++) {
        size_t lo = c * FAIRC_CHUNK_ROWS, hi = lo + FAIRC_CHUNK_ROWS < N ? lo + FAIRC_CHUNK_ROWS : N;
        chunk_bad[c] = (char)(fairc_kernel_chunk_checked(lo, hi, y, yhat, score, w, group, G,
                                                         part + c * G, &chunk_wpos[c]) != 0);
    }
    /* The kernel checks every row as it reads it (one pass over memory, in parallel); only when
     * a chunk failed does the serial loop run, to name the first bad row. */
    int any_bad = 0, w_pos = 0;
    for (size_t c = 0; c < n_chunks; c++) {
        any_bad |= chunk_bad[c];
        w_pos |= chunk_wpos[c];
    }
    free(chunk_bad);
    free(chunk_wpos);
    int bad_rc = FAIRC_OK;
    for (size_t i = 0; any_bad && bad_rc == FAIRC_OK && i < N; i++) {
        if (y[i] > 1 || yhat[i] > 1) bad_rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: y and yhat must be 0 or 1", i);
        else if (group[i] < 0 || (size_t)group[i] >= G) bad_rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: group %d is not in 0..%zu", i, (int)group[i], G - 1);
        else if (w && !(w[i] >= 0 && isfinite(w[i]))) bad_rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: weight must be finite and >= 0", i);
        else if (score && !isfinite(score[i])) bad_rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: score must be finite", i);
    }
    if (bad_rc == FAIRC_OK && any_bad) bad_rc = fairc_fail(st, FAIRC_EINVAL, "invalid input rows");
    if (bad_rc == FAIRC_OK && w && !w_pos) bad_rc = fairc_fail(st, FAIRC_EINVAL, "the weights sum to 0");
    if (bad_rc != FAIRC_OK) {
        free(part);
        free(cells);
        free(r);
        return bad_rc;
    }
    /* Combine chunk partials in chunk order: the same result for every thread count. */
    for (size_t g = 0; g < G; g++) {
        fairc_group_acc total;
        memset(&total, 0, sizeof total);
        for (size_t c = 0; c < n_chunks; c++) {
            const fairc_group_acc *p = &part[c * G + g];
            for (int k = 0; k < 4; k++) {
                total.rows[k] += p->rows[k];
                if (!w && !score) {
                    fairc_ksum_add(&total.w[k], (double)p->rows[k]);
                } else {
                    fairc_ksum_merge(&total.w[k], &p->cw[k]);
                    fairc_ksum_merge(&total.ws[k], &p->cws[k]);
                    fairc_ksum_merge(&total.wss[k], &p->cwss[k]);
                }
            }
        }
        fairc_group_acc_finish(&total, &cells[g]);
    }
    free(part);
    int rc = FAIRC_OK;
    const char *label = "y", *pred = "yhat", *sens = "group", *one = "1";
    r->file = strdup("(arrays)");
    r->rows_read = r->rows_used = N;
    r->label = strdup(label);
    r->pos_labels = fairc_strdup_list(&one, 1);
    r->n_pos_labels = 1;
    r->pred = strdup(pred);
    r->threshold = NAN;
    r->weight = w ? strdup("w") : NULL;
    r->has_score = score != NULL;
    r->sensitive = fairc_strdup_list(&sens, 1);
    r->n_sensitive = 1;
    r->min_group_size = opt->min_group_size;
    r->seed = opt->seed;
    r->groupings = calloc(1, sizeof *r->groupings);
    fairc_grouping *g = r->groupings;
    if (!r->file || !r->label || !r->pos_labels || !r->pred || (w && !r->weight) || !r->sensitive ||
        !g || fairc_grouping_alloc(g, G, 1) != 0 || !(g->cell_group = malloc(G * sizeof *g->cell_group)))
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (g) r->n_groupings = 1;
    for (size_t k = 0; rc == FAIRC_OK && k < G; k++) {
        g->cell_group[k] = k;
        g->conf[k] = cells[k];
        g->names[k] = strdup(group_names[k] ? group_names[k] : "");
        g->levels[k] = strdup(group_names[k] ? group_names[k] : "");
        if (!g->names[k] || !g->levels[k]) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc == FAIRC_OK) fairc_grouping_evaluate(g, r->has_score, r->min_group_size);
    if (rc == FAIRC_OK && opt->bootstrap) {
        r->bootstrap = opt->bootstrap;
        r->ci = opt->ci;
        fairc_confusion *rep = NULL;
        if (w || score) {
            rc = fairc_bootstrap_check_size(opt->bootstrap, G, G, st);
            if (rc == FAIRC_OK && !(rep = calloc(G * opt->bootstrap, sizeof *rep)))
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            fairc_rng rng;
            fairc_rng_seed(&rng, opt->seed, "bootstrap");
            for (size_t i = 0; rc == FAIRC_OK && i < N; i++)
                fairc_bootstrap_poisson_row(&rng, rep + (size_t)group[i] * opt->bootstrap,
                                            opt->bootstrap, 2 * y[i] + yhat[i], w ? w[i] : 1.0,
                                            score ? score[i] : NAN);
        }
        if (rc == FAIRC_OK) rc = fairc_bootstrap_run(r, cells, G, rep, opt->bootstrap_strata, st);
        free(rep);
    }
    if (rc == FAIRC_OK && fairc_report_collect_warnings(r) != 0)
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    free(cells);
    if (rc != FAIRC_OK) {
        fairc_audit_report_free(&r);
        return rc;
    }
    *out = r;
    return FAIRC_OK;
}
