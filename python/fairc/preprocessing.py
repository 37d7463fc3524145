"""Reweighing (Kamiran & Calders; AIF360's; SPEC §10.1), computed in C by fairc_reweigh_arrays:
weights under which the labels and the groups are independent, with the total weight kept.

    w = fairc.preprocessing.reweigh(y, sensitive_features=s, sample_weight=w0)
    clf.fit(X, y, sample_weight=w)

    rw = fairc.Reweighing().fit(y, sensitive_features=s)
    rw.factors_                   # one factor per (group, label): W_g W_y / (W W_gy)
    rw.transform(y_new, sensitive_features=s_new)   # the fitted factors applied to other rows
"""
import ctypes

import numpy as np

from . import _arrays, _groups, _lib

try:
    import pandas as pd
except ImportError:
    pd = None

__all__ = ["reweigh", "Reweighing"]


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
