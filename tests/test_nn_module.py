"""The Module system: registration, traversal and names, modes, grads, state dicts
(torch layout, strict loading with listed errors), repr, containers, and the
module-call tags that the graph renderer reads."""
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(3, 1, bias=False)
        self.scale = nn.Parameter(te.tensor([2.0]))
        self.note = "not registered"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# ------------------------------------------------------------------ Parameter
def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(te.tensor([1.0, 2.0]))
    assert isinstance(p, te.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    t = te.tensor([1.0])
    assert np.shares_memory(nn.Parameter(t).detach().numpy(), t.detach().numpy())              # shares storage, like torch
    with pytest.raises(AttributeError):
        nn.Parameter(t).extra = 1                      # __slots__: no per-instance dict
    assert type(p * 2) is te.Tensor                    # results of ops are plain tensors


# ------------------------------------------------------------------ registration and traversal
def test_registration_names_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [p.name for p in net.parameters()] == ["scale", "weight", "bias", "weight"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "Tanh", "Linear"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert net.fc2.bias is None and "fc2.bias" not in net.state_dict()
    assert net.note == "not registered"


def test_reassignment_and_deletion_update_the_registries():
    net = Net()
    net.fc1 = nn.Linear(2, 3, bias=False)
    assert "fc1.bias" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        net.scale = te.tensor([1.0])
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    del net.act
    assert [n for n, _ in net.named_children()] == ["fc1", "fc2"]
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(te.zeros(1))
        Bad()


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_buffers_are_state_but_not_parameters():
    class WithBuffers(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("steps", te.tensor(0))
            self.register_buffer("cache", te.zeros(2), persistent=False)
    m = WithBuffers()
    assert list(m.parameters()) == []
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert list(m.state_dict()) == ["steps"]
    m.steps = te.tensor(5)
    assert m.state_dict()["steps"].item() == 5
    with pytest.raises(TypeError, match="buffer"):
        m.steps = 3


# ------------------------------------------------------------------ modes and grads
def test_train_eval_and_zero_grad():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert net[1].training
    net(te.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.detach().numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_double_casts_parameters_and_buffers():
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).double()
    assert {p.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    assert net[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64


# ------------------------------------------------------------------ state dicts
def make_model():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 3))


def test_state_dict_keys_shapes_and_round_trip():
    model = make_model()
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean",
                        "2.running_var", "2.num_batches_tracked", "3.weight", "3.bias"]
    assert [tuple(v.shape) for v in sd.values()] == [(8, 4), (8,), (8,), (8,), (8,), (8,), (),
                                                      (3, 8), (3,)]
    assert not any(v.requires_grad for v in sd.values())
    other = make_model()
    result = other.load_state_dict({k: v.detach().numpy().copy() for k, v in sd.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = te.randn(5, 4)
    model.eval(), other.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), other(x).detach().numpy())
    # loading copies values: the parameters stay the same objects
    w = other[0].weight
    other.load_state_dict(make_model().state_dict())
    assert other[0].weight is w and not np.array_equal(w.detach().numpy(), model[0].weight.detach().numpy())


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    model = make_model()
    before = model[0].weight.detach().numpy().copy()
    sd = {k: v.detach().numpy().copy() for k, v in make_model().state_dict().items()}
    del sd["0.bias"], sd["3.bias"]
    sd["extra.weight"] = np.zeros(2)
    sd["3.weight"] = np.zeros((8, 3))
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd)
    msg = str(err.value)
    assert "missing key(s): 0.bias, 3.bias" in msg
    assert "unexpected key(s): extra.weight" in msg
    assert "size mismatch for 3.weight: the checkpoint has shape (8, 3), the model has (3, 8)" \
        in msg
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), before)
    sd["3.weight"] = np.zeros((3, 8))
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias", "3.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    assert np.all(model[3].weight.detach().numpy() == 0)


def test_state_dict_loads_into_torch_and_back():
    torch = pytest.importorskip("torch")
    model = make_model()
    model(te.randn(6, 4))                               # move the running statistics
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8),
                              torch.nn.Linear(8, 3))
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})
    model.eval(), ref.eval()
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(te.tensor(x)).detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # and back: a fresh torch model's state dict, converted with .detach().numpy()
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3)).eval()
    model.load_state_dict({k: v.detach().numpy() for k, v in fresh.state_dict().items()})
    np.testing.assert_allclose(model(te.tensor(x)).detach().numpy(), fresh(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert model.state_dict()["2.num_batches_tracked"].dtype == np.int64


# ------------------------------------------------------------------ repr
def test_repr_is_torch_like():
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=1, bias=True)\n"
        "  )\n"
        ")")
    assert repr(Net()).splitlines()[0] == "Net("
    assert repr(nn.Dropout(0.1)) == "Dropout(p=0.1)"


def test_repr_and_state_dict_keys_equal_torchs_for_a_mixed_model():
    """Same code with either library: identical repr text (for the layers whose torch
    repr has no options we lack), the same parameter names, and the same state-dict
    keys and shapes (BatchNorm buffers and loss weights included)."""
    torch = pytest.importorskip("torch")

    def build(lib):
        m = lib.nn

        class Model(m.Module):
            def __init__(self):
                super().__init__()
                self.features = m.Sequential(m.Conv2d(1, 4, 3, stride=2, padding=1), m.Tanh(),
                                             m.Conv2d(4, 2, (2, 1), bias=False), m.Flatten())
                self.blocks = m.ModuleList([m.Linear(8, 8), m.LeakyReLU(0.2), m.GELU(),
                                            m.Sigmoid(), m.Identity()])
                self.embed = m.Embedding(10, 3, padding_idx=0)
                self.heads = m.Sequential(m.Softmax(dim=1), m.LogSoftmax(dim=-1))
                self.norm = m.BatchNorm1d(8)
                self.loss = m.CrossEntropyLoss(weight=lib.tensor([1.0, 2.0]))
        return Model()
    ours, theirs = build(te), build(torch)
    skip = ("(norm)", "(loss)")                # torch prints extra BatchNorm/loss options
    assert [line for line in repr(ours).splitlines() if not line.strip().startswith(skip)] == \
        [line for line in repr(theirs).splitlines() if not line.strip().startswith(skip)]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert len(list(ours.modules())) == len(list(theirs.modules()))


# ------------------------------------------------------------------ containers
def test_sequential_index_slice_len_append():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    seq.append(c)
    assert len(seq) == 3 and seq[2] is c and list(seq) == [a, b, c]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]        # names kept, as torch
    x = te.randn(4, 2)
    np.testing.assert_allclose(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[1]
    assert len(seq) == 2
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    with pytest.raises(TypeError, match="not an nn.Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named[1] is named.act


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    assert [n for n, _ in layers.named_parameters()][-1] == "3.bias"
    assert len(layers[1:]) == 3 and isinstance(layers[1:], nn.ModuleList)

    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = layers

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x
    assert Tower()(te.randn(5, 2)).shape == (5, 1)
    assert "blocks.0.weight" in Tower().state_dict()
    with pytest.raises(NotImplementedError):
        layers(te.zeros(1, 2))


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
def test_deleting_renumbers_so_append_never_overwrites(container):
    """After ``del m[i]`` the remaining modules are renamed "0", "1", ... like torch;
    otherwise ``append`` would reuse a name still taken and drop a layer."""
    torch = pytest.importorskip("torch")

    def build(lib):
        layers = [lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1), lib.nn.Tanh()]
        cls = getattr(lib.nn, container)
        return cls(*layers) if container == "Sequential" else cls(layers)
    ours, theirs = build(te), build(torch)
    first_linear = ours[2]
    for m in (ours, theirs):
        del m[0]
        del m[-1]
        m.append(m[0])                      # name "2" must be new, not the Linear's
    assert len(ours) == len(theirs) == 3 and ours[1] is first_linear
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["1.weight", "1.bias"]
    assert ours.__dict__["1"] is first_linear and "3" not in ours.__dict__
    for m in (ours, theirs):
        del m[0:2]
    assert repr(ours) == repr(theirs) == f"{container}(\n  (0): ReLU()\n)"


# ------------------------------------------------------------------ tagging contract (viz)
def test_module_calls_tag_nodes_inner_first():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Identity(), nn.Linear(3, 1))
    x = te.randn(4, 2)
    out = model(x)
    calls = out.grad_fn._module_calls
    assert [type(m).__name__ for m, _ in calls] == ["Linear", "Sequential"]
    assert calls[0][0] is model[3] and calls[1][0] is model
    assert calls[1][1][0] is x                                     # the input tensors
    relu_out = calls[0][1][0]
    assert relu_out.grad_fn._module_calls[0][0] is model[1]       # Identity didn't retag
    assert len(relu_out.grad_fn._module_calls) == 1
    assert type(relu_out.grad_fn)._module_calls == ()             # class default untouched
    with te.no_grad():
        assert model(x).grad_fn is None


def test_module_called_with_a_non_tensor_argument_groups_only_its_own_ops():
    """The tag keeps the positional arguments as they are; the renderer picks out the
    Tensors, so the group stops at x and holds just the module's two ops."""
    from tinygrad_edu.viz.trace import collect

    class Scaled(nn.Module):
        def forward(self, x, k):
            return (x * k).tanh()

    x = te.randn(2, 3, requires_grad=True)
    h = x.exp()                                   # made outside the module
    scaled = Scaled()
    out = scaled(h, 2.0)
    assert out.grad_fn._module_calls == ((scaled, (h, 2.0)),)
    graph = collect(out.sum())
    (call,) = graph.calls
    assert call.module is scaled
    assert sorted(graph.op_labels[i] for i in call.nodes) == ["Mul", "Tanh"]


def test_parameter_names_for_the_renderer():
    model = nn.Sequential(nn.Linear(2, 3))
    assert model[0].weight.name == "weight"
    custom = nn.Parameter(te.zeros(1))
    custom.name = "my_w"
    model[0].extra = custom
    assert custom.name == "my_w"                                   # never overwritten


def test_cnn_state_dict_matches_torch_layout():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 3 * 3, 5), nn.BatchNorm1d(5))
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 3 * 3, 5), torch.nn.BatchNorm1d(5))
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in ref.state_dict().values()]
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((3, 1, 6, 6)).astype(np.float32)
    ours.eval(), ref.eval()
    np.testing.assert_allclose(ours(te.tensor(x)).detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
