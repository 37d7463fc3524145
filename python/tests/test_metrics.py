"""fairc.metrics.audit: golden Adult values, Fairlearn's MetricFrame, weights, groups, bad input."""
import functools
import json
import math
import unittest

import numpy as np

from _common import peer, require, shared

pd = require("pandas")

import fairc  # noqa: E402
from fairc.metrics import audit  # noqa: E402

TOL = 1e-9
GOLDEN_METRICS = ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "selection_rate",
                  "tpr", "fpr", "tnr", "fnr", "count"]


def fairc_name(m):
    return "tpr" if m == "recall" else m


def close(a, b, tol=TOL):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= tol


def random_data(n=2000, seed=0, groups=3, weights=True):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    y = (rng.random(n) < 0.3 + 0.1 * g).astype(np.uint8)
    yhat = (rng.random(n) < 0.25 + 0.15 * g).astype(np.uint8)
    w = rng.uniform(0.5, 3.0, n) if weights else None
    return y, yhat, g, w


class TestGolden(unittest.TestCase):
    """SPEC §3.2 through the Python API: every golden value to 1e-9."""

    @classmethod
    def setUpClass(cls):
        cls.df = pd.read_csv(shared("golden", "adult_test_predictions.csv"))
        with open(shared("golden", "adult_metrics.json")) as f:
            cls.golden = json.load(f)["results"]

    def check(self, sens, weighted):
        G = self.golden[f"{sens}|{'fnlwgt' if weighted else 'unweighted'}"]
        cols = sens.split(",")
        r = audit(self.df["y_true"], self.df["y_pred"], sensitive_features=self.df[cols],
                  sample_weight=self.df["fnlwgt"] if weighted else None)
        mf = G["metric_frame"]
        for m in GOLDEN_METRICS:
            self.assertTrue(close(r.overall[fairc_name(m)], mf["overall"][m]), ("overall", m))
        self.assertEqual(len(r.by_group), len(mf["by_group"]))
        for k, row in enumerate(mf["by_group"]):
            self.assertEqual(tuple(r.levels.iloc[k]), tuple(row[c] for c in cols))
            for m in GOLDEN_METRICS:
                self.assertTrue(close(r.by_group[fairc_name(m)].iloc[k], row[m]), (k, m))
        aggregates = {"group_min": r.group_min(), "group_max": r.group_max(),
                      "difference_between_groups": r.difference(),
                      "difference_to_overall": r.difference("to_overall"),
                      "ratio_between_groups": r.ratio(),
                      "ratio_to_overall": r.ratio(method="to_overall")}
        for name, values in aggregates.items():
            for m in GOLDEN_METRICS:
                self.assertTrue(close(values[fairc_name(m)], mf[name][m]), (name, m))
        for key, value in G.items():
            if key.startswith("demographic_parity_"):
                self.assertTrue(close(r.disparities[key], value), key)
            elif key.startswith("equalized_odds_") and key != "equalized_odds_agg_v0_12":
                self.assertTrue(close(r.disparities[key + "_worst_case"], value), key)
        for key, value in G["equalized_odds_agg_v0_12"].items():
            self.assertTrue(close(r.disparities[key], value), key)


for _sens in ("sex", "race", "sex,race"):
    for _weighted in (False, True):
        setattr(TestGolden, f"test_{_sens.replace(',', '_')}_{'fnlwgt' if _weighted else 'unweighted'}",
                functools.partialmethod(TestGolden.check, _sens, _weighted))


class TestAgainstFairlearn(unittest.TestCase):
    """Equal to Fairlearn 0.9.0's MetricFrame on random data wherever both define a value."""

    def metric_frame(self, y, yhat, sf, w):
        peer("fairlearn")
        from fairlearn import metrics as flm
        from sklearn import metrics as skm
        fns = {"selection_rate": flm.selection_rate, "accuracy": skm.accuracy_score,
               "balanced_accuracy": skm.balanced_accuracy_score,
               "precision": functools.partial(skm.precision_score, zero_division=0),
               "tpr": flm.true_positive_rate, "fpr": flm.false_positive_rate,
               "tnr": flm.true_negative_rate, "fnr": flm.false_negative_rate,
               "f1": skm.f1_score, "count": flm.count}
        params = None if w is None else {m: {"sample_weight": w} for m in fns if m != "count"}
        return flm.MetricFrame(metrics=fns, y_true=y, y_pred=yhat, sensitive_features=sf,
                               sample_params=params)

    def compare(self, y, yhat, sf, w):
        mf = self.metric_frame(y, yhat, sf, w)
        r = audit(y, yhat, sensitive_features=sf, sample_weight=w)
        compared = 0
        theirs_by_level = {tuple(str(v) for v in (k if isinstance(k, tuple) else (k,))): row
                           for k, row in mf.by_group.iterrows()}
        for name in r.by_group.index:
            row = theirs_by_level[tuple(r.levels.loc[name])]
            for m in mf.by_group.columns:
                ours, theirs = r.by_group.loc[name, m], row[m]
                if math.isnan(ours):  # undefined for fairc; Fairlearn reports 0 (SPEC §2.3), and
                    # balanced accuracy averages the recalls of the classes present
                    expected = row["tpr"] if m == "balanced_accuracy" and row["fnr"] + row["tpr"] else 0.0
                    self.assertEqual(theirs, expected, (name, m))
                    continue
                self.assertAlmostEqual(float(ours), float(theirs), delta=TOL, msg=(name, m))
                compared += 1
        for m in mf.overall.index:
            self.assertAlmostEqual(float(r.overall[m]), float(mf.overall[m]), delta=TOL, msg=m)
        return r, mf, compared

    def test_weighted_three_groups(self):
        y, yhat, g, w = random_data()
        r, mf, _ = self.compare(y, yhat, pd.Series(g, name="g"), w)
        for m in mf.by_group.columns:
            self.assertAlmostEqual(r.difference()[m], mf.difference()[m], delta=TOL)
            self.assertAlmostEqual(r.difference("to_overall")[m],
                                   mf.difference(method="to_overall")[m], delta=TOL)
            self.assertAlmostEqual(r.ratio()[m], mf.ratio()[m], delta=TOL)
            self.assertAlmostEqual(r.ratio("to_overall")[m], mf.ratio(method="to_overall")[m],
                                   delta=TOL)
            self.assertAlmostEqual(r.group_min()[m], mf.group_min()[m], delta=TOL)
            self.assertAlmostEqual(r.group_max()[m], mf.group_max()[m], delta=TOL)

    def test_unweighted_two_columns(self):
        y, yhat, g, _ = random_data(seed=1, groups=4)
        rng = np.random.default_rng(5)
        sf = pd.DataFrame({"sex": np.where(rng.random(len(y)) < 0.4, "F", "M"), "grp": g})
        _, _, compared = self.compare(y, yhat, sf, None)
        self.assertGreater(compared, 50)

    def test_undefined_values_are_nan_where_fairlearn_says_zero(self):
        y, yhat, g, w = random_data(n=600, seed=2)
        y[g == 2] = 1  # group 2 has no negatives: fpr, tnr, balanced_accuracy undefined
        r, _, _ = self.compare(y, yhat, g, w)
        self.assertTrue(math.isnan(r.by_group.loc["sensitive_feature_0=2", "fpr"]))
        codes = {w["code"] for w in r.warnings}
        self.assertIn("degenerate_labels", codes)
        self.assertIn("undefined_metric", codes)


class TestAudit(unittest.TestCase):
    def test_result_shape(self):
        y, yhat, g, w = random_data()
        r = audit(y, yhat, sensitive_features=pd.Series(g, name="g"), sample_weight=w)
        self.assertEqual(list(r.by_group.index), ["g=0", "g=1", "g=2"])
        self.assertEqual(r.by_group.index.name, "group")
        self.assertEqual(list(r.by_group.columns)[:3], ["count", "selection_rate", "accuracy"])
        self.assertEqual(r.by_group["count"].dtype, np.int64)
        self.assertEqual(int(r.by_group["count"].sum()), len(y))
        self.assertEqual(r.overall["count"], len(y))
        self.assertAlmostEqual(r.support["weight"].sum(), w.sum(), delta=1e-9)
        self.assertEqual(r.sensitive_features, ["g"])
        sr = r.by_group["selection_rate"]
        self.assertAlmostEqual(r.difference()["selection_rate"], sr.max() - sr.min(), delta=1e-15)
        self.assertAlmostEqual(r.ratio()["selection_rate"], sr.min() / sr.max(), delta=1e-15)
        self.assertEqual(r.disparities["demographic_parity_difference_between_groups"],
                         r.difference()["selection_rate"])
        self.assertIn("reports", r.json)
        with self.assertRaises(ValueError):
            r.difference(method="pairwise")

    def test_weights_invariants(self):
        """SPEC §1.4: scaling changes nothing; integer weights equal repeated rows; all-ones
        weights give the same bits as none."""
        y, yhat, g, _ = random_data(n=500, seed=3)
        base = audit(y, yhat, sensitive_features=g)
        ones = audit(y, yhat, sensitive_features=g, sample_weight=np.ones(len(y)))
        pd.testing.assert_frame_equal(base.by_group, ones.by_group, check_exact=True)
        k = np.random.default_rng(4).integers(0, 4, len(y)).astype(float)
        k[0] = 1
        weighted = audit(y, yhat, sensitive_features=g, sample_weight=k)
        scaled = audit(y, yhat, sensitive_features=g, sample_weight=k * 1000.0)
        rep = np.repeat(np.arange(len(y)), k.astype(int))
        repeated = audit(y[rep], yhat[rep], sensitive_features=g[rep])
        cols = [c for c in weighted.by_group.columns if c != "count"]
        np.testing.assert_allclose(weighted.by_group[cols], scaled.by_group[cols], rtol=1e-12)
        np.testing.assert_allclose(weighted.by_group[cols], repeated.by_group[cols], rtol=1e-12)
        np.testing.assert_allclose(weighted.overall[cols], repeated.overall[cols], rtol=1e-12)

    def test_threads_do_not_change_results(self):
        y, yhat, g, w = random_data(n=300000, seed=6)
        one = audit(y, yhat, sensitive_features=g, sample_weight=w, n_jobs=1)
        many = audit(y, yhat, sensitive_features=g, sample_weight=w, n_jobs=-1)
        pd.testing.assert_frame_equal(one.by_group, many.by_group, check_exact=True)

    def test_arrays_of_the_right_type_are_not_copied(self):
        y, yhat, g, w = random_data()
        g32 = g.astype(np.int32)
        r = audit(y, yhat.astype(bool), sensitive_features=g32, sample_weight=w)
        self.assertTrue(np.shares_memory(r._inputs.y, y))
        self.assertEqual(r._inputs.yhat.dtype, np.uint8)
        self.assertTrue(np.shares_memory(r._inputs.w, w))
        self.assertTrue(np.shares_memory(r._inputs.groups.ids, g32))

    def test_other_layouts_and_dtypes_give_the_same_values(self):
        y, yhat, g, w = random_data()
        r = audit(y, yhat, sensitive_features=g, sample_weight=w)
        big_y = np.zeros((len(y), 2), dtype=np.int64)
        big_y[:, 1] = y
        r2 = audit(big_y[:, 1], list(yhat.astype(float)), sensitive_features=list(g),
                   sample_weight=pd.Series(w.astype(np.float32).astype(np.float64)))
        self.assertFalse(big_y[:, 1].flags.c_contiguous)
        pd.testing.assert_frame_equal(r.by_group.drop(columns="count"),
                                      r2.by_group.drop(columns="count"), rtol=1e-6)
        r3 = audit(np.where(y == 1, 1, -1), yhat == 1, sensitive_features=g, sample_weight=w)
        pd.testing.assert_frame_equal(r.by_group, r3.by_group, check_exact=True)
        r4 = audit(np.where(y == 1, "yes", "no"), np.where(yhat == 1, "yes", "no"),
                   pos_label="yes", sensitive_features=g, sample_weight=w)
        pd.testing.assert_frame_equal(r.by_group, r4.by_group, check_exact=True)

    def test_scores_threshold_and_mean_score(self):
        rng = np.random.default_rng(7)
        y, g = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
        s = rng.random(400)
        r = audit(y, y_score=s, sensitive_features=g)
        r2 = audit(y, (s > 0.5).astype(int), y_score=s, sensitive_features=g)
        pd.testing.assert_frame_equal(r.by_group, r2.by_group, check_exact=True)
        self.assertAlmostEqual(r.overall["mean_score"], s.mean(), delta=1e-12)
        r3 = audit(y, y_score=s * 10 - 5, threshold=0.0, sensitive_features=g)
        pd.testing.assert_frame_equal(r.by_group.drop(columns="mean_score"),
                                      r3.by_group.drop(columns="mean_score"), check_exact=True)
        with self.assertRaisesRegex(ValueError, "threshold"):
            audit(y, y_score=s * 10 - 5, sensitive_features=g)


class TestGroups(unittest.TestCase):
    def names(self, sf, **kw):
        n = len(sf) if not isinstance(sf, dict) else len(next(iter(sf.values())))
        r = audit(np.arange(n) % 2, np.arange(n) % 3 == 0, sensitive_features=sf,
                  min_group_size=0, **kw)
        return list(r.by_group.index), r

    def test_numbers_sort_numerically_strings_by_bytes(self):
        self.assertEqual(self.names(pd.Series([10, 2, 2, 10, 1, 1], name="a"))[0],
                         ["a=1", "a=2", "a=10"])
        self.assertEqual(self.names(pd.Series(["10", "2", "9.5", "2", "10", "9.5"], name="a"))[0],
                         ["a=2", "a=9.5", "a=10"])
        self.assertEqual(self.names(pd.Series(["b", "B", "a", "b", "B", "a"], name="s"))[0],
                         ["s=B", "s=a", "s=b"])
        self.assertEqual(self.names(pd.Series([0.5, -1.0, 0.5, -1.0], name="x"))[0],
                         ["x=-1.0", "x=0.5"])

    def test_order_does_not_depend_on_row_order(self):
        sf = pd.DataFrame({"sex": ["M", "F", "M", "F"] * 5, "race": ["w", "b", "b", "w"] * 5})
        first = self.names(sf)[0]
        self.assertEqual(first, ["sex=F,race=b", "sex=F,race=w", "sex=M,race=b", "sex=M,race=w"])
        self.assertEqual(self.names(sf.iloc[::-1].reset_index(drop=True))[0], first)

    def test_only_occurring_intersections(self):
        sf = {"a": ["x", "x", "y", "y"], "b": [1, 2, 1, 1]}
        self.assertEqual(self.names(sf)[0], ["a=x,b=1", "a=x,b=2", "a=y,b=1"])

    def test_escaping(self):
        names, r = self.names(pd.DataFrame({"c,d": ["a=b", "x\\y", "a=b", "x\\y"]}))
        self.assertEqual(names, ["c\\,d=a\\=b", "c\\,d=x\\\\y"])
        self.assertEqual(list(r.levels["c,d"]), ["a=b", "x\\y"])

    def test_missing_is_its_own_level_last_with_a_warning(self):
        sf = pd.Series(["b", None, "a", "b", np.nan, "a"], name="s")
        names, r = self.names(sf)
        self.assertEqual(names, ["s=a", "s=b", "s=?"])
        self.assertIn("missing_sensitive", [w["code"] for w in r.warnings])
        names, r = self.names(sf, sensitive_missing="drop")
        self.assertEqual(names, ["s=a", "s=b"])
        self.assertEqual(r.overall["count"], 4)
        with self.assertRaisesRegex(ValueError, "missing at row 1"):
            self.names(sf, sensitive_missing="error")
        names, _ = self.names(pd.Series([1.0, np.nan, 2.0, 1.0], name="f"))
        self.assertEqual(names, ["f=1.0", "f=2.0", "f=?"])

    def test_input_forms(self):
        self.assertEqual(self.names(np.array([[1, 5], [1, 6], [2, 5], [1, 5]]))[0],
                         ["sensitive_feature_0=1,sensitive_feature_1=5",
                          "sensitive_feature_0=1,sensitive_feature_1=6",
                          "sensitive_feature_0=2,sensitive_feature_1=5"])
        self.assertEqual(self.names(["u", "v", "u", "v"])[0],
                         ["sensitive_feature_0=u", "sensitive_feature_0=v"])
        cat = pd.Series(pd.Categorical(["lo", "hi", "lo", "hi"], categories=["lo", "mid", "hi"]),
                        name="c")
        self.assertEqual(self.names(cat)[0], ["c=hi", "c=lo"])
        self.assertEqual(self.names(pd.Series([True, False, True, True], name="b"))[0],
                         ["b=False", "b=True"])
        self.assertEqual(self.names(pd.Series(pd.array([3, None, 1, 3], dtype="Int64"), name="i"))[0],
                         ["i=1", "i=3", "i=?"])


class TestIntervals(unittest.TestCase):
    def test_bootstrap(self):
        y, yhat, g, w = random_data(n=3000, seed=8)
        r = audit(y, yhat, sensitive_features=g)
        ci = r.ci(0.9, n_boot=300, seed=3)
        self.assertIs(ci, r.ci(0.9, n_boot=300, seed=3))
        self.assertEqual((ci.level, ci.n_boot, ci.seed, ci.method), (0.9, 300, 3, "multinomial"))
        lo, hi = ci.by_group["selection_rate"]["lo"], ci.by_group["selection_rate"]["hi"]
        sr = r.by_group["selection_rate"]
        self.assertTrue(((lo <= sr) & (sr <= hi)).all())
        self.assertTrue((ci.overall["lo"] <= ci.overall["hi"]).all())
        self.assertIn("demographic_parity_difference_between_groups", ci.disparities.index)
        self.assertEqual(list(ci.difference().columns), ["lo", "hi"])
        other = r.ci(0.9, n_boot=300, seed=4)
        self.assertFalse(np.array_equal(other.by_group.to_numpy(), ci.by_group.to_numpy()))
        weighted = audit(y, yhat, sensitive_features=g, sample_weight=w).ci(n_boot=50)
        self.assertEqual(weighted.method, "poisson")

    def test_bad_arguments(self):
        y, yhat, g, _ = random_data(n=100)
        r = audit(y, yhat, sensitive_features=g)
        for kw in ({"level": 1.0}, {"n_boot": 1}, {"seed": -1}):
            with self.assertRaises(ValueError):
                r.ci(**kw)


class TestBadInput(unittest.TestCase):
    def setUp(self):
        self.y, self.yhat, self.g, self.w = random_data(n=50)

    def test_lengths(self):
        with self.assertRaisesRegex(ValueError, "y_pred has 49 rows; expected 50"):
            audit(self.y, self.yhat[:-1], sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "sample_weight has 49 rows"):
            audit(self.y, self.yhat, sensitive_features=self.g, sample_weight=self.w[:-1])
        with self.assertRaisesRegex(ValueError, "has 49 rows"):
            audit(self.y, self.yhat, sensitive_features=self.g[:-1])

    def test_weights_from_fairc(self):
        w = self.w.copy()
        w[3] = np.nan
        with self.assertRaisesRegex(ValueError, "row 3: weight must be finite and >= 0"):
            audit(self.y, self.yhat, sensitive_features=self.g, sample_weight=w)
        w[3] = -1
        with self.assertRaisesRegex(ValueError, "row 3"):
            audit(self.y, self.yhat, sensitive_features=self.g, sample_weight=w)
        with self.assertRaisesRegex(ValueError, "weights sum to 0"):
            audit(self.y, self.yhat, sensitive_features=self.g, sample_weight=np.zeros(50))
        with self.assertRaisesRegex(ValueError, "numbers"):
            audit(self.y, self.yhat, sensitive_features=self.g, sample_weight=["a"] * 50)

    def test_labels(self):
        with self.assertRaisesRegex(ValueError, "pos_label"):
            audit(np.where(self.y == 1, "good", "bad"), self.yhat, sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "pos_label"):
            audit(self.y.astype(np.int64) + 1, self.yhat, sensitive_features=self.g)
        y = self.y.astype(float)
        y[0] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            audit(y, self.yhat, sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "must be 0 or 1"):  # libfairc's own check
            audit(np.full(50, 2, dtype=np.uint8), self.yhat, sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "no value of y_true equals pos_label"):
            audit(self.y, self.yhat, pos_label=7, sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "give y_pred"):
            audit(self.y, sensitive_features=self.g)
        with self.assertRaisesRegex(ValueError, "one-dimensional"):
            audit(np.zeros((5, 2)), np.zeros((5, 2)), sensitive_features=[0] * 5)
        with self.assertRaises(ValueError):
            audit([], [], sensitive_features=[])

    def test_options(self):
        with self.assertRaises(ValueError):
            audit(self.y, self.yhat, sensitive_features=self.g, sensitive_missing="ignore")
        with self.assertRaises(ValueError):
            audit(self.y, self.yhat, sensitive_features=self.g, min_group_size=-1)
        with self.assertRaises(ValueError):
            audit(self.y, self.yhat, sensitive_features=None)


class TestRepr(unittest.TestCase):
    def test_repr(self):
        y, yhat, g, _ = random_data(n=50)
        r = audit(y, yhat, sensitive_features=g)
        self.assertIn("3 groups", repr(r))
        self.assertIs(fairc.audit, audit)


if __name__ == "__main__":
    unittest.main()
