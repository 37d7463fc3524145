/* train.c: `fairc train` as a library call. Loads the file into a column table, maps the label
 * (SPEC §1.2), fits the encoder, encodes X (N, D) as float, fits the learner of model.h and
 * packs everything into a predictor: the encoder, one MODEL node and the parameter buffer.
 * Fairness-aware training (--mitigate penalty|constrained, SPEC §5-§6) builds the moment over
 * the training rows' groups (the intersection of the sensitive columns, and with --groups
 * marginal|both one grouping per column), trains through penalty.c or constrained.c, and keeps
 * their record in the predictor (MULT). Mitigations that wrap the model add their nodes around
 * the same pieces. */
#include "fairtrain.h"
#include "groups.h"
#include "model.h"
#include "predictor.h"
#include "reduction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

FAIRC_API void fairc_train_options_init(fairc_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->learner = 0; /* chosen by task */
    o->C = 1.0;
    o->epochs = 20;
    o->batch = 256;
    o->lr = 1e-3;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->adam_eps = 1e-8;
    o->mitigate = FAIRC_MITIGATE_NONE;
    o->constraint = FAIRC_CONSTRAINT_DP;
    o->groups = FAIRC_GROUPS_INTERSECTION;
    o->eps = NAN;
    o->ratio_bound = 0;
    o->ratio_slack = 0;
    o->fair_alpha = 1;
    o->p_norm = 2;
    o->tol = 0;
    o->momentum = 0;
    o->dual_lr = 0.05;
    o->lambda_max = 100;
    o->select = FAIRC_SELECT_BEST;
    o->dual_signal = FAIRC_DUAL_HARD;
    o->fit_intercept = 1;
}

/* The checks of the fairness-aware options (NULL when none is wrong or none applies). */
static const char *fair_options_check(const fairc_train_options *o)
{
    /* ExponentiatedGradient, GridSearch: reduction.c checks them (and regression's BGL) */
    if (o->mitigate == FAIRC_MITIGATE_EXPGRAD || o->mitigate == FAIRC_MITIGATE_GRIDSEARCH)
        return fairc_reduction_check(o, NULL);
    if (o->mitigate != FAIRC_MITIGATE_NONE && o->mitigate != FAIRC_MITIGATE_PENALTY &&
        o->mitigate != FAIRC_MITIGATE_CONSTRAINED)
        return "unknown mitigation";
    if (o->mitigate == FAIRC_MITIGATE_NONE) return NULL;
    if (o->task != FAIRC_TASK_CLASSIFICATION)
        return "fairness-aware training (--mitigate) needs a classifier, not --task regression";
    if (!fairc_constraint_name(o->constraint)) return "unknown constraint (dp, eo, tpr, fpr, error_rate)";
    if (o->groups != FAIRC_GROUPS_INTERSECTION && o->groups != FAIRC_GROUPS_MARGINAL &&
        o->groups != FAIRC_GROUPS_BOTH)
        return "groups must be intersection, marginal or both";
    if (!isnan(o->eps) && !(o->eps >= 0 && isfinite(o->eps))) return "the bound eps must be a finite number >= 0";
    if (!(o->ratio_bound == 0 || (o->ratio_bound > 0 && o->ratio_bound <= 1)))
        return "the ratio bound must be in (0, 1]";
    if (!isnan(o->eps) && o->ratio_bound > 0) return "give a difference bound (eps) or a ratio bound, not both";
    if (!(o->ratio_slack >= 0) || !isfinite(o->ratio_slack)) return "the ratio slack must be a finite number >= 0";
    if (!(o->momentum >= 0 && o->momentum < 1)) return "momentum must be in [0, 1)";
    if (o->mitigate == FAIRC_MITIGATE_PENALTY) {
        if (!(o->fair_alpha >= 0) || !isfinite(o->fair_alpha)) return "the penalty weight alpha must be a finite number >= 0";
        if (!(o->p_norm >= 1)) return "the penalty exponent p must be a number >= 1 (or inf)";
        if (!(o->tol >= 0) || !isfinite(o->tol)) return "the tolerance must be a finite number >= 0";
    } else {
        if (!(o->dual_lr > 0) || !isfinite(o->dual_lr)) return "the dual step size must be a finite number > 0";
        if (!(o->lambda_max > 0) || !isfinite(o->lambda_max)) return "lambda_max must be a finite number > 0";
        if (o->select != FAIRC_SELECT_BEST && o->select != FAIRC_SELECT_LAST) return "select must be best or last";
        if (o->dual_signal != FAIRC_DUAL_HARD && o->dual_signal != FAIRC_DUAL_SOFT) return "the dual signal must be hard or soft";
    }
    return NULL;
}

FAIRC_API const char *fairc_train_options_check(const fairc_train_options *o)
{
    if (!o->label || !*o->label) return "a label column is required (--label)";
    if (o->task != FAIRC_TASK_CLASSIFICATION && o->task != FAIRC_TASK_REGRESSION) return "task must be classification or regression";
    if (o->learner < 0 || o->learner > FAIRC_LEARNER_MLP) return "unknown learner";
    if (o->task == FAIRC_TASK_REGRESSION && o->learner == FAIRC_LEARNER_LOGISTIC) return "logistic regression is for classification: use --model linear or mlp with --task regression";
    if (o->task == FAIRC_TASK_CLASSIFICATION && o->learner == FAIRC_LEARNER_LINEAR) return "the linear learner is for --task regression; use logistic for classification";
    if (o->task == FAIRC_TASK_REGRESSION && o->n_pos_labels) return "--pos-label applies to classification only";
    if (!(o->C > 0)) return "C must be a number > 0";
    if (o->fit_intercept != 0 && o->fit_intercept != 1) return "fit_intercept must be 0 or 1";
    if (!o->fit_intercept && (o->learner == FAIRC_LEARNER_MLP || o->mitigate == FAIRC_MITIGATE_PENALTY ||
                              o->mitigate == FAIRC_MITIGATE_CONSTRAINED))
        return "--no-intercept applies to logistic and linear models trained plainly or by a reduction "
               "(not an MLP, --mitigate penalty or constrained)";
    if (!(o->alpha >= 0) || !isfinite(o->alpha)) return "alpha must be a finite number >= 0";
    if (o->n_hidden > 16) return "at most 16 hidden layers";
    for (size_t k = 0; k < o->n_hidden; k++)
        if (o->hidden[k] < 1 || o->hidden[k] > 100000) return "hidden layer sizes must be in 1..100000";
    if (o->learner == FAIRC_LEARNER_MLP || o->mitigate != FAIRC_MITIGATE_NONE) {
        if (o->epochs < 1 || o->epochs > 1000000) return "epochs must be in 1..1000000";
        if (o->batch < 1 || o->batch > 1000000) return "batch must be in 1..1000000";
        if (!(o->lr > 0) || !isfinite(o->lr)) return "lr must be a finite number > 0";
        if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1)) return "beta1 and beta2 must be in [0, 1)";
        if (!(o->adam_eps > 0) || !isfinite(o->adam_eps)) return "adam eps must be a finite number > 0";
        if (!(o->weight_decay >= 0) || !isfinite(o->weight_decay)) return "weight decay must be a finite number >= 0";
    }
    if (o->threads < 0 || o->threads > 1024) return "threads must be in 0..1024";
    return fair_options_check(o);
}

/* Maps the label column's levels to 0/1 (classification, SPEC §1.2) or numbers (regression). */
static int map_labels(const fairc_table *t, size_t col, const fairc_train_options *o,
                      const char *name, double *y, fairc_status *st)
{
    const fairc_table_col *c = &t->cols[col];
    size_t L = c->levels.n;
    double *value = malloc((L ? L : 1) * sizeof *value);
    if (!value) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int rc = FAIRC_OK;
    if (o->task == FAIRC_TASK_REGRESSION) {
        for (size_t l = 0; l < L && rc == FAIRC_OK; l++)
            if (fairc_parse_double(c->levels.keys[l], c->levels.key_len[l], &value[l]) != 0)
                rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: label '%.40s' is not a finite number (--task regression)",
                                name, c->levels.keys[l]);
    } else if (o->n_pos_labels) {
        size_t matched = 0;
        for (size_t l = 0; l < L; l++) {
            value[l] = 0;
            for (size_t k = 0; k < o->n_pos_labels; k++)
                if (strcmp(c->levels.keys[l], o->pos_labels[k]) == 0) value[l] = 1;
            matched += value[l] == 1;
        }
        if (!matched) {
            fairc_buf seen = {0};
            for (size_t l = 0; l < L && l < 5; l++) fairc_buf_printf(&seen, "%s'%s'", l ? ", " : "", c->levels.keys[l]);
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no label equals the positive label%s given (values seen: %.200s)",
                            name, o->n_pos_labels > 1 ? "s" : "", seen.p ? seen.p : "");
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
                rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: label '%.40s' is not 0/1, -1/1 or false/true: name the positive value with --pos-label",
                                name, s);
            }
        }
        if (rc == FAIRC_OK && ((numeric && boolean) || (zero && minus)))
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: the label mixes vocabularies: name the positive value with --pos-label", name);
    }
    for (size_t i = 0; rc == FAIRC_OK && i < t->N; i++) y[i] = value[c->id[i]];
    free(value);
    return rc;
}

static size_t node_alloc_hidden(fairc_node *n, const fairc_train_options *o)
{
    n->n_hidden = o->learner == FAIRC_LEARNER_MLP ? o->n_hidden : 0;
    n->hidden = calloc(n->n_hidden ? n->n_hidden : 1, sizeof *n->hidden);
    if (!n->hidden) return 0;
    for (size_t k = 0; k < n->n_hidden; k++) n->hidden[k] = o->hidden[k];
    return 1;
}

/* Weighted mean loss and accuracy of the fitted model on the training rows. */
static void training_fit_quality(const fairc_xy *d, const double *pred, int task,
                                 fairc_train_info *info)
{
    fairc_ksum loss = {0, 0}, correct = {0, 0}, W = {0, 0};
    for (size_t i = 0; i < d->N; i++) {
        double w = d->w ? d->w[i] : 1, p = pred[i];
        fairc_ksum_add(&W, w);
        if (task == FAIRC_TASK_REGRESSION) {
            fairc_ksum_add(&loss, w * (p - d->y[i]) * (p - d->y[i]));
        } else {
            double pc = fmin(fmax(p, 1e-300), 1 - 1e-16);
            fairc_ksum_add(&loss, -w * (d->y[i] ? log(pc) : log1p(-pc)));
            fairc_ksum_add(&correct, w * ((p > 0.5) == (d->y[i] == 1)));
        }
    }
    double Wv = fairc_ksum_value(&W);
    info->train_loss = Wv > 0 ? fairc_ksum_value(&loss) / Wv : NAN;
    info->train_accuracy = task == FAIRC_TASK_REGRESSION || !(Wv > 0) ? NAN : fairc_ksum_value(&correct) / Wv;
}

/* Fairness-aware training of the model m (an MLP, or logistic regression as an MLP without
 * hidden layers) on d, whose rows the groupings describe; p->params gets the parameters kept and
 * p->fair the record. */
static int train_fair(fairc_predictor *p, const fairc_mlp *m, const fairc_xy *d,
                      const fairc_grouping_rows *gr, size_t n_gr, const fairc_train_options *o,
                      fairc_train_info *info, fairc_status *st)
{
    if (!gr || n_gr == 0)
        return fairc_fail(st, FAIRC_EINVAL, "--mitigate %s needs groups: name the sensitive "
                          "columns (--sensitive)",
                          o->mitigate == FAIRC_MITIGATE_PENALTY ? "penalty" : "constrained");
    double r = o->ratio_bound > 0 ? o->ratio_bound : 1;
    /* the bound gamma_k <= eps; a penalty's is its tolerance, so that V measures what it costs */
    double eps = o->mitigate == FAIRC_MITIGATE_PENALTY ? o->tol
                 : o->ratio_bound > 0 ? o->ratio_slack : isnan(o->eps) ? 0.01 : o->eps;
    fairc_moment *mom = NULL;
    fairc_mlp_state s;
    memset(&s, 0, sizeof s);
    fairc_fair_record *rec = calloc(1, sizeof *rec);
    int rc = rec ? FAIRC_OK : fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK) rc = fairc_moment_new(o->constraint, d->N, d->y, d->w, gr, n_gr, eps, r, &mom, st);
    if (rc == FAIRC_OK) rc = fairc_mlp_state_new(&s, m, st);
    fairc_fair_fit_info fi;
    memset(&fi, 0, sizeof fi);
    if (rc == FAIRC_OK) {
        fairc_mlp_train_params tp;
        fairc_mlp_train_params_init(&tp);
        tp.epochs = o->epochs;
        tp.batch_size = o->batch;
        tp.adam.lr = o->lr;
        tp.adam.beta1 = o->beta1;
        tp.adam.beta2 = o->beta2;
        tp.adam.eps = o->adam_eps;
        tp.adam.weight_decay = o->weight_decay;
        tp.loss = FAIRC_LOSS_BCE;
        tp.seed = o->seed;
        tp.progress = o->progress;
        tp.progress_user = o->progress_user;
        if (o->mitigate == FAIRC_MITIGATE_PENALTY) {
            fairc_penalty_params pp = {o->fair_alpha, o->p_norm, o->tol, o->momentum};
            rc = fairc_penalty_fit(m, &s, d, mom, &pp, &tp, o->threads, rec, &fi, st);
        } else {
            fairc_constrained_params cp;
            fairc_constrained_params_init(&cp);
            cp.eta = o->dual_lr;
            cp.lambda_max = o->lambda_max;
            cp.dual_signal = o->dual_signal;
            cp.select = o->select;
            cp.momentum = o->momentum;
            rc = fairc_constrained_fit(m, &s, d, mom, &cp, &tp, o->threads, rec, &fi, st);
        }
    }
    if (rc == FAIRC_OK) {
        memcpy(p->params, s.params, m->count * sizeof *p->params);
        rec->groups = o->groups;
        info->iterations = (int)fi.train.epochs;
        info->converged = 1;
        info->n_constraints = mom->K;
        info->violation = rec->violation;
        info->violation_soft = rec->violation_soft;
        info->disparity = rec->disparity;
        info->penalty = o->mitigate == FAIRC_MITIGATE_PENALTY ? fi.penalty : NAN;
        info->selected_epoch = (size_t)rec->selected_epoch;
        info->nonfinite_batches = fi.nonfinite_batches;
        p->fair = rec;
        rec = NULL;
    }
    fairc_fair_record_free(&rec);
    fairc_mlp_state_free(&s);
    fairc_moment_free(&mom);
    return rc;
}

/* Fits o's learner on data into p (encoder already set): one MODEL node over one parameter
 * buffer, plus the training-set quality in info. gr: the rows' groupings, for fairness-aware
 * training (may be NULL otherwise). */
static int train_core(fairc_predictor *p, const fairc_xy *d, const fairc_grouping_rows *gr,
                      size_t n_gr, const fairc_train_options *o_, fairc_train_info *info_,
                      const fairc_reduction_options *red, fairc_reduction_info *rinfo,
                      fairc_status *st)
{
    const fairc_train_options o = *o_;
    fairc_train_info info = *info_;
    fairc_xy data = *d;
    size_t N = d->N, D = d->D;
    const float *X = d->X;
    const char *bad;
    int rc = FAIRC_OK;
    if (o.mitigate == FAIRC_MITIGATE_EXPGRAD || o.mitigate == FAIRC_MITIGATE_GRIDSEARCH) {
        /* the reductions build their own tree (reduction.c) */
        rc = fairc_reduction_train(p, d, gr, n_gr, &o, red, &info, rinfo, st);
        goto out;
    }
    p->nodes = calloc(1, sizeof *p->nodes);
    if (!p->nodes || !node_alloc_hidden(p->nodes, &o)) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    p->n_nodes = 1;
    fairc_node *node = &p->nodes[0];
    node->type = FAIRC_NODE_MODEL;
    node->model_kind = o.learner == FAIRC_LEARNER_LOGISTIC ? FAIRC_MODEL_LOGISTIC
                       : o.learner == FAIRC_LEARNER_LINEAR ? FAIRC_MODEL_LINEAR : FAIRC_MODEL_MLP;
    fairc_mlp m;
    bad = fairc_mlp_layout(&m, D, node->hidden, node->n_hidden);
    if (bad) {
        rc = fairc_fail(st, FAIRC_EINVAL, "%s", bad);
        goto out;
    }
    node->param_offset = 0;
    node->param_count = m.count;
    p->n_params = m.count;
    if (!(p->params = calloc(m.count, sizeof *p->params))) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    if (o.mitigate != FAIRC_MITIGATE_NONE) {
        rc = train_fair(p, &m, &data, gr, n_gr, &o, &info, st);
    } else if (o.learner == FAIRC_LEARNER_LOGISTIC) {
        fairc_logistic_params lp;
        fairc_logistic_params_init(&lp);
        lp.C = o.C;
        lp.fit_intercept = o.fit_intercept;
        lp.threads = o.threads;
        lp.progress = o.progress;
        lp.progress_user = o.progress_user;
        fairc_fit_info fi;
        rc = fairc_logistic_fit(&data, &lp, p->params, &fi, st);
        info.iterations = fi.iterations;
        info.converged = fi.converged;
        info.objective = fi.objective;
    } else if (o.learner == FAIRC_LEARNER_LINEAR) {
        fairc_linreg_params lp;
        fairc_linreg_params_init(&lp);
        lp.alpha = o.alpha;
        lp.fit_intercept = o.fit_intercept;
        lp.threads = o.threads;
        rc = fairc_linreg_fit(&data, &lp, p->params, st);
        info.converged = 1;
    } else {
        fairc_mlp_state s;
        rc = fairc_mlp_state_new(&s, &m, st);
        if (rc == FAIRC_OK) {
            fairc_mlp_train_params tp;
            fairc_mlp_train_params_init(&tp);
            tp.epochs = o.epochs;
            tp.batch_size = o.batch;
            tp.adam.lr = o.lr;
            tp.adam.beta1 = o.beta1;
            tp.adam.beta2 = o.beta2;
            tp.adam.eps = o.adam_eps;
            tp.adam.weight_decay = o.weight_decay;
            tp.loss = o.task == FAIRC_TASK_REGRESSION ? FAIRC_LOSS_SQUARED : FAIRC_LOSS_BCE;
            tp.seed = o.seed;
            tp.progress = o.progress;
            tp.progress_user = o.progress_user;
            fairc_mlp_train_info ti;
            rc = fairc_mlp_train(&m, &s, &data, &tp, &ti, st);
            memcpy(p->params, s.params, m.count * sizeof *p->params);
            info.iterations = (int)ti.epochs;
            info.converged = 1;
            fairc_mlp_state_free(&s);
        }
    }
    if (rc != FAIRC_OK) goto out;
    double *pred = malloc(N * sizeof *pred);
    if (!pred) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    rc = fairc_predictor_predict(p, X, N, pred, st);
    if (rc == FAIRC_OK) training_fit_quality(&data, pred, o.task, &info);
    free(pred);
    if (rc != FAIRC_OK) goto out;
out:
    *info_ = info;
    return rc;
}

static void info_init(fairc_train_info *info)
{
    memset(info, 0, sizeof *info);
    info->objective = NAN;
    info->violation = info->violation_soft = info->disparity = info->penalty = NAN;
}

/* The encoder of in-memory data: D numeric columns x0..x{D-1} used as they are (mean 0, sd 1). */
static int identity_encoder(fairc_encoder *e, size_t D, int task, fairc_status *st)
{
    memset(e, 0, sizeof *e);
    e->task = task;
    e->label = strdup("y");
    e->pos_labels = calloc(1, sizeof *e->pos_labels);
    e->sensitive = calloc(1, sizeof *e->sensitive);
    e->features = calloc(D ? D : 1, sizeof *e->features);
    if (!e->label || !e->pos_labels || !e->sensitive || !e->features)
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t j = 0; j < D; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        fairc_feature *f = &e->features[e->n_features++];
        if (!(f->column = strdup(name))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        f->kind = FAIRC_FEAT_NUMERIC;
        f->mean = 0;
        f->sd = 1;
        f->offset = j;
    }
    e->D = D;
    return FAIRC_OK;
}

static int train_arrays(const float *X, size_t N, size_t D, const double *y, const double *w,
                        const fairc_train_options *o_in, const fairc_reduction_options *red,
                        fairc_predictor **out, fairc_train_info *info_out,
                        fairc_reduction_info *rinfo, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_train_options_check(o_in);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (!X || !y || N == 0 || D == 0) return fairc_fail(st, FAIRC_EINVAL, "X (N x D, N, D >= 1) and y are required");
    fairc_train_options o = *o_in;
    if (o.learner == 0) o.learner = o.task == FAIRC_TASK_REGRESSION ? FAIRC_LEARNER_LINEAR : FAIRC_LEARNER_LOGISTIC;
    if (o.learner == FAIRC_LEARNER_MLP && o.n_hidden == 0) return fairc_fail(st, FAIRC_EINVAL, "an MLP needs hidden layer sizes");
    fairc_train_info info;
    info_init(&info);
    info.rows = N;
    info.features = D;
    fairc_predictor *p = calloc(1, sizeof *p);
    if (!p) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    fairc_xy data = {N, D, X, y, w};
    int rc = identity_encoder(&p->enc, D, o.task, st);
    if (rc == FAIRC_OK)
        rc = fairc_xy_validate(&data, o.task == FAIRC_TASK_REGRESSION ? FAIRC_TASK_REGRESS : FAIRC_TASK_CLASSIFY, st);
    fairc_grouping_rows gr = {o.group_ids, o.n_group_ids, o.group_names};
    if (rc == FAIRC_OK && o.mitigate != FAIRC_MITIGATE_NONE && o.groups != FAIRC_GROUPS_INTERSECTION)
        rc = fairc_fail(st, FAIRC_EINVAL, "in-memory training takes one grouping (group_ids): "
                        "groups must be the intersection");
    if (rc == FAIRC_OK)
        rc = train_core(p, &data, o.group_ids ? &gr : NULL, o.group_ids ? 1 : 0, &o, &info, red,
                        rinfo, st);
    if (rc == FAIRC_OK) {
        p->meta.version = strdup(FAIRC_VERSION);
        p->meta.command = strdup(o.command ? o.command : "");
        p->meta.train_file = strdup("(arrays)");
        p->meta.train_rows = N;
        if (!p->meta.version || !p->meta.command || !p->meta.train_file)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc != FAIRC_OK) {
        fairc_predictor_free(&p);
        return rc;
    }
    if (info_out) *info_out = info;
    *out = p;
    return FAIRC_OK;
}

FAIRC_API int fairc_train_arrays(const float *X, size_t N, size_t D, const double *y,
                                 const double *w, const fairc_train_options *o_in,
                                 fairc_predictor **out, fairc_train_info *info_out,
                                 fairc_status *st)
{
    return train_arrays(X, N, D, y, w, o_in, NULL, out, info_out, NULL, st);
}

FAIRC_API int fairc_train_reduction_arrays(const float *X, size_t N, size_t D, const double *y,
                                           const double *w, const fairc_train_options *o,
                                           const fairc_reduction_options *r,
                                           fairc_predictor **out, fairc_train_info *info,
                                           fairc_reduction_info *rinfo, fairc_status *st)
{
    *out = NULL;
    if (o->mitigate != FAIRC_MITIGATE_EXPGRAD && o->mitigate != FAIRC_MITIGATE_GRIDSEARCH)
        return fairc_fail(st, FAIRC_EINVAL, "mitigate must be FAIRC_MITIGATE_EXPGRAD or _GRIDSEARCH");
    return train_arrays(X, N, D, y, w, o, r, out, info, rinfo, st);
}

static int train_file(const char *path, const fairc_read_options *ropt,
                      const fairc_train_options *o_in, const fairc_reduction_options *red,
                      fairc_predictor **out, fairc_train_info *info_out,
                      fairc_reduction_info *rinfo, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_train_options_check(o_in);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    fairc_train_options o = *o_in;
    if (o.learner == 0) o.learner = o.task == FAIRC_TASK_REGRESSION ? FAIRC_LEARNER_LINEAR : FAIRC_LEARNER_LOGISTIC;
    if (o.learner == FAIRC_LEARNER_MLP && o.n_hidden == 0) return fairc_fail(st, FAIRC_EINVAL, "an MLP needs hidden layer sizes (mlp:64 or mlp:64,32)");
    fairc_train_info info;
    info_init(&info);
    fairc_reader *r = NULL;
    fairc_table *t = NULL;
    fairc_predictor *p = NULL;
    float *X = NULL;
    double *y = NULL, *w = NULL;
    int32_t *group = NULL;
    /* --groups marginal|both: one grouping per sensitive column, besides the intersection */
    int32_t **marg = NULL;
    char ***marg_names = NULL;
    size_t *marg_G = NULL, n_marg = 0, n_gr = 0;
    fairc_grouping_rows *gr = NULL;
    if (o.mitigate != FAIRC_MITIGATE_NONE && o.n_sensitive == 0)
        return fairc_fail(st, FAIRC_EINVAL, "--mitigate %s needs groups: name the sensitive "
                          "columns (--sensitive)",
                          o.mitigate == FAIRC_MITIGATE_PENALTY ? "penalty"
                          : o.mitigate == FAIRC_MITIGATE_EXPGRAD ? "expgrad"
                          : o.mitigate == FAIRC_MITIGATE_GRIDSEARCH ? "gridsearch" : "constrained");
    int rc = fairc_reader_open(path, ropt, &r, st);
    if (rc != FAIRC_OK) return rc;
    long label_col = fairc_reader_find(r, o.label);
    long weight_col = o.weight ? fairc_reader_find(r, o.weight) : -1;
    if (label_col < 0) {
        rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no label column named '%.100s'", path, o.label);
        goto done;
    }
    if (o.weight && weight_col < 0) {
        rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no weight column named '%.100s'", path, o.weight);
        goto done;
    }
    fairc_table_checks chk = {label_col, weight_col, o.drop_missing_label};
    rc = fairc_table_read(r, &chk, &t, st);
    if (rc != FAIRC_OK) goto done;
    if (t->N == 0) {
        rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no rows to train on", path);
        goto done;
    }
    p = calloc(1, sizeof *p);
    y = malloc(t->N * sizeof *y);
    if (!p || !y) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto done;
    }
    rc = map_labels(t, (size_t)label_col, &o, path, y, st);
    if (rc != FAIRC_OK) goto done;
    if (o.weight) {
        if (!(w = malloc(t->N * sizeof *w))) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < t->N; i++) w[i] = t->cols[weight_col].num[i];
    }
    fairc_encoder_spec spec = {o.task, o.label, o.pos_labels, o.n_pos_labels, o.weight, o.drop,
                               o.n_drop, o.sensitive, o.n_sensitive,
                               ropt ? ropt->na_values : NULL, ropt ? ropt->n_na_values : 0};
    rc = fairc_encoder_fit(t, &spec, &p->enc, st);
    if (rc != FAIRC_OK) goto done;
    /* The intersection groups of the sensitive columns, recorded in the model; group ids per
     * row are what fairness-aware training uses. */
    if (!(group = malloc(t->N * sizeof *group))) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto done;
    }
    rc = fairc_groups_fit(t, &p->enc, group, st);
    if (rc != FAIRC_OK) goto done;
    if (o.mitigate != FAIRC_MITIGATE_NONE) {
        int inter = o.groups != FAIRC_GROUPS_MARGINAL || p->enc.n_sensitive == 1;
        size_t want = o.groups == FAIRC_GROUPS_INTERSECTION || p->enc.n_sensitive == 1 ? 0 : p->enc.n_sensitive;
        marg = calloc(want ? want : 1, sizeof *marg);
        marg_names = calloc(want ? want : 1, sizeof *marg_names);
        marg_G = calloc(want ? want : 1, sizeof *marg_G);
        gr = calloc(want + 1, sizeof *gr);
        if (!marg || !marg_names || !marg_G || !gr) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            goto done;
        }
        if (inter) gr[n_gr++] = (fairc_grouping_rows){group, p->enc.n_groups, (const char *const *)p->enc.group_names};
        for (size_t c = 0; c < want; c++) {
            /* the groups of one column, found (and ordered) as the intersection's are */
            fairc_encoder one;
            memset(&one, 0, sizeof one);
            one.sensitive = &p->enc.sensitive[c];
            one.n_sensitive = 1;
            if (!(marg[c] = malloc(t->N * sizeof **marg))) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                goto done;
            }
            n_marg = c + 1;
            rc = fairc_groups_fit(t, &one, marg[c], st);
            marg_names[c] = one.group_names;
            marg_G[c] = one.n_groups;
            if (rc != FAIRC_OK) goto done;
            gr[n_gr++] = (fairc_grouping_rows){marg[c], marg_G[c], (const char *const *)marg_names[c]};
        }
    }
    size_t N = t->N, D = p->enc.D;
    if (N > SIZE_MAX / sizeof(float) / D) {
        rc = fairc_fail(st, FAIRC_ELIMIT, "%zu rows x %zu features do not fit in memory", N, D);
        goto done;
    }
    X = malloc(N * D * sizeof *X);
    if (!X) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for %zu x %zu features", N, D);
        goto done;
    }
    rc = fairc_encoder_table(&p->enc, t, X, st);
    if (rc != FAIRC_OK) goto done;
    info.rows = N;
    info.dropped = t->dropped;
    info.features = D;
    fairc_table_free(&t);
    fairc_xy data = {N, D, X, y, w};
    rc = fairc_xy_validate(&data, o.task == FAIRC_TASK_REGRESSION ? FAIRC_TASK_REGRESS : FAIRC_TASK_CLASSIFY, st);
    if (rc != FAIRC_OK) goto done;
    rc = train_core(p, &data, gr, n_gr, &o, &info, red, rinfo, st);
    if (rc != FAIRC_OK) goto done;
    /* META: what made this model; equal runs give equal files (no timestamps). */
    p->meta.version = strdup(FAIRC_VERSION);
    p->meta.command = strdup(o.command ? o.command : "");
    p->meta.train_file = strdup(path);
    p->meta.train_rows = N;
    if (!p->meta.version || !p->meta.command || !p->meta.train_file)
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    else
        rc = fairc_sha256_file(path, p->meta.train_sha256, st);
done:
    fairc_reader_free(&r);
    fairc_table_free(&t);
    free(X);
    free(y);
    free(w);
    free(group);
    for (size_t c = 0; c < n_marg; c++) {
        free(marg[c]);
        for (size_t g = 0; marg_names[c] && g < marg_G[c]; g++) free(marg_names[c][g]);
        free(marg_names[c]);
    }
    free(marg);
    free(marg_names);
    free(marg_G);
    free(gr);
    if (rc != FAIRC_OK) {
        fairc_predictor_free(&p);
        return rc;
    }
    if (info_out) *info_out = info;
    *out = p;
    return FAIRC_OK;
}

FAIRC_API int fairc_train_file(const char *path, const fairc_read_options *ropt,
                               const fairc_train_options *o_in, fairc_predictor **out,
                               fairc_train_info *info_out, fairc_status *st)
{
    return train_file(path, ropt, o_in, NULL, out, info_out, NULL, st);
}

FAIRC_API int fairc_train_reduction_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o,
                                         const fairc_reduction_options *r, fairc_predictor **out,
                                         fairc_train_info *info, fairc_reduction_info *rinfo,
                                         fairc_status *st)
{
    *out = NULL;
    if (o->mitigate != FAIRC_MITIGATE_EXPGRAD && o->mitigate != FAIRC_MITIGATE_GRIDSEARCH)
        return fairc_fail(st, FAIRC_EINVAL, "mitigate must be FAIRC_MITIGATE_EXPGRAD or _GRIDSEARCH");
    return train_file(path, ropt, o, r, out, info, rinfo, st);
}
