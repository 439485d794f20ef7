"""The exam-score network: hours of sleep and study → test score.

X = [[2, 9], [1, 5], [3, 6]] (hours slept, hours studied), y = [92, 86, 89].
Inputs are scaled by each column's maximum, scores divided by 100, so both live
in [0, 1]. A 2-3-1 network with sigmoid activations, trained on the mean squared
error until the loss is below 1e-4, then predicts a student who slept 4 hours
and studied 8 (scaled by the same column maxima).
"""
import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(0)
    x_raw = te.tensor([[2.0, 9.0], [1.0, 5.0], [3.0, 6.0]])
    y = te.tensor([[92.0], [86.0], [89.0]]) / 100
    scale = x_raw.max(dim=0).values                  # [3, 9]
    x = x_raw / scale

    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    loss_fn = nn.MSELoss()
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses, target = [], 1e-4
    for step in range(5000):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if losses[-1] < target:
            break
    print(f"reached MSE {losses[-1]:.2e} < {target:g} after {len(losses)} steps")
    with te.no_grad():
        fitted = model(x)
        new = te.tensor([[4.0, 8.0]]) / scale
        pred = model(new)
    for row, f, t in zip(x_raw.tolist(), fitted.flatten().tolist(), y.flatten().tolist()):
        print(f"sleep {row[0]:.0f} h, study {row[1]:.0f} h: score {t * 100:.0f}, "
              f"network says {f * 100:.1f}")
    print(f"prediction for sleep 4 h, study 8 h (scaled {[round(v, 3) for v in new.tolist()[0]]}):"
          f" score {pred.item() * 100:.1f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses)
    ax.axhline(target, color="grey", ls="--", label="target 1e-4")
    ax.set_yscale("log"); ax.set_xlabel("step"); ax.set_ylabel("MSE"); ax.legend()
    ax.set_title("exam-score network: training loss")
    save(fig, args.out, "exam_scores_loss.png")


if __name__ == "__main__":
    main()
