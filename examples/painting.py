"""Painting an image: a network that maps pixel coordinates to colours (seed 000).

First the text's single neuron: inputs [1, 0.5, −1], weights [0.7, 0.6, 1.4] (the
products 0.7 + 0.3 − 1.4 = −0.4 of the text), bias −0.1 → −0.5, and the leaky ReLU
max(0.1·x, x) → −0.05, written as the text's ``Neuron`` class on Tensors.

Every pixel of a procedurally drawn logo is one training sample: input the
(row, col) position scaled to [−1, 1], target its colour. Regression: a
2-64-64-64-3 MLP with a sigmoid output learns the RGB values (MSE). Classification:
the same body with 2 outputs learns blue vs grey (cross-entropy). The predicted
images show what a small MLP can draw — blurry edges first, sharper with training.
Both are trained with ``tinygrad_edu.train.fit``; then, as in the text, the
trained models are asked for one pixel. ``--image PATH`` paints your own picture
(read with matplotlib, which uses Pillow for JPEG) instead of the built-in logo;
its pixels are labelled as the text does: "blue" when r + g + b ≤ 600 (of 765).
"""
from pathlib import Path

import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import fit
from _common import example_args, plt, save


class Neuron:
    """The text's neuron: leaky_relu(xs · ws + b) with leaky_relu(x) = max(0.1·x, x)."""

    def __init__(self, n_inputs: int, bias: float = 0.0, weights: list | None = None) -> None:
        self.b = bias
        self.ws = te.tensor(weights) if weights else te.rand(n_inputs)

    def __call__(self, xs: list) -> te.Tensor:
        return self._f(te.tensor(xs) @ self.ws + self.b)

    def _f(self, x: te.Tensor) -> te.Tensor:
        return te.maximum(x * 0.1, x)


def image_data(path: Path, size: int) -> tuple[np.ndarray, te.Tensor, te.Tensor, te.Tensor]:
    """Read an image, sample it down to ``size`` rows (nearest pixel), and make the
    painting task of ``te.data.painting_data`` from it, labels by the text's rule."""
    img = plt.imread(path)
    img = img.astype(np.float32) / 255 if img.dtype == np.uint8 else img.astype(np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = img[..., :3]                                      # drop an alpha channel
    cols = max(2, round(size * img.shape[1] / img.shape[0]))
    rows_idx = np.linspace(0, img.shape[0] - 1, size).round().astype(int)
    cols_idx = np.linspace(0, img.shape[1] - 1, cols).round().astype(int)
    img = img[rows_idx][:, cols_idx]
    r, c = np.mgrid[0:size, 0:cols]
    coords = np.stack([r.ravel() / (size - 1), c.ravel() / (cols - 1)], axis=1) * 2 - 1
    labels = (img.reshape(-1, 3).sum(axis=1) * 255 <= 600).astype(np.int64)
    return (img, te.tensor(coords.astype(np.float32)), te.tensor(img.reshape(-1, 3)),
            te.tensor(labels))


def mlp(n_out: int, head: list) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, n_out), *head)


def train(model, loss_fn, coords, target, epochs, metrics) -> dict:
    loader = DataLoader(TensorDataset(coords, target), batch_size=128, shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    return fit(model, loss_fn, opt, loader, epochs, metrics=metrics)


def main() -> None:
    args = example_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--image", type=Path, help="paint this picture (PNG/JPEG) instead of the logo"))
    perceptron = Neuron(n_inputs=3, bias=-0.1, weights=[0.7, 0.6, 1.4])
    xs = [1.0, 0.5, -1.0]
    weighted = te.tensor(xs) * perceptron.ws
    products = " + ".join(f"{v:.1f}" for v in weighted.tolist())
    total = weighted.sum().item()
    print(f"neuron: {products} = {total:.1f}, bias {perceptron.b} -> "
          f"{total + perceptron.b:.1f}, leaky ReLU -> {perceptron(xs).item():.2f}")

    size, epochs = (32, 15) if args.quick else (64, 80)
    if args.image is None:
        coords, rgb, labels = te.data.painting_data(size)
        image = te.data.logo_image(size)
    else:
        image, coords, rgb, labels = image_data(args.image, size)
    shape = image.shape[:2]

    te.manual_seed(0)
    painter = mlp(3, [nn.Sigmoid()])
    hist_rgb = train(painter, nn.MSELoss(), coords, rgb, epochs, metrics=())
    te.manual_seed(0)
    classifier = mlp(2, [])
    hist_cls = train(classifier, nn.CrossEntropyLoss(), coords, labels, epochs,
                     metrics=("accuracy",))
    with te.no_grad():
        painted = painter(coords).detach().numpy().reshape(*shape, 3)
        blue = classifier(coords).argmax(dim=1).detach().numpy().reshape(shape)
        pixel = te.tensor([[-1.0, -1.0]])                  # the top-left pixel, (row, col) = (0, 0)
        pixel_rgb = painter(pixel)[0].tolist()
        pixel_class = classifier(pixel).argmax(dim=1).item()
    print(f"{shape[0]}x{shape[1]} image, {epochs} epochs")
    print(f"regression (RGB): MSE {hist_rgb['loss'][0]:.4f} -> {hist_rgb['loss'][-1]:.4f}")
    acc = (blue.ravel() == labels.detach().numpy()).mean()
    print(f"classification (blue/grey): loss {hist_cls['loss'][0]:.4f} -> "
          f"{hist_cls['loss'][-1]:.4f}, pixel accuracy {acc:.2%}")
    print(f"pixel (0, 0): RGB {[round(v, 3) for v in pixel_rgb]} (true "
          f"{[round(float(v), 3) for v in image[0, 0]]}), class {pixel_class} "
          f"({'blue' if pixel_class else 'grey'}; true {labels[0].item()})")

    palette = plt.matplotlib.colors.ListedColormap([(0.6, 0.6, 0.6), (0.15, 0.35, 0.85)])
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (title, img, kw) in zip(axes, [
            ("original", image, {}), ("MLP → RGB (regression)", painted.clip(0, 1), {}),
            ("blue / grey (target)", labels.detach().numpy().reshape(shape), {"cmap": palette}),
            (f"MLP → blue / grey ({acc:.1%})", blue, {"cmap": palette})]):
        ax.imshow(img, interpolation="nearest", **kw)
        ax.set_title(title, fontsize=10); ax.axis("off")
    save(fig, args.out, "painting.png")


if __name__ == "__main__":
    main()
