"""A single neuron with three inputs learns that the output is the first input (seed 004).

Training set: [0,0,1]→0, [1,1,1]→1, [1,0,1]→1, [0,1,1]→0; the new situation [1,0,0]
should come out close to 1. First the text's nine lines of NumPy: ``random.seed(1)``,
weights 2·random((3, 1)) − 1, no bias, 10,000 times w += Xᵀ·((y − output)·output·(1 − output))
→ 0.99993704. Then the same neuron in tinygrad_edu: the loss ½·Σ(output − y)² with
plain gradient descent (lr 1) is exactly that update, and autograd derives it — the
prediction agrees to float precision. Last, the project's own variant: an
``nn.Linear(3, 1)`` with a bias and PyTorch's initialisation.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save

INPUTS = [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
OUTPUTS = [[0, 1, 1, 0]]


def text_neuron(iterations: int = 10000) -> float:
    """The text's nine lines, unchanged apart from the names."""
    from numpy import array, dot, exp, random
    training_set_inputs = array(INPUTS)
    training_set_outputs = array(OUTPUTS).T
    random.seed(1)
    synaptic_weights = 2 * random.random((3, 1)) - 1
    for _ in range(iterations):
        output = 1 / (1 + exp(-(dot(training_set_inputs, synaptic_weights))))
        synaptic_weights += dot(training_set_inputs.T,
                                (training_set_outputs - output) * output * (1 - output))
    return float((1 / (1 + exp(-(dot(array([1, 0, 0]), synaptic_weights)))))[0])


def framework_neuron(iterations: int = 10000) -> tuple[float, list[float]]:
    """The same neuron with tinygrad_edu: same initial weights, no bias, autograd's gradient."""
    x = te.tensor(INPUTS, dtype=te.float64)
    y = te.tensor(OUTPUTS, dtype=te.float64).T
    np.random.seed(1)                                        # the text's initialisation
    w = te.tensor(2 * np.random.random((3, 1)) - 1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    for _ in range(iterations):
        opt.zero_grad()
        loss = 0.5 * (((x @ w).sigmoid() - y) ** 2).sum()
        loss.backward()
        opt.step()
    with te.no_grad():
        new = (te.tensor([[1.0, 0.0, 0.0]], dtype=te.float64) @ w).sigmoid().item()
    return new, w.detach().flatten().tolist()


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    text = text_neuron()
    ours, weights = framework_neuron()
    print(f"the text's nine lines:   [1, 0, 0] -> {text:.8f}")
    print(f"tinygrad_edu, same init: [1, 0, 0] -> {ours:.8f} (difference {abs(ours - text):.1e})")
    print("weights (no bias):", [round(v, 4) for v in weights])

    te.manual_seed(1)
    x = te.tensor(INPUTS, dtype=te.float32)
    y = te.tensor(OUTPUTS, dtype=te.float32).T
    neuron = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    loss_fn = nn.MSELoss(reduction="sum")
    opt = optim.SGD(neuron.parameters(), lr=1.0)
    steps = 1000 if args.quick else 10000
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * loss_fn(neuron(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"\nour variant, nn.Linear(3, 1) with a bias, {steps} steps: loss {losses[-1]:.2e}")
    print("weights:", [round(v, 3) for v in neuron[0].weight.flatten().tolist()], "bias:",
          round(neuron[0].bias.item(), 3))
    with te.no_grad():
        print("training outputs:", [round(v, 4) for v in neuron(x).flatten().tolist()])
        print(f"new situation [1, 0, 0] -> {neuron(te.tensor([[1.0, 0.0, 0.0]])).item():.4f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses); ax.set_yscale("log")
    ax.set_xlabel("step"); ax.set_ylabel("½ Σ (output − y)²")
    ax.set_title("single neuron (with bias): training loss")
    save(fig, args.out, "single_neuron_loss.png")


if __name__ == "__main__":
    main()
