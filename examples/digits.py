"""Handwritten digits (scikit-learn's 8×8 images): an MLP and a small CNN.

1,797 digits, a quarter held out for testing. Pixels are standardised with the
training set's statistics. The MLP (64-128-10, ReLU) reaches about 98 % test
accuracy in a few seconds; the CNN (two 3×3 convolutions with max pooling) sees
the image as a 2-D grid instead of 64 unrelated numbers. Both use Adam and
cross-entropy through ``tinygrad_edu.train.fit``.
"""
from pathlib import Path

import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import (DataLoader, TensorDataset, load_digits, standardize,
                               train_test_split)
from tinygrad_edu.train import fit, plot_history
from _common import example_args, plt, save


def digits_split(standardized: bool = True) -> tuple[te.Tensor, te.Tensor, te.Tensor,
                                                      te.Tensor]:
    """Train/test split (75/25, fixed), pixels standardised by the training set
    (std floored at 0.1, since pixel values live in [0, 1]); the raw pixels in
    [0, 1] with ``standardized=False`` (for pictures)."""
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, seed=0)
    if standardized:
        x_train, x_test = standardize(x_train, x_test, eps=0.1)
    return x_train, x_test, y_train, y_test


def make_mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def make_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 16 × 4 × 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 × 2 × 2
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


def train(model: nn.Module, x_train, y_train, x_test, y_test, epochs: int) -> dict:
    """Adam (lr 3e-3), batches of 32, cross-entropy; returns the fit history."""
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32,
                              shuffle=True, seed=0)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=len(x_test))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    return fit(model, nn.CrossEntropyLoss(), opt, train_loader, epochs,
               val_loader=test_loader)


def trained_mlp(epochs: int = 20) -> tuple[nn.Module, tuple]:
    """The MLP trained on the standard split (also used by saliency.py)."""
    te.manual_seed(0)
    x_train, x_test, y_train, y_test = data = digits_split()
    model = make_mlp()
    train(model, x_train, y_train, x_test, y_test, epochs=epochs)
    return model.eval(), data


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    x_train, x_test, y_train, y_test = digits_split()
    print(f"{len(x_train)} training and {len(x_test)} test digits")

    te.manual_seed(0)
    mlp = make_mlp()
    hist = train(mlp, x_train, y_train, x_test, y_test, epochs=20)
    print(f"MLP 64-128-10: test accuracy {hist['val_accuracy'][-1]:.2%}")
    plot_history(hist, Path(args.out) / "digits_mlp_history.png", title="MLP on digits")
    print(f"saved {Path(args.out) / 'digits_mlp_history.png'}")

    te.manual_seed(0)
    cnn = make_cnn()
    cnn_epochs = 2 if args.quick else 15
    as_images = lambda t: t.reshape(-1, 1, 8, 8)            # noqa: E731
    hist_cnn = train(cnn, as_images(x_train), y_train, as_images(x_test), y_test,
                     epochs=cnn_epochs)
    print(f"CNN (conv16-pool-conv32-pool-linear), {cnn_epochs} epochs: test accuracy "
          f"{hist_cnn['val_accuracy'][-1]:.2%}")

    with te.no_grad():
        pred = mlp.eval()(x_test).argmax(dim=1).detach().numpy()
    wrong = np.flatnonzero(pred != y_test.detach().numpy())
    print(f"the MLP misclassifies {len(wrong)} of {len(x_test)} test digits")
    raw_test = digits_split(standardized=False)[1]
    fig, axes = plt.subplots(2, 6, figsize=(9, 3.6))
    for ax, i in zip(axes.flat, range(12)):
        img = raw_test[i].detach().numpy().reshape(8, 8)
        ax.imshow(img, cmap="gray_r")
        ok = pred[i] == y_test[i].item()
        ax.set_title(f"pred {pred[i]}" + ("" if ok else f" (is {y_test[i].item()})"),
                     color="k" if ok else "r", fontsize=9)
        ax.axis("off")
    save(fig, args.out, "digits_predictions.png")


if __name__ == "__main__":
    main()
