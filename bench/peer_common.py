"""Shared by the Python halves of the benchmarks: thread pinning, the peer's metric set, and
running a child process with its own peak memory."""
import functools
import os
import subprocess
import tempfile
import time

PIN = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_threads():
    """One thread for every numeric library unless the caller chose; call before numpy loads."""
    for v in PIN:
        os.environ.setdefault(v, "1")
    return os.environ["OMP_NUM_THREADS"]


# fairc's name for each MetricFrame column (recall is tpr).
METRIC_MAP = {
    "accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "precision": "precision",
    "recall": "tpr", "f1": "f1", "selection_rate": "selection_rate", "tpr": "tpr", "fpr": "fpr",
    "tnr": "tnr", "fnr": "fnr", "count": "count",
}


def golden_metrics(flm, skm):
    """The metrics of ../shared/golden/adult_metrics.json (see its README), as MetricFrame takes
    them. flm is fairlearn.metrics, skm sklearn.metrics."""
    return {
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "precision": functools.partial(skm.precision_score, zero_division=0),
        "recall": skm.recall_score,
        "f1": skm.f1_score,
        "selection_rate": flm.selection_rate,
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "tnr": flm.true_negative_rate,
        "fnr": flm.false_negative_rate,
        "count": flm.count,
    }


def sample_params(metrics, w):
    """sample_weight for every metric but count (never weighted), or None."""
    if w is None:
        return None
    return {k: {"sample_weight": w} for k in metrics if k != "count"}


GNU_TIME = "/usr/bin/time"


def run_child(argv, env=None):
    """Runs argv; returns (wall seconds, stdout text, peak RSS in KiB or None).
    Raises with the child's stderr when it fails. The peak RSS comes from GNU time, which forks the
    command from its own small process: a process forked from this Python one would carry
    Python's peak into its own (Linux keeps the high-water mark across exec). Without
    /usr/bin/time it is None."""
    with tempfile.NamedTemporaryFile(mode="r") as rss:
        wrap = [GNU_TIME, "-f", "%M", "-o", rss.name] if os.access(GNU_TIME, os.X_OK) else []
        t0 = time.perf_counter()
        p = subprocess.run(wrap + list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        t = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}): "
                               f"{p.stderr.decode(errors='replace')[-2000:]}")
        peak = None
        if wrap:
            lines = rss.read().split()
            peak = int(lines[-1]) if lines else None
    return t, p.stdout.decode(), peak
