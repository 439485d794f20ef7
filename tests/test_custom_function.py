"""te.autograd.Function: custom ops written exactly as PyTorch documents them.

Most tests write each program once, against a module ``lib`` that is either
``tinygrad_edu`` or ``torch``, and run it on both (float64) when torch is installed.
"""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.autograd.function import Function as ArrayFunction

try:
    import torch
except ImportError:         # the side-by-side halves are skipped
    torch = None

LIBS = [te] + ([torch] if torch is not None else [])
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
has_inplace = pytest.mark.skipif(not hasattr(te.Tensor, "clone")
                                 or not hasattr(te.Tensor, "__setitem__"),
                                 reason="Tensor.clone / __setitem__ not on this branch yet")


def t64(lib, values, requires_grad=False):
    return lib.tensor(np.asarray(values, dtype=np.float64), dtype=lib.float64,
                      requires_grad=requires_grad)


def arr(t):
    return np.asarray(t.detach().numpy())


def both(program, *args):
    """``program(lib, *args)`` for tinygrad_edu and (when installed) torch."""
    return [program(lib, *args) for lib in LIBS]


def assert_same(results, rtol=1e-10, atol=1e-12):
    """Every result (nested tuples/lists of Tensors, arrays, numbers) equal to the first."""
    def flat(x):
        if isinstance(x, (tuple, list)):
            return [v for item in x for v in flat(item)]
        if hasattr(x, "detach"):
            return [arr(x)]
        return [x]
    first = flat(results[0])
    for other in results[1:]:
        other = flat(other)
        assert len(other) == len(first)
        for a, b in zip(first, other):
            if isinstance(a, (str, type(None), bool)):
                assert a == b
            else:
                np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ the tutorial's ops
def relu_class(lib, masked_write=False):
    """PyTorch tutorial's MyReLU: clamp in forward; backward by a masked multiply, or
    (the tutorial's own text) clone + masked write."""
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            if masked_write:
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input
            return grad_output * (input >= 0)
    return MyReLU


def legendre_class(lib):
    """"Learning PyTorch with Examples": P3(x) = ½(5x³ − 3x), P3'(x) = 1.5(5x² − 1)."""
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def test_my_relu_values_gradients_and_node(rng):
    data = rng.normal(size=(3, 4))

    def program(lib):
        x = t64(lib, data, requires_grad=True)
        y = relu_class(lib).apply(x)
        (y * y).sum().backward()
        return y, x.grad
    assert_same(both(program))
    x = t64(te, data, requires_grad=True)
    y = relu_class(te).apply(x)
    assert type(y.grad_fn).__name__ == "MyReLUBackward" and repr(y.grad_fn) == "<MyReLUBackward>"
    assert "grad_fn=<MyReLUBackward>" in repr(y)
    assert y.grad_fn.name() == "MyReLU"             # the renderer's short name, as built-ins
    (node, _), = y.grad_fn.next_functions
    assert node.variable is x
    assert y.grad_fn.needs_input_grad == (True,)


def two_layer_relu_losses(lib, data, relu_cls, steps=25, manual=False):
    """The two-layer network of PyTorch's MyReLU tutorial, trained with SGD (or with
    the older tutorials' manual update through ``.data``)."""
    x_np, y_np, w1_np, w2_np = data
    x, y = t64(lib, x_np), t64(lib, y_np)
    w1, w2 = t64(lib, w1_np, True), t64(lib, w2_np, True)
    learning_rate = 1e-4
    opt = lib.optim.SGD([w1, w2], lr=learning_rate)
    relu = relu_cls(lib).apply
    losses = []
    for _ in range(steps):
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if manual:
            loss.backward()
            w1.data -= learning_rate * w1.grad.data
            w2.data -= learning_rate * w2.grad.data
            w1.grad = w2.grad = None
        else:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return losses


def relu_net_data(rng):
    return (rng.normal(size=(64, 100)), rng.normal(size=(64, 10)),
            rng.normal(size=(100, 50)) * 0.1, rng.normal(size=(50, 10)) * 0.1)


def test_my_relu_trains_a_two_layer_network_as_torch(rng):
    data = relu_net_data(rng)
    results = both(two_layer_relu_losses, data, relu_class)
    assert results[0][-1] < 0.75 * results[0][0]         # it does train
    results += both(two_layer_relu_losses, data, relu_class, 25, True)
    for other in results[1:]:
        np.testing.assert_allclose(results[0], other, rtol=1e-9)


@has_inplace
def test_my_relu_with_clone_and_masked_write_trains_as_torch(rng):
    data = relu_net_data(rng)
    cls = lambda lib: relu_class(lib, masked_write=True)   # noqa: E731
    results = both(two_layer_relu_losses, data, cls)
    np.testing.assert_allclose(results[0], two_layer_relu_losses(te, data, relu_class))
    for other in results[1:]:
        np.testing.assert_allclose(results[0], other, rtol=1e-9)


def test_legendre_polynomial_fit_as_torch():
    """The tutorial's fit of sin(x) by a + b·P3(c + d·x), with its manual update."""
    def program(lib):
        x = lib.linspace(-math.pi, math.pi, 200, dtype=lib.float64)
        y = lib.sin(x)
        params = [lib.full((), v, dtype=lib.float64, requires_grad=True)
                  for v in (0.0, -1.0, 0.0, 0.3)]
        a, b, c, d = params
        P3 = legendre_class(lib).apply
        opt = lib.optim.SGD(params, lr=5e-5)
        losses = []
        for _ in range(100):
            y_pred = a + b * P3(c + d * x)
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
        return losses, [p.item() for p in params]
    results = both(program)
    assert results[0][0][-1] < results[0][0][0]
    assert_same(results, rtol=1e-9)


# ------------------------------------------------------------------ ctx and signatures
def sincos_class(lib, materialize=True, seen=None):
    """Two outputs; backward records what it received."""
    class SinCos(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, g_sin, g_cos):
            x, = ctx.saved_tensors
            if seen is not None:
                seen.append(tuple(None if g is None else arr(g).tolist() for g in (g_sin, g_cos)))
            grad = 0
            if g_sin is not None:
                grad = grad + g_sin * x.cos()
            if g_cos is not None:
                grad = grad - g_cos * x.sin()
            return grad
    return SinCos


def test_multiple_outputs_give_torch_gradients():
    def program(lib):
        x = t64(lib, [0.3, -1.2, 2.0], requires_grad=True)
        s, c = sincos_class(lib).apply(x)
        (s * 2 + c ** 2).sum().backward()
        g_both = x.grad
        x.grad = None
        s, c = sincos_class(lib).apply(x)
        (c * 3).sum().backward()            # only one output used
        return s, c, g_both, x.grad, s.requires_grad, c.requires_grad
    assert_same(both(program))
    x = t64(te, [0.3], requires_grad=True)
    s, c = sincos_class(te).apply(x)
    assert repr(s.grad_fn) == repr(c.grad_fn) == "<SinCosBackward>"
    assert te.autograd.gradcheck(lambda t: sincos_class(te).apply(t), [x])
    assert te.autograd.gradgradcheck(lambda t: sincos_class(te).apply(t), [x])


def test_set_materialize_grads_passes_zeros_or_none_as_torch():
    def program(lib, materialize):
        seen = []
        x = t64(lib, [0.5, 1.0], requires_grad=True)
        s, c = sincos_class(lib, materialize, seen).apply(x)
        s.sum().backward()                  # cos got no gradient
        return seen, x.grad
    for materialize, other in ((True, [0.0, 0.0]), (False, None)):
        results = both(program, materialize)
        assert results[0][0] == [([1.0, 1.0], other)]
        assert_same(results)


def test_non_tensor_arguments_and_outputs_and_keyword_arguments():
    def program(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, label, shift=0.0):
                ctx.k = k
                return x * k + shift, label.upper()

            @staticmethod
            def backward(ctx, grad, grad_label):
                assert grad_label is None       # a non-Tensor output gets None
                return grad * ctx.k, None, None, None
        x = t64(lib, [1.0, 2.0], requires_grad=True)
        y, label = Scale.apply(x, 2.5, "ok", shift=1.0)
        y.sum().backward()
        return y, label, x.grad
    assert_same(both(program))


def test_needs_input_grad_as_torch():
    def program(lib):
        seen = []

        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, n):
                seen.append(ctx.needs_input_grad)
                return a * b * n

            @staticmethod
            def backward(ctx, grad):
                seen.append(ctx.needs_input_grad)
                a_grad = grad if ctx.needs_input_grad[0] else None
                b_grad = grad if ctx.needs_input_grad[1] else None
                return a_grad, b_grad, None
        a, b = t64(lib, [1.0], True), t64(lib, [2.0])
        y = Probe.apply(a, b, 3)
        y.sum().backward()
        with lib.no_grad():
            assert Probe.apply(a, b, 3).grad_fn is None
        return seen, len(y.grad_fn.next_functions)
    results = both(program)
    assert results[0] == ([(True, False, False)] * 3, 2)     # no entry for the number
    assert all(r == results[0] for r in results)


def test_mark_non_differentiable_as_torch():
    def program(lib):
        seen = []

        class SortLike(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                positive = (x > 0).to(x.dtype)
                ctx.mark_non_differentiable(positive)
                return x * positive, positive

            @staticmethod
            def backward(ctx, grad, grad_positive):
                seen.append(arr(grad_positive).tolist())   # zeros, as torch documents
                return grad * (grad != 0)
        x = t64(lib, [-1.0, 2.0, 3.0], requires_grad=True)
        y, positive = SortLike.apply(x)
        assert not positive.requires_grad and positive.grad_fn is None
        y.sum().backward()
        return y, positive, x.grad, seen
    results = both(program)
    assert results[0][-1] == [[0.0, 0.0, 0.0]]
    assert_same(results)


# ------------------------------------------------------------------ torch's errors
def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def identity_class(lib, grads):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grads(grad)
    return Bad


@pytest.mark.parametrize("grads, message", [
    (lambda g: g, "function BadBackward returned an incorrect number of gradients "
                  "(expected 2, got 1)"),
    (lambda g: (g, g, g), "function BadBackward returned an incorrect number of gradients "
                          "(expected 2, got 3)"),
])
def test_wrong_gradient_count_errors_as_torch(grads, message):
    def program(lib):
        a, b = t64(lib, [1.0], True), t64(lib, [2.0], True)
        return error_of(lambda: identity_class(lib, grads).apply(a, b).sum().backward())
    results = both(program)
    assert results[0] == (RuntimeError, message)
    assert all(r == results[0] for r in results)


def test_trailing_none_gradients_are_dropped_as_torch():
    def program(lib):
        a, b = t64(lib, [1.0], True), t64(lib, [2.0], True)
        identity_class(lib, lambda g: (g * 2, g * 3, None, None)).apply(a, b).sum().backward()
        return a.grad, b.grad
    assert_same(both(program))


def test_gradient_for_a_non_tensor_input_and_bad_shape_errors_as_torch():
    def program(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, n):
                return a * n

            @staticmethod
            def backward(ctx, grad):
                return grad, grad

        class G(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, grad):
                return lib.ones(3, dtype=lib.float64)
        a = t64(lib, [1.0, 2.0], True)
        return (error_of(lambda: F.apply(a, 3).sum().backward()),
                error_of(lambda: G.apply(a).sum().backward()))
    results = both(program)
    assert results[0][0][1].startswith("function FBackward returned a gradient different than "
                                       "None at position 2")
    assert results[0][1] == (RuntimeError, "Function GBackward returned an invalid gradient at "
                             "index 0 - got [3] but expected shape compatible with [2]")
    assert all(r == results[0] for r in results)


def test_saved_tensors_after_backward_and_retain_graph_as_torch():
    def program(lib):
        x = t64(lib, [0.5, 1.5], True)
        y = legendre_class(lib).apply(x)
        y.sum().backward(retain_graph=True)
        y.sum().backward()                          # retained: works again
        freed = error_of(lambda: y.grad_fn.saved_tensors)
        again = error_of(lambda: y.sum().backward())
        return x.grad, freed, again
    results = both(program)
    assert results[0][1][1].startswith("Trying to backward through the graph a second time")
    assert results[0][1] == results[0][2]
    for other in results[1:]:
        assert other[1:] == results[0][1:]
    assert_same([r[0] for r in results])


def test_instantiating_calling_and_missing_methods_as_torch():
    def program(lib):
        Relu = relu_class(lib)
        x = t64(lib, [1.0, -1.0], True)
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            fn = Relu()
        called = error_of(lambda: fn(x))

        class NoBackward(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

        class NoForward(lib.autograd.Function):
            @staticmethod
            def backward(ctx, grad):
                return grad
        direct = arr(Relu.forward(type("Ctx", (), {"save_for_backward": lambda *a: None}), x))
        return (called, error_of(lambda: NoBackward.apply(x).sum().backward()),
                error_of(lambda: NoForward.apply(x)), direct.tolist())
    results = both(program)
    assert results[0][0][1].startswith("Legacy autograd function with non-static forward")
    assert results[0][1][0] is NotImplementedError and results[0][2][0] is NotImplementedError
    assert all(r == results[0] for r in results)


# ------------------------------------------------------------------ higher order, saving
def test_second_derivatives_with_create_graph_as_torch():
    def program(lib):
        x = t64(lib, [0.3, -0.7, 1.1], True)
        y = legendre_class(lib).apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)    # P3'(x)
        (h,) = lib.autograd.grad(g.sum(), x)                        # P3''(x) = 15x
        return g, h
    results = both(program)
    np.testing.assert_allclose(arr(results[0][1]), 15 * np.array([0.3, -0.7, 1.1]))
    assert_same(results)


def test_backward_is_recorded_only_with_create_graph():
    x = t64(te, [0.5], True)
    (g,) = te.autograd.grad(legendre_class(te).apply(x).sum(), x, create_graph=True)
    assert g.grad_fn is not None
    (g,) = te.autograd.grad(legendre_class(te).apply(x).sum(), x)
    assert g.grad_fn is None


def test_saved_output_and_intermediate_as_torch():
    def program(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                out = x.exp()
                ctx.save_for_backward(out, x * 2, None)
                return out

            @staticmethod
            def backward(ctx, grad):
                out, twice, nothing = ctx.saved_tensors
                assert nothing is None and not twice.requires_grad
                return grad * out
        x = t64(lib, [0.1, 0.2], True)
        y = Exp.apply(x)
        saved_out = y.grad_fn.saved_tensors[0]
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)        # through the saved output: exp again
        return y, g, h, saved_out.requires_grad, saved_out.grad_fn is y.grad_fn
    results = both(program)
    assert results[0][-2:] == (True, True)
    assert_same(results)


def test_gradcheck_and_gradgradcheck_on_custom_functions(rng):
    x = t64(te, rng.uniform(-2, 2, (2, 3)), True)
    assert te.autograd.gradcheck(legendre_class(te).apply, [x])
    assert te.autograd.gradgradcheck(legendre_class(te).apply, [x])
    assert te.autograd.gradcheck(relu_class(te).apply, [x])


def test_setup_context_style_as_torch():
    def program(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(a, b):
                return a * b

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                return grad * b, grad * a
        a, b = t64(lib, [1.0, 2.0], True), t64(lib, [3.0, 4.0], True)
        Mul.apply(a, b).sum().backward()
        return a.grad, b.grad
    assert_same(both(program))


def test_returning_an_input_gives_a_new_tensor_as_torch():
    def program(lib):
        class Same(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a

            @staticmethod
            def backward(ctx, grad):
                return grad * 3
        a = t64(lib, [1.0], True)
        y = Same.apply(a)
        y.sum().backward()
        return y is a, y.grad_fn is not None, a.grad
    assert_same(both(program))


# ------------------------------------------------------------------ mark_dirty
def double_inplace_class(lib):
    """Doubles its input in place, through the shared storage of ``detach().numpy()``."""
    class DoubleInplace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            data = x.detach().numpy()
            np.multiply(data, 2, out=data)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2
    return DoubleInplace


def test_mark_dirty_returns_the_input_with_the_new_node_as_torch():
    def program(lib):
        a = t64(lib, [1.0, 2.0], True)
        c = a * 3
        y = double_inplace_class(lib).apply(c)
        same = y is c
        name = type(c.grad_fn).__name__
        (y * y).sum().backward()                    # y = 6a: d(36a²)/da = 72a
        return same, name, y, a.grad
    results = both(program)
    assert results[0][:2] == (True, "DoubleInplaceBackward")
    assert_same(results)


def test_mark_dirty_errors_as_torch():
    def program(lib):
        leaf = t64(lib, [1.0], True)
        on_leaf = error_of(lambda: double_inplace_class(lib).apply(leaf))

        class Forgets(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad
        not_returned = error_of(lambda: Forgets.apply(t64(lib, [1.0], True) * 1))
        with lib.no_grad():                 # a manual update: allowed
            double_inplace_class(lib).apply(leaf)
        return on_leaf, not_returned, arr(leaf).tolist()
    results = both(program)
    assert results[0][0] == (RuntimeError, "a leaf Variable that requires grad has been used "
                                           "in an in-place operation.")
    assert results[0][1][1].startswith("Some elements marked as dirty during the forward")
    assert all(r[1:] == results[0][1:] and r[0][1] == results[0][0][1] for r in results)


# ------------------------------------------------------------------ viz on custom ops
class BadLegendre(te.autograd.Function):
    """P3 with a wrong backward (the factor 1.5 left out)."""
    formula = "∂z/∂x = 5x² − 1 (wrong)"

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * (5 * input ** 2 - 1)


def test_check_graph_explain_and_draw_graph_on_custom_functions(rng):
    x = te.Tensor(rng.normal(size=3), requires_grad=True, name="x")
    good = (legendre_class(te).apply(x) * 2).sum()
    report = te.viz.check_graph(good)
    assert report.ok and any(r.op == "LegendrePolynomial3" for r in report.results)
    bad = (BadLegendre.apply(x) * 2).sum()
    report = te.viz.check_graph(bad)
    assert [r.op for r in report.faulty] == ["BadLegendre"]
    text = te.viz.explain(good, x, index=0)
    assert "LegendrePolynomial3" in text
    source = te.viz.draw_graph(bad).source
    assert "BadLegendre" in source and "5x² − 1 (wrong)" in source
    bad.backward()                          # after backward (saved tensors freed) as well
    assert [r.op for r in te.viz.check_graph(bad).faulty] == ["BadLegendre"]
    s, c = sincos_class(te).apply(x)        # several outputs: one node each
    assert te.viz.check_graph((s * c).sum()).ok


# ------------------------------------------------------------------ the two bases
def test_public_function_is_the_torch_contract_and_builtins_keep_the_array_base():
    assert te.autograd.Function is te.Function
    assert issubclass(te.autograd.Function, ArrayFunction)
    from tinygrad_edu.functions import elementwise
    assert issubclass(elementwise.Mul, ArrayFunction)
    assert not issubclass(elementwise.Mul, te.autograd.Function)
    x = t64(te, [1.0], True)
    assert type((x * x).grad_fn) is elementwise.Mul       # no extra wrapping


def test_the_array_fast_path_is_not_part_of_the_public_contract():
    class Peek(te.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return ctx.unpack(grad)
    y = Peek.apply(t64(te, [1.0], True))
    with pytest.raises(AttributeError, match="a custom Function reads ctx.saved_tensors"):
        y.grad_fn.saved_arrays
    with pytest.raises(AttributeError, match="saved_arrays and unpack belong"):
        y.backward()
