"""fairc.CorrelationRemover: Fairlearn 0.9.0's output where Fairlearn is right, no correlation
left with any sensitive column (also weighted, also with several columns, where Fairlearn leaves
some), the projection applied to new rows as libfairc applies it, scikit-learn's checks, pickling
and bad input."""
import functools
import pickle
import unittest

import numpy as np

from _common import peer, require

import fairc  # noqa: E402
from fairc.estimators import HAVE_SKLEARN  # noqa: E402


def table(n=500, seed=0):
    """Columns: a (depends on s), s (0/1), c (depends on s), d (uniform, independent)."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    return np.column_stack([rng.normal(size=n) + s, s, 2 * rng.normal(size=n) - s,
                            rng.random(n)])


def weighted_cov(a, b, w):
    w = np.ones(len(a)) if w is None else w
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    return np.average((a - ma) * (b - mb), weights=w)


class TestCorrelationRemover(unittest.TestCase):
    def test_matches_fairlearn_on_one_sensitive_column(self):
        peer("fairlearn")
        pd = require("pandas")
        from fairlearn.preprocessing import CorrelationRemover as FairlearnCR
        X = table()
        df = pd.DataFrame(X, columns=list("abcd"))
        for ids, data, alpha in (([1], X, 1.0), (["b"], df, 1.0), (["b"], df, 0.35),
                                 ([3], X, 0.8)):
            ours = fairc.CorrelationRemover(sensitive_feature_ids=ids, alpha=alpha).fit(data)
            ref = FairlearnCR(sensitive_feature_ids=ids, alpha=alpha).fit(data)
            np.testing.assert_allclose(ours.transform(data), ref.transform(data), rtol=0,
                                       atol=1e-12)
            np.testing.assert_allclose(ours.fit_transform(data), ref.transform(data), rtol=0,
                                       atol=1e-12)
            np.testing.assert_allclose(ours.beta_, ref.beta_, rtol=0, atol=1e-12)

    def test_several_sensitive_columns_leave_no_correlation(self):
        """Each sensitive column is centred by its own mean: no correlation is left with any of
        them. Fairlearn 0.9.0 centres both by the mean of all their entries and leaves some."""
        X = table()
        X[:, 3] = X[:, 3] + 0.5 * X[:, 0]  # a second, correlated sensitive column
        Z = fairc.CorrelationRemover(sensitive_feature_ids=[1, 3]).fit_transform(X)
        self.assertEqual(Z.shape, (len(X), 2))
        for j in range(2):
            for k in (1, 3):
                self.assertLess(abs(weighted_cov(Z[:, j], X[:, k], None)), 1e-12)
        try:
            peer("fairlearn")
        except unittest.SkipTest:
            return
        from fairlearn.preprocessing import CorrelationRemover as FairlearnCR
        Zf = FairlearnCR(sensitive_feature_ids=[1, 3]).fit_transform(X)
        left = max(abs(weighted_cov(Zf[:, j], X[:, k], None)) for j in range(2) for k in (1, 3))
        self.assertGreater(left, 1e-3)  # Fairlearn's defect, not reproduced

    def test_weighted_fit_removes_the_weighted_correlation(self):
        X = table()
        w = np.random.default_rng(3).uniform(0.1, 4, len(X))
        cr = fairc.CorrelationRemover(sensitive_feature_ids=[1])
        Z = cr.fit_transform(X, sample_weight=w)
        for j in range(3):
            self.assertLess(abs(weighted_cov(Z[:, j], X[:, 1], w)), 1e-12)
        np.testing.assert_allclose(cr.sensitive_mean_, [np.average(X[:, 1], weights=w)])
        # the weighted means of the output are those of the input (only the correlated part moves)
        np.testing.assert_allclose(np.average(Z, axis=0, weights=w),
                                   np.average(X[:, [0, 2, 3]], axis=0, weights=w), atol=1e-12)
        same = fairc.CorrelationRemover(sensitive_feature_ids=[1]).fit(X, sample_weight=5 * w)
        np.testing.assert_allclose(same.transform(X), Z, atol=1e-12)

    def test_new_rows_get_the_projection_libfairc_fits(self):
        """transform(new rows) equals libfairc's own output for them when they join the fit with
        weight 0 (they then take no part in W* or the means, and are shifted by them)."""
        train, new = table(seed=1), table(n=200, seed=2)
        new[:, 1] = np.random.default_rng(4).random(200)  # any numbers, not only 0/1
        cr = fairc.CorrelationRemover(sensitive_feature_ids=[1], alpha=0.7).fit(train)
        both = np.vstack([train, new])
        w = np.r_[np.ones(len(train)), np.zeros(len(new))]
        ref = fairc.CorrelationRemover(sensitive_feature_ids=[1], alpha=0.7).fit_transform(
            both, sample_weight=w)
        np.testing.assert_allclose(cr.transform(new), ref[len(train):], rtol=0, atol=1e-12)
        np.testing.assert_allclose(cr.transform(train), cr.fit_transform(train), atol=1e-12)

    def test_rank_deficient_indicators(self):
        """One-hot columns of every level sum to 1: W* is the pseudo-inverse's, and each row
        loses its group's mean and gains the overall one (SPEC §10.2)."""
        rng = np.random.default_rng(7)
        g = rng.integers(0, 3, 900)
        z = rng.normal(size=900) + g
        X = np.column_stack([z, g == 0, g == 1, g == 2]).astype(float)
        Z = fairc.CorrelationRemover(sensitive_feature_ids=[1, 2, 3]).fit_transform(X)
        means = np.array([z[g == k].mean() for k in range(3)])
        np.testing.assert_allclose(Z[:, 0], z - means[g] + z.mean(), atol=1e-10)

    def test_alpha_blends_and_zero_keeps_the_columns(self):
        X = table()
        full = fairc.CorrelationRemover(sensitive_feature_ids=[1]).fit_transform(X)
        half = fairc.CorrelationRemover(sensitive_feature_ids=[1], alpha=0.5).fit_transform(X)
        none = fairc.CorrelationRemover(sensitive_feature_ids=[1], alpha=0).fit_transform(X)
        np.testing.assert_array_equal(none, X[:, [0, 2, 3]])
        np.testing.assert_allclose(half, 0.5 * full + 0.5 * X[:, [0, 2, 3]], atol=1e-12)

    def test_pickle_and_feature_names(self):
        pd = require("pandas")
        df = pd.DataFrame(table(), columns=["a", "sex", "c", "d"])
        cr = fairc.CorrelationRemover(sensitive_feature_ids=["sex"], alpha=0.9).fit(df)
        back = pickle.loads(pickle.dumps(cr))
        np.testing.assert_array_equal(back.transform(df), cr.transform(df))
        self.assertEqual(list(cr.get_feature_names_out()), ["a", "c", "d"])
        if HAVE_SKLEARN:
            out = cr.set_output(transform="pandas").transform(df)
            self.assertEqual(list(out.columns), ["a", "c", "d"])


class TestScikitLearnChecks(unittest.TestCase):
    """scikit-learn 1.2.1's estimator checks on CorrelationRemover(sensitive_feature_ids=[0]),
    one test each; check_parameters_default_constructible skips (as Fairlearn's, the sensitive
    columns are a required parameter)."""


def _add_checks():
    if not HAVE_SKLEARN:
        def test_skipped(self):
            self.skipTest("scikit-learn is not installed")
        TestScikitLearnChecks.test_sklearn_checks = test_skipped
        return
    from sklearn.utils.estimator_checks import _maybe_skip, _yield_all_checks
    estimator = fairc.CorrelationRemover(sensitive_feature_ids=[0])
    seen = {}
    for check in _yield_all_checks(estimator):
        label = getattr(check, "func", check).__name__
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label += f"_{seen[label]}"
        wrapped = _maybe_skip(estimator, functools.partial(check, "CorrelationRemover"))

        def test(self, wrapped=wrapped):
            wrapped(estimator)
        setattr(TestScikitLearnChecks, f"test_{label}", test)


_add_checks()


class TestBadInput(unittest.TestCase):
    def test_errors_name_the_problem(self):
        X = table(n=50)
        CR = fairc.CorrelationRemover
        bad = X.copy()
        bad[3, 2] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            CR(sensitive_feature_ids=[1]).fit(bad)
        with self.assertRaisesRegex(ValueError, r"alpha must be a number in \[0, 1\]"):
            CR(sensitive_feature_ids=[1], alpha=1.5).fit(X)
        with self.assertRaisesRegex(ValueError, "not a column position"):
            CR(sensitive_feature_ids=[7]).fit(X)
        with self.assertRaisesRegex(ValueError, "listed twice"):
            CR(sensitive_feature_ids=[1, -3]).fit(X)
        with self.assertRaisesRegex(ValueError, "required"):
            CR(sensitive_feature_ids=None).fit(X)
        w = np.ones(len(X))
        w[4] = -1
        with self.assertRaisesRegex(ValueError, "row 5: weight not a finite number >= 0"):
            CR(sensitive_feature_ids=[1]).fit(X, sample_weight=w)
        with self.assertRaisesRegex(ValueError, "total weight is 0"):
            CR(sensitive_feature_ids=[1]).fit(X, sample_weight=np.zeros(len(X)))
        cr = CR(sensitive_feature_ids=[1]).fit(X)
        with self.assertRaisesRegex(ValueError, "features"):
            cr.transform(X[:, :3])
        with self.assertRaises((ValueError, AttributeError)) as cm:
            CR(sensitive_feature_ids=[1]).transform(X)
        self.assertIn("not fitted", str(cm.exception))
        pd = require("pandas")
        with self.assertRaisesRegex(ValueError, "'sex' is not a column"):
            CR(sensitive_feature_ids=["sex"]).fit(pd.DataFrame(X, columns=list("abcd")))


if __name__ == "__main__":
    unittest.main()
