#!/usr/bin/python3
"""bench_models.py: fairc's learners beside scikit-learn on Adult (SPEC §12.2-12.4), same run.

Builds bench/bench_models.c against build/libfairc.a, then alternates: fairc's logistic regression
(trust-region Newton) and scikit-learn's LogisticRegression(lbfgs, C=1) on the same 107 encoded
columns, each timed on the fit alone (parsing excluded, as the anchors were). Before timing, the
two are checked against each other: fairc's test probabilities must match scikit-learn's
newton-cg at tol 1e-12 (the exact optimum) to 1e-6. The MLP's peer is the anchor's PyTorch
model (Linear-ReLU-Linear, Adam, DataLoader shuffle) when torch is installed, else the anchor time
of SPEC §12.4 (3.84 s).

Usage: /usr/bin/python3 bench/bench_models.py [--repeat 5] [--threads 1]
Threads are pinned through OMP_NUM_THREADS / OPENBLAS_NUM_THREADS for both sides.
"""
import argparse
import os
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--shared", default=os.environ.get("FAIRC_SHARED", "../shared"))
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402  (after the thread pins)
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
exe = os.path.join(root, "build", "bench_models")
libs = ["-lm"]
if subprocess.run(["pkg-config", "--exists", "openblas"]).returncode == 0:
    libs += subprocess.check_output(["pkg-config", "--libs", "openblas"], text=True).split()
subprocess.check_call(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-fopenmp",
                       "-I" + os.path.join(root, "include"), "-I" + os.path.join(root, "src"),
                       os.path.join(root, "bench", "bench_models.c"),
                       os.path.join(root, "build", "libfairc.a"), "-o", exe] + libs)


def fairc(only, data, extra=()):
    """Runs the C bench once; returns {name: {key: value}} from its 'name key=value' lines."""
    out = subprocess.check_output([exe, "--repeat", "1", "--only", only, "--data", data,
                                   "--threads", str(args.threads), "--shared", args.shared]
                                  + list(extra), text=True, cwd=root)
    rows = []
    for line in out.splitlines():
        name, *kv = line.split()
        rows.append((name, dict(x.split("=", 1) for x in kv)))
    return rows


# --- the same encoding in pandas (SPEC §12.2) ---------------------------------------------
cols = ("age workclass fnlwgt education education-num marital-status occupation relationship "
        "race sex capital-gain capital-loss hours-per-week native-country y").split()
adult = os.path.join(args.shared, "data", "adult")
if not os.path.exists(os.path.join(adult, "adult.data")):
    sys.exit(f"bench_models: {adult}/adult.data not found")
read = lambda f: pd.read_csv(os.path.join(adult, f), names=cols, skipinitialspace=True,
                             comment="|")
tr, te = read("adult.data"), read("adult.test")
tr = tr[pd.to_numeric(tr.age, errors="coerce").notna()]
te = te[pd.to_numeric(te.age, errors="coerce").notna()]
num = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
cat = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex",
       "native-country"]


def encode(df):
    parts = []
    for c in num:
        ref = tr[c].astype(float)
        parts.append(((df[c].astype(float) - ref.mean()) / ref.std(ddof=0)).to_numpy()[:, None])
    for c in cat:
        levels = list(dict.fromkeys(tr[c]))
        parts.append(np.stack([(df[c] == v).to_numpy() for v in levels], 1).astype(float))
    # fairc holds X as float32: give scikit-learn the same numbers
    return np.hstack(parts).astype(np.float32).astype(np.float64)


Xtr, Xte = encode(tr), encode(te)
ytr = tr.y.str.startswith(">50K").to_numpy().astype(int)
yte = te.y.str.startswith(">50K").to_numpy().astype(int)
print(f"adult: train {Xtr.shape}, test {Xte.shape}, threads={args.threads}")

# --- validate before timing --------------------------------------------------------------------
proba_path = os.path.join(root, "build", "bench_models_proba.txt")
fairc("logistic", "adult", ["--proba-out", proba_path])
p_fairc = np.loadtxt(proba_path)
import warnings  # noqa: E402
with warnings.catch_warnings():  # newton-cg reports a line-search stall once at the optimum
    warnings.simplefilter("ignore")
    exact = LogisticRegression(C=1, solver="newton-cg", tol=1e-12, max_iter=10000).fit(Xtr, ytr)
p_exact = exact.predict_proba(Xte)[:, 1]
diff = np.abs(p_fairc - p_exact).max()
print(f"check: fairc vs scikit-learn newton-cg tol 1e-12: max |proba diff| = {diff:.2e}")
assert diff <= 1e-6, "fairc's logistic regression does not reach scikit-learn's optimum"

# --- logistic regression: alternate, best of R -------------------------------------------------
t_f, t_s, it_f, it_s = [], [], None, None
for _ in range(args.repeat):
    row = [r for n, r in fairc("logistic", "adult") if n == "logistic" and "time_s" in r][0]
    t_f.append(float(row["time_s"]))
    it_f = f"{row['newton']} Newton / {row['cg']} CG"
    t0 = time.perf_counter()
    m = LogisticRegression(C=1, solver="lbfgs", max_iter=1000).fit(Xtr, ytr)
    t_s.append(time.perf_counter() - t0)
    it_s = f"{m.n_iter_[0]} lbfgs"
p_lbfgs = m.predict_proba(Xte)[:, 1]
print(f"check: scikit-learn lbfgs (default tol) vs the exact optimum: max |proba diff| = "
      f"{np.abs(p_lbfgs - p_exact).max():.2e} (lbfgs stops early), same decisions on "
      f"{np.mean((p_lbfgs > 0.5) == (p_fairc > 0.5)):.4%} of test rows")
print(f"logistic adult threads={args.threads}: fairc {min(t_f):.4f} s ({it_f}, rel grad 1e-10), "
      f"scikit-learn lbfgs {min(t_s):.4f} s ({it_s}), ratio {min(t_s) / min(t_f):.1f}x")

# --- MLP: 107-64-1, Adam 1e-3, batch 256, 20 epochs, shuffled, seed 0 (SPEC §12.2) ----------
def torch_mlp():
    """The anchor's plain MLP in PyTorch: returns (fit seconds, test accuracy)."""
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    Xt = torch.tensor(Xtr, dtype=torch.float32)
    yt = torch.tensor(ytr, dtype=torch.float32)
    model = torch.nn.Sequential(torch.nn.Linear(Xt.shape[1], 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.BCEWithLogitsLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt, yt), batch_size=256,
                                         shuffle=True)
    t0 = time.perf_counter()
    for _ in range(20):
        for xb, yb in loader:
            opt.zero_grad()
            lossf(model(xb).squeeze(1), yb).backward()
            opt.step()
    t = time.perf_counter() - t0
    with torch.no_grad():
        z = model(torch.tensor(Xte, dtype=torch.float32)).squeeze(1).numpy()
    return t, np.mean((z > 0) == (yte == 1))


try:
    import torch
except ImportError:
    torch = None
t_m, t_t, acc, acc_t = [], [], None, None
for _ in range(args.repeat):
    for name, r in fairc("mlp", "adult"):
        if name == "mlp" and "time_s" in r:
            t_m.append(float(r["time_s"]))
        if name == "mlp" and "test_accuracy" in r:
            acc = r["test_accuracy"]
    if torch is not None:
        t, acc_t = torch_mlp()
        t_t.append(t)
if torch is not None:
    print(f"mlp adult 20 epochs threads={args.threads}: fairc {min(t_m):.4f} s (test accuracy "
          f"{acc}), PyTorch {torch.__version__} {min(t_t):.4f} s (test accuracy {acc_t:.4f}), "
          f"ratio {min(t_t) / min(t_m):.1f}x")
else:
    print(f"mlp adult 20 epochs threads={args.threads}: fairc {min(t_m):.4f} s (test accuracy "
          f"{acc}); torch not installed, SPEC §12.4 anchor 3.84 s, ratio {3.84 / min(t_m):.1f}x")
