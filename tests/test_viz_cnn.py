"""te.viz CNN pictures: each function checked against a direct computation on a
small CNN with fixed weights (float64), bad input gets a clear error."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn


@pytest.fixture
def model():
    te.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
                      nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3)).double()
    return m.eval()


@pytest.fixture
def image():
    return te.tensor(np.random.default_rng(1).random((1, 10, 10)))


def test_filters_are_the_weights(model, tmp_path):
    w = te.viz.filters(model[0], path=tmp_path / "f.png")
    np.testing.assert_array_equal(w, model[0].weight.detach().numpy())
    assert (tmp_path / "f.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="filters: expected a Conv2d"):
        te.viz.filters(model[1])


def test_feature_maps_are_the_layer_output(model, image, tmp_path):
    maps = te.viz.feature_maps(model, image, model[1], path=tmp_path / "m.png")
    with te.no_grad():
        expected = model[1](model[0](image[None]))[0].detach().numpy()
    np.testing.assert_allclose(maps, expected)
    assert maps.shape == (4, 8, 8) and (tmp_path / "m.png").exists()
    assert "forward" not in model[1].__dict__                  # the wrapper is gone
    with pytest.raises(ValueError, match="not a module of the model"):
        te.viz.feature_maps(model, image, nn.ReLU())


def test_saliency_is_the_input_gradient(model, image, tmp_path):
    sal = te.viz.saliency(model, image, 2, path=tmp_path / "s.png")
    x = image[None].detach().requires_grad_()
    model(x)[0, 2].backward()
    np.testing.assert_allclose(sal, np.abs(x.grad.detach().numpy()[0, 0]))
    with pytest.raises(ValueError, match="saliency: target 3 is not a class"):
        te.viz.saliency(model, image, 3)
    with pytest.raises(ValueError, match=r"one image of shape \(C, H, W\)"):
        te.viz.saliency(model, te.zeros(2, 1, 10, 10), 0)


def test_occlusion_is_the_probability_with_a_grey_patch(model, image):
    heat = te.viz.occlusion(model, image, 1, patch=5)          # stride 5: 4 placements
    covered = image.detach().numpy().copy()
    covered[0, 5:, :5] = 0.5
    with te.no_grad():
        p = model(te.tensor(covered[None])).softmax(dim=1)[0, 1].item()
    assert heat[7, 2] == pytest.approx(p)
    heat1 = te.viz.occlusion(model, image, 1, patch=3, stride=1)
    assert heat1.shape == (10, 10) and not np.isnan(heat1).any()
    with pytest.raises(ValueError, match="occlusion: patch 11"):
        te.viz.occlusion(model, image, 1, patch=11)


def test_guided_backprop_drops_negative_gradients(model, image):
    guided = te.viz.guided_backprop(model, image, 0)
    plain = te.viz.saliency(model, image, 0)
    assert guided.shape == (1, 10, 10)
    assert not np.allclose(np.abs(guided[0]), plain)          # the guidance changes it
    # by hand: the same backward pass with every ReLU gradient clamped at 0
    x = image[None].detach().requires_grad_()
    h1 = model[0](x)
    a1 = model[1](h1)
    a1.register_hook(lambda g: g.clamp(min=0.0))
    h2 = model[3](model[2](a1))
    a2 = model[4](h2)
    a2.register_hook(lambda g: g.clamp(min=0.0))
    model[6](model[5](a2))[0, 0].backward()
    np.testing.assert_allclose(guided, x.grad.detach().numpy()[0])
    with pytest.raises(ValueError, match="no nn.ReLU"):
        te.viz.guided_backprop(nn.Sequential(nn.Flatten(), nn.Linear(100, 2)), image, 0)


def test_grad_cam_by_hand(model, image):
    cam = te.viz.grad_cam(model, image, 1, layer=model[3])
    x = image[None]
    a = model[3](model[2](model[1](model[0](x))))
    a.retain_grad()
    model[6](model[5](model[4](a)))[0, 1].backward()
    weights = a.grad.detach().numpy()[0].mean(axis=(1, 2))
    small = np.maximum((weights[:, None, None] * a.detach().numpy()[0]).sum(0), 0)
    expected = np.kron(small, np.ones((5, 5)))                # 2×2 → 10×10
    if expected.max() > 0:
        expected = expected / expected.max()
    np.testing.assert_allclose(cam, expected)
    assert cam.min() >= 0 and cam.max() <= 1
    with pytest.raises(ValueError, match="grad_cam: layer must be"):
        te.viz.grad_cam(model, image, 1, layer=model[6])


def test_activation_maximization_raises_the_unit(model, tmp_path):
    def score(img):
        with te.no_grad():
            return model(te.tensor(img[None]))[0, 2].item()
    found = te.viz.activation_maximization(model, model[6], 2, steps=100, lr=0.05,
                                           blur_every=0, input_shape=(1, 10, 10),
                                           path=tmp_path / "a.png")
    assert found.shape == (1, 10, 10) and found.min() >= 0 and found.max() <= 1
    gen = np.random.default_rng(0)                 # better than any of 50 random images
    best_random = max(score(gen.random((1, 10, 10))) for _ in range(50))
    assert score(found.astype(np.float64)) > best_random
    assert (tmp_path / "a.png").exists()
    with pytest.raises(ValueError, match="unit 3 is not a channel"):
        te.viz.activation_maximization(model, model[6], 3, steps=1, input_shape=(1, 10, 10))
    with pytest.raises(ValueError, match="steps must be at least 1"):
        te.viz.activation_maximization(model, model[6], 0, steps=0)
