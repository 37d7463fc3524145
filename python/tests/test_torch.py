"""fairc.torch: FairTorch's losses computed in C. gradcheck in double for every loss, FairTorch's
README workflow with fairc's losses, the cases where FairTorch 0.1.2 is wrong, bad input."""
import math
import unittest

import numpy as np

from _common import peer, require

torch = require("torch")

from fairc.torch import (ConstrainedLoss, DemographicParityLoss, EqualiedOddsLoss,  # noqa: E402
                         EqualizedOddsLoss, PenaltyLoss)


def logits(f, dtype=torch.float64):
    f = torch.tensor(f, dtype=dtype)
    return torch.log(f / (1 - f))


def batch(n=30, groups=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 1, dtype=torch.float64, generator=g, requires_grad=True)
    s = torch.randint(0, groups, (n,), generator=g)
    y = torch.randint(0, 2, (n,), generator=g)
    w = torch.rand(n, dtype=torch.float64, generator=g) + 0.5
    return z, s, y, w


class TestGradcheck(unittest.TestCase):
    """torch.autograd.gradcheck in double precision for every loss."""

    def check(self, loss, y=True, weights=False):
        z, s, yy, w = batch()
        kwargs = {"sample_weight": w} if weights else {}
        fn = lambda z: loss(None, z, s, yy if y else None, **kwargs)  # noqa: E731
        self.assertTrue(torch.autograd.gradcheck(fn, (z,), eps=1e-6, atol=1e-7, rtol=1e-5))

    def test_demographic_parity(self):
        self.check(DemographicParityLoss([0, 1, 2]), y=False)
        self.check(DemographicParityLoss([0, 1, 2], alpha=3.0, p_norm=1.5, tol=0.01), weights=True)

    def test_equalized_odds(self):
        self.check(EqualizedOddsLoss([0, 1, 2], alpha=2.0))
        self.check(EqualizedOddsLoss([0, 1, 2], p_norm=3), weights=True)

    def test_other_moments(self):
        for constraint in ("tpr", "fpr", "error_rate"):
            self.check(PenaltyLoss([0, 1, 2], constraint=constraint, alpha=5.0))

    def test_constrained(self):
        for constraint in ("dp", "eo"):
            loss = ConstrainedLoss([0, 1, 2], constraint=constraint, eps=0.0)
            loss.multipliers.uniform_(0, 1)
            loss.eval()  # no dual steps while gradcheck evaluates
            self.check(loss, weights=True)


class TestFairTorchWorkflow(unittest.TestCase):
    def test_readme_example_with_fairc_losses(self):
        """FairTorch's README loop (a model, BCE, `loss += dp(x, logit, s)`) with fairc's loss."""
        torch.manual_seed(0)
        dim, batch_size = 2, 64
        model = torch.nn.Sequential(torch.nn.Linear(dim, 1))
        dp_loss = DemographicParityLoss(sensitive_classes=[0, 1], alpha=100)
        eo_loss = EqualiedOddsLoss(sensitive_classes=[0, 1], alpha=100)
        criterion = torch.nn.BCEWithLogitsLoss()
        optimizer = torch.optim.Adam(model.parameters())
        x_train = torch.randn((batch_size, dim))
        y_train = torch.randint(0, 2, (batch_size,))
        sensitive_features = torch.randint(0, 2, (batch_size,))
        for _ in range(3):
            optimizer.zero_grad()
            logit = model(x_train)
            loss = criterion(logit.view(-1), y_train.float())
            loss = loss + dp_loss(x_train, logit, sensitive_features)
            loss = loss + eo_loss(x_train, logit, sensitive_features, y_train)
            loss.backward()
            optimizer.step()
            self.assertTrue(torch.isfinite(loss))
            self.assertEqual(loss.dtype, torch.float32)
            self.assertTrue(all(torch.isfinite(p.grad).all() for p in model.parameters()))

    def test_penalty_reduces_the_gap(self):
        """Training on biased data: with the penalty the groups' selection rates end closer."""
        gen = torch.Generator().manual_seed(1)
        n = 2000
        s = torch.randint(0, 3, (n,), generator=gen)
        x = torch.randn(n, 4, generator=gen) + s.view(-1, 1).float()
        y = (x[:, 0] + 0.3 * torch.randn(n, generator=gen) > 1).float()

        def gap(alpha):
            torch.manual_seed(0)
            model = torch.nn.Linear(4, 1)
            opt = torch.optim.Adam(model.parameters(), lr=0.05)
            dp = DemographicParityLoss([0, 1, 2], alpha=alpha)
            for _ in range(150):
                opt.zero_grad()
                z = model(x)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(z.view(-1), y)
                (loss + dp(x, z, s)).backward()
                opt.step()
            with torch.no_grad():
                p = torch.sigmoid(model(x)).view(-1)
            rates = [p[s == k].mean().item() for k in range(3)]
            return max(rates) - min(rates)
        self.assertLess(gap(20.0), 0.5 * gap(0.0))

    def test_three_groups_fairtorch_zero_fairc_not(self):
        """SPEC §5.4 B1: FairTorch's DP loss constrains only the first group."""
        fairtorch = peer("fairtorch")
        z = logits([.5, .5, .2, .2, .8, .8], torch.float32).view(-1, 1)
        s = torch.tensor([0, 0, 1, 1, 2, 2])
        theirs = fairtorch.DemographicParityLoss(sensitive_classes=[0, 1, 2])(None, z, s)
        ours = DemographicParityLoss(sensitive_classes=[0, 1, 2])(None, z, s)
        self.assertEqual(theirs.item(), 0.0)
        self.assertAlmostEqual(ours.item(), 0.18, delta=1e-6)

    def test_absent_group_fairtorch_nan_fairc_finite(self):
        """SPEC §5.4 B3 (fairtorch#27)."""
        fairtorch = peer("fairtorch")
        z = logits([.7, .4]).requires_grad_()
        s = torch.tensor([0, 1])
        theirs = fairtorch.DemographicParityLoss(sensitive_classes=[0, 1, 2])(None, z.float(), s)
        self.assertTrue(math.isnan(theirs.item()))
        ours = DemographicParityLoss(sensitive_classes=[0, 1, 2])(None, z, s)
        ours.backward()
        self.assertAlmostEqual(ours.item(), 0.045, delta=1e-12)
        self.assertTrue(torch.isfinite(z.grad).all())

    def test_equal_size_two_groups_agree_with_fairtorch(self):
        fairtorch = peer("fairtorch")
        z = torch.randn(40, 1, generator=torch.Generator().manual_seed(3))
        s = torch.arange(40) % 2
        theirs = fairtorch.DemographicParityLoss(sensitive_classes=[0, 1], alpha=7)(None, z, s)
        ours = DemographicParityLoss(sensitive_classes=[0, 1], alpha=7)(None, z, s)
        self.assertAlmostEqual(ours.item(), theirs.item(), delta=1e-6 * max(1.0, theirs.item()))


class TestModules(unittest.TestCase):
    def test_values_match_the_spec_table(self):
        z = logits([.7, .4])
        s = torch.tensor([0, 1])
        self.assertAlmostEqual(DemographicParityLoss(p_norm=1)(None, z, s).item(), 0.3, delta=1e-12)
        self.assertAlmostEqual(DemographicParityLoss(tol=0.1)(None, z, s).item(), 0.005,
                               delta=1e-12)
        eo = EqualizedOddsLoss([0, 1])(None, logits([.3, .6, .1, .8]), torch.tensor([0, 0, 1, 1]),
                                       torch.tensor([0, 1, 0, 1]))
        self.assertAlmostEqual(eo.item(), 0.04, delta=1e-12)

    def test_class_values_and_shapes(self):
        z = logits([.5, .5, .2, .2, .8, .8])
        a = DemographicParityLoss([10, 20, 30])(None, z.view(-1, 1),
                                                torch.tensor([10, 10, 20, 20, 30, 30]))
        b = DemographicParityLoss([2, 0, 1])(None, z, torch.tensor([2, 2, 0, 0, 1, 1]))
        self.assertAlmostEqual(a.item(), 0.18, delta=1e-12)
        self.assertAlmostEqual(b.item(), 0.18, delta=1e-12)
        self.assertIs(EqualiedOddsLoss, EqualizedOddsLoss)

    def test_float32_gradients_keep_their_dtype(self):
        z = logits([.7, .4], torch.float32).requires_grad_()
        DemographicParityLoss()(None, z, torch.tensor([0, 1])).backward()
        self.assertEqual(z.grad.dtype, torch.float32)
        np.testing.assert_allclose(z.grad.numpy(), [0.063, -0.072], rtol=1e-5)

    def test_momentum_state_is_saved_and_frozen_in_eval(self):
        z, s, _, _ = batch()
        dp = DemographicParityLoss([0, 1, 2], momentum=0.9)
        dp(None, z, s)
        state = {k: v.clone() for k, v in dp.state_dict().items()}
        self.assertGreater(state["running"].abs().sum().item(), 0)
        dp.eval()
        dp(None, z, s)
        self.assertTrue(torch.equal(dp.running, state["running"]))
        other = DemographicParityLoss([0, 1, 2], momentum=0.9)
        other.load_state_dict(state)
        other.eval()
        self.assertEqual(other(None, z, s).item(), dp(None, z, s).item())

    def test_constrained_dual_steps(self):
        z = logits([.9, .8, .3, .2]).requires_grad_()
        s = torch.tensor([0, 0, 1, 1])
        c = ConstrainedLoss([0, 1], eps=0.05, dual_lr=0.5, lambda_max=0.6)
        first = c(None, z, s)
        self.assertEqual(first.item(), 0.0)  # multipliers start at 0
        self.assertAlmostEqual(c.violation, 0.5 - 0.05, delta=1e-12)
        lam = c.multipliers
        self.assertTrue(torch.all(lam >= 0) and torch.all(lam <= 0.6))
        K = len(lam) // 2
        self.assertTrue(torch.all(torch.minimum(lam[:K], lam[K:]) == 0))  # projected
        for _ in range(3):
            c(None, z, s)
        self.assertEqual(lam.max().item(), 0.6)  # capped
        value = c(None, z, s)
        value.backward()
        self.assertGreater(value.item(), 0)
        self.assertTrue(torch.isfinite(z.grad).all())
        self.assertEqual(c.constraint_names[0], "+ all group=0")
        fresh = ConstrainedLoss([0, 1], eps=0.05)
        fresh.load_state_dict(c.state_dict())
        self.assertTrue(torch.equal(fresh.multipliers, c.multipliers))

    def test_bad_input(self):
        z = logits([.7, .4])
        s = torch.tensor([0, 1])
        with self.assertRaisesRegex(ValueError, "CPU"):
            DemographicParityLoss()(None, torch.zeros(2, device="meta"), s)
        with self.assertRaisesRegex(ValueError, "CPU"):
            DemographicParityLoss()(None, z, torch.zeros(2, device="meta"))
        with self.assertRaisesRegex(ValueError, "sensitive value 7 is not one of"):
            DemographicParityLoss()(None, z, torch.tensor([0, 7]))
        with self.assertRaisesRegex(ValueError, "needs the labels"):
            EqualizedOddsLoss()(None, z, s)
        with self.assertRaisesRegex(ValueError, "label must be 0 or 1"):
            EqualizedOddsLoss()(None, z, s, torch.tensor([0, 3]))
        with self.assertRaisesRegex(ValueError, "floating point"):
            DemographicParityLoss()(None, torch.tensor([1, 0]), s)
        with self.assertRaisesRegex(ValueError, "3 values"):
            DemographicParityLoss()(None, z, torch.tensor([0, 1, 1]))
        with self.assertRaisesRegex(ValueError, "not a finite number"):
            DemographicParityLoss()(None, torch.tensor([0.0, math.nan]), s)
        for kwargs in ({"sensitive_classes": [0]}, {"sensitive_classes": [0, 0]},
                       {"alpha": -1}, {"p_norm": 0.5}, {"tol": -0.1}, {"momentum": 1.0},
                       {"sensitive_classes": ["a", "b"]}):
            with self.assertRaises(ValueError, msg=kwargs):
                DemographicParityLoss(**kwargs)
        with self.assertRaises(ValueError):
            ConstrainedLoss(dual_signal="medium")
        with self.assertRaises(ValueError):
            PenaltyLoss(constraint="parity")


if __name__ == "__main__":
    unittest.main()
