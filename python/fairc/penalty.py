"""Fairness terms of one mini-batch on NumPy arrays, each computed with its gradient by one C call
(fairc_batch_penalty, fairc_batch_moment). fairc.torch wraps them as autograd Functions; they
work without PyTorch too, for any training loop that hands out logits and takes gradients.

    P, dz = penalty("dp", z, group, n_groups=3, alpha=100)            # SPEC §5
    gamma, gamma_hard, mask, dz = moment("eo", z, group, 2, y=y, coef=lam)   # SPEC §4.1, §6

z are logits (f = sigmoid(z) is the soft prediction), group ids in [0, n_groups), y labels 0/1
(needed by every constraint but "dp"), w optional weights >= 0. The arrays are read in place when
they are C-contiguous float64 (int32 for group).
"""
import ctypes

import numpy as np

from . import _arrays, _lib

__all__ = ["penalty", "moment", "n_running", "n_constraints", "CONSTRAINTS"]

CONSTRAINTS = tuple(_lib.CONSTRAINTS)


def kind(constraint):
    """libfairc's FAIRC_CONSTRAINT_* code of a constraint name."""
    return _kind(constraint)


def _kind(constraint):
    try:
        return _lib.CONSTRAINTS[constraint]
    except KeyError:
        raise ValueError(f"constraint must be one of {', '.join(CONSTRAINTS)}; got "
                         f"{constraint!r}") from None


def _events(constraint):
    return 2 if constraint == "eo" else 1


def n_running(constraint, n_groups):
    """Length of the running-sums buffer for momentum: 2 (E G + E)."""
    E = _events(constraint)
    return 2 * (E * n_groups + E)


def n_constraints(constraint, n_groups):
    """K = 2 E G: sign + then -, events (all | label=0, label=1), groups."""
    return 2 * _events(constraint) * n_groups


def _batch(z, group, y, w):
    z = _arrays.float64(z, "z")
    n = len(z)
    g = _arrays.column(group, "group")
    _arrays.check_length(g, n, "group")
    if g.dtype.kind not in "iu":
        raise ValueError(f"group must hold integer ids; got dtype {g.dtype}")
    g = _arrays.contiguous(g, np.int32)
    y = None if y is None else _arrays.float64(y, "y", n)
    w = None if w is None else _arrays.float64(w, "w", n)
    return n, z, g, y, w


def raw_penalty(kind, n, z, y, w, group, n_groups, alpha, p, tol, momentum, running, commit,
                dz):
    """fairc_batch_penalty on addresses (ints or None) of C-contiguous data: z, y, w, dz float64,
    group int32, running float64. Returns P; libfairc checks every value."""
    value = ctypes.c_double()
    _lib.call(_lib.lib.fairc_batch_penalty, kind, n, z, y, w, group, n_groups, alpha, p, tol,
              momentum, running, commit, ctypes.byref(value), dz)
    return value.value


def raw_moment(kind, n, z, y, w, group, n_groups, coef, soft, hard, mask, dz):
    """fairc_batch_moment on addresses, as raw_penalty."""
    _lib.call(_lib.lib.fairc_batch_moment, kind, n, z, y, w, group, n_groups, coef, soft, hard,
              mask, dz)


def penalty(constraint, z, group, n_groups, *, y=None, w=None, alpha=1.0, p=2.0, tol=0.0,
            momentum=0.0, running=None, commit=True, grad=True):
    """(P, dP/dz) of SPEC §5.1 on one batch: P = alpha sum_c relu(|d_c| - tol)^p over the cells
    c = (event, group) with weight in the batch, d_c = mu_c - mu_event. p may be float('inf').
    With momentum > 0, `running` (float64, n_running(...) values, zeros at the start) holds the
    running sums of SPEC §5.3, updated when commit is true."""
    kind = _kind(constraint)
    n, z, g, y, w = _batch(z, group, y, w)
    if momentum:
        size = n_running(constraint, n_groups)
        if (running is None or not isinstance(running, np.ndarray) or running.dtype != np.float64
                or running.shape != (size,) or not running.flags.c_contiguous
                or not running.flags.writeable):
            raise ValueError(f"momentum needs `running`, a writable float64 array of {size}")
    dz = np.empty(n, dtype=np.float64) if grad else None
    P = raw_penalty(kind, n, _lib.addr(z), _lib.addr(y), _lib.addr(w), _lib.addr(g),
                    int(n_groups), float(alpha), float(p), float(tol), float(momentum),
                    _lib.addr(running) if momentum else None, 1 if commit else 0, _lib.addr(dz))
    return P, dz


def moment(constraint, z, group, n_groups, *, y=None, w=None, coef=None):
    """(gamma_soft, gamma_hard, mask, dz) of SPEC §4.1's K = 2 E G constraints on one batch:
    gamma at f = sigmoid(z) and at the decisions 1[z > 0], mask (bool) where the cell and its
    event have weight in the batch, and dz = d(coef . gamma_soft)/dz (None without coef)."""
    kind = _kind(constraint)
    n, z, g, y, w = _batch(z, group, y, w)
    K = n_constraints(constraint, n_groups)
    if coef is not None:
        coef = _arrays.float64(coef, "coef")
        if len(coef) != K:
            raise ValueError(f"coef has {len(coef)} values; the moment has {K} constraints")
    soft, hard = np.empty(K), np.empty(K)
    mask = np.empty(K, dtype=np.uint8)
    dz = np.empty(n) if coef is not None else None
    raw_moment(kind, n, _lib.addr(z), _lib.addr(y), _lib.addr(w), _lib.addr(g), int(n_groups),
               _lib.addr(coef), _lib.addr(soft), _lib.addr(hard), _lib.addr(mask), _lib.addr(dz))
    return soft, hard, mask.view(bool), dz
