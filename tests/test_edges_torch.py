"""One focused test per class of failure the differential test (tests/test_differential.py)
found: each compares with torch (value, gradient, or the error torch raises), and none
may emit a NumPy RuntimeWarning (they are errors here)."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional
NAN, INF = float("nan"), float("inf")


@pytest.fixture(autouse=True)
def _runtime_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def both(values, fn, *, grad=True):
    """fn applied in both frameworks to float64 leaves; value and gradient compared
    (nan where nan)."""
    outs = []
    for T in (te, torch):
        xs = [T.tensor(v, dtype=T.float64, requires_grad=grad) for v in values]
        y = fn(T, *xs)
        g = []
        if grad and y.requires_grad:
            gr = te.grad if T is te else torch.autograd.grad
            g = [None if a is None else np.asarray(a.detach().numpy()) for a in
                 gr(y.sum(), xs, allow_unused=True)]
        outs.append((np.asarray(y.detach().numpy()), g))
    (ours, og), (theirs, tg) = outs
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, equal_nan=True)
    for a, b in zip(og, tg):
        a = np.zeros_like(b) if a is None and b is not None else a
        b = np.zeros_like(a) if b is None and a is not None else b
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12, equal_nan=True)


def raises_like_torch(fn, exc, match):
    """fn(te) raises ``exc`` with torch's words, and so does fn(torch)."""
    with pytest.raises(exc, match=match):
        fn(torch)
    with pytest.raises(exc, match=match):
        fn(te)


# ------------------------------------------------------------------ torch's errors
@pytest.mark.parametrize("fn, exc, match", [
    (lambda T: T.cat([T.ones(2, 1), T.ones(2)], dim=1), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda T: T.tensor(1.).narrow(0, 0, 1), RuntimeError, "narrow\\(\\) cannot be applied "
                                                           "to a 0-dim tensor"),
    (lambda T: T.tensor(1.).split(2), RuntimeError, "split expects at least a 1-dimensional"),
    (lambda T: T.tensor(1.).chunk(2), RuntimeError, "chunk expects at least a 1-dimensional"),
    (lambda T: T.tensor(1.).select(0, 0), IndexError, "select\\(\\) cannot be applied"),
    (lambda T: T.zeros(0).argmax(), IndexError, "Expected reduction dim to be specified"),
    (lambda T: T.zeros(3, 0).amax(dim=1), IndexError, "Expected reduction dim 1 to have "
                                                      "non-zero size"),
    (lambda T: T.ones(3).index_select(0, T.tensor([-1])), IndexError,
     "index out of range in self"),
    (lambda T: T.tensor(1.).index_select(0, T.tensor([0, 0])), RuntimeError,
     "Index to scalar can have only 1 value"),
    (lambda T: T.nn.functional.layer_norm(T.ones(3), []), RuntimeError,
     "Expected normalized_shape to be at least 1-dimensional"),
    (lambda T: T.nn.functional.cross_entropy(T.tensor(1.), T.tensor(0.5)), IndexError,
     "Dimension specified as 1 but tensor has no dimensions"),
    (lambda T: T.nn.functional.cross_entropy(T.tensor(1.), T.tensor(0)), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda T: T.nn.functional.nll_loss(T.tensor(1.), T.tensor(0)), ValueError,
     "Expected 1 or more dimensions \\(got 0\\)"),
    (lambda T: T.nn.functional.binary_cross_entropy(T.tensor([NAN]), T.tensor([0.5])),
     RuntimeError, "all elements of input should be between 0 and 1"),
    (lambda T: T.nn.functional.binary_cross_entropy(T.ones(2) / 2, T.ones(2).double() / 2),
     RuntimeError, "Found dtype Double but expected Float"),
    (lambda T: T.nn.functional.pad(T.ones(2, 3), (-2, -2)), RuntimeError,
     "narrow\\(\\): length must be non-negative"),
    (lambda T: T.nn.functional.pad(T.zeros(0, 3), (1, 1), mode="reflect"), RuntimeError,
     "other non-zero dimensions"),
    (lambda T: T.tensor([True]).floor(), NotImplementedError, "not implemented for"),
    (lambda T: T.ones(2, 2, 2).norm(dim=(0, 1, 2)), RuntimeError,
     "linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"),
    (lambda T: T.ones(3, dtype=T.int64).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda T: T.tensor(1.).cumsum(1), IndexError, "Dimension out of range"),
    (lambda T: T.stack([T.ones(()), T.ones(1)], dim=1), IndexError, "Dimension out of range"),
    (lambda T: T.nn.functional.gelu(T.ones(2, dtype=T.int64), approximate="tanh"),
     NotImplementedError, "not implemented for"),
    (lambda T: T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([0, 1]),
                                        weight=T.ones(3, dtype=T.float64)),
     RuntimeError, "expected scalar type Float but found Double"),
    (lambda T: T.nn.functional.layer_norm(T.ones(2, 3), [3], T.ones(3, dtype=T.float64)),
     RuntimeError, "mixed dtype \\(CPU\\): expect parameter to have scalar type of Float"),
    (lambda T: T.tensor([True, False]).argmax(), RuntimeError,
     "argmax\\(\\): does not support bool input"),
    (lambda T: T.tensor([True]).log_softmax(dim=-3), IndexError, "Dimension out of range"),
])
def test_errors_as_torch(fn, exc, match):
    raises_like_torch(fn, exc, match)


# ------------------------------------------------------------------ what torch accepts
def test_negative_constant_pad_crops():
    x = np.arange(6.0).reshape(2, 3)
    both([x], lambda T, a: T.nn.functional.pad(a, (-1, 2, 1, -1), value=1.5) * 2)


def test_cat_skips_empty_1d_tensors_and_promotes():
    both([np.ones((2, 3)), np.zeros(0)], lambda T, a, b: T.cat([a, b, a * 2]) * 3)
    assert te.cat([te.ones(2), te.ones(2, dtype=te.int64)]).dtype == te.float32


def test_masked_fill_keeps_an_integer_or_bool_dtype():
    for T in (te, torch):
        ints = T.tensor([1, -2, 3]).masked_fill(T.tensor([True, False, True]), 0.5)
        assert str(ints.dtype).endswith("int64") and ints.tolist() == [0, -2, 0]
        flags = T.tensor([True, False]).masked_fill(T.tensor([False, True]), 0.5)
        assert str(flags.dtype).endswith("bool") and flags.tolist() == [True, True]


@pytest.mark.filterwarnings("ignore::UserWarning")      # both: "target size differs"
def test_min_over_a_dim_of_bool_and_losses_promote_after_broadcasting():
    for T in (te, torch):
        assert T.tensor([True, False]).min(dim=0).values.item() is False
        x = T.ones(2) / 2
        target = T.tensor(0.25, dtype=T.float64)
        for loss in (T.nn.functional.l1_loss, T.nn.functional.mse_loss):
            assert str(loss(x, target).dtype).endswith("float64")


def test_cat_of_only_empty_1d_tensors_takes_any_dim():
    both([np.zeros(0), np.zeros(0)], lambda T, a, b: T.cat([a, b], dim=1) * 2)


def test_linear_with_zero_features_and_a_vector_weight():
    both([np.ones((2, 2, 0)), np.ones((3, 0))], lambda T, x, w: T.nn.functional.linear(x, w))
    both([np.arange(6.0).reshape(2, 3), np.ones(3)],
         lambda T, x, w: T.nn.functional.linear(x, w))


def test_amax_over_nonempty_dims_of_an_empty_tensor():
    both([np.zeros((0, 3))], lambda T, x: x.amax(dim=1))


def test_cross_entropy_with_no_classes_and_ignored_targets():
    for reduction in ("none", "sum", "mean"):
        both([np.zeros((1, 0))], lambda T, x: T.nn.functional.cross_entropy(
            x, T.tensor([-100]), reduction=reduction))
        both([np.zeros((2, 0))], lambda T, x: T.nn.functional.nll_loss(
            x, T.tensor([-100, -100]), reduction=reduction))
    both([np.zeros((2, 0)), np.zeros((2, 0))], lambda T, x, p: T.nn.functional.cross_entropy(
        x, p.softmax(1), label_smoothing=0.1))


def test_probability_targets_promote_like_torch():
    x, p = te.ones(2, 3), te.ones(2, 3, dtype=te.float64) / 3
    assert F.cross_entropy(x, p).dtype == te.float64
    assert F.huber_loss(x, p).dtype == te.float32            # torch: the input's dtype
    assert F.binary_cross_entropy_with_logits(x, p).dtype == te.float64   # the target's


def test_index_by_empty_list_and_roll_of_empty():
    both([np.ones((3, 2))], lambda T, x: x[[]] * 2)


# ------------------------------------------------------------------ selected, not 0·∞
def test_ignored_targets_give_zero_even_for_nan_logits_and_inf_weights():
    """The loss of an ignored target is 0 (its gradient, as torch's, is nan·0 = nan
    where the logits are nan)."""
    logits = [[NAN, 1.0], [0.5, 2.0]]
    both([logits], lambda T, x: T.nn.functional.cross_entropy(
        x, T.tensor([-100, 1]), label_smoothing=0.2, reduction="none"))
    both([logits], lambda T, x: T.nn.functional.cross_entropy(
        x, T.tensor([-100, 1]), weight=T.tensor([INF, 1.0], dtype=T.float64), reduction="sum"))
    both([logits], lambda T, x: T.nn.functional.nll_loss(x, T.tensor([-100, 1]),
                                                          reduction="sum"))
    both([logits], lambda T, x: T.nn.functional.nll_loss(x, T.tensor([-100, -100])))


def test_ignored_targets_under_an_infinite_upstream_gradient():
    """An ignored row's gradient is softmax·0 (torch: nothing is written there), so an
    infinite upstream gradient (√ of a zero loss) gives 0, not ∞·0."""
    both([[0.5, 1.0]], lambda T, x: T.nn.functional.cross_entropy(
        x, T.tensor(-100), reduction="sum") ** 0.5)
    both([[0.5]], lambda T, x: T.nn.functional.cross_entropy(
        x, T.tensor(-100), weight=T.tensor([1.5], dtype=T.float64), label_smoothing=0.2,
        reduction="sum") ** 0.5)


def hvp(fn, values):
    """The Hessian-vector product of fn's sum with ones, in both frameworks (where
    torch's is nan, 0·∞ at a kink, ours may be anything)."""
    out = []
    for T, grad in ((te, te.grad), (torch, torch.autograd.grad)):
        x = T.tensor(values, dtype=T.float64, requires_grad=True)
        g, = grad(fn(T, x).sum(), [x], create_graph=True)
        out.append(grad(g.sum(), [x])[0].numpy() if g.requires_grad else np.zeros(x.shape))
    ours, theirs = out
    defined = ~np.isnan(theirs)
    np.testing.assert_allclose(ours[defined], theirs[defined])


@pytest.mark.filterwarnings("ignore::UserWarning")      # torch's "degrees of freedom <= 0"
def test_second_derivatives_through_nan_first_derivatives_are_torchs():
    hvp(lambda T, x: (x ** 0).var(), [0.75])                # a ** 0: a constant 0
    with warnings.catch_warnings():     # ln 0 = −∞ times 0 in Mul, a hot path left loud
        warnings.filterwarnings("ignore", "invalid value encountered in multiply")
        hvp(lambda T, x: (T.tensor([0.0, 2.0], dtype=T.float64) ** x) * x, [0.5, 1.5])
    hvp(lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(-100), reduction="sum")
        ** 0.5 + x.sum(), [0.35])                           # an ignored row under ∞


def test_norm_second_derivative_where_some_norm_is_zero():
    """A zero norm is selected away (0, as torch) without freezing the other norms'
    dependence on the input (the second derivative of |x| is 0 away from 0)."""
    hvp(lambda T, x: x.norm(dim=-1), [[0.0], [-0.66], [0.53]])
    hvp(lambda T, x: x.norm(p=3, dim=-1), [[0.0, 0.0], [-0.66, 0.2]])


def test_remainder_gradient_by_an_infinite_divisor():
    both([[0.3, -0.9], [-INF, INF]], lambda T, a, b: a.remainder(b) * 2)


def test_step_functions_have_zero_gradient_even_under_nan():
    both([[NAN, 1.5, -2.0]], lambda T, x: (x.floor() ** 2 + x.round() * x.sign()))


def test_sign_and_abs_at_nan_are_torchs():
    both([[NAN, -1.0, 0.0, 2.0]], lambda T, x: x.sign() + x.abs())


def test_pow_with_zero_exponent_has_zero_gradient():
    both([[NAN, 0.0, 2.0], [0.0, 0.0, 0.0]], lambda T, a, b: a ** b)
    both([[NAN, 0.0, 2.0]], lambda T, a: a ** 0)


def test_pow_second_derivative_at_zero_exponent_is_analytic_not_torchs():
    """∂²(aᵇ)/∂a∂b = aᵇ⁻¹(1 + b·ln a) = 1/a at b = 0. torch gives 0 (its first
    derivative selects 0 where b = 0, a constant in b): a known torch bug we do not
    copy. Away from b = 0 both agree."""
    results = {}
    for T, grad in ((te, te.grad), (torch, torch.autograd.grad)):
        a = T.tensor([2.0, 4.0], dtype=T.float64, requires_grad=True)
        b = T.tensor([0.0, 0.5], dtype=T.float64, requires_grad=True)
        ga, = grad((a ** b).sum(), [a], create_graph=True)
        results[T], = grad(ga.sum(), [b])
    np.testing.assert_allclose(results[te].numpy(), [0.5, 4 ** -0.5 * (1 + 0.5 * np.log(4))])
    assert results[torch][0] == 0                               # torch's value
    np.testing.assert_allclose(results[te].numpy()[1], results[torch].numpy()[1])


def test_prod_second_derivative_at_zeros():
    for dim in (None, 0, 1):
        hv = {}
        for T, grad in ((te, te.grad), (torch, torch.autograd.grad)):
            a = T.tensor([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0]], dtype=T.float64,
                         requires_grad=True)
            y = a.prod() if dim is None else a.prod(dim)
            g, = grad(y.sum(), [a], create_graph=True)
            hv[T], = grad((g * T.tensor(np.arange(6.0).reshape(2, 3))).sum(), [a])
        np.testing.assert_allclose(hv[te].numpy(), hv[torch].numpy())


def test_huber_loss_at_an_infinite_difference_has_a_finite_gradient():
    both([[INF, 0.5, -3.0]], lambda T, x: T.nn.functional.huber_loss(
        x, T.zeros(3, dtype=T.float64), reduction="sum"))


@pytest.mark.filterwarnings("ignore::UserWarning")      # torch's "degrees of freedom <= 0"
def test_var_gradient_with_no_degrees_of_freedom_is_torchs_constant():
    both([[0.3, 0.5]], lambda T, x: x.var(correction=2))
    both([0.3], lambda T, x: x.var())
    x = te.tensor([0.3, 0.5], dtype=te.float64, requires_grad=True)
    g, = te.grad(x.var(correction=2), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [INF, INF])       # torch: +∞ (nan where x = x̄)


def test_bce_with_logits_at_infinite_logits():
    both([[INF, 1.0]], lambda T, x: T.nn.functional.binary_cross_entropy_with_logits(
        x, T.tensor([0.3, 0.5], dtype=T.float64), reduction="none"), grad=False)


# ------------------------------------------------------------------ no RuntimeWarnings
@pytest.mark.parametrize("fn", [
    lambda T, x: x.log(),                                   # ln 0
    lambda T, x: x.sqrt(),                                  # its gradient at 0
    lambda T, x: x[:0].mean(),                              # an empty mean
    lambda T, x: T.nn.functional.cross_entropy(x[:0].reshape(0, 3), T.zeros(0, dtype=T.int64)),
    lambda T, x: (x * T.tensor([NAN, 1.0, 2.0], dtype=T.float64)).max(),   # max with nan
    lambda T, x: (x + T.tensor([INF, -INF, 0.0], dtype=T.float64)).sum(),   # ∞ − ∞
    lambda T, x: (x + T.tensor([NAN, -INF, 0.0], dtype=T.float64)).amax(dim=0),
    lambda T, x: (x + T.tensor([NAN, -INF, 0.0], dtype=T.float64)).sin(),
    lambda T, x: (x + T.tensor([INF, -INF, 0.0], dtype=T.float64)).norm(),
    lambda T, x: (x + T.tensor([1e308, -1e308, 0.0], dtype=T.float64)).var(),   # overflow
    lambda T, x: T.nn.functional.cross_entropy(x.reshape(1, 3), T.tensor([0]),
                                               weight=T.tensor([INF, 1.0, 1.0], dtype=T.float64)),
    lambda T, x: (x + T.tensor([INF, -INF, 0.0], dtype=T.float64)).logsumexp(0),
    lambda T, x: T.nn.functional.softplus(x * NAN),
    lambda T, x: (x * NAN).int().double(),                  # nan to an integer
    lambda T, x: T.nn.functional.layer_norm(x[:0], [0]),
    lambda T, x: T.nn.functional.cross_entropy(T.zeros(2, 0, dtype=T.float64),
                                               T.zeros(2, 0, dtype=T.float64)),
])
def test_no_runtime_warnings_where_torch_is_silent(fn):
    both([[0.0, -1.0, 2.0]], fn)


@pytest.mark.parametrize("name", ["div", "mul", "pow", "sub", "max"])
def test_an_input_and_its_detached_twin_are_told_apart(name):
    """``x.detach()`` and ``x`` share storage; a node with both as inputs must still
    differentiate through the right one (second derivatives as torch's)."""
    programs = {"div": lambda x: x.detach() / x, "mul": lambda x: x.detach() * x * x,
                "pow": lambda x: x.detach() ** x, "sub": lambda x: (x.detach() - x) ** 2,
                "max": lambda x: x.detach().maximum(x) * x}
    results = {}
    for lib in (te, torch):
        x = lib.tensor([1.5, 2.0], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(programs[name](x).sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        results[lib] = (g.detach().numpy(), h.numpy())
    for ours, theirs in zip(results[te], results[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_no_runtime_warning_leaves_the_library_even_on_the_hot_paths(tmp_path):
    """inf − inf in add/mul/linear/cross-entropy is silent as in torch (a warnings filter
    scoped to the package: no per-call errstate cost); the user's own NumPy still warns."""
    import subprocess
    import sys
    from pathlib import Path
    script = tmp_path / "hot.py"
    script.write_text(
        "import numpy as np\nimport tinygrad_edu as te\nimport tinygrad_edu.nn.functional as F\n"
        "inf = float('inf')\n"
        "a = te.tensor([[inf, 1.0, -inf]], requires_grad=True)\n"
        "y = (a - a) * te.tensor([0.0, 1.0, 2.0]) + F.linear(a, te.ones(3, 3))\n"
        "loss = F.cross_entropy(y, te.tensor([0])) + F.layer_norm(a, (3,)).sum()\n"
        "loss.backward()\n"
        "np.log(np.zeros(1))            # the user's own NumPy code\n")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-W", "default", str(script)], capture_output=True,
                            text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    warnings_seen = [line for line in result.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings_seen) == 1 and "hot.py" in warnings_seen[0], result.stderr
