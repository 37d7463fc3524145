"""Metrics by group from NumPy or pandas data: `audit` runs libfairc's fairc_audit_arrays (one
pass over the rows, in C) and returns an `Audit`, a MetricFrame-like view of its report.

    from fairc.metrics import audit
    r = audit(y_true, y_pred, sensitive_features=df[["sex", "race"]], sample_weight=w)
    r.by_group                      # DataFrame: one row per group, one column per metric
    r.overall, r.group_min(), r.group_max()
    r.difference(), r.ratio(method="to_overall"), r.disparities, r.warnings
    r.ci(0.95, n_boot=1000, seed=0).by_group["tpr"]   # percentile bootstrap, [lo, hi]

Definitions are those of SPEC §2: weighted everywhere except `count`, and an undefined value
(a rate without rows to divide by) is NaN and left out of the aggregates, where scikit-learn and
Fairlearn would report 0. Groups are named and ordered as `fairc audit` does (fairc._groups).

Arrays are read in place when they already have libfairc's types and are contiguous: y_true and
y_pred as uint8 or bool, sample_weight and y_score as float64, a single sensitive column as int32
holding ids 0..G-1. Anything else is converted once.
"""
import ctypes
import json
import math

import numpy as np

from . import _arrays, _groups, _lib

try:
    import pandas as pd
except ImportError:  # results are then plain dicts
    pd = None

__all__ = ["audit", "Audit", "Intervals", "METRICS", "AGGREGATES"]

METRICS = ("count", "selection_rate", "accuracy", "error_rate", "balanced_accuracy", "precision",
           "tpr", "fpr", "tnr", "fnr", "f1", "mean_score")
AGGREGATES = ("group_min", "group_max", "difference_between_groups", "difference_to_overall",
              "ratio_between_groups", "ratio_to_overall")
_METHODS = ("between_groups", "to_overall")
_MISSING = {"level": 0, "drop": 1, "error": 2}


def _num(v):
    return math.nan if v is None else v


def _method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be 'between_groups' or 'to_overall'; got {method!r}")
    return method


class _Inputs:
    """The typed arrays of one audit, kept so that `ci` can run the bootstrap on them."""

    def __init__(self, y, yhat, score, w, groups, threads, min_group_size):
        self.y, self.yhat, self.score, self.w = y, yhat, score, w
        self.groups, self.threads, self.min_group_size = groups, threads, min_group_size

    def run(self, n_boot=0, level=0.95, seed=0, strata=False):
        """The report's JSON as a dict."""
        lib = _lib.lib
        opt = _lib.AuditOptions()
        lib.fairc_audit_options_init(ctypes.byref(opt))
        opt.min_group_size = self.min_group_size
        opt.bootstrap = n_boot
        opt.ci = level
        opt.seed = seed
        opt.bootstrap_strata = 1 if strata else 0
        g = self.groups
        names = (ctypes.c_char_p * len(g.names))(*[s.encode("utf-8") for s in g.names])
        report = ctypes.c_void_p()
        _lib.call(lib.fairc_audit_arrays, len(self.y), _lib.ptr(self.y, ctypes.c_uint8),
                  _lib.ptr(self.yhat, ctypes.c_uint8), _lib.ptr(self.score, ctypes.c_double),
                  _lib.ptr(self.w, ctypes.c_double), _lib.ptr(g.ids, ctypes.c_int32),
                  len(g.names), names, ctypes.byref(opt), self.threads, ctypes.byref(report))
        try:
            text = ctypes.c_void_p()
            _lib.call(lib.fairc_audit_report_json, report, ctypes.byref(text))
            return json.loads(_lib.take_string(text.value))
        finally:
            lib.fairc_audit_report_free(ctypes.byref(report))


def audit(y_true, y_pred=None, *, sensitive_features, sample_weight=None, y_score=None,
          threshold=None, pos_label=None, min_group_size=30, sensitive_missing="level",
          n_jobs=None):
    """Metrics of SPEC §2 for every group of `sensitive_features`, overall, their aggregates and
    the named disparities.

    y_true, y_pred: labels and hard decisions, each 0/1, -1/1 or False/True, or any values with
        `pos_label` (a value or a list of values meaning positive; applies to both).
    y_score: optional scores; give them instead of y_pred with `threshold` (default 0.5 when all
        scores lie in [0, 1]) for decisions `score > threshold`, or beside y_pred for the
        `mean_score` metric.
    sensitive_features: a Series, a DataFrame (several columns: their intersection), a dict of
        columns, a list or a 1-D/2-D array; unnamed columns are `sensitive_feature_0`, ...
    sample_weight: finite weights >= 0 (not all 0); `count` is never weighted.
    min_group_size: groups with fewer rows get a `small_group` warning.
    sensitive_missing: a missing sensitive value (None, NaN, pd.NA) is the level '?' ("level"),
        drops the row ("drop"), or is an error ("error").
    n_jobs: threads (None: 1, -1: every CPU); results do not depend on it.
    """
    if sensitive_missing not in _MISSING:
        raise ValueError("sensitive_missing must be 'level', 'drop' or 'error'")
    y = _arrays.binary(y_true, "y_true", pos_label)
    n = len(y)
    if n == 0:
        raise ValueError("y_true has no rows")
    score = None
    if y_score is not None:
        score = _arrays.float64(y_score, "y_score", n)
        if not np.isfinite(score).all():
            raise ValueError("y_score contains NaN or infinity")
    if y_pred is not None:
        if threshold is not None:
            raise ValueError("threshold applies to y_score when y_pred is not given")
        yhat = _arrays.binary(y_pred, "y_pred", pos_label, n)
    elif score is not None:
        if threshold is None:
            if score.min() < 0 or score.max() > 1:
                raise ValueError("y_score has values outside [0, 1]: give threshold=...")
            threshold = 0.5
        if not math.isfinite(threshold):
            raise ValueError("threshold must be a finite number")
        yhat = (score > threshold).view(np.uint8)
    else:
        raise ValueError("give y_pred (hard decisions) or y_score (with threshold)")
    w = None if sample_weight is None else _arrays.float64(sample_weight, "sample_weight", n)
    groups = _groups.encode(sensitive_features, n, sensitive_missing)
    extra_warnings = []
    for col, k in groups.missing.items():
        extra_warnings.append({"code": "missing_sensitive", "message":
                               f"{k} rows have no value of sensitive feature {col!r}"
                               + (" and were dropped" if sensitive_missing == "drop" else
                                  "; they form the level '?'")})
    if sensitive_missing == "drop" and groups.missing:
        keep = groups.ids >= 0
        if not keep.any():
            raise ValueError("every row misses a sensitive value")
        y, yhat = y[keep], yhat[keep]
        score = None if score is None else score[keep]
        w = None if w is None else w[keep]
        groups.ids = np.ascontiguousarray(groups.ids[keep])
    if int(min_group_size) < 0:
        raise ValueError("min_group_size must be >= 0")
    inputs = _Inputs(y, yhat, score, w, groups, _arrays.n_threads(n_jobs), int(min_group_size))
    return Audit(inputs.run(), inputs, extra_warnings)


class _Report:
    """Shared parsing of one report of fairc-audit/1 JSON."""

    def __init__(self, doc, groups):
        self.json = doc
        self._r = doc["reports"][0]
        self._groups = groups
        self.metrics = list(self._r["metrics"])

    def _frame(self, rows, index):
        if pd is None:
            return {i: r for i, r in zip(index, rows)}
        df = pd.DataFrame(rows, index=pd.Index(index, name="group"), columns=self.metrics,
                          dtype=float)
        if "count" in df.columns:
            df["count"] = df["count"].astype(np.int64)
        return df

    def _series(self, values, name=None, keys=None):
        keys = self.metrics if keys is None else keys
        vals = {k: _num(values.get(k)) for k in keys}
        if pd is None:
            return vals
        return pd.Series(vals, name=name, dtype=float)


class Audit(_Report):
    """The result of `audit`: per-group metrics, overall values, aggregates and disparities.

    Attributes: by_group (DataFrame), overall (Series), support / overall_support (rows,
    positives, negatives, weight), levels (each group's value of each sensitive column),
    disparities (Series, SPEC §2.5), warnings (list of dicts: code, message, group, metrics),
    json (the full fairc-audit/1 report).
    """

    def __init__(self, doc, inputs, extra_warnings=()):
        super().__init__(doc, inputs.groups)
        self._inputs = inputs
        r, groups = self._r, inputs.groups
        self.sensitive_features = list(groups.columns)
        names = [g["group"] for g in r["by_group"]]
        self.by_group = self._frame([[_num(g["metrics"].get(m)) for m in self.metrics]
                                     for g in r["by_group"]], names)
        self.overall = self._series(r["overall"]["metrics"], "overall")
        level_of = dict(zip(groups.names, groups.levels))
        supports = [g["support"] for g in r["by_group"]]
        if pd is not None:
            self.support = pd.DataFrame(supports, index=pd.Index(names, name="group"),
                                        columns=["rows", "positives", "negatives", "weight"])
            self.overall_support = pd.Series(r["overall"]["support"], name="overall")
            self.levels = pd.DataFrame([level_of[n] for n in names], index=pd.Index(names, name="group"),
                                       columns=groups.columns)
            self.disparities = pd.Series({k: _num(v) for k, v in r["disparities"].items()},
                                         dtype=float, name="disparities")
        else:
            self.support = dict(zip(names, supports))
            self.overall_support = r["overall"]["support"]
            self.levels = {n: level_of[n] for n in names}
            self.disparities = {k: _num(v) for k, v in r["disparities"].items()}
        self.warnings = list(extra_warnings) + list(doc.get("warnings", [])) + list(r["warnings"])
        self._cis = {}

    def __repr__(self):
        return (f"<fairc.metrics.Audit: {len(self.by_group)} groups of "
                f"{', '.join(self.sensitive_features)}; {len(self.warnings)} warnings>")

    def _aggregate(self, name):
        return self._series(self._r["aggregates"][name], name)

    def group_min(self):
        """Each metric's smallest defined value over the groups."""
        return self._aggregate("group_min")

    def group_max(self):
        """Each metric's largest defined value over the groups."""
        return self._aggregate("group_max")

    def difference(self, method="between_groups"):
        """group_max - group_min ('between_groups'), or the largest |group - overall|
        ('to_overall')."""
        return self._aggregate("difference_" + _method(method))

    def ratio(self, method="between_groups"):
        """group_min / group_max ('between_groups'), or the smallest min(g/o, o/g)
        ('to_overall')."""
        return self._aggregate("ratio_" + _method(method))

    def ci(self, level=0.95, n_boot=1000, seed=0, strata=False):
        """Percentile bootstrap intervals (SPEC §2.7) of every value, from n_boot replicates
        drawn with `seed`; strata=True resamples within each group. Computed once per
        (level, n_boot, seed, strata) and cached."""
        if not (0 < level < 1):
            raise ValueError("level must be in (0, 1)")
        if int(n_boot) < 2:
            raise ValueError("n_boot must be at least 2")
        if int(seed) < 0:
            raise ValueError("seed must be an integer >= 0")
        key = (float(level), int(n_boot), int(seed), bool(strata))
        if key not in self._cis:
            self._cis[key] = Intervals(self._inputs.run(n_boot=key[1], level=key[0], seed=key[2],
                                                       strata=key[3]), self._inputs.groups)
        return self._cis[key]


class Intervals(_Report):
    """Bootstrap intervals of an audit. Every table has a `lo` and a `hi` value per entry:
    by_group has columns (metric, 'lo'|'hi'); overall, group_min(), ..., ratio() are DataFrames
    indexed by metric with columns lo, hi; disparities is indexed by disparity name.
    Also: level, n_boot, seed, method ('multinomial' without weights or scores, else
    'poisson'), undefined_replicates (replicates where a value was undefined, by key)."""

    def __init__(self, doc, groups):
        super().__init__(doc, groups)
        inp, r = doc["input"], self._r
        self.level, self.n_boot, self.seed = inp["ci_level"], inp["bootstrap"], inp["seed"]
        self.method = inp.get("ci_method")
        self.undefined_replicates = r.get("ci_undefined_replicates", {})
        names = [g["group"] for g in r["by_group"]]
        if pd is None:
            self.by_group = {g["group"]: g.get("ci", {}) for g in r["by_group"]}
        else:
            cols = pd.MultiIndex.from_product([self.metrics, ["lo", "hi"]])
            rows = [[_num(v) for m in self.metrics for v in g.get("ci", {}).get(m, [None, None])]
                    for g in r["by_group"]]
            self.by_group = pd.DataFrame(rows, index=pd.Index(names, name="group"), columns=cols,
                                         dtype=float)
        self.overall = self._pairs(r["overall"].get("ci", {}), self.metrics)
        self.disparities = self._pairs(r.get("disparities_ci", {}), list(r["disparities"]))

    def __repr__(self):
        return (f"<fairc.metrics.Intervals: {self.level:g} percentile intervals from "
                f"{self.n_boot} replicates ({self.method})>")

    def _pairs(self, values, keys):
        rows = {k: [_num(x) for x in values.get(k, [None, None])] for k in keys}
        if pd is None:
            return rows
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lo", "hi"], dtype=float)

    def _aggregate(self, name):
        return self._pairs(self._r.get("aggregates_ci", {}).get(name, {}), self.metrics)

    def group_min(self):
        return self._aggregate("group_min")

    def group_max(self):
        return self._aggregate("group_max")

    def difference(self, method="between_groups"):
        return self._aggregate("difference_" + _method(method))

    def ratio(self, method="between_groups"):
        return self._aggregate("ratio_" + _method(method))
