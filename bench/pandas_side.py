#!/usr/bin/python3
"""The pandas side of the ingestion benchmark, one run per process (so that its peak memory is its
own). Usage: pandas_side.py read|e2e FILE

read: pandas.read_csv(FILE, skipinitialspace=True) alone.
e2e:  the same, then Fairlearn's MetricFrame by (sex, race) on label Y (positive '>50K') and the
      0/1 column pred, with the metrics of ../shared/golden.
Prints one JSON object: rows, cols, the timed seconds (imports excluded), and what the harness
checks against fairc (the sum of column age; the metric values)."""
import json
import sys
import time

from peer_common import golden_metrics, pin_threads

pin_threads()
import pandas as pd  # noqa: E402  (after pinning threads)

mode, path = sys.argv[1], sys.argv[2]
if mode == "e2e":
    import fairlearn.metrics as flm
    import sklearn.metrics as skm

t0 = time.perf_counter()
df = pd.read_csv(path, skipinitialspace=True)
t_read = time.perf_counter() - t0
out = {"rows": int(df.shape[0]), "cols": int(df.shape[1]), "read_seconds": t_read}
if mode == "read":
    out["sum"] = int(df["age"].sum())
else:
    metrics = golden_metrics(flm, skm)
    y = (df["Y"] == ">50K").astype("int64")
    mf = flm.MetricFrame(metrics=metrics, y_true=y, y_pred=df["pred"],
                         sensitive_features=df[["sex", "race"]])
    out["seconds"] = time.perf_counter() - t0
    out["overall"] = {k: float(v) for k, v in mf.overall.items()}
    out["by_group"] = {"|".join(key): {k: float(v) for k, v in row.items()}
                       for key, row in mf.by_group.iterrows()}
print(json.dumps(out))
