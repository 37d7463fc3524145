"""fairc.penalty on NumPy arrays (no PyTorch needed): SPEC §5.4's table, gradients against
finite differences, masking, running statistics, the moment's constraints, bad input."""
import math
import unittest

import numpy as np

from fairc.penalty import moment, n_constraints, n_running, penalty


def logit(f):
    f = np.asarray(f, dtype=float)
    return np.log(f / (1 - f))


def central_difference(fn, z, h=1e-6):
    g = np.empty_like(z)
    for i in range(len(z)):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        g[i] = (fn(up) - fn(down)) / (2 * h)
    return g


class TestSpecTable(unittest.TestCase):
    """SPEC §5.4: fairc's value for each FairTorch defect, to 1e-12."""

    def test_b1_every_group_is_constrained(self):
        P, _ = penalty("dp", logit([.5, .5, .2, .2, .8, .8]), [0, 0, 1, 1, 2, 2], 3)
        self.assertAlmostEqual(P, 0.18, delta=1e-12)

    def test_b1_unequal_groups(self):
        P, _ = penalty("dp", logit([.7, .7, .7, .4]), [0, 0, 0, 1], 2)
        self.assertAlmostEqual(P, 0.05625, delta=1e-12)

    def test_b2_equalized_odds_uses_each_label(self):
        P, _ = penalty("eo", logit([.3, .6, .1, .8]), [0, 0, 1, 1], 2, y=[0, 1, 0, 1])
        self.assertAlmostEqual(P, 0.04, delta=1e-12)

    def test_b3_absent_group_adds_zero(self):
        P, dz = penalty("dp", logit([.7, .4]), [0, 1], 3)
        self.assertAlmostEqual(P, 0.045, delta=1e-12)
        self.assertTrue(np.isfinite(dz).all())

    def test_b4_real_p_norm(self):
        P, dz = penalty("dp", logit([.7, .4]), [0, 1], 2, p=1)
        self.assertAlmostEqual(P, 0.3, delta=1e-12)
        np.testing.assert_allclose(dz, [0.21, -0.24], atol=1e-12)
        P, dz = penalty("dp", logit([.7, .4]), [0, 1], 2, p=2)
        np.testing.assert_allclose(dz, [0.063, -0.072], atol=1e-12)

    def test_b5_tolerance(self):
        P, _ = penalty("dp", logit([.7, .4]), [0, 1], 2, tol=0.1)
        self.assertAlmostEqual(P, 0.005, delta=1e-12)


class TestGradients(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.n = 40
        self.z = rng.normal(size=self.n)
        self.g = rng.integers(0, 3, self.n).astype(np.int32)
        self.y = rng.integers(0, 2, self.n).astype(float)
        self.w = rng.uniform(0.5, 2, self.n)

    def test_penalty_gradient_matches_finite_differences(self):
        for constraint in ("dp", "eo", "tpr", "fpr", "error_rate"):
            for kw in ({}, {"p": 1.5, "alpha": 3.0}, {"p": 3, "tol": 0.01}):
                def value(z):
                    return penalty(constraint, z, self.g, 3, y=self.y, w=self.w, grad=False,
                                   **kw)[0]
                P, dz = penalty(constraint, self.z, self.g, 3, y=self.y, w=self.w, **kw)
                self.assertGreater(P, 0)
                fd = central_difference(value, self.z)
                err = np.abs(dz - fd).max() / max(np.abs(fd).max(), 1e-12)
                self.assertLess(err, 1e-6, (constraint, kw))

    def test_moment_gradient_matches_finite_differences(self):
        K = n_constraints("eo", 3)
        coef = np.random.default_rng(1).uniform(0, 1, K)
        soft, hard, mask, dz = moment("eo", self.z, self.g, 3, y=self.y, w=self.w, coef=coef)
        self.assertEqual(soft.shape, (K,))
        self.assertTrue(mask.all())

        def value(z):
            return float(coef @ moment("eo", z, self.g, 3, y=self.y, w=self.w)[0])
        fd = central_difference(value, self.z)
        self.assertLess(np.abs(dz - fd).max() / np.abs(fd).max(), 1e-6)

    def test_p_inf_is_the_largest_gap(self):
        P2, _ = penalty("dp", self.z, self.g, 3, p=1)
        Pinf, dz = penalty("dp", self.z, self.g, 3, p=math.inf)
        soft, _, _, _ = moment("dp", self.z, self.g, 3)
        self.assertAlmostEqual(Pinf, soft.max(), delta=1e-15)
        self.assertLess(Pinf, P2)


class TestMomentAndMasking(unittest.TestCase):
    def test_constraint_values_and_mask(self):
        z = logit([.7, .4])
        soft, hard, mask, dz = moment("dp", z, [0, 1], 3)
        # sign +: mu_g - mu, groups 0, 1, 2; then sign -
        np.testing.assert_allclose(soft, [.15, -.15, 0, -.15, .15, 0], atol=1e-15)
        np.testing.assert_allclose(hard, [.5, -.5, 0, -.5, .5, 0], atol=1e-15)
        np.testing.assert_array_equal(mask, [True, True, False, True, True, False])
        self.assertIsNone(dz)

    def test_zero_weight_rows_count_nothing(self):
        z = logit([.7, .4, .9])
        a, da = penalty("dp", z, [0, 1, 1], 2, w=[1, 1, 0])
        b, db = penalty("dp", z[:2], [0, 1], 2)
        self.assertEqual(a, b)
        np.testing.assert_array_equal(da[:2], db)
        self.assertEqual(da[2], 0)

    def test_weights_scale_free(self):
        z, g = logit([.7, .6, .4, .2]), [0, 0, 1, 1]
        w = np.array([1.0, 2.0, 3.0, 1.0])
        a, da = penalty("dp", z, g, 2, w=w)
        b, db = penalty("dp", z, g, 2, w=10 * w)
        self.assertAlmostEqual(a, b, delta=1e-15)
        np.testing.assert_allclose(da, db, rtol=1e-12)

    def test_running_statistics(self):
        """SPEC §5.3: the first step equals the batch statistic; commit folds the sums in."""
        z, g = logit([.7, .4]), [0, 1]
        running = np.zeros(n_running("dp", 2))
        first, _ = penalty("dp", z, g, 2, momentum=0.9, running=running)
        self.assertAlmostEqual(first, penalty("dp", z, g, 2)[0], delta=1e-15)
        # the sums now hold 0.1 * (N, D) of the batch: cells then event, numerators then weights
        np.testing.assert_allclose(running, 0.1 * np.array([.7, .4, 1.1, 1, 1, 2]), atol=1e-15)
        before = running.copy()
        penalty("dp", logit([.5, .5]), g, 2, momentum=0.9, running=running, commit=False)
        np.testing.assert_array_equal(running, before)
        later, _ = penalty("dp", logit([.5, .5]), g, 2, momentum=0.9, running=running)
        self.assertGreater(later, 0)  # the earlier gap is remembered

    def test_bad_input(self):
        z = logit([.7, .4])
        with self.assertRaisesRegex(ValueError, "group 5 is not in 0..1"):
            penalty("dp", z, [0, 5], 2)
        with self.assertRaisesRegex(ValueError, "label must be 0 or 1"):
            penalty("eo", z, [0, 1], 2, y=[0, 2])
        with self.assertRaisesRegex(ValueError, "needs the labels"):
            penalty("eo", z, [0, 1], 2)
        with self.assertRaisesRegex(ValueError, "not a finite number"):
            penalty("dp", [0.1, np.nan], [0, 1], 2)
        with self.assertRaisesRegex(ValueError, "weight"):
            penalty("dp", z, [0, 1], 2, w=[1, -1])
        with self.assertRaisesRegex(ValueError, "2..1000000"):
            penalty("dp", z, [0, 0], 1)
        with self.assertRaisesRegex(ValueError, "p must be"):
            penalty("dp", z, [0, 1], 2, p=0.5)
        with self.assertRaisesRegex(ValueError, "constraint"):
            penalty("parity", z, [0, 1], 2)
        with self.assertRaisesRegex(ValueError, "running"):
            penalty("dp", z, [0, 1], 2, momentum=0.5)
        with self.assertRaisesRegex(ValueError, "has 1 rows"):
            penalty("dp", z, [0], 2)
        with self.assertRaisesRegex(ValueError, "integer"):
            penalty("dp", z, [0.5, 1], 2)
        with self.assertRaisesRegex(ValueError, "constraints"):
            moment("dp", z, [0, 1], 2, coef=[1.0])


if __name__ == "__main__":
    unittest.main()
