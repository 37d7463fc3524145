/* predictor.c: applying a predictor tree to encoded rows: MODEL nodes through the learners'
 * prediction functions, MIXTURE as the weighted sum of its children's probabilities (or, for a
 * voting mixture, of their hard decisions; a voting regression mixture instead gives the member
 * that the row's uniform picks, SPEC §7.3.4, or on request the expected prediction), CONSTANT,
 * and THRESHOLD (threshold.h), whose group-wise rules need each row's group and score (the
 * encoder's score column, or the probability of its base child). Also the per-row uniform of
 * randomised decisions (SPEC §1.7) and its key. Streaming raw rows through all this: predict.c. */
#include "model.h"
#include "predictor.h"
#include "threshold.h"

#include <stdlib.h>
#include <string.h>

FAIRC_API size_t fairc_predictor_width(const fairc_predictor *p) { return p ? p->enc.D : 0; }

/* The rows a tree is applied to: X (N, D); group (N, -1 = unseen) and score (N) when needed;
 * u (N) the rows' uniforms in [0, 1) that pick a voting regression mixture's member, or NULL for
 * its expected prediction; soft: voting mixtures mix their members' probabilities instead of
 * their hard decisions (mixture scores, SPEC §7.3.4). */
typedef struct rows_in {
    const float *X;
    const int32_t *group;
    const double *score;
    const double *u;
    size_t N;
    int unseen; /* -1: each node's own policy, else FAIRC_UNSEEN_* */
    int soft;
} rows_in;

static int node_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                        double *out, fairc_status *st);

/* THRESHOLD: each row's rules (its group's, or the unseen-group policy's) applied to its score. */
static int threshold_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                             double *out, fairc_status *st)
{
    const fairc_thresholds *t = n->thr;
    size_t N = rows->N;
    if (!t) return fairc_fail(st, FAIRC_EINVAL, "a threshold node without rules");
    if (!rows->group)
        return fairc_fail(st, FAIRC_EINVAL, "this predictor applies group-wise thresholds: it needs "
                          "each row's group (fairc_predictor_predict_groups)");
    const double *score = rows->score;
    double *base = NULL;
    if (n->n_children == 1) {
        if (!(base = malloc((N ? N : 1) * sizeof *base))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        /* the base's probability is the score the rules read, whatever the caller asked of
         * mixtures further up */
        rows_in brows = *rows;
        brows.soft = 0;
        int rc = node_predict(p, &p->nodes[n->children[0]], &brows, base, st);
        if (rc != FAIRC_OK) {
            free(base);
            return rc;
        }
        score = base;
    } else if (!score) {
        return fairc_fail(st, FAIRC_EINVAL, "this predictor thresholds the score column '%.100s': "
                          "it needs each row's score", p->enc.score_column ? p->enc.score_column : "?");
    }
    int rc = FAIRC_OK, unseen = rows->unseen >= 0 ? rows->unseen : t->unseen;
    if (unseen == FAIRC_UNSEEN_POOLED && t->n_pooled == 0) unseen = FAIRC_UNSEEN_ERROR;
    for (size_t i = 0; i < N; i++) {
        int32_t g = rows->group[i];
        if (g >= 0 && (size_t)g < t->G) {
            out[i] = fairc_thresholds_apply(t, (size_t)g, score[i]);
        } else if (g >= 0 || unseen == FAIRC_UNSEEN_ERROR) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: its group was not seen when the thresholds "
                            "were fitted (--unseen-group pooled|0|1 chooses a fallback)", i + 1);
            break;
        } else {
            out[i] = unseen == FAIRC_UNSEEN_POOLED ? fairc_rules_apply(t->pooled, t->n_pooled, score[i])
                   : unseen == FAIRC_UNSEEN_ONE    ? 1.0
                                                   : 0.0;
        }
    }
    free(base);
    return rc;
}

/* A voting regression mixture, SPEC §7.3.4: row i gets the prediction of the first member c
 * whose cumulative weight Q_1 + ... + Q_c exceeds u_i (so P(member c) = Q_c, and a member with
 * Q_c = 0 is never picked); rounding that leaves the total below u_i gives the last member with
 * Q > 0. Each member is applied to the rows that picked it only, gathered into scratch buffers.
 * A member that is itself randomised gets the row's uniform rescaled within the picked interval,
 * (u_i - Q_1 - ... - Q_{c-1}) / Q_c, again uniform on [0, 1) and independent of the pick. */
static int mixture_pick(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                        double *out, fairc_status *st)
{
    size_t N = rows->N, D = p->enc.D, C = n->n_children, last = SIZE_MAX;
    for (size_t c = 0; c < C; c++)
        if (n->weights[c] > 0) last = c;
    if (last == SIZE_MAX) return fairc_fail(st, FAIRC_EINVAL, "a mixture without a member of positive weight");
    size_t N1 = N ? N : 1;
    size_t *pick = malloc(N1 * sizeof *pick), *idx = malloc(N1 * sizeof *idx);
    double *u_in = malloc(N1 * sizeof *u_in), *u_sub = malloc(N1 * sizeof *u_sub);
    double *sub_out = malloc(N1 * sizeof *sub_out);
    double *score = rows->score ? malloc(N1 * sizeof *score) : NULL;
    int32_t *group = rows->group ? malloc(N1 * sizeof *group) : NULL;
    float *X = rows->X && D ? malloc(N1 * D * sizeof *X) : NULL;
    int rc = FAIRC_OK;
    if (!pick || !idx || !u_in || !u_sub || !sub_out || (rows->score && !score) ||
        (rows->group && !group) || (rows->X && D && !X))
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t i = 0; rc == FAIRC_OK && i < N; i++) {
        double u = rows->u[i], lo = 0, hi = 0;
        size_t c = 0;
        for (; c < C; c++, lo = hi) {
            hi = lo + n->weights[c];
            if (n->weights[c] > 0 && hi > u) break;
        }
        if (c == C) { /* u at or above the rounded total */
            c = last;
            lo = hi - n->weights[c];
        }
        pick[i] = c;
        double v = (u - lo) / n->weights[c];
        u_in[i] = v >= 0 && v < 1 ? v : v < 0 ? 0 : 0x1.fffffffffffffp-1;
    }
    for (size_t c = 0; rc == FAIRC_OK && c < C; c++) {
        size_t m = 0;
        for (size_t i = 0; i < N; i++)
            if (pick[i] == c) idx[m++] = i;
        if (m == 0) continue;
        for (size_t k = 0; k < m; k++) {
            size_t i = idx[k];
            if (X) memcpy(X + k * D, rows->X + i * D, D * sizeof *X);
            if (group) group[k] = rows->group[i];
            if (score) score[k] = rows->score[i];
            u_sub[k] = u_in[i];
        }
        rows_in sub = {X ? X : rows->X, group, score, u_sub, m, rows->unseen, rows->soft};
        rc = node_predict(p, &p->nodes[n->children[c]], &sub, sub_out, st);
        for (size_t k = 0; rc == FAIRC_OK && k < m; k++) out[idx[k]] = sub_out[k];
    }
    free(pick);
    free(idx);
    free(u_in);
    free(u_sub);
    free(sub_out);
    free(score);
    free(group);
    free(X);
    return rc;
}

static int node_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                        double *out, fairc_status *st)
{
    size_t N = rows->N;
    if (n->type == FAIRC_NODE_CONSTANT) {
        for (size_t i = 0; i < N; i++) out[i] = n->p;
        return FAIRC_OK;
    }
    if (n->type == FAIRC_NODE_MIXTURE) {
        if (n->vote && p->enc.task == FAIRC_TASK_REGRESSION && rows->u)
            return mixture_pick(p, n, rows, out, st);
        double *tmp = malloc((N ? N : 1) * sizeof *tmp);
        if (!tmp) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        memset(out, 0, N * sizeof *out);
        /* a voting mixture (ExponentiatedGradient) mixes each classifier's hard decision,
         * unless the caller asks for its mixture score; regression: the expected prediction */
        int hard = n->vote && p->enc.task != FAIRC_TASK_REGRESSION && !rows->soft;
        int rc = FAIRC_OK;
        for (size_t c = 0; c < n->n_children && rc == FAIRC_OK; c++) {
            rc = node_predict(p, &p->nodes[n->children[c]], rows, tmp, st);
            if (hard)
                for (size_t i = 0; rc == FAIRC_OK && i < N; i++) tmp[i] = tmp[i] > 0.5 ? 1.0 : 0.0;
            for (size_t i = 0; rc == FAIRC_OK && i < N; i++) out[i] += n->weights[c] * tmp[i];
        }
        free(tmp);
        return rc;
    }
    if (n->type == FAIRC_NODE_THRESHOLD) return threshold_predict(p, n, rows, out, st);
    if (n->type != FAIRC_NODE_MODEL) return fairc_fail(st, FAIRC_EINVAL, "this predictor node type cannot be applied here");
    fairc_mlp m;
    const char *bad = fairc_mlp_layout(&m, p->enc.D, n->hidden, n->n_hidden);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (!rows->X && N) return fairc_fail(st, FAIRC_EINVAL, "the model needs the encoded rows X");
    const double *params = p->params + n->param_offset;
    int regress = n->model_kind == FAIRC_MODEL_LINEAR || p->enc.task == FAIRC_TASK_REGRESSION;
    if (n->n_hidden == 0) {
        /* A linear model: one dot product a row, without the MLP's layer machinery. */
        fairc_linear_predict(params, rows->X, N, p->enc.D, regress ? out : NULL, regress ? NULL : out, 0);
        return FAIRC_OK;
    }
    return fairc_mlp_predict(&m, params, rows->X, N, regress ? out : NULL, regress ? NULL : out, 0, st);
}

int fairc_predictor_apply(const fairc_predictor *p, const float *X, const int32_t *group,
                          const double *score, const double *u, size_t N, int unseen, int soft,
                          double *out, fairc_status *st)
{
    if (!p || p->n_nodes == 0) return fairc_fail(st, FAIRC_EINVAL, "empty predictor");
    rows_in rows = {X, group, score, u, N, unseen, soft};
    return node_predict(p, &p->nodes[0], &rows, out, st);
}

int fairc_predictor_picks(const fairc_predictor *p)
{
    if (!p || p->enc.task != FAIRC_TASK_REGRESSION) return 0;
    for (size_t i = 0; i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_MIXTURE && p->nodes[i].vote) return 1;
    return 0;
}

const char *fairc_predict_options_check(const fairc_predictor *p, const fairc_predict_options *o)
{
    if (!p || p->n_nodes == 0 || !p->nodes) return "empty predictor";
    if (o->randomize != FAIRC_RANDOMIZE_HASH && o->randomize != FAIRC_RANDOMIZE_STREAM)
        return "randomize must be hash or stream";
    if (o->unseen < -1 || o->unseen > FAIRC_UNSEEN_ONE)
        return "the unseen-group policy must be error, pooled, 0 or 1";
    int regress = p->enc.task == FAIRC_TASK_REGRESSION;
    if (o->expected && !regress)
        return "the expected prediction (--expected) is for regression mixtures; a classifier's "
               "score is already its expected decision (for a mixture, --mixture-scores gives its "
               "members' weighted mean probability)";
    if (o->expected && !fairc_predictor_picks(p))
        return p->nodes[0].type == FAIRC_NODE_MODEL
                   ? "the expected prediction (--expected) is for regression mixtures; this model "
                     "is a single model, whose prediction is not randomised"
                   : "the expected prediction (--expected) is for regression mixtures "
                     "(fairc train --mitigate expgrad); this model holds none";
    if (o->mixture_scores && regress)
        return "mixture scores (--mixture-scores) are for classification mixtures; a regression "
               "mixture's expected prediction is --expected";
    if (o->mixture_scores && p->nodes[0].type != FAIRC_NODE_MIXTURE) {
        switch (p->nodes[0].type) {
        case FAIRC_NODE_MODEL:
            return "mixture scores (--mixture-scores) need a mixture of models (fairc train "
                   "--mitigate expgrad); this model is a single model, whose score is already its "
                   "probability";
        case FAIRC_NODE_THRESHOLD:
            return "mixture scores (--mixture-scores) need a mixture of models (fairc train "
                   "--mitigate expgrad); this predictor is group-wise thresholds";
        default:
            return "mixture scores (--mixture-scores) need a mixture of models (fairc train "
                   "--mitigate expgrad); this predictor is a constant";
        }
    }
    return NULL;
}

/* The group name that ends SPEC §1.7's key of row i, as the row applier (predict.c) sees it
 * in a file: "all" for a predictor without sensitive columns; else the fit-time name of the
 * row's group when it is known here; else nothing (an unseen group's name is not known here). */
static const char *key_group_name(const fairc_predictor *p, const int32_t *group, size_t i)
{
    if (p->enc.n_sensitive == 0) return "all";
    if (group && group[i] >= 0 && (size_t)group[i] < p->enc.n_groups) return p->enc.group_names[group[i]];
    return "";
}

/* Appends n values as binary64, little-endian (SPEC §1.7's key), without a call per value:
 * hashing a row's 100-odd features is most of what a randomised prediction costs. */
void fairc_key_add_f64s(fairc_buf *b, const float *x, const double *xd, size_t n)
{
    if (fairc_buf_reserve(b, 8 * n) != 0) return;
    unsigned char *q = (unsigned char *)b->p + b->len;
    for (size_t j = 0; j < n; j++) {
        double v = x ? (double)x[j] : xd[j];
        uint64_t u;
        memcpy(&u, &v, sizeof u);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(q + 8 * j, &u, 8);
#else
        for (int k = 0; k < 8; k++) q[8 * j + (size_t)k] = (unsigned char)(u >> (8 * k));
#endif
    }
    b->len += 8 * n;
    b->p[b->len] = 0;
}

FAIRC_API int fairc_predictor_predict_opt(const fairc_predictor *p, const float *X,
                                          const int32_t *group, const double *score,
                                          const double *u, size_t N,
                                          const fairc_predict_options *o_in, double *out,
                                          fairc_status *st)
{
    fairc_predict_options o;
    if (o_in) o = *o_in;
    else fairc_predict_options_init(&o);
    const char *bad = fairc_predict_options_check(p, &o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (o.mixture_scores) return fairc_predictor_apply(p, X, group, score, NULL, N, o.unseen, 1, out, st);
    if (!fairc_predictor_picks(p) || o.expected || u)
        return fairc_predictor_apply(p, X, group, score, o.expected ? NULL : u, N, o.unseen, 0, out, st);
    /* a regression mixture picks a member by each row's u: hashed from the row, or drawn */
    double *own = malloc((N ? N : 1) * sizeof *own);
    if (!own) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int rc = FAIRC_OK;
    if (o.randomize == FAIRC_RANDOMIZE_STREAM) {
        fairc_rng rng;
        fairc_rng_seed(&rng, o.seed, "decisions");
        for (size_t i = 0; i < N; i++) own[i] = fairc_rng_uniform(&rng);
    } else {
        size_t D = p->enc.D;
        fairc_buf key = {0};
        for (size_t i = 0; i < N; i++) {
            key.len = 0;
            if (D) fairc_key_add_f64s(&key, X ? X + i * D : NULL, NULL, X ? D : 0);
            if (score && p->enc.score_column) fairc_key_add_f64s(&key, NULL, score + i, 1);
            const char *name = key_group_name(p, group, i);
            fairc_buf_add(&key, name, strlen(name));
            if (key.failed) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                break;
            }
            own[i] = fairc_decision_uniform(key.p ? key.p : "", key.len, o.seed);
        }
        fairc_buf_free(&key);
    }
    if (rc == FAIRC_OK) rc = fairc_predictor_apply(p, X, group, score, own, N, o.unseen, 0, out, st);
    free(own);
    return rc;
}

FAIRC_API int fairc_predictor_predict(const fairc_predictor *p, const float *X, size_t N,
                                      double *out, fairc_status *st)
{
    return fairc_predictor_predict_opt(p, X, NULL, NULL, NULL, N, NULL, out, st);
}

int fairc_predictor_predict_rows(const fairc_predictor *p, const float *X, const int32_t *group,
                                 const double *score, size_t N, int unseen, double *out,
                                 fairc_status *st)
{
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.unseen = unseen;
    return fairc_predictor_predict_opt(p, X, group, score, NULL, N, &o, out, st);
}

FAIRC_API int fairc_predictor_predict_groups(const fairc_predictor *p, const float *X,
                                             const int32_t *group, const double *score, size_t N,
                                             double *out, fairc_status *st)
{
    return fairc_predictor_predict_opt(p, X, group, score, NULL, N, NULL, out, st);
}

FAIRC_API int fairc_predictor_mixture_scores(const fairc_predictor *p, const float *X,
                                             const int32_t *group, const double *score, size_t N,
                                             double *out, fairc_status *st)
{
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.mixture_scores = 1;
    return fairc_predictor_predict_opt(p, X, group, score, NULL, N, &o, out, st);
}

int fairc_predictor_needs_groups(const fairc_predictor *p)
{
    for (size_t i = 0; p && i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_THRESHOLD) return 1;
    return 0;
}

int fairc_predictor_unseen_policy(const fairc_predictor *p)
{
    int policy = -1;
    for (size_t i = 0; p && i < p->n_nodes; i++) {
        const fairc_node *n = &p->nodes[i];
        if (n->type != FAIRC_NODE_THRESHOLD || !n->thr) continue;
        if (policy < 0 || n->thr->unseen == FAIRC_UNSEEN_ERROR) policy = n->thr->unseen;
    }
    return policy < 0 ? FAIRC_UNSEEN_ERROR : policy;
}

FAIRC_API int fairc_predictor_randomized(const fairc_predictor *p)
{
    for (size_t i = 0; p && i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_THRESHOLD || p->nodes[i].type == FAIRC_NODE_MIXTURE) return 1;
    return 0;
}

FAIRC_API double fairc_decision_uniform(const void *key, size_t n, uint64_t seed)
{
    return (double)(fairc_siphash(key, n, seed, 0x66616972635f7631ull) >> 11) * 0x1p-53;
}

FAIRC_API size_t fairc_predictor_ngroups(const fairc_predictor *p) { return p ? p->enc.n_groups : 0; }

FAIRC_API const char *fairc_predictor_group_name(const fairc_predictor *p, size_t g)
{
    return p && g < p->enc.n_groups ? p->enc.group_names[g] : NULL;
}

FAIRC_API const char *fairc_predictor_score_column(const fairc_predictor *p)
{
    return p ? p->enc.score_column : NULL;
}
