"""PyTorch losses with FairTorch's constructor and call signature, computed in C.

    from fairc.torch import DemographicParityLoss, EqualizedOddsLoss, ConstrainedLoss
    dp = DemographicParityLoss(sensitive_classes=[0, 1, 2, 3, 4], alpha=100, p_norm=2)
    loss = bce(logit, y) + dp(x, logit, s)            # FairTorch: loss(x, logit, sensitive, y=None)

Each loss is a torch.autograd.Function whose forward gets the value and the gradient of every
score from one C call (fairc_batch_penalty / fairc_batch_moment, through fairc.penalty), and whose
backward returns that gradient. The penalty is SPEC §5's, which corrects FairTorch 0.1.2: every
group is constrained, not only the first; equalized odds compares each label's own rates; a group
absent from the batch adds exactly 0 instead of NaN; p_norm is a real exponent with its true
gradient; `tol` is honoured; rows may carry sample weights; `momentum` keeps running statistics
across batches (SPEC §5.3) in a buffer that state_dict saves.

ConstrainedLoss bounds the constraints by eps instead of weighting them (SPEC §6): it holds the
Lagrange multipliers (a buffer, so state_dict saves them), returns sum_k lambda_k (gamma_k - eps)
on the soft predictions, and after each training-mode call takes a projected dual step on the
batch's hard decisions.

Tensors must be on the CPU (the computation is in C); a tensor on another device is a
ValueError. Logits of any floating dtype; the C side works in float64.
"""
import ctypes
import math

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from . import _lib
from . import penalty as _penalty

__all__ = ["PenaltyLoss", "DemographicParityLoss", "EqualizedOddsLoss", "EqualiedOddsLoss",
           "ConstrainedLoss"]


class _FromC(torch.autograd.Function):
    """value, dvalue/dz = evaluate(z, need_grad), both from one C call; z is `out` as a
    contiguous float64 tensor (no copy when it already is one)."""

    @staticmethod
    def forward(ctx, out, evaluate):
        z = out.detach().reshape(-1)
        if z.dtype != torch.float64 or not z.is_contiguous():
            z = z.to(torch.float64).contiguous()
        value, dz = evaluate(z, out.requires_grad)
        if dz is not None:
            ctx.save_for_backward(dz.view(out.shape).to(out.dtype))
        return torch.tensor(value, dtype=out.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (dz,) = ctx.saved_tensors
        return grad * dz, None


# fairc_batch_penalty_typed reads the tensors' buffers in their own element types (float32
# logits, int64 groups and labels), so a batch crosses ctypes with no conversion: bound here with
# plain addresses for the arrays, the cheapest arguments for a call made once per mini-batch.
_V, _D = ctypes.c_void_p, ctypes.c_double
_typed = getattr(_lib.lib, "fairc_batch_penalty_typed", None)
if _typed is not None:
    _typed.restype = ctypes.c_int
    _typed.argtypes = [ctypes.c_int, ctypes.c_size_t, _V, ctypes.c_int, _V, ctypes.c_int, _V,
                       ctypes.c_int, _V, ctypes.c_int, ctypes.c_size_t, _D, _D, _D, _D, _V,
                       ctypes.c_int, ctypes.POINTER(_D), _V, ctypes.POINTER(_lib.Status)]
# FAIRC_TYPE_* of the dtypes libfairc reads as they are (bool: one byte, 0 or 1)
_TYPE = {torch.float64: 1, torch.float32: 2, torch.int64: 3, torch.int32: 4, torch.uint8: 5,
         torch.bool: 5}
_SCORE_TYPE = {torch.float64: 1, torch.float32: 2}
_DP = _lib.CONSTRAINTS["dp"]


class _Penalty(torch.autograd.Function):
    """PenaltyLoss's value and gradient from one fairc_batch_penalty_typed call in forward, which
    keeps the gradient; backward only scales it by grad_output (no second call into C). A
    contiguous CPU tensor of a dtype libfairc reads is passed as it is (its address); anything
    else is checked and converted as _BatchLoss does."""

    @staticmethod
    def forward(ctx, out, loss, extra):
        sensitive, y, sample_weight = extra
        z, zt = out, _SCORE_TYPE.get(out.dtype)
        if zt is None or not out.is_cpu or not out.is_contiguous():
            if not out.is_floating_point():
                raise ValueError(f"the logits must be floating point; got {out.dtype}")
            _cpu("the logit tensor", out)
            z, zt = out.detach().reshape(-1).to(torch.float64).contiguous(), 1
        n = out.numel()
        if n == 0:
            raise ValueError("the batch is empty")
        s, st = sensitive, None
        if loss._identity and isinstance(s, torch.Tensor) and s.is_cpu and s.is_contiguous():
            st = _TYPE.get(s.dtype)
            if st is not None and s.numel() != n:
                raise ValueError(f"sensitive has {s.numel()} values; the logits have {n}")
        if st is None:
            s, st = loss._groups(sensitive, n), 4
        yv, yt = None, 0
        if loss._kind != _DP:
            if y is None:
                raise ValueError(f"{type(loss).__name__} ({loss.constraint}) needs the labels y")
            yv, yt = _typed_array("y", y, n)
        wv, wt = None, 0
        if sample_weight is not None:
            wv, wt = _typed_array("sample_weight", sample_weight, n)
        running, commit = None, 0
        if loss.momentum > 0:
            r = loss.running
            if not r.is_cpu or r.dtype != torch.float64 or not r.is_contiguous():
                raise ValueError("the running sums must stay a float64 CPU buffer")
            running, commit = r.data_ptr(), 1 if loss.training else 0
        dz = torch.empty_like(z) if ctx.needs_input_grad[0] else None
        value, status = _D(), _lib.Status()
        rc = _typed(loss._kind, n, z.data_ptr(), zt, _ptr(yv), yt,
                    _ptr(wv), wt, s.data_ptr(), st, loss._G, loss.alpha, loss.p_norm,
                    loss.tol, loss.momentum, running, commit, value, _ptr(dz), status)
        if rc != _lib.OK:
            if b"group" in status.message and loss._identity:
                loss._bad_value(s.to(torch.float64).reshape(-1))
            _lib.raise_status(rc, status)
        if dz is not None and z is not out:
            dz = dz.view(out.shape).to(out.dtype)
        ctx.dz = dz
        return torch.scalar_tensor(value.value, dtype=out.dtype)

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():  # create_graph=True: the gradient is constant in z
            return _once(ctx, grad)
        dz = ctx.dz
        return (None if dz is None else grad * dz), None, None


@once_differentiable
def _once(ctx, grad):
    dz = ctx.dz
    return (None if dz is None else grad * dz), None, None


def _cpu(name, t):
    if isinstance(t, torch.Tensor) and t.device.type != "cpu":
        raise ValueError(f"fairc.torch computes on the CPU; {name} is on {t.device}: move it with "
                         ".cpu() (or keep the model on the CPU)")


def _flat(name, t, n, dtype):
    """A contiguous 1-D CPU tensor of n values of dtype (None: its own), without a copy when it
    already is one."""
    if not isinstance(t, torch.Tensor):
        a = np.asarray(t)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold numbers; got dtype {a.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(a.reshape(-1)))
    _cpu(name, t)
    t = t.detach().reshape(-1)
    if t.numel() != n:
        raise ValueError(f"{name} has {t.numel()} values; the logits have {n}")
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    return t.contiguous()


def _typed_array(name, t, n):
    """(tensor, FAIRC_TYPE_*) of labels or weights: a contiguous CPU tensor of a dtype libfairc
    reads as it is, anything else as float64 through _flat."""
    if isinstance(t, torch.Tensor) and t.is_cpu and t.is_contiguous():
        code = _TYPE.get(t.dtype)
        if code is not None:
            if t.numel() != n:
                raise ValueError(f"{name} has {t.numel()} values; the logits have {n}")
            return t, code
    return _flat(name, t, n, torch.float64), 1


def _ptr(t):
    return None if t is None else t.data_ptr()


class _BatchLoss(torch.nn.Module):
    """Shared argument handling: classes, devices, shapes, groups, labels, weights. Values are
    checked by libfairc in the same call that computes the loss; only a failing call pays for
    Python's own, more specific, check of the sensitive values."""

    constraint = None

    def __init__(self, sensitive_classes, constraint):
        super().__init__()
        classes = list(sensitive_classes)
        if len(classes) < 2:
            raise ValueError("sensitive_classes needs at least 2 classes to compare")
        if len(set(classes)) != len(classes):
            raise ValueError(f"sensitive_classes has a class twice: {classes}")
        try:
            values = np.asarray(classes, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("sensitive_classes must be numbers (the values of the sensitive "
                             "tensor)") from None
        if constraint not in _penalty.CONSTRAINTS:
            raise ValueError(f"constraint must be one of {', '.join(_penalty.CONSTRAINTS)}; got "
                             f"{constraint!r}")
        self.sensitive_classes = classes
        self.constraint = constraint
        self._kind = _penalty.kind(constraint)
        order = np.argsort(values, kind="stable")
        self._sorted = torch.from_numpy(values[order])
        self._order = torch.from_numpy(order.astype(np.int32))
        self._identity = classes == list(range(len(classes)))
        self._G = len(classes)

    @property
    def n_groups(self):
        return len(self.sensitive_classes)

    def _groups(self, sensitive, n):
        """int32 group ids: the values themselves when sensitive_classes is [0, 1, ..., G-1]
        (libfairc checks the range), else each value's position in sensitive_classes."""
        s = _flat("sensitive", sensitive, n, None)
        if self._identity and not s.is_floating_point():
            return s.to(torch.int32)
        v = s.to(torch.float64)
        pos = torch.searchsorted(self._sorted, v).clamp_(max=self.n_groups - 1)
        ids = self._order[pos]
        if not torch.equal(self._sorted[pos], v):
            self._bad_value(v)
        return ids

    def _bad_value(self, values):
        known = set(float(c) for c in self.sensitive_classes)
        for v in values.tolist():
            if v not in known:
                raise ValueError(f"sensitive value {v:g} is not one of sensitive_classes "
                                 f"{self.sensitive_classes}")

    def _inputs(self, out, sensitive, y, sample_weight):
        if not isinstance(out, torch.Tensor):
            raise TypeError("the scores (logits) must be a torch.Tensor")
        if not out.is_floating_point():
            raise ValueError(f"the logits must be floating point; got {out.dtype}")
        _cpu("the logit tensor", out)
        n = out.numel()
        if n == 0:
            raise ValueError("the batch is empty")
        group = self._groups(sensitive, n)
        if y is None and self.constraint != "dp":
            raise ValueError(f"{type(self).__name__} ({self.constraint}) needs the labels y")
        yv = None if y is None or self.constraint == "dp" else _flat("y", y, n, torch.float64)
        w = None if sample_weight is None else _flat("sample_weight", sample_weight, n,
                                                     torch.float64)
        return group, yv, w

    def _call(self, fn, group, *args):
        """fn(*args) (a libfairc call); on a bad group id, the message names the value."""
        try:
            return fn(*args)
        except ValueError as e:
            if "group" in str(e) and self._identity:
                self._bad_value(group.to(torch.float64))
            raise


def _check_number(name, value, lo, hi=math.inf, lo_open=False, hi_open=False, allow_inf=False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
        ok = ok and (math.isfinite(v) or (allow_inf and v == math.inf))
    if not ok:
        raise ValueError(f"{name} must be a number in {'(' if lo_open else '['}{lo:g}, "
                         f"{hi:g}{')' if hi_open else ']'}; got {value!r}")
    return float(value)


class PenaltyLoss(_BatchLoss):
    """alpha * sum over cells (event, group) of relu(|mu_cell - mu_event| - tol)^p_norm on the
    batch's soft predictions sigmoid(logit), for constraint "dp", "eo", "tpr", "fpr" or
    "error_rate" (SPEC §4.1, §5). p_norm: a real >= 1, or float('inf') for the largest gap.
    momentum in [0, 1): running statistics across training-mode calls (SPEC §5.3)."""

    def __init__(self, sensitive_classes=(0, 1), alpha=1.0, p_norm=2, tol=0.0, momentum=0.0,
                 constraint="dp"):
        super().__init__(sensitive_classes, constraint)
        self.alpha = _check_number("alpha", alpha, 0)
        self.p_norm = _check_number("p_norm", p_norm, 1, allow_inf=True)
        self.tol = _check_number("tol", tol, 0)
        self.momentum = _check_number("momentum", momentum, 0, 1, hi_open=True)
        size = _penalty.n_running(constraint, self.n_groups)
        self.register_buffer("running", torch.zeros(size, dtype=torch.float64))

    def extra_repr(self):
        return (f"sensitive_classes={self.sensitive_classes}, alpha={self.alpha:g}, "
                f"p_norm={self.p_norm:g}, tol={self.tol:g}, momentum={self.momentum:g}")

    def forward(self, X, out, sensitive, y=None, sample_weight=None):
        """FairTorch's call: X (unused), out (logits, (n,) or (n, 1)), sensitive (n values among
        sensitive_classes), y (labels 0/1; unused by demographic parity), and optional weights."""
        if _typed is None:  # a libfairc older than this package: the moment-based call
            return self._forward_moment(out, sensitive, y, sample_weight)
        if not isinstance(out, torch.Tensor):
            raise TypeError("the scores (logits) must be a torch.Tensor")
        return _Penalty.apply(out, self, (sensitive, y, sample_weight))

    def _forward_moment(self, out, sensitive, y, sample_weight):
        group, yv, w = self._inputs(out, sensitive, y, sample_weight)
        running = None
        if self.momentum > 0:
            if (self.running.device.type != "cpu" or self.running.dtype != torch.float64
                    or not self.running.is_contiguous()):
                raise ValueError("the running sums must stay a float64 CPU buffer")
            running = self.running.data_ptr()
        commit = 1 if self.training and self.momentum > 0 else 0

        def evaluate(z, need_grad):
            dz = torch.empty_like(z) if need_grad else None
            value = self._call(_penalty.raw_penalty, group, self._kind, z.numel(),
                               z.data_ptr(), _ptr(yv), _ptr(w), group.data_ptr(), self.n_groups,
                               self.alpha, self.p_norm, self.tol, self.momentum, running, commit,
                               _ptr(dz))
            return value, dz
        return _FromC.apply(out, evaluate)


class DemographicParityLoss(PenaltyLoss):
    """FairTorch's DemographicParityLoss(sensitive_classes=[0, 1], alpha=1, p_norm=2), corrected
    (SPEC §5.4): each group's mean sigmoid(logit) against the batch's, every group counted."""

    def __init__(self, sensitive_classes=(0, 1), alpha=1.0, p_norm=2, tol=0.0, momentum=0.0):
        super().__init__(sensitive_classes, alpha, p_norm, tol, momentum, constraint="dp")


class EqualizedOddsLoss(PenaltyLoss):
    """FairTorch's EqualiedOddsLoss(sensitive_classes=[0, 1], alpha=1, p_norm=2), corrected
    (SPEC §5.4): per label y in {0, 1}, each group's mean sigmoid(logit) against the label's.
    Needs y: loss(x, logit, sensitive, y)."""

    def __init__(self, sensitive_classes=(0, 1), alpha=1.0, p_norm=2, tol=0.0, momentum=0.0):
        super().__init__(sensitive_classes, alpha, p_norm, tol, momentum, constraint="eo")


EqualiedOddsLoss = EqualizedOddsLoss  # FairTorch's spelling


class ConstrainedLoss(_BatchLoss):
    """The Lagrangian term of SPEC §6 for the bound gamma_k <= eps on every constraint k of a
    moment ("dp", "eo", "tpr", "fpr", "error_rate"): returns sum_k lambda_k (gamma_k - eps) on
    the batch's soft predictions (cells absent from the batch count 0), to add to the model's
    loss. In training mode each call then takes the dual step on the batch's hard decisions
    1[logit > 0] (dual_signal="hard", default) or soft ones ("soft"):
    lambda_k <- min(lambda_max, max(0, lambda_k + dual_lr (gamma_k - eps))) for the cells present,
    then the projection of SPEC §4.1. `multipliers` (a buffer) holds lambda; `violation` is the
    last batch's max_k (gamma_k - eps) on the dual signal; `constraint_names` label them."""

    def __init__(self, sensitive_classes=(0, 1), constraint="dp", eps=0.01, dual_lr=0.05,
                 lambda_max=100.0, dual_signal="hard"):
        super().__init__(sensitive_classes, constraint)
        self.eps = _check_number("eps", eps, 0)
        self.dual_lr = _check_number("dual_lr", dual_lr, 0, lo_open=True)
        self.lambda_max = _check_number("lambda_max", lambda_max, 0, lo_open=True)
        if dual_signal not in ("hard", "soft"):
            raise ValueError("dual_signal must be 'hard' or 'soft'")
        self.dual_signal = dual_signal
        K = _penalty.n_constraints(constraint, self.n_groups)
        self.register_buffer("multipliers", torch.zeros(K, dtype=torch.float64))
        self.violation = math.nan

    @property
    def constraint_names(self):
        events = {"dp": ["all"], "error_rate": ["all"], "tpr": ["label=1"], "fpr": ["label=0"],
                  "eo": ["label=0", "label=1"]}[self.constraint]
        return [f"{sign} {e} group={c}" for sign in "+-" for e in events
                for c in self.sensitive_classes]

    def extra_repr(self):
        return (f"sensitive_classes={self.sensitive_classes}, constraint={self.constraint!r}, "
                f"eps={self.eps:g}, dual_lr={self.dual_lr:g}, lambda_max={self.lambda_max:g}")

    def forward(self, X, out, sensitive, y=None, sample_weight=None):
        group, yv, w = self._inputs(out, sensitive, y, sample_weight)
        lam = self.multipliers.detach().to("cpu", torch.float64).clone()
        K = lam.numel()
        soft, hard = torch.empty(K, dtype=torch.float64), torch.empty(K, dtype=torch.float64)
        mask = torch.empty(K, dtype=torch.uint8)

        def evaluate(z, need_grad):
            dz = torch.empty_like(z) if need_grad else None
            self._call(_penalty.raw_moment, group, self._kind, z.numel(), z.data_ptr(),
                       _ptr(yv), _ptr(w), group.data_ptr(), self.n_groups, lam.data_ptr(),
                       soft.data_ptr(), hard.data_ptr(), mask.data_ptr(), _ptr(dz))
            present = mask.bool()
            value = float(torch.where(present, lam * (soft - self.eps), 0.0).sum())
            return value, dz
        value = _FromC.apply(out, evaluate)
        present = mask.bool()
        signal = hard if self.dual_signal == "hard" else soft
        gap = signal - self.eps
        self.violation = float(gap[present].max()) if bool(present.any()) else -self.eps
        if self.training:
            step = torch.where(present, lam + self.dual_lr * gap, lam).clamp_(0.0, self.lambda_max)
            plus, minus = step[:K // 2], step[K // 2:]  # (+, cell) and (-, cell), half apart
            projected = torch.cat([(plus - minus).clamp_(min=0.0), (minus - plus).clamp_(min=0.0)])
            with torch.no_grad():
                self.multipliers.copy_(projected)
        return value
