#!/usr/bin/python3
"""Benchmarks of the Python package against its peers, in one run on this machine (issue 8):

  audit     fairc.metrics.audit vs Fairlearn 0.9.0's MetricFrame on N rows in memory (values
            checked equal to 1e-9 first); target >= 500x
  loss      one mini-batch (256 rows) of fairc.torch's DP / EO loss, forward + backward, vs
            FairTorch 0.1.2's; target >= 5x
  epoch     one epoch of an MLP (107-64-1, Adam, batch 256) on Adult with BCE + DP(sex) loss,
            fairc's loss vs FairTorch's; target: not slower
  eg        Fairlearn's ExponentiatedGradient (DP, sex) on Adult with fairc.LogisticRegression
            vs scikit-learn's as the estimator; the ratio is reported

Threads are pinned to 1 (OMP/OpenBLAS/MKL, torch.set_num_threads) unless --threads; fairc and
the peer alternate, each timed several times, and the minimum is reported. Sections whose peer
or data is absent print "skipped". Usage: bench.py [--rows N] [--repeat R] [section ...]
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def pin_threads(n):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def alternate(fns, repeat):
    """Minimum time of each callable, timing them in turn `repeat` times."""
    out = {k: float("inf") for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            out[k] = min(out[k], best(fn, 1))
    return out


def report(name, ours, theirs, peer):
    print(f"{name}: fairc {ours * 1e3:.3f} ms, {peer} {theirs * 1e3:.3f} ms, "
          f"ratio {theirs / ours:.1f}x", flush=True)


def bench_audit(args, common):
    import numpy as np
    import fairc
    try:
        fl = common.peer("fairlearn")
    except Exception as e:  # SkipTest
        print(f"audit: skipped ({e})")
        return
    from fairlearn import metrics as flm
    n = args.rows
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n, dtype=np.uint8)
    yhat = rng.integers(0, 2, n, dtype=np.uint8)
    w = rng.uniform(0.5, 2.0, n)
    for G, weighted in ((2, False), (8, False), (8, True)):
        g = rng.integers(0, G, n).astype(np.int32)
        sw = w if weighted else None
        r = fairc.audit(y, yhat, sensitive_features=g, sample_weight=sw, n_jobs=args.threads)
        fns = {"selection_rate": flm.selection_rate, "tpr": flm.true_positive_rate,
               "fpr": flm.false_positive_rate, "count": flm.count}
        params = {m: {"sample_weight": sw} for m in fns if m != "count"} if weighted else None
        t = time.perf_counter()
        mf = flm.MetricFrame(metrics=fns, y_true=y, y_pred=yhat, sensitive_features=g,
                             sample_params=params)
        peer_time = time.perf_counter() - t
        for k, row in mf.by_group.iterrows():
            for m in fns:
                assert abs(r.by_group.loc[f"sensitive_feature_0={k}", m] - row[m]) <= 1e-9, (k, m)
        ours = best(lambda: fairc.audit(y, yhat, sensitive_features=g, sample_weight=sw,
                                        n_jobs=args.threads), args.repeat)
        report(f"audit {n:,} rows, {G} groups, {'weighted' if weighted else 'unweighted'} "
               "(values equal)", ours, peer_time, f"MetricFrame {fl.__version__}")


def bench_loss(args, common):
    try:
        torch = common.require("torch")
        fairtorch = common.peer("fairtorch")
    except Exception as e:
        print(f"loss: skipped ({e})")
        return
    from fairc.torch import DemographicParityLoss, EqualizedOddsLoss
    gen = torch.Generator().manual_seed(0)
    for G in (2, 5):
        classes = list(range(G))
        z = torch.randn(256, 1, generator=gen, requires_grad=True)
        s = torch.randint(0, G, (256,), generator=gen)
        y = torch.randint(0, 2, (256,), generator=gen)
        for name, ours, theirs in (
                ("DP", DemographicParityLoss(classes, alpha=100),
                 fairtorch.DemographicParityLoss(classes, alpha=100)),
                ("EO", EqualizedOddsLoss(classes, alpha=100),
                 fairtorch.EqualiedOddsLoss(classes, alpha=100))):
            def run(loss, k=200):
                for _ in range(k):
                    z.grad = None
                    loss(None, z, s, y).backward()
            t = alternate({"fairc": lambda: run(ours), "peer": lambda: run(theirs)}, args.repeat)
            ours_us, peer_us = t["fairc"] / 200 * 1e6, t["peer"] / 200 * 1e6
            print(f"loss {name}, {G} groups, batch 256, forward+backward (per batch): fairc "
                  f"{ours_us:.1f} us, FairTorch {peer_us:.1f} us, ratio {peer_us / ours_us:.1f}x",
                  flush=True)


def bench_epoch(args, common):
    try:
        torch = common.require("torch")
        fairtorch = common.peer("fairtorch")
        Xtr, ytr, _, _, train, _ = common.adult()
    except Exception as e:
        print(f"epoch: skipped ({e})")
        return
    import numpy as np
    from fairc.torch import DemographicParityLoss
    X = torch.tensor(Xtr, dtype=torch.float32)
    y = torch.tensor(ytr, dtype=torch.float32)
    s = torch.tensor((train["sex"] == "Male").to_numpy(np.int64))

    def epoch(loss):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 64), torch.nn.ReLU(),
                                    torch.nn.Linear(64, 1))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        bce = torch.nn.BCEWithLogitsLoss()
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
        for i in range(0, len(y), 256):
            idx = perm[i:i + 256]
            opt.zero_grad()
            logit = model(X[idx])
            (bce(logit.view(-1), y[idx]) + loss(X[idx], logit, s[idx])).backward()
            opt.step()
    t = alternate({"fairc": lambda: epoch(DemographicParityLoss([0, 1], alpha=100)),
                   "peer": lambda: epoch(fairtorch.DemographicParityLoss([0, 1], alpha=100))},
                  args.repeat)
    report("epoch, Adult MLP 107-64-1 + DP(sex) loss", t["fairc"], t["peer"], "FairTorch")


def bench_eg(args, common):
    try:
        common.peer("fairlearn")
        common.require("sklearn")
        Xtr, ytr, Xte, yte, train, _ = common.adult()
    except Exception as e:
        print(f"eg: skipped ({e})")
        return
    import numpy as np
    import fairc
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression as SkLR
    res = {}
    for name, est in (("fairc", fairc.LogisticRegression()), ("sklearn", SkLR(max_iter=1000))):
        eg = ExponentiatedGradient(est, DemographicParity())
        t = time.perf_counter()
        eg.fit(Xtr, ytr, sensitive_features=train["sex"])
        res[name] = time.perf_counter() - t
        acc = np.mean([(eg.predict(Xte, random_state=k) == yte).mean() for k in range(5)])
        print(f"eg: {name} LogisticRegression as estimator: fit {res[name]:.2f} s, "
              f"{len(eg.predictors_)} predictors, test accuracy {acc:.4f}", flush=True)
    report("eg DP sex, Adult (whole fit)", res["fairc"], res["sklearn"], "scikit-learn LR")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sections", nargs="*", default=["audit", "loss", "epoch", "eg"])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    pin_threads(args.threads)
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(HERE, "tests"))
    import _common as common
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    print(f"threads: {args.threads}")
    for name in args.sections:
        globals()[f"bench_{name}"](args, common)


if __name__ == "__main__":
    main()
