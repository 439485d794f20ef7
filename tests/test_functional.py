"""The functional API side by side with torch: ``te.func`` (grad, vjp, jvp, jacrev,
jacfwd, hessian) against ``torch.func`` and ``te.autograd.functional`` against
``torch.autograd.functional``: values, structure, create_graph, strict and the errors."""
import numpy as np
import pytest
import torch
import torch.autograd.functional as TAF

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import functional as AF


def t2n(x):
    """Nested tuples of tensors (either library) → nested tuples of arrays."""
    if isinstance(x, (tuple, list)):
        return tuple(t2n(v) for v in x)
    return x.detach().numpy()


def assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    a, b = t2n(ours), t2n(theirs)
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_arrays(x, y, rtol, atol)
    else:
        assert not isinstance(b, tuple)
        assert_same_arrays(a, b, rtol, atol)


def assert_same_arrays(a, b, rtol, atol):
    if isinstance(a, tuple):
        for x, y in zip(a, b):
            assert_same_arrays(x, y, rtol, atol)
        return
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


W = np.random.default_rng(3).standard_normal((4, 3))

# name: (te function, torch function, input shapes); each takes its inputs positionally
FUNCTIONS = {
    "sin_sq": (lambda x: (x * x).sin(), lambda x: (x * x).sin(), [(3,)]),
    "scalar": (lambda x: (x.exp() * x).sum(), lambda x: (x.exp() * x).sum(), [(2, 3)]),
    "0d": (lambda x: x.tanh() * 3, lambda x: x.tanh() * 3, [()]),
    "matvec": (lambda x: te.tensor(W) @ x.tanh(), lambda x: torch.tensor(W) @ x.tanh(), [(3,)]),
    "softmax": (lambda x: x.softmax(-1), lambda x: x.softmax(-1), [(2, 3)]),
    "mlp": (lambda x: F.linear(F.linear(x, te.tensor(W)).relu(), te.tensor(W.T)).sum(1),
            lambda x: torch.nn.functional.linear(torch.nn.functional.linear(
                x, torch.tensor(W)).relu(), torch.tensor(W.T)).sum(1), [(2, 3)]),
    "two_inputs": (lambda x, y: x * y.exp() + x.sum(), lambda x, y: x * y.exp() + x.sum(),
                   [(3,), (3,)]),
    "broadcast": (lambda x, y: (x[:, None] * y).log1p(), lambda x, y: (x[:, None] * y).log1p(),
                  [(2,), (3,)]),
}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0.3, 1.5, s) for s in shapes]
    return [te.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_jacfwd_equals_jacrev_equals_torch(name):
    f, tf, shapes = FUNCTIONS[name]
    xs, txs = _inputs(shapes)
    argnums = tuple(range(len(xs))) if len(xs) > 1 else 0
    expected = torch.func.jacrev(tf, argnums)(*txs)
    assert_same(te.func.jacrev(f, argnums)(*xs), expected)
    assert_same(te.func.jacfwd(f, argnums)(*xs), expected)
    assert_same(te.func.jacfwd(f, argnums)(*xs), torch.func.jacfwd(tf, argnums)(*txs))
    for strategy in ("reverse-mode", "forward-mode"):
        assert_same(AF.jacobian(f, tuple(xs) if len(xs) > 1 else xs[0], strategy=strategy),
                    TAF.jacobian(tf, tuple(txs) if len(txs) > 1 else txs[0]))


def test_jacobians_of_tuple_outputs_and_argnums():
    def f(x, y):
        return x.sin() * y, (x * y).sum()

    def tf(x, y):
        return x.sin() * y, (x * y).sum()

    xs, txs = _inputs([(3,), (3,)])
    for jac, tjac in ((te.func.jacrev, torch.func.jacrev), (te.func.jacfwd, torch.func.jacfwd)):
        assert_same(jac(f)(*xs), tjac(tf)(*txs))
        assert_same(jac(f, argnums=1)(*xs), tjac(tf, argnums=1)(*txs))
        assert_same(jac(f, argnums=(0, 1))(*xs), tjac(tf, argnums=(0, 1))(*txs))
        # (torch.func.jacfwd with a negative argnum returns zeros in torch 2.13: its jacrev
        # is the reference for both)
        assert_same(jac(f, argnums=-1)(*xs), torch.func.jacrev(tf, argnums=-1)(*txs))
    for strategy in ("reverse-mode", "forward-mode"):
        assert_same(AF.jacobian(f, tuple(xs), strategy=strategy, vectorize=True),
                    TAF.jacobian(tf, tuple(txs), strategy=strategy, vectorize=True))
        assert_same(AF.jacobian(lambda x: (x.exp(), x * 2), xs[0], strategy=strategy),
                    TAF.jacobian(lambda x: (x.exp(), x * 2), txs[0]))


@pytest.mark.parametrize("name", ["scalar", "0d_sum", "two_inputs_sum", "logsumexp"])
def test_hessian_equals_torch(name):
    f, tf, shapes = {
        "scalar": FUNCTIONS["scalar"],
        "0d_sum": (lambda x: (x.tanh() * x).sum(), lambda x: (x.tanh() * x).sum(), [()]),
        "two_inputs_sum": (lambda x, y: (x * y.exp()).sum() * x.sum(),
                           lambda x, y: (x * y.exp()).sum() * x.sum(), [(3,), (2, 1)]),
        "logsumexp": (lambda x: x.logsumexp(0) + (x ** 3).mean(),
                      lambda x: x.logsumexp(0) + (x ** 3).mean(), [(4,)]),
    }[name]
    xs, txs = _inputs(shapes)
    argnums = tuple(range(len(xs))) if len(xs) > 1 else 0
    expected = torch.func.hessian(tf, argnums)(*txs)
    assert_same(te.func.hessian(f, argnums)(*xs), expected)
    assert_same(te.func.jacrev(te.func.jacrev(f, argnums), argnums)(*xs), expected)
    inputs, tinputs = (tuple(xs), tuple(txs)) if len(xs) > 1 else (xs[0], txs[0])
    for outer in ("reverse-mode", "forward-mode"):
        assert_same(AF.hessian(f, inputs, outer_jacobian_strategy=outer),
                    TAF.hessian(tf, tinputs))


def test_hessian_of_a_quadratic_is_its_closed_form():
    """f(x) = ½ xᵀAx + bᵀx + c has ∇²f = (A + Aᵀ)/2 everywhere and ∇f = (A + Aᵀ)x/2 + b."""
    rng = np.random.default_rng(1)
    A, b, x0 = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    At, bt = te.tensor(A), te.tensor(b)

    def f(x):
        return 0.5 * (x @ (At @ x)) + bt @ x + 2.0

    sym = (A + A.T) / 2
    for hess in (te.func.hessian(f)(te.tensor(x0)), AF.hessian(f, te.tensor(x0)),
                 AF.hessian(f, te.tensor(x0), outer_jacobian_strategy="forward-mode"),
                 te.func.jacfwd(te.func.grad(f))(te.tensor(x0))):
        np.testing.assert_allclose(hess.numpy(), sym, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(te.func.grad(f)(te.tensor(x0)).numpy(), sym @ x0 + b, rtol=1e-12)
    v = rng.standard_normal(4)
    _, hv = AF.hvp(f, te.tensor(x0), te.tensor(v))
    _, vh = AF.vhp(f, te.tensor(x0), te.tensor(v))
    np.testing.assert_allclose(hv.numpy(), sym @ v, rtol=1e-12)
    np.testing.assert_allclose(vh.numpy(), v @ sym, rtol=1e-12)


def test_func_grad_vjp_jvp_equal_torch():
    f, tf, _ = FUNCTIONS["two_inputs"]
    xs, txs = _inputs([(3,), (3,)])
    g = lambda x, y: f(x, y).sum()              # noqa: E731
    tg = lambda x, y: tf(x, y).sum()            # noqa: E731
    assert_same(te.func.grad(g)(*xs), torch.func.grad(tg)(*txs))
    assert_same(te.func.grad(g, argnums=(0, 1))(*xs), torch.func.grad(tg, argnums=(0, 1))(*txs))
    assert_same(te.func.grad_and_value(g)(*xs), torch.func.grad_and_value(tg)(*txs))
    aux = te.func.grad(lambda x, y: (g(x, y), x * 2), has_aux=True)(*xs)
    taux = torch.func.grad(lambda x, y: (tg(x, y), x * 2), has_aux=True)(*txs)
    assert_same(aux, taux)
    assert_same(te.func.grad(lambda x: te.func.grad(lambda y: (y.sin() * y).sum())(x).sum())(xs[0]),
                torch.func.grad(lambda x: torch.func.grad(
                    lambda y: (y.sin() * y).sum())(x).sum())(txs[0]))
    u = np.random.default_rng(2).standard_normal(3)
    out, fn = te.func.vjp(f, *xs)
    tout, tfn = torch.func.vjp(tf, *txs)
    assert_same(out, tout)
    assert_same(fn(te.tensor(u)), tfn(torch.tensor(u)))
    assert_same(fn(te.tensor(u)), tfn(torch.tensor(u)))     # vjp_fn may be called again
    assert_same(te.func.jvp(f, tuple(xs), (te.tensor(u), te.tensor(u * 2))),
                torch.func.jvp(tf, tuple(txs), (torch.tensor(u), torch.tensor(u * 2))))
    out, jv, aux = te.func.jvp(lambda x: (x.exp(), x.sum()), (xs[0],), (te.tensor(u),),
                               has_aux=True)
    tout, tjv, taux = torch.func.jvp(lambda x: (x.exp(), x.sum()), (txs[0],),
                                     (torch.tensor(u),), has_aux=True)
    assert_same((out, jv, aux), (tout, tjv, taux))


def test_autograd_functional_vjp_jvp_vhp_hvp_equal_torch():
    f, tf, _ = FUNCTIONS["two_inputs"]
    xs, txs = _inputs([(3,), (3,)])
    rng = np.random.default_rng(4)
    u, v1, v2 = (rng.standard_normal(3) for _ in range(3))
    assert_same(AF.vjp(f, tuple(xs), te.tensor(u)), TAF.vjp(tf, tuple(txs), torch.tensor(u)))
    assert_same(AF.jvp(f, tuple(xs), (te.tensor(v1), te.tensor(v2))),
                TAF.jvp(tf, tuple(txs), (torch.tensor(v1), torch.tensor(v2))))
    s, ts = (lambda x, y: (f(x, y) ** 2).sum()), (lambda x, y: (tf(x, y) ** 2).sum())
    for ours, theirs in ((AF.vhp, TAF.vhp), (AF.hvp, TAF.hvp)):
        assert_same(ours(s, tuple(xs), (te.tensor(v1), te.tensor(v2))),
                    theirs(ts, tuple(txs), (torch.tensor(v1), torch.tensor(v2))))
    scalar = te.tensor([0.7])
    assert_same(AF.vjp(lambda x: (x * x).sum(), scalar), TAF.vjp(lambda x: (x * x).sum(),
                                                                 torch.tensor([0.7])))
    assert_same(AF.jvp(lambda x: x.exp(), scalar), TAF.jvp(lambda x: x.exp(), torch.tensor([0.7])))


def test_create_graph_makes_the_results_differentiable():
    x = te.tensor([0.3, 0.8], requires_grad=True)
    tx = torch.tensor([0.3, 0.8], requires_grad=True)
    for ours, theirs in ((AF.jacobian(lambda a: a.sin() * a, x, create_graph=True),
                          TAF.jacobian(lambda a: a.sin() * a, tx, create_graph=True)),
                         (AF.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)[1],
                          TAF.vjp(lambda a: (a ** 3).sum(), tx, create_graph=True)[1]),
                         (AF.hessian(lambda a: (a ** 3).sum(), x, create_graph=True),
                          TAF.hessian(lambda a: (a ** 3).sum(), tx, create_graph=True)),
                         (AF.hvp(lambda a: (a ** 4).sum(), x, te.ones(2), create_graph=True)[1],
                          TAF.hvp(lambda a: (a ** 4).sum(), tx, torch.ones(2),
                                  create_graph=True)[1])):
        assert ours.requires_grad and theirs.requires_grad
        g, = te.autograd.grad(ours.sum(), x)
        tg, = torch.autograd.grad(theirs.sum(), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    assert not AF.jacobian(lambda a: a.sin(), x).requires_grad        # detached by default


def test_unused_inputs_give_zeros_or_raise_in_strict_mode_as_torch():
    xs, txs = _inputs([(2,), (2,)])
    f = lambda x, y: x * 2              # noqa: E731
    assert_same(AF.jacobian(f, tuple(xs)), TAF.jacobian(f, tuple(txs)))
    assert_same(te.func.jacrev(f, (0, 1))(*xs), torch.func.jacrev(f, (0, 1))(*txs))
    assert_same(te.func.jacfwd(f, (0, 1))(*xs), torch.func.jacfwd(f, (0, 1))(*txs))
    assert_same(te.func.grad(lambda x, y: x.sum(), 1)(*xs),
                torch.func.grad(lambda x, y: x.sum(), 1)(*txs))
    assert_same(AF.vjp(f, tuple(xs), te.ones(2)), TAF.vjp(f, tuple(txs), torch.ones(2)))
    assert_same(AF.hessian(lambda x, y: x.sum(), tuple(xs)),
                TAF.hessian(lambda x, y: x.sum(), tuple(txs)))
    assert_same(AF.hvp(lambda x: x.sum(), xs[0], xs[0]), TAF.hvp(lambda x: x.sum(), txs[0], txs[0]))
    cases = [
        (lambda m: m.jacobian(f, tuple((xs, txs)[m is TAF]), strict=True)),
        (lambda m: m.jacobian(lambda x: torch.ones(2) if m is TAF else te.ones(2),
                              (xs, txs)[m is TAF][0], strict=True)),
        (lambda m: m.vjp(f, tuple((xs, txs)[m is TAF]), (te.ones(2), torch.ones(2))[m is TAF],
                         strict=True)),
        (lambda m: m.hvp(lambda x: x.sum(), (xs, txs)[m is TAF][0], (xs, txs)[m is TAF][0],
                         strict=True)),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as theirs:
            case(TAF)
        with pytest.raises(RuntimeError) as ours:
            case(AF)
        assert str(ours.value) == str(theirs.value)


def _torch_error(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001 — the error itself is what is compared
        return type(e), str(e)
    raise AssertionError("torch did not raise")


def _same_error(ours, theirs, exact=True):
    kind, message = _torch_error(theirs)
    with pytest.raises(kind) as info:
        ours()
    if exact:
        assert str(info.value) == message.replace("torch.Size", "tinygrad_edu.Size")
    return info


def test_errors_as_torch():
    x, tx = te.tensor([0.1, 0.2, 0.3]), torch.tensor([0.1, 0.2, 0.3])
    two, ttwo = te.ones(2), torch.ones(2)
    pairs = [   # non-Tensor outputs, non-Tensor inputs, mismatched shapes, v=None
        (lambda: AF.jacobian(lambda a: 3, x), lambda: TAF.jacobian(lambda a: 3, tx)),
        (lambda: AF.jacobian(lambda a: a, 3), lambda: TAF.jacobian(lambda a: a, 3)),
        (lambda: AF.vjp(lambda a: a.sin(), x, two), lambda: TAF.vjp(torch.sin, tx, ttwo)),
        (lambda: AF.vjp(lambda a: a.sin(), x), lambda: TAF.vjp(torch.sin, tx)),
        (lambda: AF.vjp(lambda a: a.sin(), x, (x, x)), lambda: TAF.vjp(torch.sin, tx, (tx, tx))),
        (lambda: AF.jvp(lambda a: a.sin(), x), lambda: TAF.jvp(torch.sin, tx)),
        (lambda: AF.jvp(lambda a: a.sin(), x, two), lambda: TAF.jvp(torch.sin, tx, ttwo)),
        (lambda: AF.hessian(lambda a: a.sin(), x), lambda: TAF.hessian(torch.sin, tx)),
        (lambda: AF.hessian(lambda a: (a.sum(), a.sum()), x),
         lambda: TAF.hessian(lambda a: (a.sum(), a.sum()), tx)),
        (lambda: AF.hvp(lambda a: a.sin(), x, x), lambda: TAF.hvp(torch.sin, tx, tx)),
        (lambda: te.func.grad(lambda a: a.sin())(x), lambda: torch.func.grad(torch.sin)(tx)),
        (lambda: te.func.grad(lambda a: 3)(x), lambda: torch.func.grad(lambda a: 3)(tx)),
        (lambda: te.func.jacrev(lambda a: 3)(x), lambda: torch.func.jacrev(lambda a: 3)(tx)),
        (lambda: te.func.jacrev(lambda a: a, argnums=2)(x),
         lambda: torch.func.jacrev(lambda a: a, argnums=2)(tx)),
        (lambda: te.func.vjp(lambda a: a.sin(), x)[1](two),
         lambda: torch.func.vjp(torch.sin, tx)[1](ttwo)),
        (lambda: te.func.jvp(lambda a: a.sin(), x, (x,)),
         lambda: torch.func.jvp(torch.sin, tx, (tx,))),
        (lambda: te.func.jvp(lambda a: a.sin(), (x,), (two,)),
         lambda: torch.func.jvp(torch.sin, (tx,), (ttwo,))),
    ]
    for ours, theirs in pairs:
        _same_error(ours, theirs)
    _same_error(lambda: te.func.jvp(lambda a: te.ones(3), (x,), (x,), strict=True),
                lambda: torch.func.jvp(lambda a: torch.ones(3), (tx,), (tx,), strict=True))
    # torch asserts (an AssertionError, gone under python -O); here the same text, a ValueError
    _, message = _torch_error(lambda: TAF.jacobian(lambda a: a, tx, strategy="sideways"))
    with pytest.raises(ValueError) as info:
        AF.jacobian(lambda a: a, x, strategy="sideways")
    assert str(info.value) == message
    # the same kind of error, torch's message naming its own pytree structures
    _same_error(lambda: te.func.jvp(lambda a: a.sin(), (x,), (x, x)),
                lambda: torch.func.jvp(torch.sin, (tx,), (tx, tx)), exact=False)


def test_every_composition_of_the_two_modes_gives_the_hessian_of_an_mlp_loss():
    rng = np.random.default_rng(5)
    x, w0 = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    target = [0, 1, 1, 0]

    def loss(w):
        return F.cross_entropy(F.linear(te.tensor(x), w).tanh() * 3, te.tensor(target)) + \
            F.mse_loss(w, w * 0.5)

    def tloss(w):
        return torch.nn.functional.cross_entropy(
            torch.nn.functional.linear(torch.tensor(x), w).tanh() * 3, torch.tensor(target)) + \
            torch.nn.functional.mse_loss(w, w * 0.5)

    expected = torch.func.hessian(tloss)(torch.tensor(w0))
    for outer in (te.func.jacrev, te.func.jacfwd):
        for inner in (te.func.jacrev, te.func.jacfwd):
            assert_same(outer(inner(loss))(te.tensor(w0)), expected, rtol=1e-9, atol=1e-12)
