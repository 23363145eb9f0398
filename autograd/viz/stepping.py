"""The backward pass as a sequence of drawings: a slider over the steps in Jupyter.

:func:`step_through` draws the graph once per step of the backward pass that
:func:`autograd.explain` records (the core's own sweep, observed), with the node whose turn it is
outlined and the gradients known so far; frames are drawn only when they are looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.naming import node_names, number_formatter, op_title
from ..core.value import Value
from ..explain import record_steps
from .drawing import DEFAULT_MAX_NODES, draw_frame

__all__ = ["StepThrough", "step_through"]


class _Frames(Sequence[Any]):
    """The drawings of a step-through, each built the first time it is asked for.

    Recording the pass is linear in the size of the graph; each drawing costs one pass over the
    graph, paid only for the frames actually shown (a slider shows a few; a 2,000-op chain has
    2,000 frames that nobody renders all of).
    """

    def __init__(self, draw: Callable[[int], Any], count: int) -> None:
        self._draw = draw
        self._count = count
        self._built: dict[int, Any] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._count))]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(f"frame {index} of a step-through with {self._count} frames")
        if position not in self._built:
            self._built[position] = self._draw(position)
        return self._built[position]


class StepThrough:
    """The backward pass as a sequence of drawings, for a slider in Jupyter.

    Attributes:
        frames: one :class:`autograd.viz.Graph` per step, drawn when first indexed. Frame 0
            shows the seed (the root's gradient 1); frame k shows the gradients after the k-th
            node has passed its gradient to its inputs, with that node outlined in red.
            Gradients not reached yet show as ``·``.
        captions: one line per frame saying what happened in it.
    """

    def __init__(self, frames: Sequence[Any], captions: list[str]) -> None:
        self.frames = frames
        self.captions = captions
        self._svg: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<StepThrough of {len(self.frames)} frames>"

    def svg(self, index: int) -> str:
        """Frame ``index`` rendered to SVG text (cached).

        Raises:
            autograd.viz.GraphvizNotFoundError: the ``dot`` program is missing.
        """
        if index not in self._svg:
            self._svg[index] = self.frames[index].pipe(format="svg", encoding="utf-8")
        return self._svg[index]

    def widget(self) -> Any:
        """An ipywidgets box: a slider over the steps above the rendered frame.

        Raises:
            ImportError: ipywidgets is not installed (``pip install ipywidgets``).
        """
        import ipywidgets

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self.frames) - 1, step=1,
                                      description="step", continuous_update=False)
        caption = ipywidgets.Label(value=self.captions[0])
        picture = ipywidgets.HTML(value=self.svg(0))

        def show(change: dict[str, Any]) -> None:
            index = change["new"]
            caption.value = self.captions[index]
            picture.value = self.svg(index)

        slider.observe(show, names="value")
        return ipywidgets.VBox([slider, caption, picture])

    def _ipython_display_(self) -> None:
        """Jupyter: a slider when ipywidgets is installed, else every frame in turn."""
        from IPython.display import display

        try:
            box = self.widget()
        except ImportError:
            for frame in self.frames:
                display(frame)
            return
        display(box)


def step_through(root: Value, **options: Any) -> StepThrough:
    """Replay ``root``'s backward pass one node at a time, as drawings.

    Args:
        root: the Value to differentiate (its ``.grad`` fields are not touched).
        **options: drawing options of :func:`autograd.viz.draw_graph` (``rankdir``,
            ``show_local_grads``, ``color_by_grad``, ``max_nodes``, ``precision``).

    Returns:
        A :class:`StepThrough` whose ``frames`` are the drawings; in Jupyter it displays as a
        slider (with ipywidgets) or as the frames one after another.

    Raises:
        TypeError: ``root`` is not a Value.
    """
    if not isinstance(root, Value):
        raise TypeError(f"step_through needs a Value, got {type(root).__name__}: {root!r}")
    settings: dict[str, Any] = {"rankdir": "LR", "show_grad": True, "show_local_grads": False,
                "color_by_grad": False, "max_nodes": DEFAULT_MAX_NODES, "precision": 4}
    unknown = set(options) - set(settings)
    if unknown:
        raise TypeError(f"step_through: unknown drawing option(s) {sorted(unknown)}; "
                        f"known: {sorted(settings)}")
    settings.update(options)
    names = node_names(root)
    number = number_formatter(int(settings["precision"]))
    steps, _ = record_steps(root)
    captions = [f"step 0: seed d({names[root]})/d({names[root]}) = 1"]
    for index, step in enumerate(steps, start=1):
        upstream = number(step.products[0].upstream) if step.products else "0"
        passed = ", ".join(f"grad({names[product.input]}) += {upstream} × {number(product.local)}"
                           for product in step.products)
        captions.append(f"step {index}: {names[step.node]} ({op_title(step.node)}) passes "
                        f"back its grad: {passed}")

    def draw(position: int) -> Any:
        gradients: dict[Value, float] = {root: 1.0}
        for step in steps[:position]:
            for product in step.products:
                gradients[product.input] = product.accumulated
        highlight = steps[position - 1].node if position else root
        return draw_frame(root, grads=gradients, highlight=highlight, caption=captions[position],
                     **settings)

    return StepThrough(_Frames(draw, len(captions)), captions)
