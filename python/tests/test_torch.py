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


class TestFusedPath(unittest.TestCase):
    """PenaltyLoss computes value and gradient in one C call in forward (fairc_batch_penalty_typed
    on the tensors' own buffers); backward only scales the saved gradient."""

    def moment_path(self, loss, *args, **kwargs):
        """The same loss through the moment-based C call (fairc_batch_penalty)."""
        import fairc.torch as ft
        saved, ft._typed = ft._typed, None
        try:
            return loss(*args, **kwargs)
        finally:
            ft._typed = saved

    def test_same_value_and_gradient_as_the_moment_based_call(self):
        for constraint in ("dp", "eo", "tpr", "fpr", "error_rate"):
            for p_norm in (1, 2, 3.5, math.inf):
                for dtype in (torch.float64, torch.float32):
                    z, s, y, w = batch(n=64, groups=3, seed=7)
                    z = z.detach().to(dtype).requires_grad_()
                    loss = PenaltyLoss([0, 1, 2], constraint=constraint, alpha=5.0,
                                       p_norm=p_norm, tol=0.01)
                    for kwargs in ({}, {"sample_weight": w}):
                        a = loss(None, z, s, y, **kwargs)
                        (ga,) = torch.autograd.grad(a, z)
                        b = self.moment_path(loss, None, z, s, y, **kwargs)
                        (gb,) = torch.autograd.grad(b, z)
                        msg = (constraint, p_norm, dtype, kwargs.keys())
                        self.assertEqual(a.dtype, dtype)
                        self.assertEqual(ga.dtype, dtype)
                        tol = 1e-12 if dtype == torch.float64 else 1e-6
                        self.assertAlmostEqual(a.item(), b.item(), delta=tol * max(1, b.item()),
                                               msg=msg)
                        np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=tol, atol=1e-15,
                                                   err_msg=str(msg))

    def test_gradient_matches_central_differences(self):
        z, s, y, w = batch(n=40, groups=4, seed=3)
        for loss in (DemographicParityLoss([0, 1, 2, 3], alpha=3.0, p_norm=2.5),
                     EqualizedOddsLoss([0, 1, 2, 3], alpha=2.0, tol=0.005)):
            value = loss(None, z, s, y, sample_weight=w)
            (grad,) = torch.autograd.grad(value, z)
            zd, h = z.detach().clone(), 1e-6
            for i in range(0, 40, 3):
                up, down = zd.clone(), zd.clone()
                up[i] += h
                down[i] -= h
                fd = (loss(None, up, s, y, sample_weight=w).item()
                      - loss(None, down, s, y, sample_weight=w).item()) / (2 * h)
                self.assertAlmostEqual(grad[i, 0].item(), fd, delta=1e-6 * max(1.0, abs(fd)))

    def test_element_types_are_read_as_they_are(self):
        z, s, y, w = batch(n=50, groups=2, seed=5)
        eo = EqualizedOddsLoss([0, 1], alpha=4.0)
        ref = eo(None, z, s, y, sample_weight=w).item()
        for st in (s, s.int(), s.to(torch.uint8), s.bool(), s.float(), s.double()):
            for yt in (y, y.int(), y.bool(), y.float(), y.double()):
                for wt in (w, w.float()):
                    got = eo(None, z, st, yt, sample_weight=wt).item()
                    self.assertAlmostEqual(got, ref, delta=1e-6 * ref, msg=(st.dtype, yt.dtype))
        # lists, NumPy arrays and non-contiguous tensors go through the converting path
        self.assertAlmostEqual(eo(None, z, s.tolist(), y.numpy(), sample_weight=w.numpy()).item(),
                               ref, delta=1e-12)
        wide = torch.stack([torch.zeros(50, dtype=torch.float64), z.detach().view(-1)], 1)
        wide.requires_grad_()
        value = eo(None, wide[:, 1], s, y, sample_weight=w)
        self.assertAlmostEqual(value.item(), ref, delta=1e-12)
        value.backward()
        (direct,) = torch.autograd.grad(eo(None, z, s, y, sample_weight=w), z)
        np.testing.assert_allclose(wide.grad[:, 1].numpy(), direct.view(-1).numpy(), rtol=1e-12)
        self.assertTrue(torch.all(wide.grad[:, 0] == 0))
        half = eo(None, z.detach().half(), s, y)
        self.assertEqual(half.dtype, torch.float16)

    def test_second_backward_and_scaled_grad_output(self):
        z, s, _, _ = batch(n=30, groups=3, seed=1)
        dp = DemographicParityLoss([0, 1, 2], alpha=10.0)
        value = dp(None, z, s)
        value.backward(retain_graph=True)
        once = z.grad.clone()
        self.assertGreater(once.abs().sum().item(), 0)
        value.backward(retain_graph=True)  # accumulates the same gradient again
        np.testing.assert_allclose(z.grad.numpy(), 2 * once.numpy(), rtol=1e-15)
        z.grad = None
        value.backward(torch.tensor(-2.5, dtype=torch.float64))
        np.testing.assert_allclose(z.grad.numpy(), -2.5 * once.numpy(), rtol=1e-15)
        (g,) = torch.autograd.grad(3 * dp(None, z, s) + 1, z)
        np.testing.assert_allclose(g.numpy(), 3 * once.numpy(), rtol=1e-14)
        # through a model's non-leaf output, as in a training loop: the saved gradient is not
        # aliased by the parameters' .grad, so zero_grad() cannot change a later backward
        lin = torch.nn.Linear(2, 1).double()
        x = torch.randn(30, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
        value = dp(None, lin(x), s)
        value.backward(retain_graph=True)
        first = lin.weight.grad.clone()
        lin.zero_grad(set_to_none=False)
        value.backward()
        np.testing.assert_allclose(lin.weight.grad.numpy(), first.numpy(), rtol=1e-15)

    def test_double_backward_is_refused_not_wrong(self):
        z, s, _, _ = batch(n=20, groups=2, seed=4)
        value = DemographicParityLoss(alpha=10.0)(None, z, s % 2)
        (g,) = torch.autograd.grad(value, z, create_graph=True)
        (ref,) = torch.autograd.grad(DemographicParityLoss(alpha=10.0)(None, z, s % 2), z)
        np.testing.assert_allclose(g.detach().numpy(), ref.numpy(), rtol=1e-15)
        with self.assertRaises(RuntimeError):  # no second derivative: an error, never zeros
            g.sum().backward()
        scale = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        value = DemographicParityLoss(alpha=10.0)(None, z, s % 2)
        (g,) = torch.autograd.grad(value, z, grad_outputs=scale, create_graph=True)
        np.testing.assert_allclose(g.detach().numpy(), 2 * ref.numpy(), rtol=1e-15)
        with self.assertRaisesRegex(RuntimeError, "differentiate twice"):
            g.sum().backward()

    def test_without_gradient(self):
        z, s, _, _ = batch(n=20, groups=2, seed=4)
        dp = DemographicParityLoss()
        with torch.no_grad():
            a = dp(None, z, s % 2)
        b = dp(None, z.detach(), s % 2)
        self.assertFalse(a.requires_grad or b.requires_grad)
        self.assertEqual(a.item(), b.item())

    def test_state_dicts_round_trip_through_torch_save(self):
        import copy
        import io
        z, s, y, _ = batch(n=40, groups=3, seed=2)
        dp = DemographicParityLoss([0, 1, 2], alpha=5.0, momentum=0.8)
        con = ConstrainedLoss([0, 1, 2], constraint="eo", eps=0.01, dual_lr=0.5)
        for _ in range(3):
            dp(None, z, s)
            con(None, z, s, y)
        buf = io.BytesIO()
        torch.save({"dp": dp.state_dict(), "con": con.state_dict()}, buf)
        buf.seek(0)
        state = torch.load(buf)
        dp2 = DemographicParityLoss([0, 1, 2], alpha=5.0, momentum=0.8)
        con2 = ConstrainedLoss([0, 1, 2], constraint="eo", eps=0.01, dual_lr=0.5)
        dp2.load_state_dict(state["dp"])
        con2.load_state_dict(state["con"])
        self.assertTrue(torch.equal(dp2.running, dp.running))
        self.assertTrue(torch.equal(con2.multipliers, con.multipliers))
        self.assertGreater(con2.multipliers.abs().sum().item(), 0)
        for a, b in ((dp, dp2), (dp, copy.deepcopy(dp))):
            a.eval(), b.eval()
            self.assertEqual(a(None, z, s).item(), b(None, z, s).item())
        con.eval(), con2.eval()
        self.assertEqual(con(None, z, s, y).item(), con2(None, z, s, y).item())

    def test_bad_input_on_the_fused_path(self):
        z = logits([.7, .4, .5])
        dp = DemographicParityLoss()
        with self.assertRaisesRegex(ValueError, "sensitive value 0.5 is not one of"):
            dp(None, z, torch.tensor([0.0, 0.5, 1.0]))
        with self.assertRaisesRegex(ValueError, "sensitive value 2 is not one of"):
            dp(None, z, torch.tensor([0, 2, 1], dtype=torch.int32))
        with self.assertRaisesRegex(ValueError, "sensitive has 2 values; the logits have 3"):
            dp(None, z, torch.tensor([0, 1]))
        with self.assertRaisesRegex(ValueError, "y has 2 values; the logits have 3"):
            EqualizedOddsLoss()(None, z, torch.tensor([0, 1, 1]), torch.tensor([0, 1]))
        with self.assertRaisesRegex(ValueError, "weight must be a finite number >= 0"):
            dp(None, z, torch.tensor([0, 1, 1]), sample_weight=torch.tensor([1.0, -1.0, 1.0]))
        with self.assertRaisesRegex(ValueError, "the batch is empty"):
            dp(None, torch.zeros(0), torch.zeros(0, dtype=torch.int64))
        with self.assertRaisesRegex(TypeError, "torch.Tensor"):
            dp(None, [0.1, 0.2, 0.3], torch.tensor([0, 1, 1]))
        dp.momentum = 0.5
        dp.running = dp.running.float()
        with self.assertRaisesRegex(ValueError, "float64 CPU buffer"):
            dp(None, z, torch.tensor([0, 1, 1]))


if __name__ == "__main__":
    unittest.main()
