"""viz.backward_steps: one frame per backward step and an offline stepping page."""
import html
import os
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.viz import backward_steps
from tinygrad_edu.viz.graph import HIGHLIGHT
from viz_helpers import named, needs_dot, neuron

pytestmark = needs_dot
CHROMIUM = "/usr/bin/chromium"


def test_one_frame_per_op_plus_the_forward_graph(tmp_path):
    o = neuron()
    frames = backward_steps(o, tmp_path)
    assert len(frames) == 5 + 1                         # 5 op nodes
    assert [os.path.basename(f) for f in frames] == [f"frame_{k:03d}.svg" for k in range(6)]
    texts = [open(f, encoding="utf-8").read() for f in frames]
    for t in texts:
        ET.fromstring(t.encode())
    texts = [html.unescape(t) for t in texts]
    assert ">grad " not in texts[0]                      # the forward graph: values only
    assert HIGHLIGHT["fillcolor"] not in texts[0]
    assert all(HIGHLIGHT["fillcolor"] in t for t in texts[1:])
    # step 1 is the Tanh (the engine starts at the root): n now knows its gradient
    assert "Tanh received ∂o/∂o = 1.0000" in texts[1] and "n ← 0.5000" in texts[1]
    # x1's gradient appears exactly from the step of Mul 1 (x1·w1) on
    known = [k for k, t in enumerate(texts) if "grad -1.5000" in t]
    assert known == list(range(known[0], 6)) and "Mul 1 received" in texts[known[0]]
    grads = [t.count(">grad ") for t in texts]
    assert grads == sorted(grads) and grads[0] == 0 and grads[-1] == 10
    page = open(tmp_path / "index.html", encoding="utf-8").read()
    assert '"frame_000.svg"' in page and '"frame_005.svg"' in page
    assert "ArrowRight" in page and "ArrowLeft" in page and "http" not in page


def test_partial_gradients_of_a_reused_tensor(tmp_path):
    x = named(3.0, "x")
    y = x * x + x
    frames = backward_steps(y, tmp_path)
    assert len(frames) == 3
    after_add = html.unescape(open(frames[1], encoding="utf-8").read())
    assert "partial: 1 of 3 messages so far" in after_add
    final = html.unescape(open(frames[2], encoding="utf-8").read())
    assert "grad 7.0000" in final and "sum over 3 uses" in final


def test_graph_freed_by_backward_still_steps(tmp_path):
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True, name="W")
    loss = (Tensor([[1.0, 2.0]]) @ w).sigmoid().sum()
    loss.backward()
    frames = backward_steps(loss, tmp_path)
    assert len(frames) == 4
    assert "grad [[" in open(frames[-1], encoding="utf-8").read()


def test_collapsed_and_truncated_frames(tmp_path):
    from tinygrad_edu import nn
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    loss = net(Tensor([[0.5, -1.0]])).sum()
    frames = backward_steps(loss, tmp_path / "c", collapse_modules=True)
    assert len(frames) == 4 + 1                      # Linear, Tanh, Linear, Sum
    texts = [open(f, encoding="utf-8").read() for f in frames]
    # step 2 is the backward of layer 2 (the engine goes root first): its box lights up
    assert "Linear 2 received" in texts[2] and HIGHLIGHT["fillcolor"] in texts[2]
    assert HIGHLIGHT["fillcolor"] not in texts[0]
    frames = backward_steps(loss, tmp_path / "t", max_nodes=3)
    assert len(frames) == 5 and "max_nodes=3" in open(frames[-1], encoding="utf-8").read()


def test_root_without_grad_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="does not require grad"):
        backward_steps(Tensor([1.0]) * 2, tmp_path)


def _screenshot(url: str, out: str, profile: str) -> np.ndarray:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--hide-scrollbars",
                    "--virtual-time-budget=2000", f"--screenshot={out}",
                    "--window-size=1400,700", url],
                   check=True, capture_output=True, timeout=90)
    import matplotlib.image
    return matplotlib.image.imread(out)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium not installed")
def test_page_steps_through_frames_in_headless_chromium(tmp_path):
    o = neuron()
    backward_steps(o, tmp_path / "steps")
    index = tmp_path / "steps" / "index.html"
    page = index.as_uri()
    # a copy of the page that, once loaded, presses "next" twice and the → key once,
    # through the page's own button and keyboard handlers
    pressed = tmp_path / "steps" / "pressed.html"
    presses = ('<script>document.getElementById("next").click();'
               'document.getElementById("next").click();'
               'document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight"}));'
               '</script></body>')
    pressed.write_text(index.read_text(encoding="utf-8").replace("</body>", presses),
                       encoding="utf-8")
    profile = str(tmp_path / "profile")
    first = _screenshot(page, str(tmp_path / "f0.png"), profile)
    third = _screenshot(page + "#3", str(tmp_path / "f3.png"), profile)
    after_presses = _screenshot(pressed.as_uri(), str(tmp_path / "p3.png"), profile)
    # three presses from frame 0 show exactly what the #3 link shows
    assert np.abs(after_presses[..., :3] - third[..., :3]).max() < 0.05
    for img in (first, third):
        assert img.shape[:2] == (700, 1400)
        assert img[..., :3].std() > 0.05                    # not a blank page
        # the graph was drawn: the output node's orange fill is on the screen
        orange = np.all(np.abs(img[..., :3] - np.array([1.0, 0.878, 0.698])) < 0.02, axis=-1)
        assert orange.sum() > 200
    assert np.abs(first[..., :3] - third[..., :3]).mean() > 0.002   # another frame
    # frame 3 highlights an op in yellow; frame 0 has no highlight
    yellow = np.array([1.0, 0.945, 0.463])
    assert not np.all(np.abs(first[..., :3] - yellow) < 0.02, axis=-1).any()
    assert np.all(np.abs(third[..., :3] - yellow) < 0.02, axis=-1).sum() > 200
