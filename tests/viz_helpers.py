"""What the viz tests share: named float64 leaves and the single-neuron example
o = tanh(x1·w1 + x2·w2 + b) (x1=2, x2=0, w1=−3, w2=1, b=6.8813…: o ≈ 0.7071)."""
import shutil

import pytest

from tinygrad_edu import Tensor

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


def named(value, name):
    """A float64 leaf that requires grad, labelled ``name`` in pictures and explain."""
    return Tensor(value, requires_grad=True, dtype="float64", name=name)


def neuron_and_leaves():
    """The neuron's output ``o`` (the sum is named ``n``) and its five leaves by name."""
    leaves = dict(x1=named(2.0, "x1"), x2=named(0.0, "x2"), w1=named(-3.0, "w1"),
                  w2=named(1.0, "w2"), b=named(6.8813735870195432, "b"))
    n = leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]
    n.name = "n"
    o = n.tanh()
    o.name = "o"
    return o, leaves


def neuron():
    """Just the neuron's output ``o``."""
    return neuron_and_leaves()[0]
