"""Fairlearn's reductions (SPEC §7-§8), run in C by fairc_train_reduction_arrays: the base
learner (fairc's LogisticRegression or MLPClassifier, or LinearRegression under bounded group
loss) is refitted on re-weighted data until the constraint holds. The same algorithms and model
files as `fairc train --mitigate expgrad` and `--mitigate gridsearch`.

    eg = fairc.ExponentiatedGradient(fairc.LogisticRegression(), constraint="dp", eps=0.01)
    eg.fit(X, y, sensitive_features=s, sample_weight=w)
    eg.predict_proba(X)[:, 1]     # the mixture's P(positive decision): sum_h Q_h h(x)
    eg.predict(X)                 # 1[u_i < p_i], u_i a hash of the row and the seed
    gs = fairc.GridSearch(fairc.MLPClassifier(hidden=(32,)), constraint="eo", grid_size=20)

    # regression: each group's mean loss <= upper_bound (SPEC §4.3)
    eg = fairc.ExponentiatedGradient(fairc.LinearRegression(), constraint="bounded_group_loss",
                                     upper_bound=0.05, loss="square")
    eg.fit(X, y, sensitive_features=s)
    eg.predict(X)                 # each row: the member its u picks (SPEC §7.3.4)
    eg.predict(X, expected=True)  # sum_h Q_h h(x)

A randomised predictor's decisions follow SPEC §1.7: u_i hashes the row's features (as float32,
the values the model reads) with a seed, so a row gets the same decision in every call, in any
row order, and from `fairc predict` on the saved model (which hashes the same bytes: the
features, then the group name "all" of a model trained without sensitive columns). Parameters
left None take fairc's defaults (fairc_reduction_options_init), so the Python side never
overrides a default the library chooses.
"""
import ctypes
import numbers

import numpy as np

from . import _lib
from ._predictor import Predictor, _interruptible
from .estimators import (HAVE_SKLEARN, BaseEstimator, LinearRegression, LogisticRegression,
                         MLPClassifier, _choice, _FaircClassifier, _real, check_is_fitted,
                         r2_score, set_groups)

if HAVE_SKLEARN:
    from sklearn.utils.metaestimators import available_if
else:
    def available_if(check):
        """scikit-learn's available_if without scikit-learn: the method exists on an instance
        only when check(instance) is true (else AttributeError, so hasattr is False)."""
        class _Available:
            def __init__(self, fn):
                self.fn = fn
                self.__doc__ = fn.__doc__

            def __get__(self, obj, owner=None):
                if obj is None:
                    return self.fn
                if not check(obj):
                    raise AttributeError(f"{type(obj).__name__} has no {self.fn.__name__} here")
                return self.fn.__get__(obj, owner)
        return _Available

__all__ = ["ExponentiatedGradient", "GridSearch"]

# A model trained on arrays has no sensitive columns, so `fairc predict` names every row's group
# "all" (fairc's one-group name) and hashes the features followed by it (SPEC §1.7's key).
_KEY_GROUP = b"all"

_NEEDS = ("fairc_reduction_options", "fairc_reduction_info", "fairc_reduction_options_init",
          "fairc_reduction_options_check", "fairc_train_reduction_arrays",
          "fairc_decision_uniform_rows", "fairc_predictor_randomized")


def _size(name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}")
    return int(value)


def _decision_seed(random_state):
    """The seed of hashed decisions: an int >= 0 as it is; None is fairc's default, 0."""
    if random_state is None:
        return 0
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) \
            or random_state < 0:
        raise ValueError("random_state (the seed of per-row decisions) must be None or an "
                         f"integer >= 0; got {random_state!r}")
    return int(random_state)


def _pairing(reduction, est, constraint):
    """Refuses a classification constraint with a regressor and bounded group loss with a
    classifier, naming what to use instead. (libfairc refuses both too, in its own words.)"""
    name = type(est).__name__
    if isinstance(est, LinearRegression) and constraint != _lib.CONSTRAINT_BGL:
        raise ValueError(f"constraint={reduction.constraint!r} is a classification constraint and "
                         f"fairc.{name} is a regressor: a regressor takes "
                         "constraint='bounded_group_loss' (each group's mean loss <= "
                         "upper_bound)")
    if constraint == _lib.CONSTRAINT_BGL and not isinstance(est, LinearRegression):
        raise ValueError(f"constraint='bounded_group_loss' is a regression constraint: its "
                         f"estimator must be a regressor (fairc.LinearRegression), not the "
                         f"classifier fairc.{name}")


class _Reduction(BaseEstimator):
    """fit/predict shared by ExponentiatedGradient and GridSearch; subclasses fill the
    reduction's own options. A classifier with a classifier estimator, a regressor with
    fairc.LinearRegression (its _estimator_type follows the estimator's, as a Pipeline's
    follows its last step)."""

    _method = None
    _required_parameters = ["estimator"]  # what scikit-learn's checks construct us with

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", "classifier")

    def _is_classifier(self):
        return self._estimator_type == "classifier"

    def _reduction_options(self, r):
        raise NotImplementedError

    def _base_estimator(self):
        est = self.estimator
        if not isinstance(est, (LogisticRegression, MLPClassifier, LinearRegression)):
            raise ValueError(f"{type(self).__name__} trains its learner in C: estimator must be "
                             "fairc.LogisticRegression or fairc.MLPClassifier (classification), "
                             f"or fairc.LinearRegression (bounded group loss); got "
                             f"{type(est).__name__} (Fairlearn's own reductions take any "
                             "scikit-learn estimator)")
        if getattr(est, "mitigate", None) is not None:
            raise ValueError(f"the estimator of {type(self).__name__} must train without "
                             f"mitigation (its mitigate is {est.mitigate!r}); the reduction "
                             "does the mitigating")
        return est

    def _bgl_options(self, r, bgl):
        """Bounded group loss's options (upper_bound, loss, loss_min, loss_max) into r; they
        mean nothing for the parity constraints, so giving one there is an error."""
        given = [n for n in ("upper_bound", "loss", "loss_min", "loss_max")
                 if getattr(self, n) is not None]
        if not bgl:
            if given:
                raise ValueError(f"{', '.join(given)} belong(s) to "
                                 "constraint='bounded_group_loss'; the bound of "
                                 f"constraint={self.constraint!r} is eps (or ratio_bound)")
            return
        if self.ratio_bound is not None:
            raise ValueError("ratio_bound belongs to the parity constraints; the bound of "
                             "bounded_group_loss is upper_bound")
        if self.upper_bound is not None:
            r.upper_bound = _real("upper_bound", self.upper_bound)
        if self.loss is not None:
            r.loss = _choice("loss", self.loss, _lib.BGL_LOSS)
        if self.loss_min is not None:
            r.loss_min = _real("loss_min", self.loss_min)
        if self.loss_max is not None:
            r.loss_max = _real("loss_max", self.loss_max)

    def _options(self, n):
        """(train options, reduction options) from the estimator's and this object's
        parameters, both checked by libfairc."""
        _lib.require(*_NEEDS)
        est = self._base_estimator()
        constraint = _choice("constraint", self.constraint, _lib.REDUCTION_CONSTRAINTS)
        _pairing(self, est, constraint)
        bgl = constraint == _lib.CONSTRAINT_BGL
        opts = est._base_options()
        if self.n_jobs is not None:
            from ._arrays import n_threads
            opts.threads = n_threads(self.n_jobs)
        opts.mitigate = self._method
        opts.constraint = constraint
        if self.eps is not None and not bgl:  # the parity bound; bounded group loss ignores it
            opts.eps = _real("eps", self.eps)
        if self.ratio_bound is not None and not bgl:
            opts.ratio_bound = _real("ratio_bound", self.ratio_bound)
        bad = _lib.lib.fairc_train_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())
        r = _lib.ReductionOptions()
        _lib.lib.fairc_reduction_options_init(ctypes.byref(r))
        if self.group_order is not None:
            r.group_order = _choice("group_order", self.group_order, _lib.GROUP_ORDER)
        self._bgl_options(r, bgl)
        keep = self._reduction_options(r)
        bad = _lib.lib.fairc_reduction_options_check(ctypes.byref(r))
        if bad:
            raise ValueError(bad.decode())
        return opts, r, keep

    def fit(self, X, y, *, sensitive_features, sample_weight=None):
        """Runs the reduction on X (n_samples, n_features), y (two classes; numbers for a
        regressor), the groups of sensitive_features (one column, or several as a DataFrame or
        dict: their intersection) and optional sample weights. Returns self."""
        # validated as the estimators validate (n_features_in_, feature_names_in_ set on self)
        est = self._base_estimator()
        if isinstance(est, LinearRegression):
            X, target, w = LinearRegression._fit_inputs(self, X, y, sample_weight)
            classes = None
        else:
            X, classes, target, w = _FaircClassifier._fit_inputs(self, X, y, sample_weight)
        opts, r, keep = self._options(X.shape[0])
        groups = set_groups(opts, sensitive_features, X.shape[0])
        out, info, rinfo = ctypes.c_void_p(), _lib.TrainInfo(), _lib.ReductionInfo()
        with _interruptible(opts):
            _lib.call(_lib.lib.fairc_train_reduction_arrays, _lib.ptr(X, ctypes.c_float),
                      X.shape[0], X.shape[1], _lib.ptr(target, ctypes.c_double),
                      _lib.ptr(w, ctypes.c_double), ctypes.byref(opts), ctypes.byref(r),
                      ctypes.byref(out), ctypes.byref(info), ctypes.byref(rinfo))
        del groups, keep  # read by the C side during the call only
        self.__dict__.pop("classes_", None)
        if classes is not None:
            self.classes_ = classes
        self.predictor_ = Predictor(out.value)
        self._set_results(info, rinfo)
        return self

    def _set_results(self, info, rinfo):
        d = self.predictor_.describe()
        red = d.get("reduction", {})
        cands = red.get("candidates", [])
        self.constraints_ = list(red.get("constraints", []))
        bound = red.get("bound")  # null: GridSearch's bounded group loss without upper_bound
        self.bound_ = np.nan if bound is None else float(bound)
        self.weights_ = np.array([c["weight"] for c in cands], dtype=np.float64)
        self.lambda_vecs_ = np.array([c["lambda"] for c in cands], dtype=np.float64).reshape(
            len(cands), len(self.constraints_))
        self.objectives_ = np.array([c["err"] for c in cands], dtype=np.float64)
        self.gammas_ = np.array([c["gamma"] for c in cands], dtype=np.float64).reshape(
            len(cands), len(self.constraints_))
        self.n_oracle_calls_ = int(rinfo.oracle_calls)
        self.n_learner_fits_ = int(rinfo.learner_fits)
        self.n_cache_hits_ = int(rinfo.cache_hits)
        self.n_constant_calls_ = int(rinfo.dummy_calls)
        self.n_members_ = int(rinfo.members)
        self.train_error_ = float(rinfo.err)
        self.violation_ = float(rinfo.violation)
        self.disparity_ = float(rinfo.disparity)
        self.fit_seconds_ = float(rinfo.seconds)
        self.randomized_ = bool(_lib.lib.fairc_predictor_randomized(self.predictor_._handle))
        return red

    def _X(self, X):
        check_is_fitted(self)
        return self._validate_data(X, dtype=np.float32, order="C", reset=False)

    @available_if(_is_classifier)
    def predict_proba(self, X):
        """(n_samples, 2): P(decision classes_[0]) and P(decision classes_[1]); for a mixture,
        p(x) = sum_h Q_h h(x) over its models' hard decisions. Classification only."""
        X = self._X(X)
        p = self.predictor_.predict(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X, random_state=None, expected=False):
        """Classification: classes_[1] where u_i < p(x_i) for a randomised predictor (u_i
        hashes row i's features with the seed random_state, or this object's random_state when
        None), else where p(x_i) > 0.5.
        Regression: a mixture gives row i the prediction of the first member whose cumulative
        weight exceeds u_i (the same u, so the same member for a row in every call, and what
        `fairc predict --seed S` writes), or with expected=True the mixture's mean
        sum_h Q_h h(x_i) (`fairc predict --expected`); a single model (GridSearch,
        deterministic) its prediction. libfairc refuses expected=True for a classifier (whose
        expected decision is predict_proba) and for a single model."""
        X = self._X(X)
        seed = _decision_seed(self.random_state if random_state is None else random_state)
        if getattr(self, "classes_", None) is None or expected:
            return self.predictor_.predict_opt(X, seed=seed, expected=expected)
        p = self.predictor_.predict(X)
        if not self.randomized_:
            return self.classes_[(p > 0.5).astype(np.intp)]
        u = np.empty(X.shape[0], dtype=np.float64)
        _lib.call(_lib.lib.fairc_decision_uniform_rows, _lib.ptr(X, ctypes.c_float), X.shape[0],
                  X.shape[1], _KEY_GROUP, len(_KEY_GROUP), seed, _lib.ptr(u, ctypes.c_double))
        return self.classes_[(u < p).astype(np.intp)]

    def save_model(self, path):
        """Writes the fitted predictor as a fairc model file: `fairc predict MODEL DATA` reads
        the columns x0..x{D-1} and gives the same probabilities and (with --seed) decisions."""
        check_is_fitted(self)
        self.predictor_.save(path)

    def score(self, X, y, sample_weight=None):
        """Accuracy of predict (classification) or R^2 of predict (regression), as
        scikit-learn's ClassifierMixin and RegressorMixin score."""
        pred = self.predict(X)
        if self._is_classifier():
            return float(np.average(pred == np.asarray(y), weights=sample_weight))
        return r2_score(y, pred, sample_weight)

    def _more_tags(self):
        return {"binary_only": True, "requires_fit": True, "requires_y": True}


class ExponentiatedGradient(_Reduction):
    """Agarwal et al.'s ExponentiatedGradient (SPEC §7; Fairlearn 0.9.0's algorithm, with the
    differences of §7.3): a randomised mixture of models of estimator meeting the constraint.

    Parameters: estimator (fairc.LogisticRegression or fairc.MLPClassifier, or
    fairc.LinearRegression for bounded group loss: its parameters set the learner), constraint
    ("dp", "eo", "tpr", "fpr", "error_rate", "bounded_group_loss"), eps (the fairness bound,
    a difference of rates in [0, 1]; None: 0.01), ratio_bound (a ratio bound instead),
    eg_eps (sets B = 1 / eg_eps, the L1 radius of the multipliers; it is not the bound),
    max_iter, eta0, nu (the stopping gap; None: automatic), run_lp, deterministic (keep the best
    single model meeting the bound), keep_all (save members of weight 0 too), warm_start,
    warm_epochs (epochs of a warm-started MLP fit), cache, cost_fp and cost_fn (the error's
    costs), group_order ("sorted", "appearance", "size"), random_state (the seed of per-row
    decisions), n_jobs. None takes fairc's default.
    Bounded group loss (SPEC §4.3; estimator fairc.LinearRegression, which must fit an
    intercept): constraint="bounded_group_loss" bounds each group's weighted mean loss by
    upper_bound (>= 0; required here), with loss "square" (default), "absolute" or "zero_one"
    (absolute on [0, 1]) after clipping labels and predictions to [loss_min, loss_max] (both or
    neither; None: the training labels' range). These four are errors with the parity
    constraints; ratio_bound is an error with bounded group loss and eps is not used there.
    Fitted: classes_ (classification), predictor_ (the model file's predictor), weights_ (each
    candidate's weight in the mixture), lambda_vecs_, objectives_ (training error) and gammas_
    of every candidate, constraints_ (their names), n_iter_, best_iter_, best_gap_, nu_,
    n_oracle_calls_, n_learner_fits_, n_cache_hits_, n_members_, train_error_, violation_
    (max_k gamma_k - bound, expected; bounded group loss: max_g loss_g - upper_bound),
    disparity_, and with
    deterministic, det_error_ and det_violation_. Under bounded group loss objectives_ are the
    candidates' mean losses and gammas_ their groups' mean losses.
    """

    _method = _lib.MITIGATE_EXPGRAD

    def __init__(self, estimator, constraint="dp", eps=0.01, ratio_bound=None, eg_eps=None,
                 max_iter=None, eta0=None, nu=None, run_lp=None, deterministic=False,
                 keep_all=None, warm_start=None, warm_epochs=None, cache=None, cost_fp=None,
                 cost_fn=None, group_order=None, random_state=None, n_jobs=None,
                 upper_bound=None, loss=None, loss_min=None, loss_max=None):
        self.estimator = estimator
        self.constraint = constraint
        self.eps = eps
        self.ratio_bound = ratio_bound
        self.upper_bound = upper_bound
        self.loss = loss
        self.loss_min = loss_min
        self.loss_max = loss_max
        self.eg_eps = eg_eps
        self.max_iter = max_iter
        self.eta0 = eta0
        self.nu = nu
        self.run_lp = run_lp
        self.deterministic = deterministic
        self.keep_all = keep_all
        self.warm_start = warm_start
        self.warm_epochs = warm_epochs
        self.cache = cache
        self.cost_fp = cost_fp
        self.cost_fn = cost_fn
        self.group_order = group_order
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _reduction_options(self, r):
        if self.eg_eps is not None:
            r.eg_eps = _real("eg_eps", self.eg_eps)
        if self.max_iter is not None:
            r.max_iter = _size("max_iter", self.max_iter)
        if self.eta0 is not None:
            r.eta0 = _real("eta0", self.eta0)
        if self.nu is not None:
            r.nu = _real("nu", self.nu)
        for name in ("run_lp", "deterministic", "keep_all", "warm_start", "cache"):
            value = getattr(self, name)
            if value is not None:
                setattr(r, name, 1 if value else 0)
        if self.warm_epochs is not None:
            r.warm_epochs = _size("warm_epochs", self.warm_epochs, low=0)
        if self.cost_fp is not None:
            r.cost_fp = _real("cost_fp", self.cost_fp)
        if self.cost_fn is not None:
            r.cost_fn = _real("cost_fn", self.cost_fn)
        return None

    def _set_results(self, info, rinfo):
        red = super()._set_results(info, rinfo)
        self.n_iter_ = int(rinfo.iterations)
        self.best_iter_ = int(rinfo.best_iter)
        self.best_gap_ = float(rinfo.best_gap)
        self.nu_ = float(rinfo.nu)
        self.gaps_ = np.array(red.get("gaps", []), dtype=np.float64)
        for name in ("det_error_", "det_violation_"):
            self.__dict__.pop(name, None)
        if self.deterministic:
            self.det_error_ = float(rinfo.det_err)
            self.det_violation_ = float(rinfo.det_violation)
        return red


class GridSearch(_Reduction):
    """GridSearch (SPEC §8; Fairlearn 0.9.0's grid and selection): the learner fitted at each
    point of a grid of multipliers, and the single model of least
    (1 - constraint_weight) error + constraint_weight max_k gamma_k kept.

    Parameters: estimator (fairc.LogisticRegression, fairc.MLPClassifier, or
    fairc.LinearRegression for bounded group loss), constraint, eps,
    ratio_bound (as ExponentiatedGradient's), grid_size (points, >= 1), grid_limit (> 0),
    grid_order ("lattice", Fairlearn's, or "norm"), grid_offset (added to every grid point: one
    number or one per constraint), constraint_weight (in [0, 1]), cost_fp, cost_fn,
    group_order ("sorted", "appearance", "size": which group the basis leaves out), warm_start,
    cache, random_state (kept for predict's signature; a single model decides by p > 0.5),
    n_jobs. None takes fairc's default.
    Bounded group loss (SPEC §4.3): constraint="bounded_group_loss" with fairc.LinearRegression,
    upper_bound (optional here: violation_ is max_g loss_g - upper_bound, or max_g loss_g
    without it), loss, loss_min and loss_max as
    ExponentiatedGradient's.
    Its grid has one non-negative coordinate per group with L1 norm grid_limit (SPEC §8.1-§8.2),
    each point fits the regressor with weights lambda_g / p_g, and the point of least
    (1 - constraint_weight) mean loss + constraint_weight max_g loss_g is kept (SPEC §8.3).
    Fitted: classes_ (classification), predictor_, best_idx_ (the grid point chosen),
    lambda_vecs_, objectives_ (error, or mean loss) and gammas_ of every grid point, weights_
    (1 at best_idx_), constraints_, n_oracle_calls_, n_learner_fits_, train_error_, violation_,
    disparity_.
    """

    _method = _lib.MITIGATE_GRIDSEARCH

    def __init__(self, estimator, constraint="dp", eps=None, ratio_bound=None, grid_size=10,
                 grid_limit=None, grid_order=None, grid_offset=None, constraint_weight=None,
                 cost_fp=None, cost_fn=None, group_order=None, warm_start=None, cache=None,
                 random_state=None, n_jobs=None, upper_bound=None, loss=None, loss_min=None,
                 loss_max=None):
        self.estimator = estimator
        self.constraint = constraint
        self.eps = eps
        self.ratio_bound = ratio_bound
        self.upper_bound = upper_bound
        self.loss = loss
        self.loss_min = loss_min
        self.loss_max = loss_max
        self.grid_size = grid_size
        self.grid_limit = grid_limit
        self.grid_order = grid_order
        self.grid_offset = grid_offset
        self.constraint_weight = constraint_weight
        self.cost_fp = cost_fp
        self.cost_fn = cost_fn
        self.group_order = group_order
        self.warm_start = warm_start
        self.cache = cache
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _reduction_options(self, r):
        if self.grid_size is not None:
            r.grid_size = _size("grid_size", self.grid_size, low=0)  # C says what is wrong with 0
        if self.grid_limit is not None:
            r.grid_limit = _real("grid_limit", self.grid_limit)
        if self.grid_order is not None:
            r.grid_order = _choice("grid_order", self.grid_order, _lib.GRID_ORDER)
        if self.constraint_weight is not None:
            r.constraint_weight = _real("constraint_weight", self.constraint_weight)
        if self.cost_fp is not None:
            r.cost_fp = _real("cost_fp", self.cost_fp)
        if self.cost_fn is not None:
            r.cost_fn = _real("cost_fn", self.cost_fn)
        for name in ("warm_start", "cache"):
            value = getattr(self, name)
            if value is not None:
                setattr(r, name, 1 if value else 0)
        offset = None
        if self.grid_offset is not None:
            offset = np.ascontiguousarray(np.atleast_1d(np.asarray(self.grid_offset,
                                                                   dtype=np.float64)))
            if offset.ndim != 1 or len(offset) == 0:
                raise ValueError("grid_offset must be a number or a list of numbers")
            r.grid_offset = _lib.ptr(offset, ctypes.c_double)
            r.n_grid_offset = len(offset)
        return offset

    def _set_results(self, info, rinfo):
        red = super()._set_results(info, rinfo)
        self.best_idx_ = int(rinfo.selected)
        return red
