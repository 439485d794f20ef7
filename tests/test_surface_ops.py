"""The new Tensor methods and functions of the PyTorch surface: value, dtype and gradient
side by side with torch, and gradcheck/gradgradcheck over shapes incl. 0-d, size-1 and
empty dims (float64)."""
import numpy as np
import pytest

import tinygrad_edu as te


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def arr(shape, seed=0, low=0.5, high=2.0):
    """Data away from 0 and from ties (logs, reciprocals, sorting stay smooth)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    vals = rng.permutation(n) / max(n, 1) * (high - low) + low
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return (vals * signs).reshape(shape)


POS = dict(low=0.5, high=2.0)     # for the ops defined on positive numbers only


def compare(torch, fn, *arrays, rtol=1e-6, grad=True):
    """fn(te, *tensors) vs fn(torch, *tensors): values, dtype and the gradients of a
    random weighting of the output with respect to each input."""
    ours_in = [te.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ours, theirs = fn(te, *ours_in), fn(torch, *theirs_in)
    if isinstance(theirs, tuple):
        ours, theirs = ours[0], theirs[0]
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "tinygrad_edu.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach(), np.float64),
                               theirs.detach().numpy().astype(np.float64), rtol=rtol, atol=1e-12)
    if grad and theirs.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
        (ours * te.tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        for a, b in zip(ours_in, theirs_in):
            if b.grad is not None:
                np.testing.assert_allclose(np.asarray(a.grad), b.grad.detach().numpy(), rtol=rtol,
                                           atol=1e-12)


# name -> (fn(module, *tensors), input arrays); every one differentiable
DIFF = {
    "log2": (lambda m, x: x.log2(), [np.abs(arr((3, 4)))]),
    "log10": (lambda m, x: m.log10(x), [np.abs(arr((3, 4)))]),
    "log1p": (lambda m, x: x.log1p(), [np.abs(arr((2, 3)))]),
    "expm1": (lambda m, x: x.expm1(), [arr((2, 3))]),
    "exp2": (lambda m, x: x.exp2(), [arr((2, 3))]),
    "square": (lambda m, x: x.square(), [arr((2, 3))]),
    "rsqrt": (lambda m, x: x.rsqrt(), [np.abs(arr((2, 3)))]),
    "reciprocal": (lambda m, x: x.reciprocal(), [arr((2, 3))]),
    "sign": (lambda m, x: x.sign(), [arr((2, 3))]),
    "floor": (lambda m, x: (x * 3).floor(), [arr((2, 3))]),
    "ceil": (lambda m, x: (x * 3).ceil(), [arr((2, 3))]),
    "round": (lambda m, x: (x * 3).round(), [arr((2, 3))]),
    "round_decimals": (lambda m, x: (x * 3).round(decimals=1), [arr((2, 3))]),
    "trunc": (lambda m, x: (x * 3).trunc(), [arr((2, 3))]),
    "frac": (lambda m, x: (x * 3).frac(), [arr((2, 3))]),
    "remainder": (lambda m, x, y: x.remainder(y), [arr((2, 3)) * 3, arr((3,), 1)]),
    "remainder_scalar": (lambda m, x: x % 0.7, [arr((2, 3)) * 3]),
    "fmod": (lambda m, x, y: m.fmod(x, y), [arr((2, 3)) * 3, arr((2, 1), 2)]),
    "lerp": (lambda m, x, y: x.lerp(y, 0.3), [arr((2, 3)), arr((2, 3), 1)]),
    "lerp_tensor_weight": (lambda m, x, y, w: m.lerp(x, y, w),
                           [arr((2, 3)), arr((3,), 1), arr((2, 1), 2)]),
    "nan_to_num": (lambda m, x: (x * 2).nan_to_num(posinf=7.0, neginf=-7.0),
                   [np.array([[1.0, np.nan], [np.inf, -np.inf]])]),
    "add_alpha": (lambda m, x, y: m.add(x, y, alpha=2), [arr((2, 3)), arr((3,), 1)]),
    "sub_alpha": (lambda m, x, y: x.sub(y, alpha=0.5), [arr((2, 3)), arr((3,), 1)]),
    "mul_div": (lambda m, x, y: m.div(m.mul(x, y), y.square() + 1), [arr((2, 3)), arr((3,), 1)]),
    "cumsum": (lambda m, x: x.cumsum(1), [arr((3, 4))]),
    "cumsum_neg_dim": (lambda m, x: m.cumsum(x, dim=-2), [arr((3, 4))]),
    "cumprod": (lambda m, x: x.cumprod(0), [arr((4, 3))]),
    "cumprod_zeros": (lambda m, x: x.cumprod(1), [np.array([[1.5, 0.0, 2.0, -1.0],
                                                           [0.0, 0.0, 3.0, 2.0]])]),
    "prod": (lambda m, x: x.prod(), [arr((2, 3))]),
    "prod_dim": (lambda m, x: x.prod(1, keepdim=True), [arr((2, 3))]),
    "prod_zeros": (lambda m, x: x.prod(1), [np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0],
                                                      [1.0, 2.0, 3.0]])]),
    "amax": (lambda m, x: x.amax(1), [arr((3, 4))]),
    "amax_ties": (lambda m, x: x.amax((0, 1)), [np.array([[1.0, 3.0], [3.0, 2.0]])]),
    "amin_keepdim": (lambda m, x: m.amin(x, dim=0, keepdim=True), [arr((3, 4))]),
    "aminmax": (lambda m, x: x.aminmax(dim=1).max, [arr((3, 4))]),
    "norm": (lambda m, x: x.norm(), [arr((3, 4))]),
    "norm_dim": (lambda m, x: x.norm(dim=1, keepdim=True), [arr((3, 4))]),
    "norm_p1": (lambda m, x: x.norm(p=1, dim=0), [arr((3, 4))]),
    "norm_p3": (lambda m, x: m.norm(x, p=3), [arr((3, 4))]),
    "norm_inf": (lambda m, x: x.norm(p=float("inf"), dim=1), [arr((3, 4))]),
    "norm_zero_vector": (lambda m, x: (x * 0).norm(dim=1), [arr((2, 3))]),
    "median": (lambda m, x: x.median(), [arr((3, 4))]),
    "median_dim": (lambda m, x: x.median(dim=1).values, [arr((3, 4))]),
    "sort": (lambda m, x: x.sort(dim=0).values, [arr((3, 4))]),
    "sort_desc": (lambda m, x: m.sort(x, descending=True).values, [arr((3, 4))]),
    "topk": (lambda m, x: x.topk(2).values, [arr((3, 4))]),
    "topk_smallest": (lambda m, x: x.topk(2, dim=0, largest=False).values, [arr((3, 4))]),
    "flip": (lambda m, x: x.flip(0, 1), [arr((3, 4))]),
    "flip_list": (lambda m, x: m.flip(x, [1]), [arr((3, 4))]),
    "roll": (lambda m, x: x.roll(1, 1), [arr((3, 4))]),
    "roll_flat": (lambda m, x: x.roll(-2), [arr((3, 4))]),
    "roll_dims": (lambda m, x: x.roll((1, 2), (0, 1)), [arr((3, 4))]),
    "repeat": (lambda m, x: x.repeat(2, 1, 3), [arr((2, 3))]),
    "tile": (lambda m, x: x.tile((2,)), [arr((2, 3))]),
    "repeat_interleave": (lambda m, x: x.repeat_interleave(2), [arr((2, 3))]),
    "repeat_interleave_dim": (lambda m, x: x.repeat_interleave(
        m.tensor([1, 0, 2]), dim=1), [arr((2, 3))]),
    "narrow": (lambda m, x: x.narrow(1, 1, 2), [arr((2, 4))]),
    "select": (lambda m, x: x.select(1, -1), [arr((2, 4))]),
    "unbind": (lambda m, x: m.stack(x.unbind(1)[::-1]), [arr((2, 3))]),
    "index_select": (lambda m, x: x.index_select(0, m.tensor([2, 0, 2])), [arr((3, 2))]),
    "gather": (lambda m, x: x.gather(1, m.tensor([[0, 0], [2, 1]])), [arr((2, 3))]),
    "gather_dim0": (lambda m, x: m.gather(x, 0, m.tensor([[1, 0, 1]])), [arr((2, 3))]),
    "take_along_dim": (lambda m, x: m.take_along_dim(x, x.argsort(1), 1), [arr((2, 3))]),
    "take_along_dim_flat": (lambda m, x: x.take_along_dim(m.tensor([5, 0])), [arr((2, 3))]),
    "masked_select": (lambda m, x: x.masked_select(x > 0), [arr((3, 4))]),
    "masked_select_broadcast": (lambda m, x: x.masked_select(m.tensor([True, False, True])),
                                [arr((2, 3))]),
    "scatter": (lambda m, x, s: x.scatter(1, m.tensor([[2, 0], [1, 2]]), s),
                [arr((2, 3)), arr((2, 2), 1)]),
    "scatter_bigger_src": (lambda m, x, s: x.scatter(1, m.tensor([[2, 0], [1, 2]]), s),
                           [arr((2, 3)), arr((2, 3), 1)]),
    "scatter_value": (lambda m, x: x.scatter(0, m.tensor([[1, 0, 1]]), 5.0), [arr((2, 3))]),
    "scatter_add": (lambda m, x, s: x.scatter_add(1, m.tensor([[0, 0], [2, 2]]), s),
                    [arr((2, 3)), arr((2, 2), 1)]),
    "scatter_add_dim0": (lambda m, x, s: m.scatter_add(x, 0, m.tensor([[1, 1, 0]]), s),
                         [arr((2, 3)), arr((1, 3), 1)]),
    "t": (lambda m, x: x.t(), [arr((2, 3))]),
    "t_vector": (lambda m, x: m.t(x), [arr((3,))]),
    "mT_mH": (lambda m, x: x.mT + x.mH, [arr((2, 2, 3))]),
    "mm": (lambda m, a, b: a.mm(b), [arr((2, 3)), arr((3, 4), 1)]),
    "bmm": (lambda m, a, b: m.bmm(a, b), [arr((2, 2, 3)), arr((2, 3, 4), 1)]),
    "mv": (lambda m, a, v: a.mv(v), [arr((2, 3)), arr((3,), 1)]),
    "dot": (lambda m, a, b: m.dot(a, b), [arr((3,)), arr((3,), 1)]),
    "outer": (lambda m, a, b: a.outer(b), [arr((3,)), arr((2,), 1)]),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2),
              [arr((4,)), arr((2, 3), 1), arr((3, 4), 2)]),
    "baddbmm": (lambda m, c, a, b: c.baddbmm(a, b),
                [arr((2, 1, 4)), arr((2, 2, 3), 1), arr((2, 3, 4), 2)]),
    "einsum_matmul": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [arr((2, 3)), arr((3, 4), 1)]),
    "einsum_batched": (lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
                       [arr((2, 2, 3)), arr((2, 3, 4), 1)]),
    "einsum_dot": (lambda m, a, b: m.einsum("i,i->", a, b), [arr((3,)), arr((3,), 1)]),
    "einsum_outer": (lambda m, a, b: m.einsum("i,j->ij", a, b), [arr((3,)), arr((2,), 1)]),
    "einsum_transpose": (lambda m, a: m.einsum("ij->ji", a), [arr((2, 3))]),
    "einsum_sum": (lambda m, a: m.einsum("ij->", a), [arr((2, 3))]),
    "einsum_implicit": (lambda m, a, b: m.einsum("ij,jk", a, b), [arr((2, 3)), arr((3, 4), 1)]),
    "einsum_attention": (lambda m, q, k: m.einsum("bhqd,bhkd->bhqk", q, k),
                         [arr((1, 2, 3, 4)), arr((1, 2, 3, 4), 1)]),
    "einsum_three": (lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
                     [arr((2, 3)), arr((3, 4), 1), arr((4, 2), 2)]),
    "einsum_list": (lambda m, a, b: m.einsum("ij,ij->i", [a, b]), [arr((2, 3)), arr((2, 3), 1)]),
}


@pytest.mark.parametrize("name", list(DIFF))
def test_against_torch(torch, name):
    fn, arrays = DIFF[name]
    # torch's own backward rejects a src larger than the index: compare the forward there
    compare(torch, fn, *arrays, grad=name != "scatter_bigger_src")


# ops to gradcheck over broadcasting/degenerate shapes: (fn(x), shapes)
SHAPES = [(), (1,), (3,), (2, 1), (2, 3), (0,), (2, 0)]
UNARY = {
    "log2": lambda x: (x * x + 0.5).log2(), "log10": lambda x: (x * x + 0.5).log10(),
    "log1p": lambda x: (x * x).log1p(), "expm1": lambda x: x.expm1(), "exp2": lambda x: x.exp2(),
    "rsqrt": lambda x: (x * x + 0.5).rsqrt(), "reciprocal": lambda x: (x * x + 0.5).reciprocal(),
    "square": lambda x: x.square(), "frac": lambda x: (x * 0.1).frac(),
    "remainder": lambda x: x.remainder(7.0), "fmod": lambda x: x.fmod(7.0),
    "lerp": lambda x: x.lerp(x * x, 0.25), "nan_to_num": lambda x: x.nan_to_num(),
    "cumsum": lambda x: x.cumsum(-1), "cumprod": lambda x: x.cumprod(0),
    "prod": lambda x: x.prod(), "amax": lambda x: x.amax(), "amin": lambda x: x.amin(-1)
    if x.ndim else x.amin(),
    "norm": lambda x: (x + 3).norm(), "norm_p3": lambda x: (x + 3).norm(p=3, dim=-1),
    "sort": lambda x: x.sort().values, "flip": lambda x: x.flip(-1), "roll": lambda x: x.roll(1),
    "repeat": lambda x: x.repeat(*([2] * max(x.ndim, 1))), "tile": lambda x: x.tile((2,)),
    "repeat_interleave": lambda x: x.repeat_interleave(2),
    "masked_select": lambda x: x.masked_select(x != 0.0),
    "take_along_dim": lambda x: x.take_along_dim(x.argsort(-1), -1) if x.ndim else x,
    "einsum": lambda x: te.einsum("i,i->", x.reshape(-1), x.reshape(-1)),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradcheck_over_shapes(name, shape):
    x = te.tensor(arr(shape, 3) + 0.05, requires_grad=True)     # no ties, no zeros
    if name in ("amax", "amin") and x.numel() == 0:
        with pytest.raises(IndexError, match="Expected reduction dim"):
            UNARY[name](x)
        return
    if x.numel() == 0:      # nothing to perturb: the backward runs and keeps the shape
        out = UNARY[name](x)
        out.sum().backward()
        assert x.grad.shape == x.shape
        return
    assert te.gradcheck(UNARY[name], [x])
    assert te.gradgradcheck(UNARY[name], [x])


def test_gradcheck_binary_broadcasting():
    # a/b stays away from integers, where remainder and fmod jump
    a = te.tensor([[1.1, 2.3, -0.7], [3.4, -2.2, 0.45]], dtype=te.float64, requires_grad=True)
    for b_shape in [(), (1,), (3,), (2, 1)]:
        b = te.tensor(0.61 + 0.01 * np.arange(int(np.prod(b_shape))).reshape(b_shape),
                      requires_grad=True)
        for fn in [lambda a, b: a.remainder(b), lambda a, b: a.fmod(b),
                   lambda a, b: a.lerp(b.expand(2, 3), 0.3) if b.ndim else a.lerp(b * a, b),
                   lambda a, b: a.scatter_add(1, te.tensor([[0, 2], [1, 1]]),
                                              (b * a)[:, :2]),
                   lambda a, b: a.scatter(1, te.tensor([[0, 2], [1, 0]]), (b * a)[:, :2]),
                   lambda a, b: a.gather(1, te.tensor([[0, 0], [2, 1]])) * b.sum(),
                   lambda a, b: te.einsum("ij,ij->j", a, a + b)]:
            assert te.gradcheck(fn, [a, b])
            assert te.gradgradcheck(fn, [a, b])


# non-differentiable results (indices, counts, masks): value and dtype as torch
NONDIFF = {
    "argsort": lambda m, x: x.argsort(1),
    "argsort_desc": lambda m, x: m.argsort(x, dim=0, descending=True),
    "sort_indices": lambda m, x: x.sort(1).indices,
    "topk_indices": lambda m, x: x.topk(3, 1).indices,
    "median_indices": lambda m, x: x.median(0).indices,
    "unique": lambda m, x: (x * 2).round().unique(),
    "unique_inverse": lambda m, x: (x * 2).round().unique(return_inverse=True)[1],
    "unique_counts": lambda m, x: m.unique((x * 2).round(), return_counts=True)[1],
    "count_nonzero": lambda m, x: (x * 2).round().count_nonzero(),
    "count_nonzero_dim": lambda m, x: (x * 2).round().count_nonzero(dim=1),
    "nonzero": lambda m, x: (x > 0).nonzero(),
    "nonzero_tuple": lambda m, x: m.nonzero(x > 0, as_tuple=True)[1],
    "all": lambda m, x: (x > -2).all(), "all_dim": lambda m, x: (x > 0).all(1),
    "any_dim": lambda m, x: m.any(x > 1, dim=0, keepdim=True),
    "isnan": lambda m, x: (x * m.tensor([np.nan, 1.0, 1.0, 1.0])).isnan(), "isinf": lambda m, x: (x * 0).reciprocal().isinf(),
    "isfinite": lambda m, x: m.isfinite(x * m.tensor([np.inf, 1.0, np.nan, 1.0])),
    "isclose": lambda m, x: x.isclose(x + 1e-7), "isclose_tol": lambda m, x: m.isclose(
        x, x * 1.01, rtol=0.02),
    "histc": lambda m, x: x.histc(4), "histc_range": lambda m, x: m.histc(x, bins=3, min=-1,
                                                                            max=1),
    "histogram": lambda m, x: m.histogram(x, 3).hist,
    "histogram_edges": lambda m, x: x.histogram(3).bin_edges,
    "bincount": lambda m, x: (x > 0).long().sum(1).bincount(),
    "bincount_weights": lambda m, x: m.bincount(m.tensor([0, 2, 2]), weights=x[0, :3],
                                                minlength=5),
    "int_floor_round": lambda m, x: (x * 3).long().floor() + (x * 3).long().round(),
    "int_sign_square": lambda m, x: (x * 3).long().sign() * (x * 3).long().square(),
    "int_remainder": lambda m, x: (x * 5).long().remainder(3) + (x * 5).long().fmod(3),
    "int_cumsum_prod": lambda m, x: (x > 0).cumsum(1) + (x * 3).int().prod(1, keepdim=True),
    "int_log2": lambda m, x: (x * 9).abs().long().log2(),
    "div_floor_int": lambda m, x: m.div((x * 9).long(), 4, rounding_mode="floor"),
    "div_trunc_int": lambda m, x: (x * 9).long().div(4, rounding_mode="trunc"),
    "div_floor_float": lambda m, x: (x * 9).div(4, rounding_mode="floor"),
}


@pytest.mark.parametrize("name", list(NONDIFF))
def test_non_differentiable_against_torch(torch, name):
    compare(torch, NONDIFF[name], arr((3, 4)), grad=False)


def test_python_bool_results(torch):
    x = arr((2, 3))
    for m in (te, torch):
        t = m.tensor(x)
        assert m.allclose(t, t + 1e-9) is True and t.allclose(t + 1) is False
        assert m.equal(t, m.tensor(x)) is True and t.equal(t[:1]) is False
    assert te.tensor([np.nan]).allclose(te.tensor([np.nan]), equal_nan=True)


def test_named_tuples_like_torch(torch):
    x = arr((3, 4))
    for attr in ["sort", "topk"]:
        args = (2,) if attr == "topk" else ()
        ours, theirs = getattr(te.tensor(x), attr)(*args), getattr(torch.tensor(x), attr)(*args)
        values, indices = ours
        assert values is ours.values and indices is ours.indices
        np.testing.assert_array_equal(np.asarray(indices), theirs.indices.detach().numpy())
    mn, mx = te.tensor(x).aminmax()
    assert mn.item() == x.min() and mx.item() == x.max()


def test_max_min_with_a_tuple_point_to_amax():
    with pytest.raises(TypeError, match=r"use amax\(dim=\(0, 1\)\)"):
        te.ones(2, 2).max(dim=(0, 1))
    with pytest.raises(TypeError, match="amin"):
        te.ones(2, 2).min((0, 1))


def test_keyword_names_like_torch(torch):
    x, y = arr((2, 3)), arr((2, 3), 1)
    for m in (te, torch):
        a, b = m.tensor(x), m.tensor(y)
        out = [m.maximum(input=a, other=b), m.add(input=a, other=b), m.exp(input=a),
               m.sum(input=a, dim=(0, 1)), m.mean(a, dim=(0,)), m.remainder(input=a, other=b)]
        if m is te:
            ours = out
        else:
            theirs = out
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o), t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: te.ones(2, 3).gather(1, te.tensor([[5]])), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda: te.ones(2, 3).gather(1, te.tensor([0, 1])), RuntimeError,
     "Index tensor must have the same number of dimensions"),
    (lambda: te.ones(2, 3).gather(1, te.tensor([[0.5]])), RuntimeError, "int64 for index"),
    (lambda: te.ones(2, 3).scatter_add(0, te.tensor([[2]]), te.ones(1, 1)), RuntimeError,
     "index 2 is out of bounds for dimension 0 with size 2"),
    (lambda: te.ones(2, 3).scatter(0, te.tensor([[0, 1]]), te.ones(1, 1)), RuntimeError,
     "to be no larger than src"),
    (lambda: te.ones(3, 2).index_select(0, te.tensor([5])), IndexError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda: te.ones(2, 3).flip(2), IndexError, r"Dimension out of range \(expected to be "
                                                r"in range of \[-2, 1\], but got 2\)"),
    (lambda: te.ones(2, 3).cumsum(-3), IndexError, "Dimension out of range"),
    (lambda: te.ones(2, 3).sort(5), IndexError, "Dimension out of range"),
    (lambda: te.ones(2, 3).topk(4), RuntimeError, "selected index k out of range"),
    (lambda: te.ones(2, 3).narrow(1, 2, 2), IndexError, "exceeds dimension size"),
    (lambda: te.ones(2, 3).select(0, 2), IndexError, "index 2 out of range"),
    (lambda: te.ones(2, 3).repeat(2), RuntimeError, "can not be smaller"),
    (lambda: te.ones(2, 3).repeat_interleave(-1), RuntimeError, "can not be negative"),
    (lambda: te.ones(2, 3).masked_select(te.ones(3)), RuntimeError, "BoolTensor"),
    (lambda: te.ones(2, 3).mm(te.ones(2)), RuntimeError, "mat2 must be a matrix"),
    (lambda: te.ones(2, 3).mm(te.ones(2, 3)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
    (lambda: te.ones(2, 3).dot(te.ones(2, 3)), RuntimeError,
     "1D tensors expected, but got 2D and 2D tensors"),
    (lambda: te.ones(2, 3).bmm(te.ones(2, 3)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda: te.ones(2, 3).mv(te.ones(2)), RuntimeError,
     r"size mismatch, got input \(2\), mat \(2x3\), vec \(2\)"),
    (lambda: te.ones(2, 2, 2).t(), RuntimeError, "t\\(\\) expects a tensor with <= 2 "
                                                 "dimensions, but self is 3D"),
    (lambda: te.tensor([-1, 2]).bincount(), RuntimeError, "non-negative integral"),
    (lambda: te.tensor([1, 2]).frac(), NotImplementedError, "frac"),
    (lambda: te.tensor([1, 2]).remainder(0), ZeroDivisionError, "division by zero"),
    (lambda: te.einsum("ij,jk->ik", te.ones(2, 3)), ValueError, "but 1 tensors given"),
    (lambda: te.einsum("ij->ij", te.ones(3)), ValueError, "does not match its 1 dim"),
    (lambda: te.einsum("ii->i", te.ones(2, 2)), NotImplementedError, "diagonal"),
    (lambda: te.einsum("...i->i", te.ones(2, 2)), NotImplementedError, "ellipsis"),
    (lambda: te.einsum("i,i->", te.ones(2), te.ones(2, dtype=te.float64)), RuntimeError,
     "same dtype"),
    (lambda: te.ones(2).norm(p="nuc"), NotImplementedError, "matrix norm"),
    (lambda: te.ones(2).div(2, rounding_mode="round"), ValueError, "rounding_mode"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_failed_op_leaves_inputs_unchanged():
    x = te.tensor([[1.0, 2.0, 3.0]])
    before = x.tolist()
    with pytest.raises(RuntimeError):
        x.scatter_add(1, te.tensor([[7]]), te.ones(1, 1))
    assert x.tolist() == before
    y = x.scatter(1, te.tensor([[0]]), te.zeros(1, 1))
    assert x.tolist() == before and y.tolist() == [[0.0, 2.0, 3.0]]     # a new tensor


def test_formulas_and_torch_names_for_the_renderer():
    from tinygrad_edu.autograd.function import Function
    from tinygrad_edu.functions import indexing, linalg, scan, unary

    for module in (unary, indexing, scan, linalg):
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, Function):
                assert cls.formula and cls.__doc__, name


def test_no_runtime_warnings_at_the_edges(torch):
    """nan, inf and 0 give torch's values silently (pytest turns warnings into errors)."""
    x = np.array([-1.0, 0.0, 1000.0])
    for name in ["log2", "log10", "log1p", "expm1", "exp2", "rsqrt", "reciprocal"]:
        ours = getattr(te.tensor(x), name)()
        theirs = getattr(torch.tensor(x), name)()
        np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=1e-12)
