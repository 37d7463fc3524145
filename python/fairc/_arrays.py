"""Turning what users pass (NumPy arrays, pandas Series/DataFrames, lists) into the contiguous,
typed arrays libfairc reads through pointers, copying only when the dtype or the memory layout
requires it. Every problem is a ValueError (or TypeError for a type that cannot be data) that
names the argument.
"""
import numpy as np

try:
    import pandas as pd
except ImportError:  # pandas is optional for arrays-only use
    pd = None


def is_pandas(obj):
    return pd is not None and isinstance(obj, (pd.Series, pd.DataFrame, pd.Index))


def column(values, name):
    """A 1-D NumPy array view of values (a Series, a list, an (n,) or (n, 1) array)."""
    if values is None:
        raise ValueError(f"{name} is required")
    if pd is not None and isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(f"{name} must be one column; got a DataFrame of {values.shape[1]}")
        values = values.iloc[:, 0]
    if pd is not None and isinstance(values, (pd.Series, pd.Index)):
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        values = values.to_numpy()
    a = np.asarray(values)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {a.shape}")
    if a.dtype.kind == "c":
        raise ValueError(f"{name} is complex; fairc needs real numbers")
    return a


def check_length(a, n, name):
    if len(a) != n:
        raise ValueError(f"{name} has {len(a)} rows; expected {n} (the length of the first "
                         "array)")


def contiguous(a, dtype):
    """a itself when it already has dtype and is C-contiguous (no copy), else a converted copy."""
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=dtype)


def _is_finite_number(a):
    return a.dtype.kind in "biuf"


def binary(values, name, pos_label=None, n=None):
    """Labels or decisions as uint8 0/1 (SPEC §1.2): with pos_label (a value or a list), 1 where
    the value is one of them; else the values must be 0/1, -1/1 or False/True. A uint8 or bool
    array that is contiguous is used without a copy (libfairc rejects values above 1)."""
    a = column(values, name)
    if n is not None:
        check_length(a, n, name)
    if pos_label is not None:
        pos = list(pos_label) if isinstance(pos_label, (list, tuple, set, np.ndarray)) else [pos_label]
        out = np.isin(a, pos)
        if len(a) and not out.any():
            seen = _some_values(a)
            raise ValueError(f"no value of {name} equals pos_label {pos!r}; values seen: {seen}")
        return out.view(np.uint8)
    if a.dtype == np.uint8:
        return contiguous(a, np.uint8)
    if a.dtype == np.bool_:
        return contiguous(a, np.bool_).view(np.uint8)
    if a.dtype.kind == "O" or a.dtype.kind in "US":
        a = _text_to_numbers(a, name)
    if not _is_finite_number(a):
        raise ValueError(f"{name} has dtype {a.dtype}; fairc needs 0/1, -1/1 or False/True "
                         "(or pos_label=...)")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity")
    is1 = a == 1
    if (is1 | (a == 0)).all():
        return is1.view(np.uint8)
    if (is1 | (a == -1)).all():
        return is1.view(np.uint8)
    raise ValueError(f"{name} has values {_some_values(a)}: fairc takes 0/1, -1/1 or False/True "
                     "without pos_label; say which value is positive with pos_label=...")


def _text_to_numbers(a, name):
    """Object/string labels: 'true'/'false' (any case), or numbers written as text."""
    flat = [v.decode() if isinstance(v, bytes) else v for v in a.tolist()]
    lowered = [v.strip().lower() if isinstance(v, str) else v for v in flat]
    if all(v in ("true", "false") for v in lowered):
        return np.array([v == "true" for v in lowered], dtype=np.uint8)
    try:
        out = np.array([float(v) for v in flat], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} has values {_some_values(a)}: fairc takes 0/1, -1/1 or "
                         "False/True without pos_label; say which value is positive with "
                         "pos_label=...") from None
    return out


def _some_values(a, k=5):
    seen = []
    for v in a[: min(len(a), 100000)].tolist():
        if v not in seen:
            seen.append(v)
            if len(seen) == k:
                break
    return seen


def float64(values, name, n=None):
    """A contiguous float64 column (weights, scores); used without a copy when it already is."""
    a = column(values, name)
    if n is not None:
        check_length(a, n, name)
    if a.dtype.kind not in "biuf":
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold numbers; got dtype {a.dtype}") from None
    return contiguous(a, np.float64)


def n_threads(n_jobs):
    """scikit-learn's n_jobs convention: None -> 1, -1 -> every CPU, k -> k."""
    import os
    if n_jobs is None:
        return 1
    n_jobs = int(n_jobs)
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, -1 or a positive number")
    return n_jobs
