"""MNIST with ``load_mnist``: a 784-512-512-10 MLP trained with Adam.

Nothing is downloaded: get the four IDX files (train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)
from an MNIST mirror into a folder and run ``python examples/mnist.py --data
FOLDER`` (or set MNIST_DIR). Expect about 98 % test accuracy after 5 epochs
(roughly 5 s per epoch on 2 CPU cores). Without the files the script says so
and exits successfully.
"""
import os
import sys
from pathlib import Path

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, load_mnist
from tinygrad_edu.train import fit, plot_history
from _common import example_args

DEFAULT_DATA = Path(os.environ.get("MNIST_DIR", Path(__file__).resolve().parent / "data" / "mnist"))


def add_arguments(parser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"folder with the four MNIST IDX files (default: $MNIST_DIR "
                             f"or {DEFAULT_DATA})")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs (default 5)")


def main() -> None:
    args = example_args(__doc__.splitlines()[0], add_arguments)
    try:
        x_train, y_train, x_test, y_test = load_mnist(args.data)
    except (FileNotFoundError, NotADirectoryError) as exc:
        print(f"skipping the MNIST example: {exc}")
        print("get the four IDX files and run: python examples/mnist.py --data FOLDER")
        return
    except ValueError as exc:
        sys.exit(f"mnist: {exc}")
    epochs = args.epochs
    if args.quick:               # a smoke run on a slice of the data
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        epochs = 1
    print(f"MNIST: {len(x_train)} training and {len(x_test)} test images")
    te.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=128, shuffle=True,
                              seed=0)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                  train_loader, epochs, val_loader=test_loader)
    for e in range(epochs):
        print(f"epoch {e + 1}: loss {history['loss'][e]:.4f}, train accuracy "
              f"{history['accuracy'][e]:.2%}, test accuracy {history['val_accuracy'][e]:.2%}")
    path = plot_history(history, args.out / "mnist_history.png", title="MLP on MNIST")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
