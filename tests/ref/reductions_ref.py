#!/usr/bin/python3
"""reductions_ref.py: Fairlearn 0.9.0's reductions on small synthetic problems, the reference
values pinned in tests/test_gridsearch.c and tests/test_expgrad.c.

Run once, by hand (the C tests do not need Python):
  PYTHONPATH=../shared/peers/fairlearn-0.9.0 /usr/bin/python3 tests/ref/reductions_ref.py

1. GridSearch grids (fairlearn.reductions._grid_search._grid_generator._GridGenerator on the
   moments' own bases): DP with 2 groups (grid 10, 11, 20), DP with 3 groups (10), DP with 5
   groups (20), EO with 2 groups (10), BoundedGroupLoss with 3 groups (10). Groups and events
   appear in sorted order in the data, so Fairlearn's bases equal fairc's. Printed as lambda
   vectors in the moments' index order (sign, event, group) = fairc's constraint order.
2. ExponentiatedGradient on the counts table below with a deterministic learner that both sides
   implement identically: for each pattern (column 0 of X), predict 1 iff the weight of its
   rows with target 1 exceeds that with target 0. Printed per iteration: lambda_t, the EG gap
   and the LP gap (inf when none), then best_iter, the stored h (err, gamma) and the weights.
"""
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from fairlearn.reductions import (BoundedGroupLoss, DemographicParity, EqualizedOdds,
                                  ExponentiatedGradient, SquareLoss)
from fairlearn.reductions._exponentiated_gradient import _lagrangian as lag_mod
from fairlearn.reductions._grid_search._grid_generator import _GridGenerator


def fmt(v):
    return repr(float(v))


def grid(moment, X, y, sf, size, limit=2.0):
    moment.load_data(X, y, sensitive_features=sf)
    force = moment.default_objective_lambda_vec is not None
    g = _GridGenerator(size, limit, moment.pos_basis, moment.neg_basis,
                       moment.neg_basis_present, force).grid
    return g


def print_grid(name, g):
    print(f"/* {name}: {g.shape[1]} points x {g.shape[0]} constraints {list(g.index)} */")
    print(f"static const double {name}[] = {{")
    for c in g.columns:
        print("    " + ", ".join(fmt(v) for v in g[c].values) + ",")
    print("};")


def data(groups, n=12, labels=(0, 1)):
    sf, y = [], []
    for g in groups:
        for k in range(n):
            sf.append(g)
            y.append(labels[k % 2])
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)})
    return X, pd.Series(y), pd.Series(sf)


X, y, sf = data(["a", "b"])
for size in (10, 11, 20):
    print_grid(f"fl_dp2_{size}", grid(DemographicParity(), X, y, sf, size))
X, y, sf = data(["a", "b", "c"])
print_grid("fl_dp3_10", grid(DemographicParity(), X, y, sf, 10))
X, y, sf = data(["a", "b", "c", "d", "e"])
print_grid("fl_dp5_20", grid(DemographicParity(), X, y, sf, 20))
X, y, sf = data(["a", "b"])
print_grid("fl_eo2_10", grid(EqualizedOdds(), X, y, sf, 10))
X, y, sf = data(["a", "b", "c"])
yr = pd.Series(np.linspace(0, 1, len(y)))
print_grid("fl_bgl3_10", grid(BoundedGroupLoss(SquareLoss(0, 1), upper_bound=0.1), X, yr, sf, 10))

# ---- ExponentiatedGradient --------------------------------------------------------------------
# counts[g][b] = (rows with y = 0, rows with y = 1); pattern = 4 g + b
COUNTS = {
    "dp2": [[(30, 5), (20, 10), (10, 20), (5, 30)],
            [(40, 2), (30, 6), (15, 10), (8, 14)]],
    "eo3": [[(30, 5), (20, 10), (10, 20), (5, 30)],
            [(40, 2), (30, 6), (15, 10), (8, 14)],
            [(12, 9), (9, 12), (7, 7), (3, 11)]],
}


def rows(counts):
    Xp, yy, gg = [], [], []
    for g, buckets in enumerate(counts):
        for b, (n0, n1) in enumerate(buckets):
            for lab, n in ((0, n0), (1, n1)):
                for _ in range(n):
                    Xp.append(4 * g + b)
                    yy.append(lab)
                    gg.append("g%d" % g)
    return (pd.DataFrame({"p": np.array(Xp, dtype=float)}), pd.Series(yy), pd.Series(gg))


class Majority(BaseEstimator, ClassifierMixin):
    """Per pattern: 1 iff the weight of target-1 rows exceeds that of target-0 rows."""

    def fit(self, X, y, sample_weight=None):
        p = np.asarray(X)[:, 0].astype(int)
        w = np.ones(len(p)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        y = np.asarray(y)
        self.table_ = {}
        for q in np.unique(p):
            m = p == q
            w1 = float(np.sum(w[m & (y == 1)]))
            w0 = float(np.sum(w[m & (y == 0)]))
            self.table_[q] = 1 if w1 > w0 else 0
        return self

    def predict(self, X):
        p = np.asarray(X)[:, 0].astype(int)
        return np.array([self.table_.get(q, 0) for q in p])


def run_eg(name, counts, moment):
    X, y, sf = rows(counts)
    captured = {}
    orig_init = lag_mod._Lagrangian.__init__

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        captured["lag"] = self
    calls = []
    orig_eval_gap = lag_mod._Lagrangian.eval_gap
    orig_lp = lag_mod._Lagrangian.solve_linprog
    state = {"in_lp": False}

    def eval_gap(self, Q, lam, nu):
        r = orig_eval_gap(self, Q, lam, nu)
        if not state["in_lp"]:
            calls.append(("eg", r.gap()))
        return r

    def solve_linprog(self, nu):
        state["in_lp"] = True
        try:
            out = orig_lp(self, nu)
        finally:
            state["in_lp"] = False
        calls.append(("lp", out[2].gap()))
        return out
    lag_mod._Lagrangian.__init__ = init
    lag_mod._Lagrangian.eval_gap = eval_gap
    lag_mod._Lagrangian.solve_linprog = solve_linprog
    try:
        eg = ExponentiatedGradient(Majority(), moment, eps=0.01)
        eg.fit(X, y, sensitive_features=sf)
    finally:
        lag_mod._Lagrangian.__init__ = orig_init
        lag_mod._Lagrangian.eval_gap = orig_eval_gap
        lag_mod._Lagrangian.solve_linprog = orig_lp
    lag = captured["lag"]
    T = eg.lambda_vecs_EG_.shape[1]
    gap_eg = [g for k, g in calls if k == "eg"]
    gap_lp = [float("inf")] + [g for k, g in calls if k == "lp"]
    print(f"/* EG {name}: rows {len(y)}, constraints {list(eg.lambda_vecs_EG_.index)}, "
          f"nu {eg.nu!r}, iterations {T}, best_iter {eg.best_iter_}, best_gap {eg.best_gap_!r}, "
          f"oracle calls {eg.n_oracle_calls_}, stored h {len(lag.hs)} */")
    print(f"static const double eg_{name}_nu = {fmt(eg.nu)};")
    print(f"static const size_t eg_{name}_T = {T}, eg_{name}_best_iter = {eg.best_iter_}, "
          f"eg_{name}_n_hs = {len(lag.hs)};")
    print(f"static const double eg_{name}_lambda[] = {{")
    for t in range(T):
        print("    " + ", ".join(fmt(v) for v in eg.lambda_vecs_EG_[t].values) + ",")
    print("};")
    print(f"static const double eg_{name}_gap_eg[] = {{" + ", ".join(fmt(v) for v in gap_eg[:T]) + "};")
    print(f"static const double eg_{name}_gap_lp[] = {{" +
          ", ".join("INFINITY" if np.isinf(v) else fmt(v) for v in gap_lp[:T]) + "};")
    print(f"static const double eg_{name}_err[] = {{" + ", ".join(fmt(v) for v in lag.errors.values) + "};")
    print(f"static const double eg_{name}_gamma[] = {{")
    for j in lag.gammas.columns:
        print("    " + ", ".join(fmt(v) for v in lag.gammas[j].values) + ",")
    print("};")
    print(f"static const double eg_{name}_weights[] = {{" + ", ".join(fmt(v) for v in eg.weights_.sort_index().values) + "};")
    # the stored h's decisions per pattern, for the learner-identity check
    print(f"static const int eg_{name}_tables[] = {{")
    for j in range(len(lag.predictors)):
        est = lag.predictors[j]
        if hasattr(est, "table_"):
            print("    " + ", ".join(str(est.table_.get(q, 0)) for q in range(4 * len(counts))) + ",")
        else:
            print("    " + ", ".join(str(int(est.constant)) for q in range(4 * len(counts))) + ", /* constant */")
    print("};")


run_eg("dp2", COUNTS["dp2"], DemographicParity(difference_bound=0.01))
run_eg("eo3", COUNTS["eo3"], EqualizedOdds(difference_bound=0.01))


# ---- GridSearch on the same table ---------------------------------------------------------------
def run_gs(name, counts, moment, size):
    from fairlearn.reductions import GridSearch
    X, y, sf = rows(counts)
    gs = GridSearch(Majority(), moment, grid_size=size)
    gs.fit(X, y, sensitive_features=sf)
    P = len(gs.objectives_)
    print(f"/* GridSearch {name}: {P} points, best {gs.best_idx_} */")
    print(f"static const size_t gs_{name}_best = {gs.best_idx_};")
    print(f"static const double gs_{name}_err[] = {{" + ", ".join(fmt(v) for v in gs.objectives_) + "};")
    print(f"static const double gs_{name}_gamma[] = {{")
    for c in gs.gammas_.columns:
        print("    " + ", ".join(fmt(v) for v in gs.gammas_[c].values) + ",")
    print("};")


run_gs("dp2", COUNTS["dp2"], DemographicParity(difference_bound=0.01), 10)
run_gs("eo3", COUNTS["eo3"], EqualizedOdds(difference_bound=0.01), 20)
