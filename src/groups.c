/* groups.c: which intersectional group a row belongs to, for training (from the in-memory table)
 * and for prediction (from streamed rows). A group is identified by its escaped name
 * "sex=Female,race=Black" (SPEC §1.5), which the model file stores, so no other state is needed
 * to recognise a group later. The streaming audit (audit.c) has its own O(groups) version. */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t n;
    double v;
    int missing;
    size_t id;
    int numeric;
} level_item;

static int cmp_level_item(const void *a, const void *b)
{
    const level_item *x = a, *y = b;
    if (x->missing != y->missing) return x->missing - y->missing;
    if (x->numeric && x->v != y->v) return x->v < y->v ? -1 : 1;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    return (x->n > y->n) - (x->n < y->n);
}

/* rank[id] for each level id of column c (the missing level gets id levels.n). */
static int column_ranks(const fairc_table_col *c, size_t *rank)
{
    size_t L = c->levels.n;
    level_item *items = malloc((L + 1) * sizeof *items);
    if (!items) return -1;
    int numeric = 1;
    for (size_t k = 0; k <= L; k++) {
        level_item *it = &items[k];
        it->missing = k == L;
        it->s = k < L ? c->levels.keys[k] : "?";
        it->n = k < L ? c->levels.key_len[k] : 1;
        it->id = k;
        it->v = 0;
        if (!it->missing && fairc_parse_double(it->s, it->n, &it->v) != 0) numeric = 0;
    }
    for (size_t k = 0; k <= L; k++) items[k].numeric = numeric;
    qsort(items, L + 1, sizeof *items, cmp_level_item);
    for (size_t k = 0; k <= L; k++) rank[items[k].id] = k;
    free(items);
    return 0;
}

typedef struct {
    const uint32_t *ranks;
    size_t n_cols;
    size_t id;
} tuple_item;

static int cmp_tuple(const void *a, const void *b)
{
    const tuple_item *x = a, *y = b;
    for (size_t c = 0; c < x->n_cols; c++)
        if (x->ranks[c] != y->ranks[c]) return x->ranks[c] < y->ranks[c] ? -1 : 1;
    return 0;
}

static void add_name_part(fairc_buf *b, const char *col, const char *value, int first)
{
    if (!first) fairc_buf_puts(b, ",");
    fairc_escape_name(b, col);
    fairc_buf_puts(b, "=");
    fairc_escape_name(b, value);
}

int fairc_groups_fit(const fairc_table *t, fairc_encoder *e, int32_t *group, fairc_status *st)
{
    size_t S = e->n_sensitive, N = t->N;
    if (S == 0) {
        e->group_names = calloc(1, sizeof *e->group_names);
        if (!e->group_names || !(e->group_names[0] = strdup("all")))
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        e->n_groups = 1;
        for (size_t i = 0; i < N; i++) group[i] = 0;
        return FAIRC_OK;
    }
    int rc = FAIRC_OK;
    long *cols = malloc(S * sizeof *cols);
    size_t **rank = calloc(S, sizeof *rank);
    uint32_t *key = malloc(S * sizeof *key);
    fairc_strmap tuples = {0};
    size_t *of_tuple = NULL;
    tuple_item *items = NULL;
    if (!cols || !rank || !key) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t c = 0; rc == FAIRC_OK && c < S; c++) {
        cols[c] = fairc_table_find(t, e->sensitive[c]);
        if (cols[c] < 0) {
            rc = fairc_fail(st, FAIRC_EINVAL, "no sensitive column named '%.100s'", e->sensitive[c]);
            break;
        }
        const fairc_table_col *col = &t->cols[cols[c]];
        if (!(rank[c] = malloc((col->levels.n + 1) * sizeof **rank)) || column_ranks(col, rank[c]) != 0)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    /* Each row's tuple of ranks, interned; group[i] holds the tuple's id for now. */
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        for (size_t c = 0; c < S; c++) {
            const fairc_table_col *col = &t->cols[cols[c]];
            uint32_t id = col->id[i];
            key[c] = (uint32_t)rank[c][id == FAIRC_MISSING_ID ? col->levels.n : id];
        }
        long k = fairc_strmap_intern(&tuples, (const char *)key, S * sizeof *key, NULL);
        if (k < 0 || k > INT32_MAX) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        else group[i] = (int32_t)k;
    }
    size_t G = tuples.n;
    if (rc == FAIRC_OK) {
        items = malloc((G ? G : 1) * sizeof *items);
        of_tuple = malloc((G ? G : 1) * sizeof *of_tuple);
        e->group_names = calloc(G ? G : 1, sizeof *e->group_names);
        if (!items || !of_tuple || !e->group_names) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc == FAIRC_OK) {
        for (size_t k = 0; k < G; k++) items[k] = (tuple_item){(const uint32_t *)tuples.keys[k], S, k};
        qsort(items, G, sizeof *items, cmp_tuple);
        for (size_t g = 0; g < G && rc == FAIRC_OK; g++) {
            of_tuple[items[g].id] = g;
            /* The name from the ranks: find each rank's level text. */
            fairc_buf b = {0};
            for (size_t c = 0; c < S; c++) {
                const fairc_table_col *col = &t->cols[cols[c]];
                const char *value = "?";
                for (size_t id = 0; id < col->levels.n; id++)
                    if (rank[c][id] == items[g].ranks[c]) value = col->levels.keys[id];
                add_name_part(&b, e->sensitive[c], value, c == 0);
            }
            if (b.failed || !b.p) {
                fairc_buf_free(&b);
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            } else {
                e->group_names[g] = b.p;
                e->n_groups = g + 1;
            }
        }
        for (size_t i = 0; rc == FAIRC_OK && i < N; i++) group[i] = (int32_t)of_tuple[group[i]];
    }
    for (size_t c = 0; rank && c < S; c++) free(rank[c]);
    free(rank);
    free(cols);
    free(key);
    free(items);
    free(of_tuple);
    fairc_strmap_free(&tuples);
    return rc;
}

struct fairc_group_index {
    size_t n_sens;
    long *cols;
    fairc_strmap names;
    fairc_buf name;
    const fairc_encoder *e;
};

int fairc_group_index_new(const fairc_encoder *e, const fairc_reader *r, fairc_group_index **out,
                          fairc_status *st)
{
    *out = NULL;
    fairc_group_index *x = calloc(1, sizeof *x);
    if (!x) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    x->e = e;
    x->n_sens = e->n_sensitive;
    x->cols = calloc(x->n_sens ? x->n_sens : 1, sizeof *x->cols);
    if (!x->cols) {
        fairc_group_index_free(&x);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < x->n_sens; c++)
        if ((x->cols[c] = fairc_reader_find(r, e->sensitive[c])) < 0) {
            int rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no sensitive column named '%.100s', which the model needs",
                                fairc_reader_name(r), e->sensitive[c]);
            fairc_group_index_free(&x);
            return rc;
        }
    for (size_t g = 0; g < e->n_groups; g++)
        if (fairc_strmap_intern(&x->names, e->group_names[g], strlen(e->group_names[g]), NULL) < 0) {
            fairc_group_index_free(&x);
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        }
    *out = x;
    return FAIRC_OK;
}

long fairc_group_index_row(fairc_group_index *x, const fairc_reader *r, const char **name)
{
    if (x->n_sens == 0) {
        if (name) *name = "all";
        return 0;
    }
    x->name.len = 0;
    for (size_t c = 0; c < x->n_sens; c++) {
        size_t j = (size_t)x->cols[c];
        const char *v = fairc_reader_missing(r, j) ? "?" : fairc_reader_field(r, j, NULL);
        add_name_part(&x->name, x->e->sensitive[c], v, c == 0);
    }
    if (x->name.failed || !x->name.p) return -1;
    if (name) *name = x->name.p;
    return fairc_strmap_find(&x->names, x->name.p, x->name.len);
}

void fairc_group_index_free(fairc_group_index **xp)
{
    if (!xp || !*xp) return;
    fairc_group_index *x = *xp;
    free(x->cols);
    fairc_strmap_free(&x->names);
    fairc_buf_free(&x->name);
    free(x);
    *xp = NULL;
}
