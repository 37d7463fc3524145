#!/usr/bin/python3
"""bench_reductions.py: fairc's ExponentiatedGradient and GridSearch beside Fairlearn 0.9.0 on
Adult (SPEC §12.2-12.4), quality and time, in the same run.

For each configuration it runs fairc (bench_reductions.c: R fits through the public C API, the
best in-memory time and the best end-to-end time, then the test split's hashed decisions for
seeds 0-4) and Fairlearn with scikit-learn's LogisticRegression (or a skorch MLP) on the same
107 encoded columns (SPEC §12.2: 5 numbers standardised with the training mean and population
sd, 8 categoricals one-hot on training categories, '?' a category, fnlwgt unused), alternately,
and prints one line per method with test accuracy, the disparity (between groups, Fairlearn's
demographic_parity_difference / equalized_odds_difference), the fit time, oracle calls and
iterations, then the time ratio. Randomised predictors: mean over seeds 0-4 (fairc: --seed of
the hashed decision; Fairlearn: predict(random_state=seed)). Both sides' decisions are scored
by the same Fairlearn functions.

Usage: /usr/bin/python3 bench/bench_reductions.py [--only NAME] [--repeat 3] [--peer-repeat 1]
         [--threads 1] [--no-peer] [--mlp]
Configurations: eg-dp-sex eg-eo-sex eg-dp-race eg-eo-race gs-dp-sex gs-dp-race (fairc's default
group order, by size, and Fairlearn's appearance order, both reported) and, with --mlp, eg-dp-sex-mlp
(fairc MLP(64) against Fairlearn + skorch). Threads are pinned (OMP_NUM_THREADS etc.) for both.
"""
import argparse
import os
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--only", action="append")
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--peer-repeat", type=int, default=1)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--no-peer", action="store_true")
ap.add_argument("--mlp", action="store_true")
ap.add_argument("--shared", default=os.environ.get("FAIRC_SHARED", "../shared"))
ap.add_argument("--build", default=os.environ.get("FAIRC_BUILD", "build"))
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402  (after the thread pins)
import pandas as pd  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(args.shared, "peers", "fairlearn-0.9.0"))
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference  # noqa: E402

out_dir = os.environ.get("FAIRC_BENCH_OUT", os.path.join(root, "bench", "out"))
os.makedirs(out_dir, exist_ok=True)
exe = os.path.join(out_dir, "bench_reductions")
libs = ["-lm"]
if subprocess.run(["pkg-config", "--exists", "openblas"]).returncode == 0:
    libs += subprocess.check_output(["pkg-config", "--libs", "openblas"], text=True).split()
subprocess.check_call(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-fopenmp",
                       "-I" + os.path.join(root, "include"),
                       os.path.join(root, "bench", "bench_reductions.c"),
                       os.path.join(root, args.build, "libfairc.a"), "-o", exe] + libs)

CONFIGS = [
    # name, method, constraint, sensitive, fairc extra args
    ("eg-dp-sex", "expgrad", "dp", "sex", []),
    ("eg-eo-sex", "expgrad", "eo", "sex", []),
    ("eg-dp-race", "expgrad", "dp", "race", []),
    ("eg-eo-race", "expgrad", "eo", "race", []),
    ("gs-dp-sex", "gridsearch", "dp", "sex", []),
    ("gs-dp-race", "gridsearch", "dp", "race", []),
]
if args.mlp:
    CONFIGS.append(("eg-dp-sex-mlp", "expgrad", "dp", "sex", ["--mlp", "64"]))
if args.only:
    CONFIGS = [c for c in CONFIGS if c[0] in args.only]

# ---- data (SPEC §12.2) ----------------------------------------------------------------------
tr = pd.read_csv(os.path.join(args.shared, "data", "adult", "adult.data"), skipinitialspace=True)
te = pd.read_csv(os.path.join(args.shared, "data", "adult", "adult.test"), skipinitialspace=True)
y_tr = (tr.pop("Y") == ">50K").astype(int).values
y_te = (te.pop("Y") == ">50K.").astype(int).values
sens_tr = {c: tr[c].copy() for c in ("sex", "race")}
sens_te = {c: te[c].copy() for c in ("sex", "race")}
for d in (tr, te):
    d.drop(columns=["fnlwgt"], inplace=True)
num = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
cat = [c for c in tr.columns if c not in num]
mean, sd = tr[num].mean(), tr[num].std(ddof=0)


def encode(d):
    x = (d[num] - mean) / sd
    parts = [x]
    for c in cat:
        levels = sorted(tr[c].astype(str).unique())
        v = d[c].astype(str)
        parts.append(pd.DataFrame({f"{c}={lv}": (v == lv).astype(float) for lv in levels}, index=d.index))
    return pd.concat(parts, axis=1).astype(np.float64)


X_tr, X_te = encode(tr), encode(te)
assert X_tr.shape[1] == 107, X_tr.shape


def scores(decisions, sens):
    acc = float(np.mean(decisions == y_te))
    dpd = demographic_parity_difference(y_te, decisions, sensitive_features=sens)
    eod = equalized_odds_difference(y_te, decisions, sensitive_features=sens)
    return acc, dpd, eod


def expected(p, sens):
    """Accuracy and between-groups DPD / EOD (worst case) of the probabilities p: a randomised
    predictor's expectation, free of the draw's noise."""
    acc = float(np.mean(y_te * p + (1 - y_te) * (1 - p)))
    sens = np.asarray(sens)
    groups = sorted(set(sens))
    sr = [p[sens == g].mean() for g in groups]
    tpr = [p[(sens == g) & (y_te == 1)].mean() for g in groups]
    fpr = [p[(sens == g) & (y_te == 0)].mean() for g in groups]
    return acc, max(sr) - min(sr), max(max(tpr) - min(tpr), max(fpr) - min(fpr))


# ---- fairc --------------------------------------------------------------------------------------
def run_fairc(name, method, constraint, sens, extra, group_order="size"):
    prefix = os.path.join(out_dir, f"red_{name}_{group_order}")
    argv = [exe, "--shared", args.shared, "--method", method, "--constraint", constraint,
            "--sensitive", sens, "--threads", str(args.threads), "--repeat", str(args.repeat),
            "--grid-size", "20", "--group-order", group_order, "--out", prefix] + extra
    line = subprocess.check_output(argv, text=True, cwd=root).strip()
    kv = dict(f.split("=", 1) for f in line.split())
    accs, dpds, eods = [], [], []
    for s in range(5):
        d = pd.read_csv(f"{prefix}.seed{s}.csv")
        assert (d["Y"].values == np.where(y_te == 1, ">50K.", "<=50K.")).all()
        a, dp, eo = scores(d["decision"].values, d[sens].values)
        accs.append(a), dpds.append(dp), eods.append(eo)
    kv["expected"] = expected(d["score"].values, d[sens].values)
    return kv, float(np.mean(accs)), float(np.mean(dpds)), float(np.mean(eods))


# ---- Fairlearn ----------------------------------------------------------------------------------
def skorch_mlp():
    import torch
    from skorch import NeuralNetBinaryClassifier
    torch.set_num_threads(args.threads)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = torch.nn.Sequential(torch.nn.Linear(107, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))

        def forward(self, X, w=None):
            return self.seq(X).squeeze(-1)

    class Weighted(NeuralNetBinaryClassifier):
        """sample_weight through X, the skorch FAQ's way; the loss is the weighted mean."""

        def fit(self, X, y, sample_weight=None):
            X = np.asarray(X, dtype=np.float32)
            w = np.ones(len(X), np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
            return super().fit({"X": X, "w": w}, np.asarray(y, dtype=np.float32))

        def predict(self, X):
            X = np.asarray(X, dtype=np.float32)
            return super().predict({"X": X, "w": np.ones(len(X), np.float32)})

        def get_loss(self, y_pred, y_true, X=None, training=False):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
            w = X["w"].to(loss.device)
            return (loss * w).sum() / w.sum()

    torch.manual_seed(0)
    return Weighted(Net, max_epochs=20, lr=1e-3, batch_size=256, optimizer=torch.optim.Adam,
                    train_split=None, verbose=0, iterator_train__shuffle=True)


def run_peer(method, constraint, sens, mlp):
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient, GridSearch
    from sklearn.linear_model import LogisticRegression
    est = skorch_mlp() if mlp else LogisticRegression(max_iter=1000)
    mom = DemographicParity() if constraint == "dp" else EqualizedOdds()
    best, model = None, None
    for _ in range(args.peer_repeat):
        if method == "expgrad":
            m = ExponentiatedGradient(est, mom)
        else:
            m = GridSearch(est, mom, grid_size=20)
        t0 = time.perf_counter()
        m.fit(X_tr.values.astype(np.float32) if mlp else X_tr, y_tr, sensitive_features=sens_tr[sens])
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
        model = m
    Xt = X_te.values.astype(np.float32) if mlp else X_te
    if method == "expgrad":
        res = [scores(model.predict(Xt, random_state=s), sens_te[sens].values) for s in range(5)]
        e = expected(model._pmf_predict(Xt)[:, 1], sens_te[sens].values)
        info = (f"iterations {model.last_iter_ + 1}, oracle calls {model.n_oracle_calls_}; "
                f"expected acc {e[0]:.4f} DPD {e[1]:.4f} EOD {e[2]:.4f}")
    else:
        res = [scores(model.predict(Xt), sens_te[sens].values)]
        info = f"oracle calls {len(model.predictors_)}"
    acc, dpd, eod = (float(np.mean([r[k] for r in res])) for k in range(3))
    return best, acc, dpd, eod, info


print(f"bench_reductions: Adult train {len(y_tr)} rows, test {len(y_te)}, 107 columns; threads "
      f"{args.threads}; fairc best of {args.repeat}, Fairlearn best of {args.peer_repeat}", flush=True)
for name, method, constraint, sens, extra in CONFIGS:
    disp = "DPD" if constraint == "dp" else "EOD"
    orders = ["size", "appearance"] if method == "gridsearch" else ["size"]
    fairc_t = None
    for order in orders:
        kv, acc, dpd, eod = run_fairc(name, method, constraint, sens, extra, order)
        d = dpd if constraint == "dp" else eod
        t = float(kv["time_s"])
        fairc_t = t if fairc_t is None else fairc_t
        label = f"fairc ({order} groups)" if method == "gridsearch" else "fairc"
        print(f"{name}: {label}: acc {acc:.4f} {disp} {d:.4f}; {t:.3f} s in memory "
              f"({kv['e2e_s']} s end to end, learner {kv['fit_s']} s); "
              f"iterations {kv['iterations']}, oracle calls {kv['oracle_calls']} "
              f"({kv['learner_fits']} fits, {kv['constant']} constant, {kv['cached']} cached), "
              f"{kv['members']} saved" +
              (f"; expected acc {kv['expected'][0]:.4f} DPD {kv['expected'][1]:.4f} "
               f"EOD {kv['expected'][2]:.4f}" if method == "expgrad" else ""), flush=True)
        if order == "appearance":
            fairc_t_app = t
    if args.no_peer:
        continue
    pt, acc, dpd, eod, info = run_peer(method, constraint, sens, "--mlp" in extra)
    d = dpd if constraint == "dp" else eod
    peer = "Fairlearn + skorch MLP" if "--mlp" in extra else "Fairlearn + sklearn LR"
    print(f"{name}: {peer}: acc {acc:.4f} {disp} {d:.4f}; {pt:.3f} s; {info}", flush=True)
    print(f"{name}: ratio {pt / fairc_t:.1f}x" +
          (f" (appearance order: {pt / fairc_t_app:.1f}x)" if method == "gridsearch" else ""),
          flush=True)
