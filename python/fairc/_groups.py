"""Group ids from sensitive features, with fairc's names and order (SPEC §1.5, §1.6).

A row's group is the tuple of its values over the sensitive columns, named `col=value` joined by
`,` (with `\\`, `,` and `=` escaped by `\\`), exactly as `fairc audit --sensitive a,b` names it.
Only occurring groups are listed. Levels of one column sort numerically when every non-missing
value is a finite number (ties by text), else by their UTF-8 bytes; a missing value (None, NaN,
pd.NA) is the level `?`, last. Intersections sort by their per-column ranks, first column most
significant. The order does not depend on the order of the rows.

The ids are int32 in [0, G). A single int32 column already holding every id 0..G-1 is used as is,
without a copy; small integer ranges are ranked with a counting pass, not a sort.
"""
import math

import numpy as np

from ._arrays import column, pd

# Integer columns whose value range is at most this wide are ranked by counting.
_COUNTING_RANGE = 1 << 24


class Groups:
    """ids (int32, n), names (G), columns (k), levels (G tuples of k level texts), and the number
    of rows whose value was missing, per column."""

    def __init__(self, ids, names, columns, levels, missing):
        self.ids, self.names, self.columns = ids, names, columns
        self.levels, self.missing = levels, missing

    def __len__(self):
        return len(self.names)


def escape(text):
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _columns(sensitive_features):
    """[(name, 1-D values)] of every sensitive column: a DataFrame's columns, a dict's items, the
    columns of a 2-D array, or one column (a Series, a 1-D array, a list)."""
    sf = sensitive_features
    if pd is not None and isinstance(sf, pd.DataFrame):
        return [(str(c), sf[c]) for c in sf.columns]
    if pd is not None and isinstance(sf, pd.Series):
        return [(str(sf.name) if sf.name is not None else "sensitive_feature_0", sf)]
    if isinstance(sf, dict):
        return [(str(k), v) for k, v in sf.items()]
    if isinstance(sf, np.ndarray) and sf.ndim == 2:
        return [(f"sensitive_feature_{j}", sf[:, j]) for j in range(sf.shape[1])]
    return [("sensitive_feature_0", sf)]


def _level_text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def _finite_number(text):
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _order(texts):
    """Ranks of level texts in fairc order (numeric if all are finite numbers, else bytes)."""
    nums = [_finite_number(t) for t in texts]
    if all(x is not None for x in nums):
        keys = [(x, t.encode()) for x, t in zip(nums, texts)]
    else:
        keys = [t.encode() for t in texts]
    order = sorted(range(len(texts)), key=keys.__getitem__)
    return order


def _is_missing(v):
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return math.isnan(v)
    return pd is not None and v is pd.NA or (pd is not None and v is pd.NaT)


def _encode_integers(a):
    """(codes int64 or the input itself, level texts, 0) for an integer/bool column."""
    if a.dtype == np.bool_:
        codes = a.view(np.uint8)
        present = [v for v in (0, 1) if (codes == v).any()]
        if present == [1]:
            codes = np.zeros(len(a), dtype=np.int64)
        return codes, [str(bool(v)) for v in present], 0
    lo, hi = (int(a.min()), int(a.max())) if len(a) else (0, -1)
    if lo == 0 and hi < 4096 and np.bincount(a[:65536], minlength=hi + 1).all():
        # every id 0..hi occurs among the first rows: they are their own ranks (no pass over all)
        return a, [str(v) for v in range(hi + 1)], 0
    if hi - lo < _COUNTING_RANGE:
        shifted = a - lo if lo != 0 else a
        counts = np.bincount(shifted.astype(np.intp, copy=False), minlength=hi - lo + 1)
        present = np.flatnonzero(counts)
        values = present + lo
        if len(present) == hi - lo + 1 and lo == 0:
            codes = a  # already ranks 0..G-1
        else:
            lut = np.full(hi - lo + 1, -1, dtype=np.int64)
            lut[present] = np.arange(len(present))
            codes = lut[shifted]
    else:
        values, codes = np.unique(a, return_inverse=True)
    return codes, [str(int(v)) for v in values.tolist()], 0


def _encode_floats(a):
    nan = np.isnan(a)
    n_missing = int(nan.sum())
    finite = np.isfinite(a[~nan]).all() if n_missing < len(a) else True
    values, codes = np.unique(np.where(nan, 0.0, a) if n_missing else a, return_inverse=True)
    texts = [repr(float(v)) for v in values.tolist()]
    codes = codes.astype(np.int64)
    if n_missing:
        # values may contain the 0.0 placeholder only because of NaN rows
        used = np.bincount(codes[~nan], minlength=len(values)) > 0
        keep = np.flatnonzero(used)
        lut = np.full(len(values), -1, dtype=np.int64)
        lut[keep] = np.arange(len(keep))
        codes = lut[codes]
        codes[nan] = -1
        texts = [texts[k] for k in keep.tolist()]
    if not finite:
        return _reorder(codes, texts, n_missing)
    return codes, texts, n_missing


def _encode_objects(values):
    """Any other column (strings, objects, categoricals): factorise, then sort the levels."""
    if pd is not None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
        codes = codes.astype(np.int64, copy=False)
    else:
        a = np.asarray(values, dtype=object)
        miss = np.array([_is_missing(v) for v in a.tolist()], dtype=bool)
        texts_all = np.array([_level_text(v) for v in a.tolist()], dtype=object)
        uniques, inv = np.unique(texts_all[~miss], return_inverse=True) if (~miss).any() else ([], [])
        codes = np.full(len(a), -1, dtype=np.int64)
        codes[~miss] = inv
        uniques = list(uniques)
    texts = [_level_text(v) for v in uniques]
    n_missing = int((codes < 0).sum())
    # different objects may print alike (1 and "1"): they are one level
    index = {}
    lut = np.array([index.setdefault(t, len(index)) for t in texts], dtype=np.int64)
    if len(index) != len(texts):
        codes = np.where(codes >= 0, lut[np.maximum(codes, 0)], -1)
        texts = list(index)
    return _reorder(codes, texts, n_missing)


def _reorder(codes, texts, n_missing):
    order = _order(texts)
    rank = np.empty(len(texts), dtype=np.int64)
    rank[order] = np.arange(len(texts))
    if n_missing:
        codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
    else:
        codes = rank[codes]
    return codes, [texts[k] for k in order], n_missing


def _encode_column(values, name, n):
    """(codes in [0, L) with the missing level last, level texts, rows missing)."""
    if pd is not None and isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array
        used = np.bincount(cat.codes[cat.codes >= 0].astype(np.intp), minlength=len(cat.categories))
        keep = np.flatnonzero(used)
        texts = [_level_text(cat.categories[k]) for k in keep.tolist()]
        lut = np.full(len(cat.categories) + 1, -1, dtype=np.int64)
        lut[keep] = np.arange(len(keep))
        codes = lut[cat.codes.astype(np.int64)]  # -1 indexes the last entry, -1
        n_missing = int((cat.codes < 0).sum())
        codes, texts, n_missing = _reorder(codes, texts, n_missing)
    elif pd is not None and isinstance(values, pd.Series) and not (
            isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf"):
        codes, texts, n_missing = _encode_objects(values)  # strings, nullable dtypes
    else:
        a = column(values, name)
        if a.dtype.kind in "biu":
            codes, texts, n_missing = _encode_integers(a)
        elif a.dtype.kind == "f":
            codes, texts, n_missing = _encode_floats(a)
        else:
            codes, texts, n_missing = _encode_objects(a)
    if len(codes) != n:
        raise ValueError(f"sensitive feature {name!r} has {len(codes)} rows; expected {n}")
    if n_missing:
        codes = np.where(codes < 0, len(texts), codes)
        texts = texts + ["?"]
    return codes, texts, n_missing


def encode(sensitive_features, n, missing="level"):
    """Groups of n rows. missing: 'level' (a level `?`), 'error' (ValueError), or 'drop' (the
    caller drops rows whose id is -1)."""
    if sensitive_features is None:
        raise ValueError("sensitive_features is required")
    cols = _columns(sensitive_features)
    if not cols:
        raise ValueError("sensitive_features has no columns")
    names = [c for c, _ in cols]
    if len(set(names)) != len(names):
        raise ValueError(f"sensitive feature names must differ; got {names}")
    per = []
    missing_rows = {}
    for cname, values in cols:
        codes, texts, n_missing = _encode_column(values, cname, n)
        if n_missing:
            missing_rows[cname] = n_missing
            if missing == "error":
                first = int(np.flatnonzero(codes == len(texts) - 1)[0])
                raise ValueError(f"sensitive feature {cname!r} is missing at row {first}")
        per.append((codes, texts, n_missing))

    if len(per) == 1:
        codes, texts, n_missing = per[0]
        levels = [(t,) for t in texts]
        ids = codes
        if n_missing and missing == "drop":
            ids = np.where(codes == len(texts) - 1, -1, codes)
            levels = levels[:-1]
        gnames = [f"{escape(names[0])}={escape(t[0])}" for t in levels]
        ids = ids if ids.dtype == np.int32 and ids.flags.c_contiguous else ids.astype(np.int32)
        return Groups(ids, gnames, names, levels, missing_rows)

    sizes = [len(t) for _, t, _ in per]
    if math.prod(sizes) < (1 << 62):
        combined = per[0][0].astype(np.int64)
        for (codes, _, _), L in zip(per[1:], sizes[1:]):
            combined = combined * L + codes
        space = math.prod(sizes)
        if space <= max(_COUNTING_RANGE, 4 * n):
            counts = np.bincount(combined, minlength=space)
            present = np.flatnonzero(counts)
            lut = np.full(space, -1, dtype=np.int64)
            lut[present] = np.arange(len(present))
            ids = lut[combined]
        else:
            present, ids = np.unique(combined, return_inverse=True)
        tuples = []
        for c in present.tolist():
            parts = []
            for L in reversed(sizes):
                c, r = divmod(c, L)
                parts.append(r)
            tuples.append(tuple(reversed(parts)))
    else:
        stacked = np.stack([c for c, _, _ in per], axis=1)
        uniq, ids = np.unique(stacked, axis=0, return_inverse=True)
        tuples = [tuple(row) for row in uniq.tolist()]
    levels = [tuple(per[j][1][k] for j, k in enumerate(t)) for t in tuples]
    ids = ids.astype(np.int32)
    if missing == "drop" and missing_rows:
        bad = [any(per[j][2] and t[j] == sizes[j] - 1 for j in range(len(per))) for t in tuples]
        keep = [g for g, b in enumerate(bad) if not b]
        lut = np.full(len(tuples), -1, dtype=np.int32)
        lut[keep] = np.arange(len(keep), dtype=np.int32)
        ids = lut[ids]
        levels = [levels[g] for g in keep]
    gnames = [",".join(f"{escape(c)}={escape(v)}" for c, v in zip(names, lv)) for lv in levels]
    return Groups(ids, gnames, names, levels, missing_rows)
