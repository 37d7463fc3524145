"""ThresholdOptimizer (Hardt et al. 2016; SPEC §9): group-wise randomised thresholds on any
model's scores, fitted in C (fairc_threshold_fit_arrays), the same model as
`fairc postprocess --score COL`.

    to = fairc.ThresholdOptimizer(constraint="eo").fit(scores, y, sensitive_features=s)
    to.predict_proba(scores, sensitive_features=s)[:, 1]    # P(positive decision)
    to.predict(scores, sensitive_features=s)                 # 1[u_i < p_i]

Or with a classifier: ThresholdOptimizer(estimator=clf, prefit=True).fit(X, y, ...) thresholds
clf.predict_proba(X)[:, 1] (prefit=False fits a clone of clf first).

Decisions are randomised as SPEC §1.7 says: by default u_i hashes the row (its score and its
group name) with `seed`, so a row gets the same decision in every call and from
`fairc predict` on the saved model; randomize="stream" draws u_i in row order instead.
"""
import ctypes
import struct

import numpy as np

from . import _arrays, _groups, _lib
from ._predictor import Predictor
from .estimators import BaseEstimator, check_is_fitted

__all__ = ["ThresholdOptimizer"]

_CONSTRAINTS = {"dp": 1, "demographic_parity": 1, "tpr": 2, "true_positive_rate_parity": 2,
                "fpr": 3, "false_positive_rate_parity": 3, "tnr": 4,
                "true_negative_rate_parity": 4, "fnr": 5, "false_negative_rate_parity": 5,
                "eo": 6, "equalized_odds": 6}
_OBJECTIVES = {"accuracy": 1, "accuracy_score": 1, "balanced_accuracy": 2,
               "balanced_accuracy_score": 2, "selection_rate": 3, "tpr": 4,
               "true_positive_rate": 4, "tnr": 5, "true_negative_rate": 5}
_UNSEEN = {"error": 0, "pooled": 1, "zero": 2, "one": 3}
_NEEDS = ("fairc_threshold_options", "fairc_threshold_info", "fairc_threshold_fit_arrays",
          "fairc_threshold_options_init", "fairc_threshold_options_check",
          "fairc_predictor_predict_groups", "fairc_decision_uniform", "fairc_rng_seed",
          "fairc_rng_uniform")


def _choice(name, value, table):
    if value not in table:
        raise ValueError(f"{name} must be one of {', '.join(map(str, table))}; got {value!r}")
    return table[value]


class ThresholdOptimizer(BaseEstimator):
    """Parameters: estimator (None: fit and predict take scores), prefit, constraint ("dp",
    "tpr", "fpr", "tnr", "fnr", "eo", or Fairlearn's long names), objective ("accuracy",
    "balanced_accuracy", "selection_rate", "tpr", "tnr"), tol (0: parity on the grid; > 0: the
    groups' constraint metrics may differ by up to tol), grid_size, flip (also rules
    score < t), unseen (a group not seen at fit: "error", "pooled", "zero", "one"), seed and
    randomize ("hash" or "stream") for decisions.
    Fitted: predictor_ (the model file's predictor), groups_ (fit-time group names),
    sensitive_features_ (column names), estimator_, objective_, disparity_."""

    def __init__(self, estimator=None, prefit=False, constraint="dp", objective="accuracy",
                 tol=0.0, grid_size=1000, flip=False, unseen="error", seed=0,
                 randomize="hash"):
        self.estimator = estimator
        self.prefit = prefit
        self.constraint = constraint
        self.objective = objective
        self.tol = tol
        self.grid_size = grid_size
        self.flip = flip
        self.unseen = unseen
        self.seed = seed
        self.randomize = randomize

    def _scores(self, X, fitting, y=None, sample_weight=None):
        if self.estimator is None:
            s = _arrays.float64(X, "scores")
            if not np.isfinite(s).all():
                raise ValueError("scores contain NaN or infinity")
            return s
        if fitting:
            if self.prefit:
                self.estimator_ = self.estimator
            else:
                from sklearn.base import clone
                kw = {} if sample_weight is None else {"sample_weight": sample_weight}
                self.estimator_ = clone(self.estimator).fit(X, y, **kw)
        return np.ascontiguousarray(self.estimator_.predict_proba(X)[:, 1], dtype=np.float64)

    def fit(self, X, y, *, sensitive_features, sample_weight=None, pos_label=None):
        """Fits thresholds on the scores (X, or the estimator's probabilities on X), labels y
        (0/1, -1/1, False/True, or pos_label) and groups of sensitive_features."""
        _lib.require(*_NEEDS)
        opts = _lib.ThresholdOptions()
        _lib.lib.fairc_threshold_options_init(ctypes.byref(opts))
        opts.constraint = _choice("constraint", self.constraint, _CONSTRAINTS)
        opts.objective = _choice("objective", self.objective, _OBJECTIVES)
        opts.tol = float(self.tol)
        opts.grid_size = int(self.grid_size)
        opts.flip = 1 if self.flip else 0
        opts.unseen = _choice("unseen", self.unseen, _UNSEEN)
        bad = _lib.lib.fairc_threshold_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())
        _choice("randomize", self.randomize, {"hash": 0, "stream": 1})
        labels = _arrays.binary(y, "y", pos_label)
        n = len(labels)
        score = self._scores(X, True, y, sample_weight)
        _arrays.check_length(score, n, "the scores")
        w = None if sample_weight is None else _arrays.float64(sample_weight, "sample_weight", n)
        groups = _groups.encode(sensitive_features, n)
        names = (ctypes.c_char_p * len(groups))(*[g.encode() for g in groups.names])
        out, info = ctypes.c_void_p(), _lib.ThresholdInfo()
        _lib.call(_lib.lib.fairc_threshold_fit_arrays, n, _lib.ptr(score, ctypes.c_double),
                  _lib.ptr(labels, ctypes.c_uint8), _lib.ptr(w, ctypes.c_double),
                  _lib.ptr(groups.ids, ctypes.c_int32), len(groups), names, ctypes.byref(opts),
                  ctypes.byref(out), ctypes.byref(info))
        self.predictor_ = Predictor(out.value)
        self.groups_ = list(groups.names)
        self.sensitive_features_ = list(groups.columns)
        self.objective_ = info.objective
        self.disparity_ = info.disparity
        return self

    def _apply(self, X, sensitive_features):
        check_is_fitted(self)
        score = self._scores(X, False)
        n = len(score)
        groups = _groups.encode(sensitive_features, n)
        if list(groups.columns) != self.sensitive_features_:
            raise ValueError(f"sensitive_features has columns {groups.columns}; the thresholds "
                             f"were fitted on {self.sensitive_features_}")
        index = {name: k for k, name in enumerate(self.groups_)}
        lut = np.array([index.get(name, -1) for name in groups.names], dtype=np.int32)
        ids = np.ascontiguousarray(lut[groups.ids])
        p = np.empty(n, dtype=np.float64)
        _lib.call(_lib.lib.fairc_predictor_predict_groups, self.predictor_._handle, None,
                  _lib.ptr(ids, ctypes.c_int32), _lib.ptr(score, ctypes.c_double), n,
                  _lib.ptr(p, ctypes.c_double))
        return p, score, groups

    def predict_proba(self, X, *, sensitive_features):
        """(n, 2): P(decision 0) and P(decision 1) for each row."""
        p, _, _ = self._apply(X, sensitive_features)
        return np.column_stack([1.0 - p, p])

    def predict(self, X, *, sensitive_features):
        """Decisions 1[u_i < p_i] with u_i from `randomize` and `seed` (SPEC §1.7)."""
        p, score, groups = self._apply(X, sensitive_features)
        lib, seed = _lib.lib, int(self.seed)
        if self.randomize == "stream":
            state = (ctypes.c_uint64 * 4)()
            lib.fairc_rng_seed(state, seed, b"decisions")
            u = np.fromiter((lib.fairc_rng_uniform(state) for _ in range(len(p))), float, len(p))
        else:
            names = [g.encode() for g in groups.names]
            keys = (struct.pack("<d", s) + names[g] for s, g in zip(score.tolist(),
                                                                    groups.ids.tolist()))
            u = np.fromiter((lib.fairc_decision_uniform(k, len(k), seed) for k in keys), float,
                            len(p))
        return (u < p).astype(np.int64)

    def save_model(self, path):
        """The model file: `fairc predict MODEL DATA` applies it to a CSV with a `score` column
        and the sensitive columns."""
        check_is_fitted(self)
        self.predictor_.save(path)
