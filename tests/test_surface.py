"""The PyTorch surface real programs use: creation, RNG, dtypes, devices, Size, format
specs, grad_fn names and next_functions — each checked side by side with torch."""
import pickle

import numpy as np
import pytest

import tinygrad_edu as te


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def same(ours, theirs, rtol=1e-6):
    """Same dtype name, shape and values as the torch tensor."""
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "tinygrad_edu.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach()).astype(np.float64),
                               theirs.detach().numpy().astype(np.float64), rtol=rtol)


# ------------------------------------------------------------------ dtypes
NAMES = ["float", "float32", "float64", "double", "half", "float16", "long", "int64", "int32",
         "int", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_objects_print_and_compare_like_torch(torch, name):
    ours, theirs = getattr(te, name), getattr(torch, name)
    assert repr(ours) == repr(theirs).replace("torch.", "tinygrad_edu.")
    assert str(ours) == repr(ours)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.is_signed == theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    t = te.zeros(2, dtype=ours)
    assert t.dtype == ours and t.dtype is ours          # one object per dtype
    assert t.dtype == np.dtype(ours) and np.dtype(ours) == t.dtype     # NumPy's side too
    assert np.zeros(3, t.dtype).dtype == np.dtype(ours)
    same(t, torch.zeros(2, dtype=theirs))
    assert pickle.loads(pickle.dumps(ours)) is ours


def test_dtype_equality_with_numpy_types_and_others():
    assert te.float32 == np.float32 and np.float32 == te.float32
    assert te.float32 != np.float64 and te.float is te.float32 and te.long is te.int64
    assert te.float32 != None and te.float32 != "float32"     # noqa: E711
    assert te.ones(2).dtype in (np.float32, np.float64)
    assert {te.float32: 1}[te.tensor([1.0]).dtype] == 1


def test_default_dtype_switch(torch):
    assert te.get_default_dtype() is te.float32
    te.set_default_dtype(te.float64)
    try:
        torch.set_default_dtype(torch.float64)
        for ours, theirs in [(te.tensor([1.5]), torch.tensor([1.5])),
                             (te.zeros(2), torch.zeros(2)), (te.arange(0.0, 1.0, 0.5),
                                                             torch.arange(0.0, 1.0, 0.5)),
                             (te.ones(2) * 0.5, torch.ones(2) * 0.5),
                             (te.tensor([1]) / 2, torch.tensor([1]) / 2)]:
            same(ours, theirs)
        assert te.rand(3).dtype == te.float64 and te.get_default_dtype() is te.float64
        assert repr(te.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    finally:
        te.set_default_dtype(te.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        te.set_default_dtype(te.int64)


def test_conversion_methods(torch):
    x = te.tensor([1.7, -2.2, 0.0])
    tx = torch.tensor([1.7, -2.2, 0.0])
    for name in ["float", "double", "half", "long", "int", "bool", "short"]:
        same(getattr(x, name)(), getattr(tx, name)(), rtol=1e-3)
    same(x.to(te.float64), tx.to(torch.float64))
    same(x.type(te.int32), tx.type(torch.int32))
    same(x.to(te.tensor([1])), tx.to(torch.tensor([1])))
    same(x.to("cpu", te.float64), tx.to("cpu", torch.float64))
    same(x.to(dtype=te.float16), tx.to(dtype=torch.float16), rtol=1e-3)
    assert x.type() == tx.type().replace("torch.", "tinygrad_edu.")
    assert x.long().type() == "tinygrad_edu.LongTensor"
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.element_size() == 4 and x.double().element_size() == 8
    assert x.to("cpu") is x and x.cpu() is x
    with pytest.raises(TypeError, match="no tinygrad_edu equivalent"):
        x.to(np.dtype("U3"))


def test_finfo_iinfo_like_torch(torch):
    for d in ["float32", "float64", "float16"]:
        assert repr(te.finfo(getattr(te, d))) == repr(torch.finfo(getattr(torch, d)))
        assert te.finfo(getattr(te, d)).eps == torch.finfo(getattr(torch, d)).eps
    assert repr(te.finfo()) == repr(torch.finfo())
    for d in ["int8", "int32", "int64", "uint8"]:
        assert repr(te.iinfo(getattr(te, d))) == repr(torch.iinfo(getattr(torch, d)))
        assert te.iinfo(getattr(te, d)).max == torch.iinfo(getattr(torch, d)).max
    with pytest.raises(TypeError, match="tinygrad_edu.bool is not supported"):
        te.iinfo(te.bool)
    with pytest.raises(TypeError, match="floating-point"):
        te.finfo(te.int32)


def test_repr_shows_dtype_as_torch(torch):
    for data, d in [([1, 2], "int32"), ([1.0, 2.0], "float64"), ([1.0, 2.0], "float16"),
                    ([1, 2], "uint8"), ([1, 2], "int64")]:
        ours = repr(te.tensor(data, dtype=getattr(te, d)))
        theirs = repr(torch.tensor(data, dtype=getattr(torch, d)))
        assert ours.split("dtype=")[-1] == theirs.split("dtype=")[-1].replace("torch.",
                                                                              "tinygrad_edu.")


# ------------------------------------------------------------------ devices
def test_device_objects_and_boilerplate(torch):
    device = "cuda" if te.cuda.is_available() else "cpu"
    assert device == "cpu" and not te.backends.mps.is_available()
    assert not te.accelerator.is_available() and te.cuda.device_count() == 0
    d = te.device(device)
    assert repr(d) == repr(torch.device("cpu")) and str(d) == "cpu"
    assert repr(te.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert te.device("cpu") == te.ones(1).device and d.type == "cpu" and d.index is None
    x = te.randn(2, 3, device=d)
    assert x.to(d) is x and x.device == d
    model = te.nn.Linear(3, 1).to(device)
    assert model(x).shape == (2, 1) and model.cpu() is model
    assert all(p.device == d for p in model.parameters())


@pytest.mark.parametrize("make", [lambda: te.zeros(2, device="cuda"),
                                  lambda: te.ones(2).to("cuda"),
                                  lambda: te.ones(2).cuda(),
                                  lambda: te.tensor([1.0], device=te.device("mps")),
                                  lambda: te.nn.Linear(2, 2).to("cuda"),
                                  lambda: te.Generator(device="cuda")])
def test_gpu_devices_raise_a_clear_error(make):
    with pytest.raises(RuntimeError, match="CPU only"):
        make()


def test_bad_device_strings():
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        te.device("gpu")


# ------------------------------------------------------------------ creation
CREATION = {
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace_int": lambda m: m.linspace(0, 10, 5, dtype=m.int64),
    "linspace_one": lambda m: m.linspace(-1, 1, 1),
    "linspace_empty": lambda m: m.linspace(0, 1, 0),
    "logspace": lambda m: m.logspace(0, 2, 3),
    "logspace_base2": lambda m: m.logspace(0, 3, 4, base=2.0, dtype=m.float64),
    "arange": lambda m: m.arange(5),
    "arange_float": lambda m: m.arange(0, 1, 0.25),
    "arange_float_end": lambda m: m.arange(5.0),
    "arange_neg_step": lambda m: m.arange(5, 0, -2),
    "arange_dtype": lambda m: m.arange(3, dtype=m.float64),
    "full_int": lambda m: m.full((2,), 3),
    "full_bool": lambda m: m.full((2, 1), True),
    "full_float": lambda m: m.full((2,), 1.5),
    "full_dtype": lambda m: m.full([2], 1, dtype=m.float64),
    "empty": lambda m: m.empty(2, 3).zero_() if m is not te else m.empty(2, 3),
    "eye": lambda m: m.eye(2, 3),
    "eye_int": lambda m: m.eye(3, dtype=m.int32),
    "zeros_tuple": lambda m: m.zeros((2, 0, 3)),
    "ones_dtype": lambda m: m.ones(2, dtype=m.int8),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, dtype=m.int32)),
    "ones_like": lambda m: m.ones_like(m.ones(2, 1), dtype=m.float64),
    "full_like": lambda m: m.full_like(m.ones(2, dtype=m.float64), 7),
    "empty_like": lambda m: m.empty_like(m.ones(3)).zero_() if m is not te
    else m.empty_like(m.ones(3)),
    "new_zeros": lambda m: m.ones(2, dtype=m.float64).new_zeros(3),
    "new_ones": lambda m: m.ones(2, dtype=m.int32).new_ones((2, 2)),
    "new_full": lambda m: m.ones(2, dtype=m.float64).new_full((2,), 3),
    "new_tensor": lambda m: m.ones(2, dtype=m.float64).new_tensor([1, 2]),
    "tensor_dtype": lambda m: m.tensor([1, 2], dtype=m.float16),
    "as_tensor_list": lambda m: m.as_tensor([1.5, 2.5]),
    "as_tensor_dtype": lambda m: m.as_tensor(np.arange(3), dtype=m.float32),
    "from_numpy_f64": lambda m: m.from_numpy(np.linspace(0, 1, 3)),
    "from_numpy_i32": lambda m: m.from_numpy(np.arange(3, dtype=np.int32)),
}


@pytest.mark.parametrize("name", list(CREATION))
def test_creation_like_torch(torch, name):
    same(CREATION[name](te), CREATION[name](torch))


def test_creation_takes_requires_grad_and_device():
    for t in [te.zeros(2, requires_grad=True), te.rand(2, requires_grad=True),
              te.linspace(0, 1, 3, requires_grad=True), te.full((2,), 1.0, requires_grad=True),
              te.tensor([1.0], device="cpu", requires_grad=True),
              te.eye(2, device=te.device("cpu"), requires_grad=True),
              te.ones_like(te.ones(2), requires_grad=True)]:
        assert t.requires_grad and t.is_leaf and t.device == te.device("cpu")
    with pytest.raises(TypeError, match="only floating point tensors can require gradients"):
        te.arange(3, requires_grad=True)


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    t = te.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 0.0, 0.0]
    assert te.as_tensor(a).tolist() == [5.0, 0.0, 0.0]
    a[1] = 2.0
    assert te.as_tensor(a).tolist()[1] == 2.0 and te.tensor(a).tolist()[1] == 2.0
    c = te.tensor(a)
    a[2] = 9.0
    assert c.tolist()[2] == 0.0                          # tensor() copies
    assert te.as_tensor(t) is t
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        te.from_numpy([1, 2])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.object"):
        te.from_numpy(np.array([None]))


def test_creation_bad_input(torch):
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        te.linspace(0, 1, -1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        te.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent"):
        te.arange(5, 0, 1)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        te.zeros(2, -1)
    with pytest.raises(TypeError, match="tuple of ints"):
        te.ones(2.5)


def test_creation_allocates_in_the_target_dtype():
    """No float64 array on the way: the draw itself is float32 (same values as NumPy
    drawing float32 from the same seed)."""
    te.manual_seed(3)
    x = te.randn(4, 5)
    expect = np.random.default_rng(3).standard_normal((4, 5), dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(x), expect)
    te.manual_seed(3)
    np.testing.assert_array_equal(np.asarray(te.rand(6, dtype=te.float64)),
                                  np.random.default_rng(3).random(6))
    assert te.randn(3, dtype=te.half).dtype == te.float16
    with pytest.raises(NotImplementedError, match="floating-point dtype"):
        te.rand(2, dtype=te.int64)


# ------------------------------------------------------------------ RNG
def test_generator_streams_are_independent_and_repeat():
    g = te.Generator().manual_seed(7)
    a = te.rand(3, generator=g)
    te.manual_seed(0)
    te.randn(10)                         # the global stream does not disturb g's
    b = te.rand(3, generator=g)
    g.manual_seed(7)
    np.testing.assert_array_equal(np.asarray(te.rand(3, generator=g)), np.asarray(a))
    assert not np.array_equal(np.asarray(a), np.asarray(b))
    assert g.initial_seed() == 7
    assert isinstance(te.manual_seed(1), te.Generator) and te.manual_seed(1) is \
        te.default_generator


@pytest.mark.parametrize("draw", [
    lambda g: te.rand(4, generator=g), lambda g: te.randn(2, 2, generator=g),
    lambda g: te.randint(0, 10, (5,), generator=g), lambda g: te.randperm(6, generator=g),
    lambda g: te.multinomial(te.tensor([0.2, 0.3, 0.5]), 4, True, generator=g),
    lambda g: te.normal(0.0, 2.0, (3,), generator=g),
    lambda g: te.normal(te.zeros(3), te.ones(3), generator=g),
    lambda g: te.bernoulli(te.full((5,), 0.5), generator=g),
    lambda g: te.rand_like(te.ones(2), generator=g),
    lambda g: te.randn_like(te.ones(2), generator=g),
    lambda g: te.randint_like(te.ones(3), 5, generator=g)])
def test_every_random_function_takes_a_generator(draw):
    first = draw(te.Generator().manual_seed(11)).tolist()
    assert draw(te.Generator().manual_seed(11)).tolist() == first
    te.manual_seed(11)
    assert draw(None).tolist() == first      # generator=None: the default one


def test_rng_state_round_trip():
    te.manual_seed(5)
    te.rand(2)
    state = te.get_rng_state()
    assert state.dtype == te.uint8 and state.ndim == 1
    a = te.randn(4).tolist()
    te.set_rng_state(state)
    assert te.randn(4).tolist() == a
    with pytest.raises(RuntimeError, match="set_state"):
        te.set_rng_state(te.zeros(3, dtype=te.uint8))


def test_random_dtypes_like_torch(torch):
    for ours, theirs in [
            (te.randint(3, 10, (3,)), torch.randint(3, 10, (3,))),
            (te.randint(10, (2,)), torch.randint(10, (2,))),
            (te.randperm(4), torch.randperm(4)),
            (te.multinomial(te.tensor([[0.5, 0.5], [0.1, 0.9]]), 2),
             torch.multinomial(torch.tensor([[0.5, 0.5], [0.1, 0.9]]), 2)),
            (te.normal(0.0, 1.0, (2,)), torch.normal(0.0, 1.0, (2,))),
            (te.normal(te.zeros(2), 1.0), torch.normal(torch.zeros(2), 1.0)),
            (te.bernoulli(te.full((2,), 0.5)), torch.bernoulli(torch.full((2,), 0.5))),
            (te.randint_like(te.ones(2), 5), torch.randint_like(torch.ones(2), 5)),
            (te.rand_like(te.ones(2, dtype=te.float64)),
             torch.rand_like(torch.ones(2, dtype=torch.float64)))]:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "tinygrad_edu.")
        assert tuple(ours.shape) == tuple(theirs.shape)


def test_random_values_are_in_range():
    assert set(te.randperm(50).tolist()) == set(range(50))
    r = np.asarray(te.randint(-3, 4, (1000,)))
    assert r.min() == -3 and r.max() == 3
    s = np.asarray(te.multinomial(te.tensor([0.0, 1.0, 3.0]), 2000, replacement=True))
    assert 0 not in s and 0.7 < (s == 2).mean() < 0.8          # 3/4 expected
    rows = te.multinomial(te.tensor([[1.0, 1.0, 0.0, 1.0]] * 3), 3)
    for row in rows.tolist():                                   # without replacement
        assert sorted(row) == [0, 1, 3]
    b = np.asarray(te.bernoulli(te.tensor([0.0, 1.0] * 50)))
    assert (b[::2] == 0).all() and (b[1::2] == 1).all()
    n = np.asarray(te.normal(te.tensor([0.0, 100.0]).expand(500, 2), 0.1))
    np.testing.assert_allclose(n.mean(0), [0.0, 100.0], atol=0.05)


@pytest.mark.parametrize("call, message", [
    (lambda: te.randint(5, 5, (2,)), "random_ expects 'from' to be less than 'to', but got "
                                     "from=5 >= to=5"),
    (lambda: te.multinomial(te.tensor([0.5, -0.1]), 1), "element < 0"),
    (lambda: te.multinomial(te.tensor([0.5, float("nan")]), 1), "`nan`"),
    (lambda: te.multinomial(te.tensor([0.5, 0.5]), 3), "cannot sample n_sample > "
                                                       "prob_dist.size"),
    (lambda: te.multinomial(te.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
    (lambda: te.multinomial(te.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
    (lambda: te.normal(0.0, -1.0, (2,)), "std >= 0.0"),
    (lambda: te.bernoulli(te.tensor([1.5])), "between 0 and 1")])
def test_random_bad_input_like_torch(torch, call, message):
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(")):
        call()


# ------------------------------------------------------------------ Size, formats, Python
def test_size_like_torch(torch):
    x, tx = te.zeros(2, 3), torch.zeros(2, 3)
    assert repr(x.size()) == repr(tx.size()).replace("torch.", "tinygrad_edu.")
    assert str(x.size()) == repr(x.size()) and repr(te.zeros(()).size()) == \
        "tinygrad_edu.Size([])"
    assert x.size() == (2, 3) and isinstance(x.size(), tuple) and isinstance(x.size(),
                                                                             te.Size)
    assert repr(x.shape) == repr(tx.shape).replace("torch.", "tinygrad_edu.")
    assert f"{x.shape}" == f"{tx.shape}".replace("torch.", "tinygrad_edu.")
    assert x.shape == x.size() and isinstance(x.shape, te.Size) and x.shape[0] == 2
    assert np.zeros(x.shape).shape == (2, 3) and te.zeros(x.shape).shape == (2, 3)
    assert x.size(-1) == 3 and x.size()[1:] == te.Size([3])
    assert isinstance(x.size()[1:], te.Size) and x.size().numel() == tx.size().numel()
    assert x.nelement() == x.numel() == 6 and x.ndimension() == x.dim() == 2
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in "
                                         r"range of \[-2, 1\], but got 2\)"):
        x.size(2)


def test_format_specs_and_python_protocols(torch):
    loss, tloss = te.tensor(0.123456), torch.tensor(0.123456)
    for spec in [".4f", "+.2f", "", ".3e", "8.2f"]:
        assert format(loss, spec) == format(tloss, spec)
    assert f"{loss:.4f}" == "0.1235" and "{:+.2f}".format(loss) == "+0.12"
    assert f"{te.tensor(3)}" == "3" and f"{te.tensor([1.0])}" == "tensor([1.])"
    with pytest.raises(TypeError, match="unsupported format string passed to "
                                        "Tensor.__format__"):
        format(te.ones(2), ".3f")
    with pytest.raises(TypeError, match="unsupported format string"):
        format(te.ones(1), ".3f")                          # as torch: 0-d only
    same(abs(te.tensor([-1.5, 2.0])), abs(torch.tensor([-1.5, 2.0])))
    with pytest.raises(TypeError):                         # torch defines no __round__
        round(torch.tensor(2.5))
    with pytest.raises(TypeError):
        round(te.tensor(2.5))
    assert float(te.tensor([2.5])) == 2.5 and int(te.tensor(3.7)) == 3
    assert bool(te.tensor([1])) and [10, 20, 30][te.tensor(2)] == 30
    assert list(range(te.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="integer tensors of a single element"):
        [1, 2][te.tensor(1.0)]
    rows = [r.tolist() for r in te.tensor([[1, 2], [3, 4]])]
    assert rows == [[1, 2], [3, 4]]


# ------------------------------------------------------------------ grad_fn
def test_grad_fn_names_like_torch(torch):
    def pair(m):
        x = m.tensor(np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 10, requires_grad=True)
        v = m.tensor(np.arange(4, dtype=np.float32) / 10, requires_grad=True)
        nf = m.nn.functional
        return [x * 2, x + x, x - 1, x / 2, -x, x ** 2, x ** x, x @ v, v @ v,
                x @ x.T, x.sum(), x.sum(0), x.mean(), x.mean(1), x.max(), x.max(0)[0],
                x.min(), x.exp(), x.log(), x.relu(), x.sigmoid(), x.tanh(), x.abs(),
                x.sqrt(), x.clamp(0, 1), x.double(), x[0], x[:, 1:], x[[0, 1]],
                x.reshape(12), x.permute(1, 0), x.softmax(0), x.log_softmax(1),
                x.logsumexp(0), m.where(x > 0.5, x, v), m.maximum(x, v), m.cat([x, x]),
                m.stack([x, x]), nf.mse_loss(x, x.detach() + 1),
                nf.cross_entropy(x, m.tensor([0, 1, 2])), nf.linear(x, x),
                nf.linear(x, x, v[:3].detach()), nf.gelu(x), nf.leaky_relu(x)]
    for ours, theirs in zip(pair(te), pair(torch)):
        assert repr(ours.grad_fn) == "<" + type(theirs.grad_fn).__name__ + ">"
    assert te.tensor([1.0], requires_grad=True).grad_fn is None


def test_next_functions_walk_the_graph_as_in_torch(torch):
    def walk(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        loss = ((a * b).sum() + (a * 2).sum())
        seen, stack = [], [loss.grad_fn]
        while stack:                                 # the tutorials' graph walk
            node = stack.pop()
            seen.append(type(node).__name__ if m is torch else repr(node)[1:-1])
            stack.extend(n for n, _ in reversed(node.next_functions) if n is not None)
        leaf = loss.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
        return seen, leaf.variable is a
    assert walk(te) == walk(torch)


def test_mse_with_an_integer_target_stays_float32(torch):
    x = np.array([0.5, 1.5, -2.0], np.float32)
    for target in ([1, 2, 3], [True, False, True]):
        ours = te.nn.functional.mse_loss(te.tensor(x, requires_grad=True), te.tensor(target))
        theirs = torch.nn.functional.mse_loss(torch.tensor(x, requires_grad=True),
                                              torch.tensor(target))
        same(ours, theirs)
    same(te.nn.MSELoss()(te.tensor(x), te.tensor([1.0, 2.0, 3.0], dtype=te.float64)),
         torch.nn.MSELoss()(torch.tensor(x), torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)))


def test_dataloader_shuffles_with_a_generator():
    ds = te.data.TensorDataset(te.arange(10))

    def epoch(g):
        return [b[0].tolist() for b in te.data.DataLoader(ds, batch_size=5, shuffle=True,
                                                           generator=g)]
    first = epoch(te.Generator().manual_seed(3))
    assert first == epoch(te.Generator().manual_seed(3))
    assert sorted(sum(first, [])) == list(range(10)) and first != [[0, 1, 2, 3, 4],
                                                                   [5, 6, 7, 8, 9]]
