"""Regression: fairc.LinearRegression against scikit-learn's Ridge and LinearRegression and
`fairc train --task regression --model linear`, pickling and bad input; bounded group loss
(SPEC §4.3) through fairc.ExponentiatedGradient (the same mixture and expected predictions as
`fairc train ... --constraint bounded-group-loss` on the law school data, each row's member
picked by its hashed u as `fairc predict` picks it, SPEC §7.3.4) and fairc.GridSearch (the grid
of SPEC §8.2 and the selection of §8.3); the refusals of a mismatched constraint and
estimator."""
import os
import pickle
import struct
import tempfile
import unittest
from unittest import mock

import numpy as np

from _common import require, run_cli, shared, write_x_csv

import fairc  # noqa: E402
from fairc import _lib  # noqa: E402
from fairc.estimators import HAVE_SKLEARN  # noqa: E402

BGL = "bounded_group_loss"


def regression_data(n=400, d=5, seed=0, G=None):
    """Features of varied scales and offsets, a linear target with noise, weights in
    [0.2, 3]; with G, groups s in 0..G-1 whose noise grows with s (so their losses differ)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.uniform(-50, 50, d)
    s = rng.integers(0, G or 1, n)
    y = X @ rng.normal(size=d) + 3 + rng.normal(size=n) * (1 + s)
    w = rng.uniform(0.2, 3, n)
    return X, y, w, s


def shifted_groups(n=2000, seed=4):
    """Three groups (60%, 30%, 10% of the rows) whose targets follow different slopes, so that
    re-weighting trades one group's loss for another's; y standardised, weights in [0.2, 3]."""
    rng = np.random.default_rng(seed)
    s = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    X = rng.normal(size=(n, 3))
    y = (X @ [1.0, -0.5, 0.3] + np.where(s == 2, 1.5 * X[:, 0], 0) +
         np.where(s == 1, -0.8 * X[:, 1], 0) + 0.5 * rng.normal(size=n))
    w = rng.uniform(0.2, 3, n)
    return X, (y - y.mean()) / y.std(), w, s


def as_float32(X):
    """X rounded to the float32 values libfairc reads, as float64 for scikit-learn."""
    return np.asarray(X, dtype=np.float32).astype(np.float64)


def read_predictions(path):
    pd = require("pandas")
    return pd.read_csv(path, float_precision="round_trip")["prediction"].to_numpy()


_LAW = {}
LAW_FEATURES = ["lsat", "ugpa"]


def law():
    """The law school data (label zfygpa, sensitive race1, features lsat and ugpa), rows with
    a missing value dropped: (X standardised as `fairc train` does, with the mean and
    population sd, y, race1, the frame). SkipTest when the file is absent."""
    if not _LAW:
        pd = require("pandas")
        path = shared("data", "law-school", "bar_pass_prediction.csv")
        df = pd.read_csv(path, usecols=LAW_FEATURES + ["race1", "zfygpa"])
        df = df[LAW_FEATURES + ["race1", "zfygpa"]].dropna().reset_index(drop=True)
        raw = df[LAW_FEATURES].to_numpy(np.float64)
        X = (raw - raw.mean(axis=0)) / raw.std(axis=0)
        _LAW["v"] = (X, df["zfygpa"].to_numpy(np.float64), df["race1"], df)
    return _LAW["v"]


def mixture_members(predictor):
    """[(Q_h, coef_h, intercept_h)] of a mixture of linear models, in the mixture's order: the
    tree from describe(), the parameters read from the model file's PARM section (SPEC §11:
    24-byte header, then sections tag | u32 0 | u64 length | payload; PARM = u64 n | n f64)."""
    blob = predictor.to_bytes()
    self_check = blob[:8] == b"FAIRCMOD"
    assert self_check, "not a fairc model file"
    end = 24 + struct.unpack_from("<Q", blob, 16)[0]
    at, params = 24, None
    while at < end:
        tag, length = blob[at:at + 4], struct.unpack_from("<Q", blob, at + 8)[0]
        if tag == b"PARM":
            n = struct.unpack_from("<Q", blob, at + 16)[0]
            params = np.frombuffer(blob, dtype="<f8", count=n, offset=at + 24)
        at += 16 + length
    nodes = predictor.describe()["nodes"]
    root = nodes[0]
    assert root["type"] == "mixture", root
    out = []
    for child, weight in zip(root["children"], root["weights"]):
        node = nodes[child]
        assert node["model"] == "linear", node
        p = params[node["param_offset"]:node["param_offset"] + node["param_count"]]
        out.append((weight, p[:-1], p[-1]))
    return out


def hashed_u(X, seed):
    """SPEC §1.7's u of each row of a model trained on arrays: the row's float32 features as
    binary64, then the group name "all", hashed with seed."""
    import ctypes
    X = np.ascontiguousarray(X, dtype=np.float32)
    u = np.empty(X.shape[0])
    _lib.call(_lib.lib.fairc_decision_uniform_rows, _lib.ptr(X, ctypes.c_float), X.shape[0],
              X.shape[1], b"all", 3, seed, _lib.ptr(u, ctypes.c_double))
    return u


# ---------------------------------------------------------------------------------------------
# LinearRegression


class TestLinearRegression(unittest.TestCase):
    def test_matches_scikit_learn_ridge_and_least_squares_with_weights(self):
        """sum w (y - x.coef - b)^2 + alpha ||coef||^2, intercept not penalised: Ridge(alpha)
        and LinearRegression (alpha 0), with and without intercept, to 1e-8."""
        require("sklearn")
        from sklearn.linear_model import LinearRegression as SkLinear
        from sklearn.linear_model import Ridge
        X, y, w, _ = regression_data()
        Xf = as_float32(X)
        for alpha in (0.0, 0.5, 10.0, 1000.0):
            for intercept in (True, False):
                ours = fairc.LinearRegression(alpha=alpha, fit_intercept=intercept).fit(
                    X, y, sample_weight=w)
                ref = (Ridge(alpha=alpha, fit_intercept=intercept, solver="cholesky") if alpha
                       else SkLinear(fit_intercept=intercept)).fit(Xf, y, sample_weight=w)
                what = f"alpha={alpha} fit_intercept={intercept}"
                self.assertEqual(ours.coef_.shape, (X.shape[1],))
                self.assertIsInstance(ours.intercept_, float)
                np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10,
                                           err_msg=what)
                self.assertAlmostEqual(ours.intercept_, ref.intercept_, delta=1e-8, msg=what)
                np.testing.assert_allclose(ours.predict(X), ref.predict(Xf), rtol=0, atol=1e-8,
                                           err_msg=what)
                # the prediction is x.coef_ + intercept_ on the float32 features
                np.testing.assert_allclose(ours.predict(X), Xf @ ours.coef_ + ours.intercept_,
                                           rtol=0, atol=1e-9, err_msg=what)

    def test_unweighted_is_all_ones_and_weights_are_repeated_rows(self):
        X, y, _, _ = regression_data(n=150)
        a = fairc.LinearRegression(alpha=2.0).fit(X, y)
        b = fairc.LinearRegression(alpha=2.0).fit(X, y, sample_weight=np.ones(len(y)))
        self.assertEqual(a.predictor_.to_bytes(), b.predictor_.to_bytes())
        k = np.random.default_rng(3).integers(0, 4, len(y))
        rep = np.repeat(np.arange(len(y)), k)
        c = fairc.LinearRegression(alpha=2.0).fit(X, y, sample_weight=k.astype(float))
        d = fairc.LinearRegression(alpha=2.0).fit(X[rep], y[rep])
        np.testing.assert_allclose(c.coef_, d.coef_, rtol=1e-9, atol=1e-12)
        self.assertAlmostEqual(c.intercept_, d.intercept_, delta=1e-9)

    def test_pandas_input_and_feature_names(self):
        pd = require("pandas")
        X, y, w, _ = regression_data(n=200, d=3)
        df = pd.DataFrame(X, columns=["a", "b", "c"])
        ours = fairc.LinearRegression(alpha=1.0).fit(df, pd.Series(y, name="t"),
                                                     sample_weight=pd.Series(w))
        ref = fairc.LinearRegression(alpha=1.0).fit(X, y, sample_weight=w)
        np.testing.assert_array_equal(ours.coef_, ref.coef_)
        self.assertEqual(ours.n_features_in_, 3)
        if HAVE_SKLEARN:
            self.assertEqual(list(ours.feature_names_in_), ["a", "b", "c"])
        np.testing.assert_array_equal(ours.predict(df), ref.predict(X))
        self.assertFalse(hasattr(ref, "feature_names_in_"))

    def test_params_clone_and_score(self):
        require("sklearn")
        from sklearn.base import clone, is_regressor
        from sklearn.metrics import r2_score
        X, y, w, _ = regression_data(n=200)
        est = fairc.LinearRegression(alpha=3.0, fit_intercept=False)
        self.assertEqual(est.get_params(), {"alpha": 3.0, "fit_intercept": False, "n_jobs": None})
        self.assertTrue(is_regressor(est))
        copy = clone(est.set_params(alpha=4.0))
        self.assertEqual(copy.alpha, 4.0)
        copy.fit(X, y)
        self.assertAlmostEqual(copy.score(X, y, sample_weight=w),
                               r2_score(y, copy.predict(X), sample_weight=w), places=12)
        self.assertFalse(hasattr(est, "coef_"))

    def test_same_model_as_fairc_train(self):
        """`fairc train --task regression --model linear --alpha 5` on the law school file and
        LinearRegression(alpha=5) on the same standardised columns: the same predictions."""
        X, y, _, df = law()
        ours = fairc.LinearRegression(alpha=5.0).fit(X, y)
        with tempfile.TemporaryDirectory() as tmp:
            csv, model, out = (os.path.join(tmp, f) for f in ("law.csv", "m.fairc", "p.csv"))
            df[LAW_FEATURES + ["zfygpa"]].to_csv(csv, index=False)
            run_cli(self, ["train", csv, "--label", "zfygpa", "--task", "regression", "--model",
                           "linear", "--alpha", "5", "--quiet", "-o", model],
                    ["predict", model, csv, "-o", out])
            cli = read_predictions(out)
        np.testing.assert_allclose(ours.predict(X), cli, rtol=0, atol=1e-9)

    def test_pickle_round_trip_and_model_file(self):
        X, y, w, _ = regression_data(n=300)
        est = fairc.LinearRegression(alpha=0.3).fit(X, y, sample_weight=w)
        blob = pickle.dumps(est)
        self.assertIn(est.predictor_.to_bytes(), blob)
        back = pickle.loads(blob)
        np.testing.assert_array_equal(back.predict(X), est.predict(X))
        np.testing.assert_array_equal(back.coef_, est.coef_)
        self.assertEqual(back.intercept_, est.intercept_)
        self.assertEqual(repr(back), repr(est))
        self.assertEqual(back.predictor_.describe()["task"], "regression")
        with tempfile.TemporaryDirectory() as tmp:
            model, csv, out = (os.path.join(tmp, f) for f in ("m.fairc", "x.csv", "p.csv"))
            est.save_model(model)
            write_x_csv(csv, X)
            run_cli(self, ["predict", model, csv, "-o", out])
            np.testing.assert_allclose(read_predictions(out), est.predict(X), rtol=1e-15,
                                       atol=1e-12)


class TestLinearRegressionBadInput(unittest.TestCase):
    def setUp(self):
        self.X, self.y, _, _ = regression_data(n=60, d=3)

    def test_non_finite(self):
        est = fairc.LinearRegression()
        X = self.X.copy()
        X[3, 1] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            est.fit(X, self.y)
        X[3, 1] = 1e300  # finite in float64, infinite in float32
        with self.assertRaisesRegex(ValueError, "infinity"):
            est.fit(X, self.y)
        for bad in (np.nan, np.inf):
            y = self.y.copy()
            y[0] = bad
            with self.assertRaisesRegex(ValueError, "NaN|infinity"):
                est.fit(self.X, y)
        w = np.ones(len(self.y))
        w[5] = np.nan
        with self.assertRaises(ValueError):
            est.fit(self.X, self.y, sample_weight=w)
        w[5] = -1
        with self.assertRaisesRegex(ValueError, ">= 0"):
            est.fit(self.X, self.y, sample_weight=w)
        with self.assertRaisesRegex(ValueError, "sum to 0"):  # libfairc's message
            est.fit(self.X, self.y, sample_weight=np.zeros(len(self.y)))
        with self.assertRaisesRegex(ValueError, "float|number"):
            est.fit(self.X, np.array(["a"] * len(self.y), dtype=object))

    def test_mismatched_lengths(self):
        est = fairc.LinearRegression()
        with self.assertRaises(ValueError):
            est.fit(self.X, self.y[:-1])
        with self.assertRaises(ValueError):
            est.fit(self.X, self.y, sample_weight=np.ones(len(self.y) + 1))
        est.fit(self.X, self.y)
        with self.assertRaisesRegex(ValueError, "features"):
            est.predict(self.X[:, :2])

    def test_unfitted(self):
        with self.assertRaises((ValueError, AttributeError)) as cm:
            fairc.LinearRegression().predict(self.X)
        self.assertIn("not fitted", str(cm.exception))
        with self.assertRaises((ValueError, AttributeError)):
            fairc.LinearRegression().save_model(os.devnull)

    def test_bad_parameters(self):
        cases = [(fairc.LinearRegression(alpha=-1.0), "alpha must be a finite number >= 0"),
                 (fairc.LinearRegression(alpha=np.inf), "alpha must be a finite number >= 0"),
                 (fairc.LinearRegression(alpha="1"), "alpha must be a number"),
                 (fairc.LinearRegression(fit_intercept="yes"), "fit_intercept must be True"),
                 (fairc.LinearRegression(n_jobs=0), "n_jobs")]
        for est, message in cases:
            with self.assertRaisesRegex(ValueError, message, msg=repr(est)):
                est.fit(self.X, self.y)


# ---------------------------------------------------------------------------------------------
# Bounded group loss

def eg_bgl(upper_bound, **kw):
    return fairc.ExponentiatedGradient(fairc.LinearRegression(), constraint=BGL,
                                       upper_bound=upper_bound, **kw)


class TestExponentiatedGradientBGL(unittest.TestCase):
    def test_law_school_same_mixture_as_fairc_train(self):
        """EG, square loss <= 0.99 per race1 group, on lsat and ugpa: Python on the
        standardised columns and `fairc train` on the file give the same mixture weights,
        iterations and oracle calls, and predict(expected=True) gives `fairc predict
        --expected`."""
        X, y, s, df = law()
        eg = eg_bgl(0.99, loss="square").fit(X, y, sensitive_features=s)
        self.assertTrue(eg.randomized_)
        self.assertGreaterEqual(eg.n_members_, 2)
        self.assertEqual(eg.constraints_, [f"loss race1={g}" for g in sorted(s.unique())])
        with tempfile.TemporaryDirectory() as tmp:
            csv, model, out = (os.path.join(tmp, f) for f in ("law.csv", "m.fairc", "p.csv"))
            df.to_csv(csv, index=False)
            run_cli(self, ["train", csv, "--label", "zfygpa", "--task", "regression",
                           "--sensitive", "race1", "--drop", "race1", "--model", "linear",
                           "--mitigate", "expgrad", "--constraint", "bounded-group-loss",
                           "--loss", "square", "--upper-bound", "0.99", "--quiet", "-o", model],
                    ["predict", model, csv, "--expected", "-o", out])
            cli = read_predictions(out)
            reduction = fairc._predictor.Predictor.load(model).describe()["reduction"]
        np.testing.assert_allclose(eg.weights_, [c["weight"] for c in reduction["candidates"]],
                                   rtol=0, atol=1e-9)
        np.testing.assert_allclose(eg.objectives_, [c["err"] for c in reduction["candidates"]],
                                   rtol=0, atol=1e-9)
        self.assertEqual(eg.n_iter_, reduction["iterations"])
        self.assertEqual(eg.n_oracle_calls_, reduction["oracle_calls"])
        np.testing.assert_allclose(eg.predict(X, expected=True), cli, rtol=0, atol=1e-9)
        # the bound holds in expectation on the training rows, and the mixture beats the
        # unconstrained regression's worst group
        self.assertLessEqual((eg.weights_ @ eg.gammas_).max(), 0.99 + 1e-9)
        self.assertLessEqual(eg.violation_, 1e-9)
        plain = fairc.LinearRegression().fit(X, y).predict(X)
        worst = max(np.mean((y[s == g] - plain[s == g]) ** 2) for g in s.unique())
        self.assertGreater(worst, 0.99 + 0.01)

    def test_each_row_gets_the_member_its_hashed_u_picks(self):
        """SPEC §7.3.4: row i gets the first member whose cumulative weight exceeds u_i (u_i
        hashed from the row's features and the seed), the same in any row order and from
        `fairc predict --seed S` on the saved model; expected=True is sum_h Q_h h(x)."""
        X, y, s, _ = law()
        eg = eg_bgl(0.99).fit(X, y, sensitive_features=s)
        members = mixture_members(eg.predictor_)
        Q = np.array([m[0] for m in members])
        self.assertAlmostEqual(Q.sum(), 1.0, places=12)
        np.testing.assert_allclose(np.sort(Q), np.sort(eg.weights_[eg.weights_ > 0]), atol=1e-15)
        Xf = as_float32(X)
        H = np.column_stack([Xf @ coef + b for _, coef, b in members])  # (N, members)
        np.testing.assert_allclose(eg.predict(X, expected=True), H @ Q, rtol=0, atol=1e-9)
        for seed in (0, 3):
            picked = eg.predict(X, random_state=seed)
            u = hashed_u(X, seed)
            member = np.minimum(np.searchsorted(np.cumsum(Q), u, side="right"), len(Q) - 1)
            np.testing.assert_allclose(picked, H[np.arange(len(y)), member], rtol=0, atol=1e-9)
            # each member is picked about as often as its weight says
            np.testing.assert_allclose(np.bincount(member, minlength=len(Q)) / len(y), Q,
                                       atol=0.02)
        d3 = eg.predict(X, random_state=3)
        np.testing.assert_array_equal(eg.predict(X, random_state=3), d3)  # deterministic
        order = np.random.default_rng(0).permutation(len(y))
        np.testing.assert_array_equal(eg.predict(X[order], random_state=3), d3[order])
        self.assertFalse(np.array_equal(eg.predict(X, random_state=4), d3))
        np.testing.assert_array_equal(eg.predict(X), eg.predict(X, random_state=0))
        eg.set_params(random_state=3)
        np.testing.assert_array_equal(eg.predict(X), d3)
        with tempfile.TemporaryDirectory() as tmp:
            model, csv, out, out_e = (os.path.join(tmp, f)
                                      for f in ("eg.fairc", "x.csv", "p.csv", "e.csv"))
            eg.save_model(model)
            write_x_csv(csv, X)
            run_cli(self, ["predict", model, csv, "--seed", "3", "-o", out],
                    ["predict", model, csv, "--expected", "-o", out_e])
            np.testing.assert_array_equal(read_predictions(out), d3)
            np.testing.assert_array_equal(read_predictions(out_e), eg.predict(X, expected=True))

    def test_every_loss_holds_its_bound(self):
        """Square, absolute and zero-one losses (labels and predictions clipped to the labels'
        range, [0, 1], or loss_min..loss_max), each bound halfway between the unconstrained
        regression's worst group loss and its mean loss: the mixture's expected group losses
        weights_ @ gammas_ meet it, and violation_ is their excess."""
        X, y, w, s = shifted_groups()
        plain = fairc.LinearRegression().fit(X, y, sample_weight=w).predict(X)
        for loss, lo, hi in (("square", None, None), ("absolute", None, None),
                             ("zero_one", None, None), ("absolute", -1.0, 1.0)):
            a, b = (0, 1) if loss == "zero_one" else (lo, hi) if lo is not None else \
                (y.min(), y.max())
            err = np.abs(np.clip(y, a, b) - np.clip(plain, a, b)) ** (2 if loss == "square" else 1)
            group = [np.average(err[s == g], weights=w[s == g]) for g in range(3)]
            bound = 0.5 * (max(group) + np.average(err, weights=w))
            eg = eg_bgl(bound, loss=loss, loss_min=lo, loss_max=hi).fit(
                X, y, sensitive_features=s, sample_weight=w)
            what = f"{loss} [{lo}, {hi}] <= {bound}"
            expected = eg.weights_ @ eg.gammas_
            self.assertLessEqual(expected.max(), bound + 1e-9, what)
            self.assertAlmostEqual(eg.violation_, expected.max() - bound, delta=1e-9, msg=what)
            self.assertAlmostEqual(eg.train_error_, eg.weights_ @ eg.objectives_, delta=1e-9,
                                   msg=what)
            self.assertAlmostEqual(eg.weights_.sum(), 1.0, places=12)
            self.assertEqual(eg.gammas_.shape, (len(eg.weights_), 3))
            self.assertGreaterEqual(eg.n_members_, 2, what)

    def test_sample_weight_scaling_changes_nothing(self):
        X, y, w, s = shifted_groups()
        a, b = (eg_bgl(0.55).fit(X, y, sensitive_features=s, sample_weight=k * w)
                for k in (1.0, 6.5))
        self.assertGreaterEqual(a.n_members_, 2)
        np.testing.assert_allclose(a.weights_, b.weights_, rtol=0, atol=1e-9)
        np.testing.assert_allclose(a.predict(X, expected=True), b.predict(X, expected=True),
                                   rtol=0, atol=1e-9)

    def test_deterministic_keeps_one_model(self):
        X, y, s, _ = law()
        eg = eg_bgl(0.99, deterministic=True).fit(X, y, sensitive_features=s)
        self.assertFalse(eg.randomized_)
        self.assertEqual(eg.n_members_, 1)
        np.testing.assert_array_equal(eg.predict(X, random_state=1), eg.predict(X, random_state=2))
        with self.assertRaisesRegex(ValueError, "single model"):  # libfairc's message
            eg.predict(X, expected=True)

    def test_pickle_round_trip_and_regressor_conventions(self):
        require("sklearn")
        from sklearn.base import clone, is_classifier, is_regressor
        X, y, w, s = shifted_groups()
        eg = eg_bgl(0.55, random_state=5).fit(X, y, sensitive_features=s)
        self.assertTrue(eg.randomized_)
        self.assertTrue(is_regressor(eg) and not is_classifier(eg))
        self.assertTrue(is_classifier(fairc.ExponentiatedGradient(fairc.LogisticRegression())))
        self.assertFalse(hasattr(eg, "predict_proba"))
        self.assertFalse(hasattr(eg, "classes_"))
        blob = pickle.dumps(eg)
        self.assertIn(eg.predictor_.to_bytes(), blob)
        back = pickle.loads(blob)
        np.testing.assert_array_equal(back.predict(X), eg.predict(X))
        np.testing.assert_array_equal(back.predict(X, expected=True), eg.predict(X, expected=True))
        np.testing.assert_array_equal(back.weights_, eg.weights_)
        self.assertEqual(repr(back), repr(eg))
        params = clone(eg).get_params()
        self.assertEqual((params["constraint"], params["upper_bound"], params["estimator__alpha"]),
                         (BGL, 0.55, 0.0))
        from sklearn.metrics import r2_score
        self.assertAlmostEqual(eg.score(X, y), r2_score(y, eg.predict(X)), places=12)

    def test_scikit_learn_checks_that_need_no_sensitive_features(self):
        """The estimator checks that do not call fit (fit needs sensitive_features), on both
        reductions of a regressor, as test_reductions.py runs them on classifiers."""
        if not HAVE_SKLEARN:
            self.skipTest("scikit-learn is not installed")
        from sklearn.utils import estimator_checks as ec
        for red in (eg_bgl(0.5), fairc.GridSearch(fairc.LinearRegression(), constraint=BGL)):
            name = type(red).__name__
            ec.check_no_attributes_set_in_init(name, red)
            ec.check_get_params_invariance(name, red)
            ec.check_set_params(name, red)
            ec.check_parameters_default_constructible(name, red)

    def test_pandas_feature_names(self):
        pd = require("pandas")
        X, y, s, _ = law()
        df = pd.DataFrame(X, columns=LAW_FEATURES)
        eg = eg_bgl(0.99).fit(df, pd.Series(y), sensitive_features=s)
        if HAVE_SKLEARN:
            self.assertEqual(list(eg.feature_names_in_), LAW_FEATURES)
        np.testing.assert_array_equal(eg.predict(df, expected=True), eg.predict(X, expected=True))


class TestGridSearchBGL(unittest.TestCase):
    def test_grid_of_spec_8_2_and_the_selection_of_8_3(self):
        """Two groups, grid_size 10: lambda = (2k/9, 2 - 2k/9), k = 0..9 (the L1 norm forced
        to grid_limit); the point of least 0.5 mean loss + 0.5 max group loss is kept, and
        its single model predicts."""
        X, y, w, s = regression_data(n=1200, d=3, G=2, seed=6)
        gs = fairc.GridSearch(fairc.LinearRegression(), constraint=BGL, grid_size=10,
                              group_order="sorted").fit(X, y, sensitive_features=s,
                                                        sample_weight=w)
        k = np.arange(10)
        np.testing.assert_allclose(gs.lambda_vecs_, np.column_stack([2 * k / 9, 2 - 2 * k / 9]),
                                   rtol=0, atol=1e-12)
        self.assertEqual(gs.constraints_, ["loss sensitive_feature_0=0",
                                           "loss sensitive_feature_0=1"])
        score = 0.5 * gs.objectives_ + 0.5 * gs.gammas_.max(axis=1)
        self.assertEqual(gs.best_idx_, int(np.argmin(score)))
        np.testing.assert_array_equal(gs.weights_, (k == gs.best_idx_).astype(float))
        self.assertFalse(gs.randomized_)
        # without upper_bound the violation is the chosen model's worst group loss
        self.assertAlmostEqual(gs.violation_, gs.gammas_[gs.best_idx_].max(), places=9)
        # the chosen model: the weighted least squares of lambda_g / p_g, p_g = W_g / W
        lam = gs.lambda_vecs_[gs.best_idx_]
        p = np.array([w[s == g].sum() for g in range(2)]) / w.sum()
        ref = fairc.LinearRegression().fit(X, y, sample_weight=w * (lam / p)[s])
        np.testing.assert_allclose(gs.predict(X), ref.predict(X), rtol=0, atol=1e-8)
        np.testing.assert_array_equal(gs.predict(X, random_state=7), gs.predict(X))
        with self.assertRaisesRegex(ValueError, "single model"):  # libfairc's message
            gs.predict(X, expected=True)
        gs.set_params(constraint_weight=1.0).fit(X, y, sensitive_features=s, sample_weight=w)
        self.assertEqual(gs.best_idx_, int(np.argmin(gs.gammas_.max(axis=1))))

    def test_law_school_runs_and_selects(self):
        X, y, s, _ = law()
        for loss in ("square", "absolute", "zero_one"):
            gs = fairc.GridSearch(fairc.LinearRegression(alpha=1.0), constraint=BGL, loss=loss,
                                  upper_bound=0.9, grid_size=20).fit(X, y, sensitive_features=s)
            self.assertEqual(gs.lambda_vecs_.shape, (20, 5))
            np.testing.assert_allclose(gs.lambda_vecs_.sum(axis=1), 2.0, atol=1e-12)
            self.assertTrue((gs.lambda_vecs_ >= 0).all())
            score = 0.5 * gs.objectives_ + 0.5 * gs.gammas_.max(axis=1)
            self.assertEqual(gs.best_idx_, int(np.argmin(score)), loss)
            self.assertAlmostEqual(gs.violation_, gs.gammas_[gs.best_idx_].max() - 0.9, places=9)
            self.assertTrue(np.isfinite(gs.predict(X)).all())


class TestRefusals(unittest.TestCase):
    def setUp(self):
        self.X, self.y, _, self.s = regression_data(n=300, d=3, G=2)
        self.labels = (self.y > np.median(self.y)).astype(int)

    def test_classification_constraint_with_a_regressor(self):
        for cls in (fairc.ExponentiatedGradient, fairc.GridSearch):
            for constraint in ("dp", "eo", "error_rate"):
                with self.assertRaisesRegex(ValueError, "classification constraint.*"
                                            "bounded_group_loss"):
                    cls(fairc.LinearRegression(), constraint=constraint).fit(
                        self.X, self.y, sensitive_features=self.s)

    def test_bounded_group_loss_with_a_classifier(self):
        for cls in (fairc.ExponentiatedGradient, fairc.GridSearch):
            for est in (fairc.LogisticRegression(), fairc.MLPClassifier(hidden=(2,), epochs=1)):
                with self.assertRaisesRegex(ValueError, "regression constraint.*"
                                            "fairc.LinearRegression"):
                    cls(est, constraint=BGL, upper_bound=1.0).fit(
                        self.X, self.labels, sensitive_features=self.s)

    def test_libfairc_refuses_the_same_pairings_in_its_words(self):
        """With the Python check out of the way, libfairc's own refusal reaches the user as a
        ValueError carrying its message."""
        with mock.patch("fairc.reductions._pairing", lambda *a: None):
            with self.assertRaisesRegex(ValueError, "a regression label takes --constraint "
                                        "bounded-group-loss"):
                fairc.ExponentiatedGradient(fairc.LinearRegression(), constraint="dp").fit(
                    self.X, self.y, sensitive_features=self.s)
            with self.assertRaisesRegex(ValueError, "bounded-group-loss is for --task "
                                        "regression"):
                fairc.GridSearch(fairc.LogisticRegression(), constraint=BGL).fit(
                    self.X, self.labels, sensitive_features=self.s)

    def test_options_of_the_other_kind_of_constraint(self):
        LR, LinR = fairc.LogisticRegression, fairc.LinearRegression
        cases = [
            (fairc.ExponentiatedGradient(LR(), upper_bound=0.1), "upper_bound belong"),
            (fairc.GridSearch(LR(), loss="square"), "loss belong"),
            (fairc.ExponentiatedGradient(LinR(), constraint=BGL, upper_bound=1.0,
                                         ratio_bound=0.8), "ratio_bound belongs"),
            (fairc.ExponentiatedGradient(LinR(), constraint=BGL), "needs an upper bound"),
            (fairc.ExponentiatedGradient(LinR(), constraint=BGL, upper_bound=-1.0),
             "upper bound"),
            (fairc.ExponentiatedGradient(LinR(), constraint=BGL, upper_bound=1.0,
                                         loss="hinge"), "loss must be one of"),
            (fairc.GridSearch(LinR(), constraint=BGL, loss_min=0.0), "both ends"),
            (fairc.GridSearch(LinR(), constraint=BGL, loss_min=1.0, loss_max=0.0),
             "clip range"),
            (fairc.GridSearch(LinR(alpha=-2.0), constraint=BGL), "alpha must be"),
        ]
        for red, message in cases:
            y = self.labels if isinstance(red.estimator, LR) else self.y
            with self.assertRaisesRegex(ValueError, message, msg=repr(red)):
                red.fit(self.X, y, sensitive_features=self.s)

    def test_reductions_keep_the_regressors_without_intercept(self):
        """fit_intercept=False reaches the C learner inside a reduction: every member's
        prediction at x = 0 is 0."""
        gs = fairc.GridSearch(fairc.LinearRegression(fit_intercept=False), constraint=BGL,
                              grid_size=5).fit(self.X, self.y, sensitive_features=self.s)
        zero = np.zeros((4, np.asarray(self.X).shape[1]))
        np.testing.assert_array_equal(gs.predict(zero), 0.0)
        with_b = fairc.GridSearch(fairc.LinearRegression(), constraint=BGL,
                                  grid_size=5).fit(self.X, self.y, sensitive_features=self.s)
        self.assertTrue(np.any(with_b.predict(zero) != 0.0))

    def test_expected_is_for_regression_mixtures(self):
        eg = fairc.ExponentiatedGradient(fairc.LogisticRegression()).fit(
            self.X, self.labels, sensitive_features=self.s)
        with self.assertRaisesRegex(ValueError, "regression mixtures"):  # libfairc's message
            eg.predict(self.X, expected=True)

    def test_bad_regression_input(self):
        red = eg_bgl(1.0)
        y = self.y.copy()
        y[3] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN|infinity"):
            red.fit(self.X, y, sensitive_features=self.s)
        with self.assertRaises(ValueError):
            red.fit(self.X, self.y[:-1], sensitive_features=self.s)
        with self.assertRaisesRegex(ValueError, "rows"):
            red.fit(self.X, self.y, sensitive_features=self.s[:-1])
        with self.assertRaisesRegex(ValueError, "varies"):  # libfairc's message
            red.fit(self.X, np.full(len(self.y), 2.0), sensitive_features=self.s)
        with self.assertRaises((ValueError, AttributeError)) as cm:
            eg_bgl(1.0).predict(self.X)
        self.assertIn("not fitted", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
