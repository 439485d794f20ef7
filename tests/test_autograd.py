"""The backward engine: higher-order gradients, accumulation, retain_graph, grad
modes, hooks, te.grad, custom Functions, anomaly detection, scale and memory."""
import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor
from tinygrad_edu.autograd.function import Function as ArrayFunction


def f64(data, requires_grad=True):
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------ second order
SECOND_ORDER = {
    "tanh": (Tensor.tanh, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    "sin": (Tensor.sin, lambda x: -np.sin(x)),
    "cube": (lambda t: t ** 3, lambda x: 6 * x),
    "cube_by_mul": (lambda t: t * t * t, lambda x: 6 * x),
    "exp": (Tensor.exp, np.exp),
    "sigmoid": (Tensor.sigmoid,
                lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)),
    "log": (lambda t: (t * t + 1).log(), lambda x: 2 * (1 - x * x) / (1 + x * x) ** 2),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivative_closed_form(name):
    fn, d2 = SECOND_ORDER[name]
    xs = np.linspace(-2, 2, 9)
    x = f64(xs)
    (g,) = te.grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = te.grad(g.sum(), x)
    np.testing.assert_allclose(h.detach().numpy(), d2(xs), rtol=1e-10, atol=1e-12)


def test_second_derivative_via_backward_create_graph():
    x = f64([0.3, -1.2])
    x.tanh().sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), 1 - np.tanh(x.detach().numpy()) ** 2)
    x.grad = None
    g.sum().backward()
    t = np.tanh(x.detach().numpy())
    np.testing.assert_allclose(x.grad.detach().numpy(), -2 * t * (1 - t * t))


def test_third_derivative_of_cube():
    x = f64([2.0])
    (g1,) = te.grad((x ** 3).sum(), x, create_graph=True)
    (g2,) = te.grad(g1.sum(), x, create_graph=True)
    (g3,) = te.grad(g2.sum(), x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def _two_layer_loss(w1, w2, x, y):
    return (((x @ w1).tanh() @ w2 - y) ** 2).mean()


def test_hessian_vector_product_matches_finite_differences(rng):
    x, y = f64(rng.normal(size=(5, 3)), False), f64(rng.normal(size=(5, 2)), False)
    w1, w2 = f64(rng.normal(size=(3, 4))), f64(rng.normal(size=(4, 2)))
    v1, v2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    g1, g2 = te.grad(_two_layer_loss(w1, w2, x, y), [w1, w2], create_graph=True)
    dot = (g1 * Tensor(v1)).sum() + (g2 * Tensor(v2)).sum()
    hv1, hv2 = te.grad(dot, [w1, w2])

    def gradient(a1, a2):
        p1, p2 = f64(a1), f64(a2)
        return [g.detach().numpy() for g in te.grad(_two_layer_loss(p1, p2, x, y), [p1, p2])]
    eps = 1e-5
    plus = gradient(w1.detach().numpy() + eps * v1, w2.detach().numpy() + eps * v2)
    minus = gradient(w1.detach().numpy() - eps * v1, w2.detach().numpy() - eps * v2)
    np.testing.assert_allclose(hv1.detach().numpy(), (plus[0] - minus[0]) / (2 * eps), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hv2.detach().numpy(), (plus[1] - minus[1]) / (2 * eps), rtol=1e-6, atol=1e-8)
    assert np.abs(hv1.detach().numpy()).max() > 1e-3        # not trivially zero


GRADGRAD = {
    "mul": (lambda a, b: a * b, [(2, 3), (3,)]),
    "div": (lambda a, b: a / (b * b + 1), [(2, 3), (2, 1)]),
    "pow": (lambda a, b: (a * a + 1) ** b, [(3,), (3,)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "batched_matmul": (lambda a, b: a @ b, [(2, 2, 3), (3,)]),
    "tanh_sigmoid": (lambda a: a.tanh() * a.sigmoid(), [(2, 3)]),
    "exp_log": (lambda a: (a.exp() + 1).log(), [(4,)]),
    "sqrt": (lambda a: (a * a + 1).sqrt(), [(4,)]),
    "sin_cos": (lambda a: a.sin() * a.cos(), [(4,)]),
    "gelu": (lambda a: a.gelu(), [(4,)]),
    "softplus": (lambda a: a.softplus(beta=2.0), [(4,)]),
    "softmax": (lambda a: a.softmax(-1), [(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(0), [(3, 2)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(2, 3)]),
    "var_std": (lambda a: a.var(0) + a.std(1).sum(), [(3, 3)]),
    "mean_broadcast": (lambda a, b: (a - b.mean(0, keepdim=True)) ** 2, [(2, 3), (4, 3)]),
    "getitem_repeated": (lambda a: a[[0, 0, 2]] ** 2, [(3, 2)]),
    "cat_stack": (lambda a, b: te.cat([a * b, b]).sum(0) * te.stack([a, a]).sum(), [(2,), (2,)]),
    "pad_reflect": (lambda a: a.pad((1, 1), mode="reflect") ** 2, [(2, 3)]),
    "expand_permute": (lambda a: a.expand(2, 3, 2).permute(2, 0, 1) ** 2, [(3, 1)]),
    "piecewise_linear": (lambda a: a.relu() + a.abs() * 2 + a.clamp(-0.25, 2.0) * a
                         + a.leaky_relu(0.2) * a + a.max(0).values.sum(), [(2, 3)]),
    "where_maximum": (lambda a, b: te.where(a.detach().numpy() > 0, a * a, b).maximum(b * 0.5),
                      [(2, 2), (2, 2)]),
    "sub_neg_reshape": (lambda a, b: (-(a - b)).reshape(1, 6).squeeze(0).unsqueeze(1) ** 3,
                        [(2, 3), (3,)]),
    "min_dim_mean_sum": (lambda a: a.min(1).values ** 2 + a.mean((0, 1)) * a.sum(-1), [(3, 4)]),
    "basic_slices": (lambda a: a[1:, ::2] * a[0, :2] + a[..., None][0, 1:3, 0] ** 2, [(3, 4)]),
    "minimum_softplus": (lambda a, b: a.minimum(b).softplus() * b, [(2, 3), (1, 3)]),
    "pad_constant_sum_to_shape": (lambda a: a.pad((1, 0, 2, 1), value=0.5).sum_to_shape((1, 4))
                                  ** 2, [(2, 3)]),
    "std_with_a_constant_row": (lambda a: (a * te.tensor([[0.0], [1.0]])).std(1) * a.sum(),
                                [(2, 3)]),
}


@pytest.mark.parametrize("name", list(GRADGRAD))
def test_gradgradcheck(name, rng):
    fn, shapes = GRADGRAD[name]
    inputs = [f64(rng.uniform(0.3, 1.5, s) * rng.choice([-1, 1], s)) for s in shapes]
    assert te.gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ accumulation / retain_graph
def test_gradients_accumulate_over_two_backward_calls():
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x ** 2).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_fan_out_sums_gradients():
    x = f64([3.0])
    y = x * 2
    z = y * y + y.exp() + x        # x used directly and through y (twice)
    z.backward()
    assert x.grad.item() == pytest.approx(8 * 3 + 2 * math.exp(6) + 1)


def test_retain_graph_allows_second_backward():
    x = f64([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first)


def test_second_backward_without_retain_graph_raises():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_non_scalar_backward_needs_gradient():
    x = f64([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(2,\).*gradient"):
        y.backward()
    y.backward(gradient=Tensor(np.array([1.0, 10.0])))
    assert x.grad.tolist() == [2.0, 20.0]


def test_backward_gradient_shape_mismatch_and_no_grad_root():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(Tensor(np.ones(3)))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_backward_on_leaf_and_through_constants():
    x = f64(5.0)
    x.backward()
    assert x.grad.item() == 1.0
    c = Tensor([2.0, 3.0])
    w = Tensor([1.0, 1.0], requires_grad=True)
    (w * c).sum().backward()
    assert c.grad is None and w.grad.tolist() == [2.0, 3.0]


# ------------------------------------------------------------------ grad modes
def test_no_grad_context_manager():
    x = f64([1.0])
    with te.no_grad():
        y = x * 2
        assert not te.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert te.is_grad_enabled()
    assert (x * 2).grad_fn is not None


def test_no_grad_decorator():
    x = f64([1.0])

    @te.no_grad()
    def f(t):
        return t.exp() * 3
    y = f(x)
    assert y.grad_fn is None and not y.requires_grad
    assert te.is_grad_enabled()


def test_no_grad_and_enable_grad_work_as_bare_decorators_like_torch():
    x = f64([1.0])

    @te.no_grad
    def frozen(t):
        """Doubles without recording."""
        return t * 2

    @te.enable_grad
    def recorded(t):
        return t * 2
    assert frozen(x).grad_fn is None and frozen(x).tolist() == [2.0]
    assert frozen.__name__ == "frozen" and frozen.__doc__ == "Doubles without recording."
    assert te.is_grad_enabled()
    with te.no_grad():
        assert recorded(x).grad_fn is not None
        assert not te.is_grad_enabled()
    assert isinstance(te.no_grad(), te.no_grad) and isinstance(te.enable_grad(), te.enable_grad)


def test_no_grad_decorator_on_recursive_function_restores_mode():
    @te.no_grad()
    def depth(n):
        assert not te.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)
    assert depth(3) == 3
    assert te.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ZeroDivisionError):
        with te.no_grad():
            1 / 0
    assert te.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = f64([1.0])
    with te.no_grad():
        with te.enable_grad():
            y = x * 2
        z = x * 2
    assert y.grad_fn is not None and z.grad_fn is None
    with te.set_grad_enabled(False):
        assert (x * 2).grad_fn is None


def test_detach_shares_data_and_blocks_gradient():
    x = f64([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and np.shares_memory(d.detach().numpy(), y.detach().numpy())
    (x * d).sum().backward()
    assert x.grad.tolist() == [3.0, 6.0]


def test_requires_grad_():
    x = Tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    assert (x * 2).requires_grad
    x.requires_grad_(False)
    assert not (x * 2).requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_retain_grad_keeps_non_leaf_grad():
    x = f64([1.0, 2.0])
    y = x * 3
    z = x * 4
    y.retain_grad()
    (y * z).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert z.grad is None                # non-leaf without retain_grad
    assert x.grad.tolist() == [24.0, 48.0]


def test_retained_grad_accumulates_like_a_leaf():
    x = f64([1.0])
    y = x * 2
    y.retain_grad()
    z = y * 3
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [6.0] and x.grad.tolist() == [12.0]


# ------------------------------------------------------------------ hooks
def test_hook_on_leaf_changes_gradient_and_can_be_removed():
    x = f64([1.0, 2.0])
    seen = []
    h1 = x.register_hook(lambda g: seen.append(g.tolist()))
    h2 = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [20.0, 40.0]
    h2.remove()
    h1.remove()
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and len(seen) == 1


def test_hook_on_non_leaf_changes_upstream_gradient():
    x = f64([1.0, 2.0])
    y = x * 2
    handle = y.register_hook(lambda g: g * 100)
    (y * y).sum().backward(retain_graph=True)
    assert x.grad.tolist() == [800.0, 1600.0]
    handle.remove()
    x.grad = None
    (y * y).sum().backward()
    assert x.grad.tolist() == [8.0, 16.0]


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="hook"):
        Tensor([1.0]).register_hook(lambda g: g)


# ------------------------------------------------------------------ te.grad
def test_grad_returns_tuple_and_leaves_dot_grad_untouched():
    x, y = f64([1.0, 2.0]), f64([3.0])
    gx, gy = te.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 3.0] and gy.tolist() == [3.0]
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad


def test_grad_allow_unused():
    x, unused = f64([1.0]), f64([2.0])
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        te.grad(out, [x, unused], retain_graph=True)
    gx, gu = te.grad(out, [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_grad_outputs_weigh_non_scalar_outputs():
    x = f64([1.0, 2.0, 3.0])
    (g,) = te.grad(x * x, x, grad_outputs=Tensor(np.array([1.0, 0.0, -1.0])))
    assert g.tolist() == [2.0, 0.0, -6.0]
    a, b = x * 2, x.sum()
    (g2,) = te.grad([a, b], [x], grad_outputs=[Tensor(np.ones(3)), None])
    assert g2.tolist() == [3.0, 3.0, 3.0]
    with pytest.raises(RuntimeError, match="gradient"):
        te.grad(x * x, x)


def test_grad_wrt_intermediate_and_create_graph():
    x = f64([2.0])
    y = x * x
    z = y * y * x                       # dz/dy = 2 y x
    (gy,) = te.grad(z.sum(), y, create_graph=True)
    assert gy.item() == 2 * 4 * 2 and gy.requires_grad
    (gx,) = te.grad(gy.sum(), x)        # d(2 x³)/dx = 6 x² (y treated through x)
    assert gx.item() == pytest.approx(6 * 4)
    assert x.grad is None


def test_grad_stops_at_the_requested_inputs():
    """Like torch.autograd.grad, te.grad runs only the backward of nodes between the
    outputs and the inputs: nothing below an intermediate input is computed, so it
    works even when that part of the graph was already freed."""
    calls = []

    class Spy(te.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            calls.append(grad.shape)
            return grad
    x = f64([1.0, 2.0])
    h = Spy.apply(x).exp()
    y = (h * h).sum()
    (g,) = te.grad(y, h, retain_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 2 * np.exp([1.0, 2.0]))
    assert calls == []
    h.sum().backward()                  # frees Exp (and Spy) below h
    assert calls == [(2,)]
    (g2,) = te.grad(y, h, retain_graph=True)
    np.testing.assert_allclose(g2.detach().numpy(), g.detach().numpy())
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        te.grad(y, [h, x])              # x lies below the freed Exp: that does need it


def test_grad_wrt_the_output_itself_and_repeated_inputs():
    x = f64([1.0, 2.0])
    h = x * 3
    (g,) = te.grad(h, h, grad_outputs=Tensor(np.array([1.0, 5.0])), retain_graph=True)
    assert g.tolist() == [1.0, 5.0]
    grads = te.grad(h.sum(), [h, x, h, x])          # each position answered, as torch
    assert [t.tolist() for t in grads] == [[1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [3.0, 3.0]]


def test_grad_leaf_hook_applies():
    x = f64([1.0])
    x.register_hook(lambda g: g * 5)
    (g,) = te.grad((x * 3).sum(), x)
    assert g.item() == 15.0 and x.grad is None


# ------------------------------------------------------------------ custom Functions
class Cube(te.Function):
    """z = x³.  ∂z/∂x = 3x²."""
    formula = "∂z/∂x = 3x²"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x ** 2


class WrongCube(Cube):
    """A deliberately wrong backward (2x² instead of 3x²)."""

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 2 * x ** 2


class ScaledAdd(te.Function):
    """z = a + k·b with a Python parameter k.  ∂z/∂a = 1, ∂z/∂b = k."""

    @staticmethod
    def forward(ctx, a, b, k=1.0):
        ctx.k = k
        return a + k * b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * ctx.k


def test_custom_function_passes_gradcheck_and_gradgradcheck(rng):
    x = f64(rng.uniform(-2, 2, (2, 3)))
    y = Cube.apply(x)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() ** 3)
    assert isinstance(y.grad_fn, Cube) and y.grad_fn.formula == "∂z/∂x = 3x²"
    assert te.gradcheck(Cube.apply, [x])
    assert te.gradgradcheck(Cube.apply, [x])
    (g,) = te.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = te.grad(g.sum(), x)
    np.testing.assert_allclose(h.detach().numpy(), 6 * x.detach().numpy())


def test_custom_function_with_params_and_broadcasting(rng):
    a, b = f64(rng.normal(size=(2, 3))), f64(rng.normal(size=(3,)))
    assert te.gradcheck(lambda p, q: ScaledAdd.apply(p, q, k=2.5), [a, b])
    ScaledAdd.apply(a, b, k=2.5).sum().backward()
    assert b.grad.shape == (3,) and b.grad.tolist() == [5.0, 5.0, 5.0]


def test_wrong_custom_function_is_caught_by_gradcheck():
    x = f64([[0.5, -1.0], [2.0, 1.5]])
    with pytest.raises(te.GradcheckError, match=r"input 0.*element \(1, 0\).*analytic 8 .*"
                                                r"numerical 12"):
        te.gradcheck(WrongCube.apply, [x])


def test_gradcheck_on_non_contiguous_input(rng):
    x = Tensor(rng.normal(size=(3, 2)).T, requires_grad=True)    # Fortran-ordered data
    assert not x.detach().numpy().flags["C_CONTIGUOUS"]
    weights = Tensor(np.arange(6.0).reshape(2, 3))
    assert te.gradcheck(lambda t: t.exp() * weights, [x])
    with pytest.raises(te.GradcheckError, match=r"element \(1, 2\)"):
        te.gradcheck(lambda t: WrongCube.apply(t) * weights, [x])


def test_gradcheck_requires_float64():
    with pytest.raises(ValueError, match="float64"):
        te.gradcheck(Tensor.exp, [Tensor([1.0], requires_grad=True)])


def test_backward_returning_wrong_number_of_grads_is_reported():
    class Bad(te.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number "
                                           r"of gradients \(expected 2, got 1\)"):
        Bad.apply(f64([1.0]), f64([2.0])).sum().backward()


def test_backward_returning_a_wrongly_shaped_gradient_is_reported():
    class Skewed(te.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return te.ones(3)
    with pytest.raises(RuntimeError, match=r"Function SkewedBackward returned an invalid "
                                           r"gradient at index 0 - got \[3\] but expected "
                                           r"shape compatible with \[2\]"):
        Skewed.apply(f64([1.0, 2.0])).sum().backward()


# ------------------------------------------------------------------ anomaly detection
def test_detect_anomaly_names_forward_op():
    x = f64([-1.0, 1.0])
    with np.errstate(invalid="ignore"), te.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"forward of Log.*nan"):
            x.log()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().detach().numpy()[0])       # no check outside the context


def test_detect_anomaly_names_backward_op():
    x = f64([0.0, 4.0])
    y = x.sqrt().sum()                         # forward fine, d√x/dx = inf at 0
    with np.errstate(divide="ignore"), te.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"backward of Sqrt.*inf"):
            y.backward()
    with np.errstate(invalid="ignore"):
        assert np.isnan(f64([-1.0]).log().item())   # the mode was restored


def test_detect_anomaly_as_decorator():
    @te.detect_anomaly()
    def f(t):
        return t / 0.0
    with np.errstate(divide="ignore"), pytest.raises(FloatingPointError, match="Div"):
        f(f64([1.0]))


# ------------------------------------------------------------------ scale and memory
def test_long_chain_has_no_recursion_error():
    x = f64([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0 and y.item() == 100_001.0


def test_long_chain_of_muls_gradient_value():
    x = f64([1.0])
    y = x
    for _ in range(1000):
        y = y * 1.001
    y.backward()
    assert x.grad.item() == pytest.approx(1.001 ** 1000)


def _clamp_mask(y):
    mask = y.grad_fn._saved[0]
    assert isinstance(mask, np.ndarray)
    return weakref.ref(mask)


def test_saved_arrays_released_after_backward():
    x = f64(np.linspace(-2, 2, 10))
    y = x.clamp(-1.0, 1.0)
    ref = _clamp_mask(y)                        # the mask: only the ctx holds it
    assert ref() is not None
    y.sum().backward()
    gc.collect()
    assert ref() is None
    x2 = f64(np.linspace(-2, 2, 10))
    z = x2.abs()
    ref2 = weakref.ref(z.grad_fn._saved[0])
    z.sum().backward()
    assert ref2() is None


def test_saved_arrays_kept_with_retain_graph():
    x = f64(np.linspace(-2, 2, 10))
    y = x.clamp(-1.0, 1.0)
    ref = _clamp_mask(y)
    y.sum().backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * ((x.detach().numpy() >= -1) & (x.detach().numpy() <= 1)))


def test_graph_is_freed_when_output_is_dropped():
    x = f64(np.ones(5))
    y = x.clamp(0.0, 2.0)
    ref = _clamp_mask(y)
    del y
    gc.collect()
    assert ref() is None


def test_a_node_does_not_reference_its_output():
    """No cycle node → output → node: dropping the output frees it at once, without
    the cyclic garbage collector."""
    x = f64([0.5, 1.0, 2.0])
    y = x.exp()
    node, ref = y.grad_fn, weakref.ref(y)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del y
        assert ref() is None
    finally:
        if was_enabled:
            gc.enable()
    (out,) = node.saved_tensors              # still unpacks: the array was kept
    np.testing.assert_array_equal(out.detach().numpy(), np.exp(x.detach().numpy()))


def test_a_saved_output_unpacks_as_a_tensor_of_its_own_node():
    x = f64([0.5, 1.0, 2.0])
    y = x.exp()                              # Exp saves its output
    (out,) = y.grad_fn.saved_tensors
    assert out.grad_fn is y.grad_fn and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), y.detach().numpy())
    # so create_graph differentiates through it: d²/dx² eˣ = eˣ
    (g,) = te.grad(y.sum(), x, create_graph=True)
    (gg,) = te.grad(g.sum(), x)
    np.testing.assert_allclose(gg.detach().numpy(), np.exp(x.detach().numpy()))


def test_saving_exactly_the_inputs_unpacks_the_graphs_own_tensors():
    x = f64([1.0, 2.0])
    w = f64([3.0, 4.0])
    y = x * w                                 # Mul saves (a, b): its inputs
    a, b = y.grad_fn.saved_tensors
    assert a is x and b is w
    z = x * 5.0                               # a constant input comes back as a Tensor
    a, c = z.grad_fn.saved_tensors
    assert a is x and isinstance(c, Tensor) and float(c.item()) == 5.0
    assert c.grad_fn is None and not c.requires_grad
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.sum().backward()


def test_saving_the_first_inputs_unpacks_them_and_keeps_no_tuple():
    x, w, b = f64(np.ones((2, 3))), f64(np.ones((4, 3))), f64(np.zeros(4))
    y = te.functions.nn.Linear.apply(x, w, b)     # saves (x, weight), not the bias
    assert y.grad_fn._saved == 2                  # their number, not a tuple of arrays
    xs, ws = y.grad_fn.saved_tensors
    assert xs is x and ws is w
    y.sum().backward()
    np.testing.assert_array_equal(b.grad.detach().numpy(), [2.0] * 4)


def test_saved_arrays_are_the_saved_arrays_and_are_freed_too():
    x, w = f64(np.ones((2, 3))), f64(np.ones((4, 3)))
    lin = te.functions.nn.Linear.apply(x, w)                      # saved its first 2 inputs
    assert all(a is b for a, b in zip(lin.grad_fn.saved_arrays, (x.numpy(force=True), w.numpy(force=True))))
    r = te.functions.elementwise.ReLU.apply(x - 2)                # saved its output
    (out,) = r.grad_fn.saved_arrays
    assert out is r.numpy(force=True) and isinstance(out, np.ndarray)
    r.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        r.grad_fn.saved_arrays


UNPACKING_OPS = {          # ops whose backward is one formula, on Tensors or on arrays
    "mul": lambda a, b: a * b, "div": lambda a, b: a / (b.abs() + 1),
    "maximum": lambda a, b: a.maximum(b), "minimum": lambda a, b: a.minimum(b),
    "exp": lambda a, b: a.exp() * b, "log": lambda a, b: (a * a + 1).log() * b,
    "sqrt": lambda a, b: (a * a + 1).sqrt() * b, "abs": lambda a, b: a.abs() * b,
    "tanh": lambda a, b: a.tanh() * b, "sigmoid": lambda a, b: a.sigmoid() * b,
    "leaky_relu": lambda a, b: a.leaky_relu(0.1) * b,
    "clamp": lambda a, b: a.clamp(-0.5, 0.5) * b,
}


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1), (1, 3)), ((), (2, 3)), ((), ())])
@pytest.mark.parametrize("op", list(UNPACKING_OPS))
def test_backward_on_arrays_equals_the_recorded_backward(op, shapes):
    """``ctx.unpack``: not recorded, the backward's formula runs on the arrays; with
    create_graph the same formula runs as (recorded) Tensor ops. Same gradients, same
    shapes and dtype, under broadcasting and for 0-d operands."""
    rng = np.random.default_rng(5)
    a, b = (f64(rng.standard_normal(s)) for s in shapes)
    w = rng.standard_normal(np.broadcast_shapes(*shapes))
    plain = te.grad((UNPACKING_OPS[op](a, b) * w).sum(), [a, b])
    recorded = te.grad((UNPACKING_OPS[op](a, b) * w).sum(), [a, b], create_graph=True)
    for t, g1, g2 in zip((a, b), plain, recorded):
        assert g1.shape == g2.shape == t.shape and g1.dtype == g2.dtype == np.float64
        np.testing.assert_allclose(g1.detach().numpy(), g2.detach().numpy(), rtol=1e-13, atol=1e-15)
        assert not g1.requires_grad           # nothing recorded without create_graph
    assert te.gradcheck(lambda a, b: (UNPACKING_OPS[op](a, b) * w).sum(), (a, b))


def test_each_leaf_owns_its_gradient_array():
    """Add hands one gradient to both inputs, and a seed can reach a leaf untouched:
    still every .grad is an array of its own (as in torch), so changing one in place
    changes nothing else."""
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    seed = Tensor(np.ones(2))
    (x + y).backward(seed)
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    assert not np.shares_memory(x.grad.numpy(), seed.detach().numpy())
    x.grad.data *= 10
    assert y.grad.tolist() == [1.0, 1.0] and seed.tolist() == [1.0, 1.0]
    z = f64([[1.0, 2.0]])
    v = z.reshape(2)                              # Reshape's backward returns a view
    v.retain_grad()
    v.backward(seed)
    assert z.grad.numpy().flags.owndata and z.grad.numpy().flags.writeable
    assert not np.shares_memory(z.grad.numpy(), v.grad.numpy())
    assert not np.shares_memory(z.grad.numpy(), seed.detach().numpy())
    s = f64(2.0)
    s.backward()                                  # a leaf as the root: not the seed's array
    assert s.grad.item() == 1.0 and s.grad.numpy().flags.writeable


def test_a_recorded_op_keeps_three_objects_for_the_garbage_collector():
    """The output Tensor, its node and the node's tuple of inputs: nothing else per op
    (no weak reference, no dict, no tuple of saved inputs, no array for the scalar).
    Fewer tracked objects make CPython's collections over a long graph cheaper."""
    x = Tensor(np.ones(4, np.float32), requires_grad=True)
    y = x
    for i in range(10):
        y = y * 0.5 if i % 2 == 0 else y + 0.5
    gc.collect()
    before = len(gc.get_objects())
    for i in range(1000):
        y = y * 0.5 if i % 2 == 0 else y + 0.5
    gc.collect()
    assert (len(gc.get_objects()) - before) / 1000 == pytest.approx(3.0, abs=0.01)


def test_no_grad_ops_record_nothing_and_say_no_input_needs_grad():
    x = f64([1.0, 2.0])
    seen = []

    class Probe(ArrayFunction):        # the built-ins' base (a custom Function says
                                       # needs_input_grad=(True,) under no_grad, as torch)
        @staticmethod
        def forward(ctx, a):
            seen.append(ctx.needs_input_grad)
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with te.no_grad():
        y = Probe.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = Probe.apply(x)
    assert z.grad_fn is not None
    assert seen == [(False,), (True,)]


def test_training_steps_do_not_grow_memory(rng):
    xs = Tensor(rng.normal(size=(16, 4)))
    ys = Tensor(rng.normal(size=(16, 1)))
    w1 = Tensor(rng.normal(size=(4, 8)) * 0.5, requires_grad=True)
    w2 = Tensor(rng.normal(size=(8, 1)) * 0.5, requires_grad=True)

    def step():
        loss = (((xs @ w1).tanh() @ w2 - ys) ** 2).mean()
        loss.backward()
        for p in (w1, w2):
            p.data -= 0.01 * p.grad.data
            p.grad = None
        return loss.item()

    first = step()
    tracemalloc.start()
    try:
        for _ in range(50):                     # warm-up
            step()
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            last = step()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last < first                         # it really trained
    assert after - before < 64 * 1024, f"memory grew by {after - before} bytes"


def test_ctx_create_graph_is_true_exactly_when_the_backward_is_recorded():
    """``ctx.create_graph``: what a built-in backward asks instead of the grad flag."""
    from tinygrad_edu.autograd.function import Function as ArrayFunction
    seen = []

    class Probe(ArrayFunction):
        """z = a."""
        formula = "∂z/∂a = 1"

        @staticmethod
        def forward(ctx, a):
            return a.copy()

        @staticmethod
        def backward(ctx, grad):
            seen.append(("backward", ctx.create_graph))
            return grad

    x = te.tensor([1.0, 2.0], requires_grad=True)
    Probe.apply(x).sum().backward()
    te.grad(Probe.apply(x).sum(), x, create_graph=True)
    assert seen == [("backward", False), ("backward", True)]
    with pytest.raises(AttributeError):
        Probe.apply(x).grad_fn.create_graph = True          # read-only
    # the formula is written once and appended to the docstring
    assert Probe.__doc__.startswith("z = a.") and Probe.__doc__.rstrip().endswith("∂z/∂a = 1")
