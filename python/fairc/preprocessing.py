"""Reweighing (Kamiran & Calders; AIF360's; SPEC §10.1), computed in C by fairc_reweigh_arrays:
weights under which the labels and the groups are independent, with the total weight kept; and
CorrelationRemover (Fairlearn's; SPEC §10.2) over fairc_decorrelate_arrays.

    w = fairc.preprocessing.reweigh(y, sensitive_features=s, sample_weight=w0)
    clf.fit(X, y, sample_weight=w)

    rw = fairc.Reweighing().fit(y, sensitive_features=s)
    rw.factors_                   # one factor per (group, label): W_g W_y / (W W_gy)
    rw.transform(y_new, sensitive_features=s_new)   # the fitted factors applied to other rows

    cr = fairc.CorrelationRemover(sensitive_feature_ids=["sex=Female"], alpha=1.0)
    Z = cr.fit_transform(X_df)    # the other columns, no longer linearly correlated with sex
    cr.transform(X_test_df)       # the fitted projection applied to other rows
"""
import ctypes

import numbers

import numpy as np

from . import _arrays, _groups, _lib
from .estimators import BaseEstimator, _check_sample_weight, _real, check_is_fitted

try:
    from sklearn.base import TransformerMixin  # set_output, as any scikit-learn transformer
except ImportError:
    class TransformerMixin:
        pass

try:
    import pandas as pd
except ImportError:
    pd = None

__all__ = ["reweigh", "Reweighing", "CorrelationRemover"]


def _inputs(y, sensitive_features, sample_weight, pos_label):
    labels = _arrays.binary(y, "y", pos_label)
    n = len(labels)
    if n == 0:
        raise ValueError("y has no rows")
    w = None if sample_weight is None else _arrays.float64(sample_weight, "sample_weight", n)
    return labels, w, _groups.encode(sensitive_features, n)


def _run(labels, w, groups):
    _lib.require("fairc_reweigh_arrays")
    out = np.empty(len(labels), dtype=np.float64)
    _lib.call(_lib.lib.fairc_reweigh_arrays, len(labels), _lib.ptr(labels, ctypes.c_uint8),
              _lib.ptr(w, ctypes.c_double), _lib.ptr(groups.ids, ctypes.c_int32), len(groups),
              _lib.ptr(out, ctypes.c_double))
    return out


def reweigh(y, *, sensitive_features, sample_weight=None, pos_label=None):
    """Each row's weight w_i W_g W_y / (W W_gy) for its group g (the intersection of the
    sensitive columns) and label y (0/1, -1/1, False/True, or pos_label). Rows of a cell whose
    total weight is 0 get 0."""
    return _run(*_inputs(y, sensitive_features, sample_weight, pos_label))


class Reweighing:
    """Reweighing as an object that remembers its factors: fit(y, sensitive_features=...,
    sample_weight=None) sets weights_ (the training rows' weights), factors_ (group x label:
    the multiplier of a row's own weight; NaN for a cell without weight) and groups_;
    transform applies the factors to other rows (a group not seen at fit is an error)."""

    def __init__(self, pos_label=None):
        self.pos_label = pos_label

    def fit(self, y, *, sensitive_features, sample_weight=None):
        labels, w, groups = _inputs(y, sensitive_features, sample_weight, self.pos_label)
        self.weights_ = _run(labels, w, groups)
        base = np.ones(len(labels)) if w is None else w
        factors = np.full((len(groups), 2), np.nan)
        cell = groups.ids.astype(np.int64) * 2 + labels
        has = base > 0
        factors.reshape(-1)[cell[has]] = self.weights_[has] / base[has]
        self.groups_ = list(groups.names)
        self.sensitive_features_ = list(groups.columns)
        self._factors = factors
        if pd is not None:
            self.factors_ = pd.DataFrame(factors, index=pd.Index(self.groups_, name="group"),
                                         columns=[0, 1])
        else:
            self.factors_ = factors
        return self

    def transform(self, y, *, sensitive_features, sample_weight=None):
        labels, w, groups = _inputs(y, sensitive_features, sample_weight, self.pos_label)
        index = {name: k for k, name in enumerate(self.groups_)}
        unseen = [name for name in groups.names if name not in index]
        if unseen:
            raise ValueError(f"group {unseen[0]!r} was not seen by fit")
        lut = np.array([index[name] for name in groups.names], dtype=np.int64)
        factor = self._factors[lut[groups.ids], labels]
        if np.isnan(factor).any():
            raise ValueError("a row's (group, label) cell had no weight at fit")
        return factor if w is None else factor * w

    def fit_transform(self, y, *, sensitive_features, sample_weight=None):
        return self.fit(y, sensitive_features=sensitive_features,
                        sample_weight=sample_weight).weights_


class CorrelationRemover(TransformerMixin, BaseEstimator):
    """Fairlearn's CorrelationRemover (SPEC §10.2), fitted in C by fairc_decorrelate_arrays:
    the columns of X other than the sensitive ones lose their linear correlation with them.
    With S the sensitive columns centred by their (weighted) means sbar, fit finds
    W* = argmin sum_i w_i ||z_i - (s_i - sbar) W*||^2 (a pseudo-inverse when S is rank
    deficient); transform returns alpha (z - (s - sbar) W*) + (1 - alpha) z for the other
    columns, in order; the sensitive columns are dropped.

    Parameters: sensitive_feature_ids (column names of a DataFrame, or column positions),
    alpha (in [0, 1]).
    Fitted: beta_ (K, J): W*, sensitive_mean_ (K): sbar, sensitive_ids_ and other_ids_ (the
    positions), n_features_in_ (and feature_names_in_ for a DataFrame).

    Differences from Fairlearn 0.9.0: each sensitive column is centred by its own mean (Fairlearn
    subtracts the mean of all their entries, one number, which leaves correlation behind when
    there are several columns of different means); sample_weight is accepted; fit_transform
    returns the C side's output directly.
    """

    # scikit-learn's checks cannot construct one without it (as Fairlearn's, it is required)
    _required_parameters = ["sensitive_feature_ids"]

    def __init__(self, *, sensitive_feature_ids, alpha=1.0):
        self.sensitive_feature_ids = sensitive_feature_ids
        self.alpha = alpha

    def _positions(self, names, D):
        """Positions of the sensitive columns among D, by name (names: a DataFrame's columns)
        or by position."""
        ids = self.sensitive_feature_ids
        if ids is None:
            raise ValueError("sensitive_feature_ids is required: the sensitive columns' names "
                             "or positions")
        if isinstance(ids, (str, numbers.Integral)):
            ids = [ids]
        positions = []
        for c in ids:
            if names is not None:
                if c not in names:
                    raise ValueError(f"sensitive feature {c!r} is not a column of X")
                k = names.index(c)
            else:
                if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not -D <= c < D:
                    raise ValueError(f"sensitive feature id {c!r} is not a column position of "
                                     f"X ({D} columns); give positions, or pass a DataFrame "
                                     "to use names")
                k = int(c) % D
            if k in positions:
                raise ValueError(f"sensitive feature {c!r} is listed twice")
            positions.append(k)
        return positions

    def _split(self, X, reset):
        names = list(X.columns) if pd is not None and isinstance(X, pd.DataFrame) else None
        X = self._validate_data(X, reset=reset, dtype=np.float64, order="C")
        if reset:
            positions = self._positions(names, X.shape[1])
            self.sensitive_ids_ = np.array(positions, dtype=np.intp)
            self.other_ids_ = np.array([j for j in range(X.shape[1]) if j not in positions],
                                       dtype=np.intp)
        S = np.ascontiguousarray(X[:, self.sensitive_ids_])
        Z = np.ascontiguousarray(X[:, self.other_ids_])
        return Z, S

    def _check_alpha(self):
        alpha = _real("alpha", self.alpha)
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be a number in [0, 1]; got {self.alpha!r}")
        return alpha

    def _decorrelate(self, Z, S, w, alpha):
        """Z transformed in place by libfairc (fit and apply on the same rows)."""
        _lib.require("fairc_decorrelate_arrays")
        _lib.call(_lib.lib.fairc_decorrelate_arrays, Z.shape[0], Z.shape[1],
                  _lib.ptr(Z, ctypes.c_double), S.shape[1], _lib.ptr(S, ctypes.c_double),
                  _lib.ptr(w, ctypes.c_double), alpha)
        return Z

    def _fit(self, X, sample_weight, alpha):
        """Fits; returns the training rows transformed with alpha by the C side."""
        self._check_alpha()
        Z, S = self._split(X, reset=True)
        w = None
        if sample_weight is not None:
            w = np.ascontiguousarray(_check_sample_weight(sample_weight, Z, dtype=np.float64))
        out = self._decorrelate(Z.copy(), S, w, 1.0)
        W = float(w.sum()) if w is not None else float(len(S))
        self.sensitive_mean_ = (S.T @ w / W if w is not None else S.mean(axis=0)) if S.shape[1] \
            else np.zeros(0)
        # The C side returns z* = z - (s - sbar) W*: W* is the minimum-norm solution of
        # (S - sbar) W* = z - z* (exact: the shift lies in the span of the centred columns, and
        # the pseudo-inverse's W* lies in their row space, as the minimum-norm solution does).
        shift = Z - out
        if S.shape[1] and Z.shape[1]:
            self.beta_ = np.linalg.lstsq(S - self.sensitive_mean_, shift, rcond=None)[0]
        else:
            self.beta_ = np.zeros((S.shape[1], Z.shape[1]))
        return out if alpha == 1 else alpha * out + (1 - alpha) * Z

    def fit(self, X, y=None, sample_weight=None):
        """Learns W* on X (an array or DataFrame; its sensitive columns numbers, e.g. 0/1
        indicators) with optional sample weights. y is ignored."""
        self._fit(X, sample_weight, 1.0)
        return self

    def fit_transform(self, X, y=None, sample_weight=None):
        """fit, then the training rows transformed (computed by libfairc in one pass)."""
        return self._fit(X, sample_weight, self._check_alpha())

    def transform(self, X):
        """The non-sensitive columns of X, decorrelated with the fitted projection and blended
        with alpha: (n_samples, n_features_in_ - len(sensitive_feature_ids))."""
        check_is_fitted(self)
        alpha = self._check_alpha()
        Z, S = self._split(X, reset=False)
        return Z - alpha * ((S - self.sensitive_mean_) @ self.beta_)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(self, "feature_names_in_",
                                     [f"x{j}" for j in range(self.n_features_in_)])
        return np.asarray([input_features[j] for j in self.other_ids_], dtype=object)
