"""viz.explore: the interactive explorer page, driven in headless Chromium."""
import json
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz import backward_steps, explore
from viz_helpers import named, needs_dot, neuron, neuron_and_leaves

pytestmark = needs_dot
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def page_data(page) -> dict:
    """The DATA object the page's script reads (a JSON literal in the page)."""
    text = page.html.split("const DATA = ", 1)[1].split(";\n</script>", 1)[0]
    return json.loads(text)


def unit(data: dict, name: str) -> tuple[str, dict]:
    found = [(k, u) for k, u in data["units"].items() if u["name"] == name]
    assert len(found) == 1, name
    return found[0]


# ---------------------------------------------------------------- without a browser
def test_one_self_contained_file(tmp_path):
    page = explore(neuron(), tmp_path / "n")
    assert page.path == str(tmp_path / "n.html") and os.path.exists(page.path)
    text = open(page.path, encoding="utf-8").read()
    assert text == page.html and text.startswith("<!DOCTYPE html>")
    assert "<svg" in text and "const DATA" in text and "function" in text
    # nothing is fetched at view time: no external script, style, image or font
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", text)
    assert not re.search(r"<link[^>]*stylesheet", text)
    assert "@import" not in text and "url(http" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_page_data_of_the_neuron():
    o, leaves = neuron_and_leaves()
    data = page_data(explore(o, None))
    _, w1 = unit(data, "w1")
    assert w1["value"]["text"] == "-3.0000" and w1["grad"]["text"] == "1.0000"
    _, tanh = unit(data, "Tanh")
    assert tanh["formula"] == type(o.grad_fn).formula
    assert tanh["incoming"] == "1.0000" and tanh["inputs"][0]["jacobian"] == [["0.5000"]]
    assert tanh["inputs"][0]["message"] == "0.5000"
    assert len(data["frames"]) == 5 + 1
    assert data["units"][data["frames"][1]["op"]]["name"] == "Tanh"   # backward starts at the root
    assert "Chain rule for ∂o/∂w1" in data["explain"][unit(data, "w1")[0]]


def test_jacobians_and_messages_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    b = np.array([0.3, -0.2, 0.1])
    x, w = named(a, "x"), named(b, "w")
    y = (x * w).sigmoid()
    y.name = "y"
    loss = y.sum()
    data = page_data(explore(loss, None))
    _, mul = unit(data, "Mul")
    jx = np.array(mul["inputs"][0]["jacobian"], dtype=float)
    jw = np.array(mul["inputs"][1]["jacobian"], dtype=float)
    tx, tw = torch.tensor(a), torch.tensor(b)
    ref_x, ref_w = torch.autograd.functional.jacobian(lambda p, q: p * q, (tx, tw))
    np.testing.assert_allclose(jx, ref_x.reshape(6, 6).detach().numpy(), atol=1e-4)
    np.testing.assert_allclose(jw, ref_w.reshape(6, 3).detach().numpy(), atol=1e-4)
    assert mul["inputs"][1]["broadcast"] == "(2, 3)"        # summed back to w's shape
    tw.requires_grad_(True)
    (tx * tw).sigmoid().sum().backward()
    _, wu = unit(data, "w")
    np.testing.assert_allclose(np.array(json.loads(wu["grad"]["text"])), tw.grad.detach().numpy(),
                               rtol=1e-3)


def test_big_tensors_get_a_summary_and_a_heatmap():
    a = np.linspace(-1, 1, 40 * 30).reshape(40, 30)
    w = named(a, "W")
    data = page_data(explore((w * 2).sum(), None))
    _, wu = unit(data, "W")
    assert wu["value"]["text"].startswith("mean ")
    heat = np.array(wu["value"]["heat"]["grid"])
    assert wu["value"]["heat"]["note"] == "each cell: the mean of up to 2×2 elements"
    assert heat.shape == (24, 24)
    # block means: 40 rows in 24 blocks of 2 or 1 rows, 30 columns in blocks of 2 or 1
    assert heat[0, 0] == pytest.approx(a[:2, :2].mean(), abs=1e-3)
    assert heat[-1, -1] == pytest.approx(a[-1, -1], abs=1e-3)
    _, mul = unit(data, "Mul")
    assert mul["inputs"][0]["jacobian"] is None            # too big to show


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        explore(neuron(), tmp_path / "a.html", rankdir="XY")
    with pytest.raises(ValueError, match="open_browser"):
        explore(neuron(), None, open_browser=True)
    with pytest.raises(TypeError, match="expected a Tensor"):
        explore(np.ones(3), tmp_path / "b.html")


def test_jupyter_shows_the_page_inline():
    page = explore(neuron(), None)
    assert page.path is None
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;svg" in frame
    with pytest.raises(TypeError, match="not written"):
        os.fspath(page)


def test_a_tensor_without_grad_is_one_node_and_no_backward():
    data = page_data(explore(Tensor([1.0, 2.0]) * 3, None))    # no graph was recorded
    assert len(data["frames"]) == 1 and data["explain"] == {}
    assert [(u["name"], u["grad"]) for u in data["units"].values()] == [("t1", None)]


def test_cli_explore_writes_the_page(tmp_path, capsys):
    from tinygrad_edu import cli
    out = tmp_path / "pages" / "neuron.html"
    assert cli.main(["explore", "tanh(x*w + b)", "--set", "x=2", "--set", "w=-3",
                     "--set", "b=6.88", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dout/dw = 1.00194" in printed and f"explorer written to {out}" in printed
    data = page_data(te.viz.ExplorerPage(out.read_text(encoding="utf-8"), str(out)))
    assert unit(data, "w")[1]["value"]["text"] == "-3.0000"
    assert cli.main(["explore", "-x*w", "--set", "x=2", "--set", "w=-3",
                     "--out", str(tmp_path / "neg.html")]) == 0        # a leading minus
    assert cli.main(["explore", "x*w", "--set", "x=2", "--set", "w=3",
                     "--out", str(tmp_path / "g.svg")]) == 2
    assert "give a .html file" in capsys.readouterr().err
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.slow
def test_demo_writes_the_training_step_explorer(tmp_path, capsys):
    from tinygrad_edu import cli
    assert cli.main(["demo", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert f"wrote {tmp_path / 'explore.html'}" in capsys.readouterr().out
    text = (tmp_path / "explore.html").read_text(encoding="utf-8")
    data = page_data(te.viz.ExplorerPage(text, None))
    titles = sorted(m["title"] for m in data["modules"].values())
    assert titles == ["0: Linear", "1: ReLU", "2: Linear", "CrossEntropyLoss", "Sequential"]
    weight = unit(data, "0.weight")[1]
    assert weight["shape"] == "(128, 64)" and weight["grad"]["heat"] is not None
    assert "Chain rule for ∂loss/∂0.weight[0, 0]" in data["explain"][unit(data, "0.weight")[0]]


# ---------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed "
                                    "(pip install selenium; scripts/test.sh does)")
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Chromium and chromedriver are needed (apt-get install chromium "
                    "chromium-driver; scripts/test.sh does as root)")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="explore-chromium-")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                f"--user-data-dir={profile}", "--window-size=1400,850"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def show(browser, tmp_path):
    """Open a page; after the test, the browser console must have no errors and a
    screenshot of the last state is left in tmp_path (look at it)."""
    def _open(page):
        browser.get_log("browser")                        # drop what earlier tests logged
        browser.get("file://" + os.path.abspath(page.path))
        return browser
    yield _open
    browser.save_screenshot(str(tmp_path / "last.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def by_name(d, name):
    return d.find_element("css selector", f'g.node[data-name="{name}"]')


def grad_lines(g):
    """The gradient lines of a tensor node as the picture shows them now."""
    return [ln for ln in g.text.splitlines() if ln.startswith("grad")]


def text(d, css):
    return d.find_element("css selector", css).text


def key(d, k, times=1):
    from selenium.webdriver.common.action_chains import ActionChains
    for _ in range(times):
        ActionChains(d).send_keys(k).perform()


def test_click_w1_shows_its_value_gradient_and_path(show, tmp_path):
    d = show(explore(neuron(), tmp_path / "neuron.html"))
    by_name(d, "w1").click()
    assert text(d, "#p-name") == "w1"
    assert float(text(d, "#p-value")) == -3.0
    assert float(text(d, "#p-grad")) == pytest.approx(1.0, abs=1e-4)
    assert "from Mul 1" in text(d, "#p-messages")
    assert "Chain rule for ∂o/∂w1" in text(d, "#p-explain")
    on_path = {g.get_attribute("data-name") for g in
               d.find_elements("css selector", "g.node.onpath")}
    assert on_path == {"Mul 1", "mul1", "Add 1", "add1", "Add 2", "n", "Tanh", "o"}
    assert "x2" not in on_path and "b" not in on_path
    d.save_screenshot(str(tmp_path / "w1.png"))


def test_stepping_the_backward_pass_to_the_end(show, tmp_path):
    from selenium.webdriver.common.keys import Keys
    o = neuron()
    frames = backward_steps(o, tmp_path / "steps")
    last_op = re.search(r"step 5 of 5: (.+?) received", open(frames[-1], encoding="utf-8")
                        .read()).group(1)
    d = show(explore(o, tmp_path / "neuron.html"))
    assert text(d, "#count") == "step 5 of 5"             # opens with the backward pass done
    key(d, Keys.HOME)
    assert text(d, "#count") == "step 0 of 5" and "Forward pass done" in text(d, "#caption")
    assert d.find_elements("css selector", "g.current") == []
    assert grad_lines(by_name(d, "w1")) == [] and grad_lines(by_name(d, "o")) == []
    key(d, Keys.ARROW_RIGHT)
    assert text(d, "#count") == "step 1 of 5"
    assert d.find_element("css selector", "g.current").get_attribute("data-name") == "Tanh"
    assert "n ← 0.5000" in text(d, "#caption")
    assert grad_lines(by_name(d, "n")) == ["grad 0.5000"] and grad_lines(by_name(d, "w1")) == []
    by_name(d, "w1").click()
    assert "not known yet at step 1" in text(d, "#p-grad-later")
    d.find_element("id", "next").click()
    key(d, Keys.ARROW_RIGHT, 10)                          # stops at the last step
    assert text(d, "#count") == "step 5 of 5"
    assert not d.find_element("id", "next").is_enabled()
    current = d.find_element("css selector", "g.current")
    assert current.get_attribute("data-name") == last_op
    assert float(text(d, "#p-grad")) == pytest.approx(1.0, abs=1e-4)    # w1 again
    key(d, Keys.ARROW_LEFT)
    assert text(d, "#count") == "step 4 of 5"
    d.save_screenshot(str(tmp_path / "step4.png"))


def test_fan_out_shows_each_message_and_their_sum(show, tmp_path):
    from selenium.webdriver.common.keys import Keys
    x = named(3.0, "x")
    y = x * x + x                                       # x is used three times
    y.name = "y"
    d = show(explore(y, tmp_path / "fan.html"))
    by_name(d, "x").click()
    assert float(text(d, "#p-grad")) == pytest.approx(7.0)
    items = d.find_elements("css selector", "#p-messages li")
    assert len(items) == 3 and "sum" in text(d, "#panel") and "used 3 times" in text(d, "#panel")
    key(d, Keys.HOME)
    key(d, Keys.ARROW_RIGHT)                            # the Add sent 1 to x and 1 to x·x
    assert grad_lines(by_name(d, "x")) == ["grad: 1 of 3 messages so far"]
    assert "not sent yet" in text(d, "#p-messages")


def test_op_node_shows_formula_local_jacobian_and_vjp(show, tmp_path):
    o = neuron()
    d = show(explore(o, tmp_path / "neuron.html"))
    by_name(d, "Tanh").click()
    assert text(d, "#p-name") == "Tanh"
    assert text(d, "#p-formula") == type(o.grad_fn).formula
    assert float(text(d, "#p-jac-0")) == pytest.approx(0.5, abs=1e-4)   # 1 − tanh²(n)
    assert float(text(d, "#p-incoming")) == pytest.approx(1.0)
    assert float(text(d, "#p-msg-0")) == pytest.approx(0.5, abs=1e-4)
    # a vector op: the Jacobian as a table, one row per output element
    x = named(np.array([0.5, -1.0]), "x")
    s = x.sigmoid()
    s.name = "s"
    d = show(explore((s * 2).sum(), tmp_path / "vec.html"))
    by_name(d, "Sigmoid").click()
    rows = d.find_elements("css selector", "#p-jac-0 tr")
    sig = 1 / (1 + np.exp(-np.array([0.5, -1.0])))
    cells = [[float(c.text) for c in r.find_elements("css selector", "td")] for r in rows[1:]]
    np.testing.assert_allclose(cells, np.diag(sig * (1 - sig)), atol=1e-4)
    d.save_screenshot(str(tmp_path / "sigmoid.png"))


def _mlp_loss(layers: int = 2):
    te.manual_seed(0)
    mods = [nn.Linear(3, 4), nn.Tanh()]
    for _ in range(layers - 2):
        mods += [nn.Linear(4, 4), nn.Tanh()]
    net = nn.Sequential(*mods, nn.Linear(4, 1))
    return ((net(Tensor([[0.5, -1.0, 2.0], [1.0, 2.0, 3.0]])) - 1.0) ** 2).mean()


def test_collapse_and_expand_a_module_box(show, tmp_path):
    d = show(explore(_mlp_loss(), tmp_path / "mlp.html", collapse_modules=False))
    assert d.find_elements("css selector", "g.mbox") == []
    weight = by_name(d, "0.weight")
    assert weight.is_displayed()
    d.find_element("css selector", 'g.cluster[data-title="0: Linear"] text').click()
    boxes = d.find_elements("css selector", "g.mbox")
    assert len(boxes) == 1 and "0: Linear" in boxes[0].text and "weight (4, 3)" in boxes[0].text
    assert not weight.is_displayed() and not by_name(d, "Linear 1").is_displayed()
    assert by_name(d, "2.weight").is_displayed()         # the other layer stays open
    d.save_screenshot(str(tmp_path / "collapsed.png"))
    boxes[0].click()
    assert d.find_elements("css selector", "g.mbox") == []
    assert weight.is_displayed()


def test_big_graph_opens_collapsed_and_search_finds_a_node(show, tmp_path):
    from selenium.webdriver.common.keys import Keys
    d = show(explore(_mlp_loss(layers=12), tmp_path / "big.html"))
    boxes = d.find_elements("css selector", "g.mbox")
    assert len(boxes) == 23                               # 12 Linear + 11 Tanh: one box each
    assert not by_name(d, "6.weight").is_displayed()
    key(d, "/")
    key(d, "6.weight")
    assert d.find_element("css selector", "#results li").text.startswith("6.weight")
    key(d, Keys.ENTER)
    assert by_name(d, "6.weight").is_displayed() and text(d, "#p-name") == "6.weight"
    assert len(d.find_elements("css selector", "g.mbox")) == 22
    d.find_element("id", "collapse-all").click()
    assert len(d.find_elements("css selector", "g.mbox")) == 23
    d.save_screenshot(str(tmp_path / "big.png"))


class BadCube(te.Function):
    """z = a³ whose backward forgot a factor: 2a² instead of 3a²."""
    formula = "∂z/∂a = 3a²"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * 2 * a * a


def test_check_graph_verdict_marks_the_faulty_op_red(show, tmp_path):
    x = named(np.array([1.0, 2.0]), "x")
    loss = BadCube.apply(x.tanh()).sum()
    d = show(explore(loss, tmp_path / "bad.html", check=True))
    assert "1 wrong" in text(d, "#verdict")
    red = d.find_elements("css selector", "g.node.faulty")
    assert [g.get_attribute("data-name") for g in red] == ["BadCube"]
    red[0].click()
    assert "BAD" in text(d, "#p-check")
    d.save_screenshot(str(tmp_path / "bad.png"))
