/* train.c: `fairc train`, fits a model on a CSV/ARFF file and saves it (with its encoder), with
 * or without a fairness penalty or constraint (--mitigate penalty|constrained), and prints a
 * summary: the fit, and for fairness-aware training the train violation, the disparity and each
 * constraint's value and multiplier. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc train DATA --label COL [--pos-label V] [--model logistic|mlp:64[,32]|linear]\n"
            "                   [options] -o MODEL\n"
            "\n"
            "Fits a model on DATA (CSV, or ARFF for *.arff) and writes it, with the encoder that\n"
            "turns raw rows into features, to MODEL (atomically). Every column but the label, the\n"
            "weight and the dropped ones is a feature: numbers standardised, categories one-hot.\n"
            "  --label COL            the label; --pos-label V names the positive value(s)\n"
            "  --task T               classification (default) or regression\n"
            "  --sensitive A,B        sensitive columns, recorded in the model (still features)\n"
            "  --drop COL[,COL]       columns that are not features (repeatable)\n"
            "  --weight COL           sample weights (not a feature)\n"
            "  --drop-missing-label   drop rows without a label (default: an error)\n"
            "  --model M              logistic (default; trust-region Newton, exact optimum),\n"
            "                         mlp:H1[,H2...] (ReLU layers, Adam), linear (regression)\n"
            "  --C C                  logistic: inverse L2 strength, intercept not penalised (1)\n"
            "  --no-intercept         logistic, linear: no intercept (plain or reductions)\n"
            "  --alpha A              linear: ridge strength (0); with --mitigate penalty, the\n"
            "                         penalty weight (1)\n"
            "  --epochs N --batch B   MLP: epochs (20) and mini-batch size (256)\n"
            "  --lr LR --beta1 B1 --beta2 B2 --adam-eps E --weight-decay WD   Adam (1e-3, 0.9,\n"
            "                         0.999, 1e-8, 0)\n"
            "  --seed S               random seed (0): the same seed gives the same file\n"
            "  --threads N            threads (default: all)\n"
            "  --sep C --na-values L --format F   as for fairc audit\n"
            "  -o MODEL               output model file (required)\n"
            "  --quiet                no progress bar and no summary (errors still print)\n"
            "A progress bar with ETA shows on a terminal; a summary line goes to stderr.\n"
            "\n"
            "Fairness-aware training (needs --sensitive; trains by mini-batch Adam, logistic\n"
            "regression as a model without hidden layers):\n"
            "  --mitigate threshold   the model, then group-wise thresholds on its probabilities\n"
            "                         (SPEC §9; options as fairc postprocess: --constraint\n"
            "                         dp|tpr|fpr|tnr|fnr|eo, --objective, --tol, --grid-size,\n"
            "                         --flip, --unseen-group)\n"
            "  --mitigate reweigh     the model trained with Reweighing's weights (SPEC §10.1)\n"
            "                         over the sensitive groups; --write-weights FILE saves them\n"
            "  --mitigate M           none (default); penalty: loss + alpha * sum_k\n"
            "                         relu(gamma_k - tol)^p on each batch (FairTorch's loss,\n"
            "                         corrected); constrained: every gamma_k <= eps, enforced by\n"
            "                         Lagrange multipliers\n"
            "  --constraint C         dp (default), eo, tpr, fpr, error_rate: each group's rate\n"
            "                         against the overall rate (selection rate; TPR and FPR; TPR;\n"
            "                         FPR; error rate)\n"
            "  --groups G             intersection (default) of the sensitive columns, marginal\n"
            "                         (one grouping per column) or both\n"
            "  --eps E                constrained: |rate_g - rate| <= E for every group (0.01)\n"
            "  --ratio-bound R        instead of --eps: rate_g / rate and rate / rate_g >= R,\n"
            "                         R in (0, 1]; --ratio-slack S loosens it by S (0)\n"
            "  --p-norm P             penalty exponent, a number >= 1 or inf for the max (2)\n"
            "  --tol C                penalty tolerance: gaps up to C cost nothing (0)\n"
            "  --momentum B           running group statistics across batches, B in [0, 1)\n"
            "                         (0: each batch alone): the penalty's (its gradient is\n"
            "                         then 1 - B times as large: raise alpha), or the\n"
            "                         constrained multipliers' signal (less batch noise)\n"
            "  --dual-lr L            constrained: multiplier step size (0.05)\n"
            "  --lambda-max M         constrained: multiplier cap (100)\n"
            "  --dual-signal S        constrained: the multipliers follow hard decisions (hard,\n"
            "                         default: the bound is on the real metric) or soft ones\n"
            "  --select S             constrained: keep the best epoch (best, default: the\n"
            "                         lowest training error among epochs meeting the bound, else\n"
            "                         the smallest violation) or the last one\n"
            "The summary gives the training-set violation V = max_k (gamma_k - eps), the matching\n"
            "disparity and each constraint's value and multiplier; they are saved in the model, and\n"
            "fairc audit --model shows the bound next to the value on the data audited.\n");
}

static int parse_model(const char *v, fairc_train_options *o)
{
    if (strcmp(v, "logistic") == 0) {
        o->learner = FAIRC_LEARNER_LOGISTIC;
        return 0;
    }
    if (strcmp(v, "linear") == 0) {
        o->learner = FAIRC_LEARNER_LINEAR;
        return 0;
    }
    if (strncmp(v, "mlp:", 4) == 0) {
        o->learner = FAIRC_LEARNER_MLP;
        o->n_hidden = 0;
        const char *p = v + 4;
        while (*p) {
            char *end;
            unsigned long h = strtoul(p, &end, 10);
            if (end == p || h < 1 || h > 100000 || o->n_hidden == 16 || (*end && *end != ',')) break;
            o->hidden[o->n_hidden++] = h;
            p = *end ? end + 1 : end;
            if (!*end) return 0;
        }
    }
    fprintf(stderr, "fairc train: --model: '%s' is not logistic, linear or mlp:H1[,H2...] (sizes 1..100000)\n", v);
    return -1;
}

/* Flags of fairness-aware training, to tell which were given. */
enum { F_CONSTRAINT = 1, F_GROUPS = 2, F_EPS = 4, F_RATIO = 8, F_SLACK = 16, F_P = 32, F_TOL = 64,
       F_MOMENTUM = 128, F_DUAL_LR = 256, F_LAMBDA_MAX = 512, F_SELECT = 1024,
       F_DUAL_SIGNAL = 2048 };

/* A flag's value must satisfy ok, else a one-line error naming the value: 0 or -1. */
static int fair_check(const char *name, const char *v, int ok, const char *need)
{
    if (ok) return 0;
    fprintf(stderr, "fairc: %s %s: %s\n", name, v, need);
    return -1;
}

static int parse_choice(const char *name, const char *v, const char *const *names, int n,
                        const int *values, int *out)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v, names[k]) == 0) {
            *out = values[k];
            return 0;
        }
    fprintf(stderr, "fairc: %s: '%s' is not one of", name, v);
    for (int k = 0; k < n; k++) fprintf(stderr, "%s %s", k ? (k + 1 == n ? " or" : ",") : "", names[k]);
    fprintf(stderr, "\n");
    return -1;
}

/* The disparity a constraint controls, as `fairc audit` names it (SPEC §2.5). */
static const char *disparity_title(int constraint, int ratio)
{
    switch (constraint) {
    case FAIRC_CONSTRAINT_DP: return ratio ? "demographic parity ratio to overall" : "demographic parity difference to overall";
    case FAIRC_CONSTRAINT_EO: return ratio ? "equalized odds ratio to overall (worst case)" : "equalized odds difference to overall (worst case)";
    case FAIRC_CONSTRAINT_TPR: return ratio ? "equal opportunity ratio to overall" : "equal opportunity difference to overall";
    case FAIRC_CONSTRAINT_FPR: return ratio ? "fpr ratio to overall" : "fpr difference to overall";
    default: return ratio ? "error_rate ratio to overall" : "error_rate difference to overall";
    }
}

/* ---- --mitigate expgrad|gridsearch (SPEC §7-§8; the library's reduction.c) ----------------- */

enum { R_EG = 1, R_GS = 2, R_BGL = 4 }; /* which modes a reduction flag belongs to */
typedef struct red_flag {
    const char *name;
    int modes;
} red_flag;
static const red_flag red_flags[] = {
    {"--eg-eps", R_EG}, {"--max-iter", R_EG}, {"--eta0", R_EG}, {"--nu", R_EG}, {"--no-lp", R_EG},
    {"--deterministic", R_EG}, {"--keep-all", R_EG}, {"--warm-epochs", R_EG | R_GS},
    {"--no-warm-start", R_EG | R_GS}, {"--no-cache", R_EG}, {"--cost-fp", R_EG | R_GS},
    {"--cost-fn", R_EG | R_GS}, {"--grid-size", R_GS}, {"--grid-limit", R_GS}, {"--grid-order", R_GS},
    {"--grid-offset", R_GS}, {"--constraint-weight", R_GS}, {"--group-order", R_GS},
    {"--loss", R_BGL}, {"--upper-bound", R_BGL}, {"--loss-range", R_BGL}};
#define N_RED_FLAGS (sizeof red_flags / sizeof red_flags[0])

/* The --mitigate value on the command line (NULL: none), known before the other flags are
 * parsed so that --grid-size is left to the thresholds' parser with --mitigate threshold
 * (ThresholdOptimizer has a --grid-size too). */
static const char *prescan_mitigate(int argc, char **argv)
{
    const char *m = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mitigate") == 0 && i + 1 < argc) m = argv[++i];
        else if (strncmp(argv[i], "--mitigate=", 11) == 0) m = argv[i] + 11;
    }
    return m;
}

/* Parses one reduction flag at argv[*i] into r; returns 0 if argv[*i] is none of them. *given
 * gets bit k for red_flags[k]; offsets (owned) collects --grid-offset values. */
static int reduction_option(int argc, char **argv, int *i, int *bad, const char *mode,
                            fairc_reduction_options *r, unsigned long *given, double **offsets,
                            size_t *n_offsets)
{
    const char *a = argv[*i];
    size_t k = 0;
    for (; k < N_RED_FLAGS; k++) {
        size_t n = strlen(red_flags[k].name);
        if (strncmp(a, red_flags[k].name, n) == 0 && (a[n] == 0 || a[n] == '=')) break;
    }
    if (k == N_RED_FLAGS) return 0;
    const char *name = red_flags[k].name;
    if (strcmp(name, "--grid-size") == 0 && mode && strcmp(mode, "threshold") == 0) return 0;
    *given |= 1ul << k;
    /* flags without a value */
    if (strcmp(name, "--no-lp") == 0) return r->run_lp = 0, 1;
    if (strcmp(name, "--deterministic") == 0) return r->deterministic = 1, 1;
    if (strcmp(name, "--keep-all") == 0) return r->keep_all = 1, 1;
    if (strcmp(name, "--no-warm-start") == 0) return r->warm_start = 0, 1;
    if (strcmp(name, "--no-cache") == 0) return r->cache = 0, 1;
    const char *v = cli_opt(argc, argv, i, name, bad);
    if (!v) return 1;
    uint64_t u = 0;
    double x = 0;
    int ok = 1;
    if (strcmp(name, "--max-iter") == 0 || strcmp(name, "--grid-size") == 0 ||
        strcmp(name, "--warm-epochs") == 0) {
        ok = cli_u64(name, v, &u) == 0;
        if (ok && (u < 1 || u > 1000000)) {
            fprintf(stderr, "fairc: %s %s: must be an integer in 1..1000000\n", name, v);
            ok = 0;
        }
        if (ok && name[2] == 'm') r->max_iter = (size_t)u;
        else if (ok && name[2] == 'g') r->grid_size = (size_t)u;
        else if (ok) r->warm_epochs = (size_t)u;
    } else if (strcmp(name, "--grid-order") == 0) {
        if (strcmp(v, "lattice") == 0) r->grid_order = FAIRC_GRID_ORDER_LATTICE;
        else if (strcmp(v, "norm") == 0) r->grid_order = FAIRC_GRID_ORDER_NORM;
        else fprintf(stderr, "fairc: --grid-order: '%s' is not lattice or norm\n", v), ok = 0;
    } else if (strcmp(name, "--group-order") == 0) {
        if (strcmp(v, "size") == 0) r->group_order = FAIRC_ORDER_SIZE;
        else if (strcmp(v, "sorted") == 0) r->group_order = FAIRC_ORDER_SORTED;
        else if (strcmp(v, "appearance") == 0) r->group_order = FAIRC_ORDER_APPEARANCE;
        else fprintf(stderr, "fairc: --group-order: '%s' is not size, sorted or appearance\n", v), ok = 0;
    } else if (strcmp(name, "--loss") == 0) {
        if (strcmp(v, "square") == 0) r->loss = FAIRC_BGL_LOSS_SQUARE;
        else if (strcmp(v, "absolute") == 0) r->loss = FAIRC_BGL_LOSS_ABSOLUTE;
        else if (strcmp(v, "zero_one") == 0 || strcmp(v, "zero-one") == 0) r->loss = FAIRC_BGL_LOSS_ZERO_ONE;
        else fprintf(stderr, "fairc: --loss: '%s' is not square, absolute or zero_one\n", v), ok = 0;
    } else if (strcmp(name, "--grid-offset") == 0 || strcmp(name, "--loss-range") == 0) {
        char **items = NULL;
        size_t n = 0;
        ok = cli_split(v, &items, &n) == 0 && n > 0;
        double *vals = ok ? malloc(n * sizeof *vals) : NULL;
        for (size_t q = 0; ok && q < n; q++) ok = vals && cli_double(name, items[q], &vals[q]) == 0;
        if (ok && name[2] == 'l' && !(n == 2 && vals[0] < vals[1])) {
            fprintf(stderr, "fairc: --loss-range %s: give MIN,MAX with MIN < MAX\n", v);
            ok = 0;
        }
        if (ok && name[2] == 'l') {
            r->loss_min = vals[0];
            r->loss_max = vals[1];
        } else if (ok) {
            free(*offsets);
            *offsets = vals;
            *n_offsets = n;
            vals = NULL;
        }
        free(vals);
        for (size_t q = 0; q < n; q++) free(items[q]);
        free(items);
    } else {
        ok = cli_double(name, v, &x) == 0;
        const char *need = NULL;
        if (ok && strcmp(name, "--eg-eps") == 0) {
            if (!(x > 0)) need = "must be a number > 0 (it sets B = 1/eg-eps)";
            else r->eg_eps = x;
        } else if (ok && strcmp(name, "--eta0") == 0) {
            if (!(x > 0)) need = "must be a number > 0";
            else r->eta0 = x;
        } else if (ok && strcmp(name, "--nu") == 0) {
            if (!(x >= 0)) need = "must be a number >= 0";
            else r->nu = x;
        } else if (ok && (strcmp(name, "--cost-fp") == 0 || strcmp(name, "--cost-fn") == 0)) {
            if (!(x >= 0)) need = "a cost must be a number >= 0";
            else if (name[7] == 'p') r->cost_fp = x;
            else r->cost_fn = x;
        } else if (ok && strcmp(name, "--grid-limit") == 0) {
            if (!(x > 0)) need = "must be a number > 0";
            else r->grid_limit = x;
        } else if (ok && strcmp(name, "--constraint-weight") == 0) {
            if (!(x >= 0 && x <= 1)) need = "must be a number in [0, 1]";
            else r->constraint_weight = x;
        } else if (ok && strcmp(name, "--upper-bound") == 0) {
            if (!(x >= 0)) need = "must be a number >= 0";
            else r->upper_bound = x;
        }
        if (need) {
            fprintf(stderr, "fairc: %s %s: %s\n", name, v, need);
            ok = 0;
        }
    }
    if (!ok) *bad = 2; /* 2: the message is printed, no usage hint */
    return 1;
}

/* Reduction flags that the chosen mode would ignore: an error naming the first. */
static int reduction_flags_check(int mitigate, int constraint, unsigned long given)
{
    int mode = mitigate == FAIRC_MITIGATE_EXPGRAD ? R_EG : mitigate == FAIRC_MITIGATE_GRIDSEARCH ? R_GS : 0;
    for (size_t k = 0; k < N_RED_FLAGS; k++) {
        if (!(given & (1ul << k))) continue;
        int m = red_flags[k].modes;
        if (m == R_BGL) {
            if (!mode || constraint != FAIRC_CONSTRAINT_BGL) {
                fprintf(stderr, "fairc: %s goes with --mitigate expgrad|gridsearch --constraint "
                        "bounded-group-loss\n", red_flags[k].name);
                return -1;
            }
        } else if (!(m & mode)) {
            fprintf(stderr, "fairc: %s applies to --mitigate %s only\n", red_flags[k].name,
                    m == R_EG ? "expgrad" : m == R_GS ? "gridsearch" : "expgrad or gridsearch");
            return -1;
        }
    }
    return 0;
}

/* The summary of a reduction (stderr). */
static void print_reduction_summary(const fairc_train_options *o, const fairc_reduction_options *r,
                                    const fairc_train_info *info, const fairc_reduction_info *ri,
                                    const char *out)
{
    int bgl = o->constraint == FAIRC_CONSTRAINT_BGL;
    const char *cname = bgl ? "bounded group loss" : fairc_constraint_name(o->constraint);
    char bound[96];
    if (bgl) snprintf(bound, sizeof bound, "upper bound %g", r->upper_bound);
    else if (o->ratio_bound > 0) snprintf(bound, sizeof bound, "ratio >= %g", o->ratio_bound);
    else snprintf(bound, sizeof bound, "eps %g", isnan(o->eps) ? 0.01 : o->eps);
    fprintf(stderr, "fairc: trained on %llu rows, %zu features; wrote %s\n",
            (unsigned long long)info->rows, info->features, out);
    if (ri->method == FAIRC_MITIGATE_EXPGRAD)
        fprintf(stderr, "fairc: expgrad %s (%s), %zu constraints: %zu iterations, best %zu with gap "
                "%.6g (nu %.6g)%s\n", cname, bound, info->n_constraints, ri->iterations,
                ri->best_iter, ri->best_gap, ri->nu,
                ri->best_gap < ri->nu ? "" : " (not converged: more --max-iter?)");
    else
        fprintf(stderr, "fairc: gridsearch %s (%s), %zu constraints: %zu grid points, point %zu "
                "selected\n", cname, bound, info->n_constraints, ri->candidates, ri->selected);
    fprintf(stderr, "fairc: oracle: %llu calls, %llu learner fits (%.3f s), %llu constant, %llu "
            "from the cache; %zu candidate%s, %zu saved\n",
            (unsigned long long)ri->oracle_calls, (unsigned long long)ri->learner_fits,
            ri->fit_seconds, (unsigned long long)ri->dummy_calls,
            (unsigned long long)ri->cache_hits, ri->candidates, ri->candidates == 1 ? "" : "s",
            ri->members);
    const char *what = ri->method == FAIRC_MITIGATE_EXPGRAD && !r->deterministic ? "expected " : "";
    if (bgl)
        fprintf(stderr, "fairc: train %smean loss %.6g, worst group loss - bound %+.6g\n", what,
                ri->err, ri->violation);
    else
        fprintf(stderr, "fairc: train %serror %.4f, max_k (gamma_k - eps) %+.4g, %s %.4f\n", what,
                ri->err, ri->violation, disparity_title(o->constraint, o->ratio_bound > 0),
                ri->disparity);
    if (r->deterministic)
        fprintf(stderr, "fairc: deterministic: the single model kept has train error %.4f and "
                "realised violation %+.4g%s\n", ri->det_err, ri->det_violation,
                ri->det_violation > 0 ? " (no candidate met the bound: the least violating)" : "");
    if (ri->constant)
        fprintf(stderr, "fairc: warning: every saved model is a constant: the constraint cannot be "
                "met by this learner on these data, or the bound is too tight\n");
    if (info->dropped)
        fprintf(stderr, "fairc: warning: %llu rows without a label were dropped\n",
                (unsigned long long)info->dropped);
}

static void reduction_usage(FILE *f)
{
    fprintf(f,
            "\n"
            "Reductions (SPEC §7-§8; retrain the learner on re-weighted data; need --sensitive):\n"
            "  --mitigate expgrad     ExponentiatedGradient: a randomised mixture of models whose\n"
            "                         expected constraint values meet --eps (--constraint dp, eo,\n"
            "                         tpr, fpr, error_rate); --model logistic or mlp:H\n"
            "  --mitigate gridsearch  GridSearch: the best single model over a grid of multipliers\n"
            "  --eg-eps E             expgrad: B = 1/E bounds the multipliers (0.01; not the bound)\n"
            "  --max-iter N --eta0 E --nu V --no-lp   expgrad: iterations (50), first step (2),\n"
            "                         stopping gap (automatic), no LP step\n"
            "  --deterministic        expgrad: keep the best single model meeting the bound (else\n"
            "                         the least violating) instead of the mixture\n"
            "  --keep-all             expgrad: save mixture members of weight 0 too\n"
            "  --warm-epochs N        mlp oracle: epochs of a warm-started fit (epochs/4)\n"
            "  --no-warm-start --no-cache   fit every oracle call from scratch (as Fairlearn)\n"
            "  --cost-fp C --cost-fn C      error-rate objective costs (1, 1)\n"
            "  --grid-size N --grid-limit L  gridsearch: points (10) and L1 radius (2)\n"
            "  --grid-order O         lattice (default, Fairlearn's points) or norm (by L1 norm)\n"
            "  --grid-offset V[,V..]  added to every grid multiplier (1 value or one per constraint)\n"
            "  --constraint-weight W  gridsearch selection (1-W) err + W max gamma (0.5)\n"
            "  --group-order O        GridSearch's basis leaves out the last group: size (default;\n"
            "                         by decreasing weight, so the smallest), sorted, or\n"
            "                         appearance (Fairlearn's: first appearance in the rows)\n"
            "  --task regression --constraint bounded-group-loss --model linear: each group's mean\n"
            "                         loss <= --upper-bound Z (required by expgrad); --loss square\n"
            "                         (default), absolute or zero_one; --loss-range MIN,MAX clips\n"
            "                         labels and predictions (default: the training labels' range)\n"
            "fairc predict and fairc audit --model take the result: a mixture gives each row the\n"
            "probability sum_h Q_h h(x) and a decision hashed from the row (stable per person).\n");
}

/* The summary of fairness-aware training (stderr). */
static void print_fair_summary(const fairc_train_options *o, const fairc_train_info *info,
                               const fairc_predictor *p)
{
    const char *cname = fairc_constraint_name(o->constraint);
    int ratio = o->ratio_bound > 0;
    char bound[128];
    if (ratio) snprintf(bound, sizeof bound, "ratio >= %g%s", o->ratio_bound, o->ratio_slack > 0 ? " (with slack)" : "");
    else if (o->mitigate == FAIRC_MITIGATE_CONSTRAINED) snprintf(bound, sizeof bound, "eps %g", isnan(o->eps) ? 0.01 : o->eps);
    else snprintf(bound, sizeof bound, "alpha %g, p %g, tol %g", o->fair_alpha, o->p_norm, o->tol);
    if (o->mitigate == FAIRC_MITIGATE_PENALTY) {
        fprintf(stderr, "fairc: penalty %s (%s%s), %zu constraints: last-epoch mean penalty %.6g; "
                "train %s %.4f\n", cname, bound, o->momentum > 0 ? ", momentum" : "",
                info->n_constraints, info->penalty, disparity_title(o->constraint, ratio), info->disparity);
    } else {
        fprintf(stderr, "fairc: constrained %s (%s), %zu constraints: train violation V = %.4g "
                "(hard decisions), %.4g (soft); train %s %.4f; kept epoch %zu of %d\n", cname,
                bound, info->n_constraints, info->violation, info->violation_soft,
                disparity_title(o->constraint, ratio), info->disparity, info->selected_epoch,
                info->iterations);
        size_t K = fairc_predictor_n_constraints(p), show = K < 40 ? K : 40, w = 10;
        for (size_t k = 0; k < show; k++) {
            const char *name;
            if (fairc_predictor_constraint(p, k, &name, NULL, NULL, NULL) == FAIRC_OK && strlen(name) > w)
                w = strlen(name);
        }
        fprintf(stderr, "  %-*s  %10s  %10s\n", (int)w, "constraint", "gamma", "lambda");
        for (size_t k = 0; k < show; k++) {
            const char *name;
            double lambda, gamma;
            if (fairc_predictor_constraint(p, k, &name, &lambda, &gamma, NULL) == FAIRC_OK)
                fprintf(stderr, "  %-*s  %10.4f  %10.4f\n", (int)w, name, gamma, lambda);
        }
        if (K > show) fprintf(stderr, "  ... (%zu constraints in all: fairc inspect lists them)\n", K);
        if (info->violation > 0)
            fprintf(stderr, "fairc: warning: the bound is not met on the training rows (V = %.4g > "
                    "0): more --epochs, a larger --dual-lr or --lambda-max, or a looser bound\n",
                    info->violation);
    }
    if (info->nonfinite_batches)
        fprintf(stderr, "fairc: warning: %llu batches had a score or gradient that was not finite\n",
                (unsigned long long)info->nonfinite_batches);
}

int cmd_train(int argc, char **argv)
{
    fairc_train_options o;
    fairc_train_options_init(&o);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    cli_na_list na_list = {0};
    fairc_reduction_options red;
    fairc_reduction_options_init(&red);
    unsigned long red_given = 0;
    double *red_offsets = NULL;
    size_t n_red_offsets = 0;
    const char *mode = prescan_mitigate(argc, argv);
    /* --mitigate threshold|reweigh (issue 7): a model, then thresholds on its probabilities
     * (postprocess.c), or Reweighing's weights, then the model; o.mitigate stays none */
    int post = mode && strcmp(mode, "threshold") == 0 ? 1 : mode && strcmp(mode, "reweigh") == 0 ? 2 : 0;
    fairc_threshold_options thr;
    fairc_threshold_options_init(&thr);
    const char *write_weights = NULL;
    char **pos = NULL, **sens = NULL, **drop = NULL;
    size_t n_pos = 0, n_sens = 0, n_drop = 0;
    const char *data = NULL, *out = NULL, *v;
    int bad = 0, quiet = 0, hint = 1, given = 0, alpha_given = 0;
    double alpha = 0;
    for (int i = 1; i < argc && !bad; i++) {
        uint64_t u = 0;
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            train_usage(stdout);
            reduction_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--label", &bad))) {
            o.label = v;
        } else if ((v = cli_opt(argc, argv, &i, "--pos-label", &bad))) {
            if (cli_split(v, &pos, &n_pos) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--task", &bad))) {
            if (strcmp(v, "classification") == 0) o.task = FAIRC_TASK_CLASSIFICATION;
            else if (strcmp(v, "regression") == 0) o.task = FAIRC_TASK_REGRESSION;
            else {
                fprintf(stderr, "fairc train: --task: '%s' is not classification or regression\n", v);
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive", &bad))) {
            if (cli_split(v, &sens, &n_sens) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--drop", &bad))) {
            if (cli_split(v, &drop, &n_drop) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight", &bad))) {
            o.weight = v;
        } else if (cli_flag(argv, i, "--quiet") || cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (cli_flag(argv, i, "--drop-missing-label")) {
            o.drop_missing_label = 1;
        } else if (cli_flag(argv, i, "--no-intercept")) {
            o.fit_intercept = 0;
        } else if ((v = cli_opt(argc, argv, &i, "--model", &bad))) {
            if (parse_model(v, &o) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--C", &bad))) {
            if (cli_double("--C", v, &o.C) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--alpha", &bad))) {
            if (cli_double("--alpha", v, &alpha) != 0 ||
                fair_check("--alpha", v, alpha >= 0, "alpha must be a number >= 0") != 0)
                bad = 1, hint = 0;
            alpha_given = 1;
        } else if (post == 1 && cli_threshold_option(argc, argv, &i, &thr, &bad)) {
            if (bad) hint = 0;
        } else if (post == 2 && (v = cli_opt(argc, argv, &i, "--write-weights", &bad))) {
            write_weights = v;
        } else if (post && (v = cli_opt(argc, argv, &i, "--mitigate", &bad))) {
            continue; /* threshold or reweigh, read above */
        } else if ((v = cli_opt(argc, argv, &i, "--mitigate", &bad))) {
            static const char *const names[] = {"none", "penalty", "constrained", "expgrad", "gridsearch"};
            static const int values[] = {FAIRC_MITIGATE_NONE, FAIRC_MITIGATE_PENALTY, FAIRC_MITIGATE_CONSTRAINED,
                                         FAIRC_MITIGATE_EXPGRAD, FAIRC_MITIGATE_GRIDSEARCH};
            if (parse_choice("--mitigate", v, names, 5, values, &o.mitigate) != 0) bad = 1, hint = 0;
        } else if (reduction_option(argc, argv, &i, &bad, mode, &red, &red_given, &red_offsets, &n_red_offsets)) {
            if (bad == 2) bad = 1, hint = 0;
        } else if ((v = cli_opt(argc, argv, &i, "--constraint", &bad))) {
            static const char *const names[] = {"dp", "eo", "tpr", "fpr", "error_rate", "bounded-group-loss"};
            static const int values[] = {FAIRC_CONSTRAINT_DP, FAIRC_CONSTRAINT_EO, FAIRC_CONSTRAINT_TPR,
                                         FAIRC_CONSTRAINT_FPR, FAIRC_CONSTRAINT_ERROR_RATE, FAIRC_CONSTRAINT_BGL};
            if (parse_choice("--constraint", v, names, 6, values, &o.constraint) != 0) bad = 1, hint = 0;
            given |= F_CONSTRAINT;
        } else if ((v = cli_opt(argc, argv, &i, "--groups", &bad))) {
            static const char *const names[] = {"intersection", "marginal", "both"};
            static const int values[] = {FAIRC_GROUPS_INTERSECTION, FAIRC_GROUPS_MARGINAL, FAIRC_GROUPS_BOTH};
            if (parse_choice("--groups", v, names, 3, values, &o.groups) != 0) bad = 1, hint = 0;
            given |= F_GROUPS;
        } else if ((v = cli_opt(argc, argv, &i, "--eps", &bad))) {
            if (cli_double("--eps", v, &o.eps) != 0 ||
                fair_check("--eps", v, o.eps >= 0, "a bound must be a number >= 0") != 0)
                bad = 1, hint = 0;
            given |= F_EPS;
        } else if ((v = cli_opt(argc, argv, &i, "--ratio-bound", &bad))) {
            if (cli_double("--ratio-bound", v, &o.ratio_bound) != 0 ||
                fair_check("--ratio-bound", v, o.ratio_bound > 0 && o.ratio_bound <= 1,
                            "a ratio bound must be a number in (0, 1]") != 0)
                bad = 1, hint = 0;
            given |= F_RATIO;
        } else if ((v = cli_opt(argc, argv, &i, "--ratio-slack", &bad))) {
            if (cli_double("--ratio-slack", v, &o.ratio_slack) != 0 ||
                fair_check("--ratio-slack", v, o.ratio_slack >= 0, "the slack must be a number >= 0") != 0)
                bad = 1, hint = 0;
            given |= F_SLACK;
        } else if ((v = cli_opt(argc, argv, &i, "--p-norm", &bad))) {
            if (strcmp(v, "inf") == 0 || strcmp(v, "infinity") == 0) o.p_norm = INFINITY;
            else if (cli_double("--p-norm", v, &o.p_norm) != 0 ||
                     fair_check("--p-norm", v, o.p_norm >= 1, "p must be a number >= 1 (or inf)") != 0)
                bad = 1, hint = 0;
            given |= F_P;
        } else if ((v = cli_opt(argc, argv, &i, "--tol", &bad))) {
            if (cli_double("--tol", v, &o.tol) != 0 ||
                fair_check("--tol", v, o.tol >= 0, "the tolerance must be a number >= 0") != 0)
                bad = 1, hint = 0;
            given |= F_TOL;
        } else if ((v = cli_opt(argc, argv, &i, "--momentum", &bad))) {
            if (cli_double("--momentum", v, &o.momentum) != 0 ||
                fair_check("--momentum", v, o.momentum >= 0 && o.momentum < 1,
                            "momentum must be a number in [0, 1)") != 0)
                bad = 1, hint = 0;
            given |= F_MOMENTUM;
        } else if ((v = cli_opt(argc, argv, &i, "--dual-lr", &bad))) {
            if (cli_double("--dual-lr", v, &o.dual_lr) != 0 ||
                fair_check("--dual-lr", v, o.dual_lr > 0, "the dual step size must be a number > 0") != 0)
                bad = 1, hint = 0;
            given |= F_DUAL_LR;
        } else if ((v = cli_opt(argc, argv, &i, "--lambda-max", &bad))) {
            if (cli_double("--lambda-max", v, &o.lambda_max) != 0 ||
                fair_check("--lambda-max", v, o.lambda_max > 0, "lambda_max must be a number > 0") != 0)
                bad = 1, hint = 0;
            given |= F_LAMBDA_MAX;
        } else if ((v = cli_opt(argc, argv, &i, "--select", &bad))) {
            static const char *const names[] = {"best", "last"};
            static const int values[] = {FAIRC_SELECT_BEST, FAIRC_SELECT_LAST};
            if (parse_choice("--select", v, names, 2, values, &o.select) != 0) bad = 1, hint = 0;
            given |= F_SELECT;
        } else if ((v = cli_opt(argc, argv, &i, "--dual-signal", &bad))) {
            static const char *const names[] = {"hard", "soft"};
            static const int values[] = {FAIRC_DUAL_HARD, FAIRC_DUAL_SOFT};
            if (parse_choice("--dual-signal", v, names, 2, values, &o.dual_signal) != 0) bad = 1, hint = 0;
            given |= F_DUAL_SIGNAL;
        } else if ((v = cli_opt(argc, argv, &i, "--epochs", &bad))) {
            if (cli_u64("--epochs", v, &u) != 0) bad = 1;
            else o.epochs = (size_t)u;
        } else if ((v = cli_opt(argc, argv, &i, "--batch", &bad))) {
            if (cli_u64("--batch", v, &u) != 0) bad = 1;
            else o.batch = (size_t)u;
        } else if ((v = cli_opt(argc, argv, &i, "--lr", &bad))) {
            if (cli_double("--lr", v, &o.lr) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--beta1", &bad))) {
            if (cli_double("--beta1", v, &o.beta1) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--beta2", &bad))) {
            if (cli_double("--beta2", v, &o.beta2) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--adam-eps", &bad))) {
            if (cli_double("--adam-eps", v, &o.adam_eps) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight-decay", &bad))) {
            if (cli_double("--weight-decay", v, &o.weight_decay) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &bad))) {
            if (cli_u64("--seed", v, &o.seed) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &bad))) {
            if (cli_u64("--threads", v, &u) != 0 || u > 1024) bad = 1;
            else o.threads = (int)u;
        } else if (cli_read_opt("fairc train", argc, argv, &i, &ro, &na_list, &bad)) {
            /* --sep, --na-values, --format */
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fairc train: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc train: one data file only\n");
            bad = 1;
        }
    }
    o.pos_labels = (const char *const *)pos;
    o.n_pos_labels = n_pos;
    o.sensitive = (const char *const *)sens;
    o.n_sensitive = n_sens;
    o.drop = (const char *const *)drop;
    o.n_drop = n_drop;
    cli_na_apply(&na_list, &ro);
    /* --alpha is the ridge strength of linear regression, or the penalty weight */
    if (alpha_given && o.mitigate == FAIRC_MITIGATE_PENALTY) o.fair_alpha = alpha;
    else if (alpha_given) o.alpha = alpha;
    /* Flags that the chosen mode would ignore are mistakes worth stopping for. */
    static const struct { int flag; const char *name; int mode; } only[] = {
        {F_EPS, "--eps", FAIRC_MITIGATE_CONSTRAINED}, {F_DUAL_LR, "--dual-lr", FAIRC_MITIGATE_CONSTRAINED},
        {F_LAMBDA_MAX, "--lambda-max", FAIRC_MITIGATE_CONSTRAINED}, {F_SELECT, "--select", FAIRC_MITIGATE_CONSTRAINED},
        {F_DUAL_SIGNAL, "--dual-signal", FAIRC_MITIGATE_CONSTRAINED}, {F_P, "--p-norm", FAIRC_MITIGATE_PENALTY},
        {F_TOL, "--tol", FAIRC_MITIGATE_PENALTY}, {F_SLACK, "--ratio-slack", FAIRC_MITIGATE_CONSTRAINED}};
    int is_red = o.mitigate == FAIRC_MITIGATE_EXPGRAD || o.mitigate == FAIRC_MITIGATE_GRIDSEARCH;
    if (!bad && reduction_flags_check(o.mitigate, o.constraint, red_given) != 0) bad = 1, hint = 0;
    red.grid_offset = red_offsets;
    red.n_grid_offset = n_red_offsets;
    if (!bad && o.mitigate == FAIRC_MITIGATE_NONE && given) {
        fprintf(stderr, "fairc: the fairness options (--constraint, --eps, ...) need --mitigate penalty or constrained\n");
        bad = 1, hint = 0;
    }
    for (size_t k = 0; !bad && o.mitigate != FAIRC_MITIGATE_NONE && k < sizeof only / sizeof only[0]; k++)
        if ((given & only[k].flag) && o.mitigate != only[k].mode &&
            !(is_red && (only[k].flag & (F_EPS | F_SLACK)))) {
            fprintf(stderr, "fairc: %s applies to --mitigate %s only%s\n", only[k].name,
                    only[k].mode == FAIRC_MITIGATE_PENALTY ? "penalty" : "constrained",
                    only[k].flag == F_EPS ? " (a penalty's tolerance is --tol)" : "");
            bad = 1, hint = 0;
        }
    if (!bad && (given & F_EPS) && (given & F_RATIO)) {
        fprintf(stderr, "fairc: give --eps or --ratio-bound, not both\n");
        bad = 1, hint = 0;
    }
    if (!bad && (given & F_SLACK) && !(given & F_RATIO)) {
        fprintf(stderr, "fairc: --ratio-slack goes with --ratio-bound\n");
        bad = 1, hint = 0;
    }
    if (!bad && o.mitigate != FAIRC_MITIGATE_NONE && n_sens == 0) {
        fprintf(stderr, "fairc: --mitigate %s needs the sensitive columns (--sensitive)\n",
                o.mitigate == FAIRC_MITIGATE_PENALTY ? "penalty"
                : o.mitigate == FAIRC_MITIGATE_EXPGRAD ? "expgrad"
                : o.mitigate == FAIRC_MITIGATE_GRIDSEARCH ? "gridsearch" : "constrained");
        bad = 1, hint = 0;
    }
    if (!bad && !data) {
        fprintf(stderr, "fairc train: no data file given\n");
        bad = 1;
    }
    if (!bad && !out) {
        fprintf(stderr, "fairc train: -o MODEL is required\n");
        bad = 1;
    }
    const char *tcheck = !bad && post == 1 ? fairc_threshold_options_check(&thr) : NULL;
    if (tcheck) {
        fprintf(stderr, "fairc train: %s\n", tcheck);
        bad = 1, hint = 0;
    }
    const char *check = bad ? NULL : fairc_train_options_check(&o);
    if (check) {
        fprintf(stderr, "fairc train: %s\n", check);
        bad = 1;
        if (o.mitigate != FAIRC_MITIGATE_NONE) hint = 0;
    }
    /* The command line goes into the model file, so a model says how it was made. */
    size_t len = 0;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *command = malloc(len + 8);
    if (command) {
        strcpy(command, "fairc");
        for (int i = 0; i < argc; i++) {
            strcat(command, " ");
            strcat(command, argv[i]);
        }
    }
    o.command = command;
    int exit_code = 2;
    if (!bad) {
        cli_progress prog;
        cli_progress_init(&prog, "train");
        if (quiet) prog.enabled = 0;
        o.progress = cli_progress_cb;
        o.progress_user = &prog;
        fairc_status st = {0};
        fairc_predictor *p = NULL;
        fairc_train_info info;
        fairc_reduction_info rinfo;
        memset(&rinfo, 0, sizeof rinfo);
        fairc_threshold_info tinfo;
        memset(&tinfo, 0, sizeof tinfo);
        const char *rbad = is_red ? fairc_reduction_options_check(&red) : NULL;
        int rc;
        if (rbad) {
            snprintf(st.message, sizeof st.message, "%s", rbad);
            rc = st.code = FAIRC_EINVAL;
        } else if (is_red) {
            rc = fairc_train_reduction_file(data, &ro, &o, &red, &p, &info, &rinfo, &st);
        } else if (post == 1) {
            rc = fairc_train_threshold_file(data, &ro, &o, &thr, &p, &info, &tinfo, &st);
        } else if (post == 2) {
            rc = fairc_train_reweighed_file(data, &ro, &o, write_weights, &p, &info, &st);
        } else {
            rc = fairc_train_file(data, &ro, &o, &p, &info, &st);
        }
        cli_progress_done(&prog);
        if (rc == FAIRC_OK) rc = fairc_predictor_save(p, out, &st);
        if (rc == FAIRC_OK && quiet) {
            exit_code = 0;
        } else if (rc == FAIRC_OK && is_red) {
            print_reduction_summary(&o, &red, &info, &rinfo, out);
            exit_code = 0;
        } else if (rc == FAIRC_OK && post == 1) {
            cli_threshold_summary(&thr, &tinfo, out);
            exit_code = 0;
        } else if (rc == FAIRC_OK) {
            fprintf(stderr, "fairc: trained on %llu rows, %zu features; ", (unsigned long long)info.rows, info.features);
            if (!isnan(info.train_accuracy)) fprintf(stderr, "train accuracy %.4f, ", info.train_accuracy);
            if (!isnan(info.objective)) fprintf(stderr, "objective %.12g, ", info.objective);
            fprintf(stderr, "train loss %.6f; %s %d%s; wrote %s\n", info.train_loss,
                    o.learner == FAIRC_LEARNER_MLP || o.mitigate != FAIRC_MITIGATE_NONE ? "epochs" : "iterations", info.iterations,
                    info.converged ? "" : " (not converged)", out);
            if (info.dropped)
                fprintf(stderr, "fairc: warning: %llu rows without a label were dropped\n", (unsigned long long)info.dropped);
            if (o.mitigate != FAIRC_MITIGATE_NONE) print_fair_summary(&o, &info, p);
            exit_code = 0;
        } else {
            fprintf(stderr, "fairc: %s\n", st.message);
            exit_code = 1;
        }
        fairc_predictor_free(&p);
    } else if (hint) {
        fprintf(stderr, "(fairc train --help lists the options)\n");
    }
    free(command);
    free(red_offsets);
    for (size_t k = 0; k < n_pos; k++) free(pos[k]);
    for (size_t k = 0; k < n_sens; k++) free(sens[k]);
    for (size_t k = 0; k < n_drop; k++) free(drop[k]);
    cli_na_free(&na_list);
    free(pos);
    free(sens);
    free(drop);
    return exit_code;
}
