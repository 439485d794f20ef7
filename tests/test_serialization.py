"""te.save / te.load: round trips, interop with np.savez and torch, and hostile files
(which must be refused without running any code from them)."""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor


def _state(rng):
    return {
        "fc1.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "fc1.bias": Tensor(rng.standard_normal(4).astype(np.float32)),
        "double": rng.standard_normal((2, 2, 2)),
        "steps": np.arange(5, dtype=np.int64),
        "small_int": np.array([[1, -2]], dtype=np.int32),
        "mask": np.array([True, False, True]),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3), np.float32),
        "fortran": np.asfortranarray(rng.standard_normal((3, 5))),
        "big_endian": np.arange(4, dtype=">f8"),
        "num_batches_tracked": Tensor(np.array(7)),
    }


def _check_round_trip(original, loaded):
    assert list(loaded) == list(original)                      # same keys, same order
    for key, value in original.items():
        want = value.detach().numpy() if isinstance(value, Tensor) else value
        got = loaded[key]
        assert isinstance(got, Tensor) and not got.requires_grad and got.grad_fn is None
        assert got.dtype == want.dtype and got.shape == want.shape, key
        np.testing.assert_array_equal(got.detach().numpy(), want)


def test_round_trip(tmp_path, rng):
    sd = _state(rng)
    path = tmp_path / "model.npz"
    te.save(sd, path)
    loaded = te.load(path)
    _check_round_trip(sd, loaded)
    loaded["fc1.weight"].data[0, 0] = 99.0                     # loaded arrays are writable
    assert loaded["fc1.weight"].detach().numpy().flags.writeable
    _check_round_trip(sd, te.load(str(path)))                  # str path too


def test_round_trip_file_object_and_any_extension(tmp_path, rng):
    sd = _state(rng)
    buf = io.BytesIO()
    te.save(sd, buf)
    buf.seek(0)
    _check_round_trip(sd, te.load(buf))
    te.save(sd, tmp_path / "weights.bin")                      # written exactly there
    assert os.listdir(tmp_path) == ["weights.bin"]
    _check_round_trip(sd, te.load(tmp_path / "weights.bin"))


def test_empty_dict(tmp_path):
    te.save({}, tmp_path / "e.npz")
    assert te.load(tmp_path / "e.npz") == {}


def test_numpy_interop(tmp_path, rng):
    sd = _state(rng)
    te.save(sd, tmp_path / "a.npz")
    with np.load(tmp_path / "a.npz", allow_pickle=False) as z:  # our files are plain npz
        assert z.files == list(sd)
        np.testing.assert_array_equal(z["double"], sd["double"])
    arrays = {"w": rng.standard_normal((2, 3)), "n": np.arange(3)}
    np.savez(tmp_path / "b.npz", **arrays)
    np.savez_compressed(tmp_path / "c.npz", **arrays)
    for name in ("b.npz", "c.npz"):
        _check_round_trip(arrays, te.load(tmp_path / name))


@pytest.mark.parametrize("bad,match", [
    ({"w": 1.0}, "value of 'w' is a float"),
    ({"w": [1.0, 2.0]}, "value of 'w' is a list"),
    ({"w": np.float32(1.0)}, "is a float32; only Tensors and ndarrays"),
    ({"w": np.array([{"a": 1}], dtype=object)}, "dtype object"),
    ({"w": np.array(["text"])}, "dtype <U4"),
    ({3: np.zeros(2)}, "keys must be non-empty strings, got 3"),
    ({"": np.zeros(2)}, "keys must be non-empty strings"),
])
def test_save_refuses_non_arrays(tmp_path, bad, match):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match=match):
        te.save({"ok": np.zeros(1), **bad}, path)
    assert not path.exists()                                   # nothing half-written


def test_save_refuses_non_mapping(tmp_path):
    with pytest.raises(TypeError, match="expected a dict"):
        te.save([np.zeros(2)], tmp_path / "x.npz")


# ------------------------------------------------------------------ hostile files
class _Payload:
    """Unpickling this runs ``os.system("touch <marker>")``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch '{self.marker}'",)


def test_object_array_with_code_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    evil = np.array([_Payload(marker)], dtype=object)
    np.savez(path, weight=np.zeros(3), evil=evil)              # savez pickles object arrays
    with pytest.raises(ValueError, match=r"'evil'.*dtype object.*pickle"):
        te.load(path)
    assert not marker.exists()
    # the payload is live: loading it the unsafe way does run it
    with np.load(path, allow_pickle=True) as z:
        z["evil"]
    assert marker.exists()


def test_object_array_hidden_in_an_npy_with_a_numeric_name(tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("fc.weight.npy", buf.getvalue())
    with pytest.raises(ValueError, match="object"):
        te.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["evil.npz", "evil.pkl", "evil.pt"])
def test_raw_pickle_file_is_refused_and_not_run(tmp_path, name):
    marker = tmp_path / "pwned"
    path = tmp_path / name
    path.write_bytes(pickle.dumps({"w": _Payload(marker)}))
    with pytest.raises(ValueError, match="not an .npz archive"):
        te.load(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())                            # the payload is live
    assert marker.exists()


def test_pickle_inside_the_zip_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data.pkl", pickle.dumps(_Payload(marker)))
    with pytest.raises(ValueError, match="unexpected entry 'data.pkl'"):
        te.load(path)
    assert not marker.exists()


def test_single_npy_file_is_refused(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        te.load(path)


def test_every_truncation_is_refused(tmp_path, rng):
    buf = io.BytesIO()
    te.save({"a": rng.standard_normal((3, 4)), "b": np.arange(7)}, buf)
    data = buf.getvalue()
    for cut in range(len(data)):
        with pytest.raises(ValueError, match="te.load"):
            te.load(io.BytesIO(data[:cut]))
    path = tmp_path / "t.npz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t\.npz.*truncated"):
        te.load(path)


def test_corrupted_data_is_refused(rng):
    buf = io.BytesIO()
    te.save({"a": rng.standard_normal(50)}, buf)
    data = bytearray(buf.getvalue())
    data[300] ^= 0xFF                                          # inside a's array bytes
    with pytest.raises(ValueError, match="CRC"):
        te.load(io.BytesIO(bytes(data)))


def test_header_announcing_more_data_than_present_is_refused():
    """A lying header (a huge shape) must not make load allocate that much."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 13,)})
    buf.write(np.zeros(4).tobytes())
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("w.npy", buf.getvalue())
    zbuf.seek(0)
    with pytest.raises(ValueError, match="announces"):
        te.load(zbuf)


def test_duplicate_keys_are_refused():
    zbuf = io.BytesIO()
    npy = io.BytesIO()
    np.save(npy, np.zeros(2))
    with zipfile.ZipFile(zbuf, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("w.npy", npy.getvalue())
        zf.writestr("w.npy", npy.getvalue())
    zbuf.seek(0)
    with pytest.raises(ValueError, match="'w' appears twice"):
        te.load(zbuf)


@pytest.mark.parametrize("content", [b"", b"hello, world\n", bytes(range(256)) * 4,
                                     b"PK\x03\x04" + b"\x00" * 40])
def test_garbage_is_refused(tmp_path, content):
    path = tmp_path / "garbage.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="garbage.npz"):
        te.load(path)


def test_random_bytes_are_refused(rng):
    for _ in range(20):
        blob = rng.integers(0, 256, size=int(rng.integers(1, 2000)), dtype=np.uint8)
        with pytest.raises(ValueError):
            te.load(io.BytesIO(blob.tobytes()))


def test_missing_file_directory_and_unreadable_file_each_say_so(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"nope.npz'\): no such file$"):
        te.load(tmp_path / "nope.npz")
    with pytest.raises(IsADirectoryError, match="is a directory, not a file"):
        te.load(tmp_path)
    path = tmp_path / "model.npz"
    te.save({"w": te.zeros(2)}, path)
    if os.geteuid() != 0:        # root may read anything: simulate the refusal instead
        path.chmod(0)
        with pytest.raises(PermissionError, match="permission denied"):
            te.load(path)
        path.chmod(0o644)
    import tinygrad_edu.serialization as ser

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(ser, "open", refuse, raising=False)
    with pytest.raises(PermissionError, match=r"model.npz'\): permission denied: the file "
                                              "exists but may not be read"):
        te.load(path)
    monkeypatch.undo()
    assert te.load(path)["w"].shape == (2,)


# ------------------------------------------------------------------ with nn, when present
def _needs_nn():
    if not (hasattr(te.nn, "Linear") and hasattr(te.nn, "Sequential")):
        pytest.skip("tinygrad_edu.nn not written yet")


def _model():
    return te.nn.Sequential(te.nn.Linear(3, 5), te.nn.ReLU(), te.nn.Linear(5, 2))


def test_model_state_dict_round_trip(tmp_path):
    _needs_nn()
    model = _model()
    te.save(model.state_dict(), tmp_path / "m.npz")
    fresh = _model()
    x = te.randn(4, 3)
    assert not np.allclose(fresh(x).detach().numpy(), model(x).detach().numpy())
    fresh.load_state_dict(te.load(tmp_path / "m.npz"))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_state_dict_goes_to_torch_and_back(tmp_path):
    _needs_nn()
    torch = pytest.importorskip("torch")
    model = _model()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    te.save(model.state_dict(), tmp_path / "m.npz")
    loaded = te.load(tmp_path / "m.npz")
    assert list(loaded) == list(tmodel.state_dict())
    tmodel.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in loaded.items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(tmodel(torch.from_numpy(x)).detach().numpy(),
                               model(Tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: a torch state dict converted with .detach().numpy() loads here
    torch.manual_seed(1)
    tmodel2 = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    te.save({k: v.detach().numpy() for k, v in tmodel2.state_dict().items()}, tmp_path / "t.npz")
    model.load_state_dict(te.load(tmp_path / "t.npz"))
    np.testing.assert_allclose(model(Tensor(x)).detach().numpy(),
                               tmodel2(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
