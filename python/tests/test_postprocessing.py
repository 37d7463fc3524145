"""fairc.ThresholdOptimizer and Reweighing: the command line's model and decisions, the
constraints they promise, and their inputs."""
import os
import pickle
import subprocess
import tempfile
import unittest

import numpy as np

from _common import ROOT, require, shared

pd = require("pandas")

import fairc  # noqa: E402
from fairc import _lib  # noqa: E402
from fairc.preprocessing import reweigh  # noqa: E402


def biased(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 3, n)
    y = (rng.random(n) < 0.2 + 0.2 * g).astype(int)
    score = np.clip(0.3 * y + 0.1 * g + 0.35 * rng.random(n), 0, 1)
    return score, y, pd.Series(np.array(["a", "b", "c"])[g], name="grp")


class TestThresholdOptimizer(unittest.TestCase):
    def test_same_model_and_decisions_as_fairc_postprocess(self):
        fairc_bin = os.path.join(ROOT, "bin", "fairc")
        if not os.access(fairc_bin, os.X_OK):
            self.skipTest("bin/fairc is not built")
        path = shared("golden", "adult_test_predictions.csv")
        # exact parsing: the decision hashes the score's bits, as `fairc predict` reads them
        df = pd.read_csv(path, float_precision="round_trip")
        for constraint in ("dp", "eo"):
            to = fairc.ThresholdOptimizer(constraint=constraint)
            to.fit(df["score"], df["y_true"], sensitive_features=df[["sex"]])
            p = to.predict_proba(df["score"], sensitive_features=df[["sex"]])[:, 1]
            d = to.predict(df["score"], sensitive_features=df[["sex"]])
            with tempfile.TemporaryDirectory() as tmp:
                model, out = os.path.join(tmp, "t.fairc"), os.path.join(tmp, "p.csv")
                for cmd in ([fairc_bin, "postprocess", path, "--label", "y_true", "--sensitive",
                             "sex", "--score", "score", "--constraint", constraint, "--quiet",
                             "-o", model], [fairc_bin, "predict", model, path, "-o", out]):
                    r = subprocess.run(cmd, capture_output=True, text=True)
                    if r.returncode != 0:
                        self.skipTest(f"bin/fairc failed: {r.stderr.strip()}")
                cli = pd.read_csv(out, float_precision="round_trip")
            np.testing.assert_allclose(p, cli["score"], rtol=0, atol=1e-15)
            np.testing.assert_array_equal(d, cli["decision"])
            self.assertGreater(((p > 0) & (p < 1)).sum(), 0)  # some decisions are randomised

    def test_demographic_parity_holds_in_expectation(self):
        score, y, g = biased()
        to = fairc.ThresholdOptimizer(constraint="dp").fit(score, y, sensitive_features=g)
        p = to.predict_proba(score, sensitive_features=g)[:, 1]
        rates = [p[g == k].mean() for k in "abc"]
        self.assertLess(max(rates) - min(rates), 1e-9)
        self.assertLess(to.disparity_, 1e-9)
        self.assertEqual(to.groups_, ["grp=a", "grp=b", "grp=c"])

    def test_equalized_odds_and_weights(self):
        score, y, g = biased(seed=1)
        w = np.random.default_rng(2).uniform(0.5, 2, len(y))
        to = fairc.ThresholdOptimizer(constraint="equalized_odds", objective="balanced_accuracy")
        to.fit(score, y, sensitive_features=g, sample_weight=w)
        p = to.predict_proba(score, sensitive_features=g)[:, 1]
        tpr = [np.average(p[(g == k) & (y == 1)], weights=w[(g == k) & (y == 1)]) for k in "abc"]
        fpr = [np.average(p[(g == k) & (y == 0)], weights=w[(g == k) & (y == 0)]) for k in "abc"]
        self.assertLess(max(tpr) - min(tpr), 1e-6)
        self.assertLess(max(fpr) - min(fpr), 1e-6)

    def test_decisions_are_reproducible(self):
        score, y, g = biased()
        to = fairc.ThresholdOptimizer().fit(score, y, sensitive_features=g)
        a = to.predict(score, sensitive_features=g)
        np.testing.assert_array_equal(a, to.predict(score, sensitive_features=g))
        # hashing: a row's decision does not depend on the other rows
        np.testing.assert_array_equal(a[::-1], to.predict(score[::-1], sensitive_features=g[::-1]))
        to.set_params(randomize="stream", seed=3)
        b = to.predict(score, sensitive_features=g)
        np.testing.assert_array_equal(b, to.predict(score, sensitive_features=g))
        p = to.predict_proba(score, sensitive_features=g)[:, 1]
        np.testing.assert_array_equal(a[(p == 0) | (p == 1)], b[(p == 0) | (p == 1)])

    def test_with_an_estimator_and_pickle(self):
        rng = np.random.default_rng(4)
        X = rng.normal(size=(800, 3))
        g = (X[:, 0] > 0).astype(int)
        y = (X[:, 1] + 0.5 * g + 0.3 * rng.normal(size=800) > 0).astype(int)
        to = fairc.ThresholdOptimizer(estimator=fairc.LogisticRegression(), constraint="tpr")
        to.fit(X, y, sensitive_features=g)
        self.assertTrue(hasattr(to.estimator_, "coef_"))
        back = pickle.loads(pickle.dumps(to))
        np.testing.assert_array_equal(back.predict_proba(X, sensitive_features=g),
                                      to.predict_proba(X, sensitive_features=g))
        prefit = fairc.ThresholdOptimizer(estimator=to.estimator_, prefit=True, constraint="tpr")
        prefit.fit(X, y, sensitive_features=g)
        self.assertIs(prefit.estimator_, to.estimator_)

    def test_unseen_groups(self):
        score, y, g = biased()
        to = fairc.ThresholdOptimizer().fit(score, y, sensitive_features=g)
        other = pd.Series(["a", "z"], name="grp")
        with self.assertRaisesRegex(ValueError, "not seen"):
            to.predict_proba(score[:2], sensitive_features=other)
        pooled = fairc.ThresholdOptimizer(unseen="pooled").fit(score, y, sensitive_features=g)
        self.assertEqual(pooled.predict_proba(score[:2], sensitive_features=other).shape, (2, 2))
        with self.assertRaisesRegex(ValueError, "columns"):
            to.predict(score[:2], sensitive_features=other.rename("other"))

    def test_bad_input(self):
        score, y, g = biased(n=100)
        for kw in ({"constraint": "parity"}, {"objective": "f1"}, {"unseen": "drop"},
                   {"randomize": "coin"}, {"grid_size": 0}):
            with self.assertRaises(ValueError, msg=kw):
                fairc.ThresholdOptimizer(**kw).fit(score, y, sensitive_features=g)
        bad = score.copy()
        bad[0] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            fairc.ThresholdOptimizer().fit(bad, y, sensitive_features=g)
        with self.assertRaisesRegex(ValueError, "rows"):
            fairc.ThresholdOptimizer().fit(score[:-1], y, sensitive_features=g)
        with self.assertRaises((ValueError, AttributeError)):
            fairc.ThresholdOptimizer().predict(score, sensitive_features=g)

    def test_missing_c_side_is_not_implemented(self):
        saved = dict(_lib._missing)
        _lib._missing["fairc_threshold_fit_arrays"] = "test: no fairc_threshold_fit_arrays"
        try:
            with self.assertRaisesRegex(NotImplementedError, "fairc_threshold_fit_arrays"):
                fairc.ThresholdOptimizer().fit([0.1, 0.9], [0, 1], sensitive_features=[0, 1])
        finally:
            _lib._missing.clear()
            _lib._missing.update(saved)


class TestReweighing(unittest.TestCase):
    def test_independence_and_total(self):
        score, y, g = biased()
        w0 = np.random.default_rng(5).uniform(0.5, 2, len(y))
        w = reweigh(y, sensitive_features=g, sample_weight=w0)
        self.assertAlmostEqual(w.sum(), w0.sum(), delta=1e-9 * w0.sum())
        overall = np.average(y, weights=w)
        for k in "abc":
            self.assertAlmostEqual(np.average(y[g == k], weights=w[g == k]), overall, delta=1e-12)
        # the formula, cell by cell
        W = w0.sum()
        for k in "abc":
            for label in (0, 1):
                cell = (g == k).to_numpy() & (y == label)
                expected = w0[g == k].sum() * w0[y == label].sum() / (W * w0[cell].sum())
                np.testing.assert_allclose(w[cell], w0[cell] * expected, rtol=1e-12)

    def test_fitted_factors_apply_to_new_rows(self):
        score, y, g = biased()
        rw = fairc.Reweighing().fit(y, sensitive_features=g)
        self.assertEqual(list(rw.factors_.index), ["grp=a", "grp=b", "grp=c"])
        np.testing.assert_allclose(rw.transform(y, sensitive_features=g), rw.weights_, rtol=1e-12)
        np.testing.assert_allclose(rw.fit_transform(y, sensitive_features=g),
                                   reweigh(y, sensitive_features=g))
        with self.assertRaisesRegex(ValueError, "not seen"):
            rw.transform([1], sensitive_features=pd.Series(["z"], name="grp"))

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "pos_label"):
            reweigh(["x", "y"], sensitive_features=[0, 1])
        with self.assertRaises(ValueError):
            reweigh([0, 1], sensitive_features=[0, 1], sample_weight=[1.0, -1.0])
        with self.assertRaisesRegex(ValueError, "rows"):
            reweigh([0, 1, 1], sensitive_features=[0, 1])


if __name__ == "__main__":
    unittest.main()
