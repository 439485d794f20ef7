"""The exam-score network of seed 002: hours of study and sleep → test score.

X = [[2, 9], [1, 5], [3, 6]] (hours studied, hours slept), y = [92, 86, 89].
1. The text's worked forward pass with its weights W1 = [[.2, .6, .1], [.8, .3, .7]],
   W2 = [.4, .5, .9] on the raw input [2, 9]: 7.6, 3.9, 6.5 → σ → 1.79832 → 0.8579.
   The text rounds σ(3.9) = 0.9802 up to 1.000; the exact output is 0.8567.
2. The text's hand-written backward pass (o_delta = (y − o)·o(1 − o), ...) is the
   negative gradient of L = ½ Σ (y − o)²: autograd gives the same numbers.
3. Training as the text does it: inputs scaled by each column's maximum, scores
   divided by 100, randn weights, W += Xᵀ·delta (gradient descent with lr 1 on L).
4. The prediction for [4, 8]: the text scales it by its own maximum ([0.5, 1]);
   scaled like the training data (by [3, 9]) it is [1.333, 0.889].
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import optim
from _common import example_args, plt, save

TEXT_W1 = [[0.2, 0.6, 0.1], [0.8, 0.3, 0.7]]
TEXT_W2 = [[0.4], [0.5], [0.9]]


def forward(x: te.Tensor, w1: te.Tensor, w2: te.Tensor) -> tuple[te.Tensor, te.Tensor]:
    """Hidden activations σ(x W1) and output σ(σ(x W1) W2), as in the text."""
    hidden = (x @ w1).sigmoid()
    return hidden, (hidden @ w2).sigmoid()


def text_backward(x: np.ndarray, y: np.ndarray, w2: np.ndarray, hidden: np.ndarray,
                  o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text's backward pass, line by line: the weight changes ΔW1, ΔW2."""
    o_delta = (y - o) * o * (1 - o)
    z2_delta = o_delta @ w2.T * hidden * (1 - hidden)
    return x.T @ z2_delta, hidden.T @ o_delta


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    w1 = te.tensor(TEXT_W1, dtype=te.float64, requires_grad=True)
    w2 = te.tensor(TEXT_W2, dtype=te.float64, requires_grad=True)

    print("1. forward pass with the text's weights, input [2, 9] (unscaled, as drawn)")
    x0 = te.tensor([[2.0, 9.0]], dtype=te.float64)
    z = x0 @ w1
    print("   sums x·W1      =", ", ".join(f"{v:.1f}" for v in z.flatten().tolist()))
    hidden, o = forward(x0, w1, w2)
    print("   σ(sums)        =", ", ".join(f"{v:.4f}" for v in hidden.flatten().tolist()))
    z3 = (hidden @ w2).item()
    print(f"   σ(sums)·W2     = {z3:.5f} -> output σ = {o.item():.4f}")
    text_sum = 0.9994 * 0.4 + 1.000 * 0.5 + 0.9984 * 0.9
    print(f"   the text: (.9994*.4)+(1.000*.5)+(.9984*.9) = {text_sum:.5f} -> "
          f"S({text_sum:.5f}) = {1 / (1 + np.exp(-text_sum)):.10f}")
    print(f"   slip: σ(3.9) = {hidden[0, 1].item():.4f}, not 1.000, so the output is "
          f"{o.item():.4f}, not 0.8579")

    x_raw = np.array([[2.0, 9.0], [1.0, 5.0], [3.0, 6.0]])
    scale = x_raw.max(axis=0)                                  # [3, 9]
    x = te.tensor(x_raw / scale)
    y = te.tensor([[92.0], [86.0], [89.0]], dtype=te.float64) / 100
    print(f"\n2. backward pass on the scaled data (X / {scale.tolist()}, y / 100)")
    hidden, o = forward(x, w1, w2)
    loss = 0.5 * ((y - o) ** 2).sum()
    loss.backward()
    d_w1, d_w2 = text_backward(x.detach().numpy(), y.detach().numpy(), np.asarray(TEXT_W2),
                               hidden.detach().numpy(), o.detach().numpy())
    for name, hand, auto in (("W1", d_w1, w1.grad), ("W2", d_w2, w2.grad)):
        print(f"   text's Δ{name} = {np.round(hand, 6).ravel().tolist()}")
        print(f"   -autograd ∂L/∂{name} = {np.round(-auto.detach().numpy(), 6).ravel().tolist()} "
              f"(max difference {np.abs(hand + auto.detach().numpy()).max():.1e})")

    steps = 1000 if args.quick else 100_000
    print(f"\n3. training as the text does: randn weights, W += Xᵀ·delta, {steps} steps")
    te.manual_seed(0)
    w1 = te.randn(2, 3, dtype=te.float64, requires_grad=True)
    w2 = te.randn(3, 1, dtype=te.float64, requires_grad=True)
    opt = optim.SGD([w1, w2], lr=1.0)                          # the text's update
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        o = forward(x, w1, w2)[1]
        loss = 0.5 * ((y - o) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(((y - o) ** 2).mean().item())            # the text prints the MSE
    with te.no_grad():
        fitted = forward(x, w1, w2)[1]
        mse = ((y - fitted) ** 2).mean().item()
    print(f"   MSE {losses[0]:.4f} -> {mse:.2e}")
    for row, f, t in zip(x_raw.tolist(), fitted.flatten().tolist(), y.flatten().tolist()):
        print(f"   study {row[0]:.0f} h, sleep {row[1]:.0f} h: score {t * 100:.0f}, "
              f"network says {f * 100:.1f}")

    print("\n4. prediction for study 4 h, sleep 8 h")
    new = np.array([[4.0, 8.0]])
    with te.no_grad():
        for how, scaled in (("the text's scaling (by its own maximum 8)", new / new.max()),
                            (f"scaled like the training data (by {scale.tolist()})",
                             new / scale)):
            pred = forward(te.tensor(scaled), w1, w2)[1].item()
            print(f"   {how}: input {np.round(scaled, 3).ravel().tolist()} -> "
                  f"score {pred * 100:.1f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses)
    ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xlabel("step"); ax.set_ylabel("MSE")
    ax.set_title("exam-score network: the text's training rule (lr 1, ½ Σ (y − o)²)")
    save(fig, args.out, "exam_scores_loss.png")


if __name__ == "__main__":
    main()
