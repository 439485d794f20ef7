"""A single neuron with three inputs learns that the output is the first input.

Training set: [0,0,1]→0, [1,1,1]→1, [1,0,1]→1, [0,1,1]→0. The neuron is
sigmoid(w·x + b); the loss ½·Σ(output − y)² with plain gradient descent (lr 1)
gives exactly the classic update w += Xᵀ·(error ⊙ σ'(output)) — autograd derives
it for us. The new situation [1,0,0] should come out close to 1.
"""
import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(1)
    x = te.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    y = te.tensor([[0.0], [1.0], [1.0], [0.0]])
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
    print(f"after {steps} steps: loss {losses[-1]:.2e}")
    print("weights:", [round(v, 3) for v in neuron[0].weight.flatten().tolist()], "bias:",
          round(neuron[0].bias.item(), 3))
    with te.no_grad():
        print("training outputs:", [round(v, 4) for v in neuron(x).flatten().tolist()])
        print(f"new situation [1, 0, 0] -> {neuron(te.tensor([[1.0, 0.0, 0.0]])).item():.4f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses); ax.set_yscale("log")
    ax.set_xlabel("step"); ax.set_ylabel("½ Σ (output − y)²")
    ax.set_title("single neuron: training loss")
    save(fig, args.out, "single_neuron_loss.png")


if __name__ == "__main__":
    main()
