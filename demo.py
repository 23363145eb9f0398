"""`make demo`: micrograd's demo, on chainrule.

Trains ``nn.MLP(2, [16, 16, 1])`` on 100 two-moons points with micrograd's recipe (hinge loss plus
1e-4 L2, 100 steps of full-batch SGD with the learning rate decaying from 1.0 to 0.1; see
karpathy/micrograd, demo.ipynb) through ``nn.fit`` with a progress bar, prints the final training
accuracy and the time taken, and writes two pictures:

- ``out/decision_boundary.png``: the trained model's decision regions under the data;
- ``out/neuron.svg``: the computational graph of one neuron of the first layer on one sample
  (after ``backward()``), with every local derivative on its edge (the chain-rule view).

Run ``python -m demo --help`` for the options (fewer epochs, another output folder, no bar).
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nn
from autograd import Value, no_grad

#: The colour of class 0 and of class 1, for the points and (lighter) for their regions.
CLASS_COLOURS = ("#d62728", "#1f77b4")
#: How strongly a region shows its class colour over the white background.
REGION_ALPHA = 0.3


def _spaced(low: float, high: float, step: float) -> list[float]:
    """Evenly spaced numbers from ``low`` to ``high``, both included, at most ``step`` apart."""
    count = math.ceil((high - low) / step) + 1
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def decision_figure(
    model: nn.Module, X: list[list[float]], y: list[int], step: float = 0.05
) -> tuple[Any, Any]:
    """The model's decision regions (score > 0 is class 1) under the data, in the same colours.

    The score is evaluated on a grid reaching every edge of the plot, and the boundary is the
    contour where it crosses 0, so the regions fill the axes and the boundary is smooth.

    Returns:
        ``(figure, axes)`` of matplotlib (drawn with the Agg backend: no display needed).
    """
    import matplotlib

    matplotlib.use("Agg")  # draw to files; no display needed
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    low_x, high_x = min(p[0] for p in X) - 0.5, max(p[0] for p in X) + 0.5
    low_y, high_y = min(p[1] for p in X) - 0.5, max(p[1] for p in X) + 0.5
    columns, rows = _spaced(low_x, high_x, step), _spaced(low_y, high_y, step)
    with no_grad():
        scores = [[float(model([x, y_])) for x in columns] for y_ in rows]
    colours = ListedColormap(CLASS_COLOURS)
    classes = BoundaryNorm([-0.5, 0.5, 1.5], colours.N)  # 0 -> class 0's colour, 1 -> class 1's
    figure, axes = plt.subplots(figsize=(6, 5))
    beyond = max(abs(score) for row in scores for score in row) + 1.0
    axes.contourf(columns, rows, scores, levels=[-beyond, 0.0, beyond], colors=CLASS_COLOURS,
                  alpha=REGION_ALPHA)  # below 0: class 0's colour; above: class 1's
    axes.contour(columns, rows, scores, levels=[0.0], colors="black", linewidths=1.0)
    axes.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap=colours, norm=classes, s=40,
                 edgecolors="black")
    axes.set_title("MLP(2, [16, 16, 1]) on make_moons: decision boundary")
    axes.set_xlabel("x1 (first input)")
    axes.set_ylabel("x2 (second input)")
    axes.set_xlim(low_x, high_x)
    axes.set_ylim(low_y, high_y)
    figure.tight_layout()
    return figure, axes


def plot_decision_boundary(
    model: nn.Module, X: list[list[float]], y: list[int], path: Path, step: float = 0.05
) -> None:
    """Save :func:`decision_figure` as a PNG at ``path``."""
    import matplotlib.pyplot as plt

    figure, _ = decision_figure(model, X, y, step)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def save_neuron_graph(model: nn.Module, X: list[list[float]], path: Path) -> None:
    """Save the graph of the first neuron of the first layer, after backward, on the first
    sample that makes it fire (so the gradients it shows are not all zero)."""
    from autograd.viz import save_graph

    neuron = model.layers[0].neurons[0]  # type: ignore[attr-defined]
    with no_grad():
        firing = [sample for sample in X if float(neuron(sample)) > 0.0]
    sample = firing[0] if firing else X[0]
    model.zero_grad()  # drop the last training step's gradients: show this backward's alone
    inputs = [Value(value, label=f"x{i + 1}") for i, value in enumerate(sample)]
    output = neuron(inputs)
    output.label = "relu(w.x + b)"
    output.backward()
    save_graph(output, path, show_local_grads=True)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train on moons, print accuracy and time, write the two pictures; return a summary."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="full-batch SGD steps (100)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder (out)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the moons data (1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    options = parser.parse_args(argv)
    # Without Graphviz's dot the graph is still written, as DOT source; say so before training.
    rendered = shutil.which("dot") is not None
    if not rendered:
        print("note: Graphviz's dot program is not installed, so the neuron's graph is written "
              "as DOT source (neuron.dot); install Graphviz (Debian: apt-get install graphviz, "
              "macOS: brew install graphviz) for neuron.svg", file=sys.stderr)

    X, y = nn.data.make_moons(100, noise=0.1, seed=options.seed)
    random.seed(1337)  # micrograd's demo seeds Python's random before building the model
    model = nn.MLP(2, [16, 16, 1])
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)
    print(f"Training MLP(2, [16, 16, 1]) ({len(model.parameters())} parameters) on {len(X)} "
          "moons points with hinge loss + 1e-4 L2 and SGD, lr 1.0 -> 0.1")
    started = time.perf_counter()
    history = nn.fit(
        model, X, y,
        loss=nn.losses.hinge,
        optimizer=optimizer,
        epochs=options.epochs,
        schedule=nn.optim.linear_decay(1.0, 0.1, options.epochs),
        penalty=lambda m: nn.losses.l2(m.parameters(), 1e-4),
        progress=not options.no_progress,
    )
    seconds = time.perf_counter() - started
    final = nn.accuracy(model, X, y)
    print(f"final loss {history.loss[-1]:.4f}, training accuracy {final:.0%} "
          f"after {options.epochs} steps in {seconds:.1f} s")

    options.out.mkdir(parents=True, exist_ok=True)
    boundary = options.out / "decision_boundary.png"
    plot_decision_boundary(model, X, y, boundary)
    neuron = options.out / ("neuron.svg" if rendered else "neuron.dot")
    save_neuron_graph(model, X, neuron)
    print(f"wrote {boundary} and {neuron}")
    return {"accuracy": final, "seconds": seconds, "history": history,
            "files": [boundary, neuron]}


if __name__ == "__main__":
    main()
