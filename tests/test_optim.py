"""Optimisers: 25 steps against the update rules written out here in NumPy, and
against torch.optim when torch is installed (same parameters, same gradients)."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor, optim

STEPS = 25

# ------------------------------------------------------------------ the two problems
_rng = np.random.default_rng(1234)
_M = _rng.standard_normal((5, 5))
A = _M @ _M.T / 5 + np.eye(5)                  # symmetric positive definite
B = _rng.standard_normal(5)
X0 = _rng.standard_normal(5)
XS = _rng.standard_normal((8, 3))
YS = _rng.standard_normal((8, 1))
MLP0 = [_rng.standard_normal((4, 3)) * 0.5, _rng.standard_normal(4) * 0.1,
        _rng.standard_normal((1, 4)) * 0.5, _rng.standard_normal(1) * 0.1]


def quad_loss(x):
    """f(x) = ½ xᵀAx − bᵀx (works for tinygrad_edu and torch tensors)."""
    return 0.5 * (x * (_const(x, A) @ x)).sum() - (_const(x, B) * x).sum()


def quad_grads(params):
    x, = params
    return [A @ x - B]


def mlp_loss(w1, b1, w2, b2):
    h = (_const(w1, XS) @ w1.T + b1).tanh()
    return ((h @ w2.T + b2 - _const(w1, YS)) ** 2).mean()


def mlp_grads(params):
    """Backprop through the tiny tanh MLP by hand."""
    w1, b1, w2, b2 = params
    h = np.tanh(XS @ w1.T + b1)
    r = h @ w2.T + b2 - YS
    d_out = 2 * r / r.size
    d_pre = (d_out @ w2) * (1 - h ** 2)
    return [d_pre.T @ XS, d_pre.sum(0), d_out.T @ h, d_out.sum(0)]


def _const(like, arr):
    if isinstance(like, Tensor):
        return Tensor(arr)
    import torch
    return torch.from_numpy(arr)


PROBLEMS = {"quadratic": ([X0], lambda ps: quad_loss(*ps), quad_grads),
            "mlp": (MLP0, lambda ps: mlp_loss(*ps), mlp_grads)}


# ------------------------------------------------------------------ reference rules
def ref_grad(p, g, o):
    g = -g if o.get("maximize") else g
    return g + o.get("weight_decay", 0) * p


def ref_sgd(p, g, s, t, o):
    lr, mu = o["lr"], o.get("momentum", 0)
    g = ref_grad(p, g, o)
    if mu:
        s["b"] = g if t == 1 else mu * s["b"] + (1 - o.get("dampening", 0)) * g
        g = g + mu * s["b"] if o.get("nesterov") else s["b"]
    return p - lr * g


def ref_adam(p, g, s, t, o, decoupled=False):
    lr, (b1, b2), eps = o["lr"], o.get("betas", (0.9, 0.999)), o.get("eps", 1e-8)
    wd = o.get("weight_decay", 0.01 if decoupled else 0)
    if decoupled:
        p = p - lr * wd * p
        g = ref_grad(p, g, {**o, "weight_decay": 0})
    else:
        g = ref_grad(p, g, o)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    v = s["v"]
    if o.get("amsgrad"):
        v = s["vmax"] = np.maximum(s.get("vmax", 0), s["v"])
    m_hat = s["m"] / (1 - b1 ** t)
    return p - lr * m_hat / (np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps)


def ref_adamw(p, g, s, t, o):
    return ref_adam(p, g, s, t, o, decoupled=True)


def ref_rmsprop(p, g, s, t, o):
    lr, a, eps, mu = o["lr"], o.get("alpha", 0.99), o.get("eps", 1e-8), o.get("momentum", 0)
    g = ref_grad(p, g, o)
    s["v"] = a * s.get("v", 0) + (1 - a) * g * g
    v = s["v"]
    if o.get("centered"):
        s["gbar"] = a * s.get("gbar", 0) + (1 - a) * g
        v = v - s["gbar"] ** 2
    step = g / (np.sqrt(v) + eps)
    if mu:
        s["b"] = mu * s.get("b", 0) + step
        step = s["b"]
    return p - lr * step


def ref_adagrad(p, g, s, t, o):
    lr, eps = o["lr"], o.get("eps", 1e-10)
    g = ref_grad(p, g, o)
    s["S"] = s.get("S", o.get("initial_accumulator_value", 0)) + g * g
    lr_t = lr / (1 + (t - 1) * o.get("lr_decay", 0))
    return p - lr_t * g / (np.sqrt(s["S"]) + eps)


REFS = {"SGD": ref_sgd, "Adam": ref_adam, "AdamW": ref_adamw, "RMSprop": ref_rmsprop,
        "Adagrad": ref_adagrad}

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.05,
                     initial_accumulator_value=0.1, eps=1e-8)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items())}" for name, opts in CASES]


def run_ours(name, opts, problem, steps=STEPS):
    init, loss_fn, _ = PROBLEMS[problem]
    params = [Tensor(p.copy(), requires_grad=True) for p in init]
    opt = getattr(optim, name)(params, **opts)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def run_reference(name, opts, problem, steps=STEPS):
    init, _, grads_fn = PROBLEMS[problem]
    params = [p.copy() for p in init]
    states = [{} for _ in params]
    history = []
    for t in range(1, steps + 1):
        grads = grads_fn(params)
        params = [REFS[name](p, g, s, t, opts) for p, g, s in zip(params, grads, states)]
        history.append(params)
    return history


def run_torch(name, opts, problem, steps=STEPS):
    torch = pytest.importorskip("torch")
    init, loss_fn, _ = PROBLEMS[problem]
    params = [torch.tensor(p.copy(), requires_grad=True) for p in init]
    opt = getattr(torch.optim, name)(params, **opts)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def assert_same_trajectory(ours, ref):
    assert len(ours) == len(ref) == STEPS
    for step, (a, b) in enumerate(zip(ours, ref)):
        for i, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, rtol=1e-9, atol=1e-12,
                                       err_msg=f"step {step + 1}, parameter {i}")


@pytest.mark.parametrize("problem", ["quadratic", "mlp"])
@pytest.mark.parametrize("name,opts", CASES, ids=CASE_IDS)
def test_matches_written_out_update_rule(name, opts, problem):
    ours = run_ours(name, opts, problem)
    assert_same_trajectory(ours, run_reference(name, opts, problem))
    assert not np.allclose(ours[-1][0], PROBLEMS[problem][0][0])     # it did move


@pytest.mark.parametrize("problem", ["quadratic", "mlp"])
@pytest.mark.parametrize("name,opts", CASES, ids=CASE_IDS)
def test_matches_torch_optim(name, opts, problem):
    assert_same_trajectory(run_ours(name, opts, problem), run_torch(name, opts, problem))


@pytest.mark.parametrize("name,opts", [c for c in CASES if not c[1].get("maximize")])
def test_minimises_the_quadratic(name, opts):
    x_star = np.linalg.solve(A, B)
    f = lambda x: 0.5 * x @ A @ x - B @ x       # noqa: E731
    final = run_ours(name, opts, "quadratic", steps=200)[-1][0]
    assert f(final) < f(X0)
    if not opts.get("weight_decay") and name != "AdamW":
        assert np.linalg.norm(final - x_star) < 0.5 * np.linalg.norm(X0 - x_star)


# ------------------------------------------------------------------ mechanics
def _params(*shapes, dtype=np.float64):
    rng = np.random.default_rng(0)
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def _set_grads(params, value=1.0):
    for p in params:
        p.grad = Tensor(np.full(p.shape, value, p.dtype))


@pytest.mark.parametrize("name", list(REFS))
def test_step_is_in_place_and_leaves_grads_and_graph_alone(name):
    params = _params((3, 2), (2,), dtype=np.float32)
    shared = np.full((2,), 0.5, np.float32)
    _set_grads(params)
    params[1].grad = Tensor._make(shared, False, None)
    other = Tensor._make(shared, False, None)          # another tensor sharing the array
    arrays = [p.detach().numpy() for p in params]
    before = [a.copy() for a in arrays]
    opt = getattr(optim, name)(params, lr=0.1, weight_decay=0.1)
    opt.step()
    for p, arr, old in zip(params, arrays, before):
        assert np.shares_memory(p.detach().numpy(), arr) and p.dtype == np.float32
        assert p.grad_fn is None and p.is_leaf and p.requires_grad
        assert not np.allclose(arr, old)
    np.testing.assert_array_equal(shared, 0.5)
    np.testing.assert_array_equal(other.detach().numpy(), 0.5)


def test_params_without_grad_are_skipped():
    a, b = _params((2,), (3,))
    a.grad = Tensor(np.ones(2))
    b_before = b.detach().numpy().copy()
    opt = optim.Adam([a, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), b_before)
    assert b not in opt.state and a in opt.state and opt.state[a]["step"] == 1


def test_param_groups_with_different_lr():
    a, b = _params((3,), (2, 2))
    a0, b0 = a.detach().numpy().copy(), b.detach().numpy().copy()
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.01}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.0          # filled from the defaults
    _set_grads([a, b], 2.0)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), a0 - 0.1 * 2.0)
    np.testing.assert_allclose(b.detach().numpy(), b0 - 0.01 * 2.0)


def test_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    ours = _params((4, 3), (3,))
    theirs = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]

    def groups(ps):
        return [{"params": [ps[0]], "lr": 0.1, "betas": (0.5, 0.9)},
                {"params": [ps[1]], "weight_decay": 0.3}]
    opt_a, opt_b = optim.Adam(groups(ours), lr=0.02), torch.optim.Adam(groups(theirs), lr=0.02)
    for step in range(STEPS):
        for o, t in zip(ours, theirs):
            g = np.sin(o.detach().numpy() * (step + 1))
            o.grad = Tensor(g)
            t.grad = torch.from_numpy(g.copy())
        opt_a.step()
        opt_b.step()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10)


def test_add_param_group():
    a, b = _params((2,), (2,))
    opt = optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 1.0})
    _set_grads([a, b])
    b0 = b.detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(b.detach().numpy(), b0 - 1.0)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})


def test_zero_grad():
    a, b = _params((2,), (3,))
    _set_grads([a, b], 3.0)
    shared = a.grad.detach().numpy()
    opt = optim.SGD([a, b], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.detach().numpy(), 0.0)
    np.testing.assert_array_equal(shared, 3.0)               # a fresh array, not a fill
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_accumulated_grads_after_zero_grad_are_fresh():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        np.testing.assert_allclose(w.grad.detach().numpy(), 2 * w.detach().numpy())
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])          # w ← w − 0.5·2w = 0


def test_closure_returns_loss():
    w = Tensor(np.array([3.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with te.no_grad():                                        # closure still records
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(w.detach().numpy(), [1.5])


@pytest.mark.parametrize("name,opts", [("SGD", dict(lr=0.1, momentum=0.9)),
                                       ("Adam", dict(lr=0.1, amsgrad=True)),
                                       ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                       ("Adagrad", dict(lr=0.1, lr_decay=0.01))])
def test_state_dict_round_trip(name, opts):
    init, loss_fn, _ = PROBLEMS["mlp"]
    ps = [Tensor(p.copy(), requires_grad=True) for p in init]
    opt = getattr(optim, name)(ps, **opts)

    def train(params, o, n):
        for _ in range(n):
            o.zero_grad()
            loss_fn(params).backward()
            o.step()

    train(ps, opt, 5)
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert sd["param_groups"][0]["lr"] == opts["lr"]
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    clone = [Tensor(p.detach().numpy().copy(), requires_grad=True) for p in ps]
    opt2 = getattr(optim, name)(clone, lr=123.0)               # options come from sd
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opts["lr"]
    train(ps, opt, 5)
    train(clone, opt2, 5)
    for a, b in zip(ps, clone):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    first = next(iter(sd["state"][0].values()))
    if isinstance(first, np.ndarray):                          # a snapshot, not a view
        assert not np.shares_memory(first, next(iter(opt.state[ps[0]].values())))


def test_load_state_dict_mismatch():
    a, b = _params((2,), (3,))
    opt = optim.Adam([a, b])
    _set_grads([a, b])
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="1 parameters in the loaded state dict but 2"):
        optim.Adam([a, b]).load_state_dict(
            {"state": {}, "param_groups": [{**sd["param_groups"][0], "params": [0]}]})
    with pytest.raises(ValueError, match="has 1 parameter groups, the optimizer has 2"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(
            {**sd, "param_groups": sd["param_groups"]})
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        optim.Adam([b, a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter 7, which no parameter group lists"):
        optim.Adam([a, b]).load_state_dict({**sd, "state": {7: {}}})


def test_state_dict_matches_torch_layout():
    torch = pytest.importorskip("torch")
    ours = _params((2, 3))
    theirs = [torch.tensor(ours[0].detach().numpy().copy(), requires_grad=True)]
    o, t = optim.SGD(ours, lr=0.1, momentum=0.9), torch.optim.SGD(theirs, lr=0.1, momentum=0.9)
    _set_grads(ours)
    theirs[0].grad = torch.ones(2, 3, dtype=torch.float64)
    o.step()
    t.step()
    sd_o, sd_t = o.state_dict(), t.state_dict()
    assert list(sd_o["state"]) == list(sd_t["state"]) == [0]
    np.testing.assert_allclose(sd_o["state"][0]["momentum_buffer"],
                               sd_t["state"][0]["momentum_buffer"].detach().numpy())
    assert sd_o["param_groups"][0]["params"] == sd_t["param_groups"][0]["params"]
    for key in ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"):
        assert sd_o["param_groups"][0][key] == sd_t["param_groups"][0][key]


def test_repr():
    text = repr(optim.SGD(_params((2,)), lr=0.5, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text
    assert "lr: 0.5" in text and "momentum: 0.9" in text


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "zero dampening"),
    (lambda p: optim.Adam(p, lr=-1), "Invalid learning rate"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value"),
    (lambda p: optim.AdamW(p, weight_decay=-0.1), "AdamW: Invalid weight_decay"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "Invalid momentum value"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.5), "Invalid lr_decay value"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value"),
    (lambda p: optim.SGD(p, lr=float("nan")), "Invalid learning rate: nan"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make(_params((2,)))


def test_bad_params():
    w, = _params((2,))
    with pytest.raises(TypeError, match="single Tensor; wrap it in a list"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        optim.SGD([w, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        optim.SGD([Tensor([1, 2])], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="ordered collection"):
        optim.SGD([{"params": {w}}], lr=0.1)


def test_generator_of_params_is_accepted():
    ps = _params((2,), (3,))
    opt = optim.SGD((p for p in ps), lr=0.1)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in ps]


# ------------------------------------------------------------------ with nn, when present
def _has_nn():
    return hasattr(te.nn, "Linear") and hasattr(te.nn, "Sequential")


@pytest.mark.skipif(not _has_nn(), reason="tinygrad_edu.nn not written yet")
@pytest.mark.parametrize("name,opts", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                       ("AdamW", dict(lr=0.01, amsgrad=True)),
                                       ("RMSprop", dict(lr=0.01, centered=True))])
def test_nn_model_matches_torch(name, opts):
    torch = pytest.importorskip("torch")
    model = te.nn.Sequential(te.nn.Linear(3, 4), te.nn.Tanh(), te.nn.Linear(4, 1))
    for p in model.parameters():
        p.data = p.data.double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    tmodel = tmodel.double()
    with torch.no_grad():
        for (k, p), (tk, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
            assert k == tk
            tp.copy_(torch.from_numpy(p.detach().numpy()))
    opt = getattr(optim, name)(model.parameters(), **opts)
    topt = getattr(torch.optim, name)(tmodel.parameters(), **opts)
    x, y = Tensor(XS), Tensor(YS)
    for _ in range(STEPS):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        topt.zero_grad()
        ((tmodel(torch.from_numpy(XS)) - torch.from_numpy(YS)) ** 2).mean().backward()
        topt.step()
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-8, atol=1e-12)
