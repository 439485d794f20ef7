"""Guess gender from weight and height: a 2-2-1 sigmoid network trained by SGD.

Four people, weight in lb minus 135 and height in inches minus 66 (to centre
the data), label 1 = female, 0 = male. Each step uses ONE sample (stochastic
gradient descent), the loss is the squared error, the learning rate 0.1. After
training the network is asked about two new people.
"""
import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save

PEOPLE = {"Alice": ([-2.0, -1.0], 1), "Bob": ([25.0, 6.0], 0),
          "Charlie": ([17.0, 4.0], 0), "Diana": ([-15.0, -6.0], 1)}
NEW = {"Emily": [-7.0, -3.0], "Frank": [20.0, 2.0]}     # 128 lb 63 in, 155 lb 68 in


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(0)
    x = te.tensor([v[0] for v in PEOPLE.values()])
    y = te.tensor([[float(v[1])] for v in PEOPLE.values()])
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    loss_fn = nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=0.1)
    epochs = 300 if args.quick else 1000
    history = []
    for epoch in range(epochs):
        for i in range(len(x)):                     # one sample at a time
            opt.zero_grad()
            loss = loss_fn(model(x[i:i + 1]), y[i:i + 1])
            loss.backward()
            opt.step()
        with te.no_grad():
            history.append(loss_fn(model(x), y).item())
        if epoch % (epochs // 5) == 0:
            print(f"epoch {epoch:4d}: loss {history[-1]:.4f}")
    print(f"epoch {epochs:4d}: loss {history[-1]:.4f}")
    with te.no_grad():
        for name, features in {**{k: v[0] for k, v in PEOPLE.items()}, **NEW}.items():
            p = model(te.tensor([features])).item()
            print(f"{name:<8} P(female) = {p:.3f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(history); ax.set_xlabel("epoch"); ax.set_ylabel("MSE (all 4 people)")
    ax.set_title("gender network: loss curve")
    save(fig, args.out, "gender_network_loss.png")


if __name__ == "__main__":
    main()
