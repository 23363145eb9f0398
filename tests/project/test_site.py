"""The course site that ``make site`` builds into site/, and its playground in a real browser.

``make test`` builds the site before the tests run (``test: ... site`` in the Makefile); here the
built site is served on a loopback port (chromium refuses WebAssembly from file://) and opened in
Debian's headless chromium with every other host unresolvable. The playground's numbers are
compared with the same programs run here by the native engine, digit for digit: the playground
runs the project's own wheel in Pyodide, so any difference would be a bug in the site, not a
rounding matter. Pyodide starts once for the module.
"""

from __future__ import annotations

import ast
import functools
import http.server
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from browsers import chromium
from selenium.webdriver.common.by import By

import autograd
import autograd.viz
import nn
from autograd import Value

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
if not (SITE / "playground" / "index.html").is_file():
    raise RuntimeError("site/ is not built: run `make site` first (make test does)")

#: Every host but the loopback one is unresolvable: nothing can be fetched from elsewhere.
BLOCK_OTHER_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

# Only correctly rounded operations (+ - * /, sqrt, relu, abs): IEEE 754 fixes their results, so
# CPython compiled to WebAssembly must give the native numbers bit for bit.
PROGRAM = """\
x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(6.5, label="b")
n = w * x + b
n.label = "n"
h = n.relu() + (n * n + 1).sqrt() / (1 + x * x)
s = Value(0.7, label="s")
y = h * s - w / (s + 2) + abs(b - 7)
y.label = "y"
print("y =", y.data)
y
"""

# Transcendental functions come from the C library's libm: glibc natively, musl in Pyodide. They
# differ in the last bit now and then (measured on 2,000 random inputs in [-5, 5]: tanh 161,
# atan 143, sin 62, cos 55, exp 1, log 1, pow 2), so here the page and the native run agree to
# a relative 1e-12 rather than bit for bit.
TRANSCENDENTAL = """\
x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(6.8813735870195432, label="b")
h = (w * x + b).tanh()
s = Value(0.7, label="s")
y = h * s.sigmoid() + (x ** 3).log() - w.exp() / (1 + s ** 2)
y
"""

NETWORK = {"dataset": "moons", "layers": "8", "activation": "tanh", "loss": "hinge",
           "optimizer": "sgd", "lr": "0.1", "seed": "3"}


# --------------------------------------------------------------------------------------------
# The native side: the same programs and the same training, run here
# --------------------------------------------------------------------------------------------


def native_root(program: str) -> Value:
    """Runs ``program`` as a notebook cell (its prints go to stdout) and returns its last
    expression after backward()."""
    tree = ast.parse(program)
    namespace: dict[str, Any] = {"Value": Value, "autograd": autograd, "nn": nn, "math": math}
    exec(compile(ast.Module(tree.body[:-1], type_ignores=[]), "<test>", "exec"), namespace)
    root = eval(compile(ast.Expression(tree.body[-1].value), "<test>", "eval"), namespace)
    assert isinstance(root, Value)
    root.backward()
    return root


def native_leaves(program: str) -> dict[str, tuple[str, str]]:
    """Each leaf of ``program``'s root, by name, with (repr(data), repr(grad)) after backward()."""
    root = native_root(program)
    leaves = [node for node in autograd.topological_order(root, include_leaves=True)
              if not node.parents]  # named as the drawing names them: label, else v<i>
    names = {node: node.label or f"v{index}" for index, node in
             enumerate(autograd.topological_order(root, include_leaves=True))}
    return {names[leaf]: (repr(leaf.data), repr(leaf.grad)) for leaf in leaves}


def native_network(steps: int) -> tuple[list[str], nn.MLP, Callable[[], Value]]:
    """NETWORK's settings trained natively: the losses of each step, the model, and its loss."""
    X, labels = nn.data.make_moons(100, noise=0.1, seed=3)
    targets = [1.0 if label else -1.0 for label in labels]
    model = nn.MLP(2, [8, 1], activation="tanh", seed=3)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)

    def loss() -> Value:
        terms = [nn.losses.hinge(model(x), t) for x, t in zip(X, targets, strict=True)]
        return autograd.sum(terms) / len(terms)

    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        value = loss()
        value.backward()
        optimizer.step()
        losses.append(repr(value.data))
    return losses, model, loss


# --------------------------------------------------------------------------------------------
# The built site, as files
# --------------------------------------------------------------------------------------------


def page(path: str) -> str:
    file = SITE / path
    assert file.is_file(), f"site/{path} is missing"
    return file.read_text(encoding="utf-8")


def test_the_index_links_the_guide_the_reference_the_notebooks_and_the_playground() -> None:
    index = page("index.html")
    for target in ("guide/index.html", "api/index.html", "notebooks/index.html",
                   "playground/index.html", "examples.html"):
        assert f'href="{target}"' in index, target


@pytest.mark.parametrize("notebook", sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_every_notebook_has_a_page_with_its_outputs(notebook: str) -> None:
    html = page(f"notebooks/{notebook}.html")
    assert html.count('class="cell_output') >= 1, f"{notebook}: no outputs rendered"


def test_the_notebook_pages_carry_figures() -> None:
    assert "<img" in page("notebooks/04_mlp_moons.html")  # the loss curve and the boundary
    assert "<svg" in page("notebooks/01_values_and_graphs.html")  # the graphs, drawn by dot


def test_every_readme_section_is_a_guide_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    titles = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    guide = page("guide/index.html")
    for title in titles:
        assert title.replace("&", "&amp;") in guide, title


API = {"autograd": autograd.__all__, "autograd.viz": autograd.viz.__all__,
       "nn": ["MLP", "Layer", "Neuron", "Module", "fit", "draw_network", "LSTM", "Conv2d"],
       "nn.optim": ["SGD", "Adam", "AdamW"], "nn.losses": ["mse", "hinge", "cross_entropy"],
       "nn.data": ["make_moons", "xor", "load_digits"], "autograd.gradcheck": ["gradcheck"],
       "autograd.testing": ["expressions"], "autograd.ops": ["register"]}


@pytest.mark.parametrize("module", sorted(API))
def test_the_api_pages_describe_public_names_by_their_public_path(module: str) -> None:
    html = page(f"api/{module}.html")
    for name in API[module]:
        if name == "ops":
            continue  # a module: it has its own page
        assert f'id="{module}.{name}"' in html or f"{module}.{name}</span></code> is" in html, \
            f"{module}.{name} is not described on api/{module}.html"


def test_the_api_reference_shows_signatures() -> None:
    html = re.sub(r"<[^>]+>", "", page("api/autograd.html"))
    assert re.search(r"autograd\.grad\(\s*f", html), "no signature for autograd.grad"


def test_the_site_requests_nothing_from_another_host() -> None:
    pattern = re.compile(r'(?:src|href)="(?:https?:)?//[^"]*"[^>]*>', re.IGNORECASE)
    for file in SITE.rglob("*.html"):
        for match in pattern.finditer(file.read_text(encoding="utf-8")):
            tag = match.group(0)
            assert not tag.lower().startswith("src"), f"{file}: {tag}"  # links are fine, loads not
    assert "cdn" not in page("notebooks/09_backprop_through_time.html").lower()


# --------------------------------------------------------------------------------------------
# The playground in chromium
# --------------------------------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The playground's chromium: it stays on the playground page for the whole module."""
    yield from chromium(BLOCK_OTHER_HOSTS)


@pytest.fixture(scope="module")
def reader() -> Iterator[Any]:
    """A second chromium for the site's other pages."""
    yield from chromium(BLOCK_OTHER_HOSTS)


def wait_for(browser: Any, script: str, *args: Any, seconds: float = 120.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = browser.execute_script(script, *args)
        if result:
            return result
        time.sleep(0.1)
    status = browser.execute_script("const s = document.getElementById('status');"
                                    "return s ? s.textContent : document.title")
    raise AssertionError(f"timed out waiting for {script!r}; the page says {status!r}")


def requested_urls(browser: Any) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def playground(browser: Any, server: str) -> Iterator[Any]:
    """The playground opened once with PROGRAM in its link; Pyodide starts here."""
    browser.get("about:blank")
    browser.get_log("performance")  # from here on, every request is the site's
    browser.get_log("browser")
    browser.get(f"{server}/playground/index.html#code={quote(PROGRAM, safe='')}")
    wait_for(browser, "return document.body.dataset.runs === '1'")
    yield browser


def run_link(browser: Any, program: str) -> None:
    runs = int(browser.execute_script("return document.body.dataset.runs"))
    browser.execute_script("location.hash = arguments[0]", f"#code={quote(program, safe='')}")
    wait_for(browser, "return document.body.dataset.runs === arguments[0]", str(runs + 1))


def page_leaves(browser: Any) -> dict[str, tuple[str, str]]:
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('#leaves tbody tr'), r =>"
        " [r.dataset.label, r.querySelector('.data').textContent,"
        "  r.querySelector('.grad').textContent])")
    return {label: (data, grad) for label, data, grad in rows}


def test_a_linked_program_shows_the_native_gradients_digit_for_digit(playground: Any) -> None:
    assert page_leaves(playground) == native_leaves(PROGRAM)


def test_transcendental_functions_agree_to_twelve_digits(playground: Any) -> None:
    run_link(playground, TRANSCENDENTAL)
    shown, native = page_leaves(playground), native_leaves(TRANSCENDENTAL)
    assert shown.keys() == native.keys()
    for label, (data, grad) in native.items():
        assert shown[label][0] == data
        assert math.isclose(float(shown[label][1]), float(grad), rel_tol=1e-12), label


def test_the_program_is_drawn_by_the_graph_player(playground: Any) -> None:
    srcdoc = playground.execute_script("return document.getElementById('player').srcdoc")
    assert "chainrulePage" in srcdoc and "<svg" in srcdoc


def test_printed_output_is_shown(playground: Any) -> None:
    run_link(playground, PROGRAM)
    text = playground.find_element(By.ID, "output").text
    assert text == f"y = {native_root(PROGRAM).data!r}"


def test_changing_a_leaf_runs_the_program_again_with_that_number(playground: Any) -> None:
    run_link(playground, PROGRAM)
    runs = int(playground.execute_script("return document.body.dataset.runs"))
    playground.execute_script(
        "const field = document.querySelector('#leaves tr[data-label=\"s\"] input');"
        "field.value = '-1.25'; field.dispatchEvent(new Event('change'));")
    wait_for(playground, "return document.body.dataset.runs === arguments[0]", str(runs + 1))
    changed = PROGRAM.replace("Value(0.7,", "Value(-1.25,")
    assert changed != PROGRAM
    assert page_leaves(playground) == native_leaves(changed)
    editor = playground.execute_script("return document.getElementById('editor').value")
    assert "Value(-1.25," in editor


def test_a_program_that_raises_shows_the_engines_message(playground: Any) -> None:
    program = 'a = Value(-0.5, label="a")\nb = a.log()\nb\n'
    with pytest.raises(ValueError) as native:
        Value(-0.5, label="a").log()
    run_link(playground, program)
    shown = playground.find_element(By.ID, "error").text
    assert "log of non-positive value -0.5" in shown
    assert str(native.value) in shown and shown.startswith("line 2: ValueError")


def test_a_network_trained_in_the_page_gives_the_native_losses(playground: Any) -> None:
    query = "&".join(f"{key}={value}" for key, value in NETWORK.items())
    playground.execute_script("location.hash = arguments[0]", f"#net&{query}&steps=3")
    wait_for(playground, "return document.body.dataset.netStep === '3'")
    losses = json.loads(playground.execute_script(
        "return document.getElementById('loss-curve').dataset.losses"))
    assert losses == native_network(3)[0]


def test_clicking_a_weight_shows_its_derivation_at_the_current_step(playground: Any) -> None:
    _, model, loss = native_network(3)
    name = "layers.1.neurons.0.w.2"
    model.zero_grad()
    loss().backward()
    expected = dict(model.named_parameters())[name].grad
    playground.execute_script(
        "const link = Array.from(document.querySelectorAll('#network g.edge a'))"
        "  .find(a => a.getAttribute('xlink:title') === arguments[0]);"
        "link.dispatchEvent(new MouseEvent('click', {bubbles: true}));", name)
    text = wait_for(playground, "const d = document.getElementById('derivation');"
                    "return d.textContent.includes(arguments[0]) && d.textContent", name)
    assert f"d(loss)/d({name}) = {expected!r}," in text
    rows = playground.find_elements(By.CSS_SELECTOR, "#derivation tbody tr")
    assert len(rows) == 100  # one use of the output layer's weight per example


@pytest.mark.parametrize("path", ["index.html", "notebooks/07_second_order.html",
                                  "api/autograd.html", "pages/neuron.html"])
def test_site_pages_load_from_the_site_alone(reader: Any, server: str, path: str) -> None:
    reader.get("about:blank")
    reader.get_log("performance")
    reader.get_log("browser")
    reader.get(f"{server}/{path}")
    if path.startswith("notebooks/"):  # the formulas are typeset by the site's own MathJax
        wait_for(reader, "return document.querySelector('mjx-container')", seconds=60)
    urls = requested_urls(reader)
    assert urls and [url for url in urls if not url.startswith((server, "data:"))] == []
    assert [entry for entry in reader.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_no_request_left_the_host_and_the_console_is_clean(playground: Any, server: str) -> None:
    page_urls = requested_urls(playground)  # chromium's performance log: the page's requests
    worker_urls = playground.execute_script("return window.playground.timings.workerRequests")
    assert any(url.endswith("/playground/worker.js") for url in page_urls)
    assert any(url.endswith("/pyodide/pyodide.asm.wasm") for url in worker_urls)
    assert any(url.endswith(".whl") for url in worker_urls)
    home = (server, "data:", "about:")
    assert [url for url in page_urls + worker_urls if not url.startswith(home)] == []
    problems = [entry for entry in playground.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []
