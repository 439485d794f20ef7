"""Painting an image: a network that maps pixel coordinates to colours.

Every pixel of a procedurally drawn logo is one training sample: input the
(row, col) position scaled to [−1, 1], target its colour. Regression: a
2-64-64-64-3 MLP with a sigmoid output learns the RGB values (MSE). Classification:
the same body with 2 outputs learns blue vs grey (cross-entropy). The predicted
images show what a small MLP can draw — blurry edges first, sharper with training.
Both are trained with ``tinygrad_edu.train.fit``.
"""
import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import fit
from _common import example_args, plt, save


def mlp(n_out: int, head: list) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, n_out), *head)


def train(model, loss_fn, coords, target, epochs, metrics) -> dict:
    loader = DataLoader(TensorDataset(coords, target), batch_size=128, shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    return fit(model, loss_fn, opt, loader, epochs, metrics=metrics)


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    size, epochs = (32, 15) if args.quick else (64, 80)
    coords, rgb, labels = te.data.painting_data(size)
    image = te.data.logo_image(size)

    te.manual_seed(0)
    painter = mlp(3, [nn.Sigmoid()])
    hist_rgb = train(painter, nn.MSELoss(), coords, rgb, epochs, metrics=())
    te.manual_seed(0)
    classifier = mlp(2, [])
    hist_cls = train(classifier, nn.CrossEntropyLoss(), coords, labels, epochs,
                     metrics=("accuracy",))
    with te.no_grad():
        painted = painter(coords).numpy().reshape(size, size, 3)
        blue = classifier(coords).argmax(dim=1).numpy().reshape(size, size)
    print(f"{size}x{size} image, {epochs} epochs")
    print(f"regression (RGB): MSE {hist_rgb['loss'][0]:.4f} -> {hist_rgb['loss'][-1]:.4f}")
    acc = (blue.ravel() == labels.numpy()).mean()
    print(f"classification (blue/grey): loss {hist_cls['loss'][0]:.4f} -> "
          f"{hist_cls['loss'][-1]:.4f}, pixel accuracy {acc:.2%}")

    palette = plt.matplotlib.colors.ListedColormap([(0.6, 0.6, 0.6), (0.15, 0.35, 0.85)])
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (title, img, kw) in zip(axes, [
            ("original", image, {}), ("MLP → RGB (regression)", painted.clip(0, 1), {}),
            ("blue / grey (target)", labels.numpy().reshape(size, size), {"cmap": palette}),
            (f"MLP → blue / grey ({acc:.1%})", blue, {"cmap": palette})]):
        ax.imshow(img, interpolation="nearest", **kw)
        ax.set_title(title, fontsize=10); ax.axis("off")
    save(fig, args.out, "painting.png")


if __name__ == "__main__":
    main()
