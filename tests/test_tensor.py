"""Tensor basics: creation, dtypes, attributes, repr, conversions, comparisons and
clear errors on bad input."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor


# ------------------------------------------------------------------ creation and dtypes
@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], np.float32),              # Python floats -> float32 (PyTorch default)
    (3.5, np.float32),
    ([1, 2, 3], np.int64),                 # Python ints -> int64
    ([True, False], np.bool_),
    (np.array([1.0, 2.0]), np.float64),    # an ndarray keeps its dtype
    (np.array([1.0], np.float32), np.float32),
    (np.array([1, 2], np.int32), np.int32),
    (np.float64(2.5), np.float64),         # so does a NumPy scalar (as torch.tensor)
    (np.float32(2.5), np.float32),
    ([[1, 2], [3.5, 4]], np.float32),      # mixed nested list -> float
])
def test_creation_dtype(data, dtype):
    t = Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.detach().numpy(), np.asarray(data))
    assert te.tensor(data).dtype == dtype


def test_creation_from_tensor_and_explicit_dtype():
    a = Tensor([1.0, 2.0])
    b = Tensor(a)
    assert b.dtype == np.float32 and not np.shares_memory(b.detach().numpy(), a.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())
    assert te.tensor([1, 2], dtype=te.float64).dtype == np.float64
    assert te.tensor([1.7, 2.2], dtype=np.int64).tolist() == [1, 2]


def test_creation_copies_list_but_array_data_is_owned():
    arr = np.array([1.0, 2.0])
    t = Tensor(arr)
    arr[0] = 100.0
    assert t.detach().numpy()[0] == 1.0        # Tensor(...) copies, like torch.tensor


def test_creation_functions():
    assert Tensor.zeros(2, 3).shape == (2, 3) and Tensor.zeros((2, 3)).detach().numpy().sum() == 0
    assert Tensor.zeros(2).dtype == np.float32
    np.testing.assert_array_equal(Tensor.ones(2, 2).detach().numpy(), np.ones((2, 2)))
    f = Tensor.full((2, 2), 7.0)
    assert f.dtype == np.float32 and f.detach().numpy().tolist() == [[7, 7], [7, 7]]
    assert Tensor.full((3,), 2).dtype == np.int64
    np.testing.assert_array_equal(Tensor.eye(3).detach().numpy(), np.eye(3))
    assert Tensor.eye(2, 3).shape == (2, 3)
    assert Tensor.arange(5).tolist() == [0, 1, 2, 3, 4] and Tensor.arange(5).dtype == np.int64
    assert Tensor.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert Tensor.arange(1, 2, 0.5).dtype == np.float32
    assert Tensor.zeros(2, dtype=np.float64).dtype == np.float64
    z = te.zeros_like(Tensor([[1.0, 2.0]]))
    assert z.shape == (1, 2) and z.detach().numpy().sum() == 0
    o = te.ones_like(Tensor(np.zeros(3)))
    assert o.dtype == np.float64 and o.detach().numpy().sum() == 3
    assert te.zeros(2, 2).shape == (2, 2) and te.ones(3).detach().numpy().sum() == 3
    assert Tensor.ones(2, requires_grad=True).requires_grad


def test_random_creation_is_seeded():
    te.manual_seed(123)
    a, b = Tensor.rand(3, 4), Tensor.randn(5)
    te.manual_seed(123)
    c, d = Tensor.rand(3, 4), Tensor.randn(5)
    np.testing.assert_array_equal(a.detach().numpy(), c.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), d.detach().numpy())
    assert a.dtype == np.float32 and b.dtype == np.float32
    assert ((a.detach().numpy() >= 0) & (a.detach().numpy() < 1)).all()
    big = Tensor.randn(20000)
    assert abs(big.detach().numpy().mean()) < 0.05 and abs(big.detach().numpy().std() - 1) < 0.05


# ------------------------------------------------------------------ attributes
def test_attributes():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="w")
    assert t.shape == (2, 3) and t.ndim == 2 and t.dim() == 2
    assert t.numel() == 6 and t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2
    assert len(t) == 2
    assert t.is_leaf and t.grad_fn is None and t.grad is None and t.requires_grad
    assert t.name == "w"
    assert np.shares_memory(t.numpy(force=True), t.detach().numpy())     # shared, not copied
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        t.numpy()
    assert t.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad


def test_item_and_scalars():
    assert Tensor(3.5).item() == 3.5 and isinstance(Tensor(3.5).item(), float)
    assert Tensor([[7]]).item() == 7 and isinstance(Tensor([7]).item(), int)
    assert float(Tensor([2.5])) == 2.5 and int(Tensor(3)) == 3
    assert bool(Tensor([1.0])) and not bool(Tensor(0.0))


def test_item_on_non_scalar_raises():
    with pytest.raises(ValueError, match=r"item\(\).*\(2, 3\)"):
        Tensor(np.zeros((2, 3))).item()


def test_bool_of_many_elements_raises():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_len_of_0d_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_iteration_gives_rows():
    rows = list(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]


# ------------------------------------------------------------------ repr
def test_repr():
    assert repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(Tensor([1, 2, 3])) == "tensor([1, 2, 3])"
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(Tensor(np.array([1.0, 2.0]))) == "tensor([1., 2.], dtype=tinygrad_edu.float64)"
    y = Tensor([1.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2.], grad_fn=<MulBackward0>)"
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"


# ------------------------------------------------------------------ requires_grad rules
@pytest.mark.parametrize("data", [[1, 2], [True, False], np.array([1], np.int32)])
def test_requires_grad_on_integer_or_bool_data_raises(data):
    with pytest.raises(TypeError, match="floating point"):
        Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating point"):
        te.tensor(data).requires_grad_()


def test_int_converted_to_float_can_require_grad():
    t = te.tensor([1, 2]).float().requires_grad_()
    assert t.requires_grad and t.dtype == np.float32


def test_bad_data_type_raises():
    with pytest.raises(TypeError, match="tensor"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="tensor"):
        Tensor({"a": 1})


def test_setitem_writes_in_place():
    t = Tensor([1.0, 2.0])
    storage = t.numpy()
    t[0] = 3.0
    assert t.tolist() == [3.0, 2.0] and t.numpy() is storage and t._version == 1


# ------------------------------------------------------------------ dtype conversion
def test_dtype_conversions():
    t = Tensor([1.5, -2.5])
    assert t.double().dtype == np.float64 and t.float() is t
    assert t.long().tolist() == [1, -2] and t.long().dtype == np.int64
    assert t.int().dtype == np.int32
    assert t.bool().tolist() == [True, True]
    assert t.to(np.float64).dtype == np.float64


def test_cast_is_differentiable():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x.double() * Tensor(np.array([3.0, 4.0]))).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 4.0]


def test_cast_to_integer_or_bool_leaves_the_graph_like_torch():
    x = Tensor([1.5, -2.5], requires_grad=True)
    for t, expected in [(x.long(), [1, -2]), (x.int(), [1, -2]), (x.bool(), [True, True])]:
        assert t.tolist() == expected and not t.requires_grad and t.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x.long() * 2).sum().backward()
    assert x.grad is None


# ------------------------------------------------------------------ comparisons
def test_comparisons_are_bool_without_grad():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([3.0, 2.0, 1.0])
    cases = {
        "eq": (a == b, [False, True, False]), "ne": (a != b, [True, False, True]),
        "lt": (a < b, [True, False, False]), "le": (a <= b, [True, True, False]),
        "gt": (a > b, [False, False, True]), "ge": (a >= b, [False, True, True]),
        "scalar": (a > 1.5, [False, True, True]), "rscalar": (2.0 < a, [False, False, True]),
    }
    for name, (res, expected) in cases.items():
        assert res.dtype == np.bool_, name
        assert res.tolist() == expected, name
        assert not res.requires_grad and res.grad_fn is None, name
    assert (~(a > 1.5)).tolist() == [True, False, False]
    assert ((a > 1.5) & (a < 2.5)).tolist() == [False, True, False]
    assert ((a < 1.5) | (a > 2.5)).tolist() == [True, False, True]
    assert (a > 0).all().item() and not (a > 2).all().item() and (a > 2).any().item()


def test_comparison_broadcasts():
    a = Tensor([[1.0], [2.0]])
    assert (a == Tensor([1.0, 2.0])).tolist() == [[True, False], [False, True]]


def test_tensor_is_hashable_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_ndarray_on_the_left_gives_tensor():
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for res in (np.array([1.0, 1.0]) + t, np.array([2.0, 2.0]) * t,
                np.eye(2) @ t):
        assert isinstance(res, Tensor) and res.requires_grad


# ------------------------------------------------------------------ shared scalar constants
def test_python_scalars_become_one_shared_read_only_constant():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 0.5, x * 0.5
    const = a.grad_fn.inputs[1]
    assert const is b.grad_fn.inputs[1]         # one array for every use of 0.5
    assert const.dtype == np.float32 and const.shape == () and float(const) == 0.5
    assert not const.flags.writeable            # so no op or user can change it for all
    assert (x * 2).grad_fn.inputs[1].dtype == np.float32
    assert (x.double() * 0.5).grad_fn.inputs[1].dtype == np.float64   # one per dtype
    (a + b).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [1.0, 1.0])


def test_signed_zero_and_nan_constants_are_exact():
    x = Tensor([1.0, -2.0])
    assert np.array_equal(np.signbit((x * 0.0).detach().numpy()), [False, True])
    assert np.array_equal(np.signbit((x * -0.0).detach().numpy()), [True, False])
    assert np.array_equal(np.signbit((x * 0.0).detach().numpy()), [False, True])   # after -0.0 too
    assert np.isnan((x + float("nan")).detach().numpy()).all()
    assert ((x * 3) == Tensor([3.0, -6.0])).all()


def test_the_constant_table_stays_small():
    from tinygrad_edu.tensor import _CONSTANTS
    x = Tensor([1.0])
    for k in range(3000):                       # e.g. a new learning rate every step
        y = x * (1.0 + k / 3000)
    assert float(y.item()) == pytest.approx(1.0 + 2999 / 3000)
    assert len(_CONSTANTS[np.dtype(np.float32)]) <= 1024


@pytest.mark.parametrize("values", [[1.6, 3.2], [0.1, 0.25], [1e-5, 1.0], [1.0, 2.0], [1e9, 1.0],
                                    [float("nan"), 1.5, float("inf")], [123456.5, 0.5],
                                    [[1.5, 2.0], [3.0, 4.0]], [[-1.5, 2], [3, 400]], 3.25,
                                    [1e8, 3.0], [2e8, 3.0], [], list(range(2000))])
def test_repr_prints_numbers_as_torch(values):
    torch = pytest.importorskip("torch")
    ours = repr(te.tensor(values, dtype=te.float32))
    theirs = repr(torch.tensor(values, dtype=torch.float32))
    assert ours == theirs
