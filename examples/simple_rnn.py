"""A simple recurrent network (seed 003): a layer that feeds its previous state back in.

Seed 003 describes a recurrent network as an ordinary one "with feedback": the
state of the previous step goes back into the layer. The Elman cell of ``nn.RNN``:

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh),   h_0 = 0.

1. The cell written out by hand over a sequence gives ``nn.RNN``'s outputs.
2. A 1-16 RNN with a linear read-out learns to predict the next value of a sine
   wave from the values so far (backpropagation through time: backward() runs
   through every unrolled step).
3. Why plain RNNs forget: the gradient of the last state with respect to the first
   input, ‖∂h_T/∂x_1‖, is a product of T Jacobians diag(1 − h_t²)·W_hh; with the
   trained weights it shrinks with every step (the vanishing gradient, the reason
   for LSTM and GRU, see char_rnn.py).
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save


class NextValue(nn.Module):
    """RNN(1 → 16) then a linear read-out of every hidden state: ŷ_t = w·h_t + c."""

    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: te.Tensor) -> te.Tensor:
        states, _ = self.rnn(x)
        return self.out(states)


def by_hand(rnn: nn.RNN, x: te.Tensor) -> te.Tensor:
    """The Elman recurrence written out, one step at a time (batch-first input)."""
    h = te.zeros(x.shape[0], rnn.hidden_size)
    states = []
    for t in range(x.shape[1]):
        h = te.tanh(x[:, t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
                    + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
        states.append(h)
    return te.stack(states, dim=1)


def sine_windows(n: int, length: int, seed: int) -> tuple[te.Tensor, te.Tensor]:
    """n windows of sin(0.3 t + φ), random phase φ: inputs x_1..x_L, targets x_2..x_{L+1}."""
    phase = np.random.default_rng(seed).uniform(0, 2 * np.pi, (n, 1))
    wave = np.sin(0.3 * np.arange(length + 1) + phase)[..., None].astype(np.float32)
    return te.tensor(wave[:, :-1]), te.tensor(wave[:, 1:])


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(0)
    model = NextValue()
    x, y = sine_windows(64, 30, seed=0)
    with te.no_grad():
        states, _ = model.rnn(x)
        gap = (states - by_hand(model.rnn, x)).abs().max().item()
    print(f"the recurrence by hand vs nn.RNN: max difference {gap:.1e}")

    steps = 150 if args.quick else 600
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    x_new, y_new = sine_windows(200, 30, seed=1)
    with te.no_grad():
        mse = nn.functional.mse_loss(model(x_new), y_new).item()
        pred = model(x_new[:1])[0, :, 0].numpy()
    print(f"next-value prediction: MSE {losses[0]:.4f} -> {losses[-1]:.5f} after {steps} "
          f"steps; on 200 new windows {mse:.5f} (always predicting 0 would give 0.5)")

    norms = []
    for length in (1, 5, 10, 20, 40, 60):
        seq = te.tensor(np.sin(0.3 * np.arange(length))[None, :, None].astype(np.float32),
                        requires_grad=True)
        _, h_last = model.rnn(seq)
        grad = te.autograd.grad(h_last.sum(), seq)[0]
        norms.append(float(grad[0, 0].abs().sum().item()))
        print(f"T = {length:>2}: |∂(Σ h_T)/∂x_1| = {norms[-1]:.2e}")

    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), layout="constrained")
    axes[0].plot(losses)
    axes[0].set(yscale="log", xlabel="Adam step", ylabel="MSE", title="training loss")
    t = np.arange(30)
    axes[1].plot(t, x_new[0, :, 0].numpy(), "k.", label="input $x_t$")
    axes[1].plot(t, y_new[0, :, 0].numpy(), "o", mfc="none", color="0.5", label="target $x_{t+1}$")
    axes[1].plot(t, pred, "m-", label="RNN's prediction")
    axes[1].set(xlabel="step t", title="a new window: the next value, predicted")
    axes[1].legend(fontsize=8)
    axes[2].plot([1, 5, 10, 20, 40, 60], norms, "o-")
    axes[2].set(yscale="log", xlabel="sequence length T", ylabel=r"$|\partial(\Sigma_i h_{T,i})/\partial x_1|$",
                title="how much the first input still matters")
    save(fig, args.out, "simple_rnn.png")


if __name__ == "__main__":
    main()
