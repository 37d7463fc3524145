#!/usr/bin/python3
"""Metrics kernel: fairc_audit_arrays (through ctypes on build/libfairc.so) against Fairlearn
0.9.0's MetricFrame on the same numpy arrays (STYLE.md §13, SPEC §12.4).

Both sides get the same values in memory: fairc reads y, yhat (uint8), group (int32) and weight
(float64) through their pointers; MetricFrame gets the same group and weight arrays and y, yhat as
int64 copies made before timing (--peer-dtype; with uint8 MetricFrame is ~1.7x slower, so int64
is the conservative choice for the ratio). fairc's values are checked against
MetricFrame's (|difference| <= 1e-9, every metric, every group and overall) before fairc is timed.
MetricFrame takes about a minute on 10M rows, so it runs --peer-runs times per configuration
(default 1), between two series of fairc repeats; fairc's minimum over all its repeats is reported.

Threads: run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 (bench/run sets them;
set here too before numpy loads); MetricFrame is then single-threaded. fairc runs with 1 and 2
threads (its `threads` argument, which overrides OMP_NUM_THREADS).
"""
import argparse
import ctypes
import json
import os
import sys
import time

from peer_common import METRIC_MAP, golden_metrics, pin_threads, sample_params

PEER_THREADS = pin_threads()


def skip(why):
    print(f"metrics: skipped ({why})")
    sys.exit(0)


class Status(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_long), ("col", ctypes.c_long),
                ("message", ctypes.c_char * 512)]


class Fairc:
    """The few entry points of libfairc.so the benchmark needs."""

    def __init__(self, path):
        self.lib = lib = ctypes.CDLL(path)
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [ctypes.c_void_p]
        lib.fairc_audit_options_init.argtypes = [ctypes.c_void_p]
        lib.fairc_audit_arrays.argtypes = [
            ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p,
            ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(Status)]
        lib.fairc_audit_report_json.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                                ctypes.POINTER(Status)]
        lib.fairc_audit_report_free.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        # The options struct is filled by the library itself; the buffer is larger than it.
        self.opts = ctypes.create_string_buffer(4096)
        lib.fairc_audit_options_init(self.opts)

    def audit(self, y, yhat, group, names, w, threads, want_json):
        """Runs fairc_audit_arrays; returns (seconds, report JSON or None)."""
        n = len(y)
        c_names = (ctypes.c_char_p * len(names))(*[s.encode() for s in names])
        rep = ctypes.c_void_p()
        st = Status()
        args = (n, y.ctypes.data, yhat.ctypes.data, None,
                w.ctypes.data if w is not None else None, group.ctypes.data, len(names),
                c_names, self.opts, threads, ctypes.byref(rep), ctypes.byref(st))
        t0 = time.perf_counter()
        rc = self.lib.fairc_audit_arrays(*args)
        t = time.perf_counter() - t0
        if rc != 0:
            raise RuntimeError("fairc_audit_arrays: " + st.message.decode())
        text = None
        if want_json:
            out = ctypes.c_void_p()
            if self.lib.fairc_audit_report_json(rep, ctypes.byref(out), ctypes.byref(st)) != 0:
                raise RuntimeError("fairc_audit_report_json: " + st.message.decode())
            text = ctypes.string_at(out.value).decode()
            self.libc.free(out)
        self.lib.fairc_audit_report_free(ctypes.byref(rep))
        return t, text


def make_data(np, n, G, seed):
    """Groups of unequal size (small ones rarer), base rates by group, decisions right 80% of the
    time, weights in [0.5, 3) with full mantissas."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    group = np.minimum((u * u * G).astype(np.int32), G - 1)
    y = (rng.random(n) < 0.15 + 0.3 * group / G).astype(np.uint8)
    right = rng.random(n) < 0.8
    yhat = np.where(right, y, 1 - y).astype(np.uint8)
    w = 0.5 + 2.5 * rng.random(n)
    return y, yhat, group, w


def metric_frame(fl, skm, y, yhat, group, w):
    """Fairlearn's MetricFrame with the metrics of ../shared/golden (README there)."""
    metrics = golden_metrics(fl, skm)
    params = sample_params(metrics, w)
    t0 = time.perf_counter()
    mf = fl.MetricFrame(metrics=metrics, y_true=y, y_pred=yhat, sensitive_features=group,
                        sample_params=params)
    t = time.perf_counter() - t0
    return t, mf


def max_diff(report_json, mf, G):
    """Largest |fairc - MetricFrame| over every metric, group and overall; raises on a missing value."""
    rep = json.loads(report_json)["reports"][0]
    worst = 0.0
    rows = [(rep["overall"]["metrics"], mf.overall)]
    for k in range(G):
        rows.append((rep["by_group"][k]["metrics"], mf.by_group.loc[k]))
    for mine, theirs in rows:
        for name, fname in METRIC_MAP.items():
            a, b = mine[fname], float(theirs[name])
            if a is None:
                raise AssertionError(f"fairc has no value for {fname}; MetricFrame has {b}")
            worst = max(worst, abs(a - b))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", default="build/libfairc.so")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--groups", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=5, help="fairc repeats per series")
    ap.add_argument("--peer-runs", type=int, default=1, help="MetricFrame runs per configuration")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peer-dtype", default="int64", choices=["int64", "uint8", "bool"],
                    help="dtype of the y and yhat given to MetricFrame")
    args = ap.parse_args()
    try:
        import numpy as np
        import pandas  # noqa: F401  (MetricFrame needs it)
        import sklearn
        import sklearn.metrics as skm
        import fairlearn
        import fairlearn.metrics as flm
    except ImportError as e:
        skip(f"{e.name or e} not importable with {sys.executable}; "
             "PYTHONPATH must hold ../shared/peers/fairlearn-0.9.0")
    if not os.path.exists(args.lib):
        skip(f"{args.lib} not built")
    fc = Fairc(args.lib)
    threads = [int(t) for t in args.threads.split(",")]
    n, G = args.rows, args.groups
    print(f"metrics: numpy {np.__version__}, pandas {pandas.__version__}, scikit-learn "
          f"{sklearn.__version__}, fairlearn {fairlearn.__version__}; MetricFrame threads: "
          f"OMP/OPENBLAS/MKL_NUM_THREADS={PEER_THREADS}, y and yhat as {args.peer_dtype}; "
          f"fairc threads {args.threads}")
    y, yhat, group, w = make_data(np, n, G, 0)
    y_peer, yhat_peer = y.astype(args.peer_dtype), yhat.astype(args.peer_dtype)
    names = [f"g{k}" for k in range(G)]
    for weighted in (False, True):
        wa = w if weighted else None
        kind = "weighted" if weighted else "unweighted"
        # Same report for every thread count (SPEC §1.7).
        reports = {t: fc.audit(y, yhat, group, names, wa, t, True)[1] for t in threads}
        assert len(set(reports.values())) == 1, "fairc's report depends on the thread count"
        best = {t: float("inf") for t in threads}

        def fairc_series():
            for _ in range(args.repeats):
                for t in threads:
                    best[t] = min(best[t], fc.audit(y, yhat, group, names, wa, t, False)[0])

        fairc_series()
        t_peer = float("inf")
        for run in range(args.peer_runs):
            t, mf = metric_frame(flm, skm, y_peer, yhat_peer, group, wa)
            t_peer = min(t_peer, t)
            if run == 0:
                diff = max_diff(reports[threads[0]], mf, G)
                assert diff <= 1e-9, f"fairc differs from MetricFrame by {diff:.3g}"
                print(f"check {kind}: fairc equals MetricFrame to {diff:.1e} "
                      f"(11 metrics x {G} groups + overall)")
            del mf
            fairc_series()
        for t in threads:
            print(f"metrics n={n} G={G} {kind} threads={t}: fairc {best[t]:.4f} s, MetricFrame "
                  f"{t_peer:.1f} s ({PEER_THREADS} thread, {args.peer_runs} run"
                  f"{'s' if args.peer_runs > 1 else ''}), "
                  f"ratio {t_peer / best[t]:.0f}x")


if __name__ == "__main__":
    main()
