"""te.viz.explain_forward and te.viz.jacobian_view: the forward sweep's tangents and
the Jacobian built by forward and by reverse passes, checked against each other."""
import numpy as np
import pytest

import tinygrad_edu as te


def _neuron():
    w = te.tensor([0.5, -1.0], requires_grad=True)
    w.name = "w"
    b = te.tensor(0.3, requires_grad=True)
    b.name = "b"
    x = te.tensor([2.0, 3.0])
    x.name = "x"
    return w, b, ((w * x).sum() + b).tanh()


def test_explain_forward_writes_the_tangents_in_forward_order():
    w, b, out = _neuron()
    chain = te.viz.explain_forward(out, wrt=w, direction=[1.0, 0.0])
    assert [s.op for s in chain.steps] == ["Mul", "Sum", "Add", "Tanh"]
    assert chain.steps[0].inputs == ["w", "x"] and chain.steps[2].inputs == ["z2", "b"]
    np.testing.assert_allclose(chain.steps[0].tangent, [2.0, 0.0])
    z = np.tanh(0.5 * 2 - 3 + 0.3)
    np.testing.assert_allclose(chain.tangent, (1 - z * z) * 2.0, rtol=1e-6)
    g, = te.autograd.grad(out, w, retain_graph=True)
    assert chain.agrees and chain.reverse == pytest.approx(float(g.detach().numpy()[0]))
    text = str(chain)
    assert "ż = ȧ·b + a·ḃ" in text and "⟨∇out, v⟩" in text and "✓" in text
    assert te.viz.explain_forward(out, wrt=b).agrees          # default direction: ones


def test_explain_forward_of_a_vector_output_checks_against_one_reverse_pass(rng):
    x = te.tensor(rng.standard_normal(3), requires_grad=True)
    out = x.softmax(0) * x.exp()
    chain = te.viz.explain_forward(out, wrt=x, direction=rng.standard_normal(3))
    assert chain.agrees and chain.tangent.shape == (3,) and "Jᵀ·1" in str(chain)


def test_explain_forward_errors():
    w, _, out = _neuron()
    with pytest.raises(ValueError, match="shape"):
        te.viz.explain_forward(out, wrt=w, direction=[1.0])
    with pytest.raises(ValueError, match="no recorded graph"):
        te.viz.explain_forward(out.detach(), wrt=w)


@pytest.mark.parametrize("fn, n, m", [(lambda a: (a * a).sum(), 4, 1),
                                      (lambda a: a.softmax(0), 4, 4),
                                      (lambda a: te.stack([a.sum(), a.prod()]).exp(), 4, 2)])
def test_jacobian_view_builds_the_same_matrix_both_ways(fn, n, m, rng, tmp_path):
    x = te.tensor(rng.uniform(0.5, 1.5, 4))
    view = te.viz.jacobian_view(fn, x, path=tmp_path / "jac.png")
    assert (view.forward_passes, view.reverse_passes) == (n, m)
    assert view.forward.shape == view.reverse.shape == (m, n) and view.agrees
    np.testing.assert_allclose(view.forward, te.func.jacrev(fn)(x).numpy().reshape(m, n))
    assert (tmp_path / "jac.png").stat().st_size > 0
    assert f"forward mode: {n} passes" in str(view)
    assert ("1 pass " if m == 1 else f"{m} passes") in str(view)


def test_draw_graph_forward_mode_shows_the_tangents_flowing_forward():
    w = te.tensor([0.5, -1.0], requires_grad=True)
    x = te.tensor([2.0, 3.0])
    fwAD = te.autograd.forward_ad
    with fwAD.dual_level():
        wd = fwAD.make_dual(w, te.tensor([1.0, 0.0]))
        out = ((wd * x).sum() + 0.3).tanh()
        source = te.viz.draw_graph(out, mode="forward").source
        reverse = te.viz.draw_graph(out).source
    assert "tangent [2, 0]" in source and "→ [2, 0]" in source      # Mul's output, its edge
    assert "ż = ȧ·b + a·ḃ" in source and "ż = (1 − z²)·ȧ" in source   # the jvp rules
    assert "tangent 0.2500" in source and "blue: tangent" in source
    assert "← " in reverse and "tangent" not in reverse             # the reverse picture
    with pytest.raises(ValueError, match="no tensor of this graph is dual"):
        te.viz.draw_graph(((w * x).sum()), mode="forward")
    with pytest.raises(ValueError, match="mode"):
        te.viz.draw_graph(out, mode="sideways")
