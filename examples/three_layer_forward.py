"""A three-layer network with fixed weights: the forward pass, step by step.

x = [1.0, 0.5]
a1 = x·W1 + b1,  z1 = sigmoid(a1)
a2 = z1·W2 + b2, z2 = sigmoid(a2)
y  = z2·W3 + b3  (identity output)     →  [0.3168, 0.6963]

The weights are the classic textbook values (2 inputs, 3 and 2 hidden units, 2
outputs), stored like the book as (inputs × outputs) matrices, so each layer is
``x @ W + b``.
"""
import tinygrad_edu as te
from _common import example_args


def init_network() -> dict:
    return {
        "W1": te.tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), "b1": te.tensor([0.1, 0.2, 0.3]),
        "W2": te.tensor([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), "b2": te.tensor([0.1, 0.2]),
        "W3": te.tensor([[0.1, 0.3], [0.2, 0.4]]), "b3": te.tensor([0.1, 0.2]),
    }


def forward(net: dict, x: te.Tensor) -> te.Tensor:
    a1 = x @ net["W1"] + net["b1"]
    z1 = a1.sigmoid()
    print("layer 1: a1 =", a1, " z1 =", z1)
    a2 = z1 @ net["W2"] + net["b2"]
    z2 = a2.sigmoid()
    print("layer 2: a2 =", a2, " z2 =", z2)
    return z2 @ net["W3"] + net["b3"]      # identity output


def main() -> None:
    example_args(__doc__.splitlines()[0])   # --quick/--out accepted for uniformity
    y = forward(init_network(), te.tensor([1.0, 0.5]))
    print("output y =", "[" + ", ".join(f"{v:.4f}" for v in y.tolist()) + "]")


if __name__ == "__main__":
    main()
