"""What fairc's estimators take from scikit-learn, for machines without it: parameters through
get_params/set_params, input validation (n_features_in_, finite values), accuracy as score.
With scikit-learn installed, fairc.estimators uses scikit-learn's own classes instead."""
import inspect
import numbers

import numpy as np


class NotFittedError(ValueError, AttributeError):
    pass


class BaseEstimator:
    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
            setattr(self, key, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _validate_data(self, X, y=None, reset=True, dtype=np.float32, order="C"):
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"X must hold numbers; got dtype {X.dtype}")
        X = np.ascontiguousarray(X, dtype=dtype)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D X; got shape {X.shape}")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X of shape {X.shape} has no data")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinity")
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        if y is None:
            return X
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-D with {len(X)} rows; got shape {y.shape}")
        return X, y


class ClassifierMixin:
    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None):
        return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))


def check_classification_targets(y):
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity")
        if not np.all(y == np.round(y)):
            raise ValueError("Unknown label type: continuous")


def check_is_fitted(estimator):
    if not any(k.endswith("_") and not k.startswith("__") for k in vars(estimator)):
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet; "
                             "call fit first")


def check_random_state(seed):
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral):
        return np.random.RandomState(seed)
    return seed


def _check_sample_weight(sample_weight, X, dtype=np.float64):
    w = np.ascontiguousarray(np.asarray(sample_weight, dtype=dtype).reshape(-1))
    if w.shape != (len(X),):
        raise ValueError(f"sample_weight has shape {w.shape}; expected ({len(X)},)")
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity")
    return w
