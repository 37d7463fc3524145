"""scikit-learn estimators trained by libfairc: LogisticRegression, MLPClassifier and
LinearRegression.

They follow scikit-learn's conventions (when scikit-learn is installed they derive from its
BaseEstimator and ClassifierMixin or RegressorMixin, so clone, pipelines, grid searches and
Fairlearn's reductions take them): __init__ only stores parameters, fit(X, y, sample_weight=None)
returns self, fitted attributes end in `_` (classes_, n_features_in_, predictor_, ...), and a
pickle holds the model file's bytes.

Classifier labels: any two values; classes_ holds them sorted and classes_[1] is the positive
class. Regression targets: finite numbers.
Features are passed to C as float32 rows: a C-contiguous float32 array is read in place, anything
else (float64 in particular) is converted once, a copy of X in float32. NaN or infinity in X, y
or sample_weight is a ValueError.
"""
import ctypes
import numbers

import numpy as np

from . import _lib
from ._predictor import Predictor

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, check_random_state
    HAVE_SKLEARN = True
except ImportError:  # a minimal stand-in: parameters, validation, accuracy score
    HAVE_SKLEARN = False
    from ._sklearn_compat import (BaseEstimator, ClassifierMixin, _check_sample_weight,  # noqa: F401
                                  check_classification_targets, check_is_fitted,
                                  check_random_state)

    class RegressorMixin:
        """scikit-learn's RegressorMixin without scikit-learn: the R^2 of predict as score."""
        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            return r2_score(y, self.predict(X), sample_weight)

__all__ = ["LogisticRegression", "MLPClassifier", "LinearRegression"]


def r2_score(y, pred, sample_weight=None):
    """The (weighted) coefficient of determination 1 - RSS / TSS of scikit-learn's r2_score for
    one output (1.0 for a constant y predicted exactly, 0.0 for one predicted inexactly)."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    rss = np.sum(w * (y - pred) ** 2)
    tss = np.sum(w * (y - np.average(y, weights=w)) ** 2)
    if tss == 0:
        return 1.0 if rss == 0 else 0.0
    return float(1 - rss / tss)


class _FaircEstimator(BaseEstimator):
    """What every estimator over a libfairc predictor shares: thread count, X validation, the
    checked train options, and writing the model file."""

    def _train_options(self, opts):
        raise NotImplementedError

    def _threads(self):
        n_jobs = getattr(self, "n_jobs", None)
        if n_jobs is None:
            return 0  # OpenMP's default; results do not depend on the thread count
        from ._arrays import n_threads
        return n_threads(n_jobs)

    def _validate_X(self, X, reset):
        return self._validate_data(X, dtype=np.float32, order="C", reset=reset)

    def _base_options(self):
        """fairc_train_options with this estimator's learner and parameters (checked)."""
        opts = _lib.TrainOptions()
        _lib.lib.fairc_train_options_init(ctypes.byref(opts))
        opts.label = b"y"
        opts.threads = self._threads()
        self._train_options(opts)
        return opts

    def save_model(self, path):
        """Writes the fitted model as a fairc model file (`fairc predict`, `fairc inspect`).
        Its features are the columns x0..x{D-1} of a CSV, in the order of X."""
        check_is_fitted(self)
        self.predictor_.save(path)


class _FaircClassifier(ClassifierMixin, _FaircEstimator):
    """Shared fit/predict over a libfairc predictor; subclasses fill the train options."""

    def _bound(self):
        """The fairness bound eps of mitigated training (None: fairc's default)."""
        return self.eps

    def _fit_inputs(self, X, y, sample_weight):
        """X as C-contiguous float32, classes_ candidates, y as 0/1 indices (float64) and
        sample_weight as float64 (or None), checked as scikit-learn does."""
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", reset=True)
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        if len(classes) > 2:
            raise ValueError(f"fairc's {type(self).__name__} is a binary classifier; y has "
                             f"{len(classes)} classes")
        if len(classes) < 2:
            raise ValueError(f"y has one class ({classes[0]!r}); {type(self).__name__} needs "
                             "samples of 2 classes")
        w = None
        if sample_weight is not None:
            w = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if not np.all(w >= 0):
                raise ValueError("sample_weight must be >= 0")
            present = np.bincount(y_index[w > 0], minlength=2)
            if present.min() == 0:
                raise ValueError("only one class has samples of positive weight; "
                                 f"{type(self).__name__} needs 2 classes")
        return X, classes, y_index.astype(np.float64), w

    def fit(self, X, y, sample_weight=None, *, sensitive_features=None):
        """Trains on X (n_samples, n_features) and y (two classes), with optional weights.
        With mitigate set, sensitive_features (one column, several as a DataFrame, or a dict;
        their intersection forms the groups) is required and the training is fairness-aware."""
        X, classes, y01, w = self._fit_inputs(X, y, sample_weight)
        opts = self._base_options()
        groups = self._fair_options(opts, sensitive_features, X.shape[0])
        bad = _lib.lib.fairc_train_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())
        predictor, info = Predictor.train(X, y01, w, opts)
        del groups  # the C side read the group ids during the call
        self.classes_ = classes
        self.predictor_ = predictor
        self.n_iter_ = int(info.iterations)
        self.converged_ = bool(info.converged)
        self.train_loss_ = float(info.train_loss)
        self._fair_results(predictor, info)
        return self

    def _fair_options(self, opts, sensitive_features, n):
        """Fills the fairness fields of opts from mitigate, constraint, eps, ... and the groups of
        sensitive_features; returns what must stay alive during the C call (or None)."""
        mitigate = getattr(self, "mitigate", None)
        if mitigate not in _lib.MITIGATE:
            raise ValueError("mitigate must be None, 'penalty' or 'constrained'; got "
                             f"{mitigate!r}")
        if mitigate is None:
            if sensitive_features is not None:
                raise ValueError(f"sensitive_features is used only by fairness-aware training; "
                                 f"set mitigate='penalty' or 'constrained' on "
                                 f"{type(self).__name__} (or leave sensitive_features out)")
            return None
        if sensitive_features is None:
            raise ValueError(f"mitigate={mitigate!r} needs sensitive_features (each row's "
                             "group) in fit")
        opts.mitigate = _lib.MITIGATE[mitigate]
        opts.constraint = _choice("constraint", self.constraint, _lib.CONSTRAINTS)
        if self._bound() is not None:
            opts.eps = _real("eps", self._bound())
        if self.ratio_bound is not None:
            opts.ratio_bound = _real("ratio_bound", self.ratio_bound)
        opts.fair_alpha = _real("fair_alpha", self.fair_alpha)
        opts.p_norm = _real("p_norm", self.p_norm)
        opts.tol = _real("tol", self.tol)
        opts.momentum = _real("momentum", self.momentum)
        if self.dual_lr is not None:
            opts.dual_lr = _real("dual_lr", self.dual_lr)
        if self.lambda_max is not None:
            opts.lambda_max = _real("lambda_max", self.lambda_max)
        opts.select = _choice("select", self.select, _lib.SELECT)
        opts.dual_signal = _choice("dual_signal", self.dual_signal, _lib.DUAL_SIGNAL)
        return set_groups(opts, sensitive_features, n)

    def _fair_results(self, predictor, info):
        """The fairness record of a mitigated fit: violation_, disparity_, constraints_ and
        multipliers_ (the Lagrange multipliers; 0 under a penalty), on the training rows."""
        for name in ("violation_", "disparity_", "penalty_", "constraints_", "multipliers_",
                     "constraint_values_", "groups_"):
            self.__dict__.pop(name, None)
        if getattr(self, "mitigate", None) is None:
            return
        self.violation_ = float(info.violation)
        self.disparity_ = float(info.disparity)
        if self.mitigate == "penalty":
            self.penalty_ = float(info.penalty)
        self.constraints_, self.multipliers_, self.constraint_values_ = constraint_record(
            predictor)

    def predict_proba(self, X):
        """(n_samples, 2): P(classes_[0]) and P(classes_[1])."""
        check_is_fitted(self)
        p = self.predictor_.predict(self._validate_X(X, reset=False))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def decision_function(self, X):
        """The model's score (logit) of classes_[1], computed in C."""
        check_is_fitted(self)
        return self.predictor_.decision(self._validate_X(X, reset=False))

    def predict(self, X):
        """classes_[1] where P(classes_[1]) > 0.5, else classes_[0]."""
        check_is_fitted(self)
        p = self.predictor_.predict(self._validate_X(X, reset=False))
        return self.classes_[(p > 0.5).astype(np.intp)]

    def _more_tags(self):
        return {"binary_only": True}


def _choice(name, value, table):
    if not isinstance(value, (str, type(None))) or value not in table:
        names = ", ".join(repr(k) for k in table)
        raise ValueError(f"{name} must be one of {names}; got {value!r}")
    return table[value]


def _real(name, value):
    """value as a float (C checks the range and says what is wrong); a non-number is an error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number; got {value!r}")
    return float(value)


def set_groups(opts, sensitive_features, n):
    """Encodes the groups of sensitive_features for n rows (fairc's names and order) into
    opts.group_ids / n_group_ids / group_names; returns (groups, names), which must stay alive
    while the C side reads opts."""
    from . import _groups
    groups = _groups.encode(sensitive_features, n)
    names = (ctypes.c_char_p * len(groups))(*[g.encode() for g in groups.names])
    opts.group_ids = _lib.ptr(groups.ids, ctypes.c_int32)
    opts.n_group_ids = len(groups)
    opts.group_names = ctypes.cast(names, _lib.c_char_pp)
    return groups, names


def constraint_record(predictor):
    """(names, multipliers, values) of the constraints kept in a fairness-trained model."""
    lib = _lib.lib
    K = lib.fairc_predictor_n_constraints(predictor._handle)
    names, lam, gam = [], np.empty(K), np.empty(K)
    for k in range(K):
        name, lk, gk = ctypes.c_char_p(), ctypes.c_double(), ctypes.c_double()
        _lib.call(lib.fairc_predictor_constraint, predictor._handle, k, ctypes.byref(name),
                  ctypes.byref(lk), ctypes.byref(gk))
        names.append(name.value.decode())
        lam[k], gam[k] = lk.value, gk.value
    return names, lam, gam


def _check_positive(name, value, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {what} > 0; got {value!r}")


_FAIR_PARAMS_DOC = """
    Fairness-aware training (SPEC §4-§6; `fairc train --mitigate penalty|constrained`), off by
    default: mitigate (None, "penalty": loss + fair_alpha * sum_k relu(gamma_k - tol)^p_norm on
    each mini-batch, or "constrained": every gamma_k <= eps held by Lagrange multipliers),
    constraint ("dp", "eo", "tpr", "fpr", "error_rate"), eps (the bound, a difference of rates;
    None: 0.01), ratio_bound (a ratio bound in (0, 1] instead), fair_alpha, p_norm (>= 1, or
    float("inf")), tol, momentum (running group statistics across batches, [0, 1)), dual_lr
    and lambda_max (None: fairc's 0.05 and 100), select ("best" or "last" epoch), dual_signal
    ("hard" or "soft"). With mitigate set, fit needs sensitive_features, and sets violation_
    (max_k gamma_k - eps on the training rows), disparity_, constraints_ (names),
    multipliers_ and constraint_values_ (gamma_k), and penalty_ under a penalty."""


class LogisticRegression(_FaircClassifier):
    """L2-regularised logistic regression with scikit-learn's objective,
    ||coef||^2 / (2 C) + sum_i w_i logloss_i (intercept not penalised), solved to the optimum in C
    by trust-region Newton; the same model as `fairc train --model logistic`.

    Parameters: C (inverse regularisation strength > 0), n_jobs (threads; None: OpenMP's
    default; results do not depend on it). With mitigate set the model trains by mini-batch
    Adam as a network without hidden layers (as `fairc train --model logistic --mitigate ...`):
    epochs, batch_size, lr and random_state (the shuffling seed) then apply, and C does not.
    Fitted: classes_, coef_ (1, n_features), intercept_ (1,), n_iter_ (Newton iterations, or
    epochs), converged_, n_features_in_, predictor_.
    """ + _FAIR_PARAMS_DOC + """
    """

    def __init__(self, C=1.0, n_jobs=None, mitigate=None, constraint="dp", eps=None,
                 ratio_bound=None, fair_alpha=1.0, p_norm=2.0, tol=0.0, momentum=0.0,
                 dual_lr=None, lambda_max=None, select="best", dual_signal="hard", epochs=20,
                 batch_size=256, lr=1e-3, random_state=0):
        self.C = C
        self.n_jobs = n_jobs
        self.mitigate = mitigate
        self.constraint = constraint
        self.eps = eps
        self.ratio_bound = ratio_bound
        self.fair_alpha = fair_alpha
        self.p_norm = p_norm
        self.tol = tol
        self.momentum = momentum
        self.dual_lr = dual_lr
        self.lambda_max = lambda_max
        self.select = select
        self.dual_signal = dual_signal
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state

    def _train_options(self, opts):
        _check_positive("C", self.C)
        opts.learner = _lib.LEARNER_LOGISTIC
        opts.C = float(self.C)
        if self.mitigate is not None:
            _adam_options(self, opts)

    def fit(self, X, y, sample_weight=None, *, sensitive_features=None):
        super().fit(X, y, sample_weight, sensitive_features=sensitive_features)
        params = self.predictor_.params()
        self.coef_ = params[:-1].reshape(1, -1)
        self.intercept_ = params[-1:].copy()
        return self


def _seed(random_state):
    """fairc's seed from scikit-learn's random_state: an int >= 0 is the seed itself (so
    `fairc train --seed S` matches random_state=S); None or a RandomState draws one."""
    rs = random_state
    if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
        if rs < 0:
            raise ValueError(f"random_state must be >= 0; got {rs}")
        return int(rs)
    return int(check_random_state(rs).randint(np.iinfo(np.int32).max))


def _adam_options(est, opts):
    """Mini-batch Adam's settings of est (epochs, batch_size, lr, random_state) into opts."""
    _check_positive("epochs", est.epochs, integer=True)
    _check_positive("batch_size", est.batch_size, integer=True)
    _check_positive("lr", est.lr)
    opts.epochs = int(est.epochs)
    opts.batch = int(est.batch_size)
    opts.lr = float(est.lr)
    opts.seed = _seed(est.random_state)


class MLPClassifier(_FaircClassifier):
    """A multilayer perceptron (ReLU hidden layers, one logit output) trained by mini-batch Adam
    on the weighted binary cross-entropy; the same model as `fairc train --model mlp:64,...`.

    Parameters: hidden (layer sizes), epochs, batch_size, lr, beta1, beta2, eps (Adam),
    weight_decay (decoupled, AdamW), random_state (an int is fairc's seed, so `fairc train
    --seed S` gives the same model as random_state=S; None draws one), n_jobs.
    Fitted: classes_, coefs_ and intercepts_ (per layer, (in, out) and (out,) as scikit-learn's
    MLPClassifier), n_iter_ (epochs), n_features_in_, predictor_.
    """ + _FAIR_PARAMS_DOC.replace("eps (the bound", "fair_eps (the bound") + """
    (Adam's own epsilon keeps scikit-learn's name eps, so the fairness bound is fair_eps here.)
    """

    def __init__(self, hidden=(64,), epochs=20, batch_size=256, lr=1e-3, beta1=0.9,
                 beta2=0.999, eps=1e-8, weight_decay=0.0, random_state=0, n_jobs=None,
                 mitigate=None, constraint="dp", fair_eps=None, ratio_bound=None,
                 fair_alpha=1.0, p_norm=2.0, tol=0.0, momentum=0.0, dual_lr=None,
                 lambda_max=None, select="best", dual_signal="hard"):
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.mitigate = mitigate
        self.constraint = constraint
        self.fair_eps = fair_eps
        self.ratio_bound = ratio_bound
        self.fair_alpha = fair_alpha
        self.p_norm = p_norm
        self.tol = tol
        self.momentum = momentum
        self.dual_lr = dual_lr
        self.lambda_max = lambda_max
        self.select = select
        self.dual_signal = dual_signal

    def _bound(self):
        return self.fair_eps

    def _hidden(self):
        hidden = (self.hidden,) if isinstance(self.hidden, numbers.Integral) else tuple(self.hidden)
        if not 1 <= len(hidden) <= _lib.MAX_HIDDEN:
            raise ValueError(f"hidden must list 1 to {_lib.MAX_HIDDEN} layer sizes; got {self.hidden!r}")
        for h in hidden:
            _check_positive("each hidden layer size", h, integer=True)
        return hidden

    def _train_options(self, opts):
        hidden = self._hidden()
        _adam_options(self, opts)
        opts.learner = _lib.LEARNER_MLP
        opts.n_hidden = len(hidden)
        for k, h in enumerate(hidden):
            opts.hidden[k] = int(h)
        opts.beta1, opts.beta2 = _real("beta1", self.beta1), _real("beta2", self.beta2)
        opts.adam_eps = _real("eps", self.eps)
        opts.weight_decay = _real("weight_decay", self.weight_decay)
        bad = _lib.lib.fairc_train_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())

    def _more_tags(self):
        # The defaults are fairc's (and FairTorch's) for tables of thousands of rows: 20 epochs of
        # 256-row batches. On scikit-learn's 200-row check that is 20 Adam steps, too few to pass
        # its 0.83 training-accuracy bar (50 epochs reach 0.95; python/tests checks it).
        return {"binary_only": True, "poor_score": True}

    def fit(self, X, y, sample_weight=None, *, sensitive_features=None):
        super().fit(X, y, sample_weight, sensitive_features=sensitive_features)
        params = self.predictor_.params()
        widths = [self.n_features_in_, *self._hidden(), 1]
        self.coefs_, self.intercepts_, at = [], [], 0
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            self.coefs_.append(params[at:at + n_in * n_out].reshape(n_out, n_in).T.copy())
            at += n_in * n_out
            self.intercepts_.append(params[at:at + n_out].copy())
            at += n_out
        return self


class LinearRegression(RegressorMixin, _FaircEstimator):
    """Least squares with an optional ridge penalty, scikit-learn's Ridge (alpha > 0) and
    LinearRegression (alpha = 0) objective: sum_i w_i (y_i - x_i.coef - intercept)^2 +
    alpha ||coef||^2, the intercept not penalised. Solved in C from the weighted normal equations
    (centred Gram matrix, Cholesky; the minimum-norm solution when it is singular, as
    scikit-learn's lstsq): the same model as `fairc train --task regression --model linear
    --alpha A`, and the regressor of fairc's reductions under bounded group loss.

    Parameters: alpha (ridge strength >= 0), fit_intercept (False: the model has none, the
    intercept stays 0), n_jobs (threads; None: OpenMP's default; results do not depend on it).
    Fitted: coef_ (n_features,), intercept_ (a float), n_features_in_, feature_names_in_ (pandas
    input), predictor_. At most 4096 features.
    """

    def __init__(self, alpha=0.0, fit_intercept=True, n_jobs=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs

    def _intercept(self):
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"fit_intercept must be True or False; got {self.fit_intercept!r}")
        return bool(self.fit_intercept)

    def _train_options(self, opts):
        opts.task = _lib.TASK_REGRESSION
        opts.learner = _lib.LEARNER_LINEAR
        opts.alpha = _real("alpha", self.alpha)  # C says what is wrong with a negative one
        opts.fit_intercept = 1 if self._intercept() else 0
        bad = _lib.lib.fairc_train_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())

    def _fit_inputs(self, X, y, sample_weight):
        """X as C-contiguous float32, y as float64 targets and sample_weight as float64 (or
        None), checked as scikit-learn does."""
        if HAVE_SKLEARN:
            X, y = self._validate_data(X, y, dtype=np.float32, order="C", reset=True,
                                       y_numeric=True)
        else:
            X, y = self._validate_data(X, y, dtype=np.float32, order="C", reset=True)
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"y must hold numbers; got dtype {y.dtype}") from None
        y = np.ascontiguousarray(y, dtype=np.float64)
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity")
        w = None
        if sample_weight is not None:
            w = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if not np.all(w >= 0):
                raise ValueError("sample_weight must be >= 0")
        return X, y, w

    def fit(self, X, y, sample_weight=None):
        """Fits X (n_samples, n_features) to the targets y (n_samples), with optional weights
        (>= 0, not all 0). Returns self."""
        X, y, w = self._fit_inputs(X, y, sample_weight)
        intercept = self._intercept()
        opts = self._base_options()
        predictor, info = Predictor.train(X, y, w, opts)
        params = predictor.params()
        self.predictor_ = predictor
        self.coef_ = params[:-1].copy()
        self.intercept_ = float(params[-1]) if intercept else 0.0
        self.train_loss_ = float(info.train_loss)
        return self

    def predict(self, X):
        """x.coef_ + intercept_ for each row of X, computed in C (the features as float32)."""
        check_is_fitted(self)
        return self.predictor_.predict(self._validate_X(X, reset=False))

