"""tinygrad_edu.data: datasets, DataLoader, built-in data, the MNIST IDX reader."""
import gzip
import struct

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.data import (DataLoader, Dataset, TensorDataset, function_samples,
                               load_digits, load_mnist, logic_gate, logo_image,
                               painting_data, piecewise, read_idx, spirals,
                               train_test_split)


# ------------------------------------------------------------------ TensorDataset
def test_tensor_dataset_rows_and_length():
    x, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.detach().numpy(), [8, 9])
    assert yi.item() == 4 and yi.dtype == np.int64


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\(5, 2\), \(4,\)"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))


def test_list_data_defaults_to_float32():
    ds = TensorDataset([[0.5, 1.5]], [1])
    assert ds.tensors[0].dtype == np.float32 and ds.tensors[1].dtype == np.int64


# ------------------------------------------------------------------ DataLoader
def _loader_batches(loader):
    return [tuple(t.detach().numpy().copy() for t in batch) for batch in loader]


def test_loader_in_order_with_last_partial_batch():
    x = np.arange(10, dtype=np.float32)[:, None]
    loader = DataLoader(TensorDataset(x, np.arange(10)), batch_size=4)
    batches = _loader_batches(loader)
    assert len(loader) == 3 and [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.arange(10))
    assert all(isinstance(t, te.Tensor) for t in next(iter(loader)))
    assert not next(iter(loader))[0].requires_grad


def test_loader_drop_last():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape for b in loader] == [(4,), (4,)]


def test_loader_shuffle_is_a_permutation_that_changes_per_epoch():
    loader = DataLoader(TensorDataset(np.arange(50)), batch_size=7, shuffle=True, seed=3)
    e1 = np.concatenate([b[0].detach().numpy() for b in loader])
    e2 = np.concatenate([b[0].detach().numpy() for b in loader])
    assert sorted(e1.tolist()) == list(range(50)) == sorted(e2.tolist())
    assert not np.array_equal(e1, np.arange(50)) and not np.array_equal(e1, e2)


def test_loader_seed_repeats_and_global_seed_repeats():
    def epochs(**kw):
        loader = DataLoader(TensorDataset(np.arange(20)), batch_size=5, shuffle=True, **kw)
        return [np.concatenate([b[0].detach().numpy() for b in loader]) for _ in range(2)]
    a, b = epochs(seed=11), epochs(seed=11)
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    te.manual_seed(5)
    c = epochs()
    te.manual_seed(5)
    d = epochs()
    np.testing.assert_array_equal(np.stack(c), np.stack(d))


def test_loader_generic_dataset_is_stacked():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return te.tensor([float(i)]), te.tensor(i * i)

    xb, yb = next(iter(DataLoader(Squares(), batch_size=3)))
    assert xb.shape == (3, 1)
    np.testing.assert_array_equal(yb.detach().numpy(), [0, 1, 4])


def test_loader_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.arange(3)), batch_size=0)


def test_train_test_split_partitions_rows_consistently():
    x = np.arange(20, dtype=np.float32)[:, None]
    y = np.arange(20)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, seed=0)
    assert xtr.shape == (15, 1) and xte.shape == (5, 1)
    np.testing.assert_array_equal(xtr.detach().numpy()[:, 0], ytr.detach().numpy())
    assert sorted(np.concatenate([ytr.detach().numpy(), yte.detach().numpy()]).tolist()) == list(range(20))


# ------------------------------------------------------------------ built-in data
@pytest.mark.parametrize("gate,expected", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]),
                                           ("NAND", [1, 1, 1, 0]), ("xor", [0, 1, 1, 0])])
def test_logic_gates(gate, expected):
    x, y = logic_gate(gate)
    np.testing.assert_array_equal(x.detach().numpy(), [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert y.tolist() == expected


def test_logic_gate_unknown():
    with pytest.raises(ValueError, match="unknown gate 'XNOT'"):
        logic_gate("XNOT")


def test_spirals_shapes_radii_and_seed():
    x, y = spirals(n_per_class=50, n_classes=3, seed=0)
    assert x.shape == (150, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y.detach().numpy()).tolist() == [50, 50, 50]
    radius = np.hypot(x.detach().numpy()[:50, 0], x.detach().numpy()[:50, 1])
    np.testing.assert_allclose(radius, np.linspace(0, 1, 50), atol=1e-6)
    np.testing.assert_array_equal(x.detach().numpy(), spirals(50, 3, seed=0)[0].detach().numpy())


def test_function_samples_closed_forms():
    x, y = function_samples("linear", n=5)
    np.testing.assert_allclose(y.detach().numpy()[:, 0], 2 * x.detach().numpy()[:, 0] + 5, rtol=1e-6)
    x, y = function_samples("sin", n=7)
    np.testing.assert_allclose(y.detach().numpy()[:, 0], 2 * np.sin(x.detach().numpy()[:, 0]) + 5, atol=1e-6)
    assert x.shape == (7, 1) and y.dtype == np.float32
    with pytest.raises(ValueError, match="unknown function"):
        function_samples("cosh")


def test_piecewise_both_branches():
    np.testing.assert_allclose(piecewise(np.array([-0.25])), [-0.25 * np.sin(-np.pi / 2)])
    np.testing.assert_allclose(piecewise(np.array([0.5])),
                               [-0.5 * np.sin(np.pi / 2) + np.exp(0.25) - 1])
    assert piecewise(np.array([0.0]))[0] == 0.0


def test_function_samples_noise_is_seeded():
    a = function_samples("sin", n=30, noise=0.1, seed=1)[1].detach().numpy()
    b = function_samples("sin", n=30, noise=0.1, seed=1)[1].detach().numpy()
    clean = function_samples("sin", n=30)[1].detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert 0.02 < np.std(a - clean) < 0.3


def test_logo_and_painting_data():
    img = logo_image(32)
    assert img.shape == (32, 32, 3) and img.dtype == np.float32
    assert 0 <= img.min() and img.max() <= 1
    coords, rgb, labels = painting_data(32)
    assert coords.shape == (1024, 2) and rgb.shape == (1024, 3) and labels.shape == (1024,)
    np.testing.assert_allclose([coords.detach().numpy().min(), coords.detach().numpy().max()], [-1, 1])
    np.testing.assert_array_equal(rgb.detach().numpy(), img.reshape(-1, 3))
    blue = labels.detach().numpy() == 1
    assert 0.2 < blue.mean() < 0.6              # both classes well represented
    # blue pixels are bluer than red; grey ones are (almost) neutral
    assert (rgb.detach().numpy()[blue, 2] > rgb.detach().numpy()[blue, 0] + 0.3).all()
    assert np.abs(rgb.detach().numpy()[~blue, 2] - rgb.detach().numpy()[~blue, 0]).max() < 0.06
    assert painting_data(32)[2].detach().numpy()[16 * 32 + 16] == 1     # the centre is on the "T"


def test_load_digits():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.detach().numpy().min() == 0 and x.detach().numpy().max() == 1
    assert sorted(set(y.tolist())) == list(range(10))
    assert load_digits(images=True)[0].shape == (1797, 1, 8, 8)


def test_load_digits_without_sklearn(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'tinygrad-edu\[datasets\]'"):
        load_digits()


# ------------------------------------------------------------------ MNIST IDX
def _idx_bytes(arr: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">HBB", 0, type_code, arr.ndim) + struct.pack(f">{arr.ndim}I",
                                                                       *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write_mnist(folder, n_train=6, n_test=4, gz=False, rng=None):
    rng = rng or np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for kind, arr, nd in (("images", images, 3), ("labels", labels, 1)):
            name = f"{split}-{kind}-idx{nd}-ubyte"
            data = _idx_bytes(arr)
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        arrays[split] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_idx_files(tmp_path, gz):
    arrays = _write_mnist(tmp_path, gz=gz)
    x_train, y_train, x_test, y_test = load_mnist(tmp_path)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(x_train.detach().numpy(), arrays["train"][0].reshape(6, -1) / 255.0,
                               rtol=1e-6)
    np.testing.assert_array_equal(y_test.detach().numpy(), arrays["t10k"][1])
    assert load_mnist(tmp_path, flatten=False)[2].shape == (4, 1, 28, 28)


def test_read_idx_other_types_and_shapes(tmp_path):
    arr = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5
    (tmp_path / "a.idx").write_bytes(_idx_bytes(arr, 0x0C))
    out = read_idx(tmp_path / "a.idx")
    np.testing.assert_array_equal(out, arr)
    assert out.dtype == np.int32


def test_read_idx_bad_magic(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x50\x4b\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match="not an IDX file .*0x504b0304"):
        read_idx(tmp_path / "bad")


def test_read_idx_truncated_data(tmp_path):
    data = _idx_bytes(np.zeros((3, 28, 28), np.uint8))
    (tmp_path / "t").write_bytes(data[:-10])
    with pytest.raises(ValueError, match=r"truncated: dimensions \(3, 28, 28\) need 2352 "
                                         r"bytes of data, found 2342"):
        read_idx(tmp_path / "t")
    (tmp_path / "h").write_bytes(data[:9])
    with pytest.raises(ValueError, match="truncated inside its header"):
        read_idx(tmp_path / "h")
    (tmp_path / "long").write_bytes(data + b"\x00")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(tmp_path / "long")


def test_read_idx_truncated_gzip(tmp_path):
    gz = gzip.compress(_idx_bytes(np.arange(1000, dtype=np.uint8)))
    (tmp_path / "x.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(ValueError, match="damaged or truncated gzip"):
        read_idx(tmp_path / "x.gz")


def test_load_mnist_missing_and_inconsistent_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(NotADirectoryError):
        load_mnist(tmp_path / "nope")
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match="has 4 images but .* has 3 labels"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros((4, 2), np.uint8)))
    with pytest.raises(ValueError, match="should hold uint8 labels"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.array([1, 2, 10, 3],
                                                                          np.uint8)))
    with pytest.raises(ValueError, match="should hold uint8 labels 0..9"):
        load_mnist(tmp_path)
    # the images and labels files swapped: labels where the images should be
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(4, np.uint8)))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(np.zeros(6, np.uint8)))
    with pytest.raises(ValueError, match=r"should hold uint8 images of shape \(N, rows, cols\)"):
        load_mnist(tmp_path)


def test_standardize_uses_training_statistics():
    from tinygrad_edu.data import standardize
    train = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]], dtype=np.float32)
    test = np.array([[2.0, 3.0]], dtype=np.float32)
    s_train, s_test = standardize(train, test, eps=0.5)
    std0 = np.std([0.0, 2.0, 4.0])
    np.testing.assert_allclose(s_train.detach().numpy()[:, 0], (np.array([0, 2, 4]) - 2) / (std0 + 0.5),
                               rtol=1e-6)
    np.testing.assert_allclose(s_train.detach().numpy()[:, 1], 0)          # constant column: 0, no nan
    np.testing.assert_allclose(s_test.detach().numpy(), [[0.0, 2.0 / 0.5]], rtol=1e-6)
    assert s_test.dtype == np.float32
