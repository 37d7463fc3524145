"""scikit-learn estimators trained by libfairc: LogisticRegression and MLPClassifier.

They follow scikit-learn's conventions (when scikit-learn is installed they derive from its
BaseEstimator and ClassifierMixin, so clone, pipelines, grid searches and Fairlearn's reductions
take them): __init__ only stores parameters, fit(X, y, sample_weight=None) returns self,
fitted attributes end in `_` (classes_, n_features_in_, predictor_, ...), and a pickle holds the
model file's bytes.

Labels: any two values; classes_ holds them sorted and classes_[1] is the positive class.
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
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, check_random_state
    HAVE_SKLEARN = True
except ImportError:  # a minimal stand-in: parameters, validation, accuracy score
    HAVE_SKLEARN = False
    from ._sklearn_compat import (BaseEstimator, ClassifierMixin, _check_sample_weight,  # noqa: F401
                                  check_classification_targets, check_is_fitted,
                                  check_random_state)

__all__ = ["LogisticRegression", "MLPClassifier"]


class _FaircClassifier(ClassifierMixin, BaseEstimator):
    """Shared fit/predict over a libfairc predictor; subclasses fill the train options."""

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

    def fit(self, X, y, sample_weight=None):
        """Trains on X (n_samples, n_features) and y (two classes), with optional weights."""
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
        opts = _lib.TrainOptions()
        _lib.lib.fairc_train_options_init(ctypes.byref(opts))
        opts.label = b"y"
        opts.threads = self._threads()
        self._train_options(opts)
        predictor, info = Predictor.train(X, y_index.astype(np.float64), w, opts)
        self.classes_ = classes
        self.predictor_ = predictor
        self.n_iter_ = int(info.iterations)
        self.converged_ = bool(info.converged)
        self.train_loss_ = float(info.train_loss)
        return self

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

    def save_model(self, path):
        """Writes the fitted model as a fairc model file (`fairc predict`, `fairc inspect`).
        Its features are the columns x0..x{D-1} of a CSV, in the order of X."""
        check_is_fitted(self)
        self.predictor_.save(path)

    def _more_tags(self):
        return {"binary_only": True}


def _check_positive(name, value, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {what} > 0; got {value!r}")


class LogisticRegression(_FaircClassifier):
    """L2-regularised logistic regression with scikit-learn's objective,
    ||coef||^2 / (2 C) + sum_i w_i logloss_i (intercept not penalised), solved to the optimum in C
    by trust-region Newton; the same model as `fairc train --model logistic`.

    Parameters: C (inverse regularisation strength > 0), n_jobs (threads; None: OpenMP's
    default; results do not depend on it).
    Fitted: classes_, coef_ (1, n_features), intercept_ (1,), n_iter_ (Newton iterations),
    converged_, n_features_in_, predictor_.
    """

    def __init__(self, C=1.0, n_jobs=None):
        self.C = C
        self.n_jobs = n_jobs

    def _train_options(self, opts):
        _check_positive("C", self.C)
        opts.learner = _lib.LEARNER_LOGISTIC
        opts.C = float(self.C)

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        params = self.predictor_.params()
        self.coef_ = params[:-1].reshape(1, -1)
        self.intercept_ = params[-1:].copy()
        return self


class MLPClassifier(_FaircClassifier):
    """A multilayer perceptron (ReLU hidden layers, one logit output) trained by mini-batch Adam
    on the weighted binary cross-entropy; the same model as `fairc train --model mlp:64,...`.

    Parameters: hidden (layer sizes), epochs, batch_size, lr, beta1, beta2, eps (Adam),
    weight_decay (decoupled, AdamW), random_state (an int is fairc's seed, so `fairc train
    --seed S` gives the same model as random_state=S; None draws one), n_jobs.
    Fitted: classes_, coefs_ and intercepts_ (per layer, (in, out) and (out,) as scikit-learn's
    MLPClassifier), n_iter_ (epochs), n_features_in_, predictor_.
    """

    def __init__(self, hidden=(64,), epochs=20, batch_size=256, lr=1e-3, beta1=0.9,
                 beta2=0.999, eps=1e-8, weight_decay=0.0, random_state=0, n_jobs=None):
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

    def _hidden(self):
        hidden = (self.hidden,) if isinstance(self.hidden, numbers.Integral) else tuple(self.hidden)
        if not 1 <= len(hidden) <= _lib.MAX_HIDDEN:
            raise ValueError(f"hidden must list 1 to {_lib.MAX_HIDDEN} layer sizes; got {self.hidden!r}")
        for h in hidden:
            _check_positive("each hidden layer size", h, integer=True)
        return hidden

    def _seed(self):
        rs = self.random_state
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            if rs < 0:
                raise ValueError(f"random_state must be >= 0; got {rs}")
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _train_options(self, opts):
        hidden = self._hidden()
        _check_positive("epochs", self.epochs, integer=True)
        _check_positive("batch_size", self.batch_size, integer=True)
        _check_positive("lr", self.lr)
        opts.learner = _lib.LEARNER_MLP
        opts.n_hidden = len(hidden)
        for k, h in enumerate(hidden):
            opts.hidden[k] = int(h)
        opts.epochs = int(self.epochs)
        opts.batch = int(self.batch_size)
        opts.lr = float(self.lr)
        opts.beta1, opts.beta2 = float(self.beta1), float(self.beta2)
        opts.adam_eps = float(self.eps)
        opts.weight_decay = float(self.weight_decay)
        opts.seed = self._seed()
        bad = _lib.lib.fairc_train_options_check(ctypes.byref(opts))
        if bad:
            raise ValueError(bad.decode())

    def _more_tags(self):
        # The defaults are fairc's (and FairTorch's) for tables of thousands of rows: 20 epochs of
        # 256-row batches. On scikit-learn's 200-row check that is 20 Adam steps, too few to pass
        # its 0.83 training-accuracy bar (50 epochs reach 0.95; python/tests checks it).
        return {"binary_only": True, "poor_score": True}

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        params = self.predictor_.params()
        widths = [self.n_features_in_, *self._hidden(), 1]
        self.coefs_, self.intercepts_, at = [], [], 0
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            self.coefs_.append(params[at:at + n_in * n_out].reshape(n_out, n_in).T.copy())
            at += n_in * n_out
            self.intercepts_.append(params[at:at + n_out].copy())
            at += n_out
        return self
