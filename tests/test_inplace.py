"""In-place ops, version counters and ``.data`` side by side with PyTorch.

Each case below is one small program written against a module ``T`` and run twice, with
``T = torch`` and ``T = tinygrad_edu``: both must give the same values and gradients
(float64, to 1e-10) or the same error (message compared with the library's name and the
hint sentence taken out).
"""
import numpy as np
import pytest

import tinygrad_edu as te

torch = pytest.importorskip("torch")

T = None        # the module a case runs against: set by ``run``


def leafs(*vals):  # noqa: D103
    return [T.tensor(v, dtype=T.float64, requires_grad=True) for v in vals]
def c1():
    a, b = leafs([1.,2,3], 5.)
    x = a * 2; x[0] = b; x.sum().backward(); return a.grad, b.grad, x
def c2():
    a, b = leafs([1.,2,3], [2.,3,4])
    x = a * 2; y = x * 3; x.mul_(b); (x.sum() + y.sum()).backward(); return a.grad, b.grad
def c3():
    a, = leafs([1.,2,3,4])
    x = a * 2; v = x[1:3]; v.mul_(3); x.sum().backward(); return a.grad, x
def c4():
    a, = leafs([1.,2,3,4])
    x = a * 2; v = x[1:3]; x.mul_(3); (v * v).sum().backward(); return a.grad, v
def c5():
    a, = leafs([[1.,2],[3,4]])
    x = a * 1; x.t()[0].mul_(10); x.sum().backward(); return a.grad, x
def c6():
    w, = leafs([1., -2, 3])
    x = T.zeros(3, dtype=T.float64); x[1:] = w[:2] * 2; (x * x).sum().backward(); return w.grad, x
def c7():
    a, = leafs([0.5, -1, 2])
    y = a.exp(); y.add_(1); return (y,)
def c8():
    a, = leafs([0.5, -1, 2])
    y = a.exp(); y.add_(1); y.sum().backward(); return a.grad
def c9():
    a, = leafs([0.5, -1, 2]); x = a * 1
    y = x.relu_(); z = y.sigmoid_(); z.sum().backward(); return a.grad, x
def c10():
    a, = leafs([0.5, -1, 2]); x = a * 1
    x.clamp_(-0.5, 1); x.pow_(2); x.sum().backward(); return a.grad, x
def c11():
    a, b = leafs([0.5, -1, 2], 3.); x = a * 1
    x.masked_fill_(x < 0, b); x.sum().backward(); return a.grad, b.grad, x
def c12():
    a, b = leafs([0.5, -1, 2], [4., 5]); x = a * 1
    x[T.tensor([0, 2])] = b; (x*x).sum().backward(); return a.grad, b.grad
def c13():
    a, = leafs([0.5, -1, 2]); x = a * 1
    x[x > 0] = 0; (x*a).sum().backward(); return a.grad
def c14():
    a, = leafs([[0.5, -1, 2],[1,2,3]]); x = a * 1
    x[:, 1] = x[:, 0] * 2; g, = T.autograd.grad((x**2).sum(), a, create_graph=True); g.sum().backward(); return g, a.grad
def c15():
    a, b = leafs([1.,2,3], [1.,1,1]); x = a*1
    x.copy_(b * 3); x.sum().backward(); return a.grad, b.grad
def c16():
    a, = leafs([1.,2,3]); x = a * 2
    x.zero_(); x.sum().backward(); return a.grad, x
def c17():
    a, = leafs([1.,2,3]); x = a * 2; x.fill_(7); x.sum().backward(); return a.grad, x
def c18():
    a, = leafs([1.,2,3]); x = a * 2; x.index_fill_(0, T.tensor([0,2]), -1.); (x*x).sum().backward(); return a.grad, x
def c19():
    a, = leafs([[1.,2],[3,4]]); x = a * 2; x.view(4)[1:3].add_(10); (x*x).sum().backward(); return a.grad, x
def c20():
    a, = leafs([1.,2,3]); x = a*1; x += 1; x *= a; x -= 2; x /= 2; x **= 2; x.sum().backward(); return a.grad, x
def c21():
    a, = leafs([1.,2,3]); b = a * a; 
    with T.no_grad(): a.mul_(2)
    b.sum().backward(); return a.grad,
def c22():
    a, = leafs([1.,2,3]); b = a * 2; c = b.exp(); b.add_(1); c.sum().backward(); return a.grad,
def c23():
    a, = leafs([1.,2,3]); b = a * 2; c = b * b; b.add_(1); c.sum().backward(); return a.grad,
def c24():
    a, = leafs([1.,2,3]); b = a.sum(); c = a * 2; a2 = a.detach(); a2.add_(1); c.sum().backward(); b.backward(); return a.grad, a
def c25():
    a, = leafs([1.,2,3]); b = a.exp(); b.sum().backward(); b.add_(1); return a.grad, b
def c26():
    w, = leafs([1., 2]); w.data.mul_(3); y = (w*w).sum(); y.backward(); return w.grad, w
def c27():
    w, = leafs([1., 2]); y = (w * w).sum(); w.data.mul_(3); y.backward(); return w.grad, w
def c28():
    x = T.arange(6.).reshape(2,3); v = x[0]; v[1] = 100; x.t()[2, 1] = -1; return x, v
def c29():
    x = T.zeros(2, 3); x[0, 1] = 5; x[1] = T.tensor([1., 2, 3]); x[:, 0] += 1; return (x,)
def c30():
    a, = leafs([1.,2,3]); b, = leafs([[1.],[2]]); x = a * 1; x = x.expand(2, 3).clone(); x.add_(b); x.mul_(b); x.sum().backward(); return a.grad, b.grad
def c31():
    a, = leafs(2.); x = a * 1; x.mul_(a); x.exp_(); x.backward(); return a.grad, x
def c32():
    a, = leafs([1.,4,9]); x = a*1; x.sqrt_(); x.log_(); x.abs_(); x.neg_(); x.sum().backward(); return a.grad, x
def c33():
    a, = leafs([1.,4,9]); x = a*1; x.sin_(); x.cos_(); x.tanh_(); x.sum().backward(); return a.grad, x
def c34():
    a, = leafs([1.,4,9]); x = a[1:]; return x._version, a._version
def c35():
    a = T.ones(3); v = a[1:]; v.add_(1); vv = a.view(3); return a._version, v._version, vv._version, a.detach()._version, a.data._version


CASES = {name: fn for name, fn in sorted(globals().items(), key=lambda kv: kv[0])
         if name.startswith("c") and name[1:].isdigit()}
# torch refuses these because its relu_/sqrt_ saved the very result that the next write
# overwrites; here the op saved its own copy, so the gradient is still right: checked
# against the out-of-place program instead
OUT_OF_PLACE_TWIN = {"c9": lambda a: (a.relu().sigmoid(),),
                     "c32": lambda a: (-(a.sqrt().log().abs()),)}


def run(module, fn):
    global T
    T = module
    try:
        return "ok", [None if r is None else np.asarray(r.detach() if hasattr(r, "detach")
                                                         else r, dtype=float) for r in fn()]
    except Exception as exc:   # noqa: BLE001 - the error is the result
        text = str(exc).replace("torch.", "tinygrad_edu.").split(" Hint:")[0]
        return type(exc).__name__, text


@pytest.mark.parametrize("name", sorted(CASES, key=lambda n: int(n[1:])))
def test_case_matches_torch(name):
    theirs, ours = run(torch, CASES[name]), run(te, CASES[name])
    if name in OUT_OF_PLACE_TWIN:
        assert theirs[0] == "RuntimeError" and "modified by an inplace" in theirs[1]
        a = torch.tensor([0.5, -1, 2] if name == "c9" else [1., 4, 9], dtype=torch.float64,
                         requires_grad=True)
        out, = OUT_OF_PLACE_TWIN[name](a)
        out.sum().backward()
        theirs = ("ok", [a.grad.numpy(), out.detach().numpy()])
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
        return
    assert len(ours[1]) == len(theirs[1])
    for o, t in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


# -- every in-place method: value, gradients and second derivatives vs torch ------------
UNARY = ["neg_", "exp_", "sqrt_", "abs_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_",
         "zero_"]
BINARY = [("add_", {}), ("add_", {"alpha": -2.0}), ("sub_", {"alpha": 0.5}), ("mul_", {}),
          ("div_", {}), ("pow_", {}), ("copy_", {})]
SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 3), ()), ((), ()), ((2, 3), (2, 1)), ((0, 3), (3,))]


def _pair(lib, shape_x, shape_o, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    xa = rng.uniform(0.5, 2.0, shape_x)
    oa = rng.uniform(0.5, 2.0, shape_o)
    a = lib.tensor(xa, dtype=lib.float64, requires_grad=True)
    o = lib.tensor(oa, dtype=lib.float64, requires_grad=True)
    return a, o


def _grads(lib, program, shape_x, shape_o):
    a, o = _pair(lib, shape_x, shape_o)
    out = program(a, o)
    first = lib.autograd.grad((out * out).sum(), (a, o), create_graph=True, allow_unused=True)
    used = [g for g in first if g is not None]
    second = lib.autograd.grad(sum(g.sum() for g in used), (a, o), allow_unused=True)
    as_np = lambda g: None if g is None else g.detach().numpy()   # noqa: E731
    return [out.detach().numpy()] + [as_np(g) for g in first] + [as_np(g) for g in second]


def _compare(program, shape_x, shape_o):
    ours = _grads(te, program, shape_x, shape_o)
    theirs = _grads(torch, program, shape_x, shape_o)
    for o, t in zip(ours, theirs):
        if t is None:
            assert o is None or not np.any(o)
        else:
            np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", UNARY)
@pytest.mark.parametrize("shape", [(3,), (2, 3), (), (0, 2)])
def test_unary_inplace_matches_torch(method, shape):
    def program(a, o):
        x = a * o.sum()             # a non-leaf inside the graph
        getattr(x, method)()
        return x * a
    _compare(program, shape, ())


@pytest.mark.parametrize("method,kwargs", BINARY)
@pytest.mark.parametrize("shape_x,shape_o", SHAPES)
def test_binary_inplace_matches_torch(method, kwargs, shape_x, shape_o):
    def program(a, o):
        x = a * 1.5
        getattr(x, method)(o, **kwargs)
        return x * a
    _compare(program, shape_x, shape_o)


@pytest.mark.parametrize("index", [0, (slice(None), 1), (Ellipsis, slice(0, 2)), "mask", "ints"])
def test_setitem_and_views_match_torch(index):
    def program(a, o):
        x = a * 2
        where = index
        if index == "mask":
            where = x > 2.5
        elif index == "ints":
            where = (slice(None), a.new_tensor([2, 0]).long())
        x[where] = o
        y = x.t()
        y[0].mul_(o)                # a write through a view of a view
        return x
    _compare(program, (2, 3), ())


@pytest.mark.parametrize("op", ["clamp_", "clamp_min_", "clamp_max_", "masked_fill_",
                                "index_fill_", "fill_"])
def test_other_inplace_methods_match_torch(op):
    def program(a, o):
        x = a * 1
        if op == "clamp_":
            x.clamp_(0.8, 1.6)
        elif op == "clamp_min_":
            x.clamp_min_(1.0)
        elif op == "clamp_max_":
            x.clamp_max_(1.0)
        elif op == "masked_fill_":
            x.masked_fill_(x > 1.2, o)
        elif op == "index_fill_":
            x.index_fill_(1, a.new_tensor([0, 2]).long(), o)
        else:
            x.fill_(o)
        return x * a
    _compare(program, (2, 3), ())


# -- version counters -------------------------------------------------------------------
def test_versions_count_writes_through_views_and_detach_but_not_data():
    x = te.zeros(2, 3)
    v, d = x[0], x.detach()
    v.add_(1)
    d.mul_(2)
    assert (x._version, v._version, d._version) == (2, 2, 2)
    data = x.data
    data.add_(1)
    assert data._version == 1 and x._version == 2
    assert x.tolist() == [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]]


def test_no_false_alarm_after_backward_or_when_not_saved():
    a = te.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b + 1               # Add saves nothing
    b.mul_(3)
    c.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    e = a.exp()
    e.sum().backward()
    e.add_(1)               # after the backward: nothing left to check
    assert e.tolist() == pytest.approx([np.e + 1, np.e ** 2 + 1])


def test_optimizer_step_bumps_versions_so_a_stale_graph_is_caught():
    w = te.tensor([1.0, 2.0], requires_grad=True)
    opt = te.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    opt.step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        y.backward()


def test_init_writes_in_place():
    w = te.empty(3, 4)
    storage = w.numpy()
    te.nn.init.constant_(w, 0.5)
    assert w.numpy() is storage and w._version == 1 and float(w.sum()) == 6.0


# -- errors, and a failed op changes nothing ---------------------------------------------
@pytest.mark.parametrize("program,message", [
    (lambda: te.arange(3).add_(1.5), "result type Float can't be cast to the desired output type Long"),
    (lambda: te.zeros(3).add_(te.ones(2, 3)), r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"),
    (lambda: te.zeros(1).expand(3).add_(1), "more than one element of the written-to tensor"),
    (lambda: te.zeros(3, dtype=te.bool).add_(1), "result type Long can't be cast to the desired output type Bool"),
    (lambda: te.ones(3, requires_grad=True).mul_(2), "a leaf Variable that requires grad"),
    (lambda: te.ones(3, requires_grad=True)[1:].mul_(2), "a view of a leaf Variable that requires grad"),
    (lambda: te.zeros(3).fill_(te.ones(2)), "fill_ only supports 0-dimension value tensor"),
])
def test_errors_use_torchs_words(program, message):
    with pytest.raises(RuntimeError, match=message):
        program()


def test_a_failed_write_leaves_the_target_unchanged():
    x = te.tensor([1.0, 2.0, 3.0])
    for bad in (lambda: x.add_(te.ones(2, 3)), lambda: x.__setitem__(slice(0, 2), te.ones(3))):
        with pytest.raises(RuntimeError):
            bad()
        assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


def test_data_is_a_tensor_sharing_storage():
    w = te.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, te.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), w.detach().numpy())
    w.data = te.tensor([5.0, 6.0, 7.0])
    assert w.tolist() == [5.0, 6.0, 7.0] and w.requires_grad and w.is_leaf
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        w.data = [1.0]


def test_inplace_ops_keep_the_object_and_its_memory():
    x = te.arange(6.0).reshape(2, 3)
    storage, ident = x.numpy(), id(x)
    x += 1
    x *= 2
    x -= 1
    x /= 2
    x **= 2
    x[0] = 0.0
    x.clamp_(max=20.0)
    assert id(x) == ident and x.numpy() is storage and x._version == 7
    np.testing.assert_allclose(x.numpy(), [[0, 0, 0], [12.25, 20, 20]])


# -- custom Functions and in-place writes -------------------------------------------------
def _add_one_inplace(lib):
    class AddOneInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad
    return AddOneInPlace


def _square(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 2 * x * grad
    return Square


@pytest.mark.parametrize("lib", [torch, te], ids=["torch", "te"])
def test_mark_dirty_continues_the_history(lib):
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    x = a * 3
    before = x * x                  # saved x before the write: the write must be caught
    y = _add_one_inplace(lib).apply(x)
    assert y is x and x._version >= 1
    (y * a).sum().backward()
    assert a.grad.tolist() == [7.0, 13.0]           # d/da (3a + 1)·a = 6a + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        before.sum().backward()


@pytest.mark.parametrize("lib", [torch, te], ids=["torch", "te"])
def test_a_custom_functions_saved_tensor_is_version_checked(lib):
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    x = a * 1
    y = _square(lib).apply(x)
    x.mul_(2)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        y.sum().backward()
