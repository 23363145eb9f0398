"""The playground's Python half: it runs in Pyodide, in the page's Web Worker, on the real engine.

Every number the page shows comes from here (and so from ``autograd`` and ``nn``); the page's
JavaScript only lays it out. Each entry point takes and returns JSON text, so the boundary between
the two languages stays plain.

Code mode (:func:`run_code`): the program runs like a notebook cell with ``Value``, ``autograd``,
``nn`` and ``math`` already imported; its last expression is the root, and the page calls
``backward()`` on it. The leaves are listed in topological order with their label (or ``v<i>``,
as the drawing names them), data and grad at full precision (``repr`` of the floats).

A leaf gets an editable number when it was made by a call ``Value(<number>, ...)`` written in the
program (``<number>`` a literal such as ``2.0`` or ``-3``): changing it rewrites that literal in the
program and runs it again (:func:`set_leaf`), so the program, the link and the numbers always
agree. A call in a loop makes several leaves from one literal: they change together.

Network mode (:func:`net_init`, :func:`net_step`, :func:`net_explain`): one training step is
``zero_grad()``; the loss, the mean over the whole data set of ``loss(model(x), target)``
(``autograd.sum(terms) / n``); ``backward()``; ``optimizer.step()``. A native run of the same
settings and seed gives the same numbers.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import traceback
from typing import Any

import autograd
import nn
from autograd import Value

PROGRAM = "<program>"
LEAF_HOOK = "__playground_leaf__"
MAX_SOURCE = 100_000  # characters of a program (a link carries it)
MAX_OUTPUT = 20_000  # characters of printed output kept
MAX_ROWS = 400  # derivation rows sent to the page


# --------------------------------------------------------------------------------------------
# Code mode
# --------------------------------------------------------------------------------------------


def _number_literal(node: ast.expr) -> bool:
    """``2.0``, ``-3``, ``+1e-3``: a real number written in the program (not a bool)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


def _is_value_call(node: ast.Call) -> bool:
    name = node.func
    return ((isinstance(name, ast.Name) and name.id == "Value")
            or (isinstance(name, ast.Attribute) and name.attr == "Value"))


def leaf_sites(tree: ast.AST) -> list[ast.expr]:
    """The number literals of the program's ``Value(<number>, ...)`` calls, in source order."""
    literals = [node.args[0] for node in ast.walk(tree)
                if isinstance(node, ast.Call) and _is_value_call(node) and node.args
                and _number_literal(node.args[0])]
    return sorted(literals, key=lambda node: (node.lineno, node.col_offset))


class _MarkLeaves(ast.NodeTransformer):
    """Wraps each ``Value(<number>, ...)`` call as ``__playground_leaf__(site, Value(...))``."""

    def __init__(self, sites: list[ast.expr]) -> None:
        self.index = {id(literal): number for number, literal in enumerate(sites)}

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if node.args and id(node.args[0]) in self.index:
            site = ast.Constant(self.index[id(node.args[0])])
            return ast.Call(ast.Name(LEAF_HOOK, ast.Load()), [site, node], [])
        return node


def _offset(source: str, line: int, column: int) -> int:
    """A character offset from ast's (line, UTF-8 byte column)."""
    lines = source.splitlines(keepends=True)
    start = sum(len(text) for text in lines[: line - 1])
    return start + len(lines[line - 1].encode("utf-8")[:column].decode("utf-8"))


def set_leaf(source: str, site: int, number: str) -> str:
    """The program with the number literal of leaf site ``site`` replaced by ``number``.

    Raises:
        ValueError: ``number`` is not a finite real number, or there is no such site.
    """
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"a leaf's number must be finite, got {number!r}")
    sites = leaf_sites(ast.parse(source, PROGRAM))
    if not 0 <= site < len(sites):
        raise ValueError(f"the program has no leaf number {site}")
    literal = sites[site]
    start = _offset(source, literal.lineno, literal.col_offset)
    end = _offset(source, literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
    return source[:start] + repr(value) + source[end:]


def edit_leaf(source: str, site: int, number: str) -> str:
    """:func:`set_leaf` for the page: the new program as JSON, or the error."""
    return _answer(lambda: {"ok": True, "source": set_leaf(source, int(site), number)})


def _error(error: BaseException) -> dict[str, Any]:
    """The exception as Python prints it (type, message, notes), and the program's line."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == PROGRAM:
            line = frame.lineno
    if isinstance(error, SyntaxError) and error.filename == PROGRAM:
        line = error.lineno
    message = "".join(traceback.format_exception_only(error)).strip()
    return {"ok": False, "error": message, "line": line}


def _execute(source: str, namespace: dict[str, Any]) -> Any:
    """Runs the program as a notebook cell and returns its last expression's value."""
    tree = ast.parse(source, PROGRAM)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError("the program must end with an expression: the Value to differentiate "
                         "(as a notebook cell shows its last expression)")
    marked = ast.fix_missing_locations(_MarkLeaves(leaf_sites(tree)).visit(tree))
    body = ast.Module(marked.body[:-1], type_ignores=[])
    exec(compile(body, PROGRAM, "exec"), namespace)
    last = ast.Expression(marked.body[-1].value)
    return eval(compile(last, PROGRAM, "eval"), namespace)


def _short_output(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n... ({len(text) - MAX_OUTPUT} more characters not shown)"


def run_code(source: str) -> str:
    """Runs a program, calls ``backward()`` on its last expression, and returns (as JSON) the
    printed output, the graph player's page and the leaves; or the error as Python says it."""
    if len(source) > MAX_SOURCE:
        return json.dumps({"ok": False, "line": None, "error": f"the program is too long "
                           f"({len(source)} characters; the playground takes {MAX_SOURCE})"})
    made: dict[Value, int] = {}

    def mark(site: int, value: Any) -> Any:
        if isinstance(value, Value):
            made[value] = site
        return value

    namespace = {"__name__": "__main__", LEAF_HOOK: mark, "Value": Value,
                 "autograd": autograd, "nn": nn, "math": math}
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            root = _execute(source, namespace)
            if not isinstance(root, Value):
                raise TypeError(f"the last expression is a {type(root).__name__}, not a Value: "
                                f"end the program with the Value to differentiate")
            root.backward()
    except Exception as error:  # the program's own errors are the answer, shown on the page
        return json.dumps({**_error(error), "stdout": _short_output(output.getvalue())})
    return json.dumps({"ok": True, "stdout": _short_output(output.getvalue()),
                       "root": _node(root, _names(root)[root]), "leaves": _leaves(root, made),
                       **_page(root)})


def _names(root: Value) -> dict[Value, str]:
    """Each node's name as the drawing and autograd.explain write it: label, else v<i>."""
    order = autograd.topological_order(root, include_leaves=True)
    return {node: node.label or f"v{index}" for index, node in enumerate(order)}


def _number(value: Any) -> str:
    return repr(float(value.data if isinstance(value, Value) else value))


def _node(node: Value, name: str) -> dict[str, Any]:
    return {"label": name, "data": _number(node.data), "grad": _number(node.grad)}


def _leaves(root: Value, made: dict[Value, int]) -> list[dict[str, Any]]:
    names = _names(root)
    return [{**_node(node, name), "site": made.get(node)}
            for node, name in names.items() if not node.parents]


def _page(root: Value) -> dict[str, Any]:
    """The graph player of autograd.viz.to_html (drawn by the renderer the worker set)."""
    try:
        from autograd import viz

        return {"page": viz.to_html(root, show_local_grads=True)}
    except (ValueError, RuntimeError) as error:  # too large for a page; the numbers still show
        return {"page": None, "page_error": "".join(traceback.format_exception_only(error))}


# --------------------------------------------------------------------------------------------
# Network mode
# --------------------------------------------------------------------------------------------

DATASETS = {
    "xor": lambda seed: nn.data.xor(),
    "moons": lambda seed: nn.data.make_moons(100, noise=0.1, seed=seed),
    "spirals": lambda seed: nn.data.make_spirals(100, classes=2, noise=0.1, seed=seed),
}
# Targets: +1/-1 for the margin and squared losses, 0/1 for the logistic one.
LOSSES = {
    "hinge": (nn.losses.hinge, lambda label: 1.0 if label else -1.0),
    "mse": (nn.losses.mse, lambda label: 1.0 if label else -1.0),
    "logistic": (nn.losses.binary_cross_entropy_with_logits, float),
}
OPTIMIZERS = {
    "sgd": lambda params, lr: nn.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: nn.optim.SGD(params, lr=lr, momentum=0.9),
    "adam": lambda params, lr: nn.optim.Adam(params, lr=lr),
    "rmsprop": lambda params, lr: nn.optim.RMSprop(params, lr=lr),
    "adagrad": lambda params, lr: nn.optim.Adagrad(params, lr=lr),
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
MAX_LAYERS, MAX_WIDTH = 4, 32
GRID = 24  # the decision boundary's cells per side


def _choice(settings: dict[str, Any], key: str, choices: Any) -> str:
    value = settings.get(key)
    if value not in choices:
        raise ValueError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def parse_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Checks the settings from the page (or a link) and returns them normalised.

    Raises:
        ValueError: a setting is unknown or out of range (the message names it).
    """
    layers = [int(width) for width in str(settings.get("layers", "")).split(",") if width.strip()]
    if len(layers) > MAX_LAYERS or any(not 1 <= width <= MAX_WIDTH for width in layers):
        raise ValueError(f"layers: up to {MAX_LAYERS} hidden layers of 1 to {MAX_WIDTH} neurons "
                         f"(for example 16,16), got {settings.get('layers')!r}")
    lr = float(settings.get("lr", "nan"))
    if not 0.0 < lr <= 10.0:
        raise ValueError(f"lr: the learning rate must be in (0, 10], got {settings.get('lr')!r}")
    seed = int(settings.get("seed", 0))
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return {"dataset": _choice(settings, "dataset", DATASETS), "layers": layers,
            "activation": _choice(settings, "activation", ACTIVATIONS),
            "loss": _choice(settings, "loss", LOSSES),
            "optimizer": _choice(settings, "optimizer", OPTIMIZERS), "lr": lr, "seed": seed}


class Session:
    """One network being trained: the model, its optimiser, the data and the losses so far."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = parse_settings(settings)
        s = self.settings
        self.X, labels = DATASETS[s["dataset"]](s["seed"])
        self.labels = [int(label) for label in labels]
        self.loss_function, target = LOSSES[s["loss"]]
        self.targets = [target(label) for label in self.labels]
        self.model = nn.MLP(2, [*s["layers"], 1], activation=s["activation"], seed=s["seed"])
        self.optimizer = OPTIMIZERS[s["optimizer"]](self.model.parameters(), s["lr"])
        self.losses: list[float] = []

    def loss(self) -> Value:
        """The mean loss over the data set at the current weights (a fresh graph)."""
        terms = [self.loss_function(self.model(x), t)
                 for x, t in zip(self.X, self.targets, strict=True)]
        return autograd.sum(terms) / len(terms)

    def step(self) -> float:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        self.losses.append(loss.data)
        return loss.data

    def accuracy(self) -> float:
        with autograd.no_grad():
            right = sum((self.model(x).data > 0) == bool(label)
                        for x, label in zip(self.X, self.labels, strict=True))
        return right / len(self.labels)

    def boundary(self) -> dict[str, Any]:
        """The model's output on a GRID x GRID lattice over the data's box (rows from the top)."""
        xs = [point[0] for point in self.X]
        ys = [point[1] for point in self.X]
        pad_x, pad_y = 0.1 * (max(xs) - min(xs)) or 0.5, 0.1 * (max(ys) - min(ys)) or 0.5
        box = [min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y]
        cells = []
        with autograd.no_grad():
            for row in range(GRID):
                y = box[3] - (row + 0.5) * (box[3] - box[2]) / GRID
                for column in range(GRID):
                    x = box[0] + (column + 0.5) * (box[1] - box[0]) / GRID
                    cells.append(self.model([x, y]).data)
        return {"box": box, "size": GRID, "cells": cells}

    def state(self, draw: bool) -> dict[str, Any]:
        state = {"ok": True, "settings": self.settings, "step": len(self.losses),
                 "losses": [repr(loss) for loss in self.losses], "accuracy": self.accuracy(),
                 "points": self.X, "labels": self.labels, "boundary": self.boundary()}
        if draw:
            state["svg"] = nn.draw_network(self.model).pipe(format="svg", encoding="utf-8")
        return state


_session: Session | None = None


def _answer(work: Any) -> str:
    try:
        return json.dumps(work())
    except Exception as error:  # shown on the page, as Python says it
        return json.dumps(_error(error))


def net_init(settings: str) -> str:
    """Starts a network from the settings (JSON); returns its state at step 0."""
    def work() -> dict[str, Any]:
        global _session
        _session = Session(json.loads(settings))
        return _session.state(draw=True)
    return _answer(work)


def net_step(steps: int, draw: bool) -> str:
    """Trains ``steps`` steps; returns the state (the drawing when ``draw``)."""
    def work() -> dict[str, Any]:
        session = _current()
        for _ in range(max(1, min(int(steps), 100))):
            session.step()
        return session.state(draw=draw)
    return _answer(work)


def _current() -> Session:
    if _session is None:
        raise RuntimeError("no network yet: press Reset")
    return _session


def net_explain(name: str) -> str:
    """The derivation of d(loss)/d(parameter) at the current weights (the gradient the next Step
    applies): autograd.explain's rows whose input is that parameter, upstream x local =
    contribution, one per use of the parameter (one per example), and their sum."""
    def work() -> dict[str, Any]:
        session = _current()
        parameters = dict(session.model.named_parameters())
        if name not in parameters:
            raise ValueError(f"no parameter named {name!r}")
        loss = session.loss()
        derivation = autograd.explain(loss)
        rows = [row for row in derivation.rows if row.input == name]
        return {"ok": True, "name": name, "step": len(session.losses), "loss": repr(loss.data),
                "grad": repr(derivation.gradients[parameters[name]]), "count": len(rows),
                "rows": [{"node": row.node, "op": row.op, "upstream": repr(row.upstream),
                          "local": repr(row.local), "contribution": repr(row.contribution),
                          "accumulated": repr(row.accumulated)} for row in rows[:MAX_ROWS]]}
    return _answer(work)
