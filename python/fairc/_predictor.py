"""A trained libfairc predictor (fairc_predictor *) owned by Python: training from arrays,
probabilities, raw scores, parameters, and pickling through the model file's bytes (SPEC §11),
so a pickle holds exactly what `fairc predict MODEL` would read.
"""
import contextlib
import ctypes
import json
import os
import signal
import threading

import numpy as np

from . import _lib


@contextlib.contextmanager
def _interruptible(options):
    """While libfairc runs (without the GIL, so Python cannot raise KeyboardInterrupt), a
    SIGINT only sets a flag that the progress callback returns, which cancels the C side
    (FAIRC_ECANCEL, raised as KeyboardInterrupt); a SIGINT that arrives after the last progress
    point is raised when the call returns. Only in the main thread, with Python's default
    handler in place."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    hit = []
    callback = _lib.PROGRESS_FN(lambda user, fraction, what: 1 if hit else 0)
    options.progress = callback
    previous = signal.signal(signal.SIGINT, lambda signum, frame: hit.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        options.progress = _lib.PROGRESS_FN()
    if hit:
        raise KeyboardInterrupt


class Predictor:
    """Owns one fairc_predictor; freed with the object. Pickles as its model-file bytes."""

    def __init__(self, handle):
        if not handle:
            raise ValueError("no predictor")
        self._handle = ctypes.c_void_p(handle)

    # -- making one -----------------------------------------------------------------------------

    @classmethod
    def train(cls, X, y, w, options):
        """fairc_train_arrays on X (float32, C-contiguous, (N, D)), y and w (float64 or None).
        Ctrl-C stops the training at its next progress point (epoch, Newton iteration)."""
        if X.dtype != np.float32 or not X.flags.c_contiguous or X.ndim != 2:
            raise ValueError("X must be a C-contiguous float32 matrix")
        out = ctypes.c_void_p()
        info = _lib.TrainInfo()
        with _interruptible(options):
            _lib.call(_lib.lib.fairc_train_arrays, _lib.ptr(X, ctypes.c_float), X.shape[0],
                      X.shape[1], _lib.ptr(y, ctypes.c_double), _lib.ptr(w, ctypes.c_double),
                      ctypes.byref(options), ctypes.byref(out), ctypes.byref(info))
        return cls(out.value), info

    @classmethod
    def from_bytes(cls, data, name="(bytes)"):
        """Loads a model file held in memory (checked like any untrusted file)."""
        data = bytes(data)
        out = ctypes.c_void_p()
        _lib.call(_lib.lib.fairc_predictor_load_memory, data, len(data), name.encode(),
                  ctypes.byref(out))
        return cls(out.value)

    def to_bytes(self):
        """The model file's bytes (what `fairc train -o` writes)."""
        buf, n = ctypes.c_void_p(), ctypes.c_size_t()
        _lib.call(_lib.lib.fairc_predictor_serialize, self._handle, ctypes.byref(buf),
                  ctypes.byref(n))
        return _lib.take_bytes(buf.value, n.value)

    def save(self, path):
        """Writes the model file to path atomically; `fairc predict/audit --model` read it."""
        _lib.call(_lib.lib.fairc_predictor_save, self._handle, os.fsencode(path))

    @classmethod
    def load(cls, path):
        """Reads a model file written by `fairc train` or `save`."""
        out = ctypes.c_void_p()
        _lib.call(_lib.lib.fairc_predictor_load, os.fsencode(path), ctypes.byref(out))
        return cls(out.value)

    def __reduce__(self):
        return (Predictor.from_bytes, (self.to_bytes(), "(pickle)"))

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h and _lib is not None and getattr(_lib, "lib", None) is not None:
            _lib.lib.fairc_predictor_free(ctypes.byref(h))

    # -- using it -------------------------------------------------------------------------------

    @property
    def width(self):
        """The number of features the predictor reads."""
        return _lib.lib.fairc_predictor_width(self._handle)

    def _check(self, X):
        if X.dtype != np.float32 or not X.flags.c_contiguous or X.ndim != 2:
            raise ValueError("X must be a C-contiguous float32 matrix")
        if X.shape[1] != self.width:
            raise ValueError(f"X has {X.shape[1]} features; the model reads {self.width}")

    def predict(self, X):
        """P(positive decision) of each row (regression: the prediction)."""
        self._check(X)
        out = np.empty(X.shape[0], dtype=np.float64)
        _lib.call(_lib.lib.fairc_predictor_predict, self._handle, _lib.ptr(X, ctypes.c_float),
                  X.shape[0], _lib.ptr(out, ctypes.c_double))
        return out

    def predict_opt(self, X, seed=0, expected=False):
        """fairc_predictor_predict_opt on X without groups: a regression mixture gives each row
        the member its u picks (u hashed from the row's features and "all" with seed, as
        `fairc predict --seed S` does), or with expected the mean sum_h Q_h h(x). libfairc
        refuses expected for a classifier or a single model (ValueError with its message)."""
        _lib.require("fairc_predict_options", "fairc_predict_options_init",
                     "fairc_predictor_predict_opt")
        self._check(X)
        o = _lib.PredictOptions()
        _lib.lib.fairc_predict_options_init(ctypes.byref(o))
        o.seed = seed
        o.expected = 1 if expected else 0
        out = np.empty(X.shape[0], dtype=np.float64)
        _lib.call(_lib.lib.fairc_predictor_predict_opt, self._handle, _lib.ptr(X, ctypes.c_float),
                  None, None, None, X.shape[0], ctypes.byref(o), _lib.ptr(out, ctypes.c_double))
        return out

    def decision(self, X):
        """Raw scores (logits) of a single model; ValueError for a mixture."""
        self._check(X)
        out = np.empty(X.shape[0], dtype=np.float64)
        _lib.call(_lib.lib.fairc_predictor_decision, self._handle, _lib.ptr(X, ctypes.c_float),
                  X.shape[0], _lib.ptr(out, ctypes.c_double))
        return out

    def params(self):
        """A copy of a single model's parameter buffer (layout in include/fairc.h)."""
        p, n = _lib.c_double_p(), ctypes.c_size_t()
        _lib.call(_lib.lib.fairc_predictor_params, self._handle, ctypes.byref(p), ctypes.byref(n))
        return np.ctypeslib.as_array(p, shape=(n.value,)).copy()

    def describe(self):
        """What `fairc inspect --json` prints, as a dict."""
        text = ctypes.c_void_p()
        _lib.call(_lib.lib.fairc_predictor_describe, self._handle, 1, ctypes.byref(text))
        return json.loads(_lib.take_string(text.value))
