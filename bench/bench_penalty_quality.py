#!/usr/bin/python3
"""bench_penalty_quality.py: issue 5's quality bars on Adult (SPEC §12.2, §12.3): fairness-aware
training with bin/fairc, audited on adult.test with bin/fairc audit --model.

Each row trains on adult.data (features: every column but Y and fnlwgt; MLP 107-64-1, Adam,
batch 256, 20 epochs as SPEC §12.2 says), then reads the test accuracy and the test-set
between-groups disparity (DPD for DP rows, EOD worst case for EO rows) from the audit's JSON,
and checks the issue's bar. --seeds 0,1,2,3,4 also reports the mean over seeds (SPEC §12.2
uses seeds 0-4 for randomised predictors; these are deterministic, so seed 0 is the figure and
the mean shows how much the seed matters).

Usage: /usr/bin/python3 bench/bench_penalty_quality.py [--fairc bin/fairc] [--seeds 0]
Exit status 0 even when a bar is missed (the table says so); 1 only if a command fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--fairc", default="bin/fairc")
ap.add_argument("--shared", default=os.environ.get("FAIRC_SHARED", "../shared"))
ap.add_argument("--seeds", default="0")
args = ap.parse_args()
seeds = [int(s) for s in args.seeds.split(",")]
adult = os.path.join(args.shared, "data", "adult")
train, test = os.path.join(adult, "adult.data"), os.path.join(adult, "adult.test")
if not os.path.exists(train):
    print(f"quality: skipped ({train} not found)")
    sys.exit(0)

MLP = "--model mlp:64"
# (name, sensitive, flags, disparity, bar: max disparity, min accuracy)
ROWS = [
    ("penalty DP sex, alpha 100", "sex", f"{MLP} --mitigate penalty --constraint dp --alpha 100", "dpd", 0.03, 0.82),
    ("penalty DP sex, alpha 100, momentum 0.9", "sex", f"{MLP} --mitigate penalty --constraint dp --alpha 100 --momentum 0.9", "dpd", 0.03, 0.82),
    ("penalty EO sex, alpha 1", "sex", f"{MLP} --mitigate penalty --constraint eo --alpha 1", "eod", 0.05, 0.83),
    ("penalty EO sex, alpha 10, momentum 0.9", "sex", f"{MLP} --mitigate penalty --constraint eo --alpha 10 --momentum 0.9", "eod", 0.05, 0.83),
    ("penalty EO sex, alpha 100 (FairTorch's setting)", "sex", f"{MLP} --mitigate penalty --constraint eo --alpha 100", "eod", 0.05, 0.83),
    ("penalty DP race, alpha 100 (FairTorch's setting)", "race", f"{MLP} --mitigate penalty --constraint dp --alpha 100", "dpd", 0.08, 0.82),
    ("penalty DP race, alpha 30000, momentum 0.995", "race", f"{MLP} --mitigate penalty --constraint dp --alpha 30000 --momentum 0.995", "dpd", 0.08, 0.82),
    ("constrained DP race, eps 0.02, momentum 0.9", "race", f"{MLP} --mitigate constrained --constraint dp --eps 0.02 --momentum 0.9", "dpd", 0.08, 0.82),
    ("constrained DP sex, logistic, eps 0.01", "sex", "--model logistic --mitigate constrained --constraint dp --eps 0.01", "dpd", 0.02, 0.83),
    ("constrained DP sex, logistic, eps 0.01, lr 0.01", "sex", "--model logistic --mitigate constrained --constraint dp --eps 0.01 --lr 0.01", "dpd", 0.02, 0.83),
    ("constrained DP sex, MLP, eps 0.01", "sex", f"{MLP} --mitigate constrained --constraint dp --eps 0.01", "dpd", 0.02, 0.83),
    ("constrained EO sex, MLP, eps 0.02", "sex", f"{MLP} --mitigate constrained --constraint eo --eps 0.02", "eod", 0.05, 0.83),
]


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{p.stderr}")
    return p.stdout, p.stderr


def one(sens, flags, seed, model):
    _, err = run([args.fairc, "train", train, "--label", "Y", "--pos-label", ">50K", "--sensitive", sens,
                  "--drop", "fnlwgt", "--seed", str(seed), "-o", model] + flags.split())
    nonfinite = "not finite" in err
    out, _ = run([args.fairc, "audit", test, "--label", "Y", "--pos-label", ">50K.", "--sensitive", sens,
                  "--model", model, "--json"])
    rep = json.loads(out)["reports"][0]
    d = rep["disparities"]
    sel = min(g["metrics"]["selection_rate"] for g in rep["by_group"])
    return (rep["overall"]["metrics"]["accuracy"], d["demographic_parity_difference_between_groups"],
            d["equalized_odds_difference_between_groups_worst_case"], sel, nonfinite)


print(f"| run | test accuracy | test DPD | test EOD | min group selection rate | bar | met |")
print(f"|---|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as tmp:
    model = os.path.join(tmp, "m.fairc")
    for name, sens, flags, which, dmax, amin in ROWS:
        res = [one(sens, flags, s, model) for s in seeds]
        acc = sum(r[0] for r in res) / len(res)
        dpd = sum(r[1] for r in res) / len(res)
        eod = sum(r[2] for r in res) / len(res)
        sel = min(r[3] for r in res)
        disp = dpd if which == "dpd" else eod
        met = disp <= dmax and acc >= amin and not any(r[4] for r in res)
        tag = f" (mean of seeds {args.seeds})" if len(seeds) > 1 else ""
        print(f"| {name}{tag} | {acc:.4f} | {dpd:.4f} | {eod:.4f} | {sel:.4f} | "
              f"{which.upper()} <= {dmax} at acc >= {amin} | {'yes' if met else 'NO'} |", flush=True)
