#!/usr/bin/python3
"""bench_threshold.py: ThresholdOptimizer, fairc beside Fairlearn 0.9.0 on Adult (SPEC §12.2-§12.4),
in the same run, one thread each.

1. Validate first: both fitted on the same scores (scikit-learn's logistic regression on the
   training rows) must give the same expected selection rate, TPR and FPR in every group (1e-9),
   for DP and EO on sex and on race (fairc through its CLI: postprocess --score, then predict).
2. Time fit + predict, best of R, as the anchors did (in memory, files already parsed):
   - with the base model: Fairlearn ThresholdOptimizer(prefit LogisticRegression).fit(train)
     .predict(test); fairc: its own logistic model's probabilities + thresholds + decisions
     (bench_threshold.c, against build/libfairc.a);
   - on given scores (a score column, the issue's first use): Fairlearn with a pass-through
     estimator; fairc without the base model's scoring.
   fairc's decisions both ways: per-row hashing (SPEC §1.7, the default) and a seeded stream
   (as Fairlearn draws them).
3. Quality (SPEC §12.3): test accuracy and disparity (DPD for DP, worst of the TPR and FPR gaps
   for EO), mean over seeds 0-4 as SPEC says; beside it the mean over 40 seeds and the expected
   decisions' values (no sampling noise: the race groups of 135 and 159 test rows make the
   5-seed disparity a coin toss). Each side with its own logistic regression.
4. End to end with the CLI (parsing included): fairc postprocess --base + fairc predict.

Usage: /usr/bin/python3 bench/bench_threshold.py [--repeat 5] [--build build] [--fairc bin/fairc]
  PYTHONPATH must reach Fairlearn (bench/run sets it; else ../shared/peers/fairlearn-0.9.0 is
  added).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

ap = argparse.ArgumentParser()
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument("--build", default="build")
ap.add_argument("--fairc", default="bin/fairc")
ap.add_argument("--shared", default=os.environ.get("FAIRC_SHARED", "../shared"))
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = "1"

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.path.abspath(os.path.join(root, args.shared)) if not os.path.isabs(args.shared) else args.shared
sys.path.insert(0, os.path.join(shared, "peers", "fairlearn-0.9.0"))

import numpy as np  # noqa: E402  (after the thread pins)
import pandas as pd  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import fairlearn  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402

adult = os.path.join(shared, "data", "adult")
if not os.path.exists(os.path.join(adult, "adult.data")):
    sys.exit(f"bench_threshold: {adult}/adult.data not found")
fairc = os.path.join(root, args.fairc)
build = os.path.join(root, args.build)
out = tempfile.mkdtemp(prefix="fairc-bench-threshold-")

# --- fairc: the C driver and the logistic model --------------------------------------------
exe = os.path.join(out, "bench_threshold")
libs = ["-lm"]
if subprocess.run(["pkg-config", "--exists", "openblas"]).returncode == 0:
    libs += subprocess.check_output(["pkg-config", "--libs", "openblas"], text=True).split()
subprocess.check_call(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-fopenmp",
                       "-I" + os.path.join(root, "include"), "-I" + os.path.join(root, "src"),
                       os.path.join(root, "bench", "bench_threshold.c"),
                       os.path.join(build, "libfairc.a"), "-o", exe] + libs)
lr_model = os.path.join(out, "lr.fairc")
train_csv, test_csv = os.path.join(adult, "adult.data"), os.path.join(adult, "adult.test")
subprocess.check_call([fairc, "train", train_csv, "--label", "Y", "--pos-label", ">50K",
                       "--sensitive", "sex,race", "--drop", "fnlwgt", "-o", lr_model, "--quiet"])

# --- Fairlearn's side: SPEC §12.2's encoding and logistic regression --------------------------
cols = ("age workclass fnlwgt education education-num marital-status occupation relationship "
        "race sex capital-gain capital-loss hours-per-week native-country y").split()
read = lambda f: pd.read_csv(os.path.join(adult, f), names=cols, skipinitialspace=True, comment="|")
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
    return np.hstack(parts)


Xtr, Xte = encode(tr), encode(te)
ytr = tr.y.str.startswith(">50K").to_numpy().astype(int)
yte = te.y.str.startswith(">50K").to_numpy().astype(int)
lr = LogisticRegression(C=1, solver="lbfgs", max_iter=1000).fit(Xtr, ytr)
p_tr, p_te = lr.predict_proba(Xtr)[:, 1], lr.predict_proba(Xte)[:, 1]
print(f"adult: train {Xtr.shape}, test {Xte.shape}; fairlearn {fairlearn.__version__}; one thread")


class Scores(BaseEstimator, ClassifierMixin):
    """A fitted 'model' whose probability is the score column it is given."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = np.asarray(X, dtype=float)[:, 0]
        return np.stack([1 - s, s], 1)


FL_CONS = {"dp": "demographic_parity", "eo": "equalized_odds"}


def fl_fit(cons, est, X, y, a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ThresholdOptimizer(estimator=est, constraints=FL_CONS[cons], prefit=True,
                                  predict_method="predict_proba").fit(X, y, sensitive_features=a)


def rates(d, y, a):
    """(accuracy, DPD, EOD) of decisions (or expected decisions) d."""
    sel, tpr, fpr = [], [], []
    for g in np.unique(a):
        m = a == g
        sel.append(d[m].mean())
        tpr.append(d[m & (y == 1)].mean())
        fpr.append(d[m & (y == 0)].mean())
    acc = np.mean(d * y + (1 - d) * (1 - y))
    return acc, max(sel) - min(sel), max(max(tpr) - min(tpr), max(fpr) - min(fpr))


# --- 1. validate -------------------------------------------------------------------------------
vcsv = os.path.join(out, "scores.csv")
pd.DataFrame({"score": p_tr, "y": ytr, "sex": tr.sex.to_numpy(), "race": tr.race.to_numpy()}).to_csv(
    vcsv, index=False, float_format="%.17g")
worst = 0.0
for cons in ("dp", "eo"):
    for col in ("sex", "race"):
        a = tr[col].to_numpy()
        to = fl_fit(cons, Scores().fit(p_tr[:, None], ytr), p_tr[:, None], ytr, a)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = to._pmf_predict(p_tr[:, None], sensitive_features=a)[:, 1]
        m = os.path.join(out, f"v_{cons}_{col}.fairc")
        pred = os.path.join(out, f"v_{cons}_{col}.csv")
        subprocess.check_call([fairc, "postprocess", vcsv, "--label", "y", "--sensitive", col,
                               "--score", "score", "--constraint", cons, "-o", m, "--quiet"])
        subprocess.check_call([fairc, "predict", m, vcsv, "-o", pred])
        pf = pd.read_csv(pred, float_precision="round_trip")["score"].to_numpy()
        for g in np.unique(a):
            for mask in (a == g, (a == g) & (ytr == 1), (a == g) & (ytr == 0)):
                worst = max(worst, abs(pf[mask].mean() - q[mask].mean()))
print(f"check: fairc and Fairlearn on the same scores, every group's expected selection rate, TPR "
      f"and FPR (DP and EO, sex and race): max |diff| = {worst:.1e}")
assert worst <= 1e-9, "fairc's thresholds differ from Fairlearn's"


# --- 2 and 3: fairc's C driver, Fairlearn beside it ------------------------------------------------
def fairc_run(cons, col):
    text = subprocess.check_output([exe, "--lr", lr_model, "--train", train_csv, "--test", test_csv,
                                    "--sensitive", col, "--constraint", cons,
                                    "--repeat", str(args.repeat), "--seeds", str(SEEDS)], text=True)
    times, quality, expected = {}, [], None
    for line in text.splitlines():
        kind, *kv = line.split()
        d = dict(x.split("=", 1) for x in kv)
        if kind == "time":
            times[d["decisions"]] = d
            continue
        q = (float(d["accuracy"]), float(d["dpd"]), float(d["eod"]))
        if kind == "expected":
            expected = q
        else:
            quality.append(q)
    return times, (np.mean(quality[:5], axis=0), np.mean(quality, axis=0), expected)


def best(f, n):
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


SEEDS = 40
rows = []
for cons in ("dp", "eo"):
    for col in ("sex", "race"):
        a_tr, a_te = tr[col].to_numpy(), te[col].to_numpy()

        def fl_with_model():
            fl_fit(cons, lr, Xtr, ytr, a_tr).predict(Xte, sensitive_features=a_te, random_state=0)

        def fl_on_scores():
            est = Scores().fit(p_tr[:, None], ytr)
            fl_fit(cons, est, p_tr[:, None], ytr, a_tr).predict(p_te[:, None], sensitive_features=a_te,
                                                                random_state=0)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_fl = best(fl_with_model, args.repeat)
            t_fl_s = best(fl_on_scores, args.repeat)
        times, fq = fairc_run(cons, col)
        to = fl_fit(cons, lr, Xtr, ytr, a_tr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = [rates(to.predict(Xte, sensitive_features=a_te, random_state=s), yte, a_te) for s in range(SEEDS)]
            flq = (np.mean(r[:5], axis=0), np.mean(r, axis=0),
                   rates(to._pmf_predict(Xte, sensitive_features=a_te)[:, 1], yte, a_te))
        # end to end, parsing included
        m = os.path.join(out, f"to_{cons}_{col}.fairc")
        pred = os.path.join(out, f"to_{cons}_{col}.csv")

        def e2e():
            subprocess.check_call([fairc, "postprocess", train_csv, "--label", "Y", "--pos-label", ">50K",
                                   "--sensitive", col, "--base", lr_model, "--constraint", cons,
                                   "-o", m, "--quiet"])
            subprocess.check_call([fairc, "predict", m, test_csv, "-o", pred])

        t_e2e = best(e2e, 3)
        rows.append((cons, col, t_fl, t_fl_s, times, fq, flq, t_e2e))
        h, s = times["hash"], times["stream"]
        print(f"threshold {cons} {col}: Fairlearn fit+predict {t_fl:.4f} s (on given scores {t_fl_s:.4f} s); "
              f"fairc {float(s['total_s']):.4f} s stream / {float(h['total_s']):.4f} s hash "
              f"(ratio {t_fl / float(s['total_s']):.0f}x / {t_fl / float(h['total_s']):.0f}x), "
              f"on given scores {float(s['thresholds_s']):.4f} / {float(h['thresholds_s']):.4f} s "
              f"(ratio {t_fl_s / float(s['thresholds_s']):.0f}x / {t_fl_s / float(h['thresholds_s']):.0f}x); "
              f"fairc CLI end to end {t_e2e:.3f} s")
        metric = "DPD" if cons == "dp" else "EOD"
        k = 1 if cons == "dp" else 2
        for label, i in (("seeds 0-4", 0), (f"{SEEDS} seeds", 1), ("expected", 2)):
            ok = fq[i][0] >= flq[i][0] - 0.003 and fq[i][k] <= flq[i][k] + 0.003
            print(f"quality {cons} {col} (test, {label}): Fairlearn acc {flq[i][0]:.4f} {metric} {flq[i][k]:.4f}; "
                  f"fairc acc {fq[i][0]:.4f} {metric} {fq[i][k]:.4f}; bar (acc >= -0.003, {metric} <= +0.003): "
                  f"{'met' if ok else 'MISSED'}")

print()
print("| constraint, groups | Fairlearn acc / disparity (seeds 0-4; 40 seeds; expected) "
      "| fairc acc / disparity (seeds 0-4; 40 seeds; expected) | Fairlearn fit+predict "
      "| fairc (stream / hash) | ratio | on given scores: Fairlearn, fairc (stream / hash), ratio "
      "| fairc CLI end to end |")
print("|---|---|---|---|---|---|---|---|")
for cons, col, t_fl, t_fl_s, times, fq, flq, t_e2e in rows:
    k = 1 if cons == "dp" else 2
    metric = "DPD" if cons == "dp" else "EOD"
    h, s = times["hash"], times["stream"]
    fl_q = "; ".join(f"{q[0]:.4f} / {q[k]:.4f}" for q in flq)
    fc_q = "; ".join(f"{q[0]:.4f} / {q[k]:.4f}" for q in fq)
    print(f"| {cons.upper()} {col} ({metric}) | {fl_q} | {fc_q} "
          f"| {t_fl * 1e3:.0f} ms | {float(s['total_s']) * 1e3:.1f} / {float(h['total_s']) * 1e3:.1f} ms "
          f"| {t_fl / float(s['total_s']):.0f}x / {t_fl / float(h['total_s']):.0f}x "
          f"| {t_fl_s * 1e3:.0f} ms, {float(s['thresholds_s']) * 1e3:.1f} / {float(h['thresholds_s']) * 1e3:.1f} ms, "
          f"{t_fl_s / float(s['thresholds_s']):.0f}x / {t_fl_s / float(h['thresholds_s']):.0f}x "
          f"| {t_e2e:.2f} s |")
