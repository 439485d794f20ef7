"""LR schedulers against their closed forms and against torch.optim.lr_scheduler."""
import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, optim
from tinygrad_edu.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR

EPOCHS = 30
LRS = (0.1, 0.02)


def _optimizer(lrs=LRS, cls=optim.SGD):
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return cls(groups, lr=1.0)


def _schedule(make, epochs=EPOCHS, opt=None):
    """The lr of each group at epochs 0..epochs-1 (one optimizer step per epoch)."""
    opt = opt or _optimizer()
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(sched.get_last_lr())
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        opt.step()
        sched.step()
    return np.array(lrs)


def _cosine(base, t, T, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2


CLOSED_FORMS = {
    "StepLR": (lambda o: StepLR(o, step_size=4, gamma=0.5),
               lambda base, t: base * 0.5 ** (t // 4)),
    "ExponentialLR": (lambda o: ExponentialLR(o, gamma=0.9),
                      lambda base, t: base * 0.9 ** t),
    "CosineAnnealingLR": (lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.001),
                          lambda base, t: _cosine(base, t, 7, 0.001)),
    "CosineAnnealingLR-no-min": (lambda o: CosineAnnealingLR(o, T_max=10),
                                 lambda base, t: _cosine(base, t, 10, 0.0)),
}


@pytest.mark.parametrize("kind", list(CLOSED_FORMS))
def test_closed_form(kind):
    make, formula = CLOSED_FORMS[kind]
    expected = np.array([[formula(base, t) for base in LRS] for t in range(EPOCHS)])
    np.testing.assert_allclose(_schedule(make), expected, rtol=1e-12, atol=1e-15)


def test_cosine_reaches_eta_min_and_comes_back():
    lrs = _schedule(lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.01), epochs=11)[:, 0]
    assert lrs[0] == 0.1
    assert lrs[5] == pytest.approx(0.01)
    assert lrs[10] == pytest.approx(0.1)
    assert np.all(np.diff(lrs[:6]) < 0) and np.all(np.diff(lrs[5:]) > 0)


def _torch_schedule(torch, make, epochs=EPOCHS):
    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)], lr=1.0)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(sched.get_last_lr())
        opt.step()
        sched.step()
    return np.array(lrs)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=6)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.005)),
])
def test_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = _schedule(lambda o: getattr(optim.lr_scheduler, name)(o, **kwargs))
    theirs = _torch_schedule(torch, lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_two_schedulers_compose_like_torch():
    torch = pytest.importorskip("torch")

    def run(mod, opt, epochs=12):
        a = mod.StepLR(opt, step_size=3, gamma=0.5)
        b = mod.ExponentialLR(opt, gamma=0.9)
        out = []
        for _ in range(epochs):
            opt.step()
            a.step()
            b.step()
            out.append(opt.param_groups[0]["lr"])
        return np.array(out)

    t_param = torch.zeros(1, requires_grad=True)
    ours = run(optim.lr_scheduler, _optimizer((0.1,)))
    theirs = run(torch.optim.lr_scheduler, torch.optim.SGD([t_param], lr=0.1))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    expected = [0.1 * 0.5 ** (t // 3) * 0.9 ** t for t in range(1, 13)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_cosine_follows_a_manual_lr_change_like_torch():
    torch = pytest.importorskip("torch")

    def run(mod, opt):
        sched = mod.CosineAnnealingLR(opt, T_max=8)
        out = []
        for epoch in range(10):
            if epoch == 3:
                opt.param_groups[0]["lr"] *= 0.5
            opt.step()
            sched.step()
            out.append(opt.param_groups[0]["lr"])
        return np.array(out)

    ours = run(optim.lr_scheduler, _optimizer((0.1,)))
    theirs = run(torch.optim.lr_scheduler,
                 torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_scheduler_drives_the_optimizer_update():
    w = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.1)
    for expected in (1.0 - 1.0, 0.0 - 0.1, -0.1 - 0.01):
        w.grad = Tensor(np.array([1.0]))
        opt.step()
        sched.step()
        np.testing.assert_allclose(w.detach().numpy(), [expected])


def test_resume_with_last_epoch():
    opt = _optimizer((0.1,))
    with pytest.raises(KeyError, match="initial_lr"):
        ExponentialLR(opt, gamma=0.5, last_epoch=3)
    opt.param_groups[0]["initial_lr"] = 0.1
    opt.param_groups[0]["lr"] = _cosine(0.1, 4, 10, 0.0)      # as restored from a checkpoint
    sched = CosineAnnealingLR(opt, T_max=10, last_epoch=3)
    assert sched.last_epoch == 4
    assert sched.get_last_lr()[0] == _cosine(0.1, 4, 10, 0.0)  # construction keeps the lr
    sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(_cosine(0.1, 5, 10, 0.0))


@pytest.mark.parametrize("name,kwargs", [("CosineAnnealingLR", dict(T_max=6)),
                                         ("ExponentialLR", dict(gamma=0.7))])
def test_resume_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    t_opt.param_groups[0]["initial_lr"] = 0.1
    o_opt = _optimizer((0.1,))
    o_opt.param_groups[0]["initial_lr"] = 0.1
    t_opt.param_groups[0]["lr"] = o_opt.param_groups[0]["lr"] = 0.07
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, last_epoch=2, **kwargs)
    o_s = getattr(optim.lr_scheduler, name)(o_opt, last_epoch=2, **kwargs)
    for _ in range(8):
        assert o_s.get_last_lr() == pytest.approx(t_s.get_last_lr(), rel=1e-12)
        t_opt.step()
        t_s.step()
        o_s.step()


def test_state_dict_round_trip():
    opt = _optimizer()
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 5 and sd["base_lrs"] == list(LRS)
    opt2 = _optimizer()
    sched2 = StepLR(opt2, step_size=7, gamma=0.9)
    sched2.load_state_dict(sd)
    assert (sched2.step_size, sched2.gamma, sched2.last_epoch) == (2, 0.5, 5)
    for g, lr in zip(opt2.param_groups, sched.get_last_lr()):   # carry on from epoch 5
        g["lr"] = lr
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.1 * 0.5 ** 3, 0.02 * 0.5 ** 3]


def test_bad_arguments():
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        StepLR(_optimizer(), step_size=0)
    with pytest.raises(ValueError, match="T_max must be positive"):
        CosineAnnealingLR(_optimizer(), T_max=0)
    with pytest.raises(TypeError, match="expected an Optimizer"):
        ExponentialLR([0.1], gamma=0.5)
