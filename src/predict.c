/* predict.c: `fairc predict` as a library call. Streams a file's raw rows through the model's
 * encoder in blocks (plus each row's group, score column and decision key when the model needs
 * them: the row applier, which `fairc audit --model` uses too), predicts them and writes a CSV
 * (probability, decision [, mixture score]; or a regression's prediction) atomically, in row
 * order. Decisions of randomised predictors follow SPEC §1.7: 1[u_i < p_i] with u_i hashed from
 * the row's key, or drawn in row order; the same u_i picks a regression mixture's member
 * (SPEC §7.3.4). Memory is O(block), so any file size works. */
#include "encode.h"
#include "groups.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PREDICT_BLOCK 4096

/* ------------------------------------------------------------------------------------------ */
/* The row applier                                                                             */

struct fairc_row_applier {
    const fairc_predictor *p;
    size_t block, n, D;
    fairc_encoder_index *enc;
    fairc_group_index *groups;  /* NULL when neither the tree nor the key needs groups */
    long score_col, id_col;     /* -1: none */
    int randomized, regress, needs_groups, hash, unseen;
    int picks;                  /* a regression mixture whose members u picks (not --expected) */
    int mixture_scores;         /* also the mixture scores, into mix */
    uint64_t seed;
    fairc_rng rng;              /* STREAM: purpose "decisions" */
    float *X;                   /* (block, D) */
    int32_t *group;             /* (block) */
    double *score, *u, *prob;   /* (block) */
    double *mix;                /* (block) with mixture_scores, else NULL */
    uint8_t *decision;          /* (block) */
    fairc_buf key;
    uint64_t unseen_categories, unseen_groups;
};

FAIRC_API void fairc_predict_options_init(fairc_predict_options *o)
{
    memset(o, 0, sizeof *o);
    o->randomize = FAIRC_RANDOMIZE_HASH;
    o->unseen = -1;
}

static long find_or_fail(const fairc_reader *r, const char *col, const char *what, fairc_status *st)
{
    long j = fairc_reader_find(r, col);
    if (j < 0)
        fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s' (%s)", fairc_reader_name(r), col, what);
    return j;
}

int fairc_row_applier_new(const fairc_predictor *p, const fairc_reader *r, size_t block,
                          const fairc_predict_options *o_in, fairc_row_applier **out,
                          fairc_status *st)
{
    *out = NULL;
    fairc_predict_options o;
    if (o_in) o = *o_in;
    else fairc_predict_options_init(&o);
    const char *bad = fairc_predict_options_check(p, &o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fairc_row_applier *a = calloc(1, sizeof *a);
    if (!a) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    a->p = p;
    a->block = block ? block : 1;
    a->D = p->enc.D;
    a->score_col = a->id_col = -1;
    a->randomized = fairc_predictor_randomized(p);
    a->regress = p->enc.task == FAIRC_TASK_REGRESSION;
    a->needs_groups = fairc_predictor_needs_groups(p);
    a->picks = fairc_predictor_picks(p) && !o.expected;
    a->mixture_scores = o.mixture_scores != 0;
    a->hash = a->randomized && o.randomize == FAIRC_RANDOMIZE_HASH;
    a->unseen = o.unseen >= 0 ? o.unseen : fairc_predictor_unseen_policy(p);
    a->seed = o.seed;
    fairc_rng_seed(&a->rng, o.seed, "decisions");
    int rc = fairc_encoder_index_new(&p->enc, &a->enc, st);
    if (rc == FAIRC_OK) rc = fairc_encoder_bind(&p->enc, a->enc, r, st);
    if (rc == FAIRC_OK && p->enc.score_column &&
        (a->score_col = find_or_fail(r, p->enc.score_column, "the score column the model thresholds", st)) < 0)
        rc = FAIRC_EINVAL;
    const char *id = o.id ? o.id : p->enc.id_column;
    if (rc == FAIRC_OK && a->hash && id && (a->id_col = find_or_fail(r, id, "the id column of per-row decisions", st)) < 0)
        rc = FAIRC_EINVAL;
    /* Groups: the thresholds need them; the decision key uses the group name when the data has
     * the sensitive columns (a mixture trained without them hashes the features alone). */
    if (rc == FAIRC_OK && (a->needs_groups || (a->hash && a->id_col < 0))) {
        fairc_status quiet = {0};
        rc = fairc_group_index_new(&p->enc, r, &a->groups, a->needs_groups ? st : &quiet);
        if (rc != FAIRC_OK && !a->needs_groups) rc = FAIRC_OK;
    }
    if (rc == FAIRC_OK) {
        size_t B = a->block;
        a->X = malloc(B * (a->D ? a->D : 1) * sizeof *a->X);
        a->group = malloc(B * sizeof *a->group);
        a->score = malloc(B * sizeof *a->score);
        a->u = malloc(B * sizeof *a->u);
        a->prob = malloc(B * sizeof *a->prob);
        a->decision = malloc(B * sizeof *a->decision);
        if (a->mixture_scores) a->mix = malloc(B * sizeof *a->mix);
        if (!a->X || !a->group || !a->score || !a->u || !a->prob || !a->decision ||
            (a->mixture_scores && !a->mix))
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc != FAIRC_OK) {
        fairc_row_applier_free(&a);
        return rc;
    }
    *out = a;
    return FAIRC_OK;
}

void fairc_row_applier_free(fairc_row_applier **ap)
{
    if (!ap || !*ap) return;
    fairc_row_applier *a = *ap;
    fairc_encoder_index_free(&a->enc);
    fairc_group_index_free(&a->groups);
    free(a->X);
    free(a->group);
    free(a->score);
    free(a->u);
    free(a->prob);
    free(a->decision);
    free(a->mix);
    fairc_buf_free(&a->key);
    free(a);
    *ap = NULL;
}

int fairc_row_applier_add(fairc_row_applier *a, const fairc_reader *r, fairc_status *st)
{
    if (a->n == a->block) return fairc_fail(st, FAIRC_EINVAL, "internal: the row applier is full");
    size_t i = a->n;
    float *x = a->X + i * a->D;
    int rc = fairc_encoder_row(&a->p->enc, a->enc, r, x, &a->unseen_categories, st);
    if (rc != FAIRC_OK) return rc;
    double s = 0;
    if (a->score_col >= 0) {
        size_t j = (size_t)a->score_col, n;
        const char *f = fairc_reader_field(r, j, &n);
        if (fairc_reader_missing(r, j))
            return fairc_reader_error(r, j + 1, FAIRC_EINVAL, st, "the score is missing (column '%s')",
                                      fairc_reader_colname(r, j));
        if (fairc_parse_double(f, n, &s) != 0)
            return fairc_reader_error(r, j + 1, FAIRC_EINVAL, st, "score '%.40s' is not a finite number (column '%s')",
                                      f, fairc_reader_colname(r, j));
    }
    a->score[i] = s;
    const char *name = "";
    long g = 0;
    if (a->groups) {
        g = fairc_group_index_row(a->groups, r, &name);
        if (!name) name = "";
        if (g < 0 && a->needs_groups) {
            if (a->unseen == FAIRC_UNSEEN_ERROR)
                return fairc_reader_error(r, 0, FAIRC_EINVAL, st, "group '%.200s' was not seen when the "
                                          "thresholds were fitted (--unseen-group pooled|0|1 chooses a "
                                          "fallback)", name);
            a->unseen_groups++;
        }
    }
    a->group[i] = g < 0 || g > INT32_MAX ? -1 : (int32_t)g;
    if (a->hash) {
        a->key.len = 0;
        if (a->id_col >= 0) {
            size_t n;
            const char *f = fairc_reader_field(r, (size_t)a->id_col, &n);
            fairc_buf_add(&a->key, f, n);
        } else {
            fairc_key_add_f64s(&a->key, x, NULL, a->D);
            if (a->score_col >= 0) fairc_key_add_f64s(&a->key, NULL, &s, 1);
            fairc_buf_add(&a->key, name, strlen(name));
        }
        if (a->key.failed) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        a->u[i] = fairc_decision_uniform(a->key.p ? a->key.p : "", a->key.len, a->seed);
    } else if (a->randomized) {
        a->u[i] = fairc_rng_uniform(&a->rng);
    }
    a->n++;
    return FAIRC_OK;
}

size_t fairc_row_applier_pending(const fairc_row_applier *a) { return a->n; }

const double *fairc_row_applier_mixture_scores(const fairc_row_applier *a) { return a->mix; }

int fairc_row_applier_flush(fairc_row_applier *a, size_t *n, const double **prob,
                            const uint8_t **decision, fairc_status *st)
{
    *n = a->n;
    *prob = a->prob;
    *decision = a->decision;
    if (a->n == 0) return FAIRC_OK;
    const int32_t *group = a->needs_groups ? a->group : NULL;
    const double *score = a->score_col >= 0 ? a->score : NULL;
    int rc = fairc_predictor_apply(a->p, a->X, group, score, a->picks ? a->u : NULL, a->n,
                                   a->unseen, 0, a->prob, st);
    if (rc == FAIRC_OK && a->mixture_scores)
        rc = fairc_predictor_apply(a->p, a->X, group, score, NULL, a->n, a->unseen, 1, a->mix, st);
    if (rc != FAIRC_OK) return rc;
    for (size_t i = 0; i < a->n; i++)
        a->decision[i] = a->regress ? 0 : a->randomized ? a->u[i] < a->prob[i] : a->prob[i] > 0.5;
    a->n = 0;
    return FAIRC_OK;
}

void fairc_row_applier_counts(const fairc_row_applier *a, uint64_t *unseen_categories,
                              uint64_t *unseen_groups)
{
    if (unseen_categories) *unseen_categories = a->unseen_categories;
    if (unseen_groups) *unseen_groups = a->unseen_groups;
}

/* ------------------------------------------------------------------------------------------ */
/* fairc predict                                                                               */

/* 1 if a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Writes a CSV field, quoted when it holds the delimiter, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Predicts the applier's rows and writes them, each after its kept fields. */
static int flush_block(fairc_row_applier *a, char **kept, size_t n_keep, FILE *f, fairc_status *st)
{
    size_t n;
    const double *prob;
    const uint8_t *dec;
    int rc = fairc_row_applier_flush(a, &n, &prob, &dec, st);
    if (rc != FAIRC_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_keep; k++) {
            csv_field(f, kept[i * n_keep + k]);
            fputc(',', f);
            free(kept[i * n_keep + k]);
            kept[i * n_keep + k] = NULL;
        }
        const double *mix = fairc_row_applier_mixture_scores(a);
        if (a->regress) fprintf(f, "%.17g\n", prob[i]);
        else if (mix) fprintf(f, "%.17g,%d,%.17g\n", prob[i], dec[i], mix[i]);
        else fprintf(f, "%.17g,%d\n", prob[i], dec[i]);
    }
    return FAIRC_OK;
}

FAIRC_API int fairc_predict_file_opt(const fairc_predictor *p, const char *data,
                                     const fairc_read_options *ropt, const fairc_predict_options *o_in,
                                     const char *out_path, fairc_predict_info *info,
                                     fairc_status *st)
{
    fairc_predict_info local = {0, 0};
    fairc_predict_options o;
    if (o_in) o = *o_in;
    else fairc_predict_options_init(&o);
    size_t n_keep = o.keep ? o.n_keep : 0;
    if (!p || !data || !out_path) return fairc_fail(st, FAIRC_EINVAL, "a model, a data file and an output are required");
    if (same_file(data, out_path))
        return fairc_fail(st, FAIRC_EINVAL, "%.200s: the output would overwrite the input data", out_path);
    fairc_reader *r = NULL;
    fairc_row_applier *a = NULL;
    long *keep_col = NULL;
    char **kept = NULL;
    fairc_atomic_file out = {0};
    int opened = 0;
    int rc = fairc_reader_open(data, ropt, &r, st);
    if (rc == FAIRC_OK) rc = fairc_row_applier_new(p, r, PREDICT_BLOCK, &o, &a, st);
    if (rc == FAIRC_OK) {
        keep_col = calloc(n_keep ? n_keep : 1, sizeof *keep_col);
        kept = calloc(PREDICT_BLOCK * (n_keep ? n_keep : 1), sizeof *kept);
        if (!keep_col || !kept) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; rc == FAIRC_OK && k < n_keep; k++)
        if ((keep_col[k] = fairc_reader_find(r, o.keep[k])) < 0)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s' (--keep)", data, o.keep[k]);
    if (rc == FAIRC_OK) rc = fairc_atomic_open(&out, out_path, st);
    if (rc == FAIRC_OK) {
        opened = 1;
        for (size_t k = 0; k < n_keep; k++) {
            csv_field(out.f, o.keep[k]);
            fputc(',', out.f);
        }
        fputs(p->enc.task == FAIRC_TASK_REGRESSION ? "prediction\n"
              : o.mixture_scores                   ? "score,decision,mixture_score\n"
                                                   : "score,decision\n",
              out.f);
    }
    int more;
    while (rc == FAIRC_OK && (more = fairc_reader_next(r, st)) != 0) {
        if (more < 0) {
            rc = st && st->code ? st->code : FAIRC_EPARSE;
            break;
        }
        size_t at = fairc_row_applier_pending(a);
        rc = fairc_row_applier_add(a, r, st);
        for (size_t k = 0; rc == FAIRC_OK && k < n_keep; k++)
            if (!(kept[at * n_keep + k] = strdup(fairc_reader_field(r, (size_t)keep_col[k], NULL))))
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (rc != FAIRC_OK) break;
        local.rows++;
        if (fairc_row_applier_pending(a) == PREDICT_BLOCK) rc = flush_block(a, kept, n_keep, out.f, st);
    }
    if (rc == FAIRC_OK) rc = flush_block(a, kept, n_keep, out.f, st);
    if (opened) {
        int crc = fairc_atomic_close(&out, rc == FAIRC_OK, st);
        if (rc == FAIRC_OK) rc = crc;
    }
    for (size_t i = 0; kept && i < PREDICT_BLOCK * n_keep; i++) free(kept[i]);
    free(kept);
    free(keep_col);
    if (a) fairc_row_applier_counts(a, &local.unseen_categories, NULL);
    fairc_row_applier_free(&a);
    fairc_reader_free(&r);
    if (info) *info = local;
    return rc;
}

FAIRC_API int fairc_predict_file(const fairc_predictor *p, const char *data,
                                 const fairc_read_options *ropt, const char *const *keep,
                                 size_t n_keep, const char *out_path, fairc_predict_info *info,
                                 fairc_status *st)
{
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.keep = keep;
    o.n_keep = n_keep;
    return fairc_predict_file_opt(p, data, ropt, &o, out_path, info, st);
}
