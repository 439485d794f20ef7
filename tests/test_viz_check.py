"""viz.check_graph: every op's backward checked numerically, wrong ones in red."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz import check_graph
from tinygrad_edu.viz.graph import FAULTY


class Cube(te.Function):
    """z = a³, ∂z/∂a = 3a² (correct)."""
    formula = "∂z/∂a = 3a²"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * 3 * a * a


class BadCube(Cube):
    """The same forward, but the backward forgot a factor: 2a² instead of 3a²."""

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * 2 * a * a


class BadMul(te.Function):
    """z = a·b whose backward swaps nothing for a but gets b's gradient wrong."""
    formula = "∂z/∂a = b,  ∂z/∂b = a"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * b


def _ops(report):
    return [(r.op, r.position, r.ok) for r in report.results]


def test_correct_graph_passes():
    te.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor.randn(5, 3)
    loss = nn.CrossEntropyLoss()(net(x), Tensor(np.array([0, 1, 1, 0, 1])))
    report = check_graph(loss)
    assert report.ok and not report.faulty and report.results
    assert len(report.results) >= 6        # both Linear layers: weight, bias (and inputs)
    assert all(abs(r.analytic - r.numeric) < 1e-6 + 1e-4 * abs(r.numeric)
               for r in report.results)
    assert "0 wrong" in str(report)
    assert FAULTY["fillcolor"] not in report.graph.source


def test_a_wrong_custom_backward_is_found_and_drawn_red():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    w = Tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True, name="W")
    y = Cube.apply(BadCube.apply(x @ w).tanh()).sum()
    report = check_graph(y)
    assert not report.ok
    assert [(r.op, r.position) for r in report.faulty] == [("BadCube", 0)]
    bad = report.faulty[0]
    assert bad.analytic == pytest.approx(bad.numeric * 2 / 3, rel=1e-6)   # 2a² vs 3a²
    assert [n.name() for n in report.faulty_nodes] == ["BadCube"]
    assert ("Cube", 0, True) in _ops(report) and ("MatMul", 1, True) in _ops(report)
    src = report.graph.source
    red = [line for line in src.splitlines() if FAULTY["fillcolor"] in line
           and not line.strip().startswith("legend")]
    assert len(red) == 1 and "<B>BadCube</B>" in red[0] and "backward wrong" in red[0]
    assert "op with a wrong backward" in src          # and the legend says what red means
    assert "BAD BadCube → input 0 (matmul)" in str(report)
    assert "text/plain" in report._repr_mimebundle_()


def test_only_the_wrong_input_of_an_op_is_blamed():
    a = Tensor([1.0, -2.0, 0.5], requires_grad=True, name="a")
    b = Tensor([3.0, 0.25, -1.0], requires_grad=True, name="b")
    report = check_graph(BadMul.apply(a, b).sum())
    assert [(r.op, r.position, r.ok) for r in report.results if r.op == "BadMul"] == [
        ("BadMul", 0, True), ("BadMul", 1, False)]


class WrongShape(Cube):
    @staticmethod
    def backward(ctx, grad):
        return grad.sum()[None].expand(7)


class Raises(Cube):
    @staticmethod
    def backward(ctx, grad):
        raise ZeroDivisionError("oops")


class ReturnsNone(Cube):
    @staticmethod
    def backward(ctx, grad):
        return None


@pytest.mark.parametrize("op, message", [(WrongShape, "an invalid gradient at index 0 - got [7]"),
                                         (Raises, "backward raised ZeroDivisionError: oops"),
                                         (ReturnsNone, "returned None")])
def test_broken_backwards_are_reported(op, message):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    report = check_graph(op.apply(x).sum())
    (bad,) = report.faulty
    assert bad.op == op.__name__ and message in bad.error
    assert message in report.graph.source


def test_works_after_backward_freed_the_graph_and_checks_in_float64():
    x = Tensor([0.3, -0.7], requires_grad=True)        # float32 graph
    y = (x.exp() * x.sin()).sum()
    y.backward()
    report = check_graph(y)
    assert report.ok and len(report.results) == 5     # sum, mul (2 inputs), exp, sin
    # float64 central differences: far tighter than float32 would allow
    assert max(abs(r.analytic - r.numeric) for r in report.results) < 1e-7
