"""The browser pages in a real browser: Debian's chromium, driven by selenium.

One headless chromium serves the whole module (started once: it takes seconds). Each test
writes a page, opens it from ``file://``, presses keys or buttons, reads the DOM and compares
the numbers with ones worked out independently: the gradients of the tanh neuron of
Karpathy's micrograd lecture, and the prediction, delta and updated weights of HMKCODE's
"Backpropagation Step by Step" (a linear 2-2-1 network, inputs 2 and 3, target 1, weights
0.11 0.21 0.12 0.08 0.14 0.15, learning rate 0.05, error 1/2 (target - output)^2: prediction
0.191, delta -0.809, updated weights 0.12 0.23 0.13 0.10 0.17 0.17 to two decimals).

chromium and chromium-driver are Debian packages (``scripts/ensure-system-packages`` installs
them); selenium is told where the driver is, so it never tries to download one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import CHROMEDRIVER, CHROMIUM, chromium
from graphs import neuron
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

import nn
from autograd import Value
from autograd import sum as value_sum
from autograd.viz import save_html

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    # CI (and make test) installs them with scripts/ensure-system-packages --with-browser, so
    # there a missing browser is a failure; elsewhere the browser tests are skipped, loudly.
    message = "needs Debian's chromium and chromium-driver: run scripts/ensure-system-packages"
    if os.environ.get("CI"):
        raise RuntimeError(f"CI: {message} --with-browser")
    pytest.skip(message, allow_module_level=True)

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for every test here, with a fresh profile."""
    yield from chromium()


def open_page(browser: Any, path: Path) -> None:
    browser.get(path.resolve().as_uri())
    browser.get_log("browser")  # start each test with an empty console log
    browser.get_log("performance")
    assert browser.execute_script("return window.chainrulePage !== undefined")


def press(browser: Any, key: str, times: int = 1) -> None:
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(times):
        body.send_keys(key)


def counter(browser: Any) -> str:
    return str(browser.find_element(By.ID, "cr-counter").text)


def record(browser: Any, label: str) -> list[str]:
    """The texts of the drawn record whose first field is ``label``."""
    texts = browser.execute_script(
        "for (const g of document.querySelectorAll('#cr-drawing g.node')) {"
        "  const t = Array.from(g.querySelectorAll('text'), e => e.textContent);"
        "  if (t[0] === arguments[0]) return t; }"
        "return null;", label)
    assert texts is not None, f"no record {label!r} in the drawing"
    return list(texts)


def element_texts(browser: Any, element_id: str) -> list[str]:
    return list(browser.execute_script(
        "return Array.from(document.getElementById(arguments[0]).querySelectorAll('text'),"
        " e => e.textContent)", element_id))


def number(text: str, prefix: str) -> float:
    assert text.startswith(prefix), (text, prefix)
    return float(text[len(prefix):])


def console_errors(browser: Any) -> list[Any]:
    return [entry for entry in browser.get_log("browser") if entry["level"] != "INFO"]


@pytest.fixture(scope="module")
def neuron_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    o, _ = neuron()
    return save_html(o, tmp_path_factory.mktemp("pages") / "neuron.html",
                     show_local_grads=True)


def hmkcode(tmp: Path, *, inputs: list[list[float]] | None = None, steps: int = 1) -> Path:
    model = nn.MLP(2, [2, 1], activation="linear", bias=False)
    for weight, value in zip(model.parameters(), [0.11, 0.21, 0.12, 0.08, 0.14, 0.15],
                             strict=True):
        weight.data = value
    examples = inputs or [[2.0, 3.0]]
    return nn.save_network_html(
        model, tmp / "hmkcode.html", examples, [1.0] * len(examples), steps=steps,
        loss=lambda output, target: 0.5 * (target - output) ** 2,
        optimizer=nn.optim.SGD(model.parameters(), lr=0.05))


# ------------------------------------------------------------------------- the graph page


def test_step_zero_shows_only_the_leaves_values(browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    assert counter(browser) == "step 0 of 11"
    assert record(browser, "x1")[1:] == ["data 2", "grad ·"]
    assert record(browser, "o")[1:] == ["data ·", "grad ·"]


def test_forward_steps_reveal_values_in_topological_order(browser: Any,
                                                          neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    press(browser, Keys.ARROW_RIGHT, 4)
    assert record(browser, "o")[1] == "data ·"  # tanh is the fifth op
    press(browser, Keys.ARROW_RIGHT)
    assert counter(browser) == "step 5 of 11"
    assert number(record(browser, "o")[1], "data ") == pytest.approx(2 ** -0.5, abs=5e-5)
    press(browser, Keys.ARROW_LEFT)
    assert record(browser, "o")[1] == "data ·"


def test_end_shows_the_lecture_gradients(browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    press(browser, Keys.END)
    assert counter(browser) == "step 11 of 11"
    published = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5, "o": 1.0}
    for label, gradient in published.items():
        assert number(record(browser, label)[-1], "grad ") == pytest.approx(gradient, abs=5e-5)
    assert "End of the backward pass" in browser.find_element(By.ID, "cr-caption").text


def test_home_goes_back_to_step_zero(browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    press(browser, Keys.END)
    press(browser, Keys.HOME)
    assert counter(browser) == "step 0 of 11"
    assert record(browser, "x1")[-1] == "grad ·"


def test_backward_step_shows_upstream_times_local_equals_contribution(
        browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    press(browser, Keys.ARROW_RIGHT, 7)  # 5 forward steps, the seed, then tanh's step
    assert "(tanh)" in browser.find_element(By.ID, "cr-caption").text
    cells = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#cr-rows td")]
    upstream, local, contribution = (float(text) for text in cells[1:4])
    assert upstream == 1.0
    assert local == pytest.approx(0.5, abs=5e-5)  # 1 - tanh(n)^2 = 1 - 1/2
    assert contribution == pytest.approx(0.5, abs=5e-5)


def test_buttons_step_reset_and_end(browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    click = {name: browser.find_element(By.ID, f"cr-{name}")
             for name in ("next", "previous", "reset", "end")}
    click["next"].click()
    click["next"].click()
    click["previous"].click()
    assert counter(browser) == "step 1 of 11"
    click["end"].click()
    assert counter(browser) == "step 11 of 11"
    click["reset"].click()
    assert counter(browser) == "step 0 of 11"


def test_play_advances_and_pause_stops(browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    browser.execute_script("document.getElementById('cr-speed').value = '8'")
    browser.find_element(By.ID, "cr-play").click()
    deadline = time.monotonic() + 10
    while counter(browser) in ("step 0 of 11", "step 1 of 11") and time.monotonic() < deadline:
        time.sleep(0.05)
    browser.find_element(By.ID, "cr-pause").click()
    stopped = counter(browser)
    assert stopped not in ("step 0 of 11", "step 1 of 11")
    time.sleep(0.5)
    assert counter(browser) == stopped


def test_clicking_a_node_shows_its_op_inputs_local_derivative_and_gradient(
        browser: Any, neuron_page: Path) -> None:
    open_page(browser, neuron_page)
    press(browser, Keys.END)
    browser.execute_script(
        "for (const g of document.querySelectorAll('#cr-drawing g.node')) {"
        "  if (g.querySelector('text').textContent === 'o') {"
        "    g.dispatchEvent(new MouseEvent('click', {bubbles: true})); } }")
    card = browser.find_element(By.ID, "cr-info").text
    assert "tanh" in card
    lines = dict(zip([e.text for e in browser.find_elements(By.CSS_SELECTOR, "#cr-info dt")],
                     [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#cr-info dd")],
                     strict=True))
    (local,) = [value for key, value in lines.items() if key.startswith("local d(o)/d(")]
    assert float(local) == pytest.approx(0.5, abs=5e-5)
    assert float(lines["grad d(o)/d(this)"]) == 1.0


def requested_urls(browser: Any) -> list[str]:
    """The URLs of every request sent since the performance log was last read, except the
    browser's own pages (``chrome://``: its new-tab page loads while it starts) and inline
    ``data:`` URLs (no network)."""
    messages = [json.loads(entry["message"])["message"]
                for entry in browser.get_log("performance")]
    urls = [message["params"]["request"]["url"] for message in messages
            if message["method"] == "Network.requestWillBeSent"]
    return [url for url in urls
            if not url.startswith(("chrome://", "chrome-untrusted://", "data:"))]


def test_no_request_leaves_the_page_and_the_console_stays_clean(
        browser: Any, neuron_page: Path, tmp_path: Path) -> None:
    browser.get_log("performance")
    browser.get(neuron_page.resolve().as_uri())
    press(browser, Keys.ARROW_RIGHT, 3)
    press(browser, Keys.END)
    assert requested_urls(browser) == [neuron_page.resolve().as_uri()]  # the page itself only
    entries = browser.execute_script(
        "return performance.getEntries().map(e => [e.entryType, e.name])")
    assert [name for kind, name in entries if kind == "resource"] == []
    assert console_errors(browser) == []
    assert browser.execute_script(
        "return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')"
        ".content.includes(\"default-src 'none'\")")
    shot = tmp_path / "neuron.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_labels_show_as_text_and_run_nothing(browser: Any, tmp_path: Path) -> None:
    x = Value(2.0, label='</script><script>window.hacked = 1</script>')
    y = (x * x).tanh()
    y.label = '<img src=x onerror="window.hacked = 2">"q"'
    open_page(browser, save_html(y, tmp_path / "hostile.html"))
    press(browser, Keys.END)
    assert browser.execute_script("return window.hacked === undefined")
    assert record(browser, y.label)[0] == y.label
    assert console_errors(browser) == []


def test_a_collapsed_graph_still_steps_through_every_op(browser: Any, tmp_path: Path) -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(1, 41)]
    total = value_sum([x * x for x in xs])
    total.label = "total"
    open_page(browser, save_html(total, tmp_path / "collapsed.html", max_nodes=20))
    assert counter(browser) == "step 0 of 83"  # 41 ops forward, the seed, 41 ops back
    outlined = browser.execute_script(
        "const seen = new Set();"
        "for (let k = 1; k <= chainrulePage.last; k++) { chainrulePage.goTo(k);"
        "  document.querySelectorAll('.cr-focus').forEach(e => seen.add(e.id)); }"
        "return Array.from(seen);")
    assert any(name.startswith("s") for name in outlined)  # a summary stood for hidden ops
    assert number(record(browser, "total")[1], "data ") == pytest.approx(22140)  # sum of i^2
    assert console_errors(browser) == []


# ------------------------------------------------------------------------ the network page


def weights_shown(browser: Any) -> list[float]:
    """w1..w6 in HMKCODE's order, as the edges show them."""
    edges = ["w0_0_0", "w0_0_1", "w0_1_0", "w0_1_1", "w1_0_0", "w1_0_1"]
    return [number(element_texts(browser, edge)[0], "w ") for edge in edges]


def test_network_page_starts_from_the_published_weights(browser: Any, tmp_path: Path) -> None:
    open_page(browser, hmkcode(tmp_path))
    assert counter(browser) == "step 0 of 6"
    assert weights_shown(browser) == [0.11, 0.21, 0.12, 0.08, 0.14, 0.15]


def test_network_page_forward_and_loss_give_the_published_prediction_and_delta(
        browser: Any, tmp_path: Path) -> None:
    open_page(browser, hmkcode(tmp_path))
    press(browser, Keys.ARROW_RIGHT, 2)  # both layers forward
    output = element_texts(browser, "n1_0")
    assert number(output[1], "a ") == pytest.approx(0.191, abs=5e-4)
    press(browser, Keys.ARROW_RIGHT, 2)  # the loss, then the output layer backward
    assert number(element_texts(browser, "n1_0")[2], "δ ") == pytest.approx(-0.809, abs=5e-4)


def test_network_page_end_shows_the_published_updated_weights(browser: Any,
                                                              tmp_path: Path) -> None:
    open_page(browser, hmkcode(tmp_path))
    press(browser, Keys.END)
    assert counter(browser) == "step 6 of 6"
    assert [round(weight, 2) for weight in weights_shown(browser)] == [
        0.12, 0.23, 0.13, 0.10, 0.17, 0.17]
    assert console_errors(browser) == []


def test_network_page_example_menu_switches_the_activations(browser: Any,
                                                            tmp_path: Path) -> None:
    open_page(browser, hmkcode(tmp_path, inputs=[[2.0, 3.0], [1.0, 1.0]]))
    press(browser, Keys.ARROW_RIGHT)  # the hidden layer forward
    assert number(element_texts(browser, "n0_0")[1], "a ") == pytest.approx(0.85)  # 2w1 + 3w2
    browser.execute_script(
        "const menu = document.getElementById('cr-example'); menu.value = '1';"
        "menu.dispatchEvent(new Event('change'));")
    assert number(element_texts(browser, "n0_0")[1], "a ") == pytest.approx(0.32)  # w1 + w2


def test_network_page_timeline_jumps_to_a_training_step(browser: Any, tmp_path: Path) -> None:
    open_page(browser, hmkcode(tmp_path, steps=3))
    marks = browser.find_elements(By.CSS_SELECTOR, "#cr-timeline button")
    assert len(marks) == 3
    marks[1].click()
    assert counter(browser) == "step 7 of 18"  # 6 page steps per training step
    assert "cr-current" in marks[1].get_attribute("class")


def test_moons_network_page_is_small_and_steps_quickly(browser: Any, tmp_path: Path) -> None:
    points, labels = nn.data.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    path = nn.save_network_html(model, tmp_path / "moons.html", points, labels,
                                loss=nn.losses.hinge, steps=5,
                                optimizer=nn.optim.SGD(model.parameters(), lr=0.05))
    size = path.stat().st_size
    assert size < 3_000_000
    open_page(browser, path)
    times = browser.execute_script(
        "const times = [];"
        "for (let k = 1; k <= chainrulePage.last; k++) { const start = performance.now();"
        "  chainrulePage.goTo(k); document.body.getBoundingClientRect();"
        "  times.push(performance.now() - start); }"
        "return times;")
    print(f"moons 2-16-16-1 page: {size:,} bytes, {len(times)} steps, "
          f"per step max {max(times):.1f} ms, mean {sum(times) / len(times):.1f} ms")
    assert max(times) < 1000  # loose: the measured figure is in the README
    assert console_errors(browser) == []


# ------------------------------------------------------- what each step may show, and where


def shown_texts(browser: Any) -> str:
    """Every text the page shows now: heading, timeline, caption, table, the drawing's texts,
    and the card of every element that has one (each clicked in turn)."""
    return str(browser.execute_script(
        "const parts = [document.querySelector('header').innerText,"
        "  document.getElementById('cr-timeline').innerText,"
        "  document.getElementById('cr-step').innerText];"
        "document.querySelectorAll('#cr-drawing text').forEach(t => parts.push(t.textContent));"
        "for (const g of document.querySelectorAll('#cr-drawing g.node, #cr-drawing g.edge')) {"
        "  g.dispatchEvent(new MouseEvent('click', {bubbles: true}));"
        "  parts.push(document.getElementById('cr-info').innerText); }"
        "return parts.join('\\n');"))


def test_graph_page_shows_no_number_before_the_step_that_computes_it(
        browser: Any, neuron_page: Path) -> None:
    # the lecture's neuron: n = x1 w1 + x2 w2 + b = 0.8814 (the 4th op), o = tanh(n) = 1/√2
    # (the 5th); the backward pass starts at step 6 (the seed) and x1's gradient is -1.5
    open_page(browser, neuron_page)
    appears = {"0.8814": 4, "0.7071": 5, "-1.5": 7}
    for step in range(0, 12):
        browser.execute_script("chainrulePage.goTo(arguments[0])", step)
        texts = shown_texts(browser)
        for text, first in appears.items():
            if step < first:
                assert text not in texts, f"{text} shown at step {step}, before step {first}"
    browser.execute_script("chainrulePage.goTo(5)")
    assert "0.7071" in shown_texts(browser)
    browser.execute_script("chainrulePage.goTo(4)")
    assert "0.8814" in shown_texts(browser)


def test_network_page_shows_a_training_step_s_loss_only_from_its_loss_step(
        browser: Any, tmp_path: Path) -> None:
    # HMKCODE: the prediction 0.191 at page step 2 (the output layer's forward step), the
    # loss 1/2 (1 - 0.191)^2 = 0.3272 at step 3
    open_page(browser, hmkcode(tmp_path))
    mark = browser.find_element(By.CSS_SELECTOR, "#cr-timeline button")
    for step in (0, 1, 2):
        browser.execute_script("chainrulePage.goTo(arguments[0])", step)
        texts = shown_texts(browser)
        assert "0.3272" not in texts, step
        assert ("0.191" in texts) == (step == 2), step
        assert mark.text == "step 1"
    browser.execute_script("chainrulePage.goTo(3)")
    assert mark.text == "step 1 · loss 0.3272"
    assert "0.3272" in shown_texts(browser)


def network(tmp: Path, sizes: list[int]) -> Path:
    model = nn.MLP(sizes[0], sizes[1:], seed=1)
    points, labels = nn.data.make_moons(4, noise=0.1, seed=1)
    return nn.save_network_html(model, tmp / f"net{'-'.join(map(str, sizes))}.html", points,
                                labels, loss=nn.losses.hinge,
                                optimizer=nn.optim.SGD(model.parameters(), lr=0.05))


#: For every weight's edge: its label's centre and the ends of its line, in pixels of the page.
LABELS_AND_EDGES = """
const result = [];
for (const edge of document.querySelectorAll('#cr-drawing g.edge')) {
  if (!/^w\\d+_\\d+_\\d+$/.test(edge.id)) continue;
  const texts = Array.from(edge.querySelectorAll('text'));
  const path = edge.querySelector('path');
  const matrix = path.getScreenCTM();
  const ends = [0, path.getTotalLength()].map(at => {
    const p = path.getPointAtLength(at);
    return [matrix.a * p.x + matrix.c * p.y + matrix.e, matrix.b * p.x + matrix.d * p.y + matrix.f];
  });
  const boxes = texts.map(t => t.getBoundingClientRect());
  const left = Math.min(...boxes.map(b => b.left)), right = Math.max(...boxes.map(b => b.right));
  const top = Math.min(...boxes.map(b => b.top)), bottom = Math.max(...boxes.map(b => b.bottom));
  result.push({id: edge.id, texts: texts.length, centre: [(left + right) / 2, (top + bottom) / 2],
               ends: ends, quiet: edge.classList.contains('cr-quiet'),
               box: [left, top, right, bottom]});
}
return result;
"""


def distance_to_segment(point: list[float], ends: list[list[float]]) -> float:
    (px, py), ((ax, ay), (bx, by)) = point, ends
    dx, dy = bx - ax, by - ay
    share = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return float(((px - ax - share * dx) ** 2 + (py - ay - share * dy) ** 2) ** 0.5)


@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 4, 4, 1], [2, 16, 16, 1]],
                         ids=["2-2-1", "2-4-4-1", "2-16-16-1"])
def test_network_page_writes_each_weight_on_its_own_edge(browser: Any, tmp_path: Path,
                                                         sizes: list[int]) -> None:
    open_page(browser, network(tmp_path, sizes))
    found = browser.execute_script(LABELS_AND_EDGES)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    assert len(found) == weights
    assert all(edge["texts"] == 2 for edge in found)  # w and its gradient
    off = [edge["id"] for edge in found if distance_to_segment(edge["centre"], edge["ends"]) > 3]
    assert off == []


def test_network_page_labels_in_view_do_not_cover_each_other(browser: Any,
                                                             tmp_path: Path) -> None:
    open_page(browser, network(tmp_path, [2, 4, 4, 1]))
    shown = [edge["box"] for edge in browser.execute_script(LABELS_AND_EDGES)
             if not edge["quiet"]]
    assert len(shown) >= 10  # most of the 28 stay in view
    for k, (left, top, right, bottom) in enumerate(shown):
        for other in shown[k + 1:]:
            assert not (left < other[2] and other[0] < right
                        and top < other[3] and other[1] < bottom)


def test_network_page_shows_a_covered_label_while_its_edge_is_hovered(
        browser: Any, tmp_path: Path) -> None:
    open_page(browser, network(tmp_path, [2, 4, 4, 1]))
    quiet = next(edge for edge in browser.execute_script(LABELS_AND_EDGES) if edge["quiet"])
    visibility = ("return getComputedStyle(document.getElementById(arguments[0])"
                  ".querySelector('text')).visibility")
    assert browser.execute_script(visibility, quiet["id"]) == "hidden"
    (ax, ay), (bx, by) = quiet["ends"]
    for share in (0.2, 0.35, 0.5, 0.65, 0.8):  # a point of the line that no other edge covers
        x, y = ax + share * (bx - ax), ay + share * (by - ay)
        hit = browser.execute_script(
            "const e = document.elementFromPoint(arguments[0], arguments[1]);"
            "return e && e.closest('g.edge') ? e.closest('g.edge').id : null;", x, y)
        if hit == quiet["id"]:
            break
    else:
        pytest.fail(f"no point of {quiet['id']} can be hovered")
    webdriver.ActionChains(browser).move_to_element_with_offset(
        browser.find_element(By.TAG_NAME, "body"), 0, 0).perform()
    browser.execute_cdp_cmd("Input.dispatchMouseEvent",
                            {"type": "mouseMoved", "x": x, "y": y})
    assert browser.execute_script(visibility, quiet["id"]) == "visible"
    assert browser.find_element(By.CSS_SELECTOR, "#cr-info h2").text.endswith(
        ".w." + quiet["id"].split("_")[-1])  # its card too


@pytest.fixture
def window(browser: Any) -> Iterator[Any]:
    """Sets the page's viewport to a size for one test (then back to the window's)."""
    def resize(width: int, height: int) -> None:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    yield resize
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("size", [(1280, 800), (800, 600)], ids=["1280x800", "800x600"])
@pytest.mark.parametrize("sizes", [[2, 4, 4, 1], [2, 16, 16, 1]], ids=["2-4-4-1", "2-16-16-1"])
def test_network_page_fits_the_window(browser: Any, window: Any, tmp_path: Path,
                                      size: tuple[int, int], sizes: list[int]) -> None:
    window(*size)
    open_page(browser, network(tmp_path, sizes))
    assert browser.execute_script("return [innerWidth, innerHeight]") == list(size)
    last = len(sizes) - 2
    names = [f"x{i}" for i in range(sizes[0])] + [f"n{last}_0", "loss"]
    outside = browser.execute_script(
        "return arguments[0].filter(id => { const r = document.getElementById(id)"
        "  .getBoundingClientRect();"
        "  return r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight; })",
        names)
    assert outside == []
